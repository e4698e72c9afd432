/*
 * Shared by split.c (paths, temporary files, checks, renames, the ELF
 * plan), split_write.c (the two ELF writers) and split_macho.c (Mach-O,
 * whose debug file is the .dSYM that dsymutil made).
 */
#ifndef NSYM_SPLIT_H
#define NSYM_SPLIT_H

#include "internal.h"

/* What becomes of one input section in one output. */
enum split_keep {
	SPLIT_DROP,    /* not in this output */
	SPLIT_CONTENT, /* header and contents */
	SPLIT_NOBITS,  /* header only, as SHT_NOBITS */
};

struct split_section {
	GElf_Shdr sh;
	const char *name;
	Elf_Data *raw;            /* input bytes; NULL for SHT_NOBITS */
	enum split_keep stripped; /* SPLIT_DROP or SPLIT_CONTENT */
	enum split_keep debug;    /* SPLIT_CONTENT or SPLIT_NOBITS */
	size_t stripped_index;    /* index in the stripped file; 0 when dropped */
};

struct split_plan {
	struct nsym_elf *ef;
	const struct nsym_split_options *opt;
	struct nsym_identity id;
	struct split_section *sec; /* by input index; [0] unused */
	size_t shnum;
	size_t symtab;         /* input index of .symtab, or 0 */
	size_t stripped_shnum; /* sections kept, plus .gnu_debuglink */
	const char *debuglink; /* file name the stripped file names */
	uint32_t debug_crc;
	unsigned compressed; /* sections nsym__split_write_debug compressed */
};

/* Where a split reads and writes. */
struct nsym_split_paths {
	char *input;    /* resolved, so a symlinked input's target is replaced */
	char *stripped; /* final names */
	char *debug;    /* ELF: the debug file written; NULL for Mach-O */
	bool in_place;
};

/* An output written to a temporary file beside its final name. */
struct nsym_output {
	const char *path; /* final name */
	char *tmp;        /* temporary file beside it */
	int fd;
};

/* Creates the temporary file beside path with `mode`. */
int nsym__output_open(struct nsym_output *o, const char *path, mode_t mode);
/* Renames it into place; with replace false, refuses an existing name. */
int nsym__output_commit(struct nsym_output *o, bool replace);
/* Removes the temporary file unless it was renamed into place. */
void nsym__output_discard(struct nsym_output *o);
/* Refuses outputs that exist (unless options->force) before any work is
 * done; the final renames check again, without a window. */
int nsym__split_check_free(const struct nsym_split_paths *sp, const struct nsym_split_options *opt);

/* split_macho.c: whether the file starts with a Mach-O magic, and the
 * Mach-O split (`path` as the caller gave it: its .dSYM is looked for
 * beside it). */
bool nsym__split_is_macho(const char *path);
int nsym__split_macho(struct nsym_split_result *out, const struct nsym_split_paths *sp,
                      const char *path, const struct nsym_split_options *opt);

/* Writes the debug file to fd. */
int nsym__split_write_debug(struct split_plan *p, int fd, const char *path);
/* Writes the stripped file to fd, naming p->debuglink with p->debug_crc. */
int nsym__split_write_stripped(struct split_plan *p, int fd, const char *path);

#endif
