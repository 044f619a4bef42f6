#include "purchase_fit.h"

#include <string.h>

#include "btyd.h"
#include "mbgnbd.h"
#include "pnbd.h"

/* Each model's own fit (fit/btyd.c, fit/mbgnbd.c, fit/pnbd.c) keeps its
 * typed struct of four parameters; the adapters move them in and out of
 * purchase_fit's array, in the order of par_names.  One macro writes the
 * five adapters of a model, so the three models cannot drift apart. */
#define PURCHASE_FIT_ADAPTERS(PFX, T, A, B, C, D)                                                   \
    static T PFX##_of(const purchase_fit *f)                                                        \
    {                                                                                               \
        T x;                                                                                        \
        memset(&x, 0, sizeof x);                                                                    \
        x.A = f->par[0];                                                                            \
        x.B = f->par[1];                                                                            \
        x.C = f->par[2];                                                                            \
        x.D = f->par[3];                                                                            \
        return x;                                                                                   \
    }                                                                                               \
    static int PFX##_adapt_fit(const cust_summary *c, int n, purchase_fit *out, diag *d)            \
    {                                                                                               \
        T x;                                                                                        \
        memset(&x, 0, sizeof x);                                                                    \
        int status = PFX##_fit_run(c, n, &x, d);                                                    \
        const double par[4] = { x.A, x.B, x.C, x.D };                                               \
        memcpy(out->par, par, sizeof par);                                                          \
        memcpy(out->se, x.se, sizeof x.se);                                                         \
        memcpy(out->cov_log, x.cov_log, sizeof x.cov_log);                                          \
        out->loglik = x.loglik;                                                                     \
        out->n = x.n;                                                                               \
        out->starts = x.starts;                                                                     \
        out->converged = x.converged;                                                               \
        return status;                                                                              \
    }                                                                                               \
    static double PFX##_adapt_p_alive(const purchase_fit *f, double x, double t_x, double T_)       \
    {                                                                                               \
        T m = PFX##_of(f);                                                                          \
        return PFX##_p_alive(&m, x, t_x, T_);                                                       \
    }                                                                                               \
    static double PFX##_adapt_conditional(const purchase_fit *f, double x, double t_x, double T_,   \
                                          double t)                                                 \
    {                                                                                               \
        T m = PFX##_of(f);                                                                          \
        return PFX##_expected_conditional(&m, x, t_x, T_, t);                                       \
    }                                                                                               \
    static double PFX##_adapt_unconditional(const purchase_fit *f, double t)                        \
    {                                                                                               \
        T m = PFX##_of(f);                                                                          \
        return PFX##_expected_unconditional(&m, t);                                                 \
    }

PURCHASE_FIT_ADAPTERS(bgnbd, bgnbd_fit, r, alpha, a, b)
PURCHASE_FIT_ADAPTERS(mbgnbd, mbgnbd_fit, r, alpha, a, b)
PURCHASE_FIT_ADAPTERS(pnbd, pnbd_fit, r, alpha, s, beta)

static const char *const bgnbd_par[] = { "r", "alpha", "a", "b" };
static const char *const pnbd_par[] = { "r", "alpha", "s", "beta" };

static const purchase_fit_type fit_bgnbd = {
    "bgnbd", "BG/NBD", "Fader, Hardie and Lee (2005), Counting your customers the easy way",
    4, bgnbd_par, bgnbd_adapt_fit, bgnbd_adapt_p_alive, bgnbd_adapt_conditional,
    bgnbd_adapt_unconditional
};

static const purchase_fit_type fit_mbgnbd = {
    "mbgnbd", "MBG/NBD", "Batislam, Denizel and Filiztekin (2007)",
    4, bgnbd_par, mbgnbd_adapt_fit, mbgnbd_adapt_p_alive, mbgnbd_adapt_conditional,
    mbgnbd_adapt_unconditional
};

static const purchase_fit_type fit_pareto_nbd = {
    "pareto_nbd", "Pareto/NBD", "Schmittlein, Morrison and Colombo (1987)",
    4, pnbd_par, pnbd_adapt_fit, pnbd_adapt_p_alive, pnbd_adapt_conditional,
    pnbd_adapt_unconditional
};

const purchase_fit_type *const purchase_fit_types[] = { &fit_bgnbd, &fit_mbgnbd, &fit_pareto_nbd, NULL };

void purchase_fit_to_bgnbd(const purchase_fit *f, bgnbd_fit *out)
{
    *out = bgnbd_of(f);
    memcpy(out->se, f->se, sizeof out->se);
    memcpy(out->cov_log, f->cov_log, sizeof out->cov_log);
    out->loglik = f->loglik;
    out->n = f->n;
    out->starts = f->starts;
    out->converged = f->converged;
}

const purchase_fit_type *purchase_fit_find(const char *name)
{
    for (int i = 0; purchase_fit_types[i]; i++)
        if (!strcmp(purchase_fit_types[i]->name, name))
            return purchase_fit_types[i];
    return NULL;
}
