/* draws: the hot path's gamma and beta variates, prepared once.
 *
 * GSL's gsl_ran_gamma is Marsaglia and Tsang's method ("A simple method
 * for generating gamma variables", ACM TOMS 26(3), 2000, 363-372): for a
 * shape a >= 1, with d = a - 1/3 and c = 1 / sqrt(9 d), draw a standard
 * normal x (GSL's ziggurat, Marsaglia and Tsang, "The ziggurat method for
 * generating random variables", J. Stat. Softw. 5(8), 2000), v = (1 + c x)^3,
 * and accept d v when a uniform u < 1 - 0.0331 x^4 (the squeeze) or
 * log u < x^2 / 2 + d (1 - v + log v); for a < 1 the paper's boost, a gamma
 * of shape a + 1 times u^(1/a).  It recomputes d and c (a sqrt) at every
 * call and reaches the generator through two levels of calls.  Here the
 * constants are computed once per parameter set (draw_gamma_prepare), the
 * loop is inlined at the call site and the uniforms of retsim's own
 * generator (sim/rng.h) are drawn inline, while the normal is still GSL's
 * gsl_ran_gaussian_ziggurat, called directly.
 *
 * The draws are the very numbers gsl_ran_gamma and gsl_ran_beta return on
 * the same generator (the same arithmetic in the same order:
 * tests/test_draws.c checks it bit for bit, and checks the distributions
 * against their closed forms), so switching a call site over changes no
 * output. */
#ifndef RETSIM_DRAWS_H
#define RETSIM_DRAWS_H

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>

#include "rng.h"

/* A gamma of shape `shape` and scale `scale`, prepared. */
typedef struct draw_gamma_t {
    double d, c;        /* Marsaglia-Tsang's constants for max(shape, shape + 1) */
    double scale;
    double inv_shape;   /* 1 / shape, for the boost when shape < 1 */
    int boost;          /* shape < 1 */
} draw_gamma_t;

/* shape > 0 and scale > 0, as gsl_ran_gamma assumes. */
void draw_gamma_prepare(draw_gamma_t *g, double shape, double scale);

/* Marsaglia-Tsang's loop for shape >= 1 (d, c as above): the accepted v;
 * the variate is scale * d * v, multiplied in GSL's order. */
static inline double draw_gamma_mt(gsl_rng *r, double d, double c)
{
    double x, v, u;
    for (;;) {
        do {
            x = rng_gaussian(r, 1.0);
            v = 1.0 + c * x;
        } while (v <= 0);
        v = v * v * v;
        u = rng_uniform_pos(r);
        if (u < 1 - 0.0331 * x * x * x * x)
            break;
        if (log(u) < 0.5 * x * x + d * (1 - v + log(v)))
            break;
    }
    return v;
}

/* The same number as gsl_ran_gamma(r, shape, scale). */
static inline double draw_gamma(const draw_gamma_t *g, gsl_rng *r)
{
    if (g->boost) {
        /* GSL draws the boost's uniform first, then the gamma of shape + 1 */
        double u = rng_uniform_pos(r);
        double y = g->scale * g->d * draw_gamma_mt(r, g->d, g->c);
        return y * pow(u, g->inv_shape);
    }
    return g->scale * g->d * draw_gamma_mt(r, g->d, g->c);
}

/* A beta(a, b) through two gammas, prepared (scale 1). */
typedef struct draw_beta_t {
    draw_gamma_t ga, gb;
    int johnk;          /* a <= 1 and b <= 1: GSL uses Johnk's method then */
    double a, b;
} draw_beta_t;

void draw_beta_prepare(draw_beta_t *bt, double a, double b);

/* The same number as gsl_ran_beta(r, a, b). */
static inline double draw_beta(const draw_beta_t *bt, gsl_rng *r)
{
    if (bt->johnk)
        return gsl_ran_beta(r, bt->a, bt->b);
    double x1 = draw_gamma(&bt->ga, r);
    double x2 = draw_gamma(&bt->gb, r);
    return x1 / (x1 + x2);
}

#endif
