/* Points mall (积分商城, seed 004): points for spending and interacting,
 * redeemed for discounts, goods and activities, in four tiers.
 *
 * The clinic chain of seed 004 sees its customers every 3 months or less
 * often; the mall is how it keeps in touch in between ("so that customers do
 * not forget us"), and its four tiers (0-5k, 5k-10k, 10k-50k, 50k+ points)
 * push customers to earn more by spending and referring.  Here:
 *   - a share of customers join (membership), decided at their first visit;
 *   - members earn points_per_currency per unit paid (after discounts) and
 *     points_per_visit for each visit, which stands for the interactions
 *     (check-ins, reviews, sign-ups) the engine does not simulate one by one;
 *   - at a visit where the balance holds at least redemption_points, the
 *     member redeems with chance redeem_chance (unredeemed points are
 *     breakage), as many redemptions as the balance allows and the bill can
 *     use: each takes redemption_value off the bill (the last one no more
 *     than what is left to pay) and gives goods costing redemption_cost (0
 *     for a pure discount);
 *   - the tier follows the points ever earned (redeeming does not demote),
 *     inclusive at the threshold; a member's churn after each visit is
 *     multiplied by the tier's factor.  tier1_churn is the contact effect of
 *     belonging at all, the higher ones the status of the upper tiers.  The
 *     seed gives the thresholds, not the effects: the default factors are
 *     assumptions to replace with the business's own.
 *
 * Accounting: a redemption's value is money off the bill (promo_discount:
 * cash and revenue both lower by it) and its goods are promo_cost, both at
 * the visit of the redemption.  Points are not cash: nobody paid for them,
 * so cash in = revenue holds at every visit and the liability hook is
 * absent.  Points still outstanding at the horizon are a promise of future
 * discounts that no metric counts: profit over the horizon is flattered by
 * their value (at most balance / redemption_points x redemption_value). */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "../sim/text.h"
#include "../sim/promotion.h"
#include "../sim/lang.h"

#define NO_CHOICES NULL

enum { ST_MEMBER, ST_BALANCE, ST_EARNED };   /* ST_MEMBER: 0 undecided, 1 yes, -1 no */

typedef struct points_mall_params {
    double membership;
    double points_per_currency;
    double points_per_visit;
    double redemption_points;
    double redemption_value;
    double redemption_cost;
    double redeem_chance;
    double tier2_points, tier3_points, tier4_points;
    double tier1_churn, tier2_churn, tier3_churn, tier4_churn;
} points_mall_params;

static const scen_key points_mall_keys[] = {
    { "membership", KEY_REAL, offsetof(points_mall_params, membership), 0.5, 0, 1, KEY_EFFECT, "share",
      NO_CHOICES, N_("Share of new customers who join the mall (decided at the first visit).") },
    { "points_per_currency", KEY_REAL, offsetof(points_mall_params, points_per_currency), 1, 0,
      1e6, 0, "points per currency", NO_CHOICES,
      N_("Points a member earns per unit of currency paid (after discounts).") },
    { "points_per_visit", KEY_REAL, offsetof(points_mall_params, points_per_visit), 0, 0, 1e9,
      0, "points", NO_CHOICES,
      N_("Points for interacting (check-ins, reviews, sign-ups), counted per visit.") },
    { "redemption_points", KEY_REAL, offsetof(points_mall_params, redemption_points), 1000, 0,
      1e12, KEY_MIN_OPEN, "points", NO_CHOICES, N_("Points one redemption takes.") },
    { "redemption_value", KEY_REAL, offsetof(points_mall_params, redemption_value), 10, 0, 1e9,
      0, "currency", NO_CHOICES,
      N_("Money off the bill per redemption (never more than is left to pay); 0 for goods only.") },
    { "redemption_cost", KEY_REAL, offsetof(points_mall_params, redemption_cost), 0, 0, 1e9, 0,
      "currency", NO_CHOICES,
      N_("Cost of the goods or activity given per redemption; 0 if the value is a pure discount.") },
    { "redeem_chance", KEY_REAL, offsetof(points_mall_params, redeem_chance), 0.5, 0, 1, KEY_EFFECT,
      "probability", NO_CHOICES,
      N_("Chance a member with enough points redeems at a visit; points never redeemed are breakage.") },
    { "tier2_points", KEY_REAL, offsetof(points_mall_params, tier2_points), 5000, 0, 1e12,
      KEY_MIN_OPEN, "points", NO_CHOICES, N_("Points ever earned to reach tier 2 (seed 004: 5k).") },
    { "tier3_points", KEY_REAL, offsetof(points_mall_params, tier3_points), 10000, 0, 1e12,
      KEY_MIN_OPEN, "points", NO_CHOICES, N_("Points ever earned to reach tier 3 (seed 004: 10k).") },
    { "tier4_points", KEY_REAL, offsetof(points_mall_params, tier4_points), 50000, 0, 1e12,
      KEY_MIN_OPEN, "points", NO_CHOICES, N_("Points ever earned to reach tier 4 (seed 004: 50k).") },
    { "tier1_churn", KEY_REAL, offsetof(points_mall_params, tier1_churn), 0.95, 0, 1, KEY_EFFECT,
      "x churn", NO_CHOICES,
      N_("Churn multiplier of a member below tier 2: the contact the mall keeps between visits.") },
    { "tier2_churn", KEY_REAL, offsetof(points_mall_params, tier2_churn), 0.9, 0, 1, KEY_EFFECT,
      "x churn", NO_CHOICES, N_("Churn multiplier of a tier-2 member.") },
    { "tier3_churn", KEY_REAL, offsetof(points_mall_params, tier3_churn), 0.85, 0, 1, KEY_EFFECT,
      "x churn", NO_CHOICES, N_("Churn multiplier of a tier-3 member.") },
    { "tier4_churn", KEY_REAL, offsetof(points_mall_params, tier4_churn), 0.8, 0, 1, KEY_EFFECT,
      "x churn", NO_CHOICES, N_("Churn multiplier of a tier-4 member.") },
    { 0 }
};

extern const scen_section promo_section_points_mall;

static int points_mall_check(void *params, const char *label, const scenario *sc, diag *d)
{
    (void)label;
    const points_mall_params *p = params;
    if (!scen_present(sc, &promo_section_points_mall))
        return 0;
    if (!(p->tier2_points < p->tier3_points && p->tier3_points < p->tier4_points))
        return diag_set(d, DIAG_USAGE,
                        "[points_mall] tier2_points (%g) < tier3_points (%g) < tier4_points (%g) "
                        "must hold: each tier starts above the one below",
                        p->tier2_points, p->tier3_points, p->tier4_points);
    if (!(p->tier1_churn >= p->tier2_churn && p->tier2_churn >= p->tier3_churn
          && p->tier3_churn >= p->tier4_churn))
        return diag_set(d, DIAG_USAGE,
                        "[points_mall] tier1_churn (%g) >= tier2_churn (%g) >= tier3_churn (%g) "
                        ">= tier4_churn (%g) must hold: a higher tier must not make members leave more",
                        p->tier1_churn, p->tier2_churn, p->tier3_churn, p->tier4_churn);
    if (p->points_per_currency == 0 && p->points_per_visit == 0)
        return diag_set(d, DIAG_USAGE,
                        "[points_mall] points_per_currency and points_per_visit are both 0: "
                        "members would never earn a point; give at least one");
    return 0;
}

const scen_section promo_section_points_mall = {
    "points_mall",
    N_("Points mall: points for spending and interacting, redeemed at the till, four tiers that keep members."),
    sizeof(points_mall_params), 1, points_mall_keys, points_mall_check
};

static void *points_mall_prepare(const scenario *sc, const promo_env *env, diag *d)
{
    (void)env;
    points_mall_params *p = malloc(sizeof *p);
    if (!p) {
        diag_set(d, DIAG_RUNTIME, "out of memory");
        return NULL;
    }
    *p = *(const points_mall_params *)scen_get(sc, &promo_section_points_mall);
    return p;
}

static void points_mall_release(void *p)
{
    free(p);
}

static void redeem(const points_mall_params *p, double *st, visit_ctx *v)
{
    double n = floor(st[ST_BALANCE] / p->redemption_points);
    double due = v->bill - v->discount;
    if (p->redemption_value > 0) {
        /* no more redemptions than the bill can use; the slack keeps an
         * exact multiple from rounding up to one redemption too many */
        double useful = ceil(due / p->redemption_value - 1e-9);
        if (useful < n)
            n = useful;
    }
    if (n <= 0)
        return;
    double off = n * p->redemption_value;
    promo_discount(v, off < due ? off : due);
    v->promo_cost += n * p->redemption_cost;
    st[ST_BALANCE] -= n * p->redemption_points;
}

static void points_mall_at_till(const void *params, double *st, visit_ctx *v, gsl_rng *r)
{
    const points_mall_params *p = params;
    if (st[ST_MEMBER] == 0)
        st[ST_MEMBER] = gsl_rng_uniform(r) < p->membership ? 1 : -1;
    if (st[ST_MEMBER] < 0)
        return;
    if (st[ST_BALANCE] >= p->redemption_points
        && (p->redeem_chance >= 1 || gsl_rng_uniform(r) < p->redeem_chance))
        redeem(p, st, v);
    double paid = v->bill - v->discount;
    double earned = p->points_per_currency * (paid > 0 ? paid : 0) + p->points_per_visit;
    st[ST_BALANCE] += earned;
    st[ST_EARNED] += earned;
}

static double tier_churn(const points_mall_params *p, double earned)
{
    if (earned >= p->tier4_points)
        return p->tier4_churn;
    if (earned >= p->tier3_points)
        return p->tier3_churn;
    if (earned >= p->tier2_points)
        return p->tier2_churn;
    return p->tier1_churn;
}

static void points_mall_after_visit(const void *params, double *st, visit_ctx *v, gsl_rng *r)
{
    (void)r;
    const points_mall_params *p = params;
    if (st[ST_MEMBER] > 0)
        v->churn *= tier_churn(p, st[ST_EARNED]);
}

static void points_mall_describe(const void *params, char *buf, size_t len, int lang)
{
    const points_mall_params *p = params;
    snprintf(buf, len,
             tr(lang, "points mall: %.0f %% join, %g points per currency + %g per visit, %g points = %g off "
                      "(goods cost %g), redeemed with chance %g; tiers at %g/%g/%g points, "
                      "churn x %g/%g/%g/%g"),
             100 * p->membership, p->points_per_currency, p->points_per_visit,
             p->redemption_points, p->redemption_value, p->redemption_cost, p->redeem_chance,
             p->tier2_points, p->tier3_points, p->tier4_points, p->tier1_churn, p->tier2_churn,
             p->tier3_churn, p->tier4_churn);
}


/* ---- explain ---- */


static void points_mall_explain(const void *params, FILE *f, int lang, int html)
{
    const points_mall_params *p = params;
    /* the tier multipliers as the mall's own after_visit applies them */
    double tiers[4], earned[4] = { 0, p->tier2_points, p->tier3_points, p->tier4_points };
    for (int i = 0; i < 4; i++) {
        double st[3] = { 0 };
        st[ST_MEMBER] = 1;
        st[ST_EARNED] = earned[i];
        visit_ctx v = { 0 };
        v.churn = 1;
        points_mall_after_visit(p, st, &v, NULL);
        tiers[i] = v.churn;
    }
    char buf[2048];
    snprintf(buf, sizeof buf,
             tr(lang, "Points mall: %.0f %% of new customers join. Members earn %g points per unit paid and "
                   "%g per visit; every %g points take %g off a bill (redeemed with a chance of %.0f %% at "
                   "each visit). A redemption is a gift: it makes that visit worth more without raising "
                   "expectation. The more points earned, the higher the tier and the lower the churn: "
                   "x %.2f, x %.2f (from %g points), x %.2f (from %g), x %.2f (from %g). It keeps contact "
                   "between visits, which low-frequency businesses such as clinics need."),
             100 * p->membership, p->points_per_currency, p->points_per_visit, p->redemption_points,
             p->redemption_value, 100 * p->redeem_chance, tiers[0], tiers[1], p->tier2_points,
             tiers[2], p->tier3_points, tiers[3], p->tier4_points);
    text_para(f, html, buf);
    snprintf(buf, sizeof buf,
             tr(lang, "What it costs: what each redemption takes off the bill (%g), plus %g of goods "
                         "per redemption."),
             p->redemption_value, p->redemption_cost);
    text_para(f, html, buf);
}

const promo_type promo_points_mall = {
    "points_mall", "Points mall: points for spending, tiers, redemptions", &promo_section_points_mall,
    3, points_mall_prepare, points_mall_release, NULL, points_mall_at_till,
    points_mall_after_visit, NULL, NULL, points_mall_describe, points_mall_explain
};
