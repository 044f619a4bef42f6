/* memory: what a run will need, estimated and checked before it starts.
 *
 * A scenario of a million prospects a day for ten years needs tens of
 * gigabytes; found out by running, it grows until the machine swaps or the
 * kernel kills it, after minutes.  The estimate, from the scenario alone:
 *
 *   customers      = sum over channels of prospects_per_day x conversion
 *                    x days the channel is open within the horizon
 *   per replication= customers x bytes per customer (engine_bytes_per_customer:
 *                    value and revenue kept for the end of the run; on the
 *                    calendar, a 56-byte record, the model's state (the doubles it uses),
 *                    promotion slots and pending events,
 *                    counted for every customer although a customer lost for
 *                    good gives their record back: a bound)
 *   in flight      = min(threads, reps): each thread holds one replication
 *                    of one scenario at a time (several scenarios: the
 *                    largest), and keeps its per-day arrays for each
 *   curves         = the replications held before they are accumulated
 *                    (mem_group_reps) x scenarios x curves x (horizon + 1)
 *                    doubles, plus the accumulators
 *
 * It counts organic customers only (word of mouth adds referred ones) and
 * the expected number, not its Poisson spread: it is meant to refuse a run
 * that cannot fit, in milliseconds, not to predict the peak to the byte. */
#ifndef RETSIM_MEMORY_H
#define RETSIM_MEMORY_H

#include "diag.h"
#include "engine.h"

/* The replications a run simulates before it accumulates them (sim/runner.c),
 * each holding a result of every scenario: a block of 32, the unit
 * --precision is judged on; for several scenarios (compare, sweep,
 * sensitivity) on one process, a few per thread, a power of two that
 * divides the block, so that the results held do not grow with the number
 * of scenarios beyond a block's worth. */
#define MEM_BLOCK_REPS 32
static inline int mem_group_reps(int threads, int nscen)
{
    if (nscen <= 1)
        return MEM_BLOCK_REPS;
    int g = 2;
    while (g < 2 * threads && g < MEM_BLOCK_REPS)
        g *= 2;
    while (g > 2 && g * nscen > MEM_BLOCK_REPS)
        g /= 2;
    return g;
}

typedef struct mem_estimate {
    double customers;           /* expected per replication, the largest scenario */
    double customer_bytes;      /* customers x bytes each, one replication of it */
    int in_flight;              /* replications held at once */
    double fixed_bytes;         /* curves, accumulators, per-thread arrays */
    double total;
} mem_estimate;

void mem_estimate_run(engine *const *engines, int nscen, int threads, int reps,
                      mem_estimate *m);

/* Bytes the machine can give now: MemAvailable in /proc/meminfo, else
 * sysconf's available pages; 0 when unknown. */
double mem_available(void);

/* Refuses (DIAG_USAGE) a run whose estimate exceeds limit, or when limit is
 * 0 the memory available; the message gives the estimate and the limit. */
int mem_check(engine *const *engines, int nscen, int threads, int reps, double limit,
              diag *d);

#endif
