/* bgbb: the BG/BB model of Fader, Hardie and Shang (2010), fitted by
 * maximum likelihood to a compressed table; its per-customer quantities;
 * the table's reader.
 *
 * Choices:
 *
 *  - Likelihood (FHS 2010), per line of the table, as a log-sum-exp
 *    of its 1 + (n - t_x) terms: the customer alive after opportunity n,
 *    or dead at the start of opportunity t_x + i + 1, i = 0 .. n-t_x-1.
 *    The i-th term is obtained from the (i-1)-th by the ratio
 *      (beta+t_x-x+i-1)/(alpha+beta+t_x+i-1) (delta+t_x+i-1)/(gamma+delta+t_x+i)
 *    (B(a, b+1)/B(a, b) = b/(a+b)), so a line costs O(n - t_x) cheap
 *    operations after four lnbeta; the donations table has 22 lines.
 *
 *  - Optimiser: the shared multi-start fit of fit/mle.c, scheme MLE_NATURAL
 *    (Nelder-Mead on the log-parameters; 16 starts, alpha, beta, gamma,
 *    delta each in two values around 1; the restart and convergence tests
 *    described there).
 *    With a few dozen lines the likelihood costs microseconds, so no
 *    analytic gradient is needed; standard errors and cov_log come from the
 *    numerical Hessian as for Gamma-Gamma and sBG.
 *
 *  - Expectations: E[sum_{k=1}^{m} (1-theta)^k] for theta ~ Beta(gamma, D)
 *    is summed term by term with the ratio (D+k-1)/(gamma+D+k-1) (exact for
 *    any gamma, including the paper's removable singularity gamma = 1) up
 *    to 10^6 terms, and beyond that from the closed form of FHS (2010), D/(gamma-1) (1 - Gamma(gamma+D) Gamma(1+D+m) /
 *    (Gamma(1+D) Gamma(gamma+D+m))), which loses digits only as gamma nears
 *    1 (the sum is then used whatever m).
 *
 *  - Reader: the file is read whole through sim/input.h (regular files
 *    only, within the transaction-log size limit), checked to be UTF-8
 *    text, and parsed by libcsv one physical line at a time so that every
 *    error names its line.  The first bad line stops the read: a table of a
 *    few dozen lines is a summary someone made, and a wrong line in it is a
 *    mistake to fix, not noise to skip. */
#include "bgbb.h"

#include <csv.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../sim/input.h"
#include "../sim/text.h"
#include "mle.h"
#include "numerics.h"

#define MIN_CUSTOMERS 10
#define MAX_PERIODS 100000      /* opportunities per customer: beyond, a unit error */
#define MAX_COUNT 1e12          /* customers on one line */
#define SUM_TERMS 1000000       /* direct sum of survival terms up to this many */

static int history_ok(int x, int t_x, int n)
{
    return x >= 0 && t_x >= 0 && n >= 0 && x <= t_x && t_x <= n && (x > 0 || t_x == 0);
}

/* ln of the "alive after n" term and of the sum of the death terms
 * (-INFINITY when there are none), relative to B(alpha, beta) B(gamma, delta). */
static void loglik_parts(double al, double be, double ga, double de, int x, int t_x, int n,
                         double lnB0, double *lalive, double *ldead)
{
    *lalive = lnbeta(al + x, be + n - x) + lnbeta(ga, de + n) - lnB0;
    *ldead = -INFINITY;
    int m = n - t_x;
    if (m <= 0)
        return;
    double l = lnbeta(al + x, be + t_x - x) + lnbeta(ga + 1, de + t_x) - lnB0;
    double lmax = l, s = 1;   /* sum of exp(l_i - lmax) */
    double li = l;
    for (int i = 1; i < m; i++) {
        li += log((be + t_x - x + i - 1) / (al + be + t_x + i - 1))
              + log((de + t_x + i - 1) / (ga + de + t_x + i));
        if (li > lmax) {
            s = s * exp(lmax - li) + 1;
            lmax = li;
        } else {
            s += exp(li - lmax);
        }
    }
    *ldead = lmax + log(s);
}

double bgbb_loglik_one(double alpha, double beta, double gamma, double delta, int x, int t_x,
                       int n)
{
    if (!history_ok(x, t_x, n) || !(alpha > 0) || !(beta > 0) || !(gamma > 0) || !(delta > 0))
        return NAN;
    double la, ld;
    loglik_parts(alpha, beta, gamma, delta, x, t_x, n, lnbeta(alpha, beta) + lnbeta(gamma, delta),
                 &la, &ld);
    return logaddexp(la, ld);
}

/* ---- the fit ---- */

typedef struct bgbb_data {
    const bgbb_row *rows;
    int nrows;
} bgbb_data;

static double bgbb_nll(const double *th, void *ctx)
{
    const bgbb_data *D = ctx;
    double lnB0 = lnbeta(th[0], th[1]) + lnbeta(th[2], th[3]);
    double ll = 0;
    for (int i = 0; i < D->nrows; i++) {
        const bgbb_row *r = &D->rows[i];
        if (!(r->count > 0))
            continue;
        double la, ld;
        loglik_parts(th[0], th[1], th[2], th[3], r->x, r->t_x, r->n, lnB0, &la, &ld);
        ll += r->count * logaddexp(la, ld);
    }
    return -ll;
}

static const char *const bgbb_names[] = { "alpha", "beta", "gamma", "delta" };

int bgbb_fit_run(const bgbb_row *rows, int nrows, bgbb_fit *out, diag *d)
{
    memset(out, 0, sizeof *out);
    if (!rows || nrows <= 0)
        return diag_set(d, DIAG_USAGE, "BG/BB fit: no customers given");
    double used = 0, sx = 0, sgap = 0;
    for (int i = 0; i < nrows; i++) {
        const bgbb_row *r = &rows[i];
        if (!history_ok(r->x, r->t_x, r->n))
            return diag_set(d, DIAG_USAGE,
                            "BG/BB fit: line %d of the table has frequency %d, recency %d, "
                            "periods %d; expected 0 <= frequency <= recency <= periods, and "
                            "recency 0 when frequency is 0",
                            i + 1, r->x, r->t_x, r->n);
        if (!(r->count >= 0) || !isfinite(r->count))
            return diag_set(d, DIAG_USAGE,
                            "BG/BB fit: line %d of the table has %g customers; expected a "
                            "number >= 0",
                            i + 1, r->count);
        if (r->n > 0) {
            used += r->count;
            sx += r->count * r->x;
            sgap += r->count * (r->n - r->x);
        }
    }
    if (used < MIN_CUSTOMERS)
        return diag_set(d, DIAG_USAGE,
                        "BG/BB fit needs at least %d customers with at least one opportunity "
                        "(periods > 0); got %g",
                        MIN_CUSTOMERS, used);
    if (sx == 0)
        return diag_set(d, DIAG_USAGE,
                        "BG/BB fit: none of the %g customers made a purchase after the first, so "
                        "the purchase and dropout chances cannot be estimated",
                        used);
    if (sgap == 0)
        return diag_set(d, DIAG_USAGE,
                        "BG/BB fit: every one of the %g customers bought at every opportunity, so "
                        "nobody can be seen to drop out and the model cannot be estimated",
                        used);

    double st[16][MLE_MAXP];
    int ns = 0;
    const double g1[2] = { 0.5, 2 }, g2[2] = { 0.5, 3 };
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
            for (int u = 0; u < 2; u++)
                for (int v = 0; v < 2; v++) {
                    st[ns][0] = g1[i];
                    st[ns][1] = g1[j];
                    st[ns][2] = g1[u];
                    st[ns][3] = g2[v];
                    ns++;
                }
    bgbb_data D = { rows, nrows };
    mle_problem P = { 4, bgbb_nll, NULL, &D, used, MLE_NATURAL };
    mle_result R;
    mle_fit(&P, (const double(*)[MLE_MAXP])st, ns, &R);

    out->alpha = R.theta[0];
    out->beta = R.theta[1];
    out->gamma = R.theta[2];
    out->delta = R.theta[3];
    memcpy(out->se, R.se, sizeof out->se);
    memcpy(out->cov_log, R.cov_log, sizeof out->cov_log);
    out->loglik = -R.nll;
    out->n_customers = used < 2e9 ? (int)llround(used) : 2000000000;
    out->starts = R.starts;
    out->converged = R.converged;
    if (!R.converged)
        return mle_report_failure(d, "BG/BB", &R, bgbb_names, 4, "Nelder-Mead",
                                  "alpha, beta, gamma in {0.5, 2}, delta in {0.5, 3}");
    return DIAG_OK;
}

/* ---- per customer ---- */

double bgbb_p_alive(const bgbb_fit *f, int x, int t_x, int n)
{
    if (!history_ok(x, t_x, n))
        return NAN;
    double la, ld;
    loglik_parts(f->alpha, f->beta, f->gamma, f->delta, x, t_x, n, 0, &la, &ld);
    if (ld == -INFINITY)
        return 1;
    /* 1 / (1 + exp(ld - la)) */
    double u = ld - la;
    return u > 0 ? exp(-u) / (1 + exp(-u)) : 1 / (1 + exp(u));
}

/* sum_{k=1}^{m} E[(1-theta)^k], theta ~ Beta(gamma, D): see the header comment */
static double survival_sum(double gamma, double D, int m)
{
    if (m <= 0)
        return 0;
    if (m <= SUM_TERMS || fabs(gamma - 1) < 1e-3) {
        double term = 1, sum = 0;
        for (int k = 1; k <= m; k++) {
            term *= (D + k - 1) / (gamma + D + k - 1);
            sum += term;
        }
        return sum;
    }
    double lnR = lngamma(gamma + D) - lngamma(1 + D) + lngamma(1 + D + m) - lngamma(gamma + D + m);
    return -D * expm1(lnR) / (gamma - 1);
}

double bgbb_expected_conditional(const bgbb_fit *f, int x, int t_x, int n, int n_star)
{
    if (!history_ok(x, t_x, n))
        return NAN;
    if (n_star <= 0)
        return 0;
    return bgbb_p_alive(f, x, t_x, n) * (f->alpha + x) / (f->alpha + f->beta + n)
           * survival_sum(f->gamma, f->delta + n, n_star);
}

double bgbb_expected_unconditional(const bgbb_fit *f, int n)
{
    if (n <= 0)
        return 0;
    return f->alpha / (f->alpha + f->beta) * survival_sum(f->gamma, f->delta, n);
}

/* ---- the table's reader ---- */

enum { COL_X, COL_TX, COL_N, COL_COUNT, NCOLS };
static const char *const col_names[NCOLS][4] = {
    { "frequency", NULL },
    { "recency", NULL },
    { "periods", NULL },
    { "weights", "count", "customers", NULL },
};
static const char *const col_role[NCOLS] = { "frequency", "recency", "periods", "count" };

#define MAX_FIELDS 64
#define FIELD_MAX 128

typedef struct table_reader {
    const char *path;
    diag *d;
    int failed;
    long line, row_line;
    int nf;
    char fv[MAX_FIELDS][FIELD_MAX];
    int too_long[MAX_FIELDS];
    int have_header;
    int col[NCOLS];
    char hname[NCOLS][FIELD_MAX];   /* the header's names of the columns used */
    bgbb_row *rows;
    int nrows, cap;
} table_reader;

static void on_field(void *s, size_t len, void *data)
{
    table_reader *r = data;
    if (r->failed)
        return;
    if (r->nf >= MAX_FIELDS) {
        diag_set(r->d, DIAG_USAGE, "%s: line %ld: more than %d columns; a BG/BB table has four "
                 "(frequency, recency, periods, count)", r->path, r->row_line, MAX_FIELDS);
        r->failed = 1;
        return;
    }
    size_t n = len < FIELD_MAX - 1 ? len : FIELD_MAX - 1;
    memcpy(r->fv[r->nf], s, n);
    r->fv[r->nf][n] = 0;
    r->too_long[r->nf] = len >= FIELD_MAX - 1;
    r->nf++;
}

static void on_header(table_reader *r)
{
    for (int c = 0; c < NCOLS; c++)
        r->col[c] = -1;
    for (int i = 0; i < r->nf; i++) {
        const char *name = text_trim(r->fv[i]);
        for (int c = 0; c < NCOLS; c++)
            for (int k = 0; col_names[c][k]; k++)
                if (!strcasecmp(name, col_names[c][k])) {
                    if (r->col[c] >= 0) {
                        diag_set(r->d, DIAG_USAGE,
                                 "%s: line %ld: two %s columns in the header (columns %d and "
                                 "%d); keep one",
                                 r->path, r->row_line, col_role[c], r->col[c] + 1, i + 1);
                        r->failed = 1;
                        return;
                    }
                    r->col[c] = i;
                    snprintf(r->hname[c], sizeof r->hname[c], "%s", name);
                }
    }
    for (int c = 0; c < NCOLS; c++)
        if (r->col[c] < 0) {
            char found[512] = "";
            size_t used = 0;
            for (int i = 0; i < r->nf && used < sizeof found; i++)
                used += (size_t)snprintf(found + used, sizeof found - used, "%s'%s'",
                                         i ? ", " : "", r->fv[i]);
            diag_set(r->d, DIAG_USAGE,
                     "%s: line %ld: the header has no %s column (found %s); a BG/BB table "
                     "needs the columns frequency, recency, periods and weights (or count, "
                     "or customers)",
                     r->path, r->row_line, c == COL_COUNT ? "weights/count/customers" : col_role[c],
                     found);
            r->failed = 1;
            return;
        }
    r->have_header = 1;
}

/* A whole number >= 0 and <= max in field i, or a usage error naming it. */
static int read_whole(table_reader *r, int c, double max, double *out)
{
    int i = r->col[c];
    char *s = text_trim(r->fv[i]), *end;
    const char *why = NULL;
    double v = 0;
    if (r->too_long[i])
        why = "is too long to be a number";
    else if (!*s)
        why = "is empty";
    else {
        v = strtod(s, &end);
        /* decimal only: strtod would also take "0x10", "inf" and "nan" */
        if (*end || !isfinite(v) || s[strspn(s, "0123456789+-.eE")])
            why = "is not a number";
        else if (v < 0)
            why = "is negative";
        else if (v != floor(v))
            why = "is not a whole number";
        else if (v > max)
            why = "is too large";
    }
    if (why) {
        diag_set(r->d, DIAG_USAGE,
                 "%s: line %ld, column %d (%s): '%.40s' %s; expected a whole number from 0 to %.0f",
                 r->path, r->row_line, i + 1, r->hname[c], s, why, max);
        r->failed = 1;
        return -1;
    }
    *out = v;
    return 0;
}

static void on_data(table_reader *r)
{
    int need = 0;
    for (int c = 0; c < NCOLS; c++)
        if (r->col[c] + 1 > need)
            need = r->col[c] + 1;
    if (r->nf < need) {
        diag_set(r->d, DIAG_USAGE, "%s: line %ld: %d field%s, but the header has %d columns up to "
                 "the last one needed", r->path, r->row_line, r->nf, r->nf == 1 ? "" : "s", need);
        r->failed = 1;
        return;
    }
    double v[NCOLS];
    for (int c = 0; c < NCOLS; c++)
        if (read_whole(r, c, c == COL_COUNT ? MAX_COUNT : MAX_PERIODS, &v[c]))
            return;
    int x = (int)v[COL_X], t_x = (int)v[COL_TX], n = (int)v[COL_N];
    const char *why = NULL;
    if (t_x > n)
        why = "the recency (the opportunity of the last purchase) is after the last opportunity "
              "(periods)";
    else if (x > t_x)
        why = "more purchases (frequency) than opportunities up to the last one (recency): at "
              "most one purchase per opportunity";
    else if (x == 0 && t_x != 0)
        why = "no purchase after the first (frequency 0) but a last purchase at opportunity "
              "recency; recency must be 0 when frequency is 0";
    if (why) {
        diag_set(r->d, DIAG_USAGE, "%s: line %ld: frequency %d, recency %d, periods %d: %s",
                 r->path, r->row_line, x, t_x, n, why);
        r->failed = 1;
        return;
    }
    if (r->nrows == r->cap) {
        int ncap = r->cap ? 2 * r->cap : 64;
        bgbb_row *g = realloc(r->rows, sizeof *g * (size_t)ncap);
        if (!g) {
            diag_set(r->d, DIAG_RUNTIME, "%s: out of memory", r->path);
            r->failed = 1;
            return;
        }
        r->rows = g;
        r->cap = ncap;
    }
    r->rows[r->nrows++] = (bgbb_row){ x, t_x, n, v[COL_COUNT] };
}

static void on_row(int term, void *data)
{
    (void)term;
    table_reader *r = data;
    if (!r->failed) {
        int empty = 1;
        for (int i = 0; i < r->nf && empty; i++)
            empty = !*text_trim(r->fv[i]);
        if (!empty) {
            if (!r->have_header)
                on_header(r);
            else
                on_data(r);
        }
    }
    r->nf = 0;
}

int bgbb_read_table(const char *path, bgbb_row **rows, int *nrows, diag *d)
{
    *rows = NULL;
    *nrows = 0;
    size_t len;
    char *text = input_read_all(path, INPUT_TRANSACTIONS, "BG/BB table", &len, d);
    if (!text)
        return d->status ? d->status : DIAG_USAGE;
    if (input_check_text(text, len, path, d)) {
        free(text);
        return d->status;
    }
    table_reader *r = calloc(1, sizeof *r);
    struct csv_parser p;
    if (!r || csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL)) {
        free(r);
        free(text);
        return diag_set(d, DIAG_RUNTIME, "%s: out of memory", path);
    }
    r->path = path;
    r->d = d;
    r->line = 1;
    size_t start = len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3) ? 3 : 0;
    int row_open = 0;
    /* one physical line at a time, so that a row's line is known */
    while (start < len && !r->failed) {
        const char *nl = memchr(text + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - text) + 1 : len;
        if (!row_open) {
            r->row_line = r->line;
            row_open = 1;
        }
        if (csv_parse(&p, text + start, end - start, on_field, on_row, r) != end - start
            && !r->failed) {
            diag_set(d, DIAG_USAGE, "%s: line %ld: cannot parse the CSV: %s", path, r->line,
                     csv_strerror(csv_error(&p)));
            r->failed = 1;
        }
        /* a row ends with its line unless a quoted field runs on */
        if (!(p.quoted && p.pstate == 2))
            row_open = 0;
        r->line++;
        start = end;
    }
    if (!r->failed && csv_fini(&p, on_field, on_row, r) && !r->failed) {
        diag_set(d, DIAG_USAGE, "%s: line %ld: a quoted field is never closed", path, r->row_line);
        r->failed = 1;
    }
    csv_free(&p);
    free(text);
    int status = DIAG_OK;
    if (r->failed)
        status = d->status ? d->status : DIAG_USAGE;
    else if (!r->have_header)
        status = diag_set(d, DIAG_USAGE, "%s: empty: expected a header (frequency, recency, "
                          "periods, weights) and one line per history", path);
    else if (r->nrows == 0)
        status = diag_set(d, DIAG_USAGE, "%s: a header but no data lines: expected one line per "
                          "(frequency, recency, periods) with its number of customers", path);
    if (status) {
        free(r->rows);
    } else {
        *rows = r->rows;
        *nrows = r->nrows;
    }
    free(r);
    return status;
}
