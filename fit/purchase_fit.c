#include "purchase_fit.h"

#include <math.h>
#include <stdlib.h>
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

/* ---- the holdout's prediction, grouped (issue 14) ---- */

typedef struct xtt {
    double x, t_x, T;
} xtt;

static int xtt_cmp(const void *pa, const void *pb)
{
    const xtt *a = pa, *b = pb;
    if (a->x != b->x)
        return (a->x > b->x) - (a->x < b->x);
    if (a->T != b->T)
        return (a->T > b->T) - (a->T < b->T);
    return (a->t_x > b->t_x) - (a->t_x < b->t_x);
}

void purchase_groups_free(purchase_groups *g)
{
    free(g->x), free(g->t_x), free(g->T), free(g->w), free(g->e);
    memset(g, 0, sizeof *g);
}

int purchase_groups_build(const cust_summary *c, int n, purchase_groups *g)
{
    memset(g, 0, sizeof *g);
    size_t m = n > 0 ? (size_t)n : 1;
    xtt *k = malloc(m * sizeof *k);
    g->x = malloc(m * sizeof(double));
    g->t_x = malloc(m * sizeof(double));
    g->T = malloc(m * sizeof(double));
    g->w = malloc(m * sizeof(double));
    g->e = malloc(m * sizeof(double));
    if (!k || !g->x || !g->t_x || !g->T || !g->w || !g->e) {
        free(k);
        purchase_groups_free(g);
        return -1;
    }
    for (int i = 0; i < n; i++)
        k[i] = (xtt){ c[i].x, c[i].t_x, c[i].T };
    qsort(k, (size_t)n, sizeof *k, xtt_cmp);
    for (int i = 0; i < n; i++) {
        if (i > 0 && !xtt_cmp(&k[i], &k[i - 1])) {
            g->w[g->n - 1] += 1;
            continue;
        }
        g->x[g->n] = k[i].x;
        g->t_x[g->n] = k[i].t_x;
        g->T[g->n] = k[i].T;
        g->w[g->n++] = 1;
    }
    free(k);
    return 0;
}

double purchase_groups_expected_sum(purchase_groups *g, const purchase_fit *f, double t)
{
    const purchase_fit_type *ty = f->type;
    double *e = g->e;
#pragma omp parallel for schedule(dynamic, 64)
    for (int j = 0; j < g->n; j++)
        e[j] = ty->expected_conditional(f, g->x[j], g->t_x[j], g->T[j], t);
    double sum = 0;
    for (int j = 0; j < g->n; j++)
        sum += g->w[j] * e[j];
    return sum;
}

double purchase_fit_expected_sum(const purchase_fit *f, const cust_summary *c, int n, double t)
{
    purchase_groups g;
    if (purchase_groups_build(c, n, &g))
        return NAN;
    double sum = purchase_groups_expected_sum(&g, f, t);
    purchase_groups_free(&g);
    return sum;
}
