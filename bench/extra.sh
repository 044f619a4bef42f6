#!/bin/sh
# bench/extra.sh: the what-if and fitting benchmarks (docs/benchmarks.md).
#  1. a paired compare of two scenarios against the two plain runs it replaces;
#  2. retsim fit on a log of 100,000 customers (made by bench/make_log.c).
set -eu
cd "$(dirname "$0")/.."
RETSIM=${RETSIM:-./retsim}
CC=${CC:-gcc}
OUT=build/bench
REPS=${REPS:-100}
mkdir -p "$OUT"
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

echo "bench: compare cost (restaurant.ini against restaurant_recharge.ini, $REPS replications, 2 threads)"
t0=$(now)
"$RETSIM" run scenarios/restaurant.ini --reps "$REPS" --threads 2 --quiet --out "$OUT/plain_base"
"$RETSIM" run scenarios/restaurant_recharge.ini --reps "$REPS" --threads 2 --quiet --out "$OUT/plain_variant"
t1=$(now)
"$RETSIM" compare scenarios/restaurant.ini scenarios/restaurant_recharge.ini --reps "$REPS" --threads 2 \
    --quiet --out "$OUT/compare"
t2=$(now)
plain=$(secs "$t0" "$t1")
paired=$(secs "$t1" "$t2")
ratio=$(awk -v a="$paired" -v b="$plain" 'BEGIN { printf "%.2f", a / b }')
echo "bench:   two plain runs ${plain} s, one paired compare ${paired} s: ${ratio} x the cost"

echo "bench: fit on a log of 100,000 customers"
$CC -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -o "$OUT/make_log" bench/make_log.c -lgsl -lgslcblas -lm
"$OUT/make_log" 100000 > "$OUT/log100k.csv"
rows=$(($(wc -l < "$OUT/log100k.csv") - 1))
t3=$(now)
"$RETSIM" fit "$OUT/log100k.csv" --holdout-from 1997-10-01 --quiet --out "$OUT/fit100k"
t4=$(now)
echo "bench:   $rows purchases, 100000 customers: retsim fit took $(secs "$t3" "$t4") s (read, describe, BG/NBD and Gamma-Gamma fits, scoring, holdout, plots)"
sed -n 's/.*"\(r\|alpha\|a\|b\)": \([0-9.e+-]*\),*$/bench:   \1 = \2/p' "$OUT/fit100k/summary.json" | head -4

# 3. the forward baseline on the full CDNOW file (issue 11): fit, then 100
#    replications forward from its 23,570 customers.
MASTER=${RETSIM_SHARED_DATA:-../shared/data}/CDNOW_master.txt
if [ -r "$MASTER" ]; then
    echo "bench: fit and a 100-replication forward run of the full CDNOW file ($MASTER)"
    tr -d '\r' < "$MASTER" | awk 'NR == 1 { print "id,date,amount"; next } { print $1 "," $2 "," $4 }' \
        > "$OUT/cdnow_master.csv"
    t5=$(now)
    "$RETSIM" fit "$OUT/cdnow_master.csv" --quiet --out "$OUT/fit_master"
    t6=$(now)
    "$RETSIM" run "$OUT/fit_master/fitted.ini" --reps 100 --threads 2 --quiet --out "$OUT/fit_master_run"
    t7=$(now)
    echo "bench:   retsim fit $(secs "$t5" "$t6") s (three purchase models compared), 100 replications forward $(secs "$t6" "$t7") s"
else
    echo "bench: SKIPPED the CDNOW forward benchmark: $MASTER is missing (the shared data sits in ../shared/data)"
fi
