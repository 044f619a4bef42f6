/* The satisfaction model's parts, checked through the model's own
 * functions: the response curve, stickiness, the new-customer rule and
 * expectation learning. */
#include <criterion/criterion.h>
#include <math.h>

#include "../sim/model.h"
#include "../models/satisfaction.h"
#include "../sim/rng.h"
#include "util.h"

Test(model, stickiness_saturates_at_the_knee)
{
    sat_stickiness_params s = { 1, 0.6, 5 };
    cr_expect_float_eq(sat_stickiness(&s, 0), 0.0, 1e-12);
    cr_expect_float_eq(sat_stickiness(&s, 5), 0.95 * 0.6, 1e-12);
    double prev = 0;
    for (int n = 1; n <= 20; n++) {
        double now = sat_stickiness(&s, n);
        cr_expect(now > prev && now < 0.6, "stickiness after %d purchases: %g", n, now);
        prev = now;
    }
    /* the first 3 purchases add more than everything after the 5th */
    double early = sat_stickiness(&s, 3), late = sat_stickiness(&s, 50) - sat_stickiness(&s, 5);
    cr_expect(early > 5 * late, "early %g, late %g", early, late);
    s.enabled = 0;
    cr_expect_float_eq(sat_stickiness(&s, 4), 0.0, 1e-12);
}

Test(model, response_curve_has_a_flat_insensitive_zone)
{
    sat_response_params r = { .enabled = 1, .trap_low = -10, .trap_high = 15,
                              .dissatisfied_scale = 10, .delighted_scale = 15,
                              .delighted_churn_factor = 0.4 };
    /* the satisfaction trap: anywhere inside the zone, the same churn */
    for (double s = -10; s <= 15; s += 2.5)
        cr_expect_float_eq(sat_churn_multiplier(&r, s), 1.0, 1e-12, "inside the zone at %g", s);
    cr_expect_float_eq(sat_churn_multiplier(&r, -20), exp(1.0), 1e-12);
    cr_expect(sat_churn_multiplier(&r, -30) > sat_churn_multiplier(&r, -20));
    double above = sat_churn_multiplier(&r, 30);
    cr_expect_float_eq(above, 0.4 + 0.6 * exp(-1.0), 1e-12);
    cr_expect(sat_churn_multiplier(&r, 1000) >= 0.4, "never below the floor");
    cr_expect(sat_churn_multiplier(&r, 1000) < 0.4001);
    r.enabled = 0;
    cr_expect_float_eq(sat_churn_multiplier(&r, -1000), 1.0, 1e-12);
}

/* A visit's churn with the model's own account of it (sat_feel). */
typedef struct judged_visit {
    double churn, value, expectation, satisfaction;
} judged_visit;

/* Visits through the model with a fixed bill of 100 and no noise; returns
 * the last of `visits` visits, numbered from first_no. */
static judged_visit visits(double product_value, double waiting_cost, double promise,
                        const char *response, int first_no, int nvisits)
{
    char text[2048];
    snprintf(text, sizeof text,
             "[channel.a]\nprospects_per_day = 1\n"
             "[experience]\nproduct_value = %g\nstaff_value = 0\nservice_value = 0\n"
             "image_value = 0\nbenefit_sd = 0\ntaste_sd = 0\nwaiting_cost = %g\n"
             "hassle_cost = 0\ntravel_cost = 0\npromise = %g\nexpectation_learning = 0.5\n"
             "[churn]\nmean = 0.3\npolarisation = 0\n[stickiness]\nenabled = false\n"
             "[spend]\ndistribution = fixed\nmean = 100\n[response]\n%s",
             product_value, waiting_cost, promise, response);
    scenario *sc = tu_scenario(text);
    diag d = { 0 };
    void *p = model_satisfaction.prepare(sc, &d);
    cr_assert(p, "%s", d.msg);
    rng_stream s;
    rng_stream_init(&s, 1, 0, 0, 0, RNG_CUSTOMER);
    double state[MODEL_STATE_MAX];
    model_satisfaction.customer_init(p, state, &s.rng);
    visit_ctx v = { 0 };
    sat_feel feel = { 0 };
    for (int k = 0; k < nvisits; k++) {
        v = (visit_ctx){ .t = 30.0 * k, .purchase_no = first_no + k };
        v.bill = model_satisfaction.draw_bill(p, state, &v, &s.rng);
        sat_judge(p, state, &v, &s.rng, &feel);
    }
    model_satisfaction.release(p);
    scen_free(sc);
    return (judged_visit){ v.churn, feel.value, feel.expectation, feel.satisfaction };
}

Test(model, negative_value_loses_most_new_customers)
{
    /* benefit 100 against 100 paid and 20 of waiting: value -20 */
    judged_visit v = visits(100, 20, 0, "negative_value_loss = 0.95\n", 1, 1);
    cr_expect_float_eq(v.value, -20.0, 1e-9, "value %g", v.value);
    cr_expect_float_eq(v.churn, 0.95, 1e-9, "churn %g after a negative first visit", v.churn);
    /* the same visit later in the relationship: only the response curve acts,
     * satisfaction -20 is 10 below the zone: churn 0.3 e */
    judged_visit later = visits(100, 20, 0, "negative_value_loss = 0.95\n", 4, 1);
    cr_expect_float_eq(later.churn, 0.3 * exp(1.0), 1e-9, "churn %g", later.churn);
}

Test(model, zero_value_new_customers_hesitate)
{
    judged_visit v = visits(100, 0, 0, "hesitation_band = 2\nhesitation_loss = 0.5\n", 1, 1);
    cr_expect_float_eq(v.value, 0.0, 1e-9);
    cr_expect_float_eq(v.churn, 1 - 0.7 * 0.5, 1e-9, "hesitating churn %g", v.churn);
    judged_visit off = visits(100, 0, 0, "new_customer_rule = false\n", 1, 1);
    cr_expect_float_eq(off.churn, 0.3, 1e-9, "rule off: churn %g", off.churn);
}

Test(model, delight_lowers_churn_towards_the_floor)
{
    /* value 30, satisfaction 30: 15 above the zone, one delighted_scale */
    judged_visit v = visits(130, 0, 0, "", 2, 1);
    cr_expect_float_eq(v.satisfaction, 30.0, 1e-9);
    cr_expect_float_eq(v.churn, 0.3 * (0.4 + 0.6 * exp(-1.0)), 1e-9, "churn %g", v.churn);
}

Test(model, over_promising_lowers_satisfaction_and_expectation_learns)
{
    /* the same experience (value 0) judged against a promise of 40 */
    judged_visit first = visits(100, 0, 40, "", 2, 1);
    cr_expect_float_eq(first.expectation, 40.0, 1e-9);
    cr_expect_float_eq(first.satisfaction, -40.0, 1e-9);
    /* the second visit is judged against an expectation moved halfway to 0 */
    judged_visit second = visits(100, 0, 40, "", 2, 2);
    cr_expect_float_eq(second.expectation, 20.0, 1e-9, "expectation %g", second.expectation);
    cr_expect(second.churn < first.churn, "lower expectation, less churn");
}
