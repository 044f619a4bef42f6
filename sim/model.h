/* model: the customer-behaviour interface.
 *
 * A customer model is a const table of functions, like gsl_rng_type: the
 * engine owns time, money and counting, the model owns what goes on in a
 * customer's head (what they spend, how the visit felt, whether and when
 * they come back).  A model knows nothing of files, threads or plots; it
 * reads its parameters from the scenario once, in prepare(). */
#ifndef RETSIM_MODEL_H
#define RETSIM_MODEL_H

#include <gsl/gsl_rng.h>
#include <stdio.h>

#include "scenario.h"

/* Per-customer state a model may keep (traits drawn once, expectation...). */
#define MODEL_STATE_MAX 6

/* One visit, as the engine and the model see it. */
typedef struct visit_ctx {
    double t;              /* day of the visit, fractional */
    int purchase_no;       /* 1 for the first purchase */
    int referred;          /* the customer came through word of mouth */
    double bill;           /* list price of what was bought (draw_bill) */
    double discount;       /* money off the bill, as the customer feels it */
    double windfall;       /* the part of the discount that is a one-off gift (a free
                              meal, a voucher), which pleases without resetting what
                              the customer expects of the next visit */
    /* money, set by the engine to "paid the bill less the discount in
     * cash" and changed by promotions (see promotion.h): */
    double cash;           /* money received at this visit */
    double revenue;        /* revenue recognised at this visit */
    double promo_cost;     /* cost of goods or rewards given away, beyond the discount */
    double extra_benefit;  /* perceived worth of what a promotion gives beyond the bill's goods */
    double wait_minutes;   /* set by the engine: the day's mean wait in the queue before
                              service ([capacity], sim/queue.h), 0 without one; a model
                              may count it as a non-money cost */
    /* filled by experience(); how the visit felt inside the customer's head
     * (benefit, cost, expectation in the satisfaction model) stays inside
     * the model: */
    double churn;          /* probability of never coming back after this visit */
    int worth_less_than_cost; /* 1: the model judged the visit worth less than it cost
                                 (the satisfaction model: perceived value < 0); 0 for a
                                 model that makes no such judgement */
    /* What every customer model exposes, whatever goes on inside it: the
     * three levers a promotion may move and the signal word of mouth reads.
     *   spend            bill, drawn by the model; a promotion may change it at the till
     *   dropout          churn above, set by experience() at every purchase where the
     *                    model has dropout (0 where it has none, as at BG/NBD's first
     *                    purchase); after_visit hooks may scale it
     *   time to the next rate_multiplier: the engine divides the model's draw_interval by
     *   purchase         it (2: twice the pace), so a promotion moves the purchase rate of
     *                    any model, BG/NBD's Poisson rate included; 1 leaves the model's
     *                    law as it is.  Pulling one visit forward is a calendar event
     *                    (promotion.h, on_event).
     * The signal is the model's own account of how the visit went, in currency
     * (the satisfaction model: value - expectation); has_signal 0 says the
     * model has none (BG/NBD, sBG), so word of mouth sees no promoter and no
     * detractor instead of a faked neutral 0. */
    double rate_multiplier;
    int has_signal;
    double signal;
} visit_ctx;

/* An existing customer as they stand on the as-of date of a fitted base
 * (`retsim fit`, issue 11), in days.  The four numbers are the sufficient
 * statistics of the purchase models of fit/ (Fader, Hardie and Lee 2005):
 * repeat purchases x, the age of the last purchase t_x and the age T, plus
 * the mean value zbar of the repeat purchases for Gamma-Gamma spend. */
typedef struct customer_history {
    int repeat_purchases;  /* x: purchases after the first */
    double last_age;       /* t_x: days from the first purchase to the last (0 when x = 0) */
    double age;            /* T: days from the first purchase to the as-of date (>= t_x) */
    double mean_spend;     /* zbar: mean value of the repeat purchases (0 when x = 0) */
} customer_history;

/* What explain() may know of the business around the customer (the
 * engine's [economics] and [scenario]), for lifetime value. */
typedef struct model_explain_env {
    double gross_margin;
    double discount_rate;  /* yearly */
    double cost_per_visit;
    int horizon_days;
    const char *currency;
} model_explain_env;

/* What the model expects of a customer after the horizon, for the projected
 * lifetime value (clv_projected): each future visit brings bill on average,
 * after each the customer leaves for good with probability churn, and the
 * days X between visits have interval_discount = E[exp(-delta X)] (their
 * Laplace transform at the daily discount rate delta).  With these the
 * expected discounted visits from the next one on are the geometric sum
 *   sum_j (1 - churn)^j interval_discount^j = 1 / (1 - (1 - churn) interval_discount),
 * exact when churn, bill and interval are the customer's own constants. */
typedef struct model_continuation {
    double bill;
    double churn;
    double interval_discount;
    int exact;              /* 1: the model's own law; 0: an approximation (say which in its docs) */
} model_continuation;

typedef struct model_type {
    const char *name;
    const char *summary;
    /* The model's own scenario sections (NULL-terminated). */
    const scen_section *const *sections;
    /* Digests the scenario into read-only parameters shared by all threads;
     * NULL with d set on error. */
    void *(*prepare)(const scenario *sc, diag *d);
    void (*release)(void *params);
    /* The average bill and days between visits, which promotions scale with. */
    double (*mean_bill)(const void *params);
    double (*mean_interval)(const void *params);
    /* A new customer's traits, drawn once from r. */
    void (*customer_init)(const void *params, double *state, gsl_rng *r);
    /* The bill of this visit, before any promotion. */
    double (*draw_bill)(const void *params, const double *state,
                        const visit_ctx *v, gsl_rng *r);
    /* How the visit felt, given what was paid; sets churn (the dropout lever)
     * and the signal in v (the satisfaction model also fills benefit to
     * satisfaction above, for its explain; other models leave them 0) and
     * may update state (e.g. expectation learns from experience). */
    void (*experience)(const void *params, double *state, visit_ctx *v,
                       gsl_rng *r);
    /* Days until the next visit, for a customer who returns. */
    double (*draw_interval)(const void *params, const double *state,
                            gsl_rng *r);
    /* Optional (NULL: `retsim explain` lists the model's parameters): the
     * causal chain in plain language, every number computed by the model's
     * own functions; lang is a lang_id (sim/lang.h), html 1 for an HTML
     * fragment.  Returns 0, or -1 when it could not write. */
    int (*explain)(const void *params, const struct model_explain_env *env, FILE *f,
                   int lang, int html);
    /* Optional (NULL: clv_projected is omitted with a note): the customer's
     * continuation beyond the horizon, given their state and the churn
     * applied at their last visit; delta is the discount rate per day. */
    void (*continuation)(const void *params, const double *state, double last_churn,
                         double delta, model_continuation *out);

    /* Optional: a warning, one line without a newline, when the parameters
     * leave the model's own mechanism idle for almost every customer (every
     * first visit beyond the ends of the response curve, say), which a
     * scenario's absolute amounts do silently.  Returns 1 with msg filled, or
     * 0.  Deterministic: the same parameters, the same answer. */
    int (*advise)(const void *params, char *msg, size_t cap);

    /* Optional (NULL: the model cannot start from a fitted customer base):
     * an existing customer's hidden traits drawn into state from their
     * posterior given their own history h under the model's parameters
     * (documented in the model's file), as customer_init does for a new
     * one.  Returns 1 when the customer is drawn alive on the as-of date, 0
     * when already gone.  *next_days: days from the as-of date to their next
     * purchase, INFINITY when they will make none (gone, or dropping out
     * before it).  Everything after that purchase runs through the usual
     * hooks (experience() at purchase number repeat_purchases + 2, then
     * draw_interval), so the three levers act on an existing customer as on
     * a new one. */
    int (*customer_from_history)(const void *params, const customer_history *h, double *state,
                                 double *next_days, gsl_rng *r);
    /* The doubles of per-customer state the model uses, at most
     * MODEL_STATE_MAX: the engine keeps that many a customer (0, the
     * default of a table that does not say: MODEL_STATE_MAX).  The state
     * functions above get a zeroed array of that size (of
     * state_slots_used's, below, when the model has it). */
    int state_slots;
    /* Optional (NULL: state_slots): how many of those doubles a customer
     * uses under these parameters, when traits the parameters make the
     * same for everyone are not kept (models/satisfaction.c); at most
     * state_slots, possibly 0.  The engine then keeps that many a customer
     * on the calendar (issue 14: memory per customer still active). */
    int (*state_slots_used)(const void *params);
} model_type;

#endif
