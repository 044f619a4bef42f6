/* bgnbd_family: what the BG/NBD fit (btyd.c) shares with the MBG/NBD fit
 * (mbgnbd.c), whose likelihood has the same shape and the same kind of
 * parameters.  Internal to fit/.  (The expectations MBG/NBD takes from
 * BG/NBD at b + 1 are btyd.h's public functions; mbgnbd.c says why.) */
#ifndef RETSIM_FIT_BGNBD_FAMILY_H
#define RETSIM_FIT_BGNBD_FAMILY_H

#include <stddef.h>

#include "mle.h"

/* The 16 starting points (r, alpha, a, b) around the data's repeat
 * purchases per period m (r in {0.3, 3}, alpha = r/m x {0.5, 2}, a in
 * {0.3, 3}, b in {0.5, 5}) into st, what they are in words into tried (for
 * mle_report_failure); returns their number. */
int bgnbd_start_grid(double m, double st[][MLE_MAXP], char *tried, size_t tried_len);

#endif
