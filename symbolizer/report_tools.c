/*
 * The stacks that common tools print, read from any text into crashes
 * (nsym_crash_from_tools in napi_symbols_report.h): the line patterns of
 * report_tools_lines.c find the frames, headings and module lists; this
 * file reads the text as users paste it and assembles what they find.
 *
 * Lines are cleaned first (a CR, terminal colours). Frames are found
 * anywhere in a line, so several joined into one line all count, and a
 * prefix before them (a test runner's "[vitest] ", "stderr | ", a
 * timestamp, a "> " quote) is passed over. A line whose end leaves a frame
 * open (a bracket not closed, a path cut at the terminal's edge, gdb's
 * "from LIB" put on the next line) is joined with the next one when that
 * completes a frame. A stack ends at a heading, at a frame numbered again
 * from the start, or where another tool's frames begin; each is a crash.
 *
 * What the text says is kept as it says it: a module offset (GIVEN), or a
 * load address, from a module list or from another frame of the same
 * module that gives both its address and its offset (BASE). An absolute
 * address alone is left UNKNOWN with a why, for load-address inference
 * (or nsym_crash_place_mapping, for the kernel's mapping) to fill in.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "report.h"
#include "report_tools.h"

#define MAX_LINE    4096 /* bytes of one line looked at */
#define MAX_JOINED  3    /* lines one wrapped frame may span */
#define MAX_CRASHES 256
#define MAX_LISTED  1024 /* modules listed apart from the frames */
#define MAX_TITLE   240  /* bytes of a heading kept */
#define MAX_NAME    256  /* bytes of a listed module's name */
/* a line cut by a terminal is as wide as it: a shorter one that ends in a
 * path is taken as whole unless a bracket is left open */
#define MIN_WRAPPED 60

/* The kinds of warning given here (napi_symbols_report.h). */
#define WARN_CAPPED "stacks past the cap"
#define WARN_CUT    "backtraces cut at the frame cap"

/* A module a tool lists apart from its frames (coredump, minidump_stackwalk). */
struct listed {
	int tool; /* whose list: it is about that tool's stacks */
	char name[MAX_NAME];
	char id[NSYM_CRASH_ID_SIZE]; /* "" when none */
	bool has_base, clash;        /* clash: listed twice, differently */
	uint64_t base, size;
};

/* The last heading, waiting for the stack it is above. */
struct pending {
	bool set;
	int tool;
	char title[MAX_TITLE];
	char signal[32];
	bool has_address, secondary, thread;
	uint64_t address;
	long long pid;
};

struct tools_reader {
	struct nsym_crash *crashes;
	int *tools; /* the tool of each crash */
	size_t n;
	struct nsym_crash *open; /* the stack being read, or NULL */
	int tool;                /* the open stack's */
	long last_number;        /* its last frame's number, or -1 */
	bool has_ret;            /* WinDbg: the RetAddr of its last frame, the next's pc */
	uint64_t ret;
	bool next_exact;             /* gdb: the frame after "<signal handler called>" */
	bool full;                   /* the open stack reached its frame cap, and that was said */
	bool thread_run[NSYM_TOOLS]; /* a thread's stack of this tool was read: the
	                                next threads' are not the crash */
	struct pending pending;
	struct listed *listed;
	size_t nlisted;
	bool in_list; /* inside minidump_stackwalk's "Loaded modules:" */
	bool capped, oom;
	nsym_report_warn_fn *warn;
	void *ctx;
};

/* ---- lines ----------------------------------------------------------------- */

/* The text as lines, cleaned. */
struct lines {
	const char *p, *end;
};

/* The next line into out (at most MAX_LINE bytes, NUL-terminated): a CR
 * and terminal escape sequences dropped, a NUL ending it, "#012" ending it
 * as a newline. Its length, or -1 at the end of the text. */
static long next_line(char *out, struct lines *ls)
{
	const char *nl, *stop, *esc;
	size_t n = 0;

	if (ls->p >= ls->end)
		return -1;
	nl = memchr(ls->p, '\n', (size_t)(ls->end - ls->p));
	stop = nl != NULL ? nl : ls->end;
	/* rsyslog writes a message's newlines as "#012" (systemd-coredump's, into
	 * one line of /var/log/messages) */
	esc = memmem(ls->p, (size_t)(stop - ls->p), "#012", 4);
	if (esc != NULL) {
		stop = esc;
		nl = esc + 3;
	}
	for (const char *q = ls->p; q < stop && n < MAX_LINE; q++) {
		if (*q == '\0')
			break;
		if (*q == '\033' && q + 1 < stop && q[1] == '[') {
			/* CSI: parameters, then one final byte */
			for (q += 2; q < stop && !(*q >= 0x40 && *q <= 0x7e); q++)
				;
			continue;
		}
		if (*q != '\r')
			out[n++] = *q;
	}
	out[n] = '\0';
	ls->p = stop + (nl != NULL);
	return (long)n;
}

/* Whether two words at the start of lines are one prefix: the same, or
 * timestamps of the same shape ("2026-11-25T19:30:00.123Z"), which a frame
 * number ("1:", "#2") is not. */
static bool same_prefix(const char *a, size_t na, const char *b, size_t nb)
{
	bool stamp = false;

	if (na != nb)
		return false;
	if (memcmp(a, b, na) == 0)
		return true;
	for (size_t i = 0; i < na; i++) {
		bool da = a[i] >= '0' && a[i] <= '9', db = b[i] >= '0' && b[i] <= '9';
		if (da != db || (!da && a[i] != b[i]))
			return false;
		stamp |= strchr(":-.T", a[i]) != NULL;
	}
	return stamp && na >= 6;
}

/* Where the text of a continuation line starts: past the words it shares
 * with the start of the line it continues (a test runner's tag, a
 * timestamp on every line), and past its indentation. */
static const char *continuation(const char *first, const char *next)
{
	const char *a = first, *b = next;

	for (;;) {
		size_t na = strcspn(a, " \t"), nb = strcspn(b, " \t");
		if (na == 0 || a[na] == '\0' || !same_prefix(a, na, b, nb) || b[nb] == '\0')
			break;
		a += na + strspn(a + na, " \t");
		b += nb + strspn(b + nb, " \t");
	}
	return b + strspn(b, " \t");
}

/* ---- headings and listed modules ------------------------------------------- */

static void copy_slice(char *out, size_t size, struct nsym__slice s)
{
	size_t n = s.len < size - 1 ? s.len : size - 1;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s.s[i];
		out[i] = (char)(c < 0x20 || c == 0x7f ? '?' : c);
	}
	out[n] = '\0';
}

static void take_header(struct tools_reader *r, const struct nsym__tool_header *h)
{
	struct pending *p = &r->pending;

	r->open = NULL; /* a heading ends the stack above it */
	if (!h->thread)
		r->thread_run[h->tool] = false; /* another report of the tool */
	if (!p->set || p->tool != h->tool) {
		memset(p, 0, sizeof(*p));
		p->pid = -1;
	}
	/* several lines may each give a part ("Crash reason:", "Crash address:") */
	p->set = true;
	p->tool = h->tool;
	if (h->title.len > 0)
		copy_slice(p->title, sizeof(p->title), h->title);
	if (h->signal.len > 0)
		copy_slice(p->signal, sizeof(p->signal), h->signal);
	if (h->has_address) {
		p->has_address = true;
		p->address = h->address;
	}
	if (h->pid >= 0)
		p->pid = h->pid;
	p->secondary = h->secondary;
	p->thread = h->thread;
	if (h->module_list)
		r->in_list = true;
}

static void add_listed(struct tools_reader *r, const struct nsym__tool_module *m)
{
	struct listed l = {0}, *grown;

	l.tool = r->in_list ? NSYM_TOOL_MINIDUMP : NSYM_TOOL_COREDUMP;
	copy_slice(l.name, sizeof(l.name), m->name);
	if (m->id.len > 0 && nsym_crash_id(l.id, m->id.s, m->id.len) != 0)
		l.id[0] = '\0';
	l.has_base = m->has_base;
	l.base = m->base;
	l.size = m->size;
	for (size_t i = 0; i < r->nlisted; i++) {
		struct listed *o = &r->listed[i];
		if (o->tool != l.tool || strcmp(o->name, l.name) != 0)
			continue;
		/* one list gives the identity, another the load: one module; two
		 * identities or two loads of one name: neither can be told */
		if ((o->id[0] != '\0' && l.id[0] != '\0' && strcmp(o->id, l.id) != 0) ||
		    (o->has_base && l.has_base && (o->base != l.base || o->size != l.size)))
			o->clash = true;
		if (o->id[0] == '\0')
			memcpy(o->id, l.id, sizeof(o->id));
		if (!o->has_base && l.has_base) {
			o->has_base = true;
			o->base = l.base;
			o->size = l.size;
		}
		return;
	}
	if (r->nlisted == MAX_LISTED)
		return;
	if ((grown = realloc(r->listed, (r->nlisted + 1) * sizeof(*grown))) == NULL) {
		r->oom = true;
		return;
	}
	r->listed = grown;
	r->listed[r->nlisted++] = l;
}

/* ---- frames into crashes ------------------------------------------------------ */

/* Opens a stack for a frame of tool, with the heading above it when it is
 * that tool's. */
static struct nsym_crash *open_crash(struct tools_reader *r, int tool)
{
	struct nsym_crash *a, *c;
	int *t;
	struct pending *p = &r->pending;
	/* segfault-handler prints its heading above macOS frames too */
	bool mine =
	    p->set && (p->tool == tool || (p->tool == NSYM_TOOL_GLIBC && tool == NSYM_TOOL_MACOS));
	char source[MAX_TITLE + 64];

	r->open = NULL;
	if (r->n == MAX_CRASHES) {
		if (!r->capped)
			nsym__report_warn(r->warn, r->ctx, WARN_CAPPED,
			                  "more than %d stacks; the rest are skipped", MAX_CRASHES);
		r->capped = true;
		return NULL;
	}
	if ((t = realloc(r->tools, (r->n + 1) * sizeof(*t))) == NULL) {
		r->oom = true;
		return NULL;
	}
	r->tools = t;
	if ((a = realloc(r->crashes, (r->n + 1) * sizeof(*a))) == NULL) {
		r->oom = true;
		return NULL;
	}
	r->crashes = a;
	r->tools[r->n] = tool;
	c = memset(&a[r->n++], 0, sizeof(*a));
	c->pid = c->tid = -1;
	snprintf(c->reason, sizeof(c->reason), "signal");
	if (mine) {
		bool other_thread = p->thread && r->thread_run[tool];
		if (p->secondary || other_thread)
			snprintf(c->reason, sizeof(c->reason), "manual");
		if (p->signal[0] != '\0' && !p->secondary && !other_thread &&
		    (c->signal_name = nsym__crash_text(p->signal, strlen(p->signal))) == NULL)
			r->oom = true;
		c->has_address = p->has_address && !other_thread;
		c->fault_address = p->address;
		c->pid = p->pid;
		r->thread_run[tool] |= p->thread;
	}
	snprintf(source, sizeof(source), "%s%s%s", nsym__tool_names[tool],
	         mine && p->title[0] != '\0' ? ": " : "", mine ? p->title : "");
	c->source = nsym__crash_text(source, strlen(source));
	memset(p, 0, sizeof(*p));
	r->open = c;
	r->tool = tool;
	r->last_number = -1;
	r->has_ret = false;
	r->next_exact = false;
	r->full = false;
	if (c->source == NULL)
		r->oom = true;
	return c;
}

/* The module of the open crash that frame f names (by its path or name as
 * the text gives it), added when new; -1 at the cap or out of memory. */
static int module_of(struct tools_reader *r, const struct nsym__tool_frame *f)
{
	struct nsym_crash *c = r->open;
	struct nsym_crash_module *m;
	char *path = nsym__crash_text(f->module.s, f->module.len);
	const char *base;

	if (path == NULL) {
		r->oom = true;
		return -1;
	}
	for (size_t i = 0; i < c->nmodules; i++) {
		if (strcmp(c->modules[i].path, path) == 0) {
			free(path);
			return (int)i;
		}
	}
	if (nsym__crash_add_module(&m, c) != 0) {
		free(path);
		r->oom |= c->nmodules < NSYM_CRASH_MAX_MODULES;
		return -1;
	}
	m->path = path;
	m->listed = true;
	/* a Windows path: the model's names split at '/' only */
	if ((base = strrchr(path, '\\')) != NULL) {
		const char *slash = strrchr(base, '/');
		base = slash != NULL ? slash + 1 : base + 1;
		if ((m->name = nsym__crash_text(base, strlen(base))) == NULL)
			r->oom = true;
	}
	if (f->pe) /* a debugger's name for a PE image: no path, another case */
		m->format = NSYM_FORMAT_PE;
	if (f->arch.len > 0) { /* ASan names the architecture on Darwin only */
		copy_slice(m->arch, sizeof(m->arch), f->arch);
		m->format = NSYM_FORMAT_MACHO;
	}
	if (f->id.len > 0 && nsym_crash_id(m->id, f->id.s, f->id.len) != 0)
		m->id[0] = '\0';
	if (f->has_map) {
		m->has_map = true;
		m->has_map_offset = f->has_map_offset;
		m->map_start = f->map_start;
		m->map_size = f->map_size;
		/* the file offset of map_start, from that of pc */
		m->map_offset = f->pc_file_offset - (f->pc - f->map_start);
		if (f->pc < f->map_start || f->pc - f->map_start >= f->map_size ||
		    (f->has_map_offset && f->pc_file_offset < f->pc - f->map_start))
			m->has_map = m->has_map_offset = false; /* not the mapping of pc */
	}
	return (int)(c->nmodules - 1);
}

static char *why_text(const char *s)
{
	return nsym__crash_text(s, strlen(s));
}

/* What tools print for a function or a module they cannot name. */
static bool unnamed(struct nsym__slice s)
{
	return (s.len == 2 && memcmp(s.s, "??", 2) == 0) ||
	       (s.len == 3 && memcmp(s.s, "???", 3) == 0);
}

/* Whether a frame of tool starts a new stack rather than continuing the open one. */
static bool starts_stack(const struct tools_reader *r, const struct nsym__tool_frame *f)
{
	return r->open == NULL || r->tool != f->tool || f->tool == NSYM_TOOL_KERNEL ||
	       f->new_stack ||
	       (f->number >= 0 && r->last_number >= 0 && f->number <= r->last_number);
}

static void add_frame(struct tools_reader *r, const struct nsym__tool_frame *f)
{
	struct nsym_crash_frame *fr;
	struct nsym_crash *c;
	const char *why = NULL;
	bool first_exact;

	if (f->signal_frame) {
		if (r->open != NULL && r->tool == f->tool)
			r->next_exact = true;
		return;
	}
	if (starts_stack(r, f)) {
		if (f->weak || open_crash(r, f->tool) == NULL)
			return;
		if (f->tool == NSYM_TOOL_KERNEL) {
			free(r->open->signal_name);
			r->open->signal_name =
			    f->signal_name != NULL ? why_text(f->signal_name) : NULL;
			r->oom |= f->signal_name != NULL && r->open->signal_name == NULL;
			r->open->has_address = f->has_address;
			r->open->fault_address = f->address;
			r->open->pid = f->pid;
		}
	}
	c = r->open;
	if (r->full)
		return;
	if (nsym__crash_add_frame(&fr, c) != 0) {
		if (c->nframes < NSYM_CRASH_MAX_FRAMES) {
			r->oom = true;
			return;
		}
		nsym__report_warn(r->warn, r->ctx, WARN_CUT,
		                  "a stack of more than %d frames; the rest are skipped",
		                  NSYM_CRASH_MAX_FRAMES);
		r->full = true;
		return;
	}
	/* frame 0 of a debugger or a core is where the thread was, not a return;
	 * WinDbg's STACK_TEXT numbers none */
	first_exact =
	    (f->number == 0 && (f->tool == NSYM_TOOL_GDB || f->tool == NSYM_TOOL_COREDUMP ||
	                        f->tool == NSYM_TOOL_LLDB || f->tool == NSYM_TOOL_MINIDUMP)) ||
	    (f->tool == NSYM_TOOL_WINDBG && c->nframes == 1);
	/* ASan prints each caller's address already moved into its call */
	fr->return_address =
	    !(f->exact || r->next_exact || first_exact || f->tool == NSYM_TOOL_ASAN);
	r->next_exact = false;
	r->last_number = f->number;
	fr->module = f->module.len > 0 && !unnamed(f->module) ? module_of(r, f) : -1;
	fr->pc = f->has_pc ? f->pc : 0;
	/* WinDbg gives a frame's address as the RetAddr of the frame above */
	if (!f->has_pc && r->has_ret && c->nframes > 1)
		fr->pc = r->ret;
	r->has_ret = f->has_ret;
	r->ret = f->ret;
	if (f->symbol.len > 0 && !unnamed(f->symbol)) {
		fr->symbol = nsym__crash_text(f->symbol.s, f->symbol.len);
		fr->symbol_offset = f->symbol_offset;
		fr->has_symbol_offset = f->has_symbol_offset;
		r->oom |= fr->symbol == NULL;
	}
	if (fr->module >= 0 && f->has_rel) {
		fr->rel = f->rel;
		fr->how = NSYM_OFFSET_GIVEN;
	} else if (fr->module < 0 && f->module.len > 0 && !unnamed(f->module)) {
		why = "more modules than a crash can hold";
	} else if (fr->module < 0 && !f->has_pc) {
		why = f->tool == NSYM_TOOL_BUN
		          ? "Bun's own frame: its crash report names it, with no address"
		      : f->tool == NSYM_TOOL_STACKWALKER
		          ? "StackWalker named its source line, with no address"
		          : "the text gives no address for it";
	} else if (fr->module < 0 && fr->symbol != NULL) {
		why = "the tool named it without its module: its answer is kept";
	}
	/* a frame with only its address gets its why once the whole text is read */
	if (why != NULL && (fr->why = why_text(why)) == NULL)
		r->oom = true;
}

/* ---- one line ------------------------------------------------------------------ */

/* The first frame in line in [from, e), found by the pattern table: the
 * one that starts first (the table's order breaks ties). */
struct scan {
	const char *next[16]; /* each pattern's next anchor, or NULL */
	const char *line, *e;
};

static void scan_from(struct scan *sc, const char *pos)
{
	for (size_t k = 0; k < nsym__tool_patterns; k++)
		if (sc->next[k] != NULL && sc->next[k] < pos)
			sc->next[k] = nsym__tool_anchor(k, sc->line, pos, sc->e);
}

static bool scan_next(struct nsym__tool_frame *out, struct scan *sc)
{
	for (;;) {
		size_t best = nsym__tool_patterns;
		const char *seg;
		for (size_t k = 0; k < nsym__tool_patterns; k++)
			if (sc->next[k] != NULL &&
			    (best == nsym__tool_patterns || sc->next[k] < sc->next[best]))
				best = k;
		if (best == nsym__tool_patterns)
			return false;
		/* a frame ends where the next one of its kind starts */
		seg = nsym__tool_anchor(best, sc->line, sc->next[best] + 1, sc->e);
		if (nsym__tool_parse(out, best, sc->line, sc->next[best],
		                     seg != NULL ? seg : sc->e)) {
			scan_from(sc, out->end);
			return true;
		}
		sc->next[best] = seg;
	}
}

static void scan_init(struct scan *sc, const char *line, const char *from, const char *e)
{
	sc->line = line;
	sc->e = e;
	for (size_t k = 0; k < nsym__tool_patterns; k++)
		sc->next[k] = nsym__tool_anchor(k, line, from, e);
}

/* The headings in [s, e) of line, in order: each ends where the next begins. */
static void headings(struct tools_reader *r, const char *line, const char *s, const char *e)
{
	struct nsym__tool_header h, next;
	const char *p = nsym__tool_header(&h, line, s, e), *q;

	while (p != NULL) {
		q = nsym__tool_header(&next, line, h.key > p ? h.key : p + 1, e);
		if (q != NULL && h.title.len > 0 && h.title.s + h.title.len > q) {
			h.title.len = (size_t)(q - h.title.s);
			while (h.title.len > 0 && (h.title.s[h.title.len - 1] == ' ' ||
			                           h.title.s[h.title.len - 1] == '\t'))
				h.title.len--;
		}
		take_header(r, &h);
		p = q;
		h = next;
	}
}

/* The modules listed in line. */
static void listed_in(struct tools_reader *r, const char *line, const char *e)
{
	struct nsym__tool_module m;
	const char *p = line;
	bool any = false;

	while ((p = nsym__tool_module(&m, line, p, e, r->in_list)) != NULL) {
		add_listed(r, &m);
		p = m.end > p ? m.end : p + 1;
		any = true;
	}
	/* a line of something else ends minidump_stackwalk's list */
	if (r->in_list && !any && line[strspn(line, " \t")] != '\0')
		r->in_list = false;
}

/* A module line cut at the terminal's edge inside its build-id: the
 * digits on the next line joined to it. The line's new length. */
static size_t join_listed(char *buf, size_t len, struct lines *ls, bool in_list)
{
	struct nsym__tool_module m;
	struct lines peek = *ls;
	char next[MAX_LINE + 1];
	const char *p = buf, *last = NULL, *cont;
	size_t n, id = 0;

	while ((p = nsym__tool_module(&m, buf, p, buf + len, in_list)) != NULL) {
		last = m.end;
		id = m.id.len;
		p = m.end > p ? m.end : p + 1;
	}
	if (last != buf + len || id == 0 || len < MIN_WRAPPED || next_line(next, &peek) < 0)
		return len;
	cont = continuation(buf, next);
	n = strlen(cont);
	if (strspn(cont, "0123456789abcdefABCDEF") != n || n == 0 ||
	    len + n > MAX_JOINED * MAX_LINE)
		return len;
	memcpy(buf + len, cont, n + 1);
	*ls = peek;
	return len + n;
}

/* Every frame in line in [from, e), added in order after the headings
 * before it, but one that runs to the very end, which is held in *held:
 * the line may go on on the next one. Returns where the last frame ends
 * (from when none). */
static const char *frames_in(struct tools_reader *r, const char *line, const char *from,
                             const char *e, struct nsym__tool_frame *held, bool *has_held)
{
	struct scan sc;
	struct nsym__tool_frame f;
	const char *end = from;

	*has_held = false;
	scan_init(&sc, line, from, e);
	while (scan_next(&f, &sc)) {
		if (*has_held)
			add_frame(r, held);
		headings(r, line, end, f.start);
		*held = f;
		*has_held = true;
		end = f.end;
	}
	if (*has_held && (end < e || e == line || e[-1] == ' ' || e[-1] == '\t')) {
		add_frame(r, held);
		*has_held = false;
	}
	return end;
}

/* A bracket or backtick left open in [tail, e). */
static bool open_bracket(const char *tail, const char *e)
{
	int open = 0;
	size_t ticks = 0;

	for (const char *p = tail; p < e; p++) {
		open += *p == '(' || *p == '[';
		open -= (*p == ')' || *p == ']') && open > 0;
		ticks += *p == '`';
	}
	return open > 0 || ticks % 2 == 1;
}

/* Whether the line ends in a word holding a path separator. */
static bool ends_in_path(const char *line, const char *e)
{
	const char *w = e;

	while (w > line && w[-1] != ' ' && w[-1] != '\t')
		w--;
	return memchr(w, '/', (size_t)(e - w)) != NULL || memchr(w, '\\', (size_t)(e - w)) != NULL;
}

/*
 * Reads one line of the text (buf, len; room for MAX_JOINED lines), with
 * the lines after it at hand (ls) for a frame that wraps: the next line is
 * joined when this one ends cut (a bracket left open, or at a terminal's
 * width without white space) and the join gives a frame across the break,
 * unless the next line starts a frame of its own (then it was not cut)
 * while this one does not end in a path.
 */
static void read_line(struct tools_reader *r, char *buf, size_t len, struct lines *ls)
{
	char next[MAX_LINE + 1];
	struct nsym__tool_frame held = {0}, f;
	const char *e = buf + len, *end;
	size_t physical = len;
	struct scan sc;
	bool has_held;

	len = join_listed(buf, len, ls, r->in_list);
	e = buf + len;
	if (r->in_list) {
		listed_in(r, buf, e);
		if (r->in_list)
			return;
	}
	listed_in(r, buf, e);
	end = frames_in(r, buf, buf, e, &held, &has_held);
	for (size_t joined = 1; joined < MAX_JOINED; joined++) {
		struct lines peek = *ls;
		const char *cont, *redo = has_held ? held.start : end;
		size_t at = len, n, pieces = 0;
		bool glued = e > buf && e[-1] != ' ' && e[-1] != '\t', alone = false, found = false;
		if (!open_bracket(end, e) && !(glued && physical >= MIN_WRAPPED))
			break;
		/* the next lines, while they are pieces of the terminal's width */
		do {
			if (next_line(next, &peek) < 0)
				break;
			cont = continuation(buf, next);
			if ((n = strlen(cont)) == 0 || len + n > MAX_JOINED * MAX_LINE)
				break;
			/* the next line read alone starts a frame where its text starts */
			scan_init(&sc, next, next, next + strlen(next));
			alone |= pieces == 0 && scan_next(&f, &sc) && f.start <= cont;
			memcpy(buf + len, cont, n + 1);
			len += n;
			pieces++;
			scan_init(&sc, buf, redo, buf + len);
			/* a path cut at the edge runs into a frame that reads whole alone */
			found = scan_next(&f, &sc) && f.start < buf + at && f.end > buf + at &&
			        !(alone && (has_held || !ends_in_path(buf, buf + at)));
		} while (!found && !alone && strlen(next) == physical && physical >= MIN_WRAPPED &&
		         joined + pieces < MAX_JOINED);
		if (pieces == 0 || !found) {
			len = at;
			buf[len] = '\0';
			break;
		}
		e = buf + len;
		physical = strlen(next);
		joined += pieces - 1;
		*ls = peek;
		end = frames_in(r, buf, redo, e, &held, &has_held);
	}
	if (has_held)
		add_frame(r, &held);
	else
		headings(r, buf, end, e);
	/* gdb puts "from LIB" on a line of its own when the frame is long */
	if (has_held && held.wants_module && r->open != NULL && r->open->nframes > 0) {
		struct lines peek = *ls;
		const char *cont;
		if (next_line(next, &peek) >= 0 &&
		    strncmp(cont = continuation(buf, next), "from ", 5) == 0) {
			struct nsym_crash_frame *fr = &r->open->frames[r->open->nframes - 1];
			f = held;
			f.module.s = cont + 5;
			f.module.len = strcspn(cont + 5, " \t");
			if (f.module.len > 0 && fr->module < 0) {
				free(fr->why);
				fr->why = NULL;
				fr->module = module_of(r, &f);
				*ls = peek;
			}
		}
	}
}

/* ---- after the whole text ---------------------------------------------------------- */

/* The module tool lists by that name (a list is about its tool's stacks). */
static const struct listed *listed_as(const struct tools_reader *r, const char *name, int tool)
{
	for (size_t i = 0; i < r->nlisted; i++) {
		const char *l = r->listed[i].name, *slash = strrchr(l, '/');
		if (r->listed[i].tool != tool)
			continue;
		if (strcmp(l, name) == 0 || (slash != NULL && strcmp(slash + 1, name) == 0))
			return r->listed[i].clash ? NULL : &r->listed[i];
	}
	return NULL;
}

/* The load address of module i from its frames that give both their
 * address and their offset: 0 and *out, or -1 with none, -2 when they
 * disagree. */
static int base_from_frames(uint64_t *out, const struct nsym_crash *c, size_t i)
{
	bool found = false;

	for (size_t k = 0; k < c->nframes; k++) {
		const struct nsym_crash_frame *f = &c->frames[k];
		if (f->module != (int)i || f->how != NSYM_OFFSET_GIVEN || f->pc == 0 ||
		    f->pc < f->rel)
			continue;
		if (found && *out != f->pc - f->rel)
			return -2;
		*out = f->pc - f->rel;
		found = true;
	}
	return found ? 0 : -1;
}

/* segfault-handler's handler frame and the signal trampoline come first;
 * the frame after them is where the signal struck, not a return address. */
static void after_trampoline(struct nsym_crash *c)
{
	for (size_t k = 0; k + 2 < c->nframes; k++) {
		const struct nsym_crash_frame *h = &c->frames[k], *t = &c->frames[k + 1];
		const char *hn, *tn;
		if (h->module < 0 || t->module < 0)
			continue;
		hn = nsym__crash_module_name(&c->modules[h->module]);
		tn = nsym__crash_module_name(&c->modules[t->module]);
		if (strncmp(hn, "segfault-handler", 16) == 0 &&
		    (strncmp(tn, "libc.", 5) == 0 || strncmp(tn, "libpthread", 10) == 0 ||
		     strncmp(tn, "libsystem_platform", 18) == 0)) {
			c->frames[k + 2].return_address = false;
			return;
		}
	}
}

static int finish_crash(struct tools_reader *r, struct nsym_crash *c, int tool)
{
	char why[512];

	for (size_t i = 0; i < c->nmodules; i++) {
		struct nsym_crash_module *m = &c->modules[i];
		const struct listed *l = listed_as(r, nsym__crash_module_name(m), tool);
		uint64_t base = 0;
		int rc;
		if (l != NULL && m->id[0] == '\0' && l->id[0] != '\0')
			memcpy(m->id, l->id, sizeof(m->id));
		if (l != NULL && l->has_base) {
			m->has_base = true;
			m->base = l->base;
			m->size = l->size;
		}
		rc = base_from_frames(&base, c, i);
		if (rc == 0 && !m->has_base) {
			m->has_base = true;
			m->base = base;
		} else if (rc == -2 || (rc == 0 && base != m->base)) {
			m->has_base = false; /* two loads of one name, or a wrong list */
		}
		for (size_t k = 0; k < c->nframes; k++) {
			struct nsym_crash_frame *f = &c->frames[k];
			if (f->module != (int)i || f->how != NSYM_OFFSET_UNKNOWN || f->why != NULL)
				continue;
			if (m->has_base && f->pc >= m->base &&
			    (m->size == 0 || f->pc - m->base < m->size)) {
				f->rel = f->pc - m->base;
				f->how = NSYM_OFFSET_BASE;
				continue;
			}
			if (f->pc == 0 && f->symbol != NULL)
				snprintf(why, sizeof(why),
				         "the text gives it as '%s' + 0x%" PRIx64
				         ": the address of that symbol in %s is needed",
				         f->symbol, f->symbol_offset, nsym__crash_module_name(m));
			else if (f->pc == 0)
				snprintf(why, sizeof(why), "the text gives no address for it");
			else if (rc == -2 ||
			         (rc == 0 && l != NULL && l->has_base && base != l->base))
				snprintf(why, sizeof(why),
				         "the frames of %s disagree on its load address",
				         nsym__crash_module_name(m));
			else if (m->has_map)
				snprintf(
				    why, sizeof(why),
				    "a load address is needed: the kernel gives the mapping at "
				    "0x%" PRIx64 "%s of %s, which only its program headers "
				    "place (its file is needed)",
				    m->map_start, m->has_map_offset ? " (and its file offset)" : "",
				    nsym__crash_module_name(m));
			else if (m->has_base)
				snprintf(why, sizeof(why),
				         "0x%" PRIx64 " is outside %s as loaded at 0x%" PRIx64,
				         f->pc, nsym__crash_module_name(m), m->base);
			else
				snprintf(
				    why, sizeof(why),
				    "a load address is needed: the text gives the absolute address "
				    "and no load address for %s",
				    nsym__crash_module_name(m));
			if ((f->why = why_text(why)) == NULL)
				return -1;
		}
	}
	/* an address in no named module, inside one whose load the text lists */
	for (size_t k = 0; k < c->nframes; k++) {
		struct nsym_crash_frame *f = &c->frames[k];
		for (size_t i = 0; f->module < 0 && f->why == NULL && f->pc != 0 && i < c->nmodules;
		     i++) {
			const struct nsym_crash_module *m = &c->modules[i];
			if (m->has_base && m->size > 0 && f->pc >= m->base &&
			    f->pc - m->base < m->size) {
				f->module = (int)i;
				f->rel = f->pc - m->base;
				f->how = NSYM_OFFSET_BASE;
			}
		}
	}
	after_trampoline(c);
	return 0;
}

int nsym_crash_from_tools(struct nsym_crash **out, size_t *count, const char *text, size_t len,
                          nsym_report_warn_fn *warn, void *ctx)
{
	struct tools_reader r = {.warn = warn, .ctx = ctx, .last_number = -1};
	struct lines ls = {text, text + len};
	char *buf = malloc(MAX_JOINED * (MAX_LINE + 1));
	long n;

	*out = NULL;
	*count = 0;
	if (buf == NULL)
		return nsym__fail(NSYM_ENOMEM, NULL, NULL);
	while (!r.oom && (n = next_line(buf, &ls)) >= 0)
		read_line(&r, buf, (size_t)n, &ls);
	for (size_t i = 0; !r.oom && i < r.n; i++)
		r.oom = finish_crash(&r, &r.crashes[i], r.tools[i]) != 0;
	free(buf);
	free(r.listed);
	free(r.tools);
	if (r.oom) {
		nsym_crashes_free(r.crashes, r.n);
		return nsym__fail(NSYM_ENOMEM, NULL, "out of memory reading the tools' traces");
	}
	*out = r.crashes;
	*count = r.n;
	return 0;
}
