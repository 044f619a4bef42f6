#include "figures.h"

#include <stdio.h>
#include <string.h>

#include "csvcols.h"
#include "../sim/interrupt.h"
#include "../sim/metrics.h"

/* money axes read best with SI prefixes: 5.2 M rather than 5.2x10^6 */
#define MONEY_FORMAT "%.1s %c"

int figures_render(const char *dir, plot_spec *spec, plot_format fmt, lang_id lang, diag *d)
{
    static int warned;
    char err[512] = "";
    if (interrupt_pending()) /* a plot can take a while: stop between them */
        return diag_set(d, DIAG_RUNTIME, "interrupted");
    spec->format = fmt;
    spec->band_legend = L(lang, "95 % CI", "95%置信区间");
    spec->thin_band_note = spec->kind == PLOT_BARS
                               ? L(lang, "(95 % CI too narrow to draw)", "（95%置信区间太窄，画不出）")
                               : L(lang, "(95 % band narrower than the line)", "（95%置信带比线还窄）");
    plot_status st = plot_render(dir, spec, err, sizeof err);
    if (st == PLOT_NO_GNUPLOT) {
        if (!warned)
            /* not dir: that is the temporary folder (outdir.h), renamed later */
            fprintf(stderr, "retsim: warning: gnuplot not found; wrote the CSV files and the *.gp "
                            "scripts but no pictures (install gnuplot-nox)\n");
        warned = 1;
        return 0;
    }
    if (st == PLOT_ERROR)
        return diag_set(d, DIAG_RUNTIME, "plot %s: %s", spec->name, err);
    return 0;
}

static const char *money_label(char *buf, size_t cap, const char *what_en, const char *what_zh,
                               const char *currency, lang_id lang)
{
    if (lang == LANG_ZH)
        snprintf(buf, cap, "%s（%s；k = 千，M = 百万）", what_zh, currency);
    else
        snprintf(buf, cap, "%s (%s; k = thousand, M = million)", what_en, currency);
    return buf;
}

/* Whether dir/name has a row below its header: observed_retention.csv has
 * none when the horizon is not longer than lost_after (summary.json says so). */
static int csv_has_rows(const char *dir, const char *name)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    int c, lines = 0;
    while ((c = fgetc(f)) != EOF && lines < 2)
        lines += c == '\n';
    fclose(f);
    return lines >= 2;
}

int figures_series(const char *dir, const char *file, const char *x, const char *y,
                   const char *low, const char *high, plot_series *s, diag *d)
{
    const char *names[4] = { x, y, low, high };
    int cols[4];
    if (csvcols_find(dir, file, names, cols, 4, d))
        return d->status;
    s->csv = file;
    s->xcol = cols[0];
    s->ycol = cols[1];
    s->lowcol = cols[2];
    s->highcol = cols[3];
    return 0;
}

int figures_band(const char *dir, const char *file, const char *x, const char *stem,
                 plot_series *s, diag *d)
{
    char y[160], low[160], high[160];
    snprintf(y, sizeof y, "%s_mean", stem);
    snprintf(low, sizeof low, "%s_ci_low", stem);
    snprintf(high, sizeof high, "%s_ci_high", stem);
    return figures_series(dir, file, x, y, low, high, s, d);
}

/* Points series[i] at curve curves[i] of its file (x the column named x). */
static int curve_bands(const char *dir, plot_series *series, const curve_id *curves, int n,
                       const char *x, diag *d)
{
    for (int i = 0; i < n; i++)
        if (figures_band(dir, series[i].csv, x, curve_table[curves[i]].name, &series[i], d))
            return d->status;
    return 0;
}

int figures_run(const char *dir, const char *name, const char *currency, lang_id lang,
                plot_format fmt, diag *d)
{
    char title[512], ylabel[256];
    /* retention.csv and observed_retention.csv: by age, each curve's mean and band */
    static const curve_id ret_curves[] = { CUR_RETENTION, CUR_OBSERVED_RETENTION };
    plot_series ret[] = {
        { "retention.csv",
          .legend = L(lang, "still a customer (survival, as simulated)", "仍是顾客（存活率，模拟真值）") },
        { "observed_retention.csv",
          .legend = L(lang, "as the business sees it (lost after lost_after silent days)",
            "商家所见（沉默 lost_after 天视为流失）") },
    };
    int nret = csv_has_rows(dir, "observed_retention.csv") ? 2 : 1;
    if (curve_bands(dir, ret, ret_curves, nret, "age_days", d))
        return d->status;
    snprintf(title, sizeof title, "%s: %s", name,
             L(lang, "retention by customer age (mean and 95 % CI)", "按客龄的留存率（均值与95%置信区间）"));
    plot_spec pr = { "retention", PLOT_LINES_BANDS, fmt, title,
                     L(lang, "customer age (days since first purchase)", "客龄（首次购买后的天数）"),
                     L(lang, "share of customers (0-1)", "顾客占比（0-1）"), ret, nret, 0, NULL, 0, 1 };
    if (figures_render(dir, &pr, fmt, lang, d))
        return d->status;

    /* profit.csv: by day, the cumulative curves */
    static const curve_id prof_curves[] = { CUR_CUM_REVENUE, CUR_CUM_PROFIT, CUR_CUM_PROFIT_NPV };
    plot_series prof[] = {
        { "profit.csv", .legend = L(lang, "cumulative revenue", "累计收入") },
        { "profit.csv", .legend = L(lang, "cumulative profit", "累计利润") },
        { "profit.csv", .legend = L(lang, "cumulative profit, discounted", "累计利润（折现）") },
    };
    if (curve_bands(dir, prof, prof_curves, 3, "day", d))
        return d->status;
    snprintf(title, sizeof title, "%s: %s", name,
             L(lang, "cumulative revenue and profit (mean and 95 % CI)", "累计收入与利润（均值与95%置信区间）"));
    plot_spec pp = { "profit", PLOT_LINES_BANDS, fmt, title, L(lang, "day", "天"),
                     money_label(ylabel, sizeof ylabel, "money", "金额", currency, lang), prof, 3, 0,
                     MONEY_FORMAT, 0, 0 };
    if (figures_render(dir, &pp, fmt, lang, d))
        return d->status;

    /* active.csv: by day, the stocks of customers, then the flows per
     * day in a lower panel, because a day's visits are tens where the
     * stocks are hundreds */
    static const curve_id act_curves[] = { CUR_ACTIVE, CUR_SILENT, CUR_DORMANT, CUR_NEW_CUSTOMERS,
                                           CUR_VISITS };
    plot_series act[] = {
        { "active.csv", .legend = L(lang, "active", "活跃"), .panel = 0 },
        { "active.csv", .legend = L(lang, "silent", "沉默"), .panel = 0 },
        { "active.csv", .legend = L(lang, "dormant", "休眠"), .panel = 0 },
        { "active.csv", .legend = L(lang, "new customers per day", "每天新客"), .panel = 1 },
        { "active.csv", .legend = L(lang, "visits per day", "每天到店次数"), .panel = 1 },
    };
    if (curve_bands(dir, act, act_curves, 5, "day", d))
        return d->status;
    snprintf(title, sizeof title, "%s: %s", name,
             L(lang, "customers by status, new customers and visits per day (mean and 95 % CI)",
               "各状态顾客数、每天新客与到店次数（均值与95%置信区间）"));
    plot_spec pa = { "customers", PLOT_LINES_BANDS, fmt, title, L(lang, "day", "天"),
                     L(lang, "customers (people)", "顾客（人）"), act, 5, 0, NULL, 0, 0 };
    pa.lower_ylabel = L(lang, "per day (people or visits)", "每天（人或次）");
    if (figures_render(dir, &pa, fmt, lang, d))
        return d->status;

    /* Month 0 is 1 by definition (everyone buys in the month of the first
     * purchase): on the scale it would wash every later month out to the
     * palest colour, so the scale is fitted to months 1+ and month 0 is
     * drawn in the top colour. */
    plot_series coh = { "cohorts.csv",
                        .legend = L(lang, "share of cohort buying (scale from month 1; month 0 = 1)",
                          "同期群购买占比（色标按第1个月起；第0个月恒为1）") };
    /* a heat map takes the whole matrix: its first columns only have to be there */
    if (figures_series(dir, "cohorts.csv", "cohort_month", "0", NULL, NULL, &coh, d))
        return d->status;
    snprintf(title, sizeof title, "%s: %s", name,
             L(lang, "cohort retention (share of each month's new customers buying)",
               "同期群留存（每月新客在之后各月的购买占比）"));
    plot_spec pc = { "cohorts", PLOT_HEATMAP, fmt, title,
                     L(lang, "months since first purchase", "首次购买后的月数"),
                     L(lang, "month of first purchase", "首次购买月份"), &coh, 1, 0, NULL, 0, 0 };
    pc.heat_scale_skip = 1;
    if (figures_render(dir, &pc, fmt, lang, d))
        return d->status;

    /* frequency.csv: customers by purchases (1..6, 7+) and their band;
     * last, so a report on an older run folder without it still gets the rest */
    plot_series fr = { "frequency.csv",
                       .legend = L(lang, "customers, mean over replications", "顾客数，各次重复模拟的均值") };
    if (figures_series(dir, "frequency.csv", "purchases", "customers", "ci_low", "ci_high", &fr, d))
        return d->status;
    snprintf(title, sizeof title, "%s: %s", name,
             L(lang, "customers by number of purchases within the horizon (mean and 95 % CI)",
               "模拟期内按购买次数的顾客数（均值与95%置信区间）"));
    plot_spec pf = { "frequency", PLOT_BARS, fmt, title,
                     L(lang, "purchases per customer within the horizon (7+ = seven or more)",
                       "模拟期内每位顾客的购买次数（7+ = 七次及以上）"),
                     L(lang, "customers (people)", "顾客（人）"), &fr, 1, 0, NULL, 0, 0 };
    return figures_render(dir, &pf, fmt, lang, d);
}

int figures_compare(const char *dir, const char *const *names, const char subdirs[][160], int n,
                    int paired, const char *currency, lang_id lang, plot_format fmt, diag *d)
{
    if (n > 8)
        n = 8; /* beyond 8 lines an overlay is unreadable */
    char csv[3][8][200], legend[8][200], dlegend[8][200], ylabel[256];
    plot_series ret[8], prof[8], act[8], diff[8];
    for (int k = 0; k < n; k++) {
        snprintf(csv[0][k], sizeof csv[0][k], "%s/retention.csv", subdirs[k]);
        snprintf(csv[1][k], sizeof csv[1][k], "%s/profit.csv", subdirs[k]);
        snprintf(csv[2][k], sizeof csv[2][k], "%s/active.csv", subdirs[k]);
        snprintf(legend[k], sizeof legend[k], "%s%s", names[k],
                 k == 0 ? L(lang, " (base)", "（基准）") : "");
        ret[k] = (plot_series){ csv[0][k], .legend = legend[k] };
        prof[k] = (plot_series){ csv[1][k], .legend = legend[k] };
        act[k] = (plot_series){ csv[2][k], .legend = legend[k] };
        if (figures_band(dir, csv[0][k], "age_days", curve_table[CUR_RETENTION].name, &ret[k], d)
            || figures_band(dir, csv[1][k], "day", curve_table[CUR_CUM_PROFIT].name, &prof[k], d)
            || figures_band(dir, csv[2][k], "day", curve_table[CUR_ACTIVE].name, &act[k], d))
            return d->status;
    }
    plot_spec specs[] = {
        { "retention", PLOT_LINES_BANDS, fmt,
          L(lang, "Retention by customer age: base against variants (95 % CI)", "按客龄的留存率：基准与方案对比（95%置信区间）"),
          L(lang, "customer age (days since first purchase)", "客龄（首次购买后的天数）"),
          L(lang, "share still customers (0-1)", "仍是顾客的占比（0-1）"), ret, n, 0, NULL, 0, 1 },
        { "profit", PLOT_LINES_BANDS, fmt,
          L(lang, "Cumulative profit: base against variants (95 % CI)", "累计利润：基准与方案对比（95%置信区间）"),
          L(lang, "day", "天"), money_label(ylabel, sizeof ylabel, "cumulative profit", "累计利润", currency, lang),
          prof, n, 0, MONEY_FORMAT, 0, 0 },
        { "customers", PLOT_LINES_BANDS, fmt,
          L(lang, "Active customers: base against variants (95 % CI)", "活跃顾客：基准与方案对比（95%置信区间）"),
          L(lang, "day", "天"), L(lang, "active customers (people)", "活跃顾客（人）"), act, n, 0, NULL, 0, 0 },
    };
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++)
        if (figures_render(dir, &specs[i], fmt, lang, d))
            return d->status;
    if (!paired || n < 2)
        return 0;
    for (int k = 1; k < n; k++) {
        snprintf(dlegend[k], sizeof dlegend[k], L(lang, "%s minus %s", "%s 减 %s"), names[k], names[0]);
        /* diff.csv: by day, each variant's vK_cum_profit_diff and its band (compare.c) */
        char y[64], low[64], high[64];
        snprintf(y, sizeof y, "v%d_cum_profit_diff", k);
        snprintf(low, sizeof low, "v%d_cum_profit_diff_ci_low", k);
        snprintf(high, sizeof high, "v%d_cum_profit_diff_ci_high", k);
        diff[k - 1] = (plot_series){ .legend = dlegend[k] };
        if (figures_series(dir, "diff.csv", "day", y, low, high, &diff[k - 1], d))
            return d->status;
    }
    plot_spec ds = { "profit_difference", PLOT_LINES_BANDS, fmt,
                     L(lang, "Cumulative profit gained against the base (paired, 95 % CI)",
                       "相对基准的累计利润增量（配对，95%置信区间）"),
                     L(lang, "day", "天"),
                     money_label(ylabel, sizeof ylabel, "difference in cumulative profit", "累计利润差",
                                 currency, lang),
                     diff, n - 1, 0, MONEY_FORMAT, 0, 0 };
    return figures_render(dir, &ds, fmt, lang, d);
}

/* Points s at metric m of sweep.csv against the key's column. */
static int sweep_series(const char *dir, const char *key, int m, plot_series *s, diag *d)
{
    char y[160], low[160], high[160];
    snprintf(y, sizeof y, "%s_mean", metric_table[m].name);
    snprintf(low, sizeof low, "%s_ci_low", metric_table[m].name);
    snprintf(high, sizeof high, "%s_ci_high", metric_table[m].name);
    return figures_series(dir, "sweep.csv", key, y, low, high, s, d);
}

int figures_sweep(const char *dir, const char *name, const char *key, int retention,
                  int retention_days, const char *currency, lang_id lang, plot_format fmt, diag *d)
{
    char title[512], ylabel[256], rlegend[128];
    snprintf(title, sizeof title, L(lang, "%s: profit against %s (mean and 95 %% CI)",
                                    "%s：利润随 %s 的变化（均值与95%%置信区间）"), name, key);
    /* sweep.csv: the value under the key's name, then each metric's
     * NAME_mean, NAME_ci_low, NAME_ci_high */
    plot_series ps = { "sweep.csv", .legend = L(lang, "profit over the horizon", "模拟期内利润") };
    if (sweep_series(dir, key, MET_PROFIT, &ps, d))
        return d->status;
    plot_spec sp = { "sweep", PLOT_LINES_BANDS, fmt, title, key,
                     money_label(ylabel, sizeof ylabel, "profit over the horizon", "模拟期内利润", currency, lang),
                     &ps, 1, 0, MONEY_FORMAT, 0, 0 };
    if (figures_render(dir, &sp, fmt, lang, d))
        return d->status;
    if (retention < 0 || retention >= MET_COUNT)
        return 0; /* no retention age the horizon supports: the caller says so */
    snprintf(title, sizeof title, L(lang, "%s: retention against %s (mean and 95 %% CI)",
                                    "%s：留存率随 %s 的变化（均值与95%%置信区间）"), name, key);
    snprintf(rlegend, sizeof rlegend, L(lang, "retention at %d days", "%d天留存率"), retention_days);
    plot_series rs = { "sweep.csv", .legend = rlegend };
    if (sweep_series(dir, key, retention, &rs, d))
        return d->status;
    plot_spec rsp = { "sweep_retention", PLOT_LINES_BANDS, fmt, title, key,
                      L(lang, "share still customers (0-1)", "仍是顾客的占比（0-1）"), &rs, 1, 0,
                      NULL, 0, 0 };
    return figures_render(dir, &rsp, fmt, lang, d);
}

int figures_tornado(const char *dir, const char *name, double delta, const char *currency,
                    lang_id lang, plot_format fmt, diag *d)
{
    char title[512], xlabel[256];
    snprintf(title, sizeof title,
             L(lang, "%s: change in profit, each parameter %g %% down or up unless named",
               "%s：各参数下调或上调 %g%%（另有标注的除外）时利润的变化"), name, 100 * delta);
    /* tornado.csv: each parameter's swing of profit down and up (the bars
     * take no y column: it only has to be there) */
    plot_series s = { "tornado.csv", .legend = L(lang, "change in profit", "利润变化") };
    if (figures_series(dir, "tornado.csv", "parameter", "profit_change_down", "profit_change_down",
                       "profit_change_up", &s, d))
        return d->status;
    plot_spec spec = { "tornado", PLOT_HBARS, fmt, title,
                       money_label(xlabel, sizeof xlabel, "change in profit over the horizon", "模拟期内利润变化",
                                   currency, lang),
                       L(lang, "parameter", "参数"), &s, 1, 0, MONEY_FORMAT, 0, 0 };
    return figures_render(dir, &spec, fmt, lang, d);
}
