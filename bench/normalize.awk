# normalize.awk: turn one symbolizer's output into one line per address,
#   fn|file|line ;; fn|file|line ...   (innermost frame first)
# so that outputs of different tools can be compared line by line.
# Usage: awk -v fmt=FMT -f normalize.awk OUTPUT, where FMT is
#   llvm  llvm-symbolizer --inlining -p (and our default output): frames
#         "fn at file:line:col", " (inlined by) fn at file:line:col", a blank
#         line after each address;
#   gnu   addr2line -a -f -i -C: "0x…" line, then fn and file:line lines;
#   eu    eu-addr2line -a -f -i -C: like gnu, but the first fn line of an
#         inlined chain reads "fn inlined at file:line:col in caller".
# Names lose Rust "::h<16 hex>" hashes and llvm-symbolizer's " (.llvm.N)"
# suffixes and have Rust escapes decoded; clone suffixes such as ".cold" stay.
# Paths lose "./" components; columns and "(discriminator N)" are dropped;
# unknown lines become 0.

# Rust legacy symbol escapes, as a demangler that knows Rust prints them
# (llvm-symbolizer 14 leaves "_$LT$T$u20$as$u20$Tr$GT$::f" as it is).
function rust(s,   c, h) {
	if (s !~ /\$(LT|GT|C|RF|BP|LP|RP|SP|u[0-9a-f][0-9a-f])\$/) return s
	gsub(/::_\$/, "::$", s)
	sub(/^_\$/, "$", s)
	gsub(/\$LT\$/, "<", s); gsub(/\$GT\$/, ">", s); gsub(/\$C\$/, ",", s)
	gsub(/\$RF\$/, "\\&", s); gsub(/\$BP\$/, "*", s); gsub(/\$SP\$/, "@", s)
	gsub(/\$LP\$/, "(", s); gsub(/\$RP\$/, ")", s)
	while (match(s, /\$u[0-9a-f][0-9a-f]\$/)) {
		h = substr(s, RSTART + 2, 2)
		c = sprintf("%c", (index("0123456789abcdef", substr(h, 1, 1)) - 1) * 16 + index("0123456789abcdef", substr(h, 2, 1)) - 1)
		s = substr(s, 1, RSTART - 1) c substr(s, RSTART + RLENGTH)
	}
	gsub(/\.\./, "::", s)
	return s
}
function name(s) {
	s = rust(s)
	gsub(/::h[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]/, "", s)
	sub(/ \(\.llvm\.[0-9]+\)$/, "", s)
	return s
}
# "file:line[:col][ (discriminator n)]" -> "file|line"
function loc(s,   file, line) {
	sub(/ \(discriminator [0-9]+\)$/, "", s)
	if (s ~ /:[0-9?]+:[0-9]+$/) sub(/:[0-9]+$/, "", s)
	line = s; sub(/.*:/, "", line)
	file = s; sub(/:[^:]*$/, "", file)
	if (line !~ /^[0-9]+$/) line = 0
	while (sub(/\/\.\//, "/", file)) ;
	sub(/^\.\//, "", file)
	gsub(/\/\/+/, "/", file)
	return file "|" (line + 0)
}
function frame(fn, where) {
	rec = rec (rec == "" ? "" : " ;; ") name(fn) "|" loc(where)
}
function flush() {
	if (started) print rec
	rec = ""
	started = 1
}

fmt == "llvm" {
	if ($0 == "") { if (started) { print rec; rec = ""; started = 0 } next }
	started = 1
	s = $0
	sub(/^ \(inlined by\) /, "", s)
	# The function name may contain " at " only in odd C++ operators: split at the last one.
	i = 0
	while ((j = index(substr(s, i + 1), " at ")) > 0) i += j
	if (i == 0) { frame(s, "??:0"); next }
	frame(substr(s, 1, i - 1), substr(s, i + 4))
	next
}

fmt == "gnu" || fmt == "eu" {
	if ($0 ~ /^0x[0-9a-f]+$/) { flush(); have_fn = 0; next }
	if (!have_fn) {
		fn = $0
		if (fmt == "eu") sub(/ inlined at .*/, "", fn)
		have_fn = 1
		next
	}
	frame(fn, $0)
	have_fn = 0
	next
}

END { if (started) print rec }
