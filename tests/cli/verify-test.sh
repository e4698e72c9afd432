#!/usr/bin/env bash
# napi-symbols verify on ELF (the C fixtures), Mach-O and PE/PDB (the
# fixtures of tests/fixtures/foreign): a debug file that belongs and covers
# the code passes, every other pairing fails with one line per problem.
# Usage: verify-test.sh NAPI_SYMBOLS CASE, with NSYM_FIXTURES_DIR set.
set -uo pipefail
nsym="$1"
case_name="$2"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
c="${NSYM_FIXTURES_DIR:?}/c"
foreign="$NSYM_FIXTURES_DIR/foreign"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

fail() { echo "FAIL [$case_name]: $*" >&2; exit 1; }
expect() { # STATUS CMD...: runs CMD, keeps stdout/stderr in $out/$err
  local want="$1"; shift
  "$@" >"$work/out" 2>"$work/err"
  local got=$?
  out="$(cat "$work/out")"; err="$(cat "$work/err")"
  [ "$got" -eq "$want" ] || fail "'$*' exited $got, expected $want; stdout: $out; stderr: $err"
}
lines() { [ -z "$1" ] && echo 0 || printf '%s\n' "$1" | wc -l; }

tool() { # the LLVM tool NAME, plain or versioned as Debian installs them
  local n
  for n in "$1" "$1-16" "$1-15" "$1-14" /usr/lib/llvm-*/bin/"$1"; do
    command -v "$n" 2>/dev/null && return
  done
  fail "$1 not found (Debian package llvm or lld)"
}

case $case_name in
verify-elf)
  # the debug file split wrote, by build-id and by the fallback id
  expect 0 "$nsym" verify "$c/addon.node.split" "$c/addon.node.debug"
  [[ "$out" == *"addon.node.debug, DWARF covers "*"% of the code"* ]] || fail "pass: $out"
  [ -z "$err" ] || fail "a pass printed problems: $err"
  expect 0 "$nsym" verify "$c/addon-nobuildid.node.split" "$c/addon-nobuildid.node.debug"
  # an unstripped file is its own debug file
  expect 0 "$nsym" verify "$c/addon.node" "$c/addon.node"
  # another build's debug file: both problems, one line each
  want=$("$nsym" inspect --json "$c/addon.node.split" | node -e '
    console.log(JSON.parse(require("fs").readFileSync(0, "utf8"))[0].build_id)')
  expect 1 "$nsym" verify "$c/addon.node.split" "$c/addon-zstd.node.debug"
  [ "$(lines "$err")" = 2 ] || fail "two problems, one line each: $err"
  [[ "$err" == *"addon.node.split: x86_64 $want: none of the debug files given belongs to it"* ]] ||
    fail "no debug file: $err"
  [[ "$err" == *"addon-zstd.node.debug: belongs to no image of"* ]] || fail "stray: $err"
  # a debug file with symbols and no DWARF
  objcopy --strip-debug "$c/addon.node" "$work/nodwarf.node"
  objcopy --only-keep-debug "$work/nodwarf.node" "$work/nodwarf.debug"
  expect 1 "$nsym" verify "$work/nodwarf.node" "$work/nodwarf.debug"
  [[ "$err" == *"nodwarf.debug: holds no DWARF for x86_64"* ]] || fail "no DWARF: $err"
  # coverage asked for and not met; given the wrong way round; a file that
  # cannot be read
  expect 1 "$nsym" verify --min-coverage 99.5 "$c/addon.node.split" "$c/addon.node.debug"
  [[ "$err" == *"its DWARF describes "*"% of the code of x86_64"*"less than the 99.5%"* ]] ||
    fail "coverage: $err"
  expect 1 "$nsym" verify "$c/addon.node.debug" "$c/addon.node.split"
  [[ "$err" == *"is a debug file, not a binary"* ]] || fail "swapped: $err"
  expect 1 "$nsym" verify "$c/addon.node.split" "$c/addon.node.debug" "$work/missing"
  [[ "$err" == *"missing"* ]] || fail "missing: $err"
  [ "$(lines "$err")" = 1 ] || fail "missing: one line: $err"
  expect 0 "$nsym" verify -q "$c/addon.node.split" "$c/addon.node.debug"
  [ -z "$out" ] || fail "-q printed $out" ;;
verify-macho)
  m=$foreign/macho
  expect 0 "$nsym" verify "$m/addon-fat.node" "$m/addon-fat.node.dSYM"
  [ "$(lines "$out")" = 2 ] || fail "one line per slice: $out"
  [[ "$out" == *"x86_64 "*"DWARF covers 100.0%"*"arm64 "*"DWARF covers 100.0%"* ]] || fail "pass: $out"
  # the DWARF file inside the bundle stands for it
  expect 0 "$nsym" verify "$m/addon-fat.node" "$m/addon-fat.node.dSYM/Contents/Resources/DWARF/addon-fat.node"
  # a dSYM for one slice only: the other is named with its UUID
  arm=$("$(tool llvm-dwarfdump)" --uuid "$m/addon-arm64.node" | awk '{ print tolower($2) }' | tr -d -)
  expect 1 "$nsym" verify "$m/addon-fat.node" "$m/addon-x86_64.node.dSYM"
  [[ "$err" == *"addon-fat.node: arm64 $arm: none of the debug files given belongs to it"* ]] ||
    fail "half: $err"
  # a dSYM per slice covers both
  mkdir -p "$work/bin"
  ln -s "$(tool llvm-lipo)" "$work/bin/lipo"
  PATH="$work/bin:$PATH" "$(tool dsymutil)" -o "$work/arm64.dSYM" "$m/addon-arm64.node" ||
    fail "dsymutil"
  expect 0 "$nsym" verify "$m/addon-fat.node" "$m/addon-x86_64.node.dSYM" "$work/arm64.dSYM"
  # a dSYM made when the object files were gone holds no DWARF
  "$(tool clang)" --target=arm64-apple-macos11 -g -O1 -c "$here/../fixtures/foreign/addon.c" \
    -o "$work/gone.o" || fail "clang"
  "$(tool ld64.lld)" -arch arm64 -platform_version macos 11.0 11.0 -dylib -o "$work/gone.node" "$work/gone.o" ||
    fail "ld64.lld"
  rm "$work/gone.o"
  PATH="$work/bin:$PATH" "$(tool dsymutil)" "$work/gone.node" 2>/dev/null
  expect 1 "$nsym" verify "$work/gone.node" "$work/gone.node.dSYM"
  [[ "$err" == *"gone.node.dSYM: holds no DWARF for arm64"*"dsymutil could not read the object files"* ]] ||
    fail "empty dSYM: $err" ;;
verify-pe)
  p=$foreign/pe
  expect 0 "$nsym" verify "$p/addon.node" "$p/addon.pdb"
  [[ "$out" == *"addon.pdb, 2 modules, 1 with line numbers"* ]] || fail "pass: $out"
  expect 0 "$nsym" verify "$p/addon-arm64.exe" "$p/addon-arm64.pdb"
  # another PDB: both problems; no CodeView record at all
  expect 1 "$nsym" verify "$p/addon.node" "$p/addon-i386.pdb"
  [[ "$err" == *"addon.node: x86_64 "*"none of the debug files given belongs to it"*"addon-i386.pdb: i386 "* ]] ||
    fail "another PDB: $err"
  expect 1 "$nsym" verify "$p/addon-nodebug.node" "$p/addon.pdb"
  [[ "$err" == *"no CodeView record"* ]] || fail "no CodeView: $err" ;;
verify-usage)
  expect 129 "$nsym" verify
  expect 129 "$nsym" verify "$c/addon.node"
  expect 129 "$nsym" verify --min-coverage 101 "$c/addon.node" "$c/addon.node"
  expect 129 "$nsym" verify --no-such-flag "$c/addon.node" "$c/addon.node"
  expect 0 "$nsym" verify --help
  [[ "$out" == *"Exit status"* ]] || fail "--help: $out"
  expect 1 "$nsym" verify "$work/missing" "$c/addon.node"
  [[ "$err" == *"missing"* ]] || fail "missing binary: $err" ;;
*)
  fail "unknown case" ;;
esac
