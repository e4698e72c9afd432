#!/usr/bin/env bash
# The main job, end to end, on a C addon built here and the embedded default
# (the symbol server on a local store in a temporary folder, on loopback):
#   1. split the addon into the stripped file that ships and its debug file;
#   2. start `napi-symbols serve`, make an upload token, upload the debug file,
#      and delete the local copy, as a CI job would;
#   3. symbolize addresses in the stripped addon: the debug file is fetched
#      from the server into the cache on demand;
#   4. crash the addon inside node with the hook preloaded: the report is
#      symbolicated automatically, through the server.
# BUILD_DIR is the cmake build folder holding cli/napi-symbols.
set -euo pipefail
build="$(cd "${1:-build}" && pwd)"
nsym="$build/cli/napi-symbols"
hook="$build/loader-hook/libnapi_symbols_hook.so"
work="$(mktemp -d)"
server_pid=
cleanup() {
  [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
step() { printf '\n== %s\n' "$*"; }

inc="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")/include/node"
[ -f "$inc/node_api.h" ] || inc=/usr/include/node
gcc -O2 -g -fPIC -shared -Wl,--build-id -I"$inc" -o "$work/addon.node" tests/fixtures/c-addon/addon.c
cp "$work/addon.node" "$work/addon.unstripped.node"

step "1. split: the file that ships, and its debug file"
echo "\$ napi-symbols split addon.node"
(cd "$work" && "$nsym" split addon.node)

step "2. the symbol server on a local store; upload the debug file"
"$nsym" serve --store "$work/store" --listen 127.0.0.1:0 >"$work/serve.out" 2>"$work/serve.log" &
server_pid=$!
for _ in $(seq 100); do
  url=$(sed -n 's/^listening on //p' "$work/serve.out")
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { cat "$work/serve.log" >&2; exit 1; }
echo "\$ napi-symbols serve --store STORE --listen 127.0.0.1:0"
echo "listening on $url"
token=$("$nsym" token create --store "$work/store" --scope upload --name demo)
echo "\$ napi-symbols upload --server $url addon.node.debug"
NAPI_SYMBOLS_TOKEN=$token "$nsym" upload --server "$url" "$work/addon.node.debug"
rm "$work/addon.node.debug"

export NAPI_SYMBOLS_SERVER=$url DEBUGINFOD_CACHE_PATH=$work/cache
step "3. symbolize the stripped addon; its debug file comes from the server"
# The middle of each function of the addon: where inlined helpers usually sit.
addrs=$(nm -S "$work/addon.unstripped.node" | while read -r start size type name; do
  case "$type:$name" in [tT]:[!_]*) printf '0x%x\n' $((0x$start + 0x$size / 2)) ;; esac
done | awk 'NR <= 8')
echo "\$ napi-symbols symbolize --basenames -e addon.node $(echo $addrs)"
"$nsym" symbolize --basenames -e "$work/addon.node" $addrs

step "4. a crash inside node, with the hook preloaded"
echo "\$ LD_PRELOAD=libnapi_symbols_hook.so node -e \"require('./addon.node').crash()\""
status=0
(cd "$work" && LD_PRELOAD=$hook NAPI_SYMBOLS_BIN=$nsym NAPI_SYMBOLS_REPORT_DIR=$work \
  node -e "require('./addon.node').crash()") || status=$?
echo "(node exited with status $status, as it would have without the hook)"
