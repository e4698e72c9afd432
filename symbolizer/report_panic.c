/*
 * Where a panic was raised, when its report does not say (a preloaded hook
 * cannot read it): the first place up the stack outside std's panic
 * machinery, which is the panic!'s (or, through #[track_caller], the
 * unwrap's) call site. Only frames the DWARF answers count: on unknown
 * ground there is no guess.
 */
#include <stdio.h>
#include <string.h>

#include "report.h"

static bool panic_machinery(const char *function)
{
	static const char *const prefixes[] = {
	    "core::panicking::",
	    "std::panicking::",
	    "std::panic::",
	    "core::panic::",
	    "panic_unwind::",
	    "__rust_",
	    "__rustc::",
	    "rust_panic",
	    "_Unwind_",
	    "std::sys::backtrace::",
	    "std::sys_common::backtrace::",
	    "<std::panicking::",
	    "core::result::unwrap_failed",
	    "core::option::expect_failed",
	    "core::option::unwrap_failed",
	    "std::rt::",
	};
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		if (strncmp(function, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	}
	return false;
}

bool nsym__report_find_raise(struct nsym__raised_at *out, const struct nsym__report_run *r)
{
	const struct nsym_crash *c = r->c;
	bool found = false;

	for (size_t i = 0; i < c->nframes && !found; i++) {
		const struct nsym_frames *fr = &r->found[i];
		for (size_t k = 0; k < fr->count && !found; k++) {
			const struct nsym_frame *f = &fr->frames[k];
			if (f->approximate || f->line == 0 || strcmp(f->function, "??") == 0)
				break; /* unknown ground: no guess */
			if (panic_machinery(f->function))
				continue;
			snprintf(out->function, sizeof(out->function), "%s", f->function);
			snprintf(out->file, sizeof(out->file), "%s", f->file);
			out->line = f->line;
			out->column = f->column;
			found = true;
		}
	}
	return found;
}
