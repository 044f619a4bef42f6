/* SKELETON, to be written: Referral programme: rewards for referrers, a discount for referees. */
#include <stddef.h>
#include <stdlib.h>

#include "promotion.h"

typedef struct referral_programme_params {
    double unused;
} referral_programme_params;

static const scen_key referral_programme_keys[] = { { 0 } };

const scen_section promo_section_referral_programme = {
    "referral_programme", "Referral programme: rewards for referrers, a discount for referees.", sizeof(referral_programme_params), 1, referral_programme_keys, NULL
};

static void *referral_programme_prepare(const scenario *sc, const promo_env *env, diag *d)
{
    (void)sc;
    (void)env;
    void *p = calloc(1, sizeof(referral_programme_params));
    if (!p)
        diag_set(d, DIAG_RUNTIME, "out of memory");
    return p;
}

static void referral_programme_release(void *p)
{
    free(p);
}

const promo_type promo_referral_programme = {
    "referral_programme", "Referral programme: rewards for referrers, a discount for referees", &promo_section_referral_programme, 0, referral_programme_prepare, referral_programme_release,
    NULL, NULL, NULL, NULL, NULL, NULL
};
