/* Registry-driven checks, in the manner of GSL's rng/test.c looping over
 * gsl_rng_types_setup(): every promotion and every customer model in the
 * registries in use gets the same checks, so a new one is covered the day
 * it is registered, without a line here.
 *
 *   money       cash in = recognised revenue + liability at the horizon, in
 *               every replication (promotion.h's promise);
 *   identical   a variant identical to the base differs from it by exactly
 *               0 in a paired comparison (common random numbers);
 *   threads     1 and 2 threads give the same results, bit for bit;
 *   pilot       [pilot] share = 1 from day 0 gives the promotion's results,
 *               share = 0 the control world's (sim/pilot.h), bit for bit;
 *   shipped     some scenario in scenarios/ (*.ini) runs it;
 *   refusals    sim_use_plugins refuses empty, nameless, duplicate and
 *               overflowing registries, and a refusal changes nothing.
 *
 * Each promotion runs on every customer model (a promotion must act on any
 * model, issue 10), in a small scenario built here: a base text (a small
 * population, [customer] model = NAME) plus the promotion's section with
 * every key at its default ("[name]" alone, "[name.registry]" for a
 * repeatable section).  A promotion whose section
 * does not load from its defaults (it needs another section, say), or
 * changes nothing at them, is run instead inside the business of the
 * shipped scenario that runs it: that scenario's sections but its
 * population, the other promotions (not its standing practices, recall and
 * word of mouth) and other models' sections.  A model
 * runs in the base alone (its sections at their defaults), or in the
 * business of its shipped scenario when that does not load.
 *
 * A promotion may refuse a model it cannot act on, as a scenario error
 * naming its section (expectation management needs a promise); it must run
 * on some model.  A loop that finds nothing to check is a failure, not a pass; so is a
 * promotion that changes no metric on any model (its hooks never acted,
 * so the checks on it would prove nothing). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../present/compare.h"
#include "../sim/metrics.h"
#include "../sim/plugins.h"
#include "../sim/scenario.h"
#include "util.h"

#define SHIPPED_DIR "scenarios"
#define MAX_SHIPPED 64
#define TEXT_MAX 16384

/* Small enough for the whole file to run in a few seconds, long enough for
 * yearly renewals (sBG) and balances left at the horizon; the referral
 * channel takes word of mouth where a business brings it. */
static const char base_fmt[] = "[scenario]\nname = registry\nhorizon_days = 400\n"
                               "[customer]\nmodel = %s\n"
                               "[channel.a]\nprospects_per_day = 3\nstep_conversion = 1\n"
                               "stop_day = 90\n"
                               "[channel.friends]\npath = referral\nprospects_per_day = 0\n"
                               "step_conversion = 1\n";
enum { REPS = 6 };
static const uint64_t SEED = 20261202;

/* ---- scenarios from memory ---- */

typedef struct mem_text {
    const char *text;
} mem_text;

#define MEM_PATH "registry-test.ini"

/* Serves the scenario text under MEM_PATH; the loader's own messages then
 * name it like a file. */
static char *serve(void *ctx, const char *path, size_t *len, diag *d)
{
    const mem_text *m = ctx;
    if (strcmp(path, MEM_PATH)) {
        diag_set(d, DIAG_USAGE, "%s: only %s is served from memory", path, MEM_PATH);
        return NULL;
    }
    char *copy = strdup(m->text);
    if (!copy)
        diag_set(d, DIAG_RUNTIME, "out of memory");
    else
        *len = strlen(copy);
    return copy;
}

static scenario *load_text(const char *text, diag *d)
{
    mem_text m = { text };
    return scen_load_with(MEM_PATH, NULL, 0, serve, &m, d);
}

/* ---- the shipped scenarios ---- */

typedef struct shipped {
    int n;
    char path[MAX_SHIPPED][512];
    const model_type *model[MAX_SHIPPED];
    const promo_type *promo[MAX_SHIPPED][16];
    int npromo[MAX_SHIPPED];
    char *resolved[MAX_SHIPPED];  /* the scenario as run (scen_write_resolved) */
} shipped;

static int cmp_path(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* Loads and prepares every scenarios/ (*.ini) file: which model and which
 * promotions the engine actually runs for it (a section written but
 * switched off would not count). */
static shipped *load_shipped(void)
{
    shipped *s = calloc(1, sizeof *s);
    cr_assert(s, "out of memory");
    DIR *dir = opendir(SHIPPED_DIR);
    cr_assert(dir, "cannot open %s/ (run the tests from the source tree)", SHIPPED_DIR);
    struct dirent *ent;
    while ((ent = readdir(dir))) {
        size_t len = strlen(ent->d_name);
        if (len <= 4 || strcmp(ent->d_name + len - 4, ".ini"))
            continue;
        cr_assert(s->n < MAX_SHIPPED, "more than %d shipped scenarios: raise MAX_SHIPPED",
                  MAX_SHIPPED);
        snprintf(s->path[s->n], sizeof s->path[0], "%s/%s", SHIPPED_DIR, ent->d_name);
        s->n++;
    }
    closedir(dir);
    qsort(s->path, (size_t)s->n, sizeof s->path[0], cmp_path);
    cr_assert(s->n > 0, "no scenario in %s/", SHIPPED_DIR);
    for (int i = 0; i < s->n; i++) {
        diag d = { 0 };
        scenario *sc = scen_load(s->path[i], NULL, 0, &d);
        cr_assert(sc, "%s", d.msg);
        engine *e = engine_prepare(sc, &d);
        cr_assert(e, "%s", d.msg);
        const void *params;
        s->model[i] = engine_model(e, &params);
        s->npromo[i] = engine_promotion_count(e);
        cr_assert(s->npromo[i] <= 16, "%s: more promotions than this test holds", s->path[i]);
        for (int k = 0; k < s->npromo[i]; k++)
            s->promo[i][k] = engine_promotion(e, k, &params);
        size_t size = 0;
        FILE *f = open_memstream(&s->resolved[i], &size);
        cr_assert(f, "open_memstream");
        scen_write_resolved(f, sc);
        fclose(f);
        engine_free(e);
        scen_free(sc);
    }
    return s;
}

static void shipped_free(shipped *s)
{
    for (int i = 0; i < s->n; i++)
        free(s->resolved[i]);
    free(s);
}

/* The first shipped scenario running the promotion (or the model), or -1. */
static int shipped_with_promo(const shipped *s, const promo_type *p)
{
    for (int i = 0; i < s->n; i++)
        for (int k = 0; k < s->npromo[i]; k++)
            if (s->promo[i][k] == p)
                return i;
    return -1;
}

static int shipped_with_model(const shipped *s, const model_type *m)
{
    for (int i = 0; i < s->n; i++)
        if (s->model[i] == m)
            return i;
    return -1;
}

/* The section of an INI header line, "[name]" or "[name.LABEL]", into
 * buf; 0 when the line is no header. */
static int header_name(const char *line, char *buf, size_t cap)
{
    if (line[0] != '[')
        return 0;
    size_t n = strcspn(line + 1, ".]\n");
    if (n >= cap)
        n = cap - 1;
    memcpy(buf, line + 1, n);
    buf[n] = '\0';
    return 1;
}

/* The sections the base text writes itself. */
static const char *const base_sections[] = { "scenario", "customer", "channel", NULL };

static int in_base(const char *name)
{
    for (int i = 0; base_sections[i]; i++)
        if (!strcmp(base_sections[i], name))
            return 1;
    return 0;
}

static const promo_type *promo_of_section(const char *name)
{
    const sim_plugins *p = sim_plugins_in_use();
    for (int i = 0; p->promotions[i]; i++)
        if (!strcmp(p->promotions[i]->section->name, name))
            return p->promotions[i];
    return NULL;
}

/* 1 when the section belongs to some customer model but not to m (the
 * loader refuses another model's sections). */
static int other_models_section(const char *name, const model_type *m)
{
    const sim_plugins *p = sim_plugins_in_use();
    int owned = 0;
    for (int k = 0; p->models[k]; k++)
        for (int i = 0; p->models[k]->sections[i]; i++)
            if (!strcmp(p->models[k]->sections[i]->name, name)) {
                if (p->models[k] == m)
                    return 0;
                owned = 1;
            }
    return owned;
}

/* Appends to out the business of a shipped scenario (its text as run):
 * every section but those the base writes, those of other models than m
 * and those of promotions other than keep (NULL: no promotion).  The
 * business's standing practices (recall, word of mouth: promo_type
 * standing) stay: a referral programme needs word of mouth to amplify. */
static void append_context(char *out, size_t cap, const char *ini, const model_type *m,
                           const promo_type *keep)
{
    int copying = 0;
    for (const char *line = ini; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line + 1) : strlen(line);
        char name[SCEN_TEXT_MAX];
        if (header_name(line, name, sizeof name)) {
            const promo_type *p = promo_of_section(name);
            copying = !in_base(name) && !other_models_section(name, m) && (!p || p == keep || p->standing);
        }
        if (copying) {
            size_t have = strlen(out);
            cr_assert(have + len < cap, "scenario text too long");
            memcpy(out + have, line, len);
            out[have + len] = '\0';
        }
        line += len;
    }
}

/* ---- building the scenarios under test ---- */

/* The scenario text for model m: the base, then either promotion p's
 * section alone ("[name]": every key at its default; p NULL: none) or,
 * with ship >= 0, the business of shipped scenario ship around it (p's
 * section as shipped).  NULL with d set when it does not load. */
static scenario *build(const model_type *m, const promo_type *p, const shipped *s, int ship,
                       diag *d)
{
    char text[TEXT_MAX];
    snprintf(text, sizeof text, base_fmt, m->name);
    if (ship >= 0)
        append_context(text, sizeof text, s->resolved[ship], m, p);
    else if (p && p->section->max_instances > 1)  /* a repeatable section needs its label */
        snprintf(text + strlen(text), sizeof text - strlen(text), "[%s.registry]\n", p->section->name);
    else if (p)
        snprintf(text + strlen(text), sizeof text - strlen(text), "[%s]\n", p->section->name);
    return load_text(text, d);
}

static const sim_plugins *registries(void)
{
    const sim_plugins *p = sim_plugins_in_use();
    cr_assert(p && p->models && p->promotions, "no registries in use (tests/setup.c)");
    int nm = 0, np = 0;
    while (p->models[nm])
        nm++;
    while (p->promotions[np])
        np++;
    /* an empty registry would make every loop below pass without checking */
    cr_assert(nm > 0, "the model registry is empty: nothing would be checked");
    cr_assert(np > 0, "the promotion registry is empty: nothing would be checked");
    return p;
}

#define M(a, r, k) ((a)[(size_t)(r) * MET_COUNT + (size_t)(k)])

/* Every metric of REPS replications run one by one on this thread
 * (REPS x MET_COUNT, freed by the caller). */
static double *per_replication(const scenario *sc, const char *what)
{
    diag d = { 0 };
    engine *e = engine_prepare(sc, &d);
    cr_assert(e, "%s: %s", what, d.msg);
    engine_use_calendar(e, tu_calendar);
    engine_work *w = engine_work_alloc(e);
    rep_result *out = rep_alloc(engine_horizon(e));
    double *all = malloc((size_t)REPS * MET_COUNT * sizeof *all);
    cr_assert(w && out && all, "out of memory");
    for (int r = 0; r < REPS; r++) {
        cr_assert(engine_replicate(e, w, SEED, r, out, &d) == 0, "%s, replication %d: %s", what,
                  r, d.msg);
        memcpy(all + (size_t)r * MET_COUNT, out->metric, MET_COUNT * sizeof *all);
    }
    rep_free(out);
    engine_work_free(w);
    engine_free(e);
    return all;
}

/* 1 when switching the promotion on (with) changes some metric of some
 * replication against the same scenario without it; *cash: whether with
 * takes any money at all. */
static int changes_something(const scenario *with, const scenario *without, const char *what,
                             int *cash)
{
    double *a = per_replication(with, what), *b = per_replication(without, what);
    int changed = memcmp(a, b, (size_t)REPS * MET_COUNT * sizeof *a) != 0;
    *cash = 0;
    for (int r = 0; r < REPS; r++)
        *cash |= M(a, r, MET_CASH_IN) > 0;
    free(a);
    free(b);
    return changed;
}

/* 1 when the promotion refuses the scenario's customer model as a scenario
 * error naming its own section (expectation management needs a model
 * with a promise, say): a stated limit, not a silent no-op. */
static int refuses_model(const scenario *sc, const promo_type *p)
{
    diag d = { 0 };
    engine *e = engine_prepare(sc, &d);
    if (e) {
        engine_free(e);
        return 0;
    }
    char section[128];
    snprintf(section, sizeof section, "[%s]", p->section->name);
    cr_assert(d.status == DIAG_USAGE && strstr(d.msg, section),
              "promotion %s: the scenario built for it fails to prepare, not as its own refusal: %s",
              p->name, d.msg);
    return 1;
}

/* The scenario running promotion p on model m (alone: model_alone): p's
 * section at its defaults; when that does not load, or changes nothing,
 * p inside the business of the shipped scenario that runs it (which is
 * what its keys were written for).  *changed: whether the scenario
 * returned changes any metric. */
static scenario *promo_scenario(const promo_type *p, const model_type *m, const scenario *model_alone,
                                const shipped *s, int *changed, char *what, size_t cap)
{
    snprintf(what, cap, "promotion %s on model %s", p->name, m->name);
    int ship = shipped_with_promo(s, p);
    diag d = { 0 };
    scenario *sc = build(m, p, s, -1, &d);
    int cash;
    if (sc && refuses_model(sc, p)) {
        scen_free(sc);
        return NULL;
    }
    if (sc) {
        *changed = changes_something(sc, model_alone, what, &cash);
        if (*changed || ship < 0)
            return sc;
    }
    cr_assert(ship >= 0,
              "%s: its section does not load from its defaults (%s) and no shipped scenario "
              "runs it to take the section from",
              what, d.msg);
    diag d2 = { 0 };
    scenario *in_context = build(m, p, s, ship, &d2), *context = build(m, NULL, s, ship, &d2);
    cr_assert(sc || (in_context && context),
              "%s: neither its defaults (%s) nor its section in %s load (%s)", what, d.msg,
              s->path[ship], d2.msg);
    if (!in_context || !context) {
        /* idle at its defaults, and the shipped business does not fit this model */
        scen_free(in_context);
        scen_free(context);
        return sc;
    }
    char in_what[1100];
    snprintf(in_what, sizeof in_what, "%s in the business of %s", what, s->path[ship]);
    int changed_in_context = changes_something(in_context, context, in_what, &cash);
    scen_free(context);
    if (sc && !cash) {
        /* idle at its defaults, and the shipped business sells nothing on
         * this model (its amounts are another model's): the defaults stay */
        scen_free(in_context);
        return sc;
    }
    scen_free(sc);
    size_t n = strlen(in_what) < cap ? strlen(in_what) : cap - 1;
    memcpy(what, in_what, n);
    what[n] = '\0';
    *changed = changed_in_context;
    return in_context;
}

/* The scenario running model m: the base with its sections left out (at
 * their defaults), or in the business of a shipped scenario running it
 * when that does not load. */
static scenario *model_scenario(const model_type *m, const shipped *s, char *what, size_t cap)
{
    snprintf(what, cap, "model %s", m->name);
    diag d = { 0 };
    scenario *sc = build(m, NULL, s, -1, &d);
    if (sc)
        return sc;
    int ship = shipped_with_model(s, m);
    cr_assert(ship >= 0,
              "%s: does not load with its sections' defaults (%s) and no shipped scenario runs it",
              what, d.msg);
    diag d2 = { 0 };
    sc = build(m, NULL, s, ship, &d2);
    cr_assert(sc, "%s: neither with its defaults (%s) nor in %s does it load (%s)", what, d.msg,
              s->path[ship], d2.msg);
    return sc;
}

/* ---- the checks ---- */

/* Returns the promotion's engine index in sc's engine, or -1: a scenario
 * that does not run the module would make every check vacuous. */
static int runs_promo(const scenario *sc, const promo_type *p)
{
    diag d = { 0 };
    engine *e = engine_prepare(sc, &d);
    cr_assert(e, "%s", d.msg);
    int found = -1;
    const void *params;
    for (int k = 0; k < engine_promotion_count(e); k++)
        if (engine_promotion(e, k, &params) == p)
            found = k;
    engine_free(e);
    return found;
}

static const model_type *runs_model(const scenario *sc)
{
    diag d = { 0 };
    engine *e = engine_prepare(sc, &d);
    cr_assert(e, "%s", d.msg);
    const void *params;
    const model_type *m = engine_model(e, &params);
    engine_free(e);
    return m;
}

static void check_money(const scenario *sc, const char *what)
{
    double *m = per_replication(sc, what);
    double cash = 0;
    for (int r = 0; r < REPS; r++) {
        double c = M(m, r, MET_CASH_IN), rev = M(m, r, MET_REVENUE),
               liab = M(m, r, MET_LIABILITY_END);
        double gap = c - rev - liab;
        cr_expect(fabs(gap) <= 1e-9 * fabs(c),
                  "%s, replication %d: cash in %.6f != revenue %.6f + liability %.6f (gap %.3g)",
                  what, r, c, rev, liab, gap);
        cash += c;
    }
    cr_expect(cash > 0, "%s: no cash at all, the money identity would be vacuous", what);
    free(m);
}

static void check_identical(const scenario *sc, const char *what)
{
    /* two engines prepared apart, as `retsim compare a.ini a.ini` does */
    diag d = { 0 };
    engine *e[2] = { engine_prepare(sc, &d), engine_prepare(sc, &d) };
    cr_assert(e[0] && e[1], "%s: %s", what, d.msg);
    run_opts o = { SEED, REPS, 2, 0, 0, 0 };
    run_result *r = NULL;
    cr_assert_eq(sim_run(e, 2, &o, &r, &d), 0, "%s: %s", what, d.msg);
    compare_table *t = calloc(1, sizeof *t);
    cr_assert(t, "out of memory");
    compare_from_paired(t, r);
    int defined = 0;
    for (int k = 0; k < MET_COUNT; k++) {
        stat_summary s = t->diff[1][k];
        if (isnan(t->value[0][k].mean))
            continue;  /* a metric this scenario does not define (no difference either) */
        defined++;
        cr_expect(s.mean == 0 && s.sd == 0 && s.ci_low == 0 && s.ci_high == 0,
                  "%s: an identical variant differs in %s by %g (sd %g, CI [%g, %g])", what,
                  metric_table[k].name, s.mean, s.sd, s.ci_low, s.ci_high);
    }
    cr_expect(defined > MET_COUNT / 2, "%s: only %d metrics defined", what, defined);
    for (int c = 0; c < CUR_COUNT; c++)
        for (int i = 0; i <= r->scen[1].horizon; i++) {
            stat_summary s = stat_vec_get(r->scen[1].diff_curve[c], (size_t)i);
            if (isnan(s.mean))
                continue;
            /* one replication reaching that age has no sd: NaN, not a difference */
            int zero = s.mean == 0 && (s.sd == 0 || (s.n < 2 && isnan(s.sd)));
            cr_expect(zero, "%s: curve %s at day %d differs by %g (sd %g, n %ld)", what,
                      curve_table[c].name, i, s.mean, s.sd, s.n);
            if (!zero)
                break;
        }
    free(t);
    run_result_free(r);
    engine_free(e[0]);
    engine_free(e[1]);
}

/* Bit for bit: NaN against NaN is equal, -0 against 0 is not. */
static int same_summary(stat_summary a, stat_summary b)
{
    return !memcmp(&a.mean, &b.mean, sizeof a.mean) && !memcmp(&a.sd, &b.sd, sizeof a.sd)
           && !memcmp(&a.ci_low, &b.ci_low, sizeof a.ci_low)
           && !memcmp(&a.ci_high, &b.ci_high, sizeof a.ci_high) && a.n == b.n;
}

/* The first index at which two vectors of n summaries differ, or -1. */
static long first_difference(const stat_vec *a, const stat_vec *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!same_summary(stat_vec_get(a, i), stat_vec_get(b, i)))
            return (long)i;
    return -1;
}

static void check_threads(const scenario *sc, const char *what)
{
    run_result *one = tu_run(sc, REPS, SEED, 1), *two = tu_run(sc, REPS, SEED, 2);
    cr_assert_eq(one->threads, 1, "%s: asked for 1 thread, ran %d", what, one->threads);
    cr_expect_eq(two->threads, 2, "%s: asked for 2 threads, ran %d: the check would be vacuous",
                 what, two->threads);
    const scen_stats *a = &one->scen[0], *b = &two->scen[0];
    long at;
    at = first_difference(a->metric, b->metric, MET_COUNT);
    cr_expect(at < 0, "%s: 1 and 2 threads differ in %s (%.17g vs %.17g)", what,
              at < 0 ? "" : metric_table[at].name,
              at < 0 ? 0 : stat_vec_get(a->metric, (size_t)at).mean,
              at < 0 ? 0 : stat_vec_get(b->metric, (size_t)at).mean);
    for (int c = 0; c < CUR_COUNT; c++) {
        at = first_difference(a->curve[c], b->curve[c], (size_t)a->horizon + 1);
        cr_expect(at < 0, "%s: 1 and 2 threads differ in curve %s at day %ld", what,
                  curve_table[c].name, at);
    }
    cr_expect(first_difference(a->cohort, b->cohort, COHORT_CELLS) < 0,
              "%s: 1 and 2 threads differ in the cohorts", what);
    cr_expect(first_difference(a->rfm, b->rfm, RFM_CELLS) < 0,
              "%s: 1 and 2 threads differ in the RFM table", what);
    cr_expect(first_difference(a->clv_quantile, b->clv_quantile, CLV_QUANTILES) < 0,
              "%s: 1 and 2 threads differ in the lifetime value quantiles", what);
    cr_expect(first_difference(a->frequency, b->frequency, FREQ_BINS) < 0,
              "%s: 1 and 2 threads differ in the frequency table", what);
    run_result_free(one);
    run_result_free(two);
}

/* The scenario as run (scen_write_resolved) with extra appended; strip:
 * without the sections of its promotions (its standing practices stay),
 * which is a pilot's control world. */
static scenario *pilot_variant(const scenario *sc, int strip, const char *extra, const char *what)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    cr_assert(f, "open_memstream");
    scen_write_resolved(f, sc);
    fclose(f);
    char *out = calloc(1, TEXT_MAX);
    cr_assert(out, "out of memory");
    int copying = 1;
    for (const char *line = text; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line + 1) : strlen(line);
        char name[SCEN_TEXT_MAX];
        if (header_name(line, name, sizeof name)) {
            const promo_type *p = promo_of_section(name);
            copying = !strip || !p || p->standing;
        }
        if (copying) {
            size_t have = strlen(out);
            cr_assert(have + len < TEXT_MAX, "scenario text too long");
            memcpy(out + have, line, len);
            out[have + len] = '\0';
        }
        line += len;
    }
    cr_assert(strlen(out) + strlen(extra) < TEXT_MAX, "scenario text too long");
    strcat(out, extra);
    diag d = { 0 };
    scenario *v = load_text(out, &d);
    cr_assert(v, "%s: with [pilot]: %s", what, d.msg);
    free(text);
    free(out);
    return v;
}

/* A pilot (sim/pilot.h) of every promotion: with share = 1 from day 0 the
 * promotion's results, with share = 0 the control world's (the scenario
 * without its promotions), bit for bit in every metric of every
 * replication. */
static void check_pilot(const scenario *sc, const char *what)
{
    scenario *same = pilot_variant(sc, 0, "", what);
    scenario *all = pilot_variant(sc, 0, "[pilot]\nshare = 1\nstart_day = 0\n", what);
    scenario *control = pilot_variant(sc, 1, "", what);
    scenario *none = pilot_variant(sc, 0, "[pilot]\nshare = 0\nstart_day = 30\n", what);
    double *a = per_replication(same, what), *b = per_replication(all, what);
    double *c = per_replication(control, what), *n = per_replication(none, what);
    for (int k = 0; k < MET_COUNT; k++) {
        int at = -1;
        for (int r = 0; r < REPS && at < 0; r++)
            if (memcmp(&M(a, r, k), &M(b, r, k), sizeof(double)))
                at = r;
        cr_expect(at < 0, "%s: [pilot] share = 1 differs from the promotion in %s (replication %d: %.17g vs %.17g)",
                  what, metric_table[k].name, at, at < 0 ? 0 : M(a, at, k), at < 0 ? 0 : M(b, at, k));
        at = -1;
        for (int r = 0; r < REPS && at < 0; r++)
            if (memcmp(&M(c, r, k), &M(n, r, k), sizeof(double)))
                at = r;
        cr_expect(at < 0, "%s: [pilot] share = 0 differs from the control world in %s (replication %d: %.17g vs %.17g)",
                  what, metric_table[k].name, at, at < 0 ? 0 : M(c, at, k), at < 0 ? 0 : M(n, at, k));
    }
    free(a), free(b), free(c), free(n);
    scen_free(same), scen_free(all), scen_free(control), scen_free(none);
}

typedef void (*check_fn)(const scenario *sc, const char *what);

/* Runs check on every model alone and every promotion on every model;
 * fails when it checked nothing, or when a promotion changes no metric on
 * any model (its hooks never ran: every check on it would be vacuous). */
static void every_module(check_fn check)
{
    const sim_plugins *p = registries();
    shipped *s = load_shipped();
    char what[512];
    int checked = 0, np = 0;
    while (p->promotions[np])
        np++;
    int *changed_somewhere = calloc((size_t)np, sizeof *changed_somewhere);
    int *refused = calloc((size_t)np, sizeof *refused);
    cr_assert(changed_somewhere && refused, "out of memory");
    int nm = 0;
    while (p->models[nm])
        nm++;
    for (int m = 0; p->models[m]; m++) {
        scenario *sc = model_scenario(p->models[m], s, what, sizeof what);
        cr_assert(runs_model(sc) == p->models[m], "%s: the scenario built for it runs another model",
                  what);
        check(sc, what);
        checked++;
        for (int i = 0; i < np; i++) {
            int changed = 0;
            scenario *psc = promo_scenario(p->promotions[i], p->models[m], sc, s, &changed, what,
                                           sizeof what);
            if (!psc) {
                refused[i]++;
                continue;
            }
            cr_assert(runs_promo(psc, p->promotions[i]) >= 0,
                      "%s: the scenario built for it does not switch it on", what);
            changed_somewhere[i] |= changed;
            check(psc, what);
            scen_free(psc);
            checked++;
        }
        scen_free(sc);
    }
    cr_assert(checked > 0, "nothing checked");
    for (int i = 0; i < np; i++)
        cr_expect(changed_somewhere[i],
                  "promotion %s changes no metric on any model, at its defaults or as shipped: "
                  "the checks on it prove nothing",
                  p->promotions[i]->name);
    for (int i = 0; i < np; i++)
        cr_expect(refused[i] < nm, "promotion %s refuses every customer model",
                  p->promotions[i]->name);
    free(changed_somewhere);
    free(refused);
    shipped_free(s);
}

Test(registry, money_identity_for_every_promotion_and_model)
{
    every_module(check_money);
}

Test(registry, identical_variant_differs_by_exactly_zero)
{
    every_module(check_identical);
}

Test(registry, one_and_two_threads_agree_bit_for_bit)
{
    every_module(check_threads);
}

Test(registry, pilot_share_1_is_the_promotion_and_share_0_the_control_world)
{
    /* the control world without promotions would run customer by customer (tests/util.h) */
    tu_calendar = 1;
    every_module(check_pilot);
}

Test(registry, every_module_runs_in_a_shipped_scenario)
{
    const sim_plugins *p = registries();
    shipped *s = load_shipped();
    for (int m = 0; p->models[m]; m++)
        cr_expect(shipped_with_model(s, p->models[m]) >= 0,
                  "customer model %s: no scenario in %s/ runs it; ship one", p->models[m]->name,
                  SHIPPED_DIR);
    for (int i = 0; p->promotions[i]; i++)
        cr_expect(shipped_with_promo(s, p->promotions[i]) >= 0,
                  "promotion %s: no scenario in %s/ runs it; ship one", p->promotions[i]->name,
                  SHIPPED_DIR);
    shipped_free(s);
}

/* ---- sim_use_plugins refusals, on fake registries ---- */

static const scen_section *const no_sections[] = { NULL };
static const scen_key no_keys[] = { { NULL } };

#define FAKES (SIM_MAX_SECTIONS + 2)
static char fake_names[FAKES][32];
static model_type fake_models[FAKES];
static promo_type fake_promos[FAKES];
static scen_section fake_sections[FAKES];

static void make_fakes(void)
{
    for (int i = 0; i < FAKES; i++) {
        snprintf(fake_names[i], sizeof fake_names[i], "fake_%d", i);
        fake_sections[i] = (scen_section){ .name = fake_names[i], .help = "a fake section",
                                           .size = 0, .max_instances = 1, .keys = no_keys };
        fake_models[i] = (model_type){ .name = fake_names[i], .sections = no_sections };
        fake_promos[i] = (promo_type){ .name = fake_names[i], .section = &fake_sections[i] };
    }
}

/* Offers p, expects a refusal whose message holds needle, and expects the
 * registries, the section list and the model names as before. */
static void expect_refused(const sim_plugins *p, const char *needle, const char *what)
{
    const sim_plugins *before = sim_plugins_in_use();
    const scen_section *const *sections = scen_all_sections();
    const scen_section *saved[SIM_MAX_SECTIONS + 1];
    int n = 0;
    for (; sections[n]; n++)
        saved[n] = sections[n];
    const char *names[SIM_MAX_MODELS + 1];
    int nm = 0;
    for (; sim_model_names[nm]; nm++)
        names[nm] = sim_model_names[nm];
    diag d = { 0 };
    cr_expect_neq(sim_use_plugins(p, &d), 0, "%s: accepted", what);
    cr_expect(strstr(d.msg, needle), "%s: refused with '%s', expected it to say '%s'", what, d.msg,
              needle);
    cr_expect_eq(sim_plugins_in_use(), before, "%s: the refused registry is in use", what);
    int same = 1;
    for (int i = 0; i < n; i++)
        same &= scen_all_sections()[i] == saved[i];
    cr_expect(same && !scen_all_sections()[n], "%s: the refusal changed the section list", what);
    same = 1;
    for (int i = 0; i < nm; i++)
        same &= sim_model_names[i] == names[i];
    cr_expect(same && !sim_model_names[nm], "%s: the refusal changed the model names", what);
}

Test(registry, sim_use_plugins_refuses_bad_registries)
{
    const sim_plugins *builtin = registries();
    make_fakes();
    const promo_type *no_promos[] = { NULL };
    const model_type *one_model[] = { &fake_models[0], NULL };

    expect_refused(NULL, "no customer model", "no registries");
    const model_type *no_models[] = { NULL };
    expect_refused(&(sim_plugins){ no_models, no_promos }, "no customer model", "no models");
    expect_refused(&(sim_plugins){ one_model, NULL }, "no customer model", "no promotion list");

    /* overflow: one model more than the tables hold */
    const model_type *many[SIM_MAX_MODELS + 2];
    for (int i = 0; i <= SIM_MAX_MODELS; i++)
        many[i] = &fake_models[i];
    many[SIM_MAX_MODELS + 1] = NULL;
    expect_refused(&(sim_plugins){ many, no_promos }, "more than", "too many models");
    /* ... and exactly as many is fine (the bound is not off by one) */
    many[SIM_MAX_MODELS] = NULL;
    diag d = { 0 };
    cr_expect_eq(sim_use_plugins(&(sim_plugins){ many, no_promos }, &d), 0,
                 "%d models refused: %s", SIM_MAX_MODELS, d.msg);
    cr_assert_eq(sim_use_plugins(builtin, &d), 0, "the built-in registries refused: %s", d.msg);

    /* overflow of the section table: promotions bring one section each */
    const promo_type *promos[FAKES + 1];
    for (int i = 0; i < FAKES; i++)
        promos[i] = &fake_promos[i];
    promos[FAKES] = NULL;
    expect_refused(&(sim_plugins){ one_model, promos }, "SIM_MAX_SECTIONS", "too many sections");

    /* names: empty, missing, twice */
    model_type unnamed = fake_models[1], empty = fake_models[1];
    unnamed.name = NULL;
    empty.name = "";
    const model_type *m_unnamed[] = { &fake_models[0], &unnamed, NULL };
    const model_type *m_empty[] = { &fake_models[0], &empty, NULL };
    const model_type *m_twice[] = { &fake_models[0], &fake_models[1], &fake_models[0], NULL };
    expect_refused(&(sim_plugins){ m_unnamed, no_promos }, "no name", "a model without a name");
    expect_refused(&(sim_plugins){ m_empty, no_promos }, "no name", "a model named \"\"");
    expect_refused(&(sim_plugins){ m_twice, no_promos }, "'fake_0' registered twice",
                   "a model twice");

    promo_type p_unnamed = fake_promos[1], p_empty = fake_promos[1], p_nosec = fake_promos[1];
    p_unnamed.name = NULL;
    p_empty.name = "";
    p_nosec.section = NULL;
    const promo_type *pr_unnamed[] = { &fake_promos[0], &p_unnamed, NULL };
    const promo_type *pr_empty[] = { &fake_promos[0], &p_empty, NULL };
    const promo_type *pr_nosec[] = { &fake_promos[0], &p_nosec, NULL };
    const promo_type *pr_twice[] = { &fake_promos[0], &fake_promos[1], &fake_promos[0], NULL };
    expect_refused(&(sim_plugins){ one_model, pr_unnamed }, "no name", "a promotion without a name");
    expect_refused(&(sim_plugins){ one_model, pr_empty }, "no name", "a promotion named \"\"");
    expect_refused(&(sim_plugins){ one_model, pr_nosec }, "no section",
                   "a promotion without a section");
    expect_refused(&(sim_plugins){ one_model, pr_twice }, "'fake_0' registered twice",
                   "a promotion twice");
}
