/* Measured effect: a promotion whose effect was measured on a pilot (issue
 * 12, `retsim pilot`), applied as the three multiplicative levers every
 * customer model shares (sim/model.h), whatever the model, a fitted
 * BG/NBD base included.  The pilot's estimate (fit/pilot_levers.h) gives
 * each lever as a ratio treated / control; rollout.ini writes each ratio as
 * an uncertain value, lognormal(log ratio, its standard error), drawn once
 * per pair of replications, so the rollout's interval carries the pilot's
 * uncertainty.
 *
 *   spend_ratio    at the till the bill is scaled (cash and revenue with
 *                  it, so cost of goods follows what was served).
 *   rate_ratio     after the model has decided when the customer comes
 *                  next (after_decision), the gap from `from` (the visit,
 *                  or day 0 for an existing customer of a fitted base) to
 *                  that visit is divided by the ratio.  For exponential
 *                  gaps (BG/NBD, MBG/NBD and Pareto/NBD while alive: a
 *                  Poisson process of rate lambda) Exp(lambda) / k is
 *                  Exp(k lambda) exactly, and by memorylessness the
 *                  remaining gap of an existing customer, seen from day 0,
 *                  is Exp(lambda) too: the customer buys at k x lambda.  For
 *                  other laws it scales the mean gap by 1/k (the mean rate
 *                  by k).  Within a simulated pilot ([pilot]) the visit
 *                  a treated customer booked before the start is offered
 *                  on the start day (sim/engine.c, pilot_opens, from = the
 *                  start) and its remaining wait divided by k, later for a
 *                  ratio below 1 as earlier for one above: the natural
 *                  time change (operational time runs k times as fast),
 *                  exact for exponential gaps, so the effect acts from the
 *                  start either way (tests/test_measured_effect.c).
 *   dropout_ratio  scales the hazard of leaving for good after a visit
 *                  (the model's churn, after_visit): P(leave) = 1 - (1 -
 *                  churn)^k, about k x churn for a small churn and never
 *                  above 1.  That is the covariate model's dropout lever
 *                  (fit/pilot_model.c: BG/NBD's p per purchase becomes
 *                  1 - (1 - p)^k for the treated), so a measured ratio means
 *                  the same here.  Under Pareto/NBD, whose churn per
 *                  purchase is mu/(lambda+mu), it scales that chance,
 *                  not mu itself: an approximation there.  An existing
 *                  customer's being alive on the as-of date is history and
 *                  is not changed.
 *
 * Cost: cost_per_use is paid at every visit of a treated customer (a
 * discount, a gift: promo_cost); cost_per_customer_month is paid for every
 * customer on the books, from their first visit (or day 0 for an existing
 * customer) every month to the horizon, alive or not, since the business
 * cannot tell (a monthly message, a membership's upkeep): a touch.
 *
 * Ratio 1 changes nothing, bit for bit: each lever is skipped at exactly
 * 1, and the module draws no random number of the model's streams. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "../sim/lang.h"
#include "../sim/promotion.h"
#include "../sim/text.h"

#define NO_CHOICES NULL
#define ME_DAYS_PER_MONTH (365.25 / 12.0)

enum { ST_FEE_STARTED };
enum { EVENT_MONTH = 0 };

typedef struct measured_effect_params {
    double rate_ratio, dropout_ratio, spend_ratio;
    double cost_per_use, cost_per_customer_month;
} measured_effect_params;

static const scen_key measured_effect_keys[] = {
    /* xgettext:no-c-format */
    { "rate_ratio", KEY_REAL, offsetof(measured_effect_params, rate_ratio), 1, 0, 100, KEY_MIN_OPEN,
      "factor", NO_CHOICES,
      N_("Purchase rate of the treated over the control's (1.1: 10 % more often): the days to the next "
         "visit are divided by it. May be uncertain, e.g. lognormal(0.095, 0.03) from a pilot.") },
    { "dropout_ratio", KEY_REAL, offsetof(measured_effect_params, dropout_ratio), 1, 0, 100, 0,
      "factor", NO_CHOICES,
      N_("Hazard of leaving for good after a visit, treated over control (0.8: about a fifth fewer "
         "leave): the churn c becomes 1 - (1 - c)^ratio, as the pilot's dropout lever measures it.") },
    { "spend_ratio", KEY_REAL, offsetof(measured_effect_params, spend_ratio), 1, 0, 100, KEY_MIN_OPEN,
      "factor", NO_CHOICES,
      N_("Spend per visit of the treated over the control's: the bill is multiplied by it.") },
    { "cost_per_use", KEY_REAL, offsetof(measured_effect_params, cost_per_use), 0, 0, 1e9, 0, "currency",
      NO_CHOICES,
      N_("What the promotion costs at each visit of a treated customer (a discount, a gift).") },
    { "cost_per_customer_month", KEY_REAL, offsetof(measured_effect_params, cost_per_customer_month), 0,
      0, 1e9, 0, "currency", NO_CHOICES,
      N_("What it costs per customer on the books per month, from their first visit (or the start) to "
         "the horizon, whether they still buy or not (a monthly message, a membership's upkeep).") },
    { 0 }
};

const scen_section promo_section_measured_effect = {
    "measured_effect",
    N_("A promotion's effect as measured on a pilot (retsim pilot writes it into rollout.ini): purchase "
       "rate, dropout and spend per visit as ratios treated / control, each possibly uncertain, and "
       "its cost."),
    sizeof(measured_effect_params), 1, measured_effect_keys, NULL
};

static void *me_prepare(const scenario *sc, const promo_env *env, diag *d)
{
    (void)env;
    measured_effect_params *p = malloc(sizeof *p);
    if (!p) {
        diag_set(d, DIAG_RUNTIME, "out of memory");
        return NULL;
    }
    *p = *(const measured_effect_params *)scen_get(sc, &promo_section_measured_effect);
    return p;
}

static void me_release(void *p)
{
    free(p);
}

static void me_at_till(const void *params, double *st, visit_ctx *v, gsl_rng *r)
{
    (void)st;
    (void)r;
    const measured_effect_params *p = params;
    if (p->spend_ratio != 1.0) {
        double more = v->bill * (p->spend_ratio - 1.0);
        v->bill += more;
        v->cash += more;
        v->revenue += more;
    }
    v->promo_cost += p->cost_per_use;
}

static void me_after_visit(const void *params, double *st, visit_ctx *v, gsl_rng *r)
{
    (void)st;
    (void)r;
    const measured_effect_params *p = params;
    if (p->dropout_ratio != 1.0) {
        v->churn = 1 - pow(1 - v->churn, p->dropout_ratio);
    }
}

static void me_after_decision(const void *params, double *st, const visit_ctx *v, next_visit *n,
                              gsl_rng *r, const promo_services *s)
{
    (void)v;
    (void)r;
    const measured_effect_params *p = params;
    if (p->rate_ratio != 1.0 && isfinite(n->next) && n->next > n->from)
        n->next = n->from + (n->next - n->from) / p->rate_ratio;
    if (p->cost_per_customer_month > 0 && st[ST_FEE_STARTED] == 0) {
        st[ST_FEE_STARTED] = 1;
        s->schedule(s->ctx, n->existing ? n->from : n->t, EVENT_MONTH);
    }
}

static void me_on_event(const void *params, double *st, calendar_event *ev, gsl_rng *r,
                        const promo_services *s)
{
    (void)st;
    (void)r;
    const measured_effect_params *p = params;
    s->touch(s->ctx, ev->t, p->cost_per_customer_month);
    s->schedule(s->ctx, ev->t + ME_DAYS_PER_MONTH, EVENT_MONTH);
}

static void me_describe(const void *params, char *buf, size_t len, int lang)
{
    const measured_effect_params *p = params;
    snprintf(buf, len, tr(lang, "measured effect: rate x %.3g, dropout x %.3g, spend x %.3g; cost %g per "
                                "use, %g per customer-month"),
             p->rate_ratio, p->dropout_ratio, p->spend_ratio, p->cost_per_use, p->cost_per_customer_month);
}

static void me_explain(const void *params, FILE *f, int lang, int html)
{
    const measured_effect_params *p = params;
    char buf[1024];
    snprintf(buf, sizeof buf,
             tr(lang, "The effect measured on a pilot, applied to every customer: they buy %.3g times as "
                      "often (the days to their next visit divided by %.3g), leave for good after a visit "
                      "%.3g times as often, and spend %.3g times as much per visit. It costs %g at each "
                      "visit and %g per customer and month."),
             p->rate_ratio, p->rate_ratio, p->dropout_ratio, p->spend_ratio, p->cost_per_use,
             p->cost_per_customer_month);
    text_para(f, html, buf);
}

const promo_type promo_measured_effect = {
    .name = "measured_effect",
    .summary = "The effect measured on a pilot: rate, dropout and spend ratios, and its cost",
    .section = &promo_section_measured_effect,
    .state_slots = 1,
    .prepare = me_prepare,
    .release = me_release,
    .at_till = me_at_till,
    .after_visit = me_after_visit,
    .describe = me_describe,
    .explain = me_explain,
    .after_decision = me_after_decision,
    .on_event = me_on_event,
};
