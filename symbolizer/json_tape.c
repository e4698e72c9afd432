/*
 * A tape of JSON (napi_symbols_json.h): the pull reader's values kept in
 * one growing array, so that a reader written against a tree (the v5
 * request's, which checks in Eliot's order) looks members up as it would
 * in jansson's, with one allocation where jansson made one per value.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "napi_symbols_json.h"

struct build {
	struct nsym_json_tape *t;
	struct nsym_jp jp;
	bool out_of_memory;
};

/* A new node at the end, or -1 (out of memory). */
static long push(struct build *b, const struct nsym_jp_value *v)
{
	struct nsym_json_tape *t = b->t;

	if (t->count == t->cap &&
	    nsym__grow((void **)&t->nodes, &t->cap, t->count + 1, sizeof(*t->nodes)) != 0) {
		b->out_of_memory = true;
		return -1;
	}
	memset(&t->nodes[t->count], 0, sizeof(t->nodes[0]));
	t->nodes[t->count].v = *v;
	return (long)t->count++;
}

/* v (read) and what it holds onto the tape: 0 or -1. The depth is the
 * pull reader's to bound. */
static int value(struct build *b, const struct nsym_jp_value *v)
{
	struct nsym_jp_value inner;
	struct nsym_jp_value name = {.kind = NSYM_JP_STRING};
	long at = push(b, v);
	bool first = true;
	size_t size = 0;
	int rc = 0;

	if (at < 0)
		return -1;
	if (v->kind == NSYM_JP_OBJECT)
		while ((rc = nsym_jp_member(&b->jp, &first, &name.text)) > 0) {
			if (push(b, &name) < 0)
				return -1;
			b->t->nodes[b->t->count - 1].next = b->t->count;
			if (nsym_jp_value(&b->jp, &inner) != 0 || value(b, &inner) != 0)
				return -1;
			size++;
		}
	else if (v->kind == NSYM_JP_ARRAY)
		while ((rc = nsym_jp_item(&b->jp, &first)) > 0) {
			if (nsym_jp_value(&b->jp, &inner) != 0 || value(b, &inner) != 0)
				return -1;
			size++;
		}
	if (rc < 0)
		return -1;
	b->t->nodes[at].size = size;
	b->t->nodes[at].next = b->t->count;
	return 0;
}

int nsym_json_tape_read(struct nsym_json_tape *tape, const char *text, size_t len,
                        unsigned max_depth)
{
	struct build b = {.t = tape};
	struct nsym_jp_value v;

	memset(tape, 0, sizeof(*tape));
	nsym_jp_start(&b.jp, text, len, max_depth);
	if (nsym_jp_value(&b.jp, &v) == 0 && value(&b, &v) == 0 && nsym_jp_end(&b.jp) == 0)
		return 0;
	if (b.out_of_memory)
		return NSYM_ENOMEM;
	memcpy(tape->why, b.jp.why, sizeof(tape->why));
	return NSYM_EINVAL;
}

void nsym_json_tape_free(struct nsym_json_tape *tape)
{
	if (tape == NULL)
		return;
	free(tape->nodes);
	memset(tape, 0, sizeof(*tape));
}

size_t nsym_json_get(const struct nsym_json_tape *tape, size_t at, const char *key)
{
	const struct nsym_json_node *n = tape->nodes;
	size_t found = 0, name = at + 1;

	if (at >= tape->count || n[at].v.kind != NSYM_JP_OBJECT)
		return 0;
	for (size_t i = 0; i < n[at].size; i++) {
		if (nsym_jp_is(&n[name].v.text, key))
			found = name + 1;
		name = n[name + 1].next;
	}
	return found;
}
