/*
 * Symcaches of the embedded store (see store_local.c for how rows and blobs
 * are added and removed together): one row per artifact and symcache
 * format version, naming the blob that holds the symcache; added only
 * while the artifact exists, deleted with its build's last artifact as
 * the build's sources are.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store_local.h"

int nsym_local_symcache_find(struct nsym_store *s, struct nsym_symcache *out, const char *key,
                             const char *kind, int version)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(local(s)->db,
	                       "SELECT c.rowid, c.key, c.kind, c.version, c.sha256, b.size, "
	                       "c.created FROM symcaches c JOIN blobs b ON b.sha256 = c.sha256 "
	                       "WHERE c.key = ? AND c.kind = ? AND c.version = ?",
	                       -1, &st, NULL) != SQLITE_OK)
		return nsym_local_db_fail(s, "symcache lookup");
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, version);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->id = sqlite3_column_int64(st, 0);
		nsym_local_copy_text(out->key, sizeof(out->key), st, 1);
		nsym_local_copy_text(out->kind, sizeof(out->kind), st, 2);
		out->version = sqlite3_column_int(st, 3);
		nsym_local_copy_text(out->sha256, sizeof(out->sha256), st, 4);
		out->size = (uint64_t)sqlite3_column_int64(st, 5);
		out->created = sqlite3_column_int64(st, 6);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? nsym_local_fail(s, NSYM_ENOENT, "no symcache v%d for %s %s",
	                                           version, kind, key)
	                         : nsym_local_db_fail(s, "symcache lookup");
}

static void bind_symcache(sqlite3_stmt *st, const void *row)
{
	const struct nsym_symcache *sc = row;

	sqlite3_bind_text(st, 1, sc->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, sc->kind, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, sc->version);
	sqlite3_bind_text(st, 4, sc->sha256, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)(sc->created != 0 ? sc->created : time(NULL)));
}

static int symcache_taken(struct nsym_store *s, void *out, const void *row)
{
	const struct nsym_symcache *sc = row;
	struct nsym_symcache mine = *sc;
	int rc = nsym_local_symcache_find(s, out, mine.key, mine.kind, mine.version);

	return rc == 0 ? nsym_local_fail(s, NSYM_EEXIST, "symcache v%d for %s %s exists",
	                                 mine.version, mine.kind, mine.key)
	               : rc;
}

static int symcache_refused(struct nsym_store *s, const void *row)
{
	const struct nsym_symcache *sc = row;

	return nsym_local_fail(s, NSYM_ENOENT, "no %s for %s any more", sc->kind, sc->key);
}

static const struct row_type symcache_row = {
    .name = "symcache",
    .size = sizeof(struct nsym_symcache),
    .id_offset = offsetof(struct nsym_symcache, id),
    .insert = "INSERT INTO symcaches (key, kind, version, sha256, created) SELECT ?1, ?2, ?3, "
              "?4, ?5 WHERE EXISTS (SELECT 1 FROM artifacts WHERE key = ?1 AND kind = ?2)",
    .bind = bind_symcache,
    .taken = symcache_taken,
    .refused = symcache_refused,
};

/* As source_add (see "adding rows" in store_local.c). */
int nsym_local_symcache_add(struct nsym_store *s, struct nsym_symcache *sc)
{
	int result = 0, rc = nsym_local_add_rows(s, &result, &symcache_row, sc, 1, sc->sha256);

	return rc != 0 ? rc : result;
}

/* When no artifact of the build is left, its symcaches go too: their
 * blobs join d. */
int nsym_local_delete_symcaches(struct nsym_store *s, struct doomed *d, const char *key)
{
	sqlite3_stmt *st = NULL;
	size_t before = d->n;
	int rc = 0, step = SQLITE_DONE;

	if (sqlite3_prepare_v2(local(s)->db,
	                       "SELECT DISTINCT sha256 FROM symcaches WHERE key = ?1 AND NOT "
	                       "EXISTS (SELECT 1 FROM artifacts WHERE key = ?1)",
	                       -1, &st, NULL) != SQLITE_OK)
		return nsym_local_db_fail(s, "symcache delete");
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW)
		rc = nsym_local_doomed_add(s, d, (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (rc == 0 && step != SQLITE_DONE)
		rc = nsym_local_db_fail(s, "symcache delete");
	if (rc != 0 || d->n == before)
		return rc;
	if (sqlite3_prepare_v2(local(s)->db, "DELETE FROM symcaches WHERE key = ?", -1, &st,
	                       NULL) != SQLITE_OK)
		return nsym_local_db_fail(s, "symcache delete");
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	step = sqlite3_step(st);
	sqlite3_finalize(st);
	return step == SQLITE_DONE ? 0 : nsym_local_db_fail(s, "symcache delete");
}
