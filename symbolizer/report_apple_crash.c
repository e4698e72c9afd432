/*
 * The text crash reports of macOS into the crash model: the .crash files of
 * macOS before 12, and the "Translated Report" Console shows above an .ips
 * since. Read are the header lines (Process, Code Type, Exception Type,
 * Exception Codes and Subtype, Termination Reason), the frames of the
 * "Last Exception Backtrace:" and of "Thread N Crashed:", each
 * "N  MODULE  0xPC  SYMBOL + DEC" ("0xBASE + DEC" when unsymbolicated),
 * and the "Binary Images:" section, an image a line with its load range,
 * UUID and path. A frame's module is the image whose range holds its pc,
 * and its offset pc minus that image's load address. The shapes are those
 * of real reports pasted in public issues (docs/crash-report.md, "macOS
 * crash reports"). A text may hold several reports, one after another; a
 * paste's indent and "> " quotes are passed over.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "report.h"

#define MAX_REPORTS 256
#define MAX_LINE    4096 /* bytes of a line kept: a path is at most 1024 on macOS */
#define WARN_LINES  "warnings about the crash reports"
#define HEX         "0123456789abcdefABCDEF"

/* A frame as the text gives it, placed once the images are read. */
struct raw_frame {
	uint64_t pc;
	char *module; /* the module column, sanitised */
	char *symbol; /* or NULL */
	uint64_t symbol_offset;
	bool has_symbol_offset; /* "SYMBOL + DEC" rather than SYMBOL alone */
	bool has_base;          /* "0xBASE + DEC": the text's own base */
	uint64_t base;
	bool return_address;
};

/* A line of "Binary Images:". */
struct raw_image {
	uint64_t start, end; /* end is the last byte, as printed */
	char *name, *path;
	char id[NSYM_CRASH_ID_SIZE];
	char arch[16];
	int module; /* its index in the crash's modules once a frame uses it; -1 */
};

/* One report being read. */
struct report {
	struct nsym_crash c;
	struct raw_frame *frames;
	size_t nframes;
	struct raw_image *images;
	size_t nimages;
	char arch[16];    /* from Code Type: the images' when a line names none */
	bool crashed;     /* its "Thread N Crashed:" was seen */
	bool frames_cut;  /* frames past the cap were skipped, and that was said */
	bool images_cut;  /* the same for images */
	bool has_address; /* an "at 0x…" was read for the fault address */
};

enum section { NONE, BACKTRACE, CRASHED, IMAGES };

struct apple_reader {
	struct nsym_crash *crashes;
	size_t n;
	struct report cur;
	bool open; /* cur holds a report */
	enum section section;
	bool first; /* the next frame is the crashed thread's first */
	bool oom;
	bool reports_cut; /* MAX_REPORTS was reached, and that was said */
	size_t lineno;
	nsym_report_warn_fn *warn;
	void *ctx;
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static const char *skip_space(const char *s)
{
	while (is_space(*s))
		s++;
	return s;
}

/* s without its trailing blanks, in place. */
static void trim_end(char *s)
{
	size_t n = strlen(s);
	while (n > 0 && is_space(s[n - 1]))
		s[--n] = '\0';
}

/* The line's text after a paste's indent and "> " quotes. */
static const char *unquote(const char *s)
{
	for (;;) {
		s = skip_space(s);
		if (*s != '>')
			return s;
		s++;
	}
}

/* "Thread N Crashed:" (also "Thread N Crashed::  Dispatch queue: …"). */
static bool crashed_header(const char *s)
{
	size_t d;

	if (strncmp(s, "Thread ", 7) != 0)
		return false;
	d = strspn(s + 7, "0123456789");
	return d > 0 && strncmp(s + 7 + d, " Crashed:", 9) == 0;
}

/* "Thread N:" or "Thread N::…", and "Thread N crashed with … State": the
 * other sections that start with "Thread". */
static bool other_thread(const char *s)
{
	return strncmp(s, "Thread ", 7) == 0 && strspn(s + 7, "0123456789") > 0;
}

/* Calls fn(ctx, line) for each line of text, unquoted and NUL-terminated
 * (cut at MAX_LINE); stops when fn returns true. */
static void each_line(const char *text, size_t len, bool (*fn)(void *, char *), void *ctx)
{
	const char *p = text, *end = text + len;
	char line[MAX_LINE + 1];

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl != NULL ? nl : end) - p);
		n = n > MAX_LINE ? MAX_LINE : n;
		memcpy(line, p, n);
		line[n] = '\0'; /* a NUL inside ends the line */
		trim_end(line);
		if (fn(ctx, line))
			return;
		p = nl != NULL ? nl + 1 : end;
	}
}

static bool look(void *ctx, char *line)
{
	bool *crashed = ctx;
	return *crashed = crashed_header(unquote(line));
}

/* A crashed thread is enough: a paste often stops before Binary Images,
 * and the frames then say that the images are missing. */
bool nsym__apple_crash_found(const char *text, size_t len)
{
	bool crashed = false;

	each_line(text, len, look, &crashed);
	return crashed;
}

/* ---- the report being read ----------------------------------------------- */

static void report_release(struct report *p)
{
	for (size_t i = 0; i < p->nframes; i++) {
		free(p->frames[i].module);
		free(p->frames[i].symbol);
	}
	for (size_t i = 0; i < p->nimages; i++) {
		free(p->images[i].name);
		free(p->images[i].path);
	}
	free(p->frames);
	free(p->images);
	nsym_crash_release(&p->c);
	memset(p, 0, sizeof(*p));
}

static void start(struct apple_reader *r)
{
	memset(&r->cur, 0, sizeof(r->cur));
	r->cur.c.pid = r->cur.c.tid = -1;
	snprintf(r->cur.c.reason, sizeof(r->cur.c.reason), "signal");
	r->open = true;
}

/* The module of an image, made when a frame first uses it: its index, or
 * NSYM_EINVAL past the module cap, or NSYM_ENOMEM. */
static int image_module(struct report *p, struct raw_image *img)
{
	struct nsym_crash_module *m;
	const char *base;
	int rc;

	if (img->module >= 0)
		return img->module;
	if ((rc = nsym__crash_add_module(&m, &p->c)) != 0)
		return rc;
	img->module = (int)(p->c.nmodules - 1);
	m->listed = true;
	memcpy(m->id, img->id, sizeof(m->id));
	m->format = img->id[0] != '\0' ? NSYM_FORMAT_MACHO : 0;
	memcpy(m->arch, img->arch[0] != '\0' ? img->arch : p->arch, sizeof(m->arch));
	m->has_base = true;
	m->base = img->start;
	m->size = img->end >= img->start ? img->end - img->start + 1 : 0;
	m->path = img->path;
	img->path = NULL;
	/* a line without a name (an iOS app's own) is named by its path */
	base = m->path != NULL && strrchr(m->path, '/') != NULL ? strrchr(m->path, '/') + 1 : "";
	if (img->name != NULL && img->name[0] != '\0') {
		m->name = img->name;
		img->name = NULL;
	} else if (base[0] != '\0' && (m->name = nsym__crash_text(base, strlen(base))) == NULL) {
		return NSYM_ENOMEM;
	}
	return img->module;
}

/* The module the text names for a frame in no image, one per name: as
 * image_module. */
static int named_module(struct report *p, const char *name)
{
	struct nsym_crash_module *m;
	int rc;

	for (size_t i = 0; i < p->c.nmodules; i++) {
		m = &p->c.modules[i];
		if (m->path == NULL && m->name != NULL && strcmp(m->name, name) == 0)
			return (int)i;
	}
	if ((rc = nsym__crash_add_module(&m, &p->c)) != 0)
		return rc;
	m->listed = true;
	memcpy(m->arch, p->arch, sizeof(m->arch));
	return (m->name = nsym__crash_text(name, strlen(name))) != NULL ? (int)(p->c.nmodules - 1)
	                                                                : NSYM_ENOMEM;
}

static struct raw_image *image_at(struct report *p, uint64_t pc, bool by_start)
{
	for (size_t i = 0; i < p->nimages; i++) {
		struct raw_image *img = &p->images[i];
		if (by_start ? img->start == pc : img->start <= pc && pc <= img->end)
			return img;
	}
	return NULL;
}

/* Frame f of the report into its crash: 0, or -1 out of memory. */
static int place(struct report *p, struct raw_frame *f)
{
	struct nsym_crash_frame *out;
	struct raw_image *img = image_at(p, f->pc, false);
	char why[120];
	int m;

	/* a pc past its image's printed range: the text's base says which */
	if (img == NULL && f->has_base && f->base != 0)
		img = image_at(p, f->base, true);
	if (nsym__crash_add_frame(&out, &p->c) != 0)
		return -1;
	out->module = -1;
	out->pc = f->pc;
	out->return_address = f->return_address;
	out->symbol = f->symbol;
	out->symbol_offset = f->symbol_offset;
	out->has_symbol_offset = f->has_symbol_offset;
	f->symbol = NULL;
	/* past the module cap a frame is in no module, as its pc says */
	if (img != NULL && (m = image_module(p, img)) == NSYM_EINVAL)
		return 0;
	if (img != NULL) {
		if (m < 0)
			return -1;
		out->module = m;
		out->rel = f->pc - img->start;
		out->how = NSYM_OFFSET_BASE;
		return 0;
	}
	if (strcmp(f->module, "???") == 0)
		return 0; /* Apple's name for memory in no image (JIT code) */
	if ((m = named_module(p, f->module)) == NSYM_EINVAL)
		return 0;
	if (m < 0)
		return -1;
	out->module = m;
	snprintf(why, sizeof(why), "%s",
	         p->nimages == 0 ? "the report has no Binary Images section: give it whole"
	                         : "no image of the report's Binary Images holds this address");
	return (out->why = nsym__crash_text(why, strlen(why))) != NULL ? 0 : -1;
}

/* The report read so far into the crashes, when it has frames. */
static void finish(struct apple_reader *r)
{
	struct report *p = &r->cur;
	struct nsym_crash *a;

	if (!r->open)
		return;
	r->open = false;
	r->section = NONE;
	if (p->nframes == 0)
		goto out;
	if (r->n == MAX_REPORTS) {
		if (!r->reports_cut)
			nsym__report_warn(r->warn, r->ctx, WARN_LINES,
			                  "more than %d crash reports; the rest are skipped",
			                  MAX_REPORTS);
		r->reports_cut = true;
		goto out;
	}
	for (size_t i = 0; i < p->nframes; i++) {
		if (place(p, &p->frames[i]) != 0) {
			r->oom = true;
			goto out;
		}
	}
	if ((a = realloc(r->crashes, (r->n + 1) * sizeof(*a))) == NULL) {
		r->oom = true;
		goto out;
	}
	r->crashes = a;
	a[r->n++] = p->c;
	memset(&p->c, 0, sizeof(p->c));
out:
	report_release(p);
}

/* ---- the lines ------------------------------------------------------------- */

/* "0x…" at s, ending at a blank or the end: its length, or 0. */
static size_t hex_token(const char *s)
{
	size_t n;

	if (s[0] != '0' || s[1] != 'x')
		return 0;
	n = strspn(s + 2, HEX);
	return n > 0 && n <= 16 && (s[2 + n] == '\0' || is_space(s[2 + n])) ? n + 2 : 0;
}

/* In rest (after the pc): "SYMBOL + DEC", with "(FILE:LINE)" or
 * "[inlined]" after it, or "0xBASE + DEC", or "0 + DEC". */
static int frame_symbol(struct raw_frame *f, char *rest)
{
	char *plus = NULL, *end;

	for (char *p = strstr(rest, " + "); p != NULL; p = strstr(p + 1, " + ")) {
		size_t d = strspn(p + 3, "0123456789");
		if (d > 0 && d <= 19 && (p[3 + d] == '\0' || is_space(p[3 + d])))
			plus = p;
	}
	if (plus != NULL) {
		*plus = '\0';
		f->symbol_offset = strtoull(plus + 3, &end, 10);
		trim_end(rest);
	}
	if (plus != NULL && hex_token(rest) == strlen(rest) && strlen(rest) > 0) {
		f->has_base = nsym__crash_hex(&f->base, rest, strlen(rest), true) == 0;
		f->symbol_offset = 0;
		return 0;
	}
	if (plus != NULL && strcmp(rest, "0") == 0) {
		f->has_base = true; /* "0 + N": N is the address, in no image */
		f->symbol_offset = 0;
		return 0;
	}
	if (rest[0] == '\0' || strcmp(rest, "???") == 0)
		return 0;
	f->has_symbol_offset = plus != NULL;
	return (f->symbol = nsym__crash_text(rest, strlen(rest))) != NULL ? 0 : -1;
}

static void bad_line(struct apple_reader *r, const char *what, const char *line)
{
	nsym__report_warn(r->warn, r->ctx, WARN_LINES, "line %zu: %s '%.60s'; skipped", r->lineno,
	                  what, line);
}

/* "N  MODULE  0xPC  REST" of a backtrace. */
static void frame_line(struct apple_reader *r, char *line)
{
	struct report *p = &r->cur;
	struct raw_frame f = {0}, *out;
	char *s = line + strspn(line, "0123456789"), *module, *pc = NULL, *rest;
	size_t n, len;

	if (s == line || !is_space(*s)) {
		if (line[0] >= '0' && line[0] <= '9')
			bad_line(r, "cannot read the frame", line);
		return;
	}
	module = (char *)skip_space(s);
	/* the module may hold blanks ("Electron Framework"): the pc is the
	 * first "0x…" word after it */
	for (char *w = module; *w != '\0'; w++) {
		if (w > module && is_space(w[-1]) && (n = hex_token(w)) > 0) {
			pc = w;
			break;
		}
	}
	if (pc == NULL) {
		bad_line(r, "cannot read the frame", line);
		return;
	}
	len = hex_token(pc);
	rest = (char *)skip_space(pc + len);
	pc[len] = '\0';
	s = pc;
	while (s > module && is_space(s[-1]))
		s--;
	*s = '\0';
	/* "[inlined]": a call inlined at the pc of the frame after it, which
	 * is looked up once with its inline chain */
	n = strlen(rest);
	if (n >= 9 && strcmp(rest + n - 9, "[inlined]") == 0)
		return;
	if (p->nframes == NSYM_CRASH_MAX_FRAMES) {
		if (!p->frames_cut)
			bad_line(r,
			         "a backtrace of more than 1024 frames: the rest are skipped from",
			         line);
		p->frames_cut = true;
		return;
	}
	if (nsym__crash_hex(&f.pc, pc, len, true) != 0)
		return;
	f.return_address = !(r->section == CRASHED && r->first);
	r->first = false;
	if ((f.module = nsym__crash_text(module, strlen(module))) == NULL ||
	    frame_symbol(&f, rest) != 0 ||
	    (out = nsym__crash_grow((void **)&p->frames, &p->nframes, sizeof(*out),
	                            NSYM_CRASH_MAX_FRAMES)) == NULL) {
		free(f.module);
		free(f.symbol);
		r->oom = true;
		return;
	}
	*out = f;
}

/* The arch word that ends an image's name part ("CrashReporter armv6"). */
static bool arch_word(const char *w)
{
	static const char *const archs[] = {"arm64",   "arm64e", "arm64_32", "x86_64",
	                                    "x86_64h", "i386",   "armv6",    "armv7",
	                                    "armv7s",  "armv7k", "ppc",      "ppc64"};
	for (size_t i = 0; i < sizeof(archs) / sizeof(archs[0]); i++) {
		if (strcmp(w, archs[i]) == 0)
			return true;
	}
	return false;
}

/* The name part of an image line ("+addon.node (0)", "dyld (733.8)",
 * "CrashReporter armv6", "arm64"), cut down to the name; arch set when
 * the part ends with one. */
static void image_name(char *name, char *arch, size_t arch_size)
{
	char *last, *paren;

	trim_end(name);
	last = strrchr(name, ' ');
	last = last != NULL ? last + 1 : name;
	if (arch_word(last)) {
		snprintf(arch, arch_size, "%s", last);
		*last = '\0';
		trim_end(name);
	}
	/* the version in parentheses: "(1.21.1-stable.1046709 - 1046709)" */
	if (name[0] != '\0' && name[strlen(name) - 1] == ')' &&
	    (paren = strrchr(name, '(')) != NULL && paren > name && is_space(paren[-1])) {
		*paren = '\0';
		trim_end(name);
	}
}

/* "0xSTART - 0xEND [+]NAME [(VERSION)] [ARCH] <UUID> PATH" */
static void image_line(struct apple_reader *r, char *line)
{
	struct report *p = &r->cur;
	struct raw_image img = {.module = -1}, *out;
	char *s = line, *name, *lt, *gt;
	size_t n;

	if ((n = hex_token(s)) == 0 || nsym__crash_hex(&img.start, s, n, true) != 0) {
		if (s[0] == '0')
			bad_line(r, "cannot read the image", line);
		return;
	}
	s = (char *)skip_space(s + n);
	if (*s != '-' || (n = hex_token(s = (char *)skip_space(s + 1))) == 0 ||
	    nsym__crash_hex(&img.end, s, n, true) != 0) {
		bad_line(r, "cannot read the image", line);
		return;
	}
	name = (char *)skip_space(s + n);
	if (*name == '+')
		name = (char *)skip_space(name + 1);
	/* an image Apple knows nothing of: "0x0 - 0xffffffffffffffff ??? (*)
	 * <00000000-…> ???"; it would hold every address */
	if ((lt = strchr(name, '<')) == NULL || (gt = strchr(lt, '>')) == NULL ||
	    nsym__crash_uuid(img.id, lt + 1, (size_t)(gt - lt - 1)) != 0)
		img.id[0] = '\0';
	if (lt != NULL && gt != NULL) {
		*lt = '\0';
		s = (char *)skip_space(gt + 1);
	} else {
		s = name + strlen(name);
	}
	if (img.id[0] == '\0' && lt != NULL && gt != NULL &&
	    strspn(lt + 1, "0-") == (size_t)(gt - lt - 1))
		return;
	image_name(name, img.arch, sizeof(img.arch));
	if (p->nimages == NSYM_CRASH_MAX_MODULES) {
		if (!p->images_cut)
			bad_line(r, "more than 4096 images: the rest are skipped from", line);
		p->images_cut = true;
		return;
	}
	if ((img.name = nsym__crash_text(name, strlen(name))) == NULL ||
	    (s[0] != '\0' && (img.path = nsym__crash_text(s, strlen(s))) == NULL) ||
	    (out = nsym__crash_grow((void **)&p->images, &p->nimages, sizeof(*out),
	                            NSYM_CRASH_MAX_MODULES)) == NULL) {
		free(img.name);
		free(img.path);
		r->oom = true;
		return;
	}
	*out = img;
}

/* "Code Type: ARM-64 (Native)" as the arch the images are. */
static void code_type(struct report *p, const char *v)
{
	static const struct {
		const char *prefix, *arch;
	} types[] = {{"ARM-64", "arm64"}, {"X86-64", "x86_64"}, {"X86", "i386"}, {"ARM", "arm"}};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (strncmp(v, types[i].prefix, strlen(types[i].prefix)) == 0) {
			snprintf(p->arch, sizeof(p->arch), "%s", types[i].arch);
			return;
		}
	}
}

/* "N" at the end of "…: 11" or after "Code " in "Namespace SIGNAL, Code 11 …". */
static void signal_number(struct nsym_crash *c, const char *v, bool termination_reason)
{
	const char *at =
	    termination_reason ? strstr(v, "Namespace SIGNAL, Code ") : strrchr(v, ' ');
	char *end;
	unsigned long n;

	if (at == NULL)
		return;
	at += termination_reason ? 23 : 1;
	n = strtoul(at, &end, 0); /* "Code 11" and, in older reports, "Code 0xb" */
	if (end != at && n > 0 && n < 1024 && (*end == '\0' || is_space(*end)))
		c->signal_number = (int)n;
}

/* A header line "Key:   value"; true when it was one of those read. */
static bool header_line(struct apple_reader *r, const char *l)
{
	static const char *const keys[] = {
	    "Process:",           "Code Type:",          "Exception Type:",    "Exception Codes:",
	    "Exception Subtype:", "Termination Reason:", "Termination Signal:"};
	struct nsym_crash *c;
	const char *v = NULL, *sig, *at;
	size_t k;
	uint64_t a;

	for (k = 0; k < sizeof(keys) / sizeof(keys[0]) && v == NULL; k++) {
		if (strncmp(l, keys[k], strlen(keys[k])) == 0)
			v = skip_space(l + strlen(keys[k]));
	}
	if (v == NULL)
		return false;
	k--;
	/* a new report's first line, after a report with frames */
	if (k == 0 && r->open && (r->cur.crashed || r->cur.nframes > 0))
		finish(r);
	if (!r->open)
		start(r);
	c = &r->cur.c;
	switch (k) {
	case 0: /* "node [22085]" */
		if ((at = strrchr(v, '[')) != NULL && at[1] >= '0' && at[1] <= '9') {
			long long pid = strtoll(at + 1, NULL, 10);
			c->pid = pid <= INT32_MAX ? pid : -1;
		}
		break;
	case 1:
		code_type(&r->cur, v);
		break;
	case 2: /* "EXC_BAD_ACCESS (SIGSEGV)" */
		if (c->signal_name != NULL)
			break;
		sig = strstr(v, "(SIG");
		sig = sig != NULL ? sig + 1 : v;
		c->signal_name = nsym__crash_text(sig, strcspn(sig, " )"));
		r->oom = r->oom || c->signal_name == NULL;
		break;
	case 3:
	case 4: /* "KERN_INVALID_ADDRESS at 0x0000000000000000" */
		if (!r->cur.has_address && (at = strstr(v, " at 0x")) != NULL &&
		    nsym__crash_hex(&a, at + 4, strspn(at + 6, HEX) + 2, true) == 0) {
			c->fault_address = a;
			c->has_address = r->cur.has_address = true;
		}
		break;
	default:
		signal_number(c, v, k == 5);
	}
	return true;
}

/* One section header; true when l was one. */
static bool section_line(struct apple_reader *r, const char *l)
{
	bool crashed = crashed_header(l), backtrace = strcmp(l, "Last Exception Backtrace:") == 0;

	if (crashed || backtrace) {
		/* a second crashed thread, or an exception backtrace after one,
		 * starts the next report */
		if (r->open && r->cur.crashed)
			finish(r);
		if (!r->open)
			start(r);
		r->section = crashed ? CRASHED : BACKTRACE;
		r->cur.crashed = r->cur.crashed || crashed;
		r->first = true;
		return true;
	}
	if (strcmp(l, "Binary Images:") == 0) {
		if (!r->open)
			start(r);
		r->section = IMAGES;
		return true;
	}
	if (other_thread(l)) {
		r->section = NONE;
		return true;
	}
	return false;
}

static bool read_line(void *ctx, char *line)
{
	struct apple_reader *r = ctx;
	char *l = (char *)unquote(line);

	r->lineno++;
	if (r->oom)
		return true;
	if (l[0] == '\0') {
		r->section = NONE; /* a section ends at an empty line */
		return false;
	}
	if (section_line(r, l))
		return false;
	if (r->section == BACKTRACE || r->section == CRASHED)
		frame_line(r, l);
	else if (r->section == IMAGES)
		image_line(r, l);
	else
		header_line(r, l);
	return false;
}

int nsym_crash_from_apple_crash(struct nsym_crash **out, size_t *count, const char *text,
                                size_t len, nsym_report_warn_fn *warn, void *ctx)
{
	struct apple_reader r = {.warn = warn, .ctx = ctx};

	each_line(text, len, read_line, &r);
	if (!r.oom)
		finish(&r);
	report_release(&r.cur);
	if (r.oom) {
		/* nothing half-read: the reports so far go too */
		nsym_crashes_free(r.crashes, r.n);
		*out = NULL;
		*count = 0;
		return nsym__fail(NSYM_ENOMEM, NULL, NULL);
	}
	*out = r.crashes;
	*count = r.n;
	return 0;
}
