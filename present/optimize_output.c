/* The outputs of `retsim optimize`.  Here, not in cli/cmd_optimize.c, so
 * that the command keeps its options and the run; the figure is drawn
 * through figures_render, the house way (titles, units, legend). */
#include "optimize_output.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "figures.h"
#include "output.h"
#include "../sim/metrics.h"

static const char *const phase_names[] = { "grid", "design", "search", "polish" };

/* "recharge.multiple=4, recall.day=20" */
static void terms(char *buf, size_t cap, const opt_problem *p, const double *x)
{
    size_t n = 0;
    buf[0] = '\0';
    for (int j = 0; j < p->nparam && n < cap; j++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%s=%.6g", j ? ", " : "", p->param[j].key, x[j]);
}

/* A number for the console: whole above a thousand (money), else 4 digits. */
static void num(char *buf, size_t cap, double v, int sign)
{
    if (fabs(v) >= 1000)
        snprintf(buf, cap, sign ? "%+.0f" : "%.0f", v);
    else
        snprintf(buf, cap, sign ? "%+.4g" : "%.4g", v);
}

/* The candidates of f by their final gain, best first. */
static void rank_order(const opt_final *fi, int *order)
{
    for (int j = 0; j < fi->k; j++)
        order[j] = j;
    for (int a = 1; a < fi->k; a++)
        for (int b = a; b > 0 && fi->gain[order[b]] > fi->gain[order[b - 1]]; b--) {
            int t = order[b];
            order[b] = order[b - 1];
            order[b - 1] = t;
        }
}

static const char *cons_op(const opt_constraint *c)
{
    return c->at_most ? "<=" : ">=";
}

static int write_candidates(const char *dir, const opt_problem *p, const opt_search *s, diag *d)
{
    char tmp[4200];
    FILE *f = out_open(dir, "candidates.csv", tmp, sizeof tmp, d);
    if (!f)
        return d->status;
    const char *obj = metric_table[p->objective].name;
    fputs("evaluation,phase", f);
    for (int j = 0; j < p->nparam; j++)
        fprintf(f, ",%s", p->param[j].key);
    fprintf(f, ",%s_mean,%s_se", obj, obj);
    for (int c = 0; c < p->ncons; c++)
        fprintf(f, ",%s_mean,%s_se", metric_table[p->cons[c].metric].name,
                metric_table[p->cons[c].metric].name);
    fputs(",violation,feasible\n", f);
    for (int i = 0; i < s->n; i++) {
        const opt_point *pt = &s->pts[i];
        fprintf(f, "%d,%s", i + 1, phase_names[pt->phase]);
        for (int j = 0; j < p->nparam; j++)
            fprintf(f, ",%.10g", pt->x[j]);
        out_csv_number(f, pt->obj);
        out_csv_number(f, pt->obj_se);
        for (int c = 0; c < p->ncons; c++) {
            out_csv_number(f, pt->con[c]);
            out_csv_number(f, pt->con_se[c]);
        }
        out_csv_number(f, pt->violation);
        fprintf(f, ",%d\n", pt->violation == 0);
    }
    return out_commit(f, tmp, dir, "candidates.csv", d);
}

static int write_top(const char *dir, const opt_problem *p, const opt_search *s, const opt_final *fi,
                     diag *d)
{
    char tmp[4200];
    FILE *f = out_open(dir, "top.csv", tmp, sizeof tmp, d);
    if (!f)
        return d->status;
    const char *obj = metric_table[p->objective].name;
    fputs("rank", f);
    for (int j = 0; j < p->nparam; j++)
        fprintf(f, ",%s", p->param[j].key);
    fprintf(f, ",%s_mean,%s_ci_low,%s_ci_high,gain_mean,gain_ci_low,gain_ci_high,"
               "behind_best_mean,behind_best_ci_low,behind_best_ci_high,tied_with_best,p_best,feasible",
            obj, obj, obj);
    for (int c = 0; c < p->ncons; c++) {
        const char *m = metric_table[p->cons[c].metric].name;
        fprintf(f, ",%s_mean,%s_ci_low,%s_ci_high", m, m, m);
    }
    fputc('\n', f);
    /* rank: by the final comparison's gain, best first */
    int order[OPT_MAX_TOP];
    rank_order(fi, order);
    for (int r = 0; r < fi->k; r++) {
        int j = order[r];
        fprintf(f, "%d", r + 1);
        for (int q = 0; q < p->nparam; q++)
            fprintf(f, ",%.10g", s->pts[fi->idx[j]].x[q]);
        out_csv_number(f, fi->obj[j]);
        out_csv_number(f, fi->obj_lo[j]);
        out_csv_number(f, fi->obj_hi[j]);
        out_csv_number(f, fi->gain[j]);
        out_csv_number(f, fi->gain_lo[j]);
        out_csv_number(f, fi->gain_hi[j]);
        out_csv_number(f, fi->vs_best[j]);
        out_csv_number(f, fi->vs_best_lo[j]);
        out_csv_number(f, fi->vs_best_hi[j]);
        fprintf(f, ",%d", fi->tied[j]);
        out_csv_number(f, fi->p_best[j]);
        fprintf(f, ",%d", fi->feasible[j]);
        for (int c = 0; c < p->ncons; c++) {
            out_csv_number(f, fi->con[j][c]);
            out_csv_number(f, fi->con_lo[j][c]);
            out_csv_number(f, fi->con_hi[j][c]);
        }
        fputc('\n', f);
    }
    return out_commit(f, tmp, dir, "top.csv", d);
}

static json_t *json_interval(double mean, double lo, double hi)
{
    json_t *o = json_object();
    json_object_set_new(o, "mean", out_json_number(mean));
    json_object_set_new(o, "ci_low", out_json_number(lo));
    json_object_set_new(o, "ci_high", out_json_number(hi));
    return o;
}

static json_t *json_terms(const opt_problem *p, const double *x)
{
    json_t *o = json_object();
    for (int j = 0; j < p->nparam; j++)
        json_object_set_new(o, p->param[j].key, json_real(x[j]));
    return o;
}

static int write_summary(const char *dir, const opt_problem *p, const opt_search *s,
                         const opt_final *f, const scenario *best, diag *d)
{
    json_t *root = json_object();
    json_object_set_new(root, "scenario", json_string(p->path));
    json_object_set_new(root, "name", json_string(scen_name(best)));
    json_object_set_new(root, "base", json_string(p->base_path));
    json_object_set_new(root, "currency", json_string(scen_currency(best)));
    json_object_set_new(root, "retsim_version", json_string(RETSIM_VERSION));
    json_t *params = json_array();
    for (int j = 0; j < p->nparam; j++) {
        json_t *o = json_object();
        json_object_set_new(o, "key", json_string(p->param[j].key));
        json_object_set_new(o, "low", json_real(p->param[j].low));
        json_object_set_new(o, "high", json_real(p->param[j].high));
        json_object_set_new(o, "type", json_string(p->param[j].integer ? "whole" : "real"));
        json_array_append_new(params, o);
    }
    json_object_set_new(root, "params", params);
    json_object_set_new(root, "objective", json_string(metric_table[p->objective].name));
    json_object_set_new(root, "direction", json_string(p->minimize ? "minimize" : "maximize"));
    json_t *cons = json_array();
    for (int c = 0; c < p->ncons; c++) {
        json_t *o = json_object();
        json_object_set_new(o, "metric", json_string(metric_table[p->cons[c].metric].name));
        json_object_set_new(o, "op", json_string(cons_op(&p->cons[c])));
        json_object_set_new(o, "limit", json_real(p->cons[c].limit));
        json_array_append_new(cons, o);
    }
    json_object_set_new(root, "constraints", cons);
    if (p->ncons)
        json_object_set_new(root, "constraint_rule", json_string(
            "feasibility on the mean: a candidate is feasible when every constraint holds for its "
            "mean; the search ranks every feasible candidate above every infeasible one, and "
            "infeasible ones by how far their means break the constraints (Deb's rules, no "
            "penalty weight); the final comparison checks the constraints again on its own means"));
    json_t *search = json_object();
    json_object_set_new(search, "method", json_string(
        s->method == OPT_METHOD_GRID
            ? "full grid of the whole keys"
            : "design of a few levels per key, NLopt Sbplx (LN_SBPLX) in the box, whole keys "
              "rounded, then their +-1 neighbours"));
    json_object_set_new(search, "sample_average", json_string(
        "every candidate runs the same replications on the same seed (common random numbers), "
        "so the mean objective is a deterministic function of the terms"));
    json_object_set_new(search, "seed", json_integer((json_int_t)p->run.seed));
    json_object_set_new(search, "replications", json_integer(p->run.reps));
    json_object_set_new(search, "evaluations", json_integer(s->n));
    if (s->method == OPT_METHOD_SBPLX) {
        json_object_set_new(search, "max_evaluations", json_integer(p->max_evals));
        json_object_set_new(search, "nlopt_result", json_integer(s->nlopt_status));
    }
    json_object_set_new(search, "best", json_terms(p, s->pts[s->best].x));
    json_object_set_new(root, "search", search);
    json_t *fin = json_object();
    json_object_set_new(fin, "method", json_string(
        "the top candidates and the base run again, paired (common random numbers), on a fresh "
        "stream of seeds apart from the search's, so that the search's winner is not judged on "
        "the noise that made it win (the winner's curse)"));
    json_object_set_new(fin, "seed", json_integer((json_int_t)f->seed));
    json_object_set_new(fin, "replications", json_integer(f->reps));
    json_object_set_new(fin, "blocks", json_integer(f->blocks));
    json_object_set_new(fin, "block_replications", json_integer(OPT_BLOCK_REPS));
    json_object_set_new(fin, "intervals", json_string(
        "95 % Student t over the blocks' means; gain = the candidate's objective minus the base's, "
        "block by block (its sign turned for --minimize, so a gain is always an improvement)"));
    json_object_set_new(fin, "p_best_method", json_string(
        "paired bootstrap over the blocks (the same blocks for every candidate), 2000 resamples: "
        "the share in which each feasible candidate has the best mean, exact ties sharing"));
    json_object_set_new(fin, "tie_rule", json_string(
        "tied with the best when the 95 % interval of the paired difference from the best holds 0"));
    json_object_set_new(fin, "base", json_interval(f->base_obj, f->base_lo, f->base_hi));
    json_t *cands = json_array();
    for (int j = 0; j < f->k; j++) {
        json_t *o = json_object();
        json_object_set_new(o, "terms", json_terms(p, s->pts[f->idx[j]].x));
        json_object_set_new(o, "objective", json_interval(f->obj[j], f->obj_lo[j], f->obj_hi[j]));
        json_object_set_new(o, "gain", json_interval(f->gain[j], f->gain_lo[j], f->gain_hi[j]));
        json_object_set_new(o, "behind_best",
                            json_interval(f->vs_best[j], f->vs_best_lo[j], f->vs_best_hi[j]));
        json_object_set_new(o, "tied_with_best", json_boolean(f->tied[j]));
        json_object_set_new(o, "p_best", out_json_number(f->p_best[j]));
        json_object_set_new(o, "feasible", json_boolean(f->feasible[j]));
        json_t *cc = json_object();
        for (int c = 0; c < p->ncons; c++)
            json_object_set_new(cc, metric_table[p->cons[c].metric].name,
                                json_interval(f->con[j][c], f->con_lo[j][c], f->con_hi[j][c]));
        json_object_set_new(o, "constraints", cc);
        json_array_append_new(cands, o);
    }
    json_object_set_new(fin, "candidates", cands);
    json_object_set_new(root, "final", fin);
    if (f->best >= 0) {
        json_t *b = json_object();
        json_object_set_new(b, "terms", json_terms(p, s->pts[f->idx[f->best]].x));
        json_object_set_new(b, "gain", json_interval(f->gain[f->best], f->gain_lo[f->best],
                                                     f->gain_hi[f->best]));
        json_object_set_new(b, "p_best", out_json_number(f->p_best[f->best]));
        json_object_set_new(b, "tied_candidates", json_integer(f->ntied));
        json_object_set_new(b, "feasible", json_boolean(f->feasible[f->best]));
        json_object_set_new(root, "best", b);
    }
    char verdict[2048];
    optimize_verdict(verdict, sizeof verdict, p, s, f, scen_currency(best), LANG_EN);
    json_object_set_new(root, "verdict", json_string(verdict));
    return out_json_commit(root, dir, "summary.json", d);
}

/* The figure: the objective against the key (one key, 95 % band of each
 * candidate's mean), a heat map of the grid (two whole keys), otherwise
 * the objective at every evaluation in order (the search's path). */
static int write_figure(const char *dir, const opt_problem *p, const opt_search *s,
                        const scenario *sc, diag *d)
{
    const char *obj = metric_table[p->objective].name, *name = scen_name(sc);
    char title[512], ylabel[300], tmp[4200];
    const char *unit = metric_table[p->objective].unit;
    int money = !strcmp(unit, "currency");
    if (money)
        snprintf(ylabel, sizeof ylabel, tr(lang_ui(), "%s (%s; k = thousand, M = million)"), obj,
                 scen_currency(sc));
    else
        snprintf(ylabel, sizeof ylabel, "%s (%s)", obj, scen_unit(unit, (int)lang_ui()));
    char xlabel[400];
    if (p->param[0].unit[0])
        snprintf(xlabel, sizeof xlabel, "%s (%s)", p->param[0].key, p->param[0].unit);
    else
        snprintf(xlabel, sizeof xlabel, "%s", p->param[0].key);
    int grid2 = s->method == OPT_METHOD_GRID && p->nparam == 2;
    FILE *f = out_open(dir, "optimize_plot.csv", tmp, sizeof tmp, d);
    if (!f)
        return d->status;
    if (grid2) {
        /* rows: the first key's values, columns: the second's */
        double lo1 = round(p->param[1].low);
        int n1 = (int)(round(p->param[1].high) - lo1) + 1;
        fprintf(f, "%s", p->param[0].key);
        for (int c = 0; c < n1; c++)
            fprintf(f, ",%.0f", lo1 + c);
        fputc('\n', f);
        for (int i = 0; i < s->n; i += n1) {
            fprintf(f, "%.0f", s->pts[i].x[0]);
            for (int c = 0; c < n1 && i + c < s->n; c++)
                out_csv_number(f, s->pts[i + c].obj);
            fputc('\n', f);
        }
    } else {
        int *order = malloc((size_t)s->n * sizeof *order);
        if (!order) {
            fclose(f);
            remove(tmp);
            return diag_set(d, DIAG_RUNTIME, "out of memory");
        }
        for (int i = 0; i < s->n; i++)
            order[i] = i;
        if (p->nparam == 1) /* by the key's value: a curve */
            for (int a = 1; a < s->n; a++)
                for (int b = a; b > 0 && s->pts[order[b]].x[0] < s->pts[order[b - 1]].x[0]; b--) {
                    int t = order[b];
                    order[b] = order[b - 1];
                    order[b - 1] = t;
                }
        fputs("x,mean,ci_low,ci_high\n", f);
        for (int i = 0; i < s->n; i++) {
            const opt_point *pt = &s->pts[order[i]];
            if (isnan(pt->obj))
                continue;
            double half = isnan(pt->obj_se) ? 0 : 1.96 * pt->obj_se;
            fprintf(f, "%.10g,%.10g,%.10g,%.10g\n", p->nparam == 1 ? pt->x[0] : (double)order[i] + 1,
                    pt->obj, pt->obj - half, pt->obj + half);
        }
        free(order);
    }
    if (out_commit(f, tmp, dir, "optimize_plot.csv", d))
        return d->status;
    plot_series ps = { "optimize_plot.csv", .legend = tr(lang_ui(), "mean over the search's replications") };
    if (grid2) {
        snprintf(title, sizeof title, tr(lang_ui(), "%s: %s over the grid (mean of the search's replications)"),
                 name, obj);
        if (figures_series(dir, "optimize_plot.csv", p->param[0].key, p->param[0].key, NULL, NULL, &ps, d))
            return d->status;
        ps.legend = ylabel;
        char ylab2[400];
        if (p->param[1].unit[0])
            snprintf(ylab2, sizeof ylab2, "%s (%s)", p->param[1].key, p->param[1].unit);
        else
            snprintf(ylab2, sizeof ylab2, "%s", p->param[1].key);
        plot_spec sp = { "optimize", PLOT_HEATMAP, PLOT_PNG, title, ylab2, xlabel,
                         &ps, 1, 0, money ? "%.1s %c" : NULL, 0, 0 };
        return figures_render(dir, &sp, PLOT_PNG, lang_ui(), d);
    }
    if (figures_series(dir, "optimize_plot.csv", "x", "mean", "ci_low", "ci_high", &ps, d))
        return d->status;
    if (p->nparam == 1)
        snprintf(title, sizeof title, tr(lang_ui(), "%s: %s against %s (mean and 95 %% CI)"), name, obj,
                 p->param[0].key);
    else
        snprintf(title, sizeof title, tr(lang_ui(), "%s: %s at each evaluation of the search (mean and 95 %% CI)"),
                 name, obj);
    /* money in k and M, as every money axis of retsim (present/figures.c) */
    plot_spec sp = { "optimize", PLOT_LINES_BANDS, PLOT_PNG, title,
                     p->nparam == 1 ? xlabel : tr(lang_ui(), "evaluation (in order)"), ylabel,
                     &ps, 1, 0, money ? "%.1s %c" : NULL, 0, 0 };
    return figures_render(dir, &sp, PLOT_PNG, lang_ui(), d);
}

int optimize_write(const char *dir, const opt_problem *p, const opt_search *s,
                   const opt_final *f, const scenario *best, diag *d)
{
    if (out_mkdirs(dir, d) || out_write_scenario(dir, best, d) || write_candidates(dir, p, s, d)
        || write_top(dir, p, s, f, d) || write_summary(dir, p, s, f, best, d)
        || write_figure(dir, p, s, best, d))
        return d->status;
    return 0;
}

void optimize_verdict(char *buf, size_t cap, const opt_problem *p, const opt_search *s,
                      const opt_final *f, const char *currency, lang_id lang)
{
    if (f->best < 0) {
        snprintf(buf, cap, "%s", tr(lang, "no candidate could be compared"));
        return;
    }
    int b = f->best;
    char t[600];
    terms(t, sizeof t, p, s->pts[f->idx[b]].x);
    const char *obj = metric_table[p->objective].name;
    const char *unit = !strcmp(metric_table[p->objective].unit, "currency") ? currency : "";
    char g[40], lo[40], hi[40];
    num(g, sizeof g, f->gain[b], 1);
    num(lo, sizeof lo, f->gain_lo[b], 1);
    num(hi, sizeof hi, f->gain_hi[b], 1);
    size_t n;
    if (f->ntied > 1) {
        n = (size_t)snprintf(buf, cap, tr(lang, "these are tied (differences within the Monte Carlo "
                                                "error): %s"), t);
        for (int j = 0; j < f->k && n < cap; j++)
            if (j != b && f->tied[j]) {
                terms(t, sizeof t, p, s->pts[f->idx[j]].x);
                n += (size_t)snprintf(buf + n, cap - n, "; %s", t);
            }
        if (n < cap)
            n += (size_t)snprintf(buf + n, cap - n,
                                  tr(lang, "; the first gains %s %s [%s, %s] in %s over doing nothing"),
                                  g, unit, lo, hi, obj);
    } else {
        n = (size_t)snprintf(buf, cap, tr(lang, "best: %s: %s %s %s [%s, %s] over doing nothing, "
                                                "P(best) %.2f"),
                             t, obj, g, unit, lo, hi, f->p_best[b]);
    }
    if (n < cap && !(f->gain_lo[b] > 0))
        n += (size_t)snprintf(buf + n, cap - n, "%s",
                              tr(lang, "; not clearly better than doing nothing (the interval holds 0 "
                                       "or lies below it)"));
    if (n < cap && !f->feasible[b])
        snprintf(buf + n, cap - n, "%s",
                 tr(lang, "; NO candidate meets the constraints on the final comparison's means"));
}

void optimize_print(FILE *out, const opt_problem *p, const opt_search *s, const opt_final *f,
                    const char *currency, const char *outdir, lang_id lang)
{
    const char *obj = metric_table[p->objective].name;
    fprintf(out, tr(lang, "%d candidates evaluated (%s, %d replications each, seed %llu); the top %d "
                          "against doing nothing (%s) on %d fresh replications, paired:\n"),
            s->n, s->method == OPT_METHOD_GRID ? tr(lang, "full grid") : tr(lang, "NLopt Sbplx"),
            p->run.reps, (unsigned long long)p->run.seed, f->k, p->base_path, f->reps);
    fprintf(out, "  %-40s %-32s %-32s %7s\n", tr(lang, "terms"), obj, tr(lang, "gain over doing nothing"),
            tr(lang, "P(best)"));
    int order[OPT_MAX_TOP];
    rank_order(f, order);
    for (int r = 0; r < f->k; r++) {
        int j = order[r];
        char t[600], a[160], g[160], x1[40], x2[40], x3[40];
        terms(t, sizeof t, p, s->pts[f->idx[j]].x);
        num(x1, sizeof x1, f->obj[j], 0);
        num(x2, sizeof x2, f->obj_lo[j], 0);
        num(x3, sizeof x3, f->obj_hi[j], 0);
        snprintf(a, sizeof a, "%s [%s, %s]", x1, x2, x3);
        num(x1, sizeof x1, f->gain[j], 1);
        num(x2, sizeof x2, f->gain_lo[j], 1);
        num(x3, sizeof x3, f->gain_hi[j], 1);
        snprintf(g, sizeof g, "%s [%s, %s]", x1, x2, x3);
        fprintf(out, "  %-40s %-32s %-32s %7.2f %s%s\n", t, a, g, f->p_best[j],
                j == f->best ? tr(lang, "best") : f->tied[j] ? tr(lang, "tied") : "",
                f->feasible[j] ? "" : tr(lang, " (breaks the constraint)"));
    }
    char v[2048];
    optimize_verdict(v, sizeof v, p, s, f, currency, lang);
    fprintf(out, "%s\n", v);
    fprintf(out, tr(lang, "wrote %s/ (candidates.csv, top.csv, summary.json, optimize.png, scenario.ini "
                          "at the best terms)\n"), outdir);
}
