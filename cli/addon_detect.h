/*
 * Telling a native addon from other files, for the project walk: by name
 * first (cheap, no I/O), then by the first bytes of the file, so a text
 * file named x.node is not taken for one.
 */
#ifndef NSYM_CLI_ADDON_DETECT_H
#define NSYM_CLI_ADDON_DETECT_H

#include <stdbool.h>
#include <stddef.h>

/* Bytes at the start of a file that nsym_addon_magic needs to see. */
#define NSYM_ADDON_MAGIC_SIZE 4

/* Whether a file name may be an addon: *.node, or a shared library
 * (*.so, *.so.N[.N...], *.dylib, *.dll). */
bool nsym_addon_name(const char *name);

/* Whether the first n bytes of a file (n may be short) are the magic of a
 * binary: ELF, Mach-O (32/64-bit, either byte order), universal (fat and
 * fat64), or MZ. */
bool nsym_addon_magic(const unsigned char *m, size_t n);

#endif
