/* retsim sensitivity: which parameters matter.  Each number written in the
 * scenario is moved down and up by a share (10 % by default), every variant
 * run on the same customers as the base, and the swing in profit (and one
 * more metric) is ranked: a tornado chart. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "figures.h"
#include "batch.h"
#include "cli.h"
#include "commands.h"
#include "output.h"

#define SENS_MAX 250
#define TORNADO_ROWS 15

typedef struct sens_param {
    char name[200];          /* section[.label].key */
    double base, low, high;
    int low_index, high_index;   /* batch index, or -1 when that side is impossible */
    double swing;
    stat_summary profit_low, profit_high, metric_low, metric_high;
} sens_param;

static const char *const sensitivity_synopsis[] = {
    "retsim sensitivity FILE.ini [--delta 10%] [--metric NAME] [options]", NULL
};
static const char *const sensitivity_examples[] = {
    "retsim sensitivity scenarios/clinic.ini --reps 100", NULL
};
static const help_page sensitivity_help = {
    .synopsis = sensitivity_synopsis,
    .description = "Moves every number written in the scenario down and up by delta (each on the same "
                   "simulated customers as the base) and ranks the parameters by the swing in profit: a "
                   "tornado chart of what matters most.",
    .shared = cli_help_options,
    .shared_mask = CLI_DELTA | CLI_METRIC,
    .writes = "writes (default DIR: out/NAME_sensitivity): sensitivity.csv (every parameter), "
              "tornado.csv and tornado.png (the " HELP_STR(TORNADO_ROWS) " largest swings in profit)",
    .examples = sensitivity_examples,
};

static double moved(const scen_key *k, double v, double factor, int *ok)
{
    double x = v * factor;
    if (k->kind == KEY_INT) {
        x = round(x);
        if (x == v)
            x = v + (factor > 1 ? 1 : -1);
    }
    int open_lo = k->flags & KEY_MIN_OPEN, open_hi = k->flags & KEY_MAX_OPEN;
    if (x < k->min || (open_lo && x <= k->min))
        x = open_lo ? NAN : k->min;
    if (x > k->max || (open_hi && x >= k->max))
        x = open_hi ? NAN : k->max;
    *ok = !isnan(x) && x != v;
    return x;
}

static int skip_key(const scen_key *k)
{
    static const char *const fixed[] = { "horizon_days", "start_day", "stop_day", NULL };
    if (k->kind != KEY_REAL && k->kind != KEY_INT)
        return 1;
    for (int i = 0; fixed[i]; i++)
        if (!strcmp(k->name, fixed[i]))
            return 1;
    return 0;
}

static int cmp_swing(const void *a, const void *b)
{
    double x = ((const sens_param *)a)->swing, y = ((const sens_param *)b)->swing;
    return (x < y) - (x > y);
}

static int write_outputs(const char *dir, const char *name, const char *currency,
                         const sens_param *p, int n, const char *metric, double delta, diag *d)
{
    if (out_mkdirs(dir, d))
        return d->status;
    char tmp[4200];
    FILE *f = out_open(dir, "sensitivity.csv", tmp, sizeof tmp, d);
    if (!f)
        return d->status;
    fprintf(f, "parameter,base_value,low_value,high_value,profit_change_low,profit_change_low_ci_low,"
               "profit_change_low_ci_high,profit_change_high,profit_change_high_ci_low,"
               "profit_change_high_ci_high,%s_change_low,%s_change_high,swing\n", metric, metric);
    for (int i = 0; i < n; i++) {
        fprintf(f, "%s,%.10g,%.10g,%.10g", p[i].name, p[i].base, p[i].low, p[i].high);
        const stat_summary *s[] = { &p[i].profit_low, &p[i].profit_high };
        for (int j = 0; j < 2; j++)
            if (isnan(s[j]->mean))
                fputs(",,,", f);
            else
                fprintf(f, ",%.10g,%.10g,%.10g", s[j]->mean, s[j]->ci_low, s[j]->ci_high);
        fprintf(f, ",%.10g,%.10g,%.10g\n", p[i].metric_low.mean, p[i].metric_high.mean, p[i].swing);
    }
    if (out_commit(f, tmp, dir, "sensitivity.csv", d))
        return d->status;
    f = out_open(dir, "tornado.csv", tmp, sizeof tmp, d);
    if (!f)
        return d->status;
    fputs("parameter,profit_change_down,profit_change_up\n", f);
    for (int i = 0; i < n && i < TORNADO_ROWS; i++)
        fprintf(f, "%s,%.10g,%.10g\n", p[i].name, isnan(p[i].profit_low.mean) ? 0 : p[i].profit_low.mean,
                isnan(p[i].profit_high.mean) ? 0 : p[i].profit_high.mean);
    if (out_commit(f, tmp, dir, "tornado.csv", d))
        return d->status;
    return figures_tornado(dir, name, delta, currency, LANG_EN, PLOT_PNG, d);
}

static int sensitivity_run(int argc, char **argv, diag *d)
{
    cli_opts o;
    if (cli_parse("sensitivity", argc, argv, CLI_DELTA | CLI_METRIC, &o, d))
        return d->status;
    if (o.help) {
        help_print(stdout, &sensitivity_help);
        return 0;
    }
    if (o.nfiles != 1)
        return diag_set(d, DIAG_USAGE, "sensitivity takes one scenario: retsim sensitivity FILE.ini");
    int metric = MET_RETENTION_365;
    if (o.metric && (metric = cli_metric_index(o.metric, d)) < 0)
        return d->status;
    batch *b = calloc(1, sizeof *b);
    sens_param *p = calloc(SENS_MAX, sizeof *p);
    run_result *res = NULL;
    int status = 0, np = 0;
    if (!b || !p) {
        status = diag_set(d, DIAG_RUNTIME, "out of memory");
        goto done;
    }
    if ((status = batch_add(b, o.files[0], o.sets, o.nsets, NULL, d)))
        goto done;
    const scenario *sc = b->sc[0];
    for (int i = 0; i < sc->ninst; i++) {
        const scen_instance *in = &sc->inst[i];
        if (!in->present)
            continue;
        for (const scen_key *k = in->section->keys; k->name; k++) {
            if (skip_key(k))
                continue;
            const char *field = (const char *)in->params + k->offset;
            double v = k->kind == KEY_REAL ? *(const double *)field : *(const int *)field;
            if (isnan(v) || v == 0 || np == SENS_MAX)
                continue;
            sens_param *q = &p[np];
            if (in->label[0])
                snprintf(q->name, sizeof q->name, "%s.%s.%s", in->section->name, in->label, k->name);
            else
                snprintf(q->name, sizeof q->name, "%s.%s", in->section->name, k->name);
            q->base = v;
            int ok_lo, ok_hi;
            q->low = moved(k, v, 1 - o.delta, &ok_lo);
            q->high = moved(k, v, 1 + o.delta, &ok_hi);
            q->low_index = q->high_index = -1;
            for (int side = 0; side < 2; side++) {
                int ok = side ? ok_hi : ok_lo;
                if (!ok)
                    continue;
                char set[300];
                snprintf(set, sizeof set, "%s=%.15g", q->name, side ? q->high : q->low);
                diag inner = { 0 };
                /* a move may break a cross-key rule (e.g. trap_low above trap_high): skip that side */
                if (batch_add(b, o.files[0], o.sets, o.nsets, set, &inner)) {
                    if (inner.status != DIAG_USAGE) {
                        status = diag_set(d, inner.status, "%s", inner.msg);
                        goto done;
                    }
                    continue;
                }
                if (side)
                    q->high_index = b->n - 1;
                else
                    q->low_index = b->n - 1;
            }
            if (q->low_index >= 0 || q->high_index >= 0)
                np++;
        }
    }
    if (np == 0) {
        status = diag_set(d, DIAG_USAGE, "%s: no numeric parameter to move", sc->path);
        goto done;
    }
    if ((status = sim_run(b->e, b->n, &o.run, &res, d)))
        goto done;
    for (int i = 0; i < np; i++) {
        sens_param *q = &p[i];
        stat_summary none = { NAN, NAN, NAN, NAN, 0 };
        q->profit_low = q->profit_high = q->metric_low = q->metric_high = none;
        if (q->low_index >= 0) {
            q->profit_low = stat_vec_get(res->scen[q->low_index].diff, MET_PROFIT);
            q->metric_low = stat_vec_get(res->scen[q->low_index].diff, (size_t)metric);
        }
        if (q->high_index >= 0) {
            q->profit_high = stat_vec_get(res->scen[q->high_index].diff, MET_PROFIT);
            q->metric_high = stat_vec_get(res->scen[q->high_index].diff, (size_t)metric);
        }
        double lo = isnan(q->profit_low.mean) ? 0 : fabs(q->profit_low.mean);
        double hi = isnan(q->profit_high.mean) ? 0 : fabs(q->profit_high.mean);
        q->swing = lo > hi ? lo : hi;
    }
    qsort(p, (size_t)np, sizeof *p, cmp_swing);
    char outbuf[4096];
    const char *outdir = o.out;
    if (!outdir) {
        cli_default_out(o.files[0], outbuf, sizeof outbuf);
        strncat(outbuf, "_sensitivity", sizeof outbuf - strlen(outbuf) - 1);
        outdir = outbuf;
    }
    if ((status = write_outputs(outdir, scen_name(sc), scen_currency(sc), p, np, metric_table[metric].name, o.delta, d)))
        goto done;
    if (!o.quiet) {
        stat_summary base = stat_vec_get(res->scen[0].metric, MET_PROFIT);
        printf("%s: profit %.0f; each parameter moved %g %% down / up (%d replications, paired):\n",
               scen_name(sc), base.mean, 100 * o.delta, res->reps);
        for (int i = 0; i < np && i < 10; i++)
            printf("  %-40s %+12.0f / %+12.0f\n", p[i].name, p[i].profit_low.mean,
                   p[i].profit_high.mean);
        printf("  wrote %s/ (sensitivity.csv, tornado.csv, tornado.png)\n", outdir);
    }
done:
    run_result_free(res);
    if (b)
        batch_free(b);
    free(b);
    free(p);
    return status;
}

const command cmd_sensitivity = { "sensitivity", "which parameters move profit most (tornado chart)",
                                  sensitivity_run, &sensitivity_help };
