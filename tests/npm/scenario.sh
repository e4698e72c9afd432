#!/usr/bin/env bash
# What a user does with the npm packages, run where they are tested (this
# machine, a Debian 11 chroot, an arm64 chroot under qemu) by npm-test.sh,
# with nothing but Node and npm on PATH. In a fresh project:
#   npm install napi-symbols       (from the registry at $NSYM_REGISTRY, cold cache)
#   npx napi-symbols --version
#   a symbol server (the package's own `serve`) on 127.0.0.1 port 0, and the
#   fixture addon's debug file uploaded to it
#   npx napi-symbols fetch         (the addon installed in node_modules)
#   npx napi-symbols run -- node crash.js    (dies by SIGSEGV; trace symbolicated)
#   npx napi-symbols symbolicate REPORT      (the hook's report)
# then, in another fresh project holding only the addon, `npx napi-symbols
# fetch` timed from a cold npm cache and from the warm one.
#
# Environment: NSYM_REGISTRY (URL), NSYM_FIXTURE (folder with addon.node,
# stripped, and addon.node.debug), NSYM_KEY (the platform package expected,
# linux-x64-gnu...), NSYM_VERSION (the packages' version), NSYM_WORK (an
# empty folder). Prints "timing: ..." lines; exits 1 naming the failed step.
set -uo pipefail

work=${NSYM_WORK:?}
registry=${NSYM_REGISTRY:?}
fixture=${NSYM_FIXTURE:?}
key=${NSYM_KEY:?}
version=${NSYM_VERSION:?}
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done' EXIT

fail() {
	echo "FAIL [$key]: $*" >&2
	for f in "$work"/*.err; do
		[ -s "$f" ] && sed "s|^|  $(basename "$f"): |" "$f" | tail -n 20 >&2
	done
	exit 1
}
ok() { echo "ok [$key]: $*"; }

export npm_config_registry=$registry npm_config_audit=false npm_config_fund=false
export npm_config_update_notifier=false npm_config_cache=$work/npm-cache
export DEBUGINFOD_CACHE_PATH=$work/debuginfod-cache
unset NAPI_SYMBOLS_SERVER NAPI_SYMBOLS_TOKEN DEBUGINFOD_URLS LD_PRELOAD

# addon_project DIR: a fresh project whose node_modules holds the stripped addon
addon_project() {
	mkdir -p "$1/node_modules/crash-addon"
	printf '{"name": "app", "version": "1.0.0", "private": true}\n' >"$1/package.json"
	printf '{"name": "crash-addon", "version": "1.2.3", "main": "addon.node"}\n' \
		>"$1/node_modules/crash-addon/package.json"
	cp "$fixture/addon.node" "$1/node_modules/crash-addon/addon.node"
}

# seconds since $1 (date +%s.%N), two decimals
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }'; }

app=$work/app
mkdir -p "$app"
cd "$app" || fail "cd"
printf '{"name": "app", "version": "1.0.0", "private": true}\n' >package.json
t0=$(date +%s.%N)
npm install napi-symbols >"$work/install.out" 2>"$work/install.err" || fail "npm install napi-symbols"
echo "timing [$key]: npm install napi-symbols, cold cache: $(since "$t0") s"
[ -x "node_modules/@napi-symbols/$key/bin/napi-symbols" ] || fail "@napi-symbols/$key not installed"
for other in node_modules/@napi-symbols/*; do
	[ "$other" = "node_modules/@napi-symbols/$key" ] || fail "another platform's package installed: $other"
done
grep -rq '"\(pre\|post\)\?install"' node_modules/napi-symbols/package.json \
	"node_modules/@napi-symbols/$key/package.json" && fail "a package has an install script"
ok "npm install napi-symbols"

got=$(npx napi-symbols --version 2>"$work/version.err") || fail "npx napi-symbols --version"
[ "$got" = "napi-symbols $version" ] || fail "--version: $got"
ok "npx napi-symbols --version: $got"

# the launcher passes on the exit status, a death by a signal, and the
# signals it is sent
launcher=node_modules/.bin/napi-symbols
"$launcher" run -- sh -c 'exit 3' 2>/dev/null
[ $? = 3 ] || fail "the launcher did not pass on exit status 3"
"$launcher" run -- sh -c 'kill -USR2 $$' 2>/dev/null
status=$?
[ $status = 140 ] || fail "a death by SIGUSR2 came out as $status, not 140"
"$launcher" run -- sh -c 'trap "exit 42" TERM; echo ready >"$1"; while :; do sleep 0.1; done' sh \
	"$work/ready" 2>/dev/null &
launched=$!
for _ in $(seq 300); do
	[ -s "$work/ready" ] && break
	sleep 0.1
done
kill -TERM $launched
wait $launched
status=$?
[ $status = 42 ] || fail "SIGTERM sent to the launcher: exit $status, not the program's 42"
ok "the launcher passes on exit statuses (3), signals (SIGUSR2: 140) and SIGTERM sent to it"

# the server, the package's own
npx napi-symbols token create --store "$work/store" --scope upload --name ci >"$work/token" \
	2>"$work/token.err" || fail "token create"
# (the launcher itself in the background, not npx, which passes no SIGTERM
# on: the launcher's is what stops the server at the end)
"$launcher" serve --store "$work/store" --listen 127.0.0.1:0 >"$work/serve.out" 2>"$work/serve.err" &
pids+=($!)
url=
for _ in $(seq 300); do
	url=$(sed -n 's/^listening on //p' "$work/serve.out")
	[ -n "$url" ] && break
	sleep 0.1
done
[ -n "$url" ] || fail "the server did not start"
npx napi-symbols upload --server "$url" --token "$(cat "$work/token")" "$fixture/addon.node.debug" \
	>"$work/upload.out" 2>"$work/upload.err" || fail "upload"
ok "serve on $url, upload"

addon_project "$app"
npx napi-symbols fetch --server "$url" >"$work/fetch.out" 2>"$work/fetch.err" || fail "fetch"
grep -q '^node_modules/crash-addon/addon.node  crash-addon@1.2.3  [0-9a-f]*  found$' "$work/fetch.out" ||
	fail "fetch did not find the addon's debug file: $(cat "$work/fetch.out")"
ok "npx napi-symbols fetch: $(tail -n 1 "$work/fetch.out")"

# run: the hook preloaded; the trace symbolicated from the cache fetch filled
printf "require('crash-addon').crash();\n" >crash.js
mkdir -p "$work/reports"
NAPI_SYMBOLS_SERVER=$url NAPI_SYMBOLS_REPORT_DIR=$work/reports \
	npx napi-symbols run -- node crash.js >"$work/run.out" 2>"$work/run.err"
status=$?
[ "$status" = 139 ] || fail "run -- node crash.js exited $status, not 139 (SIGSEGV)"
grep -q 'load_slot at .*addon\.c:[0-9]*' "$work/run.err" || fail "run: no symbolicated trace"
report=$(ls "$work"/reports/napi-crash-*.json 2>/dev/null | head -n 1)
[ -n "$report" ] || fail "run: no report written"
ok "npx napi-symbols run -- node crash.js: exit 139, trace symbolicated"

npx napi-symbols symbolicate --no-fetch "$report" >"$work/symbolicate.out" 2>"$work/symbolicate.err" ||
	fail "symbolicate"
grep -q '^#0 load_slot at .*addon\.c:[0-9]*.* \[addon\]$' "$work/symbolicate.out" ||
	fail "symbolicate: frame 0 is not load_slot: $(head -n 5 "$work/symbolicate.out")"
ok "npx napi-symbols symbolicate REPORT: $(grep -m1 '^#0' "$work/symbolicate.out")"

# npx in a project that has no napi-symbols: cold npm cache, then warm
fresh=$work/fresh
addon_project "$fresh"
cd "$fresh" || fail "cd"
rm -rf "$DEBUGINFOD_CACHE_PATH"
export npm_config_cache=$work/npm-cache-fresh
for cache in cold warm; do
	rm -rf "$DEBUGINFOD_CACHE_PATH"
	t0=$(date +%s.%N)
	npx --yes napi-symbols fetch --server "$url" >"$work/npx-$cache.out" 2>"$work/npx-$cache.err" ||
		fail "npx napi-symbols fetch ($cache npm cache)"
	echo "timing [$key]: npx napi-symbols fetch in a fresh project, $cache npm cache: $(since "$t0") s"
	grep -q ' found$' "$work/npx-$cache.out" || fail "npx fetch ($cache): $(cat "$work/npx-$cache.out")"
done
ok "npx napi-symbols fetch in a fresh project, cold and warm"
