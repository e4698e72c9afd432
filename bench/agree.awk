# agree.awk: compare two normalize.awk outputs line by line.
# Usage: awk -f agree.awk REFERENCE OTHER
# Prints "ALL TOP LINES STATE": the percentages of addresses whose whole frame
# chain (function, file and line of every frame) equals the reference's,
# whose innermost frame does, and whose file and line of every frame do
# (names ignored); STATE is "ok", or "count-mismatch" when the two outputs do
# not describe the same number of addresses.
function lines(s,   out, n, i, f, parts) {
	n = split(s, f, / ;; /)
	out = ""
	for (i = 1; i <= n; i++) {
		sub(/^[^|]*\|/, "", f[i])
		out = out ";" f[i]
	}
	return out
}
NR == FNR { ref[FNR] = $0; n = FNR; next }
{
	m = FNR
	if ($0 == ref[FNR]) all++
	a = $0; sub(/ ;; .*/, "", a)
	b = ref[FNR]; sub(/ ;; .*/, "", b)
	if (a == b) top++
	if (lines($0) == lines(ref[FNR])) ln++
}
END {
	if (n == 0) { print "- - - empty"; exit }
	printf "%.2f %.2f %.2f %s\n", 100 * all / n, 100 * top / n, 100 * ln / n, (m == n ? "ok" : "count-mismatch")
}
