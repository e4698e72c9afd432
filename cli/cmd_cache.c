/*
 * napi-symbols cache list|prune|clear: the shared download cache (the
 * debuginfod client's), with a size cap kept by removing the least
 * recently used entries first.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "commands.h"

const char cmd_cache_usage[] =
    "usage: napi-symbols cache list\n"
    "       napi-symbols cache prune [--max-size SIZE] [--older-than DAYS]\n"
    "       napi-symbols cache clear\n"
    "\n"
    "The download cache that fetch, symbolize and symbolicate fill, in the\n"
    "debuginfod client's layout, shared with gdb and debuginfod-find: the\n"
    "folder DEBUGINFOD_CACHE_PATH, else $XDG_CACHE_HOME/debuginfod_client,\n"
    "else ~/.cache/debuginfod_client.\n"
    "\n"
    "  list    every entry: identity, kind, size, days since last use; misses\n"
    "          remembered are shown as such\n"
    "  prune   removes entries unused for more than --older-than days, expired\n"
    "          misses and left-over temporary files, then the least recently\n"
    "          used entries until the cache fits --max-size (default 2G,\n"
    "          NAPI_SYMBOLS_CACHE_MAX)\n"
    "  clear   removes every entry\n"
    "\n"
    "Exit status: 0 done; 1 the cache cannot be read; 129 usage error.\n";

struct entry {
	char *path;
	uint64_t size;
	time_t used;
	bool miss, temp;
};

struct entries {
	struct entry *v;
	size_t n, cap;
	uint64_t bytes;
};

static int collect(void *arg, const struct nsym_cache_entry *e)
{
	struct entries *es = arg;

	if (es->n == es->cap) {
		size_t cap = es->cap ? 2 * es->cap : 256;
		struct entry *v = realloc(es->v, cap * sizeof(*v));
		if (v == NULL)
			return 1;
		es->v = v;
		es->cap = cap;
	}
	es->v[es->n] = (struct entry){strdup(e->path), e->size, e->used, e->miss, e->temp};
	if (es->v[es->n].path == NULL)
		return 1;
	es->bytes += e->size;
	es->n++;
	return 0;
}

static void entries_free(struct entries *es)
{
	for (size_t i = 0; i < es->n; i++)
		free(es->v[i].path);
	free(es->v);
}

static int print_entry(void *arg, const struct nsym_cache_entry *e)
{
	int *count = arg;
	long days = (long)((time(NULL) - e->used) / 86400);

	if (e->temp)
		return 0;
	(*count)++;
	if (e->miss)
		printf("%s  %-12s miss remembered %ld day(s) ago\n", e->id, e->kind, days);
	else
		printf("%s  %-12s %12" PRIu64 " bytes, used %ld day(s) ago\n", e->id, e->kind,
		       e->size, days);
	return 0;
}

static int by_use(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	return x->used < y->used ? -1 : x->used > y->used;
}

/* Removes entries: all (clear), or the stale and then the oldest until the
 * rest fits max_bytes. */
static int prune(const struct nsym_cache *c, uint64_t max_bytes, long older_than_days, bool all)
{
	struct entries es = {0};
	uint64_t removed = 0;
	size_t count = 0;
	time_t now = time(NULL);

	if (nsym_cache_each(c, collect, &es) != 0) {
		nsym_cli_error("%s: cannot read the cache", c->root);
		entries_free(&es);
		return NSYM_EXIT_FAIL;
	}
	qsort(es.v, es.n, sizeof(*es.v), by_use);
	for (size_t i = 0; i < es.n; i++) {
		struct entry *e = &es.v[i];
		/* a temporary an hour old belongs to no live fetch */
		bool stale = (older_than_days >= 0 && now - e->used > older_than_days * 86400) ||
		             (e->miss && now - e->used > c->miss_seconds) ||
		             (e->temp && now - e->used > 3600);
		if (!all && !stale && es.bytes - removed <= max_bytes)
			continue;
		if (unlink(e->path) == 0) {
			removed += e->size;
			count++;
		}
	}
	printf("removed %zu entr%s, %" PRIu64 " bytes; %" PRIu64 " bytes left in %s\n", count,
	       count == 1 ? "y" : "ies", removed, es.bytes - removed, c->root);
	entries_free(&es);
	return NSYM_EXIT_OK;
}

static int parse_size(uint64_t *out, const char *text)
{
	char *end;
	unsigned long long v = strtoull(text, &end, 10);
	int shift = *end == 'K' ? 10 : *end == 'M' ? 20 : *end == 'G' ? 30 : 0;

	if (end == text || (shift > 0 && end[1] != '\0') || (shift == 0 && *end != '\0'))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

int cmd_cache(int argc, char **argv)
{
	enum { OPT_MAX = 256, OPT_OLDER };
	static const struct option longopts[] = {
	    {"max-size", required_argument, NULL, OPT_MAX},
	    {"older-than", required_argument, NULL, OPT_OLDER},
	    {NULL, 0, NULL, 0},
	};
	const char *max_env = getenv("NAPI_SYMBOLS_CACHE_MAX");
	uint64_t max = (uint64_t)2 << 30;
	long older = -1;
	struct nsym_cache c;
	const char *action;
	int opt, count = 0;

	if (max_env != NULL && parse_size(&max, max_env) != 0)
		return nsym_cli_usage_error("cache", "NAPI_SYMBOLS_CACHE_MAX '%s' is not a size",
		                            max_env);
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		char *end;
		if (opt == OPT_MAX && parse_size(&max, optarg) == 0)
			continue;
		if (opt == OPT_OLDER && (older = strtol(optarg, &end, 10)) >= 0 && *end == '\0' &&
		    end != optarg)
			continue;
		return nsym_cli_usage_error("cache", "bad option or value '%s'", argv[optind - 1]);
	}
	if (argc - optind != 1)
		return nsym_cli_usage_error("cache", "one action: list, prune or clear");
	action = argv[optind];
	if (nsym_cache_init(&c) != 0) {
		nsym_cli_error("no cache folder: set DEBUGINFOD_CACHE_PATH or HOME");
		return NSYM_EXIT_FAIL;
	}
	if (strcmp(action, "list") == 0) {
		if (nsym_cache_each(&c, print_entry, &count) != 0) {
			nsym_cli_error("%s: cannot read the cache", c.root);
			return NSYM_EXIT_FAIL;
		}
		if (count == 0)
			printf("the cache %s is empty\n", c.root);
		return NSYM_EXIT_OK;
	}
	if (strcmp(action, "prune") == 0 || strcmp(action, "clear") == 0)
		return prune(&c, max, older, strcmp(action, "clear") == 0);
	return nsym_cli_usage_error("cache", "unknown action '%s'", action);
}
