/* pilot_sim: see pilot_sim.h. */
#include "pilot_sim.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/dates.h"

typedef void (*purchase_cb)(double tau, int post, double amount, void *ctx);

/* One customer: first purchase at time 0 (weeks), the start at T1, the
 * end at T1 + T2; cb for every repeat purchase (tau: since the first
 * before the start, since the start after it).  Returns the first
 * purchase's amount. */
static double one_customer(const pilot_sim_spec *s, gsl_rng *g, int treated, double T1, double T2,
                           purchase_cb cb, void *ctx)
{
    double lambda = gsl_ran_gamma(g, s->r, 1 / s->alpha);
    double p = gsl_ran_beta(g, s->a, s->b);
    double nu = gsl_ran_gamma(g, s->q, 1 / s->gamma);
    double first = gsl_ran_gamma(g, s->p, 1 / nu);
    double tau = 0;
    /* before the start: the untreated process (memoryless, so the clock
     * restarts at the start) */
    for (;;) {
        tau += gsl_ran_exponential(g, 1 / lambda);
        if (tau >= T1)
            break;
        cb(tau, 0, gsl_ran_gamma(g, s->p, 1 / nu), ctx);
        if (gsl_rng_uniform(g) < p)
            return first;
    }
    double c = treated ? s->rate_ratio : 1, k = treated ? s->dropout_ratio : 1;
    double sp = treated ? s->spend_ratio : 1;
    double q = -expm1(k * log1p(-p));   /* 1 - (1-p)^k: the hazard times k */
    tau = 0;
    for (;;) {
        tau += gsl_ran_exponential(g, 1 / (c * lambda));
        if (tau >= T2)
            break;
        cb(tau, 1, gsl_ran_gamma(g, s->p, sp / nu), ctx);
        if (gsl_rng_uniform(g) < q)
            break;
    }
    return first;
}

static void fill_cb(double tau, int post, double amount, void *ctx)
{
    pm_customer *c = ctx;
    if (post) {
        c->x2 += 1;
        c->tx2 = tau;
        c->n2++;
        c->S2 += amount;
    } else {
        c->x1 += 1;
        c->tx1 = tau;
        c->n1++;
        c->S1 += amount;
    }
}

void pilot_sim(const pilot_sim_spec *s, uint64_t seed, pm_customer *c)
{
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, (unsigned long)seed);
    for (int i = 0; i < s->n; i++) {
        memset(&c[i], 0, sizeof c[i]);
        c[i].treated = gsl_rng_uniform(g) < 0.5;
        c[i].T1 = s->pre_weeks * (1 - gsl_rng_uniform(g));   /* in (0, pre_weeks] */
        c[i].T2 = s->post_weeks;
        one_customer(s, g, c[i].treated, c[i].T1, c[i].T2, fill_cb, &c[i]);
    }
    gsl_rng_free(g);
}

typedef struct log_ctx {
    int first, start, nrow, cap;
    int *day;
    double *amount;
} log_ctx;

static void log_cb(double tau, int post, double amount, void *vctx)
{
    log_ctx *L = vctx;
    if (L->nrow == L->cap) {
        L->cap = L->cap ? 2 * L->cap : 64;
        L->day = realloc(L->day, (size_t)L->cap * sizeof *L->day);
        L->amount = realloc(L->amount, (size_t)L->cap * sizeof *L->amount);
        if (!L->day || !L->amount)
            abort();
    }
    L->day[L->nrow] = (post ? L->start : L->first) + (int)floor(tau * 7);
    L->amount[L->nrow++] = amount;
}

int pilot_sim_write_log(const pilot_sim_spec *s, uint64_t seed, const char *path, char *start,
                        size_t start_len)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, (unsigned long)seed);
    int pre_days = (int)lround(s->pre_weeks * 7), post_days = (int)lround(s->post_weeks * 7);
    log_ctx L = { 0 };
    L.start = 19723 + pre_days;   /* 2024-01-01 + the span before */
    fprintf(f, "customer,date,amount,group\n");
    for (int i = 0; i < s->n; i++) {
        int treated = gsl_rng_uniform(g) < 0.5;
        int t1 = 1 + (int)floor(gsl_rng_uniform(g) * pre_days);   /* 1 .. pre_days */
        L.first = L.start - t1;
        L.nrow = 0;
        double fa = one_customer(s, g, treated, t1 / 7.0, post_days / 7.0, log_cb, &L);
        char day[16];
        const char *grp = treated ? "treatment" : "control";
        date_format(L.first, day, sizeof day);
        fprintf(f, "c%05d,%s,%.2f,%s\n", i, day, fa, grp);
        for (int k = 0; k < L.nrow; k++) {
            date_format(L.day[k], day, sizeof day);
            fprintf(f, "c%05d,%s,%.2f,%s\n", i, day, L.amount[k], grp);
        }
    }
    free(L.day);
    free(L.amount);
    gsl_rng_free(g);
    date_format(L.start, start, start_len);
    return fclose(f);
}
