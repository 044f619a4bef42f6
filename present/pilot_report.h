/* pilot_report: the files and the console summary of `retsim pilot`
 * (fit/pilot.h computes, this writes): balance.csv, effect.csv,
 * pilot_weekly.csv/.png, summary.json. */
#ifndef RETSIM_PILOT_REPORT_H
#define RETSIM_PILOT_REPORT_H

#include "../fit/pilot.h"
#include "../sim/diag.h"

/* Into dir (an outdir_txn's temporary folder); log is the file read. */
int pilot_report_write(const char *dir, const char *log, const char *group_col,
                       const pilot_result *r, diag *d);
/* The console summary; outdir as the user will find it. */
void pilot_report_print(const pilot_result *r, const char *outdir);

#endif
