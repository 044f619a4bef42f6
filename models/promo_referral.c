/* Referral programme (老带新, seed 004): existing customers bring new ones.
 *
 * The pediatric clinic chain of seed 004 (15 clinics, 3 million yuan a month
 * from referrals) runs it on three levers, each a key here:
 *   - the ask: after a good visit the health advisor asks the parent to refer
 *     and hands over a poster or binds a friend's phone number.  It adds
 *     ask_rate referred prospects to every promoter visit of [word_of_mouth]
 *     (the engine calls this hook on promoter visits only, which is exactly
 *     "after a good visit").
 *   - the referrer's reward: points and mall coupons for each referral that
 *     buys.  The seed warns that its well-educated parents do not refer "for
 *     petty gains" (蝇头小利), so by default the reward buys no referrals
 *     (reward_response = 0) and is a thank-you that only costs; a business
 *     whose customers do respond sets reward_response, and the question
 *     "how much can we spend on referral rewards before it stops paying?"
 *     (DOMAIN.md section 7) becomes a sweep over referrer_reward.
 *   - the referee's first-visit discount: a share of the referred
 *     customer's first bill, which also makes referred prospects more
 *     likely to buy (referee_conversion_lift, conversion capped at 1).
 * Word of mouth is what the programme amplifies, so it refuses to run
 * without [word_of_mouth].
 *
 * Accounting: the referee's discount is money off the first bill (revenue
 * and cash both lower by it, promo_discount); the referrer's reward is
 * booked by the engine as promo_cost at its cost to the business when the
 * referred prospect buys, whether it is paid in coupons or points (the
 * points are not added to a [points_mall] balance).  No cash is prepaid, so
 * there is no liability. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "../sim/sections.h"
#include "standing.h"
#include "../sim/text.h"
#include "../sim/promotion.h"
#include "../sim/lang.h"

#define NO_CHOICES NULL

typedef struct referral_programme_params {
    double ask_rate;
    double referrer_reward;
    double reward_response;
    double referee_discount;
    double referee_conversion_lift;
    double mean_bill;           /* from the customer model, in prepare */
} referral_programme_params;

static const scen_key referral_programme_keys[] = {
    { "ask_rate", KEY_REAL, offsetof(referral_programme_params, ask_rate), 0.05, 0, 100, KEY_EFFECT,
      "prospects/visit", NO_CHOICES,
      N_("Extra referred prospects per promoter visit because advisors ask after a good visit.") },
    { "referrer_reward", KEY_REAL, offsetof(referral_programme_params, referrer_reward), 20, 0,
      1e9, 0, "currency", NO_CHOICES,
      N_("Cost to the business of the points and coupons given to the referrer per referred customer who buys.") },
    { "reward_response", KEY_REAL, offsetof(referral_programme_params, reward_response), 0, 0,
      100, KEY_EFFECT, "prospects/visit per mean bill", NO_CHOICES,
      N_("Extra referrals per promoter visit for each average bill of referrer reward (seed 004: 0, rewards do not move them).") },
    { "referee_discount", KEY_REAL, offsetof(referral_programme_params, referee_discount), 0.2,
      0, 1, 0, "share of the bill", NO_CHOICES,
      N_("Share of a referred customer's first bill taken off (what is left of it after other promotions).") },
    { "referee_conversion_lift", KEY_REAL,
      offsetof(referral_programme_params, referee_conversion_lift), 1.2, 1, 100, KEY_EFFECT, "factor",
      NO_CHOICES,
      N_("Referred prospects' conversion is multiplied by this thanks to the discount (capped at 1); "
      "1 when referee_discount = 0 unless set.") },
    { 0 }
};

extern const scen_section promo_section_referral_programme;

static int referral_programme_check(void *params, const char *label, const scenario *sc,
                                    diag *d)
{
    (void)label;
    referral_programme_params *p = params;
    if (!scen_present(sc, &promo_section_referral_programme))
        return 0;
    const wom_params *w = scen_get(sc, &section_wom);
    if (!scen_present(sc, &section_wom))
        return diag_set(d, DIAG_USAGE,
                        "[referral_programme] amplifies word of mouth, but the scenario has no "
                        "[word_of_mouth] section: add one (with a [channel.NAME] path = referral "
                        "for the referred prospects) or remove [referral_programme]");
    if (!w->enabled)
        return diag_set(d, DIAG_USAGE,
                        "[referral_programme] amplifies word of mouth, but [word_of_mouth] "
                        "enabled = false: turn word of mouth on or remove [referral_programme]");
    if (p->referee_discount == 0 && p->referee_conversion_lift != 1) {
        if (scen_is_set(sc, &promo_section_referral_programme, NULL, "referee_conversion_lift"))
            return diag_set(d, DIAG_USAGE,
                            "[referral_programme] referee_conversion_lift = %g with referee_discount = 0: "
                            "the lift is what the first-visit discount buys; give a discount or set "
                            "the lift to 1",
                            p->referee_conversion_lift);
        p->referee_conversion_lift = 1;
    }
    return 0;
}

const scen_section promo_section_referral_programme = {
    "referral_programme",
    N_("Referral programme: advisors ask after a good visit, referrers are rewarded, referees get a first-visit discount."),
    sizeof(referral_programme_params), 1, referral_programme_keys, referral_programme_check
};

static void *referral_programme_prepare(const scenario *sc, const promo_env *env, diag *d)
{
    referral_programme_params *p = malloc(sizeof *p);
    if (!p) {
        diag_set(d, DIAG_RUNTIME, "out of memory");
        return NULL;
    }
    *p = *(const referral_programme_params *)scen_get(sc, &promo_section_referral_programme);
    p->mean_bill = env->mean_bill;
    return p;
}

static void referral_programme_release(void *p)
{
    free(p);
}

static double referral_programme_conversion(const void *params, double conversion, int referred)
{
    const referral_programme_params *p = params;
    if (!referred || p->referee_conversion_lift == 1)
        return conversion;
    double c = conversion * p->referee_conversion_lift;
    return c < 1 ? c : 1;
}

static void referral_programme_at_till(const void *params, double *st, visit_ctx *v,
                                       gsl_rng *r)
{
    (void)st;
    (void)r;
    const referral_programme_params *p = params;
    if (v->purchase_no != 1 || !v->referred || p->referee_discount <= 0)
        return;
    /* a share of what is still to pay, so stacked promotions never take
     * more than the bill */
    double due = v->bill - v->discount;
    if (due > 0)
        promo_discount(v, p->referee_discount * due);
}

static double referral_programme_referral(const void *params, double rate, double *reward)
{
    const referral_programme_params *p = params;
    *reward = p->referrer_reward;
    return rate + p->ask_rate + p->reward_response * p->referrer_reward / p->mean_bill;
}

static void referral_programme_describe(const void *params, char *buf, size_t len, int lang)
{
    const referral_programme_params *p = params;
    snprintf(buf, len,
             tr(lang, "referral programme: +%g referrals per promoter visit (%g from the ask, %g from the "
                      "reward), referrer reward %g per referred customer, referee %.0f %% off the first bill, "
                      "referred conversion x %g"),
             p->ask_rate + p->reward_response * p->referrer_reward / p->mean_bill, p->ask_rate,
             p->reward_response * p->referrer_reward / p->mean_bill, p->referrer_reward,
             100 * p->referee_discount, p->referee_conversion_lift);
}


/* ---- explain ---- */


static void referral_programme_explain(const void *params, FILE *f, int lang, int html)
{
    const referral_programme_params *p = params;
    double reward = 0;
    /* the programme's own hook, on a business without word of mouth of its own */
    double extra = referral_programme_referral(p, 0, &reward);
    double lifted = referral_programme_conversion(p, 0.5, 1);
    char buf[2048];
    snprintf(buf, sizeof buf,
             tr(lang, "Referrals: after a visit that made a promoter, the advisor asks for friends, which "
                   "brings %.3g more prospects per such visit. Referred friends buy more readily (50 %% "
                   "becomes %.0f %%) and get %.0f %% off their first bill. It changes the start of the "
                   "chain: where new customers come from, and how their first visit feels."),
             extra, 100 * lifted, 100 * p->referee_discount);
    text_para(f, html, buf);
    snprintf(buf, sizeof buf,
             tr(lang, "What it costs: %g of points and coupons to the referrer for each referred "
                         "customer who buys, and the referee's first-visit discount."),
             reward);
    text_para(f, html, buf);
}

const promo_type promo_referral_programme = {
    "referral_programme", "Referral programme: rewards for referrers, a discount for referees",
    &promo_section_referral_programme, 0, referral_programme_prepare,
    referral_programme_release, referral_programme_conversion, referral_programme_at_till,
    NULL, referral_programme_referral, NULL, referral_programme_describe, referral_programme_explain
};
