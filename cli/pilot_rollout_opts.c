/* pilot_rollout_opts: see pilot_rollout_opts.h. */
#include "pilot_rollout_opts.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/lang.h"
#include "cli.h"
#include "commands.h"
#include "outdir.h"

enum { O_ROLLOUT = ROLLOUT_OPT_FIRST, O_HORIZON, O_REPS, O_SEED, O_COST_USE, O_COST_MONTH, O_MARGIN,
       O_MATERIAL, O_THREADS, O_PLAN, O_LIFT, O_POWER, O_WEEKS, O_CUSTOMERS, O_PILOTS };

const struct option pilot_rollout_long_options[] = {
    { "rollout", no_argument, 0, O_ROLLOUT },
    { "horizon-days", required_argument, 0, O_HORIZON },
    { "reps", required_argument, 0, O_REPS },
    { "seed", required_argument, 0, O_SEED },
    { "threads", required_argument, 0, O_THREADS },
    { "cost-per-use", required_argument, 0, O_COST_USE },
    { "cost-per-customer-month", required_argument, 0, O_COST_MONTH },
    { "gross-margin", required_argument, 0, O_MARGIN },
    { "material", required_argument, 0, O_MATERIAL },
    { "plan", required_argument, 0, O_PLAN },
    { "lift", required_argument, 0, O_LIFT },
    { "power", required_argument, 0, O_POWER },
    { "weeks", required_argument, 0, O_WEEKS },
    { "customers", required_argument, 0, O_CUSTOMERS },
    { "pilots", required_argument, 0, O_PILOTS },
    { 0, 0, 0, 0 }
};

const help_option pilot_rollout_help[] = {
    { "--rollout", N_("also decide the rollout: fit the whole base on the pilot's last day, apply the measured "
                      "effect to every customer and compare, paired, with not rolling out (writes rollout.ini, "
                      "rollout.csv, fitted.ini, customers_base.csv, param_draws.csv)"), 0 },
    { "--horizon-days N", N_("the rollout's horizon (1 to 3650; default 365)"), 0 },
    { "--reps N", N_("replications of the rollout (4 to 100000; default 200)"), 0 },
    { "--seed S", N_("random seed of the rollout (default 1)"), 0 },
    { "--threads T", N_("threads (1 to 256; default: all cores); never changes the results"), 0 },
    { "--cost-per-use X", N_("what the promotion costs at each visit of a customer (default 0: assumed free, "
                             "and said so)"), 0 },
    { "--cost-per-customer-month X", N_("what it costs per customer on the books per month (default 0)"), 0 },
    { "--gross-margin X", N_("gross margin of a sale, above 0 and at most 1 (default 0.6, an assumption)"), 0 },
    { "--material X%", N_("smallest change in profit worth a decision, as a share of the base's profit "
                          "(default: the metric table's)"), 0 },
    { "--plan FITTED.ini", N_("before a pilot: how many customers and weeks it needs, by simulated pilots on a "
                              "fitted base (retsim fit LOG --as-of DATE writes fitted.ini); no LOG, --group or "
                              "--start"), 0 },
    /* xgettext:no-c-format */
    { "--lift X", N_("with --plan: the lift in purchases to detect, e.g. 0.10 for 10 % (required; above 0, at most 10)"), 0 },
    { "--power X", N_("with --plan: the power to reach (above 0, below 1; default 0.8)"), 0 },
    { "--weeks LIST", N_("with --plan: pilot lengths in weeks, e.g. 4,8,12 (default 4,8,12,16,26)"), 0 },
    { "--customers LIST", N_("with --plan: pilot sizes, both groups together (default: an eighth, a quarter, "
                             "half and all of the base)"), 0 },
    { "--pilots N", N_("with --plan: simulated pilots per size and length (20 to 100000; default 200)"), 0 },
    { NULL, NULL, 0 }
};

void pilot_rollout_cli_init(pilot_rollout_cli *c)
{
    memset(c, 0, sizeof *c);
    rollout_opts_default(&c->ro);
    c->plan.power = 0.8;
    c->plan.pilots = 200;
    c->plan.seed = 1;
    static const int weeks[] = { 4, 8, 12, 16, 26 };
    for (int k = 0; k < 5; k++)
        c->plan.weeks[k] = weeks[k];
    c->plan.nweeks = 5;
}

/* a finite decimal amount from lo to hi */
static int parse_amount(const char *opt, const char *text, double lo, double hi, int lo_open, double *out, diag *d)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (!*text || *end || errno == ERANGE || !isfinite(v) || strpbrk(text, "xX"))
        return diag_set(d, DIAG_USAGE, "%s '%s': expected a number, e.g. %s 1.5", opt, text, opt);
    if (v < lo || v > hi || (lo_open && v == lo))
        return diag_set(d, DIAG_USAGE, "%s %s is out of range: allowed %s%g to %g", opt, text,
                        lo_open ? "above " : "", lo, hi);
    *out = v;
    return 0;
}

/* "4,8,12": up to PLAN_MAX whole numbers from lo to hi, increasing */
static int parse_list(const char *opt, const char *text, int lo, int hi, int *out, int *n, diag *d)
{
    *n = 0;
    const char *p = text;
    while (*p) {
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (end == p || errno == ERANGE || (*end && *end != ','))
            return diag_set(d, DIAG_USAGE, "%s '%s': expected whole numbers separated by commas, e.g. %s 4,8,12",
                            opt, text, opt);
        if (v < lo || v > hi)
            return diag_set(d, DIAG_USAGE, "%s %ld is out of range: allowed %d to %d", opt, v, lo, hi);
        if (*n >= PLAN_MAX)
            return diag_set(d, DIAG_USAGE, "%s: at most %d values", opt, PLAN_MAX);
        if (*n > 0 && v <= out[*n - 1])
            return diag_set(d, DIAG_USAGE, "%s '%s': give the values in increasing order", opt, text);
        out[(*n)++] = (int)v;
        p = *end ? end + 1 : end;
        if (*end && !*p)
            return diag_set(d, DIAG_USAGE, "%s '%s': a trailing comma", opt, text);
    }
    if (*n == 0)
        return diag_set(d, DIAG_USAGE, "%s: expected at least one value", opt);
    return 0;
}

int pilot_rollout_cli_option(pilot_rollout_cli *c, int code, const char *value, diag *d)
{
    long n;
    static const char *const names[] = { "--rollout", "--horizon-days", "--reps", "--seed", "--cost-per-use",
                                         "--cost-per-customer-month", "--gross-margin", "--material",
                                         "--threads", "--plan", "--lift", "--power", "--weeks",
                                         "--customers", "--pilots" };
    const char *opt = names[code - ROLLOUT_OPT_FIRST];
    int plan = code >= O_LIFT;
    if (code != O_ROLLOUT && code != O_PLAN && code != O_SEED && code != O_THREADS && !plan && !c->given) {
        c->given = 1;
        c->first = opt;
    }
    if (plan && !c->plan_given) {
        c->plan_given = 1;
        c->plan_first = opt;
    }
    switch (code) {
    case O_ROLLOUT: c->on = 1; return 0;
    case O_HORIZON:
        if (cli_parse_int(opt, value, 1, 3650, &n, d))
            return d->status;
        c->ro.horizon_days = (int)n;
        return 0;
    case O_REPS:
        if (cli_parse_int(opt, value, 4, 100000, &n, d))
            return d->status;
        c->ro.reps = (int)n;
        return 0;
    case O_THREADS:
        if (cli_parse_int(opt, value, 1, 256, &n, d))
            return d->status;
        c->ro.threads = (int)n;
        return 0;
    case O_SEED:
        if (cli_parse_u64(opt, value, &c->ro.seed, d))
            return d->status;
        c->plan.seed = c->ro.seed;
        return 0;
    case O_PLAN: c->plan.fitted = value; return 0;
    case O_LIFT: return parse_amount(opt, value, 0, 10, 1, &c->plan.lift, d);
    case O_POWER:
        if (parse_amount(opt, value, 0, 1, 1, &c->plan.power, d))
            return d->status;
        if (c->plan.power >= 1)
            return diag_set(d, DIAG_USAGE, "--power %s: a power of 1 is never reached; e.g. 0.8", value);
        return 0;
    case O_WEEKS: return parse_list(opt, value, 1, 520, c->plan.weeks, &c->plan.nweeks, d);
    case O_CUSTOMERS: return parse_list(opt, value, 4, 100000000, c->plan.customers, &c->plan.ncustomers, d);
    case O_PILOTS:
        if (cli_parse_int(opt, value, 20, 100000, &n, d))
            return d->status;
        c->plan.pilots = (int)n;
        return 0;
    case O_COST_USE:
        c->ro.cost_given = 1;
        return parse_amount(opt, value, 0, 1e9, 0, &c->ro.cost_per_use, d);
    case O_COST_MONTH:
        c->ro.cost_given = 1;
        return parse_amount(opt, value, 0, 1e9, 0, &c->ro.cost_per_customer_month, d);
    case O_MARGIN:
        c->ro.margin_given = 1;
        return parse_amount(opt, value, 0, 1, 1, &c->ro.gross_margin, d);
    case O_MATERIAL: return compare_parse_material(value, &c->ro.material, d);
    default: return diag_set(d, DIAG_USAGE, "unknown option (see retsim pilot --help)");
    }
}

int pilot_rollout_cli_check(const pilot_rollout_cli *c, const char *log, const char *group, const char *start,
                            diag *d)
{
    if (c->plan.fitted) {
        if (log || group || start || c->on || c->given)
            return diag_set(d, DIAG_USAGE, "--plan %s plans a pilot before it runs: it takes no log, --group, "
                                           "--start or rollout option (%s)",
                            c->plan.fitted, log ? log : group ? "--group" : start ? "--start" : c->on ? "--rollout" : c->first);
        if (!(c->plan.lift > 0))
            return diag_set(d, DIAG_USAGE, "--plan needs --lift X, the lift in purchases to detect, e.g. --lift 0.10");
        return 0;
    }
    if (c->plan_given)
        return diag_set(d, DIAG_USAGE, "%s applies to --plan FITTED.ini (see retsim pilot --help)", c->plan_first);
    if (c->given && !c->on)
        return diag_set(d, DIAG_USAGE, "%s applies to the rollout: add --rollout (see retsim pilot --help)",
                        c->first);
    return 0;
}

int pilot_plan_main(const pilot_rollout_cli *c, const char *out, int force, int quiet, diag *d)
{
    char buf[4096];
    if (!out) {
        cli_default_out(c->plan.fitted, buf, sizeof buf);
        strncat(buf, "_plan", sizeof buf - strlen(buf) - 1);
        out = buf;
    }
    if (outdir_check(out, force, d))
        return d->status;
    plan_result *r = calloc(1, sizeof *r);
    if (!r)
        return diag_set(d, DIAG_RUNTIME, "out of memory");
    int status = pilot_plan_run(&c->plan, r, d);
    outdir_txn *od = status ? NULL : outdir_begin(out, force, d);
    if (!status && !od)
        status = d->status;
    if (od && (status = pilot_plan_write(od->path, &c->plan, r, d)))
        outdir_abort(od);
    else if (od && !(status = outdir_commit(od, d)) && !quiet)
        pilot_plan_print(&c->plan, r, out);
    free(r);
    return status;
}
