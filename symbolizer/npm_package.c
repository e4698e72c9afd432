/*
 * npm package names and versions, checked (napi_symbols_util.h): the
 * server records which package an uploaded file came in, and searches by
 * it, so the text it takes from an upload or a search is held to npm's
 * rules for a new package's name and to semver's shape for a version,
 * and anything else is refused rather than stored or echoed.
 */
#include <stdio.h>
#include <string.h>

#include "napi_symbols_util.h"

/* The characters npm keeps in a new package's name (lowercase, and what
 * encodeURIComponent leaves alone less "!'()*", which npm no longer takes). */
#define NAME_CHARS "abcdefghijklmnopqrstuvwxyz0123456789-._~"
/* A prerelease's or build's identifiers, and the dots between them. */
#define TAG_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-."

static int refuse(char *out_name, char *out_version, char *why, size_t why_size, const char *text)
{
	out_name[0] = '\0';
	out_version[0] = '\0';
	snprintf(why, why_size, "%s", text);
	return NSYM_EINVAL;
}

/* A scope's or a name's part: one or more NAME_CHARS, not starting with
 * '.' or '_' (npm refuses those). */
static bool name_part(const char *p, size_t n)
{
	return n > 0 && p[0] != '.' && p[0] != '_' && strspn(p, NAME_CHARS) >= n;
}

static bool name_ok(const char *p, size_t n)
{
	const char *slash;

	if (n == 0 || n > NSYM_NPM_NAME_MAX)
		return false;
	if (p[0] != '@')
		return name_part(p, n);
	slash = memchr(p, '/', n);
	return slash != NULL && name_part(p + 1, (size_t)(slash - p - 1)) &&
	       name_part(slash + 1, n - (size_t)(slash - p) - 1);
}

/* A semver number: digits, no leading zero but "0" itself. */
static size_t number(const char *p, size_t n)
{
	size_t d = strspn(p, "0123456789");

	if (d > n)
		d = n;
	return d == 0 || (d > 1 && p[0] == '0') ? 0 : d;
}

/* "-PRERELEASE" or "+BUILD" at p, or nothing: its length, or -1. */
static long tag(const char *p, size_t n, char mark)
{
	size_t t;

	if (n == 0 || p[0] != mark)
		return 0;
	t = strspn(p + 1, TAG_CHARS);
	if (t > n - 1)
		t = n - 1;
	/* identifiers are not empty: no leading, trailing or doubled dot */
	if (t == 0 || p[1] == '.' || p[t] == '.')
		return -1;
	for (size_t i = 1; i < t; i++) {
		if (p[i] == '.' && p[i + 1] == '.')
			return -1;
	}
	return (long)t + 1;
}

static bool version_ok(const char *p, size_t n)
{
	size_t used = 0;
	long pre, build;

	if (n == 0 || n > NSYM_NPM_VERSION_MAX)
		return false;
	for (int i = 0; i < 3; i++) {
		size_t d = number(p + used, n - used);
		if (d == 0)
			return false;
		used += d;
		if (i < 2 && (used >= n || p[used++] != '.'))
			return false;
	}
	pre = tag(p + used, n - used, '-');
	if (pre < 0)
		return false;
	used += (size_t)pre;
	build = tag(p + used, n - used, '+');
	return build >= 0 && used + (size_t)build == n;
}

int nsym_npm_package_split(char *out_name, char *out_version, const char *text, bool need_version,
                           char *why, size_t why_size)
{
	/* the '@' of a version is past the first byte, which a scope's takes */
	const char *at = text[0] != '\0' ? strchr(text + 1, '@') : NULL;
	size_t len = strlen(text);
	size_t name_len = at != NULL ? (size_t)(at - text) : len;

	if (!name_ok(text, name_len))
		return refuse(out_name, out_version, why, why_size,
		              "a package name is 1 to 214 bytes of lowercase letters, digits and "
		              "-._~, optionally under one @scope/, not starting with . or _");
	if (at == NULL && need_version)
		return refuse(out_name, out_version, why, why_size, "a package is NAME@VERSION");
	if (at != NULL && !version_ok(at + 1, len - name_len - 1))
		return refuse(out_name, out_version, why, why_size,
		              "a package version is MAJOR.MINOR.PATCH, optionally with "
		              "-PRERELEASE and +BUILD, at most 64 bytes");
	memcpy(out_name, text, name_len);
	out_name[name_len] = '\0';
	if (at != NULL)
		memcpy(out_version, at + 1, len - name_len);
	else
		out_version[0] = '\0';
	return 0;
}
