#!/bin/sh
# bench/interleaved.sh - two engine builds against the peers, round after round.
#
# Usage: sh bench/interleaved.sh BEFORE_ENGINE_BENCH AFTER_ENGINE_BENCH [ROUNDS [REPS]]
#
# Each round runs, one after another, on one thread with seed 1: the plain
# bare loop (bench/bare_loop.c, one taus2 generator: the yardstick), the
# numpy peer (bench/textbook_numpy.py, /usr/bin/python3, one thread), and
# the two engine_bench builds on bench/textbook.ini (REPS replications,
# CPU time of the simulation alone).  It prints every round's visits a
# second and ratios, then the medians over the rounds of each figure and of
# each round's ratios (ratios within a round share the machine's load of
# that minute: docs/benchmarks.md).  Both builds must print the same
# checksum (a change meant to keep every number), or it says so.
# Defaults: 10 rounds of 10 replications.
set -eu
before=$1; after=$2; rounds=${3:-10}; reps=${4:-10}
here=$(cd "$(dirname "$0")/.." && pwd)
out=${TMPDIR:-/tmp}/retsim-interleaved.$$
mkdir -p "$out"
trap 'rm -rf "$out"' EXIT
cc=${CC:-gcc}
"$cc" -std=c11 -O2 -Wall -Wextra -o "$out/bare_loop" "$here/bench/bare_loop.c" "$here/sim/rng.c" \
    -lgsl -lgslcblas -lm
field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p"; }
: >"$out/rows"
for r in $(seq "$rounds"); do
    p=$("$out/bare_loop" "$reps" 1 plain | field visits_per_second)
    n=$(OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 "$here/bench/textbook_numpy.py" "$reps" 1 \
        | field visits_per_second)
    b=$("$before" "$here/bench/textbook.ini" "$reps" 1 >"$out/b" && field visits_per_second <"$out/b")
    a=$("$after" "$here/bench/textbook.ini" "$reps" 1 >"$out/a" && field visits_per_second <"$out/a")
    cb=$(field checksum <"$out/b"); ca=$(field checksum <"$out/a")
    [ "$cb" = "$ca" ] || echo "round $r: checksums differ: before $cb, after $ca (the numbers changed)"
    echo "$p $n $b $a" >>"$out/rows"
done
awk '
function med(v, n,   i, j, t) {
    for (i = 2; i <= n; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
{
    p[NR] = $1; n[NR] = $2; b[NR] = $3; a[NR] = $4
    bn[NR] = $3 / $2; an[NR] = $4 / $2; bp[NR] = $3 / $1; ap[NR] = $4 / $1; ab[NR] = $4 / $3
    printf "round %2d: plain %6.2fM numpy %5.2fM before %5.2fM after %5.2fM | after/before %.3f\n", NR, $1 / 1e6, $2 / 1e6, $3 / 1e6, $4 / 1e6, $4 / $3
}
END {
    R = NR
    printf "medians over %d rounds (visits a second): plain bare loop %.2fM, numpy %.2fM, engine before %.2fM, after %.2fM\n", R, med(p, R) / 1e6, med(n, R) / 1e6, med(b, R) / 1e6, med(a, R) / 1e6
    printf "median ratios: retsim/numpy %.3f -> %.3f, retsim/bare loop %.3f -> %.3f, after/before %.3f\n", med(bn, R), med(an, R), med(bp, R), med(ap, R), med(ab, R)
}' "$out/rows"
