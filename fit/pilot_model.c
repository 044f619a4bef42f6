/* pilot_model: a pilot's effect on the three levers from a purchase model
 * and a spend model with the group as a covariate (see pilot_model.h).
 *
 * The purchase model.  BG/NBD (Fader, Hardie and Lee 2005, "Counting your
 * customers the easy way"): while alive a customer buys as a Poisson
 * process of rate lambda, lambda ~ Gamma(r, alpha) across customers, and
 * after each repeat purchase drops out with probability p, p ~ Beta(a, b).
 * BG/NBD rather than MBG/NBD: its dropout happens only after a purchase,
 * which is what a promotion acting at the visit (a stamp, a voucher) can
 * change, and it is the model the fitted bases of `retsim fit` use most
 * (MBG/NBD's extra death at time 0 would be a fifth, unaffected parameter).
 *
 * The covariate.  Fader and Hardie (2007, "Incorporating time-invariant
 * covariates into the Pareto/NBD and BG/NBD models", note at
 * brucehardie.com) scale the Gamma's rate parameter and the Beta's
 * parameters by exp(beta' x) across customers.  A pilot is different: the
 * same customer is untreated before the start and treated after it, so the
 * covariate is time-varying, and it is applied to the customer's own
 * lambda and p rather than to the population's mixing distributions:
 *
 *   from the start on, a treated customer buys at rate c lambda,
 *   c = exp(beta_rate), and after each purchase drops out with probability
 *   p' = 1 - (1 - p)^k, k = exp(beta_dropout),
 *
 * i.e. k multiplies the customer's dropout hazard -ln(1 - p) (a
 * proportional-hazards effect on the per-purchase survival; for small p,
 * p' ~ k p, so k is also the dropout probability's ratio).  Both keep the
 * likelihood in closed form (below), as the mixing-distribution
 * parametrisation would not for a change in the middle of a history.
 *
 * The likelihood.  Each customer of the existing base (first purchase
 * before the start) is observed in two periods, in weeks since the first
 * purchase: before the start, x1 repeat purchases, the last at t1, up to
 * T1; from the start, x2 purchases, the last t2 after the start, for T2.
 * Given lambda and p, with X = x1 + x2, the paths are: alive to the end,
 * lambda^X c^x2 e^(-lambda (T1 + c T2)) (1-p)^x1 (1-p')^x2; dead right
 * after the last purchase of the second period (x2 > 0), the same with
 * T1 + c t2 and (1-p')^(x2-1) p'; dead right after the last purchase before
 * the start (x2 = 0, x1 > 0), lambda^x1 e^(-lambda t1) (1-p)^(x1-1) p.
 * Integrating lambda over Gamma(r, alpha) and p over Beta(a, b), with
 * (1-p') = (1-p)^k and p' (1-p')^(x2-1) = (1-p)^(k(x2-1)) - (1-p)^(k x2):
 *
 *   L = c^x2 G(r, alpha, X) [ B(a, b+x1+k x2) / (alpha+T1+c T2)^(r+X)
 *        + [x2>0] (B(a, b+x1+k(x2-1)) - B(a, b+x1+k x2)) / (alpha+T1+c t2)^(r+X)
 *        + [x2=0, x1>0] B(a+1, b+x1-1) / (alpha+t1)^(r+X) ] / B(a, b)
 *
 * with G = Gamma(r+X)/Gamma(r) alpha^r; c = k = 1 for the control group
 * (and then it is BG/NBD's likelihood of (X, t_x, T1+T2)).  Fitting both
 * periods of both groups jointly conditions on each customer's history:
 * (r, alpha, a, b) are pinned by everything before the start and by the
 * control group after it, and (c, k) only by how the treated customers'
 * purchases after the start depart from what their own history and the
 * control group predict.  With random groups the two groups share
 * (r, alpha, a, b), so c and k are the promotion's effect; an imbalance
 * before the start is absorbed by the conditioning on each customer's
 * history rather than read as an effect.  Dropout is identified only
 * through the gaps the treated leave after their last purchase, so its
 * interval is wide on a short pilot.
 *
 * The spend model.  Gamma-Gamma (Fader, Hardie and Lee 2005, "RFM and
 * CLV"): a customer's purchase amounts are Gamma(p, nu), nu ~ Gamma(q,
 * gamma) across customers; from the start a treated customer's amounts are
 * Gamma(p, nu / s), so s multiplies the mean spend per visit.  With the
 * sums S1, S2 of the n1, n2 repeat purchases (the first purchase is left
 * out, as in the published model) in the two periods, S1 ~ Gamma(p n1, nu)
 * and S2 ~ Gamma(p n2, nu / s) given nu, and integrating nu:
 *
 *   L = S1^(p n1-1)/Gamma(p n1) S2^(p n2-1)/Gamma(p n2) s^(-p n2)
 *       Gamma(p n + q)/Gamma(q) gamma^q / (gamma + S1 + S2/s)^(p n + q).
 *
 * Fitting: mle.c on the log-parameters, so ln c, ln k, ln s are the
 * parameters' logarithms and their covariance is read off cov_log
 * (scheme MLE_LOG: the Hessian on the log scale).  The purchase model uses
 * both use BFGS with their analytic gradients below (checked against
 * central differences in tests/test_pilot_model.c), and when BFGS stalls
 * short of its gradient test, BFGS again, Nelder-Mead with a Newton
 * polish and BFGS once more, each from where the last stopped.  The customers are sorted so that
 * those sharing their counts share the Gamma and Beta functions. */
#include "pilot_model.h"

#include <gsl/gsl_integration.h>
#include <gsl/gsl_sf_psi.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mle.h"
#include "numerics.h"

#define BG_K 6
#define GG_K 4

/* ---------------------------------------------------------------- */
/* The customers                                                     */

int pilot_model_customers(const translog *t, const int *group, int start, int end,
                          pm_customer **out, int *n, double *median_interval_days, diag *d)
{
    const double P = PILOT_MODEL_PERIOD_DAYS;
    int m = 0;
    for (int i = 0; i < t->ncust; i++)
        m += t->day[t->first[i]] < start;
    pm_customer *c = calloc((size_t)(m > 0 ? m : 1), sizeof *c);
    double *gaps = malloc((size_t)(t->ntx > 0 ? t->ntx : 1) * sizeof *gaps);
    if (!c || !gaps) {
        free(c);
        free(gaps);
        return diag_set(d, DIAG_RUNTIME, "out of memory");
    }
    size_t ng = 0;
    int j = 0;
    for (int i = 0; i < t->ncust; i++) {
        int f = t->day[t->first[i]];
        if (f >= start)
            continue;
        pm_customer *x = &c[j++];
        x->treated = group[i] == PILOT_T;
        x->T1 = (start - f) / P;
        x->T2 = (end + 1 - start) / P;
        for (int k = t->first[i] + 1; k < t->first[i + 1]; k++) {
            int day = t->day[k];
            double a = t->amount[k];
            if (day < start) {
                gaps[ng++] = day - t->day[k - 1];
                x->x1 += 1;
                x->tx1 = (day - f) / P;
                if (a > 0) {
                    x->n1++;
                    x->S1 += a;
                }
            } else if (day <= end) {
                x->x2 += 1;
                x->tx2 = (day - start) / P;
                if (a > 0) {
                    x->n2++;
                    x->S2 += a;
                }
            }
        }
    }
    if (ng > 0) {
        gsl_sort(gaps, 1, ng);
        *median_interval_days = gsl_stats_median_from_sorted_data(gaps, 1, ng);
    } else {
        *median_interval_days = NAN;
    }
    free(gaps);
    *out = c;
    *n = m;
    return 0;
}

/* ---------------------------------------------------------------- */
/* The purchase model                                                */

typedef struct pm_data {
    const pm_customer *c;   /* sorted by (treated, x1, x2) for bg_*, (treated, n1, n2) for gg_* */
    int n;
} pm_data;

/* What one evaluation shares across customers (the parameters' own
 * special functions) and what customers with the same (treated, x1, x2)
 * share (the Beta and Gamma functions of their counts): computed once per
 * evaluation and once per such group, the customers sorted so that a group
 * is contiguous.  Only logarithms of alpha + exposure are per customer. */
typedef struct bg_global {
    double r, al, a, b, lgr, lal, lnB, psr, psa, psb, psab;
    int grad;
} bg_global;

typedef struct bg_group {
    double x1, x2;
    int tr;
    double cc, kk, rX, common, lB0, m1beta;   /* m1beta: the second term's Beta part */
    double rho;                               /* B_A / B_0's complement (x2 > 0) */
    double bA;
    /* gradient pieces */
    double d_common_r, pab0, pb0, pabA, pbA, pabx, pbx1;
} bg_group;

static void bg_global_set(const double *th, int grad, bg_global *G)
{
    G->r = th[0];
    G->al = th[1];
    G->a = th[2];
    G->b = th[3];
    G->lgr = lngamma(G->r);
    G->lal = log(G->al);
    G->lnB = lnbeta(G->a, G->b);
    G->grad = grad;
    if (grad) {
        G->psr = gsl_sf_psi(G->r);
        G->psa = gsl_sf_psi(G->a);
        G->psb = gsl_sf_psi(G->b);
        G->psab = gsl_sf_psi(G->a + G->b);
    }
}

static void bg_group_set(const double *th, const bg_global *G, const pm_customer *c, bg_group *q)
{
    double a = G->a, b = G->b;
    q->x1 = c->x1;
    q->x2 = c->x2;
    q->tr = c->treated;
    q->cc = q->tr ? th[4] : 1;
    q->kk = q->tr ? th[5] : 1;
    double x1 = c->x1, x2 = c->x2;
    q->rX = G->r + x1 + x2;
    q->common = lngamma(q->rX) - G->lgr + G->r * G->lal - G->lnB + (q->tr ? x2 * log(q->cc) : 0);
    double b0 = b + x1 + q->kk * x2;
    q->lB0 = lnbeta(a, b0);
    q->m1beta = -INFINITY;
    if (x2 > 0) {
        q->bA = b + x1 + q->kk * (x2 - 1);
        double lBA = lnbeta(a, q->bA);
        q->rho = exp(q->lB0 - lBA);
        q->m1beta = lBA + log1p(-q->rho);
    } else if (x1 > 0) {
        q->m1beta = lnbeta(a + 1, b + x1 - 1);
    }
    if (G->grad) {
        q->d_common_r = gsl_sf_psi(q->rX) - G->psr + G->lal;
        q->pab0 = gsl_sf_psi(a + b0);
        q->pb0 = gsl_sf_psi(b0);
        if (x2 > 0) {
            q->pabA = gsl_sf_psi(a + q->bA);
            q->pbA = gsl_sf_psi(q->bA);
        } else if (x1 > 0) {
            q->pabx = gsl_sf_psi(a + b + x1);
            q->pbx1 = gsl_sf_psi(b + x1 - 1);
        }
    }
}

/* One customer's log-likelihood (see the top comment) and, when g is not
 * NULL, its gradient in (r, alpha, a, b, c, k). */
static double bg_cust(const bg_global *G, const bg_group *q, const pm_customer *c, double *g)
{
    double al = G->al, rX = q->rX, x2 = q->x2, x1 = q->x1;
    int tr = q->tr;
    /* term 0: alive to the end */
    double E0 = c->T1 + q->cc * c->T2;
    double m0 = -rX * log(al + E0) + q->lB0;
    /* term 1: dead after the last purchase, of the second period or, with
     * none in it, of the first */
    int has1 = x2 > 0 || x1 > 0;
    double m1 = -INFINITY, E1 = 0;
    if (has1) {
        E1 = x2 > 0 ? c->T1 + q->cc * c->tx2 : c->tx1;
        m1 = -rX * log(al + E1) + q->m1beta;
    }
    double L = has1 ? logaddexp(m0, m1) : m0;
    if (g) {
        double w0 = exp(m0 - L), w1 = has1 ? exp(m1 - L) : 0;
        double psa = G->psa, psab = G->psab, pab0 = q->pab0, pb0 = q->pb0;
        g[0] = q->d_common_r - w0 * log(al + E0);
        g[1] = G->r / al - w0 * rX / (al + E0);
        g[2] = -(psa - psab) + w0 * (psa - pab0);
        g[3] = -(G->psb - psab) + w0 * (pb0 - pab0);
        g[4] = tr ? x2 / q->cc - w0 * rX * c->T2 / (al + E0) : 0;
        g[5] = tr ? w0 * x2 * (pb0 - pab0) : 0;
        if (has1) {
            g[0] -= w1 * log(al + E1);
            g[1] -= w1 * rX / (al + E1);
            if (x2 > 0) {
                /* d ln(B_A - B_0) = (d ln B_A - rho d ln B_0) / (1 - rho) */
                double rho = q->rho, den = 1 - rho;
                g[2] += w1 * ((psa - q->pabA) - rho * (psa - pab0)) / den;
                g[3] += w1 * ((q->pbA - q->pabA) - rho * (pb0 - pab0)) / den;
                if (tr) {
                    g[4] -= w1 * rX * c->tx2 / (al + E1);
                    g[5] += w1 * ((x2 - 1) * (q->pbA - q->pabA) - rho * x2 * (pb0 - pab0)) / den;
                }
            } else {
                g[2] += w1 * (gsl_sf_psi(G->a + 1) - q->pabx);
                g[3] += w1 * (q->pbx1 - q->pabx);
            }
        }
    }
    return q->common + L;
}

static double bg_sum(const double *th, double *grad, const pm_data *D)
{
    bg_global G = { 0 };
    bg_group q = { .tr = -1 };
    bg_global_set(th, grad != NULL, &G);
    double sum = 0, g[BG_K];
    if (grad)
        for (int j = 0; j < BG_K; j++)
            grad[j] = 0;
    for (int i = 0; i < D->n; i++) {
        const pm_customer *c = &D->c[i];
        if (c->treated != q.tr || c->x1 != q.x1 || c->x2 != q.x2)
            bg_group_set(th, &G, c, &q);
        sum += bg_cust(&G, &q, c, grad ? g : NULL);
        if (grad)
            for (int j = 0; j < BG_K; j++)
                grad[j] -= g[j];
    }
    return -sum;
}

static double bg_nll_grad(const double *th, double *grad, void *ctx)
{
    return bg_sum(th, grad, ctx);
}

static double bg_nll(const double *th, void *ctx)
{
    return bg_sum(th, NULL, ctx);
}

/* the purchase model with dropout unchanged (k = 1): theta = (r, alpha,
 * a, b, c) */
static double bg5_nll_grad(const double *th, double *grad, void *ctx)
{
    double t6[BG_K] = { th[0], th[1], th[2], th[3], th[4], 1 }, g6[BG_K];
    double v = bg_sum(t6, g6, ctx);
    memcpy(grad, g6, 5 * sizeof *grad);
    return v;
}

static double bg5_nll(const double *th, void *ctx)
{
    double t6[BG_K] = { th[0], th[1], th[2], th[3], th[4], 1 };
    return bg_sum(t6, NULL, ctx);
}

/* mle_fit from starts, then, while it has not passed its tests, BFGS again
 * from where it stopped (a fresh approximation of the Hessian), Nelder-Mead
 * with the Newton polish on the finite-difference Hessian (mle.c's other
 * route), and BFGS once more: BFGS stalls now and then just short of its
 * gradient test on the flat ridge between c and k (a short pilot says
 * little about dropout) */
static void fit_with_retries(int k, nll_fn f, nll_grad_fn fg, pm_data *D, const double (*st)[MLE_MAXP],
                             int ns, mle_result *R)
{
    mle_problem P = { k, f, fg, D, D->n, MLE_LOG };
    mle_fit(&P, st, ns, R);
    int agree = R->agree;
    for (int again = 0; again < 3 && !R->converged && R->nll < 1e300; again++) {
        double st2[1][MLE_MAXP];
        memcpy(st2[0], R->theta, sizeof st2[0]);
        mle_problem P2 = { k, f, again == 1 ? NULL : fg, D, D->n, MLE_LOG };
        mle_fit(&P2, (const double(*)[MLE_MAXP])st2, 1, R);
        R->agree = agree;
        R->starts = ns;
    }
}

static int cmp_bg(const void *pa, const void *pb)
{
    const pm_customer *a = pa, *b = pb;
    if (a->treated != b->treated)
        return a->treated - b->treated;
    if (a->x1 != b->x1)
        return (a->x1 > b->x1) - (a->x1 < b->x1);
    return (a->x2 > b->x2) - (a->x2 < b->x2);
}

static int cmp_gg(const void *pa, const void *pb)
{
    const pm_customer *a = pa, *b = pb;
    if (a->treated != b->treated)
        return a->treated - b->treated;
    if (a->n1 != b->n1)
        return a->n1 - b->n1;
    return a->n2 - b->n2;
}

/* ---------------------------------------------------------------- */
/* The spend model                                                   */

/* the Gamma functions of a group of customers with the same (treated,
 * n1, n2), as bg_group */
typedef struct gg_group {
    int tr, n1, n2;
    double part;   /* lnGamma(p n + q) - lnGamma(p n1) - lnGamma(p n2) - p n2 ln s + const */
} gg_group;

/* gg_nll with its gradient: per customer, with S = S1 + S2/s and n = n1 + n2,
 *   d/dp     = n psi(p n + q) - n ln(gamma + S) + [n1 > 0] n1 (ln S1 - psi(p n1))
 *              + [n2 > 0] n2 (ln S2 - psi(p n2) - ln s)
 *   d/dq     = psi(p n + q) - psi(q) + ln gamma - ln(gamma + S)
 *   d/dgamma = q / gamma - (p n + q) / (gamma + S)
 *   d/ds     = (p n + q) S2 / s^2 / (gamma + S) - p n2 / s   (treated; s = 1 otherwise) */
static double gg_nll_grad(const double *th, double *grad, void *ctx)
{
    const pm_data *D = ctx;
    double p = th[0], q = th[1], gam = th[2], sr = th[3];
    double lgq = lngamma(q), lgam = log(gam), ls = log(sr), psq = gsl_sf_psi(q);
    double sum = 0, g0 = 0, g1 = 0, g2 = 0, g3 = 0;
    for (int i = 0; i < D->n; i++) {
        const pm_customer *c = &D->c[i];
        int n = c->n1 + c->n2;
        double s = c->treated ? sr : 1, lsc = c->treated ? ls : 0;
        double pnq = p * n + q, S = c->S1 + c->S2 / s, lgs = log(gam + S), ps = gsl_sf_psi(pnq);
        double l = lngamma(pnq) - lgq + q * lgam - pnq * lgs;
        double dp = n * ps - n * lgs;
        if (c->n1 > 0) {
            double lS1 = log(c->S1);
            l += (p * c->n1 - 1) * lS1 - lngamma(p * c->n1);
            dp += c->n1 * (lS1 - gsl_sf_psi(p * c->n1));
        }
        if (c->n2 > 0) {
            double lS2 = log(c->S2);
            l += (p * c->n2 - 1) * lS2 - lngamma(p * c->n2) - p * c->n2 * lsc;
            dp += c->n2 * (lS2 - gsl_sf_psi(p * c->n2) - lsc);
        }
        sum += l;
        g0 += dp;
        g1 += ps - psq + lgam - lgs;
        g2 += q / gam - pnq / (gam + S);
        if (c->treated)
            g3 += pnq * c->S2 / (s * s) / (gam + S) - p * c->n2 / s;
    }
    grad[0] = -g0;
    grad[1] = -g1;
    grad[2] = -g2;
    grad[3] = -g3;
    return -sum;
}

static double gg_nll(const double *th, void *ctx)
{
    const pm_data *D = ctx;
    double p = th[0], q = th[1], gam = th[2];
    double lgq = lngamma(q), lgam = log(gam), ls = log(th[3]);
    gg_group G = { .tr = -1 };
    double sum = 0;
    for (int i = 0; i < D->n; i++) {
        const pm_customer *c = &D->c[i];
        if (c->treated != G.tr || c->n1 != G.n1 || c->n2 != G.n2) {
            G.tr = c->treated;
            G.n1 = c->n1;
            G.n2 = c->n2;
            int n = c->n1 + c->n2;
            G.part = lngamma(p * n + q) - lgq + q * lgam;
            if (c->n1 > 0)
                G.part -= lngamma(p * c->n1);
            if (c->n2 > 0)
                G.part -= lngamma(p * c->n2) + (c->treated ? p * c->n2 * ls : 0);
        }
        double s = c->treated ? th[3] : 1, l = G.part;
        l -= (p * (c->n1 + c->n2) + q) * log(gam + c->S1 + c->S2 / s);
        if (c->n1 > 0)
            l += (p * c->n1 - 1) * log(c->S1);
        if (c->n2 > 0)
            l += (p * c->n2 - 1) * log(c->S2);
        sum += l;
    }
    return -sum;
}

static const char *const bg_names[] = { "r", "alpha", "a", "b", "c (rate ratio)", "k (dropout ratio)" };

/* the spend model on the customers with a repeat purchase of positive
 * amount, if there are enough in both groups after the start to say
 * anything (10 each); 0 when fitted */
static int fit_spend(const pm_customer *c, int n, pilot_model *m)
{
    pm_customer *s = malloc((size_t)(n > 0 ? n : 1) * sizeof *s);
    if (!s)
        return -1;
    int k = 0, post[2] = { 0 };
    double zsum = 0;
    for (int i = 0; i < n; i++)
        if (c[i].n1 + c[i].n2 > 0) {
            s[k++] = c[i];
            zsum += (c[i].S1 + c[i].S2) / (c[i].n1 + c[i].n2);
            post[c[i].treated] += c[i].n2 > 0;
        }
    m->n_spend = k;
    qsort(s, (size_t)k, sizeof *s, cmp_gg);
    if (post[0] < 10 || post[1] < 10) {
        free(s);
        return -1;
    }
    double zm = zsum / k, st[4][MLE_MAXP];
    const double ps[2] = { 1, 6 }, qs[2] = { 3, 10 };
    int ns = 0;
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) {
            st[ns][0] = ps[i];
            st[ns][1] = qs[j];
            st[ns][2] = zm * (qs[j] - 1) / ps[i];
            st[ns][3] = 1;
            ns++;
        }
    pm_data D = { s, k };
    mle_problem P = { GG_K, gg_nll, gg_nll_grad, &D, k, MLE_LOG };
    mle_result R;
    mle_fit(&P, (const double(*)[MLE_MAXP])st, ns, &R);
    for (int again = 0; again < 2 && !R.converged && R.nll < 1e300; again++) {   /* as the purchase model */
        double st2[1][MLE_MAXP];
        memcpy(st2[0], R.theta, sizeof st2[0]);
        mle_problem P2 = { GG_K, gg_nll, again ? NULL : gg_nll_grad, &D, k, MLE_LOG };
        mle_fit(&P2, (const double(*)[MLE_MAXP])st2, 1, &R);
    }
    free(s);
    for (int j = 0; j < GG_K; j++) {
        m->gg[j] = R.theta[j];
        m->gg_se[j] = R.se[j];
    }
    m->gg_loglik = -R.nll;
    m->gg_converged = R.converged;
    if (!R.converged)
        return -1;
    m->lev.log_ratio[LEVER_SPEND] = log(R.theta[3]);
    m->lev.se[LEVER_SPEND] = sqrt(R.cov_log[3 * GG_K + 3]);
    m->lev.estimated[LEVER_SPEND] = 1;
    m->lever_source[LEVER_SPEND] = "gamma_gamma_covariate";
    return 0;
}

int pilot_model_fit(const pm_customer *c, int n, pilot_model *m, diag *d)
{
    memset(m->bg, 0, sizeof m->bg);
    for (int j = 0; j < LEVER_COUNT; j++) {
        m->lev.log_ratio[j] = 0;
        m->lev.se[j] = 0;
        m->lev.estimated[j] = 0;
        m->lever_source[j] = "not_estimated";
    }
    m->lev.source = "bgnbd_covariate";
    m->lev.cov_rate_dropout = 0;
    m->n[0] = m->n[1] = m->n_repeat_pre = 0;
    double sx = 0, sT = 0;
    for (int i = 0; i < n; i++) {
        m->n[c[i].treated]++;
        m->n_repeat_pre += c[i].x1 > 0;
        sx += c[i].x1 + c[i].x2;
        sT += c[i].T1 + c[i].T2;
    }
    if (m->n[0] < 2 || m->n[1] < 2)
        return diag_set(d, DIAG_USAGE, "the purchase model needs customers in both groups (%d treated, %d "
                                       "control)", m->n[1], m->n[0]);
    if (m->n_repeat_pre < PILOT_MODEL_MIN_REPEAT || !(sx > 0))
        return diag_set(d, DIAG_USAGE,
                        "only %d customers bought again before the start (the purchase model needs "
                        "%d): too little history to condition on",
                        m->n_repeat_pre, PILOT_MODEL_MIN_REPEAT);
    double mrate = sx / sT, st[4][MLE_MAXP];
    const double rab[4][3] = { { 0.5, 0.5, 2 }, { 2, 0.5, 5 }, { 0.5, 2, 8 }, { 2, 2, 2 } };
    for (int s = 0; s < 4; s++) {
        st[s][0] = rab[s][0];
        st[s][1] = rab[s][0] / mrate;
        st[s][2] = rab[s][1];
        st[s][3] = rab[s][2];
        st[s][4] = 1;
        st[s][5] = 1;
    }
    pm_customer *sorted = malloc((size_t)n * sizeof *sorted);
    if (!sorted)
        return diag_set(d, DIAG_RUNTIME, "out of memory");
    memcpy(sorted, c, (size_t)n * sizeof *sorted);
    qsort(sorted, (size_t)n, sizeof *sorted, cmp_bg);
    pm_data D = { sorted, n };
    mle_result R;
    fit_with_retries(BG_K, bg_nll, bg_nll_grad, &D, (const double(*)[MLE_MAXP])st, 4, &R);
    m->dropout_fixed = 0;
    if (!R.converged && R.nll < 1e300) {
        /* dropout not pinned down by this pilot (k running off to 0 or
         * infinity on a small or short one): the model with dropout
         * unchanged still measures the rate */
        mle_result R5;
        fit_with_retries(5, bg5_nll, bg5_nll_grad, &D, (const double(*)[MLE_MAXP])st, 4, &R5);
        if (R5.converged) {
            snprintf(m->dropout_why, sizeof m->dropout_why, "%s", R.why);
            m->dropout_fixed = 1;
            R = R5;   /* into the six-parameter layout, k = 1 known */
            R.theta[5] = 1;
            R.se[5] = NAN;
            double cov[BG_K * BG_K] = { 0 };
            for (int i = 0; i < 5; i++)
                for (int j = 0; j < 5; j++)
                    cov[i * BG_K + j] = R5.cov_log[i * 5 + j];
            memcpy(R.cov_log, cov, sizeof cov);
        }
    }
    free(sorted);
    for (int j = 0; j < BG_K; j++) {
        m->bg[j] = R.theta[j];
        m->bg_se[j] = R.se[j];
    }
    memcpy(m->bg_cov_log, R.cov_log, sizeof m->bg_cov_log);
    m->bg_loglik = -R.nll;
    m->bg_starts = R.starts;
    m->bg_agree = R.agree;
    m->bg_converged = R.converged;
    if (!R.converged) {
        char tried[160];
        snprintf(tried, sizeof tried, "(r, a, b) in {(0.5, 0.5, 2), (2, 0.5, 5), (0.5, 2, 8), (2, 2, 2)}, "
                                      "alpha = r / %.4g, c = k = 1", mrate);
        return mle_report_failure(d, "the pilot's purchase model", &R, bg_names, BG_K,
                                  "BFGS with the analytic gradient", tried);
    }
    m->lev.log_ratio[LEVER_RATE] = log(R.theta[4]);
    m->lev.se[LEVER_RATE] = sqrt(R.cov_log[4 * BG_K + 4]);
    m->lev.estimated[LEVER_RATE] = 1;
    m->lever_source[LEVER_RATE] = "bgnbd_covariate";
    if (!m->dropout_fixed) {
        m->lev.log_ratio[LEVER_DROPOUT] = log(R.theta[5]);
        m->lev.se[LEVER_DROPOUT] = sqrt(R.cov_log[5 * BG_K + 5]);
        m->lev.estimated[LEVER_DROPOUT] = 1;
        m->lever_source[LEVER_DROPOUT] = "bgnbd_covariate";
        m->lev.cov_rate_dropout = R.cov_log[4 * BG_K + 5];
    }
    if (fit_spend(c, n, m))
        m->lever_source[LEVER_SPEND] = "not_estimated";
    return 0;
}

/* ---------------------------------------------------------------- */
/* What the model says the promotion added                           */

typedef struct post_par {
    double rx, s, k;
} post_par;

/* (1 - (1 + q s)^-(r+x1)) / q with q = 1 - (1-p)^k: the expected purchases
 * over the pilot of a customer alive at the start with dropout p (k applied
 * from the start), averaged over the rate's posterior Gamma(r+x1, alpha+T1)
 * (E over lambda of (1 - e^(-q c lambda T2)) / q; s = c T2 / (alpha+T1)) */
static double post_integrand(double p, void *vp)
{
    const post_par *P = vp;
    double q = -expm1(P->k * log1p(-p));
    if (!(q > 1e-300))
        return P->rx * P->s;
    return -expm1(-P->rx * log1p(q * P->s)) / q;
}

typedef struct beta_w {
    post_par par;
    double ka, kb, lnorm;
} beta_w;

static double beta_weighted(double p, void *vb)
{
    const beta_w *B = vb;
    double lw = B->lnorm;
    if (B->ka != 0)
        lw += p > 0 ? B->ka * log(p) : -INFINITY;
    if (B->kb != 0)
        lw += p < 1 ? B->kb * log1p(-p) : -INFINITY;
    return post_integrand(p, (void *)&B->par) * exp(lw);
}

/* E over p ~ Beta(wa, wb) by GSL's QAWS, the density's endpoint
 * singularities as its weights (as btyd.c's beta_expect) */
static double beta_expect(const post_par *par, double wa, double wb, gsl_integration_workspace *w)
{
    double ea = wa < 1 ? wa - 1 : 0, eb = wb < 1 ? wb - 1 : 0;
    beta_w B = { *par, wa - 1 - ea, wb - 1 - eb, -lnbeta(wa, wb) };
    gsl_integration_qaws_table *tab = gsl_integration_qaws_table_alloc(ea, eb, 0, 0);
    double res = NAN, abserr = 0;
    gsl_function F = { beta_weighted, &B };
    if (tab && gsl_integration_qaws(&F, 0, 1, tab, 0, 1e-10, 1000, w, &res, &abserr) != 0
        && !(abserr <= 1e-8 * fabs(res)))
        res = NAN;
    gsl_integration_qaws_table_free(tab);
    return res;
}

/* P(alive at the start) x E[purchases over the pilot | alive]; given alive
 * at the start the posterior is lambda ~ Gamma(r+x1, alpha+T1) and
 * p ~ Beta(a, b+x1), independent (Fader, Hardie and Lee 2005) */
static double expected_post_w(const double *bg, const pm_customer *c, int treated,
                              gsl_integration_workspace *w)
{
    double r = bg[0], al = bg[1], a = bg[2], b = bg[3];
    double cc = treated ? bg[4] : 1, kk = treated ? bg[5] : 1, x1 = c->x1;
    double palive = 1;
    if (x1 > 0)
        palive = 1 / (1 + a / (b + x1 - 1) * exp((r + x1) * (log(al + c->T1) - log(al + c->tx1))));
    post_par P = { r + x1, cc * c->T2 / (al + c->T1), kk };
    return palive * beta_expect(&P, a, b + x1, w);
}

double pilot_model_expected_post(const double *bg, const pm_customer *c, int treated)
{
    gsl_integration_workspace *w = gsl_integration_workspace_alloc(1000);
    double v = w ? expected_post_w(bg, c, treated, w) : NAN;
    gsl_integration_workspace_free(w);
    return v;
}

/* the average over every stride-th customer */
static double extra_at(const double *bg, const pm_customer *c, int n, int stride,
                       gsl_integration_workspace *w)
{
    double s = 0;
    int k = 0;
    for (int i = 0; i < n; i += stride, k++)
        s += expected_post_w(bg, &c[i], 1, w) - expected_post_w(bg, &c[i], 0, w);
    return s / k;
}

void pilot_model_extra(const pilot_model *m, const pm_customer *c, int n, double *extra, double *se)
{
    gsl_integration_workspace *w = gsl_integration_workspace_alloc(1000);
    *extra = *se = NAN;
    if (!w || n < 1)
        goto out;
    *extra = extra_at(m->bg, c, n, 1, w);
    /* the gradient in the log-parameters by central differences, step
     * 1e-4; on a big log, over every stride-th customer (at least 2,000 of
     * them): the gradient of an average, which a systematic sample of
     * 2,000 gives to well within the standard error's own precision */
    int stride = n > 4000 ? n / 2000 : 1;
    double g[BG_K], th[BG_K];
    const double h = 1e-4;
    for (int j = 0; j < BG_K; j++) {
        memcpy(th, m->bg, sizeof th);
        th[j] = m->bg[j] * exp(h);
        double up = extra_at(th, c, n, stride, w);
        th[j] = m->bg[j] * exp(-h);
        g[j] = (up - extra_at(th, c, n, stride, w)) / (2 * h);
    }
    double v = 0;
    for (int i = 0; i < BG_K; i++)
        for (int j = 0; j < BG_K; j++)
            v += g[i] * m->bg_cov_log[i * BG_K + j] * g[j];
    *se = v >= 0 ? sqrt(v) : NAN;
out:
    gsl_integration_workspace_free(w);
}

/* ---------------------------------------------------------------- */
/* The model-free fallback                                           */

void pilot_levers_model_free(const pilot_result *mf, const pm_customer *c, int n, pilot_levers *lev)
{
    memset(lev, 0, sizeof *lev);
    lev->source = "model_free";
    /* rate: ln of CUPED's adjusted purchases per customer, treated over
     * control; var = (se_t/m_t)^2 + (se_c/m_c)^2 (delta method, the groups
     * independent) */
    const pilot_effect *e = &mf->eff[mf->no_history ? 0 : 1];   /* no history: no CUPED, raw */
    double mt = e->mean[PILOT_T], mc = e->mean[PILOT_C];
    if (mt > 0 && mc > 0) {
        lev->log_ratio[LEVER_RATE] = log(mt / mc);
        lev->se[LEVER_RATE] = hypot(e->se_mean[PILOT_T] / mt, e->se_mean[PILOT_C] / mc);
        lev->estimated[LEVER_RATE] = 1;
    }
    /* spend: revenue per purchase since the start, sum S2 / sum n2 by group;
     * ln of it has the delta-method variance var(S_i/mS - n_i/mn) / N (the
     * ratio estimator's linearisation; Cochran 1977, "Sampling techniques",
     * sec. 6.4) */
    double lr[2] = { 0 }, v[2] = { 0 };
    int ok = 1;
    for (int g = 0; g < 2; g++) {
        double sS = 0, sn = 0;
        int N = 0;
        for (int i = 0; i < n; i++)
            if (c[i].treated == g) {
                sS += c[i].S2;
                sn += c[i].n2;
                N++;
            }
        if (!(sS > 0 && sn > 0 && N > 1)) {
            ok = 0;
            break;
        }
        double mS = sS / N, mn = sn / N, ss = 0, me = 0;
        for (int i = 0; i < n; i++)
            if (c[i].treated == g)
                me += c[i].S2 / mS - c[i].n2 / mn;
        me /= N;
        for (int i = 0; i < n; i++)
            if (c[i].treated == g) {
                double r = c[i].S2 / mS - c[i].n2 / mn - me;
                ss += r * r;
            }
        lr[g] = log(mS / mn);
        v[g] = ss / (N - 1) / N;
    }
    if (ok) {
        lev->log_ratio[LEVER_SPEND] = lr[PILOT_T] - lr[PILOT_C];
        lev->se[LEVER_SPEND] = sqrt(v[0] + v[1]);
        lev->estimated[LEVER_SPEND] = 1;
    }
}

/* ---------------------------------------------------------------- */
/* For retsim pilot                                                  */

/* The customers new since the start (first purchase from start to end),
 * for the model-free levers when there is no history (mf->no_history):
 * only treated, n2 and S2 are set, over all their purchases to the end (the
 * first included: it is in the pilot too). */
static int new_customers(const translog *t, const int *group, int start, int end, pm_customer **out,
                         int *n, diag *d)
{
    int m = 0;
    for (int i = 0; i < t->ncust; i++)
        m += t->day[t->first[i]] >= start && t->day[t->first[i]] <= end;
    pm_customer *c = calloc((size_t)(m > 0 ? m : 1), sizeof *c);
    if (!c)
        return diag_set(d, DIAG_RUNTIME, "out of memory");
    int j = 0;
    for (int i = 0; i < t->ncust; i++) {
        int f = t->day[t->first[i]];
        if (f < start || f > end)
            continue;
        pm_customer *x = &c[j++];
        x->treated = group[i] == PILOT_T;
        for (int k = t->first[i]; k < t->first[i + 1] && t->day[k] <= end; k++)
            if (t->amount[k] > 0) {
                x->n2++;
                x->S2 += t->amount[k];
            }
    }
    *out = c;
    *n = m;
    return 0;
}

int pilot_model_estimate(const translog *t, const int *group, int start, int end,
                         const pilot_result *mf, int use_model, pilot_model *m, diag *d)
{
    memset(m, 0, sizeof *m);
    pm_customer *c = NULL;
    int n = 0;
    if (mf->no_history) {
        m->median_interval_days = NAN;   /* no purchases before the start to measure it on */
        if (new_customers(t, group, start, end, &c, &n, d))
            return d->status;
    } else if (pilot_model_customers(t, group, start, end, &c, &n, &m->median_interval_days, d)) {
        return d->status;
    }
    diag fd = { 0 };
    m->extra = m->extra_se = m->agree_z = NAN;
    if (mf->no_history)
        diag_set(&fd, DIAG_USAGE, "no purchase history before the start: the levers compare the customers "
                                  "who arrived since the start (purchases per customer and revenue per "
                                  "purchase; dropout not estimated)");
    else if (!use_model)
        diag_set(&fd, DIAG_USAGE, "not asked for (--model-free)");
    if (mf->no_history || !use_model || pilot_model_fit(c, n, m, &fd)) {
        m->fallback = 1;
        snprintf(m->fallback_why, sizeof m->fallback_why, "%s", fd.msg);
        pilot_levers_model_free(mf, c, n, &m->lev);
        for (int j = 0; j < LEVER_COUNT; j++)
            m->lever_source[j] = m->lev.estimated[j] ? "model_free" : "not_estimated";
    } else {
        if (!m->lev.estimated[LEVER_SPEND]) {   /* the spend model could not be fitted */
            pilot_levers lf;
            pilot_levers_model_free(mf, c, n, &lf);
            m->lev.log_ratio[LEVER_SPEND] = lf.log_ratio[LEVER_SPEND];
            m->lev.se[LEVER_SPEND] = lf.se[LEVER_SPEND];
            m->lev.estimated[LEVER_SPEND] = lf.estimated[LEVER_SPEND];
            m->lever_source[LEVER_SPEND] = lf.estimated[LEVER_SPEND] ? "model_free" : "not_estimated";
        }
        pilot_model_extra(m, c, n, &m->extra, &m->extra_se);
        const pilot_effect *cu = &mf->eff[1];
        m->agree_z = (m->extra - cu->diff) / hypot(m->extra_se, cu->se);
        m->agree = fabs(m->agree_z) < 1.96;
    }
    free(c);
    return 0;
}

double pilot_model_nll(const double *theta, double *grad, const pm_customer *c, int n)
{
    pm_data D = { c, n };
    return grad ? bg_nll_grad(theta, grad, &D) : bg_nll(theta, &D);
}

double pilot_model_spend_nll(const double *theta, double *grad, const pm_customer *c, int n)
{
    pm_data D = { c, n };
    return grad ? gg_nll_grad(theta, grad, &D) : gg_nll(theta, &D);
}
