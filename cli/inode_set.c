/*
 * The set of (st_dev, st_ino) pairs the project walk has seen (contract in
 * inode_set.h): open addressing with linear probing, doubled when half
 * full, so a lookup stays a probe or two on trees of a million files.
 */
#include <stdint.h>
#include <stdlib.h>

#include "inode_set.h"

struct nsym_inode_slot {
	dev_t dev;
	ino_t ino;
	bool used;
};

/* The slot that holds (dev, ino), or the empty one where it would go. */
static size_t slot_of(const struct nsym_inode_set *s, dev_t dev, ino_t ino)
{
	uint64_t h = ((uint64_t)ino * 0x9e3779b97f4a7c15u) ^ ((uint64_t)dev * 0xc2b2ae3d27d4eb4fu);
	size_t i = (size_t)(h ^ (h >> 29)) & (s->cap - 1);
	while (s->v[i].used && (s->v[i].dev != dev || s->v[i].ino != ino))
		i = (i + 1) & (s->cap - 1);
	return i;
}

static int grow(struct nsym_inode_set *s)
{
	struct nsym_inode_set bigger = {NULL, s->cap ? s->cap * 2 : 256, 0};

	bigger.v = calloc(bigger.cap, sizeof(*bigger.v));
	if (bigger.v == NULL)
		return NSYM_ENOMEM;
	for (size_t i = 0; i < s->cap; i++)
		if (s->v[i].used)
			bigger.v[slot_of(&bigger, s->v[i].dev, s->v[i].ino)] = s->v[i];
	bigger.n = s->n;
	free(s->v);
	*s = bigger;
	return 0;
}

bool nsym_inode_set_has(const struct nsym_inode_set *s, const struct stat *st)
{
	return s->cap > 0 && s->v[slot_of(s, st->st_dev, st->st_ino)].used;
}

int nsym_inode_set_add(bool *out_added, struct nsym_inode_set *s, const struct stat *st)
{
	*out_added = false;
	if (nsym_inode_set_has(s, st))
		return 0;
	if ((s->n + 1) * 2 > s->cap && grow(s) != 0)
		return NSYM_ENOMEM;
	s->v[slot_of(s, st->st_dev, st->st_ino)] =
	    (struct nsym_inode_slot){st->st_dev, st->st_ino, true};
	s->n++;
	*out_added = true;
	return 0;
}

void nsym_inode_set_free(struct nsym_inode_set *s)
{
	if (s == NULL)
		return;
	free(s->v);
	*s = (struct nsym_inode_set){0};
}
