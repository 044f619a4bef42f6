#include "engine.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basefile.h"
#include "model.h"
#include "pilot.h"
#include "plugins.h"
#include "promotion.h"
#include "queue.h"
#include "rng.h"
#include "lang.h"
#include "sections.h"
#include "stats.h"

#define MAX_CHANNELS 16
#define MAX_PROMOS 16
/* Ages and times are compared with this slack so that a fixed 30-day cycle
 * counted in floating point still lands on day 30, 60, ... */
#define TIME_SLACK 1e-9
#define DAYS_PER_MONTH (365.25 / 12.0)

struct engine {
    const scenario *sc;
    const model_type *model;
    void *mparams;
    int horizon;
    int nchannels;
    channel_params channel[MAX_CHANNELS];
    double acq_cost_per_customer[MAX_CHANNELS];
    economics_params econ;
    lifecycle_params life;
    double discount_per_day;     /* continuous rate: ln(1 + yearly) / 365 */
    int npromo;
    const promo_type *promo[MAX_PROMOS];
    void *pparams[MAX_PROMOS];
    int poffset[MAX_PROMOS];     /* where each promotion's state starts in a customer's slots */
    int pslots;                  /* promotion state per customer, all promotions */
    int mslots;                  /* the customer model's state per customer (state_slots) */
    uint64_t pstream[MAX_PROMOS][RNG_HOOK_EVENT + 1];  /* each module's purposes, by hook (sim/rng.h) */
    double referral_rate;        /* referrals per promoter visit, after programmes */
    double referral_reward;      /* paid per referred prospect who buys */
    /* the same from the standing practices alone: what a customer the
     * promotions do not act on (a pilot's control group) brings */
    double referral_rate_standing, referral_reward_standing;
    int pilot_on;                /* [pilot] present (sim/pilot.h) */
    pilot_params pilot;
    int queue_on;                /* [capacity] present: a queue each day (sim/queue.h) */
    capacity_params capacity;
    double fixed_wait;           /* engine_fix_wait: >= 0 replaces the computed wait */
    /* the existing customers of a fitted base ([base], sim/basefile.h), NULL
     * without one; owned unless borrowed from another engine */
    base_customers *base;
    int base_borrowed;
    int calendar_forced;         /* engine_use_calendar: never the customer-by-customer path */
};

/* An existing customer's id: the top bit apart from every prospect's
 * (rng_mix of day, channel and number), then the row of the customers file,
 * so each keeps their streams whatever else changes. */
#define BASE_ID_BIT (1ull << 63)

typedef struct customer {
    /* the stream key of (seed, replication, id), rng.h; the id itself is
     * no field: customer_id gives it back from the key */
    uint64_t key;
    double t_first, t_last;
    double t_next;               /* the next visit, after the horizon too; INFINITY once lost for good */
    double last_churn;           /* the chance of leaving applied at the last visit */
    /* a new customer's revenue and value (discounted to t_first: margin -
     * costs) accumulate straight in the fold arrays at their place in the
     * order of creation (customer_money), not in the record: the 16 bytes
     * the end of the run keeps for every customer won are the only copy */
    int visits;
    /* the customer's place in the order of creation (a fitted base's
     * customers first, then every customer won, in the calendar's order):
     * the index the record had before records were recycled, so it breaks
     * the calendar's ties and places the customer's value in the fold
     * arrays as the index did (fold_customer).  In a free record, the next
     * free one (recycle_record). */
    uint32_t seq;
    /* the day of age (floor(age + TIME_SLACK), all km_add reads of it) of
     * the first purchase followed by lost_after silent days; NO_LAPSE
     * while there is none.  The month last counted in the cohort table is
     * no field: it is the month of the visit before (visit). */
    int32_t lapse_day;
    uint16_t pending;            /* events on the calendar for this record (schedule);
                                    UINT16_MAX sticks: never recycled */
    /* 8 bits and less where ints were: visits, seq, lapse_day and these
     * fill 16 bytes */
    signed char channel;         /* -1: an existing customer of a fitted base, on the calendar
                                    from day 0 (t_first and t_last before it);
                                    SLOT_FREE: a recycled record */
    signed int group : 2;        /* PILOT_NONE without [pilot], else PILOT_CONTROL or PILOT_TREATMENT */
    unsigned int referred : 1;
    /* the customer model's state is apart (engine_work.mstate), as many
     * doubles as the model uses (model_state): the record is 56 bytes */
} customer;

_Static_assert(sizeof(customer) == 56, "the customer record is meant to be 56 bytes (issue 14: "
               "at most 100 bytes per customer still active)");

#define NO_LAPSE INT32_MAX

/* customer.channel of a record on the free list */
#define SLOT_FREE (-2)
/* the end of the free list */
#define NO_SLOT UINT32_MAX

/* A module's calendar event has kind EV_MODULE + (module << 16 | tag). */
enum { EV_VISIT = 0, EV_PROSPECT = 1, EV_MODULE = 2 };

typedef struct event {
    double t;
    uint32_t who;                /* customer index, or prospect index */
    uint32_t kind;
} event;

/* A later day's event as that day's bucket keeps it, 12 bytes: its time
 * (copied in and out bit for bit: uint32_t words, so no padding) and, for
 * a visit, the record; any other kind (a prospect, a module's event, few)
 * has its who and kind in the day's other_event list, and the entry names
 * it by OTHER_EVENT | its place there.  The entries keep the order the
 * events were scheduled in, so the heap receives them as before. */
typedef struct day_entry {
    uint32_t t_bits[2];
    uint32_t who;
} day_entry;

typedef struct other_event {
    uint32_t who, kind;
} other_event;

#define OTHER_EVENT (1u << 31)

_Static_assert(sizeof(day_entry) == 12, "a later day's visit is meant to take 12 bytes");

typedef struct day_bucket {
    day_entry *entry;
    other_event *other;
    uint32_t n, cap, nother, capother;
} day_bucket;

typedef struct prospect {
    uint64_t id;
    int channel;
    short referred;
    short rewarded;              /* referred by a customer the promotions acted on: the
                                    referral programme's reward is paid when they buy */
} prospect;

struct engine_work {
    int horizon;
    /* On the calendar, a record per customer still in play: a customer
     * lost for good (no next visit, not even after the horizon) whom no
     * event on the calendar names any more is folded into the aggregates
     * at once (fold_customer) and their record goes on a free list for the
     * next customer won (recycle_record), so the records follow the
     * customers still active, not every customer ever won.  ncust is the
     * records in use at the peak (engine_work_records). */
    customer *cust;
    size_t ncust, capcust;
    uint32_t free_head;          /* the free list, through the free records' seq; NO_SLOT ends it */
    uint32_t nseq;               /* customers created in this replication (customer.seq) */
    uint32_t nbase;              /* of which a fitted base's, created first and never recycled */
    int recycle;                 /* 0 while a pilot's start may still reach a lost customer */
    /* promotions' per-customer state, pslots a customer, kept apart so that
     * a scenario without promotions keeps its customer records small */
    double *pstate;
    int pslots;
    /* the customer model's state, mslots a record (the model's
     * state_slots), and the one customer in flight's (scratch) */
    double *mstate;
    int mslots;
    double scratch_state[MODEL_STATE_MAX];
    event *heap;                 /* today's events, in time order */
    size_t nheap, capheap;
    /* later days' events, one unsorted bucket a day: the heap then holds a
     * single day, small enough to stay in cache */
    day_bucket *bucket;
    int today;
    prospect *pros;
    size_t npros, cappros;
    double *suppress_diff;       /* lost organic prospects per day, as differences */
    /* Kaplan-Meier by day of age: customers at risk (as differences) and
     * losses per day, on the true losses and on the business's view */
    double *surv_risk, *surv_lost, *obs_risk, *obs_lost;
    int surv_followed, obs_followed;  /* the longest follow-up, in days of age */
    double *active_diff, *silent_diff, *dormant_diff;
    double *margin;              /* per day */
    /* every new customer's value and revenue, folded in as the customer
     * is done with (fold_customer): the quantiles and the top fifth's
     * share need them all, the rest of the record none */
    double *fold_value, *fold_revenue;
    /* and what each promotion with a liability leaves owed by them, nliab
     * a customer: the sum at the end runs in the order of creation, as
     * when every record was kept to the horizon */
    double *fold_liability;
    int nliab;
    size_t nfold, capfold;
    /* a fitted base's customers' revenue and value, never read (the
     * base_* metrics count their purchases and revenue as they come) */
    double base_money[2];
    customer scratch;            /* the one customer in flight, customer by customer */
    /* what follows the customers on the books, in bytes: the calendar's
     * room (the heap and the days' buckets, allocated) now, and at the
     * peak the records in use (with their promotion slots) plus that
     * (engine_work_bytes_in_use; kept at the growth points only) */
    size_t calendar_bytes, peak_bytes;
    double cohort_count[COHORT_CELLS];
    double cohort_size[COHORT_MONTHS];
    engine_visit_observer observer;
    void *observer_ctx;
};

/* per-replication context, so helpers take one pointer */
typedef struct rep_ctx {
    const engine *e;
    engine_work *w;
    rep_result *out;
    uint64_t seed;
    uint64_t rep;
    uint64_t rep_key;            /* stream key of (seed, replication) */
    double satisfaction_sum;
    double first_negative;
    int oom;
    /* the queue (sim/queue.h): today's wait and balking probability, and
     * the replication's tallies; all 0 without [capacity] */
    double wait_today, balk_today;
    double queue_wait_sum, queue_served, queue_balked;
    /* 1: customer after customer, each's whole life at once, no calendar
     * (independent_customers); 0: the calendar */
    int independent;
    /* end-of-run tallies over the new customers (fold_customer); the
     * lifetime values and liabilities are summed at the end, from the
     * fold arrays */
    double repeaters, funnel3, funnel5, future_sum;
    /* customer by customer: where the active span of the current run of
     * visits started (lifecycle_spans_alone) */
    double active_from;
    /* and the cohort month of the customer in flight and the month of
     * their last visit (visit_body) */
    int cohort, last_month;
} rep_ctx;

static engine *prepare(const scenario *sc, base_customers *borrowed_base, diag *d);

/* A customer's id (a prospect's rng_mix of day, channel and number, or a
 * fitted base's BASE_ID_BIT | row): their key is rng_key(rep_key, id) =
 * rng_mix(rep_key ^ id), and rng_mix is a bijection, so the id comes back
 * exactly from the key, 8 bytes a record fewer.  Read for referrals' ids
 * and the visit log, not on every visit as the key is. */
static inline uint64_t customer_id(const rep_ctx *c, const customer *cu)
{
    return rng_unmix(cu->key) ^ c->rep_key;
}

engine *engine_prepare(const scenario *sc, diag *d)
{
    return prepare(sc, NULL, d);
}

engine *engine_prepare_with_base(const scenario *sc, base_customers *base, diag *d)
{
    return prepare(sc, base, d);
}

/* borrowed_base: the existing customers another engine of the same
 * scenario has read (a replica with drawn parameters, below), used as they
 * are instead of reading the file again. */
static engine *prepare(const scenario *sc, base_customers *borrowed_base, diag *d)
{
    engine *e = calloc(1, sizeof *e);
    if (!e) {
        diag_set(d, DIAG_RUNTIME, "out of memory");
        return NULL;
    }
    e->sc = sc;
    const scenario_params *sp = scen_get(sc, &section_scenario);
    e->horizon = sp->horizon_days;
    const customer_params *cp = scen_get(sc, &section_customer);
    const sim_plugins *plug = sim_plugins_in_use();
    e->model = sim_model(cp->model);
    e->mslots = e->model->state_slots > 0 ? e->model->state_slots : MODEL_STATE_MAX;
    if (e->mslots > MODEL_STATE_MAX) {
        diag_set(d, DIAG_RUNTIME, "customer model %s declares %d state slots, more than the %d the "
                 "engine allows (MODEL_STATE_MAX in sim/model.h)", e->model->name,
                 e->model->state_slots, MODEL_STATE_MAX);
        engine_free(e);
        return NULL;
    }
    /* a section of another customer model would be silently ignored: say so */
    for (int m = 0; plug->models[m]; m++) {
        if (plug->models[m] == e->model)
            continue;
        for (int i = 0; plug->models[m]->sections[i]; i++) {
            const scen_section *other = plug->models[m]->sections[i];
            int shared = 0;
            for (int j = 0; e->model->sections[j]; j++)
                shared |= e->model->sections[j] == other;
            if (!shared && scen_present(sc, other)) {
                diag_set(d, DIAG_USAGE,
                         "%s: [%s] belongs to the %s customer model, but [customer] model = %s; "
                         "remove the section or change the model",
                         sc->path, other->name, plug->models[m]->name, e->model->name);
                free(e);
                return NULL;
            }
        }
    }
    e->nchannels = scen_count(sc, &section_channel);
    if (e->nchannels > MAX_CHANNELS) {
        free(e);
        diag_set(d, DIAG_USAGE, "%s: at most %d channels", sc->path, MAX_CHANNELS);
        return NULL;
    }
    for (int i = 0; i < e->nchannels; i++) {
        const char *label;
        e->channel[i] = *(const channel_params *)scen_nth(sc, &section_channel, i, &label);
        const channel_params *c = &e->channel[i];
        /* what it costs, on average, to win one customer through this channel */
        e->acq_cost_per_customer[i] = c->conversion > 0 ? c->cost_per_prospect / c->conversion : 0;
    }
    e->econ = *(const economics_params *)scen_get(sc, &section_economics);
    e->life = *(const lifecycle_params *)scen_get(sc, &section_lifecycle);
    e->discount_per_day = log1p(e->econ.discount_rate) / 365.0;
    e->queue_on = scen_present(sc, &section_capacity);
    e->capacity = *(const capacity_params *)scen_get(sc, &section_capacity);
    e->fixed_wait = -1;
    e->mparams = e->model->prepare(sc, d);
    if (!e->mparams) {
        engine_free(e);
        return NULL;
    }
    /* the doubles a customer of these parameters uses, when the model
     * keeps fewer than it declares (traits the same for everyone) */
    if (e->model->state_slots_used) {
        int used = e->model->state_slots_used(e->mparams);
        if (used >= 0 && used < e->mslots)
            e->mslots = used;
    }
    if (scen_present(sc, &section_base)) {
        if (!e->model->customer_from_history) {
            diag_set(d, DIAG_USAGE,
                     "%s: [base] starts from existing customers, but the %s customer model cannot "
                     "draw a customer from their history; use a fitted purchase model "
                     "(retsim fit writes one), the satisfaction model (retsim calibrate writes one) "
                     "or remove [base]",
                     sc->path, e->model->name);
            engine_free(e);
            return NULL;
        }
        e->base_borrowed = borrowed_base != NULL;
        e->base = borrowed_base ? borrowed_base : base_load(sc, d);
        if (!e->base) {
            engine_free(e);
            return NULL;
        }
    }
    promo_env env = { e->model->mean_bill(e->mparams), e->model->mean_interval(e->mparams),
                      e->econ.gross_margin, e->model };
    /* referrals per promoter visit: word of mouth sets the base, programmes
     * amplify it (the referral hooks, in registry order) */
    e->referral_rate = 0;
    int slots = 0;
    for (int i = 0; plug->promotions[i]; i++) {
        const promo_type *pt = plug->promotions[i];
        if (!scen_present(sc, pt->section))
            continue;
        if (slots + pt->state_slots > PROMO_STATE_MAX || e->npromo == MAX_PROMOS) {
            diag_set(d, DIAG_USAGE, "%s: too many promotions at once", sc->path);
            engine_free(e);
            return NULL;
        }
        void *pp = pt->prepare(sc, &env, d);
        if (!pp) {
            engine_free(e);
            return NULL;
        }
        e->promo[e->npromo] = pt;
        e->pparams[e->npromo] = pp;
        e->poffset[e->npromo] = slots;
        /* draws keyed by the module's name, not its position (sim/rng.h) */
        for (int h = RNG_HOOK_AT_TILL; h <= RNG_HOOK_EVENT; h++)
            e->pstream[e->npromo][h] = rng_module_purpose(pt->name, (rng_module_hook)h);
        e->npromo++;
        int used = pt->state_slots_used ? pt->state_slots_used(pp) : pt->state_slots;
        slots += used >= 0 && used < pt->state_slots ? used : pt->state_slots;
        e->pslots = slots;
        if (pt->referral) {
            double reward = 0;
            e->referral_rate = pt->referral(pp, e->referral_rate, &reward);
            e->referral_reward += reward;
            if (pt->standing) {
                reward = 0;
                e->referral_rate_standing = pt->referral(pp, e->referral_rate_standing, &reward);
                e->referral_reward_standing += reward;
            }
        }
    }
    e->pilot_on = scen_present(sc, &section_pilot);
    e->pilot = *(const pilot_params *)scen_get(sc, &section_pilot);
    return e;
}

void engine_fix_wait(engine *e, double minutes)
{
    e->fixed_wait = minutes;
}

void engine_use_calendar(engine *e, int on)
{
    e->calendar_forced = on;
}

static int independent_customers(const engine *e);

void engine_same_path(engine *const *engines, int n)
{
    int calendar = 0;
    for (int k = 0; k < n; k++)
        calendar |= !independent_customers(engines[k]);
    if (calendar)
        for (int k = 0; k < n; k++)
            engines[k]->calendar_forced = 1;
}

/* Customers are independent of each other when nothing couples them: no
 * module (word of mouth refers prospects and suppresses others, a
 * campaign reads the whole base, a programme books events), no queue
 * (one customer's visit lengthens another's wait), no pilot (its start
 * reaches every customer on the books), no fitted base (its customers are
 * seeded before day 0).  Then each customer's whole life can be simulated
 * at once, customer after customer, with no calendar: the same draws
 * (every stream is keyed by customer, visit and purpose, never by the
 * order of events), the same counts, and sums that differ from the
 * calendar's only by the order of floating-point additions. */
static int independent_customers(const engine *e)
{
    return !e->calendar_forced && e->npromo == 0 && !e->queue_on && !e->pilot_on && !e->base;
}

const model_type *engine_model(const engine *e, const void **params)
{
    *params = e->mparams;
    return e->model;
}

int engine_promotion_count(const engine *e)
{
    return e->npromo;
}

const promo_type *engine_promotion(const engine *e, int i, const void **params)
{
    *params = e->pparams[i];
    return e->promo[i];
}

int engine_promotions(const engine *e, const char **names, char descriptions[][256], int max, int lang)
{
    int n = 0;
    for (int i = 0; i < e->npromo && n < max; i++) {
        /* a module that describes nothing (word of mouth, a module switched
         * off by its enabled key) is not an applied promotion */
        if (!e->promo[i]->describe)
            continue;
        descriptions[n][0] = '\0';
        e->promo[i]->describe(e->pparams[i], descriptions[n], 256, lang);
        if (!descriptions[n][0])
            continue;
        /* with a [pilot], a promotion reaches only the treated share from
         * its start day: say so, or the line reads as if everyone got it */
        if (e->pilot_on && !e->promo[i]->standing) {
            size_t used = strlen(descriptions[n]);
            if (e->pilot.stop_day < e->horizon)
                snprintf(descriptions[n] + used, 256 - used,
                         tr(lang, " (pilot: %.0f %% of customers, days %d to %d)"), 100 * e->pilot.share,
                         e->pilot.start_day, e->pilot.stop_day - 1);
            else
                snprintf(descriptions[n] + used, 256 - used,
                         tr(lang, " (pilot: %.0f %% of customers, from day %d)"), 100 * e->pilot.share,
                         e->pilot.start_day);
        }
        names[n] = e->promo[i]->name;
        n++;
    }
    return n;
}

void engine_free(engine *e)
{
    if (!e)
        return;
    for (int i = 0; i < e->npromo; i++)
        e->promo[i]->release(e->pparams[i]);
    if (e->mparams)
        e->model->release(e->mparams);
    if (!e->base_borrowed)
        base_free(e->base);
    free(e);
}

int engine_horizon(const engine *e)
{
    return e->horizon;
}

engine_work *engine_work_alloc(const engine *e)
{
    engine_work *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    size_t n = (size_t)e->horizon + 2;
    w->horizon = e->horizon;
    w->pslots = e->pslots;
    w->mslots = e->mslots;
    for (int i = 0; i < e->npromo; i++)
        w->nliab += e->promo[i]->liability != NULL;
    w->bucket = calloc((size_t)e->horizon, sizeof *w->bucket);
    w->suppress_diff = calloc(n, sizeof(double));
    w->surv_risk = calloc(n, sizeof(double));
    w->surv_lost = calloc(n, sizeof(double));
    w->obs_risk = calloc(n, sizeof(double));
    w->obs_lost = calloc(n, sizeof(double));
    w->active_diff = calloc(n, sizeof(double));
    w->silent_diff = calloc(n, sizeof(double));
    w->dormant_diff = calloc(n, sizeof(double));
    w->margin = calloc(n, sizeof(double));
    if (!w->bucket || !w->suppress_diff || !w->surv_risk || !w->surv_lost
        || !w->obs_risk || !w->obs_lost || !w->active_diff
        || !w->silent_diff || !w->dormant_diff || !w->margin) {
        engine_work_free(w);
        return NULL;
    }
    return w;
}

void engine_work_observe(engine_work *w, engine_visit_observer fn, void *ctx)
{
    w->observer = fn;
    w->observer_ctx = ctx;
}

void engine_work_free(engine_work *w)
{
    if (!w)
        return;
    free(w->cust);
    free(w->pstate);
    free(w->mstate);
    free(w->heap);
    if (w->bucket)
        for (int d = 0; d < w->horizon; d++) {
            free(w->bucket[d].entry);
            free(w->bucket[d].other);
        }
    free(w->bucket);
    free(w->pros);
    free(w->suppress_diff);
    free(w->surv_risk);
    free(w->surv_lost);
    free(w->obs_risk);
    free(w->obs_lost);
    free(w->active_diff);
    free(w->silent_diff);
    free(w->dormant_diff);
    free(w->margin);
    free(w->fold_value);
    free(w->fold_revenue);
    free(w->fold_liability);
    free(w);
}

void engine_work_trim(engine_work *w)
{
    /* what grows with the customers of a replication; the per-day arrays
     * stay (their size is the horizon's) */
    free(w->cust);
    free(w->pstate);
    free(w->mstate);
    free(w->heap);
    free(w->pros);
    free(w->fold_value);
    free(w->fold_revenue);
    free(w->fold_liability);
    w->cust = NULL;
    w->pstate = NULL;
    w->mstate = NULL;
    w->heap = NULL;
    w->pros = NULL;
    w->fold_value = w->fold_revenue = w->fold_liability = NULL;
    w->capcust = w->capheap = w->cappros = w->capfold = 0;
    w->ncust = w->nheap = w->npros = w->nfold = 0;
    w->calendar_bytes = 0;
    if (w->bucket)
        for (int d = 0; d < w->horizon; d++) {
            free(w->bucket[d].entry);
            free(w->bucket[d].other);
            w->bucket[d] = (day_bucket){ 0 };
        }
}

size_t engine_work_records(const engine_work *w)
{
    return w->ncust;
}

size_t engine_work_bytes_in_use(const engine_work *w)
{
    return w->peak_bytes;
}

/* The records in use and the calendar's room, at a point where one of
 * them grows: the peak of what follows the active customers (the records
 * beyond ncust are room realloc made, not touched, so not resident). */
/* The customer model's state of a record (or of the one in flight,
 * customer by customer). */
static inline double *model_state(engine_work *w, const customer *cu)
{
    /* (a model that keeps nothing under these parameters is given the
     * scratch room, which it neither writes nor reads) */
    if (cu == &w->scratch || !w->mslots)
        return w->scratch_state;
    return w->mstate + (size_t)(cu - w->cust) * (size_t)w->mslots;
}

static void note_bytes(engine_work *w)
{
    size_t now = w->ncust * (sizeof(customer) + (size_t)(w->mslots + w->pslots) * sizeof(double))
                 + w->calendar_bytes;
    if (now > w->peak_bytes)
        w->peak_bytes = now;
}

/* ---- the calendar: a binary min-heap on time ---- */

/* Ties in time and kind go by the customer's order of creation (seq),
 * not their record's index, which recycling reuses: the calendar's order
 * is then the same as when every customer kept their own record.  A
 * prospect's index is its own (never reused). */
static int event_before(const engine_work *w, const event *a, const event *b)
{
    if (a->t != b->t)
        return a->t < b->t;
    if (a->kind != b->kind)
        return a->kind < b->kind;
    if (a->kind == EV_PROSPECT)
        return a->who < b->who;
    return w->cust[a->who].seq < w->cust[b->who].seq;
}

static int heap_push(engine_work *w, event ev)
{
    if (w->nheap == w->capheap) {
        size_t cap = w->capheap ? 2 * w->capheap : 256;
        event *h = realloc(w->heap, cap * sizeof *h);
        if (!h)
            return -1;
        w->heap = h;
        w->calendar_bytes += (cap - w->capheap) * sizeof *h;
        w->capheap = cap;
        note_bytes(w);
    }
    size_t i = w->nheap++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!event_before(w, &ev, &w->heap[parent]))
            break;
        w->heap[i] = w->heap[parent];
        i = parent;
    }
    w->heap[i] = ev;
    return 0;
}

static event heap_pop(engine_work *w)
{
    event top = w->heap[0];
    event last = w->heap[--w->nheap];
    size_t i = 0, n = w->nheap;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= n)
            break;
        if (child + 1 < n && event_before(w, &w->heap[child + 1], &w->heap[child]))
            child++;
        if (!event_before(w, &w->heap[child], &last))
            break;
        w->heap[i] = w->heap[child];
        i = child;
    }
    if (n)
        w->heap[i] = last;
    return top;
}

/* ---- helpers ---- */

static double discount(const engine *e, double days)
{
    /* an exp a visit: a per-day table times a degree-6 polynomial for the
     * fraction was measured at 6.4 ns against glibc's exp at 7.0 ns
     * (docs/benchmarks.md, issue 14's second round), not worth moving every
     * lifetime value in its last bits */
    return exp(-e->discount_per_day * days);
}

static int day_of(const engine *e, double t)
{
    int d = (int)t;
    return d < e->horizon ? d : e->horizon - 1;
}

/* Adds weight (1, or -1 to take a span back) to days i with a <= i < b
 * (snapshot at the start of day i), within the horizon, as differences. */
/* ceil without the library call (x86-64's baseline has no rounding
 * instruction, and add_days runs three times a visit): exact for |x| <
 * 2^52, where a double converts to an integer exactly; beyond, ceil. */
static inline double ceil_days(double x)
{
    if (!(fabs(x) < 0x1p52))
        return ceil(x);
    double t = (double)(int64_t)x;
    return t < x ? t + 1.0 : t;
}

static inline void add_days(double *diff, int horizon, double a, double b, double weight)
{
    /* without branches (whether a span is empty is a coin toss on the hot
     * path): an empty span adds 0 at clamped days.  The differences are
     * whole numbers, so adding 0 changes none of them. */
    double lo = ceil_days(a), hi = ceil_days(b), H = horizon;
    lo = lo < 0 ? 0 : lo;
    lo = lo > H ? H : lo;
    hi = hi > H ? H : hi;
    hi = hi < 0 ? 0 : hi;
    double w = lo < hi ? weight : 0.0;
    diff[(int)lo] += w;
    diff[(int)hi] -= w;
}

static void add_cost(rep_ctx *c, double t, double amount, double *metric)
{
    int d = day_of(c->e, t);
    c->out->curve[CUR_COSTS][d] += amount;
    *metric += amount;
}

/* ---- a pilot ([pilot], sim/pilot.h) ----
 *
 * Who is treated: every prospect draws a group from its own stream before
 * its first purchase (a prospect's stream key is the customer's key, so a
 * prospect and the customer it becomes are in one group), and so does
 * every existing customer of a fitted base.  Prospects are assigned too,
 * rather than customers at their first purchase, so that a promotion that
 * acts on conversion or on the first visit (a welcome offer, a referee's
 * discount) can be piloted: the treated prospects see it, the others do
 * not, and the control group stays the control world's exactly.  The share
 * then holds among prospects; among customers too when the promotion does
 * not change who converts.
 *
 * When: a promotion (not a standing practice) acts on a customer's visit,
 * decision or calendar event when the customer is treated and the moment
 * lies in [start_day, stop_day).  On start_day the treated customers who
 * are already on the books get the call a fitted base's customers get on
 * day 0 (pilot_opens), so a campaign or a win-back reaches them too.
 * After stop_day nothing new is given; a balance left is still owed
 * (liability). */

/* The group drawn from the customer's (or prospect's) stream key. */
static int draw_group(const engine *e, uint64_t key)
{
    if (!e->pilot_on)
        return PILOT_NONE;
    rng_stream s;
    rng_stream_from_key(&s, key, 0, RNG_PILOT);
    return gsl_rng_uniform(&s.rng) < e->pilot.share ? PILOT_TREATMENT : PILOT_CONTROL;
}

/* 1 when the promotions act on a customer of this group at time t (always
 * without a pilot). */
static int pilot_acts(const engine *e, int group, double t)
{
    return !e->pilot_on
           || (group == PILOT_TREATMENT && t >= e->pilot.start_day && t < e->pilot.stop_day);
}

/* Whether module i acts, given pilot_acts: the standing practices always do. */
static int module_acts(const engine *e, int i, int acts)
{
    return acts || e->promo[i]->standing;
}

/* Room in the fold arrays for the k-th new customer (in the order of
 * creation): made when the customer is won, since their revenue and value
 * accumulate there from the first purchase (customer_money). */
static int fold_reserve(rep_ctx *c, size_t k)
{
    engine_work *w = c->w;
    if (k < w->capfold)
        return 0;
    size_t cap = w->capfold ? 2 * w->capfold : 4096;
    while (cap <= k)
        cap *= 2;
    double *v = realloc(w->fold_value, cap * sizeof *v);
    if (v)
        w->fold_value = v;
    double *r = realloc(w->fold_revenue, cap * sizeof *r);
    if (r)
        w->fold_revenue = r;
    double *l = w->nliab ? realloc(w->fold_liability, cap * (size_t)w->nliab * sizeof *l) : NULL;
    if (l)
        w->fold_liability = l;
    if (!v || !r || (w->nliab && !l)) {
        c->oom = 1;
        return -1;
    }
    w->capfold = cap;
    return 0;
}

/* Where a customer's revenue ([0]) and value ([1]) accumulate: a new
 * customer's in the fold arrays at their place in the order of creation,
 * a fitted base's in base_money (never read). */
typedef struct customer_money {
    double *revenue, *value;
} customer_money;

static inline customer_money money_of(engine_work *w, const customer *cu)
{
    if (cu->channel < 0)
        return (customer_money){ &w->base_money[0], &w->base_money[1] };
    size_t k = (size_t)(cu->seq - w->nbase);
    return (customer_money){ &w->fold_revenue[k], &w->fold_value[k] };
}

/* key: the customer's stream key, rng_key(c->rep_key, id), which the caller
 * has already computed for its own draws */
static customer *new_customer(rep_ctx *c, uint64_t key, int channel, double t)
{
    engine_work *w = c->w;
    customer *cu;
    if (c->independent) {
        cu = &w->scratch;
        memset(w->scratch_state, 0, sizeof w->scratch_state);
        goto fill;
    }
    if (w->nseq == NO_SLOT) {
        c->oom = 1;             /* a customer's seq and an event's who are 32 bits */
        return NULL;
    }
    size_t slot;
    if (w->free_head != NO_SLOT) {
        slot = w->free_head;
        w->free_head = w->cust[slot].seq;
        goto place;
    }
    if (w->ncust == w->capcust) {
        size_t cap = w->capcust ? 2 * w->capcust : 4096;
        customer *p = realloc(w->cust, cap * sizeof *p);
        if (!p) {
            c->oom = 1;
            return NULL;
        }
        w->cust = p;
        if (w->mslots) {
            double *ms = realloc(w->mstate, cap * (size_t)w->mslots * sizeof *ms);
            if (!ms) {
                c->oom = 1;
                return NULL;
            }
            w->mstate = ms;
        }
        if (w->pslots) {
            double *ps = realloc(w->pstate, cap * (size_t)w->pslots * sizeof *ps);
            if (!ps) {
                c->oom = 1;
                return NULL;
            }
            w->pstate = ps;
        }
        w->capcust = cap;
    }
    slot = w->ncust++;
    note_bytes(w);
place:
    if (w->pslots)
        memset(w->pstate + slot * (size_t)w->pslots, 0, (size_t)w->pslots * sizeof(double));
    if (w->mslots)
        memset(w->mstate + slot * (size_t)w->mslots, 0, (size_t)w->mslots * sizeof(double));
    cu = &w->cust[slot];
fill:
    memset(cu, 0, sizeof *cu);
    cu->seq = w->nseq++;
    cu->key = key;
    cu->t_first = cu->t_last = t;
    cu->channel = channel;
    cu->group = PILOT_NONE;
    cu->t_next = INFINITY;
    cu->lapse_day = NO_LAPSE;
    if (channel >= 0) {
        size_t k = (size_t)(cu->seq - w->nbase);
        if (fold_reserve(c, k))
            return NULL;
        w->fold_revenue[k] = 0.0;
        w->fold_value[k] = -c->e->acq_cost_per_customer[channel];
    }
    return cu;
}

static void schedule(rep_ctx *c, double t, uint32_t who, uint32_t kind)
{
    /* before day 0 (an existing customer's past, [base]) is history */
    if (t >= c->e->horizon || t < 0)
        return;
    event ev = { t, who, kind };
    engine_work *w = c->w;
    int day = (int)t;
    /* a record named by an event stays its customer's (recycle_record) */
    if (kind != EV_PROSPECT && w->cust[who].pending != UINT16_MAX)
        w->cust[who].pending++;
    if (day <= w->today) {
        if (heap_push(w, ev))
            c->oom = 1;
        return;
    }
    /* a day's room grows by a quarter, from 8 entries: little left unused
     * in the days ahead, which hold most of the pending events */
    day_bucket *b = &w->bucket[day];
    if (b->n == b->cap) {
        uint32_t cap = b->cap ? b->cap + b->cap / 4 : 8;
        day_entry *p = realloc(b->entry, cap * sizeof *p);
        if (!p) {
            c->oom = 1;
            return;
        }
        b->entry = p;
        w->calendar_bytes += (cap - b->cap) * sizeof *p;
        b->cap = cap;
        note_bytes(w);
    }
    uint32_t tag = who;
    if (kind != EV_VISIT || who >= OTHER_EVENT) {
        if (b->nother == b->capother) {
            uint32_t cap = b->capother ? 2 * b->capother : 4;
            other_event *p = realloc(b->other, cap * sizeof *p);
            if (!p || b->nother >= OTHER_EVENT) {
                if (p)
                    b->other = p;
                c->oom = 1;
                return;
            }
            b->other = p;
            w->calendar_bytes += (cap - b->capother) * sizeof *p;
            b->capother = cap;
            note_bytes(w);
        }
        b->other[b->nother] = (other_event){ who, kind };
        tag = OTHER_EVENT | b->nother++;
    }
    day_entry *de = &b->entry[b->n++];
    memcpy(de->t_bits, &ev.t, sizeof ev.t);
    de->who = tag;
}

/* Opens a day: its bucket goes into the (empty) heap. */
static void open_day(rep_ctx *c, int day)
{
    engine_work *w = c->w;
    w->today = day;
    day_bucket *b = &w->bucket[day];
    for (uint32_t i = 0; i < b->n && !c->oom; i++) {
        const day_entry *de = &b->entry[i];
        event ev;
        memcpy(&ev.t, de->t_bits, sizeof ev.t);
        if (de->who & OTHER_EVENT) {
            const other_event *o = &b->other[de->who & ~OTHER_EVENT];
            ev.who = o->who;
            ev.kind = o->kind;
        } else {
            ev.who = de->who;
            ev.kind = EV_VISIT;
        }
        if (heap_push(w, ev))
            c->oom = 1;
    }
    /* the day's bucket is done with: kept, the buckets of past days would
     * hold room for every visit of the replication */
    free(b->entry);
    free(b->other);
    w->calendar_bytes -= b->cap * sizeof(day_entry) + b->capother * sizeof(other_event);
    *b = (day_bucket){ 0 };
}

/* the queue, below */
static int queue_balks(rep_ctx *c, uint64_t key, uint64_t word);
static int queue_turns_away(rep_ctx *c, customer *cu, uint32_t who, double t);

/* How the business sees a customer between a visit at t and the next one:
 * active (from `from`, t itself but for a run of visits below), then
 * silent, then dormant (weight -1 takes the span back when a calendar
 * event moves the next visit). */
static inline void lifecycle_spans_from(rep_ctx *c, double from, double t, double next,
                                        double weight)
{
    const engine *e = c->e;
    engine_work *w = c->w;
    double silent = t + e->life.silent_after, dormant = t + e->life.dormant_after;
    double lost = t + e->life.lost_after;
    /* next <= silent (the common case: a customer back within the silent
     * days) leaves the silent and dormant spans empty, as add_days would
     * find them; the spans are whole counts, so skipping changes no sum.
     * (a < b ? a : b is fmin for the numbers here, never NaN, without the
     * library call) */
    add_days(w->active_diff, e->horizon, from, next < silent ? next : silent, weight);
    if (next <= silent)
        return;
    add_days(w->silent_diff, e->horizon, silent, next < dormant ? next : dormant, weight);
    if (next <= dormant)
        return;
    add_days(w->dormant_diff, e->horizon, dormant, next < lost ? next : lost, weight);
}

static void lifecycle_spans(rep_ctx *c, double t, double next, double weight)
{
    lifecycle_spans_from(c, t, t, next, weight);
}

/* The same customer by customer, where a customer's visits come one after
 * another (independent_customers): a visit whose next one falls within the
 * silent days, and within the horizon so that it is simulated, ends its
 * active span where the next visit starts its own, so the run of such
 * spans is added once, from its first visit to where its last one ends.
 * The differences are whole numbers: the +1 and -1 that the spans one by
 * one would add at each shared day cancel exactly (an empty span adds
 * nothing either way), so the arrays are the same, bit for bit, and most
 * visits add nothing.  active_from: where the run started (the customer's
 * first visit, customer_life, or the visit after the last run's end). */
static inline void lifecycle_spans_alone(rep_ctx *c, double t, double next)
{
    if (next <= t + c->e->life.silent_after && next < c->e->horizon)
        return;
    lifecycle_spans_from(c, c->active_from, t, next, 1.0);
    c->active_from = next;
}

/* ---- the engine's services to a module's hooks (sim/promotion.h) ---- */

typedef struct module_call {
    rep_ctx *c;
    uint32_t who;                /* the customer's index */
    int module;                  /* the module's index among the active ones */
    int purchase_no;             /* the visit the call belongs to (0 for a calendar event) */
    int acts;                    /* pilot_acts for the customer at the call */
} module_call;

static void svc_schedule(void *ctx, double t, int tag)
{
    module_call *m = ctx;
    schedule(m->c, t, m->who, EV_MODULE + ((uint32_t)m->module << 16 | ((uint32_t)tag & 0xFFFFu)));
}

static void svc_touch(void *ctx, double t, double amount)
{
    module_call *m = ctx;
    rep_ctx *c = m->c;
    customer *cu = &c->w->cust[m->who];
    if (t < 0)
        return;     /* before the as-of date of a fitted base: history */
    add_cost(c, t, amount, &c->out->metric[MET_TOUCH_COST]);
    *money_of(c->w, cu).value -= amount * discount(c->e, t - cu->t_first);
}

static void svc_count(void *ctx, int metric, double amount)
{
    module_call *m = ctx;
    if (metric >= 0 && metric < MET_COUNT)
        m->c->out->metric[metric] += amount;
}

static void svc_refer(void *ctx, double t, int channel, unsigned k)
{
    module_call *m = ctx;
    rep_ctx *c = m->c;
    engine_work *w = c->w;
    if (t >= c->e->horizon || channel < 0 || channel >= c->e->nchannels)
        return;
    if (w->npros == w->cappros) {
        size_t cap = w->cappros ? 2 * w->cappros : 1024;
        prospect *p = realloc(w->pros, cap * sizeof *p);
        if (!p) {
            c->oom = 1;
            return;
        }
        w->pros = p;
        w->cappros = cap;
    }
    /* a referred prospect's id derives from the referrer, so other
     * customers' streams do not move when referrals change */
    w->pros[w->npros] = (prospect){
        rng_mix(customer_id(c, &w->cust[m->who]) ^ rng_mix(((uint64_t)m->purchase_no << 20) | k)), channel, 1,
        (short)m->acts
    };
    schedule(c, t, (uint32_t)w->npros, EV_PROSPECT);
    w->npros++;
}

static void svc_suppress(void *ctx, int from, int to, double per_day)
{
    module_call *m = ctx;
    int horizon = m->c->e->horizon;
    if (from < 0 || from >= horizon || to <= from)
        return;
    m->c->w->suppress_diff[from] += per_day;
    m->c->w->suppress_diff[to < horizon ? to : horizon] -= per_day;
}

static promo_services services(module_call *m)
{
    return (promo_services){ m, svc_schedule, svc_touch, svc_count, svc_refer, svc_suppress };
}

/* A purchase's key (of seed, replication, customer and purchase: rng.h)
 * and the streams every purchase draws from.  The bill and the decision
 * always draw, the interval after three purchases in four on the textbook
 * case: the interval's stream is seeded here in full (faster than seeding
 * it only when the customer stays: docs/benchmarks.md, issue 14's third
 * round), the bill's and the decision's in the one word their first draw
 * needs (rng_state; the fourth round).  The same numbers as seeding at the
 * first draw.  The streams point into the struct: it stays where it was
 * prepared. */
typedef struct visit_streams {
    uint64_t vkey;
    rng_stream bill, decision, interval;
} visit_streams;

static inline __attribute__((always_inline)) void
visit_streams_prepare(visit_streams *vs, uint64_t customer_key, int purchase_no)
{
    vs->vkey = rng_visit_key(customer_key, (uint64_t)purchase_no);
    rng_stream_from_visit(&vs->bill, vs->vkey, RNG_VISIT);
    rng_stream_from_visit(&vs->decision, vs->vkey, RNG_DECISION);
    rng_stream_from_visit(&vs->interval, vs->vkey, RNG_INTERVAL);
    rng_stream_seed_word1(&vs->bill.state);
    rng_stream_seed_word1(&vs->decision.state);
    rng_stream_seed_now(&vs->interval.state);
}

/* A purchase.  Inlined with constant arguments: `alone` 1 on the
 * customer-by-customer path (independent_customers: no module, no queue,
 * no pilot, no fitted base, no visit observer, so all of that drops out at
 * compile time), 0 on the calendar; `first` 1 or 0 when the caller knows
 * whether this is the customer's first purchase (customer by customer),
 * -1 when it does not.  The branches the constants remove were the
 * hot path's unpredictable ones (docs/benchmarks.md, issue 14's fourth
 * round).  Customer by customer, `now` holds this purchase's streams and
 * `ahead` is given the next one's. */
static inline __attribute__((always_inline)) void
visit_body(rep_ctx *c, customer *cu, uint32_t who, double t, const int alone, const int first,
           visit_streams *now, visit_streams *ahead)
{
    const engine *e = c->e;
    engine_work *w = c->w;
    rep_result *out = c->out;
    if (!alone && cu->visits > 0 && queue_turns_away(c, cu, who, t))
        return;
    /* none customer by customer (independent_customers) */
    const int npromo = alone ? 0 : e->npromo;
    /* copied from a zero constant: `= { 0 }` compiles to a rep stos here,
     * whose start-up was 2 % of the textbook case's time */
    static const visit_ctx zero_visit;
    visit_ctx v = zero_visit;
    v.t = t;
    v.rate_multiplier = 1.0;
    v.purchase_no = ++cu->visits;
    const int is_first = first >= 0 ? first : v.purchase_no == 1;
    v.wait_minutes = c->wait_today;
    c->queue_wait_sum += c->wait_today;
    c->queue_served += 1;

    v.referred = cu->referred;
    double *pstate = !alone && w->pslots ? w->pstate + (size_t)who * (size_t)w->pslots : NULL;
    int acts = alone ? 1 : pilot_acts(e, cu->group, t);
    double *mstate = alone ? w->scratch_state : model_state(w, cu);

    /* the visit's key and its bill's, decision's and interval's streams
     * (visit_streams_prepare); customer by customer, prepared by the visit
     * before (the next purchase's number is known then), so that their
     * splitmix rounds are off the way to this visit's bill */
    visit_streams own;
    if (!alone)
        visit_streams_prepare(&own, cu->key, v.purchase_no);
    visit_streams *vs = alone ? now : &own;
    uint64_t vkey = vs->vkey;
    rng_stream s;   /* the experience's, and the modules' hooks' */
    v.bill = e->model->draw_bill(e->mparams, mstate, &v, &vs->bill.rng);
    if (alone)
        visit_streams_prepare(ahead, cu->key, v.purchase_no + 1);
    /* the discount factor to the first purchase (at it, t is t_first and
     * exp(-0) is exactly 1; libm's exp takes a branch of its own there,
     * mispredicted once a customer); computed here, next to the bill's exp,
     * so that the two overlap */
    double to_first = first == 1 ? 1.0 : discount(e, t - cu->t_first);
    v.cash = v.revenue = v.bill;
    for (int i = 0; i < npromo; i++)
        if (e->promo[i]->at_till && module_acts(e, i, acts)) {
            rng_stream_from_visit(&s, vkey, e->pstream[i][RNG_HOOK_AT_TILL]);
            e->promo[i]->at_till(e->pparams[i], pstate + e->poffset[i], &v, &s.rng);
        }
    rng_stream_from_visit(&s, vkey, RNG_EXPERIENCE);
    e->model->experience(e->mparams, mstate, &v, &s.rng);
    for (int i = 0; i < npromo; i++)
        if (e->promo[i]->after_visit && module_acts(e, i, acts)) {
            rng_stream_from_visit(&s, vkey, e->pstream[i][RNG_HOOK_AFTER_VISIT]);
            e->promo[i]->after_visit(e->pparams[i], pstate + e->poffset[i], &v, &s.rng);
        }
    if (v.churn > 1)
        v.churn = 1;
    if (v.churn < 0)
        v.churn = 0;

    /* cost of goods follows what was served (the bill), whatever was paid */
    double margin = v.revenue - (1.0 - e->econ.gross_margin) * v.bill - v.promo_cost
                    - e->econ.cost_per_visit;
    int day = day_of(e, t);
    out->curve[CUR_REVENUE][day] += v.revenue;
    out->curve[CUR_VISITS][day] += 1;
    w->margin[day] += margin;
    out->metric[MET_REVENUE] += v.revenue;
    out->metric[MET_CASH_IN] += v.cash;
    out->metric[MET_DISCOUNTS] += v.discount;
    out->metric[MET_PROMO_COST] += v.promo_cost;
    out->metric[MET_VISITS] += 1;
    customer_money money = money_of(w, cu);
    *money.revenue += v.revenue;
    *money.value += margin * to_first;
    if (!alone && cu->channel < 0) {
        out->metric[MET_BASE_PURCHASES] += 1;
        out->metric[MET_BASE_REVENUE] += v.revenue;
    }
    /* the business's view: the first gap of lost_after days or more marks
     * the customer lost at the purchase before it, even if they come back */
    if (!is_first && cu->lapse_day == NO_LAPSE && t - cu->t_last >= e->life.lost_after)
        cu->lapse_day = (int32_t)floor(cu->t_last - cu->t_first + TIME_SLACK);
    /* the month last counted in the cohort table: the previous visit's
     * (each visit counts its month unless it is the one before's, or it
     * is past the table, and so is every later one), none before the
     * first */
    int month = (int)(t / DAYS_PER_MONTH);
    /* customer by customer the previous visit's month is still at hand,
     * and the cohort is the first visit's month (t_first is its t): one
     * division a visit instead of three, the same integers */
    int last_month = is_first ? -1 : alone ? c->last_month : (int)(cu->t_last / DAYS_PER_MONTH);
    int cohort = alone ? (is_first ? month : c->cohort) : (int)(cu->t_first / DAYS_PER_MONTH);
    if (alone) {
        c->last_month = month;
        c->cohort = cohort;
    }
    if (!alone && w->observer)
        w->observer(w->observer_ctx, customer_id(c, cu), t, v.bill, cu->group);
    cu->t_last = t;
    c->satisfaction_sum += v.has_signal ? v.signal : 0.0;
    /* counts in doubles: adding 0 changes none, and the branch was a coin
     * toss */
    c->first_negative += (double)(is_first & (v.worth_less_than_cost != 0));

    /* without branches (whether the month moved is a coin toss): a visit
     * not counted adds 0 to cell 0, which leaves that count as it is */
    int counted = (cu->channel >= 0) & (month != last_month) & (cohort < COHORT_MONTHS)
                  & (month - cohort < COHORT_MONTHS);
    size_t cell = ((size_t)cohort * COHORT_MONTHS + (size_t)month - (size_t)cohort)
                  & (0 - (size_t)counted);
    w->cohort_count[cell] += (double)counted;

    int stays = rng_uniform(&vs->decision.rng) >= v.churn;
    double next = INFINITY;
    if (stays) {
        /* the pace lever: a rate multiplier of 0 or below stops purchasing */
        double interval = e->model->draw_interval(e->mparams, mstate, &vs->interval.rng);
        /* x / 1 is x: the division (on the way to the next visit) only
         * when a lever moved the pace */
        next = v.rate_multiplier == 1.0 ? t + interval
               : v.rate_multiplier > 0 ? t + interval / v.rate_multiplier : INFINITY;
    }
    /* the modules' say on the next visit (a reminder, word of mouth) */
    next_visit nv = { t, stays, next, e->horizon,
                      acts ? e->referral_rate : e->referral_rate_standing, t, 0 };
    for (int i = 0; i < npromo && !c->oom; i++)
        if (e->promo[i]->after_decision && module_acts(e, i, acts)) {
            module_call call = { c, who, i, v.purchase_no, acts };
            promo_services svc = services(&call);
            rng_stream_from_visit(&s, vkey, e->pstream[i][RNG_HOOK_AFTER_DECISION]);
            e->promo[i]->after_decision(e->pparams[i], pstate + e->poffset[i], &v, &nv, &s.rng, &svc);
        }
    /* a next visit past the horizon is not simulated, but says whether the
     * customer was lost for good (survival) */
    next = cu->t_next = nv.next;
    cu->last_churn = v.churn;
    if (alone) {
        lifecycle_spans_alone(c, t, next);
        return;
    }
    lifecycle_spans(c, t, next, 1.0);
    schedule(c, next, who, EV_VISIT);
}

/* A purchase on the calendar. */
static void visit(rep_ctx *c, customer *cu, uint32_t who, double t)
{
    visit_body(c, cu, who, t, 0, -1, NULL, NULL);
}

/* A new customer's whole life at once, customer by customer
 * (independent_customers): the purchases the calendar would have reached,
 * up to the horizon; then the customer is folded. */
static void customer_life(rep_ctx *c, customer *cu, double t)
{
    int horizon = c->e->horizon;
    c->active_from = t;
    visit_streams streams[2];
    visit_streams_prepare(&streams[0], cu->key, 1);
    visit_body(c, cu, 0, t, 1, 1, &streams[0], &streams[1]);
    for (int k = 1; cu->t_next < horizon && !c->oom; k ^= 1)
        visit_body(c, cu, 0, cu->t_next, 1, 0, &streams[k], &streams[k ^ 1]);
}

/* One of a module's own calendar events: the module may bring the
 * customer's next visit forward (never back), which moves the visit on the
 * calendar and the business's view of the customer until it. */
static void module_event(rep_ctx *c, event ev)
{
    const engine *e = c->e;
    engine_work *w = c->w;
    int module = (int)((ev.kind - EV_MODULE) >> 16);
    int tag = (int)((ev.kind - EV_MODULE) & 0xFFFFu);
    customer *cu = &w->cust[ev.who];
    double *pstate = w->pslots ? w->pstate + (size_t)ev.who * (size_t)w->pslots : NULL;
    /* a pilot's promotion acts within its days only (an event booked
     * before stop_day that falls after it is not sent) */
    int acts = pilot_acts(e, cu->group, ev.t);
    if (!module_acts(e, module, acts))
        return;
    calendar_event ce = { ev.t, tag, cu->t_first, cu->t_last, cu->visits, cu->t_next, e->horizon };
    module_call call = { c, ev.who, module, 0, acts };
    promo_services svc = services(&call);
    /* keyed by the day and tag, apart from every visit's key (purchase numbers) */
    uint64_t word = (1ull << 62) | ((uint64_t)(uint32_t)(int)ev.t << 16) | (uint64_t)tag;
    rng_stream s;
    rng_stream_from_key(&s, cu->key, word, e->pstream[module][RNG_HOOK_EVENT]);
    e->promo[module]->on_event(e->pparams[module], pstate + e->poffset[module], &ce, &s.rng, &svc);
    if (ce.next < cu->t_next && ce.next >= ev.t) {
        lifecycle_spans(c, cu->t_last, cu->t_next, -1.0);
        lifecycle_spans(c, cu->t_last, ce.next, 1.0);
        cu->t_next = ce.next;
        schedule(c, ce.next, ev.who, EV_VISIT);
    }
}

/* ---- the existing customers of a fitted base ([base], sim/basefile.h) ----
 *
 * Day 0 is the as-of date.  Every customer of the customers file enters the
 * replication as they stand then: first purchase T days ago, last purchase
 * T - t_x days ago, x + 1 purchases so far.  The customer model draws their
 * hidden traits from their posterior given that history (model.h,
 * customer_from_history: alive or not, purchase rate, dropout chance,
 * spend) from the customer's own stream, and says when they next buy.
 * Then the modules see the decision taken at the last purchase, as after
 * any visit, with `from` = day 0: a reminder already due before the as-of
 * date is history (the customer's state already reflects it), one due
 * after it is sent.  No module may move a visit before day 0.
 *
 * Existing customers count in money, visits, the active/silent/dormant
 * curves and the RFM table (the business's whole base); the metrics of
 * new customers (retention by age, repeat rate, lifetime value, funnel,
 * cohorts, frequency) count the customers won within the horizon only,
 * and the base_* metrics describe the existing ones. */
static void seed_base(rep_ctx *c)
{
    const engine *e = c->e;
    engine_work *w = c->w;
    const base_customers *b = e->base;
    for (int i = 0; i < b->n && !c->oom; i++) {
        const customer_history *h = &b->h[i];
        customer *cu = new_customer(c, rng_key(c->rep_key, BASE_ID_BIT | (uint64_t)i), -1, 0.0);
        if (!cu)
            return;
        uint32_t who = (uint32_t)(cu - w->cust);
        cu->t_first = -h->age;
        cu->t_last = -(h->age - h->last_age);
        cu->visits = h->repeat_purchases + 1;
        cu->group = draw_group(e, cu->key);
        int acts = pilot_acts(e, cu->group, 0.0);
        rng_stream s;
        rng_stream_from_key(&s, cu->key, 0, RNG_CUSTOMER);
        double next = INFINITY;
        int alive = e->model->customer_from_history(e->mparams, h, model_state(w, cu), &next, &s.rng);
        next = alive && next >= 0 ? next : INFINITY;
        c->out->metric[MET_BASE_CUSTOMERS] += 1;
        c->out->metric[MET_BASE_ALIVE_START] += alive;

        visit_ctx v = { 0 };
        v.t = cu->t_last;
        v.purchase_no = cu->visits;
        v.rate_multiplier = 1.0;
        next_visit nv = { cu->t_last, isfinite(next), next, e->horizon,
                          acts ? e->referral_rate : e->referral_rate_standing, 0.0, 1 };
        double *pstate = w->pslots ? w->pstate + (size_t)who * (size_t)w->pslots : NULL;
        for (int m = 0; m < e->npromo && !c->oom; m++)
            if (e->promo[m]->after_decision && module_acts(e, m, acts)) {
                module_call call = { c, who, m, v.purchase_no, acts };
                promo_services svc = services(&call);
                rng_stream_from_key(&s, cu->key, (uint64_t)v.purchase_no,
                                    e->pstream[m][RNG_HOOK_AFTER_DECISION]);
                e->promo[m]->after_decision(e->pparams[m], pstate + e->poffset[m], &v, &nv, &s.rng, &svc);
            }
        cu->t_next = nv.next >= 0 ? nv.next : next;
        lifecycle_spans(c, cu->t_last, cu->t_next, 1.0);
        schedule(c, cu->t_next, who, EV_VISIT);
    }
}

/* A pilot's start: every treated customer already on the books is seen by
 * the promotions as a fitted base's customer is on day 0 (seed_base): the
 * decision of their last purchase, from = the start day, existing = 1.  A
 * module may book events and touches, or move the visit pending since
 * before the start, forward or back (not before the start), as seed_base
 * lets it on day 0: a rate ratio c below 1 then postpones that visit as one
 * above 1 brings it forward (the remaining wait divided by c), so the
 * effect acts from the start, not from the next visit. */
static void pilot_opens(rep_ctx *c, int day)
{
    const engine *e = c->e;
    engine_work *w = c->w;
    for (size_t i = 0; i < w->ncust && !c->oom; i++) {
        customer *cu = &w->cust[i];
        if (cu->group != PILOT_TREATMENT)
            continue;
        uint32_t who = (uint32_t)i;
        visit_ctx v = { 0 };
        v.t = cu->t_last;
        v.purchase_no = cu->visits;
        v.rate_multiplier = 1.0;
        v.referred = cu->referred;
        next_visit nv = { cu->t_last, isfinite(cu->t_next), cu->t_next, e->horizon,
                          e->referral_rate, (double)day, 1 };
        double *pstate = w->pslots ? w->pstate + i * (size_t)w->pslots : NULL;
        rng_stream s;
        for (int m = 0; m < e->npromo && !c->oom; m++)
            if (e->promo[m]->after_decision && !e->promo[m]->standing) {
                module_call call = { c, who, m, v.purchase_no, 1 };
                promo_services svc = services(&call);
                /* keyed by the start day, apart from every visit's and event's words */
                rng_stream_from_key(&s, cu->key, (1ull << 61) | (uint64_t)day,
                                    e->pstream[m][RNG_HOOK_AFTER_DECISION]);
                e->promo[m]->after_decision(e->pparams[m], pstate + e->poffset[m], &v, &nv, &s.rng, &svc);
            }
        if (nv.next != cu->t_next && nv.next >= day) {
            /* the visit booked before stays in the calendar, stale (visit():
             * its time is no longer t_next) */
            lifecycle_spans(c, cu->t_last, cu->t_next, -1.0);
            lifecycle_spans(c, cu->t_last, nv.next, 1.0);
            cu->t_next = nv.next;
            schedule(c, nv.next, who, EV_VISIT);
        }
    }
}

/* The chance that a prospect of this channel buys, after promotions (acts:
 * pilot_acts for the prospect; 0 leaves the standing practices alone). */
static double prospect_conversion(const engine *e, int channel, int referred, int acts)
{
    double conversion = e->channel[channel].conversion;
    for (int i = 0; i < e->npromo; i++)
        if (e->promo[i]->conversion && module_acts(e, i, acts))
            conversion = e->promo[i]->conversion(e->pparams[i], conversion, referred);
    return conversion;
}

/* The same expected over a pilot's groups on day `day`, for the queue's
 * demand (share 1 or 0 gives one group's value exactly: x * 1 + y * 0). */
static double expected_conversion(const engine *e, int channel, int referred, int day)
{
    if (!e->pilot_on)
        return prospect_conversion(e, channel, referred, 1);
    double control = prospect_conversion(e, channel, referred, 0);
    if (day < e->pilot.start_day || day >= e->pilot.stop_day)
        return control;
    return e->pilot.share * prospect_conversion(e, channel, referred, 1)
           + (1.0 - e->pilot.share) * control;
}

static void fold_customer(rep_ctx *c, const customer *cu, const double *pstate);
static void recycle_record(rep_ctx *c, uint32_t who);

static void prospect_arrives(rep_ctx *c, uint64_t id, int channel, int referred, int rewarded,
                             double t)
{
    const engine *e = c->e;
    const channel_params *ch = &e->channel[channel];
    c->out->metric[MET_PROSPECTS] += 1;
    if (ch->cost_per_prospect > 0)
        add_cost(c, t, ch->cost_per_prospect, &c->out->metric[MET_ACQUISITION_COST]);
    uint64_t key = rng_key(c->rep_key, id);
    int group = draw_group(e, key);
    double conversion = prospect_conversion(e, channel, referred, pilot_acts(e, group, t));
    rng_stream s;
    rng_stream_from_key(&s, key, 0, RNG_CUSTOMER);
    /* one uniform against the conversion: a variant that converts more
     * converts a superset of the same prospects (common random numbers) */
    if (rng_uniform(&s.rng) >= conversion) {
        c->out->metric[MET_NEVER_BOUGHT] += 1;
        return;
    }
    if (queue_balks(c, key, 0)) {  /* key: rng_key(c->rep_key, id), above */
        c->out->metric[MET_NEVER_BOUGHT] += 1;  /* walked away before a first purchase */
        return;
    }
    customer *cu = new_customer(c, key, channel, t);
    if (!cu)
        return;
    cu->referred = referred != 0;
    cu->group = group;
    /* the reward is the referrer's: paid when the promotions acted on them */
    double reward = rewarded ? e->referral_reward : e->referral_reward_standing;
    if (referred && reward > 0) {
        add_cost(c, t, reward, &c->out->metric[MET_PROMO_COST]);
        *money_of(c->w, cu).value -= reward;
    }
    e->model->customer_init(e->mparams, model_state(c->w, cu), &s.rng);
    c->out->metric[MET_NEW_CUSTOMERS] += 1;
    c->out->curve[CUR_NEW_CUSTOMERS][day_of(e, t)] += 1;
    int cohort = (int)(t / DAYS_PER_MONTH);
    if (cohort < COHORT_MONTHS)
        c->w->cohort_size[cohort] += 1;
    if (!c->independent) {
        uint32_t who = (uint32_t)(cu - c->w->cust);
        visit(c, cu, who, t);
        recycle_record(c, who);  /* lost at the first purchase */
        return;
    }
    customer_life(c, cu, t);
    fold_customer(c, cu, NULL);
}

static double channel_rate(const channel_params *ch, int day)
{
    return day >= ch->start_day && day < ch->stop_day ? ch->prospects_per_day : 0.0;
}

/* The share of the day's organic prospects detractors leave (*lost: the
 * prospects they remove). */
static double organic_keep(const engine *e, int day, double suppressed, double *lost)
{
    double organic = 0;
    for (int ch = 0; ch < e->nchannels; ch++)
        organic += channel_rate(&e->channel[ch], day);
    *lost = 0;
    if (!(suppressed > 0 && organic > 0))
        return 1.0;
    *lost = suppressed < organic ? suppressed : organic;
    return 1.0 - *lost / organic;
}

static void arrivals(rep_ctx *c, int day, double suppressed)
{
    const engine *e = c->e;
    double lost;
    double keep = organic_keep(e, day, suppressed, &lost);
    if (lost > 0)
        c->out->metric[MET_LOST_PROSPECTS] += lost;
    for (int ch = 0; ch < e->nchannels; ch++) {
        double rate = channel_rate(&e->channel[ch], day) * keep;
        if (rate <= 0)
            continue;
        rng_stream s;
        rng_stream_init(&s, c->seed, c->rep, (uint64_t)day, (uint64_t)ch, RNG_ARRIVALS);
        unsigned int n = gsl_ran_poisson(&s.rng, rate);
        for (unsigned int k = 0; k < n && !c->oom; k++) {
            double t = day + rng_uniform(&s.rng);
            uint64_t id = rng_mix(((uint64_t)day << 40) ^ ((uint64_t)ch << 32) ^ k);
            prospect_arrives(c, id, ch, 0, 0, t);
        }
    }
}

/* ---- the queue ([capacity], sim/queue.h) ----
 *
 * Once a day, before its visits: the day's demand is the visits due today
 * (the calendar's bucket, now in the heap) plus the first purchases
 * expected today (each channel's prospects x conversion, referred
 * prospects already on the calendar x theirs).  The expectation stands in
 * for the realised number of first purchases, which are drawn only as the
 * day's arrivals are processed; the two differ by Poisson noise, small
 * against a day's demand.  From the demand, queue_day_wait gives the
 * day's wait and the share who balk.  Each arrival (a due visit or a
 * prospect about to buy) then balks with that probability, by a draw of
 * its own stream (RNG_QUEUE), so no other draw moves; with a probability
 * of 0 nothing is drawn, and with ample capacity every result equals the
 * scenario's without [capacity].
 *
 * What a balk means (seed 003: 排长队 ... 顾客流失: the queue loses the
 * meal, and those who stay pay in experience):
 *  - a prospect who balks never becomes a customer (consulted_never_bought):
 *    no habit brings them back;
 *  - a customer who balks makes no purchase today and tries again after
 *    one of their usual intervals (the model's draw_interval): the visit
 *    is lost, the relationship is not.  Their churn, expectation and
 *    lifecycle status run on from their last purchase; no reminder is
 *    sent for the missed visit.
 * Those who stay wait the day's wait: v.wait_minutes, a non-money cost the
 * customer model may count (models/satisfaction.c). */

static void queue_open_day(rep_ctx *c, int day, double suppressed)
{
    const engine *e = c->e;
    const engine_work *w = c->w;
    if (e->fixed_wait >= 0) {
        c->wait_today = e->fixed_wait;
        c->balk_today = queue_balk(&e->capacity, e->fixed_wait);
        return;
    }
    double lost, demand = 0;
    double keep = organic_keep(e, day, suppressed, &lost);
    for (int ch = 0; ch < e->nchannels; ch++)
        demand += channel_rate(&e->channel[ch], day) * keep * expected_conversion(e, ch, 0, day);
    for (size_t i = 0; i < w->nheap; i++) {
        const event *ev = &w->heap[i];
        /* a visit a calendar event has brought forward is stale; a
         * module's own event (a reminder, a voucher) is no arrival */
        if (ev->kind == EV_VISIT)
            demand += ev->t == w->cust[ev->who].t_next;
        else if (ev->kind == EV_PROSPECT)
            demand += expected_conversion(e, w->pros[ev->who].channel, w->pros[ev->who].referred, day);
    }
    c->wait_today = queue_day_wait(&e->capacity, demand, &c->balk_today);
}

/* 1 when the arrival keyed (key, word) walks away from today's queue. */
static int queue_balks(rep_ctx *c, uint64_t key, uint64_t word)
{
    if (!(c->balk_today > 0))
        return 0;
    rng_stream s;
    rng_stream_from_key(&s, key, word, RNG_QUEUE);
    if (gsl_rng_uniform(&s.rng) >= c->balk_today)
        return 0;
    c->queue_balked += 1;
    return 1;
}

/* A due visit at t: 1 when the customer balks, and then they are booked
 * to try again after one usual interval. */
static int queue_turns_away(rep_ctx *c, customer *cu, uint32_t who, double t)
{
    if (!(c->balk_today > 0))
        return 0;
    const engine *e = c->e;
    /* keyed by the day too: a customer who balks again on a later day draws afresh */
    uint64_t key = rng_key(cu->key, (uint64_t)day_of(e, t));
    if (!queue_balks(c, key, (uint64_t)cu->visits + 1))
        return 0;
    rng_stream s;
    rng_stream_from_key(&s, key, (uint64_t)cu->visits + 1, RNG_QUEUE + 1);
    double next = t + e->model->draw_interval(e->mparams, model_state(c->w, cu), &s.rng);
    /* the lifecycle status runs on from the last purchase, through [t, next):
     * the spans up to the missed visit are taken back and laid to the new one */
    lifecycle_spans(c, cu->t_last, t, -1.0);
    lifecycle_spans(c, cu->t_last, next, 1.0);
    cu->t_next = next;
    schedule(c, next, who, EV_VISIT);
    return 1;
}

/* The replication's queue metrics; NAN without [capacity] (left out of
 * every output then: metric_info.optional). */
static void queue_metrics(rep_ctx *c)
{
    double *m = c->out->metric;
    if (!c->e->queue_on) {
        m[MET_QUEUE_WAIT] = m[MET_BALKED] = m[MET_BALK_SHARE] = NAN;
        return;
    }
    double arrivals = c->queue_served + c->queue_balked;
    m[MET_QUEUE_WAIT] = c->queue_served > 0 ? c->queue_wait_sum / c->queue_served : NAN;
    m[MET_BALKED] = c->queue_balked;
    m[MET_BALK_SHARE] = arrivals > 0 ? c->queue_balked / arrivals : NAN;
}

static void reset_work(engine_work *w)
{
    size_t n = (size_t)w->horizon + 2;
    w->ncust = w->nheap = w->npros = w->nfold = 0;
    /* the room a previous replication left (the heap's; a day's bucket
     * left unopened) */
    w->calendar_bytes = w->capheap * sizeof(event);
    for (int d = 0; d < w->horizon; d++)
        w->calendar_bytes += w->bucket[d].cap * sizeof(day_entry)
                             + w->bucket[d].capother * sizeof(other_event);
    w->peak_bytes = 0;
    w->free_head = NO_SLOT;
    w->nseq = w->nbase = 0;
    w->today = -1;
    for (int d = 0; d < w->horizon; d++)
        w->bucket[d].n = w->bucket[d].nother = 0;
    memset(w->suppress_diff, 0, n * sizeof(double));
    w->surv_followed = w->obs_followed = 0;
    memset(w->surv_risk, 0, n * sizeof(double));
    memset(w->surv_lost, 0, n * sizeof(double));
    memset(w->obs_risk, 0, n * sizeof(double));
    memset(w->obs_lost, 0, n * sizeof(double));
    memset(w->active_diff, 0, n * sizeof(double));
    memset(w->silent_diff, 0, n * sizeof(double));
    memset(w->dormant_diff, 0, n * sizeof(double));
    memset(w->margin, 0, n * sizeof(double));
    memset(w->cohort_count, 0, sizeof w->cohort_count);
    memset(w->cohort_size, 0, sizeof w->cohort_size);
}

static void reset_result(rep_result *out)
{
    for (int m = 0; m < MET_COUNT; m++)
        out->metric[m] = 0;
    for (int cidx = 0; cidx < CUR_COUNT; cidx++)
        memset(out->curve[cidx], 0, ((size_t)out->horizon + 1) * sizeof(double));
    memset(out->rfm, 0, sizeof out->rfm);
    memset(out->frequency, 0, sizeof out->frequency);
}

/* The value quantiles and the top fifth by selection (sim/stats.h): the
 * top fifth's sums run in the array's order after Hoare's selection, so it
 * keeps that very selection; the quantiles take the faster one. */
static double select_kth(double *a, size_t n, size_t k)
{
    return stat_select_hoare(a, 0, n - 1, k);
}

/* ---- retention by age: Kaplan-Meier on days of age ----
 *
 * S(a) = P(a customer's final purchase falls on day a of age or later), the
 * product over days d < a of (1 - lost(d) / at_risk(d)) (Kaplan and Meier
 * 1958).  Each customer is followed for the whole days of age that lie
 * inside the horizon (for the business's view, those whose purchases have
 * been judged by the horizon) and censored after them.  That follow-up
 * depends only on when the customer arrived, never on what they do, which
 * is what keeps the estimate free of the horizon: the old ratio counted a
 * customer whose next purchase fell after the horizon as lost. */

/* One customer in a tally: followed through days 0..followed-1 of age,
 * lost at lost_age (INFINITY: not lost); a loss on a day not followed is a
 * censoring. */
static void km_add(double *at_risk_diff, double *lost, int *longest, int followed,
                   double lost_age)
{
    if (followed <= 0)
        return;
    if (followed > *longest)
        *longest = followed;
    int last = followed - 1;
    if (isfinite(lost_age)) {
        double day = floor(lost_age + TIME_SLACK);
        if (day < followed) {
            last = (int)day;
            lost[last] += 1;
        }
    }
    at_risk_diff[0] += 1;
    at_risk_diff[last + 1] -= 1;
}

/* The product-limit curve at ages 0..H.  Age a is supported when some
 * customer is followed through day a - 1 and either someone is still at
 * risk or the estimate has already reached 0; past the longest follow-up
 * (or once nobody is left at risk above 0) it is NAN, which the writers
 * leave out with a note. */
static void km_curve(const double *at_risk_diff, const double *lost, int longest, int H,
                     double *curve)
{
    double at_risk = at_risk_diff[0], s = 1;
    int supported = longest > 0;
    curve[0] = supported ? 1.0 : NAN;
    for (int a = 1; a <= H; a++) {
        if (a > 1)
            at_risk += at_risk_diff[a - 1];
        if (a > longest)
            supported = 0;
        else if (supported && at_risk > 0)
            s *= 1.0 - lost[a - 1] / at_risk;
        else if (s > 0)
            supported = 0;
        curve[a] = supported ? s : NAN;
    }
}

/* Days of age followed: d counts when d + 1 + lag <= H - t_first. */
static int days_followed(int H, double t_first, double lag)
{
    double days = floor(H - t_first - lag + TIME_SLACK);
    return days <= 0 ? 0 : days >= H ? H : (int)days;
}

/* The expected discounted margin after the horizon of a customer whose
 * next visit is at t_next, discounted to their first purchase; NAN when
 * the model has no continuation, INFINITY when nothing bounds it. */
static double projected_future(const engine *e, engine_work *w, const customer *cu)
{
    if (!isfinite(cu->t_next))
        return 0.0;
    if (!e->model->continuation)
        return NAN;
    model_continuation k;
    e->model->continuation(e->mparams, model_state(w, cu), cu->last_churn, e->discount_per_day, &k);
    double margin = e->econ.gross_margin * k.bill - e->econ.cost_per_visit;
    double visits = 1.0 - (1.0 - k.churn) * k.interval_discount;
    if (visits <= 0)
        return margin == 0 ? 0.0 : INFINITY;
    return margin * discount(e, cu->t_next - cu->t_first) / visits;
}

/* A new customer's part of the end-of-run summaries, once nothing more
 * happens to them (on the calendar, when they are lost for good and no
 * event names them, else at the horizon; on the customer-by-customer path,
 * as soon as their life is simulated): after this only their value,
 * revenue and liabilities are kept, at their place in the order of
 * creation, so that every sum over them runs in the order it always has,
 * whenever each customer is folded.  The other tallies are counts (exact
 * in any order) and the projected future, which is exactly 0 for a
 * customer lost for good; finish folds the others in the order of
 * creation.  pstate: their promotions' state (NULL without). */
static void fold_customer(rep_ctx *c, const customer *cu, const double *pstate)
{
    const engine *e = c->e;
    engine_work *w = c->w;
    rep_result *out = c->out;
    int H = e->horizon;
    size_t k = (size_t)(cu->seq - w->nbase);  /* its room made by new_customer */
    w->nfold++;
    /* survival: the simulator knows who is lost for good (no next
     * visit, not even after the horizon), and at what age */
    double final_age = isfinite(cu->t_next) ? INFINITY : cu->t_last - cu->t_first;
    km_add(w->surv_risk, w->surv_lost, &w->surv_followed, days_followed(H, cu->t_first, 0), final_age);
    /* the business's view: lost at the first purchase followed by
     * lost_after days of silence, judged lost_after days after it */
    /* a whole day, km_add's floor gives it back */
    double lapse_age = cu->lapse_day == NO_LAPSE ? INFINITY : (double)cu->lapse_day;
    if (isinf(lapse_age) && H - cu->t_last >= e->life.lost_after)
        lapse_age = cu->t_last - cu->t_first;
    km_add(w->obs_risk, w->obs_lost, &w->obs_followed, days_followed(H, cu->t_first, e->life.lost_after),
           lapse_age);
    c->repeaters += cu->visits >= 2;   /* a count: adding 0 changes nothing, and no branch */
    c->future_sum += projected_future(e, w, cu);
    for (int p = 0, j = 0; p < e->npromo; p++)
        if (e->promo[p]->liability)
            w->fold_liability[k * (size_t)w->nliab + (size_t)j++] =
                e->promo[p]->liability(e->pparams[p], pstate + e->poffset[p]);
    c->funnel3 += cu->visits >= 3;
    c->funnel5 += cu->visits >= 5;

    double since = H - cu->t_last;
    int r = since < e->life.silent_after ? 0
            : since < e->life.dormant_after ? 1
            : since < e->life.lost_after ? 2 : 3;
    int f = cu->visits == 1 ? 0 : cu->visits == 2 ? 1 : cu->visits <= 4 ? 2 : 3;
    out->rfm[r * RFM_FREQUENCY + f] += 1;
    out->frequency[cu->visits >= FREQ_BINS ? FREQ_BINS - 1 : cu->visits - 1] += 1;
}

/* On the calendar: a new customer lost for good (no next visit, not even
 * after the horizon) whom no event names any more is done with: nothing
 * can happen to them again (a module's event could bring a visit back,
 * hence the wait for the last one), so they are folded now and their
 * record and promotion slots go to the next customer won.  Not while a
 * pilot's start is still to come (pilot_opens reaches every treated
 * customer on the books, lost ones too), nor a fitted base's customers
 * (few, and finish reads their records). */
static void recycle_record(rep_ctx *c, uint32_t who)
{
    engine_work *w = c->w;
    customer *cu = &w->cust[who];
    if (!w->recycle || cu->channel < 0 || cu->pending || isfinite(cu->t_next))
        return;
    fold_customer(c, cu, w->pslots ? w->pstate + (size_t)who * (size_t)w->pslots : NULL);
    cu->channel = SLOT_FREE;
    cu->seq = w->free_head;
    w->free_head = who;
}

/* qsort by the order of creation (finish) */
static int by_seq(const void *a, const void *b)
{
    uint32_t x = ((const uint32_t *)a)[0], y = ((const uint32_t *)b)[0];
    return (x > y) - (x < y);
}

/* Per-customer summaries, once the horizon is reached. */
static int finish(rep_ctx *c)
{
    const engine *e = c->e;
    engine_work *w = c->w;
    rep_result *out = c->out;
    int H = e->horizon;
    double base_returning = 0, base_alive_end = 0;

    double liability = 0;
    /* the records still in use: a fitted base's customers (the first
     * nbase, never recycled) and new customers not lost for good; the new
     * ones are folded in the order of creation (their projected futures
     * are summed in it), pairs of (seq, record) sorted */
    size_t nlive = 0;
    for (size_t i = 0; i < w->ncust; i++)
        nlive += w->cust[i].channel >= 0;
    uint32_t *order = malloc((nlive ? nlive : 1) * 2 * sizeof *order);
    if (!order)
        return -1;
    for (size_t i = 0, j = 0; i < w->ncust; i++)
        if (w->cust[i].channel >= 0) {
            order[2 * j] = w->cust[i].seq;
            order[2 * j + 1] = (uint32_t)i;
            j++;
        }
    qsort(order, nlive, 2 * sizeof *order, by_seq);
    for (size_t i = 0; i < w->nbase && i < w->ncust; i++) {
        /* an existing customer: the business's view (RFM) and the base's own tallies */
        const customer *cu = &w->cust[i];
        base_returning += cu->visits > e->base->h[i].repeat_purchases + 1;
        base_alive_end += isfinite(cu->t_next);
        for (int p = 0; p < e->npromo; p++)
            if (e->promo[p]->liability)
                liability += e->promo[p]->liability(e->pparams[p],
                                                    w->pstate + i * (size_t)w->pslots + e->poffset[p]);
        double since_last = H - cu->t_last;
        int rr = since_last < e->life.silent_after ? 0
                 : since_last < e->life.dormant_after ? 1
                 : since_last < e->life.lost_after ? 2 : 3;
        int ff = cu->visits == 1 ? 0 : cu->visits == 2 ? 1 : cu->visits <= 4 ? 2 : 3;
        out->rfm[rr * RFM_FREQUENCY + ff] += 1;
    }
    for (size_t j = 0; j < nlive && !c->oom; j++) {
        size_t i = order[2 * j + 1];
        fold_customer(c, &w->cust[i], w->pslots ? w->pstate + i * (size_t)w->pslots : NULL);
    }
    free(order);
    if (c->oom)
        return -1;

    km_curve(w->surv_risk, w->surv_lost, w->surv_followed, H, out->curve[CUR_RETENTION]);
    km_curve(w->obs_risk, w->obs_lost, w->obs_followed, H, out->curve[CUR_OBSERVED_RETENTION]);
    double active = 0, silent = 0, dormant = 0;
    double cum_rev = 0, cum_profit = 0, cum_npv = 0;
    for (int d = 0; d <= H; d++) {
        if (d == H) {
            /* the curves below are per day 0..H-1; day H repeats the end state */
            out->curve[CUR_ACTIVE][d] = out->curve[CUR_ACTIVE][d - 1];
            out->curve[CUR_SILENT][d] = out->curve[CUR_SILENT][d - 1];
            out->curve[CUR_DORMANT][d] = out->curve[CUR_DORMANT][d - 1];
            out->curve[CUR_CUM_REVENUE][d] = cum_rev;
            out->curve[CUR_CUM_PROFIT][d] = cum_profit;
            out->curve[CUR_CUM_PROFIT_NPV][d] = cum_npv;
            break;
        }
        active += w->active_diff[d];
        silent += w->silent_diff[d];
        dormant += w->dormant_diff[d];
        out->curve[CUR_ACTIVE][d] = active;
        out->curve[CUR_SILENT][d] = silent;
        out->curve[CUR_DORMANT][d] = dormant;
        double profit = w->margin[d] - out->curve[CUR_COSTS][d];
        out->curve[CUR_PROFIT][d] = profit;
        cum_rev += out->curve[CUR_REVENUE][d];
        cum_profit += profit;
        cum_npv += profit * discount(e, d + 0.5);
        out->curve[CUR_CUM_REVENUE][d] = cum_rev;
        out->curve[CUR_CUM_PROFIT][d] = cum_profit;
        out->curve[CUR_CUM_PROFIT_NPV][d] = cum_npv;
        out->metric[MET_GROSS_MARGIN] += w->margin[d];
    }

    double *m = out->metric;
    size_t n = w->nfold;                /* customers won within the horizon */
    double repeaters = c->repeaters, funnel3 = c->funnel3, funnel5 = c->funnel5;
    double clv_sum = 0, future_sum = c->future_sum;
    for (size_t i = 0; i < n; i++)
        clv_sum += w->fold_value[i];
    for (size_t i = 0; i < n * (size_t)w->nliab; i++)
        liability += w->fold_liability[i];
    m[MET_PROFIT] = cum_profit;
    m[MET_LIABILITY_END] = liability;
    m[MET_PROFIT_NPV] = cum_npv;
    m[MET_ACTIVE_END] = out->curve[CUR_ACTIVE][H];
    static const int ages[] = { 30, 90, 180, 365 };
    static const metric_id ids[] = { MET_RETENTION_30, MET_RETENTION_90,
                                     MET_RETENTION_180, MET_RETENTION_365 };
    for (int k = 0; k < 4; k++)
        m[ids[k]] = ages[k] <= H ? out->curve[CUR_RETENTION][ages[k]] : NAN;
    m[MET_OBSERVED_RETENTION_90] = 90 <= H ? out->curve[CUR_OBSERVED_RETENTION][90] : NAN;
    m[MET_OBSERVED_RETENTION_365] = 365 <= H ? out->curve[CUR_OBSERVED_RETENTION][365] : NAN;
    m[MET_REPEAT_RATE] = n ? repeaters / n : NAN;
    m[MET_CLV] = n ? clv_sum / n : NAN;
    /* an unbounded or missing continuation leaves the metric undefined, never infinite */
    m[MET_CLV_PROJECTED] = n && isfinite(future_sum) ? (clv_sum + future_sum) / n : NAN;
    m[MET_PURCHASES_PER_CUSTOMER] = n ? m[MET_VISITS] / n : NAN;
    m[MET_FUNNEL_2ND] = repeaters;
    m[MET_FUNNEL_3RD] = funnel3;
    m[MET_FUNNEL_5TH] = funnel5;
    m[MET_MEAN_SATISFACTION] = m[MET_VISITS] > 0 ? c->satisfaction_sum / m[MET_VISITS] : NAN;
    m[MET_FIRST_VISIT_NEGATIVE] = n ? c->first_negative / n : NAN;
    if (e->base && e->base->n > 0) {
        m[MET_BASE_ALIVE_START] /= e->base->n;
        m[MET_BASE_ALIVE_END] = base_alive_end / e->base->n;
        m[MET_BASE_RETURNING] = base_returning / e->base->n;
    } else {
        m[MET_BASE_CUSTOMERS] = m[MET_BASE_ALIVE_START] = m[MET_BASE_ALIVE_END] = NAN;
        m[MET_BASE_PURCHASES] = m[MET_BASE_RETURNING] = m[MET_BASE_REVENUE] = NAN;
    }

    for (int a = 0; a < COHORT_MONTHS; a++)
        for (int b = 0; b < COHORT_MONTHS; b++) {
            double size = w->cohort_size[a];
            /* a cell exists only if that month is (at least partly) inside the horizon */
            int inside = (a + b) * DAYS_PER_MONTH < H;
            out->cohort[a * COHORT_MONTHS + b] =
                (size > 0 && inside) ? w->cohort_count[a * COHORT_MONTHS + b] / size : NAN;
        }

    if (n > 0) {
        /* quantiles and the top fifth by selection, not a full sort: the
         * same values in O(n) */
        double *vals = w->fold_value;
        /* the levels rise, so each selection works on the part above the
         * previous one (already partitioned there); the values are the
         * same order statistics, whatever the work */
        size_t at[CLV_QUANTILES];
        double pos[CLV_QUANTILES];
        size_t from = 0;
        for (int q = 0; q < CLV_QUANTILES; q++) {
            pos[q] = clv_quantile_levels[q] * (double)(n - 1);
            at[q] = (size_t)pos[q];
            if (at[q] >= from)
                stat_select(vals, from, n - 1, at[q]);
            if (at[q] + 1 > from)
                from = at[q] + 1;
        }
        for (int q = 0; q < CLV_QUANTILES; q++) {
            size_t lo = at[q];
            double x_lo = vals[lo];
            /* the next order statistic is the least of those after lo:
             * up to the next selected position, which bounds the rest */
            size_t end = n - 1;
            for (int u = q + 1; u < CLV_QUANTILES; u++)
                if (at[u] > lo) {
                    end = at[u];
                    break;
                }
            double x_hi = x_lo;
            if (lo + 1 < n) {
                x_hi = vals[lo + 1];
                for (size_t i = lo + 2; i <= end; i++)
                    if (vals[i] < x_hi)
                        x_hi = vals[i];
            }
            out->clv_quantile[q] = x_lo + (pos[q] - lo) * (x_hi - x_lo);
        }
        double *revs = w->fold_revenue;
        size_t top = (n + 4) / 5;
        select_kth(revs, n, n - top);
        double top_sum = 0, all = 0;
        for (size_t i = 0; i < n; i++) {
            all += revs[i];
            if (i >= n - top)
                top_sum += revs[i];
        }
        m[MET_TOP20_SHARE] = all > 0 ? top_sum / all : NAN;
    } else {
        for (int q = 0; q < CLV_QUANTILES; q++)
            out->clv_quantile[q] = NAN;
        m[MET_TOP20_SHARE] = NAN;
    }
    return 0;
}

int engine_replicate(const engine *e, engine_work *w, uint64_t seed, int rep,
                     rep_result *out, diag *d)
{
    rep_ctx c = { e, w, out, seed, (uint64_t)rep, rng_key(rng_key_seed(seed), (uint64_t)rep), 0, 0, 0 };
    /* a visit observer (--write-log) sees purchases in time order: the calendar's */
    c.independent = independent_customers(e) && !w->observer;
    reset_work(w);
    reset_result(out);
    if (e->base)
        seed_base(&c);
    w->nbase = w->nseq;
    /* a pilot's start reaches the lost customers too (pilot_opens): no
     * record is recycled before it */
    w->recycle = !e->pilot_on || e->pilot.start_day <= 0;
    double suppressed = 0;
    for (int day = 0; day < e->horizon && !c.oom; day++) {
        suppressed += w->suppress_diff[day];
        open_day(&c, day);
        /* a pilot starting after day 0: its promotions open for the treated
         * customers already on the books (day 0's are seed_base's) */
        if (e->pilot_on && day == e->pilot.start_day && day > 0) {
            pilot_opens(&c, day);
            /* from now on, lost is lost: fold those lost so far */
            w->recycle = 1;
            for (size_t i = 0; i < w->ncust && !c.oom; i++)
                recycle_record(&c, (uint32_t)i);
        }
        if (e->queue_on)
            queue_open_day(&c, day, suppressed);
        arrivals(&c, day, suppressed);
        while (w->nheap > 0 && w->heap[0].t < day + 1 && !c.oom) {
            event ev = heap_pop(w);
            /* the next event's customer record is likely cold: fetch it
             * while this one is processed */
            if (w->nheap > 0 && w->heap[0].kind == EV_VISIT) {
                __builtin_prefetch(&w->cust[w->heap[0].who]);
                if (w->mslots)
                    __builtin_prefetch(w->mstate + (size_t)w->heap[0].who * (size_t)w->mslots);
            }
            if (ev.kind == EV_PROSPECT) {
                prospect_arrives(&c, w->pros[ev.who].id, w->pros[ev.who].channel,
                                 w->pros[ev.who].referred, w->pros[ev.who].rewarded, ev.t);
                continue;
            }
            customer *cu = &w->cust[ev.who];
            if (cu->pending != UINT16_MAX)
                cu->pending--;
            /* its revenue and value in the fold arrays (customer_money),
             * written at the end of the visit: fetched while it is drawn */
            if (ev.kind == EV_VISIT && cu->channel >= 0) {
                __builtin_prefetch(&w->fold_value[cu->seq - w->nbase], 1);
                __builtin_prefetch(&w->fold_revenue[cu->seq - w->nbase], 1);
            }
            if (ev.kind == EV_VISIT) {
                /* a visit a calendar event has since brought forward is stale */
                if (ev.t == cu->t_next)
                    visit(&c, cu, ev.who, ev.t);
            } else {
                module_event(&c, ev);
            }
            recycle_record(&c, ev.who);
        }
    }
    if (c.oom || finish(&c))
        return diag_set(d, DIAG_RUNTIME, "out of memory in replication %d", rep);
    queue_metrics(&c);
    out->metric[MET_REFERRED_PROSPECTS] = (double)w->npros;
    return 0;
}

/* ---- for the memory estimate (sim/memory.c) ---- */

size_t engine_bytes_per_customer(const engine *e)
{
    /* customer by customer, only a customer's value and revenue stay */
    if (independent_customers(e))
        return 2 * sizeof(double);
    /* every customer won leaves their value, revenue and liabilities
     * (fold_customer, and from their first purchase: customer_money); a
     * customer still in play has a 56-byte record, the model's state
     * (the doubles it uses), the promotions' slots, its one pending visit on
     * the calendar (a day_entry, with the buckets' room, up to a quarter
     * more) and one pending event for each module that keeps events of its
     * own (a day_entry and an other_event), and at
     * the end a place in finish's order.  A record is recycled once its
     * customer is lost for good, so the records follow the customers still
     * active; how many that is depends on the churn the run draws, so the
     * estimate counts a record for every customer won: a bound, reached
     * when nobody is lost. */
    size_t events = 1, liabilities = 0;
    for (int i = 0; i < e->npromo; i++) {
        events += e->promo[i]->on_event != NULL;
        liabilities += e->promo[i]->liability != NULL;
    }
    size_t folded = (2 + liabilities) * sizeof(double);
    size_t record = sizeof(customer) + (size_t)(e->mslots + e->pslots) * sizeof(double)
                    + sizeof(day_entry) + sizeof(day_entry) / 4
                    + (events - 1) * (sizeof(day_entry) + sizeof(other_event))
                    + 2 * sizeof(uint32_t);
    return folded + record;
}

double engine_expected_customers(const engine *e)
{
    double n = 0;
    for (int i = 0; i < e->nchannels; i++) {
        const channel_params *c = &e->channel[i];
        int from = c->start_day > 0 ? c->start_day : 0;
        int to = c->stop_day < e->horizon ? c->stop_day : e->horizon;
        if (to > from)
            n += c->prospects_per_day * c->conversion * (to - from);
    }
    /* a fitted base's existing customers are all in memory from day 0 */
    return n + (e->base ? e->base->n : 0);
}

size_t engine_bytes_per_work(const engine *e)
{
    /* the per-day arrays of engine_work_alloc (buckets, curves by day) */
    return (size_t)(e->horizon + 1) * (16 * sizeof(double) + sizeof(day_bucket));
}

/* ---- parameter uncertainty (issue 11): one engine per drawn scenario ---- */

engine *engine_load(const char *path, const char *const *sets, int nsets, scenario **sc, diag *d)
{
    *sc = scen_load(path, sets, nsets, d);
    if (!*sc)
        return NULL;
    engine *e = engine_prepare(*sc, d);
    if (!e) {
        scen_free(*sc);
        *sc = NULL;
    }
    return e;
}

engine *engine_prepare_replica(const engine *proto, const scenario *drawn, diag *d)
{
    /* the drawn scenario differs from proto's in parameter values only: a
     * fitted base's customers file is the same, and is not read again */
    engine *e = prepare(drawn, proto->base, d);
    if (e)
        e->calendar_forced = proto->calendar_forced;  /* the path of the prototype (engine_same_path) */
    return e;
}

const scenario *engine_scenario(const engine *e)
{
    return e->sc;
}
