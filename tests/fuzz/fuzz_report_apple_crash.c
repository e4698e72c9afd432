/*
 * Fuzzes the reader of macOS text crash reports
 * (nsym_crash_from_apple_crash): the lines of any text, unquoted, as
 * header lines, section headers, frames and Binary Images, several
 * reports in one text, and the placing of frames in images. It never
 * fails but for memory; every crash must keep the model's promises and go
 * through the symbolicate pipeline (text or JSON, by the input's first
 * byte). nsym_report_read on the same text fuzzes the choice of reader.
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
	rc = nsym_crash_from_apple_crash(&crashes, &n, (const char *)data, size, fuzz_crash_warn,
	                                 NULL);
	if (rc != 0)
		fuzz_check_error(rc, "the .crash");
	for (size_t i = 0; rc == 0 && i < n; i++)
		fuzz_check_crash(&crashes[i], flags);
	nsym_crashes_free(crashes, n);
	/* which reader reads it; no maps, so no file is read */
	fuzz_reset_error();
	rc = nsym_report_read(&crashes, &n, &in, &o);
	if (rc != 0)
		fuzz_check_error(rc, "the input");
	for (size_t i = 0; rc == 0 && i < n; i++)
		fuzz_check_crash(&crashes[i], flags);
	nsym_crashes_free(crashes, n);
	return 0;
}
