/* moments: the summaries of a transaction log that retsim calibrate matches
 * (issue 13), computed by one function for the data and for a simulated
 * log alike, so the two are comparable by construction.
 *
 * Over a calibration window [w0, w1] (days), of the customers whose first
 * purchase falls in it:
 *   - the chance of another purchase after the k-th, k = 1..8:
 *     #customers with >= k+1 purchases / #with >= k;
 *   - the quantiles 25/50/75/90 % of the days between two purchases of one
 *     customer (every gap, pooled; a gap of g days read as spread over
 *     g +/- 1/2, see moments.c);
 *   - the cohort repeat curve: of the customers first seen at least D days
 *     before w1, the share with a 2nd purchase within D days, D = 30, 60,
 *     90, 180, 365;
 *   - the mean spend per visit;
 *   - on request (calibrate --recency), the window's own holdout: the
 *     mean purchases in the last MOM_RECENT_DAYS days of the window of the
 *     customers with 1, 2, 3 to 6, 7 or more purchases before them (the
 *     BTYD holdout check by calibration frequency, inside the window: what
 *     a forecast from today's customers depends on);
 *   - on request (calibrate --first-bill), the chance of another purchase
 *     after the 1st of the customers whose first bill is below half the
 *     mean bill per visit (of the same customers: the threshold moves with
 *     every bootstrap resample): how much a small first purchase loses,
 *     the satisfaction model's new-customer rule (a first visit worth less
 *     than it cost loses most new customers).
 * The share of customers by number of purchases (1, 2, ..., 7+) is
 * computed too, for the fit report, but is not matched on its own: it is an
 * exact function of the first six continuation chances (the share with n
 * purchases is p1...p(n-1) (1 - pn)), and matching both would make the
 * moments' covariance singular.  A log holds no customer with zero
 * purchases (nobody is in a till export before buying), so every share is
 * among customers with at least one purchase; the simulation counts the
 * same (a prospect who never buys is not a customer of the log). */
#ifndef RETSIM_FIT_MOMENTS_H
#define RETSIM_FIT_MOMENTS_H

#include <stdint.h>

#include "translog.h"

enum {
    MOM_CONT = 0,            /* 8: P(another after the k-th), k = 1..8 */
    MOM_GAP = 8,             /* 4: quantiles of the days between purchases */
    MOM_REPEAT = 12,         /* 5: share with a 2nd purchase within D days */
    MOM_SPEND = 17,          /* 1: mean spend per visit */
    MOM_N = 18,              /* the matched moments */
    MOM_FREQ = 18,           /* 7: share with 1..6 and 7+ purchases (shown only) */
    MOM_RECENT = 25,         /* 4: purchases in the window's last MOM_RECENT_DAYS days, a customer,
                                by purchases before them (1, 2, 3-6, 7+): matched only on request
                                (calibrate --recency) */
    MOM_LOW_FIRST = 29,      /* 1: P(another after the 1st) of customers whose first bill is below half
                                the mean bill: matched only on request (calibrate --first-bill) */
    MOM_ALL = 30,
    MOM_MATCH_MAX = MOM_N + 5 /* the most moments a calibration matches */
};

/* The window's end the recency moments look at: its last this many days. */
#define MOM_RECENT_DAYS 91

/* Below this many customers (or gaps, or visits) behind a moment, the data
 * say too little about it: it is left out of the match, and the report says
 * so. */
#define MOM_MIN_SUPPORT 30

typedef struct moments {
    double v[MOM_ALL];
    long support[MOM_ALL];   /* customers (gaps, visits) the moment is computed from */
    long ncust, ntx;
} moments;

/* The moments of customers idx[0..n-1] of t (NULL idx: every customer),
 * counting only their purchases on days w0..w1.  A moment with no support
 * is 0 (e.g. nobody reached the 8th purchase: no chance of a 9th). */
void moments_compute(const translog *t, const int *idx, int n, int w0, int w1, moments *m);

/* Short name (CSV, JSON: e.g. "another_after_3", "gap_q50",
 * "repeat_within_90", "spend_per_visit", "share_7plus") and plain words
 * (an English msgid, N_()). */
const char *moments_name(int i);
const char *moments_label(int i);

/* The bootstrap covariance of every moment (MOM_ALL x MOM_ALL, row
 * major into cov; the matched ones are the first MOM_N), resampling customers with replacement B times from a
 * stream seeded with seed: the sampling error of the data's moments. */
int moments_bootstrap(const translog *t, int w0, int w1, int B, uint64_t seed, double *cov);
/* (-1: out of memory) */

#endif
