/*
 * Fuzzes the reader of macOS .ips crash reports (nsym_crash_from_ips): the
 * search for the metadata line and the report object in any text, the
 * bracket matching that finds the object's end, jansson with numbers read
 * as doubles, and every member read from the report (usedImages, threads,
 * faultingThread, lastExceptionBacktrace, exception, termination). Every
 * failure must be a known code with a one-line detail; every crash must
 * keep the model's promises and go through the symbolicate pipeline (text
 * or JSON, by the input's first byte).
 */
#include <stdint.h>

#include "fuzz_crash.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nsym_crash c;
	int rc;

	fuzz_reset_error();
	rc = nsym_crash_from_ips(&c, (const char *)data, size, fuzz_crash_warn, NULL);
	if (rc != 0)
		fuzz_check_error(rc, "the .ips");
	else
		fuzz_check_crash(&c, size > 0 && (data[0] & 1) ? NSYM_REPORT_JSON : 0);
	nsym_crash_release(&c);
	return 0;
}
