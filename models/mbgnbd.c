/* The MBG/NBD customer with Gamma-Gamma spend: BG/NBD with dropout possible
 * right after every purchase, the first included (Batislam, Denizel and
 * Filiztekin 2007, "Empirical validation and comparison of models for
 * customer base analysis"; BTYDplus's mbgcnbd with k = 1, lifetimes'
 * ModifiedBetaGeoFitter; fitted by fit/mbgnbd.c).
 *
 *   while alive, a customer buys as a Poisson process of rate lambda
 *   (purchases per period), lambda ~ Gamma(shape r, rate alpha);
 *   right after each purchase, the first included, the customer drops out
 *   for good with probability p, p ~ Beta(a, b);
 *   each purchase is worth Gamma(shape p_gg, rate nu), nu ~ Gamma(shape q,
 *   rate gamma) ([gamma_gamma], shared with the bgnbd model);
 *   lambda, p and nu are independent across and within customers.
 *
 * Time: as in models/bgnbd.c, lambda is per period of period_days days and
 * the days between purchases are exponential with mean period_days/lambda.
 *
 * In the engine: experience() sets churn = p at every purchase, the first
 * included (the one difference from the bgnbd model, which has none at the
 * first), then draw_interval() gives the exponential gap.  E[X(t)], the
 * expected repeat purchases by t periods after the first, is then
 *   b/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b+1; a+b; t/(alpha+t))]
 * (Batislam et al. 2007; fit/mbgnbd.c derives it), which
 * tests/test_purchase_models.c proves on the engine.
 *
 * An existing customer (customer_from_history).  With x repeat purchases,
 * the last t_x and the first T periods before the as-of date (days over
 * period_days), the likelihood given lambda and p is
 *   (1-p)^(x+1) lambda^x e^(-lambda T)     alive: survived all x+1 dropout
 *                                          chances, no purchase in (t_x, T]
 *   + p (1-p)^x lambda^x e^(-lambda t_x)   dropped right after the last purchase.
 * Times the Gamma and Beta priors, each branch is conjugate:
 *   alive:   lambda ~ Gamma(r+x, rate alpha+T),   p ~ Beta(a, b+x+1);
 *   dropped: lambda ~ Gamma(r+x, rate alpha+t_x), p ~ Beta(a+1, b+x);
 * and the branches' weights are their integrals, B(a, b+x+1) (alpha+T)^-(r+x)
 * against B(a+1, b+x) (alpha+t_x)^-(r+x), so
 *   P(alive) = 1 / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x))
 * (fit/mbgnbd.c's mbgnbd_p_alive, written again here because models/ does
 * not include fit/; the test checks that the two agree).  The customer is
 * drawn alive with that chance, then the branch's lambda and p; an alive
 * one's next purchase is Exp(lambda) periods away (memoryless), a dropped
 * one makes none (next INFINITY) but keeps a drawn state all the same.
 * Spend: the Gamma-Gamma posterior nu | x, zbar ~ Gamma(q + p_gg x, rate
 * gamma + x zbar) (Fader, Hardie and Lee 2005, "RFM and CLV"), the prior
 * for x = 0 or no known spend.
 *
 * No psychology, as in models/bgnbd.c: experience() gives no signal
 * (has_signal 0) and judges no visit worth less than it cost. */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#include "purchase_common.h"
#include "purchase_models.h"
#include "../sim/lang.h"
#include "../sim/model.h"

/* the slots of state: the mean gap in days, the dropout chance, Gamma-
 * Gamma's nu, the purchase rate per period */
enum { ST_INTERVAL = PURCHASE_ST_INTERVAL, ST_DROPOUT = PURCHASE_ST_DROPOUT, ST_NU = PURCHASE_ST_NU,
       ST_LAMBDA, ST_SLOTS };

#define NO_CHOICES NULL

/* ---- [mbgnbd] ---- */

/* Defaults: the CDNOW fit (BTYDplus's mbgcnbd with k = 1; lifetimes'
 * ModifiedBetaGeoFitter: r 0.525, alpha 6.183, a 0.891, b 1.614), in weeks. */
static const scen_key mbgnbd_keys[] = {
    { "r", KEY_REAL, offsetof(mbgnbd_params, r), 0.525, 0, 1e6, KEY_MIN_OPEN, "", NO_CHOICES,
      N_("MBG/NBD: shape of the Gamma spread of purchase rates across customers (small = very unequal).") },
    { "alpha", KEY_REAL, offsetof(mbgnbd_params, alpha), 6.183, 0, 1e9, KEY_MIN_OPEN, "periods",
      NO_CHOICES,
      N_("MBG/NBD: rate parameter of that Gamma; the average customer buys r/alpha times per period while alive.") },
    { "a", KEY_REAL, offsetof(mbgnbd_params, a), 0.891, 0, 1e6, KEY_MIN_OPEN, "", NO_CHOICES,
      N_("MBG/NBD: first Beta parameter of the chance p of dropping out right after any purchase, the first included (mean a/(a+b)).") },
    { "b", KEY_REAL, offsetof(mbgnbd_params, b), 1.614, 0, 1e6, KEY_MIN_OPEN, "", NO_CHOICES,
      N_("MBG/NBD: second Beta parameter of p.") },
    { "period_days", KEY_REAL, offsetof(mbgnbd_params, period_days), 7, 0, 3650, KEY_MIN_OPEN,
      "days", NO_CHOICES,
      N_("The fit's unit of time in days (1 = days, 7 = weeks, 30.4375 = months): r/alpha is purchases per such period.") },
    { 0 }
};

const scen_section mbgnbd_section_mbgnbd = {
    "mbgnbd",
    N_("Purchase rates and dropout of the fitted MBG/NBD customer (mbgnbd model); defaults: the CDNOW fit, in weeks."),
    sizeof(mbgnbd_params), 1, mbgnbd_keys, NULL
};

/* ---- the model ---- */

typedef struct mbgnbd_model {
    gamma_gamma_params gg;  /* first: purchase_common.h */
    mbgnbd_params mb;
} mbgnbd_model;

static void *mbgnbd_prepare(const scenario *sc, diag *d)
{
    return purchase_prepare(sc, d, sizeof(mbgnbd_model), &mbgnbd_section_mbgnbd,
                            offsetof(mbgnbd_model, mb), sizeof(mbgnbd_params));
}

/* alpha/r periods, 1/E[lambda]: the mean of the gaps the business sees
 * (see models/bgnbd.c; E[1/lambda] is infinite for r <= 1) */
static double mbgnbd_mean_interval(const void *params)
{
    const mbgnbd_params *mb = &((const mbgnbd_model *)params)->mb;
    return mb->alpha / mb->r * mb->period_days;
}

static void set_lambda(const mbgnbd_model *m, double *state, double lambda)
{
    state[ST_LAMBDA] = lambda;
    state[ST_INTERVAL] = lambda > 0 ? m->mb.period_days / lambda : INFINITY;
}

static void mbgnbd_customer_init(const void *params, double *state, gsl_rng *r)
{
    const mbgnbd_model *m = params;
    set_lambda(m, state, gsl_ran_gamma(r, m->mb.r, 1.0 / m->mb.alpha));
    state[ST_DROPOUT] = gsl_ran_beta(r, m->mb.a, m->mb.b);
    purchase_init_nu(m, state, r);
}

/* Dropout right after every purchase, the first included (the one
 * difference from the bgnbd model): purchase_experience_dropout.  Gaps and
 * continuation as bgnbd's (purchase_common.c): the customer's own
 * exponential gaps, dropout p after every purchase, bills of mean p_gg / nu;
 * exact. */

/* The posterior of the top-of-file comment. */
static int mbgnbd_from_history(const void *params, const customer_history *h, double *state,
                               double *next_days, gsl_rng *r)
{
    const mbgnbd_model *m = params;
    const mbgnbd_params *mb = &m->mb;
    double x = h->repeat_purchases > 0 ? h->repeat_purchases : 0;
    double T = h->age / mb->period_days, t_x = x > 0 ? h->last_age / mb->period_days : 0;
    if (!(T > 0))
        T = 0;
    if (!(t_x > 0))
        t_x = 0;
    if (t_x > T)
        t_x = T;
    double u = log(mb->a / (mb->b + x)) + (mb->r + x) * (log(mb->alpha + T) - log(mb->alpha + t_x));
    double p_alive = 1 / (1 + exp(u));
    int alive = gsl_rng_uniform(r) < p_alive;
    if (alive) {
        set_lambda(m, state, gsl_ran_gamma(r, mb->r + x, 1.0 / (mb->alpha + T)));
        state[ST_DROPOUT] = gsl_ran_beta(r, mb->a, mb->b + x + 1);
    } else {
        set_lambda(m, state, gsl_ran_gamma(r, mb->r + x, 1.0 / (mb->alpha + t_x)));
        state[ST_DROPOUT] = gsl_ran_beta(r, mb->a + 1, mb->b + x);
    }
    double zsum = x > 0 && h->mean_spend > 0 ? x * h->mean_spend : 0;
    state[ST_NU] = purchase_posterior_nu(m, zsum > 0 ? x : 0, zsum, r);
    *next_days = alive ? purchase_draw_interval(params, state, r) : INFINITY;
    return alive;
}

static const scen_section *const mbgnbd_sections[] = {
    &mbgnbd_section_mbgnbd, &bgnbd_section_gamma_gamma, NULL
};

const model_type model_mbgnbd = {
    "mbgnbd",
    "Fitted MBG/NBD customer with Gamma-Gamma spend (non-contractual): Poisson purchases while alive, "
    "dropout after every purchase, the first included; no satisfaction.",
    mbgnbd_sections, mbgnbd_prepare, purchase_release, purchase_mean_bill, mbgnbd_mean_interval,
    mbgnbd_customer_init, purchase_draw_bill, purchase_experience_dropout, purchase_draw_interval,
    NULL, purchase_continuation, NULL, mbgnbd_from_history, .state_slots = ST_SLOTS
};
