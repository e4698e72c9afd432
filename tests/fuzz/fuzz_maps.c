/*
 * Fuzzes the reader of a saved /proc/PID/maps, nsym_maps_parse, and the
 * placing of absolute addresses by it, nsym_maps_place. The input is the
 * maps text. When it reads, a Rust-like crash is made with frames at the
 * start, the middle and the last byte of each mapping the text seems to
 * list (the hex before its '-' and after), and just past it, and placed:
 * each frame must end in a module of the crash or in none, and the crash
 * keep the model's promises (fuzz_report.h). Placing reads the files the
 * maps name on this machine, as its contract says (most do not exist);
 * the seeds name a few that do, such as /proc/self/exe.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_report.h"
#include "fuzz_util.h"

/* Frames made per input: enough for every mapping of a seed. */
#define MAX_FRAMES 128

/* Hex digits at s (at most 16) as a value; *used how many. */
static uint64_t hex_at(const char *s, size_t len, size_t *used)
{
	uint64_t v = 0;
	size_t i = 0;

	for (; i < len && i < 16; i++) {
		char c = s[i];
		unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
		             : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
		             : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
		                                    : 16u;
		if (d == 16)
			break;
		v = v << 4 | d;
	}
	*used = i;
	return v;
}

/* A crash whose frames are at the addresses each "START-END" line of the
 * text suggests, module -1, as nsym_crash_from_rust leaves them. */
static int make_crash(struct nsym_crash *c, const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	memset(c, 0, sizeof(*c));
	snprintf(c->reason, sizeof(c->reason), "panic");
	c->pid = c->tid = -1;
	c->frames = calloc(MAX_FRAMES, sizeof(*c->frames));
	if (c->frames == NULL)
		return -1;
	while (p < end && c->nframes + 5 <= MAX_FRAMES) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl != NULL ? nl : end) - p), a, b;
		uint64_t start = hex_at(p, n, &a), stop;
		if (a > 0 && a < n && p[a] == '-') {
			stop = hex_at(p + a + 1, n - a - 1, &b);
			uint64_t at[] = {start, start + (stop - start) / 2, stop - 1, stop,
			                 start - 1};
			for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
				struct nsym_crash_frame *f = &c->frames[c->nframes++];
				f->module = -1;
				f->pc = at[i];
				f->return_address = true;
			}
		}
		p += n + (nl != NULL);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct fuzz_warnings w = {0};
	struct nsym_crash c;
	nsym_maps *maps = NULL;
	int rc;

	fuzz_reset_error();
	fuzz_quiet_begin();
	rc = nsym_maps_parse(&maps, text, size, fuzz_warn, &w);
	fuzz_quiet_end("nsym_maps_parse");
	fuzz_say("nsym_maps_parse: %d, %zu warnings", rc, w.n);
	if (rc != 0) {
		fuzz_check_report_error(rc);
		if (rc != NSYM_EINVAL && rc != NSYM_ENOMEM)
			fuzz_fail("nsym_maps_parse gave %d", rc);
		if (maps != NULL)
			fuzz_fail("nsym_maps_parse failed but gave maps");
		return 0;
	}
	if (maps == NULL)
		fuzz_fail("nsym_maps_parse succeeded without maps");
	if (make_crash(&c, text, size) != 0)
		fuzz_fail("out of memory making the crash");
	fuzz_reset_error();
	fuzz_quiet_begin();
	rc = nsym_maps_place(&c, 1, maps, fuzz_warn, &w);
	fuzz_quiet_end("nsym_maps_place");
	if (rc != 0) {
		fuzz_check_report_error(rc);
		if (rc != NSYM_ENOMEM)
			fuzz_fail("nsym_maps_place gave %d", rc);
	}
	fuzz_check_crash(&c);
	for (size_t i = 0; i < c.nmodules; i++) {
		if (c.modules[i].path == NULL || !c.modules[i].listed)
			fuzz_fail("placed module %zu has no path or is not listed", i);
	}
	nsym_crash_release(&c);
	nsym_maps_free(maps);
	return 0;
}
