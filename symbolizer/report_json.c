/*
 * A crash report file (docs/crash-report.md) into the crash model. Strict on
 * what symbolication needs (format, version, reason, modules, frames, and the
 * fields that say where each frame is), lenient on the rest (pid, time…), so
 * a report from a newer hook with more fields still reads.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "napi_symbols_util.h"
#include "report.h"

/* A report is written by a hook that keeps far fewer modules and frames:
 * these bound what hostile input costs before the caps of crash.h apply. */
static const struct nsym_json_limits report_limits = {16u << 20, 16};

struct reader {
	struct nsym_crash *c;
};

static int bad(const char *what)
{
	return nsym__fail(NSYM_EINVAL, NULL, "not a crash report: %s", what);
}

static int no_memory(void)
{
	return nsym__fail(NSYM_ENOMEM, NULL, NULL);
}

static const char *get_string(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* obj[key] when it is an integer in [min, max]: 0 with it in out, else -1. */
static int get_int(long long *out, const json_t *obj, const char *key, long long min, long long max)
{
	const json_t *n = json_object_get(obj, key);

	if (!json_is_integer(n) || json_integer_value(n) < min || json_integer_value(n) > max)
		return -1;
	*out = json_integer_value(n);
	return 0;
}

/* An optional string member, sanitised; 0 also when absent. */
static int copy_string(char **out, const json_t *obj, const char *key)
{
	const char *s = get_string(obj, key);
	if (s == NULL)
		return 0;
	*out = nsym__crash_text(s, strlen(s));
	return *out != NULL ? 0 : no_memory();
}

static int header(struct reader *r, const json_t *root)
{
	const char *format = get_string(root, "format"), *reason = get_string(root, "reason");
	long long version;

	if (!json_is_object(root))
		return bad("the JSON value is not an object");
	if (format == NULL || strcmp(format, "napi-symbols-crash") != 0)
		return bad("\"format\" is not \"napi-symbols-crash\"");
	if (get_int(&version, root, "version", 0, 1000000) != 0)
		return bad("no \"version\" number");
	if (version != 1)
		return nsym__fail(NSYM_EINVAL, NULL,
		                  "crash report version %lld is not known (this napi-symbols reads "
		                  "version 1; a newer napi-symbols may read it)",
		                  version);
	if (reason == NULL || (strcmp(reason, "signal") != 0 && strcmp(reason, "panic") != 0 &&
	                       strcmp(reason, "manual") != 0))
		return bad("\"reason\" is not \"signal\", \"panic\" or \"manual\"");
	snprintf(r->c->reason, sizeof(r->c->reason), "%s", reason);
	return 0;
}

static int signal_part(struct reader *r, const json_t *s)
{
	const char *addr = get_string(s, "address");
	long long number;

	if (!json_is_object(s))
		return bad("a \"signal\" report without a \"signal\" object");
	if (copy_string(&r->c->signal_name, s, "name") != 0)
		return NSYM_ENOMEM;
	if (get_int(&number, s, "number", 1, 1024) == 0)
		r->c->signal_number = (int)number;
	if (addr != NULL && nsym__crash_hex(&r->c->fault_address, addr, strlen(addr), true) == 0)
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
 * short lowercase name and a hex value, in order (jansson keeps the last
 * of a name repeated); others are passed over (they are not needed to
 * symbolicate). */
static void registers_part(struct reader *r, json_t *regs)
{
	const char *key;
	json_t *m;

	json_object_foreach(regs, key, m)
	{
		struct nsym_crash_register *out = &r->c->registers[r->c->nregisters];
		const char *value = json_string_value(m);
		size_t len = strlen(key);

		if (r->c->nregisters == NSYM_CRASH_MAX_REGISTERS)
			break;
		if (value == NULL || len == 0 || len >= sizeof(out->name) ||
		    strspn(key, "abcdefghijklmnopqrstuvwxyz0123456789") != len ||
		    has_register(r->c, key) ||
		    nsym__crash_hex(&out->value, value, strlen(value), true) != 0)
			continue;
		memcpy(out->name, key, len + 1);
		r->c->nregisters++;
	}
}

static int panic_part(struct reader *r, const json_t *p)
{
	long long v;

	if (!json_is_object(p))
		return bad("a \"panic\" report without a \"panic\" object");
	if (copy_string(&r->c->panic_message, p, "message") != 0 ||
	    copy_string(&r->c->panic_file, p, "file") != 0)
		return NSYM_ENOMEM;
	if (get_int(&v, p, "line", 0, UINT32_MAX) == 0)
		r->c->panic_line = (uint32_t)v;
	if (get_int(&v, p, "column", 0, UINT32_MAX) == 0)
		r->c->panic_column = (uint32_t)v;
	return 0;
}

static int module(struct reader *r, const json_t *m, size_t i)
{
	struct nsym_crash_module *out;
	const char *id = get_string(m, "id");
	char what[80];
	int rc;

	snprintf(what, sizeof(what), "module %zu is not an object with \"path\" and \"id\"", i);
	if (get_string(m, "path") == NULL || id == NULL)
		return bad(what);
	if ((rc = nsym__crash_add_module(&out, r->c)) != 0)
		return rc == NSYM_ENOMEM ? no_memory() : bad("too many modules");
	out->listed = true;
	if (id[0] != '\0' && nsym_crash_id(out->id, id, strlen(id)) != 0) {
		snprintf(what, sizeof(what), "module %zu's \"id\" is not hexadecimal", i);
		return bad(what);
	}
	return copy_string(&out->path, m, "path");
}

static int frame(struct reader *r, const json_t *f, size_t i)
{
	struct nsym_crash_frame *out;
	const json_t *ra = json_object_get(f, "return_address");
	const char *pc = get_string(f, "pc"), *rel = get_string(f, "rel");
	long long module;
	char what[120];
	int rc;

	snprintf(what, sizeof(what), "frame %zu needs \"pc\" (\"0x…\") and a \"module\" index", i);
	if ((rc = nsym__crash_add_frame(&out, r->c)) != 0)
		return rc == NSYM_ENOMEM ? no_memory() : bad("too many frames");
	if (pc == NULL || nsym__crash_hex(&out->pc, pc, strlen(pc), true) != 0 ||
	    get_int(&module, f, "module", -1, (long long)r->c->nmodules - 1) != 0)
		return bad(what);
	out->module = (int)module;
	out->return_address = !json_is_false(ra);
	if (module >= 0 &&
	    (rel == NULL || nsym__crash_hex(&out->rel, rel, strlen(rel), true) != 0)) {
		snprintf(what, sizeof(what), "frame %zu has a module but no \"rel\" (\"0x…\")", i);
		return bad(what);
	}
	return 0;
}

/* Calls each(r, member, index) for every member of the array root[key]. */
static int each(struct reader *r, const json_t *root, const char *key,
                int (*fn)(struct reader *, const json_t *, size_t))
{
	const json_t *a = json_object_get(root, key), *m;
	size_t i;
	char what[64];

	if (!json_is_array(a)) {
		snprintf(what, sizeof(what), "no \"%s\" array", key);
		return bad(what);
	}
	json_array_foreach(a, i, m)
	{
		int rc = fn(r, m, i);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int body(struct reader *r, json_t *root)
{
	long long v;
	int rc;

	if ((rc = header(r, root)) != 0)
		return rc;
	if (strcmp(r->c->reason, "signal") == 0 &&
	    (rc = signal_part(r, json_object_get(root, "signal"))) != 0)
		return rc;
	registers_part(r, json_object_get(root, "registers"));
	if (strcmp(r->c->reason, "panic") == 0 &&
	    (rc = panic_part(r, json_object_get(root, "panic"))) != 0)
		return rc;
	r->c->pid = get_int(&v, root, "pid", 0, INT32_MAX) == 0 ? v : -1;
	r->c->tid = get_int(&v, root, "tid", 0, INT32_MAX) == 0 ? v : -1;
	if ((rc = each(r, root, "modules", module)) != 0)
		return rc;
	return each(r, root, "frames", frame);
}

int nsym_crash_from_report(struct nsym_crash *out, const char *text, size_t len)
{
	json_t *doc = NULL;
	struct reader r = {out};
	char why[300];
	int rc;

	memset(out, 0, sizeof(*out));
	out->pid = out->tid = -1;
	rc = nsym_json_load(&doc, text, len, &report_limits, why, sizeof(why));
	if (rc == NSYM_ENOMEM)
		rc = no_memory();
	else if (rc != 0)
		rc = nsym__fail(NSYM_EINVAL, NULL, "not valid JSON (%s)", why);
	else
		rc = body(&r, doc);
	json_decref(doc);
	/* a crash read in part is no crash */
	if (rc != 0)
		nsym_crash_release(out);
	return rc;
}
