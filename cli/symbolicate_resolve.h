/*
 * symbolicate's resolver (symbolicate_resolve.c): each module of a crash
 * to the debug file it is read from, found by its identity (--module
 * files, the path in the report, the download cache, the servers; a
 * symcache instead where one answers), or for a module whose text gives
 * none, by the name of a --module file, and for a Windows module known by
 * name and time stamp, by the servers' search for those.
 */
#ifndef NSYM_CLI_SYMBOLICATE_RESOLVE_H
#define NSYM_CLI_SYMBOLICATE_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>

#include "commands.h"
#include "napi_symbols_report.h"

#define MAX_MODULE_ARGS 64
/* the library's kind for them, so one cap covers both */
#define WARN_RUN "warnings about the modules and frames"

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
	bool no_fetch, json, basenames, local;
};

/* The run, as the pipeline's callbacks see it. */
struct run {
	const struct symbolicate_opts *o;
	/* every crash of the text may repeat them: one cap for the run */
	struct nsym_cli_warn_kinds warnings;
};

/* The pipeline's resolver (nsym_report_options.resolve, ctx a struct
 * run): local files first, then the cache and servers for the rest,
 * together. 0, or NSYM_ENOMEM (the crash fails). */
int nsym_cli_symbolicate_resolve(void *ctx, struct nsym_report_module *mods, size_t count);

/* The modules a kernel line gives by a mapping of their file: placed with
 * the binary of that name given with --module (a debug file keeps no file
 * offsets); without one their frames keep saying that it is needed. 0, or
 * -1 when out of memory (said). */
int nsym_cli_place_mappings(struct run *run, struct nsym_crash *crashes, size_t n);

#endif
