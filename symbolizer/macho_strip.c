/*
 * One thin Mach-O image without its local symbols and debug map, as
 * `strip -S -x` leaves a bundle or dylib. The debug map is the stabs
 * (N_SO, N_OSO, N_FUN...) through which dsymutil found the object files'
 * DWARF; once the dSYM is made they only say where the build ran. Local
 * symbols name the addon's internals; the dSYM keeps a copy of them.
 *
 * Only __LINKEDIT changes, and it is the last segment, so every byte the
 * loader maps from the other segments keeps its offset. In it the symbol
 * table loses the entries, the string table is written anew with only the
 * names still used, LC_DYSYMTAB's groups (locals, then defined externals,
 * then undefined ones) and the indirect symbol table (which stubs and
 * pointers use to name their symbols by index) are renumbered, and what
 * follows the symbol table moves up. Every load command that points into
 * __LINKEDIT is known here and updated; one that could point at symbols by
 * index and is only found in old files (LC_DYSYMTAB's table of contents,
 * module table, external references and relocations; LC_TWOLEVEL_HINTS) is
 * refused rather than left wrong. A code signature is made anew over the
 * new bytes (macho_sign.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "split_macho.h"

#define LC_SEGMENT                  0x1u
#define LC_SYMTAB                   0x2u
#define LC_DYSYMTAB                 0xbu
#define LC_TWOLEVEL_HINTS           0x16u
#define LC_SEGMENT_64               0x19u
#define LC_CODE_SIGNATURE           0x1du
#define LC_SEGMENT_SPLIT_INFO       0x1eu
#define LC_DYLD_INFO                0x22u
#define LC_FUNCTION_STARTS          0x26u
#define LC_DATA_IN_CODE             0x29u
#define LC_DYLIB_CODE_SIGN_DRS      0x2bu
#define LC_LINKER_OPTIMIZATION_HINT 0x2eu
#define LC_NOTE                     0x31u
#define LC_ATOM_INFO                0x36u
#define LC_DYLD_INFO_ONLY           0x80000022u
#define LC_DYLD_EXPORTS_TRIE        0x80000033u
#define LC_DYLD_CHAINED_FIXUPS      0x80000034u

#define N_STAB 0xe0u
#define N_EXT  0x01u
#define N_TYPE 0x0eu
#define N_INDR 0x0au
#define N_OSO  0x66u

#define INDIRECT_SYMBOL_LOCAL 0x80000000u
#define INDIRECT_SYMBOL_ABS   0x40000000u

#define CPU_TYPE_ARM 12

#define DROPPED UINT32_MAX

/* A string table's size is a 32-bit field. */
#define STRINGS_MAX UINT32_MAX

/* Load commands that point into __LINKEDIT, at most this many ranges. */
#define PIECES_MAX 32

enum piece_kind { PIECE_DATA, PIECE_SYMBOLS, PIECE_STRINGS, PIECE_INDIRECT, PIECE_SIGNATURE };

/* A range of __LINKEDIT that a load command names. */
struct piece {
	const char *name;     /* for messages */
	enum piece_kind kind; /* what becomes of it */
	uint32_t field;       /* head offset of its 32-bit file offset */
	uint32_t count_field; /* and of its size or count */
	uint32_t unit;        /* bytes per counted item; 1 for a size */
	uint64_t off, size;   /* in the input image */
	uint64_t new_off, new_size;
	const unsigned char *data; /* new contents; NULL: the input's */
	uint32_t order;            /* load command order, to sort ties */
};

/* The rewrite of one image, as it is being planned. */
struct strip {
	const struct nsym_bytes *file;
	const unsigned char *in; /* the image's first byte */
	uint64_t size;
	const char *where;
	bool big, is64, keep_symbols;
	unsigned char *head;
	size_t head_size;
	struct piece pieces[PIECES_MAX];
	size_t npieces;
	uint32_t linkedit_cmd; /* head offset of __LINKEDIT's segment command; 0: none */
	uint64_t le_fileoff, le_filesize, le_vmsize;
	uint64_t other_end; /* where the other segments' file contents end */
	uint64_t note_end;  /* where LC_NOTE data ends */
	uint32_t symtab_cmd, dysymtab_cmd;
	uint32_t nsyms, kept;
	uint32_t *map; /* old symbol index to new, or DROPPED */
	unsigned char *symbols, *strings, *indirect;
	uint32_t strings_size;
	struct piece *signature;
	struct nsym_cs_plan cs;
};

/* ---- fields in the image's byte order ------------------------------------ */

static uint32_t get32(const struct strip *s, const unsigned char *p)
{
	return s->big ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
	              : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint64_t get64(const struct strip *s, const unsigned char *p)
{
	uint64_t a = get32(s, p), b = get32(s, p + 4);
	return s->big ? a << 32 | b : b << 32 | a;
}

static void put32(const struct strip *s, unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[s->big ? 3 - i : i] = (unsigned char)(v >> (8 * i));
}

static void put64(const struct strip *s, unsigned char *p, uint64_t v)
{
	put32(s, p + (s->big ? 4 : 0), (uint32_t)v);
	put32(s, p + (s->big ? 0 : 4), (uint32_t)(v >> 32));
}

/* A pointer-sized field of a segment command. */
static uint64_t get_word(const struct strip *s, const unsigned char *p)
{
	return s->is64 ? get64(s, p) : get32(s, p);
}

static void put_word(const struct strip *s, unsigned char *p, uint64_t v)
{
	if (s->is64)
		put64(s, p, v);
	else
		put32(s, p, (uint32_t)v);
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

static int damaged(const struct strip *s, const char *what)
{
	return nsym__fail(NSYM_ETRUNC, s->file->path, "%s%s", s->where, what);
}

static int unsupported(const struct strip *s, const char *what)
{
	return nsym__fail(NSYM_EUNSUPPORTED, s->file->path, "%s%s; split does not rewrite it",
	                  s->where, what);
}

/* ---- the load commands --------------------------------------------------- */

static int add_piece(struct strip *s, const char *name, enum piece_kind kind, uint32_t cmd,
                     uint32_t field, uint32_t count_field, uint32_t unit)
{
	struct piece *p;

	if (s->npieces == PIECES_MAX)
		return unsupported(s, "more load commands point into __LINKEDIT than expected");
	p = &s->pieces[s->npieces];
	*p = (struct piece){.name = name,
	                    .kind = kind,
	                    .field = cmd + field,
	                    .count_field = cmd + count_field,
	                    .unit = unit,
	                    .order = (uint32_t)s->npieces};
	p->off = get32(s, s->head + p->field);
	p->size = (uint64_t)get32(s, s->head + p->count_field) * unit;
	s->npieces++;
	if (kind == PIECE_SIGNATURE)
		s->signature = p;
	return 0;
}

static int read_segment(struct strip *s, uint32_t at, uint32_t cmdsize)
{
	size_t w = s->is64 ? 8 : 4;
	const unsigned char *c = s->head + at;
	uint64_t fileoff, filesize;
	uint32_t nsects;

	if (cmdsize < 24 + 4 * w + 16)
		return damaged(s, "a segment command is truncated");
	fileoff = get_word(s, c + 24 + 2 * w);
	filesize = get_word(s, c + 24 + 3 * w);
	nsects = get32(s, c + 24 + 4 * w + 8);
	/* relocations in a section may number symbols (r_extern); linked
	 * images have none but kernel extensions and the like */
	for (uint32_t i = 0; i < nsects; i++) {
		size_t sect = 24 + 4 * w + 16 + i * (s->is64 ? 80 : 68);
		if (sect + (s->is64 ? 80 : 68) > cmdsize)
			return damaged(s, "a segment's sections do not fit in its command");
		if (get32(s, c + sect + 32 + 2 * w + 12) != 0)
			return unsupported(s, "a section has relocations");
	}
	if (memcmp(c + 8, "__LINKEDIT", 11) == 0) {
		if (s->linkedit_cmd != 0)
			return damaged(s, "two __LINKEDIT segments");
		s->linkedit_cmd = at;
		s->le_fileoff = fileoff;
		s->le_filesize = filesize;
		s->le_vmsize = get_word(s, c + 24 + w);
	} else if (filesize > 0 && fileoff + filesize > s->other_end) {
		s->other_end = fileoff + filesize;
	}
	return 0;
}

/* LC_DYSYMTAB: the indirect symbol table and local relocations move; the
 * parts that number symbols in ways only old linkers used must be empty. */
static int read_dysymtab(struct strip *s, uint32_t at, uint32_t cmdsize)
{
	static const struct {
		uint32_t field;
		const char *name;
	} old[] = {{36, "a table of contents"},
	           {44, "a module table"},
	           {52, "external symbol references"},
	           {68, "external relocations"}};
	int rc;

	if (cmdsize < 80)
		return damaged(s, "LC_DYSYMTAB is truncated");
	if (s->dysymtab_cmd != 0)
		return damaged(s, "two LC_DYSYMTAB commands");
	s->dysymtab_cmd = at;
	for (size_t i = 0; i < sizeof(old) / sizeof(*old); i++) {
		if (get32(s, s->head + at + old[i].field) != 0) {
			char why[120];
			snprintf(why, sizeof(why), "LC_DYSYMTAB has %s, as only old linkers wrote",
			         old[i].name);
			return unsupported(s, why);
		}
	}
	rc = add_piece(s, "the indirect symbol table", PIECE_INDIRECT, at, 56, 60, 4);
	if (rc == 0)
		rc = add_piece(s, "local relocations", PIECE_DATA, at, 72, 76, 8);
	return rc;
}

/* The ranges of __LINKEDIT that the command at `at` names. */
static int read_command(struct strip *s, uint32_t at, uint32_t type, uint32_t cmdsize)
{
	static const char *const dyld_info[] = {"rebase info", "binding info", "weak binding info",
	                                        "lazy binding info", "export info"};
	const char *name = NULL;
	int rc = 0;

	switch (type) {
	case LC_SEGMENT:
	case LC_SEGMENT_64:
		if ((type == LC_SEGMENT_64) != s->is64)
			return 0;
		return read_segment(s, at, cmdsize);
	case LC_SYMTAB:
		if (cmdsize < 24)
			return damaged(s, "LC_SYMTAB is truncated");
		if (s->symtab_cmd != 0)
			return damaged(s, "two LC_SYMTAB commands");
		s->symtab_cmd = at;
		rc = add_piece(s, "the symbol table", PIECE_SYMBOLS, at, 8, 12, s->is64 ? 16 : 12);
		if (rc == 0)
			rc = add_piece(s, "the string table", PIECE_STRINGS, at, 16, 20, 1);
		return rc;
	case LC_DYSYMTAB:
		return read_dysymtab(s, at, cmdsize);
	case LC_DYLD_INFO:
	case LC_DYLD_INFO_ONLY:
		if (cmdsize < 48)
			return damaged(s, "LC_DYLD_INFO is truncated");
		for (uint32_t i = 0; i < 5 && rc == 0; i++)
			rc = add_piece(s, dyld_info[i], PIECE_DATA, at, 8 + 8 * i, 12 + 8 * i, 1);
		return rc;
	case LC_TWOLEVEL_HINTS:
		if (cmdsize >= 16 && get32(s, s->head + at + 12) != 0)
			return unsupported(s, "LC_TWOLEVEL_HINTS numbers symbols");
		return 0;
	case LC_NOTE:
		if (cmdsize < 40)
			return damaged(s, "LC_NOTE is truncated");
		if (get64(s, s->head + at + 32) > 0 &&
		    get64(s, s->head + at + 24) + get64(s, s->head + at + 32) > s->note_end)
			s->note_end = get64(s, s->head + at + 24) + get64(s, s->head + at + 32);
		return 0;
	case LC_CODE_SIGNATURE:
		if (cmdsize < 16)
			return damaged(s, "LC_CODE_SIGNATURE is truncated");
		return add_piece(s, "the code signature", PIECE_SIGNATURE, at, 8, 12, 1);
	case LC_SEGMENT_SPLIT_INFO:
		name = "segment split info";
		break;
	case LC_FUNCTION_STARTS:
		name = "function starts";
		break;
	case LC_DATA_IN_CODE:
		name = "data in code";
		break;
	case LC_DYLIB_CODE_SIGN_DRS:
		name = "code signing requirements";
		break;
	case LC_LINKER_OPTIMIZATION_HINT:
		name = "linker optimization hints";
		break;
	case LC_ATOM_INFO:
		name = "atom info";
		break;
	case LC_DYLD_EXPORTS_TRIE:
		name = "the exports trie";
		break;
	case LC_DYLD_CHAINED_FIXUPS:
		name = "chained fixups";
		break;
	default:
		return 0;
	}
	if (cmdsize < 16)
		return damaged(s, "a linkedit data command is truncated");
	return add_piece(s, name, PIECE_DATA, at, 8, 12, 1);
}

static int read_commands(struct strip *s)
{
	uint32_t ncmds = get32(s, s->in + 16), at = s->is64 ? 32 : 28;
	int rc = 0;

	/* nsym__macho_layout has checked that the commands and their sizes
	 * lie within sizeofcmds */
	for (uint32_t i = 0; i < ncmds && rc == 0; i++) {
		uint32_t type = get32(s, s->head + at), cmdsize = get32(s, s->head + at + 4);
		rc = read_command(s, at, type, cmdsize);
		at += cmdsize;
	}
	return rc;
}

static int by_offset(const void *a, const void *b)
{
	const struct piece *x = a, *y = b;

	if (x->off != y->off)
		return x->off < y->off ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Every range lies in __LINKEDIT, none overlaps another, the signature is
 * last, and __LINKEDIT is the last thing in the image that is loaded. */
static int check_pieces(struct strip *s)
{
	uint64_t le_end = s->le_fileoff + s->le_filesize, prev_end = 0;
	const char *prev = NULL;

	if (s->linkedit_cmd == 0)
		return unsupported(s, "the symbol table is not in a __LINKEDIT segment");
	if (s->le_fileoff < s->head_size || le_end > s->size)
		return damaged(s, "__LINKEDIT overlaps the load commands or runs past the image");
	if (s->other_end > s->le_fileoff || s->note_end > s->le_fileoff)
		return unsupported(s, "__LINKEDIT is not the last segment in the file");
	qsort(s->pieces, s->npieces, sizeof(*s->pieces), by_offset);
	s->signature = NULL;
	for (size_t i = 0; i < s->npieces; i++) {
		struct piece *p = &s->pieces[i];
		char why[160];

		if (p->kind == PIECE_SIGNATURE)
			s->signature = p;
		if (p->size == 0)
			continue;
		if (p->off < s->le_fileoff || p->off > le_end || p->size > le_end - p->off) {
			snprintf(why, sizeof(why), "%s lies outside __LINKEDIT", p->name);
			return damaged(s, why);
		}
		if (prev != NULL && p->off < prev_end) {
			snprintf(why, sizeof(why), "%s overlaps %s", p->name, prev);
			return damaged(s, why);
		}
		if (s->signature != NULL && p->kind != PIECE_SIGNATURE)
			return unsupported(
			    s, "the code signature is not the last thing in __LINKEDIT");
		prev = p->name;
		prev_end = p->off + p->size;
	}
	return 0;
}

static struct piece *find_piece(struct strip *s, enum piece_kind kind)
{
	for (size_t i = 0; i < s->npieces; i++) {
		if (s->pieces[i].kind == kind)
			return &s->pieces[i];
	}
	return NULL;
}

/* ---- the symbols --------------------------------------------------------- */

/* Which symbols stay, and their new numbers. */
static int plan_symbols(struct strip *s, const struct piece *sym, bool *out_debug_map)
{
	size_t entry = s->is64 ? 16 : 12;
	uint64_t lo = 0, hi = 0;
	const unsigned char *d = s->dysymtab_cmd != 0 ? s->head + s->dysymtab_cmd : NULL;

	s->nsyms = (uint32_t)(sym->size / entry);
	if (d != NULL) {
		lo = get32(s, d + 8);
		hi = lo + get32(s, d + 12);
		if (hi > s->nsyms || (uint64_t)get32(s, d + 16) + get32(s, d + 20) > s->nsyms ||
		    (uint64_t)get32(s, d + 24) + get32(s, d + 28) > s->nsyms)
			return damaged(s, "LC_DYSYMTAB's groups run past the symbol table");
	}
	s->map = malloc(((size_t)s->nsyms + 1) * sizeof(*s->map));
	if (s->map == NULL)
		return nsym__fail(NSYM_ENOMEM, s->file->path, NULL);
	s->kept = 0;
	for (uint32_t i = 0; i < s->nsyms; i++) {
		uint8_t type = s->in[sym->off + (uint64_t)i * entry + 4];
		/* without LC_DYSYMTAB the locals are the symbols not external */
		bool local = d != NULL ? i >= lo && i < hi : !(type & N_EXT);
		bool drop = (type & N_STAB) != 0 || (local && !s->keep_symbols);

		*out_debug_map |= type == N_OSO;
		s->map[i] = drop ? DROPPED : s->kept++;
	}
	return 0;
}

/* A name from the old string table: its length with the NUL, or 0 when it
 * does not end inside the table. */
static size_t name_size(const struct strip *s, const struct piece *str, uint32_t strx)
{
	const unsigned char *p = s->in + str->off + strx, *nul;

	if (strx >= str->size)
		return 0;
	nul = memchr(p, '\0', str->size - strx);
	return nul != NULL ? (size_t)(nul - p) + 1 : 0;
}

/*
 * The new symbol and string tables. The string table starts as the old one
 * did (linkers begin it with " " or "" so that index 0 names nothing) and
 * holds each kept name once per symbol; it is padded to the pointer size
 * as ld64 pads it.
 */
static int write_symbols(struct strip *s, const struct piece *sym, const struct piece *str)
{
	size_t entry = s->is64 ? 16 : 12, w = s->is64 ? 8 : 4, lead, used, cap = 0;
	uint32_t next = 0;

	lead = str->size > 0 ? name_size(s, str, 0) : 0;
	s->symbols = malloc(s->kept > 0 ? (size_t)s->kept * entry : 1);
	if (s->symbols == NULL)
		return nsym__fail(NSYM_ENOMEM, s->file->path, NULL);
	/* names linkers share (one a suffix of another) are written once
	 * each, so the table may outgrow the old one */
	if (nsym__grow((void **)&s->strings, &cap, str->size + w, 1) != 0)
		return NSYM_ENOMEM;
	memcpy(s->strings, s->in + str->off, lead);
	used = lead;
	for (uint32_t i = 0; i < s->nsyms; i++) {
		unsigned char *out = s->symbols + (size_t)next * entry;
		uint32_t strx;

		if (s->map[i] == DROPPED)
			continue;
		memcpy(out, s->in + sym->off + (uint64_t)i * entry, entry);
		/* n_strx, and an indirect symbol's n_value, index the strings */
		for (int field = 0; field < 2; field++) {
			unsigned char *at = field == 0 ? out : out + 8;
			size_t n;
			if (field == 1 && (out[4] & (N_STAB | N_TYPE)) != N_INDR)
				break;
			strx = field == 0 ? get32(s, at) : (uint32_t)get_word(s, at);
			if (strx == 0 || strx < lead)
				continue;
			n = name_size(s, str, strx);
			if (n == 0)
				return damaged(s, "a symbol's name lies outside the string table");
			if (used + n + w > STRINGS_MAX)
				return unsupported(s, "the new string table would pass 4 GiB");
			if (nsym__grow((void **)&s->strings, &cap, used + n + w, 1) != 0)
				return NSYM_ENOMEM;
			memcpy(s->strings + used, s->in + str->off + strx, n);
			if (field == 0)
				put32(s, at, (uint32_t)used);
			else
				put_word(s, at, used);
			used += n;
		}
		next++;
	}
	/* the padding is zeros */
	memset(s->strings + used, 0, align_up(used, w) - used);
	s->strings_size = (uint32_t)(used > 0 ? align_up(used, w) : 0);
	return 0;
}

/* The indirect symbol table with the new numbers; an entry for a symbol
 * that is gone becomes INDIRECT_SYMBOL_LOCAL, as strip makes it. */
static int write_indirect(struct strip *s, const struct piece *ind)
{
	uint64_t n = ind->size / 4;

	s->indirect = malloc(n > 0 ? n * 4 : 1);
	if (s->indirect == NULL)
		return nsym__fail(NSYM_ENOMEM, s->file->path, NULL);
	for (uint64_t i = 0; i < n; i++) {
		uint32_t v = get32(s, s->in + ind->off + 4 * i);
		if (!(v & (INDIRECT_SYMBOL_LOCAL | INDIRECT_SYMBOL_ABS))) {
			if (v >= s->nsyms)
				return damaged(
				    s, "the indirect symbol table names a symbol past the end");
			v = s->map[v] == DROPPED ? INDIRECT_SYMBOL_LOCAL : s->map[v];
		}
		put32(s, s->indirect + 4 * i, v);
	}
	return 0;
}

/* ---- the new __LINKEDIT -------------------------------------------------- */

/*
 * New offsets and sizes. Ranges before the first that changes keep their
 * offsets; from there on each is placed after the one before it, aligned
 * to the pointer size (16 for the signature, as linkers align it).
 */
static int lay_out(struct strip *s, uint64_t *out_end)
{
	size_t w = s->is64 ? 8 : 4;
	uint64_t cursor = s->le_fileoff, le_end = s->le_fileoff + s->le_filesize;
	bool moved = false;

	for (size_t i = 0; i < s->npieces; i++) {
		struct piece *p = &s->pieces[i];

		if (p->off == 0 && p->size == 0) {
			p->new_off = p->new_size = 0; /* absent */
			continue;
		}
		switch (p->kind) {
		case PIECE_SYMBOLS:
			p->new_size = (uint64_t)s->kept * (s->is64 ? 16 : 12);
			p->data = s->symbols;
			break;
		case PIECE_STRINGS:
			p->new_size = s->strings_size;
			p->data = s->strings;
			break;
		case PIECE_INDIRECT:
			p->new_size = p->size;
			p->data = s->indirect;
			break;
		default:
			p->new_size = p->size;
			break;
		}
		if (p->size == 0 && p->kind != PIECE_SIGNATURE) {
			/* an empty range names a place, not bytes: it stays
			 * where it was while nothing before it moved */
			p->new_off =
			    !moved && p->off >= cursor && p->off <= le_end ? p->off : cursor;
			continue;
		}
		if (!moved && p->off >= cursor && p->kind != PIECE_SIGNATURE)
			p->new_off = p->off;
		else
			p->new_off = align_up(cursor, p->kind == PIECE_SIGNATURE ? 16 : w);
		if (p->kind == PIECE_SIGNATURE)
			p->new_size = nsym__cs_size(&s->cs, p->new_off);
		moved |= p->new_off != p->off || p->new_size != p->size;
		cursor = p->new_off + p->new_size;
	}
	*out_end = s->signature != NULL ? cursor : align_up(cursor, w);
	if (*out_end > UINT32_MAX)
		return unsupported(s, "__LINKEDIT ends past 4 GiB");
	return 0;
}

/* The load commands with the new offsets, counts and segment size. */
static void patch_head(struct strip *s, uint64_t end)
{
	size_t w = s->is64 ? 8 : 4;
	unsigned char *seg = s->head + s->linkedit_cmd;
	uint64_t filesize = end - s->le_fileoff, vmsize;
	/* arm64 pages are 16 KiB; a segment's vmsize was either its filesize
	 * (ld64.lld) or that rounded up to whole pages (ld64) */
	uint64_t page = (get32(s, s->in + 4) & 0xffffffu) == CPU_TYPE_ARM ? 0x4000 : 0x1000;

	vmsize = s->le_vmsize == s->le_filesize ? filesize : align_up(filesize, page);
	if (vmsize > s->le_vmsize)
		vmsize = s->le_vmsize;
	put_word(s, seg + 24 + w, vmsize);
	put_word(s, seg + 24 + 3 * w, filesize);
	for (size_t i = 0; i < s->npieces; i++) {
		const struct piece *p = &s->pieces[i];
		put32(s, s->head + p->field, (uint32_t)p->new_off);
		put32(s, s->head + p->count_field, (uint32_t)(p->new_size / p->unit));
	}
	if (s->dysymtab_cmd != 0) {
		unsigned char *d = s->head + s->dysymtab_cmd;
		/* each group's first new number is the kept symbols before it */
		for (int g = 0; g < 3; g++) {
			uint32_t first = get32(s, d + 8 + 8 * g), n = get32(s, d + 12 + 8 * g);
			uint32_t new_first = 0, new_n = 0;
			for (uint32_t i = 0; i < first; i++)
				new_first += s->map[i] != DROPPED;
			for (uint32_t i = first; i < first + n; i++)
				new_n += s->map[i] != DROPPED;
			put32(s, d + 8 + 8 * g, new_first);
			put32(s, d + 12 + 8 * g, new_n);
		}
	}
}

/* Fills the new __LINKEDIT, signature last. */
static int write_linkedit(struct strip *s, struct nsym_macho_strip *out)
{
	for (size_t i = 0; i < s->npieces; i++) {
		const struct piece *p = &s->pieces[i];
		unsigned char *to = out->linkedit + (p->new_off - s->le_fileoff);

		if (p->new_size == 0 || p->kind == PIECE_SIGNATURE)
			continue;
		memcpy(to, p->data != NULL ? p->data : s->in + p->off, p->new_size);
	}
	if (s->signature != NULL) {
		const struct piece *p = s->signature;
		struct nsym_cs_code code = {
		    .part = {s->head, s->in + s->head_size, out->linkedit},
		    .size = {s->head_size, s->le_fileoff - s->head_size,
		             p->new_off - s->le_fileoff},
		};
		int rc = nsym__cs_write(out->linkedit + (p->new_off - s->le_fileoff), &s->cs, &code,
		                        p->new_off, s->file->path);
		if (rc != 0)
			return rc;
		out->resigned = true;
	}
	return 0;
}

/* ---- one image ----------------------------------------------------------- */

static int plan(struct strip *s, struct nsym_macho_strip *out)
{
	const struct piece *sym, *str, *ind;
	uint64_t end;
	int rc = read_commands(s);

	if (rc != 0 || s->symtab_cmd == 0)
		return rc; /* no symbol table: nothing to drop */
	rc = check_pieces(s);
	if (rc != 0)
		return rc;
	sym = find_piece(s, PIECE_SYMBOLS);
	str = find_piece(s, PIECE_STRINGS);
	ind = find_piece(s, PIECE_INDIRECT);
	rc = plan_symbols(s, sym, &out->has_debug_map);
	out->symbols_before = s->nsyms;
	out->symbols_after = s->kept;
	if (rc != 0 || s->kept == s->nsyms)
		return rc;
	rc = write_symbols(s, sym, str);
	if (rc == 0 && ind != NULL)
		rc = write_indirect(s, ind);
	if (rc == 0 && s->signature != NULL)
		rc = nsym__cs_plan(&s->cs, s->in + s->signature->off, s->signature->size,
		                   s->file->path, s->where);
	if (rc == 0)
		rc = lay_out(s, &end);
	if (rc != 0)
		return rc;
	patch_head(s, end);
	out->linkedit_at = s->le_fileoff;
	out->linkedit_size = end - s->le_fileoff;
	out->linkedit = calloc(1, out->linkedit_size > 0 ? out->linkedit_size : 1);
	if (out->linkedit == NULL)
		return nsym__fail(NSYM_ENOMEM, s->file->path, NULL);
	rc = write_linkedit(s, out);
	if (rc == 0) {
		out->head = s->head;
		out->head_size = s->head_size;
		out->size = end;
		s->head = NULL;
	}
	return rc;
}

int nsym__macho_strip(struct nsym_macho_strip *out, const struct nsym_bytes *file, uint64_t offset,
                      uint64_t size, bool keep_symbols, const char *where)
{
	struct nsym_macho_layout *layout = malloc(sizeof(*layout));
	struct nsym_image image;
	struct strip s = {.file = file, .size = size, .where = where, .keep_symbols = keep_symbols};
	int rc;

	memset(out, 0, sizeof(*out));
	out->in_offset = offset;
	out->in_size = size;
	out->size = size;
	if (layout == NULL)
		return nsym__fail(NSYM_ENOMEM, file->path, NULL);
	/* the reader's checks: header, load commands, segments in the image */
	rc = nsym__macho_layout(layout, &image, file, offset, size);
	s.big = layout->big_endian;
	s.is64 = layout->is64;
	free(layout);
	if (rc != 0)
		return rc;
	s.in = file->data + offset;
	s.head_size = (s.is64 ? 32 : 28) + (size_t)get32(&s, s.in + 20);
	out->cputype = get32(&s, s.in + 4);
	out->cpusubtype = get32(&s, s.in + 8);
	s.head = malloc(s.head_size);
	if (s.head == NULL)
		return nsym__fail(NSYM_ENOMEM, file->path, NULL);
	memcpy(s.head, s.in, s.head_size);
	rc = plan(&s, out);
	free(s.head);
	free(s.map);
	free(s.symbols);
	free(s.strings);
	free(s.indirect);
	return rc;
}

void nsym__macho_strip_free(struct nsym_macho_strip *s)
{
	if (s == NULL)
		return;
	free(s->head);
	free(s->linkedit);
	s->head = s->linkedit = NULL;
}
