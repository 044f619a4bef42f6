#!/bin/sh
# bench/run.sh - what `make bench` runs (docs/benchmarks.md says what it means).
#
# 1. builds the yardstick bench/bare_loop.c into build/bench/ and runs it: the
#    engine's random draws for the textbook case with no model logic;
# 2. runs the textbook case (bench/textbook.ini: about 100,000 customers over
#    730 days) for 100 replications with ./retsim on 1 thread, then on 2,
#    timing each end to end (start-up, simulation, CSV and plot output);
# 3. reads the visits and customers per replication from summary.json and
#    prints visits per second, the speed-up from 1 to 2 threads, the engine's
#    cost against the bare loop, whether the 1- and 2-thread outputs are
#    bit-identical, and the 2-thread run's peak memory.
#
# POSIX sh and tools only (awk, sed, cmp, date); GNU /usr/bin/time -v is used
# for the peak memory when present.  Exits non-zero if a run fails, the
# outputs differ between thread counts, or there are fewer than 100,000
# customers per replication.
#
# Environment: RETSIM (default ./retsim), CC (default gcc), REPS (default
# 100), ROUNDS (default 1): with ROUNDS=3 each program runs three times and the
# fastest time counts, which steadies the numbers on a machine shared with
# other work.
set -eu

cd "$(dirname "$0")/.."
RETSIM=${RETSIM:-./retsim}
CC=${CC:-gcc}
REPS=${REPS:-100}
ROUNDS=${ROUNDS:-1}
SCEN=bench/textbook.ini
OUT=build/bench
SEED=1

say() { printf '%s\n' "bench: $*"; }
die() { printf '%s\n' "bench: $*" >&2; exit 1; }

[ -x "$RETSIM" ] || die "$RETSIM is not built (run make)"
command -v "$CC" >/dev/null 2>&1 || CC=cc
mkdir -p "$OUT"

# Timings mean little on a busy machine: where Linux's /proc/stat tells how
# busy the CPUs are, look for one second before starting and say so.
cpu_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat; }
if [ -r /proc/stat ]; then
    before=$(cpu_ticks)
    sleep 1
    after=$(cpu_ticks)
    busy=$(printf '%s %s\n' "$before" "$after" |
        awk '{ d = $4 - $2; printf "%.0f", (d > 0 ? 100 * ($3 - $1) / d : 0) }')
    if [ "$busy" -ge 10 ]; then
        say "note: the CPUs are already $busy % busy with other work: the times below will be longer than this machine can do"
    fi
fi

# Wall-clock seconds, with nanoseconds where date knows %N (GNU, BusyBox).
if date +%s.%N 2>/dev/null | grep -q '^[0-9][0-9]*\.[0-9][0-9]*$'; then
    now() { date +%s.%N; }
else
    now() { date +%s; }
    say "note: this date has no %N; times are whole seconds (about 10 % error)"
fi

# The field "mean" of the object "KEY": { ... } in a JSON file, whether the
# file is pretty-printed or on one line.
json_mean() {
    tr -d '\n' <"$1" |
        sed -n 's/.*"'"$2"'": *{[^}]*"mean": *\([-+0-9.eE]*\).*/\1/p'
}

# The smaller of two times (a best-of-ROUNDS timing keeps the fastest).
min() { awk -v a="$1" -v b="$2" 'BEGIN { print ((a == "" || b + 0 < a + 0) ? b : a) }'; }

# ---- 1. the bare loop --------------------------------------------------------
say "building $OUT/bare_loop (gcc -O2, GSL)"
"$CC" -std=c11 -O2 -Wall -Wextra -o "$OUT/bare_loop" bench/bare_loop.c \
    -lgsl -lgslcblas -lm || die "could not build bench/bare_loop.c (is libgsl-dev installed?)"

bare() {  # sets bare_secs, bare_gen; keeps the fastest round in bare_best
    say "running the bare loop: the same GSL draws, no model logic, 1 thread, $REPS replications"
    "$OUT/bare_loop" "$REPS" "$SEED" >"$OUT/bare_loop.txt" || die "bare_loop failed"
    cat "$OUT/bare_loop.txt"
    bare_secs=$(tr ' ' '\n' <"$OUT/bare_loop.txt" | sed -n 's/^seconds=//p')
    bare_gen=$(tr ' ' '\n' <"$OUT/bare_loop.txt" | sed -n 's/^generator=//p')
    bare_visits=$(tr ' ' '\n' <"$OUT/bare_loop.txt" | sed -n 's/^visits=//p')
    if [ -z "$bare_secs" ] || [ -z "$bare_visits" ]; then die "could not read the bare loop's output"; fi
    bare_best=$(min "$bare_best" "$bare_secs")
}

# ---- 2. retsim on 1 and 2 threads ---------------------------------------------
gnu_time=""
if [ -x /usr/bin/time ] && /usr/bin/time -v -o "$OUT/probe.time" true >/dev/null 2>&1; then
    gnu_time=/usr/bin/time
fi

run() {  # THREADS; sets elapsed (seconds)
    dir="$OUT/t$1"
    rm -rf "$dir"
    say "running $RETSIM run $SCEN --reps $REPS --threads $1 --seed $SEED --quiet --out $dir"
    start=$(now)
    if [ "$1" -eq 2 ] && [ -n "$gnu_time" ]; then
        "$gnu_time" -v -o "$OUT/t2.time" \
            "$RETSIM" run "$SCEN" --reps "$REPS" --threads "$1" --seed "$SEED" --quiet --out "$dir" ||
            die "retsim failed on $1 thread(s)"
    else
        "$RETSIM" run "$SCEN" --reps "$REPS" --threads "$1" --seed "$SEED" --quiet --out "$dir" ||
            die "retsim failed on $1 thread(s)"
    fi
    end=$(now)
    elapsed=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')
    say "  $elapsed s"
}

bare_best="" t1="" t2=""
round=1
while [ "$round" -le "$ROUNDS" ]; do
    [ "$ROUNDS" -gt 1 ] && say "round $round of $ROUNDS"
    bare
    run 1
    t1=$(min "$t1" "$elapsed")
    run 2
    t2=$(min "$t2" "$elapsed")
    round=$((round + 1))
done
bare_rate=$(awk -v v="$bare_visits" -v s="$bare_best" 'BEGIN { printf "%.0f", v / s }')

visits=$(json_mean "$OUT/t1/summary.json" visits)
customers=$(json_mean "$OUT/t1/summary.json" new_customers)
if [ -z "$visits" ] || [ -z "$customers" ]; then
    die "could not read metrics.visits.mean / new_customers.mean from $OUT/t1/summary.json"
fi

status=0
same() {
    if cmp -s "$OUT/t1/$1" "$OUT/t2/$1"; then echo "identical"; else echo "DIFFERENT"; fi
}
ret_same=$(same retention.csv)
prof_same=$(same profit.csv)
[ "$ret_same" = identical ] && [ "$prof_same" = identical ] || status=1

rss="not measured (GNU /usr/bin/time is not installed)"
if [ -n "$gnu_time" ] && [ -f "$OUT/t2.time" ]; then
    kb=$(sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): *//p' "$OUT/t2.time")
    [ -n "$kb" ] && rss=$(awk -v k="$kb" 'BEGIN { printf "%.1f MB (%d kB; the largest of retsim and the gnuplot it runs)", k / 1024, k }')
fi

cpu=$(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo 2>/dev/null | head -n 1)
cores=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo "?")

# ---- 3. the table --------------------------------------------------------------
awk -v reps="$REPS" -v visits="$visits" -v customers="$customers" \
    -v t1="$t1" -v t2="$t2" -v bare="$bare_rate" -v bsecs="$bare_best" -v gen="$bare_gen" \
    -v same_r="$ret_same" -v same_p="$prof_same" -v rss="$rss" -v cpu="${cpu:-unknown CPU}" \
    -v cores="$cores" '
function grp(x,    s, r) {   # 12345678 -> 12,345,678
    s = sprintf("%.0f", x); r = ""
    while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) }
    return s r
}
BEGIN {
    total = visits * reps
    r1 = total / t1; r2 = total / t2
    ratio = bare / r1
    print ""
    printf "retsim benchmark: bench/textbook.ini, %d replications of 730 days\n", reps
    printf "machine: %s, %s cores\n", cpu, cores
    printf "customers per replication: %s (at least 100,000: %s)\n", grp(customers), (customers >= 100000 ? "yes" : "NO")
    printf "visits per replication:    %s; in all %s\n", grp(visits), grp(total)
    print  ""
    printf "  %-44s %10s %16s\n", "run", "seconds", "visits/second"
    printf "  %-44s %10.2f %16s\n", "bare loop: GSL draws only, 1 thread (" gen ")", bsecs, grp(bare)
    printf "  %-44s %10.2f %16s\n", "retsim, 1 thread", t1, grp(r1)
    printf "  %-44s %10.2f %16s\n", "retsim, 2 threads", t2, grp(r2)
    print  ""
    printf "speed-up from 1 to 2 threads:         %.2fx\n", t1 / t2
    printf "retsim (1 thread) against bare loop:  %.1fx the time (aim: at most 2x, model logic no dearer than its draws): %s\n", ratio, (ratio <= 2 ? "met" : "NOT met")
    printf "1- and 2-thread outputs bit-identical: retention.csv %s, profit.csv %s\n", same_r, same_p
    printf "peak memory, 2 threads:               %s\n", rss
    print  "(retsim times are end to end: start-up, simulation, CSV and plot output)"
}'
[ "$status" -eq 0 ] || die "the 1- and 2-thread outputs differ: results must not depend on the thread count"
awk -v c="$customers" 'BEGIN { exit !(c >= 100000) }' ||
    die "fewer than 100,000 customers per replication: the benchmark is too small"
