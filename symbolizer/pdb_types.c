/*
 * Inlinee names from the IPI stream, as llvm-symbolizer forms them
 * (NativeInlineSiteSymbol::getName): an S_INLINESITE names an item, an
 * LF_FUNC_ID (its parent scope, an LF_STRING_ID such as "ns", then its
 * name: "ns::f") or an LF_MFUNC_ID (its class, a record of the TPI stream,
 * then its name: "Class::f").
 *
 * TPI and IPI share a layout (LLVM's docs/PDB/TpiStream.rst): a header,
 * then variable-length records numbered from TypeIndexBegin (0x1000). A
 * record is found by walking from the nearest (index, offset) hint of the
 * stream's hash stream, which lists one every few kilobytes, so a lookup
 * reads a few records rather than the stream.
 */
#include <stdlib.h>
#include <string.h>

#include "pdb_internal.h"

#define TYPES_HEADER_SIZE 56
#define RECORD_MAX        0xffff
#define WALK_MAX          (1u << 20) /* records walked for one lookup, at most */

#define LF_CLASS     0x1504
#define LF_STRUCTURE 0x1505
#define LF_UNION     0x1506
#define LF_INTERFACE 0x1519
#define LF_FUNC_ID   0x1601
#define LF_MFUNC_ID  0x1602
#define LF_STRING_ID 0x1605

/* Reads a type stream's header and its hints; a stream that is absent or
 * damaged is left absent: names are then "??", the lines still answer. */
static void open_types(struct nsym_pdb_types *t, const struct nsym_pdb *pdb, uint32_t index,
                       const char *what)
{
	unsigned char h[TYPES_HEADER_SIZE];
	struct nsym_msf_stream hash;
	uint32_t header_size, hash_index, hints_at, hints_size;

	memset(t, 0, sizeof(*t));
	if (nsym__msf_stream(&t->s, &pdb->msf, index, what) != 0 ||
	    !nsym__msf_read(h, &t->s, 0, sizeof(h)))
		return;
	header_size = nsym__le32(h + 4);
	t->begin = nsym__le32(h + 8);
	t->end = nsym__le32(h + 12);
	t->records_size = nsym__le32(h + 16);
	if (header_size < TYPES_HEADER_SIZE || header_size > t->s.size ||
	    t->records_size > t->s.size - header_size || t->end < t->begin)
		return;
	t->records_at = header_size;
	t->present = true;
	hash_index = nsym__le16(h + 20);
	hints_at = nsym__le32(h + 40);
	hints_size = nsym__le32(h + 44);
	if (hash_index == 0xffff || hints_size < 8 ||
	    nsym__msf_stream(&hash, &pdb->msf, hash_index, "type hash stream") != 0 ||
	    hints_at > hash.size || hints_size > hash.size - hints_at)
		return; /* no hints (or damaged ones): lookups walk from the start */
	t->hints = malloc(hints_size / 8 * 8);
	if (t->hints == NULL)
		return; /* no hints: lookups walk from the start */
	if (!nsym__msf_read(t->hints, &hash, hints_at, hints_size / 8 * 8)) {
		free(t->hints);
		t->hints = NULL;
		return;
	}
	t->nhints = hints_size / 8;
	/* the words as stored are little-endian */
	for (size_t i = 0; i < 2 * t->nhints; i++)
		t->hints[i] = nsym__le32((const unsigned char *)&t->hints[i]);
}

/*
 * The record of type index ti: its kind and up to `cap` bytes of it after
 * the kind, copied into buf. False when the stream does not hold it.
 */
static bool type_record(uint16_t *out_kind, size_t *out_len, unsigned char *buf, size_t cap,
                        const struct nsym_pdb_types *t, uint32_t ti)
{
	uint32_t at = 0, index = t->begin;
	size_t lo = 0, hi = t->nhints;
	unsigned char h[4];

	if (!t->present || ti < t->begin || ti >= t->end)
		return false;
	/* the last hint at or before ti, if its offset is sane */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->hints[2 * mid] <= ti)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0 && t->hints[2 * (lo - 1)] >= t->begin &&
	    t->hints[2 * (lo - 1) + 1] < t->records_size) {
		index = t->hints[2 * (lo - 1)];
		at = t->hints[2 * (lo - 1) + 1];
	}
	for (uint32_t walked = 0; walked < WALK_MAX; walked++) {
		uint16_t len;
		if (at > t->records_size - 4 || t->records_size < 4 ||
		    !nsym__msf_read(h, &t->s, t->records_at + (uint64_t)at, 4))
			return false;
		len = nsym__le16(h);
		if (len < 2 || len > t->records_size - at - 2)
			return false;
		if (index == ti) {
			size_t n = (size_t)len - 2 < cap ? (size_t)len - 2 : cap;
			*out_kind = nsym__le16(h + 2);
			*out_len = n;
			return nsym__msf_read(buf, &t->s, t->records_at + (uint64_t)at + 4, n);
		}
		at += 2 + (uint32_t)len;
		index++;
	}
	return false;
}

/* A NUL-terminated name at `at` of a record of `len` bytes, or NULL. */
static const char *name_at(const unsigned char *rec, size_t len, size_t at)
{
	if (at >= len || memchr(rec + at, '\0', len - at) == NULL)
		return NULL;
	return (const char *)rec + at;
}

/* Bytes of a numeric leaf (LLVM's CodeView numeric encoding) at `at`, or 0
 * when it cannot be read. */
static size_t numeric_size(const unsigned char *rec, size_t len, size_t at)
{
	uint16_t v;

	if (at + 2 > len)
		return 0;
	v = nsym__le16(rec + at);
	if (v < 0x8000)
		return 2;
	switch (v) {
	case 0x8000: /* LF_CHAR */
		return 3;
	case 0x8001: /* LF_SHORT */
	case 0x8002: /* LF_USHORT */
		return 4;
	case 0x8003: /* LF_LONG */
	case 0x8004: /* LF_ULONG */
		return 6;
	case 0x8009: /* LF_QUADWORD */
	case 0x800a: /* LF_UQUADWORD */
		return 10;
	}
	return 0;
}

/* The name of a class, structure, union or interface of the TPI stream. */
static const char *class_name(unsigned char *buf, size_t cap, const struct nsym_pdb *pdb,
                              uint32_t ti)
{
	uint16_t kind;
	size_t len, at, n;

	if (!type_record(&kind, &len, buf, cap - 1, &pdb->tpi, ti))
		return NULL;
	buf[len] = '\0';
	if (kind == LF_CLASS || kind == LF_STRUCTURE || kind == LF_INTERFACE)
		at = 16; /* count, properties, field list, derived, vshape */
	else if (kind == LF_UNION)
		at = 8; /* count, properties, field list */
	else
		return NULL;
	n = numeric_size(buf, len, at);
	return n > 0 ? name_at(buf, len + 1, at + n) : NULL;
}

/* The name of an LF_STRING_ID or LF_FUNC_ID item, or NULL. */
static const char *item_name(unsigned char *buf, size_t cap, const struct nsym_pdb *pdb,
                             uint32_t id)
{
	uint16_t kind;
	size_t len;

	if (!type_record(&kind, &len, buf, cap - 1, &pdb->ipi, id))
		return NULL;
	buf[len] = '\0';
	if (kind == LF_STRING_ID)
		return name_at(buf, len + 1, 4);
	if (kind == LF_FUNC_ID || kind == LF_MFUNC_ID)
		return name_at(buf, len + 1, 8);
	return NULL;
}

/* Computes the name; *out NULL when the item cannot be read. */
static int compute_name(char **out, struct nsym_pdb *pdb, uint32_t id)
{
	unsigned char *rec = malloc(2 * (RECORD_MAX + 1)), *scope;
	const char *name, *prefix = NULL;
	uint16_t kind;
	size_t len;

	*out = NULL;
	if (rec == NULL)
		return NSYM_ENOMEM;
	scope = rec + RECORD_MAX + 1;
	if (!type_record(&kind, &len, rec, RECORD_MAX, &pdb->ipi, id) ||
	    (kind != LF_FUNC_ID && kind != LF_MFUNC_ID) || len < 8) {
		free(rec);
		return 0;
	}
	rec[len] = '\0';
	name = name_at(rec, len + 1, 8);
	if (kind == LF_MFUNC_ID) {
		prefix = class_name(scope, RECORD_MAX + 1, pdb, nsym__le32(rec));
		if (prefix == NULL)
			prefix = "??";
	} else if (nsym__le32(rec) != 0) {
		/* a FUNC_ID's scope is an item: its string, or a FUNC_ID */
		prefix = item_name(scope, RECORD_MAX + 1, pdb, nsym__le32(rec));
		if (prefix == NULL)
			prefix = "??";
	}
	if (name != NULL) {
		size_t plen = prefix != NULL ? strlen(prefix) + 2 : 0, nlen = strlen(name);
		*out = malloc(plen + nlen + 1);
		if (*out != NULL) {
			if (prefix != NULL) {
				memcpy(*out, prefix, plen - 2);
				memcpy(*out + plen - 2, "::", 2);
			}
			memcpy(*out + plen, name, nlen + 1);
		}
	}
	free(rec);
	return name != NULL && *out == NULL ? NSYM_ENOMEM : 0;
}

static size_t slot_of(uint32_t id, size_t cap)
{
	return (size_t)(id * UINT32_C(2654435761)) & (cap - 1);
}

/* Makes room in the open-addressing table of names. */
static int grow_names(struct nsym_pdb *pdb)
{
	size_t cap = pdb->inline_names_cap ? pdb->inline_names_cap * 2 : 256;
	struct nsym_pdb_name *t = calloc(cap, sizeof(*t));

	if (t == NULL)
		return NSYM_ENOMEM;
	for (size_t i = 0; i < pdb->inline_names_cap; i++) {
		const struct nsym_pdb_name *e = &pdb->inline_names[i];
		size_t j;
		if (e->name == NULL)
			continue;
		for (j = slot_of(e->id, cap); t[j].name != NULL; j = (j + 1) & (cap - 1))
			;
		t[j] = *e;
	}
	free(pdb->inline_names);
	pdb->inline_names = t;
	pdb->inline_names_cap = cap;
	return 0;
}

int nsym__pdb_inlinee_name(const char **out, struct nsym_pdb *pdb, uint32_t id)
{
	char *name;
	size_t j;
	int rc;

	*out = NULL;
	if (pdb->types_state == 0) {
		open_types(&pdb->ipi, pdb, NSYM_PDB_STREAM_IPI, "IPI stream");
		open_types(&pdb->tpi, pdb, NSYM_PDB_STREAM_TPI, "TPI stream");
		pdb->types_state = 1;
	}
	if (pdb->inline_names_cap > 0) {
		for (j = slot_of(id, pdb->inline_names_cap); pdb->inline_names[j].name != NULL;
		     j = (j + 1) & (pdb->inline_names_cap - 1)) {
			if (pdb->inline_names[j].id == id) {
				*out = pdb->inline_names[j].name;
				return 0;
			}
		}
	}
	rc = compute_name(&name, pdb, id);
	if (rc != 0)
		return rc;
	if (name == NULL)
		name = strdup("??");
	if (name == NULL || nsym__pdb_keep(pdb, name) == NULL)
		return NSYM_ENOMEM;
	if (2 * (pdb->inline_names_used + 1) > pdb->inline_names_cap && grow_names(pdb) != 0)
		return NSYM_ENOMEM;
	for (j = slot_of(id, pdb->inline_names_cap); pdb->inline_names[j].name != NULL;
	     j = (j + 1) & (pdb->inline_names_cap - 1))
		;
	pdb->inline_names[j] = (struct nsym_pdb_name){.id = id, .name = name};
	pdb->inline_names_used++;
	*out = name;
	return 0;
}

void nsym__pdb_types_free(struct nsym_pdb *pdb)
{
	free(pdb->tpi.hints);
	free(pdb->ipi.hints);
	free(pdb->inline_names);
}
