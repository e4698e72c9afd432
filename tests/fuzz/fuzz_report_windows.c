/*
 * Fuzzes the reader of Windows' own crash records (nsym_crash_from_windows:
 * the Application Error event in words and XML, WER's Report.wer and
 * problem signatures): the input as text, each crash kept to the model's
 * promises (fuzz_crash.h) and through the symbolicate pipeline (text or
 * JSON, by the input's first byte); then nsym_report_read on the same
 * bytes, which reads UTF-16 text (a Report.wer) as UTF-8 first and picks
 * the readers. It never fails but for memory.
 */
#include <stdint.h>

#include "fuzz_crash.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct nsym_report_options o = {.warn = fuzz_crash_warn};
	struct nsym_report_input in = {.text = (const char *)data, .len = size};
	struct nsym_crash *crashes = NULL;
	size_t n = 0;
	unsigned flags = size > 0 && (data[0] & 1) ? NSYM_REPORT_JSON : 0;
	int rc;

	fuzz_reset_error();
	rc = nsym_crash_from_windows(&crashes, &n, (const char *)data, size, fuzz_crash_warn, NULL);
	if (rc != 0) {
		fuzz_check_error(rc, "the Windows records");
		if (rc != NSYM_ENOMEM || crashes != NULL || n != 0)
			fuzz_fail("nsym_crash_from_windows gave %d with %zu crashes", rc, n);
	}
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const struct nsym_crash *c = &crashes[i];
		/* one frame, the faulting instruction, in its module or none */
		if (c->nframes != 1 || c->nmodules > 1 || c->frames[0].return_address)
			fuzz_fail("crash %zu: %zu frames, %zu modules", i, c->nframes, c->nmodules);
		if (c->nmodules == 1 && c->modules[0].format != NSYM_FORMAT_PE)
			fuzz_fail("crash %zu: a module that is no PE image", i);
		fuzz_check_crash(c, flags);
	}
	nsym_crashes_free(crashes, n);
	fuzz_reset_error();
	rc = nsym_report_read(&crashes, &n, &in, &o);
	if (rc != 0)
		fuzz_check_error(rc, "the input");
	for (size_t i = 0; rc == 0 && i < n; i++)
		fuzz_check_crash(&crashes[i], flags);
	nsym_crashes_free(crashes, n);
	return 0;
}
