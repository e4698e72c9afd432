/*
 * Lookups on this very test program, whose DWARF we know from its source:
 * a marker function, an inline chain captured through a return address,
 * split debug files found by .gnu_debuglink and .build-id, and mismatched
 * debug files refused.
 */
#include <check.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "napi_symbols.h"
#include "test_util.h"

int marker_function(int x);
void *outer_function(void);

/* The entry of an optimized function maps to its first line or its body. */
enum { MARKER_FIRST = __LINE__ + 1, MARKER_LAST = __LINE__ + 4 };
__attribute__((noinline)) int marker_function(int x)
{
	return x * 3 + 1;
}

__attribute__((noinline)) static void *where(void)
{
	return __builtin_return_address(0);
}

enum { HELPER_LINE = __LINE__ + 3 };
static inline __attribute__((always_inline)) void *inlined_helper(void)
{
	void *p = where();
	__asm__ volatile("" : "+r"(p));
	return p;
}

enum { OUTER_LINE = __LINE__ + 3 };
__attribute__((noinline)) void *outer_function(void)
{
	void *p = inlined_helper();
	__asm__ volatile("" : "+r"(p));
	return p;
}

static int find_bias(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	*(uintptr_t *)data = info->dlpi_addr;
	return 1; /* the first entry is the main program */
}

static uint64_t module_relative(const void *pc)
{
	uintptr_t bias = 0;
	dl_iterate_phdr(find_bias, &bias);
	return (uint64_t)((uintptr_t)pc - bias);
}

static const char *base(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash != NULL ? slash + 1 : path;
}

static nsym_symbolizer *open_self(const struct nsym_open_options *opts)
{
	nsym_symbolizer *sym = NULL;
	int rc = nsym_symbolizer_open(&sym, "/proc/self/exe", opts);
	ck_assert_msg(rc == 0, "open: %s", nsym_error_detail());
	return sym;
}

START_TEST(marker_resolves_to_its_line)
{
	nsym_symbolizer *sym = open_self(NULL);
	struct nsym_frames fr = {0};
	uint64_t addr = module_relative((const void *)(uintptr_t)marker_function);

	ck_assert_int_eq(nsym_symbolizer_lookup(&fr, sym, addr, 0), 0);
	ck_assert_uint_eq(fr.count, 1);
	ck_assert_str_eq(fr.frames[0].function, "marker_function");
	ck_assert_str_eq(base(fr.frames[0].file), "test_lookup.c");
	ck_assert_uint_ge(fr.frames[0].line, MARKER_FIRST);
	ck_assert_uint_le(fr.frames[0].line, MARKER_LAST);
	ck_assert_int_eq(fr.frames[0].inlined, 0);
	ck_assert_int_eq(fr.frames[0].approximate, 0);
	nsym_frames_release(&fr);
	nsym_symbolizer_close(sym);
}
END_TEST

/* outer_function's call from inlined_helper, looked up by return address */
static void expect_inline_chain(nsym_symbolizer *sym)
{
	struct nsym_frames fr = {0};
	uint64_t ra = module_relative(outer_function());

	ck_assert_int_eq(nsym_symbolizer_lookup(&fr, sym, ra, NSYM_LOOKUP_RETURN_ADDRESS), 0);
	ck_assert_uint_eq(fr.count, 2);
	ck_assert_str_eq(fr.frames[0].function, "inlined_helper");
	ck_assert_uint_eq(fr.frames[0].line, HELPER_LINE);
	ck_assert_int_eq(fr.frames[0].inlined, 1);
	ck_assert_str_eq(fr.frames[1].function, "outer_function");
	ck_assert_uint_eq(fr.frames[1].line, OUTER_LINE);
	ck_assert_int_eq(fr.frames[1].inlined, 0);
	nsym_frames_release(&fr);
}

START_TEST(return_address_gives_inline_chain)
{
	nsym_symbolizer *sym = open_self(NULL);
	struct nsym_frames fr = {0};
	uint64_t ra = module_relative(outer_function());

	expect_inline_chain(sym);
	ck_assert_int_eq(nsym_symbolizer_lookup(
	                     &fr, sym, ra, NSYM_LOOKUP_RETURN_ADDRESS | NSYM_LOOKUP_NO_INLINES),
	                 0);
	/* One frame: the innermost location, named like llvm-symbolizer names
	 * it, by the ELF symbol holding the address; DWARF's name stays. */
	ck_assert_uint_eq(fr.count, 1);
	ck_assert_str_eq(fr.frames[0].function, "outer_function");
	ck_assert_ptr_nonnull(fr.frames[0].dwarf_name);
	ck_assert_str_eq(fr.frames[0].dwarf_name, "inlined_helper");
	ck_assert_uint_eq(fr.frames[0].line, HELPER_LINE);
	ck_assert_int_eq(fr.frames[0].inlined, 0);
	nsym_frames_release(&fr);
	nsym_symbolizer_close(sym);
}
END_TEST

START_TEST(unknown_address_gives_question_marks)
{
	nsym_symbolizer *sym = open_self(NULL);
	struct nsym_frames fr = {0};

	ck_assert_int_eq(nsym_symbolizer_lookup(&fr, sym, UINT64_C(0x7fffffff0000), 0), 0);
	ck_assert_uint_eq(fr.count, 1);
	ck_assert_str_eq(fr.frames[0].function, "??");
	ck_assert_str_eq(fr.frames[0].file, "??");
	ck_assert_uint_eq(fr.frames[0].line, 0);
	nsym_frames_release(&fr);
	nsym_symbolizer_close(sym);
}
END_TEST

/* Splits this program with objcopy into dir/prog (stripped, debuglink) and
 * dir/prog.debug. */
static void split_self(const char *dir)
{
	ck_assert_int_eq(test_sh("cp /proc/%d/exe '%s/full' && cd '%s' && "
	                         "objcopy --only-keep-debug full prog.debug && "
	                         "objcopy --strip-all --add-gnu-debuglink=prog.debug full prog",
	                         (int)getpid(), dir, dir),
	                 0);
}

static void expect_marker(nsym_symbolizer *sym)
{
	struct nsym_frames fr = {0};
	uint64_t addr = module_relative((const void *)(uintptr_t)marker_function);
	ck_assert_int_eq(nsym_symbolizer_lookup(&fr, sym, addr, 0), 0);
	ck_assert_str_eq(fr.frames[0].function, "marker_function");
	ck_assert_uint_ge(fr.frames[0].line, MARKER_FIRST);
	ck_assert_uint_le(fr.frames[0].line, MARKER_LAST);
	nsym_frames_release(&fr);
}

START_TEST(stripped_file_finds_debug_by_debuglink)
{
	char *dir = test_tmpdir(), path[4096];
	nsym_symbolizer *sym = NULL;

	split_self(dir);
	snprintf(path, sizeof(path), "%s/prog", dir);
	ck_assert_int_eq(nsym_symbolizer_open(&sym, path, NULL), 0);
	ck_assert_ptr_nonnull(nsym_symbolizer_debug_path(sym));
	ck_assert_str_eq(base(nsym_symbolizer_debug_path(sym)), "prog.debug");
	expect_marker(sym);
	nsym_symbolizer_close(sym);

	/* also in .debug/ beside the file */
	ck_assert_int_eq(test_sh("cd '%s' && mkdir .debug && mv prog.debug .debug/", dir), 0);
	ck_assert_int_eq(nsym_symbolizer_open(&sym, path, NULL), 0);
	ck_assert_ptr_nonnull(nsym_symbolizer_debug_path(sym));
	expect_marker(sym);
	nsym_symbolizer_close(sym);
	test_tmpdir_remove(dir);
}
END_TEST

/* no_search: the debug file beside a stripped file is not opened, and
 * the symbol tables answer (the server opens blobs by /proc/self/fd/N,
 * beside which a .gnu_debuglink would name its other open files). */
START_TEST(no_search_opens_nothing_beside_the_file)
{
	char *dir = test_tmpdir(), path[4096];
	struct nsym_open_options opts = {.no_search = 1};
	nsym_symbolizer *sym = NULL;
	struct nsym_frames fr = {0};

	split_self(dir);
	snprintf(path, sizeof(path), "%s/prog", dir);
	ck_assert_int_eq(nsym_symbolizer_open(&sym, path, &opts), 0);
	ck_assert_ptr_null(nsym_symbolizer_debug_path(sym));
	ck_assert_int_eq(
	    nsym_symbolizer_lookup(&fr, sym,
	                           module_relative((const void *)(uintptr_t)marker_function), 0),
	    0);
	ck_assert_uint_eq(fr.count, 1);
	ck_assert_uint_eq(fr.frames[0].line, 0); /* no DWARF was read */
	nsym_frames_release(&fr);
	nsym_symbolizer_close(sym);
	test_tmpdir_remove(dir);
}
END_TEST

START_TEST(stripped_file_finds_debug_by_build_id)
{
	char *dir = test_tmpdir(), path[4096], hex[129];
	const char *dirs[2];
	struct nsym_identity id;
	nsym_object *obj = NULL;
	nsym_symbolizer *sym = NULL;

	split_self(dir);
	snprintf(path, sizeof(path), "%s/prog", dir);
	ck_assert_int_eq(nsym_object_open(&obj, path), 0);
	ck_assert_int_eq(nsym_object_identity(&id, obj), 0);
	ck_assert_uint_eq(id.build_id_len, 20);
	ck_assert_int_eq(nsym_identity_hex(hex, sizeof(hex), &id), 0);
	nsym_object_close(obj);
	ck_assert_int_eq(test_sh("cd '%s' && mkdir -p root/.build-id/%.2s && "
	                         "mv prog.debug root/.build-id/%.2s/%s.debug",
	                         dir, hex, hex, hex + 2),
	                 0);
	snprintf(path, sizeof(path), "%s/root", dir);
	dirs[0] = path;
	dirs[1] = NULL;
	struct nsym_open_options opts = {.debug_dirs = dirs};
	char prog[4096];
	snprintf(prog, sizeof(prog), "%s/prog", dir);
	ck_assert_int_eq(nsym_symbolizer_open(&sym, prog, &opts), 0);
	ck_assert_ptr_nonnull(nsym_symbolizer_debug_path(sym));
	expect_marker(sym);
	nsym_symbolizer_close(sym);
	test_tmpdir_remove(dir);
}
END_TEST

START_TEST(mismatched_debug_file_is_refused)
{
	char *dir = test_tmpdir(), prog[4096], other[4096];
	nsym_symbolizer *sym = NULL;
	struct nsym_open_options opts = {.debug_file = other};

	split_self(dir);
	snprintf(prog, sizeof(prog), "%s/prog", dir);
	ck_assert_int_eq(test_sh("cd '%s' && printf 'int main(void){return 0;}' > o.c && "
	                         "cc -g -Wl,--build-id -o other o.c && "
	                         "objcopy --only-keep-debug other other.debug",
	                         dir),
	                 0);
	snprintf(other, sizeof(other), "%s/other.debug", dir);
	ck_assert_int_eq(nsym_symbolizer_open(&sym, prog, &opts), NSYM_EMISMATCH);
	ck_assert_ptr_null(sym);
	ck_assert_ptr_nonnull(strstr(nsym_error_detail(), "other.debug"));
	ck_assert_ptr_nonnull(strstr(nsym_error_detail(), "build-id"));

	/* A debuglink whose CRC does not match is not taken either. */
	ck_assert_int_eq(test_sh("cd '%s' && cp other.debug prog.debug", dir), 0);
	ck_assert_int_eq(nsym_symbolizer_open(&sym, prog, NULL), NSYM_EMISMATCH);
	test_tmpdir_remove(dir);
}
END_TEST

START_TEST(fallback_id_survives_stripping)
{
	char *dir = test_tmpdir(), a[4096], b[4096];
	struct nsym_identity ia, ib;
	nsym_object *oa = NULL, *ob = NULL;

	ck_assert_int_eq(test_sh("cd '%s' && printf 'int f(int x){return x+1;}\\n"
	                         "int main(void){return f(1);}' > n.c && "
	                         "cc -g -Wl,--build-id=none -o full n.c && "
	                         "objcopy --strip-all full stripped",
	                         dir),
	                 0);
	snprintf(a, sizeof(a), "%s/full", dir);
	snprintf(b, sizeof(b), "%s/stripped", dir);
	ck_assert_int_eq(nsym_object_open(&oa, a), 0);
	ck_assert_int_eq(nsym_object_open(&ob, b), 0);
	nsym_object_identity(&ia, oa);
	nsym_object_identity(&ib, ob);
	ck_assert_uint_eq(ia.build_id_len, 0);
	ck_assert_int_eq(ia.has_fallback_id, 1);
	ck_assert_int_eq(ib.has_fallback_id, 1);
	ck_assert_mem_eq(ia.fallback_id, ib.fallback_id, NSYM_FALLBACK_ID_SIZE);
	ck_assert_int_eq(ia.has_debug_info, 1);
	ck_assert_int_eq(ib.has_debug_info, 0);
	nsym_object_close(oa);
	nsym_object_close(ob);
	test_tmpdir_remove(dir);
}
END_TEST

START_TEST(demangles_rust_and_cpp)
{
	static const char *const cases[][2] = {
	    {"_ZN4core3fmt5write17h0123456789abcdefE", "core::fmt::write"},
	    {"_RNvNtCs1234_7mycrate3foo3bar", "mycrate::foo::bar"},
	    {"_Z3fooi", "foo(int)"},
	    {"__Z3fooi", "foo(int)"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *d = nsym_demangle(cases[i][0]);
		ck_assert_ptr_nonnull(d);
		ck_assert_str_eq(d, cases[i][1]);
		free(d);
	}
	ck_assert_ptr_null(nsym_demangle("main"));
	ck_assert_ptr_null(nsym_demangle("_Zgarbage"));
}
END_TEST

/* The marker and the inline chain, as lookups see them. */
static void expect_known_answers(nsym_symbolizer *sym)
{
	expect_marker(sym);
	expect_inline_chain(sym);
}

static char *cache_file_in(const char *dir)
{
	char cmd[4200], *path = malloc(4096);
	FILE *p;
	snprintf(cmd, sizeof(cmd), "ls '%s'/*.symcache", dir);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(fgets(path, 4096, p));
	pclose(p);
	path[strcspn(path, "\n")] = '\0';
	return path;
}

START_TEST(symcache_answers_like_dwarf)
{
	char *dir = test_tmpdir();
	struct nsym_open_options opts = {.cache_dir = dir};
	nsym_symbolizer *sym = open_self(&opts);
	struct nsym_frames a = {0}, b = {0};

	ck_assert_int_eq(nsym_symbolizer_cached(sym), 0);
	ck_assert_int_eq(nsym_symbolizer_write_cache(sym, dir), 0);
	nsym_symbolizer *cached = open_self(&opts);
	ck_assert_int_eq(nsym_symbolizer_cached(cached), 1);
	expect_known_answers(cached);
	/* every 7th byte of the first 256 KiB of code: same frames both ways */
	for (uint64_t addr = 0x1000; addr < 0x41000; addr += 7) {
		ck_assert_int_eq(nsym_symbolizer_lookup(&a, sym, addr, 0), 0);
		ck_assert_int_eq(nsym_symbolizer_lookup(&b, cached, addr, 0), 0);
		ck_assert_msg(a.count == b.count, "0x%llx: %zu frames, cached %zu",
		              (unsigned long long)addr, a.count, b.count);
		for (size_t i = 0; i < a.count; i++) {
			if (a.frames[i].symbol_offset != b.frames[i].symbol_offset)
				ck_abort_msg("0x%llx frame %zu (%s): offset %llu, cached %llu",
				             (unsigned long long)addr, i, a.frames[i].function,
				             (unsigned long long)a.frames[i].symbol_offset,
				             (unsigned long long)b.frames[i].symbol_offset);
			if (strcmp(a.frames[i].file, b.frames[i].file) != 0)
				ck_abort_msg("0x%llx frame %zu (%s): file %s, cached %s",
				             (unsigned long long)addr, i, a.frames[i].function,
				             a.frames[i].file, b.frames[i].file);
			ck_assert_str_eq(a.frames[i].function, b.frames[i].function);
			ck_assert_str_eq(a.frames[i].file, b.frames[i].file);
			ck_assert_uint_eq(a.frames[i].line, b.frames[i].line);
			ck_assert_uint_eq(a.frames[i].column, b.frames[i].column);
			ck_assert_int_eq(a.frames[i].inlined, b.frames[i].inlined);
			ck_assert_int_eq(a.frames[i].approximate, b.frames[i].approximate);
			ck_assert_uint_eq(a.frames[i].symbol_offset, b.frames[i].symbol_offset);
		}
	}
	nsym_frames_release(&a);
	nsym_frames_release(&b);
	nsym_symbolizer_close(cached);
	nsym_symbolizer_close(sym);
	test_tmpdir_remove(dir);
}
END_TEST

START_TEST(damaged_symcache_is_never_trusted_blindly)
{
	char *dir = test_tmpdir(), *path;
	struct nsym_open_options opts = {.cache_dir = dir};
	nsym_symbolizer *sym = open_self(&opts);
	struct nsym_frames fr = {0};
	size_t size;
	unsigned char *orig;

	ck_assert_int_eq(nsym_symbolizer_write_cache(sym, dir), 0);
	nsym_symbolizer_close(sym);
	path = cache_file_in(dir);
	orig = test_read(path, &size);
	ck_assert_ptr_nonnull(orig);

	/* truncated, or of another version: ignored, DWARF answers */
	ck_assert_int_eq(truncate(path, (off_t)(size / 2)), 0);
	sym = open_self(&opts);
	ck_assert_int_eq(nsym_symbolizer_cached(sym), 0);
	expect_known_answers(sym);
	nsym_symbolizer_close(sym);
	orig[8] ^= 0x40; /* version */
	free(test_write(dir, strrchr(path, '/') + 1, orig, size));
	sym = open_self(&opts);
	ck_assert_int_eq(nsym_symbolizer_cached(sym), 0);
	nsym_symbolizer_close(sym);
	orig[8] ^= 0x40;

	/* bytes changed inside the tables: used, but never read out of bounds */
	unsigned seed = 99;
	for (int round = 0; round < 20; round++) {
		unsigned char *bent = malloc(size);
		memcpy(bent, orig, size);
		for (int k = 0; k < 64; k++) {
			seed = seed * 1103515245u + 12345u;
			size_t at = 256 + (seed >> 4) % (size - 257);
			bent[at] = (unsigned char)(seed >> 20);
		}
		free(test_write(dir, strrchr(path, '/') + 1, bent, size));
		free(bent);
		sym = open_self(&opts);
		for (uint64_t addr = 0; addr < 0x40000; addr += 0x1f3)
			ck_assert_int_eq(nsym_symbolizer_lookup(&fr, sym, addr, 0), 0);
		nsym_symbolizer_close(sym);
	}
	nsym_frames_release(&fr);
	free(orig);
	free(path);
	test_tmpdir_remove(dir);
}
END_TEST

START_TEST(symcache_write_failure_is_reported)
{
	nsym_symbolizer *sym = open_self(NULL);
	ck_assert_int_eq(nsym_symbolizer_write_cache(sym, "/nonexistent/dir"), NSYM_EIO);
	ck_assert_ptr_nonnull(strstr(nsym_error_detail(), "/nonexistent/dir"));
	nsym_symbolizer_close(sym);
}
END_TEST

static Suite *lookup_suite(void)
{
	Suite *s = suite_create("lookup");
	TEST_ADD(s, marker_resolves_to_its_line);
	TEST_ADD(s, return_address_gives_inline_chain);
	TEST_ADD(s, unknown_address_gives_question_marks);
	TEST_ADD(s, stripped_file_finds_debug_by_debuglink);
	TEST_ADD(s, stripped_file_finds_debug_by_build_id);
	TEST_ADD(s, no_search_opens_nothing_beside_the_file);
	TEST_ADD(s, mismatched_debug_file_is_refused);
	TEST_ADD(s, fallback_id_survives_stripping);
	TEST_ADD(s, demangles_rust_and_cpp);
	TEST_ADD(s, symcache_answers_like_dwarf);
	TEST_ADD(s, damaged_symcache_is_never_trusted_blindly);
	TEST_ADD(s, symcache_write_failure_is_reported);
	return s;
}

int main(void)
{
	return test_run(lookup_suite());
}
