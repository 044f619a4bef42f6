/* retsim optimize (issue 13): the search finds a closed-form optimum, the
 * continuous search finds known optima (with a whole key and a
 * constraint), ties are reported as ties, and bad input exits 2.
 *
 * The closed form (stop_day_closed_form): prospects arrive at lambda = 40
 * a day and all buy at once (step_conversion 1); every bill is 100 at a
 * gross margin of 1; a customer comes back every 30 days with probability
 * p = 0.7 each time (churn 0.3, no polarisation: the textbook geometric
 * case of test_closed_forms.c) while the day is within the horizon
 * H = 150; every prospect costs c = 200.  A customer won on day t has
 * n(t) = ceil((H - t) / 30) chances to visit, so brings an expected margin
 * of 100 (1 - p^n) / (1 - p): 100 for n = 1, 170 for n = 2, 219 for n = 3.
 * Day t's prospects therefore pay (219 > 200) exactly while n >= 3, i.e.
 * H - t > 60: the best channel stop_day (arrivals on days < stop_day) is
 * S* = H - 60 = 90.  Against never stopping (the base, stop_day = H) it
 * gains the losses of days 90..149: 30 days x lambda x (200 - 170) + 30 days
 * x lambda x (200 - 100) = 156,000.  One day either side of S* loses
 * lambda x 19 = 760 (day 89 left out) and lambda x 30 = 1,200 (day 90 let in).
 * The slopes are several standard errors of a day's paired difference at
 * 30 replications, so the grid's argmax is S* itself, not a neighbour. */
#include <criterion/criterion.h>
#include <gsl/gsl_cdf.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../present/optimize_output.h"
#include "../sim/metrics.h"
#include "../sim/optimize.h"
#include "util.h"

static char dir[64];

static void make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/retsim-optimize-XXXXXX");
    cr_assert(mkdtemp(dir));
}

static void remove_dir(void)
{
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    tu_system(cmd);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert(f, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

#define STOP_BASE                                                            \
    "[scenario]\nhorizon_days = 150\nname = stop_base\n"                     \
    "[channel.all]\nprospects_per_day = 40\nstep_conversion = 1\n"           \
    "cost_per_prospect = 200\nstop_day = 150\n"                              \
    "[response]\nenabled = false\n"                                          \
    "[stickiness]\nenabled = false\n"                                        \
    "[visits]\ndistribution = fixed\ncycle_days = 30\n"                      \
    "[spend]\ndistribution = fixed\nmean = 100\n"                            \
    "[churn]\nmean = 0.3\npolarisation = 0\n"                                \
    "[economics]\ngross_margin = 1\n"

/* the standard error behind a 95 % t interval over `blocks` blocks */
static double se_of(double lo, double hi, int blocks)
{
    return (hi - lo) / 2 / gsl_cdf_tdist_Pinv(0.975, blocks - 1);
}

static void expect_within(double got, double se, double want, const char *what)
{
    cr_expect(se > 0, "%s: zero standard error, the check would be vacuous", what);
    cr_expect(fabs(got - want) <= 4 * se, "%s: %.1f, closed form %.1f, |diff| = %.2f SE (SE %.3g)",
              what, got, want, fabs(got - want) / se, se);
}

Test(optimize, stop_day_closed_form, .init = make_dir, .fini = remove_dir)
{
    char base[200], var[200];
    snprintf(base, sizeof base, "%s/stop_base.ini", dir);
    snprintf(var, sizeof var, "%s/stop.ini", dir);
    write_file(base, STOP_BASE);
    write_file(var, "[scenario]\nbase = stop_base.ini\nname = stop\n");
    opt_problem p = { 0 };
    p.path = var;
    p.base_path = base;
    p.nparam = 1;
    snprintf(p.param[0].key, sizeof p.param[0].key, "channel.all.stop_day");
    p.param[0].low = 85;
    p.param[0].high = 95;
    p.param[0].integer = 1;
    p.objective = MET_PROFIT;
    p.run = (run_opts){ .seed = 5, .reps = 30, .threads = 2 };
    p.final_reps = 40;
    p.top = 3;
    p.max_evals = 60;
    opt_search s = { 0 };
    diag d = { 0 };
    cr_assert_eq(opt_search_run(&p, opt_evaluate, NULL, &s, &d), 0, "%s", d.msg);
    cr_expect_eq(s.method, OPT_METHOD_GRID);
    cr_assert_eq(s.n, 11, "the grid 85..95 has 11 points, %d evaluated", s.n);
    cr_expect_eq(s.pts[s.best].x[0], 90, "search's best stop_day %g, closed form 90", s.pts[s.best].x[0]);
    opt_final f;
    cr_assert_eq(opt_final_run(&p, &s, &f, &d), 0, "%s", d.msg);
    cr_assert_eq(f.k, 3);
    cr_assert(f.best >= 0);
    const double *xb = s.pts[f.idx[f.best]].x;
    cr_expect_eq(xb[0], 90, "final best stop_day %g, closed form 90", xb[0]);
    expect_within(f.gain[f.best], se_of(f.gain_lo[f.best], f.gain_hi[f.best], f.blocks), 156000,
                  "gain of the best over never stopping");
    int checked = 0;
    for (int j = 0; j < f.k; j++) {
        double x = s.pts[f.idx[j]].x[0];
        if (x == 89 || x == 91) {
            expect_within(f.vs_best[j], se_of(f.vs_best_lo[j], f.vs_best_hi[j], f.blocks),
                          x == 89 ? 760 : 1200, x == 89 ? "day 89 behind the best" : "day 91 behind the best");
            cr_expect(!f.tied[j], "stop_day %g called tied with the best", x);
            checked++;
        }
    }
    cr_expect_eq(checked, 2, "the final comparison should hold 89 and 91 beside 90");
    cr_expect(f.p_best[f.best] > 0.95, "P(best) of the closed-form optimum %.3f", f.p_best[f.best]);
    opt_search_free(&s);
}

/* Known optima without the simulator: a concave quadratic in a real and a
 * whole key, and a linear objective capped by a constraint. */
static int quadratic(void *ctx, const opt_problem *p, const double *x, opt_point *out, diag *d)
{
    (void)ctx;
    (void)p;
    (void)d;
    out->obj = 1000 - 500 * (x[0] - 0.37) * (x[0] - 0.37) - 3 * (x[1] - 7) * (x[1] - 7);
    out->obj_se = 1;
    return 0;
}

static int capped(void *ctx, const opt_problem *p, const double *x, opt_point *out, diag *d)
{
    (void)ctx;
    (void)p;
    (void)d;
    out->obj = 100 * x[0];
    out->obj_se = 1;
    out->con[0] = x[0] * x[0];   /* e.g. a liability growing with the term */
    out->con_se[0] = 0.01;
    return 0;
}

Test(optimize, continuous_search_finds_known_optima)
{
    opt_problem p = { 0 };
    p.nparam = 2;
    snprintf(p.param[0].key, sizeof p.param[0].key, "a.x");
    p.param[0].low = 0;
    p.param[0].high = 1;
    snprintf(p.param[1].key, sizeof p.param[1].key, "a.n");
    p.param[1].low = 0;
    p.param[1].high = 30;
    p.param[1].integer = 1;
    p.objective = MET_PROFIT;
    p.max_evals = 200;
    double points;
    cr_expect(!opt_is_grid(&p, &points), "a real key is no grid");
    opt_search s = { 0 };
    diag d = { 0 };
    cr_assert_eq(opt_search_run(&p, quadratic, NULL, &s, &d), 0, "%s", d.msg);
    cr_expect_eq(s.method, OPT_METHOD_SBPLX);
    const double *b = s.pts[s.best].x;
    cr_expect(fabs(b[0] - 0.37) < 0.01, "real key at %g, optimum 0.37", b[0]);
    cr_expect_eq(b[1], 7, "whole key at %g, optimum 7", b[1]);
    cr_expect(s.n <= p.max_evals + 9, "%d evaluations for a budget of %d", s.n, p.max_evals);
    for (int i = 0; i < s.n; i++)
        cr_expect_eq(s.pts[i].x[1], round(s.pts[i].x[1]), "whole key evaluated at %g", s.pts[i].x[1]);
    opt_search_free(&s);

    /* maximise 100 x subject to x^2 <= 0.36: the constraint binds at 0.6 */
    opt_problem q = { 0 };
    q.nparam = 1;
    snprintf(q.param[0].key, sizeof q.param[0].key, "a.x");
    q.param[0].low = 0;
    q.param[0].high = 1;
    q.objective = MET_PROFIT;
    q.ncons = 1;
    q.cons[0] = (opt_constraint){ MET_LIABILITY_END, 1, 0.36 };
    q.max_evals = 200;
    cr_assert_eq(opt_search_run(&q, capped, NULL, &s, &d), 0, "%s", d.msg);
    const opt_point *cb = &s.pts[s.best];
    cr_expect_eq(cb->violation, 0, "the best breaks the constraint (x = %g)", cb->x[0]);
    cr_expect(fabs(cb->x[0] - 0.6) < 0.01, "constrained optimum at %g, want 0.6", cb->x[0]);
    int top[3];
    cr_assert_eq(opt_search_top(&q, &s, top, 3), 3);
    for (int i = 0; i < 3; i++)
        cr_expect_eq(s.pts[top[i]].violation, 0, "top %d breaks the constraint", i + 1);
    opt_search_free(&s);
}

Test(optimize, final_statistics_of_ties_and_a_clear_winner)
{
    opt_problem p = { 0 };
    p.nparam = 1;
    snprintf(p.param[0].key, sizeof p.param[0].key, "a.x");
    p.objective = MET_PROFIT;
    enum { B = 50, K = 3 };
    double obj[B * (K + 1)], con[B * (K + 1) * OPT_MAX_CONS];
    memset(con, 0, sizeof con);
    /* three candidates identical block by block (the same customers, the
     * key changes nothing): a tie, exactly */
    for (int b = 0; b < B; b++) {
        double noise = 37.0 * sin(b * 1.7);
        obj[b * (K + 1)] = 1000 + noise;
        for (int j = 1; j <= K; j++)
            obj[b * (K + 1) + j] = 1100 + 2 * noise;
    }
    opt_final f;
    memset(&f, 0, sizeof f);
    opt_final_stats(&p, K, B, obj, con, 1, &f);
    cr_expect_eq(f.ntied, K, "%d of %d identical candidates tied", f.ntied, K);
    for (int j = 0; j < K; j++) {
        cr_expect(f.tied[j]);
        cr_expect(fabs(f.p_best[j] - 1.0 / K) < 1e-12, "P(best) %g of identical candidates", f.p_best[j]);
        cr_expect_eq(f.vs_best_lo[j], 0);
        cr_expect_eq(f.vs_best_hi[j], 0);
    }
    char v[2048];
    opt_search s = { 0 };
    opt_point pts[K] = { { .x = { 1 } }, { .x = { 2 } }, { .x = { 3 } } };
    s.pts = pts;
    s.n = K;
    for (int j = 0; j < K; j++)
        f.idx[j] = j;
    optimize_verdict(v, sizeof v, &p, &s, &f, "yuan", LANG_EN);
    cr_expect(!strncmp(v, "these are tied", 14), "verdict: %s", v);

    /* candidate 2 ahead by 50 in every block, well beyond the noise of the
     * differences (none): a clear winner */
    for (int b = 0; b < B; b++)
        obj[b * (K + 1) + 2] += 50 + 5 * cos(b * 0.9);
    memset(&f, 0, sizeof f);
    opt_final_stats(&p, K, B, obj, con, 1, &f);
    cr_expect_eq(f.best, 1);
    cr_expect_eq(f.ntied, 1);
    cr_expect(f.p_best[1] > 0.999, "P(best) of the clear winner %g", f.p_best[1]);
    for (int j = 0; j < K; j++)
        f.idx[j] = j;
    optimize_verdict(v, sizeof v, &p, &s, &f, "yuan", LANG_EN);
    cr_expect(!strncmp(v, "best: a.x=2", 11), "verdict: %s", v);
}

/* End to end through the simulator: [economics] discount_rate moves only
 * the discounted profit, so every candidate's profit is the same, block
 * by block: the final comparison must call them tied. */
Test(optimize, inert_key_gives_tied_candidates, .init = make_dir, .fini = remove_dir)
{
    char base[200], var[200];
    snprintf(base, sizeof base, "%s/small.ini", dir);
    snprintf(var, sizeof var, "%s/small_rate.ini", dir);
    write_file(base, "[scenario]\nhorizon_days = 60\nname = small\n"
                     "[channel.all]\nprospects_per_day = 5\nstep_conversion = 0.5\n");
    write_file(var, "[scenario]\nbase = small.ini\nname = small_rate\n");
    opt_problem p = { 0 };
    p.path = var;
    p.base_path = base;
    p.nparam = 1;
    snprintf(p.param[0].key, sizeof p.param[0].key, "economics.discount_rate");
    p.param[0].low = 0;
    p.param[0].high = 0.2;
    p.objective = MET_PROFIT;
    p.run = (run_opts){ .seed = 3, .reps = 8, .threads = 2 };
    p.final_reps = 16;
    p.top = 3;
    p.max_evals = 12;
    opt_search s = { 0 };
    diag d = { 0 };
    cr_assert_eq(opt_search_run(&p, opt_evaluate, NULL, &s, &d), 0, "%s", d.msg);
    for (int i = 1; i < s.n; i++)
        cr_expect_eq(s.pts[i].obj, s.pts[0].obj, "profit moved with the discount rate");
    opt_final f;
    cr_assert_eq(opt_final_run(&p, &s, &f, &d), 0, "%s", d.msg);
    cr_expect_eq(f.k, 3);
    cr_expect_eq(f.ntied, f.k, "%d of %d candidates tied", f.ntied, f.k);
    char v[2048];
    optimize_verdict(v, sizeof v, &p, &s, &f, "yuan", LANG_EN);
    cr_expect(!strncmp(v, "these are tied", 14), "verdict: %s", v);
    opt_search_free(&s);
}

/* Runs retsim optimize with args; expects exit 2, a message holding want,
 * and no output folder. */
static void expect_refused(const char *args, const char *want)
{
    char cmd[2000], err[200], out[200];
    snprintf(err, sizeof err, "%s/err.txt", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    snprintf(cmd, sizeof cmd, "%s optimize %s -q --out %s 2> %s", tu_bin(), args, out, err);
    cr_expect_eq(tu_system(cmd), 2, "exit status of: %s", cmd);
    FILE *f = fopen(err, "r");
    cr_assert(f);
    char msg[4096] = "";
    size_t n = fread(msg, 1, sizeof msg - 1, f);
    msg[n] = '\0';
    fclose(f);
    cr_expect(strstr(msg, want), "message of `%s`:\n%s\nexpected to hold: %s", args, msg, want);
    struct stat st;
    cr_expect(stat(out, &st) != 0, "an output folder was written for: %s", args);
}

Test(optimize, bad_input_exits_2, .init = make_dir, .fini = remove_dir)
{
    const char *r = "scenarios/restaurant_recharge.ini";
    char a[600];
#define REFUSED(extra, want) do { snprintf(a, sizeof a, "%s %s", r, extra); expect_refused(a, want); } while (0)
    REFUSED("--param recharge.multipel=1:8", "did you mean 'multiple'?");
    REFUSED("--param recharg.multiple=1:8", "did you mean [recharge]?");
    REFUSED("--param recharge.offer_again=0:1", "not a number");
    REFUSED("--param recharge.multiple=0:8", "out of range");
    REFUSED("--param recharge.multiple=5:2", "LOW (5) must be below HIGH (2)");
    REFUSED("--param recharge.multiple=3:3", "LOW (3) must be below HIGH (3)");
    REFUSED("--param recharge.multiple=1-8", "expected SECTION.KEY=LOW:HIGH");
    REFUSED("--param recharge.multiple=1:abc", "expected SECTION.KEY=LOW:HIGH");
    REFUSED("--param channel.walkin.stop_day=1.5:8", "whole numbers");
    REFUSED("--param recharge.multiple=1:8 --objective proft", "did you mean profit?");
    REFUSED("--param recharge.multiple=1:8 --constraint 'liability_end=5'", "expected METRIC<=X");
    REFUSED("--param recharge.multiple=1:8 --constraint 'liabilty_end<=5'", "did you mean liability_end?");
    REFUSED("--param recharge.multiple=1:8 --constraint 'liability_end<=abc'", "is not a number");
    REFUSED("--param recharge.multiple=1:8 --top 11", "--top 11 is out of range");
    REFUSED("", "needs at least one --param");
#undef REFUSED
    expect_refused("scenarios/restaurant.ini --param recall.day=5:30", "has no [scenario] base");
}

static int count_lines(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int c, n = 0;
    while ((c = fgetc(f)) != EOF)
        n += c == '\n';
    fclose(f);
    return n;
}

/* The command end to end on a small grid: every output there, one row per
 * evaluated point and per finalist, and the verdict in summary.json. */
Test(optimize, command_writes_its_outputs, .init = make_dir, .fini = remove_dir)
{
    char base[200], var[200], cmd[1200], path[300];
    snprintf(base, sizeof base, "%s/small.ini", dir);
    snprintf(var, sizeof var, "%s/small_stop.ini", dir);
    write_file(base, "[scenario]\nhorizon_days = 60\nname = small\n"
                     "[channel.all]\nprospects_per_day = 5\nstep_conversion = 0.5\n"
                     "cost_per_prospect = 20\n");
    write_file(var, "[scenario]\nbase = small.ini\nname = small_stop\n");
    snprintf(cmd, sizeof cmd, "%s optimize %s --param channel.all.stop_day=20:25 --reps 4 --final-reps 8 "
             "--top 2 --threads 2 -q --out %s/out", tu_bin(), var, dir);
    cr_assert_eq(tu_system(cmd), 0, "%s", cmd);
    static const char *const files[] = { "candidates.csv", "top.csv", "summary.json", "optimize.gp",
                                         "scenario.ini", NULL };
    for (int i = 0; files[i]; i++) {
        snprintf(path, sizeof path, "%s/out/%s", dir, files[i]);
        cr_expect(access(path, R_OK) == 0, "%s was not written", files[i]);
    }
    snprintf(path, sizeof path, "%s/out/candidates.csv", dir);
    cr_expect_eq(count_lines(path), 1 + 6, "candidates.csv: a header and the 6 points of 20..25");
    snprintf(path, sizeof path, "%s/out/top.csv", dir);
    cr_expect_eq(count_lines(path), 1 + 2, "top.csv: a header and the 2 finalists");
    snprintf(path, sizeof path, "%s/out/summary.json", dir);
    json_error_t err;
    json_t *root = json_load_file(path, 0, &err);
    cr_assert(root, "summary.json: %s", err.text);
    const char *verdict = json_string_value(json_object_get(root, "verdict"));
    cr_expect(verdict && (!strncmp(verdict, "best: ", 6) || !strncmp(verdict, "these are tied", 14)),
              "verdict: %s", verdict ? verdict : "(none)");
    json_t *fin = json_object_get(root, "final");
    cr_expect_eq(json_integer_value(json_object_get(fin, "replications")), 8);
    cr_expect_eq(json_array_size(json_object_get(fin, "candidates")), 2);
    json_decref(root);
}
