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
static void compare(const char *forward_churn, double mean[CALIB_GROUPS + 1], double se[CALIB_GROUPS + 1],
                    long customers[CALIB_GROUPS])
{
    char path[128];
    snprintf(path, sizeof path, "%s/truth.ini", dir);
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fputs(truth_ini, f);
    fclose(f);
    diag d = { 0 };
    scenario *tsc = scen_load(path, NULL, 0, &d);
    cr_assert(tsc, "%s", d.msg);
    engine *truth = engine_prepare(tsc, &d);
    cr_assert(truth, "%s", d.msg);
    /* the forward run: the same scenario from [base] over the holdout, no
     * new customers (the base itself is given per log below) */
    const char *sets[] = { "scenario.horizon_days=180", "base.customers=(the log)", "base.as_of=2024-08-27",
                           "channel.walk_in.prospects_per_day=0", forward_churn };
    scenario *fsc = scen_load(path, sets, forward_churn ? 5 : 4, &d);
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

Test(warmstart, holdout_by_frequency_group_matches_the_world_continued, .init = make_dir, .fini = remove_dir,
     .timeout = 600)
{
    double mean[CALIB_GROUPS + 1], se[CALIB_GROUPS + 1];
    long customers[CALIB_GROUPS];
    compare(NULL, mean, se, customers);
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

Test(warmstart, a_wrong_forward_churn_is_detected, .init = make_dir, .fini = remove_dir, .timeout = 600)
{
    double mean[CALIB_GROUPS + 1], se[CALIB_GROUPS + 1];
    long customers[CALIB_GROUPS];
    compare("churn.mean=0.3", mean, se, customers);
    double worst = 0;
    for (int g = 0; g <= CALIB_GROUPS; g++)
        if (se[g] > 0)
            worst = fmax(worst, fabs(mean[g]) / se[g]);
    cr_log_info("churn 0.3 forward: largest |z| %.2f", worst);
    cr_expect(worst > 4, "a forward run with churn 0.3 instead of 0.5 went unnoticed (largest |z| %.2f)", worst);
}
