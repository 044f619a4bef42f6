/* bench/bare_loop.c - the yardstick for `make bench` (docs/benchmarks.md).
 *
 * What it does: the random draws that retsim's engine makes for the textbook
 * case (bench/textbook.ini), in the same number and with the same GSL
 * routines, and nothing else - no event calendar, no customer records, no
 * curves, no metrics.  Per replication:
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
 * the cheapest order: no calendar is needed.  One thread.
 *
 * Two modes:
 *   plain (the default, the yardstick): one generator for everything, GSL's
 *       taus2 (fast, small state), or whatever GSL_RNG_TYPE names;
 *   keyed: the engine's common-random-numbers scheme (sim/rng.c, copied
 *       here so that this file stands alone): every draw site gets its own
 *       xoshiro256** stream keyed by (seed, replication, customer, visit,
 *       purpose) through splitmix64, four per visit (bill, experience - which
 *       draws nothing in this case -, decision, interval).  As the engine
 *       does (sim/rng.h), the key of (seed, replication) is computed once a
 *       replication, the customer's once a customer, the visit's once a
 *       visit, and each purpose's stream is seeded at its first draw (so
 *       the experience stream costs nothing); an earlier version recomputed
 *       the seed, replication and customer rounds for every stream, which
 *       overstated what the engine pays (53 ns a visit instead of 15, for
 *       exactly the same numbers).  It draws exactly the engine's numbers,
 *       so its visit count equals retsim's for the same seed; the gap
 *       between the modes is the price of the keyed streams, the gap
 *       between keyed and retsim the rest of the engine.
 *
 * Usage: bare_loop [REPS [SEED [plain|keyed]]]   (default 100, 1, plain)
 * Prints one line of KEY=VALUE pairs that bench/run.sh reads, e.g.
 *   bare_loop: generator=taus2 reps=100 customers=100018.8 visits=42454707 seconds=1.6 ...
 * (customers is the mean per replication, visits the total over all;
 * seconds is the process's CPU time, as for the other peers of bench/run.sh). */
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c11 */

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../sim/rng.h"

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
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct tally {
    double customers, visits, revenue;
} tally;

/* ---- plain: one generator --------------------------------------------------- */

static void plain_rep(gsl_rng *r, tally *n)
{
    const double scale = CYCLE_DAYS / GAMMA_SHAPE;
    for (int day = 0; day < HORIZON; day++) {
        unsigned int np = gsl_ran_poisson(r, PROSPECTS_PER_DAY);
        for (unsigned int k = 0; k < np; k++) {
            double t = day + gsl_rng_uniform(r);
            if (gsl_rng_uniform(r) >= CONVERSION)
                continue;
            double theta = gsl_ran_beta(r, BETA_A, BETA_B);
            n->customers += 1;
            for (;;) {
                n->revenue += exp(LOG_MU + LOG_SIGMA * gsl_ran_gaussian_ziggurat(r, 1.0));
                n->visits += 1;
                if (gsl_rng_uniform(r) < theta)
                    break;
                t += gsl_ran_gamma(r, GAMMA_SHAPE, scale);
                if (t >= HORIZON)
                    break;
            }
        }
    }
}

/* ---- keyed: the engine's own streams (sim/rng.c, linked in) ---------------- */

enum { ARRIVALS = RNG_ARRIVALS, CUSTOMER = RNG_CUSTOMER, VISIT = RNG_VISIT,
       EXPERIENCE = RNG_EXPERIENCE, DECISION = RNG_DECISION, INTERVAL = RNG_INTERVAL };

typedef rng_stream stream;
#define stream_init rng_stream_init

static void keyed_rep(uint64_t seed, uint64_t rep, tally *n)
{
    const double scale = CYCLE_DAYS / GAMMA_SHAPE;
    stream s, a;
    uint64_t rep_key = rng_key(rng_key_seed(seed), rep);   /* once a replication */
    for (int day = 0; day < HORIZON; day++) {
        stream_init(&a, seed, rep, (uint64_t)day, 0, ARRIVALS);
        unsigned int np = gsl_ran_poisson(&a.rng, PROSPECTS_PER_DAY);
        for (unsigned int k = 0; k < np; k++) {
            double t = day + gsl_rng_uniform(&a.rng);
            uint64_t id = rng_mix(((uint64_t)day << 40) ^ k);
            uint64_t key = rng_key(rep_key, id);            /* once a customer */
            rng_stream_from_key(&s, key, 0, CUSTOMER);
            if (gsl_rng_uniform(&s.rng) >= CONVERSION)
                continue;
            double theta = gsl_ran_beta(&s.rng, BETA_A, BETA_B);
            n->customers += 1;
            for (uint64_t visit = 1;; visit++) {
                uint64_t vkey = rng_visit_key(key, visit);  /* once a visit */
                rng_stream_from_visit(&s, vkey, VISIT);
                n->revenue += exp(LOG_MU + LOG_SIGMA * gsl_ran_gaussian_ziggurat(&s.rng, 1.0));
                n->visits += 1;
                rng_stream_from_visit(&s, vkey, EXPERIENCE); /* no draws: never seeded */
                rng_stream_from_visit(&s, vkey, DECISION);
                if (gsl_rng_uniform(&s.rng) < theta)
                    break;
                rng_stream_from_visit(&s, vkey, INTERVAL);
                t += gsl_ran_gamma(&s.rng, GAMMA_SHAPE, scale);
                if (t >= HORIZON)
                    break;
            }
        }
    }
}

int main(int argc, char **argv)
{
    long reps = argc > 1 ? strtol(argv[1], NULL, 10) : 100;
    unsigned long seed = argc > 2 ? strtoul(argv[2], NULL, 10) : 1;
    const char *mode = argc > 3 ? argv[3] : "plain";
    int keyed = !strcmp(mode, "keyed");
    if (reps < 1 || (!keyed && strcmp(mode, "plain"))) {
        fprintf(stderr, "usage: bare_loop [REPS [SEED [plain|keyed]]]\n");
        return 2;
    }
    gsl_rng *r = NULL;
    if (!keyed) {
        const gsl_rng_type *type = gsl_rng_taus2;
        if (getenv("GSL_RNG_TYPE"))
            type = gsl_rng_env_setup();
        r = gsl_rng_alloc(type);
        if (!r)
            return 1;
        gsl_rng_set(r, seed);
    }

    tally n = { 0, 0, 0 };
    double start = now();
    for (long rep = 0; rep < reps; rep++) {
        if (keyed)
            keyed_rep(seed, (uint64_t)rep, &n);
        else
            plain_rep(r, &n);
    }
    double secs = now() - start;
    printf("bare_loop: generator=%s reps=%ld customers=%.1f visits=%.0f seconds=%.3f "
           "visits_per_second=%.0f mean_bill=%.3f\n",
           keyed ? "keyed-xoshiro256**" : gsl_rng_name(r), reps, n.customers / reps,
           n.visits, secs, secs > 0 ? n.visits / secs : 0.0,
           n.visits > 0 ? n.revenue / n.visits : 0.0);
    gsl_rng_free(r);
    return 0;
}
