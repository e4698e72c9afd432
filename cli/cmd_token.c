/*
 * napi-symbols token create|list|revoke: the server's API tokens, written
 * straight into the store (sqlite in WAL mode lets this run beside a live
 * server, which sees a new or revoked token on its next request).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "server/server.h"

const char cmd_token_usage[] =
    "usage: napi-symbols token create --store DIR --scope read|upload|admin [--name NAME]\n"
    "       napi-symbols token list --store DIR\n"
    "       napi-symbols token revoke --store DIR NAME\n"
    "\n"
    "Manages the symbol server's API tokens. 'create' prints the new token\n"
    "alone on stdout; it is shown once and stored only as a hash. Scopes: read\n"
    "(downloads, when the server requires tokens for them), upload (also\n"
    "uploads), admin (also deletions). 'list' shows names, scopes and state,\n"
    "never tokens. 'revoke' disables a token at once, even for a running server.\n"
    "\n"
    "Options:\n"
    "  -s, --store DIR|URL   the server's store (NAPI_SYMBOLS_STORE): a folder,\n"
    "                        or a postgres:// URL (its password from PGPASSWORD\n"
    "                        or PGPASSFILE)\n"
    "      --scope SCOPE     read, upload or admin (create)\n"
    "  -n, --name NAME       a name to tell it by (create; default: token-N)\n"
    "  -h, --help            show this help\n"
    "\n"
    "Exit status: 0 done; 1 the store cannot be opened, or no such token, or\n"
    "the name is taken; 129 usage error.\n";

static int print_token(void *arg, const struct nsym_token_info *t)
{
	char when[32];
	time_t created = (time_t)t->created;
	struct tm tm;

	(void)arg;
	gmtime_r(&created, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
	printf("%-24s %-7s %s UTC  %s\n", t->name, t->scope, when,
	       t->revoked ? "revoked" : "valid");
	return 0;
}

static int create(const char *store_dir, const char *scope_name, const char *name)
{
	enum nsym_scope scope = nsym_scope_parse(scope_name);
	char token[NSYM_TOKEN_MAX], fallback[64], err[600];

	if (scope == NSYM_SCOPE_NONE)
		return nsym_cli_usage_error("token", "--scope is read, upload or admin");
	if (name == NULL) {
		snprintf(fallback, sizeof(fallback), "token-%ld", (long)time(NULL));
		name = fallback;
	}
	if (strlen(name) == 0 || strlen(name) > 63)
		return nsym_cli_usage_error("token", "a name has 1 to 63 characters");
	if (nsym_server_token_create(token, store_dir, name, scope, err, sizeof(err)) != 0) {
		nsym_cli_error("%s", err);
		return NSYM_EXIT_FAIL;
	}
	printf("%s\n", token);
	return NSYM_EXIT_OK;
}

static int run(const char *action, const char *store_dir, const char *scope, const char *name,
               const char *arg)
{
	char err[600];
	int rc;

	if (strcmp(action, "create") == 0)
		return create(store_dir, scope, name);
	if (strcmp(action, "list") == 0)
		rc = nsym_server_token_list(store_dir, print_token, NULL, err, sizeof(err));
	else
		rc = nsym_server_token_revoke(store_dir, arg, err, sizeof(err));
	if (rc != 0) {
		nsym_cli_error("%s", err);
		return NSYM_EXIT_FAIL;
	}
	return NSYM_EXIT_OK;
}

int cmd_token(int argc, char **argv)
{
	enum { OPT_SCOPE = 256 };
	static const struct option longopts[] = {
	    {"store", required_argument, NULL, 's'},
	    {"scope", required_argument, NULL, OPT_SCOPE},
	    {"name", required_argument, NULL, 'n'},
	    {NULL, 0, NULL, 0},
	};
	const char *store = getenv("NAPI_SYMBOLS_STORE"), *scope = NULL, *name = NULL, *action;
	int c, want_args;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":s:n:", longopts, NULL)) != -1) {
		if (c == 's')
			store = optarg;
		else if (c == OPT_SCOPE)
			scope = optarg;
		else if (c == 'n')
			name = optarg;
		else
			return nsym_cli_usage_error(
			    "token", "%s '%s'",
			    c == ':' ? "option needs a value" : "unknown option", argv[optind - 1]);
	}
	if (optind >= argc)
		return nsym_cli_usage_error("token", "no action: create, list or revoke");
	action = argv[optind++];
	want_args = strcmp(action, "revoke") == 0;
	if (strcmp(action, "create") != 0 && strcmp(action, "list") != 0 && !want_args)
		return nsym_cli_usage_error("token", "unknown action '%s'", action);
	if (want_args && argc - optind != 1)
		return nsym_cli_usage_error("token", "revoke takes one token name");
	if (!want_args && optind < argc)
		return nsym_cli_usage_error("token", "unexpected argument '%s'", argv[optind]);
	if (store == NULL)
		return nsym_cli_usage_error("token", "no store: --store DIR");
	return run(action, store, scope, name, want_args ? argv[optind] : NULL);
}
