/* Member welcome vouchers (注册会员, 百元见面礼, seed 003): a new customer who
 * registers as a member is given vouchers for later visits.
 *
 * The seed's restaurant gives 2 vouchers on registration, a "100-yuan
 * welcome gift" (2 x 50), to be used at the following meals, so that the
 * customer reaches the 3 visits where stickiness starts to form.  Defaults:
 * count 2, value 50, valid 60 days (two visits of a monthly customer).
 *
 * Vouchers are issued at the first visit, to the share of new customers who
 * register.  Each later visit within the validity uses one voucher, if the
 * bill reaches min_bill; past the validity the rest expire.  While a valid
 * voucher is held, a share of churn is removed (the customer has something
 * to come back for).  With a fixed 30-day cycle, constant churn p and
 * count 2 within the validity, a registered customer redeems (1 - p) +
 * (1 - p)^2 vouchers on average (with the pull, p x (1 - pull) for p).
 *
 * Accounting: a redeemed voucher is a discount of min(value, what is left of
 * the bill) through promo_discount.  A voucher is not prepaid cash: an
 * unredeemed one costs nothing and leaves no liability. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "../sim/text.h"
#include "../sim/promotion.h"
#include "../sim/lang.h"

#define NO_CHOICES NULL
/* A fixed 30-day cycle summed in floating point must still land on the
 * last day of the validity. */
#define WELCOME_TIME_SLACK 1e-6

enum { ST_LEFT, ST_EXPIRY };

typedef struct welcome_vouchers_params {
    int count;
    double value;
    double validity_days;
    double registration;
    double min_bill;
    double pull;
} welcome_vouchers_params;

static const scen_key welcome_vouchers_keys[] = {
    { "count", KEY_INT, offsetof(welcome_vouchers_params, count), 2, 1, 100, 0, "vouchers",
      NO_CHOICES, N_("Vouchers given on registration, one usable per later visit (seed: 2).") },
    { "value", KEY_REAL, offsetof(welcome_vouchers_params, value), 50, 0, 1e9, KEY_MIN_OPEN,
      "currency", NO_CHOICES,
      N_("Money off the bill per voucher, never more than the bill (seed: 2 x 50, a 100-yuan gift).") },
    { "validity_days", KEY_REAL, offsetof(welcome_vouchers_params, validity_days), 60, 0, 3650,
      KEY_MIN_OPEN, "days", NO_CHOICES,
      N_("Vouchers can be used until this many days after the first visit; then the rest expire.") },
    { "registration", KEY_REAL, offsetof(welcome_vouchers_params, registration), 0.8, 0, 1, KEY_EFFECT,
      "share", NO_CHOICES,
      N_("Share of new customers who register as members at the first visit and get the vouchers.") },
    { "min_bill", KEY_REAL, offsetof(welcome_vouchers_params, min_bill), 0, 0, 1e9, 0,
      "currency", NO_CHOICES,
      N_("A voucher applies only to a bill (list price) of at least this much; 0: any bill.") },
    { "pull", KEY_REAL, offsetof(welcome_vouchers_params, pull), 0.2, 0, 1, KEY_EFFECT, "share",
      NO_CHOICES, N_("Share of churn removed while the customer holds a valid voucher.") },
    { 0 }
};

const scen_section promo_section_welcome_vouchers = {
    "welcome_vouchers", N_("Vouchers given on registration for later visits."),
    sizeof(welcome_vouchers_params), 1, welcome_vouchers_keys, NULL
};

static void *welcome_vouchers_prepare(const scenario *sc, const promo_env *env, diag *d)
{
    (void)env;
    welcome_vouchers_params *p = malloc(sizeof *p);
    if (!p) {
        diag_set(d, DIAG_RUNTIME, "out of memory");
        return NULL;
    }
    *p = *(const welcome_vouchers_params *)scen_get(sc, &promo_section_welcome_vouchers);
    return p;
}

static void welcome_vouchers_release(void *p)
{
    free(p);
}

static void welcome_vouchers_at_till(const void *params, double *st, visit_ctx *v, gsl_rng *r)
{
    const welcome_vouchers_params *p = params;
    if (v->purchase_no == 1) {
        /* the vouchers are for later visits, not the one that earns them */
        if (gsl_rng_uniform(r) < p->registration) {
            st[ST_LEFT] = p->count;
            st[ST_EXPIRY] = v->t + p->validity_days;
        }
        return;
    }
    if (st[ST_LEFT] <= 0)
        return;
    if (v->t > st[ST_EXPIRY] + WELCOME_TIME_SLACK) {
        st[ST_LEFT] = 0;
        return;
    }
    if (v->bill < p->min_bill)
        return;
    double amount = fmin(p->value, v->bill - v->discount);
    if (amount <= 0)
        return;
    promo_discount(v, amount);
    st[ST_LEFT] -= 1;
}

static void welcome_vouchers_after_visit(const void *params, double *st, visit_ctx *v,
                                         gsl_rng *r)
{
    (void)r;
    const welcome_vouchers_params *p = params;
    if (st[ST_LEFT] > 0 && st[ST_EXPIRY] > v->t + WELCOME_TIME_SLACK)
        v->churn *= 1.0 - p->pull;
}

static void welcome_vouchers_describe(const void *params, char *buf, size_t len, int lang)
{
    const welcome_vouchers_params *p = params;
    char threshold[64] = "";
    if (p->min_bill > 0)
        snprintf(threshold, sizeof threshold, tr(lang, " on bills of %g or more"), p->min_bill);
    snprintf(buf, len,
             tr(lang, "welcome vouchers: %d x %g (%g in all) valid %g days%s, %.0f %% register; "
                      "churn x %g while a voucher is held"),
             p->count, p->value, p->count * p->value, p->validity_days, threshold,
             100 * p->registration, 1 - p->pull);
}


/* ---- explain ---- */


static void welcome_vouchers_explain(const void *params, FILE *f, int lang, int html)
{
    const welcome_vouchers_params *p = params;
    /* the pull as the promotion's own after_visit applies it */
    double st[2] = { 1, 1e9 };
    visit_ctx v = { 0 };
    v.churn = 1;
    welcome_vouchers_after_visit(p, st, &v, NULL);
    char threshold[128] = "";
    if (p->min_bill > 0)
        snprintf(threshold, sizeof threshold,
                 tr(lang, ", on bills of %g or more"), p->min_bill);
    char buf[2048];
    snprintf(buf, sizeof buf,
             tr(lang, "At the first visit, %.0f %% of new customers register and get %d vouchers of %g "
                   "(%g in all), valid %g days after that visit%s, one per later visit. It changes two "
                   "links of the chain. The perceived cost of the next visits: the customer pays up to "
                   "%g less, so the visit feels worth more; being a gift, it does not raise what they "
                   "expect next time. And the chance of coming back: while a voucher is held, churn "
                   "x %.2f, a reason to return. That is how it carries a new customer to the third "
                   "visit, where stickiness starts to form."),
             100 * p->registration, p->count, p->value, p->count * p->value, p->validity_days,
             threshold, p->value, v.churn);
    text_para(f, html, buf);
    snprintf(buf, sizeof buf,
             tr(lang, "What it costs: each voucher used costs what it takes off the bill, at most %g per "
                   "registered customer; an unused voucher costs nothing and is no liability."),
             p->count * p->value);
    text_para(f, html, buf);
}

const promo_type promo_welcome_vouchers = {
    "welcome_vouchers", "Vouchers given on registration for later visits",
    &promo_section_welcome_vouchers, 2, welcome_vouchers_prepare, welcome_vouchers_release, NULL,
    welcome_vouchers_at_till, welcome_vouchers_after_visit, NULL, NULL, welcome_vouchers_describe,
    welcome_vouchers_explain
};
