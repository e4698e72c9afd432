/*
 * Checks shared by the harnesses of the report library
 * (napi_symbols_report.h): what its readers return must be a crash model
 * that keeps the header's promises, and what they tell must reach the
 * warning callback as one line a terminal can show.
 */
#ifndef NSYM_FUZZ_REPORT_H
#define NSYM_FUZZ_REPORT_H

#include <stddef.h>

#include "napi_symbols_report.h"

/* Counts the warnings it is given, after checking each. */
struct fuzz_warnings {
	size_t n;
};

/* An nsym_report_warn_fn for a struct fuzz_warnings: kind and message
 * must each be one printable line, the kind a short noun phrase. */
void fuzz_warn(void *ctx, const char *kind, const char *message);

/*
 * One crash as a reader returns it: a known reason, counts within the caps
 * and arrays to hold them, every string printable and within
 * NSYM_CRASH_MAX_TEXT, identities in lowercase hex, each frame's module an
 * index of the modules or -1, register names as the reader keeps them.
 */
void fuzz_check_crash(const struct nsym_crash *c);

/* A failed read: fuzz_check_error's checks, and a detail a terminal can
 * show (the readers quote hostile input in it). */
void fuzz_check_report_error(int rc);

#endif
