/* rollout: the pilot's effect on the fitted base, paired (see rollout.h). */
#include "rollout.h"

#include "../sim/plugins.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../fit/btyd.h"
#include "../sim/engine.h"
#include "../sim/metrics.h"
#include "../sim/plugins.h"
#include "../sim/runner.h"
#include "../sim/scenario.h"
#include "describe.h"
#include "fit_forward.h"
#include "fit_report.h"
#include "output.h"

#define ROLLOUT_DAYS_PER_MONTH (365.25 / 12.0)
#define ROLLOUT_DRAWS "rollout_draws.csv"

void rollout_opts_default(rollout_opts *o)
{
    memset(o, 0, sizeof *o);
    o->horizon_days = 365;
    o->reps = 200;
    o->seed = 1;
    o->gross_margin = 0.6;
}

/* ---- the base, fitted on the pilot's last day ---- */

static int fit_base(const char *dir, const char *log, const translog *t, const int *group, int end, int horizon,
                    char *model, size_t cap, diag *d)
{
    fit_opts fo = { 0 };
    fo.file = log;
    fo.period_days = 7;
    fo.period_name = "week";
    fo.param_uncertainty = "hessian";
    fo.horizon_days = horizon;
    fo.horizon_set = 1;
    fit_state s = { 0 };
    s.o = &fo;
    s.log = (translog *)t;
    s.cal_end = end;
    s.horizon_periods = (t->max_day - t->min_day + 1) / fo.period_days;
    s.cs = calloc((size_t)t->ncust, sizeof *s.cs);
    cust_summary *fit_cs = malloc((size_t)(t->ncust > 0 ? t->ncust : 1) * sizeof *fit_cs);
    if (!s.cs || !fit_cs) {
        free(s.cs);
        free(fit_cs);
        return diag_set(d, DIAG_RUNTIME, "out of memory");
    }
    describe_summarise(t, end, fo.period_days, s.cs);
    /* the model's parameters from the control group: the treated
     * customers' purchases since the start carry the promotion */
    for (int i = 0; i < t->ncust; i++)
        if (s.cs[i].T > 0 && group[i] == PILOT_C)
            fit_cs[s.n++] = s.cs[i];
    s.fit_cs = fit_cs;
    int status = fit_forward_models(&s, fit_cs, s.n, d);   /* Gamma-Gamma's too */
    if (!status) {
        int recent = 0;
        for (int i = 0; i < t->ncust; i++) {
            int d0 = t->day[t->first[i]];
            recent += d0 <= end && d0 > end - FIT_RECENT_DAYS;
        }
        s.new_per_day = recent / (double)FIT_RECENT_DAYS;
        status = fit_forward_write(dir, &s, d);
    }
    if (!status)
        snprintf(model, cap, "%s", s.fits[s.chosen].type->name);
    free(fit_cs);
    free(s.cs);
    return status;
}

/* fitted.ini's text with gross_margin set to the user's */
static char *read_text(const char *path, diag *d)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        diag_set(d, DIAG_RUNTIME, "cannot read %s", path);
        return NULL;
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m) {
        fclose(f);
        diag_set(d, DIAG_RUNTIME, "out of memory");
        return NULL;
    }
    char line[4096];
    while (fgets(line, sizeof line, f))
        fputs(line, m);
    fclose(f);
    fclose(m);
    return buf;
}

/* fitted.ini's text with gross_margin set to the user's and, when draws is
 * not NULL, [uncertainty] draws pointing at that file instead (*draws_set
 * says whether there was such a line) */
static int write_margin(FILE *o, const char *text, double margin, const char *draws, int *draws_set)
{
    const char *p = text;
    int done = 0;
    if (draws_set)
        *draws_set = 0;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p + 1) : strlen(p);
        if (!strncmp(p, "gross_margin = ", 15)) {
            fprintf(o, "gross_margin = %.10g\n", margin);
            done = 1;
        } else if (draws && !strncmp(p, "draws = ", 8)) {
            fprintf(o, "draws = %s\n", draws);
            *draws_set = 1;
        } else
            fwrite(p, 1, n, o);
        p += n;
    }
    return done;
}

/* The largest ratio [measured_effect] takes: its key table's, the one
 * source of truth (models/promo_measured_effect.c), found through the
 * promotions in use; every ratio key has the same range. */
static double ratio_max(void)
{
    const sim_plugins *p = sim_plugins_in_use();
    for (int i = 0; p && p->promotions[i]; i++)
        if (!strcmp(p->promotions[i]->name, "measured_effect"))
            for (const scen_key *k = p->promotions[i]->section->keys; k->name; k++)
                if (!strcmp(k->name, "rate_ratio"))
                    return k->max;
    return 100;
}

int rollout_lever_usable(double log_ratio, double se)
{
    /* 6.1 sd: past the loader's 1e-9 tail (6.0 sd), with a margin */
    return isfinite(log_ratio) && isfinite(se) && log_ratio + 6.1 * se < log(ratio_max());
}

static void write_effect_key(FILE *f, const char *key, const rollout_result *rr, int k)
{
    const pilot_levers *lev = &rr->lev;
    if (rr->too_wide[k])
        fprintf(f, "; %s: the pilot measured x %.4g [%.4g, %.4g], too uncertain to run: held at 1\n", key,
                exp(rr->wide_log_ratio[k]), exp(rr->wide_log_ratio[k] - 1.96 * rr->wide_se[k]),
                exp(rr->wide_log_ratio[k] + 1.96 * rr->wide_se[k]));
    else if (!lev->estimated[k])
        fprintf(f, "; %s: not estimated by the %s estimate, held at 1\n", key, lev->source);
    else if (rr->joint && (k == LEVER_RATE || k == LEVER_DROPOUT))
        fprintf(f, "; %s: lognormal(%.10g, %.10g), drawn jointly with the other from %s\n%s = %.10g\n", key,
                lev->log_ratio[k], lev->se[k], ROLLOUT_DRAWS, key, exp(lev->log_ratio[k]));
    else if (lev->se[k] > 0)
        fprintf(f, "%s = lognormal(%.10g, %.10g)\n", key, lev->log_ratio[k], lev->se[k]);
    else
        fprintf(f, "%s = %.10g\n", key, exp(lev->log_ratio[k]));
}

int rollout_draws_jointly(const pilot_levers *lev)
{
    return lev->estimated[LEVER_RATE] && lev->estimated[LEVER_DROPOUT] && lev->se[LEVER_RATE] > 0
           && lev->se[LEVER_DROPOUT] > 0 && lev->cov_rate_dropout != 0 && isfinite(lev->cov_rate_dropout);
}

/* rollout_draws.csv: param_draws.csv's rows (the base's parameters, so that
 * the base and the rollout, which pick the same row in a draw, stay
 * paired: scen_draw picks a row by a hash of (seed, draw) modulo the
 * rows), each with a (rate, dropout) ratio pair drawn jointly: (ln rate,
 * ln dropout) bivariate normal around the estimate with the estimates'
 * covariance (the covariate BG/NBD's inverse Hessian), the rollout's
 * counterpart of the pilot's sampling law.  Without param_draws.csv (no
 * Hessian draws), ROLLOUT_EFFECT_ROWS rows of the pair alone.  The pairs
 * come from their own generator seeded by --seed, one after the other, so
 * they do not depend on the threads; antithetic in pairs of rows. */
#define ROLLOUT_EFFECT_ROWS 1000
static int write_effect_draws(const char *dir, const rollout_result *rr, uint64_t seed, diag *d)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/param_draws.csv", dir);
    FILE *in = fopen(path, "r");
    char tmp[4200];
    FILE *f = out_open(dir, ROLLOUT_DRAWS, tmp, sizeof tmp, d);
    if (!f) {
        if (in)
            fclose(in);
        return d->status;
    }
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    if (!g) {
        if (in)
            fclose(in);
        fclose(f);
        remove(tmp);
        return diag_set(d, DIAG_RUNTIME, "out of memory");
    }
    gsl_rng_set(g, (unsigned long)(seed ^ 0x726f6c6c6f7574ull));   /* "rollout": apart from --seed's other uses */
    const pilot_levers *lev = &rr->lev;
    double sr = lev->se[LEVER_RATE], sd = lev->se[LEVER_DROPOUT];
    double rho = lev->cov_rate_dropout / (sr * sd);
    rho = rho > 0.999 ? 0.999 : rho < -0.999 ? -0.999 : rho;   /* a degenerate Hessian's rounding */
    double top = log(ratio_max());
    char line[8192];
    int rows = 0, header = 1;
    double x = 0, y = 0;
    for (;;) {
        size_t n = 0;
        if (in) {
            if (!fgets(line, sizeof line, in))
                break;
            n = strcspn(line, "\r\n");
            if (n == 0)
                continue;
            line[n] = '\0';
        } else if (rows >= ROLLOUT_EFFECT_ROWS)
            break;
        if (header) {
            fprintf(f, "%s%smeasured_effect.rate_ratio,measured_effect.dropout_ratio\n", in ? line : "",
                    in ? "," : "");
            header = 0;
            if (in)
                continue;
        }
        /* antithetic: rows 2i and 2i + 1 take (x, y) and (-x, -y), so
         * the rows' mean is the estimate exactly, as a lognormal key's
         * median is (a sample of 1,000 would put it up to 0.1 se off) */
        if (rows % 2 == 0)
            gsl_ran_bivariate_gaussian(g, sr, sd, rho, &x, &y);
        else
            x = -x, y = -y;
        /* held inside [measured_effect]'s range, as a lognormal key's draw
         * is (rollout_lever_usable keeps that 6 sd away) */
        double lr = fmin(lev->log_ratio[LEVER_RATE] + x, top), ld = fmin(lev->log_ratio[LEVER_DROPOUT] + y, top);
        fprintf(f, "%s%s%.10g,%.10g\n", in ? line : "", in ? "," : "", exp(lr), exp(ld));
        rows++;
    }
    gsl_rng_free(g);
    if (in)
        fclose(in);
    if (rows == 0) {
        fclose(f);
        remove(tmp);
        return diag_set(d, DIAG_RUNTIME, "%s has a header but no rows", path);
    }
    return out_commit(f, tmp, dir, ROLLOUT_DRAWS, d);
}

static int write_inis(const char *dir, const char *log, const rollout_result *rr, const rollout_opts *o,
                      diag *d)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/fitted.ini", dir);
    char *text = read_text(path, d);
    if (!text)
        return d->status;
    char tmp[4200];
    FILE *f = out_open(dir, "fitted.ini", tmp, sizeof tmp, d);
    if (!f) {
        free(text);
        return d->status;
    }
    int ok = write_margin(f, text, o->gross_margin, NULL, NULL);
    int status = out_commit(f, tmp, dir, "fitted.ini", d);
    if (status || !ok) {
        free(text);
        return status ? status : diag_set(d, DIAG_RUNTIME, "fitted.ini has no gross_margin line to set");
    }
    if (rr->joint && (status = write_effect_draws(dir, rr, o->seed, d))) {
        free(text);
        return status;
    }
    f = out_open(dir, "rollout.ini", tmp, sizeof tmp, d);
    if (!f) {
        free(text);
        return d->status;
    }
    fprintf(f,
            "; Written by `retsim pilot %s --rollout`: the fitted base of fitted.ini (the whole\n"
            "; customer base on the pilot's last day) with the promotion rolled out to every\n"
            "; customer, as the pilot measured it (the %s estimate): each ratio treated / control is\n"
            "; lognormal(log ratio, its standard error), drawn once per pair of replications%s.\n"
            ";   retsim compare fitted.ini rollout.ini\n\n",
            log, rr->lev.source,
            rr->joint ? "; the rate and\n; dropout ratios jointly, with their estimates' correlation, from "
                        ROLLOUT_DRAWS : "");
    int draws_set = 0;
    write_margin(f, text, o->gross_margin, rr->joint ? ROLLOUT_DRAWS : NULL, &draws_set);
    free(text);
    if (rr->joint && !draws_set)
        fprintf(f, "\n[uncertainty]\ndraws = %s\n", ROLLOUT_DRAWS);
    fprintf(f, "\n[measured_effect]\n");
    if (rr->joint)
        fprintf(f, "; the rate and dropout estimates correlate %+.3f (one likelihood: more purchases by the "
                   "treated\n; can be a higher rate or a lower dropout): each pair of replications takes "
                   "both from a row\n; of %s, with the base's parameters\n",
                rr->lev.cov_rate_dropout / (rr->lev.se[LEVER_RATE] * rr->lev.se[LEVER_DROPOUT]), ROLLOUT_DRAWS);
    write_effect_key(f, "rate_ratio", rr, LEVER_RATE);
    write_effect_key(f, "dropout_ratio", rr, LEVER_DROPOUT);
    write_effect_key(f, "spend_ratio", rr, LEVER_SPEND);
    if (!o->cost_given)
        fprintf(f, "; no cost given (--cost-per-use, --cost-per-customer-month): the rollout is assumed free\n");
    fprintf(f, "cost_per_use = %.10g\ncost_per_customer_month = %.10g\n", o->cost_per_use,
            o->cost_per_customer_month);
    return out_commit(f, tmp, dir, "rollout.ini", d);
}

/* ---- the paired run ---- */

typedef struct per_rep {
    double *dprofit;
    stat_vec *breakeven;
    int cap, n;
    double cost_per_use;
} per_rep;

static void on_rep(void *ctx, int rep, const double *const *m, int nscen)
{
    per_rep *p = ctx;
    if (nscen < 2 || rep >= p->cap)
        return;
    double dp = m[1][MET_PROFIT] - m[0][MET_PROFIT];
    p->dprofit[rep] = dp;
    /* profit falls by c for each visit of the rollout world: break-even c */
    double v = m[1][MET_VISITS];
    double be = v > 0 ? (dp + p->cost_per_use * v) / v : NAN;
    stat_vec_add(p->breakeven, &be);
    if (rep + 1 > p->n)
        p->n = rep + 1;
}

/* the mean over pairs of replications (each pair one parameter draw, so
 * the pair means are independent) with a t interval: it carries the
 * parameters' spread and the Monte Carlo noise */
static stat_summary over_pairs(const double *x, int n, int paired)
{
    stat_summary s = { 0 };
    int k = paired ? 2 : 1, m = 0;
    double sum = 0, sum2 = 0;
    for (int i = 0; i + k <= n; i += k) {
        double v = 0;
        for (int j = 0; j < k; j++)
            v += x[i + j] / k;
        if (isnan(v))
            continue;
        sum += v;
        sum2 += v * v;
        m++;
    }
    s.n = m;
    s.mean = m > 0 ? sum / m : NAN;
    if (m < 2) {
        s.sd = s.se = s.ci_low = s.ci_high = NAN;
        return s;
    }
    double var = (sum2 - m * s.mean * s.mean) / (m - 1);
    s.sd = sqrt(var > 0 ? var : 0);
    s.se = s.sd / sqrt(m);
    s.df = m - 1;
    double q = gsl_cdf_tdist_Pinv(0.975, s.df);
    s.ci_low = s.mean - q * s.se;
    s.ci_high = s.mean + q * s.se;
    return s;
}

static int run_pair(const char *dir, const rollout_opts *o, rollout_result *out, diag *d)
{
    char base_path[4200], roll_path[4200];
    snprintf(base_path, sizeof base_path, "%s/fitted.ini", dir);
    snprintf(roll_path, sizeof roll_path, "%s/rollout.ini", dir);
    scenario *sc[2] = { scen_load(base_path, NULL, 0, d), NULL };
    if (sc[0])
        sc[1] = scen_load(roll_path, NULL, 0, d);
    engine *e[2] = { NULL, NULL };
    if (sc[1] && (e[0] = engine_prepare(sc[0], d)))
        e[1] = engine_prepare(sc[1], d);
    int status = d->status;
    per_rep pr = { 0 };
    run_result *res = NULL;
    if (!status) {
        pr.cap = o->reps + 4;
        pr.dprofit = calloc((size_t)pr.cap, sizeof(double));
        pr.breakeven = stat_vec_alloc(1);
        pr.cost_per_use = o->cost_per_use;
        /* paired like the runner's differences when a value is uncertain
         * (sim/stats.c): the same interval, parameters included */
        if (pr.breakeven && (scen_uncertain_count(sc[0]) > 0 || scen_uncertain_count(sc[1]) > 0)
            && stat_vec_pair(pr.breakeven))
            status = diag_set(d, DIAG_RUNTIME, "out of memory");
        if (!pr.dprofit || !pr.breakeven)
            status = diag_set(d, DIAG_RUNTIME, "out of memory");
    }
    if (!status) {
        run_opts ro = { 0 };
        ro.seed = o->seed;
        ro.reps = o->reps;
        ro.threads = o->threads;
        ro.on_replication = on_rep;
        ro.on_replication_ctx = &pr;
        status = sim_run(e, 2, &ro, &res, d);
    }
    if (!status) {
        out->reps = res->reps;
        out->draws = res->draws;
        out->base_profit = stat_vec_get(res->scen[0].metric, MET_PROFIT);
        out->dprofit = stat_vec_get(res->scen[1].diff, MET_PROFIT);
        out->dvisits = stat_vec_get(res->scen[1].diff, MET_VISITS);
        out->breakeven = stat_vec_get(pr.breakeven, 0);
        /* P(loss): the chance that the expected incremental profit at the
         * true parameters and effect is below 0, given what the pilot and
         * the log say of them: the interval's own law, the paired
         * difference yb with variance V = sp2 + MSB / n (sim/stats.c),
         * Student's t with its degrees of freedom, so that an interval
         * whose upper end is 0 states 2.5 %.  Beside it, the plain share of
         * parameter draws whose pair of replications lost money (each pair
         * mean carries its own Monte Carlo noise too). */
        const stat_summary *dp = &out->dprofit;
        out->p_loss = dp->se > 0 && dp->df > 0 ? gsl_cdf_tdist_P(-dp->mean / dp->se, dp->df)
                                               : (dp->mean < 0 ? 1.0 : 0.0);
        double *loss = calloc((size_t)(pr.n > 0 ? pr.n : 1), sizeof *loss);
        if (!loss)
            status = diag_set(d, DIAG_RUNTIME, "out of memory");
        else {
            int paired = res->draws > 0;
            for (int i = 0; i + paired < pr.n; i += 1 + paired)
                loss[i] = loss[i + paired] = (pr.dprofit[i] + pr.dprofit[i + paired]) < 0;
            stat_summary l = over_pairs(loss, pr.n, paired);
            out->share_draws_losing = l.mean;
            out->share_draws_losing_se = l.se;
            free(loss);
        }
        out->verdict = compare_verdict_rule(MET_PROFIT, out->base_profit.mean, &out->dprofit, o->material);
    }
    run_result_free(res);
    free(pr.dprofit);
    stat_vec_free(pr.breakeven);
    for (int k = 0; k < 2; k++) {
        engine_free(e[k]);
        scen_free(sc[k]);
    }
    return status;
}

/* ---- outputs ---- */

static void csv_row(FILE *f, const char *q, double v, double lo, double hi, const char *unit)
{
    fprintf(f, "%s,%.10g,%.10g,%.10g,%s\n", q, v, lo, hi, unit);
}

static int write_csv(const char *dir, const rollout_result *r, diag *d)
{
    char tmp[4200];
    FILE *f = out_open(dir, "rollout.csv", tmp, sizeof tmp, d);
    if (!f)
        return d->status;
    const char *lever[LEVER_COUNT] = { "rate_ratio", "dropout_ratio", "spend_ratio" };
    fprintf(f, "quantity,value,ci_low,ci_high,unit\n");
    for (int k = 0; k < LEVER_COUNT; k++) {
        double lr = r->lev.log_ratio[k], se = r->lev.se[k];
        if (r->lev.estimated[k])
            csv_row(f, lever[k], exp(lr), exp(lr - 1.96 * se), exp(lr + 1.96 * se), "ratio");
        else
            fprintf(f, "%s,1,,,%s\n", lever[k],
                    r->too_wide[k] ? "ratio (too uncertain to use: held at 1)" : "ratio (not estimated)");
    }
    const stat_summary *p = &r->dprofit;
    csv_row(f, "incremental_profit_total", p->mean, p->ci_low, p->ci_high, "currency");
    csv_row(f, "incremental_profit_per_month", p->mean / r->months, p->ci_low / r->months,
            p->ci_high / r->months, "currency a month");
    csv_row(f, "incremental_visits_total", r->dvisits.mean, r->dvisits.ci_low, r->dvisits.ci_high, "visits");
    csv_row(f, "base_profit_total", r->base_profit.mean, r->base_profit.ci_low, r->base_profit.ci_high,
            "currency");
    csv_row(f, "break_even_cost_per_use", r->breakeven.mean, r->breakeven.ci_low, r->breakeven.ci_high,
            "currency a visit");
    fprintf(f, "p_loss,%.10g,,,probability\n", r->p_loss);
    csv_row(f, "share_of_draws_losing", r->share_draws_losing, r->share_draws_losing - 1.96 * r->share_draws_losing_se,
            r->share_draws_losing + 1.96 * r->share_draws_losing_se, "probability (interval: Monte Carlo error)");
    return out_commit(f, tmp, dir, "rollout.csv", d);
}

static json_t *summary_json(const stat_summary *s, double scale)
{
    json_t *o = json_object();
    json_object_set_new(o, "mean", out_json_number(s->mean / scale));
    json_object_set_new(o, "ci_low", out_json_number(s->ci_low / scale));
    json_object_set_new(o, "ci_high", out_json_number(s->ci_high / scale));
    return o;
}

static int write_json(const char *dir, const rollout_result *r, diag *d)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    json_error_t err;
    json_t *root = json_load_file(path, 0, &err);
    if (!root)
        root = json_object();
    json_t *o = json_object();
    const char *lever[LEVER_COUNT] = { "rate", "dropout", "spend" };
    json_t *lev = json_object();
    for (int k = 0; k < LEVER_COUNT; k++) {
        json_t *l = json_object();
        json_object_set_new(l, "estimated", json_boolean(r->lev.estimated[k]));
        /* estimated by the pilot, but too loosely to run: held at 1 */
        json_object_set_new(l, "too_uncertain", json_boolean(r->too_wide[k]));
        json_object_set_new(l, "log_ratio", out_json_number(r->lev.log_ratio[k]));
        json_object_set_new(l, "se", out_json_number(r->lev.se[k]));
        json_object_set_new(lev, lever[k], l);
    }
    json_object_set_new(o, "effect_source", json_string(r->lev.source ? r->lev.source : ""));
    json_object_set_new(o, "levers", lev);
    /* rate and dropout drawn jointly (rollout_draws.csv) with this correlation */
    json_object_set_new(o, "rate_dropout_joint", json_boolean(r->joint));
    json_object_set_new(o, "rate_dropout_correlation",
                        r->joint ? out_json_number(r->lev.cov_rate_dropout
                                                   / (r->lev.se[LEVER_RATE] * r->lev.se[LEVER_DROPOUT]))
                                 : json_null());
    json_object_set_new(o, "model", json_string(r->model));
    json_object_set_new(o, "horizon_days", json_integer(r->horizon_days));
    json_object_set_new(o, "replications", json_integer(r->reps));
    json_object_set_new(o, "parameter_draws", json_integer(r->draws));
    json_object_set_new(o, "cost_per_use", out_json_number(r->cost_per_use));
    json_object_set_new(o, "cost_per_customer_month", out_json_number(r->cost_per_customer_month));
    json_object_set_new(o, "cost_given", json_boolean(r->cost_given));
    json_object_set_new(o, "gross_margin", out_json_number(r->gross_margin));
    json_object_set_new(o, "gross_margin_given", json_boolean(r->margin_given));
    json_object_set_new(o, "incremental_profit_total", summary_json(&r->dprofit, 1));
    json_object_set_new(o, "incremental_profit_per_month", summary_json(&r->dprofit, r->months));
    json_object_set_new(o, "break_even_cost_per_use", summary_json(&r->breakeven, 1));
    json_object_set_new(o, "p_loss", out_json_number(r->p_loss));
    json_object_set_new(o, "share_of_draws_losing", out_json_number(r->share_draws_losing));
    json_object_set_new(o, "share_of_draws_losing_mc_se", out_json_number(r->share_draws_losing_se));
    const char *v = r->verdict == VERDICT_UP ? "roll out" : r->verdict == VERDICT_DOWN ? "do not roll out"
                                                                                       : "inconclusive";
    json_object_set_new(o, "decision", json_string(v));
    char line[512];
    rollout_verdict_line(r, LANG_EN, line, sizeof line);
    json_object_set_new(o, "verdict", json_string(line));
    json_object_set_new(root, "rollout", o);
    return out_json_commit(root, dir, "summary.json", d);
}

int rollout_run(const char *dir, const char *log, const translog *t, const int *group,
                const pilot_result *r, const pilot_levers *lev, const rollout_opts *o,
                rollout_result *out, diag *d)
{
    memset(out, 0, sizeof *out);
    out->lev = *lev;
    for (int k = 0; k < LEVER_COUNT; k++)
        if (lev->estimated[k] && !rollout_lever_usable(lev->log_ratio[k], lev->se[k])) {
            out->too_wide[k] = 1;
            out->wide_log_ratio[k] = lev->log_ratio[k];
            out->wide_se[k] = lev->se[k];
            out->lev.estimated[k] = 0;
            out->lev.log_ratio[k] = 0;
            out->lev.se[k] = 0;
        }
    if (!out->lev.estimated[LEVER_RATE] || !out->lev.estimated[LEVER_DROPOUT])
        out->lev.cov_rate_dropout = 0;
    out->joint = rollout_draws_jointly(&out->lev);
    out->horizon_days = o->horizon_days;
    out->months = o->horizon_days / ROLLOUT_DAYS_PER_MONTH;
    out->cost_per_use = o->cost_per_use;
    out->cost_per_customer_month = o->cost_per_customer_month;
    out->cost_given = o->cost_given;
    out->gross_margin = o->gross_margin;
    out->margin_given = o->margin_given;
    out->material = o->material;
    int status;
    if ((status = fit_base(dir, log, t, group, r->end, o->horizon_days, out->model, sizeof out->model, d))
        || (status = write_inis(dir, log, out, o, d)))
        return status;
    if ((status = run_pair(dir, o, out, d)))
        return status;
    out->customers = 0;
    for (int i = 0; i < t->ncust; i++)
        out->customers += t->day[t->first[i]] <= r->end;
    if ((status = write_csv(dir, out, d)) || (status = write_json(dir, out, d)))
        return status;
    return 0;
}

/* "+38,000" with thousands separated; whole units from 100 on */
static void money(double x, char *buf, size_t cap)
{
    if (isnan(x)) {
        snprintf(buf, cap, "n/a");
        return;
    }
    if (fabs(x) < 100) {
        snprintf(buf, cap, "%+.1f", x);
        return;
    }
    char digits[64];
    snprintf(digits, sizeof digits, "%.0f", fabs(x));
    size_t n = strlen(digits), o = 0;
    char tmp[96];
    tmp[o++] = x < 0 ? '-' : '+';
    for (size_t i = 0; i < n && o + 2 < sizeof tmp; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            tmp[o++] = ',';
        tmp[o++] = digits[i];
    }
    tmp[o] = '\0';
    snprintf(buf, cap, "%s", tmp);
}

void rollout_verdict_line(const rollout_result *r, lang_id L, char *buf, size_t cap)
{
    char m[48], lo[48], hi[48];
    /* a year's worth when the horizon is a year; else the horizon's total */
    money(r->dprofit.mean, m, sizeof m);
    money(r->dprofit.ci_low, lo, sizeof lo);
    money(r->dprofit.ci_high, hi, sizeof hi);
    const char *what = r->verdict == VERDICT_UP     ? tr(L, "roll out")
                       : r->verdict == VERDICT_DOWN ? tr(L, "do not roll out")
                                                    : tr(L, "inconclusive");
    double pct = 100 * r->p_loss;
    char chance[32];
    if (pct > 0 && pct < 1)
        snprintf(chance, sizeof chance, "<1");
    else
        snprintf(chance, sizeof chance, "%.0f", pct);
    snprintf(buf, cap, tr(L, "%s: %s over %d days [%s, %s]; %s %% chance it loses money"), what, m,
             r->horizon_days, lo, hi, chance);
}

void rollout_print(const rollout_result *r)
{
    lang_id L = lang_ui();
    const char *name[LEVER_COUNT] = { N_("purchase rate"), N_("dropout"), N_("spend per visit") };
    printf(tr(L, "rollout to the whole base (%d customers, %s fitted on the control group, %d days, %d "
                 "replications, %d parameter draws):\n"),
           r->customers, r->model, r->horizon_days, r->reps, r->draws);
    printf(tr(L, "  measured effect (%s estimate):"), r->lev.source);
    for (int k = 0; k < LEVER_COUNT; k++) {
        if (r->lev.estimated[k])
            printf(" %s x %.3f [%.3f, %.3f]", tr(L, name[k]), exp(r->lev.log_ratio[k]),
                   exp(r->lev.log_ratio[k] - 1.96 * r->lev.se[k]), exp(r->lev.log_ratio[k] + 1.96 * r->lev.se[k]));
        else if (r->too_wide[k])
            printf(tr(L, " %s too uncertain to use (x %.3g [%.3g, %.3g]): held at 1"), tr(L, name[k]),
                   exp(r->wide_log_ratio[k]), exp(r->wide_log_ratio[k] - 1.96 * r->wide_se[k]),
                   exp(r->wide_log_ratio[k] + 1.96 * r->wide_se[k]));
        else
            printf(tr(L, " %s not estimated (x 1)"), tr(L, name[k]));
        putchar(k + 1 < LEVER_COUNT ? ';' : '\n');
    }
    if (r->joint)
        printf(tr(L, "  rate and dropout drawn jointly (their estimates correlate %+.2f): %s\n"),
               r->lev.cov_rate_dropout / (r->lev.se[LEVER_RATE] * r->lev.se[LEVER_DROPOUT]), ROLLOUT_DRAWS);
    if (!r->cost_given)
        printf(tr(L, "  cost: none given (--cost-per-use, --cost-per-customer-month): the rollout is assumed "
                     "free\n"));
    else
        printf(tr(L, "  cost: %g per use, %g per customer and month\n"), r->cost_per_use,
               r->cost_per_customer_month);
    if (!r->margin_given)
        printf(tr(L, "  gross margin %.0f %% assumed (--gross-margin to set yours)\n"), 100 * r->gross_margin);
    char a[48], b[48], c[48];
    money(r->dprofit.mean / r->months, a, sizeof a);
    money(r->dprofit.ci_low / r->months, b, sizeof b);
    money(r->dprofit.ci_high / r->months, c, sizeof c);
    printf(tr(L, "  incremental profit per month: %s [%s, %s]\n"), a, b, c);
    money(r->dprofit.mean, a, sizeof a);
    money(r->dprofit.ci_low, b, sizeof b);
    money(r->dprofit.ci_high, c, sizeof c);
    printf(tr(L, "  incremental profit over %d days: %s [%s, %s]\n"), r->horizon_days, a, b, c);
    printf(tr(L, "  break-even cost per use: %.2f [%.2f, %.2f]\n"), r->breakeven.mean, r->breakeven.ci_low,
           r->breakeven.ci_high);
    printf(tr(L, "  chance it loses money: %.1f %% (share of parameter draws losing money: %.1f %% +- %.1f)\n"),
           100 * r->p_loss, 100 * r->share_draws_losing, 100 * r->share_draws_losing_se);
    char line[512];
    rollout_verdict_line(r, L, line, sizeof line);
    printf("  %s\n", line);
}
