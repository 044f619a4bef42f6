/* The forward baseline of `retsim fit` (fit_forward.h).
 *
 * Choosing a model.  With a holdout, the model whose predicted total of
 * repeat purchases in the holdout is nearest the actual one is chosen: that
 * is the question the baseline will be asked (how much will these
 * customers buy from now on).  Without one, the smallest BIC
 * (-2 log-likelihood + k ln n, Schwarz 1978): the models have as many
 * parameters (4 each), so BIC then ranks them by likelihood, and says so.
 * Only a fit that converged may be chosen; --model overrides.
 *
 * The parameters' sampling distribution.  Maximum-likelihood estimates are
 * asymptotically normal with the inverse Hessian as covariance; on the log
 * scale (where the fits work and the parameters stay positive) the normal
 * is a better approximation for the small shape parameters of these models
 * (Fader, Hardie and Lee 2005 report theirs on that scale too).
 * param_draws.csv holds PARAM_DRAWS joint draws of the chosen model's and
 * Gamma-Gamma's parameters: log theta ~ N(log theta_hat, Sigma_log), the two
 * models independent (their likelihoods share no parameter).  The forward
 * run draws one row per pair of replications ([uncertainty] draws), so its
 * intervals carry what 2,357 customers cannot tell as well as Monte Carlo
 * noise. */
#include "fit_forward.h"

#include <gsl/gsl_linalg.h>
#include <jansson.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../fit/bgbb.h"
#include "../sim/basefile.h"
#include "../sim/dates.h"
#include "../sim/engine.h"
#include "../sim/lang.h"
#include "../sim/metrics.h"
#include "figures.h"
#include "output.h"

#define PARAM_DRAWS 1000
#define PARAM_DRAWS_SEED 20261207u
/* customers grouped by calibration repeat purchases 0, 1, ..., 6, 7+ */
#define HOLDOUT_GROUPS 8
#define BASE_ID_MASK (~(1ull << 63))

static double actual_holdout_repeats(const fit_state *s)
{
    double actual = 0;
    for (int i = 0; i < s->log->ncust; i++)
        if (s->cs[i].first_day <= s->cal_end)
            actual += s->cs[i].n_holdout;
    return actual;
}

/* s->chosen and s->chosen_why from the fits: o->model, else the smallest
 * holdout error, else the smallest BIC, among those that converged. */
static int choose_model(fit_state *s, double actual, diag *d)
{
    const fit_opts *o = s->o;
    s->chosen = -1;
    if (o->model) {
        for (int i = 0; i < s->nfits; i++)
            if (!strcmp(s->fits[i].type->name, o->model))
                s->chosen = i;
        if (!s->fits[s->chosen].converged)
            return diag_set(d, DIAG_RUNTIME, "--model %s: the fit did not converge (%s); choose another model",
                            o->model, s->fits[s->chosen].note);
        snprintf(s->chosen_why, sizeof s->chosen_why, tr(lang_ui(), "chosen with --model"));
        return 0;
    }
    int by_holdout = s->holdout_days && actual > 0;
    for (int i = 0; i < s->nfits; i++) {
        const purchase_fit *f = &s->fits[i];
        if (!f->converged)
            continue;
        if (s->chosen < 0)
            s->chosen = i;
        else if (by_holdout ? fabs(f->holdout_error) < fabs(s->fits[s->chosen].holdout_error)
                            : f->bic < s->fits[s->chosen].bic)
            s->chosen = i;
    }
    if (s->chosen < 0)
        return diag_set(d, DIAG_RUNTIME,
                        "no purchase model converged on this log (%s: %s); check the data (customers, "
                        "dates) or try --period day|week|month",
                        s->fits[0].type->label, s->fits[0].note);
    const purchase_fit *c = &s->fits[s->chosen];
    if (by_holdout)
        snprintf(s->chosen_why, sizeof s->chosen_why,
                 tr(lang_ui(), "smallest holdout error: %+.1f %% of the %.0f actual repeat purchases"),
                 100 * c->holdout_error, actual);
    else
        snprintf(s->chosen_why, sizeof s->chosen_why,
                 tr(lang_ui(), "smallest BIC (%.1f; no holdout to judge predictions by: give "
                               "--holdout-from to choose by holdout error)"),
                 c->bic);
    return 0;
}

int fit_forward_models(fit_state *s, const cust_summary *fit_cs, int n, diag *d)
{
    const fit_opts *o = s->o;
    if (o->model && !purchase_fit_find(o->model)) {
        char names[256] = "";
        for (int i = 0; purchase_fit_types[i]; i++)
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "",
                     purchase_fit_types[i]->name);
        return !strcmp(o->model, "bgbb")
                   ? diag_set(d, DIAG_USAGE,
                              "--model bgbb: BG/BB is for discrete opportunities (a yearly appeal, a "
                              "season), not purchases on any day; give it the compressed table "
                              "(columns frequency, recency, periods, count), or choose one of %s",
                              names)
                   : diag_set(d, DIAG_USAGE,
                              "--model %s: not a purchase model retsim fits; expected one of %s", o->model,
                              names);
    }
    double actual = s->holdout_days ? actual_holdout_repeats(s) : NAN;
    s->nfits = 0;
    for (int i = 0; purchase_fit_types[i] && s->nfits < (int)(sizeof s->fits / sizeof s->fits[0]); i++) {
        purchase_fit *f = &s->fits[s->nfits++];
        memset(f, 0, sizeof *f);
        f->type = purchase_fit_types[i];
    }
    /* The fits are independent of one another, Gamma-Gamma's too: they run
     * concurrently, one a thread (issue 14: each fit alone, parallel over
     * its starts, left a core idle in its serial parts: the restart, the
     * Newton polish, the Hessian).  Inside this region a fit's own parallel
     * loops run on the thread that has it (OpenMP's nesting is off), and a
     * fit's result does not depend on its number of threads, so the
     * results are those of the fits one after another.  Job 0 is the last
     * model of the registry, Pareto/NBD, the longest (its Nelder-Mead):
     * started first, the other thread meanwhile takes the rest. */
    int njobs = s->nfits + 1, status_of[sizeof s->fits / sizeof s->fits[0] + 1];
    /* (the same failures win as when Gamma-Gamma was fitted after the
     * purchase models, by the callers: the purchase models' first) */
    diag diag_of[sizeof s->fits / sizeof s->fits[0] + 1];
    memset(diag_of, 0, sizeof diag_of);
#pragma omp parallel for schedule(dynamic, 1)
    for (int j = 0; j < njobs; j++) {
        int i = s->nfits - 1 - j;   /* -1: Gamma-Gamma */
        status_of[j] = i >= 0 ? s->fits[i].type->fit(fit_cs, n, &s->fits[i], &diag_of[j])
                              : gg_fit_run(fit_cs, n, &s->gg, &diag_of[j]);
    }
    /* the customers grouped once for every model's holdout prediction */
    purchase_groups groups;
    int grouped = s->holdout_days && !purchase_groups_build(fit_cs, n, &groups);
    for (int i = 0; i < s->nfits; i++) {
        const purchase_fit_type *t = s->fits[i].type;
        purchase_fit *f = &s->fits[i];
        int j = s->nfits - 1 - i, status = status_of[j];
        if (status == DIAG_USAGE) {
            /* too few customers for any model: the log cannot be fitted */
            if (grouped)
                purchase_groups_free(&groups);
            *d = diag_of[j];
            return status;
        }
        if (status) {
            f->converged = 0;
            snprintf(f->note, sizeof f->note, "%s", diag_of[j].msg);
        }
        f->bic = -2 * f->loglik + t->npar * log((double)n);
        f->holdout_predicted = f->holdout_error = NAN;
        if (s->holdout_days) {
            double t_hold = s->holdout_days / o->period_days;
            double pred = grouped ? purchase_groups_expected_sum(&groups, f, t_hold)
                                  : purchase_fit_expected_sum(f, fit_cs, n, t_hold);
            f->holdout_predicted = pred;
            f->holdout_error = actual > 0 ? (pred - actual) / actual : NAN;
        }
    }
    if (grouped)
        purchase_groups_free(&groups);
    int status = choose_model(s, actual, d);
    if (!status && status_of[njobs - 1]) {
        *d = diag_of[njobs - 1];
        status = status_of[njobs - 1];
    }
    return status;
}

/* ---- customers_base.csv ---- */


/* customers_base.csv from the memory stream m (over *buf, *len) it was
 * written to: its checksum, for [base], then the file. */
static int commit_base_file(const char *dir, FILE *m, char **buf, size_t *len, char checksum[17], diag *d)
{
    if (fclose(m)) {
        free(*buf);
        return diag_set(d, DIAG_RUNTIME, "out of memory");
    }
    base_checksum(*buf, *len, checksum);
    char tmp[4200];
    FILE *f = out_open(dir, "customers_base.csv", tmp, sizeof tmp, d);
    if (!f) {
        free(*buf);
        return d->status;
    }
    fwrite(*buf, 1, *len, f);
    free(*buf);
    return out_commit(f, tmp, dir, "customers_base.csv", d);
}

/* Every customer of the log with a first purchase on or before the as-of
 * date, as they stand on it, in days; the checksum and the count go into
 * fitted.ini's [base]. */
static int write_base_customers(const char *dir, const fit_state *s, char checksum[17], int *count,
                                diag *d)
{
    const translog *t = s->log;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return diag_set(d, DIAG_RUNTIME, "out of memory");
    fprintf(m, "customer,first_purchase,last_purchase,purchases,%s,%s,%s,%s,total_spend\n", BASE_COL_X,
            BASE_COL_TX, BASE_COL_T, BASE_COL_ZBAR);
    *count = 0;
    for (int i = 0; i < t->ncust; i++) {
        int d0 = t->day[t->first[i]];
        if (d0 > s->cal_end)
            continue;
        int last = d0, x = 0;
        double repeat = 0, total = 0;
        for (int j = t->first[i]; j < t->first[i + 1] && t->day[j] <= s->cal_end; j++) {
            total += t->amount[j];
            if (j > t->first[i]) {
                x++;
                repeat += t->amount[j];
                last = t->day[j];
            }
        }
        char id[512], first_date[16], last_date[16];
        date_format(d0, first_date, sizeof first_date);
        date_format(last, last_date, sizeof last_date);
        fprintf(m, "%s,%s,%s,%d,%d,%d,%d,%.4f,%.4f\n", fit_report_csv_quote(t->ids[i], id, sizeof id), first_date,
                last_date, x + 1, x, last - d0, s->cal_end - d0, x ? repeat / x : 0.0, total);
        (*count)++;
    }
    return commit_base_file(dir, m, &buf, &len, checksum, d);
}

/* ---- param_draws.csv ---- */

/* n log-normal joint draws of k parameters: theta_hat exp(L z), L L' = cov.
 * A covariance that is not positive definite (a fit on its boundary) falls
 * back to the diagonal of the delta method, (se / theta)^2, and says so. */
static int draw_lognormal(const double *theta, const double *cov_log, const double *se, int k,
                          gsl_rng *r, double *out, int *diagonal)
{
    gsl_matrix *L = gsl_matrix_alloc((size_t)k, (size_t)k);
    if (!L)
        return -1;
    int full = 0;
    for (int i = 0; i < k * k; i++)
        full |= cov_log[i] != 0;
    if (full) {
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++)
                gsl_matrix_set(L, (size_t)i, (size_t)j, cov_log[i * k + j]);
        gsl_error_handler_t *old = gsl_set_error_handler_off();
        full = gsl_linalg_cholesky_decomp1(L) == 0;
        gsl_set_error_handler(old);
    }
    if (!full) {
        gsl_matrix_set_zero(L);
        for (int i = 0; i < k; i++)
            gsl_matrix_set(L, (size_t)i, (size_t)i, isfinite(se[i]) ? se[i] / theta[i] : 0.0);
    }
    *diagonal = !full;
    double z[PURCHASE_FIT_MAX_PAR];
    for (int j = 0; j < k; j++)
        z[j] = gsl_ran_ugaussian(r);
    for (int i = 0; i < k; i++) {
        double v = 0;
        for (int j = 0; j <= i; j++)
            v += gsl_matrix_get(L, (size_t)i, (size_t)j) * z[j];
        out[i] = theta[i] * exp(v);
    }
    gsl_matrix_free(L);
    return 0;
}

/* 1 when every value of a draw lies inside its key's range (the customer
 * model's section table: the scenario loader refuses anything else). */
static int draw_in_range(const char *section, const char *const *keys, const double *v, int k)
{
    const scen_section *const *all = scen_all_sections();
    for (int s = 0; all[s]; s++) {
        if (strcmp(all[s]->name, section))
            continue;
        for (int i = 0; i < k; i++)
            for (const scen_key *key = all[s]->keys; key->name; key++)
                if (!strcmp(key->name, keys[i])) {
                    int lo_ok = key->flags & KEY_MIN_OPEN ? v[i] > key->min : v[i] >= key->min;
                    int hi_ok = key->flags & KEY_MAX_OPEN ? v[i] < key->max : v[i] <= key->max;
                    if (!lo_ok || !hi_ok || !isfinite(v[i]))
                        return 0;
                }
    }
    return 1;
}

/* param_draws.csv: a header of section.key names (the model's parameters,
 * then Gamma-Gamma's when gg), one row of stride values per draw. */
static int write_draws_csv(const char *dir, const char *section, const char *const *names, int npar,
                           int gg, const double *rows, int nrows, int stride, diag *d)
{
    char tmp[4200];
    FILE *f = out_open(dir, "param_draws.csv", tmp, sizeof tmp, d);
    if (!f)
        return d->status;
    for (int k = 0; k < npar; k++)
        fprintf(f, "%s%s.%s", k ? "," : "", section, names[k]);
    fputs(gg ? ",gamma_gamma.p,gamma_gamma.q,gamma_gamma.gamma\n" : "\n", f);
    for (int i = 0; i < nrows; i++) {
        const double *row = rows + (size_t)i * (size_t)stride;
        for (int k = 0; k < npar + (gg ? 3 : 0); k++)
            fprintf(f, "%s%.9g", k ? "," : "", row[k]);
        fputc('\n', f);
    }
    return out_commit(f, tmp, dir, "param_draws.csv", d);
}

/* PARAM_DRAWS log-normal draws of a model's parameters (and, with g,
 * Gamma-Gamma's, drawn first in each row) into param_draws.csv. */
static int write_lognormal_draws(const char *dir, const char *section, const char *const *names, int npar,
                                 const double *par, const double *cov_log, const double *se, const gg_fit *g,
                                 diag *d)
{
    const int stride = PURCHASE_FIT_MAX_PAR + 3;
    double *rows = malloc((size_t)PARAM_DRAWS * stride * sizeof *rows);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!rows || !r) {
        free(rows);
        gsl_rng_free(r);
        return diag_set(d, DIAG_RUNTIME, "out of memory");
    }
    gsl_rng_set(r, PARAM_DRAWS_SEED);
    for (int row = 0; row < PARAM_DRAWS; row++) {
        double *a = rows + (size_t)row * stride, b[3];
        int diagonal;
        if (g) {
            const double gg[3] = { g->p, g->q, g->gamma };
            /* a draw with q <= 1 has no mean bill (gamma_gamma's check refuses
             * it): such draws are redrawn, a truncation of a far tail */
            do {
                draw_lognormal(gg, g->cov_log, g->se, 3, r, b, &diagonal);
            } while (b[1] <= 1.0);
        }
        /* a poorly identified parameter (a Beta's b from a short log, say) has a
         * log-normal tail beyond what the model's key allows: such draws are
         * redrawn, a truncation of that tail (the loader would refuse them) */
        int tries = 0;
        do
            draw_lognormal(par, cov_log, se, npar, r, a, &diagonal);
        while (!draw_in_range(section, names, a, npar) && ++tries < 1000);
        if (tries == 1000)   /* an estimate at the edge of the range itself: keep it */
            memcpy(a, par, sizeof(double) * (size_t)npar);
        if (g)
            memcpy(a + npar, b, sizeof b);
    }
    gsl_rng_free(r);
    int status = write_draws_csv(dir, section, names, npar, g != NULL, rows, PARAM_DRAWS, stride, d);
    free(rows);
    return status;
}

static int write_param_draws(const char *dir, fit_state *s, diag *d)
{
    return fit_forward_param_draws(dir, &s->fits[s->chosen], &s->gg, d);
}

int fit_forward_param_draws(const char *dir, const purchase_fit *c, const gg_fit *g, diag *d)
{
    const purchase_fit_type *t = c->type;
    return write_lognormal_draws(dir, t->name, t->par_names, t->npar, c->par, c->cov_log, c->se, g, d);
}

/* The nonparametric bootstrap (Efron and Tibshirani 1993): the chosen
 * model and Gamma-Gamma refitted on the customers resampled with
 * replacement, one row of param_draws.csv per refit.  It needs no normal
 * approximation, at the price of o->bootstrap fits.  A refit that does not
 * converge, or lands outside a key's range, is left out and counted; fewer
 * than half converging is an error (the fit itself is then fragile). */
static int write_bootstrap_draws(const char *dir, fit_state *s, diag *d)
{
    const purchase_fit *c = &s->fits[s->chosen];
    const purchase_fit_type *t = c->type;
    const int n = s->n, B = s->o->bootstrap > 0 ? s->o->bootstrap : 100;
    cust_summary *resample = malloc((size_t)n * sizeof *resample);
    double *rows = malloc((size_t)B * (PURCHASE_FIT_MAX_PAR + 3) * sizeof *rows);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!resample || !rows || !r) {
        free(resample);
        free(rows);
        gsl_rng_free(r);
        return diag_set(d, DIAG_RUNTIME, "out of memory");
    }
    gsl_rng_set(r, PARAM_DRAWS_SEED);
    int kept = 0, progress = isatty(2) && !s->o->quiet;
    for (int b = 0; b < B; b++) {
        if (progress) {
            fputc('\r', stderr);
            fprintf(stderr, tr(lang_ui(), "retsim fit: bootstrap refit %d of %d"), b + 1, B);
        }
        for (int i = 0; i < n; i++)
            resample[i] = s->fit_cs[gsl_rng_uniform_int(r, (unsigned long)n)];
        purchase_fit f = { .type = t };
        gg_fit g;
        diag ignored = { 0 };
        if (t->fit(resample, n, &f, &ignored) || !f.converged
            || gg_fit_run(resample, n, &g, &ignored) || !g.converged || g.q <= 1
            || !draw_in_range(t->name, t->par_names, f.par, t->npar))
            continue;
        double *row = rows + (size_t)kept * (PURCHASE_FIT_MAX_PAR + 3);
        memcpy(row, f.par, sizeof(double) * (size_t)t->npar);
        row[t->npar] = g.p;
        row[t->npar + 1] = g.q;
        row[t->npar + 2] = g.gamma;
        kept++;
    }
    if (progress)
        fputc('\n', stderr);
    gsl_rng_free(r);
    free(resample);
    if (kept < B / 2) {
        free(rows);
        return diag_set(d, DIAG_RUNTIME,
                        "bootstrap: only %d of %d refits on resampled customers converged; the fit is "
                        "fragile on this log: use --param-uncertainty hessian or more data",
                        kept, B);
    }
    s->bootstrap_kept = kept;
    int status = write_draws_csv(dir, t->name, t->par_names, t->npar, 1, rows, kept, PURCHASE_FIT_MAX_PAR + 3, d);
    free(rows);
    return status;
}

/* ---- fitted.ini ---- */

/* [uncertainty], naming param_draws.csv, unless --param-uncertainty off. */
static void write_uncertainty_section(FILE *f, const char *method)
{
    if (!strcmp(method, "off"))
        return;
    fprintf(f, "\n; each pair of replications draws its parameters from the fit's sampling\n"
               "; distribution (--param-uncertainty off on run or compare uses the estimates)\n"
               "[uncertainty]\ndraws = param_draws.csv\nmethod = %s\n",
            method);
}

static int write_fitted(const char *dir, fit_state *s, const char *checksum, int count, diag *d)
{
    const fit_opts *o = s->o;
    const purchase_fit *c = &s->fits[s->chosen];
    const purchase_fit_type *t = c->type;
    char as_of[16];
    date_format(s->cal_end, as_of, sizeof as_of);
    int horizon = s->holdout_days ? s->holdout_days : o->horizon_days;
    char tmp[4200];
    FILE *f = out_open(dir, "fitted.ini", tmp, sizeof tmp, d);
    if (!f)
        return d->status;
    fprintf(f,
            "; Fitted by `retsim fit %s`: the %s purchase model (%s) and Gamma-Gamma spend,\n"
            "; by maximum likelihood on %d customers; the fit's time unit is the %s.\n"
            "; Chosen among the models of models.csv: %s.\n"
            "; The history ends on %s: the simulation starts the day after from the %d customers\n"
            "; of customers_base.csv as they stand then (each one's hidden rate, dropout and spend drawn from\n"
            "; their own history) and projects %d days forward%s.\n"
            "; Set [economics] to your margins, then try promotions on it:\n"
            ";   retsim run fitted.ini; retsim compare fitted.ini my_idea.ini (base = fitted.ini)\n\n",
            o->file, t->label, t->source, c->n, o->period_name, s->chosen_why, as_of, count, horizon,
            s->holdout_days ? " (the holdout)" : "");
    fprintf(f, "[scenario]\nname = fitted\ndescription = \"%s customers of %s from %s\"\nhorizon_days = %d\n\n",
            t->label, o->file, as_of, horizon);
    fprintf(f, "[base]\ncustomers = customers_base.csv\nas_of = %s\ncount = %d\nchecksum = %s\n\n", as_of, count,
            checksum);
    fprintf(f, "[customer]\nmodel = %s\n\n", t->name);
    if (s->new_per_day > 0)
        fprintf(f,
                "; new customers: first purchases a day over the last %d days before day 0\n"
                "[channel.observed]\nprospects_per_day = %.6g\nstep_conversion = 1\n\n",
                FIT_RECENT_DAYS, s->new_per_day);
    else
        fprintf(f,
                "; no first purchase in the last %d days before day 0, so no new customers;\n"
                "; add them with e.g. --set channel.observed.prospects_per_day=5 (and step_conversion = 1)\n\n",
                FIT_RECENT_DAYS);
    fprintf(f, "[%s]\n", t->name);
    for (int k = 0; k < t->npar; k++)
        fprintf(f, "%s = %.6g\n", t->par_names[k], c->par[k]);
    fprintf(f, "period_days = %.6g\n\n", o->period_days);
    fprintf(f, "[gamma_gamma]\np = %.6g\nq = %.6g\ngamma = %.6g\n\n", s->gg.p, s->gg.q, s->gg.gamma);
    fprintf(f, "[economics]\ngross_margin = 0.6\ndiscount_rate = 0.1\n");
    write_uncertainty_section(f, o->param_uncertainty);
    return out_commit(f, tmp, dir, "fitted.ini", d);
}

static int write_models_csv(const char *dir, const fit_state *s, diag *d)
{
    char tmp[4200];
    FILE *f = out_open(dir, "models.csv", tmp, sizeof tmp, d);
    if (!f)
        return d->status;
    fprintf(f, "model,label,chosen,converged,customers,loglik,parameters,bic,holdout_predicted,"
               "holdout_relative_error,par1,par1_value,par1_se,par2,par2_value,par2_se,par3,par3_value,"
               "par3_se,par4,par4_value,par4_se,note\n");
    for (int i = 0; i < s->nfits; i++) {
        const purchase_fit *p = &s->fits[i];
        const purchase_fit_type *t = p->type;
        char note[4200];
        fprintf(f, "%s,%s,%d,%d,%d,%.4f,%d,%.4f,%s%.2f,%s%.6f", t->name, t->label, i == s->chosen,
                p->converged, p->n, p->loglik, t->npar, p->bic, "", p->holdout_predicted, "",
                p->holdout_error);
        for (int k = 0; k < PURCHASE_FIT_MAX_PAR; k++)
            if (k < t->npar)
                fprintf(f, ",%s,%.6g,%.6g", t->par_names[k], p->par[k], p->se[k]);
            else
                fprintf(f, ",,,");
        fprintf(f, ",%s\n", fit_report_csv_quote(p->note, note, sizeof note));
    }
    return out_commit(f, tmp, dir, "models.csv", d);
}

int fit_forward_write(const char *dir, fit_state *s, diag *d)
{
    char checksum[17];
    int count = 0, status;
    if ((status = write_base_customers(dir, s, checksum, &count, d))
        || (status = write_fitted(dir, s, checksum, count, d))
        || (status = write_models_csv(dir, s, d))
        || (!strcmp(s->o->param_uncertainty, "hessian") && (status = write_param_draws(dir, s, d)))
        || (!strcmp(s->o->param_uncertainty, "bootstrap") && (status = write_bootstrap_draws(dir, s, d))))
        return status;
    return 0;
}

/* ---- the holdout by simulation ---- */

/* Each purchase of a base customer is counted straight into its group's
 * total (a byte per customer to look its group up: 100 KB for 100,000
 * customers, where a count per customer, 800 KB, missed the cache on every
 * purchase; issue 14).  The counts are whole numbers: the same totals. */
typedef struct holdout_obs {
    const unsigned char *group; /* per base customer */
    int n;
    double tot[HOLDOUT_GROUPS]; /* this replication */
} holdout_obs;

static void observe(void *ctx, uint64_t customer, double day, double bill, int group)
{
    (void)group;
    (void)day;
    (void)bill;
    holdout_obs *h = ctx;
    if (!(customer >> 63))
        return;                 /* a new customer, not one of the base */
    uint64_t row = customer & BASE_ID_MASK;
    if (row < (uint64_t)h->n)
        h->tot[h->group[row]] += 1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double quantile_sorted(const double *v, int n, double q)
{
    double pos = q * (n - 1);
    int lo = (int)pos;
    return lo + 1 < n ? v[lo] + (pos - lo) * (v[lo + 1] - v[lo]) : v[lo];
}

/* Replications of the holdout by simulation (issue 14).  Up to
 * HOLDOUT_FULL_BASE base customers (the CDNOW sample's 2,357 among them):
 * 200, and the band is the 2.5 % and 97.5 % quantiles of the replications'
 * totals.  Beyond, the replications shrink in proportion to the base, to at
 * least HOLDOUT_MIN_REPS (40 for 100,000 customers; each replication of
 * them was most of `retsim fit`'s time): the Monte Carlo error per customer
 * of the simulated mean, sd / sqrt(reps) / customers with sd of order
 * sqrt(customers), stays below the 200 replications' of 20,000 customers
 * (it is written beside it, simulated_mc_se).  So few replications cannot
 * place a 2.5 % quantile (one replication below it), so the band is then
 * the normal one, mean -/+ 1.96 sd: each total is a sum over thousands of
 * independent customers (the smallest group of bench/make_log.c's 100,000
 * has 1,073), normal to a good approximation by the central limit theorem. */
#define HOLDOUT_FULL_REPS 200
#define HOLDOUT_FULL_BASE 20000
#define HOLDOUT_MIN_REPS 40

static int holdout_reps(int nbase)
{
    if (nbase <= HOLDOUT_FULL_BASE)
        return HOLDOUT_FULL_REPS;
    double reps = ceil((double)HOLDOUT_FULL_REPS * HOLDOUT_FULL_BASE / nbase);
    return reps > HOLDOUT_MIN_REPS ? (int)reps : HOLDOUT_MIN_REPS;
}

int fit_forward_holdout(const char *dir, fit_state *s, const fit_side_job *alongside, diag *d)
{
    if (!s->holdout_days)
        return alongside ? alongside->run(alongside->ctx, d) : 0;
    char path[4200];
    snprintf(path, sizeof path, "%s/fitted.ini", dir);
    /* the holdout's check is of the point estimate: parameter draws off */
    const char *sets[] = { "channel.observed.prospects_per_day=0" };
    scenario *sc;
    engine *e = engine_load(path, s->new_per_day > 0 ? sets : NULL, s->new_per_day > 0 ? 1 : 0, &sc, d);
    if (!e)
        return d->status;
    const translog *t = s->log;
    /* the base's rows in file order: customers with a first purchase by the calibration end */
    int nbase = 0;
    unsigned char *group = malloc((size_t)t->ncust * sizeof *group);
    double *actual_row = malloc((size_t)t->ncust * sizeof *actual_row);
    for (int i = 0; i < t->ncust; i++)
        nbase += s->cs[i].first_day <= s->cal_end;
    int reps = s->o->sim_reps > 0 ? s->o->sim_reps : holdout_reps(nbase);
    s->sim_holdout_reps = reps;
    nbase = 0;
    double *totals = calloc((size_t)reps * (HOLDOUT_GROUPS + 1), sizeof *totals);
    if (!group || !actual_row || !totals) {
        free(group);
        free(actual_row);
        free(totals);
        engine_free(e);
        scen_free(sc);
        return diag_set(d, DIAG_RUNTIME, "out of memory");
    }
    double actual[HOLDOUT_GROUPS + 1] = { 0 }, customers[HOLDOUT_GROUPS] = { 0 };
    double closed[HOLDOUT_GROUPS + 1] = { 0 };
    const purchase_fit *c = &s->fits[s->chosen];
    for (int i = 0; i < t->ncust; i++) {
        const cust_summary *cs = &s->cs[i];
        if (cs->first_day > s->cal_end)
            continue;
        int g = cs->x >= HOLDOUT_GROUPS - 1 ? HOLDOUT_GROUPS - 1 : (int)cs->x;
        group[nbase] = (unsigned char)g;
        actual_row[nbase] = cs->n_holdout;
        actual[g] += cs->n_holdout;
        actual[HOLDOUT_GROUPS] += cs->n_holdout;
        customers[g] += 1;
        double ex = c->type->expected_conditional(c, cs->x, cs->t_x, cs->T, s->holdout_days / s->o->period_days);
        closed[g] += ex;
        closed[HOLDOUT_GROUPS] += ex;
        nbase++;
    }
    (void)actual_row;
    int status = 0, side_status = 0;
    diag side_d = { 0 };
    /* The side job (the report's files) on one thread while the others
     * start on the replications; that thread joins them when it is done
     * (issue 14: the two were one after the other, each leaving a core
     * idle for part of its time).  The replications' totals are indexed
     * by replication, so they are the same whichever thread makes them. */
#pragma omp parallel
    {
#pragma omp single nowait
        if (alongside)
            side_status = alongside->run(alongside->ctx, &side_d);
        engine_work *w = engine_work_alloc(e);
        rep_result *out = rep_alloc(engine_horizon(e));
        holdout_obs h = { group, nbase, { 0 } };
        int ok = w && out;
        if (ok)
            engine_work_observe(w, observe, &h);
#pragma omp for schedule(dynamic)
        for (int r = 0; r < reps; r++) {
            if (!ok)
                continue;
            diag rd = { 0 };
            memset(h.tot, 0, sizeof h.tot);
            if (engine_replicate(e, w, 1, r, out, &rd)) {
#pragma omp critical
                status = DIAG_RUNTIME;
                continue;
            }
            double *row = totals + (size_t)r * (HOLDOUT_GROUPS + 1);
            for (int g = 0; g < HOLDOUT_GROUPS; g++) {
                row[g] = h.tot[g];
                row[HOLDOUT_GROUPS] += h.tot[g];
            }
        }
        if (!ok) {
#pragma omp critical
            status = DIAG_RUNTIME;
        }
        rep_free(out);
        engine_work_free(w);
    }
    engine_free(e);
    scen_free(sc);
    free(group);
    free(actual_row);
    if (status) {
        free(totals);
        return diag_set(d, DIAG_RUNTIME, "out of memory simulating the holdout");
    }
    if (side_status) {
        free(totals);
        *d = side_d;
        return side_status;
    }
    char tmp[4200];
    FILE *f = out_open(dir, "holdout_by_frequency.csv", tmp, sizeof tmp, d);
    if (!f) {
        free(totals);
        return d->status;
    }
    fprintf(f, "calibration_repeat_purchases,customers,actual_per_customer,simulated_per_customer,"
               "simulated_low,simulated_high,closed_form_per_customer,simulated_mc_se\n");
    double *col = malloc((size_t)reps * sizeof *col);
    for (int g = 0; g <= HOLDOUT_GROUPS && col; g++) {
        double mean = 0, ss = 0;
        for (int r = 0; r < reps; r++)
            mean += col[r] = totals[(size_t)r * (HOLDOUT_GROUPS + 1) + g];
        mean /= reps;
        for (int r = 0; r < reps; r++)
            ss += (col[r] - mean) * (col[r] - mean);
        double sd = reps > 1 ? sqrt(ss / (reps - 1)) : 0, mc_se = sd / sqrt(reps);
        qsort(col, (size_t)reps, sizeof *col, cmp_double);
        double lo = quantile_sorted(col, reps, 0.025), hi = quantile_sorted(col, reps, 0.975);
        if (reps < HOLDOUT_FULL_REPS) {
            /* see holdout_reps: the normal band */
            lo = fmax(0, mean - 1.96 * sd);
            hi = mean + 1.96 * sd;
        }
        if (g == HOLDOUT_GROUPS) {
            s->sim_holdout_mean = mean;
            s->sim_holdout_lo = lo;
            s->sim_holdout_hi = hi;
            s->sim_holdout_mc_se = mc_se;
            continue;   /* the total is in summary.json and on stdout */
        }
        double k = customers[g] > 0 ? customers[g] : 1;
        char label[8];
        snprintf(label, sizeof label, g < HOLDOUT_GROUPS - 1 ? "%d" : "%d+", g);
        fprintf(f, "%s,%.0f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f\n", label, customers[g], actual[g] / k, mean / k, lo / k,
                hi / k, closed[g] / k, mc_se / k);
    }
    free(totals);
    if (!col) {
        fclose(f);
        return diag_set(d, DIAG_RUNTIME, "out of memory");
    }
    free(col);
    if (out_commit(f, tmp, dir, "holdout_by_frequency.csv", d))
        return d->status;
    char legend_sim[128];
    snprintf(legend_sim, sizeof legend_sim, tr(LANG_EN, "%s, simulated"), c->type->label);
    plot_series ser[] = { { .legend = "actual" }, { .legend = legend_sim } };
    if (figures_series(dir, "holdout_by_frequency.csv", "calibration_repeat_purchases", "actual_per_customer",
                       NULL, NULL, &ser[0], d)
        || figures_series(dir, "holdout_by_frequency.csv", "calibration_repeat_purchases",
                          "simulated_per_customer", "simulated_low", "simulated_high", &ser[1], d))
        return d->status;
    plot_spec sp = { "holdout_by_frequency", PLOT_BARS, PLOT_PNG,
                     "Holdout: repeat purchases per customer by purchases before it, actual against simulated",
                     "repeat purchases in the calibration period (count)",
                     "repeat purchases in the holdout per customer (count)", ser, 2, 0, NULL, 0, 0,
                     "95 % band of the simulation (replications)" };
    return figures_render(dir, &sp, PLOT_PNG, LANG_EN, d);
}

/* ---- BG/BB from a compressed table ---- */

static const char *const bgbb_names[] = { "alpha", "beta", "gamma", "delta" };

int fit_forward_write_bgbb(const char *dir, const fit_opts *o, const bgbb_row *rows, int nrows,
                           const bgbb_fit *f, long as_of, diag *d)
{
    const double P = o->period_days;
    /* customers_base.csv: every customer of the table, in days */
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return diag_set(d, DIAG_RUNTIME, "out of memory");
    fprintf(m, "customer,%s,%s,%s,%s\n", BASE_COL_X, BASE_COL_TX, BASE_COL_T, BASE_COL_ZBAR);
    int count = 0;
    for (int k = 0; k < nrows; k++)
        for (long j = 0; j < (long)rows[k].count; j++)
            fprintf(m, "row%d-%ld,%d,%.6g,%.6g,0\n", k + 1, j + 1, rows[k].x, rows[k].t_x * P, rows[k].n * P),
                count++;
    char checksum[17], tmp[4200];
    if (commit_base_file(dir, m, &buf, &len, checksum, d))
        return d->status;

    char date[16];
    date_format(as_of, date, sizeof date);
    FILE *fi = out_open(dir, "fitted.ini", tmp, sizeof tmp, d);
    if (!fi)
        return d->status;
    fprintf(fi,
            "; Fitted by `retsim fit %s`: BG/BB (Fader, Hardie and Shang 2010) by maximum likelihood\n"
            "; on %d customers of a compressed table, one opportunity every %.6g days.\n"
            "; The customers stand as they were after their last opportunity on %s; the\n"
            "; simulation starts the day after and projects %d days forward.  The table has no\n"
            "; amounts: [gamma_gamma] keeps its defaults until you set your own.\n\n",
            o->file, count, P, date, o->horizon_days);
    fprintf(fi, "[scenario]\nname = fitted\ndescription = \"BG/BB customers of %s\"\nhorizon_days = %d\n\n",
            o->file, o->horizon_days);
    fprintf(fi, "[base]\ncustomers = customers_base.csv\nas_of = %s\ncount = %d\nchecksum = %s\n\n", date,
            count, checksum);
    fprintf(fi, "[customer]\nmodel = bgbb\n\n[bgbb]\nalpha = %.6g\nbeta = %.6g\ngamma = %.6g\ndelta = %.6g\n"
                "period_days = %.6g\n\n[economics]\ngross_margin = 0.6\ndiscount_rate = 0.1\n",
            f->alpha, f->beta, f->gamma, f->delta, P);
    write_uncertainty_section(fi, o->param_uncertainty);
    if (out_commit(fi, tmp, dir, "fitted.ini", d))
        return d->status;

    const double par[4] = { f->alpha, f->beta, f->gamma, f->delta };
    FILE *fm = out_open(dir, "models.csv", tmp, sizeof tmp, d);
    if (!fm)
        return d->status;
    fprintf(fm, "model,label,chosen,converged,customers,loglik,parameters,bic");
    for (int k = 0; k < 4; k++)
        fprintf(fm, ",par%d,par%d_value,par%d_se", k + 1, k + 1, k + 1);
    fprintf(fm, "\nbgbb,BG/BB,1,%d,%d,%.4f,4,%.4f", f->converged, f->n_customers, f->loglik,
            -2 * f->loglik + 4 * log((double)f->n_customers));
    for (int k = 0; k < 4; k++)
        fprintf(fm, ",%s,%.6g,%.6g", bgbb_names[k], par[k], f->se[k]);
    fputc('\n', fm);
    if (out_commit(fm, tmp, dir, "models.csv", d))
        return d->status;

    if (strcmp(o->param_uncertainty, "off")
        && write_lognormal_draws(dir, "bgbb", bgbb_names, 4, par, f->cov_log, f->se, NULL, d))
        return d->status;

    json_t *root = json_object();
    json_object_set_new(root, "file", json_string(o->file));
    json_t *b = json_object();
    for (int k = 0; k < 4; k++) {
        char se[32];
        json_object_set_new(b, bgbb_names[k], out_json_number(par[k]));
        snprintf(se, sizeof se, "%s_se", bgbb_names[k]);
        json_object_set_new(b, se, out_json_number(f->se[k]));
    }
    json_object_set_new(b, "loglik", out_json_number(f->loglik));
    json_object_set_new(b, "customers", json_integer(f->n_customers));
    json_object_set_new(b, "table_rows", json_integer(nrows));
    json_object_set_new(b, "converged", json_boolean(f->converged));
    json_object_set_new(root, "bgbb", b);
    json_t *ch = json_object();
    json_object_set_new(ch, "model", json_string("bgbb"));
    json_object_set_new(ch, "why", json_string("a compressed table of discrete opportunities: BG/BB"));
    json_object_set_new(ch, "as_of", json_string(date));
    json_object_set_new(root, "forward_baseline", ch);
    return out_json_commit(root, dir, "summary.json", d);
}

void fit_forward_print_bgbb(const fit_opts *o, const bgbb_fit *f, int nrows, const char *outdir)
{
    lang_id L = lang_ui();
    printf(tr(L, "%s: a compressed table of %d customers in %d lines (frequency, recency, periods)\n"), o->file,
           f->n_customers, nrows);
    printf(tr(L, "  BG/BB: alpha = %.4g (%.2g), beta = %.4g (%.2g), gamma = %.4g (%.2g), delta = %.4g (%.2g), "
                 "log-likelihood %.1f\n"),
           f->alpha, f->se[0], f->beta, f->se[1], f->gamma, f->se[2], f->delta, f->se[3], f->loglik);
    printf(tr(L, "  wrote %s/ (summary.json, models.csv, customers_base.csv, param_draws.csv, fitted.ini); "
                 "next: retsim run %s/fitted.ini\n"),
           outdir, outdir);
}

void fit_forward_print(const fit_state *s)
{
    lang_id L = lang_ui();
    printf("%s\n", tr(L, "  purchase models (models.csv):"));
    printf("    %-11s %12s %10s %12s  %s\n", tr(L, "model"), tr(L, "log-lik."), tr(L, "BIC"),
           s->holdout_days ? tr(L, "holdout err.") : "", tr(L, "parameters (standard error)"));
    for (int i = 0; i < s->nfits; i++) {
        const purchase_fit *f = &s->fits[i];
        char pars[256] = "", err[32] = "";
        for (int k = 0; k < f->type->npar; k++)
            snprintf(pars + strlen(pars), sizeof pars - strlen(pars), "%s%s %.4g (%.2g)", k ? ", " : "",
                     f->type->par_names[k], f->par[k], f->se[k]);
        if (s->holdout_days)
            snprintf(err, sizeof err, "%+.1f %%", 100 * f->holdout_error);
        printf("  %s %-11s %12.1f %10.1f %12s  %s%s\n", i == s->chosen ? "*" : " ", f->type->label, f->loglik,
               f->bic, err, pars, f->converged ? "" : tr(L, "  [did not converge]"));
    }
    printf(tr(L, "  forward baseline on %s: %s\n"), s->fits[s->chosen].type->label, s->chosen_why);
    if (!strcmp(s->o->param_uncertainty, "bootstrap"))
        printf(tr(L, "  parameter uncertainty: %d of %d bootstrap refits converged (param_draws.csv)\n"),
               s->bootstrap_kept, s->o->bootstrap);
    if (s->holdout_days)
        printf(tr(L, "  holdout by simulation: %.0f repeat purchases simulated [%.0f, %.0f], %.0f actual "
                     "(holdout_by_frequency.csv)\n"),
               s->sim_holdout_mean, s->sim_holdout_lo, s->sim_holdout_hi, s->holdout_actual);
}
