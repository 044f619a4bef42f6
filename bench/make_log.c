/* bench/make_log.c: a transaction log of N customers drawn from the BG/NBD
 * and Gamma-Gamma models (CDNOW's fitted values, in weeks), for timing
 * `retsim fit` on a large file.  Customers arrive over the first 12 weeks;
 * the log spans 78 weeks, like CDNOW.  Usage: make_log N > log.csv */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 100000;
    const double r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, p = 6.25, q = 3.74, gamma = 15.44;
    const double span_weeks = 78;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_taus2);
    gsl_rng_set(rng, 42);
    printf("customer,date,amount\n");
    for (long i = 0; i < n; i++) {
        double start = gsl_rng_uniform(rng) * 12;
        double lambda = gsl_ran_gamma(rng, r, 1 / alpha);
        double drop = gsl_ran_beta(rng, a, b);
        double nu = gsl_ran_gamma(rng, q, 1 / gamma);
        for (double t = start, k = 0; t < span_weeks; k++) {
            time_t secs = (time_t)((9862 + floor(t * 7)) * 86400.0); /* 1997-01-01 */
            struct tm tm;
            gmtime_r(&secs, &tm);
            char date[16];
            strftime(date, sizeof date, "%Y-%m-%d", &tm);
            printf("%ld,%s,%.2f\n", i + 1, date, gsl_ran_gamma(rng, p, 1 / nu));
            if (k > 0 && gsl_rng_uniform(rng) < drop)
                break;
            if (lambda <= 0)
                break;
            t += gsl_ran_exponential(rng, 1 / lambda);
        }
    }
    gsl_rng_free(rng);
    return 0;
}
