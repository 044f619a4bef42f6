/* csvcols: the columns of a written CSV file found by their header names,
 * so that what retsim reads back (to plot it, to report on it) is chosen
 * by what a column means, not by where it happens to stand. */
#ifndef RETSIM_CSVCOLS_H
#define RETSIM_CSVCOLS_H

#include "../sim/diag.h"

/* Sets cols[i] to the 1-based column of dir/file whose header is names[i],
 * for i < n (names[i] NULL: cols[i] = 0).  Returns 0, or DIAG_RUNTIME with
 * d set when the file cannot be read or has no column of that name (the
 * message names the file and the column). */
int csvcols_find(const char *dir, const char *file, const char *const *names, int *cols, int n,
                 diag *d);

#endif
