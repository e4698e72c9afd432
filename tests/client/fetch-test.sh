#!/usr/bin/env bash
# `napi-symbols fetch` and `cache` against real servers (ours, elfutils'
# debuginfod) and misbehaving ones (fake-server.js), on loopback:
#   fetch-test.sh NAPI_SYMBOLS FIXTURES_DIR CASE
# CASE-libcurl runs CASE with fetch's plain-http fast path turned off, so
# every transfer goes through libcurl (NAPI_SYMBOLS_SPLICE=0).
set -uo pipefail
nsym=$(realpath "$1") fixtures=$(realpath "$2") case_name=$3
unset NAPI_SYMBOLS_SPLICE http_proxy all_proxy ALL_PROXY
case $case_name in *-libcurl) export NAPI_SYMBOLS_SPLICE=0 ;; esac
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL [$case_name]: $*" >&2; exit 1; }
export DEBUGINFOD_CACHE_PATH=$work/cache
unset NAPI_SYMBOLS_SERVER NAPI_SYMBOLS_TOKEN DEBUGINFOD_URLS

c_dbg=$fixtures/c/addon.node.debug c_bin=$fixtures/c/addon.node.stripped
r_dbg=$fixtures/rust/addon.node.debug r_bin=$fixtures/rust/addon.node.stripped
nb_bin=$fixtures/c/addon-nobuildid.node.stripped
c_id=$(readelf -n "$fixtures/c/addon.node" | awk '/Build ID:/ {print $3}')
r_id=$(readelf -n "$fixtures/rust/addon.node" | awk '/Build ID:/ {print $3}')

# listen CMD...: runs a server that prints "listening on URL"; sets $url.
# Each server gets its own output file: a reused one could still show the
# previous server's address before the new process truncates it.
listen() {
  local out=$work/listen.$((${#pids[@]})).out
  "$@" >"$out" 2>"$work/listen.err" &
  pids+=($!)
  for _ in $(seq 100); do
    url=$(sed -n 's/^listening on //p' "$out" 2>/dev/null)
    [ -n "$url" ] && return 0
    sleep 0.1
  done
  fail "server '$*' did not start: $(cat "$work/listen.err")"
}

our_server() {
  listen "$nsym" serve --store "$work/store" --listen 127.0.0.1:0
  local t; t=$("$nsym" token create --store "$work/store" --scope upload --name ci)
  for f in "$c_dbg" "$r_dbg"; do
    curl -sf -o /dev/null -H "Authorization: Bearer $t" --data-binary "@$f" "$url/api/v1/upload" ||
      fail "upload $f"
  done
}

# A project as npm lays it out (nested, scoped), with a pnpm-style store and
# links, and an addon no server has.
make_project() {
  local p=$work/proj m
  m=$p/node_modules
  mkdir -p "$m/@scope/c-addon/build/Release" "$m/.pnpm/rust-addon@0.1.0/node_modules/rust-addon" \
    "$m/outer/node_modules/nobid"
  echo '{"name": "@scope/c-addon", "version": "1.2.3"}' >"$m/@scope/c-addon/package.json"
  cp "$c_bin" "$m/@scope/c-addon/build/Release/addon.node"
  echo '{"name": "rust-addon", "version": "0.1.0"}' >"$m/.pnpm/rust-addon@0.1.0/node_modules/rust-addon/package.json"
  cp "$r_bin" "$m/.pnpm/rust-addon@0.1.0/node_modules/rust-addon/index.node"
  ln -s .pnpm/rust-addon@0.1.0/node_modules/rust-addon "$m/rust-addon"
  ln -s ../../.. "$m/outer/node_modules/loop" # a loop must not hang the walk
  echo '{"name": "outer", "version": "2.0.0"}' >"$m/outer/package.json"
  echo '{"name": "nobid", "version": "0.0.1"}' >"$m/outer/node_modules/nobid/package.json"
  cp "$nb_bin" "$m/outer/node_modules/nobid/n.node"
  echo 'not a binary' >"$m/outer/README.node"
}

check_project_fetch() {
  (cd "$work/proj" && "$nsym" fetch --server "$1" >"$work/out" 2>"$work/err") ||
    fail "fetch exited $?: $(cat "$work/err")"
  grep -q "^node_modules/@scope/c-addon/build/Release/addon.node  @scope/c-addon@1.2.3  $c_id  found$" "$work/out" ||
    fail "c addon: $(cat "$work/out")"
  grep -q "  rust-addon@0.1.0  $r_id  found$" "$work/out" || fail "rust addon: $(cat "$work/out")"
  grep -q "nobid@0.0.1  [0-9a-f]\{40\}  not on server$" "$work/out" || fail "miss: $(cat "$work/out")"
  [ "$(wc -l <"$work/out")" = 3 ] || fail "each addon once: $(cat "$work/out")"
  cmp -s "$DEBUGINFOD_CACHE_PATH/$c_id/debuginfo" "$c_dbg" || fail "cached bytes (c)"
  cmp -s "$DEBUGINFOD_CACHE_PATH/$r_id/debuginfo" "$r_dbg" || fail "cached bytes (rust)"
  (cd "$work/proj" && "$nsym" fetch --server "$1" --json >"$work/out") || fail "second fetch"
  [ "$(grep -c '"result": "cached"' "$work/out")" = 2 ] || fail "second fetch: $(cat "$work/out")"
}

case ${case_name%-libcurl} in
our-server)
  our_server; make_project; check_project_fetch "$url"
  # gdb reads what fetch put in the shared cache, with no server up
  mkdir "$work/app"; cp "$c_bin" "$work/app/addon.node"
  want=$(gdb -batch -nx -ex 'info line checksum_bytes' "$fixtures/c/addon.node" 2>&1 | grep '^Line')
  got=$(DEBUGINFOD_URLS=http://127.0.0.1:1 gdb -batch -nx -iex 'set debuginfod enabled on' \
    -ex 'info line checksum_bytes' "$work/app/addon.node" 2>&1 | grep '^Line')
  [ -n "$want" ] && [ "$got" = "$want" ] || fail "gdb from the cache: '$got', expected '$want'"
  "$nsym" cache list >"$work/out" || fail "cache list"
  grep -q "^$c_id  debuginfo  *$(stat -c %s "$c_dbg") bytes" "$work/out" || fail "list: $(cat "$work/out")"
  grep -q "miss remembered" "$work/out" || fail "miss not listed"
  "$nsym" cache prune --max-size 5M >/dev/null || fail "prune"
  [ -f "$DEBUGINFOD_CACHE_PATH/$c_id/debuginfo" ] || fail "prune removed an entry that fits"
  touch -d '2 days ago' "$DEBUGINFOD_CACHE_PATH/$r_id/debuginfo"
  "$nsym" cache prune --max-size 1M >/dev/null || fail "prune"
  [ ! -e "$DEBUGINFOD_CACHE_PATH/$r_id/debuginfo" ] && [ -f "$DEBUGINFOD_CACHE_PATH/$c_id/debuginfo" ] ||
    fail "prune did not take the least recently used first"
  "$nsym" cache clear >"$work/out" && [ -z "$(find "$DEBUGINFOD_CACHE_PATH" -mindepth 2 -type f -size +0)" ] || fail "clear: $(cat "$work/out"; find "$DEBUGINFOD_CACHE_PATH" -type f -size +0)" ;;
elfutils-server)
  # the same fetch against elfutils' debuginfod serving a folder
  mkdir "$work/served"; cp "$c_dbg" "$work/served/c.debug"; cp "$r_dbg" "$work/served/rust.debug"
  port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  debuginfod -p "$port" -d "$work/debuginfod.db" -F "$work/served" >"$work/debuginfod.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 150); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/buildid/$r_id/debuginfo" && break
    sleep 0.2
  done
  make_project; check_project_fetch "http://127.0.0.1:$port" ;;
faults)
  make_project
  # server down: fails fast, says so, writes no miss
  start=$(date +%s)
  (cd "$work/proj" && "$nsym" fetch --server http://127.0.0.1:1 >"$work/out" 2>"$work/err") && fail "a dead server gave 0"
  [ $(($(date +%s) - start)) -lt 10 ] || fail "a dead server took too long"
  grep -q "no symbol server could be reached" "$work/err" || fail "message: $(cat "$work/err")"
  [ -z "$(find "$DEBUGINFOD_CACHE_PATH" -type f 2>/dev/null)" ] || fail "a dead server left cache entries"
  # a server that serves the wrong file: discarded, named, exit 1
  listen node "$here/fake-server.js" wrong "$r_dbg"
  "$nsym" fetch --server "$url" "$c_bin" >"$work/out" 2>&1 && fail "a wrong file was accepted"
  grep -q "served a file with identity $r_id, not $c_id" "$work/out" || fail "wrong file: $(cat "$work/out")"
  [ ! -e "$DEBUGINFOD_CACHE_PATH/$c_id/debuginfo" ] || fail "the wrong file was kept"
  # truncated body, a stalling server, a failing one: errors, nothing kept
  listen node "$here/fake-server.js" truncated "$c_dbg"
  "$nsym" fetch --server "$url" "$c_bin" >"$work/out" 2>&1 && fail "a truncated file was accepted"
  listen node "$here/fake-server.js" stall
  NAPI_SYMBOLS_TIMEOUT=2 timeout 30 "$nsym" fetch --server "$url" "$c_bin" >"$work/out" 2>&1 && fail "a stalled transfer was accepted"
  listen node "$here/fake-server.js" error
  "$nsym" fetch --server "$url" "$c_bin" >"$work/out" 2>&1 && fail "HTTP 500 was accepted"
  grep -q "answered HTTP 500" "$work/out" || fail "500: $(cat "$work/out")"
  [ -z "$(find "$DEBUGINFOD_CACHE_PATH" -type f)" ] || fail "failures left files: $(find "$DEBUGINFOD_CACHE_PATH" -type f)"
  # the second server of the list has it
  our_server
  # a cache that cannot be written: a clear error, exit 1, nothing half-made
  : >"$work/not-a-folder"
  DEBUGINFOD_CACHE_PATH=$work/not-a-folder/cache "$nsym" fetch --server "$url" "$c_bin" >"$work/out" 2>&1 &&
    fail "an unwritable cache gave 0"
  grep -q "cannot write in the cache" "$work/out" || fail "unwritable cache: $(cat "$work/out")"
  # a full disk (a file-size limit: the same failed write, without root):
  # a clear error, the entry already there untouched, nothing half-made
  "$nsym" fetch --server "$url" "$r_bin" >"$work/out" 2>&1 || fail "rust: $(cat "$work/out")"
  limit=$(($(stat -c %s "$c_dbg") / 2048))
  # (a dead server first: the write's error, not the server's, is the one told)
  (ulimit -S -f "$limit"; exec "$nsym" fetch --server "http://127.0.0.1:1 $url" "$c_bin") >"$work/out" 2>&1 &&
    fail "a full disk gave 0"
  grep -q "cannot write to the cache: File too large" "$work/out" && ! grep -q "could be reached" "$work/out" ||
    fail "full disk: $(cat "$work/out")"
  [ ! -e "$DEBUGINFOD_CACHE_PATH/$c_id/debuginfo" ] || fail "a full disk left an entry"
  cmp -s "$DEBUGINFOD_CACHE_PATH/$r_id/debuginfo" "$r_dbg" || fail "a full disk changed another entry"
  [ -z "$(find "$DEBUGINFOD_CACHE_PATH" -name '*.??????')" ] || fail "a full disk left temporary files"
  "$nsym" fetch --server "http://127.0.0.1:1 $url" "$c_bin" >"$work/out" 2>&1 || fail "fallback: $(cat "$work/out")"
  grep -q "$c_id  found" "$work/out" || fail "fallback: $(cat "$work/out")" ;;
unreadable)
  # a folder and an addon the walk cannot read: each named with why, the
  # rest still fetched, exit 1 (the help says a path that cannot be read
  # fails the run)
  our_server; make_project
  m=$work/proj/node_modules
  mkdir "$m/locked"; cp "$c_bin" "$m/locked/x.node"; cp "$r_bin" "$m/outer/sealed.node"
  chmod 000 "$m/locked" "$m/outer/sealed.node"
  # root reads through mode 000: the command then runs without the two
  # capabilities that let it
  as_user=()
  if [ "$(id -u)" = 0 ]; then
    as_user=(setpriv --bounding-set=-dac_override,-dac_read_search --)
    if ! "${as_user[@]}" true 2>/dev/null; then
      echo "SKIP [$case_name]: running as root and setpriv cannot drop CAP_DAC_OVERRIDE"
      exit 77
    fi
  fi
  (cd "$work/proj" && "${as_user[@]}" "$nsym" fetch --server "$url" >"$work/out" 2>"$work/err")
  rc=$?
  chmod 755 "$m/locked"; chmod 644 "$m/outer/sealed.node"
  [ $rc -eq 1 ] || fail "fetch exited $rc with unreadable paths: $(cat "$work/err")"
  grep -qx "napi-symbols: cannot read 'node_modules/locked': Permission denied; skipped" "$work/err" ||
    fail "the locked folder is not named: $(cat "$work/err")"
  grep -qx "napi-symbols: cannot read 'node_modules/outer/sealed.node': Permission denied; skipped" "$work/err" ||
    fail "the unreadable addon is not named: $(cat "$work/err")"
  grep -q "^node_modules/@scope/c-addon/build/Release/addon.node  @scope/c-addon@1.2.3  $c_id  found$" "$work/out" &&
    grep -q "  rust-addon@0.1.0  $r_id  found$" "$work/out" || fail "the rest was not fetched: $(cat "$work/out")"
  cmp -s "$DEBUGINFOD_CACHE_PATH/$c_id/debuginfo" "$c_dbg" || fail "not cached" ;;
upload)
  listen "$nsym" serve --store "$work/store" --listen 127.0.0.1:0; srv=$url
  up=$("$nsym" token create --store "$work/store" --scope upload --name ci)
  rd=$("$nsym" token create --store "$work/store" --scope read --name reader)
  mkdir -p "$work/art/sub"; cp "$c_bin" "$work/art/c.node"; cp "$r_dbg" "$work/art/sub/r.debug"
  echo text >"$work/art/readme"
  export NAPI_SYMBOLS_SERVER=$srv NAPI_SYMBOLS_TOKEN=$up
  "$nsym" upload --dry-run "$work/art" >"$work/out" 2>&1 || fail "dry run: $(cat "$work/out")"
  [ "$(grep -c 'would upload' "$work/out")" = 2 ] || fail "dry run: $(cat "$work/out")"
  curl -sf -o /dev/null "$srv/buildid/$r_id/debuginfo" && fail "the dry run uploaded"
  "$nsym" upload "$work/art" >"$work/out" 2>&1 || fail "upload: $(cat "$work/out")"
  grep -q "c.node  $c_id  uploaded" "$work/out" && grep -q "r.debug  $r_id  uploaded" "$work/out" ||
    fail "upload: $(cat "$work/out")"
  curl -sf "$srv/buildid/$r_id/debuginfo" | cmp -s - "$r_dbg" || fail "bytes on the server"
  # the executable is there, its debug file is not: only the debug file goes
  cp "$c_dbg" "$work/art/c.debug"
  "$nsym" upload --json "$work/art" >"$work/out" 2>&1 || fail "second upload: $(cat "$work/out")"
  [ "$(grep -c '"result": "already there"' "$work/out")" = 2 ] && grep -q '"c.debug", "id": "'"$c_id"'", "size": [0-9]*, "result": "uploaded"' <(sed 's|"path": "[^"]*/|"|' "$work/out") ||
    fail "second upload: $(cat "$work/out")"
  # --sources: the files the DWARF names, served to debuginfod-find; not sent twice
  "$nsym" upload --sources "$work/art/c.debug" >"$work/out" 2>&1 || fail "--sources: $(cat "$work/out")"
  grep -q "sources: [1-9][0-9]* uploaded" "$work/out" || fail "--sources: $(cat "$work/out")"
  src=$(cd "$here/../fixtures/c-addon" && pwd)/addon.c
  f=$(DEBUGINFOD_URLS=$srv debuginfod-find source "$c_id" "$src") || fail "debuginfod-find source $src"
  cmp -s "$f" "$src" || fail "source bytes differ"
  "$nsym" upload --sources "$work/art/c.debug" >"$work/out" 2>&1 || fail "--sources again"
  grep -q "sources: 0 uploaded, [1-9][0-9]* already there" "$work/out" || fail "sources sent twice: $(cat "$work/out")"
  # refusals explained, nothing retried
  NAPI_SYMBOLS_TOKEN=$rd "$nsym" upload "$work/art/c.node" >"$work/out" 2>&1 && fail "a read token uploaded"
  grep -q "lacks the upload scope (403)" "$work/out" || fail "403: $(cat "$work/out")"
  NAPI_SYMBOLS_TOKEN=nsym_1_x "$nsym" upload "$work/art/c.node" >"$work/out" 2>&1 && fail "a bad token uploaded"
  grep -q "(401)" "$work/out" || fail "401: $(cat "$work/out")"
  "$nsym" upload "$work/art/readme" >"$work/out" 2>&1 && fail "a text file was accepted"
  start=$(date +%s)
  "$nsym" upload --server http://127.0.0.1:1 "$work/art/c.node" >"$work/out" 2>&1 && fail "a dead server gave 0"
  [ $(($(date +%s) - start)) -lt 10 ] && grep -q "cannot reach" "$work/out" || fail "dead server: $(cat "$work/out")"
  # a 503 is retried
  listen node "$here/fake-server.js" flaky
  "$nsym" upload --server "$url" "$work/art/c.node" >"$work/out" 2>&1 || fail "flaky: $(cat "$work/out")"
  grep -q "try 2" "$work/listen.err" && grep -q "uploaded" "$work/out" || fail "no retry: $(cat "$work/listen.err" "$work/out")" ;;
symbolize-on-demand)
  our_server
  mkdir "$work/lone"; cp "$c_bin" "$work/lone/addon.node"
  addr=$(nm "$fixtures/c/addon.node" | awk '$3 == "checksum_bytes" {print "0x" $1}')
  want=$("$nsym" symbolize --cache never -e "$fixtures/c/addon.node" "$addr")
  [[ "$want" == *addon.c:* ]] || fail "reference: $want"
  got=$("$nsym" symbolize --cache never --no-fetch -e "$work/lone/addon.node" "$addr" 2>&1)
  [[ "$got" != *addon.c:* ]] || fail "--no-fetch found lines: $got"
  got=$(NAPI_SYMBOLS_SERVER=$url "$nsym" symbolize --cache never -e "$work/lone/addon.node" "$addr" 2>&1)
  [ "$got" = "$want" ] || fail "fetched on demand: '$got', expected '$want'"
  cmp -s "$DEBUGINFOD_CACHE_PATH/$c_id/debuginfo" "$c_dbg" || fail "not kept in the cache"
  # the server gone, the cache answers
  got=$("$nsym" symbolize --cache never --server http://127.0.0.1:1 -e "$work/lone/addon.node" "$addr" 2>&1)
  [ "$got" = "$want" ] || fail "from the cache: $got"
  # a miss is said once, and the symbol table still answers
  got=$("$nsym" symbolize --cache never --server "$url" -e "$fixtures/c/addon-nobuildid.node.stripped" 0x1000 2>&1)
  [[ "$got" == *"warning: "*"no debug file for it on the servers"* ]] || fail "miss: $got" ;;
read-token)
  # a server whose downloads need a token: fetch sends --token / NAPI_SYMBOLS_TOKEN
  listen "$nsym" serve --store "$work/store" --listen 127.0.0.1:0 --read-token
  up=$("$nsym" token create --store "$work/store" --scope upload --name ci)
  rd=$("$nsym" token create --store "$work/store" --scope read --name reader)
  curl -sf -o /dev/null -H "Authorization: Bearer $up" --data-binary "@$c_dbg" "$url/api/v1/upload" || fail "upload"
  "$nsym" fetch --server "$url" "$c_bin" >"$work/out" 2>&1 && fail "no token, yet fetched"
  grep -q "answered HTTP 401" "$work/out" || fail "no token: $(cat "$work/out")"
  [ ! -e "$DEBUGINFOD_CACHE_PATH/$c_id/debuginfo" ] || fail "a 401 was remembered as a miss"
  # the token never goes to DEBUGINFOD_URLS servers (often public ones)
  DEBUGINFOD_URLS=$url NAPI_SYMBOLS_TOKEN=$rd "$nsym" fetch "$c_bin" >"$work/out" 2>&1 &&
    fail "the token went to a DEBUGINFOD_URLS server"
  grep -q "answered HTTP 401" "$work/out" || fail "DEBUGINFOD_URLS: $(cat "$work/out")"
  NAPI_SYMBOLS_TOKEN=$rd "$nsym" fetch --server "$url" "$c_bin" >"$work/out" 2>&1 || fail "with the token: $(cat "$work/out")"
  cmp -s "$DEBUGINFOD_CACHE_PATH/$c_id/debuginfo" "$c_dbg" || fail "bytes"
  grep -q "$rd" "$work/out" && fail "the token was printed" ;;
http-answers)
  # answers that the fast path hands to libcurl, and one in pieces: each
  # must end with the right file in the cache
  our_server
  target=$url
  for how in "redirect $target" "chunked $c_dbg" "bigheaders $c_dbg" "pieces $c_dbg"; do
    listen node "$here/fake-server.js" $how
    "$nsym" fetch --server "$url" "$c_bin" >"$work/out" 2>&1 || fail "${how%% *}: $(cat "$work/out")"
    grep -q "$c_id  found" "$work/out" || fail "${how%% *}: $(cat "$work/out")"
    cmp -s "$DEBUGINFOD_CACHE_PATH/$c_id/debuginfo" "$c_dbg" || fail "${how%% *}: the bytes differ"
    "$nsym" cache clear >/dev/null || fail "cache clear"
  done ;;
*) fail "unknown case" ;;
esac
echo "ok [$case_name]"
