/* retsim calibrate: fits chosen keys of a scenario to a transaction log by
 * the method of simulated moments (fit/calibrate.h), and writes the
 * estimates, the fit of every moment, the identifiability and
 * calibrated.ini (present/calibrate_report.h).  docs/calibrate.md. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../fit/calibrate.h"
#include "../fit/translog.h"
#include "../present/calibrate_report.h"
#include "../sim/dist.h"
#include "../sim/input.h"
#include "../sim/interrupt.h"
#include "../sim/lang.h"
#include "cli.h"
#include "commands.h"
#include "outdir.h"

#define CAL_MAX_SPEC CALIB_MAX_FREE

static const char *const cal_synopsis[] = {
    "retsim calibrate SCENARIO.ini LOG.csv --free KEY[=LOW:HIGH],... [options]", NULL
};
static const char *const cal_examples[] = {
    "retsim calibrate scenarios/restaurant.ini sales.csv --free churn.mean,stickiness.max",
    "retsim calibrate my.ini sales.csv --free churn.mean,response.trap_low=-0.3:0 --holdout-from 2024-07-01",
    NULL
};
static const help_option cal_options[] = {
    { "--free KEY[=LOW:HIGH],...", N_("the keys to fit (numbers of the scenario, e.g. churn.mean); bounds from "
                                      "the key table unless given; may be repeated"), 0 },
    { "--set SECTION.KEY=VALUE", N_("change a key of the scenario first (as for run)"), 0 },
    { "--customer COL", N_("customer id column of the log (default: detected)"), 0 },
    { "--date COL", N_("purchase date column (default: detected)"), 0 },
    { "--amount COL", N_("amount column (default: detected)"), 0 },
    /* xgettext:no-c-format */
    { "--date-format FMT", N_("e.g. %Y-%m-%d (default: detected)"), 0 },
    { "--holdout-from D", N_("calibrate on the purchases before date D only"), 0 },
    { "-r, --reps R", N_("simulated samples of the log's size per evaluation (default 10)"), 0 },
    { "--seed S", N_("the common random numbers: the same seed, the same objective (default 1)"), 0 },
    { "--starts N", N_("optimiser starts: the scenario's values, then spread points (default 3)"), 0 },
    { "--max-evals N", N_("objective evaluations per start (default 80)"), 0 },
    { "--bootstrap N", N_("resamples of customers for the data moments' covariance (default 200)"), 0 },
    { "--algorithm A", N_("sbplx or bobyqa (NLopt's derivative-free optimisers; default sbplx)"), 0 },
    { "--recency", N_("also match the window's own holdout: the purchases in its last 91 days of the "
                      "customers with 1, 2, 3 to 6, 7 or more purchases before them"), 0 },
    { "--first-bill", N_("also match the chance of another purchase after a first bill below half the mean "
                         "bill (what the new-customer rule acts on)"), 0 },
    { "-t, --threads T", N_("threads (default: all; the result is the same for any number)"), 0 },
    { "-o, --out DIR", N_("output directory (default out/NAME_calibrate; replaced whole when complete)"), 0 },
    { "--force", N_("also write into a folder that is not a retsim output"), 0 },
    { "-q, --quiet", N_("no summary on stdout, no progress on stderr"), 0 },
    { "-h, --help", N_("this help"), 0 },
    { NULL, NULL, 0 }
};
static const help_page cal_help = {
    .synopsis = cal_synopsis,
    .description = N_("Fits the chosen keys of a scenario (the satisfaction model's in particular) so that its "
                      "simulated history reproduces the log's moments: the chance of another purchase after "
                      "the k-th, the days between purchases, the share buying again within 30 to 365 days, "
                      "the spend per visit. Method of simulated moments on common random numbers, weighted "
                      "by the inverse bootstrap covariance of the data's moments, minimised with NLopt from "
                      "several starts. Says which keys the data determine and which stay assumptions."),
    .options = cal_options,
    .writes = N_("writes: estimates.csv (with standard errors), moments_fit.csv/.png (data, band, simulated), "
                 "identifiability.csv, summary.json (with the over-identification test), calibrated.ini "
                 "(the scenario with the estimates as uncertain values, starting from today's customers: "
                 "retsim run DIR/calibrated.ini), customers_base.csv (the log's customers as they stand at "
                 "the window's end, its [base]) and, with --holdout-from, holdout_by_frequency.csv (the "
                 "holdout's purchases by calibration repeat purchases, actual against the forecast from "
                 "today's customers)"),
    .examples = cal_examples,
    .note = N_("docs/calibrate.md: the moments, the weighting, the standard errors, how the simulation is "
               "made comparable to the log."),
};

typedef struct cal_opts {
    const char *files[2];
    int nfiles;
    char *spec[CAL_MAX_SPEC + 1];
    int nspec;
    const char *sets[SCEN_MAX_SETS];
    int nsets;
    translog_opts log;
    const char *holdout_from;
    const char *out;
    int force, quiet, help;
    calib_opts c;
} cal_opts;

static int add_free(cal_opts *o, char *arg, diag *d)
{
    for (char *tok = strtok(arg, ","); tok; tok = strtok(NULL, ",")) {
        while (*tok == ' ')
            tok++;
        if (!*tok)
            continue;
        if (o->nspec >= CAL_MAX_SPEC)
            return diag_set(d, DIAG_USAGE, "--free: at most %d keys", CAL_MAX_SPEC);
        o->spec[o->nspec++] = tok;
    }
    return 0;
}

static int parse_opts(int argc, char **argv, cal_opts *o, diag *d)
{
    static const struct option opts[] = {
        { "free", required_argument, 0, 'k' }, { "set", required_argument, 0, 's' },
        { "customer", required_argument, 0, 'C' }, { "date", required_argument, 0, 'D' },
        { "amount", required_argument, 0, 'A' }, { "date-format", required_argument, 0, 'F' },
        { "holdout-from", required_argument, 0, 'H' }, { "reps", required_argument, 0, 'r' },
        { "seed", required_argument, 0, 'S' }, { "starts", required_argument, 0, 'n' },
        { "max-evals", required_argument, 0, 'm' }, { "bootstrap", required_argument, 0, 'b' },
        { "algorithm", required_argument, 0, 'a' }, { "threads", required_argument, 0, 't' },
        { "out", required_argument, 0, 'o' }, { "force", no_argument, 0, 'f' },
        { "quiet", no_argument, 0, 'q' }, { "help", no_argument, 0, 'h' },
        { "recency", no_argument, 0, 'R' }, { "first-bill", no_argument, 0, 'B' }, { 0, 0, 0, 0 }
    };
    memset(o, 0, sizeof *o);
    input_set_max_bytes(0);
    o->log.max_bad_share = 0.05;
    o->c = (calib_opts){ .seed = 1, .reps = 10, .threads = 0, .starts = 3, .max_evals = 80,
                         .bootstrap = 200, .algorithm = 0, .progress = 1 };
    int c;
    long v;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":o:qhr:t:", opts, NULL)) != -1) {
        switch (c) {
        case 'k':
            if (add_free(o, optarg, d))
                return d->status;
            break;
        case 's':
            if (o->nsets >= SCEN_MAX_SETS)
                return diag_set(d, DIAG_USAGE, "--set: at most %d", SCEN_MAX_SETS);
            o->sets[o->nsets++] = optarg;
            break;
        case 'C': o->log.customer_col = optarg; break;
        case 'D': o->log.date_col = optarg; break;
        case 'A': o->log.amount_col = optarg; break;
        case 'F': o->log.date_format = optarg; break;
        case 'H': o->holdout_from = optarg; break;
        case 'r':
            if (cli_parse_int("--reps", optarg, 1, 1000, &v, d))
                return d->status;
            o->c.reps = (int)v;
            break;
        case 'S':
            if (cli_parse_u64("--seed", optarg, &o->c.seed, d))
                return d->status;
            break;
        case 'n':
            if (cli_parse_int("--starts", optarg, 1, 16, &v, d))
                return d->status;
            o->c.starts = (int)v;
            break;
        case 'm':
            if (cli_parse_int("--max-evals", optarg, 5, 100000, &v, d))
                return d->status;
            o->c.max_evals = (int)v;
            break;
        case 'b':
            if (cli_parse_int("--bootstrap", optarg, 20, 100000, &v, d))
                return d->status;
            o->c.bootstrap = (int)v;
            break;
        case 'a':
            if (!strcmp(optarg, "sbplx"))
                o->c.algorithm = 0;
            else if (!strcmp(optarg, "bobyqa"))
                o->c.algorithm = 1;
            else
                return diag_set(d, DIAG_USAGE, "--algorithm %s: expected sbplx or bobyqa", optarg);
            break;
        case 't':
            if (cli_parse_int("--threads", optarg, 1, 4096, &v, d))
                return d->status;
            o->c.threads = (int)v;
            break;
        case 'o': o->out = optarg; break;
        case 'f': o->force = 1; break;
        case 'R': o->c.recency = 1; break;
        case 'B': o->c.first_bill = 1; break;
        case 'q': o->quiet = 1; o->c.progress = 0; break;
        case 'h': o->help = 1; return 0;
        case ':': return diag_set(d, DIAG_USAGE, "%s needs a value", argv[optind - 1]);
        default:
            return diag_set(d, DIAG_USAGE, "unknown option '%s' (retsim calibrate --help lists them)",
                            argv[optind - 1]);
        }
    }
    for (int i = optind; i < argc; i++) {
        if (o->nfiles >= 2)
            return diag_set(d, DIAG_USAGE, "unexpected '%s': calibrate takes a scenario and a log", argv[i]);
        o->files[o->nfiles++] = argv[i];
    }
    return 0;
}

static int cal_run(int argc, char **argv, diag *d)
{
    cal_opts o;
    if (parse_opts(argc, argv, &o, d))
        return d->status;
    if (o.help) {
        help_print(stdout, &cal_help);
        return 0;
    }
    if (o.nfiles < 2)
        return diag_set(d, DIAG_USAGE, "usage: retsim calibrate SCENARIO.ini LOG.csv --free KEY,... "
                                       "(e.g. retsim calibrate scenarios/restaurant.ini sales.csv --free "
                                       "churn.mean)");
    if (o.nspec == 0)
        return diag_set(d, DIAG_USAGE, "which keys? --free KEY,KEY,... (e.g. --free churn.mean,stickiness.max; "
                                       "retsim keys lists them)");
    /* MPI: the ranks share each evaluation's replications (sim/dist.h) */
    if (dist_workers() > o.c.reps)
        return diag_set(d, DIAG_USAGE,
                        "%d MPI ranks but only %d replications per evaluation to share among them: start at "
                        "most %d ranks (mpirun -np %d), or ask for at least %d replications (--reps %d)",
                        dist_workers(), o.c.reps, o.c.reps, o.c.reps, dist_workers(), dist_workers());
    char outbuf[4096];
    const char *outdir = o.out;
    if (!outdir) {
        cli_default_out(o.files[0], outbuf, sizeof outbuf);
        strncat(outbuf, "_calibrate", sizeof outbuf - strlen(outbuf) - 1);
        outdir = outbuf;
    }
    if (outdir_check(outdir, o.force, d))
        return d->status;
    translog *log = translog_read(o.files[1], &o.log, d);
    if (!log)
        return d->status;
    int w0 = log->min_day, w1 = log->max_day;
    int status = 0;
    if (o.holdout_from) {
        int day;
        const char *fmt = "%Y-%m-%d";
        if (translog_parse_date(o.holdout_from, fmt, &day))
            status = diag_set(d, DIAG_USAGE, "--holdout-from %s: expected a date like 1997-10-01 (format %s)",
                              o.holdout_from, fmt);
        else if (day <= log->min_day || day > log->max_day)
            status = diag_set(d, DIAG_USAGE, "--holdout-from %s is outside the data's span: it must fall after "
                                             "the first day and on or before the last",
                              o.holdout_from);
        else
            w1 = day - 1;
    }
    calib_problem *p = calloc(1, sizeof *p);
    calib_result *r = calloc(1, sizeof *r);
    if (!status && (!p || !r))
        status = diag_set(d, DIAG_RUNTIME, "out of memory");
    if (!status)
        status = calib_setup(p, o.files[0], o.sets, o.nsets, o.spec, o.nspec, log, w0, w1, &o.c, d);
    if (!status)
        p->hold_end = log->max_day;
    if (!status && !o.quiet)
        fprintf(stderr, tr(lang_ui(), "retsim: calibrating %d keys on %d moments of %ld customers; %d "
                                      "replications per evaluation\n"),
                p->nfree, p->nuse, p->mdata.ncust, p->o.reps);
    if (!status)
        status = calib_run(p, r, d);
    if (!status && !dist_is_root()) { /* under MPI rank 0 writes and prints (sim/dist.h) */
        free(p);
        free(r);
        translog_free(log);
        return 0;
    }
    if (!status) {
        interrupt_enter();
        outdir_txn *od = outdir_begin(outdir, o.force, d);
        if (!od)
            status = d->status;
        else if ((status = calib_write(od->path, p, r, o.files[1], d)))
            outdir_abort(od);
        else
            status = outdir_commit(od, d);
        interrupt_leave();
    }
    if (!status && !o.quiet) {
        calib_print(stdout, p, r);
        printf(tr(lang_ui(), "  wrote %s/ (estimates.csv, moments_fit.csv/.png, identifiability.csv, "
                             "summary.json, calibrated.ini%s%s)\n"),
               outdir, p->warm_start ? ", customers_base.csv" : "",
               r->holdout_days > 0 && r->holdout_warm ? ", holdout_by_frequency.csv" : "");
    }
    free(p);
    free(r);
    translog_free(log);
    return status;
}

const command cmd_calibrate = { "calibrate", "fit a scenario's keys to a transaction log (simulated moments)",
                                cal_run, &cal_help, 1 };
