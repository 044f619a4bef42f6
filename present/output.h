/* output: files a run leaves behind, each written to a fresh NAME.XXXXXX.tmp
 * (O_EXCL, no symbolic link followed) and renamed into place, so that no
 * reader sees a half-written file.  The commands write them into a
 * temporary folder that outdir.h puts in place whole. */
#ifndef RETSIM_OUTPUT_H
#define RETSIM_OUTPUT_H

#include <stdio.h>

#include "../sim/diag.h"
#include "../sim/lang.h"
#include "figures.h"
#include "../sim/runner.h"
#include "../sim/scenario.h"

#define RETSIM_VERSION "0.1.0"

/* mkdir -p */
int out_mkdirs(const char *dir, diag *d);

/* Creates a new temporary file for dir/name (never opening one that
 * exists); tmp receives its path.  NULL with d set on failure, or when a
 * SIGINT/SIGTERM is pending ("interrupted"). */
FILE *out_open(const char *dir, const char *name, char *tmp, size_t cap, diag *d);
/* Flushes, closes and renames tmp to dir/name; on failure, or when a
 * signal is pending, removes tmp instead. */
int out_commit(FILE *f, const char *tmp, const char *dir, const char *name, diag *d);

/* A number in a CSV row: ",x", or "," when undefined. */
void out_csv_number(FILE *f, double x);
/* ",mean,sd,ci_low,ci_high" */
void out_csv_summary(FILE *f, const stat_summary *s);
/* Writes a jansson value to dir/name through a temporary file, and frees it. */
struct json_t;
int out_json_commit(struct json_t *root, const char *dir, const char *name, diag *d);
/* A number for JSON: null when undefined. */
struct json_t *out_json_number(double x);
/* The promotions an engine applies, as a JSON array of {name, applied}. */
struct json_t *out_json_promotions(const engine *e);
/* One "applied:" line per promotion the engine applies, each followed by its
 * assumed effects (the KEY_EFFECT keys: how customers respond, not measured). */
void out_print_applied(FILE *f, const engine *e, lang_id lang);
/* The effect keys of the applied promotion named name (scen_effects_text):
 * how customers are assumed to respond, unless a pilot measured it. */
int out_applied_effects(const engine *e, const char *name, char *buf, size_t cap, lang_id lang);

/* dir/scenario.ini: the scenario as run (bases and overrides resolved), so
 * that an output can be reproduced. */
int out_write_scenario(const char *dir, const scenario *sc, diag *d);

/* Everything `retsim run` writes for scenario k of res: summary.json, the
 * CSV files and the plots (titled in lang).  Returns 0 or a DIAG_ status. */
int out_write_run(const char *dir, const scenario *sc, const engine *e, const run_opts *o,
                  const run_result *res, int k, lang_id lang, diag *d);

/* summary.json's parameter_uncertainty for scenario k of res (NULL when
 * the scenario has none): drawn or off, draws, keys, the draws file. */
struct json_t *out_json_uncertainty(const scenario *sc, const run_result *res, int k);
/* The console's line on parameter uncertainty for scenario k (nothing
 * when it has none). */
void out_print_uncertainty(FILE *f, const run_result *res, int k, lang_id lang);

/* The short summary `retsim run` prints: key metrics with 95 % CIs. */
void out_print_summary(FILE *f, const scenario *sc, const engine *e, const run_result *res, int k,
                       lang_id lang);

#endif
