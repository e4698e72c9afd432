#!/usr/bin/env bash
# gen-c.sh OUTDIR [TARGET...]: generate "c50k", a C program of about 50,000
# functions (43,000 in the source; gcc adds .cold, .part and .isra pieces)
# spread over 200 source files (so ~200 compile units), and build it as the
# TARGETs asked for (default c50k), as benchmark targets for symbolizers:
#
#   c50k        ELF executable: gcc -O2 -g -Wl,--build-id, OUTDIR/c50k
#   c50k-macho  arm64 Mach-O bundle, as node-gyp links addons, and its dSYM:
#               clang --target=arm64-apple-macos11 -O2 -g, ld64.lld,
#               dsymutil; OUTDIR/c50k-macho.node and c50k-macho.node.dSYM
#   c50k-pe     x86_64 Windows DLL and its PDB, as MSVC links addons:
#               clang --target=x86_64-pc-windows-msvc -O2 -g -gcodeview,
#               lld-link /debug; OUTDIR/c50k-pe.node and c50k-pe.pdb
#
# Function sizes vary from one-liners to a few hundred statements. Each file
# has file-local static inline helpers that call the shared always_inline
# helpers of inl.h, so inlined frames come in chains of up to four and cross
# from the .c file into the header. Some functions are static noinline
# (local symbols), some call a cold function (so gcc splits off .cold parts),
# and calls between files only go "forward" (no recursion).
#
# The targets compile the same f*.c files. The ELF one links them with
# main.c; the Mach-O and PE ones with addon.c, whose napi_register_module_v1 calls
# what main calls, and with no libc: the sources need only <stdint.h>, which
# clang has itself under -ffreestanding, so no macOS SDK is needed; the few
# symbols the code still imports (___stack_chk_fail) are left to the loader
# (-undefined dynamic_lookup, as node-gyp links addons). The LLVM tools are
# found plain, -14 suffixed or under /usr/lib/llvm-*/bin, and only when the
# Mach-O target is asked for.
#
# Built with make -j$(nproc); sources stay in OUTDIR/c50k-src, the Mach-O
# objects in OUTDIR/c50k-src/macho, the PE ones in OUTDIR/c50k-src/pe. The generator is deterministic: the same
# C_FILES/C_FUNCS/C_SEED give the same program. Files whose text did not
# change are left as they are, so building one target keeps the other's
# objects, and make rebuilds only what changed.
set -euo pipefail

usage() { echo "usage: gen-c.sh OUTDIR [c50k|c50k-macho|c50k-pe...]"; }
if [ $# -lt 1 ]; then
	usage >&2
	exit 129
fi
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
out=$1
shift
want=("$@")
[ ${#want[@]} -gt 0 ] || want=(c50k)
for t in "${want[@]}"; do
	case $t in
	c50k | c50k-macho | c50k-pe) ;;
	*) echo "gen-c.sh: unknown target '$t'" >&2; usage >&2; exit 129 ;;
	esac
done
nfiles=${C_FILES:-200}
nfuncs=${C_FUNCS:-215} # per file
seed=${C_SEED:-1}
cc=${CC:-gcc}

mkdir -p "$out"
out=$(cd "$out" && pwd)
src=$out/c50k-src
# Generated into gen/, then moved into src/ file by file where it differs, so
# that the files keep their times and make rebuilds only what changed.
gen=$out/c50k-src.new
rm -rf "$gen"
mkdir -p "$gen" "$src"

echo "gen-c.sh: generating $nfiles files x $nfuncs functions in $src"
awk -v nfiles="$nfiles" -v nfuncs="$nfuncs" -v seed="$seed" -v dir="$gen" '
# Park-Miller generator: deterministic whatever awk this is (mawk, gawk).
function rnd(n) { rs = (rs * 16807) % 2147483647; return rs % n }
function hex(n,   s, d) {
	s = ""
	do { d = n % 16; s = substr("0123456789abcdef", d + 1, 1) s; n = (n - d) / 16 } while (n > 0)
	return "0x" s
}
function name(f, k) { return sprintf("fn_%03d_%03d", f, k) }
function konst() { return hex(rnd(2147483646) + 1) "u" }

# One statement of a function body in file f; may add callees to ext[].
function stmt(f, k,   t, g, j, c, s, i, n) {
	t = rnd(100)
	if (t < 25) return "\ta = mix_b(a, b + " konst() ");"
	if (t < 35) return "\ta += rotl64(b, " rnd(64) "u) ^ " konst() ";"
	if (t < 47) return "\tb ^= loc_" f "_" rnd(nloc) "(a, " konst() ");"
	if (t < 62) {
		# Call a function further on (same file or a later one): no cycles.
		g = f; j = k + 1 + rnd(40)
		if (rnd(3) == 0 && f + 1 < nfiles) { g = f + 1 + rnd(nfiles - f - 1); j = rnd(nfuncs) }
		if (j >= nfuncs) return "\ta += rotl64(b, " rnd(64) "u);"
		if (st[g, j]) j = 0 # static: not visible from here; fn_g_000 never is
		c = name(g, j)
		if (g != f) ext[c] = 1
		return "\tif ((a & 0xff) == " rnd(256) "u)\n\t\tb += " c "(a, b);\n\telse\n\t\ta -= " konst() ";"
	}
	if (t < 67) return "\tfor (int i = 0; i < (int)(b & 15); i++)\n\t\ta = rotl64(a, (unsigned)i) + loc_" f "_" rnd(nloc) "(a, (uint64_t)i);"
	if (t < 71) {
		n = 2 + rnd(5)
		return "\t{\n\t\tuint64_t t[" n "];\n\t\tfor (int i = 0; i < " n "; i++)\n\t\t\tt[i] = a + (uint64_t)i * " konst() ";\n\t\ta ^= sum_arr(t, " n ");\n\t}"
	}
	if (t < 81) return "\t{\n\t\tstruct rec r = { a, (uint32_t)b, " rnd(65536) ", \"t" rnd(1000) "\" };\n\t\tb += rec_hash(&r);\n\t}"
	if (t < 91) return "\tif (__builtin_expect(a == " konst() ", 0))\n\t\tbench_rare(a ^ b);"
	if (t < 95) {
		n = 2 + rnd(4)
		s = "\tswitch (a % " n ") {\n"
		for (i = 0; i < n; i++)
			s = s "\tcase " i ":\n\t\tb = " (i % 2 ? "rotl64(b, " rnd(64) "u) + " konst() : "mix_a(b ^ " konst() ")") ";\n\t\tbreak;\n"
		return s "\tdefault:\n\t\tb++;\n\t}"
	}
	return "\tb = mix_c(a, b, " konst() ") ^ loc_" f "_" rnd(nloc) "(b, a);"
}

# How many statements: mostly small functions, a long tail of big ones.
function size(   t) {
	t = rnd(1000)
	if (t < 780) return 1
	if (t < 960) return 2 + rnd(4)
	if (t < 995) return 6 + rnd(25)
	return 31 + rnd(70)
}

BEGIN {
	rs = seed + 12345
	nloc = 4
	# About 1 in 20 functions is static noinline (never the first of a file).
	for (f = 0; f < nfiles; f++)
		for (k = 0; k < nfuncs; k++)
			st[f, k] = (k > 0 && rnd(20) == 0)
	for (f = 0; f < nfiles; f++) {
		file = sprintf("%s/f%03d.c", dir, f)
		delete ext
		body = ""
		for (k = 0; k < nfuncs; k++) {
			isstatic[k] = st[f, k]
			n = size()
			s = ""
			if (n == 1 && rnd(2) == 0) # an accessor-like one-liner
				s = "\ta = a * " konst() " + (b >> " (1 + rnd(62)) ");\n"
			else
				for (i = 0; i < n; i++)
					s = s stmt(f, k) "\n"
			fbody[k] = s
		}
		printf "/* Generated by bench/gen-c.sh: file %d of %d. */\n", f, nfiles > file
		print "#include <stdint.h>\n#include \"inl.h\"\n" > file
		for (c in ext)
			print "uint64_t " c "(uint64_t a, uint64_t b);" > file
		for (k = 0; k < nfuncs; k++)
			printf "%suint64_t %s(uint64_t a, uint64_t b);\n", (isstatic[k] ? "static __attribute__((noinline)) " : ""), name(f, k) > file
		print "" > file
		# File-local inline helpers, chained: loc_f_j calls loc_f_(j-1) and
		# the shared helpers of inl.h.
		for (j = 0; j < nloc; j++) {
			printf "static inline uint64_t loc_%d_%d(uint64_t x, uint64_t y)\n{\n", f, j > file
			if (j == 0)
				printf "\treturn mix_a(x + %s) ^ y;\n", konst() > file
			else if (j % 3 == 1)
				printf "\tif (x & %s)\n\t\treturn loc_%d_%d(y, x) + %s;\n\treturn mix_b(x, y);\n", konst(), f, j - 1, konst() > file
			else if (j % 3 == 2)
				printf "\tuint64_t t = loc_%d_%d(x ^ %s, y);\n\treturn mix_c(t, x, y);\n", f, j - 1, konst() > file
			else
				printf "\tfor (int i = 0; i < (int)(x & 3); i++)\n\t\ty = loc_%d_%d(y, x + (uint64_t)i);\n\treturn y;\n", f, j - 1 > file
			print "}\n" > file
		}
		for (k = 0; k < nfuncs; k++) {
			printf "%suint64_t %s(uint64_t a, uint64_t b)\n{\n", (isstatic[k] ? "static " : ""), name(f, k) > file
			printf "%s", fbody[k] > file
			if (k + 1 < nfuncs && isstatic[k + 1])
				printf "\tb ^= %s(b, a);\n", name(f, k + 1) > file
			print "\treturn a ^ b;\n}\n" > file
		}
		close(file)
	}
	# main.c calls the first function of every file.
	file = dir "/main.c"
	print "/* Generated by bench/gen-c.sh. */\n#include <stdio.h>\n#include \"inl.h\"\n" > file
	for (f = 0; f < nfiles; f++)
		printf "uint64_t %s(uint64_t a, uint64_t b);\n", name(f, 0) > file
	print "\nvolatile uint64_t bench_sink;\n\nvoid bench_rare(uint64_t x)\n{\n\tbench_sink = x;\n\tfprintf(stderr, \"rare %llu\\n\", (unsigned long long)x);\n}\n" > file
	print "int main(int argc, char **argv)\n{\n\tuint64_t a = (uint64_t)argc, b = (uint64_t)(uintptr_t)argv[0];\n" > file
	for (f = 0; f < nfiles; f++)
		printf "\ta ^= %s(a, b);\n", name(f, 0) > file
	print "\tprintf(\"%llu\\n\", (unsigned long long)a);\n\treturn 0;\n}" > file
	close(file)
	# addon.c, for the Mach-O build: the same calls from the addon entry
	# point, and no libc.
	file = dir "/addon.c"
	print "/* Generated by bench/gen-c.sh: main.c of the Mach-O addon. */\n#include \"inl.h\"\n" > file
	for (f = 0; f < nfiles; f++)
		printf "uint64_t %s(uint64_t a, uint64_t b);\n", name(f, 0) > file
	print "void *napi_register_module_v1(void *env, void *exports);\n" > file
	print "volatile uint64_t bench_sink;\n\nvoid bench_rare(uint64_t x)\n{\n\tbench_sink = x;\n}\n" > file
	print "void *napi_register_module_v1(void *env, void *exports)\n{\n\tuint64_t a = (uint64_t)(uintptr_t)env, b = (uint64_t)(uintptr_t)exports;\n" > file
	for (f = 0; f < nfiles; f++)
		printf "\ta ^= %s(a, b);\n", name(f, 0) > file
	print "\tbench_sink = a;\n\treturn exports;\n}" > file
	close(file)
}'

cat >"$gen/inl.h" <<'H'
/* Generated by bench/gen-c.sh: helpers inlined everywhere. */
#ifndef BENCH_INL_H
#define BENCH_INL_H
#include <stdint.h>

#define ALWAYS_INLINE static inline __attribute__((always_inline))

struct rec {
	uint64_t k;
	uint32_t n;
	uint16_t f;
	char tag[6];
};

extern volatile uint64_t bench_sink;
void bench_rare(uint64_t x) __attribute__((cold, noinline));

ALWAYS_INLINE uint64_t rotl64(uint64_t x, unsigned r)
{
	return (x << (r & 63)) | (x >> ((64 - r) & 63));
}

ALWAYS_INLINE uint64_t mix_a(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	return rotl64(x, 17);
}

ALWAYS_INLINE uint64_t mix_b(uint64_t x, uint64_t y)
{
	return mix_a(x ^ rotl64(y, 29)) + y;
}

static inline uint64_t mix_c(uint64_t x, uint64_t y, uint64_t z)
{
	return mix_b(mix_a(x), y ^ z) ^ mix_b(z, x);
}

static inline uint64_t sum_arr(const uint64_t *p, int n)
{
	uint64_t s = 0;
	for (int i = 0; i < n; i++)
		s += mix_b(p[i], (uint64_t)i);
	return s;
}

static inline uint64_t rec_hash(const struct rec *r)
{
	return mix_c(r->k, r->n, r->f) ^ (uint64_t)r->tag[0];
}

#endif
H

{
	echo "# Generated by bench/gen-c.sh. MCC, LD64, DSYMUTIL and LLDLINK are"
	echo "# given by gen-c.sh, which finds them, for the Mach-O and PE targets only."
	echo "CC = $cc"
	echo "CFLAGS = -O2 -g -std=c11 -w"
	echo "MCFLAGS = --target=arm64-apple-macos11 -ffreestanding -O2 -g -std=c11 -w"
	echo "PCFLAGS = --target=x86_64-pc-windows-msvc -ffreestanding -O2 -g -gcodeview -std=c11 -w"
	printf 'OBJS ='
	for ((i = 0; i < nfiles; i++)); do printf ' f%03d.o' "$i"; done
	echo ' main.o'
	printf 'MOBJS ='
	for ((i = 0; i < nfiles; i++)); do printf ' macho/f%03d.o' "$i"; done
	echo ' macho/addon.o'
	printf 'POBJS ='
	for ((i = 0; i < nfiles; i++)); do printf ' pe/f%03d.obj' "$i"; done
	echo ' pe/addon.obj'
	echo
	echo 'c50k: $(OBJS)'
	printf '\t$(CC) $(CFLAGS) -Wl,--build-id -o $@ $(OBJS)\n'
	echo
	echo '%.o: %.c inl.h Makefile'
	printf '\t$(CC) $(CFLAGS) -c -o $@ $<\n'
	echo
	echo 'c50k-macho.node: $(MOBJS)'
	printf '\t$(LD64) -arch arm64 -platform_version macos 11.0 11.0 -bundle -undefined dynamic_lookup -o $@ $(MOBJS)\n'
	echo
	echo 'c50k-macho.node.dSYM: c50k-macho.node'
	printf '\trm -rf $@\n\t$(DSYMUTIL) -o $@ c50k-macho.node\n'
	echo
	echo 'macho/%.o: %.c inl.h Makefile'
	printf '\t@mkdir -p macho\n\t$(MCC) $(MCFLAGS) -c -o $@ $<\n'
	echo
	echo 'c50k-pe.node: $(POBJS)'
	printf '\t$(LLDLINK) /machine:x64 /dll /noentry /nodefaultlib /force:unresolved /export:napi_register_module_v1 /debug /pdb:c50k-pe.pdb /pdbaltpath:%%_PDB%% /out:$@ $(POBJS)\n'
	echo
	echo 'pe/%.obj: %.c inl.h Makefile'
	printf '\t@mkdir -p pe\n\t$(MCC) $(PCFLAGS) -c -o $@ $<\n'
} >"$gen/Makefile"
for f in "$gen"/*; do
	cmp -s "$f" "$src/${f##*/}" || mv -f "$f" "$src/"
done
rm -rf "$gen"

for t in "${want[@]}"; do
	echo "gen-c.sh: building $t with make -j$(nproc)"
	start=$(date +%s)
	case $t in
	c50k)
		make -s -C "$src" -j"$(nproc)" c50k
		cp "$src/c50k" "$out/c50k"
		end=$(date +%s)
		echo "gen-c.sh: built $out/c50k in $((end - start)) s"
		describe "$out/c50k" ;;
	c50k-macho)
		mcc=$(llvm_tool clang clang)
		ld64=$(llvm_tool ld64.lld lld)
		dsymutil=$(llvm_tool dsymutil llvm)
		make -s -C "$src" -j"$(nproc)" MCC="$mcc" LD64="$ld64" DSYMUTIL="$dsymutil" \
			c50k-macho.node.dSYM
		rm -rf "$out/c50k-macho.node" "$out/c50k-macho.node.dSYM"
		cp "$src/c50k-macho.node" "$out/"
		cp -R "$src/c50k-macho.node.dSYM" "$out/"
		end=$(date +%s)
		echo "gen-c.sh: built $out/c50k-macho.node and its dSYM in $((end - start)) s"
		describe_macho "$out/c50k-macho.node" ;;
	c50k-pe)
		mcc=$(llvm_tool clang clang)
		lldlink=$(llvm_tool lld-link lld)
		# lld-link warns of the symbols /force:unresolved leaves (memset)
		make -s -C "$src" -j"$(nproc)" MCC="$mcc" LLDLINK="$lldlink" c50k-pe.node 2>&1 |
			grep -v -e 'undefined symbol' -e '>>> referenced by' || true
		[ -r "$src/c50k-pe.node" ] && [ -r "$src/c50k-pe.pdb" ] ||
			{ echo "gen-c.sh: lld-link made no c50k-pe.node" >&2; exit 1; }
		cp "$src/c50k-pe.node" "$src/c50k-pe.pdb" "$out/"
		end=$(date +%s)
		echo "gen-c.sh: built $out/c50k-pe.node and its PDB in $((end - start)) s"
		describe_pe "$out/c50k-pe.node" ;;
	esac
done
