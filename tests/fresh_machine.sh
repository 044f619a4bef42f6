#!/bin/sh
# A fresh machine, simulated: builds a clean copy of the tracked tree with
# dpkg-query and apt-get replaced by shims on PATH.  The dpkg-query shim
# says nothing is installed; the apt-get shim records each call and
# installs nothing; a compiler wrapper records each compile.  No network, no
# real install (the real packages must already be here for the compiles).
#
# Fails unless
#   1. under make -j2 from scratch, `tools/ensure-deps.sh test` (an apt-get
#      call naming libcriterion-dev) ran before the first compile of a test
#      file, and the two installs never overlapped (one finished before the
#      other began: they would fight over the dpkg lock);
#   2. `make demo` asked only for the build packages (no Criterion,
#      valgrind or Chromium), gettext among them (msgfmt builds the Chinese
#      catalogue), and built build/locale/zh_CN/LC_MESSAGES/retsim.mo.
#   3. a package dpkg reports half-installed is repaired (dpkg --configure -a,
#      apt-get install --reinstall), and installed ones are not asked for.
# Usage: tests/fresh_machine.sh [WORKDIR]
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d "${TMPDIR:-/tmp}/retsim-fresh.XXXXXX")}
mkdir -p "$work"
fail() { echo "fresh_machine: FAIL: $*" >&2; exit 1; }

shims=$work/shims
log=$work/calls.log
mkdir -p "$shims"
: > "$log"
cat > "$shims/dpkg-query" <<EOF
#!/bin/sh
echo "dpkg-query \$*" >> "$log"
echo "dpkg-query: no packages found matching \$*" >&2
exit 1
EOF
cat > "$shims/apt-get" <<EOF
#!/bin/sh
echo "apt-get-begin \$*" >> "$log"
sleep 1
echo "apt-get-end \$*" >> "$log"
exit 0
EOF
cat > "$shims/dpkg" <<EOF
#!/bin/sh
echo "dpkg \$*" >> "$log"
exit 0
EOF
real_cc=$(command -v "${CC:-gcc}")
cat > "$shims/cc-wrap" <<EOF
#!/bin/sh
for a in "\$@"; do case "\$a" in *.c) echo "compile \$a" >> "$log" ;; esac; done
exec "$real_cc" "\$@"
EOF
chmod +x "$shims"/*

copy_tree() {  # the tracked files only, as a clean clone would have them
  rm -rf "$1"; mkdir -p "$1"
  if git -C "$here" rev-parse --git-dir >/dev/null 2>&1; then
    (cd "$here" && git ls-files -z --cached --others --exclude-standard | xargs -0 tar cf - 2>/dev/null) | (cd "$1" && tar xf -)
  else
    (cd "$here" && tar cf - --exclude=./build --exclude=./out .) | (cd "$1" && tar xf -)
  fi
}

run_make() {  # DIR TARGET...
  d=$1; shift
  (cd "$d" && env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS PATH="$shims:$PATH" \
      make -j2 CC="$shims/cc-wrap" OPT=-O0 "$@") > "$work/make.out" 2>&1 ||
    { tail -30 "$work/make.out" >&2; fail "make $* failed in a clean copy"; }
}

# 1. test objects wait for the test packages, under -j2, from scratch
copy_tree "$work/a"
run_make "$work/a" tests/run_tests
first_test_compile=$(grep -n '^compile tests/' "$log" | head -1 | cut -d: -f1)
test_install=$(grep -n '^apt-get-end .*install.*libcriterion-dev' "$log" | head -1 | cut -d: -f1)
[ -n "$first_test_compile" ] || fail "no test file was compiled (nothing to check)"
[ -n "$test_install" ] || fail "ensure-deps.sh test never asked apt-get for libcriterion-dev"
[ "$test_install" -lt "$first_test_compile" ] ||
  fail "a test file was compiled (line $first_test_compile of $log) before the test packages were installed (line $test_install)"
# installs never overlap: every begin is followed by its end before the next begin
awk '/^apt-get-begin/{ if (open) { bad=1 } open=1 } /^apt-get-end/{ open=0 } END { exit bad }' "$log" ||
  fail "two apt-get runs overlapped (they would fight over the dpkg lock): see $log"
grep -q 'DPkg::Lock::Timeout' "$log" || fail "apt-get is not told to wait for the dpkg lock"

# 2. make demo asks for the build packages only
: > "$log"
copy_tree "$work/b"
# the demo's simulations themselves are not what is checked: a tiny run each
run_make "$work/b" demo DEMO_FLAGS="--reps 2 --quiet"
grep -q '^apt-get-end .*install' "$log" || fail "make demo installed nothing on a machine with nothing installed"
if grep '^apt-get-begin .*install' "$log" | grep -q -e libcriterion-dev -e valgrind -e chromium; then
  fail "make demo asked for test packages: $(grep '^apt-get-begin .*install' "$log")"
fi
grep -q '^compile tests/' "$log" && fail "make demo compiled test files"
grep '^apt-get-begin .*install' "$log" | grep -q ' gettext' ||
  fail "make demo did not ask for gettext (msgfmt): $(grep '^apt-get-begin .*install' "$log")"
[ -s "$work/b/build/locale/zh_CN/LC_MESSAGES/retsim.mo" ] || fail "make demo built no Chinese catalogue"
[ -s "$work/b/out/clinic/summary.json" ] || fail "make demo wrote no out/clinic/summary.json"

# 3. a half-installed package (seen with chromium) is repaired, not skipped:
#    dpkg-query now says every package is installed but chromium half-installed
: > "$log"
cat > "$shims/dpkg-query" <<EOF
#!/bin/sh
echo "dpkg-query \$*" >> "$log"
for a in "\$@"; do last=\$a; done
case "\$last" in
  chromium) printf 'install reinstreq half-installed' ;;
  *) printf 'install ok installed' ;;
esac
EOF
chmod +x "$shims/dpkg-query"
(cd "$work/b" && PATH="$shims:$PATH" sh tools/ensure-deps.sh test) > "$work/repair.out" 2>&1 ||
  { cat "$work/repair.out" >&2; fail "ensure-deps.sh test failed with a half-installed chromium"; }
grep -q '^dpkg --configure -a' "$log" || fail "a half-installed package did not trigger dpkg --configure -a"
grep -q '^apt-get-begin .*install --reinstall chromium' "$log" ||
  fail "the half-installed chromium was not reinstalled: $(grep '^apt-get-begin' "$log")"
if grep '^apt-get-begin' "$log" | grep -e libgsl-dev -e libcriterion-dev >/dev/null; then
  fail "packages reported installed were installed again: $(grep '^apt-get-begin' "$log")"
fi

echo "fresh_machine: ok (test packages before the first test compile; demo asked for build packages only; a half-installed package repaired)"
rm -rf "$work"
