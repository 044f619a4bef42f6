#!/bin/sh
# Runs every shipped scenario (and one compare, sweep, sensitivity and fit)
# with a fixed seed into DIR, so that a refactor can be checked to change
# no output byte: snapshot before, snapshot after, `diff -r BEFORE AFTER`.
# Usage: tools/snapshot-outputs.sh RETSIM DIR [REPS]
set -eu
bin=$1; dir=$2; reps=${3:-4}
rm -rf "$dir"; mkdir -p "$dir"
here=$(cd "$(dirname "$0")/.." && pwd)
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
# relative output paths, so that two snapshots differ only where retsim does
cd "$dir"
n=0
for f in "$here"/scenarios/*.ini; do
    name=$(basename "$f" .ini)
    "$bin" run "$f" --reps "$reps" --seed 7 --threads 2 --quiet --out "run_$name" >/dev/null
    for lang in en zh; do
        "$bin" explain "$f" --lang $lang >"explain_${name}_$lang.txt"
    done
    n=$((n + 1))
done
for out in run_clinic run_restaurant_recharge; do
    "$bin" report "$out" >/dev/null
    "$bin" report "$out" --lang zh >/dev/null
done
"$bin" compare "$here/scenarios/restaurant.ini" "$here/scenarios/restaurant_recharge.ini" \
    "$here/scenarios/restaurant_reminder.ini" --reps "$reps" --seed 7 --quiet --out "compare" >/dev/null
"$bin" report "compare" --lang zh >/dev/null
"$bin" report "compare" >/dev/null
"$bin" lesson 3 --answer a --lang zh --reps "$reps" --out "lesson_zh" >"lesson_zh.txt" </dev/null
"$bin" lesson 6 --answer b --reps "$reps" --out "lesson_en" >"lesson_en.txt" </dev/null
"$bin" sweep "$here/scenarios/restaurant_recharge.ini" --param recharge.multiple=1:3:1 \
    --reps "$reps" --seed 7 --quiet --out "sweep" >/dev/null
"$bin" sensitivity "$here/scenarios/salon_reminder.ini" --reps "$reps" --seed 7 --quiet \
    --out "sensitivity" >/dev/null
data="$here/../shared/data"
if [ -d "$data" ]; then
    csv=${TMPDIR:-/tmp}/retsim-snapshot-cdnow.csv  # a fixed path: it is written into fitted.ini
    # CDNOW_sample.txt: master id, id, yyyymmdd, CDs, dollars; fit reads CSV
    awk 'BEGIN { print "customer,date,amount" } { printf "%s,%s,%.2f\n", $2, $3, $5 }' \
        "$data/CDNOW_sample.txt" >"$csv"
    "$bin" fit "$csv" --quiet --out "fit" >/dev/null
    rm "$csv"
fi
echo "snapshot-outputs: $n scenarios, compare, sweep, sensitivity$( [ -d "fit" ] && echo ', fit') in $dir"
