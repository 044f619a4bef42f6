/* The output folder (cli/outdir.c, docs/outputs.md): nothing outside it is
 * ever written, a planted symbolic link is never followed, and --out
 * refuses what it must (/, the home folder, a file, a folder that is not a
 * retsim output) before any work.  The signal half of the contract is
 * tests/signals.sh. */
#include <criterion/criterion.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define RUN_ARGS "run scenarios/clinic.ini --reps 2 -q"

static void make_tmp(char *dir)
{
    cr_assert(mkdtemp(dir), "mkdtemp %s", dir);
}

static void cleanup(const char *dir)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    tu_system(cmd);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert(f, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

/* the whole file, or "" when it cannot be read; static buffer */
static const char *read_text(const char *path)
{
    static char buf[8192];
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f)
        return buf;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* retsim ARGS with stderr into err (a path); the exit status */
static int retsim(const char *args, const char *err)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "%s %s >/dev/null 2>'%s'", tu_bin(), args, err);
    return tu_system(cmd);
}

static int is_regular(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* names in dir other than keep, one per line; static buffer */
static const char *listing(const char *dir)
{
    static char out[4096];
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "ls -A '%s'", dir);
    FILE *p = popen(cmd, "r");
    size_t n = p ? fread(out, 1, sizeof out - 1, p) : 0;
    out[n] = '\0';
    if (p)
        pclose(p);
    return out;
}

Test(outdir, planted_symlinks_are_never_followed)
{
    char dir[] = "/tmp/retsim-plant-XXXXXX";
    make_tmp(dir);
    char out[1200], victim[1200], args[3000], err[1200], path[1400];
    snprintf(out, sizeof out, "%s/out", dir);
    snprintf(err, sizeof err, "%s/err", dir);
    snprintf(victim, sizeof victim, "%s/victim.txt", dir);
    snprintf(args, sizeof args, RUN_ARGS " --out %s", out);
    cr_assert_eq(retsim(args, err), 0, "first run: %s", read_text(err));
    /* links where retsim writes: old-style temporaries, fresh-looking
     * temporaries, and the final names themselves */
    static const char *const planted[] = { "metrics.csv.tmp", "summary.json.tmp", "retention.png.tmp",
                                           "retention.gp.tmp", "profit.csv", "report.html.tmp",
                                           "report.html", NULL };
    write_text(victim, "precious\n");
    for (int i = 0; planted[i]; i++) {
        snprintf(path, sizeof path, "%s/%s", out, planted[i]);
        unlink(path);
        cr_assert_eq(symlink(victim, path), 0, "symlink %s", path);
    }
    /* an in-place write first: the report into the existing folder */
    snprintf(args, sizeof args, "report %s", out);
    cr_expect_eq(retsim(args, err), 0, "report: %s", read_text(err));
    cr_expect_str_eq(read_text(victim), "precious\n", "report wrote through a planted link");
    snprintf(path, sizeof path, "%s/report.html", out);
    cr_expect(is_regular(path), "report.html should be a new regular file, not the link");
    /* then a whole run over the folder (it holds only retsim names: replaced) */
    snprintf(args, sizeof args, RUN_ARGS " --seed 3 --out %s", out);
    cr_expect_eq(retsim(args, err), 0, "second run: %s", read_text(err));
    cr_expect_str_eq(read_text(victim), "precious\n", "the run wrote through a planted link");
    snprintf(path, sizeof path, "%s/metrics.csv", out);
    cr_expect(is_regular(path), "metrics.csv missing after the second run");
    snprintf(path, sizeof path, "%s/metrics.csv.tmp", out);
    cr_expect(access(path, F_OK) != 0 && !is_regular(path), "the planted link should be gone with the old folder");
    struct stat st;
    cr_expect(lstat(path, &st) != 0, "%s still there", path);
    snprintf(path, sizeof path, "%s/profit.csv", out);
    cr_expect(is_regular(path), "profit.csv should be a regular file again");
    /* nothing beside the target but what was there */
    const char *names = listing(dir);
    cr_expect(!strstr(names, "retsim-"), "temporary folders left beside the target:\n%s", names);
    cleanup(dir);
}

Test(outdir, root_and_home_refused_before_any_work)
{
    char dir[] = "/tmp/retsim-home-XXXXXX";
    make_tmp(dir);
    char err[1200], args[3000];
    snprintf(err, sizeof err, "%s/err", dir);
    /* / : with a scenario that does not exist, so that even a broken check
     * could not write anything; the message shows the refusal came first */
    static const char *const roots[] = { "/", "//", "/tmp/..", NULL };
    for (int i = 0; roots[i]; i++) {
        snprintf(args, sizeof args, "run /nonexistent/retsim-no-such.ini --out %s", roots[i]);
        cr_expect_eq(retsim(args, err), 2, "--out %s", roots[i]);
        cr_expect(strstr(read_text(err), "root folder"), "--out %s: %s", roots[i], read_text(err));
        snprintf(args, sizeof args, "run /nonexistent/retsim-no-such.ini --force --out %s", roots[i]);
        cr_expect_eq(retsim(args, err), 2, "--force --out %s", roots[i]);
        cr_expect(strstr(read_text(err), "root folder"), "--force --out %s: %s", roots[i], read_text(err));
    }
    /* the passwd entry's home, the same way */
    struct passwd *pw = getpwuid(getuid());
    cr_assert(pw && pw->pw_dir, "no passwd entry");
    snprintf(args, sizeof args, "run /nonexistent/retsim-no-such.ini --out '%s'", pw->pw_dir);
    cr_expect_eq(retsim(args, err), 2);
    cr_expect(strstr(read_text(err), "home folder") || strstr(read_text(err), "root folder"),
              "--out %s: %s", pw->pw_dir, read_text(err));
    /* $HOME: a real scenario, HOME pointed at a scratch folder that must stay as it was */
    char home[1200], file[1300];
    snprintf(home, sizeof home, "%s/home", dir);
    mkdir(home, 0755);
    snprintf(file, sizeof file, "%s/.profile", home);
    write_text(file, "mine\n");
    const char *forms[] = { "%s", "%s/", "%s/../home", NULL };
    for (int i = 0; forms[i]; i++) {
        char target[1400], cmd[4200];
        snprintf(target, sizeof target, forms[i], home);
        snprintf(cmd, sizeof cmd, "HOME='%s' %s " RUN_ARGS " --force --out '%s' >/dev/null 2>'%s'", home,
                 tu_bin(), target, err);
        cr_expect_eq(tu_system(cmd), 2, "HOME=%s --out %s", home, target);
        cr_expect(strstr(read_text(err), "home folder"), "--out %s: %s", target, read_text(err));
        cr_expect_str_eq(listing(home), ".profile\n", "the home folder was changed");
        cr_expect(!strstr(listing(dir), "retsim-"), "a temporary folder was made: %s", listing(dir));
    }
    /* a folder holding the home folder */
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "HOME='%s' %s " RUN_ARGS " --force --out '%s' >/dev/null 2>'%s'", home,
             tu_bin(), dir, err);
    cr_expect_eq(tu_system(cmd), 2, "a folder holding HOME");
    cr_expect(strstr(read_text(err), "holding the home folder"), "%s", read_text(err));
    cleanup(dir);
}

Test(outdir, out_file_is_a_usage_error)
{
    char dir[] = "/tmp/retsim-outfile-XXXXXX";
    make_tmp(dir);
    char file[1200], err[1200], args[3000];
    snprintf(file, sizeof file, "%s/file.txt", dir);
    snprintf(err, sizeof err, "%s/err", dir);
    write_text(file, "keep\n");
    const char *cmds[] = { RUN_ARGS, "compare scenarios/clinic.ini scenarios/clinic_programme.ini --reps 2 -q",
                           "sweep scenarios/clinic.ini --param churn.mean=0.2:0.4:0.2 --reps 2 -q",
                           "sensitivity scenarios/clinic.ini --reps 2 -q", NULL };
    for (int i = 0; cmds[i]; i++) {
        snprintf(args, sizeof args, "%s --out %s", cmds[i], file);
        cr_expect_eq(retsim(args, err), 2, "%s", args);
        cr_expect(strstr(read_text(err), "is a file, not a folder"), "%s: %s", args, read_text(err));
        snprintf(args, sizeof args, "%s --out %s/sub", cmds[i], file);
        cr_expect_eq(retsim(args, err), 2, "%s", args);
    }
    snprintf(args, sizeof args, "fit %s --out %s", file, file);
    cr_expect_eq(retsim(args, err), 2, "%s", args);
    cr_expect(strstr(read_text(err), "is a file, not a folder"), "fit: %s", read_text(err));
    cr_expect_str_eq(read_text(file), "keep\n");
    cr_expect_str_eq(listing(dir), "err\nfile.txt\n", "something was created: %s", listing(dir));
    cleanup(dir);
}

Test(outdir, foreign_folder_refused_then_merged_with_force)
{
    char dir[] = "/tmp/retsim-foreign-XXXXXX";
    make_tmp(dir);
    char out[1200], notes[1300], err[1200], args[3000], path[1400], victim[1200];
    snprintf(out, sizeof out, "%s/docs", dir);
    snprintf(notes, sizeof notes, "%s/notes.txt", out);
    snprintf(err, sizeof err, "%s/err", dir);
    snprintf(victim, sizeof victim, "%s/victim.txt", dir);
    mkdir(out, 0755);
    write_text(notes, "my notes\n");
    write_text(victim, "precious\n");
    snprintf(path, sizeof path, "%s/metrics.csv", out);
    cr_assert_eq(symlink(victim, path), 0);
    snprintf(args, sizeof args, RUN_ARGS " --out %s", out);
    cr_expect_eq(retsim(args, err), 2, "a folder that is not a retsim output must be refused");
    cr_expect(strstr(read_text(err), "notes.txt") && strstr(read_text(err), "--force"), "%s",
              read_text(err));
    cr_expect_str_eq(listing(out), "metrics.csv\nnotes.txt\n", "refused, yet changed");
    cr_expect(!strstr(listing(dir), "retsim-"), "temporary folder left: %s", listing(dir));
    /* --force: the outputs go in beside the notes; the planted link is replaced, not followed */
    snprintf(args, sizeof args, RUN_ARGS " --force --out %s", out);
    cr_expect_eq(retsim(args, err), 0, "--force: %s", read_text(err));
    cr_expect_str_eq(read_text(notes), "my notes\n", "--force removed or changed a file it did not write");
    cr_expect_str_eq(read_text(victim), "precious\n", "--force wrote through a planted link");
    cr_expect(is_regular(path), "metrics.csv should now be retsim's");
    snprintf(path, sizeof path, "%s/summary.json", out);
    cr_expect(is_regular(path), "no summary.json after --force");
    /* still not ours: refused again without --force, nothing removed */
    snprintf(args, sizeof args, RUN_ARGS " --seed 4 --out %s", out);
    cr_expect_eq(retsim(args, err), 2, "the merged folder still holds notes.txt: refuse");
    cr_expect_str_eq(read_text(notes), "my notes\n");
    cr_expect(!strstr(listing(dir), "retsim-"), "temporary folder left: %s", listing(dir));
    cleanup(dir);
}

Test(outdir, earlier_output_replaced_whole_and_empty_folder_accepted)
{
    char dir[] = "/tmp/retsim-replace-XXXXXX";
    make_tmp(dir);
    char out[1200], err[1200], args[3000], path[1400];
    snprintf(out, sizeof out, "%s/a/b/out", dir);
    snprintf(err, sizeof err, "%s/err", dir);
    /* missing parents are created */
    snprintf(args, sizeof args, RUN_ARGS " --report --out %s", out);
    cr_assert_eq(retsim(args, err), 0, "%s", read_text(err));
    snprintf(path, sizeof path, "%s/report.html", out);
    cr_assert(is_regular(path));
    /* a rerun without --report: the old report goes with the old folder */
    snprintf(args, sizeof args, RUN_ARGS " --seed 2 --out %s/", out);
    cr_expect_eq(retsim(args, err), 0, "%s", read_text(err));
    cr_expect(access(path, F_OK) != 0, "the earlier output was not replaced whole");
    snprintf(path, sizeof path, "%s/summary.json", out);
    cr_expect(is_regular(path));
    snprintf(path, sizeof path, "%s/a/b", dir);
    cr_expect_str_eq(listing(path), "out\n", "left beside the target: %s", listing(path));
    /* an empty folder is fine, and keeps its permissions */
    snprintf(path, sizeof path, "%s/empty", dir);
    mkdir(path, 0750);
    chmod(path, 0750);
    snprintf(args, sizeof args, RUN_ARGS " --out %s", path);
    cr_expect_eq(retsim(args, err), 0, "%s", read_text(err));
    struct stat st;
    cr_expect(stat(path, &st) == 0 && (st.st_mode & 0777) == 0750, "mode %o", st.st_mode & 0777);
    cleanup(dir);
}
