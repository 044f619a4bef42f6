/* mle: multi-start maximum likelihood on log-parameters (see mle.h), for
 * every fit of fit/.
 *
 * The scheme, in one place:
 *
 *  - Parameters.  GSL's multimin runs on u = log theta, so every parameter
 *    stays positive without constraints; |u| > 40 or a non-finite
 *    likelihood counts as outside the domain (a huge value, and with a
 *    gradient a zero slope, so that the line search backs off).
 *
 *  - Starts.  A grid of natural starting points chosen by each fit (16 for
 *    BG/NBD, MBG/NBD, Pareto/NBD and BG/BB, 8 for Gamma-Gamma, 9 for sBG;
 *    scale parameters from the data's own scale).  The starts run in
 *    parallel (OpenMP; each has its own minimiser and the likelihoods only
 *    read their data); the best is picked in start order afterwards, so the
 *    number of threads does not change the result.  The expensive fits on
 *    many customers (BG/NBD, MBG/NBD and Pareto/NBD from 10,000 customers,
 *    MLE_SCREEN_FROM: mle_problem.finish = MLE_SCREEN_FINISH) screen their
 *    starts: each runs a few iterations (8 of BFGS, 40 of Nelder-Mead), and
 *    only the 4 lowest (ties in start order) are run on to the tests below
 *    from where they stopped (BFGS with a first step of 0.1 in u, Nelder-
 *    Mead with a fresh simplex of 0.5).  The starts of a grid mostly fall
 *    into the same basin; the screen spends the work on those already
 *    nearest its bottom (issue 14: 16 full starts were most of `retsim
 *    fit`'s time).  From MLE_SCREEN_SUBSAMPLE_FROM customers (40,000)
 *    BG/NBD, MBG/NBD and Pareto/NBD, and Gamma-Gamma from as many repeat
 *    buyers, screen on a systematic subsample of about
 *    MLE_SCREEN_SUBSAMPLE (10,000; mle_problem.screen_ctx): the ranking of
 *    the starts after a few iterations needs no more.  Their 4 best then
 *    converge on the subsample too, every start's end is valued on the
 *    whole data, and the best goes on, on the whole data, by the Newton
 *    polish (MLE_LOG's Nelder-Mead) or by its own minimiser continued
 *    (BFGS; MLE_NATURAL's Nelder-Mead), before the restart: the
 *    subsample's optimum is a few of its standard errors from the whole's,
 *    three or four Newton steps or a few BFGS iterations (issue 14: the 4
 *    finishes on the whole data were most of these fits' time after the
 *    screening; Gamma-Gamma's 8 starts each ran in full).  Only large
 *    data are screened: on small samples the
 *    likelihood is flatter and a screened fit can end elsewhere (on the
 *    400 customers of a thread-count test Pareto/NBD's restart stalled on
 *    a flat ridge; one of 400 BG/NBD fits of 1,000 customers ended with a
 *    covariance that is not positive definite), so small fits run every
 *    start in full, exactly as their published and tested values were
 *    made.
 *
 *  - Minimiser.  With an analytic gradient (BG/NBD, MBG/NBD): BFGS
 *    (vector_bfgs2, first step 0.1, line-search tolerance 0.1), at most 500
 *    iterations, stopped by gsl_multimin_test_gradient (every component of
 *    the gradient in u below 1e-7 per observation).  Without (Gamma-Gamma,
 *    sBG, BG/BB, Pareto/NBD): Nelder-Mead (nmsimplex2, initial simplex 0.5
 *    in u), stopped by the size of its simplex (gsl_multimin_test_size).
 *
 *  - Restart.  The best start is run again from where it stopped (a fresh
 *    simplex of 0.05 or a fresh BFGS approximation with first step 0.01):
 *    the usual check that it has really stopped.  On large data (a
 *    screened Nelder-Mead fit: Pareto/NBD from MLE_SCREEN_FROM customers)
 *    a simplex of 1e-7 in u is below what the likelihood can resolve: its
 *    values there differ by about H 1e-14, H of order the number of
 *    customers, while its rounding noise is about 1.5e-9 on 100,000
 *    customers (rms second difference along a line, issue 14), so whether
 *    the simplex ever shrinks that far is luck (of three simulated samples
 *    of 10,000 customers one failed, at the optimum, after 5,000
 *    iterations; which one changed with the last bits of the likelihood).
 *    There the restart runs at most 1,000 iterations and, if its simplex
 *    has not shrunk, passes when the Newton decrement at the polished
 *    point is below 1e-8 (no quadratic step could gain 5e-9 in
 *    log-likelihood: the optimum to the likelihood's precision); every
 *    other test below still applies.  Smaller fits keep the 1e-7 test.
 *
 *  - Two schemes (mle_scheme), which differ only for Nelder-Mead and in the
 *    Hessian.  They are kept apart because each fit's published and tested
 *    values were made with its own, and merging them moves the last digits:
 *
 *    MLE_NATURAL (btyd.c, bgbb.c): every Nelder-Mead run, starts and
 *    restart, goes to a simplex of 1e-7 within 3,000 iterations.  The
 *    Hessian H is taken in the natural parameters by central differences
 *    scaled to each parameter: of the analytic gradient, step 1e-5 theta_j
 *    (BG/NBD; stable to 7 digits for steps 1e-4 to 1e-7), symmetrised, or
 *    of the function, step 1.2e-4 theta_i (about eps^(1/4)), whose first
 *    differences also give the gradient g.  Standard errors are the square
 *    roots of the diagonal of H^-1 (Cholesky).  The covariance of the
 *    log-parameters is the inverse of the Hessian in u, by the chain rule
 *      d2/(du_i du_j) = theta_i theta_j H_ij + [i = j] theta_i g_i
 *    (g = 0 at an interior optimum), so at the optimum its diagonal is
 *    (se_i / theta_i)^2, the delta method.
 *
 *    MLE_LOG (mbgnbd.c, pnbd.c): Nelder-Mead converges linearly, so the
 *    starts stop at a simplex of 1e-4 (enough to tell the starts' optima
 *    apart) and the best is polished by Newton steps on u with the
 *    finite-difference gradient and Hessian below (at most 8 steps, each
 *    halved until it lowers the negative log-likelihood; stop when the
 *    Newton decrement g' H^-1 g is below 1e-12, or below 1e-8 for a
 *    screened fit, where smaller steps are the likelihood's rounding
 *    noise, see Restart); the restart then runs
 *    Nelder-Mead to a simplex of 1e-7 (within 5,000 iterations) from the
 *    polished point, and is polished in turn.  A start still moving after
 *    1,000 iterations is on a ridge towards a boundary and is left there.
 *    Against 1e-7 and 5,000 iterations in every start this took the
 *    Pareto/NBD fit of the CDNOW sample from 6.9 s to 5.9 s on one thread,
 *    and (with pnbd.c's quadrature for long series) a 6,000-customer
 *    simulated sample from 73 s to 34 s.  The Hessian is taken on u
 *    directly: with an analytic gradient, central differences of the
 *    gradient in u (d/du_i = theta_i d/dtheta_i), step 1e-5, symmetrised;
 *    without, second differences of the function, step 1.2e-4 in u, and
 *    the gradient by central differences, step 1e-5.  Its inverse is the
 *    covariance of log theta, and theta_i sqrt(cov_log_ii) the standard
 *    error.
 *
 *    Either way cov_log, the covariance of the log-parameters, is what a
 *    replication's draw of parameters from their sampling distribution
 *    needs: log-parameters are closer to normal than the parameters, and
 *    stay positive.
 *
 *  - "converged" means all of: the restart passed its own test (Nelder-
 *    Mead: simplex size below 1e-7 in u; BFGS: the gradient test above);
 *    the restart moved no u by more than 1e-4 (or a hundredth of its
 *    standard error, when larger: a weakly identified parameter) and the
 *    log-likelihood by no more than 1e-6; the Hessian is positive definite;
 *    and the Newton decrement g' H^-1 g is below 1e-4, i.e. no quadratic
 *    step could gain 5e-5 in log-likelihood (half the decrement is the
 *    gain the quadratic model predicts; Boyd and Vandenberghe 2004,
 *    "Convex Optimization", sec. 9.5.1).  A fit that fails any of these
 *    says which in why, and still returns the best point found; the fits
 *    turn that into DIAG_RUNTIME through mle_report_failure, saying what
 *    was tried and how many starts reached the best value. */
#include "mle.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_vector.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <string.h>

#define K MLE_MAXP
#define NM_SIZE_TOL 1e-7       /* every run of MLE_NATURAL, the restart of MLE_LOG */
#define NM_MAXIT_NATURAL 3000
#define NM_MAXIT_LOG 5000      /* MLE_LOG's restart */
#define NM_START_TOL 1e-4      /* MLE_LOG's starts (the polish takes them the rest of the way) */
#define NM_START_MAXIT 1000    /* MLE_LOG: a start still wandering after this is on a ridge */
#define BFGS_MAXIT 500
#define BFGS_GRAD_TOL 1e-7     /* per observation, on u */
#define PENALTY 1e300          /* negative log-likelihood outside the domain */
#define LOG_BOUND 40.0         /* |u| beyond this: outside the domain */
#define POLISH_STEPS 8
#define SCREEN_NM_IT 40         /* Nelder-Mead iterations of a screened start */
#define SCREEN_BFGS_IT 8        /* BFGS iterations of a screened start */
#define NM_RESTART_SCREENED_MAXIT 1000  /* the restart of a screened Nelder-Mead fit */
#define NM_SCREENED_DECREMENT 1e-8      /* ... which passes below this Newton decrement */

/* ---------------------------------------------------------------- */
/* The likelihood on u                                               */

static double eval_theta(const mle_problem *p, const double *theta)
{
    double v = p->nll(theta, p->ctx);
    return isfinite(v) ? v : PENALTY;
}

static double eval_u(const mle_problem *p, const double *u)
{
    double th[K];
    for (int i = 0; i < p->k; i++) {
        if (!(fabs(u[i]) <= LOG_BOUND))
            return PENALTY;
        th[i] = exp(u[i]);
    }
    return eval_theta(p, th);
}

/* value and gradient on u (analytic gradient); PENALTY and 0 outside */
static double eval_grad_u(const mle_problem *p, const double *u, double *gu)
{
    double th[K], g[K];
    int in = 1;
    for (int i = 0; i < p->k; i++) {
        in = in && fabs(u[i]) <= LOG_BOUND;
        th[i] = in ? exp(u[i]) : 1;
    }
    double v = in ? p->nll_grad(th, g, p->ctx) : PENALTY;
    int fin = in && isfinite(v);
    for (int i = 0; i < p->k; i++)
        fin = fin && isfinite(g[i]);
    for (int i = 0; i < p->k; i++)
        gu[i] = fin ? g[i] * th[i] : 0;
    return fin ? v : PENALTY;
}

static double gsl_f(const gsl_vector *v, void *params)
{
    const mle_problem *p = params;
    double u[K];
    for (int i = 0; i < p->k; i++)
        u[i] = gsl_vector_get(v, i);
    return eval_u(p, u);
}

static void gsl_fdf(const gsl_vector *v, void *params, double *f, gsl_vector *df)
{
    const mle_problem *p = params;
    double u[K], gu[K];
    for (int i = 0; i < p->k; i++)
        u[i] = gsl_vector_get(v, i);
    *f = eval_grad_u(p, u, gu);
    for (int i = 0; i < p->k; i++)
        gsl_vector_set(df, i, gu[i]);
}

static void gsl_df(const gsl_vector *v, void *params, gsl_vector *df)
{
    double f;
    gsl_fdf(v, params, &f, df);
}

/* ---------------------------------------------------------------- */
/* The minimisers                                                    */

/* One Nelder-Mead run from u0 (step: the simplex's initial size); fills
 * ubest and returns the value; *ok says whether the size test passed. */
static double nm_run(const mle_problem *p, const double *u0, double step, double tol,
                     int maxit, double *ubest, int *ok)
{
    gsl_multimin_fminimizer *s = gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2,
                                                                (size_t)p->k);
    gsl_vector *x = gsl_vector_alloc((size_t)p->k), *ss = gsl_vector_alloc((size_t)p->k);
    gsl_multimin_function F = { gsl_f, (size_t)p->k, (void *)p };
    double fval = PENALTY;
    *ok = 0;
    for (int i = 0; i < p->k; i++)
        ubest[i] = u0[i];
    if (s && x && ss) {
        for (int i = 0; i < p->k; i++) {
            gsl_vector_set(x, i, u0[i]);
            gsl_vector_set(ss, i, step);
        }
        if (gsl_multimin_fminimizer_set(s, &F, x, ss) == GSL_SUCCESS) {
            for (int it = 0; it < maxit; it++) {
                if (gsl_multimin_fminimizer_iterate(s) != GSL_SUCCESS)
                    break;
                if (gsl_multimin_test_size(gsl_multimin_fminimizer_size(s), tol) == GSL_SUCCESS) {
                    *ok = 1;
                    break;
                }
            }
            fval = gsl_multimin_fminimizer_minimum(s);
            for (int i = 0; i < p->k; i++)
                ubest[i] = gsl_vector_get(gsl_multimin_fminimizer_x(s), i);
        }
    }
    gsl_vector_free(x);
    gsl_vector_free(ss);
    gsl_multimin_fminimizer_free(s);
    return fval;
}

/* One BFGS run (analytic gradient) from u0; *ok says whether the gradient
 * test passed. */
static double bfgs_run(const mle_problem *p, const double *u0, double step, int maxit,
                       double *ubest, int *ok)
{
    gsl_multimin_fdfminimizer *s = gsl_multimin_fdfminimizer_alloc(
        gsl_multimin_fdfminimizer_vector_bfgs2, (size_t)p->k);
    gsl_vector *x = gsl_vector_alloc((size_t)p->k);
    gsl_multimin_function_fdf F = { gsl_f, gsl_df, gsl_fdf, (size_t)p->k, (void *)p };
    double fval = PENALTY, gtol = BFGS_GRAD_TOL * p->nobs;
    *ok = 0;
    for (int i = 0; i < p->k; i++)
        ubest[i] = u0[i];
    if (s && x) {
        for (int i = 0; i < p->k; i++)
            gsl_vector_set(x, i, u0[i]);
        if (gsl_multimin_fdfminimizer_set(s, &F, x, step, 0.1) == GSL_SUCCESS) {
            for (int it = 0; it < maxit; it++) {
                int st = gsl_multimin_fdfminimizer_iterate(s);
                if (gsl_multimin_test_gradient(gsl_multimin_fdfminimizer_gradient(s), gtol)
                    == GSL_SUCCESS) {
                    *ok = 1;
                    break;
                }
                if (st != GSL_SUCCESS)  /* no further progress possible */
                    break;
            }
            fval = gsl_multimin_fdfminimizer_minimum(s);
            for (int i = 0; i < p->k; i++)
                ubest[i] = gsl_vector_get(gsl_multimin_fdfminimizer_x(s), i);
        }
    }
    gsl_vector_free(x);
    gsl_multimin_fdfminimizer_free(s);
    return fval;
}

static int nm_maxit(const mle_problem *p)
{
    return p->scheme == MLE_LOG ? NM_MAXIT_LOG : NM_MAXIT_NATURAL;
}

static double opt_run(const mle_problem *p, const double *u0, int restart, double *ubest,
                      int *ok)
{
    if (p->nll_grad)
        return bfgs_run(p, u0, restart ? 0.01 : 0.1, BFGS_MAXIT, ubest, ok);
    if (p->scheme == MLE_LOG && !restart)
        return nm_run(p, u0, 0.5, NM_START_TOL, NM_START_MAXIT, ubest, ok);
    return nm_run(p, u0, restart ? 0.05 : 0.5, NM_SIZE_TOL, nm_maxit(p), ubest, ok);
}

/* The screening of the starts (mle_problem.finish): a few iterations of
 * the start's own minimiser, then the best finish of them are taken on from
 * where they stopped by opt_continue, a fresh minimiser (see the top
 * comment for its first step). */
static double opt_screen(const mle_problem *p, const double *u0, double *ubest)
{
    int ok;
    if (p->nll_grad)
        return bfgs_run(p, u0, 0.1, SCREEN_BFGS_IT, ubest, &ok);
    return nm_run(p, u0, 0.5, NM_START_TOL, SCREEN_NM_IT, ubest, &ok);
}

static double opt_continue(const mle_problem *p, const double *u0, double *ubest, int *ok)
{
    if (p->nll_grad)
        return bfgs_run(p, u0, 0.1, BFGS_MAXIT, ubest, ok);
    if (p->scheme == MLE_LOG)
        return nm_run(p, u0, 0.5, NM_START_TOL, NM_START_MAXIT, ubest, ok);
    return nm_run(p, u0, 0.5, NM_SIZE_TOL, nm_maxit(p), ubest, ok);
}

/* ---------------------------------------------------------------- */
/* Hessians                                                          */

/* MLE_NATURAL: Hessian H and gradient g at theta, natural parameters (see
 * the top comment for the steps). */
static void hessian_theta(const mle_problem *p, const double *theta, double H[K][K], double g[K])
{
    int k = p->k;
    double h[K], t[K];
    if (p->nll_grad) {
        double gp[K], gm[K];
        p->nll_grad(theta, g, p->ctx);
        for (int j = 0; j < k; j++) {
            double hj = 1e-5 * theta[j];
            memcpy(t, theta, sizeof(double) * (size_t)k);
            t[j] = theta[j] + hj;
            p->nll_grad(t, gp, p->ctx);
            t[j] = theta[j] - hj;
            p->nll_grad(t, gm, p->ctx);
            for (int i = 0; i < k; i++)
                H[i][j] = (gp[i] - gm[i]) / (2 * hj);
        }
        for (int i = 0; i < k; i++)
            for (int j = 0; j < i; j++)
                H[i][j] = H[j][i] = (H[i][j] + H[j][i]) / 2;
        return;
    }
    double f0 = eval_theta(p, theta);
    for (int i = 0; i < k; i++)
        h[i] = 1.2e-4 * theta[i];
    for (int i = 0; i < k; i++) {
        memcpy(t, theta, sizeof(double) * (size_t)k);
        t[i] = theta[i] + h[i];
        double fp = eval_theta(p, t);
        t[i] = theta[i] - h[i];
        double fm = eval_theta(p, t);
        g[i] = (fp - fm) / (2 * h[i]);
        H[i][i] = (fp - 2 * f0 + fm) / (h[i] * h[i]);
        for (int j = 0; j < i; j++) {
            double f4[4];
            for (int q = 0; q < 4; q++) {
                memcpy(t, theta, sizeof(double) * (size_t)k);
                t[i] += (q & 1) ? -h[i] : h[i];
                t[j] += (q & 2) ? -h[j] : h[j];
                f4[q] = eval_theta(p, t);
            }
            H[i][j] = H[j][i] = (f4[0] - f4[1] - f4[2] + f4[3]) / (4 * h[i] * h[j]);
        }
    }
}

/* MLE_LOG (and the Newton polish): gradient g and Hessian H on u (see the
 * top comment for the steps). */
static void hessian_u(const mle_problem *p, const double *u, double g[K], double H[K][K])
{
    int k = p->k;
    double t[K];
    if (p->nll_grad) {
        const double h = 1e-5;
        double gp[K], gm[K];
        eval_grad_u(p, u, g);
        for (int j = 0; j < k; j++) {
            memcpy(t, u, sizeof(double) * (size_t)k);
            t[j] = u[j] + h;
            eval_grad_u(p, t, gp);
            t[j] = u[j] - h;
            eval_grad_u(p, t, gm);
            for (int i = 0; i < k; i++)
                H[i][j] = (gp[i] - gm[i]) / (2 * h);
        }
        for (int i = 0; i < k; i++)
            for (int j = 0; j < i; j++)
                H[i][j] = H[j][i] = (H[i][j] + H[j][i]) / 2;
        return;
    }
    const double h = 1.2e-4, hg = 1e-5;
    double f0 = eval_u(p, u);
    for (int i = 0; i < k; i++) {
        memcpy(t, u, sizeof(double) * (size_t)k);
        t[i] = u[i] + hg;
        double gp = eval_u(p, t);
        t[i] = u[i] - hg;
        g[i] = (gp - eval_u(p, t)) / (2 * hg);
        t[i] = u[i] + h;
        double fp = eval_u(p, t);
        t[i] = u[i] - h;
        double fm = eval_u(p, t);
        H[i][i] = (fp - 2 * f0 + fm) / (h * h);
        for (int j = 0; j < i; j++) {
            double f4[4];
            for (int q = 0; q < 4; q++) {
                memcpy(t, u, sizeof(double) * (size_t)k);
                t[i] += (q & 1) ? -h : h;
                t[j] += (q & 2) ? -h : h;
                f4[q] = eval_u(p, t);
            }
            H[i][j] = H[j][i] = (f4[0] - f4[1] - f4[2] + f4[3]) / (4 * h * h);
        }
    }
}

/* Inverts H (Cholesky) into inv (row-major k x k) and gives the Newton
 * step -H^-1 g and the decrement g' H^-1 g.  Returns 0 when H is positive
 * definite; otherwise inv and *dec are NaN and the step 0. */
static int invert(int k, double H[K][K], const double *g, double *inv, double *step, double *dec)
{
    gsl_matrix *m = gsl_matrix_alloc((size_t)k, (size_t)k);
    int bad = !m;
    for (int i = 0; !bad && i < k; i++)
        for (int j = 0; j < k; j++) {
            if (!isfinite(H[i][j]))
                bad = 1;
            gsl_matrix_set(m, i, j, H[i][j]);
        }
    if (!bad && gsl_linalg_cholesky_decomp1(m) == GSL_SUCCESS
        && gsl_linalg_cholesky_invert(m) == GSL_SUCCESS) {
        *dec = 0;
        for (int i = 0; i < k; i++) {
            step[i] = 0;
            if (!(gsl_matrix_get(m, i, i) > 0))
                bad = 1;
            for (int j = 0; j < k; j++) {
                inv[i * k + j] = gsl_matrix_get(m, i, j);
                step[i] -= inv[i * k + j] * g[j];
                *dec += g[i] * inv[i * k + j] * g[j];
            }
        }
    } else {
        bad = 1;
    }
    if (bad) {
        for (int i = 0; i < k * k; i++)
            inv[i] = NAN;
        for (int i = 0; i < k; i++)
            step[i] = 0;
        *dec = NAN;
    }
    gsl_matrix_free(m);
    return bad;
}

/* MLE_NATURAL: standard errors, covariance of the log-parameters and
 * Newton decrement from the Hessian in theta (see the top comment). */
static int natural_errors(const mle_problem *p, mle_result *res, double *dec)
{
    int k = p->k;
    double H[K][K], g[K], inv[K * K], step[K], Hu[K][K], zero[K] = { 0 }, udec;
    hessian_theta(p, res->theta, H, g);
    int notpd = invert(k, H, g, inv, step, dec);
    for (int i = 0; i < k; i++)
        res->se[i] = sqrt(inv[i * k + i]);      /* NaN when not PD */
    /* the chain rule to u */
    for (int i = 0; i < k; i++)
        for (int j = 0; j < k; j++)
            Hu[i][j] = res->theta[i] * res->theta[j] * H[i][j]
                       + (i == j ? res->theta[i] * g[i] : 0);
    invert(k, Hu, zero, res->cov_log, step, &udec);
    return notpd;
}

/* MLE_LOG: the same from the Hessian on u, at ubest. */
static int log_errors(const mle_problem *p, const double *ubest, mle_result *res, double *dec)
{
    int k = p->k;
    double g[K], H[K][K], step[K];
    hessian_u(p, ubest, g, H);
    int notpd = invert(k, H, g, res->cov_log, step, dec);
    for (int i = 0; i < k; i++)
        res->se[i] = res->theta[i] * sqrt(res->cov_log[i * k + i]);   /* NaN when not PD */
    return notpd;
}

/* Newton steps on u from u (updated in place), value *f, until the Newton
 * decrement is at most stop_decrement; see the top comment. */
static void newton_polish(const mle_problem *p, double *u, double *f, double stop_decrement)
{
    int k = p->k;
    for (int it = 0; it < POLISH_STEPS; it++) {
        double g[K], H[K][K], inv[K * K], step[K], dec;
        hessian_u(p, u, g, H);
        if (invert(k, H, g, inv, step, &dec) || !(dec > stop_decrement))
            return;
        int moved = 0;
        for (double lam = 1; lam > 1e-3; lam /= 2) {
            double t[K];
            for (int i = 0; i < k; i++)
                t[i] = u[i] + lam * step[i];
            double ft = eval_u(p, t);
            if (ft < *f) {
                memcpy(u, t, sizeof(double) * (size_t)k);
                *f = ft;
                moved = 1;
                break;
            }
        }
        if (!moved)
            return;
    }
}

/* ---------------------------------------------------------------- */
/* The fit                                                           */

/* The starts' runs, each independent of the others and written to its own
 * slot, so that the order they run in does not matter. */
typedef struct start_runs {
    const mle_problem *p, *screen;
    const double (*starts)[MLE_MAXP];
    int nstarts, finish;
    int order[MLE_MAX_STARTS];
    double vals[MLE_MAX_STARTS], ubs[MLE_MAX_STARTS][K];
    int oks[MLE_MAX_STARTS];
} start_runs;

/* start s from its starting point: screened, or run in full */
static void run_start(start_runs *R, int s)
{
    double u0[K];
    for (int i = 0; i < R->p->k; i++)
        u0[i] = log(R->starts[s][i]);
    R->oks[s] = 0;
    R->vals[s] = R->finish < R->nstarts ? opt_screen(R->screen, u0, R->ubs[s])
                                        : opt_run(R->p, u0, 0, R->ubs[s], &R->oks[s]);
}

/* the j-th best screened start: taken on, or (with a subsample) valued */
static void finish_start(start_runs *R, int j)
{
    int s = R->order[j];
    double u0[K];
    memcpy(u0, R->ubs[s], sizeof u0);
    /* with a subsample the finished starts converge on it too, and only
     * the best of them goes on, on the whole data, by the polish and the
     * restart below (issue 14: the four finishes on the whole data were
     * two thirds of Pareto/NBD's evaluations on it; the subsample's
     * optimum is within a few of its standard errors of the whole's, where
     * the Newton polish converges in a few steps) */
    if (j < R->finish)
        R->vals[s] = opt_continue(R->screen, u0, R->ubs[s], &R->oks[s]);
    if (R->p->screen_ctx)
        R->vals[s] = eval_u(R->p, R->ubs[s]);    /* the subsample's point: valued on the whole data */
}

/* body(R, 0 .. n-1) on every thread: a team of its own when called alone;
 * inside a parallel region (`retsim fit` runs its fits concurrently,
 * present/fit_forward.c) as tasks of that region, which a thread done with
 * its own work picks up instead of waiting (issue 14: Pareto/NBD's starts
 * ran on one thread while the other, done with the other fits, waited). */
static void for_each_start(start_runs *R, int n, void (*body)(start_runs *, int))
{
    if (omp_in_parallel()) {
#pragma omp taskloop grainsize(1)
        for (int i = 0; i < n; i++)
            body(R, i);
    } else {
#pragma omp parallel for schedule(dynamic)
        for (int i = 0; i < n; i++)
            body(R, i);
    }
}

void mle_fit(const mle_problem *p, const double (*starts)[MLE_MAXP], int nstarts,
             mle_result *res)
{
    int k = p->k;
    int polish = p->scheme == MLE_LOG && !p->nll_grad;
    double best = INFINITY, ubest[K] = { 0 };
    memset(res, 0, sizeof *res);
    if (nstarts > MLE_MAX_STARTS)
        nstarts = MLE_MAX_STARTS;
    int finish = p->finish > 0 && p->finish < nstarts ? p->finish : nstarts;
    mle_problem screen = *p;
    if (p->screen_ctx)
        screen.ctx = p->screen_ctx;
    start_runs runs, *R = &runs;
    R->p = p;
    R->screen = &screen;
    R->starts = starts;
    R->nstarts = nstarts;
    R->finish = finish;
    double *vals = R->vals;
    double (*ubs)[K] = R->ubs;
    for_each_start(R, nstarts, run_start);
    if (finish < nstarts) {
        /* the finish best screened starts (ties in start order), taken on
         * to convergence; the others keep their screened values, which are
         * above those (a minimiser never ends above where it began) */
        int *order = R->order;
        for (int s = 0; s < nstarts; s++) {
            int j = s;
            while (j > 0 && vals[order[j - 1]] > vals[s]) {
                order[j] = order[j - 1];
                j--;
            }
            order[j] = s;
        }
        for_each_start(R, nstarts, finish_start);
    }
    for (int s = 0; s < nstarts; s++)
        if (vals[s] < best) {
            best = vals[s];
            memcpy(ubest, ubs[s], sizeof ubest);
        }
    res->starts = nstarts;
    for (int s = 0; s < nstarts; s++)
        if (vals[s] - best <= 1e-3)
            res->agree++;
    if (p->screen_ctx && !polish && best < PENALTY) {
        /* without a Newton polish (BFGS, MLE_NATURAL's Nelder-Mead) the
         * best subsample optimum converges on the whole data by its own
         * minimiser, before the restart checks it */
        double u0[K];
        int ok;
        memcpy(u0, ubest, sizeof u0);
        best = opt_continue(p, u0, ubest, &ok);
    }

    /* a screened Nelder-Mead fit (large data) stops polishing where its
     * restart's test passes, NM_SCREENED_DECREMENT: below it the steps are
     * the likelihood's rounding noise (issue 14: on 100,000 customers
     * four of the eight steps, each a Hessian of 41 evaluations, gained
     * 1e-9 in all); smaller fits keep polishing to 1e-12 as before */
    int screened = finish < nstarts, nm_screened = screened && polish;
    double stop_decrement = nm_screened ? NM_SCREENED_DECREMENT : 1e-12;
    if (polish && best < PENALTY)
        newton_polish(p, ubest, &best, stop_decrement);
    double ur[K];
    int ok2;
    /* a screened Nelder-Mead fit (large data) restarts within
     * NM_RESTART_SCREENED_MAXIT: its simplex may never reach 1e-7, see the
     * top comment, and the Newton decrement then decides */
    double v2 = nm_screened ? nm_run(p, ubest, 0.05, NM_SIZE_TOL, NM_RESTART_SCREENED_MAXIT, ur, &ok2)
                            : opt_run(p, ubest, 1, ur, &ok2);
    double gain = best - v2, shift[K];
    for (int i = 0; i < k; i++)
        shift[i] = fabs(ur[i] - ubest[i]);
    if (v2 < best) {
        best = v2;
        memcpy(ubest, ur, sizeof ubest);
    }
    if (polish && best < PENALTY)
        newton_polish(p, ubest, &best, stop_decrement);
    for (int i = 0; i < k; i++)
        res->theta[i] = exp(ubest[i]);
    res->nll = best;

    double dec;
    int notpd = p->scheme == MLE_LOG ? log_errors(p, ubest, res, &dec)
                                     : natural_errors(p, res, &dec);
    if (nm_screened && !ok2 && !notpd && dec < NM_SCREENED_DECREMENT)
        ok2 = 1;
    double moved = 0;
    int unstable = 0;
    for (int i = 0; i < k; i++) {
        double se_log = p->scheme == MLE_LOG ? sqrt(res->cov_log[i * k + i])
                                             : res->se[i] / res->theta[i];
        moved = fmax(moved, shift[i]);
        if (shift[i] > 1e-4 && !(shift[i] <= 0.01 * se_log))
            unstable = 1;
    }

    res->converged = 0;
    if (!(best < PENALTY))
        snprintf(res->why, sizeof res->why, "no start reached a finite likelihood");
    else if (!ok2 && !p->nll_grad)
        snprintf(res->why, sizeof res->why,
                 "Nelder-Mead did not shrink its simplex below %g (log-parameters) within %d "
                 "iterations",
                 NM_SIZE_TOL, nm_maxit(p));
    else if (!ok2)
        snprintf(res->why, sizeof res->why,
                 "BFGS did not bring the gradient (log-parameters) below %g within %d iterations",
                 BFGS_GRAD_TOL * p->nobs, BFGS_MAXIT);
    else if (unstable || gain > 1e-6)
        snprintf(res->why, sizeof res->why,
                 "a restart from the best point moved it (by %.2g in log-parameters, %.2g in "
                 "log-likelihood): the optimum is not stable",
                 moved, gain);
    else if (notpd)
        snprintf(res->why, sizeof res->why,
                 "the Hessian at the best point is not positive definite (a flat or boundary "
                 "optimum, e.g. a parameter running to 0 or infinity): no standard errors");
    else if (!(dec < 1e-4))
        snprintf(res->why, sizeof res->why,
                 "the gradient test failed (Newton decrement %.2g >= 1e-4)", dec);
    else
        res->converged = 1;
}

int mle_report_failure(diag *d, const char *model, const mle_result *res,
                       const char *const *names, int k, const char *method, const char *tried)
{
    char pbuf[256] = "", hint[256] = "";
    size_t used = 0;
    for (int i = 0; i < k && used < sizeof pbuf; i++)
        used += (size_t)snprintf(pbuf + used, sizeof pbuf - used, "%s%s = %.6g", i ? ", " : "",
                                 names[i], res->theta[i]);
    for (int i = 0; i < k; i++)
        if (fabs(log(res->theta[i])) > 15) {
            snprintf(hint, sizeof hint,
                     " (%s is running off to %s: the data do not pin the model down, e.g. too "
                     "little spread between customers)",
                     names[i], res->theta[i] > 1 ? "infinity" : "zero");
            break;
        }
    return diag_set(d, DIAG_RUNTIME,
                    "%s fit did not converge: %s.  Tried %d starting points (%s) with %s on "
                    "log-parameters and a restart from the best; %d of them reached the best "
                    "log-likelihood %.4f, at %s%s",
                    model, res->why, res->starts, tried, method, res->agree, -res->nll, pbuf,
                    hint);
}
