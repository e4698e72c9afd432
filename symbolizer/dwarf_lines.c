/*
 * A unit's line table, decoded from .debug_line by its own state machine
 * (DWARF 2 to 5) into rows sorted by address, and its file table as full
 * paths indexed by DWARF file number. libdwarf 20210528 reported rows that
 * carry epilogue_begin as ending their sequence (davea42/libdwarf-code#322)
 * and gave file 0 for rows of file 1 in some DWARF 5 tables (glibc's
 * groupingwc.c, whose file 1 is grouping.c), which put wrong files on about
 * 5% of libc's addresses; and it allocated an object per row.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dwarf_buf.h"
#include "dwarf_internal.h"

#define NSYM_MAX_LINE_FILES (1u << 20)

/* The sections a line table may point into for its strings. */
struct line_ctx {
	struct nsym_dwarf *dw;
	struct nsym_unit *unit;
	struct nsym_section str, line_str;
	int offset_size, address_size;
	uint16_t version;
};

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

static const char *string_at(const struct nsym_section *sec, uint64_t off)
{
	if (sec->data == NULL || off >= sec->size ||
	    memchr(sec->data + off, 0, sec->size - off) == NULL)
		return NULL;
	return (const char *)sec->data + off;
}

static const char *read_cstring(struct nsym_buf *b)
{
	const char *s = (const char *)b->p;
	nsym_buf_skip_string(b);
	return b->bad ? NULL : s;
}

/* One DWARF 5 entry field; strings come back in *out_str, numbers in
 * *out_num. Forms that carry neither are skipped. */
static void read_entry_field(struct nsym_buf *b, const struct line_ctx *c, uint64_t form,
                             const char **out_str, uint64_t *out_num)
{
	*out_str = NULL;
	*out_num = 0;
	switch (form) {
	case DW_FORM_string:
		*out_str = read_cstring(b);
		return;
	case DW_FORM_line_strp:
		*out_str = string_at(&c->line_str, nsym_buf_uint(b, c->offset_size));
		return;
	case DW_FORM_strp:
		*out_str = string_at(&c->str, nsym_buf_uint(b, c->offset_size));
		return;
	case DW_FORM_udata:
		*out_num = nsym_buf_uleb(b);
		return;
	case DW_FORM_data1:
		*out_num = nsym_buf_uint(b, 1);
		return;
	case DW_FORM_data2:
		*out_num = nsym_buf_uint(b, 2);
		return;
	case DW_FORM_data4:
		*out_num = nsym_buf_uint(b, 4);
		return;
	case DW_FORM_data8:
		*out_num = nsym_buf_uint(b, 8);
		return;
	case DW_FORM_data16:
		nsym_buf_skip(b, 16);
		return;
	case DW_FORM_block:
		nsym_buf_skip(b, nsym_buf_uleb(b));
		return;
	}
	b->bad = true; /* strx needs a unit's str_offsets_base: not allowed here */
}

/* The path of a file entry: relative directories hang off comp_dir, as
 * llvm-symbolizer and gdb print them. */
static char *file_path(const struct line_ctx *c, const char *dir, const char *name)
{
	char *full = join_path(dir, name), *with_comp;

	if (full != NULL && full[0] != '/' && c->unit->comp_dir != NULL) {
		with_comp = join_path(c->unit->comp_dir, full);
		free(full);
		full = with_comp;
	}
	return full;
}

static int add_file(struct nsym_unit *u, size_t *cap, char *path)
{
	if (path == NULL || u->nfiles >= NSYM_MAX_LINE_FILES ||
	    nsym__grow((void **)&u->files, cap, u->nfiles + 1, sizeof(*u->files)) != 0) {
		free(path);
		return NSYM_ENOMEM;
	}
	u->files[u->nfiles++] = path;
	return 0;
}

/* DWARF 2-4: string lists; file numbers count from 1, directory 0 is the
 * compilation directory. */
static int read_tables_v4(struct nsym_buf *b, const struct line_ctx *c)
{
	const char **dirs = NULL;
	size_t ndirs = 0, dirs_cap = 0, files_cap = 0;
	int rc = add_file(c->unit, &files_cap, strdup("??")); /* number 0: none */

	for (const char *d; rc == 0 && (d = read_cstring(b)) != NULL && d[0] != '\0';) {
		if (nsym__grow((void **)&dirs, &dirs_cap, ndirs + 1, sizeof(*dirs)) != 0)
			rc = NSYM_ENOMEM;
		else
			dirs[ndirs++] = d;
	}
	for (const char *name; rc == 0 && (name = read_cstring(b)) != NULL && name[0] != '\0';) {
		uint64_t dir = nsym_buf_uleb(b);
		nsym_buf_uleb(b); /* mtime */
		nsym_buf_uleb(b); /* length */
		const char *dname = dir == 0       ? c->unit->comp_dir
		                    : dir <= ndirs ? dirs[dir - 1]
		                                   : NULL;
		rc = add_file(c->unit, &files_cap, file_path(c, dname, name));
	}
	free(dirs);
	return rc;
}

/* DWARF 5: self-describing entries; numbers count from 0 and directory 0
 * is the compilation directory, written out. */
static int read_tables_v5(struct nsym_buf *b, const struct line_ctx *c)
{
	const char **dirs = NULL;
	uint64_t formats[2][16][2], nformats[2], count;
	size_t ndirs = 0, files_cap = 0;
	int rc = 0;

	for (int table = 0; table < 2 && rc == 0 && !b->bad; table++) {
		nformats[table] = nsym_buf_u8(b);
		if (nformats[table] > 16) {
			rc = NSYM_EDWARF;
			break;
		}
		for (uint64_t i = 0; i < nformats[table]; i++) {
			formats[table][i][0] = nsym_buf_uleb(b);
			formats[table][i][1] = nsym_buf_uleb(b);
		}
		count = nsym_buf_uleb(b);
		if (count > NSYM_MAX_LINE_FILES || count > (uint64_t)(b->end - b->p)) {
			rc = NSYM_EDWARF;
			break;
		}
		if (table == 0 && (dirs = calloc(count ? count : 1, sizeof(*dirs))) == NULL) {
			rc = NSYM_ENOMEM;
			break;
		}
		for (uint64_t e = 0; e < count && rc == 0 && !b->bad; e++) {
			const char *path = NULL, *s;
			uint64_t dir = 0, num;
			for (uint64_t i = 0; i < nformats[table]; i++) {
				read_entry_field(b, c, formats[table][i][1], &s, &num);
				if (formats[table][i][0] == DW_LNCT_path)
					path = s;
				else if (formats[table][i][0] == DW_LNCT_directory_index)
					dir = num;
			}
			if (table == 0)
				dirs[ndirs++] = path;
			else
				rc = add_file(c->unit, &files_cap,
				              file_path(c, dir < ndirs ? dirs[dir] : NULL,
				                        path != NULL ? path : "??"));
		}
	}
	free(dirs);
	return b->bad && rc == 0 ? NSYM_EDWARF : rc;
}

struct line_state {
	uint64_t addr, file, line, column;
	bool is_stmt, end_sequence;
};

struct program {
	uint8_t min_inst, line_range, opcode_base;
	int8_t line_base;
	bool default_is_stmt;
	const unsigned char *opcode_lengths;
};

/* Appends a row; rows at one address within a sequence keep only the last
 * (as LLVM does), and an end_sequence there leaves the row before it
 * covering no bytes at all, so it replaces it too. Sequences the linker
 * discarded start at a tombstone address and are dropped whole. */
static int emit(struct nsym_unit *u, size_t *cap, const struct line_state *st, bool *starting,
                bool *keep)
{
	struct nsym_row row = {
	    .addr = st->addr,
	    .file = st->file > UINT32_MAX ? UINT32_MAX : (uint32_t)st->file,
	    .line = st->line > UINT32_MAX ? UINT32_MAX : (uint32_t)st->line,
	    .column = st->column > UINT16_MAX ? UINT16_MAX : (uint16_t)st->column,
	    .end_sequence = st->end_sequence,
	};
	bool first = *starting;

	if (first)
		*keep = !nsym__is_tombstone(row.addr);
	*starting = st->end_sequence;
	if (!*keep)
		return 0;
	if (!first && u->nrows > 0 && u->rows[u->nrows - 1].addr == row.addr) {
		u->rows[u->nrows - 1] = row;
		return 0;
	}
	if (nsym__grow((void **)&u->rows, cap, u->nrows + 1, sizeof(*u->rows)) != 0)
		return NSYM_ENOMEM;
	u->rows[u->nrows++] = row;
	return 0;
}

static int run_program(struct nsym_buf *b, const struct line_ctx *c, const struct program *p)
{
	struct line_state st = {.file = 1, .line = 1, .is_stmt = p->default_is_stmt};
	bool starting = true, keep = true;
	size_t cap = 0;
	int rc = 0;

	while (b->p < b->end && !b->bad && rc == 0) {
		uint8_t op = nsym_buf_u8(b);
		if (op >= p->opcode_base) {
			uint8_t adj = (uint8_t)(op - p->opcode_base);
			st.addr += (uint64_t)(adj / p->line_range) * p->min_inst;
			st.line += (uint64_t)(int64_t)(p->line_base + adj % p->line_range);
			rc = emit(c->unit, &cap, &st, &starting, &keep);
			continue;
		}
		switch (op) {
		case 0: { /* extended */
			uint64_t len = nsym_buf_uleb(b);
			const unsigned char *next =
			    b->p + (len <= (uint64_t)(b->end - b->p) ? len : 0);
			if (len == 0 || len > (uint64_t)(b->end - b->p))
				return 0;
			uint8_t sub = nsym_buf_u8(b);
			if (sub == DW_LNE_end_sequence) {
				st.end_sequence = true;
				rc = emit(c->unit, &cap, &st, &starting, &keep);
				st = (struct line_state){
				    .file = 1, .line = 1, .is_stmt = p->default_is_stmt};
			} else if (sub == DW_LNE_set_address && len - 1 <= 8) {
				st.addr = nsym_buf_uint(b, (int)(len - 1));
			}
			b->p = next;
			break;
		}
		case DW_LNS_copy:
			rc = emit(c->unit, &cap, &st, &starting, &keep);
			break;
		case DW_LNS_advance_pc:
			st.addr += nsym_buf_uleb(b) * p->min_inst;
			break;
		case DW_LNS_advance_line:
			st.line += (uint64_t)nsym_buf_sleb(b);
			break;
		case DW_LNS_set_file:
			st.file = nsym_buf_uleb(b);
			break;
		case DW_LNS_set_column:
			st.column = nsym_buf_uleb(b);
			break;
		case DW_LNS_negate_stmt:
			st.is_stmt = !st.is_stmt;
			break;
		case DW_LNS_const_add_pc:
			st.addr += (uint64_t)((255 - p->opcode_base) / p->line_range) * p->min_inst;
			break;
		case DW_LNS_fixed_advance_pc:
			st.addr += nsym_buf_uint(b, 2);
			break;
		default: /* basic_block, prologue_end, epilogue_begin, isa, unknown */
			for (uint8_t i = 0; i < p->opcode_lengths[op - 1]; i++)
				nsym_buf_uleb(b);
		}
	}
	return rc;
}

static int read_program(struct nsym_buf *b, struct line_ctx *c)
{
	struct program p = {0};
	uint64_t header_length;
	const unsigned char *program;
	int rc;

	if (c->version >= 5) {
		c->address_size = nsym_buf_u8(b);
		nsym_buf_u8(b); /* segment selector size */
	}
	header_length = nsym_buf_uint(b, c->offset_size);
	if (b->bad || header_length > (uint64_t)(b->end - b->p))
		return NSYM_EDWARF;
	program = b->p + header_length;
	p.min_inst = nsym_buf_u8(b);
	if (c->version >= 4)
		nsym_buf_u8(b); /* maximum operations per instruction: VLIW only */
	p.default_is_stmt = nsym_buf_u8(b) != 0;
	p.line_base = (int8_t)nsym_buf_u8(b);
	p.line_range = nsym_buf_u8(b);
	p.opcode_base = nsym_buf_u8(b);
	p.opcode_lengths = b->p;
	if (b->bad || p.line_range == 0 || p.opcode_base == 0)
		return NSYM_EDWARF;
	nsym_buf_skip(b, p.opcode_base - 1u);
	rc = c->version >= 5 ? read_tables_v5(b, c) : read_tables_v4(b, c);
	if (rc != 0 || b->bad)
		return rc != 0 ? rc : NSYM_EDWARF;
	b->p = program;
	return run_program(b, c, &p);
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

int nsym__unit_read_lines(struct nsym_dwarf *dw, struct nsym_unit *unit)
{
	struct line_ctx c = {.dw = dw, .unit = unit, .address_size = unit->cu.address_size};
	struct nsym_section line;
	struct nsym_buf b;
	uint64_t length;
	int rc;

	line = dw->sec[NSYM_DW_LINE];
	if (!unit->has_stmt_list || line.data == NULL || unit->stmt_list >= line.size)
		return 0; /* a unit without lines still has scopes */
	c.str = dw->sec[NSYM_DW_STR];
	c.line_str = dw->sec[NSYM_DW_LINE_STR];
	b = (struct nsym_buf){line.data + unit->stmt_list, line.data + line.size, dw->big_endian,
	                      false};
	c.offset_size = 4;
	length = nsym_buf_uint(&b, 4);
	if (length == 0xffffffff) {
		c.offset_size = 8;
		length = nsym_buf_uint(&b, 8);
	}
	if (b.bad || length > (uint64_t)(b.end - b.p))
		return 0;
	b.end = b.p + length;
	c.version = (uint16_t)nsym_buf_uint(&b, 2);
	if (c.version < 2 || c.version > 5)
		return 0;
	rc = read_program(&b, &c);
	if (unit->nrows > 1)
		qsort(unit->rows, unit->nrows, sizeof(*unit->rows), compare_rows);
	return rc == NSYM_ENOMEM ? rc : 0; /* a damaged table keeps what was read */
}

const char *nsym__unit_file(const struct nsym_unit *unit, uint64_t file)
{
	if (file >= unit->nfiles)
		return NULL;
	return unit->files[file];
}
