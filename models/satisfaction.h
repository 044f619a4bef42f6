/* Parameters of the satisfaction-driven customer model, exposed so that
 * tests and `retsim explain` can quote the model's own functions. */
#ifndef RETSIM_SATISFACTION_H
#define RETSIM_SATISFACTION_H

#include "../sim/draws.h"
#include "../sim/model.h"

typedef struct sat_churn_params {
    double mean, polarisation, beta_a, beta_b;
    double first_purchase_factor;   /* multiplies the churn after purchase 1 (1: as after any other) */
    double a, b;            /* derived Beta parameters */
    int heterogeneous;      /* derived: draw theta from Beta(a, b) */
} sat_churn_params;

typedef struct sat_loyalty_params {
    double mean, polarisation;
} sat_loyalty_params;

typedef struct sat_experience_params {
    double product_value, staff_value, service_value, image_value;
    double taste_sd, benefit_sd;
    double waiting_cost, hassle_cost, travel_cost;
    double promise, expectation_learning;
} sat_experience_params;

typedef struct sat_response_params {
    int enabled;
    double trap_low, trap_high, dissatisfied_scale, delighted_scale;
    double delighted_churn_factor;
    int new_customer_rule;
    double negative_value_loss, loss_below, hesitation_band, hesitation_loss;
} sat_response_params;

typedef struct sat_stickiness_params {
    int enabled;
    double max, knee;
} sat_stickiness_params;

enum { INTERVAL_GAMMA, INTERVAL_EXPONENTIAL, INTERVAL_FIXED };

typedef struct sat_visits_params {
    double cycle_days;
    int distribution;
    double shape;
    double rate_cv;         /* spread of the visit rate between customers (0: one cycle for all) */
} sat_visits_params;

enum { SPEND_LOGNORMAL, SPEND_GAMMA, SPEND_FIXED };

typedef struct sat_spend_params {
    int distribution;
    double mean, sd, log_mu, log_sigma;
    double mu, sigma;       /* derived lognormal parameters */
} sat_spend_params;

#define SAT_TRAITS 5

typedef struct sat_params {
    sat_churn_params churn;
    sat_loyalty_params loyalty;
    sat_experience_params experience;
    sat_response_params response;
    sat_stickiness_params stickiness;
    sat_visits_params visits;
    sat_spend_params spend;
    double benefit_at_mean_bill, nonmoney_cost;
    double wait_cost_per_minute, wait_minutes_accepted;  /* [capacity], sim/queue.h */
    double loyalty_a, loyalty_b;
    /* the continuation's interval discount at the scenario's own daily
     * discount rate, computed once (a pow a customer otherwise) */
    double cont_delta, cont_interval_discount;
    /* the hot path's variates, prepared once (sim/draws.h): the same
     * numbers as gsl_ran_gamma / gsl_ran_beta, with fewer calls */
    draw_gamma_t interval_gamma, spend_gamma;
    draw_beta_t churn_beta, loyalty_beta;
    /* where each of a customer's SAT_TRAITS traits (churn, loyalty, taste,
     * expectation, own cycle) is in their state: its index among the
     * doubles kept, or -1 when the parameters make it one number for
     * every customer throughout, which is then not kept (satisfaction.c,
     * sat_state_layout); nslots kept in all */
    signed char slot[SAT_TRAITS];
    int nslots;
} sat_params;

extern const scen_section sat_section_churn, sat_section_loyalty,
    sat_section_experience, sat_section_response, sat_section_stickiness,
    sat_section_visits, sat_section_spend;

extern const model_type model_satisfaction;

/* How one visit felt, as the satisfaction model judges it (DOMAIN.md
 * section 1): the model's own account, kept out of the engine's visit_ctx. */
typedef struct sat_feel {
    double benefit;      /* perceived benefit, currency */
    double cost;         /* perceived cost: price paid plus non-money cost (waiting included) */
    double value;        /* benefit - cost */
    double expectation;  /* what the customer expected the value to be */
    double satisfaction; /* value - expectation */
} sat_feel;

/* The model's experience() with its account of the visit in *feel: sets
 * v's churn, signal and worth_less_than_cost and lets expectation learn
 * (state).  r may be NULL when every noise term is off (explain). */
void sat_judge(const sat_params *p, double *state, visit_ctx *v, gsl_rng *r, sat_feel *feel);

/* The churn multiplier g(satisfaction) of the response curve. */
double sat_churn_multiplier(const sat_response_params *r, double satisfaction);
/* Seed 000's rule for a first visit of this perceived value: lost (below
 * loss_below), hesitating (from loss_below up to hesitation_band) or coming
 * back (above it).  The zone the rule puts a new customer in, whether or
 * not the rule is switched on. */
typedef enum { SAT_NEW_LOST, SAT_NEW_HESITATES, SAT_NEW_RETURNS } sat_new_customer;
sat_new_customer sat_new_customer_zone(const sat_response_params *r, double value);
/* Share of churn removed after this many purchases. */
double sat_stickiness(const sat_stickiness_params *s, int purchases);

#endif
