/* The satisfaction-driven customer (../shared/DOMAIN.md section 1).
 *
 *   perceived value = perceived benefit - perceived cost
 *   satisfaction    = perceived value - expectation
 *   churn           = theta * g(satisfaction) * (1 - stickiness(n)) * (1 - loyalty)
 *
 * theta is the customer's own chance of never returning when nothing else
 * acts on it, drawn once from Beta(a, b) (the shifted-beta-geometric
 * customer of Fader and Hardie 2007) or the same for everyone.  g is the
 * response to satisfaction: 1 inside the quality-insensitive zone (the
 * satisfaction trap of the Xerox study: more satisfaction buys no loyalty
 * there), rising exponentially below it, falling towards a floor above it
 * (only the very satisfied become markedly more loyal).  Stickiness rises
 * with the number of purchases and reaches 95 % of its maximum at the knee
 * (GrowingIO: the first three purchases move it most, the fifth is the
 * knee).  New customers whose perceived value is negative are mostly lost
 * (seed 000: about 95 %).  Expectation starts at what marketing promised and
 * then learns from each visit, so a great visit raises the bar for the next
 * (a one-off gift does not: expectation learns the value without it).
 *
 * With the response, the new-customer rule, stickiness and loyalty off,
 * churn is theta: retention after k cycles is (1 - theta)^k, or
 * B(a, b + k) / B(a, b) with heterogeneity (tests prove both).  After the
 * first purchase theta is multiplied by [churn] first_purchase_factor (1
 * by default; 0 makes the customer BG/NBD's, with the visit keys below set
 * to its rates: docs/calibrate.md, the CDNOW section).
 *
 * Visits come at the customer's own pace: one cycle for all, or with
 * [visits] rate_cv each customer's own rate, drawn once (BG/NBD's gamma
 * spread of purchase rates).  An existing customer of a [base] has their
 * hidden traits drawn given their history (sat_from_history, below). */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/model.h"
#include "../sim/queue.h"
#include "../sim/sections.h"
#include "../sim/lang.h"
#include "../sim/text.h"
#include "satisfaction.h"

enum { ST_THETA, ST_LOYALTY, ST_TASTE, ST_EXPECTATION, ST_CYCLE, ST_SLOTS };
_Static_assert(ST_SLOTS == SAT_TRAITS, "sat_params.slot has a place for every trait");

/* A trait the parameters make the same for every customer, for good
 * (sat_state_layout): what sat_customer_init would have set it to. */
static double sat_fixed_trait(const sat_params *p, int k)
{
    switch (k) {
    case ST_THETA:
        return p->churn.mean;
    case ST_LOYALTY:
        return p->loyalty.mean;
    case ST_TASTE:
        return 1.0;
    case ST_EXPECTATION:
        return p->experience.promise;
    default:
        return p->visits.cycle_days;
    }
}

/* A customer's trait k: from their state where it is kept, else the
 * parameters' one value. */
static inline double trait(const sat_params *p, const double *state, int k)
{
    int at = p->slot[k];
    return at >= 0 ? state[at] : sat_fixed_trait(p, k);
}

static inline void set_trait(const sat_params *p, double *state, int k, double x)
{
    int at = p->slot[k];
    if (at >= 0)
        state[at] = x;
}

/* Which traits a customer's state keeps: those that differ between
 * customers (a churn, loyalty, taste or visit rate drawn for each) or move
 * (expectation, when it learns).  The others are the same number for every
 * customer throughout (sat_fixed_trait), so the engine keeps no room for
 * them: the textbook case keeps 1 double a customer, not 5 (docs/
 * benchmarks.md, issue 14's memory target).  Every draw is made as before,
 * so the numbers do not move. */
static void sat_state_layout(sat_params *p)
{
    int varies[ST_SLOTS] = {
        [ST_THETA] = p->churn.heterogeneous,
        [ST_LOYALTY] = p->loyalty.mean > 0 && p->loyalty.polarisation > 0,
        [ST_TASTE] = p->experience.taste_sd > 0,
        [ST_EXPECTATION] = p->experience.expectation_learning != 0,
        [ST_CYCLE] = p->visits.rate_cv > 0,
    };
    p->nslots = 0;
    for (int k = 0; k < ST_SLOTS; k++)
        p->slot[k] = (signed char)(varies[k] ? p->nslots++ : -1);
}

static int sat_state_slots_used(const void *params)
{
    return ((const sat_params *)params)->nslots;
}

/* No customer's own mean cycle below this many days (about a quarter of an
 * hour), so that a far tail of the rate spread cannot make one customer
 * visit without end; no realistic rate_cv comes near it. */
#define SAT_MIN_CYCLE 0.01

#define NO_CHOICES NULL

/* ---- [churn] ---- */

static int check_churn(void *params, const char *label, const scenario *sc,
                       diag *d)
{
    (void)label;
    sat_churn_params *c = params;
    int beta_given = !isnan(c->beta_a) || !isnan(c->beta_b);
    if (beta_given) {
        if (isnan(c->beta_a) || isnan(c->beta_b))
            return diag_set(d, DIAG_USAGE,
                            "[churn] beta_a and beta_b go together: give both, or neither and use mean and polarisation");
        if (scen_is_set(sc, &sat_section_churn, NULL, "mean")
            || scen_is_set(sc, &sat_section_churn, NULL, "polarisation"))
            return diag_set(d, DIAG_USAGE,
                            "[churn] gives both beta_a/beta_b and mean/polarisation, which contradict each other; "
                            "keep one pair (mean = a/(a+b), polarisation = 1/(a+b+1))");
        c->a = c->beta_a;
        c->b = c->beta_b;
        c->mean = c->a / (c->a + c->b);
        c->polarisation = 1.0 / (c->a + c->b + 1.0);
        c->heterogeneous = 1;
        return 0;
    }
    c->heterogeneous = c->polarisation > 0;
    if (c->heterogeneous) {
        if (c->mean <= 0 || c->mean >= 1)
            return diag_set(d, DIAG_USAGE,
                            "[churn] mean = %g with polarisation = %g: a spread needs a mean strictly between 0 and 1 "
                            "(or set polarisation = 0 for the same churn for everyone)",
                            c->mean, c->polarisation);
        double k = 1.0 / c->polarisation - 1.0;
        c->a = c->mean * k;
        c->b = (1.0 - c->mean) * k;
    }
    return 0;
}

static const scen_key churn_keys[] = {
    { "mean", KEY_REAL, offsetof(sat_churn_params, mean), 0.6, 0, 1, 0,
      "probability", NO_CHOICES,
      N_("Average chance that a customer never returns after a visit, before satisfaction, stickiness and loyalty act.") },
    { "polarisation", KEY_REAL, offsetof(sat_churn_params, polarisation), 0.25,
      0, 1, KEY_MAX_OPEN, "index", NO_CHOICES,
      N_("How much customers differ (Fader-Hardie polarisation 1/(a+b+1)): 0 = all alike, near 1 = all-or-nothing.") },
    { "beta_a", KEY_REAL, offsetof(sat_churn_params, beta_a), 0, 0, 1e6,
      KEY_MIN_OPEN | KEY_OPTIONAL, "", NO_CHOICES,
      N_("Alternative to mean/polarisation: each customer's churn is drawn from Beta(beta_a, beta_b).") },
    { "beta_b", KEY_REAL, offsetof(sat_churn_params, beta_b), 0, 0, 1e6,
      KEY_MIN_OPEN | KEY_OPTIONAL, "", NO_CHOICES, N_("See beta_a.") },
    { "first_purchase_factor", KEY_REAL, offsetof(sat_churn_params, first_purchase_factor), 1, 0, 1, 0,
      "factor", NO_CHOICES,
      N_("Multiplies the churn after a customer's first purchase (1 = as after any other; 0 = the first "
      "purchase loses nobody, BG/NBD's assumption). The new-customer rule still acts on top.") },
    { 0 }
};

const scen_section sat_section_churn = {
    "churn", N_("Each customer's own chance of never coming back (satisfaction model)."),
    sizeof(sat_churn_params), 1, churn_keys, check_churn
};

/* ---- [loyalty] ---- */

static int check_loyalty(void *params, const char *label, const scenario *sc,
                         diag *d)
{
    (void)label;
    (void)sc;
    sat_loyalty_params *l = params;
    if (l->mean > 0 && l->polarisation > 0 && l->mean >= 1)
        return diag_set(d, DIAG_USAGE, "[loyalty] mean must be below 1 when polarisation > 0");
    return 0;
}

static const scen_key loyalty_keys[] = {
    { "mean", KEY_REAL, offsetof(sat_loyalty_params, mean), 0, 0, 1, KEY_MAX_OPEN,
      "share", NO_CHOICES,
      N_("Attitudinal loyalty: the share of churn a customer resists whatever happens (0 = none).") },
    { "polarisation", KEY_REAL, offsetof(sat_loyalty_params, polarisation), 0.2,
      0, 1, KEY_MAX_OPEN, "index", NO_CHOICES, N_("How much loyalty differs between customers (Beta spread).") },
    { 0 }
};

const scen_section sat_section_loyalty = {
    "loyalty", N_("Attitudinal loyalty, drawn once per customer (satisfaction model)."),
    sizeof(sat_loyalty_params), 1, loyalty_keys, check_loyalty
};

/* ---- [experience] ---- */

/* The average bill the money defaults scale with: [spend] mean, or the mean
 * of the lognormal its log_mu and log_sigma describe.  Read straight from
 * the parameters because [spend]'s own check may not have run yet. */
static double spend_average_bill(const scenario *sc)
{
    const sat_spend_params *s = scen_get(sc, &sat_section_spend);
    if (!isnan(s->log_mu) && !isnan(s->log_sigma))
        return exp(s->log_mu + 0.5 * s->log_sigma * s->log_sigma);
    return s->mean;
}

static int check_experience(void *params, const char *label, const scenario *sc, diag *d)
{
    (void)label;
    (void)d;
    scen_default_per_bill(&sat_section_experience, params, spend_average_bill(sc));
    return 0;
}

/* Money defaults are multiples of the average bill (KEY_PER_BILL): at a
 * 100-yuan bill they are the absolute amounts this model was first written
 * with (benefit 120 against 100 paid and 10 of non-money cost, value 10,
 * promise 5, satisfaction +5: inside the insensitive zone), and a 40-yuan
 * haircut keeps the same proportions instead of a value of 70 that makes
 * every customer "delighted". */
static const scen_key experience_keys[] = {
    { "product_value", KEY_REAL, offsetof(sat_experience_params, product_value),
      0.75, 0, 1e9, KEY_PER_BILL, "currency", NO_CHOICES,
      N_("Perceived benefit of the product or treatment, for a visit with the average bill.") },
    { "staff_value", KEY_REAL, offsetof(sat_experience_params, staff_value), 0.20, 0,
      1e9, KEY_PER_BILL, "currency", NO_CHOICES, N_("Perceived benefit of the staff (skill, manner).") },
    { "service_value", KEY_REAL, offsetof(sat_experience_params, service_value), 0.15,
      0, 1e9, KEY_PER_BILL, "currency", NO_CHOICES,
      N_("Perceived benefit of the service (process, follow-up).") },
    { "image_value", KEY_REAL, offsetof(sat_experience_params, image_value), 0.10, 0,
      1e9, KEY_PER_BILL, "currency", NO_CHOICES, N_("Perceived benefit of the brand and place.") },
    { "taste_sd", KEY_REAL, offsetof(sat_experience_params, taste_sd), 0.15, 0, 5,
      0, "share", NO_CHOICES,
      N_("How much customers differ in what the offer is worth to them (sd of a multiplier around 1).") },
    { "benefit_sd", KEY_REAL, offsetof(sat_experience_params, benefit_sd), 0.10, 0,
      1e9, KEY_PER_BILL, "currency", NO_CHOICES, N_("Visit-to-visit noise in perceived benefit.") },
    { "waiting_cost", KEY_REAL, offsetof(sat_experience_params, waiting_cost), 0.03, 0,
      1e9, KEY_PER_BILL, "currency", NO_CHOICES, N_("Non-money cost of waiting, as money.") },
    { "hassle_cost", KEY_REAL, offsetof(sat_experience_params, hassle_cost), 0.02, 0,
      1e9, KEY_PER_BILL, "currency", NO_CHOICES,
      N_("Non-money cost of hassle (booking, forms), as money.") },
    { "travel_cost", KEY_REAL, offsetof(sat_experience_params, travel_cost), 0.05, 0,
      1e9, KEY_PER_BILL, "currency", NO_CHOICES, N_("Non-money cost of getting there, as money.") },
    { "promise", KEY_REAL, offsetof(sat_experience_params, promise), 0.05, -1e9, 1e9,
      KEY_PER_BILL, "currency", NO_CHOICES,
      N_("Perceived value marketing promised: a new customer's expectation. Over-promising raises it.") },
    { "expectation_learning", KEY_REAL,
      offsetof(sat_experience_params, expectation_learning), 0.3, 0, 1, 0, "share",
      NO_CHOICES,
      N_("How far expectation moves towards each visit's value (0 = fixed by the promise, 1 = last visit).") },
    { 0 }
};

const scen_section sat_section_experience = {
    "experience",
    N_("Perceived benefit and cost of a visit, and expectation (satisfaction model). Money defaults "
    "are multiples of [spend] mean; a value written is an absolute amount."),
    sizeof(sat_experience_params), 1, experience_keys, check_experience
};

/* ---- [response] ---- */

static int check_response(void *params, const char *label, const scenario *sc,
                          diag *d)
{
    (void)label;
    sat_response_params *r = params;
    scen_default_per_bill(&sat_section_response, params, spend_average_bill(sc));
    if (r->trap_low > r->trap_high)
        return diag_set(d, DIAG_USAGE,
                        "[response] trap_low (%g) must not exceed trap_high (%g): they bound the insensitive zone",
                        r->trap_low, r->trap_high);
    /* Seed 000's three outcomes in order along the value axis: lost below
     * loss_below, hesitating from there to +hesitation_band, back above it.
     * Keeping loss_below inside the band keeps the hesitation zone within
     * the band's tolerance of 0, as the seed's "value = 0" means. */
    if (r->loss_below < -r->hesitation_band || r->loss_below > r->hesitation_band)
        return diag_set(d, DIAG_USAGE,
                        "[response] loss_below = %g lies outside the hesitation band (-%g to %g): "
                        "new customers are lost below loss_below and hesitate from it up to "
                        "hesitation_band, so it must lie within the band (seed 000: 0); "
                        "widen hesitation_band or move loss_below",
                        r->loss_below, r->hesitation_band, r->hesitation_band);
    return 0;
}

/* The curve's edges and scales default to multiples of [spend] mean, like
 * [experience]: at a 100-yuan bill the zone is -10 to +15 as first written. */
static const scen_key response_keys[] = {
    { "enabled", KEY_BOOL, offsetof(sat_response_params, enabled), 1, 0, 1, 0, "",
      NO_CHOICES, N_("false: satisfaction does not change churn at all.") },
    { "trap_low", KEY_REAL, offsetof(sat_response_params, trap_low), -0.10, -1e9,
      1e9, KEY_PER_BILL, "currency", NO_CHOICES,
      N_("Lower edge of the insensitive zone: below it, churn rises with dissatisfaction.") },
    { "trap_high", KEY_REAL, offsetof(sat_response_params, trap_high), 0.15, -1e9,
      1e9, KEY_PER_BILL, "currency", NO_CHOICES,
      N_("Upper edge of the insensitive zone: above it, delighted customers churn less.") },
    { "dissatisfied_scale", KEY_REAL,
      offsetof(sat_response_params, dissatisfied_scale), 0.10, 0, 1e9,
      KEY_MIN_OPEN | KEY_PER_BILL, "currency", NO_CHOICES,
      N_("Below the zone, churn grows by a factor e per this much satisfaction lost.") },
    { "delighted_scale", KEY_REAL, offsetof(sat_response_params, delighted_scale),
      0.15, 0, 1e9, KEY_MIN_OPEN | KEY_PER_BILL, "currency", NO_CHOICES,
      N_("Above the zone, churn approaches its floor over about this much extra satisfaction.") },
    { "delighted_churn_factor", KEY_REAL,
      offsetof(sat_response_params, delighted_churn_factor), 0.4, 0, 1, 0, "factor",
      NO_CHOICES, N_("Floor of the churn multiplier for the very satisfied.") },
    { "new_customer_rule", KEY_BOOL, offsetof(sat_response_params, new_customer_rule),
      1, 0, 1, 0, "", NO_CHOICES,
      N_("Seed 000's rule at the first visit: value > 0 comes back, value about 0 hesitates, "
      "value < 0 is mostly lost.") },
    { "negative_value_loss", KEY_REAL,
      offsetof(sat_response_params, negative_value_loss), 0.95, 0, 1, 0,
      "probability", NO_CHOICES,
      N_("Share of new customers lost when their first visit's perceived value is below loss_below "
      "(seed 000: 95 %).") },
    { "loss_below", KEY_REAL, offsetof(sat_response_params, loss_below), 0, -1e9, 1e9, 0,
      "currency", NO_CHOICES,
      N_("A first visit whose perceived value is below this loses negative_value_loss of new customers "
      "(seed 000: below 0). Must lie within the hesitation band.") },
    { "hesitation_band", KEY_REAL, offsetof(sat_response_params, hesitation_band),
      0.02, 0, 1e9, KEY_PER_BILL, "currency", NO_CHOICES,
      N_("Tolerance of seed 000's \"value = 0\": a first visit worth from loss_below up to this "
      "leaves the customer hesitating; above it, they come back.") },
    { "hesitation_loss", KEY_REAL, offsetof(sat_response_params, hesitation_loss),
      0.5, 0, 1, 0, "probability", NO_CHOICES,
      N_("Extra share of hesitating new customers lost (on top of ordinary churn).") },
    { 0 }
};

const scen_section sat_section_response = {
    "response",
    N_("How satisfaction moves churn: the satisfaction trap and the new-customer rule. Money defaults "
    "are multiples of [spend] mean; a value written is an absolute amount."),
    sizeof(sat_response_params), 1, response_keys, check_response
};

/* ---- [stickiness] ---- */

static const scen_key stickiness_keys[] = {
    { "enabled", KEY_BOOL, offsetof(sat_stickiness_params, enabled), 1, 0, 1, 0,
      "", NO_CHOICES, N_("false: repeat purchases build no habit.") },
    { "max", KEY_REAL, offsetof(sat_stickiness_params, max), 0.5, 0, 1, 0, "share",
      NO_CHOICES, N_("Share of churn removed by the habit of a regular customer.") },
    { "knee", KEY_REAL, offsetof(sat_stickiness_params, knee), 5, 0, 1000,
      KEY_MIN_OPEN, "purchases", NO_CHOICES,
      /* xgettext:no-c-format */
      N_("Purchases after which stickiness reaches 95 % of max; beyond it, more purchases add little.") },
    { 0 }
};

const scen_section sat_section_stickiness = {
    "stickiness", N_("Behavioural loyalty that grows with the number of purchases."),
    sizeof(sat_stickiness_params), 1, stickiness_keys, NULL
};

/* ---- [visits] ---- */

static const char *const interval_names[] = { "gamma", "exponential", "fixed", NULL };

static const scen_key visits_keys[] = {
    { "cycle_days", KEY_REAL, offsetof(sat_visits_params, cycle_days), 30, 0, 3650,
      KEY_MIN_OPEN, "days", NO_CHOICES,
      N_("Mean days between visits of a returning customer (e.g. 25 for a haircut, 90 for a clinic).") },
    { "distribution", KEY_CHOICE, offsetof(sat_visits_params, distribution), 0, 0,
      0, 0, "", interval_names, N_("Distribution of the days between visits.") },
    { "shape", KEY_REAL, offsetof(sat_visits_params, shape), 4, 0, 1000, KEY_MIN_OPEN,
      "", NO_CHOICES, N_("Gamma shape: higher is more regular (4 gives a coefficient of variation of 0.5).") },
    { "rate_cv", KEY_REAL, offsetof(sat_visits_params, rate_cv), 0, 0, 10, 0, "", NO_CHOICES,
      N_("How much customers differ in how often they come: the coefficient of variation of their own "
      "visit rates, drawn once from a gamma (0 = one cycle for all; BG/NBD's r is 1/rate_cv^2). "
      "cycle_days is then the cycle at the average rate.") },
    { 0 }
};

static int check_visits(void *params, const char *label, const scenario *sc, diag *d)
{
    (void)label;
    (void)sc;
    const sat_visits_params *v = params;
    if (v->rate_cv > 0 && v->distribution == INTERVAL_FIXED)
        return diag_set(d, DIAG_USAGE,
                        "[visits] rate_cv = %g with distribution = fixed: customers whose own cycles differ "
                        "need a random interval; use distribution = gamma (or exponential), or rate_cv = 0",
                        v->rate_cv);
    return 0;
}

const scen_section sat_section_visits = {
    "visits", N_("The time between visits of a customer who comes back."),
    sizeof(sat_visits_params), 1, visits_keys, check_visits
};

/* ---- [spend] ---- */

static const char *const spend_names[] = { "lognormal", "gamma", "fixed", NULL };

static int check_spend(void *params, const char *label, const scenario *sc,
                       diag *d)
{
    (void)label;
    sat_spend_params *s = params;
    int log_given = !isnan(s->log_mu) || !isnan(s->log_sigma);
    if (log_given) {
        if (isnan(s->log_mu) || isnan(s->log_sigma))
            return diag_set(d, DIAG_USAGE, "[spend] log_mu and log_sigma go together: give both");
        if (s->distribution != SPEND_LOGNORMAL)
            return diag_set(d, DIAG_USAGE,
                            "[spend] log_mu/log_sigma describe a lognormal, but distribution = %s",
                            spend_names[s->distribution]);
        if (scen_is_set(sc, &sat_section_spend, NULL, "mean")
            || scen_is_set(sc, &sat_section_spend, NULL, "sd"))
            return diag_set(d, DIAG_USAGE,
                            "[spend] gives both mean/sd and log_mu/log_sigma, which contradict each other; keep one pair");
        s->mu = s->log_mu;
        s->sigma = s->log_sigma;
        s->mean = exp(s->mu + 0.5 * s->sigma * s->sigma);
        s->sd = s->mean * sqrt(expm1(s->sigma * s->sigma));
        return 0;
    }
    double cv2 = (s->sd / s->mean) * (s->sd / s->mean);
    s->sigma = sqrt(log1p(cv2));
    s->mu = log(s->mean) - 0.5 * s->sigma * s->sigma;
    if (s->distribution == SPEND_GAMMA && s->sd <= 0)
        return diag_set(d, DIAG_USAGE, "[spend] a gamma spend needs sd > 0 (or distribution = fixed)");
    return 0;
}

static const scen_key spend_keys[] = {
    { "distribution", KEY_CHOICE, offsetof(sat_spend_params, distribution), 0, 0, 0,
      0, "", spend_names, N_("Distribution of the bill per visit.") },
    { "mean", KEY_REAL, offsetof(sat_spend_params, mean), 100, 0, 1e9, KEY_MIN_OPEN,
      "currency", NO_CHOICES, N_("Average bill per visit, before discounts.") },
    { "sd", KEY_REAL, offsetof(sat_spend_params, sd), 40, 0, 1e9, 0, "currency",
      NO_CHOICES, N_("Standard deviation of the bill.") },
    { "log_mu", KEY_REAL, offsetof(sat_spend_params, log_mu), 0, -1e3, 1e3,
      KEY_OPTIONAL, "", NO_CHOICES, N_("Alternative to mean/sd for a lognormal: mean of log(bill).") },
    { "log_sigma", KEY_REAL, offsetof(sat_spend_params, log_sigma), 0, 0, 100,
      KEY_OPTIONAL, "", NO_CHOICES, N_("Alternative to mean/sd for a lognormal: sd of log(bill).") },
    { 0 }
};

const scen_section sat_section_spend = {
    "spend", N_("What a customer spends per visit."), sizeof(sat_spend_params), 1,
    spend_keys, check_spend
};

/* ---- the model ---- */

static double sat_interval_discount(const sat_visits_params *v, double delta);

static void *sat_prepare(const scenario *sc, diag *d)
{
    sat_params *p = malloc(sizeof *p);
    if (!p) {
        diag_set(d, DIAG_RUNTIME, "out of memory");
        return NULL;
    }
    p->churn = *(const sat_churn_params *)scen_get(sc, &sat_section_churn);
    p->loyalty = *(const sat_loyalty_params *)scen_get(sc, &sat_section_loyalty);
    p->experience = *(const sat_experience_params *)scen_get(sc, &sat_section_experience);
    p->response = *(const sat_response_params *)scen_get(sc, &sat_section_response);
    p->stickiness = *(const sat_stickiness_params *)scen_get(sc, &sat_section_stickiness);
    p->visits = *(const sat_visits_params *)scen_get(sc, &sat_section_visits);
    p->spend = *(const sat_spend_params *)scen_get(sc, &sat_section_spend);
    const sat_experience_params *e = &p->experience;
    p->benefit_at_mean_bill = e->product_value + e->staff_value + e->service_value
                              + e->image_value;
    p->nonmoney_cost = e->waiting_cost + e->hassle_cost + e->travel_cost;
    capacity_params cap = *(const capacity_params *)scen_get(sc, &section_capacity);
    scen_default_per_bill(&section_capacity, &cap, p->spend.mean);
    p->wait_cost_per_minute = cap.wait_cost_per_minute;
    p->wait_minutes_accepted = cap.wait_minutes_accepted;
    const sat_loyalty_params *l = &p->loyalty;
    if (l->mean > 0 && l->polarisation > 0) {
        double k = 1.0 / l->polarisation - 1.0;
        p->loyalty_a = l->mean * k;
        p->loyalty_b = (1.0 - l->mean) * k;
    }
    /* the engine's daily rate, computed as it does (sim/engine.c) */
    const economics_params *econ = scen_get(sc, &section_economics);
    p->cont_delta = log1p(econ->discount_rate) / 365.0;
    p->cont_interval_discount = sat_interval_discount(&p->visits, p->cont_delta);
    if (p->visits.distribution == INTERVAL_GAMMA)
        draw_gamma_prepare(&p->interval_gamma, p->visits.shape,
                           p->visits.cycle_days / p->visits.shape);
    if (p->spend.distribution == SPEND_GAMMA)
        draw_gamma_prepare(&p->spend_gamma, (p->spend.mean / p->spend.sd) * (p->spend.mean / p->spend.sd),
                           p->spend.sd * p->spend.sd / p->spend.mean);
    if (p->churn.heterogeneous)
        draw_beta_prepare(&p->churn_beta, p->churn.a, p->churn.b);
    if (l->mean > 0 && l->polarisation > 0)
        draw_beta_prepare(&p->loyalty_beta, p->loyalty_a, p->loyalty_b);
    sat_state_layout(p);
    return p;
}

static void sat_release(void *params)
{
    free(params);
}

static void sat_customer_init(const void *params, double *state, gsl_rng *r)
{
    const sat_params *p = params;
    set_trait(p, state, ST_THETA, p->churn.heterogeneous ? draw_beta(&p->churn_beta, r)
                                                         : p->churn.mean);
    if (p->loyalty.mean > 0 && p->loyalty.polarisation > 0)
        set_trait(p, state, ST_LOYALTY, draw_beta(&p->loyalty_beta, r));
    else
        set_trait(p, state, ST_LOYALTY, p->loyalty.mean);
    double taste = 1.0;
    if (p->experience.taste_sd > 0)
        taste += rng_gaussian(r, p->experience.taste_sd);
    set_trait(p, state, ST_TASTE, taste > 0 ? taste : 0);
    set_trait(p, state, ST_EXPECTATION, p->experience.promise);
    /* the customer's own mean cycle: the rate 1/cycle ~ Gamma(shape 1/cv^2,
     * mean 1/cycle_days), BG/NBD's spread of purchase rates (Fader, Hardie
     * and Lee 2005); drawn only when on, so the streams of a scenario
     * without it are unchanged */
    set_trait(p, state, ST_CYCLE, p->visits.cycle_days);
    if (p->visits.rate_cv > 0) {
        double rs = 1.0 / (p->visits.rate_cv * p->visits.rate_cv);
        double rate = gsl_ran_gamma(r, rs, 1.0 / (rs * p->visits.cycle_days));
        set_trait(p, state, ST_CYCLE, rate > 1.0 / SAT_MIN_CYCLE ? SAT_MIN_CYCLE : 1.0 / rate);
    }
}

static double sat_draw_bill(const void *params, const double *state,
                            const visit_ctx *v, gsl_rng *r)
{
    (void)state;
    (void)v;
    const sat_params *p = params;
    const sat_spend_params *s = &p->spend;
    switch (s->distribution) {
    case SPEND_LOGNORMAL:
        return s->sigma > 0 ? exp(s->mu + s->sigma * rng_gaussian(r, 1.0))
                            : s->mean;
    case SPEND_GAMMA:
        return draw_gamma(&p->spend_gamma, r);
    default:
        return s->mean;
    }
}

double sat_churn_multiplier(const sat_response_params *r, double satisfaction)
{
    if (!r->enabled)
        return 1.0;
    if (satisfaction < r->trap_low)
        return exp((r->trap_low - satisfaction) / r->dissatisfied_scale);
    if (satisfaction > r->trap_high) {
        double f = r->delighted_churn_factor;
        return f + (1.0 - f) * exp(-(satisfaction - r->trap_high) / r->delighted_scale);
    }
    return 1.0;
}

sat_new_customer sat_new_customer_zone(const sat_response_params *r, double value)
{
    if (value < r->loss_below)
        return SAT_NEW_LOST;
    if (value <= r->hesitation_band)
        return SAT_NEW_HESITATES;
    return SAT_NEW_RETURNS;
}

double sat_stickiness(const sat_stickiness_params *s, int purchases)
{
    if (!s->enabled)
        return 0.0;
    /* 0.05^(n/knee): 95 % of the way to max at the knee */
    return s->max * (1.0 - pow(0.05, purchases / s->knee));
}

/* sat_judge's body, inlined into the engine's per-visit hook
 * (sat_experience), where the call and the stores of a feeling nobody
 * reads were a tenth of the textbook case's time (issue 14's fourth round) */
static inline __attribute__((always_inline)) void judge(const sat_params *p, double *state, visit_ctx *v,
                                                        gsl_rng *r, sat_feel *feel)
{
    double noise = p->experience.benefit_sd > 0
                       ? rng_gaussian(r, p->experience.benefit_sd)
                       : 0.0;
    feel->benefit = p->benefit_at_mean_bill * (v->bill / p->spend.mean) * trait(p, state, ST_TASTE)
                 + noise + v->extra_benefit;
    /* the wait beyond what is accepted, 0 at least (fmax without the
     * library call; a NaN gives 0 as fmax does) */
    double waited = v->wait_minutes - p->wait_minutes_accepted;
    feel->cost = (v->bill - v->discount) + p->nonmoney_cost
              + p->wait_cost_per_minute * (waited > 0 ? waited : 0.0);
    feel->value = feel->benefit - feel->cost;
    feel->expectation = trait(p, state, ST_EXPECTATION);
    feel->satisfaction = feel->value - feel->expectation;
    /* Expectation learns from the experience without its one-off gifts: a
     * free meal or a voucher pleases this once but does not teach the
     * customer to expect the next meal free; a standing price (a package)
     * is learnt like any other part of the offer. */
    double value_learnt = feel->value - v->windfall;
    /* (not kept when it does not learn: adding 0 x the gap changes nothing) */
    if (p->slot[ST_EXPECTATION] >= 0)
        state[p->slot[ST_EXPECTATION]] += p->experience.expectation_learning
                                          * (value_learnt - feel->expectation);

    /* with the response or stickiness off their factors are 1 and 0, as
     * the functions return them, without the calls */
    double multiplier = p->response.enabled ? sat_churn_multiplier(&p->response, feel->satisfaction)
                                            : 1.0;
    double sticky = p->stickiness.enabled ? sat_stickiness(&p->stickiness, v->purchase_no) : 0.0;
    double churn = trait(p, state, ST_THETA) * multiplier * (1.0 - sticky)
                   * (1.0 - trait(p, state, ST_LOYALTY));
    if (churn > 1.0)
        churn = 1.0;
    /* The first purchase's own share of that churn: 1 treats it as any
     * other visit (MBG/NBD's customer, who may leave at once: Batislam,
     * Denizel and Filiztekin 2007); 0 is BG/NBD's, who can leave only after
     * a repeat purchase (Fader, Hardie and Lee 2005).  Skipped at 1, so a
     * scenario without the key computes exactly what it did. */
    if (v->purchase_no == 1 && p->churn.first_purchase_factor != 1.0)
        churn *= p->churn.first_purchase_factor;
    const sat_response_params *rp = &p->response;
    if (rp->enabled && rp->new_customer_rule && v->purchase_no == 1) {
        switch (sat_new_customer_zone(rp, feel->value)) {
        case SAT_NEW_LOST:
            if (churn < rp->negative_value_loss)
                churn = rp->negative_value_loss;
            break;
        case SAT_NEW_HESITATES:
            churn = 1.0 - (1.0 - churn) * (1.0 - rp->hesitation_loss);
            break;
        default:
            break;
        }
    }
    v->churn = churn;
    v->has_signal = 1;
    v->signal = feel->satisfaction;
    v->worth_less_than_cost = feel->value < 0;
}

void sat_judge(const sat_params *p, double *state, visit_ctx *v, gsl_rng *r, sat_feel *feel)
{
    judge(p, state, v, r, feel);
}

static void sat_experience(const void *params, double *state, visit_ctx *v, gsl_rng *r)
{
    sat_feel feel;
    judge(params, state, v, r, &feel);
}

static double sat_draw_interval(const void *params, const double *state, gsl_rng *r)
{
    const sat_params *p = params;
    const sat_visits_params *v = &p->visits;
    switch (v->distribution) {
    case INTERVAL_GAMMA:
        /* the customer's own cycle scales the shared draw (a factor of
         * exactly 1 without rate_cv: the same numbers as before) */
        return v->rate_cv > 0 ? draw_gamma(&p->interval_gamma, r) * (trait(p, state, ST_CYCLE) / v->cycle_days)
                              : draw_gamma(&p->interval_gamma, r);
    case INTERVAL_EXPONENTIAL:
        return gsl_ran_exponential(r, v->rate_cv > 0 ? trait(p, state, ST_CYCLE) : v->cycle_days);
    default:
        return v->cycle_days;
    }
}

static double sat_mean_bill(const void *params)
{
    return ((const sat_params *)params)->spend.mean;
}

static double sat_mean_interval(const void *params)
{
    return ((const sat_params *)params)->visits.cycle_days;
}

/* The continuation holds the churn of the customer's last visit for every
 * later one.  That is the model's own law when churn is theta alone (the
 * response and stickiness off: the textbook cases of tests/
 * test_closed_forms.c); otherwise an approximation, since satisfaction
 * would keep moving it and stickiness would keep lowering it (so a
 * projection for a young customer is on the low side).  Intervals: fixed
 * c gives exp(-delta c), exponential 1 / (1 + delta c), Gamma(shape k,
 * mean c) (1 + delta c / k)^-k; bills of mean spend.mean. */
static double sat_interval_discount(const sat_visits_params *v, double delta)
{
    switch (v->distribution) {
    case INTERVAL_GAMMA:
        return pow(1.0 + delta * v->cycle_days / v->shape, -v->shape);
    case INTERVAL_EXPONENTIAL:
        return 1.0 / (1.0 + delta * v->cycle_days);
    default:
        return exp(-delta * v->cycle_days);
    }
}

static void sat_continuation(const void *params, const double *state, double last_churn,
                             double delta, model_continuation *out)
{
    const sat_params *p = params;
    const sat_visits_params *v = &p->visits;
    out->bill = p->spend.mean;
    out->churn = last_churn;
    /* With [churn] first_purchase_factor below 1, a customer whose last
     * visit was their first had a reduced churn that no later visit has:
     * no later visit's churn is below theta (1 - stickiness max) (1 -
     * loyalty), times the delighted floor with the response on, so the
     * continuation holds at least that.  Exact (theta (1 - loyalty)) when
     * the response and stickiness are off; a no-op for every later visit. */
    if (p->churn.first_purchase_factor < 1.0) {
        double floor = trait(p, state, ST_THETA) * (1.0 - trait(p, state, ST_LOYALTY));
        if (p->stickiness.enabled)
            floor *= 1.0 - p->stickiness.max;
        if (p->response.enabled)
            floor *= p->response.delighted_churn_factor;
        if (floor > 1.0)
            floor = 1.0;
        if (out->churn < floor)
            out->churn = floor;
    }
    if (v->rate_cv > 0) {
        sat_visits_params own = *v;
        own.cycle_days = trait(p, state, ST_CYCLE);
        out->interval_discount = sat_interval_discount(&own, delta);
    } else
        out->interval_discount = delta == p->cont_delta ? p->cont_interval_discount
                                                        : sat_interval_discount(v, delta);
    out->exact = !p->response.enabled && !p->stickiness.enabled;
}

/* ---- an existing customer: hidden traits drawn given their history ----
 *
 * A log customer stands on the as-of date with x repeat purchases, the
 * last one t_x days after the first, T days since the first (model.h,
 * customer_history).  What the model makes observable of a customer is
 * that they came back after each of their first x purchases, and neither
 * came back nor (visibly) left in the e days since the last:
 *
 *   L(traits, path) = prod_{k=1..x} (1 - c_k) * [c_{x+1} + (1 - c_{x+1}) S(e)]
 *
 * c_k the churn the model applies after purchase k (sat_judge: theta, the
 * response to that visit's satisfaction, stickiness at k, loyalty, the
 * new-customer rule at k = 1), S the survival function of the days between
 * visits (the next visit not yet made after e days), e = T - t_x + 1/2 (the
 * last purchase taken at the middle of its day; the simulation's day 0
 * starts the day after the as-of date).  Without rate_cv the days between
 * the purchases themselves have a density that is the same for every
 * customer (one visit cycle for all), so it cancels from the weights below.
 * With rate_cv each customer has their own rate lambda = 1/cycle, and the
 * x gaps (Gamma of shape k and rate k lambda, summing to t_x) add the factor
 * lambda^(xk) e^(-k lambda t_x): with the Gamma(rs, rate rs cycle_days)
 * prior (rs = 1/rate_cv^2) that is conjugate, as in BG/NBD (Fader, Hardie
 * and Lee 2005), so a candidate's rate is drawn from Gamma(rs + x k, rate
 * rs cycle_days + k t_x), the posterior given the gaps alone, and that
 * factor leaves the weights (importance sampling with the partial
 * posterior as the proposal); S(e) is then the candidate's own.
 *
 * c_k depends on the hidden traits (theta, loyalty, taste) and on each
 * visit's own noise (the bill, the benefit noise, through satisfaction and
 * the expectation it teaches), which no closed form integrates.  So each
 * candidate is a whole draw from the population: customer_init's traits
 * and one path of x + 1 visits through the model's own draw_bill and
 * experience.  Weighting candidates by L and resampling one is sampling
 * importance resampling (Rubin 1988; Smith and Gelfand 1992, "Bayesian
 * statistics without tears") on the joint of traits and path: the resampled
 * candidate is a draw from the posterior of both given the history, and
 * its expectation after the x + 1 visits comes with it.  L given the path
 * is exact; using one simulated path per candidate is the pseudo-marginal
 * argument (Beaumont 2003; Andrieu and Roberts 2009): an unbiased estimate
 * of the likelihood of the traits leaves the target unchanged.
 *
 * Candidates are drawn until the weights' effective sample size
 * (sum w)^2 / sum w^2 (Kong, Liu and Wong 1994) reaches SAT_HIST_ESS, at
 * least SAT_HIST_MIN and at most SAT_HIST_MAX of them; one is kept by
 * weighted reservoir sampling (no candidate array, a uniform each).  With
 * it the customer is alive with probability (1 - c_{x+1}) S(e) / [c_{x+1} +
 * (1 - c_{x+1}) S(e)], and then buys next after the residual of the
 * interval: a Gamma interval conditioned to exceed e, less e.
 *
 * Limits (docs/calibrate.md): the history is taken as lived under the
 * scenario's own offer without promotions or queues (no at_till or
 * after_visit hook, no wait); the amounts of the past purchases are not
 * conditioned on (the bill is drawn afresh per visit, as for everyone, so
 * a customer's past spend says nothing about their future spend in this
 * model); two visits on one day count as one purchase in a log and as two
 * here. */

#define SAT_HIST_MIN 100
#define SAT_HIST_MAX 5000
#define SAT_HIST_ESS 100.0

/* log S(e): the chance that the days to the next visit exceed e.  The
 * Gamma tail by GSL's regularised incomplete gamma where it cannot
 * underflow; beyond, its leading asymptotic term x^(a-1) e^-x / Gamma(a)
 * (Abramowitz and Stegun 6.5.32), in logs. */
static double sat_log_survival(const sat_visits_params *v, double e)
{
    if (e <= 0)
        return 0.0;
    switch (v->distribution) {
    case INTERVAL_GAMMA: {
        double a = v->shape, x = e * a / v->cycle_days;
        double lead = (a - 1.0) * log(x) - x - gsl_sf_lngamma(a);
        if (lead < -600.0)
            return lead;
        double q = gsl_sf_gamma_inc_Q(a, x);
        return q > 0 ? log(q) : lead;
    }
    case INTERVAL_EXPONENTIAL:
        return -e / v->cycle_days;
    default:
        return e < v->cycle_days ? 0.0 : -INFINITY;
    }
}

/* Days from e to the next visit, for an interval known to exceed e: by
 * inversion, the interval y with log S(y) = log S(e) + log u, found by
 * bisection on sat_log_survival (monotone; no GSL inverse that might fail
 * to converge in the far tail). */
static double sat_residual(const sat_visits_params *v, double e, gsl_rng *r)
{
    if (e < 0)
        e = 0;
    switch (v->distribution) {
    case INTERVAL_GAMMA: {
        double target = sat_log_survival(v, e) + log(1.0 - gsl_rng_uniform(r));
        double lo = e, step = v->cycle_days, hi = e + step;
        while (sat_log_survival(v, hi) > target && hi < 1e9) {
            lo = hi;
            step *= 2;
            hi = e + step;
        }
        for (int i = 0; i < 200 && hi - lo > 1e-6 * (1.0 + lo); i++) {
            double mid = 0.5 * (lo + hi);
            if (sat_log_survival(v, mid) > target)
                lo = mid;
            else
                hi = mid;
        }
        return 0.5 * (lo + hi) - e;
    }
    case INTERVAL_EXPONENTIAL:
        return gsl_ran_exponential(r, v->cycle_days);
    default:
        return v->cycle_days > e ? v->cycle_days - e : 0.0;
    }
}

/* log(exp(a) + exp(b)) */
static double log_add(double a, double b)
{
    if (a == -INFINITY)
        return b;
    if (b == -INFINITY)
        return a;
    return a > b ? a + log1p(exp(b - a)) : b + log1p(exp(a - b));
}

static int sat_from_history(const void *params, const customer_history *h, double *state,
                            double *next_days, gsl_rng *r)
{
    const sat_params *p = params;
    int x = h->repeat_purchases > 0 ? h->repeat_purchases : 0;
    double T = isfinite(h->age) && h->age > 0 ? h->age : 0;
    double t_x = x > 0 && isfinite(h->last_age) && h->last_age > 0 ? h->last_age : 0;
    if (t_x > T)
        t_x = T;
    double elapsed = T - t_x + 0.5;
    const sat_visits_params *vp = &p->visits;
    sat_visits_params own = *vp;   /* the candidate's own cycle, with rate_cv */
    double log_s = sat_log_survival(vp, elapsed);
    /* with rate_cv, the rate's proposal: its conjugate posterior given the
     * x gaps alone, Gamma(rs + x k, rate rs cycle + k t_x) (gamma intervals
     * of shape k and rate k lambda; the prior Gamma(rs, rate rs cycle)) */
    double rs = 0, k_shape = vp->distribution == INTERVAL_GAMMA ? vp->shape : 1.0;
    if (vp->rate_cv > 0)
        rs = 1.0 / (vp->rate_cv * vp->rate_cv);

    double kept[MODEL_STATE_MAX] = { 0 }, kept_alive = 0;
    double top = -INFINITY, wsum = 0, wsq = 0;   /* weights scaled by exp(-top) */
    int any = 0;
    for (int m = 0; m < SAT_HIST_MAX; m++) {
        double st[MODEL_STATE_MAX] = { 0 };
        sat_customer_init(p, st, r);
        if (rs > 0) {
            double rate = gsl_ran_gamma(r, rs + x * k_shape, 1.0 / (rs * vp->cycle_days + k_shape * t_x));
            set_trait(p, st, ST_CYCLE, rate > 1.0 / SAT_MIN_CYCLE ? SAT_MIN_CYCLE : 1.0 / rate);
            own.cycle_days = trait(p, st, ST_CYCLE);
            log_s = sat_log_survival(&own, elapsed);
        }
        double logw = 0, churn = 0;
        for (int k = 1; k <= x + 1; k++) {
            visit_ctx v = { 0 };
            v.purchase_no = k;
            v.rate_multiplier = 1.0;
            v.bill = sat_draw_bill(p, st, &v, r);
            v.cash = v.revenue = v.bill;
            sat_feel feel;
            sat_judge(p, st, &v, r, &feel);
            churn = v.churn < 0 ? 0 : v.churn > 1 ? 1 : v.churn;
            if (k <= x)
                logw += log1p(-churn);
        }
        double stays = churn < 1 ? log1p(-churn) + log_s : -INFINITY;
        double last = log_add(churn > 0 ? log(churn) : -INFINITY, stays);
        logw += last;
        if (m == 0)
            memcpy(kept, st, sizeof kept);   /* a history the model cannot produce keeps the first */
        if (logw == -INFINITY || isnan(logw))
            continue;
        any = 1;
        if (logw > top) {
            double scale = exp(top - logw);
            wsum *= scale;
            wsq *= scale * scale;
            top = logw;
        }
        double w = exp(logw - top);
        wsum += w;
        wsq += w * w;
        if (gsl_rng_uniform(r) * wsum < w) {
            memcpy(kept, st, sizeof kept);
            kept_alive = exp(stays - last);
        }
        if (m + 1 >= SAT_HIST_MIN && wsum * wsum >= SAT_HIST_ESS * wsq)
            break;
    }
    /* the doubles the engine keeps (sat_state_layout), no more */
    memcpy(state, kept, (size_t)p->nslots * sizeof *kept);
    own.cycle_days = rs > 0 ? trait(p, state, ST_CYCLE) : vp->cycle_days;
    int alive = any ? gsl_rng_uniform(r) < kept_alive : sat_log_survival(&own, elapsed) > -INFINITY;
    *next_days = alive ? sat_residual(&own, elapsed, r) : INFINITY;
    return alive;
}

static const scen_section *const sat_sections[] = {
    &sat_section_churn, &sat_section_loyalty, &sat_section_experience,
    &sat_section_response, &sat_section_stickiness, &sat_section_visits,
    &sat_section_spend, NULL
};

/* ---- explain: the causal chain of a typical customer, by the model's own code ---- */

#define EXPLAIN_SAMPLE 20000     /* simulated new customers for the average */
#define EXPLAIN_MAX_VISITS 1000  /* cap of the lifetime sum */



/* The same for a paragraph that belongs to the numbered step above it. */
static void sx_sub(FILE *f, int html, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void sx_sub(FILE *f, int html, const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (html) {
        fputs("<p>", f);
        text_escape_html(f, buf);
        fputs("</p>\n", f);
    } else {
        fprintf(f, "   %s\n\n", buf);
    }
}

/* Display width of UTF-8 text: CJK and full-width forms take two columns. */
static int sx_width(const char *s)
{
    int w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        unsigned cp = *p;
        int n = cp < 0x80 ? 1 : cp < 0xE0 ? 2 : cp < 0xF0 ? 3 : 4;
        if (n == 3)
            cp = ((p[0] & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
        w += (n >= 3 && cp >= 0x1100) ? 2 : 1;
        for (int i = 0; i < n && *p; i++)
            p++;
    }
    return w;
}

/* A table cell of the text table, right-aligned to width columns. */
static void sx_cell(FILE *f, int html, const char *text, int width, int header)
{
    if (html) {
        fputs(header ? "<th>" : "<td>", f);
        text_escape_html(f, text);
        fputs(header ? "</th>" : "</td>", f);
        return;
    }
    for (int i = sx_width(text); i < width; i++)
        fputc(' ', f);
    fputs(text, f);
}

/* Money with the scenario's precision: whole units for bills of 100 or more. */
static const char *sx_money(char *buf, size_t cap, double x, int digits)
{
    if (fabs(x) < 0.5 * pow(10, -digits))
        x = 0; /* no "-0" */
    snprintf(buf, cap, "%.*f", digits, x);
    return buf;
}

/* The same with a sign, "+12" or "-3": where a value lies against 0. */
static const char *sx_signed(char *buf, size_t cap, double x, int digits)
{
    sx_money(buf + 1, cap - 1, x, digits);
    if (strtod(buf + 1, NULL) > 0)
        buf[0] = '+';
    else
        memmove(buf, buf + 1, strlen(buf + 1) + 1);
    return buf;
}

static const char *sx_zone(const sat_response_params *r, double satisfaction, int lang)
{
    if (!r->enabled)
        return tr(lang, "off");
    if (satisfaction < r->trap_low)
        return tr(lang, "below");
    if (satisfaction > r->trap_high)
        return tr(lang, "above");
    return tr(lang, "inside");
}

/* The typical customer: the model's own customer_init on parameters without
 * spread or noise (average taste, churn and loyalty), then its own
 * experience() at the average bill. */
static void sx_typical(const sat_params *p, sat_params *calm, double *state)
{
    *calm = *p;
    calm->churn.heterogeneous = 0;
    calm->loyalty.polarisation = 0;
    calm->experience.taste_sd = 0;
    calm->experience.benefit_sd = 0;
    calm->visits.rate_cv = 0;
    sat_customer_init(calm, state, NULL);
}

static void sx_visit(const sat_params *calm, double *state, int purchase_no, visit_ctx *v,
                     sat_feel *feel)
{
    memset(v, 0, sizeof *v);
    v->t = 0;
    v->purchase_no = purchase_no;
    v->bill = calm->spend.mean;
    v->cash = v->revenue = v->bill;
    sat_judge(calm, state, v, NULL, feel);
}

static int sat_explain(const void *params, const model_explain_env *env, FILE *f, int lang,
                       int html)
{
    const sat_params *p = params;
    const sat_experience_params *e = &p->experience;
    const sat_response_params *rp = &p->response;
    const sat_stickiness_params *sp = &p->stickiness;
    const char *cur = env && env->currency ? env->currency : "";
    int digits = p->spend.mean >= 100 ? 0 : p->spend.mean >= 10 ? 1 : 2;
    char m1[64], m2[64], m3[64], m4[64], m5[64], m6[64];
    sat_params calm;
    double state[MODEL_STATE_MAX] = { 0 };
    sx_typical(p, &calm, state);
    visit_ctx v;
    sat_feel feel;
    sx_visit(&calm, state, 1, &v, &feel);
    const visit_ctx first = v;
    const sat_feel first_feel = feel;

    const char *title = tr(lang, "From one visit to the next: the satisfaction model");
    if (html) {
        fprintf(f, "<h3>%s</h3>\n", title);
    } else {
        fprintf(f, "%s\n", title);
        for (int i = sx_width(title); i > 0; i--)
            fputc('-', f);
        fputs("\n\n", f);
    }
    text_paraf(f, html,
            tr(lang,
              "Follow one typical customer: the average bill (%s %s), average taste, no luck either way, "
              "the average chance of never coming back (%.0f %%) and average loyalty (%.0f %%). Every "
              "number below is computed by the model's own code, the code the simulation runs."),
            sx_money(m1, sizeof m1, p->spend.mean, digits), cur, 100 * trait(&calm, state, ST_THETA),
            100 * trait(&calm, state, ST_LOYALTY));

    /* 1. value */
    text_paraf(f, html,
            tr(lang,
              "1. What the first visit is worth to them. Perceived benefit: product %g + staff %g + "
              "service %g + image %g = %s. Perceived cost: the price paid %s + waiting %g + hassle %g + "
              "travel %g = %s. Perceived value = benefit - cost = %s %s."),
            e->product_value, e->staff_value, e->service_value, e->image_value,
            sx_money(m1, sizeof m1, first_feel.benefit, digits),
            sx_money(m2, sizeof m2, first.bill - first.discount, digits), e->waiting_cost,
            e->hassle_cost, e->travel_cost, sx_money(m3, sizeof m3, first_feel.cost, digits),
            sx_money(m4, sizeof m4, first_feel.value, digits), cur);
    if (rp->enabled && rp->new_customer_rule) {
        /* where seed 000's rule puts the typical customer's first visit */
        char val[64], lo[64], hi[64];
        sx_signed(val, sizeof val, first_feel.value, digits);
        sx_signed(lo, sizeof lo, rp->loss_below, digits);
        sx_signed(hi, sizeof hi, rp->hesitation_band, digits);
        switch (sat_new_customer_zone(rp, first_feel.value)) {
        case SAT_NEW_LOST:
            sx_sub(f, html,
                    tr(lang,
                      "Where seed 000's rule puts them: value %s %s, below %s: about %.0f %% of such "
                      "new customers are lost at once, before anything else can act. The new customer "
                      "feels they paid more than it was worth."),
                    val, cur, lo, 100 * rp->negative_value_loss);
            break;
        case SAT_NEW_HESITATES:
            sx_sub(f, html,
                    tr(lang,
                      "Where seed 000's rule puts them: value %s %s, inside the hesitation band (%s to "
                      "%s): about even, so the new customer hesitates, and %.0f %% more of them drift "
                      "away than otherwise would."),
                    val, cur, lo, hi, 100 * rp->hesitation_loss);
            break;
        case SAT_NEW_RETURNS:
            sx_sub(f, html,
                    tr(lang,
                      "Where seed 000's rule puts them: value %s %s, above the hesitation band (%s to "
                      "%s): comes back (value > 0), the new customer has a reason to return. Were it "
                      "below %s, about %.0f %% would be lost at once."),
                    val, cur, lo, hi, lo, 100 * rp->negative_value_loss);
            break;
        }
    }

    /* 2. expectation */
    text_paraf(f, html,
            tr(lang,
              "2. Against what they expected. Marketing promised a value of %s, so that is what a new "
              "customer expects. Satisfaction = value - expectation = %s - %s = %s."),
            sx_money(m1, sizeof m1, e->promise, digits), sx_money(m2, sizeof m2, first_feel.value, digits),
            sx_money(m3, sizeof m3, first_feel.expectation, digits),
            sx_money(m4, sizeof m4, first_feel.satisfaction, digits));
    if (first_feel.value > 0 && first_feel.satisfaction < 0)
        sx_sub(f, html, "%s",
                tr(lang,
                  "The visit was worth its price but fell short of the promise: a good experience, and "
                  "still a disappointed customer. Promise more and the same visit satisfies less."));

    /* 3. the response curve */
    if (rp->enabled) {
        double g = sat_churn_multiplier(rp, first_feel.satisfaction);
        const char *where =
            first_feel.satisfaction < rp->trap_low
                ? tr(lang, "below the zone: a disappointed customer")
            : first_feel.satisfaction > rp->trap_high
                ? tr(lang, "above the zone: a delighted customer")
                : tr(lang, "inside the zone");
        text_paraf(f, html,
                tr(lang,
                  "3. The response curve (the satisfaction trap). Between satisfaction %s and %s lies "
                  "the insensitive zone: inside it, more satisfaction does not change the chance of "
                  "coming back at all (churn x 1). Below %s, churn grows by a factor of about 2.7 for "
                  "every %s of satisfaction lost; above %s it falls towards x %g, for the delighted. This "
                  "customer's satisfaction of %s is %s: churn x %.2f."),
                sx_money(m1, sizeof m1, rp->trap_low, digits),
                sx_money(m2, sizeof m2, rp->trap_high, digits),
                sx_money(m3, sizeof m3, rp->trap_low, digits),
                sx_money(m4, sizeof m4, rp->dissatisfied_scale, digits),
                sx_money(m5, sizeof m5, rp->trap_high, digits), rp->delighted_churn_factor,
                sx_money(m6, sizeof m6, first_feel.satisfaction, digits), where, g);
        if (first_feel.satisfaction >= rp->trap_low && first_feel.satisfaction <= rp->trap_high)
            sx_sub(f, html,
                    tr(lang,
                      "For satisfaction to pay, it has to rise above %s, %s more than now: improving a "
                      "little inside the zone buys no second visits."),
                    sx_money(m1, sizeof m1, rp->trap_high, digits),
                    sx_money(m2, sizeof m2, rp->trap_high - first_feel.satisfaction, digits));
    } else {
        text_paraf(f, html, "%s",
                tr(lang, "3. The response curve is switched off ([response] enabled = false): "
                        "satisfaction does not change the chance of coming back."));
    }

    /* 4. stickiness and the table */
    if (sp->enabled)
        text_paraf(f, html,
                tr(lang,
                  "4. Habit (stickiness). Each purchase builds habit, which removes a share of churn: "
                  "95 %% of its maximum (%.0f %%) by the knee, purchase %g; after it, more purchases add "
                  "little. Expectation learns too: after each visit it moves %.0f %% of the way to what "
                  "the visit was worth, so a great visit raises the bar for the next."),
                100 * sp->max, sp->knee, 100 * e->expectation_learning);
    else
        text_paraf(f, html,
                tr(lang,
                  "4. Stickiness is switched off: repeat purchases build no habit. Expectation moves "
                  "%.0f %% of the way to what each visit was worth."),
                100 * e->expectation_learning);
    text_paraf(f, html,
            tr(lang,
              "Visit by visit (the chance to come back = 1 - churn; churn = own churn %.2f x resp., the "
              "response curve's multiplier, x (1 - stickiness) x (1 - loyalty %.2f)%s):"),
            trait(&calm, state, ST_THETA), trait(&calm, state, ST_LOYALTY),
            rp->enabled && rp->new_customer_rule
                ? tr(lang, ", and the new-customer rule at the first visit")
                : "");
    /* the column heads, short to fit the table: a context keeps them apart
     * from the same English words elsewhere */
    static const char *const head[] = { NC_("visit table", "visit"), NC_("visit table", "benefit"),
                                        NC_("visit table", "cost"), NC_("visit table", "value"),
                                        NC_("visit table", "expects"), NC_("visit table", "satisf."),
                                        NC_("visit table", "zone"), NC_("visit table", "resp."),
                                        NC_("visit table", "sticky"), NC_("visit table", "churn"),
                                        NC_("visit table", "returns") };
    /* 80 columns: the text table is never wrapped */
    static const int width[] = { 5, 8, 8, 8, 8, 8, 7, 6, 7, 7, 8 };
    if (html)
        fputs("<table class=\"explain-chain\">\n<tr>", f);
    for (int c = 0; c < 11; c++)
        sx_cell(f, html, trc(lang, "visit table", head[c]), width[c], 1);
    fputs(html ? "</tr>\n" : "\n", f);

    /* the walk: the table to the knee + 2, the sums much further */
    int rows = (int)ceil(sp->knee) + 2;
    double survive = 1, visits = 0, visits_h = 0, ltv = 0, ltv_h = 0;
    double margin = p->spend.mean * (env ? env->gross_margin : 0) - (env ? env->cost_per_visit : 0);
    double per_day = env ? log1p(env->discount_rate) / 365.0 : 0;
    double cycle = p->visits.cycle_days;
    int horizon = env ? env->horizon_days : 0;
    int capped = 0;
    double first_return = 1 - first.churn;
    sx_typical(p, &calm, state);
    for (int k = 1;; k++) {
        sx_visit(&calm, state, k, &v, &feel);
        double disc = exp(-per_day * cycle * (k - 1));
        visits += survive;
        ltv += survive * margin * disc;
        if (cycle * (k - 1) <= horizon) {
            visits_h += survive;
            ltv_h += survive * margin * disc;
        }
        if (k <= rows) {
            char cell[11][64];
            snprintf(cell[0], 64, "%d", k);
            sx_money(cell[1], 64, feel.benefit, digits);
            sx_money(cell[2], 64, feel.cost, digits);
            sx_money(cell[3], 64, feel.value, digits);
            sx_money(cell[4], 64, feel.expectation, digits);
            sx_money(cell[5], 64, feel.satisfaction, digits);
            snprintf(cell[6], 64, "%s", sx_zone(rp, feel.satisfaction, lang));
            double g = sat_churn_multiplier(rp, feel.satisfaction);
            snprintf(cell[7], 64, g >= 100 ? "x%.0f" : g >= 10 ? "x%.1f" : "x%.2f", g);
            snprintf(cell[8], 64, "%.1f%%", 100 * sat_stickiness(sp, k));
            snprintf(cell[9], 64, "%.1f%%", 100 * v.churn);
            snprintf(cell[10], 64, "%.1f%%", 100 * (1 - v.churn));
            if (html)
                fputs("<tr>", f);
            for (int c = 0; c < 11; c++)
                sx_cell(f, html, cell[c], width[c], 0);
            fputs(html ? "</tr>\n" : "\n", f);
        }
        survive *= 1 - v.churn;
        if (k >= rows && survive < 1e-9)
            break;
        if (k >= EXPLAIN_MAX_VISITS) {
            capped = 1;
            break;
        }
    }
    fputs(html ? "</table>\n" : "\n", f);

    /* 5. what the typical customer is worth */
    char visits_txt[64];
    if (capped)
        snprintf(visits_txt, sizeof visits_txt, tr(lang, "more than %.0f"), visits);
    else
        snprintf(visits_txt, sizeof visits_txt, "%.2f", visits);
    char service[128] = "";
    if (env && env->cost_per_visit > 0)
        snprintf(service, sizeof service, tr(lang, " - %s of service cost"),
                 sx_money(m5, sizeof m5, env->cost_per_visit, digits));
    if (env)
        text_paraf(f, html,
                tr(lang,
                  "5. What the typical customer is worth. Multiplying the chances of coming back visit "
                  "after visit, they make %s visits in a lifetime on average, %.2f of them within %d days "
                  "of the first (at one visit every %g days). At %s %s of margin per visit (bill %s x "
                  "gross margin %.0f %%%s), discounted at %.0f %% a year, their "
                  "lifetime value is %s %s (%s within %d days), before what it cost to win them."),
                visits_txt, visits_h, horizon, cycle, sx_money(m1, sizeof m1, margin, digits), cur,
                sx_money(m2, sizeof m2, p->spend.mean, digits), 100 * env->gross_margin, service,
                100 * env->discount_rate, sx_money(m3, sizeof m3, ltv, digits),
                cur, sx_money(m4, sizeof m4, ltv_h, digits), horizon);

    /* 6. the typical customer is not the average one */
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!r)
        return -1;
    gsl_rng_set(r, 20240501UL);
    double negative = 0, hesitant = 0, returns = 0, avg_visits_h = 0;
    for (int i = 0; i < EXPLAIN_SAMPLE; i++) {
        double st[MODEL_STATE_MAX] = { 0 };
        sat_customer_init(p, st, r);
        double s = 1;
        for (int k = 1; cycle * (k - 1) <= horizon || k == 1; k++) {
            visit_ctx w = { 0 };
            w.purchase_no = k;
            w.t = cycle * (k - 1);
            w.bill = sat_draw_bill(p, st, &w, r);
            w.cash = w.revenue = w.bill;
            sat_feel wf;
            sat_judge(p, st, &w, r, &wf);
            avg_visits_h += s;
            if (k == 1) {
                sat_new_customer zone = sat_new_customer_zone(rp, wf.value);
                negative += zone == SAT_NEW_LOST;
                hesitant += zone == SAT_NEW_HESITATES;
                returns += 1 - w.churn;
            }
            s *= 1 - w.churn;
            if (s < 1e-9 || k >= EXPLAIN_MAX_VISITS)
                break;
        }
    }
    gsl_rng_free(r);
    text_paraf(f, html,
            tr(lang,
              "6. The typical customer is not the average one. Customers differ: in what the offer is "
              "worth to them (taste varies by about %.0f %%, and each visit by about %s), in their own "
              "chance of never coming back (polarisation %.2f: 0 is all alike, near 1 all-or-nothing) "
              "and in loyalty. Through the same model code, %d simulated new customers give: %.1f %% "
              "find their first visit worth less than it cost (value below %s: about %.0f %% of them "
              "are lost), %.1f %% find it about even and hesitate; %.1f %% come back after the first visit (the typical customer: %.1f %%), and within %d days they "
              "make %.2f visits on average (the typical customer: %.2f). The quick leavers go first, so "
              "those who stay are steadier than the typical customer; and those who happen to value "
              "the visit below its price are lost even when the typical customer is not. The "
              "simulation (retsim run) counts all of this, plus the promotions, reminders and word of "
              "mouth."),
            100 * e->taste_sd, sx_money(m1, sizeof m1, e->benefit_sd, digits),
            p->churn.heterogeneous ? p->churn.polarisation : 0.0, EXPLAIN_SAMPLE,
            100 * negative / EXPLAIN_SAMPLE, sx_signed(m2, sizeof m2, rp->loss_below, digits),
            100 * rp->negative_value_loss, 100 * hesitant / EXPLAIN_SAMPLE,
            100 * returns / EXPLAIN_SAMPLE, 100 * first_return, horizon,
            avg_visits_h / EXPLAIN_SAMPLE, visits_h);
    return ferror(f) ? -1 : 0;
}

/* ---- advise: is the response curve in reach of the first visit? ---- */

#define ADVISE_SAMPLE 4000       /* simulated first visits */
#define ADVISE_SHARE 0.95        /* "almost all" */

/* The response curve only acts on satisfactions near its zone.  When the
 * benefits, costs and promise are sized for another bill (absolute amounts
 * for a 100-yuan bill on a 40-yuan haircut give value 70 against promise 5),
 * every new customer lands beyond one end: all "delighted" or all
 * disappointed, and no lever inside the curve changes anything.  The share
 * is estimated by the model's own customer_init, draw_bill and experience
 * over simulated first visits from a fixed seed (before promotions). */
static int sat_advise(const void *params, char *msg, size_t cap)
{
    const sat_params *p = params;
    const sat_response_params *rp = &p->response;
    if (!rp->enabled)
        return 0;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!r)
        return 0;
    gsl_rng_set(r, 20240502UL);
    int above = 0, below = 0;
    for (int i = 0; i < ADVISE_SAMPLE; i++) {
        double st[MODEL_STATE_MAX] = { 0 };
        sat_customer_init(p, st, r);
        visit_ctx w = { 0 };
        w.purchase_no = 1;
        w.bill = sat_draw_bill(p, st, &w, r);
        w.cash = w.revenue = w.bill;
        sat_feel wf;
        sat_judge(p, st, &w, r, &wf);
        above += wf.satisfaction > rp->trap_high;
        below += wf.satisfaction < rp->trap_low;
    }
    gsl_rng_free(r);
    int high = above > ADVISE_SHARE * ADVISE_SAMPLE, low = below > ADVISE_SHARE * ADVISE_SAMPLE;
    if (!high && !low)
        return 0;
    sat_params calm;
    double state[MODEL_STATE_MAX] = { 0 };
    visit_ctx typical;
    sat_feel typical_feel;
    sx_typical(p, &calm, state);
    sx_visit(&calm, state, 1, &typical, &typical_feel);
    int digits = p->spend.mean >= 100 ? 0 : p->spend.mean >= 10 ? 1 : 2;
    char sat[64], lo[64], hi[64];
    sx_signed(sat, sizeof sat, typical_feel.satisfaction, digits);
    sx_signed(lo, sizeof lo, rp->trap_low, digits);
    sx_signed(hi, sizeof hi, rp->trap_high, digits);
    double share = 100.0 * (high ? above : below) / ADVISE_SAMPLE;
    /* far below the zone the multiplier is astronomical; churn is capped at 1 anyway */
    double g = sat_churn_multiplier(rp, typical_feel.satisfaction);
    char mult[32];
    snprintf(mult, sizeof mult, g < 100 ? "%.2f" : "> 100", g);
    if (high)
        snprintf(msg, cap,
                 tr(lang_ui(), "%.0f %% of first visits have satisfaction above the response curve's insensitive zone "
                 "(%s to %s; the typical customer's is %s): every new customer is 'delighted' (churn x %s); "
                 "if the business is not that good, lower [experience] product_value, staff_value, "
                 "service_value, image_value or raise promise (their defaults scale with [spend] mean), "
                 "or raise [response] trap_high"),
                 share, lo, hi, sat, mult);
    else
        snprintf(msg, cap,
                 tr(lang_ui(), "%.0f %% of first visits have satisfaction below the response curve's insensitive zone "
                 "(%s to %s; the typical customer's is %s): every new customer is disappointed (churn x %s); "
                 "if the business is not that bad, raise [experience] product_value, staff_value, "
                 "service_value, image_value, lower the costs or promise (their defaults scale with [spend] "
                 "mean), or lower [response] trap_low"),
                 share, lo, hi, sat, mult);
    return 1;
}

const model_type model_satisfaction = {
    "satisfaction",
    "Perceived value against expectation drives churn, with the satisfaction trap, "
    "stickiness from repeat purchases and attitudinal loyalty.",
    sat_sections, sat_prepare, sat_release, sat_mean_bill, sat_mean_interval, sat_customer_init, sat_draw_bill,
    sat_experience, sat_draw_interval, sat_explain, sat_continuation, sat_advise,
    sat_from_history, .state_slots = ST_SLOTS, .state_slots_used = sat_state_slots_used
};
