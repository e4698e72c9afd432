/*
 * nsym_file: any binary napi-symbols can identify. The first bytes name the
 * format; ELF goes through the ELF reader (elf_file.c, elf_id.c) that the
 * symbolizer uses, Mach-O, PE and PDB through their own readers over a
 * read-only mapping that is dropped once the identities are read. A .dSYM
 * bundle folder stands for the DWARF file inside it. The identities are
 * then written in the forms symbol servers key files by (nsym_image_id).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"
#include "napi_symbols_util.h"

#define PDB2_MAGIC                                                                                 \
	"Microsoft C/C++ program database 2.00\r\n\x1a"                                            \
	"JG"

static const char *elf_image_arch(const struct nsym_identity *id)
{
	switch (id->machine) {
	case EM_X86_64:
		return "x86_64";
	case EM_AARCH64:
		return "arm64";
	case EM_386:
		return "i386";
	case EM_ARM:
		return "arm";
	case EM_RISCV:
		return id->elf_class == ELFCLASS64 ? "riscv64" : "riscv32";
	case EM_PPC64:
		return id->elf_data == ELFDATA2LSB ? "ppc64le" : "ppc64";
	case EM_S390:
		return "s390x";
	case EM_LOONGARCH:
		return "loongarch64";
	}
	return "unknown";
}

/* objcopy --only-keep-debug leaves .text without contents: that is how a
 * debug file tells itself apart from the binary it came from. A PIE is
 * ET_DYN like a shared library; its program interpreter tells them apart. */
static const char *elf_image_kind(struct nsym_elf *ef)
{
	size_t text = nsym__elf_find_section(ef, ".text"), nphdr = 0;
	GElf_Shdr sh;

	if (text != 0 && nsym__elf_section_name(ef, text, &sh) != NULL && sh.sh_type == SHT_NOBITS)
		return "debug file";
	if (ef->ehdr.e_type == ET_EXEC)
		return "executable";
	if (elf_getphdrnum(ef->elf, &nphdr) == 0) {
		for (size_t i = 0; i < nphdr; i++) {
			GElf_Phdr ph;
			if (gelf_getphdr(ef->elf, (int)i, &ph) != NULL && ph.p_type == PT_INTERP)
				return "executable";
		}
	}
	return "shared library";
}

static int open_elf(struct nsym_file *f, uint64_t size)
{
	struct nsym_image *img = &f->images[0];
	int rc = nsym__elf_open(&f->elf, f->path);

	if (rc == 0)
		rc = nsym__elf_identity(&f->elf_id, f->elf);
	if (rc != 0)
		return rc;
	f->format = NSYM_FORMAT_ELF;
	img->format = NSYM_FORMAT_ELF;
	img->arch = elf_image_arch(&f->elf_id);
	img->kind = elf_image_kind(f->elf);
	img->elf = &f->elf_id;
	img->has_debug_info = f->elf_id.has_debug_info;
	img->debug_bytes = f->elf_id.debug_bytes;
	img->size = size;
	f->count = 1;
	return 0;
}

static char *join(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	char *s = malloc(na + nb + 2);

	if (s != NULL) {
		memcpy(s, a, na);
		s[na] = '/';
		memcpy(s + na + 1, b, nb + 1);
	}
	return s;
}

/*
 * The DWARF file of a .dSYM bundle: the file in Contents/Resources/DWARF
 * named like the bundle (dsymutil's choice), else the only file there.
 */
static int bundle_file(char **out, const char *path)
{
	size_t len = strlen(path), nfiles = 0;
	char *dir = NULL, *stem = NULL, *found = NULL;
	const char *base;
	bool named = false;
	DIR *d = NULL;
	struct dirent *e;
	int rc = 0;

	while (len > 1 && path[len - 1] == '/')
		len--;
	if (len < 5 || strncmp(path + len - 5, ".dSYM", 5) != 0)
		return nsym__fail(NSYM_EISDIR, path,
		                  "is a directory, not a binary or a .dSYM bundle");
	stem = strndup(path, len - 5);
	dir = join(path, "Contents/Resources/DWARF");
	if (stem == NULL || dir == NULL) {
		rc = nsym__fail(NSYM_ENOMEM, path, NULL);
		goto done;
	}
	base = strrchr(stem, '/') != NULL ? strrchr(stem, '/') + 1 : stem;
	errno = 0;
	d = opendir(dir);
	if (d == NULL) {
		/* opendir allocates its buffer: running out is not a missing folder */
		rc = nsym__out_of_memory()
		         ? nsym__fail(NSYM_ENOMEM, path, NULL)
		         : nsym__fail(
		               NSYM_ENOENT, path,
		               "not a .dSYM bundle: no Contents/Resources/DWARF folder in it");
		goto done;
	}
	while ((e = readdir(d)) != NULL) {
		struct stat st;
		char *child;

		if (e->d_name[0] == '.')
			continue;
		child = join(dir, e->d_name);
		if (child == NULL) {
			rc = nsym__fail(NSYM_ENOMEM, path, NULL);
			goto done;
		}
		if (stat(child, &st) != 0 || !S_ISREG(st.st_mode)) {
			free(child);
			continue;
		}
		nfiles++;
		if (!named && (found == NULL || strcmp(e->d_name, base) == 0)) {
			free(found);
			found = child;
			named = strcmp(e->d_name, base) == 0;
		} else {
			free(child);
		}
	}
	if (found == NULL) {
		rc = nsym__fail(NSYM_ENOENT, path, "no DWARF file in Contents/Resources/DWARF");
	} else if (nfiles > 1 && !named) {
		rc = nsym__fail(NSYM_EUNSUPPORTED, path,
		                "%zu files in Contents/Resources/DWARF and none named '%s': name "
		                "the one to read",
		                nfiles, base);
	} else {
		*out = found;
		found = NULL;
	}
done:
	if (d != NULL)
		closedir(d);
	free(found);
	free(dir);
	free(stem);
	return rc;
}

/* Resolves a bundle folder to its DWARF file; anything else stands as is. */
int nsym__resolve_path(char **out, const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return bundle_file(out, path);
	*out = strdup(path);
	return *out != NULL ? 0 : nsym__fail(NSYM_ENOMEM, path, NULL);
}

int nsym__map_file(struct nsym_bytes *out, const char *path)
{
	struct stat st;
	void *p;
	int fd, rc = nsym__open_regular(&fd, &st, path);

	if (rc != 0)
		return rc;
	if ((uint64_t)st.st_size > SIZE_MAX)
		rc = nsym__fail(NSYM_EUNSUPPORTED, path, "file is too large to map");
	if (rc == 0) {
		p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED)
			rc = nsym__fail(NSYM_EIO, path, "cannot map: %s", strerror(errno));
		else
			*out = (struct nsym_bytes){
			    .data = p, .size = (size_t)st.st_size, .path = path};
	}
	close(fd);
	return rc;
}

static bool starts_with(const struct nsym_bytes *b, const void *magic, size_t n)
{
	return b->size >= n && memcmp(b->data, magic, n) == 0;
}

/* Hands the bytes to the reader their magic names. */
static int read_any(struct nsym_file *f, const struct nsym_bytes *b)
{
	static const unsigned char macho[][4] = {
	    {0xfe, 0xed, 0xfa, 0xce}, {0xce, 0xfa, 0xed, 0xfe}, {0xfe, 0xed, 0xfa, 0xcf},
	    {0xcf, 0xfa, 0xed, 0xfe}, {0xca, 0xfe, 0xba, 0xbe}, {0xca, 0xfe, 0xba, 0xbf},
	};

	for (size_t i = 0; i < sizeof(macho) / sizeof(macho[0]); i++) {
		if (starts_with(b, macho[i], 4))
			return nsym__macho_read(f, b);
	}
	if (starts_with(b, "MZ", 2))
		return nsym__pe_read(f, b);
	if (starts_with(b, NSYM_MSF7_MAGIC, 32))
		return nsym__pdb_read(f, b);
	if (starts_with(b, PDB2_MAGIC, sizeof(PDB2_MAGIC) - 1))
		return nsym__fail(NSYM_EUNSUPPORTED, f->path,
		                  "a PDB in the 2.0 format, which napi-symbols does not read");
	return nsym__fail(NSYM_ENOTELF, f->path, "not an ELF, Mach-O, PE or PDB file");
}

int nsym_file_open(nsym_file **out, const char *path)
{
	struct nsym_bytes b = {0};
	nsym_file *f;
	int rc;

	if (out == NULL || path == NULL)
		return nsym__fail(NSYM_EINVAL, NULL, NULL);
	*out = NULL;
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return nsym__fail(NSYM_ENOMEM, path, NULL);
	rc = nsym__resolve_path(&f->path, path);
	if (rc == 0)
		rc = nsym__map_file(&b, f->path);
	if (rc != 0)
		goto fail;
	if (starts_with(&b, ELFMAG, SELFMAG)) {
		/* the ELF reader maps the file itself, through libelf */
		munmap((void *)b.data, b.size);
		rc = open_elf(f, b.size);
	} else {
		rc = read_any(f, &b);
		munmap((void *)b.data, b.size);
	}
	if (rc != 0)
		goto fail;
	*out = f;
	return 0;
fail:
	nsym_file_close(f);
	return rc;
}

void nsym_file_close(nsym_file *file)
{
	if (file == NULL)
		return;
	nsym__elf_close(file->elf);
	free(file->pdb_name);
	free(file->path);
	free(file);
}

enum nsym_format nsym_file_format(const nsym_file *file)
{
	return file->format;
}

const char *nsym_file_path(const nsym_file *file)
{
	return file != NULL ? file->path : NULL;
}

size_t nsym_file_image_count(const nsym_file *file)
{
	return file != NULL ? file->count : 0;
}

const struct nsym_image *nsym_file_image(const nsym_file *file, size_t i)
{
	return file != NULL && i < file->count ? &file->images[i] : NULL;
}

/* ---- identity forms ---------------------------------------------------- */

/* A GUID stored little-endian (Data1 u32, Data2 u16, Data3 u16, then 8
 * bytes) in the big-endian order SymSrv and Breakpad print it in. */
static void guid_hex(char *out, const unsigned char g[16])
{
	const unsigned char swapped[16] = {g[3], g[2], g[1],  g[0],  g[5],  g[4],  g[7],  g[6],
	                                   g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]};
	nsym_hex(out, swapped, 16, true);
}

/* 32 uppercase hex digits of `g` (as a GUID when `swap`) and the age. */
static int guid_age(char *out, size_t size, const unsigned char g[16], bool swap, uint32_t age)
{
	char digits[33];

	if (swap)
		guid_hex(digits, g);
	else
		nsym_hex(digits, g, 16, true);
	return (size_t)snprintf(out, size, "%s%X", digits, age) < size ? 0 : NSYM_EINVAL;
}

static int elf_id(char *out, size_t size, const struct nsym_identity *id, enum nsym_id_form form)
{
	unsigned char g[16] = {0};

	if (form == NSYM_ID_NATIVE)
		return nsym_identity_hex(out, size, id);
	/* the fallback id is napi-symbols' own: Breakpad would compute
	 * another id for such a file, so none is claimed */
	if (form != NSYM_ID_DEBUG_ID || id->build_id_len == 0)
		return NSYM_ENOENT;
	memcpy(g, id->build_id, id->build_id_len < 16 ? id->build_id_len : 16);
	return guid_age(out, size, g, true, 0);
}

int nsym_image_id(char *out, size_t size, const struct nsym_image *image, enum nsym_id_form form)
{
	int rc = NSYM_ENOENT;

	if (out == NULL || size == 0 || image == NULL)
		return NSYM_EINVAL;
	out[0] = '\0';
	switch (image->format) {
	case NSYM_FORMAT_ELF:
		rc = image->elf != NULL ? elf_id(out, size, image->elf, form) : NSYM_ENOENT;
		break;
	case NSYM_FORMAT_MACHO:
		if (!image->has_uuid || form == NSYM_ID_PDB)
			break;
		if (form == NSYM_ID_DEBUG_ID) {
			rc = guid_age(out, size, image->uuid, false, 0);
		} else if (size > 32) {
			nsym_hex(out, image->uuid, 16, false);
			rc = 0;
		} else {
			rc = NSYM_EINVAL;
		}
		break;
	case NSYM_FORMAT_PE:
		if (form == NSYM_ID_NATIVE)
			rc = (size_t)snprintf(out, size, "%08X%x", image->timestamp,
			                      image->size_of_image) < size
			         ? 0
			         : NSYM_EINVAL;
		else if (image->has_uuid)
			rc = guid_age(out, size, image->uuid, true, image->age);
		break;
	case NSYM_FORMAT_PDB:
		if (form != NSYM_ID_PDB && image->has_uuid)
			rc = guid_age(out, size, image->uuid, true, image->age);
		break;
	case NSYM_FORMAT_MACHO_FAT:
		rc = NSYM_EINVAL;
		break;
	}
	if (rc != 0)
		out[0] = '\0';
	return rc;
}

unsigned nsym_image_serves(const struct nsym_image *image)
{
	const struct nsym_identity *id = image->elf;

	switch (image->format) {
	case NSYM_FORMAT_ELF:
		return (id->has_debug_info || (id->has_symtab && !id->has_code)
		            ? NSYM_SERVES_DEBUGINFO
		            : 0) |
		       (id->has_code ? NSYM_SERVES_EXECUTABLE : 0);
	case NSYM_FORMAT_MACHO:
		return image->has_debug_info ? NSYM_SERVES_DEBUGINFO : NSYM_SERVES_EXECUTABLE;
	case NSYM_FORMAT_PE:
		/* mingw builds carry DWARF in the image itself */
		return NSYM_SERVES_EXECUTABLE | (image->has_debug_info ? NSYM_SERVES_DEBUGINFO : 0);
	case NSYM_FORMAT_PDB:
		return NSYM_SERVES_DEBUGINFO;
	default:
		return 0;
	}
}
