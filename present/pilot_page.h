/* pilot_page: the report page of `retsim pilot --rollout` (issue 12), the
 * whole chain on one self-contained page: the pilot's groups, their balance
 * before the start, the measured effect (weekly curves with bands, the
 * differences, the levers), the rollout on the fitted base and the verdict.
 * Written in English (report.html) and Chinese (report.zh.html) side by
 * side, as `retsim report --lang` names them. */
#ifndef RETSIM_PILOT_PAGE_H
#define RETSIM_PILOT_PAGE_H

#include "../fit/pilot.h"
#include "../sim/diag.h"
#include "../sim/lang.h"
#include "rollout.h"

/* Both pages into dir (an outdir_txn's temporary folder); log is the file read. */
int pilot_page_write(const char *dir, const char *log, const pilot_result *r, const rollout_result *ro, diag *d);
/* "report.html" or "report.zh.html" */
const char *pilot_page_file_name(lang_id lang);

#endif
