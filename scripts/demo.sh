#!/usr/bin/env bash
# The main job on a fixture addon built here: split it into the stripped file
# that ships and its debug file, then symbolize addresses in the stripped
# file. BUILD_DIR is the cmake build folder holding cli/napi-symbols.
set -euo pipefail
build="${1:-build}"
nsym="$(cd "$build" && pwd)/cli/napi-symbols"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

inc="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")/include/node"
[ -f "$inc/node_api.h" ] || inc=/usr/include/node
gcc -O2 -g -fPIC -shared -Wl,--build-id -I"$inc" -o "$work/addon.node" tests/fixtures/c-addon/addon.c
cp "$work/addon.node" "$work/addon.unstripped.node"
echo "\$ napi-symbols split addon.node"
(cd "$work" && "$nsym" split addon.node)
# The middle of each function of the addon: where inlined helpers usually sit.
addrs=$(nm -S "$work/addon.unstripped.node" | while read -r start size type name; do
  case "$type:$name" in [tT]:[!_]*) printf '0x%x\n' $((0x$start + 0x$size / 2)) ;; esac
done | head -n 8)
echo "\$ napi-symbols symbolize --basenames -e addon.node $(echo $addrs)"
"$nsym" symbolize --basenames -e "$work/addon.node" $addrs
