/*
 * Reading the headers that tell how far a request has travelled between
 * servers: Via, where each server that forwards names itself (RFC 9110
 * section 7.6.3, which names loop detection as one of its uses), and
 * X-Forwarded-For, the list elfutils' debuginfod appends to and counts
 * against its --forwarded-ttl-limit. Both come from the client and may be
 * anything: they are read in one pass, bounded by the string.
 */
#include <string.h>
#include <strings.h>

#include "upstream.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Past a comment "(...)" at s, nested ones and quoted pairs included;
 * an unclosed one runs to the end. */
static const char *skip_comment(const char *s)
{
	int depth = 0;

	for (; *s != '\0'; s++) {
		if (*s == '\\' && s[1] != '\0')
			s++;
		else if (*s == '(')
			depth++;
		else if (*s == ')' && --depth == 0)
			return s + 1;
	}
	return s;
}

/* Past one token: up to a space, a comma or a comment. */
static const char *skip_token(const char *s)
{
	while (*s != '\0' && !is_space(*s) && *s != ',' && *s != '(')
		s++;
	return s;
}

bool nsym_via_names(const char *via, const char *self)
{
	size_t self_len = self != NULL ? strlen(self) : 0;
	const char *s = via;

	if (s == NULL || self_len == 0)
		return false;
	while (*s != '\0') {
		const char *by, *end;
		/* one element: [protocol] received-by [comment] */
		while (is_space(*s) || *s == ',')
			s++;
		s = skip_token(s); /* the protocol */
		while (is_space(*s))
			s++;
		by = s;
		end = skip_token(s);
		if ((size_t)(end - by) == self_len && strncasecmp(by, self, self_len) == 0)
			return true;
		s = end;
		/* the rest of the element, comments included */
		while (*s != '\0' && *s != ',') {
			if (*s == '(')
				s = skip_comment(s);
			else
				s++;
		}
	}
	return false;
}

size_t nsym_xff_count(const char *xff)
{
	size_t n = 0;
	bool in_entry = false;

	for (const char *s = xff; s != NULL && *s != '\0'; s++) {
		if (*s == ',')
			in_entry = false;
		else if (!is_space(*s) && !in_entry) {
			in_entry = true;
			n++;
		}
	}
	return n;
}
