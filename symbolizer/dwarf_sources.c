/*
 * Every source file the line tables name, once each: what `upload --sources`
 * sends so that /buildid/ID/source/PATH can answer gdb. Line tables only,
 * read one unit at a time and let go, so a large file costs one unit's
 * memory plus the set of names.
 */
#include <stdlib.h>
#include <string.h>

#include "dwarf_internal.h"

struct name_set {
	char **slot;
	size_t cap, count;
};

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static int grow(struct name_set *set)
{
	struct name_set bigger = {calloc(set->cap ? 2 * set->cap : 256, sizeof(char *)),
	                          set->cap ? 2 * set->cap : 256, set->count};

	if (bigger.slot == NULL)
		return NSYM_ENOMEM;
	for (size_t i = 0; i < set->cap; i++) {
		size_t j;
		if (set->slot[i] == NULL)
			continue;
		for (j = fnv1a(set->slot[i]) & (bigger.cap - 1); bigger.slot[j] != NULL;
		     j = (j + 1) & (bigger.cap - 1))
			;
		bigger.slot[j] = set->slot[i];
	}
	free(set->slot);
	*set = bigger;
	return 0;
}

/* 1 when name was new (and is now in the set), 0 when seen, or an error. */
static int add(struct name_set *set, const char *name)
{
	size_t j;

	if (2 * (set->count + 1) > set->cap && grow(set) != 0)
		return NSYM_ENOMEM;
	for (j = fnv1a(name) & (set->cap - 1); set->slot[j] != NULL; j = (j + 1) & (set->cap - 1)) {
		if (strcmp(set->slot[j], name) == 0)
			return 0;
	}
	if ((set->slot[j] = strdup(name)) == NULL)
		return NSYM_ENOMEM;
	set->count++;
	return 1;
}

static void set_free(struct name_set *set)
{
	for (size_t i = 0; i < set->cap; i++)
		free(set->slot[i]);
	free(set->slot);
}

static int unit_sources(struct nsym_dwarf *dw, struct nsym_unit *unit, struct name_set *seen,
                        int (*fn)(void *arg, const char *path), void *arg)
{
	bool had = unit->parsed != 0;
	int rc = had ? 0 : nsym__unit_read_lines(dw, unit);

	for (size_t f = 0; rc == 0 && f < unit->nfiles; f++) {
		if (unit->files[f] == NULL || unit->files[f][0] == '\0')
			continue;
		rc = add(seen, unit->files[f]);
		rc = rc == 1 ? (fn(arg, unit->files[f]) != 0 ? 1 : 0) : rc;
	}
	if (!had)
		nsym__unit_release(unit);
	return rc;
}

int nsym__dwarf_each_source(struct nsym_dwarf *dw, int (*fn)(void *arg, const char *path),
                            void *arg)
{
	struct name_set seen = {0};
	int rc = 0;

	for (size_t i = 0; i < dw->nunits && rc == 0; i++)
		rc = unit_sources(dw, &dw->units[i], &seen, fn, arg);
	set_free(&seen);
	return rc < 0 ? rc : 0;
}
