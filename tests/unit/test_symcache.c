/*
 * The symcache (symbolizer/symcache*.c): its writer fed ranges and frames
 * made up here, as a reader of any container would feed it, and read back
 * address by address; its size against the debug files of the fixtures;
 * damage found and answered from the debug file instead; and the public
 * calls that build one into a given file and open one alone.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "napi_symbols.h"
#include "napi_symbols_util.h"
#include "symcache.h"
#include "test_util.h"

#define C_FIXTURE    NSYM_FIXTURES_DIR "/c/addon.node"
#define RUST_FIXTURE NSYM_FIXTURES_DIR "/rust/addon.node"

/* ---- a made-up program -------------------------------------------------- */

#define BASE    0x400000u
#define NRANGES 6000
#define NFUNCS  211
#define NFILES  300
#define DEEP    40 /* frames in the deepest chains: more than a batch */

static char func_names[NFUNCS][64], linkages[NFUNCS][64], dwarf_names[NFUNCS][64];
static char file_names[NFILES][64];
static char *long_name; /* longer than a block of strings */

static void make_names(void)
{
	for (int i = 0; i < NFUNCS; i++) {
		snprintf(func_names[i], sizeof(func_names[i]), "ns::fn_%d", i);
		snprintf(linkages[i], sizeof(linkages[i]), "_ZN2ns5fn_%dE", i);
		snprintf(dwarf_names[i], sizeof(dwarf_names[i]), "ns::fn_%d<u%d>", i, i % 5);
	}
	for (int i = 0; i < NFILES; i++)
		snprintf(file_names[i], sizeof(file_names[i]), "/src/dir%d/file%d.c", i % 17, i);
	long_name = malloc(40001);
	memset(long_name, 'a', 40000); /* sorted among the first names */
	long_name[40000] = '\0';
}

/* How deep range i's chain is; 0 for a gap. */
static size_t depth_of(int i)
{
	if (i % 97 == 50)
		return 0;
	if (i % 1000 == 999)
		return 2;
	if (i % 500 == 3)
		return DEEP;
	return 1 + (size_t)(i % 3);
}

static uint64_t start_of(int i)
{
	return BASE + (uint64_t)i * 6 + (uint64_t)(i / 100) * 37; /* some starts far apart */
}

/* The frames of range i, innermost first, as a reader would give them.
 * Like compiled code: each ten ranges are one function, in which the same
 * few functions are inlined at the same places, one in another, so that
 * most ranges share their outer frames with their neighbours. */
static size_t frames_of_range(struct nsym_frame *out, int i)
{
	size_t n = depth_of(i);
	int g = i / 10;

	if (i % 1000 == 999) {
		/* inlined into range 0's function: a caller far from its scope */
		out[0] = (struct nsym_frame){.function = func_names[5],
		                             .file = file_names[5],
		                             .line = 55,
		                             .column = 5,
		                             .inlined = 1};
		out[1] = (struct nsym_frame){.function = func_names[0],
		                             .linkage_name = linkages[0],
		                             .dwarf_name = dwarf_names[0],
		                             .file = file_names[1],
		                             .line = 11,
		                             .column = 1,
		                             .symbol_offset = start_of(i) - start_of(0)};
		return n;
	}
	for (size_t k = 0; k < n; k++) {
		int level = (int)(n - 1 - k); /* 0: the function the range is in */
		int f = level == 0 ? g % NFUNCS : (g * 7 + level * 13) % NFUNCS;
		struct nsym_frame *o = &out[k];
		*o = (struct nsym_frame){
		    .function = i == 777 && k == 0 ? long_name : func_names[f],
		    .linkage_name = f % 2 == 0 ? linkages[f] : NULL,
		    .dwarf_name = f % 3 == 0 ? dwarf_names[f] : NULL,
		    .inlined = level > 0,
		    .symbol_offset = level == 0 ? start_of(i) - start_of(g * 10) : 0,
		};
		if (k == 0) {
			/* small steps mostly, some far, some in another file:
			 * every way of coding a line and a file */
			o->file = file_names[(i % 13 == 0 ? i * 7 : g + level) % NFILES];
			o->line = (uint32_t)(10 + (i % 50 == 0 ? i * 1000 : (i * 7) % 5000));
			o->column = (uint32_t)(i % 300 == 0 ? 100000 + i : i % 90);
		} else {
			/* where frame k - 1 is inlined in it: one place each */
			o->file = file_names[(g + level) % NFILES];
			o->line = (uint32_t)(100 + level * 10 + g % 50);
			o->column = (uint32_t)level + 1;
		}
	}
	return n;
}

/* A second unit over some of the first one's addresses: the first added
 * must win there. */
static size_t other_frames(struct nsym_frame *out)
{
	out[0] = (struct nsym_frame){.function = "other", .file = "/other.c", .line = 1};
	return 1;
}

static void fill_symbols(struct nsym_symtab *st)
{
	static char names[400][32];
	st->capacity = 401;
	st->syms = calloc(st->capacity, sizeof(*st->syms));
	for (int i = 0; i < 400; i++) {
		snprintf(names[i], sizeof(names[i]), i % 4 == 0 ? "_ZN3sym4s%03dEv" : "sym_%d", i);
		st->syms[st->count++] = (struct nsym_sym){.addr = BASE + (uint64_t)i * 100,
		                                          .size = 90,
		                                          .name = names[i],
		                                          .seq = (uint32_t)i};
	}
	/* sizeless: holds up to the end of its section */
	st->syms[st->count++] = (struct nsym_sym){
	    .addr = BASE + 400 * 100, .limit = BASE + 400 * 100 + 5000, .name = "tail", .seq = 400};
	nsym__symtab_sort(st);
}

/* Writes the made-up program's symcache to path, for identity id. */
static void write_made_up(const char *path, const unsigned char *id, size_t id_len)
{
	struct nsym_sc_builder *b = NULL;
	struct nsym_frame frames[DEEP];
	struct nsym_symtab st = {0};
	struct nsym_sc_identity ident = {id, id_len, 0x1234};

	if (long_name == NULL)
		make_names();
	ck_assert_int_eq(nsym__sc_builder_new(&b), 0);
	/* in two halves, the second first, as units come in any order */
	for (int half = 1; half >= 0; half--) {
		for (int i = half * NRANGES / 2; i < (half + 1) * NRANGES / 2; i++) {
			size_t n = frames_of_range(frames, i);
			ck_assert_int_eq(nsym__sc_builder_add_range(b, start_of(i), frames, n), 0);
		}
		nsym__sc_builder_strings_released(b);
	}
	ck_assert_int_eq(nsym__sc_builder_add_range(b, start_of(NRANGES), NULL, 0), 0);
	for (int i = 0; i < NRANGES; i += 41)
		ck_assert_int_eq(
		    nsym__sc_builder_add_range(b, start_of(i), frames, other_frames(frames)), 0);
	fill_symbols(&st);
	ck_assert_int_eq(nsym__sc_builder_add_symbols(b, &st), 0);
	ck_assert_int_eq(nsym__sc_builder_write(b, path, &ident), 0);
	nsym__sc_builder_free(b);
	free(st.syms);
}

static void expect_frames(const struct nsym_frames *got, const struct nsym_frame *want, size_t n,
                          uint64_t into, unsigned flags, uint64_t addr)
{
	size_t count = (flags & NSYM_LOOKUP_NO_INLINES) && n > 0 ? 1 : n;

	ck_assert_msg(got->count == count, "0x%llx: %zu frames, not %zu", (unsigned long long)addr,
	              got->count, count);
	for (size_t k = 0; k < count; k++) {
		const struct nsym_frame *g = &got->frames[k], *w = &want[k];
		bool extra = !(flags & NSYM_LOOKUP_NO_EXTRA_NAMES);
		ck_assert_str_eq(g->function, w->function);
		ck_assert_str_eq(g->file, w->file);
		ck_assert_uint_eq(g->line, w->line);
		ck_assert_uint_eq(g->column, w->column);
		ck_assert_int_eq(g->inlined, (flags & NSYM_LOOKUP_NO_INLINES) ? 0 : w->inlined);
		if (extra && w->linkage_name != NULL)
			ck_assert_str_eq(g->linkage_name, w->linkage_name);
		else
			ck_assert_ptr_null(g->linkage_name);
		if (extra && w->dwarf_name != NULL)
			ck_assert_str_eq(g->dwarf_name, w->dwarf_name);
		else
			ck_assert_ptr_null(g->dwarf_name);
		ck_assert_uint_eq(g->symbol_offset, w->inlined ? 0 : w->symbol_offset + into);
	}
}

START_TEST(writer_takes_ranges_from_any_container)
{
	static const unsigned char id[20] = {1, 2, 3};
	static const unsigned flags[] = {0, NSYM_LOOKUP_NO_INLINES, NSYM_LOOKUP_NO_EXTRA_NAMES};
	char *dir = test_tmpdir(), path[4200];
	struct nsym_symcache *sc = NULL;
	struct nsym_frames got = {0};
	struct nsym_frame want[DEEP];
	struct nsym_sc_header h;
	FILE *f;

	snprintf(path, sizeof(path), "%s/made-up.symcache", dir);
	write_made_up(path, id, sizeof(id));
	ck_assert_int_eq(nsym__symcache_open(&sc, path, id, sizeof(id)), 0);
	for (int i = 0; i < NRANGES; i++) {
		uint64_t from = start_of(i), to = start_of(i + 1);
		/* where a gap met the other unit's range, that range won */
		size_t n = frames_of_range(want, i);
		if (n == 0 && i % 41 == 0)
			n = other_frames(want);
		for (uint64_t addr = from; addr < to; addr += (to - from) / 2 + 1) {
			for (size_t j = 0; j < sizeof(flags) / sizeof(flags[0]); j++) {
				bool found = true;
				got.count = 0;
				ck_assert_int_eq(
				    nsym__symcache_lookup(&got, sc, addr, flags[j], &found), 0);
				ck_assert_int_eq(found, n > 0);
				expect_frames(&got, want, n, addr - from, flags[j], addr);
			}
		}
	}
	/* before the first range and past the last: nothing */
	for (uint64_t addr = 0; addr < BASE; addr += BASE / 7) {
		bool found = true;
		ck_assert_int_eq(nsym__symcache_lookup(&got, sc, addr, 0, &found), 0);
		ck_assert(!found);
	}
	/* the symbols, the last at an address and the sizeless one included */
	for (int i = 0; i < 400; i++) {
		struct nsym_symbol_hit hit;
		bool found;
		char want_name[32];
		ck_assert_int_eq(nsym__symcache_symbol(&hit, &found, sc, BASE + i * 100 + 89), 0);
		ck_assert(found);
		snprintf(want_name, sizeof(want_name), i % 4 == 0 ? "sym::s%03d()" : "sym_%d", i);
		ck_assert_str_eq(hit.name, want_name);
		ck_assert_uint_eq(hit.addr, BASE + i * 100);
		ck_assert_int_eq(nsym__symcache_symbol(&hit, &found, sc, BASE + i * 100 + 95), 0);
		ck_assert(!found);
	}
	{
		struct nsym_symbol_hit hit;
		bool found;
		ck_assert_int_eq(nsym__symcache_symbol(&hit, &found, sc, BASE + 40000 + 4999), 0);
		ck_assert(found);
		ck_assert_str_eq(hit.name, "tail");
		ck_assert_int_eq(nsym__symcache_symbol(&hit, &found, sc, BASE + 40000 + 5000), 0);
		ck_assert(!found);
	}
	/* the made-up program took the paths a real one would: chains longer
	 * than a batch, callers too far for their field, several blocks of
	 * strings */
	f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fread(&h, sizeof(h), 1, f), 1);
	fclose(f);
	ck_assert_uint_gt(h.t[NSYM_SC_CALLERS].count, 0);
	ck_assert_uint_gt(h.t[NSYM_SC_STR_SIZE].count, 2);
	ck_assert_uint_eq(nsym__symcache_image_base(sc), 0x1234);
	nsym__symcache_close(sc);
	nsym_frames_release(&got);
	test_tmpdir_remove(dir);
}
END_TEST

START_TEST(writer_refuses_what_it_cannot_hold)
{
	static const unsigned char id[20] = {9};
	struct nsym_sc_identity ident = {id, 20, 0};
	struct nsym_frame f = {.function = "f", .file = "f.c", .line = 1};
	struct nsym_sc_builder *b = NULL;
	char *dir = test_tmpdir(), path[4200];

	snprintf(path, sizeof(path), "%s/wide.symcache", dir);
	ck_assert_int_eq(nsym__sc_builder_new(&b), 0);
	ck_assert_int_eq(nsym__sc_builder_add_range(b, 0x1000, &f, 1), 0);
	ck_assert_int_eq(nsym__sc_builder_add_range(b, 0x1000 + (UINT64_C(1) << 33), &f, 1), 0);
	ck_assert_int_eq(nsym__sc_builder_write(b, path, &ident), NSYM_EUNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(nsym_error_detail(), "4 GiB"));
	ck_assert_int_ne(access(path, F_OK), 0);
	nsym__sc_builder_free(b);
	ident.id_len = 0;
	ck_assert_int_eq(nsym__sc_builder_new(&b), 0);
	ck_assert_int_eq(nsym__sc_builder_write(b, path, &ident), NSYM_EINVAL);
	nsym__sc_builder_free(b);
	test_tmpdir_remove(dir);
}
END_TEST

/* ---- on the fixtures, through the public calls -------------------------- */

static nsym_symbolizer *open_fixture(const char *fixture, const char *cache_dir)
{
	struct nsym_open_options opts = {.cache_dir = cache_dir};
	char path[4200];
	nsym_symbolizer *sym = NULL;
	int rc;

	snprintf(path, sizeof(path), "%s.split", fixture);
	rc = nsym_symbolizer_open(&sym, path, &opts);
	ck_assert_msg(rc == 0, "open %s: %s", path, nsym_error_detail());
	return sym;
}

static off_t file_size(const char *path)
{
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	return st.st_size;
}

static char *cache_file_in(const char *dir, const nsym_symbolizer *sym)
{
	char id[NSYM_IMAGE_ID_SIZE], *path = malloc(4200);
	ck_assert_int_eq(nsym_symbolizer_id(id, sizeof(id), sym), 0);
	snprintf(path, 4200, "%s/%s.v%d.symcache", dir, id, nsym_symcache_version());
	return path;
}

/* Every address of the first 16 KiB of code, one way and the other. */
static void expect_same_answers(nsym_symbolizer *a, nsym_symbolizer *b, unsigned flags)
{
	struct nsym_frames fa = {0}, fb = {0};

	for (uint64_t addr = 0; addr < 0x4000; addr++) {
		ck_assert_int_eq(nsym_symbolizer_lookup(&fa, a, addr, flags), 0);
		ck_assert_int_eq(nsym_symbolizer_lookup(&fb, b, addr, flags), 0);
		ck_assert_msg(fa.count == fb.count, "0x%llx: %zu frames, not %zu",
		              (unsigned long long)addr, fb.count, fa.count);
		for (size_t i = 0; i < fa.count; i++) {
			ck_assert_str_eq(fa.frames[i].function, fb.frames[i].function);
			ck_assert_str_eq(fa.frames[i].file, fb.frames[i].file);
			ck_assert_uint_eq(fa.frames[i].line, fb.frames[i].line);
			ck_assert_uint_eq(fa.frames[i].column, fb.frames[i].column);
			ck_assert_int_eq(fa.frames[i].inlined, fb.frames[i].inlined);
			ck_assert_uint_eq(fa.frames[i].symbol_offset, fb.frames[i].symbol_offset);
		}
	}
	nsym_frames_release(&fa);
	nsym_frames_release(&fb);
}

/* The identity of sym, as bytes. */
static size_t id_bytes(unsigned char *out, const nsym_symbolizer *sym)
{
	char hex[NSYM_IMAGE_ID_SIZE];
	size_t n;

	ck_assert_int_eq(nsym_symbolizer_id(hex, sizeof(hex), sym), 0);
	n = strlen(hex) / 2;
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		ck_assert_int_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (unsigned char)v;
	}
	return n;
}

/* Damages a byte of a block of ranges in the middle of the symcache's
 * bytes, in a chunk that opening does not check, and returns an address
 * that block answers. */
static uint64_t damage_a_block(unsigned char *bytes, size_t size)
{
	struct nsym_sc_header h;
	uint32_t addr, off;
	uint64_t k, at, chunk;

	ck_assert_uint_ge(size, sizeof(h));
	memcpy(&h, bytes, sizeof(h));
	k = h.t[NSYM_SC_BLOCKS].count / 2;
	memcpy(&addr, bytes + h.t[NSYM_SC_BLOCKS].off + k * 8, 4);
	memcpy(&off, bytes + h.t[NSYM_SC_BLOCKS].off + k * 8 + 4, 4);
	at = h.t[NSYM_SC_BLOCK_DATA].off + off + 1;
	chunk = (at - h.data_off) / NSYM_SC_CHUNK;
	/* opening checks the index before the data and the dictionaries
	 * after it: this chunk must be neither's */
	ck_assert_uint_gt(chunk, (h.t[NSYM_SC_BLOCKS].off + h.t[NSYM_SC_BLOCKS].size - h.data_off) /
	                             NSYM_SC_CHUNK);
	ck_assert_uint_lt(chunk, (h.t[NSYM_SC_JOINT].off - h.data_off) / NSYM_SC_CHUNK);
	bytes[at] ^= 0x5a;
	return h.base + addr;
}

static void expect_same_at(nsym_symbolizer *a, nsym_symbolizer *b, uint64_t addr)
{
	struct nsym_frames fa = {0}, fb = {0};

	ck_assert_int_eq(nsym_symbolizer_lookup(&fa, a, addr, 0), 0);
	ck_assert_int_eq(nsym_symbolizer_lookup(&fb, b, addr, 0), 0);
	ck_assert_uint_eq(fa.count, fb.count);
	for (size_t i = 0; i < fa.count; i++) {
		ck_assert_str_eq(fa.frames[i].function, fb.frames[i].function);
		ck_assert_str_eq(fa.frames[i].file, fb.frames[i].file);
		ck_assert_uint_eq(fa.frames[i].line, fb.frames[i].line);
	}
	nsym_frames_release(&fa);
	nsym_frames_release(&fb);
}

/* Issue 17's size target: at most 15% of the debug file it indexes (the
 * format before this one wrote half of it, and more for Rust). */
START_TEST(symcache_is_a_fraction_of_the_debug_file)
{
	static const char *const fixtures[] = {C_FIXTURE, RUST_FIXTURE};
	char *dir = test_tmpdir();

	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		char debug[4200], *path;
		nsym_symbolizer *sym;
		snprintf(debug, sizeof(debug), "%s.debug", fixtures[i]);
		if (i > 0 && access(debug, R_OK) != 0)
			continue; /* the Rust fixtures are built when cargo is there */
		sym = open_fixture(fixtures[i], NULL);
		ck_assert_int_eq(nsym_symbolizer_write_cache(sym, dir), 0);
		path = cache_file_in(dir, sym);
		ck_assert_msg(file_size(path) * 100 <= file_size(debug) * 15,
		              "%s: symcache %lld bytes, debug file %lld", fixtures[i],
		              (long long)file_size(path), (long long)file_size(debug));
		nsym_symbolizer_close(sym);
		free(path);
	}
	test_tmpdir_remove(dir);
}
END_TEST

/* The made-up program's symcache stands in for the fixture's, so that its
 * blocks span many chunks whatever the build type: trusted until a lookup
 * meets the damage, then dropped for the fixture's debug file. */
START_TEST(damaged_symcache_is_detected_and_rebuilt)
{
	unsigned char id[NSYM_BUILD_ID_MAX];
	char *dir = test_tmpdir(), *path;
	nsym_symbolizer *dwarf = open_fixture(C_FIXTURE, NULL), *sym;
	struct nsym_frames fr = {0};
	unsigned char *bytes;
	uint64_t addr;
	size_t size, id_len = id_bytes(id, dwarf);

	path = cache_file_in(dir, dwarf);
	write_made_up(path, id, id_len);
	bytes = test_read(path, &size);
	ck_assert_ptr_nonnull(bytes);
	addr = damage_a_block(bytes, size);
	free(test_write(dir, strrchr(path, '/') + 1, bytes, size));

	/* it opens (its header is whole) and answers, made-up frames and all,
	 * until the lookup that reads the damaged block: from then on the
	 * debug file answers, exactly */
	sym = open_fixture(C_FIXTURE, dir);
	ck_assert_int_eq(nsym_symbolizer_cached(sym), 1);
	ck_assert_int_eq(nsym_symbolizer_lookup(&fr, sym, BASE, 0), 0);
	ck_assert_str_eq(fr.frames[0].file, "/src/dir0/file0.c");
	expect_same_at(dwarf, sym, addr);
	ck_assert_int_eq(nsym_symbolizer_cached(sym), 0);
	ck_assert_ptr_nonnull(nsym_symbolizer_debug_path(sym));
	expect_same_answers(dwarf, sym, 0);
	/* and it is gone, so that the next write makes a whole one */
	ck_assert_int_ne(access(path, F_OK), 0);
	ck_assert_int_eq(nsym_symbolizer_write_cache(sym, dir), 0);
	nsym_symbolizer_close(sym);
	sym = open_fixture(C_FIXTURE, dir);
	ck_assert_int_eq(nsym_symbolizer_cached(sym), 1);
	expect_same_answers(dwarf, sym, 0);
	ck_assert_int_eq(nsym_symbolizer_cached(sym), 1);
	nsym_symbolizer_close(sym);
	free(bytes);

	/* the header's checksum, and a file cut short: not opened at all */
	bytes = test_read(path, &size);
	bytes[offsetof(struct nsym_sc_header, base)] ^= 1;
	free(test_write(dir, strrchr(path, '/') + 1, bytes, size));
	sym = open_fixture(C_FIXTURE, dir);
	ck_assert_int_eq(nsym_symbolizer_cached(sym), 0);
	nsym_symbolizer_close(sym);
	bytes[offsetof(struct nsym_sc_header, base)] ^= 1;
	free(test_write(dir, strrchr(path, '/') + 1, bytes, size - 1));
	sym = open_fixture(C_FIXTURE, dir);
	ck_assert_int_eq(nsym_symbolizer_cached(sym), 0);
	nsym_symbolizer_close(sym);

	nsym_frames_release(&fr);
	nsym_symbolizer_close(dwarf);
	free(bytes);
	free(path);
	test_tmpdir_remove(dir);
}
END_TEST

static int no_source(void *arg, const char *path)
{
	(void)arg, (void)path;
	return 1;
}

START_TEST(symcache_is_built_into_a_given_file_and_opened_alone)
{
	char *dir = test_tmpdir(), path[4200], id[NSYM_IMAGE_ID_SIZE], other[NSYM_IMAGE_ID_SIZE];
	nsym_symbolizer *dwarf = open_fixture(C_FIXTURE, NULL), *alone = NULL, *cached;
	struct nsym_frames fr = {0};
	unsigned char *bytes;
	size_t size;

	/* what a server does: the symcache of a debug file, as a blob */
	snprintf(path, sizeof(path), "%s/blob", dir);
	ck_assert_int_eq(nsym_symbolizer_write_cache_file(dwarf, path), 0);
	ck_assert_int_eq(nsym_symbolizer_id(id, sizeof(id), dwarf), 0);
	ck_assert_int_eq(nsym_symbolizer_open_cache(&alone, path, id), 0);
	ck_assert_int_eq(nsym_symbolizer_cached(alone), 1);
	ck_assert_str_eq(nsym_symbolizer_path(alone), path);
	ck_assert_ptr_null(nsym_symbolizer_debug_path(alone));
	expect_same_answers(dwarf, alone, 0);
	expect_same_answers(dwarf, alone, NSYM_LOOKUP_NO_INLINES);
	nsym_symbolizer_close(alone);
	/* its identity taken from it */
	ck_assert_int_eq(nsym_symbolizer_open_cache(&alone, path, NULL), 0);
	ck_assert_int_eq(nsym_symbolizer_id(other, sizeof(other), alone), 0);
	ck_assert_str_eq(other, id);
	ck_assert_int_eq(nsym_symbolizer_sources(alone, no_source, NULL), NSYM_EUNSUPPORTED);
	nsym_symbolizer_close(alone);

	/* another identity, no file, not hex: refused, saying which */
	other[0] = other[0] == '0' ? '1' : '0';
	ck_assert_int_eq(nsym_symbolizer_open_cache(&alone, path, other), NSYM_EMISMATCH);
	ck_assert_ptr_null(alone);
	ck_assert_ptr_nonnull(strstr(nsym_error_detail(), path));
	ck_assert_int_eq(nsym_symbolizer_open_cache(&alone, "/nonexistent", NULL), NSYM_ENOENT);
	ck_assert_int_eq(nsym_symbolizer_open_cache(&alone, path, "xyz"), NSYM_EINVAL);

	/* damaged where a lookup reads: NSYM_ETRUNC, then and ever after */
	{
		static const unsigned char made_up[20] = {7};
		uint64_t addr;
		write_made_up(path, made_up, sizeof(made_up));
		bytes = test_read(path, &size);
		addr = damage_a_block(bytes, size);
		free(test_write(dir, "blob", bytes, size));
		ck_assert_int_eq(nsym_symbolizer_open_cache(&alone, path, NULL), 0);
		ck_assert_int_eq(nsym_symbolizer_lookup(&fr, alone, BASE, 0), 0);
		ck_assert_int_eq(nsym_symbolizer_lookup(&fr, alone, addr, 0), NSYM_ETRUNC);
		ck_assert_ptr_nonnull(strstr(nsym_error_detail(), "damaged symcache"));
		ck_assert_ptr_nonnull(strstr(nsym_error_detail(), path));
		ck_assert_uint_eq(fr.count, 0);
		ck_assert_int_eq(nsym_symbolizer_lookup(&fr, alone, 0, 0), NSYM_ETRUNC);
		nsym_symbolizer_close(alone);
	}

	/* a symbolizer answering from a symcache builds none */
	ck_assert_int_eq(nsym_symbolizer_write_cache(dwarf, dir), 0);
	cached = open_fixture(C_FIXTURE, dir);
	ck_assert_int_eq(nsym_symbolizer_cached(cached), 1);
	ck_assert_int_eq(nsym_symbolizer_write_cache_file(cached, path), NSYM_EUNSUPPORTED);
	nsym_symbolizer_close(cached);
	/* a folder that is not there: the error names it */
	ck_assert_int_eq(nsym_symbolizer_write_cache_file(dwarf, "/nonexistent/dir/blob"),
	                 NSYM_EIO);
	ck_assert_ptr_nonnull(strstr(nsym_error_detail(), "/nonexistent/dir/blob"));

	nsym_frames_release(&fr);
	nsym_symbolizer_close(dwarf);
	free(bytes);
	test_tmpdir_remove(dir);
}
END_TEST

static Suite *symcache_suite(void)
{
	Suite *s = suite_create("symcache");
	TEST_ADD(s, writer_takes_ranges_from_any_container);
	TEST_ADD(s, writer_refuses_what_it_cannot_hold);
	TEST_ADD(s, symcache_is_a_fraction_of_the_debug_file);
	TEST_ADD(s, damaged_symcache_is_detected_and_rebuilt);
	TEST_ADD(s, symcache_is_built_into_a_given_file_and_opened_alone);
	return s;
}

int main(void)
{
	return test_run(symcache_suite());
}
