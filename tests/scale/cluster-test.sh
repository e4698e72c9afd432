#!/usr/bin/env bash
# The PostgreSQL and Ceph that the scale cases of one ctest run share
# (cluster.sh says how a case borrows them), as ctest's fixture:
#   cluster-test.sh start LINK   starts them in a fresh temporary folder and
#                                points the symbolic link LINK at it
#                                (LINK/cluster.env says how to reach them)
#   cluster-test.sh stop LINK    stops them, removes the folder and LINK
# A cluster whose stop never comes (ctest killed) stops itself after two
# hours. Exits 77 (skipped) only when the packages cannot be installed;
# the cases then find no LINK and skip the same way.
set -uo pipefail
action=${1:-} link=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
fail() { echo "FAIL [scale.cluster.$action]: $*" >&2; exit 1; }
# shellcheck source=cluster.sh
. "$here/cluster.sh"

stop() {
  scale_dir=$(readlink "$link") || return 0
  scale_own=1
  scale_stop
  rm -rf "$scale_dir" "$link"
}

case $action in
start)
  [ -L "$link" ] && stop # left by a run that ended without its stop
  scale_dir=$(mktemp -d)
  chmod 755 "$scale_dir" # the postgres user's way to pg/
  scale_require
  scale_start --own
  ln -sfn "$scale_dir" "$link" || fail "ln $link"
  # none of ctest's pipes kept open: ctest waits for them to close
  ("$0" reap "$link" &) </dev/null >/dev/null 2>&1
  scale_share ;;
reap) # gone within 5 s of the stop, which removes LINK
  mine=$(readlink "$link")
  for ((i = 0; i < 1440; i++)); do
    sleep 5
    [ "$(readlink "$link")" = "$mine" ] || exit 0
  done
  stop ;;
stop)
  stop ;;
*)
  echo "usage: cluster-test.sh start|stop LINK" >&2
  exit 2 ;;
esac
