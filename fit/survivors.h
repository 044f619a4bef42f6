/* survivors: `retsim fit --survivors`, the shifted-beta-geometric model
 * fitted to contractual cohorts (a CSV: period, then the customers still
 * subscribed in each cohort).  Data in, estimates out; the files written
 * from them are present/fit_report.h's. */
#ifndef RETSIM_SURVIVORS_H
#define RETSIM_SURVIVORS_H

#include "btyd.h"
#include "../sim/diag.h"

#define SURV_MAX_COHORTS 16
#define SURV_MAX_PERIODS 400

typedef struct surv_table {
    int cols, rows, line, field;
    char names[SURV_MAX_COHORTS + 1][64];
    double v[SURV_MAX_PERIODS][SURV_MAX_COHORTS + 1];
    int bad_line, bad_col;
    char bad_text[64];
} surv_table;

/* Reads path, checks it (a header, at least 3 periods, counts that only
 * fall) and fits every cohort: 0 with *out (free() it) and fits[c - 1]
 * for the cohort in column c, else d's status. */
int survivors_fit(const char *path, surv_table **out, sbg_fit fits[SURV_MAX_COHORTS], diag *d);

#endif
