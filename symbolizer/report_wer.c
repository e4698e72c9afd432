/*
 * Windows Error Reporting's own records of a crash, found in any text
 * (report_windows.h): the problem signature WER files a crash under, in
 * the three forms users paste it.
 *
 * - Report.wer, the file WER keeps in ReportArchive (microsoft/mfcmapi
 *   #368, OfficeDev/office-js #465, readest/readest #683): "Key=Value"
 *   lines, the signature as pairs "Sig[3].Name=Fault Module Name",
 *   "Sig[3].Value=addon.node", and every module of the process as
 *   "LoadedModule[N]=PATH". The file is UTF-16LE; nsym_report_read turns
 *   it into UTF-8 first.
 * - event 1001's words ("Event Name: APPCRASH", then "P1: node.exe" to
 *   "P10:"; digitalcreations/MaxTo #75).
 * - the Reliability Monitor's problem details ("Problem Event Name:
 *   APPCRASH", "Fault Module Name: addon.node", "Exception Offset: …").
 *
 * The fields are told by their English names ("Fault Module Name",
 * "Faulty Module Timestamp", "Exception Offset"), else by where they stand
 * in the signature of the event types of a native crash: APPCRASH puts the
 * module, its time stamp, the code and the offset at 3, 5, 6 and 7; BEX
 * and BEX64 (a fail-fast, a buffer overrun) put the offset at 6 and the
 * code at 7 (readest/readest #683). So a report of Windows in another
 * language (RocketChat/Rocket.Chat.Electron #2594, "Fehlermodulversion")
 * still reads. Other event types (CLR20r3, MoAppCrash) sign other things.
 */
#include <string.h>

#include "internal.h"
#include "report_windows.h"

#define MAX_SIG 16 /* Sig[0..15], P1..P16 */

static const char record[] = "Windows Error Reporting";

enum role { R_NONE, R_APP, R_MODULE, R_STAMP, R_CODE, R_OFFSET };

struct sig {
	char name[64];
	const char *value; /* into the text */
	size_t len;
	bool has_name, has_value;
};

struct wer_reader {
	struct nsym__win_faults *list;
	const char *text;
	struct nsym__win_fault cur;
	bool open;
	struct sig sigs[MAX_SIG];  /* by index */
	struct sig named[MAX_SIG]; /* the Reliability Monitor's, by name only */
	size_t nnamed;
	const char *from; /* where the record's lines start, for its LoadedModule lines */
	bool oom;
};

/* The role of a field by its English name. */
static enum role role_of(const char *name)
{
	const char *e = name + strlen(name);

	if (nsym__win_find(name, e, "module name") != NULL)
		return R_MODULE;
	if (nsym__win_find(name, e, "module timestamp") != NULL ||
	    nsym__win_find(name, e, "module time stamp") != NULL)
		return R_STAMP;
	if (nsym__win_find(name, e, "exception offset") != NULL ||
	    nsym__win_find(name, e, "abnormal offset") != NULL)
		return R_OFFSET;
	if (nsym__win_find(name, e, "exception code") != NULL ||
	    nsym__win_find(name, e, "abnormal code") != NULL)
		return R_CODE;
	if (nsym__win_find(name, e, "application name") != NULL)
		return R_APP;
	return R_NONE;
}

/* The role of signature field i of an event type, by its place. */
static enum role role_at(const char *event, size_t i)
{
	static const enum role appcrash[8] = {R_APP,  R_NONE,  R_NONE, R_MODULE,
	                                      R_NONE, R_STAMP, R_CODE, R_OFFSET};
	static const enum role bex[8] = {R_APP,  R_NONE,  R_NONE,   R_MODULE,
	                                 R_NONE, R_STAMP, R_OFFSET, R_CODE};
	const char *e = event + strlen(event);

	if (i >= 8)
		return R_NONE;
	if (nsym__win_same(event, (size_t)(e - event), "APPCRASH"))
		return appcrash[i];
	if (nsym__win_same(event, (size_t)(e - event), "BEX") ||
	    nsym__win_same(event, (size_t)(e - event), "BEX64"))
		return bex[i];
	return R_NONE;
}

static void set(struct nsym__win_fault *f, enum role role, const char *v, size_t len)
{
	uint64_t x;

	switch (role) {
	case R_APP:
		nsym__win_copy(f->app, sizeof(f->app), v, len);
		break;
	case R_MODULE:
		nsym__win_copy(f->module, sizeof(f->module), v, len);
		break;
	case R_STAMP:
		if (nsym__win_hex(&x, v, len) == 0 && x <= UINT32_MAX) {
			f->has_timestamp = true;
			f->timestamp = (uint32_t)x;
		}
		break;
	case R_CODE:
		if (nsym__win_hex(&x, v, len) == 0 && x <= UINT32_MAX) {
			f->has_code = true;
			f->code = (uint32_t)x;
		}
		break;
	case R_OFFSET:
		if (nsym__win_hex(&x, v, len) == 0) {
			f->has_offset = true;
			f->offset = x;
		}
		break;
	case R_NONE:
		break;
	}
}

/* The path of the module among the record's "LoadedModule[N]=PATH" lines
 * in [from, to), compared by file name without regard to case. */
static void loaded_path(struct nsym__win_fault *f, const char *from, const char *to)
{
	for (const char *p = nsym__win_find(from, to, "LoadedModule["); p != NULL;
	     p = nsym__win_find(p + 1, to, "LoadedModule[")) {
		const char *eq = memchr(p, '=', (size_t)(to - p)), *nl, *base;
		if (eq == NULL)
			return;
		nl = memchr(eq, '\n', (size_t)(to - eq));
		nl = nl != NULL ? nl : to;
		while (nl > eq && (nl[-1] == '\r' || nl[-1] == ' '))
			nl--;
		for (base = nl; base > eq + 1 && base[-1] != '\\' && base[-1] != '/';)
			base--;
		if (nsym__win_same(base, (size_t)(nl - base), f->module)) {
			nsym__win_copy(f->path, sizeof(f->path), eq + 1, (size_t)(nl - eq - 1));
			return;
		}
	}
}

static void finish(struct wer_reader *r, const char *to)
{
	struct nsym__win_fault *f = &r->cur;
	bool by_name = false;

	if (!r->open)
		return;
	for (size_t i = 0; i < MAX_SIG; i++) {
		const struct sig *s = &r->sigs[i];
		enum role role = s->has_name ? role_of(s->name) : R_NONE;
		by_name |= role == R_MODULE;
		if (role == R_NONE)
			role = role_at(f->event, i);
		if (s->has_value)
			set(f, role, s->value, s->len);
	}
	for (size_t i = 0; i < r->nnamed; i++) {
		enum role role = role_of(r->named[i].name);
		by_name |= role == R_MODULE;
		set(f, role, r->named[i].value, r->named[i].len);
	}
	/* a module that is no native code's (CLR20r3's "System") is not taken */
	if (f->module[0] != '\0' && f->has_offset &&
	    (by_name || role_at(f->event, 3) == R_MODULE)) {
		loaded_path(f, r->from, to);
		if (nsym__win_fault_add(r->list, f) != 0)
			r->oom = true;
	}
	r->open = false;
	memset(r->sigs, 0, sizeof(r->sigs));
	r->nnamed = 0;
}

static void start(struct wer_reader *r, const char *at)
{
	finish(r, at);
	nsym__win_fault_init(&r->cur, (size_t)(at - r->text), record);
	r->open = true;
	r->from = at;
}

/* The English names the Reliability Monitor gives the fields read. */
static const char *const monitor_names[] = {
    "Application Name:", "Fault Module Name:",    "Fault Module Timestamp:",    "Exception Code:",
    "Exception Offset:", "Faulting Module Name:", "Faulting Module Timestamp:",
};

/* "Sig[N].Name=" / "Sig[N].Value=" at p: N, or -1. *value says which. */
static int sig_index(const char *p, const char *e, bool *value, const char **rest)
{
	size_t i = 4, n = 0;

	if (e - p < 5 || memcmp(p, "Sig[", 4) != 0)
		return -1;
	while (p + i < e && p[i] >= '0' && p[i] <= '9' && i < 7)
		n = n * 10 + (size_t)(p[i++] - '0');
	if (i == 4 || p + i >= e || p[i] != ']' || n >= MAX_SIG)
		return -1;
	i++;
	if ((size_t)(e - p) >= i + 6 && memcmp(p + i, ".Name=", 6) == 0) {
		*value = false;
		*rest = p + i + 6;
	} else if ((size_t)(e - p) >= i + 7 && memcmp(p + i, ".Value=", 7) == 0) {
		*value = true;
		*rest = p + i + 7;
	} else {
		return -1;
	}
	return (int)n;
}

/* "P4: addon.node" (event 1001): N-1, or -1. */
static int p_index(const char *p, const char *e, const char **rest)
{
	size_t n = 0, i = 1;

	if (e - p < 3 || p[0] != 'P')
		return -1;
	while (p + i < e && p[i] >= '0' && p[i] <= '9' && i < 3)
		n = n * 10 + (size_t)(p[i++] - '0');
	if (i == 1 || p + i >= e || p[i] != ':' || n == 0 || n > MAX_SIG)
		return -1;
	*rest = p + i + 1;
	return (int)n - 1;
}

/* s[0..) starts with word, compared without regard to case: its end. */
static const char *after(const char *p, const char *e, const char *word)
{
	size_t n = strlen(word);
	return (size_t)(e - p) >= n && nsym__win_same(p, n, word) ? p + n : NULL;
}

static void wer_line(struct wer_reader *r, const char *s, const char *e)
{
	const char *p = s, *rest;
	bool value = false;
	int i;

	/* past a quote and indentation */
	while (p < e && (*p == ' ' || *p == '\t' || *p == '>'))
		p++;
	if ((rest = after(p, e, "EventType=")) != NULL ||
	    (rest = after(p, e, "Event Name:")) != NULL ||
	    (rest = after(p, e, "Problem Event Name:")) != NULL) {
		if (!r->open || r->cur.event[0] != '\0')
			start(r, p);
		nsym__win_copy(r->cur.event, sizeof(r->cur.event), rest, (size_t)(e - rest));
		return;
	}
	if (after(p, e, "Version=") != NULL) { /* the first line of a Report.wer */
		start(r, p);
		return;
	}
	if ((i = sig_index(p, e, &value, &rest)) >= 0 || (i = p_index(p, e, &rest)) >= 0) {
		struct sig *sg;
		if (!r->open)
			start(r, p);
		sg = &r->sigs[i];
		if (rest[-1] == '=' && !value) {
			nsym__win_copy(sg->name, sizeof(sg->name), rest, (size_t)(e - rest));
			sg->has_name = true;
		} else {
			sg->value = rest;
			sg->len = (size_t)(e - rest);
			sg->has_value = true;
		}
		return;
	}
	if ((rest = after(p, e, "NsAppName=")) != NULL && r->open) {
		nsym__win_copy(r->cur.app, sizeof(r->cur.app), rest, (size_t)(e - rest));
		return;
	}
	for (size_t k = 0; r->open && k < sizeof(monitor_names) / sizeof(monitor_names[0]); k++) {
		if ((rest = after(p, e, monitor_names[k])) != NULL && r->nnamed < MAX_SIG) {
			struct sig *sg = &r->named[r->nnamed++];
			nsym__win_copy(sg->name, sizeof(sg->name), p, (size_t)(rest - p - 1));
			sg->value = rest;
			sg->len = (size_t)(e - rest);
			return;
		}
	}
}

int nsym__win_wer(struct nsym__win_faults *list, const char *text, size_t len)
{
	struct wer_reader r = {.list = list, .text = text};
	const char *p = text, *end = text + len;

	while (p < end && !r.oom) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl != NULL ? nl : end;
		const char *q = e;
		while (q > p && q[-1] == '\r')
			q--;
		wer_line(&r, p, q);
		p = e + (nl != NULL);
	}
	finish(&r, end);
	return r.oom ? NSYM_ENOMEM : 0;
}
