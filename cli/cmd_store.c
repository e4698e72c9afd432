/*
 * napi-symbols store migrate: moves a symbol server's store into another,
 * typically an embedded store (a folder) into a scaled one (PostgreSQL and
 * S3-compatible storage). The work is the server's (store_migrate.c); this
 * parses the command line and says what was done.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "server/server.h"

const char cmd_store_usage[] =
    "usage: napi-symbols store migrate --from DIR --to postgres://HOST/DB --blobs s3://BUCKET?...\n"
    "\n"
    "Copies a symbol server's store into another: its tokens (with their ids,\n"
    "so every token keeps working), artifacts and source files with their\n"
    "bytes. Each file is hashed on the way and compared with its name before\n"
    "anything names it in the target. What the target already has is not\n"
    "copied again, so running the command again resumes one that stopped.\n"
    "What the target holds with other bytes is left alone and reported. The\n"
    "servers may keep running on either store meanwhile. Credentials as for\n"
    "'serve': PGPASSWORD or PGPASSFILE, AWS_ACCESS_KEY_ID and\n"
    "AWS_SECRET_ACCESS_KEY (or their _FILE forms).\n"
    "\n"
    "Options:\n"
    "      --from DIR|URL   the store to copy (a folder, or a postgres:// URL)\n"
    "      --from-blobs URL its blob storage, when --from is a URL\n"
    "      --to DIR|URL     the store to copy into\n"
    "      --blobs URL      its blob storage, when --to is a URL (as serve --blobs)\n"
    "  -h, --help           show this help\n"
    "\n"
    "Exit status: 0 everything is in the target; 1 it stopped (run it again to\n"
    "resume), or rows were left alone; 129 usage error.\n";

static void say(void *arg, const char *line)
{
	(void)arg;
	nsym_cli_error("%s", line);
}

static void report(const struct nsym_migrate_report *r)
{
	printf("tokens: %" PRId64 " copied, %" PRId64 " there already, %" PRId64 " left alone\n",
	       r->tokens_copied, r->tokens_present, r->tokens_conflict);
	printf("artifacts: %" PRId64 " copied, %" PRId64 " there already, %" PRId64 " left alone\n",
	       r->artifacts_copied, r->artifacts_present, r->artifacts_conflict);
	printf("sources: %" PRId64 " copied, %" PRId64 " there already, %" PRId64 " left alone\n",
	       r->sources_copied, r->sources_present, r->sources_conflict);
	printf("blobs: %" PRId64 " copied (%" PRIu64 " bytes, each hash checked), %" PRId64
	       " there already, %" PRId64 " damaged in the source\n",
	       r->blobs_copied, r->bytes_copied, r->blobs_present, r->blobs_damaged);
}

static int migrate(const char *from, const char *from_blobs, const char *to, const char *blobs)
{
	struct nsym_migrate_report r;
	char err[700];
	int rc;

	/* URLs are never quoted back: they may hold a password */
	if (nsym_server_store_is_scaled(from) != (from_blobs != NULL))
		return nsym_cli_usage_error("store", "--from-blobs goes with a PostgreSQL --from, "
		                                     "and only with one");
	if (nsym_server_store_is_scaled(to) != (blobs != NULL))
		return nsym_cli_usage_error(
		    "store", "--blobs goes with a PostgreSQL --to, and only with one");
	rc =
	    nsym_server_store_migrate(&r, from, from_blobs, to, blobs, say, NULL, err, sizeof(err));
	report(&r);
	fflush(stdout);
	if (rc != 0) {
		nsym_cli_error("stopped: %s; run it again to resume", err);
		return NSYM_EXIT_FAIL;
	}
	if (r.tokens_conflict + r.artifacts_conflict + r.sources_conflict + r.blobs_damaged > 0) {
		nsym_cli_error("done, but rows were left alone (above)");
		return NSYM_EXIT_FAIL;
	}
	return NSYM_EXIT_OK;
}

int cmd_store(int argc, char **argv)
{
	enum { OPT_FROM = 256, OPT_FROM_BLOBS, OPT_TO, OPT_BLOBS };
	static const struct option longopts[] = {
	    {"from", required_argument, NULL, OPT_FROM},
	    {"from-blobs", required_argument, NULL, OPT_FROM_BLOBS},
	    {"to", required_argument, NULL, OPT_TO},
	    {"blobs", required_argument, NULL, OPT_BLOBS},
	    {NULL, 0, NULL, 0},
	};
	const char *from = NULL, *from_blobs = NULL, *to = NULL, *blobs = NULL, *action;
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (c == OPT_FROM)
			from = optarg;
		else if (c == OPT_FROM_BLOBS)
			from_blobs = optarg;
		else if (c == OPT_TO)
			to = optarg;
		else if (c == OPT_BLOBS)
			blobs = optarg;
		else
			return nsym_cli_usage_error(
			    "store", "%s '%s'",
			    c == ':' ? "option needs a value" : "unknown option", argv[optind - 1]);
	}
	if (optind >= argc)
		return nsym_cli_usage_error("store", "no action: migrate");
	action = argv[optind++];
	if (strcmp(action, "migrate") != 0)
		return nsym_cli_usage_error("store", "unknown action '%s'", action);
	if (optind < argc)
		return nsym_cli_usage_error("store", "unexpected argument '%s'", argv[optind]);
	if (from == NULL || to == NULL)
		return nsym_cli_usage_error("store", "migrate needs --from and --to");
	return migrate(from, from_blobs, to, blobs);
}
