/* discount: the discount factor exp(-rate t), with the exp hoisted per day.
 *
 * Every visit discounts its margin to the customer's first purchase, a
 * time t in days with a fraction.  exp(-rate t) = exp(-rate k) exp(-rate f)
 * with k the whole days and f in [0, 1): the first factor is a table built
 * once per engine, the second a Taylor polynomial of degree 6 in
 * x = rate f.  The yearly discount rate is at most 100 % ([economics]
 * discount_rate in [0, 1]), so x <= ln 2 / 365 < 0.0019 and the
 * truncation error x^7 / 7! < 2e-23 is far below a double's rounding
 * (1.1e-16): the product differs from libm's exp by a couple of units in
 * the last place at most (tests/test_draws.c checks 2 DBL_EPSILON relative).
 * Beyond the table (a continuation after the horizon), or for a rate too
 * large for the polynomial, it is exp itself. */
#ifndef RETSIM_DISCOUNT_H
#define RETSIM_DISCOUNT_H

#include <math.h>

typedef struct discount_table {
    double rate;        /* per day, continuous */
    double *day;        /* exp(-rate k), k = 0 .. n - 1 */
    int n;              /* 0: every factor through exp */
} discount_table;

/* A table for days [0, days]; 0, or -1 when out of memory (the table then
 * falls back to exp, so it is still usable). */
int discount_table_init(discount_table *t, double rate_per_day, int days);
void discount_table_free(discount_table *t);

static inline double discount_factor(const discount_table *t, double days)
{
    if (days >= 0 && days < t->n) {
        int k = (int)days;
        double y = -t->rate * (days - k);
        /* exp(y) - 1 = y (1 + y/2 (1 + y/3 (1 + y/4 (1 + y/5 (1 + y/6))))),
         * added to 1 last (as e^-rk + e^-rk (e^y - 1)) so that its
         * rounding is relative to the small term */
        double p = 1 + y * (1.0 / 6);
        p = 1 + y * (1.0 / 5) * p;
        p = 1 + y * (1.0 / 4) * p;
        p = 1 + y * (1.0 / 3) * p;
        p = 1 + y * (1.0 / 2) * p;
        double d = t->day[k];
        return d + d * (y * p);
    }
    return exp(-t->rate * days);
}

#endif
