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
# The chroots and the static libraries are made once and kept
# (scripts/chroot.sh); made cold they take most of an hour on two cores,
# warm the whole run takes minutes. With --budget SECONDS (.ci/run passes
# what is left of its 20 minutes) the run is skipped, saying so, when its
# estimate does not fit: warm about 10 minutes, cold 60.
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

warm=1
for name in bullseye-build bullseye bullseye-arm64 bookworm; do
	[ -f "$cache/$name/.nsym-stamp" ] || warm=0
done
for triple in x86_64-linux-gnu aarch64-linux-gnu; do
	[ -f "$cache/bullseye-build/opt/nsym-deps/$triple/.stamp" ] || warm=0
done
estimate=$((warm ? 600 : 3600))
if [ -n "$budget" ] && [ "$estimate" -gt "$budget" ]; then
	echo "test-packages.sh: skipped: about $estimate s needed ($([ $warm = 1 ] && echo warm || echo "the chroots in $cache are not made yet")), $budget s left; run scripts/test-packages.sh by hand" >&2
	exit 0
fi
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

echo "== the Debian package (build/, prefix /usr)" >&2
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
cmake --build build -j "$JOBS" --target napi-symbols napi_symbols_hook man fixtures
rm -f build/napi-symbols_*.deb
(cd build && cpack -G DEB >/dev/null)

echo "== the npm packages (build/npm)" >&2
scripts/npm-build.sh build/npm
rm -f build/npm/timings.txt

echo "== the tests of label packages" >&2
status=0
(cd build && NSYM_TEST_PACKAGES=1 ctest -L packages --output-on-failure --timeout 900) || status=1

echo "== figures" >&2
for f in build/napi-symbols_*.deb build/npm/packages/*.tgz; do
	printf 'size: %s %s bytes\n' "$(basename "$f")" "$(stat -c %s "$f")"
done
for f in build/npm/stage-*/bin/napi-symbols build/npm/stage-*/lib/napi-symbols/*.so; do
	printf 'glibc: %s needs %s\n' "${f#build/npm/}" \
		"$(objdump -T "$f" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -n 1)"
done
[ -f build/npm/timings.txt ] && cat build/npm/timings.txt
echo "test-packages.sh: $(($(date +%s) - start)) s" >&2
exit $status
