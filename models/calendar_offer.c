/* calendar_offer: a customer's answer to a dated message (calendar_offer.h). */
#include "calendar_offer.h"

#include <math.h>

offer_answer calendar_offer_answer(calendar_event *ev, double days, double response,
                                   double lapsed_response, gsl_rng *r)
{
    if (ev->next < ev->t + days)
        return OFFER_NO_CHANGE;
    int lapsed = !isfinite(ev->next);
    if (!(gsl_rng_uniform(r) < (lapsed ? lapsed_response : response)))
        return OFFER_NO_CHANGE;
    ev->next = ev->t + days * gsl_rng_uniform(r);
    return lapsed ? OFFER_WON_BACK : OFFER_PULLED;
}
