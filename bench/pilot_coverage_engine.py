#!/usr/bin/python3
"""Coverage of retsim pilot's intervals on logs made by retsim's engine (issue 12).

bench/pilot_coverage.c measures coverage on pilots simulated straight from
the purchase model (tests/pilot_sim.c).  This study makes every pilot with
the engine instead, as a user would: scenarios/pilot_loyalty_sms.ini (a
BG/NBD base with Gamma-Gamma spend, about 735 customers before the start)
with a [pilot] on a random half of the customers from day 368
(2025-01-03) to the horizon (day 480, 16 weeks), its [measured_effect] set
to known ratios, `retsim run --write-log` (replication 0's purchases with
the group column), then `retsim pilot LOG --group group --start 2025-01-03`.

Two designs, K pilots each, every pilot with its own --seed:
  effect  rate x 1.2, dropout x 0.8 (hazard ratio: churn c -> 1-(1-c)^0.8,
          the pilot model's own form), spend x 1.1;
  none    all three ratios 1 (the module then changes nothing, bit for bit);
  and, with DESIGNS=spend_only in the environment, spend x 1.1 alone;
  DESIGNS=slower, rate x 0.85 alone (the engine postponing the visit each
  treated customer booked before the start).
Why these are the true values of the levers retsim pilot estimates
(models/promo_measured_effect.c): spend multiplies every bill of a treated
customer from the start; dropout applies to every repeat visit from the
start, as in the pilot model; the rate divides each gap from a treated
customer's visit since the start, and on the start day the engine offers
each treated customer's pending visit to the module (sim/engine.c,
pilot_opens), which divides the remaining gap from the start by 1.2: for
BG/NBD's exponential gaps that is exactly rate x 1.2 from the start
(memorylessness); a ratio below 1 postpones it the same way.

Spend per purchase-day.  The log has dates, and the log reader
(fit/translog.c) merges a customer's purchases of one day into one
transaction, so what retsim pilot's spend lever measures on a dated log is
spend per purchase-day, and a rate effect, which makes the treated buy
twice on a day more often, raises it a little.  The spend lever's truth is
therefore taken per purchase-day: the ratio set times the groups' visits
per purchase-day since the start (customers who bought before it), treated
over control, pooled over the design's pilots (each pilot records its
visits and purchase-days from the log's rows, one per visit); the line
under the table gives that factor and its Monte Carlo error.

Per lever: the share of pilots whose 95 % interval (levers.csv) covers the
true ratio, with its binomial standard error; the mean estimate of the log
ratio against the truth (bias, with its Monte Carlo standard error); the
mean standard error against the standard deviation of the estimates.  And
whether the model's extra purchases per customer agree with CUPED's
(summary.json, model.agreement_with_cuped), and with no effect how often
each one's 95 % interval covers 0.

usage: bench/pilot_coverage_engine.py [K] [WORKDIR]   (from the project
root; default K = 200, WORKDIR = build/bench/pilot_coverage_engine;
`--summary [WORKDIR]` prints the table of the rows so far).
Two pilots run at a time (one thread each).  Each pilot's row is appended
to WORKDIR/rows_DESIGN.csv as it finishes and a rerun skips the pilots
already there, so a long run can be stopped and resumed.  About 1 s of
CPU a pilot.  Exits 1 when a coverage is outside 93-97 % by more than two binomial standard
errors (at 95 %), or a pilot fails.
"""
import concurrent.futures
import csv
import json
import math
import os
import shutil
import subprocess
import sys

SCENARIO = "scenarios/pilot_loyalty_sms.ini"
START_DAY, START_DATE = 368, "2025-01-03"
DESIGNS = {   # name: (rate, dropout, spend), seed base
    "effect": ((1.2, 0.8, 1.1), 100000),
    "none": ((1.0, 1.0, 1.0), 200000),
    "spend_only": ((1.0, 1.0, 1.1), 300000),   # only with DESIGNS=spend_only: is spend's bias the rate's doing?
    "slower": ((0.85, 1.0, 1.0), 400000),      # only with DESIGNS=slower: a rate ratio below 1 (the booked visit postponed)
}
DESIGNS = {k: v for k, v in DESIGNS.items() if k in os.environ.get("DESIGNS", "effect,none").split(",")}
LEVERS = ("purchase_rate", "dropout", "spend_per_visit")
FIELDS = ["pilot", "seed", "status"] + ["%s_%s" % (l, f) for l in LEVERS
                                       for f in ("log_ratio", "se", "ci_low", "ci_high", "estimated", "source")] \
    + ["model_extra", "model_se", "cuped_diff", "cuped_se", "z", "agree", "n_t", "n_c",
       "visits_t", "days_t", "visits_c", "days_c"]
BIN = os.path.abspath(os.environ.get("RETSIM", "./retsim"))   # RETSIM: another binary (to rebuild meanwhile)


def visits_and_days(log):
    """Per group, over the customers who bought before the start: the log's
    rows since the start (one per visit: the engine writes every visit) and
    the distinct (customer, date) among them (the purchase-days the log
    reader, fit/translog.c, merges them into)."""
    first = {}
    since = []
    with open(log) as f:
        for r in csv.DictReader(f):
            c, d = r["customer"], r["date"]
            if d < START_DATE:
                first.setdefault(c, r["group"])
            else:
                since.append((c, d, r["group"]))
    out = {}
    for g, tag in (("treatment", "t"), ("control", "c")):
        rows = [(c, d) for c, d, gg in since if gg == g and first.get(c) == g]
        out["visits_" + tag] = len(rows)
        out["days_" + tag] = len(set(rows))
    return out


def one_pilot(design, i, work):
    (rate, dropout, spend), base = DESIGNS[design]
    seed = base + i
    d = os.path.join(work, "%s_%04d" % (design, i))
    log = d + ".csv"
    env = dict(os.environ, OMP_NUM_THREADS="1")
    row = {"pilot": i, "seed": seed, "status": "ok"}
    try:
        subprocess.run([BIN, "run", SCENARIO, "--set", "pilot.share=0.5", "--set", "pilot.start_day=%d" % START_DAY,
                        "--set", "measured_effect.rate_ratio=%g" % rate,
                        "--set", "measured_effect.dropout_ratio=%g" % dropout,
                        "--set", "measured_effect.spend_ratio=%g" % spend,
                        "--seed", str(seed), "-r", "2", "-t", "1", "-q", "--force", "-o", d + "_run",
                        "--write-log", log], check=True, stdout=subprocess.DEVNULL, env=env)
        row.update(visits_and_days(log))
        subprocess.run([BIN, "pilot", log, "--group", "group", "--start", START_DATE, "-q", "--force",
                        "-o", d + "_pilot"], check=True, stdout=subprocess.DEVNULL, env=env)
        with open(os.path.join(d + "_pilot", "levers.csv")) as f:
            for r in csv.DictReader(f):
                for k in ("log_ratio", "se", "ci_low", "ci_high", "estimated", "source"):
                    row["%s_%s" % (r["lever"], k)] = r[k]
        with open(os.path.join(d + "_pilot", "summary.json")) as f:
            s = json.load(f)
        a = (s.get("model") or {}).get("agreement_with_cuped") or {}
        row.update(model_extra=a.get("model_extra_purchases_per_customer"), model_se=a.get("model_se"),
                   cuped_diff=a.get("cuped_diff"), cuped_se=a.get("cuped_se"), z=a.get("z"),
                   agree=int(bool(a.get("agree"))) if a else "")
        cu = s["effect"]["purchases_per_customer"]["cuped"]
        row.update(n_t=cu["n_t"], n_c=cu["n_c"])
    except (subprocess.CalledProcessError, OSError, KeyError, ValueError) as e:
        row["status"] = "failed: %s" % str(e).replace(",", ";")[:200]
    for p in (d + "_run", d + "_pilot"):
        shutil.rmtree(p, ignore_errors=True)
    if os.path.exists(log):
        os.remove(log)
    return row


def read_rows(work, design):
    path = os.path.join(work, "rows_%s.csv" % design)
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return list(csv.DictReader(f))


def num(x):
    try:
        v = float(x)
        return v if math.isfinite(v) else None
    except (TypeError, ValueError):
        return None


def mean_sd(xs):
    n = len(xs)
    if n == 0:
        return float("nan"), float("nan")
    m = sum(xs) / n
    sd = math.sqrt(sum((x - m) ** 2 for x in xs) / (n - 1)) if n > 1 else float("nan")
    return m, sd


def visits_per_day_ratio(rows):
    """ln of (visits per purchase-day of the treated) / (the control's) since
    the start, pooled over the pilots (sum of visits over sum of days per
    group), its Monte Carlo standard error (the spread of the pilots' own
    ratios over sqrt(n)), and n; None without the columns (rows of an older run)."""
    rs = [r for r in rows if all(num(r.get(k)) for k in ("visits_t", "days_t", "visits_c", "days_c"))]
    if not rs:
        return None
    tot = {k: sum(num(r[k]) for r in rs) for k in ("visits_t", "days_t", "visits_c", "days_c")}
    pooled = math.log(tot["visits_t"] / tot["days_t"]) - math.log(tot["visits_c"] / tot["days_c"])
    each = [math.log(num(r["visits_t"]) / num(r["days_t"])) - math.log(num(r["visits_c"]) / num(r["days_c"]))
            for r in rs]
    _, sd = mean_sd(each)
    return pooled, sd / math.sqrt(len(rs)) if len(rs) > 1 else float("nan"), len(rs)


def summarise(work):
    """Prints the table; returns 0 when every coverage is within 93-97 % up to
    two binomial standard errors and no pilot failed, else 1."""
    bad = 0
    print("| design | lever | pilots (model fits) | coverage of the 95 % interval (+- binomial se) "
          "| mean ln ratio (true) | bias +- MC se | mean se | sd of estimates | se / sd |")
    print("|---|---|---|---|---|---|---|---|---|")
    agree_lines = []
    truth_lines = []
    for design, (truth, _) in DESIGNS.items():
        rows = read_rows(work, design)
        ok = [r for r in rows if r["status"] == "ok"]
        failed = len(rows) - len(ok)
        if failed:
            print("bench: %s: %d pilots failed (rows_%s.csv, status)" % (design, failed, design), file=sys.stderr)
            bad = 1
        vpd = visits_per_day_ratio(ok)
        for lever, t in zip(LEVERS, truth):
            lt = math.log(t)
            if lever == "spend_per_visit" and vpd is not None:
                # the spend lever is spend per purchase-day (the unit a dated
                # log shows): the ratio set times the groups' visits per
                # purchase-day since the start, treated over control
                lt += vpd[0]
                t = math.exp(lt)
                truth_lines.append("%s: spend per purchase-day's true ln ratio %+.4f = ln %g %+.4f (visits per "
                                   "purchase-day, treated over control, pooled over %d pilots; MC se %.4f)"
                                   % (design, lt, truth[2], vpd[0], vpd[2], vpd[1]))
            est = [r for r in ok if r.get(lever + "_estimated") == "1"]
            fits = sum(1 for r in est if r[lever + "_source"].endswith("covariate"))
            n = len(est)
            if n == 0:
                print("| %s | %s | 0 | - | - | - | - | - | - |" % (design, lever))
                continue
            cover = sum(1 for r in est if float(r[lever + "_ci_low"]) <= t <= float(r[lever + "_ci_high"]))
            cov = cover / n
            if lever == "purchase_rate" and vpd is not None:
                # for the record: the rate of purchase-days moves the other way
                # (fewer days than visits, more so for the treated)
                tp = math.exp(lt - vpd[0])
                cp = sum(1 for r in est if float(r[lever + "_ci_low"]) <= tp <= float(r[lever + "_ci_high"]))
                truth_lines.append("%s: against ln %g %+.4f (purchase-days rather than visits) the rate's "
                                   "coverage would be %.1f %% (%d/%d), bias %+.4f"
                                   % (design, truth[0], -vpd[0], 100 * cp / n, cp, n,
                                      sum(float(r[lever + "_log_ratio"]) for r in est) / n - (lt - vpd[0])))
            lr = [float(r[lever + "_log_ratio"]) for r in est]
            se = [float(r[lever + "_se"]) for r in est]
            m, sd = mean_sd(lr)
            mse = sum(se) / n
            print("| %s | %s | %d (%d) | %.1f %% +- %.1f (%d/%d) | %+.4f (%+.4f) | %+.4f +- %.4f | %.4f | %.4f | %.2f |"
                  % (design, lever, n, fits, 100 * cov, 100 * math.sqrt(cov * (1 - cov) / n), cover, n, m, lt,
                     m - lt, sd / math.sqrt(n) if n > 1 else float("nan"), mse, sd, mse / sd if sd else float("nan")))
            if abs(cov - 0.95) > 0.02 + 2 * math.sqrt(0.95 * 0.05 / n):
                print("bench: %s, %s: coverage %.1f %% is outside 93-97 %% by more than two binomial standard errors"
                      % (design, lever, 100 * cov), file=sys.stderr)
                bad = 1
        z = [num(r["z"]) for r in ok if num(r["z"]) is not None]
        agree = sum(1 for r in ok if r["agree"] == "1")
        me, _ = mean_sd([num(r["model_extra"]) for r in ok if num(r["model_extra"]) is not None])
        ms, _ = mean_sd([num(r["model_se"]) for r in ok if num(r["model_se"]) is not None])
        cd, _ = mean_sd([num(r["cuped_diff"]) for r in ok if num(r["cuped_diff"]) is not None])
        cs, _ = mean_sd([num(r["cuped_se"]) for r in ok if num(r["cuped_se"]) is not None])
        zm, zsd = mean_sd(z)
        line = ("%s: %d pilots (%d failed); model and CUPED agree in %d of %d (z mean %+.2f, sd %.2f); extra purchases "
                "per customer: model %.4f (mean se %.4f), CUPED %.4f (mean se %.4f)"
                % (design, len(rows), failed, agree, len(z), zm, zsd, me, ms, cd, cs))
        if truth == (1.0, 1.0, 1.0):
            c0m = sum(1 for r in ok if num(r["model_se"]) and abs(num(r["model_extra"])) <= 1.96 * num(r["model_se"]))
            c0c = sum(1 for r in ok if num(r["cuped_se"]) and abs(num(r["cuped_diff"])) <= 1.96 * num(r["cuped_se"]))
            line += "; 95 %% intervals covering 0: model %d of %d, CUPED %d of %d" % (c0m, len(z), c0c, len(ok))
        agree_lines.append(line)
    print()
    for line in truth_lines + agree_lines:
        print(line)
    return bad


def main():
    args = [a for a in sys.argv[1:] if a != "--summary"]
    k = int(args.pop(0)) if args and args[0].isdigit() else 200
    work = args[0] if args else "build/bench/pilot_coverage_engine"
    if not os.access(BIN, os.X_OK):
        sys.exit("bench: ./retsim is not built (make retsim)")
    os.makedirs(work, exist_ok=True)
    if "--summary" in sys.argv:
        sys.exit(summarise(work))
    print("bench: coverage of retsim pilot's 95 %% intervals on %d engine-made pilots per design (%s)" % (k, SCENARIO))
    # interleave the designs so that a run stopped early has both at about the same K
    todo = []
    done = {d: {int(r["pilot"]) for r in read_rows(work, d)} for d in DESIGNS}
    for i in range(k):
        for design in DESIGNS:
            if i not in done[design]:
                todo.append((design, i))
    files = {}
    for design in DESIGNS:
        path = os.path.join(work, "rows_%s.csv" % design)
        new = not os.path.exists(path)
        files[design] = open(path, "a", newline="")
        w = csv.DictWriter(files[design], FIELDS)
        if new:
            w.writeheader()
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futs = {pool.submit(one_pilot, design, i, work): design for design, i in todo}
        for f in concurrent.futures.as_completed(futs):
            design = futs[f]
            csv.DictWriter(files[design], FIELDS).writerow(f.result())
            files[design].flush()
    for f in files.values():
        f.close()
    sys.exit(summarise(work))


if __name__ == "__main__":
    main()
