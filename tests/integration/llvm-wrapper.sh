#!/usr/bin/env bash
# SELF-TEST ONLY: a stand-in for `napi-symbols symbolize` built on
# llvm-symbolizer, so compare-anchors.js can be checked before (or apart
# from) the real CLI. No ctest uses it by default; the `anchors-selftest`
# label runs it when NSYM_ANCHORS_SELFTEST is on (see CMakeLists.txt), and by
# hand:
#   node compare-anchors.js --tool ./llvm-wrapper.sh --file ADDON
# It accepts `symbolize -e FILE [--debug-file DEBUG] [--json] [--no-inlines]
# [--basenames] [ADDR...]` and prints the JSON or text napi-symbols prints.
# With --debug-file it reads DEBUG alone, which carries the same addresses,
# symbols and DWARF. zstd debug sections, which llvm-symbolizer 14 cannot
# read, are decompressed into a temporary copy first.
# NSYM_WRAPPER_BREAK=K shifts the innermost line of every K-th address by
# one, to check that compare-anchors.js notices and that gdb refuses to side
# with a wrong answer.
set -euo pipefail

if [ "${1:-}" != symbolize ]; then
        echo "usage: llvm-wrapper.sh symbolize -e FILE [--debug-file DEBUG] [--json] [--no-inlines] [--basenames] [ADDR...]" >&2
        exit 129
fi
shift
file='' debug='' json=0 inlines=--inlining basenames=0
addrs=()
while [ $# -gt 0 ]; do
        case $1 in
        -e) file=$2; shift ;;
        --debug-file) debug=$2; shift ;;
        --json) json=1 ;;
        --no-inlines) inlines=--no-inlines ;;
        --basenames) basenames=1 ;;
        -*) echo "llvm-wrapper.sh: unknown option '$1'" >&2; exit 129 ;;
        *) addrs+=("$1") ;;
        esac
        shift
done
[ -n "$file" ] || { echo "llvm-wrapper.sh: -e FILE is required" >&2; exit 129; }
obj=${debug:-$file}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if "${NSYM_READELF:-readelf}" -Wt "$obj" 2>/dev/null | grep >/dev/null -c ZSTD; then
        "${NSYM_OBJCOPY:-objcopy}" --decompress-debug-sections "$obj" "$tmp/obj"
        obj=$tmp/obj
fi

if [ ${#addrs[@]} -gt 0 ]; then
        printf '%s\n' "${addrs[@]}" >"$tmp/in"
else
        cat >"$tmp/in"
fi
# llvm-symbolizer wants a 0x prefix to read an address as hex.
sed -E 's/^[[:space:]]*(0[xX])?/0x/' "$tmp/in" |
        "${NSYM_LLVM_SYMBOLIZER:-llvm-symbolizer}" $inlines --output-style=JSON -e "$obj" >"$tmp/out"

# Not exec: the EXIT trap must still remove $tmp.
# shellcheck disable=SC2016 # the program is JavaScript, not shell
node -e '
"use strict";
const fs = require("fs");
const [json, basenames, brk] = process.argv.slice(1).map(Number);
const rows = fs.readFileSync(process.argv[4], "utf8").split("\n").filter(Boolean).map(JSON.parse);
const results = rows.map((o, i) => {
  const syms = o.Symbol && o.Symbol.length ? o.Symbol : [{}];
  const frames = syms.map((s, j) => {
    let file = s.FileName || "??";
    if (basenames && file !== "??") file = file.replace(/.*\//, "");
    return { function: s.FunctionName || "??", file, line: s.Line || 0, column: s.Column || 0,
      inlined: j < syms.length - 1 };
  });
  if (brk && i % brk === brk - 1) frames[0].line += 1;
  return { address: "0x" + BigInt(o.Address).toString(16), frames };
});
if (json) {
  process.stdout.write(JSON.stringify(results) + "\n");
} else {
  for (const r of results) {
    r.frames.forEach((f, j) => process.stdout.write(
      `${j ? " (inlined by) " : ""}${f.function} at ${f.file}:${f.line}:${f.column}\n`));
    process.stdout.write("\n");
  }
}
' "$json" "$basenames" "${NSYM_WRAPPER_BREAK:-0}" "$tmp/out"
