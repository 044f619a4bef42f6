#include "diag.h"
#include "lang.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int diag_set(diag *d, int status, const char *fmt, ...)
{
    if (d && d->status == DIAG_OK) {
        va_list ap;
        va_start(ap, fmt);
        /* the message in the UI language: every call site's format is a
         * msgid (xgettext --keyword=diag_set:3) */
        vsnprintf(d->msg, sizeof d->msg, tr(lang_ui(), fmt), ap);
        va_end(ap);
        d->status = status;
    }
    return status;
}

size_t diag_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t *row = malloc((lb + 1) * sizeof *row);
    if (!row)
        return (size_t)-1;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag_prev = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = diag_prev + cost;
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag_prev = up;
        }
    }
    size_t dist = row[lb];
    free(row);
    return dist;
}

const char *diag_nearest(const char *word, const char *const *candidates)
{
    const char *best = NULL;
    size_t best_dist = (size_t)-1;
    for (const char *const *c = candidates; *c; c++) {
        size_t dist = diag_edit_distance(word, *c);
        if (dist < best_dist) {
            best_dist = dist;
            best = *c;
        }
    }
    /* A suggestion further than a third of the word away is noise, but short
     * words still deserve one typo's grace. */
    size_t len = strlen(word);
    size_t limit = len / 3 > 2 ? len / 3 : 2;
    if (best && (best_dist <= limit || (strstr(best, word) && len >= 4)))
        return best;
    return NULL;
}
