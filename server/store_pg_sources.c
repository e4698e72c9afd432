/*
 * Source files in the scaled store (see store_pg.c for how rows and blobs
 * are added and removed together): a build's sources, looked up by
 * (build-id, path), added only while the build has an artifact, under
 * the build's advisory lock, which the delete of an artifact takes too, so
 * a source is never added beside the delete of its build's last artifact.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_pg.h"

#define SOURCE_COLUMNS                                                                             \
	"s.id, s.build_id, encode(s.path, 'hex'), s.sha256, b.size, s.created, s.uploaded_by "     \
	"FROM sources s JOIN blobs b ON b.sha256 = s.sha256"

static void read_source(struct nsym_source *out, const PGresult *res, int row)
{
	out->id = nsym_pg_int(res, row, 0);
	nsym_pg_copy(out->build_id, sizeof(out->build_id), res, row, 1);
	nsym_pg_copy_hex(out->path, sizeof(out->path), res, row, 2);
	nsym_pg_copy(out->sha256, sizeof(out->sha256), res, row, 3);
	out->size = (uint64_t)nsym_pg_int(res, row, 4);
	out->created = nsym_pg_int(res, row, 5);
	nsym_pg_copy(out->uploaded_by, sizeof(out->uploaded_by), res, row, 6);
}

int nsym_pg_source_list(struct nsym_store *s, int64_t offset, int64_t limit,
                        int (*fn)(void *arg, const struct nsym_source *src), void *arg)
{
	char lim[24], off[24];
	const char *p[] = {lim, off};
	struct nsym_source *src = malloc(sizeof(*src)); /* 4 KB: not on a worker's stack */
	PGresult *res = NULL;
	int rc;

	if (src == NULL)
		return nsym_pg_fail(s, NSYM_ENOMEM, "out of memory");
	snprintf(lim, sizeof(lim), "%lld", (long long)limit);
	snprintf(off, sizeof(off), "%lld", (long long)offset);
	rc = nsym_pg_query(s, &res, "source list",
	                   "SELECT " SOURCE_COLUMNS " ORDER BY s.id LIMIT $1 OFFSET $2", 2, p);
	for (int i = 0; rc == 0 && i < PQntuples(res); i++) {
		read_source(src, res, i);
		if (fn(arg, src) != 0)
			break;
	}
	PQclear(res);
	free(src);
	return rc;
}

int nsym_pg_source_find(struct nsym_store *s, struct nsym_source *out, const char *build_id,
                        const char *path)
{
	char *hex = malloc(2 * strlen(path) + 1);
	const char *p[] = {build_id, hex};
	PGresult *res;
	int rc;

	if (hex == NULL)
		return nsym_pg_fail(s, NSYM_ENOMEM, "out of memory");
	nsym_pg_hex(hex, path);
	rc = nsym_pg_query(
	    s, &res, "source lookup",
	    "SELECT " SOURCE_COLUMNS " WHERE s.build_id = $1 AND s.path = decode($2, 'hex')", 2, p);
	free(hex);
	if (rc != 0)
		return rc;
	if (PQntuples(res) == 1) {
		read_source(out, res, 0);
	} else {
		rc = nsym_pg_fail(s, NSYM_ENOENT, "no source %s for %s", path, build_id);
	}
	PQclear(res);
	return rc;
}

/* Inserts src, which is refused (NSYM_ENOENT) when no artifact has its
 * build's id, or taken (NSYM_EEXIST, src then holding the existing row). */
static int insert_source(struct nsym_store *s, struct nsym_source *src)
{
	char now[24], *hex = malloc(2 * strlen(src->path) + 1);
	const char *p[] = {src->build_id, hex, src->sha256, now, src->uploaded_by};
	PGresult *res = NULL;
	int rc;

	if (hex == NULL)
		return nsym_pg_fail(s, NSYM_ENOMEM, "out of memory");
	nsym_pg_hex(hex, src->path);
	snprintf(now, sizeof(now), "%lld",
	         (long long)(src->created != 0 ? src->created : time(NULL)));
	rc = nsym_pg_query(s, &res, "source insert",
	                   "INSERT INTO sources (build_id, path, sha256, created, uploaded_by) "
	                   "SELECT $1, decode($2, 'hex'), $3, $4, $5 WHERE EXISTS (SELECT 1 FROM "
	                   "artifacts WHERE key = $1) ON CONFLICT (build_id, path) DO NOTHING "
	                   "RETURNING id",
	                   5, p);
	free(hex);
	if (rc == 0 && PQntuples(res) == 1) {
		src->id = nsym_pg_int(res, 0, 0);
		PQclear(res);
		return 0;
	}
	PQclear(res);
	if (rc != 0)
		return rc;
	{
		char build_id[sizeof(src->build_id)], path[sizeof(src->path)];
		memcpy(build_id, src->build_id, sizeof(build_id));
		memcpy(path, src->path, sizeof(path));
		rc = nsym_pg_source_find(s, src, build_id, path);
		if (rc == 0)
			return nsym_pg_fail(s, NSYM_EEXIST, "source %s for %s exists", path,
			                    build_id);
		if (rc == NSYM_ENOENT) /* under the build's lock: no artifact */
			return nsym_pg_fail(s, NSYM_ENOENT, "nothing stored for build-id %s",
			                    build_id);
		return rc;
	}
}

/* (insert_source with the row as nsym_pg_add_naming_row passes it) */
static int insert_row(struct nsym_store *s, void *row)
{
	return insert_source(s, row);
}

int nsym_pg_source_add(struct nsym_store *s, struct nsym_source *src)
{
	return nsym_pg_add_naming_row(s, src->build_id, src->sha256, insert_row, src);
}

int nsym_pg_source_delete(struct nsym_store *s, bool *out_blob_removed, const char *build_id,
                          const char *path)
{
	char blob[1][NSYM_SHA256_HEX], *hex = malloc(2 * strlen(path) + 1);
	const char *p[] = {build_id, hex};
	PGresult *res = NULL;
	bool removed = false;
	int rc = hex != NULL ? nsym_pg_begin(s) : nsym_pg_fail(s, NSYM_ENOMEM, "out of memory");

	if (out_blob_removed != NULL)
		*out_blob_removed = false;
	if (rc == 0) {
		nsym_pg_hex(hex, path);
		rc = nsym_pg_query(s, &res, "source delete",
		                   "DELETE FROM sources WHERE build_id = $1 AND path = decode($2, "
		                   "'hex') RETURNING sha256",
		                   2, p);
	}
	free(hex);
	if (rc == 0 && PQntuples(res) == 0)
		rc = nsym_pg_fail(s, NSYM_ENOENT, "no source %s for %s", path, build_id);
	if (rc == 0)
		nsym_pg_copy(blob[0], sizeof(blob[0]), res, 0, 0);
	PQclear(res);
	if (rc == 0)
		rc = nsym_pg_blobs_forget(s, &removed, blob, 1);
	if (rc == 0)
		rc = nsym_pg_commit(s);
	if (rc != 0) {
		nsym_pg_rollback(s);
		return rc;
	}
	if (out_blob_removed != NULL)
		*out_blob_removed = removed;
	nsym_pg_collect_garbage(s, 16);
	return 0;
}

int nsym_pg_delete_sources(struct nsym_store *s, char (**blobs)[NSYM_SHA256_HEX], size_t *n,
                           const char *build_id)
{
	return nsym_pg_delete_naming_rows(s, blobs, n, "source delete",
	                                  "DELETE FROM sources WHERE build_id = $1 AND NOT EXISTS "
	                                  "(SELECT 1 FROM artifacts WHERE key = $1) "
	                                  "RETURNING sha256",
	                                  build_id);
}
