#!/usr/bin/env bash
# The scaled store on real servers: PostgreSQL 15, a one-node Ceph with
# radosgw and haproxy, started by cluster.sh from Debian's packages on free
# loopback ports in a temporary folder, and stopped at the end of the case
# (PostgreSQL and Ceph are the ctest run's shared ones when
# NSYM_SCALE_CLUSTER names them, the case on a database and a bucket of
# its own: cluster.sh):
#   scale-test.sh NAPI_SYMBOLS FIXTURES_DIR CASE
# Exits 77 (skipped) only when the packages cannot be installed.
set -uo pipefail
nsym=$1 fixtures=$2 case_name=$3
here=$(cd "$(dirname "$0")" && pwd)
scale_dir=$(mktemp -d)
work=$scale_dir
fail() {
  echo "FAIL [$case_name]: $*" >&2
  local f
  for f in "$scale_dir"/*.err; do [ -s "$f" ] && { echo "--- $f" >&2; tail -15 "$f" >&2; }; done
  exit 1
}
# shellcheck source=cluster.sh
. "$here/cluster.sh"
# (fd 9 is a case's psql session's input: closed, the session ends)
cleanup() { exec 9>&-; scale_stop; [ -n "${KEEP:-}" ] && echo "kept $scale_dir" >&2 || rm -rf "$scale_dir"; }
trap cleanup EXIT
scale_require
unset DEBUGINFOD_URLS NAPI_SYMBOLS_SERVER NAPI_SYMBOLS_TOKEN

dbg=$fixtures/c/addon.node.debug stripped=$fixtures/c/addon.node.stripped full=$fixtures/c/addon.node
id=$(readelf -n "$full" | awk '/Build ID:/ {print $3}')
[ -n "$id" ] || fail "no build-id in $full"
export DEBUGINFOD_CACHE_PATH=$work/client-cache

# http EXPECTED_STATUS CURL_ARGS...: body in $work/body, headers in $work/head
http() {
  local want=$1; shift
  got=$(curl -s -o "$work/body" -D "$work/head" -w '%{http_code}' "$@")
  [ "$got" = "$want" ] || fail "curl $* gave $got, expected $want: $(head -c 300 "$work/body")"
}
header() { tr -d '\r' <"$work/head" | awk -v h="$1" 'BEGIN{IGNORECASE=1} tolower($1) == tolower(h) ":" {sub(/^[^:]*: /, ""); print}'; }
token() { "$nsym" token create --store "$pg_url" --scope "$1" --name "$2"; }
# upload STATUS URL TOKEN FILE [NAME]
upload() {
  http "$1" -H "Authorization: Bearer $3" --data-binary "@$4" "$2/api/v1/upload?name=${5:-$(basename "$4")}"
}
# variants [--from FILE] N...: copies of the debug file (or FILE) with a
# build-id of their own, in $work/v/N.debug; prints the build-ids
variants() {
  local from=$dbg
  [ "$1" = --from ] && { from=$2; shift 2; }
  mkdir -p "$work/v"; node "$here/variant.js" "$from" "$work/v" "$@" || fail "variant.js"
}
sha_of() { sha256sum <"$1" | cut -d' ' -f1; }
# Background jobs of a case: `&` then `jobs_add`, and `jobs_wait` waits
# for those only (a bare wait would wait for the servers too).
case_jobs=()
jobs_add() { case_jobs+=("$!"); }
jobs_wait() { [ ${#case_jobs[@]} -eq 0 ] || wait "${case_jobs[@]}"; case_jobs=(); }

# Every row's blob exists in the storage and holds the bytes its name says;
# no row names a blob without its own blob row (the foreign keys).
# check_blobs --exist: only that each is there, with its recorded size.
check_blobs() {
  local sha size n=0
  while IFS='|' read -r sha size; do
    [ -n "$sha" ] || continue
    if [ "${1:-}" = --exist ]; then
      s3 -I -o /dev/null -w '%{size_download}' "$s3_endpoint/$bucket/$(blob_key "$sha")" >/dev/null ||
        fail "a row names the missing blob $sha"
    else
      s3 -o "$work/obj" "$s3_endpoint/$bucket/$(blob_key "$sha")" || fail "a row names the missing blob $sha"
      [ "$(sha_of "$work/obj")" = "$sha" ] && [ "$(stat -c %s "$work/obj")" = "$size" ] ||
        fail "the object of $sha holds other bytes"
    fi
    n=$((n + 1))
  done < <(psql_q "SELECT b.sha256, b.size FROM blobs b WHERE b.sha256 IN (SELECT sha256 FROM artifacts UNION SELECT sha256 FROM sources)")
  [ "$(psql_q "SELECT count(*) FROM artifacts a WHERE NOT EXISTS (SELECT 1 FROM blobs b WHERE b.sha256 = a.sha256)")" = 0 ] ||
    fail "artifacts without their blob row"
  checked=$n
}

case $case_name in
two-servers)
  # upload through one server, read through the other, and every header
  # a download has, as the embedded store answers it
  scale_start; scale_serve a; scale_serve b
  t=$(token upload ci) || fail "token create"
  upload 201 "${serve_url[a]}" "$t" "$dbg"
  upload 201 "${serve_url[b]}" "$t" "$stripped" addon.node
  upload 200 "${serve_url[b]}" "$t" "$dbg"; grep -q '"result": "exists"' "$work/body" || fail "second upload: $(cat "$work/body")"
  b=${serve_url[b]} size=$(stat -c %s "$dbg")
  http 200 "$b/buildid/$id/debuginfo"; cmp -s "$work/body" "$dbg" || fail "debuginfo bytes differ"
  [ "$(header Content-Length)" = "$size" ] && [ "$(header X-DEBUGINFOD-SIZE)" = "$size" ] || fail "sizes"
  [ "$(header X-DEBUGINFOD-FILE)" = addon.node.debug ] || fail "X-DEBUGINFOD-FILE"
  etag=$(header ETag); [ "$etag" = "\"$(sha_of "$dbg")\"" ] || fail "ETag '$etag'"
  [ "$(header Cache-Control)" = public ] && [ -n "$(header Last-Modified)" ] || fail "caching headers"
  http 304 -H "If-None-Match: $etag" "$b/buildid/$id/debuginfo"
  http 206 -r 4-11 "$b/buildid/$id/debuginfo"
  cmp -s "$work/body" <(tail -c +5 "$dbg" | head -c 8) || fail "range bytes"
  [ "$(header Content-Range)" = "bytes 4-11/$size" ] || fail "Content-Range $(header Content-Range)"
  http 206 -r -5 "$b/buildid/$id/debuginfo"; cmp -s "$work/body" <(tail -c 5 "$dbg") || fail "suffix range"
  http 416 -r 99999999- "$b/buildid/$id/debuginfo"
  http 200 -I "$b/buildid/$id/debuginfo"
  [ "$(header Content-Length)" = "$size" ] && [ "$(header ETag)" = "$etag" ] || fail "HEAD headers"
  http 200 "${serve_url[a]}/buildid/${id^^}/executable"; cmp -s "$work/body" "$stripped" || fail "executable"
  http 200 "$b/buildid/$id/section/.debug_line"
  objcopy --dump-section .debug_line="$work/section" "$dbg" "$work/discard"
  cmp -s "$work/body" "$work/section" || fail "section bytes"
  http 404 "$b/buildid/${id:0:38}aa/debuginfo"
  http 200 "$b/api/v1/artifacts?q=$id"; grep -q '"kind": "executable"' "$work/body" || fail "list: $(cat "$work/body")"
  http 200 "${serve_url[a]}/metrics"; grep -q "^nsym_store_artifacts 2$" "$work/body" || fail "store gauge"
  check_blobs; [ "$checked" = 2 ] || fail "$checked blobs, expected 2" ;;
same-file)
  # the same bytes through two servers at once: one row, one blob, one
  # 201, the others 200; other bytes under a taken identity: 409 (no
  # symcaches built on upload, whose blobs would count with the uploads')
  scale_start; scale_serve a --symcache-queue 0; scale_serve b --symcache-queue 0; t=$(token upload ci)
  variants 1 2 3 4 5 6 >/dev/null
  for n in 1 2 3 4 5 6; do
    for s in a b a b; do
      curl -s -o "$work/r.$n.$s.$RANDOM" -w '%{http_code}\n' -H "Authorization: Bearer $t" \
        --data-binary "@$work/v/$n.debug" "${serve_url[$s]}/api/v1/upload?name=$n.debug" >>"$work/codes" &
      jobs_add
    done
  done
  jobs_wait
  [ "$(grep -c '^201$' "$work/codes")" = 6 ] && [ "$(grep -c '^200$' "$work/codes")" = 18 ] ||
    fail "expected 6 created and 18 exists: $(sort "$work/codes" | uniq -c | tr '\n' ' ')"
  [ "$(psql_q 'SELECT count(*) FROM artifacts')" = 6 ] && [ "$(psql_q 'SELECT count(*) FROM blobs')" = 6 ] ||
    fail "rows: $(psql_q 'SELECT count(*) FROM artifacts') artifacts, $(psql_q 'SELECT count(*) FROM blobs') blobs"
  # a different file claiming a taken identity
  cp "$work/v/1.debug" "$work/other.debug"; printf 'x' >>"$work/other.debug"
  upload 409 "${serve_url[b]}" "$t" "$work/other.debug"
  check_blobs
  # tokens: a revoke through one server's store holds on every server
  up2=$(token upload second)
  http 201 -H "Authorization: Bearer $up2" --data-binary "@$dbg" "${serve_url[a]}/api/v1/upload"
  "$nsym" token revoke --store "$pg_url" second || fail "revoke"
  for s in a b; do
    http 401 -H "Authorization: Bearer $up2" --data-binary "@$dbg" "${serve_url[$s]}/api/v1/upload"
  done
  "$nsym" token create --store "$pg_url" --scope read --name ci >/dev/null 2>&1 && fail "a duplicate token name"
  # two creates of one name at once through two processes: one wins
  for _ in 1 2 3 4; do
    "$nsym" token create --store "$pg_url" --scope read --name racer >/dev/null 2>&1 &
    jobs_add
  done
  jobs_wait
  [ "$(psql_q "SELECT count(*) FROM tokens WHERE name = 'racer'")" = 1 ] || fail "two tokens named racer" ;;
delete-race)
  # deletes racing downloads: a download that found the row gets the whole
  # bytes (the object outlives the row by delete_grace), later ones 404,
  # never other bytes, never a 5xx; the same bytes uploaded again right
  # after a delete are stored and served
  scale_start
  blobs_url="$blobs_url&delete_grace=30"
  scale_serve a; scale_serve b; t=$(token admin boss)
  head -c 3M /dev/urandom >"$work/pad"
  objcopy --add-section .napi_pad="$work/pad" "$dbg" "$work/big.debug" || fail "objcopy"
  big=$(readelf -n "$work/big.debug" | awk '/Build ID:/ {print $3}')
  for round in 1 2 3 4 5; do
    upload 201 "${serve_url[a]}" "$t" "$work/big.debug"
    row=$(psql_q "SELECT id FROM artifacts WHERE key = '$big'")
    for n in 1 2 3 4 5 6; do
      curl -s -o "$work/d.$round.$n" -w "%{http_code}\n" --limit-rate 4M "${serve_url[b]}/buildid/$big/debuginfo" >"$work/c.$round.$n" &
      jobs_add
    done
    http 200 -X DELETE -H "Authorization: Bearer $t" "${serve_url[a]}/api/v1/artifacts/$row"
    jobs_wait
    for n in 1 2 3 4 5 6; do
      case $(cat "$work/c.$round.$n") in
      200) cmp -s "$work/d.$round.$n" "$work/big.debug" || fail "round $round: a 200 with other bytes" ;;
      404) ;;
      *) fail "round $round: a download answered $(cat "$work/c.$round.$n")" ;;
      esac
    done
    http 404 "${serve_url[b]}/buildid/$big/debuginfo"
  done
  # the object stayed for the downloads, listed as garbage
  sha=$(sha_of "$work/big.debug")
  [ "$(psql_q "SELECT count(*) FROM blob_garbage WHERE sha256 = '$sha'")" = 1 ] || fail "not listed as garbage"
  s3 -o /dev/null "$s3_endpoint/$bucket/$(blob_key "$sha")" || fail "the object went before its grace"
  upload 201 "${serve_url[b]}" "$t" "$work/big.debug"
  # (its blob; the symcaches the rounds built on upload went with their
  # artifacts, and their blobs are garbage as they should be)
  [ "$(psql_q "SELECT count(*) FROM blob_garbage WHERE sha256 = '$sha'")" = 0 ] ||
    fail "an upload left its blob listed as garbage"
  http 200 "${serve_url[a]}/buildid/$big/debuginfo"; cmp -s "$work/body" "$work/big.debug" || fail "after upload"
  check_blobs ;;
kill-server)
  # SIGKILL one of two servers behind haproxy in the middle of uploads, in
  # a bounded loop: reads through haproxy never fail, and after each
  # restart every row's blob is in the storage with its bytes
  scale_start; scale_serve a; scale_serve b; scale_haproxy_start a b
  t=$(token upload ci)
  upload 201 "$lb_url" "$t" "$dbg"
  head -c 2M /dev/urandom >"$work/pad"
  objcopy --add-section .napi_pad="$work/pad" "$dbg" "$work/big.debug" || fail objcopy
  variants --from "$work/big.debug" 11 12 13 14 21 22 23 24 31 32 33 34 >/dev/null
  ( # reads: until told to stop, at most 60 s
    end=$((SECONDS + 60))
    while [ ! -e "$work/stop-reading" ] && [ $SECONDS -lt $end ]; do
      c=$(curl -s -o "$work/read" -w '%{http_code}' "$lb_url/buildid/$id/debuginfo")
      if [ "$c" != 200 ] || ! cmp -s "$work/read" "$dbg"; then echo "read answered $c" >>"$work/read-failures"; fi
      echo >>"$work/reads"
    done
  ) &
  reader=$!
  for round in 1 2 3; do
    uploads=()
    for n in 1 2 3 4; do
      v=$((round * 10 + n))
      curl -s -o /dev/null --max-time 30 --limit-rate 2M -H "Authorization: Bearer $t" \
        --data-binary "@$work/v/$v.debug" "$lb_url/api/v1/upload?name=$v.debug" &
      uploads+=($!)
    done
    # until the servers have begun storing uploads
    wait_for 10 "an upload under way" sh -c "ls '$scale_dir'/tmp/napi-symbols-upload.* 2>/dev/null | grep -q ."
    kill -KILL "${serve_pid[a]}"
    wait "${serve_pid[a]}" 2>/dev/null
    wait "${uploads[@]}"
    check_blobs --exist
    scale_serve a
    grep -q "unfinished upload" "$scale_dir/a.err" || true
  done
  touch "$work/stop-reading"; wait "$reader"
  [ ! -e "$work/read-failures" ] || fail "reads failed: $(sort "$work/read-failures" | uniq -c | tr '\n' ' ')"
  check_blobs
  echo "$(wc -l <"$work/reads") reads through haproxy, none failed; $checked blobs whole after 3 kills" ;;
postgres-restart)
  # PostgreSQL restarted under load: clear 503s while it is down (never a
  # 404, which a debuginfod client remembers, nor a 401 for a good token),
  # none once it is back
  scale_start --own; scale_serve a; t=$(token upload ci); a=${serve_url[a]}
  upload 201 "$a" "$t" "$dbg"
  load() { # PHASE: reads and token'd reads until $work/stop
    while [ ! -e "$work/stop" ]; do
      curl -s -o /dev/null -w "%{http_code}\n" "$a/buildid/$id/debuginfo" >>"$work/$1"
      curl -s -o /dev/null -w "%{http_code}\n" -H "Authorization: Bearer $t" "$a/buildid/$id/debuginfo" >>"$work/$1"
    done
  }
  load before & l=$!; sleep 1; touch "$work/stop"; wait $l; rm "$work/stop"
  scale_pg_ctl stop
  load down & l=$!
  http 503 -H "Authorization: Bearer $t" --data-binary "@$stripped" "$a/api/v1/upload"
  grep -q "try again" "$work/body" || fail "the 503 does not say to try again: $(cat "$work/body")"
  http 503 "$a/healthz"
  sleep 1; touch "$work/stop"; wait $l; rm "$work/stop"
  scale_pg_ctl start
  load after & l=$!; sleep 2; touch "$work/stop"; wait $l
  [ "$(sort -u "$work/before")" = 200 ] || fail "before: $(sort "$work/before" | uniq -c | tr '\n' ' ')"
  [ "$(sort -u "$work/down")" = 503 ] || fail "while down: $(sort "$work/down" | uniq -c | tr '\n' ' ')"
  [ "$(sort -u "$work/after")" = 200 ] || fail "once back: $(sort "$work/after" | uniq -c | tr '\n' ' ')"
  echo "reads: $(wc -l <"$work/before") before, $(wc -l <"$work/down") while down (all 503), $(wc -l <"$work/after") after"
  upload 201 "$a" "$t" "$stripped" addon.node
  grep -q "cannot connect to PostgreSQL" "$scale_dir/a.err" || fail "the log does not say why"
  check_blobs ;;
s3-down)
  # the blob storage unreachable: uploads fail clearly, reads answer 503
  # (never 404), nothing is half-stored; all is well once it is back
  scale_start --own; scale_serve a; t=$(token upload ci); a=${serve_url[a]}
  upload 201 "$a" "$t" "$dbg"
  variants 5 >/dev/null
  scale_rgw_stop
  http 503 "$a/buildid/$id/debuginfo"
  http 503 -I "$a/buildid/$id/debuginfo"
  http 503 "$a/buildid/$id/section/.debug_line"
  http 404 "$a/buildid/${id:0:38}aa/debuginfo" # a real miss is still one: the rows say so
  upload 503 "$a" "$t" "$work/v/5.debug"
  grep -q "try again" "$work/body" || fail "the upload's 503: $(cat "$work/body")"
  grep -q "blob storage PUT .*: Couldn't connect\|blob storage HEAD" "$scale_dir/a.err" || fail "the log does not say why"
  [ "$(psql_q 'SELECT count(*) FROM artifacts')" = 1 ] || fail "a row without its blob"
  scale_rgw_start
  http 200 "$a/buildid/$id/debuginfo"; cmp -s "$work/body" "$dbg" || fail "bytes after"
  upload 201 "$a" "$t" "$work/v/5.debug"
  check_blobs; [ "$checked" = 2 ] || fail "$checked blobs" ;;
blob-cache)
  # a blob streamed whole is kept on this machine ($TMPDIR/napi-symbols-blobs,
  # serve --blob-cache-size), checked by its hash, and answered from there:
  # with the storage down it still answers, whole, in ranges and to HEAD,
  # while one never read answers 503 as before. Bytes the storage sends
  # that do not hash to the blob's name are not kept.
  scale_start --own; scale_serve a; t=$(token upload ci); a=${serve_url[a]}
  kept=$scale_dir/tmp/napi-symbols-blobs
  upload 201 "$a" "$t" "$dbg"; upload 201 "$a" "$t" "$stripped" addon.node
  http 206 -r 0-99 "$a/buildid/$id/debuginfo" # a part is not kept
  [ -z "$(ls -A "$kept")" ] || fail "a range was kept: $(ls -A "$kept")"
  http 200 "$a/buildid/$id/debuginfo"; cmp -s "$work/body" "$dbg" || fail "bytes streamed"
  [ -f "$kept/$(sha_of "$dbg")" ] && cmp -s "$kept/$(sha_of "$dbg")" "$dbg" || fail "not kept: $(ls -A "$kept")"
  scale_rgw_stop
  http 200 "$a/buildid/$id/debuginfo"; cmp -s "$work/body" "$dbg" || fail "bytes kept"
  [ "$(header ETag)" = "\"$(sha_of "$dbg")\"" ] || fail "ETag: $(header ETag)"
  http 206 -r 100-199 "$a/buildid/$id/debuginfo"
  cmp -s "$work/body" <(tail -c +101 "$dbg" | head -c 100) || fail "range of the kept copy"
  http 200 -I "$a/buildid/$id/debuginfo"
  [ "$(header Content-Length)" = "$(stat -c %s "$dbg")" ] || fail "HEAD: $(cat "$work/head")"
  http 503 "$a/buildid/$id/executable" # never read: the storage is asked
  scale_rgw_start
  # the executable's object replaced, behind the store, by as many other bytes
  head -c "$(stat -c %s "$stripped")" /dev/urandom >"$work/other"
  s3 -T "$work/other" "$s3_endpoint/$bucket/$(blob_key "$(sha_of "$stripped")")" || fail "PUT over the object"
  http 200 "$a/buildid/$id/executable"
  [ ! -e "$kept/$(sha_of "$stripped")" ] || fail "other bytes kept under the blob's name"
  grep -q "sent bytes hashing to $(sha_of "$work/other") for blob $(sha_of "$stripped"); not kept" "$scale_dir/a.err" ||
    fail "not logged: $(tail -5 "$scale_dir/a.err")"
  # none kept with --blob-cache-size 0
  scale_serve b --blob-cache-size 0; rm -rf "$kept"
  http 200 "${serve_url[b]}/buildid/$id/debuginfo"; cmp -s "$work/body" "$dbg" || fail "bytes without a cache"
  [ ! -e "$kept" ] || fail "kept with --blob-cache-size 0: $(ls -A "$kept")" ;;
gdb-haproxy)
  # gdb and debuginfod-find through haproxy, as the embedded store's tests
  scale_start; scale_serve a; scale_serve b; scale_haproxy_start a b; t=$(token upload ci)
  upload 201 "$lb_url" "$t" "$dbg"; upload 201 "$lb_url" "$t" "$stripped" addon.node
  export DEBUGINFOD_URLS=$lb_url
  f=$(debuginfod-find debuginfo "$id") || fail "debuginfod-find debuginfo"
  cmp -s "$f" "$dbg" || fail "debuginfod-find debuginfo: bytes differ"
  f=$(debuginfod-find executable "$id") || fail "debuginfod-find executable"
  cmp -s "$f" "$stripped" || fail "debuginfod-find executable: bytes differ"
  debuginfod-find debuginfo 0123456789abcdef0123456789abcdef01234567 2>/dev/null && fail "a miss was found"
  mkdir "$work/app"; cp "$stripped" "$work/app/addon.node"
  want=$(gdb -batch -nx -ex 'info line checksum_bytes' "$full" 2>&1 | grep '^Line')
  got=$(gdb -batch -nx -iex 'set debuginfod enabled on' -ex 'info line checksum_bytes' "$work/app/addon.node" 2>&1 | grep '^Line')
  [ -n "$want" ] && [ "$got" = "$want" ] || fail "gdb through haproxy: '$got', expected '$want'"
  grep -q "GET /buildid/$id/debuginfo 200" "$scale_dir/a.err" "$scale_dir/b.err" || fail "not served by ours" ;;
migrations)
  # servers starting together migrate once, from a database of the schema
  # before packages (sql/postgres/001 and 002, as shipped) whose rows then
  # show no package; a newer database is refused
  scale_start
  sha=$(printf '%064d' 1)
  psql_q "$(cat "$here"/../../sql/postgres/00[12]_*.sql)
    CREATE TABLE napi_symbols_schema (version integer NOT NULL);
    INSERT INTO napi_symbols_schema VALUES (2);
    INSERT INTO blobs VALUES ('$sha', 1, 1);
    INSERT INTO artifacts (key, id_kind, kind, format, arch, name, sha256, created, uploaded_by)
      VALUES ('$id', 'build-id', 'debuginfo', 'elf', 'x86_64', decode('6f6c64', 'hex'), '$sha', 1, 'ci');" >/dev/null ||
    fail "the old database"
  for s in a b c; do
    "$nsym" serve --store "$pg_url" --blobs "$blobs_url" --listen 127.0.0.1:0 >"$work/$s.out" 2>"$work/$s.err" &
    serve_pid[$s]=$!
  done
  for s in a b c; do
    wait_for 20 "server $s listening" grep -q "^listening on" "$work/$s.out"
  done
  [ "$(psql_q 'SELECT version FROM napi_symbols_schema')" = 3 ] || fail "schema version"
  [ "$(psql_q 'SELECT count(*) FROM napi_symbols_schema')" = 1 ] || fail "several version rows"
  http 200 "$(sed -n 's/^listening on //p' "$work/a.out")/api/v1/artifacts"
  grep -q '"name": "old", .*"package": null}' "$work/body" || fail "the old row: $(cat "$work/body")"
  for s in a b c; do kill "${serve_pid[$s]}"; wait "${serve_pid[$s]}"; done
  psql_q 'UPDATE napi_symbols_schema SET version = 99' >/dev/null
  "$nsym" serve --store "$pg_url" --blobs "$blobs_url" --listen 127.0.0.1:0 >"$work/new.out" 2>"$work/new.err"
  [ $? = 1 ] || fail "a newer database was not refused"
  grep -q "schema version 99, newer than this program knows" "$work/new.err" || fail "message: $(cat "$work/new.err")"
  if "$nsym" token create --store "$pg_url" --scope read 2>/dev/null; then
    fail "token create on a newer database"
  fi ;;
secrets)
  # credentials come from the environment and are shown nowhere: not by
  # --help, not in the log, not in an error
  scale_start
  "$nsym" serve --help >"$work/help.out" 2>&1
  for s in "$PGPASSWORD" "$AWS_SECRET_ACCESS_KEY"; do
    grep -qF -- "$s" "$work/help.out" && fail "--help shows a secret"
  done
  scale_serve a; t=$(token upload ci)
  upload 201 "${serve_url[a]}" "$t" "$dbg"
  kill "${serve_pid[a]}"; wait "${serve_pid[a]}"
  # a wrong password, and the password in the URL: refused, not quoted
  PGPASSWORD=wrong-$PGPASSWORD "$nsym" serve --store "$pg_url" --blobs "$blobs_url" >"$work/w.out" 2>"$work/w.err"
  grep -q "cannot connect to PostgreSQL" "$work/w.err" || fail "wrong password: $(cat "$work/w.err")"
  secret_url=${pg_url/nsym@/nsym:url-secret-$RANDOM@}
  "$nsym" serve --store "$secret_url" >"$work/u.out" 2>"$work/u.err"; [ $? = 129 ] || fail "no --blobs"
  PGPASSWORD= "$nsym" serve --store "$secret_url" --blobs "$blobs_url" >"$work/u.out" 2>"$work/u.err"
  grep -q "password authentication failed" "$work/u.err" || fail "a wrong password in the URL: $(cat "$work/u.err")"
  PGPASSWORD= "$nsym" serve --store "${pg_url/nsym@/nsym:$PGPASSWORD@}" --blobs "$blobs_url" \
    --listen 127.0.0.1:0 >"$work/r.out" 2>"$work/r.err" &
  p=$!; serve_pid[p$p]=$p; wait_for 20 "a server on a URL with the password" grep -q '^listening' "$work/r.out"
  http 200 "$(sed -n 's/^listening on //p' "$work/r.out")/buildid/$id/debuginfo"; kill $p; wait $p
  AWS_SECRET_ACCESS_KEY=not-$AWS_SECRET_ACCESS_KEY "$nsym" serve --store "$pg_url" --blobs "$blobs_url" \
    --listen 127.0.0.1:0 >"$work/k.out" 2>"$work/k.err" &
  p=$!; serve_pid[p$p]=$p; wait_for 20 "a server with a wrong key" grep -q '^listening' "$work/k.out"
  http 503 -H "Authorization: Bearer $t" --data-binary "@$stripped" "$(sed -n 's/^listening on //p' "$work/k.out")/api/v1/upload"
  kill $p; wait $p
  grep -q SignatureDoesNotMatch "$work/k.err" || fail "a wrong key is not named: $(cat "$work/k.err")"
  env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY "$nsym" serve --store "$pg_url" --blobs "$blobs_url" 2>"$work/n.err"
  grep -q "set AWS_ACCESS_KEY_ID" "$work/n.err" || fail "no credentials: $(cat "$work/n.err")"
  # the keys from files
  echo "$AWS_ACCESS_KEY_ID" >"$work/id"; echo "$AWS_SECRET_ACCESS_KEY" >"$work/key"
  env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_ACCESS_KEY_ID_FILE="$work/id" \
    AWS_SECRET_ACCESS_KEY_FILE="$work/key" "$nsym" serve --store "$pg_url" --blobs "$blobs_url" \
    --listen 127.0.0.1:0 >"$work/f.out" 2>"$work/f.err" &
  p=$!; serve_pid[p$p]=$p; wait_for 20 "a server with keys in files" grep -q '^listening' "$work/f.out"
  http 200 "$(sed -n 's/^listening on //p' "$work/f.out")/buildid/$id/debuginfo"; kill $p; wait $p
  for f in "$scale_dir"/*.err "$scale_dir"/*.out; do
    for s in "$PGPASSWORD" "$AWS_SECRET_ACCESS_KEY" url-secret; do
      grep -qF -- "$s" "$f" && fail "$f shows a secret"
    done
  done
  true ;;
multipart)
  # a file larger than a part goes in parts; what is stored is whole, and
  # no unfinished multipart upload stays behind
  scale_start
  blobs_url="$blobs_url&part_size=5M"
  scale_serve a --max-upload 64M; t=$(token upload ci)
  head -c 12M /dev/urandom >"$work/pad"
  objcopy --add-section .napi_pad="$work/pad" "$dbg" "$work/big.debug" || fail "objcopy"
  big=$(readelf -n "$work/big.debug" | awk '/Build ID:/ {print $3}')
  upload 201 "${serve_url[a]}" "$t" "$work/big.debug"
  sha=$(sha_of "$work/big.debug")
  s3 -o "$work/obj" "$s3_endpoint/$bucket/$(blob_key "$sha")" || fail "no object"
  cmp -s "$work/obj" "$work/big.debug" || fail "the object differs"
  s3 "$s3_endpoint/$bucket?uploads=" >"$work/uploads" || fail "list uploads"
  grep -q "<Upload>" "$work/uploads" && fail "unfinished multipart uploads: $(cat "$work/uploads")"
  http 200 "${serve_url[a]}/buildid/$big/debuginfo"; cmp -s "$work/body" "$work/big.debug" || fail "download"
  http 206 -r 10000000-10000099 "${serve_url[a]}/buildid/$big/debuginfo"
  cmp -s "$work/body" <(tail -c +10000001 "$work/big.debug" | head -c 100) || fail "range across parts"
  check_blobs ;;
redirect)
  # --blob-reads redirect: a GET is a 302 to a presigned URL that radosgw
  # accepts; HEAD, If-None-Match and the headers are still the server's
  scale_start; scale_serve a --blob-reads redirect; t=$(token upload ci); a=${serve_url[a]}
  upload 201 "$a" "$t" "$dbg"
  http 302 "$a/buildid/$id/debuginfo"
  loc=$(header Location); [[ "$loc" == "$s3_endpoint/$bucket/"*X-Amz-Signature=* ]] || fail "Location '$loc'"
  [ "$(header ETag)" = "\"$(sha_of "$dbg")\"" ] && [ "$(header X-DEBUGINFOD-SIZE)" = "$(stat -c %s "$dbg")" ] ||
    fail "redirect headers"
  http 200 "$loc"; cmp -s "$work/body" "$dbg" || fail "the presigned URL's bytes"
  http 403 "${loc/X-Amz-Expires=300/X-Amz-Expires=301}" # the signature covers it
  http 200 -L "$a/buildid/$id/debuginfo"; cmp -s "$work/body" "$dbg" || fail "followed"
  http 206 -L -r 4-11 "$a/buildid/$id/debuginfo"; cmp -s "$work/body" <(tail -c +5 "$dbg" | head -c 8) || fail "range"
  http 200 -I "$a/buildid/$id/debuginfo"; [ "$(header Content-Length)" = "$(stat -c %s "$dbg")" ] || fail "HEAD"
  http 304 -H "If-None-Match: \"$(sha_of "$dbg")\"" "$a/buildid/$id/debuginfo"
  export DEBUGINFOD_URLS=$a
  f=$(debuginfod-find debuginfo "$id") || fail "debuginfod-find through the redirect"
  cmp -s "$f" "$dbg" || fail "debuginfod-find bytes" ;;
store-migrate)
  # an embedded store moved into the scaled one: everything served as before,
  # every token still good; resumed after the storage went away; run again,
  # nothing copied twice; a damaged file is not copied
  scale_start --own
  local_dir=$work/embedded
  up=$("$nsym" token create --store "$local_dir" --scope upload --name ci) || fail "token create"
  rd=$("$nsym" token create --store "$local_dir" --scope read --name reader)
  "$nsym" token create --store "$local_dir" --scope read --name gone >/dev/null
  "$nsym" token revoke --store "$local_dir" gone || fail "revoke"
  "$nsym" serve --store "$local_dir" --listen 127.0.0.1:0 >"$work/e.out" 2>"$work/e.err" &
  serve_pid[e]=$!
  wait_for 20 "the embedded server" grep -q '^listening' "$work/e.out"
  e=$(sed -n 's/^listening on //p' "$work/e.out")
  variants 1 2 >/dev/null
  upload 201 "$e" "$up" "$dbg" 'addon.node.debug&package=@scope/addon-linux-x64-gnu@1.0.0'
  upload 201 "$e" "$up" "$stripped" addon.node
  upload 201 "$e" "$up" "$work/v/1.debug"; upload 201 "$e" "$up" "$work/v/2.debug"
  src=$here/variant.js # any file: a source of the fixture's build
  http 201 -H "Authorization: Bearer $up" --data-binary "@$src" --url-query "buildid=$id" \
    --url-query "path=/build/variant.js" "$e/api/v1/upload/source"
  kill "${serve_pid[e]}"; wait "${serve_pid[e]}"
  # damage the second variant's file: its hash no longer matches its name
  sha2=$(sha_of "$work/v/2.debug")
  printf 'X' | dd of="$local_dir/blobs/sha256/${sha2:0:2}/${sha2:2}" bs=1 seek=100 conv=notrunc status=none
  # the storage away: stops, says why and how to go on
  scale_rgw_stop
  "$nsym" store migrate --from "$local_dir" --to "$pg_url" --blobs "$blobs_url" >"$work/m1.out" 2>"$work/m1.err"
  [ $? = 1 ] && grep -q "run it again to resume" "$work/m1.err" || fail "with the storage away: $(cat "$work/m1.err")"
  scale_rgw_start
  "$nsym" store migrate --from "$local_dir" --to "$pg_url" --blobs "$blobs_url" >"$work/m2.out" 2>"$work/m2.err"
  [ $? = 1 ] || fail "a damaged blob was not reported: $(cat "$work/m2.out" "$work/m2.err")"
  grep -q "^tokens: 0 copied, 3 there already" "$work/m2.out" || fail "tokens: $(cat "$work/m2.out")"
  grep -q "^artifacts: 3 copied, 0 there already, 0 left alone" "$work/m2.out" || fail "artifacts: $(cat "$work/m2.out")"
  grep -q "^sources: 1 copied" "$work/m2.out" || fail "sources: $(cat "$work/m2.out")"
  grep -q ", 1 damaged in the source" "$work/m2.out" && grep -q "blob $sha2 of the source store holds other bytes" "$work/m2.err" ||
    fail "damage: $(cat "$work/m2.out" "$work/m2.err")"
  # again: nothing to copy (the damaged one stays behind)
  "$nsym" store migrate --from "$local_dir" --to "$pg_url" --blobs "$blobs_url" >"$work/m3.out" 2>"$work/m3.err"
  grep -q "^artifacts: 0 copied, 3 there already" "$work/m3.out" && grep -q "^blobs: 0 copied" "$work/m3.out" ||
    fail "a second run copied: $(cat "$work/m3.out")"
  scale_serve a; a=${serve_url[a]}
  http 200 "$a/buildid/$id/debuginfo"; cmp -s "$work/body" "$dbg" || fail "debuginfo"
  http 200 "$a/buildid/$id/executable"; cmp -s "$work/body" "$stripped" || fail "executable"
  http 200 "$a/buildid/$id/source/build/variant.js"; cmp -s "$work/body" "$src" || fail "source"
  # the package came with its row, and the rows without one have none
  http 200 "$a/api/v1/artifacts?package=@scope/addon-linux-x64-gnu@1.0.0"
  [ "$(grep -c '"package": "@scope/addon-linux-x64-gnu@1.0.0"' "$work/body")" = 1 ] &&
    grep -q '"kind": "debuginfo"' "$work/body" || fail "the package: $(cat "$work/body")"
  http 200 "$a/api/v1/artifacts?q=$id"
  [ "$(grep -c '"package": null' "$work/body")" = 1 ] || fail "no package: $(cat "$work/body")"
  v2=$(readelf -n "$work/v/2.debug" | awk '/Build ID:/ {print $3}')
  http 404 "$a/buildid/$v2/debuginfo"
  # the tokens are the same tokens
  variants 3 >/dev/null; upload 201 "$a" "$up" "$work/v/3.debug"
  http 403 -H "Authorization: Bearer $rd" --data-binary "@$dbg" "$a/api/v1/upload"
  new=$(token upload after) || fail "a token after the copied ones"
  [ "${new#nsym_}" != "${new#nsym_4_}" ] || fail "the next token id is not 4: ${new%%_*}_…"
  "$nsym" token list --store "$pg_url" | grep -q '^gone .* revoked$' || fail "the revoked token"
  check_blobs ;;
symcache-once|symcache-once-kill)
  # the same unbuilt symcache asked of two servers at once: one build in
  # all, the other server waits for it and answers from it. A session of
  # the test holds the symcaches table, so that the first build stops at
  # its row until both requests are in; then there must be one build under
  # way, the other server's request waiting (in PostgreSQL) for it. In the
  # kill case the builder is SIGKILLed there: its lock goes with its
  # connection, and the other server builds.
  scale_start; scale_serve a --symcache-queue 0; scale_serve b --symcache-queue 0
  t=$(token upload ci) || fail "token create"
  upload 201 "${serve_url[a]}" "$t" "$dbg"
  mkfifo "$work/hold"
  as_pg env PGPASSWORD="$PGPASSWORD" "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U nsym -d "$pg_db" \
    -Atq <"$work/hold" >"$work/hold.out" 2>&1 &
  holder=$!
  exec 9>"$work/hold"
  echo "BEGIN; LOCK TABLE symcaches IN EXCLUSIVE MODE;" >&9
  held() { [ "$(psql_q "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'symcaches' AND l.mode = 'ExclusiveLock' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())")" = 1 ]; }
  waiting() { [ "$(psql_q "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND application_name = 'napi-symbols serve' AND datname = current_database()")" = "$1" ]; }
  building() { cat "$scale_dir/a.err" "$scale_dir/b.err" | grep -c "building the symcache of $id"; }
  wait_for 10 "the symcaches table held" held
  curl -s --max-time 60 -o "$work/sc.a" -w '%{http_code}' "${serve_url[a]}/buildid/$id/symcache" >"$work/code.a" &
  first=$!
  wait_for 20 "server a's build at its row" waiting 1
  curl -s --max-time 60 -o "$work/sc.b" -w '%{http_code}' "${serve_url[b]}/buildid/$id/symcache" >"$work/code.b" &
  second=$!
  wait_for 20 "server b's request waiting" waiting 2
  [ "$(building)" = 1 ] || fail "$(building) builds under way: $(grep -h "symcache of" "$scale_dir/a.err" "$scale_dir/b.err")"
  if [ "$case_name" = symcache-once-kill ]; then
    kill -KILL "${serve_pid[a]}"; wait "${serve_pid[a]}" 2>/dev/null
  fi
  echo "COMMIT;" >&9; exec 9>&-; wait "$holder"
  wait "$first" "$second"
  built() { curl -s "$1/metrics" | awk '$1 == "nsym_symcache_builds_total{result=\"built\"}" {print $2}'; }
  [ "$(cat "$work/code.b")" = 200 ] || fail "server b answered $(cat "$work/code.b"): $(head -c 300 "$work/sc.b")"
  if [ "$case_name" = symcache-once ]; then
    [ "$(cat "$work/code.a")" = 200 ] || fail "server a answered $(cat "$work/code.a")"
    cmp -s "$work/sc.a" "$work/sc.b" || fail "the two servers answer different symcaches"
    n=$(( $(built "${serve_url[a]}") + 0 + $(built "${serve_url[b]}") + 0 ))
  else
    n=$(( $(built "${serve_url[b]}") + 0 ))
  fi
  [ "$n" = 1 ] || fail "$n builds, expected 1: $(grep -h "symcache of" "$scale_dir/a.err" "$scale_dir/b.err")"
  # what was built is the symcache of the debug file, and the one the store names
  sha=$(psql_q "SELECT sha256 FROM symcaches WHERE key = '$id'")
  [ "$(sha_of "$work/sc.b")" = "$sha" ] || fail "server b's answer is not the stored symcache"
  [ "$(psql_q "SELECT count(*) FROM symcaches")" = 1 ] || fail "symcache rows"
  check_blobs ;;
*)
  fail "no such case" ;;
esac
