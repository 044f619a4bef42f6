#!/usr/bin/python3
"""bench/textbook_numpy.py - the textbook case as an analyst would write it in numpy.

The peer `make bench` measures retsim against (docs/benchmarks.md): the model
of bench/textbook.ini, vectorised the usual way, one round of visits at a
time as arrays, on one core (numpy's element-wise routines use one thread):

  per replication: Poisson(137) prospects a day for 730 days, each buying
  once at a uniform time within the day; each customer's chance of never
  returning drawn once from Beta(0.704, 1.182); then, while anyone is still
  coming: a lognormal(5, 0.5) bill for every customer visiting in this
  round, a uniform against theta for whether they return, a Gamma(4, scale
  7.5) interval for those who do, and those whose next visit falls before
  day 730 make the next round.

It keeps what the analyst would want at the end, as retsim does: revenue and
visits per day, each customer's revenue and discounted value (10 % a year),
their number of purchases, and from these the repeat rate, the lifetime
value's quantiles and the top fifth's share of revenue.

numpy's default generator (PCG64), so its numbers are not retsim's; the
counts agree in distribution (the script prints the visits and customers per
replication, which bench/run.sh compares with retsim's).

Usage: /usr/bin/python3 bench/textbook_numpy.py [REPS [SEED]]   (default 20, 1)
Prints one line of KEY=VALUE pairs, like bench/bare_loop.c; seconds is the
process's CPU time in the replications.
"""
import sys
import time

import numpy as np

HORIZON = 730
PROSPECTS_PER_DAY = 137.0
BETA_A, BETA_B = 0.704, 1.182
GAMMA_SHAPE, CYCLE_DAYS = 4.0, 30.0
LOG_MU, LOG_SIGMA = 5.0, 0.5
GROSS_MARGIN = 0.6           # [economics] defaults of retsim
DISCOUNT_PER_DAY = np.log1p(0.10) / 365.0


def replication(rng):
    per_day = rng.poisson(PROSPECTS_PER_DAY, HORIZON)
    n = int(per_day.sum())
    t_first = np.repeat(np.arange(HORIZON, dtype=float), per_day) + rng.random(n)
    theta = rng.beta(BETA_A, BETA_B, n)

    revenue_by_day = np.zeros(HORIZON)
    visits_by_day = np.zeros(HORIZON)
    revenue = np.zeros(n)
    value = np.zeros(n)
    purchases = np.zeros(n, dtype=np.int64)

    who = np.arange(n)
    t = t_first.copy()
    while who.size:
        bill = np.exp(LOG_MU + LOG_SIGMA * rng.standard_normal(who.size))
        day = t.astype(np.int64)
        revenue_by_day += np.bincount(day, weights=bill, minlength=HORIZON)
        visits_by_day += np.bincount(day, minlength=HORIZON)
        revenue[who] += bill
        value[who] += GROSS_MARGIN * bill * np.exp(-DISCOUNT_PER_DAY * (t - t_first[who]))
        purchases[who] += 1
        stays = rng.random(who.size) >= theta[who]
        who, t = who[stays], t[stays]
        t = t + rng.gamma(GAMMA_SHAPE, CYCLE_DAYS / GAMMA_SHAPE, who.size)
        inside = t < HORIZON
        who, t = who[inside], t[inside]

    top = (n + 4) // 5
    summary = {
        "repeat_rate": float(np.mean(purchases >= 2)),
        "clv_quantiles": np.quantile(value, [0.05, 0.25, 0.5, 0.75, 0.95]),
        "top20_share": float(np.partition(revenue, n - top)[n - top:].sum() / revenue.sum()),
    }
    return n, float(visits_by_day.sum()), summary


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    rng = np.random.default_rng(seed)
    customers = visits = 0.0
    start = time.process_time()
    for _ in range(reps):
        n, v, _summary = replication(rng)
        customers += n
        visits += v
    secs = time.process_time() - start
    print("textbook_numpy: generator=numpy-%s reps=%d customers=%.1f visits=%.0f seconds=%.3f "
          "visits_per_second=%.0f" % (np.__version__, reps, customers / reps, visits, secs,
                                      visits / secs if secs > 0 else 0.0))


if __name__ == "__main__":
    main()
