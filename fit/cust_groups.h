/* cust_groups: the customer summaries of a purchase-model fit (BG/NBD in
 * btyd.c, MBG/NBD in mbgnbd.c, Pareto/NBD in pnbd.c), checked and grouped
 * for the likelihood.  Internal to fit/. */
#ifndef RETSIM_FIT_CUST_GROUPS_H
#define RETSIM_FIT_CUST_GROUPS_H

#include "../sim/diag.h"
#include "summary.h"

typedef struct cust_groups {
    int n;                  /* customers used: those with T > 0 */
    int ng;                 /* distinct x */
    double *gx;             /* distinct x, ascending */
    int *gstart;            /* group g: entries gstart[g] .. gstart[g+1]-1 */
    double *tx, *T;         /* distinct (x, t_x, T), sorted by x, T, t_x */
    double *w;              /* customers sharing each */
    double sx, sT;          /* sums of x and of T over the customers used */
    /* the distinct T and t_x among the entries, ascending, and each entry's
     * index in them: log(alpha + T) and log(alpha + t_x) once a value per
     * evaluation (BG/NBD, MBG/NBD: 84 and 547 values for bench/make_log.c's
     * 29,807 entries; issue 14) */
    int nT, ntx;
    double *Tval, *txval;
    int *iT, *itx;
} cust_groups;

/* log(alpha + T) for G's nT distinct T, then log(alpha + t_x) for its ntx
 * distinct t_x, in one array the caller frees (NULL when out of memory):
 * entry i's are [iT[i]] and [nT + itx[i]]. */
double *cust_groups_alpha_logs(const cust_groups *G, double alpha);

/* Checks the customers with T > 0 (finite; x a whole number >= 0; t_x in
 * [0, T] when x > 0), needs at least 10 of them and one repeat purchase,
 * and groups them.  DIAG_USAGE (messages naming model, e.g. "BG/NBD") when
 * the data cannot be fitted, DIAG_RUNTIME when out of memory; nothing to
 * free then. */
int cust_groups_build(const cust_summary *c, int n, const char *model, cust_groups *G, diag *d);
void cust_groups_free(cust_groups *G);

/* The same of a systematic subsample of the customers with T > 0 (used of
 * them, as cust_groups_build counted): every (used / target)-th in c's
 * order, about target customers, for the screening of a fit's starts
 * (mle.h, MLE_SCREEN_SUBSAMPLE). */
int cust_groups_subsample(const cust_summary *c, int n, int used, int target, const char *model,
                          cust_groups *G, diag *d);

#endif
