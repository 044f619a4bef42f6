/* sensitivity_output: what `retsim sensitivity` writes and prints, from
 * the parameters the command moved down and up and the paired runs. */
#ifndef RETSIM_SENSITIVITY_OUTPUT_H
#define RETSIM_SENSITIVITY_OUTPUT_H

#include "../sim/diag.h"
#include "../sim/runner.h"
#include "../sim/stats.h"

#define TORNADO_ROWS 15 /* the tornado's bars: the largest swings in profit */

/* One parameter moved down and up by delta, and what that did. */
typedef struct sens_param {
    char name[200];          /* section[.label].key */
    char label[512];           /* name with the move, for the console */
    char bar[300];           /* the tornado's shorter bar name: the move only when not +/- delta */
    char note[400];          /* why a side was left out; "" when both ran */
    char moved[200];         /* how the key moved: "\u00b110 %", "5-95 % of beta(2, 18)" */
    int range;               /* 1: an uncertain key run at its distribution's 5 % and 95 %
                                quantiles, the others at their point values; low, high are
                                those quantiles, the changes are from the point-valued base
                                and swing is the profit at 95 % minus at 5 %, in size */
    double base, low, high;  /* low, high NAN when that side is impossible */
    int low_index, high_index;   /* batch index, or -1 when that side is impossible */
    double swing;
    stat_summary profit_low, profit_high, metric_low, metric_high;
} sens_param;

/* sensitivity.csv (p[n]: the moved rows ranked, then the range rows
 * ranked), tornado.csv and tornado.png into dir; metric names the second
 * metric's columns.  Without range rows every file is what it was before
 * they existed, byte for byte; with them sensitivity.csv gains a column
 * `moved` and the tornado shows them first. */
int sensitivity_write(const char *dir, const char *name, const char *currency,
                      const sens_param *p, int n, const char *metric, double delta, diag *d);
/* The base profit and the ten largest swings on stdout, naming outdir;
 * then, when p holds range rows, their ranking against the point-valued
 * base of ranges (its run). */
void sensitivity_print(const char *name, const run_result *res, const sens_param *p, int n,
                       double delta, const run_result *ranges, const char *outdir);

#endif
