/* Engine properties: reproducibility across thread counts, streams keyed by
 * purpose, the statistics layer, and the run command's files. */
#include <criterion/criterion.h>
#include <gsl/gsl_cdf.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glob.h>
#include <sys/stat.h>

#include "../sim/engine.h"
#include "../sim/metrics.h"
#include "../sim/rng.h"
#include "../sim/stats.h"
#include "util.h"

Test(engine, bit_identical_for_any_thread_count)
{
    scenario *sc = tu_load("scenarios/clinic.ini");
    run_result *one = tu_run(sc, 6, 42, 1);
    run_result *two = tu_run(sc, 6, 42, 2);
    run_result *three = tu_run(sc, 6, 42, 3);
    cr_expect(tu_same_result_but(one, two, -1), "1 thread and 2 threads differ");
    cr_expect(tu_same_result_but(one, three, -1), "1 thread and 3 threads differ");
    run_result_free(one);
    run_result_free(two);
    run_result_free(three);
    scen_free(sc);
}

Test(engine, seed_changes_the_draws_but_not_the_law)
{
    scenario *sc = tu_load("scenarios/clinic.ini");
    run_result *a = tu_run(sc, 30, 1, 2);
    run_result *b = tu_run(sc, 30, 2, 2);
    cr_expect(!tu_same_result_but(a, b, -1), "seeds 1 and 2 gave identical output");
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
    scenario *sc = tu_load("scenarios/clinic.ini");
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

static int cmp_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* stat_select and stat_select_hoare (sim/stats.h, the engine's value
 * quantiles and top fifth) against a full sort: the k-th smallest at a[k],
 * nothing larger before it, nothing smaller after, the same multiset; the
 * engine's way too (rising k, each on the range above the previous one).
 * On random values, many ties (a fixed bill gives many equal values),
 * all equal, sorted, reversed and short arrays. */
static void check_select(double (*sel)(double *, size_t, size_t, size_t), const char *name)
{
    enum { N = 20001 };
    double *a = malloc(N * sizeof *a), *sorted = malloc(N * sizeof *a), *b = malloc(N * sizeof *a);
    cr_assert(a && sorted && b);
    rng_stream s;
    rng_stream_init(&s, 41, 0, 0, 0, RNG_VISIT);
    static const size_t sizes[] = { 1, 2, 3, 17, 33, 1000, N };
    for (int kind = 0; kind < 5; kind++)
        for (size_t z = 0; z < sizeof sizes / sizeof *sizes; z++) {
            size_t n = sizes[z];
            for (size_t i = 0; i < n; i++)
                a[i] = kind == 0   ? rng_uniform(&s.rng) * 100 - 30
                       : kind == 1 ? floor(rng_uniform(&s.rng) * 5)
                       : kind == 2 ? 7.5
                       : kind == 3 ? (double)i
                                   : (double)(n - i);
            memcpy(sorted, a, n * sizeof *a);
            qsort(sorted, n, sizeof *a, cmp_doubles);
            static const double levels[] = { 0.0, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95, 0.99, 1.0 };
            /* one k at a time on the whole array, then the engine's rising levels */
            for (int mode = 0; mode < 2; mode++) {
                memcpy(b, a, n * sizeof *a);
                size_t from = 0;
                for (size_t q = 0; q < sizeof levels / sizeof *levels; q++) {
                    size_t k = (size_t)(levels[q] * (double)(n - 1));
                    if (mode == 0)
                        memcpy(b, a, n * sizeof *a);
                    size_t first = mode == 0 ? 0 : from;
                    if (k < first)
                        continue;
                    double x = sel(b, first, n - 1, k);
                    cr_assert_eq(x, sorted[k], "%s kind %d n %zu k %zu: %g, sorted %g", name, kind, n, k,
                                 x, sorted[k]);
                    cr_assert_eq(b[k], sorted[k]);
                    int ok = 1;
                    for (size_t i = 0; i < n; i++)
                        ok &= i < k ? b[i] <= b[k] : i > k ? b[i] >= b[k] : 1;
                    cr_assert(ok, "%s kind %d n %zu k %zu: not partitioned at k", name, kind, n, k);
                    from = k + 1;
                }
                qsort(b, n, sizeof *b, cmp_doubles);
                cr_assert(!memcmp(b, sorted, n * sizeof *b), "%s kind %d n %zu: elements changed", name,
                          kind, n);
            }
        }
    free(a);
    free(sorted);
    free(b);
}

Test(stats, selection_is_the_sorted_order_statistic)
{
    check_select(stat_select, "stat_select");
    check_select(stat_select_hoare, "stat_select_hoare");
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

/* frequency.csv: customers by purchases 1..6, 7+ add up to new_customers,
 * and the bins from k on match the funnel's "k-th purchase" counts (the
 * same customers counted two ways); cohorts.gp's colour scale stops below
 * month 0's 1; customers.png has the per-day flows. */
static double csv_mean_of(const char *path, const char *row, int col)
{
    FILE *f = fopen(path, "r");
    cr_assert(f, "cannot open %s", path);
    char line[4096];
    double v = NAN;
    while (fgets(line, sizeof line, f)) {
        size_t n = strlen(row);
        if (strncmp(line, row, n) || line[n] != ',')
            continue;
        char *p = line;
        for (int c = 1; c < col && p; c++) {
            p = strchr(p, ',');
            p = p ? p + 1 : NULL;
        }
        cr_assert(p, "%s: row %s has no column %d", path, row, col);
        v = strtod(p, NULL);
    }
    fclose(f);
    cr_assert(!isnan(v), "%s: no row %s", path, row);
    return v;
}

Test(cli, run_frequency_adds_up_and_cohort_scale_skips_month_0)
{
    char dir[] = "/tmp/retsim-freq-XXXXXX";
    cr_assert(mkdtemp(dir));
    char cmd[1024], path[1200];
    snprintf(cmd, sizeof cmd, "%s run scenarios/clinic.ini --reps 4 --seed 3 --quiet --out %s/run", tu_bin(), dir);
    cr_assert_eq(tu_system(cmd), 0, "%s failed", cmd);

    snprintf(path, sizeof path, "%s/run/frequency.csv", dir);
    FILE *f = fopen(path, "r");
    cr_assert(f, "frequency.csv missing");
    char line[512];
    cr_assert(fgets(line, sizeof line, f));
    cr_expect_str_eq(line, "purchases,customers,ci_low,ci_high\n");
    static const char *const bins[] = { "1", "2", "3", "4", "5", "6", "7+" };
    double count[7], total = 0;
    int rows = 0;
    while (fgets(line, sizeof line, f)) {
        char label[16];
        double mean, lo, hi;
        cr_assert_eq(sscanf(line, "%15[^,],%lf,%lf,%lf", label, &mean, &lo, &hi), 4, "bad row: %s", line);
        cr_assert_lt(rows, 7, "more than 7 rows");
        cr_expect_str_eq(label, bins[rows]);
        cr_expect(lo <= mean && mean <= hi, "bin %s: %g outside its CI [%g, %g]", label, mean, lo, hi);
        count[rows++] = mean;
        total += mean;
    }
    fclose(f);
    cr_assert_eq(rows, 7, "expected bins 1..6 and 7+, got %d rows", rows);
    cr_expect_gt(count[6], 0, "clinic has regulars: the 7+ bin should not be empty");

    snprintf(path, sizeof path, "%s/run/metrics.csv", dir);
    double new_customers = csv_mean_of(path, "new_customers", 3);
    cr_expect(fabs(total - new_customers) <= 1e-6 * new_customers, "bins add up to %.6f, new_customers %.6f", total,
              new_customers);
    snprintf(path, sizeof path, "%s/run/funnel.csv", dir);
    static const struct { const char *step; int from; } funnel[] = {
        { "2nd purchase", 1 }, { "3rd purchase", 2 }, { "5th purchase", 4 },
    };
    for (int k = 0; k < 3; k++) {
        double from_bins = 0;
        for (int b = funnel[k].from; b < 7; b++)
            from_bins += count[b];
        double step = csv_mean_of(path, funnel[k].step, 2);
        cr_expect(fabs(from_bins - step) <= 1e-6 * step, "%s: %.6f in the funnel, %.6f from the bins",
                  funnel[k].step, step, from_bins);
    }

    /* month 0 is 1; every later share in clinic is below 0.2 */
    snprintf(path, sizeof path, "%s/run/cohorts.gp", dir);
    f = fopen(path, "r");
    cr_assert(f, "cohorts.gp missing");
    double cbmax = NAN;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "set cbrange [0:", 15))
            cbmax = strtod(line + 15, NULL);
    fclose(f);
    cr_expect(cbmax > 0 && cbmax < 0.5, "cohorts' colour scale should end below month 0's 1, got %g", cbmax);
    snprintf(cmd, sizeof cmd, "grep -q \"title 'visits per day\" %s/run/customers.gp", dir);
    cr_expect_eq(tu_system(cmd), 0, "customers plot lacks visits per day");
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    tu_system(cmd);
}

/* ---- the customer-by-customer path (sim/engine.c, independent_customers) ----
 *
 * When no module, queue, pilot or fitted base couples the customers, the
 * engine simulates each customer's whole life at once instead of running
 * the calendar.  Both paths make the same draws (streams keyed by customer,
 * visit and purpose), so every count must be identical and every sum equal
 * up to the order of floating-point additions (per-visit money summed
 * customer by customer instead of in time order).  Checked on every shipped
 * scenario that takes the path, and on the benchmark's textbook case. */

static int same_count(double a, double b)
{
    return (isnan(a) && isnan(b)) || a == b;
}

/* equal up to rounding: 1e-9 relative is far above the ~1e-13 a reordered
 * sum of a million terms can move, and far below any modelling change */
static int same_sum(double a, double b)
{
    return (isnan(a) && isnan(b)) || fabs(a - b) <= 1e-9 * fmax(1.0, fmax(fabs(a), fabs(b)));
}

static void compare_paths(const char *path, int *independent)
{
    diag d = { 0 };
    scenario *sc = scen_load(path, NULL, 0, &d);
    cr_assert(sc, "%s: %s", path, d.msg);
    engine *fast = engine_prepare(sc, &d), *cal = engine_prepare(sc, &d);
    cr_assert(fast && cal, "%s: %s", path, d.msg);
    engine_use_calendar(cal, 1);
    /* the path is the engine's own choice: 16 bytes a customer on it */
    if (engine_bytes_per_customer(fast) != 2 * sizeof(double)) {
        engine_free(fast);
        engine_free(cal);
        scen_free(sc);
        return;
    }
    cr_expect(engine_bytes_per_customer(cal) > 2 * sizeof(double), "%s: calendar not forced", path);
    (*independent)++;
    int H = engine_horizon(fast);
    engine_work *w1 = engine_work_alloc(fast), *w2 = engine_work_alloc(cal);
    rep_result *a = rep_alloc(H), *b = rep_alloc(H);
    cr_assert(w1 && w2 && a && b);
    for (int rep = 0; rep < 2; rep++) {
        cr_assert_eq(engine_replicate(fast, w1, 11, rep, a, &d), 0, "%s", d.msg);
        cr_assert_eq(engine_replicate(cal, w2, 11, rep, b, &d), 0, "%s", d.msg);
        cr_expect(a->metric[MET_VISITS] > 0, "%s: no visits", path);
        static const int counts[] = { MET_PROSPECTS, MET_NEW_CUSTOMERS, MET_NEVER_BOUGHT, MET_VISITS,
                                      MET_ACTIVE_END, MET_RETENTION_90, MET_RETENTION_365,
                                      MET_OBSERVED_RETENTION_365, MET_REPEAT_RATE, MET_CLV,
                                      MET_TOP20_SHARE, MET_FUNNEL_5TH };
        for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++)
            cr_expect(same_count(a->metric[counts[k]], b->metric[counts[k]]),
                      "%s rep %d: metric %d %.17g (customer by customer) != %.17g (calendar)", path, rep,
                      counts[k], a->metric[counts[k]], b->metric[counts[k]]);
        for (int m = 0; m < MET_COUNT; m++)
            cr_expect(same_sum(a->metric[m], b->metric[m]), "%s rep %d: metric %d %.17g != %.17g",
                      path, rep, m, a->metric[m], b->metric[m]);
        for (int cidx = 0; cidx < CUR_COUNT; cidx++) {
            int count = cidx == CUR_RETENTION || cidx == CUR_OBSERVED_RETENTION || cidx == CUR_ACTIVE
                        || cidx == CUR_SILENT || cidx == CUR_DORMANT || cidx == CUR_NEW_CUSTOMERS
                        || cidx == CUR_VISITS;
            int ok = 1;
            for (int t = 0; t <= H; t++)
                ok &= count ? same_count(a->curve[cidx][t], b->curve[cidx][t])
                            : same_sum(a->curve[cidx][t], b->curve[cidx][t]);
            cr_expect(ok, "%s rep %d: curve %d differs", path, rep, cidx);
        }
        int ok = 1;
        for (int k = 0; k < COHORT_CELLS; k++)
            ok &= same_count(a->cohort[k], b->cohort[k]);
        for (int k = 0; k < RFM_CELLS; k++)
            ok &= same_count(a->rfm[k], b->rfm[k]);
        for (int k = 0; k < FREQ_BINS; k++)
            ok &= same_count(a->frequency[k], b->frequency[k]);
        for (int k = 0; k < CLV_QUANTILES; k++)
            ok &= same_count(a->clv_quantile[k], b->clv_quantile[k]);
        cr_expect(ok, "%s rep %d: cohorts, RFM, frequency or value quantiles differ", path, rep);
    }
    rep_free(a);
    rep_free(b);
    engine_work_free(w1);
    engine_work_free(w2);
    engine_free(fast);
    engine_free(cal);
    scen_free(sc);
}

Test(engine, customer_by_customer_equals_the_calendar, .timeout = 600)
{
    glob_t g;
    cr_assert_eq(glob("scenarios/*.ini", 0, NULL, &g), 0, "no scenarios/*.ini (run from the project root)");
    int independent = 0;
    compare_paths("bench/textbook.ini", &independent);
    cr_assert_eq(independent, 1, "the textbook case no longer takes the customer-by-customer path");
    for (size_t i = 0; i < g.gl_pathc; i++)
        compare_paths(g.gl_pathv[i], &independent);
    globfree(&g);
    /* at least the textbook case and one shipped scenario: otherwise this checks nothing */
    cr_expect(independent >= 2, "only %d scenario(s) took the customer-by-customer path", independent);
}
