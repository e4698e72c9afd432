/*
 * Taking a symcache's contents in, whatever container they came from
 * (symcache.h): ranges of addresses with the frames a lookup gives there,
 * and a symbol table. Each frame chain is interned from the outside in:
 * strings, functions (by their names), roots (a function not inlined, with
 * its entry), calls (a function inlined at a file, line and column) and
 * scopes (a root or call with the scope it sits in), each stored once, so
 * that the many ranges of one inlined instance share its chain. Writing the
 * file is symcache_write.c's.
 */
#include <stdlib.h>
#include <string.h>

#include "symcache_builder.h"

/* Names and paths reach the builder as the same few pointers over and over
 * (into .debug_str, a unit's name cache, its file table): remembering the
 * id per pointer skips hashing their contents again. */
#define MEMO_SIZE 65536

int nsym__sc_builder_new(struct nsym_sc_builder **out)
{
	struct nsym_sc_builder *b = calloc(1, sizeof(*b));

	*out = NULL;
	if (b == NULL || (b->memo = calloc(MEMO_SIZE, sizeof(*b->memo))) == NULL) {
		free(b);
		return nsym__fail(NSYM_ENOMEM, NULL, NULL);
	}
	b->files.words = 1;
	b->funcs.words = SCB_FUNC_WORDS;
	b->roots.words = SCB_ROOT_WORDS;
	b->calls.words = SCB_CALL_WORDS;
	b->scopes.words = SCB_SCOPE_WORDS;
	*out = b;
	return 0;
}

static void recset_free(struct nsym_sc_recset *s)
{
	free(s->recs);
	free(s->slots);
}

void nsym__sc_builder_free(struct nsym_sc_builder *b)
{
	if (b == NULL)
		return;
	free(b->bytes);
	free(b->str_off);
	free(b->str_hot);
	free(b->str_slots);
	free(b->memo);
	recset_free(&b->files);
	recset_free(&b->funcs);
	recset_free(&b->roots);
	recset_free(&b->calls);
	recset_free(&b->scopes);
	free(b->ranges);
	free(b->syms);
	free(b);
}

static uint64_t mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * UINT64_C(0xff51afd7ed558ccd);
	return h ^ (h >> 29);
}

static uint64_t hash_words(const uint32_t *w, size_t n)
{
	uint64_t h = UINT64_C(0x9e3779b97f4a7c15);
	for (size_t i = 0; i < n; i++)
		h = mix(h, w[i]);
	return h;
}

/* Eight bytes at a time: names are long (Rust's run to kilobytes). */
static uint64_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325) ^ n, w;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		h = mix(h, w);
	}
	w = 0;
	memcpy(&w, s + i, n - i);
	return mix(h, w);
}

/* Doubles a table of slots (id + 1) and puts every id back by its hash. */
static int rehash(uint32_t **slots, size_t *nslots, size_t n,
                  uint64_t (*hash_of)(const void *ctx, uint32_t id), const void *ctx)
{
	size_t cap = *nslots ? *nslots * 2 : 4096;
	uint32_t *t = calloc(cap, sizeof(*t));

	if (t == NULL)
		return nsym__fail(NSYM_ENOMEM, NULL, NULL);
	for (size_t id = 0; id < n; id++) {
		size_t j = hash_of(ctx, (uint32_t)id) & (cap - 1);
		while (t[j] != 0)
			j = (j + 1) & (cap - 1);
		t[j] = (uint32_t)id + 1;
	}
	free(*slots);
	*slots = t;
	*nslots = cap;
	return 0;
}

static uint64_t rec_hash(const void *ctx, uint32_t id)
{
	const struct nsym_sc_recset *s = ctx;
	return hash_words(nsym__sc_rec(s, id), s->words);
}

bool nsym__sc_recset_find(uint32_t *out, const struct nsym_sc_recset *s, const uint32_t *rec)
{
	uint64_t h = hash_words(rec, s->words);

	for (size_t j = h & (s->nslots - 1); s->nslots > 0 && s->slots[j] != 0;
	     j = (j + 1) & (s->nslots - 1)) {
		uint32_t id = s->slots[j] - 1;
		if (memcmp(nsym__sc_rec(s, id), rec, s->words * 4) == 0) {
			*out = id;
			return true;
		}
	}
	return false;
}

int nsym__sc_recset_add(uint32_t *out, struct nsym_sc_recset *s, const uint32_t *rec)
{
	uint64_t h = hash_words(rec, s->words);
	size_t j;
	int rc;

	if ((s->n + 1) * 2 > s->nslots &&
	    (rc = rehash(&s->slots, &s->nslots, s->n, rec_hash, s)) != 0)
		return rc;
	for (j = h & (s->nslots - 1); s->slots[j] != 0; j = (j + 1) & (s->nslots - 1)) {
		uint32_t id = s->slots[j] - 1;
		if (memcmp(nsym__sc_rec(s, id), rec, s->words * 4) == 0) {
			*out = id;
			return 0;
		}
	}
	if (s->n >= NSYM_SC_NONE - 1)
		return nsym__fail(NSYM_EUNSUPPORTED, NULL, "too many records for a symcache");
	if (nsym__grow((void **)&s->recs, &s->cap, (s->n + 1) * s->words, 4) != 0)
		return NSYM_ENOMEM;
	memcpy(&s->recs[s->n * s->words], rec, s->words * 4);
	s->slots[j] = (uint32_t)s->n + 1;
	*out = (uint32_t)s->n++;
	return 0;
}

static uint64_t str_hash(const void *ctx, uint32_t id)
{
	const struct nsym_sc_builder *b = ctx;
	const char *s = b->bytes + b->str_off[id];
	return hash_bytes(s, strlen(s));
}

/* The id of the string's contents, added if new; marked hot when a plain
 * lookup prints it. */
static int add_contents(uint32_t *out, struct nsym_sc_builder *b, const char *s, bool hot)
{
	size_t len = strlen(s);
	uint64_t h = hash_bytes(s, len);
	size_t j;
	int rc;

	if ((b->nstr + 1) * 2 > b->str_nslots &&
	    (rc = rehash(&b->str_slots, &b->str_nslots, b->nstr, str_hash, b)) != 0)
		return rc;
	for (j = h & (b->str_nslots - 1); b->str_slots[j] != 0; j = (j + 1) & (b->str_nslots - 1)) {
		uint32_t id = b->str_slots[j] - 1;
		if (strcmp(b->bytes + b->str_off[id], s) == 0) {
			b->str_hot[id] |= hot;
			*out = id;
			return 0;
		}
	}
	if (b->nbytes + len + 1 > UINT32_MAX || b->nstr >= NSYM_SC_NONE - 1)
		return nsym__fail(NSYM_EUNSUPPORTED, NULL, "too many strings for a symcache");
	if (nsym__grow((void **)&b->bytes, &b->bytes_cap, b->nbytes + len + 1, 1) != 0 ||
	    nsym__grow((void **)&b->str_off, &b->str_cap, b->nstr + 1, sizeof(*b->str_off)) != 0 ||
	    nsym__grow((void **)&b->str_hot, &b->hot_cap, b->nstr + 1, 1) != 0)
		return NSYM_ENOMEM;
	memcpy(b->bytes + b->nbytes, s, len + 1);
	b->str_off[b->nstr] = (uint32_t)b->nbytes;
	b->str_hot[b->nstr] = hot;
	b->nbytes += len + 1;
	b->str_slots[j] = (uint32_t)b->nstr + 1;
	*out = (uint32_t)b->nstr++;
	return 0;
}

static int add_string(uint32_t *out, struct nsym_sc_builder *b, const char *s, bool hot)
{
	uintptr_t p = (uintptr_t)s;
	struct nsym_sc_memo *m = &b->memo[((p >> 3) ^ (p >> 19)) & (MEMO_SIZE - 1)];
	int rc;

	if (m->ptr == s && m->generation == b->generation) {
		*out = m->id;
		b->str_hot[m->id] |= hot;
		return 0;
	}
	rc = add_contents(out, b, s, hot);
	if (rc == 0)
		*m = (struct nsym_sc_memo){s, *out, b->generation};
	return rc;
}

void nsym__sc_builder_strings_released(struct nsym_sc_builder *b)
{
	b->generation++;
}

static int add_file(uint32_t *out, struct nsym_sc_builder *b, const char *path)
{
	uint32_t s;
	int rc = add_string(&s, b, path, true);
	return rc != 0 ? rc : nsym__sc_recset_add(out, &b->files, &s);
}

static int add_func(uint32_t *out, struct nsym_sc_builder *b, const struct nsym_frame *f)
{
	uint32_t rec[SCB_FUNC_WORDS] = {0, NSYM_SC_NONE, NSYM_SC_NONE};
	int rc = add_string(&rec[SCB_FUNC_NAME], b, f->function, true);

	if (rc == 0 && f->linkage_name != NULL)
		rc = add_string(&rec[SCB_FUNC_LINKAGE], b, f->linkage_name, false);
	if (rc == 0 && f->dwarf_name != NULL)
		rc = add_string(&rec[SCB_FUNC_DWARF_NAME], b, f->dwarf_name, false);
	return rc != 0 ? rc : nsym__sc_recset_add(out, &b->funcs, rec);
}

/* The scope of frames[i] within `caller` (NONE for the outermost). */
static int add_scope(uint32_t *out, struct nsym_sc_builder *b, uint64_t addr,
                     const struct nsym_frame *frames, size_t count, size_t i, uint32_t caller)
{
	const struct nsym_frame *f = &frames[i];
	uint32_t func, scope[SCB_SCOPE_WORDS] = {0, 0, caller};
	int rc = add_func(&func, b, f);

	if (rc == 0 && f->inlined) {
		/* where it was inlined: the location of the frame it was
		 * inlined into, if the chain goes on */
		uint32_t call[SCB_CALL_WORDS] = {func, 0, 0, 0};
		if (i + 1 < count) {
			rc = add_file(&call[SCB_CALL_FILE], b, frames[i + 1].file);
			call[SCB_CALL_LINE] = frames[i + 1].line;
			call[SCB_CALL_COLUMN] = frames[i + 1].column;
		}
		scope[SCB_SCOPE_KIND] = 1;
		if (rc == 0)
			rc = nsym__sc_recset_add(&scope[SCB_SCOPE_ID], &b->calls, call);
	} else if (rc == 0) {
		/* an unnamed function has no entry to measure offsets from */
		bool named = strcmp(f->function, "??") != 0;
		uint64_t entry = named ? addr - f->symbol_offset : 0;
		uint32_t root[SCB_ROOT_WORDS] = {func, named, (uint32_t)entry,
		                                 (uint32_t)(entry >> 32)};
		scope[SCB_SCOPE_KIND] = 0;
		rc = nsym__sc_recset_add(&scope[SCB_SCOPE_ID], &b->roots, root);
	}
	return rc != 0 ? rc : nsym__sc_recset_add(out, &b->scopes, scope);
}

int nsym__sc_builder_add_range(struct nsym_sc_builder *b, uint64_t addr,
                               const struct nsym_frame *frames, size_t count)
{
	struct nsym_sc_range r = {.addr = addr, .scope = NSYM_SC_NONE, .seq = (uint32_t)b->nranges};
	int rc = 0;

	for (size_t i = count; i-- > 0 && rc == 0;)
		rc = add_scope(&r.scope, b, addr, frames, count, i, r.scope);
	if (rc == 0 && count > 0) {
		rc = add_file(&r.file, b, frames[0].file);
		r.line = frames[0].line;
		r.column = frames[0].column;
	}
	if (rc != 0)
		return rc;
	/* the same frames as the range before: one range (a unit's sweep
	 * meets every row and scope boundary, most of which change nothing) */
	if (b->nranges > 0) {
		const struct nsym_sc_range *last = &b->ranges[b->nranges - 1];
		if (last->scope == r.scope && last->file == r.file && last->line == r.line &&
		    last->column == r.column && last->addr <= addr)
			return 0;
	}
	if (b->nranges >= UINT32_MAX)
		return nsym__fail(NSYM_EUNSUPPORTED, NULL, "too many ranges for a symcache");
	if (nsym__grow((void **)&b->ranges, &b->ranges_cap, b->nranges + 1, sizeof(*b->ranges)) !=
	    0)
		return NSYM_ENOMEM;
	b->ranges[b->nranges++] = r;
	return 0;
}

int nsym__sc_builder_add_symbols(struct nsym_sc_builder *b, struct nsym_symtab *st)
{
	free(b->syms);
	b->nsyms = 0;
	b->syms = calloc(st->count ? st->count : 1, sizeof(*b->syms));
	if (b->syms == NULL)
		return nsym__fail(NSYM_ENOMEM, NULL, NULL);
	for (size_t i = 0; i < st->count; i++) {
		const struct nsym_sym *s = &st->syms[i];
		struct nsym_sc_symbol *o;
		char *demangled;
		int rc;

		/* a lookup takes the last symbol at an address (see
		 * nsym__symtab_find): the others can never answer */
		if (i + 1 < st->count && st->syms[i + 1].addr == s->addr)
			continue;
		o = &b->syms[b->nsyms++];
		o->addr = s->addr;
		o->extent = s->size != 0 ? s->size : s->limit > s->addr ? s->limit - s->addr : 0;
		o->file = NSYM_SC_NONE;
		/* a name shown as the source already has it (a PDB's public) */
		demangled = s->demangled == NULL ? nsym_demangle(s->name) : NULL;
		/* not add_string: the demangled copy is freed, and its address
		 * will come back for another string */
		rc = add_contents(&o->name, b,
		                  s->demangled != NULL ? s->demangled
		                  : demangled != NULL  ? demangled
		                                       : s->name,
		                  true);
		free(demangled);
		if (rc == 0)
			rc = add_string(&o->linkage, b, s->name, true);
		if (rc == 0 && s->file != NULL)
			rc = add_string(&o->file, b, s->file, true);
		if (rc != 0)
			return rc;
	}
	return 0;
}
