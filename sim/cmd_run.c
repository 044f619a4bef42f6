/* retsim run: one scenario, many replications, curves and a summary. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "engine.h"
#include "output.h"
#include "runner.h"
#include "scenario.h"

#define MAX_SETS 256

static void run_usage(void)
{
    printf("usage: retsim run FILE.ini [options]\n"
           "\n"
           "Simulates the customer base FILE.ini describes, many times over, and\n"
           "writes retention and profit curves with 95 %% confidence bands.\n"
           "\n"
           "options:\n"
           "  -r, --reps N         replications (2 to 1000000; default 200)\n"
           "  -s, --seed S         random seed (default 1); same seed, same output\n"
           "  -t, --threads T      threads (1 to 256; default: all cores)\n"
           "  -o, --out DIR        output directory (default out/NAME, NAME = file name)\n"
           "      --set S.K=V      override key K of section S, e.g. --set churn.mean=0.5\n"
           "                       (repeatable; for channels: --set channel.walkin.step_conversion=0.4)\n"
           "  -q, --quiet          no progress bar, no summary\n"
           "  -h, --help           this help\n"
           "\n"
           "writes: summary.json, metrics.csv, retention.csv, profit.csv, active.csv,\n"
           "        funnel.csv, rfm.csv, clv.csv, cohorts.csv, scenario.ini and the plots\n"
           "        retention.png, profit.png, customers.png, cohorts.png (with .gp scripts)\n"
           "\n"
           "Scenario keys: retsim keys, or docs/scenarios.md.\n");
}

static void default_out(const char *path, char *out, size_t cap)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strcspn(base, ".");
    snprintf(out, cap, "out/%.*s", (int)n, base);
}

static int run_run(int argc, char **argv, diag *d)
{
    static const struct option opts[] = {
        { "reps", required_argument, 0, 'r' },  { "seed", required_argument, 0, 's' },
        { "threads", required_argument, 0, 't' }, { "out", required_argument, 0, 'o' },
        { "set", required_argument, 0, 'S' },   { "quiet", no_argument, 0, 'q' },
        { "help", no_argument, 0, 'h' },        { 0, 0, 0, 0 }
    };
    run_opts o = { 1, 200, 0, 0 };
    const char *outdir = NULL;
    const char *sets[MAX_SETS];
    int nsets = 0, quiet = 0, c;
    long v;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":r:s:t:o:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            if (cli_parse_int("--reps", optarg, 2, 1000000, &v, d))
                return d->status;
            o.reps = (int)v;
            break;
        case 's':
            if (cli_parse_u64("--seed", optarg, &o.seed, d))
                return d->status;
            break;
        case 't':
            if (cli_parse_int("--threads", optarg, 1, 256, &v, d))
                return d->status;
            o.threads = (int)v;
            break;
        case 'o':
            outdir = optarg;
            break;
        case 'S':
            if (nsets == MAX_SETS)
                return diag_set(d, DIAG_USAGE, "at most %d --set options", MAX_SETS);
            sets[nsets++] = optarg;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'h':
            run_usage();
            return 0;
        case ':':
            return diag_set(d, DIAG_USAGE, "%s needs a value (see retsim run --help)",
                            argv[optind - 1]);
        default:
            return diag_set(d, DIAG_USAGE, "unknown option '%s' (see retsim run --help)",
                            argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return diag_set(d, DIAG_USAGE, "which scenario? usage: retsim run FILE.ini "
                                       "(e.g. retsim run scenarios/clinic.ini)");
    if (optind + 1 < argc)
        return diag_set(d, DIAG_USAGE, "one scenario at a time; unexpected '%s'",
                        argv[optind + 1]);
    const char *path = argv[optind];
    char outbuf[4096];
    if (!outdir) {
        default_out(path, outbuf, sizeof outbuf);
        outdir = outbuf;
    }

    scenario *sc = scen_load(path, sets, nsets, d);
    if (!sc)
        return d->status;
    engine *e = engine_prepare(sc, d);
    if (!e) {
        scen_free(sc);
        return d->status;
    }
    o.progress = !quiet && isatty(STDERR_FILENO);
    run_result *res = NULL;
    int status = sim_run(&e, 1, &o, &res, d);
    if (!status)
        status = out_write_run(outdir, sc, &o, res, 0, d);
    if (!status && !quiet) {
        out_print_summary(stdout, sc, res, 0);
        printf("  wrote %s/ (summary.json, CSV files, plots)\n", outdir);
    }
    run_result_free(res);
    engine_free(e);
    scen_free(sc);
    return status;
}

const command cmd_run = { "run", "simulate a scenario: retention and profit with confidence bands",
                          run_run, run_usage };
