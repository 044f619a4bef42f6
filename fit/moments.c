/* moments: see moments.h. */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/lang.h"
#include "moments.h"

static const double gap_q[4] = { 0.25, 0.50, 0.75, 0.90 };
static const int repeat_days[5] = { 30, 60, 90, 180, 365 };

static const char *const names[MOM_ALL] = {
    "another_after_1", "another_after_2", "another_after_3", "another_after_4",
    "another_after_5", "another_after_6", "another_after_7", "another_after_8",
    "gap_q25", "gap_q50", "gap_q75", "gap_q90",
    "repeat_within_30", "repeat_within_60", "repeat_within_90", "repeat_within_180",
    "repeat_within_365", "spend_per_visit",
    "share_1", "share_2", "share_3", "share_4", "share_5", "share_6", "share_7plus",
    "recent_after_1", "recent_after_2", "recent_after_3to6", "recent_after_7plus",
    "another_after_1_low_first"
};
static const char *const labels[MOM_ALL] = {
    N_("chance of another purchase after the 1st"), N_("chance of another purchase after the 2nd"),
    N_("chance of another purchase after the 3rd"), N_("chance of another purchase after the 4th"),
    N_("chance of another purchase after the 5th"), N_("chance of another purchase after the 6th"),
    N_("chance of another purchase after the 7th"), N_("chance of another purchase after the 8th"),
    N_("days between purchases, 25th percentile"), N_("days between purchases, median"),
    N_("days between purchases, 75th percentile"), N_("days between purchases, 90th percentile"),
    N_("share buying again within 30 days"), N_("share buying again within 60 days"),
    N_("share buying again within 90 days"), N_("share buying again within 180 days"),
    N_("share buying again within 365 days"), N_("mean spend per visit"),
    N_("share of customers with 1 purchase"), N_("share of customers with 2 purchases"),
    N_("share of customers with 3 purchases"), N_("share of customers with 4 purchases"),
    N_("share of customers with 5 purchases"), N_("share of customers with 6 purchases"),
    N_("share of customers with 7 or more purchases"),
    N_("purchases in the last 91 days, a customer with 1 purchase before them"),
    N_("purchases in the last 91 days, a customer with 2 purchases before them"),
    N_("purchases in the last 91 days, a customer with 3 to 6 purchases before them"),
    N_("purchases in the last 91 days, a customer with 7 or more purchases before them"),
    N_("chance of another purchase after a 1st below half the mean bill")
};

/* The p-quantile of whole-day gaps (sorted), each gap g read as spread
 * evenly over [g - 1/2, g + 1/2): the continuity correction for a quantile
 * of counts.  The plain order statistic of whole days moves in jumps of a
 * day, so its bootstrap variance (and the weight W gives it) is wrong and
 * the simulated one is a step function of the keys; this one moves a
 * little with every customer, in the data and the simulation alike. */
static double gap_quantile(const double *g, long n, double p)
{
    double r = p * (double)n;
    long below = 0;
    while (below < n) {
        long end = below;
        while (end < n && g[end] == g[below])
            end++;
        if (r < (double)end || end == n)
            return g[below] - 0.5 + fmin(1.0, (r - (double)below) / (double)(end - below));
        below = end;
    }
    return 0;
}

const char *moments_name(int i) { return i >= 0 && i < MOM_ALL ? names[i] : "?"; }
const char *moments_label(int i) { return i >= 0 && i < MOM_ALL ? labels[i] : "?"; }

void moments_compute(const translog *t, const int *idx, int n, int w0, int w1, moments *m)
{
    memset(m, 0, sizeof *m);
    if (!idx)
        n = t->ncust;
    long reach[10] = { 0 };               /* reach[k]: customers with >= k purchases, k <= 9 */
    long eligible[5] = { 0 }, repeated[5] = { 0 };
    long with_n[4] = { 0 }, recent[4] = { 0 };   /* 1, 2, 3-6, 7+ purchases before the last days */
    double spend = 0;
    double *gaps = malloc(((size_t)t->ntx + 1) * sizeof *gaps);
    long ngap = 0;
    /* each customer's first bill and whether they came back (the
     * threshold, half the mean bill, is known only after the loop) */
    double *first_bill = malloc(((size_t)n + 1) * sizeof *first_bill);
    unsigned char *came_back = malloc((size_t)n + 1);
    long nfirst = 0;
    for (int j = 0; j < n; j++) {
        int c = idx ? idx[j] : j;
        int a = t->first[c], b = t->first[c + 1];
        while (a < b && t->day[a] < w0)
            a++;
        int cnt = 0, prev = 0, first = 0, second = -1, before = 0;
        double bill1 = 0;
        for (int x = a; x < b && t->day[x] <= w1; x++) {
            int day = t->day[x];
            if (cnt == 0) {
                first = day;
                bill1 = t->amount[x];
            } else {
                if (gaps)
                    gaps[ngap++] = day - prev;
                if (cnt == 1)
                    second = day;
            }
            prev = day;
            before += day <= w1 - MOM_RECENT_DAYS;
            spend += t->amount[x];
            cnt++;
        }
        if (!cnt)
            continue;
        if (first_bill && came_back) {
            first_bill[nfirst] = bill1;
            came_back[nfirst++] = cnt >= 2;
        }
        m->ncust++;
        m->ntx += cnt;
        for (int k = 1; k <= 9 && k <= cnt; k++)
            reach[k]++;
        int bin = cnt < 7 ? cnt - 1 : 6;
        m->v[MOM_FREQ + bin] += 1;
        if (before >= 1) {
            int g = before <= 2 ? before - 1 : before <= 6 ? 2 : 3;
            with_n[g]++;
            recent[g] += cnt - before;
        }
        for (int r = 0; r < 5; r++)
            if (first + repeat_days[r] <= w1) {
                eligible[r]++;
                if (second >= 0 && second - first <= repeat_days[r])
                    repeated[r]++;
            }
    }
    for (int k = 1; k <= 8; k++) {
        m->support[MOM_CONT + k - 1] = reach[k];
        m->v[MOM_CONT + k - 1] = reach[k] ? (double)reach[k + 1] / (double)reach[k] : 0;
    }
    if (gaps && ngap) {
        gsl_sort(gaps, 1, (size_t)ngap);
        for (int q = 0; q < 4; q++)
            m->v[MOM_GAP + q] = gap_quantile(gaps, ngap, gap_q[q]);
    }
    for (int q = 0; q < 4; q++)
        m->support[MOM_GAP + q] = ngap;
    free(gaps);
    for (int r = 0; r < 5; r++) {
        m->support[MOM_REPEAT + r] = eligible[r];
        m->v[MOM_REPEAT + r] = eligible[r] ? (double)repeated[r] / (double)eligible[r] : 0;
    }
    m->support[MOM_SPEND] = m->ntx;
    m->v[MOM_SPEND] = m->ntx ? spend / (double)m->ntx : 0;
    long low = 0, low_back = 0;
    for (long i = 0; i < nfirst; i++)
        if (first_bill[i] < 0.5 * m->v[MOM_SPEND]) {
            low++;
            low_back += came_back[i];
        }
    free(first_bill);
    free(came_back);
    m->support[MOM_LOW_FIRST] = low;
    m->v[MOM_LOW_FIRST] = low ? (double)low_back / (double)low : 0;
    for (int g = 0; g < 4; g++) {
        m->support[MOM_RECENT + g] = with_n[g];
        m->v[MOM_RECENT + g] = with_n[g] ? (double)recent[g] / (double)with_n[g] : 0;
    }
    for (int b = 0; b < 7; b++) {
        m->support[MOM_FREQ + b] = m->ncust;
        if (m->ncust)
            m->v[MOM_FREQ + b] /= (double)m->ncust;
    }
}

int moments_bootstrap(const translog *t, int w0, int w1, int B, uint64_t seed, double *cov)
{
    int n = t->ncust;
    int *idx = malloc((size_t)(n ? n : 1) * sizeof *idx);
    double *draws = malloc((size_t)B * MOM_ALL * sizeof *draws);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!idx || !draws || !r) {
        free(idx);
        free(draws);
        if (r)
            gsl_rng_free(r);
        return -1;
    }
    gsl_rng_set(r, (unsigned long)seed);
    for (int b = 0; b < B; b++) {
        for (int i = 0; i < n; i++)
            idx[i] = (int)gsl_rng_uniform_int(r, (unsigned long)n);
        moments m;
        moments_compute(t, idx, n, w0, w1, &m);
        memcpy(draws + (size_t)b * MOM_ALL, m.v, MOM_ALL * sizeof(double));
    }
    double mean[MOM_ALL] = { 0 };
    for (int b = 0; b < B; b++)
        for (int i = 0; i < MOM_ALL; i++)
            mean[i] += draws[(size_t)b * MOM_ALL + i] / B;
    for (int i = 0; i < MOM_ALL; i++)
        for (int j = 0; j < MOM_ALL; j++) {
            double s = 0;
            for (int b = 0; b < B; b++)
                s += (draws[(size_t)b * MOM_ALL + i] - mean[i]) * (draws[(size_t)b * MOM_ALL + j] - mean[j]);
            cov[i * MOM_ALL + j] = B > 1 ? s / (B - 1) : 0;
        }
    gsl_rng_free(r);
    free(idx);
    free(draws);
    return 0;
}
