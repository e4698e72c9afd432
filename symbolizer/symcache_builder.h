/*
 * What the symcache builder holds between taking ranges (symcache_build.c)
 * and writing the file (symcache_write.c): every string, function, place of
 * inlining and scope interned once, and the ranges pointing at them. Ids
 * here are the builder's; writing renumbers what the format orders.
 */
#ifndef NSYM_SYMCACHE_BUILDER_H
#define NSYM_SYMCACHE_BUILDER_H

#include "symcache.h"

/* Interned records of `words` uint32_t words each, numbered as added. */
struct nsym_sc_recset {
	uint32_t *recs;
	size_t words, n, cap;
	uint32_t *slots; /* id + 1; 0 is empty */
	size_t nslots;
};

/* Records of the sets below, word by word. */
enum { SCB_FUNC_NAME, SCB_FUNC_LINKAGE, SCB_FUNC_DWARF_NAME, SCB_FUNC_WORDS };
enum { SCB_ROOT_FUNC, SCB_ROOT_HAS_ENTRY, SCB_ROOT_ENTRY_LO, SCB_ROOT_ENTRY_HI, SCB_ROOT_WORDS };
enum { SCB_CALL_FUNC, SCB_CALL_FILE, SCB_CALL_LINE, SCB_CALL_COLUMN, SCB_CALL_WORDS };
enum { SCB_SCOPE_KIND, SCB_SCOPE_ID, SCB_SCOPE_CALLER, SCB_SCOPE_WORDS };

struct nsym_sc_range {
	uint64_t addr;
	uint32_t scope; /* innermost, or NSYM_SC_NONE for a gap */
	uint32_t file;  /* index into files */
	uint32_t line, column;
	uint32_t seq; /* order added: the first wins at one address */
};

struct nsym_sc_symbol {
	uint64_t addr, extent;
	uint32_t name, linkage, file; /* string ids; file NSYM_SC_NONE for none */
};

/* A string the builder has seen at this address (in this generation). */
struct nsym_sc_memo {
	const char *ptr;
	uint32_t id;
	uint32_t generation;
};

struct nsym_sc_builder {
	/* strings: the bytes of each, NUL-terminated, one after another */
	char *bytes;
	size_t nbytes, bytes_cap;
	uint32_t *str_off; /* string id -> offset in bytes */
	uint8_t *str_hot;  /* 1: a plain lookup prints it */
	size_t nstr, str_cap, hot_cap;
	uint32_t *str_slots; /* id + 1 */
	size_t str_nslots;
	struct nsym_sc_memo *memo;
	uint32_t generation;

	struct nsym_sc_recset files;  /* {string id} */
	struct nsym_sc_recset funcs;  /* SCB_FUNC_*: string ids, NONE for none */
	struct nsym_sc_recset roots;  /* SCB_ROOT_*: func, entry */
	struct nsym_sc_recset calls;  /* SCB_CALL_*: func inlined at file:line:column */
	struct nsym_sc_recset scopes; /* SCB_SCOPE_*: kind 0 root, 1 call; caller or NONE */

	struct nsym_sc_range *ranges;
	size_t nranges, ranges_cap;
	struct nsym_sc_symbol *syms;
	size_t nsyms;
};

/* The id of rec in s, added if new (ids stay below NSYM_SC_NONE); or
 * found only. */
int nsym__sc_recset_add(uint32_t *out, struct nsym_sc_recset *s, const uint32_t *rec);
bool nsym__sc_recset_find(uint32_t *out, const struct nsym_sc_recset *s, const uint32_t *rec);

/* The record of id in set s. */
static inline const uint32_t *nsym__sc_rec(const struct nsym_sc_recset *s, uint32_t id)
{
	return &s->recs[(size_t)id * s->words];
}

#endif
