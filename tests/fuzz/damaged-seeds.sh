#!/usr/bin/env bash
# Writes OUTDIR/NAME/ seeds made by damaging the fixture addons in
# FIXTURES_DIR (tests/fixtures/build.sh's output), one per file that once
# brought the library down, so that fuzzing starts next to each:
#
#   symbolizer/c-addon-rnglists-into-next-section
#       the C addon with .debug_rnglists' sh_size raised by 16 bytes, into
#       the section after it: libdwarf 20210528 double-freed on it (issue 13)
#   symbolizer/c-addon-zlib-line-claims-3gib
#   symbolizer/c-addon-zlib-info-type-0-claims-4gib
#       the zlib-compressed C addon whose .debug_line claims 3 GiB inflated,
#       or whose .debug_info claims 4 GiB of an unknown compression type:
#       the section reader allocated that much before finding out (the fuzz
#       run for issue 13 found them)
#
# The build runs it into build/fuzz-seeds/ (tests/fuzz/CMakeLists.txt), which
# fuzz.replay.NAME and scripts/fuzz.sh read besides corpus/NAME/, so these
# binaries are not kept in git; make-seeds.sh runs it too.
#
#   tests/fuzz/damaged-seeds.sh FIXTURES_DIR OUTDIR
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: damaged-seeds.sh FIXTURES_DIR OUTDIR" >&2
  exit 129
fi
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fixtures=$1 out=$2
mkdir -p "$out/symbolizer"
damage="$here/../fixtures/damage-section.sh"
"$damage" "$fixtures/c/addon.node" .debug_rnglists sh_size +0x10 \
  "$out/symbolizer/c-addon-rnglists-into-next-section" >/dev/null
"$damage" "$fixtures/c/addon-zlib.node" .debug_line ch_size 0xc0000000 \
  "$out/symbolizer/c-addon-zlib-line-claims-3gib" >/dev/null
"$damage" "$fixtures/c/addon-zlib.node" .debug_info ch_type 0 "$out/type-0" >/dev/null
"$damage" "$out/type-0" .debug_info ch_size 0x100000000 \
  "$out/symbolizer/c-addon-zlib-info-type-0-claims-4gib" >/dev/null
rm "$out/type-0"
