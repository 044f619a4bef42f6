/* scenario: the typed, validated form of an INI scenario file.
 *
 * Every key a scenario may hold is declared once, in a scen_section table
 * owned by the module that uses it (the engine's own sections live in
 * sim/sections.c, each customer model and promotion declares its own).  That
 * one table drives parsing, range checks, defaults, `retsim keys`, --help and
 * docs/scenarios.md, so they cannot disagree. */
#ifndef RETSIM_SCENARIO_H
#define RETSIM_SCENARIO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "diag.h"

typedef enum { KEY_REAL, KEY_INT, KEY_BOOL, KEY_CHOICE, KEY_TEXT } scen_key_kind;

/* Bounds are inclusive unless one of these flags opens them.  KEY_PER_BILL
 * (money keys only): def is a multiple of the business's average bill, so
 * one default fits a 40-yuan haircut and a 2,800-yuan treatment alike; a
 * value written in the file stays an absolute amount. */
enum { KEY_MIN_OPEN = 1, KEY_MAX_OPEN = 2, KEY_OPTIONAL = 4, KEY_PER_BILL = 8, KEY_EFFECT = 16 };
/* KEY_EFFECT: the key is how customers respond to a promotion (a take-up,
 * a share of churn removed, a response rate), not a term the business sets.
 * Its value is an assumption until measured (retsim pilot writes measured
 * effects as [measured_effect]); runs and comparisons name every effect key
 * of an applied promotion so a verdict never hides that it rests on one. */

typedef struct scen_key {
    const char *name;
    scen_key_kind kind;
    size_t offset;                 /* into the section's params struct */
    double def;                    /* REAL/INT/BOOL value; CHOICE index */
    double min, max;
    int flags;
    const char *unit;              /* e.g. "days", "currency", "probability" */
    const char *const *choices;    /* CHOICE: NULL-terminated */
    const char *help;
} scen_key;

/* KEY_TEXT fields are fixed buffers of this size in params structs. */
#define SCEN_TEXT_MAX 128

/* KEY_OPTIONAL reals are NAN when absent; the section's check() decides what
 * absence means (e.g. "give either mean and polarisation or beta_a, beta_b").
 * KEY_PER_BILL reals are NAN when absent too, until the module that knows
 * the bill calls scen_default_per_bill (in its check() or prepare()). */

struct scenario;

typedef struct scen_section {
    const char *name;              /* [name], or [name.LABEL] when repeatable */
    const char *help;
    size_t size;                   /* sizeof the params struct */
    int max_instances;             /* 1: plain section; >1: [name.LABEL] */
    const scen_key *keys;          /* terminated by an entry with name NULL */
    /* Cross-key checks (contradictions, derived values).  May fill derived
     * fields of params.  label is the instance label or NULL. */
    int (*check)(void *params, const char *label, const struct scenario *sc,
                 diag *d);
} scen_section;

#define SCEN_MAX_INSTANCES 64

/* An uncertain value (issue 11): a KEY_REAL key may hold a distribution
 * instead of a number, drawn once per parameter draw (scen_draw).  The
 * params field holds the distribution's mean (the point value), so every
 * static reader (explain, keys, sensitivity's base) works unchanged. */
typedef enum {
    DIST_NONE, DIST_BETA, DIST_UNIFORM, DIST_NORMAL, DIST_LOGNORMAL, DIST_GAMMA
} scen_dist_kind;

typedef struct scen_dist {
    int kind;                      /* scen_dist_kind; DIST_NONE: a plain number */
    double a, b;                   /* beta(a, b), uniform(lo, hi), normal(mean, sd),
                                      lognormal(mu, sigma), gamma(shape, scale) */
    double lo, hi;                 /* the values a draw may take (held there beyond) */
    int short_form;                /* written lo..hi */
} scen_dist;

typedef struct scen_instance {
    const scen_section *section;
    char label[SCEN_TEXT_MAX];     /* "" for plain sections */
    void *params;
    int present;                   /* written in the file (or by --set) */
    int line;                      /* line of the [header] in its file */
    unsigned long long set_mask;   /* bit i: keys[i] was written */
    scen_dist *dist;               /* NULL, or one per key (DIST_NONE: a number) */
} scen_instance;

/* [uncertainty] draws = FILE: joint draws of REAL keys, one row each. */
typedef struct scen_draws {
    int nrows, ncols;
    int *inst;                     /* per column: index into scenario.inst */
    const scen_key **key;          /* per column */
    double *v;                     /* nrows x ncols */
} scen_draws;

typedef struct scenario {
    char path[4096];               /* the file it was loaded from */
    char *text;                    /* the file's text, for reports */
    char draws_path[4096];         /* [uncertainty] draws, resolved; "" when none */
    char base_path[4096];          /* [base] customers, resolved likewise; "" when none */
    scen_draws *draws;             /* its rows, read at load */
    int ninst;
    scen_instance inst[SCEN_MAX_INSTANCES];
} scenario;

/* The NULL-terminated list of every known section: the engine's, then each
 * registered model's and promotion's (sim/plugins.c, from the registries
 * in use; empty before sim_use_plugins). */
const scen_section *const *scen_all_sections(void);

/* At most this many --set lines a load (a typing slip, not a limit a user meets). */
#define SCEN_MAX_SETS 256

/* Loads, validates and fills defaults.  overrides are "section.key=value"
 * strings (from --set), applied after the file and validated the same way.
 * On error returns NULL with d set (status DIAG_USAGE). */
scenario *scen_load(const char *path, const char *const *overrides,
                    int noverrides, diag *d);
void scen_free(scenario *sc);

/* Reads a scenario file whole, NUL-terminated (len without the NUL), or
 * NULL with d set.  scen_load reads through sim/input.c (a regular file,
 * one descriptor, the size limit); the fuzz harnesses serve files from
 * memory. */
typedef char *(*scen_reader)(void *ctx, const char *path, size_t *len, diag *d);
scenario *scen_load_with(const char *path, const char *const *overrides, int noverrides,
                         scen_reader read, void *read_ctx, diag *d);

/* Params of a plain section (its defaults when absent from the file). */
const void *scen_get(const scenario *sc, const scen_section *sec);
/* 1 if the section was written in the file or set on the command line. */
int scen_present(const scenario *sc, const scen_section *sec);
/* 1 if the key was written (file or --set), not just defaulted; lets a
 * check() tell a contradiction from a default. */
int scen_is_set(const scenario *sc, const scen_section *sec, const char *label,
                const char *key);
/* The effect keys (KEY_EFFECT) of section sec's instances in sc, written
 * "key = value" (label.key for a [name.LABEL] instance), each followed by
 * " (default)" when the file did not set it, or " (uncertain: ...)" when
 * it holds a distribution; joined by ", " into buf.  Returns how many. */
int scen_effects_text(const scenario *sc, const scen_section *sec, char *buf, size_t cap, int lang);
/* Instances of a repeatable section, in file order. */
int scen_count(const scenario *sc, const scen_section *sec);
const void *scen_nth(const scenario *sc, const scen_section *sec, int i,
                     const char **label);

/* Gives every KEY_PER_BILL key of section s that the file left out
 * (still NAN in params) its default: def x bill. */
void scen_default_per_bill(const scen_section *s, void *params, double bill);

/* Uncertain keys, plus 1 when [uncertainty] draws names a file: 0 for a
 * scenario of plain numbers. */
int scen_uncertain_count(const scenario *sc);

/* A deep copy of sc with every uncertain key drawn and, with [uncertainty]
 * draws, one row of the file, then every section's check() run again.
 * Key k's value comes from a stream keyed by (seed, draw, hash of
 * "section.label.key"), so two scenarios holding the same uncertain key
 * draw the same value in the same draw (common random numbers) and a key
 * added elsewhere moves no other key's draw; the row is picked by a keyed
 * hash of (seed, draw).  Keys the files left out start again from their
 * defaults, so what a check derives (a per-bill default) follows the drawn
 * values.  The copy has no uncertainty left (its text is NULL).  NULL with d set (DIAG_USAGE when a drawn combination breaks a
 * rule between keys). */
scenario *scen_draw(const scenario *sc, uint64_t seed, int draw, diag *d);

/* The distribution's text, e.g. "beta(2, 18)" or "0.05..0.15". */
void scen_dist_format(const scen_dist *dist, char *buf, size_t len);

/* The key "section.key" or "section.LABEL.key" (as --set names it) and
 * the params it lives in (the section's defaults when the file left the
 * section out); NULL with d set (DIAG_USAGE, naming opt, with "did you
 * mean") for an unknown section or key. */
const scen_key *scen_find_key(const scenario *sc, const char *dotted, const char *opt,
                              const void **params, diag *d);

/* The scenario's display name ([scenario] name, or the file's base name). */
const char *scen_name(const scenario *sc);
/* Its currency label ([scenario] currency, default yuan). */
const char *scen_currency(const scenario *sc);

/* The scenario as run: every section and key that was written, with bases
 * and overrides applied; loading it gives the same scenario. */
void scen_write_resolved(FILE *f, const scenario *sc);

/* Reference of every section and key, as Markdown (docs/scenarios.md) or as
 * plain text (retsim keys). */
void scen_write_reference(FILE *f, int markdown);

/* Formats a key's allowed range, e.g. "0 to 1" or "> 0". */
void scen_key_range(const scen_key *k, char *buf, size_t len);
/* The same in language lang (a lang_id): what errors and `retsim keys` show
 * in the UI language; scen_key_range is English (docs, man page). */
void scen_key_range_in(const scen_key *k, char *buf, size_t len, int lang);
/* A key's unit in language lang (msgctxt "unit"; "" for none). */
const char *scen_unit(const char *unit, int lang);
/* Its default as the reference prints it, and its type ("number", "choice"
 * ...): for other renderings of the reference (the man page). */
void scen_key_default(const scen_key *k, char *buf, size_t len);
const char *scen_key_type(const scen_key *k);

#endif
