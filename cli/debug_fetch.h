/* The debug file of a binary from the shared cache, or fetched into it
 * (debug_fetch.c): what symbolize and symbolicate do when none is on disk. */
#ifndef NSYM_CLI_DEBUG_FETCH_H
#define NSYM_CLI_DEBUG_FETCH_H

#include <stdbool.h>
#include <stddef.h>

#include "napi_symbols.h"

/*
 * Finds the debug file of the identity `id` (lowercase hex: a build-id,
 * fallback id, Mach-O UUID or PDB GUID and age) in the download cache, or,
 * when fetch is set and a server is configured (servers, else
 * NAPI_SYMBOLS_SERVER, else DEBUGINFOD_URLS), downloads it there: by
 * /buildid/ID/debuginfo, or by SymSrv's /symsrv/NAME/ID/NAME when
 * symsrv_name (a PDB's file name) is not NULL. 0 with its path in out; -1
 * when there is none (why in `why`, "" when no server was asked).
 */
int nsym_cli_debug_file(char *out, size_t size, const char *id, const char *symsrv_name,
                        const char *servers, bool fetch, char *why, size_t why_size);

struct nsym_fetch;

/*
 * A symcache of identity id (a napi-symbols server's index of the debug
 * file, GET /buildid/ID/symcache), from the download cache (ROOT/ID/symcache,
 * beside the debug files) or, when fetch is set, downloaded there from
 * the servers: what symbolize and symbolicate need when they print
 * functions and lines, at a fraction of the debug file's size. 0 with *out
 * answering from it; -1 when there is none to use (the servers answered
 * 404, as older servers and elfutils' debuginfod do, which is remembered
 * as a miss; or what they sent was of another format version, or damaged,
 * and refused): the debug file is to be fetched instead.
 */
int nsym_cli_symcache_open(nsym_symbolizer **out, const char *id, const char *servers, bool fetch);

/* Opens the symcache at path (a cache entry) for id; one that cannot be
 * used (of another format version, or damaged since) is removed from the
 * cache. 0, or the library's code with *out NULL. */
int nsym_cli_symcache_use(nsym_symbolizer **out, const char *path, const char *id);

/* Whether any image of path (a slice of a universal Mach-O file) has the
 * identity id (lowercase hex, as nsym_cli_file_id writes it; for a PE
 * image, its PDB's GUID and age too, as nsym_symbolizer_id gives them). */
bool nsym_cli_file_has_id(const char *path, const char *id);

/* path's first identity in lowercase hex (as servers key it): 0, or -1 when
 * the file cannot be read, is not a regular file (nsym_cli_module_file), or
 * has none. */
int nsym_cli_file_id(char *out, size_t size, const char *path);

/*
 * The debug files of many identities at once (each job's id and kind set by
 * the caller): from the download cache, else, when fetch is set and a server
 * is configured, from the servers, in parallel. Each job's state tells what
 * came of it; with no server to ask, a job not in the cache stays
 * NSYM_FETCH_PENDING and *out_asked is false. 0, or -1 with why in err when
 * the client cannot be set up.
 */
int nsym_cli_debug_files_by_id(bool *out_asked, struct nsym_fetch *jobs, size_t n,
                               const char *servers, bool fetch, char *err, size_t err_size);

#endif
