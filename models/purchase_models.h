/* Parameters of the two further purchase models fitted to transaction
 * logs: MBG/NBD ("mbgnbd", models/mbgnbd.c) and Pareto/NBD ("pareto_nbd",
 * models/pareto_nbd.c), both with Gamma-Gamma spend from [gamma_gamma]
 * (models/bgnbd.c).  Exposed so that tests, `retsim fit` and `retsim
 * explain` can quote them. */
#ifndef RETSIM_PURCHASE_MODELS_H
#define RETSIM_PURCHASE_MODELS_H

#include "../sim/model.h"
#include "bgnbd.h"

/* [mbgnbd]: rates are per period of period_days days, as the fit used. */
typedef struct mbgnbd_params {
    double r, alpha;        /* lambda ~ Gamma(shape r, rate alpha), purchases per period */
    double a, b;            /* p ~ Beta(a, b), the chance of dropping out after any purchase */
    double period_days;     /* the fit's time unit in days (1, 7, 30.4375...) */
} mbgnbd_params;

/* [pareto_nbd]: rates are per period of period_days days, as the fit used. */
typedef struct pareto_nbd_params {
    double r, alpha;        /* lambda ~ Gamma(shape r, rate alpha), purchases per period */
    double s, beta;         /* mu ~ Gamma(shape s, rate beta), deaths per period */
    double period_days;     /* the fit's time unit in days */
} pareto_nbd_params;

extern const scen_section mbgnbd_section_mbgnbd, pareto_nbd_section_pareto_nbd;
extern const model_type model_mbgnbd, model_pareto_nbd;

#endif
