/* Identities as clients write them: the store keeps one spelling (lowercase
 * hex, no dashes), so every route that takes one from a client converts it
 * here, and all of them accept the same forms. */
#include <ctype.h>
#include <string.h>

#include "keys.h"

/* Whether text is a UUID with dashes where 8-4-4-4-12 puts them. */
static int dashed_uuid(const char *text, size_t len)
{
	return len == 36 && text[8] == '-' && text[13] == '-' && text[18] == '-' && text[23] == '-';
}

int nsym_key_parse(char *out, size_t size, const char *text, size_t len)
{
	int uuid = dashed_uuid(text, len);
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		if (uuid && (i == 8 || i == 13 || i == 18 || i == 23))
			continue;
		if (!isxdigit(c) || n + 1 >= size)
			return -1;
		out[n++] = (char)tolower(c);
	}
	if (n < NSYM_KEY_MIN_HEX || n > NSYM_KEY_MAX_HEX)
		return -1;
	out[n] = '\0';
	return 0;
}
