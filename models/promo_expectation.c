/* Expectation management (seeds 003 and 000): what marketing promises sells
 * the first purchase and sets the bar every visit is judged against.
 *
 * Seed 003: "if you can deliver 100, promise only 99; the trouble is to
 * promise 100 and deliver 99" - a visit below expectation disappoints and
 * the bad word spreads.  The promise itself is the satisfaction model's
 * [experience] promise: a new customer's expectation, so a bigger promise
 * lowers satisfaction (and, through the response curve and word of mouth,
 * retention).  This section adds the other side of the trade, the sale:
 * every channel's conversion to a first purchase is multiplied by
 *
 *   max(0, 1 + conversion_per_promise x (promise - reference_promise) / mean bill)
 *
 * and capped at 1, where reference_promise is the promise under which the
 * channels' step_conversion was measured.  A promise one average bill above
 * the reference raises conversion by conversion_per_promise (relative); at
 * the reference the channels convert exactly as written.  Sweeping
 * [experience] promise with this section present shows where over-promising
 * stops paying.  The effect is linear, an assumption: the seeds name the
 * trade, not its shape.
 *
 * Accounting: no money changes hands; it moves who buys and how the visits
 * feel. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "../sim/text.h"
#include "../sim/promotion.h"
#include "satisfaction.h"
#include "../sim/lang.h"

#define NO_CHOICES NULL

typedef struct expectation_management_params {
    double reference_promise;
    double conversion_per_promise;
    double promise;             /* [experience] promise, in prepare */
    double factor;              /* derived in prepare */
} expectation_management_params;

static const scen_key expectation_management_keys[] = {
    { "reference_promise", KEY_REAL,
      offsetof(expectation_management_params, reference_promise), 0.05, -1e9, 1e9, KEY_PER_BILL,
      "currency", NO_CHOICES,
      N_("The [experience] promise under which the channels' conversion was measured (default: its default).") },
    { "conversion_per_promise", KEY_REAL,
      offsetof(expectation_management_params, conversion_per_promise), 1, 0, 100, KEY_EFFECT,
      "per mean bill", NO_CHOICES,
      N_("Relative rise in conversion per average bill promised above the reference (fall below it).") },
    { 0 }
};

const scen_section promo_section_expectation_management = {
    "expectation_management",
    N_("Expectation management: a bigger [experience] promise converts more prospects and disappoints more customers."),
    sizeof(expectation_management_params), 1, expectation_management_keys, NULL
};

static void *expectation_management_prepare(const scenario *sc, const promo_env *env, diag *d)
{
    /* the promise is the satisfaction model's: another model has no
     * expectation for it to set, so the section would be silently idle */
    if (env->model && env->model != &model_satisfaction) {
        diag_set(d, DIAG_USAGE,
                 "%s: [expectation_management] works through the satisfaction model's promise, but "
                 "[customer] model = %s; remove the section or use model = satisfaction",
                 sc->path, env->model->name);
        return NULL;
    }
    expectation_management_params *p = malloc(sizeof *p);
    if (!p) {
        diag_set(d, DIAG_RUNTIME, "out of memory");
        return NULL;
    }
    *p = *(const expectation_management_params *)scen_get(
        sc, &promo_section_expectation_management);
    /* the default follows [experience] promise's default, a share of the bill */
    scen_default_per_bill(&promo_section_expectation_management, p, env->mean_bill);
    p->promise = ((const sat_experience_params *)scen_get(sc, &sat_section_experience))->promise;
    double f = 1.0 + p->conversion_per_promise * (p->promise - p->reference_promise)
                         / env->mean_bill;
    p->factor = f > 0 ? f : 0;
    return p;
}

static void expectation_management_release(void *p)
{
    free(p);
}

static double expectation_management_conversion(const void *params, double conversion,
                                                int referred)
{
    (void)referred;
    const expectation_management_params *p = params;
    double c = conversion * p->factor;
    return c < 1 ? c : 1;
}

static void expectation_management_describe(const void *params, char *buf, size_t len, int lang)
{
    const expectation_management_params *p = params;
    snprintf(buf, len,
             tr(lang, "expectation management: promise %g against a reference of %g, conversion x %g "
                      "(capped at 1)"),
             p->promise, p->reference_promise, p->factor);
}


/* ---- explain ---- */


static void expectation_management_explain(const void *params, FILE *f, int lang, int html)
{
    const expectation_management_params *p = params;
    /* a channel converting 10 % and one converting 50 %, through the promotion's own hook */
    double low = expectation_management_conversion(p, 0.1, 0);
    double high = expectation_management_conversion(p, 0.5, 0);
    char buf[2048];
    snprintf(buf, sizeof buf,
             tr(lang, "Marketing promises a value of %g, against %g when the channels' conversion was "
                   "measured. The promise sells: every channel's conversion to a first purchase is "
                   "multiplied by %.2f (at most 100 %%): 10 %% becomes %.1f %%, 50 %% becomes %.1f %%. "
                   "But the promise is also what a new customer expects (step 2 above): the same visit "
                   "satisfies less, fewer come back, and word of mouth suffers. \"Able to deliver 100, "
                   "promise 99.\""),
             p->promise, p->reference_promise, p->factor, 100 * low, 100 * high);
    text_para(f, html, buf);
    text_para(f, html,
                             tr(lang, "What it costs: no money; it trades more first visits for less "
                                   "satisfaction and fewer second ones."));
}

const promo_type promo_expectation_management = {
    "expectation_management", "Expectation management: the promise trades conversion for satisfaction",
    &promo_section_expectation_management, 0, expectation_management_prepare,
    expectation_management_release, expectation_management_conversion, NULL, NULL, NULL, NULL,
    expectation_management_describe, expectation_management_explain
};
