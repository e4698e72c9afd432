#!/usr/bin/env bash
# The real server on a loopback port the system picks, driven by real
# clients (curl, elfutils debuginfod-find, gdb):
#   server-test.sh NAPI_SYMBOLS FIXTURES_DIR CASE
# With NSYM_TEST_STORE=scaled, the server runs on the scaled store instead:
# PostgreSQL and radosgw that tests/scale/cluster.sh starts for the case,
# or the run's shared ones
# (the cases that look into the store folder are not run so).
set -uo pipefail
nsym=$1 fixtures=$2 case_name=$3
work=$(mktemp -d)
pid= mounted= helper=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  [ -n "$helper" ] && kill "$helper" 2>/dev/null
  wait 2>/dev/null
  [ -n "$mounted" ] && umount "$mounted"
  [ -n "${scale_dir:-}" ] && scale_stop
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL [$case_name]: $*" >&2; [ -f "$work/serve.err" ] && tail -20 "$work/serve.err" >&2; exit 1; }

# The store the server and `token` are given: a folder, or the scaled one.
store=$work/store serve_store=(--store "$work/store")
if [ "${NSYM_TEST_STORE:-}" = scaled ]; then
  # shellcheck source=../scale/cluster.sh
  . "$(dirname "$0")/../scale/cluster.sh"
  scale_for_test
fi

dbg=$fixtures/c/addon.node.debug stripped=$fixtures/c/addon.node.stripped full=$fixtures/c/addon.node
id=$(readelf -n "$full" | awk '/Build ID:/ {print $3}')
[ -n "$id" ] || fail "no build-id in $full"
export DEBUGINFOD_CACHE_PATH=$work/client-cache

# start [OPTIONS]: a server on 127.0.0.1:0; sets $url once /healthz answers.
start() {
  "$nsym" serve "${serve_store[@]}" --listen 127.0.0.1:0 "$@" >"$work/serve.out" 2>"$work/serve.err" &
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
token() { "$nsym" token create --store "$store" --scope "$1" --name "$2"; }
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
# The SymSrv and API cases: the Mach-O, PE and PDB fixtures, and their ids
# as LLVM's tools print them (foreign/expected.txt), in SymSrv's casing.
fx=$fixtures/foreign
fact() { awk -v f="$1" -v k="$2" '$1 == f && $2 == 0 && $3 == k {print $4}' "$fx/expected.txt"; }
foreign_ids() {
  [ -s "$fx/expected.txt" ] || fail "no $fx/expected.txt: build the foreign_fixtures target"
  pe_id=$(printf '%08X%x' "$(fact pe/addon.node timestamp)" "$(fact pe/addon.node size_of_image)")
  guid=$(fact pe/addon.pdb guid | tr -d '{}-') pdb_age=$(printf '%X' "$(fact pe/addon.pdb age)")
  pdb_id=$guid$pdb_age
  uuid=$(fact macho/addon-x86_64.node uuid) # 8-4-4-4-12, uppercase
  uuid_hex=$(tr -d - <<<"$uuid")
  dsym=$fx/macho/addon-x86_64.node.dSYM/Contents/Resources/DWARF/addon-x86_64.node
  [ ${#pe_id} = 12 ] && [ ${#pdb_id} = 33 ] && [ ${#uuid_hex} = 32 ] || fail "ids: $pe_id $pdb_id $uuid"
}
# json EXPR: the JavaScript EXPR over the reply `j`, printed; the reply must
# be valid UTF-8 and JSON.
json() {
  node -e 'const b = require("fs").readFileSync(process.argv[1]);
    const j = JSON.parse(new TextDecoder("utf-8", {fatal: true}).decode(b));
    const v = eval(process.argv[2]);
    console.log(typeof v === "string" ? v : JSON.stringify(v));' "$work/body" "$1" ||
    echo "not JSON: $(head -c 300 "$work/body")"
}
# The sources cases: addon.c at the path the fixture's DWARF names (the
# compilation unit's name, under its comp_dir when relative).
dwarf_attr() {
  readelf --debug-dump=info "$full" |
    awk -v a="$1" '$2 == a {sub(/^[^:]*:[ \t]*(\([^)]*\):[ \t]*)?/, ""); print; exit}'
}
src=$(dwarf_attr DW_AT_name) comp_dir=$(dwarf_attr DW_AT_comp_dir)
[[ "$src" == /* ]] || src=$comp_dir/$src
# upload_source STATUS TOKEN FILE BUILD_ID PATH: the query percent-encoded by curl
upload_source() {
  http "$1" -H "Authorization: Bearer $2" --data-binary "@$3" --url-query "buildid=$4" \
    --url-query "path=$5" "$url/api/v1/upload/source"
}
# get_path STATUS PATH: /buildid/$id/source PATH, sent as it is
get_path() { http "$1" --path-as-is "$url/buildid/$id/source$2"; }
since() { echo $(( (${EPOCHREALTIME/./} - ${1/./}) / 1000 )); } # ms since an EPOCHREALTIME
# raw FORMAT ARGS...: printf's output sent as it is on a new connection;
# what comes back until the server closes it (at most 5 s) in $work/raw
raw() {
  exec 5<>"/dev/tcp/127.0.0.1/${url##*:}" || fail "cannot connect"
  # in a subshell: the server may close before the last bytes (SIGPIPE)
  # shellcheck disable=SC2059
  (printf "$@" >&5) 2>/dev/null
  timeout 5 cat <&5 >"$work/raw"; exec 5<&-
}
# replies: the status codes in $work/raw, one a line
replies() { tr -d '\r' <"$work/raw" | awk '/^HTTP\/1\.[01] [0-9][0-9][0-9]/ {print $2}'; }
# The store's consistency, as a fresh process sees it: sqlite's own check,
# every row's blob present with the bytes its name says (check_rows), and
# no temporary files (check_store).
check_rows() {
  local db=$work/store/napi-symbols.db sha
  [ "$(sqlite3 "$db" 'PRAGMA integrity_check')" = ok ] || fail "integrity_check: $(sqlite3 "$db" 'PRAGMA integrity_check')"
  [ -z "$(sqlite3 "$db" 'PRAGMA foreign_key_check')" ] || fail "rows without their blob row"
  for sha in $(sqlite3 "$db" 'SELECT sha256 FROM artifacts UNION SELECT sha256 FROM sources'); do
    local f=$work/store/blobs/sha256/${sha:0:2}/${sha:2}
    [ -f "$f" ] || fail "a row names the missing blob $sha"
    [ "$(sha256sum <"$f" | cut -d' ' -f1)" = "$sha" ] || fail "blob $sha holds other bytes"
  done
}
# has_blob SHA: the store holds the blob (its file, or its object).
has_blob() {
  if [ -n "${scale_dir:-}" ]; then
    s3 -I -o /dev/null "$s3_endpoint/$bucket/$(blob_key "$1")"
  else
    [ -f "$work/store/blobs/sha256/${1:0:2}/${1:2}" ]
  fi
}
# The temporary files of unfinished uploads.
leftover_tmp() {
  if [ -n "${scale_dir:-}" ]; then
    ls "$TMPDIR" | grep '^napi-symbols-upload\.'
  else
    ls "$work/store/tmp"
  fi
}
# The scaled store's consistency: every row's blob row, and its object with
# the bytes its name says.
if [ -n "${scale_dir:-}" ]; then
  check_rows() {
    local sha
    [ "$(psql_q "SELECT count(*) FROM (SELECT sha256 FROM artifacts UNION ALL SELECT sha256 FROM sources) r WHERE NOT EXISTS (SELECT 1 FROM blobs b WHERE b.sha256 = r.sha256)")" = 0 ] ||
      fail "rows without their blob row"
    for sha in $(psql_q 'SELECT sha256 FROM artifacts UNION SELECT sha256 FROM sources'); do
      s3 -o "$work/object" "$s3_endpoint/$bucket/$(blob_key "$sha")" || fail "a row names the missing blob $sha"
      [ "$(sha256sum <"$work/object" | cut -d' ' -f1)" = "$sha" ] || fail "blob $sha holds other bytes"
    done
  }
fi
# SIGTERM, and a clean exit: under ASan, a leak or other error fails it.
stopped_cleanly() { stop || fail "the server did not exit cleanly: $(tail -5 "$work/serve.err")"; }
check_store() {
  check_rows
  [ -z "$(leftover_tmp)" ] || fail "temporary files left: $(leftover_tmp)"
}

# Compressed sections: elf-section.js rewrites one (see its head); hwm is
# the server's peak resident memory so far, in kB.
edit_section() { node "$(dirname "$0")/elf-section.js" "$@" || fail "elf-section.js $*"; }
hwm() { awk '/^VmHWM:/ {print $2}' "/proc/$pid/status"; }

# The web page's cases: a compact trace of the C fixture (a frame in fib,
# a return address of fib, a module no server has); page_frames prints
# the frames of the page in $work/body one a line ("#0 fib at
# addon.c:142:6 in addon.node+0x14e4"), its markup taken out.
page_trace() {
  local fib
  fib=$(nm "$full" | awk '$3 == "fib" {print $1}')
  printf '> napi-symbols: crash v1 SIGSEGV at 0x0 (pid 4242, tid 4243)\n'
  printf '> napi-symbols: m0 %s addon.node\n> napi-symbols: m1 %s node\n' "$id" 9bb9da403a6b64a875d1330c0f657bc7364dae8c
  printf '> napi-symbols: f m0+%x! m0+%x m1+9a3f10\n> napi-symbols: end\n' $((0x$fib + 4)) $((0x$fib + 0x30))
}
page_frames() { sed -n '/^<li class="\(addon\|frame\)/ {s/<[^>]*>//g; s/&gt;/>/g; p}' "$work/body"; }
page_header() { header "$1" | tr -d '\r'; }
# page_context: the source lines of the page in $work/body, one a line, as
# "N|TEXT" with "*" after N for the marked line, TEXT still escaped; a
# block starts with "-- LABEL".
page_context() {
  awk '/<pre class="context"/ {on = 1; l = $0; sub(/.*aria-label="/, "", l); sub(/".*/, "", l); print "-- " l; sub(/.*<pre [^>]*><code>/, "")}
    on && /^<\/code><\/pre>/ {on = 0; next}
    on {m = /^<mark>/; sub(/^<mark>/, ""); sub(/<\/mark>$/, ""); n = $0; sub(/<\/span>.*/, "", n); sub(/.*>/, "", n)
        t = $0; sub(/^<span class="ln">[0-9]*<\/span>/, "", t); print n (m ? "*" : "") "|" t}' "$work/body"
}
# page_rows: the rows of the artifacts page in $work/body, one a line:
# "name|kind|format arch|id_kind key|bytes|uploaded|package|links", unescaped
page_rows() {
  sed -n '/^<tr><th scope="row">/ {s/<\/span>/ /g; s/<\/t[hd]><t[hd][^>]*>/|/g; s/<\/li><li>/,/g; s/<[^>]*>//g; s/&lt;/</g; s/&amp;/\&/g; p}' "$work/body"
}
# page_hrefs: the links of the artifacts page's rows, unescaped
page_hrefs() { grep '^<tr><th scope="row">' "$work/body" | grep -o 'href="[^"]*"' | sed 's/^href="//; s/"$//; s/&amp;/\&/g'; }
# want_context FIRST LINE LAST: what page_context prints of addon.c
want_context() {
  echo "-- Source, lines $1 to $3"
  for ((n = $1; n <= $3; n++)); do
    printf '%s%s|%s\n' "$n" "$([ "$n" = "$2" ] && echo '*')" \
      "$(sed -n "${n}p" "$src" | sed "s/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g; s/\"/\&quot;/g; s/'/\&#39;/g")"
  done
}

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
  "$nsym" token list --store "$store" >"$work/list" || fail "token list"
  grep -q '^ci  *upload .* valid$' "$work/list" && ! grep -q nsym_ "$work/list" || fail "list: $(cat "$work/list")"
  "$nsym" token revoke --store "$store" ci || fail "revoke"
  http 401 -H "Authorization: Bearer $up" --data-binary "@$dbg" "$url/api/v1/upload"
  "$nsym" token revoke --store "$store" ci 2>/dev/null && fail "a second revoke worked"
  "$nsym" token create --store "$store" --scope reader >/dev/null 2>&1; [ $? = 129 ] || fail "bad scope"
  "$nsym" token create --store "$store" --scope read --name reader >/dev/null 2>&1 && fail "duplicate name"
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
  # a path cannot forge access-log lines
  curl -s -o /dev/null "$url/buildid/$id/debuginfo%0a2026-01-01T00:00:00Z%20GET%20/forged%20200"
  grep -q '^2026-01-01' "$work/serve.err" && fail "a request path forged a log line"
  grep -q 'debuginfo\\x0a2026-01-01' "$work/serve.err" || fail "the newline was not escaped in the log"
  http 405 -X DELETE "$url/buildid/$id/debuginfo"
  http 405 "$url/api/v1/upload"
  http 404 "$url/no/such/endpoint"
  # an error quoting the request is one line still, without its control
  # characters (docs/server-api.md)
  http 404 "$url/no%0a%1b%5b2J/such"
  [ "$(cat "$work/body")" = "no such endpoint: /no??[2J/such" ] || fail "a 404 quoting the path: $(cat -A "$work/body")"
  http 400 "$url/buildid/$id/debug%0d%0ainfo"
  [ "$(cat "$work/body")" = "unknown artifact type 'debug??info'" ] || fail "a 400 quoting the type: $(cat -A "$work/body")"
  http 415 -H "Authorization: Bearer $t" --data-binary "garbage, not a binary" "$url/api/v1/upload"
  head -c 3000 "$dbg" >"$work/cut"
  http 422 -H "Authorization: Bearer $t" --data-binary "@$work/cut" "$url/api/v1/upload"
  # a damaged file's 422 names it as the client did, never by the
  # server's temporary path
  for n in 3000 100; do
    head -c $n "$dbg" >"$work/damaged"
    http 422 -H "Authorization: Bearer $t" --data-binary "@$work/damaged" "$url/api/v1/upload?name=mine.debug"
    ! grep -q -e "$work" -e 'upload\.' "$work/body" && grep -q '^mine.debug: ' "$work/body" ||
      fail "the 422 reveals a server path: $(cat "$work/body")"
  done
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
home)
  # The page at / lists the routes from the route table: every route that
  # docs/server-api.md lists is on it, with the scope it needs.
  start
  http 200 "$url/"
  grep -qi '^content-type: text/html; charset=utf-8' "$work/head" || fail "not HTML: $(cat "$work/head")"
  docs=$(dirname "$0")/../../docs/server-api.md
  paths=$(awk '/^\| route \| methods \| scope \|/ {t=1; next} t && !/^\|/ {t=0}
    t && /^\| `/ {split($0, f, "`"); print f[2]}' "$docs" | sed 's/[?].*//')
  [ "$(wc -l <<<"$paths")" -ge 10 ] || fail "the route table of $docs was not found"
  for p in $paths; do
    grep -qF -- "<td><code>$p" "$work/body" || fail "the page does not list $p: $(cat "$work/body")"
  done
  grep -q '^<tr><td>DELETE</td><td><code>/api/v1/artifacts/ID</code></td><td>admin</td>' "$work/body" ||
    fail "no scope on the page"
  grep -q '^<tr><td>POST</td><td><code>/api/v1/upload/source?buildid=ID&amp;path=' "$work/body" ||
    fail "upload/source missing, or its query not escaped"
  http 200 -I "$url/"
  stopped_cleanly ;;
symsrv)
  foreign_ids; start; t=$(token upload ci)
  upload 201 "$t" "$fx/pe/addon.node"; upload 201 "$t" "$fx/pe/addon.pdb"
  upload 201 "$t" "$fx/macho/addon-x86_64.node"; upload 201 "$t" "$dsym"
  upload 201 "$t" "$dbg"; upload 201 "$t" "$stripped" addon.node
  # a 16-byte build-id, which SSQP pads to 20 bytes with zeros
  echo 'int main(void) { return 0; }' | cc -x c - -Wl,--build-id=md5 -o "$work/md5" || fail "cc"
  md5=$(readelf -n "$work/md5" | awk '/Build ID:/ {print $3}')
  upload 201 "$t" "$work/md5"
  fetch() { # FILE PATH...: each /symsrv/PATH answers FILE's bytes
    local want=$1 p; shift
    for p in "$@"; do
      http 200 "$url/symsrv/$p"; cmp -s "$work/body" "$want" || fail "/symsrv/$p: not the bytes of $want"
    done
  }
  fetch "$fx/pe/addon.node" "addon.node/$pe_id/addon.node" "addon.node/${pe_id,,}/addon.node" \
    "ADDON.NODE/$pe_id/Addon.Node"
  fetch "$fx/pe/addon.pdb" "addon.pdb/$pdb_id/addon.pdb" "addon.pdb/${guid,,}$pdb_age/addon.pdb" \
    "ADDON.PDB/${pdb_id,,}/addon.pdb"
  fetch "$fx/macho/addon-x86_64.node" "addon-x86_64.node/mach-uuid-${uuid_hex,,}/addon-x86_64.node" \
    "_/MACH-UUID-$uuid_hex/_"
  fetch "$dsym" "_.dwarf/mach-uuid-sym-${uuid_hex,,}/_.dwarf" "_.DWARF/MACH-UUID-SYM-$uuid_hex/_.DWARF" \
    "addon-x86_64.node/mach-uuid-sym-$uuid_hex/addon-x86_64.node"
  fetch "$dbg" "_.debug/elf-buildid-sym-$id/_.debug" "_.debug/ELF-BUILDID-SYM-${id^^}/_.debug"
  fetch "$stripped" "addon.node/elf-buildid-$id/addon.node" "_/elf-buildid-$id/_"
  fetch "$work/md5" "md5/elf-buildid-${md5}00000000/md5" "_/elf-buildid-$md5/_"
  http 200 -I "$url/symsrv/addon.pdb/$pdb_id/addon.pdb"
  [ "$(header Content-Length)" = "$(stat -c %s "$fx/pe/addon.pdb")" ] || fail "HEAD Content-Length"
  [[ "$(header ETag)" =~ ^\"[0-9a-f]{64}\"$ ]] || fail "ETag"
  http 206 -r 0-3 "$url/symsrv/addon.pdb/$pdb_id/addon.pdb"
  [ "$(cat "$work/body")" = Micr ] || fail "range of the PDB: $(cat "$work/body")"
  # misses: compressed forms, other names, pointer files, other ids, other layouts
  for p in "addon.pd_/$pdb_id/addon.pd_" "addon.pdb/$pdb_id/addon.pd_" "other.pdb/$pdb_id/other.pdb" \
           "addon.pdb/$pdb_id/file.ptr" "addon.pdb/${guid}2/addon.pdb" "addon.node/${pe_id}0/addon.node" \
           "addon.pdb/$pe_id/addon.pdb" "addon.node/$pdb_id/addon.node" "addon.node/$uuid_hex/addon.node" \
           "_.dwarf/mach-uuid-sym-${uuid_hex/4C/5C}/_.dwarf" "_.dwarf/mach-uuid-sym-$id/_.dwarf" \
           "addon.node/elf-buildid-zz/addon.node" "_/elf-buildid-${md5}00000001/_" "index2.txt" \
           "pingme.txt" "addon.pdb/$pdb_id" "ad/addon.pdb/$pdb_id/addon.pdb" "addon.pdb//addon.pdb"; do
    http 404 "$url/symsrv/$p"
  done
  http 405 -X POST "$url/symsrv/addon.pdb/$pdb_id/addon.pdb"
  # Mach-O by UUID through the debuginfod API too (32 hex digits, no dashes)
  http 200 "$url/buildid/${uuid_hex,,}/debuginfo"; cmp -s "$work/body" "$dsym" || fail "dSYM by /buildid"
  http 200 "$url/buildid/$uuid_hex/executable"
  cmp -s "$work/body" "$fx/macho/addon-x86_64.node" || fail "Mach-O by /buildid"
  http 400 "$url/buildid/$uuid/debuginfo"
  http 200 "$url/metrics"
  grep -q 'nsym_http_requests_total{route="symsrv",status="404"} 18' "$work/body" || fail "symsrv metrics" ;;
missing)
  foreign_ids; start; t=$(token upload ci); rd=$(token read reader)
  upload 201 "$t" "$fx/pe/addon.node"; upload 201 "$t" "$fx/pe/addon.pdb"; upload 201 "$t" "$dbg"
  other=0123456789abcdef0123456789abcdef01234567
  ask() { http "$1" -H "Authorization: Bearer $t" -H 'Content-Type: application/json' --data-binary "$2" "$url/api/v1/missing"; }
  ask 200 "{\"ids\": [\"$pe_id\", \"${pdb_id,,}\", \"$uuid\", \"${id^^}\", \"$other\", \"${uuid_hex,,}\"]}"
  [ "$(json 'j.missing.join(" ")')" = "$uuid $other ${uuid_hex,,}" ] || fail "missing: $(cat "$work/body")"
  ask 200 '{"ids": []}'; [ "$(json 'j.missing.length')" = 0 ] || fail "empty list: $(cat "$work/body")"
  ask 200 $' {\n "ids" :\t[ "'"$pe_id"'" ,"'"$other"$'"] }\n'
  [ "$(json 'j.missing.join(" ")')" = "$other" ] || fail "spaces: $(cat "$work/body")"
  upload 201 "$t" "$fx/macho/addon-x86_64.node"
  ask 200 "{\"ids\": [\"$uuid\"]}"; [ "$(json 'j.missing.length')" = 0 ] || fail "the Mach-O file is missing"
  for body in 'not json' '' '[]' '{"ids": "x"}' '{"ids": ["zz"]}' '{"ids": [12345678]}' '{"other": []}' \
              '{"ids": ["'"$other"'"]} trailing' '{"ids": ["'"$other"'",]}' \
              '{"ids": [' '{"ids": ["0123456789'; do
    ask 400 "$body"
  done
  # JSON escapes are JSON (jansson reads them); nesting is bounded
  ask 200 '{"ids": ["\u0030123456789"]}'
  [ "$(json 'j.missing.join(" ")')" = "0123456789" ] || fail "escapes: $(cat "$work/body")"
  ask 400 "{\"ids\": [$(printf '[%.0s' $(seq 5000))"
  grep -q "deeper than" "$work/body" || fail "depth: $(cat "$work/body")"
  # bounded: 1 MB of body (declared or chunked), 10000 ids
  head -c 1100000 /dev/zero | tr '\0' ' ' >"$work/big"
  ask 413 "@$work/big"
  http 413 -H "Authorization: Bearer $t" -H "Transfer-Encoding: chunked" --data-binary "@$work/big" "$url/api/v1/missing"
  { printf '{"ids": ['; printf '"%08x",' $(seq 10000); printf '"%s"]}' "$other"; } >"$work/many"
  ask 413 "@$work/many"
  { printf '{"ids": ['; printf '"%08x",' $(seq 9999); printf '"%s"]}' "$other"; } >"$work/many"
  ask 200 "@$work/many"; [ "$(json 'j.missing.length')" = 10000 ] || fail "10000 ids"
  http 401 --data-binary '{"ids": []}' "$url/api/v1/missing"
  http 403 -H "Authorization: Bearer $rd" --data-binary '{"ids": []}' "$url/api/v1/missing"
  http 405 "$url/api/v1/missing"
  http 200 "$url/healthz" ;;
artifacts)
  foreign_ids; start; up=$(token upload ci); ad=$(token admin boss); rd=$(token read reader)
  upload 201 "$up" "$full"                     # debuginfo and executable, one blob
  upload 201 "$up" "$fx/pe/addon.node"; upload 201 "$up" "$fx/pe/addon.pdb"
  upload 201 "$up" "$fx/macho/addon-fat.node"  # two UUIDs, one blob
  upload 201 "$up" "$fx/macho/addon-arm64_32.dylib" 'We%22ird%E2%98%83%FF.node' # JSON must escape it
  http 200 "$url/api/v1/artifacts"
  [ "$(json 'j.artifacts.length + " " + j.offset + " " + j.limit + " " + j.next_offset')" = "7 0 100 null" ] ||
    fail "list: $(cat "$work/body")"
  all=$(json 'j.artifacts.map(a => a.id).join(" ")')
  [ "$(json 'j.artifacts.every((a, i, x) => i == 0 || x[i - 1].id > a.id)')" = true ] || fail "not newest first"
  [ "$(json 'j.artifacts[0].name === "We\"ird\u2603\ufffd.node"')" = true ] || fail "name: $(json 'j.artifacts[0].name')"
  pages=
  for o in 0 3 6; do
    http 200 "$url/api/v1/artifacts?limit=3&offset=$o"; pages="$pages $(json 'j.artifacts.map(a => a.id).join(" ")')"
    [ "$(json j.next_offset)" = "$([ $o = 6 ] && echo null || echo $((o + 3)))" ] || fail "next_offset at $o"
  done
  [ "${pages# }" = "$all" ] || fail "pages '$pages', all '$all'"
  for q in limit=0 limit=1001 limit=x offset=-1 "offset=1&limit=" "q=$(head -c 300 /dev/zero | tr '\0' a)"; do
    http 400 "$url/api/v1/artifacts?$q"
  done
  http 200 "$url/api/v1/artifacts?limit=1000"
  http 200 "$url/api/v1/artifacts?q=ADDON-FAT"
  [ "$(json 'j.artifacts.map(a => a.name + ":" + a.arch).sort().join(" ")')" = "addon-fat.node:arm64 addon-fat.node:x86_64" ] ||
    fail "search by name: $(cat "$work/body")"
  http 200 "$url/api/v1/artifacts?q=$pdb_id"
  [ "$(json 'j.artifacts.map(a => a.format + ":" + a.key).join(" ")')" = "pdb:${pdb_id,,}" ] || fail "search by id"
  pdb_row=$(json 'j.artifacts[0].id')
  http 200 "$url/api/v1/artifacts?q=no-such-thing"; [ "$(json 'j.artifacts.length')" = 0 ] || fail "no match"
  http 200 "$url/api/v1/artifacts/$pdb_row"
  [ "$(json 'j.id + " " + j.kind + " " + j.size + " " + j.name')" = "$pdb_row debuginfo $(stat -c %s "$fx/pe/addon.pdb") addon.pdb" ] ||
    fail "one artifact: $(cat "$work/body")"
  http 404 "$url/api/v1/artifacts/999999"; http 400 "$url/api/v1/artifacts/abc"; http 400 "$url/api/v1/artifacts/"
  # delete: admin only; the blob goes with the last row that names it
  http 200 "$url/api/v1/artifacts?q=$id"
  read -r first first_kind second second_kind sha < <(json '[j.artifacts[0].id, j.artifacts[0].kind, j.artifacts[1].id, j.artifacts[1].kind, j.artifacts[0].sha256].join(" ")')
  has_blob "$sha" || fail "no blob $sha"
  http 401 -X DELETE "$url/api/v1/artifacts/$first"
  http 403 -X DELETE -H "Authorization: Bearer $up" "$url/api/v1/artifacts/$first"
  http 403 -X DELETE -H "Authorization: Bearer $rd" "$url/api/v1/artifacts/$first"
  http 200 -X DELETE -H "Authorization: Bearer $ad" "$url/api/v1/artifacts/$first"
  [ "$(json 'j.deleted.id + " " + j.blob_removed')" = "$first false" ] || fail "delete: $(cat "$work/body")"
  has_blob "$sha" || fail "the blob went while a row names it"
  http 404 "$url/buildid/$id/$first_kind"
  http 200 "$url/buildid/$id/$second_kind"; cmp -s "$work/body" "$full" || fail "the other kind"
  http 200 -X DELETE -H "Authorization: Bearer $ad" "$url/api/v1/artifacts/$second"
  [ "$(json 'j.blob_removed')" = true ] && ! has_blob "$sha" || fail "the blob stayed: $(cat "$work/body")"
  http 404 "$url/buildid/$id/$second_kind"
  http 404 -X DELETE -H "Authorization: Bearer $ad" "$url/api/v1/artifacts/$second"
  http 404 "$url/api/v1/artifacts/$second"
  [ -z "$(leftover_tmp)" ] || fail "left in tmp: $(leftover_tmp)"
  http 200 "$url/metrics"; grep -q "^nsym_store_artifacts 5$" "$work/body" || fail "store gauge"
  grep -q "boss deleted artifact $second" "$work/serve.err" || fail "the delete is not logged"
  upload 201 "$up" "$full"
  http 200 "$url/buildid/$id/debuginfo"; cmp -s "$work/body" "$full" || fail "uploaded again" ;;
artifacts-package)
  # the npm package a file came in: named by `upload --package`, or read
  # from the package.json above it as node_modules holds a prebuilt addon;
  # recorded per artifact, refused when it is not one, and searched exactly
  foreign_ids; start; up=$(token upload ci)
  pkg=@napi-rs/canvas-linux-x64-gnu@0.1.65
  "$nsym" upload --server "$url" --token "$up" --package "$pkg" --json "$fx/pe/addon.node" >"$work/body" ||
    fail "upload --package: $(cat "$work/body")"
  [ "$(json 'j[0].result + " " + j[0].package')" = "uploaded $pkg" ] || fail "upload --package: $(cat "$work/body")"
  # a package folder in node_modules: the .node beside its package.json
  dir=$work/app/node_modules/@scope/pkg-linux-x64-gnu
  mkdir -p "$dir/build/Release"
  printf '{"name": "@scope/pkg-linux-x64-gnu", "version": "1.2.3-beta.1+b7", "main": "x"}' >"$dir/package.json"
  printf '{"name": "app", "version": "9.9.9"}' >"$work/app/package.json"
  cp "$full" "$dir/build/Release/pkg.node"
  "$nsym" upload --server "$url" --token "$up" --json "$work/app/node_modules" >"$work/body" ||
    fail "upload from node_modules: $(cat "$work/body")"
  [ "$(json 'j[0].result + " " + j[0].package')" = "uploaded @scope/pkg-linux-x64-gnu@1.2.3-beta.1+b7" ] ||
    fail "the package.json above: $(cat "$work/body")"
  # without a package: the raw route, and a file with no package.json above it
  upload 201 "$up" "$fx/macho/addon-fat.node"
  # not a package, before a byte is stored: 400 with why
  n_before=$(curl -s "$url/api/v1/artifacts" | node -e 'console.log(JSON.parse(require("fs").readFileSync(0)).artifacts.length)')
  for bad in Canvas@1.0.0 canvas canvas@1.0 canvas@01.0.0 canvas@1.0.0- .x@1.0.0 @a/b/c@1.0.0 @a@1.0.0 \
             'a%20b@1.0.0' "$(head -c 215 /dev/zero | tr '\0' a)@1.0.0" "a@1.0.0-$(head -c 60 /dev/zero | tr '\0' x)" \
             'a@1.0.0%00x' 'a%2Fb@1.0.0'; do
    http 400 -H "Authorization: Bearer $up" --data-binary "@$fx/pe/addon.pdb" "$url/api/v1/upload?name=addon.pdb&package=$bad"
    grep -q '^package: ' "$work/body" || fail "package=$bad: $(cat "$work/body")"
  done
  http 400 -H "Authorization: Bearer $up" --data-binary "@$fx/pe/addon.pdb" "$url/api/v1/upload?package="
  http 200 "$url/api/v1/artifacts"
  [ "$(json 'j.artifacts.length')" = "$n_before" ] || fail "a refused upload was stored"
  if "$nsym" upload --server "$url" --token "$up" --package Canvas@1 "$fx/pe/addon.pdb" 2>"$work/err"; then
    fail "upload --package Canvas@1 ran"
  fi
  grep -q "package name is" "$work/err" || fail "upload --package Canvas@1: $(cat "$work/err")"
  # the search: exactly the rows of that package (and version)
  rows() { json 'j.artifacts.map(a => a.name + ":" + a.kind + ":" + a.package).sort().join(" ")'; }
  http 200 -G --data-urlencode "package=@napi-rs/canvas-linux-x64-gnu" "$url/api/v1/artifacts"
  [ "$(rows)" = "addon.node:executable:$pkg" ] || fail "by package: $(cat "$work/body")"
  http 200 -G --data-urlencode "package=$pkg" "$url/api/v1/artifacts"
  [ "$(rows)" = "addon.node:executable:$pkg" ] || fail "by package@version: $(cat "$work/body")"
  http 200 -G --data-urlencode "package=@napi-rs/canvas-linux-x64-gnu@0.1.66" "$url/api/v1/artifacts"
  [ "$(json 'j.artifacts.length')" = 0 ] || fail "another version: $(cat "$work/body")"
  http 200 -G --data-urlencode "package=@scope/pkg-linux-x64-gnu" "$url/api/v1/artifacts"
  want="pkg.node:debuginfo:@scope/pkg-linux-x64-gnu@1.2.3-beta.1+b7 pkg.node:executable:@scope/pkg-linux-x64-gnu@1.2.3-beta.1+b7"
  [ "$(rows)" = "$want" ] || fail "from package.json: $(cat "$work/body")"
  http 200 -G --data-urlencode "package=@scope/pkg-linux-x64-gnu" \
    --data-urlencode "limit=1" "$url/api/v1/artifacts"
  [ "$(json 'j.artifacts.length + " " + j.next_offset')" = "1 1" ] || fail "a page of a package: $(cat "$work/body")"
  http 200 -G --data-urlencode "package=@scope/pkg-linux-x64-gnu" --data-urlencode "q=nothing" "$url/api/v1/artifacts"
  [ "$(json 'j.artifacts.length')" = 0 ] || fail "package and q: $(cat "$work/body")"
  http 200 -G --data-urlencode "package=@scope/pkg-linux-x64-gnu" --data-urlencode "name=pkg.node" "$url/api/v1/artifacts"
  [ "$(rows)" = "$want" ] || fail "package and name: $(cat "$work/body")"
  http 200 -G --data-urlencode "package=app" "$url/api/v1/artifacts"
  [ "$(json 'j.artifacts.length')" = 0 ] || fail "a package.json further up counted: $(cat "$work/body")"
  http 200 -G --data-urlencode "q=addon-fat" "$url/api/v1/artifacts"
  [ "$(json 'j.artifacts.map(a => String(a.package)).join(" ")')" = "null null" ] || fail "no package: $(cat "$work/body")"
  for bad in Canvas canvas@1 '@x' 'a%00b'; do http 400 "$url/api/v1/artifacts?package=$bad"; done
  # the page: a package field, and a package column whose link searches for it
  http 200 -G --data-urlencode "package=@scope/pkg-linux-x64-gnu@1.2.3-beta.1+b7" "$url/artifacts"
  [ "$(page_rows | cut -d'|' -f1,2,7 | sort | tr '\n' ' ')" = "pkg.node|debuginfo|@scope/pkg-linux-x64-gnu@1.2.3-beta.1+b7 pkg.node|executable|@scope/pkg-linux-x64-gnu@1.2.3-beta.1+b7 " ] ||
    fail "the page by package: $(page_rows)"
  grep -q 'value="@scope/pkg-linux-x64-gnu@1.2.3-beta.1+b7"' "$work/body" || fail "the package box does not hold the search"
  grep -q '<a class="package" href="./artifacts?package=%40scope%2Fpkg-linux-x64-gnu%401.2.3-beta.1%2Bb7#results">' "$work/body" ||
    fail "the package link: $(grep -o '<a class="package"[^>]*>' "$work/body" | head -1)"
  http 200 -G --data-urlencode "q=addon-fat" "$url/artifacts"
  [ "$(page_rows | cut -d'|' -f7 | sort -u)" = "-" ] || fail "no package on the page: $(page_rows)"
  http 400 "$url/artifacts?package=Canvas" ;;
package-migration)
  # a store made by the schema before packages (sql/001 to 003, as shipped)
  # opens, is migrated, and its rows show no package; new uploads record one
  db=$work/store/napi-symbols.db sha=$(sha256sum <"$dbg" | cut -d' ' -f1)
  mkdir -p "$work/store/blobs/sha256/${sha:0:2}"
  cp "$dbg" "$work/store/blobs/sha256/${sha:0:2}/${sha:2}"
  sql=$(dirname "$0")/../../sql
  { cat "$sql"/00[123]_*.sql
    echo "PRAGMA user_version = 3;"
    echo "INSERT INTO blobs VALUES ('$sha', $(stat -c %s "$dbg"), 1);"
    echo "INSERT INTO artifacts (key, id_kind, kind, format, arch, name, sha256, created, uploaded_by)
          VALUES ('$id', 'build-id', 'debuginfo', 'elf', 'x86_64', 'old.debug', '$sha', 1, 'ci');"
  } | sqlite3 "$db" || fail "the old store"
  start; up=$(token upload ci)
  [ "$(sqlite3 "$db" 'PRAGMA user_version')" = 4 ] || fail "not migrated: $(sqlite3 "$db" 'PRAGMA user_version')"
  http 200 "$url/api/v1/artifacts"
  [ "$(json 'j.artifacts.map(a => a.name + ":" + a.package).join(" ")')" = "old.debug:null" ] || fail "the old row: $(cat "$work/body")"
  http 200 "$url/buildid/$id/debuginfo"; cmp -s "$work/body" "$dbg" || fail "the old row's bytes"
  http 201 -H "Authorization: Bearer $up" --data-binary "@$stripped" "$url/api/v1/upload?name=addon.node&package=addon@1.0.0"
  http 200 "$url/api/v1/artifacts?package=addon"
  [ "$(json 'j.artifacts.map(a => a.name + ":" + a.kind + ":" + a.package).join(" ")')" = "addon.node:executable:addon@1.0.0" ] ||
    fail "a new row: $(cat "$work/body")"
  [ "$(sqlite3 "$db" "SELECT count(*) FROM artifacts WHERE package_name IS NULL AND package_version IS NULL")" = 1 ] ||
    fail "the old row's package is not NULL"
  stopped_cleanly; check_rows ;;
artifacts-pe)
  # the search by name and TimeDateStamp, what a Windows crash record gives
  # of a module: two builds of addon.node with its stamp (a copy whose
  # SizeOfImage says 0x4000, another code id), one with another stamp
  foreign_ids; start; up=$(token upload ci)
  stamp=${pe_id:0:8} stamp=${stamp,,}
  pe_copy() { # FILE FIELD-OFFSET VALUE: a copy of pe/addon.node with one 32-bit field set
    python3 -c 'import struct,sys
d=bytearray(open(sys.argv[1],"rb").read()); at=struct.unpack_from("<I",d,0x3c)[0]+int(sys.argv[3])
struct.pack_into("<I",d,at,int(sys.argv[4],16)); open(sys.argv[2],"wb").write(d)' "$fx/pe/addon.node" "$1" "$2" "$3"
  }
  pe_copy "$work/bigger.node" 80 4000                                   # SizeOfImage
  pe_copy "$work/later.node" 8 "$(printf '%x' $((16#$stamp + 1)))"    # TimeDateStamp
  upload 201 "$up" "$fx/pe/addon.node"; upload 201 "$up" "$fx/pe/addon.pdb"
  upload 201 "$up" "$work/bigger.node" addon.node; upload 201 "$up" "$work/later.node" addon.node
  keys() { json 'j.artifacts.map(a => a.id_kind + ":" + a.key).sort().join(" ")'; }
  both="pe:${stamp}3000 pe:${stamp}4000"
  http 200 "$url/api/v1/artifacts?name=addon.node&pe_timestamp=$stamp"; [ "$(keys)" = "$both" ] || fail "search: $(cat "$work/body")"
  # the name in any case, the stamp with 0x and in capitals
  http 200 "$url/api/v1/artifacts?name=ADDON.Node&pe_timestamp=0x${stamp^^}"; [ "$(keys)" = "$both" ] || fail "casing: $(cat "$work/body")"
  http 200 "$url/api/v1/artifacts?pe_timestamp=$stamp"; [ "$(keys)" = "$both" ] || fail "stamp alone: $(cat "$work/body")"
  http 200 "$url/api/v1/artifacts?name=addon.pdb"; [ "$(keys)" = "pdb:${pdb_id,,}" ] || fail "name alone: $(cat "$work/body")"
  http 200 "$url/api/v1/artifacts?name=addon&pe_timestamp=$stamp"; [ "$(keys)" = "" ] || fail "a name is whole: $(cat "$work/body")"
  http 200 "$url/api/v1/artifacts?name=addon.node&pe_timestamp=$stamp&q=4000"; [ "$(keys)" = "pe:${stamp}4000" ] || fail "with q"
  # pages count the rows found
  http 200 "$url/api/v1/artifacts?name=addon.node&pe_timestamp=$stamp&limit=1"
  [ "$(json 'j.artifacts.length + " " + j.next_offset')" = "1 1" ] || fail "page 1: $(cat "$work/body")"
  first=$(keys)
  http 200 "$url/api/v1/artifacts?name=addon.node&pe_timestamp=$stamp&limit=1&offset=1"
  [ "$(json 'j.artifacts.length + " " + j.next_offset')" = "1 null" ] && [ "$(keys)" != "$first" ] || fail "page 2: $(cat "$work/body")"
  for q in pe_timestamp=xyz pe_timestamp=123456789 pe_timestamp=0x pe_timestamp= "name=$(head -c 300 /dev/zero | tr '\0' a)"; do
    http 400 "$url/api/v1/artifacts?$q"
  done ;;
sources)
  start --max-upload 64K; t=$(token upload ci); rd=$(token read reader)
  [ -f "$src" ] || fail "the fixture's DWARF names $src, which is not here"
  upload_source 422 "$t" "$src" "$id" "$src" # no binary for the build yet
  upload 201 "$t" "$dbg"
  upload_source 401 "" "$src" "$id" "$src"
  upload_source 403 "$rd" "$src" "$id" "$src"
  upload_source 201 "$t" "$src" "$id" "$src"
  [ "$(json j.path)" = "$src" ] && [ "$(json j.result)" = created ] || fail "reply: $(cat "$work/body")"
  upload_source 200 "$t" "$src" "${id^^}" "$src"
  [ "$(json j.result)" = exists ] || fail "the same bytes again: $(cat "$work/body")"
  upload_source 409 "$t" "$dbg" "$id" "$src" # other bytes never replace a source
  # refused: bad paths and build-ids, before any byte is stored
  for q in "path=src/a.c" "path=/a%00b.c" "path=/a%0Ab.c" "path=/a%7Fb.c" "path=/dir/" \
           "path=/dir/.." "path=/dir/." "path=/$(head -c 4096 /dev/zero | tr '\0' a)" "path=" \
           "buildid=xyz&path=/a.c" "buildid=abc&path=/a.c" "buildid=$id" "nothing=1"; do
    [[ $q == *buildid=* ]] || q="buildid=$id&$q"
    http 400 -H "Authorization: Bearer $t" --data-binary "@$src" "$url/api/v1/upload/source?$q"
  done
  head -c 100K /dev/zero >"$work/big.c"
  upload_source 413 "$t" "$work/big.c" "$id" /big.c
  # served as uploaded, with the headers of every artifact
  get_path 200 "$src"; cmp -s "$work/body" "$src" || fail "source bytes differ"
  [ "$(header X-DEBUGINFOD-FILE)" = "$src" ] || fail "X-DEBUGINFOD-FILE $(header X-DEBUGINFOD-FILE)"
  [ "$(header X-DEBUGINFOD-SIZE)" = "$(stat -c %s "$src")" ] || fail "X-DEBUGINFOD-SIZE"
  etag=$(header ETag); [ "$etag" = "\"$(sha256sum <"$src" | cut -d' ' -f1)\"" ] || fail "ETag $etag"
  http 304 -H "If-None-Match: $etag" "$url/buildid/$id/source$src"
  http 206 -r 0-9 "$url/buildid/${id^^}/source$src"; cmp -s "$work/body" <(head -c 10 "$src") || fail "range"
  http 200 -I "$url/buildid/$id/source$src"
  # the forms elfutils' server also takes: dot segments, "//", percent-encoding
  # (encoded dots and slashes too), all canonicalised to the one stored path
  dir=$(dirname "$src") base=$(basename "$src") enc=${src//\//%2F}
  for p in "$dir/./$base" "$dir//$base" "/$dir/../$(basename "$dir")/$base" "$dir/%2e%2e/$(basename "$dir")/$base" \
           "$enc" "/${enc#%2F}" "$src/../$base" "$dir/x/y/../../$base" "$dir/$base/." "/%2e%2e/..$src"; do
    get_path 200 "$p"; cmp -s "$work/body" "$src" || fail "$p: bytes differ"
  done
  # traversal is a lookup like any other: it finds nothing on the server's
  # disk, only what was uploaded for the build. ".." beyond the root stops
  # there (elfutils' rule), unless it climbs out of /buildid/ too: then no
  # route takes the request at all.
  above=$(printf '/..%.0s' $(seq $(( $(tr -cd / <<<"$dir" | wc -c) + 2 ))))
  traversal=(/etc/passwd //etc//passwd /%2e%2e/%2e%2e/etc/passwd /..%2F..%2Fetc%2Fpasswd %2Fetc%2Fpasswd
             "$dir$above/etc/passwd" "$dir/%2e%2e${above#/..}/etc/passwd")
  for p in "${traversal[@]}" /../../../../etc/passwd "$dir$above/../../etc/passwd" "$work/store/napi-symbols.db"; do
    code=$(curl -s -o "$work/body" -w '%{http_code}' --path-as-is "$url/buildid/$id/source$p")
    [ "$code" = 404 ] && ! grep -q root: "$work/body" || fail "$p gave $code: $(head -c 100 "$work/body")"
  done
  echo "the build's own passwd, not the server's" >"$work/passwd"
  upload_source 201 "$t" "$work/passwd" "$id" /etc/passwd
  for p in "${traversal[@]}"; do
    get_path 200 "$p"; cmp -s "$work/body" "$work/passwd" || fail "$p: $(head -c 100 "$work/body")"
  done
  http 404 "$url/buildid/${id:0:38}aa/source$src" # another build does not see it
  http 400 "$url/buildid/$id/source"
  # stored canonical; elfutils' percent-escape test name and UTF-8 survive
  upload_source 201 "$t" "$dbg" "$id" "/build/x/../c++/./p++r\$#o^^g.c"
  [ "$(json j.path)" = "/build/c++/p++r\$#o^^g.c" ] || fail "canonical path: $(cat "$work/body")"
  http 200 "$url/buildid/$id/source/build/c%2B%2B/p%2B%2Br%24%23o%5E%5Eg.c"
  cmp -s "$work/body" "$dbg" || fail "escaped name"
  upload_source 201 "$t" "$dbg" "$id" "/src/dir with space/ünï.c"
  get_path 200 "/src/dir%20with%20space/%C3%BCn%C3%AF.c"
  http 200 "$url/metrics"
  grep -q 'nsym_http_requests_total{route="upload_source",status="201"} 4' "$work/body" || fail "metrics"
  # one source deleted (admin), named by any form of its path; its blob
  # goes unless another row names it (a source with the debug file's bytes)
  root=$(token admin root)
  del_source() { http "$1" -X DELETE -H "Authorization: Bearer $2" --url-query "buildid=$3" \
    --url-query "path=$4" "$url/api/v1/sources"; }
  echo "a key that should never have left the build machine" >"$work/key.txt"
  upload_source 201 "$t" "$work/key.txt" "$id" /secret/key.txt
  upload_source 201 "$t" "$dbg" "$id" /build/debug-bytes.c
  del_source 403 "$t" "$id" /secret/key.txt
  del_source 401 "" "$id" /secret/key.txt
  del_source 400 "$root" "$id" secret/key.txt
  del_source 400 "$root" xyz /secret/key.txt
  del_source 200 "$root" "${id^^}" /secret/../secret/./key.txt
  [ "$(json j.deleted.path)" = /secret/key.txt ] && [ "$(json j.blob_removed)" = true ] ||
    fail "delete reply: $(cat "$work/body")"
  get_path 404 /secret/key.txt
  sha=$(sha256sum <"$work/key.txt" | cut -d' ' -f1)
  ! has_blob "$sha" || fail "the deleted source's blob stayed"
  del_source 404 "$root" "$id" /secret/key.txt
  del_source 200 "$root" "$id" /build/debug-bytes.c
  [ "$(json j.blob_removed)" = false ] || fail "a blob the debug file names went: $(cat "$work/body")"
  http 200 "$url/buildid/$id/debuginfo"; cmp -s "$work/body" "$dbg" || fail "the debug file after it"
  grep -q "root deleted source /secret/key.txt of $id and its blob" "$work/serve.err" || fail "no log line"
  check_rows
  # the build's sources go with its last artifact, not before, and so do
  # their files when no other row names them
  ad=$(token admin boss)
  upload 201 "$t" "$stripped" addon.node
  http 200 "$url/api/v1/artifacts?q=$id"
  read -r debug_row exec_row < <(json '["debuginfo", "executable"].map(k => j.artifacts.find(a => a.kind == k).id).join(" ")')
  [ "$(json 'j.artifacts.length')" = 2 ] && [ -n "$exec_row" ] || fail "artifacts: $(cat "$work/body")"
  blobs=()
  for f in "$src" "$work/passwd" "$dbg"; do
    blobs+=("$(sha256sum <"$f" | cut -d' ' -f1)")
  done
  http 200 -X DELETE -H "Authorization: Bearer $ad" "$url/api/v1/artifacts/$debug_row"
  [ "$(json 'j.blob_removed')" = false ] || fail "the debug file went while sources name it: $(cat "$work/body")"
  get_path 200 "$src"; cmp -s "$work/body" "$src" || fail "a source went with the first artifact"
  get_path 200 /etc/passwd
  http 200 -X DELETE -H "Authorization: Bearer $ad" "$url/api/v1/artifacts/$exec_row"
  for p in "$src" /etc/passwd /build/c%2B%2B/p%2B%2Br%24%23o%5E%5Eg.c "/src/dir%20with%20space/%C3%BCn%C3%AF.c"; do
    get_path 404 "$p"
  done
  for sha in "${blobs[@]}"; do ! has_blob "$sha" || fail "a deleted source's blob stayed: $sha"; done
  upload_source 422 "$t" "$src" "$id" "$src" # the build is gone
  check_store; stopped_cleanly ;;
sources-gdb)
  start; t=$(token upload ci)
  upload 201 "$t" "$dbg"; upload 201 "$t" "$stripped" addon.node
  upload_source 201 "$t" "$src" "$id" "$src"
  export DEBUGINFOD_URLS=$url
  f=$(debuginfod-find source "$id" "$src") || fail "debuginfod-find source"
  cmp -s "$f" "$src" || fail "debuginfod-find source: bytes differ"
  debuginfod-find source "$id" /no/such/file.c 2>/dev/null && fail "a missing source was found"
  # gdb with the stripped addon, and the source moved away: substitute-path
  # sends its lookups in the source's folder to one that does not exist
  mkdir "$work/app"; cp "$stripped" "$work/app/addon.node"; cd "$work/app" || fail "cd"
  gone=(-iex "set substitute-path $(dirname "$src") $work/gone")
  lines() { grep -P '^\d+\t' || true; }
  want=$(gdb -batch -nx -ex 'list checksum_bytes' "$full" 2>&1 | lines)
  unset DEBUGINFOD_URLS
  without=$(gdb -batch -nx -iex 'set debuginfod enabled off' "${gone[@]}" -ex 'list checksum_bytes' "$full" 2>&1)
  grep -q 'No such file' <<<"$without" || fail "gdb found the source without the server: $without"
  export DEBUGINFOD_URLS=$url DEBUGINFOD_CACHE_PATH=$work/gdb-cache
  got=$(gdb -batch -nx -iex 'set debuginfod enabled on' "${gone[@]}" -ex 'list checksum_bytes' ./addon.node 2>&1 | lines)
  [ "$(wc -l <<<"$want")" -ge 5 ] && [ "$got" = "$want" ] || fail "gdb list: '$got', expected '$want'"
  grep -q "GET /buildid/$id/source$src 200 " "$work/serve.err" || fail "gdb did not ask us"
  stopped_cleanly ;;
concurrent-uploads)
  # the blob files counted are the uploads' alone: no symcache is built
  start --symcache-queue 0; t=$(token upload ci)
  files=("$dbg" "$stripped" "$fixtures"/c/addon-dwarf4.node.debug "$fixtures"/c/addon-zlib.node.debug \
         "$fixtures"/c/addon-dwarf4.node.stripped)
  # each round: two clients send the same file at once, slowly enough
  # that their bodies overlap in the server
  for f in "${files[@]}"; do
    for k in 1 2; do
      curl -s -o "$work/reply$k" -w '%{http_code}' --limit-rate 40K -H "Authorization: Bearer $t" \
        --data-binary "@$f" "$url/api/v1/upload" >"$work/code$k" &
      eval "p$k=\$!"
    done
    wait "$p1" "$p2"
    codes="$(cat "$work/code1") $(cat "$work/code2")"
    [[ $codes =~ ^(200|201)\ (200|201)$ && $codes == *201* ]] || fail "$(basename "$f"): $codes"
  done
  # and one source, twice at once
  for k in 1 2; do
    curl -s -o /dev/null -w '%{http_code}' --limit-rate 4K -H "Authorization: Bearer $t" --data-binary "@$src" \
      --url-query "buildid=$id" --url-query "path=$src" "$url/api/v1/upload/source" >"$work/code$k" &
    eval "p$k=\$!"
  done
  wait "$p1" "$p2"
  codes="$(cat "$work/code1") $(cat "$work/code2")"
  [[ $codes =~ ^(200|201)\ (200|201)$ && $codes == *201* ]] || fail "source: $codes"
  db=$work/store/napi-symbols.db
  [ "$(find "$work/store/blobs" -type f | wc -l)" = 6 ] || fail "blob files: $(find "$work/store/blobs" -type f)"
  [ "$(sqlite3 "$db" 'SELECT count(*) FROM blobs')" = 6 ] || fail "blob rows"
  [ "$(sqlite3 "$db" 'SELECT count(*) FROM artifacts')" = 5 ] || fail "artifact rows"
  [ "$(sqlite3 "$db" 'SELECT count(*) FROM sources')" = 1 ] || fail "source rows"
  check_store
  for f in "${files[@]}"; do
    kind=debuginfo; [[ $f == *.stripped ]] && kind=executable
    fid=$(readelf -n "$f" | awk '/Build ID:/ {print $3}')
    http 200 "$url/buildid/$fid/$kind"; cmp -s "$work/body" "$f" || fail "$f: bytes differ"
  done
  stopped_cleanly ;;
kill-mid-upload)
  start; t=$(token upload ci)
  upload 201 "$t" "$dbg"; upload 201 "$t" "$stripped" addon.node
  upload_source 201 "$t" "$src" "$id" "$src"
  # a large valid debug file: the zlib fixture with 8 MB in a section of its own
  head -c 40M /dev/urandom >"$work/pad"
  objcopy --add-section .napi_symbols_pad="$work/pad" "$fixtures/c/addon-zlib.node.debug" "$work/big.debug"
  curl -s -o /dev/null --limit-rate 512K -H "Authorization: Bearer $t" --data-binary "@$work/big.debug" \
    "$url/api/v1/upload?name=big.debug" &
  cpid=$!
  for _ in $(seq 100); do # until a good part of it is on disk
    size=$(cat "$work"/store/tmp/upload.* 2>/dev/null | wc -c)
    [ "$size" -ge 262144 ] && break
    sleep 0.1
  done
  [ "$size" -ge 262144 ] || fail "the upload did not get under way ($size bytes)"
  kill -KILL "$pid"; wait "$pid" 2>/dev/null; pid=
  wait "$cpid" && fail "the upload finished although the server was killed"
  [ "$(ls "$work/store/tmp" | wc -l)" = 1 ] || fail "expected one unfinished upload: $(ls "$work/store/tmp")"
  check_rows
  start
  grep -q "removed 1 unfinished upload(s)" "$work/serve.err" || fail "no sweep: $(cat "$work/serve.err")"
  check_store
  http 200 "$url/buildid/$id/debuginfo"; cmp -s "$work/body" "$dbg" || fail "debuginfo changed"
  http 200 "$url/buildid/$id/executable"; cmp -s "$work/body" "$stripped" || fail "executable changed"
  get_path 200 "$src"; cmp -s "$work/body" "$src" || fail "source changed"
  big_id=$(readelf -n "$work/big.debug" | awk '/Build ID:/ {print $3}')
  http 404 "$url/buildid/$big_id/debuginfo"
  upload 201 "$t" "$work/big.debug"
  http 200 "$url/buildid/$big_id/debuginfo"; cmp -s "$work/body" "$work/big.debug" || fail "big bytes"
  check_store; stopped_cleanly ;;
stalled-client)
  # 8 workers, so that some stay free: were all taken, the watchdog would
  # close the stalled head at once (the slowloris case tests that)
  # (a timeout of 10 s: the ten requests below, each a curl and a cmp, took
  # 7 s at a load average of 19, past a timeout of 4)
  start --request-timeout 10 --threads 8; t=$(token upload ci)
  upload 201 "$t" "$dbg"
  port=${url##*:} t0=$EPOCHREALTIME
  exec 3<>"/dev/tcp/127.0.0.1/$port" 4<>"/dev/tcp/127.0.0.1/$port"
  printf 'GET /healthz HTTP/1.1\r\nHost: x\r\n' >&3 # the headers never end
  printf 'POST /api/v1/upload HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Length: 100000\r\n\r\n' "$t" >&4
  # the body never comes; meanwhile others are served, each promptly
  for _ in $(seq 10); do
    http 200 --max-time 2 "$url/buildid/$id/debuginfo"; cmp -s "$work/body" "$dbg" || fail "bytes differ"
  done
  # ... while both stalled clients still hold their connections
  ! read -r -t 0 -u 3 && ! grep -q "POST /api/v1/upload 400" "$work/serve.err" ||
    fail "the stalled clients were dropped before the others were served ($(since "$t0") ms)"
  timeout 40 cat <&3 >"$work/stalled3"; ms3=$(since "$t0")
  timeout 40 cat <&4 >"$work/stalled4"; ms4=$(since "$t0")
  exec 3<&- 4<&-
  # dropped after the timeout (civetweb may wait it once more for the rest
  # of a body before closing), not before, and not never
  [ "$ms3" -ge 9900 ] && [ "$ms3" -lt 30000 ] || fail "stalled headers dropped after $ms3 ms"
  [ "$ms4" -ge 9900 ] && [ "$ms4" -lt 30000 ] || fail "stalled body dropped after $ms4 ms"
  grep -q "^HTTP/1.1 400" "$work/stalled4" || fail "stalled body: $(cat "$work/stalled4")"
  http 200 "$url/healthz"
  check_store; stopped_cleanly ;;
write-failure)
  # Disk full without root: a file-size limit makes the upload's writes fail
  # (EFBIG, as ENOSPC would); the server ignores SIGXFSZ, refuses the one
  # upload with 507 and goes on. The soft limit is raised again after.
  ulimit -S -f 2048; start; ulimit -S -f unlimited
  t=$(token upload ci); upload 201 "$t" "$dbg"
  head -c 3M /dev/urandom >"$work/pad"
  objcopy --add-section .napi_symbols_pad="$work/pad" "$fixtures/c/addon-zlib.node.debug" "$work/big.debug"
  upload 507 "$t" "$work/big.debug"
  grep -q "cannot store the upload" "$work/body" || fail "507 says: $(cat "$work/body")"
  http 200 "$url/healthz"
  upload 201 "$t" "$stripped" addon.node
  http 200 "$url/buildid/$id/debuginfo"; cmp -s "$work/body" "$dbg" || fail "debuginfo changed"
  check_store; stopped_cleanly ;;
short-blob)
  # A blob whose size on disk is not the one recorded (damaged behind the
  # server's back) is answered 503 and logged, never served as the file.
  # One that shrinks while it is being sent cannot be finished: the client
  # sees the connection end short (curl's 18) within seconds, and the
  # server goes on. (The server shuts the connection down at once;
  # civetweb would otherwise close it after its 500 ms keep-alive wait,
  # which this test does not tell apart.)
  start; t=$(token upload ci)
  head -c 40M /dev/urandom >"$work/pad"
  objcopy --add-section .napi_symbols_pad="$work/pad" "$dbg" "$work/big.debug"
  upload 201 "$t" "$work/big.debug"
  sha=$(sha256sum <"$work/big.debug" | cut -d' ' -f1)
  blob=$work/store/blobs/sha256/${sha:0:2}/${sha:2}
  (curl -s -o /dev/null --limit-rate 4M --max-time 30 "$url/buildid/$id/debuginfo"
    echo $? >"$work/rc") &
  sleep 1; t0=$EPOCHREALTIME
  truncate -s 20M "$blob"
  wait $!
  [ "$(cat "$work/rc")" = 18 ] || fail "curl exit $(cat "$work/rc"), not 18 (transfer closed short)"
  [ "$(since "$t0")" -lt 8000 ] || fail "the cut reply took $(since "$t0") ms to end"
  http 503 "$url/buildid/$id/debuginfo"
  grep -q "bytes on disk" "$work/serve.err" || fail "the damaged blob is not logged"
  http 200 "$url/healthz"
  stopped_cleanly ;;
section-bomb)
  # A decompression bomb: .debug_info a zlib stream of zeros that really
  # inflates to what its header claims (256 MiB from 256 KB; the issue's
  # was 1 GiB from 1 MB), and files that lie about it. The claim is read
  # from the header, so HEAD, 406, 304 and 413 inflate nothing; a GET
  # inflates as it sends, so four at once stay in bounded memory; an
  # upload is kept only once each claim is found true.
  "$nsym" split --compress zlib -o "$work/zlib" -d "$work/zlib.debug" "$full" >/dev/null || fail "split"
  edit_section "$work/zlib.debug" "$work/bomb.debug" .debug_info bomb $((256 << 20))
  edit_section "$work/zlib.debug" "$work/big.debug" .debug_info bomb $((1 << 30))
  # no symcache builds on upload: one would inflate the bomb beside the
  # timed requests, on a machine of 2 CPUs
  serve() { start --symcache-queue 0 "$@"; section=$url/buildid/$id/section/.debug_info; } # a new port each time
  serve; t=$(token upload ci)
  upload 201 "$t" "$work/bomb.debug" # it does inflate to what it claims
  base=$(hwm) t0=$EPOCHREALTIME
  http 200 -I "$section"
  [ "$(header Content-Length)" = $((256 << 20)) ] || fail "HEAD Content-Length $(header Content-Length)"
  etag=$(header ETag)
  http 406 -H "X-DEBUGINFOD-MAXSIZE: 1000000" "$section"
  http 304 -H "If-None-Match: $etag" "$section"
  [ $(($(hwm) - base)) -lt 65536 ] || fail "HEAD, 406 and 304 took $(($(hwm) - base)) kB"
  [ "$(since "$t0")" -lt 2000 ] || fail "HEAD, 406 and 304 took $(since "$t0") ms" # inflating: 1 s each
  pids=()
  for k in 1 2 3 4; do # each inflates it all to send the last 16 bytes
    curl -s -r -16 -o "$work/tail$k" -w '%{http_code}' --max-time 120 "$section" >"$work/code$k" &
    pids+=($!)
  done
  wait "${pids[@]}"
  for k in 1 2 3 4; do
    [ "$(cat "$work/code$k")" = 206 ] && cmp -s "$work/tail$k" <(head -c 16 /dev/zero) ||
      fail "GET $k of the bomb's last bytes: $(cat "$work/code$k")"
  done
  [ $(($(hwm) - base)) -lt 204800 ] || fail "four GETs of the bomb took $(($(hwm) - base)) kB"
  # uploads whose claims are not believable, refused with the section named
  upload 422 "$t" "$work/big.debug" # over the default limit, 512M
  grep -q "section .debug_info claims to inflate to 1073741824 bytes, over the server's limit of 536870912" \
    "$work/body" || fail "1 GiB bomb: $(cat "$work/body")"
  edit_section "$work/zlib.debug" "$work/liar.debug" .debug_info claim 100000
  upload 422 "$t" "$work/liar.debug"
  grep -q "section .debug_info claims to inflate to 100000 bytes, but its stream makes [0-9]" "$work/body" ||
    fail "a claim too large: $(cat "$work/body")"
  edit_section "$work/zlib.debug" "$work/liar.debug" .debug_info claim 1000
  upload 422 "$t" "$work/liar.debug"
  grep -q "section .debug_info claims to inflate to 1000 bytes, but its stream makes at least" "$work/body" ||
    fail "a claim too small: $(cat "$work/body")"
  edit_section "$work/zlib.debug" "$work/liar.debug" .debug_info corrupt
  upload 422 "$t" "$work/liar.debug"
  grep -q "section .debug_info cannot be inflated: the zlib stream is corrupt" "$work/body" ||
    fail "a corrupt stream: $(cat "$work/body")"
  edit_section "$work/zlib.debug" "$work/liar.debug" .debug_info type 7
  upload 422 "$t" "$work/liar.debug"
  grep -q "section .debug_info is compressed with type 7" "$work/body" || fail "type 7: $(cat "$work/body")"
  # the section's name is the file's: its control characters are not
  # sent (nor logged) as they are (found by fuzz_upload_identify)
  edit_section "$work/liar.debug" "$work/liar.debug" .debug_info name $'.d\n\033[2Jinfo'
  upload 422 "$t" "$work/liar.debug"
  [ "$(wc -l <"$work/body")" = 1 ] && ! grep -q $'\033' "$work/body" &&
    grep -q "section .d??\[2Jinfo is compressed with type 7" "$work/body" ||
    fail "a name with control characters: $(cat -A "$work/body")"
  check_store; stopped_cleanly
  # a lower limit (config file, then the environment over it, then the
  # flag over both): the stored bomb is refused before anything is inflated
  echo "max_section_size = 128M" >"$work/serve.conf"
  serve -c "$work/serve.conf"; base=$(hwm) t0=$EPOCHREALTIME
  http 413 "$section"
  grep -q "section .debug_info inflates to 268435456 bytes, over the server's limit of 134217728" \
    "$work/body" || fail "413 says: $(cat "$work/body")"
  http 413 -I "$section"
  [ "$(since "$t0")" -lt 2000 ] || fail "the 413s took $(since "$t0") ms"
  [ $(($(hwm) - base)) -lt 65536 ] || fail "the 413s took $(($(hwm) - base)) kB"
  stopped_cleanly
  NAPI_SYMBOLS_MAX_SECTION_SIZE=300M serve -c "$work/serve.conf"
  http 200 -I "$section"; stopped_cleanly
  NAPI_SYMBOLS_MAX_SECTION_SIZE=300M serve -c "$work/serve.conf" --max-section-size 200M
  http 413 -I "$section"; stopped_cleanly ;;
section-zstd)
  # `split --compress zstd` output, which libelf 0.188 cannot read: every
  # compressed section is served inflated, with the bytes binutils inflates
  "$nsym" split --compress zstd -o "$work/zstd" -d "$work/zstd.debug" "$full" >/dev/null || fail "split"
  objcopy --decompress-debug-sections "$work/zstd.debug" "$work/plain.debug" || fail "objcopy"
  names=$(readelf -SW "$work/zstd.debug" | sed 's/^ *\[ *[0-9]*\] *//' | awk '$7 ~ /C/ {print $1}')
  [[ " $(echo $names) " == *" .debug_info "* ]] || fail "no compressed .debug_info: $names"
  start; t=$(token upload ci)
  for lie in "claim 100000" corrupt; do # checked at upload as zlib is
    edit_section "$work/zstd.debug" "$work/liar.debug" .debug_info $lie
    upload 422 "$t" "$work/liar.debug"
    grep -q "section .debug_info c" "$work/body" || fail "zstd $lie: $(cat "$work/body")"
  done
  upload 201 "$t" "$work/zstd.debug"
  for name in $names; do
    http 200 "$url/buildid/$id/section/$name"
    objcopy --dump-section "$name=$work/want" "$work/plain.debug" "$work/discard" || fail "objcopy $name"
    cmp -s "$work/body" "$work/want" || fail "section $name: not the bytes objcopy inflates"
  done
  section=$url/buildid/$id/section/.debug_info
  objcopy --dump-section .debug_info="$work/want" "$work/plain.debug" "$work/discard"
  size=$(stat -c %s "$work/want")
  http 206 -r 100-1099 "$section"
  cmp -s "$work/body" <(tail -c +101 "$work/want" | head -c 1000) || fail "range bytes"
  [ "$(header Content-Range)" = "bytes 100-1099/$size" ] || fail "Content-Range $(header Content-Range)"
  http 206 -r -100 "$section"; cmp -s "$work/body" <(tail -c 100 "$work/want") || fail "suffix range bytes"
  http 200 -I "$section"
  [ "$(header Content-Length)" = "$size" ] && [ "$(header X-DEBUGINFOD-SIZE)" = "$size" ] || fail "HEAD sizes"
  http 304 -H "If-None-Match: $(header ETag)" "$section"
  http 406 -H "X-DEBUGINFOD-MAXSIZE: $((size - 1))" "$section"
  http 200 -H "X-DEBUGINFOD-MAXSIZE: $size" "$section"; cmp -s "$work/body" "$work/want" || fail "bytes at MAXSIZE"
  # a file damaged behind the server's back (or stored before uploads
  # were checked): a permanent error, which clients do not retry, never 503
  sha=$(sha256sum <"$work/zstd.debug" | cut -d' ' -f1)
  blob=$work/store/blobs/sha256/${sha:0:2}/${sha:2}
  cp "$blob" "$work/blob"
  edit_section "$work/blob" "$blob" .debug_info type 7
  http 422 "$section"; grep -q "compressed with type 7" "$work/body" || fail "type 7: $(cat "$work/body")"
  http 422 -I "$section"
  # corrupt past its header, it is found only once the reply has begun:
  # the connection is cut (curl's 18), and the server says why in its log
  edit_section "$work/blob" "$blob" .debug_info corrupt
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$section"); rc=$?
  [ "$code $rc" = "200 18" ] || fail "a corrupt stream gave $code, curl exit $rc"
  grep -q "the body ended after 0 of $size bytes promised: the zstd stream cannot be inflated" \
    "$work/serve.err" || fail "the cut reply is not logged"
  http 200 "$url/healthz"
  grep -q ' 503 ' "$work/serve.err" && fail "a 503: $(grep ' 503 ' "$work/serve.err")"
  stopped_cleanly ;;
full-disk)
  # A real full disk: the store on a small tmpfs of its own, which takes
  # root to mount. Filled by a file the API cannot remove, so only what
  # the server does frees space.
  skip() { echo "SKIP [$case_name]: $*"; exit 77; }
  [ "$(id -u)" = 0 ] || skip "mounting a small tmpfs for the store needs root"
  mkdir "$work/store"
  mount -t tmpfs -o size=16m tmpfs "$work/store" 2>"$work/mount.err" ||
    skip "cannot mount a tmpfs: $(cat "$work/mount.err")"
  mounted=$work/store
  start; up=$(token upload ci); ad=$(token admin boss)
  head -c 6M /dev/urandom >"$work/pad"
  objcopy --add-section .napi_symbols_pad="$work/pad" "$dbg" "$work/big.debug"
  upload 201 "$up" "$work/big.debug"
  big_row=$(sqlite3 "$work/store/napi-symbols.db" "SELECT id FROM artifacts WHERE kind = 'debuginfo'")
  upload 201 "$up" "$stripped" addon.node
  free_bytes() { local f; read -r -a f < <(stat -f -c '%a %S' "$work/store"); echo $(( f[0] * f[1] )); }
  # Full but for exactly the next file's pages: its bytes fit, the
  # database's journal does not, so it fails when its rows are committed.
  next=$fixtures/c/addon-dwarf4.node.debug
  next_sha=$(sha256sum <"$next" | cut -d' ' -f1)
  head -c $(( $(free_bytes) - ($(stat -c %s "$next") + 4095) / 4096 * 4096 )) /dev/zero >"$work/store/fill" ||
    fail "cannot fill the disk"
  upload 507 "$up" "$next"
  ! grep -q -e "$work" -e 'upload\.' "$work/body" || fail "the 507 reveals a server path: $(cat "$work/body")"
  [ "$(sqlite3 "$work/store/napi-symbols.db" "SELECT count(*) FROM blobs WHERE sha256 = '$next_sha'")" = 0 ] ||
    fail "the refused upload left its blobs row"
  [ ! -e "$work/store/blobs/sha256/${next_sha:0:2}/${next_sha:2}" ] || fail "the refused upload left its blob file"
  [ -z "$(ls -A "$work/store/tmp")" ] || fail "temporary files left: $(ls "$work/store/tmp")"
  # Full to the last byte: a delete still goes through, and frees space
  head -c 100M /dev/zero >>"$work/store/fill" 2>/dev/null
  [ "$(free_bytes)" -lt 4096 ] || fail "the disk is not full: $(free_bytes) bytes free"
  http 200 -X DELETE -H "Authorization: Bearer $ad" "$url/api/v1/artifacts/$big_row"
  [ "$(json j.blob_removed)" = true ] || fail "delete: $(cat "$work/body")"
  [ "$(free_bytes)" -gt 2000000 ] || fail "the delete freed little: $(free_bytes) bytes free"
  http 404 "$url/buildid/$id/debuginfo"
  # and uploads work again
  upload 201 "$up" "$next"
  upload 201 "$up" "$dbg"
  http 200 "$url/buildid/$id/debuginfo"; cmp -s "$work/body" "$dbg" || fail "debuginfo bytes"
  check_store; stopped_cleanly ;;
start-failures)
  # A start that fails part way (the port taken, a store that cannot be
  # made, a bad upstream) says why and exits 1, having closed what it had
  # opened: under ASan+UBSan, a close of what was never opened aborts. (A
  # leak is not what this checks: left unfreed on the taken port's path,
  # the server's parts were not reported by LeakSanitizer when tried.)
  start
  addr=${url#http://}
  "$nsym" serve --store "$work/store2" --listen "$addr" >/dev/null 2>"$work/e"
  [ $? = 1 ] || fail "serve on a taken port: exit $?: $(cat "$work/e")"
  grep -q "cannot listen on $addr (in use" "$work/e" || fail "taken port: $(cat "$work/e")"
  : >"$work/file"
  "$nsym" serve --store "$work/file/store" --listen 127.0.0.1:0 >/dev/null 2>"$work/e"
  [ $? = 1 ] && grep -q "cannot create $work/file/store" "$work/e" || fail "store: $(cat "$work/e")"
  "$nsym" serve --store "$work/store2" --listen 127.0.0.1:0 --upstream ftp://bad >/dev/null 2>"$work/e"
  [ $? = 1 ] && grep -q "upstream 'ftp://bad'" "$work/e" || fail "upstream: $(cat "$work/e")"
  # the server that holds the port is unharmed
  http 200 "$url/healthz"
  stop || fail "the first server did not stop cleanly" ;;
sweep-orphans)
  # What a crash leaves goes at the next start, and only that: not what
  # another server on the same store may still be writing.
  start; t=$(token upload ci)
  upload 201 "$t" "$dbg"; upload 201 "$t" "$stripped" addon.node
  upload_source 201 "$t" "$src" "$id" "$src"
  stop
  blobs=$work/store/blobs/sha256 tmp=$work/store/tmp
  mkdir -p "$blobs/ab" "$blobs/cd"
  orphan=$blobs/ab/$(printf 'a%.0s' $(seq 62)) orphan2=$blobs/cd/$(printf 'b%.0s' $(seq 62))
  fresh=$blobs/ab/$(printf 'c%.0s' $(seq 62)) foreign=$blobs/ab/notes.txt
  for f in "$orphan" "$orphan2" "$fresh" "$foreign" "$tmp/upload.stale1" "$tmp/upload.live"; do
    echo "left behind" >"$f"
  done
  touch -d '3 hours ago' "$orphan" "$orphan2" "$foreign" "$tmp/upload.stale1" "$tmp/upload.live"
  # Another server runs on the store (it holds serve.lock shared) and is
  # writing an upload (it holds the temporary file's lock): a blob file
  # no row names may be its upload's, until it is old.
  exec 5>>"$tmp/upload.live" 6>>"$work/store/serve.lock"
  flock -x 5 && flock -s 6 || fail "flock"
  start 5>&- 6>&-
  for f in "$orphan" "$orphan2" "$tmp/upload.stale1"; do [ ! -e "$f" ] || fail "not swept: $f"; done
  for f in "$fresh" "$foreign" "$tmp/upload.live"; do [ -e "$f" ] || fail "swept: $f"; done
  grep -q "removed 1 unfinished upload(s)" "$work/serve.err" || fail "log: $(cat "$work/serve.err")"
  grep -q "removed 2 blob file(s) that nothing names" "$work/serve.err" || fail "log: $(cat "$work/serve.err")"
  check_rows
  http 200 "$url/buildid/$id/debuginfo"; cmp -s "$work/body" "$dbg" || fail "debuginfo changed"
  http 200 "$url/buildid/$id/executable"; cmp -s "$work/body" "$stripped" || fail "executable changed"
  get_path 200 "$src"; cmp -s "$work/body" "$src" || fail "source changed"
  stop
  # the other server is gone (killed): a server alone on the store takes
  # what is left whatever its age, and leaves files not named as blobs
  exec 5>&- 6>&-
  start
  for f in "$fresh" "$tmp/upload.live"; do [ ! -e "$f" ] || fail "not swept: $f"; done
  [ -e "$foreign" ] || fail "swept a file that is no blob: $foreign"
  grep -q "removed 1 blob file(s) that nothing names" "$work/serve.err" || fail "log: $(cat "$work/serve.err")"
  rm "$foreign"
  check_store
  http 200 "$url/buildid/$id/debuginfo"; cmp -s "$work/body" "$dbg" || fail "debuginfo changed"
  get_path 200 "$src"; cmp -s "$work/body" "$src" || fail "source changed"
  stopped_cleanly ;;
token-ids)
  # A token's id is digits, as written: no sign, no leading zeros, no
  # spaces (strtoll took "+2", "02" and " 2" for 2)
  start; t=$(token upload ci)
  tid=${t#nsym_} tid=${tid%%_*} secret=${t##*_}
  http 200 -H "Authorization: Bearer $t" "$url/healthz"
  for bad in "+$tid" "0$tid" " $tid" "$tid " "-$tid" "${tid}0" "" "0x$tid"; do
    http 401 -H "Authorization: Bearer nsym_${bad}_$secret" "$url/healthz"
  done
  stopped_cleanly ;;
ranges)
  # RFC 9110 section 14.2: a Range that is not valid is ignored (200, the
  # whole file); 416 only for a valid one that the file cannot satisfy.
  start; t=$(token upload ci)
  upload 201 "$t" "$dbg"
  size=$(stat -c %s "$dbg") f=$url/buildid/$id/debuginfo
  for r in "bytes=5-3" "bytes=abc" "bytes=-" "bytes=" "bytes=+1-2" "bytes=1-2x" "bytes=1--2" \
           "bytes=--1" "bytes=0x1-2" "items=0-3" "bytes=0-1,3-4" "bytes=1-2 3"; do
    http 200 -H "Range: $r" "$f"; cmp -s "$work/body" "$dbg" || fail "$r: not the whole file"
  done
  for r in "bytes=$size-" "bytes=99999999-100000000" "bytes=-0" "bytes=99999999999999999999999-"; do
    http 416 -H "Range: $r" "$f"
    [ "$(header Content-Range)" = "bytes */$size" ] || fail "$r: Content-Range $(header Content-Range)"
  done
  http 206 -H "Range: Bytes=0-3" "$f"; cmp -s "$work/body" <(head -c 4 "$dbg") || fail "Bytes=0-3"
  http 206 -H "Range: bytes=-4" "$f"; cmp -s "$work/body" <(tail -c 4 "$dbg") || fail "bytes=-4"
  http 206 -H "Range: bytes=$((size - 2))-" "$f"; cmp -s "$work/body" <(tail -c 2 "$dbg") || fail "A-"
  http 206 -H "Range: bytes=0-99999999999999999999999" "$f"; cmp -s "$work/body" "$dbg" || fail "0-huge"
  http 206 -H "Range: bytes=-99999999999999999999999" "$f"; cmp -s "$work/body" "$dbg" || fail "-huge"
  stopped_cleanly ;;
pe-arch)
  # A 409 names what was sent: an arm64 PE whose code id (TimeDateStamp,
  # SizeOfImage) an x86_64 one already holds is reported as arm64.
  foreign_ids; start; t=$(token upload ci)
  u32_at() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }
  le32() { printf "\\x$(printf %02x $(($1 & 255)))\\x$(printf %02x $(($1 >> 8 & 255)))\\x$(printf %02x $(($1 >> 16 & 255)))\\x$(printf %02x $(($1 >> 24 & 255)))"; }
  x64=$fx/pe/addon.node arm=$work/addon-arm64.node
  cp "$fx/pe/addon-arm64.exe" "$arm"
  px=$(u32_at "$x64" 60) pa=$(u32_at "$arm" 60)
  le32 "$(u32_at "$x64" $((px + 8)))" | dd of="$arm" bs=1 seek=$((pa + 8)) conv=notrunc status=none
  le32 "$(u32_at "$x64" $((px + 80)))" | dd of="$arm" bs=1 seek=$((pa + 80)) conv=notrunc status=none
  upload 201 "$t" "$x64"
  [ "$(json 'j.artifacts[0].arch')" = x86_64 ] || fail "x86_64 upload: $(cat "$work/body")"
  upload 409 "$t" "$arm"
  [ "$(json 'j.artifacts.map(a => a.key + " " + a.arch + " " + a.result).join()')" = "${pe_id,,} arm64 conflict" ] ||
    fail "409 reply: $(cat "$work/body")"
  http 200 "$url/symsrv/addon.node/$pe_id/addon.node"; cmp -s "$work/body" "$x64" || fail "the stored file changed"
  stopped_cleanly ;;
head-timeout)
  # A head must be whole within --head-timeout, however its bytes trickle
  # in (civetweb alone waited the whole request timeout); a body may stall
  # for --request-timeout; a kept connection waits 0.5 s for its next head.
  start --head-timeout 2 --request-timeout 5; t=$(token upload ci)
  port=${url##*:} t0=$EPOCHREALTIME
  exec 3<>"/dev/tcp/127.0.0.1/$port" 4<>"/dev/tcp/127.0.0.1/$port"
  printf 'GET /healthz HTTP/1.1\r\nHost: x\r\n' >&3
  (while printf 'X-Slow: a\r\n' >&3; do sleep 0.2; done) 2>/dev/null & helper=$!
  printf 'POST /api/v1/upload HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Length: 100000\r\n\r\n' "$t" >&4
  timeout 30 cat <&3 >/dev/null; ms3=$(since "$t0")
  timeout 30 cat <&4 >"$work/stalled4"; ms4=$(since "$t0")
  exec 3<&- 4<&-
  [ "$ms3" -ge 1900 ] && [ "$ms3" -lt 4000 ] || fail "a trickled head was dropped after $ms3 ms, not 2 s"
  [ "$ms4" -ge 4900 ] && [ "$ms4" -lt 15000 ] || fail "a stalled body was dropped after $ms4 ms, not 5 s"
  grep -q "^HTTP/1.1 400" "$work/stalled4" || fail "stalled body: $(cat "$work/stalled4")"
  t0=$EPOCHREALTIME; raw 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'; ms=$(since "$t0")
  [ "$(replies)" = 200 ] && [ "$ms" -ge 400 ] && [ "$ms" -lt 2000 ] || fail "kept connection: $ms ms, $(replies)"
  http 200 "$url/metrics"
  grep -q '^nsym_connections_shed_total{reason="head_timeout"} 1$' "$work/body" || fail "metrics: $(grep shed "$work/body")"
  stopped_cleanly ;;
slowloris)
  # 200 clients that each send half a request head, then a header line
  # every 0.5 s, and take a new connection whenever the server closes one,
  # for 20 s: more than the 64 workers (65 were enough to stop every
  # answer). Meanwhile a normal client, with no token, asks /healthz every
  # 0.2 s: each answer must come within 2 s (it takes well under 1 s).
  start; port=${url##*:}
  node "$(dirname "${BASH_SOURCE[0]}")/slowloris.js" 127.0.0.1 "$port" 200 20 >"$work/slow" 2>&1 &
  helper=$!
  for _ in $(seq 100); do grep -q '^connected' "$work/slow" && break; sleep 0.1; done
  grep -q '^connected 200$' "$work/slow" || fail "the slow clients did not connect: $(cat "$work/slow")"
  n=0 worst=0
  while kill -0 "$helper" 2>/dev/null; do
    t0=$EPOCHREALTIME
    http 200 --max-time 2 "$url/healthz"
    ms=$(since "$t0") n=$((n + 1)); [ "$ms" -gt "$worst" ] && worst=$ms
    sleep 0.2
  done
  wait "$helper"; helper=
  read -r _ opened _ closed < <(tail -1 "$work/slow")
  echo "$n answers, the slowest in $worst ms; slow connections opened $opened, closed $closed"
  [ "$n" -ge 20 ] || fail "only $n answers in 20 s"
  [ "$closed" -ge 200 ] || fail "the server closed only $closed of the slow connections"
  http 200 "$url/metrics"
  grep -q '^nsym_connections_shed_total{reason="workers_short"} [1-9]' "$work/body" || fail "no shed counted"
  stopped_cleanly ;;
framing)
  # Where a body ends is never in doubt (RFC 9112 section 6): conflicting
  # or malformed lengths are refused and close the connection, so nothing
  # after them is read as a request; a request after a body read to its
  # end is one (pipelining), and one after a body left unread is not; and
  # a POST must say its length.
  start; t=$(token upload ci)
  post="POST /api/v1/upload HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $t\r\n"
  smuggled='GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n'
  raw "${post}Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!$smuggled"
  [ "$(replies)" = 400 ] || fail "two lengths: $(replies | tr '\n' ' ')"
  raw "${post}Content-Length: +5\r\n\r\nhello$smuggled"
  [ "$(replies)" = 400 ] || fail "a signed length: $(replies | tr '\n' ' ')"
  raw "${post}Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n5\r\nhello\r\n0\r\n\r\n$smuggled"
  [ "$(replies)" = 400 ] || fail "chunked and a length: $(replies | tr '\n' ' ')"
  # civetweb reads the first of two encodings, another reader both
  raw "${post}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n$smuggled"
  [ "$(replies)" = 400 ] || fail "two encodings: $(replies | tr '\n' ' ')"
  # civetweb keeps 64 header lines and drops the rest unseen, where a
  # length would hide
  raw "GET /healthz HTTP/1.1\r\nHost: x\r\n$(for i in $(seq 63); do printf 'X-%d: y\\r\\n' "$i"; done)Content-Length: 18\r\n\r\n$smuggled"
  [ "$(replies)" = 431 ] || fail "64 header lines: $(replies | tr '\n' ' ')"
  grep -qi '^Connection: close' "$work/raw" || fail "no Connection: close: $(cat "$work/raw")"
  raw "${post}Content-Length: 5, 5\r\nConnection: close\r\n\r\nhello"
  [ "$(replies)" = 415 ] || fail "a repeated equal length is one length: $(replies)"
  # a body read to its end, by length or in chunks: the connection is
  # kept, and what follows is the next request
  missing="POST /api/v1/missing HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $t\r\n"
  raw "${missing}Content-Length: 11\r\n\r\n{\"ids\": []}GET /pipelined HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
  [ "$(replies | tr '\n' ' ')" = "200 404 " ] || fail "after a body: $(replies | tr '\n' ' ')"
  grep -qi '^Connection: close' "$work/raw" && fail "a reply says the connection closes: $(cat "$work/raw")"
  grep -q "GET /pipelined 404" "$work/serve.err" || fail "the pipelined request was not logged"
  raw "${missing}Transfer-Encoding: chunked\r\n\r\n5\r\n{\"ids\r\n6\r\n\": []}\r\n0\r\n\r\nGET /pipelined-chunks HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
  [ "$(replies | tr '\n' ' ')" = "200 404 " ] || fail "after chunks: $(replies | tr '\n' ' ')"
  # chunks with a trailer: civetweb does not read it, nor what follows
  raw "${missing}Transfer-Encoding: chunked\r\n\r\nb\r\n{\"ids\": []}\r\n0\r\nX-Trailer: y\r\n\r\n$smuggled"
  [ "$(replies)" = 200 ] || fail "after a trailer: $(replies | tr '\n' ' ')"
  # a body refused unread (405, 401, 406 ...) closes: what follows is not read
  raw "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello$smuggled"
  [ "$(replies)" = 405 ] || fail "after an unread body: $(replies | tr '\n' ' ')"
  grep -qi '^Connection: close' "$work/raw" || fail "no Connection: close: $(cat "$work/raw")"
  raw "POST /api/v1/missing HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n{\"ids\": []}$smuggled"
  [ "$(replies)" = 401 ] || fail "after a body refused for its token: $(replies | tr '\n' ' ')"
  grep -qi '^Connection: close' "$work/raw" || fail "no Connection: close: $(cat "$work/raw")"
  grep -q "GET /smuggled" "$work/serve.err" && fail "bytes after a body were served as a request"
  # HTTP/1.0 has no empty default: a POST without a length is refused
  raw "POST /api/v1/upload HTTP/1.0\r\nAuthorization: Bearer $t\r\n\r\nnot read"
  [ "$(replies)" = 411 ] || fail "HTTP/1.0 POST without a length: $(replies)"
  http 411 -X POST -H "Authorization: Bearer $t" "$url/api/v1/upload"
  http 405 -X POST "$url/healthz"
  raw 'GET /healthz HTTP/1.1\r\nHost: x\r\nExpect: something\r\nConnection: close\r\n\r\n'
  [ "$(replies)" = 417 ] || fail "an unknown expectation: $(replies)"
  # a request civetweb cannot parse is answered by the server, in HTTP/1.1
  # (civetweb put the client's version word in its own status line)
  raw 'GET /healthz fuzz\r\nHost: x\r\n\r\n'
  [ "$(head -n 1 "$work/raw")" = $'HTTP/1.1 400 Bad Request\r' ] || fail "an unparsable request: $(cat "$work/raw")"
  grep -q '^Connection: close' "$work/raw" || fail "no Connection: close: $(cat "$work/raw")"
  raw 'GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n'
  [ "$(head -c 13 "$work/raw")" = 'HTTP/1.1 505 ' ] || fail "HTTP/2.0: $(cat "$work/raw")"
  raw 'GET /healthz HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n'
  [ "$(head -c 9 "$work/raw")" = "HTTP/1.1 " ] || fail "a broken header: $(cat "$work/raw")"
  upload 201 "$t" "$dbg"
  stopped_cleanly ;;
expect-continue)
  # curl asks "Expect: 100-continue" before a body over 1 MB and waits a
  # second for the answer: it must come at once, and a refusal before it
  # (here 401) spares the client sending the body at all.
  start; t=$(token upload ci)
  head -c 2M /dev/urandom >"$work/pad"
  objcopy --add-section .napi_symbols_pad="$work/pad" "$dbg" "$work/big.debug"
  curl -sv -o "$work/body" -w '%{http_code} %{time_total}\n' -H "Authorization: Bearer $t" \
    --data-binary "@$work/big.debug" "$url/api/v1/upload" >"$work/out" 2>"$work/trace"
  read -r code secs <"$work/out"
  echo "a 2 MB upload: $code in $secs s"
  [ "$code" = 201 ] || fail "upload: $code $(cat "$work/body")"
  grep -q '^> Expect: 100-continue' "$work/trace" || fail "curl did not ask for 100-continue"
  grep -q '^< HTTP/1.1 100 Continue' "$work/trace" || fail "no 100 Continue"
  awk -v s="$secs" 'BEGIN { exit !(s < 1.0) }' || fail "the upload took $secs s"
  curl -sv -o /dev/null --data-binary "@$work/big.debug" "$url/api/v1/upload" 2>"$work/trace"
  grep -q '^< HTTP/1.1 401' "$work/trace" && ! grep -q '100 Continue' "$work/trace" ||
    fail "a refused upload: $(grep '^<' "$work/trace")"
  stopped_cleanly ;;
path-nul)
  # A %00 in a path is refused, not taken as the path's end ("x%00.c"
  # looked up "x")
  start; t=$(token upload ci)
  upload 201 "$t" "$dbg"
  echo "the build's passwd" >"$work/passwd"
  upload_source 201 "$t" "$work/passwd" "$id" /etc/passwd
  get_path 200 /etc/passwd
  get_path 400 /etc/passwd%00.c
  http 400 "$url/buildid/$id/debuginfo%00.txt"
  http 400 "$url/healthz%00"
  http 200 "$url/buildid/$id/debuginfo"
  grep -q 'GET /buildid/.*/source/etc/passwd%00.c 400' "$work/serve.err" || fail "the log line"
  stopped_cleanly ;;
page-form)
  # The page answers a crash sent as a form, urlencoded or multipart (a
  # text field, or a file part), or in the query of a link, with the
  # frames symbolicate prints; HEAD answers the same headers.
  start; t=$(token upload ci); upload 201 "$t" "$dbg"
  page_trace >"$work/trace.txt"
  "$nsym" symbolicate --local --server "$url" -s "$work/trace.txt" >"$work/cli" 2>&1 || fail "symbolicate: $(cat "$work/cli")"
  grep '^#' "$work/cli" | sed 's/:0 in / in /; s/ \[addon\]$/ addon/' >"$work/want"
  grep -q '^#0 fib at addon.c:' "$work/want" || fail "symbolicate: $(cat "$work/cli")"
  for how in urlencoded multipart file query; do
    case $how in
    urlencoded) http 200 --data-urlencode "trace@$work/trace.txt" -d basenames=1 "$url/" ;;
    multipart) http 200 -F "trace=<$work/trace.txt" -F basenames=1 "$url/" ;;
    file) http 200 -F "file=@$work/trace.txt" -F trace= -F basenames=1 "$url/" ;;
    query) http 200 -G --data-urlencode "trace@$work/trace.txt" -d basenames=1 "$url/" ;;
    esac
    page_frames >"$work/got"
    diff "$work/want" "$work/got" >"$work/diff" || fail "$how: the page's frames are not symbolicate's: $(cat "$work/diff")"
    [ "$(page_header Content-Type)" = "text/html; charset=utf-8" ] || fail "$how: $(cat "$work/head")"
    [ "$(page_header X-Content-Type-Options)" = nosniff ] || fail "$how: no nosniff"
    [[ "$(page_header Content-Security-Policy)" == "default-src 'self';"* ]] || fail "$how: CSP"
    grep -q '<title>Crash: SIGSEGV at 0x0 ' "$work/body" || fail "$how: title"
  done
  # the inline chain under its frame, and a module the server lacks
  grep -q '<ul class="inlines"><li><span class="fn">fib</span> at <span class="loc">addon.c:142:' "$work/body" ||
    fail "no inline chain: $(page_frames)"
  grep -q '#2 ?? in node+0x9a3f10 (no symbols on the server)' "$work/got" || fail "the miss: $(cat "$work/got")"
  # the link the page offers holds the trace lines alone, without the quote
  link=$(sed -n 's/.*id="share-link" href="\([^"]*\)".*/\1/p' "$work/body" | sed 's/&amp;/\&/g')
  node -e 'process.stdout.write(new URL(process.argv[1], "http://x").searchParams.get("trace"))' "$link" >"$work/linked"
  sed 's/^> //' "$work/trace.txt" | cmp -s - "$work/linked" || fail "the link's trace: $(cat "$work/linked")"
  [[ "$link" == "./?trace="*"&basenames=1#result" ]] || fail "the link is not relative: $link"
  http 200 "$url/${link#./}"
  page_frames | cmp -s "$work/want" - || fail "the link's answer: $(page_frames)"
  http 200 -I "$url/${link#./}"
  grep -qi "^content-length: [1-9]" "$work/head" || fail "HEAD: $(cat "$work/head")"
  stopped_cleanly ;;
page-sources)
  # Under a frame, and under each inlined call, the lines of the source
  # around its line, escaped, when the build's sources were uploaded
  # (upload --sources); none before, nor for another build's.
  start; t=$(token upload ci); upload 201 "$t" "$dbg"
  page_trace >"$work/trace.txt"
  http 200 --data-urlencode "trace@$work/trace.txt" "$url/"
  page_frames | grep -q '^#0 fib at ' || fail "not symbolicated: $(page_frames)"
  grep -q 'class="context"' "$work/body" && fail "source lines without sources: $(page_context)"
  NAPI_SYMBOLS_SERVER=$url NAPI_SYMBOLS_TOKEN=$t "$nsym" upload --sources "$dbg" >"$work/out" 2>&1 ||
    fail "upload --sources: $(cat "$work/out")"
  grep -q "sources: [1-9][0-9]* uploaded" "$work/out" || fail "--sources: $(cat "$work/out")"
  for basenames in 0 1; do
    http 200 --data-urlencode "trace@$work/trace.txt" -d basenames=$basenames "$url/"
    page_context >"$work/got"
    l0=$(page_frames | sed -n 's/^#0 fib at [^:]*:\([0-9]*\):.*/\1/p')
    l1=$(page_frames | sed -n 's/^#1 arg_double at [^:]*:\([0-9]*\):.*/\1/p')
    l1b=$(sed -n 's/.*<ul class="inlines"><li><span class="fn">fib<\/span> at <span class="loc">[^<]*:\([0-9]*\):.*/\1/p' "$work/body" | head -1)
    [ -n "$l0" ] && [ -n "$l1" ] && [ -n "$l1b" ] || fail "lines: '$l0' '$l1' '$l1b': $(page_frames)"
    { want_context $((l0 - 2)) "$l0" $((l0 + 2)); want_context $((l1 - 2)) "$l1" $((l1 + 2))
      want_context $((l1b - 2)) "$l1b" $((l1b + 2)); } >"$work/want"
    diff "$work/want" "$work/got" >"$work/diff" || fail "basenames=$basenames: the source lines: $(cat "$work/diff")"
    grep -q '&amp;n' "$work/got" || fail "no escaped '&': $(cat "$work/got")"
  done
  [[ "$(grep -c 'class="loc">addon.c:' "$work/body")" -ge 3 ]] || fail "basenames not shown: $(page_frames)"
  # another build's trace shows none of this build's sources
  sed "s/$id/${id:0:38}ff/" "$work/trace.txt" >"$work/other.txt"
  http 200 --data-urlencode "trace@$work/other.txt" "$url/"
  grep -q 'class="context"' "$work/body" && fail "another build's page shows sources"
  stopped_cleanly ;;
page-artifacts)
  # The artifacts page searches as the API does, by file name (any case)
  # or identity, narrows by kind and format, and links each row's
  # downloads, which answer with the file's bytes.
  foreign_ids; start; up=$(token upload ci)
  upload 201 "$up" "$dbg"; upload 201 "$up" "$stripped" 'a%3Cb%26.node'
  upload 201 "$up" "$fx/pe/addon.node"; upload 201 "$up" "$fx/pe/addon.pdb"
  upload 201 "$up" "$fx/macho/addon-x86_64.node"
  http 200 "$url/artifacts"
  [ "$(page_rows | wc -l)" = 5 ] || fail "all: $(page_rows)"
  grep -q '<th scope="row">a&lt;b&amp;.node</th>' "$work/body" || fail "the name is not escaped"
  grep -q '<a href="./artifacts" aria-current="page">' "$work/body" || fail "no navigation"
  http 200 "$url/artifacts?q=ADDON.NODE.DEBUG"
  [ "$(page_rows | cut -d'|' -f1-4)" = "addon.node.debug|debuginfo|elf x86_64|build-id $id" ] || fail "by name: $(page_rows)"
  http 200 -G --data-urlencode "q=$id" "$url/artifacts"
  [ "$(page_rows | cut -d'|' -f1,2 | sort | tr '\n' ' ')" = "a<b&.node|executable addon.node.debug|debuginfo " ] || fail "by identity: $(page_rows)"
  grep -q "value=\"$id\"" "$work/body" || fail "the search box does not hold the search"
  http 200 "$url/artifacts?kind=executable"
  [ "$(page_rows | cut -d'|' -f2 | sort -u)" = executable ] && [ "$(page_rows | wc -l)" = 3 ] || fail "by kind: $(page_rows)"
  http 200 "$url/artifacts?format=pdb&q=addon"
  [ "$(page_rows | cut -d'|' -f1,4)" = "addon.pdb|pdb ${pdb_id,,}" ] || fail "by format: $(page_rows)"
  grep -q '<option value="pdb" selected>' "$work/body" || fail "the format is not kept"
  http 200 "$url/artifacts?q=no-such-thing"; grep -q 'No artifacts match' "$work/body" || fail "no match"
  # each download link of a row answers the file
  for f in "$dbg" "$fx/pe/addon.pdb" "$fx/macho/addon-x86_64.node"; do
    http 200 -G --data-urlencode "q=$(basename "$f")" "$url/artifacts"
    page_hrefs >"$work/hrefs"
    n=0
    while read -r href; do
      case $href in ./buildid/* | ./symsrv/*)
        http 200 "$url/${href#./}"; cmp -s "$work/body" "$f" || fail "$href: not the bytes of $f"; n=$((n + 1)) ;;
      esac
    done <"$work/hrefs"
    [ "$n" -ge 1 ] || fail "no download of $f: $(cat "$work/hrefs")"
    grep -q '^./api/v1/artifacts/[0-9]*$' "$work/hrefs" || fail "no JSON link: $(cat "$work/hrefs")"
  done
  grep -q "^./symsrv/_.dwarf/mach-uuid-sym-${uuid_hex,,}/_.dwarf$\|^./symsrv/addon-x86_64.node/mach-uuid-${uuid_hex,,}/addon-x86_64.node$" "$work/hrefs" ||
    fail "the Mach-O's SymSrv link: $(cat "$work/hrefs")"
  # what the page does not offer is refused, on the page
  for q in kind=bogus format=zip page=0 page=x page=1000001 "q=$(head -c 300 /dev/zero | tr '\0' a)"; do
    http 400 "$url/artifacts?$q"
    grep -q 'role="alert"' "$work/body" || fail "$q: no message"
  done
  http 415 -H 'Content-Type: text/plain' --data-binary q=x "$url/artifacts"
  stopped_cleanly ;;
page-artifacts-pages)
  # 50 rows a page, newest first, with links to the next and previous
  # pages that keep the search; kind is matched before the page is cut.
  start; up=$(token upload ci)
  upload 201 "$up" "$dbg"
  node -e 'const fs = require("fs"); const [src, id, dir] = process.argv.slice(1);
    const b = fs.readFileSync(src), old = Buffer.from(id, "hex");
    for (let i = 0; i < 54; i++) {
      const c = Buffer.from(b), nu = Buffer.from(old); nu.writeUInt16BE(i, 0);
      for (let at = c.indexOf(old); at >= 0; at = c.indexOf(old, at + 1)) nu.copy(c, at);
      fs.writeFileSync(`${dir}/copy${i}.node`, c);
    }' "$stripped" "$id" "$work" || fail "the copies"
  for i in $(seq 0 53); do upload 201 "$up" "$work/copy$i.node"; done
  http 200 "$url/artifacts"
  [ "$(page_rows | wc -l)" = 50 ] && [ "$(page_rows | head -1 | cut -d'|' -f1)" = copy53.node ] || fail "page 1: $(page_rows | head -3)"
  grep -q 'Artifacts 1 to 50, and more' "$work/body" || fail "page 1's count"
  next=$(sed -n 's/.*<a rel="next" href="\([^"]*\)".*/\1/p' "$work/body" | sed 's/&amp;/\&/g')
  [ "$next" = "./artifacts?q=&page=2#results" ] || fail "next: $next"
  grep -q 'rel="prev"' "$work/body" && fail "a previous page before the first"
  http 200 "$url/${next#./}"
  [ "$(page_rows | cut -d'|' -f1 | tr '\n' ' ')" = "copy3.node copy2.node copy1.node copy0.node addon.node.debug " ] || fail "page 2: $(page_rows)"
  grep -q 'rel="next"' "$work/body" && fail "a next page after the last"
  grep -q '<a rel="prev" href="./artifacts?q=#results">' "$work/body" || fail "no previous page"
  http 200 "$url/artifacts?kind=debuginfo"
  [ "$(page_rows | cut -d'|' -f1)" = addon.node.debug ] || fail "kind: $(page_rows)"
  http 200 "$url/artifacts?kind=executable&q=copy&page=2"
  [ "$(page_rows | wc -l)" = 4 ] && [ "$(page_rows | tail -1 | cut -d'|' -f1)" = copy0.node ] || fail "kind, page 2: $(page_rows)"
  grep -q '<a rel="prev" href="./artifacts?q=copy&amp;kind=executable#results">' "$work/body" || fail "the previous page drops the search"
  http 200 "$url/artifacts?page=9"; grep -q 'past the last' "$work/body" || fail "past the last page"
  stopped_cleanly ;;
page-artifacts-token)
  # --read-token: the artifacts page lists nothing without the read scope;
  # its token form (POST) lists with a valid token and remembers it when
  # asked; the header and the cookie do as well.
  start --read-token; up=$(token upload ci); rd=$(token read reader)
  upload 201 "$up" "$dbg"
  http 401 "$url/artifacts?q=addon"
  [ "$(page_header WWW-Authenticate)" = Bearer ] || fail "401 without WWW-Authenticate"
  [ -z "$(page_rows)" ] || fail "rows without a token: $(page_rows)"
  grep -q '<form id="token-form" method="post"' "$work/body" && grep -q '<input type="hidden" name="q" value="addon">' "$work/body" ||
    fail "no token form keeping the search"
  http 401 -d q=addon -d token=nsym_1_00 "$url/artifacts"
  [ -z "$(page_rows)" ] || fail "rows with a bad token"
  http 200 -d q=addon -d "token=$rd" "$url/artifacts"
  [ "$(page_rows | cut -d'|' -f1)" = addon.node.debug ] || fail "with the token: $(page_rows)"
  [ -z "$(page_header Set-Cookie)" ] || fail "a cookie without being asked"
  http 200 -H "Authorization: Bearer $rd" "$url/artifacts"
  http 200 -F q=addon -F "token=$rd" -F remember=1 "$url/artifacts"
  cookie=$(page_header Set-Cookie)
  [[ "$cookie" == "napi_symbols_token=$rd; Path=/; "* ]] || fail "cookie: $cookie"
  http 200 -H "Cookie: ${cookie%%;*}" "$url/artifacts?q=addon"
  [ "$(page_rows | cut -d'|' -f1)" = addon.node.debug ] || fail "with the cookie: $(page_rows)"
  stopped_cleanly ;;
page-refused)
  # What the page cannot answer it says on the page, with the status the
  # route would give; the server's log holds no word of the text.
  start
  page_trace >"$work/trace.txt"
  http 422 -d trace=hello "$url/"
  grep -q 'role="alert".*Not symbolicated.</strong> The text holds no crash report' "$work/body" ||
    fail "422: $(grep alert "$work/body")"
  http 422 -F "trace=" "$url/"
  http 415 -H 'Content-Type: text/plain' --data-binary "@$work/trace.txt" "$url/"
  grep -q '/api/v1/symbolicate' "$work/body" || fail "415 says nothing of the route"
  http 400 -H 'Content-Type: multipart/form-data; boundary=zz' --data-binary $'--zz\r\nX: y\r\n\r\nv\r\n--zz--\r\n' "$url/"
  head -c 4194305 /dev/zero | tr '\0' a >"$work/big"
  http 413 -F "trace=<$work/big" "$url/"
  # past the frame limit: five crashes of 1000 frames
  for _ in 1 2 3 4 5; do
    printf 'napi-symbols: crash v1 SIGSEGV\nnapi-symbols: m0 %s a.node\n' "$id"
    for _ in $(seq 50); do printf 'napi-symbols: f'; printf ' m0+10%.0s' $(seq 20); printf '\n'; done
    printf 'napi-symbols: end\n'
  done >"$work/many.txt"
  http 413 --data-urlencode "trace@$work/many.txt" "$url/"
  grep -q 'holds 5000 frames' "$work/body" || fail "413 frames: $(grep alert "$work/body")"
  # the page is never cached, and the form alone is 200
  http 200 "$url/"
  grep -qi '^cache-control: no-store' "$work/head" || fail "cached: $(cat "$work/head")"
  grep -q 'hello\|napi-symbols: m0' "$work/serve.err" && fail "the log holds the text"
  stopped_cleanly ;;
page-token)
  # --read-token: the page asks for a token (401), takes one from its form,
  # remembers it in a cookie only when asked, and drops a cookie whose
  # token was revoked.
  start --read-token
  t=$(token upload ci); upload 201 "$t" "$dbg"; r=$(token read reader)
  page_trace >"$work/trace.txt"
  http 200 "$url/"
  grep -q 'id="token" name="token" type="password"' "$work/body" || fail "no token field"
  http 401 --data-urlencode "trace@$work/trace.txt" "$url/"
  [ "$(page_header WWW-Authenticate)" = Bearer ] || fail "401 without WWW-Authenticate"
  grep -q 'autofocus' "$work/body" || fail "the token field is not focused"
  http 401 --data-urlencode "trace@$work/trace.txt" -d token=nsym_1_00 "$url/"
  http 200 --data-urlencode "trace@$work/trace.txt" -d "token=$r" "$url/"
  [ -z "$(page_header Set-Cookie)" ] || fail "a cookie without being asked"
  http 200 --data-urlencode "trace@$work/trace.txt" -H "Authorization: Bearer $r" "$url/"
  http 200 --data-urlencode "trace@$work/trace.txt" -d "token=$r" -d remember=1 "$url/"
  cookie=$(page_header Set-Cookie)
  [[ "$cookie" == "napi_symbols_token=$r; Path=/; Max-Age="*"; HttpOnly; SameSite=Lax" ]] || fail "cookie: $cookie"
  http 200 -H "Cookie: ${cookie%%;*}" -G --data-urlencode "trace@$work/trace.txt" "$url/"
  page_frames | grep -q '^#0 fib at ' || fail "the cookie's answer: $(page_frames)"
  grep -q "GET / 200 .* reader$" "$work/serve.err" || fail "the log does not name the token"
  "$nsym" token revoke --store "$work/store" reader >/dev/null || fail "revoke"
  http 401 -H "Cookie: ${cookie%%;*}" -G --data-urlencode "trace@$work/trace.txt" "$url/"
  [[ "$(page_header Set-Cookie)" == "napi_symbols_token=; Path=/; Max-Age=0;"* ]] || fail "the cookie was kept"
  stopped_cleanly ;;
page-assets)
  # The page's style sheet and script, compiled in: typed, revalidated by
  # ETag, under the same security headers; the template is not served.
  start
  http 200 "$url/assets/page.css"
  [ "$(page_header Content-Type)" = "text/css; charset=utf-8" ] || fail "css type"
  cmp -s "$work/body" "$(dirname "$0")/../../server/page/page.css" || fail "page.css is not the file"
  etag=$(page_header ETag)
  http 304 -H "If-None-Match: $etag" "$url/assets/page.css"
  http 200 "$url/assets/page.js"
  [ "$(page_header Content-Type)" = "text/javascript; charset=utf-8" ] || fail "js type"
  [ "$(page_header X-Content-Type-Options)" = nosniff ] || fail "js nosniff"
  http 404 "$url/assets/index.html"
  http 404 "$url/assets/%2e%2e/healthz"
  http 404 "$url/assets/"
  http 405 -X POST --data x "$url/assets/page.js"
  stopped_cleanly ;;
*) fail "unknown case" ;;
esac
echo "ok [$case_name]"
