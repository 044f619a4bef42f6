/* The satisfaction model started from today's customers (issue 13): its
 * customer_from_history (models/satisfaction.c: importance resampling of
 * population draws by the likelihood of each customer's history) checked
 * the way tests/test_forward.c checks the BTYD models, by the holdout's
 * purchases per calibration-frequency group (0, 1, ..., 6, 7+ repeat
 * purchases), on logs simulated by retsim from known parameters.
 *
 * For each of K logs (a replication of the known world run over a
 * calibration window and a holdout): the log's customers as they stand at
 * the window's end go into a [base] of the same scenario (the true
 * parameters), which is simulated over the holdout once.  If the hidden
 * traits are drawn from their posterior given the history, the warm-started
 * holdout purchases of a group and the ones the world itself went on to make
 * have the same distribution given the history, so their difference D_k has
 * mean 0 over the K independent logs: each group's mean difference must lie
 * within 4 standard errors (the SE from the K differences themselves).
 *
 * The check has power: the same comparison with a forward simulation whose
 * churn is wrong (mean 0.3 instead of 0.5) is rejected in some group. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../fit/calibrate.h"
#include "../fit/translog.h"
#include "../sim/basefile.h"
#include "../sim/engine.h"
#include "util.h"

#define WINDOW 240    /* calibration days 0 .. 239 */
#define HOLDOUT 180   /* holdout days 240 .. 419 */
#define LOGS 60

/* The known world: customers arriving for 120 days, satisfaction with its
 * response curve and the new-customer rule, churn spread between customers
 * (polarisation), loyalty spread, stickiness, a gamma visit cycle whose
 * rate differs between customers (rate_cv). */
static const char *truth_ini =
    "[scenario]\nname = warmstart_truth\nhorizon_days = 420\n\n"
    "[customer]\nmodel = satisfaction\n\n"
    "[channel.walk_in]\nprospects_per_day = 10\nfunnel_steps = 1\nstep_conversion = 0.5\nstop_day = 120\n\n"
    "[spend]\nmean = 100\nsd = 40\n\n"
    "[churn]\nmean = 0.5\npolarisation = 0.3\n\n"
    "[loyalty]\nmean = 0.2\npolarisation = 0.2\n\n"
    "[stickiness]\nmax = 0.5\n\n"
    "[visits]\ncycle_days = 30\nshape = 2\nrate_cv = 1\n";

static char dir[64];

static void make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/retsim-warm-XXXXXX");
    cr_assert(mkdtemp(dir));
}

static void remove_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

/* The differences actual - warm start per group (and in total, last) over
 * LOGS logs: their means and standard errors; the customers per group. */
static void compare(const char *world_set, const char *forward_churn, double mean[CALIB_GROUPS + 1],
                    double se[CALIB_GROUPS + 1], long customers[CALIB_GROUPS])
{
    char path[128];
    snprintf(path, sizeof path, "%s/truth.ini", dir);
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fputs(truth_ini, f);
    fclose(f);
    diag d = { 0 };
    /* world_set: a change to the known world itself (the world and the
     * forward run alike) */
    const char *world_sets[] = { world_set };
    scenario *tsc = scen_load(path, world_sets, world_set ? 1 : 0, &d);
    cr_assert(tsc, "%s", d.msg);
    engine *truth = engine_prepare(tsc, &d);
    cr_assert(truth, "%s", d.msg);
    /* the forward run: the same scenario from [base] over the holdout, no
     * new customers (the base itself is given per log below) */
    const char *sets[6] = { "scenario.horizon_days=180", "base.customers=(the log)", "base.as_of=2024-08-27",
                            "channel.walk_in.prospects_per_day=0" };
    int nsets = 4;
    if (world_set)
        sets[nsets++] = world_set;
    if (forward_churn)
        sets[nsets++] = forward_churn;
    scenario *fsc = scen_load(path, sets, nsets, &d);
    cr_assert(fsc, "%s", d.msg);

    double s[CALIB_GROUPS + 1] = { 0 }, s2[CALIB_GROUPS + 1] = { 0 };
    memset(customers, 0, sizeof(long) * CALIB_GROUPS);
    for (int k = 0; k < LOGS; k++) {
        calib_rep rep = { 0 };
        cr_assert_eq(calib_simulate_rep(truth, 777, k, &rep, &d), 0, "%s", d.msg);
        translog *t = NULL;
        cr_assert_eq(calib_pool(&rep, 1, &t, &d), 0, "%s", d.msg);
        free(rep.tx);
        base_customers b;
        cr_assert_eq(calib_history(t, 0, WINDOW - 1, &b, &d), 0, "%s", d.msg);
        cr_assert(b.n > 300, "log %d: only %d customers", k, b.n);
        /* what the world did in the holdout, in calib_history's order */
        double diff[CALIB_GROUPS + 1] = { 0 };
        int *group = malloc((size_t)b.n * sizeof *group);
        cr_assert(group);
        int row = 0;
        for (int c = 0; c < t->ncust; c++) {
            if (t->day[t->first[c]] > WINDOW - 1)
                continue;
            long hold = 0;
            for (int j = t->first[c]; j < t->first[c + 1]; j++)
                hold += t->day[j] >= WINDOW && t->day[j] < WINDOW + HOLDOUT;
            group[row] = calib_group(b.h[row].repeat_purchases);
            diff[group[row]] += (double)hold;
            diff[CALIB_GROUPS] += (double)hold;
            customers[group[row]]++;
            row++;
        }
        cr_assert_eq(row, b.n);
        engine *fwd = engine_prepare_with_base(fsc, &b, &d);
        cr_assert(fwd, "%s", d.msg);
        double *bought = calloc((size_t)b.n, sizeof *bought);
        cr_assert(bought);
        cr_assert_eq(calib_forward_rep(fwd, 4242, k, b.n, bought, &d), 0, "%s", d.msg);
        for (int i = 0; i < b.n; i++) {
            diff[group[i]] -= bought[i];
            diff[CALIB_GROUPS] -= bought[i];
        }
        for (int g = 0; g <= CALIB_GROUPS; g++) {
            s[g] += diff[g];
            s2[g] += diff[g] * diff[g];
        }
        free(bought);
        free(group);
        engine_free(fwd);
        free(b.h);
        translog_free(t);
    }
    for (int g = 0; g <= CALIB_GROUPS; g++) {
        mean[g] = s[g] / LOGS;
        se[g] = sqrt((s2[g] - LOGS * mean[g] * mean[g]) / (LOGS - 1) / LOGS);
    }
    scen_free(fsc);
    engine_free(truth);
    scen_free(tsc);
}

/* Every group's mean difference (and the total's) within 4 standard errors. */
static void expect_groups_match(const double *mean, const double *se, const long *customers)
{
    for (int g = 0; g <= CALIB_GROUPS; g++) {
        cr_expect(se[g] > 0, "group %d: zero standard error, the check would be vacuous", g);
        if (g < CALIB_GROUPS)
            cr_expect(customers[g] >= 100, "group %d: only %ld customers over %d logs", g, customers[g], LOGS);
        cr_expect(fabs(mean[g]) <= 4 * se[g],
                  "%s%d%s: the world made %+.2f holdout purchases a log more than the warm start (%.2f SE)",
                  g == CALIB_GROUPS ? "all" : "group ", g == CALIB_GROUPS ? 0 : g,
                  g == CALIB_GROUPS - 1 ? "+" : "", mean[g], fabs(mean[g]) / se[g]);
        if (g < CALIB_GROUPS)
            cr_log_info("group %d (%ld customers over the logs): actual - warm start %+.2f a log, z = %+.2f", g,
                        customers[g], mean[g], mean[g] / se[g]);
        else
            cr_log_info("all: actual - warm start %+.2f a log, z = %+.2f", mean[g], mean[g] / se[g]);
    }
}

Test(warmstart, holdout_by_frequency_group_matches_the_world_continued, .init = make_dir, .fini = remove_dir,
     .timeout = 600)
{
    double mean[CALIB_GROUPS + 1], se[CALIB_GROUPS + 1];
    long customers[CALIB_GROUPS];
    compare(NULL, NULL, mean, se, customers);
    expect_groups_match(mean, se, customers);
}

/* The same with [churn] first_purchase_factor = 0 in the world (BG/NBD's
 * customer, who cannot leave at the first purchase; the new-customer rule
 * still acts): the warm start weighs each history by the churn the model
 * applies, so the one-time buyers' chance of being alive follows.  And
 * the check sees a forward run that ignores the factor (1). */
Test(warmstart, holdout_matches_with_a_first_purchase_factor, .init = make_dir, .fini = remove_dir,
     .timeout = 600)
{
    double mean[CALIB_GROUPS + 1], se[CALIB_GROUPS + 1];
    long customers[CALIB_GROUPS];
    compare("churn.first_purchase_factor=0", NULL, mean, se, customers);
    expect_groups_match(mean, se, customers);
    compare("churn.first_purchase_factor=0", "churn.first_purchase_factor=1", mean, se, customers);
    double worst = 0;
    for (int g = 0; g <= CALIB_GROUPS; g++)
        if (se[g] > 0)
            worst = fmax(worst, fabs(mean[g]) / se[g]);
    cr_log_info("forward run with the factor at 1 instead of 0: largest |z| %.2f", worst);
    cr_expect(worst > 4, "a forward run ignoring first_purchase_factor went unnoticed (largest |z| %.2f)", worst);
}

Test(warmstart, a_wrong_forward_churn_is_detected, .init = make_dir, .fini = remove_dir, .timeout = 600)
{
    double mean[CALIB_GROUPS + 1], se[CALIB_GROUPS + 1];
    long customers[CALIB_GROUPS];
    compare(NULL, "churn.mean=0.3", mean, se, customers);
    double worst = 0;
    for (int g = 0; g <= CALIB_GROUPS; g++)
        if (se[g] > 0)
            worst = fmax(worst, fabs(mean[g]) / se[g]);
    cr_log_info("churn 0.3 forward: largest |z| %.2f", worst);
    cr_expect(worst > 4, "a forward run with churn 0.3 instead of 0.5 went unnoticed (largest |z| %.2f)", worst);
}

/* ---- rate_cv: each customer's own visit rate ---- */

typedef struct visit_rec {
    uint64_t id;
    double t;
} visit_rec;

typedef struct visit_log {
    visit_rec *v;
    size_t n, cap;
} visit_log;

static void record_visit(void *ctx, uint64_t customer, double day, double bill, int group)
{
    (void)bill;
    (void)group;
    visit_log *l = ctx;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 4096;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
        cr_assert(l->v);
    }
    l->v[l->n++] = (visit_rec){ customer, day };
}

static int by_id_then_time(const void *a, const void *b)
{
    const visit_rec *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return (x->t > y->t) - (x->t < y->t);
}

/* One replication of the scenario INI at SEED: every visit, sorted by
 * customer and time (the caller frees .v). */
static visit_log simulated_visits(const char *ini, uint64_t seed)
{
    scenario *sc = tu_scenario(ini);
    diag d = { 0 };
    engine *e = engine_prepare(sc, &d);
    cr_assert(e, "%s", d.msg);
    engine_work *w = engine_work_alloc(e);
    rep_result *out = rep_alloc(engine_horizon(e));
    visit_log l = { 0 };
    cr_assert(w && out);
    engine_work_observe(w, record_visit, &l);
    cr_assert_eq(engine_replicate(e, w, seed, 0, out, &d), 0, "%s", d.msg);
    qsort(l.v, l.n, sizeof *l.v, by_id_then_time);
    rep_free(out);
    engine_work_free(w);
    engine_free(e);
    scen_free(sc);
    return l;
}

/* With churn, the response and stickiness off and exponential intervals, a
 * customer's repeat visits in their first D days are Poisson(lambda D), and
 * with lambda ~ Gamma(1/cv^2, mean 1/cycle) negative binomial: mean
 * D/cycle, variance mean + mean^2 cv^2 (Ehrenberg's NBD; BG/NBD without
 * dropout).  Sample mean and variance over about 20,000 customers, each
 * within 4 standard errors (the variance's from the sample's fourth
 * central moment); rate_cv = 0 gives the Poisson variance. */
static void check_rate_spread(double cv)
{
    char ini[1024];
    snprintf(ini, sizeof ini,
             "[scenario]\nname = rates\nhorizon_days = 320\n[customer]\nmodel = satisfaction\n"
             "[channel.day0]\nprospects_per_day = 20000\nstep_conversion = 1\nstop_day = 1\n"
             "[churn]\nmean = 0\npolarisation = 0\n[response]\nenabled = false\n"
             "[stickiness]\nenabled = false\n[loyalty]\nmean = 0\n"
             "[visits]\ndistribution = exponential\ncycle_days = 30\nrate_cv = %g\n",
             cv);
    visit_log l = simulated_visits(ini, 2026);
    const double D = 300;
    double s1 = 0, s2 = 0, s3 = 0, s4 = 0;
    long n = 0;
    for (size_t i = 0; i < l.n;) {
        size_t j = i + 1;
        double repeats = 0;
        for (; j < l.n && l.v[j].id == l.v[i].id; j++)
            repeats += l.v[j].t - l.v[i].t <= D;
        double x = repeats;
        s1 += x;
        s2 += x * x;
        s3 += x * x * x;
        s4 += x * x * x * x;
        n++;
        i = j;
    }
    cr_assert(n > 15000, "only %ld customers", n);
    double mean = s1 / n, var = s2 / n - mean * mean;
    double mu4 = s4 / n - 4 * mean * s3 / n + 6 * mean * mean * s2 / n - 3 * mean * mean * mean * mean;
    double want_mean = D / 30, want_var = want_mean + want_mean * want_mean * cv * cv;
    double se_mean = sqrt(var / n), se_var = sqrt((mu4 - var * var) / n);
    cr_expect(fabs(mean - want_mean) <= 4 * se_mean, "rate_cv %g: mean repeat visits %.3f, NBD %.3f (%.1f SE)",
              cv, mean, want_mean, fabs(mean - want_mean) / se_mean);
    cr_expect(fabs(var - want_var) <= 4 * se_var, "rate_cv %g: variance %.2f, NBD %.2f (%.1f SE)", cv, var,
              want_var, fabs(var - want_var) / se_var);
    cr_log_info("rate_cv %g: mean %.3f (NBD %.3f), variance %.2f (NBD %.2f, SE %.2f)", cv, mean, want_mean, var,
                want_var, se_var);
    free(l.v);
}

Test(warmstart, rate_cv_spreads_visit_rates_as_a_gamma)
{
    check_rate_spread(0.8);
    check_rate_spread(0.0);
}

/* ---- [churn] first_purchase_factor ---- */

/* With the response, stickiness and loyalty off, the same theta for all and
 * exponential intervals of mean 20 days, a new customer comes back after
 * the first purchase with probability 1 - f theta (f the factor) and after
 * every later one with 1 - theta.  So, over about 20,000 customers
 * arriving on day 0 and followed 1,500 days (the chance of a life longer
 * than that is below 1e-8):
 *   - the share with a second purchase within 40 days is
 *     (1 - f theta)(1 - e^-2);
 *   - of those with a second purchase, the share with a third is 1 - theta
 *     (the factor leaves later visits alone);
 *   - the mean number of purchases is 1 + (1 - f theta) / theta.
 * Each within 4 standard errors; f = 0 is BG/NBD's customer, who cannot
 * leave at the first purchase, f = 1 the model's default. */
static void check_first_purchase_factor(double f)
{
    const double theta = 0.4;
    char ini[1024];
    snprintf(ini, sizeof ini,
             "[scenario]\nname = first\nhorizon_days = 1500\n[customer]\nmodel = satisfaction\n"
             "[channel.day0]\nprospects_per_day = 20000\nstep_conversion = 1\nstop_day = 1\n"
             "[churn]\nmean = %g\npolarisation = 0\nfirst_purchase_factor = %g\n[response]\nenabled = false\n"
             "[stickiness]\nenabled = false\n[loyalty]\nmean = 0\n"
             "[visits]\ndistribution = exponential\ncycle_days = 20\n",
             theta, f);
    visit_log l = simulated_visits(ini, 2027);
    long n = 0, second_soon = 0, second = 0, third = 0;
    double s1 = 0, s2 = 0;
    for (size_t i = 0; i < l.n;) {
        size_t j = i + 1;
        while (j < l.n && l.v[j].id == l.v[i].id)
            j++;
        double visits = (double)(j - i);
        n++;
        s1 += visits;
        s2 += visits * visits;
        second += j - i >= 2;
        third += j - i >= 3;
        second_soon += j - i >= 2 && l.v[i + 1].t - l.v[i].t <= 40;
        i = j;
    }
    cr_assert(n > 15000, "only %ld customers", n);
    double p_soon = (double)second_soon / n, want_soon = (1 - f * theta) * (1 - exp(-2.0));
    double se_soon = sqrt(want_soon * (1 - want_soon) / n);
    cr_expect(fabs(p_soon - want_soon) <= 4 * se_soon, "factor %g: second purchase within 40 days %.4f, want %.4f (%.1f SE)",
              f, p_soon, want_soon, fabs(p_soon - want_soon) / se_soon);
    double p_third = (double)third / (double)second, se_third = sqrt(theta * (1 - theta) / (double)second);
    cr_expect(fabs(p_third - (1 - theta)) <= 4 * se_third, "factor %g: a third purchase after a second %.4f, want %.4f (%.1f SE)",
              f, p_third, 1 - theta, fabs(p_third - (1 - theta)) / se_third);
    double mean = s1 / n, se_mean = sqrt((s2 / n - mean * mean) / n), want_mean = 1 + (1 - f * theta) / theta;
    cr_expect(fabs(mean - want_mean) <= 4 * se_mean, "factor %g: mean purchases %.4f, want %.4f (%.1f SE)", f, mean,
              want_mean, fabs(mean - want_mean) / se_mean);
    cr_log_info("first_purchase_factor %g: 2nd within 40 days %.4f (want %.4f), 3rd after 2nd %.4f (want %.4f), "
                "purchases %.4f (want %.4f)", f, p_soon, want_soon, p_third, 1 - theta, mean, want_mean);
    free(l.v);
}

Test(warmstart, first_purchase_factor_scales_the_first_churn_only)
{
    check_first_purchase_factor(0.0);
    check_first_purchase_factor(0.5);
    check_first_purchase_factor(1.0);
}
