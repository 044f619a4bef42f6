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
 * and on the calendar, through the engine's services (promo_services):
 *
 *   after_decision  the model has decided whether and when the customer
 *                comes next (next_visit); may move that visit (a reminder
 *                that wins a customer back or brings them sooner), book a
 *                touch, send referred prospects, put events of its own on
 *                the calendar (at an offset from this visit, at a date).
 *   on_event     one of the module's own calendar events for a customer
 *                (a birthday month opening, a campaign day): the customer
 *                responds or not (pulling the next visit forward), the
 *                touch costs money, further events may be scheduled.
 *
 * Recall and word of mouth are modules of this kind (models/recall.c,
 * models/word_of_mouth.c); `standing` marks such a standing practice of
 * the business, explained with the business rather than among the
 * promotions.  With a [pilot] (sim/pilot.h) the engine calls the hooks of
 * a module that is not standing (conversion, at_till, after_visit,
 * after_decision, on_event, and the referrals it adds) only for the
 * customers of the treatment group within the pilot's days; the module
 * itself needs to know nothing of it.  A module listed in the applied
 * promotions is one whose describe() writes a line (a module switched off
 * by its own enabled key writes none).
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
    /* the customer model in use: a promotion that works through one model's
     * own mechanism (the satisfaction model's promise, say) checks it */
    const model_type *model;
} promo_env;

/* The visit the customer model has decided on, for after_decision. */
typedef struct next_visit {
    double t;               /* this visit's day */
    int stays;              /* 0: the model lets the customer go for good */
    double next;            /* the next visit's day (INFINITY: none); a module may change it.
                               A day past the horizon is not simulated but still tells
                               survival that the customer was not lost */
    int horizon;
    double referral_rate;   /* mean referrals of a promoter visit, after every referral hook */
    double from;            /* the first day the module may act on: this visit's day, or day 0
                               (the as-of date) for an existing customer of a fitted base
                               ([base], sim/basefile.h), whose last visit was before it:
                               what would have happened before day 0 is history, already in
                               the customer's drawn state, so a reminder due then is not sent */
    int existing;           /* 1: this is an existing customer's standing on the as-of date
                               (the decision of their last purchase, seen from day 0), not a
                               visit: the first call a module gets for that customer */
} next_visit;

/* One of a module's calendar events for a customer, for on_event. */
typedef struct calendar_event {
    double t;               /* the event's day */
    int tag;                /* what the module scheduled it for (its own numbering) */
    double t_first, t_last; /* the customer's first and last visits */
    int visits;
    double next;            /* the customer's next visit (INFINITY: none); a module may bring it
                               forward, never push it back */
    int horizon;
} calendar_event;

/* What the engine does for a module's hook, for the customer and module of
 * that call; ctx is the engine's own and is passed back to every function. */
typedef struct promo_services {
    void *ctx;
    /* An event of this module for this customer on day t (dropped at or
     * past the horizon); on_event receives it with tag (0..65535). */
    void (*schedule)(void *ctx, double t, int tag);
    /* A touch of this customer (message, call, card) on day t costing
     * amount: booked in touch_cost, the day's costs and the customer's value. */
    void (*touch)(void *ctx, double t, double amount);
    /* Adds amount to metric (a metric_id of sim/metrics.h). */
    void (*count)(void *ctx, int metric, double amount);
    /* The k-th prospect this customer refers at this visit arrives on day t
     * through channel (an index among the scenario's [channel.*]). */
    void (*refer)(void *ctx, double t, int channel, unsigned k);
    /* per_day organic prospects are lost each day from day from to day to
     * (exclusive), e.g. to a detractor's word. */
    void (*suppress)(void *ctx, int from, int to, double per_day);
} promo_services;

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
    /* optional calendar hooks (NULL: not used), with the module's own stream r */
    void (*after_decision)(const void *p, double *state, const visit_ctx *v, next_visit *n,
                           gsl_rng *r, const promo_services *s);
    void (*on_event)(const void *p, double *state, calendar_event *ev, gsl_rng *r,
                     const promo_services *s);
    int standing;
    /* Optional (NULL: state_slots): how many of its state_slots the
     * promotion uses under these parameters, when a part of its state
     * that the parameters leave unread is not kept (models/
     * promo_prepaid.c); at most state_slots.  The engine keeps that many a
     * customer (issue 14: memory per customer still active). */
    int (*state_slots_used)(const void *p);
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
