/* metrics: what one replication measures.
 *
 * Scalars and curves are declared once here, with names, units and
 * meanings; the engine fills them, the statistics layer aggregates them and
 * the writers name them from these tables. */
#ifndef RETSIM_METRICS_H
#define RETSIM_METRICS_H

#include <stddef.h>

#include "diag.h"
#include "lang.h"

typedef enum {
    MET_PROFIT,
    MET_PROFIT_NPV,
    MET_REVENUE,
    MET_GROSS_MARGIN,
    MET_ACQUISITION_COST,
    MET_TOUCH_COST,
    MET_PROSPECTS,
    MET_NEW_CUSTOMERS,
    MET_NEVER_BOUGHT,
    MET_VISITS,
    MET_ACTIVE_END,
    MET_RETENTION_30,
    MET_RETENTION_90,
    MET_RETENTION_180,
    MET_RETENTION_365,
    MET_OBSERVED_RETENTION_90,
    MET_OBSERVED_RETENTION_365,
    MET_REPEAT_RATE,
    MET_CLV,
    MET_CLV_PROJECTED,
    MET_TOP20_SHARE,
    MET_PURCHASES_PER_CUSTOMER,
    MET_FUNNEL_2ND,
    MET_FUNNEL_3RD,
    MET_FUNNEL_5TH,
    MET_REFERRED_PROSPECTS,
    MET_LOST_PROSPECTS,
    MET_PROMOTER_VISITS,
    MET_DETRACTOR_VISITS,
    MET_REMINDERS,
    MET_RECALLED,
    MET_MEAN_SATISFACTION,
    MET_FIRST_VISIT_NEGATIVE,
    MET_CASH_IN,
    MET_DISCOUNTS,
    MET_PROMO_COST,
    MET_LIABILITY_END,
    /* the queue ([capacity], sim/queue.h): optional, NAN without it */
    MET_QUEUE_WAIT,
    MET_BALKED,
    MET_BALK_SHARE,
    /* the existing customers of a fitted base ([base], sim/basefile.h):
     * optional, NAN without one */
    MET_BASE_CUSTOMERS,
    MET_BASE_ALIVE_START,
    MET_BASE_ALIVE_END,
    MET_BASE_PURCHASES,
    MET_BASE_RETURNING,
    MET_BASE_REVENUE,
    MET_COUNT
} metric_id;

typedef struct metric_info {
    const char *name;    /* JSON and CSV key */
    const char *unit;
    const char *meaning; /* a msgid, like label and plain: see metric_meaning */
    /* The smallest change a verdict calls material ("up", "down"): a share
     * of the base's mean, or for shares (unit "share") an absolute change
     * (0.005 = 0.5 percentage points).  0 = the unit's default, see
     * metric_material; an entry that leaves it out gets that default. */
    double material;
    /* The metric as a report reads it ("customers buying twice"), and in the
     * lessons' plain words ("share of new customers who came back at least
     * once", msgctxt "plain"); NULL: the name stands in. */
    const char *label;
    const char *plain;
    /* 1: the metric of an optional mechanism (the queue), NAN in every
     * replication when the scenario leaves the mechanism out; writers then
     * leave it out silently (no note, no row), so that a scenario without
     * the mechanism keeps the outputs it had before the metric existed. */
    int optional;
} metric_info;

extern const metric_info metric_table[MET_COUNT];

/* Metric m's label, plain words and meaning in language lang, from the
 * catalogue (sim/lang.h); the name where the table has no label. */
/* Index of a metric by name, or -1 with d set (and a suggestion); the
 * lookup of --metric and of a lesson file's metric keys. */
int metric_index(const char *name, struct diag *d);
const char *metric_label(int m, lang_id lang);
const char *metric_plain(int m, lang_id lang);
const char *metric_meaning(int m, lang_id lang);

/* Why a metric has no value in any replication, for the note that stands
 * in for it in outputs (a metric is never written as NaN). */
const char *metric_omitted_note(metric_id m, int horizon, char *buf, size_t cap);
/* 1 for a metric of the customers won within the horizon (retention by age,
 * repeat rate, lifetime value...): undefined when none was, as in a fitted
 * base without new customers, whose base_* metrics describe its customers. */
int metric_of_new_customers(metric_id m);
/* The note for metric m when no customer was won within the horizon. */
const char *metric_no_new_customers_note(char *buf, size_t cap);
/* The age in days of a retention metric (retention_N, observed_retention_N),
 * or 0 for any other metric. */
int metric_retention_age(metric_id m);

/* The materiality defaults (docs/whatif.md explains the choice). */
#define METRIC_MATERIAL_RELATIVE 0.01     /* 1 % of the base */
#define METRIC_MATERIAL_SHARE_PP 0.005    /* 0.5 percentage points */

/* 1 when metric m's materiality is an absolute change (shares, judged in
 * percentage points), 0 when it is relative to the base's mean. */
int metric_material_is_absolute(int m);

/* Metric m's materiality threshold: override when > 0 (from --material: a
 * relative share for most metrics, percentage points / 100 for shares),
 * else the table's value, else the unit's default. */
double metric_material(int m, double override);

/* Daily (or by-age) series.  All have horizon_days + 1 points, index = day
 * (or customer age in days for the two retention curves); a by-age point
 * the horizon cannot support is NAN in every replication and is left out of
 * retention.csv (docs/metrics.md). */
typedef enum {
    CUR_RETENTION,       /* still a customer at age a (survival, Kaplan-Meier on true losses) */
    CUR_OBSERVED_RETENTION, /* the same as a business judges it from purchases alone */
    CUR_ACTIVE,          /* customers with a purchase within silent_after days */
    CUR_SILENT,
    CUR_DORMANT,
    CUR_REVENUE,
    CUR_COSTS,           /* acquisition + touches */
    CUR_PROFIT,          /* margin - costs, per day */
    CUR_CUM_REVENUE,
    CUR_CUM_PROFIT,
    CUR_CUM_PROFIT_NPV,
    CUR_NEW_CUSTOMERS,
    CUR_VISITS,
    CUR_COUNT
} curve_id;

extern const metric_info curve_table[CUR_COUNT];

/* Cohort retention: share of a first-purchase month's cohort buying in each
 * later month; months capped so memory stays bounded on long horizons. */
#define COHORT_MONTHS 24
#define COHORT_CELLS (COHORT_MONTHS * COHORT_MONTHS)

/* Recency status x purchase-count tiers at the horizon. */
enum { RFM_RECENCY = 4, RFM_FREQUENCY = 4, RFM_CELLS = RFM_RECENCY * RFM_FREQUENCY };
extern const char *const rfm_recency_names[RFM_RECENCY];
extern const char *const rfm_frequency_names[RFM_FREQUENCY];

/* Customers by number of purchases within the horizon: 1, 2, ..., 6, 7+
 * (prospects who never bought are consulted_never_bought, not a bin). */
#define FREQ_BINS 7
extern const char *const frequency_bin_names[FREQ_BINS];

/* Quantiles of the lifetime value distribution. */
#define CLV_QUANTILES 7
extern const double clv_quantile_levels[CLV_QUANTILES];

/* One replication's results; arrays owned by the caller (see rep_alloc). */
typedef struct rep_result {
    int horizon;                         /* days */
    double metric[MET_COUNT];            /* NAN where undefined */
    double *curve[CUR_COUNT];            /* horizon + 1 points each */
    double cohort[COHORT_CELLS];         /* [cohort month][months since], NAN if no cohort */
    double rfm[RFM_CELLS];               /* customers per [recency][frequency] */
    double clv_quantile[CLV_QUANTILES];
    double frequency[FREQ_BINS];         /* customers per number of purchases (see FREQ_BINS) */
} rep_result;

rep_result *rep_alloc(int horizon);
void rep_free(rep_result *r);

/* A replication as a flat record of doubles, so that it travels as values
 * (between MPI ranks, sim/dist.h): rep_record_size(horizon) doubles, the
 * fields in the order of the struct, curves inline.  Unpacking a packed
 * record gives back every bit. */
size_t rep_record_size(int horizon);
void rep_pack(const rep_result *r, double *rec);
void rep_unpack(rep_result *r, const double *rec);

#endif
