#!/bin/sh
# bench/calibrate_cdnow.sh - the CDNOW holdout comparison and the speed of
# a 6-key calibration (issue 13; docs/calibrate.md records the numbers).
#
# 1. turns ../shared/data/CDNOW_sample.txt into a CSV (as the README);
# 2. retsim fit with the holdout from 1997-10-01: BG/NBD's (and the other
#    models') forecast of the repeat purchases in the 39 holdout weeks
#    (models.csv: holdout_predicted), against the 1,882 actual;
# 3. retsim calibrate of bench/cdnow_satisfaction.ini, nine keys of the
#    satisfaction model (churn mean and polarisation, the first purchase's
#    share of churn, loyalty, the visit cycle, its gamma shape and its
#    spread between customers, stickiness's maximum, and the share of new
#    customers the new-customer rule loses after a first visit worth less
#    than it cost; the spend stays at the scenario's 36 dollars, the log's
#    mean), on the weeks before the holdout, matching the recency moments
#    (--recency) and the first-bill moment (--first-bill) too, timed; its
#    holdout forecast from today's customers (the log's, each one's hidden
#    traits drawn given their history), in total and by calibration
#    frequency;
# 4. prints the table.
#
# Environment: RETSIM (default ./retsim), DATA (default ../shared/data),
# OUT (default out/calibrate_cdnow), REPS (default 10), EVALS (default 400),
# STARTS (default 4), SCENARIO (default bench/cdnow_satisfaction.ini), FREE
# (the free keys; default the nine above), EXTRA (more calibrate options;
# default "--recency --first-bill"; EXTRA= gives the 17 default moments).
# The earlier figures of docs/calibrate.md: FREE with the seven keys (no
# negative_value_loss, no first_purchase_factor), EXTRA=, REPS=5 EVALS=200
# STARTS=3, and EXTRA="--set churn.first_purchase_factor=1" for the -28 %.
set -eu
cd "$(dirname "$0")/.."
RETSIM=${RETSIM:-./retsim}
DATA=${DATA:-../shared/data}
OUT=${OUT:-out/calibrate_cdnow}
REPS=${REPS:-10}
EVALS=${EVALS:-400}
STARTS=${STARTS:-4}
EXTRA=${EXTRA---recency --first-bill}
[ -f "$DATA/CDNOW_sample.txt" ] || { echo "bench/calibrate_cdnow.sh: $DATA/CDNOW_sample.txt is missing" >&2; exit 1; }
mkdir -p "$OUT"
awk 'BEGIN { print "customer,date,amount" } { print $2 "," $3 "," $5 }' "$DATA/CDNOW_sample.txt" > "$OUT/cdnow.csv"
"$RETSIM" fit "$OUT/cdnow.csv" --holdout-from 1997-10-01 --param-uncertainty off --quiet --force --out "$OUT/fit"
t0=$(date +%s.%N)
"$RETSIM" calibrate "${SCENARIO:-bench/cdnow_satisfaction.ini}" "$OUT/cdnow.csv" --holdout-from 1997-10-01 \
    --free "${FREE:-churn.mean,churn.polarisation=0.01:0.95,loyalty.mean=0:0.95,visits.cycle_days=5:400,visits.shape=0.2:10,visits.rate_cv=0:4,stickiness.max,response.negative_value_loss,churn.first_purchase_factor}" \
    --reps "$REPS" --starts "$STARTS" --max-evals "$EVALS" $EXTRA --force --out "$OUT/cal" > "$OUT/calibrate.txt"
t1=$(date +%s.%N)
cat "$OUT/calibrate.txt"
/usr/bin/python3 - "$OUT" "$t0" "$t1" <<'PY'
import csv, json, sys
out, t0, t1 = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
s = json.load(open(out + "/cal/summary.json"))
h = s["holdout"]
actual = h["actual_purchases"]
print("\n| model | holdout purchases forecast | error |")
print("|---|---|---|")
for row in csv.DictReader(open(out + "/fit/models.csv")):
    p = float(row["holdout_predicted"])
    print("| %s (retsim fit) | %.0f | %+.1f %% |" % (row["label"], p, 100 * (p - actual) / actual))
print("| satisfaction model (retsim calibrate, %d keys), from today's customers | %.0f (MC se %.0f) | %+.1f %% |" % (
    len(s["estimates"]), h["simulated_purchases"], h["simulated_se_monte_carlo"],
    100 * (h["simulated_purchases"] - actual) / actual))
print("| the same, the log's customers re-simulated as new | %.0f (MC se %.0f) | %+.1f %% |" % (
    h["new_customers_simulated_purchases"], h["new_customers_simulated_se_monte_carlo"],
    100 * (h["new_customers_simulated_purchases"] - actual) / actual))
print("| actual | %d | |" % actual)
print("\n| repeat purchases in the window | customers | actual | from today's customers (95 % MC interval) |")
print("|---|---|---|---|")
for g in h["by_frequency"]:
    m, se = g["simulated"], g["simulated_se_monte_carlo"]
    print("| %s | %d | %d | %.0f [%.0f, %.0f] |" % (g["repeat_purchases_in_window"], g["customers"], g["actual"],
                                                 m, m - 1.96 * se, m + 1.96 * se))
for e in s["estimates"]:
    print("%s = %.4g (se %.2g)%s" % (e["key"], e["estimate"], e["se"], "" if e["determined"] else ", NOT determined"))
print("\ncalibration: %.0f s, %d evaluations, J = %.1f on %d df (p = %.2g)" % (
    t1 - t0, s["simulation"]["evaluations"], s["overidentification"]["J"], s["overidentification"]["df"],
    s["overidentification"]["p_value"]))
PY
