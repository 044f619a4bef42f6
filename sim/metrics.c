#include "metrics.h"

#include <stdlib.h>
#include <string.h>

const metric_info metric_table[MET_COUNT] = {
    [MET_PROFIT] = { "profit", "currency", "Recognised revenue minus cost of goods, service cost per visit, promotion costs, acquisition and touch costs." },
    [MET_PROFIT_NPV] = { "profit_npv", "currency", "Profit discounted to day 0 at the yearly discount rate." },
    [MET_REVENUE] = { "revenue", "currency", "Revenue recognised for purchases over the horizon (prepaid balances count when spent)." },
    [MET_GROSS_MARGIN] = { "gross_margin", "currency", "Recognised revenue minus cost of goods, service cost per visit and promotion costs." },
    [MET_ACQUISITION_COST] = { "acquisition_cost", "currency", "Cost of all prospects, bought or not." },
    [MET_TOUCH_COST] = { "touch_cost", "currency", "Cost of reminders and other touches." },
    [MET_PROSPECTS] = { "prospects", "people", "Prospects who came into contact through any channel." },
    [MET_NEW_CUSTOMERS] = { "new_customers", "people", "Prospects who made a first purchase." },
    [MET_NEVER_BOUGHT] = { "consulted_never_bought", "people", "Prospects who never bought." },
    [MET_VISITS] = { "visits", "visits", "Purchases made over the horizon." },
    [MET_ACTIVE_END] = { "active_customers_end", "people", "Customers with a purchase within silent_after days at the horizon." },
    [MET_RETENTION_30] = { "retention_30", "share", "Share of customers (first purchase at least 30 days before the horizon) buying again at age 30 days or later." },
    [MET_RETENTION_90] = { "retention_90", "share", "The same at age 90 days." },
    [MET_RETENTION_180] = { "retention_180", "share", "The same at age 180 days." },
    [MET_RETENTION_365] = { "retention_365", "share", "The same at age 365 days." },
    [MET_REPEAT_RATE] = { "repeat_rate", "share", "Share of customers with a second purchase within the horizon." },
    [MET_CLV] = { "clv", "currency", "Mean lifetime value per customer realised within the horizon: discounted margin minus acquisition and touch costs." },
    [MET_TOP20_SHARE] = { "top20_revenue_share", "share", "Share of revenue from the top 20 % of customers." },
    [MET_PURCHASES_PER_CUSTOMER] = { "purchases_per_customer", "visits", "Mean purchases per customer." },
    [MET_FUNNEL_2ND] = { "customers_2nd_purchase", "people", "Customers who made at least 2 purchases." },
    [MET_FUNNEL_3RD] = { "customers_3rd_purchase", "people", "Customers who made at least 3 purchases." },
    [MET_FUNNEL_5TH] = { "customers_5th_purchase", "people", "Customers who made at least 5 purchases." },
    [MET_REFERRED_PROSPECTS] = { "referred_prospects", "people", "Prospects brought by promoters' word of mouth." },
    [MET_LOST_PROSPECTS] = { "prospects_lost_to_detractors", "people", "Expected organic prospects removed by detractors." },
    [MET_PROMOTER_VISITS] = { "promoter_visits", "visits", "Visits leaving the customer a promoter." },
    [MET_DETRACTOR_VISITS] = { "detractor_visits", "visits", "Visits leaving the customer a detractor." },
    [MET_REMINDERS] = { "reminders_sent", "touches", "Recall reminders sent." },
    [MET_RECALLED] = { "customers_recalled", "visits", "Returns brought by a reminder from customers who would not have come back." },
    [MET_MEAN_SATISFACTION] = { "mean_satisfaction", "currency", "Mean satisfaction (value minus expectation) over all visits." },
    [MET_CASH_IN] = { "cash_in", "currency", "Money received, including prepaid balances not yet spent." },
    [MET_DISCOUNTS] = { "discounts", "currency", "Money taken off bills by promotions (free meals, vouchers, bonuses, points)." },
    [MET_PROMO_COST] = { "promotion_cost", "currency", "Cost of goods and rewards given away by promotions, beyond discounts." },
    [MET_LIABILITY_END] = { "liability_end", "currency", "Prepaid value still owed to customers at the horizon; not in profit." },
    [MET_FIRST_VISIT_NEGATIVE] = { "first_visit_negative_value_share", "share", "Share of first visits whose perceived value was negative." },
};

const metric_info curve_table[CUR_COUNT] = {
    [CUR_RETENTION] = { "retention", "share", "Share of customers old enough who buy again at this age or later." },
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

const double clv_quantile_levels[CLV_QUANTILES] = { 0.10, 0.25, 0.50, 0.75, 0.90, 0.95, 0.99 };

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
