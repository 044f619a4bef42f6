/* The contractual cohorts of `retsim fit --survivors`: a CSV of periods
 * and customers still subscribed per cohort, read, checked and fitted
 * cohort by cohort with the shifted-beta-geometric model (btyd.h). */
#include "survivors.h"

#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void surv_field(void *s, size_t len, void *data)
{
    surv_table *t = data;
    char buf[64];
    snprintf(buf, sizeof buf, "%.*s", (int)(len < 63 ? len : 63), s ? (const char *)s : "");
    if (t->line == 0) {
        if (t->field <= SURV_MAX_COHORTS)
            snprintf(t->names[t->field], sizeof t->names[0], "%s", buf);
    } else if (t->rows < SURV_MAX_PERIODS && t->field <= SURV_MAX_COHORTS) {
        char *end;
        errno = 0;
        double x = strtod(buf, &end);
        if (!*buf || *end || errno || !(x >= 0)) {
            if (!t->bad_line) {
                t->bad_line = t->line + 1;
                t->bad_col = t->field + 1;
                snprintf(t->bad_text, sizeof t->bad_text, "%s", buf);
            }
        } else
            t->v[t->rows][t->field] = x;
    }
    t->field++;
}

static void surv_row(int c, void *data)
{
    (void)c;
    surv_table *t = data;
    if (t->line == 0)
        t->cols = t->field;
    else if (t->field > 0)
        t->rows++;
    t->line++;
    t->field = 0;
}

int survivors_fit(const char *path, surv_table **out, sbg_fit fits[SURV_MAX_COHORTS], diag *d)
{
    *out = NULL;
    FILE *in = fopen(path, "rb");
    if (!in)
        return diag_set(d, DIAG_USAGE, "%s: cannot open: %s", path, strerror(errno));
    surv_table *t = calloc(1, sizeof *t);
    struct csv_parser p;
    if (!t || csv_init(&p, CSV_APPEND_NULL)) {
        fclose(in);
        free(t);
        return diag_set(d, DIAG_RUNTIME, "out of memory");
    }
    char buf[4096];
    size_t got;
    int status = 0;
    while ((got = fread(buf, 1, sizeof buf, in)) > 0)
        if (csv_parse(&p, buf, got, surv_field, surv_row, t) != got) {
            status = diag_set(d, DIAG_USAGE, "%s: not a CSV file: %s", path,
                              csv_strerror(csv_error(&p)));
            break;
        }
    csv_fini(&p, surv_field, surv_row, t);
    csv_free(&p);
    fclose(in);
    int ncoh = t->cols - 1;
    if (!status && (ncoh < 1 || t->rows < 3))
        status = diag_set(d, DIAG_USAGE,
                          "%s: expected a header (period, then one column per cohort) and at least 3 "
                          "periods of customers still subscribed; found %d columns and %d rows",
                          path, t->cols, t->rows);
    if (!status && t->bad_line)
        status = diag_set(d, DIAG_USAGE, "%s:%d: column %d = '%s': expected a count of customers (>= 0)",
                          path, t->bad_line, t->bad_col, t->bad_text);
    for (int c = 1; !status && c <= ncoh; c++) {
        double surv[SURV_MAX_PERIODS];
        for (int r = 0; r < t->rows; r++) {
            surv[r] = t->v[r][c];
            if (r > 0 && surv[r] > surv[r - 1])
                status = diag_set(d, DIAG_USAGE,
                                  "%s:%d: cohort '%s' grows from %g to %g: survivors can only fall",
                                  path, r + 2, t->names[c], surv[r - 1], surv[r]);
        }
        if (!status) {
            diag inner = { 0 };
            if (sbg_fit_run(surv, t->rows - 1, &fits[c - 1], &inner))
                status = diag_set(d, inner.status, "cohort '%s': %s", t->names[c], inner.msg);
        }
    }
    if (status) {
        free(t);
        return status;
    }
    *out = t;
    return 0;
}
