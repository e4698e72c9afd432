/*
 * SHA-1 (FIPS 180-4), used only for the fallback identity of objects that
 * carry no GNU build-id. Not for anything that needs collision resistance
 * against an adversary: the identity only has to tell builds apart.
 */
#include <string.h>

#include "internal.h"

static uint32_t rol(uint32_t x, int n)
{
	return (x << n) | (x >> (32 - n));
}

static void sha1_block(uint32_t h[5], const unsigned char *p)
{
	uint32_t w[80], a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];

	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 80; i++)
		w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	for (int i = 0; i < 80; i++) {
		uint32_t f, k;
		if (i < 20) {
			f = (b & c) | (~b & d);
			k = 0x5a827999;
		} else if (i < 40) {
			f = b ^ c ^ d;
			k = 0x6ed9eba1;
		} else if (i < 60) {
			f = (b & c) | (b & d) | (c & d);
			k = 0x8f1bbcdc;
		} else {
			f = b ^ c ^ d;
			k = 0xca62c1d6;
		}
		uint32_t t = rol(a, 5) + f + e + k + w[i];
		e = d;
		d = c;
		c = rol(b, 30);
		b = a;
		a = t;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
}

void nsym__sha1_init(struct nsym_sha1 *ctx)
{
	static const uint32_t init[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476,
	                                 0xc3d2e1f0};
	memcpy(ctx->h, init, sizeof(init));
	ctx->length = 0;
	ctx->used = 0;
}

void nsym__sha1_update(struct nsym_sha1 *ctx, const void *data, size_t size)
{
	const unsigned char *p = data;

	ctx->length += size;
	if (ctx->used > 0) {
		size_t take = 64 - ctx->used < size ? 64 - ctx->used : size;
		memcpy(ctx->block + ctx->used, p, take);
		ctx->used += take;
		p += take;
		size -= take;
		if (ctx->used < 64)
			return;
		sha1_block(ctx->h, ctx->block);
		ctx->used = 0;
	}
	for (; size >= 64; p += 64, size -= 64)
		sha1_block(ctx->h, p);
	memcpy(ctx->block, p, size);
	ctx->used = size;
}

void nsym__sha1_final(unsigned char out[20], struct nsym_sha1 *ctx)
{
	uint64_t bits = ctx->length * 8;
	unsigned char pad[72] = {0x80};
	size_t padlen = ctx->used < 56 ? 56 - ctx->used : 120 - ctx->used;

	for (int i = 0; i < 8; i++)
		pad[padlen + i] = (unsigned char)(bits >> (56 - 8 * i));
	nsym__sha1_update(ctx, pad, padlen + 8);
	for (int i = 0; i < 5; i++) {
		out[4 * i] = (unsigned char)(ctx->h[i] >> 24);
		out[4 * i + 1] = (unsigned char)(ctx->h[i] >> 16);
		out[4 * i + 2] = (unsigned char)(ctx->h[i] >> 8);
		out[4 * i + 3] = (unsigned char)ctx->h[i];
	}
}
