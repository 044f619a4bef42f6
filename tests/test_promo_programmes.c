/* The referral programme, the points mall and expectation management:
 * money identities, mechanics against exact counts and closed forms, the
 * direction theory fixes (same seed for base and variant: common random
 * numbers pair every customer with themself), and malformed sections.
 *
 * Most checks run replications one by one (engine_replicate), so that an
 * identity can be asserted in every replication rather than on average,
 * and a paired difference gets its own standard error. */
#include <criterion/criterion.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../sim/promotion.h"
#include "../sim/metrics.h"
#include "../sim/scenario.h"
#include "util.h"

extern const promo_type promo_points_mall;

/* ---- helpers ---- */

#define M(a, r, k) ((a)[(size_t)(r) * MET_COUNT + (size_t)(k)])

/* Every metric of every replication, reps x MET_COUNT. */
static double *run_reps(const scenario *sc, int reps, uint64_t seed)
{
    return tu_per_replication(sc, reps, seed, 0);
}

static double *run_text(const char *ini, int reps, uint64_t seed)
{
    scenario *sc = tu_scenario(ini);
    double *m = run_reps(sc, reps, seed);
    scen_free(sc);
    return m;
}

static double sum_metric(const double *m, int reps, int k)
{
    double s = 0;
    for (int r = 0; r < reps; r++)
        s += M(m, r, k);
    return s;
}

/* Mean and standard error of variant minus base, replication by replication. */
static void paired(const double *base, const double *variant, int reps, int k, double *mean,
                   double *se)
{
    double s = 0, ss = 0;
    for (int r = 0; r < reps; r++) {
        double x = M(variant, r, k) - M(base, r, k);
        s += x;
        ss += x * x;
    }
    *mean = s / reps;
    double var = (ss - reps * *mean * *mean) / (reps - 1);
    *se = sqrt(var > 0 ? var / reps : 0);
}

static void expect_higher(const double *base, const double *variant, int reps, int k,
                          const char *what)
{
    double mean, se;
    paired(base, variant, reps, k, &mean, &se);
    cr_expect(se > 0, "%s: zero standard error, the check would be vacuous", what);
    cr_expect(mean > 4 * se, "%s: paired difference %.4g is not above 4 SE (SE %.3g)", what,
              mean, se);
}

static void expect_lower(const double *base, const double *variant, int reps, int k,
                         const char *what)
{
    double mean, se;
    paired(base, variant, reps, k, &mean, &se);
    cr_expect(se > 0, "%s: zero standard error, the check would be vacuous", what);
    cr_expect(mean < -4 * se, "%s: paired difference %.4g is not below -4 SE (SE %.3g)", what,
              mean, se);
}

/* cash in = revenue + liability at the horizon, in every replication */
static void expect_money_identity(const double *m, int reps, const char *what)
{
    double cash = 0;
    for (int r = 0; r < reps; r++) {
        double c = M(m, r, MET_CASH_IN);
        double gap = c - M(m, r, MET_REVENUE) - M(m, r, MET_LIABILITY_END);
        cr_expect(fabs(gap) <= 1e-9 * c, "%s, replication %d: cash in %.6f - revenue %.6f - "
                  "liability %.6f = %.3g", what, r, c, M(m, r, MET_REVENUE),
                  M(m, r, MET_LIABILITY_END), gap);
        cash += c;
    }
    cr_expect(cash > 0, "%s: no cash at all, the identity would be vacuous", what);
}

static void expect_exact(double got, double want, const char *what, int rep)
{
    cr_expect(fabs(got - want) <= 1e-9 * fmax(1.0, fabs(want)),
              "%s, replication %d: %.9g, expected %.9g", what, rep, got, want);
}

/* A count against its Poisson or binomial expectation, |z| <= 4. */
static void expect_count(double got, double want, double var, const char *what)
{
    cr_expect(var > 0, "%s: zero variance, the check would be vacuous", what);
    double z = (got - want) / sqrt(var);
    cr_expect(fabs(z) <= 4, "%s: %.0f against %.1f expected, z = %.2f", what, got, want, z);
}

static void expect_rejected(const char *text, const char *needle)
{
    diag d = { 0 };
    scenario *sc = tu_try_scenario(text, &d);
    cr_expect(sc == NULL, "accepted, should be rejected for '%s'", needle);
    cr_expect(d.status == DIAG_USAGE, "status %d, expected DIAG_USAGE (%s)", d.status, d.msg);
    cr_expect(strstr(d.msg, needle) != NULL, "message \"%s\" does not mention \"%s\"", d.msg,
              needle);
    scen_free(sc);
}

/* ---- referral programme ---- */

/* Walk-ins convert surely and stop on day 300; referred prospects enter a
 * channel of their own at 50 %.  Everyone buys once (churn 1) and every
 * visit makes a promoter, so referral chains are short and die out long
 * before the horizon: nothing is lost at the end. */
#define REFERRAL_WORLD                                                             \
    "[scenario]\nhorizon_days = 400\n"                                             \
    "[channel.walkin]\nprospects_per_day = 20\nstep_conversion = 1\nstop_day = 300\n" \
    "[channel.friends]\nprospects_per_day = 0\npath = referral\nstep_conversion = 0.5\n" \
    "[response]\nenabled = false\n[stickiness]\nenabled = false\n"                 \
    "[spend]\ndistribution = fixed\nmean = 100\n"                                  \
    "[word_of_mouth]\npromoter_threshold = -1e8\ndetractor_threshold = -1e9\n"     \
    "referrals_per_promoter = 0.1\ndelay_days = 1\n"
#define REFERRAL_BASE REFERRAL_WORLD "[churn]\nmean = 1\npolarisation = 0\n"

#define REFERRAL_PROGRAMME                                                         \
    "[referral_programme]\nask_rate = 0.3\nreferrer_reward = 20\nreward_response = 0.5\n" \
    "referee_discount = 0.2\nreferee_conversion_lift = 1.2\n"

/* organic prospects all buy, so whoever else bought came by referral */
static double referred_customers(const double *m, int r)
{
    double organic = M(m, r, MET_PROSPECTS) - M(m, r, MET_REFERRED_PROSPECTS);
    return M(m, r, MET_NEW_CUSTOMERS) - organic;
}

Test(referral_programme, money_identity)
{
    int reps = 8;
    double *m = run_text(REFERRAL_BASE REFERRAL_PROGRAMME, reps, 31);
    expect_money_identity(m, reps, "referral programme");
    free(m);
    /* stacked on prepaid balances and a points mall: still exact */
    m = run_text("[channel.walkin]\nprospects_per_day = 10\n"
                 "[channel.friends]\nprospects_per_day = 0\npath = referral\n"
                 "[word_of_mouth]\nreferrals_per_promoter = 0.3\n"
                 "[recharge]\n[stored_value]\n[points_mall]\nmembership = 0.7\n"
                 "redemption_points = 200\nredemption_cost = 4\n" REFERRAL_PROGRAMME,
                 reps, 32);
    expect_money_identity(m, reps, "referral programme with recharge, stored value, points");
    free(m);
}

Test(referral_programme, discount_and_reward_per_referred_customer)
{
    /* a fixed bill of 100: each referred customer gets exactly 20 off the
     * first bill and costs exactly the reward of 20 */
    int reps = 10;
    double *m = run_text(REFERRAL_BASE REFERRAL_PROGRAMME, reps, 33);
    double total = 0;
    for (int r = 0; r < reps; r++) {
        double n = referred_customers(m, r);
        total += n;
        expect_exact(M(m, r, MET_DISCOUNTS), 0.2 * 100 * n, "discounts", r);
        expect_exact(M(m, r, MET_PROMO_COST), 20 * n, "referrer rewards", r);
    }
    cr_expect(total > 1000, "only %.0f referred customers: the check is too weak", total);
    free(m);
    /* customers who come back pay their later bills in full */
    m = run_text(REFERRAL_WORLD "[churn]\nmean = 0.5\npolarisation = 0\n" REFERRAL_PROGRAMME,
                 reps, 33);
    for (int r = 0; r < reps; r++)
        expect_exact(M(m, r, MET_DISCOUNTS), 0.2 * 100 * referred_customers(m, r),
                     "discounts with repeat visits", r);
    cr_expect(sum_metric(m, reps, MET_VISITS) > 1.5 * sum_metric(m, reps, MET_NEW_CUSTOMERS),
              "too few repeat visits for the check to bite");
    free(m);
}

Test(referral_programme, ask_and_reward_raise_the_referral_rate)
{
    /* given the promoter visits, referred prospects are Poisson with mean
     * (0.1 + ask 0.3 + response 0.5 x reward 20 / bill 100) per visit */
    int reps = 10;
    double *m = run_text(REFERRAL_BASE REFERRAL_PROGRAMME, reps, 34);
    double promoters = sum_metric(m, reps, MET_PROMOTER_VISITS);
    double referred = sum_metric(m, reps, MET_REFERRED_PROSPECTS);
    double rate = 0.1 + 0.3 + 0.5 * 20 / 100.0;
    expect_count(referred, rate * promoters, rate * promoters, "referred prospects");
    cr_expect(sum_metric(m, reps, MET_PROMOTER_VISITS) == sum_metric(m, reps, MET_VISITS),
              "every visit should make a promoter here");
    free(m);
}

Test(referral_programme, discount_lifts_referred_conversion_up_to_1)
{
    /* referred prospects buy with chance 0.5 x 1.2; organic ones stay at 1 */
    int reps = 10;
    double *m = run_text(REFERRAL_BASE REFERRAL_PROGRAMME, reps, 35);
    double prospects = sum_metric(m, reps, MET_REFERRED_PROSPECTS), bought = 0;
    for (int r = 0; r < reps; r++)
        bought += referred_customers(m, r);
    expect_count(bought, 0.6 * prospects, prospects * 0.6 * 0.4, "referred customers");
    free(m);
    /* a lift of 3 would make 1.5: capped, every referred prospect buys */
    m = run_text(REFERRAL_BASE "[referral_programme]\nreferee_conversion_lift = 3\n", reps, 35);
    for (int r = 0; r < reps; r++)
        expect_exact(referred_customers(m, r), M(m, r, MET_REFERRED_PROSPECTS),
                     "referred customers at conversion 1", r);
    free(m);
}

Test(referral_programme, programme_brings_more_customers_and_ask_alone_does)
{
    /* the full model, with satisfaction deciding who promotes */
    const char *base_text = "[scenario]\nhorizon_days = 365\n"
                            "[channel.walkin]\nprospects_per_day = 10\n"
                            "[channel.friends]\nprospects_per_day = 0\npath = referral\n"
                            "[word_of_mouth]\nreferrals_per_promoter = 0.2\n";
    char ask_only[1024], full[1024];
    snprintf(ask_only, sizeof ask_only,
             "%s[referral_programme]\nask_rate = 0.2\nreferrer_reward = 0\nreferee_discount = 0\n",
             base_text);
    snprintf(full, sizeof full, "%s" REFERRAL_PROGRAMME, base_text);
    int reps = 12;
    double *base = run_text(base_text, reps, 36);
    double *ask = run_text(ask_only, reps, 36);
    double *prog = run_text(full, reps, 36);
    expect_higher(base, ask, reps, MET_REFERRED_PROSPECTS, "referred prospects (ask)");
    expect_higher(base, ask, reps, MET_NEW_CUSTOMERS, "new customers (ask)");
    expect_higher(base, prog, reps, MET_NEW_CUSTOMERS, "new customers (programme)");
    expect_higher(base, prog, reps, MET_PROMO_COST, "promotion cost (programme)");
    for (int r = 0; r < reps; r++)
        cr_expect(M(ask, r, MET_DISCOUNTS) == 0 && M(ask, r, MET_PROMO_COST) == 0,
                  "the ask alone costs nothing at the till (replication %d)", r);
    free(base);
    free(ask);
    free(prog);
}

Test(referral_programme, malformed_sections_are_rejected)
{
    expect_rejected("[channel.walkin]\n[referral_programme]\nask_rate = 0.1\n",
                    "no [word_of_mouth] section");
    expect_rejected("[channel.walkin]\n[channel.friends]\npath = referral\n"
                    "[word_of_mouth]\nenabled = false\n[referral_programme]\n",
                    "enabled = false");
    expect_rejected("[channel.walkin]\n[channel.friends]\npath = referral\n[word_of_mouth]\n"
                    "[referral_programme]\nreferee_discount = 0\nreferee_conversion_lift = 1.5\n",
                    "referee_conversion_lift = 1.5 with referee_discount = 0");
    expect_rejected("[channel.walkin]\n[channel.friends]\npath = referral\n[word_of_mouth]\n"
                    "[referral_programme]\nreferee_discount = 1.5\n",
                    "referee_discount");
    /* no discount and the lift left to its default: no lift, not an error */
    scenario *sc = tu_scenario("[channel.walkin]\n[channel.friends]\npath = referral\n"
                               "[word_of_mouth]\n[referral_programme]\nreferee_discount = 0\n");
    diag d = { 0 };
    engine *e = engine_prepare(sc, &d);
    cr_assert(e != NULL, "%s", d.msg);
    const char *names[4];
    char desc[4][256];
    cr_assert(engine_promotions(e, names, desc, 4, LANG_EN) == 1, "one promotion expected");
    cr_expect(strstr(desc[0], "referred conversion x 1") != NULL, "description: %s", desc[0]);
    engine_free(e);
    scen_free(sc);
}

/* ---- points mall ---- */

/* Fixed bill of 100, fixed 30-day cycle, churn 0.5 and nothing else acting
 * on it, so a member's churn is 0.5 x the tier factor. */
#define POINTS_BASE                                                                \
    "[scenario]\nhorizon_days = 730\n"                                             \
    "[channel.all]\nprospects_per_day = 40\nstep_conversion = 1\n"                 \
    "[churn]\nmean = 0.5\npolarisation = 0\n"                                      \
    "[response]\nenabled = false\n[stickiness]\nenabled = false\n"                 \
    "[visits]\ndistribution = fixed\ncycle_days = 30\n"                            \
    "[spend]\ndistribution = fixed\nmean = 100\n"

Test(points_mall, money_identity)
{
    int reps = 8;
    double *m = run_text("[channel.all]\nprospects_per_day = 10\n[visits]\ncycle_days = 20\n"
                         "[points_mall]\nmembership = 0.6\nredemption_points = 300\n"
                         "redemption_value = 25\nredemption_cost = 5\n",
                         reps, 41);
    expect_money_identity(m, reps, "points mall");
    cr_expect(sum_metric(m, reps, MET_DISCOUNTS) > 0, "no redemption happened");
    free(m);
}

Test(points_mall, one_redemption_per_repeat_visit)
{
    /* 100 points a visit, 100 points a redemption, everyone a member who
     * always redeems: every visit but the first takes 10 off and gives goods
     * costing 3, so discounts = 10 x (visits - customers) exactly */
    int reps = 6;
    double *m = run_text(POINTS_BASE "[points_mall]\nmembership = 1\npoints_per_currency = 0\n"
                                     "points_per_visit = 100\nredemption_points = 100\n"
                                     "redemption_value = 10\nredemption_cost = 3\n"
                                     "redeem_chance = 1\n",
                         reps, 42);
    for (int r = 0; r < reps; r++) {
        double repeats = M(m, r, MET_VISITS) - M(m, r, MET_NEW_CUSTOMERS);
        cr_expect(repeats > 1000, "only %.0f repeat visits", repeats);
        expect_exact(M(m, r, MET_DISCOUNTS), 10 * repeats, "discounts", r);
        expect_exact(M(m, r, MET_PROMO_COST), 3 * repeats, "cost of the goods", r);
    }
    free(m);
}

/* Runs the mall's own hooks on one member's visits with a given bill. */
static visit_ctx mall_visit(const promo_type *pt, const void *p, double *st, double bill,
                            gsl_rng *rng)
{
    visit_ctx v = { 0 };
    v.purchase_no = 2;
    v.bill = bill;
    v.cash = v.revenue = bill;
    pt->at_till(p, st, &v, rng);
    v.churn = 0.4;
    pt->after_visit(p, st, &v, rng);
    return v;
}

Test(points_mall, points_redemptions_and_tiers_visit_by_visit)
{
    scenario *sc = tu_scenario("[channel.a]\n[points_mall]\nmembership = 1\n"
                               "points_per_currency = 1\nredemption_points = 250\n"
                               "redemption_value = 30\nredemption_cost = 5\nredeem_chance = 1\n"
                               "tier2_points = 300\ntier3_points = 500\ntier4_points = 1000\n"
                               "tier1_churn = 1\ntier2_churn = 0.5\ntier3_churn = 0.25\n"
                               "tier4_churn = 0.125\n");
    promo_env env = { 100, 0.6 };
    diag d = { 0 };
    void *p = promo_points_mall.prepare(sc, &env, &d);
    cr_assert(p != NULL, "%s", d.msg);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    double st[PROMO_STATE_MAX] = { 0 };
    /* points earned on what is paid; redemption at 250; tiers on points ever earned */
    static const struct {
        double discount, balance, earned, churn;
    } want[] = {
        { 0, 100, 100, 0.4 },      /* tier 1 */
        { 0, 200, 200, 0.4 },
        { 0, 300, 300, 0.2 },      /* 300 reaches tier 2 */
        { 30, 120, 370, 0.2 },     /* redeem once: pay 70, earn 70 */
        { 0, 220, 470, 0.2 },
        { 0, 320, 570, 0.1 },      /* tier 3 */
        { 30, 140, 640, 0.1 },
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        visit_ctx v = mall_visit(&promo_points_mall, p, st, 100, rng);
        cr_expect_float_eq(v.discount, want[i].discount, 1e-12, "visit %zu discount", i + 1);
        cr_expect_float_eq(v.cash, 100 - want[i].discount, 1e-12, "visit %zu cash", i + 1);
        cr_expect_float_eq(v.revenue, 100 - want[i].discount, 1e-12, "visit %zu revenue", i + 1);
        cr_expect_float_eq(v.promo_cost, want[i].discount > 0 ? 5 : 0, 1e-12,
                           "visit %zu goods", i + 1);
        cr_expect_float_eq(st[1], want[i].balance, 1e-9, "visit %zu balance", i + 1);
        cr_expect_float_eq(st[2], want[i].earned, 1e-9, "visit %zu points earned", i + 1);
        cr_expect_float_eq(v.churn, want[i].churn, 1e-12, "visit %zu churn", i + 1);
    }
    /* a bill of 20 with 600 points: one redemption is all it can use, and it
     * takes no more than the bill */
    double big[PROMO_STATE_MAX] = { 1, 600, 600 };
    visit_ctx v = mall_visit(&promo_points_mall, p, big, 20, rng);
    cr_expect_float_eq(v.discount, 20, 1e-12, "capped at the bill");
    cr_expect_float_eq(v.cash, 0, 1e-12, "nothing left to pay");
    cr_expect_float_eq(big[1], 350, 1e-9, "one redemption of 250 used");
    cr_expect_float_eq(v.promo_cost, 5, 1e-12, "one redemption's goods");
    /* a bill of 100 with 1000 points: four redemptions, the last one partly */
    double four[PROMO_STATE_MAX] = { 1, 1000, 1000 };
    v = mall_visit(&promo_points_mall, p, four, 100, rng);
    cr_expect_float_eq(v.discount, 100, 1e-12, "four redemptions cover the bill");
    cr_expect_float_eq(four[1], 0, 1e-9, "all 1000 points used");
    cr_expect_float_eq(v.churn, 0.4 * 0.125, 1e-12, "tier 4 at 1000 points");
    /* a customer who did not join: nothing happens */
    double out[PROMO_STATE_MAX] = { -1, 0, 0 };
    v = mall_visit(&promo_points_mall, p, out, 100, rng);
    cr_expect(v.discount == 0 && v.churn == 0.4 && out[1] == 0, "a non-member was touched");
    gsl_rng_free(rng);
    promo_points_mall.release(p);
    scen_free(sc);
}

Test(points_mall, tiers_give_the_retention_closed_form)
{
    /* 5000 points a visit against tiers at 5k, 10k, 50k: after visit 1 a
     * member is tier 2, after visits 2 to 9 tier 3, from visit 10 tier 4.
     * The chance of a (k+1)-th visit is prod_j (1 - 0.5 x factor(j)). */
    int reps = 24;
    scenario *sc = tu_scenario(POINTS_BASE "[points_mall]\nmembership = 1\n"
                                           "points_per_currency = 0\npoints_per_visit = 5000\n"
                                           "tier1_churn = 0.9\ntier2_churn = 0.8\n"
                                           "tier3_churn = 0.6\ntier4_churn = 0.4\n");
    run_result *r = tu_run(sc, reps, 43, 2);
    double survival = 1;
    for (int k = 1; k <= 12; k++) {
        double factor = k == 1 ? 0.8 : k <= 9 ? 0.6 : 0.4;
        survival *= 1 - 0.5 * factor;
        double mean, se;
        tu_curve(r, CUR_RETENTION, 30 * k, &mean, &se);
        cr_expect(se > 0, "retention after %d cycles: zero SE", k);
        cr_expect(fabs(mean - survival) <= 4 * se,
                  "retention after %d cycles: simulated %.5f, closed form %.5f (%.2f SE)", k, mean,
                  survival, fabs(mean - survival) / se);
    }
    run_result_free(r);
    scen_free(sc);
}

Test(points_mall, members_and_others_mix_two_retention_curves)
{
    /* 40 % join and then churn at 0.5 x 0.6 after every visit; the others
     * at 0.5: retention after k cycles is 0.4 x 0.7^k + 0.6 x 0.5^k */
    int reps = 24;
    scenario *sc = tu_scenario(POINTS_BASE "[points_mall]\nmembership = 0.4\n"
                                           "tier1_churn = 0.6\ntier2_churn = 0.6\n"
                                           "tier3_churn = 0.6\ntier4_churn = 0.6\n");
    run_result *r = tu_run(sc, reps, 45, 2);
    for (int k = 1; k <= 6; k++) {
        double want = 0.4 * pow(0.7, k) + 0.6 * pow(0.5, k);
        double mean, se;
        tu_curve(r, CUR_RETENTION, 30 * k, &mean, &se);
        cr_expect(se > 0, "retention after %d cycles: zero SE", k);
        cr_expect(fabs(mean - want) <= 4 * se,
                  "retention after %d cycles: simulated %.5f, closed form %.5f (%.2f SE)", k, mean,
                  want, fabs(mean - want) / se);
    }
    run_result_free(r);
    scen_free(sc);
}

Test(points_mall, membership_keeps_customers_in_a_low_frequency_business)
{
    /* a clinic seen every 90 days, the full satisfaction model; the mall
     * with its default tiers against no mall, then against a mall whose
     * tiers do nothing (only the redemption discounts act) */
    const char *clinic = "[scenario]\nhorizon_days = 730\n"
                         "[channel.all]\nprospects_per_day = 8\n"
                         "[visits]\ncycle_days = 90\n[spend]\nmean = 600\nsd = 200\n";
    char mall[1024], flat[1024];
    snprintf(mall, sizeof mall, "%s[points_mall]\nmembership = 0.8\n", clinic);
    snprintf(flat, sizeof flat,
             "%s[points_mall]\nmembership = 0.8\ntier1_churn = 1\ntier2_churn = 1\n"
             "tier3_churn = 1\ntier4_churn = 1\n",
             clinic);
    int reps = 12;
    double *none = run_text(clinic, reps, 44);
    double *with = run_text(mall, reps, 44);
    double *no_tiers = run_text(flat, reps, 44);
    expect_higher(none, with, reps, MET_REPEAT_RATE, "repeat rate with the mall");
    expect_higher(no_tiers, with, reps, MET_REPEAT_RATE, "repeat rate from the tiers");
    expect_higher(none, with, reps, MET_PURCHASES_PER_CUSTOMER, "purchases per customer");
    free(none);
    free(with);
    free(no_tiers);
}

Test(points_mall, malformed_sections_are_rejected)
{
    expect_rejected("[channel.a]\n[points_mall]\ntier2_points = 20000\n",
                    "tier2_points (20000) < tier3_points (10000)");
    expect_rejected("[channel.a]\n[points_mall]\ntier3_points = 50000\n", "tier3_points");
    expect_rejected("[channel.a]\n[points_mall]\ntier4_churn = 0.99\n",
                    "a higher tier must not make members leave more");
    expect_rejected("[channel.a]\n[points_mall]\npoints_per_currency = 0\n",
                    "never earn a point");
    expect_rejected("[channel.a]\n[points_mall]\nredemption_points = 0\n", "redemption_points");
    expect_rejected("[channel.a]\n[points_mall]\nmembership = 1.2\n", "membership");
}

/* ---- expectation management ---- */

#define PROMISE_BASE                                                               \
    "[scenario]\nhorizon_days = 365\n"                                             \
    "[channel.ads]\nprospects_per_day = 20\nstep_conversion = 0.4\n"               \
    "[spend]\ndistribution = fixed\nmean = 100\n"

#define MANAGED "[expectation_management]\nreference_promise = 5\nconversion_per_promise = 1\n"

static char *promise_text(double promise, int managed)
{
    static char text[2][1024];
    char *t = text[managed != 0];
    snprintf(t, sizeof text[0], PROMISE_BASE "[experience]\npromise = %g\n%s", promise,
             managed ? MANAGED : "");
    return t;
}

Test(expectation_management, money_identity)
{
    int reps = 6;
    double *m = run_text(promise_text(25, 1), reps, 51);
    expect_money_identity(m, reps, "expectation management");
    free(m);
}

Test(expectation_management, conversion_follows_the_promise)
{
    /* promise 20 above the reference on a bill of 100: conversion 0.4 x 1.2 */
    int reps = 20;
    scenario *sc = tu_scenario(promise_text(25, 1));
    run_result *r = tu_run(sc, reps, 52, 2);
    double mean, se, want = 365 * 20 * 0.4 * 1.2;
    tu_metric(r, MET_NEW_CUSTOMERS, &mean, &se);
    cr_expect(se > 0, "zero SE");
    cr_expect(fabs(mean - want) <= 4 * se, "new customers %.1f, closed form %.1f (%.2f SE)", mean,
              want, fabs(mean - want) / se);
    run_result_free(r);
    scen_free(sc);
    /* far above: conversion capped at 1; far below: nobody buys */
    double *m = run_text(promise_text(1000, 1), 4, 53);
    for (int i = 0; i < 4; i++)
        expect_exact(M(m, i, MET_NEW_CUSTOMERS), M(m, i, MET_PROSPECTS), "conversion 1", i);
    free(m);
    m = run_text(promise_text(-1000, 1), 4, 53);
    for (int i = 0; i < 4; i++)
        cr_expect(M(m, i, MET_NEW_CUSTOMERS) == 0 && M(m, i, MET_PROSPECTS) > 0,
                  "conversion 0 still sold to %.0f", M(m, i, MET_NEW_CUSTOMERS));
    free(m);
}

Test(expectation_management, over_promising_sells_more_and_satisfies_less)
{
    int reps = 12;
    double *honest = run_text(promise_text(5, 1), reps, 54);
    double *over = run_text(promise_text(25, 1), reps, 54);
    expect_higher(honest, over, reps, MET_NEW_CUSTOMERS, "new customers");
    expect_lower(honest, over, reps, MET_MEAN_SATISFACTION, "mean satisfaction");
    free(honest);
    free(over);
}

Test(expectation_management, at_the_reference_it_changes_nothing)
{
    int reps = 6;
    double *without = run_text(promise_text(5, 0), reps, 55);
    double *with = run_text(promise_text(5, 1), reps, 55);
    for (int r = 0; r < reps; r++) {
        cr_expect(M(with, r, MET_NEW_CUSTOMERS) == M(without, r, MET_NEW_CUSTOMERS),
                  "replication %d: new customers %.0f with the section, %.0f without", r,
                  M(with, r, MET_NEW_CUSTOMERS), M(without, r, MET_NEW_CUSTOMERS));
        cr_expect(M(with, r, MET_PROFIT) == M(without, r, MET_PROFIT),
                  "replication %d: profit differs", r);
    }
    free(without);
    free(with);
}

Test(expectation_management, malformed_sections_are_rejected)
{
    expect_rejected("[channel.a]\n[expectation_management]\nconversion_per_promise = -1\n",
                    "conversion_per_promise");
    expect_rejected("[channel.a]\n[expectation_management]\nreference = 5\n", "reference");
}
