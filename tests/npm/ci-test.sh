#!/usr/bin/env bash
# docs/ci.md's workflow, read and run (ci-test.js): the publish job's run:
# steps, in order, on the fixtures as the build jobs would leave them
# (a stripped Linux addon and its .debug, an unstripped Mach-O bundle and
# its dSYM, a DLL and its PDB), with napi-symbols from the packed tarballs
# (a registry on loopback, registry.js) and a real server on loopback. yarn
# (the project's napi-rs scripts) and `npm publish` are stand-ins that
# record their calls. Afterwards the server must hold each debug file, and
# the package must have been published after the upload.
#
# Usage: ci-test.sh OUT NAPI_SYMBOLS (OUT: npm-build.sh's folder), with
# NSYM_FIXTURES_DIR set. Exit 0 pass, 1 fail, 77 skipped: NSYM_TEST_PACKAGES
# is not 1 or no packages in OUT (scripts/test-packages.sh).
set -uo pipefail

out=$1 nsym=$2
fixtures=${NSYM_FIXTURES_DIR:?}
src=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$work"' EXIT

fail() {
	echo "FAIL [ci]: $*" >&2
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

# the YAML parser, from npm, once
tools=$out/ci-tools
if [ ! -f "$tools/node_modules/yaml/package.json" ]; then
	mkdir -p "$tools"
	npm install --prefix "$tools" --no-audit --no-fund yaml@2 >/dev/null 2>"$work/yaml.err" ||
		fail "npm install yaml: $(cat "$work/yaml.err")"
fi

serve_for_test
node "$src/tests/npm/registry.js" "$out/packages" >"$work/registry.out" &
pids+=($!)
for _ in $(seq 100); do
	registry=$(sed -n 's/^listening on //p' "$work/registry.out")
	[ -n "$registry" ] && break
	sleep 0.1
done
[ -n "$registry" ] || fail "the registry did not start"

# the project after checkout and yarn install: napi-symbols a dev dependency,
# HEAD a release commit
ws=$work/project
mkdir -p "$ws"
cd "$ws" || fail "cd"
printf '{"name": "my-addon", "version": "1.0.0", "private": true}\n' >package.json
npm install --registry "$registry" --cache "$work/npm-cache" --no-audit --no-fund -D napi-symbols \
	>/dev/null 2>"$work/install.err" || fail "npm install -D napi-symbols: $(cat "$work/install.err")"
git init -q . && git -c user.name=ci -c user.email=ci@localhost commit -q --allow-empty -m 1.0.0 ||
	fail "git"

# what download-artifact leaves: bindings-TARGET and debug-TARGET folders
a=$ws/artifacts
mkdir -p "$a"/{bindings,debug}-{x86_64-unknown-linux-gnu,x86_64-apple-darwin,x86_64-pc-windows-msvc}
cp "$fixtures/c/addon.node.split" "$a/bindings-x86_64-unknown-linux-gnu/my-addon.linux-x64-gnu.node"
cp "$fixtures/c/addon.node.debug" "$a/debug-x86_64-unknown-linux-gnu/my-addon.linux-x64-gnu.node.debug"
cp "$fixtures/foreign/macho/addon-x86_64.node" "$a/bindings-x86_64-apple-darwin/my-addon.darwin-x64.node"
cp -R "$fixtures/foreign/macho/addon-x86_64.node.dSYM" "$a/debug-x86_64-apple-darwin/my-addon.darwin-x64.node.dSYM"
cp "$fixtures/foreign/pe/addon.node" "$a/bindings-x86_64-pc-windows-msvc/my-addon.win32-x64-msvc.node"
cp "$fixtures/foreign/pe/addon.pdb" "$a/debug-x86_64-pc-windows-msvc/my_addon.pdb"
macho_before=$(stat -c %s "$a/bindings-x86_64-apple-darwin/my-addon.darwin-x64.node")

# stand-ins: yarn (napi-rs's scripts) and npm publish, recording their calls
mkdir -p "$work/bin" "$work/home"
cat >"$work/bin/yarn" <<STUB
#!/bin/sh
echo "yarn \$*" >>"$work/calls"
mkdir -p npm
STUB
cat >"$work/bin/npm" <<STUB
#!/bin/sh
if [ "\$1" = publish ]; then echo "npm \$*" >>"$work/calls"; exit 0; fi
exec $(command -v npm) "\$@"
STUB
chmod 755 "$work/bin/yarn" "$work/bin/npm"

values=$(node -e 'console.log(JSON.stringify({
  "vars.NAPI_SYMBOLS_SERVER": process.argv[1], "secrets.NAPI_SYMBOLS_TOKEN": process.argv[2],
  "secrets.GITHUB_TOKEN": "", "secrets.NPM_TOKEN": "npm-token" }))' "$url" "$(cat "$work/token")")
HOME=$work/home PATH=$work/bin:$PATH NSYM_CI_VALUES=$values npm_config_registry=$registry \
	npm_config_cache=$work/npm-cache NODE_PATH=$tools/node_modules \
	node "$src/tests/npm/ci-test.js" "$src/docs/ci.md" "$ws" || exit 1

# the server holds each debug file; the Mach-O file was split; published last
"$nsym" inspect --json "$fixtures/c/addon.node.debug" >"$work/elf.json"
id=$(node -e 'console.log(require(process.argv[1])[0].build_id)' "$work/elf.json")
code=$(curl -s -o "$work/got.debug" -w '%{http_code}' "$url/buildid/$id/debuginfo")
[ "$code" = 200 ] && cmp -s "$work/got.debug" "$fixtures/c/addon.node.debug" ||
	fail "the Linux debug file is not on the server ($code)"
curl -s "$url/api/v1/artifacts" >"$work/artifacts.json"
for format in macho pdb; do
	grep -q "\"format\": *\"$format\"" "$work/artifacts.json" || fail "no $format artifact on the server"
done
[ "$(stat -c %s "$a/bindings-x86_64-apple-darwin/my-addon.darwin-x64.node")" -lt "$macho_before" ] ||
	fail "the Mach-O addon was not split"
[ "$(tail -n 1 "$work/calls")" = "npm publish --access public" ] || fail "calls: $(cat "$work/calls")"
echo "ok [ci]: the server holds the ELF, Mach-O and PDB debug files; npm publish came last"
