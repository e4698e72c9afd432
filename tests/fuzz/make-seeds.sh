#!/usr/bin/env bash
# Writes the seed files of the fuzz corpus into OUTDIR/NAME/ for each
# harness: the small C library seed-src/small.c linked tight (DWARF 5 and 4,
# zlib and zstd sections, no build-id, stripped, debug-only and split
# copies), seed-src/tiny.c for other machines (i686, arm, aarch64, ppc64
# big-endian, riscv64), the C fixture addon (built here by
# tests/fixtures/build.sh with this machine's folders mapped to /seed-src
# and /seed-include, so that no seed carries a path of the machine it was
# made on) with the damaged copies of damaged-seeds.sh, and symcaches
# written by NAPI_SYMBOLS for some of them. The checked-in corpus started
# from these; run it again when a format changes, then merge
# (scripts/fuzz.sh --merge).
#
#   tests/fuzz/make-seeds.sh NAPI_SYMBOLS OUTDIR
#   e.g. tests/fuzz/make-seeds.sh build/cli/napi-symbols /tmp/seeds
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: make-seeds.sh NAPI_SYMBOLS OUTDIR" >&2
  exit 129
fi
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
nsym=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
mkdir -p "$2"
out=$(cd "$2" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out/elf_identity" "$out/symbolizer" "$out/symcache"

# The C fixture addon, its folders mapped away (no Rust: no seed uses it).
inc=${NODE_INCLUDE_DIR:-/usr/include/node}
fixtures=$work/fixtures
NSYM_FIXTURES_RUST=0 NODE_INCLUDE_DIR=$inc \
  NSYM_FIXTURE_CFLAGS="-ffile-prefix-map=$root=/seed-src -ffile-prefix-map=$inc=/seed-include" \
  "$root/tests/fixtures/build.sh" "$fixtures" >/dev/null

# Tight links keep seeds a few KB: no libc, 16-byte pages; the build folder
# is mapped away so that the seeds do not change from run to run.
# shellcheck disable=SC2054
tight=(-O2 -g -fPIC -shared -nostdlib -Wl,-z,max-page-size=0x10 -Wl,-z,noseparate-code
  "-fdebug-prefix-map=$work=/seed-src")
cp "$here/seed-src/small.c" "$here/seed-src/tiny.c" "$work/"
cd "$work"
gcc "${tight[@]}" -Wl,--build-id -o small.so small.c
gcc "${tight[@]}" -gdwarf-4 -Wl,--build-id -o small-dwarf4.so small.c
gcc "${tight[@]}" -gz=zlib -Wl,--build-id -o small-zlib.so small.c
gcc "${tight[@]}" -Wl,--compress-debug-sections=zstd -Wl,--build-id -o small-zstd.so small.c
gcc "${tight[@]}" -Wl,--build-id=none -o small-nobuildid.so small.c
strip --strip-all -o small.so.stripped small.so
objcopy --only-keep-debug small.so small.so.debug
objcopy --strip-debug --add-gnu-debuglink=small.so.debug small.so small.so.split
for t in i686-linux-gnu arm-linux-gnueabihf aarch64-linux-gnu powerpc64-linux-gnu riscv64-linux-gnu; do
  clang --target=$t "${tight[@]}" -fuse-ld=lld -Wl,--build-id -o "tiny-$t.so" tiny.c
done

for f in small.so small-dwarf4.so small-zlib.so small-zstd.so small-nobuildid.so \
  small.so.stripped small.so.debug tiny-*.so; do
  cp "$f" "$out/symbolizer/"
done
for f in small.so small.so.stripped small.so.debug small.so.split small-nobuildid.so \
  small-zlib.so small-zstd.so tiny-*.so; do
  cp "$f" "$out/elf_identity/"
done
cp "$fixtures/c/addon.node" "$out/symbolizer/c-addon.node"
# Damaged copies of it that once crashed the library; the build makes
# these too (build/fuzz-seeds/), so the corpus need not keep them.
"$here/damaged-seeds.sh" "$fixtures" "$out"
cp "$fixtures/c/addon.node.stripped" "$out/elf_identity/c-addon.node.stripped"

# symcache NAME FILE: the symcache napi-symbols writes for FILE.
symcache() {
  local dir
  dir=$(mktemp -d -p "$work")
  "$nsym" symbolize --cache always --cache-dir "$dir" -e "$2" 0x0 >/dev/null
  cp "$dir"/*.symcache "$out/symcache/$1.symcache"
}
symcache small small.so
symcache small-nobuildid small-nobuildid.so
symcache small-stripped-dynsym small.so.stripped
symcache tiny-i686 tiny-i686-linux-gnu.so
symcache c-addon-clang "$fixtures/c/addon-clang.node"
ls -l "$out"/*/
