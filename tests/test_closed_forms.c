/* The model reduced to textbook cases must give their closed forms.
 * Tolerances are 4 standard errors of the Monte Carlo mean (fixed seeds):
 * a wrong formula fails by far more, a right one passes with certainty
 * short of a 1-in-15,000 draw, and the seeds are fixed so it never flakes. */
#include <criterion/criterion.h>
#include <gsl/gsl_sf_gamma.h>
#include <math.h>

#include "../sim/metrics.h"
#include "util.h"

/* Everything but the churn draw switched off; the bill and interval fixed. */
#define TEXTBOOK_BASE                                                        \
    "[scenario]\nhorizon_days = 730\n"                                       \
    "[channel.all]\nprospects_per_day = 40\nstep_conversion = 1\n"           \
    "[response]\nenabled = false\n"                                          \
    "[stickiness]\nenabled = false\n"                                        \
    "[visits]\ndistribution = fixed\ncycle_days = 30\n"                      \
    "[spend]\ndistribution = fixed\nmean = 100\n"

/* The same with arrivals stopping on day 300 of 730. */
#define RECALL_BASE                                                          \
    "[scenario]\nhorizon_days = 730\n"                                       \
    "[channel.all]\nprospects_per_day = 40\nstep_conversion = 1\nstop_day = 300\n" \
    "[response]\nenabled = false\n"                                          \
    "[stickiness]\nenabled = false\n"                                        \
    "[visits]\ndistribution = fixed\ncycle_days = 30\n"                      \
    "[spend]\ndistribution = fixed\nmean = 100\n"

static void expect_within(double got, double se, double want, const char *what)
{
    cr_expect(se > 0, "%s: zero standard error, the check would be vacuous", what);
    cr_expect(fabs(got - want) <= 4 * se,
              "%s: simulated %.6f, closed form %.6f, |diff| = %.2f SE (SE %.2g)", what, got,
              want, fabs(got - want) / se, se);
}

Test(closed_form, constant_return_probability_gives_p_to_the_k)
{
    scenario *sc = tu_scenario(TEXTBOOK_BASE "[churn]\nmean = 0.3\npolarisation = 0\n");
    run_result *r = tu_run(sc, 24, 11, 2);
    double p = 0.7;
    for (int k = 1; k <= 8; k++) {
        double mean, se;
        tu_curve(r, CUR_RETENTION, 30 * k, &mean, &se);
        char what[64];
        snprintf(what, sizeof what, "retention after %d cycles", k);
        expect_within(mean, se, pow(p, k), what);
    }
    run_result_free(r);
    scen_free(sc);
}

Test(closed_form, beta_churn_gives_shifted_beta_geometric_survival)
{
    /* Fader and Hardie (2007), the "regular" cohort: a = 0.704, b = 1.182 */
    double a = 0.704, b = 1.182;
    scenario *sc = tu_scenario(TEXTBOOK_BASE "[churn]\nbeta_a = 0.704\nbeta_b = 1.182\n");
    run_result *r = tu_run(sc, 24, 12, 2);
    for (int k = 1; k <= 12; k++) {
        double mean, se;
        tu_curve(r, CUR_RETENTION, 30 * k, &mean, &se);
        double survival = exp(gsl_sf_lnbeta(a, b + k) - gsl_sf_lnbeta(a, b));
        char what[64];
        snprintf(what, sizeof what, "sBG survival after %d cycles", k);
        expect_within(mean, se, survival, what);
    }
    run_result_free(r);
    scen_free(sc);
}

Test(closed_form, lifetime_value_of_constant_retention)
{
    /* One day of arrivals, followed for ten years: CLV = m + m r / (1 + d - r),
     * the first purchase plus the textbook m r / (1 + d - r) of the repeats,
     * with d the discount rate per 30-day period. */
    scenario *sc = tu_scenario(
        "[scenario]\nhorizon_days = 3650\n"
        "[channel.once]\nprospects_per_day = 3000\nstep_conversion = 1\nstop_day = 1\n"
        "[response]\nenabled = false\n[stickiness]\nenabled = false\n"
        "[visits]\ndistribution = fixed\ncycle_days = 30\n"
        "[spend]\ndistribution = fixed\nmean = 100\n"
        "[economics]\ngross_margin = 0.5\ndiscount_rate = 0.1\n"
        "[churn]\nmean = 0.2\npolarisation = 0\n");
    run_result *r = tu_run(sc, 24, 13, 2);
    double m = 50, retention = 0.8, d = pow(1.1, 30.0 / 365.0) - 1;
    double mean, se;
    tu_metric(r, MET_CLV, &mean, &se);
    expect_within(mean - m, se, m * retention / (1 + d - retention), "CLV of the repeats");
    run_result_free(r);
    scen_free(sc);
}

Test(closed_form, acquisition_is_poisson_through_the_funnel)
{
    /* 20 prospects a day, 3 steps at 0.5: 2.5 new customers a day */
    scenario *sc = tu_scenario(
        "[scenario]\nhorizon_days = 365\n"
        "[channel.ads]\nprospects_per_day = 20\nfunnel_steps = 3\nstep_conversion = 0.5\n"
        "cost_per_prospect = 2\n");
    run_result *r = tu_run(sc, 40, 14, 2);
    double mean, se;
    tu_metric(r, MET_NEW_CUSTOMERS, &mean, &se);
    expect_within(mean, se, 365 * 20 * 0.125, "new customers");
    tu_metric(r, MET_PROSPECTS, &mean, &se);
    expect_within(mean, se, 365 * 20, "prospects");
    /* cost is exact per prospect, so its mean is 2 x prospects' mean */
    double cost, cost_se;
    tu_metric(r, MET_ACQUISITION_COST, &cost, &cost_se);
    cr_expect(fabs(cost - 2 * mean) < 1e-6 * cost, "acquisition cost %.3f != 2 x %.3f", cost, mean);
    run_result_free(r);
    scen_free(sc);
}

Test(closed_form, recall_brings_back_a_share_of_the_lost)
{
    /* churn 0.6, a reminder on day 20 of a fixed 30-day cycle that wins back
     * 25 % of those who would not return: a second purchase happens with
     * probability 0.4 + 0.6 x 0.25 = 0.55.  Arrivals stop long before the
     * horizon so every customer has had the time to come back. */
    scenario *sc = tu_scenario(RECALL_BASE "[churn]\nmean = 0.6\npolarisation = 0\n"
                                             "[recall]\nday = 20\nlift = 0.25\ncost = 1\n"
                                             "response_days = 5\n");
    run_result *r = tu_run(sc, 24, 15, 2);
    double mean, se;
    tu_metric(r, MET_REPEAT_RATE, &mean, &se);
    /* every visit whose next one is more than 20 days away gets one reminder
     * (unless it would fall after the horizon): all visits, here */
    double reminders, visits, rse, vse;
    tu_metric(r, MET_REMINDERS, &reminders, &rse);
    tu_metric(r, MET_VISITS, &visits, &vse);
    cr_expect(reminders <= visits && reminders > 0.95 * visits,
              "reminders %.1f for %.1f visits", reminders, visits);
    double touch, tse;
    tu_metric(r, MET_TOUCH_COST, &touch, &tse);
    cr_expect(fabs(touch - reminders) < 1e-6 * touch, "touch cost %.2f for %.2f reminders at 1 each",
              touch, reminders);
    run_result_free(r);
    scen_free(sc);
}

Test(closed_form, reminder_pulls_regulars_forward)
{
    /* nobody leaves, a fixed 30-day cycle, a reminder on day 20 that always
     * brings the customer in within a day of it: every gap becomes 20 to 21
     * days, so over 200 days each customer buys 10 or 11 times (against 7
     * without the pull) */
    scenario *sc = tu_scenario(
        "[scenario]\nhorizon_days = 200\n"
        "[channel.once]\nprospects_per_day = 500\nstep_conversion = 1\nstop_day = 1\n"
        "[response]\nenabled = false\n[stickiness]\nenabled = false\n"
        "[churn]\nmean = 0\npolarisation = 0\n"
        "[visits]\ndistribution = fixed\ncycle_days = 30\n"
        "[spend]\ndistribution = fixed\nmean = 100\n"
        "[recall]\nday = 20\nlift = 0\ncost = 0\nresponse_days = 1\npull_forward = 1\n");
    run_result *r = tu_run(sc, 4, 16, 2);
    double per_customer, se;
    tu_metric(r, MET_PURCHASES_PER_CUSTOMER, &per_customer, &se);
    cr_expect(per_customer >= 10 && per_customer <= 11, "%g purchases per customer", per_customer);
    run_result_free(r);
    scen_free(sc);
    /* without the pull: exactly 7 (days 0, 30, ..., 180) */
    sc = tu_scenario(
        "[scenario]\nhorizon_days = 200\n"
        "[channel.once]\nprospects_per_day = 500\nstep_conversion = 1\nstop_day = 1\n"
        "[response]\nenabled = false\n[stickiness]\nenabled = false\n"
        "[churn]\nmean = 0\npolarisation = 0\n"
        "[visits]\ndistribution = fixed\ncycle_days = 30\n"
        "[spend]\ndistribution = fixed\nmean = 100\n"
        "[recall]\nday = 20\nlift = 0\ncost = 0\nresponse_days = 1\n");
    r = tu_run(sc, 4, 16, 2);
    tu_metric(r, MET_PURCHASES_PER_CUSTOMER, &per_customer, &se);
    cr_expect_float_eq(per_customer, 7.0, 1e-12, "%g purchases per customer", per_customer);
    run_result_free(r);
    scen_free(sc);
}

/* ---- retention that does not depend on the horizon (docs/metrics.md) ---- */

/* The textbook customer for a horizon of h days. */
static scenario *textbook_for_horizon(int h, const char *churn)
{
    char ini[1024];
    snprintf(ini, sizeof ini,
             "[scenario]\nhorizon_days = %d\n"
             "[channel.all]\nprospects_per_day = 40\nstep_conversion = 1\n"
             "[response]\nenabled = false\n[stickiness]\nenabled = false\n"
             "[visits]\ndistribution = fixed\ncycle_days = 30\n"
             "[spend]\ndistribution = fixed\nmean = 100\n%s",
             h, churn);
    return tu_scenario(ini);
}

/* retention_365 of the same customers with horizons of 400, 730 and 1460
 * days: each equals the closed form, and each pair agrees, within 4 SE.
 * Age 365 falls between the purchases at ages 360 and 390, so a customer
 * is still a customer at 365 when they make the purchase at 390: after 13
 * decisions to return.  The old ratio (buying again at 365 or later, among
 * customers old enough) gave 2.2 %, 10.5 % and 11.5 % for one clinic. */
static void expect_retention_365_free_of_horizon(const char *churn, double want, uint64_t seed)
{
    static const int horizons[] = { 400, 730, 1460 };
    double mean[3], se[3];
    for (int i = 0; i < 3; i++) {
        scenario *sc = textbook_for_horizon(horizons[i], churn);
        run_result *r = tu_run(sc, 16, seed, 2);
        tu_metric(r, MET_RETENTION_365, &mean[i], &se[i]);
        char what[64];
        snprintf(what, sizeof what, "retention_365 with a %d-day horizon", horizons[i]);
        expect_within(mean[i], se[i], want, what);
        run_result_free(r);
        scen_free(sc);
    }
    for (int i = 0; i < 3; i++)
        for (int j = i + 1; j < 3; j++) {
            double se_diff = sqrt(se[i] * se[i] + se[j] * se[j]);
            cr_expect(fabs(mean[i] - mean[j]) <= 4 * se_diff,
                      "retention_365: %.5f with %d days against %.5f with %d days (%.2f SE)", mean[i],
                      horizons[i], mean[j], horizons[j], fabs(mean[i] - mean[j]) / se_diff);
        }
}

Test(closed_form, retention_365_of_constant_churn_does_not_depend_on_the_horizon)
{
    expect_retention_365_free_of_horizon("[churn]\nmean = 0.1\npolarisation = 0\n", pow(0.9, 13), 21);
}

Test(closed_form, retention_365_of_beta_churn_does_not_depend_on_the_horizon)
{
    double a = 0.704, b = 1.182;
    expect_retention_365_free_of_horizon("[churn]\nbeta_a = 0.704\nbeta_b = 1.182\n",
                                         exp(gsl_sf_lnbeta(a, b + 13) - gsl_sf_lnbeta(a, b)), 22);
}

Test(closed_form, observed_retention_equals_survival_when_gaps_are_short)
{
    /* a fixed 30-day cycle never leaves a living customer silent for
     * lost_after (default 365) days, so the business's view is the truth:
     * both curves are p^k after k cycles */
    scenario *sc = textbook_for_horizon(1000, "[churn]\nmean = 0.3\npolarisation = 0\n");
    run_result *r = tu_run(sc, 16, 23, 2);
    for (int k = 1; k <= 6; k++) {
        double mean, se;
        char what[64];
        tu_curve(r, CUR_OBSERVED_RETENTION, 30 * k, &mean, &se);
        snprintf(what, sizeof what, "observed retention after %d cycles", k);
        expect_within(mean, se, pow(0.7, k), what);
    }
    run_result_free(r);
    scen_free(sc);
}

/* One day of arrivals followed for a year only: the projection adds what
 * the next years would bring, so clv_projected is the whole lifetime's
 * closed form although the horizon saw a fraction of it. */
#define ONE_YEAR_ONE_DAY                                                                        \
    "[scenario]\nhorizon_days = 365\n"                                                         \
    "[channel.once]\nprospects_per_day = 3000\nstep_conversion = 1\nstop_day = 1\n"            \
    "[response]\nenabled = false\n[stickiness]\nenabled = false\n"                             \
    "[visits]\ndistribution = fixed\ncycle_days = 30\n"                                        \
    "[spend]\ndistribution = fixed\nmean = 100\n"                                              \
    "[economics]\ngross_margin = 0.5\ndiscount_rate = 0.1\n"

Test(closed_form, projected_lifetime_value_of_constant_retention)
{
    scenario *sc = tu_scenario(ONE_YEAR_ONE_DAY "[churn]\nmean = 0.2\npolarisation = 0\n");
    run_result *r = tu_run(sc, 24, 24, 2);
    double m = 50, retention = 0.8, d = pow(1.1, 30.0 / 365.0) - 1;
    double lifetime = m + m * retention / (1 + d - retention);
    double mean, se, realised, rse;
    tu_metric(r, MET_CLV_PROJECTED, &mean, &se);
    expect_within(mean, se, lifetime, "projected CLV, one year seen");
    /* and the realised value misses the later years: 0.8^13 of the
     * customers are still coming at the horizon */
    tu_metric(r, MET_CLV, &realised, &rse);
    cr_expect(realised < lifetime - 20 * rse, "realised CLV %.2f should fall short of %.2f", realised,
              lifetime);
    run_result_free(r);
    scen_free(sc);
}

Test(closed_form, projected_lifetime_value_of_beta_churn)
{
    /* each customer's own theta ~ Beta(a, b): the visit j cycles after the
     * first happens with probability E[(1 - theta)^j] = B(a, b + j) / B(a, b),
     * so CLV = m sum_j B(a, b + j) / B(a, b) / (1 + d)^j */
    double a = 0.704, b = 1.182;
    scenario *sc = tu_scenario(ONE_YEAR_ONE_DAY "[churn]\nbeta_a = 0.704\nbeta_b = 1.182\n");
    run_result *r = tu_run(sc, 24, 25, 2);
    double m = 50, d = pow(1.1, 30.0 / 365.0) - 1, lifetime = 0;
    for (int j = 0; j < 5000; j++)
        lifetime += m * exp(gsl_sf_lnbeta(a, b + j) - gsl_sf_lnbeta(a, b) - j * log1p(d));
    double mean, se;
    tu_metric(r, MET_CLV_PROJECTED, &mean, &se);
    expect_within(mean, se, lifetime, "projected CLV with Beta churn, one year seen");
    run_result_free(r);
    scen_free(sc);
}

/* [churn] first_purchase_factor f: the first purchase loses f theta, every
 * later one theta.  A horizon of 20 days with visits every 30 leaves every
 * customer with their first purchase only, so the whole future is the
 * continuation's: the second visit comes with probability 1 - f theta,
 * every later one with 1 - theta, a cycle's discount D apart:
 *   CLV = m + m (1 - f theta) D / (1 - (1 - theta) D),  D = 1 / (1 + d).
 * Holding the first visit's reduced churn for all later visits instead
 * (the continuation's plain rule) would give 467 here, not 266. */
Test(closed_form, projected_lifetime_value_with_a_first_purchase_factor)
{
    scenario *sc = tu_scenario("[scenario]\nhorizon_days = 20\n"
                               "[channel.once]\nprospects_per_day = 3000\nstep_conversion = 1\nstop_day = 1\n"
                               "[response]\nenabled = false\n[stickiness]\nenabled = false\n"
                               "[visits]\ndistribution = fixed\ncycle_days = 30\n"
                               "[spend]\ndistribution = fixed\nmean = 100\n"
                               "[economics]\ngross_margin = 0.5\ndiscount_rate = 0.1\n"
                               "[churn]\nmean = 0.2\npolarisation = 0\nfirst_purchase_factor = 0.5\n");
    run_result *r = tu_run(sc, 24, 26, 2);
    double m = 50, theta = 0.2, f = 0.5, d = pow(1.1, 30.0 / 365.0) - 1, D = 1 / (1 + d);
    double lifetime = m + m * (1 - f * theta) * D / (1 - (1 - theta) * D);
    double mean, se;
    tu_metric(r, MET_CLV_PROJECTED, &mean, &se);
    expect_within(mean, se, lifetime, "projected CLV, first purchase factor 0.5");
    run_result_free(r);
    scen_free(sc);
}
