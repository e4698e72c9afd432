/*
 * napi-symbols run -- PROGRAM [ARGS...]: runs a program with the crash hook
 * preloaded and the CLI named for it, so that nobody types the hook's path.
 * The hook is found beside this program as the packages and the build tree
 * lay it out; LD_PRELOAD gets it in front of what was there, and
 * NAPI_SYMBOLS_BIN names this program, so the hook's symbolicating child is
 * the same napi-symbols whatever PATH holds. The program then replaces this
 * process (execvp), so its exit status and signals are its own.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"

#define HOOK_NAME "libnapi_symbols_hook.so"

const char cmd_run_usage[] =
    "usage: napi-symbols run [--hook FILE] [--] PROGRAM [ARGS...]\n"
    "\n"
    "Runs PROGRAM (node app.js, npm test...) with the crash hook preloaded:\n"
    "a crash or panic in a native addon writes a report and prints its\n"
    "symbolicated trace, as loader-hook/README.md describes. The hook's\n"
    "settings (NAPI_SYMBOLS_SERVER, NAPI_SYMBOLS_REPORT_DIR...) are read from\n"
    "the environment as usual; NAPI_SYMBOLS_BIN is set to this program unless\n"
    "it is set already. Put -- before PROGRAM when its arguments hold -h or\n"
    "--help.\n"
    "\n"
    "  --hook FILE   the hook library; default " HOOK_NAME "\n"
    "                beside this program: in ../lib/napi-symbols/ (the npm\n"
    "                and Debian packages), else ../loader-hook/ (a build)\n"
    "\n"
    "Exit status: PROGRAM's own; 1 no hook found; 126 PROGRAM cannot be run;\n"
    "127 PROGRAM not found; 129 usage error.\n";

/* Where the packages and the build tree put the hook, from this program's folder. */
static const char *const hook_places[] = {
    "../lib/napi-symbols/" HOOK_NAME,
    "../loader-hook/" HOOK_NAME,
};

/* out: the hook beside the program at exe; 0, or -1 when none is there. */
static int find_hook(char *out, size_t size, const char *exe)
{
	const char *slash = strrchr(exe, '/');
	int dir_len = slash != NULL ? (int)(slash - exe) : 0;

	for (size_t i = 0; i < sizeof(hook_places) / sizeof(hook_places[0]); i++) {
		char path[PATH_MAX];
		int n = snprintf(path, sizeof(path), "%.*s/%s", dir_len, exe, hook_places[i]);
		if (n > 0 && (size_t)n < sizeof(path) && realpath(path, out) != NULL &&
		    strlen(out) < size && access(out, R_OK) == 0)
			return 0;
	}
	return -1;
}

/* LD_PRELOAD with hook in front, unless it is there already; 0 or -1. */
static int preload(const char *hook)
{
	const char *old = getenv("LD_PRELOAD");
	char *value;
	size_t n;
	int rc;

	if (old != NULL && strstr(old, hook) != NULL)
		return 0;
	n = strlen(hook) + (old != NULL ? strlen(old) + 1 : 0) + 1;
	if ((value = malloc(n)) == NULL)
		return -1;
	snprintf(value, n, "%s%s%s", hook, old != NULL && old[0] ? ":" : "",
	         old != NULL ? old : "");
	rc = setenv("LD_PRELOAD", value, 1);
	free(value);
	return rc;
}

int cmd_run(int argc, char **argv)
{
	enum { OPT_HOOK = 256 };
	static const struct option longopts[] = {
	    {"hook", required_argument, NULL, OPT_HOOK},
	    {NULL, 0, NULL, 0},
	};
	const char *hook_arg = NULL;
	char exe[PATH_MAX], hook[PATH_MAX];
	ssize_t len;
	int opt;

	opterr = 0;
	optind = 1;
	/* "+": options end at PROGRAM, whose own options are its business */
	while ((opt = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		if (opt == OPT_HOOK) {
			hook_arg = optarg;
			continue;
		}
		return nsym_cli_usage_error("run", "bad option or value '%s'", argv[optind - 1]);
	}
	if (optind >= argc)
		return nsym_cli_usage_error("run", "no program to run");

	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len <= 0) {
		nsym_cli_error("cannot find this program (/proc/self/exe): %s", strerror(errno));
		return NSYM_EXIT_FAIL;
	}
	exe[len] = '\0';
	if (hook_arg != NULL) {
		if (realpath(hook_arg, hook) == NULL) {
			nsym_cli_error("'%s': %s", hook_arg, strerror(errno));
			return NSYM_EXIT_FAIL;
		}
	} else if (find_hook(hook, sizeof(hook), exe) != 0) {
		nsym_cli_error("the crash hook %s is not beside '%s' (in ../lib/napi-symbols/); "
		               "pass --hook FILE",
		               HOOK_NAME, exe);
		return NSYM_EXIT_FAIL;
	}
	/* The loader splits LD_PRELOAD at spaces and colons, with no way to quote. */
	if (strpbrk(hook, " :") != NULL) {
		nsym_cli_error("the hook's path '%s' holds a space or a colon, which LD_PRELOAD "
		               "cannot carry; copy it elsewhere and pass --hook FILE",
		               hook);
		return NSYM_EXIT_FAIL;
	}
	if (preload(hook) != 0 || setenv("NAPI_SYMBOLS_BIN", exe, 0) != 0) {
		nsym_cli_error("cannot set the environment: %s", strerror(errno));
		return NSYM_EXIT_FAIL;
	}
	execvp(argv[optind], argv + optind);
	nsym_cli_error("cannot run '%s': %s", argv[optind], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}
