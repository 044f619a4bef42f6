/* retsim calibrate (issue 13): the moments of a log computed by hand, a
 * deterministic objective on common random numbers, the recovery of a
 * known satisfaction key from a log retsim simulated, the identifiability
 * verdict on a key the moments cannot see, and the refusals of bad input.
 * The recovery study over many seeds is bench/calibrate_recovery.sh. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../fit/calibrate.h"
#include "../fit/moments.h"
#include "../fit/translog.h"
#include "util.h"

static char tmpdir[64];

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/retsim-cal-XXXXXX");
    cr_assert(mkdtemp(tmpdir), "mkdtemp");
}

static void remove_tmpdir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    cr_assert_eq(system(cmd), 0);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert(f, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

/* ---- the moments of a known log ---- */

Test(calibrate, moments_of_a_known_log, .init = make_tmpdir, .fini = remove_tmpdir)
{
    char path[128];
    snprintf(path, sizeof path, "%s/log.csv", tmpdir);
    /* a: 3 purchases, gaps 10 and 20 days; b: 1; c: 2 a day apart (the two
     * on 01-03 merge into one visit of 60) */
    write_file(path, "customer,date,amount\n"
                     "a,2024-01-01,10\na,2024-01-11,20\na,2024-01-31,30\n"
                     "b,2024-01-05,40\n"
                     "c,2024-01-02,50\nc,2024-01-03,25\nc,2024-01-03,35\n");
    translog_opts o = { .max_bad_share = 0.05 };
    diag d = { 0 };
    translog *t = translog_read(path, &o, &d);
    cr_assert(t, "%s", d.msg);
    moments m;
    moments_compute(t, NULL, 0, t->min_day, t->max_day, &m);
    cr_assert_eq(m.ncust, 3);
    cr_assert_eq(m.ntx, 6);
    /* another after the 1st: a and c of 3; after the 2nd: a of 2; after the 3rd: 0 of 1 */
    cr_assert_float_eq(m.v[MOM_CONT + 0], 2.0 / 3, 1e-12);
    cr_assert_float_eq(m.v[MOM_CONT + 1], 0.5, 1e-12);
    cr_assert_float_eq(m.v[MOM_CONT + 2], 0.0, 1e-12);
    cr_assert_eq(m.support[MOM_CONT + 2], 1);
    cr_assert_eq(m.support[MOM_CONT + 3], 0);
    /* gaps 1, 10, 20, each spread over +/- half a day: the p-quantile is
     * at rank 3p, e.g. 0.75 of the way through [0.5, 1.5) for p = 0.25 */
    cr_assert_float_eq(m.v[MOM_GAP + 0], 1.25, 1e-12);
    cr_assert_float_eq(m.v[MOM_GAP + 1], 10.0, 1e-12);
    cr_assert_float_eq(m.v[MOM_GAP + 2], 19.75, 1e-12);
    cr_assert_float_eq(m.v[MOM_GAP + 3], 20.2, 1e-12);
    /* only a was first seen 30 days before the end; it came back on day 10 */
    cr_assert_eq(m.support[MOM_REPEAT + 0], 1);
    cr_assert_float_eq(m.v[MOM_REPEAT + 0], 1.0, 1e-12);
    cr_assert_eq(m.support[MOM_REPEAT + 1], 0);
    cr_assert_float_eq(m.v[MOM_SPEND], 210.0 / 6, 1e-12);
    /* --first-bill: half the mean bill is 17.5; only a's first (10) is
     * below it, and a came back */
    cr_assert_eq(m.support[MOM_LOW_FIRST], 1);
    cr_assert_float_eq(m.v[MOM_LOW_FIRST], 1.0, 1e-12);
    for (int b = 0; b < 3; b++)
        cr_assert_float_eq(m.v[MOM_FREQ + b], 1.0 / 3, 1e-12);
    /* a window ending on 01-11 cuts a's third purchase */
    moments w;
    moments_compute(t, NULL, 0, t->min_day, t->min_day + 10, &w);
    cr_assert_eq(w.ntx, 5);
    cr_assert_float_eq(w.v[MOM_CONT + 1], 0.0, 1e-12);
    /* the window's own holdout (--recency): in a window of days 0-100 the
     * last 91 are days 10-100; before them a bought once (day 0) and twice
     * more after (days 10, 30), b once (day 4) and not after, c twice
     * (days 1, 2) and not after */
    cr_assert_eq(m.support[MOM_RECENT + 0], 0, "a 31-day window has no days before its last 91");
    moments h;
    moments_compute(t, NULL, 0, t->min_day, t->min_day + 100, &h);
    cr_assert_eq(h.support[MOM_RECENT + 0], 2);
    cr_assert_float_eq(h.v[MOM_RECENT + 0], 1.0, 1e-12);
    cr_assert_eq(h.support[MOM_RECENT + 1], 1);
    cr_assert_float_eq(h.v[MOM_RECENT + 1], 0.0, 1e-12);
    cr_assert_eq(h.support[MOM_RECENT + 2], 0);
    cr_assert_eq(h.support[MOM_RECENT + 3], 0);
    translog_free(t);
}

/* ---- a log simulated from known values ---- */

static const char truth_ini[] = "[scenario]\nname = truth\nhorizon_days = 365\n"
                                "[customer]\nmodel = satisfaction\n"
                                "[channel.walk_in]\nprospects_per_day = 10\nfunnel_steps = 1\nstep_conversion = 0.5\n"
                                "[spend]\nmean = 100\nsd = 40\n"
                                "[churn]\nmean = 0.5\n"
                                "[stickiness]\nmax = 0.5\n";

/* The data: one replication of the truth, on a seed the calibration does
 * not use, days counted from 0. */
static translog *truth_log(const char *ini_path, uint64_t seed)
{
    diag d = { 0 };
    scenario *sc = scen_load(ini_path, NULL, 0, &d);
    cr_assert(sc, "%s", d.msg);
    engine *e = engine_prepare(sc, &d);
    cr_assert(e, "%s", d.msg);
    translog *t = NULL;
    cr_assert_eq(calib_simulate(e, seed, 1, 1, &t, &d), 0, "%s", d.msg);
    engine_free(e);
    scen_free(sc);
    cr_assert_gt(t->ncust, 1000);
    return t;
}

static calib_opts small_opts(void)
{
    return (calib_opts){ .seed = 1, .reps = 5, .threads = 0, .starts = 2, .max_evals = 40,
                         .bootstrap = 100, .algorithm = 0, .progress = 0 };
}

Test(calibrate, the_objective_is_deterministic_for_any_thread_count, .init = make_tmpdir,
     .fini = remove_tmpdir, .timeout = 60)
{
    char ini[128];
    snprintf(ini, sizeof ini, "%s/truth.ini", tmpdir);
    write_file(ini, truth_ini);
    translog *t = truth_log(ini, 777);
    char spec0[] = "churn.mean";
    char *spec[] = { spec0 };
    calib_problem *p = calloc(1, sizeof *p);
    calib_opts o = small_opts();
    diag d = { 0 };
    cr_assert_eq(calib_setup(p, ini, NULL, 0, spec, 1, t, 0, 364, &o, &d), 0, "%s", d.msg);
    double theta = 0.42, q1, q2, q3;
    cr_assert_eq(calib_objective(p, &theta, &q1, NULL, &d), 0, "%s", d.msg);
    cr_assert_eq(calib_objective(p, &theta, &q2, NULL, &d), 0, "%s", d.msg);
    p->o.threads = 1;
    cr_assert_eq(calib_objective(p, &theta, &q3, NULL, &d), 0, "%s", d.msg);
    cr_assert(q1 == q2 && q2 == q3, "Q(0.42) = %.17g, %.17g, %.17g (threads 1)", q1, q2, q3);
    cr_assert(isfinite(q1) && q1 > 0);
    /* and it is a distance: far from the truth it is larger */
    double far = 0.9, qf;
    cr_assert_eq(calib_objective(p, &far, &qf, NULL, &d), 0, "%s", d.msg);
    cr_assert_gt(qf, q1);
    free(p);
    translog_free(t);
}

Test(calibrate, recovers_churn_and_stickiness_and_flags_a_key_the_moments_cannot_see, .init = make_tmpdir,
     .fini = remove_tmpdir, .timeout = 120)
{
    char ini[128];
    snprintf(ini, sizeof ini, "%s/truth.ini", tmpdir);
    write_file(ini, truth_ini);
    translog *t = truth_log(ini, 777);
    /* start away from the truth (0.5, 0.5); gross_margin does not act on
     * purchases at all */
    const char *sets[] = { "churn.mean=0.35", "stickiness.max=0.65" };
    char s0[] = "churn.mean", s1[] = "stickiness.max", s2[] = "economics.gross_margin";
    char *spec[] = { s0, s1, s2 };
    calib_problem *p = calloc(1, sizeof *p);
    calib_result *r = calloc(1, sizeof *r);
    calib_opts o = small_opts();
    diag d = { 0 };
    cr_assert_eq(calib_setup(p, ini, sets, 2, spec, 3, t, 0, 364, &o, &d), 0, "%s", d.msg);
    cr_assert_eq(calib_run(p, r, &d), 0, "%s", d.msg);
    static const double truth[2] = { 0.5, 0.5 };
    for (int k = 0; k < 2; k++) {
        cr_assert(r->determined[k], "%s not determined (se %g)", p->key[k].name, r->se[k]);
        cr_assert(r->se[k] > 0 && r->se[k] < 0.1, "%s: se %g", p->key[k].name, r->se[k]);
        cr_assert_leq(fabs(r->theta[k] - truth[k]), 2 * r->se[k], "%s = %g (se %g), truth %g", p->key[k].name,
                      r->theta[k], r->se[k], truth[k]);
    }
    cr_assert_not(r->determined[2], "gross_margin called determined (se %g)", r->se[2]);
    cr_assert(r->df == p->nuse - 3);
    cr_assert(r->j_p > 0.001, "J = %g, p = %g on data the model generated", r->j, r->j_p);
    free(p);
    free(r);
    translog_free(t);
}

/* ---- bad input ---- */

static void setup_fails(const char *ini, const char *spec_text, const char *log_text, const char *expect)
{
    char path[128], logp[128];
    snprintf(path, sizeof path, "%s/s.ini", tmpdir);
    snprintf(logp, sizeof logp, "%s/log.csv", tmpdir);
    write_file(path, ini);
    translog *t;
    diag d = { 0 };
    if (log_text) {
        write_file(logp, log_text);
        translog_opts lo = { .max_bad_share = 0.05 };
        t = translog_read(logp, &lo, &d);
        cr_assert(t, "%s", d.msg);
    } else
        t = truth_log(path, 777);
    char buf[400];
    snprintf(buf, sizeof buf, "%s", spec_text);
    char *spec[8];
    int nspec = 0;
    for (char *tok = strtok(buf, ","); tok && nspec < 8; tok = strtok(NULL, ","))
        spec[nspec++] = tok;
    calib_problem *p = calloc(1, sizeof *p);
    calib_opts o = small_opts();
    int st = calib_setup(p, path, NULL, 0, spec, nspec, t, log_text ? t->min_day : 0,
                         log_text ? t->max_day : 364, &o, &d);
    cr_assert_eq(st, DIAG_USAGE, "%s: status %d (%s)", spec_text, st, d.msg);
    cr_assert(strstr(d.msg, expect), "%s: message '%s' lacks '%s'", spec_text, d.msg, expect);
    free(p);
    translog_free(t);
}

Test(calibrate, an_unknown_key_gets_a_suggestion, .init = make_tmpdir, .fini = remove_tmpdir, .timeout = 60)
{
    setup_fails(truth_ini, "churn.maen", NULL, "did you mean 'mean'");
    setup_fails(truth_ini, "chrun.mean", NULL, "did you mean [churn]");
}

Test(calibrate, a_key_that_is_not_a_number_is_refused, .init = make_tmpdir, .fini = remove_tmpdir, .timeout = 60)
{
    setup_fails(truth_ini, "stickiness.enabled", NULL, "not a continuous number");
    setup_fails(truth_ini, "customer.model", NULL, "not a continuous number");
}

Test(calibrate, bounds_must_hold_the_current_value, .init = make_tmpdir, .fini = remove_tmpdir, .timeout = 60)
{
    setup_fails(truth_ini, "churn.mean=0.6:0.9", NULL, "exclude the scenario's value 0.5");
    setup_fails(truth_ini, "churn.mean=0.2:1.5", NULL, "leave the key's range");
    setup_fails(truth_ini, "churn.mean=0.9:0.2", NULL, "LOW must be below HIGH");
    setup_fails(truth_ini, "response.trap_low", NULL, "too wide to search");
}

Test(calibrate, a_log_too_small_for_the_moments_says_which, .init = make_tmpdir, .fini = remove_tmpdir)
{
    char log[4096] = "customer,date,amount\n";
    size_t n = strlen(log);
    /* 40 customers, 5 of them buying twice: too few behind every moment
     * but the first continuation chance and the spend, for 3 keys */
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(log + n, sizeof log - n, "c%d,2024-01-%02d,10\n", i, 1 + i % 20);
    for (int i = 0; i < 5; i++)
        n += (size_t)snprintf(log + n, sizeof log - n, "c%d,2024-02-%02d,10\n", i, 1 + i);
    setup_fails(truth_ini, "churn.mean,stickiness.max,loyalty.mean", log, "another_after_2 (5)");
}

Test(calibrate, the_command_exits_2_on_bad_input, .init = make_tmpdir, .fini = remove_tmpdir)
{
    char ini[128], logp[128], cmd[1024];
    snprintf(ini, sizeof ini, "%s/s.ini", tmpdir);
    snprintf(logp, sizeof logp, "%s/log.csv", tmpdir);
    write_file(ini, truth_ini);
    write_file(logp, "customer,date,amount\na,2024-01-01,10\n");
    snprintf(cmd, sizeof cmd, "%s calibrate %s %s --free churn.maen --out %s/o 2>/dev/null", tu_bin(), ini, logp,
             tmpdir);
    cr_assert_eq(tu_system(cmd), 2, "%s", cmd);
    snprintf(cmd, sizeof cmd, "%s calibrate %s %s --out %s/o 2>/dev/null", tu_bin(), ini, logp, tmpdir);
    cr_assert_eq(tu_system(cmd), 2, "%s", cmd);
    cr_assert_neq(access(cmd, F_OK), 0);
}

/* every what-if on a calibrated scenario says which keys are assumptions */
Test(calibrate, a_run_on_a_calibrated_scenario_names_the_assumed_keys, .init = make_tmpdir, .fini = remove_tmpdir)
{
    char ini[128], cmd[1024], errp[160];
    snprintf(ini, sizeof ini, "%s/cal.ini", tmpdir);
    snprintf(errp, sizeof errp, "%s/err.txt", tmpdir);
    char text[2048];
    snprintf(text, sizeof text, "%s[calibration]\nlog = sales.csv\nestimated = churn.mean\n"
                                "assumed = stickiness.max,economics.gross_margin\n", truth_ini);
    write_file(ini, text);
    snprintf(cmd, sizeof cmd, "%s run %s --reps 2 --quiet --out %s/o 2> %s", tu_bin(), ini, tmpdir, errp);
    cr_assert_eq(tu_system(cmd), 0, "%s", cmd);
    FILE *f = fopen(errp, "r");
    cr_assert(f);
    char buf[4096] = "";
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    cr_assert(strstr(buf, "calibrated to sales.csv; estimated from it: churn.mean; NOT determined by the data, "
                          "still assumptions: stickiness.max,economics.gross_margin"),
              "stderr: %s", buf);
}

/* calibrate starts calibrated.ini from today's customers: it writes the
 * log's customers as they stand on the window's last day (customers_base.csv,
 * one row each, named with its count in [base]) and the holdout by
 * calibration frequency; `retsim run` on it simulates forward from them and
 * still says which keys are assumptions. */
Test(calibrate, calibrated_ini_starts_from_todays_customers, .init = make_tmpdir, .fini = remove_tmpdir,
     .timeout = 300)
{
    char ini[128], logp[128], cmd[2048], path[256];
    snprintf(ini, sizeof ini, "%s/truth.ini", tmpdir);
    snprintf(logp, sizeof logp, "%s/log.csv", tmpdir);
    write_file(ini, truth_ini);
    snprintf(cmd, sizeof cmd, "%s run %s --reps 2 --seed 99 --quiet --write-log %s --log-start 2024-01-01 --out %s/w",
             tu_bin(), ini, logp, tmpdir);
    cr_assert_eq(tu_system(cmd), 0, "%s", cmd);
    snprintf(cmd, sizeof cmd,
             "%s calibrate %s %s --free churn.mean,economics.gross_margin --holdout-from 2024-10-01 --reps 2 "
             "--starts 1 --max-evals 8 --bootstrap 40 --quiet --out %s/cal",
             tu_bin(), ini, logp, tmpdir);
    cr_assert_eq(tu_system(cmd), 0, "%s", cmd);
    /* customers_base.csv: one row per customer first seen before the holdout */
    snprintf(path, sizeof path, "%s/cal/customers_base.csv", tmpdir);
    FILE *f = fopen(path, "r");
    cr_assert(f, "no customers_base.csv");
    char line[512];
    int rows = -1;
    while (fgets(line, sizeof line, f))
        rows++;
    fclose(f);
    cr_assert(rows > 1000, "customers_base.csv has %d rows", rows);
    snprintf(path, sizeof path, "%s/cal/calibrated.ini", tmpdir);
    f = fopen(path, "r");
    cr_assert(f);
    char text[16384];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    char want[128];
    snprintf(want, sizeof want, "[base]\ncustomers = \"customers_base.csv\"\nas_of = \"2024-09-30\"\ncount = %d\n",
             rows);
    cr_assert(strstr(text, want), "calibrated.ini lacks %s:\n%s", want, text);
    snprintf(path, sizeof path, "%s/cal/holdout_by_frequency.csv", tmpdir);
    cr_assert_eq(access(path, F_OK), 0, "no holdout_by_frequency.csv");
    /* a run on it starts from them, and names the assumed key */
    snprintf(cmd, sizeof cmd, "%s run %s/cal/calibrated.ini --reps 2 --quiet --out %s/r 2> %s/err.txt", tu_bin(),
             tmpdir, tmpdir, tmpdir);
    cr_assert_eq(tu_system(cmd), 0, "%s", cmd);
    snprintf(path, sizeof path, "%s/err.txt", tmpdir);
    f = fopen(path, "r");
    cr_assert(f);
    n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    cr_assert(strstr(text, "still assumptions: economics.gross_margin"), "stderr: %s", text);
    snprintf(path, sizeof path, "%s/r/summary.json", tmpdir);
    f = fopen(path, "r");
    cr_assert(f, "no summary.json from the run");
    n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    snprintf(want, sizeof want, "\"base_customers\"");
    cr_assert(strstr(text, want), "the run's summary.json has no base_customers");
}

/* A customer model that cannot draw a customer from their history (sBG):
 * calibrated.ini starts with new customers only (no [base], no
 * customers_base.csv), the holdout is the earlier forecast, and a run on it
 * works. */
Test(calibrate, a_model_without_history_starts_with_new_customers, .init = make_tmpdir, .fini = remove_tmpdir,
     .timeout = 300)
{
    char ini[128], sbg[128], logp[128], cmd[2048], path[256];
    snprintf(ini, sizeof ini, "%s/truth.ini", tmpdir);
    snprintf(sbg, sizeof sbg, "%s/sbg.ini", tmpdir);
    snprintf(logp, sizeof logp, "%s/log.csv", tmpdir);
    write_file(ini, truth_ini);
    write_file(sbg, "[scenario]\nname = s\nhorizon_days = 365\n[customer]\nmodel = sbg\n"
                    "[channel.walk_in]\nprospects_per_day = 10\nfunnel_steps = 1\nstep_conversion = 0.5\n");
    snprintf(cmd, sizeof cmd, "%s run %s --reps 2 --seed 99 --quiet --write-log %s --out %s/w", tu_bin(), ini,
             logp, tmpdir);
    cr_assert_eq(tu_system(cmd), 0, "%s", cmd);
    snprintf(cmd, sizeof cmd,
             "%s calibrate %s %s --free sbg.alpha=0.1:10 --holdout-from 2024-10-01 --reps 2 --starts 1 "
             "--max-evals 6 --bootstrap 40 --quiet --out %s/cal",
             tu_bin(), sbg, logp, tmpdir);
    cr_assert_eq(tu_system(cmd), 0, "%s", cmd);
    snprintf(path, sizeof path, "%s/cal/customers_base.csv", tmpdir);
    cr_assert_neq(access(path, F_OK), 0, "customers_base.csv written for a model that cannot use it");
    snprintf(path, sizeof path, "%s/cal/calibrated.ini", tmpdir);
    FILE *f = fopen(path, "r");
    cr_assert(f);
    char text[16384];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    cr_assert_null(strstr(text, "[base]"), "calibrated.ini has a [base]:\n%s", text);
    snprintf(cmd, sizeof cmd, "%s run %s --reps 2 --quiet --out %s/r 2>/dev/null", tu_bin(), path, tmpdir);
    cr_assert_eq(tu_system(cmd), 0, "%s", cmd);
}
