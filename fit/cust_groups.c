/* cust_groups: see cust_groups.h.
 *
 * The likelihoods of BG/NBD, MBG/NBD and Pareto/NBD are sums over
 * customers of terms in (x, t_x, T).  Sorting the customers by x lets each
 * likelihood compute the terms of x alone (log-Gamma, log-Beta, digamma)
 * once per distinct x, and customers sharing (x, t_x, T) exactly (common
 * in period-rounded data such as CDNOW's weeks) are counted once with a
 * weight.  t_x is taken as 0 for x = 0, where it does not enter. */
#include "cust_groups.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MIN_CUSTOMERS 10       /* fewer and a 4-parameter fit is noise */

typedef struct xkey {
    double x, t_x, T;
} xkey;

static int xkey_cmp(const void *pa, const void *pb)
{
    const xkey *a = pa, *b = pb;
    if (a->x != b->x)
        return (a->x > b->x) - (a->x < b->x);
    if (a->T != b->T)
        return (a->T > b->T) - (a->T < b->T);
    return (a->t_x > b->t_x) - (a->t_x < b->t_x);
}

void cust_groups_free(cust_groups *G)
{
    free(G->gx), free(G->gstart), free(G->tx), free(G->T), free(G->w);
    free(G->Tval), free(G->txval), free(G->iT), free(G->itx);
    G->gx = G->tx = G->T = G->w = G->Tval = G->txval = NULL;
    G->gstart = G->iT = G->itx = NULL;
}

double *cust_groups_alpha_logs(const cust_groups *G, double alpha)
{
    double *out = malloc(sizeof(double) * (size_t)(G->nT + G->ntx));
    if (!out)
        return NULL;
    for (int k = 0; k < G->nT; k++)
        out[k] = log(alpha + G->Tval[k]);
    for (int k = 0; k < G->ntx; k++)
        out[G->nT + k] = log(alpha + G->txval[k]);
    return out;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* the distinct values of v[0..n-1] into *vals (ascending, *nv of them) and
 * each one's index into idx; -1 when out of memory */
static int distinct_index(const double *v, int n, double **vals, int *nv, int *idx)
{
    double *s = malloc(sizeof(double) * (size_t)(n > 0 ? n : 1));
    if (!s)
        return -1;
    memcpy(s, v, sizeof(double) * (size_t)n);
    qsort(s, (size_t)n, sizeof *s, cmp_double);
    int m = 0;
    for (int i = 0; i < n; i++)
        if (i == 0 || s[i] != s[m - 1])
            s[m++] = s[i];
    for (int i = 0; i < n; i++) {
        int lo = 0, hi = m - 1;
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (s[mid] < v[i])
                lo = mid + 1;
            else
                hi = mid;
        }
        idx[i] = lo;
    }
    *vals = s;
    *nv = m;
    return 0;
}

int cust_groups_build(const cust_summary *c, int n, const char *model, cust_groups *G, diag *d)
{
    memset(G, 0, sizeof *G);
    if (!c || n < 0)
        return diag_set(d, DIAG_USAGE, "%s fit: no customers given", model);
    int used = 0;
    double sx = 0, sT = 0;
    for (int i = 0; i < n; i++) {
        if (!(c[i].T > 0))
            continue;
        if (!isfinite(c[i].T) || !isfinite(c[i].x) || !isfinite(c[i].t_x))
            return diag_set(d, DIAG_USAGE, "%s fit: customer %d has a non-finite x, t_x or T",
                            model, i + 1);
        if (c[i].x < 0 || floor(c[i].x) != c[i].x)
            return diag_set(d, DIAG_USAGE,
                            "%s fit: customer %d has x = %g repeat purchases; x must be a "
                            "whole number >= 0",
                            model, i + 1, c[i].x);
        if (c[i].x > 0 && (c[i].t_x < 0 || c[i].t_x > c[i].T))
            return diag_set(d, DIAG_USAGE,
                            "%s fit: customer %d has t_x = %g outside [0, T = %g] (the last "
                            "purchase must fall in the calibration span)",
                            model, i + 1, c[i].t_x, c[i].T);
        used++;
        sx += c[i].x;
        sT += c[i].T;
    }
    if (used < MIN_CUSTOMERS)
        return diag_set(d, DIAG_USAGE,
                        "%s fit needs at least %d customers with T > 0 (first purchase "
                        "before the calibration end); got %d of %d",
                        model, MIN_CUSTOMERS, used, n);
    if (sx == 0)
        return diag_set(d, DIAG_USAGE,
                        "%s fit: none of the %d customers made a repeat purchase in the "
                        "calibration span, so the purchase and dropout rates cannot be "
                        "estimated (lengthen the calibration span)",
                        model, used);

    xkey *k = malloc(sizeof *k * (size_t)used);
    G->n = used;
    G->sx = sx;
    G->sT = sT;
    G->gx = malloc(sizeof(double) * (size_t)used);
    G->gstart = malloc(sizeof(int) * (size_t)(used + 1));
    G->tx = malloc(sizeof(double) * (size_t)used);
    G->T = malloc(sizeof(double) * (size_t)used);
    G->w = malloc(sizeof(double) * (size_t)used);
    if (!k || !G->gx || !G->gstart || !G->tx || !G->T || !G->w) {
        free(k);
        cust_groups_free(G);
        return diag_set(d, DIAG_RUNTIME, "%s fit: out of memory", model);
    }
    for (int i = 0, j = 0; i < n; i++)
        if (c[i].T > 0)
            k[j++] = (xkey){ c[i].x, c[i].x > 0 ? c[i].t_x : 0, c[i].T };
    qsort(k, (size_t)used, sizeof *k, xkey_cmp);
    int nd = 0;   /* distinct (x, t_x, T) */
    for (int i = 0; i < used; i++) {
        if (i > 0 && k[i].x == k[i - 1].x && k[i].T == k[i - 1].T && k[i].t_x == k[i - 1].t_x) {
            G->w[nd - 1] += 1;
            continue;
        }
        if (i == 0 || k[i].x != k[i - 1].x) {
            G->gx[G->ng] = k[i].x;
            G->gstart[G->ng++] = nd;
        }
        G->tx[nd] = k[i].t_x;
        G->T[nd] = k[i].T;
        G->w[nd++] = 1;
    }
    G->gstart[G->ng] = nd;
    free(k);
    G->iT = malloc(sizeof(int) * (size_t)nd);
    G->itx = malloc(sizeof(int) * (size_t)nd);
    if (!G->iT || !G->itx || distinct_index(G->T, nd, &G->Tval, &G->nT, G->iT)
        || distinct_index(G->tx, nd, &G->txval, &G->ntx, G->itx)) {
        cust_groups_free(G);
        return diag_set(d, DIAG_RUNTIME, "%s fit: out of memory", model);
    }
    return DIAG_OK;
}

int cust_groups_subsample(const cust_summary *c, int n, int used, int target, const char *model,
                          cust_groups *G, diag *d)
{
    memset(G, 0, sizeof *G);
    int every = target > 0 && used / target > 1 ? used / target : 1, m = 0, seen = 0;
    cust_summary *pick = malloc((size_t)(used / every + 1) * sizeof *pick);
    if (!pick)
        return diag_set(d, DIAG_RUNTIME, "%s fit: out of memory", model);
    for (int i = 0; i < n && m < used / every + 1; i++)
        if (c[i].T > 0 && seen++ % every == 0)
            pick[m++] = c[i];
    int rc = cust_groups_build(pick, m, model, G, d);
    free(pick);
    return rc;
}
