#!/usr/bin/env bash
# `napi-symbols split` on one fixture addon, checked by other tools:
#   split-test.sh NAPI_SYMBOLS FIXTURES_DIR ADDON(relative, e.g. c/addon.node)
# - eu-elflint --gnu-ld (and -d for the debug file) finds nothing in the
#   outputs that it does not already find in the input (rust-lld's own output
#   draws complaints; the C fixtures must be clean);
# - node loads the stripped file and its exports answer as the sources say;
# - gdb shows the same source lines for the stripped file, its debug file
#   found through the .gnu_debuglink and through a .build-id tree, as for
#   the unstripped file;
# - our own symbolize, finding the debug file by the debuglink, answers as
#   the reference tools do on the unstripped file (compare-anchors.js);
# - the same with --compress zlib and zstd, and with --keep-symbols.
set -euo pipefail

nsym=$1 fixtures=$2 addon=$3
here=$(cd "$(dirname "$0")" && pwd)
src="$fixtures/$addon"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $addon: $*" >&2; exit 1; }

# Messages eu-elflint gives for FILE, one per line, sorted.
lint() { eu-elflint --gnu-ld "$@" 2>&1 | grep -v '^No errors$' | sort || true; }

check_lint() {
  local out=$1 debug=$2 extra
  extra=$(comm -13 <(lint "$src") <(lint "$out"))
  [ -z "$extra" ] || fail "eu-elflint on the stripped file: $extra"
  extra=$(comm -13 <(lint -d "$src") <(lint -d "$debug"))
  [ -z "$extra" ] || fail "eu-elflint -d on the debug file: $extra"
  case "$addon" in
  c/*) [ -z "$(lint "$out")$(lint -d "$debug")" ] || fail "eu-elflint is not clean" ;;
  esac
}

check_node() {
  mkdir -p "$work/load/$(dirname "$addon")"
  cp "$1" "$work/load/$addon"
  echo "$addon" >"$work/load/manifest.txt"
  node "$here/load-addons.js" "$work/load" "" >/dev/null || fail "node cannot load $1"
}

# gdb's `info line` for every function start, on FILE with debug root DIR.
gdb_lines() {
  local file=$1 root=$2 cmds="$work/gdb.cmds"
  nm --defined-only "$src" | awk '$2 ~ /^[Tt]$/ {print "info line *0x" $1}' | sort -u | head -60 >"$cmds"
  [ -s "$cmds" ] || fail "no functions in $src"
  gdb -batch -nx -iex 'set debuginfod enabled off' -iex "set debug-file-directory $root" \
    -x "$cmds" "$file" 2>&1 | grep -v '^warning: ' || true
}

check_gdb() {
  local out=$1 debug=$2 want got id
  want=$(gdb_lines "$src" "$work/none")
  grep -q '^Line [0-9]' <<<"$want" || fail "gdb finds no lines in $src itself"
  got=$(gdb_lines "$out" "$work/none")
  [ "$got" = "$want" ] || fail "gdb via the debuglink: $(diff <(echo "$want") <(echo "$got") | head -5)"
  id=$(readelf -n "$src" | awk '/Build ID:/ {print $3}')
  [ -n "$id" ] || return 0 # without a build-id gdb has only the debuglink
  mkdir -p "$work/lone" "$work/debug-dir/.build-id/${id:0:2}"
  cp "$out" "$work/lone/"
  cp "$debug" "$work/debug-dir/.build-id/${id:0:2}/${id:2}.debug"
  got=$(gdb_lines "$work/lone/$(basename "$out")" "$work/debug-dir")
  [ "$got" = "$want" ] || fail "gdb via .build-id: $(diff <(echo "$want") <(echo "$got") | head -5)"
}

check_symbolize() {
  node "$here/compare-anchors.js" --tool "$nsym" --file "$1" --reference "$src" --max 400 \
    >"$work/anchors.log" 2>&1 || { tail -20 "$work/anchors.log" >&2; fail "symbolize differs on $1"; }
}

check_stripped_sections() {
  local out=$1 keep=$2 names
  names=$(readelf -SW "$out" | sed -n 's/^ *\[ *[0-9]*\] \([^ ]*\).*/\1/p')
  grep -q '^\.debug_\|^\.zdebug_' <<<"$names" && fail "$out keeps debug sections"
  grep -qx '\.gnu_debuglink' <<<"$names" || fail "$out has no .gnu_debuglink"
  grep -qx '\.dynsym' <<<"$names" || fail "$out lost .dynsym"
  if [ "$keep" = 1 ]; then grep -qx '\.symtab' <<<"$names" || fail "--keep-symbols lost .symtab"
  else grep -qx '\.symtab' <<<"$names" && fail "$out keeps .symtab"; fi
  return 0
}

# One split with OPTIONS into its own folder, and every check on it.
run() {
  local tag=$1; shift
  local dir="$work/$tag" base out
  base=$(basename "$addon")
  mkdir -p "$dir"
  out="$dir/$base"
  "$nsym" split -q -o "$out" "$@" "$src" || fail "split $* exited $?"
  [ -f "$out.debug" ] || fail "no $out.debug"
  check_stripped_sections "$out" "$([[ " $* " == *" --keep-symbols "* ]] && echo 1 || echo 0)"
  check_lint "$out" "$out.debug"
  check_node "$out"
  check_gdb "$out" "$out.debug"
  check_symbolize "$out"
}

run plain
run zlib --compress zlib
readelf -SW "$work/zlib/$(basename "$addon").debug" | grep >/dev/null -c ' \.debug_info .* C ' ||
  fail "--compress zlib left .debug_info uncompressed"
run zstd --compress zstd
readelf -t "$work/zstd/$(basename "$addon").debug" | grep >/dev/null -c ZSTD || fail "--compress zstd wrote no ZSTD section"
run keep --keep-symbols
echo "ok: $addon"
