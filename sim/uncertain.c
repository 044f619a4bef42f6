#include "uncertain.h"

#include <ctype.h>
#include <errno.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang.h"

const char *const uncertainty_method_names[] = { "unstated", "hessian", "bootstrap", NULL };

static int check_uncertainty(void *params, const char *label, const struct scenario *sc, diag *d)
{
    (void)label;
    const uncertainty_params *u = params;
    if (!u->draws[0] && scen_is_set(sc, &section_uncertainty, NULL, "method"))
        return diag_set(d, DIAG_USAGE, "[uncertainty] method = %s but no draws file: add "
                        "draws = FILE (a CSV of joint draws), or remove method",
                        uncertainty_method_names[u->method]);
    return 0;
}

static const scen_key uncertainty_keys[] = {
    { "draws", KEY_TEXT, offsetof(uncertainty_params, draws), 0, 0, 0, 0, "", NULL,
      N_("A CSV of joint draws of number keys (e.g. a fit's parameters): a header of section.key "
         "names (section.NAME.key for a named section), then one row per draw, each value within "
         "its key's range. Each pair of replications takes one row, chosen by a hash of (seed, "
         "draw), so the parameters' correlations are kept. Path relative to this file's folder.") },
    { "method", KEY_CHOICE, offsetof(uncertainty_params, method), UNC_METHOD_UNSTATED, 0, 0, 0,
      "", uncertainty_method_names,
      N_("How the draws were made: hessian (the estimate's asymptotic normal, from the Hessian) or "
         "bootstrap (refits on resampled customers); only recorded and shown in the outputs.") },
    { 0 }
};

const scen_section section_uncertainty = {
    "uncertainty",
    N_("What the parameters' values are not sure of, drawn once per pair of replications so that "
    "every interval carries it (docs/whatif.md). Besides a draws file, any number key may hold a "
    "distribution instead of a number: beta(a, b), uniform(lo, hi) or lo..hi, normal(mean, sd), "
    "lognormal(mu, sigma) (of the log), gamma(shape, scale); its mean is the key's point value. "
    "--param-uncertainty off runs every key at its point value."),
    sizeof(uncertainty_params), 1, uncertainty_keys, check_uncertainty
};

uint64_t dist_hash(const char *text)
{
    uint64_t h = 0xcbf29ce484222325ULL;  /* FNV-1a offset basis (Fowler, Noll and Vo) */
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ULL;           /* FNV prime */
    }
    return h;
}

/* ---- parsing ---- */

static const char *const dist_names[] = { "beta", "uniform", "normal", "lognormal", "gamma", NULL };
static const int dist_kinds[] = { DIST_BETA, DIST_UNIFORM, DIST_NORMAL, DIST_LOGNORMAL, DIST_GAMMA };

/* [b, e) as a finite decimal number, nothing else around it */
static int parse_number(const char *b, const char *e, double *out)
{
    while (b < e && isspace((unsigned char)*b))
        b++;
    while (e > b && isspace((unsigned char)e[-1]))
        e--;
    char buf[64];
    size_t n = (size_t)(e - b);
    if (n == 0 || n >= sizeof buf)
        return -1;
    memcpy(buf, b, n);
    buf[n] = '\0';
    if (strpbrk(buf, "xX"))
        return -1;
    char *end;
    errno = 0;
    double x = strtod(buf, &end);
    if (*end || errno == ERANGE || !isfinite(x))
        return -1;
    *out = x == 0 ? 0 : x;
    return 0;
}

/* The tail beyond 6 standard deviations of a normal, on one side
 * (9.87e-10): a distribution without bounds is admitted when all but this
 * much of it on each side lies in the key's range.  Held at the bound, the
 * rest moves the mean and variance by under 1e-8 of a standard deviation. */
static double tail6(void)
{
    return gsl_cdf_ugaussian_Q(6.0);
}

/* The values a draw can take ([lo, hi]; open when the density has no mass
 * at that end) and whether that needed the 6-sd rule. */
static void support(const scen_dist *s, double *lo, double *hi, int *lo_open, int *hi_open)
{
    *lo_open = *hi_open = 0;
    switch (s->kind) {
    case DIST_BETA:
        *lo = 0;
        *hi = 1;
        *lo_open = *hi_open = 1;
        break;
    case DIST_UNIFORM:
        *lo = s->a;
        *hi = s->b;
        break;
    case DIST_NORMAL:
        *lo = s->a - 6 * s->b;
        *hi = s->a + 6 * s->b;
        break;
    case DIST_LOGNORMAL:
        *lo = exp(s->a - 6 * s->b);
        *hi = exp(s->a + 6 * s->b);
        break;
    case DIST_GAMMA: {
        /* GSL reports a quantile it cannot find through its error handler,
         * which aborts by default (the tests keep it): off for the call */
        gsl_error_handler_t *old = gsl_set_error_handler_off();
        *lo = gsl_cdf_gamma_Pinv(tail6(), s->a, s->b);
        *hi = gsl_cdf_gamma_Qinv(tail6(), s->a, s->b);
        gsl_set_error_handler(old);
        if (!(*lo >= 0))
            *lo = 0;
        break;
    }
    default:
        *lo = *hi = NAN;
    }
}

double dist_mean(const scen_dist *s)
{
    switch (s->kind) {
    case DIST_BETA: return s->a / (s->a + s->b);
    case DIST_UNIFORM: return 0.5 * (s->a + s->b);
    case DIST_NORMAL: return s->a;
    case DIST_LOGNORMAL: return exp(s->a + 0.5 * s->b * s->b);
    case DIST_GAMMA: return s->a * s->b;
    default: return NAN;
    }
}

double dist_variance(const scen_dist *s)
{
    switch (s->kind) {
    case DIST_BETA: {
        double n = s->a + s->b;
        return s->a * s->b / (n * n * (n + 1));
    }
    case DIST_UNIFORM: return (s->b - s->a) * (s->b - s->a) / 12;
    case DIST_NORMAL: return s->b * s->b;
    case DIST_LOGNORMAL: return expm1(s->b * s->b) * exp(2 * s->a + s->b * s->b);
    case DIST_GAMMA: return s->a * s->b * s->b;
    default: return NAN;
    }
}

/* "0.1" with the fewest digits that read back the same */
static void shortest(char *buf, size_t cap, double x)
{
    for (int digits = 6; digits <= 17; digits++) {
        snprintf(buf, cap, "%.*g", digits, x);
        if (strtod(buf, NULL) == x)
            return;
    }
}

void scen_dist_format(const scen_dist *s, char *buf, size_t len)
{
    char a[40], b[40];
    shortest(a, sizeof a, s->a);
    shortest(b, sizeof b, s->b);
    if (s->kind == DIST_UNIFORM && s->short_form)
        snprintf(buf, len, "%s..%s", a, b);
    else if (s->kind >= DIST_BETA && s->kind <= DIST_GAMMA)
        snprintf(buf, len, "%s(%s, %s)", dist_names[s->kind - DIST_BETA], a, b);
    else
        snprintf(buf, len, "?");
}

static int key_allows(const scen_key *k, double lo, double hi, int lo_open, int hi_open)
{
    int lo_ok = lo > k->min || (lo == k->min && (!(k->flags & KEY_MIN_OPEN) || lo_open));
    int hi_ok = hi < k->max || (hi == k->max && (!(k->flags & KEY_MAX_OPEN) || hi_open));
    return lo_ok && hi_ok;
}

int dist_parse(const scen_key *k, const char *value, const char *where, scen_dist *out, diag *d)
{
    const char *open = strchr(value, '('), *dots = strstr(value, "..");
    if (!open && !dots)
        return -1;
    const char *unit = k->unit && *k->unit ? k->unit : "";
    if (k->kind != KEY_REAL)
        return diag_set(d, DIAG_USAGE, "%s %s = '%s': only a number key (not a whole number, "
                        "choice or text) can hold a distribution; write one value", where, k->name,
                        value);
    memset(out, 0, sizeof *out);
    if (open) {
        char name[32];
        size_t n = 0;
        for (const char *p = value; p < open && n + 1 < sizeof name; p++)
            if (!isspace((unsigned char)*p))
                name[n++] = (char)tolower((unsigned char)*p);
        name[n] = '\0';
        int kind = -1;
        for (int i = 0; dist_names[i]; i++)
            if (!strcmp(name, dist_names[i]))
                kind = dist_kinds[i];
        if (kind < 0) {
            const char *near = diag_nearest(name, dist_names);
            char suggestion[160] = "";
            if (near)
                snprintf(suggestion, sizeof suggestion, tr(lang_ui(), " (did you mean '%s'?)"), near);
            return diag_set(d, DIAG_USAGE,
                            "%s %s = '%s': unknown distribution '%s'%s; a number key takes a "
                            "number or one of beta(a, b), uniform(lo, hi) or lo..hi, "
                            "normal(mean, sd), lognormal(mu, sigma), gamma(shape, scale)",
                            where, k->name, value, name, suggestion);
        }
        const char *close = strrchr(value, ')');
        const char *comma = strchr(open, ',');
        const char *after = close ? close + 1 : NULL;
        while (after && isspace((unsigned char)*after))
            after++;
        const char *comma2 = comma ? strchr(comma + 1, ',') : NULL;
        if (!close || close < open || (after && *after) || !comma || comma > close
            || (comma2 && comma2 < close)
            || parse_number(open + 1, comma, &out->a) || parse_number(comma + 1, close, &out->b))
            return diag_set(d, DIAG_USAGE, "%s %s = '%s': expected %s(x, y) with two numbers, "
                            "e.g. beta(2, 18) or normal(0.5, 0.05)", where, k->name, value,
                            dist_names[kind - DIST_BETA]);
        out->kind = kind;
    } else {
        if (parse_number(value, dots, &out->a) || parse_number(dots + 2, value + strlen(value), &out->b))
            return diag_set(d, DIAG_USAGE, "%s %s = '%s': expected a range lo..hi of two numbers, "
                            "e.g. 0.05..0.15 (or one number)", where, k->name, value);
        out->kind = DIST_UNIFORM;
        out->short_form = 1;
    }
    const char *why = NULL;
    switch (out->kind) {
    case DIST_BETA:
        if (!(out->a > 0 && out->b > 0))
            why = N_("beta(a, b) needs a > 0 and b > 0 (its mean is a / (a + b))");
        break;
    case DIST_UNIFORM:
        if (!(out->a < out->b))
            why = N_("a range needs lo below hi (for a fixed value, write the number)");
        break;
    case DIST_NORMAL:
        if (!(out->b > 0))
            why = N_("normal(mean, sd) needs sd > 0 (for a fixed value, write the number)");
        break;
    case DIST_LOGNORMAL:
        if (!(out->b > 0))
            why = N_("lognormal(mu, sigma) needs sigma > 0 (mu and sigma are the mean and sd of "
                     "the log)");
        break;
    case DIST_GAMMA:
        if (!(out->a > 0 && out->b > 0))
            why = N_("gamma(shape, scale) needs shape > 0 and scale > 0 (its mean is shape x scale)");
        break;
    }
    if (why)
        return diag_set(d, DIAG_USAGE, "%s %s = '%s': %s", where, k->name, value,
                        tr(lang_ui(), why));
    int lo_open, hi_open;
    support(out, &out->lo, &out->hi, &lo_open, &hi_open);
    double mean = dist_mean(out);
    if (!isfinite(out->lo) || !isfinite(out->hi) || !isfinite(mean)
        || !key_allows(k, out->lo, out->hi, lo_open, hi_open)) {
        char range[256], lo[40], hi[40], hint[300];
        scen_key_range(k, range, sizeof range);
        snprintf(lo, sizeof lo, "%.6g", out->lo);
        snprintf(hi, sizeof hi, "%.6g", out->hi);
        const char *reach = out->kind == DIST_NORMAL ? tr(lang_ui(), " (mean +/- 6 sd)")
                            : out->kind == DIST_BETA || out->kind == DIST_UNIFORM ? ""
                            : tr(lang_ui(), " (all but 1e-9 on each side)");
        double var = dist_variance(out);
        /* a beta of the same mean and sd, when the key takes 0 to 1 */
        double common = isfinite(var) && var > 0 ? mean * (1 - mean) / var - 1 : -1;
        if (key_allows(k, 0, 1, 1, 1) && mean > 0 && mean < 1 && common > 0)
            snprintf(hint, sizeof hint, tr(lang_ui(), "use beta(%.3g, %.3g) (the same mean and sd, "
                                                      "always within 0 to 1) or a range lo..hi "
                                                      "inside the allowed values"),
                     mean * common, (1 - mean) * common);
        else
            snprintf(hint, sizeof hint, "%s", tr(lang_ui(), "use a range lo..hi inside the allowed "
                                                            "values, or a narrower distribution"));
        return diag_set(d, DIAG_USAGE, "%s %s = '%s': its draws reach %s to %s%s, outside the "
                        "allowed %s%s%s; %s", where, k->name, value, lo, hi, reach, range,
                        *unit ? " " : "", unit, hint);
    }
    return 0;
}

/* x held where a draw is held: inside the support dist_parse admitted
 * (normal, lognormal, gamma: beyond 6 sd), and inside k's range, strictly
 * inside an open bound (a beta quantile may round to 0 or 1) */
static double hold(const scen_dist *s, const scen_key *k, double x)
{
    if (x < s->lo)
        x = s->lo;
    if (x > s->hi)
        x = s->hi;
    if (!k)
        return x;
    if (x < k->min || ((k->flags & KEY_MIN_OPEN) && x <= k->min))
        x = (k->flags & KEY_MIN_OPEN) ? nextafter(k->min, INFINITY) : k->min;
    if (x > k->max || ((k->flags & KEY_MAX_OPEN) && x >= k->max))
        x = (k->flags & KEY_MAX_OPEN) ? nextafter(k->max, -INFINITY) : k->max;
    return x;
}

static double cdf(const scen_dist *s, double x)
{
    switch (s->kind) {
    case DIST_BETA: return gsl_cdf_beta_P(x, s->a, s->b);
    case DIST_UNIFORM: return gsl_cdf_flat_P(x, s->a, s->b);
    case DIST_NORMAL: return gsl_cdf_gaussian_P(x - s->a, s->b);
    case DIST_LOGNORMAL: return gsl_cdf_lognormal_P(x, s->a, s->b);
    case DIST_GAMMA: return gsl_cdf_gamma_P(x, s->a, s->b);
    default: return NAN;
    }
}

double dist_quantile(const scen_dist *s, const scen_key *k, double p)
{
    if (!(p > 0 && p < 1))
        return NAN;
    double x;
    /* GSL reports a quantile it cannot find through its error handler,
     * which aborts by default: off for the call, NAN checked instead */
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    switch (s->kind) {
    case DIST_BETA: x = gsl_cdf_beta_Pinv(p, s->a, s->b); break;
    /* closed form; lo + p (hi - lo) keeps p = 0.5 the exact midpoint */
    case DIST_UNIFORM: x = s->a + p * (s->b - s->a); break;
    case DIST_NORMAL: x = s->a + gsl_cdf_gaussian_Pinv(p, s->b); break;
    case DIST_LOGNORMAL: x = gsl_cdf_lognormal_Pinv(p, s->a, s->b); break;
    case DIST_GAMMA: x = gsl_cdf_gamma_Pinv(p, s->a, s->b); break;
    default: x = NAN;
    }
    if (isnan(x) && s->kind != DIST_NONE) {
        /* GSL's inverse gives up on an extreme shape (beta(0.001, 5): its 5 %
         * quantile is below 1e-300), where the CDF itself still works:
         * bisect it over the support, down to adjacent doubles */
        double lo = s->lo, hi = s->hi;
        for (int i = 0; i < 2200; i++) {
            double mid = lo + 0.5 * (hi - lo);
            if (mid <= lo || mid >= hi)
                break;
            if (cdf(s, mid) < p)
                lo = mid;
            else
                hi = mid;
        }
        x = cdf(s, lo) >= p ? lo : hi;
    }
    gsl_set_error_handler(old);
    return isnan(x) ? NAN : hold(s, k, x);
}

double dist_sample(const scen_dist *s, const scen_key *k, gsl_rng *r)
{
    double x;
    switch (s->kind) {
    case DIST_BETA: x = gsl_ran_beta(r, s->a, s->b); break;
    case DIST_UNIFORM: x = gsl_ran_flat(r, s->a, s->b); break;
    case DIST_NORMAL: x = s->a + gsl_ran_gaussian(r, s->b); break;
    case DIST_LOGNORMAL: x = gsl_ran_lognormal(r, s->a, s->b); break;
    case DIST_GAMMA: x = gsl_ran_gamma(r, s->a, s->b); break;
    default: return NAN;
    }
    /* beyond 6 sd (normal, lognormal, gamma: 2e-9 of the draws) held there;
     * a beta that rounds to exactly 0 or 1 kept inside an open bound */
    return hold(s, k, x);
}
