#!/bin/sh
# Installs the Debian packages retsim needs, only those missing, and says so.
# Usage: tools/ensure-deps.sh [build|test|all]
#   build: compiler, GSL, iniparser, jansson, gnuplot (for the plots), a CJK
#          font (for the Chinese labels of --lang zh plots)
#   test:  build + Criterion (the test framework), valgrind, and Chromium
#          (the report test renders report.html headless)
set -eu
want=${1:-build}

need_pkgs=""
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
need() { have_pkg "$1" || need_pkgs="$need_pkgs $1"; }

need gcc
need make
need libgsl-dev
need libiniparser-dev
need libjansson-dev
need libcsv-dev
need gnuplot-nox
need fonts-noto-cjk
case "$want" in
  test|all) need libcriterion-dev; need valgrind; need chromium ;;
esac

[ -z "$need_pkgs" ] && exit 0

echo "retsim: installing missing Debian packages:$need_pkgs"
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
if ! $SUDO apt-get install -y --no-install-recommends $need_pkgs >/tmp/retsim-apt.log 2>&1; then
  echo "retsim: apt-get install failed; refreshing the package lists (apt-get update) and retrying"
  $SUDO apt-get update >>/tmp/retsim-apt.log 2>&1 || true
  if ! $SUDO apt-get install -y --no-install-recommends $need_pkgs >>/tmp/retsim-apt.log 2>&1; then
    echo "retsim: could not install:$need_pkgs (see /tmp/retsim-apt.log)" >&2
    echo "    try: apt-get update && apt-get install$need_pkgs" >&2
    exit 1
  fi
fi
echo "retsim: installed$need_pkgs"
