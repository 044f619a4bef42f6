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
    /* the distinct values met (case ignored), to name them when there are
     * more than two; the first unrecognised one's line and customer */
    int nvalues;
    char values[GROUPS_MAX_NAMED][64];
    int nbad;
    long bad_line;
    char bad_value[64], bad_cust[256];
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
            int g = group_of(r->value), seen = 0;
            for (int k = 0; k < r->nvalues && k < GROUPS_MAX_NAMED; k++)
                seen |= !strcasecmp(r->values[k], r->value);
            if (!seen) {
                if (r->nvalues < GROUPS_MAX_NAMED)
                    snprintf(r->values[r->nvalues], sizeof r->values[0], "%s", r->value);
                r->nvalues++;
            }
            if (g < 0) {   /* told at the end, with every value the column has */
                if (!r->nbad++) {
                    r->bad_line = r->line;
                    snprintf(r->bad_value, sizeof r->bad_value, "%s", r->value);
                    snprintf(r->bad_cust, sizeof r->bad_cust, "%s", r->cust);
                }
                on_row(c, ctx);
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
    if (!r.failed && r.nbad && r.nvalues > 2) {
        char names[GROUPS_MAX_NAMED * 70] = "";
        size_t used = 0;
        for (int k = 0; k < r.nvalues && k < GROUPS_MAX_NAMED; k++)
            used += (size_t)snprintf(names + used, sizeof names - used, "%s'%s'", k ? ", " : "", r.values[k]);
        if (r.nvalues > GROUPS_MAX_NAMED)
            snprintf(names + used, sizeof names - used, ", ...");
        diag_set(d, DIAG_USAGE,
                 "%s: column '%s' has %d different values (%s): a pilot compares two groups, treatment "
                 "and control (also treated, t/c, 1/0); keep the rows of the two groups compared, or "
                 "give the treated customers' ids with --treated FILE",
                 path, group_col, r.nvalues, names);
        r.failed = 1;
    } else if (!r.failed && r.nbad) {
        diag_set(d, DIAG_USAGE,
                 "%s: line %ld: group '%s' of customer %s: expected treatment or control "
                 "(also treated, t/c, 1/0)",
                 path, r.bad_line, r.bad_value, r.bad_cust);
        r.failed = 1;
    }
    for (int i = 0; !r.failed && i < t->ncust; i++)
        if (group[i] < 0) {
            diag_set(d, DIAG_USAGE, "%s: customer %s has no group in column '%s'", path, t->ids[i],
                     group_col);
            r.failed = 1;
        }
    free(r.sorted);
    return r.failed ? d->status : 0;
}

int groups_read_treated(const char *path, const translog *t, int *group, diag *d)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return diag_set(d, DIAG_USAGE, "--treated %s: cannot open it", path);
    int *sorted = malloc((size_t)(t->ncust > 0 ? t->ncust : 1) * sizeof *sorted);
    if (!sorted) {
        fclose(f);
        return diag_set(d, DIAG_RUNTIME, "out of memory");
    }
    for (int i = 0; i < t->ncust; i++) {
        sorted[i] = i;
        group[i] = PILOT_C;
    }
    cmp_log = t;
    qsort(sorted, (size_t)t->ncust, sizeof *sorted, cmp_idx);
    char *buf = NULL, id[256], unknown[5][256];
    size_t cap = 0;
    long line = 0, nunknown = 0, nids = 0;
    while (getline(&buf, &cap, f) > 0) {
        line++;
        const char *s = buf;
        if (line == 1 && !strncmp(s, "\xEF\xBB\xBF", 3))   /* a UTF-8 byte-order mark */
            s += 3;
        trim_copy(s, strlen(s), id, sizeof id);
        if (!id[0] || id[0] == '#')   /* blank lines and comments */
            continue;
        nids++;
        const int *hit = bsearch(id, sorted, (size_t)t->ncust, sizeof *sorted, cmp_key);
        if (hit)
            group[*hit] = PILOT_T;
        else if (nunknown++ < 5)
            snprintf(unknown[nunknown - 1], sizeof unknown[0], "%s", id);
    }
    free(buf);
    fclose(f);
    free(sorted);
    if (nunknown) {
        char names[5 * 260 + 8] = "";
        size_t used = 0;
        for (long k = 0; k < nunknown && k < 5; k++)
            used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", k ? ", " : "", unknown[k]);
        return diag_set(d, DIAG_USAGE,
                        "--treated %s: %ld of its %ld customer ids are not in the log (%s%s): check "
                        "that the file lists the log's customer ids (column '%s'), one per line",
                        path, nunknown, nids, names, nunknown > 5 ? ", ..." : "", t->columns[0]);
    }
    if (!nids)
        return diag_set(d, DIAG_USAGE, "--treated %s: no customer ids in it (expected one per line)", path);
    return 0;
}
