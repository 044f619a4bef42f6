#!/bin/sh
# bench/pilot_coverage.sh: the coverage study of retsim pilot's model-based
# levers (issue 12; docs/pilot.md records the figures).  Runs
# build/bench/pilot_coverage (bench/pilot_coverage.c) for the design with an
# effect and the one without, side by side, PILOTS pilots of CUSTOMERS
# customers each (default 200 and 2,000).  Exits non-zero when a coverage
# is outside 93-97 % by more than two binomial standard errors or a fit
# fails.  About 2 x 3 minutes of CPU.
set -eu
cd "$(dirname "$0")/.."
BIN=build/bench/pilot_coverage
PILOTS=${PILOTS:-200}
CUSTOMERS=${CUSTOMERS:-2000}
[ -x "$BIN" ] || { echo "bench: $BIN is not built (make pilot-coverage)" >&2; exit 1; }
echo "bench: coverage of retsim pilot's 95 % intervals, $PILOTS simulated pilots of $CUSTOMERS customers per design"
OMP_NUM_THREADS=1 "$BIN" "$PILOTS" "$CUSTOMERS" effect > build/bench/pilot_coverage_effect.txt &
a=$!
OMP_NUM_THREADS=1 "$BIN" "$PILOTS" "$CUSTOMERS" none > build/bench/pilot_coverage_none.txt &
b=$!
st=0
wait $a || st=1
wait $b || st=1
cat build/bench/pilot_coverage_effect.txt build/bench/pilot_coverage_none.txt
exit $st
