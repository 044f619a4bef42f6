/* The BG/BB customer with Gamma-Gamma spend: the fitted statistical model
 * of a business whose customers can buy only at discrete opportunities (a
 * yearly check-up, a charity's annual appeal, a season ticket), Fader,
 * Hardie and Shang (2010), "Customer-base analysis in a discrete-time
 * noncontractual setting", Marketing Science 29(6), 1086-1108.
 *
 *   opportunities come every period_days days after the first purchase;
 *   at each, a customer still alive first dies (for good) with probability
 *   theta, and otherwise buys with probability p;
 *   p ~ Beta(alpha, beta), theta ~ Beta(gamma, delta), drawn once per customer;
 *   each purchase is worth Gamma(shape p_gg, rate nu), nu ~ Gamma(q_gg, rate
 *   gamma_gg) ([gamma_gamma], shared with the bgnbd model);
 *   p, theta and nu are independent.
 *
 * Defaults: the fit to the 1995 cohort of 11,104 donors of FHS (2010),
 * yearly (alpha 1.204, beta 0.750, gamma 0.657, delta 2.783).
 *
 * In the engine's terms (sim/engine.c, visit(): experience() sets the
 * chance of never returning, then draw_interval() gives the days to the
 * next purchase): after a purchase, each later opportunity is, independently,
 * a death (theta), a purchase ((1-theta) p) or nothing ((1-theta)(1-p)).
 * The first opportunity that is not "nothing" is therefore K ~ Geometric(q)
 * opportunities later, q = 1 - (1-theta)(1-p), and what happens there is
 * independent of K: death with probability theta/q, a purchase with
 * probability (1-theta) p / q.  So experience() sets churn = theta/q at
 * every purchase (the first included: death can come before the very next
 * opportunity) and draw_interval() returns K period_days, whole periods.
 * The expected purchases at opportunities 1..n after the first,
 *   E[X(n)] = alpha/(alpha+beta) sum_{k=1}^{n} B(gamma, delta+k)/B(gamma, delta)
 * (FHS 2010), follows; tests/test_bgbb.c proves it on the engine.
 * A customer with q = 0 (p = theta = 0, a draw that underflowed) never does
 * anything again: churn 0 and an infinite interval, as a BG/NBD customer
 * of rate 0.
 *
 * An existing customer (customer_from_history).  Days become opportunities
 * by rounding to whole periods: n = round(T / period_days) opportunities
 * have passed, the last purchase was at opportunity t_x = round(t_x days /
 * period_days) (0 when x = 0).  A history the model cannot hold, two
 * purchases rounded into one opportunity, is read as the nearest one it can
 * (t_x raised to x, n to t_x).  Given (x, t_x, n), the latent death
 * opportunity tau (infinite: alive after n) and (p, theta) have the joint
 * posterior (the terms of the FHS 2010 likelihood):
 *   alive after n:  weight B(alpha+x, beta+n-x) B(gamma, delta+n),
 *                   then p ~ Beta(alpha+x, beta+n-x), theta ~ Beta(gamma, delta+n);
 *   dead at the start of opportunity t_x+i+1, i = 0 .. n-t_x-1:
 *                   weight B(alpha+x, beta+t_x-x+i) B(gamma+1, delta+t_x+i),
 *                   then p ~ Beta(alpha+x, beta+t_x-x+i), theta ~ Beta(gamma+1, delta+t_x+i)
 * (the likelihoods p^x (1-p)^(n-x) (1-theta)^n and p^x (1-p)^(t_x+i-x)
 * (1-theta)^(t_x+i) theta against the Beta priors; the alive weight over
 * the total is P(alive | x, t_x, n) of fit/bgbb.h).  The branch is drawn
 * with these weights, then p and theta from its Beta laws.  For a customer
 * alive after n, the opportunities after the as-of date are the same
 * independent trials as after a purchase: the next death-or-purchase is
 * K ~ Geometric(q) opportunities on, a purchase with probability
 * (1-theta) p / q, a death otherwise; the purchase is at opportunity n+K,
 * (n+K) period_days - T days after the as-of date (at least half a period,
 * since n is T rounded); a death first gives *next_days = INFINITY.  Spend:
 * nu | x, zbar ~ Gamma(q_gg + p_gg x, rate gamma_gg + x zbar) (Fader,
 * Hardie and Lee 2005, "RFM and CLV", the posterior of the Gamma-Gamma
 * model; the prior when x = 0).
 *
 * No psychology: as for the bgnbd model (see models/bgnbd.c), no signal and
 * no visit judged worth less than it cost. */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#include "bgbb.h"
#include "../sim/lang.h"
#include "purchase_common.h"
#include "../sim/model.h"

enum { ST_P, ST_THETA, ST_NU = PURCHASE_ST_NU, ST_SLOTS };

#define NO_CHOICES NULL
#define MAX_OPPORTUNITIES 10000000L  /* a history longer than this is read as this long */

/* ---- [bgbb] ---- */

/* Defaults: FHS (2010), the donations fit, one opportunity a year. */
static const scen_key bgbb_keys[] = {
    { "alpha", KEY_REAL, offsetof(bgbb_params, alpha), 1.204, 0, 1e6, KEY_MIN_OPEN, "", NO_CHOICES,
      N_("BG/BB: first Beta parameter of each customer's chance p of buying at an opportunity while alive (mean alpha/(alpha+beta)).") },
    { "beta", KEY_REAL, offsetof(bgbb_params, beta), 0.750, 0, 1e6, KEY_MIN_OPEN, "", NO_CHOICES,
      N_("BG/BB: second Beta parameter of p.") },
    { "gamma", KEY_REAL, offsetof(bgbb_params, gamma), 0.657, 0, 1e6, KEY_MIN_OPEN, "", NO_CHOICES,
      N_("BG/BB: first Beta parameter of each customer's chance theta of dropping out for good before an opportunity (mean gamma/(gamma+delta)).") },
    { "delta", KEY_REAL, offsetof(bgbb_params, delta), 2.783, 0, 1e6, KEY_MIN_OPEN, "", NO_CHOICES,
      N_("BG/BB: second Beta parameter of theta.") },
    { "period_days", KEY_REAL, offsetof(bgbb_params, period_days), 365, 0, 3650, KEY_MIN_OPEN,
      "days", NO_CHOICES,
      N_("Days between opportunities to buy (365 = a yearly check-up or appeal); purchases fall on whole periods after the first.") },
    { 0 }
};

const scen_section bgbb_section_bgbb = {
    "bgbb",
    N_("Purchase and dropout chances per opportunity of the fitted BG/BB customer (bgbb model); "
    "defaults: Fader, Hardie and Shang's donors, yearly."),
    sizeof(bgbb_params), 1, bgbb_keys, NULL
};

/* ---- the model ---- */

typedef struct bgbb_model {
    gamma_gamma_params gg;  /* first: purchase_common.h */
    bgbb_params bb;
} bgbb_model;

static void *bgbb_prepare(const scenario *sc, diag *d)
{
    return purchase_prepare(sc, d, sizeof(bgbb_model), &bgbb_section_bgbb,
                            offsetof(bgbb_model, bb), sizeof(bgbb_params));
}

/* 1/E[p] opportunities: the gap between purchases of a customer who stays,
 * at the average purchase chance (the analogue of BG/NBD's alpha/r; the
 * mean of 1/p is infinite for alpha <= 1). */
static double bgbb_mean_interval(const void *params)
{
    const bgbb_params *bb = &((const bgbb_model *)params)->bb;
    return (bb->alpha + bb->beta) / bb->alpha * bb->period_days;
}

static void bgbb_customer_init(const void *params, double *state, gsl_rng *r)
{
    const bgbb_model *m = params;
    state[ST_P] = gsl_ran_beta(r, m->bb.alpha, m->bb.beta);
    state[ST_THETA] = gsl_ran_beta(r, m->bb.gamma, m->bb.delta);
    purchase_init_nu(m, state, r);
}

/* q = 1 - (1-theta)(1-p), the chance that an opportunity brings death or a
 * purchase */
static double event_chance(const double *state)
{
    return 1.0 - (1.0 - state[ST_THETA]) * (1.0 - state[ST_P]);
}

/* K ~ Geometric(q) on 1, 2, ...: by inversion, in double (gsl_ran_geometric
 * returns an unsigned int, which a small q overflows). */
static double geometric(double q, gsl_rng *r)
{
    if (q >= 1)
        return 1;
    return floor(log(gsl_rng_uniform_pos(r)) / log1p(-q)) + 1;
}

static void bgbb_experience(const void *params, double *state, visit_ctx *v, gsl_rng *r)
{
    (void)params;
    (void)r;
    double q = event_chance(state);
    v->churn = q > 0 ? state[ST_THETA] / q : 0.0;
}

static double bgbb_draw_interval(const void *params, const double *state, gsl_rng *r)
{
    const bgbb_model *m = params;
    double q = event_chance(state);
    if (!(q > 0))
        return INFINITY;
    return geometric(q, r) * m->bb.period_days;
}

/* Exact: the customer's own churn theta/q after every purchase, gaps of
 * K period_days with K ~ Geometric(q), whose Laplace transform at the daily
 * rate delta is E[z^K] = q z / (1 - (1-q) z), z = exp(-delta period_days);
 * bills of mean p_gg / nu. */
static void bgbb_continuation(const void *params, const double *state, double last_churn,
                              double delta, model_continuation *out)
{
    (void)last_churn;
    const bgbb_model *m = params;
    double q = event_chance(state), z = exp(-delta * m->bb.period_days);
    out->bill = m->gg.p / state[ST_NU];
    out->churn = q > 0 ? state[ST_THETA] / q : 0.0;
    out->interval_discount = q > 0 ? q * z / (1.0 - (1.0 - q) * z) : 0.0;
    out->exact = 1;
}

static long round_periods(double days, double period)
{
    double k = isfinite(days) && days > 0 ? round(days / period) : 0;
    return k > MAX_OPPORTUNITIES ? MAX_OPPORTUNITIES : (long)k;
}

/* The posterior draw of the file's comment. */
static int bgbb_from_history(const void *params, const customer_history *h, double *state,
                             double *next_days, gsl_rng *r)
{
    const bgbb_model *m = params;
    const double al = m->bb.alpha, be = m->bb.beta, ga = m->bb.gamma, de = m->bb.delta;
    const double P = m->bb.period_days;
    long x = h->repeat_purchases > 0 ? h->repeat_purchases : 0;
    if (x > MAX_OPPORTUNITIES)
        x = MAX_OPPORTUNITIES;
    long n = round_periods(h->age, P);
    long t_x = x > 0 ? round_periods(h->last_age, P) : 0;
    if (t_x < x)
        t_x = x;
    if (n < t_x)
        n = t_x;
    double zbar = x > 0 && h->mean_spend > 0 ? h->mean_spend : 0;
    state[ST_NU] = purchase_posterior_nu(m, (double)x, (double)x * zbar, r);
    *next_days = INFINITY;

    /* ln of the alive weight, and of the death weights relative to the
     * first (each from the one before by B(a, b+1)/B(a, b) = b/(a+b)) */
    double la = gsl_sf_lnbeta(al + x, be + n - x) + gsl_sf_lnbeta(ga, de + n);
    double l0 = n > t_x ? gsl_sf_lnbeta(al + x, be + t_x - x) + gsl_sf_lnbeta(ga + 1, de + t_x)
                        : -INFINITY;
    double lmax = la > l0 ? la : l0, total = exp(la - lmax), li = l0;
    for (long i = 0; i < n - t_x; i++) {
        if (i > 0)
            li += log((be + t_x - x + i - 1) / (al + be + t_x + i - 1))
                  + log((de + t_x + i - 1) / (ga + de + t_x + i));
        total += exp(li - lmax);
    }
    double u = gsl_rng_uniform(r) * total, acc = exp(la - lmax);
    if (u < acc) {
        /* alive after opportunity n */
        state[ST_P] = gsl_ran_beta(r, al + x, be + n - x);
        state[ST_THETA] = gsl_ran_beta(r, ga, de + n);
        double q = event_chance(state);
        if (q > 0) {
            double k = geometric(q, r);
            /* the event at n+K is a purchase with probability (1-theta) p / q */
            if (gsl_rng_uniform(r) * q < (1.0 - state[ST_THETA]) * state[ST_P])
                *next_days = ((double)n + k) * P - (h->age > 0 ? h->age : 0);
        }
        return 1;
    }
    /* dead at the start of opportunity t_x+i+1: the branch drawn */
    long i = 0;
    li = l0;
    for (; i < n - t_x - 1; i++) {
        acc += exp(li - lmax);
        if (u < acc)
            break;
        li += log((be + t_x - x + i) / (al + be + t_x + i)) + log((de + t_x + i) / (ga + de + t_x + i + 1));
    }
    state[ST_P] = gsl_ran_beta(r, al + x, be + t_x - x + i);
    state[ST_THETA] = gsl_ran_beta(r, ga + 1, de + t_x + i);
    return 0;
}

static const scen_section *const bgbb_sections[] = {
    &bgbb_section_bgbb, &bgnbd_section_gamma_gamma, NULL
};

const model_type model_bgbb = {
    "bgbb",
    "Fitted BG/BB customer with Gamma-Gamma spend (discrete opportunities, non-contractual): at each "
    "opportunity dies with their own theta, else buys with their own p; no satisfaction.",
    bgbb_sections, bgbb_prepare, purchase_release, purchase_mean_bill, bgbb_mean_interval,
    bgbb_customer_init, purchase_draw_bill, bgbb_experience, bgbb_draw_interval,
    NULL, bgbb_continuation, NULL, bgbb_from_history, .state_slots = ST_SLOTS
};
