/* Churn reduction, the "cut churn by 5 % and profit rises 20-40 %" question
 * (seed 003).  Both readings of "5 %" are offered and the report says which
 * was applied: a relative cut (churn x 0.95) or a rise in retention by
 * percentage points (churn - 0.05).  Applied after every other effect, to
 * the chance of never coming back after each visit. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "../sim/text.h"
#include "../sim/promotion.h"
#include "../sim/lang.h"

typedef struct churn_cut_params {
    int mode;
    double amount;
} churn_cut_params;

enum { CUT_RELATIVE, CUT_POINTS };
static const char *const mode_names[] = { "relative", "points", NULL };

static const scen_key churn_cut_keys[] = {
    { "mode", KEY_CHOICE, offsetof(churn_cut_params, mode), CUT_RELATIVE, 0, 0, 0, "", mode_names,
      N_("relative: churn x (1 - amount); points: retention + amount (churn - amount).") },
    { "amount", KEY_REAL, offsetof(churn_cut_params, amount), 0.05, 0, 1, KEY_EFFECT, "share", NULL,
      N_("Size of the cut: 0.05 is 5 % (relative) or 5 percentage points.") },
    { 0 }
};

const scen_section promo_section_churn_reduction = {
    "churn_reduction", N_("A cut in churn after every visit, relative or in percentage points."),
    sizeof(churn_cut_params), 1, churn_cut_keys, NULL
};

static void *cut_prepare(const scenario *sc, const promo_env *env, diag *d)
{
    (void)env;
    churn_cut_params *p = malloc(sizeof *p);
    if (!p) {
        diag_set(d, DIAG_RUNTIME, "out of memory");
        return NULL;
    }
    *p = *(const churn_cut_params *)scen_get(sc, &promo_section_churn_reduction);
    return p;
}

static void cut_release(void *p)
{
    free(p);
}

static void cut_after_visit(const void *params, double *st, visit_ctx *v, gsl_rng *r)
{
    (void)st;
    (void)r;
    const churn_cut_params *p = params;
    if (p->mode == CUT_RELATIVE)
        v->churn *= 1.0 - p->amount;
    else
        v->churn = v->churn > p->amount ? v->churn - p->amount : 0.0;
}

static void cut_describe(const void *params, char *buf, size_t len, int lang)
{
    const churn_cut_params *p = params;
    if (p->mode == CUT_RELATIVE)
        snprintf(buf, len, tr(lang, "churn cut by %g %% relative (churn x %g)"), 100 * p->amount,
                 1 - p->amount);
    else
        snprintf(buf, len, tr(lang, "retention raised by %g percentage points (churn - %g)"),
                 100 * p->amount, p->amount);
}


/* ---- explain ---- */


static void cut_explain(const void *params, FILE *f, int lang, int html)
{
    const churn_cut_params *p = params;
    /* what the promotion's own after_visit does to a churn of 40 % and of 10 % */
    visit_ctx a = { 0 }, b = { 0 };
    a.churn = 0.4;
    b.churn = 0.1;
    cut_after_visit(p, NULL, &a, NULL);
    cut_after_visit(p, NULL, &b, NULL);
    char how[256];
    if (p->mode == CUT_RELATIVE)
        snprintf(how, sizeof how,
                 tr(lang, "churn is cut by %g %% of itself (churn x %g)"),
                 100 * p->amount, 1 - p->amount);
    else
        snprintf(how, sizeof how,
                 tr(lang, "retention rises by %g percentage points (churn - %g)"),
                 100 * p->amount, p->amount);
    char buf[2048];
    snprintf(buf, sizeof buf,
             tr(lang, "After every visit, once everything else has acted, %s: a churn of 40 %% becomes "
                   "%.1f %%, one of 10 %% becomes %.1f %%. It does not say how; it answers what that much "
                   "less churn is worth."),
             how, 100 * a.churn, 100 * b.churn);
    text_para(f, html, buf);
    text_para(f, html,
                     tr(lang, /* xgettext:no-c-format */ "What it costs: nothing in the simulation, so the rise in profit is the most "
                           "you could spend to achieve it. \"5 % less churn, 20-40 % more profit\" is "
                           "someone else's number; this measures yours."));
}

const promo_type promo_churn_reduction = {
    "churn_reduction", "Cut churn (relative or percentage points)", &promo_section_churn_reduction,
    0, cut_prepare, cut_release, NULL, NULL, cut_after_visit, NULL, NULL, cut_describe, cut_explain
};
