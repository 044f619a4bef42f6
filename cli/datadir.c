/* datadir: finding the shipped data from any working directory. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datadir.h"

/* The Makefile passes -DRETSIM_DATADIR="$(PREFIX)/share/retsim". */
#ifndef RETSIM_DATADIR
#define RETSIM_DATADIR "/usr/local/share/retsim"
#endif

const char *retsim_datadir(void)
{
    const char *env = getenv("RETSIM_DATADIR");
    return env && *env ? env : RETSIM_DATADIR;
}

/* Tries dir/file; on success copies dir to out.  Either way notes dir. */
static int try_dir(const char *dir, const char *file, char *out, size_t cap, char *tried, size_t tried_cap)
{
    char path[PATH_MAX + 256];
    size_t used = strlen(tried);
    if (used < tried_cap)
        snprintf(tried + used, tried_cap - used, "%s%s", used ? "; " : "", dir);
    if (snprintf(path, sizeof path, "%s/%s", dir, file) >= (int)sizeof path || access(path, R_OK) != 0)
        return -1;
    if (snprintf(out, cap, "%s", dir) >= (int)cap)
        return -1;
    return 0;
}

int datadir_find(const char *rel, const char *file, char *out, size_t cap, char *tried, size_t tried_cap)
{
    char dir[PATH_MAX + 256];
    if (tried_cap)
        tried[0] = '\0';
    if (try_dir(rel, file, out, cap, tried, tried_cap) == 0)
        return 0;
    snprintf(dir, sizeof dir, "%s/%s", retsim_datadir(), rel);
    if (try_dir(dir, file, out, cap, tried, tried_cap) == 0)
        return 0;
    const char *env = getenv("RETSIM_DATADIR");
    if (env && *env)
        return -1; /* a data directory given explicitly is the only one */
    /* /proc/self/exe resolves symbolic links, so a symlinked binary finds
     * the tree it really lives in */
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return -1;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    snprintf(dir, sizeof dir, "%s/../share/retsim/%s", exe, rel);
    if (try_dir(dir, file, out, cap, tried, tried_cap) == 0)
        return 0;
    snprintf(dir, sizeof dir, "%s/%s", exe, rel);
    return try_dir(dir, file, out, cap, tried, tried_cap);
}
