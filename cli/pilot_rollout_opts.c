/* pilot_rollout_opts: see pilot_rollout_opts.h. */
#include "pilot_rollout_opts.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/lang.h"
#include "commands.h"

enum { O_ROLLOUT = ROLLOUT_OPT_FIRST, O_HORIZON, O_REPS, O_SEED, O_COST_USE, O_COST_MONTH, O_MARGIN,
       O_MATERIAL, O_THREADS };

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
    { NULL, NULL, 0 }
};

void pilot_rollout_cli_init(pilot_rollout_cli *c)
{
    memset(c, 0, sizeof *c);
    rollout_opts_default(&c->ro);
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

int pilot_rollout_cli_option(pilot_rollout_cli *c, int code, const char *value, diag *d)
{
    long n;
    static const char *const names[] = { "--rollout", "--horizon-days", "--reps", "--seed", "--cost-per-use",
                                         "--cost-per-customer-month", "--gross-margin", "--material",
                                         "--threads" };
    const char *opt = names[code - ROLLOUT_OPT_FIRST];
    if (code != O_ROLLOUT && !c->given) {
        c->given = 1;
        c->first = opt;
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
    case O_SEED: return cli_parse_u64(opt, value, &c->ro.seed, d);
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

int pilot_rollout_cli_check(const pilot_rollout_cli *c, diag *d)
{
    if (c->given && !c->on)
        return diag_set(d, DIAG_USAGE, "%s applies to the rollout: add --rollout (see retsim pilot --help)",
                        c->first);
    return 0;
}
