/* The BG/NBD customer with Gamma-Gamma spend: the fitted statistical model
 * of a non-contractual business (Fader, Hardie and Lee 2005, "Counting your
 * customers the easy way" and "RFM and CLV").
 *
 *   while alive, a customer buys as a Poisson process of rate lambda
 *   (purchases per period), lambda ~ Gamma(shape r, rate alpha);
 *   after each repeat purchase the customer drops out for good with
 *   probability P, P ~ Beta(a, b);
 *   each purchase is worth Gamma(shape p, rate nu), nu ~ Gamma(shape q, rate gamma);
 *   lambda, P and nu are independent across and within customers.
 *
 * Time: the fit counts time in periods of period_days days (1 for days, 7
 * for weeks, 30.4375 for months), so lambda is per period and alpha is in
 * periods; a customer's rate per day is lambda / period_days, and the days
 * between purchases are exponential with mean period_days / lambda.
 *
 * The engine's first purchase is BG/NBD's time 0: a customer cannot drop
 * out there (in the likelihood, x = 0 customers are alive), so churn is 0
 * at purchase 1 and P after every later purchase.  E[X(t)], the expected
 * repeat purchases by t periods after the first, is then
 *   (a+b-1)/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b; a+b-1; t/(alpha+t))]
 * (tests/test_btyd_model.c proves it).
 *
 * An existing customer (customer_from_history), with x repeat purchases,
 * the last t_x and the as-of date T after the first (days over period_days:
 * periods, not rounded, time being continuous).  Their likelihood given
 * (lambda, P) has two branches (the individual-level likelihood of Fader,
 * Hardie and Lee 2005, term by term):
 *   alive at T:                      (1-P)^x lambda^x e^(-lambda T)
 *   dropped out at the last purchase: [x > 0] P (1-P)^(x-1) lambda^x e^(-lambda t_x)
 * (the purchases at their times, no purchase since, and no dropout after
 * them or dropout at the last).  Against the Gamma(r, alpha) and Beta(a, b)
 * priors each branch is conjugate:
 *   alive:   weight B(a, b+x) Gamma(r+x) / (alpha+T)^(r+x),
 *            lambda ~ Gamma(r+x, rate alpha+T), P ~ Beta(a, b+x);
 *   dropped: weight B(a+1, b+x-1) Gamma(r+x) / (alpha+t_x)^(r+x),
 *            lambda ~ Gamma(r+x, rate alpha+t_x), P ~ Beta(a+1, b+x-1);
 * so the chance of the alive branch is
 *   P(alive | x, t_x, T) = 1 / (1 + [x > 0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)),
 * the P(alive) of fit/btyd.h (Fader, Hardie and Lee, "Computing P(alive)
 * using the BG/NBD model").  The branch is drawn with
 * it, then lambda and P from its laws.  A customer alive at T buys next
 * after an Exp(lambda) wait from T (the Poisson process forgets the time
 * since the last purchase) and drops out only after that purchase (churn P
 * there, at purchase x + 2); one who dropped out makes none (*next_days =
 * INFINITY).  Spend: nu | x, zbar ~ Gamma(q + p x, rate gamma + x zbar), the
 * Gamma-Gamma posterior (Fader, Hardie and Lee 2005, "RFM and CLV"; the
 * prior when x = 0).
 *
 * No psychology: a statistical model has no perceived benefit, cost,
 * expectation or satisfaction, so experience() gives no signal
 * (has_signal 0) and judges no visit worth less than it cost: word of
 * mouth sees neither promoters nor detractors, no first visit counts as
 * negative, a recharge's take-up does not move with satisfaction.  Promotions that act on churn, the bill or conversion
 * (after the model, in the engine's order) work as on any customer. */
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#include "bgnbd.h"
#include "../sim/lang.h"
#include "purchase_common.h"
#include "../sim/model.h"

enum { ST_INTERVAL = PURCHASE_ST_INTERVAL, ST_DROPOUT = PURCHASE_ST_DROPOUT, ST_NU = PURCHASE_ST_NU, ST_SLOTS };

#define NO_CHOICES NULL

/* ---- [bgnbd] ---- */

/* Defaults: the CDNOW fit of Fader, Hardie and Lee (2005), in weeks. */
static const scen_key bgnbd_keys[] = {
    { "r", KEY_REAL, offsetof(bgnbd_params, r), 0.243, 0, 1e6, KEY_MIN_OPEN, "", NO_CHOICES,
      N_("BG/NBD: shape of the Gamma spread of purchase rates across customers (small = very unequal).") },
    { "alpha", KEY_REAL, offsetof(bgnbd_params, alpha), 4.414, 0, 1e9, KEY_MIN_OPEN, "periods",
      NO_CHOICES,
      N_("BG/NBD: rate parameter of that Gamma; the average customer buys r/alpha times per period while alive.") },
    { "a", KEY_REAL, offsetof(bgnbd_params, a), 0.793, 0, 1e6, KEY_MIN_OPEN, "", NO_CHOICES,
      N_("BG/NBD: first Beta parameter of the chance P of dropping out after a repeat purchase (mean a/(a+b)).") },
    { "b", KEY_REAL, offsetof(bgnbd_params, b), 2.426, 0, 1e6, KEY_MIN_OPEN, "", NO_CHOICES,
      N_("BG/NBD: second Beta parameter of P.") },
    { "period_days", KEY_REAL, offsetof(bgnbd_params, period_days), 7, 0, 3650, KEY_MIN_OPEN,
      "days", NO_CHOICES,
      N_("The fit's unit of time in days (1 = days, 7 = weeks, 30.4375 = months): r/alpha is purchases per such period.") },
    { 0 }
};

const scen_section bgnbd_section_bgnbd = {
    "bgnbd",
    N_("Purchase rates and dropout of the fitted BG/NBD customer (bgnbd model); defaults: the CDNOW fit, in weeks."),
    sizeof(bgnbd_params), 1, bgnbd_keys, NULL
};


/* ---- the model ---- */

typedef struct bgnbd_model {
    gamma_gamma_params gg;  /* first: purchase_common.h */
    bgnbd_params bg;
} bgnbd_model;

static void *bgnbd_prepare(const scenario *sc, diag *d)
{
    return purchase_prepare(sc, d, sizeof(bgnbd_model), &bgnbd_section_bgnbd,
                            offsetof(bgnbd_model, bg), sizeof(bgnbd_params));
}

/* E[1/lambda] is infinite for r <= 1, so the mean gap of a random customer
 * is no use.  1/E[lambda] = alpha/r periods is instead the mean of the gaps
 * the business sees, every purchase counted once: a customer of rate lambda
 * contributes gaps in proportion to lambda, each of mean 1/lambda. */
static double bgnbd_mean_interval(const void *params)
{
    const bgnbd_params *bg = &((const bgnbd_model *)params)->bg;
    return bg->alpha / bg->r * bg->period_days;
}

static void bgnbd_customer_init(const void *params, double *state, gsl_rng *r)
{
    const bgnbd_model *m = params;
    double lambda = gsl_ran_gamma(r, m->bg.r, 1.0 / m->bg.alpha);
    state[ST_INTERVAL] = lambda > 0 ? m->bg.period_days / lambda : INFINITY;
    state[ST_DROPOUT] = gsl_ran_beta(r, m->bg.a, m->bg.b);
    purchase_init_nu(m, state, r);
}

static void bgnbd_experience(const void *params, double *state, visit_ctx *v, gsl_rng *r)
{
    (void)params;
    (void)r;
    v->churn = v->purchase_no > 1 ? state[ST_DROPOUT] : 0.0;
}

/* The simulator knows the customer's own rate and dropout chance, so the
 * continuation is exact (no need for the population DERT of Fader, Hardie
 * and Lee 2005, which averages over what a fit does not know): exponential
 * gaps of mean period_days/lambda, E[exp(-delta X)] = 1 / (1 + delta mean),
 * dropout P after every later purchase, bills of mean p / nu: the
 * purchase_continuation of purchase_common.c. */

/* The posterior draw of the file's comment. */
static int bgnbd_from_history(const void *params, const customer_history *h, double *state,
                              double *next_days, gsl_rng *r)
{
    const bgnbd_model *m = params;
    const double rr = m->bg.r, al = m->bg.alpha, a = m->bg.a, b = m->bg.b;
    const double P = m->bg.period_days;
    double x = h->repeat_purchases > 0 ? h->repeat_purchases : 0;
    double T = isfinite(h->age) && h->age > 0 ? h->age / P : 0;
    double t_x = x > 0 && isfinite(h->last_age) && h->last_age > 0 ? h->last_age / P : 0;
    if (t_x > T)
        t_x = T;
    double zbar = x > 0 && h->mean_spend > 0 ? h->mean_spend : 0;
    state[ST_NU] = purchase_posterior_nu(m, x, x * zbar, r);

    double p_alive = 1;
    if (x > 0) {
        double u = log(a / (b + x - 1)) + (rr + x) * (log(al + T) - log(al + t_x));
        p_alive = u > 0 ? exp(-u) / (1 + exp(-u)) : 1 / (1 + exp(u));
    }
    int alive = gsl_rng_uniform(r) < p_alive;
    double lambda = gsl_ran_gamma(r, rr + x, 1.0 / (al + (alive ? T : t_x)));
    state[ST_INTERVAL] = lambda > 0 ? P / lambda : INFINITY;
    state[ST_DROPOUT] = alive ? gsl_ran_beta(r, a, b + x) : gsl_ran_beta(r, a + 1, b + x - 1);
    *next_days = alive && lambda > 0 ? gsl_ran_exponential(r, state[ST_INTERVAL]) : INFINITY;
    return alive;
}

static const scen_section *const bgnbd_sections[] = {
    &bgnbd_section_bgnbd, &bgnbd_section_gamma_gamma, NULL
};

const model_type model_bgnbd = {
    "bgnbd",
    "Fitted BG/NBD customer with Gamma-Gamma spend (non-contractual): Poisson purchases while alive, "
    "dropout after each repeat purchase; no satisfaction.",
    bgnbd_sections, bgnbd_prepare, purchase_release, purchase_mean_bill, bgnbd_mean_interval,
    bgnbd_customer_init, purchase_draw_bill, bgnbd_experience, purchase_draw_interval,
    NULL, purchase_continuation, NULL, bgnbd_from_history, .state_slots = ST_SLOTS
};
