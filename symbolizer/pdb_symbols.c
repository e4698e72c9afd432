/*
 * A module's CodeView symbol records (LLVM's docs/PDB/ModiStream.rst and
 * CodeViewSymbols.rst): after a 4-byte signature, records of (length,
 * kind, body). Record offsets count from the start of the module stream,
 * and scopes name their end by such an offset.
 *
 * Procedures (S_GPROC32, S_LPROC32 and the _ID forms lld and MSVC may
 * keep) give a function's code range and name. Inside one, S_INLINESITE
 * records nest as calls were inlined; each carries binary annotations, a
 * small program of compressed operands that describes which code, as
 * offsets from the procedure's start, came from the inlinee and from which
 * of its lines. Both are read as llvm-symbolizer reads them
 * (NativeFunctionSymbol::findInlineFramesByVA, inlineSiteContainsAddress,
 * NativeInlineSiteSymbol::getLineOffset), so the two agree: a site holds
 * an offset from a code offset operand up to the next code length; the
 * line of an offset is the line delta in force for the range that holds
 * it. S_INLINESITE2, which llvm-symbolizer skips, is read like
 * S_INLINESITE.
 */
#include <stdlib.h>
#include <string.h>

#include "pdb_internal.h"

#define S_GPROC32        0x1110
#define S_LPROC32        0x110f
#define S_LPROC32_ID     0x1146
#define S_GPROC32_ID     0x1147
#define S_LPROC32_DPC    0x1155
#define S_LPROC32_DPC_ID 0x1156
#define S_INLINESITE     0x114d
#define S_INLINESITE2    0x115d
#define PROC_FIXED       35 /* parent ... flags, before the name */

enum {
	BA_INVALID,
	BA_CODE_OFFSET,
	BA_CHANGE_CODE_OFFSET_BASE,
	BA_CHANGE_CODE_OFFSET,
	BA_CHANGE_CODE_LENGTH,
	BA_CHANGE_FILE,
	BA_CHANGE_LINE_OFFSET,
	BA_CHANGE_LINE_END_DELTA,
	BA_CHANGE_RANGE_KIND,
	BA_CHANGE_COLUMN_START,
	BA_CHANGE_COLUMN_END_DELTA,
	BA_CHANGE_CODE_OFFSET_AND_LINE_OFFSET,
	BA_CHANGE_CODE_LENGTH_AND_CODE_OFFSET,
	BA_CHANGE_COLUMN_END,
};

static bool is_proc(uint16_t kind)
{
	return kind == S_GPROC32 || kind == S_LPROC32 || kind == S_GPROC32_ID ||
	       kind == S_LPROC32_ID || kind == S_LPROC32_DPC || kind == S_LPROC32_DPC_ID;
}

/* The record at `at`: false when its header or body runs past the
 * symbols. */
static bool record_at(uint16_t *out_kind, uint32_t *out_len, const struct nsym_pdb_module *mod,
                      uint32_t at)
{
	uint16_t len;

	if (at < 4 || at > mod->sym_size || mod->sym_size - at < 4)
		return false;
	len = nsym__le16(mod->data + at);
	if (len < 2 || len > mod->sym_size - at - 2)
		return false;
	*out_kind = nsym__le16(mod->data + at + 2);
	*out_len = len;
	return true;
}

static int by_lo(const void *a, const void *b)
{
	const struct nsym_pdb_proc *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int nsym__pdb_read_procs(struct nsym_pdb *pdb, struct nsym_pdb_module *mod, uint32_t index)
{
	size_t cap = 0;
	uint32_t at = 4;

	while (at < mod->sym_size) {
		uint16_t kind;
		uint32_t len, rva, end, size;
		const unsigned char *body;

		if (!record_at(&kind, &len, mod, at))
			return nsym__fail(NSYM_ETRUNC, pdb->path,
			                  "module %u's stream (stream %u): the symbol record at %u "
			                  "runs past the symbols",
			                  index, mod->stream, at);
		body = mod->data + at + 4;
		if (!is_proc(kind) || len - 2 < PROC_FIXED) {
			at += 2 + len;
			continue;
		}
		end = nsym__le32(body + 4);
		size = nsym__le32(body + 12);
		/* as llvm-symbolizer: a procedure is this module's when its
		 * start is in one of the module's section contributions */
		if (size > 0 &&
		    nsym__pdb_rva(&rva, pdb, nsym__le16(body + 32), nsym__le32(body + 28)) &&
		    rva + (uint64_t)size <= UINT32_MAX &&
		    nsym__pdb_module_of(pdb, rva) == (long)index) {
			const char *name = (const char *)body + PROC_FIXED;
			if (memchr(name, '\0', len - 2 - PROC_FIXED) == NULL)
				name = "??";
			if (nsym__grow((void **)&mod->procs, &cap, mod->nprocs + 1,
			               sizeof(*mod->procs)) != 0)
				return nsym__fail(NSYM_ENOMEM, pdb->path, NULL);
			mod->procs[mod->nprocs] = (struct nsym_pdb_proc){
			    .lo = rva,
			    .hi = rva + size,
			    .record = at,
			    .end = end,
			    .name = name,
			    .seq = (uint32_t)mod->nprocs,
			};
			mod->nprocs++;
		}
		/* past the procedure's scope, to its S_END, when that is ahead */
		if (end > at && end < mod->sym_size && record_at(&kind, &len, mod, end))
			at = end;
		else
			len = nsym__le16(mod->data + at);
		at += 2 + len;
	}
	if (mod->nprocs > 1) /* procs is NULL when there are none */
		qsort(mod->procs, mod->nprocs, sizeof(*mod->procs), by_lo);
	return 0;
}

const struct nsym_pdb_proc *nsym__pdb_proc_at(const struct nsym_pdb_module *mod, uint32_t rva)
{
	size_t lo = 0, hi = mod->nprocs;
	const struct nsym_pdb_proc *best = NULL;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (mod->procs[mid].lo <= rva)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* among procedures that hold rva, the first in the stream: that is
	 * the one llvm-symbolizer's interval map keeps. Overlaps are rare
	 * (folded or nested code): look a bounded way back. */
	for (size_t i = lo; i-- > 0 && lo - i <= 64;) {
		const struct nsym_pdb_proc *p = &mod->procs[i];
		if (rva < p->hi && (best == NULL || p->seq < best->seq))
			best = p;
	}
	return best;
}

/* ---- binary annotations --------------------------------------------------- */

struct annotation {
	uint32_t op, u1, u2;
	int32_t s1;
};

struct annotations {
	const unsigned char *p, *end;
};

/* A compressed unsigned operand; UINT32_MAX when it cannot be read. */
static uint32_t compressed(struct annotations *a)
{
	uint32_t b0, v;

	if (a->p >= a->end)
		return UINT32_MAX;
	b0 = *a->p++;
	if ((b0 & 0x80) == 0)
		return b0;
	if (a->p >= a->end)
		return UINT32_MAX;
	if ((b0 & 0xc0) == 0x80)
		return (b0 & 0x3f) << 8 | *a->p++;
	if (a->end - a->p < 3)
		return UINT32_MAX;
	v = (b0 & 0x1f) << 24 | (uint32_t)a->p[0] << 16 | (uint32_t)a->p[1] << 8 | a->p[2];
	a->p += 3;
	return (b0 & 0xe0) == 0xc0 ? v : UINT32_MAX;
}

static int32_t decode_signed(uint32_t v)
{
	return (v & 1) ? -(int32_t)(v >> 1) : (int32_t)(v >> 1);
}

/* The next annotation; false at the end (an Invalid opcode, which also
 * pads the record, or bytes that do not decode). */
static bool next_annotation(struct annotation *out, struct annotations *a)
{
	uint32_t v;

	memset(out, 0, sizeof(*out));
	out->op = compressed(a);
	switch (out->op) {
	case BA_CODE_OFFSET:
	case BA_CHANGE_CODE_OFFSET_BASE:
	case BA_CHANGE_CODE_OFFSET:
	case BA_CHANGE_CODE_LENGTH:
	case BA_CHANGE_FILE:
	case BA_CHANGE_LINE_END_DELTA:
	case BA_CHANGE_RANGE_KIND:
	case BA_CHANGE_COLUMN_START:
	case BA_CHANGE_COLUMN_END:
		out->u1 = compressed(a);
		return out->u1 != UINT32_MAX;
	case BA_CHANGE_LINE_OFFSET:
	case BA_CHANGE_COLUMN_END_DELTA:
		v = compressed(a);
		out->s1 = decode_signed(v);
		return v != UINT32_MAX;
	case BA_CHANGE_CODE_OFFSET_AND_LINE_OFFSET:
		v = compressed(a);
		out->s1 = decode_signed(v >> 4);
		out->u1 = v & 0xf;
		return v != UINT32_MAX;
	case BA_CHANGE_CODE_LENGTH_AND_CODE_OFFSET:
		out->u1 = compressed(a);
		out->u2 = compressed(a);
		return out->u1 != UINT32_MAX && out->u2 != UINT32_MAX;
	}
	return false;
}

/* Whether the site's annotations cover `offset` from the procedure's
 * start (inlineSiteContainsAddress). */
static bool site_holds(struct annotations a, uint32_t offset)
{
	struct annotation x;
	uint32_t code = 0;
	bool found = false;

	while (next_annotation(&x, &a)) {
		switch (x.op) {
		case BA_CODE_OFFSET:
		case BA_CHANGE_CODE_OFFSET:
		case BA_CHANGE_CODE_OFFSET_AND_LINE_OFFSET:
			code += x.u1;
			if (offset >= code)
				found = true;
			break;
		case BA_CHANGE_CODE_LENGTH:
			code += x.u1;
			if (found && offset < code)
				return true;
			found = false;
			break;
		case BA_CHANGE_CODE_LENGTH_AND_CODE_OFFSET:
			code += x.u2;
			if (offset >= code && offset - code < x.u1)
				return true;
			found = false;
			break;
		}
	}
	return false;
}

/* The state of getLineOffset: which range is open, and the line and file
 * in force for it and for the next one. */
struct line_walk {
	uint32_t code, line, file;
	uint32_t base, end, cur, next, next_file;
	bool has_base, has_end, has_cur, has_next, has_next_file;
};

static void walk_code(struct line_walk *w, uint32_t delta)
{
	if (!w->has_base) {
		w->base = w->code;
		w->has_base = true;
	} else if (!w->has_end) {
		w->end = w->base + delta;
		w->has_end = true;
	}
}

static void walk_line(struct line_walk *w, int32_t delta)
{
	w->line += (uint32_t)delta;
	if (!w->has_base || !w->has_cur) {
		w->cur = w->line;
		w->has_cur = true;
	} else {
		w->next = w->line;
		w->has_next = true;
	}
}

/* Closes the range when it has ended: true when it holds offset. */
static bool walk_range(struct line_walk *w, uint32_t offset)
{
	if (!w->has_base || !w->has_end || !w->has_cur)
		return false;
	if (w->base <= offset && offset < w->end) {
		w->line = w->cur;
		return true;
	}
	if (w->has_next_file)
		w->file = w->next_file;
	if (w->has_next) {
		w->cur = w->next;
		w->has_next = false;
	}
	w->base = w->end;
	w->has_end = false;
	w->has_next_file = false;
	return false;
}

/* The line offset and file (0: the inlinee's own) at `offset`. */
static void site_line(struct nsym_pdb_site *out, struct annotations a, uint32_t offset)
{
	struct line_walk w = {0};
	struct annotation x;

	while (next_annotation(&x, &a)) {
		switch (x.op) {
		case BA_CODE_OFFSET:
		case BA_CHANGE_CODE_OFFSET:
		case BA_CHANGE_CODE_OFFSET_BASE:
			w.code += x.u1;
			walk_code(&w, x.u1);
			break;
		case BA_CHANGE_CODE_LENGTH:
			walk_code(&w, x.u1);
			break;
		case BA_CHANGE_CODE_LENGTH_AND_CODE_OFFSET:
			w.code += x.u2;
			walk_code(&w, x.u2);
			walk_code(&w, x.u1);
			break;
		case BA_CHANGE_LINE_OFFSET:
			walk_line(&w, x.s1);
			break;
		case BA_CHANGE_CODE_OFFSET_AND_LINE_OFFSET:
			w.code += x.u1;
			walk_code(&w, x.u1);
			walk_line(&w, x.s1);
			break;
		case BA_CHANGE_FILE:
			if (!w.has_base) {
				w.file = x.u1;
			} else {
				w.next_file = x.u1;
				w.has_next_file = true;
			}
			break;
		}
		if (walk_range(&w, offset))
			break;
	}
	out->line_offset = w.line;
	out->file = w.file;
}

/* An inline site record at `at`: its end, inlinee and annotations. */
static bool read_site(uint32_t *out_end, uint32_t *out_inlinee, struct annotations *out,
                      const struct nsym_pdb_module *mod, uint32_t at, uint16_t kind, uint32_t len)
{
	const unsigned char *body = mod->data + at + 4;
	uint32_t fixed = kind == S_INLINESITE2 ? 16 : 12;

	if (len - 2 < fixed)
		return false;
	*out_end = nsym__le32(body + 4);
	*out_inlinee = nsym__le32(body + 8);
	out->p = body + fixed;
	out->end = body + (len - 2);
	return true;
}

size_t nsym__pdb_inline_sites(struct nsym_pdb_site *out, const struct nsym_pdb_module *mod,
                              const struct nsym_pdb_proc *proc, uint32_t rva)
{
	uint32_t offset = rva - proc->lo, end = proc->end, at;
	uint16_t kind;
	uint32_t len;
	size_t n = 0;

	if (!record_at(&kind, &len, mod, proc->record))
		return 0;
	at = proc->record + 2 + len;
	if (end > mod->sym_size)
		end = mod->sym_size;
	while (n < NSYM_PDB_INLINE_MAX) {
		bool found = false;
		/* the site among this scope's children that holds offset */
		while (at < end && record_at(&kind, &len, mod, at)) {
			uint32_t site_end, inlinee, next = at + 2 + len;
			struct annotations a;
			if ((kind != S_INLINESITE && kind != S_INLINESITE2) ||
			    !read_site(&site_end, &inlinee, &a, mod, at, kind, len)) {
				at = next;
				continue;
			}
			if (site_holds(a, offset)) {
				out[n].inlinee = inlinee;
				site_line(&out[n], a, offset);
				n++;
				/* now among its own children, up to its end */
				at = next;
				if (site_end > at && site_end < end)
					end = site_end;
				found = true;
				break;
			}
			/* past the site and all it holds, to its S_INLINESITE_END */
			if (site_end > at && site_end < end &&
			    record_at(&kind, &len, mod, site_end))
				at = site_end + 2 + len;
			else
				at = next;
		}
		if (!found)
			break;
	}
	return n;
}

int nsym__pdb_site_bounds(const struct nsym_pdb_module *mod, const struct nsym_pdb_proc *proc,
                          int (*fn)(void *arg, uint32_t rva), void *arg)
{
	uint32_t at, end = proc->end < mod->sym_size ? proc->end : mod->sym_size;
	uint16_t kind;
	uint32_t len;
	int rc = 0;

	if (!record_at(&kind, &len, mod, proc->record))
		return 0;
	for (at = proc->record + 2 + len; rc == 0 && at < end && record_at(&kind, &len, mod, at);
	     at += 2 + len) {
		uint32_t site_end, inlinee, code = 0;
		struct annotations a;
		struct annotation x;
		if ((kind != S_INLINESITE && kind != S_INLINESITE2) ||
		    !read_site(&site_end, &inlinee, &a, mod, at, kind, len))
			continue;
		while (rc == 0 && next_annotation(&x, &a)) {
			switch (x.op) {
			case BA_CODE_OFFSET:
			case BA_CHANGE_CODE_OFFSET_BASE:
			case BA_CHANGE_CODE_OFFSET:
			case BA_CHANGE_CODE_OFFSET_AND_LINE_OFFSET:
				code += x.u1;
				rc = fn(arg, proc->lo + code);
				break;
			case BA_CHANGE_CODE_LENGTH:
				rc = fn(arg, proc->lo + code + x.u1);
				/* as site_holds reads it: the length also moves on */
				if (rc == 0)
					rc = fn(arg, proc->lo + code);
				code += x.u1;
				break;
			case BA_CHANGE_CODE_LENGTH_AND_CODE_OFFSET:
				code += x.u2;
				rc = fn(arg, proc->lo + code);
				if (rc == 0)
					rc = fn(arg, proc->lo + code + x.u1);
				break;
			}
		}
	}
	return rc;
}
