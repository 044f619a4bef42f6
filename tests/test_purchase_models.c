/* The MBG/NBD and Pareto/NBD purchase models: the fits (fit/mbgnbd.c,
 * fit/pnbd.c) and the customer models (models/mbgnbd.c,
 * models/pareto_nbd.c).
 *
 *   published     the CDNOW sample (calibration to 1997-09-30, weeks) gives
 *                 BTYDplus's MBG/NBD estimates to 3 decimals and Fader,
 *                 Hardie and Lee's Pareto/NBD estimates to 2, with the
 *                 published Pareto/NBD log-likelihood and BTYD's values for
 *                 customer 1516;
 *   independent   the likelihoods, P(alive) and expectations against
 *                 numerical integration written here (GSL QAGS over the
 *                 dropout probability or the death time), not through the
 *                 fits' series;
 *   simulation    the expectations against each model's generative process
 *                 simulated here; customer_from_history's share alive
 *                 against P(alive) and its customers, run forward with the
 *                 model's own hooks, against the conditional expectation;
 *                 the engine's repeat purchases against E[X(t)];
 *   recovery      parameters fitted to data simulated by each model, within
 *                 4 of the fit's standard errors;
 *   bad input     usage errors and an honest non-convergence.
 *
 * The CDNOW file is read from ../shared/data (or RETSIM_SHARED_DATA); when
 * it is missing those tests are skipped with a message naming the file,
 * on stderr as well, never passed quietly.
 *
 * Tolerances against simulation are 4 standard errors with fixed seeds: a
 * wrong formula fails by far more, a right one passes short of a
 * 1-in-15,000 draw, and nothing flakes. */
#include <criterion/criterion.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sf_gamma.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../fit/mbgnbd.h"
#include "../fit/pnbd.h"
#include "../models/purchase_models.h"
#include "../sim/metrics.h"
#include "../sim/model.h"
#include "util.h"

static void setup(void)
{
    gsl_set_error_handler_off();
}

TestSuite(purchase_models, .init = setup);

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void expect_within_se(double got, double se, double want, const char *what)
{
    cr_expect(se > 0 && isfinite(se), "%s: standard error %g, the check would be vacuous", what,
              se);
    double z = (got - want) / se;
    cr_expect(fabs(z) <= 4, "%s: got %.6g, want %.6g, z = %.2f (SE %.3g)", what, got, want, z, se);
    printf("purchase_models: %s: %.6g against %.6g, z = %+.2f\n", what, got, want, z);
}

static void expect_recovered(double est, double se, double truth, const char *what)
{
    expect_within_se(est, se, truth, what);
    cr_expect(se / truth < 0.3, "%s: relative standard error %.2f, too large to test anything",
              what, se / truth);
}

/* The joint check of the four estimates with the full covariance of the
 * log-parameters: d' C^-1 d, d = log(estimate) - log(truth), is
 * chi-squared with 4 degrees of freedom; 18.47 is its 0.999 quantile. */
static void expect_joint(const double *est, const double *truth, const double *cov_log,
                         const char *what)
{
    gsl_matrix *m = gsl_matrix_alloc(4, 4);
    gsl_vector *dv = gsl_vector_alloc(4), *sol = gsl_vector_alloc(4);
    for (int i = 0; i < 4; i++) {
        gsl_vector_set(dv, i, log(est[i]) - log(truth[i]));
        for (int j = 0; j < 4; j++)
            gsl_matrix_set(m, i, j, cov_log[i * 4 + j]);
    }
    cr_assert(gsl_linalg_cholesky_decomp1(m) == GSL_SUCCESS, "%s: cov_log not positive definite",
              what);
    gsl_linalg_cholesky_solve(m, dv, sol);
    double q = 0;
    for (int i = 0; i < 4; i++)
        q += gsl_vector_get(dv, i) * gsl_vector_get(sol, i);
    printf("purchase_models: %s: d' cov_log^-1 d = %.2f (chi-squared, 4 df; 0.999 quantile 18.47)\n",
           what, q);
    cr_expect(q <= 18.47, "%s: d' cov_log^-1 d = %.2f above chi-squared(4)'s 0.999 quantile", what, q);
    gsl_matrix_free(m);
    gsl_vector_free(dv);
    gsl_vector_free(sol);
}

static void expect_rel(double got, double want, double rel, const char *what)
{
    cr_expect(fabs(got - want) <= rel * fabs(want), "%s: %.15g against %.15g (relative %.2g)",
              what, got, want, fabs(got - want) / fabs(want));
}

static gsl_rng *rng(unsigned long seed)
{
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    cr_assert(g != NULL);
    gsl_rng_set(g, seed);
    return g;
}

/* ---------------------------------------------------------------- */
/* The CDNOW sample                                                  */

static const char *data_dir(void)
{
    const char *d = getenv("RETSIM_SHARED_DATA");
    return d && *d ? d : "../shared/data";
}

#define CDNOW_FILE "cdnow_customers_summary_with_transactions.csv"

/* The 2,357 customers (ID, x, t_x, T, zbar; weeks), or NULL after
 * skipping the test loudly when the file is missing. */
static cust_summary *read_cdnow(int *n)
{
    char path[512], line[512];
    snprintf(path, sizeof path, "%s/%s", data_dir(), CDNOW_FILE);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr,
                "purchase_models: SKIPPED: %s not found; the published CDNOW checks did not run "
                "(put the validation data in ../shared/data beside the clone, or set "
                "RETSIM_SHARED_DATA)\n",
                path);
        cr_skip_test("%s not found: the published CDNOW checks did not run (put the validation "
                     "data in ../shared/data beside the clone, or set RETSIM_SHARED_DATA)",
                     path);
        return NULL;
    }
    int cap = 4096, k = 0;
    cust_summary *c = calloc((size_t)cap, sizeof *c);
    cr_assert(c && fgets(line, sizeof line, f), "%s: empty", path);
    while (fgets(line, sizeof line, f)) {
        double id;
        if (sscanf(line, "%lf,%lf,%lf,%lf,%lf", &id, &c[k].x, &c[k].t_x, &c[k].T, &c[k].zbar) != 5)
            continue;
        cr_assert(++k < cap, "%s: more rows than expected", path);
    }
    fclose(f);
    cr_assert_eq(k, 2357, "%s: %d customers, expected 2357", path, k);
    *n = k;
    return c;
}

/* the covariance of the log-parameters is the one the standard errors come from */
static void expect_cov_log_consistent(const double *theta, const double *se, const double *cov,
                                      const char *model)
{
    for (int i = 0; i < 4; i++) {
        cr_expect(se[i] > 0 && isfinite(se[i]), "%s: SE %d = %g", model, i, se[i]);
        expect_rel(theta[i] * sqrt(cov[i * 4 + i]), se[i], 1e-12, "SE from cov_log");
        for (int j = 0; j < 4; j++)
            cr_expect(cov[i * 4 + j] == cov[j * 4 + i], "%s: cov_log not symmetric", model);
    }
}

Test(purchase_models, mbgnbd_cdnow_reproduces_btydplus)
{
    int n;
    cust_summary *c = read_cdnow(&n);
    if (!c)
        return;
    diag d = { 0 };
    mbgnbd_fit f;
    double t0 = now_s();
    cr_assert_eq(mbgnbd_fit_run(c, n, &f, &d), DIAG_OK, "fit failed: %s", d.msg);
    printf("purchase_models: CDNOW MBG/NBD (%d customers, %d starts, %.2f s): r = %.4f (%.4f), "
           "alpha = %.4f (%.4f), a = %.4f (%.4f), b = %.4f (%.4f), log-likelihood %.4f\n",
           f.n, f.starts, now_s() - t0, f.r, f.se[0], f.alpha, f.se[1], f.a, f.se[2], f.b,
           f.se[3], f.loglik);
    cr_expect(f.converged);
    cr_expect_eq(f.n, 2357);
    /* BTYDplus mbgcnbd (k = 1) and lifetimes' ModifiedBetaGeoFitter, to 3 decimals */
    cr_expect(fabs(f.r - 0.525) <= 5e-4, "r = %.5f, published 0.525", f.r);
    cr_expect(fabs(f.alpha - 6.183) <= 5e-4, "alpha = %.5f, published 6.183", f.alpha);
    cr_expect(fabs(f.a - 0.891) <= 5e-4, "a = %.5f, published 0.891", f.a);
    cr_expect(fabs(f.b - 1.614) <= 5e-4, "b = %.5f, published 1.614", f.b);
    const double th[4] = { f.r, f.alpha, f.a, f.b };
    expect_cov_log_consistent(th, f.se, f.cov_log, "MBG/NBD");
    double ll = 0;
    for (int i = 0; i < n; i++)
        ll += mbgnbd_loglik_one(f.r, f.alpha, f.a, f.b, c[i].x, c[i].t_x, c[i].T);
    expect_rel(ll, f.loglik, 1e-10, "sum of mbgnbd_loglik_one at the estimates");
    /* a customer without repeat purchases may be gone (unlike BG/NBD) */
    double pa0 = mbgnbd_p_alive(&f, 0, 0, 38.86);
    cr_expect(pa0 > 0 && pa0 < 1, "P(alive | x = 0) = %g", pa0);
    printf("purchase_models: CDNOW MBG/NBD customer 1 (2, 30.43, 38.86): P(alive) = %.4f, "
           "E[Y(39)] = %.4f; E[X(39)] = %.4f, E[X(78)] = %.4f\n",
           mbgnbd_p_alive(&f, 2, 30.43, 38.86), mbgnbd_expected_conditional(&f, 2, 30.43, 38.86, 39),
           mbgnbd_expected_unconditional(&f, 39), mbgnbd_expected_unconditional(&f, 78));
    free(c);
}

Test(purchase_models, pnbd_cdnow_reproduces_fader_hardie_lee)
{
    int n;
    cust_summary *c = read_cdnow(&n);
    if (!c)
        return;
    /* the published log-likelihood at the published estimates (Fader,
     * Hardie and Lee 2005, the MATLAB note: r = 0.5534, alpha = 10.5764,
     * s = 0.6061, beta = 11.6690, LL = -9595.0) */
    double ll = 0;
    for (int i = 0; i < n; i++)
        ll += pnbd_loglik_one(0.5534, 10.5764, 0.6061, 11.6690, c[i].x, c[i].t_x, c[i].T);
    cr_expect(fabs(ll - -9595.0) < 0.05, "log-likelihood at the published estimates %.4f", ll);

    diag d = { 0 };
    pnbd_fit f;
    double t0 = now_s();
    cr_assert_eq(pnbd_fit_run(c, n, &f, &d), DIAG_OK, "fit failed: %s", d.msg);
    printf("purchase_models: CDNOW Pareto/NBD (%d customers, %d starts, %.2f s): r = %.4f (%.4f), "
           "alpha = %.4f (%.4f), s = %.4f (%.4f), beta = %.4f (%.4f), log-likelihood %.4f\n",
           f.n, f.starts, now_s() - t0, f.r, f.se[0], f.alpha, f.se[1], f.s, f.se[2], f.beta,
           f.se[3], f.loglik);
    cr_expect(f.converged);
    cr_expect_eq(f.n, 2357);
    /* to 2 decimals */
    cr_expect(fabs(f.r - 0.553) <= 5e-3, "r = %.5f, published 0.553", f.r);
    cr_expect(fabs(f.alpha - 10.578) <= 5e-3, "alpha = %.5f, published 10.578", f.alpha);
    cr_expect(fabs(f.s - 0.606) <= 5e-3, "s = %.5f, published 0.606", f.s);
    cr_expect(fabs(f.beta - 11.669) <= 5e-3, "beta = %.5f, published 11.669", f.beta);
    cr_expect(fabs(f.loglik - -9595.0) < 0.05, "log-likelihood %.4f, published -9595.0", f.loglik);
    const double th[4] = { f.r, f.alpha, f.s, f.beta };
    expect_cov_log_consistent(th, f.se, f.cov_log, "Pareto/NBD");
    /* BTYD's walkthrough (Dziurzynski, Wadsworth and McCarthy), customer
     * 1516 (x = 26, t_x = 30.86, T = 31): 52-week conditional expectation
     * 25.46, P(alive) 0.9979 */
    double ey = pnbd_expected_conditional(&f, 26, 30.86, 31, 52), pa = pnbd_p_alive(&f, 26, 30.86, 31);
    printf("purchase_models: CDNOW Pareto/NBD customer 1516: P(alive) = %.6f, E[Y(52)] = %.4f\n",
           pa, ey);
    cr_expect(fabs(ey - 25.46) <= 0.005, "E[Y(52) | 26, 30.86, 31] = %.4f, published 25.46", ey);
    cr_expect(fabs(pa - 0.9979) <= 0.00005, "P(alive | 26, 30.86, 31) = %.6f, published 0.9979", pa);
    free(c);
}

/* ---------------------------------------------------------------- */
/* Independent numerical integration                                 */

typedef struct qfun {
    double (*f)(double, const double *);
    const double *par;
} qfun;

static double qfun_call(double x, void *v)
{
    const qfun *q = v;
    return q->f(x, q->par);
}

/* int_lo^hi f by QAGS (singularities at the ends allowed), relative 1e-11 */
static double quad(double (*f)(double, const double *), const double *par, double lo, double hi)
{
    qfun q = { f, par };
    gsl_function F = { qfun_call, &q };
    gsl_integration_workspace *w = gsl_integration_workspace_alloc(2000);
    double res = NAN, err = 0;
    int st = gsl_integration_qags(&F, lo, hi, 0, 1e-11, 2000, w, &res, &err);
    gsl_integration_workspace_free(w);
    cr_assert(st == GSL_SUCCESS || err <= 1e-9 * fabs(res), "quadrature failed: %s (%g +- %g)",
              gsl_strerror(st), res, err);
    return res;
}

/* Pareto/NBD: (alpha+tau)^-(r+x) (beta+tau)^-(s+1), par = r, alpha, s, beta, x */
static double pn_death_density(double tau, const double *p)
{
    return exp(-(p[0] + p[4]) * log(p[1] + tau) - (p[2] + 1) * log(p[3] + tau));
}

/* ln L = ln[G(r+x) alpha^r beta^s / G(r)] + ln[(alpha+T)^-(r+x) (beta+T)^-s + s I]:
 * the likelihood integrated over the death time, without any 2F1 */
static double pn_loglik_quad(double r, double alpha, double s, double beta, double x, double t_x,
                             double T, double *p_alive)
{
    const double par[5] = { r, alpha, s, beta, x };
    double lead = gsl_sf_lngamma(r + x) - gsl_sf_lngamma(r) + r * log(alpha) + s * log(beta);
    double first = exp(-(r + x) * log(alpha + T) - s * log(beta + T));
    double second = T > t_x ? s * quad(pn_death_density, par, t_x, T) : 0;
    *p_alive = first / (first + second);
    return lead + log(first + second);
}

Test(purchase_models, pnbd_likelihood_and_p_alive_against_quadrature)
{
    /* alpha > beta, alpha < beta, alpha = beta; beta/alpha = 1e-5 (z within
     * 1e-5 of 1: the fit's quadrature fallback); large x */
    const double par[][4] = { { 0.553, 10.578, 0.606, 11.669 }, { 1.5, 30, 0.4, 3 },
                              { 0.8, 5, 2.5, 60 }, { 0.7, 8, 0.9, 8 },
                              { 0.5, 20, 0.7, 2e-4 }, { 0.5, 2e-4, 0.7, 20 },
                              { 0.5, 20, 0.7, 0.25 }, { 3, 2, 0.3, 40 } };
    const double hist[][3] = { { 0, 0, 38.86 }, { 2, 30.43, 38.86 }, { 1, 1.71, 38.86 },
                               { 26, 30.86, 31 }, { 7, 2, 70 }, { 60, 50, 52 } };
    /* the 5th and 6th: z within 1e-5 of 1, the quadrature route; the 7th:
     * z = 0.9875 at t_x = 0, about 3,500 terms of the series */
    for (int k = 0; k < 8; k++)
        for (int h = 0; h < 6; h++) {
            double r = par[k][0], al = par[k][1], s = par[k][2], be = par[k][3];
            double x = hist[h][0], tx = hist[h][1], T = hist[h][2], pa;
            double want = pn_loglik_quad(r, al, s, be, x, tx, T, &pa);
            double got = pnbd_loglik_one(r, al, s, be, x, tx, T);
            cr_expect(fabs(got - want) <= 1e-9 * fmax(1, fabs(want)),
                      "lnL(%g, %g, %g, %g | %g, %g, %g) = %.12g, quadrature %.12g", r, al, s, be,
                      x, tx, T, got, want);
            pnbd_fit f = { .r = r, .alpha = al, .s = s, .beta = be };
            double pg = pnbd_p_alive(&f, x, tx, T);
            cr_expect(fabs(pg - pa) <= 1e-9, "P(alive | %g, %g, %g) at (%g, %g, %g, %g) = %.12g, "
                      "quadrature %.12g", x, tx, T, r, al, s, be, pg, pa);
        }
    /* t_x = T: nobody can have died since the last purchase */
    pnbd_fit f = { .r = 0.5, .alpha = 10, .s = 0.6, .beta = 12 };
    cr_expect_eq(pnbd_p_alive(&f, 3, 20, 20), 1.0);
}

/* MBG/NBD: the likelihood E_p[(1-p)^(x+1) A(T) + p (1-p)^x A(t_x)] with
 * A(t) = E[lambda^x e^(-lambda t)], the Beta average by quadrature;
 * par = a, b, x, ln A(T), ln A(t_x) */
static double mbg_lik_integrand(double p, const double *q)
{
    double lw = (q[0] - 1) * log(p) + (q[1] - 1) * log1p(-p) - gsl_sf_lnbeta(q[0], q[1]);
    double alive = exp(lw + (q[2] + 1) * log1p(-p) + q[3]);
    double gone = exp(lw + log(p) + q[2] * log1p(-p) + q[4]);
    return alive + gone;
}

/* (1 - (1 + p c)^-(rx)) / p times the Beta(a, b') density; par = a, b', rx, c */
static double mbg_expect_integrand(double p, const double *q)
{
    double lw = (q[0] - 1) * log(p) + (q[1] - 1) * log1p(-p) - gsl_sf_lnbeta(q[0], q[1]);
    return exp(lw) * -expm1(-q[2] * log1p(p * q[3])) / p;
}

Test(purchase_models, mbgnbd_likelihood_and_expectations_against_quadrature)
{
    const double par[][4] = { { 0.525, 6.183, 0.891, 1.614 }, { 1.5, 8, 3, 5 }, { 0.7, 5, 1, 2 },
                              { 4, 3, 0.5, 0.8 } };
    const double hist[][3] = { { 0, 0, 38.86 }, { 2, 30.43, 38.86 }, { 1, 1.71, 38.86 },
                               { 12, 20, 52 } };
    for (int k = 0; k < 4; k++) {
        mbgnbd_fit f = { .r = par[k][0], .alpha = par[k][1], .a = par[k][2], .b = par[k][3] };
        for (int h = 0; h < 4; h++) {
            double x = hist[h][0], tx = hist[h][1], T = hist[h][2];
            double lA = gsl_sf_lngamma(f.r + x) - gsl_sf_lngamma(f.r) + f.r * log(f.alpha);
            double q[5] = { f.a, f.b, x, lA - (f.r + x) * log(f.alpha + T),
                            lA - (f.r + x) * log(f.alpha + tx) };
            double want = log(quad(mbg_lik_integrand, q, 0, 1));
            double got = mbgnbd_loglik_one(f.r, f.alpha, f.a, f.b, x, tx, T);
            cr_expect(fabs(got - want) <= 1e-9 * fmax(1, fabs(want)),
                      "MBG/NBD lnL(%g, %g, %g, %g | %g, %g, %g) = %.12g, quadrature %.12g", f.r,
                      f.alpha, f.a, f.b, x, tx, T, got, want);
            /* E[Y(t) | x, t_x, T] = P(alive) E_{p ~ Beta(a, b+x+1)}[(1 - (1 + p t/(alpha+T))^-(r+x))/p] */
            double e[4] = { f.a, f.b + x + 1, f.r + x, 39 / (f.alpha + T) };
            double ey = mbgnbd_p_alive(&f, x, tx, T) * quad(mbg_expect_integrand, e, 0, 1);
            expect_rel(mbgnbd_expected_conditional(&f, x, tx, T, 39), ey, 1e-8,
                       "MBG/NBD E[Y(39) | x, t_x, T] against quadrature");
        }
        /* E[X(t)] = b/(a+b) E_{p ~ Beta(a, b+1)}[(1 - (1 + p t/alpha)^-r)/p] */
        double e[4] = { f.a, f.b + 1, f.r, 52 / f.alpha };
        expect_rel(mbgnbd_expected_unconditional(&f, 52), f.b / (f.a + f.b) * quad(mbg_expect_integrand, e, 0, 1),
                   1e-8, "MBG/NBD E[X(52)] against quadrature");
    }
}

/* ---------------------------------------------------------------- */
/* The generative processes                                          */

typedef struct sim_cust {
    double x, t_x;   /* repeat purchases in (0, T], time of the last */
    double y;        /* repeat purchases in (T, T + t] */
    int alive;       /* alive at T */
} sim_cust;

/* MBG/NBD from a first purchase at time 0: after every purchase, the first
 * included, the customer drops out with probability p. */
static void sim_mbgnbd(gsl_rng *g, const double *par, double T, double t, sim_cust *c)
{
    double lam = gsl_ran_gamma(g, par[0], 1 / par[1]), p = gsl_ran_beta(g, par[2], par[3]);
    double now = 0;
    memset(c, 0, sizeof *c);
    c->alive = gsl_rng_uniform(g) >= p;
    if (!c->alive || !(lam > 0))
        return;
    for (;;) {
        now += gsl_ran_exponential(g, 1 / lam);
        if (now > T + t)
            break;
        if (now <= T) {
            c->x++;
            c->t_x = now;
        } else {
            c->y++;
        }
        if (gsl_rng_uniform(g) < p) {
            if (now <= T)
                c->alive = 0;
            break;
        }
    }
}

/* Pareto/NBD: a lifetime tau ~ Exp(mu) from time 0, Poisson(lambda)
 * purchases before it. */
static void sim_pnbd(gsl_rng *g, const double *par, double T, double t, sim_cust *c)
{
    double lam = gsl_ran_gamma(g, par[0], 1 / par[1]), mu = gsl_ran_gamma(g, par[2], 1 / par[3]);
    double tau = mu > 0 ? gsl_ran_exponential(g, 1 / mu) : INFINITY;
    double end = fmin(tau, T + t), now = 0;
    memset(c, 0, sizeof *c);
    c->alive = tau > T;
    if (!(lam > 0))
        return;
    for (;;) {
        now += gsl_ran_exponential(g, 1 / lam);
        if (now > end)
            break;
        if (now <= T) {
            c->x++;
            c->t_x = now;
        } else {
            c->y++;
        }
    }
}

/* mean and standard error of n values */
static void mean_se(double s, double s2, int n, double *m, double *se)
{
    *m = s / n;
    *se = sqrt((s2 / n - *m * *m) / (n - 1));
}

/* E[X(t)] and, conditional on each simulated history, P(alive) and
 * E[Y(t) | x, t_x, T], as paired differences of zero mean. */
Test(purchase_models, expectations_match_the_generative_processes)
{
    const double T = 39, t = 39;
    const int n = 100000;
    const double mpar[][4] = { { 0.525, 6.183, 0.891, 1.614 }, { 1.5, 8, 3, 5 } };
    const double ppar[][4] = { { 0.553, 10.578, 0.606, 11.669 }, { 1.5, 8, 2, 60 } };
    char what[160];
    for (int k = 0; k < 2; k++) {
        mbgnbd_fit f = { .r = mpar[k][0], .alpha = mpar[k][1], .a = mpar[k][2], .b = mpar[k][3] };
        gsl_rng *g = rng(31000 + (unsigned long)k);
        double sx = 0, sx2 = 0, sa = 0, sa2 = 0, sy = 0, sy2 = 0, m, se;
        for (int i = 0; i < n; i++) {
            sim_cust c;
            sim_mbgnbd(g, mpar[k], T, t, &c);
            double da = c.alive - mbgnbd_p_alive(&f, c.x, c.t_x, T);
            double dy = c.y - mbgnbd_expected_conditional(&f, c.x, c.t_x, T, t);
            sx += c.x, sx2 += c.x * c.x, sa += da, sa2 += da * da, sy += dy, sy2 += dy * dy;
        }
        gsl_rng_free(g);
        mean_se(sx, sx2, n, &m, &se);
        snprintf(what, sizeof what, "MBG/NBD E[X(39)], r = %g", f.r);
        expect_within_se(mbgnbd_expected_unconditional(&f, T), se, m, what);
        mean_se(sa, sa2, n, &m, &se);
        snprintf(what, sizeof what, "MBG/NBD alive at T - P(alive), r = %g", f.r);
        expect_within_se(m, se, 0, what);
        mean_se(sy, sy2, n, &m, &se);
        snprintf(what, sizeof what, "MBG/NBD Y(39) - E[Y(39) | x, t_x, T], r = %g", f.r);
        expect_within_se(m, se, 0, what);
    }
    for (int k = 0; k < 2; k++) {
        pnbd_fit f = { .r = ppar[k][0], .alpha = ppar[k][1], .s = ppar[k][2], .beta = ppar[k][3] };
        gsl_rng *g = rng(32000 + (unsigned long)k);
        double sx = 0, sx2 = 0, sa = 0, sa2 = 0, sy = 0, sy2 = 0, m, se;
        for (int i = 0; i < n; i++) {
            sim_cust c;
            sim_pnbd(g, ppar[k], T, t, &c);
            double da = c.alive - pnbd_p_alive(&f, c.x, c.t_x, T);
            double dy = c.y - pnbd_expected_conditional(&f, c.x, c.t_x, T, t);
            sx += c.x, sx2 += c.x * c.x, sa += da, sa2 += da * da, sy += dy, sy2 += dy * dy;
        }
        gsl_rng_free(g);
        mean_se(sx, sx2, n, &m, &se);
        snprintf(what, sizeof what, "Pareto/NBD E[X(39)], r = %g", f.r);
        expect_within_se(pnbd_expected_unconditional(&f, T), se, m, what);
        mean_se(sa, sa2, n, &m, &se);
        snprintf(what, sizeof what, "Pareto/NBD alive at T - P(alive), r = %g", f.r);
        expect_within_se(m, se, 0, what);
        mean_se(sy, sy2, n, &m, &se);
        snprintf(what, sizeof what, "Pareto/NBD Y(39) - E[Y(39) | x, t_x, T], r = %g", f.r);
        expect_within_se(m, se, 0, what);
    }
    /* Pareto/NBD's E[X(t)] through s = 1 (the formula's removable singularity) */
    pnbd_fit lo = { .r = 0.7, .alpha = 5, .s = 1 - 1e-9, .beta = 8 };
    pnbd_fit at = { .r = 0.7, .alpha = 5, .s = 1, .beta = 8 };
    double e1 = pnbd_expected_unconditional(&at, 39);
    cr_expect(fabs(pnbd_expected_unconditional(&lo, 39) - e1) < 1e-7 * e1
                  && fabs(e1 - 0.7 / 5 * 8 * log1p(39.0 / 8)) < 1e-12 * e1,
              "E[X(39)] at s = 1: %.12g", e1);
}

/* ---------------------------------------------------------------- */
/* customer_from_history                                             */

/* For a grid of histories (weeks; period_days = 7): the share of draws
 * returned alive against P(alive), and each drawn customer run forward t
 * weeks with the model's own hooks (experience() at purchase x+2, x+3,
 * ..., draw_interval() between) against E[Y(t) | x, t_x, T]. */
static const double grid[][3] = { { 0, 0, 10 },        { 0, 0, 39 },   { 2, 30.43, 38.86 },
                                  { 1, 1.71, 38.86 },  { 5, 10, 40 },  { 10, 35, 39 },
                                  { 26, 30.86, 31 },   { 3, 5, 60 } };
enum { NGRID = sizeof grid / sizeof grid[0] };

static void check_from_history(const model_type *m, const char *label, const char *ini,
                               double (*p_alive)(const void *fit, double, double, double),
                               double (*expect)(const void *fit, double, double, double, double),
                               const void *fit, unsigned long seed)
{
    scenario *sc = tu_scenario(ini);
    diag d = { 0 };
    void *p = m->prepare(sc, &d);
    cr_assert(p != NULL, "prepare: %s", d.msg);
    cr_assert(m->customer_from_history != NULL, "%s has no customer_from_history", m->name);
    const double t = 39, days = t * 7;
    const int n = 20000;
    gsl_rng *g = rng(seed);
    for (int k = 0; k < NGRID; k++) {
        double x = grid[k][0], tx = grid[k][1], T = grid[k][2];
        customer_history h = { (int)x, tx * 7, T * 7, x > 0 ? 30 : 0 };
        double alive = 0, sy = 0, sy2 = 0;
        for (int i = 0; i < n; i++) {
            double state[MODEL_STATE_MAX] = { 0 }, next = 0;
            int a = m->customer_from_history(p, &h, state, &next, g);
            cr_assert(a == 0 || a == 1, "returned %d", a);
            cr_assert(a || isinf(next), "a customer drawn gone has a next purchase at %g", next);
            cr_assert(next > 0, "next purchase %g days away", next);
            alive += a;
            int y = 0;
            for (double day = next; day <= days;) {
                y++;
                visit_ctx v = { .t = day, .purchase_no = (int)x + 1 + y, .rate_multiplier = 1 };
                m->experience(p, state, &v, g);
                if (gsl_rng_uniform(g) < v.churn)
                    break;
                day += m->draw_interval(p, state, g);
            }
            sy += y;
            sy2 += (double)y * y;
        }
        double pa = p_alive(fit, x, tx, T), share = alive / n;
        char what[160];
        snprintf(what, sizeof what, "%s from history (%g, %g, %g): share alive", label, x, tx, T);
        expect_within_se(share, sqrt(pa * (1 - pa) / n), pa, what);
        double my, sey;
        mean_se(sy, sy2, n, &my, &sey);
        snprintf(what, sizeof what, "%s from history (%g, %g, %g): purchases in %g weeks", label, x,
                 tx, T, t);
        expect_within_se(my, sey, expect(fit, x, tx, T, t), what);
    }
    gsl_rng_free(g);
    m->release(p);
    scen_free(sc);
}

static double mbg_pa(const void *f, double x, double tx, double T)
{
    return mbgnbd_p_alive(f, x, tx, T);
}

static double mbg_ey(const void *f, double x, double tx, double T, double t)
{
    return mbgnbd_expected_conditional(f, x, tx, T, t);
}

static double pn_pa(const void *f, double x, double tx, double T)
{
    return pnbd_p_alive(f, x, tx, T);
}

static double pn_ey(const void *f, double x, double tx, double T, double t)
{
    return pnbd_expected_conditional(f, x, tx, T, t);
}

Test(purchase_models, mbgnbd_from_history_matches_p_alive_and_expectation)
{
    mbgnbd_fit f = { .r = 0.525, .alpha = 6.183, .a = 0.891, .b = 1.614 };
    check_from_history(&model_mbgnbd, "mbgnbd (CDNOW)",
                       "[channel.a]\n[customer]\nmodel = mbgnbd\n"
                       "[mbgnbd]\nr = 0.525\nalpha = 6.183\na = 0.891\nb = 1.614\nperiod_days = 7\n",
                       mbg_pa, mbg_ey, &f, 41001);
}

Test(purchase_models, pareto_nbd_from_history_matches_p_alive_and_expectation)
{
    pnbd_fit f = { .r = 0.553, .alpha = 10.578, .s = 0.606, .beta = 11.669 };
    check_from_history(&model_pareto_nbd, "pareto_nbd (CDNOW)",
                       "[channel.a]\n[customer]\nmodel = pareto_nbd\n"
                       "[pareto_nbd]\nr = 0.553\nalpha = 10.578\ns = 0.606\nbeta = 11.669\n"
                       "period_days = 7\n",
                       pn_pa, pn_ey, &f, 41002);
    /* alpha > beta, the other branch of the 2F1 switch and quadrature here */
    pnbd_fit g = { .r = 1.5, .alpha = 30, .s = 0.4, .beta = 3 };
    check_from_history(&model_pareto_nbd, "pareto_nbd (alpha > beta)",
                       "[channel.a]\n[customer]\nmodel = pareto_nbd\n"
                       "[pareto_nbd]\nr = 1.5\nalpha = 30\ns = 0.4\nbeta = 3\nperiod_days = 7\n",
                       pn_pa, pn_ey, &g, 41003);
}

/* The Gamma-Gamma posterior of nu: the mean bill of a customer drawn from
 * history is E[p/nu | x, zbar] = p (gamma + x zbar)/(p x + q - 1). */
Test(purchase_models, spend_from_history_is_the_gamma_gamma_posterior)
{
    const model_type *models[2] = { &model_mbgnbd, &model_pareto_nbd };
    const double p = 6.25, q = 3.74, gam = 15.44;
    for (int k = 0; k < 2; k++) {
        char ini[256];
        snprintf(ini, sizeof ini, "[channel.a]\n[customer]\nmodel = %s\n", models[k]->name);
        scenario *sc = tu_scenario(ini);
        diag d = { 0 };
        void *par = models[k]->prepare(sc, &d);
        cr_assert(par != NULL, "prepare: %s", d.msg);
        gsl_rng *g = rng(5100 + (unsigned long)k);
        const int n = 40000;
        const double hist[][2] = { { 0, 0 }, { 2, 22.35 }, { 8, 60 } };
        for (int j = 0; j < 3; j++) {
            customer_history h = { (int)hist[j][0], hist[j][0] > 0 ? 100 : 0, 200, hist[j][1] };
            double s = 0, s2 = 0;
            for (int i = 0; i < n; i++) {
                double state[MODEL_STATE_MAX] = { 0 }, next;
                models[k]->customer_from_history(par, &h, state, &next, g);
                visit_ctx v = { .purchase_no = h.repeat_purchases + 2 };
                double bill = models[k]->draw_bill(par, state, &v, g);
                s += bill, s2 += bill * bill;
            }
            double m, se, x = hist[j][0];
            mean_se(s, s2, n, &m, &se);
            char what[120];
            snprintf(what, sizeof what, "%s: mean bill after x = %g, zbar = %g", models[k]->name,
                     x, hist[j][1]);
            expect_within_se(m, se, p * (gam + x * hist[j][1]) / (p * x + q - 1), what);
        }
        gsl_rng_free(g);
        models[k]->release(par);
        scen_free(sc);
    }
}

/* ---------------------------------------------------------------- */
/* The engine                                                        */

/* the mean of E[X((H - u)/period)] over arrival days u ~ U(0, 1)
 * (Simpson, 20 intervals: E[X] is smooth, far below a standard error) */
static double cohort_mean(double (*ex)(const void *f, double t), const void *f, double period,
                          double H)
{
    const int n = 20;
    double sum = 0;
    for (int i = 0; i <= n; i++) {
        double u = (double)i / n, w = (i == 0 || i == n) ? 1 : (i % 2 ? 4 : 2);
        sum += w * ex(f, (H - u) / period);
    }
    return sum / (3.0 * n);
}

static double mbg_ex(const void *f, double t)
{
    return mbgnbd_expected_unconditional(f, t);
}

static double pn_ex(const void *f, double t)
{
    return pnbd_expected_unconditional(f, t);
}

static void rep_mean(const double *all, int reps, double (*f)(const double *m), double *mean,
                     double *se)
{
    double s = 0, s2 = 0;
    for (int r = 0; r < reps; r++) {
        double v = f(all + (size_t)r * MET_COUNT);
        s += v;
        s2 += v * v;
    }
    mean_se(s, s2, reps, mean, se);
}

static double repeats_per_customer(const double *m)
{
    return m[MET_PURCHASES_PER_CUSTOMER] - 1.0;
}

static double bill_per_visit(const double *m)
{
    return m[MET_REVENUE] / m[MET_VISITS];
}

/* a cohort of day 0 followed for 20 weeks: repeat purchases per customer
 * against E[X(t)], and the mean bill against p gamma/(q-1) */
static void check_engine(const char *ini, double (*ex)(const void *f, double t), const void *f,
                         const char *name, uint64_t seed)
{
    scenario *sc = tu_scenario(ini);
    const int reps = 24;
    double *all = tu_per_replication(sc, reps, seed, 1);
    double mean, se;
    char what[120];
    rep_mean(all, reps, repeats_per_customer, &mean, &se);
    snprintf(what, sizeof what, "%s on the engine: repeat purchases per customer in 20 weeks", name);
    expect_within_se(mean, se, cohort_mean(ex, f, 7, 140), what);
    /* a wrong time unit would be far off */
    double in_days = cohort_mean(ex, f, 1, 140);
    cr_expect(fabs(mean - in_days) > 20 * se, "%s: weeks and days cannot be told apart", name);
    rep_mean(all, reps, bill_per_visit, &mean, &se);
    snprintf(what, sizeof what, "%s on the engine: mean bill", name);
    expect_within_se(mean, se, 6.0 * 15.0 / 3.0, what);
    free(all);
    scen_free(sc);
}

Test(purchase_models, engine_purchases_match_the_closed_forms)
{
    mbgnbd_fit mf = { .r = 0.5, .alpha = 10, .a = 1.5, .b = 3 };
    check_engine("[scenario]\nhorizon_days = 140\n[customer]\nmodel = mbgnbd\n"
                 "[channel.once]\nprospects_per_day = 4000\nstep_conversion = 1\nstop_day = 1\n"
                 "[mbgnbd]\nr = 0.5\nalpha = 10\na = 1.5\nb = 3\nperiod_days = 7\n"
                 "[gamma_gamma]\np = 6\nq = 4\ngamma = 15\n",
                 mbg_ex, &mf, "mbgnbd", 61);
    pnbd_fit pf = { .r = 0.5, .alpha = 10, .s = 0.8, .beta = 12 };
    check_engine("[scenario]\nhorizon_days = 140\n[customer]\nmodel = pareto_nbd\n"
                 "[channel.once]\nprospects_per_day = 4000\nstep_conversion = 1\nstop_day = 1\n"
                 "[pareto_nbd]\nr = 0.5\nalpha = 10\ns = 0.8\nbeta = 12\nperiod_days = 7\n"
                 "[gamma_gamma]\np = 6\nq = 4\ngamma = 15\n",
                 pn_ex, &pf, "pareto_nbd", 62);
}

/* churn at every purchase, the first included; no psychology; the
 * continuation is the customer's own law */
Test(purchase_models, hooks_dropout_at_every_purchase_and_no_psychology)
{
    const model_type *models[2] = { &model_mbgnbd, &model_pareto_nbd };
    gsl_rng *g = rng(77);
    for (int k = 0; k < 2; k++) {
        char ini[256];
        snprintf(ini, sizeof ini,
                 "[channel.a]\n[customer]\nmodel = %s\n[gamma_gamma]\np = 6\nq = 4\ngamma = 15\n",
                 models[k]->name);
        scenario *sc = tu_scenario(ini);
        diag d = { 0 };
        void *p = models[k]->prepare(sc, &d);
        cr_assert(p != NULL, "prepare: %s", d.msg);
        cr_expect_float_eq(models[k]->mean_bill(p), 30.0, 1e-12);
        cr_expect(models[k]->mean_interval(p) > 0);
        for (int c = 0; c < 200; c++) {
            double state[MODEL_STATE_MAX] = { 0 };
            models[k]->customer_init(p, state, g);
            for (int n = 1; n <= 3; n++) {
                visit_ctx v = { .t = n, .purchase_no = n, .bill = 10, .cash = 10, .revenue = 10 };
                models[k]->experience(p, state, &v, g);
                cr_expect(!v.has_signal && !v.worth_less_than_cost, "%s: psychology faked",
                          models[k]->name);
                cr_expect(v.churn > 0 && v.churn < 1, "%s: dropout %g at purchase %d",
                          models[k]->name, v.churn, n);
                cr_expect(models[k]->draw_interval(p, state, g) > 0);
                cr_expect(models[k]->draw_bill(p, state, &v, g) > 0);
                model_continuation out;
                models[k]->continuation(p, state, v.churn, 1e-4, &out);
                cr_expect(out.exact && out.churn == v.churn && out.bill > 0
                              && out.interval_discount > 0 && out.interval_discount < 1,
                          "%s: continuation", models[k]->name);
            }
        }
        models[k]->release(p);
        scen_free(sc);
    }
    gsl_rng_free(g);
}

/* ---------------------------------------------------------------- */
/* Parameter recovery                                                */

/* n customers first buying uniformly over Tspread weeks, watched to week
 * T0 + Tspread */
static cust_summary *simulate(void (*sim)(gsl_rng *, const double *, double, double, sim_cust *),
                              const double *par, int n, double T0, double Tspread,
                              unsigned long seed)
{
    gsl_rng *g = rng(seed);
    cust_summary *c = calloc((size_t)n, sizeof *c);
    cr_assert(c != NULL);
    for (int i = 0; i < n; i++) {
        double T = T0 + Tspread * gsl_rng_uniform(g);
        sim_cust s;
        sim(g, par, T, 0, &s);
        c[i] = (cust_summary){ .x = s.x, .t_x = s.t_x, .T = T };
    }
    gsl_rng_free(g);
    return c;
}

Test(purchase_models, mbgnbd_recovers_simulated_parameters)
{
    const double par[4] = { 0.5, 6, 0.8, 2.5 };
    const int n = 6000;
    cust_summary *c = simulate(sim_mbgnbd, par, n, 52, 12, 20261207);
    diag d = { 0 };
    mbgnbd_fit f;
    double t0 = now_s();
    cr_assert_eq(mbgnbd_fit_run(c, n, &f, &d), DIAG_OK, "%s", d.msg);
    printf("purchase_models: MBG/NBD recovery (%d customers, %.2f s)\n", n, now_s() - t0);
    cr_expect(f.converged);
    expect_recovered(f.r, f.se[0], par[0], "MBG/NBD recovery: r");
    expect_recovered(f.alpha, f.se[1], par[1], "MBG/NBD recovery: alpha");
    expect_recovered(f.a, f.se[2], par[2], "MBG/NBD recovery: a");
    expect_recovered(f.b, f.se[3], par[3], "MBG/NBD recovery: b");
    const double est[4] = { f.r, f.alpha, f.a, f.b };
    expect_joint(est, par, f.cov_log, "MBG/NBD recovery, jointly");
    free(c);
}

Test(purchase_models, pnbd_recovers_simulated_parameters)
{
    /* two years of watching pin the death rates down with fewer customers
     * (the fit is the slow one: no analytic gradient) */
    const double par[4] = { 0.8, 8, 1.2, 20 };
    const int n = 3000;
    cust_summary *c = simulate(sim_pnbd, par, n, 78, 26, 20261208);
    diag d = { 0 };
    pnbd_fit f;
    double t0 = now_s();
    cr_assert_eq(pnbd_fit_run(c, n, &f, &d), DIAG_OK, "%s", d.msg);
    printf("purchase_models: Pareto/NBD recovery (%d customers, %.2f s)\n", n, now_s() - t0);
    cr_expect(f.converged);
    expect_recovered(f.r, f.se[0], par[0], "Pareto/NBD recovery: r");
    expect_recovered(f.alpha, f.se[1], par[1], "Pareto/NBD recovery: alpha");
    expect_recovered(f.s, f.se[2], par[2], "Pareto/NBD recovery: s");
    expect_recovered(f.beta, f.se[3], par[3], "Pareto/NBD recovery: beta");
    const double est[4] = { f.r, f.alpha, f.s, f.beta };
    expect_joint(est, par, f.cov_log, "Pareto/NBD recovery, jointly");
    free(c);
}

/* The starts run in parallel; the best is chosen in start order, so the
 * number of threads does not change a fit, bit for bit. */
Test(purchase_models, fits_are_the_same_for_any_thread_count)
{
    const double mpar[4] = { 0.8, 4, 1.5, 3 }, ppar[4] = { 0.8, 4, 1, 30 };
    cust_summary *mc = simulate(sim_mbgnbd, mpar, 800, 40, 0, 99);
    cust_summary *pc = simulate(sim_pnbd, ppar, 400, 40, 0, 98);
    mbgnbd_fit m1, m2;
    pnbd_fit p1, p2;
    diag d = { 0 };
    omp_set_num_threads(1);
    cr_assert_eq(mbgnbd_fit_run(mc, 800, &m1, &d), DIAG_OK, "%s", d.msg);
    cr_assert_eq(pnbd_fit_run(pc, 400, &p1, &d), DIAG_OK, "%s", d.msg);
    omp_set_num_threads(2);
    cr_assert_eq(mbgnbd_fit_run(mc, 800, &m2, &d), DIAG_OK, "%s", d.msg);
    cr_assert_eq(pnbd_fit_run(pc, 400, &p2, &d), DIAG_OK, "%s", d.msg);
    cr_expect(!memcmp(&m1, &m2, sizeof m1), "MBG/NBD: 1 thread and 2 threads differ");
    cr_expect(!memcmp(&p1, &p2, sizeof p1), "Pareto/NBD: 1 thread and 2 threads differ");
    free(mc);
    free(pc);
}

/* ---------------------------------------------------------------- */
/* Bad input                                                         */

Test(purchase_models, bad_input_is_a_usage_error)
{
    cust_summary few[5];
    for (int i = 0; i < 5; i++)
        few[i] = (cust_summary){ .x = i, .t_x = i ? 10 + i : 0, .T = 30 };
    mbgnbd_fit mf;
    pnbd_fit pf;
    diag d1 = { 0 }, d2 = { 0 };
    cr_expect_eq(mbgnbd_fit_run(few, 5, &mf, &d1), DIAG_USAGE);
    cr_expect(strstr(d1.msg, "at least 10 customers") && strstr(d1.msg, "got 5"), "%s", d1.msg);
    cr_expect_eq(pnbd_fit_run(few, 5, &pf, &d2), DIAG_USAGE);
    cr_expect(strstr(d2.msg, "at least 10 customers") && strstr(d2.msg, "got 5"), "%s", d2.msg);

    cust_summary none[40];
    for (int i = 0; i < 40; i++)
        none[i] = (cust_summary){ .x = 0, .T = 20 + i };
    diag d3 = { 0 }, d4 = { 0 };
    cr_expect_eq(mbgnbd_fit_run(none, 40, &mf, &d3), DIAG_USAGE);
    cr_expect(strstr(d3.msg, "none of the 40 customers made a repeat purchase"), "%s", d3.msg);
    cr_expect_eq(pnbd_fit_run(none, 40, &pf, &d4), DIAG_USAGE);
    cr_expect(strstr(d4.msg, "none of the 40 customers made a repeat purchase"), "%s", d4.msg);

    cust_summary c[20];
    for (int i = 0; i < 20; i++)
        c[i] = (cust_summary){ .x = 1, .t_x = 5, .T = 30 };
    c[3].t_x = 31;
    diag d5 = { 0 }, d6 = { 0 };
    cr_expect_eq(mbgnbd_fit_run(c, 20, &mf, &d5), DIAG_USAGE);
    cr_expect(strstr(d5.msg, "customer 4") && strstr(d5.msg, "t_x"), "%s", d5.msg);
    c[3].t_x = 5;
    c[7].x = 1.5;
    cr_expect_eq(pnbd_fit_run(c, 20, &pf, &d6), DIAG_USAGE);
    cr_expect(strstr(d6.msg, "customer 8") && strstr(d6.msg, "whole number"), "%s", d6.msg);
}

/* Every customer bought last at the calibration end and at the same pace:
 * nothing tells how customers differ or die, parameters run off to 0 or
 * infinity, and the fits must say they did not converge, with what they
 * tried, rather than return numbers. */
Test(purchase_models, a_fit_that_cannot_converge_says_so)
{
    cust_summary c[200];
    for (int i = 0; i < 200; i++)
        c[i] = (cust_summary){ .x = 3, .t_x = 30, .T = 30 };
    mbgnbd_fit mf;
    pnbd_fit pf;
    diag d1 = { 0 }, d2 = { 0 };
    cr_expect_eq(mbgnbd_fit_run(c, 200, &mf, &d1), DIAG_RUNTIME);
    cr_expect_eq(mf.converged, 0);
    cr_expect(strstr(d1.msg, "did not converge") && strstr(d1.msg, "starting points"), "%s",
              d1.msg);
    cr_expect_eq(pnbd_fit_run(c, 200, &pf, &d2), DIAG_RUNTIME);
    cr_expect_eq(pf.converged, 0);
    cr_expect(strstr(d2.msg, "did not converge") && strstr(d2.msg, "starting points"), "%s",
              d2.msg);
    printf("purchase_models: non-convergence messages:\n  %s\n  %s\n", d1.msg, d2.msg);
}
