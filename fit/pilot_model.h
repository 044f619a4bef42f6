/* pilot_model: the model-based estimate of a pilot's effect on the three
 * levers (issue 12): a BG/NBD purchase model whose treated customers, from
 * the start on, buy at rate c lambda and drop out with hazard k times their
 * own, and a Gamma-Gamma spend model whose treated customers spend s times
 * as much per visit from the start on; (ln c, ln k, ln s) with standard
 * errors from the Hessian go into a pilot_levers (pilot_levers.h).  The
 * parametrisation, the likelihood and why it identifies the effect are at
 * the top of pilot_model.c; docs/pilot.md has the coverage study.
 *
 * When the customers have too little history before the start for the
 * model (fewer than PILOT_MODEL_MIN_REPEAT repeat buyers before it) or its
 * fit fails, the levers come from the model-free estimate instead
 * (pilot_levers_model_free) and the result says so. */
#ifndef RETSIM_FIT_PILOT_MODEL_H
#define RETSIM_FIT_PILOT_MODEL_H

#include "../sim/diag.h"
#include "pilot.h"
#include "pilot_levers.h"
#include "translog.h"

#define PILOT_MODEL_PERIOD_DAYS 7     /* the model's time unit: weeks */
#define PILOT_MODEL_MIN_REPEAT 20     /* repeat buyers before the start the model needs */

/* One customer of the existing base (first purchase before the start), in
 * weeks since the first purchase. */
typedef struct pm_customer {
    double x1, tx1, T1;     /* repeat purchases before the start, time of the last, start - first */
    double x2, tx2, T2;     /* purchases from the start on, time of the last after the start, length */
    int n1, n2;             /* repeat purchases with a positive amount, before / from the start */
    double S1, S2;          /* their amounts' sums */
    int treated;
} pm_customer;

typedef struct pilot_model {
    pilot_levers lev;
    const char *lever_source[LEVER_COUNT];   /* per lever (levers.csv) */
    int fallback;                /* 1: the levers are the model-free fallback */
    char fallback_why[2048];     /* why, in the UI language (diag_set's message) */
    /* the purchase model: r, alpha (weeks), a, b, c, k and their standard errors */
    double bg[6], bg_se[6];
    double bg_cov_log[36];       /* of their logarithms */
    double bg_loglik;
    int dropout_fixed;           /* 1: the six-parameter fit failed (why in dropout_why) and the
                                    model was fitted with dropout unchanged, k = 1: dropout not
                                    estimated, the rate still is */
    char dropout_why[512];
    int bg_starts, bg_agree, bg_converged;
    /* the spend model: p, q, gamma, s */
    double gg[4], gg_se[4];
    double gg_loglik;
    int gg_converged, n_spend;   /* customers with a repeat purchase of positive amount */
    int n[2];                    /* customers of the existing base by group (PILOT_C, PILOT_T) */
    int n_repeat_pre;            /* of them, with a repeat purchase before the start */
    double median_interval_days; /* between consecutive purchases before the start; NaN if none */
    /* the purchases per customer the model says the promotion added over the
     * pilot, averaged over the base, with its delta-method standard error */
    double extra, extra_se;
    /* against CUPED's difference in purchases per customer: z of the
     * difference with the combined standard error sqrt(se_m^2 + se_c^2) */
    double agree_z;
    int agree;                   /* |agree_z| < 1.96 */
} pilot_model;

/* The existing base's customers from a log (first purchase before start;
 * the pilot from start to end, both included): *out malloc'ed, *n of them;
 * also the median days between consecutive purchases before the start. */
int pilot_model_customers(const translog *t, const int *group, int start, int end,
                          pm_customer **out, int *n, double *median_interval_days, diag *d);

/* The purchase model's and spend model's fit on c[0..n): fills bg*, gg* and
 * the levers.  DIAG_USAGE when there are too few customers or no repeat
 * history, DIAG_RUNTIME when the purchase model's fit did not converge
 * (d says why); a spend model that cannot be fitted leaves the spend
 * lever not estimated (0). */
int pilot_model_fit(const pm_customer *c, int n, pilot_model *m, diag *d);

/* The purchase model's negative log-likelihood at theta = (r, alpha, a, b,
 * c, k) and, when grad is not NULL, its gradient (for the tests). */
double pilot_model_nll(const double *theta, double *grad, const pm_customer *c, int n);
/* The same for the spend model, theta = (p, q, gamma, s), over the
 * customers with a repeat purchase of positive amount (n1 + n2 > 0). */
double pilot_model_spend_nll(const double *theta, double *grad, const pm_customer *c, int n);

/* E[purchases from the start to its end | the history before the start]
 * of customer c under the fitted purchase model, treated or not (the
 * promotion's c and k applied from the start). */
double pilot_model_expected_post(const double *bg, const pm_customer *c, int treated);

/* The average over c[0..n) of the treated minus the untreated expectation
 * (the model's counterpart of the difference in purchases per customer),
 * and its standard error by the delta method on the log-parameters. */
void pilot_model_extra(const pilot_model *m, const pm_customer *c, int n, double *extra,
                       double *se);

/* The levers from the model-free estimate: rate from CUPED's adjusted
 * purchases per customer (ln of treated over control), spend from revenue
 * per purchase since the start (a ratio estimator), both with delta-method
 * standard errors; dropout not estimated. */
void pilot_levers_model_free(const pilot_result *mf, const pm_customer *c, int n, pilot_levers *lev);

/* Everything for `retsim pilot`: the customers, the model's fit or the
 * fallback (with its reason), the extra purchases and the agreement with
 * mf's CUPED estimate; use_model 0: the fallback straight away.  Non-zero
 * only for a runtime failure (memory). */
int pilot_model_estimate(const translog *t, const int *group, int start, int end,
                         const pilot_result *mf, int use_model, pilot_model *m, diag *d);

#endif
