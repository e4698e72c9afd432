/*
 * The client side of the symbol servers: which servers and token to use,
 * and fetching debug files into the shared cache, many at once (libcurl
 * multi, and a splice fast path for plain http), each checked to be what
 * was asked for before it is kept.
 */
#ifndef NSYM_CLI_CLIENT_H
#define NSYM_CLI_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cache.h"

#define NSYM_CLIENT_MAX_SERVERS 16

struct nsym_client {
	char urls[4096]; /* the server list, split in place */
	const char *servers[NSYM_CLIENT_MAX_SERVERS];
	size_t nservers;
	/* the servers were named for napi-symbols (the caller's list or
	 * NAPI_SYMBOLS_SERVER), not taken from DEBUGINFOD_URLS: only these get
	 * a token, or a crash's text */
	bool ours;
	const char *token;    /* never printed */
	long connect_timeout; /* seconds */
	long stall_timeout;   /* seconds under 1 KB/s before a transfer is dropped */
	int parallel;         /* transfers at once */
	struct nsym_cache cache;
};

/*
 * Servers: `servers` (space-separated) if not NULL, else NAPI_SYMBOLS_SERVER,
 * else DEBUGINFOD_URLS. Token: `token`, else NAPI_SYMBOLS_TOKEN. Timeouts
 * from NAPI_SYMBOLS_CONNECT_TIMEOUT (default 5) and NAPI_SYMBOLS_TIMEOUT
 * (default 30). 0, or -1 with a message in err.
 */
int nsym_client_init(struct nsym_client *out, const char *servers, const char *token, char *err,
                     size_t err_size);

enum nsym_fetch_state {
	NSYM_FETCH_PENDING,
	NSYM_FETCH_CACHED,        /* already in the cache */
	NSYM_FETCH_FOUND,         /* downloaded now */
	NSYM_FETCH_NOT_ON_SERVER, /* every server answered 404 (remembered as a miss) */
	NSYM_FETCH_FAILED,        /* see error */
};

struct nsym_fetch {
	char id[132]; /* lowercase hex identity */
	/* "debuginfo", "executable", or "symcache" (a napi-symbols server's
	 * index of the debug file, /buildid/ID/symcache: checked by opening
	 * it, and refused unless of this program's format version) */
	const char *kind;
	/* the file name for SymSrv's layout (GET /symsrv/NAME/ID/NAME): a
	 * PDB's, whose ids debuginfod's /buildid/ does not take; NULL asks
	 * /buildid/ID/KIND */
	const char *symsrv_name;
	enum nsym_fetch_state state;
	char path[4200]; /* the cache entry when CACHED or FOUND */
	char error[512];
	const char *server; /* the one that answered, when FOUND */
	uint64_t bytes;     /* downloaded */
	bool reached;       /* some server answered with an HTTP status */
	/* transfer state */
	size_t next_server;
	bool via_libcurl; /* the fast path declined this server's answer */
	void *easy;       /* the transfer under way (CURL *) */
	int fd;
	char tmp[4300];
	void *run; /* the nsym_fetch_run it belongs to */
};

/* Progress: called now and then during nsym_fetch_run, from one thread at a
 * time (not always the same one), and once at the end from the caller's:
 * `done` of `n` jobs settled, `bytes` downloaded in all. */
typedef void (*nsym_fetch_progress)(void *arg, size_t done, size_t n, uint64_t bytes);

/*
 * Runs every job: the cache first, then each server in order until one has
 * it. A downloaded file whose identity is not the one asked for is thrown
 * away and counts as a failure of that server. The jobs are shared by a
 * worker thread per CPU (at most 4): a job's members are the caller's
 * again once this returns. Plain-http downloads splice their bodies into
 * the cache (http_direct.h) unless NAPI_SYMBOLS_SPLICE is "0". Returns 0,
 * or -1 when libcurl cannot be set up at all.
 */
int nsym_fetch_run(struct nsym_client *c, struct nsym_fetch *jobs, size_t n,
                   nsym_fetch_progress progress, void *arg);

/* What a server answered to POST /api/v1/symbolicate. */
struct nsym_symbolicate_reply {
	long status; /* HTTP status; 0 when no answer came (error says why) */
	bool typed;  /* its Content-Type is the one asked for: a server with the
	                route answered, not one that serves anything for any path */
	char *body;  /* the answer, NUL-terminated, for the caller to free; or NULL */
	size_t len;
	char error[512]; /* why no answer came, one line */
};

/*
 * Sends text (len bytes) to the symbolicate route of `server` (one of c's),
 * with c's token, asking for JSON or text and, with basenames, source
 * files without their folders (docs/server-api.md). The answer may take up
 * to ten times the stall timeout: the first request for a module builds
 * its index on the server. 0 when an answer came, whatever its status; -1
 * when none did (error) or memory ran out. out->body is the caller's
 * either way (free it).
 */
int nsym_client_symbolicate(struct nsym_symbolicate_reply *out, const struct nsym_client *c,
                            const char *server, const char *text, size_t len, bool json,
                            bool basenames);

#endif
