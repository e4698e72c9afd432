/*
 * Declarations shared by the report_*.c files of libnsym (the crash readers
 * and the symbolicate pipeline of napi_symbols_report.h) and nowhere else.
 * Hidden from the library's users like everything in internal.h.
 */
#ifndef NSYM_REPORT_H
#define NSYM_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "napi_symbols_report.h"

/* report_crash.c: helpers for every reader, so they check input the same way. */

/* A copy of s[0..len) (cut at NSYM_CRASH_MAX_TEXT) with control characters
 * as '?'; NULL when out of memory. */
char *nsym__crash_text(const char *s, size_t len);
/* "0x…" (or bare hex when need_0x is false) as a 64-bit value: 0 or -1. */
int nsym__crash_hex(uint64_t *out, const char *s, size_t len, bool need_0x);
/* FILE:LINE:COLUMN (FILE may hold ':') into c's panic location; loc is
 * cut at the colons. Nothing is set when it is not one. */
void nsym__crash_panic_location(struct nsym_crash *c, char *loc);
/* Room for one more module or frame, zeroed; -1 at the cap or out of memory. */
int nsym__crash_add_module(struct nsym_crash_module **out, struct nsym_crash *c);
int nsym__crash_add_frame(struct nsym_crash_frame **out, struct nsym_crash *c);

/* Formats one warning and hands it to warn, when there is one. */
void nsym__report_warn(nsym_report_warn_fn *warn, void *ctx, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
