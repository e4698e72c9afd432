/* `symbolicate` through a server's symbolicate route (symbolicate_remote.c):
 * whether to, and doing it. */
#ifndef NSYM_CLI_SYMBOLICATE_REMOTE_H
#define NSYM_CLI_SYMBOLICATE_REMOTE_H

#include <stdbool.h>
#include <stddef.h>

#include "napi_symbols_report.h"

/*
 * Sends text (len bytes, read here into the n crashes) to the symbolicate
 * route of the first server that has it and prints its answer (JSON, or
 * text; basenames) on stdout, when the crashes' modules need debug files
 * and none is on this machine: not at the path the text names, not in the
 * download cache. Servers: `servers`, else NAPI_SYMBOLS_SERVER; never
 * DEBUGINFOD_URLS, which names servers of others, who get no crash text.
 * Returns true when the answer was printed; false when the debug files are
 * to be fetched instead, after a warning for each server that was asked
 * and did not answer (an older server without the route, a refusal).
 */
bool nsym_cli_symbolicate_remote(const char *text, size_t len, const struct nsym_crash *crashes,
                                 size_t n, const char *servers, bool json, bool basenames);

#endif
