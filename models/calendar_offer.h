/* calendar_offer: what the modules that message customers on the calendar
 * share (models/promo_birthday.c, models/promo_winback.c,
 * models/promo_campaign.c): the customer's answer to a message.
 *
 * A message sent on day ev->t with a window of `days` (a birthday month, a
 * campaign's days, a win-back's days to respond) acts on time alone:
 *   - a customer whose next visit falls within the window anyway comes
 *     then (the message changes nothing for them);
 *   - one whose next visit would fall after it comes within it instead
 *     with chance `response`, on a day uniform over the window;
 *   - one the customer model has let go for good (no next visit) comes
 *     back within it with chance `lapsed_response`.
 * The draws are the module's own stream r: a uniform against the chance,
 * then the day, in that order, so a module that used to write this
 * inline draws the same numbers. */
#ifndef RETSIM_CALENDAR_OFFER_H
#define RETSIM_CALENDAR_OFFER_H

#include <gsl/gsl_rng.h>

#include "../sim/promotion.h"

typedef enum {
    OFFER_NO_CHANGE = 0,     /* comes within the window anyway, or does not respond */
    OFFER_PULLED = 1,        /* would have come later: comes within the window */
    OFFER_WON_BACK = 2       /* would never have come back: comes within the window */
} offer_answer;

offer_answer calendar_offer_answer(calendar_event *ev, double days, double response,
                                   double lapsed_response, gsl_rng *r);

#endif
