/*
 * The backtraces Rust's standard library prints for a panic under
 * RUST_BACKTRACE=full, found in any text (a terminal capture, a pasted
 * issue). What std prints:
 *
 *   thread 'main' (4242) panicked at src/lib.rs:42:9:
 *   MESSAGE, on as many lines as it takes
 *   stack backtrace:
 *      0:     0x7f3a2b1c4d5e - std::backtrace_rs::backtrace::libunwind::trace
 *                                at /rustc/…/libunwind.rs:116:5
 *     16:     0x7f3a2b1c5228 - <unknown>
 *
 * Rust before 1.73 put the message first, on the header line:
 * "thread 'main' panicked at 'MESSAGE', src/lib.rs:42:9"; before 1.89 there
 * was no "(TID)". Only the absolute addresses count: a stripped addon's
 * frames are "<unknown>" or the nearest exported name, which is wrong.
 * Frames carry no module here; the process's memory map gives them one
 * (report_maps.c). Text around the lines, and a prefix before each (a "> "
 * quote, a log's timestamp), is passed over. Running out of memory stops
 * the reading, and nothing is returned.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "report.h"

#define MAX_LINE       8192 /* bytes of a line looked at */
#define MAX_BACKTRACES 256
#define MAX_NAME       256 /* bytes of a frame's name kept to compare */
#define MAX_PREFIX     64  /* bytes of a quote or log prefix passed over */

/* The kinds of warning this reader gives (napi_symbols_report.h). */
#define WARN_CUT    "backtraces cut at the frame cap"
#define WARN_CAPPED "Rust backtraces past the cap"

struct rust_reader {
	struct nsym_crash *crashes;
	size_t n;
	struct nsym_crash *open;  /* the backtrace being read, or NULL */
	struct nsym_crash header; /* the last panic header, until a backtrace takes it */
	bool in_message;          /* lines after a new-style header are its message */
	bool have_header;
	char prefix[MAX_PREFIX];   /* what came before the header's "thread '" */
	uint64_t group_pc;         /* the address of the frame being read */
	char group_name[MAX_NAME]; /* the name its first entry printed */
	bool capped;
	bool oom; /* out of memory: the reading stops */
	struct nsym_rust_scan *scan;
	nsym_report_warn_fn *warn; /* at most once per backtrace, of up to MAX_BACKTRACES */
	void *ctx;
};

/* ---- one line ------------------------------------------------------------ */

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* A frame line "N: 0xADDR - NAME" anywhere in s: the address and the name
 * (the rest of the line). A frame without an address ("N: NAME", as
 * RUST_BACKTRACE=1 prints) sets *no_address instead. */
static bool frame_line(uint64_t *pc, const char **name, bool *no_address, const char *s)
{
	for (const char *colon = strchr(s, ':'); colon != NULL; colon = strchr(colon + 1, ':')) {
		const char *d = colon, *p = colon + 1, *hex;
		while (d > s && d[-1] >= '0' && d[-1] <= '9')
			d--;
		if (d == colon || (d > s && !is_space(d[-1]) && d[-1] != '>') || !is_space(*p))
			continue;
		p += strspn(p, " \t");
		if (strncmp(p, "0x", 2) != 0) {
			*no_address = *p != '\0';
			return false;
		}
		hex = p;
		p += 2 + strspn(p + 2, "0123456789abcdefABCDEF");
		if (strncmp(p, " - ", 3) != 0 ||
		    nsym__crash_hex(pc, hex, (size_t)(p - hex), true) != 0)
			continue;
		*name = p + 3;
		return true;
	}
	return false;
}

/* "at FILE:LINE:COLUMN" under a frame: the source std found for it. */
static bool source_line(const char *s)
{
	s += strspn(s, " \t>");
	return strncmp(s, "at ", 3) == 0 || strstr(s, "  at ") != NULL;
}

/* ---- the panic header ------------------------------------------------------ */

/* 0 or NSYM_ENOMEM. */
static int append_message(struct nsym_crash *h, const char *s)
{
	size_t have = h->panic_message != NULL ? strlen(h->panic_message) : 0;
	size_t add = strlen(s), room = NSYM_CRASH_MAX_TEXT - have;
	char *m;

	if (have >= NSYM_CRASH_MAX_TEXT)
		return 0;
	/* the lines of a message are joined by a space: the model holds one line */
	add = add + (have > 0) > room ? room - (have > 0) : add;
	if ((m = realloc(h->panic_message, have + (have > 0) + add + 1)) == NULL)
		return NSYM_ENOMEM;
	if (have > 0)
		m[have++] = ' ';
	for (size_t i = 0; i < add; i++)
		m[have + i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	m[have + add] = '\0';
	h->panic_message = m;
	return 0;
}

/* "'MESSAGE', FILE:LINE:COLUMN", the header of Rust before 1.73: 0 or
 * NSYM_ENOMEM. */
static int old_header(struct nsym_crash *h, char *rest)
{
	char *end = strstr(rest, "', "), *last = end;

	/* the message may hold "', " itself: the location follows the last one */
	while (last != NULL && (end = strstr(last + 1, "', ")) != NULL)
		last = end;
	if (last == NULL)
		return append_message(h, rest + 1);
	*last = '\0';
	if (append_message(h, rest + 1) != 0)
		return NSYM_ENOMEM;
	return nsym__crash_panic_location(h, last + 3);
}

/* "thread 'NAME' [(TID)] panicked at …": a new header; false when s is
 * none. Out of memory sets r->oom. */
static bool header_line(struct rust_reader *r, char *s)
{
	char *at = strstr(s, " panicked at "), *rest;
	size_t n;

	if (at == NULL || strstr(s, "thread '") == NULL || strstr(s, "thread '") > at)
		return false;
	r->scan->panics++;
	n = (size_t)(strstr(s, "thread '") - s);
	snprintf(r->prefix, sizeof(r->prefix), "%.*s", n < MAX_PREFIX ? (int)n : 0, s);
	nsym_crash_release(&r->header);
	r->have_header = true;
	rest = at + strlen(" panicked at ");
	n = strlen(rest);
	while (n > 0 && is_space(rest[n - 1]))
		rest[--n] = '\0';
	if (rest[0] == '\'') {
		if (old_header(&r->header, rest) != 0)
			r->oom = true;
		r->in_message = false;
		return true;
	}
	if (n > 0 && rest[n - 1] == ':')
		rest[n - 1] = '\0';
	if (nsym__crash_panic_location(&r->header, rest) != 0)
		r->oom = true;
	r->in_message = true;
	return true;
}

/* ---- backtraces -------------------------------------------------------------- */

/* Opens a backtrace: it takes the panic header read above it. */
static void start_backtrace(struct rust_reader *r)
{
	struct nsym_crash *a, *c;

	r->open = NULL;
	r->in_message = false;
	if (r->n == MAX_BACKTRACES) {
		if (!r->capped)
			nsym__report_warn(r->warn, r->ctx, WARN_CAPPED,
			                  "more than %d Rust backtraces; the rest are skipped",
			                  MAX_BACKTRACES);
		r->capped = true;
		return;
	}
	if ((a = realloc(r->crashes, (r->n + 1) * sizeof(*a))) == NULL) {
		r->oom = true;
		return;
	}
	r->crashes = a;
	c = &a[r->n++];
	*c = r->header;
	memset(&r->header, 0, sizeof(r->header));
	snprintf(c->reason, sizeof(c->reason), "panic");
	c->pid = c->tid = -1;
	if (!r->have_header) {
		static const char none[] = "(no 'panicked at' line above the backtrace)";
		c->panic_message = nsym__crash_text(none, strlen(none));
		if (c->panic_message == NULL)
			r->oom = true;
	}
	r->have_header = false;
	r->group_name[0] = '\0';
	r->open = c;
}

/*
 * One entry of a backtrace. std prints a frame's inlined calls as entries
 * of their own at the same address, so an entry at the address of the one
 * before is the same frame, unless it repeats that frame's first name
 * (recursion that returns to one call site). Every address std prints is
 * the unwinder's instruction pointer, a return address (std looks up ip - 1
 * itself), the first frame's too: a panic unwinds from a call.
 */
static void entry(struct rust_reader *r, uint64_t pc, const char *name)
{
	struct nsym_crash_frame *f;
	size_t len = strcspn(name, "\r");
	int rc;

	if (len >= MAX_NAME)
		len = MAX_NAME - 1;
	if (r->open->nframes > 0 && pc == r->group_pc &&
	    (strncmp(r->group_name, name, len) != 0 || r->group_name[len] != '\0'))
		return;
	r->group_pc = pc;
	memcpy(r->group_name, name, len);
	r->group_name[len] = '\0';
	if ((rc = nsym__crash_add_frame(&f, r->open)) == NSYM_ENOMEM) {
		r->oom = true;
		return;
	}
	if (rc != 0) {
		nsym__report_warn(r->warn, r->ctx, WARN_CUT,
		                  "a Rust backtrace of more than %d frames; the rest are skipped",
		                  NSYM_CRASH_MAX_FRAMES);
		r->open = NULL;
		return;
	}
	f->module = -1;
	f->pc = pc;
	f->return_address = true;
	/* the name std printed: "<unknown>" or, for a stripped addon, the
	 * nearest export; load-address inference tells the addon's frames by it */
	if ((f->symbol = nsym__crash_text(name, len)) == NULL)
		r->oom = true;
}

static void rust_line(struct rust_reader *r, char *s)
{
	uint64_t pc;
	const char *name;
	bool no_address = false;

	if (header_line(r, s)) {
		r->open = NULL;
	} else if (strstr(s, "stack backtrace:") != NULL) {
		start_backtrace(r);
	} else if (r->open != NULL && frame_line(&pc, &name, &no_address, s)) {
		entry(r, pc, name);
	} else if (r->open != NULL && r->open->nframes == 0 && no_address) {
		/* RUST_BACKTRACE=1: names without addresses, nothing to place */
		r->scan->short_backtraces++;
		nsym_crash_release(r->open);
		r->n--;
		r->open = NULL;
	} else if (r->open != NULL && source_line(s)) {
		return;
	} else if (r->in_message && strncmp(s, "note: ", 6) != 0) {
		/* a quoted or prefixed paste has the header's prefix on each line */
		size_t n = strlen(r->prefix);
		if (append_message(&r->header, strncmp(s, r->prefix, n) == 0 ? s + n : s) != 0)
			r->oom = true;
	} else {
		r->open = NULL;
		r->in_message = false;
	}
}

int nsym_crash_from_rust(struct nsym_crash **out, size_t *count, struct nsym_rust_scan *scan,
                         const char *text, size_t len, nsym_report_warn_fn *warn, void *ctx)
{
	struct rust_reader r = {.scan = scan, .warn = warn, .ctx = ctx};
	const char *p = text, *end = text + len;
	char line[MAX_LINE + 1];

	memset(scan, 0, sizeof(*scan));
	while (p < end && !r.oom) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl != NULL ? nl : end) - p);
		memcpy(line, p, n > MAX_LINE ? MAX_LINE : n);
		line[n > MAX_LINE ? MAX_LINE : n] = '\0';
		line[strcspn(line, "\r")] = '\0';
		rust_line(&r, line);
		p += n + (nl != NULL);
	}
	nsym_crash_release(&r.header);
	*out = NULL;
	*count = 0;
	if (r.oom) {
		nsym_crashes_free(r.crashes, r.n);
		return nsym__fail(NSYM_ENOMEM, NULL, NULL);
	}
	*out = r.crashes;
	*count = r.n;
	return 0;
}
