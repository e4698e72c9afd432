/* Entry point: global options, then dispatch through the command table. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"

void nsym_cli_print_overview(FILE *out)
{
	fprintf(out, "usage: napi-symbols [--version] [--help] <command> [<args>]\n\n"
	             "Turns crashes of stripped native Node.js addons into source lines.\n\n"
	             "Commands:\n");
	for (const struct nsym_cmd *c = nsym_cmds; c->name != NULL; c++)
		fprintf(out, "  %-12s %s\n", c->name, c->summary);
	fprintf(out, "\nRun 'napi-symbols help <command>' or 'napi-symbols <command> --help' "
	             "for a command's options.\n"
	             "Exit status: 0 success, 1 failure, 129 usage error.\n");
}

static void verror(const char *fmt, va_list ap)
{
	fputs("napi-symbols: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void nsym_cli_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	verror(fmt, ap);
	va_end(ap);
}

void nsym_cli_warn(struct nsym_cli_warnings *w, const char *fmt, ...)
{
	va_list ap;

	if (w->n++ >= NSYM_CLI_WARNINGS_SHOWN)
		return;
	fputs("napi-symbols: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void nsym_cli_warn_end(struct nsym_cli_warnings *w)
{
	size_t hidden = w->n > NSYM_CLI_WARNINGS_SHOWN ? w->n - NSYM_CLI_WARNINGS_SHOWN : 0;

	if (hidden > w->counted)
		nsym_cli_error("warning: %zu more %s (not shown)", hidden - w->counted, w->what);
	w->counted = hidden;
}

void nsym_cli_warn_kind(void *ctx, const char *kind, const char *message)
{
	struct nsym_cli_warn_kinds *k = ctx;
	size_t i = 0;

	while (i < k->n && strcmp(k->kind[i].what, kind) != 0)
		i++;
	if (i == k->n && k->n < NSYM_CLI_WARN_KINDS) {
		snprintf(k->kind[i].what, sizeof(k->kind[i].what), "%s", kind);
		k->kind[i].warnings.what = k->kind[i].what;
		k->n++;
	}
	/* kinds are a handful of fixed nouns: past the table, the last is shared */
	nsym_cli_warn(&k->kind[i < k->n ? i : k->n - 1].warnings, "%s", message);
}

void nsym_cli_warn_kindf(struct nsym_cli_warn_kinds *k, const char *kind, const char *fmt, ...)
{
	char message[8192]; /* a path of PATH_MAX and what is said about it */
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	nsym_cli_warn_kind(k, kind, message);
}

void nsym_cli_warn_kinds_end(struct nsym_cli_warn_kinds *k)
{
	for (size_t i = 0; i < k->n; i++)
		nsym_cli_warn_end(&k->kind[i].warnings);
}

int nsym_cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	verror(fmt, ap);
	va_end(ap);
	fprintf(stderr, "see 'napi-symbols %s --help'\n", cmd);
	return NSYM_EXIT_USAGE;
}

/* The command line to its command: an exit status. */
static int dispatch(int argc, char **argv)
{
	const struct nsym_cmd *c;

	if (argc < 2) {
		nsym_cli_print_overview(stderr);
		return NSYM_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		nsym_cli_print_overview(stdout);
		return NSYM_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("napi-symbols %s\n", NSYM_VERSION);
		return NSYM_EXIT_OK;
	}
	c = nsym_cmd_find(argv[1]);
	if (c == NULL) {
		nsym_cli_error("'%s' is not a command; see 'napi-symbols --help'", argv[1]);
		return NSYM_EXIT_USAGE;
	}
	for (int i = 2; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(c->usage, stdout);
			return NSYM_EXIT_OK;
		}
	}
	return c->run(argc - 1, argv + 1);
}

int main(int argc, char **argv)
{
	int rc;

	/* A file-size limit (ulimit -f) then fails a write with EFBIG, which
	 * each command reports as it would ENOSPC (fetch, split; serve answers
	 * the one upload 507; standard output below), instead of killing the
	 * process. */
	signal(SIGXFSZ, SIG_IGN);
	rc = dispatch(argc, argv);
	/* Output cut short (a full disk, the file-size limit) fails the
	 * command, whatever it printed: no command checks each printf. The
	 * error of a write that failed earlier is gone by now. */
	errno = 0;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		nsym_cli_error("cannot write the output: %s",
		               errno != 0 ? strerror(errno) : "a write failed before it ended");
		return rc != NSYM_EXIT_OK ? rc : NSYM_EXIT_FAIL;
	}
	return rc;
}
