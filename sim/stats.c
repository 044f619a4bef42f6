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
    free(s);
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
}

stat_summary stat_vec_get(const stat_vec *s, size_t i)
{
    stat_summary r = { NAN, NAN, NAN, NAN, s->count[i] };
    if (r.n < 1)
        return r;
    r.mean = s->mean[i];
    if (r.n < 2)
        return r;
    r.sd = sqrt(s->m2[i] / (double)(r.n - 1));
    double half = gsl_cdf_tdist_Pinv(0.975, (double)(r.n - 1)) * r.sd / sqrt((double)r.n);
    r.ci_low = r.mean - half;
    r.ci_high = r.mean + half;
    return r;
}

double stat_rel_halfwidth(const stat_summary *s)
{
    if (isnan(s->ci_high) || s->mean == 0)
        return INFINITY;
    return (s->ci_high - s->mean) / fabs(s->mean);
}
