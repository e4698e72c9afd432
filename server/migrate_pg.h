/* The scaled store's schema: sql/postgres/, applied to PostgreSQL. */
#ifndef NSYM_SERVER_MIGRATE_PG_H
#define NSYM_SERVER_MIGRATE_PG_H

#include <libpq-fe.h>
#include <stddef.h>

/*
 * Brings the database of conn to the newest schema: every pending
 * migration of nsym_pg_migrations and the version row, in one transaction
 * that first takes a transaction-level advisory lock, so that servers
 * starting together apply each migration once. Returns 0, or -1 with a
 * message in err: a database newer than this program, or a migration that
 * failed (rolled back: the database stays as it was).
 */
int nsym_pg_migrate(PGconn *conn, char *err, size_t err_size);

/* The newest version of nsym_pg_migrations. */
int nsym_pg_schema_version(void);

#endif
