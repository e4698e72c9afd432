#!/usr/bin/env bash
# The launcher where no native package fits (macOS, Windows): installed
# from the packed tarballs, run by node with process.platform made darwin
# (then win32), it says so in one line and `symbolicate --server URL FILE`
# posts the text to the real server's symbolicate route; its answer must be
# what the native `napi-symbols symbolicate` prints for the same text, in
# text, with -s and with --json. Other commands fail in one line.
#
# Usage: fallback-test.sh OUT NAPI_SYMBOLS, with NSYM_FIXTURES_DIR set.
# Exit 0 pass, 1 fail, 77 skipped: NSYM_TEST_PACKAGES is not 1, or no
# packages in OUT.
set -uo pipefail

out=$1 nsym=$2
c=${NSYM_FIXTURES_DIR:?}/c
src=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$work"' EXIT

fail() {
	echo "FAIL [fallback]: $*" >&2
	exit 1
}
. "$src/tests/lib.sh"

if [ "${NSYM_TEST_PACKAGES:-0}" != 1 ]; then
	echo "SKIP: NSYM_TEST_PACKAGES is not 1 (scripts/test-packages.sh builds the packages and runs these tests)" >&2
	exit 77
fi
if ! ls "$out"/packages/napi-symbols-[0-9]*.tgz >/dev/null 2>&1; then
	echo "SKIP: no packages in $out: run scripts/npm-build.sh $out" >&2
	exit 77
fi

serve_for_test
"$nsym" upload --server "$url" --token "$(cat "$work/token")" "$c/addon.node.debug" >/dev/null ||
	fail "upload"
# a pasted crash: the compact trace the hook prints, and nothing on this side
cp "$c/addon.node.stripped" "$work/addon.node"
mkdir "$work/reports"
NAPI_SYMBOLS_SYMBOLICATE=0 NAPI_SYMBOLS_REPORT_DIR=$work/reports \
	"$nsym" run -- node -e "require('$work/addon.node').crash()" 2>"$work/issue.txt"
grep -q '^napi-symbols: crash v1' "$work/issue.txt" || fail "no compact trace to paste"

route=$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept: text/plain' --data-binary @"$work/issue.txt" \
	"$url/api/v1/symbolicate")
[ "$route" = 200 ] || fail "the symbolicate route answered $route"

node "$src/tests/npm/registry.js" "$out/packages" >"$work/registry.out" &
pids+=($!)
for _ in $(seq 100); do
	registry=$(sed -n 's/^listening on //p' "$work/registry.out")
	[ -n "$registry" ] && break
	sleep 0.1
done
mkdir "$work/app"
cd "$work/app" || fail "cd"
echo '{"name": "app", "private": true}' >package.json
npm install --registry "$registry" --cache "$work/npm-cache" --no-audit --no-fund napi-symbols \
	>/dev/null 2>"$work/install.err" || fail "npm install: $(cat "$work/install.err")"
launcher=$work/app/node_modules/napi-symbols/bin/napi-symbols.js

for platform in darwin:arm64 win32:x64; do
	printf 'Object.defineProperty(process, "platform", { value: "%s" });\nObject.defineProperty(process, "arch", { value: "%s" });\n' \
		"${platform%:*}" "${platform#*:}" >"$work/pretend.js"
	js() { node --require "$work/pretend.js" "$launcher" "$@"; }
	for opts in "" "-s" "--json"; do
		# shellcheck disable=SC2086
		DEBUGINFOD_CACHE_PATH=$work/empty-cache "$nsym" symbolicate --server "$url" $opts "$work/issue.txt" \
			>"$work/native.out" 2>/dev/null || fail "native symbolicate $opts"
		# shellcheck disable=SC2086
		js symbolicate --server "$url" $opts "$work/issue.txt" >"$work/js.out" 2>"$work/js.err" ||
			fail "$platform: symbolicate $opts: $(cat "$work/js.err")"
		cmp -s "$work/native.out" "$work/js.out" ||
			fail "$platform: symbolicate $opts differs from the native one: $(diff "$work/native.out" "$work/js.out" | head)"
	done
	grep -q '"function": "load_slot"' "$work/js.out" || fail "$platform: not symbolicated: $(head -n 3 "$work/js.out")"
	[ "$(wc -l <"$work/js.err")" = 1 ] || fail "$platform: more than one line said: $(cat "$work/js.err")"
	grep -q "^napi-symbols: no native build for this platform (${platform%:*}-${platform#*:}); only 'symbolicate --server URL FILE' works here" \
		"$work/js.err" || fail "$platform: the line said: $(cat "$work/js.err")"
	# stdin, and NAPI_SYMBOLS_SERVER
	NAPI_SYMBOLS_SERVER=$url js symbolicate - <"$work/issue.txt" >"$work/js.out" 2>/dev/null ||
		fail "$platform: symbolicate - with NAPI_SYMBOLS_SERVER"
	grep -q 'load_slot at' "$work/js.out" || fail "$platform: stdin: not symbolicated"
	# what it cannot do: one line each, exit 1 or 129
	js fetch >/dev/null 2>"$work/js.err"
	[ $? = 1 ] && [ "$(wc -l <"$work/js.err")" = 1 ] || fail "$platform: fetch: $(cat "$work/js.err")"
	js symbolicate "$work/issue.txt" >/dev/null 2>"$work/js.err"
	[ $? = 129 ] && grep -q 'no server' "$work/js.err" || fail "$platform: no server: $(cat "$work/js.err")"
	js symbolicate --module x "$work/issue.txt" >/dev/null 2>&1
	[ $? = 129 ] || fail "$platform: --module was not refused"
	js symbolicate --server http://127.0.0.1:1 "$work/issue.txt" >/dev/null 2>"$work/js.err"
	[ $? = 1 ] && grep -q 'ECONNREFUSED' "$work/js.err" || fail "$platform: refused: $(cat "$work/js.err")"
	js --version | grep -q '^napi-symbols [0-9.]* (JavaScript launcher only' || fail "$platform: --version"
	echo "ok [fallback]: $platform: symbolicate through the server equals the native one (text, -s, --json)"
done
