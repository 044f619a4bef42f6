/* pilot: the model-free estimate of a promotion tried on part of the
 * customers (issue 12): balance of the groups before the start, purchases
 * and revenue per customer after it, the difference treatment - control with
 * a Welch interval, and the same adjusted for each customer's own earlier
 * purchases (CUPED: Deng, Xu, Kohavi and Walker 2013, "Improving the
 * sensitivity of online controlled experiments by utilizing pre-experiment
 * data", WSDM).  Data in (a transaction log and each customer's group),
 * estimates out; nothing is written here. */
#ifndef RETSIM_FIT_PILOT_H
#define RETSIM_FIT_PILOT_H

#include "../sim/diag.h"
#include "translog.h"

enum { PILOT_C = 0, PILOT_T = 1 };   /* index of the control and treatment group */

#define PILOT_NBAL 3   /* purchases, spend, days since the last purchase */

typedef struct pilot_balance {
    const char *variable;
    double mean[2], sd[2];
    double smd;            /* (mean_t - mean_c) / sqrt((var_t + var_c) / 2) */
} pilot_balance;

typedef struct pilot_effect {
    const char *metric;    /* "purchases" or "revenue" (per customer) */
    const char *method;    /* "raw" or "cuped" */
    double mean[2];        /* per customer (CUPED: the adjusted mean) */
    double se_mean[2];     /* the standard error of each group's mean */
    double diff, se, df, ci_low, ci_high;
    double relative;       /* diff / the control group's raw mean (NaN when 0) */
    double theta;          /* CUPED's coefficient (0 raw) */
    double var_reduction;  /* CUPED: 1 - se_cuped^2 / se_raw^2 (0 raw) */
    int n[2];
} pilot_effect;

typedef struct pilot_week {
    int week;              /* 0: the start's week */
    double mean[2], low[2], high[2];   /* purchases per customer, 95 % band of the mean */
} pilot_week;

typedef struct pilot_result {
    int start, end;              /* days since 1970-01-01, both included */
    int post_days, pre_days;     /* lengths of the period since the start and of the one before */
    int n[2];                    /* the existing base: first purchase before the start */
    int n_new[2];                /* customers whose first purchase is on or after the start */
    int no_history;              /* 1: fewer than 2 per group bought before the start, so the
                                    estimate is over the new customers (first purchase from the
                                    start to the end), raw only: the CUPED rows equal the raw ones
                                    (theta 0) and the balance is all zero; writers say so */
    double new_purchases[2], new_revenue[2];
    pilot_balance bal[PILOT_NBAL];
    int unbalanced;              /* some |smd| > 0.1 */
    pilot_effect eff[4];         /* purchases raw, cuped; revenue raw, cuped */
    int nweeks;
    pilot_week *weeks;
} pilot_result;

/* The estimate over customers with a first purchase before start, on the
 * days start .. end; when a group has fewer than 2 of them, over the
 * customers whose first purchase is from start to end instead (no_history);
 * DIAG_USAGE when neither gives 2 customers in each group.  pilot_result_free frees the weeks. */
int pilot_estimate(const translog *t, const int *group, int start, int end, pilot_result *r,
                   diag *d);
void pilot_result_free(pilot_result *r);

#endif
