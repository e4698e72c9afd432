/*
 * The identity of an ELF object: its GNU build-id note, its .gnu_debuglink,
 * and the fallback identity for files linked without a build-id (rust-lld's
 * default). The fallback is a SHA-1 over the address, size and bytes of every
 * allocated section that has contents (computed only when there is no
 * build-id): stripping never touches those, so the
 * shipped file and the unstripped one agree. A debug file has no such
 * contents (objcopy turns them into SHT_NOBITS), so `split` records the
 * fallback in a non-allocated section of its own, read here. A section, not
 * an ELF note: eu-elflint reports every note whose owner it does not know.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "internal.h"
#include "napi_symbols_util.h"

static void read_note_section(struct nsym_identity *out, Elf_Scn *scn)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t offset = 0, next, name_off, desc_off;
	GElf_Nhdr nh;

	if (data == NULL)
		return;
	while ((next = gelf_getnote(data, offset, &nh, &name_off, &desc_off)) > 0) {
		const char *name = (const char *)data->d_buf + name_off;
		const unsigned char *desc = (const unsigned char *)data->d_buf + desc_off;
		offset = next;
		if (nh.n_namesz == 4 && memcmp(name, "GNU", 4) == 0 &&
		    nh.n_type == NT_GNU_BUILD_ID && nh.n_descsz > 0 &&
		    nh.n_descsz <= NSYM_BUILD_ID_MAX) {
			memcpy(out->build_id, desc, nh.n_descsz);
			out->build_id_len = nh.n_descsz;
		}
	}
}

static void read_fallback_section(struct nsym_identity *out, Elf_Scn *scn)
{
	Elf_Data *data = elf_rawdata(scn, NULL);

	if (data == NULL || data->d_buf == NULL || data->d_size != NSYM_FALLBACK_ID_SIZE)
		return;
	memcpy(out->fallback_id, data->d_buf, NSYM_FALLBACK_ID_SIZE);
	out->has_fallback_id = 1;
}

static void read_debuglink(struct nsym_identity *out, struct nsym_elf *ef, Elf_Scn *scn)
{
	Elf_Data *data = elf_rawdata(scn, NULL);
	const unsigned char *p;
	size_t len, crc_at;

	if (data == NULL || data->d_buf == NULL || data->d_size < 8)
		return;
	p = data->d_buf;
	len = strnlen((const char *)p, data->d_size);
	crc_at = (len + 4) & ~(size_t)3;
	if (len == 0 || crc_at + 4 > data->d_size)
		return;
	out->debuglink = (const char *)p;
	if (ef->ehdr.e_ident[EI_DATA] == ELFDATA2MSB)
		out->debuglink_crc = (uint32_t)p[crc_at] << 24 | (uint32_t)p[crc_at + 1] << 16 |
		                     (uint32_t)p[crc_at + 2] << 8 | p[crc_at + 3];
	else
		out->debuglink_crc = (uint32_t)p[crc_at + 3] << 24 | (uint32_t)p[crc_at + 2] << 16 |
		                     (uint32_t)p[crc_at + 1] << 8 | p[crc_at];
}

static int hash_u64(nsym_hash *h, uint64_t v)
{
	unsigned char b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	return nsym_hash_update(h, b, sizeof(b));
}

/* Computes the fallback id; leaves has_fallback_id 0 when no allocated
 * section has contents, as in a debug file. 0, or NSYM_ENOMEM. */
static int compute_fallback_id(struct nsym_identity *out, struct nsym_elf *ef)
{
	nsym_hash *h;
	size_t hashed = 0;
	int rc = nsym_hash_new(&h, NSYM_HASH_SHA1);

	for (size_t i = 1; rc == 0 && i < ef->shnum; i++) {
		Elf_Scn *scn = elf_getscn(ef->elf, i);
		GElf_Shdr sh;
		Elf_Data *raw;
		if (scn == NULL || gelf_getshdr(scn, &sh) == NULL)
			continue;
		if (!(sh.sh_flags & SHF_ALLOC) || sh.sh_type == SHT_NOBITS || sh.sh_size == 0)
			continue;
		raw = elf_rawdata(scn, NULL);
		if (raw == NULL || raw->d_buf == NULL)
			continue;
		if ((rc = hash_u64(h, sh.sh_addr)) == 0 && (rc = hash_u64(h, raw->d_size)) == 0)
			rc = nsym_hash_update(h, raw->d_buf, raw->d_size);
		hashed++;
	}
	if (rc == 0 && hashed > 0 && (rc = nsym_hash_final(out->fallback_id, h)) == 0)
		out->has_fallback_id = 1;
	nsym_hash_free(h);
	return rc;
}

int nsym__elf_identity(struct nsym_identity *out, struct nsym_elf *ef)
{
	memset(out, 0, sizeof(*out));
	out->machine = ef->ehdr.e_machine;
	out->elf_class = ef->ehdr.e_ident[EI_CLASS];
	out->elf_data = ef->ehdr.e_ident[EI_DATA];
	out->type = ef->ehdr.e_type;
	for (size_t i = 1; i < ef->shnum; i++) {
		GElf_Shdr sh;
		const char *name = nsym__elf_section_name(ef, i, &sh);
		if (name == NULL)
			continue;
		if (sh.sh_type == SHT_NOTE)
			read_note_section(out, elf_getscn(ef->elf, i));
		else if (strcmp(name, NSYM_FALLBACK_SECTION) == 0 && sh.sh_type == SHT_PROGBITS)
			read_fallback_section(out, elf_getscn(ef->elf, i));
		else if (strcmp(name, ".gnu_debuglink") == 0)
			read_debuglink(out, ef, elf_getscn(ef->elf, i));
		else if (sh.sh_type == SHT_SYMTAB)
			out->has_symtab = 1;
		if ((sh.sh_flags & (SHF_ALLOC | SHF_EXECINSTR)) == (SHF_ALLOC | SHF_EXECINSTR) &&
		    sh.sh_type != SHT_NOBITS && sh.sh_size > 0)
			out->has_code = 1;
		if ((strcmp(name, ".debug_info") == 0 || strcmp(name, ".zdebug_info") == 0) &&
		    sh.sh_type != SHT_NOBITS && sh.sh_size > 0)
			out->has_debug_info = 1;
		if ((strncmp(name, ".debug_", 7) == 0 || strncmp(name, ".zdebug_", 8) == 0) &&
		    sh.sh_type != SHT_NOBITS)
			out->debug_bytes += sh.sh_size;
	}
	/* The fallback stands in for a missing build-id; hashing every
	 * allocated byte of a file that has one would be wasted work. */
	if (!out->has_fallback_id && out->build_id_len == 0 && compute_fallback_id(out, ef) != 0)
		return nsym__fail(NSYM_ENOMEM, ef->path, "out of memory hashing the fallback id");
	return 0;
}

int nsym_identity_hex(char *out, size_t size, const struct nsym_identity *id)
{
	const unsigned char *bytes = id->build_id;
	size_t len = id->build_id_len;

	if (len == 0 && id->has_fallback_id) {
		bytes = id->fallback_id;
		len = NSYM_FALLBACK_ID_SIZE;
	}
	if (len == 0)
		return NSYM_ENOENT;
	if (size < 2 * len + 1)
		return NSYM_EINVAL;
	nsym_hex(out, bytes, len, false);
	return 0;
}

int nsym_file_crc32(uint32_t *out, const char *path)
{
	unsigned char buf[65536];
	uLong crc = crc32(0L, Z_NULL, 0);
	struct stat st;
	ssize_t n;
	int fd, rc = nsym__open_regular(&fd, &st, path);

	if (rc != 0)
		return rc;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		crc = crc32(crc, buf, (uInt)n);
	close(fd);
	if (n < 0)
		return nsym__fail(NSYM_EIO, path, "read error");
	*out = (uint32_t)crc;
	return 0;
}
