#!/bin/sh
# bench/mpi.sh: the speed-up from 1 to 2 MPI ranks (docs/mpi.md).
# The same run three ways, interleaved round by round so that a change in
# the machine's load falls on all three alike, the median of ROUNDS each:
#   1 process, 1 thread;  mpirun -np 2, 1 thread a rank;  1 process, 2 threads
# (OpenMP, for comparison).  The outputs must agree byte for byte (but
# summary.json's thread count); the load average is printed beside.
# Skipped, saying so, without mpirun or an MPI build.
set -eu
cd "$(dirname "$0")/.."
RETSIM=${RETSIM:-./retsim}
ROUNDS=${ROUNDS:-5}
REPS=${REPS:-64}
SCEN=${SCEN:-scenarios/clinic.ini}
OUT=build/bench/mpi
if ! command -v mpirun >/dev/null 2>&1 || ! "$RETSIM" --version | grep -q '^MPI: yes'; then
    echo "bench: MPI speed-up skipped (no mpirun, or retsim built without MPI)"
    exit 0
fi
mpirun="mpirun --oversubscribe"
[ "$(id -u)" -eq 0 ] && mpirun="$mpirun --allow-run-as-root"
mkdir -p "$OUT"
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
: > "$OUT/one.t"; : > "$OUT/two_ranks.t"; : > "$OUT/two_threads.t"
echo "bench: MPI speed-up, $SCEN, $REPS replications, $ROUNDS interleaved rounds (load: $(cut -d' ' -f1-3 /proc/loadavg))"
r=1
while [ "$r" -le "$ROUNDS" ]; do
    rm -rf "$OUT/one" "$OUT/two_ranks" "$OUT/two_threads"
    t0=$(now)
    "$RETSIM" run "$SCEN" --reps "$REPS" --threads 1 --quiet --out "$OUT/one"
    t1=$(now)
    $mpirun -np 2 "$RETSIM" run "$SCEN" --reps "$REPS" --threads 1 --quiet --out "$OUT/two_ranks"
    t2=$(now)
    "$RETSIM" run "$SCEN" --reps "$REPS" --threads 2 --quiet --out "$OUT/two_threads"
    t3=$(now)
    secs "$t0" "$t1" >> "$OUT/one.t"
    secs "$t1" "$t2" >> "$OUT/two_ranks.t"
    secs "$t2" "$t3" >> "$OUT/two_threads.t"
    diff -r "$OUT/one" "$OUT/two_ranks" > /dev/null || { echo "bench: 2 ranks gave other outputs than 1 process" >&2; exit 1; }
    echo "bench:   round $r: 1 process $(tail -n 1 "$OUT/one.t") s, 2 ranks $(tail -n 1 "$OUT/two_ranks.t") s, 2 threads $(tail -n 1 "$OUT/two_threads.t") s (load $(cut -d' ' -f1 /proc/loadavg))"
    r=$((r + 1))
done
one=$(median < "$OUT/one.t")
two=$(median < "$OUT/two_ranks.t")
thr=$(median < "$OUT/two_threads.t")
echo "bench:   medians: 1 process ${one} s, 2 MPI ranks ${two} s (speed-up $(awk -v a="$one" -v b="$two" 'BEGIN { printf "%.2f", a / b }')), 2 OpenMP threads ${thr} s (speed-up $(awk -v a="$one" -v b="$thr" 'BEGIN { printf "%.2f", a / b }'))"
