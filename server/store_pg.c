/*
 * The scaled store: metadata in PostgreSQL (libpq), blobs as objects in
 * S3-compatible storage (store_pg_blobs.c), shared by any number of
 * servers. Each handle has its own connection, made on first use and made
 * again when PostgreSQL restarted (nsym_pg_query), so a server outlives
 * the database going away: requests fail with 503 while it is down and
 * succeed once it is back.
 *
 * What can race between servers is kept safe by the database itself: a
 * unique key per identity (INSERT … ON CONFLICT DO NOTHING answers "taken"
 * instead of failing), rows added in one transaction with their blob's
 * row, and advisory locks (store_pg.h) around what a constraint cannot
 * express: "the object is there" while a row naming it is added, and "no
 * row names it" while a blob is forgotten and its object removed. Writes
 * are idempotent by content hash: a blob's object key is its SHA-256, so
 * two servers storing the same bytes write the same object.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "migrate_pg.h"
#include "pq_load.h"
#include "store_pg.h"

/* Advisory lock classes (the first key of pg_advisory_xact_lock(int,
 * int)); migrate_pg.c's lock, a single bigint, is in another space. */
#define LOCK_BUILD "1853061486"
#define LOCK_BLOB  "1853061487"
/* (store_pg_symcaches.c's session lock on a symcache's build is 1853061488) */

int nsym_pg_fail(struct nsym_store *s, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->errmsg, sizeof(s->errmsg), fmt, ap);
	va_end(ap);
	return code;
}

/* The first line of a libpq message. */
static int line_len(const char *msg)
{
	return (int)strcspn(msg, "\n");
}

static void ignore_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* Connects with a bound on the wait (the URL may set its own), and names
 * the program to the server. Messages never quote the URL. */
static int connect_db(struct nsym_store *s, char *err, size_t err_size)
{
	/* dbname last: the URL it expands to overrides these defaults */
	const char *const keys[] = {"connect_timeout", "application_name", "keepalives_idle",
	                            "dbname", NULL};
	const char *const values[] = {"3", "napi-symbols serve", "10", pg(s)->url, NULL};
	PGconn *conn;

	if (nsym_pq_load(err, err_size) != 0)
		return NSYM_EIO;
	conn = PQconnectdbParams(keys, values, 1);

	if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
		const char *msg = conn != NULL ? PQerrorMessage(conn) : "out of memory";
		snprintf(err, err_size, "cannot connect to PostgreSQL: %.*s", line_len(msg), msg);
		PQfinish(conn);
		return NSYM_EIO;
	}
	/* NOTICEs (CREATE … IF NOT EXISTS) are not for the server's log */
	PQsetNoticeProcessor(conn, ignore_notice, NULL);
	pg(s)->conn = conn;
	return 0;
}

int nsym_pg_query(struct nsym_store *s, PGresult **out, const char *what, const char *sql, int n,
                  const char *const *params)
{
	struct pg_store *ps = pg(s);

	if (out != NULL)
		*out = NULL;
	for (int attempt = 0;; attempt++) {
		PGresult *res;
		ExecStatusType st;
		char msg[400];

		if (ps->conn == NULL &&
		    connect_db(s, s->errmsg, sizeof(s->errmsg)) != 0) /* message set */
			return NSYM_EIO;
		res = PQexecParams(ps->conn, sql, n, NULL, params, NULL, NULL, 0);
		st = PQresultStatus(res);
		if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
			if (out != NULL)
				*out = res;
			else
				PQclear(res);
			return 0;
		}
		snprintf(msg, sizeof(msg), "%.*s",
		         line_len(res != NULL ? PQresultErrorMessage(res) : "out of memory"),
		         res != NULL ? PQresultErrorMessage(res) : "out of memory");
		PQclear(res);
		if (PQstatus(ps->conn) == CONNECTION_BAD) {
			bool was_in = ps->in_transaction;
			PQfinish(ps->conn);
			ps->conn = NULL;
			ps->in_transaction = false;
			/* a first statement had no effect yet: once more, on a
			 * new connection (every write is inside BEGIN … COMMIT) */
			if (!was_in && attempt == 0)
				continue;
		}
		return nsym_pg_fail(s, NSYM_EIO, "%s: %s", what, msg);
	}
}

int nsym_pg_begin(struct nsym_store *s)
{
	int rc = nsym_pg_query(s, NULL, "BEGIN", "BEGIN", 0, NULL);
	pg(s)->in_transaction = rc == 0;
	return rc;
}

int nsym_pg_commit(struct nsym_store *s)
{
	int rc = nsym_pg_query(s, NULL, "COMMIT", "COMMIT", 0, NULL);
	pg(s)->in_transaction = false;
	return rc;
}

void nsym_pg_rollback(struct nsym_store *s)
{
	if (pg(s)->conn != NULL && pg(s)->in_transaction)
		PQclear(PQexec(pg(s)->conn, "ROLLBACK"));
	pg(s)->in_transaction = false;
}

void nsym_pg_copy(char *out, size_t size, const PGresult *res, int row, int col)
{
	snprintf(out, size, "%s", PQgetisnull(res, row, col) ? "" : PQgetvalue(res, row, col));
}

void nsym_pg_copy_hex(char *out, size_t size, const PGresult *res, int row, int col)
{
	const char *hex = PQgetisnull(res, row, col) ? "" : PQgetvalue(res, row, col);
	size_t n = 0;

	for (; hex[0] != '\0' && hex[1] != '\0' && n + 1 < size; hex += 2) {
		char pair[3] = {hex[0], hex[1], '\0'};
		out[n++] = (char)strtoul(pair, NULL, 16);
	}
	out[n] = '\0';
}

char *nsym_pg_hex(char *out, const char *s)
{
	return nsym_hex(out, s, strlen(s), false);
}

int64_t nsym_pg_int(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? 0 : strtoll(PQgetvalue(res, row, col), NULL, 10);
}

int nsym_pg_lock_build(struct nsym_store *s, const char *key)
{
	const char *p[] = {key};
	return nsym_pg_query(s, NULL, "build lock",
	                     "SELECT pg_advisory_xact_lock(" LOCK_BUILD ", hashtext($1))", 1, p);
}

int nsym_pg_lock_blob(struct nsym_store *s, const char *sha256)
{
	const char *p[] = {sha256};
	return nsym_pg_query(s, NULL, "blob lock",
	                     "SELECT pg_advisory_xact_lock(" LOCK_BLOB ", hashtext($1))", 1, p);
}

/* ---- artifacts ------------------------------------------------------------------ */

#define ARTIFACT_COLUMNS                                                                           \
	"a.id, a.key, a.id_kind, a.kind, a.format, a.arch, encode(a.name, 'hex'), a.sha256, "      \
	"b.size, a.created, "                                                                      \
	"a.uploaded_by, a.package_name, a.package_version "                                        \
	"FROM artifacts a JOIN blobs b ON b.sha256 = a.sha256"

static void read_artifact(struct nsym_artifact *a, const PGresult *res, int row)
{
	a->id = nsym_pg_int(res, row, 0);
	nsym_pg_copy(a->key, sizeof(a->key), res, row, 1);
	nsym_pg_copy(a->id_kind, sizeof(a->id_kind), res, row, 2);
	nsym_pg_copy(a->kind, sizeof(a->kind), res, row, 3);
	nsym_pg_copy(a->format, sizeof(a->format), res, row, 4);
	nsym_pg_copy(a->arch, sizeof(a->arch), res, row, 5);
	nsym_pg_copy_hex(a->name, sizeof(a->name), res, row, 6);
	nsym_pg_copy(a->sha256, sizeof(a->sha256), res, row, 7);
	a->size = (uint64_t)nsym_pg_int(res, row, 8);
	a->created = nsym_pg_int(res, row, 9);
	nsym_pg_copy(a->uploaded_by, sizeof(a->uploaded_by), res, row, 10);
	nsym_pg_copy(a->package_name, sizeof(a->package_name), res, row, 11);
	nsym_pg_copy(a->package_version, sizeof(a->package_version), res, row, 12);
}

/* The one artifact the query with params p finds into out; NSYM_ENOENT
 * (message `miss`) when none. */
static int one_artifact(struct nsym_store *s, struct nsym_artifact *out, const char *sql, int n,
                        const char *const *p, const char *miss)
{
	PGresult *res;
	int rc = nsym_pg_query(s, &res, "artifact lookup", sql, n, p);

	if (rc != 0)
		return rc;
	if (PQntuples(res) > 0)
		read_artifact(out, res, 0);
	else
		rc = nsym_pg_fail(s, NSYM_ENOENT, "%s", miss);
	PQclear(res);
	return rc;
}

static int artifact_find(struct nsym_store *s, struct nsym_artifact *out, const char *key,
                         const char *kind)
{
	const char *p[] = {key, kind};
	char miss[160];

	snprintf(miss, sizeof(miss), "no %s for %s", kind, key);
	return one_artifact(s, out, "SELECT " ARTIFACT_COLUMNS " WHERE a.key = $1 AND a.kind = $2",
	                    2, p, miss);
}

static int artifact_get(struct nsym_store *s, struct nsym_artifact *out, int64_t id)
{
	char text[24], miss[64];
	const char *p[] = {text};

	snprintf(text, sizeof(text), "%" PRId64, id);
	snprintf(miss, sizeof(miss), "no artifact %" PRId64, id);
	return one_artifact(s, out, "SELECT " ARTIFACT_COLUMNS " WHERE a.id = $1", 1, p, miss);
}

static int artifact_list(struct nsym_store *s, const struct nsym_artifact_search *search,
                         int64_t offset, int64_t limit,
                         int (*fn)(void *arg, const struct nsym_artifact *a), void *arg)
{
	const struct nsym_artifact_search all = {0}, *q = search != NULL ? search : &all;
	char lim[24], off[24], hex[2 * 256 + 1];
	const char *p[] = {q->text != NULL ? hex : NULL, lim, off, q->package_name,
	                   q->package_name != NULL ? q->package_version : NULL};
	PGresult *res;
	int rc;

	if (q->text != NULL && strlen(q->text) > 256)
		return nsym_pg_fail(s, NSYM_EINVAL, "search text too long");
	if (q->text != NULL)
		nsym_pg_hex(hex, q->text);
	snprintf(lim, sizeof(lim), "%" PRId64, limit);
	snprintf(off, sizeof(off), "%" PRId64, offset);
	/* as the embedded store: ASCII letters in any case, other bytes as
	 * they are; encode(…, 'escape') keeps ASCII and writes the rest as
	 * octal escapes, the same on both sides. A package by its exact name
	 * (and version), which the index answers. */
	rc = nsym_pg_query(s, &res, "artifact list",
	                   "SELECT " ARTIFACT_COLUMNS " WHERE ($1::text IS NULL OR "
	                   "strpos(lower(encode(a.name, 'escape')), "
	                   "lower(encode(decode($1, 'hex'), 'escape'))) > 0 OR "
	                   "strpos(a.key, lower(encode(decode($1, 'hex'), 'escape'))) > 0) "
	                   "AND ($4::text IS NULL OR a.package_name = $4) "
	                   "AND ($5::text IS NULL OR a.package_version = $5) "
	                   "ORDER BY a.id DESC LIMIT $2 OFFSET $3",
	                   5, p);
	for (int i = 0; rc == 0 && i < PQntuples(res); i++) {
		struct nsym_artifact a;
		read_artifact(&a, res, i);
		if (fn(arg, &a) != 0)
			break;
	}
	PQclear(res);
	return rc;
}

/* ---- adding artifacts ---------------------------------------------------------------
 *
 * blob_commit has put the object in place (store_pg_blobs.c). One
 * transaction then takes the locks of the builds (sorted) and of the blob,
 * records the blob, which checks under the lock that the object is still
 * there, and inserts the rows; a (key, kind) already taken answers
 * NSYM_EEXIST with the row that has it. A blob no row names afterwards
 * (every identity taken) is listed as garbage in the same transaction. An
 * upload that fails anywhere leaves no row, and its object goes unless a
 * row names it (nsym_pg_drop_if_unnamed); a server killed before it could
 * leaves an object no row names, which the sweep removes. Either way no
 * row ever names a missing object.
 */

static int cmp_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The builds' locks, each key once, in sorted order. */
static int lock_builds(struct nsym_store *s, const struct nsym_artifact *a, size_t n)
{
	const char **keys = malloc(n * sizeof(*keys));
	int rc = 0;

	if (keys == NULL)
		return nsym_pg_fail(s, NSYM_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		keys[i] = a[i].key;
	qsort(keys, n, sizeof(*keys), cmp_keys);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (i == 0 || strcmp(keys[i], keys[i - 1]) != 0)
			rc = nsym_pg_lock_build(s, keys[i]);
	}
	free(keys);
	return rc;
}

/* Inserts a unless its (key, kind) is taken: 0 with a->id set, or
 * NSYM_EEXIST with a holding the row that has it. */
static int insert_artifact(struct nsym_store *s, struct nsym_artifact *a)
{
	char created[24], name[2 * sizeof(a->name) + 1];
	/* no package is NULL, not '': a search for '' finds nothing */
	const char *pkg = a->package_name[0] != '\0' ? a->package_name : NULL;
	const char *p[] = {a->key,
	                   a->id_kind,
	                   a->kind,
	                   a->format,
	                   a->arch,
	                   name,
	                   a->sha256,
	                   created,
	                   a->uploaded_by,
	                   pkg,
	                   pkg != NULL ? a->package_version : NULL};
	PGresult *res;
	int rc;

	snprintf(created, sizeof(created), "%lld",
	         (long long)(a->created != 0 ? a->created : time(NULL)));
	nsym_pg_hex(name, a->name);
	rc = nsym_pg_query(s, &res, "artifact insert",
	                   "INSERT INTO artifacts (key, id_kind, kind, format, arch, name, sha256, "
	                   "created, uploaded_by, package_name, package_version) VALUES ($1, $2, "
	                   "$3, $4, $5, decode($6, 'hex'), $7, $8, $9, $10, $11) "
	                   "ON CONFLICT (key, kind) DO NOTHING RETURNING id",
	                   11, p);
	if (rc != 0)
		return rc;
	if (PQntuples(res) == 1) {
		a->id = nsym_pg_int(res, 0, 0);
		PQclear(res);
		return 0;
	}
	PQclear(res);
	/* taken: read in a statement of its own, which sees the row a
	 * concurrent upload committed while this insert waited for it */
	{
		char key[sizeof(a->key)], kind[sizeof(a->kind)];
		memcpy(key, a->key, sizeof(key));
		memcpy(kind, a->kind, sizeof(kind));
		rc = artifact_find(s, a, key, kind);
		return rc == 0 ? nsym_pg_fail(s, NSYM_EEXIST, "%s for %s exists", kind, key) : rc;
	}
}

static int artifact_add(struct nsym_store *s, int *out_results, struct nsym_artifact *a, size_t n)
{
	char blob[1][NSYM_SHA256_HEX]; /* a taken key rewrites a[i].sha256 */
	bool removed = false, named = false;
	int rc;

	if (n == 0)
		return 0;
	snprintf(blob[0], sizeof(blob[0]), "%s", a[0].sha256);
	rc = nsym_pg_begin(s);
	if (rc == 0)
		rc = lock_builds(s, a, n);
	if (rc == 0)
		rc = nsym_pg_lock_blob(s, blob[0]);
	if (rc == 0)
		rc = nsym_pg_blob_record(s, blob[0]);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		int added = insert_artifact(s, &a[i]);
		if (added == 0 || added == NSYM_EEXIST)
			out_results[i] = added;
		else
			rc = added;
		named = named || added == 0 || strcmp(a[i].sha256, blob[0]) == 0;
	}
	if (rc == 0 && !named)
		rc = nsym_pg_blobs_forget(s, &removed, blob, 1);
	if (rc == 0)
		rc = nsym_pg_commit(s);
	if (rc != 0) {
		nsym_pg_rollback(s);
		nsym_pg_drop_if_unnamed(s, blob[0]);
	}
	return rc;
}

/* ---- deleting artifacts ---------------------------------------------------------------
 *
 * One transaction: the artifact's row under its build's lock, the build's
 * sources with its last artifact, then each blob no row names any more is
 * forgotten under its own lock and listed as garbage. Its object goes some
 * seconds later (nsym_pg_collect_garbage), so a download that found the
 * row before the delete finishes; an upload of the same bytes meanwhile
 * names the blob again and keeps the object.
 */

static int cmp_sha(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

static int delete_artifact_rows(struct nsym_store *s, bool *out_blob_removed, int64_t id)
{
	char text[24], key[96];
	const char *p[] = {text};
	char(*blobs)[NSYM_SHA256_HEX] = NULL, first[NSYM_SHA256_HEX];
	bool *removed = NULL;
	size_t n = 0;
	PGresult *res = NULL;
	int rc;

	snprintf(text, sizeof(text), "%" PRId64, id);
	rc = nsym_pg_query(s, &res, "artifact delete", "SELECT key FROM artifacts WHERE id = $1", 1,
	                   p);
	if (rc == 0 && PQntuples(res) == 0)
		rc = nsym_pg_fail(s, NSYM_ENOENT, "no artifact %" PRId64, id);
	if (rc == 0)
		nsym_pg_copy(key, sizeof(key), res, 0, 0);
	PQclear(res);
	res = NULL;
	if (rc == 0)
		rc = nsym_pg_lock_build(s, key);
	if (rc == 0)
		rc = nsym_pg_query(s, &res, "artifact delete",
		                   "DELETE FROM artifacts WHERE id = $1 RETURNING sha256", 1, p);
	if (rc == 0 && PQntuples(res) == 0) /* another server deleted it meanwhile */
		rc = nsym_pg_fail(s, NSYM_ENOENT, "no artifact %" PRId64, id);
	if (rc == 0 && (blobs = malloc(sizeof(*blobs))) == NULL)
		rc = nsym_pg_fail(s, NSYM_ENOMEM, "out of memory");
	if (rc == 0) {
		nsym_pg_copy(blobs[0], sizeof(blobs[0]), res, 0, 0);
		memcpy(first, blobs[0], sizeof(first));
		n = 1;
		rc = nsym_pg_delete_sources(s, &blobs, &n, key);
	}
	if (rc == 0)
		rc = nsym_pg_delete_symcaches(s, &blobs, &n, key);
	PQclear(res);
	if (rc == 0) {
		size_t kept = 0;
		qsort(blobs, n, sizeof(*blobs), cmp_sha);
		for (size_t i = 0; i < n; i++) {
			if (kept == 0 || strcmp(blobs[i], blobs[kept - 1]) != 0)
				memmove(blobs[kept++], blobs[i], sizeof(*blobs));
		}
		n = kept;
		if ((removed = calloc(n, sizeof(*removed))) == NULL)
			rc = nsym_pg_fail(s, NSYM_ENOMEM, "out of memory");
	}
	if (rc == 0)
		rc = nsym_pg_blobs_forget(s, removed, blobs, n);
	for (size_t i = 0; rc == 0 && out_blob_removed != NULL && i < n; i++) {
		if (strcmp(blobs[i], first) == 0)
			*out_blob_removed = removed[i];
	}
	free(blobs);
	free(removed);
	return rc;
}

static int artifact_delete(struct nsym_store *s, bool *out_blob_removed, int64_t id)
{
	int rc;

	if (out_blob_removed != NULL)
		*out_blob_removed = false;
	rc = nsym_pg_begin(s);
	if (rc == 0)
		rc = delete_artifact_rows(s, out_blob_removed, id);
	if (rc == 0)
		rc = nsym_pg_commit(s);
	if (rc != 0) {
		nsym_pg_rollback(s);
		if (out_blob_removed != NULL)
			*out_blob_removed = false;
		return rc;
	}
	/* the objects of earlier deletes whose grace is over; a failure here
	 * leaves them for the next delete or start */
	nsym_pg_collect_garbage(s, 16);
	return 0;
}

static int stats(struct nsym_store *s, int64_t *out_artifacts, int64_t *out_blob_bytes)
{
	PGresult *res;
	int rc = nsym_pg_query(s, &res, "stats",
	                       "SELECT (SELECT count(*) FROM artifacts), "
	                       "(SELECT coalesce(sum(size), 0) FROM blobs)",
	                       0, NULL);

	if (rc != 0)
		return rc;
	*out_artifacts = nsym_pg_int(res, 0, 0);
	*out_blob_bytes = nsym_pg_int(res, 0, 1);
	PQclear(res);
	return 0;
}

/* ---- opening ---------------------------------------------------------------------- */

static void pg_close(struct nsym_store *s)
{
	if (s == NULL)
		return;
	PQfinish(pg(s)->conn);
	nsym_s3_close(pg(s)->s3);
	memset(pg(s)->url, 0, sizeof(pg(s)->url)); /* may hold a password */
	free(s);
}

static const struct nsym_store_ops pg_ops = {
    .close = pg_close,
    .artifact_find = artifact_find,
    .artifact_add = artifact_add,
    .artifact_get = artifact_get,
    .artifact_delete = artifact_delete,
    .artifact_list = artifact_list,
    .blob_open = nsym_pg_blob_open,
    .blob_read = nsym_pg_blob_read,
    .blob_stat = nsym_pg_blob_stat,
    .blob_url = nsym_pg_blob_url,
    .blob_begin = nsym_pg_blob_begin,
    .blob_commit = nsym_pg_blob_commit,
    .blob_abort = nsym_pg_blob_abort,
    .token_add = nsym_pg_token_add,
    .token_get = nsym_pg_token_get,
    .token_list = nsym_pg_token_list,
    .token_revoke = nsym_pg_token_revoke,
    .stats = stats,
    .source_add = nsym_pg_source_add,
    .source_delete = nsym_pg_source_delete,
    .source_find = nsym_pg_source_find,
    .source_list = nsym_pg_source_list,
    .symcache_find = nsym_pg_symcache_find,
    .symcache_add = nsym_pg_symcache_add,
    .symcache_lock = nsym_pg_symcache_lock,
    .symcache_unlock = nsym_pg_symcache_unlock,
    .sweep = nsym_pg_sweep,
};

int nsym_store_open_pg(struct nsym_store **out, const char *url, const char *blobs, unsigned flags,
                       char *err, size_t err_size)
{
	struct pg_store *ps = calloc(1, sizeof(*ps));
	const char *tmp = getenv("TMPDIR");
	int rc = 0;

	*out = NULL;
	if (ps == NULL) {
		snprintf(err, err_size, "out of memory");
		return NSYM_ENOMEM;
	}
	ps->base.ops = &pg_ops;
	snprintf(ps->tmpdir, sizeof(ps->tmpdir), "%s",
	         tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	if (strlen(url) >= sizeof(ps->url)) {
		snprintf(err, err_size, "the PostgreSQL URL is too long");
		rc = NSYM_EINVAL;
	} else {
		snprintf(ps->url, sizeof(ps->url), "%s", url);
	}
	if (rc == 0 && blobs != NULL)
		rc = nsym_s3_open(&ps->s3, blobs, err, err_size);
	if (rc == 0 && !(flags & NSYM_STORE_LAZY)) {
		rc = connect_db(&ps->base, err, err_size);
		if (rc == 0 && nsym_pg_migrate(ps->conn, err, err_size) != 0)
			rc = NSYM_EIO;
	}
	if (rc != 0) {
		pg_close(&ps->base);
		return rc;
	}
	*out = &ps->base;
	return 0;
}
