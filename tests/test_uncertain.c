/* Uncertain scenario keys and joint parameter draws (issue 11, "Intervals
 * that include the fit's uncertainty"): parsing and refusals, the draws'
 * distributions, common random numbers across scenarios, thread
 * independence, and the pairs' analysis of variance (sim/stats.c).
 *
 * Runs with the working directory at the repository root. */
#include <criterion/criterion.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <limits.h>
#include <stddef.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../sim/metrics.h"
#include "../sim/rng.h"
#include "../sim/sections.h"
#include "../sim/stats.h"
#include "../sim/uncertain.h"
#include "util.h"

#define CLINIC "scenarios/clinic.ini"

static scenario *load(const char *path, const char *const *sets, int n)
{
    diag d = { 0 };
    scenario *sc = scen_load(path, sets, n, &d);
    cr_assert(sc != NULL, "%s: %s", path, d.msg);
    return sc;
}

/* The loader's message for a scenario that must be refused (exit 2). */
static void refused(const char *path, const char *const *sets, int n, const char *expect)
{
    diag d = { 0 };
    scenario *sc = scen_load(path, sets, n, &d);
    cr_assert(sc == NULL, "%s accepted; expected a refusal with '%s'", n ? sets[n - 1] : path, expect);
    cr_expect(d.status == DIAG_USAGE, "status %d for '%s'", d.status, d.msg);
    cr_expect(strstr(d.msg, expect) != NULL, "message '%s' lacks '%s'", d.msg, expect);
}

static const scen_instance *instance(const scenario *sc, const char *sec, const char *label)
{
    for (int i = 0; i < sc->ninst; i++)
        if (!strcmp(sc->inst[i].section->name, sec) && !strcmp(sc->inst[i].label, label))
            return &sc->inst[i];
    cr_assert_fail("no [%s%s%s]", sec, *label ? "." : "", label);
    return NULL;
}

static const scen_key *key_of(const scen_instance *in, const char *key)
{
    for (const scen_key *k = in->section->keys; k->name; k++)
        if (!strcmp(k->name, key))
            return k;
    cr_assert_fail("no key %s", key);
    return NULL;
}

static double value(const scenario *sc, const char *sec, const char *label, const char *key)
{
    const scen_instance *in = instance(sc, sec, label);
    return *(const double *)((const char *)in->params + key_of(in, key)->offset);
}

static const scen_dist *dist_of(const scenario *sc, const char *sec, const char *label, const char *key)
{
    const scen_instance *in = instance(sc, sec, label);
    cr_assert(in->dist != NULL, "[%s] %s holds no distribution", sec, key);
    return &in->dist[key_of(in, key) - in->section->keys];
}

static double draw_value(const scenario *sc, uint64_t seed, int draw, const char *sec,
                         const char *label, const char *key)
{
    diag d = { 0 };
    scenario *c = scen_draw(sc, seed, draw, &d);
    cr_assert(c != NULL, "scen_draw: %s", d.msg);
    cr_expect(scen_uncertain_count(c) == 0, "a drawn scenario keeps no uncertainty");
    double x = value(c, sec, label, key);
    scen_free(c);
    return x;
}

/* A temporary folder for files that refer to each other. */
static void temp_dir(char *dir)
{
    strcpy(dir, "/tmp/retsim-uncertain-XXXXXX");
    cr_assert(mkdtemp(dir) != NULL);
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert(f != NULL, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

static void remove_dir(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert(tu_system(cmd) == 0);
}

/* A fitted-style scenario in dir: the clinic, with [uncertainty] extra. */
static void write_fitted(const char *dir, const char *extra)
{
    char clinic[PATH_MAX], text[PATH_MAX + 2048];
    cr_assert(realpath(CLINIC, clinic) != NULL);
    snprintf(text, sizeof text, "[scenario]\nbase = %s\nname = fitted\n\n%s", clinic, extra);
    write_file(dir, "fitted.ini", text);
}

/* ---- parsing ---- */

Test(uncertain, every_form_holds_its_mean_and_writes_back)
{
    static const struct { const char *set, *sec, *key; double mean; int kind; } forms[] = {
        { "churn.mean=beta(2, 18)", "churn", "mean", 0.1, DIST_BETA },
        { "churn.mean=0.05..0.15", "churn", "mean", 0.1, DIST_UNIFORM },
        { "churn.mean=Uniform( 0.2 , 0.4 )", "churn", "mean", 0.3, DIST_UNIFORM },
        { "churn.mean=normal(0.5, 0.05)", "churn", "mean", 0.5, DIST_NORMAL },
        { "economics.cost_per_visit=lognormal(3, 0.5)", "economics", "cost_per_visit", 0, DIST_LOGNORMAL },
        { "economics.cost_per_visit=gamma(4, 25)", "economics", "cost_per_visit", 100, DIST_GAMMA },
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        const char *sets[] = { forms[i].set };
        scenario *sc = load(CLINIC, sets, 1);
        double mean = forms[i].kind == DIST_LOGNORMAL ? exp(3 + 0.5 * 0.5 * 0.5) : forms[i].mean;
        double x = value(sc, forms[i].sec, "", forms[i].key);
        cr_expect(fabs(x - mean) <= 1e-12 * fabs(mean), "%s: point value %.17g, mean %.17g",
                  forms[i].set, x, mean);
        cr_expect(dist_of(sc, forms[i].sec, "", forms[i].key)->kind == forms[i].kind, "%s",
                  forms[i].set);
        cr_expect(scen_uncertain_count(sc) == 1, "%s: %d uncertain", forms[i].set,
                  scen_uncertain_count(sc));
        /* scenario.ini gives the distribution back, and it loads again */
        char path[] = "/tmp/retsim-uncertain-XXXXXX.ini";
        int fd = mkstemps(path, 4);
        cr_assert(fd >= 0);
        FILE *f = fdopen(fd, "w");
        scen_write_resolved(f, sc);
        fclose(f);
        scenario *again = load(path, NULL, 0);
        unlink(path);
        const scen_dist *a = dist_of(sc, forms[i].sec, "", forms[i].key);
        const scen_dist *b = dist_of(again, forms[i].sec, "", forms[i].key);
        cr_expect(a->kind == b->kind && a->a == b->a && a->b == b->b && a->short_form == b->short_form,
                  "%s: reloaded as kind %d (%g, %g)", forms[i].set, b->kind, b->a, b->b);
        cr_expect(value(again, forms[i].sec, "", forms[i].key) == x, "%s: point value moved",
                  forms[i].set);
        scen_free(again);
        scen_free(sc);
    }
    /* a variant's plain number replaces its base's distribution */
    const char *sets[] = { "churn.mean=beta(2, 18)", "churn.mean=0.3" };
    scenario *sc = load(CLINIC, sets, 2);
    cr_expect(scen_uncertain_count(sc) == 0);
    cr_expect(value(sc, "churn", "", "mean") == 0.3);
    scen_free(sc);
}

Test(uncertain, every_bad_value_is_refused_with_what_was_expected)
{
    static const struct { const char *set, *expect; } bad[] = {
        { "churn.mean=normal(0.1, 0.05)", "mean +/- 6 sd" },
        { "churn.mean=normal(0.1, 0.05)", "use beta(3.5, 31.5)" },
        { "churn.mean=normal(0.5, 0.1)", "outside the allowed 0 to 1" },
        { "churn.mean=betta(2, 3)", "did you mean 'beta'" },
        { "churn.mean=weibull(2, 3)", "unknown distribution 'weibull'" },
        { "churn.mean=beta(0, 3)", "needs a > 0 and b > 0" },
        { "churn.mean=beta(2, -1)", "needs a > 0 and b > 0" },
        { "churn.mean=beta(2, 3", "two numbers" },
        { "churn.mean=beta(2, 3, 4)", "two numbers" },
        { "churn.mean=beta(2; 3)", "two numbers" },
        { "churn.mean=beta(2, 3) x", "two numbers" },
        { "churn.mean=beta(0x1, 3)", "two numbers" },
        { "churn.mean=0.3..0.2", "lo below hi" },
        { "churn.mean=uniform(0.5, 0.5)", "lo below hi" },
        { "churn.mean=0.5..1.5", "outside the allowed" },
        { "churn.mean=a..b", "range lo..hi" },
        { "churn.mean=normal(0.5, 0)", "sd > 0" },
        { "churn.mean=lognormal(-1, 0)", "sigma > 0" },
        { "churn.mean=lognormal(-2, 0.5)", "outside the allowed" },
        { "churn.mean=gamma(2, 0.1)", "all but 1e-9 on each side" },
        { "churn.mean=gamma(0, 1)", "shape > 0 and scale > 0" },
        { "economics.cost_per_visit=lognormal(3, 5)", "outside the allowed" },
        { "economics.cost_per_visit=normal(10, 5)", "use a range lo..hi" },
        { "channel.douyin.funnel_steps=1..3", "only a number key" },
        { "channel.douyin.funnel_steps=beta(1, 2)", "only a number key" },
        { "uncertainty.method=bootstrap", "no draws file" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *sets[] = { bad[i].set };
        refused(CLINIC, sets, 1, bad[i].expect);
    }
}

Test(uncertain, a_file_value_is_refused_with_its_line)
{
    char dir[64];
    temp_dir(dir);
    write_fitted(dir, "[churn]\nmean = normal(0.1, 0.05)\n");
    char path[128];
    snprintf(path, sizeof path, "%s/fitted.ini", dir);
    refused(path, NULL, 0, "fitted.ini:6: [churn] mean = 'normal(0.1, 0.05)': its draws reach -0.2 to 0.4");
    remove_dir(dir);
}

Test(uncertain_cli, refusals_exit_2)
{
    char dir[64], cmd[1024];
    temp_dir(dir);
    static const char *const args[] = {
        "run " CLINIC " --set 'churn.mean=normal(0.1, 0.05)'",
        "compare " CLINIC " scenarios/clinic_churn_minus5.ini --set 'churn.mean=beta(0, 1)'",
        "run " CLINIC " --param-uncertainty maybe",
        "sweep " CLINIC " --param economics.gross_margin=0.5:0.6:0.1 --set 'churn.mean=2..3'",
        "sensitivity " CLINIC " --set 'churn.mean=0.1..'",
    };
    for (size_t i = 0; i < sizeof args / sizeof args[0]; i++) {
        snprintf(cmd, sizeof cmd, "%s %s --reps 2 --quiet --out %s/out >/dev/null 2>&1", tu_bin(),
                 args[i], dir);
        cr_expect(tu_system(cmd) == 2, "%s: not exit 2", args[i]);
    }
    /* a draws file with a bad column */
    write_fitted(dir, "[uncertainty]\ndraws = draws.csv\n");
    write_file(dir, "draws.csv", "churn.mean,churn.meen\n0.5,0.5\n");
    snprintf(cmd, sizeof cmd, "%s run %s/fitted.ini --reps 2 --quiet --out %s/out 2>%s/err.txt",
             tu_bin(), dir, dir, dir);
    cr_expect(tu_system(cmd) == 2);
    char err[600];
    snprintf(err, sizeof err, "%s/err.txt", dir);
    FILE *f = fopen(err, "r");
    char msg[1024] = "";
    cr_assert(f != NULL);
    cr_expect(fgets(msg, sizeof msg, f) != NULL);
    fclose(f);
    cr_expect(strstr(msg, "draws.csv:1: column 2 'churn.meen'") && strstr(msg, "did you mean 'mean'"),
              "message: %s", msg);
    remove_dir(dir);
}

/* ---- drawing ---- */

Test(uncertain, draws_follow_their_distribution)
{
    static const struct { const char *set, *sec, *key; } cases[] = {
        { "churn.mean=beta(2, 18)", "churn", "mean" },
        { "churn.mean=0.05..0.15", "churn", "mean" },
        { "churn.mean=normal(0.5, 0.05)", "churn", "mean" },
        { "economics.cost_per_visit=lognormal(3, 0.5)", "economics", "cost_per_visit" },
        { "economics.cost_per_visit=gamma(4, 25)", "economics", "cost_per_visit" },
    };
    const int n = 4000;
    double *x = malloc((size_t)n * sizeof *x);
    cr_assert(x != NULL);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const char *sets[] = { cases[c].set };
        scenario *sc = load(CLINIC, sets, 1);
        const scen_dist *dist = dist_of(sc, cases[c].sec, "", cases[c].key);
        double mu = dist_mean(dist), var = dist_variance(dist);
        double mean = 0;
        for (int i = 0; i < n; i++) {
            x[i] = draw_value(sc, 5, i, cases[c].sec, "", cases[c].key);
            cr_assert(x[i] >= dist->lo && x[i] <= dist->hi, "%s: draw %g outside [%g, %g]",
                      cases[c].set, x[i], dist->lo, dist->hi);
            mean += x[i] / n;
        }
        double m2 = 0, m4 = 0;
        for (int i = 0; i < n; i++) {
            double e = x[i] - mean;
            m2 += e * e / (n - 1);
            m4 += e * e * e * e / n;
        }
        /* within 4 standard errors: of the mean, sqrt(var / n); of the
         * sample variance, sqrt((m4 - var^2) / n) */
        double se_mean = sqrt(var / n), se_var = sqrt((m4 - m2 * m2) / n);
        cr_expect(fabs(mean - mu) < 4 * se_mean, "%s: mean %g, expected %g (se %g)", cases[c].set,
                  mean, mu, se_mean);
        cr_expect(fabs(m2 - var) < 4 * se_var, "%s: variance %g, expected %g (se %g)", cases[c].set,
                  m2, var, se_var);
        scen_free(sc);
    }
    free(x);
}

Test(uncertain, base_and_variant_draw_the_same_value_of_a_shared_key)
{
    const char *sets[] = { "churn.mean=beta(55, 45)" };
    scenario *base = load(CLINIC, sets, 1);
    scenario *variant = load("scenarios/clinic_churn_minus5.ini", sets, 1);
    int moved = 0;
    double first = draw_value(base, 9, 0, "churn", "", "mean");
    for (int i = 0; i < 100; i++) {
        double a = draw_value(base, 9, i, "churn", "", "mean");
        double b = draw_value(variant, 9, i, "churn", "", "mean");
        cr_expect(a == b, "draw %d: base %.17g, variant %.17g", i, a, b);
        moved |= a != first;
        /* the seed keys the draws too */
        cr_expect(draw_value(base, 10, i, "churn", "", "mean") != a, "draw %d ignores the seed", i);
    }
    cr_expect(moved, "every draw gave the same value");
    scen_free(base);
    scen_free(variant);
}

Test(uncertain, an_unrelated_uncertain_key_moves_no_other_draw)
{
    const char *one[] = { "churn.mean=beta(55, 45)" };
    const char *two[] = { "economics.gross_margin=0.5..0.7", "churn.mean=beta(55, 45)",
                          "channel.search.step_conversion=beta(6, 4)" };
    scenario *a = load(CLINIC, one, 1), *b = load(CLINIC, two, 3);
    cr_expect(scen_uncertain_count(b) == 3);
    for (int i = 0; i < 100; i++) {
        cr_expect(draw_value(a, 3, i, "churn", "", "mean") == draw_value(b, 3, i, "churn", "", "mean"),
                  "draw %d moved", i);
        double gm = draw_value(b, 3, i, "economics", "", "gross_margin");
        cr_expect(gm >= 0.5 && gm <= 0.7, "gross margin %g", gm);
        /* a named section's key is drawn, and its check() derives the rest */
        diag d = { 0 };
        scenario *c = scen_draw(b, 3, i, &d);
        cr_assert(c != NULL, "%s", d.msg);
        const scen_instance *in = instance(c, "channel", "search");
        double step = value(c, "channel", "search", "step_conversion");
        double conversion = *(const double *)((const char *)in->params + offsetof(channel_params, conversion));
        cr_expect(fabs(conversion - pow(step, 3)) < 1e-12, "conversion %g for step %g", conversion, step);
        scen_free(c);
    }
    scen_free(a);
    scen_free(b);
}

/* ---- joint draws from a file ---- */

Test(uncertain, a_draws_file_gives_whole_rows_chosen_by_hash)
{
    char dir[64], path[128];
    temp_dir(dir);
    write_fitted(dir, "[uncertainty]\ndraws = draws.csv\nmethod = hessian\n");
    /* gross margin = churn + 0.1 in every row: a joint draw keeps that */
    write_file(dir, "draws.csv", "churn.mean, economics.gross_margin\r\n0.40,0.50\r\n0.45,0.55\r\n\r\n"
                                 "0.50,0.60\r\n0.55,0.65\r\n0.60,0.70\r\n");
    snprintf(path, sizeof path, "%s/fitted.ini", dir);
    scenario *sc = load(path, NULL, 0);
    cr_assert(sc->draws != NULL && sc->draws->nrows == 5 && sc->draws->ncols == 2);
    cr_expect(scen_uncertain_count(sc) == 1);
    int used[5] = { 0 }, positional = 1;
    for (int i = 0; i < 200; i++) {
        diag d = { 0 };
        scenario *c = scen_draw(sc, 1, i, &d);
        cr_assert(c != NULL, "%s", d.msg);
        double churn = value(c, "churn", "", "mean"), gm = value(c, "economics", "", "gross_margin");
        int row = (int)lround((churn - 0.40) / 0.05);
        cr_assert(row >= 0 && row < 5 && fabs(churn - (0.40 + 0.05 * row)) < 1e-12, "churn %g", churn);
        cr_expect(fabs(gm - churn - 0.1) < 1e-12, "draw %d: rows mixed (%g, %g)", i, churn, gm);
        used[row]++;
        positional &= row == i % 5;
        scen_free(c);
    }
    for (int r = 0; r < 5; r++)
        cr_expect(used[r] > 15, "row %d drawn %d times in 200", r + 1, used[r]);
    cr_expect(!positional, "rows taken in file order");
    /* scenario.ini names the file by its full path: it loads from anywhere */
    char copy[] = "/tmp/retsim-uncertain-XXXXXX.ini";
    int fd = mkstemps(copy, 4);
    FILE *f = fdopen(fd, "w");
    scen_write_resolved(f, sc);
    fclose(f);
    scenario *again = load(copy, NULL, 0);
    unlink(copy);
    cr_expect(again->draws && again->draws->nrows == 5);
    scen_free(again);
    /* off: the file is ignored by the runner, and the point values stay */
    cr_expect(value(sc, "churn", "", "mean") == 0.55);
    scen_free(sc);
    remove_dir(dir);
}

Test(uncertain, a_bad_draws_file_names_the_file_line_and_column)
{
    static const struct { const char *csv, *expect; } bad[] = {
        { "churn.mean,economics.gross_margn\n0.5,0.6\n",
          "draws.csv:1: column 2 'economics.gross_margn': [economics] has no number key "
          "'gross_margn' (did you mean 'gross_margin'?)" },
        { "churn.mean,churny.mean\n0.5,0.6\n", "column 2 'churny.mean': unknown section [churny]" },
        { "churnmean\n0.5\n", "draws.csv:1: not a parameter draws file" },
        { "root:x:0:0:root:/root:/bin/bash\n", "draws.csv:1: not a parameter draws file (no section.key column" },
        { "churn.mean,churnmean\n0.5,0.5\n", "column 2 'churnmean': expected a section.key name" },
        { "lifecycle.lost_after\n300\n", "column 1 'lifecycle.lost_after': not a number key" },
        { "bgnbd.r\n0.3\n", "has no [bgnbd] section for it" },
        { "churn.mean,churn.mean\n0.5,0.5\n", "column 2 'churn.mean' appears twice" },
        { "churn.mean\n0.5\n1.5\n", "draws.csv:3: column 1 (churn.mean) = 1.5 is out of range" },
        { "churn.mean,economics.gross_margin\n0.5,x\n", "draws.csv:2: column 2 (economics.gross_margin): 'x' is not a number" },
        { "churn.mean,economics.gross_margin\n0.5\n", "draws.csv:2: 1 values, but the header names 2 columns" },
        { "churn.mean,economics.gross_margin\n0.5,0.5,0.5\n", "draws.csv:2: 3 values" },
        { "churn.mean\n", "a header but no rows" },
        { "\n\n", "empty" },
    };
    char dir[64], path[128];
    temp_dir(dir);
    write_fitted(dir, "[uncertainty]\ndraws = draws.csv\n");
    snprintf(path, sizeof path, "%s/fitted.ini", dir);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_file(dir, "draws.csv", bad[i].csv);
        refused(path, NULL, 0, bad[i].expect);
    }
    /* a key both in the file and given a distribution */
    write_file(dir, "draws.csv", "churn.mean\n0.5\n");
    const char *sets[] = { "churn.mean=beta(2, 2)" };
    refused(path, sets, 1, "also gives it a distribution (beta(2, 2))");
    /* a file that is not there, or not a regular file */
    write_fitted(dir, "[uncertainty]\ndraws = missing.csv\n");
    refused(path, NULL, 0, "[uncertainty] draws = ");
    write_fitted(dir, "[uncertainty]\ndraws = /dev/zero\n");
    refused(path, NULL, 0, "draws = /dev/zero: not a parameter draws file (the name does not end in .csv)");
    write_file(dir, "draws.txt", "churn.mean\n0.5\n");
    write_fitted(dir, "[uncertainty]\ndraws = draws.txt\n");
    refused(path, NULL, 0, "does not end in .csv");
    remove_dir(dir);
}

/* ---- the runner ---- */

static run_result *run_opts_on(const scenario *sc, int reps, int threads, int off)
{
    diag d = { 0 };
    engine *e = engine_prepare(sc, &d);
    cr_assert(e != NULL, "engine_prepare: %s", d.msg);
    run_opts o = { 11, reps, threads, 0 };
    o.param_uncertainty_off = off;
    run_result *r = NULL;
    cr_assert(sim_run(&e, 1, &o, &r, &d) == 0, "sim_run: %s", d.msg);
    engine_free(e);
    return r;
}

static int same(double a, double b)
{
    return (isnan(a) && isnan(b)) || a == b;
}

static void expect_identical(const run_result *a, const run_result *b, const char *what)
{
    cr_assert(a->reps == b->reps);
    for (int m = 0; m < MET_COUNT; m++) {
        stat_summary x = stat_vec_get(a->scen[0].metric, (size_t)m);
        stat_summary y = stat_vec_get(b->scen[0].metric, (size_t)m);
        cr_expect(same(x.mean, y.mean) && same(x.sd, y.sd) && same(x.ci_low, y.ci_low)
                  && same(x.ci_high, y.ci_high) && x.uncertain == y.uncertain
                  && (!x.uncertain || (same(x.param_share, y.param_share)
                                       && same(x.mc_halfwidth, y.mc_halfwidth))),
                  "%s: %s differs: %.17g [%.17g, %.17g] against %.17g [%.17g, %.17g]", what,
                  metric_table[m].name, x.mean, x.ci_low, x.ci_high, y.mean, y.ci_low, y.ci_high);
    }
    for (int t = 0; t <= a->scen[0].horizon; t += 7) {
        stat_summary x = stat_vec_get(a->scen[0].curve[CUR_CUM_PROFIT], (size_t)t);
        stat_summary y = stat_vec_get(b->scen[0].curve[CUR_CUM_PROFIT], (size_t)t);
        cr_expect(same(x.ci_low, y.ci_low) && same(x.ci_high, y.ci_high), "%s: day %d", what, t);
    }
}

static const char *const short_clinic[] = { "scenario.horizon_days=180", "churn.mean=beta(55, 45)",
                                            "economics.gross_margin=0.5..0.7" };

Test(uncertain, one_and_two_threads_give_identical_results)
{
    scenario *sc = load(CLINIC, short_clinic, 3);
    run_result *a = run_opts_on(sc, 12, 1, 0), *b = run_opts_on(sc, 12, 2, 0);
    cr_expect(a->draws == 6 && a->scen[0].uncertain == 1);
    expect_identical(a, b, "1 against 2 threads");
    run_result_free(a);
    run_result_free(b);
    scen_free(sc);
}

Test(uncertain, without_uncertainty_nothing_changes)
{
    /* clinic's churn.mean is 0.55, beta(55, 45)'s mean: switched off, the
     * uncertain scenario is the plain one, replication for replication */
    const char *plain_sets[] = { "scenario.horizon_days=180" };
    const char *unc_sets[] = { "scenario.horizon_days=180", "churn.mean=beta(55, 45)" };
    scenario *plain = load(CLINIC, plain_sets, 1), *unc = load(CLINIC, unc_sets, 2);
    run_result *a = run_opts_on(plain, 5, 2, 0), *b = run_opts_on(unc, 5, 2, 1);
    cr_expect(a->reps == 5 && b->reps == 5, "odd replications kept: %d, %d", a->reps, b->reps);
    cr_expect(a->draws == 0 && b->draws == 0);
    cr_expect(a->scen[0].uncertain == 0 && b->scen[0].uncertain == -1);
    cr_expect(b->scen[0].uncertain_keys == 1);
    expect_identical(a, b, "off against plain");
    /* the plain interval is Student's t over replications, as always */
    stat_summary p = stat_vec_get(a->scen[0].metric, MET_PROFIT);
    double half = gsl_cdf_tdist_Pinv(0.975, 4) * p.sd / sqrt(5.0);
    cr_expect(p.ci_high - p.mean == half || fabs(p.ci_high - p.mean - half) < 1e-9 * half);
    cr_expect(!p.uncertain);
    run_result_free(a);
    run_result_free(b);
    /* on: pairs, so 5 replications become 6 (3 draws) */
    run_result *c = run_opts_on(unc, 5, 2, 0);
    cr_expect(c->reps == 6 && c->reps_asked == 5 && c->draws == 3, "%d reps, %d draws", c->reps,
              c->draws);
    run_result_free(c);
    scen_free(plain);
    scen_free(unc);
}

Test(uncertain, an_identical_variant_differs_by_exactly_zero)
{
    scenario *sc = load(CLINIC, short_clinic, 3);
    diag d = { 0 };
    engine *e[2] = { engine_prepare(sc, &d), engine_prepare(sc, &d) };
    cr_assert(e[0] && e[1], "%s", d.msg);
    run_opts o = { 3, 8, 2, 0 };
    run_result *r = NULL;
    cr_assert(sim_run(e, 2, &o, &r, &d) == 0, "%s", d.msg);
    for (int m = 0; m < MET_COUNT; m++) {
        stat_summary s = stat_vec_get(r->scen[1].diff, (size_t)m);
        if (isnan(s.mean))
            continue;
        cr_expect(s.uncertain && s.mean == 0 && s.ci_low == 0 && s.ci_high == 0,
                  "%s: %g [%g, %g]", metric_table[m].name, s.mean, s.ci_low, s.ci_high);
    }
    run_result_free(r);
    engine_free(e[0]);
    engine_free(e[1]);
    scen_free(sc);
}

/* ---- the analysis of variance ---- */

/* Pairs y_ij = p_i + e_ij with known sd of p and e: the decomposition
 * finds them, and the interval is the documented formula. */
Test(uncertain, anova_recovers_known_variance_components)
{
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, 42);
    const int m = 4000;
    const double sp = 2, se = 1;
    stat_vec *v = stat_vec_alloc(2);
    cr_assert(v && stat_vec_pair(v) == 0);
    double sum = 0, sumsq_pairs = 0, within = 0, *pm = malloc((size_t)m * sizeof *pm);
    for (int i = 0; i < m; i++) {
        double p = gsl_ran_gaussian(g, sp);
        double a[2] = { p + gsl_ran_gaussian(g, se), gsl_ran_gaussian(g, se) };
        double b[2] = { p + gsl_ran_gaussian(g, se), gsl_ran_gaussian(g, se) };
        stat_vec_add(v, a);
        stat_vec_add(v, b);
        pm[i] = 0.5 * (a[0] + b[0]);
        sum += a[0] + b[0];
        within += 0.5 * (a[0] - b[0]) * (a[0] - b[0]);
    }
    double mean = sum / (2 * m);
    for (int i = 0; i < m; i++)
        sumsq_pairs += (pm[i] - mean) * (pm[i] - mean);
    double msb = 2 * sumsq_pairs / (m - 1), msw = within / m, sp2 = 0.5 * (msb - msw);
    double half = gsl_cdf_tdist_Pinv(0.975, m - 1) * sqrt(sp2 + msb / (2 * m));
    stat_summary s = stat_vec_get(v, 0);
    cr_expect(s.uncertain);
    cr_expect(fabs(s.param_sd - sp) < 0.05 * sp, "param sd %g, expected %g", s.param_sd, sp);
    cr_expect(fabs(s.process_sd - se) < 0.05 * se, "process sd %g, expected %g", s.process_sd, se);
    cr_expect(fabs((s.ci_high - s.mean) - half) < 1e-9 * half, "half-width %.12g, formula %.12g",
              s.ci_high - s.mean, half);
    cr_expect(fabs(s.param_share - sp2 / (sp2 + msb / (2 * m))) < 1e-12);
    cr_expect(fabs(s.mc_halfwidth - gsl_cdf_tdist_Pinv(0.975, m - 1) * sqrt(msb / (2 * m)))
              < 1e-9 * s.mc_halfwidth);
    /* no parameter effect: the part left is the estimator's noise, of the
     * order of se^2 / sqrt(m), well below the process variance */
    stat_summary z = stat_vec_get(v, 1);
    cr_expect(z.param_sd * z.param_sd < 4 * se * se / sqrt((double)m), "param sd %g with none",
              z.param_sd);
    cr_expect(fabs(z.process_sd - se) < 0.05 * se);
    free(pm);
    stat_vec_free(v);
    gsl_rng_free(g);
}

/* An uncertain churn: the parameters carry most of profit's interval, which
 * is far wider than the Monte Carlo one; a range too narrow to matter
 * leaves the parameters' part at the estimator's noise. */
Test(uncertain, uncertain_churn_widens_the_interval_and_a_tiny_range_does_not)
{
    const char *wide[] = { "scenario.horizon_days=365", "churn.mean=beta(5.5, 4.5)" };
    const char *tiny[] = { "scenario.horizon_days=365", "churn.mean=0.55..0.5500001" };
    scenario *a = load(CLINIC, wide, 2), *b = load(CLINIC, tiny, 2);
    run_result *ra = run_opts_on(a, 200, 0, 0), *off = run_opts_on(a, 200, 0, 1);
    run_result *rb = run_opts_on(b, 200, 0, 0);
    stat_summary p = stat_vec_get(ra->scen[0].metric, MET_PROFIT);
    stat_summary q = stat_vec_get(off->scen[0].metric, MET_PROFIT);
    stat_summary t = stat_vec_get(rb->scen[0].metric, MET_PROFIT);
    cr_expect(p.param_share > 0.9, "param share %g", p.param_share);
    cr_expect(p.param_sd > 1.3 * p.process_sd, "param sd %g, process sd %g", p.param_sd, p.process_sd);
    cr_expect(p.ci_high - p.mean > 3 * p.mc_halfwidth, "half-width %g, Monte Carlo %g",
              p.ci_high - p.mean, p.mc_halfwidth);
    cr_expect(p.ci_high - p.mean > 3 * (q.ci_high - q.mean), "half-width %g, off %g",
              p.ci_high - p.mean, q.ci_high - q.mean);
    cr_expect(t.param_sd < 0.5 * t.process_sd, "tiny range: param sd %g, process sd %g",
              t.param_sd, t.process_sd);
    cr_expect(t.param_sd < 0.1 * p.param_sd, "tiny range: param sd %g against %g", t.param_sd,
              p.param_sd);
    cr_expect(t.mc_halfwidth < 2 * (q.ci_high - q.mean), "tiny range: Monte Carlo half-width %g",
              t.mc_halfwidth);
    run_result_free(ra);
    run_result_free(off);
    run_result_free(rb);
    scen_free(a);
    scen_free(b);
}

/* ---- the outputs say so ---- */

static int file_has(const char *path, const char *text)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return strstr(buf, text) != NULL;
}

Test(uncertain_cli, outputs_carry_the_parts_only_with_uncertainty)
{
    char dir[64], cmd[1024], path[600];
    temp_dir(dir);
    snprintf(cmd, sizeof cmd, "%s run " CLINIC " --set scenario.horizon_days=90 --set "
             "'churn.mean=beta(55, 45)' --reps 5 --quiet --out %s/on", tu_bin(), dir);
    cr_assert(tu_system(cmd) == 0);
    snprintf(path, sizeof path, "%s/on/metrics.csv", dir);
    cr_expect(file_has(path, "replications,param_share,mc_halfwidth\n"));
    snprintf(path, sizeof path, "%s/on/summary.json", dir);
    cr_expect(file_has(path, "\"parameter_uncertainty\"") && file_has(path, "\"param_share\"")
              && file_has(path, "\"replications_asked\": 5"));
    snprintf(path, sizeof path, "%s/on/scenario.ini", dir);
    cr_expect(file_has(path, "mean = beta(55, 45)"));
    snprintf(cmd, sizeof cmd, "%s run " CLINIC " --set scenario.horizon_days=90 --set "
             "'churn.mean=beta(55, 45)' --reps 5 --quiet --param-uncertainty off --out %s/off",
             tu_bin(), dir);
    cr_assert(tu_system(cmd) == 0);
    snprintf(path, sizeof path, "%s/off/metrics.csv", dir);
    cr_expect(file_has(path, "replications\n") && !file_has(path, "param_share"));
    snprintf(path, sizeof path, "%s/off/summary.json", dir);
    cr_expect(file_has(path, "\"drawn\": false") && !file_has(path, "\"param_share\""));
    snprintf(cmd, sizeof cmd, "%s run " CLINIC " --set scenario.horizon_days=90 --reps 5 --quiet "
             "--out %s/plain", tu_bin(), dir);
    cr_assert(tu_system(cmd) == 0);
    snprintf(path, sizeof path, "%s/plain/summary.json", dir);
    cr_expect(!file_has(path, "parameter_uncertainty"));
    snprintf(cmd, sizeof cmd, "%s compare " CLINIC " scenarios/clinic_churn_minus5.ini --set "
             "scenario.horizon_days=90 --set 'churn.mean=beta(55, 45)' --reps 4 --quiet --out %s/cmp",
             tu_bin(), dir);
    cr_assert(tu_system(cmd) == 0);
    snprintf(path, sizeof path, "%s/cmp/compare.csv", dir);
    cr_expect(file_has(path, "param_share,mc_halfwidth,diff_param_share,diff_mc_halfwidth\n"));
    snprintf(path, sizeof path, "%s/cmp/compare.json", dir);
    cr_expect(file_has(path, "\"diff_param_share\""));
    remove_dir(dir);
}

/* A default written as a multiple of the bill follows the drawn bill, as it
 * would in a scenario written with that bill. */
Test(uncertain, a_per_bill_default_follows_a_drawn_bill)
{
    scenario *sc = tu_scenario("[channel.walkin]\nprospects_per_day = 5\n\n[spend]\n"
                               "mean = normal(100, 10)\n");
    double point = value(sc, "experience", "", "product_value");
    cr_expect(fabs(point - 0.75 * 100) < 1e-9, "point product_value %g", point);
    int moved = 0;
    for (int i = 0; i < 20; i++) {
        diag d = { 0 };
        scenario *c = scen_draw(sc, 2, i, &d);
        cr_assert(c != NULL, "%s", d.msg);
        double bill = value(c, "spend", "", "mean"), pv = value(c, "experience", "", "product_value");
        cr_expect(fabs(pv - 0.75 * bill) < 1e-9 * bill, "draw %d: product_value %g for a bill of %g",
                  i, pv, bill);
        moved |= bill != 100;
        scen_free(c);
    }
    cr_expect(moved);
    scen_free(sc);
}
