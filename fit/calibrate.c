/* calibrate: the method of simulated moments; see calibrate.h and
 * docs/calibrate.md. */
#include <errno.h>
#include <limits.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_qrng.h>
#include <math.h>
#include <nlopt.h>
#include <omp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../sim/basefile.h"
#include "../sim/dist.h"
#include "../sim/lang.h"
#include "../sim/metrics.h"
#include "../sim/sections.h"
#include "calibrate.h"

/* A key whose table range is wider than this (e.g. -1e9 to 1e9: "any
 * number") gives no search box: the user names one. */
#define CALIB_WIDE_RANGE 1e5
/* An eigenvalue of S below this share of the largest is floored there:
 * the bootstrap cannot tell such a direction from zero variance. */
#define CALIB_EIG_FLOOR 1e-9
/* Step of the finite differences, a share of each key's search range:
 * wide enough to average over the simulation's discrete steps (a change of
 * theta moves moments in jumps of one customer), narrow enough for the
 * moments to be near linear over it. */
#define CALIB_FD_STEP 0.025

/* ---- the simulated log ---- */

static void collect(void *ctx, uint64_t customer, double day, double bill, int group)
{
    (void)group;
    calib_rep *b = ctx;
    if (b->oom)
        return;
    if (b->n == b->cap) {
        long cap = b->cap ? 2 * b->cap : 4096;
        calib_tx *t = realloc(b->tx, (size_t)cap * sizeof *t);
        if (!t) {
            b->oom = 1;
            return;
        }
        b->tx = t;
        b->cap = cap;
    }
    b->tx[b->n] = (calib_tx){ customer, b->n, (int)floor(day), bill };
    b->n++;
}

static int by_customer(const void *a, const void *b)
{
    const calib_tx *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

int calib_simulate_rep(const engine *e, uint64_t seed, int rep, calib_rep *b, diag *d)
{
    engine_work *w = engine_work_alloc(e);
    rep_result *out = rep_alloc(engine_horizon(e));
    int status = 0;
    if (!w || !out)
        status = diag_set(d, DIAG_RUNTIME, "out of memory simulating replication %d", rep);
    if (!status) {
        engine_work_observe(w, collect, b);
        status = engine_replicate(e, w, seed, rep, out, d);
    }
    if (!status && b->oom)
        status = diag_set(d, DIAG_RUNTIME, "out of memory simulating replication %d", rep);
    if (!status)
        qsort(b->tx, (size_t)b->n, sizeof *b->tx, by_customer);
    rep_free(out);
    engine_work_free(w);
    return status;
}

/* Under MPI: every rank simulates its share of the replications (by
 * index, sim/dist.h), and the replications travel as flat records of
 * doubles, padded to the longest: per purchase the customer's ordinal in
 * its replication (pooling only asks whether two neighbours are one
 * customer), the day and the bill, all exact as doubles.  Every rank then
 * holds every replication and pools them in replication order: the log of
 * one process, bit for bit. */
static int exchange(calib_rep *buf, int reps, diag *d)
{
    long lo, hi;
    dist_share(reps, &lo, &hi);
    double *len = calloc((size_t)reps, sizeof *len);
    if (!len)
        diag_set(d, DIAG_RUNTIME, "out of memory");
    if (dist_agree(d))
        return free(len), d->status;
    for (long r = lo; r < hi; r++)
        len[r] = (double)buf[r].n;
    if (dist_allgather(len, reps, 1, d))
        return free(len), d->status;
    long most = 0;
    for (int r = 0; r < reps; r++)
        if ((long)len[r] > most)
            most = (long)len[r];
    size_t rec = 3 * (size_t)most + 1;
    double *flat = calloc((size_t)reps * rec, sizeof *flat); /* the padding sent is zeros */
    if (!flat)
        diag_set(d, DIAG_RUNTIME, "out of memory gathering %d replications of up to %ld purchases", reps, most);
    for (int r = 0; r < reps && flat && !d->status; r++)
        if ((r < lo || r >= hi) && !(buf[r].tx = malloc(((size_t)len[r] + 1) * sizeof *buf[r].tx)))
            diag_set(d, DIAG_RUNTIME, "out of memory gathering %d replications of up to %ld purchases", reps,
                     most);
    if (dist_agree(d)) {
        free(flat);
        free(len);
        return d->status;
    }
    for (long r = lo; r < hi; r++) {
        double *x = flat + (size_t)r * rec;
        long cust = 0;
        for (long i = 0; i < buf[r].n; i++) {
            cust += i > 0 && buf[r].tx[i].id != buf[r].tx[i - 1].id;
            x[3 * i] = (double)cust;
            x[3 * i + 1] = buf[r].tx[i].day;
            x[3 * i + 2] = buf[r].tx[i].bill;
        }
    }
    int status = dist_allgather(flat, reps, rec, d);
    for (int r = 0; r < reps && !status; r++) {
        if (r >= lo && r < hi)
            continue;
        const double *x = flat + (size_t)r * rec;
        buf[r].n = buf[r].cap = (long)len[r];
        for (long i = 0; i < buf[r].n; i++)
            buf[r].tx[i] = (calib_tx){ (uint64_t)x[3 * i], i, (int)x[3 * i + 1], x[3 * i + 2] };
    }
    free(flat);
    free(len);
    return status;
}

int calib_simulate(const engine *e, uint64_t seed, int reps, int threads, translog **out, diag *d)
{
    *out = NULL;
    calib_rep *buf = calloc((size_t)reps, sizeof *buf);
    diag *rd = calloc((size_t)reps, sizeof *rd);
    int *st = calloc((size_t)reps, sizeof *st);
    if (!buf || !rd || !st) {
        free(buf);
        free(rd);
        free(st);
        return diag_set(d, DIAG_RUNTIME, "out of memory");
    }
    /* each replication into its own buffer, pooled in replication order
     * below: the same log for any thread count; under MPI this rank's
     * share, then exchanged */
    long lo, hi;
    dist_share(reps, &lo, &hi);
    int first = (int)lo, last = (int)hi;
#pragma omp parallel for schedule(dynamic) num_threads(threads > 0 ? threads : omp_get_max_threads())
    for (int r = first; r < last; r++)
        st[r] = calib_simulate_rep(e, seed, r, &buf[r], &rd[r]);
    int status = 0;
    for (int r = first; r < last && !status; r++)
        if (st[r]) {
            *d = rd[r];
            status = st[r];
        }
    if (dist_workers() > 1)
        status = exchange(buf, reps, d);
    if (!status)
        status = calib_pool(buf, reps, out, d);
    for (int r = 0; r < reps; r++)
        free(buf[r].tx);
    free(buf);
    free(rd);
    free(st);
    return status;
}

int calib_pool(const calib_rep *buf, int reps, translog **out, diag *d)
{
    *out = NULL;
    int status = 0;
    translog *t = NULL;
    long ntx = 0;
    for (int r = 0; r < reps; r++)
        ntx += buf[r].n;
    if (!status && !(t = calloc(1, sizeof *t)))
        status = diag_set(d, DIAG_RUNTIME, "out of memory");
    if (!status) {
        t->first = malloc(((size_t)ntx + 1) * sizeof *t->first);
        t->day = malloc(((size_t)ntx + 1) * sizeof *t->day);
        t->amount = malloc(((size_t)ntx + 1) * sizeof *t->amount);
        if (!t->first || !t->day || !t->amount)
            status = diag_set(d, DIAG_RUNTIME, "out of memory");
    }
    if (!status) {
        int nc = 0, nt = 0;
        t->min_day = 0;
        t->max_day = 0;
        for (int r = 0; r < reps; r++)
            for (long i = 0; i < buf[r].n; i++) {
                const calib_tx *x = &buf[r].tx[i];
                int new_cust = i == 0 || x->id != buf[r].tx[i - 1].id;
                if (new_cust)
                    t->first[nc++] = nt;
                /* several purchases by one customer on one day are one
                 * transaction, as fit/translog.c merges them in a log */
                if (!new_cust && t->day[nt - 1] == x->day)
                    t->amount[nt - 1] += x->bill;
                else {
                    t->day[nt] = x->day;
                    t->amount[nt] = x->bill;
                    if (x->day > t->max_day)
                        t->max_day = x->day;
                    nt++;
                }
            }
        t->first[nc] = nt;
        t->ncust = nc;
        t->ntx = nt;
        t->rows = nt;
        *out = t;
    } else
        translog_free(t);
    return status;
}

/* ---- the objective ---- */

#define CALIB_SET_TEXT 220   /* "section.key=value" of one free key */

/* The overrides of a simulation at theta: the problem's own, then each
 * free key at its value (val holds the texts); returns their count. */
static int sets_at(const calib_problem *p, const double *theta, const char **sets,
                   char val[][CALIB_SET_TEXT])
{
    int n = 0;
    for (int i = 0; i < p->nsets; i++)
        sets[n++] = p->sets[i];
    for (int k = 0; k < p->nfree; k++) {
        snprintf(val[k], CALIB_SET_TEXT, "%s=%.17g", p->key[k].name, theta[k]);
        sets[n++] = val[k];
    }
    return n;
}

int calib_moments_at(calib_problem *p, const double *theta, moments *m, diag *d)
{
    const char *sets[CALIB_MAX_SETS + CALIB_MAX_FREE];
    char val[CALIB_MAX_FREE][CALIB_SET_TEXT];
    int n = sets_at(p, theta, sets, val);
    scenario *sc;
    engine *e = engine_load(p->path, sets, n, &sc, d);
    if (!e)
        return d->status;
    translog *t = NULL;
    int status = calib_simulate(e, p->o.seed, p->o.reps, p->o.threads, &t, d);
    if (!status)
        moments_compute(t, NULL, 0, 0, p->horizon - 1, m);
    translog_free(t);
    engine_free(e);
    scen_free(sc);
    p->evals++;
    return status;
}

static double distance(const calib_problem *p, const moments *m)
{
    double diff[MOM_MATCH_MAX];
    for (int i = 0; i < p->nuse; i++)
        diff[i] = m->v[p->use[i]] - p->mdata.v[p->use[i]];
    double q = 0;
    for (int i = 0; i < p->nuse; i++)
        for (int j = 0; j < p->nuse; j++)
            q += diff[i] * p->W[i * p->nuse + j] * diff[j];
    return q;
}

int calib_objective(calib_problem *p, const double *theta, double *q, moments *m, diag *d)
{
    moments tmp;
    if (!m)
        m = &tmp;
    if (calib_moments_at(p, theta, m, d))
        return d->status;
    *q = distance(p, m);
    return 0;
}

/* ---- setup ---- */

static int parse_bounds(const char *opt, const char *text, double *lo, double *hi, diag *d)
{
    char *end;
    errno = 0;
    *lo = strtod(text, &end);
    if (end == text || *end != ':' || errno || !isfinite(*lo))
        return diag_set(d, DIAG_USAGE, "--free %s: expected KEY=LOW:HIGH with two numbers (e.g. "
                                       "response.trap_low=-0.3:0)", opt);
    const char *h = end + 1;
    *hi = strtod(h, &end);
    if (end == h || *end || errno || !isfinite(*hi))
        return diag_set(d, DIAG_USAGE, "--free %s: expected KEY=LOW:HIGH with two numbers (e.g. "
                                       "response.trap_low=-0.3:0)", opt);
    if (!(*lo < *hi))
        return diag_set(d, DIAG_USAGE, "--free %s: LOW must be below HIGH", opt);
    return 0;
}

static int add_set(calib_problem *p, diag *d, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int add_set(calib_problem *p, diag *d, const char *fmt, ...)
{
    if (p->nsets >= CALIB_MAX_SETS)
        return diag_set(d, DIAG_USAGE, "too many --set and channels (at most %d)", CALIB_MAX_SETS);
    int i = p->nsets - p->nuser_sets;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->own[i], sizeof p->own[i], fmt, ap);
    va_end(ap);
    p->sets[p->nsets++] = p->own[i];
    return 0;
}

static int check_keys(calib_problem *p, const scenario *sc, char *const *spec, int nspec, diag *d)
{
    if (nspec < 1)
        return diag_set(d, DIAG_USAGE, "which keys? --free KEY,KEY,... (e.g. --free churn.mean,stickiness.max)");
    if (nspec > CALIB_MAX_FREE)
        return diag_set(d, DIAG_USAGE, "--free: at most %d keys (%d given)", CALIB_MAX_FREE, nspec);
    for (int i = 0; i < nspec; i++) {
        calib_key *k = &p->key[i];
        char name[400];
        snprintf(name, sizeof name, "%s", spec[i]);
        char *eq = strchr(name, '=');
        if (eq)
            *eq = '\0';
        if (strlen(name) >= sizeof k->name)
            return diag_set(d, DIAG_USAGE, "--free %.40s...: too long", name);
        const void *params;
        const scen_key *sk = scen_find_key(sc, name, "--free", &params, d);
        if (!sk)
            return d->status;
        for (char *c = name; *c; c++)
            *c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
        for (int j = 0; j < i; j++)
            if (!strcmp(p->key[j].name, name))
                return diag_set(d, DIAG_USAGE, "--free %s: named twice", name);
        if (sk->kind != KEY_REAL)
            return diag_set(d, DIAG_USAGE,
                            "--free %s: not a continuous number (it is a %s), so it cannot be fitted "
                            "by moments; set it with --set instead",
                            name, sk->kind == KEY_INT ? "whole number" : sk->kind == KEY_BOOL ? "true/false switch"
                                                  : sk->kind == KEY_CHOICE ? "choice" : "text");
        double cur = *(const double *)((const char *)params + sk->offset);
        if (!isfinite(cur))
            return diag_set(d, DIAG_USAGE, "--free %s: the scenario gives it no value; write one in the "
                                           "scenario or with --set %s=VALUE, to start from",
                            name, name);
        snprintf(k->name, sizeof k->name, "%.159s", name);
        k->key = sk;
        k->start = cur;
        double lo = sk->min, hi = sk->max;
        /* an open bound is not a value the key may take */
        double eps = 1e-6 * (hi - lo < 1 ? hi - lo : 1);
        if (sk->flags & KEY_MIN_OPEN)
            lo += eps;
        if (sk->flags & KEY_MAX_OPEN)
            hi -= eps;
        if (eq) {
            double ulo = 0, uhi = 0;
            if (parse_bounds(spec[i], eq + 1, &ulo, &uhi, d))
                return d->status;
            if (ulo < lo || uhi > hi) {
                char range[128];
                scen_key_range(sk, range, sizeof range);
                return diag_set(d, DIAG_USAGE, "--free %s: the bounds %g:%g leave the key's range (%s)",
                                spec[i], ulo, uhi, range);
            }
            lo = ulo;
            hi = uhi;
        } else if (hi - lo > CALIB_WIDE_RANGE) {
            return diag_set(d, DIAG_USAGE,
                            "--free %s: the key may take any value from %g to %g, too wide to search; "
                            "give bounds, e.g. --free %s=%g:%g",
                            name, sk->min, sk->max, name, cur - 1 - fabs(cur), cur + 1 + fabs(cur));
        }
        if (cur < lo || cur > hi)
            return diag_set(d, DIAG_USAGE,
                            "--free %s: the bounds %g:%g exclude the scenario's value %g; widen them, or "
                            "start inside with --set %s=VALUE",
                            spec[i], lo, hi, cur, name);
        k->lo = lo;
        k->hi = hi;
    }
    p->nfree = nspec;
    return 0;
}

int calib_matchable(const calib_problem *p, int m)
{
    return m < MOM_N || (p->o.recency && m >= MOM_RECENT && m < MOM_RECENT + 4)
           || (p->o.first_bill && m == MOM_LOW_FIRST);
}

/* Which moments the log is big enough for; names the others. */
static int choose_moments(calib_problem *p, diag *d)
{
    char dropped[1500] = "";
    size_t used = 0;
    p->nuse = 0;
    for (int i = 0; i < MOM_ALL; i++) {
        if (!calib_matchable(p, i))
            continue;
        if (p->mdata.support[i] >= MOM_MIN_SUPPORT && p->cov[i * MOM_ALL + i] > 0)
            p->use[p->nuse++] = i;
        else if (used < sizeof dropped)
            used += (size_t)snprintf(dropped + used, sizeof dropped - used, "%s%s (%ld)", used ? ", " : "",
                                     moments_name(i), p->mdata.support[i]);
    }
    if (p->nuse < p->nfree || p->nuse < 2)
        return diag_set(d, DIAG_USAGE,
                        "the log is too small for the moments: %d have at least %d customers (or gaps, "
                        "visits) behind them, for %d free keys; too few behind: %s. Use a longer or larger "
                        "log, or free fewer keys",
                        p->nuse, MOM_MIN_SUPPORT, p->nfree, dropped);
    return 0;
}

/* W = S^-1 over the matched moments, eigenvalues floored (calibrate.h). */
static int build_weights(calib_problem *p, diag *d)
{
    int n = p->nuse;
    gsl_matrix *S = gsl_matrix_alloc((size_t)n, (size_t)n), *V = gsl_matrix_alloc((size_t)n, (size_t)n);
    gsl_vector *ev = gsl_vector_alloc((size_t)n);
    gsl_eigen_symmv_workspace *ws = gsl_eigen_symmv_alloc((size_t)n);
    if (!S || !V || !ev || !ws) {
        gsl_matrix_free(S);
        gsl_matrix_free(V);
        gsl_vector_free(ev);
        if (ws)
            gsl_eigen_symmv_free(ws);
        return diag_set(d, DIAG_RUNTIME, "out of memory");
    }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            gsl_matrix_set(S, (size_t)i, (size_t)j, p->cov[p->use[i] * MOM_ALL + p->use[j]]);
    gsl_eigen_symmv(S, ev, V, ws);
    double lmax = 0;
    for (int i = 0; i < n; i++)
        lmax = fmax(lmax, gsl_vector_get(ev, (size_t)i));
    p->regularised = 0;
    for (int i = 0; i < n; i++)
        if (gsl_vector_get(ev, (size_t)i) < CALIB_EIG_FLOOR * lmax) {
            gsl_vector_set(ev, (size_t)i, CALIB_EIG_FLOOR * lmax);
            p->regularised++;
        }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double w = 0, h = 0;
            for (int k = 0; k < n; k++) {
                double l = gsl_vector_get(ev, (size_t)k);
                double vv = gsl_matrix_get(V, (size_t)i, (size_t)k) * gsl_matrix_get(V, (size_t)j, (size_t)k);
                w += vv / l;
                h += vv / sqrt(l);
            }
            p->W[i * n + j] = w;
            p->Whalf[i * n + j] = h;
        }
    gsl_matrix_free(S);
    gsl_matrix_free(V);
    gsl_vector_free(ev);
    gsl_eigen_symmv_free(ws);
    return 0;
}

/* The simulation over the log's window, customers arriving over the span
 * of its first purchases, as many a replication as the log has. */
static int window_overrides(calib_problem *p, const scenario *sc, diag *d)
{
    if (p->horizon > 3650)
        return diag_set(d, DIAG_USAGE, "the log's calibration window is %d days; at most 3650 can be "
                                       "simulated (cut it with --holdout-from)", p->horizon);
    if (add_set(p, d, "scenario.horizon_days=%d", p->horizon))
        return d->status;
    int stop = (int)p->acq_days;
    if (stop < 1)
        stop = 1;
    int nch = scen_count(sc, &section_channel);
    for (int i = 0; i < nch; i++) {
        const char *label;
        scen_nth(sc, &section_channel, i, &label);
        if (add_set(p, d, "channel.%s.start_day=0", label) || add_set(p, d, "channel.%s.stop_day=%d", label, stop))
            return d->status;
    }
    /* the expected customers of one replication under these, then every
     * channel scaled to the log's count */
    scenario *s2;
    engine *e = engine_load(p->path, p->sets, p->nsets, &s2, d);
    if (!e)
        return d->status;
    double expected = engine_expected_customers(e);
    /* a customer model that can draw a customer from their history starts
     * calibrated.ini and the holdout from today's customers */
    const void *mparams;
    p->warm_start = engine_model(e, &mparams)->customer_from_history != NULL;
    engine_free(e);
    scen_free(s2);
    if (!(expected > 0))
        return diag_set(d, DIAG_USAGE, "%s brings no customers in (every channel has prospects_per_day = 0 "
                                       "or no conversion): nothing to compare with the log", p->path);
    p->scale = (double)p->mdata.ncust / expected;
    for (int i = 0; i < nch; i++) {
        const char *label;
        const channel_params *c = scen_nth(sc, &section_channel, i, &label);
        if (c->prospects_per_day > 0
            && add_set(p, d, "channel.%s.prospects_per_day=%.17g", label, c->prospects_per_day * p->scale))
            return d->status;
    }
    return 0;
}

int calib_setup(calib_problem *p, const char *path, const char *const *sets, int nsets,
                char *const *spec, int nspec, const translog *data, int w0, int w1,
                const calib_opts *o, diag *d)
{
    memset(p, 0, sizeof *p);
    p->path = path;
    p->o = *o;
    p->data = data;
    p->w0 = w0;
    p->w1 = w1;
    p->horizon = w1 - w0 + 1;
    if (nsets > CALIB_MAX_SETS / 2)
        return diag_set(d, DIAG_USAGE, "too many --set (at most %d with calibrate)", CALIB_MAX_SETS / 2);
    for (int i = 0; i < nsets; i++)
        p->sets[i] = sets[i];
    p->nuser_sets = p->nsets = nsets;
    scenario *sc = scen_load(path, sets, nsets, d);
    if (!sc)
        return d->status;
    int status = 0;
    if (scen_present(sc, &section_base))
        status = diag_set(d, DIAG_USAGE,
                          "%s starts from existing customers ([base]); calibrate fits a scenario of new "
                          "customers to a log (e.g. the scenario the what-ifs start from, before retsim fit)",
                          path);
    if (!status)
        status = check_keys(p, sc, spec, nspec, d);
    if (!status) {
        moments_compute(data, NULL, 0, w0, w1, &p->mdata);
        int last_first = w0;
        for (int c = 0; c < data->ncust; c++) {
            int a = data->first[c];
            while (a < data->first[c + 1] && data->day[a] < w0)
                a++;
            if (a < data->first[c + 1] && data->day[a] <= w1 && data->day[a] > last_first)
                last_first = data->day[a];
        }
        p->acq_days = last_first - w0 + 1;
        if (p->mdata.ncust < MOM_MIN_SUPPORT)
            status = diag_set(d, DIAG_USAGE, "the log has %ld customers in the calibration window; the moments "
                                             "need at least %d", p->mdata.ncust, MOM_MIN_SUPPORT);
    }
    if (!status && moments_bootstrap(data, w0, w1, o->bootstrap, o->seed, p->cov))
        status = diag_set(d, DIAG_RUNTIME, "out of memory");
    if (!status)
        status = choose_moments(p, d);
    if (!status)
        status = build_weights(p, d);
    if (!status)
        status = window_overrides(p, sc, d);
    scen_free(sc);
    return status;
}

/* ---- the optimiser ---- */

typedef struct nl_ctx {
    calib_problem *p;
    diag *d;
    int status;
    int start, nstarts;
    double best;
} nl_ctx;

static void to_theta(const calib_problem *p, const double *u, double *theta)
{
    for (int k = 0; k < p->nfree; k++)
        theta[k] = p->key[k].lo + u[k] * (p->key[k].hi - p->key[k].lo);
}

static double nl_objective(unsigned n, const double *u, double *grad, void *data)
{
    (void)n;
    (void)grad;
    nl_ctx *c = data;
    double theta[CALIB_MAX_FREE], q;
    to_theta(c->p, u, theta);
    diag dd = { 0 };
    int st = calib_objective(c->p, theta, &q, NULL, &dd);
    if (st == DIAG_USAGE) {
        /* a combination a scenario rule refuses (e.g. trap_low above
         * trap_high): outside the model, so worse than any fit */
        q = HUGE_VAL;
    } else if (st) {
        *c->d = dd;
        c->status = st;
        return HUGE_VAL;
    }
    if (q < c->best)
        c->best = q;
    if (c->p->o.progress && isatty(2)) {
        /* the carriage return outside the message: a catalogue holds no control characters */
        fputc('\r', stderr);
        fprintf(stderr, tr(lang_ui(), "  start %d/%d, evaluation %ld: objective %.4g (best %.4g)   "),
                c->start + 1, c->nstarts, c->p->evals, q, c->best);
    }
    return q;
}

/* Central differences of the simulated moments in the free keys, on the
 * same random numbers; one-sided at a bound. */
static int jacobian(calib_problem *p, const double *theta, double *G, diag *d)
{
    for (int k = 0; k < p->nfree; k++) {
        double h = CALIB_FD_STEP * (p->key[k].hi - p->key[k].lo);
        double tp[CALIB_MAX_FREE], tm[CALIB_MAX_FREE];
        memcpy(tp, theta, sizeof(double) * (size_t)p->nfree);
        memcpy(tm, theta, sizeof(double) * (size_t)p->nfree);
        tp[k] = fmin(theta[k] + h, p->key[k].hi);
        tm[k] = fmax(theta[k] - h, p->key[k].lo);
        moments mp, mm;
        if (calib_moments_at(p, tp, &mp, d) || calib_moments_at(p, tm, &mm, d))
            return d->status;
        for (int i = 0; i < p->nuse; i++)
            G[i * p->nfree + k] = (mp.v[p->use[i]] - mm.v[p->use[i]]) / (tp[k] - tm[k]);
    }
    return 0;
}

static int inference(calib_problem *p, calib_result *r, diag *d)
{
    int K = p->nfree, M = p->nuse;
    if (jacobian(p, r->theta, r->G, d))
        return d->status;
    double corr = 1.0 + 1.0 / p->o.reps;
    /* B = W^1/2 G D, D = diag(hi - lo): the moments' response, in data
     * standard errors, to each key crossing its whole range */
    gsl_matrix *B = gsl_matrix_alloc((size_t)M, (size_t)K), *V = gsl_matrix_alloc((size_t)K, (size_t)K);
    gsl_vector *s = gsl_vector_alloc((size_t)K), *work = gsl_vector_alloc((size_t)K);
    if (!B || !V || !s || !work) {
        gsl_matrix_free(B);
        gsl_matrix_free(V);
        gsl_vector_free(s);
        gsl_vector_free(work);
        return diag_set(d, DIAG_RUNTIME, "out of memory");
    }
    for (int i = 0; i < M; i++)
        for (int k = 0; k < K; k++) {
            double b = 0;
            for (int j = 0; j < M; j++)
                b += p->Whalf[i * M + j] * r->G[j * K + k];
            gsl_matrix_set(B, (size_t)i, (size_t)k, b * (p->key[k].hi - p->key[k].lo));
        }
    gsl_linalg_SV_decomp(B, V, s, work);
    double smax = gsl_vector_get(s, 0), smin = gsl_vector_get(s, (size_t)K - 1);
    r->condition = smin > 0 ? smax / smin : HUGE_VAL;
    for (int i = 0; i < K; i++) {
        r->sv[i] = gsl_vector_get(s, (size_t)i);
        for (int k = 0; k < K; k++)
            r->sv_vec[k * K + i] = gsl_matrix_get(V, (size_t)k, (size_t)i);
    }
    /* (G'WG)^-1 = D V diag(1/s^2) V' D; a direction with s = 0 (the
     * moments do not move at all) has no finite variance */
    double Ainv[CALIB_MAX_FREE * CALIB_MAX_FREE] = { 0 };
    int null_dir[CALIB_MAX_FREE] = { 0 };
    for (int i = 0; i < K; i++)
        null_dir[i] = !(r->sv[i] > 1e-12 * (smax > 0 ? smax : 1)) || smax <= 0;
    for (int a = 0; a < K; a++)
        for (int b = 0; b < K; b++) {
            double x = 0;
            for (int i = 0; i < K; i++)
                if (!null_dir[i])
                    x += r->sv_vec[a * K + i] * r->sv_vec[b * K + i] / (r->sv[i] * r->sv[i]);
            Ainv[a * K + b] = x * (p->key[a].hi - p->key[a].lo) * (p->key[b].hi - p->key[b].lo);
        }
    /* the sandwich's meat: G'W S W G, S unfloored (W may be floored) */
    double WG[MOM_MATCH_MAX * CALIB_MAX_FREE], meat[CALIB_MAX_FREE * CALIB_MAX_FREE];
    for (int i = 0; i < M; i++)
        for (int k = 0; k < K; k++) {
            double x = 0;
            for (int j = 0; j < M; j++)
                x += p->W[i * M + j] * r->G[j * K + k];
            WG[i * K + k] = x;
        }
    for (int a = 0; a < K; a++)
        for (int b = 0; b < K; b++) {
            double x = 0;
            for (int i = 0; i < M; i++)
                for (int j = 0; j < M; j++)
                    x += WG[i * K + a] * p->cov[p->use[i] * MOM_ALL + p->use[j]] * WG[j * K + b];
            meat[a * K + b] = x;
        }
    for (int a = 0; a < K; a++)
        for (int b = 0; b < K; b++) {
            double x = 0;
            for (int i = 0; i < K; i++)
                for (int j = 0; j < K; j++)
                    x += Ainv[a * K + i] * meat[i * K + j] * Ainv[j * K + b];
            r->cov_theta[a * K + b] = corr * x;
        }
    for (int k = 0; k < K; k++) {
        int in_null = 0;
        for (int i = 0; i < K; i++)
            if (null_dir[i] && fabs(r->sv_vec[k * K + i]) > 1e-6)
                in_null = 1;
        r->se[k] = in_null ? HUGE_VAL : sqrt(fmax(0, r->cov_theta[k * K + k]));
        r->determined[k] = isfinite(r->se[k]) && r->se[k] <= CALIB_DETERMINED * (p->key[k].hi - p->key[k].lo);
    }
    r->df = M - K;
    r->j = r->q / corr;
    r->j_p = r->df > 0 ? gsl_cdf_chisq_Q(r->j, r->df) : NAN;
    gsl_matrix_free(B);
    gsl_matrix_free(V);
    gsl_vector_free(s);
    gsl_vector_free(work);
    return 0;
}

int calib_run(calib_problem *p, calib_result *r, diag *d)
{
    memset(r, 0, sizeof *r);
    int K = p->nfree;
    int S = p->o.starts < 1 ? 1 : p->o.starts > 16 ? 16 : p->o.starts;
    gsl_qrng *q = gsl_qrng_alloc(gsl_qrng_sobol, (unsigned)K);
    if (!q)
        return diag_set(d, DIAG_RUNTIME, "out of memory");
    nl_ctx c = { p, d, 0, 0, S, HUGE_VAL };
    r->q = HUGE_VAL;
    double lb[CALIB_MAX_FREE], ub[CALIB_MAX_FREE];
    for (int k = 0; k < K; k++) {
        lb[k] = 0;
        ub[k] = 1;
    }
    for (int s = 0; s < S && !c.status; s++) {
        double u[CALIB_MAX_FREE];
        if (s == 0)
            for (int k = 0; k < K; k++)
                u[k] = (p->key[k].start - p->key[k].lo) / (p->key[k].hi - p->key[k].lo);
        else {
            /* spread points: Sobol's sequence, kept off the edges */
            double x[CALIB_MAX_FREE];
            gsl_qrng_get(q, x);
            for (int k = 0; k < K; k++)
                u[k] = 0.1 + 0.8 * x[k];
        }
        nlopt_opt opt = nlopt_create(p->o.algorithm ? NLOPT_LN_BOBYQA : NLOPT_LN_SBPLX, (unsigned)K);
        if (!opt) {
            gsl_qrng_free(q);
            return diag_set(d, DIAG_RUNTIME, "out of memory");
        }
        c.start = s;
        c.best = HUGE_VAL;
        nlopt_set_lower_bounds(opt, lb);
        nlopt_set_upper_bounds(opt, ub);
        nlopt_set_min_objective(opt, nl_objective, &c);
        nlopt_set_xtol_abs1(opt, 2e-3);
        nlopt_set_ftol_abs(opt, 1e-2);
        nlopt_set_maxeval(opt, p->o.max_evals);
        nlopt_set_initial_step1(opt, 0.1);
        double fval = HUGE_VAL;
        long before = p->evals;
        nlopt_result res = nlopt_optimize(opt, u, &fval);
        nlopt_destroy(opt);
        if (c.status)
            break;
        to_theta(p, u, r->start_theta[s]);
        r->start_q[s] = fval;
        if (p->o.progress) {
            if (isatty(2))
                fputc('\n', stderr);
            fprintf(stderr, tr(lang_ui(), "retsim: start %d/%d: objective %.4g after %ld evaluations%s\n"), s + 1, S,
                    fval, p->evals - before,
                    res == NLOPT_MAXEVAL_REACHED ? tr(lang_ui(), " (evaluation cap reached)") : "");
        }
        if (res < 0 && res != NLOPT_ROUNDOFF_LIMITED && !isfinite(fval))
            continue;
        if (fval < r->q) {
            r->q = fval;
            memcpy(r->theta, r->start_theta[s], sizeof(double) * (size_t)K);
        }
    }
    r->nstarts = S;
    gsl_qrng_free(q);
    if (c.status)
        return c.status;
    if (!isfinite(r->q))
        return diag_set(d, DIAG_RUNTIME, "the optimiser found no admissible point from %d starts", S);
    if (calib_objective(p, r->theta, &r->q, &r->msim, d) || inference(p, r, d))
        return d->status;
    return p->hold_end > p->w1 ? calib_holdout(p, r, d) : 0;
}

/* The earlier forecast: the window re-simulated with new customers and run
 * on to the holdout's end; their purchases after the window, scaled to the
 * log's customer count. */
static int holdout_new_customers(calib_problem *p, calib_result *r, diag *d)
{
    /* the simulation at the estimates, run on to the holdout's end */
    const char *sets[CALIB_MAX_SETS + CALIB_MAX_FREE + 1];
    char val[CALIB_MAX_FREE][CALIB_SET_TEXT], hz[64];
    int n = sets_at(p, r->theta, sets, val);
    snprintf(hz, sizeof hz, "scenario.horizon_days=%d", p->hold_end - p->w0 + 1);
    sets[n++] = hz;
    scenario *sc;
    engine *e = engine_load(p->path, sets, n, &sc, d);
    if (!e)
        return d->status;
    int R = p->o.reps, status = 0;
    double *per = calloc((size_t)R, sizeof *per);
    if (!per)
        status = diag_set(d, DIAG_RUNTIME, "out of memory");
    int cut = p->w1 - p->w0; /* the window's last simulated day */
    /* under MPI each rank its share of the replications, gathered below */
    long lo = 0, hi = R;
    dist_share(R, &lo, &hi);
    for (int rep = (int)lo; rep < hi && !status; rep++) {
        calib_rep b = { 0 };
        status = calib_simulate_rep(e, p->o.seed, rep, &b, d);
        long cust = 0, hold = 0;
        for (long i = 0; !status && i < b.n; i++) {
            int new_cust = i == 0 || b.tx[i].id != b.tx[i - 1].id;
            cust += new_cust;
            /* one visit a day, as the log merges them */
            if (b.tx[i].day > cut && (new_cust || b.tx[i].day != b.tx[i - 1].day))
                hold++;
        }
        /* as many customers as the log: the replication's count rescaled */
        per[rep] = cust ? (double)hold * (double)p->mdata.ncust / (double)cust : 0;
        free(b.tx);
    }
    if (!dist_agree(d))
        status = dist_allgather(per, R, 1, d);
    else
        status = d->status;
    if (!status) {
        double m = 0, v = 0;
        for (int i = 0; i < R; i++)
            m += per[i] / R;
        for (int i = 0; i < R; i++)
            v += (per[i] - m) * (per[i] - m);
        r->holdout_new_sim = m;
        r->holdout_new_sim_se = R > 1 ? sqrt(v / (R - 1) / R) : NAN;
    }
    free(per);
    engine_free(e);
    scen_free(sc);
    return status;
}

int calib_group(int x)
{
    return x < 0 ? 0 : x >= CALIB_GROUPS - 1 ? CALIB_GROUPS - 1 : x;
}

int calib_history(const translog *t, int w0, int w1, base_customers *b, diag *d)
{
    memset(b, 0, sizeof *b);
    snprintf(b->path, sizeof b->path, "%s", "(the log)");
    b->h = malloc(((size_t)t->ncust + 1) * sizeof *b->h);
    if (!b->h)
        return diag_set(d, DIAG_RUNTIME, "out of memory");
    for (int c = 0; c < t->ncust; c++) {
        int a = t->first[c], e = t->first[c + 1];
        while (a < e && t->day[a] < w0)
            a++;
        if (a == e || t->day[a] > w1)
            continue;
        int x = 0, last = t->day[a];
        double repeat = 0;
        for (int j = a + 1; j < e && t->day[j] <= w1; j++) {
            x++;
            repeat += t->amount[j];
            last = t->day[j];
        }
        b->h[b->n++] = (customer_history){ x, (double)(last - t->day[a]), (double)(w1 - t->day[a]),
                                           x ? repeat / x : 0.0 };
    }
    return 0;
}

typedef struct forward_count {
    double *purchases;
    int *last_day;
    int nrows;
} forward_count;

static void count_base_purchase(void *ctx, uint64_t customer, double day, double bill, int group)
{
    (void)bill;
    (void)group;
    forward_count *f = ctx;
    if (!(customer >> 63))
        return;   /* a new customer */
    uint64_t row = customer & ~(1ull << 63);
    int whole = (int)floor(day);
    if (row >= (uint64_t)f->nrows || f->last_day[row] == whole)
        return;   /* one purchase a day, as a log merges them */
    f->last_day[row] = whole;
    f->purchases[row] += 1;
}

int calib_forward_rep(const engine *e, uint64_t seed, int rep, int nrows, double *purchases, diag *d)
{
    engine_work *w = engine_work_alloc(e);
    rep_result *out = rep_alloc(engine_horizon(e));
    forward_count f = { purchases, malloc(((size_t)nrows + 1) * sizeof(int)), nrows };
    int status = 0;
    if (!w || !out || !f.last_day)
        status = diag_set(d, DIAG_RUNTIME, "out of memory");
    if (!status) {
        for (int i = 0; i < nrows; i++) {
            purchases[i] = 0;
            f.last_day[i] = INT_MIN;
        }
        engine_work_observe(w, count_base_purchase, &f);
        status = engine_replicate(e, w, seed, rep, out, d);
    }
    free(f.last_day);
    rep_free(out);
    engine_work_free(w);
    return status;
}

int calib_holdout(calib_problem *p, calib_result *r, diag *d)
{
    r->holdout_warm = p->warm_start;
    /* the actual: purchases after the calibration window by customers first
     * seen in it, by their repeat purchases in it */
    const translog *t = p->data;
    r->holdout_days = p->hold_end - p->w1;
    r->holdout_actual = 0;
    memset(r->holdout_group_n, 0, sizeof r->holdout_group_n);
    memset(r->holdout_group_actual, 0, sizeof r->holdout_group_actual);
    for (int c = 0; c < t->ncust; c++) {
        int a = t->first[c], b = t->first[c + 1];
        while (a < b && t->day[a] < p->w0)
            a++;
        if (a == b || t->day[a] > p->w1)
            continue;
        int x = 0;
        long hold = 0;
        for (int j = a + 1; j < b; j++) {
            x += t->day[j] <= p->w1;
            hold += t->day[j] > p->w1 && t->day[j] <= p->hold_end;
        }
        r->holdout_actual += hold;
        r->holdout_group_n[calib_group(x)]++;
        r->holdout_group_actual[calib_group(x)] += hold;
    }

    for (int g = 0; g < CALIB_GROUPS; g++)
        r->holdout_group_sim[g] = r->holdout_group_se[g] = NAN;
    if (!p->warm_start) {
        /* a model that cannot start from history: the earlier forecast */
        int status = holdout_new_customers(p, r, d);
        r->holdout_sim = r->holdout_new_sim;
        r->holdout_sim_se = r->holdout_new_sim_se;
        return status;
    }
    /* today's customers: the scenario at the estimates from the log's
     * customers on the window's last day, over the holdout, no new ones */
    base_customers base;
    if (calib_history(t, p->w0, p->w1, &base, d))
        return d->status;
    int *group = malloc(((size_t)base.n + 1) * sizeof *group);
    if (!group) {
        free(base.h);
        return diag_set(d, DIAG_RUNTIME, "out of memory");
    }
    for (int i = 0; i < base.n; i++)
        group[i] = calib_group(base.h[i].repeat_purchases);
    const char *sets[CALIB_MAX_SETS + CALIB_MAX_FREE + 8 + 8];
    char val[CALIB_MAX_FREE][CALIB_SET_TEXT], hz[64], asof[64], none[8][200];
    int n = 0;
    for (int i = 0; i < p->nuser_sets; i++)
        sets[n++] = p->sets[i];
    for (int k = 0; k < p->nfree; k++) {
        snprintf(val[k], CALIB_SET_TEXT, "%s=%.17g", p->key[k].name, r->theta[k]);
        sets[n++] = val[k];
    }
    char date[16];
    int y, mo, dd;
    translog_civil_from_days(p->w1, &y, &mo, &dd);
    snprintf(date, sizeof date, "%04d-%02d-%02d", y, mo, dd);
    snprintf(hz, sizeof hz, "scenario.horizon_days=%d", r->holdout_days);
    snprintf(asof, sizeof asof, "base.as_of=%s", date);
    sets[n++] = hz;
    sets[n++] = "base.customers=(the log)";
    sets[n++] = asof;
    diag ld = { 0 };
    scenario *sc = scen_load(p->path, sets, n, &ld);
    int status = 0;
    if (!sc)
        status = (*d = ld, d->status);
    int nch = sc ? scen_count(sc, &section_channel) : 0;
    if (!status && nch > 8)
        status = diag_set(d, DIAG_USAGE, "%s: the holdout forecast handles at most 8 channels", p->path);
    for (int i = 0; !status && i < nch; i++) {
        const char *label;
        scen_nth(sc, &section_channel, i, &label);
        snprintf(none[i], sizeof none[i], "channel.%s.prospects_per_day=0", label);
        sets[n++] = none[i];
    }
    if (sc && !status) {
        scen_free(sc);
        sc = scen_load(p->path, sets, n, d);
        if (!sc)
            status = d->status;
    }
    engine *e = NULL;
    if (!status && !(e = engine_prepare_with_base(sc, &base, d)))
        status = d->status;
    int R = p->o.reps;
    size_t rec = CALIB_GROUPS + 1;
    double *per = calloc((size_t)R * rec, sizeof *per);
    double *bought = malloc(((size_t)base.n + 1) * sizeof *bought);
    if (!status && (!per || !bought))
        status = diag_set(d, DIAG_RUNTIME, "out of memory");
    long lo = 0, hi = R;
    dist_share(R, &lo, &hi);
    for (int rep = (int)lo; rep < hi && !status; rep++) {
        status = calib_forward_rep(e, p->o.seed, rep, base.n, bought, d);
        double *row = per + (size_t)rep * rec;
        for (int i = 0; !status && i < base.n; i++) {
            row[group[i]] += bought[i];
            row[CALIB_GROUPS] += bought[i];
        }
    }
    if (!dist_agree(d))
        status = dist_allgather(per, R, rec, d);
    else
        status = d->status;
    if (!status) {
        for (size_t g = 0; g < rec; g++) {
            double m = 0, v = 0;
            for (int i = 0; i < R; i++)
                m += per[(size_t)i * rec + g] / R;
            for (int i = 0; i < R; i++)
                v += (per[(size_t)i * rec + g] - m) * (per[(size_t)i * rec + g] - m);
            double se = R > 1 ? sqrt(v / (R - 1) / R) : NAN;
            if (g == CALIB_GROUPS) {
                r->holdout_sim = m;
                r->holdout_sim_se = se;
            } else {
                r->holdout_group_sim[g] = m;
                r->holdout_group_se[g] = se;
            }
        }
    }
    free(per);
    free(bought);
    free(group);
    engine_free(e);
    scen_free(sc);
    free(base.h);
    return status ? status : holdout_new_customers(p, r, d);
}
