/*
 * napi-symbols fetch: the debug files of every native addon a project has
 * installed, from the symbol servers into the shared cache, in parallel.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client.h"
#include "commands.h"
#include "napi_symbols.h"
#include "napi_symbols_util.h"
#include "project_walk.h"

const char cmd_fetch_usage[] =
    "usage: napi-symbols fetch [options] [DIR|FILE...]\n"
    "\n"
    "Finds the native addons (.node files, and shared libraries packages ship)\n"
    "under each DIR's node_modules the way Node resolves packages (nested and\n"
    "scoped packages, pnpm's .pnpm store and symlinks, yarn), or takes each\n"
    "FILE, reads its identity (GNU build-id, or the fallback identity), and\n"
    "downloads the debug files the cache lacks from the symbol servers, several\n"
    "at once. Each download is checked to carry the identity asked for. The\n"
    "cache is the debuginfod client's, so gdb and debuginfod-find use what was\n"
    "fetched. Default: the project in the current folder.\n"
    "\n"
    "Options:\n"
    "      --server URLS   symbol servers, space-separated, tried in order\n"
    "                      (default NAPI_SYMBOLS_SERVER, else DEBUGINFOD_URLS)\n"
    "      --token TOKEN   for servers that need one (default NAPI_SYMBOLS_TOKEN);\n"
    "                      never sent to servers taken from DEBUGINFOD_URLS\n"
    "      --json          print the results as a JSON array\n"
    "  -q, --quiet         print only failures\n"
    "  -h, --help          show this help\n"
    "\n"
    "Environment: NAPI_SYMBOLS_CONNECT_TIMEOUT (seconds, default 5),\n"
    "NAPI_SYMBOLS_TIMEOUT (seconds a transfer may stall, default 30),\n"
    "DEBUGINFOD_CACHE_PATH (the cache folder), NAPI_SYMBOLS_SPLICE=0 (downloads\n"
    "from http://ADDRESS or http://localhost through libcurl too, instead of\n"
    "splicing the body into the cache file; http_proxy and all_proxy have the\n"
    "same effect).\n"
    "\n"
    "A folder or addon that cannot be read is named on stderr with the reason\n"
    "and skipped; the rest is still fetched.\n"
    "\n"
    "Exit status: 0 the walk and the downloads worked, even when a server has\n"
    "no symbols for some addon; 1 no server could be reached, a download\n"
    "failed, or a path cannot be read; 129 usage error.\n";

struct target {
	char *path, *package, *version;
};

struct fetch_cli {
	struct target *t;
	struct nsym_fetch *jobs;
	size_t n, cap;
	bool json, quiet;
	int status;
};

static char *dup_or_empty(const char *s)
{
	return strdup(s != NULL ? s : "");
}

/* Adds every image identity of the file at path as a job. */
static void add_file(struct fetch_cli *f, const char *path, const char *package,
                     const char *version, bool named)
{
	nsym_file *file = NULL;

	if (nsym_file_open(&file, path) != 0) {
		if (named) {
			nsym_cli_error("%s", nsym_error_detail());
			f->status = NSYM_EXIT_FAIL;
		}
		return;
	}
	for (size_t i = 0; i < nsym_file_image_count(file); i++) {
		char id[NSYM_IMAGE_ID_SIZE];
		if (nsym_image_id(id, sizeof(id), nsym_file_image(file, i), NSYM_ID_NATIVE) != 0)
			continue;
		if (f->n == f->cap) {
			size_t cap = f->cap ? 2 * f->cap : 64;
			struct target *t = realloc(f->t, cap * sizeof(*t));
			struct nsym_fetch *j =
			    t != NULL ? realloc(f->jobs, cap * sizeof(*j)) : NULL;
			if (t != NULL)
				f->t = t;
			if (j == NULL)
				break;
			f->jobs = j;
			f->cap = cap;
		}
		for (char *p = id; *p != '\0'; p++)
			*p = (char)(*p >= 'A' && *p <= 'F' ? *p + 32 : *p);
		memset(&f->jobs[f->n], 0, sizeof(f->jobs[f->n]));
		snprintf(f->jobs[f->n].id, sizeof(f->jobs[f->n].id), "%s", id);
		f->jobs[f->n].kind = "debuginfo";
		f->t[f->n] =
		    (struct target){strdup(path), dup_or_empty(package), dup_or_empty(version)};
		f->n++;
	}
	nsym_file_close(file);
}

static int on_addon(void *arg, const struct nsym_addon_file *a)
{
	add_file(arg, a->path, a->package, a->version, false);
	return 0;
}

/* A folder or file the walk could not read may hold addons: said, and the
 * run fails once the rest is fetched. */
static void on_unreadable(void *arg, const char *path, const char *why)
{
	struct fetch_cli *f = arg;

	nsym_cli_error("cannot read '%s': %s; skipped", path, why);
	f->status = NSYM_EXIT_FAIL;
}

static void collect(struct fetch_cli *f, const char *path)
{
	struct nsym_walk_stats stats = {0};
	struct stat st;
	char err[512];

	if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
		add_file(f, path, NULL, NULL, true);
		return;
	}
	if (nsym_project_walk(path, on_addon, on_unreadable, f, &stats, err, sizeof(err)) != 0) {
		nsym_cli_error("%s", err);
		f->status = NSYM_EXIT_FAIL;
	}
}

/* ---- output ------------------------------------------------------------------- */

static const char *state_text(const struct nsym_fetch *j)
{
	switch (j->state) {
	case NSYM_FETCH_CACHED:
		return "cached";
	case NSYM_FETCH_FOUND:
		return "found";
	case NSYM_FETCH_NOT_ON_SERVER:
		return "not on server";
	default:
		return "failed";
	}
}

static void print_table(const struct fetch_cli *f)
{
	for (size_t i = 0; i < f->n; i++) {
		const struct nsym_fetch *j = &f->jobs[i];
		const struct target *t = &f->t[i];
		if (f->quiet && j->state != NSYM_FETCH_FAILED)
			continue;
		printf("%s  %s%s%s  %s  %s", t->path, t->package[0] ? t->package : "-",
		       t->version[0] ? "@" : "", t->version, j->id, state_text(j));
		if (j->state == NSYM_FETCH_FAILED)
			printf(": %s", j->error);
		putchar('\n');
	}
}

static void print_json(const struct fetch_cli *f)
{
	fputs("[", stdout);
	for (size_t i = 0; i < f->n; i++) {
		const struct nsym_fetch *j = &f->jobs[i];
		printf("%s\n{\"path\": ", i > 0 ? "," : "");
		nsym_json_string(stdout, f->t[i].path);
		printf(", \"package\": ");
		nsym_json_string(stdout, f->t[i].package);
		printf(", \"version\": ");
		nsym_json_string(stdout, f->t[i].version);
		printf(", \"id\": \"%s\", \"result\": \"%s\", \"debug_file\": ", j->id,
		       state_text(j));
		if (j->state == NSYM_FETCH_CACHED || j->state == NSYM_FETCH_FOUND)
			nsym_json_string(stdout, j->path);
		else
			fputs("null", stdout);
		if (j->state == NSYM_FETCH_FAILED) {
			printf(", \"error\": ");
			nsym_json_string(stdout, j->error);
		}
		fputs("}", stdout);
	}
	fputs(f->n > 0 ? "\n]\n" : "]\n", stdout);
}

/* A line on a terminal that rewrites itself; nothing otherwise. */
static void progress(void *arg, size_t done, size_t n, uint64_t bytes)
{
	(void)arg;
	fprintf(stderr, "\rfetching: %zu of %zu done, %.1f MB", done, n, (double)bytes / 1048576.0);
	if (done == n)
		fputs("\n", stderr);
}

static int summarize(struct fetch_cli *f, const struct nsym_client *c)
{
	size_t count[NSYM_FETCH_FAILED + 1] = {0}, reached = 0, asked = 0;

	for (size_t i = 0; i < f->n; i++) {
		count[f->jobs[i].state]++;
		asked += f->jobs[i].state == NSYM_FETCH_FAILED ||
		         f->jobs[i].state == NSYM_FETCH_FOUND || f->jobs[i].reached;
		reached += f->jobs[i].reached;
	}
	if (!f->json && !f->quiet)
		fprintf(stderr,
		        "%zu addon identit%s: %zu found, %zu cached, %zu not on the servers, %zu "
		        "failed\n",
		        f->n, f->n == 1 ? "y" : "ies", count[NSYM_FETCH_FOUND],
		        count[NSYM_FETCH_CACHED], count[NSYM_FETCH_NOT_ON_SERVER],
		        count[NSYM_FETCH_FAILED]);
	if (asked > 0 && reached == 0 && count[NSYM_FETCH_FAILED] > 0) {
		nsym_cli_error("no symbol server could be reached (%s)", c->servers[0]);
		return NSYM_EXIT_FAIL;
	}
	return count[NSYM_FETCH_FAILED] > 0 ? NSYM_EXIT_FAIL : f->status;
}

static void fetch_free(struct fetch_cli *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->t[i].path);
		free(f->t[i].package);
		free(f->t[i].version);
	}
	free(f->t);
	free(f->jobs);
}

static int run(struct fetch_cli *f, struct nsym_client *c)
{
	int rc;

	if (c->nservers == 0) {
		nsym_cli_error(
		    "no symbol server: --server URL, NAPI_SYMBOLS_SERVER or DEBUGINFOD_URLS");
		return NSYM_EXIT_FAIL;
	}
	if (nsym_fetch_run(c, f->jobs, f->n,
	                   !f->json && !f->quiet && isatty(STDERR_FILENO) ? progress : NULL,
	                   NULL) != 0) {
		nsym_cli_error("cannot start libcurl");
		return NSYM_EXIT_FAIL;
	}
	if (f->json)
		print_json(f);
	else
		print_table(f);
	rc = summarize(f, c);
	return rc;
}

int cmd_fetch(int argc, char **argv)
{
	enum { OPT_SERVER = 256, OPT_TOKEN, OPT_JSON };
	static const struct option longopts[] = {
	    {"server", required_argument, NULL, OPT_SERVER},
	    {"token", required_argument, NULL, OPT_TOKEN},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"quiet", no_argument, NULL, 'q'},
	    {NULL, 0, NULL, 0},
	};
	struct fetch_cli f = {.status = NSYM_EXIT_OK};
	struct nsym_client c;
	const char *servers = NULL, *token = NULL;
	char err[256];
	int opt, rc;

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":q", longopts, NULL)) != -1) {
		if (opt == OPT_SERVER)
			servers = optarg;
		else if (opt == OPT_TOKEN)
			token = optarg;
		else if (opt == OPT_JSON)
			f.json = true;
		else if (opt == 'q')
			f.quiet = true;
		else
			return nsym_cli_usage_error("fetch", "%s '%s'",
			                            opt == ':' ? "option needs a value"
			                                       : "unknown option",
			                            argv[optind - 1]);
	}
	if (nsym_client_init(&c, servers, token, err, sizeof(err)) != 0) {
		nsym_cli_error("%s", err);
		return NSYM_EXIT_FAIL;
	}
	if (optind == argc)
		collect(&f, ".");
	for (int i = optind; i < argc; i++)
		collect(&f, argv[i]);
	rc = f.n > 0 ? run(&f, &c) : f.status;
	if (f.n == 0 && rc == NSYM_EXIT_OK && !f.quiet)
		fprintf(stderr, "no native addons found\n");
	fetch_free(&f);
	return rc;
}
