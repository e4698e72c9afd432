/*
 * Fuzzes the compact-trace reader, nsym_crash_from_text: the input is any
 * text (a pasted issue, a log) that may hold "napi-symbols: crash v1" and
 * "panic v1" traces. It never fails but for memory: every trace it finds
 * must keep the crash model's promises (fuzz_report.h), and every line it
 * passes over is told to the warning callback as one printable line. Read
 * a second time without a callback, the text must give the same traces.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_report.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_warnings w = {0};
	struct nsym_crash *crashes = NULL, *again = NULL;
	size_t n = 0, m = 0;
	int rc;

	fuzz_reset_error();
	fuzz_quiet_begin();
	rc = nsym_crash_from_text(&crashes, &n, (const char *)data, size, fuzz_warn, &w);
	fuzz_quiet_end("nsym_crash_from_text");
	if (rc != 0) {
		fuzz_check_report_error(rc);
		if (rc != NSYM_ENOMEM)
			fuzz_fail("nsym_crash_from_text gave %d", rc);
	}
	fuzz_say("%zu traces, %zu warnings", n, w.n);
	if (n > 0 && crashes == NULL)
		fuzz_fail("%zu traces but no array", n);
	for (size_t i = 0; i < n; i++)
		fuzz_check_crash(&crashes[i]);

	fuzz_quiet_begin();
	rc = nsym_crash_from_text(&again, &m, (const char *)data, size, NULL, NULL);
	fuzz_quiet_end("nsym_crash_from_text without a callback");
	if (rc == 0 && m != n)
		fuzz_fail("%zu traces with a warning callback, %zu without", n, m);
	for (size_t i = 0; rc == 0 && i < m && i < n; i++) {
		if (again[i].nframes != crashes[i].nframes ||
		    again[i].nmodules != crashes[i].nmodules)
			fuzz_fail("trace %zu reads otherwise without a warning callback", i);
	}
	nsym_crashes_free(again, m);
	nsym_crashes_free(crashes, n);
	return 0;
}
