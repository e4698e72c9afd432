#!/usr/bin/env bash
# Debug sections whose sizes lie, as one flipped byte of an uploaded file
# makes them (issue 13): `symbolize` must answer or refuse the file with one
# clear error, never crash. Each case damages a fixture with
# tests/fixtures/damage-section.sh at test time. A section that runs into
# the bytes after it still holds all of its own lists, so the damaged file
# must answer exactly as the fixture does; one that runs past the end of the
# file is refused, and so is a compressed .debug_info that claims more than
# its bytes can inflate to, before anything that size is allocated.
# Usage: damaged-sections.sh NAPI_SYMBOLS FIXTURES_DIR CASE
set -uo pipefail
nsym="$1" fixtures="$2" case_name="$3"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

fail() { echo "FAIL [$case_name]: $*" >&2; exit 1; }

# damage FIXTURE SECTION FIELD VALUE: $work/damaged, FIXTURE with one field
# of SECTION set (damage-section.sh)
damage() {
  "$here/../fixtures/damage-section.sh" "$fixtures/$1" "$2" "$3" "$4" "$work/damaged" ||
    fail "cannot damage $1"
}

# Every 4th address of the fixture's .text, where its functions are.
text_addresses() {
  local start size
  read -r start size < <(readelf -S -W "$fixtures/$1" |
    sed -n 's/^ *\[ *[0-9]*\] *\.text  *PROGBITS  *\([0-9a-f]*\) [0-9a-f]* \([0-9a-f]*\).*/\1 \2/p')
  [ -n "$start" ] || fail "no .text in $1"
  for ((a = 16#$start; a < 16#$start + 16#$size; a += 4)); do printf '0x%x\n' "$a"; done
}

# symbolize FILE ARGS...: runs symbolize on FILE; sets $status, keeps the
# output in $work/out and $work/err
symbolize() {
  local file="$1"
  shift
  "$nsym" symbolize --cache never --json -e "$file" "$@" <"$work/addrs" >"$work/out" 2>"$work/err"
  status=$?
  [ "$status" -lt 128 ] || fail "symbolize died with status $status: $(head -c 300 "$work/err")"
}

# answers_as_fixture FIXTURE: the damaged file answers every address as
# FIXTURE does
answers_as_fixture() {
  text_addresses "$1" >"$work/addrs"
  symbolize "$fixtures/$1"
  [ "$status" -eq 0 ] || fail "the fixture itself fails: $(cat "$work/err")"
  mv "$work/out" "$work/want"
  symbolize "$work/damaged"
  [ "$status" -eq 0 ] || fail "exited $status, expected 0: $(cat "$work/err")"
  cmp -s "$work/want" "$work/out" ||
    fail "answers differ from the fixture's: $(diff "$work/want" "$work/out" | head -5)"
  grep -q '"line": [1-9]' "$work/out" || fail "no line found at all"
}

# refused WHY: the damaged file is refused with one error line naming it
# and WHY
refused() {
  printf '0x1000\n' >"$work/addrs"
  symbolize "$work/damaged"
  [ "$status" -eq 1 ] || fail "exited $status, expected 1"
  [ "$(wc -l <"$work/err")" -eq 1 ] || fail "expected one error line: $(cat "$work/err")"
  grep -q "^napi-symbols: .*damaged.*$1" "$work/err" || fail "error: $(cat "$work/err")"
}

case "$case_name" in
rnglists-into-next-section)
  # the issue's file: 0xea -> 0xfa, into the padding and .symtab after it
  damage c/addon.node .debug_rnglists sh_size +0x10
  answers_as_fixture c/addon.node ;;
rnglists-to-end-of-file)
  damage c/addon.node .debug_rnglists sh_size eof
  answers_as_fixture c/addon.node ;;
rnglists-past-end-of-file)
  damage c/addon.node .debug_rnglists sh_size eof+1
  refused "past the end of the file" ;;
ranges-into-next-section)
  damage c/addon-dwarf4.node .debug_ranges sh_size +0x10
  answers_as_fixture c/addon-dwarf4.node ;;
clang-rnglists-into-next-section)
  # clang: DW_FORM_rnglistx through DW_AT_rnglists_base
  damage c/addon-clang.node .debug_rnglists sh_size +0x10
  answers_as_fixture c/addon-clang.node ;;
clang-addr-into-next-section)
  damage c/addon-clang.node .debug_addr sh_size +0x10
  answers_as_fixture c/addon-clang.node ;;
zlib-info-claims-3gib)
  # 2.7 KB of zlib data cannot give more than 2.8 MB (deflate: 1032:1)
  damage c/addon-zlib.node .debug_info ch_size 0xc0000000
  refused "section .debug_info claims 3221225472 bytes inflated from" ;;
*)
  fail "no such case" ;;
esac
echo "ok [$case_name]"
