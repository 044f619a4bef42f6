/* outdir: an output folder that appears whole, or not at all.
 *
 * A command writes everything into a temporary folder made beside the
 * target (DIR.retsim-XXXXXX, by mkdtemp, so no other user can plant a file
 * or a symbolic link in it), then outdir_commit puts it in place of the
 * target in one step: a rename when there was no folder, an atomic exchange
 * (renameat2 RENAME_EXCHANGE; or rename aside to DIR.retsim-old-XXXXXX and
 * back on failure) when there was an earlier output, which is then removed.
 * Until that moment the previous contents are untouched, so an interrupted
 * or failed run leaves either the old folder or the new one, never a mix.
 *
 * What a target may be (outdir_check; DIAG_USAGE otherwise, before any work):
 *  - missing (its parents are created), an empty folder, or a folder that
 *    looks like a retsim output (a summary.json, compare.json, sweep.json
 *    or sensitivity.csv, and nothing but the kinds of files retsim writes:
 *    *.csv, *.json, *.png, *.svg, *.gp, *.log, *.ini, *.html, *.tmp, and
 *    N_NAME sub-folders of those): replaced whole;
 *  - any other folder with --force: the new files are moved into it one by
 *    one (a same-named file is replaced; everything else there is kept:
 *    retsim never deletes what it did not write);
 *  - never / , the home folder ($HOME or the passwd entry's), or a folder
 *    that holds the home folder, even with --force; never a file.
 * docs/outputs.md describes it for users. */
#ifndef RETSIM_OUTDIR_H
#define RETSIM_OUTDIR_H

#include <limits.h>
#include <sys/types.h>

#include "../sim/diag.h"

typedef struct outdir_txn {
    char path[PATH_MAX];     /* the temporary folder: write everything here */
    char target[PATH_MAX];   /* as the user spelled it, for messages */
    char final[PATH_MAX];    /* absolute, symbolic links resolved */
    int merge;               /* --force into a folder that is not a retsim output */
    mode_t mode;             /* permissions of the finished folder */
    int nmade;               /* parents created for it, removed again on abort */
    char (*made)[PATH_MAX];
} outdir_txn;

/* Refuses a target retsim must not write (see above), with the path and
 * what would make it acceptable.  No side effects: call it before the work. */
int outdir_check(const char *target, int force, diag *d);

/* Checks again, creates the target's parents and the temporary folder.
 * NULL with d set on failure.  One output at a time. */
outdir_txn *outdir_begin(const char *target, int force, diag *d);

/* Puts the temporary folder in place (see above) and frees od.  On failure,
 * or when a SIGINT/SIGTERM is pending, removes the temporary folder instead,
 * leaves the target as it was, and returns DIAG_RUNTIME. */
int outdir_commit(outdir_txn *od, diag *d);

/* Removes the temporary folder (and the parents begin created) and frees
 * od; NULL is ignored. */
void outdir_abort(outdir_txn *od);

/* For main: aborts an output a command left neither committed nor aborted. */
void outdir_abort_active(void);

/* The target of the last output finished, and whether it was committed
 * (1) or abandoned (0); NULL before any. */
const char *outdir_last(int *committed);

#endif
