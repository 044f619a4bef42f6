/* retsim report: the page holds the key numbers as summary.json and
 * compare.json give them, the plots are inline SVG, nothing is fetched from
 * elsewhere, and headless Chromium draws it on a desktop and a phone screen.
 * Bad input: exit 2 and no page.
 *
 * Runs the built binary (RETSIM_BIN, default ./retsim) and Chromium
 * (RETSIM_CHROMIUM, default chromium on PATH; `make test` installs it
 * through tools/ensure-deps.sh test). */
#include <criterion/criterion.h>
#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *bin(void)
{
    const char *b = getenv("RETSIM_BIN");
    return b ? b : "./retsim";
}

static int run_cmd(const char *cmd)
{
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

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

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* The report's number format: thousands separators, fixed decimals. */
static void grouped(char *out, size_t cap, double x, int decimals, int plus)
{
    char raw[64];
    snprintf(raw, sizeof raw, "%.*f", decimals, fabs(x));
    if (strspn(raw, "0.") == strlen(raw))
        x = 0;
    const char *dot = strchr(raw, '.');
    size_t intlen = dot ? (size_t)(dot - raw) : strlen(raw), o = 0;
    if (x < 0)
        out[o++] = '-';
    else if (plus && x > 0)
        out[o++] = '+';
    for (size_t i = 0; i < intlen && o + 2 < cap; i++) {
        if (i > 0 && (intlen - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = raw[i];
    }
    out[o] = '\0';
    if (dot)
        strncat(out, dot, cap - o - 1);
}

static void escape_html(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    for (; *s && o + 8 < cap; s++) {
        const char *r = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" : *s == '>' ? "&gt;"
                        : *s == '"' ? "&quot;" : *s == '\'' ? "&#39;" : NULL;
        if (r) {
            memcpy(out + o, r, strlen(r));
            o += strlen(r);
        } else
            out[o++] = *s;
    }
    out[o] = '\0';
}

static json_t *load(const char *dir, const char *name)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    json_error_t err;
    json_t *root = json_load_file(path, 0, &err);
    cr_assert(root, "%s: %s", path, err.text);
    return root;
}

static double metric(const json_t *metrics, const char *name, const char *what)
{
    return json_number_value(json_object_get(json_object_get(metrics, name), what));
}

static void expect_in(const char *html, const char *needle, const char *what)
{
    cr_expect(strstr(html, needle) != NULL, "%s: \"%s\" is not on the page", what, needle);
}

/* Self-contained: every SVG inline and drawn, nothing fetched. */
static void expect_self_contained(const char *html, int min_svgs)
{
    char *low = strdup(html);
    cr_assert(low);
    for (char *p = low; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    static const char *const banned[] = { "src=\"http", "src='http", "href=\"http", "href='http",
                                          "<link", "<script", "<img", "<iframe", "url(http",
                                          "@import", "src=\"//", "href=\"//", "<object", "<embed" };
    for (size_t i = 0; i < sizeof banned / sizeof banned[0]; i++)
        cr_expect(strstr(low, banned[i]) == NULL, "the page refers to an outside resource: %s",
                  banned[i]);
    free(low);
    int svgs = count(html, "<svg ");
    cr_expect(svgs >= min_svgs, "%d inline <svg> elements, expected at least %d", svgs, min_svgs);
    /* each SVG: scalable (viewBox, width 100 %) and drawn (path elements) */
    const char *p = html;
    for (int k = 0; k < svgs; k++) {
        p = strstr(p, "<svg ");
        const char *end = strstr(p, "</svg>");
        cr_assert(end, "svg %d is not closed", k);
        const char *tag_end = strchr(p, '>');
        char tag[512];
        snprintf(tag, sizeof tag, "%.*s", (int)(tag_end - p), p);
        cr_expect(strstr(tag, "viewBox=") && strstr(tag, "width=\"100%\""),
                  "svg %d is not scalable: %s", k, tag);
        int paths = 0;
        for (const char *q = p; (q = strstr(q, "<path")) && q < end; q++)
            paths++;
        cr_expect(paths >= 3, "svg %d has %d path elements", k, paths);
        p = end;
    }
    cr_expect(strstr(html, "<?xml") == NULL, "an XML prolog was left inside the page");
}

static void make_tmp(char *dir)
{
    cr_assert(mkdtemp(dir), "mkdtemp %s", dir);
}

static void cleanup(const char *dir)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    run_cmd(cmd);
}

static void simulate(const char *args, const char *out)
{
    char cmd[2400];
    snprintf(cmd, sizeof cmd, "%s %s --reps 4 -q --out %s >/dev/null", bin(), args, out);
    cr_assert_eq(run_cmd(cmd), 0, "%s", cmd);
}

static char *report(const char *dir, const char *lang)
{
    char cmd[1600], path[1200];
    snprintf(cmd, sizeof cmd, "%s report %s%s%s >/dev/null", bin(), dir, lang ? " --lang " : "",
             lang ? lang : "");
    cr_assert_eq(run_cmd(cmd), 0, "%s", cmd);
    /* the Chinese page is written beside the English one, not over it */
    snprintf(path, sizeof path, "%s/%s", dir, lang && !strcmp(lang, "zh") ? "report.zh.html" : "report.html");
    char *html = slurp(path);
    cr_assert(html, "%s was not written", path);
    return html;
}

/* ---- the run page ---- */

static void expect_run_numbers(const char *html, const char *dir)
{
    json_t *sum = load(dir, "summary.json");
    const json_t *ms = json_object_get(sum, "metrics");
    char b[64];
    grouped(b, sizeof b, metric(ms, "profit", "mean"), 0, 0);
    expect_in(html, b, "profit mean");
    grouped(b, sizeof b, metric(ms, "profit", "ci_low"), 0, 0);
    expect_in(html, b, "profit CI low");
    grouped(b, sizeof b, metric(ms, "profit", "ci_high"), 0, 0);
    expect_in(html, b, "profit CI high");
    grouped(b, sizeof b, metric(ms, "revenue", "mean"), 0, 0);
    expect_in(html, b, "revenue mean");
    grouped(b, sizeof b, metric(ms, "new_customers", "mean"), 0, 0);
    expect_in(html, b, "new customers");
    grouped(b, sizeof b, 100 * metric(ms, "retention_90", "mean"), 1, 0);
    expect_in(html, b, "retention at 90 days");
    grouped(b, sizeof b, 100 * metric(ms, "retention_365", "mean"), 1, 0);
    expect_in(html, b, "retention at 365 days");
    char cmd[256];
    snprintf(cmd, sizeof cmd, "retsim run scenario.ini --seed %lld --reps %lld",
             (long long)json_integer_value(json_object_get(sum, "seed")),
             (long long)json_integer_value(json_object_get(sum, "replications")));
    expect_in(html, cmd, "the command that re-runs it");
    json_decref(sum);

    /* the exact scenario text, escaped */
    char path[1200];
    snprintf(path, sizeof path, "%s/scenario.ini", dir);
    char *ini = slurp(path);
    cr_assert(ini);
    size_t cap = 6 * strlen(ini) + 16;
    char *esc = malloc(cap);
    escape_html(ini, esc, cap);
    expect_in(html, esc, "the scenario text");
    free(esc);
    free(ini);
    /* the explanation, or the note saying it is not available */
    cr_expect(strstr(html, "class=\"explanation\"") || strstr(html, "class=\"note\""),
              "neither the explanation nor a note about it");
}

Test(report, run_page_in_english, .timeout = 300)
{
    char dir[] = "/tmp/retsim-report-XXXXXX";
    make_tmp(dir);
    char out[1200];
    snprintf(out, sizeof out, "%s/clinic", dir);
    simulate("run scenarios/clinic.ini", out);
    char *html = report(out, NULL);
    cr_expect(!strncmp(html, "<!DOCTYPE html>", 15), "not an HTML5 page");
    expect_in(html, "<html lang=\"en\">", "the page's language");
    expect_in(html, "name=\"viewport\"", "the viewport for phones");
    expect_in(html, "@media print", "the print style");
    expect_in(html, "@media (max-width", "the narrow-screen style");
    expect_in(html, "clinic", "the scenario name");
    expect_in(html, "retention by customer age", "the retention plot's English title");
    expect_run_numbers(html, out);
    expect_self_contained(html, 4);
    free(html);
    cleanup(dir);
}

Test(report, run_page_in_chinese, .timeout = 300)
{
    char dir[] = "/tmp/retsim-report-XXXXXX";
    make_tmp(dir);
    char out[1200];
    snprintf(out, sizeof out, "%s/clinic", dir);
    simulate("run scenarios/clinic.ini", out);
    char *html = report(out, "zh");
    expect_in(html, "<html lang=\"zh-CN\">", "the page's language");
    expect_in(html, "Noto Sans CJK SC", "a CJK font stack");
    expect_in(html, "利润", "Chinese labels");
    expect_in(html, "95%置信区间", "Chinese labels");
    /* the plots are drawn in Chinese too */
    const char *svg = strstr(html, "<svg ");
    cr_assert(svg, "no inline SVG");
    cr_expect(strstr(svg, "按客龄的留存率") != NULL, "the retention plot's Chinese title is not in the SVG");
    cr_expect(strstr(html, "retention by customer age") == NULL, "an English plot title on the Chinese page");
    expect_run_numbers(html, out);
    expect_self_contained(html, 4);
    free(html);
    cleanup(dir);
}

/* `retsim report DIR --lang zh` writes report.zh.html beside report.html:
 * the English page written first is still there, byte for byte, and each
 * file is in its own language; run --report --lang zh names its page the
 * same way. */
Test(report, chinese_page_beside_the_english_one, .timeout = 300)
{
    char dir[] = "/tmp/retsim-report-XXXXXX";
    make_tmp(dir);
    char out[1200], en_path[1300], zh_path[1300], cmd[2600];
    snprintf(out, sizeof out, "%s/clinic", dir);
    simulate("run scenarios/clinic.ini --report", out);
    snprintf(en_path, sizeof en_path, "%s/report.html", out);
    snprintf(zh_path, sizeof zh_path, "%s/report.zh.html", out);
    char *en = slurp(en_path);
    cr_assert(en, "run --report wrote no %s", en_path);
    cr_expect(access(zh_path, F_OK) != 0, "run --report (English) wrote %s", zh_path);

    snprintf(cmd, sizeof cmd, "%s report %s --lang zh > %s/said.txt", bin(), out, dir);
    cr_assert_eq(run_cmd(cmd), 0, "%s", cmd);
    char *zh = slurp(zh_path);
    cr_assert(zh, "report --lang zh wrote no %s", zh_path);
    expect_in(zh, "<html lang=\"zh-CN\">", "the Chinese page's language");
    char *en_after = slurp(en_path);
    cr_assert(en_after, "report --lang zh removed %s", en_path);
    cr_expect(!strcmp(en, en_after), "report --lang zh changed %s", en_path);
    expect_in(en_after, "<html lang=\"en\">", "the English page's language");
    char said_path[1300];
    snprintf(said_path, sizeof said_path, "%s/said.txt", dir);
    char *said = slurp(said_path);
    cr_expect(said && strstr(said, "report.zh.html"), "report --lang zh does not say it wrote report.zh.html: %s",
              said ? said : "");
    free(said);
    free(zh);
    free(en_after);

    /* run --report --lang zh: report.zh.html too, the English page kept */
    char out2[1300], zh2[1400], en2[1400];
    snprintf(out2, sizeof out2, "%s/zh", dir);
    simulate("run scenarios/clinic.ini --report --lang zh", out2);
    snprintf(zh2, sizeof zh2, "%s/report.zh.html", out2);
    snprintf(en2, sizeof en2, "%s/report.html", out2);
    cr_expect(access(zh2, F_OK) == 0, "run --report --lang zh wrote no %s", zh2);
    cr_expect(access(en2, F_OK) != 0, "run --report --lang zh wrote an English %s", en2);
    free(en);
    cleanup(dir);
}

/* ---- the compare page, through compare --report ---- */

Test(report, compare_page_has_the_verdicts, .timeout = 300)
{
    char dir[] = "/tmp/retsim-report-XXXXXX";
    make_tmp(dir);
    char out[1200], path[1300];
    snprintf(out, sizeof out, "%s/recharge", dir);
    simulate("compare scenarios/restaurant.ini scenarios/restaurant_recharge.ini --report", out);
    snprintf(path, sizeof path, "%s/report.html", out);
    char *html = slurp(path);
    cr_assert(html, "compare --report wrote no %s", path);
    json_t *cmp = load(out, "compare.json");
    const json_t *v = json_array_get(json_object_get(cmp, "variants"), 0);
    const json_t *ms = json_object_get(v, "metrics");
    char b[64], want[128];
    /* relative changes as compare prints them, e.g. +4.9 % */
    static const char *const rel[] = { "profit", "revenue", "new_customers" };
    for (int i = 0; i < 3; i++) {
        grouped(b, sizeof b, 100 * metric(ms, rel[i], "rel_change"), 1, 1);
        snprintf(want, sizeof want, "%s&nbsp;%%", b);
        expect_in(html, want, rel[i]);
        grouped(b, sizeof b, 100 * metric(ms, rel[i], "rel_ci_low"), 1, 1);
        snprintf(want, sizeof want, "[%s&nbsp;%%", b);
        expect_in(html, want, rel[i]);
    }
    /* a share's change in percentage points */
    grouped(b, sizeof b, 100 * metric(ms, "retention_365", "diff_mean"), 1, 1);
    snprintf(want, sizeof want, "%s&nbsp;pp", b);
    expect_in(html, want, "retention_365 difference");
    /* the base's and the variant's profit */
    grouped(b, sizeof b, metric(json_object_get(cmp, "base_metrics"), "profit", "mean"), 0, 0);
    expect_in(html, b, "the base's profit");
    grouped(b, sizeof b, metric(ms, "profit", "mean"), 0, 0);
    expect_in(html, b, "the variant's profit");
    expect_in(html, "restaurant_recharge", "the variant's name");
    expect_in(html, "badge up", "an \"up\" verdict");
    expect_in(html, json_string_value(json_object_get(json_array_get(json_object_get(v, "promotions"), 0),
                                                      "name")),
              "the promotion applied");
    expect_in(html, "retsim compare 0_restaurant/scenario.ini 1_restaurant_recharge/scenario.ini --seed 1 --reps 4",
              "the command that re-runs it");
    json_decref(cmp);
    expect_self_contained(html, 4);
    free(html);
    cleanup(dir);
}

Test(report, sweep_page, .timeout = 300)
{
    char dir[] = "/tmp/retsim-report-XXXXXX";
    make_tmp(dir);
    char out[1200];
    snprintf(out, sizeof out, "%s/sweep", dir);
    simulate("sweep scenarios/restaurant.ini --param churn.mean=0.3:0.5:0.2", out);
    char *html = report(out, NULL);
    json_t *sw = load(out, "sweep.json");
    const json_t *profit = json_object_get(json_object_get(json_object_get(sw, "metrics"), "profit"), "mean");
    char b[64];
    for (size_t i = 0; i < json_array_size(profit); i++) {
        grouped(b, sizeof b, json_number_value(json_array_get(profit, i)), 0, 0);
        expect_in(html, b, "profit at a swept value");
    }
    expect_in(html, "churn.mean", "the swept key");
    json_decref(sw);
    expect_self_contained(html, 2);
    free(html);
    cleanup(dir);
}

/* ---- bad input ---- */

Test(report, bad_input_exits_2)
{
    char dir[] = "/tmp/retsim-report-XXXXXX";
    make_tmp(dir);
    char cmd[1600], path[1300];
    snprintf(cmd, sizeof cmd, "%s report %s 2>%s/err.txt", bin(), dir, dir);
    cr_expect_eq(run_cmd(cmd), 2, "an empty directory: %s", cmd);
    /* the message says what was expected */
    snprintf(path, sizeof path, "%s/err.txt", dir);
    char *err = slurp(path);
    cr_expect(err && strstr(err, "summary.json") && strstr(err, "compare.json") && strstr(err, "sweep.json"),
              "the message should name the files expected: %s", err ? err : "");
    free(err);
    unlink(path);
    snprintf(cmd, sizeof cmd, "%s report %s/missing 2>/dev/null", bin(), dir);
    cr_expect_eq(run_cmd(cmd), 2, "a missing directory: %s", cmd);
    snprintf(cmd, sizeof cmd, "%s report 2>/dev/null", bin());
    cr_expect_eq(run_cmd(cmd), 2, "no directory: %s", cmd);
    snprintf(cmd, sizeof cmd, "%s report %s --bogus 2>/dev/null", bin(), dir);
    cr_expect_eq(run_cmd(cmd), 2, "an unknown option: %s", cmd);
    /* a summary.json that is not retsim's */
    snprintf(path, sizeof path, "%s/summary.json", dir);
    FILE *f = fopen(path, "w");
    fputs("{\"hello\": 1}", f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "%s report %s 2>/dev/null", bin(), dir);
    cr_expect_eq(run_cmd(cmd), 2, "a foreign summary.json: %s", cmd);
    f = fopen(path, "w");
    fputs("not json", f);
    fclose(f);
    cr_expect_eq(run_cmd(cmd), 2, "a broken summary.json: %s", cmd);
    snprintf(path, sizeof path, "%s/report.html", dir);
    cr_expect(access(path, F_OK) != 0, "a report was written for bad input");
    /* an unsupported language, on a real output */
    char out[1200];
    snprintf(out, sizeof out, "%s/run", dir);
    simulate("run scenarios/restaurant.ini", out);
    snprintf(cmd, sizeof cmd, "%s report %s --lang fr 2>%s/err.txt", bin(), out, dir);
    cr_expect_eq(run_cmd(cmd), 2, "--lang fr: %s", cmd);
    snprintf(path, sizeof path, "%s/err.txt", dir);
    err = slurp(path);
    cr_expect(err && strstr(err, "en") && strstr(err, "zh"), "the message should name en and zh: %s",
              err ? err : "");
    free(err);
    snprintf(cmd, sizeof cmd, "%s run scenarios/restaurant.ini --reps 2 -q --out %s/r2 --report --lang fr 2>/dev/null",
             bin(), dir);
    cr_expect_eq(run_cmd(cmd), 2, "run --report --lang fr: %s", cmd);
    snprintf(path, sizeof path, "%s/report.html", out);
    cr_expect(access(path, F_OK) != 0, "a report was written for --lang fr");
    cleanup(dir);
}

/* ---- in a browser ---- */

static const char *chromium(void)
{
    static char found[512];
    const char *env = getenv("RETSIM_CHROMIUM");
    if (env && *env)
        return env;
    static const char *const names[] = { "chromium", "chromium-browser", "google-chrome" };
    const char *path = getenv("PATH");
    for (size_t i = 0; i < 3; i++) {
        char *copy = strdup(path ? path : "/usr/bin:/bin");
        for (char *save = NULL, *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
            snprintf(found, sizeof found, "%s/%s", dir, names[i]);
            if (access(found, X_OK) == 0) {
                free(copy);
                return found;
            }
        }
        free(copy);
    }
    return NULL;
}

/* A page that loads each report in frames of a desktop's and a phone's
 * width and writes, for each, what the browser laid out: how many SVGs,
 * how many drawn (a real size, paths with a non-empty box), whether the page
 * overflows sideways, and whether the key number is in the rendered text. */
static void write_probe(const char *path, const char *const *pages, const char *const *numbers, int n)
{
    static const int widths[] = { 1200, 390 };
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fputs("<!DOCTYPE html><html><body style=\"margin:0\">\n<pre id=\"out\"></pre>\n<script>\n"
          "function probe(frame, name, width, number) {\n"
          "  var d = frame.contentDocument, svgs = d.querySelectorAll('svg'), drawn = 0, paths = 0;\n"
          "  for (var i = 0; i < svgs.length; i++) {\n"
          "    var r = svgs[i].getBoundingClientRect(), ps = svgs[i].querySelectorAll('path'), ok = 0;\n"
          "    paths += ps.length;\n"
          "    for (var j = 0; j < ps.length; j++) { var b = ps[j].getBBox(); if (b.width > 0 || b.height > 0) ok++; }\n"
          "    if (r.width > width / 2 && r.height > r.width / 3 && ok >= 3) drawn++;\n"
          "  }\n"
          "  var e = d.documentElement;\n"
          "  document.getElementById('out').textContent += 'PROBE ' + name + ' ' + width + ' svgs=' + svgs.length +\n"
          "    ' drawn=' + drawn + ' paths=' + paths + ' overflow=' + (e.scrollWidth > e.clientWidth + 1 ? 1 : 0) +\n"
          "    ' text=' + (d.body.innerText.indexOf(number) >= 0 ? 1 : 0) + '\\n';\n"
          "}\n</script>\n", f);
    for (int i = 0; i < n; i++)
        for (int w = 0; w < 2; w++)
            fprintf(f, "<iframe src=\"%s\" style=\"border:0;width:%dpx;height:1500px\" "
                       "onload=\"probe(this, '%d', %d, '%s')\"></iframe>\n",
                    pages[i], widths[w], i, widths[w], numbers[i]);
    fputs("</body></html>\n", f);
    fclose(f);
}

/* width and height from the IHDR chunk */
static void png_size(const char *path, long *w, long *h, long *bytes)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f, "no screenshot %s", path);
    unsigned char b[24];
    cr_assert_eq(fread(b, 1, 24, f), 24, "%s is too short for a PNG", path);
    fseek(f, 0, SEEK_END);
    *bytes = ftell(f);
    fclose(f);
    cr_assert(!memcmp(b, "\x89PNG\r\n\x1a\n", 8) && !memcmp(b + 12, "IHDR", 4), "%s is not a PNG", path);
    *w = (long)b[16] << 24 | (long)b[17] << 16 | (long)b[18] << 8 | b[19];
    *h = (long)b[20] << 24 | (long)b[21] << 16 | (long)b[22] << 8 | b[23];
}

Test(report, renders_in_headless_chromium, .timeout = 600)
{
    const char *chrome = chromium();
    cr_assert(chrome, "chromium is not installed: the report test renders the page in headless Chromium. "
                      "Run `sh tools/ensure-deps.sh test` (make test does), or set RETSIM_CHROMIUM");
    char tmp[] = "/tmp/retsim-report-XXXXXX";
    make_tmp(tmp);
    char run[1200], cmp[1200], page0[1300], page1[1300], num0[64], num1[64];
    snprintf(run, sizeof run, "%s/clinic", tmp);
    snprintf(cmp, sizeof cmp, "%s/recharge", tmp);
    simulate("run scenarios/clinic.ini --report", run);
    simulate("compare scenarios/restaurant.ini scenarios/restaurant_recharge.ini --report --lang zh", cmp);
    json_t *sum = load(run, "summary.json");
    grouped(num0, sizeof num0, metric(json_object_get(sum, "metrics"), "profit", "mean"), 0, 0);
    json_decref(sum);
    json_t *c = load(cmp, "compare.json");
    grouped(num1, sizeof num1,
            metric(json_object_get(json_array_get(json_object_get(c, "variants"), 0), "metrics"), "profit", "mean"),
            0, 0);
    json_decref(c);
    snprintf(page0, sizeof page0, "%s/report.html", run);
    snprintf(page1, sizeof page1, "%s/report.zh.html", cmp); /* --lang zh */

    /* four screenshots (each page on a desktop and a phone), side by side,
     * then the probe through --dump-dom */
    char cmd[16384], probe_path[1300], dom_path[1300];
    snprintf(probe_path, sizeof probe_path, "%s/probe.html", tmp);
    snprintf(dom_path, sizeof dom_path, "%s/probe.dom", tmp);
    const char *pages[] = { "clinic/report.html", "recharge/report.zh.html" };
    const char *numbers[] = { num0, num1 };
    write_probe(probe_path, pages, numbers, 2);
    snprintf(cmd, sizeof cmd,
             "cd '%s' && C='%s' && F='--headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
             "--disable-background-networking --disable-component-update --disable-sync --disable-dev-shm-usage "
             "--hide-scrollbars' && "
             "shot() { d=$(mktemp -d ./profile-XXXXXX); \"$C\" $F --user-data-dir=\"$d\" --window-size=$2 "
             "--screenshot=$3 \"file://$1\" >>chromium.log 2>&1; rc=$?; rm -rf \"$d\"; return $rc; } && "
             "(shot '%s' 1200,3000 run_desktop.png & shot '%s' 390,2000 run_phone.png & "
             " shot '%s' 1200,3000 cmp_desktop.png & shot '%s' 390,2000 cmp_phone.png & wait) && "
             "d=$(mktemp -d ./profile-XXXXXX) && \"$C\" $F --user-data-dir=\"$d\" --allow-file-access-from-files "
             "--dump-dom 'file://%s' > '%s' 2>>chromium.log; rc=$?; rm -rf \"$d\"; exit $rc",
             tmp, chrome, page0, page0, page1, page1, probe_path, dom_path);
    cr_assert_eq(run_cmd(cmd), 0, "chromium failed (see %s/chromium.log)", tmp);

    static const struct { const char *file; long width, min_bytes; } shots[] = {
        { "run_desktop.png", 1200, 60000 }, { "run_phone.png", 390, 20000 },
        { "cmp_desktop.png", 1200, 60000 }, { "cmp_phone.png", 390, 20000 },
    };
    for (size_t i = 0; i < 4; i++) {
        char path[1400];
        long w, h, bytes;
        snprintf(path, sizeof path, "%s/%s", tmp, shots[i].file);
        png_size(path, &w, &h, &bytes);
        cr_expect_eq(w, shots[i].width, "screenshot %s is %ld px wide", path, w);
        cr_expect(h >= 1000, "screenshot %s is %ld px high", path, h);
        /* a blank page compresses to a few kB; text, tables and plots do not */
        cr_expect(bytes >= shots[i].min_bytes, "screenshot %s has %ld bytes: the page looks blank", path, bytes);
    }

    char *dom = slurp(dom_path);
    cr_assert(dom, "no DOM dumped");
    int seen = 0;
    char *out = strstr(dom, "<pre id=\"out\">");
    cr_assert(out, "no probe output in the DOM");
    char *out_end = strstr(out, "</pre>");
    if (out_end)
        *out_end = '\0';
    for (const char *r = out; (r = strstr(r, "PROBE ")); r++) {
        int page, width, svgs, drawn, paths, overflow, text;
        cr_assert_eq(sscanf(r, "PROBE %d %d svgs=%d drawn=%d paths=%d overflow=%d text=%d", &page, &width, &svgs,
                            &drawn, &paths, &overflow, &text),
                     7, "%.120s", r);
        const char *name = pages[page];
        seen++;
        cr_expect(svgs >= 4, "%s at %d px: the browser sees %d SVGs", name, width, svgs);
        cr_expect_eq(drawn, svgs, "%s at %d px: only %d of %d plots are drawn at a readable size", name, width,
                     drawn, svgs);
        cr_expect(paths >= 3 * svgs, "%s at %d px: %d path elements", name, width, paths);
        cr_expect_eq(overflow, 0, "%s at %d px: the page overflows sideways", name, width);
        cr_expect_eq(text, 1, "%s at %d px: the rendered text lacks the profit %s", name, width, numbers[page]);
    }
    cr_expect_eq(seen, 4, "the probe reported %d of 4 layouts: %.300s", seen, dom);
    free(dom);
    cleanup(tmp);
}
