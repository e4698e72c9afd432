#!/usr/bin/env bash
# Run inside the bullseye-build chroot (scripts/chroot.sh) by
# scripts/npm-build.sh: builds the two libraries the static packages need
# and Debian 11 cannot give as static archives, libcurl (its own static
# archive needs Kerberos and LDAP libraries that have none) and civetweb
# (no static archive at all), from Debian 12's source packages (the
# chroot's deb-src line), into /opt/nsym-deps/TRIPLE. Only what the
# program uses is built: libcurl for http and https over OpenSSL with zlib,
# civetweb without TLS (the server speaks plain http behind a proxy). A
# stamp naming the versions and these options makes a second run a no-op.
#
# NEEDSWORK: TLS is Debian 11's OpenSSL 1.1.1 (patched by Debian's LTS, no
# longer by OpenSSL); Debian 12's OpenSSL 3 could be built here the same
# way. The CA certificates are looked for where Debian and Ubuntu keep them
# (/etc/ssl/certs): on Fedora and RHEL, https servers are not trusted.
#
# Usage: static-deps.sh TRIPLE (x86_64-linux-gnu or aarch64-linux-gnu)
set -euo pipefail

triple=$1
prefix=/opt/nsym-deps/$triple
src=/opt/nsym-deps/src
jobs=${JOBS:-2}

curl_options=(--disable-shared --enable-static --with-openssl --with-zlib
	--without-zstd --without-brotli --without-libpsl --without-libidn2 --without-nghttp2
	--without-librtmp --without-libssh2 --without-gssapi --disable-ldap --disable-ldaps
	--disable-rtsp --disable-dict --disable-telnet --disable-tftp --disable-pop3
	--disable-imap --disable-smb --disable-smtp --disable-gopher --disable-mqtt
	--disable-manual --disable-ntlm-wb
	--with-ca-bundle=/etc/ssl/certs/ca-certificates.crt --with-ca-path=/etc/ssl/certs)
civetweb_options=(-DBUILD_SHARED_LIBS=OFF -DCIVETWEB_BUILD_TESTING=OFF
	-DCIVETWEB_ENABLE_SERVER_EXECUTABLE=OFF -DCIVETWEB_ENABLE_SSL=OFF
	-DCIVETWEB_ENABLE_IPV6=ON -DCIVETWEB_ENABLE_ASAN=OFF -DCIVETWEB_ENABLE_CXX=OFF
	-DCIVETWEB_INSTALL_EXECUTABLE=OFF -DCIVETWEB_ENABLE_WEBSOCKETS=OFF)

mkdir -p "$src"
cd "$src"
# the newest of each in the deb-src index; fetched once
if ! ls curl_*.dsc civetweb_*.dsc >/dev/null 2>&1; then
	apt-get source -q --download-only curl civetweb >/dev/null 2>&1 ||
		{ echo "static-deps.sh: apt-get source curl civetweb failed" >&2; exit 1; }
fi
curl_dsc=$(ls curl_*.dsc | sort -V | tail -n 1)
civetweb_dsc=$(ls civetweb_*.dsc | sort -V | tail -n 1)
want="$curl_dsc ${curl_options[*]}
$civetweb_dsc ${civetweb_options[*]}"
if [ -f "$prefix/.stamp" ] && [ "$(cat "$prefix/.stamp")" = "$want" ]; then
	exit 0
fi

if [ "$triple" = x86_64-linux-gnu ]; then
	cc=gcc host=()
	cmake_cross=()
else
	cc=$triple-gcc host=(--host="$triple")
	cmake_cross=(-DCMAKE_SYSTEM_NAME=Linux -DCMAKE_SYSTEM_PROCESSOR="${triple%%-*}")
fi
export PKG_CONFIG_LIBDIR=/usr/lib/$triple/pkgconfig:/usr/share/pkgconfig

rm -rf "$prefix" "$src/build-$triple"
mkdir -p "$src/build-$triple"
cd "$src/build-$triple"
# apt checked these files against the signed index when it fetched them;
# dpkg-source's own check of the uploader's signature has no keyring here
dpkg-source --no-check -x "$src/$curl_dsc" curl >/dev/null
dpkg-source --no-check -x "$src/$civetweb_dsc" civetweb >/dev/null

echo "static-deps.sh: libcurl for $triple" >&2
(cd curl && CC=$cc CFLAGS="-O2 -fPIC" ./configure "${host[@]}" --prefix="$prefix" \
	"${curl_options[@]}" >../curl-configure.log 2>&1 &&
	make -C lib -j "$jobs" >../curl-make.log 2>&1 &&
	make -C lib install >/dev/null && make -C include install >/dev/null &&
	make install-pkgconfigDATA >/dev/null) ||
	{ tail -n 30 ../curl-*.log >&2; exit 1; }

echo "static-deps.sh: civetweb for $triple" >&2
cmake -S civetweb -B civetweb-build -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER="$cc" \
	-DCMAKE_POSITION_INDEPENDENT_CODE=ON -DCMAKE_INSTALL_PREFIX="$prefix" \
	-DCMAKE_INSTALL_LIBDIR=lib "${cmake_cross[@]}" "${civetweb_options[@]}" \
	>civetweb-configure.log 2>&1 &&
	cmake --build civetweb-build -j "$jobs" >civetweb-make.log 2>&1 &&
	cmake --install civetweb-build >/dev/null ||
	{ tail -n 30 civetweb-*.log >&2; exit 1; }

cd /
rm -rf "$src/build-$triple"
printf '%s\n' "$want" >"$prefix/.stamp"
