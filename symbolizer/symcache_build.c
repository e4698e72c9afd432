/*
 * Building a symcache: every unit is parsed, then swept once in address
 * order. At each address where a line row or a scope begins or ends, the
 * frames there are computed by the same code a lookup uses and interned as a
 * chain of locations; runs of addresses with the same chain become one
 * range. Strings, functions and locations are stored once each.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dwarf_internal.h"
#include "symcache.h"
#include "symtab.h"

/* An open-addressing set of record ids; the caller hashes and compares. */
struct intern {
	uint32_t *slots; /* id + 1; 0 is empty */
	size_t cap, used;
};

typedef bool (*intern_eq)(const void *ctx, uint32_t id, const void *key);

struct builder {
	struct nsym_dwarf *dw;
	uint64_t *addrs;
	uint32_t *locs_of;
	size_t nranges, ranges_cap;
	struct nsym_sc_loc *locs;
	size_t nlocs, locs_cap;
	struct nsym_sc_func *funcs;
	size_t nfuncs, funcs_cap;
	char *strings;
	size_t strings_size, strings_cap;
	struct intern loc_set, func_set, string_set;
	struct nsym_frames frames;
};

static uint64_t hash_bytes(const void *p, size_t n, uint64_t h)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * UINT64_C(0x100000001b3);
	return h;
}

/* Records are whole 32-bit words: mix a word at a time. */
static uint64_t hash_words(const void *p, size_t size)
{
	const unsigned char *b = p;
	uint64_t h = UINT64_C(0x9e3779b97f4a7c15);
	for (size_t i = 0; i + 4 <= size; i += 4) {
		uint32_t w;
		memcpy(&w, b + i, 4);
		h = (h ^ w) * UINT64_C(0xff51afd7ed558ccd);
		h ^= h >> 29;
	}
	return h;
}

static int intern_grow(struct intern *t, const uint64_t *hashes)
{
	size_t cap = t->cap ? t->cap * 2 : 4096;
	uint32_t *slots = calloc(cap, sizeof(*slots));
	if (slots == NULL)
		return NSYM_ENOMEM;
	for (size_t i = 0; i < t->cap; i++) {
		if (t->slots[i] == 0)
			continue;
		size_t j = hashes[t->slots[i] - 1] & (cap - 1);
		while (slots[j] != 0)
			j = (j + 1) & (cap - 1);
		slots[j] = t->slots[i];
	}
	free(t->slots);
	t->slots = slots;
	t->cap = cap;
	return 0;
}

/* Finds `key` or reserves id `next` for it; *added tells which. The hashes of
 * all ids are kept by the caller so the table can grow. */
static int intern_find(uint32_t *out, bool *added, struct intern *t, uint64_t **hashes,
                       size_t *hashes_cap, uint64_t h, intern_eq eq, const void *ctx,
                       const void *key, uint32_t next)
{
	size_t j;

	if ((t->used + 1) * 2 > t->cap) {
		int rc = intern_grow(t, *hashes);
		if (rc != 0)
			return rc;
	}
	for (j = h & (t->cap - 1); t->slots[j] != 0; j = (j + 1) & (t->cap - 1)) {
		if ((*hashes)[t->slots[j] - 1] == h && eq(ctx, t->slots[j] - 1, key)) {
			*out = t->slots[j] - 1;
			*added = false;
			return 0;
		}
	}
	if (nsym__grow((void **)hashes, hashes_cap, (size_t)next + 1, sizeof(**hashes)) != 0)
		return NSYM_ENOMEM;
	(*hashes)[next] = h;
	t->slots[j] = next + 1;
	t->used++;
	*out = next;
	*added = true;
	return 0;
}

/* Names and paths reach the builder as the same few pointers over and over
 * (into .debug_str, the name cache, the file tables); remembering the
 * offset per pointer skips hashing their contents again. */
#define PTR_MEMO_SIZE 65536

struct ptr_memo {
	const char *ptr;
	uint32_t offset;
	uint32_t generation; /* unit pointers die when their unit is released */
};

/* Per-table hashes, kept beside the builder (one per record). */
struct hashes {
	uint64_t *loc, *func, *str;
	size_t loc_cap, func_cap, str_cap;
	uint32_t *str_ids; /* string id -> offset */
	size_t str_ids_cap, nstr;
	struct ptr_memo *memo;
	uint32_t generation;
};

struct ctx {
	struct builder *b;
	struct hashes *h;
};

static bool string_eq(const void *ctx, uint32_t id, const void *key)
{
	const struct ctx *c = ctx;
	return strcmp(c->b->strings + c->h->str_ids[id], key) == 0;
}

static int add_string_contents(uint32_t *out, struct ctx *c, const char *s);

static int add_string(uint32_t *out, struct ctx *c, const char *s)
{
	uintptr_t p = (uintptr_t)s;
	struct ptr_memo *m = &c->h->memo[((p >> 3) ^ (p >> 19)) & (PTR_MEMO_SIZE - 1)];
	int rc;

	if (m->ptr == s && m->generation == c->h->generation) {
		*out = m->offset;
		return 0;
	}
	rc = add_string_contents(out, c, s);
	if (rc == 0)
		*m = (struct ptr_memo){s, *out, c->h->generation};
	return rc;
}

static int add_string_contents(uint32_t *out, struct ctx *c, const char *s)
{
	struct builder *b = c->b;
	size_t len = strlen(s) + 1;
	uint32_t id;
	bool added;
	int rc = intern_find(&id, &added, &b->string_set, &c->h->str, &c->h->str_cap,
	                     hash_bytes(s, len, UINT64_C(0xcbf29ce484222325)), string_eq, c, s,
	                     (uint32_t)c->h->nstr);
	if (rc != 0)
		return rc;
	if (added) {
		if (b->strings_size + len > UINT32_MAX ||
		    nsym__grow((void **)&b->strings, &b->strings_cap, b->strings_size + len, 1) !=
		        0 ||
		    nsym__grow((void **)&c->h->str_ids, &c->h->str_ids_cap, c->h->nstr + 1,
		               sizeof(*c->h->str_ids)) != 0)
			return NSYM_ENOMEM;
		memcpy(b->strings + b->strings_size, s, len);
		c->h->str_ids[c->h->nstr++] = (uint32_t)b->strings_size;
		b->strings_size += len;
	}
	*out = c->h->str_ids[id];
	return 0;
}

static bool func_eq(const void *ctx, uint32_t id, const void *key)
{
	const struct ctx *c = ctx;
	return memcmp(&c->b->funcs[id], key, sizeof(struct nsym_sc_func)) == 0;
}

static bool loc_eq(const void *ctx, uint32_t id, const void *key)
{
	const struct ctx *c = ctx;
	return memcmp(&c->b->locs[id], key, sizeof(struct nsym_sc_loc)) == 0;
}

static int add_func(uint32_t *out, struct ctx *c, const struct nsym_frame *f, uint64_t addr)
{
	struct builder *b = c->b;
	/* Inlined and unnamed frames share one record per name: their offsets
	 * say nothing (0), and keying them by entry made one per instance. */
	bool unnamed = strcmp(f->function, "??") == 0;
	struct nsym_sc_func fn = {.linkage = NSYM_SC_NONE,
	                          .dwarf_name = NSYM_SC_NONE,
	                          .entry = f->inlined || unnamed ? 0 : addr - f->symbol_offset};
	bool added;
	int rc = add_string(&fn.name, c, f->function);

	if (rc == 0 && f->linkage_name != NULL)
		rc = add_string(&fn.linkage, c, f->linkage_name);
	if (rc == 0 && f->dwarf_name != NULL)
		rc = add_string(&fn.dwarf_name, c, f->dwarf_name);
	if (rc == 0)
		rc = intern_find(out, &added, &b->func_set, &c->h->func, &c->h->func_cap,
		                 hash_words(&fn, sizeof(fn)), func_eq, c, &fn, (uint32_t)b->nfuncs);
	if (rc == 0 && added) {
		if (nsym__grow((void **)&b->funcs, &b->funcs_cap, b->nfuncs + 1,
		               sizeof(*b->funcs)) != 0)
			return NSYM_ENOMEM;
		b->funcs[b->nfuncs++] = fn;
	}
	return rc;
}

/* Interns the frames in b->frames as a chain; *out is the innermost. */
static int add_chain(uint32_t *out, struct ctx *c, uint64_t addr)
{
	struct builder *b = c->b;
	uint32_t parent = NSYM_SC_NONE;
	int rc = 0;

	for (size_t i = b->frames.count; i-- > 0 && rc == 0;) {
		const struct nsym_frame *f = &b->frames.frames[i];
		struct nsym_sc_loc loc = {.line = f->line,
		                          .column = f->column,
		                          .parent = parent,
		                          .inlined = (uint32_t)f->inlined};
		bool added;
		rc = add_func(&loc.func, c, f, addr);
		if (rc == 0)
			rc = add_string(&loc.file, c, f->file);
		if (rc == 0)
			rc = intern_find(&parent, &added, &b->loc_set, &c->h->loc, &c->h->loc_cap,
			                 hash_words(&loc, sizeof(loc)), loc_eq, c, &loc,
			                 (uint32_t)b->nlocs);
		if (rc == 0 && added) {
			if (nsym__grow((void **)&b->locs, &b->locs_cap, b->nlocs + 1,
			               sizeof(*b->locs)) != 0)
				return NSYM_ENOMEM;
			b->locs[b->nlocs++] = loc;
		}
	}
	*out = parent;
	return rc;
}

static int add_range(struct builder *b, uint64_t addr, uint32_t loc)
{
	if (b->nranges > 0 && b->locs_of[b->nranges - 1] == loc)
		return 0;
	size_t cap = b->ranges_cap;
	if (nsym__grow((void **)&b->addrs, &cap, b->nranges + 1, sizeof(*b->addrs)) != 0 ||
	    nsym__grow((void **)&b->locs_of, &b->ranges_cap, b->nranges + 1, sizeof(*b->locs_of)) !=
	        0)
		return NSYM_ENOMEM;
	b->addrs[b->nranges] = addr;
	b->locs_of[b->nranges++] = loc;
	return 0;
}

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
	size_t n = 0;
	struct span *v = NULL;
	size_t cap = 0;

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
		return NSYM_ENOMEM;
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
static int sweep_unit(struct ctx *c, struct nsym_unit *u, uint32_t index)
{
	uint64_t *bounds = NULL;
	struct span *spans = NULL;
	size_t nbounds = 0, nspans = 0, span = 0, next_range = 0, row = 0, height = 0;
	uint32_t *stack = NULL;
	int rc = unit_spans(&spans, &nspans, c->b->dw, index);

	if (rc == 0)
		rc = unit_boundaries(&bounds, &nbounds, u, spans, nspans);

	if (rc == 0 && (stack = malloc((u->nranges + 1) * sizeof(*stack))) == NULL)
		rc = NSYM_ENOMEM;
	for (size_t i = 0; i < nbounds && rc == 0; i++) {
		uint64_t at = bounds[i];
		const struct nsym_row *r = NULL;
		uint32_t scope = NSYM_NO_SCOPE, loc = NSYM_SC_NONE;
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
		if (r != NULL || scope != NSYM_NO_SCOPE) {
			c->b->frames.count = 0;
			rc = nsym__unit_frames(&c->b->frames, c->b->dw, u, r, scope, at, 0);
			if (rc == 0)
				rc = add_chain(&loc, c, at);
		}
		if (rc == 0)
			rc = add_range(c->b, at, loc);
	}
	free(stack);
	free(bounds);
	free(spans);
	return rc;
}

struct range_entry {
	uint64_t addr;
	uint32_t loc;
	uint32_t seq;
};

static int compare_entries(const void *pa, const void *pb)
{
	const struct range_entry *a = pa, *b = pb;
	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	/* at one address a location beats a gap, then the first unit wins */
	if ((a->loc == NSYM_SC_NONE) != (b->loc == NSYM_SC_NONE))
		return a->loc == NSYM_SC_NONE ? 1 : -1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Units may come in any order and overlap: sort the ranges, keep one per
 * address, and merge neighbours with the same location. */
static int sort_ranges(struct builder *b)
{
	struct range_entry *e = malloc((b->nranges ? b->nranges : 1) * sizeof(*e));
	size_t n = 0;

	if (e == NULL)
		return NSYM_ENOMEM;
	for (size_t i = 0; i < b->nranges; i++)
		e[i] = (struct range_entry){b->addrs[i], b->locs_of[i], (uint32_t)i};
	qsort(e, b->nranges, sizeof(*e), compare_entries);
	for (size_t i = 0; i < b->nranges; i++) {
		if (n > 0 && b->addrs[n - 1] == e[i].addr)
			continue;
		if (n > 0 && b->locs_of[n - 1] == e[i].loc)
			continue;
		b->addrs[n] = e[i].addr;
		b->locs_of[n++] = e[i].loc;
	}
	b->nranges = n;
	free(e);
	return 0;
}

static int add_symbols(struct nsym_sc_sym **out, size_t *count, struct ctx *c,
                       struct nsym_symtab *st)
{
	*out = calloc(st->count ? st->count : 1, sizeof(**out));
	*count = 0;
	if (*out == NULL)
		return NSYM_ENOMEM;
	for (size_t i = 0; i < st->count; i++) {
		const struct nsym_sym *s = &st->syms[i];
		struct nsym_sc_sym *o = &(*out)[(*count)++];
		/* a name shown as the source already has it (a PDB's public) */
		char *demangled = s->demangled == NULL ? nsym_demangle(s->name) : NULL;
		int rc;
		o->addr = s->addr;
		o->size = s->size;
		o->limit = s->limit;
		o->linkage = o->file = NSYM_SC_NONE;
		/* not add_string: the demangled copy is freed, and its address
		 * will come back for another string */
		rc = add_string_contents(&o->name, c,
		                         s->demangled != NULL ? s->demangled
		                         : demangled != NULL  ? demangled
		                                              : s->name);
		free(demangled);
		if (rc == 0)
			rc = add_string(&o->linkage, c, s->name);
		if (rc == 0 && s->file != NULL)
			rc = add_string(&o->file, c, s->file);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static uint64_t align8(uint64_t v)
{
	return (v + 7) & ~(uint64_t)7;
}

static int write_all(FILE *f, const void *data, size_t size, uint64_t at)
{
	static const char zeros[8];
	long pos = ftell(f);
	if (pos < 0 || (uint64_t)pos > at ||
	    fwrite(zeros, 1, (size_t)(at - (uint64_t)pos), f) != (size_t)(at - (uint64_t)pos))
		return NSYM_EIO;
	return size == 0 || fwrite(data, 1, size, f) == size ? 0 : NSYM_EIO;
}

static int write_file(const char *path, struct nsym_sc_header *h, const struct builder *b,
                      const struct nsym_sc_sym *syms)
{
	char tmp[4096];
	FILE *f;
	int rc;

	h->nfence = (h->nranges + NSYM_SC_FENCE_STEP - 1) / NSYM_SC_FENCE_STEP;
	h->fence_off = align8(sizeof(*h));
	h->range_addr_off = align8(h->fence_off + h->nfence * 8);
	h->range_loc_off = align8(h->range_addr_off + h->nranges * 8);
	h->locs_off = align8(h->range_loc_off + h->nranges * 4);
	h->funcs_off = align8(h->locs_off + h->nlocs * sizeof(struct nsym_sc_loc));
	h->syms_off = align8(h->funcs_off + h->nfuncs * sizeof(struct nsym_sc_func));
	h->strings_off = align8(h->syms_off + h->nsyms * sizeof(struct nsym_sc_sym));
	h->file_size = h->strings_off + h->strings_size;
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	f = fopen(tmp, "wbe");
	if (f == NULL)
		return nsym__fail(NSYM_EIO, tmp, "cannot create: %s", strerror(errno));
	rc = write_all(f, h, sizeof(*h), 0);
	for (uint64_t i = 0; i < h->nfence && rc == 0; i++)
		rc = write_all(f, &b->addrs[i * NSYM_SC_FENCE_STEP], 8, h->fence_off + i * 8);
	if (rc == 0)
		rc = write_all(f, b->addrs, h->nranges * 8, h->range_addr_off);
	if (rc == 0)
		rc = write_all(f, b->locs_of, h->nranges * 4, h->range_loc_off);
	if (rc == 0)
		rc = write_all(f, b->locs, h->nlocs * sizeof(*b->locs), h->locs_off);
	if (rc == 0)
		rc = write_all(f, b->funcs, h->nfuncs * sizeof(*b->funcs), h->funcs_off);
	if (rc == 0)
		rc = write_all(f, syms, h->nsyms * sizeof(*syms), h->syms_off);
	if (rc == 0)
		rc = write_all(f, b->strings, h->strings_size, h->strings_off);
	if (fclose(f) != 0 && rc == 0)
		rc = NSYM_EIO;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = NSYM_EIO;
	if (rc != 0) {
		unlink(tmp);
		return nsym__fail(rc, path, "cannot write the symcache: %s", strerror(errno));
	}
	return 0;
}

static void builder_free(struct builder *b, struct hashes *h)
{
	free(b->addrs);
	free(b->locs_of);
	free(b->locs);
	free(b->funcs);
	free(b->strings);
	free(b->loc_set.slots);
	free(b->func_set.slots);
	free(b->string_set.slots);
	nsym_frames_release(&b->frames);
	free(h->loc);
	free(h->func);
	free(h->str);
	free(h->str_ids);
	free(h->memo);
}

/* Sweeps a source other than DWARF: its boundaries in order, the frames at
 * each interned as the units' are. */
static int sweep_source(struct ctx *c, const struct nsym_sc_source *src)
{
	uint64_t *at = NULL;
	size_t n = 0, m = 0;
	int rc = src->boundaries(src->arg, &at, &n);

	if (rc == 0 && n > 1)
		qsort(at, n, sizeof(*at), compare_u64);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		uint32_t loc = NSYM_SC_NONE;
		bool found = false;
		if (m > 0 && at[i] == at[m - 1])
			continue;
		at[m++] = at[i];
		c->b->frames.count = 0;
		rc = src->frames(src->arg, &c->b->frames, at[i], &found);
		if (rc == 0 && found)
			rc = add_chain(&loc, c, at[i]);
		if (rc == 0)
			rc = add_range(c->b, at[i], loc);
	}
	free(at);
	return rc;
}

static int write_cache(const char *path, const unsigned char *id, size_t id_len,
                       struct nsym_dwarf *dw, const struct nsym_sc_source *src,
                       struct nsym_symtab *st)
{
	struct builder b = {.dw = dw};
	struct hashes h = {0};
	struct ctx c = {&b, &h};
	struct nsym_sc_header hdr = {0};
	struct nsym_sc_sym *syms = NULL;
	size_t nsyms = 0;
	uint32_t empty;
	int rc;

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
	return nsym__fail(NSYM_EUNSUPPORTED, path, "symcaches are written on little-endian hosts");
#endif
	if (id_len == 0 || id_len > NSYM_BUILD_ID_MAX)
		return nsym__fail(NSYM_EINVAL, path, "no identity to key the symcache by");
	h.memo = calloc(PTR_MEMO_SIZE, sizeof(*h.memo));
	if (h.memo == NULL)
		return nsym__fail(NSYM_ENOMEM, path, NULL);
	rc = add_string(&empty, &c, "");
	for (size_t i = 0; dw != NULL && i < dw->nunits && rc == 0; i++) {
		rc = nsym__unit_parse(dw, &dw->units[i]);
		if (rc == 0)
			rc = sweep_unit(&c, &dw->units[i], (uint32_t)i);
		else if (rc != NSYM_ENOMEM)
			rc = 0; /* a damaged unit is left out, as a lookup would */
		/* the builder holds copies of what it needs: keep one unit's
		 * worth of parsed DWARF in memory, not the whole file's */
		nsym__unit_release(&dw->units[i]);
		h.generation++;
	}
	if (rc == 0 && src != NULL)
		rc = sweep_source(&c, src);
	if (rc == 0)
		rc = sort_ranges(&b);
	if (rc == 0)
		rc = add_symbols(&syms, &nsyms, &c, st);
	if (rc == 0 && (b.nlocs >= NSYM_SC_NONE || b.nfuncs >= NSYM_SC_NONE))
		rc = nsym__fail(NSYM_EUNSUPPORTED, path, "too many locations for a symcache");
	if (rc == 0) {
		memcpy(hdr.magic, NSYM_SC_MAGIC, 8);
		hdr.version = NSYM_SC_VERSION;
		hdr.header_size = sizeof(hdr);
		memcpy(hdr.id, id, id_len);
		hdr.id_len = (uint32_t)id_len;
		hdr.nranges = b.nranges;
		hdr.nlocs = b.nlocs;
		hdr.nfuncs = b.nfuncs;
		hdr.nsyms = nsyms;
		hdr.strings_size = b.strings_size;
		rc = write_file(path, &hdr, &b, syms);
	} else if (rc == NSYM_ENOMEM) {
		nsym__fail(rc, path, NULL);
	}
	free(syms);
	builder_free(&b, &h);
	return rc;
}

int nsym__symcache_write(const char *path, const unsigned char *id, size_t id_len,
                         struct nsym_dwarf *dw, struct nsym_symtab *st)
{
	return write_cache(path, id, id_len, dw, NULL, st);
}

int nsym__symcache_write_source(const char *path, const unsigned char *id, size_t id_len,
                                const struct nsym_sc_source *src, struct nsym_symtab *st)
{
	return write_cache(path, id, id_len, NULL, src, st);
}
