/*
 * The code of the binary a symbolizer was opened on, as load-address
 * inference (report_infer.c) reads it: where the executable sections lie
 * at the addresses the file is linked at, and their bytes, to tell whether
 * a return address follows a call instruction.
 */
#ifndef NSYM_CODE_H
#define NSYM_CODE_H

#include "internal.h"

#define NSYM_CODE_RANGES_MAX 32

struct nsym_code_range {
	uint64_t lo, hi;            /* linked addresses */
	const unsigned char *bytes; /* hi - lo bytes, or NULL when not in the file
	                               (a debug file keeps no code) */
};

struct nsym_code {
	struct nsym_code_range ranges[NSYM_CODE_RANGES_MAX];
	size_t count;
	uint64_t image_base; /* nsym_symbolizer_image_base */
	uint64_t page;       /* loads are aligned to this */
	bool arm64, x86_64;  /* the instruction sets whose calls are checked */
	int format;          /* NSYM_FORMAT_ELF, NSYM_FORMAT_MACHO or NSYM_FORMAT_PE */
};

/* symbolizer.c: the code of sym's binary; NSYM_ENOENT when it has none. */
int nsym__symbolizer_code(struct nsym_code *out, nsym_symbolizer *sym);
/* Whether sym's symbol tables name a function `name` (not from a symcache). */
bool nsym__symbolizer_has_symbol(nsym_symbolizer *sym, const char *name);
/* The linked address of the function a trace calls `name`, from sym's
 * symbol tables or its symcache: 1 when one address answers, 0 when none,
 * 2 when several do. */
size_t nsym__symbolizer_named(uint64_t *out, nsym_symbolizer *sym, const char *name);

/* macho_object.c and elf_file.c: the same for one container. */
struct nsym_macho;
int nsym__macho_code(struct nsym_code *out, struct nsym_macho *m);
int nsym__elf_code(struct nsym_code *out, struct nsym_elf *ef);

#endif
