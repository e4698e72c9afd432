/* The debug file of a binary from the shared cache, or fetched into it
 * (debug_fetch.c): what symbolize and symbolicate do when none is on disk. */
#ifndef NSYM_CLI_DEBUG_FETCH_H
#define NSYM_CLI_DEBUG_FETCH_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Finds exe's debug file in the download cache, or, when fetch is set and
 * a server is configured (servers, else NAPI_SYMBOLS_SERVER, else
 * DEBUGINFOD_URLS), downloads it there. 0 with its path in out; -1 when
 * there is none (why in `why`, "" when no server was asked).
 */
int nsym_cli_debug_file(char *out, size_t size, const char *exe, const char *servers, bool fetch,
                        char *why, size_t why_size);

#endif
