/*
 * napi-symbols symbolicate: a crash report, or any text holding compact
 * traces (docs/crash-report.md), Windows' own crash records, the stacks
 * common tools print or, with the process's saved memory map (or the
 * binaries, to infer load addresses), Rust's RUST_BACKTRACE=full backtraces,
 * back into functions and source lines. The reading and the symbolicating
 * are the library's (napi_symbols_report.h); this command reads the files,
 * prints, caps the warnings, sends the text to a server's symbolicate route
 * when no debug file is here (symbolicate_remote.c), and gives the pipeline
 * its resolver, which finds each module's debug file (symbolicate_resolve.c).
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "commands.h"
#include "debug_fetch.h"
#include "napi_symbols.h"
#include "napi_symbols_report.h"
#include "napi_symbols_util.h"
#include "symbolicate_infer.h"
#include "symbolicate_remote.h"
#include "symbolicate_resolve.h"

#define MAX_INPUT (64u << 20) /* far above any report or pasted issue */

const char cmd_symbolicate_usage[] =
    "usage: napi-symbols symbolicate [options] REPORT|-\n"
    "\n"
    "Symbolicates a crash: REPORT is a crash report file (napi-crash-*.json), or\n"
    "any text (a pasted issue, a log; - reads stdin) holding one or more compact\n"
    "traces, the 'napi-symbols: crash v1 ...' lines the hook prints, or a crash\n"
    "report of macOS: an .ips (macOS 12 and later: its metadata line and report\n"
    "object, even under Console's translated report) or the text of a .crash\n"
    "('Thread N Crashed:', then 'Binary Images:'). Which it is, is told from the\n"
    "text. Without either, Windows' own crash records are read (Event Viewer's\n"
    "Application Error event in words or XML, WER's Report.wer and problem\n"
    "signatures), and the stacks common tools print, wherever they are in the\n"
    "text (after a test runner's tag, joined into one line, wrapped):\n"
    "segfault-handler and glibc backtrace_symbols, systemd-coredump, the\n"
    "kernel's 'segfault at' lines, gdb and lldb bt, AddressSanitizer, valgrind,\n"
    "minidump_stackwalk, Bun's crash report, Node's fatal-error native stack,\n"
    "WinDbg's k and !analyze -v, and StackWalker. Text in UTF-16 (a Report.wer)\n"
    "is read as well. Everything else in the text is ignored.\n"
    "With --maps, the text may instead hold what Rust prints for a panic under\n"
    "RUST_BACKTRACE=full. Prints the signal or the panic message and location\n"
    "(and the tool that printed the stack), then the frames innermost first,\n"
    "each as 'function at file:line:column in MODULE+0xREL' with its '(inlined\n"
    "by)' frames; [addon] marks the frames of native addons. A frame that\n"
    "cannot be resolved says why. A report of a signal ends with the registers\n"
    "at it.\n"
    "\n"
    "Each module's debug file (for a Mach-O image, the dSYM with its UUID) is\n"
    "found by its identity: a file given with --module, the path in the report\n"
    "when that file is here and is the same build, then the shared download\n"
    "cache (see 'napi-symbols cache'), then the symbol servers; what they send\n"
    "is kept in the cache. Frames of modules without symbols keep the symbol\n"
    "the report names. A module whose text gives no identity (most tools'\n"
    "traces) takes the identity of the --module file named like it: NAME,\n"
    "NAME.debug or NAME.dSYM (the slice of the architecture the text names,\n"
    "for a universal file); files of two builds with that name are refused.\n"
    "A Windows module (a PE image) is also named like FILE in another case, or\n"
    "as debuggers name it (rspack_win32_x64_msvc for rspack.win32-x64-msvc.node);\n"
    "one that Windows' records give by name and time stamp takes FILE only when\n"
    "FILE's time stamp is theirs, and without such a FILE the servers are asked\n"
    "for the build of that name and time stamp. A PE image is fetched by its\n"
    "code id, then the PDB its CodeView record names.\n"
    "The kernel's line gives a mapping, not a load address: the --module file\n"
    "NAME itself (not a debug file) places it. A frame given as a symbol and\n"
    "an offset (WinDbg's addon!napi_register_module_v1+0x1234, lldb's) is placed\n"
    "by that symbol's address in its module's file, once that file is found.\n"
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
    "                         file (each slice's, for a universal Mach-O file),\n"
    "                         and stands for a module with none by its name;\n"
    "                         one named like a module of the crash but of\n"
    "                         another build is said to be not used for it\n"
    "      --project DIR      where the addons are, for traces that give absolute\n"
    "                         addresses and no load address (Rust backtraces on\n"
    "                         macOS and Windows, Node fatal-error stacks,\n"
    "                         StackWalker): the load address of\n"
    "                         each addon under DIR (and of each --module) is\n"
    "                         inferred from the trace, and taken only when exactly\n"
    "                         one fits. Default: the current folder when it holds\n"
    "                         node_modules, unless --module is given\n"
    "      --server URLS      symbol servers (default NAPI_SYMBOLS_SERVER, else\n"
    "                         DEBUGINFOD_URLS): when no debug file of the crash\n"
    "                         is here (at the path the text names, or in the\n"
    "                         cache), the text is sent to the first server's\n"
    "                         symbolicate route and its answer printed, nothing\n"
    "                         downloaded; otherwise, or when no server has the\n"
    "                         route, the debug files are fetched from them. Only\n"
    "                         --server and NAPI_SYMBOLS_SERVER servers are sent a\n"
    "                         crash; with --module, --maps or --project the work\n"
    "                         is done here\n"
    "      --local            fetch the debug files and symbolicate here, even\n"
    "                         when a server could answer (a module's symcache,\n"
    "                         from a server that offers it, stands in for its\n"
    "                         debug file, PE images' aside)\n"
    "      --no-fetch         use no server: local files and the cache only\n"
    "  -s, --basenames        print file names without their directories\n"
    "      --json             print {\"reason\", \"signal\" or \"panic\", \"source\",\n"
    "                         \"registers\", \"cut\", \"frames\": [{\"module\", \"id\",\n"
    "                         \"pe_timestamp\" (Windows' records), \"pc\",\n"
    "                         \"module_offset\", \"offset_from\" (given,\n"
    "                         symbol, base, inferred), \"addon\", \"symbol\",\n"
    "                         \"frames\": [...as symbolize --json], \"unresolved\"}]};\n"
    "                         an array of them when the text holds several crashes\n"
    "  -h, --help             show this help\n"
    "\n"
    "Why a frame is unresolved: no identity (the module has none, and no\n"
    "--module file is named like it), not in a module, a load address is\n"
    "needed (the text gives an absolute address alone, or a symbol and an\n"
    "offset, and none was inferred), no server (none configured, or\n"
    "--no-fetch), no symbols on the server, or the fetch failed (with the\n"
    "error); for a Windows module also another build of its name (its time\n"
    "stamp), no server with that name and time stamp, or an image that names\n"
    "no PDB; for a Rust backtrace also a\n"
    "file that is not on this machine, is not a regular file (a FIFO, a device),\n"
    "or was replaced since it was mapped; for a .crash also a pc in no image of\n"
    "its Binary Images, or no Binary Images at all; from a server's route\n"
    "also the debug file on the server cannot be used, or the server's store\n"
    "failed.\n"
    "Exit status: 0 symbolicated (even with unresolved frames); 1 the input\n"
    "cannot be read or holds no crash (the reason is printed); 129 usage error.\n";

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
	enum {
		OPT_MODULE = 256,
		OPT_SERVER,
		OPT_NO_FETCH,
		OPT_JSON,
		OPT_MAPS,
		OPT_PROJECT,
		OPT_LOCAL
	};
	static const struct option longopts[] = {
	    {"module", required_argument, NULL, OPT_MODULE},
	    {"server", required_argument, NULL, OPT_SERVER},
	    {"no-fetch", no_argument, NULL, OPT_NO_FETCH},
	    {"local", no_argument, NULL, OPT_LOCAL},
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
		case OPT_LOCAL:
			o->local = true;
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

/* Whether a server, given the text alone, reads the crashes read here: no
 * --module or --maps file was used, no load address was inferred from a
 * binary here, no backtrace was kept for inference that a server would
 * refuse (a Rust one without its maps), and no module is one the route
 * cannot find, a Windows module known by name and time stamp alone, whose
 * build is found here through the servers' artifact search. NEEDSWORK: the
 * route could search its store by name and time stamp, once it pairs a PE
 * image with its PDB. */
static bool text_tells_all(const struct symbolicate_opts *o, const struct nsym_report_input *in,
                           const struct nsym_crash *crashes, size_t n)
{
	struct nsym_report_input plain = *in;
	struct nsym_crash *again = NULL;
	size_t count = 0;
	bool same;

	if (o->nmods > 0 || o->maps != NULL)
		return false;
	for (size_t k = 0; k < n; k++) {
		for (size_t i = 0; i < crashes[k].nframes; i++) {
			if (crashes[k].frames[i].how == NSYM_OFFSET_INFERRED)
				return false;
		}
		for (size_t i = 0; i < crashes[k].nmodules; i++) {
			if (crashes[k].modules[i].has_timestamp &&
			    crashes[k].modules[i].id[0] == '\0')
				return false;
		}
	}
	if (!in->keep_unplaced)
		return true;
	plain.keep_unplaced = false;
	same = nsym_report_read(&again, &count, &plain, NULL) == 0 && count == n;
	nsym_crashes_free(again, count);
	return same;
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
	struct nsym_report_options opts = {
	    .resolve = nsym_cli_symbolicate_resolve, .warn = warn, .ctx = run};
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
	if (nsym_cli_place_mappings(run, crashes, n) != 0) {
		nsym_cli_error("%s", nsym_error_detail());
		goto out;
	}
	module_paths(paths, o);
	nsym_cli_infer_loads(crashes, n, paths, o->nmods, o->project, &run->warnings);
	nsym_cli_warn_kinds_end(&run->warnings);
	status = NSYM_EXIT_OK;
	if (!o->local && !o->no_fetch && text_tells_all(o, &in, crashes, n) &&
	    nsym_cli_symbolicate_remote(text, in.len, crashes, n, o->servers, o->json,
	                                o->basenames))
		goto out;
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
