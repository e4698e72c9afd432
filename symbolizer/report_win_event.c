/*
 * The "Application Error" event (event 1000, source Application Error) that
 * Windows logs for every process that dies of an exception, found in any
 * text (report_windows.h), in the two forms Event Viewer gives it:
 *
 * - its words, as the General tab shows them and "Copy details" copies
 *   them (electron/electron #4707, tjanczuk/iisnode #149, vercel/pkg
 *   #953; the Windows 11 form with "0x0x" and "ID" in
 *   Team-Resurgent/Repackinator #58):
 *     Faulting application name: node.exe, version: 18.12.1.0, time stamp: 0x637e8a3f
 *     Faulting module name: addon.node, version: 0.0.0.0, time stamp: 0x6542a1b3
 *     Exception code: 0xc0000005
 *     Fault offset: 0x000000000002e1b7
 *     Faulting process id: 0x2f8c
 *     Faulting module path: C:\app\node_modules\addon\addon.node
 *     Report Id: 4134a62b-474a-4c49-aa97-df525e0d5a01
 *   Each field is found anywhere in a line, so a quote ("> "), a prefix or
 *   a whole event joined into one line reads the same; a value that a
 *   narrow paste put on the next line (files-community/Files #16839:
 *   "time stamp:" then "0x666b0000", a path cut at a space) is taken from
 *   there.
 * - its XML (the Details tab's XML View, "Event Xml:" under the words):
 *   <Data Name="ModuleName">…</Data> and the other named fields of
 *   Windows 10 and later, or, in older logs (henrypp/simplewall #526),
 *   fifteen <Data> in a fixed order under <Provider Name="Application
 *   Error"/>. The names do not depend on the language of Windows, the
 *   words do: only the English words are read.
 */
#include <string.h>

#include "internal.h"
#include "report_windows.h"

static const char record[] = "Windows Application Error event";

/* ---- the words ------------------------------------------------------------------ */

enum key {
	K_APP,
	K_MODULE,
	K_VERSION,
	K_STAMP,
	K_CODE,
	K_OFFSET,
	K_PID,
	K_START,
	K_APP_PATH,
	K_MODULE_PATH,
	K_REPORT,
	K_PACKAGE,
	K_PACKAGE_APP,
	NKEYS
};

static const char *const keys[NKEYS] = {
    [K_APP] = "Faulting application name:",
    [K_MODULE] = "Faulting module name:",
    [K_VERSION] = "version:",
    [K_STAMP] = "time stamp:",
    [K_CODE] = "Exception code:",
    [K_OFFSET] = "Fault offset:",
    [K_PID] = "Faulting process id:",
    [K_START] = "Faulting application start time:",
    [K_APP_PATH] = "Faulting application path:",
    [K_MODULE_PATH] = "Faulting module path:",
    [K_REPORT] = "Report Id:",
    [K_PACKAGE] = "Faulting package full name:",
    [K_PACKAGE_APP] = "Faulting package-relative application ID:",
};

/* One key found in a line: where it starts, and its value's end. */
struct hit {
	enum key key;
	const char *at, *value, *end;
};

#define MAX_HITS 32 /* a whole event joined into one line holds 16 */

struct event_reader {
	struct nsym__win_faults *list;
	const char *text;
	struct nsym__win_fault cur;
	bool open;
	enum key who;     /* K_APP or K_MODULE: whose version and time stamp follow */
	enum key pending; /* a key whose value is on the next line, or NKEYS */
	int path_more;    /* lines the module path may go on for */
	bool oom;
};

/* The keys in [s, e), in order; each value runs to the next key. */
static size_t find_keys(struct hit *out, const char *s, const char *e)
{
	size_t n = 0;

	for (const char *p = s; p < e && n < MAX_HITS; p++) {
		for (int k = 0; k < NKEYS; k++) {
			size_t len = strlen(keys[k]);
			if ((size_t)(e - p) >= len && nsym__win_same(p, len, keys[k])) {
				out[n++] = (struct hit){(enum key)k, p, p + len, e};
				p += len - 1;
				break;
			}
		}
	}
	for (size_t i = 0; i + 1 < n; i++)
		out[i].end = out[i + 1].at;
	return n;
}

/* [s, e) up to its first comma: a name before ", version:". */
static const char *to_comma(const char *s, const char *e)
{
	const char *c = memchr(s, ',', (size_t)(e - s));
	return c != NULL ? c : e;
}

static bool blank(const char *s, const char *e)
{
	for (; s < e; s++) {
		if (*s != ' ' && *s != '\t')
			return false;
	}
	return true;
}

static void finish(struct event_reader *r)
{
	if (r->open && nsym__win_fault_add(r->list, &r->cur) != 0)
		r->oom = true;
	r->open = false;
	r->pending = NKEYS;
	r->path_more = 0;
}

static void start(struct event_reader *r, const char *at)
{
	finish(r);
	nsym__win_fault_init(&r->cur, (size_t)(at - r->text), record);
	r->open = true;
}

static void set_hex(struct event_reader *r, enum key key, const char *s, const char *e)
{
	struct nsym__win_fault *f = &r->cur;
	uint64_t v;

	if (nsym__win_hex(&v, s, (size_t)(e - s)) != 0)
		return;
	switch (key) {
	case K_STAMP:
		if (r->who == K_MODULE && v <= UINT32_MAX) {
			f->has_timestamp = true;
			f->timestamp = (uint32_t)v;
		}
		break;
	case K_CODE:
		if (v <= UINT32_MAX) {
			f->has_code = true;
			f->code = (uint32_t)v;
		}
		break;
	case K_OFFSET:
		f->has_offset = true;
		f->offset = v;
		break;
	case K_PID:
		f->pid = v <= INT32_MAX ? (long long)v : -1;
		break;
	default:
		break;
	}
}

/* Whether the path's last component has no extension yet: cut at a space
 * by the paste's width, it goes on on the next line. */
static bool path_cut(const char *path)
{
	const char *slash = strrchr(path, '\\');
	return strchr(slash != NULL ? slash : path, '.') == NULL;
}

static void take(struct event_reader *r, const struct hit *h)
{
	struct nsym__win_fault *f = &r->cur;
	const char *v = h->value, *e = h->end;

	if (h->key == K_APP || (h->key == K_MODULE && (!r->open || f->module[0] != '\0')))
		start(r, h->at);
	if (!r->open)
		return; /* the fields of an event whose name lines were not pasted */
	switch (h->key) {
	case K_APP:
		nsym__win_copy(f->app, sizeof(f->app), v, (size_t)(to_comma(v, e) - v));
		r->who = K_APP;
		break;
	case K_MODULE:
		nsym__win_copy(f->module, sizeof(f->module), v, (size_t)(to_comma(v, e) - v));
		r->who = K_MODULE;
		break;
	case K_STAMP:
	case K_CODE:
	case K_OFFSET:
	case K_PID:
		set_hex(r, h->key, v, e);
		break;
	case K_MODULE_PATH:
		nsym__win_copy(f->path, sizeof(f->path), v, (size_t)(e - v));
		r->path_more = f->path[0] != '\0' && path_cut(f->path) ? 2 : 0;
		break;
	case K_REPORT:
		nsym__win_copy(f->report_id, sizeof(f->report_id), v, (size_t)(e - v));
		break;
	default:
		break;
	}
}

/* The text of a line that goes on with what the line before left open, up
 * to its first key (past a quote's '>'): the value of a key that had none
 * there, or more of a path cut at a space. */
static void continued(struct event_reader *r, const char *s, const char *e)
{
	struct nsym__win_fault *f = &r->cur;
	enum key key = r->pending;
	size_t n;

	while (s < e && (*s == ' ' || *s == '\t' || *s == '>'))
		s++;
	if (s == e) {
		r->path_more = 0;
		return;
	}
	if (key == K_APP || key == K_MODULE) {
		char *name = key == K_APP ? f->app : f->module;
		nsym__win_copy(name, NSYM_WIN_NAME, s, (size_t)(to_comma(s, e) - s));
	} else if (key != NKEYS) {
		struct hit h = {key, s, s, e};
		take(r, &h);
		return;
	} else if ((n = strlen(f->path)) + 1 < sizeof(f->path)) {
		f->path[n] = ' ';
		nsym__win_copy(f->path + n + 1, sizeof(f->path) - n - 1, s, (size_t)(e - s));
		r->path_more = path_cut(f->path) ? r->path_more - 1 : 0;
		return;
	}
	r->path_more = 0;
}

static void event_line(struct event_reader *r, const char *s, const char *e)
{
	struct hit hits[MAX_HITS];
	size_t n = find_keys(hits, s, e);

	if (r->open && (r->pending != NKEYS || r->path_more > 0)) {
		continued(r, s, n > 0 ? hits[0].at : e);
		r->pending = NKEYS;
		if (n > 0)
			r->path_more = 0; /* a key on the line: the path is whole */
	}
	for (size_t i = 0; i < n && !r->oom; i++)
		take(r, &hits[i]);
	/* only the line's last key may go on on the next line */
	if (n > 0 && blank(hits[n - 1].value, hits[n - 1].end))
		r->pending = hits[n - 1].key;
	if (n > 0 && hits[n - 1].key != K_MODULE_PATH)
		r->path_more = 0;
}

static int words(struct nsym__win_faults *list, const char *text, size_t len)
{
	struct event_reader r = {.list = list, .text = text, .pending = NKEYS};
	const char *p = text, *end = text + len;

	while (p < end && !r.oom) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl != NULL ? nl : end;
		const char *q = e;
		while (q > p && q[-1] == '\r')
			q--;
		event_line(&r, p, q);
		p = e + (nl != NULL);
	}
	finish(&r);
	return r.oom ? NSYM_ENOMEM : 0;
}

/* ---- the XML --------------------------------------------------------------------- */

/* The named fields, and where each stands among the positional ones. */
static const struct {
	const char *name;
	int position;
	enum key key;
} fields[] = {
    {"AppName", 0, K_APP},
    {"ModuleName", 3, K_MODULE},
    {"ModuleTimeStamp", 5, K_STAMP},
    {"ExceptionCode", 6, K_CODE},
    {"FaultingOffset", 7, K_OFFSET},
    {"ProcessId", 8, K_PID},
    {"ModulePath", 11, K_MODULE_PATH},
    {"IntegratorReportId", 12, K_REPORT},
};

struct xml_reader {
	struct nsym__win_faults *list;
	const char *text, *end;
	struct nsym__win_fault cur;
	bool open, provider, named;
	long event_id; /* -1: not given */
	int position;  /* of the next <Data> without a name */
	bool oom;
};

static bool starts(const char *p, const char *e, const char *word)
{
	size_t n = strlen(word);
	return (size_t)(e - p) >= n && memcmp(p, word, n) == 0;
}

/* An XML value with its five entities decoded, trimmed, into out. */
static void xml_copy(char *out, size_t size, const char *s, const char *e)
{
	static const struct {
		const char *entity;
		char c;
	} entities[] = {
	    {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
	char buf[NSYM_WIN_PATH];
	size_t n = 0;

	while (s < e && n + 1 < sizeof(buf)) {
		size_t k = 0;
		for (; *s == '&' && k < sizeof(entities) / sizeof(entities[0]); k++) {
			if (starts(s, e, entities[k].entity))
				break;
		}
		if (*s == '&' && k < sizeof(entities) / sizeof(entities[0])) {
			buf[n++] = entities[k].c;
			s += strlen(entities[k].entity);
		} else {
			buf[n++] = *s++;
		}
	}
	nsym__win_copy(out, size, buf, n);
}

static void xml_finish(struct xml_reader *r)
{
	/* positional fields are the event's only under Application Error */
	if (r->open && (r->named || (r->provider && (r->event_id < 0 || r->event_id == 1000))) &&
	    nsym__win_fault_add(r->list, &r->cur) != 0)
		r->oom = true;
	r->open = r->provider = r->named = false;
	r->event_id = -1;
	r->position = 0;
}

static void xml_start(struct xml_reader *r, const char *at)
{
	xml_finish(r);
	nsym__win_fault_init(&r->cur, (size_t)(at - r->text), record);
	r->open = true;
}

/* One field's value into the fault. */
static void xml_field(struct xml_reader *r, enum key key, const char *s, const char *e)
{
	struct nsym__win_fault *f = &r->cur;
	char v[NSYM_WIN_PATH];

	xml_copy(v, sizeof(v), s, e);
	switch (key) {
	case K_APP:
		nsym__win_copy(f->app, sizeof(f->app), v, strlen(v));
		break;
	case K_MODULE:
		nsym__win_copy(f->module, sizeof(f->module), v, strlen(v));
		break;
	case K_MODULE_PATH:
		nsym__win_copy(f->path, sizeof(f->path), v, strlen(v));
		break;
	case K_REPORT:
		nsym__win_copy(f->report_id, sizeof(f->report_id), v, strlen(v));
		break;
	default: {
		struct event_reader er = {.cur = *f, .who = K_MODULE};
		set_hex(&er, key, v, v + strlen(v));
		*f = er.cur;
		break;
	}
	}
}

/* "<Data Name="X">V</Data>" or "<Data>V</Data>" or "<Data .../>" at p:
 * its end. */
static const char *xml_data(struct xml_reader *r, const char *p)
{
	const char *e = r->end, *close = memchr(p, '>', (size_t)(e - p)), *name, *v, *vend;
	size_t name_len = 0;
	enum key key = NKEYS;

	if (close == NULL)
		return e;
	if ((name = nsym__win_find(p, close, "Name=\"")) != NULL) {
		const char *q;
		name += 6;
		q = memchr(name, '"', (size_t)(close - name));
		name_len = q != NULL ? (size_t)(q - name) : 0;
	}
	v = close + 1;
	if (close[-1] == '/') { /* <Data Name="PackageFullName" /> */
		vend = v = close;
	} else {
		vend = nsym__win_find(v, e, "</Data>");
		if (vend == NULL || memchr(v, '<', (size_t)(vend - v)) != NULL)
			return v; /* not a field: nested tags, or no end */
	}
	if (!r->open)
		xml_start(r, p);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (name != NULL ? name_len == strlen(fields[i].name) &&
		                       memcmp(name, fields[i].name, name_len) == 0
		                 : fields[i].position == r->position)
			key = fields[i].key;
	}
	if (name != NULL)
		r->named |= key != NKEYS;
	else
		r->position++;
	if (key != NKEYS && (name != NULL || !r->named))
		xml_field(r, key, v, vend);
	return vend;
}

static int xml(struct nsym__win_faults *list, const char *text, size_t len)
{
	struct xml_reader r = {.list = list, .text = text, .end = text + len, .event_id = -1};
	const char *p = text, *e = text + len;

	while (!r.oom && p < e && (p = memchr(p, '<', (size_t)(e - p))) != NULL) {
		if (starts(p, e, "<Event") && e - p > 6 && strchr(" \t\r\n>", p[6]) != NULL &&
		    p[6] != '\0') {
			xml_start(&r, p);
		} else if (starts(p, e, "</Event>")) {
			xml_finish(&r);
		} else if (starts(p, e, "<EventData")) {
			if (!r.open)
				xml_start(&r, p);
			r.position = 0;
		} else if (starts(p, e, "<Provider")) {
			const char *close = memchr(p, '>', (size_t)(e - p));
			r.provider = close != NULL &&
			             nsym__win_find(p, close, "Name=\"Application Error\"") != NULL;
		} else if (starts(p, e, "<EventID")) {
			const char *close = memchr(p, '>', (size_t)(e - p));
			uint64_t id = 0;
			size_t d = 0;
			while (close != NULL && close + 1 + d < e && close[1 + d] >= '0' &&
			       close[1 + d] <= '9' && d < 9)
				id = id * 10 + (uint64_t)(close[1 + d++] - '0');
			r.event_id = d > 0 ? (long)id : -1;
		} else if (starts(p, e, "<Data") && e - p > 5 &&
		           strchr(" \t\r\n>/", p[5]) != NULL && p[5] != '\0') {
			p = xml_data(&r, p);
			continue;
		}
		p++;
	}
	xml_finish(&r);
	return r.oom ? NSYM_ENOMEM : 0;
}

int nsym__win_events(struct nsym__win_faults *list, const char *text, size_t len)
{
	int rc = words(list, text, len);

	return rc != 0 ? rc : xml(list, text, len);
}
