/* Modules on the calendar and their streams: draws keyed by a module's
 * name (sim/rng.h), the birthday-month coupon and recall on the
 * satisfaction and BG/NBD baselines.  Effects are judged by the paired
 * difference over replications run on common random numbers: its mean
 * against its standard error, never a loose tolerance. */
#include <criterion/criterion.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../models/registry.h"
#include "../sim/metrics.h"
#include "../sim/plugins.h"
#include "../sim/promotion.h"
#include "../sim/rng.h"
#include "../sim/stats.h"
#include "util.h"

Test(rng, module_purposes_are_keyed_by_name_and_hook)
{
    uint64_t recall = rng_module_purpose("recall", RNG_HOOK_AFTER_DECISION);
    cr_expect(recall == rng_module_purpose("recall", RNG_HOOK_AFTER_DECISION), "not a function of its key");
    cr_expect(recall != rng_module_purpose("recall", RNG_HOOK_EVENT), "hooks share a stream");
    cr_expect(recall != rng_module_purpose("word_of_mouth", RNG_HOOK_AFTER_DECISION),
              "modules share a stream");
    cr_expect(recall >> 63, "a module's purpose can meet the engine's small ones");
}

/* The brief's case: recall's reminders and responses are the same with an
 * unrelated promotion switched on that changes no visit (a churn cut of 0). */
Test(modules, recall_draws_unmoved_by_an_unrelated_promotion)
{
    scenario *base = tu_load("scenarios/restaurant_reminder.ini");
    const char *ov[] = { "churn_reduction.amount=0" };
    diag d = { 0 };
    scenario *more = scen_load("scenarios/restaurant_reminder.ini", ov, 1, &d);
    cr_assert(more, "%s", d.msg);
    run_result *a = tu_run(base, 4, 11, 2), *b = tu_run(more, 4, 11, 2);
    cr_expect(tu_same_result_but(a, b, -1), "recall's results moved when churn_reduction was switched on");
    double m, s;
    tu_metric(a, MET_RECALLED, &m, &s);
    cr_expect(m > 0, "the scenario recalls no one: the test would prove nothing");
    run_result_free(a);
    run_result_free(b);
    scen_free(base);
    scen_free(more);
}

/* The case a position would break: recall comes before the welcome
 * vouchers in the registry, so by position the vouchers' draws (who
 * registers) would shift when recall is switched on.  A reminder that
 * wins no one and costs nothing changes no visit: everything but the count
 * of reminders sent must be the same, bit for bit. */
Test(modules, switching_on_an_earlier_module_moves_no_later_draws)
{
    scenario *base = tu_load("scenarios/restaurant_vouchers.ini");
    const char *ov[] = { "recall.lift=0", "recall.cost=0", "recall.pull_forward=0" };
    diag d = { 0 };
    scenario *more = scen_load("scenarios/restaurant_vouchers.ini", ov, 3, &d);
    cr_assert(more, "%s", d.msg);
    run_result *a = tu_run(base, 4, 5, 2), *b = tu_run(more, 4, 5, 2);
    double reminders, s, discounts;
    tu_metric(b, MET_REMINDERS, &reminders, &s);
    tu_metric(a, MET_DISCOUNTS, &discounts, &s);
    cr_assert(reminders > 0 && discounts > 0, "recall sends nothing or no voucher is used");
    cr_expect(tu_same_result_but(a, b, MET_REMINDERS),
              "switching on recall moved the vouchers' draws");
    run_result_free(a);
    run_result_free(b);
    scen_free(base);
    scen_free(more);
}

/* A reminder on the BG/NBD baseline: nobody drops out at the first
 * purchase there, but a customer whose second purchase would fall after
 * the horizon may be brought in sooner (pull_forward), so the repeat rate
 * moves, judged by its paired standard error. */
Test(modules, recall_moves_repeat_rate_on_bgnbd)
{
    scenario *base = tu_load("scenarios/cdnow.ini");
    const char *ov[] = { "recall.day=30", "recall.pull_forward=0.3", "recall.lift=0.1" };
    diag d = { 0 };
    scenario *with = scen_load("scenarios/cdnow.ini", ov, 3, &d);
    cr_assert(with, "%s", d.msg);
    double diff, se;
    tu_paired(base, with, MET_REPEAT_RATE, 8, 3, &diff, &se);
    cr_expect(diff > 4 * se && se > 0, "recall moved repeat_rate by %+.4f (SE %.4f) on BG/NBD", diff, se);
    scen_free(base);
    scen_free(with);
}

/* The birthday-month coupon moves the repeat rate on both baselines: the
 * satisfaction restaurant and the BG/NBD retailer. */
static void birthday_moves_repeat_rate(const char *base_path, const char *variant_path)
{
    scenario *base = tu_load(base_path), *with = tu_load(variant_path);
    double diff, se;
    tu_paired(base, with, MET_REPEAT_RATE, 8, 17, &diff, &se);
    cr_expect(diff > 4 * se && se > 0, "%s: the birthday coupon moved repeat_rate by %+.4f (SE %.4f)",
              variant_path, diff, se);
    /* the money identity: every voucher is a discount, nothing is owed */
    double *r = tu_per_replication(with, 2, 17, 1);
    for (int k = 0; k < 2; k++) {
        const double *m = r + k * MET_COUNT;
        cr_expect(fabs(m[MET_CASH_IN] - m[MET_REVENUE] - m[MET_LIABILITY_END]) <= 1e-6 * m[MET_CASH_IN],
                  "cash %.2f != revenue %.2f + liability %.2f", m[MET_CASH_IN], m[MET_REVENUE],
                  m[MET_LIABILITY_END]);
        cr_expect(m[MET_DISCOUNTS] > 0 && m[MET_TOUCH_COST] > 0, "no voucher used or no message sent");
    }
    free(r);
    scen_free(base);
    scen_free(with);
}

Test(modules, birthday_coupon_moves_repeat_rate_on_satisfaction)
{
    birthday_moves_repeat_rate("scenarios/restaurant.ini", "scenarios/restaurant_birthday.ini");
}

Test(modules, birthday_coupon_moves_repeat_rate_on_bgnbd)
{
    birthday_moves_repeat_rate("scenarios/cdnow.ini", "scenarios/cdnow_birthday.ini");
}

/* The coupon is drawn from its own streams: 1 and 2 threads agree bit for bit. */
Test(modules, birthday_coupon_identical_for_any_thread_count)
{
    scenario *sc = tu_load("scenarios/cdnow_birthday.ini");
    run_result *one = tu_run(sc, 4, 8, 1), *two = tu_run(sc, 4, 8, 2);
    cr_expect(tu_same_result_but(one, two, -1), "1 and 2 threads differ");
    run_result_free(one);
    run_result_free(two);
    scen_free(sc);
}

/* ---- the rate lever, on a model without satisfaction ---- */

/* A test-only promotion that doubles the pace of purchasing after every
 * visit (rate_multiplier 2): on BG/NBD the days to the next purchase halve
 * in law, so with nobody dropping out at the first purchase the share who
 * buy a second time within the horizon must rise. */
typedef struct { int unused; } pace_params;
static const scen_key pace_keys[] = {
    { "unused", KEY_INT, offsetof(pace_params, unused), 0, 0, 1, 0, "", NULL, "Unused." },
    { 0 }
};
static const scen_section pace_section = { "test_pace", "Test: doubles the purchase rate.",
                                           sizeof(pace_params), 1, pace_keys, NULL };
static void *pace_prepare(const scenario *sc, const promo_env *env, diag *d)
{
    (void)sc;
    (void)env;
    (void)d;
    static pace_params p;
    return &p;
}
static void pace_release(void *p)
{
    (void)p;
}
static void pace_after_visit(const void *p, double *st, visit_ctx *v, gsl_rng *r)
{
    (void)p;
    (void)st;
    (void)r;
    v->rate_multiplier = 2.0;
}
static const promo_type pace_promotion = {
    .name = "test_pace", .summary = "Test: doubles the purchase rate", .section = &pace_section,
    .prepare = pace_prepare, .release = pace_release, .after_visit = pace_after_visit,
};

Test(modules, rate_lever_moves_the_second_purchase_on_bgnbd)
{
    /* this test's own registries: the built-in models and the test promotion */
    static const promo_type *const promos[] = { &pace_promotion, NULL };
    static sim_plugins plugins;
    plugins.models = retsim_builtin_plugins.models;
    plugins.promotions = promos;
    diag d = { 0 };
    cr_assert(sim_use_plugins(&plugins, &d) == 0, "%s", d.msg);
    scenario *base = tu_load("scenarios/cdnow.ini");
    char *cdnow = realpath("scenarios/cdnow.ini", NULL), ini[4200];
    cr_assert(cdnow);
    snprintf(ini, sizeof ini, "[scenario]\nbase = %s\n\n[test_pace]\n", cdnow);
    free(cdnow);
    scenario *fast = tu_scenario(ini);
    double diff, se;
    tu_paired(base, fast, MET_REPEAT_RATE, 8, 23, &diff, &se);
    cr_expect(diff > 4 * se && se > 0, "doubling the rate moved repeat_rate by %+.4f (SE %.4f)", diff, se);
    scen_free(base);
    scen_free(fast);
}

/* The expectation-management section works through the satisfaction
 * model's promise: on a model without one it is refused, not left idle. */
Test(modules, expectation_management_refused_without_a_promise)
{
    const char *ov[] = { "expectation_management.conversion_per_promise=1" };
    diag d = { 0 };
    scenario *sc = scen_load("scenarios/cdnow.ini", ov, 1, &d);
    cr_assert(sc, "%s", d.msg);
    engine *e = engine_prepare(sc, &d);
    cr_expect(e == NULL && strstr(d.msg, "satisfaction"), "accepted on BG/NBD: %s", d.msg);
    engine_free(e);
    scen_free(sc);
}
