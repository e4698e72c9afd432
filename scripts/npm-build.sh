#!/usr/bin/env bash
# Builds the npm packages into OUT (default build/npm):
#   OUT/packages/napi-symbols-V.tgz                  the JavaScript launcher
#   OUT/packages/napi-symbols-linux-x64-gnu-V.tgz    @napi-symbols/linux-x64-gnu
#   OUT/packages/napi-symbols-linux-arm64-gnu-V.tgz  @napi-symbols/linux-arm64-gnu
#   OUT/debug/KEY/                                   the debug files split off
#   OUT/fixtures/KEY/addon.node{,.debug}             tests/npm's crashing addon
# each made by `npm pack` from a folder laid out here (OUT/pkg/). The
# binaries are built in a Debian 11 chroot (scripts/chroot.sh bullseye-build)
# against glibc 2.31, the arm64 one with Debian's cross compiler, and link
# every library but glibc's statically (packaging/build-static.sh); they are
# split with napi-symbols split, so the packages ship them stripped. The
# platforms are those of npm/napi-symbols/lib/platforms.json, which the
# launcher reads too. Needs root (chroot), npm and node; the chroot and the
# static libraries are made once and kept (scripts/chroot.sh says where).
#
# Usage: scripts/npm-build.sh [OUT]; NSYM_NPM_PLATFORMS="linux-x64-gnu ..."
# builds only those platform packages (default: all).
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)
out=${1:-build/npm}
mkdir -p "$out"
out=$(cd "$out" && pwd)

die() {
	echo "npm-build.sh: $*" >&2
	exit 1
}
command -v npm >/dev/null || die "npm not found: install the Debian package 'npm'"
command -v node >/dev/null || die "node not found: install the Debian package 'nodejs'"

# key triple os cpu libc, one platform a line
platforms=$(node -e '
const p = require(process.argv[1]);
for (const [k, v] of Object.entries(p)) console.log(k, v.triple, v.os, v.cpu, v.libc);
' "$src/npm/napi-symbols/lib/platforms.json")
if [ -n "${NSYM_NPM_PLATFORMS:-}" ]; then
	platforms=$(awk -v want=" $NSYM_NPM_PLATFORMS " 'index(want, " " $1 " ")' <<<"$platforms")
	[ -n "$platforms" ] || die "no platform of '$NSYM_NPM_PLATFORMS' in platforms.json"
fi

chroot_dir=$(scripts/chroot.sh path bullseye-build)
binds=(-b "$src")
case "$out/" in "$src"/*) ;; *) binds+=(-b "$out") ;; esac
while read -r key triple _; do
	echo "npm-build.sh: building $key ($triple) in $chroot_dir" >&2
	scripts/chroot.sh run bullseye-build "${binds[@]}" -- \
		"$src/packaging/build-static.sh" "$src" "$out" "$triple"
done <<<"$platforms"

host_triple=$(gcc -dumpmachine)
nsym=$out/stage-$host_triple/bin/napi-symbols
[ -x "$nsym" ] || die "no build for this machine ($host_triple) among the platforms"
version=$("$nsym" --version | awk '{ print $2 }')

rm -rf "$out/pkg" "$out/packages" "$out/debug"
mkdir -p "$out/pkg" "$out/packages"
while read -r key triple os cpu libc; do
	pkg=$out/pkg/$key
	mkdir -p "$pkg/bin" "$pkg/lib/napi-symbols" "$out/debug/$key"
	for f in bin/napi-symbols lib/napi-symbols/libnapi_symbols_hook.so; do
		cp "$out/stage-$triple/$f" "$pkg/$f"
		"$nsym" split -d "$out/debug/$key/$(basename "$f").debug" "$pkg/$f" >/dev/null
	done
	node -e '
const [file, key, version, os, cpu, libc] = process.argv.slice(1);
const p = require(file);
p.name = `@napi-symbols/${key}`;
p.version = version;
p.description = p.description.replace(/PLATFORM/g, key);
Object.assign(p, { os: [os], cpu: [cpu], libc: [libc] });
require("fs").writeFileSync(file.replace(/.*\//, process.argv[7] + "/"), JSON.stringify(p, null, 2) + "\n");
' "$src/npm/platform/package.json" "$key" "$version" "$os" "$cpu" "$libc" "$pkg"
	cp "$src/npm/platform/README.md" "$pkg/README.md"
done <<<"$platforms"

cp -r "$src/npm/napi-symbols" "$out/pkg/napi-symbols"
node -e '
const [file, version] = process.argv.slice(1);
const p = require(file);
p.version = version;
for (const k of Object.keys(p.optionalDependencies)) p.optionalDependencies[k] = version;
require("fs").writeFileSync(file, JSON.stringify(p, null, 2) + "\n");
' "$out/pkg/napi-symbols/package.json" "$version"

# tests/npm's addon: the C fixture (tests/fixtures/c-addon), built with the
# same toolchains, split into the stripped file and its debug file.
node_include=${NODE_INCLUDE_DIR:-$(dirname "$(readlink -f "$(command -v node)")")/../include/node}
[ -f "$node_include/node_api.h" ] || node_include=/usr/include/node
[ -f "$node_include/node_api.h" ] || die "node_api.h not found: set NODE_INCLUDE_DIR"
node_include=$(cd "$node_include" && pwd)
rm -rf "$out/fixtures"
while read -r key triple _; do
	mkdir -p "$out/fixtures/$key"
	cc=gcc
	[ "$triple" = "$(scripts/chroot.sh run bullseye-build -- gcc -dumpmachine)" ] || cc=$triple-gcc
	scripts/chroot.sh run bullseye-build "${binds[@]}" -b "$node_include" -- \
		"$cc" -O2 -g -fPIC -shared -Wl,--build-id -I"$node_include" \
		-o "$out/fixtures/$key/addon.node" "$src/tests/fixtures/c-addon/addon.c"
	"$nsym" split "$out/fixtures/$key/addon.node" >/dev/null
done <<<"$platforms"

for pkg in "$out"/pkg/*; do
	(cd "$pkg" && npm pack --silent --pack-destination "$out/packages" >/dev/null)
done
ls -l "$out/packages" | awk 'NR > 1 { printf "npm-build.sh: %s %d bytes\n", $9, $5 }' >&2
