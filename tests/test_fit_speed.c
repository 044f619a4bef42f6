/* Issue 14's speed-ups that must not change a result: the holdout's
 * expectations summed over distinct (x, t_x, T) (fit/purchase_fit.h) against
 * the plain loop over customers, and the same for any thread count; the
 * factored Pareto/NBD likelihood of large fits (fit/pnbd.c) against
 * pnbd_loglik_one customer by customer, and its fit the same for any thread
 * count; the fits screened on a subsample (BG/NBD, MBG/NBD, Pareto/NBD
 * from 40,000 customers, Gamma-Gamma from as many repeat buyers) the same for any thread count, converged, and
 * near the truth they were simulated from; and
 * plots drawn in the background (plots/plot.h) are all there, renamed into
 * place, once waited for, with a failure still reported. */
#include <criterion/criterion.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../fit/btyd.h"
#include "../fit/mbgnbd.h"
#include "../fit/mle.h"
#include "../fit/pnbd.h"
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

/* customers in days (t_x and T in weeks at a day's resolution), as
 * bench/make_log.c's: first purchases over 12 weeks, a 78-week log, x up to
 * about 60, and every 997th customer with x = 400 bought in its first week
 * (whose factored terms would overflow: computed the exact way) */
static cust_summary *daily_customers(int n)
{
    cust_summary *c = calloc((size_t)n, sizeof *c);
    cr_assert(c);
    unsigned s = 2024;
    for (int i = 0; i < n; i++) {
        s = s * 1103515245u + 12345u;
        int age_days = 462 + (int)((s >> 16) % 84);
        c[i].T = age_days / 7.0;
        s = s * 1103515245u + 12345u;
        unsigned u = (s >> 16) % 1000;
        c[i].x = u < 550 ? 0 : u < 750 ? 1 : u < 850 ? 2 : (double)(3 + u % 57);
        s = s * 1103515245u + 12345u;
        c[i].t_x = c[i].x > 0 ? (double)(1 + (s >> 16) % (unsigned)age_days) / 7.0 : 0;
        if (i % 997 == 5) {
            c[i].x = 400;
            c[i].t_x = 6 / 7.0;
        }
    }
    return c;
}

Test(fit_speed, factored_pareto_nbd_likelihood_is_the_customer_loop)
{
    const int n = 20000;
    cust_summary *c = daily_customers(n);
    cr_assert_geq(n, MLE_SCREEN_FROM, "the factored likelihood is for MLE_SCREEN_FROM customers or more");
    /* a grid around typical fits, and two far off: alpha and beta 1,200
     * times apart (a long series: quadrature) and a purchase rate far too
     * low for x = 400 */
    double par[18][4];
    int np = 0;
    for (int i = 0; i < 16; i++) {
        par[np][0] = i & 1 ? 2 : 0.2;
        par[np][1] = i & 2 ? 20 : 1;
        par[np][2] = i & 4 ? 3 : 0.3;
        par[np][3] = i & 8 ? 80 : 2;
        np++;
    }
    const double far[2][4] = { { 0.5, 0.05, 0.8, 60 }, { 0.05, 200, 0.5, 10 } };
    memcpy(par[np++], far[0], sizeof far[0]);
    memcpy(par[np++], far[1], sizeof far[1]);
    for (int k = 0; k < np; k++) {
        const double *p = par[k];
        double loop = 0;
        for (int i = 0; i < n; i++)
            loop += pnbd_loglik_one(p[0], p[1], p[2], p[3], c[i].x, c[i].t_x, c[i].T);
        double grouped = pnbd_loglik_sum(p[0], p[1], p[2], p[3], c, n);
        cr_expect(isfinite(loop), "(%g, %g, %g, %g): loop %g", p[0], p[1], p[2], p[3], loop);
        /* the same sum rounded differently: a few ulps an entry */
        cr_expect_leq(fabs(grouped - loop), 1e-11 * fabs(loop), "(%g, %g, %g, %g): grouped %.17g, loop %.17g",
                      p[0], p[1], p[2], p[3], grouped, loop);
    }
    free(c);
}

/* Pareto/NBD customers (r = 0.5, alpha = 10, s = 1, beta = 27 in weeks, near
 * the fit of bench/make_log.c's log) in days, as daily_customers */
static cust_summary *pareto_nbd_customers(int n)
{
    cust_summary *c = calloc((size_t)n, sizeof *c);
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    cr_assert(c && g);
    gsl_rng_set(g, 14);
    for (int i = 0; i < n; i++) {
        double T = (462 + (int)gsl_rng_uniform_int(g, 84)) / 7.0;
        double lam = gsl_ran_gamma(g, 0.5, 1 / 10.0), mu = gsl_ran_gamma(g, 1, 1 / 27.0);
        double end = fmin(gsl_ran_exponential(g, 1 / mu), T);
        for (double t = gsl_ran_exponential(g, 1 / lam); t <= end; t += gsl_ran_exponential(g, 1 / lam)) {
            c[i].x++;
            c[i].t_x = floor(t * 7) / 7;
        }
        c[i].T = T;
    }
    gsl_rng_free(g);
    return c;
}

/* 40,000 customers: factored, screened, and screened on a subsample
 * (fit/mle.h, MLE_SCREEN_SUBSAMPLE_FROM) */
Test(fit_speed, factored_pareto_nbd_fit_is_the_same_for_any_thread_count, .timeout = 300)
{
    const int n = 40000;
    cust_summary *c = pareto_nbd_customers(n);
    pnbd_fit f1, f2;
    diag d = { 0 };
    omp_set_num_threads(1);
    cr_assert_eq(pnbd_fit_run(c, n, &f1, &d), DIAG_OK, "%s", d.msg);
    omp_set_num_threads(2);
    cr_assert_eq(pnbd_fit_run(c, n, &f2, &d), DIAG_OK, "%s", d.msg);
    printf("fit_speed: Pareto/NBD on %d daily customers: r = %.6g, alpha = %.6g, s = %.6g, beta = %.6g, "
           "log-likelihood %.6f\n", n, f1.r, f1.alpha, f1.s, f1.beta, f1.loglik);
    cr_expect(f1.converged);
    cr_expect(!memcmp(&f1, &f2, sizeof f1), "Pareto/NBD: 1 thread and 2 threads differ");
    /* the fit's log-likelihood is the customer loop's at its estimates */
    double loop = 0;
    for (int i = 0; i < n; i++)
        loop += pnbd_loglik_one(f1.r, f1.alpha, f1.s, f1.beta, c[i].x, c[i].t_x, c[i].T);
    cr_expect_leq(fabs(f1.loglik - loop), 1e-11 * fabs(loop), "fit %.17g, loop %.17g", f1.loglik, loop);
    free(c);
}

/* BG/NBD customers (r = 0.25, alpha = 4.5, a = 0.75, b = 2.25 in weeks,
 * near the fit of bench/make_log.c's log): Poisson purchases of rate
 * lambda ~ Gamma(r, alpha) while alive, a dropout of chance p ~ Beta(a, b)
 * after each repeat purchase (Fader, Hardie and Lee 2005), over 66 to 78
 * weeks, in days as daily_customers */
static const double bg_truth[4] = { 0.25, 4.5, 0.75, 2.25 };

static cust_summary *bgnbd_customers(int n)
{
    cust_summary *c = calloc((size_t)n, sizeof *c);
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    cr_assert(c && g);
    gsl_rng_set(g, 2026);
    for (int i = 0; i < n; i++) {
        double T = (462 + (int)gsl_rng_uniform_int(g, 84)) / 7.0;
        double lam = gsl_ran_gamma(g, bg_truth[0], 1 / bg_truth[1]);
        double p = gsl_ran_beta(g, bg_truth[2], bg_truth[3]);
        for (double t = gsl_ran_exponential(g, 1 / lam); t <= T; t += gsl_ran_exponential(g, 1 / lam)) {
            c[i].x++;
            c[i].t_x = floor(t * 7) / 7;
            if (gsl_rng_uniform(g) < p)
                break;
        }
        c[i].T = T;
    }
    gsl_rng_free(g);
    return c;
}

/* 40,000 customers, the first size screened on a subsample (fit/mle.h,
 * MLE_SCREEN_SUBSAMPLE_FROM): BG/NBD (BFGS, the best subsample optimum
 * continued on the whole data) and MBG/NBD (the same scheme on the
 * log-parameters) the same for 1 and 2 threads, converged, and each BG/NBD
 * parameter within 4 standard errors of the truth (MBG/NBD is another
 * model: only converged) */
Test(fit_speed, subsample_screened_bgnbd_fits_are_the_same_for_any_thread_count, .timeout = 300)
{
    const int n = 40000;
    cust_summary *c = bgnbd_customers(n);
    bgnbd_fit b1, b2;
    mbgnbd_fit m1, m2;
    diag d = { 0 };
    omp_set_num_threads(1);
    cr_assert_eq(bgnbd_fit_run(c, n, &b1, &d), DIAG_OK, "%s", d.msg);
    cr_assert_eq(mbgnbd_fit_run(c, n, &m1, &d), DIAG_OK, "%s", d.msg);
    omp_set_num_threads(2);
    cr_assert_eq(bgnbd_fit_run(c, n, &b2, &d), DIAG_OK, "%s", d.msg);
    cr_assert_eq(mbgnbd_fit_run(c, n, &m2, &d), DIAG_OK, "%s", d.msg);
    printf("fit_speed: BG/NBD on %d daily customers: r = %.6g (%.2g), alpha = %.6g (%.2g), a = %.6g (%.2g), "
           "b = %.6g (%.2g)\n", n, b1.r, b1.se[0], b1.alpha, b1.se[1], b1.a, b1.se[2], b1.b, b1.se[3]);
    cr_expect(b1.converged);
    cr_expect(m1.converged);
    cr_expect(!memcmp(&b1, &b2, sizeof b1), "BG/NBD: 1 thread and 2 threads differ");
    cr_expect(!memcmp(&m1, &m2, sizeof m1), "MBG/NBD: 1 thread and 2 threads differ");
    const double est[4] = { b1.r, b1.alpha, b1.a, b1.b };
    const char *names[4] = { "r", "alpha", "a", "b" };
    for (int k = 0; k < 4; k++)
        cr_expect_leq(fabs(est[k] - bg_truth[k]), 4 * b1.se[k], "BG/NBD %s = %g (se %g), simulated with %g",
                      names[k], est[k], b1.se[k], bg_truth[k]);
    free(c);
}

/* 40,000 repeat buyers, Gamma-Gamma screened on a subsample (fit/btyd.c):
 * each buyer's spend level nu ~ Gamma(q, gamma) (rate), x = 1 to 6 repeat
 * purchases of value ~ Gamma(p, nu), zbar their mean (Fader, Hardie and
 * Lee 2005, "RFM and CLV"); p = 6, q = 3.8, gamma = 16 near the fit of
 * bench/make_log.c's log.  The same for 1 and 2 threads, converged, each
 * parameter within 4 standard errors of the truth. */
Test(fit_speed, subsample_screened_gamma_gamma_fit_is_the_same_for_any_thread_count, .timeout = 300)
{
    const int n = 40000;
    const double truth[3] = { 6, 3.8, 16 };
    cust_summary *c = calloc((size_t)n, sizeof *c);
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    cr_assert(c && g);
    gsl_rng_set(g, 1405);
    for (int i = 0; i < n; i++) {
        double nu = gsl_ran_gamma(g, truth[1], 1 / truth[2]), sum = 0;
        c[i].x = 1 + (double)gsl_rng_uniform_int(g, 6);
        for (int j = 0; j < (int)c[i].x; j++)
            sum += gsl_ran_gamma(g, truth[0], 1 / nu);
        c[i].zbar = sum / c[i].x;
        c[i].T = 52;
        c[i].t_x = 26;
    }
    gsl_rng_free(g);
    gg_fit f1, f2;
    diag d = { 0 };
    omp_set_num_threads(1);
    cr_assert_eq(gg_fit_run(c, n, &f1, &d), DIAG_OK, "%s", d.msg);
    omp_set_num_threads(2);
    cr_assert_eq(gg_fit_run(c, n, &f2, &d), DIAG_OK, "%s", d.msg);
    printf("fit_speed: Gamma-Gamma on %d repeat buyers: p = %.6g (%.2g), q = %.6g (%.2g), gamma = %.6g (%.2g)\n",
           n, f1.p, f1.se[0], f1.q, f1.se[1], f1.gamma, f1.se[2]);
    cr_expect(f1.converged);
    cr_expect(!memcmp(&f1, &f2, sizeof f1), "Gamma-Gamma: 1 thread and 2 threads differ");
    const double est[3] = { f1.p, f1.q, f1.gamma };
    for (int k = 0; k < 3; k++)
        cr_expect_leq(fabs(est[k] - truth[k]), 4 * f1.se[k], "parameter %d = %g (se %g), simulated with %g", k,
                      est[k], f1.se[k], truth[k]);
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
