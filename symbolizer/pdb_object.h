/* A PDB opened for lookups (pdb_lookup.c), as the symbolizer sees it. */
#ifndef NSYM_PDB_OBJECT_H
#define NSYM_PDB_OBJECT_H

#include "internal.h"

struct nsym_pdb;

/* A section of the image, as its header says (the PDB keeps a copy, which
 * is used when present). */
struct nsym_pdb_section {
	uint32_t rva, size;
	uint32_t characteristics;
};

/*
 * Opens the PDB at path: its identity, DBI stream, /names and publics
 * header. image (n sections) stands in for the section headers a PDB
 * lacks; it may be NULL. NSYM_ETRUNC naming the damaged stream,
 * NSYM_ENODEBUG for a PDB of types only, NSYM_ENOMEM, or the file's own
 * errors. Module streams are read on the first lookup that needs them.
 */
int nsym__pdb_open(struct nsym_pdb **out, const char *path, const struct nsym_pdb_section *image,
                   size_t n);
void nsym__pdb_close(struct nsym_pdb *pdb);

const char *nsym__pdb_path(const struct nsym_pdb *pdb);
/* The GUID as stored (16 bytes) and the age that images name. */
const unsigned char *nsym__pdb_guid(const struct nsym_pdb *pdb);
uint32_t nsym__pdb_age(const struct nsym_pdb *pdb);

/*
 * The frames for an RVA, innermost first, as llvm-symbolizer answers from
 * this PDB: the inline sites that hold it, then its procedure, named by
 * the public symbol at the procedure's start when there is one. Without a
 * procedure, the nearest public before it names one frame, approximate.
 * With NSYM_LOOKUP_NO_INLINES, the innermost frame alone. *found is false
 * when the PDB knows nothing of rva. NSYM_ENOMEM, or NSYM_ETRUNC naming a
 * damaged module stream.
 */
int nsym__pdb_lookup(struct nsym_frames *out, struct nsym_pdb *pdb, uint32_t rva, unsigned flags,
                     bool *found);

/* pdb_symcache.c: writes the symcache of the PDB of an image loaded at
 * image_base (0 for a PDB alone), keyed by id (symcache.h). */
int nsym__pdb_symcache_write(const char *path, const unsigned char *id, size_t id_len,
                             struct nsym_pdb *pdb, uint64_t image_base);

#endif
