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
#include <stdio.h>

#include "napi_symbols_report.h"

/* report_crash.c: helpers for every reader, so they check input the same way. */

/* A copy of s[0..len) (cut at NSYM_CRASH_MAX_TEXT) with control characters
 * as '?'; NULL when out of memory. */
char *nsym__crash_text(const char *s, size_t len);
/* "0x…" (or bare hex when need_0x is false) as a 64-bit value: 0 or -1. */
int nsym__crash_hex(uint64_t *out, const char *s, size_t len, bool need_0x);
/* FILE:LINE:COLUMN (FILE may hold ':') into c's panic location; loc is
 * cut at the colons. Nothing is set when it is not one. 0 or NSYM_ENOMEM. */
int nsym__crash_panic_location(struct nsym_crash *c, char *loc);
/* Whether frame f's rel is known (how GIVEN when a reader left it unset). */
static inline bool nsym__crash_frame_placed(const struct nsym_crash_frame *f)
{
	return f->module >= 0 && f->why == NULL;
}
/* The module as the text names it: its name, else its path's base name. */
const char *nsym__crash_module_name(const struct nsym_crash_module *m);
/* A Mach-O UUID as the text writes it ("C33C4478-8CA2-…" or 32 hex digits)
 * as an identity: 32 lowercase hex digits into out (NSYM_CRASH_ID_SIZE).
 * -1 when it is none, or all zeros (the placeholder Apple writes for an
 * image it knows nothing of). */
int nsym__crash_uuid(char *out, const char *s, size_t len);
/* Grows *arr of *n elements of size bytes by one zeroed element, up to
 * cap: the new element, or NULL at the cap or out of memory. */
void *nsym__crash_grow(void **arr, size_t *n, size_t size, size_t cap);
/* Room for one more module or frame, zeroed: 0, NSYM_EINVAL at the cap
 * (input to skip) or NSYM_ENOMEM (the reader fails); no detail is set. */
int nsym__crash_add_module(struct nsym_crash_module **out, struct nsym_crash *c);
int nsym__crash_add_frame(struct nsym_crash_frame **out, struct nsym_crash *c);

/* Which reader reads a text (report_read.c): whether it holds an .ips
 * crash report (a line with the IPS metadata object, then an object), and
 * whether it holds a text crash report of macOS (a "Thread N Crashed:"
 * line). */
bool nsym__ips_found(const char *text, size_t len);
bool nsym__apple_crash_found(const char *text, size_t len);

/* report_win_fault.c: what winnt.h and ntstatus.h name an exception code
 * ("EXCEPTION_ACCESS_VIOLATION"), or NULL. */
const char *nsym__win_exception(uint32_t code);

/* report_utf16.c: text written in UTF-16 (a Report.wer; what Windows
 * PowerShell 5 redirects into a file) as UTF-8, which every reader reads:
 * 0 with *out NULL when text is not UTF-16, else 0 with *out (malloc'd,
 * NUL-terminated) of *out_len bytes; NSYM_ENOMEM. */
int nsym__report_utf8(char **out, size_t *out_len, const char *text, size_t len);

/* Formats one warning, its control characters made '?' (it quotes input),
 * and hands it to warn, when there is one. */
void nsym__report_warn(nsym_report_warn_fn *warn, void *ctx, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ---- The pipeline (report_symbolicate.c, report_panic.c, report_format.c) ---- */

/* What became of one module of a crash. */
struct nsym__report_slot {
	nsym_symbolizer *sym;           /* NULL when nothing answers for it */
	bool borrowed;                  /* sym is the resolver's: not closed here */
	char why[NSYM_REPORT_WHY_SIZE]; /* why it is unresolved, or why only its symbol
	                                   table answers; "" when its debug file does */
};

/* One crash as the pipeline writes it. */
struct nsym__report_run {
	FILE *out;
	const struct nsym_report_options *o; /* never NULL */
	const struct nsym_crash *c;          /* &copy */
	struct nsym__report_slot *slots;     /* by module */
	struct nsym_frames *found;           /* by frame: its lookup's answer, or none */
	/* every frame's answer, one after another: found[i] are views into it.
	 * A buffer per frame was 64 allocations and frees for the benchmark's
	 * crash, 5.7% of the server's CPU with the waits on malloc's lock
	 * (docs/performance.md) */
	struct nsym_frames answers;
	struct nsym_frames one; /* the lookup under way */
	/* the crash as the pipeline places it: the caller's, with its own
	 * frames (copies whose strings are the caller's or in whys) */
	struct nsym_crash copy;
	struct nsym_crash_frame *frames;
	char **whys; /* by frame: a why the pipeline wrote, owned */
};

/* report_place_symbol.c: whether frame f waits to be placed by its symbol
 * ("symbol + N" in a module), and the placing of those frames once the
 * modules are resolved. 0 or NSYM_ENOMEM. */
bool nsym__report_by_symbol(const struct nsym_crash_frame *f);
int nsym__report_place_symbols(struct nsym__report_run *r);

/* Where a panic was raised, when its report does not say. */
struct nsym__raised_at {
	char function[512];
	char file[1024];
	uint32_t line, column;
};

/* The first place up the stack outside Rust's panic machinery, from the
 * frames looked up. */
bool nsym__report_find_raise(struct nsym__raised_at *out, const struct nsym__report_run *r);

/* report_format.c: the text and the JSON. */
void nsym__report_reason(const struct nsym__report_run *r, const struct nsym__raised_at *raised);
void nsym__report_frame(const struct nsym__report_run *r, size_t i, const struct nsym_frames *fr);
void nsym__report_end(const struct nsym__report_run *r);
/* What comes before the crashes (an array's "[" when there are several to
 * write), before the one written after `written` others (a separator), and
 * after them all. */
void nsym__report_open(FILE *out, unsigned flags, size_t count);
void nsym__report_between(FILE *out, unsigned flags, size_t written);
void nsym__report_close(FILE *out, unsigned flags, size_t count, size_t written);

#endif
