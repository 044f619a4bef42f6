#include "sections.h"
#include "calibration.h"
#include "basefile.h"
#include "lang.h"

#include "pilot.h"
#include "plugins.h"
#include "queue.h"
#include "uncertain.h"

#include <ctype.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define NO_CHOICES NULL

static int check_scenario(void *params, const char *label,
                          const struct scenario *sc, diag *d)
{
    (void)label;
    const scenario_params *sp = params;
    int nchannels = scen_count(sc, &section_channel);
    /* a fitted base starts with its existing customers: new ones are
     * welcome but not needed (a closed cohort such as CDNOW's has none) */
    if (scen_present(sc, &section_base))
        return 0;
    if (nchannels == 0)
        return diag_set(d, DIAG_USAGE,
                        "no [channel.NAME] section: customers need a way in; add e.g.\n"
                        "  [channel.walkin]\n  prospects_per_day = 10\n  step_conversion = 0.3");
    /* A scenario no customer can enter passes every range check, then
     * every metric is 0/0 and the plots have nothing to draw: refuse it
     * here, saying why for each channel.  A channel fed by referrals alone
     * (prospects_per_day = 0) needs customers from another to start. */
    char why[1200] = "";
    size_t used = 0;
    for (int i = 0; i < nchannels; i++) {
        const char *name;
        const channel_params *c = scen_nth(sc, &section_channel, i, &name);
        double conversion = pow(c->step_conversion, c->funnel_steps);
        char reason[200];
        if (!(c->prospects_per_day > 0))
            snprintf(reason, sizeof reason, "prospects_per_day = 0");
        else if (!(conversion > 0))
            snprintf(reason, sizeof reason, "step_conversion = 0, so no prospect buys");
        else if (c->start_day >= sp->horizon_days)
            snprintf(reason, sizeof reason, "opens on day %d, after the %d-day horizon",
                     c->start_day, sp->horizon_days);
        else
            return 0;
        if (used < sizeof why)
            used += (size_t)snprintf(why + used, sizeof why - used, "%s[channel.%s] %s",
                                     i ? "; " : "", name, reason);
    }
    return diag_set(d, DIAG_USAGE,
                    "no customer can ever arrive, so every metric would be undefined: %s; give "
                    "one channel prospects_per_day > 0 and step_conversion > 0 within the horizon",
                    why);
}

static const scen_key scenario_keys[] = {
    { "name", KEY_TEXT, offsetof(scenario_params, name), 0, 0, 0, 0, "",
      NO_CHOICES, N_("Display name in reports and plots (default: the file name).") },
    { "description", KEY_TEXT, offsetof(scenario_params, description), 0, 0, 0,
      0, "", NO_CHOICES, N_("One line saying what the scenario is about.") },
    { "currency", KEY_TEXT, offsetof(scenario_params, currency), 0, 0, 0, 0, "",
      NO_CHOICES, N_("Currency label for money in reports (default: yuan).") },
    { "horizon_days", KEY_INT, offsetof(scenario_params, horizon_days), 730, 1,
      3650, 0, "days", NO_CHOICES, N_("How long the business is simulated.") },
    { "base", KEY_TEXT, offsetof(scenario_params, base), 0, 0, 0, 0, "", NO_CHOICES,
      N_("A scenario this one starts from (path relative to this file); this file's keys override its keys.") },
    { 0 }
};

const scen_section section_scenario = {
    "scenario", N_("What is simulated and for how long."), sizeof(scenario_params),
    1, scenario_keys, check_scenario
};

static const char *const path_names[] = { "need_first", "touch_first",
                                          "referral", NULL };

static int check_channel(void *params, const char *label,
                         const struct scenario *sc, diag *d)
{
    (void)sc;
    (void)label;
    channel_params *c = params;
    c->conversion = pow(c->step_conversion, c->funnel_steps);
    if (c->start_day >= c->stop_day)
        return diag_set(d, DIAG_USAGE,
                        "[channel.%s] start_day (%d) must be before stop_day (%d)",
                        label, c->start_day, c->stop_day);
    return 0;
}

static const scen_key channel_keys[] = {
    { "prospects_per_day", KEY_REAL, offsetof(channel_params, prospects_per_day),
      10, 0, 1e6, 0, "prospects/day", NO_CHOICES,
      N_("Mean prospects arriving per day (Poisson); 0 for a channel fed only by referrals.") },
    { "cost_per_prospect", KEY_REAL, offsetof(channel_params, cost_per_prospect),
      0, 0, 1e9, 0, "currency", NO_CHOICES,
      N_("Acquisition cost of each prospect, whether or not they buy.") },
    { "path", KEY_CHOICE, offsetof(channel_params, path), PATH_NEED_FIRST, 0, 0,
      0, "", path_names,
      N_("Decision path: need_first (need, touchpoint, trust), touch_first (touchpoint, need, trust), "
      "referral (need, trust from a friend, touchpoint). Word of mouth feeds the first referral channel.") },
    { "funnel_steps", KEY_INT, offsetof(channel_params, funnel_steps), 1, 1, 20,
      0, "steps", NO_CHOICES,
      N_("Steps between first contact and the deal (e.g. chat, booking, visit, second talk, deal = 5).") },
    { "step_conversion", KEY_REAL, offsetof(channel_params, step_conversion),
      0.3, 0, 1, 0, "probability", NO_CHOICES,
      N_("Share of prospects passing each funnel step; conversion to a first purchase is this to the power funnel_steps.") },
    { "start_day", KEY_INT, offsetof(channel_params, start_day), 0, 0, 3650, 0,
      "day", NO_CHOICES, N_("First day prospects arrive through this channel (e.g. a campaign's launch).") },
    { "stop_day", KEY_INT, offsetof(channel_params, stop_day), 3650, 1, 3650, 0,
      "day", NO_CHOICES, N_("Prospects stop arriving on this day (a campaign's end); default: never.") },
    { 0 }
};

const scen_section section_channel = {
    "channel", N_("An acquisition channel; name it after the dot, e.g. [channel.douyin]."),
    sizeof(channel_params), 16, channel_keys, check_channel
};

static const scen_key customer_keys[] = {
    { "model", KEY_CHOICE, offsetof(customer_params, model), 0, 0, 0, 0, "",
      sim_model_names,
      N_("Customer behaviour model; its own sections set its parameters.") },
    { 0 }
};

const scen_section section_customer = {
    "customer", N_("Which model of customer behaviour drives the simulation."),
    sizeof(customer_params), 1, customer_keys, NULL
};

static const scen_key economics_keys[] = {
    { "gross_margin", KEY_REAL, offsetof(economics_params, gross_margin), 0.6,
      0, 1, 0, "share of revenue", NO_CHOICES,
      N_("Gross margin on revenue, before acquisition and marketing costs.") },
    { "discount_rate", KEY_REAL, offsetof(economics_params, discount_rate), 0.1,
      0, 1, 0, "per year", NO_CHOICES,
      N_("Yearly discount rate for lifetime value and discounted profit.") },
    { "cost_per_visit", KEY_REAL, offsetof(economics_params, cost_per_visit), 0, 0, 1e9, 0,
      "currency", NO_CHOICES,
      N_("Service cost of each visit beyond the cost of goods (advisor time, follow-up calls): the price of a better experience.") },
    { 0 }
};

const scen_section section_economics = {
    "economics", N_("Margins and the time value of money."),
    sizeof(economics_params), 1, economics_keys, NULL
};

static int check_lifecycle(void *params, const char *label,
                           const struct scenario *sc, diag *d)
{
    (void)label;
    (void)sc;
    lifecycle_params *l = params;
    if (!(l->silent_after < l->dormant_after && l->dormant_after < l->lost_after))
        return diag_set(d, DIAG_USAGE,
                        "[lifecycle] silent_after (%d) < dormant_after (%d) < lost_after (%d) must hold: "
                        "a customer goes silent, then dormant, then is given up",
                        l->silent_after, l->dormant_after, l->lost_after);
    return 0;
}

static const scen_key lifecycle_keys[] = {
    { "silent_after", KEY_INT, offsetof(lifecycle_params, silent_after), 60, 1,
      3650, 0, "days", NO_CHOICES,
      N_("Days without a purchase after which a customer counts as silent (no longer active).") },
    { "dormant_after", KEY_INT, offsetof(lifecycle_params, dormant_after), 180,
      1, 3650, 0, "days", NO_CHOICES, N_("Days without a purchase after which a customer is dormant.") },
    { "lost_after", KEY_INT, offsetof(lifecycle_params, lost_after), 365, 1,
      3650, 0, "days", NO_CHOICES,
      N_("Days without a purchase after which the business gives the customer up (no more touches).") },
    { 0 }
};

const scen_section section_lifecycle = {
    "lifecycle", N_("How the business sees a customer fade: active, silent, dormant, lost."),
    sizeof(lifecycle_params), 1, lifecycle_keys, check_lifecycle
};

const scen_section *const engine_sections[] = {
    &section_scenario, &section_customer, &section_channel, &section_economics,
    &section_lifecycle,
    &section_capacity, /* sim/queue.c */
    &section_base,     /* sim/basefile.c */
    &section_uncertainty, /* sim/uncertain.c */
    &section_pilot,    /* sim/pilot.c */
    &section_calibration, /* sim/calibration.c */
    NULL
};

const char *scen_name(const scenario *sc)
{
    const scenario_params *p = scen_get(sc, &section_scenario);
    if (p && p->name[0])
        return p->name;
    const char *base = strrchr(sc->path, '/');
    return base ? base + 1 : sc->path;
}

const char *scen_currency(const scenario *sc)
{
    const scenario_params *p = scen_get(sc, &section_scenario);
    return p && p->currency[0] ? p->currency : "yuan";
}
