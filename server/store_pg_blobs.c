/*
 * The scaled store's blobs: objects in S3-compatible storage named by the
 * SHA-256 of their bytes (s3.h). An upload's body goes to a local
 * temporary file while it arrives (the identity is read from it before
 * anything is stored); blob_commit puts it into the storage (in parts when
 * large), unless an object of that hash and size is there already, which
 * makes a second upload of the same bytes, through any server, cheap.
 *
 * An object is visible only through a row, and a row is added only in a
 * transaction that has checked, under the blob's advisory lock, that the
 * object is there (nsym_pg_blob_record). Removal goes the other way: the
 * last row naming a blob is deleted and the blob listed as garbage in one
 * transaction; its object is removed after delete_grace seconds, under the
 * same lock, only if no row names the blob again by then. So no row ever
 * names a missing object, and what a crash can leave is an object no row
 * names (or the parts of a multipart upload), which the sweep removes
 * once it is older than any upload takes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store_pg.h"

/* How old an object no row names must be before the sweep removes it, and
 * a multipart upload before the sweep aborts it: far longer than an
 * upload takes from its last byte to its commit. */
#define ORPHAN_AGE (60 * 60)

/* The prefix of upload bodies' temporary files in TMPDIR. */
#define UPLOAD_PREFIX "napi-symbols-upload."

void nsym_pg_blob_key(char *out, size_t size, struct nsym_store *s, const char *sha256)
{
	char name[NSYM_SHA256_HEX + 16];

	snprintf(name, sizeof(name), "sha256/%.2s/%s", sha256, sha256 + 2);
	nsym_s3_key(out, size, pg(s)->s3, name);
}

static int need_s3(struct nsym_store *s)
{
	return pg(s)->s3 != NULL
	           ? 0
	           : nsym_pg_fail(s, NSYM_EINVAL, "no blob storage: serve needs --blobs s3://…");
}

/* The storage's message, as the store's; a missing object a row names is
 * a failure (a delete racing the read), never a miss. */
static int s3_fail(struct nsym_store *s, int rc)
{
	nsym_pg_fail(s, rc == NSYM_ENOENT ? NSYM_EIO : rc, "%s", nsym_s3_error(pg(s)->s3));
	return rc == NSYM_ENOENT ? NSYM_EIO : rc;
}

/* ---- reading ---------------------------------------------------------------------- */

int nsym_pg_blob_read(struct nsym_store *s, const char *sha256, uint64_t from, uint64_t count,
                      const struct nsym_blob_sink *sink)
{
	struct nsym_s3_sink k = {sink->begin, sink->data, sink->arg};
	char key[NSYM_S3_KEY_MAX];
	int rc = need_s3(s);

	if (rc != 0)
		return rc;
	nsym_pg_blob_key(key, sizeof(key), s, sha256);
	rc = nsym_s3_get(pg(s)->s3, key, from, count, &k);
	return rc == 0 ? 0 : s3_fail(s, rc);
}

int nsym_pg_blob_stat(struct nsym_store *s, uint64_t *out_size, const char *sha256)
{
	char key[NSYM_S3_KEY_MAX];
	int rc = need_s3(s);

	if (rc != 0)
		return rc;
	nsym_pg_blob_key(key, sizeof(key), s, sha256);
	rc = nsym_s3_head(pg(s)->s3, out_size, key);
	return rc == 0 ? 0 : s3_fail(s, rc);
}

int nsym_pg_blob_url(struct nsym_store *s, char *out, size_t size, const char *sha256, int expires)
{
	char key[NSYM_S3_KEY_MAX];
	int rc = need_s3(s);

	if (rc != 0)
		return rc;
	nsym_pg_blob_key(key, sizeof(key), s, sha256);
	rc = nsym_s3_presign(out, size, pg(s)->s3, key, expires);
	return rc == 0 ? 0 : s3_fail(s, rc);
}

struct to_file {
	int fd;
	uint64_t size;
	int err; /* errno of a write that failed */
};

static int file_begin(void *arg, uint64_t size)
{
	((struct to_file *)arg)->size = size;
	return 0;
}

static int file_data(void *arg, const void *bytes, size_t n)
{
	struct to_file *f = arg;
	const char *p = bytes;

	while (n > 0) {
		ssize_t w = write(f->fd, p, n);
		if (w <= 0) {
			f->err = w < 0 ? errno : EIO;
			return f->err == ENOSPC || f->err == EDQUOT ? NSYM_ENOSPC : NSYM_EIO;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The whole object, into a file without a name in TMPDIR (gone when its
 * descriptor closes): for the routes that read a blob at random. */
int nsym_pg_blob_open(struct nsym_store *s, struct nsym_blob *out, const char *sha256)
{
	struct to_file f = {-1, 0, 0};
	struct nsym_blob_sink sink = {file_begin, file_data, &f};
	uint64_t size = 0;
	int rc;

	out->fd = -1;
	rc = nsym_pg_blob_stat(s, &size, sha256);
	if (rc != 0)
		return rc;
	f.fd = open(pg(s)->tmpdir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (f.fd < 0)
		return nsym_pg_fail(s, NSYM_EIO, "cannot make a temporary file in %s: %s",
		                    pg(s)->tmpdir, strerror(errno));
	rc = size > 0 ? nsym_pg_blob_read(s, sha256, 0, size, &sink) : 0;
	if (rc != 0 && f.err != 0)
		nsym_pg_fail(s, rc, "cannot keep blob %s in %s: %s", sha256, pg(s)->tmpdir,
		             strerror(f.err));
	if (rc != 0) {
		close(f.fd);
		return rc;
	}
	out->fd = f.fd;
	out->size = size;
	out->mtime = time(NULL);
	return 0;
}

/* ---- writing ---------------------------------------------------------------------- */

int nsym_pg_blob_begin(struct nsym_store *s, struct nsym_blob_writer *out)
{
	int rc = need_s3(s);

	out->fd = -1;
	out->tmp[0] = '\0';
	out->hash = NULL;
	out->size = 0;
	if (rc != 0)
		return rc;
	snprintf(out->tmp, sizeof(out->tmp), "%s/" UPLOAD_PREFIX "XXXXXX", pg(s)->tmpdir);
	out->fd = mkostemp(out->tmp, O_CLOEXEC);
	if (out->fd < 0) {
		rc = errno == ENOSPC || errno == EDQUOT ? NSYM_ENOSPC : NSYM_EIO;
		out->tmp[0] = '\0';
		return nsym_pg_fail(s, rc, "cannot create a temporary file in %s: %s",
		                    pg(s)->tmpdir, strerror(errno));
	}
	/* held while the file is open: the sweep leaves a locked file alone */
	flock(out->fd, LOCK_EX);
	if (nsym_hash_new(&out->hash, NSYM_HASH_SHA256) != 0) {
		nsym_pg_blob_abort(s, out);
		return nsym_pg_fail(s, NSYM_ENOMEM, "out of memory starting a hash");
	}
	return 0;
}

void nsym_pg_blob_abort(struct nsym_store *s, struct nsym_blob_writer *w)
{
	(void)s;
	if (w->tmp[0] != '\0')
		unlink(w->tmp);
	if (w->fd >= 0)
		close(w->fd);
	nsym_hash_free(w->hash);
	w->fd = -1;
	w->tmp[0] = '\0';
	w->hash = NULL;
}

int nsym_pg_blob_commit(struct nsym_store *s, struct nsym_blob_writer *w, char *out_sha256)
{
	char key[NSYM_S3_KEY_MAX];
	uint64_t have = 0;
	int rc;

	if (nsym_hash_final_hex(out_sha256, w->hash) != 0) {
		nsym_pg_blob_abort(s, w);
		return nsym_pg_fail(s, NSYM_ENOMEM, "out of memory finishing a hash");
	}
	nsym_pg_blob_key(key, sizeof(key), s, out_sha256);
	/* the same bytes stored already, by this server or another: a row is
	 * added only after nsym_pg_blob_record checks again under the lock */
	rc = nsym_s3_head(pg(s)->s3, &have, key);
	if (rc != 0 || have != w->size)
		rc = nsym_s3_put_file(pg(s)->s3, key, w->fd, w->size);
	if (rc != 0)
		s3_fail(s, rc);
	nsym_pg_blob_abort(s, w);
	return rc != 0 ? NSYM_EIO : 0;
}

/* ---- rows and garbage ------------------------------------------------------------- */

int nsym_pg_blob_record(struct nsym_store *s, const char *sha256)
{
	char key[NSYM_S3_KEY_MAX], size_text[24], now[24];
	const char *p[] = {sha256, size_text, now};
	uint64_t size = 0;
	int rc = need_s3(s);

	if (rc != 0)
		return rc;
	nsym_pg_blob_key(key, sizeof(key), s, sha256);
	rc = nsym_s3_head(pg(s)->s3, &size, key);
	if (rc == NSYM_ENOENT) /* removed since blob_commit: the client sends it again */
		return nsym_pg_fail(s, NSYM_EIO,
		                    "blob %s was removed during the upload; send it again", sha256);
	if (rc != 0)
		return s3_fail(s, rc);
	snprintf(size_text, sizeof(size_text), "%" PRIu64, size);
	snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
	rc = nsym_pg_query(s, NULL, "blob insert",
	                   "INSERT INTO blobs (sha256, size, created) VALUES ($1, $2, $3) "
	                   "ON CONFLICT (sha256) DO NOTHING",
	                   3, p);
	if (rc == 0)
		rc = nsym_pg_query(s, NULL, "blob insert",
		                   "DELETE FROM blob_garbage WHERE sha256 = $1", 1, p);
	return rc;
}

int nsym_pg_blobs_forget(struct nsym_store *s, bool *removed, char (*sha256s)[NSYM_SHA256_HEX],
                         size_t n)
{
	char now[24];
	int rc = 0;

	snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const char *p[] = {sha256s[i], now};
		PGresult *res = NULL;

		removed[i] = false;
		rc = nsym_pg_lock_blob(s, sha256s[i]);
		if (rc == 0)
			rc = nsym_pg_query(
			    s, &res, "blob delete",
			    "DELETE FROM blobs WHERE sha256 = $1 AND NOT EXISTS (SELECT 1 FROM "
			    "artifacts WHERE sha256 = $1) AND NOT EXISTS (SELECT 1 FROM sources "
			    "WHERE sha256 = $1) AND NOT EXISTS (SELECT 1 FROM symcaches WHERE "
			    "sha256 = $1) RETURNING sha256",
			    1, p);
		removed[i] = rc == 0 && PQntuples(res) > 0;
		PQclear(res);
		if (removed[i])
			rc = nsym_pg_query(
			    s, NULL, "blob delete",
			    "INSERT INTO blob_garbage (sha256, since) VALUES ($1, $2) "
			    "ON CONFLICT (sha256) DO UPDATE SET since = EXCLUDED.since",
			    2, p);
	}
	return rc;
}

/* Removes the object of a garbage blob, in a transaction of its own under
 * the blob's lock, unless a row named the blob again: 1 when it did, 0
 * when the blob was kept, or a negative code (the row stays for later). */
static int remove_garbage(struct nsym_store *s, const char *sha256)
{
	const char *p[] = {sha256};
	char key[NSYM_S3_KEY_MAX];
	PGresult *res = NULL;
	bool named = false;
	int rc = nsym_pg_begin(s);

	if (rc == 0)
		rc = nsym_pg_lock_blob(s, sha256);
	if (rc == 0)
		rc = nsym_pg_query(s, &res, "garbage",
		                   "SELECT EXISTS (SELECT 1 FROM blobs WHERE sha256 = $1)", 1, p);
	if (rc == 0)
		named = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (rc == 0 && !named) {
		nsym_pg_blob_key(key, sizeof(key), s, sha256);
		rc = nsym_s3_delete(pg(s)->s3, key);
		if (rc != 0)
			s3_fail(s, rc);
	}
	if (rc == 0)
		rc = nsym_pg_query(s, NULL, "garbage", "DELETE FROM blob_garbage WHERE sha256 = $1",
		                   1, p);
	if (rc == 0)
		rc = nsym_pg_commit(s);
	if (rc != 0)
		nsym_pg_rollback(s);
	return rc != 0 ? rc : !named;
}

int nsym_pg_collect_garbage(struct nsym_store *s, int max)
{
	char before[24], limit[16];
	const char *p[] = {before, limit};
	PGresult *res = NULL;
	int removed = 0, rc;

	if (pg(s)->s3 == NULL)
		return 0;
	snprintf(before, sizeof(before), "%lld",
	         (long long)time(NULL) - nsym_s3_delete_grace(pg(s)->s3));
	snprintf(limit, sizeof(limit), "%d", max);
	rc = nsym_pg_query(s, &res, "garbage",
	                   "SELECT sha256 FROM blob_garbage WHERE since <= $1 ORDER BY since "
	                   "LIMIT $2",
	                   2, p);
	for (int i = 0; rc == 0 && i < PQntuples(res); i++) {
		int one = remove_garbage(s, PQgetvalue(res, i, 0));
		if (one < 0)
			break;
		removed += one;
	}
	PQclear(res);
	return removed;
}

void nsym_pg_drop_if_unnamed(struct nsym_store *s, const char *sha256)
{
	char saved[sizeof(s->errmsg)], now[24];
	const char *p[] = {sha256, now};

	memcpy(saved, s->errmsg, sizeof(saved));
	snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
	/* listed as garbage, not removed at once: an upload of the same bytes
	 * may be between its own put and its record */
	if (nsym_pg_begin(s) == 0) {
		if (nsym_pg_lock_blob(s, sha256) != 0 ||
		    nsym_pg_query(
		        s, NULL, "garbage",
		        "INSERT INTO blob_garbage (sha256, since) SELECT $1, $2 WHERE NOT "
		        "EXISTS (SELECT 1 FROM blobs WHERE sha256 = $1) ON CONFLICT "
		        "(sha256) DO NOTHING",
		        2, p) != 0 ||
		    nsym_pg_commit(s) != 0)
			nsym_pg_rollback(s);
	}
	memcpy(s->errmsg, saved, sizeof(saved));
}

/* ---- the sweep ------------------------------------------------------------------------ */

/* Upload bodies in TMPDIR that no process holds (a server killed during an
 * upload): removed. How many. */
static int sweep_uploads(struct nsym_store *s)
{
	char path[2048];
	struct dirent *e;
	DIR *d = opendir(pg(s)->tmpdir);
	int n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		int fd;

		if (strncmp(e->d_name, UPLOAD_PREFIX, strlen(UPLOAD_PREFIX)) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", pg(s)->tmpdir, e->d_name);
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0 && unlink(path) == 0)
			n++;
		close(fd);
	}
	closedir(d);
	return n;
}

/* The objects of one listing page that may be orphans: old enough, named
 * like a blob. */
struct orphans {
	struct nsym_store *s;
	time_t before;
	char (*sha)[NSYM_SHA256_HEX];
	size_t n, cap;
	int listed;
};

static int is_hex64(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

static int orphan_seen(void *arg, const char *key, time_t modified)
{
	struct orphans *o = arg;
	const char *name = strstr(key, "sha256/");
	char sha[NSYM_SHA256_HEX];

	o->listed++;
	if (name == NULL || strlen(name) != 7 + 2 + 1 + 62 || name[9] != '/' || modified == 0 ||
	    modified >= o->before)
		return 0;
	snprintf(sha, sizeof(sha), "%.2s%s", name + 7, name + 10);
	if (!is_hex64(sha))
		return 0;
	if (o->n == o->cap) {
		size_t cap = o->cap > 0 ? 2 * o->cap : 256;
		void *grown = cap <= 65536 ? realloc(o->sha, cap * sizeof(*o->sha)) : NULL;
		if (grown == NULL)
			return 1; /* enough for one start */
		o->sha = grown;
		o->cap = cap;
	}
	memcpy(o->sha[o->n++], sha, NSYM_SHA256_HEX);
	return 0;
}

/* The candidates that have no blobs row, found with one query: moved to
 * the front of o->sha, their count. */
static size_t without_rows(struct nsym_store *s, struct orphans *o)
{
	char *list = malloc(o->n * NSYM_SHA256_HEX + 3);
	const char *p[] = {list};
	PGresult *res = NULL;
	size_t used = 0, kept = 0;

	if (list == NULL)
		return 0;
	list[used++] = '{';
	for (size_t i = 0; i < o->n; i++) {
		memcpy(list + used, o->sha[i], NSYM_SHA256_HEX - 1);
		used += NSYM_SHA256_HEX - 1;
		list[used++] = i + 1 < o->n ? ',' : '}';
	}
	list[used] = '\0';
	if (nsym_pg_query(s, &res, "sweep",
	                  "SELECT x FROM unnest($1::text[]) x WHERE NOT EXISTS (SELECT 1 FROM "
	                  "blobs WHERE sha256 = x)",
	                  1, p) == 0) {
		for (int i = 0; i < PQntuples(res) && kept < o->n; i++)
			nsym_pg_copy(o->sha[kept++], NSYM_SHA256_HEX, res, i, 0);
	}
	PQclear(res);
	free(list);
	return kept;
}

/* Lists each orphan (no blobs row) as garbage of time 0, under its lock. */
static void list_orphans(struct nsym_store *s, struct orphans *o)
{
	o->n = without_rows(s, o);
	for (size_t i = 0; i < o->n; i++) {
		const char *p[] = {o->sha[i], "0"};
		if (nsym_pg_begin(s) != 0)
			return;
		if (nsym_pg_lock_blob(s, o->sha[i]) != 0 ||
		    nsym_pg_query(
		        s, NULL, "sweep",
		        "INSERT INTO blob_garbage (sha256, since) SELECT $1, $2 WHERE NOT "
		        "EXISTS (SELECT 1 FROM blobs WHERE sha256 = $1) ON CONFLICT "
		        "(sha256) DO NOTHING",
		        2, p) != 0 ||
		    nsym_pg_commit(s) != 0) {
			nsym_pg_rollback(s);
			return;
		}
	}
}

int nsym_pg_sweep(struct nsym_store *s, struct nsym_sweep *out)
{
	struct orphans o = {.s = s, .before = time(NULL) - ORPHAN_AGE};
	char prefix[NSYM_S3_KEY_MAX];
	int aborted = 0, rc;

	out->uploads = sweep_uploads(s);
	out->blobs = 0;
	if (pg(s)->s3 == NULL)
		return 0;
	nsym_s3_key(prefix, sizeof(prefix), pg(s)->s3, "sha256/");
	/* NEEDSWORK: this reads the whole listing at every start; on a large
	 * bucket a lifecycle rule that aborts incomplete multipart uploads, and
	 * a sweep that resumes where the last one stopped, would cost less. */
	rc = nsym_s3_abort_stale_uploads(pg(s)->s3, &aborted, prefix, o.before);
	if (rc == 0)
		rc = nsym_s3_list(pg(s)->s3, prefix, orphan_seen, &o);
	if (rc != 0)
		nsym_pg_fail(s, rc, "%s", nsym_s3_error(pg(s)->s3));
	if (o.n > 0) {
		/* the few with no row go through the garbage list, which checks
		 * again under each blob's lock */
		list_orphans(s, &o);
	}
	free(o.sha);
	out->blobs = nsym_pg_collect_garbage(s, 1 << 20);
	out->uploads += aborted;
	return rc;
}

int nsym_pg_add_naming_row(struct nsym_store *s, const char *key, const char *sha256,
                           int (*insert)(struct nsym_store *s, void *row), void *row)
{
	char blob[1][NSYM_SHA256_HEX]; /* sha256 may be rewritten by insert */
	bool removed = false;
	int result = 0, rc;

	snprintf(blob[0], sizeof(blob[0]), "%s", sha256);
	rc = nsym_pg_begin(s);
	if (rc == 0)
		rc = nsym_pg_lock_build(s, key);
	if (rc == 0)
		rc = nsym_pg_lock_blob(s, blob[0]);
	if (rc == 0)
		rc = nsym_pg_blob_record(s, blob[0]);
	if (rc == 0) {
		result = insert(s, row);
		if (result != 0 && result != NSYM_EEXIST && result != NSYM_ENOENT)
			rc = result;
	}
	if (rc == 0 && result != 0 && strcmp(sha256, blob[0]) != 0)
		rc = nsym_pg_blobs_forget(s, &removed, blob, 1);
	if (rc == 0)
		rc = nsym_pg_commit(s);
	if (rc != 0) {
		nsym_pg_rollback(s);
		nsym_pg_drop_if_unnamed(s, blob[0]);
		return rc;
	}
	return result;
}

int nsym_pg_delete_naming_rows(struct nsym_store *s, char (**blobs)[NSYM_SHA256_HEX], size_t *n,
                               const char *what, const char *sql, const char *key)
{
	const char *p[] = {key};
	PGresult *res = NULL;
	int rc = nsym_pg_query(s, &res, what, sql, 1, p);
	int rows = rc == 0 ? PQntuples(res) : 0;

	if (rows > 0) {
		void *grown = realloc(*blobs, (*n + (size_t)rows) * sizeof(**blobs));
		if (grown == NULL)
			rc = nsym_pg_fail(s, NSYM_ENOMEM, "out of memory");
		else
			*blobs = grown;
	}
	for (int i = 0; rc == 0 && i < rows; i++)
		nsym_pg_copy((*blobs)[(*n)++], NSYM_SHA256_HEX, res, i, 0);
	PQclear(res);
	return rc;
}
