/* mle: the multi-start maximum likelihood of every fit in fit/ (BG/NBD,
 * Gamma-Gamma and sBG in btyd.c, BG/BB in bgbb.c, MBG/NBD in mbgnbd.c,
 * Pareto/NBD in pnbd.c).  Internal to fit/; the scheme (starts, BFGS or
 * Nelder-Mead, restart, Newton polish, convergence tests, Hessian,
 * covariance of the log-parameters) is described at the top of mle.c.
 *
 * The minimisers work on the logarithms of the parameters (all positive);
 * nll receives the natural parameters. */
#ifndef RETSIM_FIT_MLE_H
#define RETSIM_FIT_MLE_H

#include "../sim/diag.h"

#define MLE_MAXP 6              /* parameters of the largest model (pilot_model.c's) */
#define MLE_MAX_STARTS 32
#define MLE_SCREEN_FINISH 4     /* starts finished after screening (mle.c, "Starts") */
#define MLE_SCREEN_FROM 10000   /* customers: BG/NBD, MBG/NBD, Pareto/NBD screen from here */
/* customers from which the screening runs on a systematic subsample of
 * about MLE_SCREEN_SUBSAMPLE of them (mle_problem.screen_ctx; mle.c) */
#define MLE_SCREEN_SUBSAMPLE 10000
#define MLE_SCREEN_SUBSAMPLE_FROM 40000

typedef double (*nll_fn)(const double *theta, void *ctx);
/* the same with its gradient (natural parameters) into grad */
typedef double (*nll_grad_fn)(const double *theta, double *grad, void *ctx);

/* Where the Hessian is taken and how Nelder-Mead is run (mle.c explains
 * both; they give different last digits, so each fit keeps the one its
 * published values were made with). */
typedef enum mle_scheme {
    MLE_NATURAL,    /* btyd.c, bgbb.c: Hessian in the natural parameters;
                       every Nelder-Mead run to 1e-7 within 3,000 iterations */
    MLE_LOG         /* mbgnbd.c, pnbd.c: Hessian in the log-parameters;
                       Nelder-Mead starts to 1e-4, Newton polish, restart to
                       1e-7 within 5,000 iterations */
} mle_scheme;

typedef struct mle_problem {
    int k;                  /* parameters, at most MLE_MAXP */
    nll_fn nll;             /* negative log-likelihood, natural parameters */
    nll_grad_fn nll_grad;   /* NULL: Nelder-Mead; else BFGS with this gradient */
    void *ctx;
    double nobs;            /* observations, to scale the gradient test */
    mle_scheme scheme;
    int finish;             /* 0: every start run to convergence; else every start
                               screened by a few iterations and only the best
                               finish taken on (mle.c, "Starts") */
    void *screen_ctx;       /* with finish: the likelihood's data for the screening
                               (a subsample); NULL: ctx */
} mle_problem;

typedef struct mle_result {
    double theta[MLE_MAXP], se[MLE_MAXP];   /* se NaN when the Hessian is not PD */
    double cov_log[MLE_MAXP * MLE_MAXP];    /* of log theta, k x k row-major; NaN likewise */
    double nll;
    int starts;
    int agree;              /* starts ending within 1e-3 of the best log-likelihood */
    int converged;
    char why[512];          /* the failed test, when not converged */
} mle_result;

/* The fit from nstarts starting points (natural parameters, at most
 * MLE_MAX_STARTS), run in parallel and picked in start order. */
void mle_fit(const mle_problem *p, const double (*starts)[MLE_MAXP], int nstarts,
             mle_result *res);

/* DIAG_RUNTIME with the failed test, what was tried (method, tried) and
 * where the best point is, in d. */
int mle_report_failure(diag *d, const char *model, const mle_result *res,
                       const char *const *names, int k, const char *method, const char *tried);

#endif
