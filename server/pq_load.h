/*
 * libpq, loaded on first use (pq_load.c): the program does not link it,
 * so nothing but a PostgreSQL store pays for it.
 */
#ifndef NSYM_SERVER_PQ_LOAD_H
#define NSYM_SERVER_PQ_LOAD_H

#include <stddef.h>

/* Loads libpq once for the process. 0, or NSYM_EIO with why (why_size
 * bytes) saying in one line what is missing and which Debian package
 * brings it. No libpq function may be called before this succeeds. */
int nsym_pq_load(char *why, size_t why_size);

#endif
