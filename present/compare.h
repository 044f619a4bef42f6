/* compare: the table of a comparison (each scenario's metrics and its
 * difference from the base) and the files and verdicts made from it.  The
 * same table serves paired runs (common random numbers: differences taken
 * replication by replication) and independent ones (Welch's interval). */
#ifndef RETSIM_COMPARE_H
#define RETSIM_COMPARE_H

#include <stdio.h>

#include "../sim/batch.h"
#include "figures.h"
#include "../sim/metrics.h"
#include "../sim/runner.h"
#include "../sim/stats.h"

typedef struct compare_table {
    int nscen;
    int paired;
    int reps;
    uint64_t seed;
    stat_summary value[BATCH_MAX][MET_COUNT];
    stat_summary diff[BATCH_MAX][MET_COUNT];   /* [0] unused */
    double material;     /* --material: every metric's threshold; 0 = metric_table's */
    /* parameter uncertainty (sim/runner.h): 1 when some scenario was drawn
     * (compare.csv and compare.json then add param_share and mc_halfwidth),
     * -1 when some has uncertain keys but --param-uncertainty off, else 0 */
    int param_uncertainty;
    int draws;           /* parameter draws, each shared by a pair of replications */
} compare_table;

/* A verdict on one metric of one variant.  "up" or "down" only when the 95 %
 * interval of the difference excludes 0 AND the change is material: at
 * least metric_material() of the base's mean (shares: at least that many
 * percentage points / 100).  Otherwise "no material change", the interval
 * still shown beside it.  NA when the difference is undefined. */
typedef enum { VERDICT_NA, VERDICT_UP, VERDICT_DOWN, VERDICT_NONE } compare_verdict_id;

/* The rule itself, from the base's mean and the difference (for callers
 * holding the numbers without a table, e.g. the report reading an old
 * compare.json); material_override as for metric_material. */
compare_verdict_id compare_verdict_rule(int m, double base_mean, const stat_summary *diff,
                                        double material_override);
/* The verdict of scenario k's metric m in t. */
compare_verdict_id compare_verdict(const compare_table *t, int k, int m);
/* "up", "down", "no material change", "n/a" (or their Chinese). */
const char *compare_verdict_word(compare_verdict_id v, lang_id lang);
/* The English word of compare.json and compare.csv; NULL for VERDICT_NA. */
const char *compare_verdict_key(compare_verdict_id v);
/* Parses a compare.json "verdict"; VERDICT_NA when text is none of them. */
compare_verdict_id compare_verdict_parse(const char *text);
/* "1 % of the base" / "0.5 pp" for metric m under the override. */
void compare_material_text(char *buf, size_t cap, int m, double material_override, lang_id lang);
/* --material X%: a percentage strictly between 0 and 100, the % sign
 * required (a bare 1 could mean 1 % or 100 %); *out = X / 100.  Here, not
 * in cli/, because a lesson file's material key is read the same way. */
int compare_parse_material(const char *text, double *out, diag *d);

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

/* One line per key metric and variant: "profit +12.3 % [+9.8 %, +14.9 %] up". */
void compare_print_verdicts(FILE *f, const batch *b, const compare_table *t, lang_id lang);

#endif
