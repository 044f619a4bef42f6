/* Parameters of the statistical customer models fitted to transaction
 * logs: BG/NBD with Gamma-Gamma spend ("bgnbd", models/bgnbd.c) and the
 * contractual shifted-beta-geometric ("sbg", models/sbg.c).  Exposed so
 * that tests, `retsim fit` and `retsim explain` can quote them. */
#ifndef RETSIM_BGNBD_H
#define RETSIM_BGNBD_H

#include "../sim/model.h"

/* [bgnbd]: rates are per period of period_days days, as the fit used. */
typedef struct bgnbd_params {
    double r, alpha;        /* lambda ~ Gamma(shape r, rate alpha), purchases per period */
    double a, b;            /* P ~ Beta(a, b), the chance of dropping out after a repeat purchase */
    double period_days;     /* the fit's time unit in days (1, 7, 30.4375...) */
} bgnbd_params;

/* [gamma_gamma]: spend per purchase. */
typedef struct gamma_gamma_params {
    double p;               /* each purchase's value ~ Gamma(shape p, rate nu) */
    double q, gamma;        /* each customer's nu ~ Gamma(shape q, rate gamma) */
} gamma_gamma_params;

/* [sbg]: contractual renewals. */
typedef struct sbg_params {
    double alpha, beta;     /* theta ~ Beta(alpha, beta), the chance of not renewing */
    double period_days;     /* days a payment covers (365 yearly, 30.4375 monthly) */
    double price;           /* the payment for one period */
} sbg_params;

extern const scen_section bgnbd_section_bgnbd, bgnbd_section_gamma_gamma, sbg_section_sbg;
extern const model_type model_bgnbd, model_sbg;

/* E[value of a purchase] = p gamma / (q - 1), for q > 1. */
double gamma_gamma_mean(const gamma_gamma_params *g);

#endif
