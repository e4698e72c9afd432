/* The crash model's shared helpers (report.h): copies, ids, hex and growth
 * with caps, so every reader checks input the same way; the release of a
 * crash; and the one way a reader's warning reaches its caller, sanitised
 * like the model's strings. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "report.h"

char *nsym__crash_text(const char *s, size_t len)
{
	char *t;

	if (len > NSYM_CRASH_MAX_TEXT)
		len = NSYM_CRASH_MAX_TEXT;
	t = malloc(len + 1);
	if (t == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		t[i] = (char)(c < 0x20 || c == 0x7f ? '?' : c);
	}
	t[len] = '\0';
	return t;
}

int nsym_crash_id(char *out, const char *s, size_t len)
{
	if (len == 0 || len >= NSYM_CRASH_ID_SIZE)
		return NSYM_EINVAL;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c >= 'A' && c <= 'F')
			c = (char)(c + 32);
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return NSYM_EINVAL;
		out[i] = c;
	}
	out[len] = '\0';
	return 0;
}

int nsym__crash_hex(uint64_t *out, const char *s, size_t len, bool need_0x)
{
	uint64_t v = 0;

	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		len -= 2;
	} else if (need_0x) {
		return -1;
	}
	if (len == 0 || len > 16)
		return -1;
	for (size_t i = 0; i < len; i++) {
		int d = nsym__hex_value(s[i]);
		if (d < 0)
			return -1;
		v = v << 4 | (unsigned)d;
	}
	*out = v;
	return 0;
}

/* A decimal number below 2^32 that is all of s. */
static bool decimal_u32(uint32_t *out, const char *s)
{
	uint64_t v = 0;

	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || (v = v * 10 + (uint64_t)(*s - '0')) > UINT32_MAX)
			return false;
	}
	*out = (uint32_t)v;
	return true;
}

/* Read from the right, since FILE may hold ':'. */
int nsym__crash_panic_location(struct nsym_crash *c, char *loc)
{
	char *col = strrchr(loc, ':'), *line;
	uint32_t l, k;

	if (col == NULL)
		return 0;
	*col = '\0';
	line = strrchr(loc, ':');
	if (line == NULL || !decimal_u32(&l, line + 1) || !decimal_u32(&k, col + 1))
		return 0;
	*line = '\0';
	free(c->panic_file);
	c->panic_file = nsym__crash_text(loc, strlen(loc));
	c->panic_line = l;
	c->panic_column = k;
	return c->panic_file != NULL ? 0 : NSYM_ENOMEM;
}

int nsym__crash_uuid(char *out, const char *s, size_t len)
{
	size_t n = 0;
	bool zero = true;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '-')
			continue;
		if (n == 32 || nsym_crash_id(out + n, s + i, 1) != 0)
			return -1;
		zero = zero && s[i] == '0';
		n++;
	}
	out[n] = '\0';
	return n == 32 && !zero ? 0 : -1;
}

void *nsym__crash_grow(void **arr, size_t *n, size_t size, size_t cap)
{
	char *a;

	if (*n >= cap)
		return NULL;
	/* doubling at powers of two keeps appends amortised O(1) */
	if ((*n & (*n - 1)) == 0) {
		a = realloc(*arr, (*n == 0 ? 1 : *n * 2) * size);
		if (a == NULL)
			return NULL;
		*arr = a;
	}
	a = (char *)*arr + *n * size;
	memset(a, 0, size);
	(*n)++;
	return a;
}

const char *nsym__crash_module_name(const struct nsym_crash_module *m)
{
	const char *slash;

	if (m->name != NULL)
		return m->name;
	if (m->path == NULL)
		return "??";
	slash = strrchr(m->path, '/');
	return slash != NULL ? slash + 1 : m->path;
}

static char fold(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

/* Whether file_name, as debuggers name a module, is name: its stem (up to
 * the last '.'), each character not a letter, digit or '_' as '_', without
 * regard to case ("rspack_win32_x64_msvc" for rspack.win32-x64-msvc.node). */
static bool debugger_name(const char *name, const char *file_name)
{
	const char *dot = strrchr(file_name, '.');
	size_t n = dot != NULL && dot != file_name ? (size_t)(dot - file_name) : strlen(file_name);

	if (strlen(name) != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = fold(file_name[i]);
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			c = '_';
		if (fold(name[i]) != c)
			return false;
	}
	return true;
}

bool nsym_crash_module_named(const struct nsym_crash_module *m, const char *file_name)
{
	const char *name = nsym__crash_module_name(m);
	size_t n = strlen(name);

	if (strcmp(name, file_name) == 0)
		return true;
	if (m->format != NSYM_FORMAT_PE || n != strlen(file_name))
		return m->format == NSYM_FORMAT_PE && debugger_name(name, file_name);
	for (size_t i = 0; i < n; i++) {
		if (fold(name[i]) != fold(file_name[i]))
			return debugger_name(name, file_name);
	}
	return true;
}

int nsym__crash_add_module(struct nsym_crash_module **out, struct nsym_crash *c)
{
	if (c->nmodules == NSYM_CRASH_MAX_MODULES)
		return NSYM_EINVAL;
	*out = nsym__crash_grow((void **)&c->modules, &c->nmodules, sizeof(**out),
	                        NSYM_CRASH_MAX_MODULES);
	return *out != NULL ? 0 : NSYM_ENOMEM;
}

int nsym__crash_add_frame(struct nsym_crash_frame **out, struct nsym_crash *c)
{
	if (c->nframes == NSYM_CRASH_MAX_FRAMES)
		return NSYM_EINVAL;
	*out = nsym__crash_grow((void **)&c->frames, &c->nframes, sizeof(**out),
	                        NSYM_CRASH_MAX_FRAMES);
	return *out != NULL ? 0 : NSYM_ENOMEM;
}

void nsym_crash_release(struct nsym_crash *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nmodules; i++) {
		free(c->modules[i].path);
		free(c->modules[i].why);
		free(c->modules[i].name);
	}
	for (size_t i = 0; i < c->nframes; i++) {
		free(c->frames[i].symbol);
		free(c->frames[i].why);
	}
	free(c->modules);
	free(c->frames);
	free(c->signal_name);
	free(c->panic_message);
	free(c->panic_file);
	free(c->report_name);
	free(c->source);
	memset(c, 0, sizeof(*c));
}

void nsym_crashes_free(struct nsym_crash *crashes, size_t count)
{
	for (size_t i = 0; crashes != NULL && i < count; i++)
		nsym_crash_release(&crashes[i]);
	free(crashes);
}

void nsym__report_warn(nsym_report_warn_fn *warn, void *ctx, const char *kind, const char *fmt, ...)
{
	/* room for a path of PATH_MAX and what is said about it */
	char message[NSYM_CRASH_MAX_TEXT + 512];
	va_list ap;

	if (warn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	/* a warning quotes what it passes over (a frame token, a path), and the
	 * caller shows it: hostile control characters go as the model's do */
	for (char *c = message; *c != '\0'; c++)
		*c = (unsigned char)*c < 0x20 || *c == 0x7f ? '?' : *c;
	warn(ctx, kind, message);
}
