/* pilot_plan: before a pilot, how many customers and weeks it needs (issue
 * 12, `retsim pilot --plan FITTED.ini --lift 0.10`).  By simulation on a
 * fitted base (retsim fit's fitted.ini): pilots on a random half of a
 * random subset of the base's customers, from day 0, with the promotion
 * raising the purchase rate by the lift ([measured_effect] rate_ratio =
 * 1 + lift) and without it; each analysed with the model-free test of
 * `retsim pilot` (CUPED on purchases per customer, the covariate each
 * customer's purchase rate before, repeat purchases over age; Welch's
 * interval); a pilot detects the lift when its interval lies above 0.  The
 * power of each cell of customers x weeks is the share of pilots with the
 * effect that detect it, with its Monte Carlo error; the false-alarm rate
 * the share without it whose interval excludes 0 (about 5 %). */
#ifndef RETSIM_PILOT_PLAN_H
#define RETSIM_PILOT_PLAN_H

#include <stdint.h>

#include "../sim/diag.h"

#define PLAN_MAX 16

typedef struct plan_opts {
    const char *fitted;         /* a fitted.ini with [base] */
    double lift;                /* e.g. 0.10: 10 % more purchases */
    double power;               /* target, default 0.8 */
    int weeks[PLAN_MAX], nweeks;      /* default 4, 8, 12, 16, 26 */
    int customers[PLAN_MAX], ncustomers; /* default: an eighth, a quarter, half and all of the base */
    int pilots;                 /* simulated pilots per cell, default 200 */
    uint64_t seed;
} plan_opts;

typedef struct plan_cell {
    int customers, weeks;
    double power, power_se, false_alarm;
} plan_cell;

typedef struct plan_result {
    int base_customers;
    int ncells;
    plan_cell cell[PLAN_MAX * PLAN_MAX];
    int best[PLAN_MAX];         /* per weeks: the index of the fewest customers reaching the power, -1 none */
} plan_result;

/* Simulates; DIAG_USAGE for a scenario without [base] or a size above it. */
int pilot_plan_run(const plan_opts *o, plan_result *r, diag *d);
/* plan.csv and summary.json into dir. */
int pilot_plan_write(const char *dir, const plan_opts *o, const plan_result *r, diag *d);
void pilot_plan_print(const plan_opts *o, const plan_result *r, const char *outdir);

#endif
