/*
 * napi-symbols upload: debug files (and executables, dSYMs, PDBs) to a
 * symbol server. The server is asked first what it lacks, so a CI job that
 * runs on every build re-sends nothing; uploads stream from disk, several
 * at once, and transport errors and 5xx are retried with backoff.
 */
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "commands.h"
#include "napi_symbols.h"
#include "napi_symbols_util.h"
#include "upload.h"

const char cmd_upload_usage[] =
    "usage: napi-symbols upload [options] PATH...\n"
    "\n"
    "Uploads debug files to a symbol server: ELF debug files and unstripped\n"
    "binaries, executables, Mach-O files and .dSYM bundles, PE files and PDBs.\n"
    "Folders are searched. The server is asked which identities it lacks, and\n"
    "only those files are sent, streaming, several at once. Transport errors\n"
    "and server errors (5xx) are retried with backoff; a refusal (401, 403, 413,\n"
    "415, 422) is explained in one line.\n"
    "\n"
    "Options:\n"
    "      --server URL    the server (default: the first of NAPI_SYMBOLS_SERVER,\n"
    "                      else of DEBUGINFOD_URLS)\n"
    "      --token TOKEN   a token with the upload scope (default NAPI_SYMBOLS_TOKEN)\n"
    "      --package NAME@VERSION\n"
    "                      the npm package the files came in, recorded with\n"
    "                      them so the server can be searched by it (default:\n"
    "                      the name and version of the package.json nearest\n"
    "                      above each file, as in node_modules/PKG/, when it\n"
    "                      names a valid npm package; none otherwise)\n"
    "      --sources       also upload the source files the DWARF of each debug\n"
    "                      file names, those that exist on this machine, so\n"
    "                      gdb can read them from the server\n"
    "  -n, --dry-run       say what would be uploaded, upload nothing\n"
    "      --json          print the results as a JSON array\n"
    "  -q, --quiet         print only failures\n"
    "  -h, --help          show this help\n"
    "\n"
    "Exit status: 0 every file is on the server (uploaded now or before);\n"
    "1 something failed (one line each, and a summary); 129 usage error.\n";

struct upload_cli {
	struct nsym_upload *u;
	size_t n, cap;
	const char *package; /* --package, checked; NULL to look for package.json */
	bool json, quiet, dry_run, sources;
	struct nsym_source_counts counts;
	int status;
};

/* ---- finding files ---------------------------------------------------------- */

static bool seen_before(struct upload_cli *cli, const struct stat *st)
{
	for (size_t i = 0; i < cli->n; i++) {
		if (cli->u[i].dev == st->st_dev && cli->u[i].ino == st->st_ino)
			return true;
	}
	return false;
}

/* Adds path when it is a binary the server can identify; named paths
 * report why not. */
static void add_candidate(struct upload_cli *cli, const char *path, bool named)
{
	struct nsym_upload u = {0};
	struct stat st;
	char err[512];

	if (stat(path, &st) != 0 || seen_before(cli, &st))
		return;
	if (nsym_upload_identify(&u, path, err, sizeof(err)) != 0) {
		if (named) {
			nsym_cli_error("%s", err);
			cli->status = NSYM_EXIT_FAIL;
		}
		return;
	}
	u.dev = st.st_dev;
	u.ino = st.st_ino;
	if (cli->package != NULL)
		snprintf(u.package, sizeof(u.package), "%s", cli->package);
	else
		nsym_upload_package_find(u.package, sizeof(u.package), path);
	if (cli->n == cli->cap) {
		size_t cap = cli->cap ? 2 * cli->cap : 32;
		struct nsym_upload *grown = realloc(cli->u, cap * sizeof(*grown));
		if (grown == NULL) {
			nsym_upload_release(&u);
			return;
		}
		cli->u = grown;
		cli->cap = cap;
	}
	cli->u[cli->n++] = u;
}

static bool is_dsym(const char *name)
{
	size_t n = strlen(name);
	return n > 5 && strcmp(name + n - 5, ".dSYM") == 0;
}

static void walk(struct upload_cli *cli, const char *path, bool named, int depth)
{
	struct stat st;
	DIR *d;
	struct dirent *e;

	if (lstat(path, &st) != 0) {
		if (named) {
			nsym_cli_error("%s: %s", path, strerror(errno));
			cli->status = NSYM_EXIT_FAIL;
		}
		return;
	}
	if (!S_ISDIR(st.st_mode) || is_dsym(path)) {
		if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode) || named)
			add_candidate(cli, path, named);
		return;
	}
	if (depth > 32 || (d = opendir(path)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char child[4096];
		if (e->d_name[0] == '.' && (e->d_name[1] == '\0' || strcmp(e->d_name, "..") == 0))
			continue;
		if ((size_t)snprintf(child, sizeof(child), "%s/%s", path, e->d_name) <
		    sizeof(child))
			walk(cli, child, false, depth + 1);
	}
	closedir(d);
}

/* ---- output ------------------------------------------------------------------ */

static void print_results(const struct upload_cli *cli)
{
	if (cli->json)
		fputs("[", stdout);
	for (size_t i = 0; i < cli->n; i++) {
		const struct nsym_upload *u = &cli->u[i];
		if (cli->json) {
			printf("%s\n{\"path\": ", i > 0 ? "," : "");
			nsym_json_string(stdout, u->path);
			printf(", \"id\": \"%s\", \"size\": %" PRIu64 ", \"result\": \"%s\"", u->id,
			       u->size, nsym_upload_result_text(u));
			printf(", \"package\": ");
			if (u->package[0] != '\0')
				nsym_json_string(stdout, u->package);
			else
				fputs("null", stdout);
			if (u->state == NSYM_UPLOAD_FAILED) {
				printf(", \"error\": ");
				nsym_json_string(stdout, u->error);
			}
			fputs("}", stdout);
		} else if (!cli->quiet || u->state == NSYM_UPLOAD_FAILED) {
			printf("%s  %s  %s%s%s\n", u->path, u->id, nsym_upload_result_text(u),
			       u->state == NSYM_UPLOAD_FAILED ? ": " : "", u->error);
		}
	}
	if (cli->json)
		fputs(cli->n > 0 ? "\n]\n" : "]\n", stdout);
}

static int summarize(const struct upload_cli *cli)
{
	size_t count[NSYM_UPLOAD_FAILED + 1] = {0};

	for (size_t i = 0; i < cli->n; i++)
		count[cli->u[i].state]++;
	if (!cli->json && !cli->quiet)
		fprintf(stderr,
		        "%zu file%s: %zu uploaded, %zu already there, %zu to upload, %zu failed\n",
		        cli->n, cli->n == 1 ? "" : "s", count[NSYM_UPLOAD_DONE],
		        count[NSYM_UPLOAD_PRESENT], count[NSYM_UPLOAD_WOULD],
		        count[NSYM_UPLOAD_FAILED]);
	if (cli->sources && !cli->json && !cli->quiet)
		fprintf(stderr,
		        "sources: %zu uploaded, %zu already there, %zu to upload, %zu not on this "
		        "machine, %zu failed\n",
		        cli->counts.uploaded, cli->counts.present, cli->counts.would,
		        cli->counts.absent, cli->counts.failed);
	if (cli->sources && cli->counts.failed > 0)
		return NSYM_EXIT_FAIL;
	return count[NSYM_UPLOAD_FAILED] > 0 ? NSYM_EXIT_FAIL : cli->status;
}

static void release(struct upload_cli *cli)
{
	for (size_t i = 0; i < cli->n; i++)
		nsym_upload_release(&cli->u[i]);
	free(cli->u);
}

static int run(struct upload_cli *cli, const struct nsym_client *c)
{
	char err[512];
	int rc;

	if (c->nservers == 0) {
		nsym_cli_error(
		    "no symbol server: --server URL, NAPI_SYMBOLS_SERVER or DEBUGINFOD_URLS");
		return NSYM_EXIT_FAIL;
	}
	if (nsym_upload_run(c, cli->u, cli->n, cli->dry_run,
	                    !cli->json && !cli->quiet && isatty(STDERR_FILENO),
	                    cli->sources ? &cli->counts : NULL, err, sizeof(err)) != 0) {
		nsym_cli_error("%s", err);
		return NSYM_EXIT_FAIL;
	}
	print_results(cli);
	rc = summarize(cli);
	return rc;
}

int cmd_upload(int argc, char **argv)
{
	enum { OPT_SERVER = 256, OPT_TOKEN, OPT_JSON, OPT_SOURCES, OPT_PACKAGE };
	static const struct option longopts[] = {
	    {"server", required_argument, NULL, OPT_SERVER},
	    {"token", required_argument, NULL, OPT_TOKEN},
	    {"dry-run", no_argument, NULL, 'n'},
	    {"sources", no_argument, NULL, OPT_SOURCES},
	    {"package", required_argument, NULL, OPT_PACKAGE},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"quiet", no_argument, NULL, 'q'},
	    {NULL, 0, NULL, 0},
	};
	struct upload_cli cli = {.status = NSYM_EXIT_OK};
	const char *server = NULL, *token = NULL;
	struct nsym_client c;
	char err[256], name[NSYM_NPM_NAME_MAX + 1], version[NSYM_NPM_VERSION_MAX + 1];
	int opt, rc;

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":nq", longopts, NULL)) != -1) {
		if (opt == OPT_SERVER)
			server = optarg;
		else if (opt == OPT_TOKEN)
			token = optarg;
		else if (opt == 'n')
			cli.dry_run = true;
		else if (opt == OPT_JSON)
			cli.json = true;
		else if (opt == OPT_SOURCES)
			cli.sources = true;
		else if (opt == OPT_PACKAGE)
			cli.package = optarg;
		else if (opt == 'q')
			cli.quiet = true;
		else
			return nsym_cli_usage_error("upload", "%s '%s'",
			                            opt == ':' ? "option needs a value"
			                                       : "unknown option",
			                            argv[optind - 1]);
	}
	if (optind == argc)
		return nsym_cli_usage_error("upload", "no file or folder given");
	/* the server refuses what is not one; said here, before any upload */
	if (cli.package != NULL &&
	    nsym_npm_package_split(name, version, cli.package, true, err, sizeof(err)) != 0)
		return nsym_cli_usage_error("upload", "--package '%s': %s", cli.package, err);
	if (nsym_client_init(&c, server, token, err, sizeof(err)) != 0) {
		nsym_cli_error("%s", err);
		return NSYM_EXIT_FAIL;
	}
	for (int i = optind; i < argc; i++)
		walk(&cli, argv[i], true, 0);
	if (cli.n == 0 && cli.status == NSYM_EXIT_OK)
		fprintf(stderr, "nothing to upload: no binaries with an identity found\n");
	rc = cli.n > 0 ? run(&cli, &c) : cli.status;
	release(&cli);
	return rc;
}
