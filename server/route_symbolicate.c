/*
 * POST /api/v1/symbolicate: a crash as text, any text `napi-symbols
 * symbolicate` reads (a report, compact traces, the stacks common tools
 * print, macOS .ips and .crash), answered with its frames in source lines:
 * the JSON `symbolicate --json` prints, or with "Accept: text/plain" the
 * text `symbolicate` prints. The same readers and pipeline as the CLI
 * (napi_symbols_report.h); the resolver opens each module from the store by
 * its identity (stored_module.h). Nothing of the text is kept or logged.
 * A request of Mozilla's symbolication API v5 is told apart by its JSON
 * shape and answered as Mozilla's server does (route_symbolicate_v5.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "napi_symbols_report.h"
#include "routes.h"
#include "stored_module_cached.h"
#include "symbolicate.h"

#define MAX_BODY   NSYM_SYMBOLICATE_MAX_BODY
#define MAX_FRAMES NSYM_SYMBOLICATE_MAX_FRAMES

/* ---- what the client takes ------------------------------------------------- */

/* The q of one element of an Accept header ("text/plain;q=0.5"): 1 when
 * not given, 0 when not a number. */
static double quality(const char *params, size_t len)
{
	for (const char *p = params; p < params + len; p++) {
		if (*p != ';')
			continue;
		p += 1 + strspn(p + 1, " \t");
		if (p + 2 <= params + len && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=')
			return strtod(p + 2, NULL);
	}
	return 1;
}

/* The media ranges that cover each answer, and how specific each is. */
static const struct {
	const char *range;
	int json; /* 0 text/plain, 1 application/json */
	int rank; /* a type named exactly counts over a range that covers it */
} ranges[] = {{"text/plain", 0, 3},       {"text/*", 0, 2},        {"*/*", 0, 1},
              {"application/json", 1, 3}, {"application/*", 1, 2}, {"*/*", 1, 1}};

/*
 * Which of the two answers the Accept header (RFC 9110 section 12.5.1)
 * prefers: 1 text/plain, 0 application/json (also for no header, any
 * type, or a tie), -1 neither.
 */
static int wants_text(const char *accept)
{
	double q[2] = {0, 0}; /* text, JSON: the q of the most specific match */
	int rank[2] = {0, 0};

	if (accept == NULL)
		return 0;
	for (const char *e = accept; *e != '\0';) {
		size_t len = strcspn(e, ","), skip = strspn(e, " \t");
		const char *t = e + (skip < len ? skip : len);
		size_t type = strcspn(t, ";, \t");
		for (size_t i = 0; i < sizeof(ranges) / sizeof(*ranges); i++) {
			int k = ranges[i].json;
			if (type != strlen(ranges[i].range) ||
			    strncasecmp(t, ranges[i].range, type) != 0 || ranges[i].rank <= rank[k])
				continue;
			rank[k] = ranges[i].rank;
			q[k] = quality(t + type, len - (size_t)(t - e) - type);
		}
		e += len + (e[len] == ',');
	}
	if (q[0] <= 0 && q[1] <= 0)
		return -1;
	return q[0] > q[1];
}

/* ---- the resolver ------------------------------------------------------------ */

struct run {
	struct nsym_request *r;
	struct nsym_stored_modules src;
	struct nsym_module_cache *modules;
	/* the open modules the pipeline borrows, let go after it */
	struct nsym_module_use *uses;
	size_t nuses, cap;
	bool store_failed; /* logged once per request */
};

/* Keeps use for after the pipeline: 0, or NSYM_ENOMEM (use is let go). */
static int keep_use(struct run *run, struct nsym_module_use *use)
{
	if (run->nuses == run->cap) {
		size_t cap = run->cap > 0 ? 2 * run->cap : 8;
		struct nsym_module_use *more = realloc(run->uses, cap * sizeof(*more));
		if (more == NULL) {
			nsym_module_cache_put(run->modules, use);
			return NSYM_ENOMEM;
		}
		run->uses = more;
		run->cap = cap;
	}
	run->uses[run->nuses++] = *use;
	return 0;
}

/* Each module with an identity, from the server's open modules or the
 * store; the pipeline says "no identity" of the others. 0, or
 * NSYM_ENOMEM. */
static int resolve(void *ctx, struct nsym_report_module *mods, size_t count)
{
	struct run *run = ctx;

	for (size_t i = 0; i < count; i++) {
		const struct nsym_crash_module *m = mods[i].module;
		struct nsym_module_use use;
		int rc;
		if (m->id[0] == '\0')
			continue;
		rc = nsym_stored_module_get(&use, mods[i].why, sizeof(mods[i].why), run->modules,
		                            &run->src, m->id, m->format == NSYM_FORMAT_MACHO);
		if (rc == 0 && use.entry != NULL) {
			/* shared: lent to the pipeline, let go after it */
			if ((rc = keep_use(run, &use)) != 0)
				return rc;
			mods[i].borrowed = 1;
		}
		mods[i].sym = use.sym;
		if (rc == NSYM_ENOMEM)
			return rc;
		if (rc != 0) {
			if (!run->store_failed)
				nsym_log_internal(run->r, rc, mods[i].why);
			run->store_failed = true;
			snprintf(mods[i].why, sizeof(mods[i].why),
			         "the server's store failed (logged); try again");
		}
	}
	return 0;
}

/* ---- the route ------------------------------------------------------------------ */

size_t nsym_symbolicate_frames(const struct nsym_crash *crashes, size_t n)
{
	size_t total = 0;

	for (size_t i = 0; i < n; i++)
		total += crashes[i].nframes;
	return total;
}

/* The n crashes symbolicated into out (not closed); 0 or the pipeline's
 * error code. */
static int symbolicate_into(FILE *out, struct nsym_request *r, const struct nsym_crash *crashes,
                            size_t n, unsigned flags)
{
	struct run run = {
	    .r = r,
	    .src = {r->store, nsym_server_builds(r->srv), nsym_server_cache_dir(r->srv)},
	    .modules = nsym_server_modules(r->srv)};
	struct nsym_report_options opts = {.flags = flags, .resolve = resolve, .ctx = &run};
	int rc = nsym_report_symbolicate(out, crashes, n, &opts);

	for (size_t i = 0; i < run.nuses; i++)
		nsym_module_cache_put(run.modules, &run.uses[i]);
	free(run.uses);
	return rc;
}

int nsym_symbolicate_text(char **text, size_t *len, const char **why, struct nsym_request *r,
                          const struct nsym_crash *crashes, size_t n, unsigned flags)
{
	FILE *out = open_memstream(text, len);
	int rc;

	*why = "out of memory for the answer";
	if (out == NULL) {
		*text = NULL;
		return NSYM_ENOMEM;
	}
	rc = symbolicate_into(out, r, crashes, n, flags);
	/* glibc's memstream leaves the text NULL, and fclose 0, when its last
	 * realloc fails */
	if ((fclose(out) != 0 || *text == NULL) && rc == 0)
		rc = NSYM_ENOMEM;
	else if (rc != 0)
		*why = nsym_error_detail();
	if (rc != 0) {
		free(*text);
		*text = NULL;
	}
	return rc;
}

/* Symbolicates the crashes into a reply. */
static void answer(struct nsym_request *r, const struct nsym_crash *crashes, size_t n,
                   unsigned flags)
{
	char *text = NULL;
	size_t len = 0;
	const char *why;
	int rc = nsym_symbolicate_text(&text, &len, &why, r, crashes, n, flags);

	if (rc != 0)
		nsym_reply_internal(r, rc, why);
	else
		nsym_reply(r, 200,
		           flags & NSYM_REPORT_JSON ? "application/json"
		                                    : "text/plain; charset=utf-8",
		           "Cache-Control: no-store\r\n", text, len);
	free(text);
}

void nsym_handle_symbolicate(struct nsym_request *r)
{
	/* A server must not place maps sent to it (they name its files): a Rust
	 * backtrace is placed where it ran, and its compact trace sent. */
	struct nsym_report_input in = {
	    .name = "the request",
	    .maps_how = "'napi-symbols symbolicate --maps FILE' on the machine it ran on"};
	struct nsym_crash *crashes = NULL;
	struct nsym_buf body;
	size_t n = 0, frames;
	int text = wants_text(nsym_header(r, "Accept"));
	char basenames[8] = "";
	unsigned flags;
	int rc;

	if (text < 0) {
		nsym_reply_error(r, 406, "this route answers application/json or text/plain");
		return;
	}
	nsym_query(r, "basenames", basenames, sizeof(basenames));
	flags = (text ? 0 : NSYM_REPORT_JSON) |
	        (basenames[0] != '\0' && strcmp(basenames, "0") != 0 ? NSYM_REPORT_BASENAMES : 0);
	if (nsym_read_body(r, &body, MAX_BODY) != 0)
		return; /* answered */
	if (nsym_symbolicate_v5(r, body.data, body.len) == 0) {
		nsym_buf_free(&body);
		return; /* a v5 request, answered */
	}
	in.text = body.data;
	in.len = body.len;
	rc = nsym_report_read(&crashes, &n, &in, NULL);
	if (rc == NSYM_EINVAL)
		nsym_reply_error(r, 422, "%s", nsym_error_detail());
	else if (rc != 0)
		nsym_reply_internal(r, rc, nsym_error_detail());
	else if ((frames = nsym_symbolicate_frames(crashes, n)) > MAX_FRAMES)
		nsym_reply_error(r, 413,
		                 "the request holds %zu frames; at most %d are symbolicated at "
		                 "once: send fewer crashes in one request",
		                 frames, MAX_FRAMES);
	else
		answer(r, crashes, n, flags);
	nsym_crashes_free(crashes, n);
	nsym_buf_free(&body);
}
