# explain.awk SYMS ADDRS REFERENCE OURS: for the addresses where OURS differs
# from REFERENCE (llvm-symbolizer), says why.
#   SYMS: "address size name" per line (nm -S -C --defined-only);
#   ADDRS: the address list, one per line, in the order of the outputs;
#   REFERENCE, OURS: normalize.awk outputs.
# llvm-symbolizer names the outermost frame from the symbol table (ELF, or
# Mach-O, where SYMS comes from common.sh macho_syms); we name it from DWARF.
# A difference is put down to that when only the outermost name differs and
# llvm's name is a symbol that holds the address; such a case is
# then an "alias" when our name is a symbol at the same address too (glibc's
# __GI_ and versioned names, folded Rust functions), a "split part" when
# llvm's name is ours plus .cold or .part.N, and "DWARF-only" when our name is
# not in the symbol table at all (glibc's ___pthread_cond_timedwait64).
function hex(h,   v, i) {
	sub(/^0x/, "", h)
	h = tolower(h)
	v = 0
	for (i = 1; i <= length(h); i++)
		v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
	return v
}
function clean(s) {
	sub(/@.*/, "", s)
	gsub(/::h[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]/, "", s)
	return s
}
function outer(line,   n, f) { n = split(line, f, / ;; /); return f[n] }
function fn(frame) { sub(/\|.*/, "", frame); return frame }
function rest(line,   n, f, i, out) {
	n = split(line, f, / ;; /)
	out = ""
	for (i = 1; i < n; i++) out = out f[i] " ;; "
	sub(/^[^|]*/, "", f[n])
	return out f[n]
}
# holds(NAME, A): some symbol called NAME holds address A
function holds(name, a,   k, lo) {
	for (k = 1; k <= count[name]; k++) {
		lo = start[name, k]
		if (a >= lo && (a < lo + size[name, k] || (size[name, k] == 0 && a == lo)))
			return 1
	}
	return 0
}
FILENAME == ARGV[1] {
	name = $3
	for (i = 4; i <= NF; i++) name = name " " $i
	name = clean(name)
	k = ++count[name]
	start[name, k] = hex($1)
	size[name, k] = hex($2)
	at[name] = hex($1)
	next
}
FILENAME == ARGV[2] { addr[FNR] = hex($1); next }
FILENAME == ARGV[3] { ref[FNR] = $0; nref = FNR; next }
{
	if ($0 == ref[FNR]) next
	diff++
	if (rest($0) != rest(ref[FNR])) { deeper++; next }
	a = clean(fn(outer(ref[FNR]))); b = fn(outer($0))
	if (!holds(a, addr[FNR])) {
		other++
		if (other <= 5) ex = ex sprintf("\n  - at 0x%x ours `%s`, llvm-symbolizer `%s`", addr[FNR], b, a)
	} else if ((b in at) && at[b] == at[a]) alias++
	else if (index(a, b ".") == 1) split_++
	else dwarf_only++
}
END {
	if (diff == 0) { printf "no differences from llvm-symbolizer on %d addresses\n", nref; exit }
	printf "differences from llvm-symbolizer on %d addresses: %d (%.2f%%). Outermost name from the symbol table (llvm) against DWARF (ours): %d (alias %d, split part %d, DWARF-only name %d); unexplained: %d; elsewhere in the chain: %d%s\n", \
		nref, diff, 100 * diff / nref, alias + split_ + dwarf_only, alias + 0, split_ + 0, dwarf_only + 0, other + 0, deeper + 0, ex
}
