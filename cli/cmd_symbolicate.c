/*
 * napi-symbols symbolicate: a crash report, or any text holding compact
 * traces (docs/crash-report.md) or, with the process's saved memory map,
 * Rust's RUST_BACKTRACE=full backtraces, back into functions and source
 * lines. Each
 * module's debug file is found by its identity (--module files, the path in
 * the report, the download cache, the servers); every frame that cannot be
 * resolved says why, since "??" alone tells a maintainer nothing.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "commands.h"
#include "debug_fetch.h"
#include "napi_symbols.h"
#include "napi_symbols_report.h"
#include "napi_symbols_util.h"

#define MAX_MODULE_ARGS 64
#define MAX_INPUT       (64u << 20) /* far above any report or pasted issue */
#define WARN_RUN        "warnings about the modules and frames"

const char cmd_symbolicate_usage[] =
    "usage: napi-symbols symbolicate [options] REPORT|-\n"
    "\n"
    "Symbolicates a crash: REPORT is a crash report file (napi-crash-*.json), or\n"
    "any text (a pasted issue, a log; - reads stdin) holding one or more compact\n"
    "traces, the 'napi-symbols: crash v1 ...' lines the hook prints. Everything\n"
    "else in the text is ignored. With --maps, the text may instead hold what\n"
    "Rust prints for a panic under RUST_BACKTRACE=full. Prints the signal or\n"
    "the panic message and location, then the frames innermost first, each as\n"
    "'function at file:line:column in MODULE+0xREL' with its '(inlined by)'\n"
    "frames; [addon] marks the frames of native addons. A frame that cannot be\n"
    "resolved says why. A report of a signal ends with the registers at it.\n"
    "\n"
    "Each module's debug file is found by its identity: a file given with\n"
    "--module, the path in the report when that file is here and is the same\n"
    "build, then the shared download cache (see 'napi-symbols cache'), then\n"
    "the symbol servers; what they send is kept in the cache.\n"
    "\n"
    "Options:\n"
    "      --maps FILE        the process's /proc/PID/maps, saved while it ran\n"
    "                         (in JS: fs.writeFileSync(FILE,\n"
    "                         fs.readFileSync('/proc/self/maps'))): places the\n"
    "                         absolute addresses of a Rust backtrace in the\n"
    "                         files mapped there, read on this machine\n"
    "      --module ID=PATH   the module with identity ID is PATH (the addon,\n"
    "                         its stripped file or its debug file); refused when\n"
    "                         PATH is another build or not a regular file;\n"
    "                         repeatable. PATH alone takes the identity from the\n"
    "                         file\n"
    "      --server URLS      symbol servers to fetch debug files from\n"
    "                         (default NAPI_SYMBOLS_SERVER, else DEBUGINFOD_URLS)\n"
    "      --no-fetch         use no server: local files and the cache only\n"
    "  -s, --basenames        print file names without their directories\n"
    "      --json             print {\"reason\", \"signal\" or \"panic\", \"registers\",\n"
    "                         \"cut\", \"frames\": [{\"module\", \"id\", \"rel\", \"addon\",\n"
    "                         \"frames\": [...as symbolize --json], \"unresolved\"}]}; an\n"
    "                         array of them when the text holds several traces\n"
    "  -h, --help             show this help\n"
    "\n"
    "Why a frame is unresolved: no identity (the module has none), not in a\n"
    "module, no server (none configured, or --no-fetch), no symbols on the\n"
    "server, or the fetch failed (with the error); for a Rust backtrace also a\n"
    "file that is not on this machine, is not a regular file (a FIFO, a device),\n"
    "or was replaced since it was mapped.\n"
    "Exit status: 0 symbolicated (even with unresolved frames); 1 the input\n"
    "cannot be read or holds no crash (the reason is printed); 129 usage error.\n";

struct module_arg {
	char id[NSYM_CRASH_ID_SIZE];
	const char *path;
};

struct symbolicate_opts {
	const char *input;
	const char *maps; /* --maps FILE, or NULL */
	struct module_arg mods[MAX_MODULE_ARGS];
	size_t nmods;
	const char *servers;
	bool no_fetch, json, basenames;
};

/* What became of one module of a crash. */
struct resolved {
	nsym_symbolizer *sym; /* NULL when nothing answers for it */
	char why[640];        /* why it is unresolved, or why only its symbol table answers */
	bool fetch;           /* no debug file yet: ask the cache and servers */
};

/* ---- options ------------------------------------------------------------ */

static int module_option(struct symbolicate_opts *o, const char *arg)
{
	struct module_arg *m = &o->mods[o->nmods];
	const char *eq = strchr(arg, '=');

	if (o->nmods == MAX_MODULE_ARGS)
		return nsym_cli_usage_error("symbolicate", "more than %d --module",
		                            MAX_MODULE_ARGS);
	if (eq != NULL && nsym_crash_id(m->id, arg, (size_t)(eq - arg)) == 0) {
		m->path = eq + 1;
	} else if (nsym_cli_file_id(m->id, sizeof(m->id), arg) == 0) {
		m->path = arg;
	} else {
		nsym_cli_error("--module '%s': not ID=PATH, and no identity can be read from it",
		               arg);
		return NSYM_EXIT_USAGE;
	}
	o->nmods++;
	return 0;
}

static int parse_options(struct symbolicate_opts *o, int argc, char **argv)
{
	enum { OPT_MODULE = 256, OPT_SERVER, OPT_NO_FETCH, OPT_JSON, OPT_MAPS };
	static const struct option longopts[] = {
	    {"module", required_argument, NULL, OPT_MODULE},
	    {"server", required_argument, NULL, OPT_SERVER},
	    {"no-fetch", no_argument, NULL, OPT_NO_FETCH},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"maps", required_argument, NULL, OPT_MAPS},
	    {"basenames", no_argument, NULL, 's'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":s", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_MODULE:
			if (module_option(o, optarg) != 0)
				return NSYM_EXIT_USAGE;
			break;
		case OPT_SERVER:
			o->servers = optarg;
			break;
		case OPT_NO_FETCH:
			o->no_fetch = true;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_MAPS:
			o->maps = optarg;
			break;
		case 's':
			o->basenames = true;
			break;
		case ':':
			return nsym_cli_usage_error("symbolicate", "option '%s' needs a value",
			                            argv[optind - 1]);
		default:
			return nsym_cli_usage_error("symbolicate", "unknown option '%s'",
			                            argv[optind - 1]);
		}
	}
	if (optind + 1 != argc)
		return nsym_cli_usage_error(
		    "symbolicate", optind == argc ? "no report given (a file, or - for stdin)"
		                                  : "one report at a time");
	o->input = argv[optind];
	return 0;
}

/* ---- input ---------------------------------------------------------------- */

/* The whole input, NUL-terminated; NULL with the reason printed. */
static char *read_input(const char *name, size_t *len)
{
	FILE *f = strcmp(name, "-") == 0 ? stdin : fopen(name, "rb");
	size_t cap = 65536, n = 0, got;
	char *buf = NULL, *grown;

	if (f == NULL) {
		nsym_cli_error("cannot open '%s': %m", name);
		return NULL;
	}
	do {
		if (n + 1 >= cap && (cap *= 2) > MAX_INPUT + 1) {
			nsym_cli_error("'%s' is larger than %u MiB: not a report or an issue", name,
			               MAX_INPUT >> 20);
			goto fail;
		}
		if ((grown = realloc(buf, cap)) == NULL) {
			nsym_cli_error("out of memory reading '%s'", name);
			goto fail;
		}
		buf = grown;
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
	} while (got > 0);
	if (ferror(f)) {
		nsym_cli_error("cannot read '%s': %m", name);
		goto fail;
	}
	if (f != stdin)
		fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
fail:
	free(buf);
	if (f != stdin)
		fclose(f);
	return NULL;
}

/* A report file; a damaged one that quotes a compact trace gives that. */
static int load_report(struct nsym_crash **out, size_t *n, const struct symbolicate_opts *o,
                       const char *text, size_t len, struct nsym_cli_warn_kinds *w)
{
	struct nsym_crash *c = calloc(1, sizeof(*c));
	char err[512];
	int rc;

	if (c == NULL)
		return -1;
	if (nsym_crash_from_report(c, text, len) == 0) {
		if (o->maps != NULL)
			nsym_cli_error("warning: --maps is not used: '%s' is a crash report",
			               o->input);
		*out = c;
		*n = 1;
		return 0;
	}
	snprintf(err, sizeof(err), "%s", nsym_error_detail());
	nsym_crash_release(c);
	free(c);
	rc = nsym_crash_from_text(out, n, text, len, nsym_cli_warn_kind, w);
	nsym_cli_warn_kinds_end(w);
	if (rc == 0 && *n > 0)
		return 0;
	nsym_cli_error("'%s': %s", o->input, err);
	return -1;
}

/* Why text with no crash that can be read says nothing, given what the
 * Rust reader saw in it. */
static void explain_none(const struct symbolicate_opts *o, const struct nsym_rust_scan *scan,
                         size_t nrust)
{
	if (nrust > 0 && o->maps == NULL)
		nsym_cli_error("'%s' holds a Rust backtrace (RUST_BACKTRACE=full) but no compact "
		               "trace: its addresses are absolute, give the process's memory map "
		               "with --maps FILE (/proc/PID/maps saved while it ran)",
		               o->input);
	else if (scan->short_backtraces > 0)
		nsym_cli_error("'%s' holds a Rust backtrace without addresses (RUST_BACKTRACE=1): "
		               "run the program again with RUST_BACKTRACE=full",
		               o->input);
	else if (scan->panics > 0)
		nsym_cli_error("'%s' holds a Rust panic but no backtrace: run the program again "
		               "with RUST_BACKTRACE=full",
		               o->input);
	else
		nsym_cli_error("'%s' holds no crash report, no compact trace (lines with "
		               "'napi-symbols: crash v1' or 'napi-symbols: panic v1')%s",
		               o->input,
		               o->maps != NULL ? " and no Rust backtrace ('stack backtrace:' then "
		                                 "frames with addresses)"
		                               : "");
}

/* Gives the Rust backtraces their modules with the --maps file. */
static int place(struct nsym_crash *rust, size_t nrust, const char *maps_file,
                 struct nsym_cli_warn_kinds *w)
{
	nsym_maps *maps = NULL;
	size_t len;
	char *text = read_input(maps_file, &len);
	int rc = -1;

	if (text == NULL)
		return -1;
	if (len == 0) {
		/* what fs.copyFileSync makes of a /proc file, whose size reads as 0 */
		nsym_cli_error("'%s' is empty: save the maps with "
		               "fs.writeFileSync(FILE, fs.readFileSync('/proc/self/maps')) "
		               "(fs.copyFileSync copies /proc files as empty)",
		               maps_file);
		goto out;
	}
	rc = nsym_maps_parse(&maps, text, len, nsym_cli_warn_kind, w);
	nsym_cli_warn_kinds_end(w);
	if (rc != 0) {
		nsym_cli_error("'%s' is not a copy of /proc/PID/maps: %s", maps_file,
		               nsym_error_detail());
		rc = -1;
		goto out;
	}
	rc = nsym_maps_place(rust, nrust, maps, nsym_cli_warn_kind, w);
	nsym_cli_warn_kinds_end(w);
	if (rc != 0)
		nsym_cli_error("out of memory placing the frames");
out:
	nsym_maps_free(maps);
	free(text);
	return rc;
}

/* The Rust backtraces of the text after its compact traces (*out, *n), when
 * --maps gives their modules. -1 with the reason printed. */
static int load_rust(struct nsym_crash **out, size_t *n, const struct symbolicate_opts *o,
                     const char *text, size_t len, struct nsym_cli_warn_kinds *w)
{
	struct nsym_crash *rust = NULL, *all;
	struct nsym_rust_scan scan;
	size_t nrust = 0;
	int rc = nsym_crash_from_rust(&rust, &nrust, &scan, text, len, nsym_cli_warn_kind, w);

	nsym_cli_warn_kinds_end(w);
	if (rc != 0) {
		nsym_cli_error("'%s': %s", o->input, nsym_error_detail());
		rc = -1;
		goto out;
	}
	rc = -1;
	if (nrust == 0 || o->maps == NULL) {
		/* without --maps this runs only when there is no compact trace */
		rc = *n > 0 ? 0 : -1;
		if (rc != 0)
			explain_none(o, &scan, nrust);
		goto out;
	}
	if (place(rust, nrust, o->maps, w) != 0)
		goto out;
	if ((all = realloc(*out, (*n + nrust) * sizeof(*all))) == NULL) {
		nsym_cli_error("out of memory");
		goto out;
	}
	memcpy(all + *n, rust, nrust * sizeof(*rust));
	*out = all;
	*n += nrust;
	nrust = 0;
	rc = 0;
out:
	nsym_crashes_free(rust, nrust);
	return rc;
}

/* Crashes from the input: a report when it looks like JSON, else the
 * compact traces in the text, then its Rust backtraces. */
static int load(struct nsym_crash **out, size_t *n, const struct symbolicate_opts *o,
                const char *text, size_t len, struct nsym_cli_warn_kinds *w)
{
	const char *p = text + strspn(text, " \t\r\n");
	int rc;

	*out = NULL;
	*n = 0;
	if (*p == '{')
		return load_report(out, n, o, text, len, w);
	rc = nsym_crash_from_text(out, n, text, len, nsym_cli_warn_kind, w);
	nsym_cli_warn_kinds_end(w);
	if (rc != 0) {
		nsym_cli_error("'%s': %s", o->input, nsym_error_detail());
		return -1;
	}
	if (o->maps == NULL && *n > 0)
		return 0;
	return load_rust(out, n, o, text, len, w);
}

/* ---- finding each module's debug file --------------------------------------- */

static bool same_id(const char *path, const char *id)
{
	char got[NSYM_CRASH_ID_SIZE];
	return nsym_cli_file_id(got, sizeof(got), path) == 0 && strcmp(got, id) == 0;
}

/* A file on this machine for m: its --module, else the report's path when
 * that file is the same build; NULL when none. */
static const char *local_file(const struct symbolicate_opts *o, const struct nsym_crash_module *m,
                              struct nsym_cli_warn_kinds *w)
{
	nsym_file *f = NULL;

	for (size_t i = 0; i < o->nmods; i++) {
		if (strcmp(o->mods[i].id, m->id) != 0)
			continue;
		/* opened first for why it cannot be used (a FIFO, gone…) */
		if (nsym_file_open(&f, o->mods[i].path) != 0) {
			nsym_cli_warn_kindf(w, WARN_RUN, "--module %s; looking further",
			                    nsym_error_detail());
			break;
		}
		nsym_file_close(f);
		if (same_id(o->mods[i].path, m->id))
			return o->mods[i].path;
		nsym_cli_warn_kindf(
		    w, WARN_RUN, "--module '%s' is not the build with identity %s; looking further",
		    o->mods[i].path, m->id);
		break;
	}
	if (m->path != NULL && access(m->path, R_OK) == 0 && same_id(m->path, m->id))
		return m->path;
	return NULL;
}

/* Opens a local file; without a debug file beside it, it still answers
 * from its symbol table while the cache and servers are asked. */
static void open_local(struct resolved *r, const char *path)
{
	if (nsym_symbolizer_open(&r->sym, path, NULL) != 0) {
		snprintf(r->why, sizeof(r->why), "cannot use '%s': %s", path, nsym_error_detail());
		r->sym = NULL;
		r->fetch = true;
		return;
	}
	r->fetch = nsym_symbolizer_debug_path(r->sym) == NULL;
}

static void settle(struct resolved *r, const struct nsym_fetch *j, bool asked, bool no_fetch)
{
	struct nsym_open_options opts = {.debug_file = j->path};
	nsym_symbolizer *sym;

	if (j->state == NSYM_FETCH_FOUND || j->state == NSYM_FETCH_CACHED) {
		if (nsym_symbolizer_open(&sym, j->path, &opts) == 0) {
			nsym_symbolizer_close(r->sym);
			r->sym = sym;
			r->why[0] = '\0';
			return;
		}
		snprintf(r->why, sizeof(r->why), "the debug file '%s' cannot be used: %s", j->path,
		         nsym_error_detail());
	} else if (j->state == NSYM_FETCH_NOT_ON_SERVER) {
		snprintf(r->why, sizeof(r->why), "no symbols on the server");
	} else if (j->state == NSYM_FETCH_FAILED) {
		snprintf(r->why, sizeof(r->why), "the fetch failed: %s", j->error);
	} else if (r->why[0] == '\0') {
		snprintf(r->why, sizeof(r->why), "%s",
		         !asked && no_fetch ? "no server (--no-fetch)" : "no server");
	}
}

/* Fetches, in one parallel run, the debug files of the modules that lack one. */
static void fetch_missing(const struct symbolicate_opts *o, const struct nsym_crash *c,
                          struct resolved *res, struct nsym_cli_warn_kinds *w)
{
	struct nsym_fetch *jobs = calloc(c->nmodules, sizeof(*jobs));
	size_t *which = calloc(c->nmodules, sizeof(*which)), n = 0;
	char err[512];
	bool asked;

	if (jobs == NULL || which == NULL)
		goto out;
	for (size_t i = 0; i < c->nmodules; i++) {
		if (!res[i].fetch)
			continue;
		snprintf(jobs[n].id, sizeof(jobs[n].id), "%s", c->modules[i].id);
		jobs[n].kind = "debuginfo";
		which[n++] = i;
	}
	if (n == 0)
		goto out;
	if (nsym_cli_debug_files_by_id(&asked, jobs, n, o->servers, !o->no_fetch, err,
	                               sizeof(err)) != 0) {
		nsym_cli_warn_kindf(w, WARN_RUN, "%s", err);
		asked = false;
	}
	for (size_t k = 0; k < n; k++)
		settle(&res[which[k]], &jobs[k], asked, o->no_fetch);
out:
	free(jobs);
	free(which);
}

static bool used(const struct nsym_crash *c, size_t m)
{
	for (size_t i = 0; i < c->nframes; i++) {
		if (c->frames[i].module == (int)m)
			return true;
	}
	return false;
}

static void resolve(const struct symbolicate_opts *o, const struct nsym_crash *c,
                    struct resolved *res, struct nsym_cli_warn_kinds *w)
{
	for (size_t i = 0; i < c->nmodules; i++) {
		const struct nsym_crash_module *m = &c->modules[i];
		const char *path;
		if (!used(c, i))
			continue;
		if (m->why != NULL) {
			snprintf(res[i].why, sizeof(res[i].why), "%s", m->why);
		} else if (!m->listed) {
			snprintf(res[i].why, sizeof(res[i].why),
			         "module m%zu is not listed in the trace", i);
		} else if (m->id[0] == '\0') {
			snprintf(res[i].why, sizeof(res[i].why), "no identity");
		} else if ((path = local_file(o, m, w)) != NULL) {
			open_local(&res[i], path);
		} else {
			res[i].fetch = true;
		}
	}
	fetch_missing(o, c, res, w);
}

/* ---- output ------------------------------------------------------------------ */

static const char *base_name(const char *path)
{
	const char *slash = path != NULL ? strrchr(path, '/') : NULL;
	return slash != NULL ? slash + 1 : path;
}

static const char *shown_file(const struct symbolicate_opts *o, const char *file)
{
	return o->basenames ? base_name(file) : file;
}

/* A native addon's own module rather than node's or the system's. */
static bool is_addon(const struct nsym_crash_module *m)
{
	size_t len = m->path != NULL ? strlen(m->path) : 0;
	return m->path != NULL && (strstr(m->path, "node_modules") != NULL ||
	                           (len >= 5 && strcmp(m->path + len - 5, ".node") == 0));
}

/* Where a panic was raised, when the report does not say (a preloaded
 * hook cannot read it): the first place up the stack outside std's panic
 * machinery, which is the panic!'s (or, through #[track_caller], the
 * unwrap's) call site. */
struct raised_at {
	char function[512];
	char file[1024];
	uint32_t line, column;
};

static bool panic_machinery(const char *function)
{
	static const char *const prefixes[] = {
	    "core::panicking::",
	    "std::panicking::",
	    "std::panic::",
	    "core::panic::",
	    "panic_unwind::",
	    "__rust_",
	    "__rustc::",
	    "rust_panic",
	    "_Unwind_",
	    "std::sys::backtrace::",
	    "std::sys_common::backtrace::",
	    "<std::panicking::",
	    "core::result::unwrap_failed",
	    "core::option::expect_failed",
	    "core::option::unwrap_failed",
	    "std::rt::",
	};
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		if (strncmp(function, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	}
	return false;
}

static void look_up(struct nsym_frames *fr, const struct nsym_crash *c, size_t i,
                    const struct resolved *res, struct nsym_cli_warn_kinds *w);

static bool find_raise(struct raised_at *out, const struct nsym_crash *c,
                       const struct resolved *res, struct nsym_cli_warn_kinds *w)
{
	struct nsym_frames fr = {0};
	bool found = false;

	for (size_t i = 0; i < c->nframes && !found; i++) {
		look_up(&fr, c, i, res, w);
		for (size_t k = 0; k < fr.count && !found; k++) {
			const struct nsym_frame *f = &fr.frames[k];
			if (f->approximate || f->line == 0 || strcmp(f->function, "??") == 0)
				break; /* unknown ground: no guess */
			if (panic_machinery(f->function))
				continue;
			snprintf(out->function, sizeof(out->function), "%s", f->function);
			snprintf(out->file, sizeof(out->file), "%s", f->file);
			out->line = f->line;
			out->column = f->column;
			found = true;
		}
	}
	nsym_frames_release(&fr);
	return found;
}

static void print_reason(const struct symbolicate_opts *o, const struct nsym_crash *c,
                         const struct raised_at *raised)
{
	if (strcmp(c->reason, "panic") == 0) {
		/* a preloaded hook cannot read Rust's payload; Rust printed it */
		printf("panic: %s\n", c->panic_message != NULL && c->panic_message[0] != '\0'
		                          ? c->panic_message
		                          : "(message not captured: Rust printed it on stderr, "
		                            "above the trace)");
		if (c->panic_file != NULL)
			printf("  at %s:%" PRIu32 ":%" PRIu32 "\n", c->panic_file, c->panic_line,
			       c->panic_column);
		else if (raised != NULL)
			printf("  at %s:%" PRIu32 ":%" PRIu32 " (the raising frame, %s)\n",
			       shown_file(o, raised->file), raised->line, raised->column,
			       raised->function);
	} else if (strcmp(c->reason, "signal") == 0) {
		printf("crash: %s", c->signal_name != NULL ? c->signal_name : "a fatal signal");
		if (c->has_address)
			printf(" at 0x%" PRIx64, c->fault_address);
		putchar('\n');
	} else {
		printf("report (manual)\n");
	}
	if (c->pid >= 0)
		printf("pid %lld, tid %lld\n", c->pid, c->tid);
	if (c->cut)
		printf(
		    "(the trace was cut short: it has no 'end' line, later frames are missing)\n");
}

/* Three to a line: 80 columns. */
static void print_registers(const struct nsym_crash *c)
{
	if (c->nregisters == 0)
		return;
	printf("registers:");
	for (size_t i = 0; i < c->nregisters; i++)
		printf("%s%6s 0x%016" PRIx64, i % 3 == 0 ? "\n " : "  ", c->registers[i].name,
		       c->registers[i].value);
	putchar('\n');
}

static void json_registers(const struct nsym_crash *c)
{
	if (c->nregisters == 0)
		return;
	printf(", \"registers\": {");
	for (size_t i = 0; i < c->nregisters; i++) {
		printf("%s", i > 0 ? ", " : "");
		nsym_json_string(stdout, c->registers[i].name);
		printf(": \"0x%" PRIx64 "\"", c->registers[i].value);
	}
	putchar('}');
}

static void print_location(const struct symbolicate_opts *o, const struct nsym_frame *f)
{
	if (f->approximate && strcmp(f->file, "??") == 0)
		printf("%s+0x%" PRIx64, f->function, f->symbol_offset);
	else
		printf("%s at %s:%" PRIu32 ":%" PRIu32, f->function, shown_file(o, f->file),
		       f->line, f->column);
}

static void print_frame(const struct symbolicate_opts *o, const struct nsym_crash *c, size_t i,
                        const struct resolved *res, const struct nsym_frames *fr)
{
	const struct nsym_crash_frame *f = &c->frames[i];
	const struct nsym_crash_module *m = f->module >= 0 ? &c->modules[f->module] : NULL;
	const char *why = m != NULL ? res[f->module].why : "not in a module";

	bool named = fr->count > 0 && strcmp(fr->frames[0].function, "??") != 0;

	printf("#%zu ", i);
	if (named)
		print_location(o, &fr->frames[0]);
	else
		printf("??");
	if (m == NULL)
		printf(" at 0x%" PRIx64, f->pc);
	else
		printf(" in %s+0x%" PRIx64 "%s", m->path != NULL ? base_name(m->path) : "??",
		       f->rel, is_addon(m) ? " [addon]" : "");
	if (why[0] != '\0')
		printf(" (%s%s)", named ? "symbol table only: " : "", why);
	putchar('\n');
	for (size_t k = 1; k < fr->count; k++) {
		printf("    (inlined by) ");
		print_location(o, &fr->frames[k]);
		putchar('\n');
	}
}

static void json_frames(const struct symbolicate_opts *o, const struct nsym_frames *fr)
{
	printf("[");
	for (size_t i = 0; i < fr->count; i++) {
		const struct nsym_frame *f = &fr->frames[i];
		printf("%s{\"function\": ", i > 0 ? ", " : "");
		nsym_json_string(stdout, f->function);
		printf(", \"file\": ");
		nsym_json_string(stdout, shown_file(o, f->file));
		printf(", \"line\": %" PRIu32 ", \"column\": %" PRIu32 ", \"inlined\": %s", f->line,
		       f->column, f->inlined ? "true" : "false");
		if (f->approximate)
			printf(", \"approximate\": true");
		if (f->linkage_name != NULL && strcmp(f->linkage_name, f->function) != 0) {
			printf(", \"linkage_name\": ");
			nsym_json_string(stdout, f->linkage_name);
		}
		putchar('}');
	}
	printf("]");
}

static void json_frame(const struct symbolicate_opts *o, const struct nsym_crash *c, size_t i,
                       const struct resolved *res, const struct nsym_frames *fr)
{
	const struct nsym_crash_frame *f = &c->frames[i];
	const struct nsym_crash_module *m = f->module >= 0 ? &c->modules[f->module] : NULL;
	const char *why = m != NULL ? res[f->module].why : "not in a module";

	printf("%s\n  {\"module\": ", i > 0 ? "," : "");
	if (m == NULL) {
		printf("null, \"pc\": \"0x%" PRIx64 "\"", f->pc);
	} else {
		nsym_json_string(stdout, m->path != NULL ? base_name(m->path) : "??");
		printf(", \"id\": ");
		nsym_json_string(stdout, m->id);
		printf(", \"rel\": \"0x%" PRIx64 "\", \"addon\": %s", f->rel,
		       is_addon(m) ? "true" : "false");
	}
	printf(", \"return_address\": %s, \"frames\": ", f->return_address ? "true" : "false");
	json_frames(o, fr);
	if (why[0] != '\0') {
		printf(", \"unresolved\": ");
		nsym_json_string(stdout, why);
	}
	putchar('}');
}

static void json_reason(const struct symbolicate_opts *o, const struct nsym_crash *c,
                        const struct raised_at *raised)
{
	printf("{\"reason\": ");
	nsym_json_string(stdout, c->reason);
	if (strcmp(c->reason, "signal") == 0) {
		printf(", \"signal\": {\"name\": ");
		nsym_json_string(stdout, c->signal_name != NULL ? c->signal_name : "");
		if (c->signal_number > 0)
			printf(", \"number\": %d", c->signal_number);
		if (c->has_address)
			printf(", \"address\": \"0x%" PRIx64 "\"", c->fault_address);
		putchar('}');
	} else if (strcmp(c->reason, "panic") == 0) {
		printf(", \"panic\": {\"message\": ");
		nsym_json_string(stdout, c->panic_message != NULL ? c->panic_message : "");
		if (c->panic_file != NULL) {
			printf(", \"file\": ");
			nsym_json_string(stdout, c->panic_file);
			printf(", \"line\": %" PRIu32 ", \"column\": %" PRIu32, c->panic_line,
			       c->panic_column);
		} else if (raised != NULL) {
			printf(", \"file\": ");
			nsym_json_string(stdout, shown_file(o, raised->file));
			printf(", \"line\": %" PRIu32 ", \"column\": %" PRIu32
			       ", \"from_raising_frame\": true",
			       raised->line, raised->column);
		}
		putchar('}');
	}
	if (c->pid >= 0)
		printf(", \"pid\": %lld, \"tid\": %lld", c->pid, c->tid);
	json_registers(c);
	printf(", \"cut\": %s, \"frames\": [", c->cut ? "true" : "false");
}

/* Looks up frame i of c: innermost first, with its inlined callers. */
static void look_up(struct nsym_frames *fr, const struct nsym_crash *c, size_t i,
                    const struct resolved *res, struct nsym_cli_warn_kinds *w)
{
	const struct nsym_crash_frame *f = &c->frames[i];

	fr->count = 0;
	if (f->module < 0 || res[f->module].sym == NULL)
		return;
	if (nsym_symbolizer_lookup(fr, res[f->module].sym, f->rel,
	                           f->return_address ? NSYM_LOOKUP_RETURN_ADDRESS : 0) != 0) {
		nsym_cli_warn_kindf(w, WARN_RUN, "frame #%zu: %s", i, nsym_error_detail());
		fr->count = 0;
	}
}

static int symbolicate(const struct symbolicate_opts *o, const struct nsym_crash *c,
                       struct nsym_cli_warn_kinds *w)
{
	struct resolved *res = calloc(c->nmodules + 1, sizeof(*res));
	struct nsym_frames fr = {0};
	struct raised_at raised, *found = NULL;

	if (res == NULL) {
		nsym_cli_error("out of memory");
		return -1;
	}
	resolve(o, c, res, w);
	if (strcmp(c->reason, "panic") == 0 && c->panic_file == NULL &&
	    find_raise(&raised, c, res, w))
		found = &raised;
	if (o->json)
		json_reason(o, c, found);
	else
		print_reason(o, c, found);
	for (size_t i = 0; i < c->nframes; i++) {
		look_up(&fr, c, i, res, w);
		if (o->json)
			json_frame(o, c, i, res, &fr);
		else
			print_frame(o, c, i, res, &fr);
	}
	if (o->json)
		printf("%s]}", c->nframes > 0 ? "\n" : "");
	else if (c->nframes == 0)
		printf("(no frames)\n");
	if (!o->json)
		print_registers(c);
	nsym_frames_release(&fr);
	for (size_t i = 0; i < c->nmodules; i++)
		nsym_symbolizer_close(res[i].sym);
	free(res);
	return 0;
}

int cmd_symbolicate(int argc, char **argv)
{
	struct symbolicate_opts *o = calloc(1, sizeof(*o));
	/* every crash of the text may repeat them: one cap for the run */
	struct nsym_cli_warn_kinds warnings = {0};
	struct nsym_crash *crashes = NULL;
	size_t n = 0, len;
	char *text = NULL;
	int status = NSYM_EXIT_FAIL;

	if (o == NULL)
		return NSYM_EXIT_FAIL;
	if (parse_options(o, argc, argv) != 0) {
		status = NSYM_EXIT_USAGE;
		goto out;
	}
	if ((text = read_input(o->input, &len)) == NULL ||
	    load(&crashes, &n, o, text, len, &warnings) != 0)
		goto out;
	status = NSYM_EXIT_OK;
	if (o->json && n > 1)
		printf("[");
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			printf(o->json ? ",\n" : "\n");
		if (symbolicate(o, &crashes[i], &warnings) != 0)
			status = NSYM_EXIT_FAIL;
	}
	printf(o->json && n > 1 ? "]\n" : o->json ? "\n" : "");
	nsym_cli_warn_kinds_end(&warnings);
out:
	nsym_crashes_free(crashes, n);
	free(text);
	free(o);
	return status;
}
