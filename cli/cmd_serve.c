/*
 * napi-symbols serve: the symbol server in the foreground. Settings come
 * from flags, then NAPI_SYMBOLS_* variables, then a config file, then the
 * defaults, the first that sets a value winning.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "server/server.h"

const char cmd_serve_usage[] =
    "usage: napi-symbols serve --store DIR [options]\n"
    "       napi-symbols serve --store postgres://HOST/DB --blobs s3://BUCKET?endpoint=URL\n"
    "                          [options]\n"
    "\n"
    "Runs the symbol server: uploads of debug files and executables (ELF,\n"
    "Mach-O, PE, PDB) with a token, and downloads by identity over the\n"
    "debuginfod API, so gdb, lldb, perf and debuginfod-find can use it, and\n"
    "in the SymSrv/SSQP layout under /symsrv/ for Windows debuggers. Routes,\n"
    "scopes and replies: docs/server-api.md.\n"
    "Metadata lives in DIR/napi-symbols.db (sqlite), files in DIR/blobs/;\n"
    "DIR/reserve keeps 2 MiB for deletes on a full disk. What a crash left in\n"
    "DIR is removed at start. Each uploaded file's symcache (a compact index\n"
    "of its functions and lines) is built after the upload's reply, kept in\n"
    "the store, and served at /buildid/ID/symcache. POST /api/v1/symbolicate\n"
    "answers crashes in source lines from the symcaches (a module whose\n"
    "symcache is not built yet has it built by that request), and Mozilla's\n"
    "symbolication API v5 (modules by Breakpad debug id). The\n"
    "web page at http://HOST:PORT/ does the same for a crash pasted into it\n"
    "or the link the crash hook prints, with the lines of the sources\n"
    "uploaded by 'upload --sources'; /artifacts lists and searches the store.\n"
    "With a PostgreSQL URL, metadata lives in that database and files in the\n"
    "S3-compatible storage --blobs names, and any number of servers may share\n"
    "them (behind a load balancer: docs/scale-out.md); symcaches are then\n"
    "built, and copied from the store, into $TMPDIR/napi-symbols-symcache/.\n"
    "Credentials come from the\n"
    "environment: PGPASSWORD or PGPASSFILE for the database (not the URL,\n"
    "which process lists show), AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY\n"
    "(or AWS_ACCESS_KEY_ID_FILE and AWS_SECRET_ACCESS_KEY_FILE naming files\n"
    "that hold them) for the storage.\n"
    "Prints \"listening on http://HOST:PORT\" once it accepts requests, and one\n"
    "access-log line per request on stderr. SIGINT or SIGTERM stop it after the\n"
    "requests in flight.\n"
    "\n"
    "Options (environment variable; config file key; default):\n"
    "  -s, --store DIR|URL      NAPI_SYMBOLS_STORE; store; required\n"
    "      --blobs URL          NAPI_SYMBOLS_BLOBS; blobs; with a PostgreSQL store:\n"
    "                           s3://BUCKET[/PREFIX]?endpoint=URL[&region=R]\n"
    "                           [&part_size=SIZE][&delete_grace=S]\n"
    "      --blob-reads stream|redirect  NAPI_SYMBOLS_BLOB_READS; blob_reads;\n"
    "                           stream (downloads from the blob storage pass\n"
    "                           through the server; redirect: a 302 to a\n"
    "                           presigned URL of the storage)\n"
    "      --blob-cache-size SIZE  NAPI_SYMBOLS_BLOB_CACHE_SIZE; blob_cache_size;\n"
    "                           2G (with the blob storage: blobs streamed are\n"
    "                           kept in $TMPDIR/napi-symbols-blobs/ and served\n"
    "                           from there, checked by their hash; the least\n"
    "                           recently used goes first; 0: none are kept)\n"
    "  -l, --listen HOST:PORT   NAPI_SYMBOLS_LISTEN; listen; 127.0.0.1:8002\n"
    "                           (port 0 picks a free port)\n"
    "  -t, --threads N          NAPI_SYMBOLS_THREADS; threads; 64\n"
    "      --head-timeout S     NAPI_SYMBOLS_HEAD_TIMEOUT; head_timeout; 10\n"
    "                           (seconds a client may take to send a request's\n"
    "                           head; at most the request timeout)\n"
    "      --request-timeout S  NAPI_SYMBOLS_REQUEST_TIMEOUT; request_timeout; 30\n"
    "                           (seconds a client may stall sending a body or\n"
    "                           reading a reply)\n"
    "      --max-upload SIZE    NAPI_SYMBOLS_MAX_UPLOAD; max_upload; 2G\n"
    "                           (bytes, or with a K, M or G suffix)\n"
    "      --max-section-size SIZE  NAPI_SYMBOLS_MAX_SECTION_SIZE; max_section_size;\n"
    "                           512M (the most a compressed section may inflate\n"
    "                           to: more is answered 413 and refused at upload)\n"
    "      --symcache-queue N   NAPI_SYMBOLS_SYMCACHE_QUEUE; symcache_queue; 64\n"
    "                           (uploaded files whose symcache builds may wait;\n"
    "                           past that, the first request builds it; 0: none\n"
    "                           is built on upload)\n"
    "      --read-token         NAPI_SYMBOLS_READ_TOKEN=1; read_token = yes;\n"
    "                           off: downloads need a token with the read scope\n"
    "                           (the web page asks for it in its form)\n"
    "      --log-format text|json  NAPI_SYMBOLS_LOG_FORMAT; log_format; text\n"
    "      --open-modules N     NAPI_SYMBOLS_OPEN_MODULES; open_modules; 256\n"
    "                           (modules the symbolicate route keeps open\n"
    "                           between requests, their symcaches mapped, the\n"
    "                           least recently used closed first; 0 opens each\n"
    "                           anew for every request)\n"
    "      --upstream URL       NAPI_SYMBOLS_UPSTREAM; upstream; none. Repeatable\n"
    "                           (the variable and key: URLs separated by spaces):\n"
    "                           a debuginfod server asked, in order, for the\n"
    "                           /buildid/ downloads the store lacks; symsrv:URL\n"
    "                           a SymSrv store asked for the /symsrv/ ones (for\n"
    "                           another napi-symbols server: symsrv:URL/symsrv)\n"
    "      --upstream-cache-size SIZE  NAPI_SYMBOLS_UPSTREAM_CACHE_SIZE;\n"
    "                           upstream_cache_size; 2G (what upstreams sent is\n"
    "                           kept in DIR/upstream/, or in\n"
    "                           $TMPDIR/napi-symbols-upstream/ with a PostgreSQL\n"
    "                           store; the least recently used goes first)\n"
    "      --upstream-miss-seconds S  NAPI_SYMBOLS_UPSTREAM_MISS_SECONDS;\n"
    "                           upstream_miss_seconds; 600 (how long a file no\n"
    "                           upstream has is answered 404 without asking)\n"
    "  -c, --config FILE        \"key = value\" lines with the keys above\n"
    "  -h, --help               show this help\n"
    "\n"
    "Tokens: 'napi-symbols token create --store DIR|URL --scope upload'.\n"
    "Exit status: 0 stopped by a signal; 1 cannot start (store, address);\n"
    "129 usage error.\n";

enum setting {
	S_STORE,
	S_BLOBS,
	S_BLOB_READS,
	S_BLOB_CACHE_SIZE,
	S_LISTEN,
	S_THREADS,
	S_HEAD_TIMEOUT,
	S_REQUEST_TIMEOUT,
	S_MAX_UPLOAD,
	S_MAX_SECTION,
	S_READ_TOKEN,
	S_LOG_FORMAT,
	S_OPEN_MODULES,
	S_UPSTREAM,
	S_UPSTREAM_CACHE_SIZE,
	S_UPSTREAM_MISS,
	S_SYMCACHE_QUEUE,
	S_COUNT
};

static const struct {
	const char *key, *env, *fallback;
} settings[S_COUNT] = {
    [S_STORE] = {"store", "NAPI_SYMBOLS_STORE", NULL},
    [S_BLOBS] = {"blobs", "NAPI_SYMBOLS_BLOBS", NULL},
    [S_BLOB_READS] = {"blob_reads", "NAPI_SYMBOLS_BLOB_READS", "stream"},
    [S_BLOB_CACHE_SIZE] = {"blob_cache_size", "NAPI_SYMBOLS_BLOB_CACHE_SIZE", "2G"},
    [S_LISTEN] = {"listen", "NAPI_SYMBOLS_LISTEN", "127.0.0.1:8002"},
    [S_THREADS] = {"threads", "NAPI_SYMBOLS_THREADS", "64"},
    [S_HEAD_TIMEOUT] = {"head_timeout", "NAPI_SYMBOLS_HEAD_TIMEOUT", "10"},
    [S_REQUEST_TIMEOUT] = {"request_timeout", "NAPI_SYMBOLS_REQUEST_TIMEOUT", "30"},
    [S_MAX_UPLOAD] = {"max_upload", "NAPI_SYMBOLS_MAX_UPLOAD", "2G"},
    [S_MAX_SECTION] = {"max_section_size", "NAPI_SYMBOLS_MAX_SECTION_SIZE", "512M"},
    [S_READ_TOKEN] = {"read_token", "NAPI_SYMBOLS_READ_TOKEN", "no"},
    [S_LOG_FORMAT] = {"log_format", "NAPI_SYMBOLS_LOG_FORMAT", "text"},
    [S_OPEN_MODULES] = {"open_modules", "NAPI_SYMBOLS_OPEN_MODULES", "256"},
    [S_UPSTREAM] = {"upstream", "NAPI_SYMBOLS_UPSTREAM", ""},
    [S_UPSTREAM_CACHE_SIZE] = {"upstream_cache_size", "NAPI_SYMBOLS_UPSTREAM_CACHE_SIZE", "2G"},
    [S_UPSTREAM_MISS] = {"upstream_miss_seconds", "NAPI_SYMBOLS_UPSTREAM_MISS_SECONDS", "600"},
    [S_SYMCACHE_QUEUE] = {"symcache_queue", "NAPI_SYMBOLS_SYMCACHE_QUEUE", "64"},
};

struct serve_settings {
	const char *value[S_COUNT];
	char file_values[S_COUNT][512];
	char upstreams[4096]; /* the --upstream flags, space-separated */
};

static int read_config(struct serve_settings *s, const char *path)
{
	char line[1024];
	FILE *f = fopen(path, "re");
	int lineno = 0;

	if (f == NULL) {
		nsym_cli_error("%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char key[64], value[512];
		lineno++;
		if (line[strspn(line, " \t")] == '#' || line[strspn(line, " \t\r\n")] == '\0')
			continue;
		if (sscanf(line, " %63[a-z_] = %511[^\r\n]", key, value) != 2) {
			nsym_cli_error("%s:%d: expected 'key = value'", path, lineno);
			fclose(f);
			return -1;
		}
		for (int i = 0;; i++) {
			if (i == S_COUNT) {
				nsym_cli_error("%s:%d: unknown key '%s'", path, lineno, key);
				fclose(f);
				return -1;
			}
			if (strcmp(key, settings[i].key) == 0) {
				snprintf(s->file_values[i], sizeof(s->file_values[i]), "%s", value);
				if (s->value[i] == NULL && getenv(settings[i].env) == NULL)
					s->value[i] = s->file_values[i];
				break;
			}
		}
	}
	fclose(f);
	return 0;
}

static int parse_size(uint64_t *out, const char *text)
{
	char *end;
	unsigned long long v = strtoull(text, &end, 10);
	int shift = *end == 'K' ? 10 : *end == 'M' ? 20 : *end == 'G' ? 30 : 0;

	if (end == text || (shift > 0 && end[1] != '\0') || (shift == 0 && *end != '\0') ||
	    v > (UINT64_MAX >> shift))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

/* A whole decimal number in [lo, hi]; -1 otherwise. */
static long parse_int(const char *text, long lo, long hi)
{
	char *end;
	long v = strtol(text, &end, 10);
	return end != text && *end == '\0' && v >= lo && v <= hi ? v : -1;
}

static bool is_yes(const char *v)
{
	return strcmp(v, "1") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "true") == 0;
}

/* Fills cfg from the merged settings; 129 after a usage error, else 0. */
static int make_config(struct nsym_server_config *cfg, struct serve_settings *s)
{
	for (int i = 0; i < S_COUNT; i++) {
		if (s->value[i] == NULL)
			s->value[i] = getenv(settings[i].env);
		if (s->value[i] == NULL)
			s->value[i] = settings[i].fallback;
	}
	if (s->value[S_STORE] == NULL)
		return nsym_cli_usage_error("serve", "no store: --store DIR");
	cfg->store_dir = s->value[S_STORE];
	cfg->blobs = s->value[S_BLOBS];
	/* a URL is never quoted back: it may hold a password */
	if (nsym_server_store_is_scaled(cfg->store_dir) && cfg->blobs == NULL)
		return nsym_cli_usage_error("serve", "a PostgreSQL store needs --blobs s3://…");
	if (!nsym_server_store_is_scaled(cfg->store_dir) && cfg->blobs != NULL)
		return nsym_cli_usage_error("serve",
		                            "--blobs goes with a PostgreSQL store (--store "
		                            "postgres://…); a store folder keeps its blobs");
	if (strcmp(s->value[S_BLOB_READS], "stream") != 0 &&
	    strcmp(s->value[S_BLOB_READS], "redirect") != 0)
		return nsym_cli_usage_error("serve", "blob reads are stream or redirect, not '%s'",
		                            s->value[S_BLOB_READS]);
	cfg->redirect_reads = strcmp(s->value[S_BLOB_READS], "redirect") == 0;
	if (parse_size(&cfg->blob_cache_size, s->value[S_BLOB_CACHE_SIZE]) != 0)
		return nsym_cli_usage_error("serve", "blob cache size '%s' is not a size",
		                            s->value[S_BLOB_CACHE_SIZE]);
	cfg->listen = s->value[S_LISTEN];
	cfg->threads = (int)parse_int(s->value[S_THREADS], 1, 1024);
	if (cfg->threads < 0)
		return nsym_cli_usage_error("serve", "threads must be 1 to 1024, not '%s'",
		                            s->value[S_THREADS]);
	cfg->symcache_queue = (int)parse_int(s->value[S_SYMCACHE_QUEUE], 0, 65536);
	if (cfg->symcache_queue < 0)
		return nsym_cli_usage_error("serve", "symcache queue must be 0 to 65536, not '%s'",
		                            s->value[S_SYMCACHE_QUEUE]);
	cfg->head_timeout = (int)parse_int(s->value[S_HEAD_TIMEOUT], 1, 3600);
	if (cfg->head_timeout < 0)
		return nsym_cli_usage_error("serve", "head timeout must be 1 to 3600 s, not '%s'",
		                            s->value[S_HEAD_TIMEOUT]);
	cfg->request_timeout = (int)parse_int(s->value[S_REQUEST_TIMEOUT], 1, 3600);
	if (cfg->request_timeout < 0)
		return nsym_cli_usage_error("serve",
		                            "request timeout must be 1 to 3600 s, not '%s'",
		                            s->value[S_REQUEST_TIMEOUT]);
	if (parse_size(&cfg->max_upload, s->value[S_MAX_UPLOAD]) != 0 || cfg->max_upload == 0)
		return nsym_cli_usage_error("serve", "max upload '%s' is not a size",
		                            s->value[S_MAX_UPLOAD]);
	if (parse_size(&cfg->max_section, s->value[S_MAX_SECTION]) != 0 || cfg->max_section == 0)
		return nsym_cli_usage_error("serve", "max section size '%s' is not a size",
		                            s->value[S_MAX_SECTION]);
	cfg->read_token = is_yes(s->value[S_READ_TOKEN]);
	if (strcmp(s->value[S_LOG_FORMAT], "json") != 0 &&
	    strcmp(s->value[S_LOG_FORMAT], "text") != 0)
		return nsym_cli_usage_error("serve", "log format is text or json, not '%s'",
		                            s->value[S_LOG_FORMAT]);
	cfg->log_json = strcmp(s->value[S_LOG_FORMAT], "json") == 0;
	cfg->open_modules = (int)parse_int(s->value[S_OPEN_MODULES], 0, 1000000);
	if (cfg->open_modules < 0)
		return nsym_cli_usage_error("serve", "open modules must be 0 to 1000000, not '%s'",
		                            s->value[S_OPEN_MODULES]);
	cfg->upstreams = s->value[S_UPSTREAM];
	if (parse_size(&cfg->upstream_cache_size, s->value[S_UPSTREAM_CACHE_SIZE]) != 0 ||
	    cfg->upstream_cache_size == 0)
		return nsym_cli_usage_error("serve", "upstream cache size '%s' is not a size",
		                            s->value[S_UPSTREAM_CACHE_SIZE]);
	cfg->upstream_miss_seconds = (int)parse_int(s->value[S_UPSTREAM_MISS], 0, 86400);
	if (cfg->upstream_miss_seconds < 0)
		return nsym_cli_usage_error("serve",
		                            "upstream miss seconds must be 0 to 86400, not '%s'",
		                            s->value[S_UPSTREAM_MISS]);
	return 0;
}

static int run(const struct nsym_server_config *cfg)
{
	struct nsym_server *srv = NULL;
	struct nsym_server_start_notes notes;
	char err[600];
	sigset_t stop;
	int sig;

	/* Blocked before civetweb starts its threads, so only sigwait sees them. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN); /* SIGXFSZ is ignored by main() */
	if (nsym_server_start(&srv, &notes, cfg, err, sizeof(err)) != 0) {
		nsym_cli_error("%s", err);
		return NSYM_EXIT_FAIL;
	}
	if (notes.sweep_error[0] != '\0')
		nsym_cli_error("warning: cannot sweep the store: %s", notes.sweep_error);
	if (notes.uploads_swept > 0)
		nsym_cli_error("removed %d unfinished upload(s) left by an earlier run",
		               notes.uploads_swept);
	if (notes.blobs_swept > 0)
		nsym_cli_error("removed %d blob file(s) that nothing names, left by an earlier run",
		               notes.blobs_swept);
	printf("listening on http://%s\n", nsym_server_address(srv));
	/* Only a notice: a reader gone (a pipe closed) is no reason for the
	 * server, or for its exit status after a clean stop. */
	if (fflush(stdout) != 0)
		nsym_cli_error("warning: cannot print the address: %s", strerror(errno));
	clearerr(stdout);
	sigwait(&stop, &sig);
	nsym_cli_error("%s: finishing requests in flight", sig == SIGINT ? "SIGINT" : "SIGTERM");
	nsym_server_stop(srv);
	nsym_cli_error("stopped");
	return NSYM_EXIT_OK;
}

int cmd_serve(int argc, char **argv)
{
	enum {
		OPT_MAX_UPLOAD = 256,
		OPT_READ_TOKEN,
		OPT_LOG_FORMAT,
		OPT_TIMEOUT,
		OPT_MAX_SECTION,
		OPT_HEAD_TIMEOUT,
		OPT_BLOBS,
		OPT_BLOB_READS,
		OPT_BLOB_CACHE_SIZE,
		OPT_OPEN_MODULES,
		OPT_UPSTREAM,
		OPT_UPSTREAM_CACHE_SIZE,
		OPT_UPSTREAM_MISS,
		OPT_SYMCACHE_QUEUE
	};
	static const struct option longopts[] = {
	    {"store", required_argument, NULL, 's'},
	    {"blobs", required_argument, NULL, OPT_BLOBS},
	    {"blob-reads", required_argument, NULL, OPT_BLOB_READS},
	    {"blob-cache-size", required_argument, NULL, OPT_BLOB_CACHE_SIZE},
	    {"listen", required_argument, NULL, 'l'},
	    {"threads", required_argument, NULL, 't'},
	    {"max-upload", required_argument, NULL, OPT_MAX_UPLOAD},
	    {"max-section-size", required_argument, NULL, OPT_MAX_SECTION},
	    {"head-timeout", required_argument, NULL, OPT_HEAD_TIMEOUT},
	    {"request-timeout", required_argument, NULL, OPT_TIMEOUT},
	    {"read-token", no_argument, NULL, OPT_READ_TOKEN},
	    {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
	    {"open-modules", required_argument, NULL, OPT_OPEN_MODULES},
	    {"upstream", required_argument, NULL, OPT_UPSTREAM},
	    {"upstream-cache-size", required_argument, NULL, OPT_UPSTREAM_CACHE_SIZE},
	    {"upstream-miss-seconds", required_argument, NULL, OPT_UPSTREAM_MISS},
	    {"symcache-queue", required_argument, NULL, OPT_SYMCACHE_QUEUE},
	    {"config", required_argument, NULL, 'c'},
	    {NULL, 0, NULL, 0},
	};
	struct serve_settings s = {0};
	struct nsym_server_config cfg = {0};
	const char *config = NULL;
	int c, rc;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":s:l:t:c:", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			s.value[S_STORE] = optarg;
			break;
		case 'l':
			s.value[S_LISTEN] = optarg;
			break;
		case OPT_BLOBS:
			s.value[S_BLOBS] = optarg;
			break;
		case OPT_BLOB_READS:
			s.value[S_BLOB_READS] = optarg;
			break;
		case OPT_BLOB_CACHE_SIZE:
			s.value[S_BLOB_CACHE_SIZE] = optarg;
			break;
		case 't':
			s.value[S_THREADS] = optarg;
			break;
		case OPT_HEAD_TIMEOUT:
			s.value[S_HEAD_TIMEOUT] = optarg;
			break;
		case OPT_TIMEOUT:
			s.value[S_REQUEST_TIMEOUT] = optarg;
			break;
		case OPT_OPEN_MODULES:
			s.value[S_OPEN_MODULES] = optarg;
			break;
		case OPT_MAX_UPLOAD:
			s.value[S_MAX_UPLOAD] = optarg;
			break;
		case OPT_MAX_SECTION:
			s.value[S_MAX_SECTION] = optarg;
			break;
		case OPT_READ_TOKEN:
			s.value[S_READ_TOKEN] = "yes";
			break;
		case OPT_SYMCACHE_QUEUE:
			s.value[S_SYMCACHE_QUEUE] = optarg;
			break;
		case OPT_LOG_FORMAT:
			s.value[S_LOG_FORMAT] = optarg;
			break;
		case OPT_UPSTREAM: {
			size_t n = strlen(s.upstreams);
			if (optarg[0] == '\0' || strpbrk(optarg, " \t") != NULL ||
			    n + strlen(optarg) + 2 > sizeof(s.upstreams))
				return nsym_cli_usage_error("serve",
				                            "upstream '%s': one URL each, "
				                            "without spaces",
				                            optarg);
			snprintf(s.upstreams + n, sizeof(s.upstreams) - n, "%s%s", n > 0 ? " " : "",
			         optarg);
			s.value[S_UPSTREAM] = s.upstreams;
			break;
		}
		case OPT_UPSTREAM_CACHE_SIZE:
			s.value[S_UPSTREAM_CACHE_SIZE] = optarg;
			break;
		case OPT_UPSTREAM_MISS:
			s.value[S_UPSTREAM_MISS] = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case ':':
			return nsym_cli_usage_error("serve", "option '%s' needs a value",
			                            argv[optind - 1]);
		default:
			return nsym_cli_usage_error("serve", "unknown option '%s'",
			                            argv[optind - 1]);
		}
	}
	if (optind < argc)
		return nsym_cli_usage_error("serve", "unexpected argument '%s'", argv[optind]);
	if (config != NULL && read_config(&s, config) != 0)
		return NSYM_EXIT_USAGE;
	rc = make_config(&cfg, &s);
	return rc != 0 ? rc : run(&cfg);
}
