/* retsim fit, end to end: parameters recovered from a log simulated by the
 * project's own BG/NBD model, the published CDNOW and sBG fits reproduced
 * through the command line, the fitted scenario reproducing the data, and
 * bad input refused with nothing written. */
#include <criterion/criterion.h>
#include <gsl/gsl_errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../fit/btyd.h"
#include "../fit/describe.h"
#include "../fit/translog.h"
#include "../sim/metrics.h"
#include "util.h"

static const char *data_dir(void)
{
    const char *d = getenv("RETSIM_SHARED_DATA");
    return d ? d : "../shared/data";
}

/* ---- recovery: the engine's bgnbd model writes a log; the fit reads it ---- */

typedef struct log_sink {
    FILE *f;
    double day0;
} log_sink;

static void write_purchase(void *ctx, uint64_t customer, double day, double bill)
{
    log_sink *s = ctx;
    time_t secs = (time_t)(floor(day) * 86400.0) + 9131 * 86400; /* day 0 = 1995-01-01 */
    struct tm tm;
    gmtime_r(&secs, &tm);
    char date[16];
    strftime(date, sizeof date, "%Y-%m-%d", &tm);
    fprintf(s->f, "c%llu,%s,%.2f\n", (unsigned long long)customer, date, bill);
}

Test(fit, recovers_bgnbd_and_gamma_gamma_from_the_engines_own_log)
{
    gsl_set_error_handler_off();
    const double r = 0.6, alpha = 5, a = 0.8, b = 2.5, p = 6, q = 4, gamma = 15;
    char ini[1024];
    snprintf(ini, sizeof ini,
             "[scenario]\nhorizon_days = 364\n[customer]\nmodel = bgnbd\n"
             "[channel.c]\nprospects_per_day = 6000\nstep_conversion = 1\nstop_day = 1\n"
             "[bgnbd]\nr = %g\nalpha = %g\na = %g\nb = %g\nperiod_days = 7\n"
             "[gamma_gamma]\np = %g\nq = %g\ngamma = %g\n",
             r, alpha, a, b, p, q, gamma);
    scenario *sc = tu_scenario(ini);
    diag d = { 0 };
    engine *e = engine_prepare(sc, &d);
    cr_assert(e, "%s", d.msg);
    engine_work *w = engine_work_alloc(e);
    rep_result *out = rep_alloc(engine_horizon(e));
    char path[] = "/tmp/retsim-fitlog-XXXXXX.csv";
    int fd = mkstemps(path, 4);
    cr_assert(fd >= 0);
    log_sink sink = { fdopen(fd, "w"), 0 };
    fputs("customer,date,amount\n", sink.f);
    engine_work_observe(w, write_purchase, &sink);
    cr_assert_eq(engine_replicate(e, w, 2024, 0, out, &d), 0, "%s", d.msg);
    fclose(sink.f);

    translog_opts o = { 0 };
    o.max_bad_share = 0;
    translog *t = translog_read(path, &o, &d);
    cr_assert(t, "%s", d.msg);
    cust_summary *cs = calloc((size_t)t->ncust, sizeof *cs);
    /* everyone arrived on day 0; the log ends on day 363 */
    describe_summarise(t, 9131 + 363, 7, cs);
    bgnbd_fit bg;
    gg_fit gg;
    cr_assert_eq(bgnbd_fit_run(cs, t->ncust, &bg, &d), 0, "%s", d.msg);
    cr_assert_eq(gg_fit_run(cs, t->ncust, &gg, &d), 0, "%s", d.msg);
    const double truth[4] = { r, alpha, a, b }, got[4] = { bg.r, bg.alpha, bg.a, bg.b };
    const char *names[4] = { "r", "alpha", "a", "b" };
    for (int k = 0; k < 4; k++) {
        cr_expect(bg.se[k] > 0 && bg.se[k] < 0.3 * truth[k], "%s: SE %g", names[k], bg.se[k]);
        cr_expect(fabs(got[k] - truth[k]) <= 4 * bg.se[k], "%s: fitted %g (SE %g), truth %g", names[k],
                  got[k], bg.se[k], truth[k]);
    }
    const double gtruth[3] = { p, q, gamma }, ggot[3] = { gg.p, gg.q, gg.gamma };
    const char *gnames[3] = { "p", "q", "gamma" };
    for (int k = 0; k < 3; k++)
        cr_expect(fabs(ggot[k] - gtruth[k]) <= 4 * gg.se[k], "%s: fitted %g (SE %g), truth %g",
                  gnames[k], ggot[k], gg.se[k], gtruth[k]);
    free(cs);
    translog_free(t);
    unlink(path);
    rep_free(out);
    engine_work_free(w);
    engine_free(e);
    scen_free(sc);
}

/* ---- CDNOW through the command line ---- */

static int cdnow_csv(char *path, size_t cap)
{
    char src[1024];
    snprintf(src, sizeof src, "%s/CDNOW_sample.txt", data_dir());
    FILE *in = fopen(src, "r");
    if (!in)
        return -1;
    snprintf(path, cap, "/tmp/retsim-cdnow-XXXXXX.csv");
    int fd = mkstemps(path, 4);
    FILE *out = fdopen(fd, "w");
    fputs("customer,date,amount\n", out);
    char master[32], id[32], date[32];
    int cds;
    double dollars;
    while (fscanf(in, "%31s %31s %31s %d %lf", master, id, date, &cds, &dollars) == 5)
        fprintf(out, "%s,%s,%.2f\n", id, date, dollars);
    fclose(in);
    fclose(out);
    return 0;
}

static double jnum(json_t *root, const char *obj, const char *key)
{
    return json_number_value(json_object_get(json_object_get(root, obj), key));
}

Test(fit, cdnow_published_fit_through_the_command_line)
{
    char csv[256];
    if (cdnow_csv(csv, sizeof csv))
        cr_assert_fail("%s/CDNOW_sample.txt not found: the published-value check cannot run (put "
                       "the validation data in ../shared/data beside the clone, or set "
                       "RETSIM_SHARED_DATA to its folder)",
                       data_dir());
    char dir[] = "/tmp/retsim-fitcli-XXXXXX";
    cr_assert(mkdtemp(dir));
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s fit %s --holdout-from 1997-10-01 --period week -q --out %s/f", tu_bin(),
             csv, dir);
    cr_assert_eq(tu_system(cmd), 0, "%s", cmd);
    char path[1200];
    snprintf(path, sizeof path, "%s/f/summary.json", dir);
    json_error_t err;
    json_t *root = json_load_file(path, 0, &err);
    cr_assert(root, "summary.json: %s", err.text);
    struct { const char *obj, *key; double want, tol; } checks[] = {
        { "bgnbd", "r", 0.243, 0.005 }, { "bgnbd", "alpha", 4.414, 0.005 },
        { "bgnbd", "a", 0.793, 0.005 }, { "bgnbd", "b", 2.426, 0.005 },
        { "gamma_gamma", "p", 6.25, 0.01 }, { "gamma_gamma", "q", 3.74, 0.01 },
        { "gamma_gamma", "gamma", 15.44, 0.01 },
    };
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
        double got = jnum(root, checks[i].obj, checks[i].key);
        cr_expect(fabs(got - checks[i].want) <= checks[i].tol * checks[i].want, "%s.%s = %g, published %g",
                  checks[i].obj, checks[i].key, got, checks[i].want);
        char se[32];
        snprintf(se, sizeof se, "%s_se", checks[i].key);
        double s = jnum(root, checks[i].obj, se);
        cr_expect(s > 0 && isfinite(s), "%s.%s: no standard error", checks[i].obj, se);
    }
    cr_expect(fabs(jnum(root, "bgnbd", "loglik") + 9582.4) < 0.1, "log-likelihood %g",
              jnum(root, "bgnbd", "loglik"));
    cr_expect_eq((int)jnum(root, "gamma_gamma", "repeat_buyers"), 946);
    cr_expect(json_object_get(root, "validation"), "no holdout validation in summary.json");
    json_decref(root);
    /* every file the issue names */
    const char *files[] = { "customers.csv", "at_risk.csv", "rfm.csv", "cohorts.csv", "stickiness.csv",
                            "interpurchase.csv", "holdout.csv", "tracking.csv", "fitted.ini", NULL };
    for (int i = 0; files[i]; i++) {
        snprintf(path, sizeof path, "%s/f/%s", dir, files[i]);
        struct stat st;
        cr_expect(stat(path, &st) == 0 && st.st_size > 0, "missing %s", files[i]);
    }
    snprintf(path, sizeof path, "%s/f/customers.csv", dir);
    FILE *f = fopen(path, "r");
    char header[512] = "";
    cr_assert(f && fgets(header, sizeof header, f));
    fclose(f);
    cr_expect(strstr(header, "customer_id,frequency,recency,age,monetary,p_alive,expected_purchases"),
              "customers.csv header: %s", header);

    /* the fitted scenario reproduces the data: total purchases over the 78
     * weeks within 4 standard deviations of a replication */
    snprintf(cmd, sizeof cmd, "%s run %s/f/fitted.ini --reps 30 -q --out %s/r", tu_bin(), dir, dir);
    cr_assert_eq(tu_system(cmd), 0, "%s", cmd);
    snprintf(path, sizeof path, "%s/r/summary.json", dir);
    root = json_load_file(path, 0, &err);
    cr_assert(root);
    json_t *visits = json_object_get(json_object_get(root, "metrics"), "visits");
    double mean = json_number_value(json_object_get(visits, "mean"));
    double sd = json_number_value(json_object_get(visits, "sd"));
    json_decref(root);
    /* 6,696 transactions in the sample once same-day purchases are merged */
    cr_expect(fabs(mean - 6696) <= 4 * sd, "fitted.ini simulates %.0f purchases (sd %.0f); the data has 6696",
              mean, sd);
    snprintf(cmd, sizeof cmd, "rm -rf %s %s", dir, csv);
    tu_system(cmd);
}

Test(fit, survivors_fit_the_published_cohorts)
{
    char dir[] = "/tmp/retsim-sbg-XXXXXX";
    cr_assert(mkdtemp(dir));
    char path[1200], cmd[2400];
    snprintf(path, sizeof path, "%s/survivors.csv", dir);
    FILE *f = fopen(path, "w");
    /* Fader and Hardie (2007): customers surviving of 1000, years 0-7 */
    fputs("year,regular,highend\n0,1000,1000\n1,631,869\n2,468,743\n3,382,653\n4,326,593\n"
          "5,289,551\n6,262,517\n7,241,491\n", f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "%s fit --survivors %s -q --out %s/o", tu_bin(), path, dir);
    cr_assert_eq(tu_system(cmd), 0, "%s", cmd);
    snprintf(path, sizeof path, "%s/o/summary.json", dir);
    json_error_t err;
    json_t *root = json_load_file(path, 0, &err);
    cr_assert(root, "%s", err.text);
    json_t *cohorts = json_object_get(root, "cohorts");
    cr_assert_eq(json_array_size(cohorts), 2);
    const double want[2][2] = { { 0.704, 1.182 }, { 0.668, 3.806 } };
    for (int c = 0; c < 2; c++) {
        json_t *x = json_array_get(cohorts, (size_t)c);
        double al = json_number_value(json_object_get(x, "alpha"));
        double be = json_number_value(json_object_get(x, "beta"));
        cr_expect(fabs(al - want[c][0]) <= 0.005 * want[c][0], "cohort %d alpha %g", c, al);
        cr_expect(fabs(be - want[c][1]) <= 0.005 * want[c][1], "cohort %d beta %g", c, be);
    }
    cr_expect(json_object_get(json_object_get(root, "sbg"), "alpha_se"), "sbg lacks alpha_se");
    json_decref(root);
    snprintf(cmd, sizeof cmd, "%s run %s/o/fitted.ini --reps 4 -q --out %s/r", tu_bin(), dir, dir);
    cr_expect_eq(tu_system(cmd), 0, "the fitted contractual scenario does not run: %s", cmd);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    tu_system(cmd);
}

Test(fit, bad_input_is_refused_and_nothing_written)
{
    char dir[] = "/tmp/retsim-fitbad-XXXXXX";
    cr_assert(mkdtemp(dir));
    struct { const char *name, *content, *args; } cases[] = {
        { "empty.csv", "", "" },
        { "cols.csv", "foo,bar\n1,2\n", "" },
        { "dates.csv", "customer,date,amount\na,not-a-date,1\nb,also-not,2\nc,nope,3\n", "" },
        { "few.csv", "customer,date,amount\na,2024-01-01,1\na,2024-02-01,1\nb,2024-01-03,2\n", "" },
        { "period.csv", "customer,date,amount\na,2024-01-01,1\n", "--period fortnight" },
        { "holdout.csv", "customer,date,amount\na,2024-01-01,1\nb,2024-03-01,2\n", "--holdout-from 2030-01-01" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[1200], cmd[2800], out[1300];
        snprintf(path, sizeof path, "%s/%s", dir, cases[i].name);
        FILE *f = fopen(path, "w");
        fputs(cases[i].content, f);
        fclose(f);
        snprintf(out, sizeof out, "%s/out_%zu", dir, i);
        snprintf(cmd, sizeof cmd, "%s fit %s %s --out %s 2>/dev/null", tu_bin(), path, cases[i].args, out);
        cr_expect_eq(tu_system(cmd), 2, "%s: expected exit status 2", cases[i].name);
        struct stat st;
        cr_expect(stat(out, &st) != 0, "%s: output directory created", cases[i].name);
    }
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    tu_system(cmd);
}
