/* retsim pilot --rollout on the shipped pilot log (examples/pilot_loyalty_sms.csv,
 * made by `retsim run scenarios/pilot_loyalty_sms.ini --write-log`): the
 * README's walk-through prints what the README says, the outputs are there
 * and agree with each other, the thread count changes nothing, the page
 * renders in headless Chromium in both languages, and bad options exit 2
 * with nothing written. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "../present/rollout.h"

#define LOG "examples/pilot_loyalty_sms.csv"
#define WALK "pilot " LOG " --group group --start 2025-01-03 --rollout --cost-per-use 1.5"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    cr_assert(buf);
    size_t got = fread(buf, 1, (size_t)n, f);
    buf[got] = '\0';
    fclose(f);
    return buf;
}

static void tmpdir(char *t)
{
    cr_assert(mkdtemp(t), "mkdtemp");
}

static void rmdir_all(const char *t)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", t);
    tu_system(cmd);
}

/* the line of text holding needle, copied into buf */
static int line_with(const char *text, const char *needle, char *buf, size_t cap)
{
    const char *p = strstr(text, needle);
    if (!p)
        return 0;
    const char *b = p;
    while (b > text && b[-1] != '\n')
        b--;
    const char *e = strchr(p, '\n');
    size_t n = e ? (size_t)(e - b) : strlen(b);
    if (n >= cap)
        n = cap - 1;
    memcpy(buf, b, n);
    buf[n] = '\0';
    return 1;
}

static double lever_field(json_t *model, const char *lever, const char *field)
{
    return json_number_value(json_object_get(json_object_get(json_object_get(model, "levers"), lever), field));
}

/* rollout_draws.csv (present/rollout.c): param_draws.csv's rows, each with
 * a (rate, dropout) pair drawn jointly from the estimate's law, antithetic
 * in pairs of rows.  The pairs' log ratios: mean the estimate exactly, sd
 * each lever's se and correlation the estimates' (summary.json, model) within
 * 4 SE, with n = rows / 2 independent draws (sd: SE sd / sqrt(2 n); Pearson's
 * r: SE (1 - rho^2) / sqrt(n - 1), Fisher's large-sample variance); and
 * the correlation told apart from 0, so that independent draws fail. */
static void check_joint_draws(const char *dir)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    json_error_t err;
    json_t *root = json_load_file(path, 0, &err);
    cr_assert(root, "summary.json: %s", err.text);
    json_t *model = json_object_get(root, "model");
    double rho = json_number_value(json_object_get(model, "rate_dropout_correlation"));
    double mr = lever_field(model, "purchase_rate", "log_ratio"), sr = lever_field(model, "purchase_rate", "se");
    double md = lever_field(model, "dropout", "log_ratio"), sd = lever_field(model, "dropout", "se");
    cr_assert(json_is_true(json_object_get(json_object_get(root, "rollout"), "rate_dropout_joint")),
              "the walk-through's rate and dropout are not drawn jointly");
    cr_assert(sr > 0 && sd > 0 && rho != 0, "no covariance to check: se %g, %g, correlation %g", sr, sd, rho);
    json_decref(root);
    snprintf(path, sizeof path, "%s/rollout_draws.csv", dir);
    FILE *f = fopen(path, "r");
    cr_assert(f, "%s is missing", path);
    snprintf(path, sizeof path, "%s/param_draws.csv", dir);
    FILE *pd = fopen(path, "r");
    cr_assert(pd, "%s is missing", path);
    char line[4096], base[4096];
    cr_assert(fgets(line, sizeof line, f) && fgets(base, sizeof base, pd));
    base[strcspn(base, "\n")] = '\0';
    cr_expect(!strncmp(line, base, strlen(base))
                  && !strcmp(line + strlen(base), ",measured_effect.rate_ratio,measured_effect.dropout_ratio\n"),
              "rollout_draws.csv's header: %s", line);
    int n = 0, unpaired = 0;
    double s[2] = { 0 }, ss[2] = { 0 }, sxy = 0;
    while (fgets(line, sizeof line, f)) {
        cr_assert(fgets(base, sizeof base, pd), "rollout_draws.csv has more rows than param_draws.csv");
        base[strcspn(base, "\n")] = '\0';
        unpaired += strncmp(line, base, strlen(base)) != 0 || line[strlen(base)] != ',';
        double v[2];
        cr_assert(sscanf(line + strlen(base) + 1, "%lf,%lf", &v[0], &v[1]) == 2, "row %d: %s", n + 1, line);
        v[0] = log(v[0]) - mr;
        v[1] = log(v[1]) - md;
        for (int j = 0; j < 2; j++)
            s[j] += v[j], ss[j] += v[j] * v[j];
        sxy += v[0] * v[1];
        n++;
    }
    cr_expect(!fgets(base, sizeof base, pd), "rollout_draws.csv has fewer rows than param_draws.csv");
    fclose(f);
    fclose(pd);
    cr_expect_eq(unpaired, 0, "%d rows of rollout_draws.csv do not carry param_draws.csv's row", unpaired);
    cr_assert(n >= 100 && n % 2 == 0, "%d rows", n);
    double m[2] = { s[0] / n, s[1] / n }, se[2] = { sr, sd }, sdv[2];
    for (int j = 0; j < 2; j++) {
        cr_expect(fabs(m[j]) < 1e-6 * se[j], "lever %d: the draws' mean is %g se off the estimate", j, m[j] / se[j]);
        sdv[j] = sqrt(ss[j] / n - m[j] * m[j]);
    }
    double neff = n / 2.0;
    for (int j = 0; j < 2; j++) {
        double e = se[j] / sqrt(2 * neff);
        cr_expect(fabs(sdv[j] - se[j]) <= 4 * e, "lever %d: the draws' sd %.5f against the se %.5f (%.1f SE)", j,
                  sdv[j], se[j], (sdv[j] - se[j]) / e);
    }
    double r = (sxy / n - m[0] * m[1]) / (sdv[0] * sdv[1]);
    double e = (1 - rho * rho) / sqrt(neff - 1);
    cr_expect(fabs(r - rho) <= 4 * e, "the drawn pairs correlate %.4f, the estimates %.4f (%.1f SE, SE %.4f)", r,
              rho, (r - rho) / e, e);
    cr_expect(fabs(rho) > 4 * e, "the estimates' correlation %.4f is not told apart from independent draws (SE %.4f)",
              rho, e);
    cr_log_info("rollout_draws.csv: %d rows, correlation %.4f against %.4f (z %+.2f), sd %.4f/%.4f, %.4f/%.4f", n, r,
                rho, (r - rho) / e, sdv[0], sr, sdv[1], sd);
}

Test(rollout_cmd, the_readme_walk_through_prints_what_the_readme_says, .timeout = 600)
{
    char t[] = "/tmp/retsim-rollout-XXXXXX";
    tmpdir(t);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "%s " WALK " -o %s/out > %s/stdout.txt 2>%s/stderr.txt", tu_bin(), t, t, t);
    cr_assert_eq(tu_system(cmd), 0, "the walk-through failed: %s", cmd);
    char path[700];
    snprintf(path, sizeof path, "%s/stdout.txt", t);
    char *out = slurp(path);
    cr_assert(out);
    /* the verdict line and the profit lines, as printed, are in the README */
    char *readme = slurp("README.md");
    cr_assert(readme, "README.md not found (run from the project root)");
    const char *needles[] = { "chance it loses money", "incremental profit per month:",
                              "break-even cost per use:", "measured effect (bgnbd_covariate estimate):",
                              "rate and dropout drawn jointly" };
    for (int k = 0; k < 5; k++) {
        char line[600];
        cr_assert(line_with(out, needles[k], line, sizeof line), "no '%s' in the output:\n%s", needles[k], out);
        const char *l = line;
        while (*l == ' ')
            l++;
        cr_expect(strstr(readme, l) != NULL, "the README lacks the printed line '%s': update its walk-through", l);
    }
    /* the files */
    const char *files[] = { "rollout.ini", "rollout.csv", "fitted.ini", "customers_base.csv", "param_draws.csv",
                            "rollout_draws.csv", "summary.json", "report.html", "report.zh.html" };
    for (int k = 0; k < 9; k++) {
        struct stat st;
        snprintf(path, sizeof path, "%s/out/%s", t, files[k]);
        cr_expect(stat(path, &st) == 0 && st.st_size > 0, "%s is missing or empty", path);
    }
    /* rollout.ini holds the measured effect as uncertain values and the cost */
    snprintf(path, sizeof path, "%s/out/rollout.ini", t);
    char *ini = slurp(path);
    cr_assert(ini);
    /* (rate and dropout jointly through the draws file, spend alone) */
    cr_expect(strstr(ini, "[measured_effect]") && strstr(ini, "spend_ratio = lognormal(") &&
                  strstr(ini, "draws = rollout_draws.csv") && strstr(ini, "rate_ratio = ") &&
                  strstr(ini, "dropout_ratio = ") && strstr(ini, "cost_per_use = 1.5"),
              "rollout.ini lacks the measured effect:\n%s", ini);
    snprintf(path, sizeof path, "%s/out", t);
    check_joint_draws(path);
    /* summary.json: the verdict printed, an interval around the estimate, P(loss) a probability */
    snprintf(path, sizeof path, "%s/out/summary.json", t);
    json_error_t err;
    json_t *root = json_load_file(path, 0, &err);
    cr_assert(root, "summary.json: %s", err.text);
    json_t *ro = json_object_get(root, "rollout");
    cr_assert(ro, "summary.json has no rollout");
    const char *verdict = json_string_value(json_object_get(ro, "verdict"));
    cr_assert(verdict);
    cr_expect(strstr(out, verdict) != NULL, "the printed verdict differs from summary.json's '%s'", verdict);
    cr_expect(strstr(readme, verdict) != NULL, "the README lacks the verdict '%s': update its walk-through", verdict);
    json_t *p = json_object_get(ro, "incremental_profit_total");
    double m = json_real_value(json_object_get(p, "mean")), lo = json_real_value(json_object_get(p, "ci_low")),
           hi = json_real_value(json_object_get(p, "ci_high"));
    cr_expect(lo < m && m < hi, "incremental profit %g outside its interval [%g, %g]", m, lo, hi);
    double pl = json_real_value(json_object_get(ro, "p_loss"));
    cr_expect(pl >= 0 && pl <= 1, "p_loss %g", pl);
    /* P(loss) follows the interval: below 2.5 % exactly when the interval is above 0 */
    cr_expect((lo > 0) == (pl < 0.025), "p_loss %g against the interval [%g, %g]", pl, lo, hi);
    /* the break-even cost per use: at it, the rollout makes nothing; the
     * given cost is below it exactly when the profit is above 0 */
    double be = json_real_value(json_object_get(json_object_get(ro, "break_even_cost_per_use"), "mean"));
    cr_expect((be > 1.5) == (m > 0), "break-even %g against profit %g at cost 1.5", be, m);
    json_decref(root);
    free(ini);
    free(out);
    free(readme);
    rmdir_all(t);
}

Test(rollout_cmd, the_same_for_any_thread_count, .timeout = 600)
{
    char t[] = "/tmp/retsim-rollout-XXXXXX";
    tmpdir(t);
    char cmd[1200];
    for (int th = 1; th <= 2; th++) {
        snprintf(cmd, sizeof cmd, "%s " WALK " --reps 24 --threads %d -q -o %s/t%d", tu_bin(), th, t, th);
        cr_assert_eq(tu_system(cmd), 0, "%s", cmd);
    }
    char a[700], b[700];
    snprintf(a, sizeof a, "%s/t1/rollout.csv", t);
    snprintf(b, sizeof b, "%s/t2/rollout.csv", t);
    char *x = slurp(a), *y = slurp(b);
    cr_assert(x && y);
    cr_expect_str_eq(x, y, "rollout.csv differs between 1 and 2 threads");
    free(x);
    free(y);
    rmdir_all(t);
}

Test(rollout_cmd, the_page_renders_in_headless_chromium_in_both_languages, .timeout = 600)
{
    const char *chrome = getenv("RETSIM_CHROMIUM");
    if (!chrome || !*chrome)
        chrome = access("/usr/bin/chromium", X_OK) == 0 ? "/usr/bin/chromium" : "chromium";
    char t[] = "/tmp/retsim-rollout-XXXXXX";
    tmpdir(t);
    char cmd[2400];
    snprintf(cmd, sizeof cmd, "%s " WALK " --reps 24 -q -o %s/out", tu_bin(), t);
    cr_assert_eq(tu_system(cmd), 0, "%s", cmd);
    const char *pages[] = { "report.html", "report.zh.html" };
    const char *words[] = { "chance it loses money", "\xe6" }; /* a Chinese page: some CJK text */
    for (int k = 0; k < 2; k++) {
        snprintf(cmd, sizeof cmd,
                 "cd '%s' && d=$(mktemp -d ./profile-XXXXXX) && '%s' --headless --no-sandbox --disable-gpu "
                 "--no-first-run --disable-dev-shm-usage --user-data-dir=\"$d\" --dump-dom 'file://%s/out/%s' "
                 "> dom%d.html 2>>chromium.log; rc=$?; rm -rf \"$d\"; exit $rc",
                 t, chrome, t, pages[k], k);
        cr_assert_eq(tu_system(cmd), 0, "chromium failed on %s (is it installed? tools/ensure-deps.sh test)",
                     pages[k]);
        char path[700];
        snprintf(path, sizeof path, "%s/dom%d.html", t, k);
        char *dom = slurp(path);
        cr_assert(dom);
        cr_expect(strstr(dom, "<svg") != NULL, "%s: no plot in the rendered page", pages[k]);
        cr_expect(strstr(dom, "class=\"verdict\"") != NULL, "%s: no verdict in the rendered page", pages[k]);
        cr_expect(strstr(dom, words[k]) != NULL, "%s: the rendered page lacks '%s'", pages[k], words[k]);
        cr_expect(strstr(dom, "<table") != NULL, "%s: no table", pages[k]);
        free(dom);
    }
    rmdir_all(t);
}

Test(rollout_cmd, bad_options_exit_2_and_write_nothing, .timeout = 120)
{
    const char *bad[] = {
        "--rollout --cost-per-use -1",    "--rollout --cost-per-use abc",   "--rollout --gross-margin 0",
        "--rollout --gross-margin 1.5",   "--rollout --reps 2",             "--rollout --horizon-days 0",
        "--rollout --material 5",         "--cost-per-use 2",               "--horizon-days 100",
        "--rollout --cost-per-customer-month nan",
    };
    const char *words[] = { "--cost-per-use", "--cost-per-use", "--gross-margin", "--gross-margin", "--reps",
                            "--horizon-days", "material", "--rollout", "--rollout", "--cost-per-customer-month" };
    char t[] = "/tmp/retsim-rollout-XXXXXX";
    tmpdir(t);
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        char cmd[1200], path[700];
        snprintf(cmd, sizeof cmd, "%s pilot " LOG " --group group --start 2025-01-03 %s -o %s/out 2> %s/err.txt",
                 tu_bin(), bad[k], t, t);
        cr_expect_eq(tu_system(cmd), 2, "'%s' did not exit 2", bad[k]);
        struct stat st;
        snprintf(path, sizeof path, "%s/out", t);
        cr_expect(stat(path, &st) != 0, "'%s' left an output folder", bad[k]);
        snprintf(path, sizeof path, "%s/err.txt", t);
        char *err = slurp(path);
        cr_assert(err);
        cr_expect(strstr(err, words[k]) != NULL, "'%s': the message does not name %s: %s", bad[k], words[k], err);
        free(err);
    }
    rmdir_all(t);
}

/* --plan on the fitted base of the shipped log: without the effect the
 * pilots' false alarms are at the test's 5 % (within 4 Monte Carlo SE in
 * every cell); a tripled purchase rate is found by nearly every pilot of
 * the whole base; more lift, more power. */
Test(rollout_cmd, plan_has_the_tests_size_and_finds_a_large_lift, .timeout = 600)
{
    char t[] = "/tmp/retsim-rollout-XXXXXX";
    tmpdir(t);
    char cmd[1600];
    snprintf(cmd, sizeof cmd, "%s fit " LOG " --as-of 2025-04-24 -q -o %s/fit", tu_bin(), t);
    cr_assert_eq(tu_system(cmd), 0, "%s", cmd);
    double power_big[2] = { 0 };
    const double lifts[2] = { 0.15, 2.0 };
    for (int k = 0; k < 2; k++) {
        snprintf(cmd, sizeof cmd, "%s pilot --plan %s/fit/fitted.ini --lift %g --weeks 8,16 --pilots 200 -q -o %s/plan%d",
                 tu_bin(), t, lifts[k], t, k);
        cr_assert_eq(tu_system(cmd), 0, "%s", cmd);
        char path[700];
        snprintf(path, sizeof path, "%s/plan%d/plan.csv", t, k);
        FILE *f = fopen(path, "r");
        cr_assert(f, "no %s", path);
        char line[256];
        cr_assert(fgets(line, sizeof line, f));
        int rows = 0, maxc = 0;
        while (fgets(line, sizeof line, f)) {
            int c, w, reach;
            double p, se, fa;
            cr_assert_eq(sscanf(line, "%d,%d,%lf,%lf,%lf,%d", &c, &w, &p, &se, &fa, &reach), 6, "%s", line);
            double fse = sqrt(0.05 * 0.95 / 200);
            cr_expect(fabs(fa - 0.05) <= 4 * fse, "%d customers, %d weeks: false alarms %.3f, the test's 5 %% is "
                                                  "beyond 4 SE (%.3f)", c, w, fa, fse);
            if (c >= maxc && w == 16) {
                maxc = c;
                power_big[k] = p;
            }
            rows++;
        }
        fclose(f);
        cr_expect_eq(rows, 8, "plan.csv has %d cells, expected 4 sizes x 2 lengths", rows);
    }
    cr_expect(power_big[1] > 0.95, "a tripled purchase rate is found by %.2f of the whole base's pilots", power_big[1]);
    cr_expect(power_big[1] > power_big[0] + 0.2, "more lift, more power: %.2f at +15 %%, %.2f at x3", power_big[0],
              power_big[1]);
    rmdir_all(t);
}

Test(rollout_cmd, bad_plans_exit_2_and_write_nothing, .timeout = 120)
{
    char t[] = "/tmp/retsim-rollout-XXXXXX";
    tmpdir(t);
    const char *bad[] = {
        "--plan scenarios/cdnow.ini --lift 0.1",
        "--plan scenarios/cdnow.ini",
        "--plan scenarios/cdnow.ini --lift 0.1 " LOG,
        "--plan scenarios/cdnow.ini --lift 0.1 --rollout",
        "--plan scenarios/cdnow.ini --lift 0.1 --weeks 8,4",
        "--plan scenarios/cdnow.ini --lift 0.1 --power 1",
        "--plan scenarios/cdnow.ini --lift -0.1",
        LOG " --group group --start 2025-01-03 --lift 0.1",
        "--plan scenarios/cdnow.ini --lift 0.1 --pilots 3",
    };
    const char *words[] = { "[base]", "--lift", LOG, "--rollout", "increasing", "--power", "--lift", "--plan",
                            "--pilots" };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        char cmd[1200], path[700];
        snprintf(cmd, sizeof cmd, "%s pilot %s -o %s/out 2> %s/err.txt", tu_bin(), bad[k], t, t);
        cr_expect_eq(tu_system(cmd), 2, "'%s' did not exit 2", bad[k]);
        struct stat st;
        snprintf(path, sizeof path, "%s/out", t);
        cr_expect(stat(path, &st) != 0, "'%s' left an output folder", bad[k]);
        snprintf(path, sizeof path, "%s/err.txt", t);
        char *err = slurp(path);
        cr_assert(err);
        cr_expect(strstr(err, words[k]) != NULL, "'%s': the message does not name %s: %s", bad[k], words[k], err);
        free(err);
    }
    rmdir_all(t);
}

/* A lever the pilot barely pinned down (seen: dropout x 0.069 with a log
 * standard error of 4.48 on a 16-week pilot) cannot be run as a lognormal
 * within [measured_effect]'s ratios (at most 100): the rollout holds it at 1
 * and says so instead of refusing its own rollout.ini.  The boundary is the
 * key table's maximum at 6.1 sd. */
Test(rollout_cmd, a_lever_too_uncertain_to_run_is_recognised)
{
    cr_expect(!rollout_lever_usable(-2.67, 4.48), "lognormal(-2.67, 4.48) reaches far past x 100");
    cr_expect(rollout_lever_usable(0.245, 0.0556), "the walk-through's rate lever is usable");
    cr_expect(rollout_lever_usable(-0.59, 0.34), "the walk-through's dropout lever is usable");
    double edge = log(100.0) / 6.1;
    cr_expect(rollout_lever_usable(0, edge * 0.999), "just inside x 100 at 6.1 sd");
    cr_expect(!rollout_lever_usable(0, edge * 1.001), "just past x 100 at 6.1 sd");
    cr_expect(!rollout_lever_usable(NAN, 0.1), "a NaN estimate is not usable");
    cr_expect(!rollout_lever_usable(0.1, INFINITY), "an infinite standard error is not usable");
}
