/* calibrate: the method of simulated moments (issue 13).  Chosen keys of a
 * scenario are fitted so that its simulated history reproduces a
 * transaction log's moments (fit/moments.h):
 *
 *   Q(theta) = (m_sim(theta) - m_data)' W (m_sim(theta) - m_data),
 *
 * W the inverse of the bootstrap covariance S of the data's moments
 * (customers resampled; eigenvalues floored when S is near singular, and
 * the result says so), m_sim on common random numbers (the same seed and
 * replications for every theta, so Q is a deterministic function),
 * minimised by NLopt from several starts within the keys' bounds.
 * Inference follows McFadden (1989) and Pakes and Pollard (1989): with R
 * simulated samples of the data's size,
 *   V = (1 + 1/R) (G'WG)^-1 G'W S W G (G'WG)^-1,
 * G the moments' Jacobian (central differences on common random numbers),
 * and J = Q / (1 + 1/R) is chi-squared with (#moments - #keys) degrees of
 * freedom when the model is right (Hansen 1982).
 *
 * The simulation is made comparable to the log (docs/calibrate.md): it
 * runs for the log's calibration window, its channels bring customers in
 * over the span in which the log's customers made their first purchase
 * (from day 0 to the last first purchase, at the scenario's own daily
 * pattern), scaled so that one replication expects as many customers as the
 * log has; R replications are pooled into one simulated log. */
#ifndef RETSIM_FIT_CALIBRATE_H
#define RETSIM_FIT_CALIBRATE_H

#include <stdint.h>

#include "../sim/engine.h"
#include "../sim/scenario.h"
#include "moments.h"
#include "translog.h"

#define CALIB_MAX_FREE 16
/* A key (or a direction of keys) is determined by the data when its
 * standard error is at most this share of its search range: its 95 %
 * interval (+/- 1.96 SE) then covers at most half the range. */
#define CALIB_DETERMINED 0.125
#define CALIB_MAX_SETS 64
/* customers grouped by their repeat purchases in the calibration window:
 * 0, 1, ..., 6, 7+ (the BTYD holdout check, Fader, Hardie and Lee 2005) */
#define CALIB_GROUPS 8

typedef struct calib_key {
    char name[160];             /* section.key as given */
    const scen_key *key;        /* its table entry */
    double lo, hi;              /* the search bounds */
    double start;               /* the scenario's value */
} calib_key;

typedef struct calib_opts {
    uint64_t seed;
    int reps;                   /* R: simulated samples of the data's size per evaluation */
    int threads;                /* 0: OpenMP's default */
    int starts;                 /* optimiser starts: the scenario's values, then Sobol points */
    int max_evals;              /* objective evaluations per start */
    int bootstrap;              /* resamples for S */
    int algorithm;              /* 0: Sbplx, 1: BOBYQA */
    int progress;               /* report each start (and each evaluation on a terminal) on stderr */
    int recency;                /* 1: match the recency moments too (MOM_RECENT; --recency) */
    int first_bill;             /* 1: match MOM_LOW_FIRST too (--first-bill) */
} calib_opts;

typedef struct calib_problem {
    const char *path;                       /* the scenario */
    const char *sets[CALIB_MAX_SETS];       /* the user's --set, then the window's overrides */
    char own[CALIB_MAX_SETS][200];          /* storage of the window's overrides */
    int nuser_sets, nsets;
    int nfree;
    calib_key key[CALIB_MAX_FREE];
    const translog *data;
    int w0, w1;                 /* the data's calibration window (days since 1970-01-01) */
    int horizon;                /* w1 - w0 + 1 */
    double acq_days;            /* span of the data's first purchases, days */
    double scale;               /* channels' prospects multiplied by this */
    moments mdata;
    double cov[MOM_ALL * MOM_ALL];          /* bootstrap covariance of every moment */
    int use[MOM_MATCH_MAX];                 /* matched moments, in order */
    int nuse;
    int regularised;                        /* eigenvalues of S floored */
    double W[MOM_MATCH_MAX * MOM_MATCH_MAX];     /* nuse x nuse */
    double Whalf[MOM_MATCH_MAX * MOM_MATCH_MAX]; /* its symmetric square root */
    calib_opts o;
    long evals;
    int hold_end;               /* > w1: the holdout's last day, forecast at the estimates */
    int warm_start;             /* the customer model has customer_from_history: calibrated.ini
                                   and the holdout start from the log's customers */
} calib_problem;

typedef struct calib_result {
    double theta[CALIB_MAX_FREE];
    double q;                               /* Q at theta */
    moments msim;                           /* the simulated moments at theta */
    double start_q[16];                     /* best Q of each start */
    double start_theta[16][CALIB_MAX_FREE];
    int nstarts;
    /* inference */
    double G[MOM_MATCH_MAX * CALIB_MAX_FREE]; /* nuse x nfree */
    double se[CALIB_MAX_FREE];
    double cov_theta[CALIB_MAX_FREE * CALIB_MAX_FREE];
    double j, j_p;                          /* over-identification test (df > 0) */
    int df;
    double sv[CALIB_MAX_FREE];              /* singular values of W^1/2 G D, D = diag(hi - lo) */
    double sv_vec[CALIB_MAX_FREE * CALIB_MAX_FREE]; /* right singular vectors, column i for sv[i] */
    double condition;
    int determined[CALIB_MAX_FREE];         /* 1: the data pin key i down */
    /* with a holdout (hold_end > w1): its purchases by the log's customers,
     * actual and simulated at the estimates (scaled to the log's customer
     * count; se: Monte Carlo, over the R replications) */
    int holdout_days;
    int holdout_warm;                       /* 1: from today's customers; 0: the earlier forecast */
    long holdout_actual;
    double holdout_sim, holdout_sim_se;     /* from today's customers (warm start) */
    /* the same by calibration repeat purchases (CALIB_GROUPS) */
    int holdout_group_n[CALIB_GROUPS];
    long holdout_group_actual[CALIB_GROUPS];
    double holdout_group_sim[CALIB_GROUPS], holdout_group_se[CALIB_GROUPS];
    /* the earlier forecast, for comparison: the log's window re-simulated
     * with new customers and run on (no warm start) */
    double holdout_new_sim, holdout_new_sim_se;
} calib_result;

/* Checks the free keys against the scenario (numeric, known, bounds that
 * hold the current value), reads the data's moments over [w0, w1], drops
 * those the log is too small for, bootstraps S, builds W and the window's
 * overrides.  spec[i] is "section.key" or "section.key=LOW:HIGH".
 * DIAG_USAGE with d set on bad input. */
int calib_setup(calib_problem *p, const char *path, const char *const *sets, int nsets,
                char *const *spec, int nspec, const translog *data, int w0, int w1,
                const calib_opts *o, diag *d);

/* One replication's purchases (one visit per customer and day is merged
 * when pooled), sorted by customer, then in time order. */
typedef struct calib_tx {
    uint64_t id;
    long seq;
    int day;
    double bill;
} calib_tx;

typedef struct calib_rep {
    calib_tx *tx;
    long n, cap;
    int oom;
} calib_rep;

/* The unit of work of an evaluation: replication rep of seed on engine e
 * into b (zeroed before; free(b->tx) after).  A distributed run hands
 * replications out by index and pools them in replication order with
 * calib_pool: the same log as calib_simulate. */
int calib_simulate_rep(const engine *e, uint64_t seed, int rep, calib_rep *b, diag *d);
/* Pools replications 0..reps-1 (in that order) into one log. */
int calib_pool(const calib_rep *buf, int reps, translog **out, diag *d);

/* The simulated log of R replications of engine e (seed, replications
 * 0..R-1), pooled in replication order into one log whose day 0 is the
 * simulation's day 0: the same whatever the thread count. */
int calib_simulate(const engine *e, uint64_t seed, int reps, int threads, translog **out, diag *d);

/* The simulated moments at theta (the free keys' values, in order). */
int calib_moments_at(calib_problem *p, const double *theta, moments *m, diag *d);
/* Q(theta); m (may be NULL) gets the simulated moments. */
int calib_objective(calib_problem *p, const double *theta, double *q, moments *m, diag *d);

/* The log's customers first seen in [w0, w1], as they stand at the end of
 * day w1 (model.h's customer_history, days: x, t_x, T = w1 - first day,
 * the mean amount of the repeat purchases), in the log's customer order;
 * b->h is allocated (free it), b->path names the log.  The [base] customers
 * of calibrated.ini and of the holdout forecast. */
struct base_customers;
int calib_history(const translog *t, int w0, int w1, struct base_customers *b, diag *d);
/* The group (0 .. CALIB_GROUPS - 1) of a customer with x repeat purchases. */
int calib_group(int x);

/* Replication rep of engine e, a scenario with [base] (engine_prepare_with_base
 * or a customers file), seed seed: purchases[i] gets the purchases of the
 * base's row i over the horizon, one a day at most (as a log merges them);
 * nrows is the base's row count. */
int calib_forward_rep(const engine *e, uint64_t seed, int rep, int nrows, double *purchases, diag *d);

/* The holdout forecast at r->theta (p->hold_end > p->w1): fills r's
 * holdout fields.  The forecast starts from today's customers: the
 * scenario at the estimates with [base] = the log's customers as they stand
 * on the window's last day (calib_history; the model's
 * customer_from_history draws each one's hidden traits given their
 * history), simulated over the holdout; no new customers. */
int calib_holdout(calib_problem *p, calib_result *r, diag *d);

/* Minimises Q from p->o.starts starts, then the inference at the best. */
int calib_run(calib_problem *p, calib_result *r, diag *d);

/* 1: moment m is one the calibration matches when the log supports it (the
 * first MOM_N; with --recency also the MOM_RECENT ones,
 * with --first-bill MOM_LOW_FIRST). */
int calib_matchable(const calib_problem *p, int m);

#endif
