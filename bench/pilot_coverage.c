/* pilot_coverage: the coverage study of fit/pilot_model.c's intervals
 * (issue 12; docs/pilot.md records the figures).  Simulates NPILOTS pilots
 * with known effects on the three levers straight from the model
 * (tests/pilot_sim.c), fits each, and counts how often the 95 % interval
 * of each lever covers the true value; then the same with no effect.
 *
 *   build/bench/pilot_coverage [NPILOTS [CUSTOMERS [effect|none|both]]]
 *   (default 200, 2000, both; bench/pilot_coverage.sh runs the two designs
 *   side by side)
 *
 * Prints one line per design and lever: pilots fitted, coverage with its
 * binomial standard error, the mean estimate and mean standard error
 * against the spread of the estimates (a calibrated standard error matches
 * the spread).  Exits 1 when a coverage is outside 93-97 % by more than
 * two binomial standard errors, or a fit fails.
 *
 *   build/bench/pilot_coverage NPILOTS CUSTOMERS agree
 *
 * compares, on NPILOTS pilots of the effect design, the model's extra
 * purchases per customer over the pilot (pilot_model_extra) with the
 * model-free estimate (CUPED with each customer's repeat purchases before
 * the start as the covariate, Welch standard error), as retsim pilot does:
 * the share of pilots where they agree within 1.96 combined standard
 * errors, and their means. */
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../fit/pilot_model.h"
#include "../tests/pilot_sim.h"

static const char *const lever_name[LEVER_COUNT] = { "rate", "dropout", "spend" };

static int study(const char *title, pilot_sim_spec s, int npilots, uint64_t seed0)
{
    pm_customer *c = malloc((size_t)s.n * sizeof *c);
    double truth[LEVER_COUNT] = { log(s.rate_ratio), log(s.dropout_ratio), log(s.spend_ratio) };
    int cover[LEVER_COUNT] = { 0 }, fitted = 0, failed = 0;
    double sum[LEVER_COUNT] = { 0 }, sum2[LEVER_COUNT] = { 0 }, sse[LEVER_COUNT] = { 0 };
    clock_t t0 = clock();
    for (int k = 0; k < npilots; k++) {
        pilot_sim(&s, seed0 + (uint64_t)k, c);
        pilot_model m = { 0 };
        diag d = { 0 };
        if (pilot_model_fit(c, s.n, &m, &d) || !m.lev.estimated[LEVER_SPEND]) {
            fprintf(stderr, "pilot %d: %s\n", k, d.status ? d.msg : "spend not estimated");
            failed++;
            continue;
        }
        fitted++;
        for (int j = 0; j < LEVER_COUNT; j++) {
            double e = m.lev.log_ratio[j], se = m.lev.se[j];
            cover[j] += fabs(e - truth[j]) <= 1.959964 * se;
            sum[j] += e;
            sum2[j] += e * e;
            sse[j] += se;
        }
    }
    printf("%s: %d pilots of %d customers, %.0f + %.0f weeks; true ratios rate %.2f, dropout %.2f, "
           "spend %.2f; %d fitted, %d failed; %.1f s\n",
           title, npilots, s.n, s.pre_weeks, s.post_weeks, s.rate_ratio, s.dropout_ratio, s.spend_ratio,
           fitted, failed, (double)(clock() - t0) / CLOCKS_PER_SEC);
    int bad = failed > 0;
    for (int j = 0; j < LEVER_COUNT && fitted > 1; j++) {
        double cov = (double)cover[j] / fitted, cse = sqrt(0.95 * 0.05 / fitted);
        double mean = sum[j] / fitted, sd = sqrt((sum2[j] - fitted * mean * mean) / (fitted - 1));
        printf("  %-8s coverage %5.1f %% (+- %.1f)  mean log-ratio %+.4f (true %+.4f, bias %+.4f +- %.4f)  "
               "mean se %.4f, sd of estimates %.4f\n",
               lever_name[j], 100 * cov, 100 * cse, mean, truth[j], mean - truth[j], sd / sqrt(fitted),
               sse[j] / fitted, sd);
        if (cov < 0.93 - 2 * cse || cov > 0.97 + 2 * cse)
            bad = 1;
    }
    free(c);
    return bad;
}

/* CUPED on the simulated customers: Y = x2, X = x1, theta = cov / var over
 * both groups; the difference of the adjusted means and its Welch SE */
static void cuped(const pm_customer *c, int n, double *diff, double *se)
{
    double mx = 0, my = 0, sxy = 0, sxx = 0;
    for (int i = 0; i < n; i++) {
        mx += c[i].x1 / n;
        my += c[i].x2 / n;
    }
    for (int i = 0; i < n; i++) {
        sxy += (c[i].x1 - mx) * (c[i].x2 - my);
        sxx += (c[i].x1 - mx) * (c[i].x1 - mx);
    }
    double th = sxx > 0 ? sxy / sxx : 0, s[2] = { 0 }, ss[2] = { 0 };
    int k[2] = { 0 };
    for (int i = 0; i < n; i++) {
        double y = c[i].x2 - th * (c[i].x1 - mx);
        s[c[i].treated] += y;
        ss[c[i].treated] += y * y;
        k[c[i].treated]++;
    }
    double v = 0;
    for (int g = 0; g < 2; g++) {
        double m = s[g] / k[g];
        v += (ss[g] / k[g] - m * m) * k[g] / (k[g] - 1) / k[g];
    }
    *diff = s[1] / k[1] - s[0] / k[0];
    *se = sqrt(v);
}

static int agreement(pilot_sim_spec s, int npilots, uint64_t seed0)
{
    pm_customer *c = malloc((size_t)s.n * sizeof *c);
    int agree = 0, fitted = 0, cover_m = 0, cover_c = 0;
    double sm = 0, sc = 0, sem = 0, sec = 0;
    /* the true extra purchases: the same pilot's customers' expectations
     * under the true parameters, averaged over the pilots */
    double truth = 0;
    const double th[6] = { s.r, s.alpha, s.a, s.b, s.rate_ratio, s.dropout_ratio };
    for (int k = 0; k < npilots; k++) {
        pilot_sim(&s, seed0 + (uint64_t)k, c);
        pilot_model m = { 0 };
        diag d = { 0 };
        if (pilot_model_fit(c, s.n, &m, &d))
            continue;
        fitted++;
        double ex, exse, cd, cse, tr = 0;
        pilot_model_extra(&m, c, s.n, &ex, &exse);
        cuped(c, s.n, &cd, &cse);
        for (int i = 0; i < s.n; i++)
            tr += (pilot_model_expected_post(th, &c[i], 1) - pilot_model_expected_post(th, &c[i], 0)) / s.n;
        truth += tr;
        agree += fabs(ex - cd) < 1.959964 * hypot(exse, cse);
        cover_m += fabs(ex - tr) < 1.959964 * exse;
        cover_c += fabs(cd - tr) < 1.959964 * cse;
        sm += ex;
        sc += cd;
        sem += exse;
        sec += cse;
    }
    printf("agreement: %d pilots of %d customers (rate x %.2f, dropout x %.2f), %d fitted: extra purchases per "
           "customer, model %.4f (mean se %.4f), CUPED %.4f (mean se %.4f), true %.4f; they agree within 1.96 "
           "combined se in %d; the model's interval covers the truth in %d, CUPED's in %d\n",
           npilots, s.n, s.rate_ratio, s.dropout_ratio, fitted, sm / fitted, sem / fitted, sc / fitted,
           sec / fitted, truth / fitted, agree, cover_m, cover_c);
    free(c);
    return fitted < npilots;
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();   /* as retsim's main: a non-PD Hessian is a result, not an abort */
    int npilots = argc > 1 ? atoi(argv[1]) : 200;
    int n = argc > 2 ? atoi(argv[2]) : 2000;
    const char *which = argc > 3 ? argv[3] : "both";
    int eff = !strcmp(which, "effect") || !strcmp(which, "both");
    int none = !strcmp(which, "none") || !strcmp(which, "both");
    if (npilots < 2 || n < 100 || !(eff || none || !strcmp(which, "agree"))) {
        fprintf(stderr, "usage: pilot_coverage [NPILOTS >= 2 [CUSTOMERS >= 100 [effect|none|both|agree]]]\n");
        return 2;
    }
    pilot_sim_spec s = { .n = n, .r = 0.8, .alpha = 4, .a = 0.8, .b = 4, .p = 6, .q = 4, .gamma = 60,
                         .pre_weeks = 52, .post_weeks = 12,
                         .rate_ratio = 1.2, .dropout_ratio = 0.7, .spend_ratio = 1.1 };
    if (!strcmp(which, "agree"))
        return agreement(s, npilots, 9000);
    int bad = 0;
    if (eff)
        bad |= study("effect", s, npilots, 1000);
    s.rate_ratio = s.dropout_ratio = s.spend_ratio = 1;
    if (none)
        bad |= study("no effect", s, npilots, 5000);
    return bad;
}
