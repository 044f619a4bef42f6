#!/bin/sh
# bench/mpi.sh: the speed-up from 1 to 2 MPI ranks (docs/mpi.md).
# The same run three ways, interleaved round by round so that a change in
# the machine's load falls on all three alike, the median of ROUNDS each:
#   1 process, 1 thread;  mpirun -np 2, 1 thread a rank;  1 process, 2 threads
# (OpenMP, for comparison).  The outputs must agree byte for byte (but
# summary.json's thread count); the load average is printed beside.
# WHAT=calibrate times a calibration to the CDNOW sample instead of a run
# (3 free keys; docs/mpi.md records it).
# Skipped, saying so, without mpirun or an MPI build.
set -eu
cd "$(dirname "$0")/.."
RETSIM=${RETSIM:-./retsim}
ROUNDS=${ROUNDS:-5}
REPS=${REPS:-64}
SCEN=${SCEN:-scenarios/clinic.ini}
WHAT=${WHAT:-run}
DATA=${DATA:-../shared/data}
OUT=build/bench/mpi_$WHAT
if ! command -v mpirun >/dev/null 2>&1 || ! "$RETSIM" --version | grep -q '^MPI: yes'; then
    echo "bench: MPI speed-up skipped (no mpirun, or retsim built without MPI)"
    exit 0
fi
mpirun="mpirun --oversubscribe"
[ "$(id -u)" -eq 0 ] && mpirun="$mpirun --allow-run-as-root"
mkdir -p "$OUT"
case $WHAT in
run) ARGS="run $SCEN --reps $REPS"; what="$SCEN, $REPS replications" ;;
calibrate)
    [ -f "$DATA/CDNOW_sample.txt" ] || { echo "bench/mpi.sh: $DATA/CDNOW_sample.txt is missing" >&2; exit 1; }
    awk 'BEGIN { print "customer,date,amount" } { print $2 "," $3 "," $5 }' "$DATA/CDNOW_sample.txt" > "$OUT/cdnow.csv"
    CAL_REPS=${CAL_REPS:-16}
    ARGS="calibrate bench/cdnow_satisfaction.ini $OUT/cdnow.csv --holdout-from 1997-10-01 --free churn.mean,stickiness.max,visits.cycle_days=5:400 --reps $CAL_REPS --starts 3 --max-evals 40"
    what="a calibration of 3 keys to the CDNOW sample, $CAL_REPS replications an evaluation" ;;
*) echo "bench/mpi.sh: WHAT=$WHAT: expected run or calibrate" >&2; exit 2 ;;
esac
# wall, user and system seconds of a command and its children, appended to FILE
timed() { f=$1; shift; /usr/bin/time -f '%e %U %S' -a -o "$f" "$@"; }
col_median() { awk -v c="$1" '{ print $c }' "$2" | sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
cpu_median() { awk '{ printf "%.2f\n", $2 + $3 }' "$1" | sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
: > "$OUT/one.t"; : > "$OUT/two_ranks.t"; : > "$OUT/two_threads.t"; : > "$OUT/startup.t"; : > "$OUT/load.t"
# waiting ranks yield the processor instead of polling: this machine is shared
mpirun="$mpirun --mca mpi_yield_when_idle 1"
echo "bench: MPI speed-up, $what, $ROUNDS interleaved rounds (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
r=1
while [ "$r" -le "$ROUNDS" ]; do
    rm -rf "$OUT/one" "$OUT/two_ranks" "$OUT/two_threads"
    cut -d' ' -f1 /proc/loadavg >> "$OUT/load.t"
    # shellcheck disable=SC2086 # ARGS are words
    timed "$OUT/one.t" "$RETSIM" $ARGS --threads 1 --quiet --out "$OUT/one"
    # shellcheck disable=SC2086
    timed "$OUT/two_ranks.t" $mpirun -np 2 "$RETSIM" $ARGS --threads 1 --quiet --out "$OUT/two_ranks" < /dev/null
    # shellcheck disable=SC2086
    timed "$OUT/two_threads.t" "$RETSIM" $ARGS --threads 2 --quiet --out "$OUT/two_threads"
    timed "$OUT/startup.t" $mpirun -np 2 "$RETSIM" --version < /dev/null > /dev/null
    diff -r -I '^  "threads": [0-9]*,$' "$OUT/one" "$OUT/two_ranks" > /dev/null || { echo "bench: 2 ranks gave other outputs than 1 process" >&2; exit 1; }
    echo "bench:   round $r (wall s): 1 process $(tail -n 1 "$OUT/one.t" | cut -d' ' -f1), 2 ranks $(tail -n 1 "$OUT/two_ranks.t" | cut -d' ' -f1), 2 threads $(tail -n 1 "$OUT/two_threads.t" | cut -d' ' -f1) (load $(tail -n 1 "$OUT/load.t"))"
    r=$((r + 1))
done
one=$(col_median 1 "$OUT/one.t"); two=$(col_median 1 "$OUT/two_ranks.t"); thr=$(col_median 1 "$OUT/two_threads.t")
echo "bench:   median wall: 1 process ${one} s, 2 MPI ranks ${two} s (speed-up $(ratio "$one" "$two")), 2 OpenMP threads ${thr} s (speed-up $(ratio "$one" "$thr"))"
echo "bench:   median CPU (user + system): 1 process $(cpu_median "$OUT/one.t") s, 2 MPI ranks $(cpu_median "$OUT/two_ranks.t") s, 2 threads $(cpu_median "$OUT/two_threads.t") s"
echo "bench:   mpirun -np 2 retsim --version alone (start and end of the job): median $(col_median 1 "$OUT/startup.t") s wall"
echo "bench:   load average during the rounds: $(sort -n "$OUT/load.t" | tr '\n' ' ')"
