/*
 * A set of files by identity (st_dev, st_ino), for the project walk: the
 * folders it has entered, so links back to an ancestor and repeated links
 * end, and the addons it has reported, so hard links (pnpm's store) are
 * reported once. An open-addressing hash table that only grows.
 */
#ifndef NSYM_CLI_INODE_SET_H
#define NSYM_CLI_INODE_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "napi_symbols.h"

/* Starts empty as {0}; not for use by two threads at once. */
struct nsym_inode_set {
	struct nsym_inode_slot *v; /* cap slots */
	size_t cap, n;             /* cap is a power of two, kept at most half full */
};

/* Whether st's (st_dev, st_ino) is in s. */
bool nsym_inode_set_has(const struct nsym_inode_set *s, const struct stat *st);

/* Adds st's (st_dev, st_ino) to s: 0 with *out_added false when it was
 * there already, or NSYM_ENOMEM (s unchanged). */
int nsym_inode_set_add(bool *out_added, struct nsym_inode_set *s, const struct stat *st);

/* Frees what s holds and leaves it empty; s may be NULL. */
void nsym_inode_set_free(struct nsym_inode_set *s);

#endif
