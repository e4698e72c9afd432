/*
 * The any-format reader (nsym_file_open) on hostile Mach-O, PE and PDB
 * input: crafted headers, every fixture of tests/fixtures/foreign/build.sh
 * truncated at many lengths and corrupted at random. Each must give an
 * error with a detail or a usable file, never a crash, a hang or a huge
 * allocation (the ASan+UBSan build runs these); and split on corrupted
 * Mach-O addons, which must fail cleanly or write a file that reads back.
 * Identities of well-formed files live in test_foreign.c.
 */
#include <check.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "foreign_build.h"
#include "napi_symbols.h"
#include "test_util.h"

/* ---- hostile headers --------------------------------------------------- */

/* Writes b and opens it, expecting `code` and `word` in the detail. */
static void crafted_fails(const char *dir, const unsigned char *b, size_t size, int code,
                          const char *word)
{
	char *path = test_write(dir, "crafted", b, size);
	open_fails(path, code, word);
	free(path);
}

START_TEST(hostile_macho_headers_are_refused)
{
	char *dir = test_tmpdir();
	unsigned char b[1024], fat[4096];
	size_t size = tiny_macho(b, false, true);
	unsigned char keep[1024];

	memcpy(keep, b, sizeof(b));
	put_le32(b + 16, 0xffffffff); /* ncmds */
	crafted_fails(dir, b, size, NSYM_ETRUNC, "load commands cannot fit");
	memcpy(b, keep, sizeof(b));
	put_le32(b + 20, 0x7ffffff0); /* sizeofcmds */
	crafted_fails(dir, b, size, NSYM_ETRUNC, "run past the end of the file");
	memcpy(b, keep, sizeof(b));
	put_le32(b + 32 + 4, 0); /* LC_UUID cmdsize 0: a loop without the check */
	crafted_fails(dir, b, size, NSYM_ETRUNC, "load command 0 has a bad size (0)");
	memcpy(b, keep, sizeof(b));
	put_le32(b + 32 + 4, 4000); /* past sizeofcmds */
	crafted_fails(dir, b, size, NSYM_ETRUNC, "bad size (4000)");
	memcpy(b, keep, sizeof(b));
	put_le32(b + 32 + 24 + 64, 0x10000000); /* nsects */
	crafted_fails(dir, b, size, NSYM_ETRUNC, "sections do not fit");
	memcpy(b, keep, sizeof(b));
	put_le32(b + 32 + 24 + 40, 0xfffffff0); /* segment fileoff */
	crafted_fails(dir, b, size, NSYM_ETRUNC, "segment extends past the end");
	memcpy(b, keep, sizeof(b));
	put_le32(b + 32 + 24 + 72 + 48, 0xfffffff0); /* section offset */
	crafted_fails(dir, b, size, NSYM_ETRUNC, "section 0 extends past the end");
	memcpy(b, keep, sizeof(b));
	put_le32(b + 32 + 24, 0x1b); /* the segment becomes a second LC_UUID */
	crafted_fails(dir, b, size, NSYM_ETRUNC, "more than one LC_UUID");
	crafted_fails(dir, keep, 40, NSYM_ETRUNC, "run past the end");

	/* universal: a header, two slices of the tiny file */
	memset(fat, 0, sizeof(fat));
	put_be32(fat, 0xcafebabe);
	put_be32(fat + 4, 2);
	for (int i = 0; i < 2; i++) {
		unsigned char *e = fat + 8 + 20 * i;
		tiny_macho(b, false, true);
		put_le32(b + 4, i == 0 ? 0x01000007 : 0x0100000c); /* x86_64, arm64 */
		put_be32(e, i == 0 ? 0x01000007 : 0x0100000c);
		put_be32(e + 8, 1024 + 1024 * (uint32_t)i);
		put_be32(e + 12, 1024);
		memcpy(fat + 1024 + 1024 * i, b, 1024);
	}
	{
		nsym_file *f = NULL;
		char *path = test_write(dir, "fat", fat, 3072);
		ck_assert_msg(nsym_file_open(&f, path) == 0, "%s", nsym_error_detail());
		ck_assert_uint_eq(nsym_file_image_count(f), 2);
		nsym_file_close(f);
		free(path);
	}
	memcpy(keep, fat, 64);
	put_be32(fat + 4, 0xffffffff);
	crafted_fails(dir, fat, 3072, NSYM_ENOTELF, "Java class");
	put_be32(fat, 0xcafebabf); /* no Java class has this magic */
	crafted_fails(dir, fat, 3072, NSYM_ETRUNC, "4294967295 architectures");
	memcpy(fat, keep, 64);
	put_be32(fat + 4, 17);
	crafted_fails(dir, fat, 3072, NSYM_ETRUNC, "17 architectures");
	put_be32(fat + 4, 0);
	crafted_fails(dir, fat, 3072, NSYM_ETRUNC, "no architectures");
	memcpy(fat, keep, 64);
	put_be32(fat + 8 + 20 + 8, 1500); /* overlaps the first slice */
	crafted_fails(dir, fat, 3072, NSYM_ETRUNC, "overlap");
	memcpy(fat, keep, 64);
	put_be32(fat + 8 + 20 + 12, 0xfffffff0); /* runs past the end */
	crafted_fails(dir, fat, 3072, NSYM_ETRUNC, "outside the file");
	memcpy(fat, keep, 64);
	put_be32(fat + 8 + 8, 16); /* inside the header */
	crafted_fails(dir, fat, 3072, NSYM_ETRUNC, "outside the file");
	memcpy(fat, keep, 64);
	put_be32(fat + 8 + 20, 0x01000007); /* x86_64 twice */
	crafted_fails(dir, fat, 3072, NSYM_ETRUNC, "listed twice");
	memcpy(fat, keep, 64);
	put_be32(fat + 8 + 20, 0x00000007); /* the table says i386 */
	crafted_fails(dir, fat, 3072, NSYM_ETRUNC, "says it is arm64");
	memcpy(fat, keep, 64);
	memset(fat + 2048, 0, 4); /* a slice that is no Mach-O */
	crafted_fails(dir, fat, 3072, NSYM_ETRUNC, "not a Mach-O image");
	test_tmpdir_remove(dir);
}
END_TEST

START_TEST(hostile_pe_headers_are_refused)
{
	char *dir = test_tmpdir();
	size_t size;
	unsigned char *orig = read_fixture("pe/addon.node", &size);
	unsigned char *b = malloc(size);
	uint32_t lfanew = le32(orig + 0x3c), opt = lfanew + 24;
	unsigned char *rsds = memmem(orig, size, "RSDS", 4);
	uint32_t cv_at = (uint32_t)(rsds - orig);
	unsigned char *ptr = NULL;

	ck_assert_ptr_nonnull(rsds);
	/* the debug directory entry's PointerToRawData holds cv_at */
	for (size_t i = 0; i + 4 <= size; i += 4) {
		if (le32(orig + i) == cv_at && i >= 24) {
			ptr = b + i;
			break;
		}
	}
	ck_assert_ptr_nonnull(ptr);

#define RESET() memcpy(b, orig, size)
	RESET();
	put_le32(b + 0x3c, 0x7ffffff0);
	crafted_fails(dir, b, size, NSYM_ETRUNC, "PE header offset 0x7ffffff0 is past the end");
	RESET();
	memcpy(b + lfanew, "NE\0\0", 4);
	crafted_fails(dir, b, size, NSYM_ENOTELF, "without a PE header");
	RESET();
	b[lfanew + 6] = 0xff, b[lfanew + 7] = 0xff; /* NumberOfSections */
	crafted_fails(dir, b, size, NSYM_ETRUNC, "section table (65535 sections)");
	RESET();
	b[lfanew + 20] = 0xff, b[lfanew + 21] = 0xff; /* SizeOfOptionalHeader */
	crafted_fails(dir, b, size, NSYM_ETRUNC, "optional header");
	RESET();
	b[lfanew + 20] = 8, b[lfanew + 21] = 0; /* too short for its fields */
	crafted_fails(dir, b, size, NSYM_ETRUNC, "optional header is truncated");
	RESET();
	b[opt] = 0x07, b[opt + 1] = 0x01; /* ROM image magic */
	crafted_fails(dir, b, size, NSYM_ETRUNC, "unknown optional header magic 0x107");
	RESET();
	put_le32(b + opt + 112 + 6 * 8, 0x7ffffff0); /* debug directory RVA */
	crafted_fails(dir, b, size, NSYM_ETRUNC, "outside every section");
	RESET();
	put_le32(b + opt + 112 + 6 * 8 + 4, 0xffffffff); /* debug directory size */
	crafted_fails(dir, b, size, NSYM_ETRUNC, "outside every section");
	RESET();
	put_le32(ptr, 0x7ffffff0); /* CodeView record offset */
	crafted_fails(dir, b, size, NSYM_ETRUNC, "CodeView record 0 is past the end");
	RESET();
	put_le32(b + opt + 240 + 20, 0x7ffffff0); /* section 0 PointerToRawData */
	crafted_fails(dir, b, size, NSYM_ETRUNC, "section 0 (.text) extends past the end");
	RESET();
	put_le32(b + lfanew + 12, 0x7ffffff0); /* PointerToSymbolTable */
	put_le32(b + lfanew + 16, 1);
	crafted_fails(dir, b, size, NSYM_ETRUNC, "symbol table");
	RESET();
	memcpy(rsds - orig + b, "NB10", 4); /* an old record is passed over */
	{
		nsym_file *f = NULL;
		char *path = test_write(dir, "nb10", b, size);
		ck_assert_int_eq(nsym_file_open(&f, path), 0);
		ck_assert_int_eq(nsym_file_image(f, 0)->has_uuid, 0);
		nsym_file_close(f);
		free(path);
	}
#undef RESET
	free(b);
	free(orig);
	test_tmpdir_remove(dir);
}
END_TEST

START_TEST(hostile_pdb_headers_are_refused)
{
	/* one little-endian word of the crafted PDB changed: where, to what,
	 * and a word the detail must hold */
	enum { DIR_AT = 4 * MSF_BLOCK };
	static const struct {
		uint32_t at, value;
		const char *word;
	} patches[] = {
	    {32, 0, "block size 0 is not one MSF uses"},
	    {32, 3000, "block size 3000"},
	    {40, 0xffffffff, "more than the file holds"},
	    {36, 7, "free block map"},
	    {44, 0x7fffffff, "more blocks than the block map holds"},
	    {44, 100 * MSF_BLOCK, "stream directory past end of file"},
	    {52, 0xfffffff, "block map at block"},
	    {3 * MSF_BLOCK, 0xfffffff, "stream directory block 268435455 is past"},
	    {DIR_AT, 0xffffffff, "lists 4294967295 streams"},
	    /* stream 1 larger than the file */
	    {DIR_AT + 4 * 2, 0x7fffffff, "larger than the file"},
	    /* stream 1 too short for its header */
	    {DIR_AT + 4 * 2, 10, "PDB info stream is missing or truncated"},
	    /* stream 1's first block */
	    {DIR_AT + 4 * 5, 0xfffff, "stream 1: block 1048575 is past end of file"},
	    /* stream 3's block list runs off */
	    {DIR_AT + 4 * 4, 3000, "runs past the stream directory"},
	};
	char *dir = test_tmpdir();
	size_t size;
	unsigned char *orig = crafted_pdb(&size, true);
	unsigned char *b = malloc(size);

	for (size_t i = 0; i < sizeof(patches) / sizeof(patches[0]); i++) {
		memcpy(b, orig, size);
		put_le32(b + patches[i].at, patches[i].value);
		crafted_fails(dir, b, size, NSYM_ETRUNC, patches[i].word);
	}
	crafted_fails(dir, orig, 40, NSYM_ETRUNC, "superblock is truncated");
	free(b);
	free(orig);
	test_tmpdir_remove(dir);
}
END_TEST

/* ---- truncation and corruption ----------------------------------------- */

static const char *all_files[] = {
    "macho/addon-x86_64.node",
    "macho/addon-arm64.node",
    "macho/addon-arm64_32.dylib",
    "macho/addon-x86_64",
    "macho/addon-fat.node",
    "macho/addon-x86_64.node.dSYM/Contents/Resources/DWARF/addon-x86_64.node",
    "macho/addon-fat.node.dSYM/Contents/Resources/DWARF/addon-fat.node",
    "pe/addon.node",
    "pe/addon-i386.node",
    "pe/addon-arm64.exe",
    "pe/addon-nodebug.node",
    "pe/addon-mingw.dll",
    "pe/addon.pdb",
    "pe/addon-512.pdb",
};

/* Opens the file and uses all it reports; any error must carry a detail. */
static int exercise(const char *path, size_t file_size)
{
	nsym_file *f = NULL;
	int rc = nsym_file_open(&f, path);

	if (rc != 0) {
		ck_assert_int_lt(rc, 0);
		ck_assert_ptr_null(f);
		ck_assert_ptr_nonnull(strstr(nsym_error_detail(), path));
		return rc;
	}
	ck_assert_uint_ge(nsym_file_image_count(f), 1);
	ck_assert_uint_le(nsym_file_image_count(f), NSYM_IMAGES_MAX);
	for (size_t i = 0; i < nsym_file_image_count(f); i++) {
		const struct nsym_image *im = nsym_file_image(f, i);
		char id[NSYM_IMAGE_ID_SIZE];
		ck_assert_ptr_nonnull(im->arch);
		ck_assert_ptr_nonnull(im->kind);
		ck_assert_uint_le(im->offset, file_size);
		ck_assert_uint_le(im->size, file_size - im->offset);
		if (im->pdb_name != NULL)
			ck_assert_uint_lt(strlen(im->pdb_name), file_size);
		for (int form = NSYM_ID_NATIVE; form <= NSYM_ID_PDB; form++) {
			int r = nsym_image_id(id, sizeof(id), im, (enum nsym_id_form)form);
			ck_assert(r == 0 || r == NSYM_ENOENT);
		}
	}
	nsym_file_close(f);
	return 0;
}

/* Writes a new file each time: rewriting one in place makes ext4 flush it
 * (auto_da_alloc), which turns thousands of small writes into minutes. */
static char *write_fresh(const char *dir, const void *data, size_t size)
{
	char name[4096];
	snprintf(name, sizeof(name), "%s/input", dir);
	unlink(name);
	return test_write(dir, "input", data, size);
}

/* Where a fixture's checked structures end: past it lies only the
 * FileAlignment padding of a PE file, which a cut can lose unharmed. */
static size_t data_end(const char *rel, size_t size)
{
	const char *end = fact(rel, "0", "data_end");
	return end != NULL ? (size_t)strtoull(end, NULL, 10) : size;
}

START_TEST(truncated_foreign_files_never_crash)
{
	char *dir = test_tmpdir();

	for (size_t i = 0; i < sizeof(all_files) / sizeof(all_files[0]); i++) {
		size_t size;
		unsigned char *b = read_fixture(all_files[i], &size);
		size_t end = data_end(all_files[i], size);
		size_t cuts[] = {size / 4,   size / 2, size * 3 / 4, size - 4096, size - 512,
		                 size - 100, size - 4, size - 1,     4096,        4097,
		                 8192,       8193,     16384,        end - 1,     end};
		for (size_t k = 0; k < sizeof(cuts) / sizeof(cuts[0]) + 1200; k++) {
			/* every length up to 1200, where the headers are, then the list */
			size_t cut = k < 1200 ? k + 1 : cuts[k - 1200];
			char *path;
			int rc;
			if (cut == 0 || cut >= size)
				continue;
			path = write_fresh(dir, b, cut);
			rc = exercise(path, cut);
			ck_assert_msg(rc != 0 || cut >= end, "%s cut at %zu of %zu bytes opened",
			              all_files[i], cut, size);
			free(path);
		}
		free(b);
	}
	test_tmpdir_remove(dir);
}
END_TEST

START_TEST(corrupted_foreign_files_never_crash)
{
	char *dir = test_tmpdir();
	/* NSYM_FUZZ_SEED and NSYM_FUZZ_ROUNDS let a longer campaign run the
	 * same check; the suite's default is fixed so failures reproduce. */
	const char *seed_env = getenv("NSYM_FUZZ_SEED"), *rounds_env = getenv("NSYM_FUZZ_ROUNDS");
	unsigned seed = seed_env != NULL ? (unsigned)strtoul(seed_env, NULL, 10) : 12345;
	int rounds = rounds_env != NULL ? (int)strtol(rounds_env, NULL, 10) : 300;

	for (size_t i = 0; i < sizeof(all_files) / sizeof(all_files[0]); i++) {
		size_t size;
		unsigned char *orig = read_fixture(all_files[i], &size);
		unsigned char *b = malloc(size);
		size_t head = size < 4096 ? size : 4096;
		for (int round = 0; round < rounds; round++) {
			char *path;
			int flips = 1 + round % 12;
			memcpy(b, orig, size);
			/* the headers often, the rest sometimes */
			for (int k = 0; k < flips; k++) {
				seed = seed * 1103515245u + 12345u;
				size_t at = (k % 3 != 2) ? (seed >> 8) % head : (seed >> 4) % size;
				seed = seed * 1103515245u + 12345u;
				b[at] = (unsigned char)(seed >> 16);
			}
			path = write_fresh(dir, b, size);
			exercise(path, size);
			free(path);
		}
		free(b);
		free(orig);
	}
	test_tmpdir_remove(dir);
}
END_TEST

/* How many names a folder holds. */
static size_t entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

/*
 * split on corrupted Mach-O addons, their dSYM beside them: the load
 * commands, the symbol and string tables and the code signature (the end
 * of each image, in __LINKEDIT) are what it rewrites, so the corruption
 * goes there. Each split fails with a detail, leaving no temporary file,
 * or writes a file the reader opens with as many images.
 */
START_TEST(corrupted_macho_splits_never_crash)
{
	static const char *const inputs[] = {"macho/addon-fat.node", "macho/addon-x86_64.node"};
	char *dir = test_tmpdir();
	const char *rounds_env = getenv("NSYM_FUZZ_ROUNDS");
	int rounds = rounds_env != NULL ? (int)strtol(rounds_env, NULL, 10) : 300;
	unsigned seed = 4242;
	char *out = NULL, *dsym = NULL;

	ck_assert_int_ge(asprintf(&out, "%s/out", dir), 0);
	ck_assert_int_ge(asprintf(&dsym, "%s/input.dSYM", dir), 0);
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		size_t size, nspans = 0;
		unsigned char *orig = read_fixture(inputs[i], &size), *b = malloc(size);
		char *path = fixture(inputs[i]), *target = NULL;
		nsym_file *f = NULL;
		size_t spans[2 * NSYM_IMAGES_MAX + 1][2];

		ck_assert_int_eq(nsym_file_open(&f, path), 0);
		spans[nspans][0] = 0, spans[nspans++][1] = 64;
		for (size_t k = 0; k < nsym_file_image_count(f); k++) {
			const struct nsym_image *im = nsym_file_image(f, k);
			spans[nspans][0] = im->offset, spans[nspans++][1] = 2048;
			spans[nspans][0] = im->offset + im->size - 1024, spans[nspans++][1] = 1024;
		}
		nsym_file_close(f);
		ck_assert_int_ge(asprintf(&target, "%s.dSYM", path), 0);
		unlink(dsym);
		ck_assert_int_eq(symlink(target, dsym), 0);
		for (int round = 0; round < rounds; round++) {
			struct nsym_split_options opt = {.stripped_path = out, .force = 1};
			struct nsym_split_result r;
			char *in;
			int rc;

			memcpy(b, orig, size);
			for (int k = 0; k < 1 + round % 6; k++) {
				size_t *span;
				seed = seed * 1103515245u + 12345u;
				span = spans[(seed >> 8) % nspans];
				seed = seed * 1103515245u + 12345u;
				b[span[0] + (seed >> 4) % span[1]] = (unsigned char)(seed >> 16);
			}
			in = write_fresh(dir, b, size);
			unlink(out);
			rc = nsym_split(&r, in, &opt);
			if (rc != 0) {
				ck_assert_int_lt(rc, 0);
				ck_assert_ptr_nonnull(strstr(nsym_error_detail(), dir));
				ck_assert_int_ne(access(out, F_OK), 0);
			} else {
				ck_assert_int_eq(nsym_file_open(&f, out), 0);
				ck_assert_uint_eq(nsym_file_image_count(f), r.slice_count);
				nsym_file_close(f);
			}
			free(in);
		}
		free(target);
		free(path);
		free(b);
		free(orig);
	}
	/* nothing but the input, the dSYM link and an output */
	ck_assert_uint_le(entries(dir), 3);
	free(out);
	free(dsym);
	test_tmpdir_remove(dir);
}
END_TEST

/* verify with corrupted debug files (a PDB's module list, a dSYM's load
 * commands and DWARF): problems reported, never a crash. */
START_TEST(corrupted_debug_files_never_crash_verify)
{
	static const struct {
		const char *binary, *debug;
	} pairs[] = {
	    {"pe/addon.node", "pe/addon.pdb"},
	    {"macho/addon-fat.node",
	     "macho/addon-fat.node.dSYM/Contents/Resources/DWARF/addon-fat.node"},
	};
	char *dir = test_tmpdir();
	unsigned seed = 777;

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		size_t size;
		unsigned char *orig = read_fixture(pairs[i].debug, &size), *b = malloc(size);
		char *binary = fixture(pairs[i].binary);
		for (int round = 0; round < 200; round++) {
			struct nsym_verify_result r;
			const char *debug[1];
			char *path;
			int rc;
			memcpy(b, orig, size);
			for (int k = 0; k < 1 + round % 8; k++) {
				seed = seed * 1103515245u + 12345u;
				size_t at = (seed >> 4) % size;
				seed = seed * 1103515245u + 12345u;
				b[at] = (unsigned char)(seed >> 16);
			}
			path = write_fresh(dir, b, size);
			debug[0] = path;
			rc = nsym_verify(&r, binary, debug, 1, 0, NULL, NULL);
			ck_assert_msg(rc == 0 || (rc == NSYM_EMISMATCH && r.problems > 0),
			              "verify gave %d (%s)", rc, nsym_error_detail());
			free(path);
		}
		free(binary);
		free(b);
		free(orig);
	}
	test_tmpdir_remove(dir);
}
END_TEST

static Suite *foreign_hostile_suite(void)
{
	Suite *s = suite_create("foreign_hostile");
	TEST_ADD(s, hostile_macho_headers_are_refused);
	TEST_ADD(s, hostile_pe_headers_are_refused);
	TEST_ADD(s, hostile_pdb_headers_are_refused);
	TEST_ADD(s, truncated_foreign_files_never_crash);
	TEST_ADD(s, corrupted_foreign_files_never_crash);
	TEST_ADD(s, corrupted_macho_splits_never_crash);
	TEST_ADD(s, corrupted_debug_files_never_crash_verify);
	return s;
}

int main(void)
{
	return test_run(foreign_hostile_suite());
}
