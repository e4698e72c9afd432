/*
 * Compact traces (docs/crash-report.md) found in any text: a pasted issue,
 * a log, a terminal capture. Only lines holding "napi-symbols: " count, and
 * only from a "crash v1"/"panic v1" line on; the text before the marker (a
 * "> " quote, a timestamp) is ignored. A trace without "end" is kept and
 * marked cut. A line that cannot be read is told to the caller's warning
 * callback and skipped: the rest of a damaged paste is still worth
 * symbolicating. Running out of memory is not a line that cannot be read:
 * the reading stops there and nothing is returned.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "napi_symbols_util.h"
#include "report.h"

#define MARKER       "napi-symbols: "
#define MAX_TRACES   256
#define MAX_LINE     4096 /* bytes of a line kept after the marker */
#define MAX_TOKENS   256
#define MAX_TRACE_ID 1023 /* highest mN: far above the 64 frames a trace holds */

/* The kinds of warning this reader gives (napi_symbols_report.h). */
#define WARN_LINES  "warnings about the traces"
#define WARN_CAPPED "traces past the cap"

struct tokens {
	char *v[MAX_TOKENS];
	size_t n;
};

struct trace_reader {
	struct nsym_crash *crashes;
	size_t n;
	struct nsym_crash *open; /* the trace being read, or NULL */
	bool skipping;           /* inside a trace of an unknown version */
	bool oom;                /* out of memory: the reading stops */
	bool traces_capped;      /* MAX_TRACES was reached, and that was said */
	bool frames_capped;      /* the open trace reached its frame cap, and that was said */
	size_t lineno;
	nsym_report_warn_fn *warn; /* a damaged paste can call it on every line */
	void *ctx;
};

static void bad_line(struct trace_reader *r, const char *what, const char *token)
{
	nsym__report_warn(r->warn, r->ctx, WARN_LINES, "line %zu: %s '%.60s'; skipped", r->lineno,
	                  what, token);
}

static void split(struct tokens *t, char *s)
{
	char *save = NULL;
	t->n = 0;
	for (char *w = strtok_r(s, " \t", &save); w != NULL && t->n < MAX_TOKENS;
	     w = strtok_r(NULL, " \t", &save))
		t->v[t->n++] = w;
}

static bool decimal(long long *out, const char *s, long long max)
{
	char *end;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno == 0 && end != s && *end == '\0' && *s != '-' && *s != '+' && *out <= max;
}

/* The module numbered n in the open trace, made room for when not yet
 * seen (n is below the cap); NULL out of memory. */
static struct nsym_crash_module *trace_module(struct nsym_crash *c, long long n)
{
	struct nsym_crash_module *m = NULL;
	while ((long long)c->nmodules <= n) {
		if (nsym__crash_add_module(&m, c) != 0)
			return NULL;
	}
	return &c->modules[n];
}

/* "(pid N," "tid N)" "report NAME" after a crash or panic header: 0 or
 * NSYM_ENOMEM. */
static int header_extras(struct nsym_crash *c, struct tokens *t, size_t from)
{
	long long v;
	for (size_t i = from; i + 1 < t->n; i++) {
		char *num = t->v[i + 1];
		num[strcspn(num, ",)")] = '\0';
		if (strcmp(t->v[i], "(pid") == 0 && decimal(&v, num, INT32_MAX))
			c->pid = v;
		else if (strcmp(t->v[i], "tid") == 0 && decimal(&v, num, INT32_MAX))
			c->tid = v;
		else if (strcmp(t->v[i], "report") == 0 && c->report_name == NULL &&
		         (c->report_name = nsym__crash_text(num, strlen(num))) == NULL)
			return NSYM_ENOMEM;
	}
	return 0;
}

/* "crash v1 SIGSEGV at 0x0 (pid 1, tid 1) report NAME", version checked:
 * 0 or NSYM_ENOMEM. */
static int crash_header(struct nsym_crash *c, struct tokens *t)
{
	size_t i = 2;

	snprintf(c->reason, sizeof(c->reason), "signal");
	if (i < t->n && strcmp(t->v[i], "manual") == 0) {
		snprintf(c->reason, sizeof(c->reason), "manual");
		i++;
	} else if (i < t->n && t->v[i][0] != '(' && strcmp(t->v[i], "at") != 0) {
		if ((c->signal_name = nsym__crash_text(t->v[i], strlen(t->v[i]))) == NULL)
			return NSYM_ENOMEM;
		i++;
	}
	if (i + 1 < t->n && strcmp(t->v[i], "at") == 0 &&
	    nsym__crash_hex(&c->fault_address, t->v[i + 1], strlen(t->v[i + 1]), false) == 0) {
		c->has_address = true;
		i += 2;
	}
	return header_extras(c, t, i);
}

/* The JSON string starting at *s ('"'): decoded into the crash, and *s
 * moved past it. A message cut inside its quotes, or not valid JSON, is
 * kept as written. 0 or NSYM_ENOMEM. */
static int panic_message(struct nsym_crash *c, char **s)
{
	/* one string, as long as the line it is on (which the reader caps) */
	static const struct nsym_json_limits one_string = {SIZE_MAX, 0};
	json_t *doc = NULL;
	char *q = *s + 1, err[200];
	int rc = NSYM_EINVAL; /* until it is read as a whole JSON string */

	while (*q != '\0' && *q != '"')
		q += q[0] == '\\' && q[1] != '\0' ? 2 : 1;
	if (*q == '"')
		rc = nsym_json_load(&doc, *s, (size_t)(q + 1 - *s), &one_string, err, sizeof(err));
	if (rc == 0)
		c->panic_message =
		    nsym__crash_text(json_string_value(doc), json_string_length(doc));
	else if (rc != NSYM_ENOMEM)
		c->panic_message = nsym__crash_text(*s + 1, (size_t)(q - *s - 1));
	json_decref(doc);
	*s = *q == '"' ? q + 1 : q;
	return c->panic_message != NULL ? 0 : NSYM_ENOMEM;
}

/* `panic v1 "MESSAGE" at FILE:LINE:COLUMN …`; rest is the text after "v1 ".
 * 0 or NSYM_ENOMEM. */
static int panic_header(struct nsym_crash *c, char *rest)
{
	struct tokens t;
	int rc;

	snprintf(c->reason, sizeof(c->reason), "panic");
	rest += strspn(rest, " ");
	if (*rest == '"' && (rc = panic_message(c, &rest)) != 0)
		return rc;
	split(&t, rest);
	if (t.n >= 2 && strcmp(t.v[0], "at") == 0 && t.v[1][0] != '(') {
		if ((rc = header_extras(c, &t, 2)) != 0)
			return rc;
		return nsym__crash_panic_location(c, t.v[1]);
	}
	return header_extras(c, &t, 0);
}

/* Opens a new trace; a trace still open was cut. */
static int start_trace(struct trace_reader *r, struct nsym_crash **out)
{
	struct nsym_crash *a;

	if (r->open != NULL)
		r->open->cut = true;
	r->open = NULL;
	if (r->n == MAX_TRACES) {
		if (!r->traces_capped)
			nsym__report_warn(r->warn, r->ctx, WARN_CAPPED,
			                  "line %zu: more than %d traces; the rest are skipped",
			                  r->lineno, MAX_TRACES);
		r->traces_capped = true;
		return -1;
	}
	a = realloc(r->crashes, (r->n + 1) * sizeof(*a));
	if (a == NULL) {
		r->oom = true;
		return -1;
	}
	r->crashes = a;
	*out = memset(&a[r->n++], 0, sizeof(*a));
	(*out)->pid = (*out)->tid = -1;
	r->open = *out;
	r->frames_capped = false;
	return 0;
}

static void header_line(struct trace_reader *r, char *line, struct tokens *t)
{
	struct nsym_crash *c;
	bool panic = strcmp(t->v[0], "panic") == 0;

	r->skipping = false;
	if (t->n < 2 || strcmp(t->v[1], "v1") != 0) {
		bad_line(r, "a trace of a format version this napi-symbols does not know:",
		         t->n < 2 ? "" : t->v[1]);
		if (r->open != NULL)
			r->open->cut = true;
		r->open = NULL;
		r->skipping = true;
		return;
	}
	if (start_trace(r, &c) != 0)
		return;
	if ((panic ? panic_header(c, strstr(line, "v1") + 2) : crash_header(c, t)) != 0)
		r->oom = true;
}

/* "mN ID NAME" */
static void module_line(struct trace_reader *r, struct tokens *t)
{
	struct nsym_crash_module *m;
	long long n;
	const char *id = t->n >= 2 ? t->v[1] : "";

	if (t->n < 3 || !decimal(&n, t->v[0] + 1, MAX_TRACE_ID) ||
	    (strcmp(id, "-") != 0 &&
	     nsym_crash_id((char[NSYM_CRASH_ID_SIZE]){0}, id, strlen(id)) != 0)) {
		bad_line(r, "cannot read the module line", t->v[0]);
		return;
	}
	if ((m = trace_module(r->open, n)) == NULL) {
		r->oom = true;
		return;
	}
	if (strcmp(id, "-") != 0)
		nsym_crash_id(m->id, id, strlen(id));
	free(m->path);
	m->path = nsym__crash_text(t->v[2], strlen(t->v[2]));
	m->listed = true;
	if (m->path == NULL)
		r->oom = true;
}

/* One frame token: "mN+REL", "mN+REL!" or "?+PC". 0, NSYM_EINVAL when
 * it is none, or NSYM_ENOMEM. */
static int frame_token(struct nsym_crash *c, char *tok)
{
	struct nsym_crash_frame *f;
	char *plus = strchr(tok, '+');
	size_t len;
	long long n = -1;
	uint64_t v;
	int rc;

	if (plus == NULL)
		return NSYM_EINVAL;
	*plus = '\0';
	len = strlen(plus + 1);
	bool fault = len > 0 && plus[len] == '!';
	if (!(strcmp(tok, "?") == 0 || (tok[0] == 'm' && decimal(&n, tok + 1, MAX_TRACE_ID))) ||
	    nsym__crash_hex(&v, plus + 1, len - fault, false) != 0)
		return NSYM_EINVAL;
	if (n >= 0 && trace_module(c, n) == NULL)
		return NSYM_ENOMEM;
	if ((rc = nsym__crash_add_frame(&f, c)) != 0)
		return rc;
	f->module = (int)n;
	f->return_address = !fault;
	*(n >= 0 ? &f->rel : &f->pc) = v;
	return 0;
}

static void frame_line(struct trace_reader *r, struct tokens *t)
{
	int rc;

	for (size_t i = 1; i < t->n && !r->frames_capped; i++) {
		char tok[64];
		if (r->open->nframes == NSYM_CRASH_MAX_FRAMES) {
			/* the rest of the trace is past the cap, not damaged: said once */
			nsym__report_warn(
			    r->warn, r->ctx, WARN_LINES,
			    "line %zu: a trace of more than %d frames; the rest are skipped",
			    r->lineno, NSYM_CRASH_MAX_FRAMES);
			r->frames_capped = true;
			break;
		}
		snprintf(tok, sizeof(tok), "%s", t->v[i]);
		rc = frame_token(r->open, tok);
		if (rc == NSYM_ENOMEM) {
			r->oom = true;
			return;
		}
		if (rc != 0)
			bad_line(r, "cannot read the frame", t->v[i]);
	}
}

/* One line's text after the marker. */
static void trace_line(struct trace_reader *r, char *line)
{
	struct tokens t;
	char copy[MAX_LINE + 1];

	snprintf(copy, sizeof(copy), "%s", line);
	split(&t, copy);
	if (t.n == 0)
		return;
	if (strcmp(t.v[0], "crash") == 0 || strcmp(t.v[0], "panic") == 0)
		header_line(r, line, &t);
	else if (r->open == NULL)
		return; /* outside a trace (or in one we cannot read) */
	else if (strcmp(t.v[0], "end") == 0)
		r->open = NULL;
	else if (strcmp(t.v[0], "f") == 0)
		frame_line(r, &t);
	else if (t.v[0][0] == 'm' && t.v[0][1] >= '0' && t.v[0][1] <= '9')
		module_line(r, &t);
}

int nsym_crash_from_text(struct nsym_crash **out, size_t *count, const char *text, size_t len,
                         nsym_report_warn_fn *warn, void *ctx)
{
	struct trace_reader r = {.warn = warn, .ctx = ctx};
	const char *p = text, *end = text + len;
	char line[MAX_LINE + 1];

	while (p < end && !r.oom) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *stop = nl != NULL ? nl : end;
		const char *m = memmem(p, (size_t)(stop - p), MARKER, strlen(MARKER));
		r.lineno++;
		if (m != NULL) {
			size_t n = (size_t)(stop - m) - strlen(MARKER);
			n = n > MAX_LINE ? MAX_LINE : n;
			memcpy(line, m + strlen(MARKER), n);
			line[n] = '\0';
			/* a NUL inside ends the line; a CR is white space */
			for (size_t i = 0; i < n && line[i] != '\0'; i++)
				line[i] = line[i] == '\r' ? ' ' : line[i];
			trace_line(&r, line);
		}
		p = stop + (nl != NULL);
	}
	*out = NULL;
	*count = 0;
	if (r.oom) {
		nsym_crashes_free(r.crashes, r.n);
		return nsym__fail(NSYM_ENOMEM, NULL, NULL);
	}
	if (r.open != NULL)
		r.open->cut = true;
	*out = r.crashes;
	*count = r.n;
	return 0;
}
