/* report: one self-contained report.html for a run, a comparison or a
 * sweep output directory: verdicts, key metrics with their confidence
 * intervals, the plots (SVG, embedded), the explanation, and the exact
 * scenario text and seed that produced them. */
#ifndef RETSIM_REPORT_H
#define RETSIM_REPORT_H

#include "diag.h"
#include "figures.h"

/* Writes dir/report.html (atomically).  DIAG_USAGE when dir is not a
 * retsim output directory. */
int report_write(const char *dir, lang_id lang, diag *d);

#endif
