/*
 * POST /api/v1/symbolicate with a request of Mozilla's symbolication API
 * v5 (v5_request.h), answered as Eliot answers it (mozilla-services/eliot,
 * eliot/symbolicate_resource.py, SymbolicateBase.symbolicate, and
 * docs/symbolication.rst), so that the Firefox Profiler, samply and other
 * clients of symbolication.services.mozilla.com can be pointed here:
 *
 *   {"results": [{"stacks": [[{"frame": 0, "module": "addon.node",
 *       "module_offset": "0x1a2b", "function": "fib", "function_offset":
 *       "0x1b", "file": "/src/addon.c", "line": 12, "inlines": [...]}]],
 *     "found_modules": {"addon.node/ID": true}}]}
 *
 * Each distinct (debugName, debugId) pair that a frame names is looked up
 * once for the whole request, by its debug id (debug_id.h; the name is
 * not needed to find it: an identity names one file), and opened as the
 * route opens any stored module (stored_module.h). Its value in every
 * job's found_modules is true when it opened, false when not, null when
 * no frame named it or its name or id is "" (Eliot looks those up never).
 * Offsets are looked up as they are: v5 clients send the address to look
 * up, not a return address to step back from. Refusals are Eliot's too:
 * JSON {"title": message}, since its documentation tells clients to take
 * an answer that is not JSON for a passing failure and to try again.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "napi_symbols_report.h"
#include "routes.h"
#include "stored_module_cached.h"
#include "v5_request.h"

/* Frames of at most NSYM_V5_MAX_FRAMES with their inline chains; a reply
 * that outgrows this is refused (413) rather than sent in part. */
#define MAX_REPLY (64u << 20)

/* One distinct (debugName, debugId) of the request. */
struct slot {
	const struct nsym_v5_module *m; /* the first entry that names it */
	int found;                      /* -1: not looked up (null), 0: false, 1: true */
	struct nsym_module_use use;     /* its module, when found (use.sym) */
	uint64_t base;                  /* what an offset is added to: __TEXT's vmaddr */
	size_t written;                 /* 1 + the last job whose found_modules has it */
};

struct answer {
	struct nsym_request *r;
	const struct nsym_v5_request *req;
	struct nsym_stored_modules src;
	struct nsym_module_cache *modules;
	struct slot *slots;
	size_t nslots;
	size_t *slot_of; /* the slot of each entry of req->modules */
	struct nsym_frames fr;
	struct nsym_buf out;
};

/* ---- refusals ------------------------------------------------------------------ */

/* A refusal as Eliot's (falcon's HTTPError): {"title": message}. */
static void reply_title(struct nsym_request *r, int status, const char *message)
{
	struct nsym_buf b;

	nsym_buf_init(&b, 1024);
	nsym_buf_add(&b, "{\"title\": ", 10);
	nsym_buf_json_string(&b, message);
	nsym_buf_add(&b, "}", 1);
	nsym_reply_json(r, status, &b);
}

/* ---- the modules ---------------------------------------------------------------- */

static int by_pair(const void *a, const void *b)
{
	const struct nsym_v5_module *x = *(const struct nsym_v5_module *const *)a;
	const struct nsym_v5_module *y = *(const struct nsym_v5_module *const *)b;
	int c = strcmp(x->name, y->name);

	return c != 0 ? c : strcmp(x->id, y->id);
}

/* One slot per distinct pair (Eliot groups frames by the pair as given,
 * case and all), and each entry's slot. 0 or NSYM_ENOMEM. */
static int make_slots(struct answer *a)
{
	const struct nsym_v5_request *req = a->req;
	const struct nsym_v5_module **sorted = calloc(req->nmodules + 1, sizeof(*sorted));
	size_t i;

	a->slots = calloc(req->nmodules + 1, sizeof(*a->slots));
	a->slot_of = calloc(req->nmodules + 1, sizeof(*a->slot_of));
	if (sorted == NULL || a->slots == NULL || a->slot_of == NULL) {
		free(sorted);
		return NSYM_ENOMEM;
	}
	for (i = 0; i < req->nmodules; i++)
		sorted[i] = &req->modules[i];
	qsort(sorted, req->nmodules, sizeof(*sorted), by_pair);
	for (i = 0; i < req->nmodules; i++) {
		if (i == 0 || by_pair(&sorted[i - 1], &sorted[i]) != 0)
			a->slots[a->nslots++] = (struct slot){.m = sorted[i], .found = -1};
		a->slot_of[sorted[i] - req->modules] = a->nslots - 1;
	}
	free(sorted);
	return 0;
}

/* Looks the slot's module up: 0, NSYM_ENOMEM, or NSYM_EIO after logging
 * the store's failure. */
static int look_up_module(struct answer *a, struct slot *s)
{
	char why[NSYM_REPORT_WHY_SIZE];
	int rc;

	s->found = 0;
	rc = nsym_stored_debug_id_get(&s->use, why, sizeof(why), a->modules, &a->src, s->m->id);
	if (rc == NSYM_EIO)
		nsym_log_internal(a->r, rc, why);
	if (rc != 0)
		return rc;
	if (s->use.sym != NULL) {
		s->found = 1;
		s->base = nsym_symbolizer_image_base(s->use.sym);
	}
	return 0;
}

/* Every pair a frame names, looked up before anything is written: a
 * pair's value in found_modules is the same in every job (Eliot's
 * module_lookup is the request's). */
static int look_up_modules(struct answer *a)
{
	const struct nsym_v5_request *req = a->req;

	for (size_t j = 0; j < req->njobs; j++) {
		const struct nsym_v5_job *job = &req->jobs[j];
		for (size_t k = 0; k < job->nstacks; k++) {
			for (size_t n = 0; n < job->stacks[k].count; n++) {
				const struct nsym_v5_frame *f = &job->stacks[k].frames[n];
				struct slot *s;
				int rc;
				if (f->module < 0)
					continue;
				s = &a->slots[a->slot_of[job->modules + f->module - req->modules]];
				if (s->found >= 0 || s->m->name[0] == '\0' || s->m->id[0] == '\0')
					continue;
				if ((rc = look_up_module(a, s)) != 0)
					return rc;
			}
		}
	}
	return 0;
}

/* ---- the answer ----------------------------------------------------------------- */

/* A name or path the lookup knows ("??" is its word for none). */
static bool known(const char *s)
{
	return s != NULL && strcmp(s, "??") != 0;
}

/* Python's hex() of an offset: "0x1a2b", and "-0x1" for -1. */
static void put_hex(struct nsym_buf *b, const char *key, size_t key_len, int64_t v)
{
	nsym_buf_add(b, ", \"", 3);
	nsym_buf_add(b, key, key_len);
	nsym_buf_add(b, v < 0 ? "\": \"-" : "\": \"", v < 0 ? 5 : 4);
	nsym_buf_num(b, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, true);
	nsym_buf_add(b, "\"", 1);
}
#define PUT_HEX(b, key, v) put_hex(b, key, sizeof(key) - 1, v)

/* "file" and "line" of a location: a line only with its file, and not 0
 * (symbolicate_resource.py: "otherwise the line doesn't mean anything"). */
static void put_place(struct nsym_buf *b, const struct nsym_frame *f, bool first)
{
	if (!known(f->file))
		return;
	nsym_buf_add(b, first ? "\"file\": " : ", \"file\": ", first ? 8 : 10);
	nsym_buf_json_string(b, f->file);
	if (f->line != 0) {
		nsym_buf_add(b, ", \"line\": ", 10);
		nsym_buf_num(b, f->line, false);
	}
}

/*
 * What the lookup found for the frame, as Eliot writes a symcache's
 * answer: the outermost function with its offset, and its file and line
 * (the call site of the inlined frames); the inlined frames, innermost
 * first, under "inlines". Nothing when the address is in no function.
 * Columns are not part of v5.
 *
 * NEEDSWORK: samply's answer has "function_size" too when it knows it
 * (samply-api, response_json.rs); Eliot's never does, and the lookup does
 * not say a function's size.
 */
static void put_symbol(struct nsym_buf *b, const struct nsym_frames *fr)
{
	const struct nsym_frame *outer;

	if (fr->count == 0 || !known((outer = &fr->frames[fr->count - 1])->function))
		return;
	nsym_buf_add(b, ", \"function\": ", 14);
	nsym_buf_json_string(b, outer->function);
	PUT_HEX(b, "function_offset", (int64_t)outer->symbol_offset);
	/* a name from a symbol table has no line, and its "file" is the
	 * object's STT_FILE (for Rust a codegen unit's hash): no source file,
	 * as Eliot's answer from a symbol of a .sym file has none */
	if (!outer->approximate && known(outer->file)) {
		nsym_buf_add(b, ", ", 2);
		put_place(b, outer, true);
	}
	if (fr->count < 2)
		return;
	nsym_buf_add(b, ", \"inlines\": [", 14);
	for (size_t i = 0; i + 1 < fr->count; i++) {
		const struct nsym_frame *f = &fr->frames[i];
		bool first = true;
		nsym_buf_add(b, i > 0 ? ", {" : "{", i > 0 ? 3 : 1);
		if (known(f->function)) {
			nsym_buf_add(b, "\"function\": ", 12);
			nsym_buf_json_string(b, f->function);
			first = false;
		}
		put_place(b, f, first);
		nsym_buf_add(b, "}", 1);
	}
	nsym_buf_add(b, "]", 1);
}

/* One frame: 0 or NSYM_ENOMEM. A lookup that fails on damaged debug
 * info leaves the frame as Eliot leaves one its symcache knows nothing
 * of. */
static int put_frame(struct answer *a, const struct nsym_v5_job *job, size_t n,
                     const struct nsym_v5_frame *f)
{
	const struct nsym_v5_module *m = f->module >= 0 ? &job->modules[f->module] : NULL;
	const struct slot *s = m != NULL ? &a->slots[a->slot_of[m - a->req->modules]] : NULL;
	int rc;

	nsym_buf_add(&a->out, n > 0 ? ", {\"frame\": " : "{\"frame\": ", n > 0 ? 12 : 10);
	nsym_buf_num(&a->out, n, false);
	nsym_buf_add(&a->out, ", \"module\": ", 12);
	nsym_buf_json_string(&a->out, m != NULL && m->name[0] != '\0' ? m->name : "<unknown>");
	PUT_HEX(&a->out, "module_offset", f->offset);
	if (s != NULL && s->use.sym != NULL && f->offset >= 0) {
		rc = nsym_symbolizer_lookup(&a->fr, s->use.sym, s->base + (uint64_t)f->offset, 0);
		if (rc == NSYM_ENOMEM)
			return rc;
		if (rc == 0)
			put_symbol(&a->out, &a->fr);
	}
	nsym_buf_add(&a->out, "}", 1);
	return 0;
}

/* found_modules of a job: each pair of its memoryMap once, in order. */
static void put_found(struct answer *a, size_t j)
{
	const struct nsym_v5_job *job = &a->req->jobs[j];
	static const char *const values[] = {"null", "false", "true"};
	bool first = true;

	nsym_buf_add(&a->out, "\"found_modules\": {", 18);
	for (size_t i = 0; i < job->nmodules; i++) {
		struct slot *s = &a->slots[a->slot_of[job->modules + i - a->req->modules]];
		char key[16];
		if (s->written == j + 1)
			continue;
		s->written = j + 1;
		nsym_buf_add(&a->out, first ? "\"" : ", \"", first ? 1 : 3);
		first = false;
		/* names and ids are of characters JSON needs no escape for
		 * (v5_request.c), and "/" between them is Eliot's */
		nsym_buf_add(&a->out, s->m->name, strlen(s->m->name));
		nsym_buf_add(&a->out, "/", 1);
		nsym_buf_add(&a->out, s->m->id, strlen(s->m->id));
		snprintf(key, sizeof(key), "\": %s", values[s->found + 1]);
		nsym_buf_add(&a->out, key, strlen(key));
	}
	nsym_buf_add(&a->out, "}", 1);
}

static int put_results(struct answer *a)
{
	const struct nsym_v5_request *req = a->req;
	int rc;

	nsym_buf_add(&a->out, "{\"results\": [", 13);
	for (size_t j = 0; j < req->njobs; j++) {
		const struct nsym_v5_job *job = &req->jobs[j];
		nsym_buf_add(&a->out, j > 0 ? ", {\"stacks\": [" : "{\"stacks\": [",
		             j > 0 ? 14 : 12);
		for (size_t k = 0; k < job->nstacks; k++) {
			nsym_buf_add(&a->out, k > 0 ? ", [" : "[", k > 0 ? 3 : 1);
			for (size_t n = 0; n < job->stacks[k].count; n++)
				if ((rc = put_frame(a, job, n, &job->stacks[k].frames[n])) != 0)
					return rc;
			nsym_buf_add(&a->out, "]", 1);
		}
		nsym_buf_add(&a->out, "], ", 3);
		put_found(a, j);
		nsym_buf_add(&a->out, "}", 1);
	}
	nsym_buf_add(&a->out, "]}\n", 3);
	return 0;
}

static void answer(struct nsym_request *r, const struct nsym_v5_request *req)
{
	struct answer a = {
	    .r = r,
	    .req = req,
	    .src = {r->store, nsym_server_builds(r->srv), nsym_server_cache_dir(r->srv)},
	    .modules = nsym_server_modules(r->srv)};
	int rc;

	nsym_buf_init(&a.out, MAX_REPLY);
	rc = make_slots(&a);
	if (rc == 0)
		rc = look_up_modules(&a);
	if (rc == 0)
		rc = put_results(&a);
	if (rc == NSYM_ENOMEM)
		nsym_reply_internal(r, rc, "out of memory symbolicating a v5 request");
	else if (rc != 0)
		nsym_reply_error(r, 503, "the server's store failed (logged); try again");
	else if (a.out.over)
		reply_title(r, 413,
		            "the answer would be over 64 MiB: send fewer stacks in one request");
	else if (a.out.failed)
		nsym_reply_internal(r, NSYM_ENOMEM, "out of memory for the answer");
	else
		nsym_reply(r, 200, "application/json", "Cache-Control: no-store\r\n", a.out.data,
		           a.out.len);
	for (size_t i = 0; i < a.nslots; i++)
		nsym_module_cache_put(a.modules, &a.slots[i].use);
	free(a.slots);
	free(a.slot_of);
	nsym_frames_release(&a.fr);
	nsym_buf_free(&a.out);
}

int nsym_symbolicate_v5(struct nsym_request *r, const char *text, size_t len)
{
	struct nsym_v5_request req;
	char why[200];
	int status, rc = nsym_v5_read(&req, &status, why, sizeof(why), text, len);

	if (rc == NSYM_ENOENT)
		return rc;
	if (rc == 0)
		answer(r, &req);
	else if (rc == NSYM_EINVAL)
		reply_title(r, status, why);
	else
		nsym_reply_internal(r, rc, why);
	nsym_v5_release(&req);
	return 0;
}
