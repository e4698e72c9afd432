/*
 * Compressed ELF sections read as streams (see section_inflate.h). The
 * compression header is decoded from the file's bytes by hand, in the
 * file's class and byte order, rather than through libelf, whose
 * elf_compress inflates the whole section into one allocation of the
 * size the header claims, and which cannot read zstd at all (0.188).
 */
#include <gelf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "napi_symbols.h"
#include "section_inflate.h"

#ifndef ELFCOMPRESS_ZSTD
#define ELFCOMPRESS_ZSTD 2
#endif

/* Compressed bytes read from the file at a time. */
#define IN_CHUNK (64 * 1024)
/* Deflate's best: a 258-byte match for every 2 bits. */
#define ZLIB_MAX_RATIO 1032
/* The longest zstd frame header (ZSTD_FRAMEHEADERSIZE_MAX, which zstd.h
 * declares only for static linking). */
#define ZSTD_HEADER_MAX 18

/* ---- the compression header ------------------------------------------------------ */

static uint64_t get(const unsigned char *p, size_t n, bool big_endian)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p[big_endian ? n - 1 - i : i] << (8 * i);
	return v;
}

static int read_at(int fd, void *buf, size_t size, uint64_t offset)
{
	size_t done = 0;

	while (done < size) {
		ssize_t n = pread(fd, (char *)buf + done, size - done, (off_t)(offset + done));
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

/* Whether the stream's first bytes can start one of its type. */
static int check_stream_start(const struct nsym_compressed *c, const unsigned char *start, size_t n,
                              const char **why)
{
	if (c->type == ELFCOMPRESS_ZLIB) {
		/* RFC 1950: deflate, a window of at most 32 KB, no preset
		 * dictionary, and a check that makes the pair a multiple of 31 */
		if (n < 2 || (start[0] & 0x0f) != 8 || (start[0] >> 4) > 7 || (start[1] & 0x20) ||
		    ((start[0] << 8) | start[1]) % 31 != 0) {
			*why = "its zlib stream has no valid header";
			return NSYM_ETRUNC;
		}
		if (c->length <= UINT64_MAX / ZLIB_MAX_RATIO &&
		    c->size > c->length * ZLIB_MAX_RATIO) {
			*why = "it claims more bytes than its zlib stream can hold";
			return NSYM_ETRUNC;
		}
		return 0;
	}
	unsigned long long frame = ZSTD_getFrameContentSize(start, n);
	if (frame == ZSTD_CONTENTSIZE_ERROR) {
		*why = "its zstd stream has no valid frame header";
		return NSYM_ETRUNC;
	}
	if (frame != ZSTD_CONTENTSIZE_UNKNOWN && frame > c->size) {
		*why = "its zstd frame holds more bytes than the section claims";
		return NSYM_ETRUNC;
	}
	return 0;
}

int nsym_compressed_read(struct nsym_compressed *out, const char **out_why, int fd,
                         uint64_t file_size, const unsigned char *ident, uint64_t sh_offset,
                         uint64_t sh_size)
{
	bool wide = ident[EI_CLASS] == ELFCLASS64, big = ident[EI_DATA] == ELFDATA2MSB;
	/* Elf64_Chdr: type, reserved, size, addralign; Elf32_Chdr: type, size,
	 * addralign */
	size_t hdr = wide ? 24 : 12, field = wide ? 8 : 4;
	unsigned char buf[24 + ZSTD_HEADER_MAX];
	size_t n;

	memset(out, 0, sizeof(*out));
	*out_why = "";
	if (sh_offset > file_size || sh_size > file_size - sh_offset) {
		*out_why = "it lies past the end of the file";
		return NSYM_ETRUNC;
	}
	if (sh_size < hdr) {
		*out_why = "it is too short for its compression header";
		return NSYM_ETRUNC;
	}
	n = sh_size - hdr < ZSTD_HEADER_MAX ? (size_t)(sh_size - hdr) : ZSTD_HEADER_MAX;
	if (read_at(fd, buf, hdr + n, sh_offset) != 0) {
		*out_why = "the file cannot be read";
		return NSYM_EIO;
	}
	out->type = (uint32_t)get(buf, 4, big);
	out->size = get(buf + (wide ? 8 : 4), field, big);
	out->offset = sh_offset + hdr;
	out->length = sh_size - hdr;
	if (out->type != ELFCOMPRESS_ZLIB && out->type != ELFCOMPRESS_ZSTD) {
		*out_why = "it uses a compression type other than zlib and zstd";
		return NSYM_EUNSUPPORTED;
	}
	return check_stream_start(out, buf + hdr, n, out_why);
}

/* ---- the stream ------------------------------------------------------------------- */

struct nsym_inflater {
	int fd;
	struct nsym_compressed c;
	uint64_t next;     /* file offset of the next compressed byte to read */
	unsigned char *in; /* IN_CHUNK bytes; [in_pos, in_len) not yet inflated */
	size_t in_pos, in_len;
	bool started, ended;
	int failed; /* the first error, returned again by every later read */
	z_stream zs;
	ZSTD_DCtx *zd;
	char error[160];
};

int nsym_inflater_open(struct nsym_inflater **out, int fd, const struct nsym_compressed *c)
{
	struct nsym_inflater *z = calloc(1, sizeof(*z));

	*out = NULL;
	if (z == NULL)
		return NSYM_ENOMEM;
	z->fd = fd;
	z->c = *c;
	z->next = c->offset;
	*out = z;
	return 0;
}

static int fail(struct nsym_inflater *z, int code, const char *what, const char *detail)
{
	snprintf(z->error, sizeof(z->error), "%s%s%s", what, detail != NULL ? ": " : "",
	         detail != NULL ? detail : "");
	return code;
}

static int start(struct nsym_inflater *z)
{
	z->in = malloc(IN_CHUNK);
	if (z->in == NULL)
		return fail(z, NSYM_ENOMEM, "out of memory", NULL);
	if (z->c.type == ELFCOMPRESS_ZLIB) {
		if (inflateInit(&z->zs) != Z_OK)
			return fail(z, NSYM_ENOMEM, "cannot start zlib", z->zs.msg);
	} else {
		z->zd = ZSTD_createDCtx();
		if (z->zd == NULL || ZSTD_isError(ZSTD_DCtx_setParameter(z->zd, ZSTD_d_windowLogMax,
		                                                         NSYM_ZSTD_WINDOW_LOG_MAX)))
			return fail(z, NSYM_ENOMEM, "cannot start zstd", "out of memory");
	}
	z->started = true;
	return 0;
}

/* Refills the input when it is used up; 0, or NSYM_EIO. */
static int refill(struct nsym_inflater *z)
{
	uint64_t left = z->c.offset + z->c.length - z->next;
	size_t want = left < IN_CHUNK ? (size_t)left : IN_CHUNK;

	if (z->in_pos < z->in_len || want == 0)
		return 0;
	if (read_at(z->fd, z->in, want, z->next) != 0)
		return fail(z, NSYM_EIO, "cannot read the compressed bytes", NULL);
	z->next += want;
	z->in_pos = 0;
	z->in_len = want;
	return 0;
}

static bool input_used_up(const struct nsym_inflater *z)
{
	return z->in_pos == z->in_len && z->next == z->c.offset + z->c.length;
}

/* One step of zlib: *made bytes into buf. */
static int step_zlib(struct nsym_inflater *z, void *buf, size_t size, size_t *made)
{
	int ret;

	z->zs.next_in = z->in + z->in_pos;
	z->zs.avail_in = (uInt)(z->in_len - z->in_pos);
	z->zs.next_out = buf;
	z->zs.avail_out = size < UINT32_MAX ? (uInt)size : UINT32_MAX;
	ret = inflate(&z->zs, Z_NO_FLUSH);
	*made = (size < UINT32_MAX ? size : UINT32_MAX) - z->zs.avail_out;
	z->in_pos = z->in_len - z->zs.avail_in;
	if (ret == Z_STREAM_END) {
		z->ended = true; /* bytes after the stream's end are not read */
		return 0;
	}
	if (ret == Z_OK || (ret == Z_BUF_ERROR && !input_used_up(z)))
		return 0;
	if (ret == Z_BUF_ERROR)
		return fail(z, NSYM_ETRUNC, "the zlib stream is cut short", NULL);
	if (ret == Z_MEM_ERROR)
		return fail(z, NSYM_ENOMEM, "out of memory", NULL);
	return fail(z, NSYM_ETRUNC, "the zlib stream is corrupt", z->zs.msg);
}

/* One step of zstd, which also reads frames that follow one another. */
static int step_zstd(struct nsym_inflater *z, void *buf, size_t size, size_t *made)
{
	ZSTD_inBuffer in = {z->in, z->in_len, z->in_pos};
	ZSTD_outBuffer out = {buf, size, 0};
	size_t ret = ZSTD_decompressStream(z->zd, &out, &in);

	*made = out.pos;
	z->in_pos = in.pos;
	if (ZSTD_isError(ret))
		return fail(z, NSYM_ETRUNC, "the zstd stream cannot be inflated",
		            ZSTD_getErrorName(ret));
	if (ret == 0 && input_used_up(z)) /* a frame ended, and nothing follows */
		z->ended = true;
	else if (ret != 0 && out.pos < size && input_used_up(z))
		return fail(z, NSYM_ETRUNC, "the zstd stream is cut short", NULL);
	return 0;
}

int nsym_inflater_read(struct nsym_inflater *z, void *buf, size_t size, size_t *out_n)
{
	size_t made = 0;
	int rc = 0;

	*out_n = 0;
	if (z->failed != 0)
		return z->failed;
	if (!z->started && (rc = start(z)) != 0)
		return z->failed = rc;
	/* a step may consume input and make nothing (headers, a block that
	 * ends where the buffer does): go on until it makes some or ends */
	while (made == 0 && !z->ended && rc == 0) {
		rc = refill(z);
		if (rc == 0)
			rc = z->c.type == ELFCOMPRESS_ZLIB ? step_zlib(z, buf, size, &made)
			                                   : step_zstd(z, buf, size, &made);
	}
	/* bytes made before an error are handed out; the error comes next */
	z->failed = rc;
	*out_n = made;
	return made > 0 ? 0 : rc;
}

const char *nsym_inflater_error(const struct nsym_inflater *z)
{
	return z->error;
}

void nsym_inflater_close(struct nsym_inflater *z)
{
	if (z == NULL)
		return;
	if (z->started && z->c.type == ELFCOMPRESS_ZLIB)
		inflateEnd(&z->zs);
	ZSTD_freeDCtx(z->zd);
	free(z->in);
	free(z);
}
