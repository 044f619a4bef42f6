/* A dated campaign: from day start_day to day stop_day (exclusive) an offer
 * on every visit in the window, announced by a message on start_day to the
 * customers the business still counts as its own (seed 001's holiday and
 * anniversary promotions: a date, a price, a message to the list).
 *
 * Repeatable: [campaign.LABEL], up to CAMPAIGN_MAX (a spring and an autumn
 * campaign); the section needs its label, as [channel.NAME] does, because
 * the scenario framework makes a section either plain or repeatable.
 *
 * What each campaign does:
 *   - the offer: `discount`, a share off every bill in the window (for
 *     every customer, new ones included: a public price), or `voucher`, an
 *     amount off the first visit in the window of a customer the message
 *     reached (a personal offer);
 *   - the message: on start_day, to each customer acquired before it whose
 *     status then is within `audience` (active or silent by default, from
 *     [lifecycle] silent_after, dormant_after and lost_after), reaching
 *     `reach` of them (the list's valid numbers, opt-ins), `cost_per_message`
 *     each, a touch;
 *   - the answer (calendar_offer.h, shared with the birthday coupon and
 *     win-back): of those reached whose next visit would fall after the
 *     window, `response` come within it instead (a day uniform over it); of
 *     those the model has let go for good, `lapsed_response` return in it.
 *
 * On the calendar (sim/promotion.h): the event is put on start_day at the
 * customer's first purchase when that comes before it (after_decision),
 * one per campaign (tag = the campaign's index); on_event decides who is
 * messaged and who answers.
 *
 * Accounting: discounts and vouchers go through promo_discount (a one-off
 * gift: cash and revenue both fall by it, nothing is owed, an unused
 * voucher costs nothing); messages are touch costs.  The discount is an
 * at_till change: on the satisfaction model it also makes the visit feel
 * worth more, on BG/NBD it changes money only. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "../sim/lang.h"
#include "../sim/promotion.h"
#include "../sim/sections.h"
#include "../sim/text.h"
#include "calendar_offer.h"

#define CAMPAIGN_MAX 4

/* Per customer and campaign: whether the message reached them (their
 * voucher is waiting) and whether the voucher was used. */
enum { VOUCHER_NONE = 0, VOUCHER_WAITING = 1, VOUCHER_USED = 2 };

enum { AUDIENCE_ACTIVE_SILENT, AUDIENCE_NOT_LOST, AUDIENCE_EVERYONE };
static const char *const audience_choices[] = { "active_silent", "not_lost", "everyone", NULL };

typedef struct campaign_params {
    int start_day;
    int stop_day;
    double discount;
    double voucher;
    double reach;
    double cost_per_message;
    double response;
    double lapsed_response;
    int audience;
} campaign_params;

static const scen_key campaign_keys[] = {
    { "start_day", KEY_INT, offsetof(campaign_params, start_day), 0, 0, 3650, 0, "day", NULL,
      N_("First day of the campaign; the message goes on this day.") },
    { "stop_day", KEY_INT, offsetof(campaign_params, stop_day), 30, 1, 3650, 0, "day", NULL,
      N_("The campaign ends on this day (not included).") },
    { "discount", KEY_REAL, offsetof(campaign_params, discount), 0.1, 0, 1, KEY_MAX_OPEN,
      "share of the bill", NULL,
      N_("Share taken off every bill in the window, for every customer (0 for none).") },
    { "voucher", KEY_REAL, offsetof(campaign_params, voucher), 0, 0, 1e9, 0, "currency", NULL,
      N_("Instead of the discount: money off the first visit in the window of a customer the message "
      "reached (never more than the bill).") },
    { "reach", KEY_REAL, offsetof(campaign_params, reach), 0.8, 0, 1, 0, "share of customers", NULL,
      N_("Share of the customers in the audience the message reaches (valid numbers, opt-ins).") },
    { "cost_per_message", KEY_REAL, offsetof(campaign_params, cost_per_message), 0.5, 0, 1e6, 0,
      "currency", NULL, N_("Cost of one message sent, whether or not it works.") },
    { "response", KEY_REAL, offsetof(campaign_params, response), 0.15, 0, 1, KEY_EFFECT, "probability", NULL,
      N_("Share of the customers reached whose next visit would fall after the window who come within "
      "it instead.") },
    { "lapsed_response", KEY_REAL, offsetof(campaign_params, lapsed_response), 0.02, 0, 1, KEY_EFFECT,
      "probability", NULL,
      N_("Share of the customers reached who would never come back who return within the window.") },
    { "audience", KEY_CHOICE, offsetof(campaign_params, audience), AUDIENCE_ACTIVE_SILENT, 0, 0, 0,
      "", audience_choices,
      N_("Who is messaged on start_day: active_silent (silent less than [lifecycle] dormant_after days), "
      "not_lost (less than lost_after) or everyone ever acquired.") },
    { 0 }
};

static int check_campaign(void *params, const char *label, const struct scenario *sc, diag *d);

const scen_section promo_section_campaign = {
    "campaign",
    N_("A dated campaign: an offer on visits from start_day to stop_day and a message on start_day; "
    "name it after the dot, e.g. [campaign.spring]."),
    sizeof(campaign_params), CAMPAIGN_MAX, campaign_keys, check_campaign
};

static int check_campaign(void *params, const char *label, const struct scenario *sc, diag *d)
{
    campaign_params *p = params;
    if (p->stop_day <= p->start_day)
        return diag_set(d, DIAG_USAGE,
                        "[campaign.%s] stop_day = %d is not after start_day = %d: the campaign "
                        "would have no day; e.g. start_day = %d, stop_day = %d",
                        label, p->stop_day, p->start_day, p->start_day, p->start_day + 30);
    if (p->voucher > 0) {
        if (scen_is_set(sc, &promo_section_campaign, label, "discount") && p->discount > 0)
            return diag_set(d, DIAG_USAGE,
                            "[campaign.%s] gives both discount = %g and voucher = %g: a campaign "
                            "makes one offer; write one of them (or two campaigns)",
                            label, p->discount, p->voucher);
        p->discount = 0;       /* the voucher replaces the default discount */
    }
    return 0;
}

typedef struct campaign_module {
    int n;
    campaign_params c[CAMPAIGN_MAX];
    char label[CAMPAIGN_MAX][SCEN_TEXT_MAX];
    lifecycle_params life;
    char currency[SCEN_TEXT_MAX];
} campaign_module;

static void *campaign_prepare(const scenario *sc, const promo_env *env, diag *d)
{
    (void)env;
    campaign_module *m = calloc(1, sizeof *m);
    if (!m) {
        diag_set(d, DIAG_RUNTIME, "out of memory");
        return NULL;
    }
    m->n = scen_count(sc, &promo_section_campaign);
    for (int i = 0; i < m->n; i++) {
        const char *label;
        m->c[i] = *(const campaign_params *)scen_nth(sc, &promo_section_campaign, i, &label);
        snprintf(m->label[i], sizeof m->label[i], "%s", label);
    }
    m->life = *(const lifecycle_params *)scen_get(sc, &section_lifecycle);
    snprintf(m->currency, sizeof m->currency, "%s", scen_currency(sc));
    return m;
}

static void campaign_release(void *m)
{
    free(m);
}

static int in_window(const campaign_params *c, double t)
{
    return t >= c->start_day && t < c->stop_day;
}

static void campaign_at_till(const void *params, double *st, visit_ctx *v, gsl_rng *r)
{
    (void)r;
    const campaign_module *m = params;
    for (int i = 0; i < m->n; i++) {
        const campaign_params *c = &m->c[i];
        if (!in_window(c, v->t))
            continue;
        double left = v->bill - v->discount;
        if (c->discount > 0 && left > 0)
            promo_discount(v, c->discount * left);
        if (c->voucher > 0 && st[i] == VOUCHER_WAITING && left > 0) {
            promo_discount(v, fmin(c->voucher, v->bill - v->discount));
            st[i] = VOUCHER_USED;
        }
    }
}

static void campaign_after_decision(const void *params, double *st, const visit_ctx *v,
                                    next_visit *n, gsl_rng *r, const promo_services *s)
{
    (void)st;
    (void)r;
    const campaign_module *m = params;
    /* the first visit the simulation sees: a new customer's first purchase,
     * or an existing customer's standing on the as-of date of a fitted base */
    if (v->purchase_no != 1 && !n->existing)
        return;
    for (int i = 0; i < m->n; i++)
        if (v->t < m->c[i].start_day)
            s->schedule(s->ctx, m->c[i].start_day, i);
}

/* Whether a customer silent for `silent` days is in the audience. */
static int in_audience(const campaign_module *m, const campaign_params *c, double silent)
{
    switch (c->audience) {
    case AUDIENCE_ACTIVE_SILENT: return silent < m->life.dormant_after;
    case AUDIENCE_NOT_LOST: return silent < m->life.lost_after;
    default: return 1;
    }
}

static void campaign_on_event(const void *params, double *st, calendar_event *ev, gsl_rng *r,
                              const promo_services *s)
{
    const campaign_module *m = params;
    if (ev->tag < 0 || ev->tag >= m->n)
        return;
    const campaign_params *c = &m->c[ev->tag];
    if (!in_audience(m, c, ev->t - ev->t_last) || !(gsl_rng_uniform(r) < c->reach))
        return;
    s->touch(s->ctx, ev->t, c->cost_per_message);
    if (c->voucher > 0)
        st[ev->tag] = VOUCHER_WAITING;
    calendar_offer_answer(ev, c->stop_day - ev->t, c->response, c->lapsed_response, r);
}

/* "from day 30 to day 60, 10 % off every bill" or "..., a voucher of 50" */
static void offer_text(const campaign_params *c, char *buf, size_t len, int lang)
{
    if (c->voucher > 0)
        snprintf(buf, len, tr(lang, "a voucher of %g for those the message reaches"), c->voucher);
    else if (c->discount > 0)
        snprintf(buf, len, tr(lang, "%.0f %% off every bill"), 100 * c->discount);
    else
        snprintf(buf, len, "%s", tr(lang, "no offer, the message alone"));
}

static const char *audience_text(int audience, int lang)
{
    static const char *const text[] = {
        N_("the active and silent customers"),
        N_("every customer not yet given up"),
        N_("every customer ever acquired"),
    };
    return tr(lang, text[audience]);
}

static void campaign_describe(const void *params, char *buf, size_t len, int lang)
{
    const campaign_module *m = params;
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < m->n && used < len; i++) {
        const campaign_params *c = &m->c[i];
        char offer[128];
        offer_text(c, offer, sizeof offer, lang);
        used += (size_t)snprintf(buf + used, len - used,
                                 tr(lang, "%scampaign %s: days %d to %d, %s, a message to %.0f %% (%g "
                                          "each)"),
                                 i ? "; " : "", m->label[i], c->start_day, c->stop_day, offer,
                                 100 * c->reach, c->cost_per_message);
    }
}

static void campaign_explain(const void *params, FILE *f, int lang, int html)
{
    const campaign_module *m = params;
    const char *currency = lang_currency(lang, m->currency);
    for (int i = 0; i < m->n; i++) {
        const campaign_params *c = &m->c[i];
        char offer[128];
        offer_text(c, offer, sizeof offer, lang);
        text_paraf(f, html,
             tr(lang,
               "Campaign %s, from day %d to day %d: %s. On day %d a message goes to %s, reaching "
               "%.0f %% of them (%g %s each). Of those reached whose next visit would fall after "
               "the campaign, %.0f %% come during it instead; %.0f %% of those who would never have "
               "come back return for it."),
             m->label[i], c->start_day, c->stop_day, offer, c->start_day,
             audience_text(c->audience, lang), 100 * c->reach, c->cost_per_message, currency,
             100 * c->response, 100 * c->lapsed_response);
    }
    text_paraf(f, html, "%s",
         tr(lang,
           "It moves visits in time more than it makes new ones: a customer who comes during the "
           "campaign does not come again at the usual time. What it costs: the offer on every visit "
           "in the window, those that would have come anyway included, and every message sent."));
}

const promo_type promo_campaign = {
    .name = "campaign",
    .summary = "A dated campaign: an offer from day A to day B and a message",
    .section = &promo_section_campaign,
    .state_slots = CAMPAIGN_MAX,
    .prepare = campaign_prepare,
    .release = campaign_release,
    .at_till = campaign_at_till,
    .describe = campaign_describe,
    .explain = campaign_explain,
    .after_decision = campaign_after_decision,
    .on_event = campaign_on_event,
};
