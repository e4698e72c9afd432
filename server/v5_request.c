/*
 * Reading a v5 symbolication request (v5_request.h). The body is read
 * into a tape (napi_symbols_json.h: one array, where jansson's tree was an
 * allocation per value and a fifth of a v5 request's CPU time), then two
 * passes over it: the first checks each job as Eliot's
 * _validate_and_measure_jobs, validate_modules and validate_stacks do
 * (mozilla-services/eliot, eliot/symbolicate_resource.py), in their order
 * and with their messages, and counts; the second, once the counts are
 * within the limits, fills four arrays of exactly those sizes, and the
 * names and ids unescaped into one pool.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "napi_symbols_util.h"
#include "v5_request.h"

/* Eliot's VALID_DEBUG_FILENAME and VALID_DEBUG_ID (symbolicate_resource.py):
 * what a module's name and id may hold, nothing else. */
static const char name_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                                 "_.+{}@<> ~-";
static const char id_chars[] = "ABCDEFabcdef0123456789";

/* A message of at most this many bytes, which names only indexes. */
#define MSG_SIZE 160

static int refuse(int *out_status, char *why, size_t why_size, int status, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int refuse(int *out_status, char *why, size_t why_size, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, why_size, fmt, ap);
	va_end(ap);
	*out_status = status;
	return NSYM_EINVAL;
}

#define NODE(t, i) (&(t)->nodes[i])
#define KIND(t, i) ((t)->nodes[i].v.kind)
#define SIZE(t, i) ((t)->nodes[i].size)
/* Each item of the array at node a: i its index, n its node. */
#define EACH_ITEM(t, a, i, n)                                                                      \
	for ((i) = 0, (n) = (a) + 1; (i) < SIZE(t, a); (i)++, (n) = NODE(t, n)->next)

/* A string of only the characters in `allowed` ("" too), unescaped. No
 * escape but \uXXXX below 0x80 stands for a character Eliot allows (none
 * allows '"', '\\', '/' or a control character), so it is checked as it
 * is written. */
static bool made_of(const struct nsym_json_tape *t, size_t at, const char *allowed)
{
	const struct nsym_jp_text *s = &NODE(t, at)->v.text;
	size_t n = strlen(allowed);

	if (KIND(t, at) != NSYM_JP_STRING)
		return false;
	for (size_t i = 0; i < s->len; i++) {
		char c = s->p[i];
		if (c == '\\') {
			if (s->p[i + 1] != 'u' || strncmp(s->p + i + 2, "00", 2) != 0)
				return false;
			c = (char)strtol((char[3]){s->p[i + 4], s->p[i + 5], '\0'}, NULL, 16);
			i += 5;
		}
		if (c == '\0' || memchr(allowed, c, n) == NULL)
			return false;
	}
	return true;
}

static bool is_integer(const struct nsym_json_tape *t, size_t at)
{
	return KIND(t, at) == NSYM_JP_NUMBER && NODE(t, at)->v.integer;
}

/* validate_modules: 0, or -1 with Eliot's message in msg; adds what its
 * strings need to *pool. */
static int check_modules(char *msg, size_t *pool, const struct nsym_json_tape *t, size_t modules)
{
	size_t i, m;

	if (KIND(t, modules) != NSYM_JP_ARRAY) {
		snprintf(msg, MSG_SIZE, "modules must be a list");
		return -1;
	}
	EACH_ITEM(t, modules, i, m)
	{
		if (KIND(t, m) != NSYM_JP_ARRAY || SIZE(t, m) != 2) {
			snprintf(msg, MSG_SIZE,
			         "module index %zu does not have a debug_filename and debug_id", i);
			return -1;
		}
		if (!made_of(t, m + 1, name_chars)) {
			snprintf(msg, MSG_SIZE, "module index %zu has an invalid debug_filename",
			         i);
			return -1;
		}
		if (!made_of(t, NODE(t, m + 1)->next, id_chars)) {
			snprintf(msg, MSG_SIZE, "module index %zu has an invalid debug_id", i);
			return -1;
		}
		*pool += NODE(t, m + 1)->v.text.len + NODE(t, NODE(t, m + 1)->next)->v.text.len + 2;
	}
	return 0;
}

/* validate_stacks, counting the frames into *frames: 0, or -1 with
 * Eliot's message in msg. */
static int check_stacks(char *msg, size_t *frames, const struct nsym_json_tape *t, size_t stacks,
                        size_t nmodules)
{
	size_t i, j, stack, frame, index, offset;

	if (KIND(t, stacks) != NSYM_JP_ARRAY) {
		snprintf(msg, MSG_SIZE, "stacks must be a list of lists");
		return -1;
	}
	if (SIZE(t, stacks) == 0) {
		snprintf(msg, MSG_SIZE, "no stacks specified");
		return -1;
	}
	EACH_ITEM(t, stacks, i, stack)
	{
		if (KIND(t, stack) != NSYM_JP_ARRAY) {
			snprintf(msg, MSG_SIZE, "stack %zu is not a list", i);
			return -1;
		}
		EACH_ITEM(t, stack, j, frame)
		{
			if (KIND(t, frame) != NSYM_JP_ARRAY || SIZE(t, frame) != 2) {
				snprintf(msg, MSG_SIZE,
				         "stack %zu frame %zu is not a list of two items", i, j);
				return -1;
			}
			index = frame + 1;
			offset = NODE(t, index)->next;
			if (!is_integer(t, index)) {
				snprintf(msg, MSG_SIZE,
				         "stack %zu frame %zu has an invalid module_index", i, j);
				return -1;
			}
			/* -1: the address is in no module */
			if (NODE(t, index)->v.n < -1 ||
			    NODE(t, index)->v.n >= (long long)nmodules) {
				snprintf(
				    msg, MSG_SIZE,
				    "stack %zu frame %zu has a module_index that isn't in modules",
				    i, j);
				return -1;
			}
			if (!is_integer(t, offset) || NODE(t, offset)->v.n < -1) {
				snprintf(msg, MSG_SIZE,
				         "stack %zu frame %zu has an invalid module_offset", i, j);
				return -1;
			}
		}
		*frames += SIZE(t, stack);
	}
	return 0;
}

/* The jobs: the items of the array at node `jobs`, or the object at node
 * 0 alone (the form without "jobs"). */
struct jobs {
	size_t at, count;
	bool one;
};

#define EACH_JOB(t, js, i, job)                                                                    \
	for ((i) = 0, (job) = (js)->one ? 0 : (js)->at + 1; (i) < (js)->count;                     \
	     (i)++, (job) = NODE(t, job)->next)

/* The first pass over jobs: each checked as _validate_and_measure_jobs
 * does, then the totals against the limits. */
static int check_jobs(struct nsym_v5_request *out, size_t *pool, int *out_status, char *why,
                      size_t why_size, const struct jobs *js)
{
	const struct nsym_json_tape *t = &out->tape;
	char msg[MSG_SIZE];
	size_t i, job, stacks, modules;

	EACH_JOB(t, js, i, job)
	{
		if (KIND(t, job) != NSYM_JP_OBJECT)
			return refuse(out_status, why, why_size, 400, "job %zu is invalid", i);
		stacks = nsym_json_get(t, job, "stacks");
		modules = nsym_json_get(t, job, "memoryMap");
		if (stacks == 0)
			return refuse(out_status, why, why_size, 400,
			              "job %zu is invalid: no stacks specified", i);
		if (modules == 0)
			return refuse(out_status, why, why_size, 400,
			              "job %zu is invalid: no memoryMap specified", i);
		if (check_modules(msg, pool, t, modules) != 0)
			return refuse(out_status, why, why_size, 400,
			              "job %zu has invalid modules: %s", i, msg);
		if (check_stacks(msg, &out->nframes, t, stacks, SIZE(t, modules)) != 0)
			return refuse(out_status, why, why_size, 400,
			              "job %zu has invalid stacks: %s", i, msg);
		out->nmodules += SIZE(t, modules);
		out->nstacks += SIZE(t, stacks);
	}
	if (out->nframes > NSYM_V5_MAX_FRAMES)
		return refuse(out_status, why, why_size, 413,
		              "the request holds %zu frames; at most %d are symbolicated at once: "
		              "send fewer stacks in one request",
		              out->nframes, NSYM_V5_MAX_FRAMES);
	if (out->nstacks > NSYM_V5_MAX_STACKS)
		return refuse(out_status, why, why_size, 413,
		              "the request holds %zu stacks; at most %d are symbolicated at once: "
		              "send fewer in one request",
		              out->nstacks, NSYM_V5_MAX_STACKS);
	if (out->nmodules > NSYM_V5_MAX_MODULES)
		return refuse(
		    out_status, why, why_size, 413,
		    "the memory maps of the request name %zu modules; at most %d are read "
		    "at once: send fewer jobs in one request",
		    out->nmodules, NSYM_V5_MAX_MODULES);
	return 0;
}

/* The string at node `at`, unescaped into *pool: where it starts. */
static const char *keep(char **pool, const struct nsym_json_tape *t, size_t at)
{
	char *s = *pool;

	*pool += nsym_jp_unescape(s, &NODE(t, at)->v.text) + 1;
	return s;
}

/* The second pass: the arrays filled from the checked jobs. */
static void fill(struct nsym_v5_request *out, const struct jobs *js)
{
	const struct nsym_json_tape *t = &out->tape;
	struct nsym_v5_module *m = out->modules;
	struct nsym_v5_stack *s = out->stacks;
	struct nsym_v5_frame *f = out->frames;
	char *pool = out->strings;
	size_t i, k, n, job, item, frame;

	EACH_JOB(t, js, i, job)
	{
		struct nsym_v5_job *j = &out->jobs[i];
		size_t modules = nsym_json_get(t, job, "memoryMap"),
		       stacks = nsym_json_get(t, job, "stacks");
		j->modules = m;
		j->stacks = s;
		EACH_ITEM(t, modules, k, item)
		{
			m->name = keep(&pool, t, item + 1);
			m->id = keep(&pool, t, NODE(t, item + 1)->next);
			m++;
		}
		j->nmodules = (size_t)(m - j->modules);
		EACH_ITEM(t, stacks, k, item)
		{
			s->frames = f;
			EACH_ITEM(t, item, n, frame)
			{
				f->module = NODE(t, frame + 1)->v.n;
				f->offset = NODE(t, NODE(t, frame + 1)->next)->v.n;
				f++;
			}
			s->count = (size_t)(f - s->frames);
			s++;
		}
		j->nstacks = (size_t)(s - j->stacks);
	}
}

/* The jobs of a v5 request read into out->tape: its "jobs", or the top
 * object itself when it is one job (the form without "jobs"); false when
 * it is no v5 request. */
static bool jobs_of(struct jobs *js, const struct nsym_json_tape *t)
{
	memset(js, 0, sizeof(*js));
	if (KIND(t, 0) != NSYM_JP_OBJECT)
		return false;
	if ((js->at = nsym_json_get(t, 0, "jobs")) != 0) {
		js->count = SIZE(t, js->at);
		return true;
	}
	if (nsym_json_get(t, 0, "memoryMap") != 0 && nsym_json_get(t, 0, "stacks") != 0) {
		js->one = true; /* Eliot's jobs = [payload] */
		js->count = 1;
		return true;
	}
	return false;
}

/* Whether text holds key (quoted), found by its byte c at offset `at`:
 * memchr, for a byte a crash report seldom holds, where a memmem of each
 * key over a report was 3% of reading one (docs/performance.md). */
static bool names(const char *text, size_t len, char c, size_t at, const char *key)
{
	size_t n = strlen(key);

	if (len < n)
		return false;
	for (const char *p = text + at; (p = memchr(p, c, len - (size_t)(p - text))) != NULL; p++)
		if ((size_t)(p - text) - at + n <= len && memcmp(p - at, key, n) == 0)
			return true;
	return false;
}

int nsym_v5_read(struct nsym_v5_request *out, int *out_status, char *why, size_t why_size,
                 const char *text, size_t len)
{
	struct jobs js;
	size_t start = 0, pool = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	*out_status = 0;
	why[0] = '\0';
	/* a crash text that is no JSON object is passed by without a parse */
	while (start < len && strchr(" \t\r\n", text[start]) != NULL)
		start++;
	if (start == len || text[start] != '{')
		return NSYM_ENOENT;
	/* nor one that names no key of a v5 request, which can be written only
	 * as "jobs" or "memoryMap", or with escapes: our reports come here
	 * first, and were parsed twice (docs/performance.md) */
	if (!names(text, len, 'j', 1, "\"jobs\"") && !names(text, len, 'M', 7, "\"memoryMap\"") &&
	    memchr(text, '\\', len) == NULL)
		return NSYM_ENOENT;
	rc = nsym_json_tape_read(&out->tape, text, len, NSYM_V5_MAX_DEPTH);
	if (rc != 0) {
		rc = rc == NSYM_ENOMEM ? rc : NSYM_ENOENT;
		goto done;
	}
	if (!jobs_of(&js, &out->tape)) {
		rc = NSYM_ENOENT;
		goto done;
	}
	if (!js.one && KIND(&out->tape, js.at) != NSYM_JP_ARRAY) {
		rc = refuse(out_status, why, why_size, 400, "jobs must be a list");
		goto done;
	}
	/* Eliot answers too many jobs with 400; a limit is 413 here, as
	 * the route's other limits are */
	if (js.count > NSYM_V5_MAX_JOBS) {
		rc = refuse(out_status, why, why_size, 413,
		            "please limit number of jobs in a single request to <= %d",
		            NSYM_V5_MAX_JOBS);
		goto done;
	}
	if ((rc = check_jobs(out, &pool, out_status, why, why_size, &js)) != 0)
		goto done;
	out->njobs = js.count;
	out->jobs = calloc(out->njobs + 1, sizeof(*out->jobs));
	out->modules = calloc(out->nmodules + 1, sizeof(*out->modules));
	out->stacks = calloc(out->nstacks + 1, sizeof(*out->stacks));
	out->frames = calloc(out->nframes + 1, sizeof(*out->frames));
	out->strings = malloc(pool + 1);
	if (out->jobs == NULL || out->modules == NULL || out->stacks == NULL ||
	    out->frames == NULL || out->strings == NULL) {
		rc = NSYM_ENOMEM;
		goto done;
	}
	fill(out, &js);
done:
	if (rc != 0) {
		int status = *out_status;
		nsym_v5_release(out);
		*out_status = status;
		if (rc == NSYM_ENOMEM)
			snprintf(why, why_size, "out of memory");
	}
	return rc;
}

void nsym_v5_release(struct nsym_v5_request *r)
{
	if (r == NULL)
		return;
	nsym_json_tape_free(&r->tape);
	free(r->strings);
	free(r->jobs);
	free(r->modules);
	free(r->stacks);
	free(r->frames);
	memset(r, 0, sizeof(*r));
}
