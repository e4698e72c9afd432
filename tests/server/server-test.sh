#!/usr/bin/env bash
# The real server on a loopback port the system picks, driven by real
# clients (curl, elfutils debuginfod-find, gdb):
#   server-test.sh NAPI_SYMBOLS FIXTURES_DIR CASE
set -uo pipefail
nsym=$1 fixtures=$2 case_name=$3
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL [$case_name]: $*" >&2; [ -f "$work/serve.err" ] && tail -20 "$work/serve.err" >&2; exit 1; }

dbg=$fixtures/c/addon.node.debug stripped=$fixtures/c/addon.node.stripped full=$fixtures/c/addon.node
id=$(readelf -n "$full" | awk '/Build ID:/ {print $3}')
[ -n "$id" ] || fail "no build-id in $full"
export DEBUGINFOD_CACHE_PATH=$work/client-cache

# start [OPTIONS]: a server on 127.0.0.1:0; sets $url once /healthz answers.
start() {
  "$nsym" serve --store "$work/store" --listen 127.0.0.1:0 "$@" >"$work/serve.out" 2>"$work/serve.err" &
  pid=$!
  for _ in $(seq 100); do
    url=$(sed -n 's/^listening on //p' "$work/serve.out")
    [ -n "$url" ] && curl -sf "$url/healthz" >/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || fail "the server exited: $(cat "$work/serve.err")"
    sleep 0.1
  done
  fail "the server did not become ready"
}
stop() { kill -TERM "$pid"; wait "$pid"; local rc=$?; pid=; return $rc; }
token() { "$nsym" token create --store "$work/store" --scope "$1" --name "$2"; }
# http EXPECTED_STATUS CURL_ARGS...: body in $work/body, headers in $work/head
http() {
  local want=$1; shift
  got=$(curl -s -o "$work/body" -D "$work/head" -w '%{http_code}' "$@")
  [ "$got" = "$want" ] || fail "curl $* gave $got, expected $want: $(head -c 300 "$work/body")"
}
upload() { # STATUS TOKEN FILE [NAME]
  http "$1" -H "Authorization: Bearer $2" --data-binary "@$3" "$url/api/v1/upload?name=${4:-$(basename "$3")}"
}
header() { tr -d '\r' <"$work/head" | awk -v h="$1" 'BEGIN{IGNORECASE=1} tolower($1) == tolower(h) ":" {sub(/^[^:]*: /, ""); print}'; }

case $case_name in
debuginfod-api)
  start; t=$(token upload ci) || fail "token create"
  upload 201 "$t" "$dbg"
  grep -q '"result": "created"' "$work/body" || fail "upload reply: $(cat "$work/body")"
  upload 200 "$t" "$dbg"; grep -q '"result": "exists"' "$work/body" || fail "second upload"
  upload 201 "$t" "$stripped" addon.node
  http 200 "$url/buildid/$id/debuginfo"; cmp -s "$work/body" "$dbg" || fail "debuginfo bytes differ"
  [ "$(header Content-Length)" = "$(stat -c %s "$dbg")" ] || fail "Content-Length"
  [ "$(header X-DEBUGINFOD-SIZE)" = "$(stat -c %s "$dbg")" ] || fail "X-DEBUGINFOD-SIZE"
  [ "$(header X-DEBUGINFOD-FILE)" = addon.node.debug ] || fail "X-DEBUGINFOD-FILE"
  [ -n "$(header Last-Modified)" ] && [ "$(header Cache-Control)" = public ] || fail "caching headers"
  etag=$(header ETag); [[ "$etag" =~ ^\"[0-9a-f]{64}\"$ ]] || fail "ETag '$etag'"
  http 304 -H "If-None-Match: $etag" "$url/buildid/$id/debuginfo"
  http 200 "$url/buildid/${id^^}/executable"; cmp -s "$work/body" "$stripped" || fail "executable bytes"
  http 206 -r 4-11 "$url/buildid/$id/debuginfo"
  cmp -s "$work/body" <(tail -c +5 "$dbg" | head -c 8) || fail "range bytes"
  [ "$(header Content-Range)" = "bytes 4-11/$(stat -c %s "$dbg")" ] || fail "Content-Range $(header Content-Range)"
  http 416 -r 99999999- "$url/buildid/$id/debuginfo"
  http 200 -I "$url/buildid/$id/debuginfo"
  [ "$(header Content-Length)" = "$(stat -c %s "$dbg")" ] || fail "HEAD Content-Length"
  n=$(curl -s -I -o /dev/null -w '%{size_download}' "$url/buildid/$id/debuginfo")
  [ "$n" = 0 ] || fail "HEAD sent a body of $n bytes"
  http 406 -H "X-DEBUGINFOD-MAXSIZE: 100" "$url/buildid/$id/debuginfo"
  http 404 "$url/buildid/${id:0:38}aa/debuginfo"
  http 200 "$url/buildid/$id/section/.debug_line"
  objcopy --dump-section .debug_line="$work/section" "$dbg" "$work/discard"
  cmp -s "$work/body" "$work/section" || fail "section bytes"
  http 404 "$url/buildid/$id/section/.no_such_section"
  http 404 "$url/buildid/$id/source/usr/include/stdio.h"
  http 200 "$url/metrics"
  grep -q 'nsym_http_requests_total{route="buildid",status="206"} 1' "$work/body" || fail "metrics: $(cat "$work/body")"
  grep -q 'nsym_uploads_total{result="created"} 2' "$work/body" || fail "upload metrics"
  grep -q "^nsym_store_artifacts 2$" "$work/body" || fail "store gauge"
  grep -q "GET /buildid/$id/debuginfo 200 $(stat -c %s "$dbg") .*ms -$" "$work/serve.err" || fail "access log"
  stop || fail "SIGTERM did not stop the server with status 0"
  grep -q stopped "$work/serve.err" || fail "no 'stopped' line" ;;
debuginfod-find)
  start; t=$(token upload ci)
  upload 201 "$t" "$dbg"; upload 201 "$t" "$stripped" addon.node
  export DEBUGINFOD_URLS=$url
  f=$(debuginfod-find debuginfo "$id") || fail "debuginfod-find debuginfo"
  cmp -s "$f" "$dbg" || fail "debuginfod-find debuginfo: bytes differ"
  f=$(debuginfod-find executable "$id") || fail "debuginfod-find executable"
  cmp -s "$f" "$stripped" || fail "debuginfod-find executable: bytes differ"
  debuginfod-find debuginfo 0123456789abcdef0123456789abcdef01234567 2>/dev/null && fail "a miss was found"
  # gdb with only the stripped addon on disk gets its lines through us
  mkdir "$work/app"; cp "$stripped" "$work/app/addon.node"
  want=$(gdb -batch -nx -ex 'info line checksum_bytes' "$full" 2>&1 | grep '^Line')
  got=$(gdb -batch -nx -iex 'set debuginfod enabled on' -ex 'info line checksum_bytes' "$work/app/addon.node" 2>&1 | grep '^Line')
  [ -n "$want" ] && [ "$got" = "$want" ] || fail "gdb through debuginfod: '$got', expected '$want'" ;;
tokens)
  start; up=$(token upload ci); rd=$(token read reader)
  http 401 --data-binary "@$dbg" "$url/api/v1/upload"
  [ "$(header WWW-Authenticate)" = Bearer ] || fail "401 without WWW-Authenticate"
  http 401 -H "Authorization: Bearer nsym_1_0000" --data-binary "@$dbg" "$url/api/v1/upload"
  http 401 -H "Authorization: Bearer ${up%?}x" --data-binary "@$dbg" "$url/api/v1/upload"
  http 403 -H "Authorization: Bearer $rd" --data-binary "@$dbg" "$url/api/v1/upload"
  "$nsym" token list --store "$work/store" >"$work/list" || fail "token list"
  grep -q '^ci  *upload .* valid$' "$work/list" && ! grep -q nsym_ "$work/list" || fail "list: $(cat "$work/list")"
  "$nsym" token revoke --store "$work/store" ci || fail "revoke"
  http 401 -H "Authorization: Bearer $up" --data-binary "@$dbg" "$url/api/v1/upload"
  "$nsym" token revoke --store "$work/store" ci 2>/dev/null && fail "a second revoke worked"
  "$nsym" token create --store "$work/store" --scope reader >/dev/null 2>&1; [ $? = 129 ] || fail "bad scope"
  "$nsym" token create --store "$work/store" --scope read --name reader >/dev/null 2>&1 && fail "duplicate name"
  stop
  # reads that need a token
  start --read-token; ad=$(token admin boss)
  http 401 "$url/buildid/$id/debuginfo"
  http 404 -H "Authorization: Bearer $rd" "$url/buildid/$id/debuginfo"
  upload 201 "$ad" "$dbg"
  http 200 -H "Authorization: Bearer $ad" "$url/buildid/$id/debuginfo"
  http 200 "$url/healthz" ;;
bad-requests)
  start --max-upload 20K --request-timeout 3; t=$(token upload ci)
  for p in "zz/debuginfo" "abc/debuginfo" "$id" "$id/" "$id/nonsense" "../../etc/passwd" \
           "%2e%2e/%2e%2e/etc/passwd" "$id%2Fdebuginfo" "$(printf 'a%.0s' $(seq 300))/debuginfo"; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --path-as-is "$url/buildid/$p")
    [[ "$code" == 400 || "$code" == 404 ]] || fail "/buildid/$p gave $code"
  done
  http 405 -X DELETE "$url/buildid/$id/debuginfo"
  http 405 "$url/api/v1/upload"
  http 404 "$url/no/such/endpoint"
  http 415 -H "Authorization: Bearer $t" --data-binary "garbage, not a binary" "$url/api/v1/upload"
  head -c 3000 "$dbg" >"$work/cut"
  http 422 -H "Authorization: Bearer $t" --data-binary "@$work/cut" "$url/api/v1/upload"
  head -c 30000 /dev/zero >"$work/big"
  http 413 -H "Authorization: Bearer $t" --data-binary "@$work/big" "$url/api/v1/upload"
  http 413 -H "Authorization: Bearer $t" -H "Transfer-Encoding: chunked" --data-binary "@$work/big" "$url/api/v1/upload"
  # a declared size that lies: the body ends early
  { printf 'POST /api/v1/upload HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Length: 10000\r\n\r\n' "$t"
    head -c 100 "$dbg"; sleep 5; } | timeout 20 curl -s --max-time 15 -o /dev/null telnet://"${url#http://}" 2>/dev/null
  http 404 "$url/buildid/$id/debuginfo"
  # a huge header is refused, and the server still answers
  curl -s -o /dev/null -H "X-Big: $(head -c 70000 /dev/zero | tr '\0' a)" "$url/healthz"
  http 200 "$url/healthz"
  grep -q "POST /api/v1/upload 400 " "$work/serve.err" || fail "the short body was not refused"
  [ -z "$(ls "$work/store/tmp")" ] || fail "temporary files left: $(ls "$work/store/tmp")" ;;
*) fail "unknown case" ;;
esac
echo "ok [$case_name]"
