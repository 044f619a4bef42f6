/* The outputs of `retsim sensitivity`: sensitivity.csv (every parameter
 * moved), the tornado (its CSV and figure) and the ranking printed.  Here,
 * not in cli/cmd_sensitivity.c, so that the command keeps its options and
 * the moving and running of the parameters. */
#include "sensitivity_output.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../sim/lang.h"
#include "figures.h"
#include "output.h"

static int count_ranges(const sens_param *p, int n)
{
    int k = 0;
    for (int i = 0; i < n; i++)
        k += p[i].range;
    return k;
}

/* A CSV field that may hold commas or quotes. */
static void csv_text(FILE *f, const char *text)
{
    fputs(",\"", f);
    for (const char *c = text; *c; c++) {
        if (*c == '"')
            fputc('"', f);
        fputc(*c, f);
    }
    fputc('"', f);
}

int sensitivity_write(const char *dir, const char *name, const char *currency,
                        const sens_param *p, int n, const char *metric, double delta, diag *d)
{
    if (out_mkdirs(dir, d))
        return d->status;
    int nranges = count_ranges(p, n);
    char tmp[4200];
    FILE *f = out_open(dir, "sensitivity.csv", tmp, sizeof tmp, d);
    if (!f)
        return d->status;
    /* an impossible side's cells are empty, and the note says why */
    fprintf(f, "parameter,base_value,low_value,high_value,low_move,high_move,profit_change_low,"
               "profit_change_low_ci_low,profit_change_low_ci_high,profit_change_high,"
               "profit_change_high_ci_low,profit_change_high_ci_high,%s_change_low,%s_change_high,"
               "swing,%snote\n", metric, metric, nranges ? "moved," : "");
    for (int i = 0; i < n; i++) {
        fprintf(f, "%s,%.10g", p[i].name, p[i].base);
        out_csv_number(f, p[i].low);
        out_csv_number(f, p[i].high);
        out_csv_number(f, (p[i].low - p[i].base) / fabs(p[i].base));
        out_csv_number(f, (p[i].high - p[i].base) / fabs(p[i].base));
        const stat_summary *s[] = { &p[i].profit_low, &p[i].profit_high };
        for (int j = 0; j < 2; j++) {
            out_csv_number(f, s[j]->mean);
            out_csv_number(f, s[j]->ci_low);
            out_csv_number(f, s[j]->ci_high);
        }
        out_csv_number(f, p[i].metric_low.mean);
        out_csv_number(f, p[i].metric_high.mean);
        out_csv_number(f, p[i].swing);
        if (nranges)
            csv_text(f, p[i].moved);
        csv_text(f, p[i].note);
        fputc('\n', f);
    }
    if (out_commit(f, tmp, dir, "sensitivity.csv", d))
        return d->status;
    f = out_open(dir, "tornado.csv", tmp, sizeof tmp, d);
    if (!f)
        return d->status;
    /* the label (the key and how far it moved) is the bar's name; a side
     * that could not move is an empty cell, which gnuplot leaves undrawn */
    fputs("parameter,profit_change_down,profit_change_up,base_value,down_value,up_value\n", f);
    /* the ranges first (the 5 % quantile's bar is the "down" one), then the
     * largest moves up to TORNADO_ROWS bars in all: each ranking whole,
     * the ranges never pushed out by the moves */
    int order[TORNADO_ROWS], rows = 0;
    for (int pass = 1; pass >= 0; pass--)
        for (int i = 0; i < n && rows < TORNADO_ROWS; i++)
            if (p[i].range == pass)
                order[rows++] = i;
    for (int j = 0; j < rows; j++) {
        int i = order[j];
        fputs(p[i].bar, f);
        out_csv_number(f, p[i].profit_low.mean);
        out_csv_number(f, p[i].profit_high.mean);
        out_csv_number(f, p[i].base);
        out_csv_number(f, p[i].low);
        out_csv_number(f, p[i].high);
        fputc('\n', f);
    }
    if (out_commit(f, tmp, dir, "tornado.csv", d))
        return d->status;
    return figures_tornado(dir, name, delta, currency, LANG_EN, PLOT_PNG, d);
}

void sensitivity_print(const char *name, const run_result *res, const sens_param *p, int n,
                       double delta, const run_result *ranges, const char *outdir)
{
    stat_summary base = stat_vec_get(res->scen[0].metric, MET_PROFIT);
    printf("%s: profit %.0f; each parameter moved %g %% down / up, whole numbers by the\n"
           "nearest whole step at least that (%d replications, paired); change in profit:\n",
           name, base.mean, 100 * delta, res->reps);
    out_print_uncertainty(stdout, res, 0, lang_ui());
    for (int i = 0, shown = 0; i < n && shown < 10; i++) {
        if (p[i].range)
            continue;
        shown++;
        char lo[32] = "n/a", hi[32] = "n/a";
        if (!isnan(p[i].profit_low.mean))
            snprintf(lo, sizeof lo, "%+.0f", p[i].profit_low.mean);
        if (!isnan(p[i].profit_high.mean))
            snprintf(hi, sizeof hi, "%+.0f", p[i].profit_high.mean);
        printf("  %-70s %10s / %s\n", p[i].label, lo, hi);
    }
    int nranges = count_ranges(p, n);
    if (nranges && ranges) {
        stat_summary point = stat_vec_get(ranges->scen[0].metric, MET_PROFIT);
        printf(tr(lang_ui(), "each key holding a distribution at its 5 %% and 95 %% quantiles, the others at\n"
                             "their point values (profit %.0f; %d replications, paired); change in profit\n"
                             "(and the swing, profit at 95 %% minus at 5 %%):\n"),
               point.mean, ranges->reps);
        for (int i = 0, shown = 0; i < n && shown < 10; i++) {
            if (!p[i].range)
                continue;
            shown++;
            char lo[32] = "n/a", hi[32] = "n/a";
            if (!isnan(p[i].profit_low.mean))
                snprintf(lo, sizeof lo, "%+.0f", p[i].profit_low.mean);
            if (!isnan(p[i].profit_high.mean))
                snprintf(hi, sizeof hi, "%+.0f", p[i].profit_high.mean);
            printf("  %-70s %10s / %s  (%.0f)\n", p[i].label, lo, hi, p[i].swing);
        }
    }
    int noted = 0;
    for (int i = 0; i < n; i++)
        noted += p[i].note[0] != '\0';
    if (noted)
        printf("  %d parameter%s moved one way only (n/a): see the note column of sensitivity.csv\n",
               noted, noted == 1 ? "" : "s");
    printf("  wrote %s/ (sensitivity.csv, tornado.csv, tornado.png)\n", outdir);
}
