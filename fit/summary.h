/* summary: one customer's purchase history reduced to what the buy-till-
 * you-die models need (Fader, Hardie and Lee 2005): repeat purchases x, the
 * time of the last one t_x and the age T, in periods since the first
 * purchase; and zbar, the mean value of the repeat purchases. */
#ifndef RETSIM_FIT_SUMMARY_H
#define RETSIM_FIT_SUMMARY_H

typedef struct cust_summary {
    double x;        /* repeat purchases in the calibration span */
    double t_x;      /* time of the last purchase, periods after the first (0 if x = 0) */
    double T;        /* calibration end minus first purchase, periods */
    double zbar;     /* mean value of the repeat purchases (0 if x = 0) */
    double first_day;/* day of the first purchase (days since 1970-01-01) */
    double total;    /* value of every purchase in the calibration span, first included */
    int n_holdout;   /* purchases after the calibration end (holdout), when one is set */
} cust_summary;

#endif
