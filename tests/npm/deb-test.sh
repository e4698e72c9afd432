#!/usr/bin/env bash
# The Debian package (cpack in the build folder) in a fresh copy of a
# Debian 12 chroot (scripts/chroot.sh bookworm): its dependencies from
# Debian's archive, then `dpkg -i`; the files, the system user and the store
# folder are checked, the unit's ExecStart is run by hand as its User (the
# settings file edited to listen on a free port, as an admin edits it), a
# debug file is uploaded with a token and downloaded again by `fetch`, the
# server stops on SIGTERM; then `dpkg -r` and `dpkg -P`, after each of which
# what is left is compared with the system before the install.
#
# Usage: deb-test.sh BUILD_DIR FIXTURES_DIR. Exit 0 pass, 1 fail, 77
# skipped: NSYM_TEST_PACKAGES is not 1, or no napi-symbols_*.deb in
# BUILD_DIR (scripts/test-packages.sh makes it, sets it, runs this test).
set -uo pipefail

build=$1 fixtures=$2
src=$(cd "$(dirname "$0")/../.." && pwd)
deb=$(ls "$build"/napi-symbols_*.deb 2>/dev/null | head -n 1)
if [ "${NSYM_TEST_PACKAGES:-0}" != 1 ]; then
	echo "SKIP: NSYM_TEST_PACKAGES is not 1 (scripts/test-packages.sh makes the package and runs this test)" >&2
	exit 77
fi
if [ -z "$deb" ]; then
	echo "SKIP: no napi-symbols_*.deb in $build: run cpack there (scripts/test-packages.sh does)" >&2
	exit 77
fi
work=$(mktemp -d)
root=$work/root
trap 'rm -rf "$work"' EXIT

fail() {
	echo "FAIL [deb]: $*" >&2
	exit 1
}
in_root() { "$src/scripts/chroot.sh" run "$root" "$@"; }

"$src/scripts/chroot.sh" copy bookworm "$root" || fail "no bookworm chroot"
cp "$deb" "$root/tmp/napi-symbols.deb"
mkdir -p "$root/tmp/fixture"
cp "$fixtures/c/addon.node.stripped" "$root/tmp/fixture/addon.node"
cp "$fixtures/c/addon.node.debug" "$root/tmp/fixture/addon.node.debug"

# the package's dependencies, from the archive (kept between runs)
debs=$("$src/scripts/chroot.sh" path bookworm)/../bookworm-apt-archives
mkdir -p "$debs"
cp "$debs"/*.deb "$root/var/cache/apt/archives/" 2>/dev/null
depends=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/[(|].*//; s/ //g' | grep -v '^$')
in_root -- sh -c 'apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "$@" >/tmp/deps.log 2>&1' \
	sh $depends || fail "installing the dependencies ($(echo $depends)) failed"
cp "$root"/var/cache/apt/archives/*.deb "$debs/" 2>/dev/null
in_root -- apt-get clean

# what the system holds before: paths (not the changing logs and caches) and users
snapshot() {
	in_root -- sh -c 'find / -xdev \( -path /proc -o -path /tmp -o -path /var/log -o -path /var/cache \
		-o -path /var/lib/dpkg -o -path /var/lib/apt -o -path /run \) -prune -o -print | sort' >"$work/$1.paths"
	in_root -- getent passwd | cut -d: -f1 | sort >"$work/$1.users"
}
snapshot before

in_root -- env DEBIAN_FRONTEND=noninteractive dpkg -i /tmp/napi-symbols.deb >"$work/dpkg-i.log" 2>&1 ||
	fail "dpkg -i: $(cat "$work/dpkg-i.log")"
for f in /usr/bin/napi-symbols /usr/lib/napi-symbols/libnapi_symbols_hook.so \
	/usr/lib/systemd/system/napi-symbols-server.service /etc/napi-symbols/server.conf \
	/usr/share/man/man1/napi-symbols.1 /usr/share/man/man1/napi-symbols-serve.1 \
	/usr/share/man/man1/napi-symbols-run.1; do
	[ -e "$root$f" ] || fail "$f not installed"
done
grep -qx '/etc/napi-symbols/server.conf' "$root/var/lib/dpkg/info/napi-symbols.conffiles" ||
	fail "server.conf is not a conffile"
user=$(in_root -- getent passwd napi-symbols) || fail "no napi-symbols user"
uid=$(cut -d: -f3 <<<"$user")
[ "$uid" -lt 1000 ] || fail "napi-symbols is not a system user (uid $uid)"
[ "$(in_root -- stat -c '%U %a' /var/lib/napi-symbols)" = "napi-symbols 750" ] ||
	fail "/var/lib/napi-symbols: $(in_root -- stat -c '%U %a' /var/lib/napi-symbols)"
# the man pages are the help text
in_root -- napi-symbols help serve | head -n 1 | grep -qF -f - "$root/usr/share/man/man1/napi-symbols-serve.1" ||
	fail "napi-symbols-serve.1 is not serve's help"
echo "ok [deb]: dpkg -i; files, conffile, system user $uid, store folder"

# ExecStart by hand, as User=, with the settings file listening on port 0
unit=$root/usr/lib/systemd/system/napi-symbols-server.service
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
unit_user=$(sed -n 's/^User=//p' "$unit")
[ -n "$exec_start" ] && [ "$unit_user" = napi-symbols ] || fail "unit: ExecStart '$exec_start', User '$unit_user'"
sed -i 's/^listen = .*/listen = 127.0.0.1:0/' "$root/etc/napi-symbols/server.conf"
cat >"$root/tmp/exec-start.sh" <<EOF
#!/bin/sh
# inside the chroot: the unit's command as its user, used, then stopped
as_user() { setpriv --reuid=$unit_user --regid=$unit_user --init-groups -- "\$@"; }
setpriv --reuid=$unit_user --regid=$unit_user --init-groups -- $exec_start >/tmp/serve.out 2>/tmp/serve.err &
pid=\$!
for i in \$(seq 100); do
	url=\$(sed -n 's/^listening on //p' /tmp/serve.out)
	[ -n "\$url" ] && break
	sleep 0.1
done
[ -n "\$url" ] || { echo "the server did not start: \$(cat /tmp/serve.err)"; exit 1; }
token=\$(as_user napi-symbols token create --store /var/lib/napi-symbols --scope upload --name ci) || exit 1
napi-symbols upload --server "\$url" --token "\$token" /tmp/fixture/addon.node.debug >/tmp/upload.out 2>&1 ||
	{ echo "upload: \$(cat /tmp/upload.out)"; exit 1; }
DEBUGINFOD_CACHE_PATH=/tmp/dl napi-symbols fetch --server "\$url" /tmp/fixture/addon.node >/tmp/fetch.out 2>&1 ||
	{ echo "fetch: \$(cat /tmp/fetch.out)"; exit 1; }
got=\$(find /tmp/dl -name debuginfo -type f | head -n 1)
cmp -s "\$got" /tmp/fixture/addon.node.debug || { echo "the download differs from the upload"; exit 1; }
kill -TERM \$pid
wait \$pid
status=\$?
[ \$status = 0 ] || { echo "the server exited \$status on SIGTERM: \$(tail -n 3 /tmp/serve.err)"; exit 1; }
stat -c '%U' /var/lib/napi-symbols/napi-symbols.db
EOF
chmod 755 "$root/tmp/exec-start.sh"
owner=$(in_root -- /tmp/exec-start.sh 2>&1) || fail "ExecStart by hand: $owner"
[ "$owner" = napi-symbols ] || fail "the store's database belongs to '$owner'"
echo "ok [deb]: ExecStart ($exec_start) as $unit_user: upload, download (same bytes), SIGTERM"

# remove: the program goes, the settings and the store stay
in_root -- dpkg -r napi-symbols >"$work/dpkg-r.log" 2>&1 || fail "dpkg -r: $(cat "$work/dpkg-r.log")"
for f in /usr/bin/napi-symbols /usr/lib/napi-symbols /usr/lib/systemd/system/napi-symbols-server.service \
	/usr/share/man/man1/napi-symbols.1; do
	[ ! -e "$root$f" ] || fail "$f left after dpkg -r"
done
[ -f "$root/etc/napi-symbols/server.conf" ] || fail "dpkg -r removed the settings file"
echo "ok [deb]: dpkg -r removes the program, keeps /etc/napi-symbols and the store"

# purge: the settings go; the store holding uploads stays, and the user (Debian's policy)
in_root -- dpkg -P napi-symbols >"$work/dpkg-p.log" 2>&1 || fail "dpkg -P: $(cat "$work/dpkg-p.log")"
snapshot after
left=$(comm -13 "$work/before.paths" "$work/after.paths")
gone=$(comm -23 "$work/before.paths" "$work/after.paths")
[ -z "$gone" ] || fail "paths gone that were there before: $gone"
# useradd leaves the user databases' backups (passwd-, gshadow-...) when it adds the user
unexpected=$(grep -v '^/var/lib/napi-symbols\(/\|$\)' <<<"$left" | grep -v '^/etc/\(passwd\|group\|shadow\|gshadow\)-$')
[ -z "$unexpected" ] || fail "left after purge: $unexpected"
[ "$(comm -13 "$work/before.users" "$work/after.users")" = napi-symbols ] ||
	fail "users after purge: $(comm -13 "$work/before.users" "$work/after.users")"
backups=$(grep '^/etc/' <<<"$left" | tr '\n' ' ')
echo "ok [deb]: dpkg -P; left: /var/lib/napi-symbols (the store, $(grep -c '^/var/lib/napi-symbols' <<<"$left") paths), the user napi-symbols (useradd's backups: ${backups:-none})"
