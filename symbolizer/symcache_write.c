/*
 * Writing a symcache in symcache.h's layout from what the builder took in
 * (symcache_build.c): the ranges are sorted and merged, the scopes numbered
 * in the order the ranges bring them in (so that a block names a new one in
 * a few bits), each function's base line and usual file found (so that a
 * range's line fits a byte and its file mostly goes unsaid), the strings
 * sorted and compressed in blocks, every table encoded, each chunk
 * checksummed, and the file written through a temporary file and a rename.
 */
#include <errno.h>
#include <fcntl.h>
#include <libdeflate.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "symcache_builder.h"
#include "symcache_codec.h"

/* Each table's byte offsets are packed in at most 32 bits, and the whole
 * file is kept in memory while it is made. */
#define MAX_FILE_SIZE UINT32_MAX
/* zstd's level for the string blocks: names compress ten to one at this
 * level, and the build stays about as fast as at level 3. */
#define STR_LEVEL 9

/* A growing byte buffer whose first failure sticks, so that a sequence of
 * appends is checked once. */
struct buf {
	uint8_t *p;
	size_t len, cap;
	bool failed, too_big;
};

static void put(struct buf *b, const void *data, size_t n)
{
	if (b->failed || n == 0)
		return;
	if (b->len + n > MAX_FILE_SIZE) {
		b->failed = b->too_big = true;
		return;
	}
	if (nsym__grow((void **)&b->p, &b->cap, b->len + n, 1) != 0) {
		b->failed = true;
		return;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

/* What a failed buffer failed of. */
static int buf_error(const struct buf *b)
{
	return b->too_big ? nsym__fail(NSYM_EUNSUPPORTED, NULL, "too much for one symcache")
	                  : nsym__fail(NSYM_ENOMEM, NULL, NULL);
}

static void put_byte(struct buf *b, uint8_t v)
{
	put(b, &v, 1);
}

static void put_uvarint(struct buf *b, uint64_t v)
{
	uint8_t tmp[10];
	size_t n = 0;

	while (v >= 0x80) {
		tmp[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	tmp[n++] = (uint8_t)v;
	put(b, tmp, n);
}

static void put_zeros(struct buf *b, size_t n)
{
	static const uint8_t zeros[16];
	while (n > 0 && !b->failed) {
		size_t k = n < sizeof(zeros) ? n : sizeof(zeros);
		put(b, zeros, k);
		n -= k;
	}
}

/* Values counted, so that the most common get codes (symcache.h: one
 * byte for the first NSYM_SC_CODE1, two for the rest). */
struct dict {
	struct nsym_sc_recset keys;
	uint32_t *count; /* per key; once chosen, its code, or NSYM_SC_NCODES */
	size_t count_cap;
	uint32_t *coded; /* code -> key */
	uint32_t ncoded;
	bool failed;
};

static void dict_count(struct dict *d, const uint32_t *key)
{
	uint32_t id;
	size_t before = d->keys.n;

	if (d->failed)
		return;
	if (nsym__sc_recset_add(&id, &d->keys, key) != 0 ||
	    nsym__grow((void **)&d->count, &d->count_cap, d->keys.n, sizeof(*d->count)) != 0) {
		d->failed = true;
		return;
	}
	if (d->keys.n > before)
		d->count[id] = 0;
	d->count[id]++;
}

struct counted {
	uint32_t count, id;
};

static int compare_counts(const void *pa, const void *pb)
{
	const struct counted *a = pa, *b = pb;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id; /* the order they were met in */
}

/* Codes for the NSYM_SC_NCODES most common keys, the shortest for the most
 * common. */
static int dict_choose(struct dict *d)
{
	struct counted *order;

	if (d->failed)
		return nsym__fail(NSYM_ENOMEM, NULL, NULL);
	order = malloc((d->keys.n ? d->keys.n : 1) * sizeof(*order));
	d->coded = malloc(NSYM_SC_NCODES * sizeof(*d->coded));
	if (order == NULL || d->coded == NULL) {
		free(order);
		return nsym__fail(NSYM_ENOMEM, NULL, NULL);
	}
	for (uint32_t i = 0; i < d->keys.n; i++)
		order[i] = (struct counted){d->count[i], i};
	qsort(order, d->keys.n, sizeof(*order), compare_counts);
	/* a code's record in the file costs about what a two-byte code saves
	 * a use or two of it over the value in full */
	d->ncoded = 0;
	while (d->ncoded < d->keys.n && d->ncoded < NSYM_SC_NCODES &&
	       order[d->ncoded].count >= (d->ncoded < NSYM_SC_CODE1 ? 2u : 4u))
		d->ncoded++;
	for (uint32_t i = 0; i < d->keys.n; i++) {
		d->count[order[i].id] = i < d->ncoded ? i : NSYM_SC_NCODES;
		if (i < d->ncoded)
			d->coded[i] = order[i].id;
	}
	free(order);
	return 0;
}

/* The key's code, NSYM_SC_NCODES when it has none. */
static uint32_t dict_code(const struct dict *d, const uint32_t *key)
{
	uint32_t id;
	return nsym__sc_recset_find(&id, &d->keys, key) ? d->count[id] : NSYM_SC_NCODES;
}

static void dict_free(struct dict *d)
{
	free(d->keys.recs);
	free(d->keys.slots);
	free(d->count);
	free(d->coded);
}

struct writer {
	struct nsym_sc_builder *b;
	struct nsym_sc_header h;
	struct buf data;     /* the tables: file offset data_off + position */
	uint64_t base;       /* addresses are stored as offsets from this */
	uint32_t *scope_new; /* builder's scope id -> the file's */
	uint32_t *scope_old; /* and back */
	uint32_t *func_line; /* per function: its smallest line */
	uint32_t *func_file; /* and its most common file */
	uint32_t *ref;       /* string id -> ref */
	/* the range blocks and symbol blocks, before they become tables */
	uint32_t *blocks; /* address and offset of each block, then the end */
	size_t nblocks;
	uint32_t *syms;
	size_t nsymblocks;
	uint32_t *str_off, *str_size;
	size_t nstrblocks, str_size_cap;
	struct buf block_data, sym_data, str_data;
	/* the range entries' (line, column) of each class, and (h, pair) */
	struct dict pairs[2], joint;
	/* scopes whose caller is too far for their field: (scope, caller) */
	uint32_t *callers;
	size_t ncallers;
	unsigned caller_bits;
};

/* ---- ranges ------------------------------------------------------------- */

static int compare_ranges(const void *pa, const void *pb)
{
	const struct nsym_sc_range *a = pa, *b = pb;
	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	/* at one address a range with frames beats a gap, then the first
	 * added wins */
	if ((a->scope == NSYM_SC_NONE) != (b->scope == NSYM_SC_NONE))
		return a->scope == NSYM_SC_NONE ? 1 : -1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static bool same_place(const struct nsym_sc_range *a, const struct nsym_sc_range *b)
{
	return a->scope == b->scope && a->file == b->file && a->line == b->line &&
	       a->column == b->column;
}

/* Units may come in any order and overlap: sort, keep one range per
 * address, merge neighbours with the same frames. */
static void sort_ranges(struct nsym_sc_builder *b)
{
	size_t n = 0;

	/* a file without ranges (an executable stripped of its DWARF) has
	 * no array: qsort may not be given NULL, even with no elements */
	if (b->nranges > 1)
		qsort(b->ranges, b->nranges, sizeof(*b->ranges), compare_ranges);
	for (size_t i = 0; i < b->nranges; i++) {
		if (n > 0 && (b->ranges[n - 1].addr == b->ranges[i].addr ||
		              same_place(&b->ranges[n - 1], &b->ranges[i])))
			continue;
		b->ranges[n++] = b->ranges[i];
	}
	b->nranges = n;
}

/* Every address the file stores lies in [base, base + 4 GiB). */
static int address_span(struct writer *w, const char *path)
{
	const struct nsym_sc_builder *b = w->b;
	uint64_t lo = UINT64_MAX, hi = 0;

	if (b->nranges > 0) {
		lo = b->ranges[0].addr;
		hi = b->ranges[b->nranges - 1].addr;
	}
	for (size_t i = 0; i < b->nsyms; i++) {
		lo = b->syms[i].addr < lo ? b->syms[i].addr : lo;
		hi = b->syms[i].addr > hi ? b->syms[i].addr : hi;
	}
	if (lo == UINT64_MAX)
		lo = hi = 0;
	if (hi - lo > UINT32_MAX)
		return nsym__fail(NSYM_EUNSUPPORTED, path,
		                  "its addresses span more than 4 GiB, more than a symcache holds");
	w->base = lo;
	return 0;
}

static uint32_t func_of(const struct nsym_sc_builder *b, uint32_t scope)
{
	const uint32_t *s = nsym__sc_rec(&b->scopes, scope);
	return s[SCB_SCOPE_KIND] == 0 ? nsym__sc_rec(&b->roots, s[SCB_SCOPE_ID])[SCB_ROOT_FUNC]
	                              : nsym__sc_rec(&b->calls, s[SCB_SCOPE_ID])[SCB_CALL_FUNC];
}

/* Scopes some range starts in first, in the order the ranges bring them
 * in; then the ones only ever called from. Each function's smallest line
 * and (by majority vote) its usual file. */
static int number_scopes(struct writer *w)
{
	const struct nsym_sc_builder *b = w->b;
	size_t nscopes = b->scopes.n, nfuncs = b->funcs.n;
	uint32_t next = 0, *votes;

	w->scope_new = malloc((nscopes ? nscopes : 1) * sizeof(*w->scope_new));
	w->scope_old = malloc((nscopes ? nscopes : 1) * sizeof(*w->scope_old));
	w->func_line = malloc((nfuncs ? nfuncs : 1) * sizeof(*w->func_line));
	w->func_file = calloc(nfuncs ? nfuncs : 1, sizeof(*w->func_file));
	votes = calloc(nfuncs ? nfuncs : 1, sizeof(*votes));
	if (w->scope_new == NULL || w->scope_old == NULL || w->func_line == NULL ||
	    w->func_file == NULL || votes == NULL) {
		free(votes);
		return nsym__fail(NSYM_ENOMEM, NULL, NULL);
	}
	memset(w->scope_new, 0xff, nscopes * sizeof(*w->scope_new));
	memset(w->func_line, 0, nfuncs * sizeof(*w->func_line));
	for (size_t i = 0; i < b->nranges; i++) {
		const struct nsym_sc_range *r = &b->ranges[i];
		uint32_t f;
		if (r->scope == NSYM_SC_NONE)
			continue;
		if (w->scope_new[r->scope] == NSYM_SC_NONE) {
			w->scope_old[next] = r->scope;
			w->scope_new[r->scope] = next++;
		}
		f = func_of(b, r->scope);
		if (votes[f] == 0) {
			w->func_file[f] = r->file;
			w->func_line[f] = r->line;
			votes[f] = 1;
			continue;
		}
		if (r->line < w->func_line[f])
			w->func_line[f] = r->line;
		if (w->func_file[f] == r->file)
			votes[f]++;
		else if (--votes[f] == 0)
			votes[f] = 1, w->func_file[f] = r->file;
	}
	for (size_t i = 0; i < nscopes; i++) {
		if (w->scope_new[i] == NSYM_SC_NONE) {
			w->scope_old[next] = (uint32_t)i;
			w->scope_new[i] = next++;
		}
	}
	free(votes);
	return 0;
}

/* The recent scopes of a block, most recent first, with their lines. */
struct recent {
	uint32_t scope[NSYM_SC_RECENT], line[NSYM_SC_RECENT];
	unsigned n;
};

static void recent_front(struct recent *r, unsigned from, uint32_t scope, uint32_t line)
{
	memmove(&r->scope[1], &r->scope[0], from * sizeof(r->scope[0]));
	memmove(&r->line[1], &r->line[0], from * sizeof(r->line[0]));
	r->scope[0] = scope;
	r->line[0] = line;
}

/* One range entry as it is coded (symcache.h). */
struct coded {
	bool gap;
	uint64_t delta;   /* from the previous start */
	unsigned code;    /* the scope: 0-5 recent, 6 fresh, 7 given */
	uint64_t scope_v; /* code 7: 1 + zigzag(scope - previous) */
	bool file_given;
	uint32_t file;
	unsigned cls;    /* 0: line against a recent entry's, 1: against the base */
	uint64_t line_v; /* as the class says */
	uint32_t column;
};

/* Codes range r, updating the block's state as the reader will. */
static void code_entry(struct coded *out, const struct writer *w, struct recent *rc,
                       uint32_t *fresh, uint32_t *prev, const struct nsym_sc_range *r,
                       uint64_t delta)
{
	uint32_t s, f;
	unsigned j;

	memset(out, 0, sizeof(*out));
	out->delta = delta;
	if (r->scope == NSYM_SC_NONE) {
		out->gap = true;
		out->code = 7;
		return;
	}
	s = w->scope_new[r->scope];
	f = func_of(w->b, r->scope);
	for (j = 0; j < rc->n && rc->scope[j] != s; j++)
		;
	if (j < rc->n) {
		out->code = j;
		out->cls = 0;
		out->line_v = nsym__sc_zigzag((int64_t)r->line - rc->line[j]);
		recent_front(rc, j, s, r->line);
	} else {
		if (s == *fresh) {
			out->code = 6;
			(*fresh)++;
		} else {
			out->code = 7;
			out->scope_v = 1 + nsym__sc_zigzag((int64_t)s - *prev);
		}
		out->cls = 1;
		out->line_v = r->line - w->func_line[f];
		if (rc->n < NSYM_SC_RECENT)
			rc->n++;
		recent_front(rc, rc->n - 1, s, r->line);
	}
	*prev = s;
	out->file_given = r->file != w->func_file[f];
	out->file = r->file;
	out->column = r->column;
}

/* Calls fn on every range entry coded, block by block, as the file will
 * have them; fn also hears of each block's start. */
typedef void (*entry_fn)(struct writer *w, size_t block, uint32_t fresh, const struct coded *c);

static void each_entry(struct writer *w, entry_fn fn)
{
	const struct nsym_sc_builder *b = w->b;
	size_t n = b->nranges;
	uint32_t fresh = 0;

	for (size_t first = 0, k = 0; first < n; first += NSYM_SC_BLOCK, k++) {
		size_t end = first + NSYM_SC_BLOCK < n ? first + NSYM_SC_BLOCK : n;
		struct recent rc = {.n = 0};
		uint64_t at = b->ranges[first].addr;
		uint32_t prev = fresh;

		fn(w, k, fresh, NULL);
		for (size_t i = first; i < end; i++) {
			struct coded c;
			code_entry(&c, w, &rc, &fresh, &prev, &b->ranges[i],
			           b->ranges[i].addr - at);
			at = b->ranges[i].addr;
			fn(w, k, fresh, &c);
		}
	}
}

static void count_pair(struct writer *w, size_t block, uint32_t fresh, const struct coded *c)
{
	(void)block, (void)fresh;
	if (c != NULL && !c->gap && c->line_v <= UINT32_MAX)
		dict_count(&w->pairs[c->cls], (const uint32_t[]){(uint32_t)c->line_v, c->column});
}

static uint8_t head_of(const struct coded *c)
{
	return (uint8_t)((c->delta < 15 ? c->delta : 15) | c->code << 4 | c->file_given << 7);
}

/* The entry's pair code: NSYM_SC_NCODES when it has none. */
static uint32_t pair_of(const struct writer *w, const struct coded *c)
{
	if (c->line_v > UINT32_MAX)
		return NSYM_SC_NCODES;
	return dict_code(&w->pairs[c->cls], (const uint32_t[]){(uint32_t)c->line_v, c->column});
}

static void count_joint(struct writer *w, size_t block, uint32_t fresh, const struct coded *c)
{
	(void)block, (void)fresh;
	if (c != NULL && !c->gap)
		dict_count(&w->joint, (const uint32_t[]){head_of(c), pair_of(w, c)});
}

/* A code of symcache.h: one byte below NSYM_SC_CODE1, else two, or the
 * last byte value for none. */
static void put_code(struct buf *out, uint32_t v)
{
	if (v < NSYM_SC_CODE1) {
		put_byte(out, (uint8_t)v);
	} else if (v < NSYM_SC_NCODES) {
		put_byte(out, (uint8_t)(NSYM_SC_CODE1 + (v - NSYM_SC_CODE1) / 256));
		put_byte(out, (uint8_t)((v - NSYM_SC_CODE1) % 256));
	} else {
		put_byte(out, 255);
	}
}

static void emit_entry(struct writer *w, size_t block, uint32_t fresh, const struct coded *c)
{
	struct buf *out = &w->block_data;
	uint32_t h, pair = NSYM_SC_NCODES, joint = NSYM_SC_NCODES;

	if (c == NULL) {
		w->blocks[2 * block] =
		    (uint32_t)(w->b->ranges[block * NSYM_SC_BLOCK].addr - w->base);
		w->blocks[2 * block + 1] = (uint32_t)out->len;
		put_uvarint(out, fresh);
		return;
	}
	h = head_of(c);
	if (!c->gap) {
		pair = pair_of(w, c);
		joint = dict_code(&w->joint, (const uint32_t[]){h, pair});
	}
	put_code(out, joint);
	if (joint == NSYM_SC_NCODES)
		put_byte(out, (uint8_t)h);
	if (c->delta >= 15)
		put_uvarint(out, c->delta);
	if (c->code == 7)
		put_uvarint(out, c->gap ? 0 : c->scope_v);
	if (c->gap)
		return;
	if (c->file_given)
		put_uvarint(out, c->file);
	if (joint == NSYM_SC_NCODES)
		put_code(out, pair);
	if (pair == NSYM_SC_NCODES) {
		put_uvarint(out, c->line_v);
		put_uvarint(out, c->column);
	}
}

static int encode_ranges(struct writer *w)
{
	size_t n = w->b->nranges, nblocks = (n + NSYM_SC_BLOCK - 1) / NSYM_SC_BLOCK;
	int rc;

	w->pairs[0].keys.words = w->pairs[1].keys.words = w->joint.keys.words = 2;
	each_entry(w, count_pair);
	if ((rc = dict_choose(&w->pairs[0])) != 0 || (rc = dict_choose(&w->pairs[1])) != 0)
		return rc;
	each_entry(w, count_joint);
	if ((rc = dict_choose(&w->joint)) != 0)
		return rc;
	if ((w->blocks = malloc((nblocks + 1) * 2 * sizeof(*w->blocks))) == NULL)
		return nsym__fail(NSYM_ENOMEM, NULL, NULL);
	each_entry(w, emit_entry);
	w->blocks[2 * nblocks] = UINT32_MAX;
	w->blocks[2 * nblocks + 1] = (uint32_t)w->block_data.len;
	w->nblocks = nblocks;
	return w->block_data.failed ? buf_error(&w->block_data) : 0;
}

/* ---- strings ------------------------------------------------------------ */

struct str_order {
	const char *s;
	uint32_t id;
	uint32_t hot;
};

static int compare_strings(const void *pa, const void *pb)
{
	const struct str_order *a = pa, *b = pb;
	if (a->hot != b->hot)
		return a->hot ? -1 : 1;
	return strcmp(a->s, b->s);
}

static int flush_strings(struct writer *w, ZSTD_CCtx *z, struct buf *raw, size_t *cap)
{
	size_t bound = ZSTD_compressBound(raw->len), got;

	if (raw->len == 0)
		return 0;
	if (w->nstrblocks + 1 >= (UINT32_C(1) << (32 - NSYM_SC_STR_SHIFT)))
		return nsym__fail(NSYM_EUNSUPPORTED, NULL, "too many strings for a symcache");
	if (nsym__grow((void **)&w->str_off, cap, w->nstrblocks + 2, sizeof(*w->str_off)) != 0 ||
	    nsym__grow((void **)&w->str_size, &w->str_size_cap, w->nstrblocks + 1,
	               sizeof(*w->str_size)) != 0 ||
	    nsym__grow((void **)&w->str_data.p, &w->str_data.cap, w->str_data.len + bound, 1) != 0)
		return NSYM_ENOMEM;
	got = ZSTD_compressCCtx(z, w->str_data.p + w->str_data.len, bound, raw->p, raw->len,
	                        STR_LEVEL);
	if (ZSTD_isError(got))
		return nsym__fail(
		    ZSTD_getErrorCode(got) == ZSTD_error_memory_allocation ? NSYM_ENOMEM : NSYM_EIO,
		    NULL, "cannot compress the symcache's strings: %s", ZSTD_getErrorName(got));
	w->str_off[w->nstrblocks] = (uint32_t)w->str_data.len;
	w->str_size[w->nstrblocks++] = (uint32_t)raw->len;
	w->str_data.len += got;
	if (w->str_data.len > MAX_FILE_SIZE)
		return nsym__fail(NSYM_EUNSUPPORTED, NULL, "too many strings for a symcache");
	raw->len = 0;
	return 0;
}

/* Sorted (what a plain lookup prints first), packed into blocks and
 * compressed; ref[] says where each string went. */
static int encode_strings(struct writer *w)
{
	const struct nsym_sc_builder *b = w->b;
	struct str_order *order = malloc((b->nstr ? b->nstr : 1) * sizeof(*order));
	struct buf raw = {0};
	ZSTD_CCtx *z = ZSTD_createCCtx();
	size_t cap = 0;
	int rc = 0;

	w->ref = malloc((b->nstr ? b->nstr : 1) * sizeof(*w->ref));
	if (order == NULL || z == NULL || w->ref == NULL)
		rc = nsym__fail(NSYM_ENOMEM, NULL, NULL);
	for (size_t i = 0; rc == 0 && i < b->nstr; i++)
		order[i] = (struct str_order){b->bytes + b->str_off[i], (uint32_t)i, b->str_hot[i]};
	if (rc == 0)
		qsort(order, b->nstr, sizeof(*order), compare_strings);
	for (size_t i = 0; rc == 0 && i < b->nstr; i++) {
		size_t len = strlen(order[i].s) + 1;
		/* a block ends where it is full, and where the strings a plain
		 * lookup prints end, so that it never inflates the others */
		if (raw.len >= NSYM_SC_STR_BLOCK || (i > 0 && order[i].hot != order[i - 1].hot))
			rc = flush_strings(w, z, &raw, &cap);
		if (rc != 0)
			break;
		w->ref[order[i].id] = (uint32_t)(w->nstrblocks << NSYM_SC_STR_SHIFT | raw.len);
		put(&raw, order[i].s, len);
		if (raw.failed)
			rc = buf_error(&raw);
	}
	if (rc == 0)
		rc = flush_strings(w, z, &raw, &cap);
	if (rc == 0 && w->str_off == NULL && (w->str_off = malloc(sizeof(*w->str_off))) == NULL)
		rc = nsym__fail(NSYM_ENOMEM, NULL, NULL);
	if (rc == 0)
		w->str_off[w->nstrblocks] = (uint32_t)w->str_data.len;
	ZSTD_freeCCtx(z);
	free(raw.p);
	free(order);
	return rc;
}

/* ---- symbols ------------------------------------------------------------ */

static int encode_symbols(struct writer *w)
{
	const struct nsym_sc_builder *b = w->b;
	size_t n = b->nsyms, nblocks = (n + NSYM_SC_SYM_BLOCK - 1) / NSYM_SC_SYM_BLOCK;
	struct buf *out = &w->sym_data;

	if ((w->syms = malloc((nblocks + 1) * 2 * sizeof(*w->syms))) == NULL)
		return nsym__fail(NSYM_ENOMEM, NULL, NULL);
	for (size_t k = 0; k < nblocks; k++) {
		size_t first = k * NSYM_SC_SYM_BLOCK;
		size_t end = first + NSYM_SC_SYM_BLOCK < n ? first + NSYM_SC_SYM_BLOCK : n;
		uint64_t at = b->syms[first].addr;

		w->syms[2 * k] = (uint32_t)(at - w->base);
		w->syms[2 * k + 1] = (uint32_t)out->len;
		for (size_t i = first; i < end; i++) {
			const struct nsym_sc_symbol *s = &b->syms[i];
			bool own_linkage = s->linkage != s->name, file = s->file != NSYM_SC_NONE;
			put_byte(out, (uint8_t)(own_linkage | file << 1));
			put_uvarint(out, s->addr - at);
			put_uvarint(out, s->extent);
			put_uvarint(out, w->ref[s->name]);
			if (own_linkage)
				put_uvarint(out, w->ref[s->linkage]);
			if (file)
				put_uvarint(out, w->ref[s->file]);
			at = s->addr;
		}
	}
	w->syms[2 * nblocks] = UINT32_MAX;
	w->syms[2 * nblocks + 1] = (uint32_t)out->len;
	w->nsymblocks = nblocks;
	return out->failed ? buf_error(out) : 0;
}

/* ---- tables ------------------------------------------------------------- */

/* Gives the fields of record i of a packed table. */
typedef void (*fields_fn)(const struct writer *w, size_t i, uint32_t *v);

static void set_bits(uint8_t *p, uint64_t bit, uint32_t v)
{
	uint64_t word;
	memcpy(&word, p + (bit >> 3), 8);
	word |= (uint64_t)v << (bit & 7);
	memcpy(p + (bit >> 3), &word, 8);
}

/* Starts table t at the next 8-aligned offset of the data. */
static void begin_table(struct writer *w, enum nsym_sc_table_id t)
{
	put_zeros(&w->data, (8 - w->data.len % 8) % 8);
	w->h.t[t].off = w->data.len;
}

static void end_table(struct writer *w, enum nsym_sc_table_id t, uint64_t count)
{
	w->h.t[t].size = w->data.len - w->h.t[t].off;
	w->h.t[t].count = count;
}

/* A packed table of n records; each field as wide as its largest value
 * needs, or min_width[f] bits if more (min_width may be NULL). */
static int put_packed_min(struct writer *w, enum nsym_sc_table_id t, size_t n, unsigned nfields,
                          fields_fn fields, const uint8_t *min_width)
{
	struct nsym_sc_table *d = &w->h.t[t];
	uint32_t v[NSYM_SC_MAX_FIELDS] = {0}, max[NSYM_SC_MAX_FIELDS] = {0};
	uint64_t bits = 0, size;
	uint8_t *p;

	for (size_t i = 0; i < n; i++) {
		fields(w, i, v);
		for (unsigned f = 0; f < nfields; f++)
			max[f] = v[f] > max[f] ? v[f] : max[f];
	}
	for (unsigned f = 0; f < nfields; f++) {
		d->width[f] = (uint8_t)nsym__sc_bits(max[f]);
		if (min_width != NULL && min_width[f] > d->width[f])
			d->width[f] = min_width[f];
		bits += d->width[f];
	}
	size = (n * bits + 7) / 8 + 8;
	begin_table(w, t);
	if (!w->data.failed && size > MAX_FILE_SIZE - w->data.len)
		w->data.failed = w->data.too_big = true;
	if (w->data.failed)
		return buf_error(&w->data);
	if (nsym__grow((void **)&w->data.p, &w->data.cap, w->data.len + size, 1) != 0)
		return NSYM_ENOMEM;
	p = w->data.p + w->data.len;
	memset(p, 0, size);
	for (size_t i = 0; i < n; i++) {
		uint64_t at = i * bits;
		fields(w, i, v);
		for (unsigned f = 0; f < nfields; f++) {
			set_bits(p, at, v[f]);
			at += d->width[f];
		}
	}
	w->data.len += size;
	end_table(w, t, n);
	return 0;
}

static int put_packed(struct writer *w, enum nsym_sc_table_id t, size_t n, unsigned nfields,
                      fields_fn fields)
{
	return put_packed_min(w, t, n, nfields, fields, NULL);
}

static void put_u32s(struct writer *w, enum nsym_sc_table_id t, const uint32_t *v, size_t n)
{
	begin_table(w, t);
	put(&w->data, v, n * 4);
	end_table(w, t, n);
}

static void put_bytes_table(struct writer *w, enum nsym_sc_table_id t, const struct buf *b)
{
	begin_table(w, t);
	put(&w->data, b->p, b->len);
	put_zeros(&w->data, 8);
	end_table(w, t, 0);
}

static void str_off_fields(const struct writer *w, size_t i, uint32_t *v)
{
	v[0] = w->str_off[i];
}

static void str_size_fields(const struct writer *w, size_t i, uint32_t *v)
{
	v[0] = w->str_size[i];
}

/* Scope i's caller as its field says it: 0 for none, else
 * zigzag(caller - i), which is never 0. */
static uint64_t caller_code(const struct writer *w, size_t i)
{
	uint32_t c = nsym__sc_rec(&w->b->scopes, w->scope_old[i])[SCB_SCOPE_CALLER];
	return c == NSYM_SC_NONE ? 0 : nsym__sc_zigzag((int64_t)w->scope_new[c] - (int64_t)i);
}

/* The width of the scopes' caller field that makes the scopes and the
 * callers too far for it (kept aside, 8 bytes each) smallest; then those
 * callers, in the order of their scopes. */
static int choose_caller_bits(struct writer *w)
{
	size_t n = w->b->scopes.n, beyond[66] = {0}, best = SIZE_MAX;

	for (size_t i = 0; i < n; i++) {
		uint64_t d = caller_code(w, i);
		if (d > 0)
			beyond[nsym__sc_bits(d + 1)]++; /* needs d + 1 < 2^bits */
	}
	for (unsigned bits = 1; bits <= 32; bits++) {
		size_t over = 0, size;
		for (unsigned k = bits + 1; k < 66; k++)
			over += beyond[k];
		size = n * bits + over * 64;
		if (size < best) {
			best = size;
			w->caller_bits = bits;
			w->ncallers = over;
		}
	}
	w->callers = malloc((w->ncallers ? w->ncallers : 1) * 2 * sizeof(*w->callers));
	if (w->callers == NULL)
		return nsym__fail(NSYM_ENOMEM, NULL, NULL);
	w->ncallers = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t d = caller_code(w, i);
		if (d != 0 && d + 1 >= (UINT64_C(1) << w->caller_bits)) {
			w->callers[2 * w->ncallers] = (uint32_t)i;
			w->callers[2 * w->ncallers++ + 1] = w->scope_new[nsym__sc_rec(
			    &w->b->scopes, w->scope_old[i])[SCB_SCOPE_CALLER]];
		}
	}
	return 0;
}

static void scope_fields(const struct writer *w, size_t i, uint32_t *v)
{
	const uint32_t *s = nsym__sc_rec(&w->b->scopes, w->scope_old[i]);
	uint64_t d = caller_code(w, i), escape = (UINT64_C(1) << w->caller_bits) - 1;

	v[NSYM_SC_SCOPE_KIND] = s[SCB_SCOPE_KIND];
	v[NSYM_SC_SCOPE_ID] = s[SCB_SCOPE_ID];
	v[NSYM_SC_SCOPE_CALLER] = (uint32_t)(d < escape ? d : escape);
}

/* The key of code i of a dictionary. */
static const uint32_t *coded_key(const struct dict *d, size_t i)
{
	return nsym__sc_rec(&d->keys, d->coded[i]);
}

static void joint_fields(const struct writer *w, size_t i, uint32_t *v)
{
	v[0] = coded_key(&w->joint, i)[0];
	v[1] = coded_key(&w->joint, i)[1];
}

static void recent_pair_fields(const struct writer *w, size_t i, uint32_t *v)
{
	v[0] = coded_key(&w->pairs[0], i)[0];
	v[1] = coded_key(&w->pairs[0], i)[1];
}

static void base_pair_fields(const struct writer *w, size_t i, uint32_t *v)
{
	v[0] = coded_key(&w->pairs[1], i)[0];
	v[1] = coded_key(&w->pairs[1], i)[1];
}

static void root_fields(const struct writer *w, size_t i, uint32_t *v)
{
	const uint32_t *r = nsym__sc_rec(&w->b->roots, (uint32_t)i);
	uint64_t entry = (uint64_t)r[SCB_ROOT_ENTRY_HI] << 32 | r[SCB_ROOT_ENTRY_LO];
	/* an entry outside what the file stores cannot be said: no offsets */
	bool has = r[SCB_ROOT_HAS_ENTRY] && entry >= w->base && entry - w->base <= UINT32_MAX;

	v[NSYM_SC_ROOT_FUNC] = r[SCB_ROOT_FUNC];
	v[NSYM_SC_ROOT_HAS_ENTRY] = has;
	v[NSYM_SC_ROOT_ENTRY] = has ? (uint32_t)(entry - w->base) : 0;
}

static void call_fields(const struct writer *w, size_t i, uint32_t *v)
{
	const uint32_t *c = nsym__sc_rec(&w->b->calls, (uint32_t)i);
	v[NSYM_SC_CALL_FUNC] = c[SCB_CALL_FUNC];
	v[NSYM_SC_CALL_FILE] = c[SCB_CALL_FILE];
	v[NSYM_SC_CALL_LINE] = c[SCB_CALL_LINE];
	v[NSYM_SC_CALL_COLUMN] = c[SCB_CALL_COLUMN];
}

static uint32_t ref_or_none(const struct writer *w, uint32_t id)
{
	return id == NSYM_SC_NONE ? 0 : w->ref[id] + 1;
}

static void func_fields(const struct writer *w, size_t i, uint32_t *v)
{
	const uint32_t *f = nsym__sc_rec(&w->b->funcs, (uint32_t)i);
	v[NSYM_SC_FUNC_NAME] = w->ref[f[SCB_FUNC_NAME]];
	v[NSYM_SC_FUNC_LINKAGE] = ref_or_none(w, f[SCB_FUNC_LINKAGE]);
	v[NSYM_SC_FUNC_DWARF_NAME] = ref_or_none(w, f[SCB_FUNC_DWARF_NAME]);
	v[NSYM_SC_FUNC_BASE_LINE] = w->func_line[i];
	v[NSYM_SC_FUNC_FILE] = w->func_file[i];
}

static void file_fields(const struct writer *w, size_t i, uint32_t *v)
{
	v[0] = w->ref[nsym__sc_rec(&w->b->files, (uint32_t)i)[0]];
}

static int put_tables(struct writer *w)
{
	const struct nsym_sc_builder *b = w->b;
	int rc;

	put_u32s(w, NSYM_SC_BLOCKS, w->blocks, 2 * w->nblocks + 2);
	w->h.t[NSYM_SC_BLOCKS].count = w->nblocks;
	put_bytes_table(w, NSYM_SC_BLOCK_DATA, &w->block_data);
	if ((rc = put_packed(w, NSYM_SC_JOINT, w->joint.ncoded, 2, joint_fields)) != 0 ||
	    (rc = put_packed(w, NSYM_SC_PAIRS0, w->pairs[0].ncoded, 2, recent_pair_fields)) != 0 ||
	    (rc = put_packed(w, NSYM_SC_PAIRS1, w->pairs[1].ncoded, 2, base_pair_fields)) != 0 ||
	    (rc = choose_caller_bits(w)) != 0 ||
	    (rc = put_packed_min(w, NSYM_SC_SCOPES, b->scopes.n, 3, scope_fields,
	                         (const uint8_t[]){0, 0, (uint8_t)w->caller_bits})) != 0)
		return rc;
	begin_table(w, NSYM_SC_CALLERS);
	put(&w->data, w->callers, w->ncallers * 8);
	end_table(w, NSYM_SC_CALLERS, w->ncallers);
	if ((rc = put_packed(w, NSYM_SC_ROOTS, b->roots.n, 3, root_fields)) != 0 ||
	    (rc = put_packed(w, NSYM_SC_CALLS, b->calls.n, 4, call_fields)) != 0 ||
	    (rc = put_packed(w, NSYM_SC_FUNCS, b->funcs.n, 5, func_fields)) != 0 ||
	    (rc = put_packed(w, NSYM_SC_FILES, b->files.n, 1, file_fields)) != 0)
		return rc;
	put_u32s(w, NSYM_SC_SYMS, w->syms, 2 * w->nsymblocks + 2);
	w->h.t[NSYM_SC_SYMS].count = w->nsymblocks;
	put_bytes_table(w, NSYM_SC_SYM_DATA, &w->sym_data);
	if ((rc = put_packed(w, NSYM_SC_STR_OFF, w->nstrblocks + 1, 1, str_off_fields)) != 0 ||
	    (rc = put_packed(w, NSYM_SC_STR_SIZE, w->nstrblocks, 1, str_size_fields)) != 0)
		return rc;
	put_bytes_table(w, NSYM_SC_STR_DATA, &w->str_data);
	put_zeros(&w->data, (8 - w->data.len % 8) % 8);
	return w->data.failed ? buf_error(&w->data) : 0;
}

/* ---- the file ----------------------------------------------------------- */

static int write_all(int fd, const void *p, size_t n)
{
	const uint8_t *c = p;
	while (n > 0) {
		ssize_t k = write(fd, c, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		c += k;
		n -= (size_t)k;
	}
	return 0;
}

/* The header and the chunk CRCs, then the tables, into a file beside path
 * renamed over it. */
static int write_file(struct writer *w, const char *path)
{
	static atomic_uint serial;
	struct nsym_sc_header *h = &w->h;
	uint64_t nchunks = (w->data.len + NSYM_SC_CHUNK - 1) / NSYM_SC_CHUNK;
	uint32_t *crc = malloc((nchunks ? nchunks : 1) * sizeof(*crc));
	size_t crc_size = nchunks * sizeof(*crc);
	char tmp[4200];
	int fd, rc = 0, err = 0;

	if (crc == NULL)
		return nsym__fail(NSYM_ENOMEM, NULL, NULL);
	h->data_off = (sizeof(*h) + crc_size + 7) & ~(uint64_t)7;
	h->nchunks = nchunks;
	h->file_size = h->data_off + w->data.len;
	for (size_t i = 0; i < NSYM_SC_NTABLES; i++)
		h->t[i].off += h->data_off;
	for (uint64_t i = 0; i < nchunks; i++) {
		size_t at = i * NSYM_SC_CHUNK;
		size_t n = w->data.len - at < NSYM_SC_CHUNK ? w->data.len - at : NSYM_SC_CHUNK;
		crc[i] = libdeflate_crc32(0, w->data.p + at, n);
	}
	h->crc = 0;
	h->crc = libdeflate_crc32(libdeflate_crc32(0, h, sizeof(*h)), crc, crc_size);

	/* unique among this process's threads and other processes */
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld.%u", path, (long)getpid(),
	                     atomic_fetch_add(&serial, 1)) >= sizeof(tmp)) {
		free(crc);
		return nsym__fail(NSYM_EINVAL, path, "path is too long");
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = errno;
		free(crc);
		return nsym__fail(err == ENOSPC ? NSYM_ENOSPC : NSYM_EIO, tmp, "cannot create: %s",
		                  strerror(err));
	}
	errno = 0;
	if (write_all(fd, h, sizeof(*h)) != 0 || write_all(fd, crc, crc_size) != 0 ||
	    write_all(fd, "\0\0\0\0\0\0\0", h->data_off - sizeof(*h) - crc_size) != 0 ||
	    write_all(fd, w->data.p, w->data.len) != 0)
		err = errno != 0 ? errno : EIO;
	if (close(fd) != 0 && err == 0)
		err = errno;
	if (err == 0 && rename(tmp, path) != 0)
		err = errno;
	if (err != 0) {
		unlink(tmp);
		rc = nsym__fail(err == ENOSPC ? NSYM_ENOSPC : NSYM_EIO, path,
		                "cannot write the symcache: %s", strerror(err));
	}
	free(crc);
	return rc;
}

static void writer_free(struct writer *w)
{
	dict_free(&w->pairs[0]);
	dict_free(&w->pairs[1]);
	dict_free(&w->joint);
	free(w->callers);
	free(w->data.p);
	free(w->scope_new);
	free(w->scope_old);
	free(w->func_line);
	free(w->func_file);
	free(w->ref);
	free(w->blocks);
	free(w->syms);
	free(w->str_off);
	free(w->str_size);
	free(w->block_data.p);
	free(w->sym_data.p);
	free(w->str_data.p);
}

int nsym__sc_builder_write(struct nsym_sc_builder *b, const char *path,
                           const struct nsym_sc_identity *id)
{
	struct writer w = {.b = b};
	int rc;

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
	return nsym__fail(NSYM_EUNSUPPORTED, path, "symcaches are written on little-endian hosts");
#endif
	if (id->id_len == 0 || id->id_len > NSYM_BUILD_ID_MAX)
		return nsym__fail(NSYM_EINVAL, path, "no identity to key the symcache by");
	memcpy(w.h.magic, NSYM_SC_MAGIC, 8);
	w.h.version = NSYM_SC_VERSION;
	w.h.header_size = sizeof(w.h);
	memcpy(w.h.id, id->id, id->id_len);
	w.h.id_len = (uint32_t)id->id_len;
	w.h.image_base = id->image_base;
	sort_ranges(b);
	rc = address_span(&w, path);
	w.h.base = w.base;
	if (rc == 0)
		rc = number_scopes(&w);
	if (rc == 0)
		rc = encode_ranges(&w);
	if (rc == 0)
		rc = encode_strings(&w);
	if (rc == 0)
		rc = encode_symbols(&w);
	if (rc == 0)
		rc = put_tables(&w);
	if (rc == 0)
		rc = write_file(&w, path);
	else if (rc == NSYM_ENOMEM)
		nsym__fail(rc, path, NULL);
	writer_free(&w);
	return rc;
}
