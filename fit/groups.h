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
 * a missing column or a customer in both groups; for more than two values
 * in the column, naming them. */
#define GROUPS_MAX_NAMED 8   /* values of a group column named in a message */

int groups_read(const char *path, const char *group_col, const translog *t, int *group, diag *d);

/* group[i] from a file of the treated customers' ids, one per line (blank
 * lines and lines starting with '#' skipped); everyone else is control.
 * DIAG_USAGE naming (some of) the ids that are not customers of the log,
 * and their count. */
int groups_read_treated(const char *path, const translog *t, int *group, diag *d);

#endif
