/*
 * A symbolicated crash as text or JSON (napi_symbols_report.h), written
 * into the stream the caller gives: the CLI's stdout, the server's memory
 * stream. The text reads like llvm-symbolizer's ("function at
 * file:line:column", "(inlined by)"), with where the frame is in its module
 * and why it is unresolved; the JSON holds the same, with the frames as
 * `symbolize --json` writes them. Strings from the crash are written as
 * the readers sanitised them, and in JSON through the one escaper.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "napi_symbols_util.h"
#include "report.h"

static bool json(const struct nsym__report_run *r)
{
	return (r->o->flags & NSYM_REPORT_JSON) != 0;
}

static const char *base_name(const char *path)
{
	const char *slash = path != NULL ? strrchr(path, '/') : NULL;
	return slash != NULL ? slash + 1 : path;
}

static const char *shown_file(const struct nsym__report_run *r, const char *file)
{
	return (r->o->flags & NSYM_REPORT_BASENAMES) != 0 ? base_name(file) : file;
}

/* A native addon's own module rather than node's or the system's. */
static bool is_addon(const struct nsym_crash_module *m)
{
	size_t len = m->path != NULL ? strlen(m->path) : 0;
	return m->path != NULL && (strstr(m->path, "node_modules") != NULL ||
	                           (len >= 5 && strcmp(m->path + len - 5, ".node") == 0));
}

/* Why frame i is unresolved, or why only a symbol table answers; "". */
static const char *why(const struct nsym__report_run *r, size_t i)
{
	const struct nsym_crash_frame *f = &r->c->frames[i];

	if (f->module < 0) /* a tool's own answer may name none */
		return f->why != NULL ? f->why : "not in a module";
	return f->why != NULL ? f->why : r->slots[f->module].why;
}

/* How the frame's offset was found, as --json says it. */
static const char *how_name(const struct nsym_crash_frame *f)
{
	switch (f->how) {
	case NSYM_OFFSET_SYMBOL:
		return "symbol";
	case NSYM_OFFSET_BASE:
		return "base";
	case NSYM_OFFSET_INFERRED:
		return "inferred";
	case NSYM_OFFSET_GIVEN:
	case NSYM_OFFSET_UNKNOWN:
		break;
	}
	return "given";
}

/* ---- text ------------------------------------------------------------------ */

static void text_reason(const struct nsym__report_run *r, const struct nsym__raised_at *raised)
{
	const struct nsym_crash *c = r->c;
	FILE *out = r->out;

	if (strcmp(c->reason, "panic") == 0) {
		/* a preloaded hook cannot read Rust's payload; Rust printed it */
		fprintf(out, "panic: %s\n",
		        c->panic_message != NULL && c->panic_message[0] != '\0'
		            ? c->panic_message
		            : "(message not captured: Rust printed it on stderr, above the trace)");
		if (c->panic_file != NULL)
			fprintf(out, "  at %s:%" PRIu32 ":%" PRIu32 "\n", c->panic_file,
			        c->panic_line, c->panic_column);
		else if (raised != NULL)
			fprintf(out, "  at %s:%" PRIu32 ":%" PRIu32 " (the raising frame, %s)\n",
			        shown_file(r, raised->file), raised->line, raised->column,
			        raised->function);
	} else if (strcmp(c->reason, "signal") == 0) {
		fprintf(out, "crash: %s",
		        c->signal_name != NULL ? c->signal_name : "a fatal signal");
		if (c->has_address)
			fprintf(out, " at 0x%" PRIx64, c->fault_address);
		fputc('\n', out);
	} else {
		fputs("report (manual)\n", out);
	}
	if (c->pid >= 0 && c->tid >= 0)
		fprintf(out, "pid %lld, tid %lld\n", c->pid, c->tid);
	else if (c->pid >= 0) /* a .crash, or a tool's trace, names no thread id */
		fprintf(out, "pid %lld\n", c->pid);
	if (c->source != NULL)
		fprintf(out, "from: %s\n", c->source);
	if (c->cut)
		fputs("(the trace was cut short: it has no 'end' line, later frames are missing)\n",
		      out);
}

/* Three to a line: 80 columns. */
static void text_registers(const struct nsym__report_run *r)
{
	const struct nsym_crash *c = r->c;

	if (c->nregisters == 0)
		return;
	fputs("registers:", r->out);
	for (size_t i = 0; i < c->nregisters; i++)
		fprintf(r->out, "%s%6s 0x%016" PRIx64, i % 3 == 0 ? "\n " : "  ",
		        c->registers[i].name, c->registers[i].value);
	fputc('\n', r->out);
}

static void text_location(const struct nsym__report_run *r, const struct nsym_frame *f)
{
	if (f->approximate && strcmp(f->file, "??") == 0)
		fprintf(r->out, "%s+0x%" PRIx64, f->function, f->symbol_offset);
	else
		fprintf(r->out, "%s at %s:%" PRIu32 ":%" PRIu32, f->function,
		        shown_file(r, f->file), f->line, f->column);
}

/* The report's own name for a frame, demangled (a Mach-O symbol has one
 * more leading underscore), with its offset when it gives one. */
static void text_symbol(const struct nsym__report_run *r, const struct nsym_crash_frame *f)
{
	const char *name = f->symbol;
	char *d = nsym_demangle(name[0] == '_' && name[1] == '_' ? name + 1 : name);

	fputs(d != NULL ? d : name, r->out);
	if (f->symbol_offset != 0)
		fprintf(r->out, " + %" PRIu64, f->symbol_offset);
	free(d);
}

static void text_frame(const struct nsym__report_run *r, size_t i, const struct nsym_frames *fr)
{
	const struct nsym_crash_frame *f = &r->c->frames[i];
	const struct nsym_crash_module *m = f->module >= 0 ? &r->c->modules[f->module] : NULL;
	const char *w = why(r, i);
	bool named = fr->count > 0 && strcmp(fr->frames[0].function, "??") != 0;

	fprintf(r->out, "#%zu ", i);
	if (named)
		text_location(r, &fr->frames[0]);
	else if (f->symbol != NULL && strcmp(f->symbol, "<unknown>") != 0 &&
	         (m == NULL || !is_addon(m)))
		/* what the report says, for want of better; not for an addon,
		 * whose stripped frames a report names after the nearest export */
		text_symbol(r, f);
	else
		fputs("??", r->out);
	if (m == NULL) {
		if (f->pc != 0 || f->why == NULL) /* a tool may give no address */
			fprintf(r->out, " at 0x%" PRIx64, f->pc);
	} else if (!nsym__crash_frame_placed(f) && f->pc == 0) /* a tool's symbol + offset */
		fprintf(r->out, " in %s%s", nsym__crash_module_name(m),
		        is_addon(m) ? " [addon]" : "");
	else if (!nsym__crash_frame_placed(f))
		fprintf(r->out, " in %s at 0x%" PRIx64 "%s", nsym__crash_module_name(m), f->pc,
		        is_addon(m) ? " [addon]" : "");
	else
		fprintf(r->out, " in %s+0x%" PRIx64 "%s", nsym__crash_module_name(m), f->rel,
		        is_addon(m) ? " [addon]" : "");
	if (w[0] != '\0')
		fprintf(r->out, " (%s%s)", named ? "symbol table only: " : "", w);
	fputc('\n', r->out);
	for (size_t k = 1; k < fr->count; k++) {
		fputs("    (inlined by) ", r->out);
		text_location(r, &fr->frames[k]);
		fputc('\n', r->out);
	}
}

/* ---- JSON ------------------------------------------------------------------ */

static void json_registers(const struct nsym__report_run *r)
{
	const struct nsym_crash *c = r->c;

	if (c->nregisters == 0)
		return;
	fputs(", \"registers\": {", r->out);
	for (size_t i = 0; i < c->nregisters; i++) {
		fputs(i > 0 ? ", " : "", r->out);
		nsym_json_string(r->out, c->registers[i].name);
		fprintf(r->out, ": \"0x%" PRIx64 "\"", c->registers[i].value);
	}
	fputc('}', r->out);
}

static void json_reason(const struct nsym__report_run *r, const struct nsym__raised_at *raised)
{
	const struct nsym_crash *c = r->c;
	FILE *out = r->out;

	fputs("{\"reason\": ", out);
	nsym_json_string(out, c->reason);
	if (strcmp(c->reason, "signal") == 0) {
		fputs(", \"signal\": {\"name\": ", out);
		nsym_json_string(out, c->signal_name != NULL ? c->signal_name : "");
		if (c->signal_number > 0)
			fprintf(out, ", \"number\": %d", c->signal_number);
		if (c->has_address)
			fprintf(out, ", \"address\": \"0x%" PRIx64 "\"", c->fault_address);
		fputc('}', out);
	} else if (strcmp(c->reason, "panic") == 0) {
		fputs(", \"panic\": {\"message\": ", out);
		nsym_json_string(out, c->panic_message != NULL ? c->panic_message : "");
		if (c->panic_file != NULL) {
			fputs(", \"file\": ", out);
			nsym_json_string(out, c->panic_file);
			fprintf(out, ", \"line\": %" PRIu32 ", \"column\": %" PRIu32, c->panic_line,
			        c->panic_column);
		} else if (raised != NULL) {
			fputs(", \"file\": ", out);
			nsym_json_string(out, shown_file(r, raised->file));
			fprintf(out,
			        ", \"line\": %" PRIu32 ", \"column\": %" PRIu32
			        ", \"from_raising_frame\": true",
			        raised->line, raised->column);
		}
		fputc('}', out);
	}
	if (c->pid >= 0)
		fprintf(out, ", \"pid\": %lld", c->pid);
	if (c->pid >= 0 && c->tid >= 0)
		fprintf(out, ", \"tid\": %lld", c->tid);
	if (c->source != NULL) {
		fputs(", \"source\": ", out);
		nsym_json_string(out, c->source);
	}
	json_registers(r);
	fprintf(out, ", \"cut\": %s, \"frames\": [", c->cut ? "true" : "false");
}

/*
 * A frame's JSON is gathered here and written with one fwrite: a frame
 * was some twenty stdio calls, each taking the stream's lock, and its
 * numbers went through vfprintf, together half of the server's cost of
 * writing an answer (docs/performance.md). What does not fit is written
 * as it comes, so a frame of any size is whole.
 */
struct piece {
	FILE *out;
	size_t len;
	char buf[1024];
};

static void piece_put(void *arg, const char *p, size_t n)
{
	struct piece *w = arg;

	if (n > sizeof(w->buf) - w->len) {
		fwrite(w->buf, 1, w->len, w->out);
		w->len = 0;
		if (n > sizeof(w->buf)) {
			fwrite(p, 1, n, w->out);
			return;
		}
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

static void piece_str(struct piece *w, const char *s)
{
	piece_put(w, s, strlen(s));
}

static void piece_json(struct piece *w, const char *s)
{
	nsym_json_quote(piece_put, w, s);
}

/* v in decimal, or with hex set as "0x" and lowercase hex digits */
static void piece_num(struct piece *w, uint64_t v, bool hex)
{
	char digits[NSYM_NUM_MAX];
	const char *p = nsym_num(digits, v, hex);

	piece_put(w, p, (size_t)(digits + sizeof(digits) - p));
}

/* "0x..." in quotes, as the JSON writes an address */
static void piece_address(struct piece *w, uint64_t v)
{
	piece_put(w, "\"", 1);
	piece_num(w, v, true);
	piece_put(w, "\"", 1);
}

static void piece_bool(struct piece *w, bool v)
{
	piece_str(w, v ? "true" : "false");
}

/* The frames of one address as `symbolize --json` writes them. */
static void json_frames(struct piece *w, const struct nsym__report_run *r,
                        const struct nsym_frames *fr)
{
	piece_put(w, "[", 1);
	for (size_t i = 0; i < fr->count; i++) {
		const struct nsym_frame *f = &fr->frames[i];
		piece_str(w, i > 0 ? ", {\"function\": " : "{\"function\": ");
		piece_json(w, f->function);
		piece_str(w, ", \"file\": ");
		piece_json(w, shown_file(r, f->file));
		piece_str(w, ", \"line\": ");
		piece_num(w, f->line, false);
		piece_str(w, ", \"column\": ");
		piece_num(w, f->column, false);
		piece_str(w, ", \"inlined\": ");
		piece_bool(w, f->inlined);
		if (f->approximate)
			piece_str(w, ", \"approximate\": true");
		/* a mangled name and its function differ at the first byte, mostly:
		 * strcmp's own start cost 3% of a report request */
		if (f->linkage_name != NULL && (f->linkage_name[0] != f->function[0] ||
		                                strcmp(f->linkage_name, f->function) != 0)) {
			piece_str(w, ", \"linkage_name\": ");
			piece_json(w, f->linkage_name);
		}
		piece_put(w, "}", 1);
	}
	piece_put(w, "]", 1);
}

static void json_frame(const struct nsym__report_run *r, size_t i, const struct nsym_frames *fr)
{
	const struct nsym_crash_frame *f = &r->c->frames[i];
	const struct nsym_crash_module *m = f->module >= 0 ? &r->c->modules[f->module] : NULL;
	const char *w = why(r, i);
	struct piece p = {.out = r->out};

	piece_str(&p, i > 0 ? ",\n  {\"module\": " : "\n  {\"module\": ");
	if (m == NULL) {
		piece_str(&p, "null, \"pc\": ");
		piece_address(&p, f->pc);
	} else {
		piece_json(&p, nsym__crash_module_name(m));
		piece_str(&p, ", \"id\": ");
		piece_json(&p, m->id);
		/* what Windows' records give of a PE image instead of its code id */
		if (m->has_timestamp) {
			char ts[16];
			snprintf(ts, sizeof(ts), "%08" PRIx32, m->timestamp);
			piece_str(&p, ", \"pe_timestamp\": \"");
			piece_str(&p, ts);
			piece_put(&p, "\"", 1);
		}
		if (f->pc != 0) {
			piece_str(&p, ", \"pc\": ");
			piece_address(&p, f->pc);
		}
		/* module_offset as Tecken names it; rel is its older name */
		if (nsym__crash_frame_placed(f)) {
			piece_str(&p, ", \"module_offset\": ");
			piece_address(&p, f->rel);
			piece_str(&p, ", \"offset_from\": \"");
			piece_str(&p, how_name(f));
			piece_str(&p, "\", \"rel\": ");
			piece_address(&p, f->rel);
		}
		piece_str(&p, ", \"addon\": ");
		piece_bool(&p, is_addon(m));
	}
	piece_str(&p, ", \"return_address\": ");
	piece_bool(&p, f->return_address);
	piece_str(&p, ", \"frames\": ");
	json_frames(&p, r, fr);
	if (f->symbol != NULL) {
		piece_str(&p, ", \"symbol\": ");
		piece_json(&p, f->symbol);
		if (f->symbol_offset != 0) {
			piece_str(&p, ", \"symbol_offset\": ");
			piece_num(&p, f->symbol_offset, false);
		}
	}
	if (w[0] != '\0') {
		piece_str(&p, ", \"unresolved\": ");
		piece_json(&p, w);
	}
	piece_put(&p, "}", 1);
	fwrite(p.buf, 1, p.len, p.out);
}

/* ---- either ------------------------------------------------------------------ */

void nsym__report_reason(const struct nsym__report_run *r, const struct nsym__raised_at *raised)
{
	if (json(r))
		json_reason(r, raised);
	else
		text_reason(r, raised);
}

void nsym__report_frame(const struct nsym__report_run *r, size_t i, const struct nsym_frames *fr)
{
	if (json(r))
		json_frame(r, i, fr);
	else
		text_frame(r, i, fr);
}

void nsym__report_end(const struct nsym__report_run *r)
{
	if (json(r)) {
		fputs(r->c->nframes > 0 ? "\n]}" : "]}", r->out);
		return;
	}
	if (r->c->nframes == 0)
		fputs("(no frames)\n", r->out);
	text_registers(r);
}

void nsym__report_open(FILE *out, unsigned flags, size_t count)
{
	if ((flags & NSYM_REPORT_JSON) != 0 && count > 1)
		fputc('[', out);
}

void nsym__report_between(FILE *out, unsigned flags, size_t written)
{
	if (written > 0)
		fputs((flags & NSYM_REPORT_JSON) != 0 ? ",\n" : "\n", out);
}

/* An array stays one (of those written) whatever failed; one crash that
 * failed leaves nothing at all. */
void nsym__report_close(FILE *out, unsigned flags, size_t count, size_t written)
{
	if ((flags & NSYM_REPORT_JSON) == 0)
		return;
	if (count > 1)
		fputs("]\n", out);
	else if (written > 0)
		fputc('\n', out);
}
