/* pnbd: Pareto/NBD by maximum likelihood (see pnbd.h for the model).
 *
 * Likelihood.  Given lambda and mu, a customer with x repeat purchases,
 * the last at t_x, watched to T, is either still alive at T or died at
 * some tau in (t_x, T]:
 *   L(lambda, mu) = lambda^x e^(-(lambda+mu) T)
 *                   + lambda^x int_{t_x}^{T} mu e^(-(lambda+mu) tau) dtau.
 * Over lambda ~ Gamma(r, alpha), mu ~ Gamma(s, beta), with
 * E[lambda^x e^(-lambda tau)] = G(r+x)/G(r) alpha^r (alpha+tau)^-(r+x) and
 * E[mu e^(-mu tau)] = s beta^s (beta+tau)^-(s+1):
 *   L = G(r+x) alpha^r beta^s / G(r) [ (alpha+T)^-(r+x) (beta+T)^-s + s I ],
 *   I = int_{t_x}^{T} (alpha+tau)^-(r+x) (beta+tau)^-(s+1) dtau,
 * which is Fader, Hardie and Lee's (2005) form with s I = s/(r+s+x) A0:
 * with w = r+s+x, m = max(alpha, beta) and the switch
 *   alpha >= beta:  A0 = F(z(t_x)) / (alpha+t_x)^w - F(z(T)) / (alpha+T)^w,
 *                   F(z) = 2F1(w, s+1; w+1; z),    z(t) = (alpha-beta)/(alpha+t);
 *   alpha <  beta:  the same with beta for alpha and 2F1(w, r+x; w+1; z),
 *                   z(t) = (beta-alpha)/(beta+t);
 * (substitute tau -> the larger of alpha, beta: the integrand becomes
 * (m+tau)^-(w+1) (1 - z(tau))^-b, whose integral is Euler's for 2F1), so z
 * is always in [0, 1).  P(alive at T) is the first term's share of L.
 *
 * Gauss's 2F1 without GSL's gsl_sf_hyperg_2F1, which returns wrong values
 * silently for some arguments (see fit/btyd.c).  With c = w+1 and b the
 * second parameter (s+1 or r+x), Euler's transformation gives
 *   2F1(w, b; w+1; z) = (1-z)^(1-b) 2F1(1, w+1-b; w+1; z),
 * and 2F1(1, a'; c; z) = sum_k (a')_k / (c)_k z^k with a' = w+1-b > 0 (r+x
 * or s+1), c > a': every term positive, each ratio (a'+k)/(c+k) z below z,
 * so the sum stops when the last term times z/(1-z), a bound on the tail,
 * is below 1e-17 of it: no cancellation, no overflow (the sum is at most
 * 1/(1-z)).  The difference of the two terms of A0 is taken in logarithms
 * (l1 + log(-expm1(l2 - l1))).  When z is near 1 (above about 0.993: one
 * of alpha, beta some 150 times the other) the series would need more
 * than 5,000 terms, and I is then integrated directly (GSL QAG, 21-point
 * Gauss-Kronrod, relative error 1e-12) from its definition above.  The test
 * checks both routes against each other and against a separate quadrature.
 *
 * Expectations.  A customer alive at T has lambda ~ Gamma(r+x, alpha+T),
 * mu ~ Gamma(s, beta+T), independent (the first term of L); the purchases
 * in the next t are lambda (1 - e^(-mu t))/mu on average, so
 *   E[Y(t) | x, t_x, T] = P(alive) (r+x)/(alpha+T) E[(1 - e^(-mu t))/mu]
 *     = P(alive) (r+x)(beta+T) / ((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+t))^(s-1)]
 * (Schmittlein et al. 1987), computed as -expm1(-(s-1) L)/(s-1),
 * L = log1p(t/(beta+T)), which is L at s = 1 without a 0/0; and E[X(t)] is
 * the same for x = 0, T = 0 (alive at the first purchase).
 *
 * No analytic gradient (the 2F1 terms' derivatives in their parameters are
 * series of their own): Nelder-Mead from 16 starts, then a restart and
 * Newton polish on the log-parameters (fit/mle.c, scheme MLE_LOG), on the
 * customers grouped as for BG/NBD (fit/cust_groups.c). */
#include "pnbd.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_sf_gamma.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cust_groups.h"
#include "mle.h"
#include "numerics.h"

#define SERIES_MAXTERMS 1000000L
#define SERIES_PREDICTED 5000.0
#define QAG_LIMIT 1000

/* log 2F1(1, ap; c; z), 0 <= z < 1, 0 < ap < c; NaN when the series needs
 * more than SERIES_MAXTERMS terms */
static double log_f1(double ap, double c, double z)
{
    if (z <= 0)
        return 0;
    double sum = 1, term = 1;
    for (long k = 0; k < SERIES_MAXTERMS; k++) {
        term *= (ap + (double)k) / (c + (double)k) * z;
        sum += term;
        if (term * z <= 1e-17 * sum * (1 - z))
            return log(sum);
    }
    return NAN;
}

/* log of one term F(z(t)) / (m+t)^w of A0 (see the header comment):
 * (1-b) log(1-z) + log 2F1(1, w+1-b; w+1; z) - w log(m+t), with
 * 1 - z = (min(alpha, beta) + t) / (m + t) */
static double log_a0_term(double r, double alpha, double s, double beta, double x, double t)
{
    double w = r + s + x, b = alpha >= beta ? s + 1 : r + x;
    double m = fmax(alpha, beta), lo = fmin(alpha, beta);
    double z = (m - lo) / (m + t);
    double l1mz = log(lo + t) - log(m + t);
    return (1 - b) * l1mz + log_f1(w + 1 - b, w + 1, z) - w * log(m + t);
}

typedef struct i_par {
    double rx, s1, alpha, beta, t0;
} i_par;

/* (alpha+tau)^-(r+x) (beta+tau)^-(s+1) over its value at tau = t_x */
static double i_integrand(double tau, void *vp)
{
    const i_par *p = vp;
    return exp(-p->rx * log1p((tau - p->t0) / (p->alpha + p->t0))
               - p->s1 * log1p((tau - p->t0) / (p->beta + p->t0)));
}

/* log I by quadrature; NaN on failure */
static double log_i_quad(double r, double alpha, double s, double beta, double x, double t_x,
                         double T)
{
    i_par P = { r + x, s + 1, alpha, beta, t_x };
    gsl_function F = { i_integrand, &P };
    gsl_integration_workspace *w = gsl_integration_workspace_alloc(QAG_LIMIT);
    double res = NAN, err = 0;
    if (!w)
        return NAN;
    /* GSL's error handler is off (cli/main.c; the tests likewise), so a
     * failure comes back as a status */
    int st = gsl_integration_qag(&F, t_x, T, 0, 1e-12, QAG_LIMIT, GSL_INTEG_GAUSS21, w, &res, &err);
    gsl_integration_workspace_free(w);
    if (st != GSL_SUCCESS && !(err <= 1e-8 * fabs(res)))
        return NAN;
    if (!(res > 0))
        return NAN;
    return log(res) - (r + x) * log(alpha + t_x) - (s + 1) * log(beta + t_x);
}

/* log(s I) = log(s/(r+s+x) A0); -inf when t_x = T */
/* The series of A0's term at z needs about log(1e-17 (1-z)/z) / log z
 * terms; beyond SERIES_PREDICTED the quadrature is cheaper. */
static int series_is_short(double z)
{
    return !(z > 0 && log(1e-17 * (1 - z) / z) / log(z) > SERIES_PREDICTED);
}

/* A0's two terms at t_x and at T, each a Gauss series: the likelihood's
 * cost.  pn_nll passes them computed once per distinct (x, t_x) and
 * (x, T) (pn_data): the same numbers, computed once. */
typedef struct a0_memo {
    double t_x, T;          /* the arguments of l1 and l2 below; NAN: none yet */
    double l1, l2;
} a0_memo;

static double log_second_memo(double r, double alpha, double s, double beta, double x, double t_x,
                              double T, a0_memo *memo)
{
    if (!(T > t_x))
        return -INFINITY;
    /* the series needs about log(1e-17 (1-z)/z) / log z terms (its ratios
     * tend to z from below); beyond SERIES_PREDICTED the quadrature is
     * cheaper (z above about 0.993, one of alpha and beta some 150 times
     * the other: far from any fit seen, but a start may wander there) */
    double m = fmax(alpha, beta), z = fabs(alpha - beta) / (m + t_x);
    if (!series_is_short(z))
        return log(s) + log_i_quad(r, alpha, s, beta, x, t_x, T);
    /* a memo's NAN is "not computed" (a term whose series would be long) */
    double l1 = memo && !isnan(memo->l1) ? memo->l1 : log_a0_term(r, alpha, s, beta, x, t_x);
    double l2 = memo && !isnan(memo->l2) ? memo->l2 : log_a0_term(r, alpha, s, beta, x, T);

    if (isfinite(l1) && isfinite(l2)) {
        if (!(l2 < l1))
            return -INFINITY;   /* t_x within rounding of T */
        return log(s) - log(r + s + x) + l1 + log(-expm1(l2 - l1));
    }
    return log(s) + log_i_quad(r, alpha, s, beta, x, t_x, T);
}

static double log_second(double r, double alpha, double s, double beta, double x, double t_x,
                         double T)
{
    return log_second_memo(r, alpha, s, beta, x, t_x, T, NULL);
}

double pnbd_loglik_one(double r, double alpha, double s, double beta, double x, double t_x, double T)
{
    if (!(x > 0))
        x = 0, t_x = 0;
    double first = -(r + x) * log(alpha + T) - s * log(beta + T);
    return lngamma(r + x) - lngamma(r) + r * log(alpha) + s * log(beta)
           + logaddexp(first, log_second(r, alpha, s, beta, x, t_x, T));
}

double pnbd_p_alive(const pnbd_fit *f, double x, double t_x, double T)
{
    if (!(x > 0))
        x = 0, t_x = 0;
    double first = -(f->r + x) * log(f->alpha + T) - f->s * log(f->beta + T);
    double u = log_second(f->r, f->alpha, f->s, f->beta, x, t_x, T) - first;
    return 1 / (1 + exp(u));
}

/* E[(1 - e^(-mu t))/mu] (beta+T)-scaled: (beta+T) [1 - ((beta+T)/(beta+T+t))^(s-1)]/(s-1) */
static double death_factor(double s, double bT, double t)
{
    double L = log1p(t / bT), e = (s - 1) * L;
    return bT * (fabs(e) < 1e-300 ? L : -expm1(-e) / (s - 1));
}

double pnbd_expected_conditional(const pnbd_fit *f, double x, double t_x, double T, double t)
{
    if (!(t > 0))
        return 0;
    if (!(x > 0))
        x = 0, t_x = 0;
    double pa = pnbd_p_alive(f, x, t_x, T);
    if (pa == 0)
        return 0;
    return pa * (f->r + x) / (f->alpha + T) * death_factor(f->s, f->beta + T, t);
}

double pnbd_expected_unconditional(const pnbd_fit *f, double t)
{
    if (!(t > 0))
        return 0;
    return f->r / f->alpha * death_factor(f->s, f->beta, t);
}

/* ---- the fit ---- */

/* The likelihood's data: the customer groups, and for each entry the index
 * of its (x, t_x) and of its (x, T) among the distinct ones, so that each
 * evaluation computes A0's Gauss series once per distinct pair instead of
 * twice per customer (CDNOW_master: 23,570 customers, far fewer pairs; the
 * 100,000 customers of bench/make_log.c: 29,807 distinct (x, t_x, T), 2,884
 * distinct (x, t_x) and 1,522 distinct (x, T)). */
static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct pn_data {
    const cust_groups *D;
    int n1, n2;             /* distinct (x, t_x) and (x, T) */
    double *x1, *t1, *x2, *t2;
    int *i1, *i2;           /* per entry of D */
    int *g1, *g2;           /* group g's pairs: g1[g] .. g1[g+1]-1 (t ascending), likewise g2 */
    int factored;           /* the factored likelihood (pn_nll), from MLE_SCREEN_FROM customers */
} pn_data;

static void pn_data_free(pn_data *P)
{
    free(P->x1);
    free(P->t1);
    free(P->x2);
    free(P->t2);
    free(P->i1);
    free(P->i2);
    free(P->g1);
    free(P->g2);
}

/* D's entries are sorted by x, T, t_x: the distinct (x, T) come in runs;
 * the distinct (x, t_x) are found by sorting each group's t_x. */
static int pn_data_build(const cust_groups *D, pn_data *P)
{
    int n = D->gstart[D->ng];
    memset(P, 0, sizeof *P);
    P->D = D;
    P->x1 = malloc((size_t)n * sizeof(double));
    P->t1 = malloc((size_t)n * sizeof(double));
    P->x2 = malloc((size_t)n * sizeof(double));
    P->t2 = malloc((size_t)n * sizeof(double));
    P->i1 = malloc((size_t)n * sizeof(int));
    P->i2 = malloc((size_t)n * sizeof(int));
    P->g1 = malloc((size_t)(D->ng + 1) * sizeof(int));
    P->g2 = malloc((size_t)(D->ng + 1) * sizeof(int));
    double *sorted = malloc((size_t)n * sizeof(double));
    if (!P->x1 || !P->t1 || !P->x2 || !P->t2 || !P->i1 || !P->i2 || !P->g1 || !P->g2 || !sorted) {
        free(sorted);
        pn_data_free(P);
        return -1;
    }
    for (int g = 0; g < D->ng; g++) {
        int a = D->gstart[g], b = D->gstart[g + 1];
        P->g1[g] = P->n1;
        P->g2[g] = P->n2;
        for (int i = a; i < b; i++) {
            if (i == a || D->T[i] != D->T[i - 1]) {
                P->x2[P->n2] = D->gx[g];
                P->t2[P->n2] = D->T[i];
                P->n2++;
            }
            P->i2[i] = P->n2 - 1;
            sorted[i - a] = D->tx[i];
        }
        qsort(sorted, (size_t)(b - a), sizeof *sorted, cmp_double);
        int first = P->n1;
        for (int k = 0; k < b - a; k++)
            if (k == 0 || sorted[k] != sorted[k - 1]) {
                P->x1[P->n1] = D->gx[g];
                P->t1[P->n1] = sorted[k];
                P->n1++;
            }
        for (int i = a; i < b; i++) {
            /* binary search among this group's distinct t_x */
            int lo = first, hi = P->n1 - 1;
            while (lo < hi) {
                int mid = (lo + hi) / 2;
                if (P->t1[mid] < D->tx[i])
                    lo = mid + 1;
                else
                    hi = mid;
            }
            P->i1[i] = lo;
        }
    }
    P->g1[D->ng] = P->n1;
    P->g2[D->ng] = P->n2;
    P->factored = D->n >= MLE_SCREEN_FROM;
    free(sorted);
    return 0;
}

/* The Gauss series of A0's terms share their coefficients within a group
 * of x: 2F1(1, ap; c; z) = sum_k coef_k z^k with coef_k = (ap)_k / (c)_k,
 * and ap = w+1-b, c = w+1 depend on x and the parameters only, not on t
 * (only z does).  So each evaluation computes the coefficients once per
 * x, as far as the group's largest z needs them, and each distinct t sums
 * coef_k z^k: a multiply-add a term instead of a division (issue 14: the
 * series were a third of the Pareto/NBD likelihood's time).  The sum and
 * its stopping rule are log_f1's; only the rounding of each term differs
 * (a product of ratios against a ratio of products, a few ulps). */
#define COEF_MAX 8192   /* longer: log_f1 itself (series_is_short allows about 5,000) */

typedef struct coef_cache {
    double ap, c;
    int n;                  /* coefficients computed so far */
    double *coef;           /* COEF_MAX of them */
} coef_cache;

static double log_f1_cached(coef_cache *cc, double z)
{
    if (z <= 0)
        return 0;
    double sum = 1, zk = 1;
    for (int k = 1; k < COEF_MAX; k++) {
        if (k >= cc->n) {
            cc->coef[k] = cc->coef[k - 1] * ((cc->ap + (double)(k - 1)) / (cc->c + (double)(k - 1)));
            cc->n = k + 1;
        }
        zk *= z;
        double term = cc->coef[k] * zk;
        sum += term;
        if (term * z <= 1e-17 * sum * (1 - z))
            return log(sum);
    }
    return log_f1(cc->ap, cc->c, z);
}

/* log_a0_term with the group's coefficients */
static double log_a0_term_cached(coef_cache *cc, double r, double alpha, double s, double beta, double x,
                                 double t)
{
    double w = r + s + x;
    double m = fmax(alpha, beta), lo = fmin(alpha, beta);
    double z = (m - lo) / (m + t);
    double l1mz = log(lo + t) - log(m + t);
    double b = alpha >= beta ? s + 1 : r + x;
    return (1 - b) * l1mz + log_f1_cached(cc, z) - w * log(m + t);
}

/* z at or below 0.99 always gives a short series (at most about 4,350
 * terms), so the two logarithms of series_is_short are spent only above */
static int series_is_short_fast(double z)
{
    return z <= 0.99 || series_is_short(z);
}

/* The likelihood, customer entry by entry, two ways.
 *
 * Exact (fewer than MLE_SCREEN_FROM customers: the CDNOW sample, the
 * tests' fits): the same floating-point operations as log_second_memo and
 * logaddexp customer entry by customer entry, with only what does not
 * depend on t_x taken out of the loop (log(s) - log(r+s+x) once per x, the
 * first term once per distinct (x, T)), so the published and tested fits
 * are made bit for bit as before.  Nelder-Mead's restart to a simplex of
 * 1e-7 works at the likelihood's rounding noise (about 3e-12 on 400
 * customers): any other rounding of the same sum changes where it stops,
 * and on one of the tests' samples made it miss its 5,000 iterations.
 *
 * Factored (from MLE_SCREEN_FROM customers, where the fit's time is).  With
 * F = log of the first term (alive at T), S1 = log(s/w) + l1 and
 * S2 = log(s/w) + l2 (A0's terms at t_x and T, l2 < l1), an entry's
 * log-likelihood beyond the terms of x is
 *   log(e^F + e^S1 - e^S2) = F + log1p(e^(S1 - F) (1 - e^(l2 - l1))),
 * and e^(S1 - F) = e^(S1 - c) e^(c - F) for any c: with c one value per x
 * (the group's first F), e^(S1 - c) is one exp per distinct (x, t_x) and
 * e^(c - F) one per distinct (x, T), so an entry costs an expm1 and a
 * log1p (it cost three logarithms, an exp, an expm1 and a log1p), and the
 * series use the group's coefficients (log_f1_cached).  The value is the
 * same up to rounding (a few ulps an entry: 4e-14 relative on the 100,000
 * customers of bench/make_log.c; tests/test_fit_speed.c checks it against
 * pnbd_loglik_one over a grid of parameters).  An entry whose factors
 * would overflow (|exponent| >= 700: x in the hundreds with a start far
 * off), or whose series is long or failed, is computed the exact way. */
#define FACTOR_MAX_EXP 700.0

static double pn_nll(const double *th, void *ctx)
{
    const pn_data *P = ctx;
    const cust_groups *D = P->D;
    int fast = P->factored;
    double r = th[0], alpha = th[1], s = th[2], beta = th[3];
    double c0 = -lngamma(r) + r * log(alpha) + s * log(beta);
    size_t nbuf = (size_t)(2 * P->n1 + 4 * P->n2) + COEF_MAX;
    double *l1 = malloc(nbuf * sizeof *l1);
    if (!l1)
        return INFINITY;
    double *l2 = l1 + P->n1, *E1 = l2 + P->n2, *F2 = E1 + P->n1, *Q2 = F2 + P->n2, *R2 = Q2 + P->n2;
    coef_cache cc = { 0, 0, 1, R2 + P->n2 };
    cc.coef[0] = 1;
    double m = fmax(alpha, beta), dab = fabs(alpha - beta);
    double lns = log(s);
    double sum = 0;
    for (int g = 0; g < D->ng; g++) {
        double x = D->gx[g], base = lngamma(r + x) + c0, part = 0, wsum = 0;
        double w = r + s + x, b = alpha >= beta ? s + 1 : r + x;
        double lsw = lns - log(w);
        cc.ap = w + 1 - b;
        cc.c = w + 1;
        cc.n = 1;
        /* only the terms whose series is short: a customer whose z at t_x
         * predicts a long one goes to quadrature in log_second_memo (and a
         * T term left out is computed there if ever needed) */
        for (int k = P->g1[g]; k < P->g1[g + 1]; k++)
            l1[k] = !series_is_short_fast(dab / (m + P->t1[k])) ? NAN
                    : fast ? log_a0_term_cached(&cc, r, alpha, s, beta, x, P->t1[k])
                           : log_a0_term(r, alpha, s, beta, x, P->t1[k]);
        for (int k = P->g2[g]; k < P->g2[g + 1]; k++)
            l2[k] = !series_is_short_fast(dab / (m + P->t2[k])) ? NAN
                    : fast ? log_a0_term_cached(&cc, r, alpha, s, beta, x, P->t2[k])
                           : log_a0_term(r, alpha, s, beta, x, P->t2[k]);
        double cref = NAN;
        for (int k = P->g2[g]; k < P->g2[g + 1]; k++) {
            double T = P->t2[k];
            F2[k] = -(r + x) * log(alpha + T) - s * log(beta + T);
            if (!fast)
                continue;
            if (isnan(cref) && isfinite(F2[k]))
                cref = F2[k];
            double lq = cref - F2[k];
            double lr = lsw + l2[k] - F2[k];
            int ok = fabs(lq) < FACTOR_MAX_EXP && fabs(lr) < FACTOR_MAX_EXP;
            Q2[k] = ok ? exp(lq) : NAN;
            R2[k] = ok ? exp(lr) : NAN;
        }
        for (int k = P->g1[g]; fast && k < P->g1[g + 1]; k++) {
            double le = lsw + l1[k] - cref;
            E1[k] = fabs(le) < FACTOR_MAX_EXP ? exp(le) : NAN;
        }
        for (int i = D->gstart[g]; i < D->gstart[g + 1]; i++) {
            int k1 = P->i1[i], k2 = P->i2[i];
            double T = D->T[i], tx = D->tx[i], v;
            double e1q = fast ? E1[k1] * Q2[k2] : NAN;
            if (e1q < 1e300) {      /* false for NaN: then the exact way */
                /* l2 >= l1 only when t_x is T or within rounding of it: no second term */
                double d = l2[k2] < l1[k1] ? e1q - R2[k2] : 0;
                v = F2[k2] + log1p(d > 0 ? d : 0);
            } else if (!(T > tx)) {
                v = F2[k2];         /* logaddexp(F, -inf) */
            } else if (isfinite(l1[k1]) && isfinite(l2[k2])) {
                /* log_second_memo's arithmetic, log(s) - log(r+s+x) hoisted */
                v = l2[k2] < l1[k1] ? logaddexp(F2[k2], lsw + l1[k1] + log(-expm1(l2[k2] - l1[k1])))
                                    : F2[k2];
            } else {
                a0_memo pre = { tx, T, l1[k1], l2[k2] };
                v = logaddexp(F2[k2], log_second_memo(r, alpha, s, beta, x, tx, T, &pre));
            }
            part += D->w[i] * v;
            wsum += D->w[i];
        }
        sum += wsum * base + part;
    }
    free(l1);
    return -sum;
}

double pnbd_loglik_sum(double r, double alpha, double s, double beta, const cust_summary *c, int n)
{
    cust_groups D;
    diag d = { 0 };
    if (cust_groups_build(c, n, "Pareto/NBD", &D, &d) != DIAG_OK)
        return NAN;
    pn_data data;
    double th[4] = { r, alpha, s, beta }, ll = NAN;
    if (!pn_data_build(&D, &data)) {
        ll = -pn_nll(th, &data);
        pn_data_free(&data);
    }
    cust_groups_free(&D);
    return ll;
}

/* The screening's subsample (mle.h, screen_ctx, MLE_SCREEN_SUBSAMPLE):
 * the 16 starts' first 40 iterations only rank them, and a tenth of
 * 100,000 customers ranks them as well at a third of the cost an
 * evaluation (issue 14).  The subsample's data is factored like the
 * whole's. */
static int pn_subsample(const cust_summary *c, int n, int used, cust_groups *sub, pn_data *data, diag *d)
{
    int rc = cust_groups_subsample(c, n, used, MLE_SCREEN_SUBSAMPLE, "Pareto/NBD", sub, d);
    if (rc != DIAG_OK)
        return rc;
    if (pn_data_build(sub, data)) {
        cust_groups_free(sub);
        return diag_set(d, DIAG_RUNTIME, "%s fit: out of memory", "Pareto/NBD");
    }
    data->factored = 1;
    return DIAG_OK;
}

static const char *const pn_names[] = { "r", "alpha", "s", "beta" };

int pnbd_fit_run(const cust_summary *c, int n, pnbd_fit *out, diag *d)
{
    memset(out, 0, sizeof *out);
    cust_groups D;
    int rc = cust_groups_build(c, n, "Pareto/NBD", &D, d);
    if (rc != DIAG_OK)
        return rc;

    /* starts: the purchase rate around the data's m = r/alpha, the death
     * rate s/beta around one death per mean age Tm (1/2 and 2 of each) */
    double m = D.sx / D.sT, Tm = D.sT / D.n;
    double st[16][MLE_MAXP];
    int ns = 0;
    const double rs[2] = { 0.3, 3 }, ss[2] = { 0.3, 3 }, sc[2] = { 0.5, 2 };
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
            for (int u = 0; u < 2; u++)
                for (int v = 0; v < 2; v++) {
                    st[ns][0] = rs[i];
                    st[ns][1] = rs[i] / m * sc[j];
                    st[ns][2] = ss[u];
                    st[ns][3] = ss[u] * Tm * sc[v];
                    ns++;
                }
    pn_data data, sub_data;
    cust_groups sub;
    int subsample = D.n >= MLE_SCREEN_SUBSAMPLE_FROM;
    if (subsample && pn_subsample(c, n, D.n, &sub, &sub_data, d)) {
        cust_groups_free(&D);
        return d->status;
    }
    if (pn_data_build(&D, &data)) {
        cust_groups_free(&D);
        if (subsample) {
            pn_data_free(&sub_data);
            cust_groups_free(&sub);
        }
        return diag_set(d, DIAG_RUNTIME, "%s fit: out of memory", "Pareto/NBD");
    }
    /* the starts screened (mle.h) on large data only, where the fit's time
     * is: on a few thousand customers every start runs to convergence, as
     * the published and tested values were made */
    mle_problem P = { 4, pn_nll, NULL, &data, D.n, MLE_LOG,
                      D.n >= MLE_SCREEN_FROM ? MLE_SCREEN_FINISH : 0, subsample ? &sub_data : NULL };
    mle_result R;
    mle_fit(&P, (const double(*)[MLE_MAXP])st, ns, &R);
    pn_data_free(&data);
    cust_groups_free(&D);
    if (subsample) {
        pn_data_free(&sub_data);
        cust_groups_free(&sub);
    }

    out->r = R.theta[0];
    out->alpha = R.theta[1];
    out->s = R.theta[2];
    out->beta = R.theta[3];
    memcpy(out->se, R.se, sizeof out->se);
    memcpy(out->cov_log, R.cov_log, sizeof out->cov_log);
    out->loglik = -R.nll;
    out->n = D.n;
    out->starts = R.starts;
    out->converged = R.converged;
    if (!R.converged) {
        char tried[240];
        snprintf(tried, sizeof tried,
                 "r in {0.3, 3}, alpha = r/m x {0.5, 2} with m = %.4g repeat purchases per "
                 "period, s in {0.3, 3}, beta = s Tm x {0.5, 2} with mean age Tm = %.4g periods",
                 m, Tm);
        return mle_report_failure(d, "Pareto/NBD", &R, pn_names, 4,
                                  "Nelder-Mead and Newton polish", tried);
    }
    return DIAG_OK;
}
