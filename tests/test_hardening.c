/* Issue 9, the input side, through the binary: inputs that used to crash,
 * hang or eat memory are refused quickly with exit 2, a message naming the
 * problem, and nothing written.  (The malformed-file tables are
 * scenarios/bad/ and the cases of test_translog.c; these are the inputs a
 * table of files cannot hold: FIFOs, devices, folders, huge files, runs too
 * big for memory, secrets behind base =.) */
#include <criterion/criterion.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static char dir[64];
static char bin[PATH_MAX];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/retsim-hard-XXXXXX");
    cr_assert(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
    cr_assert(realpath(tu_bin(), bin), "no retsim binary at %s (set RETSIM_BIN)", tu_bin());
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

TestSuite(hard_input, .init = setup, .fini = teardown);

typedef struct result {
    int status;
    double seconds;
    char err[8192];
} result;

/* retsim ARGS run in the temp folder, with a 20 s guard against a hang
 * (timeout's status 124 then fails the test's status check). */
static void run(const char *args, result *r)
{
    char cmd[PATH_MAX + 4096];
    snprintf(cmd, sizeof cmd, "cd '%s' && timeout 20 '%s' %s >stdout 2>stderr </dev/null", dir,
             bin, args);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    int rc = system(cmd);
    clock_gettime(CLOCK_MONOTONIC, &b);
    r->seconds = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) * 1e-9;
    r->status = WIFEXITED(rc) ? WEXITSTATUS(rc) : 128 + WTERMSIG(rc);
    char path[128];
    snprintf(path, sizeof path, "%s/stderr", dir);
    r->err[0] = '\0';
    FILE *f = fopen(path, "rb");
    if (f) {
        size_t n = fread(r->err, 1, sizeof r->err - 1, f);
        r->err[n] = '\0';
        fclose(f);
    }
}

static void put(const char *name, const char *text, size_t len)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    cr_assert(f, "cannot write %s", path);
    cr_assert_eq(fwrite(text, 1, len, f), len);
    fclose(f);
}

static int there(const char *name)
{
    char path[256];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return lstat(path, &st) == 0;
}

/* exit 2, the words in the message, and no output folder */
static void expect_refused(const char *args, const char *w1, const char *w2)
{
    result r;
    run(args, &r);
    cr_expect_eq(r.status, 2, "retsim %s: status %d, expected 2; stderr: %s", args, r.status,
                 r.err);
    if (w1)
        cr_expect(strstr(r.err, w1), "retsim %s: stderr lacks '%s': %s", args, w1, r.err);
    if (w2)
        cr_expect(strstr(r.err, w2), "retsim %s: stderr lacks '%s': %s", args, w2, r.err);
    cr_expect(!there("out"), "retsim %s: wrote an output folder", args);
}

#define MINIMAL "[scenario]\nhorizon_days = 30\n[channel.walkin]\nprospects_per_day = 2\n"

Test(hard_input, colon_in_a_header_is_an_error_not_a_crash)
{
    put("c.ini", "[churn]\n[churn:mean]\n", 21);
    put("ok.ini", MINIMAL, strlen(MINIMAL));
    expect_refused("run c.ini --reps 2 --out out", "c.ini:2: ':' in the section name [churn:mean]",
                   NULL);
    expect_refused("explain c.ini", "c.ini:2:", "':'");
    expect_refused("compare ok.ini c.ini --reps 2 --out out", "c.ini:2:", "':'");
}

Test(hard_input, fifo_scenario_is_refused_at_once)
{
    char path[128];
    snprintf(path, sizeof path, "%s/pipe.ini", dir);
    cr_assert_eq(mkfifo(path, 0600), 0, "mkfifo: %s", strerror(errno));
    result r;
    run("run pipe.ini --reps 2 --out out", &r);
    cr_expect_eq(r.status, 2, "status %d (124: it hung); stderr: %s", r.status, r.err);
    cr_expect(strstr(r.err, "a FIFO"), "stderr: %s", r.err);
    cr_expect_lt(r.seconds, 5.0, "took %.1f s", r.seconds);
    cr_expect(!there("out"));
}

Test(hard_input, devices_and_folders_are_refused)
{
    expect_refused("run /dev/zero --reps 2 --out out", "/dev/zero: cannot read: it is a character device", NULL);
    expect_refused("fit /dev/zero --out out", "/dev/zero: cannot read: it is a character device", NULL);
    expect_refused("fit . --out out", "a directory", "not a transaction log file");
    char path[128];
    snprintf(path, sizeof path, "%s/pipe.csv", dir);
    cr_assert_eq(mkfifo(path, 0600), 0, "mkfifo: %s", strerror(errno));
    expect_refused("fit pipe.csv --out out", "a FIFO", NULL);
}

Test(hard_input, scenario_size_limit_and_its_option)
{
    /* a valid scenario padded with comments to 1.1 MiB */
    size_t n = 0, cap = 1200 * 1024;
    char *text = malloc(cap);
    cr_assert(text);
    n += (size_t)snprintf(text, cap, "%s", MINIMAL);
    while (n + 101 < 1100 * 1024) {
        memset(text + n, 'x', 100);
        text[n] = ';';
        text[n + 99] = '\n';
        n += 100;
    }
    put("padded.ini", text, n);
    free(text);
    expect_refused("run padded.ini --reps 2 --out out", "more than the limit of 1.0 MiB",
                   "--max-input-size");
    expect_refused("run padded.ini --max-input-size 2Q", "--max-input-size '2Q'", "500M");
    expect_refused("run padded.ini --max-input-size 0", "out of range", NULL);
    result r;
    run("run padded.ini --reps 2 --quiet --max-input-size 2M --out out", &r);
    cr_expect_eq(r.status, 0, "with --max-input-size 2M: status %d: %s", r.status, r.err);
}

Test(hard_input, hundred_thousand_sections_refused_in_milliseconds)
{
    size_t cap = 100000 * 24, n = 0;
    char *text = malloc(cap);
    cr_assert(text);
    for (int i = 0; i < 100000; i++)
        n += (size_t)snprintf(text + n, cap - n, "[channel.c%d]\n", i);
    put("many.ini", text, n);
    free(text);
    result r;
    run("run many.ini --max-input-size 8M --reps 2 --out out", &r);
    cr_expect_eq(r.status, 2, "status %d: %s", r.status, r.err);
    cr_expect(strstr(r.err, "many.ini:65: more than 64 sections"), "stderr: %s", r.err);
    cr_expect_lt(r.seconds, 1.0, "took %.2f s", r.seconds);
    cr_expect(!there("out"));
}

Test(hard_input, fifty_gigabyte_run_refused_with_its_estimate)
{
    /* every prospect buys: 3.65e9 customers; nothing couples them, so 16
     * bytes each (sim/engine.c, fold_customer): 54 GiB */
    static const char huge[] = "[scenario]\nhorizon_days = 3650\n"
                               "[channel.ads]\nprospects_per_day = 1000000\nstep_conversion = 1\n";
    put("huge.ini", huge, sizeof huge - 1);
    result r;
    run("run huge.ini --threads 1 --max-memory 8G --out out", &r);
    cr_expect_eq(r.status, 2, "status %d: %s", r.status, r.err);
    /* 1e6 x 1 x 3650 = 3.65e9 customers */
    cr_expect(strstr(r.err, "3.65e+09 customers a replication"), "stderr: %s", r.err);
    cr_expect(strstr(r.err, "this run needs about") && strstr(r.err, "GiB"), "stderr: %s", r.err);
    cr_expect(strstr(r.err, "more than --max-memory, 8.0 GiB"), "stderr: %s", r.err);
    cr_expect_lt(r.seconds, 1.0, "took %.2f s", r.seconds);
    cr_expect(!there("out"));
    /* without the option the limit is what the machine has free */
    run("run huge.ini --threads 1 --out out", &r);
    cr_expect_eq(r.status, 2, "status %d: %s", r.status, r.err);
    cr_expect(strstr(r.err, "MemAvailable"), "stderr: %s", r.err);
    cr_expect(!there("out"));
    /* every command that simulates goes through the same check */
    expect_refused("compare huge.ini huge.ini --threads 1 --max-memory 8G --out out",
                   "this run needs about", NULL);
    expect_refused("sweep huge.ini --param channel.ads.step_conversion=0.1:0.3:0.1 "
                   "--max-memory 8G --out out", "this run needs about", NULL);
    expect_refused("sensitivity huge.ini --max-memory 8G --out out", "this run needs about",
                   NULL);
    expect_refused("run huge.ini --max-memory lots", "--max-memory 'lots'", NULL);
}

Test(hard_input, a_small_run_fits_and_a_tiny_limit_refuses_it)
{
    /* 2000 x 0.3 x 365 = 219,000 customers; nothing couples them, so the
     * engine keeps 16 bytes of each (sim/engine.c, fold_customer): 3.3 MiB,
     * above 1 MiB */
    static const char medium[] = "[scenario]\nhorizon_days = 365\n[channel.walkin]\n"
                                 "prospects_per_day = 2000\n";
    put("medium.ini", medium, sizeof medium - 1);
    expect_refused("run medium.ini --reps 2 --threads 1 --max-memory 1M --out out",
                   "more than --max-memory, 1.0 MiB", "2.19e+05 customers");
    put("ok.ini", MINIMAL, strlen(MINIMAL));
    result r;
    run("run ok.ini --reps 2 --quiet --max-memory 64M --out out", &r);
    cr_expect_eq(r.status, 0, "status %d: %s", r.status, r.err);
}

Test(hard_input, base_never_quotes_a_file_that_is_not_a_scenario)
{
    static const char secret[] = "root:TOPSECRET-HASH:19000:0:99999:7:::\n";
    put("shadow", secret, sizeof secret - 1);
    put("shadow.ini", secret, sizeof secret - 1);
    static const char other[] = "[database]\npassword = TOPSECRET-HASH\n";
    put("other.ini", other, sizeof other - 1);
    static const char binary[] = "\x7f" "ELF\x02\x01\x01TOPSECRET-HASH\xff\xfe";
    put("binary.ini", binary, sizeof binary - 1);
    char sub[128];
    snprintf(sub, sizeof sub, "%s/sub", dir);
    cr_assert_eq(mkdir(sub, 0700), 0);
    const char *bases[] = { "shadow", "shadow.ini", "other.ini", "binary.ini" };
    for (int i = 0; i < 4; i++) {
        char text[256], args[128];
        snprintf(text, sizeof text, "[scenario]\nbase = sub/../%s\n[channel.walkin]\n", bases[i]);
        put("variant.ini", text, strlen(text));
        snprintf(args, sizeof args, "run variant.ini --reps 2 --out out");
        result r;
        run(args, &r);
        cr_expect_eq(r.status, 2, "base %s: status %d: %s", bases[i], r.status, r.err);
        cr_expect(strstr(r.err, "not a scenario file"), "base %s: stderr: %s", bases[i], r.err);
        cr_expect(!strstr(r.err, "TOPSECRET"), "base %s: the message quotes the file: %s",
                  bases[i], r.err);
        cr_expect(!there("out"));
    }
}

Test(hard_input, base_resolves_from_the_scenario_folder)
{
    char sub[128];
    snprintf(sub, sizeof sub, "%s/a", dir);
    cr_assert_eq(mkdir(sub, 0700), 0);
    put("a/base.ini", MINIMAL, strlen(MINIMAL));
    static const char variant[] = "[scenario]\nbase = base.ini\nname = v\n";
    put("a/variant.ini", variant, sizeof variant - 1);
    /* run from the temp folder: base.ini is found beside variant.ini, not here */
    result r;
    run("run a/variant.ini --reps 2 --quiet --out out", &r);
    cr_expect_eq(r.status, 0, "status %d: %s", r.status, r.err);
}

Test(hard_input, set_base_and_bad_text_in_set_are_refused)
{
    put("ok.ini", MINIMAL, strlen(MINIMAL));
    expect_refused("run ok.ini --set scenario.base=other.ini --out out",
                   "the base cannot be changed with --set", NULL);
    expect_refused("run ok.ini --set \"$(printf 'scenario.name=Caf\\351')\" --out out",
                   "not UTF-8", NULL);
}

Test(hard_input, transaction_log_limit_and_text)
{
    char log[4096];
    size_t n = (size_t)snprintf(log, sizeof log, "customer,date,amount\n");
    for (int i = 0; n + 32 < sizeof log; i++)
        n += (size_t)snprintf(log + n, sizeof log - n, "c%d,2024-01-%02d,10\n", i % 7, 1 + i % 28);
    put("log.csv", log, n);
    expect_refused("fit log.csv --max-input-size 1K --out out", "more than the limit of 1.0 KiB",
                   "--max-input-size");
    static const char nul[] = "customer,date,amount\na\0b,2024-01-01,3\n";
    put("nul.csv", nul, sizeof nul - 1);
    expect_refused("fit nul.csv --out out", "nul.csv: line 2: a NUL byte", NULL);
}
