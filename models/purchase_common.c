/* purchase_common: see purchase_common.h. */
#include "purchase_common.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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
