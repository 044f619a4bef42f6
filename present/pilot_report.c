/* pilot_report: see pilot_report.h. */
#include "pilot_report.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../sim/dates.h"
#include "figures.h"
#include "output.h"

static const char *const group_name[2] = { "control", "treatment" };

static int write_balance(const char *dir, const pilot_result *r, diag *d)
{
    char tmp[4200];
    FILE *f = out_open(dir, "balance.csv", tmp, sizeof tmp, d);
    if (!f)
        return d->status;
    fprintf(f, "variable,mean_treatment,sd_treatment,mean_control,sd_control,standardized_difference\n");
    for (int k = 0; k < PILOT_NBAL; k++) {
        const pilot_balance *b = &r->bal[k];
        fprintf(f, "%s,%.6g,%.6g,%.6g,%.6g,%.4f\n", b->variable, b->mean[PILOT_T], b->sd[PILOT_T],
                b->mean[PILOT_C], b->sd[PILOT_C], b->smd);
    }
    return out_commit(f, tmp, dir, "balance.csv", d);
}

static const char *const lever_name[LEVER_COUNT] = { "purchase_rate", "dropout", "spend_per_visit" };

int pilot_too_short(const pilot_result *r, const pilot_model *m)
{
    return r->post_days < m->median_interval_days;   /* false when NaN */
}

/* the 95 % interval of a lever's ratio */
static void lever_ci(const pilot_levers *l, int j, double *lo, double *hi)
{
    *lo = exp(l->log_ratio[j] - 1.959964 * l->se[j]);
    *hi = exp(l->log_ratio[j] + 1.959964 * l->se[j]);
}

/* levers.csv: what the rollout reads (fit/pilot_levers.h) */
static int write_levers(const char *dir, const pilot_model *m, diag *d)
{
    char tmp[4200];
    FILE *f = out_open(dir, "levers.csv", tmp, sizeof tmp, d);
    if (!f)
        return d->status;
    fprintf(f, "lever,log_ratio,se,ratio,ci_low,ci_high,estimated,source\n");
    for (int j = 0; j < LEVER_COUNT; j++) {
        double lo, hi;
        lever_ci(&m->lev, j, &lo, &hi);
        fprintf(f, "%s,%.6g,%.6g,%.6g,%.6g,%.6g,%d,%s\n", lever_name[j], m->lev.log_ratio[j], m->lev.se[j],
                exp(m->lev.log_ratio[j]), lo, hi, m->lev.estimated[j], m->lever_source[j]);
    }
    return out_commit(f, tmp, dir, "levers.csv", d);
}

static int write_effect(const char *dir, const pilot_result *r, const pilot_model *m, diag *d)
{
    char tmp[4200];
    FILE *f = out_open(dir, "effect.csv", tmp, sizeof tmp, d);
    if (!f)
        return d->status;
    fprintf(f, "metric,method,diff,ci_low,ci_high,relative,se,mean_treatment,mean_control,n_t,n_c,"
               "variance_reduction\n");
    for (int k = 0; k < 4; k++) {
        const pilot_effect *e = &r->eff[k];
        if (r->no_history && k % 2)   /* no history: no CUPED (its rows would repeat the raw ones) */
            continue;
        fprintf(f, "%s_per_customer,%s,%.6g,%.6g,%.6g", e->metric, e->method, e->diff, e->ci_low,
                e->ci_high);
        out_csv_number(f, e->relative);
        fprintf(f, ",%.6g,%.6g,%.6g,%d,%d,%.4f\n", e->se, e->mean[PILOT_T], e->mean[PILOT_C],
                e->n[PILOT_T], e->n[PILOT_C], e->var_reduction);
    }
    if (!m->fallback) {   /* the purchase model's counterpart, beside CUPED's */
        double base = r->eff[0].mean[PILOT_C];
        fprintf(f, "purchases_per_customer,model,%.6g,%.6g,%.6g", m->extra, m->extra - 1.959964 * m->extra_se,
                m->extra + 1.959964 * m->extra_se);
        out_csv_number(f, base != 0 ? m->extra / base : NAN);
        fprintf(f, ",%.6g,,,%d,%d,\n", m->extra_se, m->n[PILOT_T], m->n[PILOT_C]);
    }
    return out_commit(f, tmp, dir, "effect.csv", d);
}

static int write_weekly(const char *dir, const pilot_result *r, diag *d)
{
    char tmp[4200];
    FILE *f = out_open(dir, "pilot_weekly.csv", tmp, sizeof tmp, d);
    if (!f)
        return d->status;
    fprintf(f, "week,treatment_mean,treatment_ci_low,treatment_ci_high,control_mean,control_ci_low,"
               "control_ci_high\n");
    for (int w = 0; w < r->nweeks; w++) {
        const pilot_week *p = &r->weeks[w];
        fprintf(f, "%d,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g\n", p->week, p->mean[PILOT_T], p->low[PILOT_T],
                p->high[PILOT_T], p->mean[PILOT_C], p->low[PILOT_C], p->high[PILOT_C]);
    }
    if (out_commit(f, tmp, dir, "pilot_weekly.csv", d))
        return d->status;
    plot_series ser[] = { { .legend = "treatment" }, { .legend = "control" } };
    if (figures_series(dir, "pilot_weekly.csv", "week", "treatment_mean", "treatment_ci_low",
                       "treatment_ci_high", &ser[0], d)
        || figures_series(dir, "pilot_weekly.csv", "week", "control_mean", "control_ci_low",
                          "control_ci_high", &ser[1], d))
        return d->status;
    plot_spec sp = { "pilot_weekly", PLOT_LINES_BANDS, PLOT_PNG,
                     "Pilot: purchases per customer by week since the start, by group",
                     "weeks since the pilot's start (weeks)", "purchases per customer (per week)", ser,
                     2, 0, NULL, 0, 0 };
    sp.band_legend = "95 % CI of the group's mean";
    return figures_render(dir, &sp, PLOT_PNG, LANG_EN, d);
}

static json_t *effect_json(const pilot_effect *e)
{
    json_t *o = json_object();
    json_object_set_new(o, "diff", out_json_number(e->diff));
    json_object_set_new(o, "ci_low", out_json_number(e->ci_low));
    json_object_set_new(o, "ci_high", out_json_number(e->ci_high));
    json_object_set_new(o, "se", out_json_number(e->se));
    json_object_set_new(o, "relative", out_json_number(e->relative));
    json_object_set_new(o, "mean_treatment", out_json_number(e->mean[PILOT_T]));
    json_object_set_new(o, "mean_control", out_json_number(e->mean[PILOT_C]));
    json_object_set_new(o, "n_t", json_integer(e->n[PILOT_T]));
    json_object_set_new(o, "n_c", json_integer(e->n[PILOT_C]));
    if (!strcmp(e->method, "cuped")) {
        json_object_set_new(o, "theta", out_json_number(e->theta));
        json_object_set_new(o, "variance_reduction", out_json_number(e->var_reduction));
    }
    return o;
}

static json_t *model_json(const pilot_result *r, const pilot_model *m)
{
    json_t *o = json_object();
    json_object_set_new(o, "fallback", json_boolean(m->fallback));
    if (m->fallback)
        json_object_set_new(o, "fallback_reason", json_string(m->fallback_why));
    json_t *lev = json_object();
    for (int j = 0; j < LEVER_COUNT; j++) {
        json_t *l = json_object();
        double lo, hi;
        lever_ci(&m->lev, j, &lo, &hi);
        json_object_set_new(l, "estimated", json_boolean(m->lev.estimated[j]));
        json_object_set_new(l, "ratio", out_json_number(exp(m->lev.log_ratio[j])));
        json_object_set_new(l, "ci_low", out_json_number(lo));
        json_object_set_new(l, "ci_high", out_json_number(hi));
        json_object_set_new(l, "log_ratio", out_json_number(m->lev.log_ratio[j]));
        json_object_set_new(l, "se", out_json_number(m->lev.se[j]));
        json_object_set_new(l, "source", json_string(m->lever_source[j]));
        json_object_set_new(lev, lever_name[j], l);
    }
    json_object_set_new(o, "levers", lev);
    /* the rate and dropout estimates' correlation (one likelihood): the
     * rollout draws them jointly; null when either is not estimated */
    double sr = m->lev.se[LEVER_RATE], sd = m->lev.se[LEVER_DROPOUT];
    int both = m->lev.estimated[LEVER_RATE] && m->lev.estimated[LEVER_DROPOUT] && sr > 0 && sd > 0;
    json_object_set_new(o, "rate_dropout_correlation",
                        both ? out_json_number(m->lev.cov_rate_dropout / (sr * sd)) : json_null());
    json_object_set_new(o, "median_days_between_purchases", out_json_number(m->median_interval_days));
    json_object_set_new(o, "too_short", json_boolean(pilot_too_short(r, m)));
    if (!m->fallback) {
        static const char *const bgn[6] = { "r", "alpha", "a", "b", "rate_ratio", "dropout_ratio" };
        static const char *const ggn[4] = { "p", "q", "gamma", "spend_ratio" };
        json_t *bg = json_object(), *gg = json_object();
        for (int j = 0; j < 6; j++) {
            json_t *p = json_object();
            json_object_set_new(p, "value", out_json_number(m->bg[j]));
            json_object_set_new(p, "se", out_json_number(m->bg_se[j]));
            json_object_set_new(bg, bgn[j], p);
        }
        json_object_set_new(bg, "period", json_string("week"));
        json_object_set_new(bg, "loglik", out_json_number(m->bg_loglik));
        json_object_set_new(bg, "starts", json_integer(m->bg_starts));
        json_object_set_new(bg, "starts_at_best", json_integer(m->bg_agree));
        if (m->dropout_fixed)
            json_object_set_new(bg, "dropout_fixed_because", json_string(m->dropout_why));
        json_object_set_new(o, "purchase_model", bg);
        if (m->gg_converged) {
            for (int j = 0; j < 4; j++) {
                json_t *p = json_object();
                json_object_set_new(p, "value", out_json_number(m->gg[j]));
                json_object_set_new(p, "se", out_json_number(m->gg_se[j]));
                json_object_set_new(gg, ggn[j], p);
            }
            json_object_set_new(gg, "customers", json_integer(m->n_spend));
            json_object_set_new(gg, "loglik", out_json_number(m->gg_loglik));
        }
        json_object_set_new(o, "spend_model", gg);
        json_t *a = json_object();
        json_object_set_new(a, "model_extra_purchases_per_customer", out_json_number(m->extra));
        json_object_set_new(a, "model_se", out_json_number(m->extra_se));
        json_object_set_new(a, "cuped_diff", out_json_number(r->eff[1].diff));
        json_object_set_new(a, "cuped_se", out_json_number(r->eff[1].se));
        json_object_set_new(a, "z", out_json_number(m->agree_z));
        json_object_set_new(a, "agree", json_boolean(m->agree));
        json_object_set_new(o, "agreement_with_cuped", a);
    }
    return o;
}

static int write_summary(const char *dir, const char *log, const char *group_col, const pilot_result *r,
                         const pilot_model *m, diag *d)
{
    char s[16], e[16];
    date_format(r->start, s, sizeof s);
    date_format(r->end, e, sizeof e);
    json_t *root = json_object();
    json_object_set_new(root, "file", json_string(log));
    json_object_set_new(root, "group_column", json_string(group_col));
    json_object_set_new(root, "start", json_string(s));
    json_object_set_new(root, "end", json_string(e));
    json_object_set_new(root, "days_since_start", json_integer(r->post_days));
    json_object_set_new(root, "days_before_start_for_cuped", json_integer(r->pre_days));
    json_t *groups = json_object();
    for (int j = 1; j >= 0; j--) {
        json_t *g = json_object();
        json_object_set_new(g, "existing_customers", json_integer(r->n[j]));
        json_object_set_new(g, "new_customers", json_integer(r->n_new[j]));
        json_object_set_new(g, "new_customers_purchases", out_json_number(r->new_purchases[j]));
        json_object_set_new(g, "new_customers_revenue", out_json_number(r->new_revenue[j]));
        json_object_set_new(groups, group_name[j], g);
    }
    json_object_set_new(root, "groups", groups);
    json_t *bal = json_object();
    for (int k = 0; k < PILOT_NBAL; k++) {
        const pilot_balance *b = &r->bal[k];
        json_t *o = json_object();
        json_object_set_new(o, "mean_treatment", out_json_number(b->mean[PILOT_T]));
        json_object_set_new(o, "mean_control", out_json_number(b->mean[PILOT_C]));
        json_object_set_new(o, "standardized_difference", out_json_number(b->smd));
        json_object_set_new(bal, b->variable, o);
    }
    if (r->no_history) {   /* no pre-period: no balance to show */
        json_decref(bal);
        json_object_set_new(root, "balance", json_null());
        json_object_set_new(root, "balanced", json_null());
    } else {
        json_object_set_new(root, "balance", bal);
        json_object_set_new(root, "balanced", json_boolean(!r->unbalanced));
    }
    json_object_set_new(root, "no_history", json_boolean(r->no_history));
    json_t *eff = json_object();
    for (int k = 0; k < 2; k++) {
        json_t *mj = json_object();
        json_object_set_new(mj, "raw", effect_json(&r->eff[2 * k]));
        json_object_set_new(mj, "cuped", r->no_history ? json_null() : effect_json(&r->eff[2 * k + 1]));
        json_object_set_new(eff, k ? "revenue_per_customer" : "purchases_per_customer", mj);
    }
    json_object_set_new(root, "effect", eff);
    json_object_set_new(root, "model", model_json(r, m));
    json_object_set_new(root, "note",
                        json_string(r->no_history
                                        ? "no purchase history before the start (fewer than 2 customers per "
                                          "group bought before it): the estimate compares the customers who "
                                          "arrived since the start, raw (no CUPED, no balance, no purchase "
                                          "model)"
                                        : "the estimate covers the existing base (first purchase before the "
                                          "start); new customers since the start are described apart"));
    return out_json_commit(root, dir, "summary.json", d);
}

int pilot_report_write(const char *dir, const char *log, const char *group_col,
                       const pilot_result *r, const pilot_model *m, diag *d)
{
    if ((!r->no_history && write_balance(dir, r, d)) || write_effect(dir, r, m, d) || write_levers(dir, m, d)
        || write_weekly(dir, r, d) || write_summary(dir, log, group_col, r, m, d))
        return d->status;
    return 0;
}

/* "+12.5 %", or "no control baseline" when the control group bought nothing
 * (a relative change of nothing is undefined) */
static const char *relative_text(lang_id L, double rel, char *buf, size_t cap)
{
    if (isnan(rel))
        return tr(L, "no control baseline");
    snprintf(buf, cap, "%+.1f %%", 100 * rel);
    return buf;
}

static void print_effect(lang_id L, const char *label, const pilot_effect *raw, const pilot_effect *cu)
{
    char b1[32], b2[32];
    printf(tr(L, "  %s: %+.3g [%+.3g, %+.3g] (%s; raw difference, Welch)\n"), label, raw->diff,
           raw->ci_low, raw->ci_high, relative_text(L, raw->relative, b1, sizeof b1));
    if (!cu)   /* no history: no CUPED */
        return;
    printf(tr(L, "  %s: %+.3g [%+.3g, %+.3g] (%s; CUPED, %.0f %% less variance)\n"), label, cu->diff,
           cu->ci_low, cu->ci_high, relative_text(L, cu->relative, b2, sizeof b2), 100 * cu->var_reduction);
}

static void print_model(lang_id L, const pilot_result *r, const pilot_model *m)
{
    static const char *const label[LEVER_COUNT] = { N_("purchase rate"), N_("dropout"), N_("spend per visit") };
    if (pilot_too_short(r, m))
        printf(tr(L, "  warning: the pilot (%d days) is shorter than the customers' median %.0f days between "
                     "purchases: too short to see most of them buy again\n"),
               r->post_days, m->median_interval_days);
    if (m->fallback) {
        printf(tr(L, "  no purchase model: %s\n"), m->fallback_why);
        printf(tr(L, "  effect on the levers (treated / control), the model-free fallback:\n"));
    } else {
        printf(tr(L, "  effect on the levers (treated / control), BG/NBD and Gamma-Gamma with the group as a "
                     "covariate:\n"));
    }
    if (m->dropout_fixed)
        printf(tr(L, "  the pilot does not pin dropout down (its estimate runs off): the purchase model is "
                     "fitted with dropout unchanged, and measures the rate alone\n"));
    for (int j = 0; j < LEVER_COUNT; j++) {
        double lo, hi;
        lever_ci(&m->lev, j, &lo, &hi);
        if (!m->lev.estimated[j])
            printf(tr(L, "    %-16s not estimated\n"), tr(L, label[j]));
        else
            printf(tr(L, "    %-16s x %.3f [%.3f, %.3f] (%s)\n"), tr(L, label[j]), exp(m->lev.log_ratio[j]),
                   lo, hi, m->lever_source[j]);
    }
    if (!m->fallback) {
        const pilot_effect *cu = &r->eff[1];
        printf(tr(L, "  extra purchases per customer over the pilot: model %+.3g [%+.3g, %+.3g], CUPED %+.3g "
                     "[%+.3g, %+.3g]\n"),
               m->extra, m->extra - 1.959964 * m->extra_se, m->extra + 1.959964 * m->extra_se, cu->diff,
               cu->ci_low, cu->ci_high);
        printf(m->agree ? tr(L, "  model and model-free agree within their uncertainty (z = %+.2f)\n")
                        : tr(L, "  warning: model and model-free disagree beyond their uncertainty (z = %+.2f): "
                                "the purchase model may not describe these customers\n"),
               m->agree_z);
    }
}

void pilot_report_print(const pilot_result *r, const pilot_model *m, const char *outdir)
{
    lang_id L = lang_ui();
    char s[16], e[16];
    date_format(r->start, s, sizeof s);
    date_format(r->end, e, sizeof e);
    if (r->no_history) {
        printf(tr(L, "pilot from %s to %s (%d days): %d treated and %d control customers arrived since the "
                     "start\n"),
               s, e, r->post_days, r->n_new[PILOT_T], r->n_new[PILOT_C]);
        printf(tr(L, "  warning: no purchase history before the start (%d treated and %d control customers "
                     "bought before it), so no CUPED adjustment, no balance table and no purchase model: the "
                     "estimate compares the customers who arrived since the start, by group, from their first "
                     "purchase to the end\n"),
               r->n[PILOT_T], r->n[PILOT_C]);
        printf(tr(L, "  since the start, per new customer (treatment / control): purchases %.3f / %.3f, "
                     "revenue %.2f / %.2f\n"),
               r->eff[0].mean[PILOT_T], r->eff[0].mean[PILOT_C], r->eff[2].mean[PILOT_T],
               r->eff[2].mean[PILOT_C]);
        print_effect(L, tr(L, "purchases per customer"), &r->eff[0], NULL);
        print_effect(L, tr(L, "revenue per customer"), &r->eff[2], NULL);
        print_model(L, r, m);
        printf(tr(L, "  wrote %s/ (summary.json, effect.csv, levers.csv, pilot_weekly.csv, pilot_weekly.png)\n"),
               outdir);
        return;
    }
    printf(tr(L, "pilot from %s to %s (%d days): %d treated and %d control customers bought before the "
                 "start\n"),
           s, e, r->post_days, r->n[PILOT_T], r->n[PILOT_C]);
    printf(tr(L, "  before the start (treatment / control, standardized difference):\n"));
    for (int k = 0; k < PILOT_NBAL; k++)
        printf("    %-26s %10.3f / %10.3f   d = %+.3f\n", r->bal[k].variable, r->bal[k].mean[PILOT_T],
               r->bal[k].mean[PILOT_C], r->bal[k].smd);
    if (r->unbalanced) {
        printf(tr(L, "  warning: the groups were not comparable before the start:"));
        for (int k = 0; k < PILOT_NBAL; k++)
            if (fabs(r->bal[k].smd) > 0.1)
                printf(" %s (d = %+.2f)", r->bal[k].variable, r->bal[k].smd);
        printf(tr(L, "; the difference after it mixes the promotion with that gap\n"));
    }
    printf(tr(L, "  since the start, per customer (treatment / control): purchases %.3f / %.3f, revenue "
                 "%.2f / %.2f\n"),
           r->eff[0].mean[PILOT_T], r->eff[0].mean[PILOT_C], r->eff[2].mean[PILOT_T],
           r->eff[2].mean[PILOT_C]);
    print_effect(L, tr(L, "purchases per customer"), &r->eff[0], &r->eff[1]);
    print_effect(L, tr(L, "revenue per customer"), &r->eff[2], &r->eff[3]);
    printf(tr(L, "  CUPED adjusts with each customer's own purchases in the %d days before the start\n"),
           r->pre_days);
    print_model(L, r, m);
    printf(tr(L, "  new customers since the start (not in the estimate): %d treated (%.0f purchases, "
                 "revenue %.2f), %d control (%.0f purchases, revenue %.2f)\n"),
           r->n_new[PILOT_T], r->new_purchases[PILOT_T], r->new_revenue[PILOT_T], r->n_new[PILOT_C],
           r->new_purchases[PILOT_C], r->new_revenue[PILOT_C]);
    printf(tr(L, "  wrote %s/ (summary.json, balance.csv, effect.csv, levers.csv, pilot_weekly.csv, "
                 "pilot_weekly.png)\n"),
           outdir);
}
