#!/usr/bin/env bash
# Installs the Debian 12 packages napi-symbols needs to build and test.
# Idempotent: does nothing when everything is already installed.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git clang-format
  # the test command's builds reuse what an earlier run on this machine compiled
  ccache
  libelf-dev libdwarf-dev libiberty-dev zlib1g-dev libdeflate-dev libzstd-dev
  libcurl4-openssl-dev libssl-dev libjansson-dev libsqlite3-dev libpq-dev libcivetweb-dev civetweb libunwind-dev check
  binutils elfutils llvm clang lld gdb valgrind debuginfod libc6-dbg curl sqlite3
  nodejs
  # llvm-symbolizer-16: the PDB tests' reference (LLVM 14's misplaces inlined lines)
  llvm-16
  # the browser tests' browser (tests/browser)
  chromium
)
# Rust fixtures need cargo; a machine may already have it from rustup.
command -v cargo >/dev/null 2>&1 || packages+=(cargo rustc)
# Debian's nodejs brings no N-API headers; a Node.js that has them is enough.
if command -v node >/dev/null 2>&1; then
  packages=("${packages[@]/nodejs/}")
  node_inc="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")/include/node"
  [ -f "$node_inc/node_api.h" ] || [ -f /usr/include/node/node_api.h ] || packages+=(libnode-dev)
else
  packages+=(libnode-dev)
fi
# The browser tests' playwright-core comes from npm; a Node.js from
# elsewhere may bring its own npm, which Debian's package would conflict with.
command -v npm >/dev/null 2>&1 || packages+=(npm)

# The browser tests' npm packages, as tests/browser/package-lock.json pins
# them (again only when the lock file changed since).
browser_deps() {
  local dir
  dir="$(dirname "$0")/../tests/browser"
  [ "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ] && return 0
  echo "installing the browser tests' npm packages (npm ci in tests/browser)" >&2
  (cd "$dir" && npm ci --no-audit --no-fund)
}

# The scale-out tests' servers (PostgreSQL, Ceph radosgw, haproxy).
"$(dirname "$0")/install-scale-deps.sh"

missing=()
for p in "${packages[@]}"; do
  [ -n "$p" ] || continue
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep >/dev/null -c "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  browser_deps
  exit 0
fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing: ${missing[*]}" >&2
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
browser_deps
