/* mle: the multi-start maximum likelihood shared by the fits of fit/
 * (BG/NBD, Gamma-Gamma and sBG in btyd.c, BG/BB in bgbb.c).  Internal to
 * fit/: how a fit is searched for and when it counts as converged is
 * documented once, at the top of btyd.c.
 *
 * The minimisers work on the logarithms of the parameters (all positive);
 * nll receives the natural parameters.  Besides the standard errors of the
 * natural parameters (inverse Hessian of the negative log-likelihood in
 * them), mle_fit returns cov_log, the covariance of the log-parameters:
 * the inverse of the Hessian of the negative log-likelihood in the
 * log-parameters, by the chain rule
 *   d2/(dlog ti dlog tj) = ti tj H_ij + [i = j] ti g_i
 * (g the gradient, 0 at an interior optimum), which is what a draw of
 * parameters from their sampling distribution needs: log-parameters are
 * closer to normal than the parameters, and stay positive. */
#ifndef RETSIM_FIT_MLE_H
#define RETSIM_FIT_MLE_H

#include "../sim/diag.h"

#define MLE_MAXP 4              /* parameters of the largest model */

typedef double (*nll_fn)(const double *theta, void *ctx);
/* the same with its gradient (natural parameters) into grad */
typedef double (*nll_grad_fn)(const double *theta, double *grad, void *ctx);

typedef struct mle_problem {
    int k;
    nll_fn nll;             /* negative log-likelihood, natural parameters */
    nll_grad_fn nll_grad;   /* NULL: Nelder-Mead; else BFGS with this gradient */
    void *ctx;
    double nobs;            /* observations, to scale the gradient test */
} mle_problem;

typedef struct mle_result {
    double theta[MLE_MAXP], se[MLE_MAXP];
    double cov_log[MLE_MAXP * MLE_MAXP]; /* k x k, row-major; NaN when not positive definite */
    double nll;
    int starts;
    int agree;              /* starts ending within 1e-3 of the best log-likelihood */
    int converged;
    char why[512];          /* the failed test, when not converged */
} mle_result;

/* The fit from nstarts starting points (natural parameters, at most 32),
 * run in parallel and picked in start order; see btyd.c for the tests
 * behind res->converged. */
void mle_fit(const mle_problem *p, const double (*starts)[MLE_MAXP], int nstarts,
             mle_result *res);

/* DIAG_RUNTIME with the failed test, what was tried (method, tried) and
 * where the best point is, in d. */
int mle_report_failure(diag *d, const char *model, const mle_result *res,
                       const char *const *names, int k, const char *method, const char *tried);

#endif
