/*
 * Error codes and the per-thread detail line. Codes come from the one
 * NSYM_ERRORS list in the public header, so text and numbers cannot drift.
 */
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

static _Thread_local char last_detail[512];
static _Thread_local int last_code;

const char *nsym_strerror(int code)
{
	switch (code) {
#define NSYM_ERROR_TEXT(name, value, text)                                                         \
	case value:                                                                                \
		return text;
		NSYM_ERRORS(NSYM_ERROR_TEXT)
#undef NSYM_ERROR_TEXT
	}
	return "unknown error";
}

const char *nsym_error_detail(void)
{
	if (last_detail[0] != '\0')
		return last_detail;
	return nsym_strerror(last_code);
}

int nsym__fail(int code, const char *subject, const char *fmt, ...)
{
	size_t used = 0;

	last_code = code;
	last_detail[0] = '\0';
	if (subject != NULL) {
		int n = snprintf(last_detail, sizeof(last_detail), "%s: ", subject);
		used = n > 0 && (size_t)n < sizeof(last_detail) ? (size_t)n : 0;
	}
	if (fmt != NULL) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(last_detail + used, sizeof(last_detail) - used, fmt, ap);
		va_end(ap);
	} else {
		snprintf(last_detail + used, sizeof(last_detail) - used, "%s", nsym_strerror(code));
	}
	return code;
}
