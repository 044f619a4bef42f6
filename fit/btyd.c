/* btyd: BG/NBD, Gamma-Gamma and sBG fitted by maximum likelihood.
 *
 * Choices, in one place:
 *
 *  - Fitting: the multi-start maximum likelihood of mle.c, scheme
 *    MLE_NATURAL (its top comment gives the starts, minimisers, restart,
 *    convergence tests, Hessian and covariance of the log-parameters).
 *    Starts: 16 for BG/NBD (bgnbd_start_grid, shared with MBG/NBD), 8 for
 *    Gamma-Gamma, 9 for sBG, the scale parameters alpha and gamma started
 *    from the data's own scale.  BG/NBD, the expensive one, uses BFGS with
 *    its analytic gradient (digamma terms; see bg_nll_grad); Gamma-Gamma
 *    and sBG, cheap, use Nelder-Mead.  The likelihoods compute the terms
 *    that depend on x only once per distinct x, and BG/NBD counts customers
 *    sharing (x, t_x, T) once, with a weight (cust_groups.c).  A fit that
 *    does not converge returns DIAG_RUNTIME with a message saying which
 *    test failed, what was tried and how many starts reached the best
 *    value, and still fills *out with the best point found (converged = 0).
 *
 *  - Gauss's hypergeometric function.  GSL's gsl_sf_hyperg_2F1 is not used:
 *    on this problem it returns wrong values with GSL_SUCCESS and a small
 *    error estimate (2F1(-1.7, 3; 8.3; 0.5): GSL -4.194, true 0.7165; the
 *    BG/NBD expectation at r = 5, a = 4, b = 0.3, x = 5, z = 0.5 comes out
 *    67 % high) and fails with GSL_EMAXITER for z near 1 when c - a - b < 0
 *    (2F1(12.9, 3; 13; 0.999)).  Instead, with
 *    c = a+b+x-1, z = t/(alpha+T+t) in [0, 1) and A = a+b-1-r, Euler's
 *    transformation
 *        (1-z)^(r+x) 2F1(r+x, b+x; c; z) = (1-z)^(a-1) 2F1(A, a-1; c; z)
 *    gives the expectations' numerator as
 *        c (1 - (1-z)^(a-1) 2F1(A, a-1; c; z)) / (a-1)
 *          = -c expm1((a-1) ln(1-z)) / (a-1)
 *            - (1-z)^(a-1) sum_{k>=1} (A)_k (a)_(k-1) / ((c+1)_(k-1) k!) z^k,
 *    which stays O(1) for any x, is exact at a = 1 (the paper's formula's
 *    removable singularity) and has no pole in c.  The series is summed
 *    until a bound on its tail (the geometric tail of the largest remaining
 *    term ratio, which tends to z < 1 once every Pochhammer factor is
 *    positive) is below 1e-16 of the sum.  When the rounding bound of the
 *    result (cancellation, r much larger than a + b) exceeds 1e-9 of it, or
 *    10^7 terms do not converge (z within ~1e-6 of 1), the same number is
 *    computed as the integral it comes from,
 *        E_{p ~ Beta(a, b+x)} [(1 - (1 + p s)^-(r+x)) / p],  s = t/(alpha+T),
 *    by GSL's QAWS (the Beta density's endpoint singularities as weights).
 *    Checked while writing this against mpmath (50 digits) on 2,100 random
 *    parameter sets (r 0.01-300, a 0.03-16, b 0.03-100, x 0-300, z up to
 *    1 - 1e-6): both routes within 3e-10 relative.  sBG's DERL,
 *    B(alpha, beta+n+1)/B(alpha, beta+n) 2F1(1, beta+n+1; alpha+beta+n+1;
 *    1/(1+d)), is the same kind of series (all terms positive, ratio below
 *    1/(1+d)), with E_{theta ~ Beta(alpha, beta+n)}[(1-theta)/(1 - (1-theta)/(1+d))]
 *    by QAWS as its fallback.
 */
#include "btyd.h"
#include "bgnbd_family.h"
#include "cust_groups.h"
#include "mle.h"
#include "numerics.h"

#include <float.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_psi.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN_CUSTOMERS 10       /* fewer and a 3- or 4-parameter fit is noise */
#define SERIES_MAXTERMS 10000000L

/* ---------------------------------------------------------------- */
/* Small numerics                                                    */

/* Sum of t_1 + t_2 + ... with t_1 = first and t_(k+1)/t_k = ratio(k) * z,
 * ratio(k) -> 1; stops when the tail bound |t_k| q / (1 - q), q the larger
 * of z and the current ratio (the ratio tends to z monotonically once every
 * factor is positive, i.e. k > par[3]), is below 1e-16 of the sum.  NaN if
 * it does not within SERIES_MAXTERMS terms.  *maxabs: the largest |term|,
 * to judge the cancellation in an alternating start. */
typedef double (*ratio_fn)(long k, const double *par);

static double series_sum(double first, ratio_fn ratio, const double *par, double z,
                         double *maxabs)
{
    double sum = first, term = first;
    *maxabs = fabs(first);
    if (first == 0)
        return 0;
    for (long k = 1; k < SERIES_MAXTERMS; k++) {
        double rk = ratio(k, par) * z;
        term *= rk;
        sum += term;
        if (fabs(term) > *maxabs)
            *maxabs = fabs(term);
        if (!isfinite(sum))
            return NAN;
        if (rk > 0 && rk < 1 && (double)k > par[3]) {
            double q = rk > z ? rk : z;
            if (fabs(term) * q / (1 - q) <= 1e-16 * fabs(sum))
                return sum;
        }
        if (term == 0)
            return sum;
    }
    return NAN;
}

/* (A+k)(a+k-1) / ((c+k)(k+1)): the terms (A)_k (a)_(k-1) / ((c+1)_(k-1) k!) */
static double bg_ratio(long k, const double *par)
{
    double kk = (double)k;
    return (par[0] + kk) * (par[1] + kk - 1) / ((par[2] + kk) * (kk + 1));
}

/* E[f(p)] for p ~ Beta(wa, wb), by GSL's QAWS (adaptive Gauss-Kronrod and
 * Clenshaw-Curtis with the endpoint weights p^ea (1-p)^eb built in): the
 * exponents of the density below 0 go into those weights (so a density
 * that is infinite at an end costs nothing), the rest into the integrand.
 * NaN on failure. */
typedef struct beta_integrand {
    double (*f)(double, void *);
    void *par;
    double ka, kb, lnorm;   /* exponents left in the integrand; -ln B(wa, wb) */
} beta_integrand;

static double beta_weighted(double p, void *vb)
{
    const beta_integrand *B = vb;
    double lw = B->lnorm;
    if (B->ka != 0)
        lw += p > 0 ? B->ka * log(p) : -INFINITY;
    if (B->kb != 0)
        lw += p < 1 ? B->kb * log1p(-p) : -INFINITY;
    return B->f(p, B->par) * exp(lw);
}

static double beta_expect(double (*f)(double, void *), void *par, double wa, double wb)
{
    double ea = wa < 1 ? wa - 1 : 0, eb = wb < 1 ? wb - 1 : 0;
    beta_integrand B = { f, par, wa - 1 - ea, wb - 1 - eb, -lnbeta(wa, wb) };
    gsl_integration_qaws_table *tab = gsl_integration_qaws_table_alloc(ea, eb, 0, 0);
    gsl_integration_workspace *w = gsl_integration_workspace_alloc(1000);
    double res = NAN, abserr = 0;
    gsl_function F = { beta_weighted, &B };
    if (!tab || !w)
        res = NAN;
    else if (gsl_integration_qaws(&F, 0, 1, tab, 0, 1e-10, 1000, w, &res, &abserr) != GSL_SUCCESS
             && !(abserr <= 1e-8 * fabs(res)))
        res = NAN;
    gsl_integration_qaws_table_free(tab);
    gsl_integration_workspace_free(w);
    return res;
}

/* (1 - (1 + p s)^-(r+x)) / p, the expected purchases in the next s (alpha+T)
 * of a customer alive with death probability p, averaged over the rate */
static double bg_integrand(double p, void *vpar)
{
    const double *par = vpar;  /* rx, s */
    if (p <= 0)
        return par[0] * par[1];
    return -expm1(-par[0] * log1p(p * par[1])) / p;
}

/* c (1 - (1-z)^(r+x) 2F1(r+x, b+x; c; z)) / (a-1), c = a+b+x-1, z in [0, 1):
 * the numerator of the BG/NBD expectations (see the header comment).
 * First through Euler's transformation and the direct series; when that is
 * not good to 1e-9 by its rounding bound (cancellation: r much larger than
 * a + b) or does not converge (z within ~1e-6 of 1), the same quantity as an
 * integral over the dropout probability,
 *   E_{p ~ Beta(a, b+x)} [(1 - (1 + p s)^-(r+x)) / p],   s = z / (1 - z),
 * (the expected purchases of an alive customer, 1/p (1 - exp(-lambda p t)),
 * averaged over lambda ~ Gamma(r+x, alpha+T) and p), by QAWS. */
static double bg_expect_core(double r, double a, double b, double x, double z)
{
    double A = a + b - 1 - r, c = a + b + x - 1;
    if (z <= 0)
        return 0;
    if (!(z < 1))
        return NAN;
    double L = log1p(-z), pw = exp((a - 1) * L);
    double kmin = fmax(fmax(-A, 1 - a), -c);
    double par[4] = { A, a, c, kmin }, maxabs;
    double s = series_sum(A * z, bg_ratio, par, z, &maxabs);
    double lead = fabs(a - 1) < 1e-12 ? -L : -expm1((a - 1) * L) / (a - 1);
    double v = c * lead - pw * s;
    double err = DBL_EPSILON * (fabs(c * lead) + 16 * pw * maxabs);
    if (isfinite(v) && err <= 1e-9 * fabs(v))
        return v;
    double ipar[2] = { r + x, z / (1 - z) };
    return beta_expect(bg_integrand, ipar, a, b + x);
}

/* (b + n + k) / (a + b + n + k) for 2F1(1, b+n+1; a+b+n+1; z) */
static double sbg_ratio(long k, const double *par)
{
    double kk = (double)k;
    return (par[1] + kk) / (par[0] + par[1] + kk);
}

/* ---------------------------------------------------------------- */
/* BG/NBD                                                            */

double bgnbd_loglik_one(double r, double alpha, double a, double b, double x, double t_x, double T)
{
    double base = lngamma(r + x) - lngamma(r) + r * log(alpha) + lnbeta(a, b + x) - lnbeta(a, b)
                  - (r + x) * log(alpha + T);
    if (x > 0) {
        double u = log(a / (b + x - 1)) + (r + x) * (log(alpha + T) - log(alpha + t_x));
        base += log1pexp(u);
    }
    return base;
}

/* Gamma-Gamma's customers sorted by x, then zbar */
typedef struct gkey {
    double x, z;
} gkey;

static int gkey_cmp(const void *pa, const void *pb)
{
    const gkey *a = pa, *b = pb;
    if (a->x != b->x)
        return (a->x > b->x) - (a->x < b->x);
    return (a->z > b->z) - (a->z < b->z);
}

static double bg_nll(const double *th, void *ctx)
{
    const cust_groups *D = ctx;
    double r = th[0], alpha = th[1], a = th[2], b = th[3];
    double lnB0 = lnbeta(a, b), lgr = lngamma(r), la = log(alpha);
    double sum = 0;
    /* log(alpha + T) and log(alpha + t_x) once per distinct value (the same
     * numbers: the fit is bit for bit as before) */
    double *lTv = cust_groups_alpha_logs(D, alpha);
    if (!lTv)
        return INFINITY;
    double *ltv = lTv + D->nT;
    for (int g = 0; g < D->ng; g++) {
        double x = D->gx[g];
        double base = lngamma(r + x) - lgr + r * la + lnbeta(a, b + x) - lnB0;
        double lratio = x > 0 ? log(a / (b + x - 1)) : 0;
        double part = 0, wsum = 0;
        for (int i = D->gstart[g]; i < D->gstart[g + 1]; i++) {
            double lT = lTv[D->iT[i]];
            double l = -(r + x) * lT;
            if (x > 0)
                l += log1pexp(lratio + (r + x) * (lT - ltv[D->itx[i]]));
            part += D->w[i] * l;
            wsum += D->w[i];
        }
        sum += wsum * base + part;
    }
    free(lTv);
    return -sum;
}

/* bg_nll with its gradient: per customer, with u as in bg_nll and
 * pi = 1/(1 + exp(-u)) = 1 - P(alive) the weight of the "dead after the
 * last purchase" branch,
 *   d/dr     = psi(r+x) - psi(r) + ln alpha - ln(alpha+T) + pi (ln(alpha+T) - ln(alpha+t_x))
 *   d/dalpha = r/alpha - (r+x)/(alpha+T) + pi (r+x) (1/(alpha+T) - 1/(alpha+t_x))
 *   d/da     = psi(a+b) - psi(a+b+x) + pi/a
 *   d/db     = psi(b+x) - psi(b) + psi(a+b) - psi(a+b+x) - pi/(b+x-1)
 * (pi = 0 when x = 0). */
static double bg_nll_grad(const double *th, double *grad, void *ctx)
{
    const cust_groups *D = ctx;
    double r = th[0], alpha = th[1], a = th[2], b = th[3];
    double lnB0 = lnbeta(a, b), lgr = lngamma(r), la = log(alpha);
    double psr = gsl_sf_psi(r), psab = gsl_sf_psi(a + b), psb = gsl_sf_psi(b);
    double sum = 0, gr = 0, gal = 0, ga = 0, gb = 0;
    double *lTv = cust_groups_alpha_logs(D, alpha);
    if (!lTv)
        return INFINITY;
    double *ltv = lTv + D->nT;
    for (int g = 0; g < D->ng; g++) {
        double x = D->gx[g], rx = r + x;
        double base = lngamma(rx) - lgr + r * la + lnbeta(a, b + x) - lnB0;
        double psabx = gsl_sf_psi(a + b + x);
        double lratio = x > 0 ? log(a / (b + x - 1)) : 0;
        double part = 0, wsum = 0, pr = 0, pal = 0, ppi = 0;
        for (int i = D->gstart[g]; i < D->gstart[g + 1]; i++) {
            double w = D->w[i], aT = alpha + D->T[i], lT = lTv[D->iT[i]];
            double l = -rx * lT, dr = -lT, dal = -rx / aT;
            if (x > 0) {
                double at = alpha + D->tx[i], lt = ltv[D->itx[i]];
                double u = lratio + rx * (lT - lt);
                double e = exp(-fabs(u));
                double pi = u > 0 ? 1 / (1 + e) : e / (1 + e);
                l += (u > 0 ? u : 0) + log1p(e);
                dr += pi * (lT - lt);
                dal += pi * rx * (1 / aT - 1 / at);
                ppi += w * pi;
            }
            part += w * l;
            pr += w * dr;
            pal += w * dal;
            wsum += w;
        }
        sum += wsum * base + part;
        gr += wsum * (gsl_sf_psi(rx) - psr + la) + pr;
        gal += wsum * r / alpha + pal;
        ga += wsum * (psab - psabx);
        gb += wsum * (gsl_sf_psi(b + x) - psb + psab - psabx);
        if (x > 0) {
            ga += ppi / a;
            gb -= ppi / (b + x - 1);
        }
    }
    free(lTv);
    grad[0] = -gr;
    grad[1] = -gal;
    grad[2] = -ga;
    grad[3] = -gb;
    return -sum;
}

static const char *const bg_names[] = { "r", "alpha", "a", "b" };

/* The 16 starts of BG/NBD and MBG/NBD (bgnbd_family.h): a grid around the
 * data's purchase rate m = E[lambda] = r/alpha. */
int bgnbd_start_grid(double m, double st[][MLE_MAXP], char *tried, size_t tried_len)
{
    int ns = 0;
    const double rs[2] = { 0.3, 3 }, as[2] = { 0.3, 3 }, bs[2] = { 0.5, 5 }, am[2] = { 0.5, 2 };
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
            for (int u = 0; u < 2; u++)
                for (int v = 0; v < 2; v++) {
                    st[ns][0] = rs[i];
                    st[ns][1] = rs[i] / m * am[j];
                    st[ns][2] = as[u];
                    st[ns][3] = bs[v];
                    ns++;
                }
    snprintf(tried, tried_len,
             "r in {0.3, 3}, alpha = r/m x {0.5, 2} with m = %.4g repeat purchases per "
             "period, a in {0.3, 3}, b in {0.5, 5}",
             m);
    return ns;
}

int bgnbd_fit_run(const cust_summary *c, int n, bgnbd_fit *out, diag *d)
{
    memset(out, 0, sizeof *out);
    cust_groups D;
    int rc = cust_groups_build(c, n, "BG/NBD", &D, d);
    if (rc != DIAG_OK)
        return rc;

    double st[16][MLE_MAXP];
    char tried[200];
    int ns = bgnbd_start_grid(D.sx / D.sT, st, tried, sizeof tried);
    /* the starts screened on large data only (mle.h, MLE_SCREEN_FROM),
     * on a subsample of very large data (MLE_SCREEN_SUBSAMPLE_FROM) */
    cust_groups sub;
    int subsample = D.n >= MLE_SCREEN_SUBSAMPLE_FROM;
    if (subsample && (rc = cust_groups_subsample(c, n, D.n, MLE_SCREEN_SUBSAMPLE, "BG/NBD", &sub, d))) {
        cust_groups_free(&D);
        return rc;
    }
    mle_problem P = { 4, bg_nll, bg_nll_grad, &D, D.n, MLE_NATURAL,
                      D.n >= MLE_SCREEN_FROM ? MLE_SCREEN_FINISH : 0, subsample ? &sub : NULL };
    mle_result R;
    mle_fit(&P, (const double(*)[MLE_MAXP])st, ns, &R);
    cust_groups_free(&D);
    if (subsample)
        cust_groups_free(&sub);

    out->r = R.theta[0];
    out->alpha = R.theta[1];
    out->a = R.theta[2];
    out->b = R.theta[3];
    memcpy(out->se, R.se, sizeof out->se);
    memcpy(out->cov_log, R.cov_log, sizeof out->cov_log);
    out->loglik = -R.nll;
    out->n = D.n;
    out->starts = R.starts;
    out->converged = R.converged;
    if (!R.converged)
        return mle_report_failure(d, "BG/NBD", &R, bg_names, 4, "BFGS with the analytic gradient",
                                  tried);
    return DIAG_OK;
}

double bgnbd_p_alive(const bgnbd_fit *f, double x, double t_x, double T)
{
    if (!(x > 0))
        return 1;
    double u = log(f->a / (f->b + x - 1))
               + (f->r + x) * (log(f->alpha + T) - log(f->alpha + t_x));
    return 1 / (1 + exp(u));
}

double bgnbd_expected_conditional(const bgnbd_fit *f, double x, double t_x, double T, double t)
{
    if (!(t > 0))
        return 0;
    double z = t / (f->alpha + T + t);
    double num = bg_expect_core(f->r, f->a, f->b, x, z);
    return num * bgnbd_p_alive(f, x, t_x, T);
}

double bgnbd_expected_unconditional(const bgnbd_fit *f, double t)
{
    if (!(t > 0))
        return 0;
    return bg_expect_core(f->r, f->a, f->b, 0, t / (f->alpha + t));
}

/* The numerator of FHL (2005) eq. 10 alone: the denominator there is
 * 1 / P(alive), so this is the expectation given the customer is alive.
 * Computed directly rather than as E[Y] / P(alive), which is 0 / 0 for a
 * customer whose P(alive) underflows (long gone, many purchases). */
double bgnbd_expected_if_alive(const bgnbd_fit *f, double x, double T, double t)
{
    if (!(t > 0))
        return 0;
    return bg_expect_core(f->r, f->a, f->b, x > 0 ? x : 0, t / (f->alpha + T + t));
}

/* Fader, Hardie and Lee (2005) eq. 8:
 *   P(X(t) = x) = B(a, b+x)/B(a, b) NB(x; r, alpha/(alpha+t))
 *     + [x > 0] B(a+1, b+x-1)/B(a, b) P(NB(r, alpha/(alpha+t)) >= x),
 * NB(j; r, p) = Gamma(r+j)/(Gamma(r) j!) p^r (1-p)^j, the negative binomial
 * of purchases while alive; the bracket of the paper, 1 - sum_{j<x} NB(j),
 * is the upper tail, taken from GSL's incomplete-beta form so that it keeps
 * its relative precision where it is small (no 1 - 0.9999... cancellation).
 * The first term: alive at t after x purchases; the second: died right after
 * the x-th. */
double bgnbd_p_purchases(const bgnbd_fit *f, int x, double t)
{
    if (x < 0)
        return 0;
    if (!(t > 0))
        return x == 0;
    double p = f->alpha / (f->alpha + t), lbab = lnbeta(f->a, f->b);
    double alive = exp(lnbeta(f->a, f->b + x) - lbab) * gsl_ran_negative_binomial_pdf((unsigned)x, p, f->r);
    if (x == 0)
        return alive;
    double died = exp(lnbeta(f->a + 1, f->b + x - 1) - lbab)
                  * gsl_cdf_negative_binomial_Q((unsigned)(x - 1), p, f->r);
    return alive + died;
}

/* ---------------------------------------------------------------- */
/* Gamma-Gamma                                                       */

double gg_loglik_one(double p, double q, double gamma, double x, double zbar)
{
    double px = p * x;
    return lngamma(px + q) - lngamma(px) - lngamma(q) + q * log(gamma) + (px - 1) * log(zbar)
           + px * log(x) - (px + q) * log(gamma + x * zbar);
}

typedef struct gg_data {
    int n, ng;
    double *gx, *glx;
    int *gstart;
    double *z, *lz;
} gg_data;

static double gg_nll(const double *th, void *ctx)
{
    const gg_data *D = ctx;
    double p = th[0], q = th[1], gam = th[2];
    double lgq = lngamma(q), lgam = log(gam);
    double sum = 0;
    for (int g = 0; g < D->ng; g++) {
        double x = D->gx[g], px = p * x;
        double base = lngamma(px + q) - lngamma(px) - lgq + q * lgam + px * D->glx[g];
        double part = 0;
        for (int i = D->gstart[g]; i < D->gstart[g + 1]; i++)
            part += (px - 1) * D->lz[i] - (px + q) * log(gam + x * D->z[i]);
        sum += (D->gstart[g + 1] - D->gstart[g]) * base + part;
    }
    return -sum;
}

static void gg_data_free(gg_data *D)
{
    free(D->gx), free(D->glx), free(D->gstart), free(D->z), free(D->lz);
}

/* The repeat buyers of positive mean value zbar (used of them), every
 * every-th in c's order, sorted by x and grouped; -1 when out of memory. */
static int gg_data_build(const cust_summary *c, int n, int used, int every, gg_data *D)
{
    memset(D, 0, sizeof *D);
    int m = 0, seen = 0;
    gkey *k = malloc(sizeof *k * (size_t)used);
    D->gx = malloc(sizeof(double) * (size_t)used);
    D->glx = malloc(sizeof(double) * (size_t)used);
    D->gstart = malloc(sizeof(int) * (size_t)(used + 1));
    D->z = malloc(sizeof(double) * (size_t)used);
    D->lz = malloc(sizeof(double) * (size_t)used);
    if (!k || !D->gx || !D->glx || !D->gstart || !D->z || !D->lz) {
        free(k);
        gg_data_free(D);
        return -1;
    }
    for (int i = 0; i < n; i++)
        if (c[i].x > 0 && c[i].zbar > 0 && seen++ % every == 0)
            k[m++] = (gkey){ c[i].x, c[i].zbar };
    D->n = m;
    qsort(k, (size_t)m, sizeof *k, gkey_cmp);
    for (int i = 0; i < m; i++) {
        if (i == 0 || k[i].x != k[i - 1].x) {
            D->gx[D->ng] = k[i].x;
            D->glx[D->ng] = log(k[i].x);
            D->gstart[D->ng++] = i;
        }
        D->z[i] = k[i].z;
        D->lz[i] = log(k[i].z);
    }
    D->gstart[D->ng] = m;
    free(k);
    return 0;
}

static const char *const gg_names[] = { "p", "q", "gamma" };

int gg_fit_run(const cust_summary *c, int n, gg_fit *out, diag *d)
{
    memset(out, 0, sizeof *out);
    if (!c || n < 0)
        return diag_set(d, DIAG_USAGE, "Gamma-Gamma fit: no customers given");
    int used = 0;
    double sz = 0;
    for (int i = 0; i < n; i++) {
        if (!(c[i].x > 0))
            continue;
        if (!isfinite(c[i].x) || !isfinite(c[i].zbar) || c[i].zbar < 0)
            return diag_set(d, DIAG_USAGE,
                            "Gamma-Gamma fit: customer %d has x = %g and mean repeat value "
                            "zbar = %g; both must be finite and zbar >= 0",
                            i + 1, c[i].x, c[i].zbar);
        if (c[i].zbar > 0) {
            used++;
            sz += c[i].zbar;
        }
    }
    if (used < MIN_CUSTOMERS)
        return diag_set(d, DIAG_USAGE,
                        "Gamma-Gamma fit needs at least %d repeat buyers (customers with x > 0 "
                        "repeat purchases of positive mean value zbar); got %d of %d customers%s",
                        MIN_CUSTOMERS, used, n,
                        used == 0 ? ": nobody made a repeat purchase with a positive value" : "");

    gg_data D, sub;
    if (gg_data_build(c, n, used, 1, &D))
        return diag_set(d, DIAG_RUNTIME, "Gamma-Gamma fit: out of memory");
    /* on many repeat buyers the starts are screened on a systematic
     * subsample (mle.h, MLE_SCREEN_SUBSAMPLE_FROM; issue 14: 8 full
     * Nelder-Mead runs were a fifth of the fits' time on 100,000
     * customers); fewer are fitted as they always were */
    int subsample = used >= MLE_SCREEN_SUBSAMPLE_FROM;
    if (subsample && gg_data_build(c, n, used, used / MLE_SCREEN_SUBSAMPLE, &sub)) {
        gg_data_free(&D);
        return diag_set(d, DIAG_RUNTIME, "Gamma-Gamma fit: out of memory");
    }

    /* starts: E[zbar] ~ p gamma / (q - 1), so gamma from the mean value */
    double mz = sz / used;
    double st[8][MLE_MAXP];
    int ns = 0;
    const double ps[2] = { 1, 10 }, qs[2] = { 2, 10 }, gm[2] = { 0.3, 3 };
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
            for (int u = 0; u < 2; u++) {
                st[ns][0] = ps[i];
                st[ns][1] = qs[j];
                st[ns][2] = mz * (qs[j] - 1) / ps[i] * gm[u];
                st[ns][3] = 0;
                ns++;
            }
    mle_problem P = { 3, gg_nll, NULL, &D, used, MLE_NATURAL, subsample ? MLE_SCREEN_FINISH : 0,
                      subsample ? &sub : NULL };
    mle_result R;
    mle_fit(&P, (const double(*)[MLE_MAXP])st, ns, &R);
    gg_data_free(&D);
    if (subsample)
        gg_data_free(&sub);

    out->p = R.theta[0];
    out->q = R.theta[1];
    out->gamma = R.theta[2];
    memcpy(out->se, R.se, sizeof out->se);
    memcpy(out->cov_log, R.cov_log, sizeof out->cov_log);
    out->loglik = -R.nll;
    out->n = used;
    out->converged = R.converged;
    if (!R.converged) {
        char tried[200];
        snprintf(tried, sizeof tried,
                 "p in {1, 10}, q in {2, 10}, gamma = zbar_mean (q-1)/p x {0.3, 3} with "
                 "zbar_mean = %.4g",
                 mz);
        return mle_report_failure(d, "Gamma-Gamma", &R, gg_names, 3, "Nelder-Mead", tried);
    }
    return DIAG_OK;
}

/* p (gamma + x zbar) / (p x + q - 1): the posterior mean of p/nu.  A
 * customer without repeat purchases gets the population mean
 * p gamma / (q - 1), infinite when q <= 1. */
double gg_expected_value(const gg_fit *f, double x, double zbar)
{
    if (!(x > 0))
        x = 0, zbar = 0;
    double den = f->p * x + f->q - 1;
    if (!(den > 0))
        return INFINITY;
    return f->p * (f->gamma + x * zbar) / den;
}

/* ---------------------------------------------------------------- */
/* sBG                                                               */

typedef struct sbg_data {
    const double *s;
    int periods;
} sbg_data;

static double sbg_nll(const double *th, void *ctx)
{
    const sbg_data *D = ctx;
    double al = th[0], be = th[1];
    double lB0 = lnbeta(al, be);
    double ll = 0;
    for (int t = 1; t <= D->periods; t++) {
        double lost = D->s[t - 1] - D->s[t];
        if (lost > 0)
            ll += lost * (lnbeta(al + 1, be + t - 1) - lB0);
    }
    if (D->s[D->periods] > 0)
        ll += D->s[D->periods] * (lnbeta(al, be + D->periods) - lB0);
    return -ll;
}

static const char *const sbg_names[] = { "alpha", "beta" };

int sbg_fit_run(const double *survivors, int periods, sbg_fit *out, diag *d)
{
    memset(out, 0, sizeof *out);
    if (!survivors || periods < 2)
        return diag_set(d, DIAG_USAGE,
                        "sBG fit needs the survivors of at least 2 periods after the start "
                        "(2 parameters); got %d",
                        survivors ? periods : 0);
    if (!(survivors[0] > 0) || !isfinite(survivors[0]))
        return diag_set(d, DIAG_USAGE, "sBG fit: the cohort's size (survivors at t = 0) is %g",
                        survivors[0]);
    for (int t = 1; t <= periods; t++)
        if (!isfinite(survivors[t]) || survivors[t] < 0 || survivors[t] > survivors[t - 1])
            return diag_set(d, DIAG_USAGE,
                            "sBG fit: survivors must not grow and must be >= 0; period %d has "
                            "%g after %g",
                            t, survivors[t], survivors[t - 1]);
    if (survivors[periods] == survivors[0])
        return diag_set(d, DIAG_USAGE,
                        "sBG fit: nobody left in %d periods, so the churn rate cannot be "
                        "estimated",
                        periods);
    if (survivors[1] == 0)
        return diag_set(d, DIAG_USAGE,
                        "sBG fit: everybody left in the first period; nothing to fit");
    if (survivors[0] < MIN_CUSTOMERS)
        return diag_set(d, DIAG_USAGE, "sBG fit needs a cohort of at least %d; got %g",
                        MIN_CUSTOMERS, survivors[0]);

    sbg_data D = { survivors, periods };
    double st[9][MLE_MAXP];
    int ns = 0;
    const double g[3] = { 0.2, 1, 5 };
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            st[ns][0] = g[i];
            st[ns][1] = g[j];
            st[ns][2] = st[ns][3] = 0;
            ns++;
        }
    mle_problem P = { 2, sbg_nll, NULL, &D, survivors[0], MLE_NATURAL };
    mle_result R;
    mle_fit(&P, (const double(*)[MLE_MAXP])st, ns, &R);
    out->alpha = R.theta[0];
    out->beta = R.theta[1];
    memcpy(out->se, R.se, sizeof out->se);
    out->loglik = -R.nll;
    out->periods = periods;
    out->converged = R.converged;
    if (!R.converged)
        return mle_report_failure(d, "sBG", &R, sbg_names, 2, "Nelder-Mead",
                              "alpha, beta in {0.2, 1, 5}");
    return DIAG_OK;
}

double sbg_survival(const sbg_fit *f, int t)
{
    if (t <= 0)
        return 1;
    return exp(lnbeta(f->alpha, f->beta + t) - lnbeta(f->alpha, f->beta));
}

/* DERL of Fader and Hardie (2010, eq. 6 with n - 1 renewals there = n here):
 * a customer who has made n renewals (survived to t = n), standing at the
 * (n+1)-th renewal decision, counts the expected payments of that renewal
 * and all later ones, the first undiscounted and each later one discounted
 * by a further 1/(1+d):
 *   sum_{k>=0} S(n+1+k)/S(n) (1+d)^-k
 *     = B(alpha, beta+n+1)/B(alpha, beta+n) 2F1(1, beta+n+1; alpha+beta+n+1; 1/(1+d)).
 * With d = 0 this is (beta+n)/(alpha-1) for alpha > 1 and infinite otherwise. */
/* (1 - theta) / (1 - z (1 - theta)): the discounted renewals still to come
 * of a customer with churn probability theta, z = 1/(1+d) */
static double sbg_integrand(double th, void *vz)
{
    double z = *(const double *)vz;
    return (1 - th) / (1 - z * (1 - th));
}

double sbg_dert(const sbg_fit *f, double d, int n)
{
    double al = f->alpha, be = f->beta;
    if (!(d >= 0) || n < 0 || !(al > 0) || !(be > 0))
        return NAN;
    double lead = (be + n) / (al + be + n);  /* B(al, be+n+1) / B(al, be+n) */
    if (d == 0)
        return al > 1 ? (be + n) / (al - 1) : INFINITY;
    double z = 1 / (1 + d);
    double par[4] = { al, be + n, 0, 0 }, maxabs;
    double v = series_sum(lead, sbg_ratio, par, z, &maxabs);
    if (isfinite(v))
        return v;
    /* d so small that 10^7 terms are not enough: the integral over theta */
    return beta_expect(sbg_integrand, &z, al, be + n);
}
