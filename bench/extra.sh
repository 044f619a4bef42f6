#!/bin/sh
# bench/extra.sh: the what-if and fitting benchmarks (docs/benchmarks.md).
#  1. a paired compare of two scenarios against the two plain runs it replaces;
#  2. retsim fit on a log of 100,000 customers (made by bench/make_log.c),
#     against the target of 1 s (issue 14);
#  3. the forward baseline on the full CDNOW file;
#  4. the plots' share of a 20-replication run, drawn one after another
#     (before) and in the background (now); PLOT_ROUNDS interleaved rounds;
#  5. the chain of 15 clinics (bench/chain15.ini): CHAIN_REPS replications,
#     time and peak memory.
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
# wall and CPU (user + system) seconds, from /usr/bin/time when present:
# on a shared machine the CPU time is the comparison (docs/benchmarks.md)
if [ -x /usr/bin/time ]; then
    /usr/bin/time -f "%e %U %S" -o "$OUT/fit100k_time.txt" \
        "$RETSIM" fit "$OUT/log100k.csv" --holdout-from 1997-10-01 --quiet --out "$OUT/fit100k"
    fit_s=$(awk '{ printf "%.2f", $1 }' "$OUT/fit100k_time.txt")
    cpu_s=$(awk '{ printf "%.2f", $2 + $3 }' "$OUT/fit100k_time.txt")
else
    t3=$(now)
    "$RETSIM" fit "$OUT/log100k.csv" --holdout-from 1997-10-01 --quiet --out "$OUT/fit100k"
    t4=$(now)
    fit_s=$(secs "$t3" "$t4")
    cpu_s="?"
fi
sim_reps=$(sed -n 's/.*"simulated_replications": \([0-9]*\).*/\1/p' "$OUT/fit100k/summary.json")
echo "bench:   $rows purchases, 100000 customers: retsim fit took $fit_s s wall, $cpu_s s CPU (read, describe, BG/NBD, MBG/NBD, Pareto/NBD and Gamma-Gamma fits, scoring, holdout and its ${sim_reps:-?} simulated replications, plots)"
echo "bench:   against the target of 1 s (issue 14): $(awk -v a="$fit_s" 'BEGIN { printf "%.1fx the target (%s)", a / 1, a <= 1 ? "met" : "NOT met" }') wall; CPU $cpu_s s on $(nproc) cores"
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

# 4. the plots off the critical path (issue 14): the same 20-replication run
#    of a shipped scenario with gnuplot absent (PATH without it: the CSV
#    files and scripts only), with the plots drawn one after another as
#    before (RETSIM_PLOT_JOBS=0), and as now (drawn in the background, side
#    by side, while the rest is written).  PLOT_ROUNDS rounds, interleaved;
#    the medians count.
PLOT_ROUNDS=${PLOT_ROUNDS:-5}
PSCEN=scenarios/clinic.ini
if command -v gnuplot >/dev/null 2>&1; then
    echo "bench: plot overhead ($PSCEN, 20 replications, 2 threads, $PLOT_ROUNDS interleaved rounds, medians)"
    : > "$OUT/plot_times.txt"
    i=0
    while [ "$i" -lt "$PLOT_ROUNDS" ]; do
        for mode in none serial background; do
            t0=$(now)
            case $mode in
            none) env PATH=/nonexistent "$RETSIM" run "$PSCEN" --reps 20 --threads 2 --quiet --out "$OUT/plots_$mode" 2>/dev/null ;;
            serial) RETSIM_PLOT_JOBS=0 "$RETSIM" run "$PSCEN" --reps 20 --threads 2 --quiet --out "$OUT/plots_$mode" ;;
            background) "$RETSIM" run "$PSCEN" --reps 20 --threads 2 --quiet --out "$OUT/plots_$mode" ;;
            esac
            t1=$(now)
            echo "$mode $(secs "$t0" "$t1")" >> "$OUT/plot_times.txt"
        done
        i=$((i + 1))
    done
    med() { awk -v m="$1" '$1 == m { print $2 }' "$OUT/plot_times.txt" | sort -n |
        awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
    m0=$(med none)
    m1=$(med serial)
    m2=$(med background)
    awk -v a="$m0" -v b="$m1" -v c="$m2" 'BEGIN {
        printf "bench:   no gnuplot %.2f s; plots one after another (before) %.2f s, +%.0f %%; in the background (now) %.2f s, +%.0f %%\n",
            a, b, 100 * (b - a) / a, c, 100 * (c - a) / a }'
else
    echo "bench: SKIPPED the plot overhead: gnuplot is not installed"
fi

# 5. the chain of 15 clinics (bench/chain15.ini): about 1,000,000 customers
#    over two years, CHAIN_REPS replications (100 is the issue's question;
#    the default, 10, keeps make bench short: the time of 100 is then
#    extrapolated, and says so), 2 threads, peak memory from GNU time.
CHAIN_REPS=${CHAIN_REPS:-10}
echo "bench: chain of 15 clinics (bench/chain15.ini), $CHAIN_REPS replications, 2 threads"
t0=$(now)
if [ -x /usr/bin/time ]; then
    /usr/bin/time -v "$RETSIM" run bench/chain15.ini --reps "$CHAIN_REPS" --threads 2 --quiet --out "$OUT/chain15" \
        2> "$OUT/chain15_time.txt"
else
    "$RETSIM" run bench/chain15.ini --reps "$CHAIN_REPS" --threads 2 --quiet --out "$OUT/chain15"
fi
t1=$(now)
cs=$(secs "$t0" "$t1")
newc=$(tr -d '\n' < "$OUT/chain15/summary.json" |
    sed -n 's/.*"new_customers": *{[^}]*"mean": *\([-+0-9.eE]*\).*/\1/p')
rss=$(sed -n 's/.*Maximum resident set size (kbytes): *\([0-9]*\).*/\1/p' "$OUT/chain15_time.txt" 2>/dev/null)
awk -v s="$cs" -v r="$CHAIN_REPS" -v c="$newc" -v k="$rss" 'BEGIN {
    printf "bench:   %.0f customers a replication; %s replications in %.1f s (%.2f s each)", c, r, s, s / r
    if (r != 100) printf "; 100 replications: about %.0f s (extrapolated)", s / r * 100
    printf "\n"
    if (k != "") printf "bench:   peak memory %.0f MB (%d kB; retsim or the largest gnuplot it ran)\n", k / 1024, k
}'
