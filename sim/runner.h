/* runner: replications in parallel, aggregated in order.
 *
 * Replications run in blocks; inside a block OpenMP spreads them over
 * threads, each replication running every scenario of the comparison with
 * the same (seed, replication) streams, so scenario k's result in
 * replication r is paired with the base's (common random numbers).  After
 * each block one thread feeds the results to the accumulators in
 * replication order: the output is the same for any thread count. */
#ifndef RETSIM_RUNNER_H
#define RETSIM_RUNNER_H

#include <stdint.h>

#include "engine.h"
#include "metrics.h"
#include "stats.h"

typedef struct run_opts {
    uint64_t seed;
    int reps;
    int threads;        /* 0: OpenMP's default */
    int progress;       /* draw a progress bar on stderr */
    double precision;   /* >0: stop once profit's 95 % CI half-width (of the paired
                           difference, for comparisons) is within this share of the
                           base's mean profit; reps is then the cap */
    double max_memory;  /* bytes a run may take (sim/memory.c); 0: what is available */
    int param_uncertainty_off; /* --param-uncertainty off: every key at its point value */
    /* Optional: each replication's metrics, in replication order on one
     * thread (so bit-identical for any thread count): metric[k] is scenario
     * k's MET_COUNT values.  For statistics the accumulators do not keep,
     * e.g. the share of paired replications in which a variant loses money. */
    void (*on_replication)(void *ctx, int rep, const double *const *metric, int nscen);
    void *on_replication_ctx;
} run_opts;

typedef struct scen_stats {
    int horizon;
    stat_vec *metric;               /* MET_COUNT */
    stat_vec *curve[CUR_COUNT];     /* horizon + 1 points each */
    stat_vec *cohort;               /* COHORT_CELLS */
    stat_vec *rfm;                  /* RFM_CELLS */
    stat_vec *clv_quantile;         /* CLV_QUANTILES */
    stat_vec *frequency;            /* FREQ_BINS */
    stat_vec *diff;                 /* metric minus the base's, paired; NULL for the base */
    stat_vec *diff_curve[CUR_COUNT];/* curve minus the base's; NULL for the base */
    /* 1: the scenario's uncertain keys were drawn, one draw per pair of
     * replications, and its intervals carry that (stats.h); -1: it has
     * some but --param-uncertainty off held them at their point values;
     * 0: none.  diff_uncertain: the same for its paired difference (1 when
     * it or the base was drawn). */
    int uncertain, diff_uncertain;
    int uncertain_keys;             /* scen_uncertain_count of the scenario */
} scen_stats;

typedef struct run_result {
    int nscen;
    int reps;                       /* replications actually run */
    int threads;
    int precision_reached;          /* with run_opts.precision: 1 if reached before the cap */
    int draws;                      /* parameter draws (reps / 2) when any scenario was drawn, else 0 */
    int reps_asked;                 /* o->reps before rounding up to pairs */
    scen_stats *scen;
} run_result;

/* Runs o->reps replications of every engine (engines[0] is the base).
 * When a scenario holds uncertain keys or a draws file (scen_uncertain_count)
 * and o->param_uncertainty_off is 0, replications come in pairs sharing
 * one parameter draw (draw rep / 2; reps rounded up to even): each
 * replication of such a scenario runs on scen_draw's copy, prepared with
 * engine_prepare_replica.
 * Returns 0, or a DIAG_ status with d set. */
int sim_run(engine *const *engines, int nscen, const run_opts *o,
            run_result **out, diag *d);
void run_result_free(run_result *r);

#endif
