#!/usr/bin/env bash
# symbolize on PE files with their PDB (and mingw DWARF, and exports
# alone), against llvm-symbolizer on the fixtures of tests/fixtures/foreign.
# Usage: pe-test.sh NAPI_SYMBOLS CASE, with NSYM_FOREIGN_DIR set.
#
# The reference is llvm-symbolizer-16 (Debian package llvm-16): the
# llvm-symbolizer of LLVM 14 gives an inlined frame the line of the range
# after the one that holds the address (NativeInlineSiteSymbol::
# getLineOffset, rewritten in LLVM 16), which the PDB's annotations do not
# say (docs/symbolizer.md has the figures against both).
set -uo pipefail
nsym="$1"
case_name="$2"
dir="${NSYM_FOREIGN_DIR:?}/pe"
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
command -v llvm-symbolizer-16 >/dev/null ||
  fail "llvm-symbolizer-16 not found: install the Debian package 'llvm-16'"
llvm_symbolizer=llvm-symbolizer-16
objdump=$(tool llvm-objdump)
readobj=$(tool llvm-readobj)

# every byte of FILE's .text up to 4 KiB, then every 61st (the fixtures'
# padding: NOPs without debug info), one virtual address a line
text_addresses() {
  local size start a
  read -r size start < <("$objdump" -h "$1" | awk '$2 == ".text" { print $3, $4 }')
  [ -n "${start:-}" ] || return 0
  for ((a = 16#$start; a < 16#$start + 16#$size; a += (a - 16#$start < 4096 ? 1 : 61))); do
    printf '0x%x\n' "$a"
  done
}

image_base() { "$readobj" --file-headers "$1" | awk '$1 == "ImageBase:" { print $2 }'; }

# agree FILE [REFERENCE] [OPTIONS...]: at the addresses of FILE's code, ours
# and llvm-symbolizer on REFERENCE (FILE by default) give the same
# function, file, line and column in every frame at 99% of them at least;
# the differences are printed
agree() {
  local file=$1 ref=${2:-$1} total same
  shift 2 2>/dev/null || shift
  text_addresses "$file" >"$work/addrs"
  [ -s "$work/addrs" ] || fail "no .text in $file"
  "$llvm_symbolizer" --obj="$ref" <"$work/addrs" >"$work/llvm"
  "$nsym" symbolize -e "$file" --cache never "$@" <"$work/addrs" >"$work/ours" 2>"$work/err" ||
    fail "symbolize $file: $(cat "$work/err")"
  # ours: "f at file:l:c" and " (inlined by) f at ..."; llvm: "f" then "file:l:c"
  sed 's/^ (inlined by) //; s/ at /\n/' "$work/ours" >"$work/ours.llvm"
  # one record per address: its frames joined
  awk 'BEGIN { RS = ""; FS = "\n" } { $1 = $1; print }' "$work/llvm" >"$work/a"
  awk 'BEGIN { RS = ""; FS = "\n" } { $1 = $1; print }' "$work/ours.llvm" >"$work/b"
  total=$(wc -l <"$work/addrs")
  [ "$(wc -l <"$work/a")" = "$total" ] && [ "$(wc -l <"$work/b")" = "$total" ] ||
    fail "$file: $(wc -l <"$work/a") and $(wc -l <"$work/b") answers for $total addresses"
  same=$(paste -d '\t' "$work/a" "$work/b" | awk -F '\t' '$1 == $2' | wc -l)
  paste -d '\n' "$work/addrs" "$work/a" "$work/b" | awk 'NR % 3 == 1 { a = $0 } NR % 3 == 2 { l = $0 }
    NR % 3 == 0 && l != $0 { print a ": llvm " l; print a ": ours " $0 }' | head -20
  echo "$file: $same of $total addresses agree with llvm-symbolizer in every frame"
  [ $((same * 100)) -ge $((total * 99)) ] || fail "$file: only $same of $total agree"
  if [ "${want_inlines:-1}" = 1 ]; then
    grep -q "(inlined by)" "$work/ours" || fail "$file: no inlined frame was found"
  fi
}

# the first address of FILE with an inline chain
inlined_address() {
  text_addresses "$1" | head -4096 | "$nsym" symbolize -e "$1" --cache never --json 2>/dev/null |
    node -e 'const a = JSON.parse(require("fs").readFileSync(0, "utf8"));
      const x = a.find(e => e.frames.length > 1); if (x) console.log(x.address)'
}

case $case_name in
symbolize-pe)
  # every code address, as llvm-symbolizer answers: the PDB where the
  # image's CodeView record names it (full path) or beside it (file name
  # alone), for x86_64, i386 and arm64; several modules; the 512-byte-block
  # PDB given; mingw DWARF; exports alone
  for f in addon.node addon-i386.node addon-arm64.exe crasher.node crasher-i386.node \
    crasher-arm64.node; do
    agree "$dir/$f"
  done
  agree "$dir/addon.node" "$dir/addon.node" --debug-file "$dir/addon-512.pdb"
  agree "$dir/addon-mingw.dll"
  want_inlines=0 agree "$dir/addon-nodebug.node" ;;
mismatch-pe)
  # another build's PDB is refused, naming both GUIDs and ages
  pdb_id() { "$nsym" inspect "$1" | sed -n 's/^ *pdb id: *\([0-9A-F]*\).*/\1/p'; }
  want=$(pdb_id "$dir/crasher.node") have=$(pdb_id "$dir/addon.pdb")
  [ ${#want} -ge 33 ] && [ ${#have} -ge 33 ] || fail "inspect gave no PDB ids: '$want' '$have'"
  expect 1 "$nsym" symbolize -e "$dir/crasher.node" --debug-file "$dir/addon.pdb" 0x180001000
  [[ "$err" == *"addon.pdb: is not the PDB of"*"crasher.node"*"$have"*"$want"* ]] ||
    fail "mismatch: $err"
  # beside the image under the name its record gives: refused the same way
  cp "$dir/crasher.node" "$work/crasher.node"
  cp "$dir/addon.pdb" "$work/crasher.pdb"
  expect 1 "$nsym" symbolize -e "$work/crasher.node" 0x180001000
  [[ "$err" == *"crasher.pdb: is not the PDB of"*"$have"*"$want"* ]] || fail "mismatch beside: $err"
  # the same GUID with another age (the DBI stream's, which images name)
  node -e 'const fs = require("fs"); const b = fs.readFileSync(process.argv[1]);
    const bs = b.readUInt32LE(32), d = b.readUInt32LE(b.readUInt32LE(52) * bs) * bs;
    const n = b.readUInt32LE(d); let at = 4 + 4 * n;
    for (let s = 0; s < 3; s++) { const z = b.readUInt32LE(d + 4 + 4 * s);
      if (z !== 0xffffffff) at += 4 * Math.ceil(z / bs); }
    const dbi = b.readUInt32LE(d + at) * bs; b.writeUInt32LE(b.readUInt32LE(dbi + 8) + 1, dbi + 8);
    fs.writeFileSync(process.argv[2], b)' "$dir/crasher.pdb" "$work/aged.pdb" ||
    fail "cannot age a copy of crasher.pdb"
  aged=$(pdb_id "$work/aged.pdb")
  [ "${aged%?}" = "${want%?}" ] && [ "$aged" != "$want" ] || fail "aged copy: $aged, image: $want"
  expect 1 "$nsym" symbolize -e "$dir/crasher.node" --debug-file "$work/aged.pdb" 0x180001000
  [[ "$err" == *"is not the PDB of"*"$aged"*"$want"* ]] || fail "another age: $err" ;;
relative-pe)
  # RVAs with --relative-address, as llvm-symbolizer takes them
  base=$(image_base "$dir/crasher.node")
  a=$(inlined_address "$dir/crasher.node")
  [ -n "$a" ] || fail "no inlined address in crasher.node"
  rva=$(printf '0x%x' $((a - base)))
  expect 0 "$nsym" symbolize -e "$dir/crasher.node" --cache never "$a"
  by_va=$out
  expect 0 "$nsym" symbolize -e "$dir/crasher.node" --cache never --relative-address "$rva"
  [ "$out" = "$by_va" ] || fail "--relative-address $rva: $out, not $by_va"
  [[ "$out" == *"(inlined by)"* ]] || fail "no inline chain at $a: $out"
  llvm=$("$llvm_symbolizer" --obj="$dir/crasher.node" --relative-address "$rva" | head -2 | tr '\n' ' ')
  [[ "$llvm" == "${out%% at *} "* ]] || fail "llvm-symbolizer --relative-address: $llvm; ours: $out"
  # JSON keeps the address as given
  expect 0 "$nsym" symbolize -e "$dir/crasher.node" --cache never --relative-address --json "$rva"
  [[ "$out" == *"\"address\": \"$rva\""* ]] || fail "JSON address: $out" ;;
exports-pe)
  # the PDB the image names is nowhere: the exports name the code,
  # approximate (llvm-symbolizer answers ?? then; for an image that names
  # no PDB it reads the same exports, which symbolize-pe checks)
  cp "$dir/crasher.node" "$work/alone.node"
  a=$(inlined_address "$dir/crasher.node")
  expect 0 "$nsym" symbolize -e "$work/alone.node" --no-fetch --cache never --json "$a"
  [[ "$out" == *'"function": "napi_register_module_v1"'*'"approximate": true'* ]] ||
    fail "exports: $out"
  [[ "$out" != *'"inlined": true'* ]] || fail "inline frames without a PDB: $out"
  # the other export, addon_checksum, names its own code
  b=$("$objdump" -d "$dir/crasher.node" | awk '/<addon_checksum>:/ { print "0x" $1; exit }')
  [ -n "$b" ] || fail "no addon_checksum in the disassembly"
  expect 0 "$nsym" symbolize -e "$work/alone.node" --no-fetch --cache never --json "$b"
  [[ "$out" == *'"function": "addon_checksum"'*'"approximate": true'* ]] || fail "at $b: $out" ;;
server-pe)
  # no PDB on disk: fetched from the server by its SymSrv key, then kept
  # in the download cache
  serve_for_test
  expect 0 "$nsym" upload -q --server "$url" --token "$(cat "$work/token")" "$dir/crasher.pdb"
  cp "$dir/crasher.node" "$work/shipped.node"
  a=$(inlined_address "$dir/crasher.node")
  expect 0 "$nsym" symbolize -e "$dir/crasher.node" --cache never "$a"
  want=$out
  expect 0 "$nsym" symbolize -e "$work/shipped.node" --no-fetch --cache never "$a"
  [ "$out" != "$want" ] || fail "answered with the PDB before any fetch: $out"
  expect 0 "$nsym" symbolize -e "$work/shipped.node" --server "$url" --cache never "$a"
  [ "$out" = "$want" ] || fail "after the fetch: $out, not $want ($err)"
  expect 0 "$nsym" symbolize -e "$work/shipped.node" --no-fetch --cache never "$a"
  [ "$out" = "$want" ] || fail "from the download cache: $out, not $want" ;;
names-pe)
  # a public with a Rust legacy name names its procedure demangled, its
  # hash dropped as everywhere in napi-symbols (llvm-symbolizer keeps
  # "::h0123456789abcdef"); an MSVC-decorated one demangled as
  # llvm-symbolizer prints it ("ns::cpp(int)": no return type, calling
  # convention or access), the decorated name the linkage name; so is an
  # export's when there is no PDB
  f=$dir/names.dll
  pdbutil=$(tool llvm-pdbutil)
  # public_va NAME: where the PDB's public NAME is (section 1 is .text)
  public_va() {
    local off
    off=$("$pdbutil" dump --publics "$dir/names.pdb" | awk -v n="$1" '
      index($0, "`" n "`") { want = 1; next }
      want && /addr = / { sub(/.*addr = 0001:/, ""); sub(/[^0-9a-fA-F].*/, ""); print; exit }')
    [ -n "$off" ] && printf '0x%x\n' $(($(image_base "$f") + 0x1000 + 16#$off))
  }
  rust=$(public_va _ZN5addon7process17h0123456789abcdefE) msvc=$(public_va '?cpp@ns@@YAHH@Z')
  [ -n "$rust" ] && [ -n "$msvc" ] || fail "no publics in names.pdb: '$rust' '$msvc'"
  expect 0 "$nsym" symbolize -e "$f" --cache never --json "$rust"
  [[ "$out" == *'"function": "addon::process"'*'"linkage_name": "_ZN5addon7process17h0123456789abcdefE"'* ]] ||
    fail "Rust name: $out"
  llvm=$("$llvm_symbolizer" --obj="$f" "$rust" | head -1)
  [ "$llvm" = "addon::process::h0123456789abcdef" ] || fail "llvm-symbolizer says '$llvm'"
  llvm=$("$llvm_symbolizer" --obj="$f" "$msvc" | head -1)
  [ "$llvm" = "ns::cpp(int)" ] || fail "llvm-symbolizer says '$llvm'"
  expect 0 "$nsym" symbolize -e "$f" --cache never --json "$msvc"
  [[ "$out" == *'"function": "ns::cpp(int)"'*'"linkage_name": "?cpp@ns@@YAHH@Z"'* ]] || fail "MSVC name: $out"
  [[ "$out" != *'"approximate"'* ]] || fail "a procedure's frame is not approximate: $out"
  expect 0 "$nsym" symbolize -e "$f" --cache never "$msvc"
  [ "${out%% at *}" = "$llvm" ] || fail "text: $out, llvm-symbolizer: $llvm"
  # the export ?area@Shape@ns@@QEBAHH@Z, "public: int __cdecl
  # ns::Shape::area(int) const" to llvm-undname, of the image without a PDB
  f=$dir/names-nopdb.dll
  a=$("$objdump" -d "$f" | awk '/<\?area@Shape@ns@@QEBAHH@Z>:/ { print $1; exit }')
  [ -n "$a" ] || fail "no ?area@Shape@ns@@QEBAHH@Z in the disassembly"
  a=$(printf '0x%x' $((16#$a + 4)))
  llvm=$("$llvm_symbolizer" --obj="$f" "$a" | head -1)
  [ "$llvm" = "ns::Shape::area(int) const" ] || fail "llvm-symbolizer says '$llvm'"
  raw=$("$llvm_symbolizer" --no-demangle --obj="$f" "$a" | head -1)
  [ "$raw" = '?area@Shape@ns@@QEBAHH@Z' ] || fail "llvm-symbolizer --no-demangle says '$raw'"
  expect 0 "$nsym" symbolize -e "$f" --no-fetch --cache never --json "$a"
  [[ "$out" == *"\"function\": \"$llvm\""*'"approximate": true'*"\"linkage_name\": \"$raw\""* ]] ||
    fail "export: $out" ;;
symcache-pe)
  # keyed by the PDB's GUID and age; answers as the PDB does, every frame
  # and every field (JSON), inline chains and --no-inlines included
  id=$("$nsym" inspect "$dir/crasher.node" | sed -n 's/^ *pdb id: *\([0-9A-F]*\).*/\1/p')
  text_addresses "$dir/crasher.node" | head -4096 >"$work/addrs"
  for opts in "--json" "--no-inlines --json"; do
    # shellcheck disable=SC2086
    "$nsym" symbolize -e "$dir/crasher.node" --cache never $opts <"$work/addrs" >"$work/live" ||
      fail "symbolize $opts"
    # shellcheck disable=SC2086
    "$nsym" symbolize -e "$dir/crasher.node" --cache always $opts <"$work/addrs" >"$work/cached" ||
      fail "symbolize --cache always $opts"
    ls "$XDG_CACHE_HOME"/napi-symbols/symcache/"${id,,}".v*.symcache >/dev/null 2>&1 ||
      fail "no symcache named by the PDB id ${id,,}: $(ls -R "$XDG_CACHE_HOME")"
    cmp -s "$work/live" "$work/cached" || fail "from the symcache ($opts): $(diff "$work/live" "$work/cached" | head -12)"
    [ "$opts" != --json ] || grep -q '"inlined": true' "$work/live" || fail "no inline chain in the answers"
  done
  # an image whose PDB is missing writes no symcache: it would hide the
  # PDB once found
  cp "$dir/crasher.node" "$work/alone.node"
  rm -rf "$XDG_CACHE_HOME"
  expect 0 "$nsym" symbolize -e "$work/alone.node" --no-fetch --cache always 0x180001000
  [ ! -e "$XDG_CACHE_HOME"/napi-symbols/symcache/"${id,,}".v*.symcache ] ||
    fail "a symcache of the exports alone was written" ;;
*)
  fail "unknown case" ;;
esac
