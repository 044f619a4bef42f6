#!/bin/sh
# Runs every shipped scenario (and one compare, sweep, sensitivity and fit)
# with a fixed seed into DIR, so that a refactor can be checked to change
# no output byte: snapshot before, snapshot after, `diff -r BEFORE AFTER`.
# Usage: tools/snapshot-outputs.sh RETSIM DIR [REPS]
set -eu
bin=$1; dir=$2; reps=${3:-4}
rm -rf "$dir"; mkdir -p "$dir"
here=$(cd "$(dirname "$0")/.." && pwd)
n=0
for f in "$here"/scenarios/*.ini; do
    name=$(basename "$f" .ini)
    "$bin" run "$f" --reps "$reps" --seed 7 --threads 2 --quiet --out "$dir/run_$name" >/dev/null
    n=$((n + 1))
done
"$bin" compare "$here/scenarios/restaurant.ini" "$here/scenarios/restaurant_recharge.ini" \
    "$here/scenarios/restaurant_reminder.ini" --reps "$reps" --seed 7 --quiet --out "$dir/compare" >/dev/null
"$bin" sweep "$here/scenarios/restaurant_recharge.ini" --param recharge.multiple=1:3:1 \
    --reps "$reps" --seed 7 --quiet --out "$dir/sweep" >/dev/null
"$bin" sensitivity "$here/scenarios/salon_reminder.ini" --reps "$reps" --seed 7 --quiet \
    --out "$dir/sensitivity" >/dev/null
data="$here/../shared/data"
if [ -d "$data" ]; then
    csv=${TMPDIR:-/tmp}/retsim-snapshot-cdnow.csv  # a fixed path: it is written into fitted.ini
    # CDNOW_sample.txt: master id, id, yyyymmdd, CDs, dollars; fit reads CSV
    awk 'BEGIN { print "customer,date,amount" } { printf "%s,%s,%.2f\n", $2, $3, $5 }' \
        "$data/CDNOW_sample.txt" >"$csv"
    "$bin" fit "$csv" --quiet --out "$dir/fit" >/dev/null
    rm "$csv"
fi
echo "snapshot-outputs: $n scenarios, compare, sweep, sensitivity$( [ -d "$dir/fit" ] && echo ', fit') in $dir"
