#include "figures.h"

#include <stdio.h>
#include <string.h>

#include "csvcols.h"
#include "../sim/interrupt.h"
#include "../sim/metrics.h"
#include "../sim/lang.h"

/* money axes read best with SI prefixes: 5.2 M rather than 5.2x10^6 */
#define MONEY_FORMAT "%.1s %c"

static int warned; /* the missing gnuplot, said once a run */

static void warn_no_gnuplot(void)
{
    if (!warned)
        /* not dir: that is the temporary folder (outdir.h), renamed later */
        fprintf(stderr, "retsim: warning: gnuplot not found; wrote the CSV files and the *.gp "
                        "scripts but no pictures (install gnuplot-nox)\n");
    warned = 1;
}

int figures_render(const char *dir, plot_spec *spec, plot_format fmt, lang_id lang, diag *d)
{
    char err[512] = "";
    if (interrupt_pending()) /* a plot can take a while: stop between them */
        return diag_set(d, DIAG_RUNTIME, "interrupted");
    spec->format = fmt;
    spec->band_legend = tr(lang, /* xgettext:no-c-format */ "95 % CI");
    spec->thin_band_note = spec->kind == PLOT_BARS
                               ? tr(lang, /* xgettext:no-c-format */ "(95 % CI too narrow to draw)")
                               : tr(lang, "(95 % band narrower than the line)");
    /* the report's SVG pictures are read back at once (report.c): drawn
     * while it waits; PNG pictures in the background when main asked */
    int jobs = fmt == PLOT_SVG ? plot_set_background(0) : -1;
    plot_status st = plot_render(dir, spec, err, sizeof err);
    if (jobs >= 0)
        plot_set_background(jobs);
    if (st == PLOT_NO_GNUPLOT) {
        warn_no_gnuplot();
        return 0;
    }
    if (st == PLOT_ERROR)
        return diag_set(d, DIAG_RUNTIME, "plot %s: %s", spec->name, err);
    return 0;
}

void figures_background(int jobs)
{
    plot_set_background(jobs);
}

int figures_pending(void)
{
    return plot_pending();
}

int figures_wait(diag *d)
{
    char err[1024] = "", name[256] = "";
    plot_status st = plot_wait(err, sizeof err, name, sizeof name);
    if (st == PLOT_NO_GNUPLOT)
        warn_no_gnuplot();
    if (st == PLOT_ERROR)
        return diag_set(d, DIAG_RUNTIME, "plot %s: %s", name, err);
    return 0;
}

void figures_discard(void)
{
    plot_discard();
}

static const char *money_label(char *buf, size_t cap, const char *what, const char *currency, lang_id lang)
{
    snprintf(buf, cap, tr(lang, "%s (%s; k = thousand, M = million)"), what, currency);
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

int figures_run(const char *dir, const char *name, const char *currency, int lost_after,
                lang_id lang, plot_format fmt, diag *d)
{
    char title[512], ylabel[256], observed[256];
    if (lost_after > 0)
        snprintf(observed, sizeof observed,
                 tr(lang, "as the business sees it (lost after %d silent days)"), lost_after);
    else
        snprintf(observed, sizeof observed, "%s",
                 tr(lang, "as the business sees it (lost after a long silence)"));
    /* retention.csv and observed_retention.csv: by age, each curve's mean and band */
    static const curve_id ret_curves[] = { CUR_RETENTION, CUR_OBSERVED_RETENTION };
    plot_series ret[] = {
        { "retention.csv",
          .legend = tr(lang, "still a customer (survival, as simulated)") },
        { "observed_retention.csv",
          .legend = observed },
    };
    int nret = csv_has_rows(dir, "observed_retention.csv") ? 2 : 1;
    /* retention by age, cohorts and purchases per customer are about the
     * customers won within the horizon: a fitted base with no new customers
     * ([base], a closed cohort) has none to draw, and gets no such plot */
    int has_new = csv_has_rows(dir, "retention.csv");
    if (has_new && curve_bands(dir, ret, ret_curves, nret, "age_days", d))
        return d->status;
    snprintf(title, sizeof title, "%s: %s", name,
             tr(lang, /* xgettext:no-c-format */ "retention by customer age (mean and 95 % CI)"));
    plot_spec pr = { "retention", PLOT_LINES_BANDS, fmt, title,
                     tr(lang, "customer age (days since first purchase)"),
                     tr(lang, "share of customers (0-1)"), ret, nret, 0, NULL, 0, 1 };
    if (has_new && figures_render(dir, &pr, fmt, lang, d))
        return d->status;

    /* profit.csv: by day, the cumulative curves */
    static const curve_id prof_curves[] = { CUR_CUM_REVENUE, CUR_CUM_PROFIT, CUR_CUM_PROFIT_NPV };
    plot_series prof[] = {
        { "profit.csv", .legend = tr(lang, "cumulative revenue") },
        { "profit.csv", .legend = tr(lang, "cumulative profit") },
        { "profit.csv", .legend = tr(lang, "cumulative profit, discounted") },
    };
    if (curve_bands(dir, prof, prof_curves, 3, "day", d))
        return d->status;
    snprintf(title, sizeof title, "%s: %s", name,
             tr(lang, /* xgettext:no-c-format */ "cumulative revenue and profit (mean and 95 % CI)"));
    plot_spec pp = { "profit", PLOT_LINES_BANDS, fmt, title, tr(lang, "day"),
                     money_label(ylabel, sizeof ylabel, tr(lang, "money"), currency, lang), prof, 3, 0,
                     MONEY_FORMAT, 0, 0 };
    if (figures_render(dir, &pp, fmt, lang, d))
        return d->status;

    /* active.csv: by day, the stocks of customers, then the flows per
     * day in a lower panel, because a day's visits are tens where the
     * stocks are hundreds */
    static const curve_id act_curves[] = { CUR_ACTIVE, CUR_SILENT, CUR_DORMANT, CUR_NEW_CUSTOMERS,
                                           CUR_VISITS };
    plot_series act[] = {
        { "active.csv", .legend = tr(lang, "active"), .panel = 0 },
        { "active.csv", .legend = tr(lang, "silent"), .panel = 0 },
        { "active.csv", .legend = tr(lang, "dormant"), .panel = 0 },
        { "active.csv", .legend = tr(lang, "new customers per day"), .panel = 1 },
        { "active.csv", .legend = tr(lang, "visits per day"), .panel = 1 },
    };
    if (curve_bands(dir, act, act_curves, 5, "day", d))
        return d->status;
    snprintf(title, sizeof title, "%s: %s", name,
             tr(lang, /* xgettext:no-c-format */ "customers by status, new customers and visits per day (mean and 95 % CI)"));
    plot_spec pa = { "customers", PLOT_LINES_BANDS, fmt, title, tr(lang, "day"),
                     tr(lang, "customers (people)"), act, 5, 0, NULL, 0, 0 };
    pa.lower_ylabel = tr(lang, "per day (people or visits)");
    if (figures_render(dir, &pa, fmt, lang, d))
        return d->status;

    /* Month 0 is 1 by definition (everyone buys in the month of the first
     * purchase): on the scale it would wash every later month out to the
     * palest colour, so the scale is fitted to months 1+ and month 0 is
     * drawn in the top colour. */
    if (!has_new)
        return 0;
    plot_series coh = { "cohorts.csv",
                        .legend = tr(lang, "share of cohort buying (scale from month 1; month 0 = 1)") };
    /* a heat map takes the whole matrix: its first columns only have to be there */
    if (figures_series(dir, "cohorts.csv", "cohort_month", "0", NULL, NULL, &coh, d))
        return d->status;
    snprintf(title, sizeof title, "%s: %s", name,
             tr(lang, "cohort retention (share of each month's new customers buying)"));
    plot_spec pc = { "cohorts", PLOT_HEATMAP, fmt, title,
                     tr(lang, "months since first purchase"),
                     tr(lang, "month of first purchase"), &coh, 1, 0, NULL, 0, 0 };
    pc.heat_scale_skip = 1;
    if (figures_render(dir, &pc, fmt, lang, d))
        return d->status;

    /* frequency.csv: customers by purchases (1..6, 7+) and their band;
     * last, so a report on an older run folder without it still gets the rest */
    plot_series fr = { "frequency.csv",
                       .legend = tr(lang, "customers, mean over replications") };
    if (figures_series(dir, "frequency.csv", "purchases", "customers", "ci_low", "ci_high", &fr, d))
        return d->status;
    snprintf(title, sizeof title, "%s: %s", name,
             tr(lang, /* xgettext:no-c-format */ "customers by number of purchases within the horizon (mean and 95 % CI)"));
    plot_spec pf = { "frequency", PLOT_BARS, fmt, title,
                     tr(lang, "purchases per customer within the horizon (7+ = seven or more)"),
                     tr(lang, "customers (people)"), &fr, 1, 0, NULL, 0, 0 };
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
                 k == 0 ? tr(lang, " (base)") : "");
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
          tr(lang, /* xgettext:no-c-format */ "Retention by customer age: base against variants (95 % CI)"),
          tr(lang, "customer age (days since first purchase)"),
          tr(lang, "share still customers (0-1)"), ret, n, 0, NULL, 0, 1 },
        { "profit", PLOT_LINES_BANDS, fmt,
          tr(lang, /* xgettext:no-c-format */ "Cumulative profit: base against variants (95 % CI)"),
          tr(lang, "day"), money_label(ylabel, sizeof ylabel, tr(lang, "cumulative profit"), currency, lang),
          prof, n, 0, MONEY_FORMAT, 0, 0 },
        { "customers", PLOT_LINES_BANDS, fmt,
          tr(lang, /* xgettext:no-c-format */ "Active customers: base against variants (95 % CI)"),
          tr(lang, "day"), tr(lang, "active customers (people)"), act, n, 0, NULL, 0, 0 },
    };
    /* no customers won within the horizon (a closed fitted base): no retention by age */
    size_t first = csv_has_rows(dir, csv[0][0]) ? 0 : 1;
    for (size_t i = first; i < sizeof specs / sizeof specs[0]; i++)
        if (figures_render(dir, &specs[i], fmt, lang, d))
            return d->status;
    if (!paired || n < 2)
        return 0;
    for (int k = 1; k < n; k++) {
        snprintf(dlegend[k], sizeof dlegend[k], tr(lang, "%s minus %s"), names[k], names[0]);
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
                     tr(lang, /* xgettext:no-c-format */ "Cumulative profit gained against the base (paired, 95 % CI)"),
                     tr(lang, "day"),
                     money_label(ylabel, sizeof ylabel, tr(lang, "difference in cumulative profit"),
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
    snprintf(title, sizeof title, tr(lang, "%s: profit against %s (mean and 95 %% CI)"), name, key);
    /* sweep.csv: the value under the key's name, then each metric's
     * NAME_mean, NAME_ci_low, NAME_ci_high */
    plot_series ps = { "sweep.csv", .legend = tr(lang, "profit over the horizon") };
    if (sweep_series(dir, key, MET_PROFIT, &ps, d))
        return d->status;
    plot_spec sp = { "sweep", PLOT_LINES_BANDS, fmt, title, key,
                     money_label(ylabel, sizeof ylabel, tr(lang, "profit over the horizon"), currency, lang),
                     &ps, 1, 0, MONEY_FORMAT, 0, 0 };
    if (figures_render(dir, &sp, fmt, lang, d))
        return d->status;
    if (retention < 0 || retention >= MET_COUNT)
        return 0; /* no retention age the horizon supports: the caller says so */
    snprintf(title, sizeof title, tr(lang, "%s: retention against %s (mean and 95 %% CI)"), name, key);
    snprintf(rlegend, sizeof rlegend, tr(lang, "retention at %d days"), retention_days);
    plot_series rs = { "sweep.csv", .legend = rlegend };
    if (sweep_series(dir, key, retention, &rs, d))
        return d->status;
    plot_spec rsp = { "sweep_retention", PLOT_LINES_BANDS, fmt, title, key,
                      tr(lang, "share still customers (0-1)"), &rs, 1, 0,
                      NULL, 0, 0 };
    return figures_render(dir, &rsp, fmt, lang, d);
}

int figures_tornado(const char *dir, const char *name, double delta, const char *currency,
                    lang_id lang, plot_format fmt, diag *d)
{
    char title[512], xlabel[256];
    snprintf(title, sizeof title,
             tr(lang, "%s: change in profit, each parameter %g %% down or up unless named"), name, 100 * delta);
    /* tornado.csv: each parameter's swing of profit down and up (the bars
     * take no y column: it only has to be there) */
    plot_series s = { "tornado.csv", .legend = tr(lang, "change in profit") };
    if (figures_series(dir, "tornado.csv", "parameter", "profit_change_down", "profit_change_down",
                       "profit_change_up", &s, d))
        return d->status;
    plot_spec spec = { "tornado", PLOT_HBARS, fmt, title,
                       money_label(xlabel, sizeof xlabel, tr(lang, "change in profit over the horizon"),
                                   currency, lang),
                       tr(lang, "parameter"), &s, 1, 0, MONEY_FORMAT, 0, 0 };
    return figures_render(dir, &spec, fmt, lang, d);
}
