/* rollout: a pilot's measured effect turned into a decision (issue 12).
 *
 * The whole customer base of the pilot's log is fitted as it stands on the
 * pilot's last day (present/fit_forward.c: customers_base.csv, fitted.ini
 * with [base] and the parameters' draws), the model's parameters from the
 * control group alone (the treated customers' histories since the start
 * carry the promotion); rollout.ini is that baseline plus [measured_effect]
 * (models/promo_measured_effect.c) with each estimated lever as an
 * uncertain value, lognormal(log ratio, its standard error), and the
 * promotion's cost.  The two run paired (sim/runner.c: common random
 * numbers, one draw of every uncertain value per pair of replications), and
 * the paired difference in profit gives the incremental profit with its
 * interval (of the expected value at the true effect and parameters, which
 * the pilot and the log leave uncertain: sim/stats.c), the break-even cost
 * per use, and the chance that the rollout loses money: that the expected
 * incremental profit is below 0, under the interval's own law, so that an
 * interval ending at 0 states 2.5 % (docs/pilot.md, "Rollout and
 * decision"). */
#ifndef RETSIM_ROLLOUT_H
#define RETSIM_ROLLOUT_H

#include <stdint.h>

#include "../fit/pilot.h"
#include "../fit/pilot_levers.h"
#include "../fit/translog.h"
#include "../sim/diag.h"
#include "../sim/lang.h"
#include "../sim/stats.h"
#include "compare.h"

typedef struct rollout_opts {
    int horizon_days;                 /* default 365 */
    int reps;                         /* replications, default 200 */
    uint64_t seed;                    /* default 1 */
    int threads;                      /* 0: OpenMP's default */
    double cost_per_use;              /* at each visit of a customer under the promotion */
    double cost_per_customer_month;   /* per customer on the books per month */
    int cost_given;                   /* 1 when either cost was given */
    double gross_margin;              /* default 0.6, as fitted.ini writes */
    int margin_given;
    double material;                  /* --material; 0: the metric table's */
} rollout_opts;

/* The defaults above. */
void rollout_opts_default(rollout_opts *o);

/* 1 when a lever estimated as log_ratio with standard error se can be run
 * as lognormal(log_ratio, se): its draws (all but 1e-9 of them, the range
 * the scenario loader checks) stay within the [measured_effect] ratios'
 * allowed 0 to 100.  A pilot that barely moves a lever (dropout, on a short
 * pilot) can give an interval of x 1e-4 to x 1e4; such a lever is held at 1
 * and the rollout says so, rather than failing on its own rollout.ini. */
int rollout_lever_usable(double log_ratio, double se);

typedef struct rollout_result {
    pilot_levers lev;                 /* as run: a lever too uncertain to use is not estimated here */
    int too_wide[LEVER_COUNT];        /* 1: the pilot estimated it, but too loosely (rollout_lever_usable) */
    double wide_log_ratio[LEVER_COUNT], wide_se[LEVER_COUNT];   /* that estimate, for the messages */
    int joint;                        /* 1: rate and dropout drawn jointly from rollout_draws.csv */
    char model[32];                   /* the base's purchase model */
    int customers;                    /* customers in the base */
    int horizon_days, reps, draws;
    double months;                    /* horizon_days / (365.25 / 12) */
    double cost_per_use, cost_per_customer_month, gross_margin;
    int cost_given, margin_given;
    stat_summary base_profit;         /* profit without the rollout */
    stat_summary dprofit;             /* incremental profit over the horizon (paired) */
    stat_summary dvisits;             /* incremental visits */
    stat_summary breakeven;           /* break-even cost per use (mean over draws, t interval) */
    double p_loss;                    /* chance that the expected incremental profit is below 0 */
    double share_draws_losing;        /* share of parameter draws whose pair lost money */
    double share_draws_losing_se;     /* its Monte Carlo standard error */
    compare_verdict_id verdict;       /* compare_verdict_rule on profit */
    double material;
} rollout_result;

/* Fits the base of t as it stands on r->end into dir, writes rollout.ini,
 * runs the paired comparison and writes rollout.csv and a "rollout" object
 * into dir/summary.json (which pilot_report_write wrote before).  log is
 * the file name for comments.  Returns 0 or a DIAG_ status. */
int rollout_run(const char *dir, const char *log, const translog *t, const int *group,
                const pilot_result *r, const pilot_levers *lev, const rollout_opts *o,
                rollout_result *out, diag *d);

/* 1 when the rollout draws the rate and dropout ratios jointly (both
 * estimated, with a covariance): rollout.ini then takes them, with the
 * base's parameters, from rollout_draws.csv. */
int rollout_draws_jointly(const pilot_levers *lev);

/* The verdict line, e.g. "roll out: +38,000 yuan over 365 days [+12,000,
 * +61,000]; 3 % chance it loses money". */
void rollout_verdict_line(const rollout_result *r, lang_id lang, char *buf, size_t cap);

/* The console summary. */
void rollout_print(const rollout_result *r);

#endif
