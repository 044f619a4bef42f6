/* retsim sensitivity: which parameters matter.  Each number written in the
 * scenario is moved down and up by a share (10 % by default), every variant
 * run on the same customers as the base, and the swing in profit (and one
 * more metric) is ranked: a tornado chart.  A whole-number key cannot move
 * by 10 % of 1, so it moves by the nearest whole step at least that large
 * (funnel_steps 1 -> 2 is +100 %), and every row says how far its key
 * actually moved.  A key holding a distribution moves across its 5-95 %
 * range instead (sensitivity_ranges.c), ranked beside the others: a stated
 * range and an arbitrary +/- 10 % are not the same kind of move, and one
 * ranking would compare them as if they were. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/batch.h"
#include "../sim/dist.h"
#include "../sim/lang.h"
#include "cli.h"
#include "commands.h"
#include "outdir.h"
#include "sensitivity_ranges.h"
#include "../present/sensitivity_output.h"

#define SENS_MAX 250

_Static_assert(TORNADO_ROWS == 15, "the help says the 15 largest swings (a msgid cannot hold a macro)");
static const char *const sensitivity_synopsis[] = {
    "retsim sensitivity FILE.ini [--delta 10%] [--metric NAME] [options]", NULL
};
static const char *const sensitivity_examples[] = {
    "retsim sensitivity scenarios/clinic.ini --reps 100", NULL
};
static const help_page sensitivity_help = {
    .synopsis = sensitivity_synopsis,
    /* xgettext:no-c-format */
    .description = N_("Moves every number written in the scenario down and up by delta (each on the same "
                   "simulated customers as the base) and ranks the parameters by the swing in profit: a "
                   "tornado chart of what matters most. A whole-number key moves by the nearest whole step at "
                   "least delta of itself (at least 1); a side past a key's bound is left out, and "
                   "sensitivity.csv's note column says why. A key holding a distribution (lift = beta(2, 18)) "
                   "runs at its 5 % and 95 % quantiles instead, every other key at its point value, and these "
                   "ranges are ranked beside the moves."),
    .shared = cli_help_options,
    .shared_mask = CLI_DELTA | CLI_METRIC | CLI_PARAM_UNCERTAINTY,
    .writes = N_("writes (default DIR: out/NAME_sensitivity): sensitivity.csv (every parameter), "
              "tornado.csv and tornado.png (the 15 largest swings in profit)"),
    .examples = sensitivity_examples,
};

static int beyond_bounds(const scen_key *k, double x)
{
    int open_lo = k->flags & KEY_MIN_OPEN, open_hi = k->flags & KEY_MAX_OPEN;
    return x < k->min || (open_lo && x <= k->min) || x > k->max || (open_hi && x >= k->max);
}

/* Where one side (dir -1 down, +1 up) moves v, or NAN when it cannot.
 * A real key moves by delta of itself, held at a closed bound (the label
 * then shows the smaller move).  A whole-number key moves by the nearest
 * whole step at least delta of itself, and at least 1: rounding 1 x 0.9
 * back to 1 moved nothing, and clipping would make the move smaller than
 * asked without saying so; a step past a bound leaves that side out. */
static double moved(const scen_key *k, double v, double delta, int dir)
{
    double x;
    if (k->kind == KEY_INT) {
        /* the tolerance keeps 0.1 x 20 = 2.0000000000000004 a step of 2 */
        double step = ceil(delta * fabs(v) - 1e-9);
        x = v + dir * (step < 1 ? 1 : step);
        if (beyond_bounds(k, x))
            return NAN;
    } else {
        x = v * (1 + dir * delta);
        if (beyond_bounds(k, x)) {
            double bound = x < k->min || (x <= k->min && (k->flags & KEY_MIN_OPEN)) ? k->min : k->max;
            int open = bound == k->min ? k->flags & KEY_MIN_OPEN : k->flags & KEY_MAX_OPEN;
            x = open ? NAN : bound;
        }
    }
    return x == v ? NAN : x;
}

/* "+10 %" for the move from base to x */
static void move_text(char *buf, size_t cap, double base, double x)
{
    snprintf(buf, cap, "%+.0f %%", 100 * (x - base) / fabs(base));
}

static void make_label(sens_param *q, double delta)
{
    char lo[32] = "", hi[32] = "";
    if (!isnan(q->low))
        move_text(lo, sizeof lo, q->base, q->low);
    if (!isnan(q->high))
        move_text(hi, sizeof hi, q->base, q->high);
    if (!isnan(q->low) && !isnan(q->high))
        snprintf(q->label, sizeof q->label, "%s %.6g -> %.6g / %.6g (%s / %s)", q->name, q->base, q->low,
                 q->high, lo, hi);
    else if (!isnan(q->high))
        snprintf(q->label, sizeof q->label, "%s %.6g -> %.6g (%s; up only)", q->name, q->base, q->high, hi);
    else
        snprintf(q->label, sizeof q->label, "%s %.6g -> %.6g (%s; down only)", q->name, q->base, q->low,
                 lo);
    /* gnuplot cuts a tic label near 48 characters, so the bar names only
     * the moves the title does not already say */
    double down = (q->base - q->low) / fabs(q->base), up = (q->high - q->base) / fabs(q->base);
    int as_asked = fabs(down - delta) < 1e-9 && fabs(up - delta) < 1e-9;
    if (as_asked)
        snprintf(q->bar, sizeof q->bar, "%s", q->name);
    else if (isnan(q->low))
        snprintf(q->bar, sizeof q->bar, "%s %.6g->%.6g (%s)", q->name, q->base, q->high, hi);
    else if (isnan(q->high))
        snprintf(q->bar, sizeof q->bar, "%s %.6g->%.6g (%s)", q->name, q->base, q->low, lo);
    else if (fabs(down - up) < 1e-9)
        snprintf(q->bar, sizeof q->bar, "%s %.6g->%.6g/%.6g (\u00b1%.0f %%)", q->name, q->base, q->low,
                 q->high, 100 * up);
    else
        snprintf(q->bar, sizeof q->bar, "%s (%s / %s)", q->name, lo, hi);
    /* sensitivity.csv's moved column (only written beside range rows) */
    if (as_asked)
        snprintf(q->moved, sizeof q->moved, "\u00b1%.0f %%", 100 * delta);
    else if (isnan(q->low))
        snprintf(q->moved, sizeof q->moved, "%s (up only)", hi);
    else if (isnan(q->high))
        snprintf(q->moved, sizeof q->moved, "%s (down only)", lo);
    else
        snprintf(q->moved, sizeof q->moved, "%s / %s", lo, hi);
}

/* Appends a sentence to q's note. */
static void add_note(sens_param *q, const char *text)
{
    size_t n = strlen(q->note);
    snprintf(q->note + n, sizeof q->note - n, "%s%s", n ? "; " : "", text);
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

static int sensitivity_run(int argc, char **argv, diag *d)
{
    cli_opts o;
    if (cli_parse("sensitivity", argc, argv, CLI_DELTA | CLI_METRIC | CLI_PARAM_UNCERTAINTY, &o, d))
        return d->status;
    if (o.help) {
        help_print(stdout, &sensitivity_help);
        return 0;
    }
    if (o.nfiles != 1)
        return diag_set(d, DIAG_USAGE, "sensitivity takes one scenario: retsim sensitivity FILE.ini");
    int metric = MET_RETENTION_365;
    if (o.metric && (metric = metric_index(o.metric, d)) < 0)
        return d->status;
    batch *b = calloc(1, sizeof *b);
    sens_param *p = calloc(SENS_MAX, sizeof *p);
    run_result *res = NULL, *ranges = NULL;
    int status = 0, np = 0;
    if (!b || !p) {
        status = diag_set(d, DIAG_RUNTIME, "out of memory");
        goto done;
    }
    char outbuf[4096];
    const char *outdir = o.out;
    if (!outdir) {
        cli_default_out(o.files[0], outbuf, sizeof outbuf);
        strncat(outbuf, "_sensitivity", sizeof outbuf - strlen(outbuf) - 1);
        outdir = outbuf;
    }
    if ((status = outdir_check(outdir, o.force, d)) /* before the work, not after */
        || (status = batch_add(b, o.files[0], o.sets, o.nsets, NULL, d)))
        goto done;
    batch_note(b, 0, stderr);
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
            if (in->dist && in->dist[k - in->section->keys].kind != DIST_NONE)
                continue; /* a fixed move would replace the distribution: its range moves it instead */
            sens_param *q = &p[np];
            memset(q, 0, sizeof *q);
            if (in->label[0])
                snprintf(q->name, sizeof q->name, "%s.%s.%s", in->section->name, in->label, k->name);
            else
                snprintf(q->name, sizeof q->name, "%s.%s", in->section->name, k->name);
            q->base = v;
            q->note[0] = '\0';
            q->low = moved(k, v, o.delta, -1);
            q->high = moved(k, v, o.delta, +1);
            q->low_index = q->high_index = -1;
            for (int side = 0; side < 2; side++) {
                double x = side ? q->high : q->low;
                char why[300];
                if (isnan(x)) {
                    snprintf(why, sizeof why, "cannot move %s: %s allows %s%g to %g%s", side ? "up" : "down",
                             k->name, k->flags & KEY_MIN_OPEN ? "above " : "", k->min, k->max,
                             k->flags & KEY_MAX_OPEN ? " (exclusive)" : "");
                    add_note(q, why);
                    continue;
                }
                char set[300];
                snprintf(set, sizeof set, "%s=%.15g", q->name, x);
                diag inner = { 0 };
                /* a move may break a cross-key rule (e.g. trap_low above trap_high): skip that side */
                if (batch_add(b, o.files[0], o.sets, o.nsets, set, &inner)) {
                    if (inner.status != DIAG_USAGE) {
                        status = diag_set(d, inner.status, "%s", inner.msg);
                        goto done;
                    }
                    snprintf(why, sizeof why, "not moved %s to %.6g: %.200s", side ? "up" : "down", x, inner.msg);
                    add_note(q, why);
                    if (side)
                        q->high = NAN;
                    else
                        q->low = NAN;
                    continue;
                }
                if (side)
                    q->high_index = b->n - 1;
                else
                    q->low_index = b->n - 1;
            }
            if (q->low_index >= 0 || q->high_index >= 0) {
                make_label(q, o.delta);
                np++;
            } else {
                /* neither side could move: left out, and said so */
                fprintf(stderr, tr(lang_ui(), "retsim sensitivity: %s left out: %s\n"), q->name, q->note);
            }
        }
    }
    int nr = 0;
    /* the keys holding a distribution (a draws file alone ranks nothing) */
    if (np == 0 && scen_uncertain_count(sc) - (sc->draws != NULL) == 0) {
        status = diag_set(d, DIAG_USAGE, "%s: no numeric parameter to move", sc->path);
        goto done;
    }
    if ((status = sim_run(b->e, b->n, &o.run, &res, d)))
        goto done;
    /* the ranges on as many replications as the moves ran (after --precision
     * and the rounding up to pairs), so the two tables rest on the same customers */
    run_opts ro = o.run;
    ro.reps = res->reps;
    ro.precision = 0;
    if ((status = sensitivity_ranges(sc, o.files[0], o.sets, o.nsets, &ro, metric, p + np,
                                     SENS_MAX - np, &nr, &ranges, d)))
        goto done;
    if (np + nr == 0) {
        status = diag_set(d, DIAG_USAGE, "%s: no numeric parameter to move", sc->path);
        goto done;
    }
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
    if (!dist_is_root()) /* under MPI rank 0 writes and prints (sim/dist.h) */
        goto done;
    outdir_txn *od = outdir_begin(outdir, o.force, d);
    if (!od) {
        status = d->status;
        goto done;
    }
    if ((status = sensitivity_write(od->path, scen_name(sc), scen_currency(sc), p, np + nr,
                                    metric_table[metric].name, o.delta, d))
        || (status = outdir_commit(od, d)))
        goto done;
    if (!o.quiet)
        sensitivity_print(scen_name(sc), res, p, np + nr, o.delta, ranges, outdir);
done:
    run_result_free(res);
    run_result_free(ranges);
    if (b)
        batch_free(b);
    free(b);
    free(p);
    return status;
}

const command cmd_sensitivity = { "sensitivity", "which parameters move profit most (tornado chart)",
                                  sensitivity_run, &sensitivity_help, 1 };
