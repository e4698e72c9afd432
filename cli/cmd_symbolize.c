/*
 * napi-symbols symbolize: addresses in, functions and source lines out, in
 * llvm-symbolizer's pretty style or as JSON. Addresses come from the command
 * line or, without any, from stdin one per line, answered as they arrive so
 * another program can drive it through a pipe.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "debug_fetch.h"
#include "napi_symbols.h"
#include "napi_symbols_util.h"

#define MAX_DEBUG_DIRS 16

const char cmd_symbolize_usage[] =
    "usage: napi-symbols symbolize -e FILE [options] [ADDR...]\n"
    "\n"
    "Prints the function, file, line and column of each address in FILE, with\n"
    "the frames inlined at that address. ADDRs are hexadecimal, with or without\n"
    "0x, the addresses the file is linked at, as llvm-symbolizer takes them: for\n"
    "ELF the virtual address the file gives, for Mach-O the vmaddr (a crash\n"
    "report's image offset plus __TEXT's vmaddr, which is 0 for a .node bundle),\n"
    "for PE the virtual address (ImageBase plus the RVA; see --relative-address).\n"
    "Without ADDR, reads addresses from stdin, one per line.\n"
    "\n"
    "Options:\n"
    "  -e, --exe FILE         the executable, shared object (.node) or debug file;\n"
    "                         ELF, Mach-O (thin, universal, or a .dSYM bundle), PE\n"
    "                         (.node, .dll, .exe) or a PDB alone (addresses are RVAs)\n"
    "      --debug-file DBG   use DBG as the debug file; refused if it does not match\n"
    "                         (for Mach-O a .dSYM bundle whose UUID is FILE's; one\n"
    "                         named FILE.dSYM beside FILE is found on its own; for\n"
    "                         PE the PDB with the GUID and age FILE names, which is\n"
    "                         found on its own beside FILE or where it was linked)\n"
    "      --relative-address ADDRs are offsets from the image's start (a PE RVA, a\n"
    "                         Mach-O image offset): the image base is added first\n"
    "      --arch ARCH        the slice of a universal Mach-O file: arm64, x86_64...\n"
    "      --uuid UUID        the slice of a universal Mach-O file with this UUID\n"
    "      --debug-dir DIR    look for debug files under DIR (repeatable; default\n"
    "                         /usr/lib/debug): DIR/.build-id/xx/rest.debug and the\n"
    "                         .gnu_debuglink name. Beside FILE and in FILE's .debug/\n"
    "                         are always searched.\n"
    "  -r, --return-addresses the addresses are return addresses (from a stack\n"
    "                         trace): look up ADDR-1, the call instruction\n"
    "      --no-inlines       only one frame per address, no inlined callers\n"
    "  -s, --basenames        print file names without their directories\n"
    "      --cache MODE       the symcache, an index of FILE's DWARF and symbols\n"
    "                         kept by FILE's identity: auto (default) answers\n"
    "                         from it when it exists and, after a run of at least\n"
    "                         1000 addresses, writes it in the background; always\n"
    "                         writes it first if missing, then answers from it;\n"
    "                         never neither reads nor writes it\n"
    "      --cache-dir DIR    where symcaches live (default\n"
    "                         $XDG_CACHE_HOME/napi-symbols/symcache, else\n"
    "                         ~/.cache/napi-symbols/symcache)\n"
    "      --server URLS      symbol servers to fetch a missing debug file from\n"
    "                         (default NAPI_SYMBOLS_SERVER, else DEBUGINFOD_URLS)\n"
    "      --no-fetch         use no server\n"
    "      --json             print a JSON array, one object per address:\n"
    "                         {\"address\", \"frames\": [{\"function\", \"file\", \"line\",\n"
    "                         \"column\", \"inlined\"}]}, innermost frame first\n"
    "  -h, --help             show this help\n"
    "\n"
    "When no debug file is on disk, the shared download cache (see 'napi-symbols\n"
    "cache') is searched by FILE's identity, then the servers, and what they send\n"
    "is kept there for next time: FILE's symcache from a napi-symbols server\n"
    "(GET /buildid/ID/symcache, a fraction of the debug file's size), else the\n"
    "debug file (from servers without symcaches, or with --cache never; always\n"
    "for a PE file). A PE file's PDB is asked for by its SymSrv key\n"
    "(/symsrv/NAME.pdb/GUIDAGE/NAME.pdb). With no debug file, a PE file's exports\n"
    "name its code, marked approximate in --json.\n"
    "An address with no symbol prints ?? (not an error).\n"
    "Exit status: 0 done; 1 FILE or the debug file cannot be used (the reason is\n"
    "printed), or an input line was not an address; 129 usage error.\n";

enum cache_mode { CACHE_AUTO, CACHE_ALWAYS, CACHE_NEVER };

/* A run this long pays for building the symcache in the next run. */
#define CACHE_AUTO_MIN_ADDRESSES 1000

struct symbolize_opts {
	const char *exe;
	enum cache_mode cache;
	char cache_dir[4096];
	const char *debug_dirs[MAX_DEBUG_DIRS + 1];
	size_t ndirs;
	struct nsym_open_options open;
	unsigned flags;
	bool json, basenames, no_fetch, relative;
	const char *servers;
	char fetched[4300]; /* a debug file from the download cache */
};

struct output {
	const struct symbolize_opts *opts;
	size_t printed;  /* JSON objects printed */
	size_t answered; /* addresses looked up */
};

static int default_cache_dir(char *out, size_t size)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	int n;
	if (xdg != NULL && xdg[0] == '/')
		n = snprintf(out, size, "%s/napi-symbols/symcache", xdg);
	else if (home != NULL && home[0] != '\0')
		n = snprintf(out, size, "%s/.cache/napi-symbols/symcache", home);
	else
		return -1;
	return n > 0 && (size_t)n < size ? 0 : -1;
}

/* mkdir -p; errors surface when the cache is written. */
static void make_dirs(const char *path)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p != '\0'; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0755);
			*p = '/';
		}
	}
	mkdir(buf, 0755);
}

/* Writes the symcache; a failure is reported but does not fail the run,
 * whose answers are already out. */
static void write_cache(nsym_symbolizer *sym, const struct symbolize_opts *o)
{
	make_dirs(o->cache_dir);
	if (nsym_symbolizer_write_cache(sym, o->cache_dir) != 0)
		nsym_cli_error("warning: symcache not written: %s", nsym_error_detail());
}

static const char *shown_file(const struct symbolize_opts *o, const char *file)
{
	const char *slash;
	if (!o->basenames || (slash = strrchr(file, '/')) == NULL)
		return file;
	return slash + 1;
}

/* One answer's text, put together here and handed to stdio in one call:
 * a call per piece (eight a frame) was a good part of a warm run's time. */
struct text {
	char buf[8192];
	size_t len;
};

static void text_put(struct text *t, const char *s, size_t n)
{
	if (n > sizeof(t->buf) - t->len) {
		fwrite(t->buf, 1, t->len, stdout);
		t->len = 0;
		if (n > sizeof(t->buf)) {
			fwrite(s, 1, n, stdout);
			return;
		}
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
}

static void text_str(struct text *t, const char *s)
{
	text_put(t, s, strlen(s));
}

/* ":N" without printf: formatting is a good part of a warm run's time. */
static void text_number(struct text *t, uint32_t v)
{
	char buf[12];
	size_t i = sizeof(buf);
	do
		buf[--i] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	buf[--i] = ':';
	text_put(t, buf + i, sizeof(buf) - i);
}

static void print_text(const struct symbolize_opts *o, const struct nsym_frames *fr)
{
	struct text t;

	t.len = 0;
	for (size_t i = 0; i < fr->count; i++) {
		const struct nsym_frame *f = &fr->frames[i];
		if (i > 0)
			text_put(&t, " (inlined by) ", 14);
		text_str(&t, f->function);
		text_put(&t, " at ", 4);
		text_str(&t, shown_file(o, f->file));
		text_number(&t, f->line);
		text_number(&t, f->column);
		text_put(&t, "\n", 1);
	}
	text_put(&t, "\n", 1);
	fwrite(t.buf, 1, t.len, stdout);
}

static void print_json(struct output *out, const char *addr_text, const struct nsym_frames *fr)
{
	fputs(out->printed > 0 ? ",\n" : "[\n", stdout);
	printf("{\"address\": ");
	nsym_json_string(stdout, addr_text);
	printf(", \"frames\": [");
	for (size_t i = 0; fr != NULL && i < fr->count; i++) {
		const struct nsym_frame *f = &fr->frames[i];
		printf("%s{\"function\": ", i > 0 ? ", " : "");
		nsym_json_string(stdout, f->function);
		printf(", \"file\": ");
		nsym_json_string(stdout, shown_file(out->opts, f->file));
		printf(", \"line\": %" PRIu32 ", \"column\": %" PRIu32 ", \"inlined\": %s", f->line,
		       f->column, f->inlined ? "true" : "false");
		if (f->approximate)
			printf(", \"approximate\": true");
		/* Rust: the name with the generic arguments legacy mangling drops */
		if (f->dwarf_name != NULL && strcmp(f->dwarf_name, f->function) != 0) {
			printf(", \"dwarf_name\": ");
			nsym_json_string(stdout, f->dwarf_name);
		}
		if (f->linkage_name != NULL && strcmp(f->linkage_name, f->function) != 0) {
			printf(", \"linkage_name\": ");
			nsym_json_string(stdout, f->linkage_name);
		}
		putchar('}');
	}
	printf("]}");
	out->printed++;
}

static bool parse_address(uint64_t *out, const char *text)
{
	char *end;
	const char *p = text;

	while (*p == ' ' || *p == '\t')
		p++;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	if (*p == '\0')
		return false;
	errno = 0;
	*out = strtoull(p, &end, 16);
	while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
		end++;
	return errno == 0 && *end == '\0' && *p != '-' && *p != '+';
}

/* Answers one address; returns false when the text is not an address. */
static bool answer(struct output *out, nsym_symbolizer *sym, struct nsym_frames *fr,
                   const char *text)
{
	const struct symbolize_opts *o = out->opts;
	char canon[32];
	uint64_t addr;
	int rc;

	if (!parse_address(&addr, text)) {
		nsym_cli_error("'%s' is not a hexadecimal address", text);
		if (o->json)
			print_json(out, text, NULL);
		else
			printf("??\n\n");
		return false;
	}
	/* an RVA (an offset from the image's start) plus the image base;
	 * text prints no linkage or DWARF names: from a symcache, not
	 * fetching them spares inflating the blocks that hold them */
	rc = nsym_symbolizer_lookup(fr, sym,
	                            o->relative ? addr + nsym_symbolizer_image_base(sym) : addr,
	                            o->flags | (o->json ? 0 : NSYM_LOOKUP_NO_EXTRA_NAMES));
	out->answered++;
	if (rc != 0) {
		nsym_cli_error("0x%" PRIx64 ": %s", addr, nsym_error_detail());
		fr->count = 0;
	}
	if (o->json) {
		/* the address as we read it, whatever the input's spelling */
		snprintf(canon, sizeof(canon), "0x%" PRIx64, addr);
		print_json(out, canon, fr);
	} else {
		print_text(o, fr);
	}
	return true;
}

/* Lines of stdin, read in large blocks. Output is flushed only before a read
 * that may block, so a pipe full of addresses costs one write per block of
 * answers, while a program that writes one address and waits for the answer
 * still gets it at once. */
#define MAX_LINE 4096

struct line_reader {
	char buf[65536];
	size_t start, end;
	char line[MAX_LINE + 1]; /* the current line, NUL-terminated */
	bool too_long;           /* the current line lost its tail */
	bool eof;
};

static bool fill(struct line_reader *r)
{
	ssize_t n;

	if (r->eof)
		return false;
	fflush(stdout);
	do
		n = read(STDIN_FILENO, r->buf, sizeof(r->buf));
	while (n < 0 && errno == EINTR);
	if (n <= 0) {
		r->eof = true;
		return false;
	}
	r->start = 0;
	r->end = (size_t)n;
	return true;
}

/* The next line without its newline (and CR), or NULL at the end. A line
 * longer than MAX_LINE keeps its first MAX_LINE bytes: no address is that
 * long, so it is reported as not an address. */
static const char *next_line(struct line_reader *r)
{
	size_t len = 0;

	r->too_long = false;
	for (;;) {
		if (r->start == r->end && !fill(r))
			return len > 0 ? r->line : NULL;
		char *nl = memchr(r->buf + r->start, '\n', r->end - r->start);
		size_t take = (nl != NULL ? (size_t)(nl - r->buf) : r->end) - r->start;
		size_t keep = len + take > MAX_LINE ? MAX_LINE - len : take;
		r->too_long |= keep < take;
		memcpy(r->line + len, r->buf + r->start, keep);
		len += keep;
		r->line[len] = '\0';
		r->start += take + (nl != NULL);
		if (nl != NULL) {
			if (len > 0 && r->line[len - 1] == '\r')
				r->line[--len] = '\0';
			return r->line;
		}
	}
}

static int answer_stdin(struct output *out, nsym_symbolizer *sym, struct nsym_frames *fr)
{
	struct line_reader *r = calloc(1, sizeof(*r));
	const char *line;
	int status = NSYM_EXIT_OK;

	if (r == NULL) {
		nsym_cli_error("out of memory");
		return NSYM_EXIT_FAIL;
	}
	while ((line = next_line(r)) != NULL) {
		if (line[0] == '\0')
			continue;
		/* answered ?? like any other line that is not an address, so
		 * answers stay in step with the input */
		if (!answer(out, sym, fr, r->too_long ? "(a line longer than 4096 bytes)" : line))
			status = NSYM_EXIT_FAIL;
	}
	free(r);
	return status;
}

/* After a long run the answers are out; the symcache is written by a child
 * that holds none of our output descriptors, so whoever reads our output sees
 * its end now, not seconds later. A failure only means no cache next time. */
static void write_cache_in_background(nsym_symbolizer *sym, const struct symbolize_opts *o)
{
	pid_t pid;
	int devnull;

	fflush(NULL);
	pid = fork();
	if (pid != 0)
		return; /* the parent, or fork failed: no cache this time */
	setsid();
	/* yield to whatever the user runs next: the cache is for later */
	if (nice(10) == -1)
		errno = 0;
	devnull = open("/dev/null", O_RDWR);
	if (devnull >= 0) {
		dup2(devnull, STDIN_FILENO);
		dup2(devnull, STDOUT_FILENO);
		dup2(devnull, STDERR_FILENO);
	}
	make_dirs(o->cache_dir);
	_exit(nsym_symbolizer_write_cache(sym, o->cache_dir) == 0 ? 0 : 1);
}

static int parse_options(struct symbolize_opts *o, int argc, char **argv)
{
	enum {
		OPT_DEBUG_FILE = 256,
		OPT_DEBUG_DIR,
		OPT_NO_INLINES,
		OPT_JSON,
		OPT_CACHE,
		OPT_CACHE_DIR,
		OPT_SERVER,
		OPT_NO_FETCH,
		OPT_ARCH,
		OPT_UUID,
		OPT_RELATIVE
	};
	static const struct option longopts[] = {
	    {"exe", required_argument, NULL, 'e'},
	    {"obj", required_argument, NULL, 'e'},
	    {"debug-file", required_argument, NULL, OPT_DEBUG_FILE},
	    {"debug-dir", required_argument, NULL, OPT_DEBUG_DIR},
	    {"return-addresses", no_argument, NULL, 'r'},
	    {"no-inlines", no_argument, NULL, OPT_NO_INLINES},
	    {"basenames", no_argument, NULL, 's'},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"cache", required_argument, NULL, OPT_CACHE},
	    {"cache-dir", required_argument, NULL, OPT_CACHE_DIR},
	    {"server", required_argument, NULL, OPT_SERVER},
	    {"no-fetch", no_argument, NULL, OPT_NO_FETCH},
	    {"arch", required_argument, NULL, OPT_ARCH},
	    {"uuid", required_argument, NULL, OPT_UUID},
	    {"relative-address", no_argument, NULL, OPT_RELATIVE},
	    {NULL, 0, NULL, 0},
	};
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":e:rs", longopts, NULL)) != -1) {
		switch (c) {
		case 'e':
			o->exe = optarg;
			break;
		case OPT_DEBUG_FILE:
			o->open.debug_file = optarg;
			break;
		case OPT_DEBUG_DIR:
			if (o->ndirs == MAX_DEBUG_DIRS)
				return nsym_cli_usage_error("symbolize", "too many --debug-dir");
			o->debug_dirs[o->ndirs++] = optarg;
			break;
		case 'r':
			o->flags |= NSYM_LOOKUP_RETURN_ADDRESS;
			break;
		case OPT_NO_INLINES:
			o->flags |= NSYM_LOOKUP_NO_INLINES;
			break;
		case 's':
			o->basenames = true;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_CACHE:
			if (strcmp(optarg, "auto") == 0)
				o->cache = CACHE_AUTO;
			else if (strcmp(optarg, "always") == 0)
				o->cache = CACHE_ALWAYS;
			else if (strcmp(optarg, "never") == 0)
				o->cache = CACHE_NEVER;
			else
				return nsym_cli_usage_error("symbolize",
				                            "--cache takes auto, always or never, "
				                            "not '%s'",
				                            optarg);
			break;
		case OPT_SERVER:
			o->servers = optarg;
			break;
		case OPT_NO_FETCH:
			o->no_fetch = true;
			break;
		case OPT_ARCH:
			o->open.arch = optarg;
			break;
		case OPT_UUID:
			o->open.uuid = optarg;
			break;
		case OPT_RELATIVE:
			o->relative = true;
			break;
		case OPT_CACHE_DIR:
			if (snprintf(o->cache_dir, sizeof(o->cache_dir), "%s", optarg) >=
			    (int)sizeof(o->cache_dir))
				return nsym_cli_usage_error("symbolize", "--cache-dir is too long");
			break;
		case ':':
			return nsym_cli_usage_error("symbolize", "option '%s' needs a value",
			                            argv[optind - 1]);
		default:
			return nsym_cli_usage_error("symbolize", "unknown option '%s'",
			                            argv[optind - 1]);
		}
	}
	if (o->exe == NULL)
		return nsym_cli_usage_error("symbolize", "no file given (-e FILE)");
	if (o->ndirs > 0)
		o->open.debug_dirs = o->debug_dirs;
	if (o->cache_dir[0] == '\0' && default_cache_dir(o->cache_dir, sizeof(o->cache_dir)) != 0)
		o->cache = CACHE_NEVER; /* no HOME, no XDG_CACHE_HOME: no cache */
	if (o->cache != CACHE_NEVER)
		o->open.cache_dir = o->cache_dir;
	return 0;
}

/* Whether a symcache is all that is needed of FILE's debug info: what
 * symbolize prints (functions, lines, inline chains) it answers. Not with
 * --cache never, which asks for none; nor for a PE image, whose symcache
 * a server builds from its PDB alone and keys by the PDB's identity. */
static bool wants_symcache(const nsym_symbolizer *sym, const struct symbolize_opts *o)
{
	return o->cache != CACHE_NEVER && nsym_symbolizer_debug_name(sym) == NULL;
}

/* Opens FILE; when it has no debug file on disk, takes a symcache, else
 * the debug file, from the download cache or the servers, and opens again
 * with it. */
static int open_symbolizer(nsym_symbolizer **sym, struct symbolize_opts *o)
{
	char why[512], id[NSYM_IMAGE_ID_SIZE];
	nsym_symbolizer *cached = NULL;

	if (nsym_symbolizer_open(sym, o->exe, &o->open) != 0) {
		nsym_cli_error("%s", nsym_error_detail());
		return -1;
	}
	if (nsym_symbolizer_debug_path(*sym) != NULL || nsym_symbolizer_cached(*sym) ||
	    o->open.debug_file != NULL)
		return 0;
	if (nsym_symbolizer_id(id, sizeof(id), *sym) == 0 && wants_symcache(*sym, o) &&
	    nsym_cli_symcache_open(&cached, id, o->servers, !o->no_fetch) == 0) {
		nsym_symbolizer_close(*sym);
		*sym = cached;
		return 0;
	}
	if (nsym_symbolizer_id(id, sizeof(id), *sym) != 0 ||
	    nsym_cli_debug_file(o->fetched, sizeof(o->fetched), id,
	                        nsym_symbolizer_debug_name(*sym), o->servers, !o->no_fetch, why,
	                        sizeof(why)) != 0) {
		if (why[0] != '\0')
			nsym_cli_error("warning: %s: %s; answering from its symbol table", o->exe,
			               why);
		return 0;
	}
	nsym_symbolizer_close(*sym);
	o->open.debug_file = o->fetched;
	if (nsym_symbolizer_open(sym, o->exe, &o->open) != 0) {
		nsym_cli_error("%s", nsym_error_detail());
		return -1;
	}
	return 0;
}

int cmd_symbolize(int argc, char **argv)
{
	struct symbolize_opts o = {0};
	struct nsym_frames frames = {0};
	struct output out = {.opts = &o};
	nsym_symbolizer *sym = NULL;
	int status = NSYM_EXIT_OK;

	if (parse_options(&o, argc, argv) != 0)
		return NSYM_EXIT_USAGE;
	if (open_symbolizer(&sym, &o) != 0)
		return NSYM_EXIT_FAIL;
	if (o.cache == CACHE_ALWAYS && !nsym_symbolizer_cached(sym)) {
		write_cache(sym, &o);
		/* answer from what was just written, as a later run would */
		nsym_symbolizer_close(sym);
		if (nsym_symbolizer_open(&sym, o.exe, &o.open) != 0) {
			nsym_cli_error("%s", nsym_error_detail());
			return NSYM_EXIT_FAIL;
		}
	}
	if (optind >= argc) {
		status = answer_stdin(&out, sym, &frames);
	} else {
		for (int i = optind; i < argc; i++) {
			if (!answer(&out, sym, &frames, argv[i]))
				status = NSYM_EXIT_FAIL;
		}
	}
	if (o.json)
		fputs(out.printed > 0 ? "\n]\n" : "[]\n", stdout);
	fflush(stdout);
	if (o.cache == CACHE_AUTO && out.answered >= CACHE_AUTO_MIN_ADDRESSES &&
	    !nsym_symbolizer_cached(sym))
		write_cache_in_background(sym, &o);
	nsym_frames_release(&frames);
	nsym_symbolizer_close(sym);
	return status;
}
