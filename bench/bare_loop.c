/* bench/bare_loop.c - the yardstick for `make bench` (docs/benchmarks.md).
 *
 * What it does: the random draws that retsim's engine makes for the textbook
 * case (bench/textbook.ini), in the same number and with the same GSL
 * routines, and nothing else - no event calendar, no customer records, no
 * curves, no metrics, no per-draw stream derivation.  Per replication:
 *
 *   per day (730):   a Poisson(137) number of prospects
 *   per prospect:    a uniform arrival time within the day, a uniform for
 *                    conversion (always passed: step_conversion = 1) and a
 *                    Beta(0.704, 1.182) churn chance theta (gsl_ran_beta)
 *   per visit:       a lognormal bill, exp(5 + 0.5 z) with z from
 *                    gsl_ran_gaussian_ziggurat (as the engine draws it);
 *                    a uniform for the return decision (stays if >= theta);
 *                    if the customer stays, a Gamma(shape 4, scale 7.5)
 *                    interval (gsl_ran_gamma); visits continue while the
 *                    next visit falls before day 730
 *
 * so the number of customers and the draws per visit match the engine's,
 * and what is left over in the engine's time is the model's own logic.  The
 * customers are simulated one after another (each to the horizon), which is
 * the cheapest order: no calendar is needed.  One thread, one generator:
 * GSL's taus2 (fast, small state) unless GSL_RNG_TYPE names another.
 *
 * Usage: bare_loop [REPS [SEED]]   (default 100 replications, seed 1)
 * Prints one line of KEY=VALUE pairs that bench/run.sh reads, e.g.
 *   bare_loop: reps=100 customers=100010.1 visits=42345400 seconds=5.2 visits_per_second=8.1e6
 * (customers is the mean per replication, visits the total over all). */
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c11 */

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define HORIZON 730
#define PROSPECTS_PER_DAY 137.0
#define CONVERSION 1.0
#define BETA_A 0.704
#define BETA_B 1.182
#define GAMMA_SHAPE 4.0
#define CYCLE_DAYS 30.0
#define LOG_MU 5.0
#define LOG_SIGMA 0.5

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    long reps = argc > 1 ? strtol(argv[1], NULL, 10) : 100;
    unsigned long seed = argc > 2 ? strtoul(argv[2], NULL, 10) : 1;
    if (reps < 1) {
        fprintf(stderr, "usage: bare_loop [REPS [SEED]]\n");
        return 2;
    }
    const gsl_rng_type *type = gsl_rng_taus2;
    if (getenv("GSL_RNG_TYPE"))
        type = gsl_rng_env_setup();
    gsl_rng *r = gsl_rng_alloc(type);
    if (!r)
        return 1;
    gsl_rng_set(r, seed);

    const double scale = CYCLE_DAYS / GAMMA_SHAPE;
    double customers = 0, visits = 0, revenue = 0;
    double start = now();
    for (long rep = 0; rep < reps; rep++) {
        for (int day = 0; day < HORIZON; day++) {
            unsigned int n = gsl_ran_poisson(r, PROSPECTS_PER_DAY);
            for (unsigned int k = 0; k < n; k++) {
                double t = day + gsl_rng_uniform(r);
                if (gsl_rng_uniform(r) >= CONVERSION)
                    continue;
                double theta = gsl_ran_beta(r, BETA_A, BETA_B);
                customers += 1;
                for (;;) {
                    revenue += exp(LOG_MU + LOG_SIGMA * gsl_ran_gaussian_ziggurat(r, 1.0));
                    visits += 1;
                    if (gsl_rng_uniform(r) < theta)
                        break;
                    t += gsl_ran_gamma(r, GAMMA_SHAPE, scale);
                    if (t >= HORIZON)
                        break;
                }
            }
        }
    }
    double secs = now() - start;
    printf("bare_loop: generator=%s reps=%ld customers=%.1f visits=%.0f seconds=%.3f "
           "visits_per_second=%.0f mean_bill=%.3f\n",
           gsl_rng_name(r), reps, customers / reps, visits, secs,
           secs > 0 ? visits / secs : 0.0, visits > 0 ? revenue / visits : 0.0);
    gsl_rng_free(r);
    return 0;
}
