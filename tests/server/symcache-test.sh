#!/usr/bin/env bash
# Symcaches built on upload (server/symcache_queue.c), kept in the store
# (server/symcache_build.c) and served at GET /buildid/ID/symcache, on the
# real server on a loopback port: built with no request asking, the same
# bytes `napi-symbols symbolize --cache always` writes here, rebuilt when
# the store holds only another format version's, nothing half-built served
# after a SIGKILL mid-build, and a full queue leaving the build to the first
# request.
#   symcache-test.sh NAPI_SYMBOLS FIXTURES_DIR CASE
# NSYM_TEST_STORE=scaled runs the server on the scaled store (PostgreSQL and
# radosgw that tests/scale/cluster.sh starts for the case,
# or the run's shared ones).
set -uo pipefail
nsym=$(realpath "$1") fixtures=$(realpath "$2") case_name=$3
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  [ -n "${scale_dir:-}" ] && scale_stop
  rm -rf "$work"
}
trap cleanup EXIT
# shellcheck source=../lib.sh
. "$here/../lib.sh"
fail() { echo "FAIL [$case_name]: $*" >&2; [ -f "$work/serve.err" ] && tail -5 "$work/serve.err" >&2; exit 1; }
export DEBUGINFOD_CACHE_PATH=$work/cache XDG_CACHE_HOME=$work/xdg
unset NAPI_SYMBOLS_SERVER NAPI_SYMBOLS_TOKEN DEBUGINFOD_URLS

c_addon=$fixtures/c/addon.node c_dbg=$fixtures/c/addon.node.debug
rust_addon=$fixtures/rust/addon.node rust_dbg=$fixtures/rust/addon.node.debug
build_id() { readelf -n "$1" | awk '/Build ID:/ {print $3}'; }
c_id=$(build_id "$c_addon") rust_id=$(build_id "$rust_addon")
[ -n "$c_id" ] && [ -n "$rust_id" ] || fail "a fixture has no build-id"

store=$work/store serve_store=(--store "$work/store")
# sql QUERY: one value from the store's database
sql() { sqlite3 "$store/napi-symbols.db" "$1"; }
if [ "${NSYM_TEST_STORE:-}" = scaled ]; then
  # shellcheck source=../scale/cluster.sh
  . "$here/../scale/cluster.sh"
  scale_for_test
  sql() { psql_q "$1"; }
fi

# start [SERVE OPTIONS]: a server on 127.0.0.1:0, ready when /healthz
# answers; sets $url and $utoken (an upload token). Its log goes on in
# $work/serve.err.
start() {
  utoken=$("$nsym" token create --store "$store" --scope upload --name "ci$RANDOM") || fail "token"
  "$nsym" serve "${serve_store[@]}" --listen 127.0.0.1:0 "$@" >"$work/serve.out" 2>>"$work/serve.err" &
  serve_pid=$!
  pids+=("$serve_pid")
  for _ in $(seq 100); do
    url=$(sed -n 's/^listening on //p' "$work/serve.out")
    [ -n "$url" ] && curl -sf "$url/healthz" >/dev/null && return 0
    sleep 0.1
  done
  fail "the server did not start: $(cat "$work/serve.err")"
}
upload() { "$nsym" upload -q --server "$url" --token "$utoken" "$@" >"$work/up" 2>&1 || fail "upload $*: $(cat "$work/up")"; }
metric() { curl -s "$url/metrics" | awk -v k="$1" '$1 == k {print $2}'; }
# until WHAT COMMAND...: polls COMMAND (every 0.1 s, at most 60 s) until it succeeds
until_ok() {
  local what=$1; shift
  for _ in $(seq 600); do "$@" && return 0; sleep 0.1; done
  fail "waited 60 s for $what"
}
built() { [ "$(metric 'nsym_symcache_builds_total{result="built"}')" = "$1" ]; }
# local_symcache FILE: the symcache symbolize writes here for FILE, in $work/local.symcache
local_symcache() {
  rm -rf "$work/sc"
  "$nsym" symbolize -e "$1" --cache always --cache-dir "$work/sc" --no-fetch 0 >/dev/null ||
    fail "symbolize --cache always $1"
  cp "$work/sc"/*.symcache "$work/local.symcache" || fail "no local symcache"
}
version=$("$nsym" symbolize -e "$c_dbg" --cache always --cache-dir "$work/v" --no-fetch 0 >/dev/null &&
  ls "$work/v" | sed -n 's/.*\.v\([0-9]*\)\.symcache$/\1/p')
[ -n "$version" ] || fail "cannot tell the symcache format version"

case $case_name in
on-upload)
  # built after the upload's reply with no request asking, kept in the
  # store as one row of this format version naming a blob
  start
  upload "$rust_dbg" "$c_dbg"
  until_ok "two symcaches built on upload" built 2
  [ "$(sql "SELECT count(*) FROM symcaches WHERE version = $version")" = 2 ] ||
    fail "rows: $(sql 'SELECT key, kind, version FROM symcaches')"
  [ "$(sql "SELECT kind FROM symcaches WHERE key = '$rust_id'")" = debuginfo ] || fail "kind"
  [ "$(metric 'nsym_symcache_queue_total{result="queued"}')" = 2 ] || fail "queued: $(curl -s "$url/metrics" | grep symcache)"
  ! grep -q 'symbolicate\|/symcache' "$work/serve.err" || fail "a request asked: $(cat "$work/serve.err")"
  grep -q "built the symcache of $rust_id (addon.node.debug, debuginfo) on upload: [0-9]* bytes, from [1-9]" \
    "$work/serve.err" || fail "not logged: $(cat "$work/serve.err")"
  # served, and not built again
  curl -sf -o "$work/got" "$url/buildid/$rust_id/symcache" || fail "GET symcache"
  local_symcache "$rust_addon"
  cmp -s "$work/local.symcache" "$work/got" || fail "not symbolize's symcache"
  built 2 || fail "built again"
  # the symbolicate route answers from it: no build, and no debug file read
  printf 'napi-symbols: crash v1 SIGABRT\nnapi-symbols: m0 %s addon.node\nnapi-symbols: f m0+1000\nnapi-symbols: end\n' \
    "$rust_id" >"$work/trace.txt"
  curl -sf -o /dev/null --data-binary "@$work/trace.txt" "$url/api/v1/symbolicate" || fail "route"
  built 2 || fail "the route built" ;;
route)
  # the conventions of the debuginfod routes: ETag, If-None-Match, Range,
  # HEAD, 404 with a message, a read token when reads need one
  start --read-token
  upload "$c_dbg"
  until_ok "the symcache built" built 1
  rtoken=$("$nsym" token create --store "$store" --scope read --name reader) || fail "token"
  auth=(-H "Authorization: Bearer $rtoken")
  code=$(curl -s -o "$work/body" -w '%{http_code}' "$url/buildid/$c_id/symcache")
  [ "$code" = 401 ] || fail "no token: $code"
  code=$(curl -s -D "$work/head" -o "$work/got" -w '%{http_code}' "${auth[@]}" "$url/buildid/$c_id/symcache")
  [ "$code" = 200 ] || fail "GET: $code"
  local_symcache "$c_addon"
  cmp -s "$work/local.symcache" "$work/got" || fail "not symbolize's symcache"
  size=$(stat -c %s "$work/got")
  grep -qi "^content-length: $size" "$work/head" || fail "length: $(cat "$work/head")"
  grep -qi '^x-debuginfod-file: addon.node.debug.symcache' "$work/head" || fail "file: $(cat "$work/head")"
  etag=$(awk -F': ' 'tolower($1) == "etag" {print $2}' "$work/head" | tr -d '\r')
  [ -n "$etag" ] || fail "no ETag"
  code=$(curl -s -o /dev/null -w '%{http_code}' "${auth[@]}" -H "If-None-Match: $etag" "$url/buildid/$c_id/symcache")
  [ "$code" = 304 ] || fail "If-None-Match: $code"
  code=$(curl -s -o "$work/part" -w '%{http_code}' "${auth[@]}" -r 8-15 "$url/buildid/$c_id/symcache")
  [ "$code" = 206 ] && cmp -s "$work/part" <(tail -c +9 "$work/got" | head -c 8) || fail "range: $code"
  code=$(curl -s -I -o /dev/null -w '%{http_code}' "${auth[@]}" "$url/buildid/$c_id/symcache")
  [ "$code" = 200 ] || fail "HEAD: $code"
  code=$(curl -s -o "$work/body" -w '%{http_code}' "${auth[@]}" "$url/buildid/0123456789abcdef/symcache")
  [ "$code" = 404 ] && [ "$(cat "$work/body")" = "nothing stored for build-id 0123456789abcdef" ] ||
    fail "unknown: $code $(cat "$work/body")"
  code=$(curl -s -o /dev/null -w '%{http_code}' "${auth[@]}" "$url/buildid/$c_id/symcache/x")
  [ "$code" = 400 ] || fail "a tail: $code" ;;
not-built)
  # none built on upload (--symcache-queue 0): the GET builds it, once
  # for requests that come together
  start --symcache-queue 0
  upload "$rust_dbg"
  [ "$(metric 'nsym_symcache_queue_total{result="full"}')" = 1 ] || fail "not counted"
  [ -z "$(metric 'nsym_symcache_builds_total{result="built"}')" ] || fail "built on upload"
  args=()
  for i in $(seq 8); do args+=(-o "$work/got.$i" "$url/buildid/$rust_id/symcache"); done
  curl -sf -Z --parallel-immediate --parallel-max 8 "${args[@]}" || fail "GET"
  built 1 || fail "not one build: $(curl -s "$url/metrics" | grep symcache)"
  local_symcache "$rust_addon"
  for i in $(seq 8); do cmp -s "$work/local.symcache" "$work/got.$i" || fail "answer $i"; done ;;
old-version)
  # a row of another format version is ignored: the next request builds
  # this version's, and the old row stays until the build's last artifact goes
  start
  upload "$c_dbg"
  until_ok "the symcache built" built 1
  sql "UPDATE symcaches SET version = $((version - 1))" >/dev/null
  curl -sf -o "$work/got" "$url/buildid/$c_id/symcache" || fail "GET"
  built 2 || fail "not rebuilt: $(curl -s "$url/metrics" | grep symcache)"
  grep -q "built the symcache of $c_id (addon.node.debug, debuginfo) on request" "$work/serve.err" ||
    fail "not logged: $(cat "$work/serve.err")"
  local_symcache "$c_addon"
  cmp -s "$work/local.symcache" "$work/got" || fail "not this version's symcache"
  [ "$(sql "SELECT count(*) FROM symcaches WHERE key = '$c_id'")" = 2 ] || fail "rows"
  # deleting the artifact takes its symcaches and their blobs along
  id=$(curl -s -H "Authorization: Bearer $utoken" "$url/api/v1/artifacts?q=$c_id" |
    sed -n 's/.*"id": *\([0-9]*\).*/\1/p' | head -n 1)
  atoken=$("$nsym" token create --store "$store" --scope admin --name admin) || fail "token"
  curl -sf -X DELETE -H "Authorization: Bearer $atoken" "$url/api/v1/artifacts/$id" >/dev/null || fail "delete $id"
  [ "$(sql "SELECT count(*) FROM symcaches")" = 0 ] || fail "symcache rows left"
  [ "$(sql "SELECT count(*) FROM blobs")" = 0 ] || fail "blobs left: $(sql 'SELECT sha256 FROM blobs')" ;;
kill-mid-build)
  # SIGKILL while the queue builds the Rust fixture's symcache: no row and
  # no blob of it after the restart's sweep, nothing left in the build
  # folder, and the next request gets the whole symcache
  start
  upload "$rust_dbg"
  until_ok "the build to start" grep -q "building the symcache of $rust_id" "$work/serve.err"
  kill -9 "$serve_pid"
  wait "$serve_pid" 2>/dev/null
  grep -q "built the symcache of $rust_id" "$work/serve.err" && echo "note: the build ended before the kill" >&2
  rows=$(sql "SELECT count(*) FROM symcaches")
  if [ "$rows" = 1 ]; then # finished first: then it must be whole
    sha=$(sql "SELECT sha256 FROM symcaches")
    [ "$(sha256sum <"$store/blobs/sha256/${sha:0:2}/${sha:2}" | cut -d' ' -f1)" = "$sha" ] || fail "a row names a partial blob"
  else
    [ "$rows" = 0 ] || fail "rows: $rows"
  fi
  start
  [ -z "$(ls "$store/symcache")" ] || fail "build files left: $(ls "$store/symcache")"
  [ "$(find "$store/blobs" -type f | wc -l)" = $((1 + rows)) ] || fail "a blob no row names: $(find "$store/blobs" -type f)"
  curl -sf -o "$work/got" "$url/buildid/$rust_id/symcache" || fail "GET"
  local_symcache "$rust_addon"
  cmp -s "$work/local.symcache" "$work/got" || fail "not the whole symcache"
  [ "$(find "$store/blobs" -type f | wc -l)" = 2 ] || fail "blobs: $(find "$store/blobs" -type f)" ;;
queue-full)
  # a queue of one, and one upload of three artifacts (a universal dSYM of
  # three slices), queued one after the other within microseconds: the
  # first is queued, and a build takes milliseconds at least, so the
  # third (or the second too, when the thread has not taken the first
  # yet) finds the queue full, however busy the machine. Timing two
  # uploads against a build is not: CI saw the build end first.
  lipo=$(tool llvm-lipo)
  mo=$NSYM_FOREIGN_DIR/macho dw=Contents/Resources/DWARF
  # three UUIDs: ld64.lld's arm64 and arm64e addons are one (from one hash)
  "$lipo" -thin arm64 "$mo/crasher.node.dSYM/$dw/crasher.node" -output "$work/arm64" || fail "lipo -thin"
  "$lipo" -create "$mo/addon-x86_64.node.dSYM/$dw/addon-x86_64.node" "$work/arm64" \
    "$mo/addon-arm64e.node.dSYM/$dw/addon-arm64e.node" -output "$work/three.dwarf" || fail "lipo -create"
  start --symcache-queue 1
  upload "$work/three.dwarf"
  [ "$(sql "SELECT count(*) FROM artifacts WHERE format = 'macho'")" = 3 ] ||
    fail "slices: $(sql 'SELECT key, arch FROM artifacts')"
  full=$(metric 'nsym_symcache_queue_total{result="full"}') queued=$(metric 'nsym_symcache_queue_total{result="queued"}')
  [ "${full:-0}" -ge 1 ] && [ $((full + queued)) = 3 ] ||
    fail "not full: $(curl -s "$url/metrics" | grep symcache) $(cat "$work/serve.err")"
  mapfile -t left < <(sed -n 's/.*the symcache queue is full (1); the symcache of \([0-9a-f]*\) (three.dwarf, debuginfo) is built by the first request that needs it$/\1/p' "$work/serve.err")
  [ "${#left[@]}" = "$full" ] || fail "not logged: $(cat "$work/serve.err")"
  until_ok "the queued builds" built "$queued"
  for k in "${left[@]}"; do
    [ "$(sql "SELECT count(*) FROM symcaches WHERE key = '$k'")" = 0 ] || fail "$k built anyway"
    curl -sf -o "$work/got" "$url/buildid/$k/symcache" || fail "GET $k"
    grep -q "built the symcache of $k (three.dwarf, debuginfo) on request" "$work/serve.err" ||
      fail "not logged: $(cat "$work/serve.err")"
  done
  built 3 || fail "not built by the requests: $(curl -s "$url/metrics" | grep symcache)" ;;
foreign)
  # a universal dSYM (a symcache per slice), a PDB, and a PE image, which
  # has none of its own: its PDB's answers for it
  ff=$NSYM_FOREIGN_DIR
  start
  upload "$ff/macho/addon-fat.node.dSYM" "$ff/pe/addon.pdb" "$ff/pe/addon.node"
  want=$(sql "SELECT count(*) FROM artifacts WHERE format IN ('macho', 'pdb')")
  [ "$want" -ge 3 ] || fail "artifacts: $(sql 'SELECT key, format FROM artifacts')"
  until_ok "$want symcaches built on upload" built "$want"
  [ "$(sql "SELECT count(*) FROM symcaches c JOIN artifacts a ON a.key = c.key AND a.kind = c.kind WHERE a.format IN ('macho', 'pdb')")" = "$want" ] ||
    fail "rows: $(sql 'SELECT key, kind FROM symcaches')"
  [ "$(sql "SELECT count(*) FROM symcaches c JOIN artifacts a ON a.key = c.key WHERE a.format = 'pe'")" = 0 ] ||
    fail "a PE image's symcache"
  [ "$(metric 'nsym_symcache_queue_total{result="queued"}')" = "$want" ] || fail "queued"
  # each slice's, by its UUID, as symbolize writes it for that slice
  for uuid in $(sql "SELECT key FROM artifacts WHERE format = 'macho'"); do
    curl -sf -o "$work/got" "$url/buildid/$uuid/symcache" || fail "GET $uuid"
    local_symcache_of() {
      rm -rf "$work/sc"
      "$nsym" symbolize -e "$ff/macho/addon-fat.node" --uuid "$uuid" --cache always --cache-dir "$work/sc" --no-fetch 0 >/dev/null ||
        fail "symbolize --uuid $uuid"
    }
    local_symcache_of
    cmp -s "$work/sc/$uuid".*.symcache "$work/got" || fail "slice $uuid: not symbolize's symcache"
  done ;;
cli-symbolize)
  # symbolize of a stripped copy with no debug file here downloads the
  # symcache alone, into the download cache beside where debug files go,
  # and answers as the DWARF does (and as llvm-symbolizer, for the lines)
  start
  upload "$rust_dbg"
  until_ok "the symcache built" built 1
  cp "$fixtures/rust/addon.node.stripped" "$work/addon.node"
  mapfile -t addrs < <(nm --defined-only "$rust_addon" | awk '$2 ~ /[tT]/ {print $1}' | sort -u |
    head -n 60 | while read -r a; do printf '0x%x\n' $((0x$a + 0x11)); done)
  "$nsym" symbolize -e "$work/addon.node" --server "$url" -r "${addrs[@]}" >"$work/got" 2>"$work/err" ||
    fail "symbolize: $(cat "$work/err")"
  [ -z "$(cat "$work/err")" ] || fail "warnings: $(cat "$work/err")"
  "$nsym" symbolize -e "$rust_addon" --cache never -r "${addrs[@]}" >"$work/want" || fail "symbolize the DWARF"
  cmp -s "$work/want" "$work/got" || fail "not the DWARF's answer: $(diff "$work/want" "$work/got" | head)"
  grep -q 'lib.rs:[1-9]' "$work/got" || fail "no source lines: $(head "$work/got")"
  [ -f "$DEBUGINFOD_CACHE_PATH/$rust_id/symcache" ] || fail "not in the cache: $(find "$DEBUGINFOD_CACHE_PATH")"
  [ ! -e "$DEBUGINFOD_CACHE_PATH/$rust_id/debuginfo" ] || fail "the debug file was downloaded"
  grep -q "GET /buildid/$rust_id/symcache 200" "$work/serve.err" || fail "not asked: $(cat "$work/serve.err")"
  ! grep -q "/debuginfo" "$work/serve.err" || fail "the debug file was asked for"
  llvm_symbolizer=$(tool llvm-symbolizer)
  for a in "${addrs[@]:0:8}"; do
    want=$("$llvm_symbolizer" --obj="$rust_addon" "$(printf '0x%x' $((a - 1)))" | awk 'NR % 2 == 0 && NF' | sed 's/:[0-9]*$//' | tail -n 1)
    got=$("$nsym" symbolize -e "$work/addon.node" --server "$url" -r "$a" | awk 'NF {print $NF}' | sed 's/:[0-9]*$//' | tail -n 1)
    [ "$want" = "$got" ] || fail "$a: llvm-symbolizer says $want, symbolize $got"
  done
  # a second run reads it from the cache: no request
  n=$(grep -c '/symcache' "$work/serve.err")
  "$nsym" symbolize -e "$work/addon.node" --server "$url" -r "${addrs[@]}" >"$work/got2" || fail "again"
  cmp -s "$work/got" "$work/got2" && [ "$(grep -c '/symcache' "$work/serve.err")" = "$n" ] || fail "asked again" ;;
cli-symbolicate)
  # symbolicate --local downloads the symcache alone and answers as it does
  # from the debug file that a server without symcaches (404, as an older
  # one or elfutils' debuginfod answers) hands out
  start
  upload "$rust_dbg"
  until_ok "the symcache built" built 1
  frames=$(nm --defined-only "$rust_addon" | awk '$2 ~ /[tT]/ {print $1}' | sort -u | head -n 40 |
    while read -r a; do printf ' m0+%x' $((0x$a + 0x11)); done)
  printf 'napi-symbols: crash v1 SIGABRT\nnapi-symbols: m0 %s addon.node\nnapi-symbols: f%s\nnapi-symbols: end\n' \
    "$rust_id" "$frames" >"$work/trace.txt"
  "$nsym" symbolicate --local --server "$url" "$work/trace.txt" >"$work/got" 2>"$work/err" ||
    fail "symbolicate: $(cat "$work/err")"
  [ -f "$DEBUGINFOD_CACHE_PATH/$rust_id/symcache" ] && [ ! -e "$DEBUGINFOD_CACHE_PATH/$rust_id/debuginfo" ] ||
    fail "cache: $(find "$DEBUGINFOD_CACHE_PATH")"
  ! grep -q "/debuginfo" "$work/serve.err" || fail "the debug file was asked for"
  node "$here/../client/fake-server.js" old "$rust_dbg" >"$work/fake.out" 2>&1 &
  pids+=($!)
  until_ok "the old server" grep -q '^listening on' "$work/fake.out"
  old=$(sed -n 's/^listening on //p' "$work/fake.out")
  export DEBUGINFOD_CACHE_PATH=$work/cache2
  "$nsym" symbolicate --local --server "$old" "$work/trace.txt" >"$work/want" 2>"$work/err" ||
    fail "symbolicate from the old server: $(cat "$work/err")"
  [ -f "$DEBUGINFOD_CACHE_PATH/$rust_id/debuginfo" ] || fail "no debug file from the old server"
  cmp -s "$work/want" "$work/got" || fail "not the DWARF's answer: $(diff "$work/want" "$work/got" | head)"
  grep -q 'lib.rs:[1-9]' "$work/got" || fail "no source lines: $(head "$work/got")" ;;
cli-damaged)
  # a symcache damaged on the server is refused by the client, which
  # fetches the debug file instead and answers right
  start
  upload "$rust_dbg"
  until_ok "the symcache built" built 1
  sha=$(sql "SELECT sha256 FROM symcaches")
  blob=$store/blobs/sha256/${sha:0:2}/${sha:2}
  chmod u+w "$blob"
  printf '\x5a' | dd of="$blob" bs=1 seek=12 conv=notrunc status=none || fail "cannot damage it"
  cp "$fixtures/rust/addon.node.stripped" "$work/addon.node"
  a=$(printf '0x%x' $((0x$(nm --defined-only "$rust_addon" | awk '$2 ~ /[tT]/ {print $1}' | sort -u | sed -n 20p) + 0x11)))
  "$nsym" symbolize -e "$work/addon.node" --server "$url" -r "$a" >"$work/got" 2>"$work/err" ||
    fail "symbolize: $(cat "$work/err")"
  "$nsym" symbolize -e "$rust_addon" --cache never -r "$a" >"$work/want" || fail "symbolize the DWARF"
  cmp -s "$work/want" "$work/got" || fail "not the DWARF's answer: $(diff "$work/want" "$work/got")"
  grep -q "GET /buildid/$rust_id/symcache 200" "$work/serve.err" || fail "the symcache was not asked for"
  [ -f "$DEBUGINFOD_CACHE_PATH/$rust_id/debuginfo" ] || fail "the debug file was not fetched"
  [ ! -s "$DEBUGINFOD_CACHE_PATH/$rust_id/symcache" ] || fail "the damaged symcache was kept" ;;
*)
  fail "unknown case" ;;
esac
exit 0
