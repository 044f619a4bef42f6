/* sensitivity_ranges: the rows of `retsim sensitivity` for the keys that
 * hold a distribution (issue 11: "an effect size nobody has measured is an
 * honest range, and sensitivity ranks which of these ranges matters
 * most").  A fixed move of +/- delta would replace the distribution by a
 * number; the range it states is the move to rank instead, so each such
 * key runs at its 5 % and 95 % quantiles with every other key at its point
 * value, on the same customers as a point-valued base. */
#ifndef RETSIM_SENSITIVITY_RANGES_H
#define RETSIM_SENSITIVITY_RANGES_H

#include "../present/sensitivity_output.h"
#include "../sim/diag.h"
#include "../sim/runner.h"
#include "../sim/scenario.h"

#define SENS_RANGE_LOW 0.05
#define SENS_RANGE_HIGH 0.95

/* Fills r[0..*nr) (at most max) with a row per uncertain key of sc (loaded
 * from path with sets), ranked by swing, after one paired run of the
 * point-valued base and each key at both quantiles: o's seed, reps and
 * threads with --param-uncertainty off (the base of these rows is then the
 * scenario written with its means, the same for any --param-uncertainty).
 * metric is the second metric's index.  *res receives that run (NULL when
 * sc has no uncertain key), for the caller to print its base and free.
 * A side that breaks a rule between keys is left out with a note, a key
 * with neither side with a message on stderr.  Returns a DIAG_ status. */
int sensitivity_ranges(const scenario *sc, const char *path, const char *const *sets, int nsets,
                       const run_opts *o, int metric, sens_param *r, int max, int *nr,
                       run_result **res, diag *d);

#endif
