/*
 * What the symbolicate route (route_symbolicate.c) shares with the web page
 * (route_page.c), so that both read the same crashes under the same limits
 * and answer them from the store the same way: its limits, and the run of
 * the report pipeline with a resolver that opens each module from the store.
 */
#ifndef NSYM_SERVER_SYMBOLICATE_H
#define NSYM_SERVER_SYMBOLICATE_H

#include <stddef.h>

#include "http.h"
#include "napi_symbols_report.h"

/* A report or a pasted issue is tens of kilobytes; an .ips a few hundred. */
#define NSYM_SYMBOLICATE_MAX_BODY (4u << 20)
/* Frames of all the crashes of one request: each may open a module. */
#define NSYM_SYMBOLICATE_MAX_FRAMES 4096

/* The frames of the n crashes, all together. */
size_t nsym_symbolicate_frames(const struct nsym_crash *crashes, size_t n);

/*
 * The n crashes of request r symbolicated, as nsym_report_symbolicate
 * writes them with flags (NSYM_REPORT_*), each module opened from r's
 * store by its identity (a store that fails is logged once and its modules
 * say so), into *text (*len bytes, NUL-terminated; free it). 0; or a code
 * for the caller to log and answer with why (NSYM_ENOMEM when the answer's
 * memory ran out, else the pipeline's error and its detail), *text NULL.
 */
int nsym_symbolicate_text(char **text, size_t *len, const char **why, struct nsym_request *r,
                          const struct nsym_crash *crashes, size_t n, unsigned flags);

#endif
