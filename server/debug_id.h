/*
 * Breakpad debug ids, which Mozilla's symbolication API (v5) and its
 * clients (the Firefox Profiler, samply) name modules by, taken back to
 * the identities the store keeps files under. A debug id is 32 hex digits
 * of a GUID and the age in hex: for a PDB its GUID and age (the key the
 * store keeps it under, in lowercase); for Mach-O the LC_UUID and 0; for
 * ELF the first 16 bytes of the GNU build-id read as a little-endian GUID
 * (its first three fields byte-swapped) and 0, which loses the rest of the
 * build-id, so the store is searched by the 16 bytes it keeps
 * (getsentry/symbolic, symbolic-debuginfo/src/elf.rs, compute_debug_id;
 * nsym_image_id with NSYM_ID_DEBUG_ID is the other direction).
 */
#ifndef NSYM_SERVER_DEBUG_ID_H
#define NSYM_SERVER_DEBUG_ID_H

#include "store.h"

/*
 * The stored artifact that debug id `id` (hex digits, either case) names,
 * into *out: its key and format say how to open it (stored_module.h). An
 * ELF build-id shorter than 16 bytes was padded with zeros, and is found
 * as well. 0; NSYM_ENOENT when the store has none, or id is no debug id (a
 * GUID and an age of 1 to 8 digits); NSYM_EIO with the store's message
 * (nsym_store_errmsg) when it failed.
 */
int nsym_debug_id_find(struct nsym_artifact *out, struct nsym_store *s, const char *id);

#endif
