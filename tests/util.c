#include "util.h"

#include <string.h>

#include "../sim/metrics.h"
#include "../sim/stats.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

scenario *tu_try_scenario(const char *ini_text, diag *d)
{
    char path[] = "/tmp/retsim-test-XXXXXX.ini";
    int fd = mkstemps(path, 4);
    cr_assert(fd >= 0, "cannot create a temp scenario");
    FILE *f = fdopen(fd, "w");
    fputs(ini_text, f);
    fclose(f);
    scenario *sc = scen_load(path, NULL, 0, d);
    unlink(path);
    return sc;
}

scenario *tu_scenario(const char *ini_text)
{
    diag d = { 0 };
    scenario *sc = tu_try_scenario(ini_text, &d);
    cr_assert(sc != NULL, "test scenario rejected: %s", d.msg);
    return sc;
}

int tu_calendar;

run_result *tu_run(const scenario *sc, int reps, uint64_t seed, int threads)
{
    diag d = { 0 };
    engine *e = engine_prepare(sc, &d);
    cr_assert(e != NULL, "engine_prepare: %s", d.msg);
    engine_use_calendar(e, tu_calendar);
    run_opts o = { seed, reps, threads, 0 };
    run_result *r = NULL;
    int status = sim_run(&e, 1, &o, &r, &d);
    cr_assert(status == 0, "sim_run: %s", d.msg);
    engine_free(e);
    return r;
}

void tu_metric(const run_result *r, int m, double *mean, double *se)
{
    stat_summary s = stat_vec_get(r->scen[0].metric, (size_t)m);
    *mean = s.mean;
    *se = s.sd / sqrt((double)s.n);
}

void tu_curve(const run_result *r, int c, int t, double *mean, double *se)
{
    stat_summary s = stat_vec_get(r->scen[0].curve[c], (size_t)t);
    *mean = s.mean;
    *se = s.sd / sqrt((double)s.n);
}

const char *tu_bin(void)
{
    const char *b = getenv("RETSIM_BIN");
    return b ? b : "./retsim";
}

int tu_system(const char *cmd)
{
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

double *tu_per_replication(const scenario *sc, int reps, uint64_t seed, int require_customers)
{
    diag d = { 0 };
    engine *e = engine_prepare(sc, &d);
    cr_assert(e != NULL, "engine_prepare: %s", d.msg);
    engine_use_calendar(e, tu_calendar);
    engine_work *w = engine_work_alloc(e);
    rep_result *out = rep_alloc(engine_horizon(e));
    double *all = malloc((size_t)reps * MET_COUNT * sizeof *all);
    cr_assert(w && out && all, "out of memory");
    for (int r = 0; r < reps; r++) {
        cr_assert(engine_replicate(e, w, seed, r, out, &d) == 0, "replication %d: %s", r, d.msg);
        if (require_customers)
            cr_assert(out->metric[MET_NEW_CUSTOMERS] > 0, "replication %d has no customers", r);
        memcpy(all + (size_t)r * MET_COUNT, out->metric, MET_COUNT * sizeof *all);
    }
    rep_free(out);
    engine_work_free(w);
    engine_free(e);
    return all;
}

scenario *tu_load(const char *path)
{
    diag d = { 0 };
    scenario *sc = scen_load(path, NULL, 0, &d);
    cr_assert(sc != NULL, "%s: %s", path, d.msg);
    return sc;
}

static int same_vec(const stat_vec *a, const stat_vec *b)
{
    return a->n == b->n && !memcmp(a->mean, b->mean, a->n * sizeof(double))
           && !memcmp(a->m2, b->m2, a->n * sizeof(double))
           && !memcmp(a->count, b->count, a->n * sizeof(long));
}

int tu_same_result_but(const run_result *x, const run_result *y, int except)
{
    const scen_stats *a = &x->scen[0], *b = &y->scen[0];
    if (except < 0 && !same_vec(a->metric, b->metric))
        return 0;
    for (int m = 0; m < MET_COUNT; m++) {
        if (m == except)
            continue;
        stat_summary sa = stat_vec_get(a->metric, (size_t)m), sb = stat_vec_get(b->metric, (size_t)m);
        if (memcmp(&sa.mean, &sb.mean, sizeof sa.mean) || memcmp(&sa.sd, &sb.sd, sizeof sa.sd)) {
            fprintf(stderr, "metric %d differs: %.17g against %.17g\n", m, sa.mean, sb.mean);
            return 0;
        }
    }
    if (!same_vec(a->cohort, b->cohort) || !same_vec(a->rfm, b->rfm)
        || !same_vec(a->clv_quantile, b->clv_quantile))
        return 0;
    for (int c = 0; c < CUR_COUNT; c++)
        if (!same_vec(a->curve[c], b->curve[c]))
            return 0;
    return 1;
}

void tu_paired(const scenario *base, const scenario *variant, int m, int reps, uint64_t seed,
               double *mean, double *se)
{
    double *a = tu_per_replication(base, reps, seed, 1);
    double *b = tu_per_replication(variant, reps, seed, 1);
    double sum = 0, sum2 = 0;
    for (int r = 0; r < reps; r++) {
        double d = b[r * MET_COUNT + m] - a[r * MET_COUNT + m];
        sum += d;
        sum2 += d * d;
    }
    *mean = sum / reps;
    double var = (sum2 - reps * *mean * *mean) / (reps - 1);
    *se = sqrt(var > 0 ? var / reps : 0);
    free(a);
    free(b);
}
