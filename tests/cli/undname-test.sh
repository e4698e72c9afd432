#!/usr/bin/env bash
# The MSVC demangler of libnsym (through the nsym-undname filter) held
# against llvm-undname-16, in full and with llvm-symbolizer's options.
# Usage: undname-test.sh NSYM_UNDNAME CASE
#   undname-table    every name of tests/unit/msvc-names.txt, asked of
#                    llvm-undname now (test_demangle_msvc.c has the answers
#                    it gave when the table was made)
#   undname-corpus   every decorated symbol of msvc-names.cpp built for
#                    x86_64 and i686 Windows by clang: prints the share that
#                    agrees, fails below 100%
#   undname-mutants  names of the table with bytes changed, inserted and
#                    removed: where llvm-undname refuses a name, so do we;
#                    where both answer, the same. (llvm-undname answers some
#                    malformed names, having forgotten its error: its
#                    isMemberPointer resets the flag; those we refuse, and
#                    their count is printed.)
# The reference is llvm-undname 16 (Debian package llvm-16): its output is
# what llvm-symbolizer-16, the reference of the other tests, prints.
set -uo pipefail
undname_ours="$1"
case_name="$2"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

fail() { echo "FAIL [$case_name]: $*" >&2; exit 1; }
. "$here/../lib.sh"
command -v llvm-undname-16 >/dev/null ||
  fail "llvm-undname-16 not found: install the Debian package 'llvm-16'"
symbolizer_opts=(--no-access-specifier --no-calling-convention --no-member-type --no-return-type)

# llvm_undname [OPTION...] <NAMES: one line a name, the text or <error>
# (llvm-undname echoes the name, then prints the text and an empty line, or
# only the empty line when it refuses the name)
llvm_undname() {
  llvm-undname-16 "$@" 2>/dev/null | awk '
    st == 0 { st = 1; next }
    st == 1 { if ($0 == "") { print "<error>"; st = 0 } else { print; st = 2 }; next }
    st == 2 { st = 0 }'
}

# agree NAMES LABEL: compares both modes; prints "LABEL: A of N agree" and
# the first differences; returns 1 when any differ
agree() {
  local names="$1" label="$2" status=0 mode
  for mode in full symbolizer; do
    if [ "$mode" = full ]; then
      llvm_undname <"$names" >"$work/llvm"
      "$undname_ours" <"$names" >"$work/ours"
    else
      llvm_undname "${symbolizer_opts[@]}" <"$names" >"$work/llvm"
      "$undname_ours" --symbolizer <"$names" >"$work/ours"
    fi
    [ "$(wc -l <"$work/ours")" -eq "$(wc -l <"$names")" ] || fail "nsym-undname lost lines"
    paste -d '\n' "$names" "$work/llvm" "$work/ours" | awk -v label="$label ($mode)" '
      NR % 3 == 1 { m = $0 } NR % 3 == 2 { l = $0 }
      NR % 3 == 0 { n++; if (l == $0) ok++; else if (bad++ < 10) printf "  %s\n    llvm: %s\n    ours: %s\n", m, l, $0 }
      END { printf "%s: %d of %d agree (%.1f%%)\n", label, ok, n, n ? 100 * ok / n : 0; exit ok != n }' ||
      status=1
  done
  return $status
}

case "$case_name" in
undname-table)
  grep -v '^#' "$here/../unit/msvc-names.txt" >"$work/names"
  agree "$work/names" "msvc-names.txt" || fail "the demangler and llvm-undname-16 differ" ;;
undname-corpus)
  clang=$(tool clang)
  nm=$(tool llvm-nm)
  for target in x86_64-pc-windows-msvc i686-pc-windows-msvc; do
    "$clang" --target="$target" -std=c++20 -w -c "$here/msvc-names.cpp" -o "$work/$target.obj" ||
      fail "clang --target=$target"
    "$nm" "$work/$target.obj" | awk '{ print $NF }' | grep '^?' >>"$work/all" ||
      fail "no decorated symbols in the $target object"
  done
  sort -u "$work/all" >"$work/names"
  [ "$(wc -l <"$work/names")" -ge 150 ] || fail "only $(wc -l <"$work/names") names"
  agree "$work/names" "msvc-names.cpp" || fail "the demangler and llvm-undname-16 differ" ;;
undname-mutants)
  # 4000 mutants, the same every run
  grep '^?' "$here/../unit/msvc-names.txt" | awk -v seed=1 '
    { names[n++] = $0 }
    END {
      srand(seed)
      alpha = "?@$0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_az"
      for (i = 0; i < 4000; i++) {
        s = names[int(rand() * n)]
        for (k = int(rand() * 3); k >= 0; k--) {
          p = int(rand() * length(s)) + 1; c = substr(alpha, int(rand() * length(alpha)) + 1, 1)
          op = int(rand() * 3)
          if (op == 0) s = substr(s, 1, p - 1) c substr(s, p)
          else if (op == 1) s = substr(s, 1, p - 1) substr(s, p + 1)
          else s = substr(s, 1, p - 1) c substr(s, p + 1)
        }
        if (substr(s, 1, 1) == "?") print s
      }
    }' | sort -u >"$work/names"
  status=0
  for mode in full symbolizer; do
    if [ "$mode" = full ]; then
      llvm_undname <"$work/names" >"$work/llvm"
      "$undname_ours" <"$work/names" >"$work/ours"
    else
      llvm_undname "${symbolizer_opts[@]}" <"$work/names" >"$work/llvm"
      "$undname_ours" --symbolizer <"$work/names" >"$work/ours"
    fi
    paste -d '\n' "$work/names" "$work/llvm" "$work/ours" | awk -v mode="$mode" '
      NR % 3 == 1 { m = $0 } NR % 3 == 2 { l = $0 }
      NR % 3 == 0 {
        n++
        if (l == $0) ok++
        else if ($0 == "<error>") refused++
        else if (bad++ < 10) printf "  %s\n    llvm: %s\n    ours: %s\n", m, l, $0
      }
      END {
        printf "mutants (%s): %d of %d agree, %d refused where llvm-undname answers\n", mode, ok, n, refused
        exit bad > 0
      }' || status=1
  done
  [ "$status" -eq 0 ] || fail "the demangler answers where llvm-undname refuses, or differently" ;;
*)
  fail "unknown case" ;;
esac
