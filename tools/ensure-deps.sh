#!/bin/sh
# Installs the Debian packages retsim needs, only those missing, and says so.
# Usage: tools/ensure-deps.sh [build|test|mpi|fuzz|bench|all]
#   build: compiler, GSL, iniparser, jansson, libcsv, NLopt (calibrate,
#          optimize), gnuplot (for the
#          plots), a CJK font (for the Chinese labels of --lang zh plots),
#          gettext (msgfmt builds the Chinese catalogue, po/zh_CN.po, into
#          retsim.mo; xgettext and msgmerge for make pot, check-po)
#   test:  build + Criterion (the test framework), valgrind, Chromium
#          (the report test renders report.html headless), and Open MPI
#          (tests/mpi.sh runs retsim on 1, 2 and 3 ranks)
#   mpi:   build + Open MPI alone (libopenmpi-dev, openmpi-bin), for an MPI
#          build (make MPI=1) on a machine that will not run the tests
#   fuzz:  build + clang and its sanitizer runtime (libFuzzer)
#   bench: build + numpy for Debian's python3 (make bench times retsim against
#          bench/textbook_numpy.py, the model as an analyst would write it)
#
# A package that dpkg lists but has not finished installing (half-installed,
# half-configured, unpacked: seen with chromium after an interrupted
# install) is repaired (dpkg --configure -a, then reinstalled), not taken as
# present.  apt-get waits for the dpkg lock instead of failing when another
# install is running (two make jobs, unattended upgrades).
set -eu
want=${1:-build}

need_pkgs=""
broken_pkgs=""
pkg_status() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true; }
need() {
  st=$(pkg_status "$1")
  case "$st" in
    "install ok installed") ;;
    ""|*not-installed*|*config-files*) need_pkgs="$need_pkgs $1" ;;
    *) need_pkgs="$need_pkgs $1"; broken_pkgs="$broken_pkgs $1" ;;
  esac
}

build_pkgs="gcc make libgsl-dev libiniparser-dev libjansson-dev libcsv-dev libnlopt-dev gnuplot-nox fonts-noto-cjk gettext"
for p in $build_pkgs; do need "$p"; done
case "$want" in
  build) ;;
  test) for p in libcriterion-dev valgrind chromium libopenmpi-dev openmpi-bin; do need "$p"; done ;;
  mpi) for p in libopenmpi-dev openmpi-bin; do need "$p"; done ;;
  fuzz) for p in clang libclang-rt-14-dev; do need "$p"; done ;;
  bench) need python3-numpy ;;
  all) for p in libcriterion-dev valgrind chromium libopenmpi-dev openmpi-bin clang libclang-rt-14-dev python3-numpy; do need "$p"; done ;;
  *) echo "usage: tools/ensure-deps.sh [build|test|mpi|fuzz|bench|all]" >&2; exit 2 ;;
esac

[ -z "$need_pkgs" ] && exit 0

echo "retsim: installing missing Debian packages ($want):$need_pkgs"
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "retsim: cannot install as a normal user without sudo; please run:" >&2
    echo "    apt-get install$need_pkgs" >&2
    exit 1
  fi
else
  SUDO=""
fi
export DEBIAN_FRONTEND=noninteractive
log=${TMPDIR:-/tmp}/retsim-apt.log
APT="apt-get -o DPkg::Lock::Timeout=120 -y --no-install-recommends"

if [ -n "$broken_pkgs" ]; then
  echo "retsim: repairing half-installed packages:$broken_pkgs"
  $SUDO dpkg --configure -a >>"$log" 2>&1 || true
  $SUDO $APT -f install >>"$log" 2>&1 || true
  $SUDO $APT install --reinstall $broken_pkgs >>"$log" 2>&1 || true
fi

# A fresh machine has no package lists yet: fetch them first.
if [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v -e '^lock$' -e '^partial$' || true)" ]; then
  echo "retsim: no Debian package lists yet; running apt-get update"
  $SUDO $APT update >>"$log" 2>&1 || true
fi
if ! $SUDO $APT install $need_pkgs >>"$log" 2>&1; then
  echo "retsim: apt-get install failed; refreshing the package lists (apt-get update) and retrying"
  $SUDO $APT update >>"$log" 2>&1 || true
  if ! $SUDO $APT install $need_pkgs >>"$log" 2>&1; then
    echo "retsim: could not install:$need_pkgs (see $log)" >&2
    echo "    try: apt-get update && apt-get install$need_pkgs" >&2
    exit 1
  fi
fi
echo "retsim: installed$need_pkgs"
