/* calibrate_report: see calibrate_report.h. */
#include <gsl/gsl_cdf.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../plots/plot.h"
#include "../sim/basefile.h"
#include "../sim/lang.h"
#include "calibrate_report.h"
#include "figures.h"
#include "output.h"

/* A direction of the free keys the data barely see: crossing the whole
 * search range along it moves the moments by so little that the standard
 * error along it is more than CALIB_DETERMINED of the range (the same
 * rule as one key's). */
static int weak_direction(const calib_problem *p, const calib_result *r, int i)
{
    double corr = sqrt(1.0 + 1.0 / p->o.reps);
    return !(r->sv[i] > 0) || corr / r->sv[i] > CALIB_DETERMINED;
}

/* "a + b", "a - b": the keys of right singular vector i that matter. */
static void direction_words(const calib_problem *p, const calib_result *r, int i, char *buf, size_t cap)
{
    int K = p->nfree, n = 0;
    size_t used = 0;
    buf[0] = '\0';
    double ref = 0;
    for (int k = 0; k < K; k++)
        if (fabs(r->sv_vec[k * K + i]) > fabs(ref))
            ref = r->sv_vec[k * K + i];
    for (int k = 0; k < K && used < cap; k++) {
        double v = r->sv_vec[k * K + i];
        if (fabs(v) < 0.3)
            continue;
        used += (size_t)snprintf(buf + used, cap - used, "%s%s", n ? (v * ref > 0 ? " + " : " - ") : "",
                                 p->key[k].name);
        n++;
    }
}

static int count_weak_keys(const calib_problem *p, const calib_result *r, int i)
{
    int n = 0;
    for (int k = 0; k < p->nfree; k++)
        n += fabs(r->sv_vec[k * p->nfree + i]) >= 0.3;
    return n;
}

static int is_used(const calib_problem *p, int m)
{
    for (int i = 0; i < p->nuse; i++)
        if (p->use[i] == m)
            return 1;
    return 0;
}

void calib_print(FILE *f, const calib_problem *p, const calib_result *r)
{
    lang_id l = lang_ui();
    fprintf(f, tr(l, "calibrated %d keys to %ld customers (%ld purchases) on %d moments; %d replications "
                     "per evaluation, %ld evaluations\n"),
            p->nfree, p->mdata.ncust, p->mdata.ntx, p->nuse, p->o.reps, p->evals);
    fprintf(f, tr(l, "  key                              start   estimate  (standard error)  95%% interval\n"));
    for (int k = 0; k < p->nfree; k++) {
        double se = r->se[k];
        if (isfinite(se))
            fprintf(f, "  %-30s %9.4g  %9.4g  (%.3g)  [%.4g, %.4g]%s\n", p->key[k].name, p->key[k].start,
                    r->theta[k], se, r->theta[k] - 1.96 * se, r->theta[k] + 1.96 * se,
                    r->determined[k] ? "" : tr(l, "  NOT determined"));
        else
            fprintf(f, "  %-30s %9.4g  %9.4g  (%s)%s\n", p->key[k].name, p->key[k].start, r->theta[k],
                    tr(l, "none: the moments do not move with it"), tr(l, "  NOT determined"));
    }
    if (r->df > 0)
        fprintf(f, tr(l, "  over-identification: J = %.2f on %d degrees of freedom, p = %.3g%s\n"), r->j, r->df,
                r->j_p,
                r->j_p < 0.05 ? tr(l, ": the model cannot match every moment at once (see moments_fit.csv)")
                              : tr(l, ": the moments are matched as well as their noise allows"));
    else
        fprintf(f, tr(l, "  over-identification: no test (as many moments as free keys)\n"));
    fprintf(f, tr(l, "  identifiability: condition number %.3g of the weighted Jacobian\n"), r->condition);
    for (int k = 0; k < p->nfree; k++)
        if (r->determined[k])
            fprintf(f, tr(l, "    %s: determined by the data\n"), p->key[k].name);
        else
            fprintf(f, tr(l, "    %s: NOT determined by the data (its 95%% interval would cover over half "
                             "its range %g to %g); it stays an assumption at %g\n"),
                    p->key[k].name, p->key[k].lo, p->key[k].hi, p->key[k].start);
    for (int i = 0; i < p->nfree; i++)
        if (weak_direction(p, r, i) && count_weak_keys(p, r, i) >= 2) {
            char words[600];
            direction_words(p, r, i, words, sizeof words);
            fprintf(f, tr(l, "    the data cannot tell apart changes along %s: moving them together this way "
                             "barely changes the moments\n"),
                    words);
        }
    if (r->holdout_days > 0) {
        /* the same figures, said of the forecast's start: today's customers,
         * or the window re-simulated when the model cannot start from them */
        const char *said =
            r->holdout_warm
                ? tr(l, "  holdout (%d days after the window), from today's customers (each log customer's "
                        "hidden traits drawn given their history): %.0f purchases simulated at the estimates "
                        "(Monte Carlo 95%% interval [%.0f, %.0f]), %ld actual (%+.1f %%)\n")
                : tr(l, "  holdout (%d days after the window): %.0f purchases simulated at the estimates, the "
                        "window re-simulated with new customers (the customer model cannot start from a "
                        "customer's history) (Monte Carlo 95%% interval [%.0f, %.0f]), %ld actual (%+.1f %%)\n");
        fprintf(f, said, r->holdout_days, r->holdout_sim, r->holdout_sim - 1.96 * r->holdout_sim_se,
                r->holdout_sim + 1.96 * r->holdout_sim_se, r->holdout_actual,
                r->holdout_actual ? 100.0 * (r->holdout_sim - (double)r->holdout_actual) / (double)r->holdout_actual
                                  : 0.0);
    }
    if (r->holdout_days > 0 && r->holdout_warm) {
        fprintf(f, "%s",
                /* xgettext:no-c-format */
                tr(l, "    by repeat purchases in the window: customers, actual, simulated (95 % interval)\n"));
        for (int g = 0; g < CALIB_GROUPS; g++)
            fprintf(f, "    %d%s  %5d  %6ld  %8.1f  [%.1f, %.1f]\n", g, g == CALIB_GROUPS - 1 ? "+" : " ",
                    r->holdout_group_n[g], r->holdout_group_actual[g], r->holdout_group_sim[g],
                    r->holdout_group_sim[g] - 1.96 * r->holdout_group_se[g],
                    r->holdout_group_sim[g] + 1.96 * r->holdout_group_se[g]);
        fprintf(f, tr(l, "    (re-simulated as new customers instead, the window's history replayed by the model: "
                         "%.0f purchases, Monte Carlo se %.0f)\n"),
                r->holdout_new_sim, r->holdout_new_sim_se);
    }
    char dropped[1200] = "";
    size_t used = 0;
    for (int m = 0; m < MOM_ALL; m++)
        if (calib_matchable(p, m) && !is_used(p, m) && used < sizeof dropped)
            used += (size_t)snprintf(dropped + used, sizeof dropped - used, "%s%s (%ld)", used ? ", " : "",
                                     moments_name(m), p->mdata.support[m]);
    if (used)
        fprintf(f, tr(l, "  moments left out, too few customers (gaps, visits) behind them in the log: %s\n"),
                dropped);
    if (p->regularised)
        fprintf(f, tr(l, "  note: the data moments' covariance was nearly singular; %d of its eigenvalues were "
                         "raised to %g of the largest\n"),
                p->regularised, 1e-9);
}

static int write_estimates(const char *dir, const calib_problem *p, const calib_result *r, diag *d)
{
    char tmp[4200];
    FILE *f = out_open(dir, "estimates.csv", tmp, sizeof tmp, d);
    if (!f)
        return d->status;
    fprintf(f, "key,start,estimate,se,ci_low,ci_high,lower_bound,upper_bound,determined\n");
    for (int k = 0; k < p->nfree; k++) {
        double se = r->se[k];
        fprintf(f, "%s,%.10g,%.10g,%.6g,%.10g,%.10g,%.10g,%.10g,%d\n", p->key[k].name, p->key[k].start,
                r->theta[k], se, r->theta[k] - 1.96 * se, r->theta[k] + 1.96 * se, p->key[k].lo, p->key[k].hi,
                r->determined[k]);
    }
    return out_commit(f, tmp, dir, "estimates.csv", d);
}

static int write_moments(const char *dir, const calib_problem *p, const calib_result *r, diag *d)
{
    char tmp[4200];
    FILE *f = out_open(dir, "moments_fit.csv", tmp, sizeof tmp, d);
    if (!f)
        return d->status;
    fprintf(f, "moment,label,matched,support,data,data_se,data_low,data_high,simulated,z\n");
    for (int m = 0; m < MOM_ALL; m++) {
        double se = sqrt(fmax(0, p->cov[m * MOM_ALL + m]));
        double z = se > 0 ? (r->msim.v[m] - p->mdata.v[m]) / se : NAN;
        fprintf(f, "%s,\"%s\",%d,%ld,%.8g,%.6g,%.8g,%.8g,%.8g,%.4g\n", moments_name(m), moments_label(m),
                is_used(p, m), p->mdata.support[m], p->mdata.v[m], se, p->mdata.v[m] - 1.96 * se,
                p->mdata.v[m] + 1.96 * se, r->msim.v[m], z);
    }
    if (out_commit(f, tmp, dir, "moments_fit.csv", d))
        return d->status;
    /* the picture: the chances and shares (one scale, 0 to 1) */
    f = out_open(dir, "moments_fit_plot.csv", tmp, sizeof tmp, d);
    if (!f)
        return d->status;
    fprintf(f, "moment,data,data_low,data_high,simulated\n");
    /* in percent: the bars' value labels are whole numbers */
    static const char *const short_names[] = { "k=1", "k=2", "k=3", "k=4", "k=5", "k=6", "k=7", "k=8" };
    for (int m = MOM_CONT; m < MOM_CONT + 8; m++) {
        double se = sqrt(fmax(0, p->cov[m * MOM_ALL + m]));
        fprintf(f, "%s,%.6g,%.6g,%.6g,%.6g\n", short_names[m - MOM_CONT], 100 * p->mdata.v[m],
                100 * fmax(0, p->mdata.v[m] - 1.96 * se), 100 * fmin(1, p->mdata.v[m] + 1.96 * se),
                100 * r->msim.v[m]);
    }
    static const char *const rep_names[] = { "30d", "60d", "90d", "180d", "365d" };
    for (int m = MOM_REPEAT; m < MOM_REPEAT + 5; m++) {
        if (p->mdata.support[m] == 0)
            continue;
        double se = sqrt(fmax(0, p->cov[m * MOM_ALL + m]));
        fprintf(f, "%s,%.6g,%.6g,%.6g,%.6g\n", rep_names[m - MOM_REPEAT], 100 * p->mdata.v[m],
                100 * fmax(0, p->mdata.v[m] - 1.96 * se), 100 * fmin(1, p->mdata.v[m] + 1.96 * se),
                100 * r->msim.v[m]);
    }
    if (out_commit(f, tmp, dir, "moments_fit_plot.csv", d))
        return d->status;
    plot_series ser[] = { { .legend = "the log" }, { .legend = "simulated at the estimates" } };
    if (figures_series(dir, "moments_fit_plot.csv", "moment", "data", "data_low", "data_high", &ser[0], d)
        || figures_series(dir, "moments_fit_plot.csv", "moment", "simulated", NULL, NULL, &ser[1], d))
        return d->status;
    plot_spec sp = { "moments_fit", PLOT_BARS, PLOT_PNG,
                     "Calibration: the log's moments against the simulation at the estimates",
                     "k=1..8: another purchase after the k-th;  30d..365d: a 2nd purchase within D days",
                     "share of customers (%)", ser, 2, 0, NULL, 0, 100, "the log's 95 % bootstrap interval" };
    return figures_render(dir, &sp, PLOT_PNG, LANG_EN, d);
}

static int write_identifiability(const char *dir, const calib_problem *p, const calib_result *r, diag *d)
{
    char tmp[4200];
    FILE *f = out_open(dir, "identifiability.csv", tmp, sizeof tmp, d);
    if (!f)
        return d->status;
    /* singular values of W^1/2 G D (D = each key's search range): how many
     * data standard errors the moments move when the keys cross their
     * whole range along the singular vector */
    fprintf(f, "direction,singular_value,se_along_direction_share_of_range,weak");
    for (int k = 0; k < p->nfree; k++)
        fprintf(f, ",%s", p->key[k].name);
    fputc('\n', f);
    double corr = sqrt(1.0 + 1.0 / p->o.reps);
    for (int i = 0; i < p->nfree; i++) {
        fprintf(f, "%d,%.6g,%.6g,%d", i + 1, r->sv[i], r->sv[i] > 0 ? corr / r->sv[i] : HUGE_VAL,
                weak_direction(p, r, i));
        for (int k = 0; k < p->nfree; k++)
            fprintf(f, ",%.4f", r->sv_vec[k * p->nfree + i]);
        fputc('\n', f);
    }
    return out_commit(f, tmp, dir, "identifiability.csv", d);
}

static void key_list(const calib_problem *p, const calib_result *r, int determined, char *buf, size_t cap)
{
    size_t used = 0;
    int n = 0, left = 0;
    buf[0] = '\0';
    for (int k = 0; k < p->nfree; k++) {
        if (r->determined[k] != determined)
            continue;
        size_t need = strlen(p->key[k].name) + 2;
        if (used + need + 16 >= cap) {
            left++;
            continue;
        }
        used += (size_t)snprintf(buf + used, cap - used, "%s%s", n++ ? "," : "", p->key[k].name);
    }
    if (left)
        snprintf(buf + used, cap - used, " +%d more", left);
}

/* A key's value in calibrated.ini: its estimate with its uncertainty, as
 * the first of normal(est, se), beta (keys between 0 and 1) or a uniform
 * over est +/- sqrt(3) se within the search bounds that the key's range
 * admits (the loader refuses draws outside it). */
static int uncertain_value(const calib_problem *p, const calib_result *r, int k, char *out, size_t cap)
{
    double est = r->theta[k], se = r->se[k];
    if (!(se > 0) || !isfinite(se)) {
        snprintf(out, cap, "%s=%.10g", p->key[k].name, est);
        return 0;
    }
    char cand[3][256];
    int n = 0;
    snprintf(cand[n++], sizeof cand[0], "%s=normal(%.8g, %.6g)", p->key[k].name, est, se);
    double c = est * (1 - est) / (se * se) - 1;
    if (est > 0 && est < 1 && c > 0)
        snprintf(cand[n++], sizeof cand[0], "%s=beta(%.6g, %.6g)", p->key[k].name, est * c, (1 - est) * c);
    double lo = fmax(p->key[k].lo, est - sqrt(3) * se), hi = fmin(p->key[k].hi, est + sqrt(3) * se);
    snprintf(cand[n++], sizeof cand[0], "%s=uniform(%.8g, %.8g)", p->key[k].name, lo, hi);
    for (int i = 0; i < n; i++) {
        const char *sets[CALIB_MAX_SETS + 1];
        for (int j = 0; j < p->nuser_sets; j++)
            sets[j] = p->sets[j];
        sets[p->nuser_sets] = cand[i];
        diag dd = { 0 };
        scenario *sc = scen_load(p->path, sets, p->nuser_sets + 1, &dd);
        if (sc) {
            scen_free(sc);
            snprintf(out, cap, "%.255s", cand[i]);
            return 0;
        }
    }
    snprintf(out, cap, "%s=%.10g", p->key[k].name, est);
    return 0;
}

/* holdout_by_frequency.csv: the holdout's purchases by repeat purchases in
 * the calibration window, actual against the forecast from today's
 * customers (as retsim fit's file of the same name). */
static int write_holdout_groups(const char *dir, const calib_result *r, diag *d)
{
    char tmp[4200];
    FILE *f = out_open(dir, "holdout_by_frequency.csv", tmp, sizeof tmp, d);
    if (!f)
        return d->status;
    fputs("repeat_purchases_in_window,customers,actual,simulated,simulated_se,simulated_lo95,simulated_hi95\n", f);
    for (int g = 0; g <= CALIB_GROUPS; g++) {
        int all = g == CALIB_GROUPS;
        double sim = all ? r->holdout_sim : r->holdout_group_sim[g];
        double se = all ? r->holdout_sim_se : r->holdout_group_se[g];
        long actual = all ? r->holdout_actual : r->holdout_group_actual[g];
        int n = 0;
        for (int k = 0; k < CALIB_GROUPS; k++)
            n += all || k == g ? r->holdout_group_n[k] : 0;
        if (all)
            fputs("all", f);
        else
            fprintf(f, "%d%s", g, g == CALIB_GROUPS - 1 ? "+" : "");
        fprintf(f, ",%d,%ld,%.4f,%.4f,%.4f,%.4f\n", n, actual, sim, se, sim - 1.96 * se, sim + 1.96 * se);
    }
    return out_commit(f, tmp, dir, "holdout_by_frequency.csv", d);
}

/* customers_base.csv: the log's customers as they stand on the window's
 * last day, in the columns retsim fit writes (sim/basefile.h reads them);
 * its row count and checksum go into calibrated.ini's [base]. */
static int write_base_customers(const char *dir, const calib_problem *p, char checksum[17], int *count, diag *d)
{
    const translog *t = p->data;
    base_customers b;
    if (calib_history(t, p->w0, p->w1, &b, d))
        return d->status;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m) {
        free(b.h);
        return diag_set(d, DIAG_RUNTIME, "out of memory");
    }
    fprintf(m, "customer,%s,%s,%s,%s\n", BASE_COL_X, BASE_COL_TX, BASE_COL_T, BASE_COL_ZBAR);
    int row = 0;
    for (int c = 0; c < t->ncust && row < b.n; c++) {
        int a = t->first[c], e = t->first[c + 1];
        while (a < e && t->day[a] < p->w0)
            a++;
        if (a == e || t->day[a] > p->w1)
            continue;
        const customer_history *h = &b.h[row++];
        /* the id quoted as CSV when it holds a comma, a quote or a line end */
        if (strpbrk(t->ids[c], ",\"\n")) {
            fputc('"', m);
            for (const char *q = t->ids[c]; *q; q++) {
                if (*q == '"')
                    fputc('"', m);
                fputc(*q, m);
            }
            fputc('"', m);
        } else
            fputs(t->ids[c], m);
        fprintf(m, ",%d,%.0f,%.0f,%.4f\n", h->repeat_purchases, h->last_age, h->age, h->mean_spend);
    }
    *count = b.n;
    free(b.h);
    if (fclose(m)) {
        free(buf);
        return diag_set(d, DIAG_RUNTIME, "out of memory");
    }
    base_checksum(buf, len, checksum);
    char tmp[4200];
    FILE *f = out_open(dir, "customers_base.csv", tmp, sizeof tmp, d);
    if (!f) {
        free(buf);
        return d->status;
    }
    fwrite(buf, 1, len, f);
    free(buf);
    return out_commit(f, tmp, dir, "customers_base.csv", d);
}

static int write_calibrated(const char *dir, const calib_problem *p, const calib_result *r, const char *log,
                            diag *d)
{
    const char *sets[CALIB_MAX_SETS + CALIB_MAX_FREE + 8];
    char val[CALIB_MAX_FREE][300], meta[3][200], bset[4][200];
    int n = 0;
    char checksum[17];
    int count = 0;
    if (p->warm_start && write_base_customers(dir, p, checksum, &count, d))
        return d->status;
    int y, mo, dd;
    translog_civil_from_days(p->w1, &y, &mo, &dd);
    for (int j = 0; j < p->nuser_sets; j++)
        sets[n++] = p->sets[j];
    for (int k = 0; k < p->nfree; k++)
        if (r->determined[k]) {
            uncertain_value(p, r, k, val[k], sizeof val[k]);
            sets[n++] = val[k];
        }
    const char *base = strrchr(log, '/');
    base = base ? base + 1 : log;
    char est[SCEN_TEXT_MAX], ass[SCEN_TEXT_MAX];
    key_list(p, r, 1, est, sizeof est - 1);
    key_list(p, r, 0, ass, sizeof ass - 1);
    snprintf(meta[0], sizeof meta[0], "calibration.log=%.100s", base);
    sets[n++] = meta[0];
    snprintf(meta[1], sizeof meta[1], "calibration.estimated=%s", est);
    sets[n++] = meta[1];
    if (ass[0]) {
        snprintf(meta[2], sizeof meta[2], "calibration.assumed=%s", ass);
        sets[n++] = meta[2];
    }
    /* today's customers: the log's, as they stand on the window's last day */
    snprintf(bset[0], sizeof bset[0], "base.customers=customers_base.csv");
    snprintf(bset[1], sizeof bset[1], "base.as_of=%04d-%02d-%02d", y, mo, dd);
    snprintf(bset[2], sizeof bset[2], "base.count=%d", count);
    snprintf(bset[3], sizeof bset[3], "base.checksum=%s", checksum);
    for (int i = 0; i < 4 && p->warm_start; i++)
        sets[n++] = bset[i];
    scenario *sc = scen_load(p->path, sets, n, d);
    if (!sc)
        return d->status;
    char tmp[4200];
    FILE *f = out_open(dir, "calibrated.ini", tmp, sizeof tmp, d);
    if (!f) {
        scen_free(sc);
        return d->status;
    }
    fprintf(f, "; retsim calibrate: %s fitted to %s by the method of simulated moments\n", p->path, base);
    fprintf(f, "; estimated keys hold their estimate's uncertainty (estimates.csv);\n");
    fprintf(f, "; [calibration] assumed lists the free keys the data could not determine:\n");
    fprintf(f, "; they keep the scenario's value, and every run on this file says so.\n");
    if (p->warm_start)
        fprintf(f, "; It starts from today's customers: the %d of customers_base.csv as they stand on\n"
                   "; %04d-%02d-%02d ([base]), each one's hidden traits drawn given their own history\n"
                   "; by the customer model (docs/calibrate.md); new customers arrive as the\n"
                   "; scenario's channels say.\n",
                count, y, mo, dd);
    else
        fprintf(f, "; The customer model cannot draw a customer from their history, so this starts\n"
                   "; with new customers only, as the scenario's channels say.\n");
    scen_write_resolved(f, sc);
    scen_free(sc);
    return out_commit(f, tmp, dir, "calibrated.ini", d);
}

static int write_summary(const char *dir, const calib_problem *p, const calib_result *r, const char *log, diag *d)
{
    json_t *root = json_object();
    json_object_set_new(root, "scenario", json_string(p->path));
    json_object_set_new(root, "log", json_string(log));
    json_t *data = json_object();
    json_object_set_new(data, "customers", json_integer(p->mdata.ncust));
    json_object_set_new(data, "purchases", json_integer(p->mdata.ntx));
    json_object_set_new(data, "window_days", json_integer(p->horizon));
    json_object_set_new(data, "acquisition_days", out_json_number(p->acq_days));
    json_object_set_new(root, "data", data);
    json_t *sim = json_object();
    json_object_set_new(sim, "replications", json_integer(p->o.reps));
    json_object_set_new(sim, "seed", json_integer((json_int_t)p->o.seed));
    json_object_set_new(sim, "prospects_scale", out_json_number(p->scale));
    json_object_set_new(sim, "evaluations", json_integer(p->evals));
    json_object_set_new(sim, "starts", json_integer(r->nstarts));
    json_object_set_new(sim, "algorithm", json_string(p->o.algorithm ? "bobyqa" : "sbplx"));
    json_object_set_new(root, "simulation", sim);
    json_t *keys = json_array();
    for (int k = 0; k < p->nfree; k++) {
        json_t *o = json_object();
        json_object_set_new(o, "key", json_string(p->key[k].name));
        json_object_set_new(o, "start", out_json_number(p->key[k].start));
        json_object_set_new(o, "estimate", out_json_number(r->theta[k]));
        json_object_set_new(o, "se", out_json_number(r->se[k]));
        json_object_set_new(o, "lower_bound", out_json_number(p->key[k].lo));
        json_object_set_new(o, "upper_bound", out_json_number(p->key[k].hi));
        json_object_set_new(o, "determined", json_boolean(r->determined[k]));
        json_array_append_new(keys, o);
    }
    json_object_set_new(root, "estimates", keys);
    json_object_set_new(root, "objective", out_json_number(r->q));
    json_t *jt = json_object();
    json_object_set_new(jt, "J", out_json_number(r->df > 0 ? r->j : NAN));
    json_object_set_new(jt, "df", json_integer(r->df));
    json_object_set_new(jt, "p_value", out_json_number(r->j_p));
    json_object_set_new(root, "overidentification", jt);
    json_t *id = json_object();
    json_object_set_new(id, "condition_number", out_json_number(r->condition));
    json_t *sv = json_array(), *und = json_array(), *combos = json_array();
    for (int i = 0; i < p->nfree; i++)
        json_array_append_new(sv, out_json_number(r->sv[i]));
    for (int k = 0; k < p->nfree; k++)
        if (!r->determined[k])
            json_array_append_new(und, json_string(p->key[k].name));
    for (int i = 0; i < p->nfree; i++)
        if (weak_direction(p, r, i) && count_weak_keys(p, r, i) >= 2) {
            char words[600];
            direction_words(p, r, i, words, sizeof words);
            json_array_append_new(combos, json_string(words));
        }
    json_object_set_new(id, "singular_values", sv);
    json_object_set_new(id, "not_determined", und);
    json_object_set_new(id, "indistinguishable_combinations", combos);
    json_object_set_new(id, "covariance_regularised_eigenvalues", json_integer(p->regularised));
    json_object_set_new(root, "identifiability", id);
    if (r->holdout_days > 0) {
        json_t *h = json_object();
        json_object_set_new(h, "days", json_integer(r->holdout_days));
        json_object_set_new(h, "actual_purchases", json_integer(r->holdout_actual));
        json_object_set_new(h, "simulated_purchases", out_json_number(r->holdout_sim));
        json_object_set_new(h, "simulated_se_monte_carlo", out_json_number(r->holdout_sim_se));
        json_object_set_new(h, "start", json_string(r->holdout_warm ? "today's customers (warm start)"
                                                                    : "new customers (no warm start)"));
        json_t *groups = json_array();
        for (int g = 0; g < CALIB_GROUPS; g++) {
            json_t *o = json_object();
            char name[16];
            snprintf(name, sizeof name, "%d%s", g, g == CALIB_GROUPS - 1 ? "+" : "");
            json_object_set_new(o, "repeat_purchases_in_window", json_string(name));
            json_object_set_new(o, "customers", json_integer(r->holdout_group_n[g]));
            json_object_set_new(o, "actual", json_integer(r->holdout_group_actual[g]));
            json_object_set_new(o, "simulated", out_json_number(r->holdout_group_sim[g]));
            json_object_set_new(o, "simulated_se_monte_carlo", out_json_number(r->holdout_group_se[g]));
            json_array_append_new(groups, o);
        }
        json_object_set_new(h, "by_frequency", groups);
        json_object_set_new(h, "new_customers_simulated_purchases", out_json_number(r->holdout_new_sim));
        json_object_set_new(h, "new_customers_simulated_se_monte_carlo", out_json_number(r->holdout_new_sim_se));
        json_object_set_new(root, "holdout", h);
    }
    json_t *moms = json_array();
    for (int i = 0; i < p->nuse; i++)
        json_array_append_new(moms, json_string(moments_name(p->use[i])));
    json_object_set_new(root, "moments_matched", moms);
    return out_json_commit(root, dir, "summary.json", d);
}

int calib_write(const char *dir, const calib_problem *p, const calib_result *r, const char *log, diag *d)
{
    if (write_estimates(dir, p, r, d) || write_moments(dir, p, r, d) || write_identifiability(dir, p, r, d)
        || write_summary(dir, p, r, log, d) || write_calibrated(dir, p, r, log, d)
        || (r->holdout_days > 0 && r->holdout_warm && write_holdout_groups(dir, r, d)))
        return d->status;
    return 0;
}
