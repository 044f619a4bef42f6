/* The outputs of `retsim sweep`: sweep.csv and sweep.json (every metric at
 * every value, 95 % CIs), the figures, and the table printed.  Here, not in
 * cli/cmd_sweep.c, so that the command keeps its options and the run. */
#include "sweep_output.h"

#include "../sim/lang.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "figures.h"
#include "output.h"
#include "../sim/metrics.h"

/* The retention metric the sweep shows: the oldest age that every swept
 * value's horizon supports (all replications), or MET_COUNT if none does. */
static metric_id sweep_retention_metric(const run_result *res, int n)
{
    static const metric_id longest_first[] = { MET_RETENTION_365, MET_RETENTION_180,
                                               MET_RETENTION_90, MET_RETENTION_30 };
    for (int k = 0; k < 4; k++) {
        int everywhere = 1;
        for (int i = 0; i < n && everywhere; i++) {
            stat_summary s = stat_vec_get(res->scen[i].metric, (size_t)longest_first[k]);
            everywhere = !isnan(s.ci_low) && s.n == res->reps;
        }
        if (everywhere)
            return longest_first[k];
    }
    return MET_COUNT;
}

/* A metric of a mechanism the scenario leaves out (the queue) is no column:
 * sweeps without it keep their outputs.  Such metrics come last in
 * metric_table, so the columns before them keep their places. */
static int sweep_left_out(const run_result *res, int n, int m)
{
    if (!metric_table[m].optional)
        return 0;
    for (int i = 0; i < n; i++)
        if (!isnan(stat_vec_get(res->scen[i].metric, (size_t)m).mean))
            return 0;
    return 1;
}

int sweep_write(const char *dir, const char *key, const double *values, int n,
                       const run_result *res, const scenario *sc, uint64_t seed, diag *d)
{
    const char *name = scen_name(sc), *currency = scen_currency(sc);
    if (out_mkdirs(dir, d))
        return d->status;
    /* the scenario as run at the first value, for the report and a re-run */
    if (out_write_scenario(dir, sc, d))
        return d->status;
    char tmp[4200];
    FILE *f = out_open(dir, "sweep.csv", tmp, sizeof tmp, d);
    if (!f)
        return d->status;
    fprintf(f, "%s", key);
    for (int m = 0; m < MET_COUNT; m++)
        if (!sweep_left_out(res, n, m))
            fprintf(f, ",%s_mean,%s_ci_low,%s_ci_high", metric_table[m].name, metric_table[m].name,
                    metric_table[m].name);
    fputc('\n', f);
    json_t *root = json_object(), *vals = json_array(), *metrics = json_object();
    json_object_set_new(root, "scenario", json_string(name));
    json_object_set_new(root, "param", json_string(key));
    json_object_set_new(root, "replications", json_integer(res->reps));
    json_object_set_new(root, "seed", json_integer((json_int_t)seed));
    json_object_set_new(root, "file", json_string(sc->path));
    json_object_set_new(root, "currency", json_string(currency));
    json_object_set_new(root, "retsim_version", json_string(RETSIM_VERSION));
    json_t *unc = out_json_uncertainty(sc, res, 0);
    if (unc)
        json_object_set_new(root, "parameter_uncertainty", unc);
    for (int i = 0; i < n; i++) {
        fprintf(f, "%.10g", values[i]);
        json_array_append_new(vals, json_real(values[i]));
        for (int m = 0; m < MET_COUNT; m++) {
            stat_summary s = stat_vec_get(res->scen[i].metric, (size_t)m);
            if (sweep_left_out(res, n, m))
                continue;
            if (isnan(s.mean))
                fputs(",,,", f);
            else
                fprintf(f, ",%.10g,%.10g,%.10g", s.mean, s.ci_low, s.ci_high);
        }
        fputc('\n', f);
    }
    for (int m = 0; m < MET_COUNT; m++) {
        if (sweep_left_out(res, n, m))
            continue;
        json_t *o = json_object(), *mean = json_array(), *lo = json_array(), *hi = json_array();
        for (int i = 0; i < n; i++) {
            stat_summary s = stat_vec_get(res->scen[i].metric, (size_t)m);
            json_array_append_new(mean, out_json_number(s.mean));
            json_array_append_new(lo, out_json_number(s.ci_low));
            json_array_append_new(hi, out_json_number(s.ci_high));
        }
        json_object_set_new(o, "mean", mean);
        json_object_set_new(o, "ci_low", lo);
        json_object_set_new(o, "ci_high", hi);
        json_object_set_new(metrics, metric_table[m].name, o);
    }
    json_object_set_new(root, "values", vals);
    json_object_set_new(root, "metrics", metrics);
    if (out_commit(f, tmp, dir, "sweep.csv", d)) {
        json_decref(root);
        return d->status;
    }
    if (out_json_commit(root, dir, "sweep.json", d))
        return d->status;
    metric_id retention = sweep_retention_metric(res, n);
    if (retention == MET_COUNT) {
        fputs(tr(lang_ui(), "retsim: sweep_retention.png not drawn: no retention age is supported by the "
                            "horizon at every value (see summary notes in docs/metrics.md)\n"),
              stderr);
        return figures_sweep(dir, name, key, MET_COUNT, 0, currency, LANG_EN, PLOT_PNG, d);
    }
    return figures_sweep(dir, name, key, retention, metric_retention_age(retention), currency,
                         LANG_EN, PLOT_PNG, d);
}

void sweep_print(const char *key, const double *values, int n, const run_result *res,
                 const scenario *sc, const char *outdir, lang_id lang)
{
    printf(tr(lang, "%s: %s from %g to %g, %d replications each (paired)\n"), scen_name(sc), key,
           values[0], values[n - 1], res->reps);
    out_print_uncertainty(stdout, res, 0, lang);
    metric_id ret = sweep_retention_metric(res, n);
    char rhead[64];
    snprintf(rhead, sizeof rhead, "%s [95%% CI]", ret == MET_COUNT ? "retention" : metric_table[ret].name);
    printf("  %12s  %28s  %22s\n", key, "profit [95% CI]", rhead);
    for (int i = 0; i < n; i++) {
        stat_summary p = stat_vec_get(res->scen[i].metric, MET_PROFIT);
        printf("  %12g  %10.0f [%7.0f, %7.0f]", values[i], p.mean, p.ci_low, p.ci_high);
        if (ret == MET_COUNT) {
            printf("  omitted: the horizon supports no retention age\n");
            continue;
        }
        stat_summary r = stat_vec_get(res->scen[i].metric, (size_t)ret);
        printf("  %6.1f %% [%4.1f, %4.1f]\n", 100 * r.mean, 100 * r.ci_low, 100 * r.ci_high);
    }
    printf(tr(lang, "  wrote %s/ (sweep.csv, sweep.json, sweep.png, sweep_retention.png)\n"), outdir);
}
