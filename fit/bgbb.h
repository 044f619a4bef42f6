/* bgbb: the beta-geometric/beta-Bernoulli model of a discrete-time
 * noncontractual business (Fader, Hardie and Shang 2010, "Customer-base
 * analysis in a discrete-time noncontractual setting", Marketing Science
 * 29(6)), fitted by maximum likelihood.
 *
 * Transactions can only happen at discrete opportunities (a yearly
 * check-up, a charity's annual appeal, a season): after the first purchase
 * (time 0), at each opportunity t = 1, 2, ... a customer still alive first
 * dies (for good) with probability theta, and otherwise buys with
 * probability p; p ~ Beta(alpha, beta), theta ~ Beta(gamma, delta), each
 * customer's own and independent.  A customer's history over n
 * opportunities is summed up by the frequency x (purchases after the
 * first), the recency t_x (the opportunity of the last, 0 when x = 0) and n.
 *
 * Every customer with the same (x, t_x, n) has the same likelihood, so the
 * data are usually a compressed table of (x, t_x, n, count): donations.csv,
 * the 1995 cohort of 11,104 donors of FHS (2010), over 6 yearly
 * opportunities, is such a table. */
#ifndef RETSIM_FIT_BGBB_H
#define RETSIM_FIT_BGBB_H

#include "../sim/diag.h"

/* One line of the compressed table: count customers with frequency x,
 * recency t_x over n opportunities. */
typedef struct bgbb_row {
    int x, t_x, n;
    double count;
} bgbb_row;

typedef struct bgbb_fit {
    double alpha, beta, gamma, delta;
    double se[4];          /* of alpha, beta, gamma, delta */
    double cov_log[16];    /* covariance of (ln alpha, ln beta, ln gamma, ln delta), row-major:
                              the inverse Hessian of the negative log-likelihood on the log
                              scale (NaN when not positive definite) */
    double loglik;
    int n_customers;       /* customers used (the sum of the counts) */
    int starts;            /* starting points tried */
    int converged;
} bgbb_fit;

/* One customer's log-likelihood (FHS 2010):
 *   L = B(alpha+x, beta+n-x)/B(alpha, beta) B(gamma, delta+n)/B(gamma, delta)
 *     + sum_{i=0}^{n-t_x-1} B(alpha+x, beta+t_x-x+i)/B(alpha, beta)
 *                            B(gamma+1, delta+t_x+i)/B(gamma, delta).
 * NaN for an impossible history (x > t_x, t_x > n, x = 0 < t_x, negatives). */
double bgbb_loglik_one(double alpha, double beta, double gamma, double delta, int x, int t_x,
                       int n);

/* Fits the table, counts as weights, from several starts (Nelder-Mead on
 * the log-parameters; convergence judged as for BG/NBD, see fit/mle.c).
 * DIAG_USAGE for impossible rows or too little to fit, DIAG_RUNTIME when no
 * start converges (saying what was tried; *out then holds the best point
 * found with converged = 0). */
int bgbb_fit_run(const bgbb_row *rows, int nrows, bgbb_fit *out, diag *d);

/* P(alive | x, t_x, n): the chance that the customer is still alive after
 * opportunity n, i.e. on the as-of date, not yet having faced the death
 * chance of opportunity n+1:
 *   B(alpha+x, beta+n-x)/B(alpha, beta) B(gamma, delta+n)/B(gamma, delta) / L.
 * FHS (2010) quote, as P(alive), the chance of being alive AT opportunity n+1,
 * which is this times E[1 - theta | alive] = (delta+n)/(gamma+delta+n). */
double bgbb_p_alive(const bgbb_fit *f, int x, int t_x, int n);

/* E[purchases at opportunities n+1 .. n+n_star | x, t_x, n] (FHS 2010):
 *   P(alive | x, t_x, n) (alpha+x)/(alpha+beta+n)
 *   sum_{k=1}^{n_star} B(gamma, delta+n+k)/B(gamma, delta+n). */
double bgbb_expected_conditional(const bgbb_fit *f, int x, int t_x, int n, int n_star);

/* E[X(n)]: the expected purchases of a new customer at opportunities
 * 1 .. n (FHS 2010):
 *   alpha/(alpha+beta) sum_{k=1}^{n} B(gamma, delta+k)/B(gamma, delta)
 *   = alpha/(alpha+beta) delta/(gamma-1)
 *       [1 - Gamma(gamma+delta) Gamma(1+delta+n) / (Gamma(gamma+delta+n) Gamma(1+delta))]. */
double bgbb_expected_unconditional(const bgbb_fit *f, int n);

/* Reads a compressed table: a CSV file (libcsv) whose header names the
 * columns frequency, recency, periods and one of weights, count or
 * customers (any order and case; other columns are ignored), one line per
 * (frequency, recency, periods).  Every value must be a whole number >= 0
 * with frequency <= recency <= periods and recency 0 when frequency is 0.
 * Returns 0 with *rows (malloc'd; free()) and *nrows, or DIAG_USAGE with
 * the file, line, column, value and what was expected in d. */
int bgbb_read_table(const char *path, bgbb_row **rows, int *nrows, diag *d);

#endif
