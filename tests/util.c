#include "util.h"

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
