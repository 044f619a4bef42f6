/* Stamp card, collect-and-win (集满送红包, seed 003): N purchases within W
 * days earn a coupon worth V off a later bill.
 *
 * Ele.me's new-customer programme asks for 3 to 5 orders "within a period"
 * (about a month when the natural cycle is unknown) and pays a red packet;
 * the tea shop's paper card is the same logic.  The point, in the seed, is
 * to carry a new customer through the 3 to 5 purchases where stickiness
 * forms.  Defaults: N = 4, W = 30 days.
 *
 * The first purchase of a collecting customer opens a card; each purchase
 * stamps it.  The window runs from the card's first stamp: a purchase after
 * day start + W finds the card expired and opens a new one.  The N-th stamp
 * completes the card and issues a coupon, which the next visit uses if it
 * comes within the coupon's validity (otherwise it lapses).  While a card is
 * in progress and can still be completed in time, a share of churn is
 * removed (the goal-gradient effect: customers close to a reward come back);
 * while a coupon is held, another share is.  "In time" is judged at the
 * customer's own pace, their last interval between visits, so a customer
 * whose rhythm cannot fill the card is not pulled by it; at the very first
 * visit there is no interval yet and the card is given the benefit of the
 * doubt.
 *
 * Accounting: a redeemed coupon is a discount of min(V, what is left of the
 * bill) through promo_discount, so it costs exactly what it takes off.  An
 * unredeemed coupon is a promise of a discount, not prepaid cash: it carries
 * no liability.  With a fixed bill above V, coupons redeemed = discounts / V. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "../sim/text.h"
#include "../sim/promotion.h"
#include "../sim/lang.h"

#define NO_CHOICES NULL
/* A fixed 30-day cycle summed in floating point must still land on the
 * last day of a 30-day window or validity. */
#define STAMP_TIME_SLACK 1e-6

/* ST_PROGRESS: -1 for a customer who does not collect (drawn at the first
 * visit), otherwise the stamps that count: N per completed card plus those on
 * the open card, so both fit in one slot.  ST_COUPON_EXPIRY: 0 when no coupon
 * is held (a held coupon's expiry is always after day 0). */
enum { ST_PROGRESS, ST_CARD_START, ST_COUPON_EXPIRY, ST_LAST_VISIT };

typedef struct stamp_card_params {
    int purchases;
    double window_days;
    double coupon_value;
    double coupon_validity_days;
    double goal_gradient;
    double coupon_pull;
    double participation;
    int cards;
    double mean_interval;       /* from the customer model: the pace before a customer shows theirs */
} stamp_card_params;

static const scen_key stamp_card_keys[] = {
    { "purchases", KEY_INT, offsetof(stamp_card_params, purchases), 4, 2, 100, 0, "purchases",
      NO_CHOICES, N_("Stamps that complete a card (N); Ele.me asks for 3 to 5 orders.") },
    { "window_days", KEY_REAL, offsetof(stamp_card_params, window_days), 30, 0, 3650,
      KEY_MIN_OPEN, "days", NO_CHOICES,
      N_("The N stamps must fall within this many days of the card's first stamp (W), else the card starts over.") },
    { "coupon_value", KEY_REAL, offsetof(stamp_card_params, coupon_value), 10, 0, 1e9,
      KEY_MIN_OPEN, "currency", NO_CHOICES,
      N_("Money off the next bill that a completed card earns (V); never more than the bill.") },
    { "coupon_validity_days", KEY_REAL, offsetof(stamp_card_params, coupon_validity_days), 30, 0,
      3650, KEY_MIN_OPEN, "days", NO_CHOICES,
      N_("The coupon is used at the next visit if it comes within this many days of the card's completion.") },
    { "goal_gradient", KEY_REAL, offsetof(stamp_card_params, goal_gradient), 0.2, 0, 1, KEY_EFFECT,
      "share", NO_CHOICES,
      N_("Share of churn removed while a card is in progress and can still be completed in time.") },
    { "coupon_pull", KEY_REAL, offsetof(stamp_card_params, coupon_pull), 0.2, 0, 1, KEY_EFFECT, "share",
      NO_CHOICES, N_("Share of churn removed while the customer holds a valid coupon.") },
    { "participation", KEY_REAL, offsetof(stamp_card_params, participation), 1, 0, 1, KEY_EFFECT,
      "share", NO_CHOICES,
      N_("Share of new customers who collect (1: the app stamps every order, as Ele.me's does).") },
    { "cards", KEY_INT, offsetof(stamp_card_params, cards), 0, 0, 1000, 0, "cards", NO_CHOICES,
      N_("Cards a customer may complete (1: a new-customer programme like Ele.me's; 0: no limit).") },
    { 0 }
};

const scen_section promo_section_stamp_card = {
    "stamp_card", N_("Stamp card: N purchases within W days earn a coupon."), sizeof(stamp_card_params),
    1, stamp_card_keys, NULL
};

static void *stamp_card_prepare(const scenario *sc, const promo_env *env, diag *d)
{
    stamp_card_params *p = malloc(sizeof *p);
    if (!p) {
        diag_set(d, DIAG_RUNTIME, "out of memory");
        return NULL;
    }
    *p = *(const stamp_card_params *)scen_get(sc, &promo_section_stamp_card);
    p->mean_interval = env->mean_interval;
    return p;
}

static void stamp_card_release(void *p)
{
    free(p);
}

static double stamp_cards_done(const stamp_card_params *p, const double *st)
{
    return floor(st[ST_PROGRESS] / p->purchases);
}

static double stamp_open_stamps(const stamp_card_params *p, const double *st)
{
    return st[ST_PROGRESS] - p->purchases * stamp_cards_done(p, st);
}

static void stamp_card_at_till(const void *params, double *st, visit_ctx *v, gsl_rng *r)
{
    const stamp_card_params *p = params;
    if (v->purchase_no == 1 && gsl_rng_uniform(r) >= p->participation)
        st[ST_PROGRESS] = -1;
    if (st[ST_PROGRESS] < 0)
        return;

    /* the coupon goes before the stamp: it was earned by an earlier card */
    if (st[ST_COUPON_EXPIRY] > 0) {
        if (v->t <= st[ST_COUPON_EXPIRY] + STAMP_TIME_SLACK) {
            double amount = fmin(p->coupon_value, v->bill - v->discount);
            if (amount > 0) {
                promo_discount(v, amount);
                st[ST_COUPON_EXPIRY] = 0;
            }
        } else {
            st[ST_COUPON_EXPIRY] = 0;
        }
    }

    if (p->cards > 0 && stamp_cards_done(p, st) >= p->cards)
        return;
    double open = stamp_open_stamps(p, st);
    if (open > 0 && v->t > st[ST_CARD_START] + p->window_days + STAMP_TIME_SLACK) {
        st[ST_PROGRESS] -= open;
        open = 0;
    }
    if (open == 0)
        st[ST_CARD_START] = v->t;
    st[ST_PROGRESS] += 1;
    if (open + 1 >= p->purchases)
        st[ST_COUPON_EXPIRY] = v->t + p->coupon_validity_days;
}

/* In time: the stamps still missing, one per interval at the pace of the
 * customer's last interval (gap), land inside the window.  gap < 0: no
 * interval yet; the business's usual pace stands in for the customer's, so
 * a card nobody can fill in time pulls nobody back. */
static int stamp_in_time(const stamp_card_params *p, const double *st, double t, double gap)
{
    double deadline = st[ST_CARD_START] + p->window_days + STAMP_TIME_SLACK;
    if (t >= deadline)
        return 0;
    if (gap < 0)
        gap = p->mean_interval;
    return t + gap * (p->purchases - stamp_open_stamps(p, st)) <= deadline;
}

static void stamp_card_after_visit(const void *params, double *st, visit_ctx *v, gsl_rng *r)
{
    (void)r;
    const stamp_card_params *p = params;
    if (st[ST_PROGRESS] < 0)
        return;
    double gap = v->purchase_no > 1 ? v->t - st[ST_LAST_VISIT] : -1;
    st[ST_LAST_VISIT] = v->t;
    if (stamp_open_stamps(p, st) > 0 && stamp_in_time(p, st, v->t, gap))
        v->churn *= 1.0 - p->goal_gradient;
    if (st[ST_COUPON_EXPIRY] > v->t + STAMP_TIME_SLACK)
        v->churn *= 1.0 - p->coupon_pull;
}

static void stamp_card_describe(const void *params, char *buf, size_t len, int lang)
{
    const stamp_card_params *p = params;
    char limit[48];
    snprintf(limit, sizeof limit, "%s", tr(lang, "no limit of cards"));
    if (p->cards > 0)
        snprintf(limit, sizeof limit, trn(lang, "at most %d card", "at most %d cards", (unsigned long)p->cards),
                 p->cards);
    snprintf(buf, len,
             tr(lang, "stamp card: %d purchases within %g days earn a coupon of %g valid %g days, "
                      "%.0f %% collect, %s; churn x %g while a card can be completed, x %g with a coupon"),
             p->purchases, p->window_days, p->coupon_value, p->coupon_validity_days,
             100 * p->participation, limit, 1 - p->goal_gradient, 1 - p->coupon_pull);
}


/* ---- explain ---- */


static void stamp_card_explain(const void *params, FILE *f, int lang, int html)
{
    const stamp_card_params *p = params;
    /* the pulls as the promotion's own after_visit applies them: a card with
     * one stamp that can be completed in time, then a coupon held */
    double st[4] = { 1, 0, 0, 0 };
    visit_ctx v = { 0 };
    v.churn = 1;
    v.purchase_no = 1;
    stamp_card_after_visit(p, st, &v, NULL);
    double card = v.churn;
    double st2[4] = { p->purchases, 0, 1e9, 0 };
    visit_ctx w = { 0 };
    w.churn = 1;
    w.purchase_no = 1;
    stamp_card_after_visit(p, st2, &w, NULL);
    double coupon = w.churn;
    char limit[128] = "";
    if (p->cards > 0)
        snprintf(limit, sizeof limit,
                 trn(lang, " (at most %d card a customer)", " (at most %d cards a customer)",
                     (unsigned long)p->cards),
                 p->cards);
    char buf[2048];
    snprintf(buf, sizeof buf,
             tr(lang, "%.0f %% of new customers collect: %d purchases within %g days of the first stamp "
                   "complete a card%s and earn a coupon of %g off the next bill, valid %g days. It "
                   "changes the chance of coming back: while the card can still be completed at the "
                   "customer's own pace, churn x %.2f; while the coupon is held, churn x %.2f. It "
                   "carries a new customer, step by step, to the 3 to 5 purchases where habit "
                   "(stickiness) forms. The reward comes after the purchases, so a customer who does "
                   "not complete the card costs nothing."),
             100 * p->participation, p->purchases, p->window_days, limit, p->coupon_value,
             p->coupon_validity_days, card, coupon);
    text_para(f, html, buf);
    if (card >= 1 && p->goal_gradient > 0) {
        snprintf(buf, sizeof buf,
                 tr(lang, "Note: at this business's pace of a visit every %g days, %g days are too "
                             "few for %d purchases, so the card pulls a typical customer back not at all."),
                 p->mean_interval, p->window_days, p->purchases);
        text_para(f, html, buf);
    }
    snprintf(buf, sizeof buf,
             tr(lang, "What it costs: a coupon costs what it takes off the bill, at most %g per "
                         "completed card."),
             p->coupon_value);
    text_para(f, html, buf);
}

const promo_type promo_stamp_card = {
    "stamp_card", "Stamp card: N purchases within W days earn a coupon", &promo_section_stamp_card,
    4, stamp_card_prepare, stamp_card_release, NULL, stamp_card_at_till, stamp_card_after_visit,
    NULL, NULL, stamp_card_describe, stamp_card_explain
};
