/* The fitted statistical customer models (issue 4): the BG/NBD customer
 * with Gamma-Gamma spend ("bgnbd") and the contractual sBG subscriber
 * ("sbg"), run through the engine, must give their closed forms:
 *
 *   sBG: the share still paying after k renewals, B(alpha, beta+k)/B(alpha, beta);
 *   BG/NBD: E[X(t)], the expected repeat purchases by t after the first,
 *     (a+b-1)/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b; a+b-1; t/(alpha+t))];
 *   Gamma-Gamma: the mean value of a purchase, p gamma / (q - 1).
 *
 * As in test_closed_forms.c, tolerances are 4 standard errors with fixed
 * seeds.  The transaction log of engine_work_observe, which the fit's
 * parameter-recovery test reads, is checked against the same E[X(t)]. */
#include <criterion/criterion.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_hyperg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../models/bgnbd.h"
#include "../sim/model.h"
#include "../sim/metrics.h"
#include "util.h"

static void expect_within(double got, double se, double want, const char *what)
{
    cr_expect(se > 0, "%s: zero standard error, the check would be vacuous", what);
    cr_expect(fabs(got - want) <= 4 * se,
              "%s: simulated %.6f, closed form %.6f, |diff| = %.2f SE (SE %.2g)", what, got,
              want, fabs(got - want) / se, se);
}

/* E[X(t)] of BG/NBD (Fader, Hardie and Lee 2005, eq. 9), t in periods; a > 1. */
static double bgnbd_ex(double r, double alpha, double a, double b, double t)
{
    double x = t / (alpha + t);
    return (a + b - 1) / (a - 1)
           * (1 - pow(alpha / (alpha + t), r) * gsl_sf_hyperg_2F1(r, b, a + b - 1, x));
}

/* The same for a customer who arrived at day u ~ U(0, 1) and is followed to
 * the horizon H: the mean of E[X((H - u) / period)] over u (Simpson, 20
 * intervals: E[X] is smooth, the error is far below a standard error). */
static double bgnbd_ex_day0_cohort(double r, double alpha, double a, double b, double period,
                                   double H)
{
    const int n = 20;
    double sum = 0;
    for (int i = 0; i <= n; i++) {
        double u = (double)i / n;
        double w = (i == 0 || i == n) ? 1 : (i % 2 ? 4 : 2);
        sum += w * bgnbd_ex(r, alpha, a, b, (H - u) / period);
    }
    return sum / (3.0 * n);
}

/* Every metric of each of reps replications (reps x MET_COUNT). */
static double *per_replication(const scenario *sc, int reps, uint64_t seed)
{
    return tu_per_replication(sc, reps, seed, 1);
}

/* Mean and standard error of f(replication's metrics) over reps. */
static void rep_mean(const double *all, int reps, double (*f)(const double *m), double *mean,
                     double *se)
{
    double s = 0, s2 = 0;
    for (int r = 0; r < reps; r++) {
        double v = f(all + (size_t)r * MET_COUNT);
        s += v;
        s2 += v * v;
    }
    *mean = s / reps;
    double var = (s2 - reps * *mean * *mean) / (reps - 1);
    *se = sqrt(var > 0 ? var / reps : 0);
}

static double repeats_per_customer(const double *m)
{
    return m[MET_PURCHASES_PER_CUSTOMER] - 1.0;
}

static double bill_per_visit(const double *m)
{
    return m[MET_REVENUE] / m[MET_VISITS];
}

/* ---- sBG ---- */

#define SBG_ALPHA 0.704
#define SBG_BETA 1.182
#define SBG_PERIOD 30.4375

Test(btyd_model, sbg_retention_is_shifted_beta_geometric)
{
    /* one day of sign-ups, followed for 10 monthly renewals (the 10th at
     * day 305 at the latest, the 11th after the horizon) */
    scenario *sc = tu_scenario("[scenario]\nhorizon_days = 320\n[customer]\nmodel = sbg\n"
                               "[channel.once]\nprospects_per_day = 3000\nstep_conversion = 1\n"
                               "stop_day = 1\n"
                               "[sbg]\nalpha = 0.704\nbeta = 1.182\nperiod_days = 30.4375\n"
                               "price = 20\n");
    run_result *r = tu_run(sc, 24, 41, 2);
    double total = 1; /* expected payments per subscriber: sum of S(k), k = 0..10 */
    for (int k = 1; k <= 10; k++) {
        double mean, se;
        /* the k-th renewal is at age k x period; the one before is a period earlier */
        tu_curve(r, CUR_RETENTION, (int)floor(k * SBG_PERIOD), &mean, &se);
        double survival = exp(gsl_sf_lnbeta(SBG_ALPHA, SBG_BETA + k)
                              - gsl_sf_lnbeta(SBG_ALPHA, SBG_BETA));
        total += survival;
        char what[64];
        snprintf(what, sizeof what, "share still paying after %d renewals", k);
        expect_within(mean, se, survival, what);
    }
    double mean, se;
    tu_metric(r, MET_PURCHASES_PER_CUSTOMER, &mean, &se);
    expect_within(mean, se, total, "payments per subscriber over 10 renewals");
    /* every payment is the fee */
    double revenue, rse, visits, vse;
    tu_metric(r, MET_REVENUE, &revenue, &rse);
    tu_metric(r, MET_VISITS, &visits, &vse);
    cr_expect(fabs(revenue - 20 * visits) < 1e-9 * revenue, "revenue %.2f for %.1f payments of 20",
              revenue, visits);
    run_result_free(r);
    scen_free(sc);
}

/* ---- BG/NBD and Gamma-Gamma ---- */

#define BG_R 0.5
#define BG_ALPHA 10.0
#define BG_A 1.5
#define BG_B 3.0

Test(btyd_model, bgnbd_repeat_purchases_and_gamma_gamma_bill)
{
    /* rates per week (period_days = 7): a cohort of day 0 followed for 20 weeks */
    const double H = 140, period = 7;
    scenario *sc = tu_scenario("[scenario]\nhorizon_days = 140\n[customer]\nmodel = bgnbd\n"
                               "[channel.once]\nprospects_per_day = 4000\nstep_conversion = 1\n"
                               "stop_day = 1\n"
                               "[bgnbd]\nr = 0.5\nalpha = 10\na = 1.5\nb = 3\nperiod_days = 7\n"
                               "[gamma_gamma]\np = 6\nq = 4\ngamma = 15\n");
    const int reps = 24;
    double *all = per_replication(sc, reps, 42);
    double mean, se;
    rep_mean(all, reps, repeats_per_customer, &mean, &se);
    double want = bgnbd_ex_day0_cohort(BG_R, BG_ALPHA, BG_A, BG_B, period, H);
    expect_within(mean, se, want, "repeat purchases per customer in 20 weeks, E[X(t)]");
    /* a wrong time unit would be far off: the same in days is another number */
    double in_days = bgnbd_ex_day0_cohort(BG_R, BG_ALPHA, BG_A, BG_B, 1.0, H);
    cr_expect(fabs(mean - in_days) > 20 * se, "weeks and days cannot be told apart (%g, %g)",
              want, in_days);
    rep_mean(all, reps, bill_per_visit, &mean, &se);
    expect_within(mean, se, 6.0 * 15.0 / (4.0 - 1.0), "mean value of a purchase, p gamma/(q-1)");
    free(all);
    scen_free(sc);
}

/* ---- the transaction log ---- */

typedef struct purchase {
    uint64_t customer;
    double day;
} purchase;

typedef struct purchase_log {
    purchase *p;
    size_t n, cap;
    double bills;
} purchase_log;

static void log_purchase(void *ctx, uint64_t customer, double day, double bill, int group)
{
    (void)group;
    purchase_log *log = ctx;
    if (log->n == log->cap) {
        log->cap = log->cap ? 2 * log->cap : 4096;
        log->p = realloc(log->p, log->cap * sizeof *log->p);
        cr_assert(log->p != NULL, "out of memory");
    }
    log->p[log->n++] = (purchase){ customer, day };
    log->bills += bill;
}

static int cmp_purchase(const void *a, const void *b)
{
    const purchase *x = a, *y = b;
    if (x->customer != y->customer)
        return (x->customer > y->customer) - (x->customer < y->customer);
    return (x->day > y->day) - (x->day < y->day);
}

Test(btyd_model, observed_transaction_log_counts_purchases_per_customer)
{
    /* rates per day; one replication, everyone followed to age 80 at least */
    scenario *sc = tu_scenario("[scenario]\nhorizon_days = 90\n[customer]\nmodel = bgnbd\n"
                               "[channel.once]\nprospects_per_day = 20000\nstep_conversion = 1\n"
                               "stop_day = 1\n"
                               "[bgnbd]\nr = 2\nalpha = 10\na = 1.5\nb = 3\nperiod_days = 1\n");
    diag d = { 0 };
    engine *e = engine_prepare(sc, &d);
    cr_assert(e != NULL, "engine_prepare: %s", d.msg);
    engine_work *w = engine_work_alloc(e);
    rep_result *out = rep_alloc(engine_horizon(e));
    cr_assert(w && out, "out of memory");
    purchase_log log = { 0 };
    engine_work_observe(w, log_purchase, &log);
    cr_assert(engine_replicate(e, w, 43, 0, out, &d) == 0, "replicate: %s", d.msg);
    cr_expect(fabs((double)log.n - out->metric[MET_VISITS]) < 0.5,
              "%zu purchases logged, %g visits counted", log.n, out->metric[MET_VISITS]);
    cr_expect(fabs(log.bills - out->metric[MET_REVENUE]) < 1e-6 * log.bills,
              "logged bills %.2f, revenue %.2f", log.bills, out->metric[MET_REVENUE]);

    /* per customer: first purchase, then repeat purchases within t days */
    qsort(log.p, log.n, sizeof *log.p, cmp_purchase);
    static const double ages[] = { 5, 10, 20, 40, 80 };
    enum { NAGES = sizeof ages / sizeof ages[0] };
    double sum[NAGES] = { 0 }, sum2[NAGES] = { 0 };
    size_t customers = 0;
    for (size_t i = 0; i < log.n;) {
        size_t j = i;
        int x[NAGES] = { 0 };
        while (j < log.n && log.p[j].customer == log.p[i].customer) {
            for (int k = 0; k < NAGES; k++)
                x[k] += j > i && log.p[j].day - log.p[i].day <= ages[k];
            j++;
        }
        cr_assert(log.p[i].day < 1, "customer %zu first bought on day %g", customers,
                  log.p[i].day);
        for (int k = 0; k < NAGES; k++) {
            sum[k] += x[k];
            sum2[k] += (double)x[k] * x[k];
        }
        customers++;
        i = j;
    }
    cr_expect(fabs((double)customers - out->metric[MET_NEW_CUSTOMERS]) < 0.5,
              "%zu customers in the log, %g new customers", customers,
              out->metric[MET_NEW_CUSTOMERS]);
    for (int k = 0; k < NAGES; k++) {
        double n = (double)customers, mean = sum[k] / n;
        double se = sqrt((sum2[k] / n - mean * mean) / (n - 1));
        char what[80];
        snprintf(what, sizeof what, "logged repeat purchases within %g days, E[X(t)]", ages[k]);
        expect_within(mean, se, bgnbd_ex(2, 10, BG_A, BG_B, ages[k]), what);
    }
    free(log.p);
    rep_free(out);
    engine_work_free(w);
    engine_free(e);
    scen_free(sc);
}

/* ---- the models' own functions ---- */

Test(btyd_model, no_psychology_and_no_dropout_at_the_first_purchase)
{
    scenario *sc = tu_scenario("[channel.a]\n[customer]\nmodel = bgnbd\n"
                               "[bgnbd]\nr = 0.5\nalpha = 10\na = 1.5\nb = 3\nperiod_days = 7\n"
                               "[gamma_gamma]\np = 6\nq = 4\ngamma = 15\n");
    diag d = { 0 };
    void *p = model_bgnbd.prepare(sc, &d);
    cr_assert(p != NULL, "prepare: %s", d.msg);
    cr_expect_float_eq(model_bgnbd.mean_bill(p), 30.0, 1e-12);
    /* 1/E[lambda] = alpha/r periods of 7 days */
    cr_expect_float_eq(model_bgnbd.mean_interval(p), 10.0 / 0.5 * 7.0, 1e-12);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 44);
    for (int c = 0; c < 100; c++) {
        double state[MODEL_STATE_MAX] = { 0 };
        model_bgnbd.customer_init(p, state, rng);
        for (int n = 1; n <= 3; n++) {
            visit_ctx v = { .t = n, .purchase_no = n, .bill = 10, .cash = 10, .revenue = 10 };
            model_bgnbd.experience(p, state, &v, rng);
            /* no psychology faked: no signal for word of mouth, no visit
             * judged worth less than it cost */
            cr_expect(!v.has_signal && !v.worth_less_than_cost,
                      "psychology faked: signal %d (%g), worth less than cost %d", v.has_signal,
                      v.signal, v.worth_less_than_cost);
            if (n == 1)
                cr_expect(v.churn == 0, "dropout %g at the first purchase", v.churn);
            else
                cr_expect(v.churn > 0 && v.churn < 1 && v.churn == state[1],
                          "dropout %g after purchase %d", v.churn, n);
            double gap = model_bgnbd.draw_interval(p, state, rng);
            cr_expect(gap > 0, "interval %g", gap);
            cr_expect(model_bgnbd.draw_bill(p, state, &v, rng) > 0);
        }
    }
    model_bgnbd.release(p);
    scen_free(sc);

    sc = tu_scenario("[channel.a]\n[customer]\nmodel = sbg\n"
                     "[sbg]\nalpha = 1\nbeta = 2\nperiod_days = 365\nprice = 120\n");
    p = model_sbg.prepare(sc, &d);
    cr_assert(p != NULL, "prepare: %s", d.msg);
    cr_expect_float_eq(model_sbg.mean_bill(p), 120.0, 1e-12);
    cr_expect_float_eq(model_sbg.mean_interval(p), 365.0, 1e-12);
    double state[MODEL_STATE_MAX] = { 0 };
    model_sbg.customer_init(p, state, rng);
    visit_ctx v = { .purchase_no = 1 };
    model_sbg.experience(p, state, &v, rng);
    cr_expect(v.churn == state[0] && v.churn > 0 && v.churn < 1,
              "a subscriber may leave after the first payment: churn %g", v.churn);
    cr_expect(!v.has_signal && !v.worth_less_than_cost);
    cr_expect(model_sbg.draw_bill(p, state, &v, rng) == 120.0);
    cr_expect(model_sbg.draw_interval(p, state, rng) == 365.0);
    model_sbg.release(p);
    scen_free(sc);
    gsl_rng_free(rng);
}

/* ---- bad sections ---- */

/* INI text the loader must reject, with both fragments in the message. */
static void expect_rejected(const char *ini, const char *frag1, const char *frag2)
{
    char path[] = "/tmp/retsim-btyd-XXXXXX.ini";
    int fd = mkstemps(path, 4);
    cr_assert(fd >= 0, "cannot create a temp scenario");
    FILE *f = fdopen(fd, "w");
    fputs(ini, f);
    fclose(f);
    diag d = { 0 };
    scenario *sc = scen_load(path, NULL, 0, &d);
    unlink(path);
    cr_expect(sc == NULL, "accepted:\n%s", ini);
    scen_free(sc);
    cr_expect(d.status == DIAG_USAGE, "status %d, not a usage error: %s", d.status, d.msg);
    cr_expect(strstr(d.msg, frag1) != NULL, "message '%s' lacks '%s'", d.msg, frag1);
    if (frag2)
        cr_expect(strstr(d.msg, frag2) != NULL, "message '%s' lacks '%s'", d.msg, frag2);
}

/* INI text that loads but the engine must refuse, with the fragment. */
static void expect_engine_refuses(const char *ini, const char *frag)
{
    scenario *sc = tu_scenario(ini);
    diag d = { 0 };
    engine *e = engine_prepare(sc, &d);
    cr_expect(e == NULL, "engine accepted:\n%s", ini);
    engine_free(e);
    cr_expect(d.status == DIAG_USAGE, "status %d, not a usage error: %s", d.status, d.msg);
    cr_expect(strstr(d.msg, frag) != NULL, "message '%s' lacks '%s'", d.msg, frag);
    scen_free(sc);
}

Test(btyd_model, rejects_bad_sections)
{
    /* an infinite mean bill */
    expect_rejected("[channel.a]\n[customer]\nmodel = bgnbd\n[gamma_gamma]\nq = 1\n",
                    "[gamma_gamma] q = 1", "infinite");
    expect_rejected("[channel.a]\n[customer]\nmodel = bgnbd\n[gamma_gamma]\nq = 0.6\n",
                    "[gamma_gamma] q", "q must be above 1");
    /* out of range */
    expect_rejected("[channel.a]\n[customer]\nmodel = bgnbd\n[bgnbd]\nr = 0\n", "[bgnbd] r",
                    "out of range");
    expect_rejected("[channel.a]\n[customer]\nmodel = bgnbd\n[bgnbd]\nalpha = -1\n",
                    "[bgnbd] alpha", "out of range");
    expect_rejected("[channel.a]\n[customer]\nmodel = bgnbd\n[bgnbd]\nb = 0\n", "[bgnbd] b",
                    "out of range");
    expect_rejected("[channel.a]\n[customer]\nmodel = bgnbd\n[bgnbd]\nperiod_days = 0\n",
                    "[bgnbd] period_days", "out of range");
    expect_rejected("[channel.a]\n[customer]\nmodel = bgnbd\n[gamma_gamma]\ngamma = 0\n",
                    "[gamma_gamma] gamma", "out of range");
    expect_rejected("[channel.a]\n[customer]\nmodel = sbg\n[sbg]\nalpha = 0\n", "[sbg] alpha",
                    "out of range");
    expect_rejected("[channel.a]\n[customer]\nmodel = sbg\n[sbg]\nprice = 0\n", "[sbg] price",
                    "out of range");
    expect_rejected("[channel.a]\n[customer]\nmodel = sbg\n[sbg]\nperiod_days = -30\n",
                    "[sbg] period_days", "out of range");
    expect_rejected("[channel.a]\n[customer]\nmodel = bgnbd\n[bgnbd]\nlambda = 1\n",
                    "unknown key 'lambda'", NULL);
    expect_rejected("[channel.a]\n[customer]\nmodel = nbd\n", "nbd", NULL);
    /* a section of another customer model */
    expect_engine_refuses("[channel.a]\n[customer]\nmodel = bgnbd\n[churn]\nmean = 0.3\n",
                          "[churn] belongs to the satisfaction customer model");
    expect_engine_refuses("[channel.a]\n[customer]\nmodel = bgnbd\n[spend]\nmean = 50\n",
                          "[spend] belongs to the satisfaction customer model");
    expect_engine_refuses("[channel.a]\n[customer]\nmodel = sbg\n[gamma_gamma]\nq = 3\n",
                          "[gamma_gamma] belongs to the bgnbd customer model");
    expect_engine_refuses("[channel.a]\n[customer]\nmodel = bgnbd\n[sbg]\nprice = 10\n",
                          "[sbg] belongs to the sbg customer model");
    expect_engine_refuses("[channel.a]\n[bgnbd]\nr = 1\n",
                          "[bgnbd] belongs to the bgnbd customer model");
}
