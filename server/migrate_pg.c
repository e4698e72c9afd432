/*
 * Applies sql/postgres/ to a PostgreSQL database. The version lives in a
 * one-row table of its own; the table is created, read and written inside
 * the transaction that holds pg_advisory_xact_lock(MIGRATE_LOCK), so a
 * second server starting at the same moment waits, then finds the schema
 * current. PostgreSQL's DDL is transactional: a migration that fails
 * leaves the database as it was.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrate.h"
#include "migrate_pg.h"

/* The advisory lock key of migrations: "nsym" in ASCII, so that it does
 * not collide with another program's on the same database by chance. */
#define MIGRATE_LOCK "1853061485"

int nsym_pg_schema_version(void)
{
	int newest = 0;
	for (const struct nsym_migration *m = nsym_pg_migrations; m->sql != NULL; m++)
		newest = m->version;
	return newest;
}

/* Runs sql (no parameters, any number of statements); 0, or -1 with what
 * and PostgreSQL's message in err. */
static int run(PGconn *conn, const char *sql, const char *what, char *err, size_t err_size)
{
	PGresult *res = PQexec(conn, sql);
	ExecStatusType st = PQresultStatus(res);
	int rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : -1;

	if (rc != 0) {
		const char *msg = PQresultErrorMessage(res);
		snprintf(err, err_size, "%s: %.*s", what, (int)strcspn(msg, "\n"), msg);
	}
	PQclear(res);
	return rc;
}

/* The version the database has (0 when new), or -1 with err set. */
static int current(PGconn *conn, char *err, size_t err_size)
{
	PGresult *res = PQexec(conn, "SELECT coalesce(max(version), 0) FROM napi_symbols_schema");
	int v = -1;

	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		v = (int)strtol(PQgetvalue(res, 0, 0), NULL, 10);
	else
		snprintf(err, err_size, "cannot read the schema version: %.*s",
		         (int)strcspn(PQresultErrorMessage(res), "\n"), PQresultErrorMessage(res));
	PQclear(res);
	return v;
}

int nsym_pg_migrate(PGconn *conn, char *err, size_t err_size)
{
	char sql[128], what[160];
	int have, rc;

	if (run(conn, "BEGIN", "cannot begin the migration", err, err_size) != 0)
		return -1;
	rc = run(conn,
	         "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK ");"
	         "CREATE TABLE IF NOT EXISTS napi_symbols_schema (version integer NOT NULL)",
	         "cannot lock the schema", err, err_size);
	have = rc == 0 ? current(conn, err, err_size) : -1;
	if (have < 0) {
		rc = -1;
	} else if (have > nsym_pg_schema_version()) {
		snprintf(err, err_size,
		         "the database has schema version %d, newer than this program knows (%d): "
		         "run a newer napi-symbols",
		         have, nsym_pg_schema_version());
		rc = -1;
	}
	for (const struct nsym_migration *m = nsym_pg_migrations; rc == 0 && m->sql != NULL; m++) {
		if (m->version <= have)
			continue;
		snprintf(what, sizeof(what), "migration %s failed", m->name);
		rc = run(conn, m->sql, what, err, err_size);
		snprintf(sql, sizeof(sql),
		         "DELETE FROM napi_symbols_schema; INSERT INTO napi_symbols_schema "
		         "VALUES (%d)",
		         m->version);
		if (rc == 0)
			rc = run(conn, sql, what, err, err_size);
	}
	if (rc == 0)
		rc = run(conn, "COMMIT", "cannot commit the migration", err, err_size);
	else
		PQclear(PQexec(conn, "ROLLBACK"));
	return rc;
}
