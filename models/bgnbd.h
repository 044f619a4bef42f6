/* Parameters of the statistical customer models fitted to transaction
 * logs: BG/NBD with Gamma-Gamma spend ("bgnbd", models/bgnbd.c) and the
 * contractual shifted-beta-geometric ("sbg", models/sbg.c).  Exposed so
 * that tests, `retsim fit` and `retsim explain` can quote them. */
#ifndef RETSIM_BGNBD_H
#define RETSIM_BGNBD_H

#include "../sim/model.h"
#include "purchase_common.h"    /* [gamma_gamma], shared by the purchase models */

/* [bgnbd]: rates are per period of period_days days, as the fit used. */
typedef struct bgnbd_params {
    double r, alpha;        /* lambda ~ Gamma(shape r, rate alpha), purchases per period */
    double a, b;            /* P ~ Beta(a, b), the chance of dropping out after a repeat purchase */
    double period_days;     /* the fit's time unit in days (1, 7, 30.4375...) */
} bgnbd_params;

/* [sbg]: contractual renewals. */
typedef struct sbg_params {
    double alpha, beta;     /* theta ~ Beta(alpha, beta), the chance of not renewing */
    double period_days;     /* days a payment covers (365 yearly, 30.4375 monthly) */
    double price;           /* the payment for one period */
} sbg_params;

extern const scen_section bgnbd_section_bgnbd, sbg_section_sbg;
extern const model_type model_bgnbd, model_sbg;

#endif
