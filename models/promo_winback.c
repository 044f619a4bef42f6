/* Win-back: a message to a customer who has not bought for `silent_days`
 * since their last visit, aimed mainly at those who would otherwise never
 * come back (seed 002: the customers a business loses are lost in silence;
 * a message after a long gap is the usual "we miss you").
 *
 * How it differs from recall (models/recall.c), which it resembles:
 *   - recall is the business's standing reminder, timed to the customer's
 *     natural cycle (day 20 of a 20-30 day haircut) and decided once, at
 *     the visit (after_decision), on the model's verdict alone; win-back is
 *     a promotion timed to a long silence, and decided on the day itself
 *     (on_event): it is sent only if the customer is still silent then, so
 *     a visit another module has brought forward in between (a birthday
 *     voucher, a campaign) cancels it, and it costs nothing for them;
 *   - recall sends one reminder per visit, for ever; win-back sends at most
 *     `max_messages` per customer over their life, and may repeat every
 *     `repeat_days` while the silence lasts (a short sequence, then the
 *     business stops);
 *   - its answer (calendar_offer.h, shared with the birthday coupon and the
 *     campaign) is the same law as recall's: of those who would never come
 *     back, `lapsed_response` return within `respond_within_days`; of those
 *     who would come back later anyway, `response` come within those days.
 *
 * On the calendar (sim/promotion.h): after each visit (after_decision),
 * the customer's next visit is known; when it falls later than
 * silent_days, an event is put at visit + silent_days.  The module keeps
 * the day of the visit the event belongs to (ST_SPELL): a later visit
 * replaces it, so an event of an older silence does nothing.  A customer
 * whose next visit falls within silent_days never gets an event: only on
 * a later day could they be silent that long, after a visit the queue
 * turned away, and like recall the module sends nothing for a missed visit.
 *
 * The horizon: an event at or past it is not simulated and costs nothing
 * in it.  For survival only (who is lost for good, sim/engine.c), a
 * customer the model lets go whose first message would fall past the
 * horizon draws, from the visit's stream, whether that message would win
 * them back: otherwise survival near the end would depend on the horizon
 * (recall does the same).  Later messages of a sequence are left out of
 * that: the first decides.
 *
 * Accounting: each message is a touch (touch_cost), counted in
 * reminders_sent; a lapsed customer won back is counted in
 * customers_recalled.  No money changes hands, so cash = revenue holds. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "../sim/lang.h"
#include "../sim/metrics.h"
#include "../sim/promotion.h"
#include "../sim/text.h"
#include "calendar_offer.h"

#define NO_CHOICES NULL

/* per customer: the day of the visit whose silence is being watched, and
 * the messages sent so far */
enum { ST_SPELL, ST_SENT };

enum { EVENT_MESSAGE = 0 };

typedef struct winback_params {
    int silent_days;
    int respond_within_days;
    double response;
    double lapsed_response;
    double cost_per_message;
    int max_messages;
    int repeat_days;
} winback_params;

static const scen_key winback_keys[] = {
    { "silent_days", KEY_INT, offsetof(winback_params, silent_days), 60, 1, 3650, 0, "days",
      NO_CHOICES,
      N_("The message goes when the customer has not bought for this many days since their last visit.") },
    { "respond_within_days", KEY_INT, offsetof(winback_params, respond_within_days), 14, 1, 365, 0,
      "days", NO_CHOICES,
      N_("A customer who answers the message comes within this many days of it (uniformly).") },
    { "response", KEY_REAL, offsetof(winback_params, response), 0.1, 0, 1, KEY_EFFECT, "probability",
      NO_CHOICES,
      N_("Share of the customers who would come back later anyway who come within respond_within_days "
      "of the message instead.") },
    { "lapsed_response", KEY_REAL, offsetof(winback_params, lapsed_response), 0.05, 0, 1, KEY_EFFECT,
      "probability", NO_CHOICES,
      N_("Share of the customers who would never come back who return within respond_within_days of "
      "the message: whom a win-back is mainly for.") },
    { "cost_per_message", KEY_REAL, offsetof(winback_params, cost_per_message), 0.5, 0, 1e6, 0,
      "currency", NO_CHOICES, N_("Cost of one message (SMS, call, card), whether or not it works.") },
    { "max_messages", KEY_INT, offsetof(winback_params, max_messages), 1, 1, 100, 0, "messages",
      NO_CHOICES, N_("At most this many win-back messages to one customer over their whole life.") },
    { "repeat_days", KEY_INT, offsetof(winback_params, repeat_days), 0, 0, 3650, 0, "days",
      NO_CHOICES,
      N_("While the silence lasts, another message this many days after the last one (within "
      "max_messages); 0: one message per silence.") },
    { 0 }
};

static int check_winback(void *params, const char *label, const struct scenario *sc, diag *d)
{
    (void)label;
    (void)sc;
    const winback_params *p = params;
    if (p->repeat_days > 0 && p->max_messages == 1)
        return diag_set(d, DIAG_USAGE,
                        "[winback] repeat_days = %d repeats nothing with max_messages = 1: "
                        "raise max_messages (e.g. 3) or leave repeat_days out",
                        p->repeat_days);
    return 0;
}

const scen_section promo_section_winback = {
    "winback",
    N_("A win-back message to a customer silent for silent_days since their last visit (mainly for "
    "those who would never come back)."),
    sizeof(winback_params), 1, winback_keys, check_winback
};

typedef struct winback_module {
    winback_params p;
    char currency[SCEN_TEXT_MAX];
} winback_module;

static void *winback_prepare(const scenario *sc, const promo_env *env, diag *d)
{
    (void)env;
    winback_module *m = malloc(sizeof *m);
    if (!m) {
        diag_set(d, DIAG_RUNTIME, "out of memory");
        return NULL;
    }
    m->p = *(const winback_params *)scen_get(sc, &promo_section_winback);
    snprintf(m->currency, sizeof m->currency, "%s", scen_currency(sc));
    return m;
}

static void winback_release(void *m)
{
    free(m);
}

static void winback_after_decision(const void *params, double *st, const visit_ctx *v,
                                   next_visit *n, gsl_rng *r, const promo_services *s)
{
    const winback_params *p = &((const winback_module *)params)->p;
    st[ST_SPELL] = v->t;       /* a new silence starts: older events are void */
    double when = v->t + p->silent_days;
    /* an existing customer of a fitted base already silent for longer when
     * the win-back starts gets the message on its first day */
    if (n->existing && when < n->from)
        when = n->from;
    if (!(n->next > when) || st[ST_SENT] >= p->max_messages)
        return;
    if (when < n->horizon) {
        s->schedule(s->ctx, when, EVENT_MESSAGE);
    } else if (!n->stays && isinf(n->next) && gsl_rng_uniform(r) < p->lapsed_response) {
        /* past the horizon: decides survival only, no cost in it */
        n->next = when + p->respond_within_days * gsl_rng_uniform(r);
    }
}

static void winback_on_event(const void *params, double *st, calendar_event *ev, gsl_rng *r,
                             const promo_services *s)
{
    const winback_module *m = params;
    const winback_params *p = &m->p;
    if (ev->t_last != st[ST_SPELL] || st[ST_SENT] >= p->max_messages)
        return;                /* the customer has come since, or had their messages */
    s->touch(s->ctx, ev->t, p->cost_per_message);
    s->count(s->ctx, MET_REMINDERS, 1);
    st[ST_SENT] += 1;
    offer_answer a = calendar_offer_answer(ev, p->respond_within_days, p->response,
                                           p->lapsed_response, r);
    if (a == OFFER_WON_BACK)
        s->count(s->ctx, MET_RECALLED, 1);
    else if (a == OFFER_NO_CHANGE && p->repeat_days > 0 && st[ST_SENT] < p->max_messages
             && ev->next > ev->t + p->repeat_days)
        s->schedule(s->ctx, ev->t + p->repeat_days, EVENT_MESSAGE);
}

static void winback_describe(const void *params, char *buf, size_t len, int lang)
{
    const winback_params *p = &((const winback_module *)params)->p;
    snprintf(buf, len,
             tr(lang, "win-back: a message after %d silent days (%g each, at most %d a customer); "
                      "%.0f %% of those who would not return come back, %.0f %% of the others come "
                      "sooner"),
             p->silent_days, p->cost_per_message, p->max_messages, 100 * p->lapsed_response,
             100 * p->response);
}

static void winback_explain(const void *params, FILE *f, int lang, int html)
{
    const winback_module *m = params;
    const winback_params *p = &m->p;
    const char *currency = lang_currency(lang, m->currency);
    text_paraf(f, html,
         tr(lang,
           "A customer who has not bought for %d days since their last visit gets a message (%g %s "
           "each). It is decided on that day: a customer who has come in the meantime gets nothing. "
           "Of those who would never have come back, %.0f %% return within %d days of it; of those "
           "who would have come back later anyway, %.0f %% come within those days instead."),
         p->silent_days, p->cost_per_message, currency, 100 * p->lapsed_response,
         p->respond_within_days, 100 * p->response);
    if (p->repeat_days > 0)
        text_paraf(f, html,
             tr(lang,
               "While the silence lasts, another message goes every %d days, at most %d to one "
               "customer over their life."),
             p->repeat_days, p->max_messages);
    else
        text_paraf(f, html,
             trn(lang, "At most %d message to one customer over their life.",
                 "At most %d messages to one customer over their life.", (unsigned long)p->max_messages),
             p->max_messages);
    text_paraf(f, html, "%s",
         tr(lang,
           "Unlike the reminder, which is timed to the customer's usual return, it waits for a long "
           "silence: what it buys is mostly customers who were gone. What it costs: every message "
           "sent, whether it works or not."));
}

const promo_type promo_winback = {
    .name = "winback",
    .summary = "A win-back message after N silent days",
    .section = &promo_section_winback,
    .state_slots = 2,
    .prepare = winback_prepare,
    .release = winback_release,
    .describe = winback_describe,
    .explain = winback_explain,
    .after_decision = winback_after_decision,
    .on_event = winback_on_event,
};
