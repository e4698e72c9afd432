#!/usr/bin/env bash
# The symbolicate route (POST /api/v1/symbolicate) of the real server on a
# loopback port, on crashes of the fixture addons (C and Rust, and reports
# the hook writes when node crashes in one): its JSON and text answers must
# be byte for byte what `napi-symbols symbolicate --local` prints here,
# fetching the debug files from the same server. Then the symcache it
# builds once, its limits and hostile bodies, and `symbolicate` choosing
# the route by default, or fetching from a server without it.
#   route-test.sh NAPI_SYMBOLS FIXTURES_DIR CASE
# Environment: NSYM_NODE, NSYM_HOOK (the hook's .so) for the hook cases;
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
fail() { echo "FAIL [$case_name]: $*" >&2; [ -f "$work/serve.err" ] && tail -5 "$work/serve.err" >&2; exit 1; }
export DEBUGINFOD_CACHE_PATH=$work/cache XDG_CACHE_HOME=$work/xdg
unset NAPI_SYMBOLS_SERVER NAPI_SYMBOLS_TOKEN DEBUGINFOD_URLS
cd "$work" || fail "no work folder" # a module path of a trace is relative

c_addon=$fixtures/c/addon.node c_dbg=$fixtures/c/addon.node.debug
rust_addon=$fixtures/rust/addon.node rust_dbg=$fixtures/rust/addon.node.debug
build_id() { readelf -n "$1" | awk '/Build ID:/ {print $3}'; }
c_id=$(build_id "$c_addon")
[ -n "$c_id" ] || fail "the C fixture has no build-id"
other_id=9bb9da403a6b64a875d1330c0f657bc7364dae8c # a build no server has
# the store, and where the server keeps its symcaches
store=$work/store serve_store=(--store "$work/store") symcaches=$work/store/symcache
if [ "${NSYM_TEST_STORE:-}" = scaled ]; then
  # shellcheck source=../scale/cluster.sh
  . "$here/../scale/cluster.sh"
  scale_for_test
  symcaches=$TMPDIR/napi-symbols-symcache
fi

# start [SERVE OPTIONS]: a server over $work/store on 127.0.0.1:0, ready
# when /healthz answers; sets $url, and $utoken to an upload token.
start() {
  utoken=$("$nsym" token create --store "$store" --scope upload --name ci) || fail "token"
  "$nsym" serve "${serve_store[@]}" --listen 127.0.0.1:0 "$@" >"$work/serve.out" 2>"$work/serve.err" &
  pids+=($!)
  for _ in $(seq 100); do
    url=$(sed -n 's/^listening on //p' "$work/serve.out")
    [ -n "$url" ] && curl -sf -H "Authorization: Bearer $utoken" "$url/healthz" >/dev/null && return 0
    sleep 0.1
  done
  fail "the server did not start: $(cat "$work/serve.err")"
}
upload() { "$nsym" upload -q --server "$url" --token "$utoken" "$@" >"$work/up" 2>&1 || fail "upload $*: $(cat "$work/up")"; }
# post STATUS FILE [CURL ARGS]: FILE to the route; the answer in $work/body
post() {
  local want=$1 file=$2; shift 2
  got=$(curl -s -o "$work/body" -D "$work/head" -w '%{http_code}' --data-binary "@$file" "$@" \
    "$url/api/v1/symbolicate${query-}")
  [ "$got" = "$want" ] || fail "POST $file $*: $got, expected $want: $(head -c 400 "$work/body")"
}
metric() { curl -s "$url/metrics" | awk -v k="$1" '$1 == k {print $2}'; }

# same_as_local FILE: the route's four answers (text and JSON, with and
# without folders) against symbolicate's; $out is the local text answer.
same_as_local() {
  local file=$1 flags accept
  for flags in "" "-s" "--json" "--json -s"; do
    # shellcheck disable=SC2086
    "$nsym" symbolicate --local --server "$url" $flags "$file" >"$work/local" 2>"$work/local.err" ||
      fail "symbolicate $flags $file: $(cat "$work/local.err")"
    accept=text/plain query=
    [[ "$flags" == *--json* ]] && accept=application/json
    [[ "$flags" == *-s* ]] && query="?basenames=1"
    post 200 "$file" -H "Accept: $accept"
    grep -qi "^content-type: $accept" "$work/head" || fail "not $accept: $(cat "$work/head")"
    cmp -s "$work/local" "$work/body" ||
      fail "the route's answer ($accept$query) is not symbolicate $flags's: $(diff "$work/local" "$work/body" | head -20)"
    query=
  done
  out=$("$nsym" symbolicate --local --server "$url" -s "$file" 2>/dev/null)
}

# A compact trace of the C fixture, as users paste one: the faulting frame
# and a return address of fib, a module no server has, one with no
# identity, and a frame in no module.
c_trace() {
  local fib
  fib=$(nm "$c_addon" | awk '$3 == "fib" {print $1}')
  cat <<TRACE
> napi-symbols: crash v1 SIGSEGV at 0x0 (pid 4242, tid 4243) report napi-crash-4242.json
> napi-symbols: m0 $c_id addon.node
> napi-symbols: m1 $other_id node
> napi-symbols: f m0+$(printf '%x' $((0x$fib + 4)))! m0+$(printf '%x' $((0x$fib + 0x30))) m1+9a3f10
> napi-symbols: f ?+7f3a1d00ffee
> napi-symbols: end
TRACE
}

# frames_of FILE ADDON ID COUNT: a trace of COUNT frames, each a return
# address inside one of ADDON's functions, that exercises inline chains.
frames_of() {
  local addon=$1 id=$2 count=$3 f=()
  mapfile -t f < <(nm --defined-only "$addon" | awk '$2 ~ /[tT]/ {print $1}' | sort -u | head -n "$count")
  printf 'napi-symbols: crash v1 SIGABRT\nnapi-symbols: m0 %s addon.node\n' "$id"
  printf 'napi-symbols: f'
  for a in "${f[@]}"; do printf ' m0+%x' $((0x$a + 0x11)); done
  printf '\nnapi-symbols: end\n'
}

# hook_report ADDON JS: the report the hook writes when JS crashes node in
# ADDON (a copy in $work/proj), in $report, and what it printed in
# $work/node.err; module paths of this machine are taken out of the
# report, so that neither side reads a file here.
hook_report() {
  local node=${NSYM_NODE:-node}
  [ -n "${NSYM_HOOK:-}" ] || fail "NSYM_HOOK is not set"
  mkdir -p "$work/proj" "$work/reports"
  cp "$1" "$work/proj/addon.node"
  (cd "$work/proj" && env LD_PRELOAD="$NSYM_HOOK" NAPI_SYMBOLS_SYMBOLICATE=0 \
    NAPI_SYMBOLS_REPORT_DIR="$work/reports" timeout 60 "$node" -e "$2") >/dev/null 2>"$work/node.err"
  report=$(find "$work/reports" -name 'napi-crash-*.json' | head -n 1)
  [ -n "$report" ] || fail "the hook wrote no report: $(cat "$work/node.err")"
  "$node" -e 'const fs = require("fs"); const r = JSON.parse(fs.readFileSync(process.argv[1]));
    for (const m of r.modules) m.path = "/elsewhere" + m.path;
    fs.writeFileSync(process.argv[1], JSON.stringify(r));' "$report" || fail "cannot edit the report"
  grep '^napi-symbols: ' "$work/node.err" >"$work/trace.txt"
  grep -q '^napi-symbols: end' "$work/trace.txt" || fail "no compact trace: $(cat "$work/node.err")"
}

case $case_name in
c)
  start; upload "$c_dbg"
  c_trace >"$work/issue.md"
  same_as_local "$work/issue.md"
  [[ "$out" == *"#0 fib at addon.c:"*" in addon.node+0x"*" [addon]"* ]] || fail "not resolved: $out"
  [[ "$out" == *"#2 ?? in node+0x9a3f10 (no symbols on the server)"* ]] || fail "miss: $out"
  [[ "$out" == *"#3 ?? at 0x7f3a1d00ffee (not in a module)"* ]] || fail "no module: $out"
  # a module the text gives no identity: the server has no file to name
  # it by (symbolicate here says to give one with --module)
  sed 's/^> napi-symbols: end/> napi-symbols: m2 - libanon.so\n> napi-symbols: f m2+10\n&/' \
    "$work/issue.md" >"$work/anon.md"
  post 200 "$work/anon.md" -H "Accept: text/plain"
  grep -qx "#4 ?? in libanon.so+0x10 (no identity)" "$work/body" || fail "no identity: $(cat "$work/body")"
  # the symcache was built once (on upload, or by the first request),
  # kept in the store, and is used after
  [ "$(metric 'nsym_symcache_builds_total{result="built"}')" = 1 ] || fail "builds: $(curl -s "$url/metrics" | grep symcache)"
  curl -sf -o /dev/null "$url/buildid/$c_id/symcache" || fail "the store has no symcache"
  # a report, with two crashes' worth of traces
  { c_trace; c_trace; } >"$work/two.md"
  same_as_local "$work/two.md"
  [ "$(grep -c '^crash: SIGSEGV' <<<"$out")" = 2 ] || fail "two crashes: $out" ;;
rust)
  start; upload "$rust_dbg"
  frames_of "$rust_addon" "$(build_id "$rust_addon")" 40 >"$work/trace.txt"
  same_as_local "$work/trace.txt"
  [[ "$out" == *"(inlined by)"* && "$out" == *"napi_symbols_fixture::"*" at lib.rs:"* ]] ||
    fail "no inline chain in the Rust crate: $out" ;;
hook-c)
  start; upload "$c_dbg"
  hook_report "$c_addon" "require('./addon.node').crash()"
  same_as_local "$report"
  [[ "$out" == *" load_slot at addon.c:"*"[addon]"* ]] || fail "the faulting frame: $out"
  same_as_local "$work/trace.txt" ;;
hook-rust)
  start; upload "$rust_dbg"
  hook_report "$rust_addon" "require('./addon.node').segv()"
  same_as_local "$report"
  [[ "$out" == *"#0 "*" [addon]"$'\n'"    (inlined by) napi_symbols_fixture::store_slot at lib.rs:"* ]] ||
    fail "the faulting frame: $out"
  same_as_local "$work/trace.txt" ;;
symcache-once)
  # sixteen requests at once for a module without a symcache (none is
  # built on upload): one build, the others wait for it; all answer the same
  start --symcache-queue 0; upload "$rust_dbg"
  frames_of "$rust_addon" "$(build_id "$rust_addon")" 40 >"$work/trace.txt"
  args=()
  for i in $(seq 16); do args+=(-o "$work/answer.$i" --data-binary "@$work/trace.txt" "$url/api/v1/symbolicate"); done
  curl -s -Z --parallel-immediate --parallel-max 16 "${args[@]}" 2>/dev/null || fail "curl"
  [ "$(metric 'nsym_symcache_builds_total{result="built"}')" = 1 ] ||
    fail "not one build: $(curl -s "$url/metrics" | grep symcache)"
  for i in $(seq 2 16); do cmp -s "$work/answer.1" "$work/answer.$i" || fail "answer $i differs: $(head -c 300 "$work/answer.$i") against $(head -c 300 "$work/answer.1")"; done
  grep -q '"function": "napi_symbols_fixture::' "$work/answer.1" || fail "not resolved: $(head -c 300 "$work/answer.1")" ;;
symcache-fails)
  # a symcache that cannot be written (its folder is a file): the build
  # (on upload) fails once, is logged once and not tried again by the next
  # requests, and the debug file answers them all
  mkdir -p "$(dirname "$symcaches")"; : >"$symcaches"
  start; upload "$c_dbg"
  c_trace >"$work/issue.md"
  same_as_local "$work/issue.md"
  [[ "$out" == *"#0 fib at addon.c:"* ]] || fail "not resolved: $out"
  [ "$(metric 'nsym_symcache_builds_total{result="failed"}')" = 1 ] ||
    fail "failed builds: $(curl -s "$url/metrics" | grep symcache)"
  [ -z "$(metric 'nsym_symcache_builds_total{result="built"}')" ] || fail "built?"
  [ "$(grep -c "cannot build the symcache of $c_id (addon.node.debug, debuginfo)" "$work/serve.err")" = 1 ] ||
    fail "the failure is not logged once: $(cat "$work/serve.err")"
  ! grep -q '/proc/self/fd' "$work/serve.err" || fail "a path of the server's: $(cat "$work/serve.err")" ;;
damaged)
  # a debug file whose .debug_rnglists runs into the next section still answers
  "$here/../fixtures/damage-section.sh" "$c_dbg" .debug_rnglists sh_size +0x10 \
    "$work/addon.node.debug" >/dev/null || fail "cannot damage the debug file"
  start; upload "$work/addon.node.debug"
  c_trace >"$work/issue.md"
  same_as_local "$work/issue.md"
  [[ "$out" == *"#0 fib at addon.c:"* ]] || fail "not resolved: $out" ;;
read-token)
  start --read-token
  upload "$c_dbg"
  c_trace >"$work/issue.md"
  post 401 "$work/issue.md"
  [ "$(cat "$work/body")" = "this needs a token: Authorization: Bearer TOKEN" ] || fail "401: $(cat "$work/body")"
  rtoken=$("$nsym" token create --store "$store" --scope read --name reader) || fail "token"
  post 200 "$work/issue.md" -H "Authorization: Bearer $rtoken"
  # the CLI sends NAPI_SYMBOLS_TOKEN
  out=$(NAPI_SYMBOLS_TOKEN=$rtoken "$nsym" symbolicate -s --server "$url" "$work/issue.md" 2>"$work/err") ||
    fail "symbolicate: $(cat "$work/err")"
  [[ "$out" == *"#0 fib at addon.c:"* ]] || fail "not resolved: $out"
  [ -z "$(ls "$DEBUGINFOD_CACHE_PATH" 2>/dev/null)" ] || fail "debug files were fetched" ;;
hostile)
  # every refusal is a 4xx with one line that says what to do; the server
  # stays up and answers the next request
  start; upload "$c_dbg"
  c_trace >"$work/issue.md"
  one_line() { [ "$(wc -l <"$work/body")" = 1 ] || fail "not one line: $(head -c 300 "$work/body")"; }
  : >"$work/empty"
  post 422 "$work/empty"; one_line
  [[ "$(cat "$work/body")" == "the request holds no crash report"* ]] || fail "empty: $(cat "$work/body")"
  head -c 100000 /dev/urandom >"$work/random"
  post 422 "$work/random"; one_line
  python3 -c 'print("{\"a\":" * 100000)' >"$work/deep.json"
  post 422 "$work/deep.json"; one_line
  [[ "$(cat "$work/body")" == *"nested deeper than"* ]] || fail "deep: $(cat "$work/body")"
  printf '{"format": "napi-symbols-crash", "version": 1, "reason": "signal", "modules": [{"id": "../../etc"}], "frames": []}' >"$work/badid.json"
  post 422 "$work/badid.json"; one_line
  # a Rust backtrace needs its maps, which a server must not read: placed where it ran
  printf "thread 'main' panicked at src/lib.rs:1:1:\nboom\nstack backtrace:\n   0:     0x7f0000002200 - f\n" >"$work/bt.txt"
  post 422 "$work/bt.txt"; one_line
  [[ "$(cat "$work/body")" == *"'napi-symbols symbolicate --maps FILE' on the machine it ran on"* ]] || fail "maps: $(cat "$work/body")"
  # limits: the body, and the frames of all its crashes
  head -c $((4 * 1024 * 1024 + 1)) /dev/zero | tr '\0' 'x' >"$work/big"
  post 413 "$work/big"; one_line
  # the same without a declared length (chunked): refused once past the
  # limit, and a body of just the limit read whole (then refused as junk)
  post 413 "$work/big" -H "Transfer-Encoding: chunked"; one_line
  [[ "$(cat "$work/body")" == "the body exceeds the limit of 4194304 bytes"* ]] || fail "chunked: $(cat "$work/body")"
  head -c $((4 * 1024 * 1024)) "$work/big" >"$work/limit"
  post 422 "$work/limit" -H "Transfer-Encoding: chunked"; one_line
  for _ in $(seq 5); do
    printf 'napi-symbols: crash v1 SIGSEGV\nnapi-symbols: m0 %s a.node\n' "$c_id"
    for _ in $(seq 10); do printf 'napi-symbols: f%s\n' "$(printf ' m0+10%.0s' $(seq 100))"; done
    printf 'napi-symbols: end\n'
  done >"$work/many.txt"
  post 413 "$work/many.txt"; one_line
  [[ "$(cat "$work/body")" == "the request holds 5000 frames; at most 4096"* ]] || fail "frames: $(cat "$work/body")"
  # methods and media types
  got=$(curl -s -o /dev/null -w '%{http_code}' "$url/api/v1/symbolicate"); [ "$got" = 405 ] || fail "GET: $got"
  post 406 "$work/issue.md" -H "Accept: image/png"; one_line
  post 406 "$work/issue.md" -H "Accept: text/plain;q=0, application/json;q=0"
  post 200 "$work/issue.md" -H "Accept: text/html, text/*;q=0.8, application/json;q=0.5"
  grep -qi '^content-type: text/plain' "$work/head" || fail "text/* is text"
  post 200 "$work/issue.md" -H "Accept: text/plain;q=0.4, application/json"
  grep -qi '^content-type: application/json' "$work/head" || fail "json preferred"
  # cut and damaged traces: an answer or a 422, never a crash or 5xx
  size=$(stat -c %s "$work/issue.md")
  for n in $(seq 0 13 "$size"); do
    head -c "$n" "$work/issue.md" >"$work/cut"
    code=$(curl -s -o /dev/null -w '%{http_code}' --data-binary "@$work/cut" "$url/api/v1/symbolicate")
    [ "$code" = 200 ] || [ "$code" = 422 ] || fail "cut at $n: $code"
  done
  # thirty damaged copies, made by one python run (each start is slow on a
  # loaded machine)
  python3 -c 'import random,sys
src=open(sys.argv[1],"rb").read()
for seed in range(1, 31):
    d=bytearray(src); r=random.Random(seed)
    for _ in range(r.randint(1,20)): d[r.randrange(len(d))]=r.randrange(256)
    open("%s/bad.%d" % (sys.argv[2], seed), "wb").write(bytes(d))' "$work/issue.md" "$work"
  for seed in $(seq 1 30); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --data-binary "@$work/bad.$seed" "$url/api/v1/symbolicate")
    [ "$code" = 200 ] || [ "$code" = 422 ] || fail "damaged (seed $seed): $code"
  done
  post 200 "$work/issue.md"
  [ -z "$(curl -s "$url/metrics" | grep 'status="5')" ] || fail "a 5xx: $(curl -s "$url/metrics" | grep 'status="5')" ;;
keep-alive)
  # requests whose bodies were read to their end share one connection
  # (one TCP connection per request cost the route more than its work);
  # a body refused unread closes it
  start
  c_trace >"$work/issue.md"
  # pairs FILE: "CONNECTS STATUS" of each transfer curl made, one a line
  pairs() { tr -d '\r' <"$1" | paste -sd' '; }
  w='%{num_connects} %{http_code}\n'
  curl -s -w "$w" -o "$work/up" -H "Authorization: Bearer $utoken" --data-binary "@$c_dbg" \
    "$url/api/v1/upload?name=addon.node.debug" \
    --next -s -w "$w" -o "$work/a1" -H "Accept: text/plain" --data-binary "@$work/issue.md" "$url/api/v1/symbolicate" \
    --next -s -w "$w" -o "$work/a2" --data-binary "@$work/issue.md" "$url/api/v1/symbolicate" \
    >"$work/w" || fail "curl"
  [ "$(pairs "$work/w")" = "1 201 0 200 0 200" ] || fail "not one connection: $(pairs "$work/w")"
  grep -q '^#0 fib at .*addon.c:' "$work/a1" || fail "the first answer: $(head -c 300 "$work/a1")"
  grep -q '"function": "fib"' "$work/a2" || fail "the second answer: $(head -c 300 "$work/a2")"
  # refused before its body was read (406): the next request opens a new connection
  curl -s -w "$w" -o "$work/a1" -D "$work/head" -H "Accept: image/png" --data-binary "@$work/issue.md" "$url/api/v1/symbolicate" \
    --next -s -w "$w" -o "$work/a2" --data-binary "@$work/issue.md" "$url/api/v1/symbolicate" \
    >"$work/w" || fail "curl"
  [ "$(pairs "$work/w")" = "1 406 1 200" ] || fail "the refused body: $(pairs "$work/w")"
  grep -qi '^Connection: close' "$work/head" || fail "406 without Connection: close: $(cat "$work/head")"
  grep -q '"function": "fib"' "$work/a2" || fail "after the refusal: $(head -c 300 "$work/a2")" ;;
cli-default)
  # no debug file here: the text goes to the route and nothing is downloaded
  start; upload "$c_dbg"
  c_trace >"$work/issue.md"
  "$nsym" symbolicate --local --server "$url" -s "$work/issue.md" >"$work/want" 2>/dev/null || fail "local"
  rm -rf "$DEBUGINFOD_CACHE_PATH"
  NAPI_SYMBOLS_SERVER=$url "$nsym" symbolicate -s "$work/issue.md" >"$work/got" 2>"$work/err" ||
    fail "symbolicate: $(cat "$work/err")"
  cmp -s "$work/want" "$work/got" || fail "differs: $(diff "$work/want" "$work/got")"
  [ -z "$(ls "$DEBUGINFOD_CACHE_PATH" 2>/dev/null)" ] || fail "debug files were fetched"
  [ "$(grep -c 'POST /api/v1/symbolicate 200' "$work/serve.err")" = 1 ] || fail "the route was not asked"
  [ -z "$(cat "$work/err")" ] || fail "warnings: $(cat "$work/err")"
  # --json too
  "$nsym" symbolicate --json --server "$url" "$work/issue.md" >"$work/got" 2>/dev/null || fail "json"
  node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$work/got" || fail "not JSON"
  # a symcache in the cache (what --local fetches from this server, in
  # place of the debug file): the work is done here
  "$nsym" symbolicate --local --server "$url" "$work/issue.md" >/dev/null 2>&1
  [ -f "$DEBUGINFOD_CACHE_PATH/$c_id/symcache" ] || fail "--local did not fetch"
  "$nsym" symbolicate -s --server "$url" "$work/issue.md" >"$work/got" 2>/dev/null || fail "cached"
  cmp -s "$work/want" "$work/got" || fail "cached differs"
  [ "$(grep -c 'POST /api/v1/symbolicate' "$work/serve.err")" = 2 ] || fail "the route was asked with the symcache here"
  # a debug file at the report's path: here too
  rm -rf "$DEBUGINFOD_CACHE_PATH"
  mkdir -p "$work/app"; cp "$c_addon" "$work/app/addon.node"
  sed "s|m0 $c_id addon.node|m0 $c_id $work/app/addon.node|" "$work/issue.md" >"$work/here.md"
  "$nsym" symbolicate -s --server "$url" "$work/here.md" >/dev/null 2>&1 || fail "here"
  [ "$(grep -c 'POST /api/v1/symbolicate' "$work/serve.err")" = 2 ] || fail "the route was asked with the addon here"
  # servers of DEBUGINFOD_URLS are never sent a crash
  DEBUGINFOD_URLS=$url "$nsym" symbolicate -s "$work/issue.md" >/dev/null 2>&1
  [ "$(grep -c 'POST /api/v1/symbolicate' "$work/serve.err")" = 2 ] || fail "a DEBUGINFOD_URLS server got the crash"
  # --no-fetch asks nobody
  rm -rf "$DEBUGINFOD_CACHE_PATH"
  "$nsym" symbolicate -s --no-fetch --server "$url" "$work/issue.md" >/dev/null 2>&1
  [ "$(grep -c 'POST /api/v1/symbolicate' "$work/serve.err")" = 2 ] || fail "--no-fetch asked the route" ;;
cli-old-server)
  # a server without the route (404 to it, as an older one answers): said
  # once, and the debug file is fetched from it instead
  node "$here/../client/fake-server.js" old "$c_dbg" >"$work/fake.out" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do
    url=$(sed -n 's/^listening on //p' "$work/fake.out"); [ -n "$url" ] && break; sleep 0.1
  done
  [ -n "$url" ] || fail "the fake server did not start"
  c_trace >"$work/issue.md"
  "$nsym" symbolicate -s --server "$url" "$work/issue.md" >"$work/got" 2>"$work/err" || fail "symbolicate: $(cat "$work/err")"
  [ "$(cat "$work/err")" = "napi-symbols: warning: $url has no symbolicate route (an older napi-symbols server, or another kind of server); fetching the debug files instead" ] ||
    fail "the warning: $(cat "$work/err")"
  grep -q "^#0 fib at addon.c:" "$work/got" || fail "not resolved: $(cat "$work/got")"
  [ -f "$DEBUGINFOD_CACHE_PATH/$c_id/debuginfo" ] || fail "not fetched"
  # the next server of the list is asked before fetching
  start; upload "$c_dbg"
  rm -rf "$DEBUGINFOD_CACHE_PATH"
  old=$(sed -n 's/^listening on //p' "$work/fake.out")
  "$nsym" symbolicate -s --server "$old $url" "$work/issue.md" >"$work/got" 2>"$work/err" || fail "two servers"
  [[ "$(cat "$work/err")" == *"has no symbolicate route"*"; asking the next server" ]] || fail "warning: $(cat "$work/err")"
  grep -q "^#0 fib at addon.c:" "$work/got" || fail "not resolved: $(cat "$work/got")"
  [ -z "$(ls "$DEBUGINFOD_CACHE_PATH" 2>/dev/null)" ] || fail "fetched although a server answered" ;;
*)
  fail "unknown case" ;;
esac
exit 0
