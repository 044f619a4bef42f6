/* groups: a second, small pass over the log with libcsv for the one column
 * translog leaves out.  A separate reader keeps translog (used by fit on
 * logs of millions of rows) unchanged; the pilot reads the file twice. */
#include "groups.h"

#include <csv.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pilot.h"

typedef struct greader {
    const char *path, *group_col;
    const translog *t;
    int *group;
    int *sorted;             /* translog customers by id, for bsearch */
    diag *d;
    long line;               /* physical line being fed */
    int header_done, ccol, gcol, field;
    char cust[256], value[64];
    int failed;
} greader;

static const translog *cmp_log;

static int cmp_idx(const void *a, const void *b)
{
    return strcmp(cmp_log->ids[*(const int *)a], cmp_log->ids[*(const int *)b]);
}

static int cmp_key(const void *key, const void *b)
{
    return strcmp((const char *)key, cmp_log->ids[*(const int *)b]);
}

/* as translog compares column names: trimmed, lower-case ASCII, ' ', '-',
 * '.' as '_' */
static void normalise(const char *in, char *out, size_t cap)
{
    if (!strncmp(in, "\xEF\xBB\xBF", 3))   /* a UTF-8 byte-order mark */
        in += 3;
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
    while (n > 0 && (out[n - 1] == '_' || isspace((unsigned char)out[n - 1])))
        n--;
    out[n] = '\0';
}

static void trim_copy(const char *s, size_t len, char *out, size_t cap)
{
    while (len && isspace((unsigned char)*s))
        s++, len--;
    while (len && isspace((unsigned char)s[len - 1]))
        len--;
    if (len >= cap)
        len = cap - 1;
    memcpy(out, s, len);
    out[len] = '\0';
}

static void on_field(void *s, size_t len, void *ctx)
{
    greader *r = ctx;
    if (r->failed)
        return;
    if (!r->header_done) {
        char name[256], raw[256];
        trim_copy(s, len, raw, sizeof raw);
        normalise(raw, name, sizeof name);
        char want[256];
        normalise(r->group_col, want, sizeof want);
        if (!strcmp(name, want))
            r->gcol = r->field;
        normalise(r->t->columns[0], want, sizeof want);
        if (!strcmp(name, want) && r->ccol < 0)
            r->ccol = r->field;
    } else if (r->field == r->ccol) {
        trim_copy(s, len, r->cust, sizeof r->cust);
    } else if (r->field == r->gcol) {
        trim_copy(s, len, r->value, sizeof r->value);
    }
    r->field++;
}

/* The accepted spellings; -1 for anything else. */
static int group_of(const char *v)
{
    static const char *const treat[] = { "treatment", "treated", "t", "1", NULL };
    static const char *const ctrl[] = { "control", "c", "0", NULL };
    for (int k = 0; treat[k]; k++)
        if (!strcasecmp(v, treat[k]))
            return PILOT_T;
    for (int k = 0; ctrl[k]; k++)
        if (!strcasecmp(v, ctrl[k]))
            return PILOT_C;
    return -1;
}

static void on_row(int c, void *ctx)
{
    (void)c;
    greader *r = ctx;
    if (r->failed)
        return;
    int nfields = r->field;
    r->field = 0;
    if (!r->header_done) {
        r->header_done = 1;
        if (r->gcol < 0 || r->ccol < 0) {
            diag_set(r->d, DIAG_USAGE,
                     "%s: no column '%s' in the header (line %ld)%s: the pilot needs each customer's "
                     "group (treatment or control); give its name with --group",
                     r->path, r->gcol < 0 ? r->group_col : r->t->columns[0], r->line,
                     r->gcol < 0 ? "" : " for the customer");
            r->failed = 1;
        }
        return;
    }
    if (nfields <= r->gcol || nfields <= r->ccol)
        return;   /* a short row: translog has counted it as bad */
    r->cust[0] = r->value[0] = '\0';   /* the next row's, captured afresh */
}

/* A row's end: its customer's group checked and kept, then on_row. */
static void on_row_check(int c, void *ctx)
{
    greader *r = ctx;
    if (r->failed)
        return;
    if (r->header_done && r->field > r->gcol && r->field > r->ccol) {
        const int *hit = bsearch(r->cust, r->sorted, (size_t)r->t->ncust, sizeof *r->sorted, cmp_key);
        if (hit) {   /* a customer translog refused (a bad row) has no place */
            int g = group_of(r->value);
            if (g < 0) {
                diag_set(r->d, DIAG_USAGE,
                         "%s: line %ld: group '%s' of customer %s: expected treatment or control "
                         "(also treated, t/c, 1/0)",
                         r->path, r->line, r->value, r->cust);
                r->failed = 1;
                return;
            }
            int *slot = &r->group[*hit];
            if (*slot >= 0 && *slot != g) {
                diag_set(r->d, DIAG_USAGE,
                         "%s: line %ld: customer %s is in both groups (%s here, %s on an earlier "
                         "line): a pilot compares two separate groups of customers",
                         r->path, r->line, r->cust, g == PILOT_T ? "treatment" : "control",
                         g == PILOT_T ? "control" : "treatment");
                r->failed = 1;
                return;
            }
            *slot = g;
        }
    }
    on_row(c, ctx);
}

int groups_read(const char *path, const char *group_col, const translog *t, int *group, diag *d)
{
    greader r = { .path = path, .group_col = group_col, .t = t, .group = group, .d = d,
                  .ccol = -1, .gcol = -1 };
    for (int i = 0; i < t->ncust; i++)
        group[i] = -1;
    r.sorted = malloc((size_t)(t->ncust > 0 ? t->ncust : 1) * sizeof *r.sorted);
    if (!r.sorted)
        return diag_set(d, DIAG_RUNTIME, "out of memory");
    for (int i = 0; i < t->ncust; i++)
        r.sorted[i] = i;
    cmp_log = t;
    qsort(r.sorted, (size_t)t->ncust, sizeof *r.sorted, cmp_idx);
    FILE *f = fopen(path, "r");
    if (!f) {
        free(r.sorted);
        return diag_set(d, DIAG_USAGE, "%s: cannot open it again for the group column", path);
    }
    struct csv_parser p;
    if (csv_init(&p, CSV_APPEND_NULL)) {
        fclose(f);
        free(r.sorted);
        return diag_set(d, DIAG_RUNTIME, "out of memory");
    }
    char *buf = NULL;
    size_t cap = 0;
    ssize_t n;
    while (!r.failed && (n = getline(&buf, &cap, f)) > 0) {
        r.line++;
        if (r.line == 1) {   /* the delimiter, as translog detects it */
            int commas = 0, semis = 0, tabs = 0;
            for (ssize_t i = 0; i < n; i++)
                commas += buf[i] == ',', semis += buf[i] == ';', tabs += buf[i] == '\t';
            if (!commas && (semis || tabs))
                csv_set_delim(&p, tabs >= semis ? CSV_TAB : ';');
        }
        if (csv_parse(&p, buf, (size_t)n, on_field, on_row_check, &r) != (size_t)n && !r.failed) {
            diag_set(d, DIAG_USAGE, "%s: line %ld: cannot parse the CSV: %s", path, r.line,
                     csv_strerror(csv_error(&p)));
            r.failed = 1;
        }
    }
    if (!r.failed)
        csv_fini(&p, on_field, on_row_check, &r);
    csv_free(&p);
    free(buf);
    fclose(f);
    for (int i = 0; !r.failed && i < t->ncust; i++)
        if (group[i] < 0) {
            diag_set(d, DIAG_USAGE, "%s: customer %s has no group in column '%s'", path, t->ids[i],
                     group_col);
            r.failed = 1;
        }
    free(r.sorted);
    return r.failed ? d->status : 0;
}
