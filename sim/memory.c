#include "memory.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "input.h"
#include "metrics.h"
#include "stats.h"

void mem_estimate_run(engine *const *engines, int nscen, int threads, int reps,
                      mem_estimate *m)
{
    memset(m, 0, sizeof *m);
    m->in_flight = threads < reps ? threads : reps;
    double points = 0, largest = 0;
    for (int k = 0; k < nscen; k++) {
        double n = engine_expected_customers(engines[k]);
        double bytes = n * (double)engine_bytes_per_customer(engines[k]);
        /* a thread runs the scenarios of a replication one after another,
         * and frees each one's customers before the next (engine_work_trim):
         * the largest is what it holds at once */
        if (bytes > largest) {
            largest = bytes;
            m->customers = n;
        }
        m->fixed_bytes += (double)m->in_flight * (double)engine_bytes_per_work(engines[k]);
        points += engine_horizon(engines[k]) + 1;
    }
    m->customer_bytes = largest;
    /* each stat_vec point: mean, m2 and a count; paired curves double it;
     * and the results of the replications held before they are
     * accumulated (mem_group_reps of every scenario) */
    double curve_point = CUR_COUNT * (mem_group_reps(threads, nscen) * sizeof(double)
                                      + 2 * (2 * sizeof(double) + sizeof(long)));
    m->fixed_bytes += points * curve_point;
    m->total = (double)m->in_flight * m->customer_bytes + m->fixed_bytes;
}

double mem_available(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (f) {
        char line[256];
        unsigned long long kb;
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) {
                fclose(f);
                return (double)kb * 1024.0;
            }
        fclose(f);
    }
    long pages = sysconf(_SC_AVPHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    return pages > 0 && size > 0 ? (double)pages * (double)size : 0;
}

int mem_check(engine *const *engines, int nscen, int threads, int reps, double limit,
              diag *d)
{
    mem_estimate m;
    mem_estimate_run(engines, nscen, threads, reps, &m);
    const char *what = "--max-memory";
    if (limit <= 0) {
        limit = mem_available();
        what = "the memory available now (MemAvailable)";
        if (limit <= 0)
            return 0; /* unknown: nothing to compare against */
    }
    if (m.total <= limit)
        return 0;
    char need[32], lim[32], per[32], fixed[32];
    input_format_size(m.total, need, sizeof need);
    input_format_size(limit, lim, sizeof lim);
    input_format_size(m.customer_bytes, per, sizeof per);
    input_format_size(m.fixed_bytes, fixed, sizeof fixed);
    return diag_set(d, DIAG_USAGE,
                    "this run needs about %s of memory, more than %s, %s: %.3g customers a "
                    "replication (%s) x %d replications in flight, plus %s of curves; lower "
                    "prospects_per_day or horizon_days, use fewer --threads, or set "
                    "--max-memory SIZE", need, what, lim, m.customers, per, m.in_flight, fixed);
}
