/*
 * The ad-hoc code signature of a Mach-O image, made anew once split has
 * changed the image. arm64 macOS runs no code without a valid signature,
 * so linkers (ld64, ld64.lld) sign their arm64 output ad hoc: an embedded
 * SuperBlob at the end of __LINKEDIT, named by LC_CODE_SIGNATURE, whose
 * CodeDirectory holds a hash of every page of the image before the
 * signature. Ad hoc means no certificate: the hashes are the whole
 * signature, so hashing the new pages signs the new image. The layout is
 * Apple's (xnu's cs_blobs.h; LLVM lld's CodeSignatureSection writes the
 * same), big-endian, each blob found through an index by slot.
 *
 * The old signature is kept as far as it can be: every blob that is not a
 * CodeDirectory (requirements, entitlements, the empty CMS wrapper of
 * codesign's ad-hoc signatures) is copied, and each CodeDirectory keeps
 * its header, identifier, team id and special slots (the hashes of those
 * blobs, which do not change) and gets a new code limit and new code
 * slots. A signature with a certificate cannot be made again without its
 * key, and is refused.
 */
#include <stdlib.h>
#include <string.h>

#include "napi_symbols_util.h"
#include "split_macho.h"

#define CSMAGIC_EMBEDDED_SIGNATURE 0xfade0cc0u
#define CSMAGIC_CODEDIRECTORY      0xfade0c02u
#define CSMAGIC_BLOBWRAPPER        0xfade0b01u
#define CSSLOT_SIGNATURESLOT       0x10000u

#define CS_ADHOC 0x2u

#define CS_HASHTYPE_SHA1             1
#define CS_HASHTYPE_SHA256           2
#define CS_HASHTYPE_SHA256_TRUNCATED 3

/* CodeDirectory fields, by offset; the later ones exist from the version
 * named. */
#define CD_LENGTH        4
#define CD_VERSION       8
#define CD_FLAGS         12
#define CD_HASH_OFFSET   16
#define CD_IDENT_OFFSET  20
#define CD_N_SPECIAL     24
#define CD_N_CODE        28
#define CD_CODE_LIMIT    32
#define CD_HASH_SIZE     36
#define CD_HASH_TYPE     37
#define CD_PAGE_SIZE     39
#define CD_BASE_SIZE     44 /* the fields every version has */
#define CD_SCATTER       44 /* 0x20100 */
#define CD_TEAM_OFFSET   48 /* 0x20200 */
#define CD_CODE_LIMIT_64 56 /* 0x20300 */

#define SUPPORTS_SCATTER     0x20100u
#define SUPPORTS_TEAMID      0x20200u
#define SUPPORTS_CODELIMIT64 0x20300u

/* Pages from 512 bytes to 64 KiB: what signers write (4 KiB) and beyond. */
#define PAGE_SHIFT_MIN 9
#define PAGE_SHIFT_MAX 16

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const unsigned char *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static int damaged(const char *path, const char *where, const char *what)
{
	return nsym__fail(NSYM_ETRUNC, path, "%sthe code signature is damaged: %s", where, what);
}

/* Reads one CodeDirectory and checks that its code slots can be made. */
static int plan_directory(struct nsym_cs_blob *b, const unsigned char *cd, const char *path,
                          const char *where)
{
	uint32_t version, nspecial, ncode, ident, team = 0;
	uint64_t special_at, code_end;

	if (b->size < CD_BASE_SIZE)
		return damaged(path, where, "a CodeDirectory is truncated");
	version = be32(cd + CD_VERSION);
	b->hash_offset = be32(cd + CD_HASH_OFFSET);
	ident = be32(cd + CD_IDENT_OFFSET);
	nspecial = be32(cd + CD_N_SPECIAL);
	ncode = be32(cd + CD_N_CODE);
	b->hash_size = cd[CD_HASH_SIZE];
	b->hash_type = cd[CD_HASH_TYPE];
	b->page_shift = cd[CD_PAGE_SIZE];
	if ((version >= SUPPORTS_SCATTER && b->size >= CD_SCATTER + 4 &&
	     be32(cd + CD_SCATTER) != 0) ||
	    (version >= SUPPORTS_CODELIMIT64 && b->size >= CD_CODE_LIMIT_64 + 8 &&
	     be64(cd + CD_CODE_LIMIT_64) != 0))
		return nsym__fail(NSYM_EUNSUPPORTED, path,
		                  "%sthe code signature uses scatter lists or a 64-bit code limit, "
		                  "which split does not make again",
		                  where);
	if (version >= SUPPORTS_TEAMID && b->size >= CD_TEAM_OFFSET + 4)
		team = be32(cd + CD_TEAM_OFFSET);
	if (!((b->hash_type == CS_HASHTYPE_SHA1 && b->hash_size == 20) ||
	      (b->hash_type == CS_HASHTYPE_SHA256 && b->hash_size == 32) ||
	      (b->hash_type == CS_HASHTYPE_SHA256_TRUNCATED && b->hash_size == 20)))
		return nsym__fail(NSYM_EUNSUPPORTED, path,
		                  "%sthe code signature hashes pages with hash type %u (%u bytes); "
		                  "split makes SHA-1 and SHA-256 ones",
		                  where, b->hash_type, b->hash_size);
	if (b->page_shift < PAGE_SHIFT_MIN || b->page_shift > PAGE_SHIFT_MAX)
		return nsym__fail(NSYM_EUNSUPPORTED, path,
		                  "%sthe code signature hashes pages of 2^%u bytes", where,
		                  b->page_shift);
	special_at = b->hash_offset - (uint64_t)nspecial * b->hash_size;
	code_end = b->hash_offset + (uint64_t)ncode * b->hash_size;
	/* what is kept must all come before the code slots, and nothing after
	 * them, for new slots to replace the old without moving anything */
	if ((uint64_t)nspecial * b->hash_size > b->hash_offset || b->hash_offset < CD_BASE_SIZE ||
	    code_end != b->size || ident >= special_at || team >= special_at)
		return nsym__fail(NSYM_EUNSUPPORTED, path,
		                  "%sthe CodeDirectory is not laid out as signers write it "
		                  "(header, identifier, special slots, code slots)",
		                  where);
	b->directory = true;
	return 0;
}

static int by_offset(const void *a, const void *b)
{
	const struct nsym_cs_blob *x = a, *y = b;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

int nsym__cs_plan(struct nsym_cs_plan *out, const unsigned char *sig, size_t size, const char *path,
                  const char *where)
{
	uint32_t length, count, table_end;
	bool adhoc = true;

	memset(out, 0, sizeof(*out));
	if (size < 12 || be32(sig) != CSMAGIC_EMBEDDED_SIGNATURE)
		return damaged(path, where, "no embedded signature where LC_CODE_SIGNATURE points");
	length = be32(sig + 4);
	count = be32(sig + 8);
	if (length > size || length < 12)
		return damaged(path, where, "its length runs past LC_CODE_SIGNATURE's data");
	if (count == 0 || count > NSYM_CS_BLOBS_MAX || 12 + 8 * (uint64_t)count > length)
		return damaged(path, where, "its blob index does not fit");
	table_end = 12 + 8 * count;
	out->old = sig;
	out->old_size = length;
	out->count = count;
	for (uint32_t i = 0; i < count; i++) {
		struct nsym_cs_blob *b = &out->blobs[i];
		uint32_t magic;
		int rc;

		b->type = be32(sig + 12 + 8 * i);
		b->offset = be32(sig + 16 + 8 * i);
		b->index = i;
		if (b->offset < table_end || b->offset > length - 8 ||
		    (b->size = be32(sig + b->offset + 4)) < 8 || b->size > length - b->offset)
			return damaged(path, where, "a blob lies outside it");
		magic = be32(sig + b->offset);
		if (b->type == CSSLOT_SIGNATURESLOT && magic == CSMAGIC_BLOBWRAPPER && b->size > 8)
			return nsym__fail(
			    NSYM_EUNSUPPORTED, path,
			    "%sis signed with a certificate, which split cannot sign "
			    "again: split before signing, then sign the stripped file "
			    "(codesign)",
			    where);
		if (magic != CSMAGIC_CODEDIRECTORY)
			continue;
		rc = plan_directory(b, sig + b->offset, path, where);
		if (rc != 0)
			return rc;
		adhoc &= (be32(sig + b->offset + CD_FLAGS) & CS_ADHOC) != 0;
	}
	qsort(out->blobs, count, sizeof(*out->blobs), by_offset);
	for (uint32_t i = 1; i < count; i++) {
		if (out->blobs[i].offset < out->blobs[i - 1].offset + out->blobs[i - 1].size)
			return damaged(path, where, "two blobs overlap");
	}
	if (!adhoc)
		return nsym__fail(NSYM_EUNSUPPORTED, path,
		                  "%sthe code signature is not ad hoc, and split cannot sign it "
		                  "again: split before signing, then sign the stripped file "
		                  "(codesign)",
		                  where);
	return 0;
}

static uint64_t code_slots(const struct nsym_cs_blob *b, uint64_t code_limit)
{
	uint64_t page = (uint64_t)1 << b->page_shift;
	return (code_limit + page - 1) / page;
}

static uint64_t new_size(const struct nsym_cs_blob *b, uint64_t code_limit)
{
	return b->directory ? b->hash_offset + code_slots(b, code_limit) * b->hash_size : b->size;
}

/* The new SuperBlob's length, before padding. */
static uint64_t blob_length(const struct nsym_cs_plan *p, uint64_t code_limit)
{
	uint64_t length = p->old_size;

	for (uint32_t i = 0; i < p->count; i++)
		length = length - p->blobs[i].size + new_size(&p->blobs[i], code_limit);
	return length;
}

uint64_t nsym__cs_size(const struct nsym_cs_plan *p, uint64_t code_limit)
{
	return (blob_length(p, code_limit) + 15) / 16 * 16;
}

/* Feeds bytes [lo, hi) of the code's parts to h. */
static int hash_range(nsym_hash *h, const struct nsym_cs_code *code, uint64_t lo, uint64_t hi)
{
	uint64_t at = 0;
	int rc = 0;

	for (int i = 0; i < 3 && rc == 0 && at < hi; i++) {
		uint64_t end = at + code->size[i];
		if (end > lo && code->size[i] > 0) {
			uint64_t a = lo > at ? lo : at, b = hi < end ? hi : end;
			rc = nsym_hash_update(h, code->part[i] + (a - at), b - a);
		}
		at = end;
	}
	return rc;
}

/* The code slots of one CodeDirectory: one hash per page. */
static int write_slots(unsigned char *out, const struct nsym_cs_blob *b,
                       const struct nsym_cs_code *code, uint64_t code_limit)
{
	uint64_t page = (uint64_t)1 << b->page_shift, n = code_slots(b, code_limit);
	unsigned char digest[NSYM_HASH_MAX_SIZE];
	nsym_hash *h = NULL;
	int rc =
	    nsym_hash_new(&h, b->hash_type == CS_HASHTYPE_SHA1 ? NSYM_HASH_SHA1 : NSYM_HASH_SHA256);

	for (uint64_t i = 0; i < n && rc == 0; i++) {
		uint64_t hi = (i + 1) * page < code_limit ? (i + 1) * page : code_limit;
		rc = hash_range(h, code, i * page, hi);
		if (rc == 0)
			rc = nsym_hash_final(digest, h);
		if (rc == 0)
			rc = nsym_hash_reset(h);
		/* SHA-256 truncated keeps the first 20 bytes */
		memcpy(out + i * b->hash_size, digest, b->hash_size);
	}
	nsym_hash_free(h);
	return rc;
}

int nsym__cs_write(unsigned char *out, const struct nsym_cs_plan *p,
                   const struct nsym_cs_code *code, uint64_t code_limit, const char *path)
{
	uint64_t at = 12 + 8 * (uint64_t)p->count; /* in the old SuperBlob */
	int64_t shift = 0;                         /* new offset minus old, so far */

	if (code_limit > UINT32_MAX)
		return nsym__fail(NSYM_EUNSUPPORTED, path,
		                  "an image of 4 GiB or more cannot be signed with 32-bit limits");
	put_be32(out, CSMAGIC_EMBEDDED_SIGNATURE);
	put_be32(out + 4, (uint32_t)blob_length(p, code_limit));
	put_be32(out + 8, p->count);
	for (uint32_t i = 0; i < p->count; i++) {
		const struct nsym_cs_blob *b = &p->blobs[i];
		uint64_t size = new_size(b, code_limit);
		uint64_t new_offset = (uint64_t)((int64_t)b->offset + shift);
		unsigned char *blob = out + new_offset;

		/* padding before the blob stays as it was */
		memcpy(out + (uint64_t)((int64_t)at + shift), p->old + at, b->offset - at);
		put_be32(out + 12 + 8 * b->index, b->type);
		put_be32(out + 16 + 8 * b->index, (uint32_t)new_offset);
		if (!b->directory) {
			memcpy(blob, p->old + b->offset, b->size);
		} else {
			memcpy(blob, p->old + b->offset, b->hash_offset);
			put_be32(blob + CD_LENGTH, (uint32_t)size);
			put_be32(blob + CD_N_CODE, (uint32_t)code_slots(b, code_limit));
			put_be32(blob + CD_CODE_LIMIT, (uint32_t)code_limit);
			if (write_slots(blob + b->hash_offset, b, code, code_limit) != 0)
				return nsym__fail(NSYM_ENOMEM, path,
				                  "out of memory hashing the code signature");
		}
		at = b->offset + b->size;
		shift += (int64_t)size - (int64_t)b->size;
	}
	memcpy(out + (uint64_t)((int64_t)at + shift), p->old + at, p->old_size - at);
	return 0;
}
