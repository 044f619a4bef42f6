#include "optimize.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <nlopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"
#include "engine.h"
#include "lang.h"
#include "metrics.h"
#include "rng.h"
#include "scenario.h"

/* ---- one candidate ---- */

/* The scenario at x: p's sets, then one "key=value" per searched key. */
static engine *load_at(const char *path, const opt_problem *p, const double *x, scenario **sc, diag *d)
{
    const char *all[SCEN_MAX_SETS + OPT_MAX_PARAMS];
    char buf[OPT_MAX_PARAMS][320];
    int n = 0;
    for (int i = 0; i < p->nsets && n < SCEN_MAX_SETS; i++)
        all[n++] = p->sets[i];
    for (int j = 0; x && j < p->nparam; j++) {
        if (p->param[j].integer)
            snprintf(buf[j], sizeof buf[j], "%s=%.0f", p->param[j].key, round(x[j]));
        else
            snprintf(buf[j], sizeof buf[j], "%s=%.17g", p->param[j].key, x[j]);
        all[n++] = buf[j];
    }
    return engine_load(path, all, n, sc, d);
}

static double metric_se(const stat_summary *s)
{
    if (s->uncertain)
        return s->se;
    return s->n > 1 ? s->sd / sqrt((double)s->n) : NAN;
}

double opt_violation(const opt_problem *p, const double *con)
{
    double v = 0;
    for (int c = 0; c < p->ncons; c++) {
        double lim = p->cons[c].limit, scale = fabs(lim) > 0 ? fabs(lim) : 1;
        double over = p->cons[c].at_most ? con[c] - lim : lim - con[c];
        if (isnan(con[c]))
            v += 1; /* undefined: as bad as a whole limit over */
        else if (over > 0)
            v += over / scale;
    }
    return v;
}

int opt_evaluate(void *ctx, const opt_problem *p, const double *x, opt_point *out, diag *d)
{
    (void)ctx;
    scenario *sc;
    engine *e = load_at(p->path, p, x, &sc, d);
    if (!e)
        return d->status;
    run_opts ro = p->run;
    ro.progress = 0;
    ro.precision = 0;
    run_result *r = NULL;
    int status = sim_run(&e, 1, &ro, &r, d);
    if (!status) {
        stat_summary s = stat_vec_get(r->scen[0].metric, (size_t)p->objective);
        out->obj = s.mean;
        out->obj_se = metric_se(&s);
        for (int c = 0; c < p->ncons; c++) {
            stat_summary cs = stat_vec_get(r->scen[0].metric, (size_t)p->cons[c].metric);
            out->con[c] = cs.mean;
            out->con_se[c] = metric_se(&cs);
        }
    }
    run_result_free(r);
    engine_free(e);
    scen_free(sc);
    return status;
}

/* ---- the search ---- */

/* What the search maximises.  Deb's feasibility rules (Comput. Methods
 * Appl. Mech. Engrg. 186, 2000) as one number for a method that only
 * compares values (Sbplx, the grid): a feasible point beats every
 * infeasible one, and of two infeasible points the one breaking the
 * constraints less wins. */
#define OPT_INFEASIBLE 1e30
static double score(const opt_problem *p, const opt_point *pt)
{
    if (isnan(pt->obj))
        return -2 * OPT_INFEASIBLE;
    if (pt->violation > 0)
        return -OPT_INFEASIBLE * (1 + (pt->violation < 1e6 ? pt->violation : 1e6));
    return p->minimize ? -pt->obj : pt->obj;
}

int opt_is_grid(const opt_problem *p, double *points)
{
    double n = 1;
    int whole = 1;
    for (int j = 0; j < p->nparam; j++) {
        whole &= p->param[j].integer;
        n *= p->param[j].integer ? round(p->param[j].high) - round(p->param[j].low) + 1 : INFINITY;
    }
    *points = n;
    return whole && n <= OPT_GRID_MAX;
}

typedef struct search_ctx {
    const opt_problem *p;
    opt_eval_fn eval;
    void *ctx;
    opt_search *s;
    diag *d;
    int status;
    int phase;
} search_ctx;

static void snap(const opt_problem *p, double *x)
{
    for (int j = 0; j < p->nparam; j++) {
        if (x[j] < p->param[j].low)
            x[j] = p->param[j].low;
        if (x[j] > p->param[j].high)
            x[j] = p->param[j].high;
        if (p->param[j].integer)
            x[j] = round(x[j]);
    }
}

static void progress_line(const opt_problem *p, const opt_search *s, const opt_point *pt)
{
    fprintf(stderr, "  %3d ", s->n);
    for (int j = 0; j < p->nparam; j++)
        fprintf(stderr, "%s%s=%.6g", j ? ", " : "", p->param[j].key, pt->x[j]);
    /* money in whole units, small metrics (shares) to 4 digits */
    fprintf(stderr, fabs(pt->obj) >= 1000 ? tr(lang_ui(), ": %s %.0f (SE %.0f)") : tr(lang_ui(), ": %s %.4g (SE %.2g)"),
            metric_table[p->objective].name, pt->obj, pt->obj_se);
    for (int c = 0; c < p->ncons; c++)
        fprintf(stderr, ", %s %.6g", metric_table[p->cons[c].metric].name, pt->con[c]);
    if (pt->violation > 0)
        fputs(tr(lang_ui(), ", breaks the constraint"), stderr);
    fputc('\n', stderr);
}

/* The point at x (snapped), evaluated once: a point seen before is not run
 * again (rounding sends many of Sbplx's points to one).  Returns its index,
 * or -1 with c->status set. */
static int visit(search_ctx *c, const double *x_in)
{
    const opt_problem *p = c->p;
    opt_search *s = c->s;
    double x[OPT_MAX_PARAMS] = { 0 };
    memcpy(x, x_in, sizeof(double) * (size_t)p->nparam);
    snap(p, x);
    for (int i = 0; i < s->n; i++)
        if (!memcmp(s->pts[i].x, x, sizeof x))
            return i;
    if (s->n == s->cap) {
        int cap = s->cap ? 2 * s->cap : 64;
        opt_point *grown = realloc(s->pts, (size_t)cap * sizeof *grown);
        if (!grown) {
            c->status = diag_set(c->d, DIAG_RUNTIME, "out of memory");
            return -1;
        }
        s->pts = grown;
        s->cap = cap;
    }
    opt_point *pt = &s->pts[s->n];
    memset(pt, 0, sizeof *pt);
    memcpy(pt->x, x, sizeof x);
    pt->phase = c->phase;
    if ((c->status = c->eval(c->ctx, p, x, pt, c->d)))
        return -1;
    pt->violation = opt_violation(p, pt->con);
    int i = s->n++;
    if (s->best < 0 || score(p, pt) > score(p, &s->pts[s->best]))
        s->best = i;
    if (p->progress)
        progress_line(p, s, pt);
    return i;
}

static double nlopt_objective(unsigned n, const double *u, double *grad, void *data)
{
    (void)grad;
    search_ctx *c = data;
    const opt_problem *p = c->p;
    double x[OPT_MAX_PARAMS] = { 0 };
    for (unsigned j = 0; j < n; j++)
        x[j] = p->param[j].low + u[j] * (p->param[j].high - p->param[j].low);
    int i = visit(c, x);
    if (i < 0) {
        return -2 * OPT_INFEASIBLE; /* the caller forces the stop */
    }
    return score(p, &c->s->pts[i]);
}

/* A few levels of every key before the local search, so that Sbplx starts
 * from the best of a coarse look at the whole box rather than from its
 * centre: one key at 5 levels, two at 3 x 3, more at the centre and the
 * quarter points of each axis. */
static int design(search_ctx *c)
{
    const opt_problem *p = c->p;
    int n = p->nparam;
    double x[OPT_MAX_PARAMS];
    if (n <= 2) {
        int levels = n == 1 ? 5 : 3;
        int total = n == 1 ? levels : levels * levels;
        for (int i = 0; i < total; i++) {
            int li[2] = { i % levels, i / levels };
            for (int j = 0; j < n; j++)
                x[j] = p->param[j].low + (p->param[j].high - p->param[j].low) * li[j] / (levels - 1);
            if (visit(c, x) < 0)
                return c->status;
        }
        return 0;
    }
    for (int j = 0; j < n; j++)
        x[j] = 0.5 * (p->param[j].low + p->param[j].high);
    if (visit(c, x) < 0)
        return c->status;
    for (int j = 0; j < n; j++)
        for (int side = 0; side < 2; side++) {
            double y[OPT_MAX_PARAMS];
            memcpy(y, x, sizeof y);
            y[j] = p->param[j].low + (side ? 0.75 : 0.25) * (p->param[j].high - p->param[j].low);
            if (visit(c, y) < 0)
                return c->status;
        }
    return 0;
}

/* The whole neighbours (+-1 on every whole key, 3^w points) of the best:
 * Sbplx moves in the box as if every key were continuous, so the optimum
 * of whole keys is settled by looking at its neighbours. */
static int polish(search_ctx *c)
{
    const opt_problem *p = c->p;
    int w[OPT_MAX_PARAMS], nw = 0;
    for (int j = 0; j < p->nparam; j++)
        if (p->param[j].integer)
            w[nw++] = j;
    if (!nw)
        return 0;
    double centre[OPT_MAX_PARAMS];
    memcpy(centre, c->s->pts[c->s->best].x, sizeof centre);
    int total = 1;
    for (int i = 0; i < nw; i++)
        total *= 3;
    for (int i = 0; i < total; i++) {
        double x[OPT_MAX_PARAMS];
        memcpy(x, centre, sizeof x);
        for (int q = 0, r = i; q < nw; q++, r /= 3)
            x[w[q]] += r % 3 - 1;
        if (visit(c, x) < 0)
            return c->status;
    }
    return 0;
}

int opt_search_run(const opt_problem *p, opt_eval_fn eval, void *ctx, opt_search *s, diag *d)
{
    search_ctx c = { p, eval, ctx, s, d, 0, OPT_PHASE_GRID };
    s->best = -1;
    double points;
    if (opt_is_grid(p, &points)) {
        s->method = OPT_METHOD_GRID;
        int total = (int)points;
        for (int i = 0; i < total; i++) {
            double x[OPT_MAX_PARAMS];
            int r = i;
            /* the last key fastest, as a table of the grid reads */
            for (int j = p->nparam - 1; j >= 0; j--) {
                int levels = (int)(round(p->param[j].high) - round(p->param[j].low)) + 1;
                x[j] = round(p->param[j].low) + r % levels;
                r /= levels;
            }
            if (visit(&c, x) < 0)
                return c.status;
        }
        return 0;
    }
    s->method = OPT_METHOD_SBPLX;
    c.phase = OPT_PHASE_DESIGN;
    if (design(&c))
        return c.status;
    c.phase = OPT_PHASE_SEARCH;
    unsigned n = (unsigned)p->nparam;
    nlopt_opt opt = nlopt_create(NLOPT_LN_SBPLX, n);
    if (!opt)
        return diag_set(d, DIAG_RUNTIME, "out of memory");
    double lb[OPT_MAX_PARAMS], ub[OPT_MAX_PARAMS], u[OPT_MAX_PARAMS], step[OPT_MAX_PARAMS];
    const opt_point *start = &s->pts[s->best];
    for (unsigned j = 0; j < n; j++) {
        lb[j] = 0;
        ub[j] = 1;
        u[j] = (start->x[j] - p->param[j].low) / (p->param[j].high - p->param[j].low);
        /* a quarter of the box: the design's spacing, so the first moves
         * look between its levels */
        step[j] = 0.25;
    }
    nlopt_set_lower_bounds(opt, lb);
    nlopt_set_upper_bounds(opt, ub);
    nlopt_set_max_objective(opt, nlopt_objective, &c);
    int left = p->max_evals - s->n;
    nlopt_set_maxeval(opt, left > 1 ? left : 1);
    /* a hundredth of every range (k to 0.07 on 1..8): finer than a
     * business sets terms, and below it the sample-average objective is a
     * staircase of single customers, not a slope */
    nlopt_set_xtol_abs1(opt, 1e-2);
    nlopt_set_initial_step(opt, step);
    double best;
    s->nlopt_status = (int)nlopt_optimize(opt, u, &best);
    nlopt_destroy(opt);
    if (c.status)
        return c.status;
    c.phase = OPT_PHASE_POLISH;
    return polish(&c);
}

void opt_search_free(opt_search *s)
{
    free(s->pts);
    memset(s, 0, sizeof *s);
}

/* 1 when point i differs from every point chosen so far by at least
 * OPT_TOP_APART of some real key's range, or by a whole step of some whole
 * key: five points a hair apart at the top of a continuous search would
 * make a final comparison of one candidate with itself. */
static int apart(const opt_problem *p, const opt_search *s, const int *idx, int k, int i)
{
    for (int c = 0; c < k; c++) {
        int far = 0;
        for (int j = 0; j < p->nparam && !far; j++) {
            double gap = fabs(s->pts[i].x[j] - s->pts[idx[c]].x[j]);
            far = p->param[j].integer ? gap >= 1
                                      : gap >= OPT_TOP_APART * (p->param[j].high - p->param[j].low);
        }
        if (!far)
            return 0;
    }
    return 1;
}

int opt_search_top(const opt_problem *p, const opt_search *s, int *idx, int max)
{
    int k = 0;
    /* selection by score: a handful out of at most a few hundred */
    char *used = calloc((size_t)s->n + 1, 1);
    if (!used)
        return 0;
    while (k < max && k < s->n) {
        int b = -1;
        for (int i = 0; i < s->n; i++)
            if (!used[i] && !isnan(s->pts[i].obj) && apart(p, s, idx, k, i)
                && (b < 0 || score(p, &s->pts[i]) > score(p, &s->pts[b])))
                b = i;
        if (b < 0)
            break;
        used[b] = 1;
        idx[k++] = b;
    }
    free(used);
    return k;
}

/* ---- the final comparison ---- */

/* Mean and 95 % Student t interval of x[0], x[stride], ... (n values). */
static void t_interval(const double *x, size_t stride, int n, double *mean, double *lo, double *hi)
{
    double m = 0, m2 = 0;
    int cnt = 0;
    for (int i = 0; i < n; i++) {
        double v = x[(size_t)i * stride];
        if (isnan(v))
            continue;
        cnt++;
        double delta = v - m;
        m += delta / cnt;
        m2 += delta * (v - m);
    }
    *mean = cnt ? m : NAN;
    if (cnt < 2) {
        *lo = *hi = NAN;
        return;
    }
    double half = gsl_cdf_tdist_Pinv(0.975, cnt - 1) * sqrt(m2 / (cnt - 1) / cnt);
    *lo = m - half;
    *hi = m + half;
}

void opt_final_stats(const opt_problem *p, int k, int blocks, const double *obj,
                     const double *con, uint64_t seed, opt_final *f)
{
    int cols = k + 1;
    double sign = p->minimize ? -1 : 1;
    f->k = k;
    f->blocks = blocks;
    f->bootstrap = OPT_BOOTSTRAP;
    t_interval(obj, (size_t)cols, blocks, &f->base_obj, &f->base_lo, &f->base_hi);
    double *tmp = malloc((size_t)blocks * sizeof *tmp);
    double *sum = calloc((size_t)cols, sizeof *sum);
    int *pick = malloc((size_t)blocks * sizeof *pick);
    if (!tmp || !sum || !pick) {
        free(tmp);
        free(sum);
        free(pick);
        f->k = 0;
        return;
    }
    for (int j = 0; j < k; j++) {
        t_interval(obj + j + 1, (size_t)cols, blocks, &f->obj[j], &f->obj_lo[j], &f->obj_hi[j]);
        for (int b = 0; b < blocks; b++)
            tmp[b] = sign * (obj[b * cols + j + 1] - obj[b * cols]);
        t_interval(tmp, 1, blocks, &f->gain[j], &f->gain_lo[j], &f->gain_hi[j]);
        double means[OPT_MAX_CONS];
        for (int c = 0; c < p->ncons; c++) {
            t_interval(con + (size_t)(j + 1) * OPT_MAX_CONS + c, (size_t)cols * OPT_MAX_CONS, blocks,
                       &f->con[j][c], &f->con_lo[j][c], &f->con_hi[j][c]);
            means[c] = f->con[j][c];
        }
        f->feasible[j] = opt_violation(p, means) == 0;
    }
    /* the best: the highest gain among the feasible (all of them when none is) */
    int any = 0;
    for (int j = 0; j < k; j++)
        any |= f->feasible[j];
    f->best = -1;
    for (int j = 0; j < k; j++)
        if ((!any || f->feasible[j]) && !isnan(f->gain[j]) && (f->best < 0 || f->gain[j] > f->gain[f->best]))
            f->best = j;
    f->ntied = 0;
    for (int j = 0; j < k; j++) {
        f->tied[j] = 0;
        f->vs_best[j] = f->vs_best_lo[j] = f->vs_best_hi[j] = NAN;
        if (f->best < 0 || (any && !f->feasible[j]))
            continue;
        for (int b = 0; b < blocks; b++)
            tmp[b] = sign * (obj[b * cols + f->best + 1] - obj[b * cols + j + 1]);
        t_interval(tmp, 1, blocks, &f->vs_best[j], &f->vs_best_lo[j], &f->vs_best_hi[j]);
        /* tied: the paired difference from the best is within its 95 %
         * interval of 0 (an identical candidate gives exactly 0, width 0) */
        f->tied[j] = j == f->best || (f->vs_best_lo[j] <= 0 && f->vs_best_hi[j] >= 0);
        f->ntied += f->tied[j];
    }
    /* P(best): the paired bootstrap over blocks (Efron and Tibshirani, An
     * Introduction to the Bootstrap, 1993, ch. 6): the same blocks drawn for
     * every candidate, so their correlation through the shared customers is
     * kept; an exact tie shares the win */
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    double wins[OPT_MAX_TOP] = { 0 };
    if (rng) {
        gsl_rng_set(rng, (unsigned long)(rng_mix(seed) & 0xffffffffUL));
        for (int r = 0; r < OPT_BOOTSTRAP; r++) {
            for (int b = 0; b < blocks; b++)
                pick[b] = (int)gsl_rng_uniform_int(rng, (unsigned long)blocks);
            double top = -INFINITY;
            for (int j = 0; j < k; j++) {
                sum[j] = 0;
                for (int b = 0; b < blocks; b++)
                    sum[j] += sign * obj[pick[b] * cols + j + 1];
                if ((!any || f->feasible[j]) && sum[j] > top)
                    top = sum[j];
            }
            int nwin = 0;
            for (int j = 0; j < k; j++)
                nwin += (!any || f->feasible[j]) && sum[j] == top;
            for (int j = 0; j < k; j++)
                if ((!any || f->feasible[j]) && sum[j] == top)
                    wins[j] += 1.0 / nwin;
        }
        gsl_rng_free(rng);
    }
    for (int j = 0; j < k; j++)
        f->p_best[j] = rng && (!any || f->feasible[j]) ? wins[j] / OPT_BOOTSTRAP : NAN;
    free(tmp);
    free(sum);
    free(pick);
}

int opt_final_run(const opt_problem *p, const opt_search *s, opt_final *f, diag *d)
{
    memset(f, 0, sizeof *f);
    int max = p->top < OPT_MAX_TOP ? p->top : OPT_MAX_TOP;
    int k = opt_search_top(p, s, f->idx, max);
    if (k < 1)
        return diag_set(d, DIAG_RUNTIME, "no candidate has a value of %s to compare",
                        metric_table[p->objective].name);
    int blocks = (p->final_reps + OPT_BLOCK_REPS - 1) / OPT_BLOCK_REPS;
    if (blocks < 2)
        blocks = 2;
    int cols = k + 1;
    scenario *sc[OPT_MAX_TOP + 1] = { 0 };
    engine *e[OPT_MAX_TOP + 1] = { 0 };
    double *obj = malloc((size_t)blocks * cols * sizeof *obj);
    double *con = calloc((size_t)blocks * cols * OPT_MAX_CONS, sizeof *con);
    int status = 0;
    if (!obj || !con) {
        status = diag_set(d, DIAG_RUNTIME, "out of memory");
        goto done;
    }
    for (int j = 0; j < cols && !status; j++) {
        e[j] = load_at(j ? p->path : p->base_path, p, j ? s->pts[f->idx[j - 1]].x : NULL, &sc[j], d);
        if (!e[j])
            status = d->status;
    }
    if (status)
        goto done;
    /* a stream apart from the search's: the blocks' seeds are keyed by the
     * search's seed and a constant no search seed collides with */
    f->seed = rng_mix(p->run.seed ^ 0x6f7074696d697a65ULL); /* "optimize" */
    run_opts ro = p->run;
    ro.reps = OPT_BLOCK_REPS;
    ro.progress = 0;
    ro.precision = 0;
    /* Under MPI the ranks share the blocks, not a block's few replications
     * (sim/dist.h): rank r runs its share of each group of blocks on its
     * own, and a block's results (per candidate: the objective, the
     * constraints; then the replications run) travel as a flat record.
     * Every rank holds every block, in block order: the statistics below,
     * their bootstrap included (seeded by f->seed), are one process's, and
     * so is the progress, printed per group. */
    size_t rec = (size_t)cols * (1 + OPT_MAX_CONS) + 1;
    int group = 10 * dist_workers();
    double *flat = malloc((size_t)group * rec * sizeof *flat);
    if (!flat)
        diag_set(d, DIAG_RUNTIME, "out of memory");
    if ((status = dist_agree(d))) {
        free(flat);
        goto done;
    }
    f->reps = 0;
    for (int g0 = 0; g0 < blocks && !status; g0 += group) {
        int n = blocks - g0 < group ? blocks - g0 : group;
        long lo, hi;
        dist_share(n, &lo, &hi);
        dist_local_begin();
        for (long i = lo; i < hi && !status; i++) {
            ro.seed = rng_mix(f->seed + (uint64_t)(g0 + i));
            run_result *r = NULL;
            if ((status = sim_run(e, cols, &ro, &r, d)))
                break;
            double *x = flat + (size_t)i * rec;
            for (int j = 0; j < cols; j++) {
                x[j * (1 + OPT_MAX_CONS)] = stat_vec_get(r->scen[j].metric, (size_t)p->objective).mean;
                for (int c = 0; c < OPT_MAX_CONS; c++)
                    x[j * (1 + OPT_MAX_CONS) + 1 + c] =
                        c < p->ncons ? stat_vec_get(r->scen[j].metric, (size_t)p->cons[c].metric).mean : 0;
            }
            x[rec - 1] = r->reps;
            run_result_free(r);
        }
        dist_local_end();
        if ((status = dist_agree(d)) || (status = dist_allgather(flat, n, rec, d)))
            break;
        for (int i = 0; i < n; i++) {
            int b = g0 + i;
            const double *x = flat + (size_t)i * rec;
            for (int j = 0; j < cols; j++) {
                obj[b * cols + j] = x[j * (1 + OPT_MAX_CONS)];
                for (int c = 0; c < p->ncons; c++)
                    con[(b * cols + j) * OPT_MAX_CONS + c] = x[j * (1 + OPT_MAX_CONS) + 1 + c];
            }
            f->reps += (int)x[rec - 1];
            if (p->progress && ((b + 1) % 10 == 0 || b + 1 == blocks))
                fprintf(stderr, tr(lang_ui(), "  final comparison: %d/%d blocks of %d replications\n"),
                        b + 1, blocks, OPT_BLOCK_REPS);
        }
    }
    free(flat);
    if (!status) {
        int idx[OPT_MAX_TOP];
        memcpy(idx, f->idx, sizeof idx);
        int reps = f->reps;
        uint64_t seed = f->seed;
        opt_final_stats(p, k, blocks, obj, con, seed, f);
        memcpy(f->idx, idx, sizeof idx);
        f->reps = reps;
        f->seed = seed;
        if (f->k == 0)
            status = diag_set(d, DIAG_RUNTIME, "out of memory");
    }
done:
    for (int j = 0; j < cols; j++) {
        engine_free(e[j]);
        scen_free(sc[j]);
    }
    free(obj);
    free(con);
    return status;
}
