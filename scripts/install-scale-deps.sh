#!/usr/bin/env bash
# Installs the Debian 12 packages the scale-out tests start for real
# (tests/scale/): PostgreSQL 15, a one-node Ceph with radosgw, haproxy.
# Idempotent: does nothing when everything is already installed. Exits
# non-zero when they cannot be installed (not root and no sudo, no network),
# which the tests report as a skip.
set -euo pipefail

packages=(postgresql-15 libpq-dev radosgw ceph-mon ceph-osd haproxy)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep >/dev/null -c "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo -n true 2>/dev/null || { echo "cannot install ${missing[*]}: not root, and no sudo" >&2; exit 1; }
  sudo="sudo -n"
fi
echo "installing: ${missing[*]}" >&2
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
