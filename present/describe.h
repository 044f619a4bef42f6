/* describe: what a transaction log says about a business, before any model:
 * the RFM summary, cohort retention, days between purchases, the chance of
 * another purchase after the 1st, 2nd, 3rd... (the stickiness curve of
 * DOMAIN.md section 1) and the revenue share of the top 20 % of customers. */
#ifndef RETSIM_FIT_DESCRIBE_H
#define RETSIM_FIT_DESCRIBE_H

#include "../fit/summary.h"
#include "../fit/translog.h"

/* Fills out[ncust] for a calibration span ending on cal_end_day (inclusive;
 * later purchases count in n_holdout), times in periods of period_days.
 * Customers whose first purchase is after cal_end_day get T < 0. */
void describe_summarise(const translog *t, int cal_end_day, double period_days,
                        cust_summary *out);

/* Writes rfm.csv, cohorts.csv (+ cohorts.png), interpurchase.csv,
 * stickiness.csv (+ stickiness.png) into dir and fills the top-20 share.
 * Returns 0 or a DIAG_ status. */
int describe_write(const char *dir, const translog *t, int cal_end_day, double *top20_share,
                   diag *d);

#endif
