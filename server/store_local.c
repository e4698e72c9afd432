/*
 * The embedded store: sqlite in WAL mode for metadata (DIR/napi-symbols.db)
 * and a content-addressed folder of blobs (DIR/blobs/sha256/ab/cdef...).
 * Uploads are written under DIR/tmp/, fsynced, renamed into blobs/, the
 * folder fsynced, and only then recorded, with the rows that name it: after
 * a crash at any point a row never names a missing or partial blob. What a
 * crash can leave is a temporary file or a blob no row names, which the
 * sweep at start removes (store_local_sweep.c). Deleting an artifact removes
 * its blob once no row names it, and the build's sources with its last
 * artifact, in a way a concurrent upload of the same bytes cannot race (see
 * "removing artifacts"); on a full disk it spends the store's reserve
 * (store_local_reserve.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "migrate.h"
#include "store.h"
#include "store_local.h"

int nsym_local_fail(struct nsym_store *s, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->errmsg, sizeof(s->errmsg), fmt, ap);
	va_end(ap);
	return code;
}

int nsym_local_db_fail(struct nsym_store *s, const char *what)
{
	sqlite3 *db = local(s)->db;

	int code = sqlite3_errcode(db);

	/* sqlite out of memory is ours too: a caller that hears NSYM_EIO
	 * answers "the store failed" where it should fail for memory */
	return nsym_local_fail(s,
	                       code == SQLITE_FULL    ? NSYM_ENOSPC
	                       : code == SQLITE_NOMEM ? NSYM_ENOMEM
	                                              : NSYM_EIO,
	                       "%s: %s", what, sqlite3_errmsg(db));
}

int nsym_local_errno_code(int err)
{
	return err == ENOSPC || err == EDQUOT || err == EFBIG ? NSYM_ENOSPC : NSYM_EIO;
}

int nsym_local_exec(struct nsym_store *s, const char *sql)
{
	return sqlite3_exec(local(s)->db, sql, NULL, NULL, NULL) == SQLITE_OK
	           ? 0
	           : nsym_local_db_fail(s, sql);
}

void nsym_local_copy_text(char *out, size_t size, sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	snprintf(out, size, "%s", t != NULL ? (const char *)t : "");
}

#define ARTIFACT_COLUMNS                                                                           \
	"a.id, a.key, a.id_kind, a.kind, a.format, a.arch, a.name, a.sha256, b.size, a.created, "  \
	"a.uploaded_by, a.package_name, a.package_version "                                        \
	"FROM artifacts a JOIN blobs b ON b.sha256 = a.sha256"

static void read_artifact(struct nsym_artifact *a, sqlite3_stmt *st)
{
	a->id = sqlite3_column_int64(st, 0);
	nsym_local_copy_text(a->key, sizeof(a->key), st, 1);
	nsym_local_copy_text(a->id_kind, sizeof(a->id_kind), st, 2);
	nsym_local_copy_text(a->kind, sizeof(a->kind), st, 3);
	nsym_local_copy_text(a->format, sizeof(a->format), st, 4);
	nsym_local_copy_text(a->arch, sizeof(a->arch), st, 5);
	nsym_local_copy_text(a->name, sizeof(a->name), st, 6);
	nsym_local_copy_text(a->sha256, sizeof(a->sha256), st, 7);
	a->size = (uint64_t)sqlite3_column_int64(st, 8);
	a->created = sqlite3_column_int64(st, 9);
	nsym_local_copy_text(a->uploaded_by, sizeof(a->uploaded_by), st, 10);
	nsym_local_copy_text(a->package_name, sizeof(a->package_name), st, 11);
	nsym_local_copy_text(a->package_version, sizeof(a->package_version), st, 12);
}

static int artifact_find(struct nsym_store *s, struct nsym_artifact *out, const char *key,
                         const char *kind)
{
	sqlite3_stmt *st = local(s)->find;
	int rc;

	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_artifact(out, st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? nsym_local_fail(s, NSYM_ENOENT, "no %s for %s", kind, key)
	                         : nsym_local_db_fail(s, "artifact lookup");
}

/* Keys are lowercase hex, so those that start with `prefix` are the ones
 * from prefix itself up to, not including, prefix + "g" ('g' sorts after
 * every hex digit): a range the (key, kind) index answers. */
static int artifact_find_prefix(struct nsym_store *s, struct nsym_artifact *out, const char *prefix,
                                const char *id_kind, const char *kind)
{
	sqlite3_stmt *st = local(s)->find_prefix;
	char end[sizeof(out->key) + 1];
	int rc;

	if (strlen(prefix) >= sizeof(out->key) ||
	    strspn(prefix, "0123456789abcdef") != strlen(prefix))
		return nsym_local_fail(s, NSYM_ENOENT, "no %s starts with %s", kind, prefix);
	snprintf(end, sizeof(end), "%sg", prefix);
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, prefix, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, end, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, id_kind, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_artifact(out, st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE
	           ? nsym_local_fail(s, NSYM_ENOENT, "no %s starts with %s", kind, prefix)
	           : nsym_local_db_fail(s, "artifact lookup by prefix");
}

static void bind_artifact(sqlite3_stmt *st, const void *row)
{
	const struct nsym_artifact *a = row;

	sqlite3_bind_text(st, 1, a->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, a->id_kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, a->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, a->format, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, a->arch, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, a->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, a->sha256, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)(a->created != 0 ? a->created : time(NULL)));
	sqlite3_bind_text(st, 9, a->uploaded_by, -1, SQLITE_STATIC);
	/* no package is NULL, not '': a search for '' finds nothing */
	if (a->package_name[0] != '\0') {
		sqlite3_bind_text(st, 10, a->package_name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 11, a->package_version, -1, SQLITE_STATIC);
	}
}

/* a's (key, kind) is taken: NSYM_EEXIST with the row holding it in out. */
static int artifact_taken(struct nsym_store *s, void *out, const void *row)
{
	const struct nsym_artifact *a = row;
	int rc = artifact_find(s, out, a->key, a->kind);

	return rc == 0 ? nsym_local_fail(s, NSYM_EEXIST, "%s for %s exists", a->kind, a->key) : rc;
}

static int artifact_list(struct nsym_store *s, const struct nsym_artifact_search *search,
                         int64_t offset, int64_t limit,
                         int (*fn)(void *arg, const struct nsym_artifact *a), void *arg)
{
	const struct nsym_artifact_search all = {0}, *q = search != NULL ? search : &all;
	sqlite3_stmt *st = NULL;
	int rc;

	/* a package by its exact name (and version), which the index answers */
	if (sqlite3_prepare_v2(
	        local(s)->db,
	        "SELECT " ARTIFACT_COLUMNS " WHERE (?1 IS NULL OR "
	        "instr(lower(a.name), lower(?1)) > 0 OR instr(a.key, lower(?1)) > 0) "
	        "AND (?4 IS NULL OR a.package_name = ?4) "
	        "AND (?5 IS NULL OR a.package_version = ?5) "
	        "ORDER BY a.id DESC LIMIT ?2 OFFSET ?3",
	        -1, &st, NULL) != SQLITE_OK)
		return nsym_local_db_fail(s, "artifact list");
	if (q->text != NULL)
		sqlite3_bind_text(st, 1, q->text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, limit);
	sqlite3_bind_int64(st, 3, offset);
	if (q->package_name != NULL)
		sqlite3_bind_text(st, 4, q->package_name, -1, SQLITE_STATIC);
	if (q->package_name != NULL && q->package_version != NULL)
		sqlite3_bind_text(st, 5, q->package_version, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct nsym_artifact a;
		read_artifact(&a, st);
		if (fn(arg, &a) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : nsym_local_db_fail(s, "artifact list");
}

/* ---- blobs ------------------------------------------------------------------ */

void nsym_local_blob_path(char *out, size_t size, const char *dir, const char *sha256)
{
	snprintf(out, size, "%s/blobs/sha256/%.2s/%s", dir, sha256, sha256 + 2);
}

void nsym_local_trash_path(char *out, size_t size, const char *dir, const char *sha256)
{
	snprintf(out, size, "%s/tmp/deleted.%s", dir, sha256);
}

static int blob_open(struct nsym_store *s, struct nsym_blob *out, const char *sha256)
{
	struct stat st;
	char path[4096];

	nsym_local_blob_path(path, sizeof(path), local(s)->dir, sha256);
	out->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (out->fd < 0)
		return nsym_local_fail(s, NSYM_EIO, "blob %s: %s", sha256, strerror(errno));
	if (fstat(out->fd, &st) != 0) {
		close(out->fd);
		out->fd = -1;
		return nsym_local_fail(s, NSYM_EIO, "blob %s: %s", sha256, strerror(errno));
	}
	out->size = (uint64_t)st.st_size;
	out->mtime = st.st_mtime;
	return 0;
}

static void blob_abort(struct nsym_store *s, struct nsym_blob_writer *w);

static int blob_begin(struct nsym_store *s, struct nsym_blob_writer *out)
{
	/* No upload while the reserve is spent and cannot be made again: the
	 * room it needs goes to deletes first (store_local_reserve.c). */
	int rc = nsym_local_reserve_make(local(s)->dir);

	out->fd = -1;
	out->tmp[0] = '\0';
	out->hash = NULL;
	if (rc == NSYM_ENOSPC)
		return nsym_local_fail(s, rc, "no room for the store's reserve: the disk is full");
	out->fd = nsym_local_tmp_create(out->tmp, sizeof(out->tmp), local(s)->dir, "upload");
	if (out->fd < 0) {
		rc = out->fd;
		out->fd = -1;
		return nsym_local_fail(s, rc, "cannot create %s: %s", out->tmp, strerror(errno));
	}
	out->size = 0;
	if (nsym_hash_new(&out->hash, NSYM_HASH_SHA256) != 0) {
		blob_abort(s, out);
		return nsym_local_fail(s, NSYM_ENOMEM, "out of memory starting a hash");
	}
	return 0;
}

static void blob_abort(struct nsym_store *s, struct nsym_blob_writer *w)
{
	(void)s;
	if (w->fd >= 0)
		close(w->fd);
	if (w->tmp[0] != '\0')
		unlink(w->tmp);
	nsym_hash_free(w->hash);
	w->fd = -1;
	w->tmp[0] = '\0';
	w->hash = NULL;
}

static int fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

static void drop_if_unnamed(struct nsym_store *s, const char *sha256);

static int record_blob(struct nsym_store *s, const char *sha256, uint64_t size)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(local(s)->db,
	                       "INSERT OR IGNORE INTO blobs (sha256, size, created) VALUES (?,?,?)",
	                       -1, &st, NULL) != SQLITE_OK)
		return nsym_local_db_fail(s, "blob insert");
	sqlite3_bind_text(st, 1, sha256, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)size);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : nsym_local_db_fail(s, "blob insert");
}

static int blob_commit(struct nsym_store *s, struct nsym_blob_writer *w, char *out_sha256)
{
	char final[4096], folder[4096];
	int rc = 0;

	if (nsym_hash_final_hex(out_sha256, w->hash) != 0) {
		blob_abort(s, w);
		return nsym_local_fail(s, NSYM_ENOMEM, "out of memory finishing a hash");
	}
	nsym_local_blob_path(final, sizeof(final), local(s)->dir, out_sha256);
	snprintf(folder, sizeof(folder), "%s/blobs/sha256/%.2s", local(s)->dir, out_sha256);
	/* Renamed even over a file already there (the same bytes): the blob's
	 * time is then that of its latest upload, which the sweep reads to
	 * leave alone a file whose rows are still to come. */
	if (fsync(w->fd) != 0)
		rc = nsym_local_fail(s, nsym_local_errno_code(errno), "fsync %s: %s", w->tmp,
		                     strerror(errno));
	else if (mkdir(folder, 0755) != 0 && errno != EEXIST)
		rc = nsym_local_fail(s, nsym_local_errno_code(errno), "mkdir %s: %s", folder,
		                     strerror(errno));
	else if (rename(w->tmp, final) != 0)
		rc = nsym_local_fail(s, nsym_local_errno_code(errno), "rename to %s: %s", final,
		                     strerror(errno));
	else if (fsync_dir(folder) != 0) {
		rc = nsym_local_fail(s, nsym_local_errno_code(errno), "fsync %s: %s", folder,
		                     strerror(errno));
		drop_if_unnamed(s, out_sha256);
	}
	blob_abort(s, w); /* closes; unlinks the temporary when it was not renamed */
	return rc;
}

/* ---- removing artifacts ------------------------------------------------------
 *
 * An upload commits its blob (a file that may already be there) and then adds
 * its rows; a delete removes the last row naming a blob and then the file. Run
 * in between, the delete would leave the upload's new row naming a removed
 * file. So both take sqlite's write lock (BEGIN IMMEDIATE) around the part
 * that matters: the upload checks the file is present while it adds the row,
 * and the delete moves the file aside (to tmp/deleted.SHA) before it commits.
 * Whichever goes second sees the other's outcome: the upload finds the file
 * gone and asks to be sent again, or the delete finds the new row and keeps
 * the file. The file is unlinked only after the commit; a crash before that
 * leaves tmp/deleted.SHA, which the sweep at start puts back (a blob no row
 * names is harmless, a row without its blob is not).
 *
 * Sources belong to a build: deleting the last artifact whose key is a build's
 * id deletes the build's sources in the same transaction, and each of their
 * blobs goes by the same rules as the artifact's (moved aside once no artifact
 * or source names it, unlinked after the commit, put back otherwise). A
 * source is added only while its build has an artifact, checked by the
 * INSERT itself under the lock, so one racing the delete of that last
 * artifact is refused (NSYM_ENOENT) instead of outliving its build.
 */

/* Keeps the error message of what failed. */
static void rollback(struct nsym_store *s)
{
	sqlite3_exec(local(s)->db, "ROLLBACK", NULL, NULL, NULL);
}

/* The size of the blob's file, or -1 when it is not there. */
static int64_t blob_size(struct nsym_store *s, const char *sha256)
{
	char path[4096];
	struct stat st;

	nsym_local_blob_path(path, sizeof(path), local(s)->dir, sha256);
	return stat(path, &st) == 0 ? (int64_t)st.st_size : -1;
}

/* Whether an artifact, a source or a symcache names the blob: 1, 0, or a negative
 * code. */
static int blob_named(struct nsym_store *s, const char *sha256)
{
	sqlite3_stmt *st = NULL;
	int rc, named = 0;

	if (sqlite3_prepare_v2(local(s)->db,
	                       "SELECT EXISTS (SELECT 1 FROM artifacts WHERE sha256 = ?1) OR "
	                       "EXISTS (SELECT 1 FROM sources WHERE sha256 = ?1) OR "
	                       "EXISTS (SELECT 1 FROM symcaches WHERE sha256 = ?1)",
	                       -1, &st, NULL) != SQLITE_OK)
		return nsym_local_db_fail(s, "blob lookup");
	sqlite3_bind_text(st, 1, sha256, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		named = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? named : nsym_local_db_fail(s, "blob lookup");
}

/* After an upload's rows failed: the file blob_commit put in place goes
 * unless a row names it. Under the write lock, so that an upload of the
 * same bytes is not between its check that the file is there and its
 * commit; taking the lock writes nothing, so this works on a full disk
 * too. Keeps the message of the failure. */
static void drop_if_unnamed(struct nsym_store *s, const char *sha256)
{
	char saved[sizeof(s->errmsg)], path[4096];

	memcpy(saved, s->errmsg, sizeof(saved));
	if (nsym_local_exec(s, "BEGIN IMMEDIATE") == 0) {
		if (blob_named(s, sha256) == 0) {
			nsym_local_blob_path(path, sizeof(path), local(s)->dir, sha256);
			unlink(path);
		}
		rollback(s);
	}
	memcpy(s->errmsg, saved, sizeof(saved));
}

/* Deletes the blob's row when nothing names it: 1 when it did, 0 when a row
 * still names it (artifacts, or any table whose foreign key refuses the
 * delete), or a negative code. */
static int forget_blob(struct nsym_store *s, const char *sha256)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(local(s)->db,
	                       "DELETE FROM blobs WHERE sha256 = ?1 AND NOT EXISTS "
	                       "(SELECT 1 FROM artifacts WHERE sha256 = ?1)",
	                       -1, &st, NULL) != SQLITE_OK)
		return nsym_local_db_fail(s, "blob delete");
	sqlite3_bind_text(st, 1, sha256, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_CONSTRAINT)
		return 0;
	if (rc != SQLITE_DONE)
		return nsym_local_db_fail(s, "blob delete");
	return sqlite3_changes(local(s)->db) > 0;
}

static int artifact_get(struct nsym_store *s, struct nsym_artifact *out, int64_t id)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(local(s)->db, "SELECT " ARTIFACT_COLUMNS " WHERE a.id = ?", -1, &st,
	                       NULL) != SQLITE_OK)
		return nsym_local_db_fail(s, "artifact get");
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_artifact(out, st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE
	           ? nsym_local_fail(s, NSYM_ENOENT, "no artifact %lld", (long long)id)
	           : nsym_local_db_fail(s, "artifact get");
}

/* How many blobs one delete may take along: a build with more source files
 * than this cannot lose its last artifact (NSYM_ENOMEM; about 70 MB). */
#define DOOMED_MAX ((size_t)1 << 20)

int nsym_local_doomed_add(struct nsym_store *s, struct doomed *d, const char *sha256)
{
	if (d->n == d->cap) {
		size_t cap = d->cap > 0 ? 2 * d->cap : 16;
		struct doomed_blob *grown;

		if (d->n >= DOOMED_MAX)
			return nsym_local_fail(s, NSYM_ENOMEM,
			                       "more than %zu blobs to delete at once", DOOMED_MAX);
		if (cap > DOOMED_MAX)
			cap = DOOMED_MAX;
		grown = realloc(d->blob, cap * sizeof(*grown));
		if (grown == NULL)
			return nsym_local_fail(s, NSYM_ENOMEM, "out of memory");
		d->blob = grown;
		d->cap = cap;
	}
	snprintf(d->blob[d->n].sha256, NSYM_SHA256_HEX, "%s", sha256 != NULL ? sha256 : "");
	d->blob[d->n++].moved = false;
	return 0;
}

/* The files moved aside: unlinked when the transaction committed, put back
 * when it did not (the rows are back; after a crash the sweep does it). */
static void doomed_settle(struct nsym_store *s, struct doomed *d, bool committed)
{
	char blob[4096], trash[4096];

	for (size_t i = 0; i < d->n; i++) {
		if (!d->blob[i].moved)
			continue;
		nsym_local_blob_path(blob, sizeof(blob), local(s)->dir, d->blob[i].sha256);
		nsym_local_trash_path(trash, sizeof(trash), local(s)->dir, d->blob[i].sha256);
		if (committed)
			unlink(trash);
		else
			rename(trash, blob);
	}
	free(d->blob);
	d->blob = NULL;
	d->n = d->cap = 0;
}

/* Forgets the blob when no row names it any more, and moves its file aside. */
int nsym_local_discard_blob(struct nsym_store *s, struct doomed_blob *b)
{
	char blob[4096], trash[4096];
	int rc = forget_blob(s, b->sha256);

	if (rc <= 0)
		return rc;
	nsym_local_blob_path(blob, sizeof(blob), local(s)->dir, b->sha256);
	nsym_local_trash_path(trash, sizeof(trash), local(s)->dir, b->sha256);
	if (rename(blob, trash) != 0 && errno != ENOENT)
		return nsym_local_fail(s, NSYM_EIO, "rename %s: %s", blob, strerror(errno));
	b->moved = true;
	return 0;
}

/* ---- adding rows --------------------------------------------------------------
 *
 * An artifact and a source are added alike: in one transaction with the
 * blob's own row, under the write lock, and only while the blob's file is
 * there, so a delete racing the upload cannot leave the row naming a
 * removed file (see "removing artifacts"); a taken unique key answers
 * NSYM_EEXIST with the row that holds it. Bytes no row names once the rows
 * are in (every identity taken, a source refused) lose their file, and so
 * do those of an upload that failed (a full disk at COMMIT): what an upload
 * leaves is rows with their blob, or nothing. What differs is in a
 * row_type.
 */

static int insert_row(struct nsym_store *s, const struct row_type *t, void *row, int64_t *out_id)
{
	sqlite3_stmt *st = NULL;
	char what[32];
	int rc, ext;

	snprintf(what, sizeof(what), "%s insert", t->name);
	if (sqlite3_prepare_v2(local(s)->db, t->insert, -1, &st, NULL) != SQLITE_OK)
		return nsym_local_db_fail(s, what);
	t->bind(st, row);
	rc = sqlite3_step(st);
	ext = sqlite3_extended_errcode(local(s)->db);
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE && t->refused != NULL && sqlite3_changes(local(s)->db) == 0)
		return t->refused(s, row);
	if (rc == SQLITE_DONE) {
		*out_id = sqlite3_last_insert_rowid(local(s)->db);
		return 0;
	}
	/* Only the unique key makes this a duplicate; a missing blob row (a
	 * concurrent delete) is a failure the client retries. */
	if (ext == SQLITE_CONSTRAINT_UNIQUE) {
		union any_row mine;
		memcpy(&mine, row, t->size);
		if (t->taken(s, row, &mine) == NSYM_EEXIST)
			return NSYM_EEXIST;
	}
	return nsym_local_db_fail(s, what);
}

/* Adds the n rows (of type t, laid out one after the other), which all
 * name the blob sha256, with the blob's row; out_results[i] is 0 (added,
 * its id set), NSYM_EEXIST (taken) or NSYM_ENOENT (refused by the INSERT's
 * condition). A blob no row names after them is forgotten, its file moved
 * aside until the commit as a delete does (an upload of the same bytes
 * meanwhile then keeps a file of its own); after a failure its file goes
 * too, unless named. */
int nsym_local_add_rows(struct nsym_store *s, int *out_results, const struct row_type *t,
                        void *rows, size_t n, const char *blob)
{
	struct doomed unnamed = {0};
	char sha256[NSYM_SHA256_HEX]; /* blob may be in a row, which a taken key rewrites */
	int64_t size;
	int rc, named = 0;

	snprintf(sha256, sizeof(sha256), "%s", blob);
	rc = nsym_local_exec(s, "BEGIN IMMEDIATE");
	if (rc != 0) {
		/* the file goes now if the lock can be had after all (sqlite ran
		 * out of memory); if not, the sweep takes it */
		drop_if_unnamed(s, sha256);
		return rc;
	}
	/* under the lock, which a delete takes to move a file aside */
	size = blob_size(s, sha256);
	if (size < 0) /* a delete won; the client sends the bytes again */
		rc = nsym_local_fail(
		    s, NSYM_EIO, "blob %s was removed during the upload; send it again", sha256);
	else
		rc = record_blob(s, sha256, (uint64_t)size);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		char *row = (char *)rows + i * t->size;
		int added = insert_row(s, t, row, (int64_t *)(void *)(row + t->id_offset));

		if (added == 0 || added == NSYM_EEXIST || added == NSYM_ENOENT)
			out_results[i] = added;
		else
			rc = added;
	}
	if (rc == 0 && (named = blob_named(s, sha256)) < 0)
		rc = named;
	if (rc == 0 && named == 0) {
		rc = nsym_local_doomed_add(s, &unnamed, sha256);
		if (rc == 0)
			rc = nsym_local_discard_blob(s, &unnamed.blob[0]);
	}
	if (rc == 0)
		rc = nsym_local_exec(s, "COMMIT");
	if (rc != 0)
		rollback(s);
	doomed_settle(s, &unnamed, rc == 0);
	if (rc != 0)
		drop_if_unnamed(s, sha256);
	return rc;
}

static const struct row_type artifact_row = {
    .name = "artifact",
    .size = sizeof(struct nsym_artifact),
    .id_offset = offsetof(struct nsym_artifact, id),
    .insert = "INSERT INTO artifacts (key, id_kind, kind, format, arch, name, sha256, created, "
              "uploaded_by, package_name, package_version) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
    .bind = bind_artifact,
    .taken = artifact_taken,
};

static int artifact_add(struct nsym_store *s, int *out_results, struct nsym_artifact *a, size_t n)
{
	return n > 0 ? nsym_local_add_rows(s, out_results, &artifact_row, a, n, a[0].sha256) : 0;
}

/* Inside the delete's transaction: the artifact's row, the build's sources
 * when it was the last artifact, then each blob no row names any more. */
static int delete_in_transaction(struct nsym_store *s, struct doomed *d, int64_t id)
{
	struct nsym_artifact a;
	sqlite3_stmt *st = NULL;
	int rc = artifact_get(s, &a, id);

	if (rc != 0)
		return rc;
	if (sqlite3_prepare_v2(local(s)->db, "DELETE FROM artifacts WHERE id = ?", -1, &st, NULL) !=
	    SQLITE_OK)
		return nsym_local_db_fail(s, "artifact delete");
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return nsym_local_db_fail(s, "artifact delete");
	rc = nsym_local_doomed_add(s, d, a.sha256);
	if (rc == 0)
		rc = nsym_local_delete_sources(s, d, a.key);
	if (rc == 0)
		rc = nsym_local_delete_symcaches(s, d, a.key);
	/* after every row is gone, so a blob the artifact shares with one of
	 * its build's sources goes too */
	for (size_t i = 0; rc == 0 && i < d->n; i++)
		rc = nsym_local_discard_blob(s, &d->blob[i]);
	return rc;
}

/* One delete in a transaction of its own: fn removes rows and dooms their
 * blobs, whose files go after the commit or come back; the first doomed
 * blob's fate is *out_blob_removed. */
static int delete_once(struct nsym_store *s, bool *out_blob_removed,
                       int (*fn)(struct nsym_store *s, struct doomed *d, const void *arg),
                       const void *arg)
{
	struct doomed d = {0};
	int rc = nsym_local_exec(s, "BEGIN IMMEDIATE");

	if (out_blob_removed != NULL)
		*out_blob_removed = false;
	if (rc != 0)
		return rc;
	rc = fn(s, &d, arg);
	if (rc == 0)
		rc = nsym_local_exec(s, "COMMIT");
	if (rc != 0)
		rollback(s);
	if (out_blob_removed != NULL)
		*out_blob_removed = rc == 0 && d.n > 0 && d.blob[0].moved;
	doomed_settle(s, &d, rc == 0);
	return rc;
}

/* A delete, which a full disk does not stop while the store's reserve
 * lasts: it is given the reserve's room and tried once more; once it has
 * freed space, the reserve is made again if it fits (else the next upload
 * tries, and is refused until it does). */
int nsym_local_delete_with(struct nsym_store *s, bool *out_blob_removed,
                           int (*fn)(struct nsym_store *s, struct doomed *d, const void *arg),
                           const void *arg)
{
	int rc = delete_once(s, out_blob_removed, fn, arg);

	if (rc == NSYM_ENOSPC && nsym_local_reserve_release(local(s)->dir))
		rc = delete_once(s, out_blob_removed, fn, arg);
	if (rc == 0)
		nsym_local_reserve_make(local(s)->dir);
	return rc;
}

static int artifact_rows_delete(struct nsym_store *s, struct doomed *d, const void *id)
{
	return delete_in_transaction(s, d, *(const int64_t *)id);
}

static int artifact_delete(struct nsym_store *s, bool *out_blob_removed, int64_t id)
{
	/* the artifact's own blob comes first */
	return nsym_local_delete_with(s, out_blob_removed, artifact_rows_delete, &id);
}

static int stats(struct nsym_store *s, int64_t *out_artifacts, int64_t *out_blob_bytes)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(local(s)->db,
	                       "SELECT (SELECT count(*) FROM artifacts), "
	                       "(SELECT coalesce(sum(size), 0) FROM blobs)",
	                       -1, &st, NULL) != SQLITE_OK)
		return nsym_local_db_fail(s, "stats");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out_artifacts = sqlite3_column_int64(st, 0);
		*out_blob_bytes = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : nsym_local_db_fail(s, "stats");
}

static void local_close(struct nsym_store *s)
{
	if (s == NULL)
		return;
	sqlite3_finalize(local(s)->find);
	sqlite3_finalize(local(s)->find_prefix);
	sqlite3_close(local(s)->db);
	if (local(s)->serve_lock >= 0)
		close(local(s)->serve_lock);
	free(s);
}

static int local_sweep(struct nsym_store *s, struct nsym_sweep *out)
{
	return nsym_store_sweep_local(out, s);
}

static const struct nsym_store_ops local_ops = {
    .close = local_close,
    .artifact_find = artifact_find,
    .artifact_find_prefix = artifact_find_prefix,
    .artifact_add = artifact_add,
    .artifact_get = artifact_get,
    .artifact_delete = artifact_delete,
    .artifact_list = artifact_list,
    .blob_open = blob_open,
    .blob_begin = blob_begin,
    .blob_commit = blob_commit,
    .blob_abort = blob_abort,
    .token_add = nsym_local_token_add,
    .token_get = nsym_local_token_get,
    .token_list = nsym_local_token_list,
    .token_revoke = nsym_local_token_revoke,
    .stats = stats,
    .source_add = nsym_local_source_add,
    .source_delete = nsym_local_source_delete,
    .source_find = nsym_local_source_find,
    .source_list = nsym_local_source_list,
    .symcache_find = nsym_local_symcache_find,
    .symcache_add = nsym_local_symcache_add,
    .sweep = local_sweep,
};

/* ---- opening ------------------------------------------------------------------ */

static int make_folders(const char *dir, char *err, size_t err_size)
{
	const char *subs[] = {"", "/blobs", "/blobs/sha256", "/tmp"};
	char path[4096];

	for (size_t i = 0; i < sizeof(subs) / sizeof(*subs); i++) {
		snprintf(path, sizeof(path), "%s%s", dir, subs[i]);
		if (mkdir(path, 0755) != 0 && errno != EEXIST) {
			snprintf(err, err_size, "cannot create %s: %s", path, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int open_db(struct local_store *ls, char *err, size_t err_size)
{
	static const char pragmas[] = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; "
	                              "PRAGMA foreign_keys = ON;";
	char path[4096];

	snprintf(path, sizeof(path), "%s/napi-symbols.db", ls->dir);
	if (sqlite3_open_v2(path, &ls->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	        SQLITE_OK ||
	    sqlite3_busy_timeout(ls->db, 10000) != SQLITE_OK ||
	    sqlite3_exec(ls->db, pragmas, NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, err_size, "%s: %s", path,
		         ls->db != NULL ? sqlite3_errmsg(ls->db) : "cannot open");
		return -1;
	}
	if (nsym_migrate(ls->db, err, err_size) != 0)
		return -1;
	if (sqlite3_prepare_v2(ls->db, "SELECT " ARTIFACT_COLUMNS " WHERE a.key = ? AND a.kind = ?",
	                       -1, &ls->find, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(ls->db,
	                       "SELECT " ARTIFACT_COLUMNS " WHERE a.key >= ?1 AND a.key < ?2 AND "
	                       "a.kind = ?3 AND a.id_kind = ?4 ORDER BY a.id LIMIT 1",
	                       -1, &ls->find_prefix, NULL) != SQLITE_OK) {
		snprintf(err, err_size, "%s: %s", path, sqlite3_errmsg(ls->db));
		return -1;
	}
	return 0;
}

int nsym_store_open_local(struct nsym_store **out, const char *dir, char *err, size_t err_size)
{
	struct local_store *ls = calloc(1, sizeof(*ls));

	*out = NULL;
	if (ls == NULL) {
		snprintf(err, err_size, "out of memory");
		return NSYM_ENOMEM;
	}
	ls->base.ops = &local_ops;
	ls->serve_lock = -1;
	if (strlen(dir) >= sizeof(ls->dir)) {
		snprintf(err, err_size, "%s: path too long", dir);
		free(ls);
		return NSYM_EINVAL;
	}
	snprintf(ls->dir, sizeof(ls->dir), "%s", dir);
	if (make_folders(dir, err, err_size) != 0 || open_db(ls, err, err_size) != 0) {
		local_close(&ls->base);
		return NSYM_EIO;
	}
	/* a store that cannot have one yet still opens: uploads wait for it */
	nsym_local_reserve_make(dir);
	*out = &ls->base;
	return 0;
}
