/*
 * napi-symbols symbolicate: a crash report, or any text holding compact
 * traces (docs/crash-report.md) or, with the process's saved memory map,
 * Rust's RUST_BACKTRACE=full backtraces, back into functions and source
 * lines. The reading and the symbolicating are the library's
 * (napi_symbols_report.h); this command reads the files, prints, caps the
 * warnings, and is the pipeline's resolver: each module's debug file is
 * found by its identity (--module files, the path in the report, the
 * download cache, the servers).
 */
#include <getopt.h>
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
#include "symbolicate_infer.h"

#define MAX_MODULE_ARGS 64
#define MAX_INPUT       (64u << 20) /* far above any report or pasted issue */
/* the library's kind for them, so one cap covers both */
#define WARN_RUN "warnings about the modules and frames"

const char cmd_symbolicate_usage[] =
    "usage: napi-symbols symbolicate [options] REPORT|-\n"
    "\n"
    "Symbolicates a crash: REPORT is a crash report file (napi-crash-*.json), or\n"
    "any text (a pasted issue, a log; - reads stdin) holding one or more compact\n"
    "traces, the 'napi-symbols: crash v1 ...' lines the hook prints, or a crash\n"
    "report of macOS: an .ips (macOS 12 and later: its metadata line and report\n"
    "object, even under Console's translated report) or the text of a .crash\n"
    "('Thread N Crashed:', then 'Binary Images:'). Which it is, is told from the\n"
    "text. Everything else in the text is ignored. With --maps, the text may\n"
    "instead hold what Rust prints for a panic under RUST_BACKTRACE=full.\n"
    "Prints the signal or the panic message and location, then the frames\n"
    "innermost first, each as 'function at file:line:column in MODULE+0xREL'\n"
    "with its '(inlined by)' frames; [addon] marks the frames of native addons.\n"
    "A frame that cannot be resolved says why. A report of a signal ends with\n"
    "the registers at it.\n"
    "\n"
    "Each module's debug file (for a Mach-O image, the dSYM with its UUID) is\n"
    "found by its identity: a file given with --module, the path in the report\n"
    "when that file is here and is the same build, then the shared download\n"
    "cache (see 'napi-symbols cache'), then the symbol servers; what they send\n"
    "is kept in the cache. Frames of modules without symbols keep the symbol\n"
    "the report names.\n"
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
    "                         file (each slice's, for a universal Mach-O file);\n"
    "                         one named like a module of the crash but of\n"
    "                         another build is said to be not used for it\n"
    "      --project DIR      where the addons are, for traces that give absolute\n"
    "                         addresses and no load address (Rust backtraces on\n"
    "                         macOS, Node fatal-error stacks): the load address of\n"
    "                         each addon under DIR (and of each --module) is\n"
    "                         inferred from the trace, and taken only when exactly\n"
    "                         one fits. Default: the current folder when it holds\n"
    "                         node_modules, unless --module is given\n"
    "      --server URLS      symbol servers to fetch debug files from\n"
    "                         (default NAPI_SYMBOLS_SERVER, else DEBUGINFOD_URLS)\n"
    "      --no-fetch         use no server: local files and the cache only\n"
    "  -s, --basenames        print file names without their directories\n"
    "      --json             print {\"reason\", \"signal\" or \"panic\", \"registers\",\n"
    "                         \"cut\", \"frames\": [{\"module\", \"id\", \"module_offset\",\n"
    "                         \"offset_from\" (given, symbol, base, inferred),\n"
    "                         \"addon\", \"symbol\", \"frames\": [...as symbolize\n"
    "                         --json], \"unresolved\"}]}; an array of them when\n"
    "                         the text holds several crashes\n"
    "  -h, --help             show this help\n"
    "\n"
    "Why a frame is unresolved: no identity (the module has none), not in a\n"
    "module, no server (none configured, or --no-fetch), no symbols on the\n"
    "server, or the fetch failed (with the error); for a Rust backtrace also a\n"
    "file that is not on this machine, is not a regular file (a FIFO, a device),\n"
    "or was replaced since it was mapped; for a .crash also a pc in no image of\n"
    "its Binary Images, or no Binary Images at all.\n"
    "Exit status: 0 symbolicated (even with unresolved frames); 1 the input\n"
    "cannot be read or holds no crash (the reason is printed); 129 usage error.\n";

struct module_arg {
	char id[NSYM_CRASH_ID_SIZE];
	const char *path;
	bool id_given; /* ID=PATH: only that identity */
};

struct symbolicate_opts {
	const char *input;
	const char *maps; /* --maps FILE, or NULL */
	struct module_arg mods[MAX_MODULE_ARGS];
	size_t nmods;
	const char *project; /* --project: where to look for the addons */
	const char *servers;
	bool no_fetch, json, basenames;
};

/* The run, as the pipeline's callbacks see it. */
struct run {
	const struct symbolicate_opts *o;
	/* every crash of the text may repeat them: one cap for the run */
	struct nsym_cli_warn_kinds warnings;
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
		m->id_given = true;
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
	enum { OPT_MODULE = 256, OPT_SERVER, OPT_NO_FETCH, OPT_JSON, OPT_MAPS, OPT_PROJECT };
	static const struct option longopts[] = {
	    {"module", required_argument, NULL, OPT_MODULE},
	    {"server", required_argument, NULL, OPT_SERVER},
	    {"no-fetch", no_argument, NULL, OPT_NO_FETCH},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"maps", required_argument, NULL, OPT_MAPS},
	    {"project", required_argument, NULL, OPT_PROJECT},
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
		case OPT_PROJECT:
			o->project = optarg;
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

/* ---- finding each module's debug file --------------------------------------- */

static bool same_id(const char *path, const char *id)
{
	return nsym_cli_file_has_id(path, id);
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash != NULL ? slash + 1 : path;
}

/* The identities of every image of path ("a, b" for a universal file),
 * lowercase; "none" when it has none. */
static void file_ids(char *out, size_t size, const char *path)
{
	nsym_file *f = NULL;
	char id[NSYM_IMAGE_ID_SIZE];
	size_t used = 0;

	out[0] = '\0';
	if (nsym_file_open(&f, path) == 0) {
		for (size_t i = 0; i < nsym_file_image_count(f) && used < size; i++) {
			if (nsym_image_id(id, sizeof(id), nsym_file_image(f, i), NSYM_ID_NATIVE) !=
			    0)
				continue;
			for (char *p = id; *p != '\0'; p++)
				*p = (char)(*p >= 'A' && *p <= 'F' ? *p + 32 : *p);
			used += (size_t)snprintf(out + used, size - used, "%s%s",
			                         used > 0 ? ", " : "", id);
		}
		nsym_file_close(f);
	}
	if (out[0] == '\0')
		snprintf(out, size, "none");
}

/* A --module file named as m is but of another build is not used for m:
 * said, since the user gave it for this crash and gets no answer from it. */
static void warn_other_build(struct run *run, const struct nsym_crash_module *m)
{
	const struct symbolicate_opts *o = run->o;
	const char *name = m->name != NULL ? m->name : m->path != NULL ? base_name(m->path) : NULL;
	char ids[512];

	for (size_t i = 0; name != NULL && i < o->nmods; i++) {
		if (o->mods[i].id_given || strcmp(base_name(o->mods[i].path), name) != 0)
			continue;
		file_ids(ids, sizeof(ids), o->mods[i].path);
		nsym_cli_warn_kindf(
		    &run->warnings, WARN_RUN,
		    "--module '%s' is not the build of %s the crash names (%s %s; the "
		    "file has %s); not used for it",
		    o->mods[i].path, name, m->format == NSYM_FORMAT_MACHO ? "UUID" : "identity",
		    m->id, ids);
	}
}

/* A file on this machine for m: its --module, else the report's path when
 * that file is the same build; NULL when none. */
static const char *local_file(struct run *run, const struct nsym_crash_module *m)
{
	const struct symbolicate_opts *o = run->o;
	nsym_file *f = NULL;

	for (size_t i = 0; i < o->nmods; i++) {
		/* a universal file given alone stands for all its slices */
		if (strcmp(o->mods[i].id, m->id) != 0 &&
		    (o->mods[i].id_given || !same_id(o->mods[i].path, m->id)))
			continue;
		/* opened first for why it cannot be used (a FIFO, gone…) */
		if (nsym_file_open(&f, o->mods[i].path) != 0) {
			nsym_cli_warn_kindf(&run->warnings, WARN_RUN,
			                    "--module %s; looking further", nsym_error_detail());
			break;
		}
		nsym_file_close(f);
		if (same_id(o->mods[i].path, m->id))
			return o->mods[i].path;
		nsym_cli_warn_kindf(
		    &run->warnings, WARN_RUN,
		    "--module '%s' is not the build with identity %s; looking further",
		    o->mods[i].path, m->id);
		break;
	}
	if (m->path != NULL && access(m->path, R_OK) == 0 && same_id(m->path, m->id))
		return m->path;
	warn_other_build(run, m);
	return NULL;
}

/* A Mach-O module is opened at the slice of its UUID. */
static struct nsym_open_options module_options(const struct nsym_report_module *r)
{
	return (struct nsym_open_options){
	    .uuid = r->module->format == NSYM_FORMAT_MACHO ? r->module->id : NULL};
}

/* Opens a local file; without a debug file beside it, it still answers
 * from its symbol table while the cache and servers are asked. 0 or
 * NSYM_ENOMEM. */
static int open_local(struct nsym_report_module *r, const char *path)
{
	struct nsym_open_options opts = module_options(r);
	int rc = nsym_symbolizer_open(&r->sym, path, &opts);

	if (rc != 0) {
		snprintf(r->why, sizeof(r->why), "cannot use '%s': %s", path, nsym_error_detail());
		r->sym = NULL;
	}
	return rc == NSYM_ENOMEM ? rc : 0;
}

/* No debug file yet: the cache and servers are asked. */
static bool to_fetch(const struct nsym_report_module *r)
{
	return r->sym == NULL || nsym_symbolizer_debug_path(r->sym) == NULL;
}

/* 0, or NSYM_ENOMEM. */
static int settle(struct nsym_report_module *r, const struct nsym_fetch *j, bool asked,
                  bool no_fetch)
{
	struct nsym_open_options opts = module_options(r);
	nsym_symbolizer *sym;
	int rc;

	opts.debug_file = j->path;

	if (j->state == NSYM_FETCH_FOUND || j->state == NSYM_FETCH_CACHED) {
		if ((rc = nsym_symbolizer_open(&sym, j->path, &opts)) == 0) {
			nsym_symbolizer_close(r->sym);
			r->sym = sym;
			r->why[0] = '\0';
			return 0;
		}
		if (rc == NSYM_ENOMEM)
			return rc;
		/* one line of at most NSYM_REPORT_WHY_SIZE: a long path is cut */
		snprintf(r->why, sizeof(r->why), "the debug file '%.300s' cannot be used: %s",
		         j->path, nsym_error_detail());
	} else if (j->state == NSYM_FETCH_NOT_ON_SERVER) {
		snprintf(r->why, sizeof(r->why), "no symbols on the server");
	} else if (j->state == NSYM_FETCH_FAILED) {
		snprintf(r->why, sizeof(r->why), "the fetch failed: %s", j->error);
	} else if (r->why[0] == '\0') {
		snprintf(r->why, sizeof(r->why), "%s",
		         !asked && no_fetch ? "no server (--no-fetch)" : "no server");
	}
	return 0;
}

/* Fetches, in one parallel run, the debug files of the modules that lack
 * one. 0 or NSYM_ENOMEM. */
static int fetch_missing(struct run *run, struct nsym_report_module *mods, size_t count)
{
	struct nsym_fetch *jobs = calloc(count, sizeof(*jobs));
	size_t *which = calloc(count, sizeof(*which)), n = 0;
	char err[512];
	bool asked;
	int rc = 0;

	if (jobs == NULL || which == NULL) {
		rc = NSYM_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < count; i++) {
		if (!to_fetch(&mods[i]))
			continue;
		snprintf(jobs[n].id, sizeof(jobs[n].id), "%s", mods[i].module->id);
		jobs[n].kind = "debuginfo";
		which[n++] = i;
	}
	if (n == 0)
		goto out;
	if (nsym_cli_debug_files_by_id(&asked, jobs, n, run->o->servers, !run->o->no_fetch, err,
	                               sizeof(err)) != 0) {
		nsym_cli_warn_kindf(&run->warnings, WARN_RUN, "%s", err);
		asked = false;
	}
	for (size_t k = 0; k < n; k++) {
		if (settle(&mods[which[k]], &jobs[k], asked, run->o->no_fetch) != 0)
			rc = NSYM_ENOMEM;
	}
out:
	free(jobs);
	free(which);
	return rc;
}

/* The pipeline's resolver: local files first, then the cache and servers
 * for the rest, together. 0, or NSYM_ENOMEM (the crash fails). */
static int resolve(void *ctx, struct nsym_report_module *mods, size_t count)
{
	struct run *run = ctx;

	for (size_t i = 0; i < count; i++) {
		const char *path = local_file(run, mods[i].module);
		if (path != NULL && open_local(&mods[i], path) != 0)
			return NSYM_ENOMEM;
	}
	return fetch_missing(run, mods, count);
}

static void warn(void *ctx, const char *kind, const char *message)
{
	struct run *run = ctx;
	nsym_cli_warn_kind(&run->warnings, kind, message);
}

/* ---- the command ------------------------------------------------------------ */

/* The files of the --module options. */
static void module_paths(const char **out, const struct symbolicate_opts *o)
{
	for (size_t i = 0; i < o->nmods; i++)
		out[i] = o->mods[i].path;
}

/* s in single quotes, as messages name files; NULL out of memory. */
static char *quoted(const char *s)
{
	size_t n = strlen(s) + 3;
	char *q = malloc(n);

	if (q != NULL)
		snprintf(q, n, "'%s'", s);
	return q;
}

int cmd_symbolicate(int argc, char **argv)
{
	struct symbolicate_opts *o = calloc(1, sizeof(*o));
	struct run *run = calloc(1, sizeof(*run));
	struct nsym_report_input in = {.maps_how = "--maps FILE"};
	struct nsym_report_options opts = {.resolve = resolve, .warn = warn, .ctx = run};
	struct nsym_crash *crashes = NULL;
	size_t n = 0;
	char *text = NULL, *maps = NULL, *name = NULL, *maps_name = NULL;
	const char *paths[MAX_MODULE_ARGS];
	int status = NSYM_EXIT_FAIL;

	if (o == NULL || run == NULL)
		goto out;
	run->o = o;
	if (parse_options(o, argc, argv) != 0) {
		status = NSYM_EXIT_USAGE;
		goto out;
	}
	if ((text = read_input(o->input, &in.len)) == NULL ||
	    (o->maps != NULL && (maps = read_input(o->maps, &in.maps_len)) == NULL))
		goto out;
	if ((name = quoted(o->input)) == NULL ||
	    (o->maps != NULL && (maps_name = quoted(o->maps)) == NULL)) {
		nsym_cli_error("out of memory");
		goto out;
	}
	in.text = text;
	in.name = name;
	in.maps = maps;
	in.maps_name = maps_name;
	opts.flags = (o->json ? NSYM_REPORT_JSON : 0) | (o->basenames ? NSYM_REPORT_BASENAMES : 0);
	/* absolute addresses with no maps: the load address is inferred, when
	 * there are binaries to infer it for */
	in.keep_unplaced = o->maps == NULL && nsym_cli_infer_candidates(o->nmods, o->project);
	if (nsym_report_read(&crashes, &n, &in, &opts) != 0) {
		nsym_cli_warn_kinds_end(&run->warnings);
		nsym_cli_error("%s", nsym_error_detail());
		goto out;
	}
	module_paths(paths, o);
	nsym_cli_infer_loads(crashes, n, paths, o->nmods, o->project, &run->warnings);
	nsym_cli_warn_kinds_end(&run->warnings);
	status = NSYM_EXIT_OK;
	/* an output that cannot be written is main's to report, with its errno */
	if (nsym_report_symbolicate(stdout, crashes, n, &opts) == NSYM_ENOMEM) {
		nsym_cli_error("%s", nsym_error_detail());
		status = NSYM_EXIT_FAIL;
	}
	nsym_cli_warn_kinds_end(&run->warnings);
out:
	nsym_crashes_free(crashes, n);
	free(text);
	free(maps);
	free(name);
	free(maps_name);
	free(run);
	free(o);
	return status;
}
