/* Prepaid bundle consumed on the premises over several visits (seed 001).
 *
 * A barbecue bar whose drinks were only 7 % of sales sold 101 bottles of
 * beer for 20.18 yuan.  Nobody drinks 101 bottles at once and the beer
 * cannot be taken away, so the buyer comes back, with friends, to drink
 * the rest, and the group eats while it drinks: repeat visits and the bill
 * both go up.  The beer itself is nearly given away; the bet is that the
 * food it brings in pays for it.
 *
 * Mechanism: a customer without units may buy the bundle at the till
 * (take_up) and starts drinking it on that same visit.  Every visit while
 * units remain consumes units_per_person x group_size units (the rest, on
 * the last one), enlarges the bill by bill_uplift (paid for in cash like
 * the rest of the bill) and gives away units at unit_cost each; while
 * units remain, lock_in of the churn is removed (the customer would lose
 * what is left).  The customer judges each visit on the food bill: the
 * bundle's price is paid once, outside it, and the beer drunk later is
 * already paid for, so neither weighs on the visit's perceived cost; the
 * pull of the bundle is its lock-in and the group's bigger bill.
 *
 * Accounting: the price is cash at purchase; revenue is recognised as units
 * are consumed, price x consumed / units, so the liability is the price's
 * unconsumed share, price x remaining / units.  The beer given is a cost of
 * goods outside the bill: unit_cost x consumed, in promo_cost. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "../sim/text.h"
#include "../sim/promotion.h"
#include "../sim/lang.h"

#define NO_CHOICES NULL

/* A remainder this small (relative to the bundle) is rounding from
 * fractional consumption, not beer left: treating it as units would keep
 * a drained bundle locking the customer in and inflating their bill. */
#define BUNDLE_EMPTY 1e-9

enum { ST_UNITS, ST_BOUGHT };

typedef struct bundle_params {
    double units;
    double price;
    double take_up;
    double units_per_person;
    double group_size;
    double unit_cost;
    double bill_uplift;
    double lock_in;
    int offer_again;
    double per_visit;           /* derived: units_per_person x group_size */
} bundle_params;

static const scen_key bundle_keys[] = {
    { "units", KEY_REAL, offsetof(bundle_params, units), 101, 0, 1e9, KEY_MIN_OPEN, "units",
      NO_CHOICES, N_("Units in the bundle (seed 001: 101 bottles of beer).") },
    { "price", KEY_REAL, offsetof(bundle_params, price), 20.18, 0, 1e9, 0, "currency",
      NO_CHOICES, N_("What the customer pays for the whole bundle, once (seed 001: 20.18).") },
    { "take_up", KEY_REAL, offsetof(bundle_params, take_up), 0.3, 0, 1, KEY_EFFECT, "probability",
      NO_CHOICES, N_("Chance a customer holding no units buys the bundle at the till.") },
    { "units_per_person", KEY_REAL, offsetof(bundle_params, units_per_person), 2.5, 0, 1e6,
      KEY_MIN_OPEN, "units", NO_CHOICES, N_("Units each person in the group consumes per visit.") },
    { "group_size", KEY_REAL, offsetof(bundle_params, group_size), 4, 1, 1000, 0, "people",
      NO_CHOICES, N_("People per visit sharing the bundle (it is drunk with friends).") },
    { "unit_cost", KEY_REAL, offsetof(bundle_params, unit_cost), 1.5, 0, 1e9, 0, "currency",
      NO_CHOICES, N_("Cost of goods of one unit given out of the bundle.") },
    { "bill_uplift", KEY_REAL, offsetof(bundle_params, bill_uplift), 0.25, 0, 10, KEY_EFFECT, "share",
      NO_CHOICES, N_("How much bigger the bill is on a visit that consumes units (the group eats while drinking).") },
    { "lock_in", KEY_REAL, offsetof(bundle_params, lock_in), 0.5, 0, 1, KEY_EFFECT, "share", NO_CHOICES,
      N_("Share of churn removed while units remain (they cannot be taken away).") },
    { "offer_again", KEY_BOOL, offsetof(bundle_params, offer_again), 1, 0, 1, 0, "", NO_CHOICES,
      N_("Offer a new bundle once the last one is finished (false: one bundle per customer).") },
    { 0 }
};

static int bundle_check(void *params, const char *label, const scenario *sc, diag *d)
{
    (void)label;
    (void)sc;
    bundle_params *p = params;
    p->per_visit = p->units_per_person * p->group_size;
    if (p->per_visit >= p->units)
        return diag_set(d, DIAG_USAGE,
                        "[bundle] units_per_person x group_size (%g x %g = %g) uses up all %g units in one "
                        "visit: a bundle is drunk over several visits; raise units or lower "
                        "units_per_person or group_size",
                        p->units_per_person, p->group_size, p->per_visit, p->units);
    return 0;
}

const scen_section promo_section_bundle = {
    "bundle", N_("Prepaid bundle consumed on the premises over several visits (101 beers for 20.18)."),
    sizeof(bundle_params), 1, bundle_keys, bundle_check
};

static void *bundle_prepare(const scenario *sc, const promo_env *env, diag *d)
{
    (void)env;
    bundle_params *p = malloc(sizeof *p);
    if (!p) {
        diag_set(d, DIAG_RUNTIME, "out of memory");
        return NULL;
    }
    *p = *(const bundle_params *)scen_get(sc, &promo_section_bundle);
    return p;
}

static void bundle_release(void *p)
{
    free(p);
}

static void bundle_at_till(const void *params, double *st, visit_ctx *v, gsl_rng *r)
{
    const bundle_params *p = params;
    if (st[ST_UNITS] <= 0 && (p->offer_again || st[ST_BOUGHT] == 0)) {
        if (gsl_rng_uniform(r) >= p->take_up)
            return;
        v->cash += p->price;
        st[ST_UNITS] = p->units;
        st[ST_BOUGHT] += 1;
    }
    if (st[ST_UNITS] <= 0)
        return;
    double before = st[ST_UNITS];
    double after = before - p->per_visit;
    if (after <= BUNDLE_EMPTY * p->units)
        after = 0;
    st[ST_UNITS] = after;
    double consumed = before - after;
    /* recognised from the same remainders the liability reads, so the two
     * add up to the price whatever the rounding of consumed */
    v->revenue += p->price * (before / p->units) - p->price * (after / p->units);
    v->promo_cost += p->unit_cost * consumed;
    /* the extra food is ordinary sales, paid and earned now */
    double extra = v->bill * p->bill_uplift;
    v->bill += extra;
    v->cash += extra;
    v->revenue += extra;
}

static void bundle_after_visit(const void *params, double *st, visit_ctx *v, gsl_rng *r)
{
    (void)r;
    const bundle_params *p = params;
    if (st[ST_UNITS] > 0)
        v->churn *= 1.0 - p->lock_in;
}

static double bundle_liability(const void *params, const double *st)
{
    const bundle_params *p = params;
    return p->price * (st[ST_UNITS] / p->units);
}

static void bundle_describe(const void *params, char *buf, size_t len, int lang)
{
    const bundle_params *p = params;
    int visits = (int)ceil(p->units / p->per_visit - BUNDLE_EMPTY);
    snprintf(buf, len,
             tr(lang, "bundle of %g units for %g (%.3g per unit, cost %g), %g per visit (%g x %g people) "
                      "over %d visits, bill +%.0f %% while drinking, take-up %.0f %%, lock-in %.0f %%%s"),
             p->units, p->price, p->price / p->units, p->unit_cost, p->per_visit,
             p->units_per_person, p->group_size, visits, 100 * p->bill_uplift, 100 * p->take_up,
             100 * p->lock_in, p->offer_again ? "" : tr(lang, ", once per customer"));
}


/* ---- explain ---- */


static void bundle_explain(const void *params, FILE *f, int lang, int html)
{
    const bundle_params *p = params;
    double st[2] = { p->units, 1 };
    visit_ctx v = { 0 };
    v.churn = 1;
    bundle_after_visit(p, st, &v, NULL);
    char buf[2048];
    snprintf(buf, sizeof buf,
             tr(lang, "Prepaid bundle: a customer holding none buys %3$g units for %2$g with a chance of "
                   "%1$.0f %% (seed 001: 101 beers for 20.18), to be consumed on the premises, %5$g per person for a "
                   "group of %4$g. Nobody finishes it at once, so they come back with friends, and while "
                   "they drink they eat: the bill is %6$.0f %% bigger on those visits. While units remain, "
                   "churn x %7$.2f. The bundle is paid once, outside the bill, so it does not weigh on how "
                   "each visit feels."),
             100 * p->take_up, p->price, p->units, p->group_size, p->units_per_person,
             100 * p->bill_uplift, v.churn);
    text_para(f, html, buf);
    snprintf(buf, sizeof buf,
             tr(lang, "What it costs: %g per unit in goods, nearly given away; the bet is that the food "
                         "it brings in pays for it. The price is cash up front, revenue as it is consumed, "
                         "and the rest is owed to the customer."),
             p->unit_cost);
    text_para(f, html, buf);
}

const promo_type promo_bundle = {
    "bundle", "Prepaid bundle consumed on the premises over several visits", &promo_section_bundle,
    2, bundle_prepare, bundle_release, NULL, bundle_at_till, bundle_after_visit, NULL,
    bundle_liability, bundle_describe, bundle_explain
};
