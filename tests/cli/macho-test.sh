#!/usr/bin/env bash
# symbolize on Mach-O files (thin, universal, .dSYM bundles), against
# llvm-symbolizer on the fixtures of tests/fixtures/foreign. Usage:
# macho-test.sh NAPI_SYMBOLS CASE, with NSYM_FOREIGN_DIR set.
set -uo pipefail
nsym="$1"
case_name="$2"
dir="${NSYM_FOREIGN_DIR:?}/macho"
work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
export XDG_CACHE_HOME="$work/cache" # never write symcaches or downloads into HOME
unset NAPI_SYMBOLS_SERVER NAPI_SYMBOLS_TOKEN DEBUGINFOD_URLS

fail() { echo "FAIL [$case_name]: $*" >&2; exit 1; }
expect() { # STATUS CMD...: runs CMD, keeps stdout/stderr in $out/$err
  local want="$1"; shift
  "$@" >"$work/out" 2>"$work/err"
  local got=$?
  out="$(cat "$work/out")"; err="$(cat "$work/err")"
  [ "$got" -eq "$want" ] || fail "'$*' exited $got, expected $want; stderr: $err"
}

. "$(dirname "$0")/../lib.sh"
llvm_symbolizer=$(tool llvm-symbolizer)
objdump=$(tool llvm-objdump)
dwarfdump=$(tool llvm-dwarfdump)

# every other byte of FILE's __text (slice ARCH), one address a line
text_addresses() {
  local size start a
  read -r size start < <("$objdump" --macho --arch="$2" -h "$1" | awk '$2 == "__text" { print $3, $4 }')
  [ -n "${start:-}" ] || return 0
  for ((a = 16#$start; a < 16#$start + 16#$size; a += 2)); do printf '0x%x\n' "$a"; done
}

# agree FILE ARCH BINARY [OPTIONS...]: at every address of BINARY's code,
# ours and llvm-symbolizer --inlining on FILE give the same function, file,
# line and column in every frame
agree() {
  local file=$1 arch=$2
  text_addresses "$3" "$arch" >"$work/addrs"
  shift 3
  [ -s "$work/addrs" ] || fail "no __text in $file ($arch)"
  # llvm-symbolizer takes no .dSYM folder: llvm_obj names the file inside
  "$llvm_symbolizer" --obj="${llvm_obj:-$file}" --default-arch="$arch" --inlining <"$work/addrs" >"$work/llvm"
  "$nsym" symbolize -e "$file" --arch "$arch" "$@" <"$work/addrs" >"$work/ours" 2>"$work/err" ||
    fail "symbolize $file ($arch): $(cat "$work/err")"
  # ours: "f at file:l:c" and " (inlined by) f at ..."; llvm: "f" then "file:l:c"
  sed 's/^ (inlined by) //; s/ at /\n/' "$work/ours" >"$work/ours.llvm"
  diff "$work/llvm" "$work/ours.llvm" >"$work/diff" ||
    fail "$file ($arch) differs from llvm-symbolizer: $(head -20 "$work/diff")"
  grep -q "(inlined by)" "$work/ours" || fail "$file ($arch): no inlined frame was found"
  echo "$file ($arch): $(wc -l <"$work/addrs") addresses agree"
}

# the address of the inlined call site: the first address with an inline chain
inlined_address() {
  text_addresses "$1" "$2" | "$nsym" symbolize -e "$1" --arch "$2" --json 2>/dev/null |
    node -e 'const a = JSON.parse(require("fs").readFileSync(0, "utf8"));
      const x = a.find(e => e.frames.length > 1); if (x) console.log(x.address)'
}

uuid_of() { # FILE ARCH: the slice's UUID in 32 lowercase hex digits
  "$dwarfdump" --uuid "$1" | awk -v arch="($2)" '$3 == arch { print tolower($2) }' | tr -d -
}

case $case_name in
symbolize-macho)
  # every address of every slice, as llvm-symbolizer answers: the dSYM
  # beside the file (x86_64 bundle, universal file), the dSYM given
  x86=$dir/addon-x86_64.node fat=$dir/addon-fat.node
  agree "$x86" x86_64 "$x86"
  agree "$fat" x86_64 "$fat"
  agree "$fat" arm64 "$fat"
  agree "$dir/crasher.node" arm64 "$dir/crasher.node"
  agree "$dir/crasher.node" x86_64 "$dir/crasher.node"
  agree "$dir/addon-arm64e.node" arm64e "$dir/addon-arm64e.node"
  llvm_obj=$(find "$x86.dSYM" -type f -path '*DWARF*') agree "$x86.dSYM" x86_64 "$x86"
  cp "$x86" "$work/addon.node"
  llvm_obj=$(find "$x86.dSYM" -type f -path '*DWARF*') \
    agree "$work/addon.node" x86_64 "$x86" --debug-file "$x86.dSYM"
  # a dSYM's DWARF file given with -e: llvm-symbolizer answers from it alone
  dwarf=$(find "$fat.dSYM" -type f -path '*DWARF*')
  agree "$dwarf" arm64 "$fat" ;;
symcache-macho)
  # keyed by the slice's UUID; answers as the DWARF does
  a=$(inlined_address "$dir/addon-fat.node" arm64)
  [ -n "$a" ] || fail "no inlined address in the arm64 slice"
  expect 0 "$nsym" symbolize -e "$dir/addon-fat.node" --arch arm64 --cache never "$a"
  want=$out
  uuid=$(uuid_of "$dir/addon-fat.node" arm64)
  expect 0 "$nsym" symbolize -e "$dir/addon-fat.node" --arch arm64 --cache always "$a"
  [ "$out" = "$want" ] || fail "from the symcache: $out, not $want"
  ls "$XDG_CACHE_HOME"/napi-symbols/symcache/"$uuid".v*.symcache >/dev/null 2>&1 ||
    fail "no symcache named by UUID $uuid: $(ls -R "$XDG_CACHE_HOME")"
  expect 0 "$nsym" symbolize -e "$dir/addon-fat.node" --arch arm64 "$a"
  [ "$out" = "$want" ] || fail "warm: $out, not $want" ;;
slices-macho)
  # a universal file needs a slice; --uuid picks one as --arch does
  expect 1 "$nsym" symbolize -e "$dir/addon-fat.node" 0x10
  [[ "$err" == *"universal file"*"--arch"* ]] || fail "no slice chosen: $err"
  x86=$(uuid_of "$dir/addon-fat.node" x86_64)
  [ ${#x86} = 32 ] || fail "llvm-objdump gave no UUID: '$x86'"
  a=$(inlined_address "$dir/addon-fat.node" x86_64)
  expect 0 "$nsym" symbolize -e "$dir/addon-fat.node" --arch x86_64 "$a"
  by_arch=$out
  dashed="${x86:0:8}-${x86:8:4}-${x86:12:4}-${x86:16:4}-${x86:20}"
  expect 0 "$nsym" symbolize -e "$dir/addon-fat.node" --uuid "${dashed^^}" "$a"
  [ "$out" = "$by_arch" ] || fail "--uuid: $out, not $by_arch"
  expect 1 "$nsym" symbolize -e "$dir/addon-fat.node" --arch ppc 0x10
  [[ "$err" == *"no ppc slice"*"x86_64 $x86"* ]] || fail "unknown arch: $err"
  expect 1 "$nsym" symbolize -e "$dir/addon-fat.node" --uuid 00112233445566778899aabbccddeeff 0x10
  [[ "$err" == *"no slice with UUID 00112233445566778899aabbccddeeff"* ]] || fail "unknown uuid: $err" ;;
mismatch-macho)
  # a dSYM of another build is refused, naming both UUIDs
  arm=$(uuid_of "$dir/addon-fat.node" arm64)
  x86=$(uuid_of "$dir/addon-x86_64.node" x86_64)
  expect 1 "$nsym" symbolize -e "$dir/addon-fat.node" --arch arm64 \
    --debug-file "$dir/addon-x86_64.node.dSYM" 0x10
  [[ "$err" == *"is not the dSYM of"*"$arm"*"$x86"* ]] || fail "mismatch: $err"
  # beside the file under its name: refused the same way
  cp "$dir/addon-fat.node" "$work/other.node"
  cp -r "$dir/addon-x86_64.node.dSYM" "$work/other.node.dSYM"
  expect 1 "$nsym" symbolize -e "$work/other.node" --arch arm64 0x10
  [[ "$err" == *"other.node.dSYM"*"$arm"* ]] || fail "mismatch beside: $err"
  # no dSYM at all: the symbol table answers, marked approximate
  cp "$dir/addon-fat.node" "$work/alone.node"
  a=$(inlined_address "$dir/addon-fat.node" arm64)
  expect 0 "$nsym" symbolize -e "$work/alone.node" --arch arm64 --json "$a"
  [[ "$out" == *'"function": "napi_register_module_v1"'*'"approximate": true'* ]] ||
    fail "symbol table: $out" ;;
server-macho)
  # no dSYM on disk: fetched from the server by the slice's UUID
  serve_for_test
  expect 0 "$nsym" upload -q --server "$url" --token "$(cat "$work/token")" "$dir/addon-fat.node.dSYM"
  cp "$dir/addon-fat.node" "$work/shipped.node"
  a=$(inlined_address "$dir/addon-fat.node" arm64)
  expect 0 "$nsym" symbolize -e "$dir/addon-fat.node" --arch arm64 --cache never "$a"
  want=$out
  expect 0 "$nsym" symbolize -e "$work/shipped.node" --arch arm64 --no-fetch --cache never "$a"
  [ "$out" != "$want" ] || fail "answered with DWARF before any fetch: $out"
  expect 0 "$nsym" symbolize -e "$work/shipped.node" --arch arm64 --server "$url" --cache never "$a"
  [ "$out" = "$want" ] || fail "after the fetch: $out, not $want ($err)"
  # kept in the download cache: answers with no server
  expect 0 "$nsym" symbolize -e "$work/shipped.node" --arch arm64 --no-fetch --cache never "$a"
  [ "$out" = "$want" ] || fail "from the download cache: $out, not $want" ;;
*)
  fail "unknown case" ;;
esac
