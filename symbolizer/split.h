/*
 * Shared by split.c (planning, temporary files, checks, renames) and
 * split_write.c (the two ELF writers).
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

/* Writes the debug file to fd. */
int nsym__split_write_debug(struct split_plan *p, int fd, const char *path);
/* Writes the stripped file to fd, naming p->debuglink with p->debug_crc. */
int nsym__split_write_stripped(struct split_plan *p, int fd, const char *path);

#endif
