/* Issue 14's speed-ups that must not change a result: the holdout's
 * expectations summed over distinct (x, t_x, T) (fit/purchase_fit.h) against
 * the plain loop over customers, and the same for any thread count; and
 * plots drawn in the background (plots/plot.h) are all there, renamed into
 * place, once waited for, with a failure still reported. */
#include <criterion/criterion.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../fit/purchase_fit.h"
#include "../plots/plot.h"
#include "util.h"

/* customers in whole weeks, as CDNOW's: many share (x, t_x, T) */
static cust_summary *weekly_customers(int n)
{
    cust_summary *c = calloc((size_t)n, sizeof *c);
    cr_assert(c);
    unsigned s = 12345;
    for (int i = 0; i < n; i++) {
        s = s * 1103515245u + 12345u;
        c[i].T = 27 + (s >> 16) % 12;           /* first purchase in the first 12 weeks */
        s = s * 1103515245u + 12345u;
        c[i].x = (s >> 16) % 7;
        s = s * 1103515245u + 12345u;
        c[i].t_x = c[i].x > 0 ? (double)((s >> 16) % (unsigned)c[i].T) : 0;
    }
    return c;
}

Test(fit_speed, grouped_holdout_sum_is_the_customer_loop_for_any_thread_count)
{
    const int n = 20000;
    cust_summary *c = weekly_customers(n);
    for (int m = 0; purchase_fit_types[m]; m++) {
        purchase_fit f = { 0 };
        f.type = purchase_fit_types[m];
        /* CDNOW's published values, each model its own (r, alpha, a or s, b or beta) */
        const double par[3][4] = { { 0.243, 4.414, 0.793, 2.426 }, { 0.525, 6.183, 0.891, 1.614 },
                                   { 0.553, 10.58, 0.606, 11.67 } };
        memcpy(f.par, par[m], sizeof f.par);
        double loop = 0;
        for (int i = 0; i < n; i++)
            loop += f.type->expected_conditional(&f, c[i].x, c[i].t_x, c[i].T, 39);
        purchase_groups g;
        cr_assert_eq(purchase_groups_build(c, n, &g), 0);
        cr_expect_lt(g.n, n / 5, "%s: %d distinct (x, t_x, T) of %d customers: not grouped", f.type->label,
                     g.n, n);
        omp_set_num_threads(1);
        double one = purchase_groups_expected_sum(&g, &f, 39);
        omp_set_num_threads(2);
        double two = purchase_groups_expected_sum(&g, &f, 39);
        purchase_groups_free(&g);
        printf("fit_speed: %s: %.6f grouped, %.6f customer by customer\n", f.type->label, one, loop);
        cr_expect(loop > 0);
        /* only the order of the additions differs: rounding, ~n eps */
        cr_expect_leq(fabs(one - loop), 1e-11 * loop, "%s: grouped %.17g, loop %.17g", f.type->label, one, loop);
        cr_expect(!memcmp(&one, &two, sizeof one), "%s: 1 and 2 threads differ: %.17g, %.17g",
                  f.type->label, one, two);
        cr_expect_eq(purchase_fit_expected_sum(&f, c, n, 39), one);
    }
    free(c);
}

static char dir[64] = "/tmp/retsim-fitspeed-XXXXXX";

static int exists(const char *name)
{
    char path[300];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0 && st.st_size > 0;
}

Test(fit_speed, background_plots_are_in_place_once_waited_for)
{
    cr_assert(mkdtemp(dir));
    char path[300];
    snprintf(path, sizeof path, "%s/d.csv", dir);
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fputs("day,mean,low,high\n", f);
    for (int i = 0; i < 50; i++)
        fprintf(f, "%d,%g,%g,%g\n", i, sqrt(i), sqrt(i) - 0.5, sqrt(i) + 0.5);
    fclose(f);
    cr_assert(plot_gnuplot_available(), "gnuplot is needed for this test (tools/ensure-deps.sh installs it)");
    plot_series s = { "d.csv", 1, 2, 3, 4, "mean", 0 };
    const char *names[4] = { "p1", "p2", "p3", "p4" };
    char err[1024];
    int old = plot_set_background(2);
    for (int i = 0; i < 4; i++) {
        plot_spec sp = { 0 };
        sp.name = names[i];
        sp.kind = PLOT_LINES_BANDS;
        sp.title = "a test";
        sp.xlabel = "day (days)";
        sp.ylabel = "value (units)";
        sp.series = &s;
        sp.nseries = 1;
        cr_assert_eq(plot_render(dir, &sp, err, sizeof err), PLOT_OK, "%s", err);
        cr_expect_leq(plot_pending(), 2, "more gnuplots at once than asked for");
    }
    cr_expect_eq(plot_wait(err, sizeof err, NULL, 0), PLOT_OK, "%s", err);
    cr_expect_eq(plot_pending(), 0);
    for (int i = 0; i < 4; i++) {
        char png[32], tmp[32];
        snprintf(png, sizeof png, "%s.png", names[i]);
        snprintf(tmp, sizeof tmp, "%s.png.tmp", names[i]);
        cr_expect(exists(png), "%s missing after plot_wait", png);
        cr_expect(!exists(tmp), "%s left behind", tmp);
    }
    /* a plot gnuplot fails on is reported by plot_wait, naming it */
    plot_series bad = { "d.csv", 1, 2, 0, 0, "mean", 0 };
    plot_spec sp = { 0 };
    sp.name = "bad";
    sp.kind = PLOT_LINES_BANDS;
    sp.title = "a test";
    sp.xlabel = "day (days)";
    sp.ylabel = "value (units)";
    sp.series = &bad;
    sp.nseries = 1;
    /* gnuplot cannot open its output: a folder stands where bad.png.tmp goes */
    snprintf(path, sizeof path, "%s/bad.png.tmp", dir);
    cr_assert_eq(mkdir(path, 0700), 0);
    char failed[64] = "";
    plot_status st = plot_render(dir, &sp, err, sizeof err);
    if (st == PLOT_OK)
        st = plot_wait(err, sizeof err, failed, sizeof failed);
    plot_set_background(old);
    cr_expect_eq(st, PLOT_ERROR, "a broken script was not reported");
    cr_expect(strstr(err, "bad.png") != NULL, "the error does not name the plot: %s", err);
    cr_expect_str_eq(failed, "bad");
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    tu_system(cmd);
}
