/* retsim explain and retsim lesson.
 *
 * explain must quote the model's own numbers: the tests run the typical
 * customer through the satisfaction model's own functions (customer_init,
 * experience, sat_churn_multiplier, sat_stickiness) and look for each row
 * of the table, as printed, in the explanation.  The lessons must load,
 * run, teach what they say (the simulation's answer is the lesson's key)
 * and judge an answer right or wrong.  CLI tests run the built binary
 * (RETSIM_BIN, default ./retsim) from the repository root. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <iniparser/iniparser.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../sim/model.h"
#include "../sim/promotion.h"
#include "../models/satisfaction.h"
#include "../sim/engine.h"
#include "../present/explain.h"
#include "../sim/scenario.h"
#include "../sim/sections.h"
#include "util.h"

#define LESSONS "scenarios/lessons/lessons.ini"

extern const promo_type promo_churn_reduction;
extern const model_type model_bgnbd;

/* ---- helpers ---- */

static const char *bin(void)
{
    const char *b = getenv("RETSIM_BIN");
    return b ? b : "./retsim";
}

/* Runs a shell command; returns its exit status and its output (stdout and
 * stderr), which the caller frees. */
static int run_capture(const char *cmd, char **out)
{
    char full[2048];
    snprintf(full, sizeof full, "%s 2>&1 </dev/null", cmd);
    FILE *p = popen(full, "r");
    cr_assert(p, "popen %s", cmd);
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    cr_assert(buf);
    size_t got;
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

/* Every run of white space as one space: wrapping and column padding do not
 * matter, the numbers and their order do. */
static char *squeeze(const char *s)
{
    char *out = malloc(strlen(s) + 1);
    cr_assert(out);
    size_t j = 0;
    int space = 0;
    for (; *s; s++) {
        if (isspace((unsigned char)*s)) {
            space = 1;
            continue;
        }
        if (space && j > 0)
            out[j++] = ' ';
        space = 0;
        out[j++] = *s;
    }
    out[j] = '\0';
    return out;
}

static void expect_contains(const char *haystack, const char *needle)
{
    char *h = squeeze(haystack), *n = squeeze(needle);
    cr_expect(strstr(h, n) != NULL, "the explanation should contain \"%s\"", n);
    free(h);
    free(n);
}

/* explain_write's output for a scenario file, as text or HTML. */
static char *explain_file(const char *path, const char *const *sets, int nsets, lang_id lang,
                          int html)
{
    diag d = { 0 };
    scenario *sc = scen_load(path, sets, nsets, &d);
    cr_assert(sc, "%s: %s", path, d.msg);
    engine *e = engine_prepare(sc, &d);
    cr_assert(e, "%s: %s", path, d.msg);
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    cr_assert(f);
    int status = explain_write(f, sc, e, lang, html, &d);
    fclose(f);
    cr_assert_eq(status, 0, "explain_write %s: %s", path, d.msg);
    engine_free(e);
    scen_free(sc);
    return buf;
}

static char *explain_text(const char *ini, lang_id lang, int html)
{
    char path[] = "/tmp/retsim-explain-XXXXXX.ini";
    int fd = mkstemps(path, 4);
    cr_assert(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(ini, f);
    fclose(f);
    char *out = explain_file(path, NULL, 0, lang, html);
    unlink(path);
    return out;
}

/* ---- explain quotes the model's own numbers ---- */

/* The typical customer of the brief, through the model's own functions:
 * average taste, churn and loyalty, no noise, the average bill. */
static void check_typical_rows(const char *path, const char *const *sets, int nsets)
{
    diag d = { 0 };
    scenario *sc = scen_load(path, sets, nsets, &d);
    cr_assert(sc, "%s", d.msg);
    const sat_params *p = model_satisfaction.prepare(sc, &d);
    cr_assert(p, "%s", d.msg);
    const economics_params *econ = scen_get(sc, &section_economics);
    char *text = explain_file(path, sets, nsets, LANG_EN, 0);

    sat_params calm = *p;
    calm.churn.heterogeneous = 0;
    calm.loyalty.polarisation = 0;
    calm.experience.taste_sd = 0;
    calm.experience.benefit_sd = 0;
    double st[MODEL_STATE_MAX] = { 0 };
    model_satisfaction.customer_init(&calm, st, NULL);
    int digits = p->spend.mean >= 100 ? 0 : p->spend.mean >= 10 ? 1 : 2;
    int rows = (int)ceil(p->stickiness.knee) + 2;
    double survive = 1, visits = 0, ltv = 0;
    double margin = p->spend.mean * econ->gross_margin - econ->cost_per_visit;
    for (int k = 1; k <= 5000; k++) {
        visit_ctx v = { 0 };
        v.purchase_no = k;
        v.bill = v.cash = v.revenue = p->spend.mean;
        sat_feel feel;
        sat_judge(&calm, st, &v, NULL, &feel);
        double g = sat_churn_multiplier(&p->response, feel.satisfaction);
        double s = sat_stickiness(&p->stickiness, k);
        if (k <= rows) {
            const char *zone = !p->response.enabled ? "off"
                               : feel.satisfaction < p->response.trap_low ? "below"
                               : feel.satisfaction > p->response.trap_high ? "above" : "inside";
            char row[512], mult[32];
            snprintf(mult, sizeof mult, g >= 100 ? "x%.0f" : g >= 10 ? "x%.1f" : "x%.2f", g);
            snprintf(row, sizeof row, "%d %.*f %.*f %.*f %.*f %.*f %s %s %.1f%% %.1f%% %.1f%%", k,
                     digits, feel.benefit, digits, feel.cost, digits, feel.value, digits, feel.expectation,
                     digits, feel.satisfaction, zone, mult, 100 * s, 100 * v.churn, 100 * (1 - v.churn));
            expect_contains(text, row);
        }
        visits += survive;
        ltv += survive * margin * exp(-log1p(econ->discount_rate) / 365.0 * p->visits.cycle_days * (k - 1));
        survive *= 1 - v.churn;
        if (k > rows && survive < 1e-12)
            break;
    }
    char sentence[256];
    snprintf(sentence, sizeof sentence, "they make %.2f visits in a lifetime", visits);
    expect_contains(text, sentence);
    snprintf(sentence, sizeof sentence, "their lifetime value is %.*f", digits, ltv);
    expect_contains(text, sentence);
    free(text);
    model_satisfaction.release((void *)p);
    scen_free(sc);
}

Test(explain, clinic_rows_are_the_models_own)
{
    check_typical_rows("scenarios/clinic.ini", NULL, 0);
}

Test(explain, rows_follow_the_response_curve_out_of_the_zone)
{
    /* a promise far below what is delivered: delighted, above the zone */
    const char *sets[] = { "experience.promise=-300", "stickiness.knee=3" };
    check_typical_rows("scenarios/restaurant.ini", sets, 2);
    /* and far above: disappointed, below the zone, negative first value */
    const char *sets2[] = { "experience.promise=200", "experience.waiting_cost=80" };
    check_typical_rows("scenarios/restaurant.ini", sets2, 2);
}

Test(explain, small_bills_keep_their_decimals)
{
    check_typical_rows("scenarios/salon.ini", NULL, 0);
}

Test(explain, first_visit_and_response_sentences_quote_the_model)
{
    char *text = explain_file("scenarios/clinic.ini", NULL, 0, LANG_EN, 0);
    /* clinic.ini: benefit 2000+500+300+300, cost 2800+50+100+80, promise 200 */
    expect_contains(text, "= 3100. Perceived cost: the price paid 2800 + waiting 50 + hassle 100 + travel 80 = 3030");
    expect_contains(text, "Perceived value = benefit - cost = 70 yuan");
    expect_contains(text, "Satisfaction = value - expectation = 70 - 200 = -130");
    expect_contains(text, "inside the zone: churn x 1.00");
    expect_contains(text, "The typical customer is not the average one");
    free(text);
}

Test(explain, promotions_explain_themselves_with_their_own_code)
{
    char *text = explain_file("scenarios/clinic_churn_minus5.ini", NULL, 0, LANG_EN, 0);
    diag d = { 0 };
    scenario *sc = scen_load("scenarios/clinic_churn_minus5.ini", NULL, 0, &d);
    cr_assert(sc, "%s", d.msg);
    promo_env env = { 2800, 90, 0.55 };
    void *pp = promo_churn_reduction.prepare(sc, &env, &d);
    cr_assert(pp);
    visit_ctx v = { 0 };
    v.churn = 0.4;
    promo_churn_reduction.after_visit(pp, NULL, &v, NULL);
    char want[128];
    snprintf(want, sizeof want, "a churn of 40 %% becomes %.1f %%", 100 * v.churn);
    expect_contains(text, want);
    promo_churn_reduction.release(pp);
    scen_free(sc);
    free(text);

    /* every shipped promotion scenario explains without error, in both languages */
    const char *files[] = { "scenarios/restaurant_recharge.ini", "scenarios/restaurant_vouchers.ini",
                            "scenarios/restaurant_stamp_card.ini", "scenarios/restaurant_reminder.ini",
                            "scenarios/pediatric_programme.ini", "scenarios/clinic_programme.ini",
                            "scenarios/bbq_bar_beer_bundle.ini", "scenarios/telecom_bundle.ini" };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *en = explain_file(files[i], NULL, 0, LANG_EN, 0);
        char *zh = explain_file(files[i], NULL, 0, LANG_ZH, 0);
        cr_expect(strstr(en, "Promotions") && strstr(zh, "促销"), "%s", files[i]);
        free(en);
        free(zh);
    }
    text = explain_file("scenarios/restaurant_recharge.ini", NULL, 0, LANG_EN, 0);
    expect_contains(text, "an effective discount of 25.0 %");
    free(text);
}

Test(explain, both_languages)
{
    char *en = explain_file("scenarios/clinic.ini", NULL, 0, LANG_EN, 0);
    char *zh = explain_file("scenarios/clinic.ini", NULL, 0, LANG_ZH, 0);
    cr_expect(strstr(en, "satisfaction model") != NULL);
    cr_expect(strstr(zh, "满意度模型") != NULL);
    cr_expect(strstr(zh, "典型顾客") != NULL);
    cr_expect(strstr(zh, "元") != NULL, "yuan reads as 元 in Chinese");
    /* the same table of numbers in both */
    expect_contains(zh, "1 3100 3030 70 200 -130");
    cr_expect(strstr(zh, "satisfaction model") == NULL, "no English left in the Chinese text");
    free(en);
    free(zh);
}

Test(explain, text_is_wrapped_to_80_columns)
{
    char *zh = explain_file("scenarios/clinic_churn_minus5.ini", NULL, 0, LANG_ZH, 0);
    char *en = explain_file("scenarios/clinic_churn_minus5.ini", NULL, 0, LANG_EN, 0);
    const char *texts[] = { en, zh };
    for (int t = 0; t < 2; t++) {
        int width = 0;
        for (const unsigned char *p = (const unsigned char *)texts[t]; *p; p++) {
            if (*p == '\n') {
                width = 0;
                continue;
            }
            if ((*p & 0xC0) == 0x80)
                continue;
            width += *p >= 0xE0 ? 2 : 1;
            cr_expect(width <= 80, "a %s line is wider than 80 columns", t ? "Chinese" : "English");
            if (width > 80)
                break;
        }
    }
    free(en);
    free(zh);
}

Test(explain, html_is_a_fragment_with_text_escaped)
{
    const char *ini = "[scenario]\nname = Fish & <chips>\ndescription = A \"bar\" <b>bold</b> & co\n"
                      "[customer]\nmodel = satisfaction\n[channel.walk]\nprospects_per_day = 2\n";
    char *html = explain_text(ini, LANG_EN, 1);
    cr_expect(strstr(html, "<div class=\"explain\">") == html, "opens the fragment");
    cr_expect(strstr(html, "Fish &amp; &lt;chips&gt;") != NULL);
    cr_expect(strstr(html, "A &quot;bar&quot; &lt;b&gt;bold&lt;/b&gt; &amp; co") != NULL);
    cr_expect(strstr(html, "<b>bold") == NULL, "user text must not become markup");
    cr_expect(strstr(html, "<table class=\"explain-chain\">") != NULL);
    cr_expect(strstr(html, "<html") == NULL && strstr(html, "<body") == NULL, "a fragment");
    free(html);
    char *zh = explain_text(ini, LANG_ZH, 1);
    cr_expect(strstr(zh, "<th>满意度</th>") != NULL);
    free(zh);
}

Test(explain, a_model_without_the_hook_lists_its_parameters)
{
    if (model_bgnbd.explain)
        cr_skip_test("the bgnbd model now explains itself");
    const char *ini = "[scenario]\nname = shop\n[customer]\nmodel = bgnbd\n"
                      "[channel.walk]\nprospects_per_day = 2\n";
    char *text = explain_text(ini, LANG_EN, 0);
    expect_contains(text, "[bgnbd] r = 0.243");
    expect_contains(text, "[gamma_gamma] q = 3.74");
    free(text);
}

Test(explain, explain_command_and_its_errors)
{
    char *out;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "%s explain scenarios/clinic.ini --lang zh", bin());
    cr_expect_eq(run_capture(cmd, &out), 0, "%s", out);
    cr_expect(strstr(out, "满意度") != NULL);
    free(out);
    snprintf(cmd, sizeof cmd, "%s explain scenarios/clinic.ini --set churn.mean=0.3", bin());
    cr_expect_eq(run_capture(cmd, &out), 0, "%s", out);
    cr_expect(strstr(out, "(30 %)") != NULL, "the override reaches the typical customer");
    free(out);
    snprintf(cmd, sizeof cmd, "%s explain scenarios/clinic.ini --lang fr", bin());
    cr_expect_eq(run_capture(cmd, &out), 2);
    cr_expect(strstr(out, "en and zh") != NULL, "%s", out);
    free(out);
    snprintf(cmd, sizeof cmd, "%s explain", bin());
    cr_expect_eq(run_capture(cmd, &out), 2);
    free(out);
    snprintf(cmd, sizeof cmd, "%s explain scenarios/no_such.ini", bin());
    cr_expect_eq(run_capture(cmd, &out), 2);
    free(out);
}

/* ---- lessons ---- */

static int lesson_numbers(dictionary *ini, int *out, int max)
{
    int n = 0;
    for (int i = 0; i < iniparser_getnsec(ini) && n < max; i++) {
        const char *name = iniparser_getsecname(ini, i);
        if (name && !strncmp(name, "lesson.", 7))
            out[n++] = atoi(name + 7);
    }
    return n;
}

static const char *lget(dictionary *ini, int n, const char *key)
{
    char k[128];
    snprintf(k, sizeof k, "lesson.%d:%s", n, key);
    return iniparser_getstring(ini, k, NULL);
}

static int count_char(const char *s, char c)
{
    int n = 0;
    for (; s && *s; s++)
        n += *s == c;
    return n;
}

Test(explain, lesson_every_lesson_is_complete_and_its_scenarios_load)
{
    dictionary *ini = iniparser_load(LESSONS);
    cr_assert(ini, "cannot read " LESSONS);
    int num[64];
    int n = lesson_numbers(ini, num, 64);
    cr_expect(n >= 6, "at least six lessons, found %d", n);
    for (int i = 0; i < n; i++) {
        static const char *const keys[] = { "title_en", "title_zh", "question_en", "question_zh",
                                            "choices_en", "choices_zh", "takeaway_en", "takeaway_zh",
                                            "base", "variants", "metric", "judge", "answer_key" };
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
            cr_expect(lget(ini, num[i], keys[k]) && *lget(ini, num[i], keys[k]),
                      "[lesson.%d] needs %s", num[i], keys[k]);
        cr_expect_eq(count_char(lget(ini, num[i], "choices_en"), '|'),
                     count_char(lget(ini, num[i], "choices_zh"), '|'),
                     "[lesson.%d]: as many choices in Chinese as in English", num[i]);
        char files[2048];
        snprintf(files, sizeof files, "%s %s", lget(ini, num[i], "base"), lget(ini, num[i], "variants"));
        for (char *tok = strtok(files, " \t,"); tok; tok = strtok(NULL, " \t,")) {
            char path[512];
            snprintf(path, sizeof path, "scenarios/lessons/%s", tok);
            cr_expect(access(path, R_OK) == 0, "[lesson.%d]: %s does not exist", num[i], path);
            diag d = { 0 };
            scenario *sc = scen_load(path, NULL, 0, &d);
            cr_expect(sc, "[lesson.%d]: %s", num[i], d.msg);
            if (!sc)
                continue;
            engine *e = engine_prepare(sc, &d);
            cr_expect(e, "[lesson.%d]: %s", num[i], d.msg);
            engine_free(e);
            scen_free(sc);
            /* each opens with a comment telling its story */
            FILE *f = fopen(path, "r");
            int c = fgetc(f);
            fclose(f);
            cr_expect(c == ';', "%s should open with a comment", path);
        }
    }
    iniparser_freedict(ini);
}

/* Every lesson runs, and with its key as the answer is judged right: the
 * simulation teaches what the lesson says. */
Test(explain, lesson_every_lesson_runs_and_teaches_what_it_says, .timeout = 600)
{
    dictionary *ini = iniparser_load(LESSONS);
    cr_assert(ini);
    int num[64];
    int n = lesson_numbers(ini, num, 64);
    char dir[] = "/tmp/retsim-lesson-XXXXXX";
    cr_assert(mkdtemp(dir));
    for (int i = 0; i < n; i++) {
        const char *key = lget(ini, num[i], "answer_key");
        char cmd[1024];
        snprintf(cmd, sizeof cmd, "%s lesson %d --answer %s --reps 4 --threads 2 --out %s/l%d", bin(),
                 num[i], key, dir, num[i]);
        char *out;
        int status = run_capture(cmd, &out);
        cr_expect_eq(status, 0, "%s: %s", cmd, out);
        cr_expect(strstr(out, "right.") && !strstr(out, "not right"), "lesson %d, answer %s:\n%s",
                  num[i], key, out);
        cr_expect(strstr(out, "Note: the lesson expected") == NULL, "lesson %d disagrees:\n%s",
                  num[i], out);
        cr_expect(strstr(out, "THE TAKEAWAY") && strstr(out, "WHY: THE CAUSAL CHAIN"), "lesson %d",
                  num[i]);
        char path[1200];
        snprintf(path, sizeof path, "%s/l%d/compare.csv", dir, num[i]);
        cr_expect(access(path, R_OK) == 0, "lesson %d wrote no compare.csv", num[i]);
        free(out);
    }
    iniparser_freedict(ini);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_expect_eq(system(cmd), 0);
}

Test(explain, lesson_a_wrong_answer_is_called_wrong_in_both_languages)
{
    char dir[] = "/tmp/retsim-lesson-XXXXXX";
    cr_assert(mkdtemp(dir));
    char cmd[1024], *out;
    /* lesson 1: the share who come back nearly doubles, so "hardly anything" is wrong */
    snprintf(cmd, sizeof cmd, "%s lesson 1 --answer a --reps 4 --out %s/en", bin(), dir);
    cr_expect_eq(run_capture(cmd, &out), 0, "%s", out);
    cr_expect(strstr(out, "Your answer, a: not right.") != NULL, "%s", out);
    cr_expect(strstr(out, "The simulation's answer: c)") != NULL, "%s", out);
    free(out);
    snprintf(cmd, sizeof cmd, "%s lesson 1 --answer c --lang zh --reps 4 --out %s/zh", bin(), dir);
    cr_expect_eq(run_capture(cmd, &out), 0, "%s", out);
    cr_expect(strstr(out, "你的答案 c：答对了") != NULL, "%s", out);
    cr_expect(strstr(out, "第 1 课") != NULL);
    free(out);
    /* no answer and no terminal: runs without judging */
    snprintf(cmd, sizeof cmd, "%s lesson 1 --reps 4 --out %s/none", bin(), dir);
    cr_expect_eq(run_capture(cmd, &out), 0, "%s", out);
    cr_expect(strstr(out, "without judging") != NULL, "%s", out);
    cr_expect(strstr(out, "right.") == NULL);
    free(out);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_expect_eq(system(cmd), 0);
}

Test(explain, lesson_bad_input_exits_2)
{
    char cmd[512], *out;
    snprintf(cmd, sizeof cmd, "%s lesson 99", bin());
    cr_expect_eq(run_capture(cmd, &out), 2);
    cr_expect(strstr(out, "1, 2, 3") != NULL, "the valid numbers are listed: %s", out);
    free(out);
    snprintf(cmd, sizeof cmd, "%s lesson seven", bin());
    cr_expect_eq(run_capture(cmd, &out), 2);
    free(out);
    snprintf(cmd, sizeof cmd, "%s lesson 1 --lang fr", bin());
    cr_expect_eq(run_capture(cmd, &out), 2);
    cr_expect(strstr(out, "en and zh") != NULL, "%s", out);
    free(out);
    snprintf(cmd, sizeof cmd, "%s lesson --lang fr", bin());
    cr_expect_eq(run_capture(cmd, &out), 2);
    free(out);
    snprintf(cmd, sizeof cmd, "%s lesson 1 --answer z --out /tmp/retsim-never-written", bin());
    cr_expect_eq(run_capture(cmd, &out), 2);
    cr_expect(strstr(out, "a, b, c") != NULL, "%s", out);
    cr_expect(access("/tmp/retsim-never-written", F_OK) != 0, "no output for a refused answer");
    free(out);
}

Test(explain, lesson_the_list_has_at_least_six_lessons_in_both_languages)
{
    char cmd[512], *out;
    const char *langs[] = { "en", "zh" };
    for (int l = 0; l < 2; l++) {
        snprintf(cmd, sizeof cmd, "%s lesson --lang %s", bin(), langs[l]);
        cr_expect_eq(run_capture(cmd, &out), 0, "%s", out);
        int lessons = 0;
        for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
            int num, pos = 0;
            if (sscanf(line, " %d %n", &num, &pos) == 1 && pos > 0 && line[pos])
                lessons++;
        }
        cr_expect(lessons >= 6, "retsim lesson --lang %s lists %d lessons", langs[l], lessons);
        free(out);
    }
}
