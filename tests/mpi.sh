#!/bin/sh
# MPI runs give the outputs of one process, byte for byte (docs/mpi.md).
#
# Each case of mpi_cases runs once as one plain process with 2 threads and
# then under mpirun with 1, 2 and 3 ranks of 1 thread each; the output
# folders must be identical (diff -r; only summary.json's "threads" line,
# which records the thread count, may differ) and so must what rank 0
# printed.  Then the bad input: more ranks than replications (run,
# calibrate, optimize) must exit 2 on every rank, with one clear message;
# and a rank that fails alone must end the job with its status and its
# message.
#
# Skips, saying so, when mpirun is missing or retsim was built without MPI
# (retsim --version).  Usage: tests/mpi.sh  (RETSIM_BIN: default ./retsim;
# MPI_RANKS: default "1 2 3").
set -eu
bin=${RETSIM_BIN:-./retsim}
ranks=${MPI_RANKS:-1 2 3}
fail() { echo "mpi: FAIL: $*" >&2; exit 1; }

if ! command -v mpirun >/dev/null 2>&1; then
    echo "mpi: mpirun not found: MPI tests skipped (tools/ensure-deps.sh test installs Open MPI)"
    exit 0
fi
# as root Open MPI wants to be told; --oversubscribe: more ranks than cores here
mpirun="mpirun --oversubscribe"
[ "$(id -u)" -eq 0 ] && mpirun="$mpirun --allow-run-as-root"
if ! "$bin" --version | grep -q '^MPI: yes'; then
    # a build without MPI refuses to run as several ranks (each would run the whole job)
    set +e
    out=$($mpirun -np 2 "$bin" run scenarios/clinic.ini --reps 4 --out "${TMPDIR:-/tmp}/retsim-mpi-nompi.$$" < /dev/null 2>&1)
    rc=$?
    set -e
    [ "$rc" -eq 2 ] && echo "$out" | grep -q 'built without MPI' ||
        fail "a build without MPI under mpirun -np 2: exit $rc, expected 2 and a message: $out"
    echo "mpi: $bin was built without MPI: it refuses mpirun -np 2 (exit 2); MPI tests skipped (make MPI=1)"
    exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/retsim-mpi.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The commands compared: NAME|ARGUMENTS, one a line (--out and --threads
# are added).  Small runs, but each spans several groups of replications
# or a --precision stop after the first block; calibrate and optimize are
# cut to a few evaluations (their outputs hold no timings): calibrate's
# replications of every evaluation, its Jacobian and its holdout forecast
# are shared among the ranks, optimize's search runs through the runner
# (a grid, then NLopt Sbplx) and its final comparison shares its blocks.
data=../shared/data
[ -f "$data/CDNOW_sample.txt" ] || fail "$data/CDNOW_sample.txt is missing: the calibrate case needs it"
awk 'BEGIN { print "customer,date,amount" } { print $2 "," $3 "," $5 }' "$data/CDNOW_sample.txt" > "$work/cdnow.csv"
mpi_cases() {
    # unquoted: $work names the log written above
    cat <<CASES
run|run scenarios/clinic.ini --reps 40 --seed 11
precision|run scenarios/restaurant.ini --reps 400 --precision 0.004
uncertain|run scenarios/restaurant.ini --reps 24 --set churn.mean=beta(10,10)
compare|compare scenarios/restaurant.ini scenarios/restaurant_recharge.ini --reps 37 --report
sweep|sweep scenarios/restaurant_recharge.ini --param recharge.multiple=1:3:1 --reps 20
sensitivity|sensitivity scenarios/restaurant_small.ini --reps 4
calibrate|calibrate bench/cdnow_satisfaction.ini $work/cdnow.csv --holdout-from 1997-10-01 --free churn.mean,stickiness.max --reps 6 --starts 2 --max-evals 8 --bootstrap 50
optimize_grid|optimize scenarios/restaurant_stamp_card.ini --param stamp_card.purchases=2:5 --reps 6 --final-reps 24 --top 3
optimize_sbplx|optimize scenarios/restaurant_recharge_optimize.ini --param recharge.multiple=1:4 --reps 4 --evals 10 --final-reps 16 --top 3
CASES
}

ncases=0
mpi_cases > "$work/cases"
while IFS='|' read -r name args; do
    [ -n "$name" ] || continue
    ncases=$((ncases + 1))
    # shellcheck disable=SC2086 # the arguments are words
    "$bin" $args --threads 2 --out "$work/$name.ref" < /dev/null > "$work/$name.ref.txt" 2>&1 ||
        fail "$name: one process failed: $(cat "$work/$name.ref.txt")"
    sed -i "s|$work/$name.ref|OUT|g" "$work/$name.ref.txt"
    for n in $ranks; do
        # shellcheck disable=SC2086
        # (mpirun reads stdin: from /dev/null, not from the list of cases)
        $mpirun -np "$n" "$bin" $args --threads 1 --out "$work/$name.$n" < /dev/null > "$work/$name.$n.txt" 2>&1 ||
            fail "$name: $n ranks failed: $(cat "$work/$name.$n.txt")"
        sed -i "s|$work/$name.$n|OUT|g" "$work/$name.$n.txt"
        diff -r -I '^  "threads": [0-9]*,$' "$work/$name.ref" "$work/$name.$n" > "$work/diff" ||
            fail "$name: the outputs of $n ranks differ from one process's: $(head -20 "$work/diff")"
        cmp -s "$work/$name.ref.txt" "$work/$name.$n.txt" ||
            fail "$name: $n ranks printed otherwise than one process: $(diff "$work/$name.ref.txt" "$work/$name.$n.txt" | head -20)"
    done
    echo "mpi: $name: one process and $ranks ranks agree byte for byte"
done < "$work/cases"
expected=$(grep -c '|' "$work/cases")
[ "$ncases" -gt 0 ] && [ "$ncases" -eq "$expected" ] || fail "$ncases cases run of $expected"

# more ranks than the work: a clear message, once, and 2 everywhere
set +e
$mpirun -np 3 "$bin" run scenarios/clinic.ini --reps 2 --threads 1 --out "$work/toomany" < /dev/null > "$work/toomany.txt" 2>&1
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "3 ranks for 2 replications: exit $rc, expected 2: $(cat "$work/toomany.txt")"
count=$(grep -c 'MPI ranks but only 2 replications' "$work/toomany.txt" || true)
[ "$count" -eq 1 ] || fail "3 ranks for 2 replications: the message came $count times: $(cat "$work/toomany.txt")"
[ ! -e "$work/toomany" ] || fail "3 ranks for 2 replications: an output folder was written"
echo "mpi: more ranks than replications: exit 2, one message"

# the same for calibrate, whose replications of one evaluation are shared
set +e
$mpirun -np 3 "$bin" calibrate bench/cdnow_satisfaction.ini "$work/cdnow.csv" --free churn.mean --reps 2 \
    --threads 1 --out "$work/toomany_cal" < /dev/null > "$work/toomany_cal.txt" 2>&1
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "calibrate, 3 ranks for 2 replications: exit $rc, expected 2: $(cat "$work/toomany_cal.txt")"
count=$(grep -c 'MPI ranks but only 2 replications per evaluation' "$work/toomany_cal.txt" || true)
[ "$count" -eq 1 ] || fail "calibrate, 3 ranks for 2 replications: the message came $count times: $(cat "$work/toomany_cal.txt")"
[ ! -e "$work/toomany_cal" ] || fail "calibrate, 3 ranks for 2 replications: an output folder was written"
echo "mpi: calibrate with more ranks than replications: exit 2, one message"

# and for optimize, refused before the search starts
set +e
$mpirun -np 3 "$bin" optimize scenarios/restaurant_stamp_card.ini --param stamp_card.purchases=2:5 --reps 2 \
    --threads 1 --out "$work/toomany_opt" < /dev/null > "$work/toomany_opt.txt" 2>&1
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "optimize, 3 ranks for 2 replications: exit $rc, expected 2: $(cat "$work/toomany_opt.txt")"
count=$(grep -c 'MPI ranks but only 2 replications' "$work/toomany_opt.txt" || true)
[ "$count" -eq 1 ] || fail "optimize, 3 ranks for 2 replications: the message came $count times: $(cat "$work/toomany_opt.txt")"
grep -q 'full grid' "$work/toomany_opt.txt" && fail "optimize, 3 ranks for 2 replications: the search began"
[ ! -e "$work/toomany_opt" ] || fail "optimize, 3 ranks for 2 replications: an output folder was written"
echo "mpi: optimize with more ranks than replications: exit 2, one message, no search"

# a rank that fails alone (here: rank 1 reads another, missing file, while
# rank 0 waits for it in the run): its message, then MPI_Abort with its
# status, after the 10 s dist_settle gives the others to agree
set +e
$mpirun -np 1 "$bin" run scenarios/clinic.ini --reps 8 --threads 1 --out "$work/alone" \
    : -np 1 "$bin" run "$work/missing.ini" --reps 8 --threads 1 --out "$work/alone" < /dev/null > "$work/alone.txt" 2>&1
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "a rank failing alone: exit $rc, expected 2: $(cat "$work/alone.txt")"
grep -q "MPI rank 1 of 2: .*missing.ini" "$work/alone.txt" ||
    fail "a rank failing alone did not say so: $(cat "$work/alone.txt")"
[ ! -e "$work/alone" ] || fail "a rank failing alone: an output folder was written"
echo "mpi: a rank failing alone: its message, exit 2"
