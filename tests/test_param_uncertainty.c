/* Intervals that include what the data cannot tell (issue 11), on logs
 * simulated from known BG/NBD parameters:
 *
 *   - the parameter part of the forward baseline's interval, per customer,
 *     shrinks like 1/sqrt(number of customers): sd x sqrt(n) is the same for
 *     500 and 2,000 customers within 4 standard errors (over logs);
 *   - coverage: over 400 logs, the 95 % interval the forward run gives for
 *     the existing customers' expected purchases in the next 26 weeks
 *     (fit, param_draws.csv, 20 pairs of replications sharing a draw)
 *     covers the truth, sum_i E[X(t) | x_i, t_x_i, T_i] under the true
 *     parameters, between 93 % and 97 % of the time.
 *
 * The logs are drawn here, straight from the model's story (Fader, Hardie
 * and Lee 2005): first purchases spread over the first 8 weeks, 26 weeks
 * of calibration, lambda ~ Gamma(r, alpha), p ~ Beta(a, b), Poisson
 * purchases while alive, dropout after each repeat purchase. */
#include <criterion/criterion.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../fit/btyd.h"
#include "../fit/purchase_fit.h"
#include "../present/fit_forward.h"
#include "../sim/basefile.h"
#include "../sim/metrics.h"
#include "../sim/stats.h"
#include "util.h"

static const double TRUE_R = 0.243, TRUE_ALPHA = 4.414, TRUE_A = 0.793, TRUE_B = 2.426;
#define CAL_WEEKS 26.0
#define FORWARD_WEEKS 26.0

static void draw_log(gsl_rng *g, int n, cust_summary *c)
{
    for (int i = 0; i < n; i++) {
        double start = 8.0 * gsl_rng_uniform(g), T = CAL_WEEKS - start;
        double lambda = gsl_ran_gamma(g, TRUE_R, 1.0 / TRUE_ALPHA), p = gsl_ran_beta(g, TRUE_A, TRUE_B);
        double t = 0, t_x = 0;
        int x = 0;
        for (;;) {
            t += lambda > 0 ? gsl_ran_exponential(g, 1.0 / lambda) : INFINITY;
            if (t > T)
                break;
            x++;
            t_x = t;
            if (gsl_rng_uniform(g) < p)
                break;
        }
        c[i] = (cust_summary){ x, t_x, T, x ? 20.0 : 0.0, 0, 0, 0 };
    }
}

/* The existing customers' expected purchases in the next t weeks under
 * parameters f: the truth when f holds the true parameters. */
static double expected_total(const purchase_fit *f, const cust_summary *c, int n, double t)
{
    double s = 0;
    for (int i = 0; i < n; i++)
        s += f->type->expected_conditional(f, c[i].x, c[i].t_x, c[i].T, t);
    return s;
}

/* A fitted base in dir from log c: customers_base.csv, param_draws.csv and
 * fitted.ini (BG/NBD with f's estimates, [uncertainty] draws). */
static scenario *fitted_base(const char *dir, const purchase_fit *f, const cust_summary *c, int n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/customers_base.csv", dir);
    FILE *o = fopen(path, "w");
    cr_assert(o);
    fprintf(o, "customer,%s,%s,%s,%s\n", BASE_COL_X, BASE_COL_TX, BASE_COL_T, BASE_COL_ZBAR);
    for (int i = 0; i < n; i++)
        fprintf(o, "%d,%.0f,%.10g,%.10g,%g\n", i, c[i].x, c[i].t_x * 7, c[i].T * 7, c[i].zbar);
    fclose(o);
    gg_fit gg = { .p = 6.25, .q = 3.74, .gamma = 15.44 };   /* spend is not what is checked */
    diag d = { 0 };
    cr_assert_eq(fit_forward_param_draws(dir, f, &gg, &d), 0, "%s", d.msg);
    snprintf(path, sizeof path, "%s/fitted.ini", dir);
    o = fopen(path, "w");
    cr_assert(o);
    fprintf(o, "[scenario]\nhorizon_days = %d\n[base]\ncustomers = customers_base.csv\nas_of = 2020-06-30\n"
               "[customer]\nmodel = bgnbd\n[bgnbd]\nr = %.10g\nalpha = %.10g\na = %.10g\nb = %.10g\nperiod_days = 7\n"
               "[gamma_gamma]\np = 6.25\nq = 3.74\ngamma = 15.44\n[uncertainty]\ndraws = param_draws.csv\nmethod = hessian\n",
            (int)(FORWARD_WEEKS * 7), f->par[0], f->par[1], f->par[2], f->par[3]);
    fclose(o);
    scenario *sc = scen_load(path, NULL, 0, &d);
    cr_assert(sc, "%s", d.msg);
    return sc;
}

static int fit_log(const cust_summary *c, int n, purchase_fit *f)
{
    memset(f, 0, sizeof *f);
    f->type = purchase_fit_find("bgnbd");
    diag d = { 0 };
    return f->type->fit(c, n, f, &d) == 0 && f->converged;
}

Test(param_uncertainty, parameter_part_shrinks_like_one_over_sqrt_n, .timeout = 600)
{
    const int sizes[2] = { 500, 2000 }, logs = 6, reps = 200;
    double v[2][6];
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, 11);
    for (int s = 0; s < 2; s++)
        for (int k = 0; k < logs; k++) {
            int n = sizes[s];
            cust_summary *c = calloc((size_t)n, sizeof *c);
            cr_assert(c);
            purchase_fit f;
            /* a fit that does not converge (it says so) is replaced by another
             * log, at most twice: the check is of the intervals, not the fits */
            int tries = 0;
            do
                draw_log(g, n, c);
            while (!fit_log(c, n, &f) && ++tries < 3);
            cr_assert(tries < 3, "three fits in a row of %d customers did not converge", n);
            char dir[] = "/tmp/retsim-pu-XXXXXX";
            cr_assert(mkdtemp(dir));
            scenario *sc = fitted_base(dir, &f, c, n);
            run_result *r = tu_run(sc, reps, 100 + (uint64_t)k, 2);
            stat_summary st = stat_vec_get(r->scen[0].metric, MET_BASE_PURCHASES);
            cr_assert(isfinite(st.param_sd), "no parameter part in the interval");
            /* per customer, times sqrt(n): the same for every n if it shrinks like 1/sqrt(n) */
            v[s][k] = st.param_sd / n * sqrt((double)n);
            run_result_free(r);
            scen_free(sc);
            free(c);
            char cmd[600];
            snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
            tu_system(cmd);
        }
    gsl_rng_free(g);
    double m[2], se2 = 0;
    for (int s = 0; s < 2; s++) {
        double a = 0, a2 = 0;
        for (int k = 0; k < logs; k++) {
            a += v[s][k];
            a2 += v[s][k] * v[s][k];
        }
        m[s] = a / logs;
        se2 += (a2 - logs * m[s] * m[s]) / (logs - 1) / logs;
    }
    double se = sqrt(se2);
    cr_log_info("parameter sd per customer x sqrt(n): %.4f at 500 customers, %.4f at 2,000 (SE of the "
                "difference %.4f, z = %+.2f)",
                m[0], m[1], se, (m[0] - m[1]) / se);
    cr_expect(se > 0 && fabs(m[0] - m[1]) <= 4 * se,
              "the parameter part does not shrink like 1/sqrt(n): sd x sqrt(n) %.4f at 500, %.4f at 2,000 "
              "(SE %.4f)", m[0], m[1], se);
    /* and it does shrink: a quarter of the customers, about twice the sd per customer */
    cr_expect(m[0] > 0 && m[1] > 0, "no parameter part measured");
}

Test(param_uncertainty, coverage_of_next_period_purchases, .timeout = 1200)
{
    const int logs = 400, n = 1000, reps = 40;
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, 2026);
    cust_summary *c = calloc((size_t)n, sizeof *c);
    cr_assert(c);
    purchase_fit truth = { .type = purchase_fit_find("bgnbd"), .par = { TRUE_R, TRUE_ALPHA, TRUE_A, TRUE_B } };
    int covered = 0, tried = 0, unfitted = 0, below = 0;
    for (int k = 0; k < logs; k++) {
        draw_log(g, n, c);
        purchase_fit f;
        if (!fit_log(c, n, &f)) {
            unfitted++;
            continue;
        }
        char dir[] = "/tmp/retsim-cov-XXXXXX";
        cr_assert(mkdtemp(dir));
        scenario *sc = fitted_base(dir, &f, c, n);
        run_result *r = tu_run(sc, reps, 7000 + (uint64_t)k, 2);
        stat_summary st = stat_vec_get(r->scen[0].metric, MET_BASE_PURCHASES);
        double want = expected_total(&truth, c, n, FORWARD_WEEKS);
        tried++;
        covered += st.ci_low <= want && want <= st.ci_high;
        below += want < st.ci_low;
        run_result_free(r);
        scen_free(sc);
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        tu_system(cmd);
    }
    gsl_rng_free(g);
    free(c);
    double share = tried ? (double)covered / tried : 0;
    cr_log_info("coverage of the next %g weeks' expected purchases: %d of %d logs (%.1f %%; truth below the "
                "interval %d, above %d; %d logs whose fit did not converge)",
                FORWARD_WEEKS, covered, tried, 100 * share, below, tried - covered - below, unfitted);
    cr_expect(unfitted <= logs / 50, "%d of %d fits did not converge", unfitted, logs);
    cr_expect(share >= 0.93 && share <= 0.97, "coverage %.1f %% (%d of %d), expected 93-97 %%", 100 * share,
              covered, tried);
}
