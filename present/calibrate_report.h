/* calibrate_report: the files and the console summary of retsim calibrate
 * (estimates.csv, moments_fit.csv/.png, identifiability.csv, summary.json,
 * calibrated.ini): docs/calibrate.md. */
#ifndef RETSIM_PRESENT_CALIBRATE_REPORT_H
#define RETSIM_PRESENT_CALIBRATE_REPORT_H

#include <stdio.h>

#include "../fit/calibrate.h"

/* Writes every file into dir (a temporary output folder); log names the
 * transaction log in calibrated.ini's [calibration]. */
int calib_write(const char *dir, const calib_problem *p, const calib_result *r, const char *log, diag *d);

/* The estimates, the test and the identifiability in plain words. */
void calib_print(FILE *f, const calib_problem *p, const calib_result *r);

#endif
