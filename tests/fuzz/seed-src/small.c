/* A small addon-shaped library: inline chains three deep, noinline
 * functions with live parameters (location lists), one exported entry. */
#include <stddef.h>
#include <stdint.h>

#define FORCE_INLINE static inline __attribute__((always_inline))
#define NO_INLINE    static __attribute__((noinline))

FORCE_INLINE uint32_t rotl32(uint32_t v, unsigned n)
{
	n &= 31;
	return (v << n) | (v >> ((32 - n) & 31));
}

FORCE_INLINE uint32_t mix_byte(uint32_t h, uint8_t b)
{
	return rotl32(h ^ b, 5) * 0x9e3779b1u;
}

FORCE_INLINE uint32_t mix_block(uint32_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = mix_byte(h, p[i]);
	return h;
}

NO_INLINE uint32_t checksum_bytes(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;
	while (n >= 8) {
		h = mix_block(h, p, 8);
		p += 8;
		n -= 8;
	}
	return mix_block(h, p, n);
}

NO_INLINE double fib(int n)
{
	double a = 0, b = 1;
	for (int i = 0; i < n; i++) {
		double t = a + b;
		a = b;
		b = t;
	}
	return a;
}

static volatile int sink;

__attribute__((visibility("default"))) int small_entry(const uint8_t *p, size_t n)
{
	if (p == NULL)
		*(volatile int *)0 = 1;
	sink = (int)fib((int)n);
	return (int)checksum_bytes(p, n);
}
