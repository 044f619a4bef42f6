/* The Pareto/NBD customer with Gamma-Gamma spend (Schmittlein, Morrison and
 * Colombo 1987, "Counting your customers: who are they and what will they
 * do next?"; Fader, Hardie and Lee 2005, "A note on implementing the
 * Pareto/NBD model in MATLAB"; fitted by fit/pnbd.c).
 *
 *   while alive, a customer buys as a Poisson process of rate lambda
 *   (purchases per period), lambda ~ Gamma(shape r, rate alpha);
 *   the customer's lifetime from the first purchase is exponential of rate
 *   mu (deaths per period), mu ~ Gamma(shape s, rate beta);
 *   each purchase is worth Gamma(shape p_gg, rate nu), nu ~ Gamma(shape q,
 *   rate gamma) ([gamma_gamma], shared with the bgnbd model);
 *   lambda, mu and nu are independent.
 *
 * Time: lambda and mu are per period of period_days days, as the fit used.
 *
 * In the engine.  Death is in continuous time, the engine's dropout is a
 * chance at each purchase; the two agree because of the memoryless race of
 * two exponentials: from any purchase (alive), the next event, a purchase
 * (rate lambda) or death (rate mu), comes after Exp(lambda + mu), and it is
 * a purchase with probability lambda/(lambda + mu), independently of when.
 * So experience() sets churn = mu/(lambda + mu) at every purchase, the
 * first included, and draw_interval() gives Exp(rate (lambda + mu)/period_days)
 * days: the same purchase times as the continuous model.  E[X(t)], the
 * expected repeat purchases by t periods after the first, is
 *   r beta / (alpha (s-1)) [1 - (beta/(beta+t))^(s-1)]
 * (Schmittlein et al. 1987), which tests/test_purchase_models.c proves on
 * the engine.
 *
 * An existing customer (customer_from_history).  With x repeat purchases,
 * the last t_x and the first T periods before the as-of date, the
 * likelihood given lambda and mu is
 *   lambda^x e^(-(lambda+mu) T)                              alive at T
 *   + lambda^x int_{t_x}^{T} mu e^(-(lambda+mu) tau) dtau    died at tau in (t_x, T].
 * The first term times the Gamma priors is conjugate: given alive,
 *   lambda ~ Gamma(r+x, rate alpha+T),  mu ~ Gamma(s, rate beta+T), independent,
 * and its weight against the second's gives
 *   P(alive) = 1 / (1 + s (alpha+T)^(r+x) (beta+T)^s I),
 *   I = int_{t_x}^{T} (alpha+tau)^-(r+x) (beta+tau)^-(s+1) dtau
 * (fit/pnbd.c derives it).  fit/pnbd.c computes it through Gauss's 2F1
 * series; models/ does not include fit/, so here I is integrated directly
 * (GSL's QNG, falling back to adaptive QAG), a second route the test
 * checks against the first.  The customer is drawn alive with that chance,
 * then lambda and mu; from the as-of date the next event is Exp(lambda+mu)
 * away (memoryless), a purchase with probability lambda/(lambda+mu) (then
 * *next_days is its time), else death (INFINITY).  A customer drawn dead
 * makes no more purchases; their state is filled from lambda ~ Gamma(r+x,
 * alpha+t_x), mu ~ Gamma(s+1, beta+t_x) (the posterior had they died at
 * t_x, an approximation nothing downstream uses but continuation's
 * report).  Spend: nu | x, zbar ~ Gamma(q + p_gg x, rate gamma + x zbar),
 * the Gamma-Gamma posterior (the prior for x = 0 or no known spend).
 *
 * No psychology, as in models/bgnbd.c: experience() gives no signal
 * (has_signal 0) and judges no visit worth less than it cost. */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#include "purchase_common.h"
#include "purchase_models.h"
#include "../sim/lang.h"
#include "../sim/model.h"

/* the slots of state: the mean gap to the next event in days, the chance
 * the next event is death, Gamma-Gamma's nu, the purchase and death rates
 * per period */
enum { ST_INTERVAL = PURCHASE_ST_INTERVAL, ST_DROPOUT = PURCHASE_ST_DROPOUT, ST_NU = PURCHASE_ST_NU,
       ST_LAMBDA, ST_MU, ST_SLOTS };

#define NO_CHOICES NULL

/* ---- [pareto_nbd] ---- */

/* Defaults: the CDNOW fit of Fader, Hardie and Lee (2005, the MATLAB note:
 * r 0.553, alpha 10.578, s 0.606, beta 11.669), in weeks. */
static const scen_key pareto_nbd_keys[] = {
    { "r", KEY_REAL, offsetof(pareto_nbd_params, r), 0.553, 0, 1e6, KEY_MIN_OPEN, "", NO_CHOICES,
      N_("Pareto/NBD: shape of the Gamma spread of purchase rates across customers (small = very unequal).") },
    { "alpha", KEY_REAL, offsetof(pareto_nbd_params, alpha), 10.578, 0, 1e9, KEY_MIN_OPEN,
      "periods", NO_CHOICES,
      N_("Pareto/NBD: rate parameter of that Gamma; the average customer buys r/alpha times per period while alive.") },
    { "s", KEY_REAL, offsetof(pareto_nbd_params, s), 0.606, 0, 1e6, KEY_MIN_OPEN, "", NO_CHOICES,
      N_("Pareto/NBD: shape of the Gamma spread of death rates mu across customers; a customer's lifetime is exponential with rate mu.") },
    { "beta", KEY_REAL, offsetof(pareto_nbd_params, beta), 11.669, 0, 1e9, KEY_MIN_OPEN,
      "periods", NO_CHOICES,
      N_("Pareto/NBD: rate parameter of the Gamma of death rates; the average death rate is s/beta per period.") },
    { "period_days", KEY_REAL, offsetof(pareto_nbd_params, period_days), 7, 0, 3650,
      KEY_MIN_OPEN, "days", NO_CHOICES,
      N_("The fit's unit of time in days (1 = days, 7 = weeks, 30.4375 = months): r/alpha and s/beta are per such period.") },
    { 0 }
};

const scen_section pareto_nbd_section_pareto_nbd = {
    "pareto_nbd",
    N_("Purchase and death rates of the fitted Pareto/NBD customer (pareto_nbd model); defaults: the CDNOW fit, in weeks."),
    sizeof(pareto_nbd_params), 1, pareto_nbd_keys, NULL
};

/* ---- the model ---- */

typedef struct pareto_nbd_model {
    gamma_gamma_params gg;  /* first: purchase_common.h */
    pareto_nbd_params pn;
} pareto_nbd_model;

static void *pareto_nbd_prepare(const scenario *sc, diag *d)
{
    return purchase_prepare(sc, d, sizeof(pareto_nbd_model), &pareto_nbd_section_pareto_nbd,
                            offsetof(pareto_nbd_model, pn), sizeof(pareto_nbd_params));
}

/* alpha/r periods, 1/E[lambda], the gap between purchases while alive, as
 * for the bgnbd model (E[1/(lambda+mu)] has no closed form worth the name
 * and is infinite for r + s <= 1) */
static double pareto_nbd_mean_interval(const void *params)
{
    const pareto_nbd_params *pn = &((const pareto_nbd_model *)params)->pn;
    return pn->alpha / pn->r * pn->period_days;
}

static void set_rates(const pareto_nbd_model *m, double *state, double lambda, double mu)
{
    double rate = lambda + mu;
    state[ST_LAMBDA] = lambda;
    state[ST_MU] = mu;
    state[ST_INTERVAL] = rate > 0 ? m->pn.period_days / rate : INFINITY;
    /* no event at all (both rates 0): never dies, never buys; call it churn 0 */
    state[ST_DROPOUT] = rate > 0 ? mu / rate : 0.0;
}

static void pareto_nbd_customer_init(const void *params, double *state, gsl_rng *r)
{
    const pareto_nbd_model *m = params;
    double lambda = gsl_ran_gamma(r, m->pn.r, 1.0 / m->pn.alpha);
    double mu = gsl_ran_gamma(r, m->pn.s, 1.0 / m->pn.beta);
    set_rates(m, state, lambda, mu);
    purchase_init_nu(m, state, r);
}

/* The hooks of purchase_common.c, with ST_DROPOUT = mu/(lambda+mu) and
 * ST_INTERVAL the mean of the Exp(lambda+mu) time to the next event:
 * experience() gives churn mu/(lambda+mu), the chance that the next event
 * is death; draw_interval() the time to the next event, for one that is a
 * purchase; the continuation is exact: after each purchase the customer
 * buys again with probability lambda/(lambda+mu), after an Exp(lambda+mu)
 * gap, E[exp(-delta X)] = 1 / (1 + delta mean); bills of mean p_gg / nu. */

/* ---- an existing customer ---- */

typedef struct i_par {
    double rx, s1, alpha, beta, t0;
} i_par;

/* (alpha+tau)^-(r+x) (beta+tau)^-(s+1) over its value at tau = t_x, in (0, 1] */
static double i_integrand(double tau, void *vp)
{
    const i_par *p = vp;
    return exp(-p->rx * log1p((tau - p->t0) / (p->alpha + p->t0))
               - p->s1 * log1p((tau - p->t0) / (p->beta + p->t0)));
}

/* log I (see the top of the file); NaN when the quadrature fails.  GSL's
 * error handler is off (cli/main.c), so failures come back as statuses. */
static double log_i(const pareto_nbd_params *pn, double x, double t_x, double T)
{
    i_par P = { pn->r + x, pn->s + 1, pn->alpha, pn->beta, t_x };
    gsl_function F = { i_integrand, &P };
    double res = NAN, err = 0;
    size_t neval;
    int st = gsl_integration_qng(&F, t_x, T, 0, 1e-10, &res, &err, &neval);
    if (st != GSL_SUCCESS) {
        gsl_integration_workspace *w = gsl_integration_workspace_alloc(1000);
        if (!w)
            return NAN;
        st = gsl_integration_qag(&F, t_x, T, 0, 1e-10, 1000, GSL_INTEG_GAUSS21, w, &res, &err);
        gsl_integration_workspace_free(w);
        if (st != GSL_SUCCESS && !(err <= 1e-6 * fabs(res)))
            return NAN;
    }
    if (!(res > 0))
        return NAN;
    return log(res) - (pn->r + x) * log(pn->alpha + t_x) - (pn->s + 1) * log(pn->beta + t_x);
}

static int pareto_nbd_from_history(const void *params, const customer_history *h, double *state,
                                   double *next_days, gsl_rng *r)
{
    const pareto_nbd_model *m = params;
    const pareto_nbd_params *pn = &m->pn;
    double x = h->repeat_purchases > 0 ? h->repeat_purchases : 0;
    double T = h->age / pn->period_days, t_x = x > 0 ? h->last_age / pn->period_days : 0;
    if (!(T > 0))
        T = 0;
    if (!(t_x > 0))
        t_x = 0;
    if (t_x > T)
        t_x = T;
    double p_alive = 1;
    if (T > t_x) {
        double li = log_i(pn, x, t_x, T);
        /* a failed quadrature (not seen in the tests) leaves the customer
         * alive: the conservative side, they may still buy */
        if (isfinite(li))
            p_alive = 1 / (1 + exp(log(pn->s) + (pn->r + x) * log(pn->alpha + T)
                                   + pn->s * log(pn->beta + T) + li));
    }
    int alive = gsl_rng_uniform(r) < p_alive;
    if (alive)
        set_rates(m, state, gsl_ran_gamma(r, pn->r + x, 1.0 / (pn->alpha + T)),
                  gsl_ran_gamma(r, pn->s, 1.0 / (pn->beta + T)));
    else
        set_rates(m, state, gsl_ran_gamma(r, pn->r + x, 1.0 / (pn->alpha + t_x)),
                  gsl_ran_gamma(r, pn->s + 1, 1.0 / (pn->beta + t_x)));
    double zsum = x > 0 && h->mean_spend > 0 ? x * h->mean_spend : 0;
    state[ST_NU] = purchase_posterior_nu(m, zsum > 0 ? x : 0, zsum, r);
    *next_days = INFINITY;
    if (alive) {
        /* the race from the as-of date: an event after Exp(lambda+mu), a
         * purchase with probability lambda/(lambda+mu) */
        double gap = purchase_draw_interval(params, state, r);
        if (gsl_rng_uniform(r) >= state[ST_DROPOUT])
            *next_days = gap;
    }
    return alive;
}

static const scen_section *const pareto_nbd_sections[] = {
    &pareto_nbd_section_pareto_nbd, &bgnbd_section_gamma_gamma, NULL
};

const model_type model_pareto_nbd = {
    "pareto_nbd",
    "Fitted Pareto/NBD customer with Gamma-Gamma spend (non-contractual): Poisson purchases while alive, "
    "an exponential lifetime; no satisfaction.",
    pareto_nbd_sections, pareto_nbd_prepare, purchase_release, purchase_mean_bill,
    pareto_nbd_mean_interval, pareto_nbd_customer_init, purchase_draw_bill,
    purchase_experience_dropout, purchase_draw_interval, NULL, purchase_continuation, NULL,
    pareto_nbd_from_history, .state_slots = ST_SLOTS
};
