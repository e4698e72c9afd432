/*
 * The any-format reader (nsym_file_open) on well-formed Mach-O, PE and PDB
 * files. The fixtures are built by tests/fixtures/foreign/build.sh, which
 * also writes expected.txt: what llvm-dwarfdump, llvm-objdump, llvm-readobj
 * and llvm-pdbutil say about each file. Identities are checked against those
 * facts, never against earlier answers of our own. Hostile input lives in
 * test_foreign_hostile.c.
 */
#include <check.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "foreign_build.h"
#include "napi_symbols.h"
#include "test_util.h"

/* ---- helpers ----------------------------------------------------------- */

static const char *need(const char *file, const char *index, const char *key)
{
	const char *v = fact(file, index, key);
	ck_assert_msg(v != NULL, "expected.txt says nothing of %s %s %s", file, index, key);
	return v;
}

static nsym_file *open_ok(const char *rel)
{
	char *path = fixture(rel);
	nsym_file *f = NULL;
	int rc = nsym_file_open(&f, path);
	ck_assert_msg(rc == 0, "open %s: %s", rel, nsym_error_detail());
	ck_assert_ptr_nonnull(f);
	free(path);
	return f;
}

static void upper_no_dashes(char *out, const char *in)
{
	for (; *in != '\0'; in++) {
		if (*in != '-' && *in != '{' && *in != '}')
			*out++ = (char)toupper((unsigned char)*in);
	}
	*out = '\0';
}

static void hex_bytes(char *out, const unsigned char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02X", b[i]);
}

static const char *id_of(const struct nsym_image *im, enum nsym_id_form form)
{
	static char buf[NSYM_IMAGE_ID_SIZE];
	int rc = nsym_image_id(buf, sizeof(buf), im, form);
	return rc == 0 ? buf : NULL;
}

static const char *kind_of_filetype(const char *t)
{
	unsigned long v = strtoul(t, NULL, 16);
	return v == 0x2   ? "executable"
	       : v == 0x6 ? "shared library"
	       : v == 0x8 ? "bundle"
	       : v == 0xa ? "debug file"
	                  : "other";
}

/* Checks every image of a Mach-O fixture against the tools' facts. */
static void check_macho(const char *rel, nsym_file *f)
{
	size_t n = strtoul(need(rel, "-", "images"), NULL, 10);

	ck_assert_uint_eq(nsym_file_image_count(f), n);
	for (size_t i = 0; i < n; i++) {
		const struct nsym_image *im = nsym_file_image(f, i);
		char index[24], want[64], native[64];
		const char *off, *bytes;

		snprintf(index, sizeof(index), "%zu", i);
		ck_assert_int_eq(im->format, NSYM_FORMAT_MACHO);
		ck_assert_str_eq(im->arch, need(rel, index, "arch"));
		ck_assert_str_eq(im->kind, kind_of_filetype(need(rel, index, "filetype")));
		ck_assert(im->has_uuid);
		/* dwarfdump: 4C4C446F-5555-...; the key: lowercase, no dashes */
		upper_no_dashes(want, need(rel, index, "uuid"));
		for (size_t k = 0; k <= strlen(want); k++)
			native[k] = (char)tolower((unsigned char)want[k]);
		ck_assert_str_eq(id_of(im, NSYM_ID_NATIVE), native);
		snprintf(want + strlen(want), 2, "0"); /* Breakpad: the UUID, then age 0 */
		ck_assert_str_eq(id_of(im, NSYM_ID_DEBUG_ID), want);
		ck_assert_ptr_null(id_of(im, NSYM_ID_PDB));
		bytes = fact(rel, index, "debug_bytes");
		ck_assert_uint_eq(im->debug_bytes, bytes != NULL ? strtoull(bytes, NULL, 10) : 0);
		ck_assert_int_eq(im->has_debug_info, bytes != NULL);
		off = fact(rel, index, "offset");
		if (off != NULL) {
			ck_assert_uint_eq(im->offset, strtoull(off, NULL, 10));
			ck_assert_uint_eq(im->size, strtoull(need(rel, index, "size"), NULL, 10));
		}
	}
	ck_assert_ptr_null(nsym_file_image(f, n));
}

/* ---- identities against the tools -------------------------------------- */

START_TEST(macho_thin_identities_match_llvm)
{
	static const char *files[] = {"macho/addon-x86_64.node", "macho/addon-arm64.node",
	                              "macho/addon-arm64_32.dylib", "macho/addon-x86_64"};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		nsym_file *f = open_ok(files[i]);
		char *path = fixture(files[i]);
		ck_assert_int_eq(nsym_file_format(f), NSYM_FORMAT_MACHO);
		ck_assert_str_eq(nsym_file_path(f), path);
		check_macho(files[i], f);
		free(path);
		nsym_file_close(f);
	}
}
END_TEST

START_TEST(macho_fat_has_one_image_per_arch)
{
	nsym_file *f = open_ok("macho/addon-fat.node");

	ck_assert_int_eq(nsym_file_format(f), NSYM_FORMAT_MACHO_FAT);
	ck_assert_uint_eq(nsym_file_image_count(f), 2);
	check_macho("macho/addon-fat.node", f);
	/* the slices are the thin files lipo was given */
	for (size_t i = 0; i < 2; i++) {
		nsym_file *thin =
		    open_ok(i == 0 ? "macho/addon-x86_64.node" : "macho/addon-arm64.node");
		const struct nsym_image *a = nsym_file_image(f, i), *b = nsym_file_image(thin, 0);
		ck_assert_mem_eq(a->uuid, b->uuid, 16);
		ck_assert_str_eq(a->kind, b->kind);
		nsym_file_close(thin);
	}
	nsym_file_close(f);
}
END_TEST
/* llvm-lipo 14 cannot write FAT_MAGIC_64, so the fat fixture's table is
 * rewritten in that form: the slices stay where they are. */
START_TEST(macho_fat64_header_is_read)
{
	size_t size;
	unsigned char *b = read_fixture("macho/addon-fat.node", &size);
	unsigned char table[2][20];
	char *dir = test_tmpdir(), *path;
	nsym_file *f = NULL;

	ck_assert_uint_eq(be32(b), 0xcafebabe);
	ck_assert_uint_eq(be32(b + 4), 2);
	memcpy(table, b + 8, sizeof(table));
	memset(b + 8, 0, 2 * 32);
	put_be32(b, 0xcafebabf);
	for (int i = 0; i < 2; i++) {
		unsigned char *e = b + 8 + 32 * i;
		memcpy(e, table[i], 8);                /* cputype, cpusubtype */
		put_be64(e + 8, be32(table[i] + 8));   /* offset */
		put_be64(e + 16, be32(table[i] + 12)); /* size */
		memcpy(e + 24, table[i] + 16, 4);      /* align */
	}
	path = test_write(dir, "fat64.node", b, size);
	ck_assert_msg(nsym_file_open(&f, path) == 0, "%s", nsym_error_detail());
	ck_assert_int_eq(nsym_file_format(f), NSYM_FORMAT_MACHO_FAT);
	check_macho("macho/addon-fat.node", f);
	nsym_file_close(f);
	free(path);
	free(b);
	test_tmpdir_remove(dir);
}
END_TEST

START_TEST(macho_both_byte_orders_and_sizes_are_read)
{
	char *dir = test_tmpdir();
	unsigned char b[1024];

	for (int big = 0; big < 2; big++) {
		for (int is64 = 0; is64 < 2; is64++) {
			size_t size = tiny_macho(b, big, is64);
			char *path = test_write(dir, "tiny", b, size);
			nsym_file *f = NULL;
			const struct nsym_image *im;
			ck_assert_msg(nsym_file_open(&f, path) == 0, "big %d 64 %d: %s", big, is64,
			              nsym_error_detail());
			im = nsym_file_image(f, 0);
			ck_assert_str_eq(im->arch, is64 ? "ppc64" : "ppc");
			ck_assert_str_eq(im->kind, "bundle");
			ck_assert_str_eq(id_of(im, NSYM_ID_NATIVE),
			                 "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
			ck_assert_str_eq(id_of(im, NSYM_ID_DEBUG_ID),
			                 "A0A1A2A3A4A5A6A7A8A9AAABACADAEAF0");
			ck_assert_int_eq(im->has_debug_info, 1);
			ck_assert_uint_eq(im->debug_bytes, 16);
			nsym_file_close(f);
			free(path);
		}
	}
	test_tmpdir_remove(dir);
}
END_TEST

START_TEST(dsym_bundle_opens_its_dwarf_file)
{
	static const char *bundles[] = {"macho/addon-x86_64.node.dSYM",
	                                "macho/addon-fat.node.dSYM"};

	for (size_t i = 0; i < 2; i++) {
		nsym_file *f = open_ok(bundles[i]);
		char *inner = fixture(need(bundles[i], "-", "inner"));
		ck_assert_str_eq(nsym_file_path(f), inner);
		check_macho(bundles[i], f);
		for (size_t k = 0; k < nsym_file_image_count(f); k++)
			ck_assert_str_eq(nsym_file_image(f, k)->kind, "debug file");
		free(inner);
		nsym_file_close(f);
	}
	/* a trailing slash, as shells complete a folder */
	nsym_file_close(open_ok("macho/addon-x86_64.node.dSYM/"));
}
END_TEST

START_TEST(dsym_bundle_errors_are_clear)
{
	char *dir = test_tmpdir(), path[4096];

	/* a folder that is not a bundle */
	open_fails(dir, NSYM_EISDIR, "not a binary or a .dSYM bundle");
	snprintf(path, sizeof(path), "%s/x.dSYM", dir);
	mkdir(path, 0755);
	open_fails(path, NSYM_ENOENT, "no Contents/Resources/DWARF");
	snprintf(path, sizeof(path), "%s/x.dSYM/Contents", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/x.dSYM/Contents/Resources", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/x.dSYM/Contents/Resources/DWARF", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/x.dSYM", dir);
	open_fails(path, NSYM_ENOENT, "no DWARF file");
	/* two files, neither named like the bundle */
	ck_assert_int_eq(
	    test_sh("cp '%s/macho/addon-x86_64.node' '%s/x.dSYM/Contents/Resources/DWARF/a'"
	            " && cp '%s/macho/addon-arm64.node' "
	            "'%s/x.dSYM/Contents/Resources/DWARF/b'",
	            NSYM_FOREIGN_DIR, dir, NSYM_FOREIGN_DIR, dir),
	    0);
	open_fails(path, NSYM_EUNSUPPORTED, "none named 'x'");
	/* one named like the bundle wins */
	ck_assert_int_eq(test_sh("cp '%s/x.dSYM/Contents/Resources/DWARF/b' "
	                         "'%s/x.dSYM/Contents/Resources/DWARF/x'",
	                         dir, dir),
	                 0);
	{
		nsym_file *f = NULL;
		ck_assert_int_eq(nsym_file_open(&f, path), 0);
		ck_assert_str_eq(nsym_file_image(f, 0)->arch, "arm64");
		nsym_file_close(f);
	}
	test_tmpdir_remove(dir);
}
END_TEST

static const char *coff_arch(const char *machine)
{
	unsigned long m = strtoul(machine, NULL, 16);
	return m == 0x8664 ? "x86_64" : m == 0x14c ? "i386" : m == 0xaa64 ? "arm64" : "unknown";
}

START_TEST(pe_identities_match_llvm)
{
	static const char *files[] = {"pe/addon.node", "pe/addon-i386.node", "pe/addon-arm64.exe",
	                              "pe/addon-nodebug.node", "pe/addon-mingw.dll"};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		const char *rel = files[i], *cv = fact(rel, "0", "cv_guid");
		const char *bytes = fact(rel, "0", "debug_bytes");
		nsym_file *f = open_ok(rel);
		const struct nsym_image *im = nsym_file_image(f, 0);
		char want[128], got[64];

		ck_assert_int_eq(nsym_file_format(f), NSYM_FORMAT_PE);
		ck_assert_uint_eq(nsym_file_image_count(f), 1);
		ck_assert_str_eq(im->arch, coff_arch(need(rel, "0", "machine")));
		ck_assert_str_eq(im->kind,
		                 fact(rel, "0", "dll") != NULL ? "shared library" : "executable");
		ck_assert_uint_eq(im->timestamp, strtoul(need(rel, "0", "timestamp"), NULL, 16));
		ck_assert_uint_eq(im->size_of_image,
		                  strtoul(need(rel, "0", "size_of_image"), NULL, 10));
		/* SymSrv: TimeDateStamp %08X, SizeOfImage %x */
		snprintf(want, sizeof(want), "%08lX%lx",
		         strtoul(need(rel, "0", "timestamp"), NULL, 16),
		         strtoul(need(rel, "0", "size_of_image"), NULL, 10));
		ck_assert_str_eq(id_of(im, NSYM_ID_NATIVE), want);
		ck_assert_int_eq(im->has_uuid, cv != NULL);
		if (cv != NULL) {
			char pdb_rel[256];
			const char *name = need(rel, "0", "pdb_name");
			hex_bytes(got, im->uuid, 16);
			ck_assert_str_eq(got, cv);
			ck_assert_uint_eq(im->age, strtoul(need(rel, "0", "cv_age"), NULL, 10));
			ck_assert_str_eq(im->pdb_name, name);
			/* the PDB form is what llvm-pdbutil says of the PDB */
			snprintf(pdb_rel, sizeof(pdb_rel), "pe/%s", strrchr(name, '/') + 1);
			upper_no_dashes(want, need(pdb_rel, "0", "guid"));
			snprintf(want + strlen(want), 16, "%lX",
			         strtoul(need(pdb_rel, "0", "dbi_age"), NULL, 10));
			ck_assert_str_eq(id_of(im, NSYM_ID_PDB), want);
			ck_assert_str_eq(id_of(im, NSYM_ID_DEBUG_ID), want);
		} else {
			ck_assert_ptr_null(im->pdb_name);
			ck_assert_ptr_null(id_of(im, NSYM_ID_PDB));
			ck_assert_ptr_null(id_of(im, NSYM_ID_DEBUG_ID));
		}
		ck_assert_int_eq(im->has_debug_info, bytes != NULL);
		ck_assert_uint_eq(im->debug_bytes, bytes != NULL ? strtoull(bytes, NULL, 10) : 0);
		ck_assert_uint_eq(im->size, strtoull(need(rel, "0", "file_size"), NULL, 10));
		nsym_file_close(f);
	}
}
END_TEST

static const char *dbi_arch(const char *machine)
{
	return strcmp(machine, "Amd64") == 0   ? "x86_64"
	       : strcmp(machine, "x86") == 0   ? "i386"
	       : strcmp(machine, "Arm64") == 0 ? "arm64"
	                                       : "unknown";
}

START_TEST(pdb_identities_match_llvm)
{
	static const char *files[] = {"pe/addon.pdb", "pe/addon-i386.pdb", "pe/addon-arm64.pdb",
	                              "pe/addon-512.pdb"};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		const char *rel = files[i];
		nsym_file *f = open_ok(rel);
		const struct nsym_image *im = nsym_file_image(f, 0);
		char want[128], got[64];

		ck_assert_int_eq(nsym_file_format(f), NSYM_FORMAT_PDB);
		ck_assert_str_eq(im->kind, "program database");
		ck_assert_str_eq(im->arch, dbi_arch(need(rel, "0", "dbi_machine")));
		ck_assert_uint_eq(im->age, strtoul(need(rel, "0", "dbi_age"), NULL, 10));
		ck_assert_uint_eq(im->age, strtoul(need(rel, "0", "age"), NULL, 10));
		upper_no_dashes(want, need(rel, "0", "guid"));
		/* llvm-pdbutil prints Data1-3 big-endian: the stored bytes swapped */
		hex_bytes(got,
		          (const unsigned char[]){im->uuid[3], im->uuid[2], im->uuid[1],
		                                  im->uuid[0], im->uuid[5], im->uuid[4],
		                                  im->uuid[7], im->uuid[6]},
		          8);
		hex_bytes(got + 16, im->uuid + 8, 8);
		ck_assert_str_eq(got, want);
		snprintf(want + strlen(want), 16, "%lX", strtoul(need(rel, "0", "age"), NULL, 10));
		ck_assert_str_eq(id_of(im, NSYM_ID_NATIVE), want);
		ck_assert_str_eq(id_of(im, NSYM_ID_DEBUG_ID), want);
		ck_assert_ptr_null(id_of(im, NSYM_ID_PDB));
		ck_assert_int_eq(im->has_debug_info, 1);
		ck_assert_uint_eq(im->debug_bytes, strtoull(need(rel, "0", "file_size"), NULL, 10));
		nsym_file_close(f);
	}
}
END_TEST

START_TEST(pdb_age_comes_from_dbi_stream)
{
	/* GUID 10 11 .. 1f stored: Data1-3 print swapped. The DBI age wins;
	 * without a DBI stream, the info stream's age. */
	static const struct {
		bool dbi;
		const char *name, *native, *arch;
		int has_debug_info;
	} pdbs[] = {
	    {true, "crafted.pdb", "131211101514171618191A1B1C1D1E1F2", "arm64", 1},
	    {false, "types-only.pdb", "131211101514171618191A1B1C1D1E1F3", "unknown", 0},
	};
	char *dir = test_tmpdir();

	for (size_t i = 0; i < sizeof(pdbs) / sizeof(pdbs[0]); i++) {
		size_t size;
		unsigned char *b = crafted_pdb(&size, pdbs[i].dbi);
		char *path = test_write(dir, pdbs[i].name, b, size);
		nsym_file *f = NULL;
		const struct nsym_image *im;

		ck_assert_msg(nsym_file_open(&f, path) == 0, "%s", nsym_error_detail());
		im = nsym_file_image(f, 0);
		ck_assert_str_eq(id_of(im, NSYM_ID_NATIVE), pdbs[i].native);
		ck_assert_str_eq(im->arch, pdbs[i].arch);
		ck_assert_int_eq(im->has_debug_info, pdbs[i].has_debug_info);
		nsym_file_close(f);
		free(path);
		free(b);
	}
	test_tmpdir_remove(dir);
}
END_TEST

/* ---- identity forms ---------------------------------------------------- */

static void unhex(unsigned char *out, const char *hex)
{
	for (size_t i = 0; hex[2 * i] != '\0'; i++) {
		unsigned v;
		sscanf(hex + 2 * i, "%2x", &v);
		out[i] = (unsigned char)v;
	}
}

START_TEST(debug_id_forms)
{
	struct nsym_identity id = {0};
	struct nsym_image im = {.format = NSYM_FORMAT_ELF, .elf = &id};
	char small[8];

	/* the worked example of symbol-server-anchors.md section 3.1 */
	unhex(id.build_id, "8713b9c3fb8a720137a4a08b325905c7aaf8429d");
	id.build_id_len = 20;
	ck_assert_str_eq(id_of(&im, NSYM_ID_NATIVE), "8713b9c3fb8a720137a4a08b325905c7aaf8429d");
	ck_assert_str_eq(id_of(&im, NSYM_ID_DEBUG_ID), "C3B913878AFB017237A4A08B325905C70");
	ck_assert_ptr_null(id_of(&im, NSYM_ID_PDB));
	/* a short build-id is padded with zeros to the 16 bytes of a GUID */
	memset(&id, 0, sizeof(id));
	unhex(id.build_id, "0102030405060708");
	id.build_id_len = 8;
	ck_assert_str_eq(id_of(&im, NSYM_ID_DEBUG_ID), "040302010605080700000000000000000");
	/* the longest build-id fits NSYM_IMAGE_ID_SIZE */
	memset(id.build_id, 0xab, NSYM_BUILD_ID_MAX);
	id.build_id_len = NSYM_BUILD_ID_MAX;
	ck_assert_uint_eq(strlen(id_of(&im, NSYM_ID_NATIVE)), 2 * NSYM_BUILD_ID_MAX);
	/* no build-id: the fallback is the key, but no debug id is claimed */
	memset(&id, 0, sizeof(id));
	id.has_fallback_id = 1;
	memset(id.fallback_id, 0x11, NSYM_FALLBACK_ID_SIZE);
	ck_assert_str_eq(id_of(&im, NSYM_ID_NATIVE), "1111111111111111111111111111111111111111");
	ck_assert_ptr_null(id_of(&im, NSYM_ID_DEBUG_ID));

	/* Mach-O: the UUID in order; age 0 */
	im = (struct nsym_image){.format = NSYM_FORMAT_MACHO, .has_uuid = 1};
	unhex(im.uuid, "000102030405060708090a0b0c0d0e0f");
	ck_assert_str_eq(id_of(&im, NSYM_ID_NATIVE), "000102030405060708090a0b0c0d0e0f");
	ck_assert_str_eq(id_of(&im, NSYM_ID_DEBUG_ID), "000102030405060708090A0B0C0D0E0F0");
	im.has_uuid = 0;
	ck_assert_ptr_null(id_of(&im, NSYM_ID_NATIVE));

	/* PE: SymSrv's %08X%x, and the CodeView GUID with Data1-3 swapped */
	im = (struct nsym_image){.format = NSYM_FORMAT_PE,
	                         .timestamp = 0x5c8b1a2f,
	                         .size_of_image = 0x1b000,
	                         .has_uuid = 1,
	                         .age = 0x1a};
	unhex(im.uuid, "000102030405060708090a0b0c0d0e0f");
	ck_assert_str_eq(id_of(&im, NSYM_ID_NATIVE), "5C8B1A2F1b000");
	ck_assert_str_eq(id_of(&im, NSYM_ID_PDB), "030201000504070608090A0B0C0D0E0F1A");
	ck_assert_str_eq(id_of(&im, NSYM_ID_DEBUG_ID), "030201000504070608090A0B0C0D0E0F1A");
	im.timestamp = 0x1;
	ck_assert_str_eq(id_of(&im, NSYM_ID_NATIVE), "000000011b000");

	/* PDB: the same GUID form is its own key */
	im.format = NSYM_FORMAT_PDB;
	im.age = 1;
	ck_assert_str_eq(id_of(&im, NSYM_ID_NATIVE), "030201000504070608090A0B0C0D0E0F1");
	ck_assert_ptr_null(id_of(&im, NSYM_ID_PDB));

	/* too small a buffer: NSYM_EINVAL and an empty string */
	memset(small, 'x', sizeof(small));
	ck_assert_int_eq(nsym_image_id(small, sizeof(small), &im, NSYM_ID_NATIVE), NSYM_EINVAL);
	ck_assert_str_eq(small, "");
	ck_assert_int_eq(nsym_image_id(small, 0, &im, NSYM_ID_NATIVE), NSYM_EINVAL);
	ck_assert_int_eq(nsym_image_id(NULL, 8, &im, NSYM_ID_NATIVE), NSYM_EINVAL);
	ck_assert_int_eq(nsym_image_id(small, sizeof(small), NULL, NSYM_ID_NATIVE), NSYM_EINVAL);
}
END_TEST

START_TEST(elf_opens_through_nsym_file)
{
	nsym_object *obj = NULL;
	nsym_file *f = NULL;
	struct nsym_identity id;
	const struct nsym_image *im;
	char a[NSYM_IMAGE_ID_SIZE], b[NSYM_IMAGE_ID_SIZE];

	ck_assert_int_eq(nsym_object_open(&obj, "/proc/self/exe"), 0);
	ck_assert_int_eq(nsym_object_identity(&id, obj), 0);
	ck_assert_msg(nsym_file_open(&f, "/proc/self/exe") == 0, "%s", nsym_error_detail());
	ck_assert_int_eq(nsym_file_format(f), NSYM_FORMAT_ELF);
	ck_assert_uint_eq(nsym_file_image_count(f), 1);
	im = nsym_file_image(f, 0);
	ck_assert_ptr_nonnull(im->elf);
	ck_assert_int_eq(nsym_identity_hex(a, sizeof(a), &id), 0);
	ck_assert_int_eq(nsym_image_id(b, sizeof(b), im, NSYM_ID_NATIVE), 0);
	ck_assert_str_eq(a, b);
	ck_assert_str_eq(im->arch, "x86_64");
	ck_assert_str_eq(im->kind, "executable"); /* a PIE: ET_DYN with PT_INTERP */
	ck_assert_uint_eq(im->debug_bytes, id.debug_bytes);
	nsym_file_close(f);
	nsym_object_close(obj);
}
END_TEST

START_TEST(unknown_and_bad_paths_have_clear_errors)
{
	char *dir = test_tmpdir(), missing[4096];
	char *empty = test_write(dir, "empty", "", 0);
	char *text = test_write(dir, "text", "hello, not a binary\n", 20);
	char *pdb2 = test_write(dir, "old.pdb",
	                        "Microsoft C/C++ program database 2.00\r\n\x1aJG\0\0"
	                        "padding padding padding",
	                        68);
	char *mz = test_write(dir, "mz", "MZ", 2);
	char *java = test_write(dir, "A.class", "\xca\xfe\xba\xbe\x00\x00\x00\x34 java", 13);

	snprintf(missing, sizeof(missing), "%s/nope", dir);
	open_fails(missing, NSYM_ENOENT, "nope");
	open_fails(empty, NSYM_EEMPTY, "empty");
	open_fails(text, NSYM_ENOTELF, "not an ELF, Mach-O, PE or PDB file");
	open_fails(pdb2, NSYM_EUNSUPPORTED, "2.0");
	open_fails(mz, NSYM_ETRUNC, "DOS header is truncated");
	open_fails(java, NSYM_ENOTELF, "Java");
	ck_assert_int_eq(nsym_file_open(NULL, text), NSYM_EINVAL);
	nsym_file_close(NULL);
	free(empty);
	free(text);
	free(pdb2);
	free(mz);
	free(java);
	test_tmpdir_remove(dir);
}
END_TEST

static Suite *foreign_suite(void)
{
	Suite *s = suite_create("foreign");
	TEST_ADD(s, macho_thin_identities_match_llvm);
	TEST_ADD(s, macho_fat_has_one_image_per_arch);
	TEST_ADD(s, macho_fat64_header_is_read);
	TEST_ADD(s, macho_both_byte_orders_and_sizes_are_read);
	TEST_ADD(s, dsym_bundle_opens_its_dwarf_file);
	TEST_ADD(s, dsym_bundle_errors_are_clear);
	TEST_ADD(s, pe_identities_match_llvm);
	TEST_ADD(s, pdb_identities_match_llvm);
	TEST_ADD(s, pdb_age_comes_from_dbi_stream);
	TEST_ADD(s, debug_id_forms);
	TEST_ADD(s, elf_opens_through_nsym_file);
	TEST_ADD(s, unknown_and_bad_paths_have_clear_errors);
	return s;
}

int main(void)
{
	return test_run(foreign_suite());
}
