/* pilot_rollout: the model-free test a pilot plan simulates (see pilot_rollout.h). */
#include "pilot_rollout.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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
