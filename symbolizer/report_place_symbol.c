/*
 * Frames placed by the symbol the text names: "addon.node!fib_iter + 0x8"
 * (minidump_stackwalk, WinDbg), "napi_register_module_v1 + 36" (macOS
 * backtrace_symbols, lldb, a .crash without its Binary Images). The
 * symbol's address in the module's file plus the text's offset is the
 * frame's place exactly, with no load address needed; and where the frame
 * also gives its absolute address, the load address follows, placing the
 * module's other frames. A stripped addon's frames all carry its one
 * export and a large offset, which is why this matters: the export is in
 * the shipped file's own symbol table.
 *
 * It runs in the pipeline, once the resolver has opened the modules, on
 * the pipeline's copy of the frames (the caller's crash stays as read).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "code.h"
#include "report.h"

bool nsym__report_by_symbol(const struct nsym_crash_frame *f)
{
	return f->module >= 0 && !nsym__crash_frame_placed(f) && f->symbol != NULL &&
	       f->has_symbol_offset;
}

/* Frame i's why, owned by the run. 0 or NSYM_ENOMEM. */
static int say(struct nsym__report_run *r, size_t i, const char *why)
{
	free(r->whys[i]);
	r->whys[i] = nsym__crash_text(why, strlen(why));
	r->frames[i].why = r->whys[i];
	return r->whys[i] != NULL ? 0 : NSYM_ENOMEM;
}

/* The frames of module m placed by their symbols; the load address they
 * agree on, when they give absolute addresses, into *base. */
static int place_named(bool *has_base, uint64_t *base, struct nsym__report_run *r, size_t m,
                       nsym_symbolizer *sym)
{
	bool clash = false;
	char why[NSYM_REPORT_WHY_SIZE];

	*has_base = false;
	for (size_t i = 0; i < r->copy.nframes; i++) {
		struct nsym_crash_frame *f = &r->frames[i];
		uint64_t addr = 0, rel;
		size_t n;

		if (f->module != (int)m || !nsym__report_by_symbol(f))
			continue;
		n = nsym__symbolizer_named(&addr, sym, f->symbol);
		if (n != 1 || addr < nsym_symbolizer_image_base(sym)) {
			snprintf(why, sizeof(why),
			         n == 2 ? "'%s' names several functions in %s"
			                : "no function named '%s' in %s",
			         f->symbol, nsym_symbolizer_path(sym));
			if (say(r, i, why) != 0)
				return NSYM_ENOMEM;
			continue;
		}
		rel = addr - nsym_symbolizer_image_base(sym) + f->symbol_offset;
		f->rel = rel;
		f->how = NSYM_OFFSET_SYMBOL;
		f->why = NULL;
		if (f->pc == 0 || f->pc < rel)
			continue;
		clash |= *has_base && *base != f->pc - rel;
		*has_base = true;
		*base = f->pc - rel;
	}
	*has_base &= !clash; /* two loads say nothing of the others */
	return 0;
}

int nsym__report_place_symbols(struct nsym__report_run *r)
{
	for (size_t m = 0; m < r->copy.nmodules; m++) {
		nsym_symbolizer *sym = r->slots[m].sym;
		bool has_base;
		uint64_t base;

		if (sym == NULL)
			continue;
		if (place_named(&has_base, &base, r, m, sym) != 0)
			return NSYM_ENOMEM;
		if (!has_base || r->copy.modules[m].has_base)
			continue;
		for (size_t i = 0; i < r->copy.nframes; i++) {
			struct nsym_crash_frame *f = &r->frames[i];
			if (f->module != (int)m || nsym__crash_frame_placed(f) || f->pc < base ||
			    f->pc == 0)
				continue;
			f->rel = f->pc - base;
			f->how = NSYM_OFFSET_INFERRED;
			f->why = NULL;
		}
	}
	return 0;
}
