/*
 * A saved /proc/PID/maps, and the modules it gives the absolute addresses
 * of a Rust backtrace (crash_rust.c): which file each address was mapped
 * from, its identity read from that file here, and the address within it.
 */
#ifndef NSYM_CLI_PROC_MAPS_H
#define NSYM_CLI_PROC_MAPS_H

#include <stddef.h>

#include "crash.h"

#define NSYM_MAPS_MAX      (1u << 18) /* far above vm.max_map_count's 65530 */
#define NSYM_MAPS_MAX_LINE 8192       /* a path is at most PATH_MAX (4096) */

struct nsym_maps;

/*
 * Reads the text of a maps file: every line "START-END PERMS OFFSET DEV
 * INODE [PATH]". A line that is none is named on stderr and skipped (a few,
 * then a count). 0 with *out to free with nsym_maps_free, or -1 with why in
 * err when no line is a mapping.
 */
int nsym_maps_parse(struct nsym_maps **out, const char *text, size_t len, char *err,
                    size_t err_size);
void nsym_maps_free(struct nsym_maps *maps);

/*
 * Gives each frame of the n crashes c (absolute pc, module -1) the module
 * of the file mapped at its pc, and its address in that file as the
 * program headers state it. A file that is not here, or was replaced
 * since, keeps a module whose why says so (its rel is then the file
 * offset, or the offset in the mapping when the line's OFFSET would put it
 * past 2^64). A pc in no mapping, or in one without a file (JIT code, the
 * stack), keeps module -1. 0, or -1 when out of memory. A replaced file is
 * warned about once per maps (a few, then a count).
 */
int nsym_maps_place(struct nsym_crash *c, size_t n, struct nsym_maps *maps);

#endif
