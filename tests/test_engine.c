/* Engine properties: reproducibility across thread counts, streams keyed by
 * purpose, the statistics layer, and the run command's files. */
#include <criterion/criterion.h>
#include <gsl/gsl_cdf.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../sim/metrics.h"
#include "../sim/rng.h"
#include "../sim/stats.h"
#include "util.h"

static scenario *load_file(const char *path)
{
    diag d = { 0 };
    scenario *sc = scen_load(path, NULL, 0, &d);
    cr_assert(sc != NULL, "%s: %s", path, d.msg);
    return sc;
}

static int same_vec(const stat_vec *a, const stat_vec *b)
{
    return a->n == b->n && !memcmp(a->mean, b->mean, a->n * sizeof(double))
           && !memcmp(a->m2, b->m2, a->n * sizeof(double))
           && !memcmp(a->count, b->count, a->n * sizeof(long));
}

static int same_result(const run_result *x, const run_result *y)
{
    const scen_stats *a = &x->scen[0], *b = &y->scen[0];
    if (!same_vec(a->metric, b->metric) || !same_vec(a->cohort, b->cohort)
        || !same_vec(a->rfm, b->rfm) || !same_vec(a->clv_quantile, b->clv_quantile))
        return 0;
    for (int c = 0; c < CUR_COUNT; c++)
        if (!same_vec(a->curve[c], b->curve[c]))
            return 0;
    return 1;
}

Test(engine, bit_identical_for_any_thread_count)
{
    scenario *sc = load_file("scenarios/clinic.ini");
    run_result *one = tu_run(sc, 6, 42, 1);
    run_result *two = tu_run(sc, 6, 42, 2);
    run_result *three = tu_run(sc, 6, 42, 3);
    cr_expect(same_result(one, two), "1 thread and 2 threads differ");
    cr_expect(same_result(one, three), "1 thread and 3 threads differ");
    run_result_free(one);
    run_result_free(two);
    run_result_free(three);
    scen_free(sc);
}

Test(engine, seed_changes_the_draws_but_not_the_law)
{
    scenario *sc = load_file("scenarios/clinic.ini");
    run_result *a = tu_run(sc, 30, 1, 2);
    run_result *b = tu_run(sc, 30, 2, 2);
    cr_expect(!same_result(a, b), "seeds 1 and 2 gave identical output");
    double ma, sa, mb, sb;
    tu_metric(a, MET_PROFIT, &ma, &sa);
    tu_metric(b, MET_PROFIT, &mb, &sb);
    cr_expect(fabs(ma - mb) <= 4 * sqrt(sa * sa + sb * sb),
              "profit with seed 1 (%.0f) and seed 2 (%.0f) differ by more than 4 SE", ma, mb);
    run_result_free(a);
    run_result_free(b);
    scen_free(sc);
}

Test(engine, replication_prefix_is_stable)
{
    /* replication r's streams depend on r only: the first 4 replications of
     * a 4-rep and an 8-rep run are the same, so more reps only add data */
    scenario *sc = load_file("scenarios/clinic.ini");
    run_result *four = tu_run(sc, 4, 9, 2);
    run_result *eight = tu_run(sc, 8, 9, 2);
    double m4, s4, m8, s8;
    tu_metric(four, MET_NEW_CUSTOMERS, &m4, &s4);
    tu_metric(eight, MET_NEW_CUSTOMERS, &m8, &s8);
    cr_expect(m4 != m8, "8 replications averaged the same as 4");
    run_result_free(four);
    run_result_free(eight);
    scen_free(sc);
}

Test(rng, streams_are_keyed_not_ordered)
{
    rng_stream a, b, c;
    rng_stream_init(&a, 1, 2, 3, 4, RNG_VISIT);
    rng_stream_init(&b, 1, 2, 3, 4, RNG_VISIT);
    rng_stream_init(&c, 1, 2, 3, 4, RNG_DECISION);
    int same_ab = 1, same_ac = 1;
    for (int i = 0; i < 100; i++) {
        double x = gsl_rng_uniform(&a.rng), y = gsl_rng_uniform(&b.rng),
               z = gsl_rng_uniform(&c.rng);
        same_ab &= x == y;
        same_ac &= x == z;
        cr_assert(x >= 0 && x < 1);
    }
    cr_expect(same_ab, "the same key gave different streams");
    cr_expect(!same_ac, "different purposes gave the same stream");
}

Test(rng, uniform_moments)
{
    rng_stream s;
    rng_stream_init(&s, 7, 0, 0, 0, RNG_ARRIVALS);
    const int n = 1000000;
    double sum = 0, sum2 = 0;
    for (int i = 0; i < n; i++) {
        double u = gsl_rng_uniform(&s.rng);
        sum += u;
        sum2 += u * u;
    }
    double mean = sum / n, var = sum2 / n - mean * mean;
    cr_expect(fabs(mean - 0.5) < 4 * sqrt(1.0 / 12 / n), "uniform mean %.6f", mean);
    /* variance of u^2 is 4/45; the SE of the variance estimate is about sqrt(1/180/n) */
    cr_expect(fabs(var - 1.0 / 12) < 4 * sqrt(1.0 / 180 / n), "uniform variance %.6f", var);
}

Test(stats, mean_sd_and_t_interval)
{
    stat_vec *v = stat_vec_alloc(2);
    double xs[] = { 1, 2, 3, 4, 10 };
    for (int i = 0; i < 5; i++) {
        double row[2] = { xs[i], i == 2 ? NAN : 1.0 };
        stat_vec_add(v, row);
    }
    stat_summary s = stat_vec_get(v, 0);
    cr_expect_float_eq(s.mean, 4.0, 1e-12);
    double sd = sqrt((9 + 4 + 1 + 0 + 36) / 4.0);
    cr_expect_float_eq(s.sd, sd, 1e-12);
    double half = gsl_cdf_tdist_Pinv(0.975, 4) * sd / sqrt(5.0);
    cr_expect_float_eq(s.ci_low, 4.0 - half, 1e-12);
    cr_expect_float_eq(s.ci_high, 4.0 + half, 1e-12);
    stat_summary t = stat_vec_get(v, 1);
    cr_expect_eq(t.n, 4, "NAN must be skipped, got n = %ld", t.n);
    cr_expect_float_eq(t.sd, 0.0, 1e-15);
    stat_vec_free(v);
}

Test(cli, run_writes_every_output_atomically)
{
    char dir[] = "/tmp/retsim-out-XXXXXX";
    cr_assert(mkdtemp(dir));
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s run scenarios/clinic.ini --reps 4 --quiet --out %s/run", tu_bin(), dir);
    cr_assert_eq(tu_system(cmd), 0, "%s failed", cmd);
    static const char *const files[] = { "summary.json", "metrics.csv", "retention.csv", "profit.csv",
                                         "active.csv", "funnel.csv", "rfm.csv", "clv.csv",
                                         "cohorts.csv", "frequency.csv", "scenario.ini", "retention.gp",
                                         "profit.gp", "frequency.gp", NULL };
    for (int i = 0; files[i]; i++) {
        char path[1200];
        snprintf(path, sizeof path, "%s/run/%s", dir, files[i]);
        struct stat st;
        cr_expect(stat(path, &st) == 0 && st.st_size > 0, "missing or empty: %s", path);
    }
    snprintf(cmd, sizeof cmd, "ls %s/run | grep -q '\\.tmp$'", dir);
    cr_expect(tu_system(cmd) != 0, "a .tmp file was left behind in %s/run", dir);

    char path[1200];
    snprintf(path, sizeof path, "%s/run/summary.json", dir);
    json_error_t err;
    json_t *root = json_load_file(path, 0, &err);
    cr_assert(root, "summary.json does not parse: %s", err.text);
    static const char *const top[] = { "scenario", "file", "seed", "replications", "threads",
                                       "horizon_days", "metrics", NULL };
    for (int i = 0; top[i]; i++)
        cr_expect(json_object_get(root, top[i]), "summary.json lacks %s", top[i]);
    static const char *const metrics[] = { "profit", "revenue", "new_customers",
                                           "active_customers_end", "retention_30", "retention_90",
                                           "retention_180", "retention_365", "repeat_rate", "clv",
                                           "top20_revenue_share", NULL };
    json_t *m = json_object_get(root, "metrics");
    for (int i = 0; metrics[i]; i++) {
        json_t *x = json_object_get(m, metrics[i]);
        cr_expect(x, "metrics lacks %s", metrics[i]);
        const char *fields[] = { "mean", "sd", "ci_low", "ci_high" };
        for (int f = 0; x && f < 4; f++) {
            json_t *v = json_object_get(x, fields[f]);
            cr_expect(json_is_real(v), "%s.%s is not a number", metrics[i], fields[f]);
            if (f >= 2 && json_is_real(v)) {
                double mean = json_real_value(json_object_get(x, "mean"));
                cr_expect(f == 2 ? json_real_value(v) <= mean : json_real_value(v) >= mean,
                          "%s.%s is on the wrong side of the mean", metrics[i], fields[f]);
            }
        }
    }
    json_decref(root);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    tu_system(cmd);
}

Test(cli, output_is_identical_for_1_and_2_threads)
{
    char dir[] = "/tmp/retsim-thr-XXXXXX";
    cr_assert(mkdtemp(dir));
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "%s run scenarios/clinic.ini --reps 6 --seed 5 --threads 1 --quiet --out %s/a && "
             "%s run scenarios/clinic.ini --reps 6 --seed 5 --threads 2 --quiet --out %s/b",
             tu_bin(), dir, tu_bin(), dir);
    cr_assert_eq(tu_system(cmd), 0);
    static const char *const files[] = { "metrics.csv", "retention.csv", "profit.csv",
                                         "active.csv", "cohorts.csv", "rfm.csv", "clv.csv",
                                         "frequency.csv", NULL };
    for (int i = 0; files[i]; i++) {
        snprintf(cmd, sizeof cmd, "cmp -s %s/a/%s %s/b/%s", dir, files[i], dir, files[i]);
        cr_expect_eq(tu_system(cmd), 0, "%s differs between 1 and 2 threads", files[i]);
    }
    /* summary.json differs only in its "threads" field */
    snprintf(cmd, sizeof cmd,
             "grep -v '\"threads\"' %s/a/summary.json > %s/a.j && "
             "grep -v '\"threads\"' %s/b/summary.json > %s/b.j && cmp -s %s/a.j %s/b.j",
             dir, dir, dir, dir, dir, dir);
    cr_expect_eq(tu_system(cmd), 0, "summary.json differs beyond the threads field");
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    tu_system(cmd);
}
