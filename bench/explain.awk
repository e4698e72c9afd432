# explain.awk SYMS REFERENCE OURS: counts the addresses where OURS differs
# from REFERENCE (llvm-symbolizer) only in the outermost frame's function name,
# and sorts those by cause. SYMS is "address name" per line (nm), REFERENCE and
# OURS are normalize.awk outputs.
#   alias: llvm's name and ours are symbols at the same address, once version
#          suffixes (@GLIBC_2.2.5, @@...) are dropped;
#   split: llvm's name is ours plus a clone suffix (.cold, .part.N, .isra.N,
#          .constprop.N): llvm names the piece, DWARF the function;
#   other: anything else.
function strip_version(s) { sub(/@.*/, "", s); return s }
function outer(line,   n, f) { n = split(line, f, / ;; /); return f[n] }
function fn(frame) { sub(/\|.*/, "", frame); return frame }
function rest(line,   n, f, i, out) {
	n = split(line, f, / ;; /)
	out = ""
	for (i = 1; i < n; i++) out = out f[i] " ;; "
	sub(/^[^|]*/, "", f[n])
	return out f[n]
}
FILENAME == ARGV[1] { addr[strip_version($2)] = $1; next }
FILENAME == ARGV[2] { ref[FNR] = $0; nref = FNR; next }
{
	if ($0 == ref[FNR]) next
	diff++
	if (rest($0) != rest(ref[FNR])) { deeper++; next }
	a = strip_version(fn(outer(ref[FNR]))); b = fn(outer($0))
	if ((a in addr) && (b in addr) && addr[a] == addr[b]) alias++
	else if (index(a, b ".") == 1 && substr(a, length(b) + 1) ~ /^\.(cold|part|isra|constprop|lto_priv)/) split_++
	else { other++; if (other <= 5) ex = ex sprintf("\n  - ours `%s`, llvm-symbolizer `%s`", b, a) }
}
END {
	if (diff == 0) exit
	printf "differences from llvm-symbolizer on %d addresses: %d (%.2f%%); outermost name only: %d, of which alias %d, split part %d, other %d; elsewhere in the chain: %d%s\n", \
		nref, diff, 100 * diff / nref, alias + split_ + other, alias + 0, split_ + 0, other + 0, deeper + 0, ex
}
