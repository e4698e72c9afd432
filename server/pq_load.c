/*
 * libpq, loaded when a server first opens a PostgreSQL store rather than
 * when the program starts. Linked in, libpq and what it needs (Kerberos,
 * LDAP, SASL: 21 of the program's 33 libraries) were mapped and relocated
 * by every run of every command, though only `serve --store postgres://…`
 * and `store migrate` use them; and the npm packages, which link every
 * library but glibc's statically, cannot link it at all (Debian ships no
 * static Kerberos or LDAP). The functions the store calls are defined here
 * under libpq's own names, so store_pg*.c and migrate_pg.c use
 * <libpq-fe.h> as ever; each forwards to the real one, found by dlopen.
 * nsym_pq_load must have succeeded before any of them is called: only
 * connect_db calls it, and nothing else runs without a connection.
 */
#include <dlfcn.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "napi_symbols.h"
#include "pq_load.h"

static struct {
	void *lib;
	char why[256];
	PGconn *(*connectdb_params)(const char *const *, const char *const *, int);
	ConnStatusType (*status)(const PGconn *);
	char *(*error_message)(const PGconn *);
	void (*finish)(PGconn *);
	PQnoticeProcessor (*set_notice_processor)(PGconn *, PQnoticeProcessor, void *);
	PGresult *(*exec)(PGconn *, const char *);
	PGresult *(*exec_params)(PGconn *, const char *, int, const Oid *, const char *const *,
	                         const int *, const int *, int);
	ExecStatusType (*result_status)(const PGresult *);
	char *(*result_error_message)(const PGresult *);
	int (*ntuples)(const PGresult *);
	char *(*getvalue)(const PGresult *, int, int);
	int (*getisnull)(const PGresult *, int, int);
	void (*clear)(PGresult *);
} real;

static pthread_once_t once = PTHREAD_ONCE_INIT;

/* dlsym's object pointer, as the function pointer it is (POSIX). */
#define RESOLVE(field, name)                                                                       \
	do {                                                                                       \
		void *p = dlsym(real.lib, name);                                                   \
		if (p == NULL)                                                                     \
			goto missing;                                                              \
		memcpy(&real.field, &p, sizeof(p));                                                \
	} while (0)

static void load(void)
{
	void *lib = dlopen(NSYM_LIBPQ_SONAME, RTLD_NOW | RTLD_LOCAL);

	if (lib == NULL) {
		snprintf(real.why, sizeof(real.why),
		         "cannot load %s (%s): install the Debian package 'libpq5'",
		         NSYM_LIBPQ_SONAME, dlerror());
		return;
	}
	real.lib = lib;
	RESOLVE(connectdb_params, "PQconnectdbParams");
	RESOLVE(status, "PQstatus");
	RESOLVE(error_message, "PQerrorMessage");
	RESOLVE(finish, "PQfinish");
	RESOLVE(set_notice_processor, "PQsetNoticeProcessor");
	RESOLVE(exec, "PQexec");
	RESOLVE(exec_params, "PQexecParams");
	RESOLVE(result_status, "PQresultStatus");
	RESOLVE(result_error_message, "PQresultErrorMessage");
	RESOLVE(ntuples, "PQntuples");
	RESOLVE(getvalue, "PQgetvalue");
	RESOLVE(getisnull, "PQgetisnull");
	RESOLVE(clear, "PQclear");
	return;
missing:
	snprintf(real.why, sizeof(real.why), "%s lacks a function this program needs (%s)",
	         NSYM_LIBPQ_SONAME, dlerror());
	dlclose(real.lib);
	real.lib = NULL;
}

int nsym_pq_load(char *why, size_t why_size)
{
	pthread_once(&once, load);
	if (real.lib != NULL)
		return 0;
	snprintf(why, why_size, "%s", real.why);
	return NSYM_EIO;
}

PGconn *PQconnectdbParams(const char *const *keywords, const char *const *values, int expand_dbname)
{
	return real.connectdb_params(keywords, values, expand_dbname);
}

ConnStatusType PQstatus(const PGconn *conn)
{
	return real.status(conn);
}

char *PQerrorMessage(const PGconn *conn)
{
	return real.error_message(conn);
}

void PQfinish(PGconn *conn)
{
	/* connect_db finishes what PQconnectdbParams gave, NULL included */
	if (real.lib != NULL)
		real.finish(conn);
}

PQnoticeProcessor PQsetNoticeProcessor(PGconn *conn, PQnoticeProcessor proc, void *arg)
{
	return real.set_notice_processor(conn, proc, arg);
}

PGresult *PQexec(PGconn *conn, const char *query)
{
	return real.exec(conn, query);
}

PGresult *PQexecParams(PGconn *conn, const char *command, int n_params, const Oid *param_types,
                       const char *const *param_values, const int *param_lengths,
                       const int *param_formats, int result_format)
{
	return real.exec_params(conn, command, n_params, param_types, param_values, param_lengths,
	                        param_formats, result_format);
}

ExecStatusType PQresultStatus(const PGresult *res)
{
	return real.result_status(res);
}

char *PQresultErrorMessage(const PGresult *res)
{
	return real.result_error_message(res);
}

int PQntuples(const PGresult *res)
{
	return real.ntuples(res);
}

char *PQgetvalue(const PGresult *res, int row, int column)
{
	return real.getvalue(res, row, column);
}

int PQgetisnull(const PGresult *res, int row, int column)
{
	return real.getisnull(res, row, column);
}

void PQclear(PGresult *res)
{
	/* PQclear(NULL) is allowed, and comes on paths that never connected */
	if (real.lib != NULL)
		real.clear(res);
}
