/* pilot_rollout: the model-free test on per-customer values that
 * `retsim pilot --plan` applies to each simulated pilot (present/pilot_plan.c).
 * The levers a rollout runs on come from fit/pilot_model.h (the covariate
 * model, or its model-free fallback). */
#ifndef RETSIM_FIT_PILOT_ROLLOUT_H
#define RETSIM_FIT_PILOT_ROLLOUT_H


/* The model-free test of `retsim pilot` on per-customer values: y the
 * outcome since the start, x a covariate from before it (CUPED with theta
 * pooled over both groups, Deng et al. 2013), g 0 control / 1 treatment;
 * the difference treatment - control with its Welch 95 % interval (Welch
 * 1947).  Returns -1 when a group has fewer than 2 customers. */
int pilot_cuped_welch(const double *y, const double *x, const int *g, int n, double *diff, double *lo,
                      double *hi);

#endif
