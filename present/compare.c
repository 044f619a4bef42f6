#include "compare.h"

#include <errno.h>
#include <gsl/gsl_cdf.h>
#include <jansson.h>
#include <math.h>
#include <string.h>

#include "figures.h"
#include "output.h"
#include "../sim/sections.h"
#include "../sim/lang.h"

/* 1 when some scenario of res was drawn, -1 when some has uncertain keys
 * held at their point values, else 0 */
static int run_uncertainty(const run_result *res, int flag)
{
    for (int k = 0; k < res->nscen; k++) {
        if (res->scen[k].uncertain == 1 || res->scen[k].diff_uncertain)
            return 1;
        if (res->scen[k].uncertain < 0)
            flag = -1;
    }
    return flag;
}

void compare_from_paired(compare_table *t, const run_result *res)
{
    t->nscen = res->nscen;
    t->paired = 1;
    t->reps = res->reps;
    t->param_uncertainty = run_uncertainty(res, 0);
    t->draws = res->draws;
    for (int k = 0; k < res->nscen; k++)
        for (int m = 0; m < MET_COUNT; m++) {
            t->value[k][m] = stat_vec_get(res->scen[k].metric, (size_t)m);
            if (k > 0)
                t->diff[k][m] = stat_vec_get(res->scen[k].diff, (size_t)m);
        }
}

/* Welch's interval for the difference of two independent means. */
static stat_summary welch(const stat_summary *a, const stat_summary *b)
{
    stat_summary r = { NAN, NAN, NAN, NAN, a->n < b->n ? a->n : b->n };
    if (a->n < 2 || b->n < 2 || isnan(a->mean) || isnan(b->mean))
        return r;
    double va = a->sd * a->sd / a->n, vb = b->sd * b->sd / b->n;
    double dfa = (double)(a->n - 1), dfb = (double)(b->n - 1);
    if (a->uncertain || b->uncertain) {
        /* with parameter draws each mean's variance is the one behind its
         * interval (sim/stats.c), on that interval's degrees of freedom */
        va = a->se * a->se;
        vb = b->se * b->se;
        dfa = a->df;
        dfb = b->df;
        r.uncertain = 1;
        double pa = a->uncertain ? a->param_share : 0, pb = b->uncertain ? b->param_share : 0;
        r.param_share = va + vb > 0 ? (pa * va + pb * vb) / (va + vb) : 0;
    }
    r.mean = a->mean - b->mean;
    r.sd = sqrt(va + vb);
    double df = (va + vb) * (va + vb)
                / (va * va / dfa + vb * vb / dfb);
    double half = (va + vb) > 0 ? gsl_cdf_tdist_Pinv(0.975, df) * r.sd : 0;
    r.ci_low = r.mean - half;
    r.ci_high = r.mean + half;
    if (r.uncertain) {
        r.se = r.sd;
        r.df = df;
        r.mc_halfwidth = half * sqrt(1 - r.param_share);
    }
    return r;
}

void compare_from_independent(compare_table *t, run_result *const *res, int n)
{
    t->nscen = n;
    t->paired = 0;
    t->reps = res[0]->reps;
    t->param_uncertainty = 0;
    for (int k = 0; k < n; k++) {
        int u = run_uncertainty(res[k], 0);
        if (u > 0 || (u < 0 && t->param_uncertainty == 0))
            t->param_uncertainty = u;
        if (res[k]->draws)
            t->draws = res[k]->draws;
    }
    for (int k = 0; k < n; k++)
        for (int m = 0; m < MET_COUNT; m++) {
            t->value[k][m] = stat_vec_get(res[k]->scen[0].metric, (size_t)m);
            if (k > 0)
                t->diff[k][m] = welch(&t->value[k][m], &t->value[0][m]);
        }
}

void compare_relative(const compare_table *t, int k, int m, double *rel, double *lo, double *hi)
{
    double base = fabs(t->value[0][m].mean);
    const stat_summary *d = &t->diff[k][m];
    if (!(base > 0) || isnan(d->mean)) {
        *rel = *lo = *hi = NAN;
        return;
    }
    *rel = d->mean / base;
    *lo = d->ci_low / base;
    *hi = d->ci_high / base;
}

compare_verdict_id compare_verdict_rule(int m, double base_mean, const stat_summary *diff,
                                        double material_override)
{
    if (isnan(diff->mean) || isnan(diff->ci_low) || isnan(diff->ci_high))
        return VERDICT_NA;
    /* not clear: the interval holds 0 (a zero-width interval at 0 too) */
    if (!(diff->ci_low > 0) && !(diff->ci_high < 0))
        return VERDICT_NONE;
    double threshold = metric_material(m, material_override);
    double size;
    if (metric_material_is_absolute(m))
        size = fabs(diff->mean);
    else if (fabs(base_mean) > 0)
        size = fabs(diff->mean) / fabs(base_mean);
    else if (isnan(base_mean))
        return VERDICT_NA;
    else
        size = INFINITY; /* something from nothing (a cost the base never had) */
    if (!(size >= threshold))
        return VERDICT_NONE;
    return diff->ci_low > 0 ? VERDICT_UP : VERDICT_DOWN;
}

compare_verdict_id compare_verdict(const compare_table *t, int k, int m)
{
    if (k < 1 || k >= t->nscen)
        return VERDICT_NA;
    return compare_verdict_rule(m, t->value[0][m].mean, &t->diff[k][m], t->material);
}

const char *compare_verdict_word(compare_verdict_id v, lang_id lang)
{
    switch (v) {
    case VERDICT_UP: return tr(lang, "up");
    case VERDICT_DOWN: return tr(lang, "down");
    case VERDICT_NONE: return tr(lang, "no material change");
    default: return "n/a";
    }
}

const char *compare_verdict_key(compare_verdict_id v)
{
    return v == VERDICT_NA ? NULL : compare_verdict_word(v, LANG_EN);
}

compare_verdict_id compare_verdict_parse(const char *text)
{
    if (!text)
        return VERDICT_NA;
    for (compare_verdict_id v = VERDICT_UP; v <= VERDICT_NONE; v++)
        if (!strcmp(text, compare_verdict_key(v)))
            return v;
    return VERDICT_NA;
}

void compare_material_text(char *buf, size_t cap, int m, double material_override, lang_id lang)
{
    double x = metric_material(m, material_override);
    if (metric_material_is_absolute(m))
        snprintf(buf, cap, tr(lang, "%g pp"), 100 * x);
    else
        snprintf(buf, cap, tr(lang, "%g %% of the base"), 100 * x);
}

/* A metric of a mechanism no scenario of the batch has (the queue): left
 * out of the tables, so batches without it keep their outputs. */
static int left_out(const compare_table *t, int m)
{
    if (!metric_table[m].optional)
        return 0;
    for (int k = 0; k < t->nscen; k++)
        if (!isnan(t->value[k][m].mean))
            return 0;
    return 1;
}

/* ",param_share,mc_halfwidth" of a value or difference; empty cells when
 * it carries no parameter uncertainty (a base without uncertain keys) */
static void uncertainty_cells(FILE *f, const stat_summary *s)
{
    out_csv_number(f, s->uncertain ? s->param_share : NAN);
    out_csv_number(f, s->uncertain ? s->mc_halfwidth : NAN);
}

static void uncertainty_json(json_t *o, const char *prefix, const stat_summary *s)
{
    if (!s->uncertain)
        return;
    char key[64];
    snprintf(key, sizeof key, "%sparam_share", prefix);
    json_object_set_new(o, key, out_json_number(s->param_share));
    snprintf(key, sizeof key, "%smc_halfwidth", prefix);
    json_object_set_new(o, key, out_json_number(s->mc_halfwidth));
}

static int write_tables(const char *dir, const batch *b, const compare_table *t, diag *d)
{
    char tmp[4200];
    FILE *f = out_open(dir, "compare.csv", tmp, sizeof tmp, d);
    if (!f)
        return d->status;
    int drawn = t->param_uncertainty == 1;
    fputs(drawn ? "metric,scenario,file,mean,ci_low,ci_high,diff_mean,diff_ci_low,diff_ci_high,"
                  "rel_change,rel_ci_low,rel_ci_high,verdict,material_threshold,param_share,"
                  "mc_halfwidth,diff_param_share,diff_mc_halfwidth\n"
                : "metric,scenario,file,mean,ci_low,ci_high,diff_mean,diff_ci_low,diff_ci_high,"
                  "rel_change,rel_ci_low,rel_ci_high,verdict,material_threshold\n", f);
    for (int m = 0; m < MET_COUNT; m++)
        for (int k = 0; k < t->nscen && !left_out(t, m); k++) {
            const stat_summary *v = &t->value[k][m];
            fprintf(f, "%s,%s,%s", metric_table[m].name, scen_name(b->sc[k]), b->sc[k]->path);
            out_csv_number(f, v->mean);
            out_csv_number(f, v->ci_low);
            out_csv_number(f, v->ci_high);
            if (k == 0) {
                fputs(",,,,,,,,", f);
                if (drawn) {
                    uncertainty_cells(f, v);
                    fputs(",,", f);
                }
                fputc('\n', f);
                continue;
            }
            double rel, lo, hi;
            compare_relative(t, k, m, &rel, &lo, &hi);
            out_csv_number(f, t->diff[k][m].mean);
            out_csv_number(f, t->diff[k][m].ci_low);
            out_csv_number(f, t->diff[k][m].ci_high);
            out_csv_number(f, rel);
            out_csv_number(f, lo);
            out_csv_number(f, hi);
            const char *word = compare_verdict_key(compare_verdict(t, k, m));
            fprintf(f, ",%s", word ? word : "");
            out_csv_number(f, metric_material(m, t->material));
            if (drawn) {
                uncertainty_cells(f, v);
                uncertainty_cells(f, &t->diff[k][m]);
            }
            fputc('\n', f);
        }
    if (out_commit(f, tmp, dir, "compare.csv", d))
        return d->status;

    json_t *root = json_object();
    json_object_set_new(root, "base", json_string(b->sc[0]->path));
    json_object_set_new(root, "base_name", json_string(scen_name(b->sc[0])));
    json_object_set_new(root, "seed", json_integer((json_int_t)t->seed));
    json_object_set_new(root, "replications", json_integer(t->reps));
    json_object_set_new(root, "paired", json_boolean(t->paired));
    json_object_set_new(root, "method", json_string(
        t->paired ? "common random numbers: differences taken replication by replication"
                  : "independent seeds: Welch interval for the difference of means"));
    json_object_set_new(root, "verdict_rule", json_string(
        "up or down only when the 95 % interval of the difference excludes 0 and the change is "
        "material: at least material_threshold of the base's mean, or for shares at least "
        "material_threshold in absolute terms (0.005 = 0.5 percentage points); otherwise "
        "no material change"));
    if (t->material > 0)
        json_object_set_new(root, "material", json_real(t->material));
    if (t->param_uncertainty) {
        json_t *u = json_object();
        json_object_set_new(u, "drawn", json_boolean(t->param_uncertainty == 1));
        if (t->param_uncertainty == 1) {
            json_object_set_new(u, "draws", json_integer(t->draws));
            json_object_set_new(u, "note", json_string(
                "each pair of replications shares one parameter draw, the same for the base and "
                "every variant (a key both hold draws the same value), so the differences stay "
                "paired; every interval carries the parameters' uncertainty and the Monte Carlo "
                "noise, param_share saying how much of its variance is the parameters' "
                "(docs/whatif.md)"));
        } else {
            json_object_set_new(u, "note", json_string(
                "--param-uncertainty off: every uncertain key at its point value, the draws file "
                "ignored; the intervals are Monte Carlo noise only"));
        }
        json_object_set_new(root, "parameter_uncertainty", u);
    }
    json_t *bm = json_object();
    for (int m = 0; m < MET_COUNT; m++) {
        if (left_out(t, m))
            continue;
        json_t *o = json_object();
        json_object_set_new(o, "mean", out_json_number(t->value[0][m].mean));
        json_object_set_new(o, "ci_low", out_json_number(t->value[0][m].ci_low));
        json_object_set_new(o, "ci_high", out_json_number(t->value[0][m].ci_high));
        uncertainty_json(o, "", &t->value[0][m]);
        json_object_set_new(bm, metric_table[m].name, o);
    }
    json_object_set_new(root, "base_metrics", bm);
    json_t *variants = json_array();
    for (int k = 1; k < t->nscen; k++) {
        json_t *v = json_object();
        json_object_set_new(v, "file", json_string(b->sc[k]->path));
        json_object_set_new(v, "name", json_string(scen_name(b->sc[k])));
        json_object_set_new(v, "promotions", out_json_promotions(b->e[k]));
        json_t *ms = json_object();
        for (int m = 0; m < MET_COUNT; m++) {
            if (left_out(t, m))
                continue;
            double rel, lo, hi;
            compare_relative(t, k, m, &rel, &lo, &hi);
            json_t *o = json_object();
            json_object_set_new(o, "mean", out_json_number(t->value[k][m].mean));
            json_object_set_new(o, "ci_low", out_json_number(t->value[k][m].ci_low));
            json_object_set_new(o, "ci_high", out_json_number(t->value[k][m].ci_high));
            json_object_set_new(o, "diff_mean", out_json_number(t->diff[k][m].mean));
            json_object_set_new(o, "diff_ci_low", out_json_number(t->diff[k][m].ci_low));
            json_object_set_new(o, "diff_ci_high", out_json_number(t->diff[k][m].ci_high));
            json_object_set_new(o, "rel_change", out_json_number(rel));
            json_object_set_new(o, "rel_ci_low", out_json_number(lo));
            json_object_set_new(o, "rel_ci_high", out_json_number(hi));
            const char *word = compare_verdict_key(compare_verdict(t, k, m));
            json_object_set_new(o, "verdict", word ? json_string(word) : json_null());
            json_object_set_new(o, "material_threshold", json_real(metric_material(m, t->material)));
            json_object_set_new(o, "material_kind",
                                json_string(metric_material_is_absolute(m) ? "absolute" : "relative"));
            uncertainty_json(o, "", &t->value[k][m]);
            uncertainty_json(o, "diff_", &t->diff[k][m]);
            json_object_set_new(ms, metric_table[m].name, o);
        }
        json_object_set_new(v, "metrics", ms);
        json_array_append_new(variants, v);
    }
    json_object_set_new(root, "variants", variants);
    return out_json_commit(root, dir, "compare.json", d);
}

/* Differences of the cumulative profit and active customers from the base. */
static int write_diff_curves(const char *dir, const run_result *res, diag *d)
{
    char tmp[4200];
    FILE *f = out_open(dir, "diff.csv", tmp, sizeof tmp, d);
    if (!f)
        return d->status;
    fputs("day", f);
    for (int k = 1; k < res->nscen; k++)
        fprintf(f, ",v%d_cum_profit_diff,v%d_cum_profit_diff_ci_low,v%d_cum_profit_diff_ci_high",
                k, k, k);
    fputc('\n', f);
    int H = res->scen[0].horizon;
    for (int t = 0; t <= H; t++) {
        fprintf(f, "%d", t);
        for (int k = 1; k < res->nscen; k++) {
            stat_summary s = stat_vec_get(res->scen[k].diff_curve[CUR_CUM_PROFIT], (size_t)t);
            out_csv_number(f, s.mean);
            out_csv_number(f, s.ci_low);
            out_csv_number(f, s.ci_high);
        }
        fputc('\n', f);
    }
    return out_commit(f, tmp, dir, "diff.csv", d);
}

int compare_write(const char *dir, const batch *b, const compare_table *t,
                  const char subdirs[][160], const run_result *paired, lang_id lang,
                  diag *d)
{
    if (write_tables(dir, b, t, d))
        return d->status;
    if (paired && write_diff_curves(dir, paired, d))
        return d->status;
    const char *names[BATCH_MAX];
    for (int k = 0; k < t->nscen; k++)
        names[k] = scen_name(b->sc[k]);
    return figures_compare(dir, names, subdirs, t->nscen, paired != NULL, scen_currency(b->sc[0]),
                           lang, PLOT_PNG, d);
}

/* The key metrics as the console verdicts name them: by key in English (as
 * --set, compare.csv and the README do), by label in another language. */
static const char *verdict_label(int m, lang_id lang)
{
    return lang == LANG_EN ? metric_table[m].name : metric_label(m, lang);
}

/* Prints a label padded to a width in terminal columns: a CJK character
 * (three bytes of UTF-8 here) takes two columns, which printf's %-24s
 * cannot know. */
static void put_label(FILE *f, const char *label, int width)
{
    int cols = 0;
    for (const unsigned char *p = (const unsigned char *)label; *p; p++)
        if ((*p & 0xC0) != 0x80)
            cols += *p >= 0xE0 ? 2 : 1;
    fprintf(f, "  %s%*s", label, cols < width ? width - cols : 1, "");
}

void compare_print_verdicts(FILE *f, const batch *b, const compare_table *t, lang_id lang)
{
    const scenario_params *sp = scen_get(b->sc[0], &section_scenario);
    int ret = sp->horizon_days > 365 ? MET_RETENTION_365 : MET_RETENTION_90;
    const int key_new[] = { MET_PROFIT, MET_REVENUE, MET_NEW_CUSTOMERS, ret, MET_REPEAT_RATE, MET_CLV };
    /* a fitted base: what its existing customers do comes first, the new
     * customers' metrics only when some arrive */
    const int key_base[] = { MET_PROFIT, MET_REVENUE, MET_BASE_PURCHASES, MET_BASE_RETURNING,
                             MET_BASE_ALIVE_END, MET_NEW_CUSTOMERS, MET_REPEAT_RATE };
    int based = !isnan(t->value[0][MET_BASE_CUSTOMERS].mean);
    const int *key = based ? key_base : key_new;
    size_t nkey = based ? (t->value[0][MET_NEW_CUSTOMERS].mean > 0 ? 7 : 5) : 6;
    fprintf(f, tr(lang, "variants against %s, %d replications%s:\n"), scen_name(b->sc[0]), t->reps,
            t->paired ? tr(lang, ", paired (common random numbers)") : tr(lang, ", independent seeds"));
    char rel_text[64], pp_text[64];
    compare_material_text(rel_text, sizeof rel_text, MET_PROFIT, t->material, lang);
    compare_material_text(pp_text, sizeof pp_text, MET_REPEAT_RATE, t->material, lang);
    fprintf(f, tr(lang, "(up or down only when the 95 %% CI excludes 0 and the change is at least %s,\n"
                        " shares at least %s; otherwise no material change; set it with --material)\n"),
            rel_text, pp_text);
    if (t->param_uncertainty == 1)
        fprintf(f, tr(lang, "(intervals include parameter uncertainty: %d draws, each shared by the base "
                            "and every variant)\n"), t->draws);
    else if (t->param_uncertainty < 0)
        fprintf(f, "%s\n", tr(lang, "(parameter uncertainty off: every uncertain key at its point "
                                    "value; intervals are Monte Carlo noise only)"));
    for (int k = 1; k < t->nscen; k++) {
        fprintf(f, "%s:\n", scen_name(b->sc[k]));
        out_print_applied(f, b->e[k], lang);
        for (size_t i = 0; i < nkey; i++) {
            int m = key[i];
            double rel, lo, hi;
            compare_relative(t, k, m, &rel, &lo, &hi);
            const stat_summary *dd = &t->diff[k][m];
            const char *label = verdict_label(m, lang);
            put_label(f, label, 25);
            if (isnan(rel)) {
                fprintf(f, "n/a\n");
                continue;
            }
            const char *verdict = compare_verdict_word(compare_verdict(t, k, m), lang);
            if (!strcmp(metric_table[m].unit, "share"))
                /* a share's change reads best in percentage points */
                fprintf(f, "%+7.1f pp [%+.1f pp, %+.1f pp]  (%+.1f %% %s)  %s\n", 100 * dd->mean,
                        100 * dd->ci_low, 100 * dd->ci_high, 100 * rel, tr(lang, "relative"),
                        verdict);
            else
                fprintf(f, "%+7.1f %%  [%+.1f %%, %+.1f %%]   %s\n", 100 * rel, 100 * lo, 100 * hi,
                        verdict);
        }
        const stat_summary *pd = &t->diff[k][MET_PROFIT];
        if (pd->uncertain && !isnan(pd->param_share))
            fprintf(f, tr(lang, "  (profit's difference: %.0f %% of its interval's variance from the "
                                "parameters)\n"), 100 * pd->param_share);
        const stat_summary *liab = &t->value[k][MET_LIABILITY_END];
        if (liab->mean > 0) {
            fprintf(f, tr(lang, "  liability_end            %.0f %s still owed to customers at the horizon "
                                "(not in profit)\n"),
                    liab->mean, scen_currency(b->sc[0]));
        }
    }
}

int compare_parse_material(const char *text, double *out, diag *d)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (!*text || end == text || *end != '%' || end[1] || errno == ERANGE || !isfinite(v)
        || strpbrk(text, "xXpP"))
        return diag_set(d, DIAG_USAGE,
                        "--material '%s': expected a percentage such as 1%% (a change smaller than "
                        "that share of the base, or for shares that many percentage points, reads "
                        "\"no material change\")", text);
    if (!(v > 0) || !(v < 100))
        return diag_set(d, DIAG_USAGE, "--material %s is out of range: expected more than 0%% and "
                                       "less than 100%%", text);
    *out = v / 100;
    return 0;
}
