/* pilot_plan: the size of a pilot by simulation (see pilot_plan.h). */
#include "pilot_plan.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../fit/pilot_rollout.h"
#include "../sim/basefile.h"
#include "../sim/engine.h"
#include "../sim/lang.h"
#include "../sim/metrics.h"
#include "../sim/rng.h"
#include "../sim/scenario.h"
#include "output.h"

typedef struct plan_obs {
    double *count;      /* [customer * nweeks_max + week] */
    int n, wmax;
} plan_obs;

static void observe(void *ctx, uint64_t customer, double day, double bill, int group)
{
    (void)bill;
    plan_obs *p = ctx;
    if (!(customer >> 63))
        return;                         /* a new customer, not one of the base */
    (void)group;
    uint64_t row = customer & ~(1ull << 63);
    int w = (int)(day / 7);
    if (row >= (uint64_t)p->n || day < 0 || w >= p->wmax)
        return;
    p->count[row * (uint64_t)p->wmax + (uint64_t)w] += 1;
}

static engine *load(const plan_opts *o, double ratio, int horizon, scenario **sc, diag *d)
{
    char set[2][96];
    snprintf(set[0], sizeof set[0], "scenario.horizon_days=%d", horizon);
    snprintf(set[1], sizeof set[1], "measured_effect.rate_ratio=%.10g", ratio);
    const char *sets[2] = { set[0], set[1] };
    return engine_load(o->fitted, sets, 2, sc, d);
}

int pilot_plan_run(const plan_opts *o, plan_result *r, diag *d)
{
    memset(r, 0, sizeof *r);
    int wmax = 0;
    for (int k = 0; k < o->nweeks; k++)
        wmax = o->weeks[k] > wmax ? o->weeks[k] : wmax;
    scenario *sc[2] = { NULL, NULL };
    engine *e[2] = { NULL, NULL };
    base_customers *b = NULL;
    plan_obs ob[2] = { { 0 }, { 0 } };
    engine_work *w[2] = { NULL, NULL };
    rep_result *out = NULL;
    double *y = NULL, *x = NULL;
    int *g = NULL, *perm = NULL;
    long *hits = NULL, *alarms = NULL;
    gsl_rng *rng = NULL;
    int status = 0;
    if (!(e[0] = load(o, 1.0, wmax * 7, &sc[0], d)) || !(e[1] = load(o, 1.0 + o->lift, wmax * 7, &sc[1], d)))
        goto done;
    b = base_load(sc[0], d);
    if (!b) {
        if (!d->status)
            diag_set(d, DIAG_USAGE, "%s has no [base]: --plan simulates pilots on a fitted customer base; make "
                                    "one with retsim fit LOG --as-of DATE (its fitted.ini)", o->fitted);
        goto done;
    }
    r->base_customers = b->n;
    int sizes[PLAN_MAX], nsizes = o->ncustomers;
    if (nsizes)
        memcpy(sizes, o->customers, sizeof sizes);
    else {
        int def[4] = { b->n / 8, b->n / 4, b->n / 2, b->n };
        for (int k = 0; k < 4; k++)
            if (def[k] >= 20)
                sizes[nsizes++] = def[k];
    }
    for (int k = 0; k < nsizes; k++)
        if (sizes[k] > b->n || sizes[k] < 4) {
            status = diag_set(d, DIAG_USAGE, "--customers %d: the fitted base has %d customers; a pilot takes 4 to %d",
                              sizes[k], b->n, b->n);
            goto done;
        }
    for (int k = 0; k < 2; k++) {
        ob[k].n = b->n;
        ob[k].wmax = wmax;
        ob[k].count = calloc((size_t)b->n * (size_t)wmax, sizeof *ob[k].count);
    }
    y = calloc((size_t)b->n, sizeof *y);
    x = calloc((size_t)b->n, sizeof *x);
    g = calloc((size_t)b->n, sizeof *g);
    perm = calloc((size_t)b->n, sizeof *perm);
    hits = calloc((size_t)(nsizes * o->nweeks), sizeof *hits);
    alarms = calloc((size_t)(nsizes * o->nweeks), sizeof *alarms);
    rng = gsl_rng_alloc(gsl_rng_mt19937);
    out = rep_alloc(wmax * 7);
    for (int k = 0; k < 2; k++)
        w[k] = engine_work_alloc(e[k]);
    if (!ob[0].count || !ob[1].count || !y || !x || !g || !perm || !hits || !alarms || !rng || !out || !w[0] || !w[1]) {
        status = diag_set(d, DIAG_RUNTIME, "out of memory");
        goto done;
    }
    for (int k = 0; k < 2; k++)
        engine_work_observe(w[k], observe, &ob[k]);
    for (int p = 0; p < o->pilots && !status; p++) {
        /* one random order of the base per pilot (the sizes are nested
         * subsets, so the power grows smoothly with them) and a random half
         * of it treated */
        gsl_rng_set(rng, (unsigned long)(o->seed * 1000003u + (uint64_t)p));
        for (int i = 0; i < b->n; i++)
            perm[i] = i;
        gsl_ran_shuffle(rng, perm, (size_t)b->n, sizeof *perm);
        for (int i = 0; i < b->n; i++)
            g[i] = (int)gsl_rng_uniform_int(rng, 2);
        /* the same replication without and with the effect on everyone:
         * each customer's own streams are the same in both (common random
         * numbers, as [pilot] does: share 0 is the one world, 1 the
         * other, bit for bit), so a treated customer's purchases are the
         * second world's and a control's the first's */
        for (int k = 0; k < 2 && !status; k++) {
            memset(ob[k].count, 0, (size_t)b->n * (size_t)wmax * sizeof *ob[k].count);
            status = engine_replicate(e[k], w[k], o->seed, p, out, d);
        }
        /* k = 1: the pilot with the effect; k = 0: without (the null) */
        for (int k = 0; k < 2 && !status; k++)
            for (int s = 0; s < nsizes; s++)
                for (int q = 0; q < o->nweeks; q++) {
                    int n = sizes[s], weeks = o->weeks[q];
                    for (int i = 0; i < n; i++) {
                        int c = perm[i];
                        const customer_history *h = &b->h[c];
                        const double *cnt = ob[k && g[i]].count;
                        double sum = 0;
                        for (int wk = 0; wk < weeks; wk++)
                            sum += cnt[(size_t)c * (size_t)wmax + (size_t)wk];
                        y[i] = sum;
                        x[i] = h->age > 0 ? h->repeat_purchases / h->age : 0;
                    }
                    double diff, lo, hi;
                    if (pilot_cuped_welch(y, x, g, n, &diff, &lo, &hi))
                        continue;
                    if (k == 1)
                        hits[s * o->nweeks + q] += lo > 0;
                    else
                        alarms[s * o->nweeks + q] += lo > 0 || hi < 0;
                }
    }
    if (status)
        goto done;
    for (int s = 0; s < nsizes; s++)
        for (int q = 0; q < o->nweeks; q++) {
            plan_cell *c = &r->cell[r->ncells++];
            c->customers = sizes[s];
            c->weeks = o->weeks[q];
            c->power = (double)hits[s * o->nweeks + q] / o->pilots;
            c->power_se = sqrt(c->power * (1 - c->power) / o->pilots);
            c->false_alarm = (double)alarms[s * o->nweeks + q] / o->pilots;
        }
    for (int q = 0; q < o->nweeks; q++) {
        r->best[q] = -1;
        for (int s = 0; s < nsizes && r->best[q] < 0; s++)
            if (r->cell[s * o->nweeks + q].power >= o->power)
                r->best[q] = s * o->nweeks + q;
    }
done:
    status = d->status;
    gsl_rng_free(rng);
    rep_free(out);
    for (int k = 0; k < 2; k++) {
        engine_work_free(w[k]);
        engine_free(e[k]);
        scen_free(sc[k]);
    }
    base_free(b);
    free(ob[0].count);
    free(ob[1].count);
    free(y);
    free(x);
    free(g);
    free(perm);
    free(hits);
    free(alarms);
    return status;
}

int pilot_plan_write(const char *dir, const plan_opts *o, const plan_result *r, diag *d)
{
    char tmp[4200];
    FILE *f = out_open(dir, "plan.csv", tmp, sizeof tmp, d);
    if (!f)
        return d->status;
    fprintf(f, "customers,weeks,power,power_mc_se,false_alarm_rate,reaches_target\n");
    for (int i = 0; i < r->ncells; i++) {
        const plan_cell *c = &r->cell[i];
        fprintf(f, "%d,%d,%.4f,%.4f,%.4f,%d\n", c->customers, c->weeks, c->power, c->power_se, c->false_alarm,
                c->power >= o->power);
    }
    if (out_commit(f, tmp, dir, "plan.csv", d))
        return d->status;
    json_t *root = json_object();
    json_object_set_new(root, "fitted", json_string(o->fitted));
    json_object_set_new(root, "lift", out_json_number(o->lift));
    json_object_set_new(root, "power_target", out_json_number(o->power));
    json_object_set_new(root, "pilots_per_cell", json_integer(o->pilots));
    json_object_set_new(root, "base_customers", json_integer(r->base_customers));
    json_t *best = json_array();
    for (int q = 0; q < o->nweeks; q++) {
        json_t *b = json_object();
        json_object_set_new(b, "weeks", json_integer(o->weeks[q]));
        if (r->best[q] >= 0) {
            const plan_cell *c = &r->cell[r->best[q]];
            json_object_set_new(b, "customers", json_integer(c->customers));
            json_object_set_new(b, "power", out_json_number(c->power));
            json_object_set_new(b, "power_mc_se", out_json_number(c->power_se));
        } else
            json_object_set_new(b, "customers", json_null());
        json_array_append_new(best, b);
    }
    json_object_set_new(root, "smallest_pilot_per_length", best);
    return out_json_commit(root, dir, "summary.json", d);
}

void pilot_plan_print(const plan_opts *o, const plan_result *r, const char *outdir)
{
    lang_id L = lang_ui();
    printf(tr(L, "pilot plan on %s (%d customers): a lift of %.0f %% in purchases, %d simulated pilots per cell, "
                 "detected when the CUPED interval lies above 0\n"),
           o->fitted, r->base_customers, 100 * o->lift, o->pilots);
    printf(tr(L, "  power (customers in the pilot, half of them treated, x weeks):\n"));
    printf("  %10s", "");
    for (int q = 0; q < o->nweeks; q++)
        printf(tr(L, " %6d wk"), o->weeks[q]);
    printf("\n");
    int nsizes = o->nweeks > 0 ? r->ncells / o->nweeks : 0;
    for (int s = 0; s < nsizes; s++) {
        printf("  %10d", r->cell[s * o->nweeks].customers);
        for (int q = 0; q < o->nweeks; q++)
            printf("    %5.2f", r->cell[s * o->nweeks + q].power);
        printf("\n");
    }
    double worst = 0;
    for (int i = 0; i < r->ncells; i++)
        worst = r->cell[i].false_alarm > worst ? r->cell[i].false_alarm : worst;
    printf(tr(L, "  false alarms without the effect: at most %.1f %% of pilots in any cell (5 %% expected)\n"),
           100 * worst);
    int any = 0;
    for (int q = 0; q < o->nweeks; q++)
        if (r->best[q] >= 0) {
            const plan_cell *c = &r->cell[r->best[q]];
            printf(tr(L, "  %d weeks: %d customers reach %.0f %% power (%.2f +- %.2f)\n"), c->weeks, c->customers,
                   100 * o->power, c->power, c->power_se);
            any = 1;
        }
    if (!any)
        printf(tr(L, "  no pilot in the grid reaches %.0f %% power: try more weeks (--weeks) or a larger lift\n"),
               100 * o->power);
    printf(tr(L, "  wrote %s/ (plan.csv, summary.json)\n"), outdir);
}
