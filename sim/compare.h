/* compare: the table of a comparison (each scenario's metrics and its
 * difference from the base) and the files and verdicts made from it.  The
 * same table serves paired runs (common random numbers: differences taken
 * replication by replication) and independent ones (Welch's interval). */
#ifndef RETSIM_COMPARE_H
#define RETSIM_COMPARE_H

#include <stdio.h>

#include "batch.h"
#include "figures.h"
#include "metrics.h"
#include "runner.h"
#include "stats.h"

typedef struct compare_table {
    int nscen;
    int paired;
    int reps;
    uint64_t seed;
    stat_summary value[BATCH_MAX][MET_COUNT];
    stat_summary diff[BATCH_MAX][MET_COUNT];   /* [0] unused */
} compare_table;

/* From one paired run of every scenario. */
void compare_from_paired(compare_table *t, const run_result *res);
/* From separate runs, one per scenario (res[k]->scen[0]). */
void compare_from_independent(compare_table *t, run_result *const *res, int n);

/* The relative change of scenario k's metric m and its interval: the
 * difference and its interval over |base mean|. */
void compare_relative(const compare_table *t, int k, int m, double *rel, double *lo, double *hi);

/* compare.csv, compare.json, the overlay plots (the per-scenario outputs
 * must already be in dir/SUBDIR[k]) and, for paired runs, diff.csv with the
 * profit-difference plot. */
int compare_write(const char *dir, const batch *b, const compare_table *t,
                  const char subdirs[][160], const run_result *paired, lang_id lang,
                  diag *d);

/* One line per key metric and variant: "profit +12.3 % [+9.8 %, +14.9 %]". */
void compare_print_verdicts(FILE *f, const batch *b, const compare_table *t, lang_id lang);

#endif
