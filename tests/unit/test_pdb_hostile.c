/*
 * The PDB reader behind the symbolizer on damaged PDBs: streams the lookup
 * reads (DBI substreams, module streams, publics, type streams) damaged on
 * purpose must give an error whose detail names the stream, and PDBs
 * truncated or corrupted at random must give an error with a detail or an
 * answer, never a crash (the ASan+UBSan build runs these). The PDBs are
 * those of tests/fixtures/foreign/build.sh, opened with their image.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "foreign_build.h"
#include "napi_symbols.h"
#include "test_util.h"

#define TEXT 0x180001000ull /* where the fixtures' code starts */

static uint32_t le32_at(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The file offset of byte `at` of stream `index` of an MSF file, read the
 * plain way (the library's checks are what is under test). */
static size_t stream_offset(const unsigned char *b, uint32_t index, uint32_t at)
{
	uint32_t bs = le32_at(b + 32), dir = le32_at(b + le32_at(b + 52) * (size_t)bs) * bs;
	uint32_t n = le32_at(b + dir), list = 4 + 4 * n;

	ck_assert_uint_lt(index, n);
	for (uint32_t s = 0; s < index; s++) {
		uint32_t size = le32_at(b + dir + 4 + 4 * s);
		if (size != 0xffffffff)
			list += 4 * ((size + bs - 1) / bs);
	}
	/* the fixtures' directories fit one block */
	ck_assert_uint_lt(list + 4 * (at / bs), bs);
	return (size_t)le32_at(b + dir + list + 4 * (at / bs)) * bs + at % bs;
}

/* Opens IMAGE with PDB bytes b as its debug file and looks up the first
 * bytes of its code. Returns the first error (0 when all answered), with
 * the detail in `detail`. */
static int symbolize(char *detail, size_t size, const char *dir, const char *image,
                     const unsigned char *b, size_t len)
{
	char *pdb = test_write(dir, "damaged.pdb", b, len), *exe = fixture(image);
	struct nsym_open_options options = {.debug_file = pdb};
	struct nsym_frames frames = {0};
	nsym_symbolizer *sym = NULL;
	int rc = nsym_symbolizer_open(&sym, exe, &options);

	detail[0] = '\0';
	if (rc != 0) {
		ck_assert_int_lt(rc, 0);
		ck_assert_ptr_null(sym);
		snprintf(detail, size, "%s", nsym_error_detail());
	}
	for (uint64_t a = TEXT; rc == 0 && a < TEXT + 0x200; a++) {
		int r =
		    nsym_symbolizer_lookup(&frames, sym, a, a % 2 ? NSYM_LOOKUP_RETURN_ADDRESS : 0);
		if (r != 0) {
			ck_assert_int_lt(r, 0);
			snprintf(detail, size, "%s", nsym_error_detail());
			rc = r;
			break;
		}
		ck_assert_uint_ge(frames.count, 1);
		for (size_t i = 0; i < frames.count; i++) {
			ck_assert_ptr_nonnull(frames.frames[i].function);
			ck_assert_ptr_nonnull(frames.frames[i].file);
			ck_assert_uint_lt(strlen(frames.frames[i].function) +
			                      strlen(frames.frames[i].file),
			                  1u << 20);
		}
	}
	if (rc != 0)
		ck_assert_msg(strstr(detail, pdb) != NULL || rc == NSYM_ENOMEM,
		              "detail '%s' does not name %s", detail, pdb);
	nsym_frames_release(&frames);
	nsym_symbolizer_close(sym);
	free(pdb);
	free(exe);
	return rc;
}

/* One little-endian word of crasher.pdb changed, in stream `stream` at
 * `at`: the symbolizer must fail with `code` and name `word`. */
static void damaged_fails(const char *dir, uint32_t stream, uint32_t at, uint32_t value, int code,
                          const char *word)
{
	size_t size;
	unsigned char *b = read_fixture("pe/crasher.pdb", &size);
	char detail[600];
	int rc;

	put_le32(b + stream_offset(b, stream, at), value);
	rc = symbolize(detail, sizeof(detail), dir, "pe/crasher.node", b, size);
	ck_assert_msg(rc == code, "stream %u at %u = %#x: got %d (%s), want %d", stream, at, value,
	              rc, detail, code);
	ck_assert_msg(strstr(detail, word) != NULL, "detail '%s' lacks '%s'", detail, word);
	free(b);
}

/* The stream of module `m` of crasher.pdb, and where its record is in the
 * DBI stream. */
static uint32_t module_stream(uint32_t *out_record, uint32_t m)
{
	size_t size;
	unsigned char *b = read_fixture("pe/crasher.pdb", &size);
	uint32_t at = 64, stream = 0;

	for (uint32_t i = 0;; i++) {
		const unsigned char *r = b + stream_offset(b, 3, at);
		const char *name = (const char *)r + 64, *obj = name + strlen(name) + 1;
		if (i == m) {
			stream = (uint32_t)(r[34] | r[35] << 8);
			*out_record = at;
			break;
		}
		at = (uint32_t)((at + 64 + strlen(name) + 1 + strlen(obj) + 1 + 3) & ~3u);
	}
	free(b);
	return stream;
}

START_TEST(damaged_pdb_streams_are_named)
{
	char *dir = test_tmpdir(), detail[600];
	uint32_t record, stream = module_stream(&record, 0);
	size_t size;
	unsigned char *b = read_fixture("pe/crasher.pdb", &size);

	/* as built, every address answers */
	ck_assert_int_eq(symbolize(detail, sizeof(detail), dir, "pe/crasher.node", b, size), 0);
	free(b);
	/* DBI: substream sizes past the stream, an unknown contributions
	 * version (the word after the module info) */
	damaged_fails(dir, 3, 24, 0x7ffffff0, NSYM_ETRUNC, "DBI stream: substreams run past");
	b = read_fixture("pe/crasher.pdb", &size);
	{
		uint32_t modinfo = le32_at(b + stream_offset(b, 3, 24));
		damaged_fails(dir, 3, 64 + modinfo, 0x1234, NSYM_ETRUNC,
		              "section contributions of an unknown version");
	}
	free(b);
	/* module 0: its symbols' size past its stream, then a symbol record
	 * that runs past them, then a C13 subsection past the lines */
	damaged_fails(dir, 3, record + 36, 0x7ffffff0, NSYM_ETRUNC, "module 0's stream");
	damaged_fails(dir, stream, 4, 0xfff0 | 0x11100000u, NSYM_ETRUNC, "runs past the symbols");
	{
		b = read_fixture("pe/crasher.pdb", &size);
		const unsigned char *r = b + stream_offset(b, 3, record);
		uint32_t sym = le32_at(r + 36), c11 = le32_at(r + 40);
		free(b);
		damaged_fails(dir, stream, sym + c11 + 4, 0x7ffffff0, NSYM_ETRUNC,
		              "a C13 subsection runs past");
	}
	/* the publics stream's address map past its end */
	b = read_fixture("pe/crasher.pdb", &size);
	{
		uint32_t publics =
		    (uint32_t)(b[stream_offset(b, 3, 16)] | b[stream_offset(b, 3, 17)] << 8);
		free(b);
		damaged_fails(dir, publics, 4, 0x7ffffff0, NSYM_ETRUNC, "publics stream");
	}
	test_tmpdir_remove(dir);
}
END_TEST

START_TEST(corrupted_pdbs_never_crash_lookups)
{
	static const struct {
		const char *image, *pdb;
	} pairs[] = {
	    {"pe/crasher.node", "pe/crasher.pdb"},
	    {"pe/crasher-i386.node", "pe/crasher-i386.pdb"},
	    {"pe/addon.node", "pe/addon-512.pdb"},
	};
	const char *rounds_env = getenv("NSYM_FUZZ_ROUNDS");
	int rounds = rounds_env != NULL ? (int)strtol(rounds_env, NULL, 10) : 100;
	char *dir = test_tmpdir(), detail[600];
	unsigned seed = 777;

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		size_t size;
		unsigned char *orig = read_fixture(pairs[i].pdb, &size), *b = malloc(size);
		for (int round = 0; round < rounds; round++) {
			int flips = 1 + round % 16;
			memcpy(b, orig, size);
			for (int k = 0; k < flips; k++) {
				seed = seed * 1103515245u + 12345u;
				size_t at = (seed >> 4) % size;
				seed = seed * 1103515245u + 12345u;
				b[at] = (unsigned char)(seed >> 16);
			}
			symbolize(detail, sizeof(detail), dir, pairs[i].image, b, size);
			/* and cut short */
			symbolize(detail, sizeof(detail), dir, pairs[i].image, orig,
			          (size_t)(seed >> 3) % size);
		}
		free(b);
		free(orig);
	}
	test_tmpdir_remove(dir);
}
END_TEST

static Suite *pdb_hostile_suite(void)
{
	Suite *s = suite_create("pdb_hostile");
	TEST_ADD(s, damaged_pdb_streams_are_named);
	TEST_ADD(s, corrupted_pdbs_never_crash_lookups);
	return s;
}

int main(void)
{
	return test_run(pdb_hostile_suite());
}
