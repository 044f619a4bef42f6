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

/* ------------------------------------------------------------------ */
/* Labels of the metrics: English label, Chinese label, Chinese meaning
 * (the English meaning is metric_table's). */

typedef struct metric_text {
    const char *en, *zh, *zh_meaning;
} metric_text;

static const metric_text metric_texts[MET_COUNT] = {
    [MET_PROFIT] = { "profit", "利润", "确认收入减去商品成本、每次服务成本、促销成本、获客成本与触达成本。" },
    [MET_PROFIT_NPV] = { "profit, discounted", "折现利润", "按年折现率折现到第0天的利润。" },
    [MET_REVENUE] = { "revenue", "收入", "模拟期内购买所确认的收入（预付余额在消费时计入）。" },
    [MET_GROSS_MARGIN] = { "gross margin", "毛利", "确认收入减去商品成本、每次服务成本与促销成本。" },
    [MET_ACQUISITION_COST] = { "acquisition cost", "获客成本", "所有潜在顾客的成本，无论是否购买。" },
    [MET_TOUCH_COST] = { "touch cost", "触达成本", "提醒及其他触达的成本。" },
    [MET_PROSPECTS] = { "prospects", "潜在顾客", "通过任一渠道接触到的潜在顾客。" },
    [MET_NEW_CUSTOMERS] = { "new customers", "新顾客", "完成首次购买的潜在顾客。" },
    [MET_NEVER_BOUGHT] = { "prospects who never bought", "咨询但未购买", "从未购买的潜在顾客。" },
    [MET_VISITS] = { "visits (purchases)", "到店（购买）次数", "模拟期内的购买次数。" },
    [MET_ACTIVE_END] = { "active customers at the end", "期末活跃顾客", "模拟期末在 silent_after 天内有过购买的顾客。" },
    [MET_RETENTION_30] = { "retention at 30 days", "30天留存率", "客龄30天时仍是顾客的占比（存活率：最后一次购买在客龄30天及以后，按模拟所知的真实流失）；Kaplan-Meier 估计，不随模拟期长短而变。" },
    [MET_RETENTION_90] = { "retention at 90 days", "90天留存率", "同上（存活率），客龄90天。" },
    [MET_RETENTION_180] = { "retention at 180 days", "180天留存率", "同上（存活率），客龄180天。" },
    [MET_RETENTION_365] = { "retention at 365 days", "365天留存率", "同上（存活率），客龄365天。" },
    [MET_OBSERVED_RETENTION_90] = { "observed retention at 90 days", "商家所见90天留存率", "仅凭购买记录判断的留存：一次购买后沉默 lost_after 天即视为流失；Kaplan-Meier 估计。" },
    [MET_OBSERVED_RETENTION_365] = { "observed retention at 365 days", "商家所见365天留存率", "同上（商家所见），客龄365天。" },
    [MET_REPEAT_RATE] = { "customers buying twice", "复购率", "模拟期内有第二次购买的顾客占比。" },
    [MET_CLV] = { "lifetime value per customer", "顾客终身价值", "模拟期内实现的每位顾客平均终身价值：折现毛利减去获客与触达成本（不含期末之后）。" },
    [MET_CLV_PROJECTED] = { "projected lifetime value per customer", "预计顾客终身价值", "模拟期内实现的价值，加上期末仍是顾客者此后各次到店的预期折现毛利（按顾客模型的延续）；不含期末之后的促销与提醒。" },
    [MET_TOP20_SHARE] = { "revenue share of the top 20 %", "前20%顾客的收入占比", "收入中来自消费最高的20%顾客的占比。" },
    [MET_PURCHASES_PER_CUSTOMER] = { "purchases per customer", "人均购买次数", "每位顾客的平均购买次数。" },
    [MET_FUNNEL_2ND] = { "customers with a 2nd purchase", "完成第2次购买的顾客", "至少购买2次的顾客。" },
    [MET_FUNNEL_3RD] = { "customers with a 3rd purchase", "完成第3次购买的顾客", "至少购买3次的顾客。" },
    [MET_FUNNEL_5TH] = { "customers with a 5th purchase", "完成第5次购买的顾客", "至少购买5次的顾客。" },
    [MET_REFERRED_PROSPECTS] = { "referred prospects", "口碑带来的潜在顾客", "推荐者的口碑带来的潜在顾客。" },
    [MET_LOST_PROSPECTS] = { "prospects lost to detractors", "因贬损者失去的潜在顾客", "被贬损者抵消的预期自然潜在顾客。" },
    [MET_PROMOTER_VISITS] = { "visits leaving a promoter", "产生推荐者的到店", "使顾客成为推荐者的到店次数。" },
    [MET_DETRACTOR_VISITS] = { "visits leaving a detractor", "产生贬损者的到店", "使顾客成为贬损者的到店次数。" },
    [MET_REMINDERS] = { "reminders sent", "发出的提醒", "发出的召回提醒。" },
    [MET_RECALLED] = { "returns brought by reminders", "提醒召回的回访", "原本不会回来的顾客因提醒而回访的次数。" },
    [MET_MEAN_SATISFACTION] = { "mean satisfaction", "平均满意度", "所有到店的平均满意度（感知价值减去预期）。" },
    [MET_FIRST_VISIT_NEGATIVE] = { "first visits with negative value", "首次到店感知价值为负的占比", "感知价值为负的首次到店占比。" },
    [MET_CASH_IN] = { "cash in", "现金流入", "收到的资金，包括尚未消费的预付余额。" },
    [MET_DISCOUNTS] = { "discounts", "折扣", "促销从账单中减去的金额（免单、代金券、赠送、积分）。" },
    [MET_PROMO_COST] = { "promotion cost", "促销成本", "促销赠送的商品与奖励的成本（折扣之外）。" },
    [MET_LIABILITY_END] = { "owed to customers at the end", "期末未消费预付余额", "期末仍欠顾客的预付价值；不计入利润。" },
    [MET_QUEUE_WAIT] = { "mean wait in the queue", "平均排队等待", "已购买顾客的平均排队时间（分钟），按当天需求与接待能力（M/M/c）计算；仅在有 [capacity] 时。" },
    [MET_BALKED] = { "arrivals who walked away", "排队离开的顾客", "看到当天的队伍后未购买就离开的到店（含本会首次购买的潜在顾客）；仅在有 [capacity] 时。" },
    [MET_BALK_SHARE] = { "share who walked away", "排队离开占比", "离开队伍的到店占全部到店的比例；仅在有 [capacity] 时。" },
};

static const char *metric_label(int m, lang_id lang)
{
    const metric_text *t = &metric_texts[m];
    if (!t->en)
        return metric_table[m].name; /* a metric added after this table */
    return L(lang, t->en, t->zh);
}

static const char *metric_meaning(int m, lang_id lang)
{
    if (lang == LANG_ZH && metric_texts[m].zh_meaning)
        return metric_texts[m].zh_meaning;
    return metric_table[m].meaning;
}

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
    if (p->lang == LANG_ZH && (!strcmp(p->currency, "yuan") || !strcmp(p->currency, "CNY")
                               || !strcmp(p->currency, "RMB")))
        return "元";
    return p->currency;
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
        return L(p->lang, "people", "人");
    if (!strcmp(u, "visits"))
        return L(p->lang, "visits", "次");
    if (!strcmp(u, "touches"))
        return L(p->lang, "touches", "次");
    if (!strcmp(u, "minutes"))
        return L(p->lang, "minutes", "分钟");
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
        fputs(p->lang == LANG_ZH ? "<span class=\"u\">%</span>" : "<span class=\"u\">&nbsp;%</span>", p->f);
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
        text_escape_html(p->f, L(p->lang, "This plot could not be drawn (is gnuplot installed?); its data is in the CSV files of this folder.",
                    "此图无法绘制（是否已安装 gnuplot？）；数据见本文件夹中的 CSV 文件。"));
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
    text_escape_html(p->f, L(p->lang, "Some plots could not be drawn: ", "部分图表无法绘制："));
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
            p->lang == LANG_ZH ? "zh-CN" : "en");
    text_escape_html(f, title);
    fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n", page_css);
}

static void page_close(page *p, const char *version)
{
    FILE *f = p->f;
    fputs("<footer>", f);
    escf(f, L(p->lang, "Written by retsim %s. Every number is a mean over replications with its 95 %% "
                       "confidence interval (Student t over replications). This page is self-contained: "
                       "it needs no network and prints as it reads.",
              "由 retsim %s 生成。每个数字都是多次重复模拟的均值及其95%%置信区间（按重复次数的 Student t 分布）。"
              "本页面自成一体，无需联网，可直接打印。"),
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
        text_escape_html(p->f, L(p->lang, "n/a", "无"));
    else
        put_value(p, m, s.mean);
    fputs("</div><div class=\"ci\">", p->f);
    if (isnan(s.mean))
        text_escape_html(p->f, L(p->lang, "horizon too short", "模拟期太短"));
    else {
        text_escape_html(p->f, L(p->lang, "95 % CI ", "95%置信区间 "));
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
    text_escape_html(f, L(p->lang, "metric", "指标"));
    fputs("</th><th class=\"n\">", f);
    text_escape_html(f, L(p->lang, "mean", "均值"));
    fputs("</th><th class=\"n\">", f);
    text_escape_html(f, L(p->lang, "95 % CI", "95%置信区间"));
    fputs("</th><th>", f);
    text_escape_html(f, L(p->lang, "unit", "单位"));
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
            text_escape_html(f, L(p->lang, "horizon too short", "模拟期太短"));
        else
            put_interval(p, m, s.ci_low, s.ci_high);
        fputs("</td>", f);
        unit_cell(p, m);
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table></div>\n", f);
}

static void promotions_list(page *p, const json_t *promos)
{
    FILE *f = p->f;
    if (!json_is_array(promos) || json_array_size(promos) == 0) {
        fputs("<p>", f);
        text_escape_html(f, L(p->lang, "No promotion: the business as it is.", "无促销：按现状经营。"));
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
        text_escape_html(f, jstr(v, "applied", ""));
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
        text_escape_html(p->f, L(p->lang, "The explanation is not available for this scenario",
                    "此情景的解释暂不可用"));
        if (d.msg[0]) {
            fputs(" (", p->f);
            text_escape_html(p->f, d.msg);
            fputs(")", p->f);
        }
        text_escape_html(p->f, L(p->lang, ". The numbers and plots above do not depend on it.",
                    "。上面的数字和图表不受影响。"));
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
        escf(p->f, L(p->lang, "%s is missing: the scenario text cannot be shown.",
                     "缺少 %s：无法显示情景文本。"),
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
    text_escape_html(p->f, v == VERDICT_NA ? L(p->lang, "n/a", "无") : compare_verdict_word(v, p->lang));
    fputs("</span>", p->f);
}

/* "+4.9 %" / "+4.0 pp" of a variant's metric; and its interval */
static void put_change(page *p, int m, const json_t *o, int with_ci)
{
    char a[64], b[64], c[64];
    const char *pct = L(p->lang, "&nbsp;%", "%");
    if (is_share(m)) {
        const char *pp = L(p->lang, "&nbsp;pp", "个百分点");
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
    snprintf(ttl, sizeof ttl, L(lang, "%s: retsim report", "%s：retsim 模拟报告"), name);
    page_open(p, ttl);
    snprintf(meta, sizeof meta,
             L(lang, "%d days simulated, %d replications, seed %s · scenario file %s",
               "模拟 %d 天，重复 %d 次，随机种子 %s · 情景文件 %s"),
             horizon, reps, seedtxt, jstr(sum, "file", "scenario.ini"));
    header_block(p, L(lang, "retsim · simulation report", "retsim · 模拟报告"), title, desc, meta);

    /* the verdict: one sentence */
    stat4 pr = jstat(metrics, MET_PROFIT), rv = jstat(metrics, MET_REVENUE),
          nc = jstat(metrics, MET_NEW_CUSTOMERS), r90 = jstat(metrics, MET_RETENTION_90),
          r365 = jstat(metrics, MET_RETENTION_365);
    fputs("<p class=\"verdict\">", f);
    if (lang == LANG_ZH) {
        escf(f, "在 %d 天的模拟期内（重复 %d 次），", horizon, reps);
        text_escape_html(f, name);
        fputs(" 的利润为 <b>", f);
        put_value(p, MET_PROFIT, pr.mean);
        fputs("</b>（95%置信区间 ", f);
        put_interval(p, MET_PROFIT, pr.ci_low, pr.ci_high);
        fputs("），收入 ", f);
        put_value(p, MET_REVENUE, rv.mean);
        fputs("，新顾客 ", f);
        put_value(p, MET_NEW_CUSTOMERS, nc.mean);
        fputs("；90天留存率 <b>", f);
        put_value(p, MET_RETENTION_90, r90.mean);
        fputs("</b>", f);
        if (!isnan(r365.mean)) {
            fputs("，365天留存率 <b>", f);
            put_value(p, MET_RETENTION_365, r365.mean);
            fputs("</b>", f);
        }
        fputs("。", f);
    } else {
        escf(f, "Over %d days (%d replications), ", horizon, reps);
        text_escape_html(f, name);
        fputs(" makes a profit of <b>", f);
        put_value(p, MET_PROFIT, pr.mean);
        fputs("</b> (95&nbsp;% CI ", f);
        put_interval(p, MET_PROFIT, pr.ci_low, pr.ci_high);
        fputs(") on revenue of ", f);
        put_value(p, MET_REVENUE, rv.mean);
        fputs(", from ", f);
        char b[64];
        text_escape_html(f, fmt_metric(b, sizeof b, MET_NEW_CUSTOMERS, nc.mean));
        fputs(" new customers; <b>", f);
        put_value(p, MET_RETENTION_90, r90.mean);
        fputs("</b> of them buy again at 90 days or later", f);
        if (!isnan(r365.mean)) {
            fputs(", <b>", f);
            put_value(p, MET_RETENTION_365, r365.mean);
            fputs("</b> at 365 days", f);
        }
        fputs(".", f);
    }
    fputs("</p>\n<div class=\"cards\">\n", f);
    const int cards[] = { MET_PROFIT, MET_REVENUE, MET_NEW_CUSTOMERS, MET_RETENTION_90, MET_RETENTION_365 };
    for (size_t i = 0; i < sizeof cards / sizeof cards[0]; i++)
        card(p, metrics, cards[i]);
    stat4 liab = jstat(metrics, MET_LIABILITY_END);
    if (liab.mean > 0)
        card(p, metrics, MET_LIABILITY_END);
    fputs("</div>\n", f);

    h2(p, "promotions", L(lang, "Promotions applied", "已应用的促销"));
    promotions_list(p, json_object_get(sum, "promotions"));

    h2(p, "plots", L(lang, "Plots", "图表"));
    diag fd = { 0 };
    if (p->scratch[0]) {
        static const char *const inputs[] = { "retention.csv", "profit.csv", "active.csv", "cohorts.csv",
                                              "frequency.csv" };
        for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++)
            link_input(p, inputs[i]);
        figures_run(p->scratch, name, currency_label(p), lang, PLOT_SVG, &fd);
    }
    figure_problem(p, &fd);
    put_figure(p, "retention", L(lang, "Retention by customer age", "按客龄的留存率"),
               L(lang, "The share of customers who buy again at each age (days since their first purchase) or "
                       "later. The line is the mean over replications, the shaded band its 95 % confidence interval.",
                 "各客龄（首次购买后的天数）及以后再次购买的顾客占比。线为各次重复模拟的均值，阴影为95%置信区间。"));
    put_figure(p, "profit", L(lang, "Cumulative revenue and profit", "累计收入与利润"),
               L(lang, "Revenue and profit to date, and profit discounted to day 0, with 95 % bands.",
                 "截至每天的累计收入、累计利润与折现到第0天的累计利润，含95%置信带。"));
    put_figure(p, "customers", L(lang, "Customers by status", "各状态顾客数"),
               L(lang, "Each day's active customers (a recent purchase), silent ones and dormant ones; below, "
                       "new customers and visits per day.",
                 "每天的活跃顾客（近期有购买）、沉默顾客与休眠顾客；下方为每天的新客与到店次数。"));
    put_figure(p, "cohorts", L(lang, "Cohort retention", "同期群留存"),
               L(lang, "Each row is a month's new customers, each column the months since their first purchase; "
                       "the colour is the share of the cohort buying in that month. The colour scale is fitted "
                       "to months 1 on; month 0 is 1 by definition and drawn in the darkest colour.",
                 "每行是某月的新顾客，每列是首次购买后的月数；颜色表示该同期群在当月购买的占比。"
                 "色标按第1个月起的数据设定；第0个月按定义为1，以最深色显示。"));
    put_figure(p, "frequency", L(lang, "Customers by number of purchases", "按购买次数的顾客数"),
               L(lang, "How many customers bought once, twice, ... or 7 times or more within the horizon; "
                       "mean over replications with its 95 % confidence interval. Prospects who never bought "
                       "are not counted here.",
                 "模拟期内购买1次、2次……及7次以上的顾客数；各次重复模拟的均值与95%置信区间。从未购买的潜在顾客不计入。"));

    h2(p, "metrics", L(lang, "All metrics", "全部指标"));
    metrics_table(p, metrics);

    h2(p, "explanation", L(lang, "Why: the explanation", "原因：情景解释"));
    explanation(p, p->dir);

    h2(p, "reproduce", L(lang, "Reproduce these numbers", "复现这些结果"));
    fputs("<p>", f);
    escf(f, L(lang, "Seed %s, %d replications. From this folder (the scenario below is its scenario.ini), "
                    "this command gives the same numbers, bit for bit, on any number of threads:",
              "随机种子 %s，重复 %d 次。在本文件夹中（下面的情景即其中的 scenario.ini）运行此命令，"
              "无论线程数多少，结果逐位相同："),
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
        snprintf(title, sizeof title, L(lang, "%s against %s", "%s 对比 %s"), names[1], names[0]);
    else
        snprintf(title, sizeof title, L(lang, "%d variants against %s", "%d 个方案对比 %s"), nvar,
                 names[0]);
    snprintf(ttl, sizeof ttl, L(lang, "%s: retsim report", "%s：retsim 模拟报告"), title);
    page_open(p, ttl);
    if (nvar == 1 && have_sub[1]) {
        char sub[PATH_MAX + 200];
        join(sub, sizeof sub, p->dir, subs[1]);
        get_scenario_meta(sub, desc, sizeof desc);
    }
    if (horizon > 0)
        snprintf(meta, sizeof meta,
                 L(lang, "%d days simulated, %d replications, seed %s, %s",
                   "模拟 %d 天，重复 %d 次，随机种子 %s，%s"),
                 horizon, reps, seedtxt,
                 paired ? L(lang, "paired: every scenario on the same simulated customers (common random numbers)",
                            "配对比较：所有情景使用同一批模拟顾客（共同随机数）")
                        : L(lang, "independent seeds (Welch intervals)", "独立随机种子（Welch 区间）"));
    else
        snprintf(meta, sizeof meta, L(lang, "%d replications, seed %s", "重复 %d 次，随机种子 %s"), reps,
                 seedtxt);
    header_block(p, L(lang, "retsim · what-if comparison", "retsim · 假设情景对比"), title, desc, meta);

    /* verdicts: one line per variant, then the key metrics */
    const int key[] = { MET_PROFIT, MET_REVENUE, MET_NEW_CUSTOMERS, ret, MET_REPEAT_RATE, MET_CLV };
    for (int k = 1; k < n; k++) {
        const json_t *v = json_array_get(variants, (size_t)k - 1);
        const json_t *ms = json_object_get(v, "metrics");
        fputs("<div class=\"verdict\">", f);
        fputs("<b>", f);
        text_escape_html(f, names[k]);
        fputs("</b>", f);
        text_escape_html(f, L(lang, " against ", " 对比 "));
        text_escape_html(f, names[0]);
        fputs(L(lang, ": ", "："), f);
        const int line[] = { MET_PROFIT, MET_REVENUE, ret };
        for (int i = 0; i < 3; i++) {
            const json_t *o = json_object_get(ms, metric_table[line[i]].name);
            if (i)
                fputs(L(lang, "; ", "；"), f);
            text_escape_html(f, metric_label(line[i], lang));
            fputs(" ", f);
            compare_verdict_id vd = verdict_of(o, line[i], jstat(base_metrics, line[i]).mean);
            if (isnan(jnum(o, "diff_mean"))) {
                text_escape_html(f, L(lang, "n/a", "无"));
                continue;
            }
            fputs("<b>", f);
            put_change(p, line[i], o, 0);
            fputs("</b> ", f);
            badge(p, vd);
        }
        fputs("</div>\n", f);
    }

    h2(p, "verdicts", L(lang, "Key metrics against the base", "关键指标相对基准的变化"));
    {
        /* the rule behind the badges, with the thresholds compare used */
        double material = jnum(cmp, "material");
        material = isnan(material) ? 0 : material;
        char rel_text[64], pp_text[64], note[512];
        compare_material_text(rel_text, sizeof rel_text, MET_PROFIT, material, lang);
        compare_material_text(pp_text, sizeof pp_text, MET_REPEAT_RATE, material, lang);
        snprintf(note, sizeof note,
                 L(lang, "A verdict reads up or down only when the 95 %% interval excludes 0 and the "
                         "change is at least %s (shares: at least %s); otherwise no material change.",
                   "只有 95%% 置信区间不含 0、且变化至少为%s（比例类指标至少 %s）时，才判为上升或下降；"
                   "否则为无实质变化。"),
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
        text_escape_html(f, L(lang, "metric", "指标"));
        fputs("</th><th class=\"n\">", f);
        text_escape_html(f, L(lang, "change [95 % CI]", "变化 [95%置信区间]"));
        fputs("</th><th>", f);
        text_escape_html(f, L(lang, "verdict", "结论"));
        fputs("</th><th class=\"n\">", f);
        text_escape_html(f, names[0]);
        text_escape_html(f, L(lang, " (base)", "（基准）"));
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
                text_escape_html(f, L(lang, "n/a", "无"));
                fputs("</td><td></td>", f);
            } else {
                put_change(p, m, o, 1);
                if (is_share(m) && !isnan(jnum(o, "rel_change"))) {
                    char b2[64];
                    fprintf(f, "<br><span class=\"ci\">%s%s%s</span>",
                            fmt_grouped(b2, sizeof b2, 100 * jnum(o, "rel_change"), 1, 1),
                            L(lang, "&nbsp;%", "%"), L(lang, " relative", "（相对）"));
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
            text_escape_html(f, L(lang, " of prepaid value is still owed to customers at the horizon (not in profit).",
                     " 的预付价值在模拟期末仍欠顾客（未计入利润）。"));
            fputs("</p>\n", f);
        }
    }
    fputs("<p class=\"meta\">", f);
    text_escape_html(f, L(lang, "Shares change in percentage points (pp); money and counts change relative to the base. "
                   "\"up\" or \"down\": the whole 95 % interval of the difference is above or below zero.",
             "占比类指标的变化以百分点计，金额与人数以相对基准的百分比计。“上升”或“下降”表示差值的95%置信区间整体高于或低于零。"));
    fputs("</p>\n", f);

    h2(p, "promotions", L(lang, "Promotions applied", "已应用的促销"));
    for (int k = 0; k < n; k++) {
        fputs("<h3>", f);
        text_escape_html(f, names[k]);
        if (k == 0)
            text_escape_html(f, L(lang, " (base)", "（基准）"));
        fputs("</h3>\n", f);
        if (k == 0)
            promotions_list(p, json_object_get(base_sum, "promotions"));
        else
            promotions_list(p, json_object_get(json_array_get(variants, (size_t)k - 1), "promotions"));
    }

    h2(p, "plots", L(lang, "Plots", "图表"));
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
        diag_set(&fd, DIAG_RUNTIME, "%s", L(lang, "a scenario's folder (0_NAME, 1_NAME, ...) is missing",
                                           "缺少某个情景的文件夹（0_NAME、1_NAME……）"));
    figure_problem(p, &fd);
    if (paired && n > 1)
        put_figure(p, "profit_difference", L(lang, "Profit gained against the base", "相对基准的利润增量"),
                   L(lang, "Cumulative profit of each variant minus the base's, measured replication by "
                           "replication on the same customers, with its 95 % band: above zero the variant earns more.",
                     "各方案与基准的累计利润之差，在同一批顾客上逐次重复计算，含95%置信带：高于零表示该方案赚得更多。"));
    put_figure(p, "retention", L(lang, "Retention by customer age", "按客龄的留存率"),
               L(lang, "The share of customers buying again at each age or later, for the base and each variant (95 % bands).",
                 "基准与各方案在各客龄及以后再次购买的顾客占比（含95%置信带）。"));
    put_figure(p, "profit", L(lang, "Cumulative profit", "累计利润"),
               L(lang, "Profit to date of the base and each variant (95 % bands).",
                 "基准与各方案截至每天的累计利润（含95%置信带）。"));
    put_figure(p, "customers", L(lang, "Active customers", "活跃顾客"),
               L(lang, "Customers with a recent purchase, each day, for the base and each variant.",
                 "基准与各方案每天近期有购买的顾客数。"));

    h2(p, "metrics", L(lang, "All metrics", "全部指标"));
    for (int k = 0; k < n; k++) {
        fputs("<h3>", f);
        text_escape_html(f, names[k]);
        if (k == 0)
            text_escape_html(f, L(lang, " (base)", "（基准）"));
        fputs("</h3>\n", f);
        if (k == 0) {
            metrics_table(p, base_metrics);
            continue;
        }
        const json_t *ms = json_object_get(json_array_get(variants, (size_t)k - 1), "metrics");
        fputs("<div class=\"scroll\"><table>\n<thead><tr><th>", f);
        text_escape_html(f, L(lang, "metric", "指标"));
        fputs("</th><th class=\"n\">", f);
        text_escape_html(f, L(lang, "mean", "均值"));
        fputs("</th><th class=\"n\">", f);
        text_escape_html(f, L(lang, "95 % CI", "95%置信区间"));
        fputs("</th><th class=\"n\">", f);
        text_escape_html(f, L(lang, "difference [95 % CI]", "差值 [95%置信区间]"));
        fputs("</th><th>", f);
        text_escape_html(f, L(lang, "unit", "单位"));
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
                        isnan(dm) ? "" : L(lang, "&nbsp;pp", "个百分点"));
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

    h2(p, "explanation", L(lang, "Why: the explanation", "原因：情景解释"));
    for (int k = 0; k < n; k++) {
        fputs("<h3>", f);
        text_escape_html(f, names[k]);
        if (k == 0)
            text_escape_html(f, L(lang, " (base)", "（基准）"));
        fputs("</h3>\n", f);
        char sub[PATH_MAX + 200];
        join(sub, sizeof sub, p->dir, have_sub[k] ? subs[k] : "missing");
        explanation(p, sub);
    }

    h2(p, "reproduce", L(lang, "Reproduce these numbers", "复现这些结果"));
    fputs("<p>", f);
    escf(f, L(lang, "Seed %s, %d replications%s. From this folder (each scenario below is its folder's "
                    "scenario.ini), this command gives the same numbers, bit for bit:",
              "随机种子 %s，重复 %d 次%s。在本文件夹中（下面每个情景即其文件夹中的 scenario.ini）运行此命令，结果逐位相同："),
         seedtxt, reps, paired ? L(lang, ", paired", "，配对") : L(lang, ", independent seeds", "，独立种子"));
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
        snprintf(label, sizeof label, "%s/scenario.ini", have_sub[k] ? subs[k] : names[k]);
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
    snprintf(title, sizeof title, L(lang, "%s: %s from %g to %g", "%s：%s 从 %g 到 %g"), name, key,
             json_number_value(json_array_get(values, 0)),
             json_number_value(json_array_get(values, nv ? nv - 1 : 0)));
    snprintf(ttl, sizeof ttl, L(lang, "%s: retsim report", "%s：retsim 模拟报告"), title);
    page_open(p, ttl);
    if (seedtxt[0])
        snprintf(meta, sizeof meta, L(lang, "%zu values, %d replications each, seed %s, paired (common random numbers)",
                                      "%zu 个取值，每个重复 %d 次，随机种子 %s，配对（共同随机数）"),
                 nv, reps, seedtxt);
    else
        snprintf(meta, sizeof meta, L(lang, "%zu values, %d replications each, paired (common random numbers)",
                                      "%zu 个取值，每个重复 %d 次，配对（共同随机数）"),
                 nv, reps);
    header_block(p, L(lang, "retsim · parameter sweep", "retsim · 参数扫描"), title, desc, meta);

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
        escf(f, L(lang, "Profit is highest at %s = %g: ", "%s = %g 时利润最高："), key, bv);
        fputs("<b>", f);
        put_value(p, MET_PROFIT, sweep_at(metrics, MET_PROFIT, "mean", best));
        fputs("</b> ", f);
        text_escape_html(f, L(lang, "(95 % CI ", "（95%置信区间 "));
        put_interval(p, MET_PROFIT, sweep_at(metrics, MET_PROFIT, "ci_low", best),
                     sweep_at(metrics, MET_PROFIT, "ci_high", best));
        text_escape_html(f, L(lang, ")", "）"));
        if (second < nv) {
            double sv = json_number_value(json_array_get(values, second));
            if (sweep_at(metrics, MET_PROFIT, "ci_low", best) > sweep_at(metrics, MET_PROFIT, "ci_high", second))
                escf(f, L(lang, ", clearly above the next best, %g (the intervals do not overlap).",
                          "，明显高于次优的 %g（置信区间不重叠）。"),
                     sv);
            else
                escf(f, L(lang, "; the next best, %g, is within the noise (the intervals overlap).",
                          "；次优的 %g 与之差异在误差范围内（置信区间重叠）。"),
                     sv);
        }
    }
    fputs("</p>\n", f);

    h2(p, "table", L(lang, "Key metrics at each value", "各取值下的关键指标"));
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
    text_escape_html(f, L(lang, "Each cell: the mean, and below it the 95 % confidence interval. Every metric at every value is in sweep.csv.",
             "每格为均值，其下为95%置信区间。所有取值下的全部指标见 sweep.csv。"));
    fputs("</p>\n", f);

    h2(p, "plots", L(lang, "Plots", "图表"));
    diag fd = { 0 };
    if (p->scratch[0]) {
        link_input(p, "sweep.csv");
        figures_sweep(p->scratch, name, key, ret, retdays, currency_label(p), lang,
                      PLOT_SVG, &fd);
    }
    figure_problem(p, &fd);
    char cap[512];
    snprintf(cap, sizeof cap, L(lang, "Profit over the horizon at each value of %s, with its 95 %% confidence interval.",
                                "%s 各取值下模拟期内的利润及其95%%置信区间。"), key);
    put_figure(p, "sweep", L(lang, "Profit against the parameter", "利润随参数的变化"), cap);
    snprintf(cap, sizeof cap, L(lang, "Retention at %d days at each value of %s, with its 95 %% confidence interval.",
                                "%d天留存率随 %s 各取值的变化及其95%%置信区间。"), retdays, key);
    put_figure(p, "sweep_retention", L(lang, "Retention against the parameter", "留存率随参数的变化"), cap);

    if (have_ini) {
        h2(p, "explanation", L(lang, "Why: the explanation", "原因：情景解释"));
        explanation(p, p->dir);
    }

    h2(p, "reproduce", L(lang, "Reproduce these numbers", "复现这些结果"));
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
        text_escape_html(f, L(lang, "This sweep folder does not record everything needed to re-run it exactly "
                       "(the scenario file or the seed; the default seed is 1). The command it was made with is close to:",
                 "此扫描文件夹未完整记录精确复现所需的信息（情景文件或随机种子；默认种子为 1）。生成它的命令大致为："));
    else
        text_escape_html(f, L(lang, "From this folder, this command gives the same numbers, bit for bit:",
                 "在本文件夹中运行此命令，结果逐位相同："));
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
