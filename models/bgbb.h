/* Parameters of the BG/BB customer (models/bgbb.c): the discrete-time
 * noncontractual model of Fader, Hardie and Shang (2010) with Gamma-Gamma
 * spend (the [gamma_gamma] section of models/bgnbd.h).  Exposed so that
 * tests, `retsim fit` and `retsim explain` can quote them. */
#ifndef RETSIM_BGBB_H
#define RETSIM_BGBB_H

#include "../sim/model.h"
#include "bgnbd.h"

/* [bgbb]: chances per opportunity; an opportunity every period_days days. */
typedef struct bgbb_params {
    double alpha, beta;     /* p ~ Beta(alpha, beta): the chance of buying at an opportunity */
    double gamma, delta;    /* theta ~ Beta(gamma, delta): the chance of dying before one */
    double period_days;     /* days between opportunities (365: yearly) */
} bgbb_params;

extern const scen_section bgbb_section_bgbb;
extern const model_type model_bgbb;

#endif
