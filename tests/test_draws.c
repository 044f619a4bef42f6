/* sim/draws.h's prepared gamma and beta.
 *
 * The draws must be GSL's own numbers (bit for bit, so that switching a
 * call site over changed no output) and must follow their distributions:
 * mean and variance within 4 standard errors of the closed forms, and a
 * Kolmogorov-Smirnov test against GSL's CDF at a fixed seed (critical
 * value 1.95 / sqrt(n), the 0.1 % level; Marsaglia, Tsang and Wang,
 * "Evaluating Kolmogorov's distribution", J. Stat. Softw. 8(18), 2003).
 * Each KS check is paired with a control that the same test rejects a
 * nearby wrong distribution, so that it cannot pass by being blind. */
#include <criterion/criterion.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/draws.h"
#include "../sim/rng.h"

#define N_DIST 200000
#define KS_CRIT 1.95

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* sqrt(n) times the largest gap between the empirical CDF of the sorted x
 * and cdf */
static double ks_stat(const double *sorted, int n, double (*cdf)(double, const double *),
                      const double *par)
{
    double dmax = 0;
    for (int i = 0; i < n; i++) {
        double f = cdf(sorted[i], par);
        double lo = f - (double)i / n, hi = (double)(i + 1) / n - f;
        if (lo > dmax)
            dmax = lo;
        if (hi > dmax)
            dmax = hi;
    }
    return dmax * sqrt((double)n);
}

static double cdf_gamma(double x, const double *p) { return gsl_cdf_gamma_P(x, p[0], p[1]); }
static double cdf_beta(double x, const double *p) { return gsl_cdf_beta_P(x, p[0], p[1]); }
static double cdf_lognormal(double x, const double *p)
{
    return gsl_cdf_lognormal_P(x, p[0], p[1]);
}

static uint64_t bits(double x)
{
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    return b;
}

/* n draws of `what` as mean, variance: checks both against the closed
 * forms within 4 SE (the variance's SE from the fourth central moment,
 * sigma^2 sqrt((kurtosis - 1) / n), kurtosis = 3 + excess) */
static void expect_moments(const double *x, int n, double mean, double var, double excess,
                           const char *what)
{
    double s = 0, ss = 0;
    for (int i = 0; i < n; i++)
        s += x[i];
    double m = s / n;
    for (int i = 0; i < n; i++)
        ss += (x[i] - m) * (x[i] - m);
    double v = ss / (n - 1);
    double se_m = sqrt(var / n), se_v = var * sqrt((2 + excess) / n);
    cr_expect(fabs(m - mean) <= 4 * se_m, "%s: mean %.6g, closed form %.6g (%.2f SE)", what, m,
              mean, fabs(m - mean) / se_m);
    cr_expect(fabs(v - var) <= 4 * se_v, "%s: variance %.6g, closed form %.6g (%.2f SE)", what,
              v, var, fabs(v - var) / se_v);
}

static const double shapes[] = { 0.3, 0.704, 1.0, 1.182, 4.0, 25.5 };
static const double scales[] = { 1.0, 7.5 };

Test(draws, gamma_is_gsl_ran_gamma_bit_for_bit)
{
    int compared = 0;
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++)
        for (size_t j = 0; j < sizeof scales / sizeof *scales; j++) {
            draw_gamma_t g;
            draw_gamma_prepare(&g, shapes[i], scales[j]);
            /* retsim's stream (the inline uniforms) */
            rng_stream a, b;
            rng_stream_init(&a, 11, i, j, 3, RNG_INTERVAL);
            rng_stream_init(&b, 11, i, j, 3, RNG_INTERVAL);
            /* and another generator (the fallback through GSL) */
            gsl_rng *ta = gsl_rng_alloc(gsl_rng_taus2), *tb = gsl_rng_alloc(gsl_rng_taus2);
            gsl_rng_set(ta, 100 + i * 7 + j);
            gsl_rng_set(tb, 100 + i * 7 + j);
            for (int k = 0; k < 20000; k++) {
                double x = draw_gamma(&g, &a.rng), y = gsl_ran_gamma(&b.rng, shapes[i], scales[j]);
                cr_assert_eq(bits(x), bits(y), "shape %g scale %g draw %d: %.17g, GSL %.17g",
                             shapes[i], scales[j], k, x, y);
                x = draw_gamma(&g, ta);
                y = gsl_ran_gamma(tb, shapes[i], scales[j]);
                cr_assert_eq(bits(x), bits(y), "taus2, shape %g scale %g draw %d: %.17g, GSL %.17g",
                             shapes[i], scales[j], k, x, y);
                compared += 2;
            }
            gsl_rng_free(ta);
            gsl_rng_free(tb);
        }
    cr_expect_eq(compared, 6 * 2 * 20000 * 2);
}

Test(draws, beta_is_gsl_ran_beta_bit_for_bit)
{
    static const double ab[][2] = { { 0.704, 1.182 }, { 0.5, 0.5 }, { 2, 3 }, { 0.3, 5 }, { 1, 1 } };
    int compared = 0;
    for (size_t i = 0; i < sizeof ab / sizeof *ab; i++) {
        draw_beta_t bt;
        draw_beta_prepare(&bt, ab[i][0], ab[i][1]);
        rng_stream a, b;
        rng_stream_init(&a, 5, i, 0, 0, RNG_CUSTOMER);
        rng_stream_init(&b, 5, i, 0, 0, RNG_CUSTOMER);
        for (int k = 0; k < 20000; k++) {
            double x = draw_beta(&bt, &a.rng), y = gsl_ran_beta(&b.rng, ab[i][0], ab[i][1]);
            cr_assert_eq(bits(x), bits(y), "beta(%g, %g) draw %d: %.17g, GSL %.17g", ab[i][0],
                         ab[i][1], k, x, y);
            compared++;
        }
    }
    cr_expect_eq(compared, 5 * 20000);
}

/* the rng_uniform_pos of retsim's stream is GSL's uniform on it */
Test(draws, inline_uniform_is_gsl_uniform_pos)
{
    rng_stream a, b;
    rng_stream_init(&a, 3, 1, 4, 1, RNG_DECISION);
    rng_stream_init(&b, 3, 1, 4, 1, RNG_DECISION);
    for (int k = 0; k < 100000; k++) {
        double x = rng_uniform_pos(&a.rng), y = gsl_rng_uniform_pos(&b.rng);
        cr_assert_eq(bits(x), bits(y), "draw %d: %.17g, GSL %.17g", k, x, y);
        cr_assert(x > 0 && x < 1);
    }
}

/* rng_uniform is gsl_rng_uniform on retsim's streams, and on another
 * generator */
Test(draws, inline_uniform_is_gsl_uniform)
{
    rng_stream a, b;
    rng_stream_init(&a, 3, 1, 4, 2, RNG_DECISION);
    rng_stream_init(&b, 3, 1, 4, 2, RNG_DECISION);
    gsl_rng *ta = gsl_rng_alloc(gsl_rng_taus2), *tb = gsl_rng_alloc(gsl_rng_taus2);
    gsl_rng_set(ta, 77);
    gsl_rng_set(tb, 77);
    for (int k = 0; k < 100000; k++) {
        double x = rng_uniform(&a.rng), y = gsl_rng_uniform(&b.rng);
        cr_assert_eq(bits(x), bits(y), "draw %d: %.17g, GSL %.17g", k, x, y);
        x = rng_uniform(ta);
        y = gsl_rng_uniform(tb);
        cr_assert_eq(bits(x), bits(y), "taus2 draw %d: %.17g, GSL %.17g", k, x, y);
    }
    gsl_rng_free(ta);
    gsl_rng_free(tb);
}

/* rng_gaussian (sim/rng.h: GSL's ziggurat with its common case inline,
 * its tables read from GSL at load) is gsl_ran_gaussian_ziggurat bit for
 * bit, in the common case and in GSL's wedge and tail (both met: counted
 * from the integer each draw starts with), for several sigmas, with the
 * stream left exactly where GSL leaves it (a uniform drawn after each
 * normal must agree too) */
Test(draws, inline_ziggurat_is_gsl_ziggurat)
{
    cr_assert(rng_zig.ready, "GSL's ziggurat tables were not read: rng_gaussian is GSL alone");
    static const double sigmas[] = { 1.0, 0.5, 7.25 };
    long common = 0, other = 0;
    for (size_t i = 0; i < sizeof sigmas / sizeof *sigmas; i++) {
        rng_stream a, b;
        rng_stream_init(&a, 17, i, 2, 9, RNG_VISIT);
        rng_stream_init(&b, 17, i, 2, 9, RNG_VISIT);
        for (int k = 0; k < 400000; k++) {
            /* the strip and j of the integer this draw starts with */
            rng_state peek = a.state;
            uint32_t top = (uint32_t)(rng_state_next64(&peek) >> 32);
            if (((top >> 8) & 0xffffff) < rng_zig.k[top & 0x7f])
                common++;
            else
                other++;
            double x = rng_gaussian(&a.rng, sigmas[i]);
            double y = gsl_ran_gaussian_ziggurat(&b.rng, sigmas[i]);
            cr_assert_eq(bits(x), bits(y), "sigma %g draw %d: %.17g, GSL %.17g", sigmas[i], k, x, y);
            if (k % 3 == 0) {
                x = rng_uniform(&a.rng);
                y = gsl_rng_uniform(&b.rng);
                cr_assert_eq(bits(x), bits(y), "sigma %g, uniform after draw %d", sigmas[i], k);
            }
        }
    }
    /* about 3 % of GSL's draws leave the common case (strip 0 always) */
    cr_expect(other > 1000 && common > 10 * other,
              "common case %ld, wedge or tail %ld: both paths must be exercised", common, other);
    /* and on another generator rng_gaussian is GSL's own call */
    gsl_rng *ta = gsl_rng_alloc(gsl_rng_taus2), *tb = gsl_rng_alloc(gsl_rng_taus2);
    gsl_rng_set(ta, 5);
    gsl_rng_set(tb, 5);
    for (int k = 0; k < 10000; k++) {
        double x = rng_gaussian(ta, 2.0), y = gsl_ran_gaussian_ziggurat(tb, 2.0);
        cr_assert_eq(bits(x), bits(y), "taus2 draw %d", k);
    }
    gsl_rng_free(ta);
    gsl_rng_free(tb);
}

/* A stream's first draw computes the second state word alone and a
 * second draw seeds the rest (sim/rng.h, rng_state: RNG_WORD1,
 * RNG_FIRST_DRAWN; issue 14's fourth round): the numbers must be those of
 * the stream seeded in full before its first draw, whatever comes first
 * (a uniform, the ziggurat's common case or its wedge and tail, GSL's
 * integer), whether the second word was seeded early
 * (rng_stream_seed_word1) and whether the rest is seeded by a draw or by
 * rng_stream_seed_now.  The reference is the plain xoshiro256** sequence
 * from the four splitmix64 words. */
Test(draws, a_first_draw_from_one_word_is_the_full_seeding)
{
    cr_assert(rng_zig.ready);
    long zig_common = 0, zig_other = 0;
    for (int k = 0; k < 60000; k++) {
        uint64_t vkey = rng_visit_key(rng_key(rng_key_seed(29), (uint64_t)k / 7), (uint64_t)k % 7);
        uint64_t purpose = k % 3 == 0 ? RNG_VISIT : k % 3 == 1 ? RNG_DECISION : RNG_INTERVAL;
        /* the reference: seeded in full, then the generator's steps */
        uint64_t ref[4];
        rng_seed_words(ref, rng_mix(vkey ^ purpose));
        rng_stream eager;
        rng_stream_from_visit(&eager, vkey, purpose);
        rng_stream_seed_now(&eager.state);
        rng_stream a;
        rng_stream_from_visit(&a, vkey, purpose);
        int pattern = k % 6;
        if (pattern >= 3)
            rng_stream_seed_word1(&a.state);
        if (pattern % 3 == 0) {
            /* uniforms: the first from one word, the next from all four */
            for (int j = 0; j < 4; j++) {
                double want = (double)(rng_next64_words(ref) >> 11) * 0x1.0p-53;
                double got = rng_uniform(&a.rng);
                cr_assert_eq(bits(got), bits(want), "key %d pattern %d uniform %d", k, pattern, j);
                if (j == 0 && k % 4 == 0)
                    rng_stream_seed_now(&a.state);   /* the rest seeded by the caller */
            }
        } else if (pattern % 3 == 1) {
            /* a normal first (common case or GSL's wedge and tail), then a
             * uniform and GSL's own integer: as from the eager stream */
            uint32_t top = (uint32_t)(rng_next64_words(ref) >> 32);
            if (((top >> 8) & 0xffffff) < rng_zig.k[top & 0x7f])
                zig_common++;
            else
                zig_other++;
            double x = rng_gaussian(&a.rng, 1.5), y = gsl_ran_gaussian_ziggurat(&eager.rng, 1.5);
            cr_assert_eq(bits(x), bits(y), "key %d pattern %d: normal %.17g, eager %.17g", k, pattern, x, y);
            x = rng_uniform_pos(&a.rng);
            y = gsl_rng_uniform_pos(&eager.rng);
            cr_assert_eq(bits(x), bits(y), "key %d pattern %d: uniform after the normal", k, pattern);
            cr_assert_eq(gsl_rng_get(&a.rng), gsl_rng_get(&eager.rng), "key %d pattern %d: integer", k,
                         pattern);
        } else {
            /* GSL's integer first (its generator's function pointer), then
             * the inline normal on a stream seeded by that second draw */
            unsigned long want = (unsigned long)(rng_next64_words(ref) >> 32);
            cr_assert_eq(gsl_rng_get(&a.rng), want, "key %d pattern %d: integer", k, pattern);
            (void)gsl_rng_get(&eager.rng);
            double x = rng_gaussian(&a.rng, 1.0), y = gsl_ran_gaussian_ziggurat(&eager.rng, 1.0);
            cr_assert_eq(bits(x), bits(y), "key %d pattern %d: normal after the integer", k, pattern);
        }
    }
    /* both ways out of a first normal are exercised (about 3 % leave the
     * common case) */
    cr_expect(zig_other > 100 && zig_common > 10 * zig_other,
              "first normals: common case %ld, wedge or tail %ld", zig_common, zig_other);
}

/* one stream per draw, as the engine keys them (customer, visit) */
static double *gamma_sample(double shape, double scale, uint64_t seed)
{
    double *x = malloc(N_DIST * sizeof *x);
    cr_assert(x);
    draw_gamma_t g;
    draw_gamma_prepare(&g, shape, scale);
    for (int i = 0; i < N_DIST; i++) {
        rng_stream s;
        rng_stream_init(&s, seed, 0, (uint64_t)i / 8, (uint64_t)i % 8, RNG_INTERVAL);
        x[i] = draw_gamma(&g, &s.rng);
    }
    return x;
}

static void check_gamma(double shape, double scale)
{
    double *x = gamma_sample(shape, scale, 2026);
    expect_moments(x, N_DIST, shape * scale, shape * scale * scale, 6.0 / shape, "gamma");
    qsort(x, N_DIST, sizeof *x, cmp_double);
    double par[2] = { shape, scale };
    double ks = ks_stat(x, N_DIST, cdf_gamma, par);
    cr_expect(ks < KS_CRIT, "gamma(%g, %g): KS sqrt(n) D = %.3f >= %.2f", shape, scale, ks,
              KS_CRIT);
    /* the control: a shape 2 % off must be rejected */
    double wrong[2] = { shape * 1.02, scale };
    double ks_wrong = ks_stat(x, N_DIST, cdf_gamma, wrong);
    cr_expect(ks_wrong >= KS_CRIT, "gamma(%g, %g): KS does not tell shape %g (%.3f)", shape,
              scale, wrong[0], ks_wrong);
    free(x);
}

/* the textbook case's interval: shape 4, mean 30 days */
Test(draws, gamma_shape_4_follows_its_distribution)
{
    check_gamma(4.0, 7.5);
}

/* below 1 (the boost), as in the textbook's Beta(0.704, 1.182) */
Test(draws, gamma_shape_below_1_follows_its_distribution)
{
    check_gamma(0.704, 1.0);
}

Test(draws, beta_follows_its_distribution)
{
    const double a = 0.704, b = 1.182;
    draw_beta_t bt;
    draw_beta_prepare(&bt, a, b);
    double *x = malloc(N_DIST * sizeof *x);
    cr_assert(x);
    for (int i = 0; i < N_DIST; i++) {
        rng_stream s;
        rng_stream_init(&s, 77, 0, (uint64_t)i, 0, RNG_CUSTOMER);
        x[i] = draw_beta(&bt, &s.rng);
    }
    double mean = a / (a + b), var = a * b / ((a + b) * (a + b) * (a + b + 1));
    double excess = 6 * ((a - b) * (a - b) * (a + b + 1) - a * b * (a + b + 2))
                    / (a * b * (a + b + 2) * (a + b + 3));
    expect_moments(x, N_DIST, mean, var, excess, "beta");
    qsort(x, N_DIST, sizeof *x, cmp_double);
    double par[2] = { a, b }, wrong[2] = { a * 1.02, b };
    double ks = ks_stat(x, N_DIST, cdf_beta, par), ks_wrong = ks_stat(x, N_DIST, cdf_beta, wrong);
    cr_expect(ks < KS_CRIT, "beta: KS sqrt(n) D = %.3f", ks);
    cr_expect(ks_wrong >= KS_CRIT, "beta: KS does not tell a = %g (%.3f)", wrong[0], ks_wrong);
    free(x);
}

/* the bill: exp of GSL's ziggurat normal (models/satisfaction.c) */
Test(draws, lognormal_bill_follows_its_distribution)
{
    const double mu = 5, sigma = 0.5;
    double *x = malloc(N_DIST * sizeof *x);
    cr_assert(x);
    for (int i = 0; i < N_DIST; i++) {
        rng_stream s;
        rng_stream_init(&s, 31, 0, (uint64_t)i, 0, RNG_VISIT);
        x[i] = exp(mu + sigma * gsl_ran_gaussian_ziggurat(&s.rng, 1.0));
    }
    double s2 = sigma * sigma, w = exp(s2);
    double mean = exp(mu + s2 / 2), var = (w - 1) * exp(2 * mu + s2);
    double excess = w * w * w * w + 2 * w * w * w + 3 * w * w - 6;
    expect_moments(x, N_DIST, mean, var, excess, "lognormal");
    qsort(x, N_DIST, sizeof *x, cmp_double);
    double par[2] = { mu, sigma }, wrong[2] = { mu + 0.01, sigma };
    double ks = ks_stat(x, N_DIST, cdf_lognormal, par);
    double ks_wrong = ks_stat(x, N_DIST, cdf_lognormal, wrong);
    cr_expect(ks < KS_CRIT, "lognormal: KS sqrt(n) D = %.3f", ks);
    cr_expect(ks_wrong >= KS_CRIT, "lognormal: KS does not tell mu + 0.01 (%.3f)", ks_wrong);
    free(x);
}
