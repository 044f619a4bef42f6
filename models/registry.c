/* The registry: every customer model (and, later, promotion) retsim knows.
 * Adding one is its own file plus a line in each list here. */
#include <stddef.h>

#include "../sim/sections.h"
#include "model.h"
#include "promotion.h"
#include "satisfaction.h"

extern const promo_type promo_recharge, promo_stored_value, promo_bundle, promo_package,
    promo_stamp_card, promo_welcome_vouchers, promo_referral_programme, promo_points_mall,
    promo_expectation_management, promo_churn_reduction;
extern const model_type model_bgnbd, model_sbg;

const model_type *const model_registry[] = { &model_satisfaction, &model_bgnbd, &model_sbg, NULL };

/* Names for the [customer] model key, in registry order. */
const char *const registry_model_names[] = { "satisfaction", "bgnbd", "sbg", NULL };

/* Hooks run in this order.  Money off the bill comes first (referee
 * discount, vouchers, coupons, points), then a package that covers what is
 * left, then prepaid balances that pay what is still left; churn_reduction
 * stays last so that it cuts the churn every other promotion has shaped. */
const promo_type *const promo_registry[] = {
    &promo_referral_programme, &promo_welcome_vouchers, &promo_stamp_card, &promo_points_mall,
    &promo_package, &promo_recharge, &promo_stored_value, &promo_bundle,
    &promo_expectation_management, &promo_churn_reduction, NULL
};

const model_type *model_by_index(int index)
{
    return model_registry[index];
}

const scen_section *const *scen_all_sections(void)
{
    /* engine sections, then every model's, gathered once */
    static const scen_section *all[64];
    if (!all[0]) {
        int n = 0;
        for (int i = 0; engine_sections[i]; i++)
            all[n++] = engine_sections[i];
        /* models may share a section (e.g. [spend]): list it once */
        for (int m = 0; model_registry[m]; m++)
            for (int i = 0; model_registry[m]->sections[i]; i++) {
                const scen_section *sec = model_registry[m]->sections[i];
                int seen = 0;
                for (int k = 0; k < n; k++)
                    seen |= all[k] == sec;
                if (!seen)
                    all[n++] = sec;
            }
        for (int p = 0; promo_registry[p]; p++)
            all[n++] = promo_registry[p]->section;
        all[n] = NULL;
    }
    return all;
}
