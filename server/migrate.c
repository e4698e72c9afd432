/*
 * Applies the compiled-in migrations. BEGIN IMMEDIATE takes the write lock
 * before user_version is read, so two processes opening a new store at once
 * (the server and `token create`) cannot both apply the same migration.
 */
#include <stdio.h>

#include "migrate.h"

int nsym_schema_version(void)
{
	int newest = 0;
	for (const struct nsym_migration *m = nsym_migrations; m->sql != NULL; m++)
		newest = m->version;
	return newest;
}

static int user_version(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int apply(sqlite3 *db, const struct nsym_migration *m, char *err, size_t err_size)
{
	char *msg = NULL, pragma[64];

	snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", m->version);
	if (sqlite3_exec(db, m->sql, NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(db, pragma, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, err_size, "migration %s failed: %s", m->name,
		         msg != NULL ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int nsym_migrate(sqlite3 *db, char *err, size_t err_size)
{
	int have, rc = 0;

	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, err_size, "cannot lock the database: %s", sqlite3_errmsg(db));
		return -1;
	}
	have = user_version(db);
	if (have < 0) {
		snprintf(err, err_size, "cannot read the schema version: %s", sqlite3_errmsg(db));
		rc = -1;
	} else if (have > nsym_schema_version()) {
		snprintf(err, err_size,
		         "the database has schema version %d, newer than this program knows (%d): "
		         "run a newer napi-symbols",
		         have, nsym_schema_version());
		rc = -1;
	}
	/* All pending migrations in the one transaction: a crash leaves the old
	 * schema or the newest, never one in between. */
	for (const struct nsym_migration *m = nsym_migrations; rc == 0 && m->sql != NULL; m++) {
		if (m->version > have)
			rc = apply(db, m, err, err_size);
	}
	sqlite3_exec(db, rc == 0 ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
	return rc;
}
