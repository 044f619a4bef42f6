#include "sensitivity_ranges.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/batch.h"
#include "../sim/lang.h"
#include "../sim/uncertain.h"

/* Appends a sentence to q's note. */
static void add_note(sens_param *q, const char *text)
{
    size_t n = strlen(q->note);
    snprintf(q->note + n, sizeof q->note - n, "%s%s", n ? "; " : "", text);
}

static int cmp_swing(const void *a, const void *b)
{
    double x = ((const sens_param *)a)->swing, y = ((const sens_param *)b)->swing;
    return (x < y) - (x > y);
}

static void make_labels(sens_param *q, const char *dist)
{
    snprintf(q->moved, sizeof q->moved, "5-95 %% of %.160s", dist);
    char lo[32] = "n/a", hi[32] = "n/a";
    if (!isnan(q->low))
        snprintf(lo, sizeof lo, "%.6g", q->low);
    if (!isnan(q->high))
        snprintf(hi, sizeof hi, "%.6g", q->high);
    snprintf(q->label, sizeof q->label, "%.190s %.6g -> %s / %s (%.170s)", q->name, q->base, lo, hi,
             q->moved);
    /* the bar names the range: the tornado's title says "+/- delta unless
     * named".  Its values, not the distribution: tornado.csv is read by
     * gnuplot, field by comma, and beta(11, 9) has one */
    snprintf(q->bar, sizeof q->bar, "%.200s %.4g->%.4g (5-95 %%)", q->name, q->low, q->high);
    if (isnan(q->low) || isnan(q->high))
        snprintf(q->bar, sizeof q->bar, "%.200s %.4g (%s %%)", q->name, isnan(q->low) ? q->high : q->low,
                 isnan(q->low) ? "95" : "5");
}

int sensitivity_ranges(const scenario *sc, const char *path, const char *const *sets, int nsets,
                       const run_opts *o, int metric, sens_param *r, int max, int *nr,
                       run_result **res, diag *d)
{
    *nr = 0;
    *res = NULL;
    if (scen_uncertain_count(sc) == 0)
        return 0;
    if (sc->draws)
        /* its rows move several keys together, and no one row is "the 5 %" of them */
        fprintf(stderr, tr(lang_ui(), "retsim sensitivity: the parameters of [uncertainty] draws (%s) "
                                      "are not ranked: a row moves them together, and no one row is "
                                      "their 5 %% or 95 %%\n"),
                sc->draws_path);
    batch *b = calloc(1, sizeof *b);
    if (!b)
        return diag_set(d, DIAG_RUNTIME, "out of memory");
    int status, n = 0;
    /* the point-valued base: under --param-uncertainty off, what the file states with its means */
    if ((status = batch_add(b, path, sets, nsets, NULL, d)))
        goto done;
    for (int i = 0; i < sc->ninst; i++) {
        const scen_instance *in = &sc->inst[i];
        if (!in->present || !in->dist)
            continue;
        for (const scen_key *k = in->section->keys; k->name; k++) {
            const scen_dist *dist = &in->dist[k - in->section->keys];
            if (dist->kind == DIST_NONE || n == max)
                continue;
            sens_param *q = &r[n];
            memset(q, 0, sizeof *q);
            if (in->label[0])
                snprintf(q->name, sizeof q->name, "%s.%s.%s", in->section->name, in->label, k->name);
            else
                snprintf(q->name, sizeof q->name, "%s.%s", in->section->name, k->name);
            q->range = 1;
            q->base = *(const double *)((const char *)in->params + k->offset);
            q->low = dist_quantile(dist, k, SENS_RANGE_LOW);
            q->high = dist_quantile(dist, k, SENS_RANGE_HIGH);
            q->low_index = q->high_index = -1;
            for (int side = 0; side < 2; side++) {
                double x = side ? q->high : q->low;
                char set[300], why[300];
                /* 17 digits: the run is at exactly this quantile, as a run with
                 * --set KEY=%.17g would be */
                snprintf(set, sizeof set, "%s=%.17g", q->name, x);
                diag inner = { 0 };
                /* a quantile may break a rule between keys (a lift above its cap) */
                if (batch_add(b, path, sets, nsets, set, &inner)) {
                    if (inner.status != DIAG_USAGE) {
                        status = diag_set(d, inner.status, "%s", inner.msg);
                        goto done;
                    }
                    snprintf(why, sizeof why, "not run at its %s quantile %.6g: %.200s", side ? "95 %" : "5 %",
                             x, inner.msg);
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
            char text[160];
            scen_dist_format(dist, text, sizeof text);
            make_labels(q, text);
            if (q->low_index >= 0 || q->high_index >= 0)
                n++;
            else
                fprintf(stderr, tr(lang_ui(), "retsim sensitivity: %s left out: %s\n"), q->name, q->note);
        }
    }
    if (n == 0)
        goto done;
    run_opts ro = *o;
    ro.param_uncertainty_off = 1;
    if ((status = sim_run(b->e, b->n, &ro, res, d)))
        goto done;
    for (int i = 0; i < n; i++) {
        sens_param *q = &r[i];
        stat_summary none = { NAN, NAN, NAN, NAN, 0 };
        q->profit_low = q->profit_high = q->metric_low = q->metric_high = none;
        double at[2] = { NAN, NAN };
        int index[2] = { q->low_index, q->high_index };
        for (int side = 0; side < 2; side++) {
            if (index[side] < 0)
                continue;
            const scen_stats *s = &(*res)->scen[index[side]];
            *(side ? &q->profit_high : &q->profit_low) = stat_vec_get(s->diff, MET_PROFIT);
            *(side ? &q->metric_high : &q->metric_low) = stat_vec_get(s->diff, (size_t)metric);
            at[side] = stat_vec_get(s->metric, MET_PROFIT).mean;
        }
        /* the profit at the 95 % quantile minus at the 5 %: what the range
         * spans, equal to the difference of two runs made at those values */
        if (!isnan(at[0]) && !isnan(at[1]))
            q->swing = fabs(at[1] - at[0]);
        else
            q->swing = fabs(isnan(at[0]) ? q->profit_high.mean : q->profit_low.mean);
    }
    qsort(r, (size_t)n, sizeof *r, cmp_swing);
    *nr = n;
done:
    batch_free(b);
    free(b);
    if (status) {
        run_result_free(*res);
        *res = NULL;
    }
    return status;
}
