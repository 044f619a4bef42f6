/* [measured_effect] (models/promo_measured_effect.c): a pilot's measured
 * ratios move the levers of a BG/NBD customer as the closed forms say.
 *
 *   new customers  a cohort of day 0 followed 140 days; with lambda ~
 *                  Gamma(r, alpha), p ~ Beta(a, b), rate ratio kr and dropout
 *                  ratio kd the expected repeat purchases by t periods are
 *                    E[X(t)] = E_p[ (1 - (alpha / (alpha + kr p' t))^r) / p' ],
 *                  p' = 1 - (1 - p)^kd (kd scales the dropout hazard,
 *                  as fit/pilot_model.c's lever does): the BG/NBD derivation (Fader, Hardie and
 *                  Lee 2005, eq. 7's integrand) with lambda kr and p'; the
 *                  expectation over p by quadrature (GSL QAGS).
 *   existing ones  a BG/NBD customer's future purchases depend on lambda only
 *                  through lambda t, so with rate ratio k the expected
 *                  purchases in t are the closed-form conditional expectation
 *                  at k t (fit/btyd.h).
 *   spend          the mean bill times the spend ratio.
 *   cost           exactly c x visits per use; per customer-month, one touch
 *                  a month from day 0 for every existing customer.
 *   ratio 1        changes nothing, bit for bit. */
#include <criterion/criterion.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../fit/btyd.h"
#include "../sim/basefile.h"
#include "util.h"

#define WEEK 7.0

static void mean_se_of(const double *all, int reps, int m, double *mean, double *se)
{
    double s = 0, s2 = 0;
    for (int r = 0; r < reps; r++) {
        double v = all[(size_t)r * MET_COUNT + m];
        s += v;
        s2 += v * v;
    }
    *mean = s / reps;
    *se = sqrt((s2 - reps * *mean * *mean) / (reps - 1) / reps);
}

static void expect_within(double got, double se, double want, const char *what)
{
    cr_expect(se > 0, "%s: zero standard error, the check would be vacuous", what);
    cr_expect(fabs(got - want) <= 4 * se, "%s: simulated %.5f, closed form %.5f, %.2f SE (SE %.3g)", what,
              got, want, fabs(got - want) / se, se);
    cr_log_info("%s: simulated %.5f, closed form %.5f, z = %+.2f", what, got, want, (got - want) / se);
}

typedef struct ex_par {
    double r, alpha, a, b, kr, kd, t;
} ex_par;

static double ex_integrand(double p, void *vp)
{
    const ex_par *q = vp;
    double pp = 1 - pow(1 - p, q->kd);
    double inner = pp > 0 ? (1 - pow(q->alpha / (q->alpha + q->kr * pp * q->t), q->r)) / pp
                          : q->kr * q->t * q->r / q->alpha;
    return gsl_ran_beta_pdf(p, q->a, q->b) * inner;
}

static double expected_repeats(ex_par q)
{
    gsl_integration_workspace *w = gsl_integration_workspace_alloc(1000);
    gsl_function F = { ex_integrand, &q };
    double res = NAN, err;
    cr_assert_eq(gsl_integration_qags(&F, 0, 1, 0, 1e-10, 1000, w, &res, &err), 0);
    gsl_integration_workspace_free(w);
    return res;
}

/* E[X] over arrival days u ~ U(0, 1) of the day-0 cohort, t = (H - u) / 7
 * (Simpson, 20 intervals) */
static double cohort_expected(ex_par q, double H)
{
    const int n = 20;
    double sum = 0;
    for (int i = 0; i <= n; i++) {
        double u = (double)i / n, w = (i == 0 || i == n) ? 1 : (i % 2 ? 4 : 2);
        q.t = (H - u) / WEEK;
        sum += w * expected_repeats(q);
    }
    return sum / (3.0 * n);
}

#define COHORT "[scenario]\nhorizon_days = 140\n[customer]\nmodel = bgnbd\n" \
               "[channel.once]\nprospects_per_day = 4000\nstep_conversion = 1\nstop_day = 1\n" \
               "[bgnbd]\nr = 0.5\nalpha = 10\na = 1.5\nb = 3\nperiod_days = 7\n" \
               "[gamma_gamma]\np = 6\nq = 4\ngamma = 15\n"

Test(measured_effect, new_customers_rate_dropout_and_spend_match_the_closed_forms, .timeout = 300)
{
    const struct { double kr, kd, ks; } cases[] = {
        { 1, 1, 1 }, { 1.3, 1, 1 }, { 1, 0.6, 1 }, { 1, 1.5, 1 }, { 0.8, 0.7, 1.2 },
    };
    const int reps = 24;
    int checked = 0;
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        char ini[1024];
        snprintf(ini, sizeof ini, COHORT "[measured_effect]\nrate_ratio = %g\ndropout_ratio = %g\n"
                                         "spend_ratio = %g\n",
                 cases[k].kr, cases[k].kd, cases[k].ks);
        scenario *sc = tu_scenario(ini);
        double *all = tu_per_replication(sc, reps, 71 + k, 1);
        double s = 0, s2 = 0, b = 0, b2 = 0;
        for (int r = 0; r < reps; r++) {
            const double *m = all + (size_t)r * MET_COUNT;
            double x = m[MET_PURCHASES_PER_CUSTOMER] - 1, bill = m[MET_REVENUE] / m[MET_VISITS];
            s += x;
            s2 += x * x;
            b += bill;
            b2 += bill * bill;
        }
        double mean = s / reps, se = sqrt((s2 - reps * mean * mean) / (reps - 1) / reps);
        double bm = b / reps, bse = sqrt((b2 - reps * bm * bm) / (reps - 1) / reps);
        ex_par q = { 0.5, 10, 1.5, 3, cases[k].kr, cases[k].kd, 0 };
        double want = cohort_expected(q, 140);
        char what[160];
        snprintf(what, sizeof what, "rate x %g, dropout x %g: repeat purchases per customer in 140 days",
                 cases[k].kr, cases[k].kd);
        expect_within(mean, se, want, what);
        if (cases[k].kr != 1 || cases[k].kd != 1) {
            /* the lever moved purchases: the unchanged closed form is far off */
            ex_par q1 = { 0.5, 10, 1.5, 3, 1, 1, 0 };
            double none = cohort_expected(q1, 140);
            cr_expect(fabs(mean - none) > 8 * se, "%s: %.4f is not told apart from no effect %.4f (SE %.3g)",
                      what, mean, none, se);
        }
        snprintf(what, sizeof what, "spend x %g: mean bill", cases[k].ks);
        expect_within(bm, bse, 6.0 * 15.0 / 3.0 * cases[k].ks, what);
        checked++;
        free(all);
        scen_free(sc);
    }
    cr_expect_eq(checked, 5);
}

/* A rate ratio c from a pilot's start day S on (share 1: every customer
 * treated), dropout and spend unchanged: the visit each customer has
 * booked before S must be rescaled too (sim/engine.c, pilot_opens: the
 * remaining wait divided by c), or a ratio below 1 would act only from the
 * next visit.  Closed form: BG/NBD's purchases depend on the clock only
 * through lambda t, and the wait pending at S is Exp(lambda) again
 * (memorylessness), so c lambda over (S, H] is lambda over a span c (H - S)
 * on the customer's own clock (the purchase sequence, and with it the
 * dropouts, unchanged): a customer arriving at u makes E[X(S - u + c (H -
 * S))] repeat purchases by H (Fader, Hardie and Lee 2005, eq. 7's
 * integrand, by quadrature over p), and E[X(S - u)] of them before S. */
#define PILOT_COHORT "[scenario]\nhorizon_days = 140\n[customer]\nmodel = bgnbd\n" \
                     "[channel.once]\nprospects_per_day = 4000\nstep_conversion = 1\nstop_day = 1\n" \
                     "[bgnbd]\nr = 1\nalpha = 2\na = 1.5\nb = 6\nperiod_days = 7\n" \
                     "[gamma_gamma]\np = 6\nq = 4\ngamma = 15\n[pilot]\nshare = 1\nstart_day = 56\n"

static double pilot_cohort_expected(double c, double S, double H, int before_only)
{
    const int n = 20;
    ex_par q = { 1, 2, 1.5, 6, 1, 1, 0 };
    double sum = 0;
    for (int i = 0; i <= n; i++) {
        double u = (double)i / n, w = (i == 0 || i == n) ? 1 : (i % 2 ? 4 : 2);
        q.t = (S - u + (before_only ? 0 : c * (H - S))) / WEEK;
        sum += w * expected_repeats(q);
    }
    return sum / (3.0 * n);
}

Test(measured_effect, a_pilots_rate_ratio_moves_the_visit_booked_before_the_start, .timeout = 300)
{
    const double ratios[] = { 0.6, 1.5 };
    const int reps = 24;
    int checked = 0;
    for (size_t k = 0; k < sizeof ratios / sizeof *ratios; k++) {
        char ini[1024];
        snprintf(ini, sizeof ini, PILOT_COHORT "[measured_effect]\nrate_ratio = %g\n", ratios[k]);
        scenario *sc = tu_scenario(ini);
        double *all = tu_per_replication(sc, reps, 310 + k, 1);
        double s = 0, s2 = 0;
        for (int r = 0; r < reps; r++) {
            double x = all[(size_t)r * MET_COUNT + MET_PURCHASES_PER_CUSTOMER] - 1;
            s += x;
            s2 += x * x;
        }
        /* the purchases before the start are the closed form's E[X(S - u)]
         * on average; what the check is about is the part after it */
        double before = pilot_cohort_expected(ratios[k], 56, 140, 1);
        double mean = s / reps - before, se = sqrt((s2 - reps * (s / reps) * (s / reps)) / (reps - 1) / reps);
        double want = pilot_cohort_expected(ratios[k], 56, 140, 0) - before;
        char what[160];
        snprintf(what, sizeof what, "pilot from day 56, rate x %g: purchases per customer after the start",
                 ratios[k]);
        expect_within(mean, se, want, what);
        double none = pilot_cohort_expected(1, 56, 140, 0) - before;
        cr_expect(fabs(mean - none) > 8 * se, "%s: %.4f is not told apart from no effect %.4f (SE %.3g)", what,
                  mean, none, se);
        checked++;
        free(all);
        scen_free(sc);
    }
    cr_expect_eq(checked, 2);
}

/* a small fitted base of existing customers in a temporary folder */
typedef struct hist {
    int x;
    double t_x, T, zbar;
} hist;

static void write_base(const char *dir, const hist *h, int n, const char *extra)
{
    char path[512];
    snprintf(path, sizeof path, "%s/customers_base.csv", dir);
    FILE *o = fopen(path, "w");
    cr_assert(o);
    fprintf(o, "customer,%s,%s,%s,%s\n", BASE_COL_X, BASE_COL_TX, BASE_COL_T, BASE_COL_ZBAR);
    for (int i = 0; i < n; i++)
        fprintf(o, "%d,%d,%.10g,%.10g,%.10g\n", i + 1, h[i].x, h[i].t_x, h[i].T, h[i].zbar);
    fclose(o);
    snprintf(path, sizeof path, "%s/fitted.ini", dir);
    o = fopen(path, "w");
    cr_assert(o);
    fprintf(o, "[scenario]\nname = base\nhorizon_days = 182\n\n[base]\ncustomers = customers_base.csv\n"
               "as_of = 2024-01-01\ncount = %d\n\n[customer]\nmodel = bgnbd\n\n"
               "[bgnbd]\nr = 0.5\nalpha = 10\na = 1.5\nb = 3\nperiod_days = 7\n"
               "[gamma_gamma]\np = 6\nq = 4\ngamma = 15\n%s",
            n, extra ? extra : "");
    fclose(o);
}

static int make_histories(hist *h, int n)
{
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, 5);
    for (int i = 0; i < n; i++) {
        h[i].T = 30 + floor(gsl_rng_uniform(g) * 300);
        h[i].x = (int)gsl_ran_poisson(g, h[i].T / 40);
        h[i].t_x = h[i].x > 0 ? floor(gsl_rng_uniform(g) * h[i].T) : 0;
        h[i].zbar = h[i].x > 0 ? 20 + gsl_rng_uniform(g) * 20 : 0;
    }
    gsl_rng_free(g);
    return n;
}

static scenario *base_scenario(const char *dir, const hist *h, int n, const char *extra)
{
    write_base(dir, h, n, extra);
    char path[600];
    snprintf(path, sizeof path, "%s/fitted.ini", dir);
    return tu_load(path);
}

Test(measured_effect, existing_customers_buy_at_the_ratio_times_their_rate, .timeout = 300)
{
    enum { N = 1500 };
    static hist h[N];
    make_histories(h, N);
    char dir[] = "/tmp/retsim-measured-XXXXXX";
    cr_assert(mkdtemp(dir));
    bgnbd_fit f = { .r = 0.5, .alpha = 10, .a = 1.5, .b = 3 };
    const double ks[] = { 1.0, 1.4, 0.7 };
    const int reps = 40;
    for (int k = 0; k < 3; k++) {
        char extra[128];
        snprintf(extra, sizeof extra, "[measured_effect]\nrate_ratio = %g\n", ks[k]);
        scenario *sc = base_scenario(dir, h, N, extra);
        double *all = tu_per_replication(sc, reps, 900 + k, 0);
        double mean, se;
        mean_se_of(all, reps, MET_BASE_PURCHASES, &mean, &se);
        double want = 0, none = 0;
        for (int i = 0; i < N; i++) {
            want += bgnbd_expected_conditional(&f, h[i].x, h[i].t_x / WEEK, h[i].T / WEEK, ks[k] * 182 / WEEK);
            none += bgnbd_expected_conditional(&f, h[i].x, h[i].t_x / WEEK, h[i].T / WEEK, 182 / WEEK);
        }
        char what[128];
        snprintf(what, sizeof what, "rate x %g: purchases of %d existing customers in 182 days", ks[k], N);
        expect_within(mean, se, want, what);
        if (ks[k] != 1)
            cr_expect(fabs(mean - none) > 8 * se, "%s: not told apart from no effect", what);
        free(all);
        scen_free(sc);
    }
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    tu_system(cmd);
}

Test(measured_effect, ratio_one_changes_nothing_bit_for_bit, .timeout = 300)
{
    tu_calendar = 1;  /* the cohort without the module would run customer by customer (tests/util.h) */
    scenario *a = tu_scenario(COHORT);
    scenario *b = tu_scenario(COHORT "[measured_effect]\nrate_ratio = 1\ndropout_ratio = 1\nspend_ratio = 1\n");
    run_result *x = tu_run(a, 8, 3, 2), *y = tu_run(b, 8, 3, 2);
    cr_expect(tu_same_result_but(x, y, -1), "a measured effect of ratio 1 changed the cohort's results");
    run_result_free(x);
    run_result_free(y);
    scen_free(a);
    scen_free(b);
    /* on a fitted base too */
    enum { N = 300 };
    static hist h[N];
    make_histories(h, N);
    char dir[] = "/tmp/retsim-measured-XXXXXX";
    cr_assert(mkdtemp(dir));
    a = base_scenario(dir, h, N, NULL);
    x = tu_run(a, 6, 4, 2);
    b = base_scenario(dir, h, N, "[measured_effect]\nrate_ratio = 1\n");
    y = tu_run(b, 6, 4, 2);
    cr_expect(tu_same_result_but(x, y, -1), "a measured effect of ratio 1 changed the base's results");
    /* and a ratio other than 1 does change them: the comparison can fail */
    scenario *c = base_scenario(dir, h, N, "[measured_effect]\nrate_ratio = 1.2\n");
    run_result *z = tu_run(c, 6, 4, 2);
    cr_expect(!tu_same_result_but(x, z, -1), "rate x 1.2 left the results unchanged");
    run_result_free(x);
    run_result_free(y);
    run_result_free(z);
    scen_free(a);
    scen_free(b);
    scen_free(c);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    tu_system(cmd);
}

Test(measured_effect, costs_are_exact, .timeout = 300)
{
    enum { N = 200 };
    static hist h[N];
    make_histories(h, N);
    char dir[] = "/tmp/retsim-measured-XXXXXX";
    cr_assert(mkdtemp(dir));
    scenario *a = base_scenario(dir, h, N, NULL);
    double *none = tu_per_replication(a, 4, 11, 0);
    scenario *b = base_scenario(dir, h, N, "[measured_effect]\ncost_per_use = 2.5\n");
    double *use = tu_per_replication(b, 4, 11, 0);
    scenario *c = base_scenario(dir, h, N, "[measured_effect]\ncost_per_customer_month = 0.75\n");
    double *month = tu_per_replication(c, 4, 11, 0);
    /* 182 days: events on days 0, 30.44, ..., 152.2: six a customer */
    double months = ceil(182 / (365.25 / 12));
    for (int r = 0; r < 4; r++) {
        const double *m0 = none + (size_t)r * MET_COUNT, *m1 = use + (size_t)r * MET_COUNT,
                     *m2 = month + (size_t)r * MET_COUNT;
        cr_expect(m0[MET_VISITS] > 0);
        cr_expect_eq(m1[MET_VISITS], m0[MET_VISITS], "a cost per use changed the visits");
        cr_expect(fabs(m0[MET_PROFIT] - m1[MET_PROFIT] - 2.5 * m0[MET_VISITS]) < 1e-6 * fabs(m0[MET_PROFIT]),
                  "cost per use: profit %.4f against %.4f - 2.5 x %.0f visits", m1[MET_PROFIT], m0[MET_PROFIT],
                  m0[MET_VISITS]);
        cr_expect(fabs(m2[MET_TOUCH_COST] - m0[MET_TOUCH_COST] - 0.75 * months * N) < 1e-6,
                  "cost per customer-month: touch cost %.4f, expected %.4f", m2[MET_TOUCH_COST] - m0[MET_TOUCH_COST],
                  0.75 * months * N);
        cr_expect(fabs(m0[MET_PROFIT] - m2[MET_PROFIT] - 0.75 * months * N) < 1e-6 * fabs(m0[MET_PROFIT]) + 1e-6,
                  "cost per customer-month: profit");
    }
    free(none);
    free(use);
    free(month);
    scen_free(a);
    scen_free(b);
    scen_free(c);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    tu_system(cmd);
}

Test(measured_effect, uncertain_ratios_are_accepted_and_bad_ones_refused)
{
    scenario *sc = tu_scenario(COHORT "[measured_effect]\nrate_ratio = lognormal(0.1, 0.05)\n");
    cr_expect(scen_uncertain_count(sc) == 1, "lognormal rate_ratio is not an uncertain key");
    scen_free(sc);
    const char *bad[] = { "rate_ratio = 0\n", "spend_ratio = -1\n", "dropout_ratio = abc\n", "cost_per_use = -2\n" };
    for (int i = 0; i < 4; i++) {
        char path[] = "/tmp/retsim-me-bad-XXXXXX.ini";
        int fd = mkstemps(path, 4);
        cr_assert(fd >= 0);
        FILE *f = fdopen(fd, "w");
        fprintf(f, COHORT "[measured_effect]\n%s", bad[i]);
        fclose(f);
        diag d = { 0 };
        scenario *s = scen_load(path, NULL, 0, &d);
        cr_expect(!s && d.status == DIAG_USAGE, "'%s' was not refused as a usage error", bad[i]);
        cr_expect(strstr(d.msg, "measured_effect") != NULL, "the message does not name the section: %s", d.msg);
        scen_free(s);
        unlink(path);
    }
}
