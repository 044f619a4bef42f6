#!/bin/bash
# Signal harness (issue 9): SIGINT and SIGTERM at random moments of
# `retsim run`, `compare`, `sweep` and `fit`, each writing over an earlier
# output.  After every try the target must be the old folder byte for byte,
# or the new one byte for byte equal to a complete reference run, with no
# temporary folder or *.tmp file left beside or inside it, no gnuplot child
# still alive, and the exit status 130 / 143 (0 only if the run finished
# before the signal).
#
# A third of the tries sample the delay uniformly over the measured run time,
# a third over the time before the write phase (simulating or fitting), and
# a third wait for the temporary folder to appear (the write phase has
# begun) and then sample over the measured write time, so that the write
# phase is hit often.  A try counts as a write-phase hit when the temporary
# folder existed when the signal was sent; the harness fails unless every
# command had some.
#
# usage: tests/signals.sh            (RETSIM_BIN, SIGNAL_TRIES per command,
#                                     SIGNAL_SEED may be set)
set -u
set -m # background jobs keep SIGINT: a script's `cmd &` would ignore it
bin=${RETSIM_BIN:-./retsim}
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
tries=${SIGNAL_TRIES:-10}
seed=${SIGNAL_SEED:-20240901}
RANDOM=$seed
src=$PWD
work=$(mktemp -d /tmp/retsim-signals-XXXXXX)
trap 'rm -rf "$work"' EXIT
fail=0
tag="retsim-signal-test-$$"

say() { printf 'signals: %s\n' "$*"; }
bad() { say "FAIL: $*"; fail=1; }
now() { date +%s.%N; }

# A small transaction log for fit: 300 customers buying at their own rate
# until they drop out (the BG/NBD story, so the fit converges); fixed seed.
awk 'BEGIN { srand(7); print "customer,date,amount";
  for (c = 1; c <= 300; c++) {
    lam = 0.01 + rand() * 0.08; p = 0.1 + rand() * 0.5; t = int(rand() * 90); spend = 10 + rand() * 30;
    while (t < 365) {
      m = int(t / 30.5); if (m > 11) m = 11; dd = 1 + int(t - m * 30.5); if (dd > 28) dd = 28;
      printf "c%d,2024-%02d-%02d,%.2f\n", c, m + 1, dd, spend * (0.5 + rand());
      if (rand() < p) break;
      t += 1 - log(1 - rand()) / lam } } }' > "$work/log.csv"

# name | arguments of the new run | arguments of the old run into the same folder
cmds=(
  "run|run $src/scenarios/clinic.ini --reps 32 --seed 1 -q|run $src/scenarios/clinic.ini --reps 32 --seed 2 -q"
  "compare|compare $src/scenarios/clinic.ini $src/scenarios/clinic_programme.ini --reps 2 --seed 1 -q|compare $src/scenarios/clinic.ini $src/scenarios/clinic_programme.ini --reps 2 --seed 2 -q"
  "sweep|sweep $src/scenarios/restaurant.ini --param churn.mean=0.2:0.6:0.2 --reps 4 --seed 1 -q|sweep $src/scenarios/restaurant.ini --param churn.mean=0.2:0.6:0.2 --reps 4 --seed 2 -q"
  "fit|fit $work/log.csv --period week -q|fit $work/log.csv --period day -q"
)

# every file's path and checksum, in a stable order
manifest() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum); }

# uniform random number of milliseconds in [0, max_ms]
rand_ms() { echo $(( (RANDOM * 32768 + RANDOM) % ($1 + 1) )); }
ms_to_s() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }

total_hits=0
total_tries=0
for spec in "${cmds[@]}"; do
    IFS='|' read -r name new_args old_args <<<"$spec"
    ref=$work/ref_$name
    old=$work/old_$name
    # shellcheck disable=SC2086
    "$bin" $old_args --out "$old" >/dev/null 2>&1 || { bad "$name: the old run failed"; continue; }
    # the reference run, timed: whole run and write phase (temp folder seen)
    t0=$(now)
    # shellcheck disable=SC2086
    "$bin" $new_args --out "$ref" >/dev/null 2>&1 &
    pid=$!
    tw=""
    while kill -0 "$pid" 2>/dev/null; do
        if [ -z "$tw" ] && compgen -G "$ref.retsim-*" >/dev/null; then tw=$(now); fi
        sleep 0.005
    done
    wait "$pid" || { bad "$name: the reference run failed"; continue; }
    t1=$(now)
    [ -n "$tw" ] || tw=$t0
    run_ms=$(echo "($t1 - $t0) * 1000 / 1" | bc)
    write_ms=$(echo "($t1 - $tw) * 1000 / 1" | bc)
    [ "$write_ms" -gt 0 ] || write_ms=1
    [ -s "$ref/summary.json" ] || [ -s "$ref/compare.json" ] || [ -s "$ref/sweep.json" ] \
        || bad "$name: the reference output has no summary"
    manifest "$old" > "$work/old_$name.sum"
    manifest "$ref" > "$work/ref_$name.sum"
    cmp -s "$work/old_$name.sum" "$work/ref_$name.sum" && bad "$name: old and new outputs are identical: the test could not tell them apart"

    hits=0 sim=0 finished=0 kept=0 replaced=0
    for ((i = 0; i < tries; i++)); do
        sig=INT
        [ $((RANDOM % 2)) -eq 0 ] && sig=TERM
        expect=$([ $sig = INT ] && echo 130 || echo 143)
        parent=$work/t_${name}_$i
        target=$parent/out
        mkdir -p "$parent"
        cp -a "$old" "$target"
        # shellcheck disable=SC2086
        RETSIM_SIGNAL_TAG=$tag "$bin" $new_args --out "$target" >/dev/null 2>"$parent.err" &
        pid=$!
        if [ $((i % 3)) -eq 0 ]; then
            # anywhere in the run (or just after it)
            sleep "$(ms_to_s "$(rand_ms $((run_ms * 11 / 10)))")"
        elif [ $((i % 3)) -eq 1 ]; then
            # during the simulation (or the fit): before the write phase
            sleep "$(ms_to_s "$(rand_ms $((run_ms - write_ms)))")"
        else
            # wait for the write phase, then somewhere inside it
            for ((w = 0; w < 4000; w++)); do
                compgen -G "$target.retsim-*" >/dev/null && break
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.002
            done
            sleep "$(ms_to_s "$(rand_ms $((write_ms * 3 / 4)))")"
        fi
        in_write=0
        compgen -G "$target.retsim-*" >/dev/null && in_write=1
        kill -s $sig "$pid" 2>/dev/null
        wait "$pid"
        rc=$?
        total_tries=$((total_tries + 1))
        if [ $rc -eq 0 ]; then
            finished=$((finished + 1))
        elif [ $rc -ne "$expect" ]; then
            bad "$name try $i: SIG$sig gave exit status $rc, expected $expect or 0 ($(head -c 300 "$parent.err"))"
        elif [ $in_write -eq 1 ]; then
            hits=$((hits + 1))
        else
            sim=$((sim + 1))
        fi
        manifest "$target" > "$parent.sum" 2>/dev/null
        if cmp -s "$parent.sum" "$work/old_$name.sum"; then
            kept=$((kept + 1))
            [ $rc -eq 0 ] && bad "$name try $i: exit 0 but the old output is still there"
        elif cmp -s "$parent.sum" "$work/ref_$name.sum"; then
            replaced=$((replaced + 1))
        else
            bad "$name try $i (SIG$sig, exit $rc): $target is neither the old output nor a complete new one:"
            diff "$work/old_$name.sum" "$parent.sum" | head -5
        fi
        left=$(ls -A "$parent" | grep -v '^out$')
        [ -z "$left" ] || bad "$name try $i: left beside the target: $left"
        tmps=$(find "$target" -name '*.tmp' 2>/dev/null)
        [ -z "$tmps" ] || bad "$name try $i: temporary files left: $tmps"
        # a gnuplot child inherits the tag: none may outlive retsim
        alive=$(grep -l -s "RETSIM_SIGNAL_TAG=$tag" /proc/[0-9]*/environ 2>/dev/null | head -3)
        [ -z "$alive" ] || bad "$name try $i: child processes survived: $alive"
        rm -rf "$parent" "$parent.err" "$parent.sum"
    done
    say "$name: $tries tries ($((run_ms)) ms a run, $((write_ms)) ms writing): $hits signals in the write phase, $sim before it, $finished finished first; old folder kept $kept, new folder complete $replaced"
    [ $hits -gt 0 ] || bad "$name: no signal landed in the write phase"
    total_hits=$((total_hits + hits))
done
# retsim report DIR writes report.html into an existing folder: per file
# atomic.  Interrupted, DIR is as it was or has the complete page, with no
# temporary file in it and no scratch folder left in TMPDIR.
rep=$work/rep
"$bin" run "$src/scenarios/clinic.ini" --reps 4 -q --out "$rep" >/dev/null 2>&1 || bad "report: setup run failed"
cp -a "$rep" "$work/rep_ref"
t0=$(now)
"$bin" report "$work/rep_ref" >/dev/null 2>&1 || bad "report: the reference report failed"
rep_ms=$(echo "($(now) - $t0) * 1000 / 1" | bc)
manifest "$rep" > "$work/rep_old.sum"
manifest "$work/rep_ref" > "$work/rep_ref.sum"
stopped=0 finished=0
for ((i = 0; i < tries; i++)); do
    sig=INT
    [ $((RANDOM % 2)) -eq 0 ] && sig=TERM
    expect=$([ $sig = INT ] && echo 130 || echo 143)
    target=$work/rep_try
    rm -rf "$target" "$work/scratch"
    cp -a "$rep" "$target"
    mkdir "$work/scratch"
    TMPDIR=$work/scratch RETSIM_SIGNAL_TAG=$tag "$bin" report "$target" >/dev/null 2>"$work/rep.err" &
    pid=$!
    sleep "$(ms_to_s "$(rand_ms $((rep_ms * 11 / 10)))")"
    kill -s $sig "$pid" 2>/dev/null
    wait "$pid"
    rc=$?
    total_tries=$((total_tries + 1))
    if [ $rc -eq 0 ]; then
        finished=$((finished + 1))
    elif [ $rc -eq "$expect" ]; then
        stopped=$((stopped + 1))
    else
        bad "report try $i: SIG$sig gave exit status $rc ($(head -c 300 "$work/rep.err"))"
    fi
    manifest "$target" > "$work/rep_try.sum"
    if ! cmp -s "$work/rep_try.sum" "$work/rep_old.sum" && ! cmp -s "$work/rep_try.sum" "$work/rep_ref.sum"; then
        bad "report try $i (SIG$sig, exit $rc): neither the old folder nor the complete report"
    fi
    [ $rc -ne 0 ] || cmp -s "$work/rep_try.sum" "$work/rep_ref.sum" || bad "report try $i: exit 0 without the report"
    [ -z "$(find "$target" -name '*.tmp')" ] || bad "report try $i: temporary files left in $target"
    [ -z "$(ls -A "$work/scratch")" ] || bad "report try $i: scratch left in TMPDIR: $(ls -A "$work/scratch")"
    alive=$(grep -l -s "RETSIM_SIGNAL_TAG=$tag" /proc/[0-9]*/environ 2>/dev/null | head -3)
    [ -z "$alive" ] || bad "report try $i: child processes survived: $alive"
done
say "report: $tries tries ($rep_ms ms a report): $stopped stopped by the signal, $finished finished first"
[ $stopped -gt 0 ] || bad "report: no signal stopped a report"

say "$total_tries tries, $total_hits in the write phase"
[ $fail -eq 0 ] && say "ok"
exit $fail
