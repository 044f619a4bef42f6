/* The header row is parsed by libcsv, as the transaction reader does
 * (fit/translog.c): a quoted name with a comma in it (a sweep's key never
 * has one, a cohort label might) is still one column. */
#include "csvcols.h"

#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

typedef struct header {
    const char *const *names;
    int *cols;
    int n;
    int field;   /* columns seen so far */
    int done;    /* the header row has ended */
} header;

static void on_field(void *s, size_t len, void *data)
{
    header *h = data;
    if (h->done)
        return;
    h->field++;
    for (int i = 0; i < h->n; i++)
        /* the first column of a name wins, as a reader going left to right sees it */
        if (h->names[i] && !h->cols[i] && strlen(h->names[i]) == len
            && (!len || !memcmp(s, h->names[i], len)))
            h->cols[i] = h->field;
}

static void on_row(int c, void *data)
{
    (void)c;
    ((header *)data)->done = 1;
}

int csvcols_find(const char *dir, const char *file, const char *const *names, int *cols, int n,
                 diag *d)
{
    for (int i = 0; i < n; i++)
        cols[i] = 0;
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "rb");
    if (!f)
        return diag_set(d, DIAG_RUNTIME, "%s: cannot read it back: %s", file, strerror(errno));
    struct csv_parser p;
    if (csv_init(&p, 0)) {
        fclose(f);
        return diag_set(d, DIAG_RUNTIME, "out of memory");
    }
    header h = { names, cols, n, 0, 0 };
    char buf[4096];
    size_t got;
    int status = 0;
    /* only the header row is needed: stop feeding once it has ended */
    while (!h.done && (got = fread(buf, 1, sizeof buf, f)) > 0)
        if (csv_parse(&p, buf, got, on_field, on_row, &h) != got) {
            status = diag_set(d, DIAG_RUNTIME, "%s: not a CSV file: %s", file,
                              csv_strerror(csv_error(&p)));
            break;
        }
    if (!status && !h.done)
        csv_fini(&p, on_field, on_row, &h);  /* a header without a line break */
    csv_free(&p);
    fclose(f);
    for (int i = 0; !status && i < n; i++)
        if (names[i] && !cols[i])
            status = diag_set(d, DIAG_RUNTIME,
                              "%s has no column '%s' (written by another version of retsim?)", file,
                              names[i]);
    return status;
}
