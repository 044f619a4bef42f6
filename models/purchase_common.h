/* purchase_common: the pieces the fitted purchase models share (bgnbd,
 * mbgnbd, pareto_nbd and, for spend, bgbb): the Gamma-Gamma spend of
 * [gamma_gamma] (Fader, Hardie and Lee 2005, "RFM and CLV"), the prepared
 * parameters, and for the models that keep an exponential gap and a
 * dropout chance in their state, the gap and the exact continuation.
 *
 * Layout.  Each model's prepared parameters are a struct whose first
 * member is its gamma_gamma_params, so the spend hooks here read them
 * without knowing the rest; state slot PURCHASE_ST_NU holds the customer's
 * nu, and in the continuous-time models PURCHASE_ST_INTERVAL the mean gap
 * in days and PURCHASE_ST_DROPOUT the chance of dropping out after a
 * purchase. */
#ifndef RETSIM_PURCHASE_COMMON_H
#define RETSIM_PURCHASE_COMMON_H

#include <gsl/gsl_rng.h>
#include <stddef.h>

#include "../sim/model.h"

/* [gamma_gamma]: spend per purchase, shared by the purchase models. */
typedef struct gamma_gamma_params {
    double p;               /* each purchase's value ~ Gamma(shape p, rate nu) */
    double q, gamma;        /* each customer's nu ~ Gamma(shape q, rate gamma) */
} gamma_gamma_params;

extern const scen_section bgnbd_section_gamma_gamma;

/* E[value of a purchase] = p gamma / (q - 1), for q > 1. */
double gamma_gamma_mean(const gamma_gamma_params *g);

enum { PURCHASE_ST_INTERVAL = 0, PURCHASE_ST_DROPOUT = 1, PURCHASE_ST_NU = 2 };

/* A size-byte parameter block: [gamma_gamma] at offset 0 and the model's
 * own section (own_size bytes) at own_offset.  NULL with d set when out of
 * memory. */
void *purchase_prepare(const scenario *sc, diag *d, size_t size, const scen_section *own,
                       size_t own_offset, size_t own_size);
void purchase_release(void *params);

/* mean_bill: p gamma / (q - 1) */
double purchase_mean_bill(const void *params);
/* a new customer's nu ~ Gamma(q, rate gamma), into state[PURCHASE_ST_NU] */
void purchase_init_nu(const void *params, double *state, gsl_rng *r);
/* draw_bill: Gamma(p, rate nu) */
double purchase_draw_bill(const void *params, const double *state, const visit_ctx *v,
                          gsl_rng *r);
/* The Gamma-Gamma posterior of nu, Gamma(q + p n, rate gamma + zsum), for
 * n purchases worth zsum in all (n = 0, zsum = 0: the prior). */
double purchase_posterior_nu(const void *params, double n, double zsum, gsl_rng *r);

/* draw_interval: Exp with mean state[PURCHASE_ST_INTERVAL] days, or never
 * (INFINITY) for a customer who does not buy at all */
double purchase_draw_interval(const void *params, const double *state, gsl_rng *r);
/* experience: churn = state[PURCHASE_ST_DROPOUT] at every purchase */
void purchase_experience_dropout(const void *params, double *state, visit_ctx *v, gsl_rng *r);
/* continuation, exact: exponential gaps (E[exp(-delta X)] = 1/(1 + delta
 * mean)), the dropout chance after every purchase, bills of mean p / nu */
void purchase_continuation(const void *params, const double *state, double last_churn,
                           double delta, model_continuation *out);

#endif
