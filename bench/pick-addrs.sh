#!/usr/bin/env bash
# pick-addrs.sh FILE N SEED: print N code addresses of FILE, one a line, as
# 0x-prefixed hex ELF virtual addresses (Mach-O: vmaddrs, as llvm-symbolizer
# takes them). They are drawn uniformly over the bytes of the FUNC symbols of
# non-zero size in .symtab (aliases counted once, overlaps once), so big
# functions get proportionally more addresses, as samples from a profiler
# would. The same FILE, N and SEED always give the same list, whatever awk
# this is (our own generator, not awk's rand()).
#
# A PE image (whose PDB is beside it) has no symbols: there the functions
# are the PDB's procedures, at their virtual addresses (common.sh pe_funcs).
#
# A thin Mach-O file (a binary, or the DWARF file of a dSYM) has no symbol
# sizes: there the functions are the defined symbols of __TEXT,__text, each
# reaching to the next symbol's address or to the end of __text, as
# llvm-symbolizer sizes them (llvm-nm, llvm-objdump).
set -euo pipefail

if [ $# -ne 3 ]; then
	echo "usage: pick-addrs.sh FILE N SEED" >&2
	exit 129
fi
file=$1 n=$2 seed=$3
case $n$seed in *[!0-9]*)
	echo "pick-addrs.sh: N and SEED must be non-negative integers" >&2
	exit 129 ;;
esac
[ -r "$file" ] || { echo "pick-addrs.sh: cannot read '$file'" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

# elf_funcs: "start size" (decimal) of each FUNC symbol of .symtab.
elf_funcs() {
readelf -sW "$file" 2>/dev/null | awk '
	function num(h, ishex,   v, i) {
		if (h ~ /^0x/) { h = substr(h, 3); ishex = 1 }
		if (!ishex) return h + 0
		v = 0
		for (i = 1; i <= length(h); i++)
			v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
		return v
	}
	/^Symbol table / { in_symtab = ($3 == "'"'"'.symtab'"'"'"); next }
	in_symtab && $4 == "FUNC" && $3 != "0" {
		a = num($2, 1)
		s = num($3, 0) # decimal, but readelf prints big sizes as 0x...
		if (!(a in size) || s > size[a]) size[a] = s
	}
	END { for (a in size) printf "%.0f %.0f\n", a, size[a] }
'
}

# macho_funcs: the same from a Mach-O symbol table (common.sh macho_syms),
# aliases once.
macho_funcs() {
	local syms
	syms=$(macho_syms "$file")
	echo "$syms" | awk '
		function num(h,   v, i) {
			v = 0
			for (i = 1; i <= length(h); i++)
				v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
			return v
		}
		NF >= 3 && !($1 in seen) { seen[$1] = 1; printf "%.0f %.0f\n", num($1), num($2) }'
}

case $(od -An -tx1 -N4 "$file" | tr -d ' \n') in
cffaedfe | cefaedfe) funcs=macho_funcs ;;
4d5a*) funcs=pe_funcs ;;
cafebabe | bebafeca) echo "pick-addrs.sh: '$file' is a universal file; give one slice (llvm-lipo -thin)" >&2; exit 1 ;;
*) funcs=elf_funcs ;;
esac

$funcs "$file" | sort -n -k1,1 | awk -v n="$n" -v seed="$seed" '
	function rnd() { rs = (rs * 16807) % 2147483647; return rs }
	function hex(v,   s, d) {
		s = ""
		do { d = v % 16; s = substr("0123456789abcdef", d + 1, 1) s; v = (v - d) / 16 } while (v > 0)
		return "0x" s
	}
	{
		start = $1; end = $1 + $2
		if (start < prev_end) start = prev_end # overlap: count bytes once
		if (end <= start) next
		m++; base[m] = start; cum[m] = total; total += end - start
		prev_end = end
	}
	END {
		if (m == 0) { print "pick-addrs.sh: no FUNC symbols with a size in .symtab (Mach-O: no symbols in __text)" > "/dev/stderr"; exit 1 }
		rs = seed % 2147483646 + 1
		for (i = 0; i < 8; i++) rnd()
		for (i = 0; i < n; i++) {
			r = (rnd() * 2097152 + rnd() % 2097152) % total
			lo = 1; hi = m # last lo with cum[lo] <= r
			while (lo < hi) { mid = int((lo + hi + 1) / 2); if (cum[mid] <= r) lo = mid; else hi = mid - 1 }
			print hex(base[lo] + r - cum[lo])
		}
	}'
