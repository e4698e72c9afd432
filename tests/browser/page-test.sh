#!/usr/bin/env bash
# The web page in a real browser: Debian's chromium, headless, driven by
# playwright-core (page.js) against the real server on a loopback port,
# with a crash the suite makes: node with the hook preloaded crashes in the
# stripped C fixture addon, whose debug file the server holds. page.js
# checks that the page shows the source lines `napi-symbols symbolicate`
# prints for the same crash, and saves screenshots into OUTDIR.
#   page-test.sh NAPI_SYMBOLS HOOK_SO FIXTURES_DIR CASE OUTDIR
# Environment: NSYM_NODE, NSYM_CHROMIUM (the browser's path).
set -uo pipefail
nsym=$(realpath "$1") hook=$(realpath "$2") fixtures=$(realpath "$3") case_name=$4 outdir=$5
here=$(cd "$(dirname "$0")" && pwd)
node=${NSYM_NODE:-node}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL [$case_name]: $*" >&2; [ -f "$work/serve.err" ] && tail -5 "$work/serve.err" >&2; exit 1; }
unset NAPI_SYMBOLS_SERVER NAPI_SYMBOLS_TOKEN DEBUGINFOD_URLS
export DEBUGINFOD_CACHE_PATH=$work/cache XDG_CACHE_HOME=$work/xdg
[ -f "$here/node_modules/playwright-core/package.json" ] ||
  fail "playwright-core is not installed: run 'npm ci' in tests/browser (scripts/install-deps.sh does)"
mkdir -p "$outdir" && outdir=$(realpath "$outdir")
rm -f "$outdir"/*.png

# start [SERVE OPTIONS]: the server over $work/store on 127.0.0.1:0, ready
# when /healthz answers; sets $url, and $utoken to an upload token.
start() {
  utoken=$("$nsym" token create --store "$work/store" --scope upload --name ci) || fail "token"
  "$nsym" serve --store "$work/store" --listen 127.0.0.1:0 "$@" >"$work/serve.out" 2>"$work/serve.err" &
  pids+=($!)
  for _ in $(seq 100); do
    url=$(sed -n 's/^listening on //p' "$work/serve.out")
    [ -n "$url" ] && curl -sf -H "Authorization: Bearer $utoken" "$url/healthz" >/dev/null && return 0
    sleep 0.1
  done
  fail "the server did not start: $(cat "$work/serve.err")"
}

# crash: node with the hook crashes in the stripped addon (as
# tests/hook/hook-test.sh runs it), with the server set; the report in
# $work/report.json, the compact trace in $work/trace.txt and the link the
# hook printed in $work/link.
crash() {
  mkdir -p "$work/proj" "$work/reports"
  cp "$fixtures/c/addon.node.stripped" "$work/proj/addon.node"
  (cd "$work/proj" && env LD_PRELOAD="$hook" NAPI_SYMBOLS_SYMBOLICATE=0 NAPI_SYMBOLS_SERVER="$url" \
    NAPI_SYMBOLS_REPORT_DIR="$work/reports" timeout 60 "$node" -e "require('./addon.node').crash()") \
    >/dev/null 2>"$work/node.err"
  cp "$(find "$work/reports" -name 'napi-crash-*.json' | head -n 1)" "$work/report.json" 2>/dev/null ||
    fail "the hook wrote no report: $(cat "$work/node.err")"
  grep '^napi-symbols: ' "$work/node.err" >"$work/trace.txt"
  sed -n 's/^symbolicated: //p' "$work/node.err" >"$work/link"
  [ "$(wc -l <"$work/link")" = 1 ] || fail "the hook printed no link: $(cat "$work/node.err")"
}

# expect FILE [ARGS]: what `symbolicate` prints for FILE with the server's
# debug files alone, which the page must show, in $work/symbolicated. A
# report's module paths are moved out of reach first, so that node and
# libc are not read from this machine, where the server cannot.
expect() {
  local file=$1
  if [[ "$file" == *.json ]]; then
    "$node" -e 'const fs = require("fs"); const r = JSON.parse(fs.readFileSync(process.argv[1]));
      for (const m of r.modules) m.path = "/elsewhere" + m.path;
      fs.writeFileSync(process.argv[2], JSON.stringify(r));' "$file" "$work/elsewhere.json" ||
      fail "cannot edit the report"
    file=$work/elsewhere.json
  fi
  "$nsym" symbolicate --local --server "$url" "${@:2}" "$file" >"$work/symbolicated" 2>"$work/sym.err" ||
    fail "symbolicate $file: $(cat "$work/sym.err")"
  grep -q 'addon.c:' "$work/symbolicated" || fail "symbolicate found no source line: $(cat "$work/symbolicated")"
}

# drive CASE: page.js against the server
drive() {
  NSYM_URL=$url NSYM_WORK=$work NSYM_OUT=$outdir NSYM_CHROMIUM=${NSYM_CHROMIUM:-/usr/bin/chromium} \
    NSYM_PW=$here/node_modules/playwright-core timeout 100 "$node" "$here/page.js" "$1" ||
    fail "page.js $1 failed"
}

case $case_name in
report | link | no-js | keyboard | hostile)
  start
  "$nsym" upload -q --server "$url" --token "$utoken" "$fixtures/c/addon.node.debug" >"$work/up" 2>&1 ||
    fail "upload: $(cat "$work/up")"
  crash
  case $case_name in
  keyboard) expect "$work/trace.txt" -s ;;
  *) expect "$work/report.json" ;;
  esac
  drive "$case_name" ;;
sources)
  # the debug file and the sources its DWARF names
  start
  "$nsym" upload -q --sources --server "$url" --token "$utoken" "$fixtures/c/addon.node.debug" >"$work/up" 2>&1 ||
    fail "upload --sources: $(cat "$work/up")"
  crash
  expect "$work/report.json"
  drive sources ;;
browse)
  # three artifacts: the debug file, the addon (the same identity), and
  # another file, from an npm package
  start
  for f in addon.node.debug addon.node.stripped; do
    "$nsym" upload -q --server "$url" --token "$utoken" "$fixtures/c/$f" >"$work/up" 2>&1 ||
      fail "upload $f: $(cat "$work/up")"
  done
  curl -sf -H "Authorization: Bearer $utoken" --data-binary "@$fixtures/foreign/pe/addon.pdb" \
    "$url/api/v1/upload?name=addon.pdb&package=@napi-rs/canvas-win32-x64-msvc@0.1.65" >/dev/null ||
    fail "upload addon.pdb"
  drive browse ;;
read-token)
  start --read-token
  "$nsym" upload -q --server "$url" --token "$utoken" "$fixtures/c/addon.node.debug" >"$work/up" 2>&1 ||
    fail "upload: $(cat "$work/up")"
  "$nsym" token create --store "$work/store" --scope read --name reader >"$work/read-token" || fail "token"
  crash
  NAPI_SYMBOLS_TOKEN=$(cat "$work/read-token") expect "$work/trace.txt"
  drive read-token ;;
*) fail "no such case" ;;
esac
ls "$outdir"/*.png >/dev/null 2>&1 || fail "no screenshot in $outdir"
# SIGTERM, and a clean exit: under ASan, a leak or another error fails it
kill -TERM "${pids[0]}" && wait "${pids[0]}" || fail "the server did not exit cleanly: $(tail -5 "$work/serve.err")"
pids=()
echo "PASS [$case_name]: screenshots in $outdir"
