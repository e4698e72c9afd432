/*
 * Apple's .ips crash reports (macOS 12 and later) into the crash model. An
 * .ips is two JSON objects: a line holding the IPS metadata
 * ({"app_name":…,"bug_type":"309",…}; 309 is a crash report), then the
 * report, whose `usedImages` give each image's UUID, load address, size,
 * arch and path, and whose crashed thread (`faultingThread`, or the thread
 * marked `triggered`) and `lastExceptionBacktrace` give frames as an image
 * index, an offset in that image, and the symbol + offset the system found.
 * The layout is Apple's ("Interpreting the JSON format of a crash report",
 * developer.apple.com); what is read here follows real reports pasted in
 * public issues (docs/crash-report.md, "macOS crash reports"). Text around
 * the two objects is passed over: Console puts its "Translated Report"
 * above them and system details below, and an issue adds code fences.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "napi_symbols_util.h"
#include "report.h"

#define WARN_FRAMES "warnings about the modules and frames"
/* Numbers are read as doubles (the registers hold integers past 2^63,
 * which jansson refuses otherwise): exact below this. */
#define EXACT 9007199254740992.0 /* 2^53 */

/* The metadata is one short line; the report nests threadState → x →
 * {value}, a few levels, and a crash of many threads is megabytes. */
static const struct nsym_json_limits header_limits = {64u << 10, 4};
static const struct nsym_json_limits body_limits = {16u << 20, 32};

struct ips_reader {
	struct nsym_crash *c;
	nsym_report_warn_fn *warn;
	void *ctx;
	bool capped; /* the frame cap was reached, and that was said */
};

static int bad(const char *what)
{
	return nsym__fail(NSYM_EINVAL, NULL, "the .ips crash report %s", what);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The metadata line of an .ips in text: [*start, *end) and where the report
 * object starts; false when no line is one. A metadata line is a whole
 * object naming "bug_type", and the next thing in the text is an object. */
static bool find(const char **start, const char **end, const char **body, const char *text,
                 size_t len)
{
	const char *p = text, *stop = text + len;

	while (p < stop) {
		const char *nl = memchr(p, '\n', (size_t)(stop - p)), *e = nl != NULL ? nl : stop;
		const char *b = p, *t = e, *q = e;
		while (b < t && is_blank(*b))
			b++;
		while (t > b && is_blank(t[-1]))
			t--;
		while (q < stop && is_blank(*q))
			q++;
		if (t - b >= 2 && *b == '{' && t[-1] == '}' && q < stop && *q == '{' &&
		    memmem(b, (size_t)(t - b), "\"bug_type\"", 10) != NULL) {
			*start = b;
			*end = t;
			*body = q;
			return true;
		}
		p = e + (nl != NULL);
	}
	return false;
}

bool nsym__ips_found(const char *text, size_t len)
{
	const char *s, *e, *b;
	return find(&s, &e, &b, text, len);
}

/* Where the object at p ('{') closes, just past its '}'; NULL when the text
 * ends first (a report cut short). Strings are skipped, escapes and all. */
static const char *object_end(const char *p, const char *stop)
{
	size_t depth = 0;
	bool in_string = false;

	for (; p < stop; p++) {
		if (in_string) {
			if (*p == '\\')
				p++;
			else if (*p == '"')
				in_string = false;
		} else if (*p == '"') {
			in_string = true;
		} else if (*p == '{' || *p == '[') {
			depth++;
		} else if ((*p == '}' || *p == ']') && --depth == 0) {
			return p + 1;
		}
	}
	return NULL;
}

static size_t line_of(const char *text, const char *p)
{
	size_t line = 1;
	for (const char *q = text; q < p; q++)
		line += *q == '\n';
	return line;
}

/* The text of nsym_json_load's "line L, column C: what", its line counted
 * from the start of the file rather than of the object, into out. */
static void json_fault(char *out, size_t size, const char *err, size_t first_line)
{
	int line, column, at = 0;

	if (sscanf(err, "line %d, column %d: %n", &line, &column, &at) == 2 && at > 0 && line > 0)
		snprintf(out, size, "line %zu, column %d: %s", first_line + (size_t)line - 1,
		         column, err + at);
	else
		snprintf(out, size, "%s", err);
}

static const char *get_string(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* obj[key] as a whole number in [0, 2^53): 0 with it in out, else -1. */
static int get_u53(uint64_t *out, const json_t *obj, const char *key)
{
	const json_t *n = json_object_get(obj, key);
	double v;

	if (!json_is_number(n))
		return -1;
	v = json_number_value(n);
	if (!(v >= 0 && v < EXACT) || v != (double)(uint64_t)v)
		return -1;
	*out = (uint64_t)v;
	return 0;
}

/* An optional string member, sanitised; 0 also when absent. */
static int copy_string(char **out, const json_t *obj, const char *key)
{
	const char *s = get_string(obj, key);
	if (s == NULL)
		return 0;
	*out = nsym__crash_text(s, strlen(s));
	return *out != NULL ? 0 : nsym__fail(NSYM_ENOMEM, NULL, NULL);
}

/* An image of usedImages as module i, so frames index modules as they
 * index the images. A placeholder ({"size":0,"base":0,"uuid":"000…"})
 * stays a module without identity or base. */
static int image(struct ips_reader *r, const json_t *img)
{
	struct nsym_crash_module *m;
	const char *uuid = get_string(img, "uuid"), *arch = get_string(img, "arch");

	if (nsym__crash_add_module(&m, r->c) != 0)
		return nsym__fail(NSYM_ENOMEM, NULL, NULL);
	m->listed = true;
	if (uuid != NULL && nsym__crash_uuid(m->id, uuid, strlen(uuid)) == 0)
		m->format = NSYM_FORMAT_MACHO;
	else
		m->id[0] = '\0';
	if (get_u53(&m->base, img, "base") == 0 && m->base != 0)
		m->has_base = true;
	if (get_u53(&m->size, img, "size") != 0)
		m->size = 0;
	if (arch != NULL && strlen(arch) < sizeof(m->arch) &&
	    strspn(arch, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(arch))
		memcpy(m->arch, arch, strlen(arch) + 1);
	if (copy_string(&m->path, img, "path") != 0 || copy_string(&m->name, img, "name") != 0)
		return NSYM_ENOMEM;
	return 0;
}

/* Frame i of a backtrace (`what`), with its image and the offset in it. */
static int frame(struct ips_reader *r, const json_t *f, const char *what, size_t i, bool faulting)
{
	struct nsym_crash_frame *out;
	const struct nsym_crash_module *m;
	uint64_t index, offset;

	if (get_u53(&index, f, "imageIndex") != 0 || index >= r->c->nmodules ||
	    get_u53(&offset, f, "imageOffset") != 0) {
		nsym__report_warn(r->warn, r->ctx, WARN_FRAMES,
		                  "frame %zu of %s has no \"imageIndex\" into \"usedImages\" and "
		                  "\"imageOffset\"; skipped",
		                  i, what);
		return 0;
	}
	if (r->c->nframes == NSYM_CRASH_MAX_FRAMES) {
		if (!r->capped)
			nsym__report_warn(r->warn, r->ctx, WARN_FRAMES,
			                  "more than %d frames; the rest are skipped",
			                  NSYM_CRASH_MAX_FRAMES);
		r->capped = true;
		return 0;
	}
	if (nsym__crash_add_frame(&out, r->c) != 0)
		return nsym__fail(NSYM_ENOMEM, NULL, NULL);
	m = &r->c->modules[index];
	out->return_address = !faulting;
	if (m->id[0] == '\0' && !m->has_base) {
		/* an image Apple knows nothing of (JIT code): its "offset" is
		 * the address, as the translated report's "0 + N" says */
		out->module = -1;
		out->pc = offset;
	} else {
		out->module = (int)index;
		out->rel = offset;
		out->how = NSYM_OFFSET_GIVEN;
		out->pc = m->has_base ? m->base + offset : 0;
	}
	out->has_symbol_offset = get_u53(&out->symbol_offset, f, "symbolLocation") == 0;
	if (!out->has_symbol_offset)
		out->symbol_offset = 0;
	return copy_string(&out->symbol, f, "symbol");
}

/* The frames of one backtrace, innermost first. An entry marked "inline"
 * is a call inlined at the address of the entry after it: that one frame
 * is looked up once, with its inline chain. The first other entry is the
 * faulting frame when `faulting`. */
static int backtrace(struct ips_reader *r, const json_t *frames, const char *what, bool faulting)
{
	const json_t *f;
	size_t i;
	int rc;

	json_array_foreach(frames, i, f)
	{
		if (json_is_true(json_object_get(f, "inline")))
			continue;
		if ((rc = frame(r, f, what, i, faulting)) != 0)
			return rc;
		faulting = false;
	}
	return 0;
}

/* "…at 0x…" in s (the subtype "KERN_INVALID_ADDRESS at 0x0000000000000000"). */
static bool address_after_at(uint64_t *out, const char *s)
{
	const char *at = s != NULL ? strstr(s, " at 0x") : NULL;
	return at != NULL &&
	       nsym__crash_hex(out, at + 4, strspn(at + 6, "0123456789abcdefABCDEF") + 2, true) ==
	           0;
}

static int exception_part(struct ips_reader *r, const json_t *root)
{
	const json_t *e = json_object_get(root, "exception"),
	             *t = json_object_get(root, "termination");
	const char *sig = get_string(e, "signal"), *type = get_string(e, "type");
	const char *codes = get_string(e, "codes"), *comma;
	const char *ns = get_string(t, "namespace");
	uint64_t code;

	snprintf(r->c->reason, sizeof(r->c->reason), "signal");
	if (sig == NULL)
		sig = type;
	if (sig != NULL && (r->c->signal_name = nsym__crash_text(sig, strlen(sig))) == NULL)
		return nsym__fail(NSYM_ENOMEM, NULL, NULL);
	if (address_after_at(&r->c->fault_address, get_string(e, "subtype")))
		r->c->has_address = true;
	/* EXC_BAD_ACCESS's codes are the kern_return_t and the address */
	else if (type != NULL && strcmp(type, "EXC_BAD_ACCESS") == 0 && codes != NULL &&
	         (comma = strchr(codes, ',')) != NULL) {
		comma += 1 + strspn(comma + 1, " ");
		if (nsym__crash_hex(&r->c->fault_address, comma,
		                    strspn(comma, "0123456789abcdefABCDEFx"), true) == 0)
			r->c->has_address = true;
	}
	if (ns != NULL && strcmp(ns, "SIGNAL") == 0 && get_u53(&code, t, "code") == 0 && code > 0 &&
	    code < 1024)
		r->c->signal_number = (int)code;
	return 0;
}

/* The crashed thread: faultingThread, else the one marked "triggered". */
static const json_t *crashed_thread(size_t *out, const json_t *root, const json_t *threads)
{
	uint64_t i;
	const json_t *t;
	size_t k;

	if (get_u53(&i, root, "faultingThread") == 0 && i < json_array_size(threads)) {
		*out = (size_t)i;
		return json_array_get(threads, (size_t)i);
	}
	json_array_foreach(threads, k, t)
	{
		if (json_is_true(json_object_get(t, "triggered"))) {
			*out = k;
			return t;
		}
	}
	return NULL;
}

static int body(struct ips_reader *r, const json_t *root)
{
	const json_t *images = json_object_get(root, "usedImages"), *img;
	const json_t *threads = json_object_get(root, "threads"), *thread, *frames;
	const json_t *leb = json_object_get(root, "lastExceptionBacktrace");
	size_t i, t;
	uint64_t v;
	char what[40];
	int rc;

	if (!json_is_object(root))
		return bad("is not a JSON object after its metadata line");
	if (!json_is_array(images))
		return bad("has no \"usedImages\" array");
	if (json_array_size(images) > NSYM_CRASH_MAX_MODULES)
		return nsym__fail(
		    NSYM_EINVAL, NULL,
		    "the .ips crash report lists more than %d images in \"usedImages\"",
		    NSYM_CRASH_MAX_MODULES);
	if (!json_is_array(threads))
		return bad("has no \"threads\" array");
	if ((thread = crashed_thread(&t, root, threads)) == NULL)
		return bad("names no crashed thread (no \"faultingThread\", and no thread marked "
		           "\"triggered\")");
	if (!json_is_array(frames = json_object_get(thread, "frames")))
		return bad("has a crashed thread without a \"frames\" array");
	json_array_foreach(images, i, img)
	{
		if ((rc = image(r, img)) != 0)
			return rc;
	}
	if ((rc = exception_part(r, root)) != 0)
		return rc;
	r->c->pid = get_u53(&v, root, "pid") == 0 ? (long long)v : -1;
	r->c->tid = get_u53(&v, thread, "id") == 0 ? (long long)v : -1;
	/* the exception's backtrace first, as Apple's translated report shows it */
	if (json_is_array(leb) && (rc = backtrace(r, leb, "lastExceptionBacktrace", false)) != 0)
		return rc;
	snprintf(what, sizeof(what), "thread %zu", t);
	return backtrace(r, frames, what, true);
}

/* bug_type 309 (a string, as Apple writes it, or a number). */
static int crash_type(const json_t *header)
{
	const json_t *type = json_object_get(header, "bug_type");
	const char *s = json_string_value(type);
	char shown[24];

	if ((s != NULL && strcmp(s, "309") == 0) ||
	    (json_is_number(type) && json_number_value(type) == 309))
		return 0;
	if (s != NULL)
		snprintf(shown, sizeof(shown), "\"%.16s\"", s);
	else
		snprintf(shown, sizeof(shown), "%s",
		         json_is_number(type) ? "a number" : "not a string");
	return nsym__fail(NSYM_EINVAL, NULL,
	                  "the .ips file is an Apple report of bug_type %s, not a crash report "
	                  "(bug_type \"309\")",
	                  shown);
}

int nsym_crash_from_ips(struct nsym_crash *out, const char *text, size_t len,
                        nsym_report_warn_fn *warn, void *ctx)
{
	struct ips_reader r = {out, warn, ctx, false};
	const char *start, *end, *body_at, *body_end;
	json_t *header = NULL, *doc = NULL;
	char why[300], fault[400];
	int rc;

	memset(out, 0, sizeof(*out));
	out->pid = out->tid = -1;
	if (!find(&start, &end, &body_at, text, len))
		return nsym__fail(NSYM_EINVAL, NULL,
		                  "no .ips crash report: no line holds its metadata object "
		                  "({\"bug_type\":\"309\",…}) with the report object after it");
	rc = nsym_json_load_reals(&header, start, (size_t)(end - start), &header_limits, why,
	                          sizeof(why));
	if (rc != 0) {
		json_fault(fault, sizeof(fault), why, line_of(text, start));
		rc = rc == NSYM_ENOMEM ? nsym__fail(rc, NULL, NULL)
		                       : nsym__fail(rc, NULL,
		                                    "the metadata line of the .ips crash report is "
		                                    "not valid JSON (%s)",
		                                    fault);
		goto out;
	}
	if ((rc = crash_type(header)) != 0)
		goto out;
	if ((body_end = object_end(body_at, text + len)) == NULL) {
		rc = nsym__fail(NSYM_EINVAL, NULL,
		                "the .ips crash report is cut short: its report object (from line "
		                "%zu) does not close",
		                line_of(text, body_at));
		goto out;
	}
	rc = nsym_json_load_reals(&doc, body_at, (size_t)(body_end - body_at), &body_limits, why,
	                          sizeof(why));
	if (rc != 0) {
		json_fault(fault, sizeof(fault), why, line_of(text, body_at));
		rc = rc == NSYM_ENOMEM
		         ? nsym__fail(rc, NULL, NULL)
		         : nsym__fail(rc, NULL, "the .ips crash report is not valid JSON (%s)",
		                      fault);
		goto out;
	}
	rc = body(&r, doc);
out:
	json_decref(header);
	json_decref(doc);
	return rc;
}
