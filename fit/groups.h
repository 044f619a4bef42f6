/* groups: the pilot group of each customer of a transaction log, read from
 * a column of the same file that translog does not read (issue 12). */
#ifndef RETSIM_FIT_GROUPS_H
#define RETSIM_FIT_GROUPS_H

#include "../sim/diag.h"
#include "translog.h"

/* group[i] (PILOT_C = 0 control, PILOT_T = 1 treatment, fit/pilot.h) for
 * translog customer i, from column group_col of path (header names
 * compared as translog compares them: case, spaces, '-' and '.' ignored;
 * the customer column is the one translog used, t->columns[0]).  Accepted
 * values, case ignored: treatment/control, treated/control, t/c, 1/0.
 * DIAG_USAGE, naming the file, the line and the value, for another value,
 * a missing column or a customer in both groups. */
int groups_read(const char *path, const char *group_col, const translog *t, int *group, diag *d);

#endif
