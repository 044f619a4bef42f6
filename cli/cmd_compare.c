/* retsim compare: a base scenario against variants, with common random
 * numbers so that the difference is measured on the same customers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/batch.h"
#include "../sim/dist.h"
#include "cli.h"
#include "commands.h"
#include "../present/compare.h"
#include "outdir.h"
#include "../present/output.h"
#include "../present/report.h"
#include "../sim/rng.h"
#include "../sim/lang.h"

static const char *const compare_synopsis[] = {
    "retsim compare BASE.ini VARIANT.ini [VARIANT2.ini ...] [options]", NULL
};
static const char *const compare_examples[] = {
    "retsim compare scenarios/restaurant.ini scenarios/restaurant_recharge.ini --report", NULL
};
static const help_page compare_help = {
    .synopsis = compare_synopsis,
    /* xgettext:no-c-format */
    .description = N_("Runs the base and every variant on the same simulated customers (common random "
                   "numbers: every random draw is keyed by customer, visit and purpose, so a change to "
                   "one customer's treatment does not reshuffle the others) and reports each metric's "
                   "difference from the base with its 95 % CI."),
    .shared = cli_help_options,
    .shared_mask = CLI_PRECISION | CLI_INDEPENDENT | CLI_REPORT | CLI_MATERIAL | CLI_PARAM_UNCERTAINTY,
    .writes = N_("writes (default DIR: out/NAME of the last variant): compare.csv, compare.json, "
              "retention.png, profit.png, customers.png (overlays with bands), profit_difference.png "
              "and diff.csv (paired runs), and each scenario's own run outputs in DIR/0_BASE/, "
              "DIR/1_VARIANT/, ..."),
    .examples = compare_examples,
};

static int compare_run(int argc, char **argv, diag *d)
{
    cli_opts o;
    if (cli_parse("compare", argc, argv, CLI_PRECISION | CLI_INDEPENDENT | CLI_REPORT | CLI_MATERIAL | CLI_PARAM_UNCERTAINTY, &o, d))
        return d->status;
    if (o.help) {
        help_print(stdout, &compare_help);
        return 0;
    }
    if (o.nfiles < 2)
        return diag_set(d, DIAG_USAGE, "compare needs a base and at least one variant: "
                                       "retsim compare BASE.ini VARIANT.ini");
    if (o.independent && o.precision > 0)
        return diag_set(d, DIAG_USAGE, "--precision works on paired differences; drop --independent");
    batch *b = calloc(1, sizeof *b);
    compare_table *t = calloc(1, sizeof *t);
    char (*subdirs)[160] = calloc((size_t)o.nfiles, 160);
    run_result *res[CLI_MAX_FILES] = { 0 };
    int status = 0;
    if (!b || !t || !subdirs) {
        status = diag_set(d, DIAG_RUNTIME, "out of memory");
        goto done;
    }
    char outbuf[4096];
    const char *outdir = o.out;
    if (!outdir) {
        cli_default_out(o.files[o.nfiles - 1], outbuf, sizeof outbuf);
        outdir = outbuf;
    }
    if ((status = outdir_check(outdir, o.force, d))) /* before the work, not after */
        goto done;
    for (int k = 0; k < o.nfiles; k++)
        if ((status = batch_add(b, o.files[k], o.sets, o.nsets, NULL, d)))
            goto done;
    batch_advise(b, stderr);
    for (int k = 0; k < b->n; k++) {
        char safe[120];
        batch_safe_name(scen_name(b->sc[k]), safe, sizeof safe);
        snprintf(subdirs[k], 160, "%d_%s", k, safe);
    }
    for (int k = 1; k < b->n; k++)
        if (engine_horizon(b->e[k]) != engine_horizon(b->e[0])) {
            status = diag_set(d, DIAG_USAGE,
                              "%s runs %d days but the base %s runs %d: compare scenarios over the same "
                              "horizon (set [scenario] horizon_days)",
                              b->sc[k]->path, engine_horizon(b->e[k]), b->sc[0]->path,
                              engine_horizon(b->e[0]));
            goto done;
        }
    if (!o.independent) {
        if ((status = sim_run(b->e, b->n, &o.run, &res[0], d)))
            goto done;
        compare_from_paired(t, res[0]);
    } else {
        for (int k = 0; k < b->n; k++) {
            run_opts ok = o.run;
            /* its own seed: the variants share nothing with the base */
            ok.seed = k == 0 ? o.run.seed : rng_mix(o.run.seed ^ rng_mix((uint64_t)k));
            if ((status = sim_run(&b->e[k], 1, &ok, &res[k], d)))
                goto done;
        }
        compare_from_independent(t, res, b->n);
    }
    t->seed = o.run.seed;
    t->material = o.material;
    if (!dist_is_root()) /* under MPI rank 0 writes and prints (sim/dist.h) */
        goto done;
    /* every scenario's folder inside the one temporary folder: all or nothing */
    outdir_txn *od = outdir_begin(outdir, o.force, d);
    if (!od) {
        status = d->status;
        goto done;
    }
    for (int k = 0; k < b->n; k++) {
        char sub[4400];
        snprintf(sub, sizeof sub, "%s/%s", od->path, subdirs[k]);
        const run_result *r = o.independent ? res[k] : res[0];
        if ((status = out_write_run(sub, b->sc[k], b->e[k], &o.run, r, o.independent ? 0 : k,
                                    (lang_id)o.lang, d)))
            goto done;
    }
    if ((status = compare_write(od->path, b, t, (const char(*)[160])subdirs,
                                o.independent ? NULL : res[0], (lang_id)o.lang, d)))
        goto done;
    if (o.report && (status = report_write(od->path, (lang_id)o.lang, d)))
        goto done;
    if ((status = outdir_commit(od, d)))
        goto done;
    if (!o.quiet) {
        compare_print_verdicts(stdout, b, t, (lang_id)o.lang);
        if (o.precision > 0)
            printf(tr((lang_id)o.lang, "precision %g %s after %d replications\n"), o.precision,
                   res[0]->precision_reached ? tr((lang_id)o.lang, "reached") : tr((lang_id)o.lang, "NOT reached (cap)"),
                   res[0]->reps);
        printf(tr((lang_id)o.lang, "wrote %s/ (compare.csv, compare.json, plots; each scenario in its own folder)\n"),
               outdir);
    }
done:
    for (int k = 0; k < CLI_MAX_FILES; k++)
        run_result_free(res[k]);
    if (b)
        batch_free(b);
    free(b);
    free(t);
    free(subdirs);
    return status;
}

const command cmd_compare = { "compare", "compare a base scenario with variants (paired, with CIs)",
                              compare_run, &compare_help, 1 };
