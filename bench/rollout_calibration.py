#!/usr/bin/python3
"""Calibration of retsim pilot --rollout's chance of losing money (issue 12).

Over K simulated pilots of scenarios/pilot_loyalty_sms.ini, each with its
own seed and a true purchase-rate ratio drawn uniformly from [LO, HI]
(dropout and spend unchanged, 1.5 yuan a visit), half of the customers
treated from day 368:
  1. the pilot's log (retsim run --write-log),
  2. retsim pilot LOG --rollout --cost-per-use 1.5: the stated P(loss),
  3. the truth: the same fitted base (customers_base.csv at the pilot's end)
     run with the scenario's true BG/NBD and Gamma-Gamma parameters, with
     and without the true effect, paired (retsim compare, parameter draws
     off, TRUTH_REPS replications): the rollout really loses money when the
     expected incremental profit is below 0.
Then, in bands of stated P(loss), the mean stated chance against the share
that really lost, with its binomial standard error.

usage: bench/rollout_calibration.py [K] [WORKDIR]   (from the project root;
default K = 100, WORKDIR = /tmp/retsim-calibration; PILOT_REPS (60) and
TRUTH_REPS (40) in the environment).  Takes 10-30 s a pilot.
"""
import json
import os
import random
import re
import subprocess
import sys

K = int(sys.argv[1]) if len(sys.argv) > 1 else 100
WORK = sys.argv[2] if len(sys.argv) > 2 else "/tmp/retsim-calibration"
LO, HI = 0.95, 1.45
COST = 1.5
TRUTH_REPS = int(os.environ.get("TRUTH_REPS", "40"))
PILOT_REPS = os.environ.get("PILOT_REPS", "60")
TRUE = {"bgnbd": {"r": 1.2, "alpha": 4, "a": 0.8, "b": 6, "period_days": 7},
        "gamma_gamma": {"p": 6, "q": 4, "gamma": 15}}
BIN = os.path.abspath("./retsim")


def run(args):
    subprocess.run([BIN] + args, check=True, stdout=subprocess.DEVNULL)


def truth_ini(fitted, extra):
    """fitted.ini with the true parameters, no [uncertainty], plus extra"""
    out, section = [], None
    for line in open(fitted):
        m = re.match(r"\[(\w+)\]", line)
        if m:
            section = m.group(1)
        if section == "uncertainty":
            continue
        k = line.split("=")[0].strip()
        if section in TRUE and k in TRUE[section]:
            line = "%s = %g\n" % (k, TRUE[section][k])
        out.append(line)
    return "".join(out) + extra


def main():
    os.makedirs(WORK, exist_ok=True)
    rng = random.Random(12)
    rows = []
    for i in range(K):
        ratio = rng.uniform(LO, HI)
        d = os.path.join(WORK, "p%03d" % i)
        log = d + ".csv"
        run(["run", "scenarios/pilot_loyalty_sms.ini", "--set", "pilot.share=0.5", "--set", "pilot.start_day=368",
             "--set", "measured_effect.rate_ratio=%.6f" % ratio, "--set", "measured_effect.dropout_ratio=1",
             "--seed", str(1000 + i), "-r", "2", "-q", "--force", "-o", d + "_run", "--write-log", log])
        run(["pilot", log, "--group", "group", "--start", "2025-01-03", "--rollout", "--cost-per-use", str(COST),
             "--reps", PILOT_REPS, "--seed", str(i + 1), "-q", "--force", "-o", d])
        ro = json.load(open(os.path.join(d, "summary.json")))["rollout"]
        fitted = os.path.join(d, "fitted.ini")
        with open(os.path.join(d, "truth_base.ini"), "w") as f:
            f.write(truth_ini(fitted, ""))
        with open(os.path.join(d, "truth_roll.ini"), "w") as f:
            f.write(truth_ini(fitted, "\n[measured_effect]\nrate_ratio = %.6f\ncost_per_use = %g\n" % (ratio, COST)))
        run(["compare", os.path.join(d, "truth_base.ini"), os.path.join(d, "truth_roll.ini"), "-r", str(TRUTH_REPS),
             "--param-uncertainty", "off", "-q", "--force", "-o", d + "_truth"])
        cj = json.load(open(os.path.join(d + "_truth", "compare.json")))
        diff = cj["variants"][0]["metrics"]["profit"]["diff_mean"]
        rows.append((ratio, ro["p_loss"], ro["incremental_profit_total"]["mean"], diff, diff is not None and diff < 0))
        print("%3d ratio %.3f  stated P(loss) %.3f  stated profit %10.0f  true profit %10.0f  %s" %
              (i, ratio, ro["p_loss"], ro["incremental_profit_total"]["mean"], diff if diff is not None else float("nan"),
               "LOSS" if rows[-1][4] else ""), flush=True)
    with open(os.path.join(WORK, "calibration.csv"), "w") as f:
        f.write("true_rate_ratio,stated_p_loss,stated_profit,true_profit,really_lost\n")
        for r in rows:
            f.write("%.6f,%.6f,%.2f,%.2f,%d\n" % (r[0], r[1], r[2], r[3], r[4]))
    bands = [(0, 0.05), (0.05, 0.25), (0.25, 0.5), (0.5, 0.75), (0.75, 0.95), (0.95, 1.0001)]
    print("\nband of stated P(loss)   pilots   mean stated   really lost (share +- SE)")
    for lo, hi in bands:
        b = [r for r in rows if lo <= r[1] < hi]
        if not b:
            continue
        stated = sum(r[1] for r in b) / len(b)
        lost = sum(r[4] for r in b) / len(b)
        se = (lost * (1 - lost) / len(b)) ** 0.5
        print("  [%.2f, %.2f)          %5d      %.3f         %.3f +- %.3f" % (lo, min(hi, 1), len(b), stated, lost, se))
    brier = sum((r[1] - r[4]) ** 2 for r in rows) / len(rows)
    print("Brier score %.3f over %d pilots; mean stated %.3f, share lost %.3f" %
          (brier, len(rows), sum(r[1] for r in rows) / len(rows), sum(r[4] for r in rows) / len(rows)))


if __name__ == "__main__":
    main()
