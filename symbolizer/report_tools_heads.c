/*
 * What the tools print around their stacks (report_tools.h): the headings
 * that start a stack and say what it is (the signal, the fault address,
 * another thread, an allocation), and the modules some list apart from
 * their frames with an identity or a load address. Each is found anywhere
 * in a line, as frames are, so a text joined into one line still reads.
 * The shapes, and where they were seen:
 *
 *   segfault-handler: "PID 22564 received SIGSEGV for address: 0xffffffff"
 *     (ddopson/node-segfault-handler issue #74)
 *   systemd-coredump: "Stack trace of thread 4242:", "Signal: 11 (SEGV)",
 *     "Module NAME with build-id HEX", "Module NAME from rpm PKG, build-id=HEX",
 *     "Found module NAME with build-id: HEX" (src/shared/elf-util.c; systemd
 *     PR #19135; abrt/abrt issue #1656)
 *   gdb: 'Thread 1 "node" received signal SIGSEGV, Segmentation fault.',
 *     "Program received signal SIGSEGV", "Thread 3 (Thread 0x7f… (LWP 123)):"
 *   lldb: "* thread #1, …, stop reason = EXC_BAD_ACCESS (code=1, address=0x0)"
 *   AddressSanitizer: "==1==ERROR: AddressSanitizer: SEGV on unknown address
 *     0x000000000000 (pc …)", "freed by thread T0 here:"
 *   valgrind: "==1== Invalid read of size 4", "==1== Process terminating with
 *     default action of signal 11 (SIGSEGV)"
 *   Node: "FATAL ERROR: …", "# Fatal error in …" (V8's)
 *   minidump_stackwalk: "Crash reason:  SIGSEGV /SEGV_MAPERR", "Crash address:
 *     0x0", "Thread 0 (crashed)", "Loaded modules:" then "0xBASE - 0xEND  NAME
 *     VERSION  (main)" (Breakpad processor/stackwalk_common.cc)
 *   Bun: "panic(main thread): Segmentation fault at address 0x0" (oven-sh/bun
 *     issues #11878, #23786)
 *   WinDbg: "STACK_TEXT:" (bitfocus/companion #3917), k's " # Child-SP
 *     RetAddr Call Site" (electron/electron #8829), the exception record's
 *     "ExceptionCode: c0000005 (Access violation)"
 */
#include <string.h>

#include "report.h"
#include "report_tools.h"

static const char sigabrt[] = "SIGABRT", sigsegv[] = "SIGSEGV";

static void header_init(struct nsym__tool_header *h, int tool)
{
	memset(h, 0, sizeof(*h));
	h->tool = tool;
	h->pid = -1;
}

/* A signal as the tools write it: "SIGSEGV", "SEGV"; the name with "SIG"
 * when the text has none. */
static struct nsym__slice signal_word(const char *p, const char *e)
{
	static const char *const names[] = {"SIGSEGV", "SIGBUS",  "SIGILL", "SIGFPE",
	                                    "SIGABRT", "SIGTRAP", "SIGSYS", "SIGKILL"};
	const char *q = p;

	while (q < e && ((*q >= 'A' && *q <= 'Z') || is_dec(*q) || *q == '_'))
		q++;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t n = strlen(names[i]);
		if ((size_t)(q - p) == n && memcmp(p, names[i], n) == 0)
			return slice(p, q);
		if ((size_t)(q - p) == n - 3 && memcmp(p, names[i] + 3, n - 3) == 0)
			return slice(names[i], names[i] + n);
	}
	/* other names a tool gives (EXC_BAD_ACCESS, EXCEPTION_ACCESS_VIOLATION_READ) */
	return q - p >= 4 ? slice(p, q) : slice(p, p);
}

/* "PID N received SIGSEGV for address: 0x…" */
static const char *segfault_handler(struct nsym__tool_header *h, const char *line, const char *s,
                                    const char *e)
{
	const char *r = find(s, e, " received SIG"), *a, *pid;
	uint64_t v;

	(void)line;
	if (r == NULL || (a = find(r, e, " for address: ")) == NULL)
		return NULL;
	header_init(h, NSYM_TOOL_GLIBC);
	h->key = a;
	h->signal = signal_word(r + strlen(" received "), a);
	a += strlen(" for address: ");
	/* segfault-handler prints "0x%lx"; a handler with "%p" prints NULL as "(nil)" */
	h->has_address = hex(&h->address, a, e, true) != NULL || starts(a, e, "(nil)");
	if ((pid = rfind(s, r, "PID ")) != NULL && dec(&v, pid + 4, r) == r)
		h->pid = (long long)v;
	else
		pid = r + 1;
	h->title = trimmed(pid, e);
	return pid;
}

static const char *coredump(struct nsym__tool_header *h, const char *line, const char *s,
                            const char *e)
{
	const char *p = find(s, e, "Stack trace of thread "), *g = find(s, e, "Signal: "), *q;
	uint64_t v;

	/* coredumpctl info: "Signal: 11 (SEGV)" */
	while (g != NULL && !word_start(line, g))
		g = find(g + 1, e, "Signal: ");
	if (g != NULL && (p == NULL || g < p) && (q = dec(&v, g + strlen("Signal: "), e)) != NULL &&
	    starts(q, e, " (")) {
		header_init(h, NSYM_TOOL_COREDUMP);
		h->signal = signal_word(q + 2, e);
		h->key = q;
		return g;
	}
	if (p == NULL)
		return NULL;
	header_init(h, NSYM_TOOL_COREDUMP);
	h->title = trimmed(p, e);
	h->thread = true;
	h->key = p + strlen("Stack trace of thread ");
	return p;
}

static const char *gdb(struct nsym__tool_header *h, const char *line, const char *s, const char *e)
{
	const char *p = find(s, e, " received signal "), *t, *q;
	uint64_t v;

	(void)line;
	if (p != NULL) {
		header_init(h, NSYM_TOOL_GDB);
		h->key = p + strlen(" received signal ");
		t = rfind(s, p, "Program");
		t = t != NULL ? t : rfind(s, p, "Thread ");
		t = t != NULL ? t : p + 1;
		h->title = trimmed(t, e);
		h->signal = signal_word(p + strlen(" received signal "), e);
		return t;
	}
	/* thread apply all bt: "Thread 3 (Thread 0x7f… (LWP 123)):" */
	for (p = find(s, e, "Thread "); p != NULL; p = find(p + 1, e, "Thread ")) {
		if ((q = dec(&v, p + 7, e)) != NULL &&
		    (starts(q, e, " (Thread 0x") || starts(q, e, " (LWP "))) {
			header_init(h, NSYM_TOOL_GDB);
			h->title = trimmed(p, e);
			h->thread = true;
			h->key = q;
			return p;
		}
	}
	return NULL;
}

static const char *lldb(struct nsym__tool_header *h, const char *line, const char *s, const char *e)
{
	const char *p = find(s, e, "stop reason = "), *t, *q;

	(void)line;
	if (p == NULL)
		return NULL;
	header_init(h, NSYM_TOOL_LLDB);
	h->key = p + strlen("stop reason = ");
	t = rfind(s, p, "thread #");
	t = t != NULL ? t : p;
	h->title = trimmed(t, e);
	p += strlen("stop reason = ");
	if (starts(p, e, "signal "))
		p += strlen("signal ");
	h->signal = signal_word(p, e);
	if ((q = find(p, e, "address=0x")) != NULL)
		h->has_address = hex(&h->address, q + strlen("address="), e, true) != NULL;
	return t;
}

static const char *asan(struct nsym__tool_header *h, const char *line, const char *s, const char *e)
{
	const char *p = find(s, e, "ERROR: "), *q, *t, *b;
	uint64_t v;

	(void)line;
	for (; p != NULL; p = find(p + 1, e, "ERROR: ")) {
		if ((q = find(p, e, "Sanitizer: ")) == NULL || q > p + 40)
			continue;
		header_init(h, NSYM_TOOL_ASAN);
		q += strlen("Sanitizer: ");
		h->key = q;
		/* the tool's name is the source's already */
		h->title = trimmed(starts(p, e, "ERROR: AddressSanitizer: ") ? q : p + 7, e);
		/* "SEGV on unknown address 0x…": a deadly signal */
		if (find(q, e, " on unknown address") == find(q, e, " ")) {
			h->signal = signal_word(q, e);
			q = find(q, e, "address ");
			h->has_address = q != NULL && hex(&h->address, q + 8, e, true) != NULL;
		}
		return p;
	}
	/* "freed by thread T0 here:", "previously allocated by thread T0 here:" */
	for (p = find(s, e, " by thread T"); p != NULL; p = find(p + 1, e, " by thread T")) {
		if ((q = dec(&v, p + strlen(" by thread T"), e)) == NULL || !starts(q, e, " here:"))
			continue;
		header_init(h, NSYM_TOOL_ASAN);
		/* the verb, and "previously" before it */
		for (b = p; b > s && !is_ws(b[-1]);)
			b--;
		t = back_ws(s, b);
		if (t - s >= 10 && memcmp(t - 10, "previously", 10) == 0)
			b = t - 10;
		h->title = slice(b, q + strlen(" here:"));
		h->key = q + strlen(" here:");
		h->secondary = true;
		return b;
	}
	return NULL;
}

static const char *valgrind(struct nsym__tool_header *h, const char *line, const char *s,
                            const char *e)
{
	const char *p, *q, *t, *g;
	uint64_t v;

	(void)line;
	for (p = find(s, e, "=="); p != NULL; p = find(p + 1, e, "==")) {
		if ((q = dec(&v, p + 2, e)) == NULL || !starts(q, e, "== ") || q + 3 >= e ||
		    is_ws(q[3]))
			continue;
		header_init(h, NSYM_TOOL_VALGRIND);
		h->pid = (long long)v;
		h->key = q + 3;
		/* the message, up to the next line's "==PID==" in a joined text */
		t = find(q + 3, e, " ==");
		h->title = trimmed(q + 3, t != NULL ? t : e);
		if ((g = find(q, h->title.s + h->title.len, "default action of signal ")) != NULL &&
		    (g = find(g, e, " (")) != NULL)
			h->signal = signal_word(g + 2, e);
		else
			h->secondary = true; /* an error reported as the program goes on */
		return p;
	}
	return NULL;
}

static const char *node(struct nsym__tool_header *h, const char *line, const char *s, const char *e)
{
	const char *p = find(s, e, "FATAL ERROR: "), *v8 = find(s, e, "# Fatal error in ");

	(void)line;
	if (v8 != NULL && (p == NULL || v8 < p))
		p = v8;
	if (p == NULL)
		return NULL;
	header_init(h, NSYM_TOOL_NODE);
	h->title = trimmed(p[0] == '#' ? p + 2 : p, e);
	h->key = p + 13;
	h->signal = slice(sigabrt, sigabrt + strlen(sigabrt)); /* node::Abort() */
	return p;
}

static const char *minidump(struct nsym__tool_header *h, const char *line, const char *s,
                            const char *e)
{
	const char *reason = find(s, e, "Crash reason:"), *addr = find(s, e, "Crash address: 0x"),
	           *list = find(s, e, "Loaded modules:"), *p, *q = e;
	uint64_t v;

	/* "Thread 0 (crashed)", or "Thread 3" for another: not gdb's "Thread 1 "node"" */
	for (p = find(s, e, "Thread "); p != NULL; p = find(p + 1, e, "Thread ")) {
		if (!word_start(line, p) || (q = dec(&v, p + 7, e)) == NULL)
			continue;
		if (q == e || starts(q, e, " (crashed)") ||
		    (is_ws(*q) && !starts(q, e, " (") && !starts(q, e, " \"")))
			break;
	}
	if (reason != NULL && (addr == NULL || reason < addr) && (list == NULL || reason < list) &&
	    (p == NULL || reason < p)) {
		header_init(h, NSYM_TOOL_MINIDUMP);
		h->signal = signal_word(skip_ws(reason + strlen("Crash reason:"), e), e);
		h->key = reason + strlen("Crash reason:");
		return reason;
	}
	if (addr != NULL && (list == NULL || addr < list) && (p == NULL || addr < p)) {
		header_init(h, NSYM_TOOL_MINIDUMP);
		h->has_address =
		    hex(&h->address, addr + strlen("Crash address: "), e, true) != NULL;
		h->key = addr + strlen("Crash address: ");
		return addr;
	}
	if (list != NULL && (p == NULL || list < p)) {
		header_init(h, NSYM_TOOL_MINIDUMP);
		h->module_list = true;
		h->key = list + strlen("Loaded modules:");
		return list;
	}
	if (p == NULL)
		return NULL;
	header_init(h, NSYM_TOOL_MINIDUMP);
	h->secondary = !starts(q, e, " (crashed)");
	h->title = trimmed(p, h->secondary ? q : q + strlen(" (crashed)"));
	h->thread = true;
	h->key = q;
	return p;
}

static const char *bun(struct nsym__tool_header *h, const char *line, const char *s, const char *e)
{
	const char *p = find(s, e, "panic("), *f = find(s, e, "Segmentation fault at address 0x"),
	           *q;

	(void)line;
	if (p != NULL && find(p, e, "): ") == NULL)
		p = NULL;
	if (f != NULL && (p == NULL || f < p))
		p = f;
	if (p == NULL)
		return NULL;
	header_init(h, NSYM_TOOL_BUN);
	h->title = trimmed(p, e);
	h->key = p + 6;
	if ((q = find(p, e, "Segmentation fault at address ")) != NULL) {
		h->signal = slice(sigsegv, sigsegv + strlen(sigsegv));
		h->has_address =
		    hex(&h->address, q + strlen("Segmentation fault at address "), e, true) != NULL;
	}
	return p;
}

/* WinDbg: "STACK_TEXT:" (!analyze -v), k's column heading " # Child-SP
 * RetAddr Call Site" (x86: "ChildEBP RetAddr"), and what the exception
 * record says ("ExceptionCode: c0000005 (Access violation)", "Attempt to
 * read from address 0000000000000000"). */
static const char *windbg(struct nsym__tool_header *h, const char *line, const char *s,
                          const char *e)
{
	static const char *const words[] = {"STACK_TEXT:",
	                                    "Child-SP",
	                                    "ChildEBP",
	                                    "ExceptionCode: ",
	                                    "Attempt to read from address ",
	                                    "Attempt to write to address "};
	const char *best = NULL, *q, *name;
	size_t which = 0;
	uint64_t v;

	(void)line;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		const char *p = find(s, e, words[i]);
		/* k's heading names both columns */
		if (p != NULL && (i == 1 || i == 2) && find(p, e, "RetAddr") == NULL)
			p = NULL;
		if (p != NULL && (best == NULL || p < best)) {
			best = p;
			which = i;
		}
	}
	if (best == NULL)
		return NULL;
	header_init(h, NSYM_TOOL_WINDBG);
	h->key = best + strlen(words[which]);
	switch (which) {
	case 0:
		h->title = slice(best, best + strlen("STACK_TEXT"));
		break;
	case 1:
	case 2: /* k's columns: they say no more than the tool's name */
		if (best - s >= 2 && best[-1] == ' ' && best[-2] == '#')
			best -= 2;
		h->key = e;
		break;
	case 3:
		if ((q = hex(&v, h->key, e, false)) != NULL && v <= UINT32_MAX &&
		    (name = nsym__win_exception((uint32_t)v)) != NULL) {
			h->signal = slice(name, name + strlen(name));
			h->key = q;
		}
		break;
	default:
		h->has_address = hex(&h->address, h->key, e, false) != NULL;
		break;
	}
	return best;
}

const char *nsym__tool_header(struct nsym__tool_header *out, const char *line, const char *s,
                              const char *e)
{
	static const char *(*const kinds[])(struct nsym__tool_header *, const char *, const char *,
	                                    const char *) = {
	    segfault_handler, coredump, gdb, lldb, asan, valgrind, node, minidump, bun, windbg,
	};
	struct nsym__tool_header h;
	const char *best = NULL, *p;

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		if ((p = kinds[k](&h, line, s, e)) != NULL && (best == NULL || p < best)) {
			best = p;
			*out = h;
		}
	}
	return best;
}

/* ---- modules listed apart ---------------------------------------------------- */

const char *nsym__tool_module(struct nsym__tool_module *out, const char *line, const char *s,
                              const char *e, bool in_list)
{
	const char *p, *q, *id, *next;
	uint64_t end;

	memset(out, 0, sizeof(*out));
	if (in_list) {
		/* "0xSTART - 0xEND  NAME  VERSION  (main)  (WARNING: …)" */
		for (p = find(s, e, "0x"); p != NULL; p = find(p + 1, e, "0x")) {
			if ((q = hex(&out->base, p, e, true)) == NULL || !starts(q, e, " - ") ||
			    (q = hex(&end, q + 3, e, true)) == NULL || end < out->base)
				continue;
			out->has_base = true;
			out->size = end - out->base + 1;
			q = skip_ws(q, e);
			next = find(q, e, "  ");
			out->name = slice(q, next != NULL ? next : back_ws(q, e));
			out->end = out->name.s + out->name.len;
			if (out->name.len > 0)
				return p;
		}
		return NULL;
	}
	/* coredump: "Module NAME from rpm …, build-id=HEX", "Module NAME with
	 * build-id HEX", "Found module NAME with build-id: HEX" */
	for (p = find(s, e, "odule "); p != NULL; p = find(p + 1, e, "odule ")) {
		if (p == line || (p[-1] != 'M' && p[-1] != 'm'))
			continue;
		q = p + strlen("odule ");
		next = find(q, e, "odule ");
		if ((id = find(q, next != NULL ? next : e, "build-id")) == NULL)
			continue;
		out->name = slice(q, q + strcspn(q, " \t,") > e ? e : q + strcspn(q, " \t,"));
		id += strlen("build-id");
		while (id < e && (*id == '=' || *id == ':' || is_ws(*id)))
			id++;
		for (q = id; q < e && is_hex(*q); q++)
			;
		out->id = slice(id, q);
		out->end = q;
		if (out->name.len > 0 && out->id.len >= 8)
			return p - 1;
	}
	return NULL;
}
