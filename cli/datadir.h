/* datadir: where retsim finds the data it ships (the lessons and the
 * example scenarios they build on), whether it runs from its source tree
 * or installed by `make install` under PREFIX/share/retsim. */
#ifndef RETSIM_DATADIR_H
#define RETSIM_DATADIR_H

#include <stddef.h>

/* The data directory: $RETSIM_DATADIR when set and not empty, else the one
 * compiled in (the Makefile's $(PREFIX)/share/retsim). */
const char *retsim_datadir(void);

/* The first directory holding rel/file, in this order:
 *   1. rel under the current directory (retsim run from its source tree);
 *   2. rel under retsim_datadir();
 *   3. unless $RETSIM_DATADIR is set: rel under ../share/retsim next to the
 *      executable (an installed tree moved, or staged with DESTDIR), then
 *      rel next to the executable (a source-tree build run from elsewhere).
 * Returns 0 with the directory in out, or -1 with the places tried, "; "
 * separated, in tried. */
int datadir_find(const char *rel, const char *file, char *out, size_t cap, char *tried, size_t tried_cap);

#endif
