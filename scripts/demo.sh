#!/usr/bin/env bash
# The symbolize demo on a fixture addon built here: BUILD_DIR is the cmake
# build folder holding cli/napi-symbols.
set -euo pipefail
build="${1:-build}"
nsym="$build/cli/napi-symbols"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

inc="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")/include/node"
[ -f "$inc/node_api.h" ] || inc=/usr/include/node
gcc -O2 -g -fPIC -shared -Wl,--build-id -I"$inc" -o "$work/addon.node" tests/fixtures/c-addon/addon.c
(cd "$work" && objcopy --only-keep-debug addon.node addon.node.debug &&
  objcopy --strip-all --add-gnu-debuglink=addon.node.debug addon.node addon.stripped.node)

echo "stripped addon: $(stat -c %s "$work/addon.stripped.node") bytes; debug file: $(stat -c %s "$work/addon.node.debug") bytes"
# The middle of each function of the addon: where inlined helpers usually sit.
addrs=$(nm -S "$work/addon.node" | while read -r start size type name; do
  case "$type:$name" in [tT]:[!_]*) printf '0x%x\n' $((0x$start + 0x$size / 2)) ;; esac
done | head -n 8)
echo "\$ napi-symbols symbolize --basenames -e addon.stripped.node $(echo $addrs)"
"$nsym" symbolize --basenames -e "$work/addon.stripped.node" $addrs
