#!/usr/bin/env bash
# The Rust fixture's monomorphizations of sum_of_squares share one legacy-
# mangled name; the JSON must keep their generic arguments (dwarf_name), from
# the DWARF and from a symcache alike. Usage: rust-generics.sh NAPI_SYMBOLS ADDON
set -euo pipefail
nsym="$1" addon="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
addrs=$(nm "$addon" | awk '/14sum_of_squares17h/ {print "0x" $1}')
[ "$(echo "$addrs" | wc -w)" -eq 3 ] || { echo "FAIL: expected 3 monomorphizations, got: $addrs" >&2; exit 1; }
for mode in "--cache never" "--cache always --cache-dir $work"; do
  got=$("$nsym" symbolize --json $mode -e "$addon" $addrs |
        grep -o '"dwarf_name": "napi_symbols_fixture::sum_of_squares<[a-z0-9]*>"' | sort | tr '\n' ' ')
  want='"dwarf_name": "napi_symbols_fixture::sum_of_squares<f64>" "dwarf_name": "napi_symbols_fixture::sum_of_squares<i32>" "dwarf_name": "napi_symbols_fixture::sum_of_squares<i64>" '
  [ "$got" = "$want" ] || { echo "FAIL ($mode): $got" >&2; exit 1; }
done
echo "ok: generic arguments kept for sum_of_squares<i32|i64|f64>"
