/* mlefit: multi-start maximum likelihood on log-parameters, for the
 * purchase models of fit/mbgnbd.c and fit/pnbd.c.
 *
 * The same scheme as fit/btyd.c's (several starts in parallel, BFGS with an
 * analytic gradient or Nelder-Mead, a restart from the best point, a
 * Hessian test), with two additions the simulator needs: a Newton polish
 * on the log-parameters after Nelder-Mead (which stops on the size of its
 * simplex, not on the gradient), and the covariance matrix of the
 * log-parameters, from which a replication draws its parameters.  btyd.c
 * keeps its own copy for now; the two can be merged. */
#ifndef RETSIM_FIT_MLEFIT_H
#define RETSIM_FIT_MLEFIT_H

#include "../sim/diag.h"

#define MLEFIT_MAXP 4
#define MLEFIT_MAX_STARTS 32

typedef struct mlefit_problem {
    int k;                  /* parameters, at most MLEFIT_MAXP */
    /* negative log-likelihood at natural (positive) parameters */
    double (*nll)(const double *theta, void *ctx);
    /* the same with its gradient in the natural parameters; NULL: Nelder-Mead */
    double (*nll_grad)(const double *theta, double *grad, void *ctx);
    void *ctx;
    double nobs;            /* observations, to scale the gradient test */
} mlefit_problem;

typedef struct mlefit_result {
    double theta[MLEFIT_MAXP];
    double se[MLEFIT_MAXP];                     /* of theta; NaN when H is not PD */
    double cov_log[MLEFIT_MAXP * MLEFIT_MAXP];  /* of log theta, row-major k x k; NaN likewise */
    double nll;
    int starts;
    int agree;              /* starts ending within 1e-3 of the best log-likelihood */
    int converged;
    char why[512];          /* the failed test, when not converged */
} mlefit_result;

/* starts[s][i]: natural parameters of start s (at most MLEFIT_MAX_STARTS). */
void mlefit_run(const mlefit_problem *p, const double (*starts)[MLEFIT_MAXP], int nstarts,
                mlefit_result *res);

/* DIAG_RUNTIME with what failed, what was tried and where it ended. */
int mlefit_report_failure(diag *d, const char *model, const mlefit_result *res,
                          const char *const *names, const char *method, const char *tried);

#endif
