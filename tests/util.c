#include "util.h"

#include <string.h>

#include "../sim/metrics.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

scenario *tu_scenario(const char *ini_text)
{
    char path[] = "/tmp/retsim-test-XXXXXX.ini";
    int fd = mkstemps(path, 4);
    cr_assert(fd >= 0, "cannot create a temp scenario");
    FILE *f = fdopen(fd, "w");
    fputs(ini_text, f);
    fclose(f);
    diag d = { 0 };
    scenario *sc = scen_load(path, NULL, 0, &d);
    unlink(path);
    cr_assert(sc != NULL, "test scenario rejected: %s", d.msg);
    return sc;
}

run_result *tu_run(const scenario *sc, int reps, uint64_t seed, int threads)
{
    diag d = { 0 };
    engine *e = engine_prepare(sc, &d);
    cr_assert(e != NULL, "engine_prepare: %s", d.msg);
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
