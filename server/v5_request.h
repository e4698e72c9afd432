/*
 * Reading a request of Mozilla's symbolication API v5 (Tecken, now Eliot:
 * mozilla-services/eliot, eliot/symbolicate_resource.py and
 * docs/symbolication.rst), which the symbolicate route answers besides
 * crash texts (route_symbolicate_v5.c):
 *
 *   {"jobs": [{"memoryMap": [[debugName, debugId], ...],
 *              "stacks": [[[moduleIndex, moduleOffset], ...], ...]}, ...]}
 *
 * or one job alone, {"memoryMap": ..., "stacks": ...}. The body is taken
 * for one when it is a JSON object with "jobs", or with "memoryMap" and
 * "stacks"; anything else is a crash text for the other readers. A v5
 * request is then checked as Eliot checks it, with Eliot's messages, and
 * held to this server's limits. The fuzz harness
 * tests/fuzz/fuzz_v5_request.c and an allocation-failure walk call it
 * directly.
 */
#ifndef NSYM_SERVER_V5_REQUEST_H
#define NSYM_SERVER_V5_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "napi_symbols_json.h"

/* Eliot's MAX_JOBS (symbolicate_resource.py). */
#define NSYM_V5_MAX_JOBS 10
/* Ours, over all the jobs of a request (Eliot has none): the frames, as
 * for a crash text (route_symbolicate.c); the stacks and the memory map
 * entries, each of which has its place in the answer even when empty. */
#define NSYM_V5_MAX_FRAMES  4096
#define NSYM_V5_MAX_STACKS  4096
#define NSYM_V5_MAX_MODULES 4096
/* How deep a v5 request nests is 6 (the numbers of a frame); deeper is
 * refused as not a v5 request, so a frame of the wrong type a level or
 * two down is still told apart from a crash text. */
#define NSYM_V5_MAX_DEPTH 16

/* One entry of a memoryMap: strings in the request's pool. */
struct nsym_v5_module {
	const char *name; /* debugName: [A-Za-z0-9_.+{}@<> ~-]*, may be "" */
	const char *id;   /* debugId: hex digits, may be "" */
};

/* One frame: [moduleIndex, moduleOffset]. */
struct nsym_v5_frame {
	int64_t module; /* index in the job's modules; -1: in no module */
	int64_t offset; /* from the module's start; -1: unknown */
};

struct nsym_v5_stack {
	struct nsym_v5_frame *frames; /* into the request's frame array */
	size_t count;
};

struct nsym_v5_job {
	struct nsym_v5_module *modules;
	size_t nmodules;
	struct nsym_v5_stack *stacks;
	size_t nstacks;
};

/* A request read: owns its arrays, the tape of its body and its strings. */
struct nsym_v5_request {
	struct nsym_json_tape tape; /* the body read */
	char *strings;              /* the names and ids, unescaped */
	struct nsym_v5_job *jobs;
	size_t njobs;
	size_t nmodules, nstacks, nframes; /* over all jobs */
	/* the arrays the jobs point into */
	struct nsym_v5_module *modules;
	struct nsym_v5_stack *stacks;
	struct nsym_v5_frame *frames;
};

/*
 * Reads text[0..len) into *out. 0: a v5 request, read (free it with
 * nsym_v5_release). NSYM_ENOENT: not a v5 request (not a JSON object of
 * its shape; JSON nested deeper than NSYM_V5_MAX_DEPTH), to be read as a
 * crash text. NSYM_EINVAL: a v5 request refused, with the HTTP status in
 * *out_status (400 for what Eliot refuses, 413 past a limit) and one line
 * in why, which quotes nothing of the request. NSYM_ENOMEM. out holds
 * nothing after an error (releasing it is harmless).
 */
int nsym_v5_read(struct nsym_v5_request *out, int *out_status, char *why, size_t why_size,
                 const char *text, size_t len);

/* Frees what r holds and zeroes it. */
void nsym_v5_release(struct nsym_v5_request *r);

#endif
