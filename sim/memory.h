/* memory: what a run will need, estimated and checked before it starts.
 *
 * A scenario of a million prospects a day for ten years needs tens of
 * gigabytes; found out by running, it grows until the machine swaps or the
 * kernel kills it, after minutes.  The estimate, from the scenario alone:
 *
 *   customers      = sum over channels of prospects_per_day x conversion
 *                    x days the channel is open within the horizon
 *   per replication= customers x bytes per customer (record, promotion
 *                    slots, sort key, one calendar event)
 *   in flight      = min(threads, reps): each thread holds one replication
 *                    of every scenario compared, and keeps its arrays
 *   curves         = block of 32 replications x scenarios x curves x
 *                    (horizon + 1) doubles, plus the accumulators
 *
 * It counts organic customers only (word of mouth adds referred ones) and
 * the expected number, not its Poisson spread: it is meant to refuse a run
 * that cannot fit, in milliseconds, not to predict the peak to the byte. */
#ifndef RETSIM_MEMORY_H
#define RETSIM_MEMORY_H

#include "diag.h"
#include "engine.h"

typedef struct mem_estimate {
    double customers;           /* expected per replication, all scenarios */
    double customer_bytes;      /* customers x bytes each, one replication of each scenario */
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
