/*
 * Which reader reads an input (napi_symbols_report.h), told from the text
 * itself: an Apple .ips crash report when a line holds its metadata object
 * with the report after it; a report when the text is a JSON object; else
 * the compact traces in it and the text crash reports of macOS (a
 * "Thread N Crashed:" line), or when there are neither, the faults Windows
 * recorded (Event Viewer, WER) and the stacks common tools print; then its
 * Rust backtraces when maps place them. Text in UTF-16 (a Report.wer) is
 * read as UTF-8. Text with no
 * crash that can be read is told what it lacks, given what the readers saw
 * in it, since "no crash" alone does not say that RUST_BACKTRACE=1 or a
 * missing maps file is why.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "report.h"

#define WARN_UNUSED "inputs not used"
#define WARN_READ   "warnings about the crash reports"

/* The whole input, as the caller names it. */
struct reading {
	const struct nsym_report_input *in;
	nsym_report_warn_fn *warn;
	void *ctx;
};

/* A report; a damaged one that quotes a compact trace gives that. */
static int read_report(struct nsym_crash **out, size_t *n, const struct reading *rd)
{
	const struct nsym_report_input *in = rd->in;
	struct nsym_crash *c = calloc(1, sizeof(*c));
	char err[512];
	int rc;

	if (c == NULL)
		return nsym__fail(NSYM_ENOMEM, NULL, NULL);
	if ((rc = nsym_crash_from_report(c, in->text, in->len)) == 0) {
		if (in->maps != NULL)
			nsym__report_warn(rd->warn, rd->ctx, WARN_UNUSED,
			                  "the maps %s are not used: %s is a crash report",
			                  in->maps_name, in->name);
		*out = c;
		*n = 1;
		return 0;
	}
	snprintf(err, sizeof(err), "%s", nsym_error_detail());
	nsym_crash_release(c);
	free(c);
	if (rc == NSYM_ENOMEM)
		return nsym__fail(NSYM_ENOMEM, NULL, NULL);
	rc = nsym_crash_from_text(out, n, in->text, in->len, rd->warn, rd->ctx);
	if (rc == 0 && *n > 0)
		return 0;
	return rc != 0 ? rc : nsym__fail(NSYM_EINVAL, NULL, "%s: %s", in->name, err);
}

/* The count crashes of more after the *n of *out; more is freed. */
static int append(struct nsym_crash **out, size_t *n, struct nsym_crash *more, size_t count)
{
	struct nsym_crash *all;

	if (count == 0) {
		free(more);
		return 0;
	}
	if ((all = realloc(*out, (*n + count) * sizeof(*all))) == NULL) {
		nsym_crashes_free(more, count);
		return nsym__fail(NSYM_ENOMEM, NULL, NULL);
	}
	memcpy(all + *n, more, count * sizeof(*more));
	free(more);
	*out = all;
	*n += count;
	return 0;
}

/* The text crash reports of macOS in the text, after *out's *n crashes. */
static int read_apple_crash(struct nsym_crash **out, size_t *n, const struct reading *rd)
{
	struct nsym_crash *more = NULL;
	size_t count = 0;
	int rc = nsym_crash_from_apple_crash(&more, &count, rd->in->text, rd->in->len, rd->warn,
	                                     rd->ctx);

	if (rc != 0) {
		nsym_crashes_free(more, count);
		return rc;
	}
	return append(out, n, more, count);
}

/* The stacks common tools print, after *out's *n crashes. */
static int read_tools(struct nsym_crash **out, size_t *n, const struct reading *rd)
{
	struct nsym_crash *more = NULL;
	size_t count = 0;
	int rc = nsym_crash_from_tools(&more, &count, rd->in->text, rd->in->len, rd->warn, rd->ctx);

	if (rc != 0) {
		nsym_crashes_free(more, count);
		return rc;
	}
	return append(out, n, more, count);
}

/* An .ips crash report. A damaged one is refused, naming what is wrong,
 * unless the text also holds the translated report Console shows above
 * it: that is read instead. */
static int read_ips(struct nsym_crash **out, size_t *n, const struct reading *rd)
{
	const struct nsym_report_input *in = rd->in;
	struct nsym_crash *c = calloc(1, sizeof(*c));
	char err[512];
	int rc;

	if (c == NULL)
		return nsym__fail(NSYM_ENOMEM, NULL, NULL);
	if ((rc = nsym_crash_from_ips(c, in->text, in->len, rd->warn, rd->ctx)) == 0) {
		if (in->maps != NULL)
			nsym__report_warn(rd->warn, rd->ctx, WARN_UNUSED,
			                  "the maps %s are not used: %s is an .ips crash report",
			                  in->maps_name, in->name);
		*out = c;
		*n = 1;
		return 0;
	}
	snprintf(err, sizeof(err), "%s", nsym_error_detail());
	nsym_crash_release(c);
	free(c);
	if (rc != NSYM_EINVAL)
		return rc;
	if (nsym__apple_crash_found(in->text, in->len)) {
		nsym__report_warn(rd->warn, rd->ctx, WARN_READ,
		                  "%s: %s; reading the translated report above it instead",
		                  in->name, err);
		if ((rc = read_apple_crash(out, n, rd)) != 0 || *n > 0)
			return rc;
	}
	return nsym__fail(NSYM_EINVAL, NULL, "%s: %s", in->name, err);
}

/* Why text with no crash that can be read says nothing, given what the
 * Rust reader saw in it. */
static int none(const struct nsym_report_input *in, const struct nsym_rust_scan *scan, size_t nrust)
{
	if (nrust > 0 && in->maps == NULL)
		return nsym__fail(
		    NSYM_EINVAL, NULL,
		    "%s holds a Rust backtrace (RUST_BACKTRACE=full) but no compact "
		    "trace: its addresses are absolute, give the process's memory map "
		    "with %s (/proc/PID/maps saved while it ran)",
		    in->name, in->maps_how);
	if (scan->short_backtraces > 0)
		return nsym__fail(NSYM_EINVAL, NULL,
		                  "%s holds a Rust backtrace without addresses (RUST_BACKTRACE=1): "
		                  "run the program again with RUST_BACKTRACE=full",
		                  in->name);
	if (scan->panics > 0)
		return nsym__fail(NSYM_EINVAL, NULL,
		                  "%s holds a Rust panic but no backtrace: run the program again "
		                  "with RUST_BACKTRACE=full",
		                  in->name);
	return nsym__fail(NSYM_EINVAL, NULL,
	                  "%s holds no crash report (napi-symbols' JSON, a macOS .ips or "
	                  ".crash, a Windows Application Error event or WER report), no "
	                  "compact trace (lines with "
	                  "'napi-symbols: crash v1' or 'napi-symbols: panic v1'), no "
	                  "stack of a tool it reads (gdb, lldb, WinDbg, ASan, valgrind, "
	                  "segfault-handler, systemd-coredump, ...)%s",
	                  in->name,
	                  in->maps != NULL ? " and no Rust backtrace ('stack backtrace:' then "
	                                     "frames with addresses)"
	                                   : "");
}

/* Gives the Rust backtraces their modules with the maps. */
static int place(struct nsym_crash *rust, size_t nrust, const struct reading *rd)
{
	const struct nsym_report_input *in = rd->in;
	nsym_maps *maps = NULL;
	char why[256];
	int rc;

	if (in->maps_len == 0)
		/* what fs.copyFileSync makes of a /proc file, whose size reads as 0 */
		return nsym__fail(NSYM_EINVAL, NULL,
		                  "%s is empty: save the maps with "
		                  "fs.writeFileSync(FILE, fs.readFileSync('/proc/self/maps')) "
		                  "(fs.copyFileSync copies /proc files as empty)",
		                  in->maps_name);
	rc = nsym_maps_parse(&maps, in->maps, in->maps_len, rd->warn, rd->ctx);
	if (rc == NSYM_EINVAL) {
		/* a copy: the detail is rewritten by the failure that quotes it */
		snprintf(why, sizeof(why), "%s", nsym_error_detail());
		return nsym__fail(NSYM_EINVAL, NULL, "%s is not a copy of /proc/PID/maps: %s",
		                  in->maps_name, why);
	}
	if (rc == 0)
		rc = nsym_maps_place(rust, nrust, maps, rd->warn, rd->ctx);
	if (rc != 0)
		rc = nsym__fail(NSYM_ENOMEM, NULL, "out of memory placing the frames");
	nsym_maps_free(maps);
	return rc;
}

/* The Rust backtraces of the text after its compact traces (*out, *n),
 * when the maps give their modules. */
static int read_rust(struct nsym_crash **out, size_t *n, const struct reading *rd)
{
	const struct nsym_report_input *in = rd->in;
	struct nsym_crash *rust = NULL;
	struct nsym_rust_scan scan;
	size_t nrust = 0;
	int rc = nsym_crash_from_rust(&rust, &nrust, &scan, in->text, in->len, rd->warn, rd->ctx);

	if (rc != 0)
		goto out;
	if (nrust == 0 || (in->maps == NULL && !in->keep_unplaced)) {
		/* without maps this runs only when there is no compact trace */
		rc = *n > 0 ? 0 : none(in, &scan, nrust);
		goto out;
	}
	if (in->maps != NULL && (rc = place(rust, nrust, rd)) != 0)
		goto out;
	rc = append(out, n, rust, nrust);
	rust = NULL;
	nrust = 0;
out:
	nsym_crashes_free(rust, nrust);
	return rc;
}

static int read_any(struct nsym_crash **out, size_t *n, const struct reading *rd)
{
	const struct nsym_report_input *in = rd->in;
	size_t skip = 0;
	bool tools = false;
	int rc;

	while (skip < in->len && strchr(" \t\r\n", in->text[skip]) != NULL &&
	       in->text[skip] != '\0')
		skip++;
	if (nsym__ips_found(in->text, in->len))
		return read_ips(out, n, rd);
	if (skip < in->len && in->text[skip] == '{')
		return read_report(out, n, rd);
	if ((rc = nsym_crash_from_text(out, n, in->text, in->len, rd->warn, rd->ctx)) != 0)
		return rc;
	if (nsym__apple_crash_found(in->text, in->len) && (rc = read_apple_crash(out, n, rd)) != 0)
		return rc;
	if (*n == 0) { /* neither: Windows' crash records, the stacks common tools print */
		free(*out);
		*out = NULL;
		if ((rc = nsym_crash_from_windows(out, n, in->text, in->len, rd->warn, rd->ctx)) !=
		        0 ||
		    (rc = read_tools(out, n, rd)) != 0)
			return rc;
		tools = true;
	}
	/* a Rust backtrace beside a tool's stack is read too */
	if (in->maps == NULL && *n > 0 && !tools)
		return 0;
	return read_rust(out, n, rd);
}

int nsym_report_read(struct nsym_crash **out, size_t *count, const struct nsym_report_input *input,
                     const struct nsym_report_options *options)
{
	struct nsym_report_input in = *input;
	const struct reading rd = {&in, options != NULL ? options->warn : NULL,
	                           options != NULL ? options->ctx : NULL};
	char *utf8 = NULL;
	size_t utf8_len = 0;
	int rc;

	if (in.name == NULL)
		in.name = "the input";
	if (in.maps_name == NULL)
		in.maps_name = "the maps";
	if (in.maps_how == NULL)
		in.maps_how = "the maps";

	*out = NULL;
	*count = 0;
	/* a Report.wer, or a log Windows PowerShell redirected: UTF-16 */
	if ((rc = nsym__report_utf8(&utf8, &utf8_len, in.text, in.len)) != 0)
		return rc;
	if (utf8 != NULL) {
		in.text = utf8;
		in.len = utf8_len;
	}
	if ((rc = read_any(out, count, &rd)) != 0) {
		nsym_crashes_free(*out, *count);
		*out = NULL;
		*count = 0;
	}
	free(utf8);
	return rc;
}
