#include "basefile.h"

#include <csv.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dates.h"
#include "input.h"
#include "lang.h"

#define NO_CHOICES NULL

long base_parse_date(const char *s)
{
    return date_parse_iso(s);
}

void base_format_date(const char *as_of, int day, char *buf, size_t cap)
{
    long d0 = date_parse_iso(as_of);
    if (d0 < 0) {
        if (cap)
            buf[0] = '\0';
        return;
    }
    date_format(d0 + day, buf, cap);
}

void base_checksum(const char *bytes, size_t n, char out[17])
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)bytes[i];
        h *= 0x100000001b3ull;
    }
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}

/* ---- [base] ---- */

static int check_base(void *params, const char *label, const scenario *sc, diag *d)
{
    (void)label;
    const base_params *b = params;
    if (!scen_present(sc, &section_base))
        return 0;
    if (!b->customers[0])
        return diag_set(d, DIAG_USAGE,
                        "[base] customers is empty: name the file of existing customers that "
                        "`retsim fit` wrote beside this scenario (customers_base.csv)");
    if (base_parse_date(b->as_of) < 0)
        return diag_set(d, DIAG_USAGE,
                        "[base] as_of = '%s' is not a date: expected YYYY-MM-DD, the day the "
                        "customers' history ends (the log's last day, or fit --as-of)",
                        b->as_of);
    return 0;
}

static const scen_key base_keys[] = {
    { "customers", KEY_TEXT, offsetof(base_params, customers), 0, 0, 0, 0, "", NO_CHOICES,
      N_("File of the existing customers to start from (written by retsim fit), relative to this scenario's folder.") },
    { "as_of", KEY_TEXT, offsetof(base_params, as_of), 0, 0, 0, 0, "date", NO_CHOICES,
      N_("YYYY-MM-DD: the last day the customers' history covers (the log's last day, or fit --as-of); day 0 of the simulation is the day after, and the horizon counts forward from it.") },
    { "count", KEY_INT, offsetof(base_params, count), 0, 0, 100000000, 0, "customers", NO_CHOICES,
      N_("Rows the customers file must hold, written by retsim fit (0: not checked).") },
    { "checksum", KEY_TEXT, offsetof(base_params, checksum), 0, 0, 0, 0, "", NO_CHOICES,
      N_("Checksum of the customers file, written by retsim fit; a file changed since is refused (empty: not checked).") },
    { 0 }
};

const scen_section section_base = {
    "base",
    N_("Start from existing customers as they stand on a date (a forward what-if on a fitted base, written by retsim fit)."),
    sizeof(base_params), 1, base_keys, check_base
};

/* ---- the customers file ---- */

enum { COL_X, COL_TX, COL_T, COL_ZBAR, NCOLS };
static const char *const col_name[NCOLS] = { BASE_COL_X, BASE_COL_TX, BASE_COL_T, BASE_COL_ZBAR };

typedef struct reader {
    base_customers *b;
    const char *path;
    diag *d;
    int failed, oom;
    long line;                  /* of the row being read (1: the header) */
    int field;                  /* index of the field in the row */
    int col_at[NCOLS];          /* field index of each column, -1 until the header names it */
    double val[NCOLS];
    int seen[NCOLS];
    int cap;
} reader;

static void on_field(void *s, size_t len, void *ctx)
{
    reader *r = ctx;
    if (r->failed)
        return;
    const char *text = s;
    if (r->line == 1) {
        for (int c = 0; c < NCOLS; c++)
            if (strlen(col_name[c]) == len && memcmp(col_name[c], text, len) == 0)
                r->col_at[c] = r->field;
    } else {
        for (int c = 0; c < NCOLS; c++) {
            if (r->col_at[c] != r->field)
                continue;
            char buf[64];
            char *end = NULL;
            double v = NAN;
            if (len > 0 && len < sizeof buf) {
                memcpy(buf, text, len);
                buf[len] = '\0';
                v = strtod(buf, &end);
            }
            if (!end || *end != '\0' || !isfinite(v) || v < 0) {
                diag_set(r->d, DIAG_USAGE,
                         "%s:%ld: column %s is not a number of 0 or more; the customers file "
                         "is written by retsim fit: re-run it rather than editing the file",
                         r->path, r->line, col_name[c]);
                r->failed = 1;
                return;
            }
            r->val[c] = v;
            r->seen[c] = 1;
        }
    }
    r->field++;
}

static void on_row(int term, void *ctx)
{
    (void)term;
    reader *r = ctx;
    if (r->failed)
        return;
    if (r->line == 1) {
        for (int c = 0; c < NCOLS; c++)
            if (r->col_at[c] < 0) {
                diag_set(r->d, DIAG_USAGE,
                         "%s: not a retsim customers file (no column %s in its header); "
                         "[base] customers names the file retsim fit wrote beside the scenario",
                         r->path, col_name[c]);
                r->failed = 1;
                return;
            }
    } else {
        for (int c = 0; c < NCOLS; c++)
            if (!r->seen[c]) {
                diag_set(r->d, DIAG_USAGE, "%s:%ld: the row has no %s value", r->path, r->line,
                         col_name[c]);
                r->failed = 1;
                return;
            }
        double x = r->val[COL_X], tx = r->val[COL_TX], T = r->val[COL_T];
        const char *why = x != floor(x) || x > 1e7 ? "repeat_purchases is not a whole number"
                          : tx > T + 1e-9           ? "the last purchase is older than the customer"
                          : x == 0 && tx != 0       ? "no repeat purchase, yet the last purchase is not the first"
                                                    : NULL;
        if (why) {
            diag_set(r->d, DIAG_USAGE, "%s:%ld: %s; re-run retsim fit to write the file again",
                     r->path, r->line, why);
            r->failed = 1;
            return;
        }
        base_customers *b = r->b;
        if (b->n == r->cap) {
            int cap = r->cap ? 2 * r->cap : 1024;
            customer_history *h = realloc(b->h, (size_t)cap * sizeof *h);
            if (!h) {
                r->oom = r->failed = 1;
                diag_set(r->d, DIAG_RUNTIME, "out of memory reading %s", r->path);
                return;
            }
            b->h = h;
            r->cap = cap;
        }
        b->h[b->n++] = (customer_history){ (int)x, tx, T, r->val[COL_ZBAR] };
    }
    r->line++;
    r->field = 0;
    memset(r->seen, 0, sizeof r->seen);
}

void base_free(base_customers *b)
{
    if (!b)
        return;
    free(b->h);
    free(b);
}

base_customers *base_load(const scenario *sc, diag *d)
{
    if (!scen_present(sc, &section_base))
        return NULL;
    const base_params *bp = scen_get(sc, &section_base);
    base_customers *b = calloc(1, sizeof *b);
    if (!b) {
        diag_set(d, DIAG_RUNTIME, "out of memory");
        return NULL;
    }
    /* relative to the folder of the file that names it, like base =
     * (resolved by the loader: sim/scenario.c) */
    snprintf(b->path, sizeof b->path, "%s", sc->base_path[0] ? sc->base_path : bp->customers);
    size_t len = 0;
    char *text = input_read_all(b->path, INPUT_TRANSACTIONS, "customers file", &len, d);
    if (!text) {
        base_free(b);
        return NULL;
    }
    if (input_check_text(text, len, b->path, d)) {
        free(text);
        base_free(b);
        return NULL;
    }
    char sum[17];
    base_checksum(text, len, sum);
    if (bp->checksum[0] && strcmp(sum, bp->checksum) != 0) {
        diag_set(d, DIAG_USAGE,
                 "%s does not match its scenario %s (checksum %s, [base] checksum = %s): the file "
                 "changed after retsim fit wrote both; re-run retsim fit, or point [base] customers "
                 "at the file written with this scenario",
                 b->path, sc->path, sum, bp->checksum);
        free(text);
        base_free(b);
        return NULL;
    }
    reader r = { b, b->path, d, 0, 0, 1, 0, { -1, -1, -1, -1 }, { 0 }, { 0 }, 0 };
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT_FINI | CSV_APPEND_NULL)) {
        diag_set(d, DIAG_RUNTIME, "out of memory");
        free(text);
        base_free(b);
        return NULL;
    }
    if (csv_parse(&p, text, len, on_field, on_row, &r) != len && !r.failed) {
        diag_set(d, DIAG_USAGE, "%s:%ld: %s", b->path, r.line, csv_strerror(csv_error(&p)));
        r.failed = 1;
    }
    if (!r.failed)
        csv_fini(&p, on_field, on_row, &r);
    csv_free(&p);
    free(text);
    if (!r.failed && r.line == 1)
        r.failed = diag_set(d, DIAG_USAGE, "%s is empty: expected a header and one row per customer",
                            b->path) != 0;
    if (!r.failed && bp->count > 0 && b->n != bp->count)
        r.failed = diag_set(d, DIAG_USAGE,
                            "%s holds %d customers but [base] count = %d: the file does not match "
                            "its scenario; re-run retsim fit",
                            b->path, b->n, bp->count) != 0;
    if (r.failed) {
        base_free(b);
        return NULL;
    }
    return b;
}
