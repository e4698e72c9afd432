/*
 * The symbolizer's state (struct nsym_symbolizer), shared by its opening
 * (symbolizer_open.c: the file and its debug file, per container) and its
 * answers (symbolizer.c: lookups from the symcache or the debug info).
 * Internal to libnsym.
 */
#ifndef NSYM_SYMBOLIZER_INTERNAL_H
#define NSYM_SYMBOLIZER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "code.h"
#include "debug_pair.h"
#include "dwarf_internal.h"
#include "image.h"
#include "macho_object.h"
#include "napi_symbols_util.h"
#include "pe_object.h"
#include "symcache.h"
#include "symtab.h"

struct nsym_symbolizer {
	const char *path;       /* the file opened, borrowed from file or mfile */
	const char *debug_path; /* NULL: no DWARF */
	struct nsym_elf *file;
	struct nsym_elf *debug; /* may be the same as file; NULL: none */
	struct nsym_identity id;
	struct nsym_macho *mfile, *mdebug;    /* Mach-O: the same roles */
	struct nsym_pe *pe;                   /* PE: the image */
	struct nsym_pdb *pdb;                 /* its PDB (or the PDB opened alone) */
	unsigned char key[NSYM_BUILD_ID_MAX]; /* the identity: build-id, fallback id or UUID;
	                                         PE and PDB: GUID and age */
	size_t key_len;                       /* 0: none */
	char id_text[NSYM_IMAGE_ID_SIZE];     /* PE and PDB: the PDB's SymSrv key */
	char *debug_name;                     /* PE: the PDB's file name, owned */
	bool pdb_keyed; /* keyed by a PDB: its frames (or its symcache's) are named
	                   by the PDB, never renamed from a symbol table */
	uint64_t image_base;
	struct nsym_dwarf *dwarf;
	struct nsym_symtab symtab;
	struct nsym_symcache *cache; /* when set, nothing else is loaded */
	char *cache_path;            /* where cache came from */
	/* Answering from a symcache opened beside the file: what loading its
	 * debug file takes, should the symcache turn out damaged. */
	char *open_path;
	char **debug_dirs;
	bool explicit_debug; /* options->debug_file, opened already */
	bool no_search;      /* options->no_search */
	bool debug_loaded;   /* the debug file's DWARF and the symbols are in */
	char *own_path;      /* a symcache opened alone: its path */
	bool shared;         /* nsym_symbolizer_share: lookups from several threads */
};

/* Where the symcache of sym is kept in dir: DIR/ID.vN.symcache. 0;
 * NSYM_ENOENT when sym has no identity to key it by; NSYM_EINVAL when the
 * path would not fit. */
int nsym__symbolizer_cache_path(char *out, size_t size, const nsym_symbolizer *sym,
                                const char *dir);
/* Loads the debug file's DWARF (or PDB) and the symbols, when a damaged
 * symcache made the symbolizer need them after all. On failure nothing of
 * them is kept, so a later lookup tries again. */
int nsym__symbolizer_load_debug(nsym_symbolizer *sym);

#endif
