/*
 * Source files of the embedded store (see store_local.c for how rows and
 * blobs are added and removed together): a build's sources, looked up by
 * (build-id, path), added only while the build has an artifact, deleted
 * one by one or with the build's last artifact.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "store_local.h"

/* When no artifact of the build is left, its sources go too: their blobs
 * join d. */
int nsym_local_delete_sources(struct nsym_store *s, struct doomed *d, const char *build_id)
{
	sqlite3_stmt *st = NULL;
	size_t before = d->n;
	int rc = 0, step = SQLITE_DONE;

	if (sqlite3_prepare_v2(local(s)->db,
	                       "SELECT DISTINCT sha256 FROM sources WHERE build_id = ?1 AND NOT "
	                       "EXISTS (SELECT 1 FROM artifacts WHERE key = ?1)",
	                       -1, &st, NULL) != SQLITE_OK)
		return nsym_local_db_fail(s, "source delete");
	sqlite3_bind_text(st, 1, build_id, -1, SQLITE_STATIC);
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW)
		rc = nsym_local_doomed_add(s, d, (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (rc == 0 && step != SQLITE_DONE)
		rc = nsym_local_db_fail(s, "source delete");
	if (rc != 0 || d->n == before)
		return rc;
	if (sqlite3_prepare_v2(local(s)->db, "DELETE FROM sources WHERE build_id = ?", -1, &st,
	                       NULL) != SQLITE_OK)
		return nsym_local_db_fail(s, "source delete");
	sqlite3_bind_text(st, 1, build_id, -1, SQLITE_STATIC);
	step = sqlite3_step(st);
	sqlite3_finalize(st);
	return step == SQLITE_DONE ? 0 : nsym_local_db_fail(s, "source delete");
}

#define SOURCE_COLUMNS                                                                             \
	"s.id, s.build_id, s.path, s.sha256, b.size, s.created, s.uploaded_by FROM sources s "     \
	"JOIN blobs b ON b.sha256 = s.sha256"

static void read_source(struct nsym_source *out, sqlite3_stmt *st)
{
	out->id = sqlite3_column_int64(st, 0);
	nsym_local_copy_text(out->build_id, sizeof(out->build_id), st, 1);
	nsym_local_copy_text(out->path, sizeof(out->path), st, 2);
	nsym_local_copy_text(out->sha256, sizeof(out->sha256), st, 3);
	out->size = (uint64_t)sqlite3_column_int64(st, 4);
	out->created = sqlite3_column_int64(st, 5);
	nsym_local_copy_text(out->uploaded_by, sizeof(out->uploaded_by), st, 6);
}

int nsym_local_source_list(struct nsym_store *s, int64_t offset, int64_t limit,
                           int (*fn)(void *arg, const struct nsym_source *src), void *arg)
{
	sqlite3_stmt *st = NULL;
	struct nsym_source *src = malloc(sizeof(*src)); /* 4 KB: not on a worker's stack */
	int rc;

	if (src == NULL)
		return nsym_local_fail(s, NSYM_ENOMEM, "out of memory");
	if (sqlite3_prepare_v2(local(s)->db,
	                       "SELECT " SOURCE_COLUMNS " ORDER BY s.id LIMIT ?1 OFFSET ?2", -1,
	                       &st, NULL) != SQLITE_OK) {
		free(src);
		return nsym_local_db_fail(s, "source list");
	}
	sqlite3_bind_int64(st, 1, limit);
	sqlite3_bind_int64(st, 2, offset);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_source(src, st);
		if (fn(arg, src) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	free(src);
	return rc == SQLITE_DONE ? 0 : nsym_local_db_fail(s, "source list");
}

int nsym_local_source_find(struct nsym_store *s, struct nsym_source *out, const char *build_id,
                           const char *path)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(local(s)->db,
	                       "SELECT " SOURCE_COLUMNS " WHERE s.build_id = ? AND s.path = ?", -1,
	                       &st, NULL) != SQLITE_OK)
		return nsym_local_db_fail(s, "source lookup");
	sqlite3_bind_text(st, 1, build_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_source(out, st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE
	           ? nsym_local_fail(s, NSYM_ENOENT, "no source %s for %s", path, build_id)
	           : nsym_local_db_fail(s, "source lookup");
}

static void bind_source(sqlite3_stmt *st, const void *row)
{
	const struct nsym_source *src = row;

	sqlite3_bind_text(st, 1, src->build_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, src->path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, src->sha256, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)(src->created != 0 ? src->created : time(NULL)));
	sqlite3_bind_text(st, 5, src->uploaded_by, -1, SQLITE_STATIC);
}

/* src's (build_id, path) is taken: NSYM_EEXIST with the row holding it in
 * out. */
static int source_taken(struct nsym_store *s, void *out, const void *row)
{
	const struct nsym_source *src = row;
	int rc = nsym_local_source_find(s, out, src->build_id, src->path);

	return rc == 0 ? nsym_local_fail(s, NSYM_EEXIST, "source %s for %s exists", src->path,
	                                 src->build_id)
	               : rc;
}

/* The INSERT found no artifact of src's build (see "removing artifacts"). */
static int source_refused(struct nsym_store *s, const void *row)
{
	const struct nsym_source *src = row;

	return nsym_local_fail(s, NSYM_ENOENT, "nothing stored for build-id %s", src->build_id);
}

static const struct row_type source_row = {
    .name = "source",
    .size = sizeof(struct nsym_source),
    .id_offset = offsetof(struct nsym_source, id),
    .insert = "INSERT INTO sources (build_id, path, sha256, created, uploaded_by) "
              "SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM artifacts WHERE key = ?1)",
    .bind = bind_source,
    .taken = source_taken,
    .refused = source_refused,
};

/* As artifact_add (see "adding rows"). */
int nsym_local_source_add(struct nsym_store *s, struct nsym_source *src)
{
	int result = 0, rc = nsym_local_add_rows(s, &result, &source_row, src, 1, src->sha256);

	return rc != 0 ? rc : result;
}

struct source_key {
	const char *build_id, *path;
};

/* Inside the delete's transaction: the source's row, then its blob unless
 * another row names it. */
static int source_rows_delete(struct nsym_store *s, struct doomed *d, const void *arg)
{
	const struct source_key *k = arg;
	struct nsym_source src;
	sqlite3_stmt *st = NULL;
	int rc = nsym_local_source_find(s, &src, k->build_id, k->path);

	if (rc != 0)
		return rc;
	if (sqlite3_prepare_v2(local(s)->db, "DELETE FROM sources WHERE build_id = ? AND path = ?",
	                       -1, &st, NULL) != SQLITE_OK)
		return nsym_local_db_fail(s, "source delete");
	sqlite3_bind_text(st, 1, k->build_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, k->path, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return nsym_local_db_fail(s, "source delete");
	rc = nsym_local_doomed_add(s, d, src.sha256);
	return rc == 0 ? nsym_local_discard_blob(s, &d->blob[0]) : rc;
}

int nsym_local_source_delete(struct nsym_store *s, bool *out_blob_removed, const char *build_id,
                             const char *path)
{
	struct source_key k = {build_id, path};

	return nsym_local_delete_with(s, out_blob_removed, source_rows_delete, &k);
}
