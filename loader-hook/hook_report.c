/*
 * hook_report.c: the crash report file and the compact trace on stderr, in
 * the formats of docs/crash-report.md (version 1). Both are written from the
 * signal handler, so everything goes through hook_out and open(2)/write(2).
 */
#include "hook.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define TRACE_FRAMES_PER_LINE 8 /* keeps an `f` line under 200 characters */
#define TRACE_NAME_MAX        100
#define REPORT_NAME_TRIES     16  /* names tried in one second before giving up */
#define TRACE_MESSAGE_MAX     120 /* bytes of a panic message in the trace */

/* The buffer both writers use; only the thread holding the crash latch runs them. */
static struct hook_out out;

static const char *signal_name(int sig)
{
	switch (sig) {
	case SIGSEGV:
		return "SIGSEGV";
	case SIGBUS:
		return "SIGBUS";
	case SIGILL:
		return "SIGILL";
	case SIGFPE:
		return "SIGFPE";
	case SIGABRT:
		return "SIGABRT";
	case SIGTRAP:
		return "SIGTRAP";
	}
	return "SIG?";
}

static const char *arch_name(void)
{
#if defined(__x86_64__)
	return "x86_64";
#elif defined(__aarch64__)
	return "aarch64";
#else
	return "unknown";
#endif
}

static void out_id(struct hook_out *o, const struct hook_module *m)
{
	for (size_t i = 0; i < m->id_len; i++) {
		char hex[2] = {"0123456789abcdef"[m->id[i] >> 4],
		               "0123456789abcdef"[m->id[i] & 15]};
		hook_out_mem(o, hex, 2);
	}
}

/* YYYYMMDDTHHMMSSZ for the file name, YYYY-MM-DDTHH:MM:SSZ for the report. */
static void out_time(struct hook_out *o, int64_t t, int iso)
{
	unsigned p[6];
	hook_time_parts(t, p);
	hook_out_dec(o, p[0]);
	for (int i = 1; i < 6; i++) {
		if (iso)
			hook_out_str(o, i < 3 ? "-" : i == 3 ? "T" : ":");
		else if (i == 3)
			hook_out_str(o, "T");
		hook_out_pad2(o, p[i]);
	}
	hook_out_str(o, "Z");
}

/* napi-crash-PID-TIME.json, or napi-crash-PID-TIME-SEQ.json for the SEQth
 * report of the same second (panics reported as they are raised). */
static void set_report_name(struct hook_crash *c, int seq)
{
	struct hook_out name = {.fd = -1};
	hook_out_str(&name, "napi-crash-");
	hook_out_dec(&name, c->pid);
	hook_out_str(&name, "-");
	out_time(&name, c->time, 0);
	if (seq > 0) {
		hook_out_str(&name, "-");
		hook_out_dec(&name, seq);
	}
	hook_out_str(&name, ".json");
	memcpy(c->report_name, name.buf, name.len);
	c->report_name[name.len] = '\0';
}

static int open_report_as(struct hook_crash *c, const char *dir)
{
	struct hook_out path = {.fd = -1};
	/* hook_out drops what overflows its buffer when it has no fd, so a
	 * path that does not fit would come out as its tail, a relative name */
	if (strlen(dir) + 1 + strlen(c->report_name) + 1 > sizeof(path.buf))
		return -1;
	hook_out_str(&path, dir);
	hook_out_str(&path, "/");
	hook_out_str(&path, c->report_name);
	hook_out_mem(&path, "", 1);
	if (path.len > sizeof(c->report_path))
		return -1;
	memcpy(c->report_path, path.buf, path.len);
	return open(c->report_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
}

static int open_report(struct hook_crash *c, const char *dir)
{
	int fd = -1;
	if (!dir[0])
		return -1;
	for (int seq = 0; fd < 0 && seq < REPORT_NAME_TRIES; seq++) {
		set_report_name(c, seq);
		fd = open_report_as(c, dir);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	return fd;
}

static void write_reason(struct hook_out *o, const struct hook_crash *c)
{
	if (c->panic) {
		hook_out_str(o, "\"reason\": \"panic\",\n \"panic\": {\"message\": ");
		hook_out_json(o, c->panic_message);
		if (c->panic_file[0]) {
			hook_out_str(o, ", \"file\": ");
			hook_out_json(o, c->panic_file);
			hook_out_str(o, ", \"line\": ");
			hook_out_dec(o, c->panic_line);
			hook_out_str(o, ", \"column\": ");
			hook_out_dec(o, c->panic_column);
		}
		hook_out_str(o, "},\n \"pid\": ");
		return;
	}
	hook_out_str(o, "\"reason\": \"signal\",\n \"signal\": {\"number\": ");
	hook_out_dec(o, c->signo);
	hook_out_str(o, ", \"name\": \"");
	hook_out_str(o, signal_name(c->signo));
	hook_out_str(o, "\", \"code\": ");
	hook_out_dec(o, c->code);
	hook_out_str(o, ", \"address\": \"");
	hook_out_hex(o, c->addr, 1);
	hook_out_str(o, "\"},\n \"pid\": ");
}

static void write_registers(struct hook_out *o, const struct hook_crash *c)
{
	if (c->nregs == 0)
		return;
	hook_out_str(o, " \"registers\": {");
	for (size_t i = 0; i < c->nregs; i++) {
		hook_out_str(o, i ? ", \"" : "\"");
		hook_out_str(o, c->reg_names[i]);
		hook_out_str(o, "\": \"");
		hook_out_hex(o, c->regs[i], 1);
		hook_out_str(o, "\"");
	}
	hook_out_str(o, "},\n");
}

static void write_header(struct hook_out *o, const struct hook_crash *c)
{
	char version[32];
	hook_out_str(o, "{\"format\": \"napi-symbols-crash\", \"version\": 1, ");
	write_reason(o, c);
	hook_out_dec(o, c->pid);
	hook_out_str(o, ", \"tid\": ");
	hook_out_dec(o, c->tid);
	hook_out_str(o, ", \"thread_name\": ");
	hook_out_json(o, c->thread_name);
	hook_out_str(o, ", \"time\": \"");
	out_time(o, c->time, 1);
	hook_out_str(o, "\",\n \"arch\": \"");
	hook_out_str(o, arch_name());
	hook_out_str(o, "\", \"node\": {\"version\": \"");
	if (hook_node_version(version, sizeof(version)) > 0)
		hook_out_str(o, version);
	/* what a linked addon asked Node for wins over what the metadata says */
	hook_out_str(o, "\", \"napi\": ");
	hook_out_dec(o, hook_settings.napi_version ? hook_settings.napi_version : hook_node_napi());
	hook_out_str(o, "},\n");
	write_registers(o, c);
}

static void write_module(struct hook_out *o, const struct hook_modtab *t, size_t i)
{
	const struct hook_module *m = &t->mods[i];
	hook_out_str(o, i ? ",\n  {\"path\": " : "\n  {\"path\": ");
	hook_out_json(o, hook_module_path(t, (int)i));
	hook_out_str(o, ", \"id\": \"");
	out_id(o, m);
	hook_out_str(o, m->id_len ? "\", \"id_kind\": \"build-id\"" : "\", \"id_kind\": \"none\"");
	hook_out_str(o, ", \"base\": \"");
	hook_out_hex(o, m->base, 1);
	hook_out_str(o, "\", \"ranges\": [");
	for (size_t r = 0; r < m->nranges; r++) {
		hook_out_str(o, r ? ", [\"" : "[\"");
		hook_out_hex(o, m->ranges[r][0], 1);
		hook_out_str(o, "\", \"");
		hook_out_hex(o, m->ranges[r][1], 1);
		hook_out_str(o, "\"]");
	}
	hook_out_str(o, "]}");
}

static void write_frames(struct hook_out *o, const struct hook_crash *c)
{
	hook_out_str(o, " \"frames\": [");
	for (size_t i = 0; i < c->nframes; i++) {
		int m = hook_modules_find(c->modules, c->pcs[i]);
		hook_out_str(o, i ? ",\n  {\"pc\": \"" : "\n  {\"pc\": \"");
		hook_out_hex(o, c->pcs[i], 1);
		hook_out_str(o, "\", \"module\": ");
		hook_out_dec(o, m);
		if (m >= 0) {
			hook_out_str(o, ", \"rel\": \"");
			hook_out_hex(o, c->pcs[i] - c->modules->mods[m].base, 1);
			hook_out_str(o, "\"");
		}
		/* A panic's frames were all taken from calls; a signal's first is the fault. */
		hook_out_str(o, i || c->panic ? ", \"return_address\": true}"
		                              : ", \"return_address\": false}");
	}
	hook_out_str(o, "]}\n");
}

/* The report in dir: 0, or -1 with no file left behind. A full disk shows
 * as a short write, a remote or failing one at fsync or close; a report cut
 * short would read as damaged JSON, and an empty one as nothing, so either
 * is removed and the trace names no report. */
static int write_report_in(struct hook_crash *c, const char *dir)
{
	int fd = open_report(c, dir), failed;

	if (fd < 0)
		return -1;
	out.fd = fd;
	out.len = 0;
	out.failed = 0;
	write_header(&out, c);
	hook_out_str(&out, " \"modules\": [");
	for (size_t i = 0; c->modules && i < c->modules->count; i++)
		write_module(&out, c->modules, i);
	hook_out_str(&out, "],\n");
	write_frames(&out, c);
	hook_out_flush(&out);
	/* EINVAL, EROFS: a file that cannot be synced, nothing lost */
	failed = out.failed || (fsync(fd) != 0 && errno != EINVAL && errno != EROFS);
	/* on Linux the descriptor is closed even when close answers EINTR */
	failed |= close(fd) != 0 && errno != EINTR;
	out.fd = -1;
	if (!failed)
		return 0;
	unlink(c->report_path);
	return -1;
}

int hook_report_write(struct hook_crash *c)
{
	if (write_report_in(c, hook_settings.report_dir) == 0 ||
	    write_report_in(c, hook_settings.tmp_dir) == 0)
		return 0;
	c->report_path[0] = '\0';
	return -1;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* `napi-symbols: mN ID NAME` for each module the frames use, in first-use order. */
static void trace_modules(struct hook_out *o, const struct hook_crash *c, int *order)
{
	int used = 0;
	for (size_t i = 0; i < c->nframes; i++) {
		int m = hook_modules_find(c->modules, c->pcs[i]);
		int seen = 0;
		const char *name;
		for (int j = 0; j < used && !seen; j++)
			seen = order[j] == m;
		if (m < 0 || seen)
			continue;
		order[used] = m;
		hook_out_str(o, "napi-symbols: m");
		hook_out_dec(o, used++);
		hook_out_str(o, " ");
		if (c->modules->mods[m].id_len)
			out_id(o, &c->modules->mods[m]);
		else
			hook_out_str(o, "-");
		hook_out_str(o, " ");
		name = base_name(hook_module_path(c->modules, m));
		hook_out_mem(o, name, strnlen(name, TRACE_NAME_MAX));
		hook_out_str(o, "\n");
	}
	order[used] = -2; /* the end of the list */
}

static void trace_frame(struct hook_out *o, const struct hook_crash *c, const int *order, size_t i)
{
	int m = hook_modules_find(c->modules, c->pcs[i]);
	int n = 0;
	while (m >= 0 && order[n] != m)
		n++;
	if (m >= 0) {
		hook_out_str(o, "m");
		hook_out_dec(o, n);
		hook_out_str(o, "+");
		hook_out_hex(o, c->pcs[i] - c->modules->mods[m].base, 0);
	} else {
		hook_out_str(o, "?+");
		hook_out_hex(o, c->pcs[i], 0);
	}
	if (i == 0 && !c->panic)
		hook_out_str(o, "!");
}

/* The message JSON-escaped (a newline becomes \n: one line), cut to
 * TRACE_MESSAGE_MAX bytes at a character boundary. */
static void trace_message(struct hook_out *o, const char *msg)
{
	char cut[TRACE_MESSAGE_MAX + 1];
	size_t n = strnlen(msg, TRACE_MESSAGE_MAX);
	while (n > 0 && msg[n] && ((unsigned char)msg[n] & 0xc0) == 0x80)
		n--; /* not inside a UTF-8 sequence */
	memcpy(cut, msg, n);
	cut[n] = '\0';
	hook_out_json(o, cut);
}

/* `crash v1 SIGNAL at ADDR` or `panic v1 "MESSAGE" at FILE:LINE:COLUMN`. */
static void trace_header(struct hook_out *o, const struct hook_crash *c)
{
	if (!c->panic) {
		hook_out_str(o, "napi-symbols: crash v1 ");
		hook_out_str(o, signal_name(c->signo));
		hook_out_str(o, " at ");
		hook_out_hex(o, c->addr, 1);
		return;
	}
	hook_out_str(o, "napi-symbols: panic v1 ");
	trace_message(o, c->panic_message);
	if (c->panic_file[0]) {
		const char *file = c->panic_file;
		size_t n = strlen(file);
		/* A long path keeps its end, where the crate's own part is. */
		if (n > TRACE_NAME_MAX)
			file += n - TRACE_NAME_MAX;
		hook_out_str(o, " at ");
		hook_out_str(o, file);
		hook_out_str(o, ":");
		hook_out_dec(o, c->panic_line);
		hook_out_str(o, ":");
		hook_out_dec(o, c->panic_column);
	}
}

/* The trace from its first line to its end line. */
static void trace_body(const struct hook_crash *c)
{
	int order[HOOK_MAX_FRAMES + 1];
	trace_header(&out, c);
	hook_out_str(&out, " (pid ");
	hook_out_dec(&out, c->pid);
	hook_out_str(&out, ", tid ");
	hook_out_dec(&out, c->tid);
	hook_out_str(&out, ")");
	if (c->report_path[0]) {
		hook_out_str(&out, " report ");
		hook_out_str(&out, c->report_name);
	}
	hook_out_str(&out, "\n");
	trace_modules(&out, c, order);
	for (size_t i = 0; i < c->nframes; i++) {
		hook_out_str(&out, i % TRACE_FRAMES_PER_LINE ? " " : "napi-symbols: f ");
		trace_frame(&out, c, order, i);
		if (i % TRACE_FRAMES_PER_LINE == TRACE_FRAMES_PER_LINE - 1 || i + 1 == c->nframes)
			hook_out_str(&out, "\n");
	}
	hook_out_str(&out, "napi-symbols: end\n");
}

void hook_trace_write(int fd, const struct hook_crash *c)
{
	out.fd = fd;
	out.len = 0;
	out.encode = 0;
	trace_body(c);
	/* the same trace as one link to the server's page, which symbolicates
	 * it: one line to paste into an issue */
	if (hook_settings.server[0]) {
		hook_out_str(&out, "symbolicated: ");
		hook_out_str(&out, hook_settings.server);
		hook_out_str(&out, "/?trace=");
		out.encode = 1;
		trace_body(c);
		out.encode = 0;
		hook_out_str(&out, "\n");
	}
	if (c->report_path[0]) {
		hook_out_str(&out, "crash report: ");
		hook_out_str(&out, c->report_path);
		hook_out_str(&out, "\n");
	}
	hook_out_flush(&out);
}
