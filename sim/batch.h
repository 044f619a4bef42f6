/* batch: several scenarios loaded and prepared together, for the commands
 * that compare (compare, sweep, sensitivity).  Every scenario is loaded and
 * validated before anything runs, so a bad one costs no simulation time and
 * touches no output. */
#ifndef RETSIM_BATCH_H
#define RETSIM_BATCH_H

#include <stdio.h>

#include "diag.h"
#include "engine.h"
#include "scenario.h"

#define BATCH_MAX 512

typedef struct batch {
    int n;
    scenario *sc[BATCH_MAX];
    engine *e[BATCH_MAX];
} batch;

/* Loads path with the overrides (and one more, extra, when not NULL) and
 * prepares its engine. */
int batch_add(batch *b, const char *path, const char *const *sets, int nsets, const char *extra,
              diag *d);
void batch_free(batch *b);

/* Writes to f one "retsim: warning: FILE: ..." line per scenario whose
 * customer model advises against its parameters (model_type.advise), e.g.
 * every first visit beyond the response curve.  Not an error: the run goes on. */
void batch_advise(const batch *b, FILE *f);
/* The note of scenario i's [calibration] (sim/calibration.h): which keys
 * were estimated and which are still assumptions; nothing without one.
 * batch_advise writes it too. */
void batch_note(const batch *b, int i, FILE *f);

/* A name safe for file names: letters, digits, '-' and '_'. */
void batch_safe_name(const char *name, char *out, size_t cap);

#endif
