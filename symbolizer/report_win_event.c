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
 *   The lines are read as one (past their quote marks, "> "), so a whole
 *   event joined into one line reads the same, and so does a field that a
 *   narrow paste cut at a space (files-community/Files #16839: "time
 *   stamp:" then "0x666b0000" on the next line, a path cut at its space).
 * - its XML (the Details tab's XML View, "Event Xml:" under the words):
 *   <Data Name="ModuleName">…</Data> and the other named fields of
 *   Windows 10 and later, or, in older logs (henrypp/simplewall #526),
 *   fifteen <Data> in a fixed order under <Provider Name="Application
 *   Error"/>. The names do not depend on the language of Windows, the
 *   words do: only the English words are read.
 */
#include <stdlib.h>
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

/* The text as one line: each line past its indentation and quote marks
 * ("> "), joined to the line before by a space, so that a field cut by a
 * paste's width (a key, a value or a path split at a space) reads whole;
 * an empty line, which ends a paragraph, kept as '\n', so that a value
 * never runs into the prose after the event. */
struct flat {
	char *s;
	size_t n;
	struct span {
		size_t flat, text; /* where a line's text starts in each */
	} * lines;
	size_t nlines;
};

static int flatten(struct flat *f, const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	memset(f, 0, sizeof(*f));
	/* a line of text is at least one byte and a '\n': half as many spans */
	if ((f->s = malloc(len + 1)) == NULL ||
	    (f->lines = malloc((len / 2 + 1) * sizeof(*f->lines))) == NULL)
		return NSYM_ENOMEM;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl != NULL ? nl : end;
		const char *q = p;
		while (q < e && (*q == ' ' || *q == '\t' || *q == '>'))
			q++;
		while (e > q && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (q == e) {
			if (f->n > 0 && f->s[f->n - 1] != '\n')
				f->s[f->n++] = '\n';
		} else {
			if (f->n > 0 && f->s[f->n - 1] != '\n')
				f->s[f->n++] = ' ';
			f->lines[f->nlines++] = (struct span){f->n, (size_t)(q - text)};
			memcpy(f->s + f->n, q, (size_t)(e - q));
			f->n += (size_t)(e - q);
		}
		p = (nl != NULL ? nl : end) + 1;
	}
	f->s[f->n] = '\0';
	return 0;
}

/* Where offset x of the flat text lies in the text. */
static size_t origin(const struct flat *f, size_t x)
{
	size_t lo = 0, hi = f->nlines;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (f->lines[mid].flat <= x)
			lo = mid;
		else
			hi = mid;
	}
	return f->nlines == 0 ? 0 : f->lines[lo].text + (x - f->lines[lo].flat);
}

/* The first key at or after p, or NULL. */
static const char *next_key(enum key *out, const char *p, const char *e)
{
	for (; p < e; p++) {
		if (*p != 'F' && *p != 'f' && *p != 'v' && *p != 'V' && *p != 't' && *p != 'T' &&
		    *p != 'E' && *p != 'e' && *p != 'R' && *p != 'r')
			continue;
		for (int k = 0; k < NKEYS; k++) {
			size_t len = strlen(keys[k]);
			if ((size_t)(e - p) >= len && nsym__win_same(p, len, keys[k])) {
				*out = (enum key)k;
				return p;
			}
		}
	}
	return NULL;
}

struct event_reader {
	struct nsym__win_faults *list;
	const struct flat *flat;
	struct nsym__win_fault cur;
	bool open;
	enum key who; /* K_APP or K_MODULE: whose version and time stamp follow */
	bool oom;
};

/* [s, e) up to its first comma: a name before ", version:". */
static const char *to_comma(const char *s, const char *e)
{
	const char *c = memchr(s, ',', (size_t)(e - s));
	return c != NULL ? c : e;
}

/* [s, e) up to its first white space past any before it: one word. */
static const char *word(const char *s, const char *e)
{
	while (s < e && *s == ' ')
		s++;
	while (s < e && *s != ' ' && *s != '\t' && *s != '\n')
		s++;
	return s;
}

static void finish(struct event_reader *r)
{
	if (r->open && nsym__win_fault_add(r->list, &r->cur) != 0)
		r->oom = true;
	r->open = false;
}

static void set_hex(struct nsym__win_fault *f, enum key key, bool module, const char *s,
                    const char *e)
{
	uint64_t v;

	if (nsym__win_hex(&v, s, (size_t)(e - s)) != 0)
		return;
	switch (key) {
	case K_STAMP:
		if (module && v <= UINT32_MAX) {
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

/* Key `key` at `at` of the flat text, its value [v, e). */
static void take(struct event_reader *r, enum key key, const char *at, const char *v, const char *e)
{
	struct nsym__win_fault *f = &r->cur;

	if (key == K_APP || (key == K_MODULE && (!r->open || f->module[0] != '\0'))) {
		finish(r);
		nsym__win_fault_init(f, origin(r->flat, (size_t)(at - r->flat->s)), record);
		r->open = true;
	}
	if (!r->open)
		return; /* the fields of an event whose name lines were not pasted */
	switch (key) {
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
		set_hex(f, key, r->who == K_MODULE, v, word(v, e));
		break;
	case K_MODULE_PATH:
		nsym__win_copy(f->path, sizeof(f->path), v, (size_t)(e - v));
		break;
	case K_REPORT:
		nsym__win_copy(f->report_id, sizeof(f->report_id), v, (size_t)(word(v, e) - v));
		break;
	default:
		break;
	}
}

static int words(struct nsym__win_faults *list, const char *text, size_t len)
{
	struct flat flat;
	struct event_reader r = {.list = list, .flat = &flat};
	const char *p, *e, *next;
	enum key key, after;
	int rc = flatten(&flat, text, len);

	if (rc != 0)
		goto out;
	e = flat.s + flat.n;
	for (p = next_key(&key, flat.s, e); p != NULL && !r.oom; p = next, key = after) {
		const char *v = p + strlen(keys[key]), *end;
		next = next_key(&after, v, e);
		/* a value ends at the next key, or where the paragraph does */
		end = next != NULL ? next : e;
		end = memchr(v, '\n', (size_t)(end - v)) != NULL
		          ? memchr(v, '\n', (size_t)(end - v))
		          : end;
		take(&r, key, p, v, end);
	}
	finish(&r);
	rc = r.oom ? NSYM_ENOMEM : 0;
out:
	free(flat.s);
	free(flat.lines);
	return rc;
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
	default:
		set_hex(f, key, true, v, v + strlen(v));
		break;
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
