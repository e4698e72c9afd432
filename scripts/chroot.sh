#!/usr/bin/env bash
# Debian chroots for building and testing the packages (npm and .deb), made
# with debootstrap from Debian's archive and kept in a cache folder, since
# making one takes minutes: $NSYM_CHROOT_CACHE, default
# /var/tmp/napi-symbols-chroots (outside any build folder, so a fresh clone
# and a new build folder reuse them). A chroot is made once, in a temporary
# folder renamed into place when whole, so an interrupted run leaves none
# half made. What each one holds is fixed here; its stamp file names the
# list, and a chroot whose list changed is made anew.
#
#   scripts/chroot.sh path NAME              make NAME if missing; print its folder
#   scripts/chroot.sh run NAME|/DIR [-b DIR]... -- CMD...
#                                            run CMD in NAME (or the chroot at
#                                            /DIR, a copy) as root, in a mount
#                                            namespace of its own (proc, and each
#                                            DIR bound at its own path: nothing is
#                                            left mounted afterwards)
#   scripts/chroot.sh copy NAME DEST         a fresh copy of NAME at DEST (a test
#                                            that changes the system works on one)
#
# NAME is one of:
#   bullseye-build  Debian 11 amd64 with gcc, cmake and the -dev packages, for
#                   amd64 and (multiarch, cross gcc) arm64: the npm binaries are
#                   built here, against glibc 2.31
#   bullseye        Debian 11 amd64, minbase: Node and nothing else is added
#   bullseye-arm64  Debian 11 arm64, minbase (runs under qemu-user-static)
#   bookworm        Debian 12 amd64, minbase: where the .deb is installed
set -euo pipefail

mirror=${NSYM_DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache=${NSYM_CHROOT_CACHE:-/var/tmp/napi-symbols-chroots}

# The -dev packages of cmake/NsymDependencies.cmake, without the test ones,
# and without libcurl and civetweb: Debian 11 ships no static civetweb, its
# static libcurl needs Kerberos and LDAP libraries that have none either, and
# both are older than the code needs, so scripts/npm-build.sh builds them
# from Debian 12's source packages (deb-src below) into the chroot.
build_libs="libelf-dev zlib1g-dev libdeflate-dev libzstd-dev libssl-dev libjansson-dev
  libsqlite3-dev libunwind-dev libiberty-dev"
# and libpq-dev for its header alone (the program loads libpq at run time),
# for the build machine's architecture only: Debian 11's conflicts with its
# arm64 twin, and the header is the same
header_libs="libpq-dev"

die() {
	echo "chroot.sh: $*" >&2
	exit 1
}

# spec NAME: "suite arch include-list after-list" for each chroot
spec() {
	case "$1" in
	bullseye-build)
		local libs="" arm64="" p
		for p in $build_libs; do
			libs+=" $p"
			arm64+=" $p:arm64"
		done
		echo "bullseye amd64 ca-certificates"
		echo "build-essential ccache cmake pkg-config file dpkg-dev libdwarf-dev gcc-aarch64-linux-gnu libc6-dev-arm64-cross$libs$arm64 $header_libs"
		;;
	bullseye) printf '%s\n' "bullseye amd64 ca-certificates" "" ;;
	bullseye-arm64) printf '%s\n' "bullseye arm64 ca-certificates" "" ;;
	bookworm) printf '%s\n' "bookworm amd64 ca-certificates" "" ;;
	*) die "unknown chroot '$1'" ;;
	esac
}

need() {
	command -v "$1" >/dev/null || die "$1 not found: install the Debian package '$2'"
}

# An arm64 chroot runs its programs through qemu-user-static and the
# kernel's binfmt_misc, registered with the F flag (the interpreter opened
# at registration, so it works inside chroots).
binfmt_arm64() {
	[ -e /proc/sys/fs/binfmt_misc/register ] ||
		mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc ||
		die "binfmt_misc cannot be mounted: arm64 programs cannot run here"
	if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
		need update-binfmts binfmt-support
		update-binfmts --enable qemu-aarch64 >/dev/null ||
			update-binfmts --import qemu-aarch64 >/dev/null ||
			die "qemu-aarch64 cannot be registered with binfmt_misc"
	fi
	grep -q '^flags:.*F' /proc/sys/fs/binfmt_misc/qemu-aarch64 ||
		die "qemu-aarch64 is registered without the F flag: it cannot run inside a chroot"
}

# run_in DIR CMD...: CMD in DIR, with /proc, in a private mount namespace
run_in() {
	local dir=$1
	shift
	unshare --mount --propagation private -- sh -c '
		dir=$1; shift
		mount -t proc proc "$dir/proc"
		exec chroot "$dir" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
	' sh "$dir" "$@"
}

make_chroot() {
	local name=$1 dir=$cache/$1 want suite arch include after tmp
	want=$(spec "$name")
	if [ -f "$dir/.nsym-stamp" ] && [ "$(cat "$dir/.nsym-stamp")" = "$want" ]; then
		return
	fi
	# the same system with a longer list of packages (a library added to
	# build_libs): installed into it, which takes seconds, not made anew
	# with the static libraries built in it, which takes most of an hour
	if [ -f "$dir/.nsym-stamp" ] && [ "$(sed -n 1p "$dir/.nsym-stamp")" = "$(sed -n 1p <<<"$want")" ] &&
		[ -n "$(sed -n 2p <<<"$want")" ]; then
		echo "chroot.sh: installing the packages $name now lists" >&2
		# shellcheck disable=SC2046
		if run_in "$dir" sh -c 'apt-get update -q && apt-get install -y -q --no-install-recommends "$@" &&
			apt-get clean' sh $(sed -n 2p <<<"$want") >"$dir.log" 2>&1; then
			printf '%s\n' "$want" >"$dir/.nsym-stamp"
			rm -f "$dir.log"
			return
		fi
		tail -n 20 "$dir.log" >&2
		die "installing the packages of $name failed (log: $dir.log)"
	fi
	need debootstrap debootstrap
	read -r suite arch include <<<"$(sed -n 1p <<<"$want")"
	after=$(sed -n 2p <<<"$want")
	[ "$arch" = amd64 ] || {
		need qemu-aarch64-static qemu-user-static
		binfmt_arm64
	}
	mkdir -p "$cache"
	tmp=$(mktemp -d "$cache/.$name.XXXXXX")
	chmod 755 "$tmp" # the root of a system: its users must get through it
	echo "chroot.sh: making $name in $dir (debootstrap $suite $arch; takes minutes)" >&2
	debootstrap --variant=minbase --arch="$arch" --include="$include" "$suite" "$tmp" "$mirror" \
		>"$tmp.log" 2>&1 || {
		tail -n 20 "$tmp.log" >&2
		die "debootstrap $suite $arch failed (log: $tmp.log)"
	}
	if [ -n "$after" ]; then
		# shellcheck disable=SC2086
		echo "deb-src $mirror bookworm main" >"$tmp/etc/apt/sources.list.d/bookworm-src.list"
		run_in "$tmp" sh -c 'dpkg --add-architecture arm64 && apt-get update -q &&
			apt-get install -y -q --no-install-recommends "$@" && apt-get clean' sh $after \
			>>"$tmp.log" 2>&1 || {
			tail -n 20 "$tmp.log" >&2
			die "installing the packages of $name failed (log: $tmp.log)"
		}
	fi
	printf '%s\n' "$want" >"$tmp/.nsym-stamp"
	rm -rf "$dir" "$tmp.log"
	mv "$tmp" "$dir"
}

cmd=${1:-}
[ $# -ge 2 ] || die "usage: chroot.sh path|run|copy NAME ..."
name=$2
shift 2
[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, chroot, mount)"
case "$cmd" in
path)
	make_chroot "$name"
	echo "$cache/$name"
	;;
run)
	dir=$name
	if [ "${name#/}" = "$name" ]; then
		make_chroot "$name"
		dir=$cache/$name
	fi
	[ "${name%-arm64}" = "$name" ] || binfmt_arm64
	binds=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		[ "$1" = -b ] && [ $# -ge 2 ] || die "usage: chroot.sh run NAME [-b DIR]... -- CMD..."
		binds+=("$(readlink -f "$2")")
		shift 2
	done
	[ "${1:-}" = -- ] && shift
	[ $# -gt 0 ] || die "run: no command"
	unshare --mount --propagation private -- bash -c '
		dir=$1; n=$2; shift 2
		mount -t proc proc "$dir/proc"
		for ((i = 0; i < n; i++)); do
			mkdir -p "$dir$1"
			mount --bind "$1" "$dir$1"
			shift
		done
		exec chroot "$dir" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LANG=C.UTF-8 TMPDIR=/tmp "$@"
	' sh "$dir" "${#binds[@]}" "${binds[@]}" "$@"
	;;
copy)
	[ $# -eq 1 ] || die "usage: chroot.sh copy NAME DEST"
	make_chroot "$name"
	rm -rf "$1"
	cp -a "$cache/$name" "$1"
	;;
*) die "unknown command '$cmd'" ;;
esac
