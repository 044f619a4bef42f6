/* optimize: the best terms of a promotion by sample-average approximation
 * on common random numbers (`retsim optimize`, docs/optimize.md).
 *
 * Every candidate (a value for each searched key) is run with the same seed
 * and replication count, so it meets the same simulated customers: the mean
 * objective is then a deterministic function of the keys (the sample-average
 * approximation of the expected objective; Kleywegt, Shapiro and
 * Homem-de-Mello, SIAM J. Optim. 12, 2002), which a grid or a
 * derivative-free optimiser can search.  The few best candidates are then
 * compared again on a fresh stream of replications, paired with the
 * scenario without the promotion (the winner's curse: the search's best is
 * biased up by the very noise that made it win).
 *
 * One candidate is evaluated by one function, opt_evaluate, so that a
 * caller can spread the evaluations (e.g. over MPI ranks); the search takes
 * it as an opt_eval_fn, which the tests replace by functions with known
 * optima. */
#ifndef RETSIM_OPTIMIZE_H
#define RETSIM_OPTIMIZE_H

#include <stdint.h>

#include "diag.h"
#include "runner.h"

#define OPT_MAX_PARAMS 4
#define OPT_MAX_CONS 4
#define OPT_MAX_TOP 10
/* a full grid when every key is whole and the grid has at most this many points */
#define OPT_GRID_MAX 400
/* the final comparison's replications come in blocks of this many (even: a
 * parameter draw's pair of replications stays in one block) */
#define OPT_BLOCK_REPS 4

typedef struct opt_param {
    char key[256];           /* section.key or section.label.key, as --set */
    double low, high;
    int integer;             /* a KEY_INT key: values rounded */
    char unit[64];           /* the key table's unit, for axis labels ("" none) */
} opt_param;

typedef struct opt_constraint {
    int metric;              /* metric_id */
    int at_most;             /* 1: metric <= limit; 0: metric >= limit */
    double limit;
} opt_constraint;

typedef struct opt_problem {
    const char *path;        /* the scenario with the promotion */
    const char *base_path;   /* doing nothing: the gain is measured against it */
    const char *const *sets; /* --set: every scenario, the base included */
    int nsets;
    int nparam;
    opt_param param[OPT_MAX_PARAMS];
    int objective;           /* metric_id */
    int minimize;            /* 1: smaller is better */
    int ncons;
    opt_constraint cons[OPT_MAX_CONS];
    run_opts run;            /* the search's seed, replications and threads */
    int final_reps;          /* replications of the final comparison */
    int top;                 /* candidates in the final comparison */
    int max_evals;           /* evaluations of a continuous search */
    int progress;            /* one line per evaluation on stderr */
} opt_problem;

typedef enum { OPT_PHASE_GRID, OPT_PHASE_DESIGN, OPT_PHASE_SEARCH, OPT_PHASE_POLISH } opt_phase;

/* One evaluated candidate, on the search's replications. */
typedef struct opt_point {
    double x[OPT_MAX_PARAMS];
    double obj, obj_se;                      /* the objective's mean and its standard error */
    double con[OPT_MAX_CONS], con_se[OPT_MAX_CONS];
    double violation;                        /* 0: every constraint's mean holds */
    int phase;                               /* opt_phase */
} opt_point;

/* Evaluates the candidate x: fills out (but x and phase). */
typedef int (*opt_eval_fn)(void *ctx, const opt_problem *p, const double *x, opt_point *out,
                           diag *d);

/* The real evaluation: the scenario with every key of x set (--set style,
 * after the problem's own sets), run alone through sim_run on p->run (its
 * seed: common random numbers). */
int opt_evaluate(void *ctx, const opt_problem *p, const double *x, opt_point *out, diag *d);

/* The sum over constraints of the relative amount by which each mean
 * breaks it (0 when all hold); the scale is |limit|, or 1 for a limit of 0. */
double opt_violation(const opt_problem *p, const double *con);

typedef enum { OPT_METHOD_GRID, OPT_METHOD_SBPLX } opt_method;

typedef struct opt_search {
    int method;              /* opt_method */
    int n, cap;
    opt_point *pts;          /* every evaluated point, in evaluation order */
    int best;                /* index of the best point (feasible first), -1 before any */
    int nlopt_status;        /* NLopt's return code (Sbplx), 0 for a grid */
} opt_search;

/* 1 when the search is a full grid: every key whole and at most
 * OPT_GRID_MAX points; *points gets the grid's size either way. */
int opt_is_grid(const opt_problem *p, double *points);

/* Runs the search: the full grid; or a small design (each key at a few
 * levels), NLopt's Sbplx from its best point in the box scaled to [0, 1]
 * with whole keys rounded, then the grid of whole neighbours (+-1) of the
 * best.  s must be zeroed; free it with opt_search_free. */
int opt_search_run(const opt_problem *p, opt_eval_fn eval, void *ctx, opt_search *s, diag *d);
void opt_search_free(opt_search *s);

/* Indices into s->pts of the top candidates: feasible first, then by the
 * objective; at most max, each at least OPT_TOP_APART of a real key's range
 * (or a whole step of a whole key) from the others.  Returns how many. */
#define OPT_TOP_APART 0.02
int opt_search_top(const opt_problem *p, const opt_search *s, int *idx, int max);

/* The final comparison, from the blocks' means: one row per block, one
 * column per scenario (0 the base, 1..k the candidates), for the objective
 * and each constraint's metric. */
typedef struct opt_final {
    int k;                                   /* candidates */
    int idx[OPT_MAX_TOP];                    /* their indices in the search */
    int blocks, reps;                        /* blocks of OPT_BLOCK_REPS replications */
    uint64_t seed;                           /* the fresh stream's seed */
    double base_obj, base_lo, base_hi;
    double obj[OPT_MAX_TOP], obj_lo[OPT_MAX_TOP], obj_hi[OPT_MAX_TOP];
    double gain[OPT_MAX_TOP], gain_lo[OPT_MAX_TOP], gain_hi[OPT_MAX_TOP]; /* better minus base */
    double con[OPT_MAX_TOP][OPT_MAX_CONS], con_lo[OPT_MAX_TOP][OPT_MAX_CONS],
        con_hi[OPT_MAX_TOP][OPT_MAX_CONS];
    int feasible[OPT_MAX_TOP];               /* every constraint's final mean holds */
    int best;                                /* 0..k-1: the best final mean (feasible first) */
    double vs_best[OPT_MAX_TOP], vs_best_lo[OPT_MAX_TOP], vs_best_hi[OPT_MAX_TOP]; /* best minus it */
    int tied[OPT_MAX_TOP];                   /* 1: its difference from the best holds 0 (the best too) */
    int ntied;                               /* candidates tied with the best, the best included */
    double p_best[OPT_MAX_TOP];              /* bootstrap share of wins; NAN when infeasible */
    int bootstrap;                           /* resamples */
} opt_final;

#define OPT_BOOTSTRAP 2000

/* Fills f's statistics from the block means: obj[b * (k + 1) + j] and
 * con[(b * (k + 1) + j) * OPT_MAX_CONS + c] for block b, scenario j (0 the
 * base).  95 % intervals are Student t over the blocks; P(best) is the
 * share of OPT_BOOTSTRAP paired bootstrap resamples of the blocks (all
 * candidates resampled together) in which each feasible candidate has the
 * best mean, an exact tie sharing the win; seed fixes the resamples. */
void opt_final_stats(const opt_problem *p, int k, int blocks, const double *obj,
                     const double *con, uint64_t seed, opt_final *f);

/* Runs the final comparison of the top candidates of s (opt_search_top, at
 * most p->top) against the base: p->final_reps replications (rounded up to
 * whole blocks) in blocks on seeds drawn from a stream apart from the
 * search's, each block one paired sim_run of the base and every candidate. */
int opt_final_run(const opt_problem *p, const opt_search *s, opt_final *f, diag *d);

#endif
