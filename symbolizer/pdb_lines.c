/*
 * A module's C13 line information: a run of subsections (kind, length,
 * data padded to 4) after its symbol records. Three kinds matter here:
 *
 *   DEBUG_S_LINES (0xf2)       per code range: (section, offset, size) and
 *                              blocks of (offset, line) entries, one block
 *                              per source file, with columns when flagged
 *   DEBUG_S_FILECHKSMS (0xf4)  one entry per file: its name's offset in
 *                              /names, then a checksum; a line block and an
 *                              inlinee name a file by the entry's offset
 *   DEBUG_S_INLINEELINES (0xf6) per inlinee: the file and line where its
 *                              code starts, which an inline site's binary
 *                              annotations offset
 *
 * The line table is built as llvm-symbolizer's SymbolCache::findLineTable
 * builds it: each code range gives an entry at its start (with its first
 * line), its entries, and a terminal entry at its end; ranges are sorted
 * by start. Where llvm-symbolizer gives each file block of a range its own
 * run (out of address order when a range spans files), the blocks of one
 * range are merged here into one run in address order, which is what the
 * line table means. An address answers with the entry at it, else the one
 * before it unless that one ends a range (nsym__pdb_line_at).
 */
#include <stdlib.h>
#include <string.h>

#include "pdb_internal.h"

#define DEBUG_S_IGNORE       0x80000000u
#define DEBUG_S_LINES        0xf2
#define DEBUG_S_FILECHKSMS   0xf4
#define DEBUG_S_INLINEELINES 0xf6
#define LINES_HAVE_COLUMNS   0x0001
#define INLINEE_EXTRA_FILES  1

struct reader {
	struct nsym_pdb *pdb;
	struct nsym_pdb_module *mod;
	uint32_t index; /* the module's number, for errors */
	size_t lines_cap, inlinees_cap;
	struct nsym_pdb_line *run; /* one code range's entries */
	size_t run_cap;
};

static int damaged(const struct reader *r, const char *what)
{
	return nsym__fail(NSYM_ETRUNC, r->pdb->path, "module %u's stream (stream %u): %s", r->index,
	                  r->mod->stream, what);
}

/* Sorted stably: entries at one address keep their order. */
static int by_rva(const void *a, const void *b)
{
	const struct nsym_pdb_line *x = a, *y = b;

	return x->rva < y->rva ? -1 : x->rva > y->rva;
}

static int push_line(struct nsym_pdb_line **items, size_t *n, size_t *cap,
                     const struct nsym_pdb_line *e)
{
	if (nsym__grow((void **)items, cap, *n + 1, sizeof(**items)) != 0)
		return NSYM_ENOMEM;
	(*items)[(*n)++] = *e;
	return 0;
}

/* One DEBUG_S_LINES subsection: its blocks merged into one run. */
static int read_lines(struct reader *r, const unsigned char *p, uint32_t size)
{
	struct nsym_buf b = {.p = p, .end = p + size};
	uint32_t offset = (uint32_t)nsym_buf_uint(&b, 4), start;
	uint16_t section = (uint16_t)nsym_buf_uint(&b, 2);
	uint16_t flags = (uint16_t)nsym_buf_uint(&b, 2);
	uint32_t code_size = (uint32_t)nsym_buf_uint(&b, 4);
	size_t n = 0;
	struct nsym_pdb_line first, last;

	if (b.bad)
		return damaged(r, "a line subsection is truncated");
	if (!nsym__pdb_rva(&start, r->pdb, section, offset) ||
	    start + (uint64_t)code_size > UINT32_MAX)
		return 0; /* a section the image lacks: nothing to look up there */
	while (b.p < b.end) {
		const unsigned char *block = b.p;
		uint32_t file = (uint32_t)nsym_buf_uint(&b, 4);
		uint32_t count = (uint32_t)nsym_buf_uint(&b, 4);
		uint32_t block_size = (uint32_t)nsym_buf_uint(&b, 4);
		uint64_t need = 12 + (uint64_t)count * ((flags & LINES_HAVE_COLUMNS) ? 12 : 8);
		const unsigned char *entries = block + 12;
		const unsigned char *columns = entries + 8 * (uint64_t)count;

		if (b.bad || block_size < need || block_size > (size_t)(b.end - block))
			return damaged(r, "a line block runs past its subsection");
		for (uint32_t i = 0; i < count; i++) {
			uint32_t at = nsym__le32(entries + 8 * (size_t)i);
			struct nsym_pdb_line e = {
			    .rva = (uint32_t)((start + (uint64_t)at) & UINT32_MAX),
			    .line = nsym__le32(entries + 8 * (size_t)i + 4) & 0xffffff,
			    .file = file,
			    .column = (flags & LINES_HAVE_COLUMNS)
			                  ? nsym__le16(columns + 4 * (size_t)i)
			                  : 0,
			};
			if (start + (uint64_t)at > UINT32_MAX)
				continue;
			if (push_line(&r->run, &n, &r->run_cap, &e) != 0)
				return NSYM_ENOMEM;
		}
		b.p = block + block_size;
	}
	if (n == 0)
		return 0;
	if (nsym__sort_stable(r->run, n, sizeof(*r->run), by_rva) != 0)
		return NSYM_ENOMEM;
	first = r->run[0];
	first.rva = start;
	last = r->run[n - 1];
	last.rva = start + code_size;
	last.terminal = 1;
	if (push_line(&r->mod->lines, &r->mod->nlines, &r->lines_cap, &first) != 0)
		return NSYM_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (push_line(&r->mod->lines, &r->mod->nlines, &r->lines_cap, &r->run[i]) != 0)
			return NSYM_ENOMEM;
	}
	return push_line(&r->mod->lines, &r->mod->nlines, &r->lines_cap, &last);
}

static int read_inlinees(struct reader *r, const unsigned char *p, uint32_t size)
{
	struct nsym_buf b = {.p = p, .end = p + size};
	uint32_t signature = (uint32_t)nsym_buf_uint(&b, 4);
	struct nsym_pdb_module *mod = r->mod;

	while (!b.bad && b.p < b.end) {
		struct nsym_pdb_inlinee e;
		e.id = (uint32_t)nsym_buf_uint(&b, 4);
		e.file = (uint32_t)nsym_buf_uint(&b, 4);
		e.line = (uint32_t)nsym_buf_uint(&b, 4);
		if (signature == INLINEE_EXTRA_FILES)
			nsym_buf_skip(&b, 4 * (uint64_t)nsym_buf_uint(&b, 4));
		if (b.bad)
			break;
		if (nsym__grow((void **)&mod->inlinees, &r->inlinees_cap, mod->ninlinees + 1,
		               sizeof(*mod->inlinees)) != 0)
			return NSYM_ENOMEM;
		mod->inlinees[mod->ninlinees++] = e;
	}
	return b.bad ? damaged(r, "an inlinee lines subsection is truncated") : 0;
}

/* By id, sorted stably: the first of equals is the one llvm-symbolizer
 * finds. */
static int by_id(const void *a, const void *b)
{
	const struct nsym_pdb_inlinee *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int by_start(const void *a, const void *b)
{
	const struct nsym_pdb_line *const *x = a, *const *y = b;

	if ((*x)->rva != (*y)->rva)
		return (*x)->rva < (*y)->rva ? -1 : 1;
	return *x < *y ? -1 : *x > *y;
}

/* Orders the runs (a start entry up to a terminal one) by their start. */
static int sort_runs(struct nsym_pdb_module *mod)
{
	size_t nruns = 0, at = 0;
	const struct nsym_pdb_line **starts;
	struct nsym_pdb_line *sorted;

	for (size_t i = 0; i < mod->nlines; i++)
		nruns += mod->lines[i].terminal;
	starts = malloc((nruns > 0 ? nruns : 1) * sizeof(*starts));
	sorted = malloc((mod->nlines > 0 ? mod->nlines : 1) * sizeof(*sorted));
	if (starts == NULL || sorted == NULL) {
		free(starts);
		free(sorted);
		return NSYM_ENOMEM;
	}
	nruns = 0;
	for (size_t i = 0; i < mod->nlines; i++) {
		if (i == 0 || mod->lines[i - 1].terminal)
			starts[nruns++] = &mod->lines[i];
	}
	/* qsort is not stable; by_start breaks ties by position */
	qsort(starts, nruns, sizeof(*starts), by_start);
	for (size_t k = 0; k < nruns; k++) {
		const struct nsym_pdb_line *e = starts[k];
		do
			sorted[at++] = *e;
		while (!(e++)->terminal);
	}
	free(starts);
	free(mod->lines);
	mod->lines = sorted;
	return 0;
}

int nsym__pdb_read_lines(struct nsym_pdb *pdb, struct nsym_pdb_module *mod, uint32_t index)
{
	struct reader r = {.pdb = pdb, .mod = mod, .index = index};
	uint64_t at = (uint64_t)mod->sym_size + mod->c11_size, end = at + mod->c13_size;
	int rc = 0;

	while (rc == 0 && at + 8 <= end) {
		uint32_t kind = nsym__le32(mod->data + at), size = nsym__le32(mod->data + at + 4);
		const unsigned char *p = mod->data + at + 8;

		if (size > end - at - 8) {
			rc = damaged(&r, "a C13 subsection runs past the line information");
			break;
		}
		if ((kind & DEBUG_S_IGNORE) == 0) {
			if (kind == DEBUG_S_LINES)
				rc = read_lines(&r, p, size);
			else if (kind == DEBUG_S_FILECHKSMS && mod->checksums == NULL) {
				mod->checksums = p;
				mod->checksums_size = size;
			} else if (kind == DEBUG_S_INLINEELINES)
				rc = read_inlinees(&r, p, size);
		}
		at += 8 + (((uint64_t)size + 3) & ~(uint64_t)3);
	}
	free(r.run);
	if (rc == 0 && mod->nlines > 0)
		rc = sort_runs(mod);
	if (rc == 0 && mod->ninlinees > 1)
		rc =
		    nsym__sort_stable(mod->inlinees, mod->ninlinees, sizeof(*mod->inlinees), by_id);
	return rc == NSYM_ENOMEM ? nsym__fail(NSYM_ENOMEM, pdb->path, NULL) : rc;
}

const struct nsym_pdb_line *nsym__pdb_line_at(const struct nsym_pdb_module *mod, uint32_t rva)
{
	size_t lo = 0, hi = mod->nlines;

	/* the first entry past rva, or at it and not a terminal one */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct nsym_pdb_line *e = &mod->lines[mid];
		if (e->rva < rva || (e->rva == rva && e->terminal))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < mod->nlines && mod->lines[lo].rva == rva)
		return &mod->lines[lo];
	if (lo == 0 || mod->lines[lo - 1].terminal)
		return NULL;
	return &mod->lines[lo - 1];
}

const char *nsym__pdb_file(const struct nsym_pdb *pdb, const struct nsym_pdb_module *mod,
                           uint32_t checksum)
{
	if (mod->checksums == NULL || checksum > mod->checksums_size ||
	    mod->checksums_size - checksum < 4)
		return NULL;
	return nsym__pdb_string(pdb, nsym__le32(mod->checksums + checksum));
}

const struct nsym_pdb_inlinee *nsym__pdb_inlinee(const struct nsym_pdb_module *mod, uint32_t id)
{
	size_t lo = 0, hi = mod->ninlinees;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (mod->inlinees[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < mod->ninlinees && mod->inlinees[lo].id == id ? &mod->inlinees[lo] : NULL;
}
