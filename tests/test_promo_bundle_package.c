/* The prepaid bundle (101 beers for 20.18, seed 001) and the package or
 * contract lock-in (vaccine package and 1-year plan, seeds 001 and 004).
 *
 * For each: the money identity cash in = revenue + liability on a noisy
 * run; exact per-customer money on a one-day cohort with a fixed bill, a
 * fixed 30-day cycle and no churn (every customer lives the same schedule,
 * so each total is that schedule times the number of customers); take-up
 * against its closed form within 4 standard errors; lock-in raising the
 * repeat rate by its closed form, base and variant on the same streams;
 * malformed sections rejected with a message naming section and keys. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../sim/metrics.h"
#include "../sim/scenario.h"
#include "util.h"

/* One day of 3000 prospects who all buy, then a fixed life: bill 100 every
 * 30 days from a first visit in [0, 1), so a horizon of 100 holds visits at
 * ages 0, 30, 60, 90 for everyone. */
#define COHORT_BASE                                                          \
    "[channel.once]\nprospects_per_day = 3000\nstep_conversion = 1\nstop_day = 1\n" \
    "[response]\nenabled = false\n[stickiness]\nenabled = false\n"           \
    "[visits]\ndistribution = fixed\ncycle_days = 30\n"                      \
    "[spend]\ndistribution = fixed\nmean = 100\n"

#define NO_CHURN "[churn]\nmean = 0\npolarisation = 0\n"

/* A business with noise everywhere: lognormal bills, gamma intervals,
 * customers who differ, satisfaction acting on churn. */
#define NOISY_BASE                                                           \
    "[scenario]\nhorizon_days = 365\n"                                       \
    "[channel.walkin]\nprospects_per_day = 20\nstep_conversion = 0.5\n"

static scenario *scenario_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static scenario *scenario_fmt(const char *fmt, ...)
{
    char text[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    cr_assert(n > 0 && n < (int)sizeof text, "test scenario too long");
    return tu_scenario(text);
}

static void expect_within(double got, double se, double want, const char *what)
{
    cr_expect(se > 0, "%s: zero standard error, the check would be vacuous", what);
    cr_expect(fabs(got - want) <= 4 * se,
              "%s: simulated %.6f, closed form %.6f, |diff| = %.2f SE (SE %.2g)", what, got,
              want, fabs(got - want) / se, se);
}

/* Every customer of the cohort lived the same schedule, so metric m is
 * per_customer x new customers, in every replication and so in the mean. */
static void expect_per_customer(const run_result *r, int m, double per_customer,
                                const char *what)
{
    double n, nse, got, se;
    tu_metric(r, MET_NEW_CUSTOMERS, &n, &nse);
    tu_metric(r, m, &got, &se);
    cr_assert(n > 1000, "the cohort has %.0f customers", n);
    double want = per_customer * n;
    cr_expect(fabs(got - want) <= 1e-9 * n * fmax(fabs(per_customer), 100),
              "%s: %.9g per customer, expected %.9g", what, got / n, per_customer);
}

static void expect_money_identity(const run_result *r, const char *what)
{
    double cash, revenue, liability, se;
    tu_metric(r, MET_CASH_IN, &cash, &se);
    tu_metric(r, MET_REVENUE, &revenue, &se);
    tu_metric(r, MET_LIABILITY_END, &liability, &se);
    cr_expect(liability > 0, "%s: no liability at the horizon, the identity is not tested", what);
    cr_expect(fabs(cash - revenue - liability) <= 1e-9 * cash,
              "%s: cash in %.6f != revenue %.6f + liability %.6f (off by %.3g)", what, cash,
              revenue, liability, cash - revenue - liability);
}

/* Runs base and variant on the same streams; checks both repeat rates and
 * their paired difference against closed forms. */
static void expect_repeat_rates(const scenario *base, const scenario *variant, double want_base,
                                double want_variant)
{
    diag d = { 0 };
    engine *e[2] = { engine_prepare(base, &d), NULL };
    cr_assert(e[0] != NULL, "engine_prepare: %s", d.msg);
    e[1] = engine_prepare(variant, &d);
    cr_assert(e[1] != NULL, "engine_prepare: %s", d.msg);
    run_opts o = { 31, 24, 2, 0, 0 };
    run_result *r = NULL;
    cr_assert(sim_run(e, 2, &o, &r, &d) == 0, "sim_run: %s", d.msg);
    stat_summary b = stat_vec_get(r->scen[0].metric, MET_REPEAT_RATE);
    stat_summary v = stat_vec_get(r->scen[1].metric, MET_REPEAT_RATE);
    stat_summary diff = stat_vec_get(r->scen[1].diff, MET_REPEAT_RATE);
    expect_within(b.mean, b.sd / sqrt(b.n), want_base, "repeat rate without lock-in");
    expect_within(v.mean, v.sd / sqrt(v.n), want_variant, "repeat rate with lock-in");
    double dse = diff.sd / sqrt(diff.n);
    expect_within(diff.mean, dse, want_variant - want_base, "paired rise in repeat rate");
    cr_expect(diff.mean > 4 * dse, "lock-in raised the repeat rate by only %.4f (SE %.2g)",
              diff.mean, dse);
    run_result_free(r);
    engine_free(e[0]);
    engine_free(e[1]);
}

/* Loads INI text that must be rejected, with every needle in the message. */
static void expect_rejected(const char *ini_text, const char *const *needles)
{
    char path[] = "/tmp/retsim-test-bp-XXXXXX.ini";
    int fd = mkstemps(path, 4);
    cr_assert(fd >= 0, "cannot create a temp scenario");
    FILE *f = fdopen(fd, "w");
    fputs(ini_text, f);
    fclose(f);
    diag d = { 0 };
    scenario *sc = scen_load(path, NULL, 0, &d);
    unlink(path);
    cr_expect(sc == NULL, "accepted:\n%s", ini_text);
    scen_free(sc);
    cr_expect(d.status == DIAG_USAGE, "status %d, not a usage error: %s", d.status, d.msg);
    for (int i = 0; needles[i]; i++)
        cr_expect(strstr(d.msg, needles[i]) != NULL, "message lacks \"%s\": %s", needles[i],
                  d.msg);
}

static void expect_description(const scenario *sc, const char *name, const char *const *needles)
{
    diag d = { 0 };
    engine *e = engine_prepare(sc, &d);
    cr_assert(e != NULL, "engine_prepare: %s", d.msg);
    const char *names[16];
    char desc[16][256];
    int n = engine_promotions(e, names, desc, 16, LANG_EN);
    int found = 0;
    for (int i = 0; i < n; i++) {
        if (strcmp(names[i], name))
            continue;
        found = 1;
        for (int k = 0; needles[k]; k++)
            cr_expect(strstr(desc[i], needles[k]) != NULL, "%s description lacks \"%s\": %s",
                      name, needles[k], desc[i]);
    }
    cr_expect(found, "%s is not among the active promotions", name);
    engine_free(e);
}

/* ---- bundle ---- */

Test(bundle, money_identity)
{
    scenario *sc = tu_scenario(NOISY_BASE "[bundle]\ntake_up = 0.4\n");
    run_result *r = tu_run(sc, 8, 101, 2);
    expect_money_identity(r, "bundle");
    double cost, se;
    tu_metric(r, MET_PROMO_COST, &cost, &se);
    cr_expect(cost > 0, "no beer was given");
    run_result_free(r);
    scen_free(sc);
}

Test(bundle, drinking_a_bundle_part_way_is_exact)
{
    /* 10 units a visit (2.5 x 4 people): after 4 visits 40 of 101 are drunk */
    scenario *sc = tu_scenario("[scenario]\nhorizon_days = 100\n" COHORT_BASE NO_CHURN
                               "[bundle]\ntake_up = 1\nunits_per_person = 2.5\ngroup_size = 4\n"
                               "unit_cost = 1.5\nbill_uplift = 0.25\n");
    run_result *r = tu_run(sc, 4, 102, 2);
    expect_per_customer(r, MET_VISITS, 4, "visits");
    expect_per_customer(r, MET_CASH_IN, 4 * 125 + 20.18, "cash in");
    expect_per_customer(r, MET_REVENUE, 4 * 125 + 20.18 * 40 / 101, "revenue");
    expect_per_customer(r, MET_LIABILITY_END, 20.18 * 61 / 101, "liability");
    expect_per_customer(r, MET_PROMO_COST, 1.5 * 40, "beer given");
    expect_per_customer(r, MET_DISCOUNTS, 0, "discounts");
    run_result_free(r);
    scen_free(sc);
}

Test(bundle, a_finished_bundle_is_offered_again_or_not)
{
    /* 14 visits: the first bundle lasts 11 (10 x 10 units, then the last
     * one), a second one is bought at the 12th and 30 of it are drunk */
    scenario *again = tu_scenario("[scenario]\nhorizon_days = 400\n" COHORT_BASE NO_CHURN
                                  "[bundle]\ntake_up = 1\nunit_cost = 1.5\n");
    run_result *r = tu_run(again, 4, 103, 2);
    expect_per_customer(r, MET_VISITS, 14, "visits");
    expect_per_customer(r, MET_CASH_IN, 14 * 125 + 2 * 20.18, "cash in, two bundles");
    expect_per_customer(r, MET_REVENUE, 14 * 125 + 20.18 + 20.18 * 30 / 101,
                        "revenue, two bundles");
    expect_per_customer(r, MET_LIABILITY_END, 20.18 * 71 / 101, "liability, two bundles");
    expect_per_customer(r, MET_PROMO_COST, 1.5 * 131, "beer given, two bundles");
    run_result_free(r);
    scen_free(again);

    scenario *once = tu_scenario("[scenario]\nhorizon_days = 400\n" COHORT_BASE NO_CHURN
                                 "[bundle]\ntake_up = 1\nunit_cost = 1.5\noffer_again = false\n");
    r = tu_run(once, 4, 103, 2);
    /* the uplift stops with the beer */
    expect_per_customer(r, MET_CASH_IN, 11 * 125 + 3 * 100 + 20.18, "cash in, one bundle");
    expect_per_customer(r, MET_REVENUE, 11 * 125 + 3 * 100 + 20.18, "revenue, one bundle");
    expect_per_customer(r, MET_LIABILITY_END, 0, "liability, one bundle");
    expect_per_customer(r, MET_PROMO_COST, 1.5 * 101, "beer given, one bundle");
    run_result_free(r);
    scen_free(once);
}

Test(bundle, fractional_units_run_out_cleanly)
{
    /* 10.5 units at 0.7 x 3 a visit: 5 visits in exact arithmetic, but
     * counting down in floating point leaves about 2e-15; the bundle must
     * still be empty after 5, with no bigger bill and no lock-in after */
    scenario *sc = tu_scenario("[scenario]\nhorizon_days = 250\n" COHORT_BASE NO_CHURN
                               "[bundle]\ntake_up = 1\nunits = 10.5\nunits_per_person = 0.7\n"
                               "group_size = 3\nprice = 21\nunit_cost = 1\noffer_again = false\n");
    run_result *r = tu_run(sc, 4, 105, 2);
    expect_per_customer(r, MET_VISITS, 9, "visits");
    expect_per_customer(r, MET_CASH_IN, 5 * 125 + 4 * 100 + 21, "cash in");
    expect_per_customer(r, MET_REVENUE, 5 * 125 + 4 * 100 + 21, "revenue");
    expect_per_customer(r, MET_LIABILITY_END, 0, "liability");
    run_result_free(r);
    scen_free(sc);
}

Test(bundle, take_up_at_each_visit_without_units)
{
    /* bought at visit j of 4 with probability (1 - p)^(j-1) p, then 10
     * units drunk at each of the 5 - j visits left */
    double p = 0.3, per_customer = 0;
    for (int j = 1; j <= 4; j++)
        per_customer += pow(1 - p, j - 1) * p * 10 * (5 - j);
    scenario *sc = tu_scenario("[scenario]\nhorizon_days = 100\n" COHORT_BASE NO_CHURN
                               "[bundle]\ntake_up = 0.3\nunit_cost = 1\nbill_uplift = 0\n");
    run_result *r = tu_run(sc, 60, 104, 2);
    double cost, se;
    tu_metric(r, MET_PROMO_COST, &cost, &se);
    expect_within(cost, se, 3000 * per_customer, "units drunk");
    run_result_free(r);
    scen_free(sc);
}

Test(bundle, lock_in_raises_the_repeat_rate)
{
    /* churn 0.4 for all; a first-visit buyer (half of them) keeps 60 % of
     * it away: repeat rate 1 - 0.4 x (1 - 0.5 x 0.6) = 0.72 against 0.6 */
    scenario *base = tu_scenario("[scenario]\nhorizon_days = 100\n" COHORT_BASE
                                 "[churn]\nmean = 0.4\npolarisation = 0\n"
                                 "[bundle]\ntake_up = 0.5\nlock_in = 0\n");
    scenario *variant = tu_scenario("[scenario]\nhorizon_days = 100\n" COHORT_BASE
                                    "[churn]\nmean = 0.4\npolarisation = 0\n"
                                    "[bundle]\ntake_up = 0.5\nlock_in = 0.6\n");
    expect_repeat_rates(base, variant, 0.6, 1 - 0.4 * (1 - 0.5 * 0.6));
    scen_free(base);
    scen_free(variant);
}

Test(bundle, describes_the_offer)
{
    scenario *sc = tu_scenario("[channel.walkin]\n[bundle]\n");
    const char *const needles[] = { "101 units for 20.18", "10 per visit", "11 visits", NULL };
    expect_description(sc, "bundle", needles);
    scen_free(sc);
}

Test(bundle, rejects_a_bundle_drunk_in_one_visit)
{
    const char *const needles[] = { "[bundle]", "units_per_person", "group_size", "units", NULL };
    expect_rejected("[channel.walkin]\n[bundle]\nunits = 20\nunits_per_person = 5\ngroup_size = 4\n",
                    needles);
    const char *const range[] = { "group_size", NULL };
    expect_rejected("[channel.walkin]\n[bundle]\ngroup_size = 0.5\n", range);
}

/* ---- package ---- */

Test(package, money_identity)
{
    /* terms ending within the horizon and not, with instalments; counted
     * and unlimited */
    scenario *counted = tu_scenario(NOISY_BASE "[package]\ntake_up = 0.5\nterm_days = 180\n"
                                               "installments = 3\nvisits_included = 6\n");
    run_result *r = tu_run(counted, 8, 201, 2);
    expect_money_identity(r, "counted package");
    run_result_free(r);
    scen_free(counted);
    scenario *unlimited = tu_scenario(NOISY_BASE "[package]\ntake_up = 0.5\nterm_days = 180\n"
                                                 "installments = 6\nvisits_included = 0\n");
    r = tu_run(unlimited, 8, 202, 2);
    expect_money_identity(r, "unlimited package");
    run_result_free(r);
    scen_free(unlimited);
}

Test(package, counted_visits_are_paid_earned_and_settled_exactly)
{
    /* 500 for 8 visits (list 600) in 2 instalments over 180 days; a 30-day
     * cycle gives 6 visits within the term: 500 paid, 6 x 62.5 earned,
     * 6 x 12.5 felt as a discount, 125 owed until the first visit after
     * the term earns it (and that visit is paid as usual) */
    const char *pkg = "[package]\ntake_up = 1\nterm_days = 180\nprice = 500\nlist_price = 600\n"
                      "installments = 2\nvisits_included = 8\n";
    scenario *in_term = scenario_fmt("[scenario]\nhorizon_days = 170\n" COHORT_BASE NO_CHURN "%s",
                                     pkg);
    run_result *r = tu_run(in_term, 4, 203, 2);
    expect_per_customer(r, MET_VISITS, 6, "visits within the term");
    expect_per_customer(r, MET_CASH_IN, 500, "cash in within the term");
    expect_per_customer(r, MET_REVENUE, 6 * 62.5, "revenue within the term");
    expect_per_customer(r, MET_LIABILITY_END, 125, "liability within the term");
    expect_per_customer(r, MET_DISCOUNTS, 6 * 12.5, "perceived discount");
    run_result_free(r);
    scen_free(in_term);

    scenario *after = scenario_fmt("[scenario]\nhorizon_days = 200\n" COHORT_BASE NO_CHURN "%s",
                                   pkg);
    r = tu_run(after, 4, 203, 2);
    expect_per_customer(r, MET_VISITS, 7, "visits");
    expect_per_customer(r, MET_CASH_IN, 600, "cash in after the term");
    expect_per_customer(r, MET_REVENUE, 600, "revenue after the term");
    expect_per_customer(r, MET_LIABILITY_END, 0, "liability after the term");
    expect_per_customer(r, MET_DISCOUNTS, 6 * 12.5, "perceived discount");
    run_result_free(r);
    scen_free(after);
}

Test(package, unlimited_visits_earn_with_time_never_beyond_cash)
{
    /* 600 for unlimited visits (list 800) in 3 instalments over 180 days:
     * by age 150 the elapsed share earns 500 of 600 paid; each bill feels
     * 25 % off; the first visit after the term earns the last 100 */
    const char *pkg = "[package]\ntake_up = 1\nterm_days = 180\nprice = 600\nlist_price = 800\n"
                      "installments = 3\nvisits_included = 0\n";
    scenario *in_term = scenario_fmt("[scenario]\nhorizon_days = 170\n" COHORT_BASE NO_CHURN "%s",
                                     pkg);
    run_result *r = tu_run(in_term, 4, 204, 2);
    expect_per_customer(r, MET_CASH_IN, 600, "cash in within the term");
    expect_per_customer(r, MET_REVENUE, 500, "revenue within the term");
    expect_per_customer(r, MET_LIABILITY_END, 100, "liability within the term");
    expect_per_customer(r, MET_DISCOUNTS, 6 * 25, "perceived discount");
    run_result_free(r);
    scen_free(in_term);

    scenario *after = scenario_fmt("[scenario]\nhorizon_days = 200\n" COHORT_BASE NO_CHURN "%s",
                                   pkg);
    r = tu_run(after, 4, 204, 2);
    expect_per_customer(r, MET_CASH_IN, 700, "cash in after the term");
    expect_per_customer(r, MET_REVENUE, 700, "revenue after the term");
    expect_per_customer(r, MET_LIABILITY_END, 0, "liability after the term");
    run_result_free(r);
    scen_free(after);

    /* visits every 60 days, 6 instalments of 100: at age 120 the elapsed
     * share would earn 400 but only 300 has been paid */
    scenario *sparse = tu_scenario(
        "[scenario]\nhorizon_days = 130\n"
        "[channel.once]\nprospects_per_day = 3000\nstep_conversion = 1\nstop_day = 1\n"
        "[response]\nenabled = false\n[stickiness]\nenabled = false\n"
        "[visits]\ndistribution = fixed\ncycle_days = 60\n"
        "[spend]\ndistribution = fixed\nmean = 100\n" NO_CHURN
        "[package]\ntake_up = 1\nterm_days = 180\nprice = 600\nlist_price = 800\n"
        "installments = 6\nvisits_included = 0\n");
    r = tu_run(sparse, 4, 205, 2);
    expect_per_customer(r, MET_VISITS, 3, "sparse visits");
    expect_per_customer(r, MET_CASH_IN, 300, "cash in, sparse visits");
    expect_per_customer(r, MET_REVENUE, 300, "revenue capped at cash");
    expect_per_customer(r, MET_LIABILITY_END, 0, "liability, sparse visits");
    run_result_free(r);
    scen_free(sparse);
}

Test(package, take_up_at_the_first_visit)
{
    /* one visit each: 500 up front from 30 % of customers, the bill of 100
     * from the rest; the takers feel 100 / 8 off */
    scenario *sc = tu_scenario("[scenario]\nhorizon_days = 20\n" COHORT_BASE NO_CHURN
                               "[package]\ntake_up = 0.3\nprice = 500\nlist_price = 600\n"
                               "visits_included = 8\n");
    run_result *r = tu_run(sc, 60, 206, 2);
    double cash, se;
    tu_metric(r, MET_CASH_IN, &cash, &se);
    expect_within(cash, se, 3000 * (0.3 * 500 + 0.7 * 100), "cash in");
    double disc, dse;
    tu_metric(r, MET_DISCOUNTS, &disc, &dse);
    expect_within(disc, dse, 3000 * 0.3 * 12.5, "perceived discount");
    run_result_free(r);
    scen_free(sc);
}

Test(package, lock_in_raises_the_repeat_rate)
{
    scenario *base = tu_scenario("[scenario]\nhorizon_days = 100\n" COHORT_BASE
                                 "[churn]\nmean = 0.4\npolarisation = 0\n"
                                 "[package]\ntake_up = 0.5\nlock_in = 0\n");
    scenario *variant = tu_scenario("[scenario]\nhorizon_days = 100\n" COHORT_BASE
                                    "[churn]\nmean = 0.4\npolarisation = 0\n"
                                    "[package]\ntake_up = 0.5\nlock_in = 0.6\n");
    expect_repeat_rates(base, variant, 0.6, 1 - 0.4 * (1 - 0.5 * 0.6));
    scen_free(base);
    scen_free(variant);
}

Test(package, full_lock_in_keeps_everyone_to_the_end_of_the_term)
{
    /* churn 0.5, but nobody can leave during 180 days: 6 visits each by
     * day 170 (without the lock-in, 2 on average) */
    scenario *sc = tu_scenario("[scenario]\nhorizon_days = 170\n" COHORT_BASE
                               "[churn]\nmean = 0.5\npolarisation = 0\n"
                               "[package]\ntake_up = 1\nterm_days = 180\nlock_in = 1\n");
    run_result *r = tu_run(sc, 4, 207, 2);
    expect_per_customer(r, MET_VISITS, 6, "visits within the term");
    run_result_free(r);
    scen_free(sc);
}

Test(package, describes_the_offer)
{
    /* seed 004: 15,000 instead of 18,000 over 1 to 24 months */
    scenario *sc = tu_scenario("[channel.walkin]\n[package]\nprice = 15000\nlist_price = 18000\n"
                               "term_days = 730\nvisits_included = 10\n");
    const char *const needles[] = { "15000", "list 18000", "10 visits", "730 days", "16.7 %",
                                    NULL };
    expect_description(sc, "package", needles);
    scen_free(sc);
}

Test(package, rejects_contradictions)
{
    const char *const dear[] = { "[package]", "price (900)", "list_price (800)", NULL };
    expect_rejected("[channel.walkin]\n[package]\nprice = 900\nlist_price = 800\n", dear);
    const char *const inst[] = { "[package]", "installments (12)", "visits_included (6)", NULL };
    expect_rejected("[channel.walkin]\n[package]\ninstallments = 12\nvisits_included = 6\n",
                    inst);
}
