#!/usr/bin/env bash
# Builds the addons of the hook's panic tests into OUTDIR, with rustc alone
# (no crates, no cargo): build-panic.sh RUSTC NAPI_SYMBOLS HOOK_ARCHIVE OUTDIR.
# - fixture.node: tests/fixtures/rust-addon rebuilt with panic = "unwind"
#   (its Cargo profile aborts, so no panic of it is ever raised);
# - caught.node: panic-addon.rs, whose panic is caught (preload mode);
# - linked.node: the same with --cfg linked, linking HOOK_ARCHIVE and
#   loader-hook/rust/napi_symbols_hook.rs (linked mode).
# Each X.node is split with `napi-symbols split` into the stripped X.node and
# X.node.debug; X.full keeps the unstripped build to check lookups against.
# Everything is built in a temporary folder and renamed into place, so a
# test running meanwhile never reads half a file.
set -euo pipefail

if [ $# -ne 4 ]; then
	echo "usage: build-panic.sh RUSTC NAPI_SYMBOLS HOOK_ARCHIVE OUTDIR" >&2
	exit 129
fi
rustc=$1 cli=$2 archive=$3 out=$4
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$out"
tmp=$(mktemp -d "$out/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# build NAME CRATE SOURCE RUSTC-ARGS...
build() {
	local name=$1 crate=$2 src=$3
	shift 3
	# rustc would try make's jobserver, whose descriptors it does not get.
	env -u MAKEFLAGS -u MFLAGS -u CARGO_MAKEFLAGS \
		"$rustc" --edition 2021 --crate-type cdylib --crate-name "$crate" \
		-C opt-level=2 -g -C panic=unwind "$@" -o "$tmp/$name.full" "$src"
	cp "$tmp/$name.full" "$tmp/$name.node"
	"$cli" split "$tmp/$name.node" >/dev/null
	for f in "$name.full" "$name.node.debug" "$name.node"; do
		mv -f "$tmp/$f" "$out/$f"
	done
}

build fixture napi_symbols_fixture "$here/../fixtures/rust-addon/src/lib.rs"
build caught caught_addon "$here/panic-addon.rs"
build linked linked_addon "$here/panic-addon.rs" --cfg linked \
	-L "native=$(dirname "$archive")" -l static=nsym_hook
