/* retsim pilot: a promotion tried on part of the customers, measured
 * (issue 12): the log and the groups read, fit/pilot.c estimates without a
 * model, fit/pilot_model.c with one (or falls back), present/pilot_report.c
 * writes. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/dates.h"
#include "../fit/groups.h"
#include "../fit/pilot.h"
#include "../fit/pilot_model.h"
#include "../fit/translog.h"
#include "../present/pilot_report.h"
#include "../sim/input.h"
#include "../sim/lang.h"
#include "cli.h"
#include "commands.h"
#include "outdir.h"
#include "pilot_rollout_opts.h"
#include "../present/pilot_page.h"
#include "../present/rollout.h"

static const char *const pilot_synopsis[] = {
    "retsim pilot LOG.csv --group COL --start DATE [--end DATE] [--out DIR]",
    "retsim pilot LOG.csv --treated IDS.txt --start DATE [--end DATE] [--out DIR]",
    "retsim pilot LOG.csv --group COL --start DATE --rollout [--cost-per-use X] [--gross-margin X] ...",
    "retsim pilot --plan FITTED.ini --lift X [--power 0.8] [--weeks LIST] [--customers LIST]", NULL
};
static const char *const pilot_examples[] = {
    "retsim run pilot.ini --write-log pilot_log.csv && retsim pilot pilot_log.csv --group group "
    "--start 2024-09-30",
    "retsim pilot examples/pilot_loyalty_sms.csv --group group --start 2025-01-03 --rollout --cost-per-use 1.5",
    NULL
};
static const help_option pilot_options[] = {
    { "--group COL", N_("the column naming each customer's group: treatment or control (also treated, "
                        "t/c, 1/0); this or --treated is required"), 0 },
    { "--treated FILE", N_("a file of the treated customers' ids, one per line (everyone else is control), "
                           "instead of --group"), 0 },
    { "--start D", N_("the pilot's first day; required, after the log's first day and not after its last"), 0 },
    { "--end D", N_("the pilot's last day (default: the log's last day)"), 0 },
    { "--model-free", N_("skip the purchase model: the levers from the model-free estimate only (faster)"), 0 },
    { "--customer COL", N_("customer id column (default: detected)"), 0 },
    { "--date COL", N_("purchase date column (default: detected)"), 0 },
    { "--amount COL", N_("amount column (default: detected)"), 0 },
    { "--date-format FMT", N_("e.g. %Y-%m-%d, %d/%m/%Y (default: detected)"), 0 },
    { "-o, --out DIR", N_("output directory (default out/NAME_pilot; replaced whole when complete)"), 0 },
    { "--force", N_("also write into a folder that is not a retsim output (its files are kept)"), 0 },
    { "-q, --quiet", N_("no summary on stdout"), 0 },
    { "-h, --help", N_("this help"), 0 },
    { NULL, NULL, 0 }
};
static const help_page pilot_help = {
    .synopsis = pilot_synopsis,
    /* xgettext:no-c-format */
    .description = N_("Measures a promotion tried on part of the customers (a pilot) from its transaction "
                      "log: the customers per group, the groups' balance before the "
                      "start (purchases, spend, days since the last purchase, each with its standardized "
                      "difference), purchases and revenue per customer since the start by group and week, "
                      "and the difference treatment - control in purchases and revenue per customer with a "
                      "95 % interval (Welch), raw and adjusted with each customer's own purchases in an "
                      "equally long period before the start (CUPED). Beside it, the effect on the three levers "
                      "(purchase rate, dropout, spend per visit) as ratios with 95 % intervals, from a BG/NBD "
                      "purchase model and a Gamma-Gamma spend model with the group as a covariate, fitted by "
                      "maximum likelihood to each customer's purchases before and since the start, and whether "
                      "the model and the model-free estimate agree; with too little history before the start "
                      "the levers fall back to the model-free estimate, and say so. The estimate covers the "
                      "customers who bought before the start; new customers since are described apart."),
    .options = pilot_options,
    .shared = pilot_rollout_help,
    .writes = N_("writes: summary.json, balance.csv, effect.csv, levers.csv, pilot_weekly.csv/.png"),
    .examples = pilot_examples,
};

typedef struct pilot_opts {
    translog_opts log;
    const char *file, *group, *treated, *start, *end, *out;
    int force, quiet, model_free;
    pilot_rollout_cli rollout;   /* --rollout and its options (cli/pilot_rollout_opts.c) */
} pilot_opts;

static int parse_pilot_opts(int argc, char **argv, pilot_opts *o, int *help, diag *d)
{
    static const struct option opts[] = {
        { "group", required_argument, 0, 'g' },   { "start", required_argument, 0, 's' },
        { "end", required_argument, 0, 'e' },     { "customer", required_argument, 0, 'C' },
        { "date", required_argument, 0, 'D' },    { "amount", required_argument, 0, 'A' },
        { "date-format", required_argument, 0, 'F' }, { "out", required_argument, 0, 'o' },
        { "force", no_argument, 0, 'f' },         { "quiet", no_argument, 0, 'q' },
        { "help", no_argument, 0, 'h' },          { "treated", required_argument, 0, 'T' },
        { "model-free", no_argument, 0, 'm' },    { 0, 0, 0, 0 }
    };
    struct option all[sizeof opts / sizeof *opts + 16];
    size_t na = 0;
    for (; opts[na].name; na++)
        all[na] = opts[na];
    for (size_t k = 0; pilot_rollout_long_options[k].name; k++)
        all[na++] = pilot_rollout_long_options[k];
    all[na] = opts[sizeof opts / sizeof *opts - 1];
    memset(o, 0, sizeof *o);
    pilot_rollout_cli_init(&o->rollout);
    input_set_max_bytes(0);
    o->log.max_bad_share = 0.05;
    *help = 0;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":o:qh", all, NULL)) != -1) {
        if (c >= ROLLOUT_OPT_FIRST) {
            if (pilot_rollout_cli_option(&o->rollout, c, optarg, d))
                return d->status;
            continue;
        }
        switch (c) {
        case 'g': o->group = optarg; break;
        case 's': o->start = optarg; break;
        case 'T': o->treated = optarg; break;
        case 'm': o->model_free = 1; break;
        case 'e': o->end = optarg; break;
        case 'C': o->log.customer_col = optarg; break;
        case 'D': o->log.date_col = optarg; break;
        case 'A': o->log.amount_col = optarg; break;
        case 'F': o->log.date_format = optarg; break;
        case 'o': o->out = optarg; break;
        case 'f': o->force = 1; break;
        case 'q': o->quiet = 1; break;
        case 'h': *help = 1; return 0;
        case ':':
            return diag_set(d, DIAG_USAGE, "%s needs a value (see retsim pilot --help)", argv[optind - 1]);
        default:
            return diag_set(d, DIAG_USAGE, "unknown option '%s' (see retsim pilot --help)",
                            argv[optind - 1]);
        }
    }
    if (o->rollout.plan.fitted) /* --plan: no log (cli/pilot_rollout_opts.c) */
        return pilot_rollout_cli_check(&o->rollout, optind < argc ? argv[optind] : NULL,
                                       o->group ? o->group : o->treated, o->start, d);
    if (optind >= argc)
        return diag_set(d, DIAG_USAGE, "which file? usage: retsim pilot LOG.csv --group COL --start DATE");
    if (optind + 1 < argc)
        return diag_set(d, DIAG_USAGE, "one file at a time; unexpected '%s'", argv[optind + 1]);
    o->file = argv[optind];
    if (o->group && o->treated)
        return diag_set(d, DIAG_USAGE, "--group and --treated both say who was treated: give one of them");
    if (!o->group && !o->treated)
        return diag_set(d, DIAG_USAGE, "--group COL: which column names each customer's group "
                                       "(treatment or control)? (or --treated FILE, the treated customers' ids)");
    if (!o->start)
        return diag_set(d, DIAG_USAGE, "--start DATE: the pilot's first day is needed, e.g. 2024-09-30");
    return pilot_rollout_cli_check(&o->rollout, o->file, o->group, o->start, d);
}

static int parse_day(const char *opt, const char *text, const pilot_opts *o, int *day, diag *d)
{
    const char *fmt = o->log.date_format ? o->log.date_format : "%Y-%m-%d";
    if (translog_parse_date(text, fmt, day))
        return diag_set(d, DIAG_USAGE, "%s %s: expected a date like 2024-09-30 (format %s)", opt, text, fmt);
    return 0;
}

static int pilot_run(int argc, char **argv, diag *d)
{
    pilot_opts o;
    int help;
    if (parse_pilot_opts(argc, argv, &o, &help, d))
        return d->status;
    if (help) {
        help_print(stdout, &pilot_help);
        return 0;
    }
    if (o.rollout.plan.fitted)
        return pilot_plan_main(&o.rollout, o.out, o.force, o.quiet, d);
    int start, end = 0;
    if (parse_day("--start", o.start, &o, &start, d) || (o.end && parse_day("--end", o.end, &o, &end, d)))
        return d->status;
    char outbuf[4096];
    const char *outdir = o.out;
    if (!outdir) {
        cli_default_out(o.file, outbuf, sizeof outbuf);
        strncat(outbuf, "_pilot", sizeof outbuf - strlen(outbuf) - 1);
        outdir = outbuf;
    }
    if (outdir_check(outdir, o.force, d)) /* before the work, not after */
        return d->status;
    translog *t = translog_read(o.file, &o.log, d);
    if (!t)
        return d->status;
    int status = 0;
    int *group = NULL;
    pilot_result r = { 0 };
    pilot_model m = { 0 };
    char groups_from[4200];
    if (!o.end)
        end = t->max_day;
    /* the start must leave history before it (the balance and CUPED need
     * it) and days after it to measure */
    if (start <= t->min_day || start > t->max_day) {
        char a[16], b[16];
        date_format(t->min_day, a, sizeof a);
        date_format(t->max_day, b, sizeof b);
        status = diag_set(d, DIAG_USAGE,
                          "--start %s is outside the log (%s to %s): the pilot must start after the "
                          "log's first day, so the customers have a history, and not after its last",
                          o.start, a, b);
        goto done;
    }
    if (end < start || end > t->max_day) {
        status = diag_set(d, DIAG_USAGE, "--end %s: expected a day from --start %s to the log's last day",
                          o.end, o.start);
        goto done;
    }
    group = malloc((size_t)(t->ncust > 0 ? t->ncust : 1) * sizeof *group);
    if (!group) {
        status = diag_set(d, DIAG_RUNTIME, "out of memory");
        goto done;
    }
    if (o.treated) {
        snprintf(groups_from, sizeof groups_from, "--treated %s", o.treated);
        status = groups_read_treated(o.treated, t, group, d);
    } else {
        snprintf(groups_from, sizeof groups_from, "%s", o.group);
        status = groups_read(o.file, o.group, t, group, d);
    }
    if (status || (status = pilot_estimate(t, group, start, end, &r, d))
        || (status = pilot_model_estimate(t, group, start, end, &r, !o.model_free, &m, d)))
        goto done;
    if (r.no_history && o.rollout.on) {
        /* the levers were measured on new customers' first weeks, without
         * dropout; the rollout simulates the fitted base over a horizon:
         * applying the one to the other would be a guess (docs/pilot.md) */
        status = diag_set(d, DIAG_USAGE,
                          "--rollout: no purchase history before the start, so the effect was measured on "
                          "the customers who arrived since the start, without dropout: it does not describe "
                          "the customer base the rollout simulates; run without --rollout for the estimate, "
                          "or start the pilot later so the customers have a history");
        goto done;
    }
    outdir_txn *od = outdir_begin(outdir, o.force, d);
    if (!od) {
        status = d->status;
        goto done;
    }
    if ((status = pilot_report_write(od->path, o.file, groups_from, &r, &m, d))) {
        outdir_abort(od);
        goto done;
    }
    /* the decision: the measured effect on the fitted base (present/rollout.c) */
    rollout_result rr;
    if (o.rollout.on) {
        /* the levers of the covariate model, or its model-free fallback
         * (fit/pilot_model.h: m.lev says which) */
        if ((status = rollout_run(od->path, o.file, t, group, &r, &m.lev, &o.rollout.ro, &rr, d))
            || (status = pilot_page_write(od->path, o.file, &r, &rr, d))) {
            outdir_abort(od);
            goto done;
        }
    }
    if ((status = outdir_commit(od, d)))
        goto done;
    if (!o.quiet) {
        pilot_report_print(&r, &m, outdir);
        if (o.rollout.on)
            rollout_print(&rr);
    }
done:
    pilot_result_free(&r);
    free(group);
    translog_free(t);
    return status;
}

const command cmd_pilot = { "pilot", N_("measure a promotion tried on part of the customers"),
                            pilot_run, &pilot_help };
