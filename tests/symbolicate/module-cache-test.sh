#!/usr/bin/env bash
# The symbolicate route's open modules (server/module_cache.h), shared by
# the server's worker threads, with the real server on a loopback port:
#   concurrent    many requests at once on the same modules, from a server
#                 just started (so that they open the modules and read the
#                 symcaches' strings for the first time together), each
#                 answered as a server that keeps no module open answers
#                 it alone (serve --open-modules 0)
#   upload-after  a module answered "no symbols" is found once uploaded
#   delete        a deleted artifact no longer answers
#   bound         serve --open-modules 2 keeps at most 2 open (/metrics)
#                 and still answers every module
#   module-cache-test.sh NAPI_SYMBOLS FIXTURES_DIR CASE
set -uo pipefail
nsym=$(realpath "$1") fixtures=$(realpath "$2") case_name=$3
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL [$case_name]: $*" >&2; [ -f "$work/serve.err" ] && tail -5 "$work/serve.err" >&2; exit 1; }
unset NAPI_SYMBOLS_SERVER NAPI_SYMBOLS_TOKEN DEBUGINFOD_URLS NAPI_SYMBOLS_OPEN_MODULES
store=$work/store

# start [SERVE OPTIONS]: a server over $store on 127.0.0.1:0, ready when
# /healthz answers; sets $url, and $utoken and $atoken (upload, admin).
start() {
  if [ -z "${utoken:-}" ]; then
    utoken=$("$nsym" token create --store "$store" --scope upload --name ci) || fail "token"
    atoken=$("$nsym" token create --store "$store" --scope admin --name ci-admin) || fail "token"
  fi
  "$nsym" serve --store "$store" --listen 127.0.0.1:0 "$@" >"$work/serve.out" 2>"$work/serve.err" &
  pids+=($!)
  for _ in $(seq 100); do
    url=$(sed -n 's/^listening on //p' "$work/serve.out")
    [ -n "$url" ] && curl -sf "$url/healthz" >/dev/null && return 0
    sleep 0.1
  done
  fail "the server did not start: $(cat "$work/serve.err")"
}
stop() {
  kill "${pids[-1]}" && wait "${pids[-1]}" 2>/dev/null
  unset 'pids[-1]'
}
upload() { "$nsym" upload -q --server "$url" --token "$utoken" "$@" >"$work/up" 2>&1 || fail "upload $*: $(cat "$work/up")"; }
# post FILE OUT [CURL ARGS]: FILE to the route, the answer in OUT; 200 only
post() {
  local file=$1 out=$2 got; shift 2
  got=$(curl -s -o "$out" -w '%{http_code}' --max-time 60 --data-binary "@$file" "$@" "$url/api/v1/symbolicate")
  [ "$got" = 200 ] || fail "POST $file: $got: $(head -c 400 "$out")"
}
metric() { curl -s "$url/metrics" | awk -v k="$1" '$1 == k {print $2}'; }

build_id() { readelf -n "$1" | awk '/Build ID:/ {print $3}'; }
debug_id() { "$nsym" inspect "$1" | awk '$1 == "debug" && $2 == "id:" {print $3}'; }
# The modules: the C fixture's builds, and the Rust addon when it was built
# (its symcache has many blocks of strings, read first by racing threads).
modules=(c/addon c/addon-clang c/addon-dwarf4 c/addon-zstd)
[ -f "$fixtures/rust/addon.node.debug" ] && modules+=(rust/addon)

# trace COUNT MODULE...: a compact trace of COUNT return addresses spread
# over the functions of each module; v5 BODY likewise as a v5 request.
trace() {
  local count=$1 i=0 m; shift
  printf 'napi-symbols: crash v1 SIGSEGV at 0x0\n'
  for m in "$@"; do printf 'napi-symbols: m%d %s %s.node\n' $i "$(build_id "$fixtures/$m.node")" "${m##*/}"; i=$((i + 1)); done
  i=0
  for m in "$@"; do
    printf 'napi-symbols: f'
    nm --defined-only "$fixtures/$m.node" | awk -v n="$count" -v i=$i "$hexnum"'
      $2 ~ /^[tT]$/ { a[k++] = $1 }
      END { for (j = 0; j < n && k > 0; j++) printf " m%d+%x", i, hex(a[int(j * k / n)]) + 17 }'
    printf '\n'
    i=$((i + 1))
  done
  printf 'napi-symbols: end\n'
}
v5() {
  local count=$1 i=0 m map="" frames=""; shift
  for m in "$@"; do
    map+="${map:+, }[\"${m##*/}.node\", \"$(debug_id "$fixtures/$m.node")\"]"
    frames+=$(nm --defined-only "$fixtures/$m.node" | awk -v n="$count" -v i=$i -v first="${frames:+x}" "$hexnum"'
      $2 ~ /^[tT]$/ { a[k++] = $1 }
      END { for (j = 0; j < n && k > 0; j++) { printf "%s[%d, %d]", (first != "" || j > 0 ? ", " : ""), i, hex(a[int(j * k / n)]) + 17 } }')
    i=$((i + 1))
  done
  printf '{"jobs": [{"memoryMap": [%s], "stacks": [[%s]]}]}\n' "$map" "$frames"
}
# hex digits to a number, in any awk (mawk has no strtonum)
hexnum='function hex(h,   v, i) { h = tolower(h); v = 0
  for (i = 1; i <= length(h); i++) v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
  return v }'
functions() { grep -o '"function": "[^?"]' "$1" | wc -l; }

case $case_name in
concurrent)
  trace 64 "${modules[@]}" >"$work/trace.txt"
  v5 64 "${modules[@]}" >"$work/v5.json"
  # the answers of a server that opens every module anew for each request
  start --open-modules 0
  for m in "${modules[@]}"; do upload "$fixtures/$m.node.debug"; done
  post "$work/trace.txt" "$work/want.json" -H 'Accept: application/json'
  post "$work/v5.json" "$work/want.v5"
  [ "$(functions "$work/want.json")" -ge 64 ] || fail "the reference answer resolved little: $(head -c 600 "$work/want.json")"
  [ "$(functions "$work/want.v5")" -ge 64 ] || fail "the reference v5 answer resolved little: $(head -c 600 "$work/want.v5")"
  [ "$(metric nsym_open_modules)" = 0 ] || fail "--open-modules 0 kept modules open"
  stop
  # a server just started (the symcaches are built): 96 requests, 16 at once
  start --threads 16
  seq 96 | xargs -P 16 -I{} sh -c '
    if [ $(({} % 2)) = 0 ]; then body=$1/trace.txt want=$1/want.json accept=application/json
    else body=$1/v5.json want=$1/want.v5 accept=application/json; fi
    curl -s -o "$1/got.{}" -w "%{http_code}" --max-time 60 -H "Accept: $accept" --data-binary "@$body" "$2/api/v1/symbolicate" >"$1/status.{}"
    [ "$(cat "$1/status.{}")" = 200 ] && cmp -s "$want" "$1/got.{}" || echo "request {}: $(cat "$1/status.{}")" >>"$1/mismatch"' _ "$work" "$url"
  [ ! -f "$work/mismatch" ] || fail "$(wc -l <"$work/mismatch") of 96 concurrent answers differ from the single-request answer: $(head -3 "$work/mismatch")"
  # each module once by its identity (the traces) and once by its debug id
  # (v5): one open module for each name it was asked by
  open=$(metric nsym_open_modules)
  [ "$open" = $((2 * ${#modules[@]})) ] || fail "nsym_open_modules is '$open', expected $((2 * ${#modules[@]}))"
  ;;
upload-after)
  start
  trace 8 c/addon >"$work/trace.txt"
  v5 8 c/addon >"$work/v5.json"
  post "$work/trace.txt" "$work/before" -H 'Accept: text/plain'
  grep -q "no symbols on the server" "$work/before" || fail "not 'no symbols' before the upload: $(head -c 400 "$work/before")"
  post "$work/v5.json" "$work/before.v5"
  grep -q '": false}' "$work/before.v5" || fail "v5 found the module before the upload: $(head -c 400 "$work/before.v5")"
  [ "$(metric nsym_no_symbols_remembered)" -ge 1 ] || fail "no 'no symbols' answer is remembered"
  upload "$fixtures/c/addon.node.debug"
  post "$work/trace.txt" "$work/after" -H 'Accept: text/plain'
  grep -q "no symbols" "$work/after" && fail "still 'no symbols' after the upload: $(head -c 400 "$work/after")"
  grep -q "addon.c:[0-9]" "$work/after" || fail "not resolved after the upload: $(head -c 400 "$work/after")"
  post "$work/v5.json" "$work/after.v5"
  grep -q '": true}' "$work/after.v5" || fail "v5 does not find the module after the upload: $(head -c 400 "$work/after.v5")"
  ;;
delete)
  start
  upload "$fixtures/c/addon.node.debug"
  trace 8 c/addon >"$work/trace.txt"
  v5 8 c/addon >"$work/v5.json"
  post "$work/trace.txt" "$work/before" -H 'Accept: text/plain'
  grep -q "addon.c:[0-9]" "$work/before" || fail "not resolved: $(head -c 400 "$work/before")"
  post "$work/v5.json" "$work/before.v5"
  grep -q '": true}' "$work/before.v5" || fail "v5 does not find the module: $(head -c 400 "$work/before.v5")"
  [ "$(metric nsym_open_modules)" -ge 1 ] || fail "no module is kept open"
  id=$(curl -s "$url/api/v1/artifacts?q=$(build_id "$fixtures/c/addon.node")" | grep -o '"id": [0-9]*' | head -n 1 | awk '{print $2}')
  [ -n "$id" ] || fail "the artifact is not listed"
  got=$(curl -s -o "$work/del" -w '%{http_code}' -X DELETE -H "Authorization: Bearer $atoken" "$url/api/v1/artifacts/$id")
  [ "$got" = 200 ] || fail "DELETE: $got $(cat "$work/del")"
  post "$work/trace.txt" "$work/after" -H 'Accept: text/plain'
  grep -q "no symbols on the server" "$work/after" || fail "the deleted module still answers: $(head -c 400 "$work/after")"
  post "$work/v5.json" "$work/after.v5"
  grep -q '": false}' "$work/after.v5" || fail "v5 still finds the deleted module: $(head -c 400 "$work/after.v5")"
  [ "$(metric nsym_open_modules)" = 0 ] || fail "the deleted module is still open: $(metric nsym_open_modules)"
  ;;
bound)
  start --open-modules 2
  [ "$(metric nsym_open_modules_max)" = 2 ] || fail "nsym_open_modules_max is not 2"
  for m in c/addon c/addon-clang c/addon-dwarf4 c/addon-zstd; do upload "$fixtures/$m.node.debug"; done
  for round in 1 2; do
    for m in c/addon c/addon-clang c/addon-dwarf4 c/addon-zstd; do
      trace 8 "$m" >"$work/trace.txt"
      post "$work/trace.txt" "$work/got" -H 'Accept: text/plain'
      grep -q "addon.c:[0-9]" "$work/got" || fail "$m not resolved (round $round): $(head -c 400 "$work/got")"
      open=$(metric nsym_open_modules)
      [ "$open" -le 2 ] || fail "$open modules open, over --open-modules 2"
    done
  done
  [ "$open" = 2 ] || fail "$open modules open after 8 requests, expected 2"
  # one request over all four: each is open while it is used
  trace 4 c/addon c/addon-clang c/addon-dwarf4 c/addon-zstd >"$work/trace.txt"
  post "$work/trace.txt" "$work/got" -H 'Accept: text/plain'
  for m in addon addon-clang addon-dwarf4 addon-zstd; do
    grep -q "addon.c:[0-9].* in $m.node+0x" "$work/got" || fail "$m did not answer: $(cat "$work/got")"
  done
  [ "$(metric nsym_open_modules)" -le 2 ] || fail "over the bound after a request of 4 modules"
  [ "$(metric nsym_open_modules_evicted_in_use)" = 0 ] || fail "a module evicted in use was not closed"
  "$nsym" serve --store "$store" --open-modules -1 >/dev/null 2>"$work/usage"
  [ $? = 129 ] || fail "--open-modules -1 was not a usage error"
  ;;
*) fail "unknown case" ;;
esac
echo "ok [$case_name]"
