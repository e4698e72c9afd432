/*
 * Frames a trace gives as a symbol and an offset, placed by the symbol's
 * address in the module's binary (nsym_crash_place_symbols in
 * napi_symbols_report.h): WinDbg's `addon!napi_register_module_v1+0x1234`,
 * lldb's ``x.node`fn + 52``, minidump_stackwalk's `x.node!fn + 0x12`,
 * glibc's `x.node(fn+0x1a)`. A stripped addon's frames are named after the
 * nearest export, and an export's address is in the binary itself, so
 * symbol + offset is exact (docs/design.md, "Reading crash texts"). A name
 * that two functions at different addresses answer to is left alone, as
 * is one no function answers to (a debugger's name with its parameters, or
 * with its source line). Frames that also give their absolute address then
 * give the module's load address, which places the module's other frames.
 */
#include <stdlib.h>
#include <string.h>

#include "code.h"
#include "report.h"

static void place(struct nsym_crash_frame *f, uint64_t rel, enum nsym_offset_how how)
{
	f->rel = rel;
	f->how = how;
	free(f->why);
	f->why = NULL;
}

/* The frame waits for an offset: it names the module, and no offset. */
static bool unplaced(const struct nsym_crash_frame *f, size_t module)
{
	return f->module == (int)module && f->how == NSYM_OFFSET_UNKNOWN && f->why != NULL;
}

int nsym_crash_place_symbols(size_t *out, struct nsym_crash *c, size_t module, nsym_symbolizer *sym)
{
	struct nsym_crash_module *m = &c->modules[module];
	uint64_t image_base = nsym_symbolizer_image_base(sym), base = 0;
	bool has_base = false, agree = true;

	*out = 0;
	for (size_t i = 0; i < c->nframes; i++) {
		struct nsym_crash_frame *f = &c->frames[i];
		uint64_t addr;
		if (!unplaced(f, module) || f->symbol == NULL ||
		    nsym__symbolizer_symbol(&addr, sym, f->symbol) != 0 || addr < image_base)
			continue;
		place(f, addr - image_base + f->symbol_offset, NSYM_OFFSET_SYMBOL);
		(*out)++;
		if (f->pc != 0 && f->pc >= f->rel) {
			agree &= !has_base || base == f->pc - f->rel;
			base = f->pc - f->rel;
			has_base = true;
		}
	}
	/* the load address, when the frames agree on one: the module's others */
	if (!has_base || !agree || (m->has_base && m->base != base))
		return 0;
	m->has_base = true;
	m->base = base;
	for (size_t i = 0; i < c->nframes; i++) {
		struct nsym_crash_frame *f = &c->frames[i];
		if (unplaced(f, module) && f->pc >= base && f->pc != 0 &&
		    (m->size == 0 || f->pc - base < m->size)) {
			place(f, f->pc - base, NSYM_OFFSET_BASE);
			(*out)++;
		}
	}
	return 0;
}
