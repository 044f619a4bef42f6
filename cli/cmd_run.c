/* retsim run: one scenario, many replications, curves and a summary. */
#include <stdio.h>
#include <stdlib.h>

#include "../sim/batch.h"
#include "cli.h"
#include "commands.h"
#include "outdir.h"
#include "../present/output.h"
#include "../present/report.h"
#include "../sim/lang.h"

static const char *const run_synopsis[] = { "retsim run FILE.ini [options]", NULL };
static const char *const run_examples[] = { "retsim run scenarios/clinic.ini --reps 200 --seed 7", NULL };
static const help_page run_help = {
    .synopsis = run_synopsis,
    /* xgettext:no-c-format */
    .description = N_("Simulates the customer base FILE.ini describes, many times over, and writes retention "
                   "and profit curves with 95 % confidence bands."),
    .shared = cli_help_options,
    .shared_mask = CLI_PRECISION | CLI_REPORT | CLI_PARAM_UNCERTAINTY,
    .writes = N_("writes (default DIR: out/NAME for NAME.ini): summary.json, metrics.csv, retention.csv "
              "(survival by age), observed_retention.csv (the business's view), profit.csv, active.csv, "
              "funnel.csv, rfm.csv, clv.csv, cohorts.csv, frequency.csv, scenario.ini (the resolved "
              "scenario) and the plots retention.png, profit.png, customers.png, cohorts.png, "
              "frequency.png (with .gp scripts); metrics: docs/metrics.md"),
    .examples = run_examples,
    .note = N_("Scenario keys: `retsim keys`, docs/scenarios.md, or SCENARIO KEYS in `man retsim`."),
};

static int run_run(int argc, char **argv, diag *d)
{
    cli_opts o;
    if (cli_parse("run", argc, argv, CLI_PRECISION | CLI_REPORT | CLI_PARAM_UNCERTAINTY, &o, d))
        return d->status;
    if (o.help) {
        help_print(stdout, &run_help);
        return 0;
    }
    if (o.nfiles == 0)
        return diag_set(d, DIAG_USAGE, "which scenario? usage: retsim run FILE.ini "
                                       "(e.g. retsim run scenarios/clinic.ini)");
    if (o.nfiles > 1)
        return diag_set(d, DIAG_USAGE, "one scenario at a time; unexpected '%s' "
                                       "(to compare scenarios: retsim compare BASE.ini VARIANT.ini)",
                        o.files[1]);
    char outbuf[4096];
    const char *outdir = o.out;
    if (!outdir) {
        cli_default_out(o.files[0], outbuf, sizeof outbuf);
        outdir = outbuf;
    }
    if (outdir_check(outdir, o.force, d)) /* before the work, not after */
        return d->status;
    batch b = { 0 };
    if (batch_add(&b, o.files[0], o.sets, o.nsets, NULL, d))
        return d->status;
    batch_advise(&b, stderr);
    run_result *res = NULL;
    int status = sim_run(b.e, 1, &o.run, &res, d);
    outdir_txn *od = NULL;
    if (!status && !(od = outdir_begin(outdir, o.force, d)))
        status = d->status;
    if (!status)
        status = out_write_run(od->path, b.sc[0], b.e[0], &o.run, res, 0, (lang_id)o.lang, d);
    if (!status && o.report)
        status = report_write(od->path, (lang_id)o.lang, d);
    if (status)
        outdir_abort(od);
    else
        status = outdir_commit(od, d);
    if (!status && !o.quiet) {
        out_print_summary(stdout, b.sc[0], b.e[0], res, 0, (lang_id)o.lang);
        if (o.precision > 0)
            printf(tr((lang_id)o.lang, "  precision %g %s after %d replications\n"), o.precision,
                   res->precision_reached ? tr((lang_id)o.lang, "reached") : tr((lang_id)o.lang, "NOT reached (cap)"),
                   res->reps);
        printf(tr((lang_id)o.lang, "  wrote %s/ (summary.json, CSV files, plots)\n"), outdir);
    }
    run_result_free(res);
    batch_free(&b);
    return status;
}

const command cmd_run = { "run", "simulate a scenario: retention and profit with confidence bands",
                          run_run, &run_help };
