/*
 * The small encodings of the symcache format (symcache.h), shared by its
 * writer and its reader: unsigned LEB128 varints, zigzag for signed
 * deltas, and fields of packed tables. Reading is bounded: a varint that
 * runs off its buffer or past 64 bits says so instead of reading on.
 * Little-endian hosts only: the writer and the reader both check.
 */
#ifndef NSYM_SYMCACHE_CODEC_H
#define NSYM_SYMCACHE_CODEC_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "symcache.h"

/* Reads a uvarint at *p (before end) and advances; false when it does not
 * end in time or does not fit 64 bits. */
static inline bool nsym__sc_uvarint(uint64_t *out, const uint8_t **p, const uint8_t *end)
{
	uint64_t v = 0;

	for (unsigned shift = 0; *p < end && shift < 64; shift += 7) {
		uint8_t b = *(*p)++;
		if (shift == 63 && b > 1)
			return false;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (b < 0x80) {
			*out = v;
			return true;
		}
	}
	return false;
}

static inline uint64_t nsym__sc_zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t nsym__sc_unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* Bits needed for v: at least 1. */
static inline unsigned nsym__sc_bits(uint64_t v)
{
	return v == 0 ? 1 : 64u - (unsigned)__builtin_clzll(v);
}

/* A packed table's fields as a reader uses them. */
struct nsym_sc_packed {
	const uint8_t *p;
	uint64_t count;
	uint32_t bits; /* per record */
	uint8_t shift[NSYM_SC_MAX_FIELDS];
	uint32_t mask[NSYM_SC_MAX_FIELDS];
};

/* Sets up t from its descriptor; false when a width is over 32 bits or the
 * records (with the 8 bytes of padding) need more than d->size. */
static inline bool nsym__sc_packed_init(struct nsym_sc_packed *t, const struct nsym_sc_table *d,
                                        const uint8_t *file)
{
	uint32_t bits = 0;

	memset(t, 0, sizeof(*t));
	for (unsigned f = 0; f < NSYM_SC_MAX_FIELDS; f++) {
		if (d->width[f] > 32)
			return false;
		t->shift[f] = (uint8_t)bits;
		t->mask[f] = d->width[f] == 32 ? UINT32_MAX : (UINT32_C(1) << d->width[f]) - 1;
		bits += d->width[f];
	}
	if (bits == 0 || d->count > (UINT64_MAX - 64) / bits ||
	    (d->count * bits + 7) / 8 + 8 > d->size)
		return false;
	t->p = file + d->off;
	t->count = d->count;
	t->bits = bits;
	return true;
}

/* Byte offset, within the table, of the 8 bytes field f of record i is
 * read from. i must be below count. */
static inline uint64_t nsym__sc_field_at(const struct nsym_sc_packed *t, uint64_t i, unsigned f)
{
	return (i * t->bits + t->shift[f]) >> 3;
}

static inline uint32_t nsym__sc_field(const struct nsym_sc_packed *t, uint64_t i, unsigned f)
{
	uint64_t bit = i * t->bits + t->shift[f], v;

	memcpy(&v, t->p + (bit >> 3), 8);
	return (uint32_t)(v >> (bit & 7)) & t->mask[f];
}

#endif
