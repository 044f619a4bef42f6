/* pilot_levers: a pilot's measured effect on the three levers the customer
 * models share (issue 12), the hand-over between the estimate
 * (fit/pilot_model.c: a purchase model with the group as a covariate, or
 * the model-free fallback) and the rollout (the measured-effect promotion
 * run on the fitted base).
 *
 * Each lever is a multiplicative effect on the treated, estimated on the
 * log scale: the treated customers' purchase rate is the control's times
 * exp(log_ratio[LEVER_RATE]), their dropout probability (or hazard) times
 * exp(log_ratio[LEVER_DROPOUT]), their mean spend per visit times
 * exp(log_ratio[LEVER_SPEND]).  se is the standard error of log_ratio, so
 * exp(log_ratio +- 1.96 se) is the 95 % interval of the ratio.
 *
 * The rate and dropout estimates come from one likelihood (the covariate
 * BG/NBD), and correlate: more purchases by the treated can be a higher
 * rate or a lower dropout (about +0.2 on a 16-week pilot of 800
 * customers).  cov_rate_dropout carries their covariance on the log scale
 * (the inverse Hessian's entry), so that the rollout draws the two jointly
 * (present/rollout.c); 0 when either is not estimated or they come from
 * separate estimates (the model-free fallback).  Spend comes from a
 * separate likelihood (Gamma-Gamma), independent of both. */
#ifndef RETSIM_FIT_PILOT_LEVERS_H
#define RETSIM_FIT_PILOT_LEVERS_H

enum { LEVER_RATE = 0, LEVER_DROPOUT = 1, LEVER_SPEND = 2, LEVER_COUNT = 3 };

typedef struct pilot_levers {
    double log_ratio[LEVER_COUNT];
    double se[LEVER_COUNT];
    double cov_rate_dropout;      /* cov(log_ratio[LEVER_RATE], log_ratio[LEVER_DROPOUT]) */
    int estimated[LEVER_COUNT];   /* 0: not estimated (held at log_ratio 0, se 0, and said so) */
    const char *source;           /* "bgnbd_covariate", "model_free", ... (English, for files) */
} pilot_levers;

#endif
