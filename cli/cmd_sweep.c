/* retsim sweep: every metric against one parameter, on common random
 * numbers, so the curve is smooth where the model is and the differences
 * between neighbouring values are measured on the same customers. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../present/figures.h"
#include "../sim/batch.h"
#include "cli.h"
#include "commands.h"
#include "outdir.h"
#include "../present/output.h"
#include "../present/report.h"
#include "../sim/lang.h"

#define SWEEP_MAX 200

static const char *const sweep_synopsis[] = {
    "retsim sweep FILE.ini --param SECTION.KEY=FROM:TO:STEP [options]", NULL
};
static const char *const sweep_examples[] = {
    "retsim sweep scenarios/restaurant_recharge.ini --param recharge.multiple=1:6:1", NULL
};
static const help_option sweep_options[] = {
    { "--param S.K=A:B:C", "the key and its values A, A+C, ... up to B (at most " HELP_STR(SWEEP_MAX)
                           " values)", 0 },
    { NULL, NULL, 0 }
};
static const help_page sweep_help = {
    .synopsis = sweep_synopsis,
    .description = "Runs the scenario at every value of one key (paired, on the same simulated "
                   "customers) and reports every metric against it, with 95 % CIs.",
    .options = sweep_options,
    .shared = cli_help_options,
    .shared_mask = CLI_PARAM | CLI_REPORT,
    .writes = "writes (default DIR: out/NAME_sweep): sweep.csv (one row per value), sweep.json, "
              "sweep.png (profit against the value) and sweep_retention.png",
    .examples = sweep_examples,
};

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

static int parse_number(const char *text, size_t len, double *out)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, text, len);
    buf[len] = '\0';
    char *end;
    errno = 0;
    *out = strtod(buf, &end);
    return (*end || errno || !isfinite(*out) || strpbrk(buf, "xX")) ? -1 : 0;
}

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
    if (!c1 || !c2 || strchr(c2 + 1, ':') || parse_number(a, (size_t)(c1 - a), &from)
        || parse_number(c1 + 1, (size_t)(c2 - c1 - 1), &to) || parse_number(c2 + 1, strlen(c2 + 1), &step))
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

static int write_sweep(const char *dir, const char *key, const double *values, int n,
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

static int sweep_run(int argc, char **argv, diag *d)
{
    cli_opts o;
    if (cli_parse("sweep", argc, argv, CLI_PARAM | CLI_REPORT, &o, d))
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
    outdir_txn *od = outdir_begin(outdir, o.force, d);
    if (!od) {
        status = d->status;
        goto done;
    }
    if ((status = write_sweep(od->path, key, values, n, res, b->sc[0], o.run.seed, d)))
        goto done;
    if (o.report && (status = report_write(od->path, (lang_id)o.lang, d)))
        goto done;
    if ((status = outdir_commit(od, d)))
        goto done;
    if (!o.quiet) {
        printf(tr((lang_id)o.lang, "%s: %s from %g to %g, %d replications each (paired)\n"), scen_name(b->sc[0]), key,
               values[0], values[n - 1], res->reps);
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
        printf(tr((lang_id)o.lang, "  wrote %s/ (sweep.csv, sweep.json, sweep.png, sweep_retention.png)\n"), outdir);
    }
done:
    run_result_free(res);
    batch_free(b);
    free(b);
    return status;
}

const command cmd_sweep = { "sweep", "every metric against one parameter (e.g. the recharge multiple)",
                            sweep_run, &sweep_help };
