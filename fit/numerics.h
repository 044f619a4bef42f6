/* numerics: small special-function helpers shared by the fits of fit/
 * (btyd.c, bgbb.c, mbgnbd.c, pnbd.c).  Internal to fit/. */
#ifndef RETSIM_FIT_NUMERICS_H
#define RETSIM_FIT_NUMERICS_H

/* ln B(x, y) and ln Gamma(x) from GSL's _e forms: NaN where GSL reports an
 * error (a pole, an overflow), so that a likelihood goes non-finite and the
 * minimiser (fit/mle.c) treats the point as outside the domain, instead of
 * GSL's error handler firing. */
double lnbeta(double x, double y);
double lngamma(double x);
/* log(1 + exp(u)) without overflow */
double log1pexp(double u);
/* log(exp(a) + exp(b)) without overflow; exact when either is -INFINITY */
double logaddexp(double a, double b);

#endif
