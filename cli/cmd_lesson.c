/* retsim lesson: short lessons for a new marketing hire (../shared/DOMAIN.md
 * question 7.5).  The command parses the options, finds lessons.ini
 * (--lessons, $RETSIM_LESSONS, else the data directory), checks the lesson
 * number and the output folder, and puts the folder in place whole; what a
 * lesson asks, runs, judges and prints is present/lesson.h's. */
#include <getopt.h>
#include <iniparser/iniparser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "outdir.h"
#include "datadir.h"
#include "../present/compare.h"
#include "../present/lesson.h"
#include "../sim/runner.h"
#include "../sim/lang.h"

#define LESSON_DEFAULT_DIR "scenarios/lessons"
#define LESSON_DEFAULT_REPS 100
_Static_assert(LESSON_DEFAULT_REPS == 100, "the help row says 100 (a msgid cannot hold a macro)");

/* ---- finding lessons.ini ---- */

static int file_exists(const char *path)
{
    return access(path, R_OK) == 0;
}

static int find_dir(const char *opt, char *out, size_t cap, diag *d)
{
    char path[4200];
    if (opt) {
        snprintf(path, sizeof path, "%s/%s", opt, LESSON_FILE);
        if (!file_exists(path))
            return diag_set(d, DIAG_USAGE, "--lessons %s: no %s there", opt, LESSON_FILE);
        snprintf(out, cap, "%s", opt);
        return 0;
    }
    const char *env = getenv("RETSIM_LESSONS");
    if (env && *env) {
        snprintf(path, sizeof path, "%s/%s", env, LESSON_FILE);
        if (!file_exists(path))
            return diag_set(d, DIAG_USAGE, "RETSIM_LESSONS=%s: no %s there", env, LESSON_FILE);
        snprintf(out, cap, "%s", env);
        return 0;
    }
    /* the source tree's, else the installed ones (cli/datadir.h) */
    char tried[4096];
    if (datadir_find(LESSON_DEFAULT_DIR, LESSON_FILE, out, cap, tried, sizeof tried) == 0)
        return 0;
    return diag_set(d, DIAG_USAGE,
                    "cannot find %s (looked in %s): give --lessons DIR, or set RETSIM_LESSONS "
                    "or RETSIM_DATADIR",
                    LESSON_FILE, tried);
}

/* ---- the command ---- */

static const char *const lesson_synopsis[] = {
    "retsim lesson [N] [--answer X] [--lang en|zh] [--reps R] [--material X%] [--out DIR]", NULL
};
static const char *const lesson_examples[] = { "retsim lesson", "retsim lesson 1 --answer b", NULL };
static const help_option lesson_options[] = {
    { "--answer X", N_("your answer (a letter of the choices); without it, and when standard input is not "
                    "a terminal, no judging"), 0 },
    { "--lang L", N_("language: en or zh (default: zh when LANGUAGE, LC_ALL, LC_MESSAGES or LANG starts "
                  "with zh, else en)"), 0 },
    { "-r, --reps N", N_("replications (2 to 1000000; default 100)"), 0 },
    { "-s, --seed S", N_("random seed (default 1)"), 0 },
    { "-t, --threads T", N_("threads (default: all cores); never changes results"), 0 },
    { "-o, --out DIR", N_("output directory (default out/lesson_N)"), 0 },
    { "--lessons DIR", N_("where lessons.ini is (default: $RETSIM_LESSONS, else scenarios/lessons under the "
                       "current directory, else under the data directory: see FILES in `man retsim`)"),
      0 },
    /* xgettext:no-c-format */
    { "--material X%", N_("the smallest change a verdict calls up or down, as in retsim compare (default: "
                       "the lesson's, else 1 % / 0.5 pp)"), 0 },
    { "-h, --help", N_("this help"), 0 },
    { NULL, NULL, 0 }
};
static const help_page lesson_help = {
    .synopsis = lesson_synopsis,
    .description = N_("Short lessons for a new marketing hire: why a good experience does not guarantee a "
                   "second visit, and what each lever does. Without N, lists the lessons. With N: asks the "
                   "question and its choices, reads your answer from the terminal (or --answer), runs the "
                   "comparison as `retsim compare` does, and shows the result, whether the answer was "
                   "right by what the simulation measured, the takeaway, the causal chain of the variant, "
                   "and the plots."),
    .options = lesson_options,
    .examples = lesson_examples,
};

static int run_lesson(const lesson *ls, const run_opts *ro, double material, const char *out,
                      int answer_given, const char *answer_text, lang_id lang, diag *d)
{
    lesson_session *s = NULL;
    int status = lesson_start(ls, ro, material, answer_given, answer_text, lang, &s, d);
    if (!status) {
        /* written into a temporary folder put in place whole (outdir.h) */
        outdir_txn *od = outdir_begin(out, 0, d);
        if (!od)
            status = d->status;
        else if (!(status = lesson_write(s, od->path, lang, d)))
            status = outdir_commit(od, d);
    }
    if (!status)
        status = lesson_print_result(s, out, lang, d);
    lesson_session_free(s);
    return status;
}

static int lesson_run(int argc, char **argv, diag *d)
{
    static const struct option opts[] = {
        { "answer", required_argument, 0, 'a' }, { "lang", required_argument, 0, 'L' },
        { "reps", required_argument, 0, 'r' },   { "seed", required_argument, 0, 's' },
        { "threads", required_argument, 0, 't' }, { "out", required_argument, 0, 'o' },
        { "lessons", required_argument, 0, 'D' }, { "help", no_argument, 0, 'h' },
        { "material", required_argument, 0, 'T' },
        { 0, 0, 0, 0 }
    };
    run_opts ro = { 1, LESSON_DEFAULT_REPS, 0, 0, 0 };
    const char *answer = NULL, *out = NULL, *dir_opt = NULL;
    lang_id lang = lang_default(); /* --lang, else LANGUAGE, LC_ALL, LC_MESSAGES, LANG */
    double material = 0;
    long v;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":r:s:t:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'a':
            answer = optarg;
            break;
        case 'L':
            if (cli_parse_lang(optarg, &lang, d))
                return d->status;
            break;
        case 'r':
            if (cli_parse_int("--reps", optarg, 2, 1000000, &v, d))
                return d->status;
            ro.reps = (int)v;
            break;
        case 's':
            if (cli_parse_u64("--seed", optarg, &ro.seed, d))
                return d->status;
            break;
        case 't':
            if (cli_parse_int("--threads", optarg, 1, 256, &v, d))
                return d->status;
            ro.threads = (int)v;
            break;
        case 'o':
            if (!*optarg)
                return diag_set(d, DIAG_USAGE, "--out needs a directory name");
            out = optarg;
            break;
        case 'D':
            dir_opt = optarg;
            break;
        case 'T':
            if (compare_parse_material(optarg, &material, d))
                return d->status;
            break;
        case 'h':
            help_print(stdout, &lesson_help);
            return 0;
        case ':':
            return diag_set(d, DIAG_USAGE, "%s needs a value (see retsim lesson --help)",
                            argv[optind - 1]);
        default:
            return diag_set(d, DIAG_USAGE, "unknown option '%s' (see retsim lesson --help)",
                            argv[optind - 1]);
        }
    }
    if (argc - optind > 1)
        return diag_set(d, DIAG_USAGE, "lesson takes one number: retsim lesson N");
    ro.progress = isatty(STDERR_FILENO);

    char dir[4096];
    if (find_dir(dir_opt, dir, sizeof dir, d))
        return d->status;
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, LESSON_FILE);
    dictionary *ini = iniparser_load(path);
    if (!ini)
        return diag_set(d, DIAG_USAGE, "%s: cannot read it as an INI file", path);
    int status = 0;
    if (argc - optind == 0) {
        if (answer)
            status = diag_set(d, DIAG_USAGE, "--answer needs a lesson: retsim lesson N --answer X");
        else
            status = lesson_list(ini, dir, lang, d);
        iniparser_freedict(ini);
        return status;
    }

    int numbers[LESSON_MAX];
    int n = lesson_numbers(ini, numbers, LESSON_MAX);
    char valid[512] = "";
    size_t used = 0;
    for (int i = 0; i < n && used < sizeof valid; i++)
        used += (size_t)snprintf(valid + used, sizeof valid - used, "%s%d", i ? ", " : "", numbers[i]);
    char *end;
    const char *arg = argv[optind];
    long number = strtol(arg, &end, 10);
    int found = 0;
    for (int i = 0; i < n && !*end && end != arg; i++)
        found |= numbers[i] == number;
    if (!found) {
        status = diag_set(d, DIAG_USAGE, "no lesson '%s': the lessons are %s (retsim lesson lists them)",
                          arg, n ? valid : "none");
        iniparser_freedict(ini);
        return status;
    }
    lesson *ls = lesson_new();
    if (!ls) {
        iniparser_freedict(ini);
        return diag_set(d, DIAG_RUNTIME, "out of memory");
    }
    char outbuf[64];
    if (!out) {
        snprintf(outbuf, sizeof outbuf, "out/lesson_%ld", number);
        out = outbuf;
    }
    status = lesson_read(ini, dir, (int)number, lang, ls, d);
    if (!status)
        status = outdir_check(out, 0, d); /* before the questions, not after */
    if (!status)
        status = run_lesson(ls, &ro, material, out, answer != NULL, answer, lang, d);
    lesson_free(ls);
    iniparser_freedict(ini);
    return status;
}

const command cmd_lesson = { "lesson", "short lessons on simulated customers, for a new marketing hire",
                             lesson_run, &lesson_help };
