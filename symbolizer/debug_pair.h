/* Finding and checking the debug file of an object (debug_pair.c). */
#ifndef NSYM_DEBUG_PAIR_H
#define NSYM_DEBUG_PAIR_H

#include "internal.h"

/* 0 when `debug` may be the debug file of `file`, else NSYM_EMISMATCH with
 * the reason recorded for nsym_error_detail(). */
int nsym__debug_matches(const struct nsym_identity *file, const struct nsym_identity *debug,
                        const char *debug_path);
/* Searches the usual places; NSYM_ENODEBUG when nothing was there, or the
 * error of the last candidate that was there but did not match. */
int nsym__debug_find(struct nsym_elf **out, const char *path, const struct nsym_identity *id,
                     const char *const *debug_dirs);
/* Opens an explicitly named debug file, refusing it when it does not match. */
int nsym__debug_open_explicit(struct nsym_elf **out, const char *debug_path,
                              const struct nsym_identity *id);

#endif
