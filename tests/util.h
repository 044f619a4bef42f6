/* Helpers shared by the engine and model tests. */
#ifndef RETSIM_TEST_UTIL_H
#define RETSIM_TEST_UTIL_H

#include <stdint.h>

#include "../sim/engine.h"
#include "../sim/runner.h"
#include "../sim/scenario.h"

/* Loads a scenario from INI text (written to a temp file); aborts the test
 * with the loader's message on failure. */
scenario *tu_scenario(const char *ini_text);
/* The same without asserting: NULL and d set when the text does not load. */
scenario *tu_try_scenario(const char *ini_text, diag *d);

/* Runs reps replications of one scenario with the given seed and threads. */
run_result *tu_run(const scenario *sc, int reps, uint64_t seed, int threads);

/* 1: tu_run and tu_per_replication put every engine on the event calendar
 * (engine_use_calendar).  For a test that compares, bit for bit, a world
 * without modules (which the engine would simulate customer by customer)
 * with one that needs the calendar: the two paths' money sums differ in
 * their last bits, as retsim compare avoids with engine_same_path.  Each
 * Criterion test runs in its own process, so setting it affects one test. */
extern int tu_calendar;

/* Mean and standard error of the mean of scalar metric m. */
void tu_metric(const run_result *r, int m, double *mean, double *se);
/* The same for point t of curve c. */
void tu_curve(const run_result *r, int c, int t, double *mean, double *se);

/* Every metric of each of reps replications, run one after another on this
 * thread: reps x MET_COUNT values, freed by the caller.  With
 * require_customers, a replication without a customer fails the test. */
double *tu_per_replication(const scenario *sc, int reps, uint64_t seed, int require_customers);

/* A scenario file, loaded with no overrides; aborts the test on failure. */
scenario *tu_load(const char *path);

/* 1 when every curve and every metric but `except` of the first scenario
 * of two results are the same, bit for bit (means and sds; with except -1,
 * every metric's whole accumulator too). */
int tu_same_result_but(const run_result *x, const run_result *y, int except);

/* The paired difference variant - base of metric m over reps replications
 * run on the same seed (common random numbers): its mean and standard
 * error. */
void tu_paired(const scenario *base, const scenario *variant, int m, int reps, uint64_t seed,
               double *mean, double *se);

/* The retsim binary under test ($RETSIM_BIN, default ./retsim). */
const char *tu_bin(void);
/* system(cmd)'s exit status, or -1 when it did not exit normally. */
int tu_system(const char *cmd);

#endif
