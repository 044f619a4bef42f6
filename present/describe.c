/* describe: what a transaction log says before any model.
 *
 * Conventions (each checked in tests/test_translog.c):
 *
 * describe_summarise, the BTYD summary (Fader, Hardie and Lee 2005, and the
 *   lifetimes package's summary_data_from_transaction_data):
 *   - time 0 is the day of the first purchase; a day is a whole unit, and
 *     several purchases on one day are already one transaction (translog);
 *   - x   = transactions on or before cal_end_day, minus the first;
 *   - t_x = (day of the last of them - first day) / period_days;
 *   - T   = (cal_end_day - first day) / period_days, so a customer whose first
 *     purchase is on cal_end_day has T = 0 (and one after it T < 0, x = 0);
 *   - zbar = mean value of the x repeat transactions (0 when x = 0);
 *   - total = value of every transaction in the calibration span;
 *   - n_holdout = transactions after cal_end_day.
 *   On the CDNOW sample with cal_end_day = 1997-09-30 and period_days = 7
 *   these reproduce lifetimes' published frequency, recency, T and zbar for
 *   all 2357 customers to 2 decimals.
 *
 * describe_write describes the log as of cal_end_day: transactions after it
 * are left out (they are the holdout), so pass t->max_day to describe
 * everything.  Files:
 *
 *   rfm.csv  one row per customer:
 *     customer_id, frequency (transactions), recency_days (as-of day minus the
 *     last purchase: the R of RFM, not lifetimes' "recency"), monetary (mean
 *     value per transaction, first included), age_days (as-of day minus the
 *     first purchase), tier, status, total (value of all transactions).
 *     tier: the contribution tiers of DOMAIN.md section 6 that a till can
 *     see: "second-time buyer" (2 or more transactions) or "one-time buyer";
 *     referrers and never-bought enquiries are not in a transaction log.
 *     status, from recency in multiples of g, the median number of days
 *     between consecutive purchases (all customers' gaps pooled; the lower
 *     median, a whole number of days): active below 2g, silent below 6g, dormant below 12g,
 *     lost from 12g.  These are the simulator's default [lifecycle]
 *     thresholds (silent_after 60, dormant_after 180, lost_after 365 days)
 *     for a business whose natural cycle is 30 days, rescaled to the data's
 *     own cycle.  Without any repeat purchase the defaults themselves apply.
 *   status.csv  the thresholds actually used and the customers in each:
 *     status, from_days, to_days (empty for "lost"), customers, share.
 *   cohorts.csv (+ cohorts.png, a heat map)  rows: first-purchase months with
 *     new customers ("1997-01"); columns: months since (0, 1, 2, ...); cell:
 *     share of the cohort with a purchase in that calendar month.  Month 0 is
 *     1 by definition.  Only calendar months that are complete by the as-of
 *     day are filled (a partial month would show a false drop); the rest are
 *     NaN, drawn grey.  The colour scale stops at the largest share after
 *     month 0, so that month 0 does not wash the others out.
 *   interpurchase.csv  histogram of the days between consecutive purchases of
 *     a customer: bin_start_days <= gap < bin_end_days, 7-day bins from 0 to
 *     364, then one tail bin from 364 to the longest gap (+1); count, share.
 *   stickiness.csv (+ stickiness.png)  the chance of another purchase after
 *     the k-th (DOMAIN.md section 1).  Right-censoring: a customer whose k-th
 *     purchase was last week has not yet had the chance to make the next one,
 *     and counting them as "no" would make the curve fall with k for no
 *     reason (heavy buyers reach high k late).  So the question asked is
 *     "another purchase within W days", and only customers whose k-th
 *     purchase is at least W days before the as-of day are counted
 *     (eligible): each of them has been watched for the full W days.
 *     W = the 90th percentile of the gaps between purchases (rounded up),
 *     within [7 days, half the span of the data], or 90 days (within the same
 *     bounds) when nobody bought twice.  Columns: k, customers (with at least
 *     k purchases), eligible, bought_again, share, ci_low, ci_high (95 %
 *     Wilson interval), window_days.  Rows from k = 1 while at least 10
 *     customers are eligible (k = 1 is always written when any is), up to
 *     k = 30.
 *   *top20_share: revenue share of the top 20 % of customers by total value
 *     (the top ceil(n / 5)), the Pareto check of DOMAIN.md section 6. */
#include "describe.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "figures.h"
#include "output.h"

#define STICKY_MAX_K 30
#define STICKY_MIN_ELIGIBLE 10
#define GAP_BIN 7
#define GAP_BINS 52    /* 7-day bins up to day 364, then the tail */

void describe_summarise(const translog *t, int cal_end_day, double period_days,
                        cust_summary *out)
{
    for (int i = 0; i < t->ncust; i++) {
        int a = t->first[i], b = t->first[i + 1];
        int d0 = t->day[a];
        cust_summary s = { 0 };
        s.first_day = d0;
        s.T = (cal_end_day - d0) / period_days;
        int last = d0;
        double repeat = 0;
        for (int j = a; j < b; j++) {
            if (t->day[j] > cal_end_day) {
                s.n_holdout++;
                continue;
            }
            s.total += t->amount[j];
            if (j > a) {
                s.x += 1;
                repeat += t->amount[j];
                last = t->day[j];
            }
        }
        s.t_x = s.x > 0 ? (last - d0) / period_days : 0;
        s.zbar = s.x > 0 ? repeat / s.x : 0;
        out[i] = s;
    }
}

/* ---- calendar ---- */


/* Months since year 0: calendar months compare by subtraction. */
static int month_index(int day)
{
    int y, m, d;
    translog_civil_from_days(day, &y, &m, &d);
    return y * 12 + m - 1;
}

/* ---- small helpers ---- */

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static int cmp_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

/* The q-quantile of sorted v[n] (nearest rank, rounded up to a whole day). */
static int quantile(const int *v, int n, double q)
{
    int k = (int)ceil(q * n) - 1;
    if (k < 0)
        k = 0;
    if (k >= n)
        k = n - 1;
    return v[k];
}

/* 95 % Wilson score interval for s successes in n trials. */
static void wilson(long s, long n, double *lo, double *hi)
{
    const double z = 1.959963984540054;
    double p = (double)s / (double)n, z2n = z * z / (double)n;
    double centre = (p + z2n / 2) / (1 + z2n);
    double half = z / (1 + z2n) * sqrt(p * (1 - p) / (double)n + z2n / (4.0 * (double)n));
    *lo = fmax(0, centre - half);
    *hi = fmin(1, centre + half);
}

/* A CSV field: quoted when it holds a separator, quote, line break or
 * surrounding space. */
static void csv_text(FILE *f, const char *s)
{
    size_t n = strlen(s);
    if (!strpbrk(s, ",\"\r\n") && (n == 0 || (s[0] != ' ' && s[n - 1] != ' '))) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* ---- what is computed once for every file ---- */

typedef struct view {
    const translog *t;
    int as_of;
    int ncust;          /* customers with a purchase on or before as_of */
    int *n;             /* per customer: transactions on or before as_of */
    int *gaps;          /* every gap between consecutive purchases, sorted */
    int ngaps;
    int median_gap;     /* 0 when nobody bought twice */
} view;

static const char *const status_names[4] = { "active", "silent", "dormant", "lost" };

static void status_limits(const view *v, int lim[3])
{
    if (v->median_gap > 0) {
        lim[0] = 2 * v->median_gap;
        lim[1] = 6 * v->median_gap;
        lim[2] = 12 * v->median_gap;
    } else {
        lim[0] = 60;
        lim[1] = 180;
        lim[2] = 365;
    }
}

static int write_rfm(const char *dir, const view *v, diag *d)
{
    const translog *t = v->t;
    int lim[3];
    status_limits(v, lim);
    long count[4] = { 0 };
    char tmp[4200];
    FILE *f = out_open(dir, "rfm.csv", tmp, sizeof tmp, d);
    if (!f)
        return d->status;
    fputs("customer_id,frequency,recency_days,monetary,age_days,tier,status,total\n", f);
    for (int i = 0; i < t->ncust; i++) {
        int n = v->n[i];
        if (n == 0)
            continue;
        int a = t->first[i];
        double total = 0;
        for (int j = a; j < a + n; j++)
            total += t->amount[j];
        int recency = v->as_of - t->day[a + n - 1];
        int s = recency < lim[0] ? 0 : recency < lim[1] ? 1 : recency < lim[2] ? 2 : 3;
        count[s]++;
        csv_text(f, t->ids[i]);
        fprintf(f, ",%d,%d", n, recency);
        out_csv_number(f, total / n);
        fprintf(f, ",%d,%s,%s", v->as_of - t->day[a],
                n >= 2 ? "second-time buyer" : "one-time buyer", status_names[s]);
        out_csv_number(f, total);
        fputc('\n', f);
    }
    if (out_commit(f, tmp, dir, "rfm.csv", d))
        return d->status;

    f = out_open(dir, "status.csv", tmp, sizeof tmp, d);
    if (!f)
        return d->status;
    fputs("status,from_days,to_days,customers,share\n", f);
    for (int s = 0; s < 4; s++) {
        fprintf(f, "%s,%d,", status_names[s], s ? lim[s - 1] : 0);
        if (s < 3)
            fprintf(f, "%d", lim[s]);
        fprintf(f, ",%ld", count[s]);
        out_csv_number(f, (double)count[s] / v->ncust);
        fputc('\n', f);
    }
    return out_commit(f, tmp, dir, "status.csv", d);
}

static int write_cohorts(const char *dir, const view *v, diag *d)
{
    const translog *t = v->t;
    int last_month = month_index(v->as_of), first_month = last_month;
    for (int i = 0; i < t->ncust; i++)
        if (v->n[i] && month_index(t->day[t->first[i]]) < first_month)
            first_month = month_index(t->day[t->first[i]]);
    int y, m, md;
    translog_civil_from_days(v->as_of + 1L, &y, &m, &md);
    int complete = md == 1 ? last_month : last_month - 1; /* last month fully observed */
    int nm = last_month - first_month + 1;
    long *size = calloc((size_t)nm, sizeof *size);
    long *buy = calloc((size_t)nm * (size_t)nm, sizeof *buy);
    if (!size || !buy) {
        free(size);
        free(buy);
        return diag_set(d, DIAG_RUNTIME, "out of memory describing cohorts");
    }
    for (int i = 0; i < t->ncust; i++) {
        if (!v->n[i])
            continue;
        int a = t->first[i];
        int c = month_index(t->day[a]) - first_month;
        size[c]++;
        int prev = -1;
        for (int j = a; j < a + v->n[i]; j++) {
            int b = month_index(t->day[j]) - first_month - c;
            if (b != prev)
                buy[(size_t)c * (size_t)nm + (size_t)b]++;
            prev = b;
        }
    }
    char tmp[4200];
    FILE *f = out_open(dir, "cohorts.csv", tmp, sizeof tmp, d);
    if (!f) {
        free(size);
        free(buy);
        return d->status;
    }
    fputs("first_purchase_month", f);
    for (int b = 0; b < nm; b++)
        fprintf(f, ",%d", b);
    fputc('\n', f);
    double top = 0; /* the largest share after month 0 */
    for (int c = 0; c < nm; c++) {
        if (!size[c])
            continue;
        int mi = first_month + c;
        fprintf(f, "%04d-%02d", mi / 12, mi % 12 + 1);
        for (int b = 0; b < nm; b++) {
            if (b > 0 && first_month + c + b > complete) {
                fputs(",NaN", f);
                continue;
            }
            double share = (double)buy[(size_t)c * (size_t)nm + (size_t)b] / size[c];
            fprintf(f, ",%.6g", share);
            if (b > 0 && share > top)
                top = share;
        }
        fputc('\n', f);
    }
    free(size);
    free(buy);
    if (out_commit(f, tmp, dir, "cohorts.csv", d))
        return d->status;
    /* Month 0 is 1 by definition and would wash every later month out to the
     * palest colour: the scale stops at the largest later share (rounded up
     * to 0.05), and month 0 is drawn in the top colour. */
    char legend[128] = "share of cohort buying";
    double cmax = 0;
    if (top > 0 && top < 0.9) {
        cmax = ceil(top * 20 - 1e-9) / 20;
        snprintf(legend, sizeof legend, "share of cohort buying (scale to %.2f; month 0 is 1)",
                 cmax);
    }
    plot_series coh = { .legend = legend };
    /* a heat map takes the whole matrix: its first columns only have to be there */
    if (figures_series(dir, "cohorts.csv", "first_purchase_month", "0", NULL, NULL, &coh, d))
        return d->status;
    plot_spec pc = { "cohorts", PLOT_HEATMAP, PLOT_PNG,
                     "cohort retention: share of each month's new customers buying in later months",
                     "months since first purchase", "month of first purchase", &coh, 1, 0, NULL,
                     0, cmax };
    return figures_render(dir, &pc, PLOT_PNG, LANG_EN, d);
}

static int write_gaps(const char *dir, const view *v, diag *d)
{
    long count[GAP_BINS + 1] = { 0 };
    for (int i = 0; i < v->ngaps; i++) {
        int b = v->gaps[i] / GAP_BIN;
        count[b < GAP_BINS ? b : GAP_BINS]++;
    }
    int longest = v->ngaps ? v->gaps[v->ngaps - 1] : 0;
    char tmp[4200];
    FILE *f = out_open(dir, "interpurchase.csv", tmp, sizeof tmp, d);
    if (!f)
        return d->status;
    fputs("bin_start_days,bin_end_days,count,share\n", f);
    for (int b = 0; b <= GAP_BINS; b++) {
        int end = b < GAP_BINS ? (b + 1) * GAP_BIN
                               : (longest + 1 > GAP_BINS * GAP_BIN + 1 ? longest + 1
                                                                       : GAP_BINS * GAP_BIN + 1);
        fprintf(f, "%d,%d,%ld", b * GAP_BIN, end, count[b]);
        out_csv_number(f, v->ngaps ? (double)count[b] / v->ngaps : NAN);
        fputc('\n', f);
    }
    return out_commit(f, tmp, dir, "interpurchase.csv", d);
}

static int write_stickiness(const char *dir, const view *v, diag *d)
{
    const translog *t = v->t;
    int span = v->as_of - t->min_day;
    int w = v->ngaps ? quantile(v->gaps, v->ngaps, 0.9) : 90;
    if (w > span / 2)
        w = span / 2;
    if (w < 7)
        w = 7;
    long customers[STICKY_MAX_K + 1] = { 0 }, eligible[STICKY_MAX_K + 1] = { 0 },
         again[STICKY_MAX_K + 1] = { 0 };
    for (int i = 0; i < t->ncust; i++) {
        int a = t->first[i], n = v->n[i];
        for (int k = 1; k <= n && k <= STICKY_MAX_K; k++) {
            int dk = t->day[a + k - 1];
            customers[k]++;
            if (v->as_of - dk < w)
                continue;
            eligible[k]++;
            if (k < n && t->day[a + k] - dk <= w)
                again[k]++;
        }
    }
    char tmp[4200];
    FILE *f = out_open(dir, "stickiness.csv", tmp, sizeof tmp, d);
    if (!f)
        return d->status;
    fputs("k,customers,eligible,bought_again,share,ci_low,ci_high,window_days\n", f);
    int rows = 0;
    for (int k = 1; k <= STICKY_MAX_K; k++) {
        if (eligible[k] == 0 || (k > 1 && eligible[k] < STICKY_MIN_ELIGIBLE))
            break;
        double lo, hi;
        wilson(again[k], eligible[k], &lo, &hi);
        fprintf(f, "%d,%ld,%ld,%ld", k, customers[k], eligible[k], again[k]);
        out_csv_number(f, (double)again[k] / eligible[k]);
        out_csv_number(f, lo);
        out_csv_number(f, hi);
        fprintf(f, ",%d\n", w);
        rows++;
    }
    if (out_commit(f, tmp, dir, "stickiness.csv", d))
        return d->status;
    char path[4200];
    if (!rows) {
        /* nothing to draw: no stale picture from an earlier run either */
        snprintf(path, sizeof path, "%s/stickiness.png", dir);
        remove(path);
        snprintf(path, sizeof path, "%s/stickiness.gp", dir);
        remove(path);
        return 0;
    }
    char title[256], legend[128];
    snprintf(title, sizeof title,
             "stickiness: chance of another purchase within %d days of the k-th (95 %% CI)", w);
    snprintf(legend, sizeof legend, "bought again within %d days", w);
    plot_series s = { .legend = legend };
    if (figures_series(dir, "stickiness.csv", "k", "share", "ci_low", "ci_high", &s, d))
        return d->status;
    plot_spec ps = { "stickiness", PLOT_LINES_BANDS, PLOT_PNG, title,
                     "purchases so far (k)", "share buying again (0-1)", &s, 1, 0, NULL, 0, 1 };
    return figures_render(dir, &ps, PLOT_PNG, LANG_EN, d);
}

static double top20(const view *v)
{
    const translog *t = v->t;
    double *tot = malloc((size_t)v->ncust * sizeof *tot);
    if (!tot)
        return NAN;
    int n = 0;
    double all = 0;
    for (int i = 0; i < t->ncust; i++) {
        if (!v->n[i])
            continue;
        double s = 0;
        for (int j = t->first[i]; j < t->first[i] + v->n[i]; j++)
            s += t->amount[j];
        tot[n++] = s;
        all += s;
    }
    qsort(tot, (size_t)n, sizeof *tot, cmp_desc);
    int top = (n + 4) / 5;
    double s = 0;
    for (int i = 0; i < top; i++)
        s += tot[i];
    free(tot);
    return all > 0 ? s / all : NAN;
}

int describe_write(const char *dir, const translog *t, int cal_end_day, double *top20_share,
                   diag *d)
{
    view v = { t, cal_end_day, 0, NULL, NULL, 0, 0 };
    v.n = calloc((size_t)t->ncust + 1, sizeof *v.n);
    v.gaps = malloc(((size_t)t->ntx + 1) * sizeof *v.gaps);
    if (!v.n || !v.gaps) {
        free(v.n);
        free(v.gaps);
        return diag_set(d, DIAG_RUNTIME, "out of memory describing the data");
    }
    for (int i = 0; i < t->ncust; i++) {
        int a = t->first[i], b = t->first[i + 1], n = 0;
        while (a + n < b && t->day[a + n] <= cal_end_day) {
            if (n > 0)
                v.gaps[v.ngaps++] = t->day[a + n] - t->day[a + n - 1];
            n++;
        }
        v.n[i] = n;
        v.ncust += n > 0;
    }
    int status = 0;
    if (v.ncust == 0) {
        int y, m, md;
        translog_civil_from_days(cal_end_day, &y, &m, &md);
        status = diag_set(d, DIAG_USAGE, "no purchase on or before %04d-%02d-%02d, the day the "
                          "data are described as of", y, m, md);
    }
    if (!status) {
        qsort(v.gaps, (size_t)v.ngaps, sizeof *v.gaps, cmp_int);
        v.median_gap = v.ngaps ? quantile(v.gaps, v.ngaps, 0.5) : 0;
        if (out_mkdirs(dir, d) || write_rfm(dir, &v, d) || write_cohorts(dir, &v, d)
            || write_gaps(dir, &v, d) || write_stickiness(dir, &v, d))
            status = d->status;
    }
    if (!status && top20_share)
        *top20_share = top20(&v);
    free(v.n);
    free(v.gaps);
    return status;
}
