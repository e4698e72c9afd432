/*
 * An ELF file opened read-only through libelf over mmap, with its sections
 * checked against the file size once at open, so later readers can trust
 * offsets. Compressed debug sections (SHF_COMPRESSED with zlib or zstd, and
 * the older .zdebug form) are inflated once, on first use, and cached.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libdeflate.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "code.h"
#include "dwarf_internal.h"

#ifndef ELFCOMPRESS_ZSTD
#define ELFCOMPRESS_ZSTD 2
#endif

/* Decompressed debug sections beyond this are refused as hostile. */
#define NSYM_MAX_INFLATED_SECTION ((size_t)4 << 30)

static bool machine_supported(unsigned machine)
{
	switch (machine) {
	case EM_X86_64:
	case EM_AARCH64:
	case EM_386:
	case EM_ARM:
	case EM_RISCV:
	case EM_PPC64:
	case EM_S390:
	case EM_LOONGARCH:
		return true;
	}
	return false;
}

static int open_checked(int *out_fd, off_t *out_size, const char *path)
{
	struct stat st;
	int fd, rc = nsym__open_regular(&fd, &st, path);

	if (rc != 0)
		return rc;
	*out_fd = fd;
	*out_size = st.st_size;
	return 0;
}

static bool table_fits(uint64_t offset, uint64_t count, uint64_t entsize, off_t size)
{
	if (count == 0)
		return true;
	return offset <= (uint64_t)size && entsize <= ((uint64_t)size - offset) / count;
}

static int check_header(struct nsym_elf *ef, off_t size)
{
	const char *path = ef->path;

	if (elf_kind(ef->elf) != ELF_K_ELF)
		return nsym__fail(NSYM_ENOTELF, path, "not an ELF file");
	if (gelf_getehdr(ef->elf, &ef->ehdr) == NULL)
		return nsym__fail(NSYM_ETRUNC, path, "ELF header is truncated or damaged");
	if (ef->ehdr.e_type != ET_EXEC && ef->ehdr.e_type != ET_DYN)
		return nsym__fail(NSYM_EARCH, path,
		                  "ELF type %u is not an executable or shared object",
		                  (unsigned)ef->ehdr.e_type);
	if (!machine_supported(ef->ehdr.e_machine))
		return nsym__fail(NSYM_EARCH, path, "unsupported architecture (e_machine %u)",
		                  (unsigned)ef->ehdr.e_machine);
	if (!table_fits(ef->ehdr.e_phoff, ef->ehdr.e_phnum, ef->ehdr.e_phentsize, size))
		return nsym__fail(NSYM_ETRUNC, path,
		                  "program header table is past the end of the file (truncated?)");
	if (!table_fits(ef->ehdr.e_shoff, ef->ehdr.e_shnum, ef->ehdr.e_shentsize, size))
		return nsym__fail(NSYM_ETRUNC, path,
		                  "section header table is past the end of the file (truncated?)");
	if (elf_getshdrnum(ef->elf, &ef->shnum) != 0 ||
	    elf_getshdrstrndx(ef->elf, &ef->shstrndx) != 0)
		return nsym__fail(NSYM_ETRUNC, path,
		                  "section header table is truncated or damaged");
	errno = 0;
	for (size_t i = 1; i < ef->shnum; i++) {
		GElf_Shdr sh;
		Elf_Scn *scn = elf_getscn(ef->elf, i);
		/* the first header read loads the table */
		if (scn == NULL || gelf_getshdr(scn, &sh) == NULL)
			return nsym__out_of_memory()
			           ? nsym__fail(NSYM_ENOMEM, path, NULL)
			           : nsym__fail(NSYM_ETRUNC, path, "section header %zu is damaged",
			                        i);
		if (sh.sh_type == SHT_NOBITS)
			continue;
		if (sh.sh_offset > (uint64_t)size || sh.sh_size > (uint64_t)size - sh.sh_offset)
			return nsym__fail(
			    NSYM_ETRUNC, path,
			    "section %zu extends past the end of the file (truncated?)", i);
	}
	return 0;
}

int nsym__elf_open(struct nsym_elf **out, const char *path)
{
	struct nsym_elf *ef;
	off_t size = 0;
	int fd = -1, rc;

	*out = NULL;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return nsym__fail(NSYM_EUNSUPPORTED, NULL, "libelf is out of date");
	rc = open_checked(&fd, &size, path);
	if (rc != 0)
		return rc;
	ef = calloc(1, sizeof(*ef));
	if (ef == NULL || (ef->path = strdup(path)) == NULL) {
		free(ef);
		close(fd);
		return nsym__fail(NSYM_ENOMEM, path, NULL);
	}
	ef->fd = fd;
	errno = 0;
	ef->elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (ef->elf == NULL) {
		rc = nsym__fail(nsym__out_of_memory() ? NSYM_ENOMEM : NSYM_ENOTELF, path,
		                "cannot read as ELF: %s", elf_errmsg(-1));
		goto fail;
	}
	rc = check_header(ef, size);
	if (rc != 0)
		goto fail;
	ef->owned = calloc(ef->shnum, sizeof(*ef->owned));
	ef->loaded = calloc(ef->shnum, sizeof(*ef->loaded));
	ef->load_state = calloc(ef->shnum, sizeof(*ef->load_state));
	if (ef->owned == NULL || ef->loaded == NULL || ef->load_state == NULL) {
		rc = nsym__fail(NSYM_ENOMEM, path, NULL);
		goto fail;
	}
	*out = ef;
	return 0;
fail:
	nsym__elf_close(ef);
	return rc;
}

void nsym__elf_close(struct nsym_elf *ef)
{
	if (ef == NULL)
		return;
	if (ef->owned != NULL) {
		for (size_t i = 0; i < ef->shnum; i++)
			free(ef->owned[i]);
	}
	free(ef->owned);
	free(ef->loaded);
	free(ef->load_state);
	if (ef->elf != NULL)
		elf_end(ef->elf);
	if (ef->fd >= 0)
		close(ef->fd);
	free(ef->path);
	free(ef);
}

const char *nsym__elf_section_name(struct nsym_elf *ef, size_t i, GElf_Shdr *out_shdr)
{
	Elf_Scn *scn = elf_getscn(ef->elf, i);
	GElf_Shdr sh;

	if (scn == NULL || gelf_getshdr(scn, &sh) == NULL)
		return NULL;
	if (out_shdr != NULL)
		*out_shdr = sh;
	return elf_strptr(ef->elf, ef->shstrndx, sh.sh_name);
}

static bool section_name_matches(const char *have, const char *want)
{
	if (strcmp(have, want) == 0)
		return true;
	/* ".zdebug_info" stands for ".debug_info" */
	return strncmp(have, ".z", 2) == 0 && strncmp(want, ".", 1) == 0 &&
	       strcmp(have + 2, want + 1) == 0;
}

size_t nsym__elf_find_section(struct nsym_elf *ef, const char *name)
{
	for (size_t i = 1; i < ef->shnum; i++) {
		const char *have = nsym__elf_section_name(ef, i, NULL);
		if (have != NULL && section_name_matches(have, name))
			return i;
	}
	return 0;
}

static int inflate_into(unsigned char **out, size_t out_size, const unsigned char *in,
                        size_t in_size, unsigned kind)
{
	unsigned char *buf;

	if (out_size == 0 || out_size > NSYM_MAX_INFLATED_SECTION)
		return NSYM_ETRUNC;
	buf = malloc(out_size);
	if (buf == NULL)
		return NSYM_ENOMEM;
	if (kind == ELFCOMPRESS_ZLIB) {
		/* libdeflate inflates about twice as fast as zlib; for a
		 * compressed debug file that is most of the cost of opening it */
		struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
		size_t got = 0;
		enum libdeflate_result r = LIBDEFLATE_BAD_DATA;
		if (d == NULL) {
			free(buf);
			return NSYM_ENOMEM;
		}
		r = libdeflate_zlib_decompress(d, in, in_size, buf, out_size, &got);
		libdeflate_free_decompressor(d);
		if (r != LIBDEFLATE_SUCCESS || got != out_size)
			goto bad;
	} else if (kind == ELFCOMPRESS_ZSTD) {
		/* ZSTD_decompress allocates its context */
		size_t got = ZSTD_decompress(buf, out_size, in, in_size);
		if (ZSTD_isError(got) && ZSTD_getErrorCode(got) == ZSTD_error_memory_allocation) {
			free(buf);
			return NSYM_ENOMEM;
		}
		if (ZSTD_isError(got) || got != out_size)
			goto bad;
	} else {
		free(buf);
		return NSYM_EUNSUPPORTED;
	}
	*out = buf;
	return 0;
bad:
	free(buf);
	return NSYM_ETRUNC;
}

/* The most `in_size` compressed bytes can inflate to, by the formats
 * themselves: deflate codes at most 258 bytes in 2 bits (1032:1, RFC 1951);
 * zstd at most a 128 KiB block from a 4-byte RLE block (32768:1, RFC 8878
 * section 3.1.1.2). A header that claims more is not believed, so a few
 * bytes cannot make us allocate gigabytes. */
static uint64_t inflate_bound(unsigned kind, size_t in_size)
{
	uint64_t ratio = kind == ELFCOMPRESS_ZSTD ? 32768 : 1032;

	return in_size > UINT64_MAX / ratio ? UINT64_MAX : (uint64_t)in_size * ratio;
}

/* Reads the compression header of an SHF_COMPRESSED section or the "ZLIB"
 * prefix of a .zdebug one, then inflates what follows. */
static int decompress_section(struct nsym_elf *ef, size_t i, const char *name, uint64_t flags,
                              const unsigned char *raw, size_t raw_size)
{
	size_t hdr_size, out_size;
	unsigned kind;
	int rc;

	if (flags & SHF_COMPRESSED) {
		GElf_Chdr ch;
		if (gelf_getchdr(elf_getscn(ef->elf, i), &ch) == NULL)
			return nsym__fail(NSYM_ETRUNC, ef->path,
			                  "section %s has a damaged compression header", name);
		hdr_size = ef->ehdr.e_ident[EI_CLASS] == ELFCLASS64 ? sizeof(Elf64_Chdr)
		                                                    : sizeof(Elf32_Chdr);
		kind = ch.ch_type;
		out_size = ch.ch_size;
	} else {
		if (raw_size < 12 || memcmp(raw, "ZLIB", 4) != 0)
			return nsym__fail(NSYM_ETRUNC, ef->path, "section %s is not zlib data",
			                  name);
		out_size = 0;
		for (int b = 4; b < 12; b++)
			out_size = (out_size << 8) | raw[b];
		hdr_size = 12;
		kind = ELFCOMPRESS_ZLIB;
	}
	if (hdr_size > raw_size)
		return nsym__fail(NSYM_ETRUNC, ef->path, "section %s is truncated", name);
	if (kind != ELFCOMPRESS_ZLIB && kind != ELFCOMPRESS_ZSTD)
		return nsym__fail(NSYM_EUNSUPPORTED, ef->path,
		                  "section %s uses compression type %u", name, kind);
	if (out_size > inflate_bound(kind, raw_size - hdr_size))
		return nsym__fail(
		    NSYM_ETRUNC, ef->path,
		    "section %s claims %zu bytes inflated from %zu, more than %s gives", name,
		    out_size, raw_size - hdr_size, kind == ELFCOMPRESS_ZSTD ? "zstd" : "zlib");
	rc = inflate_into(&ef->owned[i], out_size, raw + hdr_size, raw_size - hdr_size, kind);
	if (rc == NSYM_ENOMEM)
		return nsym__fail(rc, ef->path, "out of memory inflating section %s", name);
	if (rc != 0)
		return nsym__fail(rc, ef->path, "section %s cannot be decompressed", name);
	ef->loaded[i].data = ef->owned[i];
	ef->loaded[i].size = out_size;
	return 0;
}

static int load_section(struct nsym_elf *ef, size_t i)
{
	GElf_Shdr sh;
	const char *name = nsym__elf_section_name(ef, i, &sh);
	Elf_Data *raw;

	if (name == NULL)
		return nsym__fail(NSYM_ETRUNC, ef->path, "section %zu is damaged", i);
	if (sh.sh_type == SHT_NOBITS)
		return NSYM_ENOENT;
	raw = elf_rawdata(elf_getscn(ef->elf, i), NULL);
	if (raw == NULL || (raw->d_size > 0 && raw->d_buf == NULL))
		return nsym__fail(NSYM_ETRUNC, ef->path, "cannot read section %s: %s", name,
		                  elf_errmsg(-1));
	if ((sh.sh_flags & SHF_COMPRESSED) || strncmp(name, ".zdebug", 7) == 0)
		return decompress_section(ef, i, name, sh.sh_flags, raw->d_buf, raw->d_size);
	ef->loaded[i].data = raw->d_buf;
	ef->loaded[i].size = raw->d_size;
	return 0;
}

int nsym__elf_section_data(struct nsym_section *out, struct nsym_elf *ef, size_t i)
{
	int rc;

	if (i == 0 || i >= ef->shnum)
		return NSYM_ENOENT;
	/* A failure is remembered too: asking again must fail again, never
	 * answer with the empty contents a failed load leaves behind. Except
	 * running out of memory, which says nothing of the section: the next
	 * call tries again. */
	if (ef->load_state[i] == 0) {
		rc = load_section(ef, i);
		ef->load_state[i] = rc == 0 ? 1 : rc;
		if (rc == NSYM_ENOMEM) {
			ef->load_state[i] = 0;
			return rc;
		}
	}
	if (ef->load_state[i] != 1)
		return ef->load_state[i];
	*out = ef->loaded[i];
	return 0;
}

/*
 * Every section is loaded here, at open, and a compressed one inflated, so
 * that running out of memory fails the open with NSYM_ENOMEM instead of
 * looking, at some later lookup, like a section the file does not have.
 */
int nsym__elf_dwarf_sections(struct nsym_dwarf_sections *out, struct nsym_elf *ef)
{
	memset(out, 0, sizeof(*out));
	out->path = ef->path;
	out->big_endian = ef->ehdr.e_ident[EI_DATA] == ELFDATA2MSB;
	for (int s = 0; s < NSYM_DW_COUNT; s++) {
		size_t i = nsym__elf_find_section(ef, nsym__dw_elf_name(s));
		int rc = i != 0 ? nsym__elf_section_data(&out->sec[s], ef, i) : NSYM_ENOENT;

		if (rc == NSYM_ENOMEM || (s == NSYM_DW_INFO && rc != 0 && rc != NSYM_ENOENT))
			return rc; /* the section reader said why */
		if (rc != 0)
			memset(&out->sec[s], 0, sizeof(out->sec[s]));
	}
	if (out->sec[NSYM_DW_INFO].data == NULL || out->sec[NSYM_DW_INFO].size == 0)
		return nsym__fail(NSYM_ENODEBUG, ef->path, "no DWARF debug information");
	return 0;
}

int nsym__grow(void **items, size_t *capacity, size_t need, size_t size)
{
	size_t cap = *capacity ? *capacity : 16;
	void *grown;

	if (need <= *capacity)
		return 0;
	while (cap < need) {
		if (cap > SIZE_MAX / 2 / size)
			return nsym__fail(NSYM_ENOMEM, NULL, NULL);
		cap *= 2;
	}
	grown = realloc(*items, cap * size);
	if (grown == NULL)
		return nsym__fail(NSYM_ENOMEM, NULL, NULL);
	*items = grown;
	*capacity = cap;
	return 0;
}

int nsym__elf_code(struct nsym_code *out, struct nsym_elf *ef)
{
	memset(out, 0, sizeof(*out));
	out->page = 4096;
	out->format = NSYM_FORMAT_ELF;
	out->arm64 = ef->ehdr.e_machine == EM_AARCH64;
	out->x86_64 = ef->ehdr.e_machine == EM_X86_64;
	for (size_t i = 1; i < ef->shnum && out->count < NSYM_CODE_RANGES_MAX; i++) {
		GElf_Shdr sh;
		struct nsym_section data;

		if (nsym__elf_section_name(ef, i, &sh) == NULL ||
		    (sh.sh_flags & (SHF_ALLOC | SHF_EXECINSTR)) != (SHF_ALLOC | SHF_EXECINSTR) ||
		    sh.sh_size == 0 || sh.sh_addr + sh.sh_size < sh.sh_addr)
			continue;
		out->ranges[out->count++] = (struct nsym_code_range){
		    .lo = sh.sh_addr,
		    .hi = sh.sh_addr + sh.sh_size,
		    /* SHT_NOBITS in a debug file: no bytes to check calls with */
		    .bytes = sh.sh_type != SHT_NOBITS &&
		                     nsym__elf_section_data(&data, ef, i) == 0 &&
		                     data.size == sh.sh_size
		                 ? data.data
		                 : NULL};
	}
	return out->count > 0 ? 0 : nsym__fail(NSYM_ENOENT, ef->path, "no code sections");
}
