/* pilot: the model-free estimate (see pilot.h). */
#include "pilot.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Welch's two-sample interval for mean_t - mean_c (unequal variances, the
 * Welch-Satterthwaite degrees of freedom: Welch 1947, Biometrika 34): the
 * groups of a pilot need not be the same size nor equally spread. */
static void welch(const double *y, const int *g, int n, pilot_effect *e)
{
    double s[2] = { 0 }, ss[2] = { 0 };
    int k[2] = { 0 };
    for (int i = 0; i < n; i++) {
        s[g[i]] += y[i];
        k[g[i]]++;
    }
    for (int j = 0; j < 2; j++)
        e->mean[j] = s[j] / k[j];
    for (int i = 0; i < n; i++)
        ss[g[i]] += (y[i] - e->mean[g[i]]) * (y[i] - e->mean[g[i]]);
    double v[2];
    for (int j = 0; j < 2; j++) {
        v[j] = ss[j] / (k[j] - 1) / k[j];   /* the squared standard error of a group's mean */
        e->se_mean[j] = sqrt(v[j]);
        e->n[j] = k[j];
    }
    e->diff = e->mean[PILOT_T] - e->mean[PILOT_C];
    e->se = sqrt(v[0] + v[1]);
    double den = v[0] * v[0] / (k[0] - 1) + v[1] * v[1] / (k[1] - 1);
    e->df = den > 0 ? (v[0] + v[1]) * (v[0] + v[1]) / den : (double)(k[0] + k[1] - 2);
    double q = gsl_cdf_tdist_Pinv(0.975, e->df);
    e->ci_low = e->diff - q * e->se;
    e->ci_high = e->diff + q * e->se;
}

/* CUPED (Deng et al. 2013, section 3.2): Y - theta (X - mean X) with
 * theta = cov(Y, X) / var(X) over both groups together.  X is measured
 * before the start, so the promotion cannot have moved it and the
 * adjusted difference estimates the same effect; it removes the part of
 * each group's spread that the customers' own history already predicted.
 * Pooling theta over both groups is the paper's choice; with random groups
 * its bias is of order 1/n. */
static void cuped(const double *y, const double *x, const int *g, int n, double *adj,
                  pilot_effect *raw, pilot_effect *e)
{
    double mx = gsl_stats_mean(x, 1, (size_t)n);
    double vx = gsl_stats_variance_m(x, 1, (size_t)n, mx);
    double theta = vx > 0 ? gsl_stats_covariance(y, 1, x, 1, (size_t)n) / vx : 0;
    for (int i = 0; i < n; i++)
        adj[i] = y[i] - theta * (x[i] - mx);
    welch(adj, g, n, e);
    e->theta = theta;
    e->var_reduction = raw->se > 0 ? 1 - e->se * e->se / (raw->se * raw->se) : 0;
}

static void balance(pilot_balance *b, const char *name, const double *v, const int *g, int n,
                    double *tmp)
{
    b->variable = name;
    double var[2];
    for (int j = 0; j < 2; j++) {
        int k = 0;
        for (int i = 0; i < n; i++)
            if (g[i] == j)
                tmp[k++] = v[i];
        b->mean[j] = gsl_stats_mean(tmp, 1, (size_t)k);
        var[j] = gsl_stats_variance_m(tmp, 1, (size_t)k, b->mean[j]);
        b->sd[j] = sqrt(var[j]);
    }
    /* the standardised difference of Austin (2009, Statistics in Medicine
     * 28, "Balance diagnostics for comparing the distribution of baseline
     * covariates"): free of the sample size, unlike a test's p-value;
     * |d| > 0.1 is his usual mark of imbalance */
    double pooled = sqrt((var[0] + var[1]) / 2);
    b->smd = pooled > 0 ? (b->mean[PILOT_T] - b->mean[PILOT_C]) / pooled : 0;
}

int pilot_estimate(const translog *t, const int *group, int start, int end, pilot_result *r,
                   diag *d)
{
    memset(r, 0, sizeof *r);
    r->start = start;
    r->end = end;
    r->post_days = end - start + 1;
    /* the period before: as long as the one since the start, as far as the
     * log reaches back (Deng et al. use the same length before) */
    int pre_from = start - r->post_days;
    if (pre_from < t->min_day)
        pre_from = t->min_day;
    r->pre_days = start - pre_from;
    int n = 0;
    for (int i = 0; i < t->ncust; i++) {
        int first = t->day[t->first[i]];
        if (first < start) {
            r->n[group[i]]++;
            n++;
        } else if (first <= end) {
            r->n_new[group[i]]++;
            for (int k = t->first[i]; k < t->first[i + 1] && t->day[k] <= end; k++) {
                r->new_purchases[group[i]] += 1;
                r->new_revenue[group[i]] += t->amount[k];
            }
        }
    }
    if (r->n[PILOT_T] < 2 || r->n[PILOT_C] < 2) {
        /* no history to speak of (e.g. a welcome offer tried on new
         * customers only): the customers who arrived since the start can
         * still be compared, without CUPED (nothing before the start to
         * adjust with) and without the balance table (no pre-period) */
        if (r->n_new[PILOT_T] < 2 || r->n_new[PILOT_C] < 2) {
            int g = r->n[PILOT_T] < 2 ? PILOT_T : PILOT_C;
            int gn = r->n_new[PILOT_T] < 2 ? PILOT_T : PILOT_C;
            return diag_set(d, DIAG_USAGE,
                            "the %s group has %d customer(s) with a purchase before the start and the %s "
                            "group %d new customer(s) since it: a comparison needs at least 2 in each group, "
                            "among the customers with history or among the new ones",
                            g == PILOT_T ? "treatment" : "control", r->n[g],
                            gn == PILOT_T ? "treatment" : "control", r->n_new[gn]);
        }
        r->no_history = 1;
        n = r->n_new[PILOT_T] + r->n_new[PILOT_C];
    }
    r->nweeks = r->post_days / 7 > 0 ? r->post_days / 7 : 1;   /* whole weeks; a pilot under one: that */
    enum { YP, YR, XP, XR, BP, BS, BD, ADJ, TMP, NV };
    double *v[NV];
    int *g = malloc((size_t)n * sizeof *g);
    double *wk = calloc((size_t)n * (size_t)r->nweeks, sizeof *wk);
    r->weeks = calloc((size_t)r->nweeks, sizeof *r->weeks);
    int ok = g && wk && r->weeks;
    for (int j = 0; j < NV; j++)
        ok &= (v[j] = calloc((size_t)n, sizeof *v[j])) != NULL;
    if (!ok) {
        for (int j = 0; j < NV; j++)
            free(v[j]);
        free(g);
        free(wk);
        pilot_result_free(r);
        return diag_set(d, DIAG_RUNTIME, "out of memory");
    }
    int m = 0;
    for (int i = 0; i < t->ncust; i++) {
        int first = t->day[t->first[i]];
        if (r->no_history ? first < start || first > end : first >= start)
            continue;
        g[m] = group[i];
        int last = t->min_day;
        for (int k = t->first[i]; k < t->first[i + 1]; k++) {
            int day = t->day[k];
            double a = t->amount[k];
            if (day < start) {
                v[BP][m] += 1;
                v[BS][m] += a;
                last = day;
                if (day >= pre_from) {
                    v[XP][m] += 1;
                    v[XR][m] += a;
                }
            } else if (day <= end) {
                v[YP][m] += 1;
                v[YR][m] += a;
                int w = (day - start) / 7;
                if (w < r->nweeks)
                    wk[(size_t)w * (size_t)n + (size_t)m] += 1;
            }
        }
        v[BD][m] = start - last;
        m++;
    }
    balance(&r->bal[0], "purchases", v[BP], g, n, v[TMP]);
    balance(&r->bal[1], "spend", v[BS], g, n, v[TMP]);
    balance(&r->bal[2], "days_since_last_purchase", v[BD], g, n, v[TMP]);
    if (r->no_history)   /* all zero before the start: nothing to compare */
        for (int j = 0; j < PILOT_NBAL; j++)
            r->bal[j].mean[0] = r->bal[j].mean[1] = r->bal[j].sd[0] = r->bal[j].sd[1] = r->bal[j].smd = 0;
    for (int j = 0; j < PILOT_NBAL; j++)
        r->unbalanced |= fabs(r->bal[j].smd) > 0.1;
    for (int k = 0; k < 2; k++) {
        pilot_effect *raw = &r->eff[2 * k], *cu = &r->eff[2 * k + 1];
        welch(v[k ? YR : YP], g, n, raw);
        cuped(v[k ? YR : YP], v[k ? XR : XP], g, n, v[ADJ], raw, cu);
        raw->metric = cu->metric = k ? "revenue" : "purchases";
        raw->method = "raw";
        cu->method = "cuped";
        double base = raw->mean[PILOT_C];
        raw->relative = base != 0 ? raw->diff / base : NAN;
        cu->relative = base != 0 ? cu->diff / base : NAN;
    }
    for (int w = 0; w < r->nweeks; w++) {
        pilot_effect e = { 0 };
        welch(wk + (size_t)w * (size_t)n, g, n, &e);
        r->weeks[w].week = w;
        for (int j = 0; j < 2; j++) {
            double q = gsl_cdf_tdist_Pinv(0.975, e.n[j] - 1);
            double sd = 0;
            for (int i = 0; i < n; i++)
                if (g[i] == j) {
                    double dv = wk[(size_t)w * (size_t)n + (size_t)i] - e.mean[j];
                    sd += dv * dv;
                }
            double se = sqrt(sd / (e.n[j] - 1) / e.n[j]);
            r->weeks[w].mean[j] = e.mean[j];
            r->weeks[w].low[j] = e.mean[j] - q * se;
            r->weeks[w].high[j] = e.mean[j] + q * se;
        }
    }
    for (int j = 0; j < NV; j++)
        free(v[j]);
    free(g);
    free(wk);
    return 0;
}

void pilot_result_free(pilot_result *r)
{
    free(r->weeks);
    r->weeks = NULL;
}
