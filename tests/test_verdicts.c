/* Verdicts that match their words: compare's up/down/no material change
 * (the rule, --material, compare.json and the report), lessons whose claims
 * hold on what the simulation measures, and sensitivity on whole-number
 * keys (whole steps, the moves named, no NaN). */
#include <criterion/criterion.h>
#include <iniparser/iniparser.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../present/compare.h"
#include "../sim/metrics.h"
#include "util.h"

#define LESSONS "scenarios/lessons/lessons.ini"

/* ---- helpers ---- */

/* Runs cmd (stdout and stderr captured, stdin empty); returns its exit
 * status and its output, which the caller frees. */
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

static void make_tmp(char *dir)
{
    cr_assert(mkdtemp(dir), "mkdtemp %s", dir);
}

static void remove_tmp(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    tu_system(cmd);
}

static json_t *load_json(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    json_error_t err;
    json_t *root = json_load_file(path, 0, &err);
    cr_assert(root, "%s: %s", path, err.text);
    return root;
}

static const json_t *variant_metric(const json_t *cmp, int k, const char *metric)
{
    const json_t *v = json_array_get(json_object_get(cmp, "variants"), (size_t)k - 1);
    cr_assert(v, "compare.json has no variant %d", k);
    const json_t *o = json_object_get(json_object_get(v, "metrics"), metric);
    cr_assert(o, "compare.json: variant %d has no %s", k, metric);
    return o;
}

static const char *verdict_text(const json_t *cmp, int k, const char *metric)
{
    const char *s = json_string_value(json_object_get(variant_metric(cmp, k, metric), "verdict"));
    return s ? s : "(null)";
}

static double jnum(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    cr_assert(json_is_number(v), "%s is not a number", key);
    return json_number_value(v);
}

static stat_summary diff(double mean, double lo, double hi)
{
    stat_summary s = { mean, NAN, lo, hi, 100 };
    return s;
}

/* ---- the rule ---- */

Test(verdicts, a_tiny_but_clear_change_is_not_material)
{
    /* interval above 0, but +0.1 % of the base */
    stat_summary d = diff(10, 8, 12);
    cr_expect_eq(compare_verdict_rule(MET_NEW_CUSTOMERS, 10000, &d, 0), VERDICT_NONE);
    cr_expect_str_eq(compare_verdict_word(VERDICT_NONE, LANG_EN), "no material change");
    /* the same interval on a base of 500: +2 %, material */
    cr_expect_eq(compare_verdict_rule(MET_NEW_CUSTOMERS, 500, &d, 0), VERDICT_UP);
}

Test(verdicts, a_big_clear_change_is_up_or_down)
{
    stat_summary up = diff(500, 450, 550), down = diff(-500, -550, -450);
    cr_expect_eq(compare_verdict_rule(MET_PROFIT, 10000, &up, 0), VERDICT_UP);
    cr_expect_eq(compare_verdict_rule(MET_PROFIT, 10000, &down, 0), VERDICT_DOWN);
    /* a base below 0 (a loss): still judged on the size of the change */
    cr_expect_eq(compare_verdict_rule(MET_PROFIT, -10000, &up, 0), VERDICT_UP);
}

Test(verdicts, an_interval_holding_zero_is_never_up_or_down)
{
    stat_summary wide = diff(5000, -10, 10010), zero = diff(0, 0, 0);
    cr_expect_eq(compare_verdict_rule(MET_PROFIT, 10000, &wide, 0), VERDICT_NONE);
    cr_expect_eq(compare_verdict_rule(MET_PROFIT, 10000, &zero, 0), VERDICT_NONE);
    cr_expect_eq(compare_verdict_rule(MET_REPEAT_RATE, 0.4, &zero, 0), VERDICT_NONE);
}

Test(verdicts, shares_are_judged_in_percentage_points)
{
    cr_expect(metric_material_is_absolute(MET_REPEAT_RATE));
    cr_expect(!metric_material_is_absolute(MET_PROFIT));
    cr_expect_float_eq(metric_material(MET_RETENTION_365, 0), 0.005, 1e-15);
    cr_expect_float_eq(metric_material(MET_CLV, 0), 0.01, 1e-15);
    /* +0.3 pp of a 10 % share is 3 % relative, but under 0.5 pp */
    stat_summary small = diff(0.003, 0.002, 0.004), big = diff(-0.008, -0.009, -0.007);
    cr_expect_eq(compare_verdict_rule(MET_REPEAT_RATE, 0.10, &small, 0), VERDICT_NONE);
    cr_expect_eq(compare_verdict_rule(MET_REPEAT_RATE, 0.10, &big, 0), VERDICT_DOWN);
}

Test(verdicts, the_override_moves_the_threshold)
{
    stat_summary d = diff(150, 140, 160); /* +1.5 % of 10000 */
    cr_expect_eq(compare_verdict_rule(MET_REVENUE, 10000, &d, 0), VERDICT_UP);
    cr_expect_eq(compare_verdict_rule(MET_REVENUE, 10000, &d, 0.02), VERDICT_NONE);
    cr_expect_eq(compare_verdict_rule(MET_REVENUE, 10000, &d, 0.015), VERDICT_UP);
    /* for a share the override reads as percentage points */
    stat_summary s = diff(0.008, 0.007, 0.009);
    cr_expect_eq(compare_verdict_rule(MET_REPEAT_RATE, 0.3, &s, 0.01), VERDICT_NONE);
}

Test(verdicts, something_from_nothing_and_undefined)
{
    stat_summary d = diff(200, 190, 210), nan_diff = diff(NAN, NAN, NAN);
    cr_expect_eq(compare_verdict_rule(MET_DISCOUNTS, 0, &d, 0), VERDICT_UP);
    cr_expect_eq(compare_verdict_rule(MET_PROFIT, 10000, &nan_diff, 0), VERDICT_NA);
    cr_expect_eq(compare_verdict_rule(MET_PROFIT, NAN, &d, 0), VERDICT_NA);
    for (compare_verdict_id v = VERDICT_UP; v <= VERDICT_NONE; v++)
        cr_expect_eq(compare_verdict_parse(compare_verdict_key(v)), v);
    cr_expect_eq(compare_verdict_parse("no clear difference"), VERDICT_NA);
}

/* ---- compare, its files and the report ---- */

/* Lesson 3's +20 upgrade: revenue +0.2 % and new customers +0.0 %, both
 * with an interval above 0 (once printed "up"), profit -4 %. */
Test(verdicts_cli, compare_says_no_material_change_for_a_tiny_clear_change, .timeout = 300)
{
    char dir[] = "/tmp/retsim-verdict-XXXXXX";
    make_tmp(dir);
    char cmd[2048], *out;
    snprintf(cmd, sizeof cmd,
             "%s compare scenarios/lessons/3_restaurant_trap_base.ini "
             "scenarios/lessons/3_restaurant_trap_plus20.ini --reps 20 --report --out %s/c",
             tu_bin(), dir);
    cr_assert_eq(capture(cmd, &out), 0, "%s\n%s", cmd, out);
    char sub[600];
    snprintf(sub, sizeof sub, "%s/c", dir);
    json_t *cmp = load_json(sub, "compare.json");
    const json_t *rv = variant_metric(cmp, 1, "revenue");
    double rel = jnum(rv, "rel_change");
    cr_assert(jnum(rv, "diff_ci_low") > 0 && fabs(rel) < 0.01,
              "the case needs a clear but tiny change: rel %g, CI low %g", rel, jnum(rv, "diff_ci_low"));
    cr_expect_str_eq(verdict_text(cmp, 1, "revenue"), "no material change");
    cr_expect_str_eq(verdict_text(cmp, 1, "new_customers"), "no material change");
    const json_t *nc = variant_metric(cmp, 1, "new_customers");
    cr_expect_str_eq(verdict_text(cmp, 1, "profit"), "down");
    cr_expect_float_eq(jnum(nc, "material_threshold"), 0.01, 1e-12);
    /* the console line says the same word */
    const char *line = strstr(out, "  revenue");
    cr_assert(line, "%s", out);
    cr_expect(!strncmp(strchr(line, ']') + 1, "   no material change", 21), "%.100s", line);
    line = strstr(out, "  new_customers");
    cr_assert(line, "%s", out);
    cr_expect(!strncmp(strchr(line, ']') + 1, "   no material change", 21), "%.100s", line);
    cr_expect(strstr(out, "at least 1 % of the base"), "the rule is printed:\n%s", out);

    /* the report's badges are compare.json's words: one per key metric and
     * one per verdict-line metric (profit, revenue, retention_365) */
    static const char *const key[] = { "profit", "revenue", "new_customers", "retention_365",
                                       "repeat_rate", "clv", "profit", "revenue", "retention_365" };
    int want_up = 0, want_down = 0, want_none = 0;
    for (size_t i = 0; i < sizeof key / sizeof key[0]; i++) {
        const char *v = verdict_text(cmp, 1, key[i]);
        want_up += !strcmp(v, "up");
        want_down += !strcmp(v, "down");
        want_none += !strcmp(v, "no material change");
    }
    char path[700];
    snprintf(path, sizeof path, "%s/report.html", sub);
    FILE *f = fopen(path, "r");
    cr_assert(f, "%s", path);
    static char html[1 << 22];
    size_t n = fread(html, 1, sizeof html - 1, f);
    html[n] = '\0';
    fclose(f);
    int up = 0, down = 0, none = 0;
    for (const char *p = html; (p = strstr(p, "<span class=\"badge ")); p++) {
        up += !strncmp(p, "<span class=\"badge up\">up<", 26);
        down += !strncmp(p, "<span class=\"badge down\">down<", 30);
        none += !strncmp(p, "<span class=\"badge flat\">no material change<", 44);
    }
    cr_expect(want_none > 0 && want_down > 0, "the case needs both words");
    cr_expect_eq(up, want_up, "up badges %d, compare.json %d", up, want_up);
    cr_expect_eq(down, want_down, "down badges %d, compare.json %d", down, want_down);
    cr_expect_eq(none, want_none, "no-material badges %d, compare.json %d", none, want_none);
    cr_expect(strstr(html, "no material change.") != NULL, "the report states the rule");
    json_decref(cmp);
    free(out);

    /* a threshold below the change turns the same numbers into "up" */
    snprintf(cmd, sizeof cmd,
             "%s compare scenarios/lessons/3_restaurant_trap_base.ini "
             "scenarios/lessons/3_restaurant_trap_plus20.ini --reps 20 --material 0.001%% -q --out %s/m",
             tu_bin(), dir);
    cr_assert_eq(capture(cmd, &out), 0, "%s\n%s", cmd, out);
    snprintf(sub, sizeof sub, "%s/m", dir);
    cmp = load_json(sub, "compare.json");
    cr_expect_str_eq(verdict_text(cmp, 1, "revenue"), "up");
    cr_expect_float_eq(jnum(cmp, "material"), 1e-5, 1e-15);
    json_decref(cmp);
    free(out);
    remove_tmp(dir);
}

Test(verdicts_cli, bad_material_is_refused_with_status_2)
{
    static const char *const bad[] = { "0%", "100%", "150%", "-1%", "1", "0.01", "abc", "%", "1%%",
                                       "nan%", "inf%", "1e400%", "" };
    char dir[] = "/tmp/retsim-material-XXXXXX";
    make_tmp(dir);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *verbs[] = { "compare scenarios/clinic.ini scenarios/clinic_churn_minus5.ini",
                                "lesson 2" };
        for (int v = 0; v < 2; v++) {
            char cmd[1024], *out;
            snprintf(cmd, sizeof cmd, "%s %s --material '%s' --reps 2 --out %s/o", tu_bin(), verbs[v],
                     bad[i], dir);
            cr_expect_eq(capture(cmd, &out), 2, "%s: expected status 2:\n%s", cmd, out);
            cr_expect(strstr(out, "--material") != NULL, "%s: the message names the option:\n%s", cmd,
                      out);
            free(out);
            cr_expect(access(dir, F_OK) == 0);
            char o[600];
            snprintf(o, sizeof o, "%s/o", dir);
            cr_expect(access(o, F_OK) != 0, "%s wrote its output", cmd);
        }
    }
    /* run does not print verdicts, so it does not take --material */
    char cmd[1024], *out;
    snprintf(cmd, sizeof cmd, "%s run scenarios/clinic.ini --material 2%% --out %s/o", tu_bin(), dir);
    cr_expect_eq(capture(cmd, &out), 2, "%s\n%s", cmd, out);
    free(out);
    remove_tmp(dir);
}

/* ---- lessons: the texts agree with the measurement ---- */

static int lesson_list(dictionary *ini, int *out, int max)
{
    int n = 0;
    for (int i = 0; i < iniparser_getnsec(ini) && n < max; i++) {
        const char *name = iniparser_getsecname(ini, i);
        if (name && !strncmp(name, "lesson.", 7))
            out[n++] = atoi(name + 7);
    }
    return n;
}

static const char *lesson_key(dictionary *ini, int n, const char *key)
{
    char k[128];
    snprintf(k, sizeof k, "lesson.%d:%s", n, key);
    return iniparser_getstring(ini, k, NULL);
}

/* One claim "metric[@k]:what" checked on compare.json, independently of
 * the lesson command's own check; returns 1 when it holds. */
static int claim_holds(const json_t *cmp, const char *claim, int variant, char *why, size_t cap)
{
    char metric[128], what[64];
    int k = variant;
    const char *colon = strchr(claim, ':');
    cr_assert(colon, "claim %s has no ':'", claim);
    snprintf(metric, sizeof metric, "%.*s", (int)(colon - claim), claim);
    snprintf(what, sizeof what, "%s", colon + 1);
    char *at = strchr(metric, '@');
    if (at) {
        *at = '\0';
        k = atoi(at + 1);
    }
    const json_t *o = variant_metric(cmp, k, metric);
    if (!strcmp(what, "up") || !strcmp(what, "down") || !strcmp(what, "same")) {
        const char *want = !strcmp(what, "same") ? "no material change" : what;
        const char *got = verdict_text(cmp, k, metric);
        snprintf(why, cap, "%s: verdict %s", claim, got);
        return !strcmp(got, want);
    }
    if (!strncmp(what, "above@", 6) || !strncmp(what, "below@", 6)) {
        int j = atoi(what + 6);
        double x = jnum(o, "mean");
        double y = j == 0 ? jnum(json_object_get(json_object_get(cmp, "base_metrics"), metric), "mean")
                          : jnum(variant_metric(cmp, j, metric), "mean");
        snprintf(why, cap, "%s: %g against %g", claim, x, y);
        return what[0] == 'a' ? x > y : x < y;
    }
    const char *dots = strstr(what, "..");
    cr_assert(dots, "claim %s: unknown form", claim);
    double lo = strtod(what, NULL) / 100, hi = strtod(dots + 2, NULL) / 100;
    double rel = jnum(o, "rel_change");
    snprintf(why, cap, "%s: relative change %+.2f %%", claim, 100 * rel);
    return rel >= lo && rel < hi;
}

Test(verdicts_cli, every_lesson_measures_what_its_title_and_text_claim, .timeout = 900)
{
    dictionary *ini = iniparser_load(LESSONS);
    cr_assert(ini, "%s", LESSONS);
    int num[64];
    int n = lesson_list(ini, num, 64);
    cr_assert(n > 0, "no [lesson.N] in %s", LESSONS);
    char dir[] = "/tmp/retsim-claims-XXXXXX";
    make_tmp(dir);
    int checked = 0;
    for (int i = 0; i < n; i++) {
        const char *claims = lesson_key(ini, num[i], "claims");
        cr_expect(claims && *claims, "[lesson.%d] has no claims: its text is unchecked", num[i]);
        if (!claims)
            continue;
        const char *v = lesson_key(ini, num[i], "variant");
        int variant = v ? atoi(v) : 1;
        /* 20 replications: the closest claim (lesson 3's +40 upgrade, about
         * +0.4 pp of repeat rate against 0.5 pp) is then several standard
         * errors from its threshold */
        char cmd[1024], *out;
        snprintf(cmd, sizeof cmd, "%s lesson %d --reps 20 --threads 2 --out %s/l%d", tu_bin(), num[i], dir,
                 num[i]);
        cr_assert_eq(capture(cmd, &out), 0, "%s\n%s", cmd, out);
        cr_expect(strstr(out, "Withheld") == NULL, "lesson %d contradicts its own text:\n%s", num[i], out);
        char sub[600];
        snprintf(sub, sizeof sub, "%s/l%d", dir, num[i]);
        json_t *cmp = load_json(sub, "compare.json");
        char buf[1024];
        snprintf(buf, sizeof buf, "%s", claims);
        int here = 0;
        for (char *tok = strtok(buf, " \t,"); tok; tok = strtok(NULL, " \t,")) {
            char why[256];
            cr_expect(claim_holds(cmp, tok, variant, why, sizeof why), "lesson %d: %s", num[i], why);
            here++;
        }
        cr_expect(here > 0, "[lesson.%d]: claims names nothing", num[i]);
        checked += here;
        json_decref(cmp);
        free(out);
    }
    cr_expect(checked >= n, "%d claims for %d lessons", checked, n);
    /* lesson 2 measures fewer new customers: its title must not promise more */
    const char *t2 = lesson_key(ini, 2, "title_en");
    cr_assert(t2);
    cr_expect(strstr(t2, "more first visits") == NULL, "lesson 2's title: %s", t2);
    cr_expect(strstr(lesson_key(ini, 2, "claims"), "new_customers:down") != NULL);
    iniparser_freedict(ini);
    remove_tmp(dir);
}

/* Writes lessons.ini in dir: lesson 2 with the given claims, its scenarios
 * reached through a link to scenarios/lessons. */
static void write_lesson_dir(const char *dir, const char *claims)
{
    char path[700], target[4200];
    snprintf(path, sizeof path, "%s/s", dir);
    cr_assert(getcwd(target, 4000));
    strcat(target, "/scenarios/lessons");
    unlink(path);
    cr_assert_eq(symlink(target, path), 0, "symlink %s", path);
    snprintf(path, sizeof path, "%s/lessons.ini", dir);
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fprintf(f, "[lesson.2]\n"
               "title_en = \"Over-promising: more first visits, fewer second ones\"\n"
               "question_en = \"What happens to new guests and profit?\"\n"
               "choices_en = \"a) Both up | b) New up, profit same | c) Both down\"\n"
               "base = s/2_restaurant_honest.ini\nvariants = s/2_restaurant_overpromise.ini\n"
               "metric = new_customers profit\njudge = pattern\n"
               "outcomes = \"up up | up same | down down\"\nanswer_key = c\n"
               "claims = %s\n"
               "takeaway_en = \"THE-OLD-TEXT\"\n",
            claims);
    fclose(f);
}

Test(verdicts_cli, a_lesson_whose_text_contradicts_the_measurement_withholds_it, .timeout = 300)
{
    char dir[] = "/tmp/retsim-withheld-XXXXXX";
    make_tmp(dir);
    write_lesson_dir(dir, "new_customers:up profit:down");
    char cmd[2048], *out;
    snprintf(cmd, sizeof cmd, "%s lesson 2 --lessons %s --reps 4 --out %s/o", tu_bin(), dir, dir);
    cr_assert_eq(capture(cmd, &out), 0, "%s\n%s", cmd, out);
    cr_expect(strstr(out, "Withheld") != NULL, "%s", out);
    cr_expect(strstr(out, "the text says new_customers:up; this run measured down") != NULL, "%s", out);
    cr_expect(strstr(out, "profit:down;") == NULL, "a claim that holds is not listed:\n%s", out);
    cr_expect(strstr(out, "THE-OLD-TEXT") == NULL, "the contradicted takeaway was printed:\n%s", out);
    free(out);

    /* the same lesson with claims that hold prints its takeaway */
    write_lesson_dir(dir, "new_customers:down profit:down repeat_rate@1:-100..0");
    cr_assert_eq(capture(cmd, &out), 0, "%s\n%s", cmd, out);
    cr_expect(strstr(out, "Withheld") == NULL && strstr(out, "THE-OLD-TEXT"), "%s", out);
    free(out);

    /* malformed claims, and none at all, are refused before anything runs */
    static const char *const bad[] = { "new_customers", "new_customers:sideways", "new_cutsomers:up",
                                       "profit@5:up", "profit@0:up", "profit:20..10", "profit:above@1",
                                       "profit:x..10" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_lesson_dir(dir, bad[i]);
        cr_expect_eq(capture(cmd, &out), 2, "claims = %s: expected status 2:\n%s", bad[i], out);
        cr_expect(strstr(out, "claim") != NULL, "claims = %s:\n%s", bad[i], out);
        free(out);
    }
    write_lesson_dir(dir, "");
    cr_expect_eq(capture(cmd, &out), 2, "no claims: expected status 2:\n%s", out);
    cr_expect(strstr(out, "claims is required") != NULL, "%s", out);
    free(out);
    remove_tmp(dir);
}

/* ---- sensitivity on whole-number keys ---- */

/* A CSV line split at commas outside quotes; returns the number of fields. */
static int csv_fields(char *line, char **field, int max)
{
    int n = 0, quoted = 0;
    field[n++] = line;
    for (char *c = line; *c && n < max; c++) {
        if (*c == '"')
            quoted = !quoted;
        else if (*c == ',' && !quoted) {
            *c = '\0';
            field[n++] = c + 1;
        } else if (*c == '\n')
            *c = '\0';
    }
    return n;
}

/* Every cell but the first (the name) and the note is empty or a finite
 * number; returns the rows read. */
static int check_numbers(const char *path, int note_last)
{
    FILE *f = fopen(path, "r");
    cr_assert(f, "%s", path);
    char line[4096];
    int rows = 0;
    cr_assert(fgets(line, sizeof line, f), "%s is empty", path);
    while (fgets(line, sizeof line, f)) {
        char copy[4096], *field[64];
        snprintf(copy, sizeof copy, "%s", line);
        int nf = csv_fields(copy, field, 64);
        for (int i = 1; i < nf - (note_last ? 1 : 0); i++) {
            if (!*field[i])
                continue;
            char *end;
            double x = strtod(field[i], &end);
            cr_expect(!*end && isfinite(x), "%s: cell %d of '%s' is '%s'", path, i + 1, field[0], field[i]);
        }
        rows++;
    }
    fclose(f);
    return rows;
}

/* The sensitivity.csv row of a parameter: base, low, high (NAN when empty),
 * its note. */
static int sens_row(const char *path, const char *name, double v[3], char *note, size_t cap)
{
    FILE *f = fopen(path, "r");
    cr_assert(f, "%s", path);
    char line[4096];
    int found = 0;
    while (fgets(line, sizeof line, f)) {
        char *field[64];
        int nf = csv_fields(line, field, 64);
        if (strcmp(field[0], name) || nf < 16)
            continue;
        for (int i = 0; i < 3; i++)
            v[i] = *field[1 + i] ? strtod(field[1 + i], NULL) : NAN;
        snprintf(note, cap, "%s", field[nf - 1]);
        found = 1;
    }
    fclose(f);
    return found;
}

Test(verdicts_cli, sensitivity_moves_whole_numbers_by_whole_steps_without_nan, .timeout = 600)
{
    char dir[] = "/tmp/retsim-sens-XXXXXX";
    make_tmp(dir);
    /* the salon with its reminder: funnel_steps 1 (walk-in) and 2 (app, set
     * to its maximum of 20 here), recall day 20 and response_days 7,
     * lifecycle 45 / 90 / 180 days */
    char cmd[2048], *out;
    snprintf(cmd, sizeof cmd,
             "%s sensitivity scenarios/salon_reminder.ini --reps 4 --threads 2 "
             "--set scenario.horizon_days=365 --set channel.app.funnel_steps=20 --out %s/s",
             tu_bin(), dir);
    cr_assert_eq(capture(cmd, &out), 0, "%s\n%s", cmd, out);
    cr_expect(strstr(out, "nan") == NULL && strstr(out, "inf") == NULL, "%s", out);
    char sens[700], tornado[700];
    snprintf(sens, sizeof sens, "%s/s/sensitivity.csv", dir);
    snprintf(tornado, sizeof tornado, "%s/s/tornado.csv", dir);
    cr_expect(check_numbers(sens, 1) > 10);
    cr_expect(check_numbers(tornado, 0) > 0);

    static const struct {
        const char *name;
        double base, low, high;  /* NAN: that side left out */
        const char *note;
    } want[] = {
        { "channel.walk_in.funnel_steps", 1, NAN, 2, "cannot move down" },
        { "channel.app.funnel_steps", 20, 18, NAN, "cannot move up" },
        { "recall.day", 20, 18, 22, "" },
        { "recall.response_days", 7, 6, 8, "" },
        { "lifecycle.silent_after", 45, 40, 50, "" },
        { "lifecycle.dormant_after", 90, 81, 99, "" },
        { "lifecycle.lost_after", 180, 162, 198, "" },
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        double v[3];
        char note[512];
        cr_assert(sens_row(sens, want[i].name, v, note, sizeof note), "no row for %s", want[i].name);
        double w[3] = { want[i].base, want[i].low, want[i].high };
        for (int j = 0; j < 3; j++)
            cr_expect(isnan(w[j]) ? isnan(v[j]) : v[j] == w[j], "%s: value %d is %g, expected %g",
                      want[i].name, j, v[j], w[j]);
        if (*want[i].note)
            cr_expect(strstr(note, want[i].note) != NULL, "%s: note '%s'", want[i].name, note);
        else
            cr_expect_str_eq(note, "\"\"", "%s: note '%s'", want[i].name, note);
    }
    /* the tornado names the move of the one-sided key */
    FILE *f = fopen(tornado, "r");
    cr_assert(f);
    char line[4096];
    int walk_in = 0;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "channel.walk_in.funnel_steps", 28)) {
            walk_in = 1;
            cr_expect(strstr(line, "1->2 (+100 %),,") != NULL, "%s", line);
        }
    fclose(f);
    cr_expect(walk_in, "funnel_steps 1 -> 2 should be among the largest swings");
    cr_expect(strstr(out, "channel.walk_in.funnel_steps 1 -> 2 (+100 %; up only)") != NULL, "%s", out);
    free(out);

    /* delta 30 %: day 20 moves by 6, silent_after 45 by 14 (13.5 rounded up) */
    snprintf(cmd, sizeof cmd,
             "%s sensitivity scenarios/salon_reminder.ini --reps 2 --threads 2 --delta 30%% -q "
             "--set scenario.horizon_days=365 --out %s/s30",
             tu_bin(), dir);
    cr_assert_eq(capture(cmd, &out), 0, "%s\n%s", cmd, out);
    free(out);
    snprintf(sens, sizeof sens, "%s/s30/sensitivity.csv", dir);
    check_numbers(sens, 1);
    double v[3];
    char note[512];
    cr_assert(sens_row(sens, "recall.day", v, note, sizeof note));
    cr_expect(v[1] == 14 && v[2] == 26, "recall.day 20 -> %g / %g", v[1], v[2]);
    cr_assert(sens_row(sens, "lifecycle.silent_after", v, note, sizeof note));
    cr_expect(v[1] == 31 && v[2] == 59, "silent_after 45 -> %g / %g", v[1], v[2]);
    cr_assert(sens_row(sens, "channel.app.funnel_steps", v, note, sizeof note));
    cr_expect(v[1] == 1 && v[2] == 3, "funnel_steps 2 -> %g / %g", v[1], v[2]);
    remove_tmp(dir);
}
