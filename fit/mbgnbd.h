/* mbgnbd: the MBG/NBD model fitted by maximum likelihood (Batislam,
 * Denizel and Filiztekin 2007, "Empirical validation and comparison of
 * models for customer base analysis"; BTYDplus's mbgcnbd with k = 1,
 * lifetimes' ModifiedBetaGeoFitter).
 *
 *   while alive, purchases are Poisson(lambda), lambda ~ Gamma(r, rate alpha);
 *   right after every purchase, the first (time 0) included, the customer
 *   drops out for good with probability p, p ~ Beta(a, b).
 *
 * Unlike BG/NBD, a customer with no repeat purchase may already be gone.
 * Time is in the periods of the summaries (weeks for CDNOW). */
#ifndef RETSIM_FIT_MBGNBD_H
#define RETSIM_FIT_MBGNBD_H

#include "../sim/diag.h"
#include "summary.h"

typedef struct mbgnbd_fit {
    double r, alpha, a, b;
    double se[4];          /* of r, alpha, a, b */
    double cov_log[16];    /* covariance of (log r, log alpha, log a, log b), row-major:
                              the inverse Hessian of the negative log-likelihood on the
                              log scale; to draw parameters per replication */
    double loglik;
    int n;                 /* customers used */
    int starts;            /* starting points tried */
    int converged;
} mbgnbd_fit;

/* One customer's MBG/NBD log-likelihood. */
double mbgnbd_loglik_one(double r, double alpha, double a, double b, double x, double t_x, double T);
/* Fits customers with T > 0.  DIAG_USAGE when there are too few to fit,
 * DIAG_RUNTIME when no start converges (saying what was tried); *out holds
 * the best point found either way. */
int mbgnbd_fit_run(const cust_summary *c, int n, mbgnbd_fit *out, diag *d);
/* P(alive at T | x, t_x, T); below 1 even for x = 0 */
double mbgnbd_p_alive(const mbgnbd_fit *f, double x, double t_x, double T);
/* E[purchases in (T, T + t] | x, t_x, T] */
double mbgnbd_expected_conditional(const mbgnbd_fit *f, double x, double t_x, double T, double t);
/* E[X(t)]: expected repeat purchases of a new customer by time t */
double mbgnbd_expected_unconditional(const mbgnbd_fit *f, double t);

#endif
