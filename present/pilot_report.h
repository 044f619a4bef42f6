/* pilot_report: the files and the console summary of `retsim pilot`
 * (fit/pilot.h computes, this writes): balance.csv, effect.csv,
 * pilot_weekly.csv/.png, summary.json, and the levers (fit/pilot_model.h)
 * in levers.csv, the hand-over to the rollout. */
#ifndef RETSIM_PILOT_REPORT_H
#define RETSIM_PILOT_REPORT_H

#include "../fit/pilot.h"
#include "../fit/pilot_model.h"
#include "../sim/diag.h"

/* Into dir (an outdir_txn's temporary folder); log is the file read. */
int pilot_report_write(const char *dir, const char *log, const char *group_col,
                       const pilot_result *r, const pilot_model *m, diag *d);
/* The console summary; outdir as the user will find it. */
void pilot_report_print(const pilot_result *r, const pilot_model *m, const char *outdir);
/* 1 when the pilot is shorter than the customers' median days between
 * purchases (too short to see a repeat) */
int pilot_too_short(const pilot_result *r, const pilot_model *m);

#endif
