/* Word of mouth: promoters bring referred prospects, detractors cost
 * prospects (seed 000: a disappointed customer tells more people than a
 * pleased one).
 *
 * A module of the same kind as the promotions (sim/promotion.h).  It reads
 * the signal the customer model gives of each visit (visit_ctx.signal, the
 * satisfaction model's value minus expectation): a visit at or above
 * promoter_threshold makes a promoter, who refers a Poisson number of
 * prospects (mean: referrals_per_promoter, after every referral hook such as
 * a referral programme), each arriving uniformly within delay_days through
 * the referral channel; a visit at or below detractor_threshold makes a
 * detractor, who removes detractor_weight promoters' worth of organic
 * prospects spread over the following delay_days.  A model without a signal
 * (BG/NBD, sBG) makes neither.
 *
 * Streams: one per visit, this module's own (sim/rng.h), drawn only for a
 * promoter: the number of referrals, then each one's day.  A referred
 * prospect's id derives from the referrer (the engine's refer service), so
 * other customers' streams do not move when referrals change. */
#include <ctype.h>
#include <gsl/gsl_randist.h>
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

static int check_wom(void *params, const char *label, const struct scenario *sc,
                     diag *d)
{
    (void)label;
    wom_params *w = params;
    if (!w->enabled || !scen_present(sc, &section_wom))
        return 0;
    if (w->detractor_threshold >= w->promoter_threshold)
        return diag_set(d, DIAG_USAGE,
                        "[word_of_mouth] detractor_threshold (%g) must be below promoter_threshold (%g)",
                        w->detractor_threshold, w->promoter_threshold);
    int n = scen_count(sc, &section_channel);
    /* channel labels are lower case (as iniparser reads them): match so */
    for (char *p = w->into_channel; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    if (w->into_channel[0]) {
        const char *names[SCEN_MAX_INSTANCES + 1];
        for (int i = 0; i < n; i++) {
            scen_nth(sc, &section_channel, i, &names[i]);
            if (!strcmp(names[i], w->into_channel))
                return 0;
        }
        names[n] = NULL;
        const char *near = diag_nearest(w->into_channel, names);
        return diag_set(d, DIAG_USAGE,
                        "[word_of_mouth] into_channel = '%s' names no [channel.%s] section%s%s%s",
                        w->into_channel, w->into_channel, near ? tr(lang_ui(), " (did you mean '") : "",
                        near ? near : "", near ? tr(lang_ui(), "'?)") : "");
    }
    for (int i = 0; i < n; i++) {
        const char *lab;
        const channel_params *c = scen_nth(sc, &section_channel, i, &lab);
        if (c->path == PATH_REFERRAL) {
            snprintf(w->into_channel, sizeof w->into_channel, "%s", lab);
            return 0;
        }
    }
    return diag_set(d, DIAG_USAGE,
                    "[word_of_mouth] needs a channel for referred prospects: add a [channel.NAME] "
                    "with path = referral, or set into_channel");
}

static const scen_key wom_keys[] = {
    { "enabled", KEY_BOOL, offsetof(wom_params, enabled), 1, 0, 1, 0, "",
      NO_CHOICES, N_("Word of mouth is on when this section is present, unless this is false.") },
    { "promoter_threshold", KEY_REAL, offsetof(wom_params, promoter_threshold),
      20, -1e9, 1e9, 0, "currency", NO_CHOICES,
      N_("A visit whose satisfaction (value minus expectation) reaches this makes the customer a promoter.") },
    { "detractor_threshold", KEY_REAL, offsetof(wom_params, detractor_threshold),
      -20, -1e9, 1e9, 0, "currency", NO_CHOICES,
      N_("A visit whose satisfaction falls to this or below makes the customer a detractor.") },
    { "referrals_per_promoter", KEY_REAL,
      offsetof(wom_params, referrals_per_promoter), 0.1, 0, 100, 0,
      "prospects/visit", NO_CHOICES, N_("Mean referred prospects per promoter visit (Poisson).") },
    { "detractor_weight", KEY_REAL, offsetof(wom_params, detractor_weight), 5, 0,
      1000, 0, "promoters", NO_CHOICES,
      N_("A detractor's visit removes this many promoters' worth of prospects from the organic channels.") },
    { "delay_days", KEY_INT, offsetof(wom_params, delay_days), 30, 1, 3650, 0,
      "days", NO_CHOICES, N_("Referrals and lost prospects spread uniformly over this many days after the visit.") },
    { "into_channel", KEY_TEXT, offsetof(wom_params, into_channel), 0, 0, 0, 0,
      "", NO_CHOICES, N_("Channel (label) that referred prospects enter through; default: the first with path = referral.") },
    { 0 }
};

const scen_section section_wom = {
    "word_of_mouth", N_("Promoters bring referred prospects; detractors cost prospects."),
    sizeof(wom_params), 1, wom_keys, check_wom
};

typedef struct wom_module {
    wom_params w;
    int channel;                 /* the referral channel's index among [channel.*] */
} wom_module;

static void *wom_prepare(const scenario *sc, const promo_env *env, diag *d)
{
    (void)env;
    wom_module *p = malloc(sizeof *p);
    if (!p) {
        diag_set(d, DIAG_RUNTIME, "out of memory");
        return NULL;
    }
    p->w = *(const wom_params *)scen_get(sc, &section_wom);
    p->channel = -1;
    for (int i = 0; i < scen_count(sc, &section_channel); i++) {
        const char *label;
        scen_nth(sc, &section_channel, i, &label);
        if (!strcmp(label, p->w.into_channel))
            p->channel = i;
    }
    return p;
}

static void wom_release(void *p)
{
    free(p);
}

/* The base of the referral chain: a promoter's referrals before any
 * programme amplifies them (it runs first: models/registry.c). */
static double wom_referral(const void *params, double rate, double *reward)
{
    (void)reward;
    return rate + ((const wom_module *)params)->w.referrals_per_promoter;
}

static void wom_after_decision(const void *params, double *state, const visit_ctx *v,
                               next_visit *n, gsl_rng *r, const promo_services *s)
{
    (void)state;
    const wom_module *p = params;
    const wom_params *wp = &p->w;
    if (!wp->enabled || !v->has_signal)
        return;
    if (v->signal >= wp->promoter_threshold) {
        s->count(s->ctx, MET_PROMOTER_VISITS, 1);
        unsigned int k = gsl_ran_poisson(r, n->referral_rate);
        for (unsigned int i = 0; i < k; i++) {
            double t = v->t + wp->delay_days * gsl_rng_uniform(r);
            if (t < n->horizon)
                s->refer(s->ctx, t, p->channel, i);
        }
    } else if (v->signal <= wp->detractor_threshold) {
        s->count(s->ctx, MET_DETRACTOR_VISITS, 1);
        /* a detractor costs detractor_weight promoters' worth of prospects,
         * spread over the following delay_days */
        double per_day = wp->detractor_weight * wp->referrals_per_promoter / wp->delay_days;
        int from = (int)v->t + 1;
        s->suppress(s->ctx, from, from + wp->delay_days, per_day);
    }
}

static void wom_explain(const void *params, FILE *f, int lang, int html)
{
    const wom_params *w = &((const wom_module *)params)->w;
    if (!w->enabled)
        return;
    text_paraf(f, html,
         tr(lang,
           "Word of mouth: a visit with satisfaction above %g makes a promoter, who brings %g "
           "friends on average about %d days later; below %g a detractor, who costs %g times as "
           "many prospects as a promoter brings."),
         w->promoter_threshold, w->referrals_per_promoter, w->delay_days,
         w->detractor_threshold, w->detractor_weight);
}

const promo_type promo_word_of_mouth = {
    .name = "word_of_mouth",
    .summary = "Promoters bring referred prospects; detractors cost prospects",
    .section = &section_wom,
    .prepare = wom_prepare,
    .release = wom_release,
    .referral = wom_referral,
    .explain = wom_explain,
    .after_decision = wom_after_decision,
    .standing = 1,
};
