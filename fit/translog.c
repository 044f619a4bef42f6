/* translog: a till or CRM export read into per-customer purchase histories.
 *
 * How a file is read, and why:
 *
 * - Parsing is libcsv's (quoted fields, commas and line breaks inside quotes,
 *   "" escapes), lenient about stray quotes inside unquoted fields, which
 *   real exports contain, but a quote that is never closed (it would swallow
 *   the rest of the file into one field) is refused with its line.
 *   The file is fed to it one physical line at a time so that every row is
 *   reported with the line it starts on; LF, CRLF and lone CR all end a
 *   line.  A UTF-8 byte-order mark is skipped; a UTF-16 one is refused (Excel
 *   "Unicode text"), as it would otherwise read as garbage.
 * - The separator is a comma, unless the header line has none and has tabs
 *   or semicolons (European and tab-separated exports): then the more
 *   frequent of those.
 * - The first non-blank row is the header.  Blank lines, and rows whose every
 *   field is empty (spreadsheets leave ",,,"), are skipped and not counted.
 *   Header names are compared after trimming, lower-casing ASCII letters and
 *   turning spaces, '-' and '.' into '_', so "Customer ID" is customer_id.
 * - Columns not named in the options are found from the lists below, most
 *   specific name first; one column cannot serve two roles.
 * - Dates: the format given, else the one of date_formats[] that reads the
 *   most values of the whole column (not a sample: a month/day file whose
 *   first thousand rows all fall on days 1-12 is still recognised).  Two
 *   formats that read the same values into different days (01/02/2024) make
 *   the file ambiguous: refused, asking for --date-format.  When the best
 *   format reads fewer than half the values the format is unknown: refused,
 *   quoting the first value it cannot read.  A time after the date
 *   ("2024-01-05 13:22", "2024-01-05T13:22:00Z") is ignored.  Days are
 *   counted from 1970-01-01 by pure calendar arithmetic (Hinnant's
 *   days_from_civil): no time zone or mktime can shift a date.
 * - Amounts: surrounding spaces and one leading currency sign ($, ¥, ￥) are
 *   stripped; what remains must be a plain decimal number (strtod, checked
 *   to the end).  Thousands separators, decimal commas, "inf", hex are bad
 *   rows, with the reason.  Negative amounts are bad rows: refunds and
 *   returns are out of scope.  Zero is accepted (a free item is a visit).
 * - A row without a customer id, with a bad date or amount, or too few fields
 *   is a bad row: counted, the first TRANSLOG_BAD_KEPT kept with their line
 *   and reason (in line order), and the read refused when more than
 *   max_bad_share of the rows are bad (0 tolerates none; opts NULL means
 *   every column detected and a share of 0.05), or when every row is.
 * - Several rows of one customer on one day are one transaction, the
 *   amounts summed (merged_rows counts the rows folded in).
 * - Customers are sorted by id: ids made of digits only come first, in
 *   numeric order, then the others in byte order; transactions by day.
 *
 * Memory: one pass over the file keeps, per usable row, the customer index,
 * the amount, the line and the date text (in one arena); arrays grow
 * geometrically: a million rows (35 MB of CSV, 100,000 customers) are read
 * and described in under 3 s with some 70 MB at the peak. */
#include "translog.h"

#include "../sim/text.h"

#include <csv.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../sim/dates.h"
#include "../sim/input.h"

enum { COL_CUSTOMER = 0, COL_DATE = 1, COL_AMOUNT = 2 };

static const char *const role_names[3] = { "customer", "date", "amount" };
static const char *const role_options[3] = { "--customer", "--date", "--amount" };

/* Candidate header names, after normalisation, most specific first. */
static const char *const customer_names[] = {
    "customer_id", "cust_id", "customerid", "customer", "member_id", "memberid", "member",
    "client_id", "client", "user_id", "userid",
    "客户id", "客户编号", "会员号", "会员id", "会员编号", "会员", "客户", "顾客", "id", NULL
};
static const char *const date_names[] = {
    "order_date", "purchase_date", "date", "day", "datetime", "order_time", "time",
    "消费日期", "下单时间", "日期", "时间", NULL
};
static const char *const amount_names[] = {
    "amount", "实付金额", "实付", "消费金额", "金额", "总额", "value", "spend", "total",
    "sales", "revenue", "dollar_value", "price", NULL
};
static const char *const *const role_lists[3] = { customer_names, date_names, amount_names };

/* Formats tried when none is given, in the order of preference for values
 * that several read alike. */
static const char *const date_formats[] = {
    "%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%d/%m/%Y", "%m/%d/%Y", "%Y.%m.%d", "%d.%m.%Y",
    "%Y年%m月%d日", NULL
};
static const char *const date_examples[] = {
    "2024-01-05", "2024/01/05", "20240105", "05/01/2024", "01/05/2024", "2024.01.05",
    "05.01.2024", "2024年1月5日", NULL
};
#define NFORMATS 8

/* ---- calendar ---- */

static int days_in_month(long y, int m)
{
    static const int dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 ? 28 + leap : dm[m - 1];
}

void translog_civil_from_days(long z, int *year, int *month, int *mday)
{
    date_civil_from_days(z, year, month, mday);
}


static int is_conversion(const char *f)
{
    return f[0] == '%' && f[1] && strchr("YmdHMS", f[1]);
}

/* Reads at most `most` (exactly `most` when exact) decimal digits. */
static int read_digits(const char **s, int most, int exact, long *v)
{
    const char *p = *s;
    long x = 0;
    int n = 0;
    while (n < most && isdigit((unsigned char)*p)) {
        x = x * 10 + (*p - '0');
        p++;
        n++;
    }
    if (n == 0 || (exact && n < most))
        return -1;
    *s = p;
    *v = x;
    return 0;
}

/* 1 when fmt uses only the conversions translog_parse_date knows. */
static int format_supported(const char *fmt)
{
    int y = 0, m = 0, d = 0;
    for (const char *f = fmt; *f; f++) {
        if (*f != '%')
            continue;
        f++;
        switch (*f) {
        case 'Y': y++; break;
        case 'm': m++; break;
        case 'd': d++; break;
        case 'H': case 'M': case 'S': case '%': break;
        default: return 0;
        }
    }
    return y == 1 && m == 1 && d == 1;
}

/* A strptime-like reader for the conversions a date column needs:
 * %Y (4 digits), %m and %d (1 or 2 digits; exactly 2 next to another
 * conversion, as in %Y%m%d), %H %M %S (read and range-checked,
 * then ignored), %% and literal bytes (UTF-8 literals such as 年 included);
 * a space in the format matches any run of white space.  Leading and trailing
 * white space of the text is ignored, and so is a time of day after the date
 * (a space or 'T' then a digit). */
int translog_parse_date(const char *text, const char *format, int *day)
{
    if (!text || !format || !format_supported(format))
        return -1;
    const char *s = text;
    while (isspace((unsigned char)*s))
        s++;
    long y = -1, m = -1, d = -1, v;
    int after_conversion = 0;
    for (const char *f = format; *f; f++) {
        if (*f == '%' && f[1] == '%') {
            if (*s != '%')
                return -1;
            s++;
            f++;
            after_conversion = 0;
        } else if (*f == '%') {
            f++;
            /* fixed widths where nothing separates two numbers (%Y%m%d) */
            int exact = after_conversion || is_conversion(f + 1);
            after_conversion = 1;
            switch (*f) {
            case 'Y':
                if (read_digits(&s, 4, 1, &y))
                    return -1;
                break;
            case 'm':
                if (read_digits(&s, 2, exact, &m))
                    return -1;
                break;
            case 'd':
                if (read_digits(&s, 2, exact, &d))
                    return -1;
                break;
            case 'H':
                if (read_digits(&s, 2, exact, &v) || v > 23)
                    return -1;
                break;
            case 'M':
                if (read_digits(&s, 2, exact, &v) || v > 59)
                    return -1;
                break;
            case 'S':
                if (read_digits(&s, 2, exact, &v) || v > 60)
                    return -1;
                break;
            default:
                return -1;
            }
        } else if (isspace((unsigned char)*f)) {
            if (!isspace((unsigned char)*s))
                return -1;
            while (isspace((unsigned char)*s))
                s++;
            after_conversion = 0;
        } else {
            if (*s != *f)
                return -1;
            s++;
            after_conversion = 0;
        }
    }
    /* what may follow: nothing, or a time of day */
    const char *rest = s;
    while (isspace((unsigned char)*rest))
        rest++;
    if (*rest) {
        if (!((*s == ' ' || *s == '\t' || *s == 'T') && isdigit((unsigned char)s[1])))
            return -1;
    }
    /* purchase dates: a wider range is a misread column, not a date */
    if (y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, (int)m))
        return -1;
    *day = (int)date_days_from_civil(y, (int)m, (int)d);
    return 0;
}

/* ---- small strings ---- */

/* Lower-case ASCII, ' ', '-', '.' to '_', trimmed: the form names are
 * compared in. */
static void normalise(const char *in, char *out, size_t cap)
{
    while (isspace((unsigned char)*in))
        in++;
    size_t n = 0;
    for (; *in && n + 1 < cap; in++) {
        unsigned char c = (unsigned char)*in;
        if (c == ' ' || c == '-' || c == '.')
            c = '_';
        else if (c < 0x80)
            c = (unsigned char)tolower(c);
        out[n++] = (char)c;
    }
    while (n > 0 && out[n - 1] == '_')
        n--;
    out[n] = '\0';
}

/* A value quoted in a message: at most 40 bytes, cut at a UTF-8 boundary. */
static void quote_value(const char *s, char *out, size_t cap)
{
    size_t n = strlen(s), lim = cap - 4 < 40 ? cap - 4 : 40;
    if (n <= lim) {
        snprintf(out, cap, "%s", s);
        return;
    }
    while (lim > 0 && ((unsigned char)s[lim] & 0xC0) == 0x80)
        lim--;
    snprintf(out, cap, "%.*s...", (int)lim, s);
}

static int valid_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int n = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2
              : (*p & 0xF8) == 0xF0 ? 3 : -1;
        if (n < 0)
            return 0;
        p++;
        for (int i = 0; i < n; i++, p++)
            if ((*p & 0xC0) != 0x80)
                return 0;
    }
    return 1;
}

/* ---- amounts ---- */

/* 0 and *out, or -1 with the reason in why. */
static int parse_amount(char *text, double *out, char *why, size_t cap)
{
    char q[64];
    char *s = text_trim(text);
    quote_value(s, q, sizeof q);
    if (!*s) {
        snprintf(why, cap, "missing amount");
        return -1;
    }
    int neg = 0;
    if (*s == '-' || *s == '+') {
        neg = *s == '-';
        s++;
        while (isspace((unsigned char)*s))
            s++;
    }
    static const char *const signs[] = { "$", "\xC2\xA5" /* ¥ */, "\xEF\xBF\xA5" /* ￥ */, NULL };
    for (int i = 0; signs[i]; i++) {
        size_t n = strlen(signs[i]);
        if (!strncmp(s, signs[i], n)) {
            s += n;
            while (isspace((unsigned char)*s))
                s++;
            break;
        }
    }
    int digits = 0;
    for (const char *p = s; *p; p++) {
        if (isdigit((unsigned char)*p))
            digits = 1;
        else if (!strchr(".eE+-", *p)) {
            if (*p == ',')
                snprintf(why, cap, "amount '%s' is not a plain number (no thousands "
                                   "separators or decimal commas: write 1234.5)", q);
            else
                snprintf(why, cap, "amount '%s' is not a number", q);
            return -1;
        }
    }
    if (!digits || !(isdigit((unsigned char)*s) || *s == '.' || *s == '-' || *s == '+')) {
        snprintf(why, cap, "amount '%s' is not a number", q);
        return -1;
    }
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (end == s || *end || errno == ERANGE || !isfinite(x)) {
        snprintf(why, cap, "amount '%s' is not a number", q);
        return -1;
    }
    if (neg)
        x = -x;
    if (x < 0) {
        snprintf(why, cap, "negative amount '%s' (refunds and returns are out of scope)", q);
        return -1;
    }
    *out = x + 0.0; /* -0 reads as 0 */
    return 0;
}

/* ---- the reader ---- */

typedef struct row {
    int cust;
    int day;
    double amount;
    long line;
    size_t date_off;    /* into the date arena */
} row;

typedef struct reader {
    const char *path;
    diag *d;
    int failed;             /* a diag was set: ignore further callbacks */
    translog *t;
    const translog_opts *o;

    long line;              /* the physical line being fed */
    long row_line;          /* the line the current row started on */
    int row_open;

    /* the fields of the row being read */
    char **fv;
    size_t *flen, *fcap;
    int nf, fmax;

    int have_header;
    int nheader;
    char **header;          /* as written, trimmed */
    int col[3];
    int need;               /* fields a row must have */

    /* customers: ids (t->ids while reading, unsorted) in an open hash */
    int ncust, capcust;
    char **ids;
    int *hash;              /* customer index + 1, 0 = free */
    size_t hcap;

    row *rows;
    size_t nrows, caprows;
    char *dates;
    size_t ndates, capdates;
} reader;

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 16;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * size);
    if (!q)
        return -1;
    *p = q;
    *cap = n;
    return 0;
}

static void fail_memory(reader *r)
{
    diag_set(r->d, DIAG_RUNTIME, "%s: out of memory reading the file (line %ld)", r->path,
             r->line);
    r->failed = 1;
}

/* Keeps the TRANSLOG_BAD_KEPT earliest bad rows, in line order. */
static void add_bad(translog *t, long line, const char *reason)
{
    t->bad_rows++;
    int n = t->nbad_kept;
    if (n == TRANSLOG_BAD_KEPT && line >= t->bad_line[n - 1])
        return;
    int i = n < TRANSLOG_BAD_KEPT ? n : n - 1;
    while (i > 0 && t->bad_line[i - 1] > line) {
        t->bad_line[i] = t->bad_line[i - 1];
        memcpy(t->bad_reason[i], t->bad_reason[i - 1], sizeof t->bad_reason[i]);
        i--;
    }
    t->bad_line[i] = line;
    snprintf(t->bad_reason[i], sizeof t->bad_reason[i], "%s", reason);
    if (n < TRANSLOG_BAD_KEPT)
        t->nbad_kept++;
}

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* The index of customer id, added when new; -1 when out of memory. */
static int intern(reader *r, const char *id)
{
    if ((size_t)r->ncust * 2 >= r->hcap) {
        size_t ncap = r->hcap ? r->hcap * 2 : 1024;
        int *nh = calloc(ncap, sizeof *nh);
        if (!nh)
            return -1;
        for (int i = 0; i < r->ncust; i++) {
            size_t j = hash_str(r->ids[i]) & (ncap - 1);
            while (nh[j])
                j = (j + 1) & (ncap - 1);
            nh[j] = i + 1;
        }
        free(r->hash);
        r->hash = nh;
        r->hcap = ncap;
    }
    size_t j = hash_str(id) & (r->hcap - 1);
    while (r->hash[j]) {
        if (!strcmp(r->ids[r->hash[j] - 1], id))
            return r->hash[j] - 1;
        j = (j + 1) & (r->hcap - 1);
    }
    size_t cap = (size_t)r->capcust;
    if (grow((void **)&r->ids, &cap, (size_t)r->ncust + 1, sizeof *r->ids))
        return -1;
    r->capcust = (int)cap;
    char *copy = strdup(id);
    if (!copy)
        return -1;
    r->ids[r->ncust] = copy;
    r->hash[j] = r->ncust + 1;
    return r->ncust++;
}

static void on_field(void *s, size_t len, void *data)
{
    reader *r = data;
    if (r->failed)
        return;
    if (r->nf == r->fmax) {
        int n = r->fmax ? r->fmax * 2 : 16;
        char **fv = realloc(r->fv, (size_t)n * sizeof *fv);
        if (fv)
            r->fv = fv;
        size_t *fl = realloc(r->flen, (size_t)n * sizeof *fl);
        if (fl)
            r->flen = fl;
        size_t *fc = realloc(r->fcap, (size_t)n * sizeof *fc);
        if (fc)
            r->fcap = fc;
        if (!fv || !fl || !fc) {
            fail_memory(r);
            return;
        }
        for (int i = r->fmax; i < n; i++) {
            r->fv[i] = NULL;
            r->fcap[i] = 0;
        }
        r->fmax = n;
    }
    int i = r->nf;
    if (grow((void **)&r->fv[i], &r->fcap[i], len + 1, 1)) {
        fail_memory(r);
        return;
    }
    if (len)
        memcpy(r->fv[i], s, len);
    r->fv[i][len] = '\0';
    r->flen[i] = len;
    r->nf++;
}

static void list_header(const reader *r, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (int i = 0; i < r->nheader && n + 1 < cap; i++) {
        char q[64];
        quote_value(r->header[i], q, sizeof q);
        int w = snprintf(out + n, cap - n, "%s'%s'", i ? ", " : "", q);
        if (w < 0 || (size_t)w >= cap - n)
            break;
        n += (size_t)w;
    }
}

static void list_names(const char *const *names, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (int i = 0; names[i]; i++) {
        int w = snprintf(out + n, cap - n, "%s%s", i ? ", " : "", names[i]);
        if (w < 0 || (size_t)w >= cap - n)
            break;
        n += (size_t)w;
    }
}

/* 1 when some header field reads as a date or a number: the first row is
 * data, not a header. */
static int header_looks_like_data(const reader *r)
{
    for (int i = 0; i < r->nheader; i++) {
        int day;
        for (int k = 0; date_formats[k]; k++)
            if (!translog_parse_date(r->header[i], date_formats[k], &day))
                return 1;
        char *end;
        const char *h = r->header[i];
        if (*h) {
            strtod(h, &end);
            if (*end == '\0')
                return 1;
        }
    }
    return 0;
}

static int pick_columns(reader *r)
{
    const translog_opts *o = r->o;
    const char *given[3] = { o ? o->customer_col : NULL, o ? o->date_col : NULL,
                             o ? o->amount_col : NULL };
    char found[1024];
    list_header(r, found, sizeof found);
    char (*norm)[128] = malloc((size_t)r->nheader * sizeof *norm);
    if (!norm) {
        fail_memory(r);
        return -1;
    }
    for (int i = 0; i < r->nheader; i++)
        normalise(r->header[i], norm[i], sizeof norm[i]);
    int status = 0;
    for (int role = 0; role < 3 && !status; role++) {
        r->col[role] = -1;
        if (given[role]) {
            char want[128];
            normalise(given[role], want, sizeof want);
            int hits = 0;
            for (int i = 0; i < r->nheader; i++)
                if (!strcmp(norm[i], want)) {
                    if (!hits)
                        r->col[role] = i;
                    hits++;
                }
            if (hits == 1)
                continue;
            if (hits > 1) {
                status = diag_set(r->d, DIAG_USAGE,
                                  "%s: line %ld: %d columns are named '%s' (%s); rename all "
                                  "but one in the header", r->path, r->row_line, hits,
                                  given[role], role_options[role]);
                break;
            }
            const char **cand = malloc(((size_t)r->nheader + 1) * sizeof *cand);
            const char *near = NULL;
            if (cand) {
                for (int i = 0; i < r->nheader; i++)
                    cand[i] = norm[i];
                cand[r->nheader] = NULL;
                near = diag_nearest(want, cand);
            }
            char hint[200] = "";
            if (near)
                for (int i = 0; i < r->nheader; i++)
                    if (norm[i] == near || !strcmp(norm[i], near)) {
                        snprintf(hint, sizeof hint, "; did you mean '%s'?", r->header[i]);
                        break;
                    }
            free(cand);
            status = diag_set(r->d, DIAG_USAGE,
                              "%s: line %ld: no column named '%s' (given with %s); the header "
                              "has %s%s", r->path, r->row_line, given[role], role_options[role],
                              found, hint);
            break;
        }
        /* detection: the most specific name that some unused column carries */
        for (int k = 0; role_lists[role][k] && r->col[role] < 0; k++) {
            int hits = 0, at = -1;
            for (int i = 0; i < r->nheader; i++) {
                int used = 0;
                for (int q = 0; q < role; q++)
                    used |= r->col[q] == i;
                if (!used && !strcmp(norm[i], role_lists[role][k])) {
                    if (!hits)
                        at = i;
                    hits++;
                }
            }
            if (hits > 1) {
                status = diag_set(r->d, DIAG_USAGE,
                                  "%s: line %ld: %d columns are named '%s'; say which holds the "
                                  "%s with %s, or rename the others", r->path, r->row_line, hits,
                                  r->header[at], role_names[role], role_options[role]);
                break;
            }
            r->col[role] = at;
        }
    }
    if (!status) {
        int missing = 0;
        for (int role = 0; role < 3; role++)
            missing += r->col[role] < 0;
        if (missing) {
            char msg[1800];
            size_t n = 0;
            for (int role = 0; role < 3; role++) {
                if (r->col[role] >= 0)
                    continue;
                char names[600];
                list_names(role_lists[role], names, sizeof names);
                int w = snprintf(msg + n, sizeof msg - n, "%sno %s column (expected one of: %s)",
                                 n ? "; " : "", role_names[role], names);
                if (w > 0 && (size_t)w < sizeof msg - n)
                    n += (size_t)w;
            }
            const char *hint = "name the columns with --customer, --date and "
                               "--amount";
            int all_utf8 = 1;
            for (int i = 0; i < r->nheader; i++)
                all_utf8 &= valid_utf8(r->header[i]);
            if (!all_utf8)
                hint = "the header is not UTF-8 (an Excel export in GBK?): save the file as "
                       "\"CSV UTF-8\", or convert it with iconv -f GB18030 -t UTF-8";
            else if (missing == 3 && header_looks_like_data(r))
                hint = "the first row looks like data, not a header: add a header row such "
                       "as customer,date,amount";
            status = diag_set(r->d, DIAG_USAGE, "%s: line %ld: %s; found columns %s; %s",
                              r->path, r->row_line, msg, found, hint);
        }
    }
    for (int a = 0; a < 3 && !status; a++)
        for (int b = a + 1; b < 3 && !status; b++)
            if (r->col[a] >= 0 && r->col[a] == r->col[b])
                status = diag_set(r->d, DIAG_USAGE,
                                  "%s: line %ld: column '%s' cannot be both the %s and the %s; "
                                  "check %s and %s", r->path, r->row_line, r->header[r->col[a]],
                                  role_names[a], role_names[b], role_options[a], role_options[b]);
    if (!status) {
        r->need = 0;
        for (int role = 0; role < 3; role++) {
            if (r->col[role] + 1 > r->need)
                r->need = r->col[role] + 1;
            snprintf(r->t->columns[role], sizeof r->t->columns[role], "%s",
                     r->header[r->col[role]]);
        }
    }
    free(norm);
    if (status)
        r->failed = 1;
    return status;
}

static void on_header(reader *r)
{
    r->header = calloc((size_t)r->nf, sizeof *r->header);
    if (!r->header) {
        fail_memory(r);
        return;
    }
    r->nheader = r->nf;
    for (int i = 0; i < r->nf; i++) {
        r->header[i] = strdup(text_trim(r->fv[i]));
        if (!r->header[i]) {
            fail_memory(r);
            return;
        }
    }
    r->have_header = 1;
    pick_columns(r);
}

static void on_data(reader *r)
{
    translog *t = r->t;
    char why[160];
    t->rows++;
    if (r->nf < r->need) {
        snprintf(why, sizeof why, "%d field%s, but the %s is column %d", r->nf,
                 r->nf == 1 ? "" : "s",
                 r->nf <= r->col[COL_CUSTOMER] ? "customer id"
                 : r->nf <= r->col[COL_DATE] ? "date" : "amount",
                 r->need);
        add_bad(t, r->row_line, why);
        return;
    }
    char *id = text_trim(r->fv[r->col[COL_CUSTOMER]]);
    char *date = text_trim(r->fv[r->col[COL_DATE]]);
    if (!*id) {
        add_bad(t, r->row_line, "missing customer id");
        return;
    }
    double amount;
    if (parse_amount(r->fv[r->col[COL_AMOUNT]], &amount, why, sizeof why)) {
        add_bad(t, r->row_line, why);
        return;
    }
    if (!*date) {
        add_bad(t, r->row_line, "missing date");
        return;
    }
    int c = intern(r, id);
    size_t dl = strlen(date) + 1;
    if (c < 0 || grow((void **)&r->rows, &r->caprows, r->nrows + 1, sizeof *r->rows)
        || grow((void **)&r->dates, &r->capdates, r->ndates + dl, 1)) {
        fail_memory(r);
        return;
    }
    memcpy(r->dates + r->ndates, date, dl);
    r->rows[r->nrows++] = (row){ c, 0, amount, r->row_line, r->ndates };
    r->ndates += dl;
}

static void on_row(int term, void *data)
{
    (void)term;
    reader *r = data;
    r->row_open = 0;
    if (r->failed) {
        r->nf = 0;
        return;
    }
    int empty = 1;
    for (int i = 0; i < r->nf && empty; i++)
        empty = !*text_trim(r->fv[i]);
    if (!empty) {
        if (!r->have_header)
            on_header(r);
        else
            on_data(r);
    }
    r->nf = 0;
}

/* The separator: ',' unless the first line has none and has ';' or tabs. */
static unsigned char pick_delimiter(const char *buf, size_t n)
{
    size_t commas = 0, semis = 0, tabs = 0;
    int quoted = 0;
    size_t i = 0;
    while (i < n && (buf[i] == '\r' || buf[i] == '\n' || buf[i] == ' '))
        i++;
    for (; i < n && ((buf[i] != '\n' && buf[i] != '\r') || quoted); i++) {
        if (buf[i] == '"')
            quoted = !quoted;
        else if (!quoted) {
            commas += buf[i] == ',';
            semis += buf[i] == ';';
            tabs += buf[i] == '\t';
        }
    }
    if (commas || (!semis && !tabs))
        return CSV_COMMA;
    return tabs >= semis ? CSV_TAB : ';';
}

static int is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strchr(" \t\r\n", s[i]))
            return 0;
    return 1;
}

static int feed(reader *r, struct csv_parser *p, const char *s, size_t n)
{
    if (!r->row_open && !is_blank(s, n)) {
        r->row_line = r->line;
        r->row_open = 1;
    }
    if (csv_parse(p, s, n, on_field, on_row, r) != n && !r->failed) {
        diag_set(r->d, DIAG_USAGE, "%s: line %ld: cannot parse the CSV: %s", r->path, r->line,
                 csv_strerror(csv_error(p)));
        r->failed = 1;
    }
    return r->failed ? -1 : 0;
}

/* Feeds the whole file, one physical line at a time. */
static int read_csv(reader *r, FILE *f)
{
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT_FINI | CSV_APPEND_NULL)) {
        fail_memory(r);
        return -1;
    }
    enum { CHUNK = 1 << 16 };
    char *buf = malloc(CHUNK);
    if (!buf) {
        csv_free(&p);
        fail_memory(r);
        return -1;
    }
    r->line = 1;
    int first = 1, prev_cr = 0, last_term = 0;
    size_t n;
    utf8_check utf8 = { 0 };
    unsigned char lead = 0;
    unsigned long long total = 0, limit = input_max_bytes(INPUT_TRANSACTIONS);
    while (!r->failed && (n = fread(buf, 1, CHUNK, f)) > 0) {
        char *s = buf;
        /* the size was checked when opening; a file still growing stops here */
        total += n;
        if (total > limit) {
            char lim[32];
            input_format_size((double)limit, lim, sizeof lim);
            diag_set(r->d, DIAG_USAGE, "%s: line %ld: the transaction log is more than the "
                     "limit of %s; raise it with --max-input-size", r->path, r->line, lim);
            r->failed = 1;
            break;
        }
        if (first) {
            first = 0;
            if (n >= 2 && (((unsigned char)s[0] == 0xFF && (unsigned char)s[1] == 0xFE)
                           || ((unsigned char)s[0] == 0xFE && (unsigned char)s[1] == 0xFF))) {
                diag_set(r->d, DIAG_USAGE, "%s is UTF-16 text (Excel \"Unicode text\"); save it "
                         "as \"CSV UTF-8 (comma delimited)\" instead", r->path);
                r->failed = 1;
                break;
            }
            if (n >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) {
                s += 3;
                n -= 3;
            }
            csv_set_delim(&p, pick_delimiter(s, n));
        }
        size_t start = 0;
        for (size_t i = 0; i < n && !r->failed; i++) {
            /* text is text: a NUL would silently cut a field short, bytes
             * that are not UTF-8 would reach the JSON and CSV outputs */
            if (!s[i]) {
                diag_set(r->d, DIAG_USAGE, "%s: line %ld: a NUL byte: not a text file (is it "
                         "a spreadsheet? export it as CSV UTF-8)", r->path, r->line);
                r->failed = 1;
                break;
            }
            if (!utf8.need)
                lead = (unsigned char)s[i];   /* a bad sequence is named by its first byte */
            if (utf8_feed(&utf8, (unsigned char)s[i])) {
                diag_set(r->d, DIAG_USAGE, "%s: line %ld: byte 0x%02X is not UTF-8 text (an "
                         "Excel export in GBK?): save the file as \"CSV UTF-8\", or convert it "
                         "with iconv -f GB18030 -t UTF-8", r->path, r->line, lead);
                r->failed = 1;
                break;
            }
            if (s[i] != '\n' && s[i] != '\r')
                continue;
            if (i > start)
                prev_cr = 0;
            if (feed(r, &p, s + start, i + 1 - start))
                break;
            if (!(s[i] == '\n' && prev_cr))
                r->line++;
            prev_cr = s[i] == '\r';
            start = i + 1;
        }
        if (!r->failed && start < n) {
            prev_cr = 0;
            feed(r, &p, s + start, n - start);
        }
        if (n > 0)
            last_term = s[n - 1] == '\n' || s[n - 1] == '\r';
    }
    if (!r->failed && utf8.need) {
        diag_set(r->d, DIAG_USAGE, "%s: line %ld: the file ends inside a UTF-8 character",
                 r->path, r->line);
        r->failed = 1;
    }
    if (!r->failed && ferror(f)) {
        diag_set(r->d, DIAG_RUNTIME, "%s: read error near line %ld", r->path, r->line);
        r->failed = 1;
    }
    /* A row still open after a line end can only be inside quotes; libcsv's
     * own check (CSV_STRICT_FINI) works in strict mode only, and its state
     * FIELD_BEGUN (2) with quoted set is the same condition without a final
     * line end. */
    int unclosed = r->row_open && (last_term || (p.quoted && p.pstate == 2));
    if (!r->failed && (unclosed || csv_fini(&p, on_field, on_row, r)) && !r->failed) {
        diag_set(r->d, DIAG_USAGE, "%s: line %ld: a quoted field is never closed (a '\"' "
                 "without its closing quote)", r->path, r->row_line);
        r->failed = 1;
    }
    csv_free(&p);
    free(buf);
    return r->failed ? -1 : 0;
}

/* ---- dates ---- */

/* Chooses the date format (when none is given) and reads every row's day;
 * rows whose date does not read become bad rows. */
static int read_dates(reader *r)
{
    translog *t = r->t;
    const char *fmt = r->o ? r->o->date_format : NULL;
    const char *col = t->columns[COL_DATE];
    if (fmt && !format_supported(fmt))
        return diag_set(r->d, DIAG_USAGE,
                        "%s: --date-format '%s' is not supported: use %%Y (4-digit year), %%m, %%d "
                        "and literal characters, e.g. '%%d/%%m/%%Y' or '%%Y年%%m月%%d日' "
                        "(%%H %%M %%S may follow)", r->path, fmt);
    if (!fmt && r->nrows > 0) {
        long count[NFORMATS] = { 0 };
        for (size_t i = 0; i < r->nrows; i++) {
            int day;
            for (int k = 0; k < NFORMATS; k++)
                count[k] += !translog_parse_date(r->dates + r->rows[i].date_off, date_formats[k],
                                                 &day);
        }
        int best = 0;
        for (int k = 1; k < NFORMATS; k++)
            if (count[k] > count[best])
                best = k;
        char q[64];
        if (2 * count[best] < (long)r->nrows) {
            /* the first value the best format cannot read */
            size_t at = 0;
            for (size_t i = 0; i < r->nrows; i++) {
                int day;
                if (translog_parse_date(r->dates + r->rows[i].date_off, date_formats[best], &day)) {
                    at = i;
                    break;
                }
            }
            const char *v = r->dates + r->rows[at].date_off;
            quote_value(v, q, sizeof q);
            size_t len = strlen(v);
            int serial = len == 5 && strspn(v, "0123456789") == 5;
            return diag_set(r->d, DIAG_USAGE,
                            "%s: line %ld: cannot read the date '%s' in column '%s': %s; the "
                            "formats retsim recognises are 2024-01-05, 2024/01/05, 20240105, "
                            "05/01/2024 or 01/05/2024, 2024.01.05, 05.01.2024, 2024年1月5日 (a "
                            "time after the date is ignored); give the format with "
                            "--date-format, e.g. --date-format '%%d-%%m-%%Y'",
                            r->path, r->rows[at].line, q, col,
                            serial ? "it looks like an Excel serial day number (format the "
                                     "column as a date before exporting)"
                                   : count[best] ? "most dates are in no format retsim knows"
                                                 : "no date in this column is in a format retsim "
                                                   "knows");
        }
        /* another format reading as many values, into other days: ambiguous */
        for (int k = 0; k < NFORMATS; k++) {
            if (k == best || count[k] != count[best])
                continue;
            for (size_t i = 0; i < r->nrows; i++) {
                int d1, d2;
                const char *v = r->dates + r->rows[i].date_off;
                if (!translog_parse_date(v, date_formats[best], &d1)
                    && !translog_parse_date(v, date_formats[k], &d2) && d1 != d2) {
                    quote_value(v, q, sizeof q);
                    int lo = best < k ? best : k, hi = best < k ? k : best;
                    char da[48], db[48];
                    date_format(lo == best ? d1 : d2, da, sizeof da);
                    date_format(lo == best ? d2 : d1, db, sizeof db);
                    return diag_set(r->d, DIAG_USAGE,
                                    "%s: the dates in column '%s' are ambiguous: they read as well "
                                    "as %s as they do as %s, into other days (line %ld: '%s' is "
                                    "%s or %s); say which with --date-format '%s' or "
                                    "--date-format '%s'", r->path, col, date_formats[lo],
                                    date_formats[hi], r->rows[i].line, q, da, db,
                                    date_formats[lo], date_formats[hi]);
                }
            }
        }
        fmt = date_formats[best];
    }
    if (!fmt)
        fmt = date_formats[0];
    snprintf(t->date_format, sizeof t->date_format, "%s", fmt);
    size_t kept = 0;
    for (size_t i = 0; i < r->nrows; i++) {
        row *w = &r->rows[i];
        const char *v = r->dates + w->date_off;
        if (translog_parse_date(v, fmt, &w->day)) {
            char q[64], why[160];
            quote_value(v, q, sizeof q);
            int ex = -1;
            for (int k = 0; date_formats[k]; k++)
                if (!strcmp(date_formats[k], fmt))
                    ex = k;
            snprintf(why, sizeof why, "bad date '%s' (expected %s%s%s)", q, fmt,
                     ex >= 0 ? ", e.g. " : "", ex >= 0 ? date_examples[ex] : "");
            add_bad(t, w->line, why);
            continue;
        }
        r->rows[kept++] = *w;
    }
    r->nrows = kept;
    free(r->dates);
    r->dates = NULL;
    return 0;
}

/* ---- assembly ---- */

static int digits_only(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return 0;
    return 1;
}

/* Numeric ids first in numeric order, then the rest in byte order. */
static int id_cmp(const char *a, const char *b)
{
    int da = digits_only(a), db = digits_only(b);
    if (da != db)
        return da ? -1 : 1;
    if (da) {
        const char *pa = a, *pb = b;
        while (*pa == '0' && pa[1])
            pa++;
        while (*pb == '0' && pb[1])
            pb++;
        size_t la = strlen(pa), lb = strlen(pb);
        if (la != lb)
            return la < lb ? -1 : 1;
        int c = strcmp(pa, pb);
        if (c)
            return c;
    }
    return strcmp(a, b);
}

typedef struct id_ref {
    const char *id;
    int index;
} id_ref;

static int cmp_cust(const void *a, const void *b)
{
    return id_cmp(((const id_ref *)a)->id, ((const id_ref *)b)->id);
}

static int cmp_row(const void *a, const void *b)
{
    const row *x = a, *y = b;
    if (x->cust != y->cust)
        return x->cust < y->cust ? -1 : 1;
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    return (x->line > y->line) - (x->line < y->line);
}

static int assemble(reader *r)
{
    translog *t = r->t;
    int n = r->ncust;
    id_ref *order = malloc(((size_t)n + 1) * sizeof *order);
    int *rank = malloc(((size_t)n + 1) * sizeof *rank);
    if (!order || !rank) {
        free(order);
        free(rank);
        return diag_set(r->d, DIAG_RUNTIME, "%s: out of memory", r->path);
    }
    for (int i = 0; i < n; i++)
        order[i] = (id_ref){ r->ids[i], i };
    qsort(order, (size_t)n, sizeof *order, cmp_cust);
    for (int i = 0; i < n; i++)
        rank[order[i].index] = i;
    for (size_t i = 0; i < r->nrows; i++)
        r->rows[i].cust = rank[r->rows[i].cust];
    qsort(r->rows, r->nrows, sizeof *r->rows, cmp_row);

    /* same customer, same day: one transaction */
    size_t ntx = 0;
    for (size_t i = 0; i < r->nrows; i++) {
        if (ntx && r->rows[ntx - 1].cust == r->rows[i].cust
            && r->rows[ntx - 1].day == r->rows[i].day) {
            r->rows[ntx - 1].amount += r->rows[i].amount;
            t->merged_rows++;
        } else {
            r->rows[ntx++] = r->rows[i];
        }
    }
    t->ntx = (int)ntx;
    t->day = malloc((ntx + 1) * sizeof *t->day);
    t->amount = malloc((ntx + 1) * sizeof *t->amount);
    t->first = malloc(((size_t)n + 1) * sizeof *t->first);
    t->ids = calloc((size_t)n + 1, sizeof *t->ids);
    if (!t->day || !t->amount || !t->first || !t->ids) {
        free(order);
        free(rank);
        return diag_set(r->d, DIAG_RUNTIME, "%s: out of memory", r->path);
    }
    /* customers left without a usable row (their only rows were bad) drop out */
    int nc = 0;
    size_t i = 0;
    t->min_day = ntx ? r->rows[0].day : 0;
    t->max_day = t->min_day;
    for (int c = 0; c < n; c++) {
        char *id = r->ids[order[c].index];
        r->ids[order[c].index] = NULL;
        if (i >= ntx || r->rows[i].cust != c) {
            free(id);
            continue;
        }
        t->ids[nc] = id;
        t->first[nc] = (int)i;
        for (; i < ntx && r->rows[i].cust == c; i++) {
            t->day[i] = r->rows[i].day;
            t->amount[i] = r->rows[i].amount;
            if (t->day[i] < t->min_day)
                t->min_day = t->day[i];
            if (t->day[i] > t->max_day)
                t->max_day = t->day[i];
        }
        nc++;
    }
    t->first[nc] = (int)ntx;
    t->ncust = nc;
    free(order);
    free(rank);
    return 0;
}

/* ---- entry points ---- */

static void reader_free(reader *r)
{
    for (int i = 0; i < r->fmax; i++)
        free(r->fv[i]);
    free(r->fv);
    free(r->flen);
    free(r->fcap);
    for (int i = 0; i < r->nheader; i++)
        free(r->header ? r->header[i] : NULL);
    free(r->header);
    for (int i = 0; i < r->ncust; i++)
        free(r->ids[i]);
    free(r->ids);
    free(r->hash);
    free(r->rows);
    free(r->dates);
}

static int refuse_bad(reader *r)
{
    const translog *t = r->t;
    double share = t->rows ? (double)t->bad_rows / (double)t->rows : 0;
    char list[1200];
    size_t n = 0;
    int shown = t->nbad_kept < 5 ? t->nbad_kept : 5;
    for (int i = 0; i < shown; i++) {
        int w = snprintf(list + n, sizeof list - n, "%sline %ld: %s", i ? "; " : "",
                         t->bad_line[i], t->bad_reason[i]);
        if (w < 0 || (size_t)w >= sizeof list - n)
            break;
        n += (size_t)w;
    }
    if (t->bad_rows == t->rows)
        return diag_set(r->d, DIAG_USAGE, "%s: none of the %ld rows can be used: %s%s", r->path,
                        t->rows, list, t->bad_rows > shown ? "; ..." : "");
    double limit = r->o ? r->o->max_bad_share : 0.05;
    char more[64] = "";
    if (t->bad_rows > shown)
        snprintf(more, sizeof more, " (and %ld more)", t->bad_rows - shown);
    return diag_set(r->d, DIAG_USAGE,
                    "%s: %ld of %ld rows (%.1f %%) cannot be used, more than the %.1f %% "
                    "allowed: %s%s; fix or remove these rows, or allow more with --max-bad",
                    r->path, t->bad_rows, t->rows, 100 * share, 100 * limit, list, more);
}

translog *translog_read(const char *path, const translog_opts *o, diag *d)
{
    /* one descriptor on a regular file within the size limit: a FIFO,
     * /dev/zero or a folder is refused before any read (sim/input.c) */
    int fd = input_open(path, INPUT_TRANSACTIONS, "transaction log", d);
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        close(fd);
        diag_set(d, DIAG_RUNTIME, "%s: cannot read: %s", path, strerror(errno));
        return NULL;
    }
    translog *t = calloc(1, sizeof *t);
    reader r = { 0 };
    if (!t) {
        fclose(f);
        diag_set(d, DIAG_RUNTIME, "%s: out of memory", path);
        return NULL;
    }
    r.path = path;
    r.d = d;
    r.t = t;
    r.o = o;
    int status = read_csv(&r, f);
    fclose(f);
    if (!status && !r.have_header)
        status = diag_set(d, DIAG_USAGE,
                          "%s is empty: expected a header row naming the customer, date and "
                          "amount columns (e.g. customer,date,amount), then one row per purchase",
                          path);
    if (!status && t->rows == 0)
        status = diag_set(d, DIAG_USAGE,
                          "%s: line %ld: a header (%s, %s, %s) but no purchases after it",
                          path, r.row_line, t->columns[0], t->columns[1], t->columns[2]);
    if (!status)
        status = read_dates(&r);
    if (!status) {
        double limit = o ? o->max_bad_share : 0.05;
        if (t->bad_rows == t->rows || (double)t->bad_rows > limit * (double)t->rows)
            status = refuse_bad(&r);
    }
    if (!status)
        status = assemble(&r);
    reader_free(&r);
    if (status) {
        translog_free(t);
        return NULL;
    }
    return t;
}

void translog_free(translog *t)
{
    if (!t)
        return;
    if (t->ids)
        for (int i = 0; i < t->ncust; i++)
            free(t->ids[i]);
    free(t->ids);
    free(t->first);
    free(t->day);
    free(t->amount);
    free(t);
}
