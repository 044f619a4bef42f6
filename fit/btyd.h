/* btyd: "buy till you die" models fitted by maximum likelihood.
 *
 *   BG/NBD (Fader, Hardie and Lee 2005, "Counting your customers the easy
 *   way"): purchases Poisson(lambda) while alive, lambda ~ Gamma(r, alpha);
 *   after each repeat purchase the customer dies with probability p,
 *   p ~ Beta(a, b).
 *   Gamma-Gamma (Fader, Hardie and Lee 2005, "RFM and CLV"): a customer's
 *   purchase values are Gamma(p, nu), nu ~ Gamma(q, gamma).
 *   sBG (Fader and Hardie 2007, "How to project customer retention"):
 *   contractual; each period a customer renews with probability 1 - theta,
 *   theta ~ Beta(alpha, beta).
 *
 * Fits maximise the log-likelihood with GSL's minimisers on log-parameters,
 * from several starting points; standard errors come from the inverse of
 * the Hessian of the negative log-likelihood at the optimum, and the
 * covariance of the log-parameters from its inverse on the log scale. */
#ifndef RETSIM_FIT_BTYD_H
#define RETSIM_FIT_BTYD_H

#include "../sim/diag.h"
#include "summary.h"

typedef struct bgnbd_fit {
    double r, alpha, a, b;
    double se[4];          /* of r, alpha, a, b */
    double cov_log[16];    /* covariance of (ln r, ln alpha, ln a, ln b), row-major: the
                              inverse Hessian of the negative log-likelihood on the log
                              scale (NaN when not positive definite) */
    double loglik;
    int n;                 /* customers used */
    int starts;            /* starting points tried */
    int converged;
} bgnbd_fit;

typedef struct gg_fit {
    double p, q, gamma;
    double se[3];          /* of p, q, gamma */
    double cov_log[9];     /* covariance of (ln p, ln q, ln gamma), row-major, as for BG/NBD */
    double loglik;
    int n;                 /* repeat buyers used */
    int converged;
} gg_fit;

typedef struct sbg_fit {
    double alpha, beta;
    double se[2];
    double loglik;
    int periods;
    int converged;
} sbg_fit;

/* One customer's BG/NBD log-likelihood. */
double bgnbd_loglik_one(double r, double alpha, double a, double b, double x, double t_x, double T);
/* Fits customers with T > 0.  DIAG_USAGE when there are too few to fit,
 * DIAG_RUNTIME when no start converges (saying what was tried). */
int bgnbd_fit_run(const cust_summary *c, int n, bgnbd_fit *out, diag *d);
/* P(alive at T | x, t_x, T) */
double bgnbd_p_alive(const bgnbd_fit *f, double x, double t_x, double T);
/* E[purchases in (T, T + t] | x, t_x, T] */
double bgnbd_expected_conditional(const bgnbd_fit *f, double x, double t_x, double T, double t);
/* E[X(t)]: expected repeat purchases of a new customer by time t */
double bgnbd_expected_unconditional(const bgnbd_fit *f, double t);
/* E[purchases in (T, T + t] | x, T, alive at T]: what the customer is worth
 * in purchases if still a customer (finite even where P(alive) is 0) */
double bgnbd_expected_if_alive(const bgnbd_fit *f, double x, double T, double t);
/* P(X(t) = x): the chance a new customer makes exactly x repeat purchases
 * by time t (Fader, Hardie and Lee 2005, eq. 8) */
double bgnbd_p_purchases(const bgnbd_fit *f, int x, double t);

double gg_loglik_one(double p, double q, double gamma, double x, double zbar);
/* Fits customers with x > 0. */
int gg_fit_run(const cust_summary *c, int n, gg_fit *out, diag *d);
/* E[value of a purchase | x, zbar] */
double gg_expected_value(const gg_fit *f, double x, double zbar);

/* survivors[t] customers still subscribed at the start of period t,
 * t = 0..periods (survivors[0] the cohort's size). */
int sbg_fit_run(const double *survivors, int periods, sbg_fit *out, diag *d);
/* S(t): share still subscribed after t renewals */
double sbg_survival(const sbg_fit *f, int t);
/* Discounted expected residual lifetime of a customer who has renewed n
 * times, at discount rate d per period (Fader and Hardie 2010). */
double sbg_dert(const sbg_fit *f, double d, int n);

#endif
