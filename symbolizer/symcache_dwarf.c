/*
 * The DWARF side of building a symcache: every unit is parsed and swept
 * once in address order. At each address where a line row or a scope
 * begins or ends, the frames there are computed by the same code a lookup
 * uses and handed to the builder as a range (symcache.h), so a symcache
 * answers exactly as the DWARF would. One unit is held in memory at a time.
 */
#include <stdlib.h>

#include "dwarf_internal.h"
#include "symcache.h"

static int compare_u64(const void *pa, const void *pb)
{
	uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
	return a < b ? -1 : a > b;
}

/* A unit's own address ranges, sorted and merged: lookups only reach a
 * unit through them, so the symcache answers only inside them too. */
struct span {
	uint64_t lo, hi;
};

static int compare_spans(const void *pa, const void *pb)
{
	const struct span *a = pa, *b = pb;
	return a->lo < b->lo ? -1 : a->lo > b->lo;
}

static int unit_spans(struct span **out, size_t *count, const struct nsym_dwarf *dw, uint32_t unit)
{
	size_t n = 0, cap = 0;
	struct span *v = NULL;

	for (size_t i = 0; i < dw->nuranges; i++) {
		if (dw->uranges[i].unit != unit)
			continue;
		if (nsym__grow((void **)&v, &cap, n + 1, sizeof(*v)) != 0) {
			free(v);
			return NSYM_ENOMEM;
		}
		v[n++] = (struct span){dw->uranges[i].lo, dw->uranges[i].hi};
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), compare_spans);
	*count = 0;
	for (size_t i = 0; i < n; i++) {
		if (*count > 0 && v[i].lo <= v[*count - 1].hi) {
			if (v[i].hi > v[*count - 1].hi)
				v[*count - 1].hi = v[i].hi;
		} else {
			v[(*count)++] = v[i];
		}
	}
	*out = v;
	return 0;
}

/* Every address where the unit's row, scope or span may change, sorted,
 * unique. */
static int unit_boundaries(uint64_t **out, size_t *count, const struct nsym_unit *u,
                           const struct span *spans, size_t nspans)
{
	size_t n = 0, total = u->nrows + 2 * u->nranges + 2 * nspans;
	uint64_t *v = malloc((total ? total : 1) * sizeof(*v));

	if (v == NULL)
		return nsym__fail(NSYM_ENOMEM, NULL, NULL);
	for (size_t i = 0; i < u->nrows; i++)
		v[n++] = u->rows[i].addr;
	for (size_t i = 0; i < u->nranges; i++) {
		v[n++] = u->ranges[i].lo;
		v[n++] = u->ranges[i].hi;
	}
	for (size_t i = 0; i < nspans; i++) {
		v[n++] = spans[i].lo;
		v[n++] = spans[i].hi;
	}
	qsort(v, n, sizeof(*v), compare_u64);
	*count = 0;
	for (size_t i = 0; i < n; i++) {
		if (*count == 0 || v[*count - 1] != v[i])
			v[(*count)++] = v[i];
	}
	*out = v;
	return 0;
}

/* Sweeps one unit: an explicit stack of open scope ranges, deepest on top. */
static int sweep_unit(struct nsym_sc_builder *b, struct nsym_frames *frames, struct nsym_dwarf *dw,
                      struct nsym_unit *u, uint32_t index)
{
	uint64_t *bounds = NULL;
	struct span *spans = NULL;
	size_t nbounds = 0, nspans = 0, span = 0, next_range = 0, row = 0, height = 0;
	uint32_t *stack = NULL;
	int rc = unit_spans(&spans, &nspans, dw, index);

	if (rc == 0)
		rc = unit_boundaries(&bounds, &nbounds, u, spans, nspans);
	if (rc == 0 && (stack = malloc((u->nranges + 1) * sizeof(*stack))) == NULL)
		rc = nsym__fail(NSYM_ENOMEM, NULL, NULL);
	for (size_t i = 0; i < nbounds && rc == 0; i++) {
		uint64_t at = bounds[i];
		const struct nsym_row *r = NULL;
		uint32_t scope = NSYM_NO_SCOPE;

		while (height > 0 && u->ranges[stack[height - 1]].hi <= at)
			height--;
		for (; next_range < u->nranges && u->ranges[next_range].lo <= at; next_range++) {
			if (u->ranges[next_range].hi > at)
				stack[height++] = (uint32_t)next_range;
		}
		while (row + 1 < u->nrows && u->rows[row + 1].addr <= at)
			row++;
		if (u->nrows > 0 && u->rows[row].addr <= at && !u->rows[row].end_sequence)
			r = &u->rows[row];
		if (height > 0)
			scope = u->ranges[stack[height - 1]].scope;
		while (span < nspans && spans[span].hi <= at)
			span++;
		if (span == nspans || spans[span].lo > at)
			r = NULL, scope = NSYM_NO_SCOPE; /* outside the unit */
		frames->count = 0;
		if (r != NULL || scope != NSYM_NO_SCOPE)
			rc = nsym__unit_frames(frames, dw, u, r, scope, at, 0);
		if (rc == 0)
			rc = nsym__sc_builder_add_range(b, at, frames->frames, frames->count);
	}
	free(stack);
	free(bounds);
	free(spans);
	return rc;
}

int nsym__sc_add_dwarf(struct nsym_sc_builder *b, struct nsym_dwarf *dw)
{
	struct nsym_frames frames = {0};
	int rc = 0;

	for (size_t i = 0; i < dw->nunits && rc == 0; i++) {
		rc = nsym__unit_parse(dw, &dw->units[i]);
		if (rc == 0)
			rc = sweep_unit(b, &frames, dw, &dw->units[i], (uint32_t)i);
		else if (rc != NSYM_ENOMEM)
			rc = 0; /* a damaged unit is left out, as a lookup would */
		/* the builder holds copies of what it needs: keep one unit's
		 * worth of parsed DWARF in memory, not the whole file's */
		nsym__unit_release(&dw->units[i]);
		nsym__sc_builder_strings_released(b);
	}
	nsym_frames_release(&frames);
	return rc;
}
