/* report: one self-contained report.html for a run, a comparison or a
 * sweep output directory: verdicts, key metrics with their confidence
 * intervals, the plots (SVG, embedded), the explanation, and the exact
 * scenario text and seed that produced them. */
#ifndef RETSIM_REPORT_H
#define RETSIM_REPORT_H

#include "../sim/diag.h"
#include "figures.h"

/* Writes dir/report.html, or dir/report.zh.html in Chinese (one language
 * does not overwrite the other), atomically.  DIAG_USAGE when dir is not a
 * retsim output directory. */
int report_write(const char *dir, lang_id lang, diag *d);

/* "report.html" or "report.zh.html": the page report_write writes. */
const char *report_file_name(lang_id lang);

#endif
