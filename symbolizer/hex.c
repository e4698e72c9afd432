/* Hex digits, the one encoder of the project (identities, hashes). The
 * hook keeps its own: it must not link the library. */
#include "internal.h"
#include "napi_symbols_util.h"

char *nsym_hex(char *out, const void *data, size_t size, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	const unsigned char *p = data;

	for (size_t i = 0; i < size; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * size] = '\0';
	return out;
}

char *nsym_num(char out[NSYM_NUM_MAX], uint64_t v, bool hex)
{
	char *p = out + NSYM_NUM_MAX;

	/* each base its own loop: with the base a variable, every digit cost
	 * a division instruction */
	if (hex) {
		do {
			*--p = "0123456789abcdef"[v & 15];
			v >>= 4;
		} while (v > 0);
		*--p = 'x';
		*--p = '0';
		return p;
	}
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	return p;
}

int nsym__hex_value(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
	                              : -1;
}
