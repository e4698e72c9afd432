/*
 * Symcaches in the scaled store (see store_pg.c for how rows and blobs are
 * added and removed together): one row per artifact and symcache format
 * version, naming the blob (an object every server can read) that holds
 * the symcache. Added only while the artifact exists, under its build's
 * advisory lock, which an artifact's delete takes too; deleted with the
 * build's last artifact, as its sources are. A build takes a session
 * advisory lock on what it builds (symcache_lock), so that of the servers
 * asked at once for a symcache none has built one builds it and the others
 * wait for its row.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_pg.h"

/* The advisory lock class of symcache builds (store_pg.c has the others):
 * a session lock, held across the build's transactions, which PostgreSQL
 * releases when the connection ends, however the server ended. */
#define LOCK_SYMCACHE "1853061488"

int nsym_pg_symcache_find(struct nsym_store *s, struct nsym_symcache *out, const char *key,
                          const char *kind, int version)
{
	char v[16];
	const char *p[] = {key, kind, v};
	PGresult *res = NULL;
	int rc;

	snprintf(v, sizeof(v), "%d", version);
	rc = nsym_pg_query(s, &res, "symcache lookup",
	                   "SELECT c.key, c.kind, c.version, c.sha256, b.size, c.created FROM "
	                   "symcaches c JOIN blobs b ON b.sha256 = c.sha256 WHERE c.key = $1 AND "
	                   "c.kind = $2 AND c.version = $3",
	                   3, p);
	if (rc == 0 && PQntuples(res) == 1) {
		out->id = 0;
		nsym_pg_copy(out->key, sizeof(out->key), res, 0, 0);
		nsym_pg_copy(out->kind, sizeof(out->kind), res, 0, 1);
		out->version = (int)nsym_pg_int(res, 0, 2);
		nsym_pg_copy(out->sha256, sizeof(out->sha256), res, 0, 3);
		out->size = (uint64_t)nsym_pg_int(res, 0, 4);
		out->created = nsym_pg_int(res, 0, 5);
	} else if (rc == 0) {
		rc = nsym_pg_fail(s, NSYM_ENOENT, "no symcache v%d for %s %s", version, kind, key);
	}
	PQclear(res);
	return rc;
}

/* Inserts sc: refused (NSYM_ENOENT) when its artifact is gone, taken
 * (NSYM_EEXIST, sc then holding the existing row). */
static int insert_symcache(struct nsym_store *s, struct nsym_symcache *sc)
{
	char v[16], now[24];
	const char *p[] = {sc->key, sc->kind, v, sc->sha256, now};
	PGresult *res = NULL;
	int rc;

	snprintf(v, sizeof(v), "%d", sc->version);
	snprintf(now, sizeof(now), "%lld",
	         (long long)(sc->created != 0 ? sc->created : time(NULL)));
	rc =
	    nsym_pg_query(s, &res, "symcache insert",
	                  "INSERT INTO symcaches (key, kind, version, sha256, created) SELECT $1, "
	                  "$2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM artifacts WHERE key = $1 AND "
	                  "kind = $2) ON CONFLICT (key, kind, version) DO NOTHING RETURNING key",
	                  5, p);
	if (rc == 0 && PQntuples(res) == 1) {
		PQclear(res);
		return 0;
	}
	PQclear(res);
	if (rc != 0)
		return rc;
	{
		struct nsym_symcache mine = *sc;
		rc = nsym_pg_symcache_find(s, sc, mine.key, mine.kind, mine.version);
		if (rc == 0)
			return nsym_pg_fail(s, NSYM_EEXIST, "symcache v%d for %s %s exists",
			                    mine.version, mine.kind, mine.key);
		if (rc == NSYM_ENOENT) /* under the build's lock: no artifact */
			return nsym_pg_fail(s, NSYM_ENOENT, "no %s for %s any more", mine.kind,
			                    mine.key);
		return rc;
	}
}

/* (insert_symcache with the row as nsym_pg_add_naming_row passes it) */
static int insert_row(struct nsym_store *s, void *row)
{
	return insert_symcache(s, row);
}

int nsym_pg_symcache_add(struct nsym_store *s, struct nsym_symcache *sc)
{
	return nsym_pg_add_naming_row(s, sc->key, sc->sha256, insert_row, sc);
}

int nsym_pg_delete_symcaches(struct nsym_store *s, char (**blobs)[NSYM_SHA256_HEX], size_t *n,
                             const char *key)
{
	return nsym_pg_delete_naming_rows(s, blobs, n, "symcache delete",
	                                  "DELETE FROM symcaches WHERE key = $1 AND NOT EXISTS "
	                                  "(SELECT 1 FROM artifacts WHERE key = $1) "
	                                  "RETURNING sha256",
	                                  key);
}

/* The text whose hashtext keys the lock of a build. Two builds whose texts
 * hash alike wait for each other, then each finds no row and builds: slower,
 * never wrong. */
static void lock_text(char *out, size_t size, const char *key, const char *kind, int version)
{
	snprintf(out, size, "%s:%s:%d", kind, key, version);
}

int nsym_pg_symcache_lock(struct nsym_store *s, const char *key, const char *kind, int version,
                          int wait_seconds)
{
	char text[160], ms[24];
	const char *p[] = {text}, *t[] = {ms};
	int rc;

	lock_text(text, sizeof(text), key, kind, version);
	snprintf(ms, sizeof(ms), "%lld", (long long)wait_seconds * 1000);
	/* lock_timeout bounds the wait; set for this transaction only, while
	 * the lock taken in it is the session's and outlives the COMMIT */
	rc = nsym_pg_begin(s);
	if (rc == 0)
		rc = nsym_pg_query(s, NULL, "symcache lock",
		                   "SELECT set_config('lock_timeout', $1, true)", 1, t);
	if (rc == 0)
		rc =
		    nsym_pg_query(s, NULL, "symcache lock",
		                  "SELECT pg_advisory_lock(" LOCK_SYMCACHE ", hashtext($1))", 1, p);
	if (rc != 0) {
		nsym_pg_rollback(s);
		return rc;
	}
	if ((rc = nsym_pg_commit(s)) != 0) /* held unless the connection went */
		nsym_pg_symcache_unlock(s, key, kind, version);
	return rc;
}

void nsym_pg_symcache_unlock(struct nsym_store *s, const char *key, const char *kind, int version)
{
	char text[160];
	const char *p[] = {text};

	lock_text(text, sizeof(text), key, kind, version);
	/* on a connection made since the lock was taken (the first broke and
	 * took the lock with it) this unlocks nothing, and says so in a
	 * WARNING the store ignores */
	nsym_pg_query(s, NULL, "symcache unlock",
	              "SELECT pg_advisory_unlock(" LOCK_SYMCACHE ", hashtext($1))", 1, p);
}
