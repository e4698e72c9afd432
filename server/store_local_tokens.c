/*
 * The embedded store's API tokens: rows of the tokens table (name, scope,
 * the token's SHA-256, created, revoked); the secret itself is never
 * stored (tokens.c).
 */
#include <stdio.h>
#include <time.h>

#include "store_local.h"

int nsym_local_token_add(struct nsym_store *s, const struct nsym_token *t, int64_t *out_id)
{
	sqlite3_stmt *st = NULL;
	int rc;

	/* id NULL: sqlite picks the next */
	if (sqlite3_prepare_v2(
	        local(s)->db,
	        "INSERT INTO tokens (id, name, scope, hash, created) VALUES (?,?,?,?,?)", -1, &st,
	        NULL) != SQLITE_OK)
		return nsym_local_db_fail(s, "token insert");
	if (t->id > 0)
		sqlite3_bind_int64(st, 1, t->id);
	sqlite3_bind_text(st, 2, t->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, t->scope, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, t->hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)(t->created != 0 ? t->created : time(NULL)));
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_CONSTRAINT)
		return nsym_local_fail(s, NSYM_EEXIST, "a token named '%s', or its id, exists",
		                       t->name);
	if (rc != SQLITE_DONE)
		return nsym_local_db_fail(s, "token insert");
	*out_id = sqlite3_last_insert_rowid(local(s)->db);
	return 0;
}

static void read_token(struct nsym_token *t, sqlite3_stmt *st)
{
	t->id = sqlite3_column_int64(st, 0);
	nsym_local_copy_text(t->name, sizeof(t->name), st, 1);
	nsym_local_copy_text(t->scope, sizeof(t->scope), st, 2);
	nsym_local_copy_text(t->hash, sizeof(t->hash), st, 3);
	t->created = sqlite3_column_int64(st, 4);
	t->revoked = sqlite3_column_type(st, 5) != SQLITE_NULL;
}

static int token_query(struct nsym_store *s, const char *where, int64_t id,
                       int (*fn)(void *arg, const struct nsym_token *t), void *arg)
{
	char sql[256];
	sqlite3_stmt *st = NULL;
	int rc, found = 0;

	snprintf(sql, sizeof(sql),
	         "SELECT id, name, scope, hash, created, revoked FROM tokens %s ORDER BY id",
	         where);
	if (sqlite3_prepare_v2(local(s)->db, sql, -1, &st, NULL) != SQLITE_OK)
		return nsym_local_db_fail(s, "token query");
	if (id >= 0)
		sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct nsym_token t;
		read_token(&t, st);
		found++;
		if (fn(arg, &t) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return nsym_local_db_fail(s, "token query");
	return found > 0 || id < 0
	           ? 0
	           : nsym_local_fail(s, NSYM_ENOENT, "no token %lld", (long long)id);
}

static int copy_token(void *arg, const struct nsym_token *t)
{
	*(struct nsym_token *)arg = *t;
	return 1;
}

int nsym_local_token_get(struct nsym_store *s, struct nsym_token *out, int64_t id)
{
	return token_query(s, "WHERE id = ?", id, copy_token, out);
}

int nsym_local_token_list(struct nsym_store *s, int (*fn)(void *arg, const struct nsym_token *t),
                          void *arg)
{
	return token_query(s, "", -1, fn, arg);
}

int nsym_local_token_revoke(struct nsym_store *s, const char *name)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(local(s)->db,
	                       "UPDATE tokens SET revoked = ? WHERE name = ? AND revoked IS NULL",
	                       -1, &st, NULL) != SQLITE_OK)
		return nsym_local_db_fail(s, "token revoke");
	sqlite3_bind_int64(st, 1, (sqlite3_int64)time(NULL));
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return nsym_local_db_fail(s, "token revoke");
	return sqlite3_changes(local(s)->db) > 0
	           ? 0
	           : nsym_local_fail(s, NSYM_ENOENT, "no valid token named '%s'", name);
}
