/* Stamp card and welcome vouchers (seed 003): money, mechanics, direction,
 * malformed sections.
 *
 * Mechanics are checked on the textbook customer (fixed bill of 100 above
 * every coupon, fixed 30-day cycle, constant churn, satisfaction switched
 * off): with churn 0 the count of coupons is exact, with churn p it has a
 * closed form.  A coupon or voucher redeemed takes exactly its value off a
 * bill of 100, so redeemed = discounts / value.  Ratios per customer are
 * taken per replication: given the number of customers n, customers are
 * independent and alike, so E[sum / n] is the per-customer expectation
 * exactly, and the tolerance is 4 standard errors of the mean over
 * replications (fixed seeds).  The rules at their edges (window, pace,
 * validity, minimum bill, card limit) are checked exactly by scripting one
 * customer's visits through the hooks. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../sim/promotion.h"
#include "../sim/metrics.h"
#include "../sim/scenario.h"
#include "util.h"

/* Everything but the churn draw switched off; one day of arrivals followed
 * for a year: each customer visits on days t0 + 30 k, t0 in [0, 1), 13 times. */
#define CARD_ONE_DAY                                                         \
    "[scenario]\nhorizon_days = 365\n"                                       \
    "[channel.all]\nprospects_per_day = 300\nstep_conversion = 1\nstop_day = 1\n" \
    "[response]\nenabled = false\n"                                          \
    "[stickiness]\nenabled = false\n"                                        \
    "[visits]\ndistribution = fixed\ncycle_days = 30\n"                      \
    "[spend]\ndistribution = fixed\nmean = 100\n"

/* The same with arrivals over 300 days of 730: every customer has at least
 * 14 cycles before the horizon. */
#define CARD_LONG                                                            \
    "[scenario]\nhorizon_days = 730\n"                                       \
    "[channel.all]\nprospects_per_day = 20\nstep_conversion = 1\nstop_day = 300\n" \
    "[response]\nenabled = false\n"                                          \
    "[stickiness]\nenabled = false\n"                                        \
    "[visits]\ndistribution = fixed\ncycle_days = 30\n"                      \
    "[spend]\ndistribution = fixed\nmean = 100\n"

/* A business with the model's defaults (satisfaction, stickiness, varied
 * bills and intervals): where the direction of an effect is checked. */
#define CARD_REALISTIC                                                       \
    "[scenario]\nhorizon_days = 365\n"                                       \
    "[channel.walkin]\nprospects_per_day = 20\n"

static void expect_within(double got, double se, double want, const char *what)
{
    cr_expect(se > 0, "%s: zero standard error, the check would be vacuous", what);
    cr_expect(fabs(got - want) <= 4 * se,
              "%s: simulated %.6f, closed form %.6f, |diff| = %.2f SE (SE %.2g)", what, got,
              want, fabs(got - want) / se, se);
}

/* Every metric of each of reps replications (reps x MET_COUNT). */
static double *per_replication(const scenario *sc, int reps, uint64_t seed)
{
    return tu_per_replication(sc, reps, seed, 1);
}

/* The same from INI text, with the number of replications the closed-form
 * tests use. */
#define CLOSED_FORM_REPS 16
static double *reps_of(const char *ini, uint64_t seed)
{
    scenario *sc = tu_scenario(ini);
    double *all = per_replication(sc, CLOSED_FORM_REPS, seed);
    scen_free(sc);
    return all;
}

/* Mean and standard error over replications of metric m / (new customers x
 * scale), taken per replication. */
static void per_customer(const double *all, int reps, int m, double scale, double *mean,
                         double *se)
{
    double mu = 0, m2 = 0;
    for (int r = 0; r < reps; r++) {
        const double *x = all + (size_t)r * MET_COUNT;
        double v = x[m] / (x[MET_NEW_CUSTOMERS] * scale);
        double delta = v - mu;
        mu += delta / (r + 1);
        m2 += delta * (v - mu);
    }
    *mean = mu;
    *se = sqrt(m2 / (reps - 1) / reps);
}

/* Redeemed coupons per customer when every replication must give exactly
 * `want` (churn 0): checked replication by replication. */
static void expect_exact_redeemed(const char *ini, double value, double want, const char *what)
{
    scenario *sc = tu_scenario(ini);
    diag d = { 0 };
    engine *e = engine_prepare(sc, &d);
    cr_assert(e != NULL, "engine_prepare: %s", d.msg);
    engine_work *w = engine_work_alloc(e);
    rep_result *out = rep_alloc(engine_horizon(e));
    cr_assert(w && out, "out of memory");
    for (int r = 0; r < 3; r++) {
        cr_assert(engine_replicate(e, w, 21, r, out, &d) == 0, "replicate: %s", d.msg);
        double n = out->metric[MET_NEW_CUSTOMERS];
        cr_assert(n > 100, "%s: only %g customers", what, n);
        cr_expect(out->metric[MET_VISITS] == 13 * n, "%s: %g visits for %g customers, not 13 each",
                  what, out->metric[MET_VISITS], n);
        double redeemed = out->metric[MET_DISCOUNTS] / value;
        cr_expect(fabs(redeemed - want * n) <= 1e-9 * (want * n + 1),
                  "%s: %.6f redeemed for %g customers, expected exactly %g each", what, redeemed,
                  n, want);
    }
    rep_free(out);
    engine_work_free(w);
    engine_free(e);
    scen_free(sc);
}

static void expect_money_identity(const char *ini, const char *what)
{
    scenario *sc = tu_scenario(ini);
    run_result *r = tu_run(sc, 8, 31, 2);
    double cash, revenue, liability, discounts, se;
    tu_metric(r, MET_CASH_IN, &cash, &se);
    tu_metric(r, MET_REVENUE, &revenue, &se);
    tu_metric(r, MET_LIABILITY_END, &liability, &se);
    tu_metric(r, MET_DISCOUNTS, &discounts, &se);
    cr_expect(discounts > 0, "%s: no discount given, the promotion did not act", what);
    cr_expect(fabs(cash - revenue - liability) <= 1e-9 * cash,
              "%s: cash in %.6f != revenue %.6f + liability %.6f (gap %.3g)", what, cash, revenue,
              liability, cash - revenue - liability);
    run_result_free(r);
    scen_free(sc);
}

/* Paired difference variant - base of metric m (same seed, same prospects),
 * required to be positive by more than 4 standard errors. */
/* The paired difference variant - base of metric m over 12 replications. */
static stat_summary paired_diff(const char *base_ini, const char *variant_ini, int m)
{
    scenario *sb = tu_scenario(base_ini), *sv = tu_scenario(variant_ini);
    diag d = { 0 };
    engine *e[2] = { engine_prepare(sb, &d), NULL };
    cr_assert(e[0] != NULL, "engine_prepare: %s", d.msg);
    e[1] = engine_prepare(sv, &d);
    cr_assert(e[1] != NULL, "engine_prepare: %s", d.msg);
    run_opts o = { 41, 12, 2, 0 };
    run_result *r = NULL;
    cr_assert(sim_run(e, 2, &o, &r, &d) == 0, "sim_run: %s", d.msg);
    stat_summary s = stat_vec_get(r->scen[1].diff, (size_t)m);
    run_result_free(r);
    engine_free(e[0]);
    engine_free(e[1]);
    scen_free(sb);
    scen_free(sv);
    return s;
}

static void expect_raises(const char *base_ini, const char *variant_ini, int m, const char *what)
{
    stat_summary s = paired_diff(base_ini, variant_ini, m);
    double se = s.sd / sqrt((double)s.n);
    cr_expect(se > 0, "%s: zero standard error of the difference", what);
    cr_expect(s.mean > 4 * se, "%s: %s changed by %.5f (SE %.2g), expected a rise", what,
              metric_table[m].name, s.mean, se);
}

/* Common random numbers: a promotion that never acts leaves every draw,
 * and so the metric, exactly as it was. */
static void expect_no_change(const char *base_ini, const char *variant_ini, int m)
{
    stat_summary s = paired_diff(base_ini, variant_ini, m);
    cr_expect(s.mean == 0 && s.sd == 0, "%s changed by %g (sd %g)", metric_table[m].name, s.mean,
              s.sd);
}

/* The section must be rejected as a usage error whose message names every
 * fragment given. */
static void expect_rejected(const char *ini, const char *frag1, const char *frag2)
{
    char path[] = "/tmp/retsim-promo-XXXXXX.ini";
    int fd = mkstemps(path, 4);
    cr_assert(fd >= 0, "cannot create a temp scenario");
    FILE *f = fdopen(fd, "w");
    fputs(ini, f);
    fclose(f);
    diag d = { 0 };
    scenario *sc = scen_load(path, NULL, 0, &d);
    unlink(path);
    cr_expect(sc == NULL, "accepted: %s", ini);
    scen_free(sc);
    cr_expect(d.status == DIAG_USAGE, "status %d, not a usage error", d.status);
    cr_expect(strstr(d.msg, frag1) != NULL, "message '%s' lacks '%s'", d.msg, frag1);
    if (frag2)
        cr_expect(strstr(d.msg, frag2) != NULL, "message '%s' lacks '%s'", d.msg, frag2);
}

/* One visit through a promotion's hooks, as the engine runs them: the bill
 * paid in cash, then at_till, then after_visit on a churn of 0.5. */
typedef struct scripted {
    const promo_type *type;
    void *params;
    double state[PROMO_STATE_MAX];
    int purchases;
    gsl_rng *rng;
    scenario *sc;
} scripted;

static scripted script_start(const promo_type *type, const char *ini)
{
    scripted s = { type, NULL, { 0 }, 0, gsl_rng_alloc(gsl_rng_mt19937), tu_scenario(ini) };
    promo_env env = { 100, 0.6 };
    diag d = { 0 };
    s.params = type->prepare(s.sc, &env, &d);
    cr_assert(s.params && s.rng, "prepare: %s", d.msg);
    return s;
}

static visit_ctx script_visit(scripted *s, double t, double bill)
{
    visit_ctx v = { 0 };
    v.t = t;
    v.purchase_no = ++s->purchases;
    v.bill = v.cash = v.revenue = bill;
    s->type->at_till(s->params, s->state, &v, s->rng);
    v.churn = 0.5;
    s->type->after_visit(s->params, s->state, &v, s->rng);
    return v;
}

static void script_end(scripted *s)
{
    s->type->release(s->params);
    gsl_rng_free(s->rng);
    scen_free(s->sc);
}

static void expect_visit(visit_ctx v, double discount, double churn, const char *what)
{
    cr_expect(v.discount == discount && v.cash == v.bill - discount
                  && v.revenue == v.bill - discount,
              "%s: discount %g, cash %g, revenue %g on a bill of %g; expected a discount of %g",
              what, v.discount, v.cash, v.revenue, v.bill, discount);
    cr_expect(fabs(v.churn - churn) < 1e-12, "%s: churn %g, expected %g", what, v.churn, churn);
}

/* ---- stamp card ---- */

Test(stamp_card, money_identity)
{
    expect_money_identity(CARD_REALISTIC "[stamp_card]\n", "stamp card");
    /* with a prepaid balance paying part of the same bills */
    expect_money_identity(CARD_REALISTIC "[stamp_card]\n[recharge]\ntake_up = 0.5\n",
                          "stamp card with recharge");
}

Test(stamp_card, exact_coupons_on_a_fixed_cycle)
{
    /* 13 visits: cards complete at visits 3, 6, 9, 12 and the coupons are
     * used at 4, 7, 10, 13.  The third stamp on day 60 is inside a 60-day
     * window, not a 59-day one; a coupon valid 29.9 days misses day 30. */
    const char *card = CARD_ONE_DAY "[churn]\nmean = 0\npolarisation = 0\n"
                                    "[stamp_card]\npurchases = 3\ncoupon_value = 10\n";
    char ini[2048];
    snprintf(ini, sizeof ini, "%swindow_days = 60\n", card);
    expect_exact_redeemed(ini, 10, 4, "3 in 60 days");
    snprintf(ini, sizeof ini, "%swindow_days = 59\n", card);
    expect_exact_redeemed(ini, 10, 0, "3 in 59 days");
    snprintf(ini, sizeof ini, "%swindow_days = 60\ncoupon_validity_days = 29.9\n", card);
    expect_exact_redeemed(ini, 10, 0, "coupon valid 29.9 days");
    snprintf(ini, sizeof ini, "%swindow_days = 60\ncards = 1\n", card);
    expect_exact_redeemed(ini, 10, 1, "one card per customer");
    /* 2 in 30 days: cards at visits 2, 4, ..., 12, coupons used at 3, ..., 13 */
    expect_exact_redeemed(CARD_ONE_DAY "[churn]\nmean = 0\npolarisation = 0\n"
                                       "[stamp_card]\npurchases = 2\nwindow_days = 30\n"
                                       "coupon_value = 10\n",
                          10, 6, "2 in 30 days");
    /* nobody collects: no coupon */
    expect_exact_redeemed(CARD_ONE_DAY "[churn]\nmean = 0\npolarisation = 0\n"
                                       "[stamp_card]\npurchases = 2\nparticipation = 0\n",
                          10, 0, "no participation");
}

Test(stamp_card, scripted_visits)
{
    extern const promo_type promo_stamp_card;
    scripted s = script_start(&promo_stamp_card,
                              "[channel.a]\n[stamp_card]\npurchases = 3\nwindow_days = 30\n"
                              "coupon_value = 10\ncoupon_validity_days = 20\n"
                              "goal_gradient = 0.5\ncoupon_pull = 0.4\ncards = 2\n");
    /* day 0 opens a card (no pace yet: pulled); at a 25-day pace the third
     * stamp would come on day 50, after the window */
    expect_visit(script_visit(&s, 0, 100), 0, 0.25, "day 0, first stamp");
    expect_visit(script_visit(&s, 25, 100), 0, 0.5, "day 25, second stamp, too slow");
    /* day 40 is past the window: a new card, and a 15-day pace fills it by day 70 */
    expect_visit(script_visit(&s, 40, 100), 0, 0.25, "day 40, new card");
    expect_visit(script_visit(&s, 50, 100), 0, 0.25, "day 50, second stamp");
    expect_visit(script_visit(&s, 55, 100), 0, 0.5 * 0.6, "day 55, card complete, coupon held");
    /* the coupon pays on day 70 and the second card opens */
    expect_visit(script_visit(&s, 70, 6), 6, 0.25, "day 70, coupon on a bill of 6");
    expect_visit(script_visit(&s, 71, 100), 0, 0.25, "day 71");
    expect_visit(script_visit(&s, 72, 100), 0, 0.3, "day 72, second card complete");
    /* the coupon lapsed on day 92; the limit of 2 cards stops the stamps */
    expect_visit(script_visit(&s, 93, 100), 0, 0.5, "day 93, coupon lapsed");
    expect_visit(script_visit(&s, 94, 100), 0, 0.5, "day 94, no more cards");
    expect_visit(script_visit(&s, 95, 100), 0, 0.5, "day 95, no more cards");
    expect_visit(script_visit(&s, 96, 100), 0, 0.5, "day 96, no coupon");
    script_end(&s);
}

Test(stamp_card, goal_gradient_and_coupon_pull_in_closed_form)
{
    /* churn p; a card of 3 in 90 days keeps churn at p (1 - g) after
     * visits 1 and 2 (in progress, in time), p (1 - c) after visit 3 (coupon
     * held), p after visit 4 (the only card is used up). */
    double p = 0.3, g = 0.5, c = 0.4, q = 1 - p * (1 - g);
    double *all = reps_of(CARD_LONG "[churn]\nmean = 0.3\npolarisation = 0\n"
                          "[stamp_card]\npurchases = 3\nwindow_days = 90\n"
                          "coupon_value = 10\ngoal_gradient = 0.5\n"
                          "coupon_pull = 0.4\ncards = 1\n", 51);
    double mean, se;
    per_customer(all, CLOSED_FORM_REPS, MET_FUNNEL_2ND, 1, &mean, &se);
    expect_within(mean, se, q, "share with a 2nd purchase");
    per_customer(all, CLOSED_FORM_REPS, MET_DISCOUNTS, 10, &mean, &se);
    expect_within(mean, se, q * q * (1 - p * (1 - c)), "coupons redeemed per customer");
    per_customer(all, CLOSED_FORM_REPS, MET_FUNNEL_5TH, 1, &mean, &se);
    expect_within(mean, se, q * q * (1 - p * (1 - c)) * (1 - p), "share with a 5th purchase");
    free(all);
}

Test(stamp_card, no_pull_once_the_card_cannot_be_completed)
{
    /* 3 in 59 days on a 30-day cycle: at the business's usual 30-day pace
     * (the first visit) and at the customer's own (later), every window is
     * missed by a day, the new cards opened on days 60 and 90 included: the
     * goal gradient never acts */
    double p = 0.3;
    double *all = reps_of(CARD_LONG "[churn]\nmean = 0.3\npolarisation = 0\n"
                          "[stamp_card]\npurchases = 3\nwindow_days = 59\n"
                          "goal_gradient = 0.5\ncoupon_pull = 0\n", 52);
    double mean, se;
    per_customer(all, CLOSED_FORM_REPS, MET_FUNNEL_3RD, 1, &mean, &se);
    expect_within(mean, se, pow(1 - p, 2), "share with a 3rd purchase");
    per_customer(all, CLOSED_FORM_REPS, MET_FUNNEL_5TH, 1, &mean, &se);
    expect_within(mean, se, pow(1 - p, 4), "share with a 5th purchase");
    per_customer(all, CLOSED_FORM_REPS, MET_DISCOUNTS, 1, &mean, &se);
    cr_expect(mean == 0, "a card that cannot be completed paid %g per customer", mean);
    free(all);
}

/* a weekly takeaway habit: 4 orders in 30 days can be done */
#define CARD_WEEKLY CARD_REALISTIC "[visits]\ncycle_days = 7\n"

Test(stamp_card, goal_gradient_raises_repeat_purchases)
{
    expect_raises(CARD_WEEKLY "[stamp_card]\ngoal_gradient = 0\ncoupon_pull = 0\n",
                  CARD_WEEKLY "[stamp_card]\ngoal_gradient = 0.3\ncoupon_pull = 0\n",
                  MET_REPEAT_RATE, "goal gradient");
    /* the seed's aim: more customers reach the 3 purchases where stickiness forms */
    expect_raises(CARD_WEEKLY, CARD_WEEKLY "[stamp_card]\n", MET_FUNNEL_3RD,
                  "stamp card against none");
}

Test(stamp_card, a_card_nobody_can_fill_changes_nothing)
{
    /* 4 stamps in 30 days for monthly customers: the card never pulls */
    expect_no_change(CARD_REALISTIC, CARD_REALISTIC "[stamp_card]\n", MET_REPEAT_RATE);
}

Test(stamp_card, malformed_section_is_rejected)
{
    expect_rejected("[channel.a]\n[stamp_card]\nparticipation = 1.5\n",
                    "[stamp_card] participation = 1.5 is out of range", NULL);
    expect_rejected("[channel.a]\n[stamp_card]\npurchases = 1\n", "[stamp_card] purchases",
                    "out of range");
    expect_rejected("[channel.a]\n[stamp_card]\nwindow_days = 0\n", "[stamp_card] window_days",
                    "out of range");
    expect_rejected("[channel.a]\n[stamp_card]\npurchase = 4\n", "unknown key 'purchase'",
                    "purchases");
}

Test(stamp_card, describes_what_was_applied)
{
    scenario *sc = tu_scenario(CARD_REALISTIC "[stamp_card]\npurchases = 5\ncards = 1\n");
    diag d = { 0 };
    engine *e = engine_prepare(sc, &d);
    cr_assert(e != NULL, "engine_prepare: %s", d.msg);
    const char *names[4];
    char desc[4][256];
    cr_assert(engine_promotions(e, names, desc, 4, LANG_EN) == 1);
    cr_expect(!strcmp(names[0], "stamp_card"));
    cr_expect(strstr(desc[0], "5 purchases within 30 days earn a coupon of 10") != NULL, "%s",
              desc[0]);
    cr_expect(strstr(desc[0], "at most 1 card") != NULL, "%s", desc[0]);
    engine_free(e);
    scen_free(sc);
}

/* ---- welcome vouchers ---- */

Test(welcome_vouchers, money_identity)
{
    expect_money_identity(CARD_REALISTIC "[welcome_vouchers]\n", "welcome vouchers");
    expect_money_identity(CARD_REALISTIC "[welcome_vouchers]\n[recharge]\ntake_up = 0.5\n",
                          "welcome vouchers with recharge");
}

Test(welcome_vouchers, exact_count_on_a_fixed_cycle)
{
    /* visits on days 0, 30, 60: both vouchers used within 60 days; 59.5
     * days leave the second to expire on day 60 */
    const char *base = CARD_ONE_DAY "[churn]\nmean = 0\npolarisation = 0\n"
                                    "[welcome_vouchers]\nregistration = 1\n";
    char ini[2048];
    snprintf(ini, sizeof ini, "%scount = 2\nvalue = 50\nvalidity_days = 60\n", base);
    expect_exact_redeemed(ini, 50, 2, "2 vouchers, 60 days");
    snprintf(ini, sizeof ini, "%scount = 2\nvalue = 50\nvalidity_days = 59.5\n", base);
    expect_exact_redeemed(ini, 50, 1, "2 vouchers, 59.5 days");
    snprintf(ini, sizeof ini, "%scount = 5\nvalue = 20\nvalidity_days = 365\n", base);
    expect_exact_redeemed(ini, 20, 5, "5 vouchers, a year");
    snprintf(ini, sizeof ini, "%smin_bill = 100\n", base);
    expect_exact_redeemed(ini, 50, 2, "bill reaches min_bill");
    snprintf(ini, sizeof ini, "%smin_bill = 100.01\n", base);
    expect_exact_redeemed(ini, 50, 0, "bill below min_bill");
    /* a voucher worth more than the bill takes the bill, no more */
    snprintf(ini, sizeof ini, "%svalue = 150\n", base);
    expect_exact_redeemed(ini, 100, 2, "voucher above the bill");
}

Test(welcome_vouchers, scripted_visits)
{
    extern const promo_type promo_welcome_vouchers;
    scripted s = script_start(&promo_welcome_vouchers,
                              "[channel.a]\n[welcome_vouchers]\nregistration = 1\ncount = 2\n"
                              "value = 50\nvalidity_days = 60\nmin_bill = 80\npull = 0.5\n");
    /* issued at the first visit, for later ones */
    expect_visit(script_visit(&s, 0, 100), 0, 0.25, "day 0, registration");
    expect_visit(script_visit(&s, 10, 79), 0, 0.25, "day 10, bill below min_bill");
    expect_visit(script_visit(&s, 20, 80), 50, 0.25, "day 20, first voucher");
    expect_visit(script_visit(&s, 59.5, 100), 50, 0.5, "day 59.5, second voucher");
    expect_visit(script_visit(&s, 60, 100), 0, 0.5, "day 60, none left");
    script_end(&s);
    s = script_start(&promo_welcome_vouchers,
                     "[channel.a]\n[welcome_vouchers]\nregistration = 1\ncount = 3\n"
                     "value = 50\nvalidity_days = 60\npull = 0.5\n");
    expect_visit(script_visit(&s, 0, 100), 0, 0.25, "day 0, registration");
    expect_visit(script_visit(&s, 30, 30), 30, 0.25, "day 30, voucher above the bill");
    /* day 60 is the last day of validity: a voucher is used, and the one
     * left cannot be used at any later visit, so it no longer pulls */
    expect_visit(script_visit(&s, 60, 100), 50, 0.5, "day 60, last day");
    expect_visit(script_visit(&s, 60 + 1e-3, 100), 0, 0.5, "day 60.001, expired");
    script_end(&s);
}

Test(welcome_vouchers, expected_count_with_churn)
{
    /* churn p: (1 - p) + (1 - p)^2 vouchers per customer; with the pull,
     * p (1 - pull) in place of p, as both visits happen holding a voucher */
    double p = 0.3, q = 1 - p * (1 - 0.5);
    double mean, se;
    double *all = reps_of(CARD_LONG "[churn]\nmean = 0.3\npolarisation = 0\n"
                          "[welcome_vouchers]\nregistration = 1\npull = 0\n", 61);
    per_customer(all, CLOSED_FORM_REPS, MET_DISCOUNTS, 50, &mean, &se);
    expect_within(mean, se, (1 - p) + (1 - p) * (1 - p), "vouchers per customer, no pull");
    free(all);
    all = reps_of(CARD_LONG "[churn]\nmean = 0.3\npolarisation = 0\n"
                  "[welcome_vouchers]\nregistration = 1\npull = 0.5\n", 62);
    per_customer(all, CLOSED_FORM_REPS, MET_DISCOUNTS, 50, &mean, &se);
    expect_within(mean, se, q + q * q, "vouchers per customer, pull 0.5");
    /* after the vouchers are gone, churn is p again */
    per_customer(all, CLOSED_FORM_REPS, MET_FUNNEL_5TH, 1, &mean, &se);
    expect_within(mean, se, q * q * (1 - p) * (1 - p), "share with a 5th purchase, pull 0.5");
    free(all);
    /* one voucher valid a year: the pull ends with the voucher, not the validity */
    all = reps_of(CARD_LONG "[churn]\nmean = 0.3\npolarisation = 0\n"
                  "[welcome_vouchers]\nregistration = 1\npull = 0.5\ncount = 1\n"
                  "validity_days = 365\n", 64);
    per_customer(all, CLOSED_FORM_REPS, MET_DISCOUNTS, 50, &mean, &se);
    expect_within(mean, se, q, "one voucher per customer, pull 0.5");
    per_customer(all, CLOSED_FORM_REPS, MET_FUNNEL_3RD, 1, &mean, &se);
    expect_within(mean, se, q * (1 - p), "share with a 3rd purchase, one voucher");
    free(all);
    /* half register: 2 x 0.5 vouchers per customer with churn 0 */
    all = reps_of(CARD_LONG "[churn]\nmean = 0\npolarisation = 0\n"
                  "[welcome_vouchers]\nregistration = 0.5\n", 63);
    per_customer(all, CLOSED_FORM_REPS, MET_DISCOUNTS, 50, &mean, &se);
    expect_within(mean, se, 1.0, "vouchers per customer, half register");
    free(all);
}

Test(welcome_vouchers, vouchers_pull_customers_to_a_third_visit)
{
    expect_raises(CARD_REALISTIC, CARD_REALISTIC "[welcome_vouchers]\n", MET_FUNNEL_3RD,
                  "welcome vouchers against none");
    expect_raises(CARD_REALISTIC "[welcome_vouchers]\npull = 0\n",
                  CARD_REALISTIC "[welcome_vouchers]\npull = 0.3\n", MET_REPEAT_RATE,
                  "voucher pull");
}

Test(welcome_vouchers, malformed_section_is_rejected)
{
    expect_rejected("[channel.a]\n[welcome_vouchers]\ncount = 0\n",
                    "[welcome_vouchers] count = 0 is out of range", NULL);
    expect_rejected("[channel.a]\n[welcome_vouchers]\nregistration = -0.1\n",
                    "[welcome_vouchers] registration", "out of range");
    expect_rejected("[channel.a]\n[welcome_vouchers]\nvalue = 0\n", "[welcome_vouchers] value",
                    "out of range");
    expect_rejected("[channel.a]\n[welcome_vouchers]\ncount = 2.5\n", "[welcome_vouchers] count",
                    NULL);
    expect_rejected("[channel.a]\n[welcome_vouchers]\nvalidity = 60\n", "unknown key 'validity'",
                    "validity_days");
}

Test(welcome_vouchers, describes_what_was_applied)
{
    scenario *sc = tu_scenario(CARD_REALISTIC "[welcome_vouchers]\nmin_bill = 200\n");
    diag d = { 0 };
    engine *e = engine_prepare(sc, &d);
    cr_assert(e != NULL, "engine_prepare: %s", d.msg);
    const char *names[4];
    char desc[4][256];
    cr_assert(engine_promotions(e, names, desc, 4, LANG_EN) == 1);
    cr_expect(!strcmp(names[0], "welcome_vouchers"));
    cr_expect(strstr(desc[0], "2 x 50 (100 in all) valid 60 days on bills of 200 or more") != NULL,
              "%s", desc[0]);
    engine_free(e);
    scen_free(sc);
}
