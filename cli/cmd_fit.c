/* retsim fit: a baseline scenario from the business's own transactions.
 *
 * Reads a till or CRM export, describes it (RFM, cohorts, the stickiness
 * curve), fits the BG/NBD purchase process and Gamma-Gamma spend by maximum
 * likelihood, scores every customer (probability still alive, expected
 * purchases and value), lists those slipping away, checks the fit against a
 * holdout, and writes fitted.ini: a scenario that every what-if can start
 * from.  With --survivors it fits the shifted-beta-geometric model to
 * contractual cohorts instead. */
#include <csv.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../fit/btyd.h"
#include "../present/describe.h"
#include "../fit/translog.h"
#include "cli.h"
#include "commands.h"
#include "../present/figures.h"
#include "outdir.h"
#include "../sim/input.h"
#include "../present/output.h"

typedef struct fit_opts {
    translog_opts log;
    const char *holdout_from;
    double period_days;
    const char *period_name;
    const char *out;
    const char *survivors;
    const char *file;
    int quiet;
    double alive_floor, alive_ceiling; /* the recall list's P(alive) band */
    int top;                           /* rows of at_risk.csv */
    int force;               /* --force: write into a folder that is not a retsim output */
} fit_opts;

/* The recall list's defaults (see write_recall_lists for the definitions).
 * Below 0.3, seven in ten such customers have already left for good: a
 * call mostly reaches someone who is gone, so they are listed apart.
 * Above 0.7, seven in ten are still customers who will buy again without
 * being asked: a call mostly interrupts someone who was coming back.  The
 * band between is where the outcome is in doubt and a nudge can matter.
 * 100 rows: a week or two of calls for one person, a list to act on. */
#define RECALL_ALIVE_FLOOR 0.3
#define RECALL_ALIVE_CEILING 0.7
#define RECALL_TOP 100
/* value at stake is reckoned over the next year, whatever the fit's period */
#define RECALL_HORIZON_DAYS 365.0

static const char *const fit_synopsis[] = {
    "retsim fit FILE.csv [options]", "retsim fit --survivors FILE.csv [--out DIR]", NULL
};
static const char *const fit_examples[] = {
    "retsim fit transactions.csv --holdout-from 2024-07-01 && retsim run out/transactions_fit/fitted.ini",
    NULL
};
static const help_option fit_options[] = {
    { "--customer COL", "customer id column (default: detected, e.g. id, customer, 客户编号)", 0 },
    { "--date COL", "purchase date column (default: detected)", 0 },
    { "--amount COL", "amount column (default: detected)", 0 },
    { "--date-format FMT", "e.g. %Y-%m-%d, %d/%m/%Y (default: detected)", 0 },
    { "--holdout-from D", "fit on purchases before date D, check predictions on the rest", 0 },
    { "--period P", "day, week or month: the time unit of the fit (default week)", 0 },
    { "--max-bad S", "refuse when more than this share of rows is unreadable (default 5%)", 0 },
    { "--max-input-size S", "largest transaction file read (default 2G; e.g. 8G)", 0 },
    { "--survivors FILE", "fit the shifted-beta-geometric model to FILE, contractual cohorts, instead of "
                          "a transaction export", 0 },
    { "--alive-floor P", "recall list: customers with P(alive) below P are already gone, listed apart in "
                         "gone.csv (default 0.3)", 0 },
    { "--alive-ceiling P", "recall list: customers with P(alive) above P are still buying, not worth a "
                           "call (default 0.7)", 0 },
    { "--top N", "recall list: at most N customers, most value at stake first (default 100)", 0 },
    { "-o, --out DIR", "output directory (default out/NAME_fit; replaced whole when complete)", 0 },
    { "--force", "also write into a folder that is not a retsim output (its files are kept)", 0 },
    { "-q, --quiet", "no summary on stdout", 0 },
    { "-h, --help", "this help", 0 },
    { NULL, NULL, 0 }
};
static const help_page fit_help = {
    .synopsis = fit_synopsis,
    .description = "Turns a transaction export (one row per purchase: customer, date, amount) into a "
                   "baseline scenario. Describes the data, fits the BG/NBD purchase model and Gamma-Gamma "
                   "spend by maximum likelihood, scores each customer and lists those slipping away. With "
                   "--survivors, fits the shifted-beta-geometric model to contractual cohorts (a CSV: "
                   "period, then customers still subscribed per cohort).",
    .options = fit_options,
    .writes = "writes: summary.json, customers.csv, at_risk.csv (the recall list), gone.csv, "
              "rfm.csv, cohorts.csv/.png, interpurchase.csv, stickiness.csv/.png, tracking.csv/.png, "
              "frequency.csv/.png (customers by repeat purchases, data against the fit), holdout.csv/.png "
              "(with --holdout-from) and fitted.ini (run it: retsim run DIR/fitted.ini)",
    .examples = fit_examples,
};

static int parse_fit_opts(int argc, char **argv, fit_opts *o, int *help, diag *d)
{
    static const struct option opts[] = {
        { "customer", required_argument, 0, 'C' }, { "date", required_argument, 0, 'D' },
        { "amount", required_argument, 0, 'A' },   { "date-format", required_argument, 0, 'F' },
        { "holdout-from", required_argument, 0, 'H' }, { "period", required_argument, 0, 'P' },
        { "max-bad", required_argument, 0, 'B' }, { "out", required_argument, 0, 'o' },
        { "survivors", required_argument, 0, 'S' }, { "quiet", no_argument, 0, 'q' },
        { "alive-floor", required_argument, 0, 'L' }, { "alive-ceiling", required_argument, 0, 'U' },
        { "top", required_argument, 0, 'N' },
        { "help", no_argument, 0, 'h' }, { "force", no_argument, 0, 'f' },
        { "max-input-size", required_argument, 0, 'Z' }, { 0, 0, 0, 0 }
    };
    memset(o, 0, sizeof *o);
    input_set_max_bytes(0);
    o->period_days = 7;
    o->period_name = "week";
    o->log.max_bad_share = 0.05;
    o->alive_floor = RECALL_ALIVE_FLOOR;
    o->alive_ceiling = RECALL_ALIVE_CEILING;
    o->top = RECALL_TOP;
    *help = 0;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":o:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'C': o->log.customer_col = optarg; break;
        case 'D': o->log.date_col = optarg; break;
        case 'A': o->log.amount_col = optarg; break;
        case 'F': o->log.date_format = optarg; break;
        case 'H': o->holdout_from = optarg; break;
        case 'o': o->out = optarg; break;
        case 'S': o->survivors = optarg; break;
        case 'q': o->quiet = 1; break;
        case 'f': o->force = 1; break;
        case 'h': *help = 1; return 0;
        case 'P':
            if (!strcmp(optarg, "day"))
                o->period_days = 1;
            else if (!strcmp(optarg, "week"))
                o->period_days = 7;
            else if (!strcmp(optarg, "month"))
                o->period_days = 365.25 / 12;
            else
                return diag_set(d, DIAG_USAGE, "--period %s: expected day, week or month", optarg);
            o->period_name = optarg;
            break;
        case 'B': {
            char *end;
            errno = 0;
            double v = strtod(optarg, &end);
            int pct = *end == '%';
            if (pct)
                end++;
            if (*end || errno || !(v >= 0) || (pct ? v > 100 : v > 1))
                return diag_set(d, DIAG_USAGE, "--max-bad %s: expected a share such as 0.05 or 5%%",
                                optarg);
            o->log.max_bad_share = pct ? v / 100 : v;
            break;
        }
        case 'L':
        case 'U': {
            char *end;
            errno = 0;
            double v = strtod(optarg, &end);
            if (end == optarg || *end || errno || !(v >= 0 && v <= 1))
                return diag_set(d, DIAG_USAGE, "%s %s: expected a probability between 0 and 1, e.g. %g",
                                c == 'L' ? "--alive-floor" : "--alive-ceiling", optarg,
                                c == 'L' ? RECALL_ALIVE_FLOOR : RECALL_ALIVE_CEILING);
            *(c == 'L' ? &o->alive_floor : &o->alive_ceiling) = v;
            break;
        }
        case 'N': {
            char *end;
            errno = 0;
            long v = strtol(optarg, &end, 10);
            if (end == optarg || *end || errno || v < 1 || v > 100000000)
                return diag_set(d, DIAG_USAGE,
                                "--top %s: expected a whole number of customers, 1 or more (default %d)",
                                optarg, RECALL_TOP);
            o->top = (int)v;
            break;
        }
        case 'Z':
            if (input_max_size_option(optarg, d))
                return d->status;
            break;
        case ':':
            return diag_set(d, DIAG_USAGE, "%s needs a value (see retsim fit --help)", argv[optind - 1]);
        default:
            return diag_set(d, DIAG_USAGE, "unknown option '%s' (see retsim fit --help)",
                            argv[optind - 1]);
        }
    }
    if (!(o->alive_floor < o->alive_ceiling))
        return diag_set(d, DIAG_USAGE,
                        "--alive-floor %g must be below --alive-ceiling %g: customers between the two "
                        "make the recall list",
                        o->alive_floor, o->alive_ceiling);
    if (o->survivors) {
        if (optind < argc)
            return diag_set(d, DIAG_USAGE, "with --survivors, no transaction file: unexpected '%s'",
                            argv[optind]);
        return 0;
    }
    if (optind >= argc)
        return diag_set(d, DIAG_USAGE, "which file? usage: retsim fit FILE.csv (one row per purchase: "
                                       "customer, date, amount)");
    if (optind + 1 < argc)
        return diag_set(d, DIAG_USAGE, "one file at a time; unexpected '%s'", argv[optind + 1]);
    o->file = argv[optind];
    return 0;
}

static const char *csv_quote(const char *s, char *buf, size_t cap)
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

/* ---- transaction mode ---- */

typedef struct fit_state {
    const fit_opts *o;
    translog *log;
    cust_summary *cs;
    int n;                    /* customers with a first purchase in the calibration span */
    int cal_end;              /* last day of the calibration span */
    int holdout_days;         /* 0 without a holdout */
    double horizon_periods;   /* for expected purchases */
    bgnbd_fit bg;
    gg_fit gg;
    double top20;
    double holdout_error;     /* relative error of total holdout repeat purchases */
    double holdout_actual, holdout_predicted;
} fit_state;

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
        fprintf(f, "%s,%g,%.4f,%.4f,%.4f,%.6f,%.6f,%.4f\n", csv_quote(s->log->ids[i], q, sizeof q), c->x,
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

typedef struct recall_totals {
    int repeat_buyers, slipping, listed, gone;
    double slipping_value, listed_value, gone_value_then;
} recall_totals;

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
                csv_quote(s->log->ids[r->i], q, sizeof q), r->p_alive, r->p_alive_then, r->silent * P,
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
        fprintf(f, "%d,%s,%.6f,%.0f,%.0f,%g,%.2f,%.2f\n", k + 1, csv_quote(s->log->ids[r->i], q, sizeof q),
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
static int write_frequency(const char *dir, fit_state *s, diag *d)
{
    double actual[FIT_FREQ_BINS] = { 0 }, expected[FIT_FREQ_BINS] = { 0 };
    for (int i = 0; i < s->log->ncust; i++) {
        const cust_summary *c = &s->cs[i];
        if (c->T <= 0)
            continue;
        actual[c->x < FIT_FREQ_BINS - 1 ? (int)c->x : FIT_FREQ_BINS - 1] += 1;
        double below = 0;
        for (int x = 0; x < FIT_FREQ_BINS - 1; x++) {
            double p = bgnbd_p_purchases(&s->bg, x, c->T);
            expected[x] += p;
            below += p;
        }
        expected[FIT_FREQ_BINS - 1] += fmax(0, 1 - below);
    }
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
    double cum_a = 0, prev_p = 0, abs_err = 0;
    for (int w = 1; w <= L; w++) {
        double pred = 0;
        double horizon = fmin(w * P, (double)s->holdout_days) / P;
        for (int i = 0; i < t->ncust; i++) {
            const cust_summary *c = &s->cs[i];
            if (c->T > 0)
                pred += bgnbd_expected_conditional(&s->bg, c->x, c->t_x, c->T, horizon);
        }
        cum_a += actual[w];
        fprintf(f, "%d,%.0f,%.3f,%.0f,%.3f\n", w, actual[w], pred - prev_p, cum_a, pred);
        abs_err += fabs(pred - cum_a);
        prev_p = pred;
    }
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

static int write_fitted_ini(const char *dir, fit_state *s, diag *d)
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
    FILE *f = out_open(dir, "fitted.ini", tmp, sizeof tmp, d);
    if (!f)
        return d->status;
    fprintf(f, "; Fitted by `retsim fit %s` (BG/NBD and Gamma-Gamma by maximum likelihood).\n"
               "; %d customers, first purchases over %d days; the fit's time unit is the %s.\n"
               "; Set [economics] to your margins, then try promotions on it:\n"
               ";   retsim run fitted.ini; retsim compare fitted.ini my_idea.ini (base = fitted.ini)\n\n",
            s->o->file, s->n, acq_days, s->o->period_name);
    fprintf(f, "[scenario]\nname = fitted\ndescription = \"Baseline fitted to %s\"\nhorizon_days = %d\n\n",
            s->o->file, horizon > 3650 ? 3650 : horizon);
    fprintf(f, "[customer]\nmodel = bgnbd\n\n");
    fprintf(f, "; customers arrived at this rate over these days in the data\n"
               "[channel.observed]\nprospects_per_day = %.6g\nstep_conversion = 1\nstart_day = 0\nstop_day = %d\n\n",
            s->n / (double)acq_days, acq_days);
    fprintf(f, "[bgnbd]\nr = %.6g\nalpha = %.6g\na = %.6g\nb = %.6g\nperiod_days = %.6g\n\n", s->bg.r,
            s->bg.alpha, s->bg.a, s->bg.b, s->o->period_days);
    fprintf(f, "[gamma_gamma]\np = %.6g\nq = %.6g\ngamma = %.6g\n\n", s->gg.p, s->gg.q, s->gg.gamma);
    fprintf(f, "[economics]\ngross_margin = 0.6\ndiscount_rate = 0.1\n");
    return out_commit(f, tmp, dir, "fitted.ini", d);
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
        json_object_set_new(root, "validation", v);
    }
    return out_json_commit(root, dir, "summary.json", d);
}

static int fit_transactions(const fit_opts *o, const char *outdir, diag *d)
{
    fit_state s = { 0 };
    s.o = o;
    int status = 0;
    recall_totals rt = { 0 };
    s.log = translog_read(o->file, &o->log, d);
    if (!s.log)
        return d->status;
    s.cal_end = s.log->max_day;
    if (o->holdout_from) {
        int day;
        const char *fmt = o->log.date_format ? o->log.date_format : "%Y-%m-%d";
        if (translog_parse_date(o->holdout_from, fmt, &day)) {
            status = diag_set(d, DIAG_USAGE, "--holdout-from %s: expected a date like 1997-10-01 (format %s)",
                              o->holdout_from, fmt);
            goto done;
        }
        if (day <= s.log->min_day || day > s.log->max_day) {
            status = diag_set(d, DIAG_USAGE,
                              "--holdout-from %s is outside the data's span: it must fall after the first "
                              "day and on or before the last",
                              o->holdout_from);
            goto done;
        }
        s.cal_end = day - 1;
        s.holdout_days = s.log->max_day - s.cal_end;
    }
    s.horizon_periods = (s.holdout_days ? s.holdout_days : s.log->max_day - s.log->min_day + 1)
                        / o->period_days;
    s.cs = calloc((size_t)s.log->ncust, sizeof *s.cs);
    if (!s.cs) {
        status = diag_set(d, DIAG_RUNTIME, "out of memory");
        goto done;
    }
    describe_summarise(s.log, s.cal_end, o->period_days, s.cs);
    cust_summary *fit_cs = malloc((size_t)s.log->ncust * sizeof *fit_cs);
    if (!fit_cs) {
        status = diag_set(d, DIAG_RUNTIME, "out of memory");
        goto done;
    }
    for (int i = 0; i < s.log->ncust; i++)
        if (s.cs[i].T > 0)
            fit_cs[s.n++] = s.cs[i];
    status = bgnbd_fit_run(fit_cs, s.n, &s.bg, d);
    if (!status)
        status = gg_fit_run(fit_cs, s.n, &s.gg, d);
    free(fit_cs);
    if (status)
        goto done;
    /* all fitted: only now is anything written, into a folder put in place whole */
    outdir_txn *od = outdir_begin(outdir, o->force, d);
    if (!od) {
        status = d->status;
        goto done;
    }
    if ((status = describe_write(od->path, s.log, s.cal_end, &s.top20, d))
        || (status = write_customers(od->path, &s, d))
        || (status = write_recall_lists(od->path, &s, &rt, d))
        || (status = write_tracking(od->path, &s, d))
        || (status = write_frequency(od->path, &s, d))
        || (s.holdout_days && (status = write_holdout(od->path, &s, d)))
        || (status = write_fitted_ini(od->path, &s, d))
        || (status = write_fit_summary(od->path, &s, &rt, d))
        || (status = outdir_commit(od, d)))
        goto done;
    if (!o->quiet) {
        const translog *t = s.log;
        printf("%s: %d customers, %d transactions over %d days (%ld same-day purchases merged into one; "
               "%ld unreadable rows skipped)\n",
               o->file, t->ncust, t->ntx, t->max_day - t->min_day + 1, t->merged_rows, t->bad_rows);
        if (t->bad_rows > 0) {
            printf("  unreadable rows skipped (first %d of %ld):\n", t->nbad_kept, t->bad_rows);
            for (int k = 0; k < t->nbad_kept && k < 5; k++)
                printf("    line %ld: %s\n", t->bad_line[k], t->bad_reason[k]);
        }
        printf("  BG/NBD (per %s): r = %.4g (%.2g), alpha = %.4g (%.2g), a = %.4g (%.2g), b = %.4g (%.2g), "
               "log-likelihood %.1f\n",
               o->period_name, s.bg.r, s.bg.se[0], s.bg.alpha, s.bg.se[1], s.bg.a, s.bg.se[2], s.bg.b,
               s.bg.se[3], s.bg.loglik);
        printf("  Gamma-Gamma: p = %.4g (%.2g), q = %.4g (%.2g), gamma = %.4g (%.2g), %d repeat buyers\n",
               s.gg.p, s.gg.se[0], s.gg.q, s.gg.se[1], s.gg.gamma, s.gg.se[2], s.gg.n);
        printf("  top 20 %% of customers bring %.1f %% of revenue\n", 100 * s.top20);
        printf("  recall list: %d of %d slipping repeat buyers (P(alive) %g-%g, silent longer than their "
               "usual gap), %.0f of revenue at stake over the next year (at_risk.csv); %d already gone "
               "(P(alive) below %g), listed apart in gone.csv\n",
               rt.listed, rt.slipping, o->alive_floor, o->alive_ceiling, rt.listed_value, rt.gone,
               o->alive_floor);
        if (s.holdout_days)
            printf("  holdout (%d days): %.0f repeat purchases predicted, %.0f actual (%+.1f %%)\n",
                   s.holdout_days, s.holdout_predicted, s.holdout_actual, 100 * s.holdout_error);
        printf("  wrote %s/ (summary.json, customers.csv, at_risk.csv, gone.csv, frequency.csv, fitted.ini, plots); "
               "next: retsim run %s/fitted.ini\n", outdir, outdir);
    }
done:
    free(s.cs);
    translog_free(s.log);
    return status;
}

/* ---- survivors mode ---- */

#define SURV_MAX_COHORTS 16
#define SURV_MAX_PERIODS 400

typedef struct surv_table {
    int cols, rows, line, field;
    char names[SURV_MAX_COHORTS + 1][64];
    double v[SURV_MAX_PERIODS][SURV_MAX_COHORTS + 1];
    int bad_line, bad_col;
    char bad_text[64];
} surv_table;

static void surv_field(void *s, size_t len, void *data)
{
    surv_table *t = data;
    char buf[64];
    snprintf(buf, sizeof buf, "%.*s", (int)(len < 63 ? len : 63), s ? (const char *)s : "");
    if (t->line == 0) {
        if (t->field <= SURV_MAX_COHORTS)
            snprintf(t->names[t->field], sizeof t->names[0], "%s", buf);
    } else if (t->rows < SURV_MAX_PERIODS && t->field <= SURV_MAX_COHORTS) {
        char *end;
        errno = 0;
        double x = strtod(buf, &end);
        if (!*buf || *end || errno || !(x >= 0)) {
            if (!t->bad_line) {
                t->bad_line = t->line + 1;
                t->bad_col = t->field + 1;
                snprintf(t->bad_text, sizeof t->bad_text, "%s", buf);
            }
        } else
            t->v[t->rows][t->field] = x;
    }
    t->field++;
}

static void surv_row(int c, void *data)
{
    (void)c;
    surv_table *t = data;
    if (t->line == 0)
        t->cols = t->field;
    else if (t->field > 0)
        t->rows++;
    t->line++;
    t->field = 0;
}

static int fit_survivors(const fit_opts *o, const char *outdir, diag *d)
{
    FILE *in = fopen(o->survivors, "rb");
    if (!in)
        return diag_set(d, DIAG_USAGE, "%s: cannot open: %s", o->survivors, strerror(errno));
    surv_table *t = calloc(1, sizeof *t);
    struct csv_parser p;
    if (!t || csv_init(&p, CSV_APPEND_NULL)) {
        fclose(in);
        free(t);
        return diag_set(d, DIAG_RUNTIME, "out of memory");
    }
    char buf[4096];
    size_t got;
    int status = 0;
    while ((got = fread(buf, 1, sizeof buf, in)) > 0)
        if (csv_parse(&p, buf, got, surv_field, surv_row, t) != got) {
            status = diag_set(d, DIAG_USAGE, "%s: not a CSV file: %s", o->survivors,
                              csv_strerror(csv_error(&p)));
            break;
        }
    csv_fini(&p, surv_field, surv_row, t);
    csv_free(&p);
    fclose(in);
    sbg_fit fits[SURV_MAX_COHORTS];
    int ncoh = t->cols - 1;
    if (!status && (ncoh < 1 || t->rows < 3))
        status = diag_set(d, DIAG_USAGE,
                          "%s: expected a header (period, then one column per cohort) and at least 3 "
                          "periods of customers still subscribed; found %d columns and %d rows",
                          o->survivors, t->cols, t->rows);
    if (!status && t->bad_line)
        status = diag_set(d, DIAG_USAGE, "%s:%d: column %d = '%s': expected a count of customers (>= 0)",
                          o->survivors, t->bad_line, t->bad_col, t->bad_text);
    for (int c = 1; !status && c <= ncoh; c++) {
        double surv[SURV_MAX_PERIODS];
        for (int r = 0; r < t->rows; r++) {
            surv[r] = t->v[r][c];
            if (r > 0 && surv[r] > surv[r - 1])
                status = diag_set(d, DIAG_USAGE,
                                  "%s:%d: cohort '%s' grows from %g to %g: survivors can only fall",
                                  o->survivors, r + 2, t->names[c], surv[r - 1], surv[r]);
        }
        if (!status) {
            diag inner = { 0 };
            if (sbg_fit_run(surv, t->rows - 1, &fits[c - 1], &inner))
                status = diag_set(d, inner.status, "cohort '%s': %s", t->names[c], inner.msg);
        }
    }
    if (status) {
        free(t);
        return status;
    }
    /* written into a temporary folder put in place whole (outdir.h); an
     * early return leaves it to main, which removes it */
    outdir_txn *od = outdir_begin(outdir, o->force, d);
    if (!od) {
        free(t);
        return d->status;
    }
    const char *target = outdir;
    outdir = od->path;
    /* fitted survival for the data's periods and as many again */
    char tmp[4200];
    FILE *f = out_open(outdir, "sbg.csv", tmp, sizeof tmp, d);
    if (!f) {
        free(t);
        return d->status;
    }
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
    if ((status = out_commit(f, tmp, outdir, "sbg.csv", d))) {
        free(t);
        return status;
    }
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
        if (status) {
            free(t);
            return status;
        }
    }
    plot_spec sp = { "sbg", PLOT_LINES_BANDS, PLOT_PNG, "Customers still subscribed: data and sBG projection",
                     "period since the cohort started", "customers still subscribed (count)", ser, ns, 0,
                     NULL, 0, 0 };
    if (figures_render(outdir, &sp, PLOT_PNG, LANG_EN, d)) {
        free(t);
        return d->status;
    }
    json_t *root = json_object();
    json_object_set_new(root, "file", json_string(o->survivors));
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
    if ((status = out_json_commit(root, outdir, "summary.json", d))) {
        free(t);
        return status;
    }
    f = out_open(outdir, "fitted.ini", tmp, sizeof tmp, d);
    if (!f) {
        free(t);
        return d->status;
    }
    fprintf(f, "; Fitted by `retsim fit --survivors %s` (shifted-beta-geometric, cohort '%s').\n"
               "; Set period_days to the length of one period and price to the fee per period.\n\n"
               "[scenario]\nname = fitted_contract\nhorizon_days = 3650\n\n[customer]\nmodel = sbg\n\n"
               "[channel.cohort]\nprospects_per_day = %g\nstep_conversion = 1\nstop_day = 1\n\n"
               "[sbg]\nalpha = %.6g\nbeta = %.6g\nperiod_days = 365\nprice = 100\n",
            o->survivors, t->names[1], t->v[0][1], fits[0].alpha, fits[0].beta);
    status = out_commit(f, tmp, outdir, "fitted.ini", d);
    if (!status)
        status = outdir_commit(od, d);
    outdir = target;
    if (!status && !o->quiet) {
        for (int c = 1; c <= ncoh; c++)
            printf("%s: sBG alpha = %.4g (%.2g), beta = %.4g (%.2g), log-likelihood %.2f\n", t->names[c],
                   fits[c - 1].alpha, fits[c - 1].se[0], fits[c - 1].beta, fits[c - 1].se[1],
                   fits[c - 1].loglik);
        printf("  wrote %s/ (summary.json, sbg.csv, sbg.png, fitted.ini)\n", outdir);
    }
    free(t);
    return status;
}

static int fit_run(int argc, char **argv, diag *d)
{
    fit_opts o;
    int help;
    if (parse_fit_opts(argc, argv, &o, &help, d))
        return d->status;
    if (help) {
        help_print(stdout, &fit_help);
        return 0;
    }
    char outbuf[4096];
    const char *outdir = o.out;
    if (!outdir) {
        cli_default_out(o.survivors ? o.survivors : o.file, outbuf, sizeof outbuf);
        strncat(outbuf, "_fit", sizeof outbuf - strlen(outbuf) - 1);
        outdir = outbuf;
    }
    if (outdir_check(outdir, o.force, d)) /* before the work, not after */
        return d->status;
    return o.survivors ? fit_survivors(&o, outdir, d) : fit_transactions(&o, outdir, d);
}

const command cmd_fit = { "fit", "fit a baseline to a transaction log; list customers at risk",
                          fit_run, &fit_help };
