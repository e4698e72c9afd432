/*
 * A bounded cursor over DWARF bytes, after libbacktrace's dwarf_buf: every
 * read checks the end, and the first overrun sets `bad` and makes all later
 * reads return 0, so callers check once at a convenient point.
 */
#ifndef NSYM_DWARF_BUF_H
#define NSYM_DWARF_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nsym_buf {
	const unsigned char *p, *end;
	bool big_endian;
	bool bad;
};

static inline bool nsym_buf_need(struct nsym_buf *b, size_t n)
{
	if (b->bad || (size_t)(b->end - b->p) < n) {
		b->bad = true;
		b->p = b->end;
		return false;
	}
	return true;
}

/* An unsigned value of n bytes; sizes come from the file (address_size), so
 * one that does not fit a uint64_t is an overrun too. */
static inline uint64_t nsym_buf_uint(struct nsym_buf *b, int n)
{
	uint64_t v = 0;
	if (n < 0 || n > 8) {
		b->bad = true;
		b->p = b->end;
		return 0;
	}
	if (!nsym_buf_need(b, (size_t)n))
		return 0;
	for (int i = 0; i < n; i++)
		v |= (uint64_t)b->p[b->big_endian ? n - 1 - i : i] << (8 * i);
	b->p += n;
	return v;
}

static inline uint8_t nsym_buf_u8(struct nsym_buf *b)
{
	return (uint8_t)nsym_buf_uint(b, 1);
}

static inline uint64_t nsym_buf_uleb(struct nsym_buf *b)
{
	uint64_t v = 0;
	for (int shift = 0;; shift += 7) {
		if (!nsym_buf_need(b, 1))
			return 0;
		uint8_t byte = *b->p++;
		if (shift < 64)
			v |= (uint64_t)(byte & 0x7f) << shift;
		if (!(byte & 0x80))
			return v;
	}
}

static inline int64_t nsym_buf_sleb(struct nsym_buf *b)
{
	uint64_t v = 0;
	int shift = 0;
	uint8_t byte;
	do {
		if (!nsym_buf_need(b, 1))
			return 0;
		byte = *b->p++;
		if (shift < 64)
			v |= (uint64_t)(byte & 0x7f) << shift;
		shift += 7;
	} while (byte & 0x80);
	if (shift < 64 && (byte & 0x40))
		v |= ~(uint64_t)0 << shift;
	return (int64_t)v;
}

static inline void nsym_buf_skip(struct nsym_buf *b, uint64_t n)
{
	if (nsym_buf_need(b, n > SIZE_MAX ? SIZE_MAX : (size_t)n))
		b->p += n;
}

static inline void nsym_buf_skip_string(struct nsym_buf *b)
{
	while (nsym_buf_need(b, 1) && *b->p++ != 0)
		;
}

#endif
