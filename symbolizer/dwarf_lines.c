/*
 * A unit's line table, flattened to rows sorted by address, and its file
 * table as full paths indexed by DWARF file number (1-based before DWARF 5,
 * 0-based from DWARF 5 on; both map to the same array here).
 */
#include <stdlib.h>
#include <string.h>

#include "dwarf_internal.h"

/* dir + "/" + name, unless name is absolute; NULL when out of memory. */
static char *join_path(const char *dir, const char *name)
{
	size_t dl, nl;
	char *path;

	if (name[0] == '/' || dir == NULL || dir[0] == '\0')
		return strdup(name);
	dl = strlen(dir);
	nl = strlen(name);
	path = malloc(dl + nl + 2);
	if (path == NULL)
		return NULL;
	memcpy(path, dir, dl);
	path[dl] = '/';
	memcpy(path + dl + 1, name, nl + 1);
	return path;
}

/* The directory of a file entry. Index 0 is the unit's compilation
 * directory: implicitly before DWARF 5, as include_directories[0] from
 * DWARF 5 on (which libdwarf does not hand out by index). */
static const char *entry_dir(const struct nsym_unit *unit, Dwarf_Line_Context ctx,
                             Dwarf_Unsigned dir_index, Dwarf_Debug dbg)
{
	const char *dir = NULL;
	Dwarf_Error err = NULL;

	if (dir_index == 0)
		return unit->comp_dir;
	if (dwarf_srclines_include_dir_data(ctx, (Dwarf_Signed)dir_index, &dir, &err) !=
	    DW_DLV_OK) {
		if (err != NULL)
			dwarf_dealloc_error(dbg, err);
		return NULL;
	}
	return dir;
}

/* A file entry's full path: relative directories hang off comp_dir, as
 * llvm-symbolizer and gdb print them. */
static char *entry_path(const struct nsym_unit *unit, Dwarf_Line_Context ctx, Dwarf_Signed index,
                        Dwarf_Debug dbg, int *out_rc)
{
	const char *name = NULL, *dir;
	Dwarf_Unsigned dir_index = 0, mtime = 0, length = 0;
	Dwarf_Form_Data16 *md5 = NULL;
	Dwarf_Error err = NULL;
	char *full, *with_comp;

	*out_rc = 0;
	if (dwarf_srclines_files_data_b(ctx, index, &name, &dir_index, &mtime, &length, &md5,
	                                &err) != DW_DLV_OK ||
	    name == NULL) {
		if (err != NULL)
			dwarf_dealloc_error(dbg, err);
		return NULL;
	}
	dir = entry_dir(unit, ctx, dir_index, dbg);
	full = join_path(dir, name);
	if (full != NULL && full[0] != '/' && unit->comp_dir != NULL) {
		with_comp = join_path(unit->comp_dir, full);
		free(full);
		full = with_comp;
	}
	if (full == NULL)
		*out_rc = NSYM_ENOMEM;
	return full;
}

static int read_files(struct nsym_dwarf *dw, struct nsym_unit *unit, Dwarf_Line_Context ctx)
{
	Dwarf_Signed first = 0, count = 0, end = 0;
	Dwarf_Error err = NULL;
	int rc = 0;

	if (dwarf_srclines_files_indexes(ctx, &first, &count, &end, &err) != DW_DLV_OK) {
		if (err != NULL)
			dwarf_dealloc_error(dw->dbg, err);
		return 0;
	}
	if (first < 0 || end < first || end > (1 << 24))
		return 0;
	unit->files = calloc((size_t)end, sizeof(*unit->files));
	if (unit->files == NULL)
		return NSYM_ENOMEM;
	unit->nfiles = (size_t)end;
	for (Dwarf_Signed i = first; i < end && rc == 0; i++)
		unit->files[i] = entry_path(unit, ctx, i, dw->dbg, &rc);
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

static bool is_epilogue_begin(Dwarf_Line line, Dwarf_Debug dbg)
{
	Dwarf_Bool prologue_end = 0, epilogue_begin = 0;
	Dwarf_Unsigned isa = 0, discriminator = 0;
	Dwarf_Error err = NULL;

	if (dwarf_prologue_end_etc(line, &prologue_end, &epilogue_begin, &isa, &discriminator,
	                           &err) != DW_DLV_OK) {
		if (err != NULL)
			dwarf_dealloc_error(dbg, err);
		return false;
	}
	return epilogue_begin != 0;
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
	/* libdwarf before 2026 (davea42/libdwarf-code#322) also flags the row
	 * that DW_LNS_set_epilogue_begin marks as ending its sequence; a real
	 * end_sequence row never carries epilogue_begin. */
	if (end && is_epilogue_begin(line, dbg))
		end = 0;
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
		bool starting_now = starting;
		if (starting)
			keep = !nsym__is_tombstone(row.addr);
		starting = row.end_sequence;
		if (!keep)
			continue;
		/* Rows at one address within a sequence: the last one holds (as
		 * in LLVM), and an end_sequence there leaves the row before it
		 * covering no bytes at all, so it replaces it. */
		if (!starting_now && unit->nrows > 0 &&
		    unit->rows[unit->nrows - 1].addr == row.addr)
			unit->rows[unit->nrows - 1] = row;
		else
			unit->rows[unit->nrows++] = row;
	}
	if (unit->nrows > 1)
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
	rc = read_files(dw, unit, ctx);
	if (rc == 0 && dwarf_srclines_from_linecontext(ctx, &lines, &count, &err) == DW_DLV_OK &&
	    count > 0)
		rc = copy_rows(unit, lines, count, dw->dbg);
	if (err != NULL)
		dwarf_dealloc_error(dw->dbg, err);
	dwarf_srclines_dealloc_b(ctx);
	return rc;
}
