#!/usr/bin/env bash
# serve --upstream: real servers on loopback ports the system picks, one
# asking another (or elfutils' debuginfod, or a misbehaving fake) for what
# its store lacks:
#   upstream-test.sh NAPI_SYMBOLS FIXTURES_DIR CASE
set -uo pipefail
nsym=$1 fixtures=$2 case_name=$3
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
declare -A pid=()
extra=()
cleanup() {
  for p in "${pid[@]}" "${extra[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL [$case_name]: $*" >&2
  for f in "$work"/*.err; do [ -f "$f" ] && { echo "--- $f" >&2; tail -15 "$f" >&2; }; done
  exit 1
}
export DEBUGINFOD_CACHE_PATH=$work/client-cache

c=$fixtures/c
id_of() { readelf -n "$1" | awk '/Build ID:/ {print $3}'; }
id=$(id_of "$c/addon.node") id2=$(id_of "$c/addon-clang.node") id3=$(id_of "$c/addon-dwarf4.node")
[ -n "$id" ] && [ -n "$id2" ] && [ -n "$id3" ] || fail "no build-ids in the fixtures"

# free_port: a loopback port nothing listens on now, for a server that must
# be named before it starts (a loop, an upstream that comes up later)
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
# start NAME [OPTIONS]: server NAME on its own store; sets ${url[NAME]}
declare -A url=()
start() {
  local name=$1; shift
  local listen=127.0.0.1:0
  [ -n "${port_of[$name]:-}" ] && listen=127.0.0.1:${port_of[$name]}
  "$nsym" serve --store "$work/$name" --listen "$listen" "$@" >"$work/$name.out" 2>"$work/$name.err" &
  pid[$name]=$!
  for _ in $(seq 100); do
    url[$name]=$(sed -n 's/^listening on //p' "$work/$name.out")
    [ -n "${url[$name]}" ] && curl -sf "${url[$name]}/healthz" >/dev/null && return 0
    kill -0 "${pid[$name]}" 2>/dev/null || fail "server $name exited: $(cat "$work/$name.err")"
    sleep 0.1
  done
  fail "server $name did not become ready"
}
declare -A port_of=()
stop() { kill -TERM "${pid[$1]}"; wait "${pid[$1]}"; unset "pid[$1]"; }
# upload NAME FILE: into server NAME's store
upload() {
  [ -f "$work/$1.token" ] || "$nsym" token create --store "$work/$1" --scope upload --name t >"$work/$1.token" || fail "token"
  curl -sf -o /dev/null -H "Authorization: Bearer $(cat "$work/$1.token")" --data-binary "@$2" \
    "${url[$1]}/api/v1/upload?name=$(basename "$2")" || fail "upload $2 to $1"
}
# get STATUS URL: the body in $work/body
get() {
  local got
  got=$(curl -s -o "$work/body" -w '%{http_code}' "$2")
  [ "$got" = "$1" ] || fail "GET $2 gave $got, expected $1: $(head -c 300 "$work/body")"
}
same() { cmp -s "$work/body" "$1" || fail "the bytes served are not $1's"; }
# asked NAME PATH: how many requests for PATH server NAME's access log shows
asked() { awk -v p="$2" '$3 == p' "$work/$1.err" | wc -l; }
metric() { curl -s "${url[$1]}/metrics" | awk -v m="$2" '$1 == m {print $2}'; }
cached_files() { find "$work/$1/upstream" -type f 2>/dev/null | wc -l; }

# start_elfutils: elfutils' debuginfod serving a folder of the fixtures,
# on port $port, once it answers
start_elfutils() {
  mkdir "$work/served"; cp "$c/addon.node.debug" "$c/addon-clang.node.debug" "$work/served/"
  port=$(free_port)
  debuginfod -p "$port" -d "$work/debuginfod.db" -F "$work/served" >"$work/debuginfod.err" 2>&1 &
  extra+=($!)
  for _ in $(seq 150); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/buildid/$id/debuginfo" && break
    sleep 0.2
  done
}

case $case_name in
chained)
  # upload to A; B asks A; then B serves from its cache with A stopped
  start A; upload A "$c/addon.node.debug"; upload A "$c/addon.node.stripped"
  start B --upstream "${url[A]}"
  get 200 "${url[B]}/buildid/$id/debuginfo"; same "$c/addon.node.debug"
  get 200 "${url[B]}/buildid/$id/executable"; same "$c/addon.node.stripped"
  [ "$(cached_files B)" = 2 ] || fail "B's cache holds $(cached_files B) files, expected 2"
  # not an artifact of B's: its listing stays empty
  get 200 "${url[B]}/api/v1/artifacts"
  node -e 'const j=JSON.parse(require("fs").readFileSync(process.argv[1]));process.exit(j.artifacts.length===0?0:1)' "$work/body" ||
    fail "B lists what came from upstream: $(cat "$work/body")"
  stop A
  get 200 "${url[B]}/buildid/$id/debuginfo"; same "$c/addon.node.debug"
  # a Range from the cached file
  got=$(curl -s -r 0-15 "${url[B]}/buildid/$id/debuginfo" | od -An -tx1 | tr -d ' \n')
  [ "$got" = "$(head -c 16 "$c/addon.node.debug" | od -An -tx1 | tr -d ' \n')" ] || fail "range: $got"
  [ "$(metric B 'nsym_upstream_total{result="cached"}')" = 2 ] || fail "metrics: $(curl -s "${url[B]}/metrics" | grep upstream)" ;;
sources)
  start A; upload A "$c/addon.node.debug"
  src=/build/addon.c
  echo 'int main(void) { return 0; }' >"$work/addon.c"
  curl -sf -o /dev/null -H "Authorization: Bearer $(cat "$work/A.token")" --data-binary "@$work/addon.c" \
    --url-query "buildid=$id" --url-query "path=$src" "${url[A]}/api/v1/upload/source" || fail "source upload"
  start B --upstream "${url[A]}"
  get 200 "${url[B]}/buildid/$id/source$src"; same "$work/addon.c"
  get 404 "${url[B]}/buildid/$id/source/build/other.c" ;;
symsrv)
  fx=$fixtures/foreign
  ts=$(awk '$1 == "pe/addon.node" && $2 == 0 && $3 == "timestamp" {print $4}' "$fx/expected.txt")
  soi=$(awk '$1 == "pe/addon.node" && $2 == 0 && $3 == "size_of_image" {print $4}' "$fx/expected.txt")
  [ -n "$ts" ] && [ -n "$soi" ] || fail "no PE facts in $fx/expected.txt"
  pe_id=$(printf '%08X%x' "$ts" "$soi")
  start A; upload A "$fx/pe/addon.node"
  # a SymSrv upstream is named symsrv:URL, and only SymSrv paths go to it
  start B --upstream "symsrv:${url[A]}/symsrv"
  get 200 "${url[B]}/symsrv/addon.node/$pe_id/addon.node"; same "$fx/pe/addon.node"
  get 404 "${url[B]}/buildid/$id/debuginfo"
  [ "$(asked A "/buildid/$id/debuginfo")" = 0 ] || fail "a debuginfod path went to a SymSrv upstream"
  # another casing of the same file is the same cache entry
  stop A
  get 200 "${url[B]}/symsrv/ADDON.NODE/$(tr 'A-F' 'a-f' <<<"$pe_id")/addon.node"; same "$fx/pe/addon.node" ;;
elfutils)
  start_elfutils
  start B --upstream "http://127.0.0.1:$port"
  get 200 "${url[B]}/buildid/$id2/debuginfo"; same "$c/addon-clang.node.debug"
  # real clients through B: debuginfod-find and gdb
  got=$(DEBUGINFOD_URLS=${url[B]} debuginfod-find debuginfo "$id" 2>"$work/find.err") || fail "debuginfod-find: $(cat "$work/find.err")"
  cmp -s "$got" "$c/addon.node.debug" || fail "debuginfod-find got other bytes"
  rm -rf "$DEBUGINFOD_CACHE_PATH"
  mkdir "$work/app"; cp "$c/addon.node.stripped" "$work/app/addon.node"
  want=$(gdb -batch -nx -ex 'info line checksum_bytes' "$c/addon.node" 2>&1 | grep '^Line')
  got=$(DEBUGINFOD_URLS=${url[B]} gdb -batch -nx -iex 'set debuginfod enabled on' -ex 'info line checksum_bytes' "$work/app/addon.node" 2>&1 | grep '^Line')
  [ -n "$want" ] && [ "$got" = "$want" ] || fail "gdb through B: '$got', expected '$want'"
  # B says who it is: elfutils saw B's hop in X-Forwarded-For
  grep -q "XFF:127.0.0.1" "$work/debuginfod.err" || fail "no X-Forwarded-For at elfutils: $(tail -3 "$work/debuginfod.err")" ;;
miss)
  # a miss of every upstream is remembered: asked once, answered 404 twice
  start A
  start B --upstream "${url[A]}" --upstream-miss-seconds 600
  get 404 "${url[B]}/buildid/$id/debuginfo"
  get 404 "${url[B]}/buildid/$id/debuginfo"
  [ "$(asked A "/buildid/$id/debuginfo")" = 1 ] || fail "A was asked $(asked A "/buildid/$id/debuginfo") times, expected 1"
  [ "$(metric B 'nsym_upstream_total{result="miss_remembered"}')" = 1 ] || fail "metrics: $(curl -s "${url[B]}/metrics" | grep upstream)"
  # with 0 seconds, nothing is remembered
  start C --upstream "${url[A]}" --upstream-miss-seconds 0
  get 404 "${url[C]}/buildid/$id2/debuginfo"
  get 404 "${url[C]}/buildid/$id2/debuginfo"
  [ "$(asked A "/buildid/$id2/debuginfo")" = 2 ] || fail "A was asked $(asked A "/buildid/$id2/debuginfo") times, expected 2"
  [ "$(cached_files B)" = 0 ] && [ "$(cached_files C)" = 0 ] || fail "a miss left files" ;;
loop)
  # A and B each other's upstream: a miss is a quick 404, asked once each way
  port_of[B]=$(free_port)
  start A --upstream "http://127.0.0.1:${port_of[B]}"
  start B --upstream "${url[A]}"
  t0=$EPOCHREALTIME
  get 404 "${url[B]}/buildid/$id/debuginfo"
  ms=$(( (${EPOCHREALTIME/./} - ${t0/./}) / 1000 ))
  [ "$ms" -lt 3000 ] || fail "the loop took $ms ms"
  [ "$(asked A "/buildid/$id/debuginfo")" = 1 ] || fail "A was asked $(asked A "/buildid/$id/debuginfo") times"
  [ "$(asked B "/buildid/$id/debuginfo")" = 2 ] || fail "B was asked $(asked B "/buildid/$id/debuginfo") times (client and A)"
  [ "$(metric B 'nsym_upstream_total{result="loop"}')" = 1 ] || fail "metrics: $(curl -s "${url[B]}/metrics" | grep upstream)"
  # a file A has still comes through
  upload A "$c/addon-clang.node.debug"
  get 200 "${url[B]}/buildid/$id2/debuginfo"; same "$c/addon-clang.node.debug"
  # elfutils' hop limit: 8 X-Forwarded-For entries and no more forwarding
  got=$(curl -s -o /dev/null -w '%{http_code}' -H 'X-Forwarded-For: 1, 2, 3, 4, 5, 6, 7, 8' "${url[B]}/buildid/$id3/debuginfo")
  [ "$got" = 404 ] && [ "$(asked A "/buildid/$id3/debuginfo")" = 0 ] || fail "the hop limit: $got, A asked $(asked A "/buildid/$id3/debuginfo")" ;;
lru)
  # room for two of three files: the least recently served goes
  start A
  for f in addon.node addon-clang.node addon-dwarf4.node; do upload A "$c/$f.debug"; done
  s1=$(stat -c %s "$c/addon.node.debug") s2=$(stat -c %s "$c/addon-clang.node.debug") s3=$(stat -c %s "$c/addon-dwarf4.node.debug")
  bound=$((s1 + s3 + 100))
  [ $((s1 + s2)) -le $bound ] && [ $((s2 + s3)) -le $bound ] && [ $((s1 + s2 + s3)) -gt $bound ] || fail "fixture sizes do not suit: $s1 $s2 $s3"
  start B --upstream "${url[A]}" --upstream-cache-size "$bound"
  get 200 "${url[B]}/buildid/$id/debuginfo"
  get 200 "${url[B]}/buildid/$id2/debuginfo"
  get 200 "${url[B]}/buildid/$id/debuginfo" # the first is now the more recent
  get 200 "${url[B]}/buildid/$id3/debuginfo"; same "$c/addon-dwarf4.node.debug"
  [ "$(cached_files B)" = 2 ] || fail "B's cache holds $(cached_files B) files"
  [ "$(du -cb "$work/B/upstream"/* | tail -1 | cut -f1)" -le "$bound" ] || fail "the cache is over its bound"
  stop A
  get 200 "${url[B]}/buildid/$id/debuginfo"; same "$c/addon.node.debug"
  get 200 "${url[B]}/buildid/$id3/debuginfo"; same "$c/addon-dwarf4.node.debug"
  get 503 "${url[B]}/buildid/$id2/debuginfo" ;;
down)
  # an upstream that is down: 503, nothing cached or remembered; once it
  # is up, the file comes
  port_of[A]=$(free_port)
  start B --upstream "http://127.0.0.1:${port_of[A]}"
  get 503 "${url[B]}/buildid/$id/debuginfo"
  grep -q "upstream http://127.0.0.1:${port_of[A]}/buildid/$id/debuginfo: " "$work/B.err" || fail "the failure is not logged"
  [ "$(cached_files B)" = 0 ] || fail "a failure left files"
  start A; upload A "$c/addon.node.debug"
  get 200 "${url[B]}/buildid/$id/debuginfo"; same "$c/addon.node.debug"
  # an upstream that answers 500: 503 as well
  node "$here/../client/fake-server.js" error >"$work/fake.out" 2>&1 &
  extra+=($!)
  for _ in $(seq 100); do fake=$(sed -n 's/^listening on //p' "$work/fake.out"); [ -n "$fake" ] && break; sleep 0.1; done
  start C --upstream "$fake"
  get 503 "${url[C]}/buildid/$id2/debuginfo"
  grep -q "answered HTTP 500" "$work/C.err" || fail "the 500 is not logged" ;;
wrong-id)
  # an upstream that sends another file than the one asked for: refused,
  # logged, not cached, and a second upstream that has it answers
  node "$here/../client/fake-server.js" wrong "$c/addon-clang.node.debug" >"$work/fake.out" 2>&1 &
  extra+=($!)
  for _ in $(seq 100); do fake=$(sed -n 's/^listening on //p' "$work/fake.out"); [ -n "$fake" ] && break; sleep 0.1; done
  [ -n "$fake" ] || fail "the fake server did not start"
  start B --upstream "$fake"
  get 503 "${url[B]}/buildid/$id/debuginfo"
  grep -q "sent a file refused: it is elf debuginfo $id2, not debuginfo $id$" "$work/B.err" || fail "the refusal is not logged"
  [ "$(cached_files B)" = 0 ] || fail "the wrong file was cached"
  [ "$(metric B 'nsym_upstream_total{result="refused"}')" = 1 ] || fail "metrics"
  start A; upload A "$c/addon.node.debug"
  start C --upstream "$fake" --upstream "${url[A]}"
  get 200 "${url[C]}/buildid/$id/debuginfo"; same "$c/addon.node.debug" ;;
settings)
  # flags, the variable and the config file name upstreams alike; a bad URL
  # stops the start
  "$nsym" serve --store "$work/X" --listen 127.0.0.1:0 --upstream ftp://example >"$work/X.out" 2>"$work/X.err"
  [ $? = 1 ] && grep -q "upstream 'ftp://example': expected http" "$work/X.err" || fail "a bad URL: $(cat "$work/X.err")"
  "$nsym" serve --store "$work/X" --upstream-cache-size 5Q >/dev/null 2>"$work/X.err"
  [ $? = 129 ] || fail "a bad size was taken"
  help=$("$nsym" serve -h); grep -q -- "--upstream URL" <<<"$help" || fail "--help says nothing of --upstream"
  start A; upload A "$c/addon.node.debug"
  NAPI_SYMBOLS_UPSTREAM="http://127.0.0.1:1 ${url[A]}" start B
  get 200 "${url[B]}/buildid/$id/debuginfo"; same "$c/addon.node.debug"
  printf 'upstream = %s\nupstream_miss_seconds = 0\n' "${url[A]}" >"$work/conf"
  start C -c "$work/conf"
  get 200 "${url[C]}/buildid/$id/debuginfo"; same "$c/addon.node.debug" ;;
section)
  # /buildid/ID/section/NAME of a build the store lacks goes upstream too:
  # elfutils' debuginfod as the upstream, debuginfod-find through B
  start_elfutils
  start B --upstream "http://127.0.0.1:$port"
  objcopy --dump-section .debug_line="$work/want" "$c/addon.node.debug" "$work/discard" || fail objcopy
  got=$(DEBUGINFOD_URLS=${url[B]} debuginfod-find section "$id" .debug_line 2>"$work/find.err") ||
    fail "debuginfod-find section: $(cat "$work/find.err")"
  cmp -s "$got" "$work/want" || fail "debuginfod-find got other bytes than .debug_line"
  [ "$(asked B "/buildid/$id/section/.debug_line")" -ge 1 ] || fail "debuginfod-find did not ask B for the section"
  [ -z "$(ls "$DEBUGINFOD_CACHE_PATH/$id" | grep -v section)" ] || fail "the client fetched more than the section: $(ls "$DEBUGINFOD_CACHE_PATH/$id")"
  # a section nobody has is a 404; then from B's cache, with elfutils gone
  get 404 "${url[B]}/buildid/$id3/section/.debug_line"
  kill "${extra[0]}"; wait "${extra[0]}" 2>/dev/null
  get 200 "${url[B]}/buildid/$id/section/.debug_line"; same "$work/want" ;;
token)
  # an upstream whose reads need a token: named by #token_env=NAME or
  # #token_file=PATH after its URL, sent to it alone, and never shown
  start A --read-token; upload A "$c/addon.node.debug"
  rt=$("$nsym" token create --store "$work/A" --scope read --name reader) || fail "token"
  # without it: A answers 401, which is no miss (503, logged)
  start C --upstream "${url[A]}"
  get 503 "${url[C]}/buildid/$id/debuginfo"
  grep -q "answered HTTP 401" "$work/C.err" || fail "the 401 is not logged"
  A_TOKEN=$rt start B --upstream "${url[A]}#token_env=A_TOKEN"
  get 200 "${url[B]}/buildid/$id/debuginfo"; same "$c/addon.node.debug"
  printf '%s\n' "$rt" >"$work/a.token"
  printf 'upstream = %s#token_file=%s\n' "${url[A]}" "$work/a.token" >"$work/conf"
  start D -c "$work/conf"
  get 200 "${url[D]}/buildid/$id/debuginfo"; same "$c/addon.node.debug"
  # a token that cannot be read stops the start, naming where it was looked for
  "$nsym" serve --store "$work/X" --listen 127.0.0.1:0 --upstream "${url[A]}#token_env=NO_SUCH_VAR" >/dev/null 2>"$work/X.err"
  [ $? = 1 ] && grep -q "the variable NO_SUCH_VAR is not set" "$work/X.err" || fail "an unset variable: $(cat "$work/X.err")"
  for f in "$work"/*.err "$work"/*.out; do
    ! grep -qF "$rt" "$f" || fail "the token shows in $f"
  done ;;
coalesce)
  # requests at once for a file not cached yet: one fetch upstream, the
  # others wait for it and are answered from it. The upstream holds its
  # answer until the test releases it, after every request had time to
  # ask it (without coalescing each one does)
  node "$here/../client/fake-server.js" held "$c/addon.node.debug" >"$work/fake.out" 2>"$work/fake.err" &
  extra+=($!)
  for _ in $(seq 100); do fake=$(sed -n 's/^listening on //p' "$work/fake.out"); [ -n "$fake" ] && break; sleep 0.1; done
  [ -n "$fake" ] || fail "the fake server did not start"
  start B --upstream "$fake" --threads 16
  n=8 jobs=()
  for i in $(seq $n); do
    curl -s --max-time 60 -o "$work/got.$i" -w '%{http_code}' "${url[B]}/buildid/$id/debuginfo" >"$work/code.$i" &
    jobs+=($!)
  done
  asks() { grep -c "^asked /buildid/$id/debuginfo$" "$work/fake.err"; }
  for _ in $(seq 200); do [ "$(asks)" -ge 1 ] && break; sleep 0.05; done
  # a bounded window for the other requests to ask too, were they to
  for _ in $(seq 40); do [ "$(asks)" -ge $n ] && break; sleep 0.05; done
  curl -sf -o /dev/null "$fake/release" || fail "release"
  wait "${jobs[@]}"
  for i in $(seq $n); do
    [ "$(cat "$work/code.$i")" = 200 ] && cmp -s "$work/got.$i" "$c/addon.node.debug" ||
      fail "request $i: $(cat "$work/code.$i")"
  done
  [ "$(asks)" = 1 ] || fail "the upstream was asked $(asks) times, expected 1"
  [ "$(metric B 'nsym_upstream_total{result="fetched"}')" = 1 ] || fail "metrics: $(curl -s "${url[B]}/metrics" | grep upstream)" ;;
*) fail "no such case" ;;
esac
exit 0
