#!/usr/bin/env bash
# Run inside the bullseye-build chroot by scripts/npm-build.sh: builds
# napi-symbols and the hook for TRIPLE against Debian 11 (glibc 2.31), every
# library but glibc's own linked from its static archive (NSYM_STATIC_DEPS;
# libcurl and civetweb from packaging/static-deps.sh), and installs them
# into OUT/stage-TRIPLE (bin/napi-symbols, lib/napi-symbols/...). ccache
# keeps its cache in the chroot, so a rebuild compiles only what changed.
#
# Usage: build-static.sh SRC OUT TRIPLE
set -euo pipefail

src=$1 out=$2 triple=$3
"$src/packaging/static-deps.sh" "$triple"

deps=/opt/nsym-deps/$triple
cross=()
[ "$triple" = x86_64-linux-gnu ] ||
	cross=(-DCMAKE_TOOLCHAIN_FILE="$src/packaging/toolchain-$triple.cmake")
export PKG_CONFIG_LIBDIR=$deps/lib/pkgconfig:/usr/lib/$triple/pkgconfig:/usr/share/pkgconfig
export CCACHE_DIR=/var/cache/nsym-ccache

cmake -S "$src" -B "$out/build-$triple" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DNSYM_BUILD_TESTS=OFF -DNSYM_STATIC_DEPS=ON -DCMAKE_PREFIX_PATH="$deps" \
	-DCMAKE_C_COMPILER_LAUNCHER=ccache "${cross[@]}" >"$out/configure-$triple.log" ||
	{ cat "$out/configure-$triple.log" >&2; exit 1; }
cmake --build "$out/build-$triple" -j "${JOBS:-2}" --target napi-symbols napi_symbols_hook
rm -rf "$out/stage-$triple"
cmake --install "$out/build-$triple" --prefix "$out/stage-$triple" --component runtime >/dev/null
