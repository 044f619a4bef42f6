#include "stats.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>

stat_vec *stat_vec_alloc(size_t n)
{
    stat_vec *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->n = n;
    s->mean = calloc(n, sizeof(double));
    s->m2 = calloc(n, sizeof(double));
    s->count = calloc(n, sizeof(long));
    if (!s->mean || !s->m2 || !s->count) {
        stat_vec_free(s);
        return NULL;
    }
    return s;
}

void stat_vec_free(stat_vec *s)
{
    if (!s)
        return;
    free(s->mean);
    free(s->m2);
    free(s->count);
    free(s->pending);
    free(s->pair_mean);
    free(s->pair_m2);
    free(s->within);
    free(s->pairs);
    free(s);
}

int stat_vec_pair(stat_vec *s)
{
    s->pending = calloc(s->n, sizeof(double));
    s->pair_mean = calloc(s->n, sizeof(double));
    s->pair_m2 = calloc(s->n, sizeof(double));
    s->within = calloc(s->n, sizeof(double));
    s->pairs = calloc(s->n, sizeof(long));
    return s->pending && s->pair_mean && s->pair_m2 && s->within && s->pairs ? 0 : -1;
}

void stat_vec_add(stat_vec *s, const double *x)
{
    for (size_t i = 0; i < s->n; i++) {
        if (isnan(x[i]))
            continue;
        long k = ++s->count[i];
        double delta = x[i] - s->mean[i];
        s->mean[i] += delta / (double)k;
        s->m2[i] += delta * (x[i] - s->mean[i]);
    }
    if (!s->pairs)
        return;
    if (s->adds++ % 2 == 0) {
        for (size_t i = 0; i < s->n; i++)
            s->pending[i] = x[i];
        return;
    }
    /* a pair is complete: a quantity undefined in either half is left out */
    for (size_t i = 0; i < s->n; i++) {
        double a = s->pending[i], b = x[i];
        if (isnan(a) || isnan(b))
            continue;
        long k = ++s->pairs[i];
        double y = 0.5 * (a + b), delta = y - s->pair_mean[i];
        s->pair_mean[i] += delta / (double)k;
        s->pair_m2[i] += delta * (y - s->pair_mean[i]);
        s->within[i] += 0.5 * (a - b) * (a - b);
    }
}

/* One moment pair (count, mean, m2) of b into a (Chan, Golub and LeVeque 1979):
 *   n = na + nb, delta = mean_b - mean_a,
 *   mean = mean_a + delta nb / n,  m2 = m2_a + m2_b + delta^2 na nb / n. */
static void merge_moments(long *na, double *ma, double *m2a, long nb, double mb, double m2b)
{
    if (nb == 0)
        return;
    if (*na == 0) {
        *na = nb;
        *ma = mb;
        *m2a = m2b;
        return;
    }
    double n = (double)*na + (double)nb, delta = mb - *ma;
    *ma += delta * (double)nb / n;
    *m2a += m2b + delta * delta * (double)*na * (double)nb / n;
    *na += nb;
}

int stat_vec_merge(stat_vec *into, const stat_vec *from)
{
    if (into->n != from->n || !into->pairs != !from->pairs)
        return -1;
    if (into->pairs && (into->adds % 2 || from->adds % 2))
        return -1; /* a pair open in either would be split */
    for (size_t i = 0; i < into->n; i++) {
        merge_moments(&into->count[i], &into->mean[i], &into->m2[i], from->count[i], from->mean[i],
                      from->m2[i]);
        if (into->pairs) {
            merge_moments(&into->pairs[i], &into->pair_mean[i], &into->pair_m2[i], from->pairs[i],
                          from->pair_mean[i], from->pair_m2[i]);
            into->within[i] += from->within[i];
        }
    }
    into->adds += from->adds;
    return 0;
}

/* The interval of a metric's expected value when each pair of replications
 * shares one parameter draw (issue 11).
 *
 * Model (one-way random effects, pairs as groups of 2): the value of
 * replication j of draw i is y_ij = mu + p_i + e_ij, where p_i (variance
 * sp2) is what the parameters of draw i change and e_ij (variance se2) is
 * Monte Carlo (process) noise.  Over m pairs, n = 2m values, pair means yb_i:
 *
 *   MSW = sum_i (y_i1 - y_i2)^2 / 2 / m        (m degrees of freedom)
 *   MSB = 2 sum_i (yb_i - yb)^2 / (m - 1)      (m - 1 degrees of freedom)
 *   E[MSW] = se2,  E[MSB] = se2 + 2 sp2
 *
 * so sp2 = max(0, (MSB - MSW) / 2), the ANOVA estimator (Searle, Casella
 * and McCulloch, Variance Components, Wiley 1992, sections 3.5-3.6; the
 * truncation at 0 is theirs too).  The grand mean yb estimates mu with
 * variance (sp2 + se2 / 2) / m = E[MSB] / n: MSB / n is the Monte Carlo
 * variance of the mean (it shrinks with more replications).  What a user
 * wants bounded is the metric's expected value at the true parameters,
 * mu + p, with p a draw from the parameters' uncertainty: mu + p - yb has
 * variance sp2 + Var(yb), estimated by
 *
 *   V = sp2 + MSB / n,   interval yb +/- t(0.975, df) sqrt(V)
 *
 * (the input-uncertainty interval of simulation output analysis: Song,
 * Nelson and Pegden, "Advanced tutorial: input uncertainty quantification",
 * Winter Simulation Conference 2014; Cheng and Holland 1997).  The t
 * quantile takes m - 1 degrees of freedom, one per independent draw:
 * Satterthwaite's (1946) approximation for V = c1 MSB + c2 MSW (c1 = 1/2 +
 * 1/n, c2 = -1/2) falls to about 1 when sp2 is small next to se2 (a
 * difference of two mean squares of similar size), and its t of 12 would
 * make the interval of a metric the parameters hardly move ten times the
 * Monte Carlo one.  param_share is sp2 / V; mc_halfwidth the interval
 * without the parameters' part, t(0.975, m - 1) sqrt(MSB / n).
 * Caveat: sp2 is estimated from the pairs, with a standard error near
 * se2 / sqrt(m) (half the sd of MSB - MSW), while MSB / n shrinks like
 * se2 / m: a metric the parameters hardly move (prospects, when only churn
 * is uncertain) still shows a parameter part of that size, half the time,
 * and a share of its interval that reads large.  It errs wide, never
 * narrow, and shrinks like 1 / sqrt(draws); param_sd against process_sd
 * (sqrt(MSW)) tells the two apart: docs/whatif.md. */
static void paired_interval(const stat_vec *s, size_t i, stat_summary *r)
{
    long m = s->pairs[i];
    r->uncertain = 1;
    if (m < 2) {
        r->ci_low = r->ci_high = r->param_share = r->mc_halfwidth = r->se = r->df = NAN;
        r->param_sd = r->process_sd = NAN;
        return;
    }
    double n = 2.0 * (double)m;
    double msw = s->within[i] / (double)m;
    double msb = 2.0 * s->pair_m2[i] / (double)(m - 1);
    double sp2 = 0.5 * (msb - msw);
    double vmc = msb / n;
    double v = vmc, df = (double)(m - 1);
    if (sp2 > 0)
        v = sp2 + vmc;
    else
        sp2 = 0;
    r->se = sqrt(v);
    r->df = df;
    double half = v > 0 ? gsl_cdf_tdist_Pinv(0.975, df) * r->se : 0;
    r->ci_low = r->mean - half;
    r->ci_high = r->mean + half;
    r->param_share = v > 0 ? sp2 / v : 0;
    r->param_sd = sqrt(sp2);
    r->process_sd = sqrt(msw);
    r->mc_halfwidth = vmc > 0 ? gsl_cdf_tdist_Pinv(0.975, (double)(m - 1)) * sqrt(vmc) : 0;
}

stat_summary stat_vec_get(const stat_vec *s, size_t i)
{
    stat_summary r = { NAN, NAN, NAN, NAN, s->count[i] };
    if (r.n < 1)
        return r;
    r.mean = s->mean[i];
    if (r.n < 2) {
        if (s->pairs)
            paired_interval(s, i, &r);
        return r;
    }
    r.sd = sqrt(s->m2[i] / (double)(r.n - 1));
    if (s->pairs) {
        paired_interval(s, i, &r);
        return r;
    }
    double half = gsl_cdf_tdist_Pinv(0.975, (double)(r.n - 1)) * r.sd / sqrt((double)r.n);
    r.ci_low = r.mean - half;
    r.ci_high = r.mean + half;
    r.se = r.sd / sqrt((double)r.n);
    r.df = (double)(r.n - 1);
    return r;
}

double stat_rel_halfwidth(const stat_summary *s)
{
    double half = s->uncertain ? s->mc_halfwidth : s->ci_high - s->mean;
    if (isnan(half) || s->mean == 0)
        return INFINITY;
    return half / fabs(s->mean);
}

/* ---- selection (the engine's value quantiles and top fifth) ---- */

/* Hoare's selection (Wirth's variant: N. Wirth, Algorithms + Data
 * Structures = Programs, 1976, 2.3.4) within a[first..last]: puts the
 * k-th smallest of the whole array at a[k], smaller ones before it and
 * larger ones after, and returns it, provided every element before first
 * is no larger, and every one after last no smaller, than those within. */
double stat_select_hoare(double *a, size_t first, size_t last, size_t k)
{
    size_t lo = first, hi = last;
    while (lo < hi) {
        double pivot = a[k];
        size_t i = lo, j = hi;
        do {
            while (a[i] < pivot)
                i++;
            while (pivot < a[j])
                j--;
            if (i <= j) {
                double t = a[i];
                a[i] = a[j];
                a[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        } while (i <= j);
        if (j < k)
            lo = i;
        if (k < i)
            hi = j;
    }
    return a[k];
}

/* The same contract as stat_select_hoare (the k-th smallest at a[k], no
 * larger ones before it, no smaller ones after, given the same of the
 * elements outside a[first..last]), in whatever arrangement otherwise: for
 * the value quantiles, whose array nothing else reads in its order.
 * Hoare's scans stop where an element falls on the wrong side of the pivot,
 * a coin toss that the branch predictor missed about every other element
 * (6 % of the textbook case's time, issue 14's fourth round); here each
 * pass moves every element unconditionally (Lomuto's scheme, J. Bentley,
 * Programming Pearls, 1986, column 10, the swap
 * always done, the boundary advanced by the comparison's 0 or 1), first
 * the elements below the pivot to the front, then those equal to it, so
 * that many equal values (a fixed bill) cannot make it quadratic.  The
 * pivot is the median of the first, middle and last; after 64 rounds (never
 * met on such data) Hoare's selection finishes the range. */
double stat_select(double *a, size_t first, size_t last, size_t k)
{
    size_t lo = first, hi = last + 1;          /* the range left: [lo, hi) */
    for (int round = 0; hi - lo > 16; round++) {
        if (round == 64)
            return stat_select_hoare(a, lo, hi - 1, k);
        double x = a[lo], y = a[lo + (hi - lo) / 2], z = a[hi - 1];
        double pivot = x < y ? (y < z ? y : x < z ? z : x) : (x < z ? x : y < z ? z : y);
        size_t below = lo;
        for (size_t i = lo; i < hi; i++) {
            double v = a[i];
            a[i] = a[below];
            a[below] = v;
            below += v < pivot;
        }
        if (k < below) {
            hi = below;
            continue;
        }
        size_t equal = below;                  /* [below, equal): the pivot's value */
        for (size_t i = below; i < hi; i++) {
            double v = a[i];
            a[i] = a[equal];
            a[equal] = v;
            equal += !(pivot < v);
        }
        if (k < equal)
            return a[k];
        lo = equal;
    }
    for (size_t i = lo + 1; i < hi; i++) {      /* a few left: insertion sort */
        double v = a[i];
        size_t j = i;
        for (; j > lo && v < a[j - 1]; j--)
            a[j] = a[j - 1];
        a[j] = v;
    }
    return a[k];
}
