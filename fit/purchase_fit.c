#include "purchase_fit.h"

#include <string.h>

#include "btyd.h"

/* ---- BG/NBD (fit/btyd.c) ---- */

static const char *const bgnbd_par[] = { "r", "alpha", "a", "b" };

static bgnbd_fit bgnbd_of(const purchase_fit *f)
{
    bgnbd_fit b = { 0 };
    b.r = f->par[0];
    b.alpha = f->par[1];
    b.a = f->par[2];
    b.b = f->par[3];
    return b;
}

static int bgnbd_adapt_fit(const cust_summary *c, int n, purchase_fit *out, diag *d)
{
    bgnbd_fit b;
    int status = bgnbd_fit_run(c, n, &b, d);
    const double par[4] = { b.r, b.alpha, b.a, b.b };
    memcpy(out->par, par, sizeof par);
    memcpy(out->se, b.se, sizeof b.se);
    memcpy(out->cov_log, b.cov_log, sizeof b.cov_log);
    out->loglik = b.loglik;
    out->n = b.n;
    out->starts = b.starts;
    out->converged = b.converged;
    return status;
}

static double bgnbd_adapt_p_alive(const purchase_fit *f, double x, double t_x, double T)
{
    bgnbd_fit b = bgnbd_of(f);
    return bgnbd_p_alive(&b, x, t_x, T);
}

static double bgnbd_adapt_conditional(const purchase_fit *f, double x, double t_x, double T, double t)
{
    bgnbd_fit b = bgnbd_of(f);
    return bgnbd_expected_conditional(&b, x, t_x, T, t);
}

static double bgnbd_adapt_unconditional(const purchase_fit *f, double t)
{
    bgnbd_fit b = bgnbd_of(f);
    return bgnbd_expected_unconditional(&b, t);
}

static const purchase_fit_type fit_bgnbd = {
    "bgnbd", "BG/NBD", "Fader, Hardie and Lee (2005), Counting your customers the easy way",
    4, bgnbd_par, bgnbd_adapt_fit, bgnbd_adapt_p_alive, bgnbd_adapt_conditional,
    bgnbd_adapt_unconditional
};

const purchase_fit_type *const purchase_fit_types[] = { &fit_bgnbd, NULL };

void purchase_fit_to_bgnbd(const purchase_fit *f, bgnbd_fit *out)
{
    *out = bgnbd_of(f);
    memcpy(out->se, f->se, sizeof out->se);
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
