/* purchase_common: see purchase_common.h. */
#include "purchase_common.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/lang.h"

#define NO_CHOICES NULL

/* ---- [gamma_gamma] ---- */

double gamma_gamma_mean(const gamma_gamma_params *g)
{
    return g->p * g->gamma / (g->q - 1.0);
}

static int check_gamma_gamma(void *params, const char *label, const scenario *sc, diag *d)
{
    (void)label;
    (void)sc;
    const gamma_gamma_params *g = params;
    if (g->q <= 1.0)
        return diag_set(d, DIAG_USAGE,
                        "[gamma_gamma] q = %g: the mean value of a purchase, p gamma / (q - 1), is infinite "
                        "for q <= 1, so there is no average bill to simulate; q must be above 1 "
                        "(a fit this heavy-tailed is usually driven by a few huge orders: check the data)",
                        g->q);
    return 0;
}

/* Defaults: the CDNOW fit of Fader, Hardie and Lee (2005): mean 35.8 */
static const scen_key gamma_gamma_keys[] = {
    { "p", KEY_REAL, offsetof(gamma_gamma_params, p), 6.25, 0, 1e6, KEY_MIN_OPEN, "", NO_CHOICES,
      N_("Gamma-Gamma: shape of the value of one purchase around the customer's own average.") },
    { "q", KEY_REAL, offsetof(gamma_gamma_params, q), 3.74, 0, 1e6, KEY_MIN_OPEN, "", NO_CHOICES,
      N_("Gamma-Gamma: shape of the spread of customers' averages; must be above 1 (the mean bill is p gamma/(q-1)).") },
    { "gamma", KEY_REAL, offsetof(gamma_gamma_params, gamma), 15.44, 0, 1e12, KEY_MIN_OPEN,
      "currency", NO_CHOICES, N_("Gamma-Gamma: scale of the spread of customers' averages.") },
    { 0 }
};

const scen_section bgnbd_section_gamma_gamma = {
    "gamma_gamma",
    N_("Value of each purchase of the fitted customer (bgnbd model); defaults: the CDNOW fit."),
    sizeof(gamma_gamma_params), 1, gamma_gamma_keys, check_gamma_gamma
};


void *purchase_prepare(const scenario *sc, diag *d, size_t size, const scen_section *own,
                       size_t own_offset, size_t own_size)
{
    char *m = malloc(size);
    if (!m) {
        diag_set(d, DIAG_RUNTIME, "out of memory");
        return NULL;
    }
    memcpy(m, scen_get(sc, &bgnbd_section_gamma_gamma), sizeof(gamma_gamma_params));
    memcpy(m + own_offset, scen_get(sc, own), own_size);
    return m;
}

void purchase_release(void *params)
{
    free(params);
}

double purchase_mean_bill(const void *params)
{
    return gamma_gamma_mean(params);
}

void purchase_init_nu(const void *params, double *state, gsl_rng *r)
{
    const gamma_gamma_params *gg = params;
    state[PURCHASE_ST_NU] = gsl_ran_gamma(r, gg->q, 1.0 / gg->gamma);
}

double purchase_draw_bill(const void *params, const double *state, const visit_ctx *v,
                          gsl_rng *r)
{
    (void)v;
    const gamma_gamma_params *gg = params;
    return gsl_ran_gamma(r, gg->p, 1.0 / state[PURCHASE_ST_NU]);
}

double purchase_posterior_nu(const void *params, double n, double zsum, gsl_rng *r)
{
    const gamma_gamma_params *gg = params;
    return gsl_ran_gamma(r, gg->q + gg->p * n, 1.0 / (gg->gamma + zsum));
}

double purchase_draw_interval(const void *params, const double *state, gsl_rng *r)
{
    (void)params;
    if (isinf(state[PURCHASE_ST_INTERVAL]))
        return INFINITY;
    return gsl_ran_exponential(r, state[PURCHASE_ST_INTERVAL]);
}

void purchase_experience_dropout(const void *params, double *state, visit_ctx *v, gsl_rng *r)
{
    (void)params;
    (void)r;
    v->churn = state[PURCHASE_ST_DROPOUT];
}

void purchase_continuation(const void *params, const double *state, double last_churn,
                           double delta, model_continuation *out)
{
    (void)last_churn;
    const gamma_gamma_params *gg = params;
    out->bill = gg->p / state[PURCHASE_ST_NU];
    out->churn = state[PURCHASE_ST_DROPOUT];
    out->interval_discount = isinf(state[PURCHASE_ST_INTERVAL])
                                 ? 0.0
                                 : 1.0 / (1.0 + delta * state[PURCHASE_ST_INTERVAL]);
    out->exact = 1;
}
