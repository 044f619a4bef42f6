/* engine: one replication of a scenario, event by event.
 *
 * Prospects arrive per day and channel; each visit is an event in a
 * calendar (a binary heap of next visits), so the cost grows with visits,
 * not with customers times days.  Every random draw comes from a stream
 * keyed by what it is for (rng.h), so a replication's result depends only on
 * (scenario, seed, replication), never on threads or on other customers. */
#ifndef RETSIM_ENGINE_H
#define RETSIM_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "metrics.h"
#include "scenario.h"

typedef struct engine engine;           /* read-only once prepared: shared by threads */
typedef struct engine_work engine_work; /* one per thread */

engine *engine_prepare(const scenario *sc, diag *d);
/* The scenario at path with the overrides sets[0..nsets) ("section.key=value",
 * as --set) loaded into *sc, and its engine prepared: what every command
 * that simulates a scenario file does first.  NULL with d set (and nothing
 * left to free) when either step fails; else free both with engine_free and
 * scen_free. */
engine *engine_load(const char *path, const char *const *sets, int nsets, scenario **sc, diag *d);
void engine_free(engine *e);
/* The engine of one parameter draw (scen_draw's copy of proto's scenario)
 * for one replication.  For now engine_prepare(drawn); the hook where it
 * will share proto's heavy read-only data (e.g. a file of existing
 * customers).  drawn must outlive the engine, as for engine_prepare. */
engine *engine_prepare_replica(const engine *proto, const scenario *drawn, diag *d);
/* engine_prepare for a scenario with [base] whose existing customers are
 * given (built in memory, e.g. by retsim calibrate from a log) instead of
 * read from [base] customers; base must outlive the engine. */
struct base_customers;
engine *engine_prepare_with_base(const scenario *sc, struct base_customers *base, diag *d);
/* The scenario the engine was prepared from. */
const scenario *engine_scenario(const engine *e);
int engine_horizon(const engine *e);

struct model_type;
struct promo_type;

/* The customer model and its prepared (read-only) parameters. */
const struct model_type *engine_model(const engine *e, const void **params);
/* How many promotions are active, and promotion i's type and parameters. */
int engine_promotion_count(const engine *e);
const struct promo_type *engine_promotion(const engine *e, int i, const void **params);

/* The active promotions' names and one-line descriptions in language lang
 * (a lang_id); returns how many. */
int engine_promotions(const engine *e, const char **names, char descriptions[][256], int max, int lang);

/* A test hook for the queue (sim/queue.h): every day's wait is fixed at
 * minutes, balking and the wait's cost following from it, instead of
 * coming from the day's demand; a negative value restores the computed
 * wait.  Only a scenario with [capacity] has a queue to fix. */
void engine_fix_wait(engine *e, double minutes);

/* 1: always simulate with the event calendar, even when no module couples
 * the customers and the engine would otherwise simulate them one after
 * another, each's whole life at once (the same counts, and sums equal up
 * to floating-point rounding: tests/test_engine.c checks it); for tests
 * and benchmarks. */
void engine_use_calendar(engine *e, int on);

/* The scenarios of one comparison (compare, sweep, sensitivity) on one
 * path: the calendar for all when one of them needs it.  The two paths'
 * money sums differ in their last bits (the order of additions), and a
 * paired difference must be exactly 0 where the worlds do not differ. */
void engine_same_path(engine *const *engines, int n);

engine_work *engine_work_alloc(const engine *e);
void engine_work_free(engine_work *w);

/* Frees what a replication grew (customer records, calendar, folded
 * values), keeping the arrays sized by the horizon: a thread that runs
 * replications of several scenarios in turn (compare, sweep) then holds
 * one scenario's customers at a time, not every scenario's at once. */
void engine_work_trim(engine_work *w);

/* Customer records in use at the peak of the last replication on the
 * calendar: a customer lost for good is folded into the aggregates and
 * their record reused, so this follows the customers still active, not
 * every customer won (0 on the customer-by-customer path, which keeps
 * one record in flight).  For tests and benchmarks. */
size_t engine_work_records(const engine_work *w);

/* The bytes that follow the customers still active, at the peak of the
 * last replication on the calendar: the records in use with their
 * promotion slots, and the calendar's room (the heap and each day's
 * bucket of pending events, as allocated).  Divided by
 * engine_work_records, the cost of a customer on the books; what every
 * customer won leaves (the fold arrays) is apart.  For tests and
 * benchmarks. */
size_t engine_work_bytes_in_use(const engine_work *w);

/* Called for every purchase, in time order within a replication: for
 * exporting a simulated transaction log (retsim run --write-log, the
 * fitting tests).  bill is what was served (before discounts); group is
 * the customer's group in a pilot (PILOT_CONTROL or PILOT_TREATMENT,
 * sim/pilot.h), PILOT_NONE without [pilot]. */
typedef void (*engine_visit_observer)(void *ctx, uint64_t customer, double day, double bill,
                                      int group);
void engine_work_observe(engine_work *w, engine_visit_observer fn, void *ctx);

/* Simulates replication rep into out (allocated with rep_alloc for this
 * horizon).  Returns 0, or DIAG_RUNTIME with d set (out of memory). */
int engine_replicate(const engine *e, engine_work *w, uint64_t seed, int rep,
                     rep_result *out, diag *d);

/* For the memory estimate before a run (sim/memory.c): bytes one customer
 * takes in a replication, customers expected in one (organic arrivals:
 * prospects a day x conversion x days open within the horizon; word of
 * mouth adds to it), and the fixed bytes of one engine_work. */
size_t engine_bytes_per_customer(const engine *e);
double engine_expected_customers(const engine *e);
size_t engine_bytes_per_work(const engine *e);

#endif
