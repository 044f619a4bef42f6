/* pilot: a promotion tried on a random share of the customers (issue 12).
 *
 * With a [pilot] section, every active promotion of the scenario acts only
 * on the customers of the treatment group, and only from start_day (to
 * stop_day); the business's standing practices (recall, word of mouth:
 * promo_type.standing) keep acting on everyone.  A pilot of a promotion is
 * then the scenario with [pilot]; the same scenario without the
 * promotion's section is the control world, and the control group of the
 * pilot lives in it exactly (common random numbers).
 *
 * Group: a uniform of the customer's own stream (RNG_PILOT, sim/rng.h)
 * against share, drawn for every prospect before the first purchase (a
 * prospect's stream key is the customer's key), and for every existing
 * customer of a fitted base ([base]).  It depends on nothing else: not on
 * threads, not on other customers, not on the promotions, so a world
 * without the promotion has the same groups. */
#ifndef RETSIM_PILOT_H
#define RETSIM_PILOT_H

#include "scenario.h"

typedef struct pilot_params {
    double share;       /* share of customers in the treatment group */
    int start_day;      /* the promotions act on the treated from this day */
    int stop_day;       /* ... until this day (exclusive); default: never */
} pilot_params;

extern const scen_section section_pilot;

/* The groups, as the transaction log names them. */
enum { PILOT_NONE = -1, PILOT_CONTROL = 0, PILOT_TREATMENT = 1 };

#endif
