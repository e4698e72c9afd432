/*
 * Fuzzes what serve --upstream reads of a request's hop headers
 * (server/upstream.h): nsym_via_names on a Via value and nsym_xff_count on
 * an X-Forwarded-For value, both from the client. The input is the
 * server's pseudonym up to the first newline, then the header value.
 *
 * Checked besides the sanitizers: Via names the pseudonym only when the
 * value holds it (in any case); a value that is "1.1 " and the pseudonym,
 * after the input's value and a comma, names it; X-Forwarded-For counts
 * at most one entry more than it has commas, and none in a value of
 * commas and blanks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz_util.h"
#include "upstream.h"

static bool holds(const char *s, const char *word)
{
	size_t n = strlen(word);
	for (; *s != '\0'; s++)
		if (strncasecmp(s, word, n) == 0)
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t self_len = nl != NULL ? (size_t)(nl - data) : 0;
	char *self = malloc(self_len + 1), *value = malloc(size - self_len + 1), *appended;
	size_t value_len = size - self_len - (nl != NULL), commas = 0, n;

	if (self == NULL || value == NULL)
		abort();
	/* C strings, as headers reach the server: up to a NUL */
	memcpy(self, data, self_len);
	self[self_len] = '\0';
	memcpy(value, data + size - value_len, value_len);
	value[value_len] = '\0';
	self[strcspn(self, " \t,()\\")] = '\0'; /* a pseudonym is one token */
	if (nsym_via_names(value, self) && (self[0] == '\0' || !holds(value, self)))
		fuzz_fail("Via '%s' names '%s', which it does not hold", value, self);
	if (self[0] != '\0') {
		n = strlen(value) + strlen(self) + 8;
		appended = malloc(n);
		if (appended == NULL)
			abort();
		/* a comment left open swallows what follows: then not checked */
		if (strchr(value, '(') == NULL && strchr(value, '"') == NULL) {
			snprintf(appended, n, "%s, 1.1 %s", value, self);
			if (!nsym_via_names(appended, self))
				fuzz_fail("Via '%s' does not name '%s'", appended, self);
		}
		free(appended);
	}
	for (const char *s = value; *s != '\0'; s++)
		commas += *s == ',';
	n = nsym_xff_count(value);
	if (n > commas + 1 || (value[strspn(value, ", \t")] == '\0' && n != 0))
		fuzz_fail("X-Forwarded-For '%s' counts %zu entries", value, n);
	free(self);
	free(value);
	return 0;
}
