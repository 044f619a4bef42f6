/* stats: mean, standard deviation and confidence interval across
 * replications, for many quantities at once.
 *
 * Welford's update, fed in replication order by one thread, so the result
 * is bit-identical whatever the number of threads that produced the
 * replications.  NAN inputs (a metric undefined in that replication) are
 * skipped per quantity and counted.
 *
 * With parameter uncertainty (scen_draw, sim/scenario.h) replications come
 * in pairs sharing one parameter draw; a vector switched to paired mode
 * (stat_vec_pair) also keeps a one-way random-effects analysis of variance
 * over the pairs, and its interval then carries the parameters'
 * uncertainty as well as the Monte Carlo noise (stats.c says how). */
#ifndef RETSIM_STATS_H
#define RETSIM_STATS_H

#include <stddef.h>

typedef struct stat_vec {
    size_t n;
    double *mean, *m2;
    long *count;
    /* paired mode (NULL otherwise): the first value of the open pair, and
     * per quantity the pairs' means (Welford), the within-pair sum of
     * squares and the number of complete pairs */
    long adds;
    double *pending, *pair_mean, *pair_m2, *within;
    long *pairs;
} stat_vec;

typedef struct stat_summary {
    double mean, sd, ci_low, ci_high;
    long n;
    /* paired mode only (uncertain = 1): the share of the interval's
     * variance that comes from the parameters, and the half-width the
     * Monte Carlo noise alone gives */
    int uncertain;
    double param_share, mc_halfwidth;
    double param_sd;         /* sqrt(sigma_param^2): how far the parameters move the expected value */
    double process_sd;       /* sqrt(MSW): one replication's Monte Carlo noise */
    double se, df;           /* the interval is mean +/- t(0.975, df) x se */
} stat_summary;

stat_vec *stat_vec_alloc(size_t n);
void stat_vec_free(stat_vec *s);
/* Switches s, before its first value, to pairs: values 2i and 2i+1 share
 * parameter draw i.  0, or -1 out of memory. */
int stat_vec_pair(stat_vec *s);
void stat_vec_add(stat_vec *s, const double *x);
/* Merges the values of from into into, as if into had been fed them too
 * (both from the same n and mode): the parallel update of the mean and the
 * sum of squared deviations of Chan, Golub and LeVeque ("Updating formulae
 * and a pairwise algorithm for computing sample variances", Stanford
 * CS-79-773, 1979), per quantity, and in paired mode of the pairs' moments,
 * which need no pair open in either.  Equal to feeding the values in
 * order up to rounding, not bit for bit: the runner, which must be exact,
 * feeds every value in replication order instead (sim/dist.h); this is for
 * summaries computed apart (on separate ranks or machines) and combined.
 * 0, or -1 when the two do not match. */
int stat_vec_merge(stat_vec *into, const stat_vec *from);
/* 95 % confidence interval of the mean, Student t with n-1 degrees of
 * freedom; NAN fields when fewer than 2 values.  In paired mode the
 * interval includes the parameters' uncertainty (stats.c). */
stat_summary stat_vec_get(const stat_vec *s, size_t i);
/* Half-width of the 95 % interval relative to |mean| (for --precision);
 * in paired mode the Monte Carlo half-width, the part more replications
 * shrink. */
double stat_rel_halfwidth(const stat_summary *s);

/* The k-th smallest of an array at a[k], no larger elements before it and
 * no smaller ones after, working within a[first..last] (every element
 * before first no larger, every one after last no smaller than those
 * within); returns a[k].  stat_select_hoare is Hoare's selection, whose
 * arrangement of the rest some sums depend on (the engine's top fifth);
 * stat_select leaves another arrangement, faster (no unpredictable
 * branches). */
double stat_select_hoare(double *a, size_t first, size_t last, size_t k);
double stat_select(double *a, size_t first, size_t last, size_t k);

#endif
