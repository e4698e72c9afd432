/*
 * Allocation-failure tests (STYLE.md): each path is walked by allocfail.h,
 * failing its first, second, ... allocation in turn. Every run must end in
 * a clear error (NSYM_ENOMEM with a detail of its own; for the server a
 * 503 whose log line says what ran out) with nothing left half-done, or,
 * when the code could do without the allocation, in the right answer; and
 * under LeakSanitizer leak nothing. The paths: symbolize on the C fixture
 * (and the same symbolizer once memory is back), split of a copy of it and
 * of a universal Mach-O with its dSYM. The server's routes are walked in
 * test_allocfail_upload.c, _v5.c and _page.c.
 *
 * The report library's readers and its pipeline are walked the same way
 * in test_allocfail_report.c and test_allocfail_pipeline.c, which need no server.
 *
 * A new path is a few lines: a struct holding its input and two answer
 * buffers; `setup` calls allocfail_plant_detail(); `run` is
 * allocfail_enter(), the code under test, allocfail_leave(), the result
 * written out as text (snprintf does not allocate) and freed, and returns
 * the code's result; `check` calls allocfail_check_enomem() when failed_at
 * is set and the result is not 0, looks for anything half-done, and
 * otherwise compares the answer with the first unarmed run's, as
 * symbolize_check does. Then a START_TEST that fills a struct
 * allocfail_path and calls allocfail_walk(), its TEST_ADD in main(), and
 * its name in the program's list in tests/CMakeLists.txt.
 */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <gelf.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "allocfail.h"
#include "napi_symbols.h"
#include "test_util.h"

#define FIXTURE NSYM_FIXTURES_DIR "/c/addon.node"

/* The value of the symbol `name` in the ELF file at path. */
static uint64_t symbol_value(const char *path, const char *name, uint64_t *out_size)
{
	int fd = open(path, O_RDONLY);
	Elf *elf;
	Elf_Scn *scn = NULL;
	uint64_t value = 0;

	ck_assert_int_ge(fd, 0);
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	ck_assert_ptr_nonnull(elf);
	while ((scn = elf_nextscn(elf, scn)) != NULL && value == 0) {
		GElf_Shdr sh;
		Elf_Data *d;
		if (gelf_getshdr(scn, &sh) == NULL || sh.sh_type != SHT_SYMTAB)
			continue;
		d = elf_getdata(scn, NULL);
		for (size_t i = 0; d != NULL && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym sym;
			const char *s;
			if (gelf_getsym(d, (int)i, &sym) == NULL)
				continue;
			s = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (s != NULL && strcmp(s, name) == 0) {
				value = sym.st_value;
				*out_size = sym.st_size;
				break;
			}
		}
	}
	elf_end(elf);
	close(fd);
	ck_assert_msg(value != 0, "%s has no symbol %s", path, name);
	return value;
}

/* ---- symbolize ---------------------------------------------------------- */

struct symbolize {
	char path[4200]; /* the split fixture: its debug file by debuglink */
	/* answering from a symcache: in this folder beside the fixture, or
	 * (alone) this symcache opened by itself */
	const char *cache_dir, *alone;
	const char *const *words; /* what the first answer holds; NULL: the C fixture's */
	uint64_t address[3];      /* looked up */
	char answer[8192];        /* the frames of every lookup, as text */
	char again[8192];         /* after a failed lookup, the same symbolizer's answer */
	char want[8192];          /* the first unarmed run's answer */
	char detail[512];         /* nsym_error_detail() after the run */
};

static void symbolize_setup(void *arg)
{
	struct symbolize *c = arg;
	allocfail_plant_detail();
	c->answer[0] = c->again[0] = '\0';
}

static void record(char *out, size_t size, const struct nsym_frames *f)
{
	size_t used = strlen(out);

	for (size_t i = 0; i < f->count && used < size; i++) {
		const struct nsym_frame *fr = &f->frames[i];
		used +=
		    (size_t)snprintf(out + used, size - used, "%s at %s:%u:%u%s%s\n", fr->function,
		                     fr->file, fr->line, fr->column, fr->inlined ? " inlined" : "",
		                     fr->approximate ? " approximate" : "");
	}
}

static int symbolize_run(void *arg)
{
	struct symbolize *c = arg;
	nsym_symbolizer *sym = NULL;
	int rc;

	allocfail_enter();
	if (c->alone != NULL) {
		rc = nsym_symbolizer_open_cache(&sym, c->alone, NULL);
	} else {
		struct nsym_open_options opts = {.cache_dir = c->cache_dir};
		rc = nsym_symbolizer_open(&sym, c->path, &opts);
	}
	allocfail_leave();
	/* a symcache that is there is what answers, memory or not */
	ck_assert(rc != 0 || nsym_symbolizer_cached(sym) == (c->cache_dir != NULL || c->alone));
	allocfail_enter();
	for (size_t i = 0; rc == 0 && i < sizeof(c->address) / sizeof(*c->address); i++) {
		struct nsym_frames f = {0};
		rc = nsym_symbolizer_lookup(&f, sym, c->address[i], 0);
		allocfail_leave();
		if (rc == 0)
			record(c->answer, sizeof(c->answer), &f);
		allocfail_enter();
		nsym_frames_release(&f);
	}
	allocfail_leave();
	snprintf(c->detail, sizeof(c->detail), "%s", nsym_error_detail());
	/* a lookup that ran out of memory leaves the symbolizer whole: once
	 * there is memory again, it answers as it would have (a server keeps
	 * its symbolizers open) */
	for (size_t i = 0; sym != NULL && rc != 0 && i < sizeof(c->address) / sizeof(*c->address);
	     i++) {
		struct nsym_frames f = {0};
		int again = nsym_symbolizer_lookup(&f, sym, c->address[i], 0);
		if (again == 0)
			record(c->again, sizeof(c->again), &f);
		else
			snprintf(c->again, sizeof(c->again), "lookup %zu: %s", i,
			         nsym_error_detail());
		nsym_frames_release(&f);
	}
	allocfail_enter();
	nsym_symbolizer_close(sym);
	allocfail_leave();
	return rc;
}

static void symbolize_check(void *arg, int rc, long failed_at)
{
	struct symbolize *c = arg;

	if (failed_at != 0 && rc != 0) {
		allocfail_check_enomem("symbolize", failed_at, rc, c->detail);
		ck_assert_msg(c->again[0] == '\0' || strcmp(c->again, c->want) == 0,
		              "symbolize: after allocation %ld failed in a lookup, the symbolizer "
		              "answered\n%s\ninstead of\n%s",
		              failed_at, c->again, c->want);
		return;
	}
	ck_assert_msg(rc == 0, "symbolize: %d (%s) with no allocation failing", rc, c->detail);
	for (size_t i = 0; c->want[0] == '\0' && c->words != NULL && c->words[i] != NULL; i++)
		ck_assert_msg(strstr(c->answer, c->words[i]) != NULL,
		              "symbolize: no '%s' in the answer\n%s", c->words[i], c->answer);
	if (c->want[0] == '\0' && c->words == NULL) {
		/* real source lines, with the inline chain of mix_byte */
		ck_assert_msg(strstr(c->answer, "\nchecksum_bytes at ") != NULL &&
		                  strstr(c->answer, "\nmix_byte at ") != NULL &&
		                  strstr(c->answer, "\nfib_iter at ") != NULL &&
		                  strstr(c->answer, "/addon.c:") != NULL &&
		                  strstr(c->answer, "??") == NULL &&
		                  strstr(c->answer, "approximate") == NULL,
		              "symbolize: unexpected answer\n%s", c->answer);
	}
	if (c->want[0] == '\0')
		snprintf(c->want, sizeof(c->want), "%s", c->answer);
	ck_assert_msg(strcmp(c->answer, c->want) == 0,
	              "symbolize: allocation %ld failing gave another answer\n%s\ninstead of\n%s",
	              failed_at, c->answer, c->want);
}

/* Symbolizes three addresses of `fixture` (its .split, which finds its
 * .debug by debuglink), from the DWARF, or from the symcache written to
 * cache_dir (or to a file of its own, opened alone) beforehand. */
static void walk_symbolize_from(const char *name, const char *fixture, const char *cache_dir,
                                bool alone)
{
	struct symbolize c = {.cache_dir = cache_dir};
	char blob[4300];
	struct allocfail_path p = {name, &c, symbolize_setup, symbolize_run, symbolize_check, NULL};
	struct allocfail_walked w;
	char debug[4200];
	uint64_t size;

	snprintf(c.path, sizeof(c.path), "%s.split", fixture);
	snprintf(debug, sizeof(debug), "%s.debug", fixture);
	c.address[0] = symbol_value(debug, "checksum_bytes", &size);
	c.address[1] = c.address[0] + size / 2; /* inside the inline chain */
	c.address[2] = symbol_value(debug, "fib_iter", &size) + size / 2;
	if (cache_dir != NULL) {
		nsym_symbolizer *sym = NULL;
		ck_assert_int_eq(nsym_symbolizer_open(&sym, c.path, NULL), 0);
		ck_assert_int_eq(nsym_symbolizer_write_cache(sym, cache_dir), 0);
		snprintf(blob, sizeof(blob), "%s/blob", cache_dir);
		ck_assert_int_eq(nsym_symbolizer_write_cache_file(sym, blob), 0);
		nsym_symbolizer_close(sym);
		if (alone) {
			c.alone = blob;
			c.cache_dir = NULL;
		}
	}
	allocfail_walk(&w, &p);
	ck_assert_int_gt(w.failed, 0);
}

static void walk_symbolize(const char *name, const char *fixture)
{
	walk_symbolize_from(name, fixture, NULL, false);
}

START_TEST(symbolize_fails_cleanly_at_every_allocation)
{
	walk_symbolize("symbolize", FIXTURE);
}
END_TEST

/* Its zlib variant: each debug section is inflated on first use. */
START_TEST(symbolize_compressed_fails_cleanly_at_every_allocation)
{
	walk_symbolize("symbolize compressed", NSYM_FIXTURES_DIR "/c/addon-zlib.node");
}
END_TEST

/* The same, answered from its symcache: the reader's allocations (the
 * tables' state, decompressed strings) fail as cleanly, and a lookup that
 * failed leaves the symcache answering. */
START_TEST(symcache_read_fails_cleanly_at_every_allocation)
{
	char *dir = test_tmpdir();
	walk_symbolize_from("symcache read", FIXTURE, dir, false);
	walk_symbolize_from("symcache read alone", FIXTURE, dir, true);
	test_tmpdir_remove(dir);
}
END_TEST

/*
 * A PE image with its PDB beside it (the PDB reader: DBI, module streams,
 * lines, inline sites, IPI names, publics): three addresses of
 * crasher.node, one inside the inline chain of fold and mix.
 */
START_TEST(symbolize_pe_fails_cleanly_at_every_allocation)
{
	static const char *const words[] = {"mix at ",         " inlined\n",
	                                    "level_three at ", "napi_register_module_v1 at ",
	                                    "/crasher.c:",     NULL};
	struct symbolize c = {.words = words};
	struct allocfail_path p = {"symbolize pe",  &c,  symbolize_setup, symbolize_run,
	                           symbolize_check, NULL};
	struct allocfail_walked w;
	nsym_symbolizer *sym = NULL;

	snprintf(c.path, sizeof(c.path), "%s", NSYM_FOREIGN_DIR "/pe/crasher.node");
	/* the code's first bytes: napi_register_module_v1, then the levels */
	c.address[0] = 0x180001000;
	ck_assert_int_eq(nsym_symbolizer_open(&sym, c.path, NULL), 0);
	for (uint64_t a = 0x180001000; a < 0x180001200 && c.address[1] == 0; a++) {
		struct nsym_frames f = {0};
		ck_assert_int_eq(nsym_symbolizer_lookup(&f, sym, a, 0), 0);
		if (f.count > 2)
			c.address[1] = a; /* mix inlined into fold into level_three */
		nsym_frames_release(&f);
	}
	nsym_symbolizer_close(sym);
	ck_assert_uint_ne(c.address[1], 0);
	c.address[2] = c.address[1] + 1;
	allocfail_walk(&w, &p);
	ck_assert_int_gt(w.failed, 0);
}
END_TEST

/* ---- split -------------------------------------------------------------- */

struct split {
	enum nsym_compress compress;
	char *dir;
	char path[4200];
	unsigned char *input; /* the fixture's bytes */
	size_t input_size;
	struct nsym_identity id; /* the fixture's (build_id only) */
	char detail[512];
	/* the outputs of the first unarmed run */
	unsigned char *want_stripped, *want_debug;
	size_t want_stripped_size, want_debug_size;
};

static void split_setup(void *arg)
{
	struct split *c = arg;
	char *copy;

	c->dir = test_tmpdir();
	ck_assert_ptr_nonnull(c->dir);
	copy = test_write(c->dir, "addon.node", c->input, c->input_size);
	ck_assert_ptr_nonnull(copy);
	snprintf(c->path, sizeof(c->path), "%s", copy);
	free(copy);
	allocfail_plant_detail();
}

static int split_run(void *arg)
{
	struct split *c = arg;
	struct nsym_split_options opt = {.compress = c->compress};
	struct nsym_split_result *res = malloc(sizeof(*res));
	int rc;

	ck_assert_ptr_nonnull(res);
	allocfail_enter();
	rc = nsym_split(res, c->path, &opt);
	allocfail_leave();
	free(res);
	snprintf(c->detail, sizeof(c->detail), "%s", nsym_error_detail());
	return rc;
}

/* The names in the split's folder, sorted, space-separated. */
static void folder(char *out, size_t size, const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);
	size_t used = 0;

	out[0] = '\0';
	ck_assert_int_ge(n, 0);
	for (int i = 0; i < n; i++) {
		if (strcmp(names[i]->d_name, ".") != 0 && strcmp(names[i]->d_name, "..") != 0 &&
		    used < size)
			used += (size_t)snprintf(out + used, size - used, "%s%s",
			                         used > 0 ? " " : "", names[i]->d_name);
		free(names[i]);
	}
	free(names);
}

static void identity_of(struct nsym_identity *out, const char *path)
{
	nsym_object *o = NULL;
	ck_assert_msg(nsym_object_open(&o, path) == 0, "%s", nsym_error_detail());
	ck_assert_int_eq(nsym_object_identity(out, o), 0);
	out->debuglink = NULL; /* borrowed from o */
	nsym_object_close(o);
}

/* The file at path holds *want, or *want is NULL and becomes its bytes. */
static void same_bytes(unsigned char **want, size_t *want_size, const char *path, long failed_at)
{
	size_t size = 0;
	unsigned char *now = test_read(path, &size);

	ck_assert_ptr_nonnull(now);
	if (*want == NULL) {
		*want = now;
		*want_size = size;
		return;
	}
	ck_assert_msg(size == *want_size && memcmp(now, *want, size) == 0,
	              "split: allocation %ld failing wrote %s otherwise", failed_at, path);
	free(now);
}

static void split_check(void *arg, int rc, long failed_at)
{
	struct split *c = arg;
	char names[1024], debug[4300];
	struct nsym_identity stripped, dbg;

	folder(names, sizeof(names), c->dir);
	if (failed_at != 0 && rc != 0) {
		unsigned char *now;
		size_t size = 0;
		allocfail_check_enomem("split", failed_at, rc, c->detail);
		ck_assert_msg(strcmp(names, "addon.node") == 0,
		              "split: allocation %ld failing left \"%s\" in its folder", failed_at,
		              names);
		now = test_read(c->path, &size);
		ck_assert_msg(now != NULL && size == c->input_size &&
		                  memcmp(now, c->input, size) == 0,
		              "split: allocation %ld failing changed the input", failed_at);
		free(now);
		return;
	}
	ck_assert_msg(rc == 0, "split: %d (%s) with no allocation failing", rc, c->detail);
	ck_assert_msg(strcmp(names, "addon.node addon.node.debug") == 0,
	              "split: allocation %ld failing: the folder holds \"%s\"", failed_at, names);
	snprintf(debug, sizeof(debug), "%s.debug", c->path);
	identity_of(&stripped, c->path);
	identity_of(&dbg, debug);
	ck_assert(stripped.build_id_len == c->id.build_id_len &&
	          dbg.build_id_len == c->id.build_id_len);
	ck_assert(memcmp(stripped.build_id, c->id.build_id, c->id.build_id_len) == 0);
	ck_assert(memcmp(dbg.build_id, c->id.build_id, c->id.build_id_len) == 0);
	ck_assert(!stripped.has_debug_info && dbg.has_debug_info && stripped.has_code);
	/* and byte for byte what a split without failures writes */
	same_bytes(&c->want_stripped, &c->want_stripped_size, c->path, failed_at);
	same_bytes(&c->want_debug, &c->want_debug_size, debug, failed_at);
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st, (void)type, (void)ftw;
	return remove(path);
}

/* Removes the folder a run made. */
static void remove_dir(char **dir)
{
	/* not test_tmpdir_remove: a shell per run costs more than the run */
	ck_assert_int_eq(nftw(*dir, remove_one, 8, FTW_DEPTH | FTW_PHYS), 0);
	free(*dir);
	*dir = NULL;
}

static void split_teardown(void *arg)
{
	struct split *c = arg;
	remove_dir(&c->dir);
}

static void walk_split(const char *name, const char *fixture, enum nsym_compress compress)
{
	struct split c = {.compress = compress};
	struct allocfail_path p = {name, &c, split_setup, split_run, split_check, split_teardown};
	struct allocfail_walked w;

	c.input = test_read(fixture, &c.input_size);
	ck_assert_ptr_nonnull(c.input);
	identity_of(&c.id, fixture);
	ck_assert_uint_gt(c.id.build_id_len, 0);
	allocfail_walk(&w, &p);
	ck_assert_int_gt(w.failed, 0);
	free(c.input);
	free(c.want_stripped);
	free(c.want_debug);
}

/* ---- symcache write ----------------------------------------------------- */

struct cache_write {
	char path[4200]; /* the split fixture */
	char *dir;       /* the symcache goes here */
	nsym_symbolizer *sym;
	char detail[512];
	unsigned char *want; /* the first unarmed run's symcache */
	size_t want_size;
};

static void cache_write_setup(void *arg)
{
	struct cache_write *c = arg;
	c->dir = test_tmpdir();
	ck_assert_ptr_nonnull(c->dir);
	ck_assert_int_eq(nsym_symbolizer_open(&c->sym, c->path, NULL), 0);
	allocfail_plant_detail();
}

static int cache_write_run(void *arg)
{
	struct cache_write *c = arg;
	int rc;

	allocfail_enter();
	rc = nsym_symbolizer_write_cache(c->sym, c->dir);
	allocfail_leave();
	snprintf(c->detail, sizeof(c->detail), "%s", nsym_error_detail());
	return rc;
}

static void cache_write_check(void *arg, int rc, long failed_at)
{
	struct cache_write *c = arg;
	char names[1024], want[600], id[NSYM_IMAGE_ID_SIZE], path[4800];
	unsigned char *now;
	size_t size = 0;

	folder(names, sizeof(names), c->dir);
	if (failed_at != 0 && rc != 0) {
		allocfail_check_enomem("symcache write", failed_at, rc, c->detail);
		/* no symcache, and no half of one */
		ck_assert_msg(names[0] == '\0',
		              "symcache write: allocation %ld failing left \"%s\" in its folder",
		              failed_at, names);
		return;
	}
	ck_assert_msg(rc == 0, "symcache write: %d (%s) with no allocation failing", rc, c->detail);
	ck_assert_int_eq(nsym_symbolizer_id(id, sizeof(id), c->sym), 0);
	snprintf(want, sizeof(want), "%s.v%d.symcache", id, nsym_symcache_version());
	ck_assert_msg(strcmp(names, want) == 0, "symcache write: the folder holds \"%s\"", names);
	/* byte for byte what a write without failures makes */
	snprintf(path, sizeof(path), "%s/%s", c->dir, want);
	now = test_read(path, &size);
	ck_assert_ptr_nonnull(now);
	if (c->want == NULL) {
		c->want = now;
		c->want_size = size;
		return;
	}
	ck_assert_msg(size == c->want_size && memcmp(now, c->want, size) == 0,
	              "symcache write: allocation %ld failing wrote another symcache", failed_at);
	free(now);
}

static void cache_write_teardown(void *arg)
{
	struct cache_write *c = arg;
	nsym_symbolizer_close(c->sym);
	c->sym = NULL;
	remove_dir(&c->dir);
}

/*
 * PDB publics with MSVC-decorated names, demangled on first use (names.dll:
 * the public of ns::cpp and, exported too, ns::Shape::area): a failed
 * allocation in the demangler is NSYM_ENOMEM, never the name left
 * decorated, and the next lookup demangles it.
 */
START_TEST(symbolize_pe_names_fails_cleanly_at_every_allocation)
{
	static const char *const words[] = {"ns::cpp(int) at ", "ns::Shape::area(int) const at ",
	                                    "/names.c:", NULL};
	struct symbolize c = {.words = words};
	struct allocfail_path p = {"symbolize pe names", &c,  symbolize_setup, symbolize_run,
	                           symbolize_check,      NULL};
	struct allocfail_walked w;

	snprintf(c.path, sizeof(c.path), "%s", NSYM_FOREIGN_DIR "/pe/names.dll");
	/* cpp is the second function of .text, area the third (build.sh) */
	c.address[0] = 0x180001010;
	c.address[1] = 0x180001024;
	c.address[2] = 0x180001014;
	allocfail_walk(&w, &p);
	ck_assert_int_gt(w.failed, 0);
}
END_TEST

/* The symcache of the C fixture written from its DWARF. */
START_TEST(symcache_write_fails_cleanly_at_every_allocation)
{
	struct cache_write c = {0};
	struct allocfail_path p = {"symcache write",  &c,
	                           cache_write_setup, cache_write_run,
	                           cache_write_check, cache_write_teardown};
	struct allocfail_walked w;

	snprintf(c.path, sizeof(c.path), "%s.split", FIXTURE);
	allocfail_walk(&w, &p);
	ck_assert_int_gt(w.failed, 0);
	free(c.want);
}
END_TEST

/* The C fixture, its debug sections compressed with zstd. */
START_TEST(split_fails_cleanly_at_every_allocation)
{
	walk_split("split", FIXTURE, NSYM_COMPRESS_ZSTD);
}
END_TEST

/* Its zstd variant, whose sections are inflated and compressed again with
 * zlib. */
START_TEST(split_recompressing_fails_cleanly_at_every_allocation)
{
	walk_split("split recompressing", NSYM_FIXTURES_DIR "/c/addon-zstd.node",
	           NSYM_COMPRESS_ZLIB);
}
END_TEST

/* ---- split of a Mach-O --------------------------------------------------- */

/* The universal fixture of fixtures/foreign (its arm64 slice ad-hoc
 * signed), split in place with its dSYM beside it (a link to the
 * fixture's). */
struct msplit {
	char *dir;
	char path[4200];
	unsigned char *input;
	size_t input_size;
	char detail[512];
	unsigned char *want; /* the output of the first unarmed run */
	size_t want_size;
};

static void msplit_setup(void *arg)
{
	struct msplit *c = arg;
	char *copy, dsym[4300];

	c->dir = test_tmpdir();
	ck_assert_ptr_nonnull(c->dir);
	copy = test_write(c->dir, "addon.node", c->input, c->input_size);
	ck_assert_ptr_nonnull(copy);
	snprintf(c->path, sizeof(c->path), "%s", copy);
	free(copy);
	snprintf(dsym, sizeof(dsym), "%s.dSYM", c->path);
	ck_assert_int_eq(symlink(NSYM_FOREIGN_DIR "/macho/addon-fat.node.dSYM", dsym), 0);
	allocfail_plant_detail();
}

static int msplit_run(void *arg)
{
	struct msplit *c = arg;
	struct nsym_split_result *res = malloc(sizeof(*res));
	int rc;

	ck_assert_ptr_nonnull(res);
	allocfail_enter();
	rc = nsym_split(res, c->path, NULL);
	allocfail_leave();
	free(res);
	snprintf(c->detail, sizeof(c->detail), "%s", nsym_error_detail());
	return rc;
}

static void msplit_check(void *arg, int rc, long failed_at)
{
	struct msplit *c = arg;
	char names[1024];
	nsym_file *f = NULL;

	folder(names, sizeof(names), c->dir);
	ck_assert_msg(strcmp(names, "addon.node addon.node.dSYM") == 0,
	              "Mach-O split: allocation %ld failing left \"%s\" in its folder", failed_at,
	              names);
	if (failed_at != 0 && rc != 0) {
		unsigned char *now;
		size_t size = 0;
		allocfail_check_enomem("Mach-O split", failed_at, rc, c->detail);
		now = test_read(c->path, &size);
		ck_assert_msg(now != NULL && size == c->input_size &&
		                  memcmp(now, c->input, size) == 0,
		              "Mach-O split: allocation %ld failing changed the input", failed_at);
		free(now);
		return;
	}
	ck_assert_msg(rc == 0, "Mach-O split: %d (%s) with no allocation failing", rc, c->detail);
	ck_assert_msg(nsym_file_open(&f, c->path) == 0, "%s", nsym_error_detail());
	ck_assert_int_eq(nsym_file_image_count(f), 2);
	nsym_file_close(f);
	same_bytes(&c->want, &c->want_size, c->path, failed_at);
	ck_assert_uint_lt(c->want_size, c->input_size);
}

static void msplit_teardown(void *arg)
{
	struct msplit *c = arg;
	remove_dir(&c->dir);
}

START_TEST(macho_split_fails_cleanly_at_every_allocation)
{
	struct msplit c = {0};
	struct allocfail_path p = {"Mach-O split", &c,           msplit_setup,
	                           msplit_run,     msplit_check, msplit_teardown};
	struct allocfail_walked w;

	c.input = test_read(NSYM_FOREIGN_DIR "/macho/addon-fat.node", &c.input_size);
	ck_assert_ptr_nonnull(c.input);
	allocfail_walk(&w, &p);
	ck_assert_int_gt(w.failed, 0);
	free(c.input);
	free(c.want);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("allocfail");
	TEST_ADD(s, symbolize_fails_cleanly_at_every_allocation);
	TEST_ADD(s, symbolize_compressed_fails_cleanly_at_every_allocation);
	TEST_ADD(s, symcache_read_fails_cleanly_at_every_allocation);
	TEST_ADD(s, symcache_write_fails_cleanly_at_every_allocation);
	TEST_ADD(s, symbolize_pe_fails_cleanly_at_every_allocation);
	TEST_ADD(s, symbolize_pe_names_fails_cleanly_at_every_allocation);
	TEST_ADD(s, split_fails_cleanly_at_every_allocation);
	TEST_ADD(s, split_recompressing_fails_cleanly_at_every_allocation);
	TEST_ADD(s, macho_split_fails_cleanly_at_every_allocation);
	return test_run(s);
}
