/*
 * Reading a v5 symbolication request (v5_request.h). Two passes over the
 * JSON document: the first checks each job as Eliot's
 * _validate_and_measure_jobs, validate_modules and validate_stacks do
 * (mozilla-services/eliot, eliot/symbolicate_resource.py), in their order
 * and with their messages, and counts; the second, once the counts are
 * within the limits, fills four arrays of exactly those sizes. Strings
 * stay in the document, which the request keeps.
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

/* A string of only the characters in `allowed` ("" too). */
static bool made_of(const json_t *s, const char *allowed)
{
	return json_is_string(s) && strspn(json_string_value(s), allowed) == json_string_length(s);
}

/* validate_modules: 0, or -1 with Eliot's message in msg. */
static int check_modules(char *msg, const json_t *modules)
{
	const json_t *m;
	size_t i;

	if (!json_is_array(modules)) {
		snprintf(msg, MSG_SIZE, "modules must be a list");
		return -1;
	}
	json_array_foreach(modules, i, m)
	{
		if (!json_is_array(m) || json_array_size(m) != 2) {
			snprintf(msg, MSG_SIZE,
			         "module index %zu does not have a debug_filename and debug_id", i);
			return -1;
		}
		if (!made_of(json_array_get(m, 0), name_chars)) {
			snprintf(msg, MSG_SIZE, "module index %zu has an invalid debug_filename",
			         i);
			return -1;
		}
		if (!made_of(json_array_get(m, 1), id_chars)) {
			snprintf(msg, MSG_SIZE, "module index %zu has an invalid debug_id", i);
			return -1;
		}
	}
	return 0;
}

/* validate_stacks, counting the frames into *frames: 0, or -1 with
 * Eliot's message in msg. */
static int check_stacks(char *msg, size_t *frames, const json_t *stacks, size_t nmodules)
{
	const json_t *stack, *frame, *index, *offset;
	size_t i, j;

	if (!json_is_array(stacks)) {
		snprintf(msg, MSG_SIZE, "stacks must be a list of lists");
		return -1;
	}
	if (json_array_size(stacks) == 0) {
		snprintf(msg, MSG_SIZE, "no stacks specified");
		return -1;
	}
	json_array_foreach(stacks, i, stack)
	{
		if (!json_is_array(stack)) {
			snprintf(msg, MSG_SIZE, "stack %zu is not a list", i);
			return -1;
		}
		json_array_foreach(stack, j, frame)
		{
			if (!json_is_array(frame) || json_array_size(frame) != 2) {
				snprintf(msg, MSG_SIZE,
				         "stack %zu frame %zu is not a list of two items", i, j);
				return -1;
			}
			index = json_array_get(frame, 0);
			offset = json_array_get(frame, 1);
			if (!json_is_integer(index)) {
				snprintf(msg, MSG_SIZE,
				         "stack %zu frame %zu has an invalid module_index", i, j);
				return -1;
			}
			/* -1: the address is in no module */
			if (json_integer_value(index) < -1 ||
			    json_integer_value(index) >= (json_int_t)nmodules) {
				snprintf(
				    msg, MSG_SIZE,
				    "stack %zu frame %zu has a module_index that isn't in modules",
				    i, j);
				return -1;
			}
			if (!json_is_integer(offset) || json_integer_value(offset) < -1) {
				snprintf(msg, MSG_SIZE,
				         "stack %zu frame %zu has an invalid module_offset", i, j);
				return -1;
			}
		}
		*frames += json_array_size(stack);
	}
	return 0;
}

/* The first pass over jobs: each checked as _validate_and_measure_jobs
 * does, then the totals against the limits. */
static int check_jobs(struct nsym_v5_request *out, int *out_status, char *why, size_t why_size,
                      const json_t *jobs)
{
	const json_t *job, *stacks, *modules;
	char msg[MSG_SIZE];
	size_t i;

	json_array_foreach(jobs, i, job)
	{
		if (!json_is_object(job))
			return refuse(out_status, why, why_size, 400, "job %zu is invalid", i);
		stacks = json_object_get(job, "stacks");
		modules = json_object_get(job, "memoryMap");
		if (stacks == NULL)
			return refuse(out_status, why, why_size, 400,
			              "job %zu is invalid: no stacks specified", i);
		if (modules == NULL)
			return refuse(out_status, why, why_size, 400,
			              "job %zu is invalid: no memoryMap specified", i);
		if (check_modules(msg, modules) != 0)
			return refuse(out_status, why, why_size, 400,
			              "job %zu has invalid modules: %s", i, msg);
		if (check_stacks(msg, &out->nframes, stacks, json_array_size(modules)) != 0)
			return refuse(out_status, why, why_size, 400,
			              "job %zu has invalid stacks: %s", i, msg);
		out->nmodules += json_array_size(modules);
		out->nstacks += json_array_size(stacks);
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

/* The second pass: the arrays filled from the checked jobs. */
static void fill(struct nsym_v5_request *out, const json_t *jobs)
{
	struct nsym_v5_module *m = out->modules;
	struct nsym_v5_stack *s = out->stacks;
	struct nsym_v5_frame *f = out->frames;
	const json_t *job, *item, *frame;
	size_t i, k, n;

	json_array_foreach(jobs, i, job)
	{
		struct nsym_v5_job *j = &out->jobs[i];
		j->modules = m;
		j->stacks = s;
		json_array_foreach(json_object_get(job, "memoryMap"), k, item)
		{
			m->name = json_string_value(json_array_get(item, 0));
			m->id = json_string_value(json_array_get(item, 1));
			m++;
		}
		j->nmodules = (size_t)(m - j->modules);
		json_array_foreach(json_object_get(job, "stacks"), k, item)
		{
			s->frames = f;
			json_array_foreach(item, n, frame)
			{
				f->module = json_integer_value(json_array_get(frame, 0));
				f->offset = json_integer_value(json_array_get(frame, 1));
				f++;
			}
			s->count = (size_t)(f - s->frames);
			s++;
		}
		j->nstacks = (size_t)(s - j->stacks);
	}
}

/* The jobs of a v5 request in doc: its "jobs", or doc itself when it is
 * one job (the form without "jobs"); NULL when doc is no v5 request. */
static const json_t *jobs_of(const json_t *doc)
{
	if (!json_is_object(doc))
		return NULL;
	if (json_object_get(doc, "jobs") != NULL)
		return json_object_get(doc, "jobs");
	if (json_object_get(doc, "memoryMap") != NULL && json_object_get(doc, "stacks") != NULL)
		return doc;
	return NULL;
}

int nsym_v5_read(struct nsym_v5_request *out, int *out_status, char *why, size_t why_size,
                 const char *text, size_t len)
{
	const struct nsym_json_limits limits = {len, NSYM_V5_MAX_DEPTH};
	const json_t *jobs;
	json_t *one = NULL;
	char err[160];
	size_t start = 0;
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
	 * as "jobs" or "memoryMap", or with \u escapes: our reports come here
	 * first, and were parsed twice (docs/performance.md) */
	if (memmem(text, len, "\"jobs\"", 6) == NULL &&
	    memmem(text, len, "\"memoryMap\"", 11) == NULL && memmem(text, len, "\\u", 2) == NULL)
		return NSYM_ENOENT;
	rc = nsym_json_load(&out->doc, text, len, &limits, err, sizeof(err));
	if (rc != 0) {
		rc = rc == NSYM_ENOMEM ? rc : NSYM_ENOENT;
		goto done;
	}
	if ((jobs = jobs_of(out->doc)) == NULL) {
		rc = NSYM_ENOENT;
		goto done;
	}
	if (jobs == out->doc) {
		/* Eliot's jobs = [payload] */
		if ((one = json_array()) == NULL || json_array_append(one, out->doc) != 0) {
			rc = NSYM_ENOMEM;
			goto done;
		}
		jobs = one;
	}
	if (!json_is_array(jobs)) {
		rc = refuse(out_status, why, why_size, 400, "jobs must be a list");
		goto done;
	}
	/* Eliot answers too many jobs with 400; a limit is 413 here, as
	 * the route's other limits are */
	if (json_array_size(jobs) > NSYM_V5_MAX_JOBS) {
		rc = refuse(out_status, why, why_size, 413,
		            "please limit number of jobs in a single request to <= %d",
		            NSYM_V5_MAX_JOBS);
		goto done;
	}
	if ((rc = check_jobs(out, out_status, why, why_size, jobs)) != 0)
		goto done;
	out->njobs = json_array_size(jobs);
	out->jobs = calloc(out->njobs + 1, sizeof(*out->jobs));
	out->modules = calloc(out->nmodules + 1, sizeof(*out->modules));
	out->stacks = calloc(out->nstacks + 1, sizeof(*out->stacks));
	out->frames = calloc(out->nframes + 1, sizeof(*out->frames));
	if (out->jobs == NULL || out->modules == NULL || out->stacks == NULL ||
	    out->frames == NULL) {
		rc = NSYM_ENOMEM;
		goto done;
	}
	fill(out, jobs);
done:
	json_decref(one);
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
	json_decref(r->doc);
	free(r->jobs);
	free(r->modules);
	free(r->stacks);
	free(r->frames);
	memset(r, 0, sizeof(*r));
}
