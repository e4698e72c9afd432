/*
 * A crash report file (docs/crash-report.md) into the crash model. Strict on
 * what symbolication needs (format, version, reason, modules, frames, and the
 * fields that say where each frame is), lenient on the rest (pid, time…), so
 * a report from a newer hook with more fields still reads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "napi_symbols_json.h"
#include "napi_symbols_util.h"
#include "report.h"

/* A report is written by a hook that keeps far fewer modules and frames:
 * these bound what hostile input costs before the caps of crash.h apply. */
#define REPORT_MAX_BYTES (16u << 20)
#define REPORT_MAX_DEPTH 16

/*
 * The report is read in one pass of the pull reader (napi_symbols_json.h), which
 * builds no tree: reading it through jansson's was 40% of the CPU time of
 * a symbolicate request (docs/performance.md, "symbolicate route"). The
 * pass keeps where each value is; the checks run after it, in the order
 * the members are needed, so "frames" may come before "modules". As in
 * jansson's tree, the last of a repeated member is the one read; only a
 * register named twice keeps its first value.
 */

/* A member that is a string (else unset), kept as it is in the text. */
struct str {
	struct nsym_jp_text t;
	bool set;
};

/* A member that is an integer (else unset). */
struct num {
	long long v;
	bool set;
};

struct raw_module {
	struct str path, id;
};

struct raw_frame {
	struct str pc, rel;
	struct num module;
	bool is_false; /* "return_address": false */
};

struct reader {
	struct nsym_crash *c;
	struct nsym_jp jp;
	bool out_of_memory;                                    /* in the pass */
	bool object, signal, panic, have_modules, have_frames; /* of these kinds */
	struct str format, reason, signal_name, signal_address, panic_message, panic_file;
	struct num version, pid, tid, signal_number, panic_line, panic_column;
	/* one more than the caps, which is enough to say "too many" */
	struct raw_module *modules;
	struct raw_frame *frames;
	size_t nmodules, nframes;
};

static int bad(const char *what)
{
	return nsym__fail(NSYM_EINVAL, NULL, "not a crash report: %s", what);
}

static int no_memory(void)
{
	return nsym__fail(NSYM_ENOMEM, NULL, NULL);
}

/* ---- the pass over the text ------------------------------------------------- */

/* The room that holds, unescaped, every string that may be one of n - 1
 * bytes: "\u0030" is 6 bytes of text for 1 byte. */
#define ESCAPED_MAX(n) (6 * (n) + 1)

/* t, unescaped, into buf of size bytes: its text and length, or NULL when
 * it is longer (ESCAPED_MAX: then it is longer than anything it may be). */
static const char *text_of(char *buf, size_t size, size_t *len, const struct nsym_jp_text *t)
{
	if (!t->escaped) {
		*len = t->len;
		return t->p;
	}
	if (t->len >= size)
		return NULL;
	*len = nsym_jp_unescape(buf, t);
	return buf;
}

/* A string member as hex ("0x…"): 0, or -1 when it is unset or not hex. */
static int hex_of(uint64_t *out, const struct str *s)
{
	char buf[ESCAPED_MAX(NSYM_NUM_MAX)];
	size_t len;
	const char *p = s->set ? text_of(buf, sizeof(buf), &len, &s->t) : NULL;

	return p != NULL ? nsym__crash_hex(out, p, len, true) : -1;
}

static void keep_str(struct str *out, const struct nsym_jp_value *v)
{
	out->set = v->kind == NSYM_JP_STRING;
	out->t = v->text;
}

static void keep_num(struct num *out, const struct nsym_jp_value *v)
{
	out->set = v->kind == NSYM_JP_NUMBER && v->integer;
	out->v = v->n;
}

/* The value of the member just named, read and kept by fn (which passes
 * over what it does not keep), for each member of an object: 0 or -1. */
typedef int member_fn(struct reader *r, void *into, const struct nsym_jp_text *key,
                      struct nsym_jp_value *v);

static int members(struct reader *r, void *into, member_fn *fn)
{
	struct nsym_jp_text key;
	struct nsym_jp_value v;
	bool first = true;
	int rc;

	while ((rc = nsym_jp_member(&r->jp, &first, &key)) > 0)
		if (nsym_jp_value(&r->jp, &v) != 0 || fn(r, into, &key, &v) != 0)
			return -1;
	return rc;
}

/* An object's members, or a value of another kind passed over; *is_object
 * says which. */
static int object(struct reader *r, void *into, bool *is_object, struct nsym_jp_value *v,
                  member_fn *fn)
{
	*is_object = v->kind == NSYM_JP_OBJECT;
	return *is_object ? members(r, into, fn) : nsym_jp_skip(&r->jp, v);
}

static int signal_member(struct reader *r, void *into, const struct nsym_jp_text *key,
                         struct nsym_jp_value *v)
{
	(void)into;
	if (nsym_jp_is(key, "name"))
		keep_str(&r->signal_name, v);
	else if (nsym_jp_is(key, "address"))
		keep_str(&r->signal_address, v);
	else if (nsym_jp_is(key, "number"))
		keep_num(&r->signal_number, v);
	return nsym_jp_skip(&r->jp, v);
}

static int panic_member(struct reader *r, void *into, const struct nsym_jp_text *key,
                        struct nsym_jp_value *v)
{
	(void)into;
	if (nsym_jp_is(key, "message"))
		keep_str(&r->panic_message, v);
	else if (nsym_jp_is(key, "file"))
		keep_str(&r->panic_file, v);
	else if (nsym_jp_is(key, "line"))
		keep_num(&r->panic_line, v);
	else if (nsym_jp_is(key, "column"))
		keep_num(&r->panic_column, v);
	return nsym_jp_skip(&r->jp, v);
}

/* The index of the register of that name, or -1. */
static long register_index(const struct nsym_crash *c, const char *name)
{
	for (size_t i = 0; i < c->nregisters; i++) {
		if (strcmp(c->registers[i].name, name) == 0)
			return (long)i;
	}
	return -1;
}

/*
 * A register at the signal, when the report has them: a member with a
 * short lowercase name and a hex value; others are passed over (they are
 * not needed to symbolicate). A name given again keeps its place and
 * takes the later value, as jansson's object did (a later value that is
 * not hex drops it); a name whose first value was not hex takes its place
 * at its later one.
 */
static int register_member(struct reader *r, void *into, const struct nsym_jp_text *key,
                           struct nsym_jp_value *v)
{
	struct nsym_crash *c = r->c;
	char buf[ESCAPED_MAX(sizeof(c->registers[0].name))], name[sizeof(c->registers[0].name)];
	size_t len = 0;
	const char *text = text_of(buf, sizeof(buf), &len, key);
	uint64_t value;
	long at;
	bool good;

	(void)into;
	if (nsym_jp_skip(&r->jp, v) != 0)
		return -1;
	if (text == NULL || len == 0 || len >= sizeof(name))
		return 0;
	memcpy(name, text, len);
	name[len] = '\0';
	if (strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789") != len)
		return 0;
	good = v->kind == NSYM_JP_STRING && hex_of(&value, &(struct str){v->text, true}) == 0;
	if ((at = register_index(c, name)) >= 0) {
		if (good) {
			c->registers[at].value = value;
		} else {
			memmove(&c->registers[at], &c->registers[at + 1],
			        (c->nregisters - (size_t)at - 1) * sizeof(c->registers[0]));
			c->nregisters--;
		}
	} else if (good && c->nregisters < NSYM_CRASH_MAX_REGISTERS) {
		memcpy(c->registers[c->nregisters].name, name, len + 1);
		c->registers[c->nregisters++].value = value;
	}
	return 0;
}

static int module_member(struct reader *r, void *into, const struct nsym_jp_text *key,
                         struct nsym_jp_value *v)
{
	struct raw_module *m = into;

	(void)r;
	if (nsym_jp_is(key, "path"))
		keep_str(&m->path, v);
	else if (nsym_jp_is(key, "id"))
		keep_str(&m->id, v);
	return nsym_jp_skip(&r->jp, v);
}

static int frame_member(struct reader *r, void *into, const struct nsym_jp_text *key,
                        struct nsym_jp_value *v)
{
	struct raw_frame *f = into;

	if (nsym_jp_is(key, "pc"))
		keep_str(&f->pc, v);
	else if (nsym_jp_is(key, "rel"))
		keep_str(&f->rel, v);
	else if (nsym_jp_is(key, "module"))
		keep_num(&f->module, v);
	else if (nsym_jp_is(key, "return_address"))
		f->is_false = v->kind == NSYM_JP_FALSE;
	return nsym_jp_skip(&r->jp, v);
}

/* The items of an array of objects, each kept in a new element of *arr
 * (of size bytes) by fn, up to cap of them; those past it are read and
 * counted, not kept. */
static int items(struct reader *r, void **arr, size_t *n, size_t size, size_t cap, bool *is_array,
                 struct nsym_jp_value *v, member_fn *fn)
{
	struct nsym_jp_value item;
	bool first = true, is_object;
	void *into;
	int rc;

	*n = 0; /* a repeated member: the last is read */
	if (!(*is_array = v->kind == NSYM_JP_ARRAY))
		return nsym_jp_skip(&r->jp, v);
	while ((rc = nsym_jp_item(&r->jp, &first)) > 0) {
		if (nsym_jp_value(&r->jp, &item) != 0)
			return -1;
		if (*n == cap) {
			if (nsym_jp_skip(&r->jp, &item) != 0)
				return -1;
			continue;
		}
		if ((into = nsym__crash_grow(arr, n, size, cap)) == NULL) {
			r->out_of_memory = true;
			return -1;
		}
		if (object(r, into, &is_object, &item, fn) != 0)
			return -1;
	}
	return rc;
}

static int root_member(struct reader *r, void *into, const struct nsym_jp_text *key,
                       struct nsym_jp_value *v)
{
	bool unused;

	(void)into;
	if (nsym_jp_is(key, "modules"))
		return items(r, (void **)&r->modules, &r->nmodules, sizeof(*r->modules),
		             NSYM_CRASH_MAX_MODULES + 1, &r->have_modules, v, module_member);
	if (nsym_jp_is(key, "frames"))
		return items(r, (void **)&r->frames, &r->nframes, sizeof(*r->frames),
		             NSYM_CRASH_MAX_FRAMES + 1, &r->have_frames, v, frame_member);
	if (nsym_jp_is(key, "signal")) {
		memset(&r->signal_name, 0, sizeof(r->signal_name));
		memset(&r->signal_address, 0, sizeof(r->signal_address));
		memset(&r->signal_number, 0, sizeof(r->signal_number));
		return object(r, NULL, &r->signal, v, signal_member);
	}
	if (nsym_jp_is(key, "panic")) {
		memset(&r->panic_message, 0, sizeof(r->panic_message));
		memset(&r->panic_file, 0, sizeof(r->panic_file));
		memset(&r->panic_line, 0, sizeof(r->panic_line));
		memset(&r->panic_column, 0, sizeof(r->panic_column));
		return object(r, NULL, &r->panic, v, panic_member);
	}
	if (nsym_jp_is(key, "registers")) {
		r->c->nregisters = 0;
		return object(r, NULL, &unused, v, register_member);
	}
	if (nsym_jp_is(key, "format"))
		keep_str(&r->format, v);
	else if (nsym_jp_is(key, "reason"))
		keep_str(&r->reason, v);
	else if (nsym_jp_is(key, "version"))
		keep_num(&r->version, v);
	else if (nsym_jp_is(key, "pid"))
		keep_num(&r->pid, v);
	else if (nsym_jp_is(key, "tid"))
		keep_num(&r->tid, v);
	return nsym_jp_skip(&r->jp, v);
}

/* The whole text: 0, or the error said (not JSON, or out of memory). */
static int pass(struct reader *r, const char *text, size_t len)
{
	struct nsym_jp_value v;
	int rc;

	if (len > REPORT_MAX_BYTES)
		return nsym__fail(NSYM_EINVAL, NULL,
		                  "not valid JSON (the JSON is %zu bytes, over the limit of %u)",
		                  len, REPORT_MAX_BYTES);
	nsym_jp_start(&r->jp, text, len, REPORT_MAX_DEPTH);
	rc = nsym_jp_value(&r->jp, &v);
	if (rc == 0)
		rc = object(r, NULL, &r->object, &v, root_member);
	if (rc == 0)
		rc = nsym_jp_end(&r->jp);
	if (r->out_of_memory)
		return no_memory();
	if (rc != 0)
		return nsym__fail(NSYM_EINVAL, NULL, "not valid JSON (%s)", r->jp.why);
	return 0;
}

/* ---- the checks ------------------------------------------------------------------- */

/* An optional string member, sanitised; 0 also when unset. */
static int copy_string(char **out, const struct str *s)
{
	char *buf;
	size_t len;

	if (!s->set)
		return 0;
	if (!s->t.escaped)
		*out = nsym__crash_text(s->t.p, s->t.len);
	else if ((buf = malloc(s->t.len + 1)) != NULL) {
		len = nsym_jp_unescape(buf, &s->t);
		*out = nsym__crash_text(buf, len);
		free(buf);
	}
	return *out != NULL ? 0 : no_memory();
}

/* An integer member in [min, max]: 0 with it in out, else -1. */
static int int_of(long long *out, const struct num *n, long long min, long long max)
{
	if (!n->set || n->v < min || n->v > max)
		return -1;
	*out = n->v;
	return 0;
}

static bool str_is(const struct str *s, const char *what)
{
	return s->set && nsym_jp_is(&s->t, what);
}

static int header(struct reader *r)
{
	long long version;

	if (!r->object)
		return bad("the JSON value is not an object");
	if (!str_is(&r->format, "napi-symbols-crash"))
		return bad("\"format\" is not \"napi-symbols-crash\"");
	if (int_of(&version, &r->version, 0, 1000000) != 0)
		return bad("no \"version\" number");
	if (version != 1)
		return nsym__fail(NSYM_EINVAL, NULL,
		                  "crash report version %lld is not known (this napi-symbols reads "
		                  "version 1; a newer napi-symbols may read it)",
		                  version);
	if (str_is(&r->reason, "signal") || str_is(&r->reason, "panic") ||
	    str_is(&r->reason, "manual"))
		nsym_jp_unescape(r->c->reason, &r->reason.t); /* one of those three */
	else
		return bad("\"reason\" is not \"signal\", \"panic\" or \"manual\"");
	return 0;
}

static int signal_part(struct reader *r)
{
	long long number;

	if (!r->signal)
		return bad("a \"signal\" report without a \"signal\" object");
	if (copy_string(&r->c->signal_name, &r->signal_name) != 0)
		return NSYM_ENOMEM;
	if (int_of(&number, &r->signal_number, 1, 1024) == 0)
		r->c->signal_number = (int)number;
	if (hex_of(&r->c->fault_address, &r->signal_address) == 0)
		r->c->has_address = true;
	return 0;
}

static int panic_part(struct reader *r)
{
	long long v;

	if (!r->panic)
		return bad("a \"panic\" report without a \"panic\" object");
	if (copy_string(&r->c->panic_message, &r->panic_message) != 0 ||
	    copy_string(&r->c->panic_file, &r->panic_file) != 0)
		return NSYM_ENOMEM;
	if (int_of(&v, &r->panic_line, 0, UINT32_MAX) == 0)
		r->c->panic_line = (uint32_t)v;
	if (int_of(&v, &r->panic_column, 0, UINT32_MAX) == 0)
		r->c->panic_column = (uint32_t)v;
	return 0;
}

static int module(struct reader *r, size_t i)
{
	const struct raw_module *m = &r->modules[i];
	struct nsym_crash_module *out;
	char buf[ESCAPED_MAX(NSYM_CRASH_ID_SIZE)];
	const char *id;
	size_t len;
	int rc;

	if (!m->path.set || !m->id.set)
		return nsym__fail(
		    NSYM_EINVAL, NULL,
		    "not a crash report: module %zu is not an object with \"path\" and "
		    "\"id\"",
		    i);
	if ((rc = nsym__crash_add_module(&out, r->c)) != 0)
		return rc == NSYM_ENOMEM ? no_memory() : bad("too many modules");
	out->listed = true;
	id = text_of(buf, sizeof(buf), &len, &m->id.t);
	/* an empty id is a module whose identity the hook could not read */
	if (id == NULL || (len > 0 && nsym_crash_id(out->id, id, len) != 0))
		return nsym__fail(NSYM_EINVAL, NULL,
		                  "not a crash report: module %zu's \"id\" is not hexadecimal", i);
	return copy_string(&out->path, &m->path);
}

static int frame(struct reader *r, size_t i)
{
	const struct raw_frame *f = &r->frames[i];
	struct nsym_crash_frame *out;
	long long module;
	int rc;

	if ((rc = nsym__crash_add_frame(&out, r->c)) != 0)
		return rc == NSYM_ENOMEM ? no_memory() : bad("too many frames");
	if (hex_of(&out->pc, &f->pc) != 0 ||
	    int_of(&module, &f->module, -1, (long long)r->c->nmodules - 1) != 0)
		return nsym__fail(NSYM_EINVAL, NULL,
		                  "not a crash report: frame %zu needs \"pc\" (\"0x…\") and a "
		                  "\"module\" index",
		                  i);
	out->module = (int)module;
	out->return_address = !f->is_false;
	if (module >= 0 && hex_of(&out->rel, &f->rel) != 0)
		return nsym__fail(
		    NSYM_EINVAL, NULL,
		    "not a crash report: frame %zu has a module but no \"rel\" (\"0x…\")", i);
	return 0;
}

static int body(struct reader *r)
{
	long long v;
	int rc;

	if ((rc = header(r)) != 0)
		return rc;
	if (strcmp(r->c->reason, "signal") == 0 && (rc = signal_part(r)) != 0)
		return rc;
	if (strcmp(r->c->reason, "panic") == 0 && (rc = panic_part(r)) != 0)
		return rc;
	r->c->pid = int_of(&v, &r->pid, 0, INT32_MAX) == 0 ? v : -1;
	r->c->tid = int_of(&v, &r->tid, 0, INT32_MAX) == 0 ? v : -1;
	if (!r->have_modules)
		return bad("no \"modules\" array");
	for (size_t i = 0; i < r->nmodules; i++)
		if ((rc = module(r, i)) != 0)
			return rc;
	if (!r->have_frames)
		return bad("no \"frames\" array");
	for (size_t i = 0; i < r->nframes; i++)
		if ((rc = frame(r, i)) != 0)
			return rc;
	return 0;
}

int nsym_crash_from_report(struct nsym_crash *out, const char *text, size_t len)
{
	struct reader r = {.c = out};
	int rc;

	memset(out, 0, sizeof(*out));
	out->pid = out->tid = -1;
	rc = pass(&r, text, len);
	if (rc == 0)
		rc = body(&r);
	free(r.modules);
	free(r.frames);
	/* a crash read in part is no crash */
	if (rc != 0)
		nsym_crash_release(out);
	return rc;
}
