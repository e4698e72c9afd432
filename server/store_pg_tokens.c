/*
 * The scaled store's API tokens, as the embedded store keeps them
 * (store_local_tokens.c): name, scope, the secret's SHA-256, created,
 * revoked. A name is unique across all servers (its constraint decides,
 * ON CONFLICT answering "taken"); a check reads one row by id, so a token
 * created or revoked through one server holds on every other at its next
 * request.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store_pg.h"

int nsym_pg_token_add(struct nsym_store *s, const struct nsym_token *t, int64_t *out_id)
{
	char now[24], id[24];
	const char *p[] = {t->name, t->scope, t->hash, now, t->id > 0 ? id : NULL};
	PGresult *res = NULL;
	int rc;

	snprintf(now, sizeof(now), "%lld", (long long)(t->created != 0 ? t->created : time(NULL)));
	snprintf(id, sizeof(id), "%lld", (long long)t->id);
	rc = nsym_pg_begin(s);
	/* the id given (a copy from another store), or the sequence's next */
	if (rc == 0)
		rc = nsym_pg_query(s, &res, "token insert",
		                   "INSERT INTO tokens (id, name, scope, hash, created) VALUES "
		                   "(coalesce($5::bigint, nextval(pg_get_serial_sequence('tokens', "
		                   "'id'))), $1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING id",
		                   5, p);
	if (rc == 0 && PQntuples(res) == 0)
		rc = nsym_pg_fail(s, NSYM_EEXIST, "a token named '%s', or its id, exists", t->name);
	if (rc == 0)
		*out_id = nsym_pg_int(res, 0, 0);
	PQclear(res);
	/* the sequence goes past an id given, so later tokens do not collide */
	if (rc == 0 && t->id > 0)
		rc = nsym_pg_query(s, NULL, "token insert",
		                   "SELECT setval(pg_get_serial_sequence('tokens', 'id'), "
		                   "greatest((SELECT max(id) FROM tokens), 1))",
		                   0, NULL);
	if (rc == 0)
		rc = nsym_pg_commit(s);
	if (rc != 0)
		nsym_pg_rollback(s);
	return rc;
}

static void read_token(struct nsym_token *t, const PGresult *res, int row)
{
	t->id = nsym_pg_int(res, row, 0);
	nsym_pg_copy(t->name, sizeof(t->name), res, row, 1);
	nsym_pg_copy(t->scope, sizeof(t->scope), res, row, 2);
	nsym_pg_copy(t->hash, sizeof(t->hash), res, row, 3);
	t->created = nsym_pg_int(res, row, 4);
	t->revoked = !PQgetisnull(res, row, 5);
}

int nsym_pg_token_get(struct nsym_store *s, struct nsym_token *out, int64_t id)
{
	char text[24];
	const char *p[] = {text};
	PGresult *res;
	int rc;

	snprintf(text, sizeof(text), "%" PRId64, id);
	rc = nsym_pg_query(
	    s, &res, "token query",
	    "SELECT id, name, scope, hash, created, revoked FROM tokens WHERE id = $1", 1, p);
	if (rc != 0)
		return rc;
	if (PQntuples(res) == 1)
		read_token(out, res, 0);
	else
		rc = nsym_pg_fail(s, NSYM_ENOENT, "no token %" PRId64, id);
	PQclear(res);
	return rc;
}

int nsym_pg_token_list(struct nsym_store *s, int (*fn)(void *arg, const struct nsym_token *t),
                       void *arg)
{
	PGresult *res;
	int rc = nsym_pg_query(s, &res, "token query",
	                       "SELECT id, name, scope, hash, created, revoked FROM tokens "
	                       "ORDER BY id",
	                       0, NULL);

	for (int i = 0; rc == 0 && i < PQntuples(res); i++) {
		struct nsym_token t;
		read_token(&t, res, i);
		if (fn(arg, &t) != 0)
			break;
	}
	PQclear(res);
	return rc;
}

int nsym_pg_token_revoke(struct nsym_store *s, const char *name)
{
	char now[24];
	const char *p[] = {now, name};
	PGresult *res = NULL;
	int rc;

	snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
	rc = nsym_pg_begin(s);
	if (rc == 0)
		rc = nsym_pg_query(s, &res, "token revoke",
		                   "UPDATE tokens SET revoked = $1 WHERE name = $2 AND revoked IS "
		                   "NULL RETURNING id",
		                   2, p);
	if (rc == 0 && PQntuples(res) == 0)
		rc = nsym_pg_fail(s, NSYM_ENOENT, "no valid token named '%s'", name);
	PQclear(res);
	if (rc == 0)
		rc = nsym_pg_commit(s);
	if (rc != 0)
		nsym_pg_rollback(s);
	return rc;
}
