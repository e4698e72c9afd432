/*
 * A crash report file (docs/crash-report.md) into the crash model. Strict on
 * what symbolication needs (format, version, reason, modules, frames, and the
 * fields that say where each frame is), lenient on the rest (pid, time…), so
 * a report from a newer hook with more fields still reads.
 */
#include <stdio.h>
#include <string.h>

#include "crash.h"
#include "json_parse.h"

struct reader {
	const struct nsym_json *doc;
	struct nsym_crash *c;
	char *err;
	size_t err_size;
};

static int bad(struct reader *r, const char *what)
{
	snprintf(r->err, r->err_size, "not a crash report: %s", what);
	return -1;
}

static const char *get_string(struct reader *r, const struct nsym_jnode *obj, const char *key)
{
	const struct nsym_jnode *n = nsym_json_get(r->doc, obj, key);
	return n != NULL && n->type == NSYM_JSTRING ? n->text : NULL;
}

/* An optional string member, sanitised; 0 also when absent. */
static int copy_string(struct reader *r, char **out, const struct nsym_jnode *obj, const char *key)
{
	const char *s = get_string(r, obj, key);
	if (s == NULL)
		return 0;
	*out = nsym_crash_text(s, strlen(s));
	return *out != NULL ? 0 : bad(r, "out of memory");
}

static int header(struct reader *r, const struct nsym_jnode *root)
{
	const char *format = get_string(r, root, "format"), *reason = get_string(r, root, "reason");
	long long version;

	if (root->type != NSYM_JOBJECT)
		return bad(r, "the JSON value is not an object");
	if (format == NULL || strcmp(format, "napi-symbols-crash") != 0)
		return bad(r, "\"format\" is not \"napi-symbols-crash\"");
	if (nsym_json_int(&version, nsym_json_get(r->doc, root, "version"), 0, 1000000) != 0)
		return bad(r, "no \"version\" number");
	if (version != 1) {
		snprintf(r->err, r->err_size,
		         "crash report version %lld is not known (this napi-symbols reads version "
		         "1; a newer napi-symbols may read it)",
		         version);
		return -1;
	}
	if (reason == NULL || (strcmp(reason, "signal") != 0 && strcmp(reason, "panic") != 0 &&
	                       strcmp(reason, "manual") != 0))
		return bad(r, "\"reason\" is not \"signal\", \"panic\" or \"manual\"");
	snprintf(r->c->reason, sizeof(r->c->reason), "%s", reason);
	return 0;
}

static int signal_part(struct reader *r, const struct nsym_jnode *s)
{
	const char *addr = get_string(r, s, "address");
	long long number;

	if (s == NULL || s->type != NSYM_JOBJECT)
		return bad(r, "a \"signal\" report without a \"signal\" object");
	if (copy_string(r, &r->c->signal_name, s, "name") != 0)
		return -1;
	if (nsym_json_int(&number, nsym_json_get(r->doc, s, "number"), 1, 1024) == 0)
		r->c->signal_number = (int)number;
	if (addr != NULL && nsym_crash_hex(&r->c->fault_address, addr, strlen(addr), true) == 0)
		r->c->has_address = true;
	return 0;
}

static bool has_register(const struct nsym_crash *c, const char *name)
{
	for (size_t i = 0; i < c->nregisters; i++) {
		if (strcmp(c->registers[i].name, name) == 0)
			return true;
	}
	return false;
}

/* The registers at the signal, when the report has them: members with a
 * short lowercase name and a hex value, in order, the first of a name
 * repeated (as nsym_json_get takes it); others are passed over (they are
 * not needed to symbolicate). */
static void registers_part(struct reader *r, const struct nsym_jnode *regs)
{
	if (regs == NULL || regs->type != NSYM_JOBJECT)
		return;
	for (const struct nsym_jnode *m = nsym_json_first(r->doc, regs);
	     m != NULL && r->c->nregisters < NSYM_CRASH_MAX_REGISTERS;
	     m = nsym_json_next(r->doc, m)) {
		struct nsym_crash_register *out = &r->c->registers[r->c->nregisters];
		size_t len = strlen(m->key);

		if (m->type != NSYM_JSTRING || len == 0 || len >= sizeof(out->name) ||
		    strspn(m->key, "abcdefghijklmnopqrstuvwxyz0123456789") != len ||
		    has_register(r->c, m->key) ||
		    nsym_crash_hex(&out->value, m->text, strlen(m->text), true) != 0)
			continue;
		memcpy(out->name, m->key, len + 1);
		r->c->nregisters++;
	}
}

static int panic_part(struct reader *r, const struct nsym_jnode *p)
{
	long long v;

	if (p == NULL || p->type != NSYM_JOBJECT)
		return bad(r, "a \"panic\" report without a \"panic\" object");
	if (copy_string(r, &r->c->panic_message, p, "message") != 0 ||
	    copy_string(r, &r->c->panic_file, p, "file") != 0)
		return -1;
	if (nsym_json_int(&v, nsym_json_get(r->doc, p, "line"), 0, UINT32_MAX) == 0)
		r->c->panic_line = (uint32_t)v;
	if (nsym_json_int(&v, nsym_json_get(r->doc, p, "column"), 0, UINT32_MAX) == 0)
		r->c->panic_column = (uint32_t)v;
	return 0;
}

static int module(struct reader *r, const struct nsym_jnode *m, size_t i)
{
	struct nsym_crash_module *out;
	const char *id = get_string(r, m, "id");
	char what[80];

	snprintf(what, sizeof(what), "module %zu is not an object with \"path\" and \"id\"", i);
	if (get_string(r, m, "path") == NULL || id == NULL)
		return bad(r, what);
	if (nsym_crash_add_module(r->c, &out) != 0)
		return bad(r, "too many modules");
	out->listed = true;
	if (id[0] != '\0' && nsym_crash_id(out->id, id, strlen(id)) != 0) {
		snprintf(what, sizeof(what), "module %zu's \"id\" is not hexadecimal", i);
		return bad(r, what);
	}
	return copy_string(r, &out->path, m, "path");
}

static int frame(struct reader *r, const struct nsym_jnode *f, size_t i)
{
	struct nsym_crash_frame *out;
	const struct nsym_jnode *ra = nsym_json_get(r->doc, f, "return_address");
	const char *pc = get_string(r, f, "pc"), *rel = get_string(r, f, "rel");
	long long module;
	char what[120];

	snprintf(what, sizeof(what), "frame %zu needs \"pc\" (\"0x…\") and a \"module\" index", i);
	if (nsym_crash_add_frame(r->c, &out) != 0)
		return bad(r, "too many frames");
	if (pc == NULL || nsym_crash_hex(&out->pc, pc, strlen(pc), true) != 0 ||
	    nsym_json_int(&module, nsym_json_get(r->doc, f, "module"), -1,
	                  (long long)r->c->nmodules - 1) != 0)
		return bad(r, what);
	out->module = (int)module;
	out->return_address = ra == NULL || ra->type != NSYM_JBOOL || ra->boolean;
	if (module >= 0 &&
	    (rel == NULL || nsym_crash_hex(&out->rel, rel, strlen(rel), true) != 0)) {
		snprintf(what, sizeof(what), "frame %zu has a module but no \"rel\" (\"0x…\")", i);
		return bad(r, what);
	}
	return 0;
}

/* Calls each(r, member, index) for every member of the array root[key]. */
static int each(struct reader *r, const struct nsym_jnode *root, const char *key,
                int (*fn)(struct reader *, const struct nsym_jnode *, size_t))
{
	const struct nsym_jnode *a = nsym_json_get(r->doc, root, key);
	size_t i = 0;
	char what[64];

	if (a == NULL || a->type != NSYM_JARRAY) {
		snprintf(what, sizeof(what), "no \"%s\" array", key);
		return bad(r, what);
	}
	for (const struct nsym_jnode *m = nsym_json_first(r->doc, a); m != NULL;
	     m = nsym_json_next(r->doc, m)) {
		if (fn(r, m, i++) != 0)
			return -1;
	}
	return 0;
}

static int body(struct reader *r, const struct nsym_jnode *root)
{
	long long v;

	if (header(r, root) != 0)
		return -1;
	if (strcmp(r->c->reason, "signal") == 0 &&
	    signal_part(r, nsym_json_get(r->doc, root, "signal")) != 0)
		return -1;
	registers_part(r, nsym_json_get(r->doc, root, "registers"));
	if (strcmp(r->c->reason, "panic") == 0 &&
	    panic_part(r, nsym_json_get(r->doc, root, "panic")) != 0)
		return -1;
	r->c->pid =
	    nsym_json_int(&v, nsym_json_get(r->doc, root, "pid"), 0, INT32_MAX) == 0 ? v : -1;
	r->c->tid =
	    nsym_json_int(&v, nsym_json_get(r->doc, root, "tid"), 0, INT32_MAX) == 0 ? v : -1;
	if (each(r, root, "modules", module) != 0)
		return -1;
	return each(r, root, "frames", frame);
}

int nsym_crash_from_report(struct nsym_crash *out, const char *text, size_t len, char *err,
                           size_t err_size)
{
	struct nsym_json *doc = NULL;
	struct reader r = {NULL, out, err, err_size};
	char why[300];
	int rc;

	memset(out, 0, sizeof(*out));
	out->pid = out->tid = -1;
	if (nsym_json_parse(&doc, text, len, why, sizeof(why)) != 0) {
		snprintf(err, err_size, "not valid JSON (%s)", why);
		return -1;
	}
	r.doc = doc;
	rc = body(&r, nsym_json_root(doc));
	nsym_json_free(doc);
	return rc;
}
