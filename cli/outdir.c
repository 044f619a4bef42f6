#include "outdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../present/figures.h"
#include "../sim/interrupt.h"
#include "../sim/lang.h"

#define MAX_PARENTS 32   /* mkdir -p depth we undo on abort */
#define MAX_DEPTH 8      /* deepest tree removed (retsim writes 2 levels) */

/* renameat2(2) flag; the glibc wrapper needs _GNU_SOURCE, the syscall not */
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

static outdir_txn *active;
static char last_target[PATH_MAX];
static int last_committed = -1;

enum { T_MISSING, T_EMPTY, T_RETSIM, T_FOREIGN };

/* ---- what a folder holds ---- */

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n > k && !strcmp(s + n - k, suffix);
}

/* A file retsim writes: its results, scripts, logs, pages, and temporaries. */
static int retsim_file_name(const char *name)
{
    static const char *const ext[] = { ".csv", ".json", ".png", ".svg", ".gp", ".log",
                                       ".ini", ".html", ".tmp", NULL };
    for (int i = 0; ext[i]; i++)
        if (ends_with(name, ext[i]))
            return 1;
    return 0;
}

/* compare's and lesson's per-scenario folders: 0_base, 1_variant, ... */
static int retsim_subdir_name(const char *name)
{
    size_t digits = strspn(name, "0123456789");
    return digits > 0 && name[digits] == '_';
}

/* 1 if every entry of the folder open at fd is something retsim writes
 * (sub-folders allowed while depth > 0); *count receives the entries and
 * foreign the first one that is not. */
static int only_retsim_entries(int fd, int depth, int *count, char *foreign, size_t cap)
{
    int dup_fd = dup(fd);
    DIR *dh = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
    if (!dh) {
        if (dup_fd >= 0)
            close(dup_fd);
        snprintf(foreign, cap, "(unreadable)");
        return 0;
    }
    int ok = 1;
    struct dirent *de;
    while (ok && (de = readdir(dh))) {
        const char *name = de->d_name;
        if (!strcmp(name, ".") || !strcmp(name, ".."))
            continue;
        ++*count;
        struct stat st;
        if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            ok = 0;
        } else if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) {
            ok = retsim_file_name(name);
        } else if (S_ISDIR(st.st_mode) && depth > 0 && retsim_subdir_name(name)) {
            int sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            int n = 0;
            char inner[2 * NAME_MAX + 2] = "";
            ok = sub >= 0 && only_retsim_entries(sub, depth - 1, &n, inner, sizeof inner);
            if (sub >= 0)
                close(sub);
            if (!ok)
                snprintf(foreign, cap, "%s/%s", name, inner);
            continue;
        } else {
            ok = 0;
        }
        if (!ok)
            snprintf(foreign, cap, "%s%s", name, S_ISDIR(st.st_mode) ? "/" : "");
    }
    closedir(dh);
    return ok;
}

/* T_MISSING .. T_FOREIGN for the folder at abs (which must be a folder). */
static int classify(const char *abs, char *foreign, size_t cap)
{
    static const char *const markers[] = { "summary.json", "compare.json", "sweep.json",
                                           "sensitivity.csv", NULL };
    foreign[0] = '\0';
    int fd = open(abs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? T_MISSING : T_FOREIGN;
    int count = 0;
    int only = only_retsim_entries(fd, 1, &count, foreign, cap);
    int marked = 0;
    for (int i = 0; markers[i] && !marked; i++) {
        struct stat st;
        marked = fstatat(fd, markers[i], &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
    }
    close(fd);
    if (count == 0)
        return T_EMPTY;
    return only && marked ? T_RETSIM : T_FOREIGN;
}

/* ---- where the target is ---- */

static int same_folder(const char *abs, const char *other)
{
    char real[PATH_MAX];
    return other && *other && realpath(other, real) && !strcmp(real, abs);
}

/* 1 if abs is the home folder or holds it */
static int holds_home(const char *abs, const char **which)
{
    const char *homes[2] = { getenv("HOME"), NULL };
    struct passwd *pw = getpwuid(getuid());
    if (pw)
        homes[1] = pw->pw_dir;
    for (int i = 0; i < 2; i++) {
        char real[PATH_MAX];
        if (!homes[i] || !*homes[i] || !realpath(homes[i], real))
            continue;
        size_t n = strlen(abs);
        if (same_folder(abs, homes[i])
            || (!strncmp(real, abs, n) && (real[n] == '/' || !strcmp(abs, "/")))) {
            *which = homes[i];
            return 1;
        }
    }
    return 0;
}

/* target without trailing slashes ("/" stays "/") */
static int trimmed(const char *target, char *out, size_t cap, diag *d)
{
    if (snprintf(out, cap, "%s", target) >= (int)cap)
        return diag_set(d, DIAG_USAGE, "--out %.200s...: path too long", target);
    size_t n = strlen(out);
    while (n > 1 && out[n - 1] == '/')
        out[--n] = '\0';
    return 0;
}

/* The first existing ancestor of a missing path must be a folder. */
static int check_missing(const char *target, const char *path, diag *d)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s", path);
    for (;;) {
        char *slash = strrchr(p, '/');
        if (!slash)
            return 0; /* relative: the current folder exists */
        if (slash == p)
            return 0; /* "/" */
        *slash = '\0';
        struct stat st;
        if (stat(p, &st) == 0)
            return S_ISDIR(st.st_mode) ? 0
                   : diag_set(d, DIAG_USAGE, "--out %s: %s is a file, not a folder; name a folder "
                                             "whose parents are folders", target, p);
        if (errno != ENOENT)
            return diag_set(d, DIAG_RUNTIME, "--out %s: cannot look at %s: %s", target, p,
                            strerror(errno));
    }
}

/* Resolves target (which exists) to abs and refuses what must never be
 * written; *kind receives what it holds. */
static int resolve_existing(const char *target, const char *path, int force, char *abs,
                            int *kind, diag *d)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return diag_set(d, DIAG_USAGE, "--out %s: cannot reach what it names (%s); point it at a "
                                       "folder or name another", target, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return diag_set(d, DIAG_USAGE, "--out %s is %s, not a folder; name a folder (it is created "
                                       "when missing, replaced when it holds an earlier retsim output)",
                        target, S_ISREG(st.st_mode) ? tr(lang_ui(), "a file") : tr(lang_ui(), "not a regular folder"));
    if (!realpath(path, abs))
        return diag_set(d, DIAG_RUNTIME, "--out %s: cannot resolve it: %s", target, strerror(errno));
    const char *home;
    if (!strcmp(abs, "/"))
        return diag_set(d, DIAG_USAGE, "--out %s is the root folder; retsim will not write there, "
                                       "even with --force; name a folder of its own, e.g. --out out/NAME",
                        target);
    if (holds_home(abs, &home))
        return diag_set(d, DIAG_USAGE, "--out %s is %s %s; retsim will not write there, even with "
                                       "--force; name a folder of its own inside it, e.g. --out "
                                       "%s/retsim-out",
                        target, same_folder(abs, home) ? tr(lang_ui(), "the home folder")
                                               : tr(lang_ui(), "a folder holding the home folder"),
                        home, home);
    char foreign[2 * NAME_MAX + 2];
    *kind = classify(abs, foreign, sizeof foreign);
    if (*kind == T_FOREIGN && !force) {
        char what[2 * NAME_MAX + 64];
        if (foreign[0])
            snprintf(what, sizeof what, "it holds '%s', which retsim does not write", foreign);
        else
            snprintf(what, sizeof what, "it has no summary.json, compare.json, sweep.json or sensitivity.csv");
        return diag_set(d, DIAG_USAGE, "--out %s is not empty and does not look like a retsim output (%s); "
                                       "name a new or empty folder, or add --force to write the outputs "
                                       "into it beside its files (none of them is removed)",
                        target, what);
    }
    return 0;
}

int outdir_check(const char *target, int force, diag *d)
{
    char path[PATH_MAX], abs[PATH_MAX];
    if (trimmed(target, path, sizeof path, d))
        return d->status;
    struct stat st;
    if (lstat(path, &st) != 0) {
        if (errno == ENOTDIR)
            return check_missing(target, path, d);
        if (errno != ENOENT)
            return diag_set(d, DIAG_RUNTIME, "--out %s: %s", target, strerror(errno));
        return check_missing(target, path, d);
    }
    int kind;
    return resolve_existing(target, path, force, abs, &kind, d);
}

/* ---- removing and moving ---- */

/* Removes name (a file, a link, or a folder tree) in the folder open at
 * parent, following no symbolic link. */
static int remove_at(int parent, const char *name, int depth)
{
    int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno != ENOTDIR && errno != ELOOP)
            return errno == ENOENT ? 0 : -1;
        return unlinkat(parent, name, 0) == 0 || errno == ENOENT ? 0 : -1;
    }
    DIR *dh = fdopendir(fd);
    if (!dh) {
        close(fd);
        return -1;
    }
    struct dirent *de;
    while ((de = readdir(dh))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        struct stat st;
        if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            if (depth < MAX_DEPTH)
                remove_at(fd, de->d_name, depth + 1);
        } else {
            unlinkat(fd, de->d_name, 0);
        }
    }
    closedir(dh);
    return unlinkat(parent, name, AT_REMOVEDIR) == 0 || errno == ENOENT ? 0 : -1;
}

/* remove_at for an absolute path */
static int remove_tree(const char *abs)
{
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%s", abs);
    char *slash = strrchr(parent, '/');
    if (!slash || !slash[1])
        return -1;
    const char *name = abs + (slash - parent) + 1;
    if (slash == parent)
        slash[1] = '\0';
    else
        *slash = '\0';
    int fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = remove_at(fd, name, 0);
    close(fd);
    return rc;
}

static int exchange(const char *a, const char *b)
{
#ifdef SYS_renameat2
    return (int)syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
#else
    (void)a;
    (void)b;
    errno = ENOSYS;
    return -1;
#endif
}

static void sync_folder(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* from (a complete folder) takes the place of to (an existing folder);
 * the old contents are removed afterwards. */
static int replace_folder(const char *from, const char *to, diag *d)
{
    if (exchange(from, to) == 0) {
        remove_tree(from); /* now the old contents */
        return 0;
    }
    if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP && errno != EPERM)
        return diag_set(d, DIAG_RUNTIME, "cannot put the new outputs in place of %s: %s", to,
                        strerror(errno));
    /* no atomic exchange on this file system: aside, in, then remove */
    char old[PATH_MAX];
    if (snprintf(old, sizeof old, "%s.retsim-old-XXXXXX", to) >= (int)sizeof old || !mkdtemp(old))
        return diag_set(d, DIAG_RUNTIME, "cannot move %s aside: %s", to, strerror(errno));
    if (rename(to, old) != 0) {
        int err = errno;
        rmdir(old);
        return diag_set(d, DIAG_RUNTIME, "cannot move %s aside: %s", to, strerror(err));
    }
    if (rename(from, to) != 0) {
        int err = errno;
        rename(old, to);
        return diag_set(d, DIAG_RUNTIME, "cannot put the new outputs in place of %s: %s", to,
                        strerror(err));
    }
    remove_tree(old);
    return 0;
}

/* --force into a foreign folder: every entry of from moves into to; a
 * same-named file there is replaced (a link itself, never what it points
 * to); a same-named folder only when it holds nothing but retsim files.
 * Conflicts are found before anything moves. */
static int merge_folder(const char *from, const char *to, diag *d)
{
    int ffd = open(from, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int tfd = open(to, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int status = 0;
    DIR *dh = NULL;
    if (ffd < 0 || tfd < 0 || !(dh = fdopendir(dup(ffd)))) {
        status = diag_set(d, DIAG_RUNTIME, "cannot open %s: %s", ffd < 0 ? from : to, strerror(errno));
        goto out;
    }
    for (int pass = 0; pass < 2 && !status; pass++) {
        rewinddir(dh);
        struct dirent *de;
        while (!status && (de = readdir(dh))) {
            const char *name = de->d_name;
            if (!strcmp(name, ".") || !strcmp(name, ".."))
                continue;
            struct stat mine, theirs;
            if (fstatat(ffd, name, &mine, AT_SYMLINK_NOFOLLOW) != 0)
                continue;
            int exists = fstatat(tfd, name, &theirs, AT_SYMLINK_NOFOLLOW) == 0;
            int their_dir = exists && S_ISDIR(theirs.st_mode);
            if (pass == 0) {
                char foreign[2 * NAME_MAX + 2] = "";
                int n = 0;
                if (!exists)
                    continue;
                if (S_ISDIR(mine.st_mode) != their_dir)
                    status = diag_set(d, DIAG_RUNTIME, "cannot write %s/%s: a %s of that name is there; "
                                                       "nothing was changed", to, name,
                                      their_dir ? trc(lang_ui(), "output kind", "folder") : trc(lang_ui(), "output kind", "file"));
                else if (their_dir) {
                    int sub = openat(tfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                    int ok = sub >= 0 && only_retsim_entries(sub, 0, &n, foreign, sizeof foreign);
                    if (sub >= 0)
                        close(sub);
                    if (!ok)
                        status = diag_set(d, DIAG_RUNTIME, "cannot replace %s/%s: it holds '%s', which "
                                                           "retsim did not write; nothing was changed",
                                          to, name, foreign);
                }
                continue;
            }
            if (their_dir)
                remove_at(tfd, name, 0);
            if (renameat(ffd, name, tfd, name) != 0)
                status = diag_set(d, DIAG_RUNTIME, "cannot move %s/%s into %s: %s", from, name, to,
                                  strerror(errno));
        }
    }
out:
    if (dh)
        closedir(dh);
    if (ffd >= 0)
        close(ffd);
    if (tfd >= 0) {
        fsync(tfd);
        close(tfd);
    }
    if (!status)
        rmdir(from);
    return status;
}

/* ---- the life of an output ---- */

static void finish(outdir_txn *od, int committed)
{
    snprintf(last_target, sizeof last_target, "%s", od->target);
    last_committed = committed;
    if (active == od)
        active = NULL;
    free(od->made);
    free(od);
    interrupt_leave();
}

/* mkdir -p of path's parent, remembering what was created */
static int make_parents(outdir_txn *od, const char *path, diag *d)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s", path);
    char *end = strrchr(p, '/');
    if (!end || end == p)
        return 0;
    *end = '\0';
    for (char *s = p + 1;; s++) {
        if (*s && *s != '/')
            continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, 0777) == 0) {
            if (od->nmade < MAX_PARENTS)
                snprintf(od->made[od->nmade++], PATH_MAX, "%s", p);
        } else if (errno != EEXIST) {
            int err = errno;
            return diag_set(d, err == ENOTDIR ? DIAG_USAGE : DIAG_RUNTIME,
                            "--out %s: cannot create the folder %s: %s", od->target, p, strerror(err));
        }
        if (!c)
            break;
        *s = c;
    }
    return 0;
}

outdir_txn *outdir_begin(const char *target, int force, diag *d)
{
    if (active) {
        diag_set(d, DIAG_RUNTIME, "internal error: a second output folder while %s is open", active->target);
        return NULL;
    }
    outdir_txn *od = calloc(1, sizeof *od);
    if (od)
        od->made = calloc(MAX_PARENTS, sizeof *od->made);
    if (!od || !od->made) {
        if (od)
            free(od);
        diag_set(d, DIAG_RUNTIME, "out of memory");
        return NULL;
    }
    /* from here on a signal is only recorded: there will be something to remove */
    interrupt_enter();
    active = od;
    snprintf(od->target, sizeof od->target, "%s", target);
    char path[PATH_MAX];
    int kind = T_MISSING;
    struct stat st;
    if (trimmed(target, path, sizeof path, d) || outdir_check(target, force, d)
        || make_parents(od, path, d))
        goto fail;
    if (lstat(path, &st) == 0) {
        if (resolve_existing(target, path, force, od->final, &kind, d))
            goto fail;
        stat(od->final, &st);
        od->mode = st.st_mode & 07777;
    } else {
        /* a new folder: its parent resolved, its own name as given */
        char parent[PATH_MAX];
        const char *slash = strrchr(path, '/');
        const char *base = slash ? slash + 1 : path;
        snprintf(parent, sizeof parent, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
        if (slash == path)
            snprintf(parent, sizeof parent, "/");
        char real[PATH_MAX];
        if (!realpath(parent, real)) {
            diag_set(d, DIAG_RUNTIME, "--out %s: cannot resolve %s: %s", target, parent, strerror(errno));
            goto fail;
        }
        if (snprintf(od->final, sizeof od->final, "%s/%s", strcmp(real, "/") ? real : "", base)
            >= (int)sizeof od->final) {
            diag_set(d, DIAG_USAGE, "--out %s: path too long", target);
            goto fail;
        }
        mode_t mask = umask(0);
        umask(mask);
        od->mode = 0777 & ~mask;
    }
    od->merge = kind == T_FOREIGN;
    if (snprintf(od->path, sizeof od->path, "%s.retsim-XXXXXX", od->final) >= (int)sizeof od->path) {
        diag_set(d, DIAG_USAGE, "--out %s: path too long", target);
        goto fail;
    }
    if (!mkdtemp(od->path)) {
        diag_set(d, DIAG_RUNTIME, "--out %s: cannot create a temporary folder beside it (%s): %s",
                 target, od->path, strerror(errno));
        od->path[0] = '\0';
        goto fail;
    }
    return od;
fail:
    outdir_abort(od);
    return NULL;
}

void outdir_abort(outdir_txn *od)
{
    if (!od)
        return;
    figures_discard(); /* no gnuplot left writing into the folder removed */
    if (od->path[0])
        remove_tree(od->path);
    for (int i = od->nmade - 1; i >= 0; i--)
        rmdir(od->made[i]); /* only when still empty */
    finish(od, 0);
}

void outdir_abort_active(void)
{
    outdir_abort(active);
}

int outdir_commit(outdir_txn *od, diag *d)
{
    /* the plots drawn in the background are part of the folder */
    int pst = figures_wait(d);
    if (pst) {
        outdir_abort(od);
        return pst;
    }
    if (interrupt_pending()) {
        outdir_abort(od);
        return diag_set(d, DIAG_RUNTIME, "interrupted");
    }
    sync_folder(od->path);
    int status = 0;
    if (od->merge) {
        status = merge_folder(od->path, od->final, d);
    } else {
        char foreign[2 * NAME_MAX + 2];
        int kind = classify(od->final, foreign, sizeof foreign);
        if (chmod(od->path, od->mode) != 0)
            status = diag_set(d, DIAG_RUNTIME, "cannot set the permissions of %s: %s", od->path,
                              strerror(errno));
        else if (kind == T_FOREIGN)
            /* someone else wrote there meanwhile: not ours to remove */
            status = diag_set(d, DIAG_RUNTIME, "%s changed while retsim was writing (it holds '%s'); "
                                               "the new outputs were discarded", od->target, foreign);
        else if (kind == T_MISSING || kind == T_EMPTY) {
            /* rename replaces an empty folder in one step */
            if (rename(od->path, od->final) != 0)
                status = diag_set(d, DIAG_RUNTIME, "cannot put the outputs in %s: %s", od->target,
                                  strerror(errno));
        } else {
            status = replace_folder(od->path, od->final, d);
        }
    }
    if (status) {
        outdir_abort(od);
        return status;
    }
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%s", od->final);
    char *slash = strrchr(parent, '/');
    if (slash && slash != parent) {
        *slash = '\0';
        sync_folder(parent);
    }
    finish(od, 1);
    return 0;
}

const char *outdir_last(int *committed)
{
    *committed = last_committed;
    return last_committed < 0 ? NULL : last_target;
}
