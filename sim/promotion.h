/* promotion: the interface of a promotion or programme.
 *
 * A promotion is a const table of hooks, switched on by its INI section
 * being present.  The engine never names a promotion: it calls the hooks of
 * the active ones, in registry order, at fixed points of a visit:
 *
 *   conversion   a prospect deciding on a first purchase
 *   at_till      the bill is known; before the customer judges the visit.
 *                May discount (v->discount), take more or less cash
 *                (v->cash), defer or release revenue (v->revenue), give
 *                goods (v->promo_cost), or enlarge the bill (v->bill).
 *   after_visit  the customer has judged the visit; may change v->churn
 *                (lock-in by an unspent balance, a card half full...).
 *   referral     word of mouth of a promoter visit (referral programmes).
 *   liability    at the horizon: prepaid value still owed to the customer.
 *
 * Money is accounted exactly (tests prove it): over a customer's life,
 *   cash in = recognised revenue + liability at the horizon,
 * and profit = revenue - cost of goods (1 - gross margin) x bill - promo_cost
 *              - acquisition and touch costs.
 * A discount therefore costs its full amount, a free meal its whole bill,
 * and a voucher or point redeemed what it takes off the bill.
 *
 * Each promotion keeps its per-customer state in `state_slots` doubles,
 * zeroed when the customer is acquired. */
#ifndef RETSIM_PROMOTION_H
#define RETSIM_PROMOTION_H

#include <gsl/gsl_rng.h>
#include <stdio.h>

#include "scenario.h"
#include "model.h"

/* What every promotion may know of the business, filled by the engine. */
typedef struct promo_env {
    double mean_bill;       /* the customer model's average bill */
    double mean_interval;   /* the customer model's average days between visits */
    double gross_margin;
} promo_env;

typedef struct promo_type {
    const char *name;
    const char *summary;
    const scen_section *section;
    int state_slots;
    void *(*prepare)(const scenario *sc, const promo_env *env, diag *d);
    void (*release)(void *params);
    /* optional hooks (NULL: not used) */
    double (*conversion)(const void *p, double conversion, int referred);
    void (*at_till)(const void *p, double *state, visit_ctx *v, gsl_rng *r);
    void (*after_visit)(const void *p, double *state, visit_ctx *v, gsl_rng *r);
    /* Mean referrals of a promoter visit given the word-of-mouth rate;
     * *reward is set to the cost paid per referred prospect who buys. */
    double (*referral)(const void *p, double rate, double *reward);
    double (*liability)(const void *p, const double *state);
    /* One line for reports: what was applied, e.g. "churn x 0.95", in
     * language lang (a lang_id, sim/lang.h; LANG_EN for summary.json). */
    void (*describe)(const void *p, char *buf, size_t len, int lang);
    /* Optional, for `retsim explain` (NULL: describe() and a sentence per
     * hook): what the promotion changes in the causal chain and what it
     * costs, in plain language; lang is a lang_id (sim/lang.h), html 1
     * for an HTML fragment. */
    void (*explain)(const void *p, FILE *f, int lang, int html);
} promo_type;

#define PROMO_STATE_MAX 24

/* Money off the bill: the customer pays less and the business earns less.
 * A one-off gift (voucher, coupon, points, a referee's welcome): it pleases
 * this visit without teaching the customer to expect it next time. */
static inline void promo_discount(visit_ctx *v, double amount)
{
    v->discount += amount;
    v->windfall += amount;
    v->cash -= amount;
    v->revenue -= amount;
}

/* The same for a standing price (a package or a stored-value bonus): the
 * customer gets used to it, so expectation learns it. */
static inline void promo_discount_standing(visit_ctx *v, double amount)
{
    v->discount += amount;
    v->cash -= amount;
    v->revenue -= amount;
}

#endif
