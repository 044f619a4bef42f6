/* pilot_rollout: the model-free estimate of a pilot's effect on the levers
 * (fit/pilot_levers.h), for the rollout until (and besides) the covariate
 * model's estimate: the purchase rate from purchases per customer since the
 * start, CUPED-adjusted with the same customers' purchases before it, and
 * spend per visit from revenue over purchases.  Dropout is not estimated
 * (held at ratio 1, said so): without a model, fewer purchases from fewer
 * customers alive and fewer purchases from each cannot be told apart, so
 * the rate lever carries both. */
#ifndef RETSIM_FIT_PILOT_ROLLOUT_H
#define RETSIM_FIT_PILOT_ROLLOUT_H

#include "pilot.h"
#include "pilot_levers.h"
#include "translog.h"

/* Over the customers with a first purchase before r->start (the pilot's
 * existing base), on the days r->start .. r->end; group[i] is PILOT_C or
 * PILOT_T.  A lever whose groups bought nothing is left not estimated. */
void pilot_levers_model_free(const translog *t, const int *group, const pilot_result *r,
                             pilot_levers *out);

/* The model-free test of `retsim pilot` on per-customer values: y the
 * outcome since the start, x a covariate from before it (CUPED with theta
 * pooled over both groups, Deng et al. 2013), g 0 control / 1 treatment;
 * the difference treatment - control with its Welch 95 % interval (Welch
 * 1947).  Returns -1 when a group has fewer than 2 customers. */
int pilot_cuped_welch(const double *y, const double *x, const int *g, int n, double *diff, double *lo,
                      double *hi);

#endif
