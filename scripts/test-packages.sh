#!/usr/bin/env bash
# Builds the packages and tests them as users get them: the npm packages
# (scripts/npm-build.sh into build/npm) installed from their tarballs on
# this machine, in a Debian 11 chroot and in an arm64 one under qemu; the
# launcher where no native package fits; the Debian package (cpack in
# build/, configured with the prefix /usr) in a fresh Debian 12 chroot
# (ctest label packages, tests/npm/CMakeLists.txt). Then it prints the
# packages' sizes, the newest glibc symbol version each binary needs
# (objdump -T), and the timings of the npm tests.
#
# Three parts, each dearer than the one before once its chroots are made:
#   deb    cpack in build/ and the Debian 12 chroot test     about 3 minutes
#   npm    the x64 package, its tests here and in Debian 11,
#          the launcher without a native package, docs/ci.md  about 7 minutes
#   arm64  the arm64 package and its test under qemu          about 15 minutes
# The chroots and the static libraries are made once and kept
# (scripts/chroot.sh); made cold they take most of an hour on two cores.
# With --budget SECONDS (.ci/run passes what is left of its 20 minutes)
# only the parts whose estimates fit are run, in that order, and the rest
# are named as skipped; without it, all three run.
#
# Usage: scripts/test-packages.sh [--budget SECONDS]. Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

budget=
if [ "${1:-}" = --budget ]; then
	budget=$2
fi
cache=${NSYM_CHROOT_CACHE:-/var/tmp/napi-symbols-chroots}

# made NAME...: whether the chroots are all there
made() {
	local n
	for n in "$@"; do
		[ -f "$cache/$n/.nsym-stamp" ] || return 1
	done
}
deps_made() {
	local t
	for t in "$@"; do
		[ -f "$cache/bullseye-build/opt/nsym-deps/$t/.stamp" ] || return 1
	done
}
# plan NAME WARM COLD READY...: the part runs when its cost fits what is
# left, WARM seconds when READY, else COLD (its chroots to make)
parts=()
left=${budget:-999999}
plan() {
	local name=$1 cost=$2 cold=$3
	shift 3
	"$@" || cost=$cold
	if [ "$cost" -le "$left" ]; then
		parts+=("$name")
		left=$((left - cost))
	else
		echo "test-packages.sh: skipped $name: about $cost s needed, $left s left; run scripts/test-packages.sh by hand" >&2
		left=0
	fi
}
plan deb 180 480 made bookworm
plan npm 420 2400 eval 'made bullseye-build bullseye && deps_made x86_64-linux-gnu'
plan arm64 900 3600 eval 'made bullseye-build bullseye-arm64 && deps_made aarch64-linux-gnu'
[ ${#parts[@]} -gt 0 ] || exit 0
has() { [[ " ${parts[*]} " == *" $1 "* ]]; }
start=$(date +%s)

packages=(debootstrap qemu-user-static binfmt-support dpkg-dev binutils curl npm)
command -v npm >/dev/null && packages=("${packages[@]/npm/}")
missing=()
for p in "${packages[@]}"; do
	[ -n "$p" ] || continue
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "installing: ${missing[*]}" >&2
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# the fixtures, and the program whose help the man pages are made of
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
cmake --build build -j "$JOBS" --target napi-symbols napi_symbols_hook man fixtures foreign_fixtures
tests=()
if has deb; then
	echo "== the Debian package (build/, prefix /usr)" >&2
	rm -f build/napi-symbols_*.deb
	(cd build && cpack -G DEB >/dev/null)
	tests+=(deb.bookworm)
fi
platforms=
has npm && platforms+=" linux-x64-gnu" && tests+=(npm.host npm.bullseye npm.fallback ci.workflow)
has arm64 && platforms+=" linux-x64-gnu linux-arm64-gnu" && tests+=(npm.arm64)
if [ -n "$platforms" ]; then
	echo "== the npm packages (build/npm):$platforms" >&2
	NSYM_NPM_PLATFORMS=$platforms scripts/npm-build.sh build/npm
fi
rm -f build/npm/timings.txt

echo "== the tests: ${tests[*]}" >&2
status=0
regex="^($(IFS='|'; echo "${tests[*]}" | sed 's/\./\\./g'))\$"
(cd build && NSYM_TEST_PACKAGES=1 ctest -R "$regex" --output-on-failure --timeout 900) || status=1

echo "== figures" >&2
for f in build/napi-symbols_*.deb build/npm/packages/*.tgz; do
	[ -f "$f" ] || continue
	printf 'size: %s %s bytes\n' "$(basename "$f")" "$(stat -c %s "$f")"
done
for f in build/npm/stage-*/bin/napi-symbols build/npm/stage-*/lib/napi-symbols/*.so; do
	[ -f "$f" ] || continue
	printf 'glibc: %s needs %s\n' "${f#build/npm/}" \
		"$(objdump -T "$f" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -n 1)"
done
[ -f build/npm/timings.txt ] && cat build/npm/timings.txt
echo "test-packages.sh: $(($(date +%s) - start)) s" >&2
exit $status
