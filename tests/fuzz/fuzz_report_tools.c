/*
 * Fuzzes the reader of the traces common tools print (nsym_crash_from_tools,
 * symbolizer/report_tools*.c): the input is the text, read whole, then each
 * crash it gives is checked against the promises of napi_symbols_report.h
 * (frames name a module that exists or none, a frame whose offset is not
 * known says why, every string is readable), placed with the input itself
 * as the binary when a module was given by a mapping, and written as text
 * and JSON by the pipeline with no resolver. Any text must give crashes or
 * none, never a crash, a hang or a leak.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "napi_symbols_report.h"

static void check_crash(const struct nsym_crash *c)
{
	fuzz_touch(c->signal_name);
	fuzz_touch(c->source);
	if (c->nframes == 0)
		fuzz_fail("a crash with no frame");
	for (size_t i = 0; i < c->nmodules; i++) {
		const struct nsym_crash_module *m = &c->modules[i];
		fuzz_touch(m->path);
		fuzz_touch(m->name);
		if (strnlen(m->id, sizeof(m->id)) == sizeof(m->id) ||
		    strnlen(m->arch, sizeof(m->arch)) == sizeof(m->arch))
			fuzz_fail("module %zu: an unterminated id or arch", i);
		if (m->has_map && m->map_size == 0)
			fuzz_fail("module %zu: a mapping of no size", i);
	}
	for (size_t i = 0; i < c->nframes; i++) {
		const struct nsym_crash_frame *f = &c->frames[i];
		fuzz_touch(f->symbol);
		fuzz_touch(f->why);
		if (f->module < -1 || f->module >= (int)c->nmodules)
			fuzz_fail("frame %zu: module %d of %zu", i, f->module, c->nmodules);
		if (f->module >= 0 && f->how == NSYM_OFFSET_UNKNOWN && f->why == NULL)
			fuzz_fail("frame %zu: no offset and no why", i);
		if (f->module >= 0 && f->how == NSYM_OFFSET_BASE &&
		    (!c->modules[f->module].has_base ||
		     f->rel != f->pc - c->modules[f->module].base))
			fuzz_fail("frame %zu: an offset from a load address the module lacks", i);
	}
}

/* The pipeline writes the crashes, with no module resolved. */
static void write_out(const struct nsym_crash *crashes, size_t n)
{
	static const unsigned flags[] = {0, NSYM_REPORT_JSON | NSYM_REPORT_BASENAMES};
	for (size_t k = 0; k < sizeof(flags) / sizeof(flags[0]); k++) {
		struct nsym_report_options o = {.flags = flags[k]};
		FILE *out = fopen("/dev/null", "w");
		int rc;
		if (out == NULL)
			fuzz_fail("cannot open /dev/null");
		rc = nsym_report_symbolicate(out, crashes, n, &o);
		if (rc != 0 && rc != NSYM_ENOMEM)
			fuzz_fail("nsym_report_symbolicate gave %d", rc);
		fclose(out);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nsym_crash *crashes = NULL;
	size_t n = 0;
	char path[FUZZ_PATH_MAX];
	int fd, rc;

	fuzz_reset_error();
	rc = nsym_crash_from_tools(&crashes, &n, (const char *)data, size, NULL, NULL);
	fuzz_say("%zu crashes: %d", n, rc);
	if (rc != 0) {
		fuzz_check_error(rc, "");
		if (rc != NSYM_ENOMEM || crashes != NULL || n != 0)
			fuzz_fail("nsym_crash_from_tools gave %d with %zu crashes", rc, n);
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		check_crash(&crashes[i]);
	/* a mapping placed with the input as the binary: an error, or an answer */
	fd = fuzz_input_open(path, sizeof(path), data, size);
	for (size_t i = 0; i < n; i++) {
		for (size_t m = 0; m < crashes[i].nmodules; m++) {
			if (crashes[i].modules[m].has_map &&
			    (rc = nsym_crash_place_mapping(&crashes[i], m, path)) != 0 &&
			    rc != NSYM_ENOMEM)
				fuzz_fail("nsym_crash_place_mapping gave %d", rc);
		}
		check_crash(&crashes[i]);
	}
	fuzz_input_close(fd);
	write_out(crashes, n);
	nsym_crashes_free(crashes, n);
	return 0;
}
