/* Prepaid balances: recharge-for-a-free-meal and stored value with a bonus
 * (seeds 001 and 003).
 *
 * Recharge for a free meal (霸王餐): at the till the customer may recharge k
 * times today's bill, and today's bill is free.  They pay k B for goods
 * worth (k + 1) B: an effective discount of 1 / (k + 1), 25 % for k = 3.
 * Revenue is front-loaded in cash but recognised only as the balance is
 * spent; the unspent balance is a liability, and while it lasts it pulls
 * the customer back (lock-in).  Stored value with a bonus works the same
 * way, except that the customer pays X for a balance of X + Y and the
 * bonus share of every spend is a discount.
 *
 * Accounting, per visit: cash = recognised revenue + change in liability,
 * where the liability is the cash value of the unspent balance. */
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "../sim/text.h"
#include "../sim/promotion.h"
#include "../sim/lang.h"

#define NO_CHOICES NULL

enum { ST_BALANCE, ST_LAST_SATISFACTION, ST_TIMES };

/* A customer's state keeps the balance always, and the other two only
 * where the parameters read them (prepaid_layout): the times taken up
 * only when the offer is not made again, the last visit's satisfaction
 * only when it moves the take-up.  The rest reads as 0 and is not
 * written: the same numbers, fewer bytes a customer on the calendar
 * (issue 14).  at[k]: the place of part k, or -1. */
typedef struct prepaid_layout {
    signed char at[3];
    int used;
} prepaid_layout;

static void prepaid_lay_out(prepaid_layout *l, int offer_again, double per_satisfaction)
{
    l->at[ST_BALANCE] = 0;
    l->used = 1;
    l->at[ST_TIMES] = (signed char)(!offer_again ? l->used++ : -1);
    l->at[ST_LAST_SATISFACTION] = (signed char)(per_satisfaction != 0 ? l->used++ : -1);
}

static inline double part(const prepaid_layout *l, const double *st, int k)
{
    return l->at[k] >= 0 ? st[l->at[k]] : 0.0;
}

static inline void set_part(const prepaid_layout *l, double *st, int k, double x)
{
    if (l->at[k] >= 0)
        st[l->at[k]] = x;
}

/* ---- recharge for a free meal ---- */

typedef struct recharge_params {
    double multiple;
    double take_up;
    double take_up_per_bill;
    double take_up_per_satisfaction;
    double free_meal_inflation;
    double lock_in;
    int offer_again;
    double reference_multiple;
    double multiple_elasticity;
    double mean_bill;           /* from the customer model */
    prepaid_layout layout;
} recharge_params;

static const scen_key recharge_keys[] = {
    { "multiple", KEY_REAL, offsetof(recharge_params, multiple), 3, 0, 100, KEY_MIN_OPEN,
      "x bill", NO_CHOICES, N_("Recharge this many times today's bill and today's bill is free (k).") },
    { "take_up", KEY_REAL, offsetof(recharge_params, take_up), 0.2, 0, 1, KEY_EFFECT, "probability",
      NO_CHOICES,
      N_("Chance an average customer with an average bill accepts the offer at the till, when the multiple is reference_multiple.") },
    { "reference_multiple", KEY_REAL, offsetof(recharge_params, reference_multiple), 3, 0, 100,
      KEY_MIN_OPEN, "x bill", NO_CHOICES, N_("The multiple at which take_up was observed or guessed.") },
    { "multiple_elasticity", KEY_REAL, offsetof(recharge_params, multiple_elasticity), 1, 0, 10, KEY_EFFECT,
      "", NO_CHOICES,
      N_("Take-up scales as (reference_multiple / multiple) to this power: asking more cash up front finds fewer takers.") },
    { "take_up_per_bill", KEY_REAL, offsetof(recharge_params, take_up_per_bill), 0, -1, 1, KEY_EFFECT,
      "per mean bill", NO_CHOICES,
      N_("Change in take-up per average bill above the average (negative: big bills make k x bill too much).") },
    { "take_up_per_satisfaction", KEY_REAL,
      offsetof(recharge_params, take_up_per_satisfaction), 0, -10, 10, KEY_EFFECT, "per mean bill",
      NO_CHOICES, N_("Change in take-up per average bill of satisfaction at the previous visit.") },
    { "free_meal_inflation", KEY_REAL, offsetof(recharge_params, free_meal_inflation), 0.1, 0,
      5, KEY_EFFECT, "share", NO_CHOICES, N_("How much bigger the bill gets when it is free (customers order more).") },
    { "lock_in", KEY_REAL, offsetof(recharge_params, lock_in), 0.5, 0, 1, KEY_EFFECT, "share", NO_CHOICES,
      N_("Share of churn removed while an unspent balance remains (the customer would lose it).") },
    { "offer_again", KEY_BOOL, offsetof(recharge_params, offer_again), 1, 0, 1, 0, "",
      NO_CHOICES, N_("Offer again once the balance is spent (false: once per customer).") },
    { 0 }
};

const scen_section promo_section_recharge = {
    "recharge", N_("Recharge for a free meal: recharge k times the bill, today's bill is free."),
    sizeof(recharge_params), 1, recharge_keys, NULL
};

static double clamp01(double x)
{
    return x < 0 ? 0 : x > 1 ? 1 : x;
}

static void *recharge_prepare(const scenario *sc, const promo_env *env, diag *d)
{
    recharge_params *p = malloc(sizeof *p);
    if (!p) {
        diag_set(d, DIAG_RUNTIME, "out of memory");
        return NULL;
    }
    *p = *(const recharge_params *)scen_get(sc, &promo_section_recharge);
    p->mean_bill = env->mean_bill;
    prepaid_lay_out(&p->layout, p->offer_again, p->take_up_per_satisfaction);
    return p;
}

/* Spends the balance on today's bill: paid from the balance, not in cash;
 * revenue is recognised now at the share of the balance that was cash. */
static void spend_balance(double *balance, double cash_share, visit_ctx *v)
{
    double spent = fmin(*balance, v->bill - v->discount);
    if (spent <= 0)
        return;
    *balance -= spent;
    double bonus_part = spent * (1.0 - cash_share);
    v->cash -= spent;
    v->discount += bonus_part;
    v->revenue -= bonus_part;
}

static void recharge_at_till(const void *params, double *st, visit_ctx *v, gsl_rng *r)
{
    const recharge_params *p = params;
    if (st[ST_BALANCE] > 0) {
        spend_balance(&st[ST_BALANCE], 1.0, v);
        return;
    }
    if (!p->offer_again && part(&p->layout, st, ST_TIMES) > 0)
        return;
    double chance = p->take_up * pow(p->reference_multiple / p->multiple, p->multiple_elasticity)
                    + p->take_up_per_bill * (v->bill / p->mean_bill - 1.0)
                    + p->take_up_per_satisfaction * part(&p->layout, st, ST_LAST_SATISFACTION)
                          / p->mean_bill;
    if (gsl_rng_uniform(r) >= clamp01(chance))
        return;
    v->bill *= 1.0 + p->free_meal_inflation;
    v->discount = v->bill;          /* today's meal is free: a one-off gift */
    v->windfall = v->bill;
    v->revenue = 0;
    v->cash = p->multiple * v->bill;
    st[ST_BALANCE] = p->multiple * v->bill;
    set_part(&p->layout, st, ST_TIMES, part(&p->layout, st, ST_TIMES) + 1);
}

static void lock_in_after(double balance, double lock_in, visit_ctx *v)
{
    if (balance > 0)
        v->churn *= 1.0 - lock_in;
}

static void recharge_after_visit(const void *params, double *st, visit_ctx *v, gsl_rng *r)
{
    (void)r;
    const recharge_params *p = params;
    set_part(&p->layout, st, ST_LAST_SATISFACTION, v->has_signal ? v->signal : 0.0);
    lock_in_after(st[ST_BALANCE], p->lock_in, v);
}

static int recharge_slots_used(const void *params)
{
    return ((const recharge_params *)params)->layout.used;
}

static double recharge_liability(const void *params, const double *st)
{
    (void)params;
    return st[ST_BALANCE];
}

static void recharge_describe(const void *params, char *buf, size_t len, int lang)
{
    const recharge_params *p = params;
    double take_up = p->take_up * pow(p->reference_multiple / p->multiple, p->multiple_elasticity);
    snprintf(buf, len, tr(lang, "recharge %g x the bill and this meal is free (effective discount %.1f %%), "
                                "take-up about %.0f %%"), p->multiple, 100.0 / (p->multiple + 1),
             100 * (take_up < 1 ? take_up : 1));
}


/* ---- explain ---- */


#define RECHARGE_EXPLAIN_TRIALS 20000

static void recharge_explain(const void *params, FILE *f, int lang, int html)
{
    const recharge_params *p = params;
    char buf[2048];
    /* the offer made by the promotion's own at_till to customers with the
     * average bill and nothing on their card: who accepts, what they get */
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!r) {
        recharge_describe(p, buf, sizeof buf, lang);
        text_para(f, html, buf);
        return;
    }
    gsl_rng_set(r, 1);
    int accepted = 0;
    double discount_share = 0, inflation = 0, balance_bills = 0;
    /* the times taken up kept whatever the parameters: they say who accepted */
    recharge_params counted = *p;
    prepaid_lay_out(&counted.layout, 0, p->take_up_per_satisfaction);
    for (int i = 0; i < RECHARGE_EXPLAIN_TRIALS; i++) {
        double st[3] = { 0 };
        visit_ctx v = { 0 };
        v.purchase_no = 1;
        v.bill = v.cash = v.revenue = p->mean_bill;
        recharge_at_till(&counted, st, &v, r);
        if (part(&counted.layout, st, ST_TIMES) > 0) {
            accepted++;
            discount_share = v.discount / (v.cash + v.discount);
            inflation = v.bill / p->mean_bill - 1;
            balance_bills = st[ST_BALANCE] / p->mean_bill;
        }
    }
    gsl_rng_free(r);
    double st[3] = { 1, 0, 0 };
    visit_ctx w = { 0 };
    w.churn = 1;
    recharge_after_visit(p, st, &w, NULL);
    snprintf(buf, sizeof buf,
             tr(lang, "At the till, the customer is offered: recharge %g times today's bill and today's "
                   "bill is free. At the average bill about %.0f %% accept (fewer when the multiple is "
                   "higher or the bill bigger). Those who accept order %.0f %% more when it is free, and "
                   "pay %g bills in cash for %g bills' worth: an effective discount of %.1f %%. The free "
                   "meal is a gift: this visit feels worth much more, without raising what they expect "
                   "next time. The balance pays for about %.1f average bills, and while some remains, "
                   "churn x %.2f: they would lose it by not coming back."),
             p->multiple, 100.0 * accepted / RECHARGE_EXPLAIN_TRIALS, 100 * inflation, p->multiple,
             p->multiple + 1, 100 * discount_share, balance_bills, w.churn);
    text_para(f, html, buf);
    text_para(f, html,
                         tr(lang, "What it costs: the free meal is a discount of its whole bill. The cash "
                               "comes in at once but is revenue only as it is eaten; what is unspent at "
                               "the end is still owed to the customer (a liability, not profit)."));
}

static void release(void *params)
{
    free(params);
}

const promo_type promo_recharge = {
    "recharge", "Recharge k x the bill, this meal free", &promo_section_recharge, 3,
    recharge_prepare, release, NULL, recharge_at_till, recharge_after_visit, NULL,
    recharge_liability, recharge_describe, recharge_explain, .state_slots_used = recharge_slots_used
};

/* ---- stored value with a bonus ---- */

typedef struct stored_params {
    double amount, bonus, take_up, lock_in;
    int offer_again;
    prepaid_layout layout;
} stored_params;

static const scen_key stored_keys[] = {
    { "amount", KEY_REAL, offsetof(stored_params, amount), 1000, 0, 1e9, KEY_MIN_OPEN,
      "currency", NO_CHOICES, N_("What the customer pays in (X).") },
    { "bonus", KEY_REAL, offsetof(stored_params, bonus), 200, 0, 1e9, 0, "currency", NO_CHOICES,
      N_("Extra balance the business adds (Y): the customer can spend X + Y.") },
    { "take_up", KEY_REAL, offsetof(stored_params, take_up), 0.1, 0, 1, KEY_EFFECT, "probability",
      NO_CHOICES, N_("Chance a customer without a balance accepts at the till.") },
    { "lock_in", KEY_REAL, offsetof(stored_params, lock_in), 0.5, 0, 1, KEY_EFFECT, "share", NO_CHOICES,
      N_("Share of churn removed while an unspent balance remains.") },
    { "offer_again", KEY_BOOL, offsetof(stored_params, offer_again), 1, 0, 1, 0, "", NO_CHOICES,
      N_("Offer again once the balance is spent.") },
    { 0 }
};

const scen_section promo_section_stored_value = {
    "stored_value", N_("Stored value with a bonus: pay X, get a balance of X + Y."),
    sizeof(stored_params), 1, stored_keys, NULL
};

static void *stored_prepare(const scenario *sc, const promo_env *env, diag *d)
{
    (void)env;
    stored_params *p = malloc(sizeof *p);
    if (!p) {
        diag_set(d, DIAG_RUNTIME, "out of memory");
        return NULL;
    }
    *p = *(const stored_params *)scen_get(sc, &promo_section_stored_value);
    prepaid_lay_out(&p->layout, p->offer_again, 0);
    return p;
}

static void stored_at_till(const void *params, double *st, visit_ctx *v, gsl_rng *r)
{
    const stored_params *p = params;
    if (st[ST_BALANCE] <= 0 && (p->offer_again || part(&p->layout, st, ST_TIMES) == 0)
        && gsl_rng_uniform(r) < p->take_up) {
        v->cash += p->amount;
        st[ST_BALANCE] = p->amount + p->bonus;
        set_part(&p->layout, st, ST_TIMES, part(&p->layout, st, ST_TIMES) + 1);
    }
    if (st[ST_BALANCE] > 0)
        spend_balance(&st[ST_BALANCE], p->amount / (p->amount + p->bonus), v);
}

static void stored_after_visit(const void *params, double *st, visit_ctx *v, gsl_rng *r)
{
    (void)r;
    lock_in_after(st[ST_BALANCE], ((const stored_params *)params)->lock_in, v);
}

static int stored_slots_used(const void *params)
{
    return ((const stored_params *)params)->layout.used;
}

static double stored_liability(const void *params, const double *st)
{
    const stored_params *p = params;
    return st[ST_BALANCE] * p->amount / (p->amount + p->bonus);
}

static void stored_describe(const void *params, char *buf, size_t len, int lang)
{
    const stored_params *p = params;
    snprintf(buf, len, tr(lang, "stored value: pay %g, spend %g (bonus %.1f %% of spend), take-up %.0f %%"),
             p->amount, p->amount + p->bonus, 100 * p->bonus / (p->amount + p->bonus),
             100 * p->take_up);
}


static void stored_explain(const void *params, FILE *f, int lang, int html)
{
    const stored_params *p = params;
    double st[3] = { 1, 0, 0 };
    visit_ctx w = { 0 };
    w.churn = 1;
    stored_after_visit(p, st, &w, NULL);
    char buf[2048];
    snprintf(buf, sizeof buf,
             tr(lang, "At the till, a customer with no balance stores value with a chance of %.0f %%: pays "
                   "%g for a balance of %g (a bonus of %g). Later bills are paid from it, and the bonus "
                   "share of each is a discount the customer gets used to (expectation learns it). While "
                   "a balance remains, churn x %.2f: they would lose it by not coming back."),
             100 * p->take_up, p->amount, p->amount + p->bonus, p->bonus, w.churn);
    text_para(f, html, buf);
    text_para(f, html,
                         tr(lang, "What it costs: the bonus, as a discount when it is spent. The cash "
                                     "comes in up front but is revenue only when spent; what is unspent at "
                                     "the end is owed to the customer (a liability, not profit)."));
}

const promo_type promo_stored_value = {
    "stored_value", "Stored value with a bonus", &promo_section_stored_value, 3,
    stored_prepare, release, NULL, stored_at_till, stored_after_visit, NULL, stored_liability,
    stored_describe, stored_explain, .state_slots_used = stored_slots_used
};
