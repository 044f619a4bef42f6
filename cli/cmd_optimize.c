/* retsim optimize: the terms of a promotion that maximise an objective
 * (profit by default), by sample-average approximation on common random
 * numbers (sim/optimize.h), with the best few compared again against doing
 * nothing on fresh replications.  This file takes the options, checks every
 * number typed against the key table, and wires the search, the final
 * comparison and the outputs (present/optimize_output.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "commands.h"
#include "outdir.h"
#include "../present/optimize_output.h"
#include "../sim/dist.h"
#include "../sim/lang.h"
#include "../sim/metrics.h"
#include "../sim/optimize.h"
#include "../sim/sections.h"

/* the help rows say 4, 10 and 400 (a msgid cannot hold a macro) */
_Static_assert(OPT_MAX_PARAMS == 4 && OPT_MAX_TOP == 10 && OPT_GRID_MAX == 400,
               "update the numbers in optimize's help rows");

static const char *const optimize_synopsis[] = {
    "retsim optimize FILE.ini --param SECTION.KEY=LOW:HIGH [--param ...] [options]", NULL
};
static const char *const optimize_examples[] = {
    "retsim optimize scenarios/restaurant_recharge_optimize.ini --param recharge.multiple=1:8", NULL
};
static const help_option optimize_options[] = {
    { "--param S.K=LOW:HIGH", N_("a key to search and its range (repeatable, up to 4 keys); whole-number keys take whole "
                                 "values; LOW and HIGH within the key's own range"), 0 },
    { "--objective METRIC", N_("the metric to maximise (default profit; any name of metrics.csv)"), 0 },
    { "--minimize", N_("minimise the objective instead"), 0 },
    { "--constraint M<=X", N_("keep metric M at most X (or M>=X: at least X), judged on its mean; "
                              "repeatable, e.g. `--constraint 'liability_end<=50000'` (quoted: the shell reads < as a redirection)"), 0 },
    { "--base FILE.ini", N_("doing nothing, which the gain is measured against (default: the "
                            "scenario's [scenario] base)"), 0 },
    { "--top N", N_("candidates compared again at the end (1 to 10; default 5)"), 0 },
    { "--final-reps N", N_("replications of that final comparison, on fresh seeds (8 to 1000000; "
                           "default 400)"), 0 },
    { "--evals N", N_("evaluations of a continuous search (10 to 10000; default 60); a grid "
                      "evaluates every point"), 0 },
    { NULL, NULL, 0 }
};
static const help_page optimize_help = {
    .synopsis = optimize_synopsis,
    /* xgettext:no-c-format */
    .description = N_("Searches the terms of a promotion (e.g. the recharge multiple, the reminder day) "
                      "for the best objective: every candidate runs the same replications on the same "
                      "seed (common random numbers), so the search sees a deterministic function; a "
                      "full grid when every key is whole and the grid has at most "
                      "400 points, else NLopt's Sbplx. The best candidates then run "
                      "again, paired with doing nothing, on fresh seeds: each one's gain with its 95 % "
                      "CI, the chance it is really the best, and ties named as ties."),
    .options = optimize_options,
    .shared = cli_help_options,
    .shared_mask = CLI_PARAM_UNCERTAINTY,
    .writes = N_("writes (default DIR: out/NAME_optimize): candidates.csv (every evaluated point), "
                 "top.csv (the final comparison), summary.json, optimize.png and scenario.ini (the "
                 "scenario at the best terms)"),
    .examples = optimize_examples,
};

typedef struct opt_args {
    const char *params[OPT_MAX_PARAMS];
    int nparams;
    const char *objective;
    int minimize;
    const char *cons[OPT_MAX_CONS];
    int ncons;
    const char *base;
    long top, final_reps, evals;
} opt_args;

/* The options only optimize takes are taken out of argv here; the rest go
 * to cli_parse, which knows the shared ones. */
static int take_own(int argc, char **argv, opt_args *a, char **rest, int *nrest, diag *d)
{
    static const char *const with_value[] = { "--param", "--objective", "--constraint", "--base",
                                              "--top", "--final-reps", "--evals", NULL };
    *nrest = 0;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        int which = -1;
        const char *value = NULL;
        for (int w = 0; i > 0 && with_value[w]; w++) {
            size_t n = strlen(with_value[w]);
            if (!strncmp(arg, with_value[w], n) && (arg[n] == '\0' || arg[n] == '=')) {
                which = w;
                if (arg[n] == '=')
                    value = arg + n + 1;
                else if (i + 1 < argc)
                    value = argv[++i];
                else
                    return diag_set(d, DIAG_USAGE, "%s needs a value (see retsim optimize --help)", arg);
                break;
            }
        }
        if (which < 0 && i > 0 && !strcmp(arg, "--minimize")) {
            a->minimize = 1;
            continue;
        }
        if (which < 0) {
            rest[(*nrest)++] = argv[i];
            continue;
        }
        switch (which) {
        case 0:
            if (a->nparams == OPT_MAX_PARAMS)
                return diag_set(d, DIAG_USAGE, "at most %d --param keys at once", OPT_MAX_PARAMS);
            a->params[a->nparams++] = value;
            break;
        case 1:
            a->objective = value;
            break;
        case 2:
            if (a->ncons == OPT_MAX_CONS)
                return diag_set(d, DIAG_USAGE, "at most %d --constraint options", OPT_MAX_CONS);
            a->cons[a->ncons++] = value;
            break;
        case 3:
            if (!*value)
                return diag_set(d, DIAG_USAGE, "--base needs a scenario file");
            a->base = value;
            break;
        case 4:
            if (cli_parse_int("--top", value, 1, OPT_MAX_TOP, &a->top, d))
                return d->status;
            break;
        case 5:
            if (cli_parse_int("--final-reps", value, 8, 1000000, &a->final_reps, d))
                return d->status;
            break;
        default:
            if (cli_parse_int("--evals", value, 10, 10000, &a->evals, d))
                return d->status;
            break;
        }
    }
    rest[*nrest] = NULL;
    return 0;
}

/* The key's table entry: "channel.walkin.step_conversion" is key
 * step_conversion of section channel (label walkin).  NULL when none. */
static const scen_key *find_key(const char *dotted)
{
    const char *dot = strrchr(dotted, '.');
    if (!dot)
        return NULL;
    size_t seclen = strcspn(dotted, ".");
    const scen_section *const *all = scen_all_sections();
    for (int i = 0; all[i]; i++) {
        if (strlen(all[i]->name) != seclen || strncasecmp(all[i]->name, dotted, seclen))
            continue;
        /* a repeatable section needs its label, a plain one has none */
        int labelled = dot != dotted + seclen;
        if (labelled != (all[i]->max_instances > 1))
            return NULL;
        for (const scen_key *k = all[i]->keys; k->name; k++)
            if (!strcasecmp(k->name, dot + 1))
                return k;
    }
    return NULL;
}

static int try_value(const char *path, const cli_opts *o, const char *key, double v, const char *param,
                     diag *d)
{
    const char *all[SCEN_MAX_SETS + 1];
    char set[400];
    for (int i = 0; i < o->nsets; i++)
        all[i] = o->sets[i];
    snprintf(set, sizeof set, "%s=%.17g", key, v);
    all[o->nsets] = set;
    diag inner = { 0 };
    scenario *sc = scen_load(path, all, o->nsets + 1, &inner);
    if (!sc)
        return diag_set(d, DIAG_USAGE, "--param %s: %s", param, inner.msg);
    scen_free(sc);
    return 0;
}

/* "recharge.multiple=1:8" into p->param[j], every number checked against
 * the key table (through the scenario loader, which knows the ranges). */
static int parse_param(const char *text, const char *path, const cli_opts *o, opt_param *out,
                       diag *d)
{
    const char *hint = "expected SECTION.KEY=LOW:HIGH, e.g. --param recharge.multiple=1:8";
    const char *eq = strchr(text, '=');
    if (!eq || eq == text || (size_t)(eq - text) >= sizeof out->key)
        return diag_set(d, DIAG_USAGE, "--param %s: %s", text, hint);
    snprintf(out->key, sizeof out->key, "%.*s", (int)(eq - text), text);
    for (char *c = out->key; *c; c++)
        *c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
    const char *colon = strchr(eq + 1, ':');
    if (!colon || strchr(colon + 1, ':') || cli_parse_number(eq + 1, (size_t)(colon - eq - 1), &out->low)
        || cli_parse_number(colon + 1, strlen(colon + 1), &out->high))
        return diag_set(d, DIAG_USAGE, "--param %s: %s", text, hint);
    const scen_key *k = find_key(out->key);
    if (!k) {
        /* the loader's own message: unknown section or key, with "did you mean" */
        if (try_value(path, o, out->key, out->low, text, d))
            return d->status;
        return diag_set(d, DIAG_USAGE, "--param %s: no such key; see retsim keys", text);
    }
    if (k->kind != KEY_REAL && k->kind != KEY_INT)
        return diag_set(d, DIAG_USAGE, "--param %s: %s is a %s key, not a number; optimize searches "
                                       "number keys", text, out->key, scen_key_type(k));
    out->integer = k->kind == KEY_INT;
    snprintf(out->unit, sizeof out->unit, "%s", k->unit ? scen_unit(k->unit, (int)lang_ui()) : "");
    if (out->integer && (out->low != floor(out->low) || out->high != floor(out->high)))
        return diag_set(d, DIAG_USAGE, "--param %s: %s takes whole numbers; give LOW and HIGH as "
                                       "whole numbers", text, out->key);
    if (!(out->low < out->high))
        return diag_set(d, DIAG_USAGE, "--param %s: LOW (%g) must be below HIGH (%g)", text, out->low,
                        out->high);
    if (try_value(path, o, out->key, out->low, text, d) || try_value(path, o, out->key, out->high, text, d))
        return d->status;
    return 0;
}

static int metric_named(const char *opt, const char *name, int *out, diag *d)
{
    const char *names[MET_COUNT + 1];
    for (int m = 0; m < MET_COUNT; m++) {
        names[m] = metric_table[m].name;
        if (!strcmp(name, names[m])) {
            *out = m;
            return 0;
        }
    }
    names[MET_COUNT] = NULL;
    const char *near = diag_nearest(name, names);
    if (near)
        return diag_set(d, DIAG_USAGE, "%s %s: not a metric (did you mean %s?); the names are those "
                                       "of metrics.csv", opt, name, near);
    return diag_set(d, DIAG_USAGE, "%s %s: not a metric; the names are those of metrics.csv, e.g. "
                                   "profit, revenue, liability_end", opt, name);
}

/* "liability_end<=50000" */
static int parse_constraint(const char *text, opt_constraint *c, diag *d)
{
    const char *op = strstr(text, "<=");
    c->at_most = 1;
    if (!op) {
        op = strstr(text, ">=");
        c->at_most = 0;
    }
    if (!op || op == text)
        return diag_set(d, DIAG_USAGE, "--constraint %s: expected METRIC<=X or METRIC>=X, e.g. "
                                       "--constraint 'liability_end<=50000'", text);
    char name[128];
    if ((size_t)(op - text) >= sizeof name)
        return diag_set(d, DIAG_USAGE, "--constraint %s: the metric name is too long", text);
    snprintf(name, sizeof name, "%.*s", (int)(op - text), text);
    if (metric_named("--constraint", name, &c->metric, d))
        return d->status;
    if (cli_parse_number(op + 2, strlen(op + 2), &c->limit))
        return diag_set(d, DIAG_USAGE, "--constraint %s: '%s' is not a number; expected METRIC<=X, "
                                       "e.g. --constraint 'liability_end<=50000'", text, op + 2);
    return 0;
}

/* --base, else the scenario's [scenario] base, relative to its folder as
 * the loader reads it. */
static int find_base(const char *path, const cli_opts *o, const char *given, char *out, size_t cap,
                     diag *d)
{
    if (given) {
        snprintf(out, cap, "%s", given);
        return 0;
    }
    scenario *sc = scen_load(path, o->sets, o->nsets, d);
    if (!sc)
        return d->status;
    const scenario_params *sp = scen_get(sc, &section_scenario);
    int status = 0;
    if (!sp->base[0]) {
        status = diag_set(d, DIAG_USAGE, "%s has no [scenario] base: optimize measures the gain over "
                                         "doing nothing; give --base FILE.ini (the scenario without "
                                         "the promotion)", path);
    } else {
        const char *slash = strrchr(path, '/');
        if (sp->base[0] == '/' || !slash)
            snprintf(out, cap, "%s", sp->base);
        else
            snprintf(out, cap, "%.*s/%s", (int)(slash - path), path, sp->base);
    }
    scen_free(sc);
    return status;
}

static int optimize_run(int argc, char **argv, diag *d)
{
    opt_args a = { .top = 5, .final_reps = 400, .evals = 60 };
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    if (!rest)
        return diag_set(d, DIAG_RUNTIME, "out of memory");
    int nrest = 0, status = 0;
    cli_opts o;
    opt_search s = { 0 };
    opt_final *fin = NULL;
    scenario *best = NULL;
    if ((status = take_own(argc, argv, &a, rest, &nrest, d))
        || (status = cli_parse("optimize", nrest, rest, CLI_PARAM_UNCERTAINTY, &o, d)))
        goto done;
    if (o.help) {
        help_print(stdout, &optimize_help);
        goto done;
    }
    if (o.nfiles != 1) {
        status = diag_set(d, DIAG_USAGE, "optimize takes one scenario: retsim optimize FILE.ini "
                                         "--param SECTION.KEY=LOW:HIGH");
        goto done;
    }
    if (a.nparams == 0) {
        status = diag_set(d, DIAG_USAGE, "optimize needs at least one --param SECTION.KEY=LOW:HIGH, "
                                         "e.g. --param recharge.multiple=1:8");
        goto done;
    }
    opt_problem p = { 0 };
    p.path = o.files[0];
    p.sets = o.sets;
    p.nsets = o.nsets;
    p.run = o.run;
    p.final_reps = (int)a.final_reps;
    p.top = (int)a.top;
    p.max_evals = (int)a.evals;
    p.minimize = a.minimize;
    p.progress = !o.quiet;
    p.nparam = a.nparams;
    for (int j = 0; j < a.nparams; j++) {
        if ((status = parse_param(a.params[j], p.path, &o, &p.param[j], d)))
            goto done;
        for (int i = 0; i < j; i++)
            if (!strcmp(p.param[i].key, p.param[j].key)) {
                status = diag_set(d, DIAG_USAGE, "--param %s: %s is searched twice", a.params[j],
                                  p.param[j].key);
                goto done;
            }
    }
    p.objective = MET_PROFIT;
    if (a.objective && (status = metric_named("--objective", a.objective, &p.objective, d)))
        goto done;
    p.ncons = a.ncons;
    for (int c = 0; c < a.ncons; c++)
        if ((status = parse_constraint(a.cons[c], &p.cons[c], d)))
            goto done;
    char base[4200];
    if ((status = find_base(p.path, &o, a.base, base, sizeof base, d)))
        goto done;
    p.base_path = base;
    {   /* the base must load, with the same overrides, before any work */
        diag inner = { 0 };
        scenario *bs = scen_load(base, o.sets, o.nsets, &inner);
        if (!bs) {
            status = diag_set(d, DIAG_USAGE, "the base (doing nothing) %s: %s", base, inner.msg);
            goto done;
        }
        scen_free(bs);
    }
    if (dist_workers() > p.run.reps) { /* said before any work, in the runner's words */
        status = diag_set(d, DIAG_USAGE,
                          "%d MPI ranks but only %d replications to share among them: start at most %d "
                          "ranks (mpirun -np %d), or ask for at least %d replications (--reps %d)",
                          dist_workers(), p.run.reps, p.run.reps, p.run.reps, dist_workers(), dist_workers());
        goto done;
    }
    char outbuf[4096];
    const char *outdir = o.out;
    if (!outdir) {
        cli_default_out(p.path, outbuf, sizeof outbuf);
        strncat(outbuf, "_optimize", sizeof outbuf - strlen(outbuf) - 1);
        outdir = outbuf;
    }
    if ((status = outdir_check(outdir, o.force, d)))
        goto done;
    double points;
    int grid = opt_is_grid(&p, &points);
    if (p.progress) {
        if (grid)
            fprintf(stderr, tr(lang_ui(), "retsim: optimize: a full grid of %.0f points, %d replications "
                                          "each (seed %llu, the same customers for every point)\n"),
                    points, p.run.reps, (unsigned long long)p.run.seed);
        else
            fprintf(stderr, tr(lang_ui(), "retsim: optimize: NLopt Sbplx, at most %d evaluations of %d "
                                          "replications (seed %llu, the same customers for every point)\n"),
                    p.max_evals, p.run.reps, (unsigned long long)p.run.seed);
    }
    if ((status = opt_search_run(&p, opt_evaluate, NULL, &s, d)))
        goto done;
    fin = calloc(1, sizeof *fin);
    if (!fin) {
        status = diag_set(d, DIAG_RUNTIME, "out of memory");
        goto done;
    }
    if ((status = opt_final_run(&p, &s, fin, d)))
        goto done;
    {   /* the scenario at the best terms, for scenario.ini */
        char sets[OPT_MAX_PARAMS][320];
        const char *all[SCEN_MAX_SETS + OPT_MAX_PARAMS];
        int n = 0;
        for (int i = 0; i < o.nsets; i++)
            all[n++] = o.sets[i];
        const opt_point *bp = &s.pts[fin->idx[fin->best >= 0 ? fin->best : 0]];
        for (int j = 0; j < p.nparam; j++) {
            snprintf(sets[j], sizeof sets[j], p.param[j].integer ? "%s=%.0f" : "%s=%.17g",
                     p.param[j].key, bp->x[j]);
            all[n++] = sets[j];
        }
        if (!(best = scen_load(p.path, all, n, d))) {
            status = d->status;
            goto done;
        }
    }
    if (!dist_is_root()) /* under MPI rank 0 writes and prints (sim/dist.h) */
        goto done;
    outdir_txn *od = outdir_begin(outdir, o.force, d);
    if (!od) {
        status = d->status;
        goto done;
    }
    if ((status = optimize_write(od->path, &p, &s, fin, best, d)))
        goto done;
    if ((status = outdir_commit(od, d)))
        goto done;
    if (!o.quiet)
        optimize_print(stdout, &p, &s, fin, scen_currency(best), outdir, (lang_id)o.lang);
done:
    scen_free(best);
    free(fin);
    opt_search_free(&s);
    free(rest);
    return status;
}

const command cmd_optimize = { "optimize", "the best terms of a promotion (search, then a paired final "
                                           "comparison)", optimize_run, &optimize_help, 1 };
