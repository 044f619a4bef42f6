/* purchase_fit: the purchase models `retsim fit` can fit to a transaction
 * log, behind one interface, so that the fit command fits every applicable
 * one, compares them and writes the chosen one's forward baseline without
 * naming any (like gsl_rng_type: a const table per model, a NULL-terminated
 * registry).
 *
 * Every model here describes a customer by (x, t_x, T) in periods of the
 * fit (fit/summary.h) and has a customer model of the same name in
 * models/ that can start from that history (sim/model.h,
 * customer_from_history); its parameters are that model's section keys. */
#ifndef RETSIM_FIT_PURCHASE_FIT_H
#define RETSIM_FIT_PURCHASE_FIT_H

#include "../sim/diag.h"
#include "summary.h"

#define PURCHASE_FIT_MAX_PAR 4

struct purchase_fit_type;

typedef struct purchase_fit {
    const struct purchase_fit_type *type;
    double par[PURCHASE_FIT_MAX_PAR];       /* in the order of type->par_names */
    double se[PURCHASE_FIT_MAX_PAR];
    /* covariance of the log-parameters (row-major npar x npar), from the
     * inverse Hessian of the negative log-likelihood: the sampling
     * distribution the forward simulation draws parameters from */
    double cov_log[PURCHASE_FIT_MAX_PAR * PURCHASE_FIT_MAX_PAR];
    double loglik;
    int n;                                  /* customers fitted */
    int starts;
    int converged;
    char note[2048];                        /* why not converged, when it did not */
    /* filled by the fit command: */
    double bic;                             /* -2 loglik + npar ln n (Schwarz 1978) */
    double holdout_predicted;               /* repeat purchases in the holdout; NAN without one */
    double holdout_error;                   /* relative error against the actual; NAN without one */
} purchase_fit;

typedef struct purchase_fit_type {
    const char *name;                       /* the customer model's and its section's name */
    const char *label;                      /* "BG/NBD", for tables */
    const char *source;                     /* the paper, for the comparison's notes */
    int npar;
    const char *const *par_names;           /* npar section keys */
    /* Fits c[0..n) (customers with T > 0).  0, or DIAG_USAGE (too few to
     * fit) / DIAG_RUNTIME (no start converged: *out still holds the best
     * point, converged 0) with d set. */
    int (*fit)(const cust_summary *c, int n, purchase_fit *out, diag *d);
    double (*p_alive)(const purchase_fit *f, double x, double t_x, double T);
    /* E[purchases in (T, T + t] | x, t_x, T] */
    double (*expected_conditional)(const purchase_fit *f, double x, double t_x, double T, double t);
    /* E[repeat purchases by t after the first] */
    double (*expected_unconditional)(const purchase_fit *f, double t);
} purchase_fit_type;

/* NULL-terminated, in the order the comparison table lists them. */
extern const purchase_fit_type *const purchase_fit_types[];

/* The BG/NBD fit in btyd.h's form (the recall list and the fit's other
 * outputs are BG/NBD's); f must be of the "bgnbd" type. */
struct bgnbd_fit;
void purchase_fit_to_bgnbd(const purchase_fit *f, struct bgnbd_fit *out);

/* Customers grouped by distinct (x, t_x, T), with how many share each
 * (many do, in data rounded to days or weeks), for sums over customers. */
typedef struct purchase_groups {
    int n;                                  /* distinct (x, t_x, T) */
    double *x, *t_x, *T, *w;
    double *e;                              /* scratch: one expectation each */
} purchase_groups;

/* 0, or -1 when out of memory (nothing to free then). */
int purchase_groups_build(const cust_summary *c, int n, purchase_groups *g);
void purchase_groups_free(purchase_groups *g);
/* The sum over the customers of f's expected purchases in (T, T + t]: the
 * holdout's prediction.  Each distinct (x, t_x, T) is computed once, spread
 * over OpenMP threads, and the sum is taken in one fixed order, so the
 * result is the same for any number of threads. */
double purchase_groups_expected_sum(purchase_groups *g, const purchase_fit *f, double t);
/* The same in one call (grouping, then the sum); NAN when out of memory. */
double purchase_fit_expected_sum(const purchase_fit *f, const cust_summary *c, int n, double t);

/* The type of that name, or NULL. */
const purchase_fit_type *purchase_fit_find(const char *name);

#endif
