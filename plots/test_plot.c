/* plots/test_plot.c - standalone check of the plot layer.
 *
 * Build and run (from the repo root):
 *   gcc -std=c11 -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L -O2 \
 *       plots/plot.c plots/test_plot.c -o /tmp/test_plot && /tmp/test_plot [outdir]
 * Without gnuplot (expects scripts only):  PATH=/nonexistent /tmp/test_plot
 * Outputs go to /tmp/plottest by default; look at the PNGs there by eye.
 */
#include "plot.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int failures, checks;

#define CHECK(cond, ...)                                           \
    do {                                                           \
        checks++;                                                  \
        if (!(cond)) {                                             \
            failures++;                                            \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);   \
            fprintf(stderr, __VA_ARGS__);                          \
            fputc('\n', stderr);                                   \
        }                                                          \
    } while (0)

static const char *outdir = "/tmp/plottest";

static char *in_out(const char *name, const char *suffix)
{
    static char buf[4][1024];
    static int k;
    char *b = buf[k++ % 4];
    snprintf(b, sizeof buf[0], "%s/%s%s", outdir, name, suffix);
    return b;
}

static int exists(const char *name, const char *suffix)
{
    struct stat st;
    return stat(in_out(name, suffix), &st) == 0 && st.st_size > 0;
}

static FILE *open_csv(const char *name)
{
    FILE *f = fopen(in_out(name, ""), "w");
    if (!f) {
        perror(name);
        exit(2);
    }
    return f;
}

static void write_csvs(void)
{
    FILE *f;

    /* Customers by number of repeat purchases, actual against a model. */
    f = open_csv("fit_frequency.csv");
    fprintf(f, "repeat_purchases,actual,model\n0,1411,1409.3\n1,439,441.9\n2,214,204.3\n3,100,115.6\n"
               "4,62,72.2\n5,38,48.0\n6,29,33.3\n7+,64,82.4\n");
    fclose(f);

    /* Two retention curves with bands, in percent. */
    f = open_csv("retention.csv");
    fprintf(f, "age_days,base_mean,base_lo,base_hi,promo_mean,promo_lo,promo_hi\n");
    for (int d = 0; d <= 365; d += 5) {
        double a = 100 * exp(-d / 150.0), b = 100 * (0.15 + 0.85 * exp(-d / 90.0));
        double wa = 2 + d / 40.0, wb = 3 + d / 30.0;
        fprintf(f, "%d,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f\n", d, a, a - wa, a + wa, b, b - wb, b + wb);
    }
    fclose(f);

    /* Cohort triangle: 14 monthly cohorts x 12 ages; young cohorts lack late ages. */
    f = open_csv("cohorts.csv");
    fprintf(f, "cohort");
    for (int m = 0; m < 12; m++)
        fprintf(f, ",month %d", m);
    fputc('\n', f);
    for (int c = 0; c < 14; c++) {
        fprintf(f, "%d-%02d", 2023 + (c / 12), c % 12 + 1);
        for (int m = 0; m < 12; m++) {
            if (m < 14 - c)
                fprintf(f, ",%.1f", 100 * exp(-m * (0.08 + 0.005 * c)));
            else
                fputc(',', f);
        }
        fputc('\n', f);
    }
    fclose(f);

    /* Weekly cohorts x 100 weekly ages: tic labels must be thinned. */
    f = open_csv("cohorts_weekly.csv");
    fprintf(f, "cohort");
    for (int a = 0; a < 100; a++)
        fprintf(f, ",week %d", a);
    fputc('\n', f);
    for (int c = 0; c < 52; c++) {
        fprintf(f, "2024_W%02d", c + 1);
        for (int a = 0; a < 100; a++) {
            if (a < 100 - c)
                fprintf(f, ",%.2f", 100 * exp(-a * 0.03));
            else
                fputc(',', f);
        }
        fputc('\n', f);
    }
    fclose(f);

    /* Tornado, sorted by total swing, largest first; one same-sign pair. */
    f = open_csv("tornado.csv");
    fprintf(f, "parameter,down,up\n");
    fprintf(f, "churn_rate,1850,-1620\n");
    fprintf(f, "avg_order_value,-1200,1200\n");
    fprintf(f, "\"reactivation: e-mail & sms\",-400,650\n");
    fprintf(f, "discount rate,300,-250\n");
    fprintf(f, "silent_threshold_days,-90,-40\n");
    fclose(f);

    /* Customer states over time. */
    f = open_csv("states.csv");
    fprintf(f, "day,active,silent,dormant\n");
    for (int d = 0; d <= 720; d += 10) {
        double act = 10000 * exp(-d / 300.0) + 500;
        double sil = 3000 * (1 - exp(-d / 60.0)) * exp(-d / 500.0);
        double dor = 10500 - act - sil;
        fprintf(f, "%d,%.0f,%.0f,%.0f\n", d, act, sil, dor < 0 ? 0 : dor);
    }
    fclose(f);

    /* Data along both the top and the bottom edge: no free corner for the key. */
    f = open_csv("crowded.csv");
    fprintf(f, "x,top,bottom\n");
    for (int x = 0; x <= 100; x++)
        fprintf(f, "%d,10,%d\n", x, x % 2);
    fclose(f);

    /* One curve with a wide band, one whose band is 0.1 % of the range:
       the same data at 10 and at 10 000 replications. */
    f = open_csv("bands.csv");
    fprintf(f, "day,wide,wide_lo,wide_hi,thin,thin_lo,thin_hi\n");
    for (int d = 0; d <= 100; d++) {
        double y = 10.0 * d;
        fprintf(f, "%d,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f\n", d, y, y - 40, y + 40, y, y - 0.5, y + 0.5);
    }
    fclose(f);

    /* Stocks and flows on one x: the two-panel layout. */
    f = open_csv("flows.csv");
    fprintf(f, "day,active,active_lo,active_hi,visits,visits_lo,visits_hi\n");
    for (int d = 0; d <= 300; d += 3) {
        double a = 600 * (1 - exp(-d / 120.0)), v = 3 + 3 * (1 - exp(-d / 200.0));
        fprintf(f, "%d,%.2f,%.2f,%.2f,%.3f,%.3f,%.3f\n", d, a, a - 8, a + 8, v, v - 0.6, v + 0.6);
    }
    fclose(f);

    /* Customers by purchases, data against model; labels are text. */
    f = open_csv("frequency.csv");
    fprintf(f, "purchases,customers,ci_low,ci_high\n");
    for (int k = 1; k <= 7; k++) {
        double c = 1500 * pow(0.45, k - 1);
        fprintf(f, "%s,%.1f,%.1f,%.1f\n", k < 7 ? (const char *[]){"1", "2", "3", "4", "5", "6"}[k - 1] : "7+",
                c, c - 15, c + 15);
    }
    fclose(f);
    f = open_csv("frequency_model.csv");
    fprintf(f, "purchases,customers\n");
    for (int k = 1; k <= 7; k++)
        fprintf(f, "%d,%.1f\n", k, 1450 * pow(0.47, k - 1));
    fclose(f);

    f = open_csv("empty.csv");
    fprintf(f, "age_days,mean\n");
    fclose(f);

    /* Parses fine for us (right column count) but has no numbers for gnuplot. */
    f = open_csv("text.csv");
    fprintf(f, "age_days,mean\n");
    fprintf(f, "a,b\nc,d\n");
    fclose(f);
}

static void expect_render(const plot_spec *sp, int avail)
{
    char err[512];
    const char *ext = sp->format == PLOT_SVG ? ".svg" : ".png";
    char tmp[64];
    plot_status st;

    unlink(in_out(sp->name, ext));
    st = plot_render(outdir, sp, err, sizeof err);
    CHECK(st == (avail ? PLOT_OK : PLOT_NO_GNUPLOT), "%s%s: status %d err '%s'", sp->name, ext, (int)st, err);
    CHECK(exists(sp->name, ".gp"), "%s.gp missing", sp->name);
    CHECK(!exists(sp->name, ".gp.tmp"), "%s.gp.tmp left behind", sp->name);
    CHECK(!exists(sp->name, ".gp.log"), "%s.gp.log left behind", sp->name);
    snprintf(tmp, sizeof tmp, "%s.tmp", ext);
    CHECK(!exists(sp->name, tmp), "%s%s left behind", sp->name, tmp);
    CHECK(exists(sp->name, ext) == avail, "%s%s: picture %s", sp->name, ext, avail ? "missing" : "unexpected");
    if (st == PLOT_OK)
        printf("ok   %s%s\n", sp->name, ext);
}

static int file_contains(const char *name, const char *suffix, const char *needle)
{
    FILE *f = fopen(in_out(name, suffix), "r");
    char line[4096];
    int found = 0;

    if (!f)
        return 0;
    while (!found && fgets(line, sizeof line, f))
        found = strstr(line, needle) != NULL;
    fclose(f);
    return found;
}

static void expect_error(const char *what, const char *dir, const plot_spec *sp, const char *needle)
{
    char err[512] = "";
    plot_status st = plot_render(dir, sp, err, sizeof err);

    CHECK(st == PLOT_ERROR, "%s: expected PLOT_ERROR, got %d", what, (int)st);
    CHECK(err[0] != '\0', "%s: empty error message", what);
    CHECK(!needle || strstr(err, needle), "%s: message '%s' lacks '%s'", what, err, needle);
    printf("ok   error path %-28s -> %s\n", what, err);
}

/* The .gp file must work on its own, from inside outdir, with nothing but gnuplot. */
static void expect_script_runs(const char *name, const char *ext)
{
    char cmd[1024];
    int rc;

    unlink(in_out(name, ext));
    snprintf(cmd, sizeof cmd, "cd '%s' && gnuplot '%s.gp' 2>/dev/null", outdir, name);
    rc = system(cmd);
    CHECK(rc == 0, "re-running %s.gp by hand failed (%d)", name, rc);
    CHECK(exists(name, ext), "re-running %s.gp produced no %s", name, ext);
}

int main(int argc, char **argv)
{
    int avail;

    if (argc > 1)
        outdir = argv[1];
    if (mkdir(outdir, 0777) != 0 && errno != EEXIST) {
        perror(outdir);
        return 2;
    }
    write_csvs();
    avail = plot_gnuplot_available();
    CHECK(avail == plot_gnuplot_available(), "availability not stable");
    printf("gnuplot available: %s\n", avail ? "yes" : "no");

    const plot_series ret[] = {
        {"retention.csv", 1, 2, 3, 4, "baseline"},
        {"retention.csv", 1, 5, 6, 7, "promo_2024 (10 % off)"},
    };
    const plot_series ret_noband[] = {
        {"retention.csv", 1, 2, 0, 0, "baseline"},
        {"retention.csv", 1, 5, 0, 0, "promo"},
    };
    const plot_series cohort[] = {{"cohorts.csv", 1, 1, 0, 0, "customers still active (%)"}};
    const plot_series cohort_w[] = {{"cohorts_weekly.csv", 1, 1, 0, 0, "retention (%)"}};
    const plot_series torn[] = {{"tornado.csv", 1, 2, 2, 3, "CLV swing"}};
    const plot_series freq[] = {
        {"fit_frequency.csv", 1, 2, 0, 0, "actual"},
        {"fit_frequency.csv", 1, 3, 0, 0, "model"},
    };
    const plot_series states[] = {
        {"states.csv", 1, 2, 0, 0, "active"},
        {"states.csv", 1, 3, 0, 0, "silent"},
        {"states.csv", 1, 4, 0, 0, "dormant"},
    };

    plot_spec specs[] = {
        {"retention", PLOT_LINES_BANDS, PLOT_PNG, "Customer retention by scenario", "customer age (days)",
         "customers retained (%)", ret, 2, 0, "%.0f%%", 0, 110},
        {"retention_log", PLOT_LINES_BANDS, PLOT_PNG, "Customer's retention, log scale {x_1^2 @ \\ ~}", "customer age (days)",
         "customers retained (%)", ret_noband, 2, 1, NULL, 0, 0},
        {"cohorts", PLOT_HEATMAP, PLOT_PNG, "Cohort retention", "months since first order (months)",
         "acquisition cohort (month)", cohort, 1, 0, "%.0f%%", 0, 100},
        {"cohorts_weekly", PLOT_HEATMAP, PLOT_PNG, "Weekly cohort retention", "customer age (weeks)",
         "acquisition cohort (week)", cohort_w, 1, 0, NULL, 0, 0},
        {"tornado", PLOT_HBARS, PLOT_PNG, "Sensitivity of 1-year CLV", "change in 1-year CLV vs baseline (EUR)",
         "parameter (varied +/- 20 %)", torn, 1, 0, NULL, 0, 0},
        {"states", PLOT_STACKED, PLOT_PNG, "Customer states over time", "simulation day (days)",
         "customers (count)", states, 3, 0, NULL, 0, 0},
        /* Less common options: fixed value range and format on the tornado's
           horizontal axis, a log colour scale, a fixed range on stacked areas. */
        {"tornado_fixed", PLOT_HBARS, PLOT_PNG, "Sensitivity, fixed range", "change in CLV (EUR)",
         "parameter", torn, 1, 0, "%+.0f EUR", -3000, 3000},
        {"cohorts_log", PLOT_HEATMAP, PLOT_PNG, "Cohort retention, log colour scale",
         "months since first order (months)", "acquisition cohort (month)", cohort, 1, 1, NULL, 10, 100},
        {"frequency", PLOT_BARS, PLOT_PNG, "Customers by repeat purchases", "repeat purchases (count)",
         "customers (people)", freq, 2, 0, NULL, 0, 0},
        {"states_fixed", PLOT_STACKED, PLOT_PNG, "Customer states, fixed range", "simulation day (days)",
         "customers (count)", states, 3, 0, "%.0f", 0, 15000},
    };
    int nspecs = (int)(sizeof specs / sizeof specs[0]);

    for (int fmt = PLOT_PNG; fmt <= PLOT_SVG; fmt++) {
        for (int i = 0; i < nspecs; i++) {
            plot_spec sp = specs[i];
            char name[64];
            sp.format = (plot_format)fmt;
            if (fmt == PLOT_SVG) {
                snprintf(name, sizeof name, "%s_svg", specs[i].name);
                sp.name = name;
            }
            expect_render(&sp, avail);
        }
    }
    /* Key placement for line plots: the first corner free of data. */
    {
        const plot_series rising[] = {{"states.csv", 1, 4, 0, 0, "dormant customers"}};
        const plot_series crowded[] = {
            {"crowded.csv", 1, 2, 0, 0, "always ten"},
            {"crowded.csv", 1, 3, 0, 0, "zero or one"},
        };
        plot_spec k1 = {"key_rising", PLOT_LINES_BANDS, PLOT_PNG, "Rising curve", "day (days)",
                        "customers (count)", rising, 1, 0, NULL, 0, 0};
        plot_spec k2 = {"key_crowded", PLOT_LINES_BANDS, PLOT_PNG, "No free corner", "x (units)",
                        "y (units)", crowded, 2, 0, NULL, 0, 0};
        expect_render(&k1, avail);
        expect_render(&k2, avail);
        CHECK(file_contains("retention", ".gp", "set key top right"), "decaying curves: key not top right");
        CHECK(file_contains("key_rising", ".gp", "set key top left"), "rising curve: key not top left");
        CHECK(file_contains("key_crowded", ".gp", "set key outside"), "crowded plot: key not outside");
        CHECK(file_contains("frequency", ".gp", "with boxes"), "bar plot: no boxes");
        CHECK(file_contains("frequency", ".gp", "'7+' 7"), "bar plot: row labels not on the x axis");
    }

    /* Thin bands: the legend says so, decided from the data. */
    {
        const plot_series both[] = {
            {"bands.csv", 1, 2, 3, 4, "wide"},
            {"bands.csv", 1, 5, 6, 7, "thin"},
        };
        plot_spec b = {"bands_mixed", PLOT_LINES_BANDS, PLOT_PNG, "One wide band, one thin", "day (days)",
                       "customers (people)", both, 2, 0, NULL, 0, 0};
        expect_render(&b, avail);
        CHECK(file_contains("bands_mixed", ".gp", "'thin (95 % band narrower than the line)'"),
              "thin band (0.1 %% of the range) not noted in its legend");
        CHECK(!file_contains("bands_mixed", ".gp", "wide (95 % band"), "wide band (8 %% of the range) noted as thin");
        CHECK(file_contains("bands_mixed", ".gp", "keyentry"), "a visible band lost its key entry");
        b.name = "bands_thin";
        b.series = &both[1];
        b.nseries = 1;
        b.thin_band_note = "(band hidden by the line)";
        expect_render(&b, avail);
        CHECK(file_contains("bands_thin", ".gp", "'thin (band hidden by the line)'"), "caller's note not used");
        CHECK(!file_contains("bands_thin", ".gp", "keyentry"), "key explains a band nobody can see");
        b.name = "bands_wide";
        b.series = &both[0];
        b.thin_band_note = NULL;
        expect_render(&b, avail);
        CHECK(!file_contains("bands_wide", ".gp", "narrower") && !file_contains("bands_wide", ".gp", "hidden"),
              "wide band noted as thin");
        CHECK(file_contains("bands_wide", ".gp", "keyentry"), "wide band lost its key entry");
        /* A fixed y range five times the data's makes the 80-unit band 1.6 %
           of 5000: still visible; the 1-unit band (0.02 %) is not. */
        b.name = "bands_range";
        b.series = both;
        b.nseries = 2;
        b.ymin = 0;
        b.ymax = 5000;
        expect_render(&b, avail);
        CHECK(!file_contains("bands_range", ".gp", "wide (95 % band"), "1.6 %% band noted as thin");
        CHECK(file_contains("bands_range", ".gp", "thin (95 % band"), "0.02 %% band not noted");
        b.name = "bands_range_wide";
        b.ymax = 20000; /* now the 80-unit band is 0.4 %: too thin to see */
        expect_render(&b, avail);
        CHECK(file_contains("bands_range_wide", ".gp", "wide (95 % band"), "0.4 %% band not noted");
    }
    /* Two panels: stocks above, flows below, one x axis. */
    {
        const plot_series two[] = {
            {"flows.csv", 1, 2, 3, 4, "active customers", 0},
            {"flows.csv", 1, 5, 6, 7, "visits per day", 1},
        };
        plot_spec t = {"two_panels", PLOT_LINES_BANDS, PLOT_PNG, "Stocks and flows", "day (days)",
                       "customers (people)", two, 2, 0, NULL, 0, 0};
        t.lower_ylabel = "per day (visits)";
        expect_render(&t, avail);
        CHECK(file_contains("two_panels", ".gp", "set multiplot title 'Stocks and flows'"), "no multiplot title");
        CHECK(file_contains("two_panels", ".gp", "set ylabel 'per day (visits)'"), "lower panel's y label missing");
        CHECK(file_contains("two_panels", ".gp", "unset multiplot"), "multiplot not closed");
        CHECK(file_contains("two_panels", ".gp", "size 1000,820"), "two panels drawn on the short canvas");
        if (avail)
            expect_script_runs("two_panels", ".png");
        t.format = PLOT_SVG;
        t.name = "two_panels_svg";
        expect_render(&t, avail);
    }
    /* Bars: text labels on x, data with error bars against a model without. */
    {
        const plot_series fr[] = {
            {"frequency.csv", 1, 2, 3, 4, "data (95 % CI)"},
            {"frequency_model.csv", 1, 2, 0, 0, "model"},
        };
        plot_spec b = {"bars", PLOT_LINES_BANDS, PLOT_PNG, "Customers by number of purchases",
                       "purchases within the horizon (number)", "customers (people)", fr, 2, 0, NULL, 0, 0};
        b.kind = PLOT_BARS;
        expect_render(&b, avail);
        CHECK(file_contains("bars", ".gp", "'7+' 6)"), "7+ bar not labelled");
        CHECK(file_contains("bars", ".gp", "with boxes"), "no boxes");
        CHECK(file_contains("bars", ".gp", "with vectors"), "no error bars");
        CHECK(file_contains("bars", ".gp", "set boxwidth 0.4 absolute"), "two series not side by side");
        b.format = PLOT_SVG;
        b.name = "bars_svg";
        expect_render(&b, avail);
        b.format = PLOT_PNG;
        b.name = "bars_one";
        b.nseries = 1;
        expect_render(&b, avail);
    }
    /* Heat map with the first value column off the colour scale: the scale
       ends at month 1's 92.3 % rounded up to 95, not at month 0's 100. */
    {
        plot_spec h = specs[2];
        h.name = "cohorts_skip";
        h.ymin = h.ymax = 0;
        h.heat_scale_skip = 1;
        expect_render(&h, avail);
        CHECK(file_contains("cohorts_skip", ".gp", "set cbrange [0:95]"), "colour range not fitted to months 1+");
        h.name = "cohorts_noskip";
        h.heat_scale_skip = 0;
        expect_render(&h, avail);
        CHECK(!file_contains("cohorts_noskip", ".gp", "set cbrange"), "colour range set without heat_scale_skip");
    }

    if (avail)
        expect_script_runs("retention", ".png");
    else
        printf("no gnuplot: scripts written, PLOT_NO_GNUPLOT returned\n");

    /* ---- error paths that never reach gnuplot */
    plot_spec bad;
    plot_series s1[1];

    bad = specs[0];
    bad.title = "";
    expect_error("empty title", outdir, &bad, "title");
    bad = specs[0];
    bad.ylabel = NULL;
    expect_error("missing y label", outdir, &bad, "y label");
    bad = specs[0];
    bad.nseries = 0;
    expect_error("no series", outdir, &bad, "series");
    bad = specs[0];
    s1[0] = ret[0];
    s1[0].legend = "";
    bad.series = s1;
    bad.nseries = 1;
    expect_error("empty legend", outdir, &bad, "legend");
    s1[0] = ret[0];
    s1[0].xcol = 0;
    expect_error("column 0", outdir, &bad, "1-based");
    s1[0] = ret[0];
    s1[0].highcol = 0;
    expect_error("half a band", outdir, &bad, "band");
    s1[0] = ret[0];
    s1[0].ycol = 9;
    expect_error("column out of range", outdir, &bad, "out of range");
    s1[0] = ret[0];
    s1[0].csv = "nope.csv";
    expect_error("missing csv", outdir, &bad, "cannot open");
    s1[0] = (plot_series){"empty.csv", 1, 2, 0, 0, "mean"};
    unlink(in_out("empty_case", ".gp"));
    bad.name = "empty_case";
    expect_error("header-only csv", outdir, &bad, "no data rows in empty.csv");
    CHECK(!exists("empty_case", ".gp"), "script written for empty data");
    bad = specs[0];
    bad.name = "a'b";
    expect_error("quote in name", outdir, &bad, "name");
    bad = specs[0];
    bad.name = "sub/dir";
    expect_error("slash in name", outdir, &bad, "name");
    expect_error("quote in outdir", "/tmp/it's", &specs[0], "single quote");
    bad = specs[0];
    bad.title = "two\nlines";
    expect_error("newline in title", outdir, &bad, "title");
    bad = specs[4];
    bad.ylog = 1;
    expect_error("log tornado", outdir, &bad, "log");
    bad = specs[5];
    {
        plot_series mixed[2] = {states[0], {"retention.csv", 1, 2, 0, 0, "other"}};
        bad.series = mixed;
        bad.nseries = 2;
        expect_error("stacked, two csvs", outdir, &bad, "share");
    }
    bad = specs[2];
    bad.nseries = 2;
    bad.series = ret;
    expect_error("heatmap, two series", outdir, &bad, "exactly one");
    bad = specs[0];
    s1[0] = ret[0];
    s1[0].panel = 1;
    bad.series = s1;
    bad.nseries = 1;
    expect_error("panel 1, no lower label", outdir, &bad, "panel");
    bad.lower_ylabel = "per day (visits)";
    expect_error("lower panel, nothing above", outdir, &bad, "each panel");
    bad = specs[0];
    bad.lower_ylabel = "per day (visits)";
    expect_error("lower panel, nothing below", outdir, &bad, "each panel");
    bad = specs[2];
    bad.lower_ylabel = "per day (visits)";
    expect_error("lower panel on a heat map", outdir, &bad, "lines plot");
    {
        const plot_series fr2[] = {
            {"frequency.csv", 1, 2, 3, 4, "data"},
            {"tornado.csv", 1, 2, 0, 0, "five rows"},
        };
        bad = specs[0];
        bad.kind = PLOT_BARS;
        bad.series = fr2;
        bad.nseries = 2;
        bad.ymin = bad.ymax = 0;
        expect_error("bars, rows differ", outdir, &bad, "rows");
        bad.nseries = 1;
        bad.ylog = 1;
        expect_error("log bars", outdir, &bad, "log");
    }

    /* ---- gnuplot itself fails: reported, picture never half-written, old one kept */
    if (avail) {
        plot_spec g = specs[0];
        plot_series ts[1] = {{"text.csv", 1, 2, 0, 0, "mean"}};
        struct stat before, after;
        char err[512];

        g.name = "gpfail";
        g.series = ts;
        g.nseries = 1;
        g.ymin = g.ymax = 0;
        /* Plant a previous good picture to prove a failed run leaves it alone. */
        {
            plot_spec ok = specs[0];
            ok.name = "gpfail";
            CHECK(plot_render(outdir, &ok, err, sizeof err) == PLOT_OK, "setup: %s", err);
        }
        CHECK(stat(in_out("gpfail", ".png"), &before) == 0, "setup picture missing");
        expect_error("gnuplot runtime failure", outdir, &g, "gnuplot exited with status");
        CHECK(stat(in_out("gpfail", ".png"), &after) == 0 && after.st_size == before.st_size &&
                  after.st_mtime == before.st_mtime,
              "previous gpfail.png was touched");
        CHECK(!exists("gpfail", ".png.tmp"), "gpfail.png.tmp left behind");
        CHECK(exists("gpfail", ".gp.log"), "gpfail.gp.log not kept for diagnosis");
        CHECK(exists("gpfail", ".gp"), "gpfail.gp not written");
    }

    printf("%d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
