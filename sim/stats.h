/* stats: mean, standard deviation and confidence interval across
 * replications, for many quantities at once.
 *
 * Welford's update, fed in replication order by one thread, so the result
 * is bit-identical whatever the number of threads that produced the
 * replications.  NAN inputs (a metric undefined in that replication) are
 * skipped per quantity and counted. */
#ifndef RETSIM_STATS_H
#define RETSIM_STATS_H

#include <stddef.h>

typedef struct stat_vec {
    size_t n;
    double *mean, *m2;
    long *count;
} stat_vec;

typedef struct stat_summary {
    double mean, sd, ci_low, ci_high;
    long n;
} stat_summary;

stat_vec *stat_vec_alloc(size_t n);
void stat_vec_free(stat_vec *s);
void stat_vec_add(stat_vec *s, const double *x);
/* 95 % confidence interval of the mean, Student t with n-1 degrees of
 * freedom; NAN fields when fewer than 2 values. */
stat_summary stat_vec_get(const stat_vec *s, size_t i);
/* Half-width of the 95 % interval relative to |mean| (for --precision). */
double stat_rel_halfwidth(const stat_summary *s);

#endif
