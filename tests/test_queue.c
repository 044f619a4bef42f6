/* The queue ([capacity], sim/queue.c): Erlang C against closed forms and
 * textbook values, the day's wait, the balking curve, balking in the engine
 * against the curve at fixed waits, ample capacity changing nothing, and
 * the crowd a promotion draws paying at the queue. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/metrics.h"
#include "../present/explain.h"
#include "../sim/queue.h"
#include "util.h"

/* Erlang C by its textbook closed form (Kleinrock 1975, eq. 3.40):
 * C = a^c / (c! (1 - rho)) / (sum_{k<c} a^k / k! + a^c / (c! (1 - rho))),
 * in logs so that c = 60 does not overflow. */
static double erlang_c_closed(int c, double a)
{
    double rho = a / c, sum = 0, term = 1;  /* term = a^k / k! */
    for (int k = 0; k < c; k++) {
        sum += term;
        term *= a / (k + 1);
    }
    double top = term / (1 - rho);
    return top / (sum + top);
}

static capacity_params cap(int servers, double service_minutes, double open_hours)
{
    capacity_params p = { servers, service_minutes, open_hours, 0, 0.15, 0.55, 0, 5 };
    return p;
}

Test(queue, mm1_is_rho_over_mu_minus_lambda)
{
    /* M/M/1: P(wait) = rho, Wq = rho / (mu - lambda) */
    static const double lambdas[] = { 0.1, 0.5, 0.9, 0.99 };
    for (int i = 0; i < 4; i++) {
        double l = lambdas[i], mu = 1.0;
        cr_expect_float_eq(queue_erlang_c(1, l / mu), l / mu, 1e-12, "C(1, %g)", l);
        cr_expect_float_eq(queue_mmc_wait(1, l, mu), (l / mu) / (mu - l), 1e-9 * (1 + l / (mu - l)),
                           "Wq of M/M/1 at lambda %g", l);
    }
    /* the textbook case: a = 2 customers an hour, served at 3 an hour:
     * Wq = (2/3) / (3 - 2) hours = 40 minutes */
    cr_expect_float_eq(queue_mmc_wait(1, 2.0 / 60, 3.0 / 60), 40.0, 1e-9);
}

Test(queue, mm2_and_mm3_textbook_values)
{
    /* M/M/2, lambda = mu = 1 (rho = 1/2): P0 = 1/3, C = 1/3, Wq = 1/3;
     * also rho^2 / (mu (1 - rho^2)), M/M/2's own closed form */
    cr_expect_float_eq(queue_erlang_c(2, 1.0), 1.0 / 3, 1e-12);
    cr_expect_float_eq(queue_mmc_wait(2, 1.0, 1.0), 1.0 / 3, 1e-12);
    for (double rho = 0.05; rho < 1; rho += 0.1)
        cr_expect_float_eq(queue_mmc_wait(2, 2 * rho, 1.0), rho * rho / (1 - rho * rho), 1e-10,
                           "M/M/2 at rho %g", rho);
    /* M/M/3, a = 2: P0^-1 = 1 + 2 + 2 + (8/6) / (1/3) = 9, C = 4/9 */
    cr_expect_float_eq(queue_erlang_c(3, 2.0), 4.0 / 9, 1e-12);
    cr_expect_float_eq(queue_mmc_wait(3, 2.0, 1.0), 4.0 / 9, 1e-12);
}

Test(queue, erlang_c_matches_the_closed_form_for_many_servers)
{
    for (int c = 1; c <= 60; c++)
        for (double rho = 0.05; rho < 0.999; rho += 0.07) {
            double a = rho * c;
            cr_expect_float_eq(queue_erlang_c(c, a), erlang_c_closed(c, a), 1e-10,
                               "C(%d, %g)", c, a);
        }
    /* the recursion stays finite where factorials overflow */
    double big = queue_erlang_c(5000, 4900);
    cr_expect(big > 0 && big < 1, "C(5000, 4900) = %g", big);
    cr_expect_eq(queue_erlang_c(3, 3.0), 1.0);
    cr_expect(isinf(queue_mmc_wait(3, 3.0, 1.0)));
    cr_expect_eq(queue_mmc_wait(3, 0.0, 1.0), 0.0);
}

Test(queue, the_day_wait_is_erlang_at_light_load_and_a_growing_queue_when_overloaded)
{
    capacity_params p = cap(10, 60, 4);   /* capacity: 10 / 60 a minute, 40 services over 240 minutes */
    double T = 240, cmu = 10.0 / 60;
    /* light load: the stationary wait */
    double l = 0.5 * cmu;
    cr_expect_float_eq(queue_open_wait(&p, l), queue_mmc_wait(10, l, 1.0 / 60), 1e-12);
    /* overload: fluid growth plus its diffusion */
    double diffusion = (4.0 / 3.0) * sqrt(T / (M_PI * cmu));
    for (double rho = 1.0; rho <= 1.8; rho += 0.2)
        cr_expect_float_eq(queue_open_wait(&p, rho * cmu), (rho - 1) * T / 2 + diffusion, 1e-9,
                           "rho %g", rho);
    /* continuous and increasing through rho = 1, capped at the day */
    double prev = 0;
    for (double rho = 0.001; rho < 5; rho += 0.001) {
        double w = queue_open_wait(&p, rho * cmu);
        cr_assert(w >= prev, "the wait falls from %g to %g at rho %g", prev, w, rho);
        cr_assert(w - prev < 0.5, "the wait jumps from %g to %g at rho %g", prev, w, rho);
        prev = w;
    }
    cr_expect_float_eq(queue_open_wait(&p, 10 * cmu), T, 1e-12);
}

Test(queue, balking_curve_has_the_seeds_shape)
{
    capacity_params p = cap(10, 60, 4);
    cr_expect_eq(queue_balk(&p, 0), 0.0);
    cr_expect_eq(queue_balk(&p, 5), 0.0);       /* nobody leaves below 10 minutes */
    cr_expect_eq(queue_balk(&p, 10), 0.0);
    cr_expect_float_eq(queue_balk(&p, 15), 0.075, 1e-12);
    cr_expect_float_eq(queue_balk(&p, 20), 0.15, 1e-12);
    cr_expect_float_eq(queue_balk(&p, 25), 0.35, 1e-12);   /* climbs fast past 20 */
    cr_expect(queue_balk(&p, 30) > 0.5);                     /* more leave than join */
    cr_expect_float_eq(queue_balk(&p, 35), 0.75, 1e-12);
    cr_expect_eq(queue_balk(&p, 60), 1.0);
    /* the 20-30 slope is steeper than the 10-20 one */
    cr_expect(queue_balk(&p, 30) - queue_balk(&p, 20) > 2 * (queue_balk(&p, 20) - queue_balk(&p, 10)));
}

Test(queue, the_day_wait_is_the_fixed_point_of_balking)
{
    capacity_params p = cap(10, 60, 4);
    static const double demands[] = { 10, 38, 45, 60, 120, 400 };
    for (int i = 0; i < 6; i++) {
        double b;
        double w = queue_day_wait(&p, demands[i], &b);
        double lambda = demands[i] / 240.0;
        cr_expect_float_eq(b, queue_balk(&p, w), 1e-12);
        cr_expect_float_eq(queue_open_wait(&p, lambda * (1 - b)), w, 1e-6 * (1 + w),
                           "demand %g: W = %g, but W(lambda (1 - b)) = %g", demands[i], w,
                           queue_open_wait(&p, lambda * (1 - b)));
        cr_expect(w <= queue_open_wait(&p, lambda) + 1e-12, "balking lengthened the queue");
        /* the seed's "more leave than join" caps the wait near 30 minutes */
        cr_expect(w < 45, "demand %g: a wait of %g minutes", demands[i], w);
    }
    double b;
    cr_expect_eq(queue_day_wait(&p, 0, &b), 0.0);
    cr_expect_eq(b, 0.0);
}

/* ---- in the engine ---- */

static scenario *load_with(const char *path, const char *const *sets, int n)
{
    diag d = { 0 };
    scenario *sc = scen_load(path, sets, n, &d);
    cr_assert(sc != NULL, "%s: %s", path, d.msg);
    return sc;
}

/* Arrivals and balks over reps replications with every day's wait fixed. */
static void balks_at(const scenario *sc, double wait, int reps, double *balked, double *arrivals)
{
    diag d = { 0 };
    engine *e = engine_prepare(sc, &d);
    cr_assert(e != NULL, "engine_prepare: %s", d.msg);
    engine_fix_wait(e, wait);
    engine_work *w = engine_work_alloc(e);
    rep_result *out = rep_alloc(engine_horizon(e));
    cr_assert(w && out);
    *balked = *arrivals = 0;
    for (int r = 0; r < reps; r++) {
        cr_assert(engine_replicate(e, w, 11, r, out, &d) == 0, "%s", d.msg);
        *balked += out->metric[MET_BALKED];
        *arrivals += out->metric[MET_BALKED] + out->metric[MET_VISITS];
        cr_assert_float_eq(out->metric[MET_QUEUE_WAIT], wait, 1e-12);
    }
    rep_free(out);
    engine_work_free(w);
    engine_free(e);
}

Test(queue, balking_in_the_engine_matches_the_curve_at_fixed_waits)
{
    static const char *const sets[] = { "capacity.servers=10", "scenario.horizon_days=365" };
    scenario *sc = load_with("scenarios/restaurant.ini", sets, 2);
    capacity_params p = *(const capacity_params *)scen_get(sc, &section_capacity);
    static const double waits[] = { 5, 15, 25, 35 };
    for (int i = 0; i < 4; i++) {
        double balked, arrivals;
        balks_at(sc, waits[i], 4, &balked, &arrivals);
        double want = queue_balk(&p, waits[i]);
        double share = balked / arrivals;
        /* each arrival's draw is its own stream: a binomial share */
        double se = sqrt(want * (1 - want) / arrivals);
        cr_assert(arrivals > 2000, "only %g arrivals", arrivals);
        if (want == 0)
            cr_expect_eq(balked, 0.0, "%g balked at a %g-minute wait", balked, waits[i]);
        else
            cr_expect(fabs(share - want) <= 4 * se,
                      "at %g minutes %.4f balked (%g of %g); the curve says %.4f (se %.4f)",
                      waits[i], share, balked, arrivals, want, se);
    }
    scen_free(sc);
}

/* Every output of one replication, bit for bit, but the queue's own. */
static void expect_same_replication(const rep_result *a, const rep_result *b, int rep)
{
    for (int m = 0; m < MET_COUNT; m++) {
        if (metric_table[m].optional)
            continue;
        cr_expect(!memcmp(&a->metric[m], &b->metric[m], sizeof(double)),
                  "replication %d: %s is %.17g without [capacity], %.17g with ample capacity", rep,
                  metric_table[m].name, a->metric[m], b->metric[m]);
    }
    for (int c = 0; c < CUR_COUNT; c++)
        cr_expect(!memcmp(a->curve[c], b->curve[c], ((size_t)a->horizon + 1) * sizeof(double)),
                  "replication %d: curve %s differs", rep, curve_table[c].name);
    cr_expect(!memcmp(a->cohort, b->cohort, sizeof a->cohort), "replication %d: cohorts differ", rep);
    cr_expect(!memcmp(a->rfm, b->rfm, sizeof a->rfm), "replication %d: RFM differs", rep);
    cr_expect(!memcmp(a->clv_quantile, b->clv_quantile, sizeof a->clv_quantile),
              "replication %d: CLV quantiles differ", rep);
    cr_expect(!memcmp(a->frequency, b->frequency, sizeof a->frequency),
              "replication %d: frequencies differ", rep);
}

/* s1 is s0 with a [capacity] far above its demand: a wait of seconds at
 * most, below wait_minutes_accepted and the first balking knot. */
static void expect_ample_capacity_changes_nothing(scenario *s0, scenario *s1, int some_wait)
{
    diag d = { 0 };
    engine *e0 = engine_prepare(s0, &d), *e1 = engine_prepare(s1, &d);
    cr_assert(e0 && e1, "%s", d.msg);
    /* one engine path for both, as retsim compare does: without [capacity]
     * the engine might run customer by customer, whose sums differ from the
     * calendar's in their last bits */
    engine *pair[2] = { e0, e1 };
    engine_same_path(pair, 2);
    engine_work *w0 = engine_work_alloc(e0), *w1 = engine_work_alloc(e1);
    rep_result *r0 = rep_alloc(engine_horizon(e0)), *r1 = rep_alloc(engine_horizon(e1));
    cr_assert(w0 && w1 && r0 && r1);
    for (int rep = 0; rep < 3; rep++) {
        cr_assert(engine_replicate(e0, w0, 5, rep, r0, &d) == 0, "%s", d.msg);
        cr_assert(engine_replicate(e1, w1, 5, rep, r1, &d) == 0, "%s", d.msg);
        cr_assert(r0->metric[MET_VISITS] > 100, "only %g visits", r0->metric[MET_VISITS]);
        expect_same_replication(r0, r1, rep);
        cr_expect(isnan(r0->metric[MET_QUEUE_WAIT]) && isnan(r0->metric[MET_BALKED])
                      && isnan(r0->metric[MET_BALK_SHARE]),
                  "queue metrics without [capacity]");
        cr_expect_eq(r1->metric[MET_BALKED], 0.0);
        /* Erlang C underflows to 0 at 2000 servers */
        cr_expect((some_wait ? r1->metric[MET_QUEUE_WAIT] > 0 : r1->metric[MET_QUEUE_WAIT] >= 0)
                      && r1->metric[MET_QUEUE_WAIT] < 1,
                  "wait %g minutes at ample capacity", r1->metric[MET_QUEUE_WAIT]);
    }
    rep_free(r0);
    rep_free(r1);
    engine_work_free(w0);
    engine_work_free(w1);
    engine_free(e0);
    engine_free(e1);
    scen_free(s0);
    scen_free(s1);
}

Test(queue, ample_capacity_equals_no_capacity_exactly)
{
    /* a promotion, recall and word of mouth on as well */
    static const char *const base[] = { "scenario.horizon_days=400", "recall.day=20" };
    static const char *const ample[] = { "scenario.horizon_days=400", "recall.day=20",
                                         "capacity.servers=8", "capacity.service_minutes=30",
                                         "capacity.open_hours=10" };
    expect_ample_capacity_changes_nothing(load_with("scenarios/restaurant_recharge.ini", base, 2),
                                          load_with("scenarios/restaurant_recharge.ini", ample, 5), 1);
}

#define BGNBD_TEXT                                                                        \
    "[scenario]\nhorizon_days = 200\n[customer]\nmodel = bgnbd\n"                        \
    "[channel.walk_in]\nprospects_per_day = 30\nstep_conversion = 0.5\n"                  \
    "[bgnbd]\nr = 0.5\nalpha = 10\na = 1.5\nb = 3\nperiod_days = 7\n"                     \
    "[gamma_gamma]\np = 6\nq = 4\ngamma = 15\n"

Test(queue, ample_capacity_equals_no_capacity_exactly_on_bgnbd)
{
    expect_ample_capacity_changes_nothing(
        tu_scenario(BGNBD_TEXT),
        tu_scenario(BGNBD_TEXT "[capacity]\nservers = 2000\nservice_minutes = 5\nopen_hours = 12\n"), 0);
}

Test(queue, a_crowd_drawing_promotion_pays_at_the_queue)
{
    static const char *const sets[] = { "scenario.horizon_days=500" };
    scenario *base = load_with("scenarios/restaurant_small.ini", sets, 1);
    scenario *promo = load_with("scenarios/restaurant_small_recharge.ini", sets, 1);
    run_result *r0 = tu_run(base, 8, 3, 2), *r1 = tu_run(promo, 8, 3, 2);
    double w0, w1, b0, b1, se;
    tu_metric(r0, MET_QUEUE_WAIT, &w0, &se);
    tu_metric(r1, MET_QUEUE_WAIT, &w1, &se);
    tu_metric(r0, MET_BALK_SHARE, &b0, &se);
    tu_metric(r1, MET_BALK_SHARE, &b1, &se);
    cr_expect(w1 > w0 + 1, "recharge: a wait of %g minutes against %g", w1, w0);
    cr_expect(b1 > b0 + 0.01, "recharge: %g balked against %g", b1, b0);
    run_result_free(r0);
    run_result_free(r1);
    scen_free(base);
    scen_free(promo);
}

Test(queue, one_thread_and_two_give_the_same_queue)
{
    static const char *const sets[] = { "scenario.horizon_days=300" };
    scenario *sc = load_with("scenarios/restaurant_small_recharge.ini", sets, 1);
    run_result *r1 = tu_run(sc, 4, 9, 1), *r2 = tu_run(sc, 4, 9, 2);
    for (int m = 0; m < MET_COUNT; m++) {
        stat_summary a = stat_vec_get(r1->scen[0].metric, (size_t)m);
        stat_summary b = stat_vec_get(r2->scen[0].metric, (size_t)m);
        cr_expect(!memcmp(&a.mean, &b.mean, sizeof a.mean) && !memcmp(&a.sd, &b.sd, sizeof a.sd),
                  "%s: %.17g with 1 thread, %.17g with 2", metric_table[m].name, a.mean, b.mean);
    }
    double balked, se;
    tu_metric(r1, MET_BALKED, &balked, &se);
    cr_expect(balked > 0, "nobody balked: the test would prove nothing");
    run_result_free(r1);
    run_result_free(r2);
    scen_free(sc);
}

/* explain names the queue with the scenario's own numbers: 10 tables x 4
 * hours x 60 / 60 minutes = 40 services a day, and the balking knots. */
Test(queue, explain_tells_the_capacity_and_the_curve)
{
    diag d = { 0 };
    scenario *sc = scen_load("scenarios/restaurant_small.ini", NULL, 0, &d);
    cr_assert(sc, "%s", d.msg);
    engine *e = engine_prepare(sc, &d);
    cr_assert(e, "%s", d.msg);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cr_assert(f);
    cr_assert(explain_write(f, sc, e, LANG_EN, 0, &d) == 0, "%s", d.msg);
    fclose(f);
    /* explain wraps at 80 columns: compare with line ends as spaces */
    for (char *c = text; *c; c++)
        if (*c == '\n')
            *c = ' ';
    const capacity_params *c = scen_get(sc, &section_capacity);
    char expect[256];
    snprintf(expect, sizeof expect, "%d seats or chairs, %g minutes a service, %g busy hours a day: about %.0f services",
             c->servers, c->service_minutes, c->open_hours,
             c->servers * c->open_hours * 60 / c->service_minutes);
    cr_expect(strstr(text, expect), "explain lacks \"%s\"", expect);
    snprintf(expect, sizeof expect, "%.0f %% at 20, %.0f %% at 30", 100 * c->balk_at_20,
             100 * c->balk_at_30);
    cr_expect(strstr(text, expect), "explain lacks \"%s\"", expect);
    free(text);
    engine_free(e);
    scen_free(sc);
}
