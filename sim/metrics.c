#include "metrics.h"
#include "lang.h"
#include "diag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const metric_info metric_table[MET_COUNT] = {
    [MET_PROFIT] = { "profit", "currency", N_("Recognised revenue minus cost of goods, service cost per visit, promotion costs, acquisition and touch costs."),
                      .label = N_("profit"),
                      .plain = NC_("plain", "profit over the horizon") },
    [MET_PROFIT_NPV] = { "profit_npv", "currency", N_("Profit discounted to day 0 at the yearly discount rate."),
                      .label = N_("profit, discounted") },
    [MET_REVENUE] = { "revenue", "currency", N_("Revenue recognised for purchases over the horizon (prepaid balances count when spent)."),
                      .label = N_("revenue"),
                      .plain = NC_("plain", "revenue") },
    [MET_GROSS_MARGIN] = { "gross_margin", "currency", N_("Recognised revenue minus cost of goods, service cost per visit and promotion costs."),
                      .label = N_("gross margin") },
    [MET_ACQUISITION_COST] = { "acquisition_cost", "currency", N_("Cost of all prospects, bought or not."),
                      .label = N_("acquisition cost"),
                      .plain = NC_("plain", "cost of winning customers") },
    [MET_TOUCH_COST] = { "touch_cost", "currency", N_("Cost of reminders and other touches."),
                      .label = N_("touch cost"),
                      .plain = NC_("plain", "cost of reminders") },
    [MET_PROSPECTS] = { "prospects", "people", N_("Prospects who came into contact through any channel."),
                      .label = N_("prospects") },
    [MET_NEW_CUSTOMERS] = { "new_customers", "people", N_("Prospects who made a first purchase."),
                      .label = N_("new customers"),
                      .plain = NC_("plain", "new customers") },
    [MET_NEVER_BOUGHT] = { "consulted_never_bought", "people", N_("Prospects who never bought."),
                      .label = N_("prospects who never bought") },
    [MET_VISITS] = { "visits", "visits", N_("Purchases made over the horizon."),
                      .label = N_("visits (purchases)") },
    [MET_ACTIVE_END] = { "active_customers_end", "people", N_("Customers with a purchase within silent_after days at the horizon."),
                      .label = N_("active customers at the end") },
    [MET_RETENTION_30] = { "retention_30", "share", N_("Share of customers still customers at age 30 days (survival): their final purchase, after which the simulator knows they never come back, is at age 30 days or later. Kaplan-Meier over each customer's whole days of age inside the horizon, so it does not depend on the horizon; omitted when the horizon is not above 30 days."),
                      .label = N_("retention at 30 days") },
    [MET_RETENTION_90] = { "retention_90", "share", N_("The same (survival) at age 90 days."),
                      .label = N_("retention at 90 days"),
                      .plain = NC_("plain", "share still buying 90 days after their first visit") },
    [MET_RETENTION_180] = { "retention_180", "share", N_("The same (survival) at age 180 days."),
                      .label = N_("retention at 180 days") },
    [MET_RETENTION_365] = { "retention_365", "share", N_("The same (survival) at age 365 days."),
                      .label = N_("retention at 365 days"),
                      .plain = NC_("plain", "share still buying a year after their first visit") },
    [MET_OBSERVED_RETENTION_90] = { "observed_retention_90", "share", N_("Retention at age 90 days as a business sees it from purchases alone: a customer counts as lost at the first purchase followed by lost_after days without one. Kaplan-Meier over the ages whose silence window lies inside the horizon."),
                      .label = N_("observed retention at 90 days") },
    [MET_OBSERVED_RETENTION_365] = { "observed_retention_365", "share", N_("The same (observed) at age 365 days."),
                      .label = N_("observed retention at 365 days") },
    [MET_REPEAT_RATE] = { "repeat_rate", "share", N_("Share of customers with a second purchase within the horizon."),
                      .label = N_("customers buying twice"),
                      .plain = NC_("plain", "share of new customers who came back at least once") },
    [MET_CLV] = { "clv", "currency", N_("Mean lifetime value per customer realised within the horizon: discounted margin minus acquisition and touch costs (nothing after the horizon; see clv_projected)."),
                      .label = N_("lifetime value per customer"),
                      .plain = NC_("plain", "lifetime value per customer (within the horizon)") },
    [MET_CLV_PROJECTED] = { "clv_projected", "currency", N_("clv plus, for each customer still a customer at the horizon, the expected margin of their later visits from the customer model's continuation (their next visit, then each further one with the model's chance of returning), discounted to the first purchase like clv; leaves out promotions and reminders after the horizon."),
                      .label = N_("projected lifetime value per customer") },
    [MET_TOP20_SHARE] = { "top20_revenue_share", "share", N_(/* xgettext:no-c-format */ "Share of revenue from the top 20 % of customers."),
                      .label = N_("revenue share of the top 20 %") },
    [MET_PURCHASES_PER_CUSTOMER] = { "purchases_per_customer", "visits", N_("Mean purchases per customer."),
                      .label = N_("purchases per customer"),
                      .plain = NC_("plain", "purchases per customer") },
    [MET_FUNNEL_2ND] = { "customers_2nd_purchase", "people", N_("Customers who made at least 2 purchases."),
                      .label = N_("customers with a 2nd purchase"),
                      .plain = NC_("plain", "customers who came at least twice") },
    [MET_FUNNEL_3RD] = { "customers_3rd_purchase", "people", N_("Customers who made at least 3 purchases."),
                      .label = N_("customers with a 3rd purchase"),
                      .plain = NC_("plain", "customers who came at least 3 times") },
    [MET_FUNNEL_5TH] = { "customers_5th_purchase", "people", N_("Customers who made at least 5 purchases."),
                      .label = N_("customers with a 5th purchase"),
                      .plain = NC_("plain", "customers who came at least 5 times") },
    [MET_REFERRED_PROSPECTS] = { "referred_prospects", "people", N_("Prospects brought by promoters' word of mouth."),
                      .label = N_("referred prospects"),
                      .plain = NC_("plain", "prospects brought by friends") },
    [MET_LOST_PROSPECTS] = { "prospects_lost_to_detractors", "people", N_("Expected organic prospects removed by detractors."),
                      .label = N_("prospects lost to detractors"),
                      .plain = NC_("plain", "prospects lost to bad word of mouth") },
    [MET_PROMOTER_VISITS] = { "promoter_visits", "visits", N_("Visits leaving the customer a promoter."),
                      .label = N_("visits leaving a promoter"),
                      .plain = NC_("plain", "visits that left a promoter (good word of mouth)") },
    [MET_DETRACTOR_VISITS] = { "detractor_visits", "visits", N_("Visits leaving the customer a detractor."),
                      .label = N_("visits leaving a detractor"),
                      .plain = NC_("plain", "visits that left a detractor (bad word of mouth)") },
    [MET_REMINDERS] = { "reminders_sent", "touches", N_("Reminders sent: recall's reminders and win-back messages."),
                      .label = N_("reminders sent"),
                      .plain = NC_("plain", "reminders sent") },
    [MET_RECALLED] = { "customers_recalled", "visits", N_("Returns brought by a reminder or a win-back message from customers who would not have come back."),
                      .label = N_("returns brought by reminders"),
                      .plain = NC_("plain", "returns brought by a reminder") },
    [MET_MEAN_SATISFACTION] = { "mean_satisfaction", "currency", N_("Mean satisfaction (value minus expectation) over all visits."),
                      .label = N_("mean satisfaction"),
                      .plain = NC_("plain", "average satisfaction per visit") },
    [MET_CASH_IN] = { "cash_in", "currency", N_("Money received, including prepaid balances not yet spent."),
                      .label = N_("cash in"),
                      .plain = NC_("plain", "cash received (including prepaid balances)") },
    [MET_DISCOUNTS] = { "discounts", "currency", N_("Money taken off bills by promotions (free meals, vouchers, bonuses, points)."),
                      .label = N_("discounts"),
                      .plain = NC_("plain", "money taken off bills: discounts, vouchers, free meals") },
    [MET_PROMO_COST] = { "promotion_cost", "currency", N_("Cost of goods and rewards given away by promotions, beyond discounts."),
                      .label = N_("promotion cost") },
    [MET_LIABILITY_END] = { "liability_end", "currency", N_("Prepaid value still owed to customers at the horizon; not in profit."),
                      .label = N_("owed to customers at the end"),
                      .plain = NC_("plain", "prepaid balances still owed at the end") },
    [MET_FIRST_VISIT_NEGATIVE] = { "first_visit_negative_value_share", "share", N_("Share of first visits whose perceived value was negative."),
                      .label = N_("first visits with negative value"),
                      .plain = NC_("plain", "share of first visits that felt worth less than they cost") },
    [MET_QUEUE_WAIT] = { "queue_wait_minutes", "minutes", N_("Mean wait in the queue before service over the purchases made, each at its day's wait from demand against [capacity] (M/M/c, docs/queue.md); only with [capacity]."),
                      .label = N_("mean wait in the queue"), .optional = 1 },
    [MET_BALKED] = { "balked_arrivals", "visits", N_("Arrivals (due visits and would-be first purchases) who saw the day's queue and walked away without buying; only with [capacity]."),
                      .label = N_("arrivals who walked away"), .optional = 1 },
    [MET_BALK_SHARE] = { "balked_share", "share", N_("Share of arrivals who walked away from the queue: balked_arrivals / (balked_arrivals + visits); only with [capacity]."),
                      .label = N_("share who walked away"), .optional = 1 },
    [MET_BASE_CUSTOMERS] = { "base_customers", "people", N_("Existing customers the simulation starts from on day 0, the as-of date of a fitted base ([base]); only with [base]."),
                      .label = N_("existing customers"), .optional = 1 },
    [MET_BASE_ALIVE_START] = { "base_alive_share_start", "share", N_("Share of the existing customers still customers on day 0, each drawn alive with their probability given their own history (P(alive)); only with [base]."),
                      .label = N_("existing customers still customers today"), .optional = 1 },
    [MET_BASE_ALIVE_END] = { "base_alive_share_end", "share", N_("Share of the existing customers still customers at the horizon (not yet lost for good); only with [base]."),
                      .label = N_("existing customers still customers at the end"), .optional = 1 },
    [MET_BASE_PURCHASES] = { "base_purchases", "visits", N_("Purchases the existing customers make within the horizon; only with [base]."),
                      .label = N_("purchases by existing customers"), .optional = 1 },
    [MET_BASE_RETURNING] = { "base_returning_share", "share", N_("Share of the existing customers who buy at least once more within the horizon; only with [base]."),
                      .label = N_("existing customers buying again"), .optional = 1 },
    [MET_BASE_REVENUE] = { "base_revenue", "currency", N_("Revenue from the existing customers' purchases within the horizon; only with [base]."),
                      .label = N_("revenue from existing customers"), .optional = 1 },
};

const metric_info curve_table[CUR_COUNT] = {
    [CUR_RETENTION] = { "retention", "share", "Share of customers still customers at this age (survival: final purchase at this age or later), Kaplan-Meier on the simulator's knowledge of who is lost." },
    [CUR_OBSERVED_RETENTION] = { "observed_retention", "share", "The same as a business judges it from purchases alone (lost after lost_after days without a purchase), Kaplan-Meier." },
    [CUR_ACTIVE] = { "active", "people", "Customers with a purchase within silent_after days." },
    [CUR_SILENT] = { "silent", "people", "Customers silent but not yet dormant." },
    [CUR_DORMANT] = { "dormant", "people", "Customers dormant but not yet given up." },
    [CUR_REVENUE] = { "revenue", "currency/day", "Revenue per day." },
    [CUR_COSTS] = { "costs", "currency/day", "Acquisition and touch costs per day." },
    [CUR_PROFIT] = { "profit", "currency/day", "Gross margin minus costs per day." },
    [CUR_CUM_REVENUE] = { "cumulative_revenue", "currency", "Revenue to date." },
    [CUR_CUM_PROFIT] = { "cumulative_profit", "currency", "Profit to date." },
    [CUR_CUM_PROFIT_NPV] = { "cumulative_profit_npv", "currency", "Discounted profit to date." },
    [CUR_NEW_CUSTOMERS] = { "new_customers", "people/day", "First purchases per day." },
    [CUR_VISITS] = { "visits", "visits/day", "Purchases per day." },
};

const char *metric_label(int m, lang_id lang)
{
    return metric_table[m].label ? tr(lang, metric_table[m].label) : metric_table[m].name;
}

const char *metric_plain(int m, lang_id lang)
{
    return metric_table[m].plain ? trc(lang, "plain", metric_table[m].plain) : metric_table[m].name;
}

const char *metric_meaning(int m, lang_id lang)
{
    return tr(lang, metric_table[m].meaning);
}

int metric_material_is_absolute(int m)
{
    return !strcmp(metric_table[m].unit, "share");
}

double metric_material(int m, double override)
{
    if (override > 0)
        return override;
    if (metric_table[m].material > 0)
        return metric_table[m].material;
    return metric_material_is_absolute(m) ? METRIC_MATERIAL_SHARE_PP : METRIC_MATERIAL_RELATIVE;
}

const char *const rfm_recency_names[RFM_RECENCY] = { "active", "silent", "dormant", "lost" };
const char *const rfm_frequency_names[RFM_FREQUENCY] = { "1 purchase", "2 purchases", "3-4 purchases", "5+ purchases" };

const char *const frequency_bin_names[FREQ_BINS] = { "1", "2", "3", "4", "5", "6", "7+" };

const double clv_quantile_levels[CLV_QUANTILES] = { 0.10, 0.25, 0.50, 0.75, 0.90, 0.95, 0.99 };

int metric_retention_age(metric_id m)
{
    switch (m) {
    case MET_RETENTION_30: return 30;
    case MET_RETENTION_90: return 90;
    case MET_RETENTION_180: return 180;
    case MET_RETENTION_365: return 365;
    case MET_OBSERVED_RETENTION_90: return 90;
    case MET_OBSERVED_RETENTION_365: return 365;
    default: return 0;
    }
}

const char *metric_omitted_note(metric_id m, int horizon, char *buf, size_t cap)
{
    int age = metric_retention_age(m);
    if (age > 0 && (m == MET_OBSERVED_RETENTION_90 || m == MET_OBSERVED_RETENTION_365))
        snprintf(buf, cap, "omitted: no customer's purchases at age %d days can be judged within the "
                 "%d-day horizon (a purchase is judged [lifecycle] lost_after days later); lengthen the horizon "
                 "or see retention_%d", age, horizon, age);
    else if (age > 0)
        snprintf(buf, cap, "omitted: no customer is followed to age %d days within the %d-day "
                 "horizon; a horizon above %d days is needed", age, horizon, age);
    else if (m == MET_CLV_PROJECTED)
        snprintf(buf, cap, "omitted: the customer model has no continuation beyond the horizon, or "
                 "its expected future value is unbounded (nobody leaves and nothing is discounted)");
    else
        snprintf(buf, cap, "omitted: undefined in every replication (no customers or no visits)");
    return buf;
}

int metric_of_new_customers(metric_id m)
{
    switch (m) {
    case MET_RETENTION_30: case MET_RETENTION_90: case MET_RETENTION_180: case MET_RETENTION_365:
    case MET_OBSERVED_RETENTION_90: case MET_OBSERVED_RETENTION_365: case MET_REPEAT_RATE:
    case MET_CLV: case MET_CLV_PROJECTED: case MET_TOP20_SHARE: case MET_PURCHASES_PER_CUSTOMER:
    case MET_FIRST_VISIT_NEGATIVE:
        return 1;
    default:
        return 0;
    }
}

const char *metric_no_new_customers_note(char *buf, size_t cap)
{
    snprintf(buf, cap, "%s", tr(lang_ui(), "omitted: no new customer within the horizon (a fitted base without "
                                           "arrivals); the base_* metrics describe the existing customers"));
    return buf;
}

rep_result *rep_alloc(int horizon)
{
    rep_result *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->horizon = horizon;
    for (int c = 0; c < CUR_COUNT; c++) {
        r->curve[c] = calloc((size_t)horizon + 1, sizeof(double));
        if (!r->curve[c]) {
            rep_free(r);
            return NULL;
        }
    }
    return r;
}

void rep_free(rep_result *r)
{
    if (!r)
        return;
    for (int c = 0; c < CUR_COUNT; c++)
        free(r->curve[c]);
    free(r);
}

size_t rep_record_size(int horizon)
{
    return MET_COUNT + (size_t)CUR_COUNT * ((size_t)horizon + 1) + COHORT_CELLS + RFM_CELLS
           + CLV_QUANTILES + FREQ_BINS;
}

/* memcpy of n doubles: every bit, NAN payloads included */
static void rec_move(double *dst, const double *src, size_t n)
{
    memcpy(dst, src, n * sizeof(double));
}

void rep_pack(const rep_result *r, double *rec)
{
    size_t pts = (size_t)r->horizon + 1;
    rec_move(rec, r->metric, MET_COUNT), rec += MET_COUNT;
    for (int c = 0; c < CUR_COUNT; c++)
        rec_move(rec, r->curve[c], pts), rec += pts;
    rec_move(rec, r->cohort, COHORT_CELLS), rec += COHORT_CELLS;
    rec_move(rec, r->rfm, RFM_CELLS), rec += RFM_CELLS;
    rec_move(rec, r->clv_quantile, CLV_QUANTILES), rec += CLV_QUANTILES;
    rec_move(rec, r->frequency, FREQ_BINS);
}

void rep_unpack(rep_result *r, const double *rec)
{
    size_t pts = (size_t)r->horizon + 1;
    rec_move(r->metric, rec, MET_COUNT), rec += MET_COUNT;
    for (int c = 0; c < CUR_COUNT; c++)
        rec_move(r->curve[c], rec, pts), rec += pts;
    rec_move(r->cohort, rec, COHORT_CELLS), rec += COHORT_CELLS;
    rec_move(r->rfm, rec, RFM_CELLS), rec += RFM_CELLS;
    rec_move(r->clv_quantile, rec, CLV_QUANTILES), rec += CLV_QUANTILES;
    rec_move(r->frequency, rec, FREQ_BINS);
}

int metric_index(const char *name, diag *d)
{
    const char *names[MET_COUNT + 1];
    for (int m = 0; m < MET_COUNT; m++) {
        names[m] = metric_table[m].name;
        if (!strcmp(name, names[m]))
            return m;
    }
    names[MET_COUNT] = NULL;
    const char *near = diag_nearest(name, names);
    diag_set(d, DIAG_USAGE, "--metric %s: no such metric%s%s%s (see metrics.csv for the names)",
             name, near ? tr(lang_ui(), " (did you mean '") : "", near ? near : "",
             near ? tr(lang_ui(), "'?)") : "");
    return -1;
}
