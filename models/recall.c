/* Recall: a reminder a fixed number of days after the last visit, sent
 * when the customer has not come back by then (seed 002's day-20 message
 * for a 20-30 day haircut cycle).
 *
 * A module of the same kind as the promotions (sim/promotion.h): once the
 * customer model has decided whether and when the customer comes next, the
 * reminder goes out on day `day` after the visit if that next visit is
 * later (or never).  Of those who would never come back, `lift` are won
 * back and return within response_days of it (uniformly); of those who
 * would come back anyway but later, `pull_forward` come sooner, within
 * response_days.  Each reminder within the horizon costs `cost` (touch
 * cost).  A reminder that falls after the horizon costs nothing in it, but
 * whether it would win the customer back still decides whether they are
 * truly lost (survival): the same draw a longer horizon would make, so the
 * answer does not depend on the horizon.
 *
 * Streams: one per visit, this module's own (sim/rng.h), drawn only when a
 * reminder is sent: a uniform against lift or pull_forward, then the day
 * of the response. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/lang.h"
#include "../sim/metrics.h"
#include "../sim/promotion.h"
#include "../sim/sections.h"
#include "../sim/text.h"
#include "standing.h"

#define NO_CHOICES NULL

static int check_recall(void *params, const char *label,
                        const struct scenario *sc, diag *d)
{
    (void)label;
    recall_params *r = params;
    const lifecycle_params *l = scen_get(sc, &section_lifecycle);
    if (l && r->enabled && scen_present(sc, &section_recall) && r->day >= l->lost_after)
        return diag_set(d, DIAG_USAGE,
                        "[recall] day = %d is not before [lifecycle] lost_after = %d: "
                        "the customer would already be given up",
                        r->day, l->lost_after);
    return 0;
}

static const scen_key recall_keys[] = {
    { "enabled", KEY_BOOL, offsetof(recall_params, enabled), 1, 0, 1, 0, "",
      NO_CHOICES, N_("Recall is on when this section is present, unless this is false.") },
    { "day", KEY_INT, offsetof(recall_params, day), 20, 1, 3650, 0, "days",
      NO_CHOICES, N_("A reminder goes out this many days after the last visit, if the customer has not come back.") },
    { "cost", KEY_REAL, offsetof(recall_params, cost), 0.5, 0, 1e6, 0,
      "currency", NO_CHOICES, N_("Cost of one reminder.") },
    { "lift", KEY_REAL, offsetof(recall_params, lift), 0.1, 0, 1, KEY_EFFECT,
      "probability", NO_CHOICES,
      N_("Chance that a reminder brings back a customer who would otherwise never return.") },
    { "response_days", KEY_INT, offsetof(recall_params, response_days), 7, 1,
      365, 0, "days", NO_CHOICES, N_("A recalled customer comes back within this many days of the reminder (uniformly).") },
    { "pull_forward", KEY_REAL, offsetof(recall_params, pull_forward), 0, 0, 1, KEY_EFFECT, "probability",
      NO_CHOICES,
      N_("Chance that a reminder brings a customer who would come back anyway in sooner (within response_days of it).") },
    { 0 }
};

const scen_section section_recall = {
    "recall", N_("A reminder a fixed number of days after the last visit (e.g. day 20 for a 20-30 day haircut cycle)."),
    sizeof(recall_params), 1, recall_keys, check_recall
};

typedef struct recall_module {
    recall_params r;
    char currency[SCEN_TEXT_MAX];
} recall_module;

static void *recall_prepare(const scenario *sc, const promo_env *env, diag *d)
{
    (void)env;
    recall_module *p = malloc(sizeof *p);
    if (!p) {
        diag_set(d, DIAG_RUNTIME, "out of memory");
        return NULL;
    }
    p->r = *(const recall_params *)scen_get(sc, &section_recall);
    snprintf(p->currency, sizeof p->currency, "%s", scen_currency(sc));
    return p;
}

static void recall_release(void *p)
{
    free(p);
}

static void recall_after_decision(const void *params, double *state, const visit_ctx *v,
                                  next_visit *n, gsl_rng *r, const promo_services *s)
{
    (void)state;
    const recall_params *rp = &((const recall_module *)params)->r;
    if (!rp->enabled || !(n->next - v->t > rp->day))
        return;
    double when = v->t + rp->day;
    if (when < n->from)
        return;     /* due before the as-of date of a fitted base: history, not sent */
    if (when < n->horizon) {
        s->touch(s->ctx, when, rp->cost);
        s->count(s->ctx, MET_REMINDERS, 1);
        if (!n->stays) {
            if (gsl_rng_uniform(r) < rp->lift) {
                n->next = when + rp->response_days * gsl_rng_uniform(r);
                s->count(s->ctx, MET_RECALLED, 1);
            }
        } else if (rp->pull_forward > 0) {
            /* a customer who would come back anyway may come sooner */
            if (gsl_rng_uniform(r) < rp->pull_forward) {
                double sooner = when + rp->response_days * gsl_rng_uniform(r);
                if (sooner < n->next)
                    n->next = sooner;
            }
        }
    } else if (!n->stays && isinf(n->next) && gsl_rng_uniform(r) < rp->lift) {
        /* after the horizon: decides survival only, no cost in it */
        n->next = when + rp->response_days * gsl_rng_uniform(r);
    }
}

static void recall_describe(const void *params, char *buf, size_t len, int lang)
{
    const recall_params *r = &((const recall_module *)params)->r;
    if (!r->enabled) {
        buf[0] = '\0';
        return;
    }
    snprintf(buf, len,
             tr(lang, "recall: a reminder %d days after the last visit, %g each, wins back %.0f %% of "
                      "those who would not return and brings %.0f %% of the others in sooner"),
             r->day, r->cost, 100 * r->lift, 100 * r->pull_forward);
}

static void recall_explain(const void *params, FILE *f, int lang, int html)
{
    const recall_module *p = params;
    const recall_params *r = &p->r;
    if (!r->enabled)
        return;
    const char *currency = lang_currency(lang, p->currency);
    text_heading(f, html, 3, tr(lang, "The reminder"));
    text_paraf(f, html,
         tr(lang,
           "%d days after each visit, a customer who has not come back yet gets a message (%g %s "
           "each). Of those who would never have come back, %.0f %% are won back and return within "
           "%d days. It changes the chance to come back after every visit, not the visit itself: it "
           "works best just before the customer's natural time to return."),
         r->day, r->cost, currency, 100 * r->lift, r->response_days);
    if (r->pull_forward > 0)
        text_paraf(f, html,
             tr(lang,
               "Of those who would come back anyway, later than day %d, %.0f %% come sooner: within "
               "%d days of the message. That is where the reminder's timing matters."),
             r->day, 100 * r->pull_forward, r->response_days);
}

const promo_type promo_recall = {
    .name = "recall",
    .summary = "A reminder a fixed number of days after the last visit",
    .section = &section_recall,
    .prepare = recall_prepare,
    .release = recall_release,
    .describe = recall_describe,
    .explain = recall_explain,
    .after_decision = recall_after_decision,
    .standing = 1,
};
