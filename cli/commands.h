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
int cmd_serve(int argc, char **argv);
int cmd_split(int argc, char **argv);
int cmd_symbolicate(int argc, char **argv);
int cmd_symbolize(int argc, char **argv);
int cmd_token(int argc, char **argv);
int cmd_upload(int argc, char **argv);

extern const char cmd_cache_usage[];
extern const char cmd_fetch_usage[];
extern const char cmd_help_usage[];
extern const char cmd_inspect_usage[];
extern const char cmd_serve_usage[];
extern const char cmd_split_usage[];
extern const char cmd_symbolicate_usage[];
extern const char cmd_symbolize_usage[];
extern const char cmd_token_usage[];
extern const char cmd_upload_usage[];

/* The command list and what the program is for. */
void nsym_cli_print_overview(FILE *out);

/* Prints "napi-symbols: message" on stderr. */
void nsym_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints the error and "see 'napi-symbols CMD --help'"; returns 129. */
int nsym_cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
