/* report: one self-contained report.html for a run, a comparison or a sweep
 * output directory.
 *
 * Everything on the page is read back from what the command wrote
 * (summary.json, compare.json, sweep.json, scenario.ini and the CSV files),
 * so `retsim report DIR` gives the same page as `--report` did.  The plots
 * are drawn again as SVG, in the report's language, into a scratch directory
 * (the CSV inputs linked in), and their text is embedded inline: the page
 * needs no other file, font, script or network. */
#include "report.h"
#include "../sim/text.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compare.h"
#include "../sim/engine.h"
#include "explain.h"
#include "../sim/metrics.h"
#include "output.h"
#include "../sim/scenario.h"
#include "../sim/sections.h"
#include "../sim/lang.h"

static int is_share(int m)
{
    return !strcmp(metric_table[m].unit, "share");
}

/* ------------------------------------------------------------------ */
/* The page being written */

typedef enum { KIND_RUN, KIND_COMPARE, KIND_SWEEP } report_kind;

typedef struct page {
    FILE *f;                 /* memory stream: the page goes to disk whole */
    lang_id lang;
    const char *dir;
    char absdir[PATH_MAX];
    char scratch[PATH_MAX];  /* where the SVGs are drawn; removed at the end */
    char currency[SCEN_TEXT_MAX];
    int nfig;
} page;


/* printf into a buffer, then escaped */
static void escf(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void escf(FILE *f, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    text_escape_html(f, buf);
}

/* ------------------------------------------------------------------ */
/* Numbers: thousands separators, decimals by magnitude */

static int auto_decimals(double x)
{
    double a = fabs(x);
    return a >= 100 || a == 0 ? 0 : a >= 10 ? 1 : 2;
}

/* x with `decimals` decimals and ',' between thousands; sign "+" when
 * plus is set and x > 0. */
static const char *fmt_grouped(char *buf, size_t cap, double x, int decimals, int plus)
{
    if (isnan(x)) {
        snprintf(buf, cap, "n/a");
        return buf;
    }
    char raw[64];
    snprintf(raw, sizeof raw, "%.*f", decimals, fabs(x));
    if (!strcmp(raw, "0") || strspn(raw, "0.") == strlen(raw))
        x = 0; /* no "-0" */
    const char *dot = strchr(raw, '.');
    size_t intlen = dot ? (size_t)(dot - raw) : strlen(raw);
    size_t o = 0;
    if (x < 0 && o + 1 < cap)
        buf[o++] = '-';
    else if (plus && x > 0 && o + 1 < cap)
        buf[o++] = '+';
    for (size_t i = 0; i < intlen && o + 2 < cap; i++) {
        if (i > 0 && (intlen - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = raw[i];
    }
    if (dot)
        for (const char *p = dot; *p && o + 1 < cap; p++)
            buf[o++] = *p;
    buf[o] = '\0';
    return buf;
}

/* A metric's value in its display unit: shares as percentages. */
static const char *fmt_metric(char *buf, size_t cap, int m, double x)
{
    if (is_share(m))
        return fmt_grouped(buf, cap, 100 * x, 1, 0);
    return fmt_grouped(buf, cap, x, auto_decimals(x), 0);
}

/* The currency as the page and its plots name it: yuan is 元 in Chinese. */
static const char *currency_label(const page *p)
{
    return lang_currency(p->lang, p->currency);
}

/* The unit shown next to a metric's value. */
static const char *unit_label(const page *p, int m)
{
    const char *u = metric_table[m].unit;
    if (!strcmp(u, "currency"))
        return currency_label(p);
    if (!strcmp(u, "share"))
        return "%";
    if (!strcmp(u, "people"))
        return tr(p->lang, "people");
    if (!strcmp(u, "visits"))
        return tr(p->lang, "visits");
    if (!strcmp(u, "touches"))
        return tr(p->lang, "touches");
    if (!strcmp(u, "minutes"))
        return tr(p->lang, "minutes");
    return u;
}

/* "5,091,313 yuan" or "25.2 %" (en), "5,091,313 元" or "25.2%" (zh) */
static void put_value(page *p, int m, double x)
{
    char b[64];
    fmt_metric(b, sizeof b, m, x);
    text_escape_html(p->f, b);
    if (isnan(x))
        return;
    const char *u = unit_label(p, m);
    if (!strcmp(u, "%"))
        fputs(tr(p->lang, "<span class=\"u\">&nbsp;%</span>"), p->f);
    else if (*u) {
        fputs("<span class=\"u\"> ", p->f);
        text_escape_html(p->f, u);
        fputs("</span>", p->f);
    }
}

/* "4,893,011 – 5,289,615" */
static void put_interval(page *p, int m, double lo, double hi)
{
    char a[64], b[64];
    if (isnan(lo) || isnan(hi)) {
        fputs("n/a", p->f);
        return;
    }
    fmt_metric(a, sizeof a, m, lo);
    fmt_metric(b, sizeof b, m, hi);
    fprintf(p->f, "<span class=\"iv\">%s&nbsp;–&nbsp;%s</span>", a, b);
}

/* What put_value (put), put_interval (put NULL: lo = x to hi) or
 * text_escape_html (text not NULL) would write, into buf: for a sentence
 * whose translation orders its values. */
static const char *html_of(char *buf, size_t cap, page *p, void (*put)(page *, int, double), int m,
                           double x, double hi, const char *text)
{
    buf[0] = '\0';
    FILE *mem = fmemopen(buf, cap, "w");
    if (!mem)
        return buf;
    FILE *saved = p->f;
    p->f = mem;
    if (text)
        text_escape_html(mem, text);
    else if (put)
        put(p, m, x);
    else
        put_interval(p, m, x, hi);
    p->f = saved;
    fclose(mem);
    return buf;
}

/* ------------------------------------------------------------------ */
/* JSON */

static double jnum(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static const char *jstr(const json_t *o, const char *key, const char *fallback)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : fallback;
}

typedef struct stat4 {
    double mean, ci_low, ci_high;
} stat4;

static stat4 jstat(const json_t *metrics, int m)
{
    const json_t *o = json_object_get(metrics, metric_table[m].name);
    stat4 s = { jnum(o, "mean"), jnum(o, "ci_low"), jnum(o, "ci_high") };
    return s;
}

/* a/b; -1 when it does not fit (then truncated) */
static int join(char *out, size_t cap, const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (cap == 0)
        return -1;
    if (la + 1 + lb >= cap) {
        out[0] = '\0';
        return -1;
    }
    memcpy(out, a, la);
    out[la] = '/';
    memcpy(out + la + 1, b, lb + 1);
    return 0;
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Loads dir/name; NULL when absent.  A file there that is not JSON (or not
 * an object) is an error (DIAG_USAGE, *bad set). */
static json_t *load_json(const char *dir, const char *name, int *bad, diag *d)
{
    char path[PATH_MAX + 64];
    join(path, sizeof path, dir, name);
    if (!file_exists(path))
        return NULL;
    json_error_t err;
    json_t *root = json_load_file(path, 0, &err);
    if (!root || !json_is_object(root)) {
        *bad = 1;
        diag_set(d, DIAG_USAGE, "%s is not a retsim %s: %s (line %d)", path, name,
                 root ? "expected a JSON object" : err.text, root ? 0 : err.line);
        json_decref(root);
        return NULL;
    }
    return root;
}

/* Reads a whole text file; NULL when it cannot. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n + 1 >= cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        if (len)
            *len = n;
    }
    return buf;
}

/* ------------------------------------------------------------------ */
/* Figures: drawn as SVG into the scratch directory, then embedded */

static int make_scratch(page *p, diag *d)
{
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp || strchr(tmp, '\''))
        tmp = "/tmp";
    snprintf(p->scratch, sizeof p->scratch, "%s/retsim-svg-XXXXXX", tmp);
    if (!mkdtemp(p->scratch)) {
        int err = errno;
        p->scratch[0] = '\0';
        return diag_set(d, DIAG_RUNTIME, "cannot create a scratch directory in %s: %s", tmp,
                        strerror(err));
    }
    return 0;
}

static void remove_scratch(page *p)
{
    if (!p->scratch[0])
        return;
    DIR *dh = opendir(p->scratch);
    if (dh) {
        struct dirent *de;
        while ((de = readdir(dh))) {
            if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                continue;
            char path[PATH_MAX + 300];
            join(path, sizeof path, p->scratch, de->d_name);
            unlink(path); /* plain files and symbolic links only */
        }
        closedir(dh);
    }
    rmdir(p->scratch);
    p->scratch[0] = '\0';
}

/* scratch/name -> absdir/name, for the figure writers' inputs */
static void link_input(page *p, const char *name)
{
    char from[PATH_MAX + 300], to[PATH_MAX + 300];
    join(to, sizeof to, p->absdir, name);
    join(from, sizeof from, p->scratch, name);
    if (symlink(to, from) != 0 && errno != EEXIST)
        fprintf(stderr, "retsim: warning: cannot link %s into %s: %s\n", to, p->scratch,
                strerror(errno));
}

static int starts_with(const char *s, const char *prefix)
{
    return !strncmp(s, prefix, strlen(prefix));
}

/* Writes the SVG text inline: the XML prolog dropped, the size made
 * responsive (viewBox kept, width 100 %), every id prefixed so that several
 * gnuplot figures on one page cannot capture each other's references, the
 * title made the caption, scripts dropped. */
static int embed_svg(page *p, const char *svg, const char *title)
{
    const char *s = strstr(svg, "<svg");
    if (!s)
        return -1;
    const char *tag_end = strchr(s, '>');
    if (!tag_end)
        return -1;
    FILE *f = p->f;
    char prefix[32];
    snprintf(prefix, sizeof prefix, "rf%d-", p->nfig);

    /* the opening tag: attributes copied except width and height */
    double w = 0, h = 0;
    int has_viewbox = 0;
    fputs("<svg", f);
    const char *a = s + 4;
    while (a < tag_end) {
        while (a < tag_end && (*a == ' ' || *a == '\n' || *a == '\t' || *a == '\r'))
            a++;
        if (a >= tag_end || *a == '/')
            break;
        const char *name = a;
        while (a < tag_end && *a != '=' && *a != ' ' && *a != '\n')
            a++;
        size_t nlen = (size_t)(a - name);
        const char *val = a, *val_end = a;
        if (a < tag_end && *a == '=') {
            a++;
            char q = *a;
            if (q == '"' || q == '\'') {
                val = ++a;
                while (a < tag_end && *a != q)
                    a++;
                val_end = a;
                if (a < tag_end)
                    a++;
            } else {
                val = a;
                while (a < tag_end && *a != ' ' && *a != '\n')
                    a++;
                val_end = a;
            }
        }
        if (nlen == 5 && !strncmp(name, "width", 5)) {
            w = strtod(val, NULL);
            continue;
        }
        if (nlen == 6 && !strncmp(name, "height", 6)) {
            h = strtod(val, NULL);
            continue;
        }
        if (nlen == 7 && !strncmp(name, "viewBox", 7))
            has_viewbox = 1;
        fprintf(f, " %.*s=\"%.*s\"", (int)nlen, name, (int)(val_end - val), val);
    }
    if (!has_viewbox && w > 0 && h > 0)
        fprintf(f, " viewBox=\"0 0 %g %g\"", w, h);
    fprintf(f, " width=\"100%%\" role=\"img\" aria-labelledby=\"%scap\"", prefix);
    fputc('>', f);

    /* the body */
    const char *end = strstr(tag_end, "</svg>");
    if (!end)
        return -1;
    int groups = 0;
    for (const char *c = tag_end + 1; c < end;) {
        if (starts_with(c, "<title>")) {
            const char *te = strstr(c, "</title>");
            if (te && te < end) {
                fputs("<title>", f);
                text_escape_html(f, title);
                fputs("</title>", f);
                c = te + 8;
                continue;
            }
        }
        if (starts_with(c, "<script")) {
            const char *se = strstr(c, "</script>");
            c = se && se < end ? se + 9 : end;
            continue;
        }
        if (starts_with(c, " id=\"") || starts_with(c, " id='")) {
            char q = c[4];
            fwrite(c, 1, 5, f);
            fputs(prefix, f);
            c += 5;
            /* gnuplot repeats its (unreferenced) group ids: made unique */
            if (starts_with(c, "gnuplot_plot_")) {
                const char *qe = strchr(c, q);
                if (qe && qe < end) {
                    fwrite(c, 1, (size_t)(qe - c), f);
                    fprintf(f, "-%d", ++groups);
                    c = qe;
                }
            }
            continue;
        }
        if (starts_with(c, "href=\"#") || starts_with(c, "href='#")) {
            fwrite(c, 1, 7, f);
            fputs(prefix, f);
            c += 7;
            continue;
        }
        if (starts_with(c, "url(#")) {
            fputs("url(#", f);
            fputs(prefix, f);
            c += 5;
            continue;
        }
        fputc(*c++, f);
    }
    fputs("</svg>", f);
    return 0;
}

/* One figure: the SVG drawn in the scratch directory, with its caption. */
static void put_figure(page *p, const char *name, const char *title, const char *caption)
{
    char path[PATH_MAX + 300];
    snprintf(path, sizeof path, "%s/%s.svg", p->scratch, name);
    char *svg = p->scratch[0] ? slurp(path, NULL) : NULL;
    p->nfig++;
    fprintf(p->f, "<figure class=\"fig\" id=\"fig-%s\">\n", name);
    if (!svg || embed_svg(p, svg, title)) {
        fputs("<p class=\"note\">", p->f);
        text_escape_html(p->f, tr(p->lang, "This plot could not be drawn (is gnuplot installed?); its data is in the CSV files of this folder."));
        fputs("</p>\n", p->f);
    }
    free(svg);
    fprintf(p->f, "\n<figcaption id=\"rf%d-cap\"><b>", p->nfig);
    text_escape_html(p->f, title);
    fputs("</b> ", p->f);
    text_escape_html(p->f, caption);
    fputs("</figcaption>\n</figure>\n", p->f);
}

/* A figure writer's failure is not the report's: the page says so. */
static void figure_problem(page *p, const diag *fd)
{
    if (!fd->status)
        return;
    fputs("<p class=\"note\">", p->f);
    text_escape_html(p->f, tr(p->lang, "Some plots could not be drawn: "));
    text_escape_html(p->f, fd->msg);
    fputs("</p>\n", p->f);
}

/* ------------------------------------------------------------------ */
/* Page furniture */

static const char page_css[] =
    ":root{--fg:#1c2430;--muted:#5a6473;--line:#dde2ea;--soft:#f4f6f9;--accent:#1f5fbf;"
    "--up:#17703a;--up-bg:#dcf3e3;--down:#b3261e;--down-bg:#fbe3e1;--flat:#5a6473;--flat-bg:#eceff3;"
    "--font:system-ui,-apple-system,\"Segoe UI\",Roboto,\"Helvetica Neue\",Arial,\"Noto Sans\",\"Liberation Sans\",sans-serif;"
    "--mono:ui-monospace,\"SFMono-Regular\",\"DejaVu Sans Mono\",\"Liberation Mono\",Menlo,Consolas,monospace;color-scheme:light}\n"
    "html[lang=zh-CN]{--font:\"Noto Sans CJK SC\",\"Noto Sans SC\",\"Source Han Sans SC\",\"PingFang SC\",\"Hiragino Sans GB\",\"Microsoft YaHei\",\"WenQuanYi Micro Hei\",sans-serif}\n"
    "*{box-sizing:border-box}\n"
    "html{-webkit-text-size-adjust:100%;text-size-adjust:100%}\n"
    "body{margin:0;background:#fff;color:var(--fg);font:16px/1.55 var(--font)}\n"
    "main{max-width:1000px;margin:0 auto;padding:28px 24px 56px}\n"
    "header{border-bottom:3px solid var(--accent);padding-bottom:14px;margin-bottom:8px}\n"
    ".kicker{font-size:.8rem;letter-spacing:.06em;text-transform:uppercase;color:var(--accent);font-weight:700;margin:0}\n"
    "h1{font-size:1.9rem;line-height:1.2;margin:.15em 0 .25em}\n"
    "h2{font-size:1.3rem;line-height:1.3;margin:2.2em 0 .7em;padding-bottom:.3em;border-bottom:1px solid var(--line)}\n"
    "h3{font-size:1.06rem;margin:1.6em 0 .5em}\n"
    "p{margin:.5em 0 .8em}\n"
    ".desc{color:var(--muted);margin:0}\n"
    ".meta{color:var(--muted);font-size:.88rem;margin:.3em 0 0}\n"
    ".verdict{font-size:1.1rem;line-height:1.5;background:var(--soft);border-left:5px solid var(--accent);"
    "border-radius:6px;padding:12px 16px;margin:18px 0}\n"
    ".cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(250px,1fr));gap:12px;margin:16px 0 8px}\n"
    ".card{border:1px solid var(--line);border-radius:10px;padding:12px 14px;break-inside:avoid}\n"
    ".card .k{font-size:.84rem;color:var(--muted)}\n"
    ".card .v{font-size:1.4rem;font-weight:700;font-variant-numeric:tabular-nums;line-height:1.3}\n"
    ".card .v .u{font-size:.62em;font-weight:600;color:var(--muted)}\n"
    ".card .ci{font-size:.8rem;color:var(--muted);font-variant-numeric:tabular-nums}\n"
    ".scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;margin:8px 0 18px;border:1px solid var(--line);border-radius:8px}\n"
    "table{border-collapse:collapse;width:100%;font-size:.92rem}\n"
    "th,td{padding:7px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}\n"
    "tbody tr:last-child td{border-bottom:0}\n"
    "thead th{background:var(--soft);font-weight:600;vertical-align:bottom}\n"
    "td .ci{font-size:.82em;color:var(--muted)}\n"
    "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "tr.key td{background:#f8fafd}\n"
    "td.m{min-width:12em}\n"
    ".iv{white-space:nowrap}\n"
    ".name{font-weight:600}\n"
    ".what{display:block;font-size:.8rem;color:var(--muted);max-width:34em}\n"
    "code,.code{font-family:var(--mono);font-size:.85em}\n"
    ".what code{color:var(--muted)}\n"
    ".badge{display:inline-block;padding:1px 9px;border-radius:999px;font-size:.8rem;font-weight:700;white-space:nowrap}\n"
    ".up{background:var(--up-bg);color:var(--up)}.down{background:var(--down-bg);color:var(--down)}"
    ".flat{background:var(--flat-bg);color:var(--flat)}\n"

    "figure{margin:22px 0 28px;break-inside:avoid;page-break-inside:avoid}\n"
    "figure svg{display:block;width:100%;height:auto;max-width:100%;border:1px solid var(--line);border-radius:8px;background:#fff}\n"
    "figure svg text{font-family:var(--font)}\n"
    "figcaption{font-size:.88rem;color:var(--muted);margin-top:8px}\n"
    "figcaption b{color:var(--fg)}\n"
    "pre{font-family:var(--mono);font-size:.8rem;line-height:1.45;white-space:pre-wrap;overflow-wrap:anywhere;"
    "background:var(--soft);border:1px solid var(--line);border-radius:8px;padding:12px 14px;margin:8px 0 16px}\n"
    "pre.cmd{background:#1f2733;color:#f2f5f9;border-color:#1f2733;font-size:.85rem}\n"
    ".note{border-left:4px solid #d89b00;background:#fff7df;padding:8px 12px;border-radius:4px;font-size:.92rem}\n"
    ".assumed{font-size:.88rem;color:#8a5a00}\n"
    ".explanation{line-height:1.6}\n"
    ".explanation h2{font-size:1.12rem;border:0;margin:1.4em 0 .4em;padding:0}\n"
    ".explanation h3{font-size:1rem;margin:1.2em 0 .4em}\n"
    ".explanation table{display:block;width:auto;max-width:100%;overflow-x:auto;-webkit-overflow-scrolling:touch;"
    "font-size:.84rem;margin:8px 0 14px;border:1px solid var(--line);border-radius:8px}\n"
    ".explanation th,.explanation td{padding:5px 9px;text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}\n"
    ".explanation th:first-child,.explanation td:first-child{text-align:left}\n"
    ".explanation pre{white-space:pre-wrap}\n"
    "footer{margin-top:3em;padding-top:12px;border-top:1px solid var(--line);color:var(--muted);font-size:.82rem}\n"
    "@media (max-width:640px){main{padding:18px 14px 40px}h1{font-size:1.45rem}h2{font-size:1.15rem}"
    ".verdict{font-size:1rem;padding:10px 12px}.cards{grid-template-columns:repeat(2,minmax(0,1fr));gap:8px}"
    ".card{padding:9px 10px}.card .v{font-size:1.12rem}table{font-size:.84rem}th,td{padding:6px 8px}"
    ".what{max-width:22em}}\n"
    "@media print{@page{margin:14mm 12mm}body{font-size:10.5pt}main{max-width:none;padding:0}"
    ".scroll,.explanation table{overflow:visible;border:0}table{font-size:9pt}thead{display:table-header-group}"
    "tr,.card,figure,.verdict{break-inside:avoid;page-break-inside:avoid}"
    "h2,h3{break-after:avoid;page-break-after:avoid}figure{margin:10px 0 16px}"
    "figure svg{border:0;width:80%;margin:0 auto}"
    "pre,pre.cmd{background:none;color:#000;border:1px solid #999}"
    ".verdict,thead th,tr.key td{-webkit-print-color-adjust:exact;print-color-adjust:exact}}\n";

static void page_open(page *p, const char *title)
{
    FILE *f = p->f;
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
               "<meta name=\"generator\" content=\"retsim\">\n<title>",
            lang_tag(p->lang));
    text_escape_html(f, title);
    fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n", page_css);
}

static void page_close(page *p, const char *version)
{
    FILE *f = p->f;
    fputs("<footer>", f);
    escf(f, tr(p->lang, "Written by retsim %s. Every number is a mean over replications with its 95 %% "
                       "confidence interval (Student t over replications). This page is self-contained: "
                       "it needs no network and prints as it reads."),
         version);
    fputs("</footer>\n</main>\n</body>\n</html>\n", f);
}

static void header_block(page *p, const char *kicker, const char *title, const char *desc,
                         const char *meta)
{
    FILE *f = p->f;
    fputs("<header>\n<p class=\"kicker\">", f);
    text_escape_html(f, kicker);
    fputs("</p>\n<h1>", f);
    text_escape_html(f, title);
    fputs("</h1>\n", f);
    if (desc && *desc) {
        fputs("<p class=\"desc\">", f);
        text_escape_html(f, desc);
        fputs("</p>\n", f);
    }
    fputs("<p class=\"meta\">", f);
    text_escape_html(f, meta);
    fputs("</p>\n</header>\n", f);
}

static void h2(page *p, const char *id, const char *text)
{
    fprintf(p->f, "<h2 id=\"%s\">", id);
    text_escape_html(p->f, text);
    fputs("</h2>\n", p->f);
}

static void card(page *p, const json_t *metrics, int m)
{
    stat4 s = jstat(metrics, m);
    fputs("<div class=\"card\"><div class=\"k\">", p->f);
    text_escape_html(p->f, metric_label(m, p->lang));
    fputs("</div><div class=\"v\">", p->f);
    if (isnan(s.mean))
        text_escape_html(p->f, tr(p->lang, "n/a"));
    else
        put_value(p, m, s.mean);
    fputs("</div><div class=\"ci\">", p->f);
    if (isnan(s.mean))
        text_escape_html(p->f, tr(p->lang, "horizon too short"));
    else {
        text_escape_html(p->f, tr(p->lang, /* xgettext:no-c-format */ "95 % CI "));
        put_interval(p, m, s.ci_low, s.ci_high);
    }
    fputs("</div></div>\n", p->f);
}

static int is_key_metric(int m)
{
    return m == MET_PROFIT || m == MET_REVENUE || m == MET_NEW_CUSTOMERS || m == MET_RETENTION_90
           || m == MET_RETENTION_365 || m == MET_REPEAT_RATE || m == MET_CLV;
}

static void metric_name_cell(page *p, int m, int with_meaning)
{
    fputs("<td class=\"m\"><span class=\"name\">", p->f);
    text_escape_html(p->f, metric_label(m, p->lang));
    fputs("</span><span class=\"what\"><code>", p->f);
    text_escape_html(p->f, metric_table[m].name);
    fputs("</code>", p->f);
    if (with_meaning) {
        fputs(" · ", p->f);
        text_escape_html(p->f, metric_meaning(m, p->lang));
    }
    fputs("</span></td>", p->f);
}

static void unit_cell(page *p, int m)
{
    fputs("<td>", p->f);
    text_escape_html(p->f, unit_label(p, m));
    fputs("</td>", p->f);
}

/* The metrics table of one run: mean, 95 % CI, unit. */
static void metrics_table(page *p, const json_t *metrics)
{
    FILE *f = p->f;
    fputs("<div class=\"scroll\"><table>\n<thead><tr><th>", f);
    text_escape_html(f, tr(p->lang, "metric"));
    fputs("</th><th class=\"n\">", f);
    text_escape_html(f, tr(p->lang, "mean"));
    fputs("</th><th class=\"n\">", f);
    text_escape_html(f, tr(p->lang, /* xgettext:no-c-format */ "95 % CI"));
    fputs("</th><th>", f);
    text_escape_html(f, tr(p->lang, "unit"));
    fputs("</th></tr></thead>\n<tbody>\n", f);
    for (int m = 0; m < MET_COUNT; m++) {
        if (!json_object_get(metrics, metric_table[m].name))
            continue;
        stat4 s = jstat(metrics, m);
        char b[64];
        fprintf(f, "<tr%s>", is_key_metric(m) ? " class=\"key\"" : "");
        metric_name_cell(p, m, 1);
        fprintf(f, "<td class=\"n\">%s</td><td class=\"n\">", fmt_metric(b, sizeof b, m, s.mean));
        if (isnan(s.mean))
            text_escape_html(f, tr(p->lang, "horizon too short"));
        else
            put_interval(p, m, s.ci_low, s.ci_high);
        fputs("</td>", f);
        unit_cell(p, m);
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table></div>\n", f);
}

/* The promotions as summary.json lists them (in English: it is data); in
 * another language each line is described again from sub/scenario.ini,
 * the English one kept where that cannot be had. */
static void promotions_list(page *p, const json_t *promos, const char *sub)
{
    FILE *f = p->f;
    const char *names[16];
    char desc[16][256], effects[16][1024];
    int nd = 0;
    if (p->lang != LANG_EN) {
        char path[PATH_MAX + 300];
        snprintf(path, sizeof path, "%s/scenario.ini", sub);
        diag d = { 0 };
        scenario *sc = file_exists(path) ? scen_load(path, NULL, 0, &d) : NULL;
        engine *e = sc ? engine_prepare(sc, &d) : NULL;
        if (e)
            nd = engine_promotions(e, names, desc, 16, p->lang);
        for (int i = 0; i < nd; i++)
            out_applied_effects(e, names[i], effects[i], sizeof effects[i], p->lang);
        engine_free(e);
        scen_free(sc);
    }
    if (!json_is_array(promos) || json_array_size(promos) == 0) {
        fputs("<p>", f);
        text_escape_html(f, tr(p->lang, "No promotion: the business as it is."));
        fputs("</p>\n", f);
        return;
    }
    fputs("<ul>\n", f);
    size_t i;
    json_t *v;
    json_array_foreach(promos, i, v)
    {
        fputs("<li><b>", f);
        text_escape_html(f, jstr(v, "name", "?"));
        fputs("</b>: ", f);
        int same = (int)i < nd && !strcmp(names[i], jstr(v, "name", "?"));
        text_escape_html(f, same ? desc[i] : jstr(v, "applied", ""));
        const char *assumed = jstr(v, "assumed_effects", NULL);
        if (assumed && same && effects[i][0])
            assumed = effects[i];
        if (assumed) {
            /* a verdict resting on an assumed response must say so where it is read */
            fputs("<br><span class=\"assumed\">", f);
            text_escape_html(f, tr(p->lang, "assumed effects (not measured; retsim pilot measures them):"));
            fputc(' ', f);
            text_escape_html(f, assumed);
            fputs("</span>", f);
        }
        fputs("</li>\n", f);
    }
    fputs("</ul>\n", f);
}

/* The explanation of the scenario in sub/scenario.ini, as an HTML
 * fragment; a short note when it cannot be had. */
static void explanation(page *p, const char *sub)
{
    char path[PATH_MAX + 300];
    snprintf(path, sizeof path, "%s/scenario.ini", sub);
    diag d = { 0 };
    char *buf = NULL;
    size_t len = 0;
    scenario *sc = NULL;
    engine *e = NULL;
    if (!file_exists(path))
        diag_set(&d, DIAG_RUNTIME, "%s is missing", path);
    else if ((sc = scen_load(path, NULL, 0, &d)) && (e = engine_prepare(sc, &d))) {
        FILE *mf = open_memstream(&buf, &len);
        if (!mf)
            diag_set(&d, DIAG_RUNTIME, "out of memory");
        else {
            int st = explain_write(mf, sc, e, p->lang, 1, &d);
            fclose(mf);
            if (st && !d.status)
                diag_set(&d, st, "explanation failed");
        }
    }
    if (!d.status && buf) {
        fputs("<div class=\"explanation\">\n", p->f);
        fwrite(buf, 1, len, p->f);
        fputs("\n</div>\n", p->f);
    } else {
        fputs("<p class=\"note\">", p->f);
        text_escape_html(p->f, tr(p->lang, "The explanation is not available for this scenario"));
        if (d.msg[0]) {
            fputs(" (", p->f);
            text_escape_html(p->f, d.msg);
            fputs(")", p->f);
        }
        text_escape_html(p->f, tr(p->lang, ". The numbers and plots above do not depend on it."));
        fputs("</p>\n", p->f);
    }
    free(buf);
    engine_free(e);
    scen_free(sc);
}

/* The scenario's exact text in a <pre>. */
static void scenario_text(page *p, const char *sub, const char *label)
{
    char path[PATH_MAX + 300];
    snprintf(path, sizeof path, "%s/scenario.ini", sub);
    char *text = slurp(path, NULL);
    if (label) {
        fputs("<h3>", p->f);
        text_escape_html(p->f, label);
        fputs("</h3>\n", p->f);
    }
    if (!text) {
        fputs("<p class=\"note\">", p->f);
        escf(p->f, tr(p->lang, "%s is missing: the scenario text cannot be shown."),
             path);
        fputs("</p>\n", p->f);
        return;
    }
    fputs("<pre class=\"ini\">", p->f);
    text_escape_html(p->f, text);
    fputs("</pre>\n", p->f);
    free(text);
}

static void command_block(page *p, const char *cmd)
{
    fputs("<pre class=\"cmd\">", p->f);
    text_escape_html(p->f, cmd);
    fputs("</pre>\n", p->f);
}

/* ------------------------------------------------------------------ */
/* Verdicts */

/* The verdict compare wrote into compare.json, so the page says the same
 * word as the console; for a file from before verdicts were written, the
 * same rule (compare_verdict_rule, default thresholds) on its numbers. */
static compare_verdict_id verdict_of(const json_t *o, int m, double base_mean)
{
    const json_t *v = json_object_get(o, "verdict");
    if (v)
        return compare_verdict_parse(json_string_value(v));
    stat_summary diff = { jnum(o, "diff_mean"), NAN, jnum(o, "diff_ci_low"), jnum(o, "diff_ci_high"), 0 };
    return compare_verdict_rule(m, base_mean, &diff, 0);
}

static void badge(page *p, compare_verdict_id v)
{
    const char *cls = v == VERDICT_UP ? "up" : v == VERDICT_DOWN ? "down" : "flat";
    fprintf(p->f, "<span class=\"badge %s\">", cls);
    text_escape_html(p->f, v == VERDICT_NA ? tr(p->lang, "n/a") : compare_verdict_word(v, p->lang));
    fputs("</span>", p->f);
}

/* "+4.9 %" / "+4.0 pp" of a variant's metric; and its interval */
static void put_change(page *p, int m, const json_t *o, int with_ci)
{
    char a[64], b[64], c[64];
    const char *pct = tr(p->lang, "&nbsp;%");
    if (is_share(m)) {
        const char *pp = tr(p->lang, "&nbsp;pp");
        fprintf(p->f, "%s%s", fmt_grouped(a, sizeof a, 100 * jnum(o, "diff_mean"), 1, 1), pp);
        if (with_ci)
            fprintf(p->f, " <span class=\"ci\">[%s%s, %s%s]</span>",
                    fmt_grouped(b, sizeof b, 100 * jnum(o, "diff_ci_low"), 1, 1), pp,
                    fmt_grouped(c, sizeof c, 100 * jnum(o, "diff_ci_high"), 1, 1), pp);
    } else {
        fprintf(p->f, "%s%s", fmt_grouped(a, sizeof a, 100 * jnum(o, "rel_change"), 1, 1), pct);
        if (with_ci)
            fprintf(p->f, " <span class=\"ci\">[%s%s, %s%s]</span>",
                    fmt_grouped(b, sizeof b, 100 * jnum(o, "rel_ci_low"), 1, 1), pct,
                    fmt_grouped(c, sizeof c, 100 * jnum(o, "rel_ci_high"), 1, 1), pct);
    }
}

/* ------------------------------------------------------------------ */
/* A run directory */

static void get_scenario_meta(const char *sub, char *desc, size_t cap)
{
    char path[PATH_MAX + 300];
    snprintf(path, sizeof path, "%s/scenario.ini", sub);
    desc[0] = '\0';
    if (!file_exists(path))
        return;
    diag d = { 0 };
    scenario *sc = scen_load(path, NULL, 0, &d);
    if (!sc)
        return;
    const scenario_params *sp = scen_get(sc, &section_scenario);
    snprintf(desc, cap, "%s", sp->description);
    scen_free(sc);
}

static int report_run(page *p, json_t *sum, diag *d)
{
    (void)d;
    FILE *f = p->f;
    lang_id lang = p->lang;
    const char *name = jstr(sum, "scenario", "?");
    const json_t *metrics = json_object_get(sum, "metrics");
    snprintf(p->currency, sizeof p->currency, "%s", jstr(sum, "currency", "yuan"));
    int horizon = (int)jnum(sum, "horizon_days");
    int reps = (int)jnum(sum, "replications");
    double seed = jnum(sum, "seed");
    char seedtxt[32];
    snprintf(seedtxt, sizeof seedtxt, "%.0f", seed);
    json_int_t seedi = json_integer_value(json_object_get(sum, "seed"));
    if (json_is_integer(json_object_get(sum, "seed")))
        snprintf(seedtxt, sizeof seedtxt, "%llu", (unsigned long long)seedi);
    char desc[SCEN_TEXT_MAX + 1];
    get_scenario_meta(p->dir, desc, sizeof desc);

    char title[512], meta[512];
    snprintf(title, sizeof title, "%s", name);
    char ttl[600];
    snprintf(ttl, sizeof ttl, tr(lang, "%s: retsim report"), name);
    page_open(p, ttl);
    snprintf(meta, sizeof meta,
             tr(lang, "%d days simulated, %d replications, seed %s · scenario file %s"),
             horizon, reps, seedtxt, jstr(sum, "file", "scenario.ini"));
    header_block(p, tr(lang, "retsim · simulation report"), title, desc, meta);

    /* the verdict: one sentence */
    stat4 pr = jstat(metrics, MET_PROFIT), rv = jstat(metrics, MET_REVENUE),
          nc = jstat(metrics, MET_NEW_CUSTOMERS), r90 = jstat(metrics, MET_RETENTION_90),
          r365 = jstat(metrics, MET_RETENTION_365);
    /* the verdict: one sentence; its values are put in first, so that each
     * language orders them its own way */
    char v_name[1024], v_pr[256], v_ci[256], v_rv[256], v_nc[64], v_r90[256], v_r365[256], b[64];
    html_of(v_name, sizeof v_name, p, NULL, 0, 0, 0, name);
    html_of(v_pr, sizeof v_pr, p, put_value, MET_PROFIT, pr.mean, 0, NULL);
    html_of(v_ci, sizeof v_ci, p, NULL, MET_PROFIT, pr.ci_low, pr.ci_high, NULL);
    html_of(v_rv, sizeof v_rv, p, put_value, MET_REVENUE, rv.mean, 0, NULL);
    html_of(v_nc, sizeof v_nc, p, NULL, 0, 0, 0, fmt_metric(b, sizeof b, MET_NEW_CUSTOMERS, nc.mean));
    html_of(v_r90, sizeof v_r90, p, put_value, MET_RETENTION_90, r90.mean, 0, NULL);
    html_of(v_r365, sizeof v_r365, p, put_value, MET_RETENTION_365, r365.mean, 0, NULL);
    /* a fitted base ([base]): its existing customers are the story, and the
     * metrics of new customers only when some arrive */
    stat4 bc = jstat(metrics, MET_BASE_CUSTOMERS), bp = jstat(metrics, MET_BASE_PURCHASES),
          br = jstat(metrics, MET_BASE_RETURNING);
    int based = !isnan(bc.mean), has_new = nc.mean > 0;
    fputs("<p class=\"verdict\">", f);
    if (based) {
        char v_bc[64], v_bp[64], v_br[256];
        html_of(v_bc, sizeof v_bc, p, NULL, 0, 0, 0, fmt_metric(b, sizeof b, MET_BASE_CUSTOMERS, bc.mean));
        html_of(v_bp, sizeof v_bp, p, NULL, 0, 0, 0, fmt_metric(b, sizeof b, MET_BASE_PURCHASES, bp.mean));
        html_of(v_br, sizeof v_br, p, put_value, MET_BASE_RETURNING, br.mean, 0, NULL);
        fprintf(f, tr(lang, "Over %d days (%d replications), %s makes a profit of <b>%s</b> (95&nbsp;%% CI %s) on "
                            "revenue of %s; its %s existing customers make <b>%s</b> purchases, and <b>%s</b> of "
                            "them buy again"),
                horizon, reps, v_name, v_pr, v_ci, v_rv, v_bc, v_bp, v_br);
    } else {
        fprintf(f, tr(lang, "Over %d days (%d replications), %s makes a profit of <b>%s</b> (95&nbsp;%% CI %s) on "
                            "revenue of %s, from %s new customers; <b>%s</b> of them buy again at 90 days or later"),
                horizon, reps, v_name, v_pr, v_ci, v_rv, v_nc, v_r90);
        if (!isnan(r365.mean))
            fprintf(f, tr(lang, ", <b>%s</b> at 365 days"), v_r365);
    }
    fputs(trc(lang, "end of a sentence", "."), f);
    fputs("</p>\n", f);
    /* with uncertain scenario values: how much of the interval they make */
    const json_t *pu = json_object_get(sum, "parameter_uncertainty");
    if (json_is_object(pu)) {
        const json_t *po = json_object_get(metrics, metric_table[MET_PROFIT].name);
        char mc[64];
        fputs("<p>", f);
        if (json_is_true(json_object_get(pu, "drawn")))
            escf(f, tr(lang, "These intervals include what the scenario's uncertain values leave open "
                             "(%d parameter draws, two replications each): %.0f %% of the variance of "
                             "profit's interval comes from them; Monte Carlo noise alone would give "
                             "+/- %s (docs/whatif.md)."),
                 (int)jnum(pu, "draws"), 100 * jnum(po, "param_share"),
                 fmt_metric(mc, sizeof mc, MET_PROFIT, jnum(po, "mc_halfwidth")));
        else
            escf(f, "%s", tr(lang, "Parameter uncertainty was switched off: every uncertain value at its "
                                   "mean, the intervals Monte Carlo noise only."));
        fputs("</p>\n", f);
    }
    fputs("<div class=\"cards\">\n", f);
    const int cards_new[] = { MET_PROFIT, MET_REVENUE, MET_NEW_CUSTOMERS, MET_RETENTION_90, MET_RETENTION_365 };
    const int cards_base[] = { MET_PROFIT, MET_REVENUE, MET_BASE_PURCHASES, MET_BASE_RETURNING,
                               MET_BASE_ALIVE_END };
    for (size_t i = 0; i < 5; i++)
        card(p, metrics, based ? cards_base[i] : cards_new[i]);
    stat4 liab = jstat(metrics, MET_LIABILITY_END);
    if (liab.mean > 0)
        card(p, metrics, MET_LIABILITY_END);
    fputs("</div>\n", f);

    h2(p, "promotions", tr(lang, "Promotions applied"));
    promotions_list(p, json_object_get(sum, "promotions"), p->dir);

    h2(p, "plots", tr(lang, "Plots"));
    diag fd = { 0 };
    if (p->scratch[0]) {
        static const char *const inputs[] = { "retention.csv", "profit.csv", "active.csv", "cohorts.csv",
                                              "frequency.csv" };
        for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++)
            link_input(p, inputs[i]);
        figures_run(p->scratch, name, currency_label(p),
                    (int)json_integer_value(json_object_get(sum, "lost_after_days")), lang, PLOT_SVG,
                    &fd);
    }
    figure_problem(p, &fd);
    if (has_new)
        put_figure(p, "retention", tr(lang, "Retention by customer age"),
               tr(lang, /* xgettext:no-c-format */ "The share of customers who buy again at each age (days since their first purchase) or "
                       "later. The line is the mean over replications, the shaded band its 95 % confidence interval."));
    put_figure(p, "profit", tr(lang, "Cumulative revenue and profit"),
               tr(lang, "Revenue and profit to date, and profit discounted to day 0, with 95 % bands."));
    put_figure(p, "customers", tr(lang, "Customers by status"),
               tr(lang, "Each day's active customers (a recent purchase), silent ones and dormant ones; below, "
                       "new customers and visits per day."));
    if (has_new)
        put_figure(p, "cohorts", tr(lang, "Cohort retention"),
               tr(lang, "Each row is a month's new customers, each column the months since their first purchase; "
                       "the colour is the share of the cohort buying in that month. The colour scale is fitted "
                       "to months 1 on; month 0 is 1 by definition and drawn in the darkest colour."));
    if (has_new)
        put_figure(p, "frequency", tr(lang, "Customers by number of purchases"),
               tr(lang, /* xgettext:no-c-format */ "How many customers bought once, twice, ... or 7 times or more within the horizon; "
                       "mean over replications with its 95 % confidence interval. Prospects who never bought "
                       "are not counted here."));

    h2(p, "metrics", tr(lang, "All metrics"));
    metrics_table(p, metrics);

    h2(p, "explanation", tr(lang, "Why: the explanation"));
    explanation(p, p->dir);

    h2(p, "reproduce", tr(lang, "Reproduce these numbers"));
    fputs("<p>", f);
    escf(f, tr(lang, "Seed %s, %d replications. From this folder (the scenario below is its scenario.ini), "
                    "this command gives the same numbers, bit for bit, on any number of threads:"),
         seedtxt, reps);
    fputs("</p>\n", f);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "retsim run scenario.ini --seed %s --reps %d", seedtxt, reps);
    command_block(p, cmd);
    scenario_text(p, p->dir, NULL);
    page_close(p, jstr(sum, "retsim_version", "?"));
    return 0;
}

/* ------------------------------------------------------------------ */
/* A compare directory */

/* The folder of scenario k: dir/K_NAME, found by listing dir. */
static int find_subdir(const char *dir, int k, char *out, size_t cap)
{
    char prefix[16];
    snprintf(prefix, sizeof prefix, "%d_", k);
    DIR *dh = opendir(dir);
    if (!dh)
        return -1;
    struct dirent *de;
    int found = -1;
    while ((de = readdir(dh))) {
        if (!starts_with(de->d_name, prefix))
            continue;
        char sum[PATH_MAX + 600];
        snprintf(sum, sizeof sum, "%s/%s/summary.json", dir, de->d_name);
        if (!file_exists(sum))
            continue;
        if (strlen(de->d_name) >= cap)
            continue;
        memcpy(out, de->d_name, strlen(de->d_name) + 1);
        found = 0;
        break;
    }
    closedir(dh);
    return found;
}

#define REPORT_MAX_SCEN 64

static int report_compare(page *p, json_t *cmp, diag *d)
{
    (void)d;
    FILE *f = p->f;
    lang_id lang = p->lang;
    const json_t *variants = json_object_get(cmp, "variants");
    int nvar = json_is_array(variants) ? (int)json_array_size(variants) : 0;
    if (nvar > REPORT_MAX_SCEN - 1)
        nvar = REPORT_MAX_SCEN - 1;
    int n = nvar + 1;
    const char *names[REPORT_MAX_SCEN];
    static char subs[REPORT_MAX_SCEN][160];
    int have_sub[REPORT_MAX_SCEN];
    names[0] = jstr(cmp, "base_name", "base");
    for (int k = 1; k < n; k++)
        names[k] = jstr(json_array_get(variants, (size_t)k - 1), "name", "?");
    for (int k = 0; k < n; k++)
        have_sub[k] = find_subdir(p->dir, k, subs[k], sizeof subs[k]) == 0;

    /* the base's run: currency, horizon, promotions */
    json_t *base_sum = NULL;
    if (have_sub[0]) {
        char sub[PATH_MAX + 200];
        join(sub, sizeof sub, p->dir, subs[0]);
        int bad = 0;
        diag ignore = { 0 };
        base_sum = load_json(sub, "summary.json", &bad, &ignore);
    }
    snprintf(p->currency, sizeof p->currency, "%s", jstr(base_sum, "currency", "yuan"));
    const json_t *base_metrics = json_object_get(cmp, "base_metrics");
    int horizon = base_sum ? (int)jnum(base_sum, "horizon_days") : -1;
    int ret = horizon > 365 ? MET_RETENTION_365
              : horizon >= 0 ? MET_RETENTION_90
              : isnan(jstat(base_metrics, MET_RETENTION_365).mean) ? MET_RETENTION_90
                                                                   : MET_RETENTION_365;
    int reps = (int)jnum(cmp, "replications");
    int paired = json_is_true(json_object_get(cmp, "paired"));
    char seedtxt[32];
    json_int_t seedi = json_integer_value(json_object_get(cmp, "seed"));
    snprintf(seedtxt, sizeof seedtxt, "%llu", (unsigned long long)seedi);

    char title[1024], meta[1024], ttl[1100], desc[SCEN_TEXT_MAX + 1] = "";
    if (nvar == 1)
        snprintf(title, sizeof title, tr(lang, "%s against %s"), names[1], names[0]);
    else
        snprintf(title, sizeof title, tr(lang, "%d variants against %s"), nvar,
                 names[0]);
    snprintf(ttl, sizeof ttl, tr(lang, "%s: retsim report"), title);
    page_open(p, ttl);
    if (nvar == 1 && have_sub[1]) {
        char sub[PATH_MAX + 200];
        join(sub, sizeof sub, p->dir, subs[1]);
        get_scenario_meta(sub, desc, sizeof desc);
    }
    if (horizon > 0)
        snprintf(meta, sizeof meta,
                 tr(lang, "%d days simulated, %d replications, seed %s, %s"),
                 horizon, reps, seedtxt,
                 paired ? tr(lang, "paired: every scenario on the same simulated customers (common random numbers)")
                        : tr(lang, "independent seeds (Welch intervals)"));
    else
        snprintf(meta, sizeof meta, tr(lang, "%d replications, seed %s"), reps,
                 seedtxt);
    header_block(p, tr(lang, "retsim · what-if comparison"), title, desc, meta);

    /* verdicts: one line per variant, then the key metrics */
    const int key[] = { MET_PROFIT, MET_REVENUE, MET_NEW_CUSTOMERS, ret, MET_REPEAT_RATE, MET_CLV };
    for (int k = 1; k < n; k++) {
        const json_t *v = json_array_get(variants, (size_t)k - 1);
        const json_t *ms = json_object_get(v, "metrics");
        fputs("<div class=\"verdict\">", f);
        fputs("<b>", f);
        text_escape_html(f, names[k]);
        fputs("</b>", f);
        text_escape_html(f, tr(lang, " against "));
        text_escape_html(f, names[0]);
        fputs(tr(lang, ": "), f);
        const int line[] = { MET_PROFIT, MET_REVENUE, ret };
        for (int i = 0; i < 3; i++) {
            const json_t *o = json_object_get(ms, metric_table[line[i]].name);
            if (i)
                fputs(tr(lang, "; "), f);
            text_escape_html(f, metric_label(line[i], lang));
            fputs(" ", f);
            compare_verdict_id vd = verdict_of(o, line[i], jstat(base_metrics, line[i]).mean);
            if (isnan(jnum(o, "diff_mean"))) {
                text_escape_html(f, tr(lang, "n/a"));
                continue;
            }
            fputs("<b>", f);
            put_change(p, line[i], o, 0);
            fputs("</b> ", f);
            badge(p, vd);
        }
        fputs("</div>\n", f);
    }

    h2(p, "verdicts", tr(lang, "Key metrics against the base"));
    {
        /* the rule behind the badges, with the thresholds compare used */
        double material = jnum(cmp, "material");
        material = isnan(material) ? 0 : material;
        char rel_text[64], pp_text[64], note[512];
        compare_material_text(rel_text, sizeof rel_text, MET_PROFIT, material, lang);
        compare_material_text(pp_text, sizeof pp_text, MET_REPEAT_RATE, material, lang);
        snprintf(note, sizeof note,
                 tr(lang, "A verdict reads up or down only when the 95 %% interval excludes 0 and the "
                         "change is at least %s (shares: at least %s); otherwise no material change."),
                 rel_text, pp_text);
        fputs("<p class=\"note\">", f);
        text_escape_html(f, note);
        fputs("</p>\n", f);
    }
    for (int k = 1; k < n; k++) {
        const json_t *v = json_array_get(variants, (size_t)k - 1);
        const json_t *ms = json_object_get(v, "metrics");
        if (nvar > 1) {
            fputs("<h3>", f);
            text_escape_html(f, names[k]);
            fputs("</h3>\n", f);
        }
        fputs("<div class=\"scroll\"><table>\n<thead><tr><th>", f);
        text_escape_html(f, tr(lang, "metric"));
        fputs("</th><th class=\"n\">", f);
        text_escape_html(f, tr(lang, /* xgettext:no-c-format */ "change [95 % CI]"));
        fputs("</th><th>", f);
        text_escape_html(f, tr(lang, "verdict"));
        fputs("</th><th class=\"n\">", f);
        text_escape_html(f, names[0]);
        text_escape_html(f, tr(lang, " (base)"));
        fputs("</th><th class=\"n\">", f);
        text_escape_html(f, names[k]);
        fputs("</th></tr></thead>\n<tbody>\n", f);
        for (size_t i = 0; i < sizeof key / sizeof key[0]; i++) {
            int m = key[i];
            const json_t *o = json_object_get(ms, metric_table[m].name);
            stat4 b = jstat(base_metrics, m);
            fputs("<tr>", f);
            metric_name_cell(p, m, 0);
            fputs("<td class=\"n\">", f);
            if (isnan(jnum(o, "diff_mean")) || (!is_share(m) && isnan(jnum(o, "rel_change")))) {
                text_escape_html(f, tr(lang, "n/a"));
                fputs("</td><td></td>", f);
            } else {
                put_change(p, m, o, 1);
                if (is_share(m) && !isnan(jnum(o, "rel_change"))) {
                    char b2[64];
                    fprintf(f, "<br><span class=\"ci\">%s%s%s</span>",
                            fmt_grouped(b2, sizeof b2, 100 * jnum(o, "rel_change"), 1, 1),
                            tr(lang, "&nbsp;%"), tr(lang, " relative"));
                }
                fputs("</td><td>", f);
                badge(p, verdict_of(o, m, b.mean));
                fputs("</td>", f);
            }
            fputs("<td class=\"n\">", f);
            put_value(p, m, b.mean);
            fputs("</td><td class=\"n\">", f);
            put_value(p, m, jnum(o, "mean"));
            fputs("</td></tr>\n", f);
        }
        fputs("</tbody></table></div>\n", f);
        stat4 liab = jstat(ms, MET_LIABILITY_END);
        if (liab.mean > 0) {
            fputs("<p>", f);
            put_value(p, MET_LIABILITY_END, liab.mean);
            text_escape_html(f, tr(lang, " of prepaid value is still owed to customers at the horizon (not in profit)."));
            fputs("</p>\n", f);
        }
    }
    fputs("<p class=\"meta\">", f);
    text_escape_html(f, tr(lang, /* xgettext:no-c-format */ "Shares change in percentage points (pp); money and counts change relative to the base. "
                   "\"up\" or \"down\": the whole 95 % interval of the difference is above or below zero."));
    fputs("</p>\n", f);

    h2(p, "promotions", tr(lang, "Promotions applied"));
    for (int k = 0; k < n; k++) {
        fputs("<h3>", f);
        text_escape_html(f, names[k]);
        if (k == 0)
            text_escape_html(f, tr(lang, " (base)"));
        fputs("</h3>\n", f);
        char sub[PATH_MAX + 200];
        join(sub, sizeof sub, p->dir, have_sub[k] ? subs[k] : "missing");
        if (k == 0)
            promotions_list(p, json_object_get(base_sum, "promotions"), sub);
        else
            promotions_list(p, json_object_get(json_array_get(variants, (size_t)k - 1), "promotions"), sub);
    }

    h2(p, "plots", tr(lang, "Plots"));
    diag fd = { 0 };
    int all_subs = 1;
    for (int k = 0; k < n; k++)
        all_subs &= have_sub[k];
    if (p->scratch[0] && all_subs) {
        for (int k = 0; k < n; k++)
            link_input(p, subs[k]);
        if (paired)
            link_input(p, "diff.csv");
        figures_compare(p->scratch, names, (const char(*)[160])subs, n, paired, currency_label(p), lang,
                        PLOT_SVG, &fd);
    } else if (!all_subs)
        diag_set(&fd, DIAG_RUNTIME, "%s", tr(lang, "a scenario's folder (0_NAME, 1_NAME, ...) is missing"));
    figure_problem(p, &fd);
    if (paired && n > 1)
        put_figure(p, "profit_difference", tr(lang, "Profit gained against the base"),
                   tr(lang, "Cumulative profit of each variant minus the base's, measured replication by "
                           "replication on the same customers, with its 95 % band: above zero the variant earns more."));
    put_figure(p, "retention", tr(lang, "Retention by customer age"),
               tr(lang, /* xgettext:no-c-format */ "The share of customers buying again at each age or later, for the base and each variant (95 % bands)."));
    put_figure(p, "profit", tr(lang, "Cumulative profit"),
               tr(lang, "Profit to date of the base and each variant (95 % bands)."));
    put_figure(p, "customers", tr(lang, "Active customers"),
               tr(lang, "Customers with a recent purchase, each day, for the base and each variant."));

    h2(p, "metrics", tr(lang, "All metrics"));
    for (int k = 0; k < n; k++) {
        fputs("<h3>", f);
        text_escape_html(f, names[k]);
        if (k == 0)
            text_escape_html(f, tr(lang, " (base)"));
        fputs("</h3>\n", f);
        if (k == 0) {
            metrics_table(p, base_metrics);
            continue;
        }
        const json_t *ms = json_object_get(json_array_get(variants, (size_t)k - 1), "metrics");
        fputs("<div class=\"scroll\"><table>\n<thead><tr><th>", f);
        text_escape_html(f, tr(lang, "metric"));
        fputs("</th><th class=\"n\">", f);
        text_escape_html(f, tr(lang, "mean"));
        fputs("</th><th class=\"n\">", f);
        text_escape_html(f, tr(lang, /* xgettext:no-c-format */ "95 % CI"));
        fputs("</th><th class=\"n\">", f);
        text_escape_html(f, tr(lang, /* xgettext:no-c-format */ "difference [95 % CI]"));
        fputs("</th><th>", f);
        text_escape_html(f, tr(lang, "unit"));
        fputs("</th></tr></thead>\n<tbody>\n", f);
        for (int m = 0; m < MET_COUNT; m++) {
            const json_t *o = json_object_get(ms, metric_table[m].name);
            if (!o)
                continue;
            char b1[64], b2[64], b3[64];
            fprintf(f, "<tr%s>", is_key_metric(m) ? " class=\"key\"" : "");
            metric_name_cell(p, m, 1);
            fprintf(f, "<td class=\"n\">%s</td><td class=\"n\">", fmt_metric(b1, sizeof b1, m, jnum(o, "mean")));
            put_interval(p, m, jnum(o, "ci_low"), jnum(o, "ci_high"));
            double dm = jnum(o, "diff_mean");
            if (is_share(m))
                fprintf(f, "</td><td class=\"n\">%s [%s, %s]%s</td>",
                        fmt_grouped(b1, sizeof b1, 100 * dm, 1, 1),
                        fmt_grouped(b2, sizeof b2, 100 * jnum(o, "diff_ci_low"), 1, 1),
                        fmt_grouped(b3, sizeof b3, 100 * jnum(o, "diff_ci_high"), 1, 1),
                        isnan(dm) ? "" : tr(lang, "&nbsp;pp"));
            else
                fprintf(f, "</td><td class=\"n\">%s [%s, %s]</td>",
                        fmt_grouped(b1, sizeof b1, dm, auto_decimals(dm), 1),
                        fmt_grouped(b2, sizeof b2, jnum(o, "diff_ci_low"), auto_decimals(dm), 1),
                        fmt_grouped(b3, sizeof b3, jnum(o, "diff_ci_high"), auto_decimals(dm), 1));
            unit_cell(p, m);
            fputs("</tr>\n", f);
        }
        fputs("</tbody></table></div>\n", f);
    }

    h2(p, "explanation", tr(lang, "Why: the explanation"));
    for (int k = 0; k < n; k++) {
        fputs("<h3>", f);
        text_escape_html(f, names[k]);
        if (k == 0)
            text_escape_html(f, tr(lang, " (base)"));
        fputs("</h3>\n", f);
        char sub[PATH_MAX + 200];
        join(sub, sizeof sub, p->dir, have_sub[k] ? subs[k] : "missing");
        explanation(p, sub);
    }

    h2(p, "reproduce", tr(lang, "Reproduce these numbers"));
    fputs("<p>", f);
    escf(f, tr(lang, "Seed %s, %d replications%s. From this folder (each scenario below is its folder's "
                    "scenario.ini), this command gives the same numbers, bit for bit:"),
         seedtxt, reps, paired ? tr(lang, ", paired") : tr(lang, ", independent seeds"));
    fputs("</p>\n", f);
    char cmd[4096];
    size_t o = (size_t)snprintf(cmd, sizeof cmd, "retsim compare");
    for (int k = 0; k < n && o < sizeof cmd; k++)
        o += (size_t)snprintf(cmd + o, sizeof cmd - o, " %s/scenario.ini",
                              have_sub[k] ? subs[k] : names[k]);
    if (o < sizeof cmd)
        snprintf(cmd + o, sizeof cmd - o, " --seed %s --reps %d%s", seedtxt, reps,
                 paired ? "" : " --independent");
    command_block(p, cmd);
    for (int k = 0; k < n; k++) {
        char sub[PATH_MAX + 200], label[512];
        join(sub, sizeof sub, p->dir, have_sub[k] ? subs[k] : "missing");
        /* a long name is cut; the value is checked so gcc knows it is meant */
        if (snprintf(label, sizeof label, "%s/scenario.ini", have_sub[k] ? subs[k] : names[k]) < 0)
            label[0] = '\0';
        scenario_text(p, sub, label);
    }
    page_close(p, jstr(base_sum, "retsim_version", "?"));
    json_decref(base_sum);
    return 0;
}

/* ------------------------------------------------------------------ */
/* A sweep directory */

static double sweep_at(const json_t *metrics, int m, const char *what, size_t i)
{
    const json_t *a = json_object_get(json_object_get(metrics, metric_table[m].name), what);
    const json_t *v = json_array_get(a, i);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static int report_sweep(page *p, json_t *sw, diag *d)
{
    (void)d;
    FILE *f = p->f;
    lang_id lang = p->lang;
    const char *name = jstr(sw, "scenario", "?");
    const char *key = jstr(sw, "param", "?");
    const json_t *values = json_object_get(sw, "values");
    const json_t *metrics = json_object_get(sw, "metrics");
    size_t nv = json_array_size(values);
    int reps = (int)jnum(sw, "replications");
    snprintf(p->currency, sizeof p->currency, "%s", jstr(sw, "currency", "yuan"));
    char desc[SCEN_TEXT_MAX + 1] = "";
    char inipath[PATH_MAX + 64];
    snprintf(inipath, sizeof inipath, "%s/scenario.ini", p->dir);
    int have_ini = file_exists(inipath);
    if (have_ini) {
        diag ignore = { 0 };
        scenario *sc = scen_load(inipath, NULL, 0, &ignore);
        if (sc) {
            const scenario_params *sp = scen_get(sc, &section_scenario);
            snprintf(desc, sizeof desc, "%s", sp->description);
            if (!json_object_get(sw, "currency"))
                snprintf(p->currency, sizeof p->currency, "%s", scen_currency(sc));
            scen_free(sc);
        }
    }
    /* the retention metric the sweep plots: 365 days when it is defined */
    int ret = MET_RETENTION_365;
    for (size_t i = 0; i < nv; i++)
        if (isnan(sweep_at(metrics, MET_RETENTION_365, "mean", i)))
            ret = MET_RETENTION_90;
    int retdays = ret == MET_RETENTION_365 ? 365 : 90;
    const json_t *seedv = json_object_get(sw, "seed");
    char seedtxt[32] = "";
    if (json_is_integer(seedv))
        snprintf(seedtxt, sizeof seedtxt, "%llu", (unsigned long long)json_integer_value(seedv));

    char title[1024], meta[1024], ttl[1100];
    snprintf(title, sizeof title, tr(lang, "%s: %s from %g to %g"), name, key,
             json_number_value(json_array_get(values, 0)),
             json_number_value(json_array_get(values, nv ? nv - 1 : 0)));
    snprintf(ttl, sizeof ttl, tr(lang, "%s: retsim report"), title);
    page_open(p, ttl);
    if (seedtxt[0])
        snprintf(meta, sizeof meta, tr(lang, "%zu values, %d replications each, seed %s, paired (common random numbers)"),
                 nv, reps, seedtxt);
    else
        snprintf(meta, sizeof meta, tr(lang, "%zu values, %d replications each, paired (common random numbers)"),
                 nv, reps);
    header_block(p, tr(lang, "retsim · parameter sweep"), title, desc, meta);

    /* the verdict: where profit is highest, and whether clearly so */
    size_t best = 0, second = nv;
    for (size_t i = 1; i < nv; i++)
        if (sweep_at(metrics, MET_PROFIT, "mean", i) > sweep_at(metrics, MET_PROFIT, "mean", best))
            best = i;
    for (size_t i = 0; i < nv; i++)
        if (i != best && (second == nv || sweep_at(metrics, MET_PROFIT, "mean", i)
                                              > sweep_at(metrics, MET_PROFIT, "mean", second)))
            second = i;
    fputs("<p class=\"verdict\">", f);
    if (nv > 0) {
        double bv = json_number_value(json_array_get(values, best));
        escf(f, tr(lang, "Profit is highest at %s = %g: "), key, bv);
        fputs("<b>", f);
        put_value(p, MET_PROFIT, sweep_at(metrics, MET_PROFIT, "mean", best));
        fputs("</b> ", f);
        text_escape_html(f, tr(lang, /* xgettext:no-c-format */ "(95 % CI "));
        put_interval(p, MET_PROFIT, sweep_at(metrics, MET_PROFIT, "ci_low", best),
                     sweep_at(metrics, MET_PROFIT, "ci_high", best));
        text_escape_html(f, tr(lang, ")"));
        if (second < nv) {
            double sv = json_number_value(json_array_get(values, second));
            if (sweep_at(metrics, MET_PROFIT, "ci_low", best) > sweep_at(metrics, MET_PROFIT, "ci_high", second))
                escf(f, tr(lang, ", clearly above the next best, %g (the intervals do not overlap)."),
                     sv);
            else
                escf(f, tr(lang, "; the next best, %g, is within the noise (the intervals overlap)."),
                     sv);
        }
    }
    fputs("</p>\n", f);

    h2(p, "table", tr(lang, "Key metrics at each value"));
    const int cols[] = { MET_PROFIT, MET_REVENUE, MET_NEW_CUSTOMERS, ret, MET_CLV };
    fputs("<div class=\"scroll\"><table>\n<thead><tr><th class=\"n\">", f);
    text_escape_html(f, key);
    fputs("</th>", f);
    for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++) {
        fputs("<th class=\"n\">", f);
        text_escape_html(f, metric_label(cols[c], lang));
        fputs(" (", f);
        text_escape_html(f, unit_label(p, cols[c]));
        fputs(")</th>", f);
    }
    fputs("</tr></thead>\n<tbody>\n", f);
    for (size_t i = 0; i < nv; i++) {
        fprintf(f, "<tr%s><td class=\"n\"><b>%g</b></td>", i == best ? " class=\"key\"" : "",
                json_number_value(json_array_get(values, i)));
        for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++) {
            int m = cols[c];
            char b[64];
            fprintf(f, "<td class=\"n\">%s<br><span class=\"ci\">",
                    fmt_metric(b, sizeof b, m, sweep_at(metrics, m, "mean", i)));
            put_interval(p, m, sweep_at(metrics, m, "ci_low", i), sweep_at(metrics, m, "ci_high", i));
            fputs("</span></td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table></div>\n<p class=\"meta\">", f);
    text_escape_html(f, tr(lang, /* xgettext:no-c-format */ "Each cell: the mean, and below it the 95 % confidence interval. Every metric at every value is in sweep.csv."));
    fputs("</p>\n", f);

    h2(p, "plots", tr(lang, "Plots"));
    diag fd = { 0 };
    if (p->scratch[0]) {
        link_input(p, "sweep.csv");
        figures_sweep(p->scratch, name, key, ret, retdays, currency_label(p), lang,
                      PLOT_SVG, &fd);
    }
    figure_problem(p, &fd);
    char cap[512];
    snprintf(cap, sizeof cap, tr(lang, "Profit over the horizon at each value of %s, with its 95 %% confidence interval."), key);
    put_figure(p, "sweep", tr(lang, "Profit against the parameter"), cap);
    snprintf(cap, sizeof cap, tr(lang, "Retention at %d days at each value of %s, with its 95 %% confidence interval."), retdays, key);
    put_figure(p, "sweep_retention", tr(lang, "Retention against the parameter"), cap);

    if (have_ini) {
        h2(p, "explanation", tr(lang, "Why: the explanation"));
        explanation(p, p->dir);
    }

    h2(p, "reproduce", tr(lang, "Reproduce these numbers"));
    char cmd[2048], range[256] = "";
    if (nv >= 2) {
        double a = json_number_value(json_array_get(values, 0));
        double b = json_number_value(json_array_get(values, nv - 1));
        double s = json_number_value(json_array_get(values, 1)) - a;
        snprintf(range, sizeof range, "%.10g:%.10g:%.10g", a, b, s);
    }
    const char *file = have_ini ? "scenario.ini" : jstr(sw, "file", NULL);
    char guess[256];
    if (!file) {
        snprintf(guess, sizeof guess, "%s.ini", name);
        file = guess;
    }
    snprintf(cmd, sizeof cmd, "retsim sweep %s --param %s=%s%s%s --reps %d", file, key, range,
             seedtxt[0] ? " --seed " : "", seedtxt, reps);
    fputs("<p>", f);
    if (!have_ini || !seedtxt[0])
        text_escape_html(f, tr(lang, "This sweep folder does not record everything needed to re-run it exactly "
                       "(the scenario file or the seed; the default seed is 1). The command it was made with is close to:"));
    else
        text_escape_html(f, tr(lang, "From this folder, this command gives the same numbers, bit for bit:"));
    fputs("</p>\n", f);
    command_block(p, cmd);
    if (have_ini)
        scenario_text(p, p->dir, NULL);
    page_close(p, jstr(sw, "retsim_version", "0.1.0"));
    return 0;
}

/* ------------------------------------------------------------------ */

const char *report_file_name(lang_id lang)
{
    return lang == LANG_ZH ? "report.zh.html" : "report.html";
}

int report_write(const char *dir, lang_id lang, diag *d)
{
    struct stat st;
    if (stat(dir, &st) != 0)
        return diag_set(d, DIAG_USAGE, "%s: no such directory (expected a retsim run, compare or sweep "
                                       "output directory)", dir);
    if (!S_ISDIR(st.st_mode))
        return diag_set(d, DIAG_USAGE, "%s is not a directory (expected a retsim run, compare or sweep "
                                       "output directory)", dir);
    if (lang != LANG_EN && lang != LANG_ZH)
        return diag_set(d, DIAG_USAGE, "unsupported report language; supported: en and zh");

    int bad = 0;
    report_kind kind;
    json_t *root = load_json(dir, "compare.json", &bad, d);
    kind = KIND_COMPARE;
    if (!root && !bad) {
        root = load_json(dir, "sweep.json", &bad, d);
        kind = KIND_SWEEP;
    }
    if (!root && !bad) {
        root = load_json(dir, "summary.json", &bad, d);
        kind = KIND_RUN;
        if (root && !json_is_object(json_object_get(root, "metrics"))) {
            json_decref(root);
            return diag_set(d, DIAG_USAGE, "%s/summary.json has no \"metrics\": not a retsim run summary",
                            dir);
        }
    }
    if (bad)
        return d->status;
    if (!root)
        return diag_set(d, DIAG_USAGE,
                        "%s is not a retsim output directory: expected summary.json (from retsim run), "
                        "compare.json (from retsim compare) or sweep.json (from retsim sweep)", dir);
    if (kind == KIND_COMPARE && !json_is_array(json_object_get(root, "variants"))) {
        json_decref(root);
        return diag_set(d, DIAG_USAGE, "%s/compare.json has no \"variants\": not a retsim comparison", dir);
    }
    if (kind == KIND_SWEEP && (!json_is_array(json_object_get(root, "values"))
                               || !json_is_object(json_object_get(root, "metrics")))) {
        json_decref(root);
        return diag_set(d, DIAG_USAGE, "%s/sweep.json has no \"values\" or \"metrics\": not a retsim sweep",
                        dir);
    }

    page p = { 0 };
    p.lang = lang;
    p.dir = dir;
    if (!realpath(dir, p.absdir))
        snprintf(p.absdir, sizeof p.absdir, "%s", dir);
    char *buf = NULL;
    size_t len = 0;
    p.f = open_memstream(&buf, &len);
    if (!p.f) {
        json_decref(root);
        return diag_set(d, DIAG_RUNTIME, "out of memory");
    }
    diag sd = { 0 };
    if (!plot_gnuplot_available())
        fprintf(stderr, "retsim: warning: gnuplot not found; %s/%s will have no plots "
                        "(install gnuplot-nox)\n", dir, report_file_name(lang));
    else if (make_scratch(&p, &sd))
        fprintf(stderr, "retsim: warning: %s; %s/%s will have no plots\n", sd.msg, dir,
                report_file_name(lang));

    int status = kind == KIND_RUN       ? report_run(&p, root, d)
                 : kind == KIND_COMPARE ? report_compare(&p, root, d)
                                        : report_sweep(&p, root, d);
    remove_scratch(&p);
    json_decref(root);
    if (fclose(p.f) != 0 && !status)
        status = diag_set(d, DIAG_RUNTIME, "out of memory while writing the report");
    if (!status) {
        char tmp[PATH_MAX + 64];
        FILE *out = out_open(dir, report_file_name(lang), tmp, sizeof tmp, d);
        if (!out)
            status = d->status;
        else {
            fwrite(buf, 1, len, out);
            status = out_commit(out, tmp, dir, report_file_name(lang), d);
        }
    }
    free(buf);
    return status;
}
