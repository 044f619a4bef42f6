/* diag: one error path for the whole program.
 *
 * Every failure is described once, where it is detected, into a diag: a
 * message and the exit status it maps to (2 for usage and scenario errors,
 * 1 for runtime failures).  main() prints it and exits with it, in one
 * place, so a breakpoint on diag_set catches every error. */
#ifndef RETSIM_DIAG_H
#define RETSIM_DIAG_H

#include <stddef.h>

enum { DIAG_OK = 0, DIAG_RUNTIME = 1, DIAG_USAGE = 2 };

typedef struct diag {
    int status;          /* DIAG_OK, DIAG_RUNTIME or DIAG_USAGE */
    char msg[2048];
} diag;

/* Records the first error only: the first cause is the one worth reading.
 * fmt is English and a msgid of the catalogue: the message is written in the
 * UI language (lang_ui(), sim/lang.h).
 * Returns status, so callers can write `return diag_set(d, ...)`. */
int diag_set(diag *d, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Levenshtein distance, for "did you mean ...?" suggestions. */
size_t diag_edit_distance(const char *a, const char *b);

/* The candidate nearest to word (NULL-terminated list), or NULL when none is
 * close enough to be a plausible typo. */
const char *diag_nearest(const char *word, const char *const *candidates);

#endif
