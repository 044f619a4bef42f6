/* The forward baseline from today's customers (issue 11), for every purchase
 * model `retsim fit` fits (a loop over fit/purchase_fit.h's registry, so a
 * new model is checked without a new test):
 *
 *   - the simulated purchases of the existing customers over the next t
 *     days average the closed form sum_i E[X(t) | x_i, t_x_i, T_i], in
 *     total and per group of calibration repeat purchases (0, 1, ..., 7+);
 *   - the simulated share alive on day 0 averages P(alive | x, t_x, T);
 *
 * each within 4 standard errors over replications (fixed seeds), on the
 * CDNOW sample's 2,357 customers as they stood on 1997-09-30 (the published
 * calibration summary: ../shared/data/cdnow_customers_summary_with_transactions.csv,
 * weeks), with the parameters each model fits to it.  Also: a reminder on
 * the fitted base moves the existing customers' purchases; a base refuses a
 * model that cannot start from history, a changed customers file and a
 * file of the wrong kind, each with exit status 2 and nothing written. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../fit/purchase_fit.h"
#include "../sim/basefile.h"
#include "../sim/engine.h"
#include "../sim/metrics.h"
#include "util.h"

#define SUMMARY_FILE "cdnow_customers_summary_with_transactions.csv"
#define GROUPS 8
#define WEEK 7.0

typedef struct cdnow {
    int n;
    cust_summary *c;
} cdnow;

static cdnow load_cdnow(void)
{
    cdnow d = { 0, NULL };
    const char *data = getenv("RETSIM_SHARED_DATA");
    char SUMMARY[1024];
    snprintf(SUMMARY, sizeof SUMMARY, "%s/%s", data && *data ? data : "../shared/data", SUMMARY_FILE);
    FILE *f = fopen(SUMMARY, "r");
    if (!f)
        cr_assert_fail("%s is missing: the forward baseline's closed-form checks cannot run (put the "
                       "validation data in ../shared/data beside the clone, or set RETSIM_SHARED_DATA)",
                       SUMMARY);
    char line[256];
    cr_assert(fgets(line, sizeof line, f), "empty %s", SUMMARY_FILE);
    d.c = calloc(4000, sizeof *d.c);
    cr_assert(d.c);
    int id;
    double x, tx, T, z;
    while (d.n < 4000 && fscanf(f, "%d,%lf,%lf,%lf,%lf", &id, &x, &tx, &T, &z) == 5)
        d.c[d.n++] = (cust_summary){ x, tx, T, z, 0, 0, 0 };
    fclose(f);
    cr_assert_eq(d.n, 2357, "%s: %d customers, expected 2357", SUMMARY_FILE, d.n);
    return d;
}

/* A fitted base in dir: customers_base.csv (days) and fitted.ini with the
 * model's parameters, horizon days, no new customers. */
static void write_base(const char *dir, const cdnow *d, const purchase_fit *f, int horizon,
                       const char *extra)
{
    char path[512];
    snprintf(path, sizeof path, "%s/customers_base.csv", dir);
    FILE *o = fopen(path, "w");
    cr_assert(o);
    fprintf(o, "customer,%s,%s,%s,%s\n", BASE_COL_X, BASE_COL_TX, BASE_COL_T, BASE_COL_ZBAR);
    for (int i = 0; i < d->n; i++)
        fprintf(o, "%d,%.0f,%.10g,%.10g,%.10g\n", i + 1, d->c[i].x, d->c[i].t_x * WEEK, d->c[i].T * WEEK,
                d->c[i].zbar);
    fclose(o);
    snprintf(path, sizeof path, "%s/fitted.ini", dir);
    o = fopen(path, "w");
    cr_assert(o);
    fprintf(o, "[scenario]\nname = forward\nhorizon_days = %d\n\n[base]\ncustomers = customers_base.csv\n"
               "as_of = 1997-09-30\ncount = %d\n\n[customer]\nmodel = %s\n\n[%s]\n",
            horizon, d->n, f->type->name, f->type->name);
    for (int k = 0; k < f->type->npar; k++)
        fprintf(o, "%s = %.10g\n", f->type->par_names[k], f->par[k]);
    fprintf(o, "period_days = 7\n\n[gamma_gamma]\np = 6.25\nq = 3.74\ngamma = 15.44\n\n%s", extra ? extra : "");
    fclose(o);
}

typedef struct obs {
    double *purchases;
    int n;
} obs;

static void observe(void *ctx, uint64_t customer, double day, double bill, int group)
{
    (void)group;
    (void)day;
    (void)bill;
    obs *o = ctx;
    cr_assert(customer >> 63, "a purchase by a customer who is not in the base");
    uint64_t row = customer & ~(1ull << 63);
    cr_assert(row < (uint64_t)o->n);
    o->purchases[row] += 1;
}

static void expect_within(double got, double se, double want, const char *what)
{
    cr_expect(se > 0, "%s: zero standard error, the check would be vacuous", what);
    cr_expect(fabs(got - want) <= 4 * se, "%s: simulated %.4f, closed form %.4f, %.2f SE (SE %.3g)", what, got,
              want, fabs(got - want) / se, se);
    cr_log_info("%s: simulated %.4f, closed form %.4f, z = %+.2f", what, got, want, (got - want) / se);
}

Test(forward, purchases_and_alive_match_each_models_closed_form, .timeout = 600)
{
    cdnow d = load_cdnow();
    const int horizon = 273, reps = 60;   /* the 39 holdout weeks */
    int checked = 0;
    for (int m = 0; purchase_fit_types[m]; m++) {
        const purchase_fit_type *t = purchase_fit_types[m];
        purchase_fit f = { 0 };
        f.type = t;
        diag fd = { 0 };
        cr_assert_eq(t->fit(d.c, d.n, &f, &fd), 0, "%s does not fit the CDNOW sample: %s", t->name, fd.msg);
        char dir[] = "/tmp/retsim-forward-XXXXXX";
        cr_assert(mkdtemp(dir));
        write_base(dir, &d, &f, horizon, NULL);
        char path[600];
        snprintf(path, sizeof path, "%s/fitted.ini", dir);
        diag ld = { 0 };
        scenario *sc = scen_load(path, NULL, 0, &ld);
        cr_assert(sc, "%s", ld.msg);
        engine *e = engine_prepare(sc, &ld);
        cr_assert(e, "%s: %s", t->name, ld.msg);
        engine_work *w = engine_work_alloc(e);
        rep_result *out = rep_alloc(horizon);
        obs o = { calloc((size_t)d.n, sizeof(double)), d.n };
        cr_assert(w && out && o.purchases);
        engine_work_observe(w, observe, &o);

        /* closed forms, per group and in total */
        double want[GROUPS + 1] = { 0 }, alive_want = 0;
        int group_n[GROUPS] = { 0 };
        for (int i = 0; i < d.n; i++) {
            const cust_summary *c = &d.c[i];
            int g = c->x >= GROUPS - 1 ? GROUPS - 1 : (int)c->x;
            double ex = t->expected_conditional(&f, c->x, c->t_x, c->T, horizon / WEEK);
            want[g] += ex;
            want[GROUPS] += ex;
            group_n[g]++;
            alive_want += t->p_alive(&f, c->x, c->t_x, c->T);
        }
        alive_want /= d.n;
        double s[GROUPS + 1] = { 0 }, s2[GROUPS + 1] = { 0 }, a = 0, a2 = 0;
        for (int r = 0; r < reps; r++) {
            diag rd = { 0 };
            memset(o.purchases, 0, (size_t)d.n * sizeof(double));
            cr_assert_eq(engine_replicate(e, w, 4242, r, out, &rd), 0, "%s", rd.msg);
            double tot[GROUPS + 1] = { 0 };
            for (int i = 0; i < d.n; i++) {
                int g = d.c[i].x >= GROUPS - 1 ? GROUPS - 1 : (int)d.c[i].x;
                tot[g] += o.purchases[i];
                tot[GROUPS] += o.purchases[i];
            }
            cr_expect_eq(tot[GROUPS], out->metric[MET_BASE_PURCHASES], "base_purchases disagrees with the log");
            for (int g = 0; g <= GROUPS; g++) {
                s[g] += tot[g];
                s2[g] += tot[g] * tot[g];
            }
            double al = out->metric[MET_BASE_ALIVE_START];
            a += al;
            a2 += al * al;
        }
        for (int g = 0; g <= GROUPS; g++) {
            double mean = s[g] / reps, var = (s2[g] - reps * mean * mean) / (reps - 1);
            char what[128];
            if (g == GROUPS)
                snprintf(what, sizeof what, "%s: purchases of all %d existing customers in %d days", t->name,
                         d.n, horizon);
            else
                snprintf(what, sizeof what, "%s: purchases of the %d customers with %d%s repeat purchases",
                         t->name, group_n[g], g, g == GROUPS - 1 ? "+" : "");
            expect_within(mean, sqrt(var / reps), want[g], what);
        }
        double am = a / reps, av = (a2 - reps * am * am) / (reps - 1);
        char what[128];
        snprintf(what, sizeof what, "%s: share alive on day 0", t->name);
        expect_within(am, sqrt(av / reps), alive_want, what);
        checked++;
        free(o.purchases);
        rep_free(out);
        engine_work_free(w);
        engine_free(e);
        scen_free(sc);
        char cmd[700];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        tu_system(cmd);
    }
    cr_expect(checked >= 1, "no purchase model was checked");
    free(d.c);
}

/* The reminder of models/recall.c on the fitted BG/NBD base, paired: the
 * existing customers buy more, beyond 4 paired standard errors. */
Test(forward, a_reminder_moves_the_existing_customers_purchases, .timeout = 300)
{
    cdnow d = load_cdnow();
    const purchase_fit_type *t = purchase_fit_find("bgnbd");
    cr_assert(t);
    purchase_fit f = { .type = t, .par = { 0.2426, 4.4135, 0.7929, 2.4258 } };
    char dir[] = "/tmp/retsim-forward-XXXXXX";
    cr_assert(mkdtemp(dir));
    write_base(dir, &d, &f, 365, NULL);
    char base[600], variant[600];
    snprintf(base, sizeof base, "%s/fitted.ini", dir);
    snprintf(variant, sizeof variant, "%s/reminder.ini", dir);
    FILE *v = fopen(variant, "w");
    cr_assert(v);
    fprintf(v, "[scenario]\nbase = fitted.ini\nname = reminder\n\n[recall]\nday = 60\ncost = 0.5\nlift = 0.1\n"
               "pull_forward = 0.3\nresponse_days = 14\n");
    fclose(v);
    diag ld = { 0 };
    scenario *s0 = scen_load(base, NULL, 0, &ld), *s1 = scen_load(variant, NULL, 0, &ld);
    cr_assert(s0 && s1, "%s", ld.msg);
    const int reps = 40;
    double *m0 = tu_per_replication(s0, reps, 99, 0), *m1 = tu_per_replication(s1, reps, 99, 0);
    double s = 0, s2 = 0;
    for (int r = 0; r < reps; r++) {
        double diff = m1[(size_t)r * MET_COUNT + MET_BASE_PURCHASES] - m0[(size_t)r * MET_COUNT + MET_BASE_PURCHASES];
        s += diff;
        s2 += diff * diff;
    }
    double mean = s / reps, se = sqrt((s2 - reps * mean * mean) / (reps - 1) / reps);
    cr_expect(se > 0 && mean > 4 * se, "the reminder moves the base's purchases by %.1f (paired SE %.2f)", mean, se);
    cr_log_info("reminder on the fitted base: %+.1f purchases (paired SE %.2f)", mean, se);
    free(m0);
    free(m1);
    scen_free(s0);
    scen_free(s1);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    tu_system(cmd);
    free(d.c);
}

/* Bad bases: exit 2, a message naming the problem, nothing written. */
Test(forward, bad_bases_are_refused)
{
    char dir[] = "/tmp/retsim-forward-bad-XXXXXX";
    cr_assert(mkdtemp(dir));
    char path[700], cmd[2000];
    snprintf(path, sizeof path, "%s/customers_base.csv", dir);
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fprintf(f, "customer,%s,%s,%s,%s\n1,2,10,30,20\n2,0,0,5,0\n", BASE_COL_X, BASE_COL_TX, BASE_COL_T,
            BASE_COL_ZBAR);
    fclose(f);
    snprintf(path, sizeof path, "%s/other.csv", dir);
    f = fopen(path, "w");
    cr_assert(f);
    fprintf(f, "id,date,amount\n1,2020-01-01,5\n");
    fclose(f);
    snprintf(path, sizeof path, "%s/bad_row.csv", dir);
    f = fopen(path, "w");
    cr_assert(f);
    fprintf(f, "customer,%s,%s,%s,%s\n1,2,40,30,20\n", BASE_COL_X, BASE_COL_TX, BASE_COL_T, BASE_COL_ZBAR);
    fclose(f);
    struct { const char *name, *ini, *message; } cases[] = {
        { "count", "[base]\ncustomers = customers_base.csv\nas_of = 2020-01-01\ncount = 3\n"
                   "[customer]\nmodel = bgnbd\n", "does not match" },
        { "checksum", "[base]\ncustomers = customers_base.csv\nas_of = 2020-01-01\nchecksum = 0123456789abcdef\n"
                      "[customer]\nmodel = bgnbd\n", "does not match" },
        { "not_a_base", "[base]\ncustomers = other.csv\nas_of = 2020-01-01\n[customer]\nmodel = bgnbd\n",
          "not a retsim customers file" },
        { "bad_row", "[base]\ncustomers = bad_row.csv\nas_of = 2020-01-01\n[customer]\nmodel = bgnbd\n",
          "older than the customer" },
        { "missing", "[base]\ncustomers = nowhere.csv\nas_of = 2020-01-01\n[customer]\nmodel = bgnbd\n",
          "nowhere.csv" },
        { "date", "[base]\ncustomers = customers_base.csv\nas_of = 2020-02-30\n[customer]\nmodel = bgnbd\n",
          "not a date" },
        { "model", "[base]\ncustomers = customers_base.csv\nas_of = 2020-01-01\n[customer]\nmodel = sbg\n",
          "cannot draw a customer" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(path, sizeof path, "%s/%s.ini", dir, cases[i].name);
        f = fopen(path, "w");
        cr_assert(f);
        fprintf(f, "[scenario]\nhorizon_days = 30\n%s", cases[i].ini);
        fclose(f);
        snprintf(cmd, sizeof cmd, "%s run %s --reps 2 -q --out %s/out_%s > %s/err 2>&1", tu_bin(), path, dir,
                 cases[i].name, dir);
        cr_expect_eq(tu_system(cmd), 2, "%s: expected exit 2", cases[i].name);
        char errpath[700], msg[4096] = "";
        snprintf(errpath, sizeof errpath, "%s/err", dir);
        FILE *e = fopen(errpath, "r");
        if (e) {
            size_t n = fread(msg, 1, sizeof msg - 1, e);
            msg[n] = '\0';
            fclose(e);
        }
        cr_expect(strstr(msg, cases[i].message), "%s: the message lacks '%s': %s", cases[i].name,
                  cases[i].message, msg);
        snprintf(path, sizeof path, "%s/out_%s", dir, cases[i].name);
        struct stat st;
        cr_expect(stat(path, &st) != 0, "%s: an output folder was written", cases[i].name);
    }
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    tu_system(cmd);
}

/* BG/BB from its compressed table (fit/bgbb.h): the donors of Fader,
 * Hardie and Shang (2010) as they stand after the sixth appeal, simulated
 * over the next five appeals, give the closed form sum of
 * E[X(n, n + 5) | x, t_x, n] and the share alive P(alive | x, t_x, n), each
 * within 4 standard errors. */
#include "../fit/bgbb.h"

Test(forward, bgbb_table_base_matches_its_closed_form, .timeout = 300)
{
    const char *data = getenv("RETSIM_SHARED_DATA");
    char table[1024];
    snprintf(table, sizeof table, "%s/donations.csv", data && *data ? data : "../shared/data");
    bgbb_row *rows = NULL;
    int nrows = 0;
    diag d = { 0 };
    if (bgbb_read_table(table, &rows, &nrows, &d))
        cr_assert_fail("%s: %s (the shared validation data sits beside the project as ../shared/data, "
                       "or set RETSIM_SHARED_DATA)", table, d.msg);
    bgbb_fit f = { .alpha = 1.204, .beta = 0.750, .gamma = 0.657, .delta = 2.783 };
    char dir[] = "/tmp/retsim-forward-bgbb-XXXXXX";
    cr_assert(mkdtemp(dir));
    char path[700];
    snprintf(path, sizeof path, "%s/customers_base.csv", dir);
    FILE *o = fopen(path, "w");
    cr_assert(o);
    fprintf(o, "customer,%s,%s,%s,%s\n", BASE_COL_X, BASE_COL_TX, BASE_COL_T, BASE_COL_ZBAR);
    double want = 0, alive = 0;
    int n = 0;
    for (int k = 0; k < nrows; k++)
        for (int j = 0; j < (int)rows[k].count; j++, n++) {
            fprintf(o, "%d,%d,%d,%d,0\n", n, rows[k].x, rows[k].t_x * 365, rows[k].n * 365);
            want += bgbb_expected_conditional(&f, rows[k].x, rows[k].t_x, rows[k].n, 5);
            alive += bgbb_p_alive(&f, rows[k].x, rows[k].t_x, rows[k].n);
        }
    fclose(o);
    cr_assert_eq(n, 11104, "%d donors, expected 11104", n);
    alive /= n;
    snprintf(path, sizeof path, "%s/fitted.ini", dir);
    o = fopen(path, "w");
    cr_assert(o);
    fprintf(o, "[scenario]\nhorizon_days = 1826\n[base]\ncustomers = customers_base.csv\nas_of = 2001-12-31\n"
               "[customer]\nmodel = bgbb\n[bgbb]\nalpha = 1.204\nbeta = 0.750\ngamma = 0.657\ndelta = 2.783\n"
               "period_days = 365\n");
    fclose(o);
    diag ld = { 0 };
    scenario *sc = scen_load(path, NULL, 0, &ld);
    cr_assert(sc, "%s", ld.msg);
    const int reps = 40;
    double *m = tu_per_replication(sc, reps, 7, 0);
    double s = 0, s2 = 0, a = 0, a2 = 0;
    for (int r = 0; r < reps; r++) {
        double p = m[(size_t)r * MET_COUNT + MET_BASE_PURCHASES], al = m[(size_t)r * MET_COUNT + MET_BASE_ALIVE_START];
        s += p;
        s2 += p * p;
        a += al;
        a2 += al * al;
    }
    double mean = s / reps, am = a / reps;
    expect_within(mean, sqrt((s2 - reps * mean * mean) / (reps - 1) / reps), want,
                  "bgbb: the donors' gifts at the next 5 appeals");
    expect_within(am, sqrt((a2 - reps * am * am) / (reps - 1) / reps), alive, "bgbb: share alive after appeal 6");
    free(m);
    free(rows);
    scen_free(sc);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    tu_system(cmd);
}

/* A variant in another folder builds on a fitted base: the base's
 * customers file is found relative to the file that names it, and the
 * resolved scenario.ini names it by its full path. */
Test(forward, a_variant_elsewhere_finds_the_base_customers)
{
    char dir[] = "/tmp/retsim-forward-rel-XXXXXX";
    cr_assert(mkdtemp(dir));
    char path[700], cmd[2000];
    snprintf(cmd, sizeof cmd, "mkdir -p %s/fit", dir);
    cr_assert_eq(tu_system(cmd), 0);
    snprintf(path, sizeof path, "%s/fit/customers_base.csv", dir);
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fprintf(f, "customer,%s,%s,%s,%s\n1,2,10,30,20\n2,0,0,5,0\n", BASE_COL_X, BASE_COL_TX, BASE_COL_T, BASE_COL_ZBAR);
    fclose(f);
    snprintf(path, sizeof path, "%s/fit/fitted.ini", dir);
    f = fopen(path, "w");
    cr_assert(f);
    fprintf(f, "[scenario]\nhorizon_days = 30\n[base]\ncustomers = customers_base.csv\nas_of = 2020-01-01\ncount = 2\n"
               "[customer]\nmodel = bgnbd\n");
    fclose(f);
    snprintf(path, sizeof path, "%s/variant.ini", dir);
    f = fopen(path, "w");
    cr_assert(f);
    fprintf(f, "[scenario]\nbase = fit/fitted.ini\nname = variant\n[recall]\nday = 10\n");
    fclose(f);
    snprintf(cmd, sizeof cmd, "%s run %s --reps 2 -q --out %s/out", tu_bin(), path, dir);
    cr_expect_eq(tu_system(cmd), 0, "%s", cmd);
    snprintf(path, sizeof path, "%s/out/scenario.ini", dir);
    f = fopen(path, "r");
    cr_assert(f, "no scenario.ini written");
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    cr_expect(strstr(buf, "/fit/customers_base.csv\""), "scenario.ini does not name the customers file in full: %s",
              buf);
    snprintf(cmd, sizeof cmd, "%s run %s/out/scenario.ini --reps 2 -q --out %s/again", tu_bin(), dir, dir);
    cr_expect_eq(tu_system(cmd), 0, "the resolved scenario does not run again: %s", cmd);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    tu_system(cmd);
}
