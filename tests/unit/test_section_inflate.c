/*
 * The server's compressed-section reader (section_inflate.c) on sections
 * made here: compression headers of both ELF classes and byte orders,
 * zlib and zstd streams read a byte or a chunk at a time, and each kind
 * of lie or damage told apart from the others.
 */
#include <check.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "napi_symbols.h"
#include "section_inflate.h"
#include "test_util.h"

#ifndef ELFCOMPRESS_ZSTD
#define ELFCOMPRESS_ZSTD 2
#endif

#define PLAIN_SIZE 300000

/* Text that compresses, but not to nothing. */
static unsigned char *plain(void)
{
	unsigned char *p = malloc(PLAIN_SIZE);
	uint32_t x = 12345;
	ck_assert_ptr_nonnull(p);
	for (size_t i = 0; i < PLAIN_SIZE; i++) {
		x = x * 1103515245 + 12345;
		p[i] = (unsigned char)("abcdefgh"[(x >> 16) & 7]);
	}
	return p;
}

static void put(unsigned char *p, uint64_t v, size_t n, bool big)
{
	for (size_t i = 0; i < n; i++)
		p[big ? n - 1 - i : i] = (unsigned char)(v >> (8 * i));
}

/* A section: a compression header of the class and byte order asked for,
 * then the stream; written at offset 64 of a file, as a section would be. */
struct section {
	char *dir, *path;
	int fd;
	unsigned char ident[EI_NIDENT];
	uint64_t offset, size, file_size;
};

static void make(struct section *s, bool wide, bool big, uint32_t type, uint64_t claim,
                 const void *stream, size_t len)
{
	size_t hdr = wide ? 24 : 12;
	unsigned char *file = calloc(1, 64 + hdr + len);

	ck_assert_ptr_nonnull(file);
	memset(s->ident, 0, sizeof(s->ident));
	s->ident[EI_CLASS] = wide ? ELFCLASS64 : ELFCLASS32;
	s->ident[EI_DATA] = big ? ELFDATA2MSB : ELFDATA2LSB;
	put(file + 64, type, 4, big);
	put(file + 64 + (wide ? 8 : 4), claim, wide ? 8 : 4, big);
	put(file + 64 + (wide ? 16 : 8), 1, wide ? 8 : 4, big);
	memcpy(file + 64 + hdr, stream, len);
	s->dir = test_tmpdir();
	s->path = test_write(s->dir, "section", file, 64 + hdr + len);
	s->fd = open(s->path, O_RDONLY);
	ck_assert_int_ge(s->fd, 0);
	s->offset = 64;
	s->size = hdr + len;
	s->file_size = 64 + hdr + len;
	free(file);
}

static void unmake(struct section *s)
{
	close(s->fd);
	free(s->path);
	test_tmpdir_remove(s->dir);
}

static int read_header(struct nsym_compressed *out, const struct section *s)
{
	const char *why;
	return nsym_compressed_read(out, &why, s->fd, s->file_size, s->ident, s->offset, s->size);
}

/* Inflates it all, `chunk` bytes at a time; the code of the read that
 * ended it, with *out (malloc'd) and *out_size what it made. */
static int inflate_all(unsigned char **out, size_t *out_size, const struct section *s, size_t chunk)
{
	struct nsym_compressed c;
	struct nsym_inflater *z;
	unsigned char *buf = malloc(PLAIN_SIZE * 3);
	size_t made = 0, n;
	int rc;

	ck_assert_int_eq(read_header(&c, s), 0);
	ck_assert_int_eq(nsym_inflater_open(&z, s->fd, &c), 0);
	do {
		size_t want = chunk < PLAIN_SIZE * 3 - made ? chunk : PLAIN_SIZE * 3 - made;
		rc = nsym_inflater_read(z, buf + made, want, &n);
		made += n;
	} while (rc == 0 && n > 0 && made < PLAIN_SIZE * 3);
	if (rc != 0)
		ck_assert_str_ne(nsym_inflater_error(z), "");
	nsym_inflater_close(z);
	*out = buf;
	*out_size = made;
	return rc;
}

static size_t zlib_of(unsigned char *out, size_t size, const unsigned char *in, size_t n)
{
	uLongf len = size;
	ck_assert_int_eq(compress2(out, &len, in, n, 6), Z_OK);
	return len;
}

START_TEST(headers_of_both_classes_and_byte_orders)
{
	unsigned char *p = plain(), *z = malloc(PLAIN_SIZE), *got;
	size_t zlen = zlib_of(z, PLAIN_SIZE, p, PLAIN_SIZE), got_size;

	for (int wide = 0; wide < 2; wide++) {
		for (int big = 0; big < 2; big++) {
			struct section s;
			struct nsym_compressed c;
			make(&s, wide, big, ELFCOMPRESS_ZLIB, PLAIN_SIZE, z, zlen);
			ck_assert_int_eq(read_header(&c, &s), 0);
			ck_assert_uint_eq(c.type, ELFCOMPRESS_ZLIB);
			ck_assert_uint_eq(c.size, PLAIN_SIZE);
			ck_assert_uint_eq(c.offset, 64 + (wide ? 24 : 12));
			ck_assert_uint_eq(c.length, zlen);
			/* a byte at a time, and in chunks */
			ck_assert_int_eq(inflate_all(&got, &got_size, &s, 1), 0);
			ck_assert_uint_eq(got_size, PLAIN_SIZE);
			ck_assert_mem_eq(got, p, PLAIN_SIZE);
			free(got);
			ck_assert_int_eq(inflate_all(&got, &got_size, &s, 65536), 0);
			ck_assert_uint_eq(got_size, PLAIN_SIZE);
			ck_assert_mem_eq(got, p, PLAIN_SIZE);
			free(got);
			unmake(&s);
		}
	}
	free(z);
	free(p);
}
END_TEST

START_TEST(zstd_frames_in_a_row_are_one_stream)
{
	unsigned char *p = plain(), *z = malloc(2 * ZSTD_compressBound(PLAIN_SIZE)), *got;
	size_t half = PLAIN_SIZE / 2, a = ZSTD_compress(z, ZSTD_compressBound(half), p, half, 3);
	size_t b = ZSTD_compress(z + a, ZSTD_compressBound(half), p + half, half, 19), got_size;
	struct section s;

	ck_assert(!ZSTD_isError(a) && !ZSTD_isError(b));
	make(&s, true, false, ELFCOMPRESS_ZSTD, PLAIN_SIZE, z, a + b);
	ck_assert_int_eq(inflate_all(&got, &got_size, &s, 7), 0);
	ck_assert_uint_eq(got_size, PLAIN_SIZE);
	ck_assert_mem_eq(got, p, PLAIN_SIZE);
	free(got);
	unmake(&s);
	free(z);
	free(p);
}
END_TEST

/* The header is read and refused, with nothing inflated. */
static void refused(int want, bool wide, uint32_t type, uint64_t claim, const void *stream,
                    size_t len, uint64_t cut)
{
	struct nsym_compressed c;
	const char *why = NULL;
	struct section s;

	make(&s, wide, false, type, claim, stream, len);
	s.size -= cut;
	ck_assert_int_eq(
	    nsym_compressed_read(&c, &why, s.fd, s.file_size, s.ident, s.offset, s.size), want);
	ck_assert_ptr_nonnull(why);
	ck_assert_str_ne(why, "");
	unmake(&s);
}

START_TEST(lies_and_damage_are_told_apart)
{
	unsigned char *p = plain(), *z = malloc(PLAIN_SIZE), *got;
	size_t zlen = zlib_of(z, PLAIN_SIZE, p, PLAIN_SIZE), got_size;
	size_t zs = ZSTD_compress(z + zlen, PLAIN_SIZE - zlen, p, PLAIN_SIZE, 3);
	unsigned char *zstd = z + zlen, bad[64];
	struct nsym_compressed c;
	const char *why;
	struct section s;

	ck_assert(!ZSTD_isError(zs));
	/* from the header alone */
	refused(NSYM_EUNSUPPORTED, true, 3, PLAIN_SIZE, z, zlen, 0);
	refused(NSYM_ETRUNC, true, ELFCOMPRESS_ZLIB, PLAIN_SIZE, z, zlen, zlen + 1);
	refused(NSYM_ETRUNC, false, ELFCOMPRESS_ZLIB, (uint64_t)zlen * 1033, z, zlen, 0);
	refused(NSYM_ETRUNC, true, ELFCOMPRESS_ZSTD, PLAIN_SIZE - 1, zstd, zs, 0);
	memcpy(bad, z, sizeof(bad));
	bad[1] ^= 1; /* the header check no longer divides by 31 */
	refused(NSYM_ETRUNC, true, ELFCOMPRESS_ZLIB, PLAIN_SIZE, bad, sizeof(bad), 0);
	memcpy(bad, zstd, sizeof(bad));
	bad[0] ^= 0xff; /* not zstd's magic */
	refused(NSYM_ETRUNC, true, ELFCOMPRESS_ZSTD, PLAIN_SIZE, bad, sizeof(bad), 0);
	/* a section that runs past the end of its file */
	make(&s, true, false, ELFCOMPRESS_ZLIB, PLAIN_SIZE, z, zlen);
	ck_assert_int_eq(
	    nsym_compressed_read(&c, &why, s.fd, s.file_size - 1, s.ident, s.offset, s.size),
	    NSYM_ETRUNC);
	unmake(&s);

	/* only by inflating: cut short, and the claim is the caller's to hold */
	make(&s, true, false, ELFCOMPRESS_ZLIB, PLAIN_SIZE, z, zlen - 100);
	ck_assert_int_eq(inflate_all(&got, &got_size, &s, 4096), NSYM_ETRUNC);
	free(got);
	unmake(&s);
	make(&s, true, false, ELFCOMPRESS_ZSTD, PLAIN_SIZE, zstd, zs - 100);
	ck_assert_int_eq(inflate_all(&got, &got_size, &s, 4096), NSYM_ETRUNC);
	free(got);
	unmake(&s);
	make(&s, true, false, ELFCOMPRESS_ZLIB, PLAIN_SIZE * 2, z, zlen);
	ck_assert_int_eq(inflate_all(&got, &got_size, &s, 4096), 0);
	ck_assert_uint_eq(got_size, PLAIN_SIZE);
	free(got);
	unmake(&s);
	free(z);
	free(p);
}
END_TEST

START_TEST(zstd_windows_over_the_bound_are_refused)
{
	/* A frame of unknown size declares its whole window; one of 32 MiB
	 * is more than the server inflates with, whatever the frame holds. */
	ZSTD_CCtx *cc = ZSTD_createCCtx();
	unsigned char *p = plain(), *z = malloc(ZSTD_compressBound(PLAIN_SIZE)), *got;
	ZSTD_outBuffer out = {z, ZSTD_compressBound(PLAIN_SIZE), 0};
	ZSTD_inBuffer in = {p, PLAIN_SIZE, 0};
	size_t got_size;
	struct section s;

	ck_assert(!ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_windowLog, 25)));
	ck_assert(!ZSTD_isError(ZSTD_compressStream2(cc, &out, &in, ZSTD_e_continue)));
	ck_assert_uint_eq(ZSTD_compressStream2(cc, &out, &in, ZSTD_e_end), 0);
	make(&s, true, false, ELFCOMPRESS_ZSTD, PLAIN_SIZE, z, out.pos);
	ck_assert_int_eq(inflate_all(&got, &got_size, &s, 65536), NSYM_ETRUNC);
	ck_assert_uint_eq(got_size, 0);
	free(got);
	unmake(&s);
	ZSTD_freeCCtx(cc);
	free(z);
	free(p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("section_inflate");
	TEST_ADD(s, headers_of_both_classes_and_byte_orders);
	TEST_ADD(s, zstd_frames_in_a_row_are_one_stream);
	TEST_ADD(s, lies_and_damage_are_told_apart);
	TEST_ADD(s, zstd_windows_over_the_bound_are_refused);
	return test_run(s);
}
