/* queue: the day's waiting time from demand against capacity, and balking.
 *
 * The queue (M/M/c).  A day's demand of n arrivals spreads over the T =
 * open_hours x 60 minutes the business serves, so arrivals come at
 * lambda = n / T a minute; c = servers serve at mu = 1 / service_minutes
 * each.  With offered load a = lambda / mu and utilisation rho = a / c < 1,
 * the stationary mean wait in queue is Erlang's
 *
 *     Wq = C(c, a) / (c mu - lambda),
 *     C(c, a) = c B(c, a) / (c - a (1 - B(c, a))),
 *     B(0, a) = 1,  B(k, a) = a B(k-1, a) / (k + a B(k-1, a)),
 *
 * B being Erlang's loss formula by its stable recursion (Kleinrock 1975,
 * Queueing Systems I, section 3.5; Gross and Harris, Fundamentals of
 * Queueing Theory, section 2.3; Cooper 1981, Introduction to Queueing
 * Theory, for C from B).  For c = 1 it is M/M/1's rho / (mu - lambda).
 *
 * A day is not stationary.  A queue that opens empty cannot build the
 * stationary wait in T minutes when rho is near 1, and it has no stationary
 * state at all when rho >= 1, where it grows over the day.  So the day's
 * wait is the smaller of Wq and the mean wait a queue opening empty reaches
 * over the day:
 *
 *   - fluid growth (Newell 1982, Applications of Queueing Theory, ch. 2;
 *     Hall 1991, Queueing Methods, ch. 6): with every server busy the queue
 *     grows at lambda - c mu, so an arrival at minute t waits
 *     (lambda - c mu) t / (c mu) = (rho - 1) t, on average over the day
 *     (rho - 1) T / 2;
 *   - its diffusion, which is what makes a queue at rho = 1 wait at all:
 *     the queue moves like a Brownian motion of variance lambda + c mu =
 *     2 c mu a minute reflected at 0 (Harrison 1985, Brownian Motion and
 *     Stochastic Flow Systems), so E Q(t) = sqrt(4 c mu t / pi), an arrival
 *     at t waits Q(t) / (c mu) = 2 sqrt(t / (pi c mu)), on average over the
 *     day (4 / 3) sqrt(T / (pi c mu)).
 *
 *     W(lambda) = min(Wq, (rho - 1)+ T / 2 + (4/3) sqrt(T / (pi c mu)), T)
 *
 * is continuous and increasing in lambda (each term is), equals Wq at light
 * load, where the stationary queue forms within minutes, and is capped at
 * the day's length: no one waits longer than the business is open.
 *
 * Balking.  The seed's curve: nobody leaves below 10 minutes, some past
 * 10, fast past 20, more than half past 30.  b(w) is piecewise linear
 * through (0, 0), (10, b10), (20, b20), (30, b30) and continues at its last
 * slope beyond 30, held within 0..1.  Those who balk do not join the
 * queue, so the day's wait solves W = W(lambda (1 - b(W))): the right side
 * falls as W rises, so the root is unique and bisection finds it.  The
 * balking caps the queue the way the seed says it does ("more leave than
 * join"), not an arbitrary limit. */
#include "queue.h"
#include "lang.h"

#include <math.h>
#include <stddef.h>

#define NO_CHOICES NULL

double queue_erlang_c(int c, double a)
{
    if (!(a > 0))
        return 0.0;
    if (a >= c)
        return 1.0;
    double b = 1.0;
    for (int k = 1; k <= c; k++)
        b = a * b / (k + a * b);
    return c * b / (c - a * (1.0 - b));
}

double queue_mmc_wait(int c, double lambda, double mu)
{
    if (!(lambda > 0))
        return 0.0;
    if (lambda >= c * mu)
        return INFINITY;
    return queue_erlang_c(c, lambda / mu) / (c * mu - lambda);
}

double queue_open_wait(const capacity_params *p, double lambda)
{
    if (!(lambda > 0))
        return 0.0;
    double T = p->open_hours * 60.0, mu = 1.0 / p->service_minutes;
    double cmu = p->servers * mu, rho = lambda / cmu;
    double w = queue_mmc_wait(p->servers, lambda, mu);
    double growing = (rho > 1 ? (rho - 1) * T / 2 : 0) + (4.0 / 3.0) * sqrt(T / (M_PI * cmu));
    if (growing < w)
        w = growing;
    return w < T ? w : T;
}

double queue_balk(const capacity_params *p, double w)
{
    double b;
    if (!(w > 0))
        return 0.0;
    if (w <= 10)
        b = p->balk_at_10 * w / 10;
    else if (w <= 20)
        b = p->balk_at_10 + (p->balk_at_20 - p->balk_at_10) * (w - 10) / 10;
    else
        b = p->balk_at_20 + (p->balk_at_30 - p->balk_at_20) * (w - 20) / 10;
    return b < 0 ? 0 : b > 1 ? 1 : b;
}

double queue_day_wait(const capacity_params *p, double demand, double *balk)
{
    *balk = 0;
    if (!(demand > 0))
        return 0.0;
    double lambda = demand / (p->open_hours * 60.0);
    double w = queue_open_wait(p, lambda);
    double b = queue_balk(p, w);
    if (b == 0)
        return w;   /* nobody leaves: the unthinned wait stands, exactly */
    /* g(W) = W(lambda (1 - b(W))) - W falls from g(0) >= 0 to g(w) <= 0 */
    double lo = 0, hi = w;
    for (int i = 0; i < 200 && hi - lo > 1e-9 * (1 + hi); i++) {
        double mid = 0.5 * (lo + hi);
        if (queue_open_wait(p, lambda * (1 - queue_balk(p, mid))) > mid)
            lo = mid;
        else
            hi = mid;
    }
    w = 0.5 * (lo + hi);
    *balk = queue_balk(p, w);
    return w;
}

/* ---- [capacity] ---- */

static int check_capacity(void *params, const char *label, const struct scenario *sc, diag *d)
{
    (void)label;
    (void)sc;
    const capacity_params *p = params;
    if (!(p->balk_at_10 <= p->balk_at_20 && p->balk_at_20 <= p->balk_at_30))
        return diag_set(d, DIAG_USAGE,
                        "[capacity] balk_at_10 (%g) <= balk_at_20 (%g) <= balk_at_30 (%g) must hold: "
                        "a longer wait turns at least as many customers away",
                        p->balk_at_10, p->balk_at_20, p->balk_at_30);
    return 0;
}

/* The knots' defaults read seed 003 literally: 0 at 10 minutes ("past 10
 * minutes some leave": the loss starts there), 15 % at 20 after a slow
 * start, then a slope almost three times steeper ("climbs fast") to 55 % at
 * 30 ("more leave than join": over half). */
static const scen_key capacity_keys[] = {
    { "servers", KEY_INT, offsetof(capacity_params, servers), 10, 1, 100000, 0, "servers",
      NO_CHOICES, N_("Customers (tables, chairs) served at the same time.") },
    { "service_minutes", KEY_REAL, offsetof(capacity_params, service_minutes), 60, 0, 1440,
      KEY_MIN_OPEN, "minutes", NO_CHOICES,
      N_("Mean minutes one service takes (a meal, a haircut), during which its server is busy.") },
    { "open_hours", KEY_REAL, offsetof(capacity_params, open_hours), 4, 0, 24, KEY_MIN_OPEN,
      "hours/day", NO_CHOICES,
      N_("Hours a day the demand spreads over evenly (for a restaurant the meal hours, not the "
      "whole opening time); also the longest a day's wait can be.") },
    { "balk_at_10", KEY_REAL, offsetof(capacity_params, balk_at_10), 0, 0, 1, 0, "probability",
      NO_CHOICES, N_("Share of arrivals who walk away at a 10-minute wait (linear from 0 at no wait).") },
    { "balk_at_20", KEY_REAL, offsetof(capacity_params, balk_at_20), 0.15, 0, 1, 0, "probability",
      NO_CHOICES, N_("Share who walk away at a 20-minute wait (linear between the knots).") },
    { "balk_at_30", KEY_REAL, offsetof(capacity_params, balk_at_30), 0.55, 0, 1, 0, "probability",
      NO_CHOICES,
      N_("Share who walk away at a 30-minute wait; beyond 30 minutes the curve keeps its 20-30 slope, up to 1.") },
    /* The wait's price is what seed 003's own curve reveals: at 30 minutes
     * about half the arrivals walk away, so for the median customer 30
     * minutes cost about what the visit is worth to them beyond its price:
     * the satisfaction model's default value of 0.10 x the bill.  Over the
     * 25 minutes beyond the 5 accepted that is 0.004 x the bill a minute
     * (0.4 yuan a minute, 24 an hour, at a 100-yuan bill: near an urban
     * hourly wage, the usual yardstick for the value of time). */
    { "wait_cost_per_minute", KEY_REAL, offsetof(capacity_params, wait_cost_per_minute), 0.004, 0,
      1e9, KEY_PER_BILL, "currency/minute", NO_CHOICES,
      N_("Non-money cost, as money, of each minute a customer who stays waits beyond "
      "wait_minutes_accepted; part of the visit's perceived cost (satisfaction model).") },
    { "wait_minutes_accepted", KEY_REAL, offsetof(capacity_params, wait_minutes_accepted), 5, 0,
      1440, 0, "minutes", NO_CHOICES,
      N_("Minutes of queueing customers take for granted (already in [experience] waiting_cost); "
      "only the wait beyond them costs.") },
    { 0 }
};

const scen_section section_capacity = {
    "capacity",
    N_("Servers, service time and hours: each day's wait follows from its demand (M/M/c, "
    "docs/queue.md) and arrivals balk by a curve (seed 003); absent, there is no queue."),
    sizeof(capacity_params), 1, capacity_keys, check_capacity
};
