/*
 * Fuzzes the crash report reader, nsym_crash_from_report: the input is the
 * text of a report file (docs/crash-report.md), JSON read through jansson
 * with a size and a depth limit. A failure must be NSYM_EINVAL with a
 * detail a terminal can show; a report read must be a crash model that
 * keeps the header's promises (fuzz_report.h), and be released whole.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_report.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nsym_crash c;
	int rc;

	fuzz_reset_error();
	fuzz_quiet_begin();
	rc = nsym_crash_from_report(&c, (const char *)data, size);
	fuzz_quiet_end("nsym_crash_from_report");
	if (rc != 0) {
		fuzz_check_report_error(rc);
		if (rc != NSYM_EINVAL && rc != NSYM_ENOMEM)
			fuzz_fail("nsym_crash_from_report gave %d", rc);
	} else {
		fuzz_say("a %s report: %zu modules, %zu frames, %zu registers", c.reason,
		         c.nmodules, c.nframes, c.nregisters);
		fuzz_check_crash(&c);
		if (c.nmodules > 0 && !c.modules[0].listed)
			fuzz_fail("a report's module is not listed");
	}
	/* out is released whatever the answer */
	nsym_crash_release(&c);
	return 0;
}
