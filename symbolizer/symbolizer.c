/*
 * nsym_symbolizer: one file opened for lookups. It pairs the file with its
 * debug file, answers from DWARF where there is DWARF, and falls back to the
 * symbol tables (marked approximate) where there is none.
 */
#include <stdlib.h>
#include <string.h>

#include "debug_pair.h"
#include "dwarf_internal.h"
#include "symtab.h"

struct nsym_symbolizer {
	struct nsym_elf *file;
	struct nsym_elf *debug; /* may be the same as file; NULL: none */
	struct nsym_identity id;
	struct nsym_dwarf *dwarf;
	struct nsym_symtab symtab;
};

static int pick_debug_file(nsym_symbolizer *sym, const char *path,
                           const struct nsym_open_options *options)
{
	int rc;

	if (options != NULL && options->debug_file != NULL)
		return nsym__debug_open_explicit(&sym->debug, options->debug_file, &sym->id);
	if (sym->id.has_debug_info) {
		sym->debug = sym->file;
		return 0;
	}
	rc = nsym__debug_find(&sym->debug, path, &sym->id,
	                      options != NULL ? options->debug_dirs : NULL);
	/* No debug file is not an error: the symbol tables still answer. */
	return rc == NSYM_ENODEBUG ? 0 : rc;
}

int nsym_symbolizer_open(nsym_symbolizer **out, const char *path,
                         const struct nsym_open_options *options)
{
	nsym_symbolizer *sym;
	int rc;

	if (out == NULL || path == NULL)
		return nsym__fail(NSYM_EINVAL, NULL, NULL);
	*out = NULL;
	sym = calloc(1, sizeof(*sym));
	if (sym == NULL)
		return nsym__fail(NSYM_ENOMEM, path, NULL);
	rc = nsym__elf_open(&sym->file, path);
	if (rc == 0)
		rc = nsym__elf_identity(&sym->id, sym->file);
	if (rc == 0)
		rc = pick_debug_file(sym, path, options);
	if (rc == 0 && sym->debug != NULL) {
		rc = nsym__dwarf_open(&sym->dwarf, sym->debug);
		if (rc == NSYM_ENODEBUG)
			rc = 0;
	}
	if (rc == 0 && sym->debug != NULL && sym->debug != sym->file)
		rc = nsym__symtab_add(&sym->symtab, sym->debug);
	if (rc == 0)
		rc = nsym__symtab_add(&sym->symtab, sym->file);
	if (rc != 0) {
		nsym_symbolizer_close(sym);
		return rc;
	}
	*out = sym;
	return 0;
}

void nsym_symbolizer_close(nsym_symbolizer *sym)
{
	if (sym == NULL)
		return;
	nsym__dwarf_close(sym->dwarf);
	nsym__symtab_free(&sym->symtab);
	if (sym->debug != sym->file)
		nsym__elf_close(sym->debug);
	nsym__elf_close(sym->file);
	free(sym);
}

const char *nsym_symbolizer_debug_path(const nsym_symbolizer *sym)
{
	return sym != NULL && sym->dwarf != NULL ? sym->debug->path : NULL;
}

static int set_single_frame(struct nsym_frames *out, const struct nsym_frame *f)
{
	if (nsym__grow((void **)&out->frames, &out->capacity, 1, sizeof(*out->frames)) != 0)
		return NSYM_ENOMEM;
	out->frames[0] = *f;
	out->count = 1;
	return 0;
}

int nsym_symbolizer_lookup(struct nsym_frames *out, nsym_symbolizer *sym, uint64_t address,
                           unsigned flags)
{
	const struct nsym_sym *s;
	bool found = false;
	int rc;

	if (out == NULL || sym == NULL)
		return nsym__fail(NSYM_EINVAL, NULL, NULL);
	out->count = 0;
	if ((flags & NSYM_LOOKUP_RETURN_ADDRESS) && address > 0)
		address--;
	if (sym->dwarf != NULL) {
		rc = nsym__dwarf_lookup(out, sym->dwarf, address, flags, &found);
		if (rc != 0)
			return rc;
	}
	if (found) {
		/* Line info without a function DIE: name it from the symbols. */
		struct nsym_frame *outer = &out->frames[out->count - 1];
		if (strcmp(outer->function, "??") == 0 &&
		    (s = nsym__symtab_find(&sym->symtab, address)) != NULL) {
			outer->function = s->demangled;
			outer->linkage_name = s->name;
			outer->approximate = 1;
		}
		return 0;
	}
	s = nsym__symtab_find(&sym->symtab, address);
	if (s == NULL)
		return set_single_frame(out, &(struct nsym_frame){.function = "??", .file = "??"});
	return set_single_frame(out, &(struct nsym_frame){
	                                 .function = s->demangled,
	                                 .linkage_name = s->name,
	                                 .file = s->file != NULL ? s->file : "??",
	                                 .approximate = 1,
	                                 .symbol_offset = address - s->addr,
	                             });
}

void nsym_frames_release(struct nsym_frames *frames)
{
	if (frames == NULL)
		return;
	free(frames->frames);
	memset(frames, 0, sizeof(*frames));
}
