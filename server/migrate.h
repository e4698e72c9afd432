/* The schema: numbered migrations from sql/, compiled in (migrations.c). */
#ifndef NSYM_SERVER_MIGRATE_H
#define NSYM_SERVER_MIGRATE_H

#include <sqlite3.h>
#include <stddef.h>

struct nsym_migration {
	int version; /* NNN of sql/NNN_name.sql */
	const char *name;
	const char *sql;
};

/* Ends with {0, NULL, NULL}: the embedded store's (sql/) and the scaled
 * store's (sql/postgres/, applied by migrate_pg.h). */
extern const struct nsym_migration nsym_migrations[];
extern const struct nsym_migration nsym_pg_migrations[];

/*
 * Brings db to the newest schema: every pending migration, and PRAGMA
 * user_version, in one transaction. Returns 0, or -1 with a message in err:
 * a database newer than this program, or a migration that failed (rolled
 * back: the database stays as it was).
 */
int nsym_migrate(sqlite3 *db, char *err, size_t err_size);

/* The newest schema version this program knows. */
int nsym_schema_version(void);

#endif
