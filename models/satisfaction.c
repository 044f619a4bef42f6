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
 * B(a, b + k) / B(a, b) with heterogeneity (tests prove both). */
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#include "model.h"
#include "satisfaction.h"

enum { ST_THETA, ST_LOYALTY, ST_TASTE, ST_EXPECTATION };

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
      "Average chance that a customer never returns after a visit, before satisfaction, stickiness and loyalty act." },
    { "polarisation", KEY_REAL, offsetof(sat_churn_params, polarisation), 0.25,
      0, 1, KEY_MAX_OPEN, "index", NO_CHOICES,
      "How much customers differ (Fader-Hardie polarisation 1/(a+b+1)): 0 = all alike, near 1 = all-or-nothing." },
    { "beta_a", KEY_REAL, offsetof(sat_churn_params, beta_a), 0, 0, 1e6,
      KEY_MIN_OPEN | KEY_OPTIONAL, "", NO_CHOICES,
      "Alternative to mean/polarisation: each customer's churn is drawn from Beta(beta_a, beta_b)." },
    { "beta_b", KEY_REAL, offsetof(sat_churn_params, beta_b), 0, 0, 1e6,
      KEY_MIN_OPEN | KEY_OPTIONAL, "", NO_CHOICES, "See beta_a." },
    { 0 }
};

const scen_section sat_section_churn = {
    "churn", "Each customer's own chance of never coming back (satisfaction model).",
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
      "Attitudinal loyalty: the share of churn a customer resists whatever happens (0 = none)." },
    { "polarisation", KEY_REAL, offsetof(sat_loyalty_params, polarisation), 0.2,
      0, 1, KEY_MAX_OPEN, "index", NO_CHOICES, "How much loyalty differs between customers (Beta spread)." },
    { 0 }
};

const scen_section sat_section_loyalty = {
    "loyalty", "Attitudinal loyalty, drawn once per customer (satisfaction model).",
    sizeof(sat_loyalty_params), 1, loyalty_keys, check_loyalty
};

/* ---- [experience] ---- */

static const scen_key experience_keys[] = {
    { "product_value", KEY_REAL, offsetof(sat_experience_params, product_value),
      75, 0, 1e9, 0, "currency", NO_CHOICES,
      "Perceived benefit of the product or treatment, for a visit with the average bill." },
    { "staff_value", KEY_REAL, offsetof(sat_experience_params, staff_value), 20, 0,
      1e9, 0, "currency", NO_CHOICES, "Perceived benefit of the staff (skill, manner)." },
    { "service_value", KEY_REAL, offsetof(sat_experience_params, service_value), 15,
      0, 1e9, 0, "currency", NO_CHOICES, "Perceived benefit of the service (process, follow-up)." },
    { "image_value", KEY_REAL, offsetof(sat_experience_params, image_value), 10, 0,
      1e9, 0, "currency", NO_CHOICES, "Perceived benefit of the brand and place." },
    { "taste_sd", KEY_REAL, offsetof(sat_experience_params, taste_sd), 0.15, 0, 5,
      0, "share", NO_CHOICES,
      "How much customers differ in what the offer is worth to them (sd of a multiplier around 1)." },
    { "benefit_sd", KEY_REAL, offsetof(sat_experience_params, benefit_sd), 10, 0,
      1e9, 0, "currency", NO_CHOICES, "Visit-to-visit noise in perceived benefit." },
    { "waiting_cost", KEY_REAL, offsetof(sat_experience_params, waiting_cost), 3, 0,
      1e9, 0, "currency", NO_CHOICES, "Non-money cost of waiting, as money." },
    { "hassle_cost", KEY_REAL, offsetof(sat_experience_params, hassle_cost), 2, 0,
      1e9, 0, "currency", NO_CHOICES, "Non-money cost of hassle (booking, forms), as money." },
    { "travel_cost", KEY_REAL, offsetof(sat_experience_params, travel_cost), 5, 0,
      1e9, 0, "currency", NO_CHOICES, "Non-money cost of getting there, as money." },
    { "promise", KEY_REAL, offsetof(sat_experience_params, promise), 5, -1e9, 1e9,
      0, "currency", NO_CHOICES,
      "Perceived value marketing promised: a new customer's expectation. Over-promising raises it." },
    { "expectation_learning", KEY_REAL,
      offsetof(sat_experience_params, expectation_learning), 0.3, 0, 1, 0, "share",
      NO_CHOICES,
      "How far expectation moves towards each visit's value (0 = fixed by the promise, 1 = last visit)." },
    { 0 }
};

const scen_section sat_section_experience = {
    "experience", "Perceived benefit and cost of a visit, and expectation (satisfaction model).",
    sizeof(sat_experience_params), 1, experience_keys, NULL
};

/* ---- [response] ---- */

static int check_response(void *params, const char *label, const scenario *sc,
                          diag *d)
{
    (void)label;
    (void)sc;
    sat_response_params *r = params;
    if (r->trap_low > r->trap_high)
        return diag_set(d, DIAG_USAGE,
                        "[response] trap_low (%g) must not exceed trap_high (%g): they bound the insensitive zone",
                        r->trap_low, r->trap_high);
    return 0;
}

static const scen_key response_keys[] = {
    { "enabled", KEY_BOOL, offsetof(sat_response_params, enabled), 1, 0, 1, 0, "",
      NO_CHOICES, "false: satisfaction does not change churn at all." },
    { "trap_low", KEY_REAL, offsetof(sat_response_params, trap_low), -10, -1e9,
      1e9, 0, "currency", NO_CHOICES,
      "Lower edge of the insensitive zone: below it, churn rises with dissatisfaction." },
    { "trap_high", KEY_REAL, offsetof(sat_response_params, trap_high), 15, -1e9,
      1e9, 0, "currency", NO_CHOICES,
      "Upper edge of the insensitive zone: above it, delighted customers churn less." },
    { "dissatisfied_scale", KEY_REAL,
      offsetof(sat_response_params, dissatisfied_scale), 10, 0, 1e9, KEY_MIN_OPEN,
      "currency", NO_CHOICES, "Below the zone, churn grows by a factor e per this much satisfaction lost." },
    { "delighted_scale", KEY_REAL, offsetof(sat_response_params, delighted_scale),
      15, 0, 1e9, KEY_MIN_OPEN, "currency", NO_CHOICES,
      "Above the zone, churn approaches its floor over about this much extra satisfaction." },
    { "delighted_churn_factor", KEY_REAL,
      offsetof(sat_response_params, delighted_churn_factor), 0.4, 0, 1, 0, "factor",
      NO_CHOICES, "Floor of the churn multiplier for the very satisfied." },
    { "new_customer_rule", KEY_BOOL, offsetof(sat_response_params, new_customer_rule),
      1, 0, 1, 0, "", NO_CHOICES,
      "Seed 000's rule at the first visit: value < 0 loses most, value about 0 hesitates." },
    { "negative_value_loss", KEY_REAL,
      offsetof(sat_response_params, negative_value_loss), 0.95, 0, 1, 0,
      "probability", NO_CHOICES, "Share of new customers lost when their first visit's perceived value is negative." },
    { "hesitation_band", KEY_REAL, offsetof(sat_response_params, hesitation_band),
      2, 0, 1e9, 0, "currency", NO_CHOICES,
      "A first visit whose value is within this of 0 leaves the customer hesitating." },
    { "hesitation_loss", KEY_REAL, offsetof(sat_response_params, hesitation_loss),
      0.5, 0, 1, 0, "probability", NO_CHOICES,
      "Extra share of hesitating new customers lost (on top of ordinary churn)." },
    { 0 }
};

const scen_section sat_section_response = {
    "response", "How satisfaction moves churn: the satisfaction trap and the new-customer rule.",
    sizeof(sat_response_params), 1, response_keys, check_response
};

/* ---- [stickiness] ---- */

static const scen_key stickiness_keys[] = {
    { "enabled", KEY_BOOL, offsetof(sat_stickiness_params, enabled), 1, 0, 1, 0,
      "", NO_CHOICES, "false: repeat purchases build no habit." },
    { "max", KEY_REAL, offsetof(sat_stickiness_params, max), 0.5, 0, 1, 0, "share",
      NO_CHOICES, "Share of churn removed by the habit of a regular customer." },
    { "knee", KEY_REAL, offsetof(sat_stickiness_params, knee), 5, 0, 1000,
      KEY_MIN_OPEN, "purchases", NO_CHOICES,
      "Purchases after which stickiness reaches 95 % of max; beyond it, more purchases add little." },
    { 0 }
};

const scen_section sat_section_stickiness = {
    "stickiness", "Behavioural loyalty that grows with the number of purchases.",
    sizeof(sat_stickiness_params), 1, stickiness_keys, NULL
};

/* ---- [visits] ---- */

static const char *const interval_names[] = { "gamma", "exponential", "fixed", NULL };

static const scen_key visits_keys[] = {
    { "cycle_days", KEY_REAL, offsetof(sat_visits_params, cycle_days), 30, 0, 3650,
      KEY_MIN_OPEN, "days", NO_CHOICES,
      "Mean days between visits of a returning customer (e.g. 25 for a haircut, 90 for a clinic)." },
    { "distribution", KEY_CHOICE, offsetof(sat_visits_params, distribution), 0, 0,
      0, 0, "", interval_names, "Distribution of the days between visits." },
    { "shape", KEY_REAL, offsetof(sat_visits_params, shape), 4, 0, 1000, KEY_MIN_OPEN,
      "", NO_CHOICES, "Gamma shape: higher is more regular (4 gives a coefficient of variation of 0.5)." },
    { 0 }
};

const scen_section sat_section_visits = {
    "visits", "The time between visits of a customer who comes back.",
    sizeof(sat_visits_params), 1, visits_keys, NULL
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
      0, "", spend_names, "Distribution of the bill per visit." },
    { "mean", KEY_REAL, offsetof(sat_spend_params, mean), 100, 0, 1e9, KEY_MIN_OPEN,
      "currency", NO_CHOICES, "Average bill per visit, before discounts." },
    { "sd", KEY_REAL, offsetof(sat_spend_params, sd), 40, 0, 1e9, 0, "currency",
      NO_CHOICES, "Standard deviation of the bill." },
    { "log_mu", KEY_REAL, offsetof(sat_spend_params, log_mu), 0, -1e3, 1e3,
      KEY_OPTIONAL, "", NO_CHOICES, "Alternative to mean/sd for a lognormal: mean of log(bill)." },
    { "log_sigma", KEY_REAL, offsetof(sat_spend_params, log_sigma), 0, 0, 100,
      KEY_OPTIONAL, "", NO_CHOICES, "Alternative to mean/sd for a lognormal: sd of log(bill)." },
    { 0 }
};

const scen_section sat_section_spend = {
    "spend", "What a customer spends per visit.", sizeof(sat_spend_params), 1,
    spend_keys, check_spend
};

/* ---- the model ---- */

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
    const sat_loyalty_params *l = &p->loyalty;
    if (l->mean > 0 && l->polarisation > 0) {
        double k = 1.0 / l->polarisation - 1.0;
        p->loyalty_a = l->mean * k;
        p->loyalty_b = (1.0 - l->mean) * k;
    }
    return p;
}

static void sat_release(void *params)
{
    free(params);
}

static void sat_customer_init(const void *params, double *state, gsl_rng *r)
{
    const sat_params *p = params;
    state[ST_THETA] = p->churn.heterogeneous ? gsl_ran_beta(r, p->churn.a, p->churn.b)
                                             : p->churn.mean;
    if (p->loyalty.mean > 0 && p->loyalty.polarisation > 0)
        state[ST_LOYALTY] = gsl_ran_beta(r, p->loyalty_a, p->loyalty_b);
    else
        state[ST_LOYALTY] = p->loyalty.mean;
    double taste = 1.0;
    if (p->experience.taste_sd > 0)
        taste += gsl_ran_gaussian_ziggurat(r, p->experience.taste_sd);
    state[ST_TASTE] = taste > 0 ? taste : 0;
    state[ST_EXPECTATION] = p->experience.promise;
}

static double sat_draw_bill(const void *params, const double *state,
                            const visit_ctx *v, gsl_rng *r)
{
    (void)state;
    (void)v;
    const sat_spend_params *s = &((const sat_params *)params)->spend;
    switch (s->distribution) {
    case SPEND_LOGNORMAL:
        return s->sigma > 0 ? exp(s->mu + s->sigma * gsl_ran_gaussian_ziggurat(r, 1.0))
                            : s->mean;
    case SPEND_GAMMA:
        return gsl_ran_gamma(r, (s->mean / s->sd) * (s->mean / s->sd),
                             s->sd * s->sd / s->mean);
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

double sat_stickiness(const sat_stickiness_params *s, int purchases)
{
    if (!s->enabled)
        return 0.0;
    /* 0.05^(n/knee): 95 % of the way to max at the knee */
    return s->max * (1.0 - pow(0.05, purchases / s->knee));
}

static void sat_experience(const void *params, double *state, visit_ctx *v,
                           gsl_rng *r)
{
    const sat_params *p = params;
    double noise = p->experience.benefit_sd > 0
                       ? gsl_ran_gaussian_ziggurat(r, p->experience.benefit_sd)
                       : 0.0;
    v->benefit = p->benefit_at_mean_bill * (v->bill / p->spend.mean) * state[ST_TASTE]
                 + noise + v->extra_benefit;
    v->cost = (v->bill - v->discount) + p->nonmoney_cost;
    v->value = v->benefit - v->cost;
    v->expectation = state[ST_EXPECTATION];
    v->satisfaction = v->value - v->expectation;
    /* Expectation learns from the experience without its one-off gifts: a
     * free meal or a voucher pleases this once but does not teach the
     * customer to expect the next meal free; a standing price (a package)
     * is learnt like any other part of the offer. */
    double value_learnt = v->value - v->windfall;
    state[ST_EXPECTATION] += p->experience.expectation_learning * (value_learnt - v->expectation);

    double churn = state[ST_THETA] * sat_churn_multiplier(&p->response, v->satisfaction)
                   * (1.0 - sat_stickiness(&p->stickiness, v->purchase_no))
                   * (1.0 - state[ST_LOYALTY]);
    if (churn > 1.0)
        churn = 1.0;
    const sat_response_params *rp = &p->response;
    if (rp->enabled && rp->new_customer_rule && v->purchase_no == 1) {
        if (v->value < -rp->hesitation_band) {
            if (churn < rp->negative_value_loss)
                churn = rp->negative_value_loss;
        } else if (v->value <= rp->hesitation_band) {
            churn = 1.0 - (1.0 - churn) * (1.0 - rp->hesitation_loss);
        }
    }
    v->churn = churn;
}

static double sat_draw_interval(const void *params, const double *state, gsl_rng *r)
{
    (void)state;
    const sat_visits_params *v = &((const sat_params *)params)->visits;
    switch (v->distribution) {
    case INTERVAL_GAMMA:
        return gsl_ran_gamma(r, v->shape, v->cycle_days / v->shape);
    case INTERVAL_EXPONENTIAL:
        return gsl_ran_exponential(r, v->cycle_days);
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

static const scen_section *const sat_sections[] = {
    &sat_section_churn, &sat_section_loyalty, &sat_section_experience,
    &sat_section_response, &sat_section_stickiness, &sat_section_visits,
    &sat_section_spend, NULL
};

const model_type model_satisfaction = {
    "satisfaction",
    "Perceived value against expectation drives churn, with the satisfaction trap, "
    "stickiness from repeat purchases and attitudinal loyalty.",
    sat_sections, sat_prepare, sat_release, sat_mean_bill, sat_mean_interval, sat_customer_init, sat_draw_bill,
    sat_experience, sat_draw_interval
};
