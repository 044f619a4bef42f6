/* pilot_rollout: the model-free levers (see pilot_rollout.h). */
#include "pilot_rollout.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Per group: customers, sums of post-start purchases y, revenue z, pre-start
 * purchases x, and the sums of squares and products CUPED and the ratio
 * estimator need. */
typedef struct grp {
    double n, y, z, x, yy, xx, xy, zz, yz;
} grp;

void pilot_levers_model_free(const translog *t, const int *group, const pilot_result *r,
                             pilot_levers *out)
{
    memset(out, 0, sizeof *out);
    out->source = "model_free";
    int pre_from = r->start - r->pre_days;
    grp g[2];
    memset(g, 0, sizeof g);
    for (int i = 0; i < t->ncust; i++) {
        if (t->day[t->first[i]] >= r->start)
            continue;
        double y = 0, z = 0, x = 0;
        for (int k = t->first[i]; k < t->first[i + 1]; k++) {
            int day = t->day[k];
            if (day >= pre_from && day < r->start)
                x += 1;
            else if (day >= r->start && day <= r->end) {
                y += 1;
                z += t->amount[k];
            }
        }
        grp *q = &g[group[i]];
        q->n += 1;
        q->y += y, q->z += z, q->x += x;
        q->yy += y * y, q->xx += x * x, q->xy += x * y, q->zz += z * z, q->yz += y * z;
    }
    if (g[0].n < 2 || g[1].n < 2)
        return;
    /* rate: CUPED (Deng et al. 2013) with theta pooled over both groups, as
     * fit/pilot.c; then the log of the ratio of the adjusted means, its
     * standard error by the delta method, var(log m) = var(m) / m^2 */
    double N = g[0].n + g[1].n, mx = (g[0].x + g[1].x) / N, my = (g[0].y + g[1].y) / N;
    double sxx = g[0].xx + g[1].xx - N * mx * mx, sxy = g[0].xy + g[1].xy - N * mx * my;
    double theta = sxx > 0 ? sxy / sxx : 0;
    double m[2], v[2];
    for (int j = 0; j < 2; j++) {
        double n = g[j].n, gy = g[j].y / n, gx = g[j].x / n;
        m[j] = gy - theta * (gx - mx);
        /* variance of y - theta x within the group */
        double vy = (g[j].yy - n * gy * gy) / (n - 1), vx = (g[j].xx - n * gx * gx) / (n - 1);
        double cxy = (g[j].xy - n * gx * gy) / (n - 1);
        v[j] = (vy + theta * theta * vx - 2 * theta * cxy) / n;
    }
    if (m[0] > 0 && m[1] > 0) {
        out->log_ratio[LEVER_RATE] = log(m[PILOT_T] / m[PILOT_C]);
        out->se[LEVER_RATE] = sqrt(v[PILOT_T] / (m[PILOT_T] * m[PILOT_T]) + v[PILOT_C] / (m[PILOT_C] * m[PILOT_C]));
        out->estimated[LEVER_RATE] = 1;
    }
    /* spend per visit: the ratio estimator S = sum z / sum y per group,
     * clustered by customer (a customer's visits are not independent):
     * var(S) = sum (z_i - S y_i)^2 / (sum y)^2 (Cochran 1977, Sampling
     * Techniques, 6.3, with n/(n-1)) */
    double s[2], vs[2];
    for (int j = 0; j < 2; j++) {
        if (!(g[j].y > 0))
            return;
        s[j] = g[j].z / g[j].y;
        double res = g[j].zz - 2 * s[j] * g[j].yz + s[j] * s[j] * g[j].yy;
        vs[j] = res / (g[j].y * g[j].y) * g[j].n / (g[j].n - 1);
    }
    if (s[0] > 0 && s[1] > 0) {
        out->log_ratio[LEVER_SPEND] = log(s[PILOT_T] / s[PILOT_C]);
        out->se[LEVER_SPEND] = sqrt(vs[PILOT_T] / (s[PILOT_T] * s[PILOT_T]) + vs[PILOT_C] / (s[PILOT_C] * s[PILOT_C]));
        out->estimated[LEVER_SPEND] = 1;
    }
}

int pilot_cuped_welch(const double *y, const double *x, const int *g, int n, double *diff, double *lo,
                      double *hi)
{
    double sx = 0, sy = 0;
    for (int i = 0; i < n; i++)
        sx += x[i], sy += y[i];
    double mx = sx / n, my = sy / n, sxx = 0, sxy = 0;
    for (int i = 0; i < n; i++) {
        sxx += (x[i] - mx) * (x[i] - mx);
        sxy += (x[i] - mx) * (y[i] - my);
    }
    double theta = sxx > 0 ? sxy / sxx : 0;
    double s[2] = { 0 }, ss[2] = { 0 }, k[2] = { 0 };
    for (int i = 0; i < n; i++) {
        double a = y[i] - theta * (x[i] - mx);
        s[g[i]] += a;
        ss[g[i]] += a * a;
        k[g[i]] += 1;
    }
    if (k[0] < 2 || k[1] < 2)
        return -1;
    double m[2], v[2];
    for (int j = 0; j < 2; j++) {
        m[j] = s[j] / k[j];
        v[j] = (ss[j] - k[j] * m[j] * m[j]) / (k[j] - 1) / k[j];
        if (v[j] < 0)
            v[j] = 0;
    }
    *diff = m[1] - m[0];
    double se = sqrt(v[0] + v[1]);
    double den = v[0] * v[0] / (k[0] - 1) + v[1] * v[1] / (k[1] - 1);
    double df = den > 0 ? (v[0] + v[1]) * (v[0] + v[1]) / den : k[0] + k[1] - 2;
    double q = gsl_cdf_tdist_Pinv(0.975, df);
    *lo = *diff - q * se;
    *hi = *diff + q * se;
    return 0;
}
