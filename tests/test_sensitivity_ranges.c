/* retsim sensitivity on keys that hold a distribution (issue 11): each runs
 * at its 5 % and 95 % quantiles (dist_quantile), the others at their point
 * values, on the same customers; the ranges are ranked beside the +/- delta
 * moves.  A scenario without such keys writes what it always did.
 *
 * Runs with the working directory at the repository root. */
#include <criterion/criterion.h>

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "../cli/sensitivity_ranges.h"
#include "../sim/batch.h"
#include "../sim/uncertain.h"
#include "util.h"

#define CLINIC "scenarios/clinic.ini"

/* ---- the quantile of each family ---- */

/* A number key of 0 to 1, open at both ends (a probability or a lift). */
static const scen_key share_key = { "lift", KEY_REAL, 0, 0.1, 0, 1, KEY_MIN_OPEN | KEY_MAX_OPEN, "",
                                    NULL, "" };
/* A number key above 0 (a bill). */
static const scen_key money_key = { "mean", KEY_REAL, 0, 1, 0, 1e12, KEY_MIN_OPEN, "", NULL, "" };

static scen_dist parsed(const scen_key *k, const char *text)
{
    scen_dist dist;
    diag d = { 0 };
    cr_assert_eq(dist_parse(k, text, "test:", &dist, &d), 0, "%s: %s", text, d.msg);
    return dist;
}

static void near(double got, double want, double tol, const char *what)
{
    cr_expect(fabs(got - want) <= tol * fmax(1, fabs(want)), "%s: %.17g, expected %.17g", what, got, want);
}

Test(quantile, closed_forms_of_every_family)
{
    const double z95 = 1.6448536269514722; /* the standard normal's 95 % quantile */
    scen_dist u = parsed(&share_key, "0.05..0.15");
    near(dist_quantile(&u, &share_key, 0.05), 0.055, 1e-15, "uniform 5 %");
    near(dist_quantile(&u, &share_key, 0.95), 0.145, 1e-15, "uniform 95 %");
    cr_expect_eq(dist_quantile(&u, &share_key, 0.5), 0.1, "the midpoint exactly");
    scen_dist n = parsed(&share_key, "normal(0.5, 0.05)");
    near(dist_quantile(&n, &share_key, 0.05), 0.5 - z95 * 0.05, 1e-12, "normal 5 %");
    near(dist_quantile(&n, &share_key, 0.95), 0.5 + z95 * 0.05, 1e-12, "normal 95 %");
    cr_expect_eq(dist_quantile(&n, &share_key, 0.5), 0.5);
    /* beta(1, b) and beta(a, 1) have closed-form quantiles */
    scen_dist b1 = parsed(&share_key, "beta(1, 4)");
    near(dist_quantile(&b1, &share_key, 0.05), 1 - pow(0.95, 0.25), 1e-10, "beta(1, 4) 5 %");
    scen_dist b2 = parsed(&share_key, "beta(3, 1)");
    near(dist_quantile(&b2, &share_key, 0.95), pow(0.95, 1.0 / 3), 1e-10, "beta(3, 1) 95 %");
    scen_dist ln = parsed(&money_key, "lognormal(3, 0.2)");
    near(dist_quantile(&ln, &money_key, 0.05), exp(3 - 0.2 * z95), 1e-12, "lognormal 5 %");
    near(dist_quantile(&ln, &money_key, 0.95), exp(3 + 0.2 * z95), 1e-12, "lognormal 95 %");
    /* gamma(1, theta) is the exponential */
    scen_dist g = parsed(&money_key, "gamma(1, 40)");
    near(dist_quantile(&g, &money_key, 0.05), -40 * log(0.95), 1e-10, "gamma(1, 40) 5 %");
    near(dist_quantile(&g, &money_key, 0.95), -40 * log(0.05), 1e-10, "gamma(1, 40) 95 %");
}

Test(quantile, inverts_the_cdf_and_keeps_order)
{
    static const struct { const char *text; int money; } cases[] = {
        { "beta(2, 18)", 0 }, { "beta(0.5, 0.5)", 0 }, { "uniform(0.2, 0.3)", 0 },
        { "normal(0.5, 0.05)", 0 }, { "lognormal(7, 0.3)", 1 }, { "gamma(2.5, 10)", 1 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const scen_key *k = cases[i].money ? &money_key : &share_key;
        scen_dist s = parsed(k, cases[i].text);
        double prev = -INFINITY;
        for (double p = 0.05; p < 0.96; p += 0.15) {
            double q = dist_quantile(&s, k, p), back;
            switch (s.kind) {
            case DIST_BETA: back = gsl_cdf_beta_P(q, s.a, s.b); break;
            case DIST_UNIFORM: back = gsl_cdf_flat_P(q, s.a, s.b); break;
            case DIST_NORMAL: back = gsl_cdf_gaussian_P(q - s.a, s.b); break;
            case DIST_LOGNORMAL: back = gsl_cdf_lognormal_P(q, s.a, s.b); break;
            default: back = gsl_cdf_gamma_P(q, s.a, s.b); break;
            }
            near(back, p, 1e-9, cases[i].text);
            cr_expect(q > prev, "%s: the %g quantile %g is not above the last", cases[i].text, p, q);
            cr_expect(q >= s.lo && q <= s.hi, "%s: %g outside [%g, %g]", cases[i].text, q, s.lo, s.hi);
            prev = q;
        }
    }
}

Test(quantile, held_inside_the_key_and_nan_outside_0_1)
{
    /* beta(0.01, 5)'s 5 % quantile is 9.9e-132 */
    scen_dist s = parsed(&share_key, "beta(0.01, 5)");
    double q = dist_quantile(&s, &share_key, 0.05);
    cr_expect(q > 9e-132 && q < 1.1e-131, "%g", q);
    /* beta(0.001, 5)'s is below the smallest double (GSL's inverse gives
     * NAN there): 0 by the CDF, which the open key holds just above 0 */
    s = parsed(&share_key, "beta(0.001, 5)");
    q = dist_quantile(&s, &share_key, 0.05);
    cr_expect(q > 0 && q < 1e-300, "%g", q);
    /* without a key, the smallest double whose CDF reaches 5 % */
    q = dist_quantile(&s, NULL, 0.05);
    cr_expect(q >= 0 && q < 1e-300 && gsl_cdf_beta_P(q, 0.001, 5) >= 0.05, "%g", q);
    near(dist_quantile(&s, &share_key, 0.995), gsl_cdf_beta_Pinv(0.995, 0.001, 5), 1e-9, "its 99.5 %");
    cr_expect(isnan(dist_quantile(&s, &share_key, 0)));
    cr_expect(isnan(dist_quantile(&s, &share_key, 1)));
    cr_expect(isnan(dist_quantile(&s, &share_key, NAN)));
}

/* ---- the ranges in sensitivity ---- */

/* churn 0.55 either way; beta(11, 9) spans 0.37 to 0.73, normal(2800, 10)
 * moves the bill by 0.6 % */
static const char *const two_keys[] = { "scenario.horizon_days=180", "churn.mean=beta(11, 9)",
                                        "spend.mean=normal(2800, 10)" };

static run_result *explicit_run(const char *const *extra, int nextra, const run_opts *o)
{
    const char *sets[8];
    for (int i = 0; i < 3; i++)
        sets[i] = two_keys[i];
    for (int i = 0; i < nextra; i++)
        sets[3 + i] = extra[i];
    batch *b = calloc(1, sizeof *b);
    cr_assert(b);
    diag d = { 0 };
    cr_assert_eq(batch_add(b, CLINIC, sets, 3 + nextra, NULL, &d), 0, "%s", d.msg);
    run_result *res = NULL;
    cr_assert_eq(sim_run(b->e, b->n, o, &res, &d), 0, "%s", d.msg);
    batch_free(b);
    free(b);
    return res;
}

Test(sens_ranges, the_wide_range_ranks_first_and_its_swing_is_two_explicit_runs, .timeout = 300)
{
    diag d = { 0 };
    scenario *sc = scen_load(CLINIC, two_keys, 3, &d);
    cr_assert(sc, "%s", d.msg);
    run_opts o = { .seed = 7, .reps = 6, .threads = 2 };
    sens_param r[8];
    int nr = 0;
    run_result *res = NULL;
    cr_assert_eq(sensitivity_ranges(sc, CLINIC, two_keys, 3, &o, MET_PROFIT, r, 8, &nr, &res, &d), 0,
                 "%s", d.msg);
    cr_assert_eq(nr, 2);
    cr_expect_str_eq(r[0].name, "churn.mean");
    cr_expect_str_eq(r[1].name, "spend.mean");
    cr_expect(r[0].swing > 3 * r[1].swing, "churn %g, spend %g", r[0].swing, r[1].swing);
    cr_expect_str_eq(r[0].moved, "5-95 % of beta(11, 9)");
    cr_expect_str_eq(r[1].moved, "5-95 % of normal(2800, 10)");
    cr_expect(r[0].range && r[1].range && !r[0].note[0] && !r[1].note[0]);
    cr_expect_eq(r[0].base, 0.55);
    cr_expect_eq(r[1].base, 2800);
    /* the point-valued base and 2 runs a key, drawn from nothing */
    cr_expect_eq(res->nscen, 5);
    cr_expect_eq(res->draws, 0);
    for (int i = 0; i < 2; i++) {
        /* the quantiles as values, and the runs made explicitly at them
         * (every other key at its point value: --param-uncertainty off) */
        char lo[300], hi[300];
        snprintf(lo, sizeof lo, "%.200s=%.17g", r[i].name, r[i].low);
        snprintf(hi, sizeof hi, "%.200s=%.17g", r[i].name, r[i].high);
        run_opts off = o;
        off.param_uncertainty_off = 1;
        const char *at_lo[] = { lo }, *at_hi[] = { hi };
        run_result *x05 = explicit_run(at_lo, 1, &off), *x95 = explicit_run(at_hi, 1, &off);
        double m05 = stat_vec_get(x05->scen[0].metric, MET_PROFIT).mean;
        double m95 = stat_vec_get(x95->scen[0].metric, MET_PROFIT).mean;
        cr_expect(r[i].swing == fabs(m95 - m05), "%s: swing %.17g, explicit runs %.17g - %.17g",
                  r[i].name, r[i].swing, m95, m05);
        /* each change is the paired difference from the point-valued base */
        run_result *base = explicit_run(NULL, 0, &off);
        double mb = stat_vec_get(base->scen[0].metric, MET_PROFIT).mean;
        cr_expect(stat_vec_get(res->scen[0].metric, MET_PROFIT).mean == mb);
        cr_expect(fabs(r[i].profit_low.mean - (m05 - mb)) <= 1e-9 * fabs(mb), "%s 5 %%", r[i].name);
        cr_expect(fabs(r[i].profit_high.mean - (m95 - mb)) <= 1e-9 * fabs(mb), "%s 95 %%", r[i].name);
        run_result_free(x05);
        run_result_free(x95);
        run_result_free(base);
    }
    /* a lower churn keeps more customers: profit higher at the 5 % quantile */
    cr_expect(r[0].profit_low.mean > 0 && r[0].profit_high.mean < 0);
    run_result_free(res);
    scen_free(sc);
}

Test(sens_ranges, a_scenario_of_plain_numbers_has_no_range)
{
    diag d = { 0 };
    scenario *sc = scen_load(CLINIC, NULL, 0, &d);
    cr_assert(sc, "%s", d.msg);
    run_opts o = { .seed = 1, .reps = 2, .threads = 1 };
    sens_param r[2];
    int nr = -1;
    run_result *res = (run_result *)&nr; /* must come back NULL */
    cr_expect_eq(sensitivity_ranges(sc, CLINIC, NULL, 0, &o, MET_PROFIT, r, 2, &nr, &res, &d), 0);
    cr_expect_eq(nr, 0);
    cr_expect(res == NULL);
    scen_free(sc);
}

/* ---- the command ---- */

static int capture(const char *cmd, char **out)
{
    char full[4096];
    snprintf(full, sizeof full, "%s 2>&1 </dev/null", cmd);
    FILE *p = popen(full, "r");
    cr_assert(p, "popen %s", cmd);
    size_t cap = 1 << 16, n = 0, got;
    char *buf = malloc(cap);
    cr_assert(buf);
    while ((got = fread(buf + n, 1, cap - n - 1, p)) > 0) {
        n += got;
        if (cap - n < 1024) {
            cap *= 2;
            buf = realloc(buf, cap);
            cr_assert(buf);
        }
    }
    buf[n] = '\0';
    int st = pclose(p);
    *out = buf;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f, "%s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    cr_assert(buf);
    cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* The n-th line (from 0) of text, into buf. */
static const char *line_of(const char *text, int n, char *buf, size_t cap)
{
    for (; n > 0 && text; n--)
        text = strchr(text, '\n') ? strchr(text, '\n') + 1 : NULL;
    cr_assert(text);
    size_t len = strcspn(text, "\n");
    snprintf(buf, cap, "%.*s", (int)len, text);
    return buf;
}

Test(sens_ranges_cli, ranges_in_the_csv_the_tornado_and_the_console, .timeout = 300)
{
    char dir[] = "/tmp/retsim-sensr-XXXXXX";
    cr_assert(mkdtemp(dir));
    char cmd[2048], path[700], line[1024], *out;
    snprintf(cmd, sizeof cmd,
             "%s sensitivity " CLINIC " --reps 4 --threads 2 --set scenario.horizon_days=180 "
             "--set 'churn.mean=beta(11, 9)' --set 'spend.mean=normal(2800, 10)' --out %s/s",
             tu_bin(), dir);
    cr_assert_eq(capture(cmd, &out), 0, "%s\n%s", cmd, out);
    cr_expect(strstr(out, "left out") == NULL, "%s", out);
    cr_expect(strstr(out, "each key holding a distribution at its 5 % and 95 % quantiles") != NULL, "%s", out);
    cr_expect(strstr(out, "churn.mean 0.55 -> 0.368115 / 0.726054 (5-95 % of beta(11, 9))") != NULL, "%s", out);
    /* the wide range before the narrow one */
    char *churn = strstr(out, "churn.mean 0.55"), *spend = strstr(out, "spend.mean 2800");
    cr_expect(churn && spend && churn < spend, "%s", out);
    free(out);

    snprintf(path, sizeof path, "%s/s/sensitivity.csv", dir);
    char *csv = slurp(path);
    cr_expect(strstr(line_of(csv, 0, line, sizeof line), ",swing,moved,note") != NULL, "%s", line);
    cr_expect(strstr(csv, ",\"5-95 % of beta(11, 9)\",\"\"\n") != NULL, "%s", csv);
    cr_expect(strstr(csv, ",\"5-95 % of normal(2800, 10)\",\"\"\n") != NULL, "%s", csv);
    cr_expect(strstr(csv, ",\"\u00b110 %\",\"\"\n") != NULL, "%s", csv);
    cr_expect(strstr(csv, "\nchurn.mean,0.55,0.368115207,0.7260541549,") != NULL, "%s", csv);
    /* the moved rows first, ranked as before; the ranges after them */
    cr_expect(strstr(csv, "churn.mean,") < strstr(csv, "spend.mean,"));
    cr_expect(strstr(csv, "economics.gross_margin,") < strstr(csv, "churn.mean,"));
    free(csv);

    snprintf(path, sizeof path, "%s/s/tornado.csv", dir);
    char *torn = slurp(path);
    /* no comma in a bar's name: gnuplot splits the fields at every one */
    cr_expect(!strncmp(line_of(torn, 1, line, sizeof line), "churn.mean 0.3681->0.7261 (5-95 %),", 35), "%s", line);
    cr_expect(!strncmp(line_of(torn, 2, line, sizeof line), "spend.mean 2784->2816 (5-95 %),", 31),
              "%s", line);
    for (int i = 1; i <= TORNADO_ROWS; i++) {
        int commas = 0;
        for (const char *c = line_of(torn, i, line, sizeof line); *c; c++)
            commas += *c == ',';
        cr_expect_eq(commas, 5, "%s", line);
    }
    int rows = 0;
    for (const char *c = torn; *c; c++)
        rows += *c == '\n';
    cr_expect_eq(rows, 1 + TORNADO_ROWS, "%s", torn);
    free(torn);
    snprintf(cmd, sizeof cmd, "test -s %s/s/tornado.png", dir);
    cr_expect_eq(tu_system(cmd), 0);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    tu_system(cmd);
}

static const char old_header[] =
    "parameter,base_value,low_value,high_value,low_move,high_move,profit_change_low,"
    "profit_change_low_ci_low,profit_change_low_ci_high,profit_change_high,"
    "profit_change_high_ci_low,profit_change_high_ci_high,retention_365_change_low,"
    "retention_365_change_high,swing,note\n";

/* Without a distribution the outputs are those from before the ranges: the
 * same header and rows.  With RETSIM_MAIN_BIN (a retsim built from main),
 * every file and the console are compared with its, byte for byte. */
Test(sens_ranges_cli, plain_numbers_write_what_they_always_did, .timeout = 300)
{
    char dir[] = "/tmp/retsim-sensp-XXXXXX";
    cr_assert(mkdtemp(dir));
    const char *main_bin = getenv("RETSIM_MAIN_BIN");
    char cmd[2048], path[700], *out[2] = { NULL, NULL };
    for (int v = 0; v < (main_bin && *main_bin ? 2 : 1); v++) {
        snprintf(cmd, sizeof cmd,
                 "%s sensitivity scenarios/salon_reminder.ini --reps 4 --threads 2 "
                 "--set scenario.horizon_days=365 --out %s/s",
                 v ? main_bin : tu_bin(), dir);
        snprintf(cmd + strlen(cmd), sizeof cmd - strlen(cmd), "%d", v);
        cr_assert_eq(capture(cmd, &out[v]), 0, "%s\n%s", cmd, out[v]);
    }
    snprintf(path, sizeof path, "%s/s0/sensitivity.csv", dir);
    char *csv = slurp(path);
    cr_expect(!strncmp(csv, old_header, strlen(old_header)), "%.400s", csv);
    cr_expect(strstr(csv, "5-95") == NULL && strstr(csv, "\u00b1") == NULL);
    free(csv);
    cr_expect(strstr(out[0], "quantiles") == NULL, "%s", out[0]);
    if (out[1]) {
        /* the console names its folder: s0 against s1 */
        char *s1 = strstr(out[1], "/s1/");
        cr_assert(s1);
        s1[2] = '0';
        cr_expect_str_eq(out[0], out[1]);
        static const char *const files[] = { "sensitivity.csv", "tornado.csv", "tornado.gp", "tornado.png",
                                             NULL };
        for (int i = 0; files[i]; i++) {
            snprintf(cmd, sizeof cmd, "cmp -s %s/s0/%s %s/s1/%s", dir, files[i], dir, files[i]);
            cr_expect_eq(tu_system(cmd), 0, "%s differs from main's", files[i]);
        }
    }
    free(out[0]);
    free(out[1]);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    tu_system(cmd);
}

/* Bad inputs: the same refusals, exit 2, as before the ranges. */
Test(sens_ranges_cli, bad_inputs_are_refused_as_before)
{
    static const struct { const char *args, *says; } bad[] = {
        { "", "sensitivity takes one scenario" },
        { CLINIC " " CLINIC, "sensitivity takes one scenario" },
        { CLINIC " --delta 0", "--delta 0 is out of range" },
        { CLINIC " --metric nope", "--metric nope: no such metric" },
        { CLINIC " --set churn.mean=0.1..", "expected a range lo..hi of two numbers" },
        { CLINIC " --set 'churn.mean=normal(0.5, 0.2)'", "outside the allowed" },
        { "no-such-file.ini", "cannot open the scenario" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char cmd[1024], *out;
        snprintf(cmd, sizeof cmd, "%s sensitivity %s --out /tmp/retsim-sens-never", tu_bin(), bad[i].args);
        cr_expect_eq(capture(cmd, &out), 2, "%s\n%s", cmd, out);
        cr_expect(strstr(out, bad[i].says) != NULL, "%s: '%s'", cmd, out);
        free(out);
    }
}
