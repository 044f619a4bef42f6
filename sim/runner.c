#include "runner.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dist.h"
#include "interrupt.h"
#include "lang.h"
#include "memory.h"

#define BLOCK_REPS MEM_BLOCK_REPS   /* even: a pair of replications never straddles two blocks */
/* Under MPI (sim/dist.h) the ranks take a group of whole blocks at a time,
 * about GROUP_REPS_PER_RANK replications each, within GROUP_BYTES of
 * records: one exchange per group, and a cluster's ranks are not left idle
 * by a block of 32.  Results are fed to the accumulators block by block in
 * replication order, and --precision is judged after each block as on one
 * process (replications of the group past the stopping block are simply
 * not used), so the output does not depend on the group. */
#define GROUP_REPS_PER_RANK 4
#define GROUP_BYTES (256.0 * 1024 * 1024)
#define BATCH_MAX_RUN 512

/* Every vector of s in pairs (stats.h): the scenario's own when drawn,
 * its differences when it or the base was. */
static int stats_pair(scen_stats *s, int own, int diff)
{
    int bad = 0;
    if (own) {
        bad |= stat_vec_pair(s->metric) | stat_vec_pair(s->cohort) | stat_vec_pair(s->rfm)
               | stat_vec_pair(s->clv_quantile) | stat_vec_pair(s->frequency);
        for (int c = 0; c < CUR_COUNT; c++)
            bad |= stat_vec_pair(s->curve[c]);
    }
    if (diff && s->diff) {
        bad |= stat_vec_pair(s->diff);
        for (int c = 0; c < CUR_COUNT; c++)
            bad |= stat_vec_pair(s->diff_curve[c]);
    }
    return bad ? -1 : 0;
}

static int stats_alloc(scen_stats *s, int horizon, int paired)
{
    size_t npts = (size_t)horizon + 1;
    s->horizon = horizon;
    s->metric = stat_vec_alloc(MET_COUNT);
    s->cohort = stat_vec_alloc(COHORT_CELLS);
    s->rfm = stat_vec_alloc(RFM_CELLS);
    s->clv_quantile = stat_vec_alloc(CLV_QUANTILES);
    s->frequency = stat_vec_alloc(FREQ_BINS);
    int ok = s->metric && s->cohort && s->rfm && s->clv_quantile && s->frequency;
    for (int c = 0; c < CUR_COUNT; c++) {
        s->curve[c] = stat_vec_alloc(npts);
        ok = ok && s->curve[c];
        if (paired) {
            s->diff_curve[c] = stat_vec_alloc(npts);
            ok = ok && s->diff_curve[c];
        }
    }
    if (paired) {
        s->diff = stat_vec_alloc(MET_COUNT);
        ok = ok && s->diff;
    }
    return ok ? 0 : -1;
}

static void stats_free(scen_stats *s)
{
    stat_vec_free(s->metric);
    stat_vec_free(s->cohort);
    stat_vec_free(s->rfm);
    stat_vec_free(s->clv_quantile);
    stat_vec_free(s->frequency);
    stat_vec_free(s->diff);
    for (int c = 0; c < CUR_COUNT; c++) {
        stat_vec_free(s->curve[c]);
        stat_vec_free(s->diff_curve[c]);
    }
}

void run_result_free(run_result *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->nscen; i++)
        stats_free(&r->scen[i]);
    free(r->scen);
    free(r);
}

static void accumulate(run_result *res, rep_result *const *reps, double *scratch)
{
    const rep_result *base = reps[0];
    for (int k = 0; k < res->nscen; k++) {
        scen_stats *s = &res->scen[k];
        const rep_result *r = reps[k];
        stat_vec_add(s->metric, r->metric);
        for (int c = 0; c < CUR_COUNT; c++)
            stat_vec_add(s->curve[c], r->curve[c]);
        stat_vec_add(s->cohort, r->cohort);
        stat_vec_add(s->rfm, r->rfm);
        stat_vec_add(s->clv_quantile, r->clv_quantile);
        stat_vec_add(s->frequency, r->frequency);
        if (!s->diff)
            continue;
        for (int m = 0; m < MET_COUNT; m++)
            scratch[m] = r->metric[m] - base->metric[m];
        stat_vec_add(s->diff, scratch);
        for (int c = 0; c < CUR_COUNT; c++) {
            for (int t = 0; t <= s->horizon; t++)
                scratch[t] = r->curve[c][t] - base->curve[c][t];
            stat_vec_add(s->diff_curve[c], scratch);
        }
    }
}

/* --precision: profit (or every variant's paired difference in profit) is
 * known to within the share p of the base's mean profit. */
static int precise_enough(const run_result *res, double p)
{
    stat_summary base = stat_vec_get(res->scen[0].metric, MET_PROFIT);
    if (res->nscen == 1)
        return stat_rel_halfwidth(&base) <= p;
    for (int k = 1; k < res->nscen; k++) {
        stat_summary diff = stat_vec_get(res->scen[k].diff, MET_PROFIT);
        /* with parameter draws, the part more replications shrink */
        double half = diff.uncertain ? diff.mc_halfwidth : diff.ci_high - diff.mean;
        if (isnan(half) || half > p * fabs(base.mean))
            return 0;
    }
    return 1;
}

static void draw_progress(int done, int total, double started)
{
    int width = 40;
    int filled = (int)((double)width * done / total);
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double secs = now.tv_sec + now.tv_nsec * 1e-9 - started;
    double eta = done > 0 ? secs * (total - done) / done : 0;
    fprintf(stderr, "\r  [%.*s%*s] ", filled, "########################################", width - filled, "");
    fprintf(stderr, tr(lang_ui(), "%d/%d replications, %.1fs elapsed, ~%.0fs left "), done, total, secs, eta);
    if (done == total)
        fputc('\n', stderr);
    fflush(stderr);
}

/* One replication of a scenario with uncertain keys: its parameters for
 * draw rep / 2 (the two replications of a pair share them, and differ in
 * every other random number, keyed by rep as always), an engine for them,
 * the replication, and everything freed again. */
static int replicate_drawn(const engine *proto, uint64_t seed, int rep, rep_result *out, diag *d)
{
    scenario *sc = scen_draw(engine_scenario(proto), seed, rep / 2, d);
    if (!sc)
        return d->status;
    engine *e = engine_prepare_replica(proto, sc, d);
    engine_work *w = e ? engine_work_alloc(e) : NULL;
    int status = d->status;
    if (e && !w)
        status = diag_set(d, DIAG_RUNTIME, "out of memory");
    if (w)
        status = engine_replicate(e, w, seed, rep, out, d);
    engine_work_free(w);
    engine_free(e);
    scen_free(sc);
    return status;
}

int sim_run(engine *const *engines, int nscen, const run_opts *o,
            run_result **out, diag *d)
{
    int threads = o->threads > 0 ? o->threads : omp_get_max_threads();
    int horizon = engine_horizon(engines[0]);
    /* parameter uncertainty: which scenarios are drawn, and then pairs of
     * replications share each draw (stats.c's analysis needs the pairs) */
    int drawn[BATCH_MAX_RUN] = { 0 }, any_drawn = 0;
    if (nscen > BATCH_MAX_RUN)
        return diag_set(d, DIAG_USAGE, "at most %d scenarios at once", BATCH_MAX_RUN);
    for (int k = 0; k < nscen; k++) {
        drawn[k] = !o->param_uncertainty_off && scen_uncertain_count(engine_scenario(engines[k])) > 0;
        any_drawn |= drawn[k];
    }
    /* an even number, and at least two draws: one alone has no spread */
    int reps = o->reps + (any_drawn && o->reps % 2);
    if (any_drawn && reps < 4)
        reps = 4;
    for (int k = 1; k < nscen; k++)
        if (engine_horizon(engines[k]) != horizon)
            return diag_set(d, DIAG_USAGE,
                            "scenarios to compare must share the horizon: %d days against %d",
                            engine_horizon(engines[k]), horizon);
    engine_same_path(engines, nscen);  /* paired worlds on one engine path */
    /* MPI: every rank takes replications by index (sim/dist.h) */
    int workers = dist_workers();
    if (workers > reps)
        return diag_set(d, DIAG_USAGE,
                        "%d MPI ranks but only %d replications to share among them: start at most %d "
                        "ranks (mpirun -np %d), or ask for at least %d replications (--reps %d)",
                        workers, reps, reps, reps, workers, workers);
    size_t rec = rep_record_size(horizon) * (size_t)nscen; /* one replication of every scenario */
    /* the replications simulated before they are accumulated: a block, or
     * for several scenarios on one process a few per thread (memory.h) */
    int group = mem_group_reps(threads, nscen);
    if (workers > 1) {
        double fit = GROUP_BYTES / ((double)rec * sizeof(double) * 2 * BLOCK_REPS);
        int blocks = (GROUP_REPS_PER_RANK * workers + BLOCK_REPS - 1) / BLOCK_REPS;
        if (blocks > fit)
            blocks = fit >= 1 ? (int)fit : 1;
        group = BLOCK_REPS * blocks;
    }
    /* refused before anything is allocated or written; the memory available
     * differs between machines, so the ranks agree on the verdict */
    mem_check(engines, nscen, threads, reps, o->max_memory, d);
    if (dist_agree(d))
        return d->status;

    run_result *res = calloc(1, sizeof *res);
    rep_result **block = calloc((size_t)group * nscen, sizeof *block);
    engine_work **work = calloc((size_t)threads * nscen, sizeof *work);
    double *scratch = malloc(((size_t)horizon + 1 + MET_COUNT) * sizeof(double));
    double *flat = workers > 1 ? malloc((size_t)group * rec * sizeof(double)) : NULL;
    int status = 0;
    if (!res || !block || !work || !scratch || (workers > 1 && !flat))
        goto oom;
    res->nscen = nscen;
    res->reps = reps;
    res->reps_asked = o->reps;
    res->threads = threads;
    res->scen = calloc((size_t)nscen, sizeof *res->scen);
    if (!res->scen)
        goto oom;
    for (int k = 0; k < nscen; k++) {
        scen_stats *s = &res->scen[k];
        if (stats_alloc(s, horizon, k > 0)
            || stats_pair(s, drawn[k], drawn[k] || drawn[0]))
            goto oom;
        s->uncertain_keys = scen_uncertain_count(engine_scenario(engines[k]));
        s->uncertain = drawn[k] ? 1 : s->uncertain_keys > 0 ? -1 : 0;
        s->diff_uncertain = k > 0 && (drawn[k] || drawn[0]);
    }
    for (int i = 0; i < group * nscen; i++)
        if (!(block[i] = rep_alloc(horizon)))
            goto oom;
    for (int t = 0; t < threads; t++)
        for (int k = 0; k < nscen; k++)
            if (!(work[t * nscen + k] = engine_work_alloc(engines[k])))
                goto oom;

    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    double started = start.tv_sec + start.tv_nsec * 1e-9;
    int done = 0, stop = 0;
    for (int first = 0; first < reps && !status && !stop; first += group) {
        int count = reps - first < group ? reps - first : group;
        long lo, hi;
        dist_share(count, &lo, &hi); /* this rank's replications first + [lo, hi) */
        diag thread_diag = { 0 };
        /* only while an output is open does a signal wait for us (interrupt.h) */
        if (interrupt_pending()) {
            diag_set(&thread_diag, DIAG_RUNTIME, "interrupted");
            hi = lo;
        }
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
        for (long i = lo; i < hi; i++) {
            int t = omp_get_thread_num();
            for (int k = 0; k < nscen; k++) {
                diag local = { 0 };
                if (drawn[k]) {
                    if (replicate_drawn(engines[k], o->seed, first + (int)i, block[i * nscen + k],
                                        &local)) {
#pragma omp critical(runner_error)
                        diag_set(&thread_diag, local.status, "%s", local.msg);
                    }
                } else if (engine_replicate(engines[k], work[t * nscen + k], o->seed,
                                            first + (int)i, block[i * nscen + k], &local)) {
#pragma omp critical(runner_error)
                    diag_set(&thread_diag, local.status, "%s", local.msg);
                }
                /* several scenarios: the thread holds one's customers at a
                 * time, not all of them (a sweep's peak near one run's) */
                if (nscen > 1)
                    engine_work_trim(work[t * nscen + k]);
            }
            if (o->progress && workers == 1) {
#pragma omp critical(runner_progress)
                draw_progress(++done, reps, started);
            }
        }
        /* an error on any rank stops every rank, with its message */
        if (dist_agree(&thread_diag)) {
            status = diag_set(d, thread_diag.status, "%s", thread_diag.msg);
            break;
        }
        if (workers > 1) {
            /* the results travel as values: every rank gets the whole group */
            for (long i = lo; i < hi; i++)
                for (int k = 0; k < nscen; k++)
                    rep_pack(block[i * nscen + k], flat + (size_t)i * rec + (size_t)k * (rec / nscen));
            if ((status = dist_allgather(flat, count, rec, d)))
                break;
            for (long i = 0; i < count; i++)
                if (i < lo || i >= hi)
                    for (int k = 0; k < nscen; k++)
                        rep_unpack(block[i * nscen + k], flat + (size_t)i * rec + (size_t)k * (rec / nscen));
            if (o->progress && dist_is_root())
                draw_progress(first + count, reps, started);
        }
        /* block by block, in replication order, as on one process (a group
         * smaller than a block is part of one) */
        for (int b0 = 0; b0 < count && !stop; b0 += BLOCK_REPS) {
            int bc = count - b0 < BLOCK_REPS ? count - b0 : BLOCK_REPS;
            for (int i = b0; i < b0 + bc; i++) {
                accumulate(res, &block[i * nscen], scratch);
                if (o->on_replication) {
                    const double *metric[BATCH_MAX_RUN];
                    for (int k = 0; k < nscen; k++)
                        metric[k] = block[i * nscen + k]->metric;
                    o->on_replication(o->on_replication_ctx, first + i, metric, nscen);
                }
            }
            res->reps = first + b0 + bc;
            /* --precision is judged at the end of each block of BLOCK_REPS
             * replications (and at the last), whatever the group; rank 0's
             * verdict, so that every rank stops at the same block */
            int block_end = res->reps % BLOCK_REPS == 0 || res->reps == reps;
            if (o->precision > 0 && block_end && dist_bcast_int(precise_enough(res, o->precision))) {
                res->precision_reached = 1;
                stop = 1;
                if (o->progress)
                    fprintf(stderr, "\n");
            }
        }
    }
    res->draws = any_drawn ? res->reps / 2 : 0;
    for (int i = 0; i < group * nscen; i++)
        rep_free(block[i]);
    for (int i = 0; i < threads * nscen; i++)
        engine_work_free(work[i]);
    free(block);
    free(work);
    free(scratch);
    free(flat);
    if (status) {
        run_result_free(res);
        return status;
    }
    *out = res;
    return 0;
oom:
    if (block)
        for (int i = 0; i < group * nscen; i++)
            rep_free(block[i]);
    if (work)
        for (int i = 0; i < threads * nscen; i++)
            engine_work_free(work[i]);
    free(block);
    free(work);
    free(scratch);
    free(flat);
    run_result_free(res);
    diag_set(d, DIAG_RUNTIME, "out of memory setting up %d replications", reps);
    /* the other ranks meet this in the first group's dist_agree, and stop too */
    return dist_agree(d);
}
