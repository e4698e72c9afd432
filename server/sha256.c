/* SHA-256 as FIPS 180-4 specifies it, section 6.2: in plain C, and with
 * the x86 SHA extensions where the CPU has them (uploads are hashed as they
 * arrive; the plain rounds held them to about 100 MB/s). */
#include <stdbool.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "sha256.h"

static const uint32_t k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror(uint32_t x, int n)
{
	return (x >> n) | (x << (32 - n));
}

static void compress(uint32_t h[8], const unsigned char *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, hh;

	for (int t = 0; t < 16; t++)
		w[t] = (uint32_t)p[4 * t] << 24 | (uint32_t)p[4 * t + 1] << 16 |
		       (uint32_t)p[4 * t + 2] << 8 | p[4 * t + 3];
	for (int t = 16; t < 64; t++) {
		uint32_t s0 = ror(w[t - 15], 7) ^ ror(w[t - 15], 18) ^ (w[t - 15] >> 3);
		uint32_t s1 = ror(w[t - 2], 17) ^ ror(w[t - 2], 19) ^ (w[t - 2] >> 10);
		w[t] = w[t - 16] + s0 + w[t - 7] + s1;
	}
	a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
	for (int t = 0; t < 64; t++) {
		uint32_t t1 =
		    hh + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + k[t] + w[t];
		uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
		hh = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
}

static void compress_plain(uint32_t h[8], const unsigned char *p, size_t blocks)
{
	for (; blocks > 0; blocks--, p += 64)
		compress(h, p);
}

#if defined(__x86_64__)
/*
 * The SHA extensions keep the state as two vectors, ABEF and CDGH (lane 3
 * first), take the message words plus round constants four at a time, and
 * do two rounds per sha256rnds2. Group r holds the words W[4r..4r+3]; from
 * r = 4 on it is msg2(msg1(W group r-4, r-3) + W[4r-7..4r-4], group r-1),
 * which is FIPS 180-4's schedule four words at once.
 */
__attribute__((target("sha,sse4.1,ssse3"))) static void
compress_ni(uint32_t h[8], const unsigned char *p, size_t blocks)
{
	const __m128i swap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
	__m128i abcd = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[0]), 0xB1);
	__m128i efgh = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[4]), 0x1B);
	__m128i abef = _mm_alignr_epi8(abcd, efgh, 8), cdgh = _mm_blend_epi16(efgh, abcd, 0xF0);

	for (; blocks > 0; blocks--, p += 64) {
		__m128i m[4], abef_in = abef, cdgh_in = cdgh;

		for (int i = 0; i < 4; i++)
			m[i] =
			    _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)), swap);
		for (int r = 0; r < 16; r++) {
			__m128i msg;
			if (r >= 4) {
				__m128i w = _mm_sha256msg1_epu32(m[r & 3], m[(r - 3) & 3]);
				w = _mm_add_epi32(
				    w, _mm_alignr_epi8(m[(r - 1) & 3], m[(r - 2) & 3], 4));
				m[r & 3] = _mm_sha256msg2_epu32(w, m[(r - 1) & 3]);
			}
			msg = _mm_add_epi32(m[r & 3], _mm_loadu_si128((const __m128i *)&k[4 * r]));
			cdgh = _mm_sha256rnds2_epu32(cdgh, abef, msg);
			abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(msg, 0x0E));
		}
		abef = _mm_add_epi32(abef, abef_in);
		cdgh = _mm_add_epi32(cdgh, cdgh_in);
	}
	abcd = _mm_shuffle_epi32(abef, 0x1B);
	cdgh = _mm_shuffle_epi32(cdgh, 0xB1);
	_mm_storeu_si128((__m128i *)&h[0], _mm_blend_epi16(abcd, cdgh, 0xF0));
	_mm_storeu_si128((__m128i *)&h[4], _mm_alignr_epi8(cdgh, abcd, 8));
}
#endif

typedef void (*compress_fn)(uint32_t h[8], const unsigned char *p, size_t blocks);

/* The CPU's best, chosen once before main (ifunc style, without ifunc). */
static compress_fn compress_blocks = compress_plain;

static compress_fn best_compress(void)
{
#if defined(__x86_64__)
	__builtin_cpu_init();
	if (__builtin_cpu_supports("sha") && __builtin_cpu_supports("sse4.1") &&
	    __builtin_cpu_supports("ssse3"))
		return compress_ni;
#endif
	return compress_plain;
}

__attribute__((constructor)) static void choose_compress(void)
{
	compress_blocks = best_compress();
}

void nsym_sha256_force_plain(bool on)
{
	compress_blocks = on ? compress_plain : best_compress();
}

void nsym_sha256_init(struct nsym_sha256 *ctx)
{
	static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	                               0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	memcpy(ctx->h, iv, sizeof(iv));
	ctx->length = 0;
	ctx->used = 0;
}

void nsym_sha256_update(struct nsym_sha256 *ctx, const void *data, size_t size)
{
	const unsigned char *p = data;

	ctx->length += size;
	if (ctx->used > 0) {
		size_t take = 64 - ctx->used < size ? 64 - ctx->used : size;
		memcpy(ctx->block + ctx->used, p, take);
		ctx->used += take, p += take, size -= take;
		if (ctx->used < 64)
			return;
		compress_blocks(ctx->h, ctx->block, 1);
		ctx->used = 0;
	}
	compress_blocks(ctx->h, p, size / 64);
	p += size / 64 * 64;
	size %= 64;
	memcpy(ctx->block, p, size);
	ctx->used = size;
}

void nsym_sha256_final(unsigned char out[NSYM_SHA256_SIZE], struct nsym_sha256 *ctx)
{
	uint64_t bits = ctx->length * 8;
	unsigned char pad[72] = {0x80};
	size_t n = (ctx->used < 56 ? 56 : 120) - ctx->used;

	for (int i = 0; i < 8; i++)
		pad[n + i] = (unsigned char)(bits >> (56 - 8 * i));
	nsym_sha256_update(ctx, pad, n + 8);
	for (int i = 0; i < 8; i++) {
		out[4 * i] = (unsigned char)(ctx->h[i] >> 24);
		out[4 * i + 1] = (unsigned char)(ctx->h[i] >> 16);
		out[4 * i + 2] = (unsigned char)(ctx->h[i] >> 8);
		out[4 * i + 3] = (unsigned char)ctx->h[i];
	}
}

void nsym_sha256_hex(char *out, const unsigned char digest[NSYM_SHA256_SIZE])
{
	static const char digits[] = "0123456789abcdef";
	for (int i = 0; i < NSYM_SHA256_SIZE; i++) {
		out[2 * i] = digits[digest[i] >> 4];
		out[2 * i + 1] = digits[digest[i] & 15];
	}
	out[2 * NSYM_SHA256_SIZE] = '\0';
}
