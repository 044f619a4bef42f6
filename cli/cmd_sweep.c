/* retsim sweep: every metric against one parameter, on common random
 * numbers, so the curve is smooth where the model is and the differences
 * between neighbouring values are measured on the same customers. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/batch.h"
#include "../sim/dist.h"
#include "cli.h"
#include "commands.h"
#include "outdir.h"
#include "../present/report.h"
#include "../present/sweep_output.h"
#include "../sim/lang.h"

#define SWEEP_MAX 200
_Static_assert(SWEEP_MAX == 200, "the help row says 200 (a msgid cannot hold a macro)");

static const char *const sweep_synopsis[] = {
    "retsim sweep FILE.ini --param SECTION.KEY=FROM:TO:STEP [options]", NULL
};
static const char *const sweep_examples[] = {
    "retsim sweep scenarios/restaurant_recharge.ini --param recharge.multiple=1:6:1", NULL
};
static const help_option sweep_options[] = {
    { "--param S.K=A:B:C", N_("the key and its values A, A+C, ... up to B (at most 200 values)"), 0 },
    { NULL, NULL, 0 }
};
static const help_page sweep_help = {
    .synopsis = sweep_synopsis,
    /* xgettext:no-c-format */
    .description = N_("Runs the scenario at every value of one key (paired, on the same simulated "
                   "customers) and reports every metric against it, with 95 % CIs."),
    .options = sweep_options,
    .shared = cli_help_options,
    .shared_mask = CLI_PARAM | CLI_REPORT | CLI_PARAM_UNCERTAINTY,
    .writes = N_("writes (default DIR: out/NAME_sweep): sweep.csv (one row per value), sweep.json, "
              "sweep.png (profit against the value) and sweep_retention.png"),
    .examples = sweep_examples,
};

/* "recharge.multiple=1:6:1" -> key "recharge.multiple", values */
static int parse_param(const char *param, char *key, size_t keycap, double *values, int *n,
                       diag *d)
{
    const char *eq = strchr(param, '=');
    const char *hint = "expected SECTION.KEY=FROM:TO:STEP, e.g. --param recharge.multiple=1:6:1";
    if (!eq || eq == param || (size_t)(eq - param) >= keycap)
        return diag_set(d, DIAG_USAGE, "--param %s: %s", param, hint);
    snprintf(key, keycap, "%.*s", (int)(eq - param), param);
    const char *a = eq + 1, *c1 = strchr(a, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    double from, to, step;
    if (!c1 || !c2 || strchr(c2 + 1, ':') || cli_parse_number(a, (size_t)(c1 - a), &from)
        || cli_parse_number(c1 + 1, (size_t)(c2 - c1 - 1), &to) || cli_parse_number(c2 + 1, strlen(c2 + 1), &step))
        return diag_set(d, DIAG_USAGE, "--param %s: %s", param, hint);
    if (step <= 0)
        return diag_set(d, DIAG_USAGE, "--param %s: STEP must be above 0", param);
    if (to < from)
        return diag_set(d, DIAG_USAGE, "--param %s: the range is empty (FROM %g is above TO %g)",
                        param, from, to);
    double count = floor((to - from) / step + 1e-9) + 1;
    if (count > SWEEP_MAX)
        return diag_set(d, DIAG_USAGE, "--param %s: %.0f values; at most %d (use a larger STEP)",
                        param, count, SWEEP_MAX);
    if (count < 2)
        return diag_set(d, DIAG_USAGE, "--param %s: only one value; a sweep needs at least two",
                        param);
    *n = (int)count;
    for (int i = 0; i < *n; i++)
        values[i] = from + i * step;
    return 0;
}

static int sweep_run(int argc, char **argv, diag *d)
{
    cli_opts o;
    if (cli_parse("sweep", argc, argv, CLI_PARAM | CLI_REPORT | CLI_PARAM_UNCERTAINTY, &o, d))
        return d->status;
    if (o.help) {
        help_print(stdout, &sweep_help);
        return 0;
    }
    if (o.nfiles != 1)
        return diag_set(d, DIAG_USAGE, "sweep takes one scenario: retsim sweep FILE.ini --param "
                                       "SECTION.KEY=FROM:TO:STEP");
    if (!o.param)
        return diag_set(d, DIAG_USAGE, "sweep needs --param SECTION.KEY=FROM:TO:STEP, e.g. "
                                       "--param recharge.multiple=1:6:1");
    char key[256];
    double values[SWEEP_MAX];
    int n = 0;
    if (parse_param(o.param, key, sizeof key, values, &n, d))
        return d->status;
    batch *b = calloc(1, sizeof *b);
    if (!b)
        return diag_set(d, DIAG_RUNTIME, "out of memory");
    run_result *res = NULL;
    int status = 0;
    for (int i = 0; i < n && !status; i++) {
        char set[400];
        snprintf(set, sizeof set, "%s=%.15g", key, values[i]);
        diag inner = { 0 };
        if (batch_add(b, o.files[0], o.sets, o.nsets, set, &inner))
            status = diag_set(d, inner.status, "sweep value %s = %.15g: %s", key, values[i], inner.msg);
    }
    if (status)
        goto done;
    batch_note(b, 0, stderr);
    char outbuf[4096];
    const char *outdir = o.out;
    if (!outdir) {
        cli_default_out(o.files[0], outbuf, sizeof outbuf);
        strncat(outbuf, "_sweep", sizeof outbuf - strlen(outbuf) - 1);
        outdir = outbuf;
    }
    if ((status = outdir_check(outdir, o.force, d)))
        goto done;
    if ((status = sim_run(b->e, b->n, &o.run, &res, d)))
        goto done;
    if (!dist_is_root()) /* under MPI rank 0 writes and prints (sim/dist.h) */
        goto done;
    outdir_txn *od = outdir_begin(outdir, o.force, d);
    if (!od) {
        status = d->status;
        goto done;
    }
    if ((status = sweep_write(od->path, key, values, n, res, b->sc[0], o.run.seed, d)))
        goto done;
    if (o.report && (status = report_write(od->path, (lang_id)o.lang, d)))
        goto done;
    if ((status = outdir_commit(od, d)))
        goto done;
    if (!o.quiet)
        sweep_print(key, values, n, res, b->sc[0], outdir, (lang_id)o.lang);
done:
    run_result_free(res);
    batch_free(b);
    free(b);
    return status;
}

const command cmd_sweep = { "sweep", "every metric against one parameter (e.g. the recharge multiple)",
                            sweep_run, &sweep_help, 1 };
