/* The malformed-scenario table (issue 2, "Bad input") and its good twin.
 *
 * Like iniparser's own tests, two folders: every file in scenarios/good/
 * must load, every file in scenarios/bad/ must fail with exit status 2 and a
 * message containing each `; expect: <substring>` written in the file's
 * first two lines.  Then --set overrides, and the command line itself through
 * the built binary (RETSIM_BIN, default ./retsim).
 *
 * Runs with the working directory at the repository root. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../models/satisfaction.h"
#include "../sim/scenario.h"
#include "../sim/sections.h"
#include "../models/standing.h"

#define BAD_DIR "scenarios/bad"
#define GOOD_DIR "scenarios/good"
#define TOP_DIR "scenarios"
#define MIN_BAD_FILES 20
#define MAX_EXPECT 2

/* ---- listing the folders ---- */

/* One scenario file, by path from the repository root.  Plain data (no
 * pointers) so Criterion can hand it to the test workers. */
typedef struct scen_file {
    char path[512];
} scen_file;

static int ends_with_ini(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && !strcmp(name + n - 4, ".ini");
}

static int is_regular(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int cmp_file(const void *a, const void *b)
{
    return strcmp(((const scen_file *)a)->path, ((const scen_file *)b)->path);
}

/* Counts the *.ini files in dir and, when out is not NULL, writes their
 * paths ("dir/name.ini") to out[0..cap). */
static size_t scan_dir(const char *dir, scen_file *out, size_t cap)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!ends_with_ini(e->d_name))
            continue;
        char path[512];
        if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path)
            continue;
        if (!is_regular(path))
            continue;
        if (out && n < cap)
            snprintf(out[n].path, sizeof out[n].path, "%s", path);
        n++;
    }
    closedir(d);
    return n;
}

static void free_params(struct criterion_test_params *p)
{
    cr_free(p->params);
}

/* The *.ini files of up to two folders, sorted, in Criterion's shared
 * memory.  An empty list still yields one (empty-path) entry, which the
 * tests report as a failure rather than passing vacuously. */
static struct criterion_test_params list_params(const char *dir1, const char *dir2)
{
    size_t n = scan_dir(dir1, NULL, 0) + (dir2 ? scan_dir(dir2, NULL, 0) : 0);
    size_t cap = n ? n : 1;
    scen_file *files = cr_malloc(cap * sizeof *files);
    memset(files, 0, cap * sizeof *files);
    size_t got = scan_dir(dir1, files, cap);
    if (dir2)
        got += scan_dir(dir2, files + got, cap - got);
    qsort(files, got, sizeof *files, cmp_file);
    return cr_make_param_array(scen_file, files, cap, free_params);
}

/* ---- the `; expect:` lines ---- */

typedef struct expectations {
    int n;
    char text[MAX_EXPECT][512];
} expectations;

/* Reads `; expect: <substring>` from the first MAX_EXPECT lines. */
static void read_expectations(const char *path, expectations *ex)
{
    memset(ex, 0, sizeof *ex);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s: cannot open: %s", path, strerror(errno));
    char line[1024];
    for (int i = 0; i < MAX_EXPECT && fgets(line, sizeof line, f); i++) {
        const char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        static const char tag[] = "; expect:";
        if (strncmp(p, tag, sizeof tag - 1))
            break;
        p += sizeof tag - 1;
        while (*p == ' ' || *p == '\t')
            p++;
        size_t len = strcspn(p, "\r\n");
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        if (!len)
            continue;
        snprintf(ex->text[ex->n], sizeof ex->text[ex->n], "%.*s", (int)len, p);
        ex->n++;
    }
    fclose(f);
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* ---- temp directories ---- */

static void remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st))
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (d) {
            struct dirent *e;
            while ((e = readdir(d))) {
                if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                    continue;
                char child[PATH_MAX];
                if (snprintf(child, sizeof child, "%s/%s", path, e->d_name)
                    < (int)sizeof child)
                    remove_tree(child);
            }
            closedir(d);
        }
        rmdir(path);
    } else {
        unlink(path);
    }
}

/* Each test runs in its own worker process, so one static temp dir each. */
static char tmpdir[64];

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/retsim-test-scen-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir), "mkdtemp: %s", strerror(errno));
}

static void drop_tmpdir(void)
{
    if (tmpdir[0] && !strncmp(tmpdir, "/tmp/retsim-test-scen-", 22))
        remove_tree(tmpdir);
    tmpdir[0] = '\0';
}

static void write_file(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot write %s: %s", path, strerror(errno));
    cr_assert_eq(fwrite(text, 1, len, f), len, "short write to %s", path);
    cr_assert_eq(fclose(f), 0, "cannot close %s", path);
}

static int exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* ---- loading ---- */

static scenario *load(const char *path, const char *const *sets, int nsets, diag *d)
{
    memset(d, 0, sizeof *d);
    return scen_load(path, sets, nsets, d);
}

/* Asserts that loading fails with status 2 and a message holding want. */
static void expect_rejected(const char *path, const char *const *sets, int nsets,
                            const char *want, const char *what)
{
    diag d;
    scenario *sc = load(path, sets, nsets, &d);
    if (sc)
        scen_free(sc);
    cr_assert_null(sc, "%s: loaded, but should be rejected", what);
    cr_assert_eq(d.status, DIAG_USAGE, "%s: status %d, expected %d (usage); message: %s",
                 what, d.status, DIAG_USAGE, d.msg);
    cr_assert(strstr(d.msg, want), "%s: message lacks \"%s\"; got: %s", what, want, d.msg);
}

static const channel_params *channel_by_label(const scenario *sc, const char *label)
{
    int n = scen_count(sc, &section_channel);
    for (int i = 0; i < n; i++) {
        const char *lab;
        const channel_params *c = scen_nth(sc, &section_channel, i, &lab);
        if (!strcmp(lab, label))
            return c;
    }
    return NULL;
}

/* =====================================================================
 * (1) scenarios/bad: every file fails, with the expected message
 * ===================================================================== */

Test(scen_bad, folder_holds_at_least_20_files)
{
    size_t n = scan_dir(BAD_DIR, NULL, 0);
    cr_assert_geq(n, MIN_BAD_FILES,
                  "%s holds %zu .ini files; the table needs at least %d "
                  "(is the working directory the repository root?)",
                  BAD_DIR, n, MIN_BAD_FILES);
}

ParameterizedTestParameters(scen_bad, rejected_with_expected_message)
{
    return list_params(BAD_DIR, NULL);
}

ParameterizedTest(scen_file *f, scen_bad, rejected_with_expected_message)
{
    cr_assert(f->path[0], "no .ini files in %s", BAD_DIR);
    expectations ex;
    read_expectations(f->path, &ex);
    cr_assert_gt(ex.n, 0, "%s: the first line must be '; expect: <substring>'", f->path);

    diag d;
    scenario *sc = load(f->path, NULL, 0, &d);
    if (sc)
        scen_free(sc);
    cr_assert_null(sc, "%s: loaded, but it is malformed and must be rejected", f->path);
    cr_assert_eq(d.status, DIAG_USAGE, "%s: status %d, expected %d (usage); message: %s",
                 f->path, d.status, DIAG_USAGE, d.msg);
    cr_expect(strstr(d.msg, base_name(f->path)), "%s: message does not name the file: %s",
              f->path, d.msg);
    for (int i = 0; i < ex.n; i++)
        cr_expect(strstr(d.msg, ex.text[i]),
                  "%s: message lacks \"%s\"\n    got: %s", f->path, ex.text[i], d.msg);
}

/* Failures the folder cannot hold: files that are missing, not files, or
 * not text. */

Test(scen_bad, missing_file_cannot_open)
{
    expect_rejected("scenarios/bad/no-such-file.ini", NULL, 0, "cannot open",
                    "a missing file");
}

Test(scen_bad, directory_cannot_be_read, .init = make_tmpdir, .fini = drop_tmpdir)
{
    expect_rejected(tmpdir, NULL, 0, "cannot read", "a directory");
}

Test(scen_bad, nul_bytes_are_not_text, .init = make_tmpdir, .fini = drop_tmpdir)
{
    char path[128];
    snprintf(path, sizeof path, "%s/nul.ini", tmpdir);
    static const char text[] = "[channel.walkin]\nprospects_per_day = 1\0\n";
    write_file(path, text, sizeof text - 1);
    expect_rejected(path, NULL, 0, "NUL", "a file with a NUL byte");
}

/* No .init: a skipped test does not run .fini, so the temp dir is made only
 * once the test is known to run. */
Test(scen_bad, unreadable_file, .fini = drop_tmpdir)
{
    if (geteuid() == 0)
        cr_skip_test("running as root: permissions do not stop reading");
    make_tmpdir();
    char path[128];
    snprintf(path, sizeof path, "%s/locked.ini", tmpdir);
    static const char text[] = "[channel.walkin]\n";
    write_file(path, text, sizeof text - 1);
    cr_assert_eq(chmod(path, 0), 0, "chmod: %s", strerror(errno));
    expect_rejected(path, NULL, 0, "cannot open", "an unreadable file");
}

/* =====================================================================
 * (2) scenarios/good and every shipped top-level scenario load
 * ===================================================================== */

ParameterizedTestParameters(scen_good, loads)
{
    return list_params(GOOD_DIR, TOP_DIR);
}

ParameterizedTest(scen_file *f, scen_good, loads)
{
    cr_assert(f->path[0], "no .ini files in %s or %s", GOOD_DIR, TOP_DIR);
    diag d;
    scenario *sc = load(f->path, NULL, 0, &d);
    cr_assert_not_null(sc, "%s: rejected (status %d): %s", f->path, d.status, d.msg);
    cr_expect_eq(d.status, DIAG_OK, "%s: loaded but status %d", f->path, d.status);
    cr_expect_gt(scen_count(sc, &section_channel), 0, "%s: loaded with no channel", f->path);
    scen_free(sc);
}

Test(scen_good, folder_holds_the_edge_cases)
{
    size_t n = scan_dir(GOOD_DIR, NULL, 0);
    cr_assert_geq(n, 4, "%s holds %zu .ini files, expected at least 4", GOOD_DIR, n);
}

/* The good files load with the values they say, not just without error. */
Test(scen_good, values_arrive_where_written)
{
    diag d;
    scenario *sc = load(GOOD_DIR "/upper_case.ini", NULL, 0, &d);
    cr_assert_not_null(sc, "upper_case.ini: %s", d.msg);
    const scenario_params *s = scen_get(sc, &section_scenario);
    cr_expect_eq(s->horizon_days, 365, "HORIZON_DAYS = 365 read as %d", s->horizon_days);
    const channel_params *c = channel_by_label(sc, "walkin");
    cr_assert_not_null(c, "[Channel.WalkIn] is not channel 'walkin'");
    cr_expect_eq(c->path, PATH_TOUCH_FIRST, "PATH = Touch_First read as %d", c->path);
    const sat_spend_params *sp = scen_get(sc, &sat_section_spend);
    cr_expect_eq(sp->distribution, SPEND_GAMMA, "DISTRIBUTION = GAMMA read as %d",
                 sp->distribution);
    const recall_params *r = scen_get(sc, &section_recall);
    cr_expect(r->enabled, "Enabled = YES read as false");
    const sat_stickiness_params *st = scen_get(sc, &sat_section_stickiness);
    cr_expect(!st->enabled, "ENABLED = Off read as true");
    scen_free(sc);

    sc = load(GOOD_DIR "/comments.ini", NULL, 0, &d);
    cr_assert_not_null(sc, "comments.ini: %s", d.msg);
    s = scen_get(sc, &section_scenario);
    cr_expect_str_eq(s->name, "comments", "trailing ; comment kept in the value");
    cr_expect_eq(s->horizon_days, 400, "trailing # comment: horizon_days = %d", s->horizon_days);
    c = channel_by_label(sc, "walkin");
    cr_assert_not_null(c, "comments.ini: no channel 'walkin'");
    cr_expect_float_eq(c->step_conversion, 0.35, 1e-12, "step_conversion = %g",
                       c->step_conversion);
    scen_free(sc);

    sc = load(GOOD_DIR "/beta_churn.ini", NULL, 0, &d);
    cr_assert_not_null(sc, "beta_churn.ini: %s", d.msg);
    const sat_churn_params *ch = scen_get(sc, &sat_section_churn);
    cr_expect(ch->heterogeneous, "beta_a/beta_b should make churn heterogeneous");
    cr_expect_float_eq(ch->a, 2.0, 1e-12, "Beta a = %g", ch->a);
    cr_expect_float_eq(ch->b, 3.0, 1e-12, "Beta b = %g", ch->b);
    cr_expect_float_eq(ch->mean, 0.4, 1e-12, "implied mean = %g", ch->mean);
    scen_free(sc);

    sc = load(GOOD_DIR "/referral_wom.ini", NULL, 0, &d);
    cr_assert_not_null(sc, "referral_wom.ini: %s", d.msg);
    const wom_params *w = scen_get(sc, &section_wom);
    cr_expect_str_eq(w->into_channel, "friends",
                     "word of mouth should feed the referral channel, got '%s'",
                     w->into_channel);
    scen_free(sc);
}

/* Channel labels are case-insensitive ([channel.Friends] is channel
 * 'friends'), so into_channel must be too. */
Test(scen_good, into_channel_matches_label_case_insensitively, .init = make_tmpdir,
     .fini = drop_tmpdir)
{
    char path[128];
    snprintf(path, sizeof path, "%s/wom_case.ini", tmpdir);
    static const char text[] = "[channel.ads]\n"
                               "[channel.Friends]\npath = referral\n"
                               "[word_of_mouth]\ninto_channel = Friends\n";
    write_file(path, text, sizeof text - 1);
    diag d;
    scenario *sc = load(path, NULL, 0, &d);
    cr_assert_not_null(sc, "[channel.Friends] with into_channel = Friends rejected: %s",
                       d.msg);
    scen_free(sc);
}

/* =====================================================================
 * (3) --set overrides
 * ===================================================================== */

#define CLINIC "scenarios/clinic.ini"

Test(scen_set, valid_override_changes_the_value)
{
    const char *sets[] = { "churn.mean=0.4", "economics.gross_margin=0.7",
                           "SCENARIO.Horizon_Days=100" };
    diag d;
    scenario *sc = load(CLINIC, sets, 3, &d);
    cr_assert_not_null(sc, "--set rejected: %s", d.msg);
    const sat_churn_params *ch = scen_get(sc, &sat_section_churn);
    cr_expect_float_eq(ch->mean, 0.4, 1e-12, "--set churn.mean=0.4 gave %g", ch->mean);
    cr_expect(scen_is_set(sc, &sat_section_churn, NULL, "mean"), "churn.mean not marked set");
    const economics_params *e = scen_get(sc, &section_economics);
    cr_expect_float_eq(e->gross_margin, 0.7, 1e-12, "--set economics.gross_margin=0.7 gave %g",
                       e->gross_margin);
    const scenario_params *s = scen_get(sc, &section_scenario);
    cr_expect_eq(s->horizon_days, 100, "--set SCENARIO.Horizon_Days=100 gave %d",
                 s->horizon_days);
    scen_free(sc);

    /* without the override the file's value stands */
    sc = load(CLINIC, NULL, 0, &d);
    cr_assert_not_null(sc, "clinic.ini: %s", d.msg);
    ch = scen_get(sc, &sat_section_churn);
    cr_expect_float_eq(ch->mean, 0.55, 1e-12, "clinic.ini churn.mean = %g", ch->mean);
    scen_free(sc);
}

Test(scen_set, override_can_add_an_absent_section)
{
    const char *sets[] = { "recall.day=30" };
    diag d;
    scenario *sc = load(CLINIC, sets, 1, &d);
    cr_assert_not_null(sc, "--set recall.day=30 rejected: %s", d.msg);
    cr_expect(scen_present(sc, &section_recall), "[recall] should count as present");
    const recall_params *r = scen_get(sc, &section_recall);
    cr_expect_eq(r->day, 30, "recall.day = %d", r->day);
    scen_free(sc);
}

Test(scen_set, channel_key_override)
{
    const char *sets[] = { "channel.douyin.step_conversion=0.5" };
    diag d;
    scenario *sc = load(CLINIC, sets, 1, &d);
    cr_assert_not_null(sc, "--set channel.douyin.step_conversion=0.5 rejected: %s", d.msg);
    const channel_params *c = channel_by_label(sc, "douyin");
    cr_assert_not_null(c, "clinic.ini has no channel 'douyin'");
    cr_expect_float_eq(c->step_conversion, 0.5, 1e-12, "step_conversion = %g",
                       c->step_conversion);
    cr_expect_float_eq(c->conversion, pow(0.5, 5), 1e-12,
                       "derived conversion %g, expected 0.5^5", c->conversion);
    const channel_params *other = channel_by_label(sc, "search");
    cr_assert_not_null(other, "clinic.ini has no channel 'search'");
    cr_expect_float_eq(other->step_conversion, 0.6, 1e-12,
                       "the override leaked into [channel.search]: %g", other->step_conversion);
    scen_free(sc);
}

Test(scen_set, unknown_key_is_rejected_with_suggestion)
{
    const char *sets[] = { "churn.men=0.5" };
    expect_rejected(CLINIC, sets, 1, "did you mean 'mean'?", "--set churn.men=0.5");
    expect_rejected(CLINIC, sets, 1, "'men'", "--set churn.men=0.5");
}

Test(scen_set, unknown_section_is_rejected_with_suggestion)
{
    const char *sets[] = { "chrun.mean=0.5" };
    expect_rejected(CLINIC, sets, 1, "did you mean [churn]?", "--set chrun.mean=0.5");
}

Test(scen_set, malformed_override_is_rejected)
{
    const char *no_eq[] = { "churnmean0.5" };
    expect_rejected(CLINIC, no_eq, 1, "expected section.key=value", "--set churnmean0.5");
    const char *no_dot[] = { "mean=0.5" };
    expect_rejected(CLINIC, no_dot, 1, "expected section.key=value", "--set mean=0.5");
}

Test(scen_set, override_value_is_validated)
{
    const char *range[] = { "churn.mean=1.5" };
    expect_rejected(CLINIC, range, 1, "out of range", "--set churn.mean=1.5");
    const char *junk[] = { "churn.mean=abc" };
    expect_rejected(CLINIC, junk, 1, "'abc'", "--set churn.mean=abc");
    /* and the cross-key checks see it: beta_a without beta_b */
    const char *half[] = { "churn.beta_a=2" };
    expect_rejected(CLINIC, half, 1, "beta_a and beta_b go together", "--set churn.beta_a=2");
}

Test(scen_set, override_of_a_missing_channel_is_rejected)
{
    const char *sets[] = { "channel.tiktok.step_conversion=0.5" };
    expect_rejected(CLINIC, sets, 1, "no [channel.tiktok] section",
                    "--set channel.tiktok.step_conversion=0.5");
}

/* [channel] needs a label; saying "did you mean [channel]?" to someone who
 * wrote [channel] helps nobody. */
Test(scen_set, channel_override_without_label_names_the_form)
{
    const char *sets[] = { "channel.step_conversion=0.5" };
    expect_rejected(CLINIC, sets, 1, "channel.NAME", "--set channel.step_conversion=0.5");
}

/* =====================================================================
 * (4) the command line, through the built binary
 * ===================================================================== */

static char bin[PATH_MAX];
static char root[PATH_MAX];

static void cli_setup(void)
{
    make_tmpdir();
    const char *env = getenv("RETSIM_BIN");
    const char *b = env && *env ? env : "./retsim";
    cr_assert(access(b, X_OK) == 0, "retsim binary '%s' not found or not executable "
              "(build it with make, or set RETSIM_BIN)", b);
    cr_assert_not_null(realpath(b, bin), "realpath(%s): %s", b, strerror(errno));
    cr_assert_not_null(getcwd(root, sizeof root), "getcwd: %s", strerror(errno));
}

typedef struct cli_result {
    int status;                 /* exit status, or -1 if it did not exit */
    char out[65536], err[8192];
    int err_lines;
} cli_result;

static void slurp(const char *path, char *buf, size_t cap)
{
    buf[0] = '\0';
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = '\0';
    fclose(f);
}

/* Runs `retsim ARGS` from directory cwd (the repository root when NULL),
 * capturing stdout and stderr into files in the temp dir. */
static void run_cli_in(const char *cwd, const char *args, cli_result *r)
{
    char cmd[PATH_MAX * 3 + 1024];
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s >'%s/stdout' 2>'%s/stderr' </dev/null",
             cwd ? cwd : root, bin, args, tmpdir, tmpdir);
    int rc = system(cmd);
    cr_assert_neq(rc, -1, "system(%s) failed: %s", cmd, strerror(errno));
    r->status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    char path[128];
    snprintf(path, sizeof path, "%s/stdout", tmpdir);
    slurp(path, r->out, sizeof r->out);
    snprintf(path, sizeof path, "%s/stderr", tmpdir);
    slurp(path, r->err, sizeof r->err);
    r->err_lines = 0;
    for (const char *p = r->err; *p; p++)
        r->err_lines += *p == '\n';
}

static void run_cli(const char *args, cli_result *r)
{
    run_cli_in(NULL, args, r);
}

/* exit status 2, nothing on stdout, a message on stderr containing want */
static void expect_usage_error(const char *args, const char *want)
{
    cli_result r;
    run_cli(args, &r);
    cr_expect_eq(r.status, 2, "retsim %s: exit status %d, expected 2; stderr: %s", args,
                 r.status, r.err);
    cr_expect(r.err[0], "retsim %s: nothing on stderr", args);
    cr_expect_eq(r.out[0], '\0', "retsim %s: wrote to stdout on error: %s", args, r.out);
    if (want)
        cr_expect(strstr(r.err, want), "retsim %s: stderr lacks \"%s\"; got: %s", args, want,
                  r.err);
}

TestSuite(scen_cli, .init = cli_setup, .fini = drop_tmpdir);

Test(scen_cli, bad_scenario_exits_2_with_one_line_and_no_output)
{
    char out[128], args[512];
    snprintf(out, sizeof out, "%s/out", tmpdir);
    snprintf(args, sizeof args, "run %s/probability_above_one.ini --reps 2 --out '%s'",
             BAD_DIR, out);
    cli_result r;
    run_cli(args, &r);
    cr_expect_eq(r.status, 2, "exit status %d, expected 2; stderr: %s", r.status, r.err);
    cr_expect_eq(r.err_lines, 1, "expected exactly one line on stderr, got %d:\n%s",
                 r.err_lines, r.err);
    cr_expect(strstr(r.err, "probability_above_one.ini:4:"), "stderr lacks the file and line: %s",
              r.err);
    cr_expect(strstr(r.err, "step_conversion"), "stderr lacks the key: %s", r.err);
    cr_expect_eq(r.out[0], '\0', "stdout not empty: %s", r.out);
    cr_expect(!exists(out), "the output directory %s was created for a bad scenario", out);
}

/* Every bad file through the binary: status 2, a message, nothing written,
 * not even the default out/NAME (run from the temp dir to see it). */
ParameterizedTestParameters(scen_cli, every_bad_file_exits_2_and_writes_nothing)
{
    return list_params(BAD_DIR, NULL);
}

ParameterizedTest(scen_file *f, scen_cli, every_bad_file_exits_2_and_writes_nothing)
{
    cr_assert(f->path[0], "no .ini files in %s", BAD_DIR);
    char work[128], args[PATH_MAX + 600], outdir[160];
    snprintf(work, sizeof work, "%s/work", tmpdir);
    cr_assert_eq(mkdir(work, 0700), 0, "mkdir %s: %s", work, strerror(errno));
    snprintf(args, sizeof args, "run '%s/%s' --reps 2", root, f->path);
    cli_result r;
    run_cli_in(work, args, &r);
    cr_expect_eq(r.status, 2, "%s: exit status %d, expected 2; stderr: %s", f->path, r.status,
                 r.err);
    cr_expect(!strncmp(r.err, "retsim run: ", 12), "%s: stderr should be one 'retsim run: ' "
              "message; got: %s", f->path, r.err);
    cr_expect(strstr(r.err, base_name(f->path)), "%s: stderr does not name the file: %s",
              f->path, r.err);
    cr_expect_eq(r.out[0], '\0', "%s: stdout not empty: %s", f->path, r.out);
    snprintf(outdir, sizeof outdir, "%s/out", work);
    cr_expect(!exists(outdir), "%s: created %s", f->path, outdir);
}

Test(scen_cli, missing_file_exits_2)
{
    expect_usage_error("run /nonexistent.ini", "cannot open");
}

Test(scen_cli, no_file_exits_2)
{
    expect_usage_error("run", "usage: retsim run FILE.ini");
}

Test(scen_cli, bad_options_exit_2)
{
    expect_usage_error("run " CLINIC " --reps 1", "--reps");
    expect_usage_error("run " CLINIC " --reps abc", "'abc'");
    expect_usage_error("run " CLINIC " --threads 0", "--threads");
    expect_usage_error("run " CLINIC " --seed -1", "--seed");
    expect_usage_error("run " CLINIC " --bogus", "unknown option '--bogus'");
    expect_usage_error("run " CLINIC " " CLINIC, "one scenario at a time");
    expect_usage_error("run " CLINIC " --set churn.men=0.5", "did you mean 'mean'?");
    expect_usage_error("run " CLINIC " --set churnmean0.5", "expected section.key=value");
}

/* An option typed without its value says so, not "unknown option". */
Test(scen_cli, option_without_value_says_it_needs_one)
{
    expect_usage_error("run " CLINIC " --reps", "needs a value");
}

Test(scen_cli, unknown_command_suggests)
{
    expect_usage_error("rnu", "did you mean 'run'?");
    expect_usage_error("", "usage: retsim COMMAND");
}

Test(scen_cli, help_and_keys_exit_0)
{
    static const char *const ok[] = { "--help", "run --help", "keys" };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        cli_result r;
        run_cli(ok[i], &r);
        cr_expect_eq(r.status, 0, "retsim %s: exit status %d, expected 0; stderr: %s", ok[i],
                     r.status, r.err);
        cr_expect(r.out[0], "retsim %s: printed nothing on stdout", ok[i]);
    }
    cli_result r;
    run_cli("keys", &r);
    cr_expect(strstr(r.out, "[channel.NAME]"), "retsim keys does not list [channel.NAME]");
    cr_expect(strstr(r.out, "trap_low"), "retsim keys does not list trap_low");
}
