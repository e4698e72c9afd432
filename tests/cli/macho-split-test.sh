#!/usr/bin/env bash
# split on Mach-O addons and their dSYMs, checked with LLVM's tools and by
# symbolizing. Each case builds macho-split-addon.c for arm64 (ad-hoc
# signed by ld64.lld) and x86_64 with clang, ld64.lld, llvm-lipo and
# dsymutil, as tests/fixtures/foreign/build.sh does. Usage:
# macho-split-test.sh NAPI_SYMBOLS CASE.
set -uo pipefail
nsym="$1"
case_name="$2"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
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

tool() { # the LLVM tool NAME, plain or versioned as Debian installs them
  local n
  for n in "$1" "$1-16" "$1-15" "$1-14" /usr/lib/llvm-*/bin/"$1"; do
    command -v "$n" 2>/dev/null && return
  done
  fail "$1 not found (Debian package llvm, clang or lld)"
}
clang=$(tool clang)
ld64=$(tool ld64.lld)
lipo=$(tool llvm-lipo)
dsymutil=$(tool dsymutil)
objdump=$(tool llvm-objdump)
nm=$(tool llvm-nm)
dwarfdump=$(tool llvm-dwarfdump)
objcopy=$(tool llvm-objcopy)
mkdir -p "$work/bin"
ln -s "$lipo" "$work/bin/lipo" # dsymutil runs `lipo` to join a universal dSYM

# build: addon-arm64.node, addon-x86_64.node, addon.node (universal), each
# with its .dSYM beside it, in $work
build() {
  local a
  for a in arm64 x86_64; do
    "$clang" --target=$a-apple-macos11 -g -O1 -c "$here/macho-split-addon.c" -o "$work/$a.o" ||
      fail "clang $a"
    "$ld64" -arch $a -platform_version macos 11.0 11.0 -bundle -undefined dynamic_lookup \
      -o "$work/addon-$a.node" "$work/$a.o" || fail "ld64.lld $a"
  done
  "$lipo" -create "$work/addon-x86_64.node" "$work/addon-arm64.node" -output "$work/addon.node" ||
    fail "llvm-lipo"
  for f in addon-arm64.node addon-x86_64.node addon.node; do
    PATH="$work/bin:$PATH" "$dsymutil" "$work/$f" 2>"$work/err" || fail "dsymutil $f: $(cat "$work/err")"
  done
  cp -r "$work/addon.node" "$work/addon.node.orig"
}

uuids() { "$dwarfdump" --uuid "$1" | awk '{ print $2, $3 }'; }

# field FILE ARCH CMD KEY: a value llvm-objdump prints for a load command
field() {
  "$objdump" --macho --private-headers --arch="$2" "$1" |
    awk -v cmd="$3" -v key="$4" '$1 == "cmd" { in_cmd = $2 == cmd } in_cmd && $1 == key { print $2; exit }'
}

# linkedit FILE ARCH: "fileoff filesize vmsize" of __LINKEDIT
linkedit() {
  "$objdump" --macho --private-headers --arch="$2" "$1" | awk '
    $1 == "segname" { seg = $2 } seg == "__LINKEDIT" && $1 == "vmsize" { v = $2 }
    seg == "__LINKEDIT" && $1 == "fileoff" { o = $2 }
    seg == "__LINKEDIT" && $1 == "filesize" { print o, $2, v; exit }'
}

# stripped_ok FILE ARCH BEFORE: the checks every stripped image passes,
# BEFORE being the image as linked
stripped_ok() {
  local f=$1 arch=$2 before=$3 slice_size o s v what
  "$objdump" --macho --private-headers --arch="$arch" "$f" >"$work/headers" 2>"$work/herr" ||
    fail "$arch: llvm-objdump --private-headers: $(cat "$work/herr")"
  [ ! -s "$work/herr" ] || fail "$arch: llvm-objdump warns: $(cat "$work/herr")"
  # no debug map and no local symbols; exports and imports kept
  "$nm" -a --arch="$arch" "$f" >"$work/nm" 2>&1 || fail "$arch: llvm-nm: $(cat "$work/nm")"
  if grep -E ' - [0-9a-f]{2} [0-9a-f]{4} ' "$work/nm"; then fail "$arch: stabs left"; fi
  if grep -E ' [a-z] ' "$work/nm"; then fail "$arch: local symbols left"; fi
  grep -q ' T _napi_register_module_v1$' "$work/nm" || fail "$arch: the export is gone: $(cat "$work/nm")"
  [ "$(grep -c ' U ' "$work/nm")" = 3 ] || fail "$arch: undefined symbols: $(cat "$work/nm")"
  # LC_DYSYMTAB's groups renumbered: no locals, 1 defined, 3 undefined
  [ "$(field "$f" "$arch" LC_DYSYMTAB nlocalsym)" = 0 ] || fail "$arch: nlocalsym"
  [ "$(field "$f" "$arch" LC_DYSYMTAB iextdefsym)" = 0 ] || fail "$arch: iextdefsym"
  [ "$(field "$f" "$arch" LC_DYSYMTAB nextdefsym)" = 1 ] || fail "$arch: nextdefsym"
  [ "$(field "$f" "$arch" LC_DYSYMTAB iundefsym)" = 1 ] || fail "$arch: iundefsym"
  [ "$(field "$f" "$arch" LC_DYSYMTAB nundefsym)" = 3 ] || fail "$arch: nundefsym"
  # what dyld reads is unchanged: exports, binds, and the symbols that
  # stubs and pointers name through the indirect symbol table
  for what in --exports-trie --bind --lazy-bind --weak-bind --rebase; do
    "$objdump" --macho $what --arch="$arch" "$before" | tail -n +2 >"$work/want"
    "$objdump" --macho $what --arch="$arch" "$f" | tail -n +2 >"$work/got"
    diff "$work/want" "$work/got" >"$work/diff" || fail "$arch: $what differs: $(cat "$work/diff")"
  done
  "$objdump" --macho --indirect-symbols --arch="$arch" "$before" | awk 'NF == 3 { print $1, $3 }' >"$work/want"
  "$objdump" --macho --indirect-symbols --arch="$arch" "$f" | awk 'NF == 3 { print $1, $3 }' >"$work/got"
  [ -s "$work/want" ] || fail "$arch: the fixture has no indirect symbols"
  diff "$work/want" "$work/got" >"$work/diff" || fail "$arch: indirect symbols differ: $(cat "$work/diff")"
  # __LINKEDIT ends the image and covers its contents
  "$lipo" -thin "$arch" "$f" -output "$work/thin" 2>/dev/null || cp "$f" "$work/thin"
  slice_size=$(stat -c %s "$work/thin")
  read -r o s v < <(linkedit "$f" "$arch")
  [ $((o + s)) = "$slice_size" ] || fail "$arch: __LINKEDIT ends at $((o + s)), the image at $slice_size"
  [ $((v)) -ge "$s" ] || fail "$arch: __LINKEDIT vmsize $v < filesize $s"
  # the code still disassembles, and llvm-objcopy reads the layout
  "$objdump" --macho -d --arch="$arch" "$f" >"$work/dis"
  grep -q '_napi_register_module_v1:' "$work/dis" || fail "$arch: no code disassembled"
  "$objcopy" "$work/thin" "$work/copy" 2>"$work/err" || fail "$arch: llvm-objcopy: $(cat "$work/err")"
}

# every other address of __text, for ARCH of FILE
text_addresses() {
  local size start a
  read -r size start < <("$objdump" --arch-name="$2" -h "$1" | awk '$2 == "__text" { print $3, $4 }')
  for ((a = 16#$start; a < 16#$start + 16#$size; a += 2)); do printf '0x%x\n' "$a"; done
}

# same_answers BEFORE AFTER DSYM ARCH: symbolizing the stripped file with
# its dSYM answers as the file as linked did
same_answers() {
  text_addresses "$1" "$4" >"$work/addrs"
  [ -s "$work/addrs" ] || fail "$4: no __text"
  "$nsym" symbolize -e "$1" --arch "$4" --cache never <"$work/addrs" >"$work/want" 2>"$work/err" ||
    fail "symbolize $1: $(cat "$work/err")"
  "$nsym" symbolize -e "$2" --debug-file "$3" --arch "$4" --cache never <"$work/addrs" >"$work/got" 2>"$work/err" ||
    fail "symbolize $2: $(cat "$work/err")"
  grep -q 'step at .*macho-split-addon.c:2[0-9]' "$work/want" || fail "$4: no source lines: $(head "$work/want")"
  diff "$work/want" "$work/got" >"$work/diff" || fail "$4: answers differ: $(head -20 "$work/diff")"
}

case $case_name in
split-macho-thin)
  # each thin image in place: the arm64 one signed again, the x86_64 one
  # not signed at all, both with the UUID they had
  build
  for a in arm64 x86_64; do
    f=$work/addon-$a.node
    cp "$f" "$work/before"
    u=$(uuids "$f")
    "$nm" -a "$f" >"$work/nm"
    grep -q ' OSO ' "$work/nm" || fail "$a: the fixture has no debug map"
    expect 0 "$nsym" split "$f"
    [[ "$out" == *"$a"*"uuid"*"4 of "*"symbols kept"* ]] || fail "$a: output: $out"
    stripped_ok "$f" $a "$work/before"
    [ "$(uuids "$f")" = "$u" ] || fail "$a: UUID changed: $(uuids "$f"), was $u"
    [ "$(stat -c %s "$f")" -lt "$(stat -c %s "$work/before")" ] || fail "$a: not smaller"
    node "$here/check-codesign.js" "$f" >"$work/cs" || fail "$a: code signature"
    if [ $a = arm64 ]; then
      grep -q '^arm64 signed' "$work/cs" || fail "arm64 is not signed: $(cat "$work/cs")"
      [[ "$out" == *"signed again"* ]] || fail "arm64: not said to be signed again: $out"
    else
      grep -q '^x86_64 unsigned' "$work/cs" || fail "x86_64 gained a signature: $(cat "$work/cs")"
    fi
  done ;;
split-macho-universal)
  # both slices, a new universal header with each slice at its alignment
  build
  f=$work/addon.node
  u=$(uuids "$f")
  expect 0 "$nsym" split -o "$work/out.node" "$f"
  cmp -s "$f" "$work/addon.node.orig" || fail "-o changed the input"
  for a in x86_64 arm64; do stripped_ok "$work/out.node" $a "$f"; done
  [ "$(uuids "$work/out.node")" = "$u" ] || fail "UUIDs changed: $(uuids "$work/out.node"), were $u"
  "$objdump" --macho --universal-headers "$work/out.node" >"$work/fat" || fail "universal headers"
  awk '$1 == "offset" { o = $2 } $1 == "align" { sub(/^2\^/, "", $2); if (o % (2 ^ $2)) bad = 1 }
       END { exit bad }' "$work/fat" || fail "a slice is not aligned: $(cat "$work/fat")"
  info=$("$lipo" -info "$work/out.node")
  [[ "$info" == *"x86_64 arm64"* ]] || fail "llvm-lipo -info: $info"
  node "$here/check-codesign.js" "$work/out.node" >"$work/cs" || fail "code signature"
  [ "$(cat "$work/cs")" = "$(printf 'x86_64 unsigned\narm64 signed %s 4096' \
    "$(awk '$1 == "arm64" { print $3 }' "$work/cs")")" ] || fail "signatures: $(cat "$work/cs")"
  # --json says what was done
  expect 0 "$nsym" split --json -f -o "$work/out2.node" "$f"
  echo "$out" | node -e '
    const r = JSON.parse(require("fs").readFileSync(0, "utf8"));
    const ok = r.format === "macho-universal" && r.slices.length === 2 &&
      r.slices.every(s => s.symbols_after === 4 && s.symbols_before > 4 && /^[0-9a-f]{32}$/.test(s.uuid)) &&
      r.slices[1].resigned === true && r.slices[0].resigned === false && r.dsym.endsWith("addon.node.dSYM");
    process.exit(ok ? 0 : 1)' || fail "--json: $out"
  cmp -s "$work/out.node" "$work/out2.node" || fail "two splits of one file differ" ;;
split-macho-symbolize)
  # the stripped file with its dSYM answers as before, at every address
  build
  expect 0 "$nsym" split -o "$work/out.node" "$work/addon.node"
  for a in x86_64 arm64; do
    same_answers "$work/addon.node" "$work/out.node" "$work/addon.node.dSYM" $a
  done
  # verify pairs them, slice by slice
  expect 0 "$nsym" verify "$work/out.node" "$work/addon.node.dSYM"
  [ "$(printf '%s\n' "$out" | grep -c 'DWARF covers 100.0% of the code')" = 2 ] || fail "verify: $out"
  # and found by name beside the stripped file
  cp -r "$work/addon.node.dSYM" "$work/out.node.dSYM"
  expect 0 "$nsym" symbolize -e "$work/out.node" --arch arm64 --cache never \
    "$(text_addresses "$work/addon.node" arm64 | sed -n 20p)"
  [[ "$out" == *"macho-split-addon.c:"* ]] || fail "dSYM beside: $out" ;;
split-macho-no-dsym)
  # no dSYM: refused, saying how to make one, and nothing changes
  build
  rm -rf "$work/addon.node.dSYM"
  expect 1 "$nsym" split "$work/addon.node"
  [[ "$err" == *"no dSYM"*"dsymutil "*"addon.node"*'split-debuginfo = "packed"'* ]] ||
    fail "no dSYM: $err"
  cmp -s "$work/addon.node" "$work/addon.node.orig" || fail "the input changed"
  [ "$(ls -A "$work" | grep -c '^\.')" = 0 ] || fail "temporary files left: $(ls -A "$work")"
  # a dSYM named that does not exist
  expect 1 "$nsym" split --dsym "$work/nowhere.dSYM" "$work/addon.node"
  [[ "$err" == *"nowhere.dSYM"* ]] || fail "missing --dsym: $err"
  # a dSYM with no DWARF: the debug map would be lost for good
  "$clang" --target=arm64-apple-macos11 -O1 -c "$here/macho-split-addon.c" -o "$work/nodebug.o"
  "$ld64" -arch arm64 -platform_version macos 11.0 11.0 -bundle -undefined dynamic_lookup \
    -o "$work/nodebug.node" "$work/nodebug.o"
  PATH="$work/bin:$PATH" "$dsymutil" "$work/nodebug.node" 2>/dev/null
  expect 1 "$nsym" split "$work/nodebug.node"
  [[ "$err" == *"holds no DWARF for the arm64 slice"* ]] || fail "empty dSYM: $err" ;;
split-macho-mismatch)
  # a dSYM of another build: refused, naming both UUIDs
  build
  arm=$("$dwarfdump" --uuid "$work/addon-arm64.node" | awk '{ print tolower($2) }' | tr -d -)
  x86=$("$dwarfdump" --uuid "$work/addon-x86_64.node.dSYM" | awk '{ print tolower($2) }' | tr -d -)
  expect 1 "$nsym" split --dsym "$work/addon-x86_64.node.dSYM" "$work/addon-arm64.node"
  [[ "$err" == *"is not the dSYM of"*"arm64 slice has UUID $arm"*"x86_64 $x86"* ]] || fail "mismatch: $err"
  # a universal file whose dSYM covers one slice only
  expect 1 "$nsym" split --dsym "$work/addon-arm64.node.dSYM" "$work/addon.node"
  [[ "$err" == *"x86_64 slice has UUID"* ]] || fail "half a dSYM: $err"
  cmp -s "$work/addon.node" "$work/addon.node.orig" || fail "the input changed" ;;
split-macho-keep-symbols)
  # --keep-symbols: the local symbols stay, the debug map goes
  build
  expect 0 "$nsym" split --keep-symbols "$work/addon-arm64.node"
  "$nm" -a "$work/addon-arm64.node" >"$work/nm"
  if grep -E ' - [0-9a-f]{2} [0-9a-f]{4} ' "$work/nm"; then fail "stabs left"; fi
  grep -q ' t _step$' "$work/nm" || fail "local symbol gone: $(cat "$work/nm")"
  grep -q ' T _napi_register_module_v1$' "$work/nm" || fail "export gone"
  [ "$(field "$work/addon-arm64.node" arm64 LC_DYSYMTAB nlocalsym)" -ge 2 ] || fail "nlocalsym"
  cs=$(node "$here/check-codesign.js" "$work/addon-arm64.node") || fail "signature: $cs"
  [[ "$cs" == "arm64 signed"* ]] || fail "signature: $cs"
  same_answers "$work/addon-arm64.node" "$work/addon-arm64.node" "$work/addon-arm64.node.dSYM" arm64 ;;
split-macho-refused)
  # what split cannot or must not do leaves everything as it was
  build
  expect 0 "$nsym" split -q "$work/addon.node"
  cp "$work/addon.node" "$work/stripped"
  expect 1 "$nsym" split "$work/addon.node"
  [[ "$err" == *"already stripped"* ]] || fail "twice: $err"
  cmp -s "$work/addon.node" "$work/stripped" || fail "a second split changed the file"
  cp "$work/addon.node.orig" "$work/addon.node"
  expect 1 "$nsym" split -d "$work/x.debug" "$work/addon.node"
  [[ "$err" == *"--dsym"* ]] || fail "-d: $err"
  expect 1 "$nsym" split --compress zstd "$work/addon.node"
  [[ "$err" == *"compression is for ELF"* ]] || fail "--compress: $err"
  # an object file (its relocations number symbols) and a dSYM are no addons
  expect 1 "$nsym" split -o "$work/o.out" "$work/arm64.o"
  [[ "$err" == *"is a Mach-O object"*"split takes a linked addon"* ]] || fail "object: $err"
  expect 1 "$nsym" split -o "$work/d.out" "$work/addon.node.dSYM/Contents/Resources/DWARF/addon.node"
  [[ "$err" == *"is a debug file"* ]] || fail "dSYM: $err"
  cp "$nsym" "$work/elf"
  expect 1 "$nsym" split --dsym "$work/addon.node.dSYM" -o "$work/elf.out" "$work/elf"
  [[ "$err" == *"goes with a Mach-O file"* ]] || fail "--dsym on ELF: $err"
  # a signature that is not ad hoc cannot be made again: clear CS_ADHOC
  # in the CodeDirectory's flags (SuperBlob 24 bytes, then flags at 12)
  f=$work/addon-arm64.node
  cp "$f" "$work/arm64.orig"
  off=$(field "$f" arm64 LC_CODE_SIGNATURE dataoff)
  printf '\x00\x02\x00\x00' | dd of="$f" bs=1 seek=$((off + 24 + 12)) conv=notrunc 2>/dev/null
  expect 1 "$nsym" split "$f"
  [[ "$err" == *"not ad hoc"*"sign the stripped file"* ]] || fail "certificate: $err"
  cmp -s "$f" "$work/arm64.orig" && fail "the flags were not changed"
  [ "$(ls -A "$work" | grep -c '^\.')" = 0 ] || fail "temporary files left: $(ls -A "$work")" ;;
*)
  fail "unknown case" ;;
esac
