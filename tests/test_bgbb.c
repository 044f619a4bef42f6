/* BG/BB (Fader, Hardie and Shang 2010) and the posterior start of an
 * existing customer (customer_from_history) for BG/BB and BG/NBD:
 *
 *   the fit (fit/bgbb.c): the likelihood by hand, the published fit to the
 *   donations table, P(alive) and the conditional expectation against a
 *   brute-force sum over the latent death opportunity and against
 *   simulation of the model's own story, parameter recovery from data the
 *   bgbb customer model simulates, the table reader's errors;
 *   the customer model (models/bgbb.c) through the engine: E[X(n)];
 *   customer_from_history of bgbb and bgnbd: the share drawn alive is
 *   P(alive), and each drawn customer run forward through the model's own
 *   hooks buys the closed-form conditional expectation;
 *   cov_log of the BG/NBD and Gamma-Gamma fits (fit/btyd.h).
 *
 * Tolerances against simulation are 4 standard errors with fixed seeds, as
 * in test_btyd.c.  The donations table is read from ../shared/data (or
 * RETSIM_SHARED_DATA); when it is missing that test is SKIPPED, loudly,
 * naming the file: it never passes without having run. */
#include <criterion/criterion.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sf_gamma.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../fit/bgbb.h"
#include "../fit/btyd.h"
#include "../models/bgbb.h"
#include "../sim/metrics.h"
#include "../sim/model.h"
#include "util.h"

static void setup(void)
{
    gsl_set_error_handler_off();
}

TestSuite(bgbb, .init = setup);

/* the donations fit of FHS (2010) */
#define D_ALPHA 1.204
#define D_BETA 0.750
#define D_GAMMA 0.657
#define D_DELTA 2.783

static const char *data_dir(void)
{
    const char *d = getenv("RETSIM_SHARED_DATA");
    return d && *d ? d : "../shared/data";
}

static gsl_rng *rng(unsigned long seed)
{
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    cr_assert(g != NULL);
    gsl_rng_set(g, seed);
    return g;
}

static void expect_within_se(double got, double se, double want, const char *what)
{
    cr_expect(se > 0 && isfinite(se), "%s: standard error %g, the check would be vacuous", what,
              se);
    double z = (got - want) / se;
    cr_expect(fabs(z) <= 4, "%s: got %.6g, want %.6g, z = %.2f (SE %.3g)", what, got, want, z, se);
    printf("bgbb: %s: %.5g against %.5g, z = %+.2f\n", what, got, want, z);
}

static void expect_recovered(double est, double se, double truth, const char *what)
{
    expect_within_se(est, se, truth, what);
    cr_expect(se / truth < 0.3, "%s: relative standard error %.2f, too large to test anything",
              what, se / truth);
}

typedef struct stat1 {
    double n, s, s2;
} stat1;

static void stat_add(stat1 *s, double v)
{
    s->n += 1;
    s->s += v;
    s->s2 += v * v;
}

static double stat_mean(const stat1 *s)
{
    return s->s / s->n;
}

static double stat_se(const stat1 *s)
{
    double m = stat_mean(s), var = (s->s2 - s->n * m * m) / (s->n - 1);
    return sqrt(var > 0 ? var / s->n : 0);
}

/* ---------------------------------------------------------------- */
/* Brute force: every term with its own lnbeta, and the latent death  */
/* opportunity summed over explicitly                                 */

static double lnB(double a, double b)
{
    return gsl_sf_lnbeta(a, b);
}

/* P(history, death at the start of opportunity tau) / C, tau = 1, 2, ...,
 * and tau = 0 for "alive after n"; C the number of purchase sequences with
 * that (x, t_x), common to every branch */
static double branch(const bgbb_fit *f, int x, int t_x, int n, int tau)
{
    double l0 = lnB(f->alpha, f->beta) + lnB(f->gamma, f->delta);
    if (tau == 0)
        return exp(lnB(f->alpha + x, f->beta + n - x) + lnB(f->gamma, f->delta + n) - l0);
    /* alive at opportunities 1 .. tau-1, which must reach t_x, and dead before n+1 */
    if (tau - 1 < t_x || tau > n)
        return 0;
    return exp(lnB(f->alpha + x, f->beta + tau - 1 - x) + lnB(f->gamma + 1, f->delta + tau - 1)
               - l0);
}

/* P(alive after n) and E[purchases at n+1 .. n+m], by the branches: given
 * alive after n, the customer dies at the start of n+j with probability
 * E[(1-theta)^(j-1) theta] under theta ~ Beta(gamma, delta+n), and buys at
 * each opportunity alive with E[p] = (alpha+x)/(alpha+beta+n) */
static void brute(const bgbb_fit *f, int x, int t_x, int n, int m, double *p_alive, double *ey)
{
    double total = 0;
    for (int tau = 0; tau <= n; tau++)
        total += branch(f, x, t_x, n, tau);
    *p_alive = branch(f, x, t_x, n, 0) / total;
    double Ep = (f->alpha + x) / (f->alpha + f->beta + n), lB = lnB(f->gamma, f->delta + n);
    double e = 0, surv = 1;   /* surv: P(alive at the start of n+j | alive after n) */
    for (int j = 1; j <= m; j++) {
        double die = exp(lnB(f->gamma + 1, f->delta + n + j - 1) - lB);
        surv -= die;
        e += surv * Ep;
    }
    *ey = *p_alive * e;
}

Test(bgbb, loglik_by_hand)
{
    const bgbb_fit f = { .alpha = D_ALPHA, .beta = D_BETA, .gamma = D_GAMMA, .delta = D_DELTA };
    const int h[][3] = { { 0, 0, 6 }, { 1, 1, 6 }, { 3, 4, 6 }, { 6, 6, 6 }, { 2, 3, 40 }, { 0, 0, 0 } };
    for (int i = 0; i < 6; i++) {
        double sum = 0;
        for (int tau = 0; tau <= h[i][2]; tau++)
            sum += branch(&f, h[i][0], h[i][1], h[i][2], tau);
        double ll = bgbb_loglik_one(D_ALPHA, D_BETA, D_GAMMA, D_DELTA, h[i][0], h[i][1], h[i][2]);
        cr_expect(fabs(ll - log(sum)) < 1e-12 * fmax(1, fabs(ll)), "(%d, %d, %d): %.15g, by hand %.15g",
                  h[i][0], h[i][1], h[i][2], ll, log(sum));
    }
    /* (0, 0, 6): never bought again; alive with (1-p)^6 (1-theta)^6, or dead
     * at 1..6 with (1-p)^(tau-1) */
    cr_expect(isnan(bgbb_loglik_one(1, 1, 1, 1, 2, 1, 6)), "x > t_x accepted");
    cr_expect(isnan(bgbb_loglik_one(1, 1, 1, 1, 0, 2, 6)), "x = 0 < t_x accepted");
    cr_expect(isnan(bgbb_loglik_one(1, 1, 1, 1, 1, 7, 6)), "t_x > n accepted");
}

Test(bgbb, p_alive_and_conditional_expectation_against_brute_force)
{
    const double par[][4] = { { D_ALPHA, D_BETA, D_GAMMA, D_DELTA },
                              { 0.5, 3, 1, 4 },        /* gamma = 1: the paper's 0/0 */
                              { 4, 1, 2.5, 0.7 } };
    const int h[][3] = { { 0, 0, 6 }, { 1, 1, 6 }, { 1, 5, 6 }, { 3, 4, 6 }, { 6, 6, 6 },
                         { 2, 3, 25 }, { 10, 18, 20 }, { 0, 0, 1 } };
    const int ms[] = { 1, 5, 30 };
    for (int k = 0; k < 3; k++) {
        bgbb_fit f = { .alpha = par[k][0], .beta = par[k][1], .gamma = par[k][2], .delta = par[k][3] };
        for (int i = 0; i < 8; i++)
            for (int j = 0; j < 3; j++) {
                double pa, ey;
                brute(&f, h[i][0], h[i][1], h[i][2], ms[j], &pa, &ey);
                double got_pa = bgbb_p_alive(&f, h[i][0], h[i][1], h[i][2]);
                double got_ey = bgbb_expected_conditional(&f, h[i][0], h[i][1], h[i][2], ms[j]);
                cr_expect(fabs(got_pa - pa) < 1e-12, "par %d, (%d, %d, %d): P(alive) %.15g, brute %.15g",
                          k, h[i][0], h[i][1], h[i][2], got_pa, pa);
                cr_expect(fabs(got_ey - ey) < 1e-10 * fmax(ey, 1e-3),
                          "par %d, (%d, %d, %d), n* = %d: E %.15g, brute %.15g", k, h[i][0], h[i][1],
                          h[i][2], ms[j], got_ey, ey);
            }
        /* E[X(n)] is the conditional expectation of a customer just arrived */
        for (int n = 1; n <= 40; n += 13) {
            double want = bgbb_expected_conditional(&f, 0, 0, 0, n);
            cr_expect(fabs(bgbb_expected_unconditional(&f, n) - want) < 1e-12 * want,
                      "E[X(%d)] %.15g against E[Y | 0, 0, 0] %.15g", n,
                      bgbb_expected_unconditional(&f, n), want);
        }
        /* the closed form of FHS (2010) where gamma != 1, and beyond
         * the direct sum's range */
        if (f.gamma != 1)
            for (int n = 5; n <= 5000000; n *= 10) {
                double D = f.delta;
                double lnR = gsl_sf_lngamma(f.gamma + D) - gsl_sf_lngamma(1 + D)
                             + gsl_sf_lngamma(1 + D + n) - gsl_sf_lngamma(f.gamma + D + n);
                double want = f.alpha / (f.alpha + f.beta) * D / (f.gamma - 1) * -expm1(lnR);
                double got = bgbb_expected_unconditional(&f, n);
                cr_expect(fabs(got - want) < 1e-8 * want, "E[X(%d)] %.12g, closed form %.12g", n, got, want);
            }
    }
    /* the paper's P(alive at n+1) is ours times (delta+n)/(gamma+delta+n) */
    bgbb_fit f = { .alpha = D_ALPHA, .beta = D_BETA, .gamma = D_GAMMA, .delta = D_DELTA };
    double pa, ey;
    brute(&f, 3, 4, 6, 1, &pa, &ey);
    double next = 0, total = 0;
    for (int tau = 0; tau <= 6; tau++)
        total += branch(&f, 3, 4, 6, tau);
    next = branch(&f, 3, 4, 6, 0) * exp(lnB(f.gamma, f.delta + 7) - lnB(f.gamma, f.delta + 6)) / total;
    cr_expect(fabs(bgbb_p_alive(&f, 3, 4, 6) * (f.delta + 6) / (f.gamma + f.delta + 6) - next) < 1e-12);
}

/* ---------------------------------------------------------------- */
/* The published fit                                                  */

Test(bgbb, donations_reproduces_the_paper)
{
    char path[512];
    snprintf(path, sizeof path, "%s/donations.csv", data_dir());
    if (access(path, R_OK) != 0) {
        fprintf(stderr,
                "bgbb: SKIPPED donations_reproduces_the_paper: %s not found; the published BG/BB "
                "fit is NOT checked (put the validation data in ../shared/data beside the clone, "
                "or set RETSIM_SHARED_DATA)\n",
                path);
        cr_skip_test("%s not found: the published BG/BB fit (FHS 2010) is NOT checked", path);
    }
    bgbb_row *rows;
    int n;
    diag d = { 0 };
    cr_assert_eq(bgbb_read_table(path, &rows, &n, &d), DIAG_OK, "%s", d.msg);
    cr_expect_eq(n, 22, "%d lines", n);
    bgbb_fit f;
    int st = bgbb_fit_run(rows, n, &f, &d);
    cr_assert_eq(st, DIAG_OK, "fit failed: %s", d.msg);
    printf("bgbb: donations (%d donors, %d starts): alpha = %.4f (%.4f), beta = %.4f (%.4f), "
           "gamma = %.4f (%.4f), delta = %.4f (%.4f), log-likelihood %.3f\n",
           f.n_customers, f.starts, f.alpha, f.se[0], f.beta, f.se[1], f.gamma, f.se[2], f.delta,
           f.se[3], f.loglik);
    cr_expect(f.converged);
    cr_expect_eq(f.n_customers, 11104);
    /* FHS (2010): 1.204, 0.750, 0.657, 2.783, LL -33,225.6 */
    const double want[4] = { D_ALPHA, D_BETA, D_GAMMA, D_DELTA };
    const double got[4] = { f.alpha, f.beta, f.gamma, f.delta };
    const char *names[4] = { "alpha", "beta", "gamma", "delta" };
    for (int i = 0; i < 4; i++) {
        cr_expect(fabs(got[i] - want[i]) < 0.005, "%s = %.4f, published %.3f", names[i], got[i],
                  want[i]);
        cr_expect(f.se[i] > 0 && isfinite(f.se[i]), "SE of %s %g", names[i], f.se[i]);
        /* cov_log's diagonal is the delta method's (se/theta)^2 */
        double v = f.se[i] / got[i];
        cr_expect(fabs(f.cov_log[i * 5] - v * v) < 1e-3 * v * v, "cov_log[%d][%d] %g, (se/theta)^2 %g",
                  i, i, f.cov_log[i * 5], v * v);
        for (int j = 0; j < 4; j++)
            cr_expect(f.cov_log[i * 4 + j] == f.cov_log[j * 4 + i], "cov_log not symmetric");
    }
    cr_expect(fabs(f.loglik - -33225.6) < 0.05, "log-likelihood %.3f, published -33225.6", f.loglik);
    printf("bgbb: donations: E[X(5)] = %.4f; (x, t_x, n) = (3, 4, 6): P(alive) = %.4f, "
           "E[purchases 2002-2006] = %.4f\n",
           bgbb_expected_unconditional(&f, 5), bgbb_p_alive(&f, 3, 4, 6),
           bgbb_expected_conditional(&f, 3, 4, 6, 5));
    free(rows);
}

/* The same table as published in FHS (2010), so the fit is checked even
 * without the shared folder; and the fit does not depend on the number of
 * threads running its starts. */
static const bgbb_row donations[] = {
    { 0, 0, 6, 3464 }, { 1, 1, 6, 1091 }, { 1, 2, 6, 277 }, { 1, 3, 6, 129 }, { 1, 4, 6, 78 },
    { 1, 5, 6, 119 },  { 1, 6, 6, 129 },  { 2, 2, 6, 613 }, { 2, 3, 6, 255 }, { 2, 4, 6, 155 },
    { 2, 5, 6, 173 },  { 2, 6, 6, 234 },  { 3, 3, 6, 322 }, { 3, 4, 6, 181 }, { 3, 5, 6, 225 },
    { 3, 6, 6, 357 },  { 4, 4, 6, 240 },  { 4, 5, 6, 284 }, { 4, 6, 6, 512 }, { 5, 5, 6, 335 },
    { 5, 6, 6, 728 },  { 6, 6, 6, 1203 },
};

Test(bgbb, donations_hard_coded_and_thread_invariant)
{
    const int n = sizeof donations / sizeof donations[0];
    bgbb_fit f1, f3;
    diag d = { 0 };
    omp_set_num_threads(1);
    cr_assert_eq(bgbb_fit_run(donations, n, &f1, &d), DIAG_OK, "%s", d.msg);
    omp_set_num_threads(3);
    cr_assert_eq(bgbb_fit_run(donations, n, &f3, &d), DIAG_OK, "%s", d.msg);
    cr_expect(f1.alpha == f3.alpha && f1.beta == f3.beta && f1.gamma == f3.gamma
                  && f1.delta == f3.delta && f1.loglik == f3.loglik,
              "1 thread and 3 threads differ");
    cr_expect_eq(f1.n_customers, 11104);
    cr_expect(fabs(f1.alpha - D_ALPHA) < 0.005 && fabs(f1.beta - D_BETA) < 0.005
                  && fabs(f1.gamma - D_GAMMA) < 0.005 && fabs(f1.delta - D_DELTA) < 0.005,
              "%.4f %.4f %.4f %.4f against the published %.3f %.3f %.3f %.3f", f1.alpha, f1.beta,
              f1.gamma, f1.delta, D_ALPHA, D_BETA, D_GAMMA, D_DELTA);
    cr_expect(fabs(f1.loglik - -33225.6) < 0.05, "log-likelihood %.3f, published -33225.6",
              f1.loglik);
}

/* Every customer with the same chance p of buying and nobody ever leaving
 * (the expected counts of Binomial(6, 0.5) histories): alpha and beta run
 * to infinity, gamma to 0.  The fit must say it did not converge, and why,
 * rather than return numbers. */
Test(bgbb, a_fit_that_cannot_converge_says_so)
{
    bgbb_row rows[32];
    int nr = 0;
    rows[nr++] = (bgbb_row){ 0, 0, 6, 100 };
    for (int t_x = 1; t_x <= 6; t_x++)
        for (int x = 1; x <= t_x; x++)
            rows[nr++] = (bgbb_row){ x, t_x, 6, 100 * gsl_sf_choose((unsigned)t_x - 1, (unsigned)x - 1) };
    bgbb_fit f;
    diag d = { 0 };
    cr_expect_eq(bgbb_fit_run(rows, nr, &f, &d), DIAG_RUNTIME, "message: %s", d.msg);
    cr_expect_eq(f.converged, 0);
    cr_expect(strstr(d.msg, "BG/BB fit did not converge") && strstr(d.msg, "starting points"),
              "message: %s", d.msg);
    printf("bgbb: non-convergence message: %s\n", d.msg);
}

/* ---------------------------------------------------------------- */
/* Simulation of the model's story, independent of the model's code   */

/* a new customer over n + m opportunities: x, t_x after n, y in n+1..n+m,
 * alive after n */
static void sim_story(gsl_rng *g, const bgbb_fit *f, int n, int m, int *x, int *t_x, int *y,
                      int *alive)
{
    double p = gsl_ran_beta(g, f->alpha, f->beta), th = gsl_ran_beta(g, f->gamma, f->delta);
    *x = *t_x = *y = 0;
    *alive = 1;
    for (int t = 1; t <= n + m; t++) {
        if (gsl_rng_uniform(g) < th) {
            if (t <= n)
                *alive = 0;
            return;
        }
        if (gsl_rng_uniform(g) < p) {
            if (t <= n) {
                (*x)++;
                *t_x = t;
            } else {
                (*y)++;
            }
        }
    }
}

Test(bgbb, expectations_match_the_simulated_story)
{
    const bgbb_fit f = { .alpha = D_ALPHA, .beta = D_BETA, .gamma = D_GAMMA, .delta = D_DELTA };
    const int n = 6, m = 5, N = 200000;
    gsl_rng *g = rng(2010);
    stat1 sx = { 0 }, sa = { 0 }, sy = { 0 };
    for (int i = 0; i < N; i++) {
        int x, t_x, y, alive;
        sim_story(g, &f, n, m, &x, &t_x, &y, &alive);
        stat_add(&sx, x);
        stat_add(&sa, alive - bgbb_p_alive(&f, x, t_x, n));
        stat_add(&sy, y - bgbb_expected_conditional(&f, x, t_x, n, m));
    }
    gsl_rng_free(g);
    expect_within_se(stat_mean(&sx), stat_se(&sx), bgbb_expected_unconditional(&f, n),
                     "story: purchases at opportunities 1..6, E[X(6)]");
    expect_within_se(stat_mean(&sa), stat_se(&sa), 0, "story: alive after 6 - P(alive)");
    expect_within_se(stat_mean(&sy), stat_se(&sy), 0, "story: purchases at 7..11 - E[Y | x, t_x, n]");
}

/* ---------------------------------------------------------------- */
/* The customer model                                                 */

static const char bgbb_ini[] =
    "[customer]\nmodel = bgbb\n[channel.a]\n"
    "[bgbb]\nalpha = 1.204\nbeta = 0.75\ngamma = 0.657\ndelta = 2.783\nperiod_days = 365\n"
    "[gamma_gamma]\np = 6\nq = 4\ngamma = 15\n";

Test(bgbb, model_hooks_follow_the_story)
{
    scenario *sc = tu_scenario(bgbb_ini);
    diag d = { 0 };
    void *p = model_bgbb.prepare(sc, &d);
    cr_assert(p != NULL, "prepare: %s", d.msg);
    cr_expect_float_eq(model_bgbb.mean_bill(p), 30.0, 1e-12);
    cr_expect_float_eq(model_bgbb.mean_interval(p), (1.204 + 0.75) / 1.204 * 365, 1e-9);
    gsl_rng *g = rng(45);
    stat1 disc = { 0 };
    double delta = 0.1 / 365;
    for (int c = 0; c < 2000; c++) {
        double state[MODEL_STATE_MAX] = { 0 };
        model_bgbb.customer_init(p, state, g);
        double pp = state[0], th = state[1], q = 1 - (1 - th) * (1 - pp);
        for (int k = 1; k <= 3; k++) {
            visit_ctx v = { .t = k, .purchase_no = k, .bill = 10 };
            model_bgbb.experience(p, state, &v, g);
            cr_expect(!v.has_signal && !v.worth_less_than_cost, "psychology faked");
            /* death can come before the very next opportunity: churn at the first purchase too */
            cr_expect(fabs(v.churn - th / q) < 1e-15, "churn %g, theta/q %g", v.churn, th / q);
            double gap = model_bgbb.draw_interval(p, state, g);
            cr_expect(gap >= 365 && fmod(gap, 365) == 0, "interval %g not whole periods", gap);
        }
    }
    /* the continuation's E[exp(-delta X)] against draws, for one customer
     * (p 0.3, theta 0.2, nu 0.1) */
    double state[MODEL_STATE_MAX] = { 0.3, 0.2, 0.1 };
    model_continuation k;
    model_bgbb.continuation(p, state, 0, delta, &k);
    cr_expect_float_eq(k.churn, 0.2 / (1 - 0.8 * 0.7), 1e-12);
    cr_expect_float_eq(k.bill, 6 / 0.1, 1e-12);
    cr_expect(k.exact);
    for (int i = 0; i < 200000; i++)
        stat_add(&disc, exp(-delta * model_bgbb.draw_interval(p, state, g)));
    expect_within_se(stat_mean(&disc), stat_se(&disc), k.interval_discount,
                     "continuation: E[exp(-delta interval)]");
    gsl_rng_free(g);
    model_bgbb.release(p);
    scen_free(sc);
}

/* The engine: a day-0 cohort followed 6 years and 100 days (opportunities
 * 1..6 after the first purchase, not the 7th) buys E[X(6)] each. */
Test(bgbb, engine_purchases_match_expected_unconditional)
{
    scenario *sc = tu_scenario("[scenario]\nhorizon_days = 2290\n[customer]\nmodel = bgbb\n"
                               "[channel.once]\nprospects_per_day = 4000\nstep_conversion = 1\n"
                               "stop_day = 1\n"
                               "[bgbb]\nalpha = 1.204\nbeta = 0.75\ngamma = 0.657\ndelta = 2.783\n"
                               "period_days = 365\n"
                               "[gamma_gamma]\np = 6\nq = 4\ngamma = 15\n");
    const int reps = 24;
    double *all = tu_per_replication(sc, reps, 46, 1);
    stat1 x = { 0 }, bill = { 0 };
    for (int r = 0; r < reps; r++) {
        const double *m = all + (size_t)r * MET_COUNT;
        stat_add(&x, m[MET_PURCHASES_PER_CUSTOMER] - 1);
        stat_add(&bill, m[MET_REVENUE] / m[MET_VISITS]);
    }
    bgbb_fit f = { .alpha = D_ALPHA, .beta = D_BETA, .gamma = D_GAMMA, .delta = D_DELTA };
    double want = bgbb_expected_unconditional(&f, 6);
    expect_within_se(stat_mean(&x), stat_se(&x), want,
                     "engine: purchases at opportunities 1..6 after the first, E[X(6)]");
    /* no death before the first opportunity would be another number */
    double alt = 0;
    for (int k = 1; k <= 6; k++)
        alt += D_ALPHA / (D_ALPHA + D_BETA) * exp(lnB(D_GAMMA, D_DELTA + k - 1) - lnB(D_GAMMA, D_DELTA));
    cr_expect(fabs(stat_mean(&x) - alt) > 20 * stat_se(&x),
              "death before the first opportunity cannot be told apart (%g, %g)", want, alt);
    expect_within_se(stat_mean(&bill), stat_se(&bill), 6.0 * 15 / 3, "engine: mean bill p gamma/(q-1)");
    free(all);
    scen_free(sc);
}

/* ---------------------------------------------------------------- */
/* customer_from_history                                              */

/* Draws N customers with history h; checks the share drawn alive against
 * p_alive and the purchases of the drawn customers over the next t days,
 * run through the model's own hooks, against ey. */
static void check_from_history(const model_type *mt, const void *p, const customer_history *h,
                               double t, double p_alive, double ey, unsigned long seed,
                               const char *label)
{
    const int N = 40000;
    gsl_rng *g = rng(seed);
    stat1 alive = { 0 }, y = { 0 };
    int inconsistent = 0;
    for (int i = 0; i < N; i++) {
        double state[MODEL_STATE_MAX] = { 0 }, next = 0;
        int a = mt->customer_from_history(p, h, state, &next, g);
        stat_add(&alive, a);
        if (!a && isfinite(next))
            inconsistent++;
        if (a && !(next > 0))
            inconsistent++;
        int count = 0;
        double when = next;
        for (int k = h->repeat_purchases + 2; when <= t; k++) {
            count++;
            visit_ctx v = { .t = when, .purchase_no = k, .bill = 10 };
            mt->experience(p, state, &v, g);
            if (gsl_rng_uniform(g) < v.churn)
                break;
            when += mt->draw_interval(p, state, g);
        }
        stat_add(&y, count);
    }
    gsl_rng_free(g);
    cr_expect_eq(inconsistent, 0, "%s: %d draws gone with a next purchase, or alive with next <= 0",
                 label, inconsistent);
    char what[200];
    snprintf(what, sizeof what, "%s: share drawn alive, P(alive)", label);
    if (p_alive >= 1)
        cr_expect(stat_mean(&alive) == 1, "%s: %g drawn alive, P(alive) = 1", label, stat_mean(&alive));
    else
        expect_within_se(stat_mean(&alive), sqrt(p_alive * (1 - p_alive) / N), p_alive, what);
    snprintf(what, sizeof what, "%s: purchases in the next %g days, E[Y]", label, t);
    expect_within_se(stat_mean(&y), stat_se(&y), ey, what);
}

Test(bgbb, bgbb_from_history_matches_p_alive_and_conditional_expectation)
{
    scenario *sc = tu_scenario(bgbb_ini);
    diag d = { 0 };
    void *p = model_bgbb.prepare(sc, &d);
    cr_assert(p != NULL, "prepare: %s", d.msg);
    const bgbb_fit f = { .alpha = D_ALPHA, .beta = D_BETA, .gamma = D_GAMMA, .delta = D_DELTA };
    const double P = 365;
    /* x, t_x, n; then the days as a business records them (off the grid:
     * rounded to whole periods) */
    const struct {
        int x, t_x, n;
        double last_days, age_days;
    } h[] = {
        { 0, 0, 6, 0, 6 * P },       { 1, 1, 6, P, 6 * P },          { 2, 5, 6, 5 * P, 6 * P },
        { 3, 3, 6, 3 * P, 6 * P },   { 4, 6, 6, 6 * P, 6 * P },      { 6, 6, 6, 6 * P, 6 * P },
        { 1, 2, 10, 2 * P, 10 * P }, { 2, 4, 6, 3.8 * P, 6.3 * P },  { 0, 0, 1, 0, 0.9 * P },
    };
    const int m = 5;
    for (size_t i = 0; i < sizeof h / sizeof h[0]; i++) {
        customer_history ch = { h[i].x, h[i].last_days, h[i].age_days, 30 };
        char label[96];
        snprintf(label, sizeof label, "bgbb (x, t_x, n) = (%d, %d, %d)", h[i].x, h[i].t_x, h[i].n);
        /* opportunities n+1 .. n+m fall within (n + m) P - T days of the as-of date; the
         * window runs half a period further, clear of the next one */
        double t = (h[i].n + m) * P - h[i].age_days + P / 2;
        check_from_history(&model_bgbb, p, &ch, t, bgbb_p_alive(&f, h[i].x, h[i].t_x, h[i].n),
                           bgbb_expected_conditional(&f, h[i].x, h[i].t_x, h[i].n, m), 300 + i, label);
    }
    /* the spend posterior: nu | x, zbar ~ Gamma(q + p x, rate gamma + x zbar) */
    gsl_rng *g = rng(301);
    customer_history ch = { 4, 6 * P, 6 * P, 50 };
    stat1 nu = { 0 };
    for (int i = 0; i < 20000; i++) {
        double state[MODEL_STATE_MAX] = { 0 }, next;
        model_bgbb.customer_from_history(p, &ch, state, &next, g);
        stat_add(&nu, state[2]);
    }
    gsl_rng_free(g);
    expect_within_se(stat_mean(&nu), stat_se(&nu), (4 + 6.0 * 4) / (15 + 4 * 50.0),
                     "bgbb: posterior mean of nu, (q + p x)/(gamma + x zbar)");
    model_bgbb.release(p);
    scen_free(sc);
}

Test(bgbb, bgnbd_from_history_matches_p_alive_and_conditional_expectation)
{
    scenario *sc = tu_scenario("[customer]\nmodel = bgnbd\n[channel.a]\n"
                               "[bgnbd]\nr = 0.243\nalpha = 4.414\na = 0.793\nb = 2.426\n"
                               "period_days = 7\n[gamma_gamma]\np = 6\nq = 4\ngamma = 15\n");
    diag d = { 0 };
    void *p = model_bgnbd.prepare(sc, &d);
    cr_assert(p != NULL, "prepare: %s", d.msg);
    const bgnbd_fit f = { .r = 0.243, .alpha = 4.414, .a = 0.793, .b = 2.426 };
    const double P = 7, t = 39;
    const double h[][3] = { { 0, 0, 39 }, { 2, 30.43, 38.86 }, { 1, 1.71, 38.86 }, { 7, 10, 70 },
                            { 5, 35, 39 }, { 12, 50, 52 } };
    for (size_t i = 0; i < sizeof h / sizeof h[0]; i++) {
        customer_history ch = { (int)h[i][0], h[i][1] * P, h[i][2] * P, 30 };
        char label[96];
        snprintf(label, sizeof label, "bgnbd (x, t_x, T) = (%g, %g, %g) weeks", h[i][0], h[i][1],
                 h[i][2]);
        check_from_history(&model_bgnbd, p, &ch, t * P, bgnbd_p_alive(&f, h[i][0], h[i][1], h[i][2]),
                           bgnbd_expected_conditional(&f, h[i][0], h[i][1], h[i][2], t), 400 + i,
                           label);
    }
    model_bgnbd.release(p);
    scen_free(sc);
}

/* ---------------------------------------------------------------- */
/* Parameter recovery from data the customer model simulates          */

Test(bgbb, recovers_parameters_from_model_simulated_data)
{
    const double al = 0.9, be = 1.5, ga = 0.5, de = 3.0, P = 365;
    const int n = 8, N = 20000;
    scenario *sc = tu_scenario("[customer]\nmodel = bgbb\n[channel.a]\n"
                               "[bgbb]\nalpha = 0.9\nbeta = 1.5\ngamma = 0.5\ndelta = 3\n"
                               "period_days = 365\n");
    diag d = { 0 };
    void *p = model_bgbb.prepare(sc, &d);
    cr_assert(p != NULL, "prepare: %s", d.msg);
    /* the compressed table: counts by (x, t_x), all with n opportunities */
    double count[9][9] = { { 0 } };
    gsl_rng *g = rng(2026);
    for (int i = 0; i < N; i++) {
        double state[MODEL_STATE_MAX] = { 0 };
        model_bgbb.customer_init(p, state, g);
        int x = 0, t_x = 0;
        double t = 0;
        for (int k = 1;; k++) {
            visit_ctx v = { .t = t, .purchase_no = k, .bill = 10 };
            model_bgbb.experience(p, state, &v, g);
            if (gsl_rng_uniform(g) < v.churn)
                break;
            t += model_bgbb.draw_interval(p, state, g);
            if (t > n * P + 1)
                break;
            x++;
            t_x = (int)lround(t / P);
        }
        count[x][t_x] += 1;
    }
    gsl_rng_free(g);
    bgbb_row rows[81];
    int nr = 0;
    for (int x = 0; x <= n; x++)
        for (int t_x = 0; t_x <= n; t_x++)
            if (count[x][t_x] > 0)
                rows[nr++] = (bgbb_row){ x, t_x, n, count[x][t_x] };
    bgbb_fit f;
    cr_assert_eq(bgbb_fit_run(rows, nr, &f, &d), DIAG_OK, "%s", d.msg);
    printf("bgbb: recovery (%d customers, %d opportunities): alpha = %.4f (%.4f), beta = %.4f "
           "(%.4f), gamma = %.4f (%.4f), delta = %.4f (%.4f)\n",
           N, n, f.alpha, f.se[0], f.beta, f.se[1], f.gamma, f.se[2], f.delta, f.se[3]);
    cr_expect(f.converged);
    cr_expect_eq(f.n_customers, N);
    expect_recovered(f.alpha, f.se[0], al, "recovery: alpha");
    expect_recovered(f.beta, f.se[1], be, "recovery: beta");
    expect_recovered(f.gamma, f.se[2], ga, "recovery: gamma");
    expect_recovered(f.delta, f.se[3], de, "recovery: delta");
    model_bgbb.release(p);
    scen_free(sc);
}

/* The same for the bgnbd customer model, its purchases and spend run
 * through its own hooks over 52 weeks: BG/NBD and Gamma-Gamma recover what
 * it was given. */
Test(bgbb, bgnbd_model_data_recover_its_parameters)
{
    const double r = 0.5, al = 6, a = 0.8, b = 2.5, P = 7, T = 52;
    const int N = 10000;
    scenario *sc = tu_scenario("[customer]\nmodel = bgnbd\n[channel.a]\n"
                               "[bgnbd]\nr = 0.5\nalpha = 6\na = 0.8\nb = 2.5\nperiod_days = 7\n"
                               "[gamma_gamma]\np = 6\nq = 4\ngamma = 15\n");
    diag d = { 0 };
    void *p = model_bgnbd.prepare(sc, &d);
    cr_assert(p != NULL, "prepare: %s", d.msg);
    cust_summary *c = calloc(N, sizeof *c);
    cr_assert(c != NULL);
    gsl_rng *g = rng(2027);
    for (int i = 0; i < N; i++) {
        double state[MODEL_STATE_MAX] = { 0 }, t = 0, sum = 0;
        model_bgnbd.customer_init(p, state, g);
        c[i].T = T;
        for (int k = 1;; k++) {
            visit_ctx v = { .t = t, .purchase_no = k };
            double bill = model_bgnbd.draw_bill(p, state, &v, g);
            if (k > 1) {
                c[i].x++;
                c[i].t_x = t / P;
                sum += bill;
            }
            model_bgnbd.experience(p, state, &v, g);
            if (gsl_rng_uniform(g) < v.churn)
                break;
            t += model_bgnbd.draw_interval(p, state, g);
            if (!(t <= T * P))
                break;
        }
        c[i].zbar = c[i].x > 0 ? sum / c[i].x : 0;
    }
    gsl_rng_free(g);
    bgnbd_fit f;
    cr_assert_eq(bgnbd_fit_run(c, N, &f, &d), DIAG_OK, "%s", d.msg);
    printf("bgbb: bgnbd model data (%d customers, %g weeks): r = %.4f (%.4f), alpha = %.4f "
           "(%.4f), a = %.4f (%.4f), b = %.4f (%.4f)\n",
           N, T, f.r, f.se[0], f.alpha, f.se[1], f.a, f.se[2], f.b, f.se[3]);
    cr_expect(f.converged);
    expect_recovered(f.r, f.se[0], r, "bgnbd model data: r");
    expect_recovered(f.alpha, f.se[1], al, "bgnbd model data: alpha");
    expect_recovered(f.a, f.se[2], a, "bgnbd model data: a");
    expect_recovered(f.b, f.se[3], b, "bgnbd model data: b");
    gg_fit gf;
    cr_assert_eq(gg_fit_run(c, N, &gf, &d), DIAG_OK, "%s", d.msg);
    cr_expect(gf.converged);
    expect_recovered(gf.p, gf.se[0], 6, "bgnbd model data: Gamma-Gamma p");
    expect_recovered(gf.q, gf.se[1], 4, "bgnbd model data: Gamma-Gamma q");
    expect_recovered(gf.gamma, gf.se[2], 15, "bgnbd model data: Gamma-Gamma gamma");
    free(c);
    model_bgnbd.release(p);
    scen_free(sc);
}

/* ---------------------------------------------------------------- */
/* cov_log of the BG/NBD and Gamma-Gamma fits                         */

static void expect_cov_log(const double *cov, const double *theta, const double *se, int k,
                           const char *what)
{
    for (int i = 0; i < k; i++) {
        double v = se[i] / theta[i];
        cr_expect(fabs(cov[i * k + i] - v * v) < 1e-3 * v * v,
                  "%s: cov_log[%d][%d] = %g, (se/theta)^2 = %g", what, i, i, cov[i * k + i], v * v);
        for (int j = 0; j < k; j++) {
            cr_expect(cov[i * k + j] == cov[j * k + i], "%s: cov_log not symmetric", what);
            if (j != i)
                cr_expect(fabs(cov[i * k + j]) < sqrt(cov[i * k + i] * cov[j * k + j]),
                          "%s: |correlation| >= 1 at (%d, %d)", what, i, j);
        }
    }
}

Test(bgbb, btyd_fits_fill_cov_log)
{
    const int n = 2000;
    gsl_rng *g = rng(98);
    cust_summary *c = calloc(n, sizeof *c);
    cr_assert(c != NULL);
    for (int i = 0; i < n; i++) {
        /* BG/NBD's story (lambda ~ Gamma(0.8, rate 4), P ~ Beta(1.5, 3)) over 40 periods,
         * and Gamma-Gamma values (nu ~ Gamma(4, rate 15), values Gamma(6, nu)) */
        double lam = gsl_ran_gamma(g, 0.8, 1 / 4.0), pd = gsl_ran_beta(g, 1.5, 3), now = 0;
        double nu = gsl_ran_gamma(g, 4, 1 / 15.0), sum = 0;
        c[i].T = 40;
        for (;;) {
            now += gsl_ran_exponential(g, 1 / lam);
            if (now > 40)
                break;
            c[i].x++;
            c[i].t_x = now;
            sum += gsl_ran_gamma(g, 6, 1 / nu);
            if (gsl_rng_uniform(g) < pd)
                break;
        }
        c[i].zbar = c[i].x > 0 ? sum / c[i].x : 0;
    }
    gsl_rng_free(g);
    diag d = { 0 };
    bgnbd_fit bf;
    cr_assert_eq(bgnbd_fit_run(c, n, &bf, &d), DIAG_OK, "%s", d.msg);
    const double bt[4] = { bf.r, bf.alpha, bf.a, bf.b };
    expect_cov_log(bf.cov_log, bt, bf.se, 4, "BG/NBD");
    gg_fit gf;
    cr_assert_eq(gg_fit_run(c, n, &gf, &d), DIAG_OK, "%s", d.msg);
    const double gt[3] = { gf.p, gf.q, gf.gamma };
    expect_cov_log(gf.cov_log, gt, gf.se, 3, "Gamma-Gamma");
    free(c);
}

/* ---------------------------------------------------------------- */
/* The table reader                                                   */

static char tmp_path[64];

static const char *write_tmp(const char *text)
{
    snprintf(tmp_path, sizeof tmp_path, "/tmp/retsim-bgbb-XXXXXX.csv");
    int fd = mkstemps(tmp_path, 4);
    cr_assert(fd >= 0, "cannot create a temp file");
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    return tmp_path;
}

static void expect_refused(const char *text, const char *frag1, const char *frag2)
{
    const char *path = write_tmp(text);
    bgbb_row *rows = NULL;
    int n = -1;
    diag d = { 0 };
    int st = bgbb_read_table(path, &rows, &n, &d);
    cr_expect_eq(st, DIAG_USAGE, "status %d for:\n%s\nmessage: %s", st, text, d.msg);
    cr_expect(rows == NULL && n == 0, "rows returned with an error");
    cr_expect(strstr(d.msg, path) != NULL, "message '%s' does not name the file", d.msg);
    cr_expect(strstr(d.msg, frag1) != NULL, "message '%s' lacks '%s'", d.msg, frag1);
    if (frag2)
        cr_expect(strstr(d.msg, frag2) != NULL, "message '%s' lacks '%s'", d.msg, frag2);
    unlink(path);
}

Test(bgbb, reader_accepts_the_usual_forms)
{
    /* other names of the count, another order, case, spaces, quotes, CRLF, a BOM, blank lines,
     * an extra column */
    const char *text = "\xEF\xBB\xBF" "Periods, Recency ,FREQUENCY,customers,note\r\n"
                       "6,0,0,3464,\"never, again\"\r\n\r\n"
                       "6,\"1\",1,1091,\r\n"
                       "6,6,6,1203,all\r\n";
    const char *path = write_tmp(text);
    bgbb_row *rows;
    int n;
    diag d = { 0 };
    cr_assert_eq(bgbb_read_table(path, &rows, &n, &d), DIAG_OK, "%s", d.msg);
    cr_assert_eq(n, 3);
    cr_expect(rows[0].x == 0 && rows[0].t_x == 0 && rows[0].n == 6 && rows[0].count == 3464);
    cr_expect(rows[1].x == 1 && rows[1].t_x == 1 && rows[1].count == 1091);
    cr_expect(rows[2].x == 6 && rows[2].t_x == 6 && rows[2].count == 1203);
    free(rows);
    unlink(path);
    path = write_tmp("frequency,recency,periods,count\n2,3,5,10");  /* no final line end */
    cr_assert_eq(bgbb_read_table(path, &rows, &n, &d), DIAG_OK, "%s", d.msg);
    cr_expect(n == 1 && rows[0].x == 2 && rows[0].t_x == 3 && rows[0].n == 5 && rows[0].count == 10);
    free(rows);
    unlink(path);
}

Test(bgbb, reader_refuses_bad_tables)
{
    const char *head = "frequency,recency,periods,weights\n";
    char buf[512];
#define BAD(rows, f1, f2)                                       \
    do {                                                        \
        snprintf(buf, sizeof buf, "%s%s", head, rows);          \
        expect_refused(buf, f1, f2);                            \
    } while (0)
    BAD("0,0,6,3464\n-1,0,6,5\n", "line 3, column 1 (frequency): '-1' is negative",
        "expected a whole number");
    BAD("1,1,6,10\n2,2,6,-4\n", "line 3, column 4 (weights): '-4' is negative", NULL);
    BAD("1,7,6,10\n", "line 2: frequency 1, recency 7, periods 6", "after the last opportunity");
    BAD("3,2,6,10\n", "line 2: frequency 3, recency 2, periods 6", "at most one purchase per opportunity");
    BAD("0,2,6,10\n", "line 2: frequency 0, recency 2, periods 6", "recency must be 0");
    BAD("1.5,2,6,10\n", "column 1 (frequency): '1.5' is not a whole number", NULL);
    BAD("1,2,6,2.5\n", "column 4 (weights): '2.5' is not a whole number", NULL);
    BAD("1,2,six,10\n", "column 3 (periods): 'six' is not a number", NULL);
    BAD("1,2,,10\n", "column 3 (periods): '' is empty", NULL);
    BAD("1,2,6\n", "line 2: 3 fields", NULL);
    BAD("1,2,6,nan\n", "'nan' is not a number", NULL);
    BAD("1,2,0x6,5\n", "'0x6' is not a number", NULL);
    BAD("1,2,6,1e300\n", "'1e300' is too large", NULL);
#undef BAD
    expect_refused("frequency,recency,n,weights\n1,1,6,3\n", "line 1: the header has no periods column",
                   "'n'");
    expect_refused("frequency,recency,periods\n1,1,6\n", "no weights/count/customers column", NULL);
    expect_refused("frequency,recency,periods,count,weights\n1,1,6,3,3\n", "two count columns", NULL);
    expect_refused("", "empty", NULL);
    expect_refused("frequency,recency,periods,weights\n", "no data lines", NULL);
    expect_refused("frequency,recency,periods,weights\n1,\"1,6,3\n", "never closed", NULL);
    bgbb_row *rows;
    int n;
    diag d = { 0 };
    cr_expect_eq(bgbb_read_table("/nonexistent/donations.csv", &rows, &n, &d), DIAG_USAGE,
                 "a missing file: %s", d.msg);
    cr_expect(strstr(d.msg, "/nonexistent/donations.csv"), "message: %s", d.msg);
}

/* The fit's own refusals. */
Test(bgbb, fit_refuses_what_it_cannot_fit)
{
    bgbb_fit f;
    diag d1 = { 0 }, d2 = { 0 }, d3 = { 0 }, d4 = { 0 };
    bgbb_row few[] = { { 0, 0, 6, 3 }, { 1, 1, 6, 2 } };
    cr_expect_eq(bgbb_fit_run(few, 2, &f, &d1), DIAG_USAGE);
    cr_expect(strstr(d1.msg, "at least 10 customers"), "message: %s", d1.msg);
    bgbb_row none[] = { { 0, 0, 6, 300 } };
    cr_expect_eq(bgbb_fit_run(none, 1, &f, &d2), DIAG_USAGE);
    cr_expect(strstr(d2.msg, "none of the 300 customers"), "message: %s", d2.msg);
    bgbb_row bad[] = { { 0, 0, 6, 300 }, { 3, 2, 6, 10 } };
    cr_expect_eq(bgbb_fit_run(bad, 2, &f, &d3), DIAG_USAGE);
    cr_expect(strstr(d3.msg, "line 2") && strstr(d3.msg, "frequency 3"), "message: %s", d3.msg);
    bgbb_row all[] = { { 6, 6, 6, 300 } };
    cr_expect_eq(bgbb_fit_run(all, 1, &f, &d4), DIAG_USAGE);
    cr_expect(strstr(d4.msg, "every opportunity"), "message: %s", d4.msg);
}

/* ---------------------------------------------------------------- */
/* The scenario                                                       */

static void expect_engine_refuses(const char *ini, const char *frag)
{
    scenario *sc = tu_scenario(ini);
    diag d = { 0 };
    engine *e = engine_prepare(sc, &d);
    cr_expect(e == NULL, "engine accepted:\n%s", ini);
    engine_free(e);
    cr_expect(d.status == DIAG_USAGE, "status %d: %s", d.status, d.msg);
    cr_expect(strstr(d.msg, frag) != NULL, "message '%s' lacks '%s'", d.msg, frag);
    scen_free(sc);
}

Test(bgbb, sections_belong_to_their_model)
{
    expect_engine_refuses("[channel.a]\n[customer]\nmodel = bgnbd\n[bgbb]\nalpha = 1\n",
                          "[bgbb] belongs to the bgbb customer model");
    expect_engine_refuses("[channel.a]\n[customer]\nmodel = bgbb\n[bgnbd]\nr = 1\n",
                          "[bgnbd] belongs to the bgnbd customer model");
    /* [gamma_gamma] is shared: accepted with bgbb */
    scenario *sc = tu_scenario(bgbb_ini);
    diag d = { 0 };
    engine *e = engine_prepare(sc, &d);
    cr_expect(e != NULL, "bgbb with [gamma_gamma] refused: %s", d.msg);
    engine_free(e);
    scen_free(sc);
}
