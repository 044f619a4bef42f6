/* The shifted-beta-geometric subscriber: the fitted statistical model of a
 * contractual business (Fader and Hardie 2007, "How to project customer
 * retention").
 *
 * Each customer has their own chance theta of not renewing at the end of a
 * period, theta ~ Beta(alpha, beta), drawn once.  A customer who joins pays
 * the first period at once (purchase 1); after each payment they renew with
 * probability 1 - theta and pay again exactly period_days later.  The share
 * still paying after t renewals is then
 *   S(t) = E[(1 - theta)^t] = B(alpha, beta + t) / B(alpha, beta)
 * (tests/test_btyd_model.c proves it on the engine's retention curve).
 *
 * Every payment is the subscription fee, price.  As with the bgnbd model
 * there is no psychology: experience() sets benefit, cost, value,
 * expectation and satisfaction to 0 (see models/bgnbd.c for what that
 * means for word of mouth and promotions). */
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#include "bgnbd.h"
#include "../sim/lang.h"
#include "../sim/model.h"

enum { ST_THETA, ST_SLOTS };

#define NO_CHOICES NULL

/* Defaults: the "regular" customers of Fader and Hardie (2007), yearly. */
static const scen_key sbg_keys[] = {
    { "alpha", KEY_REAL, offsetof(sbg_params, alpha), 0.704, 0, 1e6, KEY_MIN_OPEN, "", NO_CHOICES,
      N_("sBG: first Beta parameter of each subscriber's chance theta of not renewing (mean alpha/(alpha+beta)).") },
    { "beta", KEY_REAL, offsetof(sbg_params, beta), 1.182, 0, 1e6, KEY_MIN_OPEN, "", NO_CHOICES,
      N_("sBG: second Beta parameter of theta.") },
    { "period_days", KEY_REAL, offsetof(sbg_params, period_days), 365, 0, 3650, KEY_MIN_OPEN,
      "days", NO_CHOICES,
      N_("Days one payment covers: the time between renewals (365 = yearly, 30.4375 = monthly).") },
    { "price", KEY_REAL, offsetof(sbg_params, price), 100, 0, 1e9, KEY_MIN_OPEN, "currency", NO_CHOICES,
      N_("The payment for one period (the subscription fee): every visit's bill.") },
    { 0 }
};

const scen_section sbg_section_sbg = {
    "sbg",
    N_("Renewals of the fitted contractual subscriber (sbg model); defaults: Fader-Hardie's regular "
    "customers, yearly."),
    sizeof(sbg_params), 1, sbg_keys, NULL
};

static void *sbg_prepare(const scenario *sc, diag *d)
{
    sbg_params *p = malloc(sizeof *p);
    if (!p) {
        diag_set(d, DIAG_RUNTIME, "out of memory");
        return NULL;
    }
    *p = *(const sbg_params *)scen_get(sc, &sbg_section_sbg);
    return p;
}

static void sbg_release(void *params)
{
    free(params);
}

static double sbg_mean_bill(const void *params)
{
    return ((const sbg_params *)params)->price;
}

static double sbg_mean_interval(const void *params)
{
    return ((const sbg_params *)params)->period_days;
}

static void sbg_customer_init(const void *params, double *state, gsl_rng *r)
{
    const sbg_params *p = params;
    state[ST_THETA] = gsl_ran_beta(r, p->alpha, p->beta);
}

static double sbg_draw_bill(const void *params, const double *state, const visit_ctx *v,
                            gsl_rng *r)
{
    (void)state;
    (void)v;
    (void)r;
    return ((const sbg_params *)params)->price;
}

static void sbg_experience(const void *params, double *state, visit_ctx *v, gsl_rng *r)
{
    (void)params;
    (void)r;
    v->churn = state[ST_THETA];
}

static double sbg_draw_interval(const void *params, const double *state, gsl_rng *r)
{
    (void)state;
    (void)r;
    return ((const sbg_params *)params)->period_days;
}

/* Exact: the fee every period, the customer's own theta after each
 * payment, E[exp(-delta X)] = exp(-delta period_days) for the fixed gap. */
static void sbg_continuation(const void *params, const double *state, double last_churn,
                             double delta, model_continuation *out)
{
    (void)last_churn;
    const sbg_params *p = params;
    out->bill = p->price;
    out->churn = state[ST_THETA];
    out->interval_discount = exp(-delta * p->period_days);
    out->exact = 1;
}

static const scen_section *const sbg_sections[] = { &sbg_section_sbg, NULL };

const model_type model_sbg = {
    "sbg",
    "Fitted shifted-beta-geometric subscriber (contractual): pays every period, and after each payment "
    "leaves for good with their own chance theta ~ Beta(alpha, beta); no satisfaction.",
    sbg_sections, sbg_prepare, sbg_release, sbg_mean_bill, sbg_mean_interval, sbg_customer_init,
    sbg_draw_bill, sbg_experience, sbg_draw_interval, NULL, sbg_continuation, .state_slots = ST_SLOTS
};
