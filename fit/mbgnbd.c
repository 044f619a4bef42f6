/* mbgnbd: MBG/NBD by maximum likelihood (see mbgnbd.h for the model).
 *
 * Likelihood (Batislam, Denizel and Filiztekin 2007).  Given lambda
 * and p, a customer with x repeat purchases, the last at t_x, watched to T,
 * either survived all x+1 dropout chances and made no purchase in
 * (t_x, T], or dropped out right after the last purchase:
 *   L(lambda, p) = (1-p)^(x+1) lambda^x e^(-lambda T) + p (1-p)^x lambda^x e^(-lambda t_x).
 * Over lambda ~ Gamma(r, alpha) and p ~ Beta(a, b):
 *   L = G(r+x) alpha^r / G(r) [ B(a, b+x+1)/B(a,b) (alpha+T)^-(r+x)
 *                               + B(a+1, b+x)/B(a,b) (alpha+t_x)^-(r+x) ],
 * and since B(a+1, b+x) / B(a, b+x+1) = a / (b+x),
 *   ln L = lnG(r+x) - lnG(r) + r ln alpha + lnB(a, b+x+1) - lnB(a, b)
 *          - (r+x) ln(alpha+T) + ln(1 + e^u),
 *   u = ln(a/(b+x)) + (r+x) (ln(alpha+T) - ln(alpha+t_x)),
 * and P(alive at T) = 1 / (1 + e^u), the share of the first branch.  The
 * x = 0 term is the same formula with t_x = 0 (BG/NBD has no second branch
 * there: that is the whole difference).
 *
 * Gradient, with pi = 1/(1 + e^-u) = 1 - P(alive):
 *   d/dr     = psi(r+x) - psi(r) + ln alpha - ln(alpha+T) + pi (ln(alpha+T) - ln(alpha+t_x))
 *   d/dalpha = r/alpha - (r+x)/(alpha+T) + pi (r+x) (1/(alpha+T) - 1/(alpha+t_x))
 *   d/da     = psi(a+b) - psi(a+b+x+1) + pi/a
 *   d/db     = psi(b+x+1) - psi(b) + psi(a+b) - psi(a+b+x+1) - pi/(b+x)
 * so the fit runs BFGS (fit/mle.c, scheme MLE_LOG) from the 16 starts of
 * BG/NBD (bgnbd_start_grid), on the customers grouped as for BG/NBD
 * (fit/cust_groups.c).
 *
 * Expectations.  For one customer (lambda, p) the purchases still to come
 * while alive are min(N, K), N ~ Poisson(lambda t) and K the purchases
 * before dropping out.  For a customer alive now, P(K >= j) = (1-p)^(j-1)
 * (the j-th purchase happens if the j-1 before it were survived), so
 *   E = sum_j P(N >= j) (1-p)^(j-1) = (1 - e^(-lambda p t)) / p,
 * BG/NBD's.  A new customer must also survive the first purchase's
 * dropout: P(K >= j) = (1-p)^j, and E = (1-p)/p (1 - e^(-lambda p t)).
 * Averaging:
 *   E[X(t)] = E_{p ~ Beta(a,b)} [(1-p)/p (1 - (1 + p t/alpha)^-r)]
 *           = b/(a+b) E_{p ~ Beta(a,b+1)} [(1 - (1 + p t/alpha)^-r)/p]
 *           = b/(a+b) x (BG/NBD's E[X(t)] at (r, alpha, a, b+1))
 *           = b/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b+1; a+b; t/(alpha+t))]
 * (Batislam et al. 2007), and given the history, alive customers
 * have lambda ~ Gamma(r+x, alpha+T) and p ~ Beta(a, b+x+1) (the first
 * branch of L), so
 *   E[Y(t) | x, t_x, T] = P(alive) E_{p ~ Beta(a, b+x+1)} [(1 - (1 + p t/(alpha+T))^-(r+x))/p]
 *                       = P(alive) x (BG/NBD's expectation if alive at (r, alpha, a, b+1)).
 * Both are therefore computed by fit/btyd.c's BG/NBD functions with b+1,
 * which avoid GSL's 2F1 (see btyd.c for why) and are tested there against
 * simulation and 50-digit arithmetic. */
#include "mbgnbd.h"

#include <gsl/gsl_sf_psi.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bgnbd_family.h"
#include "btyd.h"
#include "cust_groups.h"
#include "mle.h"
#include "numerics.h"

double mbgnbd_loglik_one(double r, double alpha, double a, double b, double x, double t_x, double T)
{
    if (!(x > 0))
        x = 0, t_x = 0;
    double u = log(a / (b + x)) + (r + x) * (log(alpha + T) - log(alpha + t_x));
    return lngamma(r + x) - lngamma(r) + r * log(alpha) + lnbeta(a, b + x + 1) - lnbeta(a, b)
           - (r + x) * log(alpha + T) + log1pexp(u);
}

static double mbg_nll_grad(const double *th, double *grad, void *ctx)
{
    const cust_groups *D = ctx;
    double r = th[0], alpha = th[1], a = th[2], b = th[3];
    double lnB0 = lnbeta(a, b), lgr = lngamma(r), la = log(alpha);
    double psr = gsl_sf_psi(r), psab = gsl_sf_psi(a + b), psb = gsl_sf_psi(b);
    double sum = 0, gr = 0, gal = 0, ga = 0, gb = 0;
    /* log(alpha + T) and log(alpha + t_x) once per distinct value (the same
     * numbers: the fit is bit for bit as before) */
    double *lTv = cust_groups_alpha_logs(D, alpha);
    if (!lTv)
        return INFINITY;
    double *ltv = lTv + D->nT;
    for (int g = 0; g < D->ng; g++) {
        double x = D->gx[g], rx = r + x;
        double base = lngamma(rx) - lgr + r * la + lnbeta(a, b + x + 1) - lnB0;
        double psabx = gsl_sf_psi(a + b + x + 1);
        double lratio = log(a / (b + x));
        double part = 0, wsum = 0, pr = 0, pal = 0, ppi = 0;
        for (int i = D->gstart[g]; i < D->gstart[g + 1]; i++) {
            double w = D->w[i], aT = alpha + D->T[i], lT = lTv[D->iT[i]];
            double at = alpha + D->tx[i], lt = ltv[D->itx[i]];
            double u = lratio + rx * (lT - lt);
            double e = exp(-fabs(u));
            double pi = u > 0 ? 1 / (1 + e) : e / (1 + e);
            part += w * (-rx * lT + (u > 0 ? u : 0) + log1p(e));
            pr += w * (-lT + pi * (lT - lt));
            pal += w * (-rx / aT + pi * rx * (1 / aT - 1 / at));
            ppi += w * pi;
            wsum += w;
        }
        sum += wsum * base + part;
        gr += wsum * (gsl_sf_psi(rx) - psr + la) + pr;
        gal += wsum * r / alpha + pal;
        ga += wsum * (psab - psabx) + ppi / a;
        gb += wsum * (gsl_sf_psi(b + x + 1) - psb + psab - psabx) - ppi / (b + x);
    }
    free(lTv);
    grad[0] = -gr;
    grad[1] = -gal;
    grad[2] = -ga;
    grad[3] = -gb;
    return -sum;
}

static double mbg_nll(const double *th, void *ctx)
{
    double g[4];
    return mbg_nll_grad(th, g, ctx);
}

static const char *const mbg_names[] = { "r", "alpha", "a", "b" };

int mbgnbd_fit_run(const cust_summary *c, int n, mbgnbd_fit *out, diag *d)
{
    memset(out, 0, sizeof *out);
    cust_groups D;
    int rc = cust_groups_build(c, n, "MBG/NBD", &D, d);
    if (rc != DIAG_OK)
        return rc;

    double st[16][MLE_MAXP];
    char tried[200];
    int ns = bgnbd_start_grid(D.sx / D.sT, st, tried, sizeof tried);
    /* the starts screened on large data only (mle.h, MLE_SCREEN_FROM),
     * on a subsample of very large data (MLE_SCREEN_SUBSAMPLE_FROM) */
    cust_groups sub;
    int subsample = D.n >= MLE_SCREEN_SUBSAMPLE_FROM;
    if (subsample && (rc = cust_groups_subsample(c, n, D.n, MLE_SCREEN_SUBSAMPLE, "MBG/NBD", &sub, d))) {
        cust_groups_free(&D);
        return rc;
    }
    mle_problem P = { 4, mbg_nll, mbg_nll_grad, &D, D.n, MLE_LOG,
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
        return mle_report_failure(d, "MBG/NBD", &R, mbg_names, 4,
                                  "BFGS with the analytic gradient", tried);
    return DIAG_OK;
}

double mbgnbd_p_alive(const mbgnbd_fit *f, double x, double t_x, double T)
{
    if (!(x > 0))
        x = 0, t_x = 0;
    double u = log(f->a / (f->b + x)) + (f->r + x) * (log(f->alpha + T) - log(f->alpha + t_x));
    return 1 / (1 + exp(u));
}

/* BG/NBD at b + 1: see the header comment */
static bgnbd_fit shifted(const mbgnbd_fit *f)
{
    bgnbd_fit g = { .r = f->r, .alpha = f->alpha, .a = f->a, .b = f->b + 1 };
    return g;
}

double mbgnbd_expected_conditional(const mbgnbd_fit *f, double x, double t_x, double T, double t)
{
    if (!(t > 0))
        return 0;
    bgnbd_fit g = shifted(f);
    double pa = mbgnbd_p_alive(f, x, t_x, T);
    if (pa == 0)
        return 0;
    return pa * bgnbd_expected_if_alive(&g, x > 0 ? x : 0, T, t);
}

double mbgnbd_expected_unconditional(const mbgnbd_fit *f, double t)
{
    if (!(t > 0))
        return 0;
    bgnbd_fit g = shifted(f);
    return f->b / (f->a + f->b) * bgnbd_expected_unconditional(&g, t);
}
