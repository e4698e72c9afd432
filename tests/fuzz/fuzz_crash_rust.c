/*
 * Fuzzes the reader of Rust's RUST_BACKTRACE=full backtraces,
 * nsym_crash_from_rust: the input is any text (a terminal capture, a
 * pasted issue) holding "thread '…' panicked at" headers, their messages
 * and "stack backtrace:" frames. It never fails but for memory: every
 * backtrace must be a panic whose frames hold absolute addresses and no
 * module yet, within the crash model's promises (fuzz_report.h), and the
 * scan must count no more short backtraces than there are
 * "stack backtrace:" lines.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_report.h"
#include "fuzz_util.h"

/* How many times needle occurs in data. */
static size_t occurrences(const uint8_t *data, size_t size, const char *needle)
{
	size_t count = 0, len = strlen(needle);
	const uint8_t *p = data, *end = data + size;
	const uint8_t *hit;

	while (p < end && (hit = memmem(p, (size_t)(end - p), needle, len)) != NULL) {
		count++;
		p = hit + len;
	}
	return count;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_warnings w = {0};
	struct nsym_rust_scan scan;
	struct nsym_crash *crashes = NULL;
	size_t n = 0, headers;
	int rc;

	memset(&scan, 0xa5, sizeof(scan));
	fuzz_reset_error();
	fuzz_quiet_begin();
	rc = nsym_crash_from_rust(&crashes, &n, &scan, (const char *)data, size, fuzz_warn, &w);
	fuzz_quiet_end("nsym_crash_from_rust");
	if (rc != 0) {
		fuzz_check_report_error(rc);
		if (rc != NSYM_ENOMEM)
			fuzz_fail("nsym_crash_from_rust gave %d", rc);
	}
	fuzz_say("%zu backtraces, %zu panics, %zu short backtraces, %zu warnings", n, scan.panics,
	         scan.short_backtraces, w.n);
	headers = occurrences(data, size, "stack backtrace:");
	if (n + scan.short_backtraces > headers)
		fuzz_fail("%zu backtraces and %zu short ones from %zu 'stack backtrace:' lines", n,
		          scan.short_backtraces, headers);
	if (scan.panics > occurrences(data, size, " panicked at "))
		fuzz_fail("%zu panics counted from fewer 'panicked at' lines", scan.panics);
	if (n > 0 && crashes == NULL)
		fuzz_fail("%zu backtraces but no array", n);
	for (size_t i = 0; i < n; i++) {
		const struct nsym_crash *c = &crashes[i];
		fuzz_check_crash(c);
		if (strcmp(c->reason, "panic") != 0 || c->nmodules != 0)
			fuzz_fail("backtrace %zu is a %s with %zu modules", i, c->reason,
			          c->nmodules);
		for (size_t k = 0; k < c->nframes; k++) {
			if (c->frames[k].module != -1 || !c->frames[k].return_address)
				fuzz_fail("backtrace %zu frame %zu is placed already", i, k);
		}
	}
	nsym_crashes_free(crashes, n);
	return 0;
}
