/* What-if machinery: promotions' money, paired comparisons, sweeps and the
 * commands' refusals. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "../sim/metrics.h"
#include "util.h"

static scenario *load_file(const char *path, const char *set)
{
    diag d = { 0 };
    const char *sets[1] = { set };
    scenario *sc = scen_load(path, sets, set ? 1 : 0, &d);
    cr_assert(sc != NULL, "%s: %s", path, d.msg);
    return sc;
}

static double metric(const run_result *r, int k, int m)
{
    return stat_vec_get(r->scen[k].metric, (size_t)m).mean;
}

/* One arrival day, a fixed bill of 100 every 10 days, nobody leaves, and
 * everyone recharges at the first visit: over the first k + 1 visits the
 * customer gets (k + 1) x 100 of food for k x 100. */
Test(whatif, recharge_effective_discount_is_one_over_k_plus_one)
{
    for (int k = 1; k <= 4; k++) {
        char text[1024];
        snprintf(text, sizeof text,
                 "[scenario]\nhorizon_days = %d\n"
                 "[channel.a]\nprospects_per_day = 50\nstep_conversion = 1\nstop_day = 1\n"
                 "[churn]\nmean = 0\npolarisation = 0\n[response]\nenabled = false\n"
                 "[visits]\ndistribution = fixed\ncycle_days = 10\n"
                 "[spend]\ndistribution = fixed\nmean = 100\n"
                 "[recharge]\nmultiple = %d\ntake_up = 1\nmultiple_elasticity = 0\nfree_meal_inflation = 0\noffer_again = false\n",
                 10 * k + 5, k);
        scenario *sc = tu_scenario(text);
        run_result *r = tu_run(sc, 4, 3, 2);
        double disc = metric(r, 0, MET_DISCOUNTS), rev = metric(r, 0, MET_REVENUE);
        double visits = metric(r, 0, MET_VISITS), customers = metric(r, 0, MET_NEW_CUSTOMERS);
        cr_expect_float_eq(visits, (k + 1) * customers, 1e-9, "k = %d: %g visits", k, visits);
        cr_expect_float_eq(disc / (disc + rev), 1.0 / (k + 1), 1e-12,
                           "k = %d: effective discount %g", k, disc / (disc + rev));
        cr_expect_float_eq(metric(r, 0, MET_LIABILITY_END), 0, 1e-9, "balance left unspent");
        cr_expect_float_eq(metric(r, 0, MET_CASH_IN), k * 100 * customers, 1e-6 * customers);
        run_result_free(r);
        scen_free(sc);
    }
}

static void expect_cash_identity(const run_result *r, int k, const char *what)
{
    double cash = metric(r, k, MET_CASH_IN), rev = metric(r, k, MET_REVENUE),
           liab = metric(r, k, MET_LIABILITY_END);
    cr_expect(fabs(cash - rev - liab) <= 1e-9 * cash,
              "%s: cash %.6f != revenue %.6f + liability %.6f", what, cash, rev, liab);
}

Test(whatif, cash_equals_revenue_plus_liability)
{
    scenario *sc = load_file("scenarios/restaurant_recharge.ini", NULL);
    run_result *r = tu_run(sc, 4, 5, 2);
    expect_cash_identity(r, 0, "recharge");
    cr_expect(metric(r, 0, MET_LIABILITY_END) > 0, "some balance should remain at the horizon");
    run_result_free(r);
    scen_free(sc);
    sc = load_file("scenarios/restaurant.ini", "stored_value.take_up=0.3");
    r = tu_run(sc, 4, 5, 2);
    expect_cash_identity(r, 0, "stored value");
    cr_expect(metric(r, 0, MET_DISCOUNTS) > 0, "the bonus share of spending is a discount");
    run_result_free(r);
    scen_free(sc);
}

static run_result *run_pair(const char *base, const char *variant, const char *variant_set, int reps)
{
    diag d = { 0 };
    scenario *a = load_file(base, NULL), *b = load_file(variant, variant_set);
    engine *e[2] = { engine_prepare(a, &d), engine_prepare(b, &d) };
    cr_assert(e[0] && e[1], "%s", d.msg);
    run_opts o = { 17, reps, 2, 0, 0 };
    run_result *r = NULL;
    cr_assert_eq(sim_run(e, 2, &o, &r, &d), 0, "%s", d.msg);
    engine_free(e[0]);
    engine_free(e[1]);
    scen_free(a);
    scen_free(b);
    return r;
}

Test(whatif, identical_variant_differs_by_exactly_zero)
{
    run_result *r = run_pair("scenarios/restaurant.ini", "scenarios/restaurant.ini", NULL, 6);
    for (int m = 0; m < MET_COUNT; m++) {
        stat_summary s = stat_vec_get(r->scen[1].diff, (size_t)m);
        if (isnan(s.mean))
            continue;
        cr_expect(s.mean == 0 && s.sd == 0, "%s: difference %g (sd %g)", metric_table[m].name,
                  s.mean, s.sd);
    }
    run_result_free(r);
}

Test(whatif, churn_cut_raises_profit_and_retention)
{
    run_result *r = run_pair("scenarios/clinic.ini", "scenarios/clinic_churn_minus5.ini", NULL, 20);
    stat_summary p = stat_vec_get(r->scen[1].diff, MET_PROFIT);
    stat_summary q = stat_vec_get(r->scen[1].diff, MET_REPEAT_RATE);
    cr_expect(p.ci_low > 0, "profit difference %g [%g, %g] not above 0", p.mean, p.ci_low, p.ci_high);
    cr_expect(q.ci_low > 0, "repeat rate difference %g not above 0", q.mean);
    run_result_free(r);
    /* percentage points: a 5-point retention rise beats a 5 % relative cut
     * whenever churn is below 100 %, so it must gain more */
    run_result *pp = run_pair("scenarios/clinic.ini", "scenarios/clinic_churn_minus5.ini",
                              "churn_reduction.mode=points", 20);
    stat_summary pr = stat_vec_get(pp->scen[1].diff, MET_PROFIT);
    cr_expect(pr.ci_low > p.ci_high, "points %g should beat relative %g", pr.mean, p.mean);
    run_result_free(pp);
}

Test(whatif, paired_interval_is_narrower_than_independent)
{
    run_result *r = run_pair("scenarios/clinic.ini", "scenarios/clinic_churn_minus5.ini", NULL, 20);
    stat_summary paired = stat_vec_get(r->scen[1].diff, MET_PROFIT);
    stat_summary a = stat_vec_get(r->scen[0].metric, MET_PROFIT);
    stat_summary b = stat_vec_get(r->scen[1].metric, MET_PROFIT);
    /* what independent runs of the same size would give: sqrt(var a + var b) */
    double independent_sd = sqrt(a.sd * a.sd + b.sd * b.sd);
    cr_expect(paired.sd < independent_sd / 3, "paired sd %g, independent %g", paired.sd, independent_sd);
    run_result_free(r);
}

Test(whatif_cli, sweep_follows_theory)
{
    char dir[] = "/tmp/retsim-sweep-XXXXXX";
    cr_assert(mkdtemp(dir));
    char cmd[1024], path[1200];
    snprintf(cmd, sizeof cmd,
             "%s sweep scenarios/restaurant.ini --param churn.mean=0.2:0.6:0.2 --reps 8 -q --out %s/s",
             tu_bin(), dir);
    cr_assert_eq(tu_system(cmd), 0, "%s", cmd);
    snprintf(path, sizeof path, "%s/s/sweep.json", dir);
    json_error_t err;
    json_t *root = json_load_file(path, 0, &err);
    cr_assert(root, "sweep.json: %s", err.text);
    json_t *values = json_object_get(root, "values");
    cr_assert_eq(json_array_size(values), 3);
    json_t *profit = json_object_get(json_object_get(json_object_get(root, "metrics"), "profit"), "mean");
    json_t *hi = json_object_get(json_object_get(json_object_get(root, "metrics"), "profit"), "ci_high");
    json_t *lo = json_object_get(json_object_get(json_object_get(root, "metrics"), "profit"), "ci_low");
    for (size_t i = 1; i < 3; i++)
        cr_expect(json_real_value(json_array_get(hi, i)) < json_real_value(json_array_get(lo, i - 1)),
                  "profit must fall as churn rises: %g then %g",
                  json_real_value(json_array_get(profit, i - 1)), json_real_value(json_array_get(profit, i)));
    json_decref(root);
    snprintf(path, sizeof path, "%s/s/sweep.csv", dir);
    FILE *f = fopen(path, "r");
    cr_assert(f);
    int lines = 0;
    for (int c; (c = fgetc(f)) != EOF;)
        lines += c == '\n';
    fclose(f);
    cr_expect_eq(lines, 4, "sweep.csv: header and one row per value, got %d lines", lines);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    tu_system(cmd);
}

/* each refused with status 2 and no output directory */
Test(whatif_cli, bad_what_if_inputs_are_refused)
{
    char dir[] = "/tmp/retsim-bad-XXXXXX";
    cr_assert(mkdtemp(dir));
    char path[1200], cmd[2400];
    snprintf(path, sizeof path, "%s/self.ini", dir);
    FILE *f = fopen(path, "w");
    fputs("[scenario]\nbase = self.ini\n", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/nobase.ini", dir);
    f = fopen(path, "w");
    fputs("[scenario]\nbase = missing.ini\n", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/short.ini", dir);
    f = fopen(path, "w");
    fprintf(f, "[scenario]\nbase = %s/scenarios/clinic.ini\nhorizon_days = 365\n", getenv("PWD"));
    fclose(f);
    /* @ stands for the temporary directory */
    const char *cases[] = {
        "run @/self.ini --out @/o",
        "run @/nobase.ini --out @/o",
        "compare scenarios/clinic.ini @/short.ini --out @/o",
        "sweep scenarios/restaurant.ini --param churn.mean=0.6:0.2:0.1 --out @/o",
        "sweep scenarios/restaurant.ini --param churn.mean=0.5:1.5:0.5 --out @/o",
        "sweep scenarios/restaurant.ini --param churn.meen=0.1:0.2:0.1 --out @/o",
        "sweep scenarios/restaurant.ini --param churn.mean --out @/o",
        "compare scenarios/clinic.ini --out @/o",
        "sensitivity scenarios/clinic.ini --delta 0 --out @/o",
        "run scenarios/clinic.ini --recharge.multiple=3 --out @/o",
        "run scenarios/restaurant.ini --set recharge.multipel=3 --out @/o",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char args[1200];
        size_t n = 0;
        for (const char *c = cases[i]; *c && n + sizeof dir < sizeof args; c++)
            if (*c == '@')
                n += (size_t)snprintf(args + n, sizeof args - n, "%s", dir);
            else
                args[n++] = *c;
        args[n] = '\0';
        snprintf(cmd, sizeof cmd, "%s %s 2>%s/err.txt", tu_bin(), args, dir);
        cr_expect_eq(tu_system(cmd), 2, "retsim %s: expected exit status 2", args);
        snprintf(path, sizeof path, "%s/o", dir);
        struct stat st;
        cr_expect(stat(path, &st) != 0, "retsim %s created its output directory", args);
    }
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    tu_system(cmd);
}
