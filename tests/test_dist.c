/* The pieces MPI runs rest on, checked in one process: the merge of running
 * moments (stat_vec_merge), replication records that travel as values
 * (rep_pack / rep_unpack), and the one-rank behaviour of sim/dist.h.  The
 * runs across 1, 2 and 3 ranks are tests/mpi.sh (make test-mpi). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "../sim/dist.h"
#include "../sim/metrics.h"
#include "../sim/stats.h"

/* splitmix64 to a double in [0, 1): fixed values, no library state */
static double unit(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1.0p-53;
}

#define NQ 3
#define NV 1001

/* value j of quantity q: an offset mean (the case where a naive sum of
 * squares loses digits), a skewed one, and one with gaps (NAN) */
static void values(double v[NV][NQ])
{
    uint64_t x = 42;
    for (int j = 0; j < NV; j++) {
        v[j][0] = 1e6 + 10 * unit(&x);
        v[j][1] = -log(1 - unit(&x));
        double u = unit(&x);
        v[j][2] = u < 0.1 ? NAN : 5 * u;
    }
}

/* The merge is not meant to be bit-identical (stats.h), only equal to the
 * sequential update up to rounding.  Both round: the mean by about n eps
 * relative, the sum of squared deviations by about n eps kappa relative,
 * kappa = sqrt(1 + n mean^2 / m2) its condition number (Chan, Golub and
 * LeVeque, "Algorithms for computing the sample variance: analysis and
 * recommendations", The American Statistician 37(3), 1983).  A wrong merge
 * formula (the delta^2 term left out) misses by 6e-4 to 1e-3 relative here, far
 * beyond these. */
static void expect_close(double a, double b, double tol, const char *what, int q)
{
    double scale = fmax(fabs(a), fabs(b));
    cr_expect(fabs(a - b) <= tol * scale, "%s of quantity %d: %.17g merged, %.17g in order (tolerance %.3g relative)",
              what, q, b, a, tol);
}

static double kappa(long n, double mean, double m2)
{
    return sqrt(1 + (double)n * mean * mean / m2);
}

static void check_split(int paired, int cut)
{
    static double v[NV][NQ];
    values(v);
    int n = paired ? NV - 1 : NV; /* whole pairs */
    stat_vec *all = stat_vec_alloc(NQ), *a = stat_vec_alloc(NQ), *b = stat_vec_alloc(NQ);
    cr_assert(all && a && b);
    if (paired)
        cr_assert(!stat_vec_pair(all) && !stat_vec_pair(a) && !stat_vec_pair(b));
    for (int j = 0; j < n; j++) {
        stat_vec_add(all, v[j]);
        stat_vec_add(j < cut ? a : b, v[j]);
    }
    cr_assert_eq(stat_vec_merge(a, b), 0);
    for (int q = 0; q < NQ; q++) {
        cr_expect_eq(a->count[q], all->count[q], "count of quantity %d", q);
        double eps = 0x1.0p-52 * (double)n;
        double tol = eps * kappa(all->count[q], all->mean[q], all->m2[q]);
        expect_close(all->mean[q], a->mean[q], eps, "mean", q);
        expect_close(all->m2[q], a->m2[q], tol, "sum of squared deviations", q);
        stat_summary s1 = stat_vec_get(all, (size_t)q), s2 = stat_vec_get(a, (size_t)q);
        if (paired) {
            cr_expect_eq(a->pairs[q], all->pairs[q], "pairs of quantity %d", q);
            double ptol = eps * kappa(all->pairs[q], all->pair_mean[q], all->pair_m2[q]);
            expect_close(all->pair_mean[q], a->pair_mean[q], eps, "pairs' mean", q);
            expect_close(all->pair_m2[q], a->pair_m2[q], ptol, "pairs' sum of squared deviations", q);
            expect_close(all->within[q], a->within[q], eps, "within-pair sum of squares", q);
            tol = ptol;
        }
        expect_close(s1.ci_low, s2.ci_low, tol, "interval's low end", q);
        expect_close(s1.ci_high, s2.ci_high, tol, "interval's high end", q);
    }
    /* the gaps were there to be skipped: the third quantity lost some values */
    cr_expect(all->count[2] < n && all->count[2] > n / 2, "quantity 2 has %ld values of %d", all->count[2], n);
    stat_vec_free(all);
    stat_vec_free(a);
    stat_vec_free(b);
}

Test(stats_merge, equals_the_values_fed_in_order)
{
    check_split(0, 377);
    check_split(0, 1);   /* one value on one side */
    check_split(0, NV);  /* the other side empty */
}

Test(stats_merge, paired_mode_merges_whole_pairs)
{
    check_split(1, 400);
    check_split(1, 0);
}

Test(stats_merge, refuses_what_does_not_match)
{
    stat_vec *a = stat_vec_alloc(2), *b = stat_vec_alloc(3), *p = stat_vec_alloc(2);
    cr_assert(a && b && p && !stat_vec_pair(p));
    cr_expect_eq(stat_vec_merge(a, b), -1, "vectors of 2 and 3 quantities merged");
    cr_expect_eq(stat_vec_merge(a, p), -1, "a paired vector merged into a plain one");
    stat_vec *q = stat_vec_alloc(2);
    cr_assert(q && !stat_vec_pair(q));
    double x[2] = { 1, 2 };
    stat_vec_add(q, x); /* a pair left open */
    cr_expect_eq(stat_vec_merge(p, q), -1, "a half pair merged");
    stat_vec_free(a);
    stat_vec_free(b);
    stat_vec_free(p);
    stat_vec_free(q);
}

/* A record must carry every bit of every field, NAN and -0 included, and
 * exactly rep_record_size doubles: no more (the next record's first value
 * stays untouched), no fewer (every value written comes back). */
Test(metrics, replication_record_round_trip_is_exact)
{
    int horizon = 17;
    rep_result *r = rep_alloc(horizon), *back = rep_alloc(horizon);
    cr_assert(r && back);
    uint64_t x = 7;
    for (int m = 0; m < MET_COUNT; m++)
        r->metric[m] = unit(&x) * 1e6;
    r->metric[MET_QUEUE_WAIT] = NAN;
    r->metric[MET_PROFIT] = -0.0;
    for (int c = 0; c < CUR_COUNT; c++)
        for (int t = 0; t <= horizon; t++)
            r->curve[c][t] = unit(&x) - 0.5;
    for (int i = 0; i < COHORT_CELLS; i++)
        r->cohort[i] = i % 5 ? unit(&x) : NAN;
    for (int i = 0; i < RFM_CELLS; i++)
        r->rfm[i] = i;
    for (int i = 0; i < CLV_QUANTILES; i++)
        r->clv_quantile[i] = 100 * unit(&x);
    for (int i = 0; i < FREQ_BINS; i++)
        r->frequency[i] = 1000 - i;
    size_t n = rep_record_size(horizon);
    cr_expect_eq(n, (size_t)MET_COUNT + CUR_COUNT * (size_t)(horizon + 1) + COHORT_CELLS + RFM_CELLS
                        + CLV_QUANTILES + FREQ_BINS);
    double *rec = malloc((n + 1) * sizeof *rec);
    cr_assert(rec);
    rec[n] = 12345.5;
    rep_pack(r, rec);
    cr_expect_eq(rec[n], 12345.5, "rep_pack wrote past its record");
    rep_unpack(back, rec);
    cr_expect(!memcmp(back->metric, r->metric, sizeof r->metric), "metrics changed");
    cr_expect(signbit(back->metric[MET_PROFIT]), "-0 lost its sign");
    for (int c = 0; c < CUR_COUNT; c++)
        cr_expect(!memcmp(back->curve[c], r->curve[c], (size_t)(horizon + 1) * sizeof(double)),
                  "curve %d changed", c);
    cr_expect(!memcmp(back->cohort, r->cohort, sizeof r->cohort), "cohorts changed");
    cr_expect(!memcmp(back->rfm, r->rfm, sizeof r->rfm), "RFM cells changed");
    cr_expect(!memcmp(back->clv_quantile, r->clv_quantile, sizeof r->clv_quantile), "CLV quantiles changed");
    cr_expect(!memcmp(back->frequency, r->frequency, sizeof r->frequency), "frequency bins changed");
    free(rec);
    rep_free(r);
    rep_free(back);
}

/* Not started by mpirun: one rank doing all the work, collectives that
 * change nothing, whether or not MPI is built in. */
Test(dist, one_process_is_one_rank_with_all_the_work)
{
    cr_expect_eq(dist_rank(), 0);
    cr_expect_eq(dist_size(), 1);
    cr_expect_eq(dist_workers(), 1);
    long lo = -1, hi = -1;
    dist_share(37, &lo, &hi);
    cr_expect(lo == 0 && hi == 37, "share [%ld, %ld) of 37", lo, hi);
    diag d = { 0 };
    double buf[4] = { 1, 2, 3, 4 };
    cr_expect_eq(dist_allgather(buf, 2, 2, &d), 0);
    cr_expect(buf[0] == 1 && buf[3] == 4, "the gather changed this rank's own records");
    cr_expect_eq(dist_agree(&d), 0);
    diag_set(&d, DIAG_USAGE, "bad");
    cr_expect_eq(dist_agree(&d), DIAG_USAGE);
    cr_expect_eq(dist_bcast_int(5), 5);
    dist_local_begin();
    cr_expect_eq(dist_workers(), 1);
    dist_local_end();
}
