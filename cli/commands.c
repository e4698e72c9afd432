/* The table of subcommands; the only place that names them all. */
#include <string.h>

#include "commands.h"

const struct nsym_cmd nsym_cmds[] = {
    {"symbolize", cmd_symbolize,
     "turn addresses in an ELF or Mach-O file into functions and source lines",
     cmd_symbolize_usage},
    {"symbolicate", cmd_symbolicate,
     "turn a crash report or pasted compact trace into functions and source lines",
     cmd_symbolicate_usage},
    {"inspect", cmd_inspect, "show what a binary is and the identities it carries",
     cmd_inspect_usage},
    {"split", cmd_split, "split a built addon into the stripped file that ships and its debug file",
     cmd_split_usage},
    {"verify", cmd_verify, "check that debug files belong to a binary and describe its code",
     cmd_verify_usage},
    {"serve", cmd_serve, "run the symbol server (uploads, debuginfod downloads)", cmd_serve_usage},
    {"token", cmd_token, "create, list or revoke the symbol server's API tokens", cmd_token_usage},
    {"store", cmd_store, "move a symbol server's store into another (into PostgreSQL and S3)",
     cmd_store_usage},
    {"upload", cmd_upload, "upload debug files to a symbol server, only those it lacks",
     cmd_upload_usage},
    {"fetch", cmd_fetch, "download the debug files of a project's native addons into the cache",
     cmd_fetch_usage},
    {"run", cmd_run, "run a program with the crash hook preloaded (run -- node app.js)",
     cmd_run_usage},
    {"cache", cmd_cache, "list, prune or clear the shared download cache", cmd_cache_usage},
    {"help", cmd_help, "show help for a command", cmd_help_usage},
    {NULL, NULL, NULL, NULL},
};

const struct nsym_cmd *nsym_cmd_find(const char *name)
{
	for (const struct nsym_cmd *c = nsym_cmds; c->name != NULL; c++) {
		if (strcmp(c->name, name) == 0)
			return c;
	}
	return NULL;
}
