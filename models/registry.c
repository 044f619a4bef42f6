/* The registry: every customer model and promotion retsim knows.
 * Adding one is its own file plus a line in a list here; its name lives in
 * its type (model_type.name, promo_type.name). */
#include "registry.h"

#include <stddef.h>

#include "satisfaction.h"

extern const promo_type promo_recharge, promo_stored_value, promo_bundle, promo_package,
    promo_stamp_card, promo_welcome_vouchers, promo_referral_programme, promo_points_mall,
    promo_expectation_management, promo_churn_reduction, promo_recall, promo_word_of_mouth,
    promo_measured_effect;
extern const promo_type promo_birthday_coupon, promo_campaign, promo_winback;
extern const model_type model_bgnbd, model_sbg;
extern const model_type model_bgbb, model_mbgnbd, model_pareto_nbd;

/* The first is the [customer] model default. */
static const model_type *const models[] = { &model_satisfaction, &model_bgnbd, &model_sbg,
                                             &model_mbgnbd, &model_pareto_nbd, &model_bgbb, NULL };

/* Hooks run in this order.  Recall and word of mouth, the business's
 * standing practices, come first: word of mouth sets the referrals a
 * referral programme then amplifies.  Money off the bill comes first (referee
 * discount, vouchers, coupons, points, the birthday coupon and a campaign's
 * offer), then a package that covers what is
 * left, then prepaid balances that pay what is still left; churn_reduction
 * stays last so that it cuts the churn every other promotion has shaped;
 * a measured effect (a pilot's, applied as ratios) comes just before it.
 * Win-back comes after recall: it reads the next visit recall may have
 * brought forward. */
static const promo_type *const promotions[] = {
    &promo_recall, &promo_word_of_mouth,
    &promo_referral_programme, &promo_welcome_vouchers, &promo_stamp_card, &promo_points_mall,
    &promo_birthday_coupon, &promo_campaign, &promo_winback,
    &promo_package, &promo_recharge, &promo_stored_value, &promo_bundle,
    &promo_expectation_management, &promo_measured_effect, &promo_churn_reduction, NULL
};

const sim_plugins retsim_builtin_plugins = { models, promotions };
