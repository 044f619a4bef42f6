#!/bin/sh
# Runs the Criterion suite.  Criterion's runner sometimes cannot start a
# test's process under heavy load ("Could not spawn test instance"); that is
# its own plumbing failing, not a test, so the suite is run once more then,
# saying so.  Any other failure stands, with the runner's own exit status.
set -u
bin=$1
shift
log=$(mktemp)
rc=$(mktemp)
{ "$bin" "$@"; echo $? > "$rc"; } 2>&1 | tee "$log"
status=$(cat "$rc")
if [ "$status" -ne 0 ] && grep -q "Could not spawn test instance" "$log"; then
    echo "retsim: Criterion could not start a test process (its runner, not a test, failed); running the suite again"
    "$bin" "$@"
    status=$?
fi
rm -f "$log" "$rc"
exit "$status"
