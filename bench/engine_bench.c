/* bench/engine_bench.c - the engine alone, for `make bench` (docs/benchmarks.md).
 *
 * Runs engine_replicate on a scenario for REPS replications on THREADS
 * threads (OpenMP, one engine_work each, replications handed out in
 * order), with no output files and no plots, and prints one line of
 * KEY=VALUE pairs that bench/run.sh reads:
 *
 *   path        independent (customer after customer, no calendar) or
 *               calendar: which path the engine chose (or was told to take)
 *   customers   new customers per replication, mean
 *   visits      visits in all replications
 *   cpu_seconds the process's CPU time in the replications (all threads)
 *   wall_seconds
 *   ns_per_visit CPU nanoseconds per visit
 *   peak_kb_per_1k_customers  growth of the peak resident memory during the
 *               replications, per 1,000 customers won in a replication
 *               (meaningful on one thread, with customers in the 10^5 and more)
 *   checksum    a hash of every replication's metrics, bit for bit, in
 *               replication order: equal for any thread count
 *   records     customer records in use at the peak of a replication, the
 *               largest over the replications (engine_work_records: the
 *               customers still active on the calendar; 0 customer by customer)
 *   kb_per_1k_records  the peak growth per 1,000 of those records (one
 *               thread): the bytes each customer still active costs
 *   bytes_per_record  what the engine holds for them at the peak
 *               (engine_work_bytes_in_use: the records in use and the
 *               calendar's room), per record in use, the replication with
 *               the most records; on top, 16 bytes per customer won
 *
 * Usage: engine_bench SCENARIO REPS THREADS [calendar|auto] [SECTION.KEY=VALUE ...]
 * (the overrides are retsim's --set). */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "../models/registry.h"
#include "../sim/engine.h"
#include "../sim/metrics.h"
#include "../sim/rng.h"
#include "../sim/scenario.h"

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static long peak_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static uint64_t hash_doubles(uint64_t h, const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t b;
        memcpy(&b, &x[i], sizeof b);
        h = rng_mix(h ^ b);
    }
    return h;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: engine_bench SCENARIO REPS THREADS [calendar|auto] [S.K=V ...]\n");
        return 2;
    }
    int reps = atoi(argv[2]), threads = atoi(argv[3]);
    int calendar = argc > 4 && !strcmp(argv[4], "calendar");
    int first_set = argc > 4 && (!strcmp(argv[4], "calendar") || !strcmp(argv[4], "auto")) ? 5 : 4;
    diag d = { 0 };
    if (reps < 1 || threads < 1 || sim_use_plugins(&retsim_builtin_plugins, &d)) {
        fprintf(stderr, "engine_bench: bad arguments %s\n", d.msg);
        return 2;
    }
    scenario *sc = scen_load(argv[1], (const char *const *)argv + first_set, argc - first_set, &d);
    engine *e = sc ? engine_prepare(sc, &d) : NULL;
    if (!e) {
        fprintf(stderr, "engine_bench: %s\n", d.msg);
        return 2;
    }
    engine_use_calendar(e, calendar);
    int H = engine_horizon(e);
    uint64_t *sums = calloc((size_t)reps, sizeof *sums);
    double *cust = calloc((size_t)reps, sizeof *cust), *vis = calloc((size_t)reps, sizeof *vis);
    int fail = 0;
    size_t records = 0, records_bytes = 0;
    long kb0 = peak_kb();
    double c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID), w0 = clock_s(CLOCK_MONOTONIC);
#pragma omp parallel num_threads(threads)
    {
        engine_work *w = engine_work_alloc(e);
        rep_result *r = rep_alloc(H);
        diag dd = { 0 };
#pragma omp for schedule(dynamic, 1)
        for (int i = 0; i < reps; i++) {
            if (!w || !r || engine_replicate(e, w, 1, i, r, &dd)) {
#pragma omp atomic write
                fail = 1;
                continue;
            }
            uint64_t h = hash_doubles(0, r->metric, MET_COUNT);
            for (int k = 0; k < CUR_COUNT; k++)
                h = hash_doubles(h, r->curve[k], (size_t)H + 1);
            h = hash_doubles(h, r->clv_quantile, CLV_QUANTILES);
            sums[i] = h;
            size_t in_use = engine_work_records(w), bytes = engine_work_bytes_in_use(w);
#pragma omp critical(engine_bench_records)
            if (in_use > records) {
                records = in_use;
                records_bytes = bytes;
            }
            cust[i] = r->metric[MET_NEW_CUSTOMERS];
            vis[i] = r->metric[MET_VISITS];
        }
        rep_free(r);
        engine_work_free(w);
    }
    double cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0, wall = clock_s(CLOCK_MONOTONIC) - w0;
    long kb1 = peak_kb();
    if (fail) {
        fprintf(stderr, "engine_bench: a replication failed\n");
        return 1;
    }
    uint64_t h = 0;
    double customers = 0, visits = 0;
    for (int i = 0; i < reps; i++) {
        h = rng_mix(h ^ sums[i]);
        customers += cust[i];
        visits += vis[i];
    }
    /* what the engine chose: engine_bytes_per_customer is 16 on the
     * customer-by-customer path */
    const char *path = calendar ? "calendar"
                       : engine_bytes_per_customer(e) == 2 * sizeof(double) ? "independent" : "calendar";
    printf("engine_bench: path=%s reps=%d threads=%d customers=%.1f visits=%.0f cpu_seconds=%.3f "
           "wall_seconds=%.3f ns_per_visit=%.1f visits_per_second=%.0f "
           "peak_kb_per_1k_customers=%.1f checksum=%016" PRIx64 " records=%zu kb_per_1k_records=%.1f "
           "bytes_per_record=%.1f\n",
           path, reps, threads, customers / reps, visits, cpu, wall, 1e9 * cpu / visits,
           visits / cpu, customers > 0 ? 1000.0 * (double)(kb1 - kb0) / (customers / reps) : 0.0, h,
           records, records > 0 ? 1000.0 * (double)(kb1 - kb0) / (double)records : 0.0,
           records > 0 ? (double)records_bytes / (double)records : 0.0);
    free(sums);
    free(cust);
    free(vis);
    engine_free(e);
    scen_free(sc);
    return 0;
}
