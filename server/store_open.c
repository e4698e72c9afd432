/*
 * Opening a store by its name: a PostgreSQL URL is the scaled store
 * (store_pg.c), anything else a folder of the local one (store_local.c).
 */
#include <stdio.h>
#include <string.h>

#include "server.h"
#include "store.h"

bool nsym_store_is_scaled(const char *store)
{
	return strncmp(store, "postgres://", 11) == 0 || strncmp(store, "postgresql://", 13) == 0;
}

bool nsym_server_store_is_scaled(const char *store)
{
	return nsym_store_is_scaled(store);
}

int nsym_store_open(struct nsym_store **out, const char *store, const char *blobs, unsigned flags,
                    char *err, size_t err_size)
{
	*out = NULL;
	if (nsym_store_is_scaled(store))
		return nsym_store_open_pg(out, store, blobs, flags, err, err_size);
	if (blobs != NULL) {
		snprintf(err, err_size,
		         "blob storage is for a PostgreSQL store (--store postgres://…); a store "
		         "folder keeps its blobs in it");
		return NSYM_EINVAL;
	}
	return nsym_store_open_local(out, store, err, err_size);
}
