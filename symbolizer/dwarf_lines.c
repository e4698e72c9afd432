/*
 * A unit's line table, flattened to rows sorted by address, and its file
 * table as full paths indexed by DWARF file number (1-based before DWARF 5,
 * 0-based from DWARF 5 on; both map to the same array here).
 */
#include <stdlib.h>
#include <string.h>

#include "dwarf_internal.h"

static int read_files(struct nsym_dwarf *dw, struct nsym_unit *unit, Dwarf_Die cu_die)
{
	char **src = NULL;
	Dwarf_Signed count = 0;
	Dwarf_Error err = NULL;
	size_t shift = unit->version >= 5 ? 0 : 1;
	int rc = 0;

	if (dwarf_srcfiles(cu_die, &src, &count, &err) != DW_DLV_OK) {
		if (err != NULL)
			dwarf_dealloc_error(dw->dbg, err);
		return 0;
	}
	unit->files = calloc((size_t)count + shift, sizeof(*unit->files));
	if (unit->files == NULL)
		rc = NSYM_ENOMEM;
	else
		unit->nfiles = (size_t)count + shift;
	for (Dwarf_Signed i = 0; i < count; i++) {
		if (rc == 0 && (unit->files[i + shift] = strdup(src[i])) == NULL)
			rc = NSYM_ENOMEM;
		dwarf_dealloc(dw->dbg, src[i], DW_DLA_STRING);
	}
	dwarf_dealloc(dw->dbg, src, DW_DLA_LIST);
	return rc;
}

const char *nsym__unit_file(const struct nsym_unit *unit, uint64_t file)
{
	if (file >= unit->nfiles)
		return NULL;
	return unit->files[file];
}

static int compare_rows(const void *pa, const void *pb)
{
	const struct nsym_row *a = pa, *b = pb;
	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	/* A sequence that ends where another begins: the end row first, so
	 * the search lands on the row that starts code. */
	if (a->end_sequence != b->end_sequence)
		return a->end_sequence ? -1 : 1;
	return a < b ? -1 : a > b;
}

/* Copies one row; returns 1 when the row starts a sequence we keep. */
static int copy_row(struct nsym_row *out, Dwarf_Line line, Dwarf_Debug dbg)
{
	Dwarf_Addr addr = 0;
	Dwarf_Unsigned lineno = 0, column = 0, file = 0;
	Dwarf_Bool end = 0;
	Dwarf_Error err = NULL;

	if (dwarf_lineaddr(line, &addr, &err) != DW_DLV_OK ||
	    dwarf_lineno(line, &lineno, &err) != DW_DLV_OK ||
	    dwarf_lineoff_b(line, &column, &err) != DW_DLV_OK ||
	    dwarf_line_srcfileno(line, &file, &err) != DW_DLV_OK ||
	    dwarf_lineendsequence(line, &end, &err) != DW_DLV_OK) {
		if (err != NULL)
			dwarf_dealloc_error(dbg, err);
		return -1;
	}
	out->addr = addr;
	out->line = lineno > UINT32_MAX ? UINT32_MAX : (uint32_t)lineno;
	out->column = column > UINT16_MAX ? UINT16_MAX : (uint16_t)column;
	out->file = file > UINT32_MAX ? UINT32_MAX : (uint32_t)file;
	out->end_sequence = end ? 1 : 0;
	return 0;
}

static int copy_rows(struct nsym_unit *unit, Dwarf_Line *lines, Dwarf_Signed count, Dwarf_Debug dbg)
{
	bool keep = true, starting = true;

	unit->rows = malloc((size_t)count * sizeof(*unit->rows));
	if (unit->rows == NULL)
		return NSYM_ENOMEM;
	for (Dwarf_Signed i = 0; i < count; i++) {
		struct nsym_row row;
		if (copy_row(&row, lines[i], dbg) != 0)
			continue;
		/* Sequences of code the linker dropped start at a tombstone
		 * address; they would shadow real code. */
		if (starting)
			keep = !nsym__is_tombstone(row.addr);
		starting = row.end_sequence;
		if (keep)
			unit->rows[unit->nrows++] = row;
	}
	qsort(unit->rows, unit->nrows, sizeof(*unit->rows), compare_rows);
	return 0;
}

int nsym__unit_read_lines(struct nsym_dwarf *dw, struct nsym_unit *unit, Dwarf_Die cu_die)
{
	Dwarf_Unsigned version = 0;
	Dwarf_Small tables = 0;
	Dwarf_Line_Context ctx = NULL;
	Dwarf_Line *lines = NULL;
	Dwarf_Signed count = 0;
	Dwarf_Error err = NULL;
	int rc;

	if (dwarf_srclines_b(cu_die, &version, &tables, &ctx, &err) != DW_DLV_OK) {
		if (err != NULL)
			dwarf_dealloc_error(dw->dbg, err);
		return 0; /* a unit without lines still has scopes */
	}
	rc = read_files(dw, unit, cu_die);
	if (rc == 0 && dwarf_srclines_from_linecontext(ctx, &lines, &count, &err) == DW_DLV_OK &&
	    count > 0)
		rc = copy_rows(unit, lines, count, dw->dbg);
	if (err != NULL)
		dwarf_dealloc_error(dw->dbg, err);
	dwarf_srclines_dealloc_b(ctx);
	return rc;
}
