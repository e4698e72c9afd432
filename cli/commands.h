/*
 * The napi-symbols program: one table of subcommands (commands.c), each in
 * its own cmd_<name>.c. A command returns the process exit status:
 * 0 success, 1 failure, 129 usage error (as git does).
 */
#ifndef NSYM_CLI_COMMANDS_H
#define NSYM_CLI_COMMANDS_H

#include <stdio.h>

#define NSYM_EXIT_OK    0
#define NSYM_EXIT_FAIL  1
#define NSYM_EXIT_USAGE 129

struct nsym_cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary; /* one line for the command list */
	const char *usage;   /* the whole --help text */
};

extern const struct nsym_cmd nsym_cmds[];

const struct nsym_cmd *nsym_cmd_find(const char *name);

int cmd_cache(int argc, char **argv);
int cmd_fetch(int argc, char **argv);
int cmd_help(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_split(int argc, char **argv);
int cmd_symbolicate(int argc, char **argv);
int cmd_symbolize(int argc, char **argv);
int cmd_token(int argc, char **argv);
int cmd_store(int argc, char **argv);
int cmd_upload(int argc, char **argv);
int cmd_verify(int argc, char **argv);

extern const char cmd_cache_usage[];
extern const char cmd_fetch_usage[];
extern const char cmd_help_usage[];
extern const char cmd_inspect_usage[];
extern const char cmd_run_usage[];
extern const char cmd_serve_usage[];
extern const char cmd_split_usage[];
extern const char cmd_symbolicate_usage[];
extern const char cmd_symbolize_usage[];
extern const char cmd_token_usage[];
extern const char cmd_store_usage[];
extern const char cmd_upload_usage[];
extern const char cmd_verify_usage[];

/* The command list and what the program is for. */
void nsym_cli_print_overview(FILE *out);

/* Prints "napi-symbols: message" on stderr. */
void nsym_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * Warnings that input can repeat without end (a damaged line, a frame past
 * a cap): nsym_cli_warn prints "napi-symbols: warning: message" for the
 * first NSYM_CLI_WARNINGS_SHOWN of a kind and only counts the rest;
 * nsym_cli_warn_end then prints one line with the count not shown since
 * its last call, if any. Zero-initialise all but what.
 */
#define NSYM_CLI_WARNINGS_SHOWN 20

struct nsym_cli_warnings {
	const char *what; /* the count line's noun: "maps lines skipped" */
	size_t n;         /* warnings so far */
	size_t counted;   /* of those not shown, the ones a count line has named */
};

void nsym_cli_warn(struct nsym_cli_warnings *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void nsym_cli_warn_end(struct nsym_cli_warnings *w);

/*
 * The warnings of a run that come by kind, from the library's readers and
 * pipeline (napi_symbols_report.h) and the command's own: each kind capped
 * on its own as above, its kind the count line's noun. nsym_cli_warn_kind
 * is an nsym_report_warn_fn whose ctx is a zero-initialised struct
 * nsym_cli_warn_kinds; nsym_cli_warn_kinds_end prints the count lines
 * that are due, in the order the kinds were first met.
 */
#define NSYM_CLI_WARN_KINDS 16

struct nsym_cli_warn_kinds {
	struct {
		char what[80];                     /* the kind, copied */
		struct nsym_cli_warnings warnings; /* what points at the copy */
	} kind[NSYM_CLI_WARN_KINDS];
	size_t n;
};

void nsym_cli_warn_kind(void *ctx, const char *kind, const char *message);
/* nsym_cli_warn_kind with a message to format: the command's own warnings. */
void nsym_cli_warn_kindf(struct nsym_cli_warn_kinds *k, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void nsym_cli_warn_kinds_end(struct nsym_cli_warn_kinds *k);

/* Prints the error and "see 'napi-symbols CMD --help'"; returns 129. */
int nsym_cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
