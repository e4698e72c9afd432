/*
 * Windows' own crash records into crashes (nsym_crash_from_windows in
 * napi_symbols_report.h): the faults the scanners find (the Application
 * Error events of report_win_event.c, the WER reports of report_wer.c),
 * in the order of the text, each one crash with one frame, the faulting
 * instruction, in its module (a PE image known by name and time stamp) at
 * the offset the record gives. One fault is often recorded twice in one
 * paste: Event Viewer's "Copy details" puts the event's XML under its
 * text, and event 1001 (WER) repeats event 1000; a fault that is the one
 * before it again is one crash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "report_windows.h"

#define MAX_FAULTS 256

/* The kinds of warning given here (napi_symbols_report.h). */
#define WARN_CAPPED "Windows fault records past the cap"

/* Exception codes (NTSTATUS) as winnt.h and ntstatus.h name them. */
static const struct {
	uint32_t code;
	const char *name;
} exceptions[] = {
    {0xc0000005, "EXCEPTION_ACCESS_VIOLATION"},
    {0xc0000006, "EXCEPTION_IN_PAGE_ERROR"},
    {0xc000001d, "EXCEPTION_ILLEGAL_INSTRUCTION"},
    {0xc0000025, "EXCEPTION_NONCONTINUABLE_EXCEPTION"},
    {0xc000008c, "EXCEPTION_ARRAY_BOUNDS_EXCEEDED"},
    {0xc0000094, "EXCEPTION_INT_DIVIDE_BY_ZERO"},
    {0xc0000095, "EXCEPTION_INT_OVERFLOW"},
    {0xc0000096, "EXCEPTION_PRIV_INSTRUCTION"},
    {0xc00000fd, "EXCEPTION_STACK_OVERFLOW"},
    {0xc0000135, "STATUS_DLL_NOT_FOUND"},
    {0xc0000139, "STATUS_ENTRYPOINT_NOT_FOUND"},
    {0xc000027b, "STATUS_STOWED_EXCEPTION"},
    {0xc0000374, "STATUS_HEAP_CORRUPTION"},
    /* __fastfail: a failed security check, or Rust's abort on Windows */
    {0xc0000409, "STATUS_STACK_BUFFER_OVERRUN"},
    {0xc0000420, "STATUS_ASSERTION_FAILURE"},
    {0xc0000602, "STATUS_FAIL_FAST_EXCEPTION"},
    {0x80000002, "EXCEPTION_DATATYPE_MISALIGNMENT"},
    {0x80000003, "EXCEPTION_BREAKPOINT"},
    {0x40000015, "STATUS_FATAL_APP_EXIT"}, /* what abort does */
    {0xe06d7363, "an uncaught C++ exception (MSVC)"},
    {0xe0434352, "an uncaught .NET exception"},
};

const char *nsym__win_exception(uint32_t code)
{
	for (size_t i = 0; i < sizeof(exceptions) / sizeof(exceptions[0]); i++) {
		if (exceptions[i].code == code)
			return exceptions[i].name;
	}
	return NULL;
}

void nsym__win_fault_init(struct nsym__win_fault *f, size_t at, const char *record)
{
	memset(f, 0, sizeof(*f));
	f->at = at;
	f->record = record;
	f->pid = -1;
}

void nsym__win_copy(char *out, size_t size, const char *s, size_t len)
{
	size_t n;

	while (len > 0 && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')) {
		s++;
		len--;
	}
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r' ||
	                   s[len - 1] == '\n'))
		len--;
	n = len < size - 1 ? len : size - 1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		out[i] = (char)(c < 0x20 || c == 0x7f ? '?' : c);
	}
	out[n] = '\0';
}

int nsym__win_hex(uint64_t *out, const char *s, size_t len)
{
	const char *e = s + len, *q;

	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	/* Windows 11 writes a process id as "0x0x21CC" */
	for (int i = 0; i < 2 && e - s >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'); i++)
		s += 2;
	for (q = s; q < e && strchr("0123456789abcdefABCDEF", *q) != NULL && *q != '\0'; q++)
		;
	if (q == s || nsym__crash_hex(out, s, (size_t)(q - s), false) != 0)
		return -1;
	while (q < e && (*q == ' ' || *q == '\t' || *q == '\r'))
		q++;
	/* "0x6542a1b3" ends the field; a comma may follow, a word may not */
	return q == e || *q == ',' || *q == '\n' ? 0 : -1;
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

bool nsym__win_same(const char *s, size_t len, const char *word)
{
	size_t n = strlen(word);

	if (len != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (lower(s[i]) != lower(word[i]))
			return false;
	}
	return true;
}

const char *nsym__win_find(const char *s, const char *e, const char *needle)
{
	size_t n = strlen(needle);
	char first = lower(needle[0]);

	for (const char *p = s; p + n <= e; p++) {
		if (lower(*p) == first && nsym__win_same(p, n, needle))
			return p;
	}
	return NULL;
}

int nsym__win_fault_add(struct nsym__win_faults *list, const struct nsym__win_fault *f)
{
	struct nsym__win_fault *grown;

	if (f->module[0] == '\0')
		return 0;
	if (list->n == MAX_FAULTS) {
		if (!list->capped)
			nsym__report_warn(list->warn, list->ctx, WARN_CAPPED,
			                  "more than %d faults recorded by Windows; the rest are "
			                  "skipped",
			                  MAX_FAULTS);
		list->capped = true;
		return 0;
	}
	if ((grown = realloc(list->v, (list->n + 1) * sizeof(*grown))) == NULL)
		return NSYM_ENOMEM;
	list->v = grown;
	list->v[list->n++] = *f;
	return 0;
}

/* ---- faults into crashes ------------------------------------------------------ */

/* What Windows names a fault's module when it is in none: "unknown", or
 * WER's hash of the stack, "StackHash_0a9e". */
static bool placeholder(const char *module)
{
	return strcmp(module, "unknown") == 0 || strncmp(module, "StackHash_", 10) == 0;
}

/* Whether b records the fault a recorded: the same report, or the same
 * module (or a placeholder for it), offset, code and time stamp. */
static bool same_fault(const struct nsym__win_fault *a, const struct nsym__win_fault *b)
{
	if (a->report_id[0] != '\0' && strcmp(a->report_id, b->report_id) == 0)
		return true;
	if (a->has_offset != b->has_offset || a->offset != b->offset ||
	    a->has_code != b->has_code || a->code != b->code ||
	    a->has_timestamp != b->has_timestamp || a->timestamp != b->timestamp ||
	    (a->pid >= 0 && b->pid >= 0 && a->pid != b->pid))
		return false;
	return nsym__win_same(a->module, strlen(a->module), b->module) || placeholder(a->module) ||
	       placeholder(b->module);
}

static int by_place(const void *x, const void *y)
{
	const struct nsym__win_fault *a = x, *b = y;

	return a->at < b->at ? -1 : a->at > b->at;
}

static char *text_of(const char *s)
{
	return nsym__crash_text(s, strlen(s));
}

/* The crash of fault f into c (zeroed): 0 or NSYM_ENOMEM. */
static int fault_crash(struct nsym_crash *c, const struct nsym__win_fault *f)
{
	struct nsym_crash_module *m;
	struct nsym_crash_frame *fr;
	const char *name = NULL, *base;
	char text[NSYM_WIN_NAME + 128];

	c->pid = f->pid;
	c->tid = -1;
	snprintf(c->reason, sizeof(c->reason), "signal");
	if (f->has_code) {
		name = nsym__win_exception(f->code);
		snprintf(text, sizeof(text), "%s%s0x%08x%s", name != NULL ? name : "exception",
		         name != NULL ? " (" : " ", (unsigned)f->code, name != NULL ? ")" : "");
		if ((c->signal_name = text_of(text)) == NULL)
			return NSYM_ENOMEM;
	}
	snprintf(text, sizeof(text), "%s%s%s%s%s", f->record, f->event[0] != '\0' ? " (" : "",
	         f->event, f->event[0] != '\0' ? ")" : "", f->app[0] != '\0' ? ": " : "");
	snprintf(text + strlen(text), sizeof(text) - strlen(text), "%s", f->app);
	if ((c->source = text_of(text)) == NULL)
		return NSYM_ENOMEM;
	if (nsym__crash_add_frame(&fr, c) != 0)
		return NSYM_ENOMEM;
	fr->return_address = false; /* the faulting instruction itself */
	fr->module = -1;
	if (placeholder(f->module)) {
		/* the offset is then the address itself */
		fr->pc = f->offset;
		fr->why = text_of("Windows names no module for it: the fault is outside every "
		                  "image (JIT code, or a module unloaded)");
		return fr->why != NULL ? 0 : NSYM_ENOMEM;
	}
	if (nsym__crash_add_module(&m, c) != 0)
		return NSYM_ENOMEM;
	fr->module = 0;
	/* a record names the module by its file name; a path is a Windows one */
	base = strrchr(f->module, '\\');
	base = base != NULL ? base + 1 : f->module;
	if ((m->name = text_of(base)) == NULL ||
	    (m->path = text_of(f->path[0] != '\0' ? f->path : f->module)) == NULL)
		return NSYM_ENOMEM;
	m->listed = true;
	m->format = NSYM_FORMAT_PE;
	/* 0 is what Windows writes for a module it could not read */
	m->has_timestamp = f->has_timestamp && f->timestamp != 0;
	m->timestamp = f->timestamp;
	if (f->has_offset) {
		fr->rel = f->offset;
		fr->how = NSYM_OFFSET_GIVEN;
		return 0;
	}
	fr->why = text_of("the record gives no fault offset");
	return fr->why != NULL ? 0 : NSYM_ENOMEM;
}

int nsym_crash_from_windows(struct nsym_crash **out, size_t *count, const char *text, size_t len,
                            nsym_report_warn_fn *warn, void *ctx)
{
	struct nsym__win_faults list = {.warn = warn, .ctx = ctx};
	struct nsym_crash *crashes = NULL;
	size_t n = 0;
	int rc;

	*out = NULL;
	*count = 0;
	if ((rc = nsym__win_events(&list, text, len)) != 0 ||
	    (rc = nsym__win_wer(&list, text, len)) != 0)
		goto out;
	if (list.n > 0)
		qsort(list.v, list.n, sizeof(*list.v), by_place);
	if ((crashes = calloc(list.n + 1, sizeof(*crashes))) == NULL) {
		rc = NSYM_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < list.n; i++) {
		if (i > 0 && same_fault(&list.v[i - 1], &list.v[i]))
			continue;
		if ((rc = fault_crash(&crashes[n++], &list.v[i])) != 0)
			goto out;
	}
	*out = crashes;
	*count = n;
	crashes = NULL;
	n = 0;
out:
	nsym_crashes_free(crashes, n);
	free(list.v);
	return rc != 0
	           ? nsym__fail(NSYM_ENOMEM, NULL, "out of memory reading Windows' crash records")
	           : 0;
}
