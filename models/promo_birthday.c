/* Birthday-month coupon: a voucher valid in the customer's birthday month,
 * sent when the month opens, which draws a visit forward.
 *
 * A module on the calendar (sim/promotion.h).  At a new customer's first
 * purchase their birth month is drawn, uniformly over the twelve, from this
 * module's own stream (sim/rng.h: keyed by the module's name, so switching
 * it on moves no other draw).  The calendar's day 0 is taken as 1 January
 * and a month as 365.25 / 12 days, as the engine's cohort table counts
 * them.  When the birthday month opens, the business sends the voucher
 * (`cost` a message, a touch) unless it has already given the customer up
 * (silent for [lifecycle] lost_after days or more).  The customer then:
 *   - who would visit within the month anyway, simply uses it;
 *   - who would come later, comes within the month with chance `response`
 *     (a day uniform over the month): the visit is pulled forward;
 *   - whom the customer model has let go for good, comes back within the
 *     month with chance `lapsed_response` (a birthday reaches some of them).
 * The first visit in the birthday month takes `value` off the bill (never
 * more than what is left of it), once a year.
 *
 * Accounting: the voucher is a discount through promo_discount (cash and
 * revenue both fall by it, so cash = revenue + liability holds with no
 * liability: an unused voucher costs nothing), and each message is a touch
 * cost.  The response rates are assumptions to set from a pilot: the
 * seeds name birthday offers as a habit of restaurants and salons, not
 * their take-up. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "../sim/lang.h"
#include "../sim/promotion.h"
#include "../sim/sections.h"
#include "../sim/text.h"
#include "calendar_offer.h"

#define NO_CHOICES NULL
#define BIRTHDAY_DAYS_PER_MONTH (365.25 / 12.0)

/* per customer: birth month + 1 (0: not drawn yet), and the month index
 * (since day 0) + 1 of the last voucher used */
enum { ST_BIRTH_MONTH, ST_USED_MONTH };

enum { EVENT_MONTH_OPENS = 0 };

typedef struct birthday_params {
    double value;
    double response;
    double lapsed_response;
    double cost;
    int lost_after;          /* [lifecycle]: the business stops sending after this silence */
} birthday_params;

static const scen_key birthday_keys[] = {
    { "value", KEY_REAL, offsetof(birthday_params, value), 0.25, 0, 1e9, KEY_MIN_OPEN | KEY_PER_BILL,
      "currency", NO_CHOICES,
      N_("Money off the bill of the first visit in the birthday month (never more than the bill).") },
    { "response", KEY_REAL, offsetof(birthday_params, response), 0.15, 0, 1, KEY_EFFECT, "probability",
      NO_CHOICES,
      N_("Chance that a customer whose next visit would fall after the birthday month comes within it instead.") },
    { "lapsed_response", KEY_REAL, offsetof(birthday_params, lapsed_response), 0.03, 0, 1, KEY_EFFECT,
      "probability", NO_CHOICES,
      N_("Chance that a customer who would never come back comes within the birthday month.") },
    { "cost", KEY_REAL, offsetof(birthday_params, cost), 0.5, 0, 1e6, 0, "currency", NO_CHOICES,
      N_("Cost of sending one voucher (a message), whether or not it is used.") },
    { 0 }
};

const scen_section promo_section_birthday_coupon = {
    "birthday_coupon", N_("A voucher valid in the customer's birthday month, sent when the month opens."),
    sizeof(birthday_params), 1, birthday_keys, NULL
};

static void *birthday_prepare(const scenario *sc, const promo_env *env, diag *d)
{
    birthday_params *p = malloc(sizeof *p);
    if (!p) {
        diag_set(d, DIAG_RUNTIME, "out of memory");
        return NULL;
    }
    *p = *(const birthday_params *)scen_get(sc, &promo_section_birthday_coupon);
    scen_default_per_bill(&promo_section_birthday_coupon, p, env->mean_bill);
    p->lost_after = ((const lifecycle_params *)scen_get(sc, &section_lifecycle))->lost_after;
    return p;
}

static void birthday_release(void *p)
{
    free(p);
}

static int month_index(double t)
{
    return (int)floor(t / BIRTHDAY_DAYS_PER_MONTH);
}

/* The first month index at or after day t that is the birth month. */
static int next_birth_month(double t, int birth_month)
{
    int k = (int)ceil(t / BIRTHDAY_DAYS_PER_MONTH);
    while (k % 12 != birth_month)
        k++;
    return k;
}

static void birthday_at_till(const void *params, double *st, visit_ctx *v, gsl_rng *r)
{
    (void)r;
    const birthday_params *p = params;
    if (st[ST_BIRTH_MONTH] <= 0)
        return;                /* the first visit: not yet on the list */
    int k = month_index(v->t);
    if (k % 12 != (int)st[ST_BIRTH_MONTH] - 1 || (int)st[ST_USED_MONTH] == k + 1)
        return;
    double amount = fmin(p->value, v->bill - v->discount);
    if (amount <= 0)
        return;
    promo_discount(v, amount);
    st[ST_USED_MONTH] = k + 1;
}

static void birthday_after_decision(const void *params, double *st, const visit_ctx *v,
                                    next_visit *n, gsl_rng *r, const promo_services *s)
{
    (void)params;
    /* the birth month is drawn once, at the first visit the simulation
     * sees: a new customer's first purchase, or an existing customer's
     * standing on the as-of date of a fitted base (then the first month to
     * open is the first after that date) */
    if (st[ST_BIRTH_MONTH] != 0)
        return;
    int month = (int)(12 * gsl_rng_uniform(r));
    st[ST_BIRTH_MONTH] = month + 1;
    double from = v->t > n->from ? v->t : n->from;
    s->schedule(s->ctx, next_birth_month(from, month) * BIRTHDAY_DAYS_PER_MONTH, EVENT_MONTH_OPENS);
}

static void birthday_on_event(const void *params, double *st, calendar_event *ev, gsl_rng *r,
                              const promo_services *s)
{
    (void)st;
    const birthday_params *p = params;
    if (ev->t - ev->t_last >= p->lost_after)
        return;                /* given up: no more messages, no more birthdays */
    s->touch(s->ctx, ev->t, p->cost);
    calendar_offer_answer(ev, BIRTHDAY_DAYS_PER_MONTH, p->response, p->lapsed_response, r);
    /* the same month next year (the middle of the month, against rounding) */
    int k = month_index(ev->t + 0.5 * BIRTHDAY_DAYS_PER_MONTH);
    s->schedule(s->ctx, (k + 12) * BIRTHDAY_DAYS_PER_MONTH, EVENT_MONTH_OPENS);
}

static void birthday_describe(const void *params, char *buf, size_t len, int lang)
{
    const birthday_params *p = params;
    snprintf(buf, len,
             tr(lang, "birthday coupon: %g off in the birthday month, %g a message; %.0f %% of those "
                      "who would come later come in the month, %.0f %% of those who would not come back"),
             p->value, p->cost, 100 * p->response, 100 * p->lapsed_response);
}

static void birthday_explain(const void *params, FILE *f, int lang, int html)
{
    const birthday_params *p = params;
    text_paraf(f, html,
         tr(lang,
           "When a customer's birthday month opens, they get a voucher of %g for a visit in that "
           "month (the message costs %g). It acts on time, not on the visit: of those whose next "
           "visit would fall later, %.0f %% come within the month instead, and %.0f %% of those who "
           "would never have come back return for it. The visit it brings is also a cheaper one, "
           "so it feels worth more; being a gift, it does not raise what the customer expects next "
           "time."),
         p->value, p->cost, 100 * p->response, 100 * p->lapsed_response);
    text_paraf(f, html,
         tr(lang,
           "What it costs: every message sent (until the customer is given up), and each voucher "
           "used, at what it takes off the bill; an unused voucher costs nothing and is no liability."));
}

const promo_type promo_birthday_coupon = {
    .name = "birthday_coupon",
    .summary = "A voucher valid in the customer's birthday month",
    .section = &promo_section_birthday_coupon,
    .state_slots = 2,
    .prepare = birthday_prepare,
    .release = birthday_release,
    .at_till = birthday_at_till,
    .describe = birthday_describe,
    .explain = birthday_explain,
    .after_decision = birthday_after_decision,
    .on_event = birthday_on_event,
};
