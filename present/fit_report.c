/* The outputs of `retsim fit` on a transaction log: the description of the
 * data (describe.h), every customer scored, the recall list, the tracking,
 * frequency and holdout checks of the fit, fitted.ini and summary.json.
 * Here, not in cli/cmd_fit.c, so that the command keeps its options and the
 * calls of the fit. */
#include "fit_report.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "describe.h"
#include "figures.h"
#include "output.h"

/* value at stake is reckoned over the next year, whatever the fit's period */
#define RECALL_HORIZON_DAYS 365.0

const char *fit_report_csv_quote(const char *s, char *buf, size_t cap)
{
    if (!strpbrk(s, ",\"\n\r")) {
        snprintf(buf, cap, "%s", s);
        return buf;
    }
    size_t j = 0;
    buf[j++] = '"';
    for (; *s && j + 3 < cap; s++) {
        if (*s == '"')
            buf[j++] = '"';
        buf[j++] = *s;
    }
    buf[j++] = '"';
    buf[j] = '\0';
    return buf;
}

static int write_customers(const char *dir, fit_state *s, diag *d)
{
    char tmp[4200], q[512];
    FILE *f = out_open(dir, "customers.csv", tmp, sizeof tmp, d);
    if (!f)
        return d->status;
    fprintf(f, "customer_id,frequency,recency,age,monetary,p_alive,expected_purchases,expected_value\n");
    for (int i = 0; i < s->log->ncust; i++) {
        const cust_summary *c = &s->cs[i];
        if (c->T <= 0)
            continue;
        double pa = bgnbd_p_alive(&s->bg, c->x, c->t_x, c->T);
        double ep = bgnbd_expected_conditional(&s->bg, c->x, c->t_x, c->T, s->horizon_periods);
        double value = c->x > 0 ? gg_expected_value(&s->gg, c->x, c->zbar)
                                : s->gg.p * s->gg.gamma / (s->gg.q - 1);
        fprintf(f, "%s,%g,%.4f,%.4f,%.4f,%.6f,%.6f,%.4f\n", fit_report_csv_quote(s->log->ids[i], q, sizeof q), c->x,
                c->t_x, c->T, c->zbar, pa, ep, ep * value);
    }
    return out_commit(f, tmp, dir, "customers.csv", d);
}

/* ---- the recall list ---- */

typedef struct recall_row {
    int i;
    double p_alive, p_alive_then;  /* now; just after the last purchase */
    double silent, usual_gap;      /* periods since the last purchase; t_x / x */
    double spend;                  /* expected value of one purchase (Gamma-Gamma) */
    double purchases_if_alive;     /* expected purchases over the next year if still a customer */
    double value_at_stake;         /* p_alive x purchases_if_alive x spend */
    double value_then;             /* the same, as it stood just after the last purchase */
    double key;                    /* what the list is sorted by */
} recall_row;

static int cmp_recall(const void *pa, const void *pb)
{
    const recall_row *a = pa, *b = pb;
    if (a->key != b->key)
        return (a->key < b->key) - (a->key > b->key);
    return (a->i > b->i) - (a->i < b->i); /* ties in input order: the same list every run */
}

/* Who is worth a call, and who is already gone.  Repeat buyers only:
 * BG/NBD lets a customer drop out only right after a repeat purchase, so
 * one-time buyers have P(alive) = 1 and nothing here can rank them
 * (customers.csv still scores them).
 *
 *   slipping (at_risk.csv): P(alive) within [floor, ceiling] AND silent for
 *     longer than their own usual gap between purchases (t_x / x): the
 *     silence is no longer their normal rhythm, and whether they are still
 *     a customer is in doubt.
 *   gone (gone.csv): P(alive) below the floor, whatever the gap.
 *
 * Value at stake = P(alive) x E[purchases in the next year | still a
 * customer] x E[spend per purchase] (BG/NBD, FHL 2005 eq. 10 without its
 * 1/P(alive); Gamma-Gamma posterior mean, FHL 2005b): the revenue the model
 * still expects from the customer over the next 365 days.  All of it hangs
 * on their still being a customer, so it is what is lost if they have
 * slipped away and nobody acts, and what a successful recall keeps.  The
 * slipping are ranked by it and the top N written.  The gone are ranked by
 * what they were worth: the same value as it stood just after their last
 * purchase. */
static int write_recall_lists(const char *dir, fit_state *s, recall_totals *tot, diag *d)
{
    const fit_opts *o = s->o;
    recall_row *slip = malloc((size_t)s->log->ncust * sizeof *slip);
    recall_row *gone = malloc((size_t)s->log->ncust * sizeof *gone);
    if (!slip || !gone) {
        free(slip);
        free(gone);
        return diag_set(d, DIAG_RUNTIME, "out of memory");
    }
    memset(tot, 0, sizeof *tot);
    double H = RECALL_HORIZON_DAYS / o->period_days;
    for (int i = 0; i < s->log->ncust; i++) {
        const cust_summary *c = &s->cs[i];
        if (c->T <= 0 || c->x < 1)
            continue;
        tot->repeat_buyers++;
        recall_row r = { .i = i };
        r.p_alive = bgnbd_p_alive(&s->bg, c->x, c->t_x, c->T);
        r.p_alive_then = bgnbd_p_alive(&s->bg, c->x, c->t_x, c->t_x);
        r.silent = c->T - c->t_x;
        r.usual_gap = c->t_x / c->x;
        r.spend = gg_expected_value(&s->gg, c->x, c->zbar);
        if (!isfinite(r.spend)) /* Gamma-Gamma without a finite mean (q <= 1): their own average */
            r.spend = c->zbar;
        r.purchases_if_alive = bgnbd_expected_if_alive(&s->bg, c->x, c->T, H);
        r.value_at_stake = r.p_alive * r.purchases_if_alive * r.spend;
        r.value_then = r.p_alive_then * bgnbd_expected_if_alive(&s->bg, c->x, c->t_x, H) * r.spend;
        if (!isfinite(r.value_at_stake) || !isfinite(r.value_then))
            continue; /* an expectation that did not converge: no NaN in a list (customers.csv shows them) */
        if (r.p_alive < o->alive_floor) {
            r.key = r.value_then;
            gone[tot->gone++] = r;
            tot->gone_value_then += r.value_then;
        } else if (r.p_alive <= o->alive_ceiling && r.silent > r.usual_gap) {
            r.key = r.value_at_stake;
            slip[tot->slipping++] = r;
            tot->slipping_value += r.value_at_stake;
        }
    }
    qsort(slip, (size_t)tot->slipping, sizeof *slip, cmp_recall);
    qsort(gone, (size_t)tot->gone, sizeof *gone, cmp_recall);
    tot->listed = tot->slipping < o->top ? tot->slipping : o->top;
    double P = o->period_days;
    char tmp[4200], q[512];
    int status = 0;
    FILE *f = out_open(dir, "at_risk.csv", tmp, sizeof tmp, d);
    if (!f) {
        status = d->status;
        goto done;
    }
    fprintf(f, "rank,customer_id,p_alive,p_alive_at_last_purchase,days_since_last_purchase,"
               "usual_days_between_purchases,purchases,spent_so_far,expected_spend_per_purchase,"
               "expected_purchases_next_year_if_still_a_customer,value_at_stake_next_year\n");
    for (int k = 0; k < tot->listed; k++) {
        const recall_row *r = &slip[k];
        const cust_summary *c = &s->cs[r->i];
        tot->listed_value += r->value_at_stake;
        fprintf(f, "%d,%s,%.6f,%.6f,%.0f,%.0f,%g,%.2f,%.2f,%.4f,%.2f\n", k + 1,
                fit_report_csv_quote(s->log->ids[r->i], q, sizeof q), r->p_alive, r->p_alive_then, r->silent * P,
                r->usual_gap * P, c->x + 1, c->total, r->spend, r->purchases_if_alive, r->value_at_stake);
    }
    if ((status = out_commit(f, tmp, dir, "at_risk.csv", d)))
        goto done;
    f = out_open(dir, "gone.csv", tmp, sizeof tmp, d);
    if (!f) {
        status = d->status;
        goto done;
    }
    fprintf(f, "rank,customer_id,p_alive,days_since_last_purchase,usual_days_between_purchases,purchases,"
               "spent_so_far,value_next_year_as_at_last_purchase\n");
    for (int k = 0; k < tot->gone; k++) {
        const recall_row *r = &gone[k];
        const cust_summary *c = &s->cs[r->i];
        fprintf(f, "%d,%s,%.6f,%.0f,%.0f,%g,%.2f,%.2f\n", k + 1, fit_report_csv_quote(s->log->ids[r->i], q, sizeof q),
                r->p_alive, r->silent * P, r->usual_gap * P, c->x + 1, c->total, r->value_then);
    }
    status = out_commit(f, tmp, dir, "gone.csv", d);
done:
    free(slip);
    free(gone);
    return status;
}

/* The standard BTYD calibration check (Fader, Hardie and Lee 2005, fig. 3):
 * customers by repeat purchases in the calibration span, 0, 1, ..., 6, 7+,
 * in the data against the fitted BG/NBD, whose expected count for x is
 * sum_i P(X(T_i) = x) over the customers' own ages T_i (eq. 8). */
#define FIT_FREQ_BINS 8
static int cmp_age(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int write_frequency(const char *dir, fit_state *s, diag *d)
{
    double actual[FIT_FREQ_BINS] = { 0 }, expected[FIT_FREQ_BINS] = { 0 };
    /* the expectation depends on T alone: computed once per distinct T
     * (84 among bench/make_log.c's 100,000 customers; issue 14) and
     * weighted by its customers */
    double *ages = malloc((size_t)(s->log->ncust > 0 ? s->log->ncust : 1) * sizeof *ages);
    if (!ages)
        return diag_set(d, DIAG_RUNTIME, "out of memory");
    int nages = 0;
    for (int i = 0; i < s->log->ncust; i++) {
        const cust_summary *c = &s->cs[i];
        if (c->T <= 0)
            continue;
        actual[c->x < FIT_FREQ_BINS - 1 ? (int)c->x : FIT_FREQ_BINS - 1] += 1;
        ages[nages++] = c->T;
    }
    qsort(ages, (size_t)nages, sizeof *ages, cmp_age);
    for (int i = 0; i < nages;) {
        int j = i;
        while (j < nages && ages[j] == ages[i])
            j++;
        double below = 0, w = j - i;
        for (int x = 0; x < FIT_FREQ_BINS - 1; x++) {
            double p = bgnbd_p_purchases(&s->bg, x, ages[i]);
            expected[x] += w * p;
            below += p;
        }
        expected[FIT_FREQ_BINS - 1] += w * fmax(0, 1 - below);
        i = j;
    }
    free(ages);
    char tmp[4200];
    FILE *f = out_open(dir, "frequency.csv", tmp, sizeof tmp, d);
    if (!f)
        return d->status;
    fprintf(f, "repeat_purchases,actual_customers,bgnbd_expected_customers\n");
    for (int x = 0; x < FIT_FREQ_BINS; x++) {
        char label[8];
        snprintf(label, sizeof label, x < FIT_FREQ_BINS - 1 ? "%d" : "%d+", x);
        fprintf(f, "%s,%.0f,%.2f\n", label, actual[x], expected[x]);
    }
    if (out_commit(f, tmp, dir, "frequency.csv", d))
        return d->status;
    plot_series ser[] = { { .legend = "actual" }, { .legend = "BG/NBD expectation" } };
    if (figures_series(dir, "frequency.csv", "repeat_purchases", "actual_customers", NULL, NULL,
                       &ser[0], d)
        || figures_series(dir, "frequency.csv", "repeat_purchases", "bgnbd_expected_customers",
                          NULL, NULL, &ser[1], d))
        return d->status;
    plot_spec sp = { "frequency", PLOT_BARS, PLOT_PNG,
                     "Customers by number of repeat purchases: actual against the fitted model",
                     s->holdout_days ? "repeat purchases before the holdout (count)"
                                     : "repeat purchases in the data (count)",
                     "customers (people)", ser, 2, 0, NULL, 0, 0 };
    return figures_render(dir, &sp, PLOT_PNG, LANG_EN, d);
}

/* Cumulative repeat purchases over the whole span, actual against the
 * fitted model's expectation for customers with the same first-purchase
 * days: the classic tracking plot. */
static int write_tracking(const char *dir, fit_state *s, diag *d)
{
    const translog *t = s->log;
    double P = s->o->period_days;
    int span_days = t->max_day - t->min_day + 1;
    int W = (int)ceil(span_days / P);
    double *actual = calloc((size_t)W + 1, sizeof *actual);
    /* customers by first-purchase day (within calibration), so the model is
     * evaluated once per distinct day, not once per customer */
    int ndays = s->cal_end - t->min_day + 1;
    double *first_count = calloc((size_t)(ndays > 0 ? ndays : 1), sizeof *first_count);
    if (!actual || !first_count) {
        free(actual);
        free(first_count);
        return diag_set(d, DIAG_RUNTIME, "out of memory");
    }
    for (int i = 0; i < t->ncust; i++) {
        int f0 = t->day[t->first[i]];
        if (f0 > s->cal_end)
            continue;
        first_count[f0 - t->min_day] += 1;
        for (int k = t->first[i] + 1; k < t->first[i + 1]; k++) {
            int w = (int)ceil((t->day[k] - t->min_day + 1) / P);
            if (w > W)
                w = W;
            actual[w] += 1;
        }
    }
    char tmp[4200];
    FILE *f = out_open(dir, "tracking.csv", tmp, sizeof tmp, d);
    if (!f) {
        free(actual);
        free(first_count);
        return d->status;
    }
    fprintf(f, "period,day,actual_cumulative_repeat_purchases,expected_cumulative_repeat_purchases\n");
    double cum = 0;
    for (int w = 1; w <= W; w++) {
        cum += actual[w];
        double end = t->min_day + w * P; /* end of period w, in days */
        double expected = 0;
        for (int k = 0; k < ndays; k++)
            if (first_count[k] > 0) {
                double age = (end - (t->min_day + k)) / P;
                if (age > 0)
                    expected += first_count[k] * bgnbd_expected_unconditional(&s->bg, age);
            }
        fprintf(f, "%d,%.0f,%.0f,%.3f\n", w, end - t->min_day, cum, expected);
    }
    free(actual);
    free(first_count);
    if (out_commit(f, tmp, dir, "tracking.csv", d))
        return d->status;
    char xlabel[64];
    snprintf(xlabel, sizeof xlabel, "%ss since the first purchase in the data", s->o->period_name);
    plot_series ser[] = { { .legend = "actual" }, { .legend = "BG/NBD expectation" } };
    if (figures_series(dir, "tracking.csv", "period", "actual_cumulative_repeat_purchases", NULL,
                       NULL, &ser[0], d)
        || figures_series(dir, "tracking.csv", "period", "expected_cumulative_repeat_purchases",
                          NULL, NULL, &ser[1], d))
        return d->status;
    plot_spec sp = { "tracking", PLOT_LINES_BANDS, PLOT_PNG,
                     s->holdout_days ? "Cumulative repeat purchases: actual against the fitted model (holdout after the fit span)"
                                     : "Cumulative repeat purchases: actual against the fitted model",
                     xlabel, "repeat purchases (count)", ser, 2, 0, NULL, 0, 0 };
    return figures_render(dir, &sp, PLOT_PNG, LANG_EN, d);
}

/* Predicted against actual repeat purchases in the holdout, per period. */
static int write_holdout(const char *dir, fit_state *s, diag *d)
{
    const translog *t = s->log;
    double P = s->o->period_days;
    int L = (int)ceil(s->holdout_days / P);
    double *actual = calloc((size_t)L + 1, sizeof *actual);
    if (!actual)
        return diag_set(d, DIAG_RUNTIME, "out of memory");
    for (int i = 0; i < t->ncust; i++) {
        if (t->day[t->first[i]] > s->cal_end)
            continue;
        for (int k = t->first[i] + 1; k < t->first[i + 1]; k++)
            if (t->day[k] > s->cal_end) {
                int w = (int)ceil((t->day[k] - s->cal_end) / P);
                actual[w > L ? L : w] += 1;
            }
    }
    char tmp[4200];
    FILE *f = out_open(dir, "holdout.csv", tmp, sizeof tmp, d);
    if (!f) {
        free(actual);
        return d->status;
    }
    fprintf(f, "period,actual,predicted,actual_cumulative,predicted_cumulative\n");
    /* the BG/NBD expectation of every customer at every period's end,
     * once per distinct (x, t_x, T) (fit/purchase_fit.h) and factored as
     * bgnbd_expected_conditional computes it, E[purchases if alive](x, T,
     * t) x P(alive)(x, t_x, T): P(alive) once per distinct (x, t_x, T), the
     * first factor's Gauss series once per distinct (x, T) and period end
     * (1,522 of 29,807 on bench/make_log.c's log: issue 14).  The same
     * products summed in the same order, so the same numbers. */
    cust_summary *fc = malloc((size_t)(t->ncust > 0 ? t->ncust : 1) * sizeof *fc);
    int nf = 0;
    purchase_groups pg;
    if (fc)
        for (int i = 0; i < t->ncust; i++)
            if (s->cs[i].T > 0)
                fc[nf++] = s->cs[i];
    if (!fc || purchase_groups_build(fc, nf, &pg)) {
        free(fc);
        free(actual);
        fclose(f);
        unlink(tmp);
        return diag_set(d, DIAG_RUNTIME, "out of memory");
    }
    free(fc);
    /* pg.e: P(alive) of each (x, t_x, T) */
    for (int j = 0; j < pg.n; j++)
        pg.e[j] = bgnbd_p_alive(&s->bg, pg.x[j], pg.t_x[j], pg.T[j]);
    double cum_a = 0, prev_p = 0, abs_err = 0;
    for (int w = 1; w <= L; w++) {
        double horizon = fmin(w * P, (double)s->holdout_days) / P;
        double pred = 0, if_alive = 0;
        for (int j = 0; j < pg.n; j++) {
            /* pg is sorted by x, T, t_x: each (x, T) a run */
            if (j == 0 || pg.x[j] != pg.x[j - 1] || pg.T[j] != pg.T[j - 1])
                if_alive = bgnbd_expected_if_alive(&s->bg, pg.x[j], pg.T[j], horizon);
            pred += pg.w[j] * (if_alive * pg.e[j]);
        }
        cum_a += actual[w];
        fprintf(f, "%d,%.0f,%.3f,%.0f,%.3f\n", w, actual[w], pred - prev_p, cum_a, pred);
        abs_err += fabs(pred - cum_a);
        prev_p = pred;
    }
    purchase_groups_free(&pg);
    free(actual);
    s->holdout_actual = cum_a;
    s->holdout_predicted = prev_p;
    s->holdout_error = cum_a > 0 ? (prev_p - cum_a) / cum_a : NAN;
    (void)abs_err;
    if (out_commit(f, tmp, dir, "holdout.csv", d))
        return d->status;
    char xlabel[64];
    snprintf(xlabel, sizeof xlabel, "%ss into the holdout", s->o->period_name);
    plot_series ser[] = { { .legend = "actual" }, { .legend = "predicted by the fit" } };
    if (figures_series(dir, "holdout.csv", "period", "actual_cumulative", NULL, NULL, &ser[0], d)
        || figures_series(dir, "holdout.csv", "period", "predicted_cumulative", NULL, NULL,
                          &ser[1], d))
        return d->status;
    plot_spec sp = { "holdout", PLOT_LINES_BANDS, PLOT_PNG,
                     "Holdout: cumulative repeat purchases predicted against actual", xlabel,
                     "repeat purchases (count)", ser, 2, 0, NULL, 0, 0 };
    return figures_render(dir, &sp, PLOT_PNG, LANG_EN, d);
}

/* replay.ini: the fitted model re-simulating the log's own history from its
 * first day, customers arriving at the rate they did: a check that the fit
 * reproduces the data (tests compare its purchases with the log's).  The
 * what-if baseline is fitted.ini, which starts from today's customers
 * (present/fit_forward.c). */
static int write_replay_ini(const char *dir, fit_state *s, diag *d)
{
    const translog *t = s->log;
    /* acquisition as observed: the first purchases' days in the calibration span */
    int first_lo = t->max_day, first_hi = t->min_day;
    for (int i = 0; i < t->ncust; i++) {
        int f0 = t->day[t->first[i]];
        if (f0 > s->cal_end)
            continue;
        first_lo = f0 < first_lo ? f0 : first_lo;
        first_hi = f0 > first_hi ? f0 : first_hi;
    }
    int acq_days = first_hi - first_lo + 1;
    int horizon = t->max_day - t->min_day + 1;
    char tmp[4200];
    FILE *f = out_open(dir, "replay.ini", tmp, sizeof tmp, d);
    if (!f)
        return d->status;
    fprintf(f, "; Fitted by `retsim fit %s` (BG/NBD and Gamma-Gamma by maximum likelihood).\n"
               "; %d customers, first purchases over %d days; the fit's time unit is the %s.\n"
               "; The log's history re-simulated from its first day, to check the fit against\n"
               "; the data; for what-ifs from today's customers use fitted.ini.\n\n",
            s->o->file, s->n, acq_days, s->o->period_name);
    fprintf(f, "[scenario]\nname = replay\ndescription = \"The history of %s re-simulated\"\nhorizon_days = %d\n\n",
            s->o->file, horizon > 3650 ? 3650 : horizon);
    fprintf(f, "[customer]\nmodel = bgnbd\n\n");
    fprintf(f, "; customers arrived at this rate over these days in the data\n"
               "[channel.observed]\nprospects_per_day = %.6g\nstep_conversion = 1\nstart_day = 0\nstop_day = %d\n\n",
            s->n / (double)acq_days, acq_days);
    fprintf(f, "[bgnbd]\nr = %.6g\nalpha = %.6g\na = %.6g\nb = %.6g\nperiod_days = %.6g\n\n", s->bg.r,
            s->bg.alpha, s->bg.a, s->bg.b, s->o->period_days);
    fprintf(f, "[gamma_gamma]\np = %.6g\nq = %.6g\ngamma = %.6g\n\n", s->gg.p, s->gg.q, s->gg.gamma);
    fprintf(f, "[economics]\ngross_margin = 0.6\ndiscount_rate = 0.1\n");
    return out_commit(f, tmp, dir, "replay.ini", d);
}

/* {name: value, name_se: standard error, ...} */
static json_t *json_params(const char *const *names, const double *values, const double *se, int n)
{
    json_t *o = json_object();
    for (int k = 0; k < n; k++) {
        char name[32];
        json_object_set_new(o, names[k], out_json_number(values[k]));
        snprintf(name, sizeof name, "%s_se", names[k]);
        json_object_set_new(o, name, out_json_number(se[k]));
    }
    return o;
}

static int write_fit_summary(const char *dir, fit_state *s, const recall_totals *rt, diag *d)
{
    const translog *t = s->log;
    json_t *root = json_object();
    json_object_set_new(root, "file", json_string(s->o->file));
    json_t *data = json_object();
    json_object_set_new(data, "customers", json_integer(t->ncust));
    json_object_set_new(data, "customers_in_fit", json_integer(s->n));
    json_object_set_new(data, "transactions", json_integer(t->ntx));
    json_object_set_new(data, "rows", json_integer(t->rows));
    json_object_set_new(data, "bad_rows", json_integer(t->bad_rows));
    json_object_set_new(data, "same_day_rows_merged", json_integer(t->merged_rows));
    json_t *bad = json_array();
    for (int k = 0; k < t->nbad_kept; k++) {
        json_t *row = json_object();
        json_object_set_new(row, "line", json_integer(t->bad_line[k]));
        json_object_set_new(row, "reason", json_string(t->bad_reason[k]));
        json_array_append_new(bad, row);
    }
    json_object_set_new(data, "bad_rows_first", bad);
    json_object_set_new(data, "first_day", json_integer(t->min_day));
    json_object_set_new(data, "last_day", json_integer(t->max_day));
    json_object_set_new(data, "calibration_end_day", json_integer(s->cal_end));
    json_object_set_new(data, "period_days", json_real(s->o->period_days));
    json_object_set_new(data, "top20_revenue_share", out_json_number(s->top20));
    json_object_set_new(data, "customer_column", json_string(t->columns[0]));
    json_object_set_new(data, "date_column", json_string(t->columns[1]));
    json_object_set_new(data, "amount_column", json_string(t->columns[2]));
    json_object_set_new(data, "date_format", json_string(t->date_format));
    json_object_set_new(root, "data", data);
    const double bgv[4] = { s->bg.r, s->bg.alpha, s->bg.a, s->bg.b };
    const char *bgn[4] = { "r", "alpha", "a", "b" };
    json_t *bg = json_params(bgn, bgv, s->bg.se, 4);
    json_object_set_new(bg, "loglik", out_json_number(s->bg.loglik));
    json_object_set_new(bg, "customers", json_integer(s->bg.n));
    json_object_set_new(bg, "starts", json_integer(s->bg.starts));
    json_object_set_new(root, "bgnbd", bg);
    const double ggv[3] = { s->gg.p, s->gg.q, s->gg.gamma };
    const char *ggn[3] = { "p", "q", "gamma" };
    json_t *gg = json_params(ggn, ggv, s->gg.se, 3);
    json_object_set_new(gg, "loglik", out_json_number(s->gg.loglik));
    json_object_set_new(gg, "repeat_buyers", json_integer(s->gg.n));
    json_object_set_new(root, "gamma_gamma", gg);
    /* every purchase model, the chosen one and why (present/fit_forward.c) */
    json_t *models = json_array();
    for (int i = 0; i < s->nfits; i++) {
        const purchase_fit *pf = &s->fits[i];
        json_t *m = json_params(pf->type->par_names, pf->par, pf->se, pf->type->npar);
        json_object_set_new(m, "model", json_string(pf->type->name));
        json_object_set_new(m, "loglik", out_json_number(pf->loglik));
        json_object_set_new(m, "bic", out_json_number(pf->bic));
        json_object_set_new(m, "converged", json_boolean(pf->converged));
        if (s->holdout_days) {
            json_object_set_new(m, "holdout_predicted", out_json_number(pf->holdout_predicted));
            json_object_set_new(m, "holdout_relative_error", out_json_number(pf->holdout_error));
        }
        if (!pf->converged)
            json_object_set_new(m, "note", json_string(pf->note));
        json_array_append_new(models, m);
    }
    json_object_set_new(root, "models", models);
    json_t *ch = json_object();
    json_object_set_new(ch, "model", json_string(s->fits[s->chosen].type->name));
    json_object_set_new(ch, "why", json_string(s->chosen_why));
    json_object_set_new(ch, "as_of_day", json_integer(s->cal_end));
    json_object_set_new(ch, "new_customers_per_day", out_json_number(s->new_per_day));
    json_object_set_new(root, "forward_baseline", ch);
    json_object_set_new(root, "at_risk_customers", json_integer(rt->listed));
    json_t *rc = json_object();
    json_object_set_new(rc, "alive_floor", json_real(s->o->alive_floor));
    json_object_set_new(rc, "alive_ceiling", json_real(s->o->alive_ceiling));
    json_object_set_new(rc, "top", json_integer(s->o->top));
    json_object_set_new(rc, "value_horizon_days", json_real(RECALL_HORIZON_DAYS));
    json_object_set_new(rc, "repeat_buyers", json_integer(rt->repeat_buyers));
    json_object_set_new(rc, "slipping_customers", json_integer(rt->slipping));
    json_object_set_new(rc, "slipping_value_at_stake", out_json_number(rt->slipping_value));
    json_object_set_new(rc, "listed_customers", json_integer(rt->listed));
    json_object_set_new(rc, "listed_value_at_stake", out_json_number(rt->listed_value));
    json_object_set_new(rc, "gone_customers", json_integer(rt->gone));
    json_object_set_new(rc, "gone_value_as_at_last_purchase", out_json_number(rt->gone_value_then));
    json_object_set_new(root, "recall", rc);
    if (s->holdout_days) {
        json_t *v = json_object();
        json_object_set_new(v, "holdout_days", json_integer(s->holdout_days));
        json_object_set_new(v, "actual_repeat_purchases", json_real(s->holdout_actual));
        json_object_set_new(v, "predicted_repeat_purchases", json_real(s->holdout_predicted));
        json_object_set_new(v, "relative_error", out_json_number(s->holdout_error));
        /* the forward baseline simulated over the holdout (holdout_by_frequency.csv) */
        json_object_set_new(v, "simulated_repeat_purchases", out_json_number(s->sim_holdout_mean));
        json_object_set_new(v, "simulated_ci_low", out_json_number(s->sim_holdout_lo));
        json_object_set_new(v, "simulated_ci_high", out_json_number(s->sim_holdout_hi));
        json_object_set_new(v, "simulated_mc_se", out_json_number(s->sim_holdout_mc_se));
        json_object_set_new(v, "simulated_replications", json_integer(s->sim_holdout_reps));
        json_object_set_new(root, "validation", v);
    }
    return out_json_commit(root, dir, "summary.json", d);
}

int fit_report_write_files(const char *dir, fit_state *s, recall_totals *rt, diag *d)
{
    int status;
    if ((status = describe_write(dir, s->log, s->cal_end, &s->top20, d))
        || (status = write_customers(dir, s, d))
        || (status = write_recall_lists(dir, s, rt, d))
        || (status = write_tracking(dir, s, d))
        || (status = write_frequency(dir, s, d))
        || (s->holdout_days && (status = write_holdout(dir, s, d)))
        || (status = write_replay_ini(dir, s, d)))
        return status;
    return 0;
}

int fit_report_write_summary(const char *dir, fit_state *s, const recall_totals *rt, diag *d)
{
    return write_fit_summary(dir, s, rt, d);
}

/* The fit's time units, as --period names them (for the catalogue). */
static const char *const period_msgids[] = { NC_("period", "day"), NC_("period", "week"),
                                             NC_("period", "month"), NC_("period", "year"), NULL };

void fit_report_print(const fit_state *s, const recall_totals *rt)
{
    (void)period_msgids;
    lang_id L = lang_ui();
    const fit_opts *o = s->o;
    const translog *t = s->log;
    printf(tr(L, "%s: %d customers, %d transactions over %d days (%ld same-day purchases merged into one; "
           "%ld unreadable rows skipped)\n"),
           o->file, t->ncust, t->ntx, t->max_day - t->min_day + 1, t->merged_rows, t->bad_rows);
    if (t->bad_rows > 0) {
        printf(tr(L, "  unreadable rows skipped (first %d of %ld):\n"), t->nbad_kept, t->bad_rows);
        for (int k = 0; k < t->nbad_kept && k < 5; k++)
            printf(tr(L, "    line %ld: %s\n"), t->bad_line[k], t->bad_reason[k]);
    }
    printf(tr(L, "  BG/NBD (per %s): r = %.4g (%.2g), alpha = %.4g (%.2g), a = %.4g (%.2g), b = %.4g (%.2g), "
           "log-likelihood %.1f\n"),
           trc(L, "period", o->period_name), s->bg.r, s->bg.se[0], s->bg.alpha, s->bg.se[1], s->bg.a, s->bg.se[2], s->bg.b,
           s->bg.se[3], s->bg.loglik);
    printf(tr(L, "  Gamma-Gamma: p = %.4g (%.2g), q = %.4g (%.2g), gamma = %.4g (%.2g), %d repeat buyers\n"),
           s->gg.p, s->gg.se[0], s->gg.q, s->gg.se[1], s->gg.gamma, s->gg.se[2], s->gg.n);
    printf(tr(L, "  top 20 %% of customers bring %.1f %% of revenue\n"), 100 * s->top20);
    printf(tr(L, "  recall list: %d of %d slipping repeat buyers (P(alive) %g-%g, silent longer than their "
           "usual gap), %.0f of revenue at stake over the next year (at_risk.csv); %d already gone "
           "(P(alive) below %g), listed apart in gone.csv\n"),
           rt->listed, rt->slipping, o->alive_floor, o->alive_ceiling, rt->listed_value, rt->gone,
           o->alive_floor);
    if (s->holdout_days)
        printf(tr(L, "  holdout (%d days): %.0f repeat purchases predicted, %.0f actual (%+.1f %%)\n"),
               s->holdout_days, s->holdout_predicted, s->holdout_actual, 100 * s->holdout_error);
}

void fit_report_print_wrote(const char *outdir)
{
    lang_id L = lang_ui();
    printf(tr(L, "  wrote %s/ (summary.json, models.csv, customers.csv, customers_base.csv, at_risk.csv, gone.csv, "
           "frequency.csv, fitted.ini, replay.ini, plots); next: retsim run %s/fitted.ini\n"), outdir, outdir);
}

/* ---- survivors mode ---- */

int fit_report_write_survivors(const char *outdir, const char *path, const surv_table *t,
                               const sbg_fit *fits, diag *d)
{
    int ncoh = t->cols - 1;
    int status;
    /* fitted survival for the data's periods and as many again */
    char tmp[4200];
    FILE *f = out_open(outdir, "sbg.csv", tmp, sizeof tmp, d);
    if (!f)
        return d->status;
    fprintf(f, "period");
    for (int c = 1; c <= ncoh; c++)
        fprintf(f, ",%s_actual,%s_fitted", t->names[c], t->names[c]);
    fputc('\n', f);
    int T = 2 * (t->rows - 1);
    for (int r = 0; r <= T; r++) {
        fprintf(f, "%d", r);
        for (int c = 1; c <= ncoh; c++) {
            if (r < t->rows)
                fprintf(f, ",%g", t->v[r][c]);
            else
                fputs(",", f);
            fprintf(f, ",%.3f", t->v[0][c] * sbg_survival(&fits[c - 1], r));
        }
        fputc('\n', f);
    }
    if ((status = out_commit(f, tmp, outdir, "sbg.csv", d)))
        return status;
    plot_series ser[2 * SURV_MAX_COHORTS];
    static char legends[2 * SURV_MAX_COHORTS][96];
    int ns = 0;
    for (int c = 1; c <= ncoh && ns + 1 < 2 * SURV_MAX_COHORTS && c <= 4; c++) {
        char actual[96], fitted[96];
        snprintf(actual, sizeof actual, "%s_actual", t->names[c]);
        snprintf(fitted, sizeof fitted, "%s_fitted", t->names[c]);
        snprintf(legends[ns], sizeof legends[0], "%s, actual", t->names[c]);
        ser[ns] = (plot_series){ .legend = legends[ns] };
        status = figures_series(outdir, "sbg.csv", "period", actual, NULL, NULL, &ser[ns], d);
        ns++;
        snprintf(legends[ns], sizeof legends[0], "%s, sBG fit and projection", t->names[c]);
        ser[ns] = (plot_series){ .legend = legends[ns] };
        if (!status)
            status = figures_series(outdir, "sbg.csv", "period", fitted, NULL, NULL, &ser[ns], d);
        ns++;
        if (status)
            return status;
    }
    plot_spec sp = { "sbg", PLOT_LINES_BANDS, PLOT_PNG, "Customers still subscribed: data and sBG projection",
                     "period since the cohort started", "customers still subscribed (count)", ser, ns, 0,
                     NULL, 0, 0 };
    if (figures_render(outdir, &sp, PLOT_PNG, LANG_EN, d))
        return d->status;
    json_t *root = json_object();
    json_object_set_new(root, "file", json_string(path));
    json_t *cohorts = json_array();
    for (int c = 1; c <= ncoh; c++) {
        json_t *x = json_object();
        const sbg_fit *s = &fits[c - 1];
        json_object_set_new(x, "cohort", json_string(t->names[c]));
        json_object_set_new(x, "alpha", out_json_number(s->alpha));
        json_object_set_new(x, "alpha_se", out_json_number(s->se[0]));
        json_object_set_new(x, "beta", out_json_number(s->beta));
        json_object_set_new(x, "beta_se", out_json_number(s->se[1]));
        json_object_set_new(x, "loglik", out_json_number(s->loglik));
        /* a new customer's expected payments at 10 % a period: the first,
         * then the discounted residual lifetime after it */
        json_object_set_new(x, "expected_payments_new_customer_discounted_10pct",
                            out_json_number(1 + sbg_dert(s, 0.1, 0) / 1.1));
        json_array_append_new(cohorts, x);
        if (c == 1)
            json_object_set_new(root, "sbg", json_deep_copy(x));
    }
    json_object_set_new(root, "cohorts", cohorts);
    if ((status = out_json_commit(root, outdir, "summary.json", d)))
        return status;
    f = out_open(outdir, "fitted.ini", tmp, sizeof tmp, d);
    if (!f)
        return d->status;
    fprintf(f, "; Fitted by `retsim fit --survivors %s` (shifted-beta-geometric, cohort '%s').\n"
               "; Set period_days to the length of one period and price to the fee per period.\n\n"
               "[scenario]\nname = fitted_contract\nhorizon_days = 3650\n\n[customer]\nmodel = sbg\n\n"
               "[channel.cohort]\nprospects_per_day = %g\nstep_conversion = 1\nstop_day = 1\n\n"
               "[sbg]\nalpha = %.6g\nbeta = %.6g\nperiod_days = 365\nprice = 100\n",
            path, t->names[1], t->v[0][1], fits[0].alpha, fits[0].beta);
    return out_commit(f, tmp, outdir, "fitted.ini", d);
}

void fit_report_print_survivors(const surv_table *t, const sbg_fit *fits, const char *outdir)
{
    lang_id L = lang_ui();
    int ncoh = t->cols - 1;
    for (int c = 1; c <= ncoh; c++)
        printf(tr(L, "%s: sBG alpha = %.4g (%.2g), beta = %.4g (%.2g), log-likelihood %.2f\n"), t->names[c],
               fits[c - 1].alpha, fits[c - 1].se[0], fits[c - 1].beta, fits[c - 1].se[1],
               fits[c - 1].loglik);
    printf(tr(L, "  wrote %s/ (summary.json, sbg.csv, sbg.png, fitted.ini)\n"), outdir);
}
