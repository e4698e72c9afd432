/*
 * What the foreign-format unit tests (test_foreign.c, test_foreign_hostile.c)
 * share: the fixtures of tests/fixtures/foreign/build.sh and the facts its
 * expected.txt records about them, an open that must fail, byte-order
 * writers, and builders of crafted inputs (a tiny Mach-O in any byte order
 * and size, an MSF file and a PDB on it). Static inline, so each test
 * program takes only what it uses and needs no extra source to link.
 */
#ifndef NSYM_FOREIGN_BUILD_H
#define NSYM_FOREIGN_BUILD_H

#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "napi_symbols.h"
#include "test_util.h"

#ifndef NSYM_FOREIGN_DIR
#error "NSYM_FOREIGN_DIR must name the folder foreign/build.sh writes"
#endif

/* ---- expected.txt ------------------------------------------------------ */

struct fact {
	char file[128], index[8], key[32], value[512];
};

static struct fact *facts;
static size_t nfacts;

static inline void load_facts(void)
{
	FILE *f;
	char line[1024];

	if (facts != NULL)
		return;
	f = fopen(NSYM_FOREIGN_DIR "/expected.txt", "r");
	ck_assert_msg(f != NULL, "no %s/expected.txt: build the foreign_fixtures target",
	              NSYM_FOREIGN_DIR);
	facts = calloc(1024, sizeof(*facts));
	while (fgets(line, sizeof(line), f) != NULL && nfacts < 1024) {
		struct fact *x = &facts[nfacts];
		int used = 0;
		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "%127s %7s %31s %n", x->file, x->index, x->key, &used) == 3) {
			snprintf(x->value, sizeof(x->value), "%s", line + used);
			nfacts++;
		}
	}
	fclose(f);
	ck_assert_uint_gt(nfacts, 50);
}

/* The tools' answer for a file, image ("-" for the file) and key, or NULL. */
static inline const char *fact(const char *file, const char *index, const char *key)
{
	load_facts();
	for (size_t i = 0; i < nfacts; i++) {
		if (strcmp(facts[i].file, file) == 0 && strcmp(facts[i].index, index) == 0 &&
		    strcmp(facts[i].key, key) == 0)
			return facts[i].value;
	}
	return NULL;
}

/* ---- fixtures ---------------------------------------------------------- */

static inline char *fixture(const char *rel)
{
	char *p = malloc(4096);
	snprintf(p, 4096, "%s/%s", NSYM_FOREIGN_DIR, rel);
	return p;
}

static inline unsigned char *read_fixture(const char *rel, size_t *size)
{
	char *path = fixture(rel);
	unsigned char *b = test_read(path, size);
	ck_assert_msg(b != NULL, "cannot read %s", path);
	free(path);
	return b;
}

/* Opens a file that must fail with `code` and a detail holding `word`. */
static inline void open_fails(const char *path, int code, const char *word)
{
	nsym_file *f = NULL;
	int rc = nsym_file_open(&f, path);
	ck_assert_msg(rc == code, "%s: got %d (%s), want %d", path, rc,
	              rc != 0 ? nsym_error_detail() : "opened", code);
	ck_assert_ptr_null(f);
	ck_assert_msg(strstr(nsym_error_detail(), word) != NULL, "detail '%s' lacks '%s'",
	              nsym_error_detail(), word);
}

/* ---- byte order -------------------------------------------------------- */

static inline uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

static inline void put_be64(unsigned char *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

static inline void put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v, p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16), p[3] = (unsigned char)(v >> 24);
}

static inline uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void put32(unsigned char *p, uint32_t v, bool big)
{
	if (big)
		put_be32(p, v);
	else
		put_le32(p, v);
}

/* A pointer-sized field: a u64 holds a small value in its low word. */
static inline void put_word(unsigned char *p, uint32_t v, bool big, bool is64)
{
	put32(p + (is64 && big ? 4 : 0), v, big);
}

/* ---- a tiny Mach-O ------------------------------------------------------ */

/* A minimal Mach-O in either byte order and either size: header, LC_UUID
 * (a0 a1 .. af), one __DWARF segment with one __debug_info section of 16
 * bytes at offset 512. */
static inline size_t tiny_macho(unsigned char *b, bool big, bool is64)
{
	size_t hdr = is64 ? 32 : 28, seg_size = is64 ? 72 : 56, sect_size = is64 ? 80 : 68;
	size_t w = is64 ? 8 : 4;
	unsigned char *seg = b + hdr + 24, *sect = seg + seg_size;

	memset(b, 0, 1024);
	put32(b, is64 ? 0xfeedfacf : 0xfeedface, big);
	put32(b + 4, is64 ? 0x01000012 : 18, big); /* ppc64 / ppc */
	put32(b + 12, 8, big);                     /* MH_BUNDLE */
	put32(b + 16, 2, big);
	put32(b + 20, (uint32_t)(24 + seg_size + sect_size), big);
	put32(b + hdr, 0x1b, big); /* LC_UUID */
	put32(b + hdr + 4, 24, big);
	for (int i = 0; i < 16; i++)
		b[hdr + 8 + i] = (unsigned char)(0xa0 + i);
	put32(seg, is64 ? 0x19 : 0x1, big); /* LC_SEGMENT_64 / LC_SEGMENT */
	put32(seg + 4, (uint32_t)(seg_size + sect_size), big);
	memcpy(seg + 8, "__DWARF", 7);
	put_word(seg + 24 + 2 * w, 512, big, is64); /* fileoff */
	put_word(seg + 24 + 3 * w, 16, big, is64);  /* filesize */
	put32(seg + 24 + 4 * w + 8, 1, big);        /* nsects */
	memcpy(sect, "__debug_info", 12);
	memcpy(sect + 16, "__DWARF", 7);
	put_word(sect + 32 + w, 16, big, is64); /* size */
	put32(sect + 32 + 2 * w, 512, big);     /* offset */
	return 1024;
}

/* ---- a small MSF writer for crafted PDBs ------------------------------- */

#define MSF_BLOCK 512

struct msf_stream {
	const unsigned char *data;
	uint32_t size;
};

/*
 * Lays out an MSF 7.0 file in 512-byte blocks: superblock (block 0), free
 * block maps (1, 2), block map (3), directory (from 4), then the streams.
 */
static inline unsigned char *build_msf(size_t *out_size, const struct msf_stream *s, uint32_t n)
{
	uint32_t dir_words = 1 + n, nblocks, dir_blocks, next;
	uint32_t *dir;
	unsigned char *b;

	for (uint32_t i = 0; i < n; i++)
		dir_words += (s[i].size + MSF_BLOCK - 1) / MSF_BLOCK;
	dir_blocks = (4 * dir_words + MSF_BLOCK - 1) / MSF_BLOCK;
	nblocks = 4 + dir_blocks;
	for (uint32_t i = 0; i < n; i++)
		nblocks += (s[i].size + MSF_BLOCK - 1) / MSF_BLOCK;
	b = calloc(nblocks, MSF_BLOCK);
	memcpy(b,
	       "Microsoft C/C++ MSF 7.00\r\n\x1a"
	       "DS\0\0\0",
	       32);
	put_le32(b + 32, MSF_BLOCK);
	put_le32(b + 36, 1);
	put_le32(b + 40, nblocks);
	put_le32(b + 44, 4 * dir_words);
	put_le32(b + 52, 3);
	for (uint32_t i = 0; i < dir_blocks; i++)
		put_le32(b + 3 * MSF_BLOCK + 4 * i, 4 + i);
	dir = calloc(dir_words, 4);
	dir[0] = n;
	next = 4 + dir_blocks;
	{
		uint32_t w = 1 + n;
		for (uint32_t i = 0; i < n; i++) {
			dir[1 + i] = s[i].size;
			for (uint32_t k = 0; k < (s[i].size + MSF_BLOCK - 1) / MSF_BLOCK; k++) {
				uint32_t take = s[i].size - k * MSF_BLOCK;
				if (take > MSF_BLOCK)
					take = MSF_BLOCK;
				memcpy(b + (size_t)next * MSF_BLOCK, s[i].data + k * MSF_BLOCK,
				       take);
				dir[w++] = next++;
			}
		}
	}
	for (uint32_t i = 0; i < dir_words; i++)
		put_le32(b + 4 * MSF_BLOCK + 4 * i, dir[i]);
	free(dir);
	*out_size = (size_t)nblocks * MSF_BLOCK;
	return b;
}

/* A PDB with an info stream (age 3, spanning two blocks) and, when `dbi`,
 * a DBI stream (age 2, machine arm64). */
static inline unsigned char *crafted_pdb(size_t *size, bool dbi)
{
	static unsigned char info[700], dbi_header[64];
	struct msf_stream s[4] = {{NULL, 0}, {info, sizeof(info)}, {NULL, 0}, {dbi_header, 64}};

	memset(info, 0, sizeof(info));
	put_le32(info, 20000404);
	put_le32(info + 4, 0x12345678);
	put_le32(info + 8, 3);
	for (int i = 0; i < 16; i++)
		info[12 + i] = (unsigned char)(0x10 + i);
	memset(dbi_header, 0, sizeof(dbi_header));
	put_le32(dbi_header, 0xffffffff);
	put_le32(dbi_header + 4, 19990903);
	put_le32(dbi_header + 8, 2);
	dbi_header[58] = 0x64, dbi_header[59] = 0xaa;
	return build_msf(size, s, dbi ? 4 : 2);
}

#endif
