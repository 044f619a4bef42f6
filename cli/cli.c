#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "../sim/input.h"
#include "../present/compare.h"
#include "../sim/lang.h"
#include "../present/figures.h"
#include "../sim/metrics.h"

int cli_parse_int(const char *opt, const char *text, long min, long max, long *out, diag *d)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (!*text || *end || errno == ERANGE)
        return diag_set(d, DIAG_USAGE, "%s '%s': expected a whole number from %ld to %ld",
                        opt, text, min, max);
    if (v < min || v > max)
        return diag_set(d, DIAG_USAGE, "%s %ld is out of range: allowed %ld to %ld", opt, v,
                        min, max);
    *out = v;
    return 0;
}

int cli_parse_u64(const char *opt, const char *text, uint64_t *out, diag *d)
{
    char *end;
    errno = 0;
    const char *p = text;
    while (isspace((unsigned char)*p))
        p++;
    unsigned long long v = strtoull(p, &end, 10);
    if (!*p || *p == '-' || *end || errno == ERANGE)
        return diag_set(d, DIAG_USAGE,
                        "%s '%s': expected a whole number from 0 to 18446744073709551615", opt,
                        text);
    *out = (uint64_t)v;
    return 0;
}

/* "10%" or "0.1" -> 0.1, within (0, max] */
static int parse_share(const char *opt, const char *text, double max, double *out, diag *d)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    int percent = *end == '%';
    if (percent)
        end++;
    if (!*text || *end || errno == ERANGE || !isfinite(v) || strpbrk(text, "xX"))
        return diag_set(d, DIAG_USAGE, "%s '%s': expected a share such as 0.1 or 10%%", opt, text);
    if (percent)
        v /= 100;
    if (v <= 0 || v > max)
        return diag_set(d, DIAG_USAGE, "%s %s is out of range: allowed above 0 up to %g (%g%%)",
                        opt, text, max, 100 * max);
    *out = v;
    return 0;
}

void cli_default_out(const char *path, char *out, size_t cap)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strcspn(base, ".");
    snprintf(out, cap, "out/%.*s", (int)n, base);
}

/* The shared option rows of --help and the man page; each row shows in the
 * commands that allow its CLI_ bit. */
const help_option cli_help_options[] = {
    { "-r, --reps N", N_("replications (2 to 1000000; default 200)"), 0 },
    { "-s, --seed S", N_("random seed (default 1); same seed, same output"), 0 },
    { "-t, --threads T", N_("threads (1 to 256; default: all cores); never changes results"), 0 },
    { "-o, --out DIR", N_("output directory (replaced whole when the outputs are complete)"), 0 },
    { "--force", N_("also write into a folder that is not a retsim output (its files are kept); never /, "
                 "nor the home folder"), 0 },
    { "--set S.K=V", N_("override key K of section S (repeatable; in compare, sweep and sensitivity it "
                     "applies to every scenario, base included), e.g. `--set churn.mean=0.5`, "
                     "`--set channel.walkin.step_conversion=0.4`"), 0 },
    /* xgettext:no-c-format */
    { "--precision P", N_("add replications (in blocks of 32) until the 95 % CI half-width of profit is "
                       "within P of its mean (e.g. 0.01 or 1%); --reps is then the cap (default 10000)"),
      CLI_PRECISION },
    { "--independent", N_("run each scenario on its own seed instead of common random numbers"),
      CLI_INDEPENDENT },
    /* xgettext:no-c-format */
    { "--delta D", N_("relative move of each parameter, down and up (default 10%)"), CLI_DELTA },
    { "--report", N_("also write report.html (one self-contained page; report.zh.html with --lang zh)"),
      CLI_REPORT },
    { "--lang L", N_("language of the report, the plots and the console summary: en or zh (default: "
                  "zh when LANGUAGE, LC_ALL, LC_MESSAGES or LANG starts with zh, else en)"), CLI_REPORT },
    /* xgettext:no-c-format */
    { "--material X%", N_("the smallest change a verdict calls up or down: X % of the base, and X "
                       "percentage points for shares (default 1 % and 0.5 pp; docs/whatif.md); smaller "
                       "reads \"no material change\""), CLI_MATERIAL },
    { "--param-uncertainty on|off", N_("on (default): draw the scenario's uncertain keys (e.g. lift = "
                                     "beta(2, 18)) and its [uncertainty] draws once per pair of "
                                     "replications, so every interval carries them (docs/whatif.md); "
                                     "off: every key at its point value, the draws file ignored"),
      CLI_PARAM_UNCERTAINTY },
    { "--write-log FILE", N_("also write the purchases of replication 0 as a transaction log that retsim fit "
                          "reads: customer,date,amount (the bill), and group (treatment or control) when "
                          "the scenario has [pilot]; written whole or not at all"), CLI_WRITE_LOG },
    { "--log-start DATE", N_("the log's day 0 (YYYY-MM-DD; default 2024-01-01); with [base] the log "
                          "starts the day after as_of and this option is refused"), CLI_WRITE_LOG },
    { "--metric NAME", N_("a second metric to report the swing of (default retention_365)"), CLI_METRIC },
    { "--max-memory M", N_("refuse a run estimated to need more than M (e.g. 500M, 4G; default: the memory "
                        "available now)"), 0 },
    { "--max-input-size S", N_("largest scenario file read (default 1M; e.g. 4M)"), 0 },
    { "-q, --quiet", N_("no progress bar, no summary"), 0 },
    { "-h, --help", N_("this help"), 0 },
    { NULL, NULL, 0 }
};

void cli_print_common_help(int allowed)
{
    help_print_options(stdout, NULL, cli_help_options, allowed);
}

int cli_parse(const char *verb, int argc, char **argv, int allowed, cli_opts *o, diag *d)
{
    static const struct option opts[] = {
        { "reps", required_argument, 0, 'r' },     { "seed", required_argument, 0, 's' },
        { "threads", required_argument, 0, 't' },  { "out", required_argument, 0, 'o' },
        { "set", required_argument, 0, 'S' },      { "quiet", no_argument, 0, 'q' },
        { "help", no_argument, 0, 'h' },           { "precision", required_argument, 0, 'P' },
        { "independent", no_argument, 0, 'I' },    { "param", required_argument, 0, 'A' },
        { "delta", required_argument, 0, 'D' },    { "metric", required_argument, 0, 'M' },
        { "report", no_argument, 0, 'R' },         { "lang", required_argument, 0, 'L' },
        { "material", required_argument, 0, 'T' },
        { "force", no_argument, 0, 'F' },
        { "max-memory", required_argument, 0, 'X' },
        { "max-input-size", required_argument, 0, 'Z' },
        { "param-uncertainty", required_argument, 0, 'U' },
        { "write-log", required_argument, 0, 'W' },
        { "log-start", required_argument, 0, 'Y' },
        { 0, 0, 0, 0 }
    };
    memset(o, 0, sizeof *o);
    o->lang = (int)lang_default(); /* --lang, else LANGUAGE, LC_ALL, LC_MESSAGES, LANG */
    input_set_max_bytes(0);
    o->run.seed = 1;
    o->run.reps = 200;
    o->delta = 0.1;
    int c, reps_given = 0;
    long v;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":r:s:t:o:qh", opts, NULL)) != -1) {
        int needs = c == 'P' ? CLI_PRECISION : c == 'I' ? CLI_INDEPENDENT : c == 'A' ? CLI_PARAM
                    : c == 'D' ? CLI_DELTA : c == 'M' ? CLI_METRIC
                    : (c == 'R' || c == 'L') ? CLI_REPORT : c == 'T' ? CLI_MATERIAL
                    : c == 'U' ? CLI_PARAM_UNCERTAINTY
                    : (c == 'W' || c == 'Y') ? CLI_WRITE_LOG : 0;
        if (needs && !(allowed & needs))
            return diag_set(d, DIAG_USAGE, "%s does not take %s (see retsim %s --help)", verb,
                            argv[optind - 1], verb);
        switch (c) {
        case 'r':
            if (cli_parse_int("--reps", optarg, 2, 1000000, &v, d))
                return d->status;
            o->run.reps = (int)v;
            reps_given = 1;
            break;
        case 's':
            if (cli_parse_u64("--seed", optarg, &o->run.seed, d))
                return d->status;
            break;
        case 't':
            if (cli_parse_int("--threads", optarg, 1, 256, &v, d))
                return d->status;
            o->run.threads = (int)v;
            break;
        case 'o':
            if (!*optarg)
                return diag_set(d, DIAG_USAGE, "--out needs a directory name");
            o->out = optarg;
            break;
        case 'S':
            if (o->nsets == CLI_MAX_SETS)
                return diag_set(d, DIAG_USAGE, "at most %d --set options", CLI_MAX_SETS);
            o->sets[o->nsets++] = optarg;
            break;
        case 'q':
            o->quiet = 1;
            break;
        case 'F':
            o->force = 1;
            break;
        case 'h':
            o->help = 1;
            return 0;
        case 'P':
            if (parse_share("--precision", optarg, 1.0, &o->precision, d))
                return d->status;
            break;
        case 'I':
            o->independent = 1;
            break;
        case 'A':
            o->param = optarg;
            break;
        case 'D':
            if (parse_share("--delta", optarg, 0.9, &o->delta, d))
                return d->status;
            break;
        case 'M':
            o->metric = optarg;
            break;
        case 'T':
            if (compare_parse_material(optarg, &o->material, d))
                return d->status;
            break;
        case 'R':
            o->report = 1;
            break;
        case 'L': {
            lang_id lang;
            if (cli_parse_lang(optarg, &lang, d))
                return d->status;
            o->lang = (int)lang;
            break;
        }
        case 'X': {
            unsigned long long bytes;
            if (input_parse_size("--max-memory", optarg, 1ULL << 20, 1ULL << 50, &bytes, d))
                return d->status;
            o->run.max_memory = (double)bytes;
            break;
        }
        case 'Z':
            if (input_max_size_option(optarg, d))
                return d->status;
            break;
        case 'U':
            if (!strcmp(optarg, "on"))
                o->run.param_uncertainty_off = 0;
            else if (!strcmp(optarg, "off"))
                o->run.param_uncertainty_off = 1;
            else
                return diag_set(d, DIAG_USAGE, "--param-uncertainty '%s': expected on or off", optarg);
            break;
        case 'W':
            if (!*optarg)
                return diag_set(d, DIAG_USAGE, "--write-log needs a file name");
            o->write_log = optarg;
            break;
        case 'Y':
            o->log_start = optarg;
            break;
        case ':':
            return diag_set(d, DIAG_USAGE, "%s needs a value (see retsim %s --help)",
                            argv[optind - 1], verb);
        default:
            return diag_set(d, DIAG_USAGE, "unknown option '%s' (see retsim %s --help)",
                            argv[optind - 1], verb);
        }
    }
    if (o->precision > 0 && !reps_given)
        o->run.reps = 10000; /* a cap, not a target */
    for (int i = optind; i < argc; i++) {
        if (o->nfiles == CLI_MAX_FILES)
            return diag_set(d, DIAG_USAGE, "at most %d scenario files", CLI_MAX_FILES);
        o->files[o->nfiles++] = argv[i];
    }
    o->run.progress = !o->quiet && isatty(STDERR_FILENO);
    o->run.precision = o->precision;
    return 0;
}

int cli_parse_lang(const char *text, lang_id *out, diag *d)
{
    if (lang_from_code(text, out))
        return diag_set(d, DIAG_USAGE, "--lang %s: supported languages are en and zh", text);
    lang_set_ui(*out);
    return 0;
}

int cli_parse_number(const char *text, size_t len, double *out)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, text, len);
    buf[len] = '\0';
    char *end;
    errno = 0;
    *out = strtod(buf, &end);
    /* strtod also reads hexadecimal ("0x1p3"), which nobody types for a day */
    return (*end || errno || !isfinite(*out) || strpbrk(buf, "xX")) ? -1 : 0;
}
