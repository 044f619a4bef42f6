#!/bin/sh
# bench/calibrate_recovery.sh - the recovery study of retsim calibrate
# (issue 13; docs/calibrate.md records its numbers).
#
# N times (default 50): simulate a year of bench/calibrate_truth.ini on data
# seed 1000 + i (retsim run --write-log: replication 0, about 1,800
# customers), then calibrate churn.mean and stickiness.max, started away
# from the truth (0.35 and 0.65), on calibration seed 1, and count how often
# each estimate lies within 2 standard errors of the truth (0.5, 0.5): the
# issue asks for at least 90 %.  Also reports the mean estimate (bias), the
# spread of the estimates against the mean standard error (are the SEs
# honest?), the share of J tests rejected at 5 % (should be near 5 %), and
# the time per calibration.
#
# Environment: RETSIM (default ./retsim), N (default 50), REPS (default 5:
# simulated samples per evaluation), OUT (default out/calibrate_recovery),
# START (default 1: a later value resumes a study, appending to its rows),
# EVALS (default 60: evaluations per start).
set -eu
cd "$(dirname "$0")/.."
RETSIM=${RETSIM:-./retsim}
N=${N:-50}
REPS=${REPS:-5}
EVALS=${EVALS:-60}
OUT=${OUT:-out/calibrate_recovery}
mkdir -p "$OUT"
rows="$OUT/estimates.csv"
i=${START:-1}
[ "$i" -gt 1 ] || echo "rep,key,estimate,se,J,p,seconds" > "$rows"
while [ "$i" -le "$N" ]; do
    seed=$((1000 + i))
    "$RETSIM" run bench/calibrate_truth.ini --reps 2 --seed "$seed" --quiet --force \
        --out "$OUT/run" --write-log "$OUT/log.csv" --log-start 2024-01-01
    t0=$(date +%s.%N)
    "$RETSIM" calibrate bench/calibrate_truth.ini "$OUT/log.csv" --free churn.mean,stickiness.max \
        --set churn.mean=0.35 --set stickiness.max=0.65 --reps "$REPS" --starts 2 --max-evals "$EVALS" \
        --quiet --force --out "$OUT/cal"
    t1=$(date +%s.%N)
    secs=$(echo "$t0 $t1" | awk '{ printf "%.2f", $2 - $1 }')
    jp=$(/usr/bin/python3 -c "import json,sys; s=json.load(open('$OUT/cal/summary.json')); o=s['overidentification']; print(o['J'], o['p_value'])")
    awk -F, -v i="$i" -v jp="$jp" -v s="$secs" 'NR > 1 { split(jp, a, " "); print i "," $1 "," $3 "," $4 "," a[1] "," a[2] "," s }' \
        "$OUT/cal/estimates.csv" >> "$rows"
    i=$((i + 1))
done
awk -F, 'NR > 1 {
    k = $2; n[k]++; m[k] += $3; m2[k] += $3 * $3; se[k] += $4
    if (($3 - 0.5) ^ 2 <= 4 * $4 * $4) cov[k]++
    if (k == "churn.mean") { reps++; if ($6 < 0.05) rej++; t += $7 }
}
END {
    for (k in n) {
        mean = m[k] / n[k]; sd = sqrt((m2[k] - n[k] * mean * mean) / (n[k] - 1))
        printf "%-16s n %d  within 2 SE: %d (%.0f %%)  mean %.4f (truth 0.5)  sd of estimates %.4f  mean SE %.4f\n",
               k, n[k], cov[k], 100 * cov[k] / n[k], mean, sd, se[k] / n[k]
    }
    printf "J test rejected at 5 %%: %d of %d;  %.1f s per calibration\n", rej, reps, t / reps
}' "$rows"
