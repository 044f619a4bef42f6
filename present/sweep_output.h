/* sweep_output: what `retsim sweep` writes and prints, from the paired run
 * of one scenario at every value of one key. */
#ifndef RETSIM_SWEEP_OUTPUT_H
#define RETSIM_SWEEP_OUTPUT_H

#include <stdint.h>

#include "../sim/diag.h"
#include "../sim/lang.h"
#include "../sim/runner.h"
#include "../sim/scenario.h"

/* scenario.ini (sc, the first value's), sweep.csv, sweep.json, sweep.png
 * and sweep_retention.png into dir; key and values[n] as swept. */
int sweep_write(const char *dir, const char *key, const double *values, int n,
                const run_result *res, const scenario *sc, uint64_t seed, diag *d);
/* Profit and the longest retention the horizon supports, value by value,
 * on stdout, naming outdir. */
void sweep_print(const char *key, const double *values, int n, const run_result *res,
                 const scenario *sc, const char *outdir, lang_id lang);

#endif
