/*
 * The two writers of `split`, on libelf. Section bytes are handed to libelf
 * as ELF_T_BYTE pointing into the input's mapping, so nothing is copied in
 * memory and nothing is converted: what the input holds is what is written.
 *
 * The debug file keeps every section header at its index (so the symbol
 * table's section indices stay true) and lets libelf lay it out. The
 * stripped file is laid out by hand (ELF_F_LAYOUT): every byte the loader
 * maps keeps its offset, and the bytes between sections inside segments,
 * which no section owns and libelf would zero, are copied back afterwards.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libdeflate.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "split.h"

#ifndef ELFCOMPRESS_ZSTD
#define ELFCOMPRESS_ZSTD 2
#endif

/* Compressing a smaller section saves nothing once its header is paid. */
#define MIN_COMPRESS 256

/* Buffers that must outlive elf_update(). */
struct owned {
	void **ptr;
	size_t count;
};

static void *own(struct owned *o, size_t size)
{
	void **grown = realloc(o->ptr, (o->count + 1) * sizeof(*o->ptr));
	void *p;

	if (grown == NULL)
		return NULL;
	o->ptr = grown;
	p = calloc(1, size > 0 ? size : 1);
	if (p != NULL)
		o->ptr[o->count++] = p;
	return p;
}

static void own_free(struct owned *o)
{
	for (size_t i = 0; i < o->count; i++)
		free(o->ptr[i]);
	free(o->ptr);
}

static void put32(unsigned char *p, uint32_t v, bool msb)
{
	for (int i = 0; i < 4; i++)
		p[msb ? 3 - i : i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v, bool msb)
{
	for (int i = 0; i < 8; i++)
		p[msb ? 7 - i : i] = (unsigned char)(v >> (8 * i));
}

static bool is_msb(const struct split_plan *p)
{
	return p->ef->ehdr.e_ident[EI_DATA] == ELFDATA2MSB;
}

static bool is_64(const struct split_plan *p)
{
	return p->ef->ehdr.e_ident[EI_CLASS] == ELFCLASS64;
}

static int add_data(Elf_Scn *scn, void *buf, size_t size, size_t align, Elf_Type type)
{
	Elf_Data *d = elf_newdata(scn);

	if (d == NULL)
		return -1;
	d->d_buf = buf;
	d->d_size = size;
	d->d_type = type;
	d->d_align = align > 0 ? align : 1;
	d->d_off = 0;
	d->d_version = EV_CURRENT;
	return 0;
}

/* A libelf call failed: for want of memory (errno is cleared when each
 * writer starts, and nothing before the failure is let pass with ENOMEM),
 * else it cannot write. */
static int fail_elf(const char *path, const char *what)
{
	return nsym__fail(nsym__out_of_memory() ? NSYM_ENOMEM : NSYM_EIO, path, "%s: %s", what,
	                  elf_errmsg(-1));
}

/* A new section of out, or NULL. libelf 0.188's elf_newscn returns the
 * section even when it ran out of memory for its header, which then
 * crashes the next call that uses it: errno is what tells. */
static Elf_Scn *new_section(Elf *out)
{
	Elf_Scn *scn = elf_newscn(out);
	return nsym__out_of_memory() ? NULL : scn;
}

/* Starts an output with the input's ELF and program headers. It clears
 * errno for fail_elf and new_section: from here on, an ENOMEM is the
 * writer's. */
static Elf *begin_output(struct split_plan *p, int fd, const char *path)
{
	Elf *out = (errno = 0, elf_begin(fd, ELF_C_WRITE, NULL));
	GElf_Ehdr eh = p->ef->ehdr;
	size_t phnum = 0;

	if (out == NULL || gelf_newehdr(out, eh.e_ident[EI_CLASS]) == NULL) {
		fail_elf(path, "cannot start the ELF output");
		goto fail;
	}
	if (elf_getphdrnum(p->ef->elf, &phnum) != 0)
		phnum = 0;
	eh.e_shoff = 0;
	eh.e_shnum = 0;
	if (!gelf_update_ehdr(out, &eh) || (phnum > 0 && gelf_newphdr(out, phnum) == NULL)) {
		fail_elf(path, "cannot write the ELF header");
		goto fail;
	}
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(p->ef->elf, (int)i, &ph) == NULL ||
		    !gelf_update_phdr(out, (int)i, &ph)) {
			fail_elf(path, "cannot copy a program header");
			goto fail;
		}
	}
	return out;
fail:
	if (out != NULL)
		elf_end(out);
	return NULL;
}

/* The input's .shstrtab with `extra` appended; *out_name is its offset. */
static void *shstrtab_with(struct split_plan *p, struct owned *o, const char *extra,
                           size_t *out_size, size_t *out_name)
{
	const struct split_section *s = &p->sec[p->ef->shstrndx];
	size_t old = s->raw != NULL ? s->raw->d_size : 0;
	size_t add = extra != NULL ? strlen(extra) + 1 : 0;
	unsigned char *buf = own(o, old + add);

	if (buf == NULL)
		return NULL;
	if (old > 0)
		memcpy(buf, s->raw->d_buf, old);
	if (add > 0)
		memcpy(buf + old, extra, add);
	*out_size = old + add;
	*out_name = old;
	return buf;
}

/* ---- compression of debug sections --------------------------------------- */

static size_t compress_bound(enum nsym_compress how, struct libdeflate_compressor *z, size_t n)
{
	return how == NSYM_COMPRESS_ZSTD ? ZSTD_compressBound(n)
	                                 : libdeflate_zlib_compress_bound(z, n);
}

/* A debug section's contents before compression. */
struct plain {
	const void *data;
	size_t size;
	uint64_t align; /* the alignment a reader gives it once inflated */
};

/*
 * Whether section i gets compressed (1, or 0), and from what. Sections
 * compressed in the input with the type asked for stay as they are; with
 * another type they are inflated and compressed again, so the option means
 * what it says. One that cannot be inflated stays as it is too, but not for
 * want of memory: NSYM_ENOMEM.
 */
static int compressible(struct split_plan *p, size_t i, struct plain *out)
{
	const struct split_section *s = &p->sec[i];
	int want = p->opt->compress == NSYM_COMPRESS_ZSTD ? ELFCOMPRESS_ZSTD : ELFCOMPRESS_ZLIB;
	struct nsym_section inflated;
	GElf_Chdr ch;
	int rc;

	if (p->opt->compress == NSYM_COMPRESS_NONE || strncmp(s->name, ".debug_", 7) != 0 ||
	    s->raw == NULL)
		return 0;
	*out = (struct plain){s->raw->d_buf, s->raw->d_size, s->sh.sh_addralign};
	if (!(s->sh.sh_flags & SHF_COMPRESSED))
		return out->size >= MIN_COMPRESS;
	if (gelf_getchdr(elf_getscn(p->ef->elf, i), &ch) == NULL || (int)ch.ch_type == want)
		return 0;
	rc = nsym__elf_section_data(&inflated, p->ef, i);
	if (rc != 0)
		return rc == NSYM_ENOMEM ? rc : 0;
	*out = (struct plain){inflated.data, inflated.size, ch.ch_addralign};
	return 1;
}

/*
 * Compresses one section into an Elf32/64_Chdr followed by the stream.
 * Returns 0 and leaves *out NULL when compressing would not make it
 * smaller, which objcopy and libelf also leave as it was.
 */
static int compress_section(struct split_plan *p, struct owned *o, struct libdeflate_compressor *z,
                            const struct plain *in, unsigned char **out, size_t *out_size)
{
	enum nsym_compress how = p->opt->compress;
	uint32_t type = how == NSYM_COMPRESS_ZSTD ? ELFCOMPRESS_ZSTD : ELFCOMPRESS_ZLIB;
	size_t hdr = is_64(p) ? sizeof(Elf64_Chdr) : sizeof(Elf32_Chdr);
	size_t bound = compress_bound(how, z, in->size), n;
	unsigned char *buf;
	bool msb = is_msb(p);

	*out = NULL;
	buf = own(o, hdr + bound);
	if (buf == NULL)
		return NSYM_ENOMEM;
	if (how == NSYM_COMPRESS_ZSTD) {
		/* ZSTD_compress allocates its context */
		n = ZSTD_compress(buf + hdr, bound, in->data, in->size, 3);
		if (ZSTD_isError(n) && ZSTD_getErrorCode(n) == ZSTD_error_memory_allocation)
			return NSYM_ENOMEM;
		if (ZSTD_isError(n))
			return NSYM_EIO;
	} else {
		n = libdeflate_zlib_compress(z, in->data, in->size, buf + hdr, bound);
		if (n == 0)
			return NSYM_EIO;
	}
	if (hdr + n >= in->size)
		return 0;
	put32(buf, type, msb);
	if (is_64(p)) {
		put32(buf + 4, 0, msb);
		put64(buf + 8, in->size, msb);
		put64(buf + 16, in->align, msb);
	} else {
		put32(buf + 4, (uint32_t)in->size, msb);
		put32(buf + 8, (uint32_t)in->align, msb);
	}
	*out = buf;
	*out_size = hdr + n;
	return 0;
}

/* ---- layout ---------------------------------------------------------------- */

/* Both outputs are laid out here, not by libelf (ELF_F_LAYOUT): libelf would
 * pad before a section by its alignment even when it has no contents, and
 * a damaged input's alignment could then make a file of any size. */
static uint64_t align_up(uint64_t v, uint64_t a)
{
	return a > 1 ? (v + a - 1) / a * a : v;
}

/* A byte range of the stripped file that libelf writes. */
struct span {
	uint64_t start, end;
};

struct layout {
	uint64_t image_end; /* bytes before this keep their input offsets */
	uint64_t cursor;    /* next free offset past the image */
	struct span *spans; /* what libelf writes inside the image */
	size_t nspans;
};

static void place(struct layout *l, GElf_Shdr *sh, bool in_place)
{
	if (in_place) {
		if (sh->sh_type != SHT_NOBITS)
			l->spans[l->nspans++] =
			    (struct span){sh->sh_offset, sh->sh_offset + sh->sh_size};
		return;
	}
	l->cursor = align_up(l->cursor, sh->sh_addralign);
	sh->sh_offset = l->cursor;
	if (sh->sh_type != SHT_NOBITS)
		l->cursor += sh->sh_size;
}

/* ---- the debug file ------------------------------------------------------ */

static int debug_section(struct split_plan *p, struct owned *o, struct libdeflate_compressor *z,
                         Elf *out, struct layout *l, size_t i, const struct split_section *s,
                         const char *path)
{
	struct plain plain;
	Elf_Scn *scn = new_section(out);
	GElf_Shdr sh = s->sh;
	void *buf = s->raw != NULL ? s->raw->d_buf : NULL;
	size_t size = s->raw != NULL ? s->raw->d_size : sh.sh_size;
	size_t align = sh.sh_addralign;
	int rc;

	if (scn == NULL)
		return fail_elf(path, "cannot add a section");
	if (s->debug == SPLIT_NOBITS || sh.sh_type == SHT_NOBITS) {
		sh.sh_type = SHT_NOBITS;
		buf = NULL;
		size = sh.sh_size;
	} else if ((rc = compressible(p, i, &plain)) < 0) {
		return rc; /* recorded by nsym__elf_section_data */
	} else if (rc > 0) {
		unsigned char *packed;
		size_t packed_size;
		rc = compress_section(p, o, z, &plain, &packed, &packed_size);
		if (rc == NSYM_ENOMEM)
			return nsym__fail(rc, path, "out of memory compressing %s", s->name);
		if (rc != 0)
			return nsym__fail(rc, path, "cannot compress %s", s->name);
		if (packed != NULL) {
			buf = packed;
			size = packed_size;
			align = is_64(p) ? 8 : 4;
			sh.sh_flags |= SHF_COMPRESSED;
			sh.sh_addralign = align;
			p->compressed++;
		}
	}
	sh.sh_size = size;
	place(l, &sh, false);
	if (add_data(scn, buf, size, align, ELF_T_BYTE) != 0 || !gelf_update_shdr(scn, &sh))
		return fail_elf(path, "cannot add a section");
	return 0;
}

/* The fallback id of a file without a build-id, where elf_id.c reads it. */
static int add_fallback_id(struct split_plan *p, Elf *out, struct layout *l, size_t name,
                           const char *path)
{
	Elf_Scn *scn = new_section(out);
	GElf_Shdr sh = {.sh_name = (GElf_Word)name, .sh_type = SHT_PROGBITS, .sh_addralign = 1};

	sh.sh_size = NSYM_FALLBACK_ID_SIZE;
	place(l, &sh, false);
	if (scn == NULL ||
	    add_data(scn, p->id.fallback_id, NSYM_FALLBACK_ID_SIZE, 1, ELF_T_BYTE) != 0 ||
	    !gelf_update_shdr(scn, &sh))
		return fail_elf(path, "cannot add the fallback id");
	return 0;
}

static int debug_sections(struct split_plan *p, struct owned *o, Elf *out, struct layout *l,
                          const char *path)
{
	bool fallback = p->id.build_id_len == 0 && p->id.has_fallback_id;
	struct libdeflate_compressor *z = NULL;
	size_t name = 0;
	int rc = 0;

	if (p->opt->compress == NSYM_COMPRESS_ZLIB && (z = libdeflate_alloc_compressor(6)) == NULL)
		return nsym__fail(NSYM_ENOMEM, path, NULL);
	for (size_t i = 1; i < p->shnum && rc == 0; i++) {
		struct split_section s = p->sec[i];
		size_t size = 0;
		if (i == p->ef->shstrndx && fallback) {
			void *buf = shstrtab_with(p, o, NSYM_FALLBACK_SECTION, &size, &name);
			Elf_Data raw = {.d_buf = buf, .d_size = size};
			if (buf == NULL) {
				rc = nsym__fail(NSYM_ENOMEM, path, NULL);
				break;
			}
			s.raw = &raw;
			rc = debug_section(p, o, z, out, l, i, &s, path);
		} else {
			rc = debug_section(p, o, z, out, l, i, &s, path);
		}
	}
	libdeflate_free_compressor(z);
	if (rc == 0 && fallback)
		rc = add_fallback_id(p, out, l, name, path);
	return rc;
}

int nsym__split_write_debug(struct split_plan *p, int fd, const char *path)
{
	struct owned o = {0};
	Elf *out = begin_output(p, fd, path);
	GElf_Ehdr eh;
	struct layout l = {0};
	int rc;

	if (out == NULL)
		return nsym__out_of_memory() ? NSYM_ENOMEM : NSYM_EIO;
	/* The program headers follow the ELF header, as eu-strip -f puts them. */
	gelf_getehdr(out, &eh);
	eh.e_phoff = eh.e_phnum > 0 ? eh.e_ehsize : 0;
	l.cursor = eh.e_ehsize + (uint64_t)eh.e_phnum * eh.e_phentsize;
	elf_flagelf(out, ELF_C_SET, ELF_F_LAYOUT);
	rc = debug_sections(p, &o, out, &l, path);
	if (rc == 0) {
		eh.e_shstrndx = (GElf_Half)p->ef->shstrndx;
		eh.e_shoff = align_up(l.cursor, is_64(p) ? 8 : 4);
		if (!gelf_update_ehdr(out, &eh) || elf_update(out, ELF_C_WRITE) < 0)
			rc = fail_elf(path, "cannot write the debug file");
	}
	elf_end(out);
	own_free(&o);
	return rc;
}

/* ---- the stripped file --------------------------------------------------- */

/* Where the loaded image ends: past it, the stripped file is laid out anew. */
static uint64_t image_end(const struct split_plan *p)
{
	const GElf_Ehdr *eh = &p->ef->ehdr;
	uint64_t end = eh->e_ehsize;
	size_t phnum = 0;

	if (eh->e_phnum > 0 && eh->e_phoff + (uint64_t)eh->e_phnum * eh->e_phentsize > end)
		end = eh->e_phoff + (uint64_t)eh->e_phnum * eh->e_phentsize;
	if (elf_getphdrnum(p->ef->elf, &phnum) != 0)
		phnum = 0;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(p->ef->elf, (int)i, &ph) != NULL &&
		    ph.p_offset + ph.p_filesz > end)
			end = ph.p_offset + ph.p_filesz;
	}
	for (size_t i = 1; i < p->shnum; i++) {
		const GElf_Shdr *sh = &p->sec[i].sh;
		if ((sh->sh_flags & SHF_ALLOC) && sh->sh_type != SHT_NOBITS &&
		    sh->sh_offset + sh->sh_size > end)
			end = sh->sh_offset + sh->sh_size;
	}
	return end;
}

/* The stripped file's index for input section `index`; 0 when dropped. */
static size_t remap(const struct split_plan *p, size_t index)
{
	return index > 0 && index < p->shnum ? p->sec[index].stripped_index : 0;
}

/*
 * Fills `out` (already attached to the output section) with the kept
 * .symtab, leaving out symbols of dropped sections and renumbering section
 * indices. Relocations in executables and shared objects refer to .dynsym,
 * never to .symtab, so leaving symbols out breaks nothing.
 */
static int fill_symtab(struct split_plan *p, struct owned *o, Elf_Data *out, GElf_Shdr *sh)
{
	Elf_Data *in = elf_getdata(elf_getscn(p->ef->elf, p->symtab), NULL);
	size_t n = sh->sh_entsize > 0 ? sh->sh_size / sh->sh_entsize : 0, kept = 0;
	GElf_Word locals = 0;

	if (in == NULL || n == 0 || in->d_size % n != 0)
		return NSYM_ETRUNC;
	out->d_buf = own(o, in->d_size);
	out->d_size = in->d_size;
	out->d_type = ELF_T_SYM;
	if (out->d_buf == NULL)
		return NSYM_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		GElf_Sym sym;
		if (gelf_getsym(in, (int)i, &sym) == NULL)
			return NSYM_ETRUNC;
		if (sym.st_shndx == SHN_XINDEX)
			return NSYM_EUNSUPPORTED;
		if (sym.st_shndx != SHN_UNDEF && sym.st_shndx < SHN_LORESERVE) {
			if (remap(p, sym.st_shndx) == 0)
				continue;
			sym.st_shndx = (Elf64_Section)remap(p, sym.st_shndx);
		}
		if (!gelf_update_sym(out, (int)kept, &sym))
			return NSYM_EIO;
		locals += i < sh->sh_info;
		kept++;
	}
	out->d_size = kept * (in->d_size / n);
	sh->sh_info = locals;
	sh->sh_size = kept * sh->sh_entsize;
	return 0;
}

static int stripped_section(struct split_plan *p, struct owned *o, Elf *out, struct layout *l,
                            size_t i, const char *path)
{
	const struct split_section *s = &p->sec[i];
	Elf_Scn *scn = new_section(out);
	GElf_Shdr sh = s->sh;
	Elf_Data *d;
	bool moved = i == p->ef->shstrndx || i == p->symtab;
	int rc = 0;

	if (scn == NULL || (d = elf_newdata(scn)) == NULL)
		return fail_elf(path, "cannot add a section");
	d->d_buf = s->raw != NULL ? s->raw->d_buf : NULL;
	d->d_size = s->raw != NULL ? s->raw->d_size : sh.sh_size;
	d->d_type = ELF_T_BYTE;
	d->d_align = sh.sh_addralign > 0 ? sh.sh_addralign : 1;
	if (i == p->ef->shstrndx) {
		size_t unused;
		d->d_buf = shstrtab_with(p, o, ".gnu_debuglink", &d->d_size, &unused);
		if (d->d_buf == NULL)
			return nsym__fail(NSYM_ENOMEM, path, NULL);
		sh.sh_size = d->d_size;
	} else if (i == p->symtab && (rc = fill_symtab(p, o, d, &sh)) != 0) {
		return nsym__fail(rc, path, "cannot rewrite .symtab");
	}
	sh.sh_link = (GElf_Word)remap(p, sh.sh_link);
	if (sh.sh_type == SHT_REL || sh.sh_type == SHT_RELA || (sh.sh_flags & SHF_INFO_LINK))
		sh.sh_info = (GElf_Word)remap(p, sh.sh_info);
	place(l, &sh,
	      !moved && ((sh.sh_flags & SHF_ALLOC) ||
	                 (sh.sh_type != SHT_NOBITS && sh.sh_offset + sh.sh_size <= l->image_end)));
	if (!gelf_update_shdr(scn, &sh))
		return fail_elf(path, "cannot add a section");
	return 0;
}

/* .gnu_debuglink: the debug file's name, NUL-padded to 4 bytes, its CRC. */
static int add_debuglink(struct split_plan *p, struct owned *o, Elf *out, struct layout *l,
                         size_t name, const char *path)
{
	size_t len = strlen(p->debuglink), crc_at = (len + 4) & ~(size_t)3;
	unsigned char *buf = own(o, crc_at + 4);
	Elf_Scn *scn = new_section(out);
	GElf_Shdr sh = {.sh_name = (GElf_Word)name, .sh_type = SHT_PROGBITS, .sh_addralign = 4};

	if (buf == NULL)
		return nsym__fail(NSYM_ENOMEM, path, NULL);
	memcpy(buf, p->debuglink, len);
	put32(buf + crc_at, p->debug_crc, is_msb(p));
	sh.sh_size = crc_at + 4;
	place(l, &sh, false);
	if (scn == NULL || add_data(scn, buf, crc_at + 4, 4, ELF_T_BYTE) != 0 ||
	    !gelf_update_shdr(scn, &sh))
		return fail_elf(path, "cannot add .gnu_debuglink");
	return 0;
}

static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* Copies the image bytes no section owns (padding the linker filled,
 * often with trap instructions) from the input, where libelf wrote zeros. */
static int copy_gaps(struct split_plan *p, struct layout *l, int fd, const char *path)
{
	size_t size = 0;
	const char *raw = elf_rawfile(p->ef->elf, &size);
	uint64_t at = 0;

	if (raw == NULL || l->image_end > size)
		return nsym__fail(NSYM_ETRUNC, p->ef->path, "cannot read the loaded image");
	qsort(l->spans, l->nspans, sizeof(*l->spans), cmp_span);
	for (size_t i = 0; i <= l->nspans; i++) {
		uint64_t next = i < l->nspans ? l->spans[i].start : l->image_end;
		if (next > l->image_end)
			next = l->image_end;
		if (next > at && pwrite(fd, raw + at, next - at, (off_t)at) != (ssize_t)(next - at))
			return nsym__fail(NSYM_EIO, path, "write error: %s", strerror(errno));
		if (i < l->nspans && l->spans[i].end > at)
			at = l->spans[i].end;
	}
	return 0;
}

static int stripped_sections(struct split_plan *p, struct owned *o, Elf *out, struct layout *l,
                             const char *path)
{
	const GElf_Ehdr *eh = &p->ef->ehdr;
	size_t name = p->sec[p->ef->shstrndx].raw != NULL ? p->sec[p->ef->shstrndx].raw->d_size : 0;
	int rc = 0;

	l->spans[l->nspans++] = (struct span){0, eh->e_ehsize};
	if (eh->e_phnum > 0)
		l->spans[l->nspans++] = (struct span){
		    eh->e_phoff, eh->e_phoff + (uint64_t)eh->e_phnum * eh->e_phentsize};
	for (size_t i = 1; i < p->shnum && rc == 0; i++) {
		if (p->sec[i].stripped != SPLIT_DROP)
			rc = stripped_section(p, o, out, l, i, path);
	}
	if (rc == 0)
		rc = add_debuglink(p, o, out, l, name, path);
	return rc;
}

int nsym__split_write_stripped(struct split_plan *p, int fd, const char *path)
{
	struct layout l = {.image_end = image_end(p)};
	struct owned o = {0};
	Elf *out = begin_output(p, fd, path);
	int rc;

	l.cursor = l.image_end;
	l.spans = calloc(p->shnum + 3, sizeof(*l.spans));
	if (out == NULL || l.spans == NULL) {
		rc = out == NULL && !nsym__out_of_memory() ? NSYM_EIO
		                                           : nsym__fail(NSYM_ENOMEM, path, NULL);
		goto done;
	}
	elf_flagelf(out, ELF_C_SET, ELF_F_LAYOUT);
	rc = stripped_sections(p, &o, out, &l, path);
	if (rc == 0) {
		GElf_Ehdr eh;
		gelf_getehdr(out, &eh);
		eh.e_shstrndx = (GElf_Half)p->sec[p->ef->shstrndx].stripped_index;
		eh.e_shoff = align_up(l.cursor, is_64(p) ? 8 : 4);
		if (!gelf_update_ehdr(out, &eh) || elf_update(out, ELF_C_WRITE) < 0)
			rc = fail_elf(path, "cannot write the stripped file");
	}
	if (rc == 0)
		rc = copy_gaps(p, &l, fd, path);
done:
	if (out != NULL)
		elf_end(out);
	free(l.spans);
	own_free(&o);
	return rc;
}
