#!/bin/sh
# tests/install.sh: make install and make uninstall, and an installed retsim
# finding its data from any working directory.  Run by `make test-install`
# (part of make test), which passes MAKE, CC, CFLAGS, LDLIBS and OBJS (every
# object of ./retsim but cli/datadir.o).
#
#   1. make install DESTDIR=... PREFIX=/usr/local: the layout, file by file;
#   2. the staged binary, run from another directory with no RETSIM_*
#      variable, lists the lessons and runs lesson 1 (it finds
#      ../share/retsim next to itself); every installed scenario loads
#      (the lessons' base = ../NAME.ini paths resolve in the installed tree);
#      it finds the Chinese catalogue in ../share/locale next to itself and
#      explains in Chinese exactly as the source tree's ./retsim does;
#      RETSIM_LOCALEDIR pointing nowhere gives English and says why;
#   3. a copy linked with that share/retsim compiled in as its data
#      directory, alone in a directory, finds the lessons too (the
#      PREFIX path of a real install); the same copy with the default data
#      directory does not, and says where it looked; RETSIM_DATADIR
#      overrides it;
#   4. man -l renders the installed page (when man is installed);
#   5. make uninstall leaves no file behind.
set -eu

MAKE=${MAKE:-make}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/retsim-install-XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
src=$(pwd)
fail() {
    echo "tests/install.sh: FAIL: $*" >&2
    exit 1
}
unset RETSIM_DATADIR RETSIM_LESSONS

# ---- 1. the layout ----
$MAKE -s --no-print-directory install DESTDIR="$tmp/stage" PREFIX=/usr/local >/dev/null ||
    fail "make install DESTDIR=$tmp/stage failed"
root=$tmp/stage/usr/local
[ -x "$root/bin/retsim" ] || fail "no executable $root/bin/retsim"
cmp -s retsim "$root/bin/retsim" || fail "$root/bin/retsim is not ./retsim"
cmp -s docs/retsim.1 "$root/share/man/man1/retsim.1" || fail "the man page is not docs/retsim.1"
mo=share/locale/zh_CN/LC_MESSAGES/retsim.mo
cmp -s build/locale/zh_CN/LC_MESSAGES/retsim.mo "$root/$mo" || fail "the catalogue is not installed as $root/$mo"
n=0
for f in scenarios/*.ini scenarios/lessons/*.ini; do
    cmp -s "$f" "$root/share/retsim/$f" || fail "$f is not installed as $root/share/retsim/$f"
    n=$((n + 1))
done
[ "$n" -ge 20 ] || fail "only $n scenario and lesson files in the source tree"
# nothing else: test fixtures (scenarios/bad, scenarios/good) stay out
extra=$(cd "$root" && find . -type f | sort | grep -v -e '^./bin/retsim$' -e '^./share/man/man1/retsim.1$' \
    -e '^./share/retsim/scenarios/[^/]*\.ini$' -e '^./share/retsim/scenarios/lessons/[^/]*\.ini$' \
    -e "^./$mo\$" || true)
[ -z "$extra" ] || fail "make install put unexpected files: $extra"

# ---- 2. the staged binary from elsewhere ----
mkdir "$tmp/elsewhere"
cd "$tmp/elsewhere"
"$root/bin/retsim" lesson >list.txt 2>err.txt || fail "retsim lesson (list) from $tmp/elsewhere: $(cat err.txt)"
lessons=$(grep -c '^ *[0-9][0-9]*  ' list.txt || true)
[ "$lessons" -ge 6 ] || fail "the installed retsim lists $lessons lessons: $(cat list.txt)"
"$root/bin/retsim" lesson 1 --answer a --reps 4 --threads 2 --out l1 >lesson.txt 2>err.txt ||
    fail "retsim lesson 1 from $tmp/elsewhere: $(cat err.txt)"
[ -s l1/compare.json ] || fail "lesson 1 wrote no l1/compare.json"
for f in "$root"/share/retsim/scenarios/*.ini "$root"/share/retsim/scenarios/lessons/[0-9]*.ini; do
    "$root/bin/retsim" explain "$f" >/dev/null 2>err.txt || fail "installed $f does not load: $(cat err.txt)"
done
"$src/retsim" explain "$src/scenarios/clinic.ini" --lang zh >zh-src.txt 2>err.txt ||
    fail "./retsim explain --lang zh: $(cat err.txt)"
"$root/bin/retsim" explain "$root/share/retsim/scenarios/clinic.ini" --lang zh >zh-installed.txt 2>err.txt ||
    fail "the installed retsim explain --lang zh: $(cat err.txt)"
[ ! -s err.txt ] || fail "the installed retsim explain --lang zh warned: $(cat err.txt)"
grep -q '顾客' zh-installed.txt || fail "the installed retsim does not explain in Chinese: $(head -3 zh-installed.txt)"
cmp -s zh-src.txt zh-installed.txt || fail "the installed retsim explains in Chinese differently from ./retsim"
RETSIM_LOCALEDIR="$tmp/nowhere" "$root/bin/retsim" explain "$root/share/retsim/scenarios/clinic.ini" --lang zh \
    >zh-none.txt 2>err.txt || fail "retsim explain --lang zh without a catalogue failed: $(cat err.txt)"
grep -qF "$tmp/nowhere" err.txt || fail "without a catalogue, retsim does not say where it looked: $(cat err.txt)"
cd "$src"

# ---- 3. the compiled-in data directory, and RETSIM_DATADIR ----
if [ -n "${OBJS:-}" ]; then
    mkdir "$tmp/alone" "$tmp/alone-default" "$tmp/obj"
    # shellcheck disable=SC2086 # CFLAGS, OBJS and LDLIBS are word lists
    ${CC:-cc} $CFLAGS -DRETSIM_DATADIR="\"$root/share/retsim\"" -c cli/datadir.c -o "$tmp/obj/datadir.o"
    # shellcheck disable=SC2086
    ${CC:-cc} $CFLAGS -o "$tmp/alone/retsim" $OBJS "$tmp/obj/datadir.o" $LDLIBS
    cp "$root/bin/retsim" "$tmp/alone-default/retsim"
    cd "$tmp/elsewhere"
    "$tmp/alone/retsim" --version | grep -qF "data directory: $root/share/retsim" ||
        fail "retsim --version does not print the compiled-in data directory"
    "$tmp/alone/retsim" lesson 1 --answer a --reps 2 --threads 2 --out l1b >/dev/null 2>err.txt ||
        fail "a retsim with $root/share/retsim compiled in does not find its lessons: $(cat err.txt)"
    if [ ! -e /usr/local/share/retsim ]; then
        status=0
        "$tmp/alone-default/retsim" lesson >/dev/null 2>err.txt || status=$?
        [ "$status" -eq 2 ] || fail "no lessons anywhere: exit status $status, expected 2"
        grep -qF "/usr/local/share/retsim/scenarios/lessons" err.txt ||
            fail "the error does not say where it looked: $(cat err.txt)"
    fi
    RETSIM_DATADIR="$root/share/retsim" "$tmp/alone-default/retsim" lesson >/dev/null 2>err.txt ||
        fail "RETSIM_DATADIR=$root/share/retsim is not used: $(cat err.txt)"
    # set, it is the only data directory: the staged tree next to the
    # binary is not used behind its back
    status=0
    RETSIM_DATADIR="$tmp/nowhere" "$root/bin/retsim" lesson >/dev/null 2>err.txt || status=$?
    [ "$status" -eq 2 ] || fail "RETSIM_DATADIR=$tmp/nowhere: exit status $status, expected 2"
    grep -qF "$tmp/nowhere/scenarios/lessons" err.txt || fail "the error does not name RETSIM_DATADIR: $(cat err.txt)"
    cd "$src"
fi

# ---- 4. the installed man page renders ----
if command -v man >/dev/null 2>&1; then
    page=$(MANWIDTH=80 man -l "$root/share/man/man1/retsim.1" 2>"$tmp/man.err") || fail "man -l failed: $(cat "$tmp/man.err")"
    for want in NAME SYNOPSIS DESCRIPTION COMMANDS "SCENARIO KEYS" "EXIT STATUS" ENVIRONMENT FILES EXAMPLES \
        "retsim lesson" "130" "143" "RETSIM_DATADIR" "report.zh.html" "step_conversion"; do
        printf '%s\n' "$page" | grep -qF "$want" || fail "man retsim does not show '$want'"
    done
    [ ! -s "$tmp/man.err" ] || fail "man -l warned: $(cat "$tmp/man.err")"
fi

# ---- 5. uninstall ----
$MAKE -s --no-print-directory uninstall DESTDIR="$tmp/stage" PREFIX=/usr/local >/dev/null ||
    fail "make uninstall failed"
left=$(find "$tmp/stage" -type f)
[ -z "$left" ] || fail "make uninstall left: $left"
[ ! -e "$root/share/retsim" ] || fail "make uninstall left the directory $root/share/retsim"

echo "tests/install.sh: ok (install layout, lessons and the Chinese catalogue found from another directory, compiled-in and RETSIM_DATADIR data directory, man page, uninstall)"
