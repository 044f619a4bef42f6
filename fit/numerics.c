/* numerics: see numerics.h. */
#include "numerics.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_sf_gamma.h>
#include <math.h>

double lnbeta(double x, double y)
{
    gsl_sf_result res;
    if (gsl_sf_lnbeta_e(x, y, &res) != GSL_SUCCESS)
        return NAN;
    return res.val;
}

double lngamma(double x)
{
    gsl_sf_result res;
    if (gsl_sf_lngamma_e(x, &res) != GSL_SUCCESS)
        return NAN;
    return res.val;
}

double log1pexp(double u)
{
    return u > 0 ? u + log1p(exp(-u)) : log1p(exp(u));
}

double logaddexp(double a, double b)
{
    if (a == -INFINITY)
        return b;
    if (b == -INFINITY)
        return a;
    double m = a > b ? a : b;
    return m + log1p(exp(-fabs(a - b)));
}
