#!/usr/bin/env bash
# Command-line behaviour of napi-symbols: help, version, usage errors and
# one-line errors for bad files. Usage: cli-test.sh NAPI_SYMBOLS CASE
set -uo pipefail
nsym="$1"
case_name="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export XDG_CACHE_HOME="$work/cache" # never write symcaches into HOME

fail() { echo "FAIL [$case_name]: $*" >&2; exit 1; }
# expect STATUS CMD...: runs CMD, keeps stdout/stderr in $out/$err
expect() {
  local want="$1"; shift
  "$@" >"$work/out" 2>"$work/err"
  local got=$?
  out="$(cat "$work/out")"; err="$(cat "$work/err")"
  [ "$got" -eq "$want" ] || fail "'$*' exited $got, expected $want; stderr: $err"
}
one_line_naming() { # FILE WORD: stderr is one line naming FILE and containing WORD
  [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "expected one error line, got: $err"
  case "$err" in *"$1"*"$2"*|*"$2"*"$1"*) ;; *) fail "error '$err' does not name '$1' and '$2'";; esac
  case "$err" in "napi-symbols: "*) ;; *) fail "error '$err' lacks the program prefix";; esac
}

# A program with DWARF of its own, built here with its own flags: the
# build's programs have none in a Release build.
prog() {
  printf '%s\n' 'static int twice(int x) { return 2 * x; }' \
    'int main(int argc, char **argv) { (void)argv; return twice(argc); }' >"$work/main.c"
  cc -g -O0 -Wl,--build-id -o "$work/prog" "$work/main.c" || fail "cc failed"
  echo "$work/prog"
}

case "$case_name" in
help)
  expect 0 "$nsym" --help;      [[ "$out" == *symbolize* ]] || fail "--help lists no commands"
  expect 0 "$nsym" help symbolize; [[ "$out" == *"--json"* ]] || fail "help symbolize lacks options"
  expect 0 "$nsym" symbolize --help; [[ "$out" == *"Exit status"* ]] || fail "no exit status documented"
  expect 0 "$nsym" symbolize -h
  for c in $("$nsym" --help | awk '/^Commands:/{f=1;next} f&&NF==0{f=0} f{print $1}'); do
    expect 0 "$nsym" "$c" --help; [ -n "$out" ] || fail "$c --help printed nothing"
  done ;;
output)
  # output that cannot be written fails every command, help and version too
  if [ -w /dev/full ]; then
    for args in --help --version "symbolize --help" "help split"; do
      # shellcheck disable=SC2086 # one argument per word
      "$nsym" $args >/dev/full 2>"$work/err" && fail "$args >/dev/full gave 0"
      grep -q "cannot write the output: No space left on device" "$work/err" || fail "$args: $(cat "$work/err")"
    done
  fi
  # serve: a reader gone before the address is printed is only a warning,
  # and a clean stop still exits 0
  mkfifo "$work/fifo"
  (exec 3<"$work/fifo") &
  "$nsym" serve --store "$work/st" --listen 127.0.0.1:0 >"$work/fifo" 2>"$work/serve.err" &
  spid=$!
  for _ in $(seq 100); do
    grep -q "cannot print the address" "$work/serve.err" && break
    sleep 0.1
  done
  grep -q "warning: cannot print the address: Broken pipe" "$work/serve.err" || fail "serve: $(cat "$work/serve.err")"
  kill -TERM "$spid"; wait "$spid" || fail "serve stopped with status $? once its reader was gone" ;;
version)
  expect 0 "$nsym" --version; [[ "$out" =~ ^napi-symbols\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "version: $out" ;;
usage)
  expect 129 "$nsym"
  expect 129 "$nsym" no-such-command
  expect 129 "$nsym" symbolize --no-such-flag -e x
  expect 129 "$nsym" symbolize 0x10
  expect 129 "$nsym" help no-such-command ;;
bad-files)
  expect 1 "$nsym" symbolize -e "$work/missing" 0x10;   one_line_naming "$work/missing" "No such file"
  : > "$work/empty";  expect 1 "$nsym" symbolize -e "$work/empty" 0x10; one_line_naming "$work/empty" "empty"
  expect 1 "$nsym" symbolize -e "$work" 0x10;            one_line_naming "$work" "directory"
  # a FIFO is refused at the open, which does not wait for a writer
  mkfifo "$work/fifo"; expect 1 timeout 10 "$nsym" symbolize -e "$work/fifo" 0x10
  one_line_naming "$work/fifo" "is a FIFO, not a file"
  expect 1 timeout 10 "$nsym" inspect "$work/fifo"; one_line_naming "$work/fifo" "FIFO"
  echo "not elf" > "$work/text"; expect 1 "$nsym" symbolize -e "$work/text" 0x10; one_line_naming "$work/text" "not an ELF"
  head -c 3000 "$nsym" > "$work/trunc"; expect 1 "$nsym" symbolize -e "$work/trunc" 0x10; one_line_naming "$work/trunc" "truncated"
  cp "$nsym" "$work/arm"; printf '\x2b\x00' | dd of="$work/arm" bs=1 seek=18 conv=notrunc status=none
  expect 1 "$nsym" symbolize -e "$work/arm" 0x10;        one_line_naming "$work/arm" "architecture" ;;
bad-address)
  expect 1 "$nsym" symbolize -e "$nsym" 0x10 nothex
  [[ "$err" == *"'nothex' is not a hexadecimal address"* ]] || fail "bad address error: $err"
  [ "$(printf '%s\n' "$out" | grep -c '^??')" -ge 1 ] || fail "no ?? for the bad address" ;;
unknown-address)
  expect 0 "$nsym" symbolize -e "$nsym" 0xffffffffff
  [ "$out" = "?? at ??:0:0" ] || fail "unknown address printed: $out"
  expect 0 "$nsym" symbolize --json -e "$nsym" 0xffffffffff
  [[ "$out" == *'"function": "??"'* ]] || fail "json unknown: $out" ;;
stdin)
  fx=$(prog) || exit 1
  addr=$(printf '0x%x' "0x$(nm "$fx" | awk '$3=="main"{print $1}')")
  printf '%s\n\n%s\n' "$addr" "$addr" | "$nsym" symbolize -e "$fx" > "$work/out" || fail "stdin run failed"
  [ "$(grep -c '^main at .*main\.c:' "$work/out")" -eq 2 ] || fail "stdin answers: $(cat "$work/out")"
  printf '%s\n' "$addr" | "$nsym" symbolize --json -s -e "$fx" > "$work/out" || fail "json run failed"
  grep -q '"address": "'"$addr"'"' "$work/out" || fail "json address: $(cat "$work/out")"
  grep -q '"file": "main.c"' "$work/out" || fail "--basenames: $(cat "$work/out")"
  # a program that writes one address and waits gets its answer at once
  coproc SYM { "$nsym" symbolize -e "$fx"; }
  echo "$addr" >&"${SYM[1]}"
  read -r -t 10 answer <&"${SYM[0]}" || fail "no answer to one address on a pipe"
  [[ "$answer" == "main at "*main.c:* ]] || fail "pipe answer: $answer"
  exec {SYM[1]}>&-
  wait "$SYM_PID" || fail "symbolize on a pipe exited non-zero"
  # a line too long to be an address is reported, not fatal
  { printf '0x%0*d\n' 10000 0; echo "$addr"; } | "$nsym" symbolize -e "$fx" >"$work/out" 2>"$work/err" && fail "a 10000-byte line was taken"
  grep -q '^main at ' "$work/out" || fail "the line after a long one was lost"
  # output that cannot be written fails the command: a full disk, a file-size limit
  if [ -w /dev/full ]; then
    "$nsym" symbolize -e "$fx" "$addr" >/dev/full 2>"$work/err" && fail "a full disk gave 0"
    grep -q "cannot write the output: " "$work/err" || fail "full: $(cat "$work/err")"
  fi
  for _ in $(seq 3000); do echo "$addr"; done >"$work/many"
  (ulimit -S -f 8; exec "$nsym" symbolize -e "$fx" <"$work/many" >"$work/out" 2>"$work/err") &&
    fail "output cut by a file-size limit gave 0"
  grep -q "cannot write the output: " "$work/err" || fail "ulimit: $(cat "$work/err")" ;;
startup)
  # libcurl and libpq, and the libraries they bring, are loaded when used,
  # not at every start: symbolize from a symcache never maps them
  readelf -d "$nsym" | grep -q 'NEEDED.*libcurl' && fail "napi-symbols links libcurl"
  # nor libpq, loaded when a PostgreSQL store is opened (tests/scale open it)
  readelf -d "$nsym" | grep -q 'NEEDED.*libpq' && fail "napi-symbols links libpq"
  fx=$(prog) || exit 1
  expect 0 "$nsym" symbolize --cache always -e "$fx" 0x0
  LD_DEBUG=files "$nsym" symbolize -e "$fx" 0x0 >/dev/null 2>"$work/ld"
  grep -q 'file=libelf' "$work/ld" || fail "LD_DEBUG showed no libraries: $(head -3 "$work/ld")"
  # (uploads load it: the tests of tests/client upload through it)
  grep -q 'file=libcurl' "$work/ld" && fail "symbolize loaded libcurl"
  grep -q 'file=libpq' "$work/ld" && fail "symbolize loaded libpq" ;;
cache)
  addrs=$(nm "$nsym" | awk '$2 ~ /^[tT]$/ {print "0x" $1}' | head -n 200)
  expect 0 "$nsym" symbolize --cache never -e "$nsym" $addrs; cold="$out"
  [ ! -e "$XDG_CACHE_HOME/napi-symbols" ] || fail "--cache never wrote a cache"
  expect 0 "$nsym" symbolize --cache always -e "$nsym" $addrs
  [ "$out" = "$cold" ] || fail "answers from the new symcache differ"
  n=$(ls "$XDG_CACHE_HOME"/napi-symbols/symcache/*.v*.symcache | wc -l)
  [ "$n" -eq 1 ] || fail "expected one symcache, found $n"
  expect 0 "$nsym" symbolize -e "$nsym" $addrs
  [ "$out" = "$cold" ] || fail "answers from the existing symcache differ"
  expect 0 "$nsym" symbolize --cache-dir "$work/other" --cache always -e "$nsym" 0x10
  ls "$work/other"/*.symcache >/dev/null || fail "--cache-dir not used"
  expect 129 "$nsym" symbolize --cache sometimes -e "$nsym" 0x10 ;;
inspect)
  fx=$(prog) || exit 1
  expect 0 "$nsym" inspect "$fx"
  id=$(printf '%s\n' "$out" | awk '/build-id:/ {print $2}')
  [[ "$id" =~ ^[0-9a-f]{40}$ ]] || fail "no build-id in: $out"
  [[ "$out" == *"debug info: "*" bytes"* ]] || fail "no debug info size: $out"
  objcopy --strip-all "$fx" "$work/stripped"
  expect 0 "$nsym" inspect "$work/stripped"
  [[ "$out" == *"build-id: $id"* && "$out" == *"debug info: none"* ]] || fail "stripped: $out"
  # without a build-id, the fallback identity is the same before and after stripping
  printf 'int f(int x){return x+1;}\nint main(void){return f(1);}\n' > "$work/n.c"
  cc -g -Wl,--build-id=none -o "$work/nobid" "$work/n.c" || fail "cc failed"
  objcopy --strip-all "$work/nobid" "$work/nobid.stripped"
  expect 0 "$nsym" inspect "$work/nobid"; a=$(printf '%s\n' "$out" | awk '/fallback id:/ {print $3}')
  expect 0 "$nsym" inspect "$work/nobid.stripped"; b=$(printf '%s\n' "$out" | awk '/fallback id:/ {print $3}')
  [[ "$a" =~ ^[0-9a-f]{40}$ && "$a" = "$b" ]] || fail "fallback ids '$a' and '$b'"
  # folders: ELF files listed, other files passed over
  mkdir -p "$work/tree/sub"; cp "$work/stripped" "$work/tree/sub/x.node"; echo text > "$work/tree/readme"
  expect 0 "$nsym" inspect --json "$work/tree"
  [ "$(printf '%s\n' "$out" | grep -c '"build_id": "'"$id"'"')" -eq 1 ] || fail "folder json: $out"
  [[ "$out" != *readme* ]] || fail "a text file was listed"
  expect 1 "$nsym" inspect "$work/missing"; one_line_naming "$work/missing" "No such file"
  expect 129 "$nsym" inspect ;;
split)
  printf 'int f(int x){return x+1;}\nint main(void){return f(1) - 2;}\n' > "$work/s.c"
  cc -g -O1 -Wl,--build-id -o "$work/prog" "$work/s.c" || fail "cc failed"
  cc -g -O1 -Wl,--build-id=none -o "$work/nobid" "$work/s.c" || fail "cc failed"
  cp "$work/prog" "$work/orig"
  # in place: FILE becomes the stripped file, FILE.debug appears beside it
  expect 0 "$nsym" split "$work/prog"
  [[ "$out" == *"build-id"* && -z "$err" ]] || fail "split said: $out / $err"
  [ -x "$work/prog" ] || fail "the stripped file lost its mode"
  "$work/prog" || fail "the stripped program does not run"
  readelf -SW "$work/prog" | grep >/dev/null -c '\.debug_info' && fail "in-place split left DWARF"
  # gzip's trailer holds the same CRC-32, little-endian
  crc=$(gzip -c "$work/prog.debug" | tail -c8 | od -An -tx4 -N4 | tr -d ' ')
  [[ "$out" == *"crc $crc"* ]] || fail "CRC $crc not reported: $out"
  expect 0 "$nsym" inspect "$work/prog"
  [[ "$out" == *"debuglink: prog.debug (crc $crc)"* ]] || fail "stored debuglink: $out"
  # a second split: nothing left to split off, and nothing changed
  cp "$work/prog" "$work/prog.before"
  expect 1 "$nsym" split "$work/prog"; one_line_naming "$work/prog" "already stripped"
  cmp -s "$work/prog" "$work/prog.before" || fail "a failed split changed the input"
  # outputs that exist are refused unless --force, and left as they were
  expect 1 "$nsym" split -o "$work/prog" "$work/orig"; one_line_naming "$work/prog" "--force"
  cmp -s "$work/prog" "$work/prog.before" || fail "an existing output was overwritten"
  expect 0 "$nsym" split -q -f -o "$work/out1" -d "$work/out1.dbg" "$work/orig"
  [ -z "$out$err" ] || fail "--quiet printed: $out $err"
  cmp -s "$work/orig" "$work/prog.before" && fail "setup: orig was not the unstripped file"
  [ -f "$work/out1.dbg" ] && [ ! -e "$work/orig.debug" ] || fail "--debug-output not used"
  expect 1 "$nsym" split -o "$work/out1" "$work/orig"; one_line_naming "$work/out1" "exists"
  # a folder that cannot be written: clear error, the input is untouched
  : > "$work/afile"
  expect 1 "$nsym" split -o "$work/afile/x" "$work/orig"; one_line_naming "$work/afile" "cannot create"
  ls -a "$work" | grep >/dev/null -c '^\.[a-z].*\.[A-Za-z0-9]\{6\}$' && fail "temporary files left behind"
  # not ELF, missing
  echo text > "$work/text"
  expect 1 "$nsym" split "$work/text"; one_line_naming "$work/text" "ELF"
  expect 1 "$nsym" split "$work/missing"; one_line_naming "$work/missing" "No such file"
  # a symlinked input: its target is replaced, the link stays a link
  cp "$work/orig" "$work/target"; ln -s target "$work/link"
  expect 0 "$nsym" split -q "$work/link"
  [ -L "$work/link" ] && [ -f "$work/target.debug" ] || fail "symlink input handled wrongly"
  # no build-id: a warning with the link argument, the fallback id in both outputs
  expect 0 "$nsym" split "$work/nobid"
  [[ "$err" == *"warning"*"-Wl,--build-id"* ]] || fail "no build-id warning: $err"
  id=$(printf '%s\n' "$out" | awk '/fallback id/ {print $4}')
  [[ "$id" =~ ^[0-9a-f]{40}$ ]] || fail "no fallback id: $out"
  expect 0 "$nsym" inspect "$work/nobid" "$work/nobid.debug"
  [ "$(printf '%s\n' "$out" | grep -c "fallback id: $id")" -eq 2 ] || fail "fallback ids: $out"
  expect 0 "$nsym" split --json -o "$work/j" "$work/orig" # orig: replaced? no: orig stays
  [[ "$out" == "{\"input\": "*"\"build_id\": \""*"\"has_dwarf\": true}" ]] || fail "json: $out"
  # usage errors
  expect 129 "$nsym" split
  expect 129 "$nsym" split --compress lzma "$work/orig"
  expect 129 "$nsym" split "$work/orig" "$work/prog" ;;
split-cross)
  # ELF32 little-endian and ELF64 big-endian, linked by lld without a libc:
  # CRC, compression headers and the rewritten .symtab in the other byte order
  printf 'static int g(int x){return x*3;}\nint f(int x){return g(x)+1;}\nint h(int y){return f(y)*2;}\n' > "$work/t.c"
  for i in $(seq 40); do echo "int function_number_$i(int a, int b){return h(a) ^ b;}"; done >> "$work/t.c"
  lint() { eu-elflint --gnu-ld "$@" 2>&1 | grep -v '^No errors$' | sort || true; }
  for t in i386-linux-gnu aarch64_be-linux-gnu; do
    clang --target=$t -g -O1 -fPIC -shared -nostdlib -fuse-ld=lld -Wl,--build-id \
      -o "$work/$t.so" "$work/t.c" || fail "clang --target=$t failed"
    expect 0 "$nsym" split -q --compress zlib --keep-symbols -o "$work/$t.s.so" "$work/$t.so"
    readelf -SW "$work/$t.s.so" | grep >/dev/null -c ' \.symtab ' || fail "$t: --keep-symbols lost .symtab"
    readelf -SW "$work/$t.s.so.debug" | grep >/dev/null -c ' \.debug_[a-z]* .* C ' || fail "$t: DWARF not compressed"
    [ -z "$(comm -13 <(lint "$work/$t.so") <(lint "$work/$t.s.so"))" ] || fail "$t: eu-elflint: $(lint "$work/$t.s.so")"
    [ -z "$(comm -13 <(lint -d "$work/$t.so") <(lint -d "$work/$t.s.so.debug"))" ] || fail "$t: eu-elflint -d"
    crc=$(gzip -c "$work/$t.s.so.debug" | tail -c8 | od -An -tx4 -N4 | tr -d ' ')
    expect 0 "$nsym" inspect "$work/$t.s.so"; [[ "$out" == *"(crc $crc)"* ]] || fail "$t: crc $crc: $out"
    a=$(nm "$work/$t.so" | awk '$3 == "h" {print "0x" $1}')
    expect 0 "$nsym" symbolize -e "$work/$t.so" "$a"; want=$out
    [[ "$want" == "h at $work/t.c:3:"* ]] || fail "$t: unstripped gives $want"
    expect 0 "$nsym" symbolize -e "$work/$t.s.so" "$a"; [ "$out" = "$want" ] || fail "$t: $out"
  done ;;
inspect-macho|inspect-pe|inspect-pdb)
  # fixtures of tests/fixtures/foreign, and what LLVM's tools said of them
  d="${NSYM_FOREIGN_DIR:?set NSYM_FOREIGN_DIR to the foreign fixtures}"
  fact() { awk -v f="$1" -v i="$2" -v k="$3" '$1 == f && $2 == i && $3 == k {
    sub(/^[^ ]+ [^ ]+ [^ ]+ /, ""); print; exit }' "$d/expected.txt"; }
  json_ok() { ! command -v node >/dev/null || printf '%s' "$out" | node -e 'JSON.parse(require("fs").readFileSync(0, "utf8"))' || fail "not JSON: $out"; }
  pdb_id() { local g; g=$(fact "$1" 0 guid); g=${g//[\{\}-]/}; printf '%s%X' "$g" "$(fact "$1" 0 dbi_age)"; } ;;&
inspect-macho)
  x="$d/macho/addon-x86_64.node"; ux=$(fact macho/addon-x86_64.node 0 uuid); ua=$(fact macho/addon-arm64.node 0 uuid)
  expect 0 "$nsym" inspect "$x"
  [[ "$out" == "$x: Mach-O bundle, x86_64"* && "$out" == *"uuid: $ux"* ]] || fail "thin: $out"
  [[ "$out" == *"debug id: ${ux//-/}0"* ]] || fail "no Breakpad id: $out"
  [[ "$out" == *"dSYM: $x.dSYM (matches)"* ]] || fail "the dSYM beside it: $out"
  expect 0 "$nsym" inspect "$d/macho/addon-fat.node"
  [[ "$out" == *"universal binary, 2 architectures"* && "$out" == *"x86_64: bundle"* && "$out" == *"arm64: shared library"* ]] || fail "fat: $out"
  [[ "$out" == *"uuid: $ux"* && "$out" == *"uuid: $ua"* && "$out" == *"(2 of 2 architectures match)"* ]] || fail "fat ids: $out"
  expect 0 "$nsym" inspect "$x.dSYM"
  [[ "$out" == "$x.dSYM: Mach-O debug file, x86_64"* && "$out" == *"file: $x.dSYM/Contents/Resources/DWARF/addon-x86_64.node"* ]] || fail "dSYM: $out"
  [[ "$out" == *"debug info: $(fact macho/addon-x86_64.node.dSYM 0 debug_bytes) bytes in __DWARF sections"* ]] || fail "dSYM DWARF: $out"
  # a .dSYM of another build beside it is told apart
  cp "$d/macho/addon-arm64.node" "$work/other.node"; cp -r "$x.dSYM" "$work/other.node.dSYM"
  expect 0 "$nsym" inspect "$work/other.node"; [[ "$out" == *"(does not match: another build)"* ]] || fail "mismatch: $out"
  # folders: a .dSYM is one debug file, not a folder to search; text passed over
  mkdir -p "$work/tree/sub"; cp "$x" "$work/tree/sub/"; cp -r "$x.dSYM" "$work/tree/sub/"; echo text > "$work/tree/readme"
  expect 0 "$nsym" inspect --json "$work/tree"; json_ok
  [ "$(printf '%s\n' "$out" | grep -o '"uuid": "'"$ux"'"' | wc -l)" -eq 2 ] || fail "folder: $out"
  [[ "$out" == *'"path": "'"$work/tree/sub/addon-x86_64.node.dSYM"'", "format": "macho"'* ]] || fail "bundle path: $out"
  [[ "$out" != *'"path": "'"$work/tree/sub/addon-x86_64.node.dSYM/"* && "$out" != *readme* ]] || fail "descended or listed text: $out"
  [[ "$out" == *'"dsym": {"path": "'"$work/tree/sub/addon-x86_64.node.dSYM"'", "matches": true'* ]] || fail "json dsym: $out"
  mkdir "$work/bad.dSYM"; expect 1 "$nsym" inspect "$work/bad.dSYM"; one_line_naming "$work/bad.dSYM" "not a .dSYM bundle"
  head -c 3000 "$x" > "$work/cut.node"; expect 1 "$nsym" inspect "$work/cut.node"; one_line_naming "$work/cut.node" "truncated" ;;
inspect-pe)
  p="$d/pe/addon.node"; id=$(pdb_id pe/addon.pdb)
  code=$(printf '%08X%x' "$(fact pe/addon.node 0 timestamp)" "$(fact pe/addon.node 0 size_of_image)")
  expect 0 "$nsym" inspect "$p"
  [[ "$out" == "$p: PE shared library, x86_64"* && "$out" == *"code id: $code "* ]] || fail "pe: $out"
  [[ "$out" == *"pdb: $(fact pe/addon.node 0 pdb_name)"* && "$out" == *"pdb id: $id "* && "$out" == *"debug id: $id"* ]] || fail "pdb ids: $out"
  [[ "$out" == *"debug info: none (kept in the PDB)"* && "$out" == *"pdb beside it: $d/pe/addon.pdb (matches)"* ]] || fail "pairing: $out"
  expect 0 "$nsym" inspect "$d/pe/addon-i386.node" "$d/pe/addon-arm64.exe"
  [[ "$out" == *"PE shared library, i386"* && "$out" == *"PE executable, arm64"* ]] || fail "i386/arm64: $out"
  expect 0 "$nsym" inspect "$d/pe/addon-nodebug.node"
  [[ "$out" == *"pdb id: none"* && "$out" != *"debug id:"* ]] || fail "no CodeView: $out"
  expect 0 "$nsym" inspect "$d/pe/addon-mingw.dll"
  [[ "$out" == *"debug info: $(fact pe/addon-mingw.dll 0 debug_bytes) bytes in .debug_* sections"* ]] || fail "mingw: $out"
  # a PDB of another build beside it is told apart
  mkdir "$work/x"; cp "$p" "$work/x/"; cp "$d/pe/addon-i386.pdb" "$work/x/addon.pdb"
  expect 0 "$nsym" inspect "$work/x/addon.node"; [[ "$out" == *"(does not match: another build)"* ]] || fail "mismatch: $out"
  expect 0 "$nsym" inspect --json "$p"; json_ok
  [[ "$out" == *'"format": "pe"'* && "$out" == *'"id": "'"$code"'"'* && "$out" == *'"pdb_id": "'"$id"'"'* && "$out" == *'"matches": true'* ]] || fail "json: $out"
  cp "$p" "$work/bad.node"; printf '\xf0\xff\xff\x7f' | dd of="$work/bad.node" bs=1 seek=60 conv=notrunc status=none
  expect 1 "$nsym" inspect "$work/bad.node"; one_line_naming "$work/bad.node" "PE header offset" ;;
inspect-pdb)
  expect 0 "$nsym" inspect "$d/pe/addon.pdb" "$d/pe/addon-512.pdb"; id=$(pdb_id pe/addon.pdb)
  [[ "$out" == *"addon.pdb: PDB program database, x86_64"* && "$out" == *"addon-512.pdb: PDB program database, x86_64"* ]] || fail "pdb: $out"
  [ "$(printf '%s\n' "$out" | grep -c "pdb id: $id (guid $(fact pe/addon.pdb 0 guid), age $(fact pe/addon.pdb 0 age))")" -eq 2 ] || fail "pdb ids: $out"
  [[ "$out" == *"debug info: $(fact pe/addon.pdb 0 file_size) bytes (the whole PDB)"* ]] || fail "size: $out"
  expect 0 "$nsym" inspect --json "$d/pe/addon-arm64.pdb"; json_ok
  [[ "$out" == *'"format": "pdb"'* && "$out" == *'"arch": "arm64"'* && "$out" == *'"id": "'"$(pdb_id pe/addon-arm64.pdb)"'"'* ]] || fail "json: $out"
  head -c 5000 "$d/pe/addon.pdb" > "$work/cut.pdb"; expect 1 "$nsym" inspect "$work/cut.pdb"; one_line_naming "$work/cut.pdb" "truncated" ;;
*) fail "unknown case" ;;
esac
echo "ok [$case_name]"
