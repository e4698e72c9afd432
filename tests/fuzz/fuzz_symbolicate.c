/*
 * Fuzzes the whole symbolicate pipeline from text, as `symbolicate` and the
 * server run it: nsym_report_read on the input, then
 * nsym_report_symbolicate of what it read into a memory stream, once as
 * text and once as JSON with basenames. The input is the text; after its
 * first NUL byte, if any, comes the process's maps (so maps placing runs
 * too, reading the files they name on this machine). The resolver gives
 * every third module it is asked for the C fixture's debug file (whatever
 * its identity: the frames then land in real DWARF), the next a reason of
 * its own and the next nothing.
 *
 * Checked besides the sanitizers: a failure is a known code whose one-line
 * detail names the input or its maps; the resolver is asked once per crash
 * at most, for modules of that crash with an identity, in module order,
 * each with sym and why zeroed; the text output is printable lines with
 * one "#N " line per frame; the JSON output parses (jansson) as one object
 * per crash, or an array of them, with one entry per frame.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_report.h"
#include "fuzz_util.h"

#define INPUT_NAME "'fuzz-input'"
#define MAPS_NAME  "'fuzz-maps'"
#define REASON     "left unresolved by the fuzz resolver"

/* What the resolver checks against, and its count. */
struct resolver {
	const struct nsym_crash *crashes;
	size_t count;
	size_t asked; /* modules asked for, over all calls */
	size_t calls;
	struct fuzz_warnings warnings; /* ctx is shared with the warnings */
};

static void warn(void *ctx, const char *kind, const char *message)
{
	fuzz_warn(&((struct resolver *)ctx)->warnings, kind, message);
}

/* The crash that owns module m, or fails. */
static const struct nsym_crash *owner(const struct resolver *r, const struct nsym_crash_module *m,
                                      size_t index)
{
	for (size_t i = 0; i < r->count; i++) {
		const struct nsym_crash *c = &r->crashes[i];
		if (index < c->nmodules && &c->modules[index] == m)
			return c;
	}
	fuzz_fail("the resolver was asked for a module that is no crash's module %zu", index);
}

static int resolve(void *ctx, struct nsym_report_module *mods, size_t count)
{
	struct resolver *r = ctx;
	const struct nsym_crash *c = NULL;

	if (++r->calls > r->count)
		fuzz_fail("the resolver was called %zu times for %zu crashes", r->calls, r->count);
	if (count == 0 || mods == NULL)
		fuzz_fail("the resolver was called with no module");
	for (size_t k = 0; k < count; k++) {
		struct nsym_report_module *m = &mods[k];
		const struct nsym_crash *of = owner(r, m->module, m->index);
		if (c != NULL && of != c)
			fuzz_fail("one resolver call mixes the modules of two crashes");
		c = of;
		if (k > 0 && m->index <= mods[k - 1].index)
			fuzz_fail("modules asked for out of order (%zu after %zu)", m->index,
			          mods[k - 1].index);
		if (m->sym != NULL || m->why[0] != '\0')
			fuzz_fail("module %zu came to the resolver with a sym or a why", m->index);
		if (m->module->id[0] == '\0')
			continue; /* a module the text gives no identity: known by name or not */
		switch (r->asked++ % 3) {
		case 0:
			if (nsym_symbolizer_open(&m->sym, NSYM_FUZZ_FIXTURE, NULL) != 0)
				fuzz_fail("cannot open the fixture %s: %s", NSYM_FUZZ_FIXTURE,
				          nsym_error_detail());
			break;
		case 1:
			snprintf(m->why, sizeof(m->why), REASON);
			break;
		default:
			break; /* nothing found, nothing said */
		}
	}
	return 0;
}

/* Text output: printable lines, each frame on a "#N " line of its own. */
static void check_text(const char *out, size_t len, size_t frames)
{
	size_t lines = 0;

	if (memchr(out, '\0', len) != NULL)
		fuzz_fail("the text output holds a NUL");
	for (const char *p = out, *end = out + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			fuzz_fail("the text output does not end with a newline");
		for (const char *c = p; c < nl; c++) {
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				fuzz_fail(
				    "the text output holds the control character 0x%02x: %.*s",
				    (unsigned char)*c, (int)(nl - p), p);
		}
		lines += *p == '#';
		p = nl + 1;
	}
	if (lines != frames)
		fuzz_fail("the text output has %zu frame lines for %zu frames", lines, frames);
}

/* JSON output: one object per crash (an array of them for several). */
static void check_json(const char *out, size_t len, const struct nsym_crash *crashes, size_t n)
{
	json_error_t err;
	json_t *doc = json_loadb(out, len, 0, &err);

	if (doc == NULL)
		fuzz_fail("the JSON output does not parse (line %d, column %d: %s): %.*s", err.line,
		          err.column, err.text, (int)(len > 2000 ? 2000 : len), out);
	if (len == 0 || out[len - 1] != '\n')
		fuzz_fail("the JSON output does not end with a newline");
	for (size_t i = 0; i < n; i++) {
		json_t *one = n > 1 ? json_array_get(doc, i) : doc;
		json_t *frames = json_object_get(one, "frames");
		if ((n > 1 && (!json_is_array(doc) || json_array_size(doc) != n)) ||
		    !json_is_object(one) || !json_is_array(frames))
			fuzz_fail("the JSON output is not %zu crash object(s) with frames", n);
		if (json_array_size(frames) != crashes[i].nframes)
			fuzz_fail("crash %zu has %zu frames but %zu in the JSON", i,
			          crashes[i].nframes, json_array_size(frames));
	}
	json_decref(doc);
}

static void symbolicate(const struct nsym_crash *crashes, size_t n, unsigned flags)
{
	struct resolver r = {crashes, n, 0, 0, {0}};
	struct nsym_report_options opts = {flags, resolve, warn, &r};
	char *out = NULL;
	size_t len = 0, frames = 0;
	FILE *f = open_memstream(&out, &len);
	int rc;

	if (f == NULL)
		fuzz_fail("no memory stream");
	fuzz_reset_error();
	fuzz_quiet_begin();
	rc = nsym_report_symbolicate(f, crashes, n, &opts);
	fuzz_quiet_end("nsym_report_symbolicate");
	if (fclose(f) != 0)
		fuzz_fail("the memory stream does not close");
	if (rc != 0) {
		fuzz_check_report_error(rc);
		fuzz_fail("nsym_report_symbolicate gave %d: %s", rc, nsym_error_detail());
	}
	for (size_t i = 0; i < n; i++)
		frames += crashes[i].nframes;
	if (fuzz_verbose())
		fwrite(out, 1, len, stderr);
	if (flags & NSYM_REPORT_JSON)
		check_json(out, len, crashes, n);
	else
		check_text(out, len, frames);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *nul = memchr(data, '\0', size);
	struct nsym_report_input in = {.text = text,
	                               .len = size,
	                               .name = INPUT_NAME,
	                               .maps_name = MAPS_NAME,
	                               .maps_how = "--maps FILE"};
	struct fuzz_warnings w = {0};
	struct nsym_report_options opts = {0, NULL, fuzz_warn, &w};
	struct nsym_crash *crashes = NULL;
	size_t n = 0;
	int rc;

	if (nul != NULL) {
		in.len = (size_t)(nul - text);
		in.maps = nul + 1;
		in.maps_len = size - in.len - 1;
	}
	fuzz_reset_error();
	fuzz_quiet_begin();
	rc = nsym_report_read(&crashes, &n, &in, &opts);
	fuzz_quiet_end("nsym_report_read");
	fuzz_say("nsym_report_read: %d, %zu crashes, %zu warnings", rc, n, w.n);
	if (rc != 0) {
		const char *detail = nsym_error_detail();
		fuzz_check_report_error(rc);
		if (rc != NSYM_EINVAL && rc != NSYM_ENOMEM)
			fuzz_fail("nsym_report_read gave %d", rc);
		if (rc == NSYM_EINVAL && strstr(detail, INPUT_NAME) == NULL &&
		    strstr(detail, MAPS_NAME) == NULL)
			fuzz_fail("the detail names neither the input nor its maps: %s", detail);
		if (crashes != NULL || n != 0)
			fuzz_fail("nsym_report_read failed but gave %zu crashes", n);
		return 0;
	}
	if (n == 0 || crashes == NULL)
		fuzz_fail("nsym_report_read succeeded with no crash");
	for (size_t i = 0; i < n; i++)
		fuzz_check_crash(&crashes[i]);
	symbolicate(crashes, n, 0);
	symbolicate(crashes, n, NSYM_REPORT_JSON | NSYM_REPORT_BASENAMES);
	nsym_crashes_free(crashes, n);
	return 0;
}
