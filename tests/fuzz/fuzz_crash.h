/*
 * What a crash reader's harness checks of every crash it gets back (the
 * crash model of napi_symbols_report.h), and the symbolicate pipeline run
 * on it with no resolver, into memory, as text or JSON: indexes in range,
 * caps kept, identities in lowercase hex, strings readable and free of
 * control characters, and an output the pipeline could write. Shared by
 * the harnesses of the text readers as static functions (one header, no
 * change to fuzz_util).
 */
#ifndef NSYM_FUZZ_CRASH_H
#define NSYM_FUZZ_CRASH_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "napi_symbols_report.h"

/* A string of the crash: readable, and sanitised as the header promises. */
static inline void fuzz_crash_text(const char *s, const char *what)
{
	size_t n = fuzz_touch(s);

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			fuzz_fail("%s holds control character 0x%02x", what, c);
	}
	if (n > NSYM_CRASH_MAX_TEXT)
		fuzz_fail("%s is %zu bytes, over NSYM_CRASH_MAX_TEXT", what, n);
}

static inline void fuzz_check_crash(const struct nsym_crash *c, unsigned flags)
{
	char *out = NULL;
	size_t size = 0;
	FILE *f;
	int rc;

	if (c->nmodules > NSYM_CRASH_MAX_MODULES || c->nframes > NSYM_CRASH_MAX_FRAMES)
		fuzz_fail("%zu modules and %zu frames: over the caps", c->nmodules, c->nframes);
	if (memchr(c->reason, '\0', sizeof(c->reason)) == NULL)
		fuzz_fail("reason is not terminated");
	fuzz_crash_text(c->signal_name, "signal_name");
	fuzz_crash_text(c->panic_message, "panic_message");
	fuzz_crash_text(c->panic_file, "panic_file");
	for (size_t i = 0; i < c->nmodules; i++) {
		const struct nsym_crash_module *m = &c->modules[i];
		size_t n = strnlen(m->id, sizeof(m->id));
		if (n == sizeof(m->id) || strspn(m->id, "0123456789abcdef") != n)
			fuzz_fail("module %zu's id is not lowercase hex", i);
		if (memchr(m->arch, '\0', sizeof(m->arch)) == NULL)
			fuzz_fail("module %zu's arch is not terminated", i);
		fuzz_crash_text(m->arch, "arch");
		fuzz_crash_text(m->path, "a module's path");
		fuzz_crash_text(m->name, "a module's name");
		fuzz_crash_text(m->why, "a module's why");
	}
	for (size_t i = 0; i < c->nframes; i++) {
		const struct nsym_crash_frame *fr = &c->frames[i];
		if (fr->module < -1 || fr->module >= (long long)c->nmodules)
			fuzz_fail("frame %zu's module %d is out of range", i, fr->module);
		if (fr->how > NSYM_OFFSET_INFERRED)
			fuzz_fail("frame %zu's how is %d", i, (int)fr->how);
		fuzz_crash_text(fr->symbol, "a frame's symbol");
		fuzz_crash_text(fr->why, "a frame's why");
	}
	/* the pipeline on it: no resolver, so nothing is opened */
	if ((f = open_memstream(&out, &size)) == NULL)
		fuzz_fail("open_memstream failed");
	{
		const struct nsym_report_options o = {.flags = flags};
		rc = nsym_report_symbolicate(f, c, 1, &o);
	}
	fclose(f);
	if (rc != 0)
		fuzz_check_error(rc, "the output");
	else if (size == 0 || out[size - 1] != '\n')
		fuzz_fail("the symbolicated crash does not end with a newline");
	fuzz_say("%zu modules, %zu frames, %zu bytes written", c->nmodules, c->nframes, size);
	free(out);
}

/* Warnings must be one line each. */
static inline void fuzz_crash_warn(void *ctx, const char *kind, const char *message)
{
	(void)ctx;
	fuzz_touch(kind);
	if (strchr(message, '\n') != NULL)
		fuzz_fail("a warning is not one line: \"%s\"", message);
}

#endif
