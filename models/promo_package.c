/* Package or contract binding future consumption (seeds 001 and 004).
 *
 * Seed 004: a pediatric clinic chain sells a vaccination package for ages
 * 1 to 24 months, its price cut from 18,000 to 15,000 yuan; it "locks in
 * the customer's spending for two years", time for trust to grow.  Seed
 * 001: a telecom binds new customers for a year with 48 yuan a month for
 * 20 GB.  Both trade a saving against the list price for a commitment.
 *
 * Mechanism: at the first visit the customer may take the package
 * (take_up); the term starts then.  The first visits_included visits within
 * the term (all of them when 0) are covered: their bill is not paid in
 * cash.  The price is paid in `installments` equal payments at the first
 * visits within the term (1: all up front); instalments not yet due when
 * the customer stops coming are never paid.  During the term lock_in of
 * the churn is removed (1: the customer cannot leave).  The customer feels
 * the saving on each covered visit as a discount: (list_price - price) /
 * visits_included, or for an unlimited package the same share of the bill,
 * bill x (1 - price / list_price), since how many visits it will cover is
 * not known in advance.
 *
 * Accounting: instalments are cash.  Revenue is recognised on each covered
 * visit, up to k x price / visits_included after the k-th, or for an
 * unlimited package up to the elapsed share of the term times the price,
 * never beyond what has been paid (money not received is not earned).  The
 * liability is paid - recognised; what is left at the end of the term is
 * recognised at the first visit after it, or stays a liability at the
 * horizon.  Covered visits' goods are costs of goods as usual (the bill). */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "../sim/text.h"
#include "../sim/promotion.h"
#include "../sim/lang.h"

#define NO_CHOICES NULL

/* A visit on a fixed cycle that lands on the day the term ends, counted in
 * floating point, must fall after the term, not a rounding error inside it. */
#define PACKAGE_TIME_SLACK 1e-6

/* ST_END is 0 for a customer without a package: a term is never empty, so
 * a holder's end day is always positive. */
enum { ST_END, ST_VISITS, ST_PAID, ST_RECOGNISED };

typedef struct package_params {
    double take_up;
    double term_days;
    double price;
    double list_price;
    int installments;
    int visits_included;
    double lock_in;
    double mean_bill;           /* from the customer model, for describe() */
} package_params;

static const scen_key package_keys[] = {
    { "take_up", KEY_REAL, offsetof(package_params, take_up), 0.2, 0, 1, KEY_EFFECT, "probability",
      NO_CHOICES, N_("Chance a new customer takes the package at the first visit.") },
    { "term_days", KEY_REAL, offsetof(package_params, term_days), 365, 0, 36500, KEY_MIN_OPEN,
      "days", NO_CHOICES, N_("Length of the term from the first visit (seed 004: 2 years; seed 001: 1 year).") },
    /* Multiples of the average bill, so the default offer is the same deal
     * for any business: 12 visits' worth at list for 10 (a sixth off), as
     * 1,200 and 1,000 were at a 100-yuan bill.  Absolute defaults made a
     * 36-dollar business's customers prepay 28 bills for 12 visits. */
    { "price", KEY_REAL, offsetof(package_params, price), 10, 0, 1e12,
      KEY_MIN_OPEN | KEY_PER_BILL, "currency", NO_CHOICES,
      N_("Total price of the package (seed 004: 15,000); default 10 average bills.") },
    { "list_price", KEY_REAL, offsetof(package_params, list_price), 12, 0, 1e12,
      KEY_MIN_OPEN | KEY_PER_BILL, "currency", NO_CHOICES,
      N_("What the covered visits would cost at list (seed 004: 18,000); not below price; default "
      "the 12 visits included at the average bill.") },
    { "installments", KEY_INT, offsetof(package_params, installments), 1, 1, 10000, 0,
      "payments", NO_CHOICES,
      N_("Equal payments at the first visits within the term (1 = all up front; seed 001: 12 monthly).") },
    { "visits_included", KEY_INT, offsetof(package_params, visits_included), 12, 0, 100000, 0,
      "visits", NO_CHOICES, N_("Visits within the term the package covers (0 = unlimited).") },
    { "lock_in", KEY_REAL, offsetof(package_params, lock_in), 0.5, 0, 1, KEY_EFFECT, "share", NO_CHOICES,
      N_("Share of churn removed during the term (1 = the customer cannot leave).") },
    { 0 }
};

/* A package dearer than paying at list is no offer.  Checked at load when
 * the file gives both prices, and again in prepare once a left-out one has
 * its default from the bill (NAN compares false here). */
static int check_prices(const package_params *p, const char *where, diag *d)
{
    if (p->price > p->list_price)
        return diag_set(d, DIAG_USAGE,
                        "%s[package] price (%g) exceeds list_price (%g): a package dearer than paying "
                        "at list is no offer; lower price or raise list_price (defaults: 10 and 12 "
                        "average bills)",
                        where, p->price, p->list_price);
    return 0;
}

static int package_check(void *params, const char *label, const scenario *sc, diag *d)
{
    (void)label;
    (void)sc;
    const package_params *p = params;
    if (check_prices(p, "", d))
        return d->status;
    if (p->visits_included > 0 && p->installments > p->visits_included)
        return diag_set(d, DIAG_USAGE,
                        "[package] installments (%d) exceed visits_included (%d): instalments fall "
                        "due at covered visits; lower installments, raise visits_included or set "
                        "it to 0 (unlimited)",
                        p->installments, p->visits_included);
    return 0;
}

const scen_section promo_section_package = {
    "package", N_("Package or contract binding future consumption (vaccine package, 1-year plan)."),
    sizeof(package_params), 1, package_keys, package_check
};

static void *package_prepare(const scenario *sc, const promo_env *env, diag *d)
{
    package_params *p = malloc(sizeof *p);
    if (!p) {
        diag_set(d, DIAG_RUNTIME, "out of memory");
        return NULL;
    }
    *p = *(const package_params *)scen_get(sc, &promo_section_package);
    p->mean_bill = env->mean_bill;
    scen_default_per_bill(&promo_section_package, p, env->mean_bill);
    char where[4200];
    snprintf(where, sizeof where, "%s: ", sc->path);
    if (check_prices(p, where, d)) {
        free(p);
        return NULL;
    }
    return p;
}

static void package_release(void *p)
{
    free(p);
}

/* Cumulative revenue the package has earned by this covered visit. */
static double earned_by(const package_params *p, int k, double elapsed)
{
    if (p->visits_included > 0)
        return k >= p->visits_included ? p->price : p->price * k / p->visits_included;
    return elapsed >= p->term_days ? p->price : p->price * (elapsed / p->term_days);
}

static void package_at_till(const void *params, double *st, visit_ctx *v, gsl_rng *r)
{
    const package_params *p = params;
    if (v->purchase_no == 1) {
        if (gsl_rng_uniform(r) >= p->take_up)
            return;
        st[ST_END] = v->t + p->term_days;
    }
    if (st[ST_END] <= 0)
        return;
    if (v->t >= st[ST_END] - PACKAGE_TIME_SLACK) {
        /* the term is over: what was paid and not yet earned is earned now */
        if (st[ST_PAID] > st[ST_RECOGNISED]) {
            v->revenue += st[ST_PAID] - st[ST_RECOGNISED];
            st[ST_RECOGNISED] = st[ST_PAID];
        }
        return;
    }
    int k = (int)(st[ST_VISITS] += 1);
    if (k <= p->installments) {
        /* the last instalment takes the remainder, so the total is the price exactly */
        double pay = k == p->installments ? p->price - st[ST_PAID] : p->price / p->installments;
        v->cash += pay;
        st[ST_PAID] += pay;
    }
    if (p->visits_included > 0 && k > p->visits_included)
        return;
    double saving = p->visits_included > 0
                        ? (p->list_price - p->price) / p->visits_included
                        : v->bill * (1.0 - p->price / p->list_price);
    promo_discount_standing(v, saving);
    /* the package pays the rest of the bill: no cash now, revenue as earned */
    double rest = v->bill - v->discount;
    v->cash -= rest;
    v->revenue -= rest;
    double elapsed = v->t - (st[ST_END] - p->term_days);
    double earned = fmin(earned_by(p, k, elapsed), st[ST_PAID]);
    if (earned > st[ST_RECOGNISED]) {
        v->revenue += earned - st[ST_RECOGNISED];
        st[ST_RECOGNISED] = earned;
    }
}

static void package_after_visit(const void *params, double *st, visit_ctx *v, gsl_rng *r)
{
    (void)r;
    const package_params *p = params;
    if (st[ST_END] > 0 && v->t < st[ST_END] - PACKAGE_TIME_SLACK)
        v->churn *= 1.0 - p->lock_in;
}

static double package_liability(const void *params, const double *st)
{
    (void)params;
    return st[ST_PAID] - st[ST_RECOGNISED];
}

static void package_describe(const void *params, char *buf, size_t len, int lang)
{
    const package_params *p = params;
    double saving = 100 * (1.0 - p->price / p->list_price);
    char covers[96];
    if (p->visits_included > 0)
        snprintf(covers, sizeof covers, tr(lang, "%d visits (%.4g off each; list %.4g a visit, mean bill %.4g)"),
                 p->visits_included, (p->list_price - p->price) / p->visits_included,
                 p->list_price / p->visits_included, p->mean_bill);
    else
        snprintf(covers, sizeof covers, tr(lang, "unlimited visits (%.1f %% off each bill)"), saving);
    snprintf(buf, len,
             trn(lang, "package: %g for %s over %g days, list %g (saving %.1f %%), %d instalment, "
                       "take-up %.0f %% at the first visit, lock-in %.0f %% during the term",
                 "package: %g for %s over %g days, list %g (saving %.1f %%), %d instalments, "
                 "take-up %.0f %% at the first visit, lock-in %.0f %% during the term",
                 (unsigned long)p->installments),
             p->price, covers, p->term_days, p->list_price, saving, p->installments,
             100 * p->take_up, 100 * p->lock_in);
}


/* ---- explain ---- */


static void package_explain(const void *params, FILE *f, int lang, int html)
{
    const package_params *p = params;
    double st[4] = { 0 };
    st[ST_END] = 1e18;
    visit_ctx v = { 0 };
    v.churn = 1;
    package_after_visit(p, st, &v, NULL);
    char covers[128];
    if (p->visits_included > 0)
        snprintf(covers, sizeof covers, tr(lang, "%d visits"), p->visits_included);
    else
        snprintf(covers, sizeof covers, "%s", tr(lang, "every visit"));
    char buf[2048];
    snprintf(buf, sizeof buf,
             tr(lang, "Package: at the first visit, %.0f %% of new customers buy a package for %g (list %g) "
                   "covering %s within %g days, paid in %d instalment(s). Each covered visit feels like a "
                   "saving, a standing price the customer gets used to (expectation learns it). During the "
                   "term, churn x %.2f: the money is paid, the customer is locked in, and trust has time "
                   "to grow."),
             100 * p->take_up, p->price, p->list_price,
             covers, p->term_days, p->installments, v.churn);
    text_para(f, html, buf);
    text_para(f, html,
                         tr(lang, "What it costs: the saving against the list price. Money paid in "
                                     "advance is revenue only as the visits are used; what is unused at "
                                     "the end is owed to the customer (a liability, not profit)."));
}

const promo_type promo_package = {
    "package", "Package or contract binding future consumption", &promo_section_package, 4,
    package_prepare, package_release, NULL, package_at_till, package_after_visit, NULL,
    package_liability, package_describe, package_explain
};
