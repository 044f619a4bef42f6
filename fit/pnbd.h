/* pnbd: the Pareto/NBD model fitted by maximum likelihood (Schmittlein,
 * Morrison and Colombo 1987, "Counting your customers: who are they and
 * what will they do next?"; the likelihood as in Fader, Hardie and Lee
 * 2005, "A note on implementing the Pareto/NBD model in MATLAB").
 *
 *   while alive, purchases are Poisson(lambda), lambda ~ Gamma(r, rate alpha);
 *   the lifetime from the first purchase is Exp(mu), mu ~ Gamma(s, rate beta),
 *   independent of lambda.
 *
 * Time is in the periods of the summaries (weeks for CDNOW). */
#ifndef RETSIM_FIT_PNBD_H
#define RETSIM_FIT_PNBD_H

#include "../sim/diag.h"
#include "summary.h"

typedef struct pnbd_fit {
    double r, alpha, s, beta;
    double se[4];          /* of r, alpha, s, beta */
    double cov_log[16];    /* covariance of (log r, log alpha, log s, log beta), row-major:
                              the inverse Hessian of the negative log-likelihood on the
                              log scale; to draw parameters per replication */
    double loglik;
    int n;                 /* customers used */
    int starts;            /* starting points tried */
    int converged;
} pnbd_fit;

/* One customer's Pareto/NBD log-likelihood. */
double pnbd_loglik_one(double r, double alpha, double s, double beta, double x, double t_x, double T);
/* The log-likelihood of the customers with T > 0 as the fit computes it
 * (grouped, each distinct pair's series once; see pnbd.c), NaN when they
 * cannot be fitted; the sum of pnbd_loglik_one up to rounding. */
double pnbd_loglik_sum(double r, double alpha, double s, double beta, const cust_summary *c, int n);
/* Fits customers with T > 0.  DIAG_USAGE when there are too few to fit,
 * DIAG_RUNTIME when no start converges (saying what was tried); *out holds
 * the best point found either way. */
int pnbd_fit_run(const cust_summary *c, int n, pnbd_fit *out, diag *d);
/* P(alive at T | x, t_x, T) */
double pnbd_p_alive(const pnbd_fit *f, double x, double t_x, double T);
/* E[purchases in (T, T + t] | x, t_x, T] */
double pnbd_expected_conditional(const pnbd_fit *f, double x, double t_x, double T, double t);
/* E[X(t)]: expected repeat purchases of a new customer by time t */
double pnbd_expected_unconditional(const pnbd_fit *f, double t);

#endif
