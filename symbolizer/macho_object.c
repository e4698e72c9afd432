/*
 * A Mach-O image opened for lookups: one slice of a thin or universal file
 * (a binary, or the DWARF file of a .dSYM bundle), kept mapped, with its
 * DWARF sections and its symbol table handed to the symbolizer. The slice
 * is the one whose LC_UUID is asked for, else the architecture asked for,
 * else the only one. dsymutil writes one dSYM slice per binary slice with
 * the same UUID, which is how a binary and its dSYM are paired.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "code.h"
#include "image.h"
#include "macho_object.h"
#include "napi_symbols_util.h"

#define N_STAB 0xe0u
#define N_TYPE 0x0eu
#define N_SECT 0x0eu

/* Section attributes of code (LLVM's MachOObjectFile::isSectionText). */
#define S_ATTR_PURE_INSTRUCTIONS 0x80000000u
#define S_ATTR_SOME_INSTRUCTIONS 0x00000400u

struct nsym_macho {
	char *path; /* the file read: inside the bundle for a .dSYM */
	struct nsym_bytes bytes;
	struct nsym_image image; /* the slice chosen */
	struct nsym_macho_layout layout;
};

/* The UUID in the usual hex form, for messages. */
static void uuid_hex(char out[33], const unsigned char uuid[16])
{
	nsym_hex(out, uuid, 16, false);
}

/* "arm64 3f2a…, x86_64 09bc…": what a file holds, for a mismatch message. */
static void list_slices(char *out, size_t size, const struct nsym_file *f)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < f->count && used < size; i++) {
		char hex[33] = "no UUID";
		if (f->images[i].has_uuid)
			uuid_hex(hex, f->images[i].uuid);
		used += (size_t)snprintf(out + used, size - used, "%s%s %s", i > 0 ? ", " : "",
		                         f->images[i].arch, hex);
	}
}

/* The index of the slice to read: by UUID, by architecture, or the only. */
static int pick_slice(size_t *out, const struct nsym_file *f, const char *path,
                      const struct nsym_macho_want *want)
{
	char have[512];

	if (want != NULL && want->uuid != NULL) {
		char hex[33];
		for (size_t i = 0; i < f->count; i++) {
			if (f->images[i].has_uuid &&
			    memcmp(f->images[i].uuid, want->uuid, 16) == 0) {
				*out = i;
				return 0;
			}
		}
		uuid_hex(hex, want->uuid);
		list_slices(have, sizeof(have), f);
		return nsym__fail(NSYM_EMISMATCH, path, "no slice with UUID %s; it holds %s", hex,
		                  have);
	}
	if (want != NULL && want->arch != NULL) {
		for (size_t i = 0; i < f->count; i++) {
			if (strcmp(f->images[i].arch, want->arch) == 0) {
				*out = i;
				return 0;
			}
		}
		list_slices(have, sizeof(have), f);
		return nsym__fail(NSYM_EARCH, path, "no %s slice: the file holds %s", want->arch,
		                  have);
	}
	if (f->count != 1) {
		list_slices(have, sizeof(have), f);
		return nsym__fail(NSYM_EARCH, path,
		                  "a universal file (%s): choose the slice with --arch", have);
	}
	*out = 0;
	return 0;
}

int nsym__macho_open(struct nsym_macho **out, const char *path, const struct nsym_macho_want *want)
{
	struct nsym_macho *m;
	struct nsym_file *f = NULL;
	size_t slice = 0;
	int rc;

	*out = NULL;
	m = calloc(1, sizeof(*m));
	f = calloc(1, sizeof(*f));
	if (m == NULL || f == NULL) {
		free(m);
		free(f);
		return nsym__fail(NSYM_ENOMEM, path, NULL);
	}
	rc = nsym__resolve_path(&m->path, path);
	if (rc == 0)
		rc = nsym__map_file(&m->bytes, m->path);
	if (rc == 0) {
		f->path = m->path;
		m->bytes.path = m->path;
		rc = nsym__macho_read(f, &m->bytes);
	}
	if (rc == 0)
		rc = pick_slice(&slice, f, m->path, want);
	if (rc == 0)
		rc = nsym__macho_layout(&m->layout, &m->image, &m->bytes, f->images[slice].offset,
		                        f->images[slice].size);
	free(f);
	if (rc != 0) {
		nsym__macho_close(m);
		return rc;
	}
	*out = m;
	return 0;
}

void nsym__macho_close(struct nsym_macho *m)
{
	if (m == NULL)
		return;
	if (m->bytes.data != NULL)
		munmap((void *)m->bytes.data, m->bytes.size);
	free(m->path);
	free(m);
}

const char *nsym__macho_path(const struct nsym_macho *m)
{
	return m->path;
}

const struct nsym_image *nsym__macho_image(const struct nsym_macho *m)
{
	return &m->image;
}

uint64_t nsym__macho_text_vmaddr(const struct nsym_macho *m)
{
	return m->layout.has_text ? m->layout.text_vmaddr : 0;
}

bool nsym__macho_has_dwarf(const struct nsym_macho *m)
{
	return m->layout.dwarf[NSYM_DW_INFO].size > 0;
}

int nsym__macho_dwarf_sections(struct nsym_dwarf_sections *out, struct nsym_macho *m)
{
	memset(out, 0, sizeof(*out));
	out->path = m->path;
	out->big_endian = m->layout.big_endian;
	for (int s = 0; s < NSYM_DW_COUNT; s++) {
		if (m->layout.dwarf[s].size == 0)
			continue;
		out->sec[s].data = m->bytes.data + m->layout.dwarf[s].offset;
		out->sec[s].size = m->layout.dwarf[s].size;
	}
	if (out->sec[NSYM_DW_INFO].data == NULL)
		return nsym__fail(NSYM_ENODEBUG, m->path, "no DWARF debug information");
	return 0;
}

/*
 * The defined symbols in sections of code, as llvm-symbolizer reads a
 * Mach-O symbol table: without their leading underscore, and with no size
 * (each reaches to the next symbol, or to the end of its section).
 */
int nsym__macho_symbols(struct nsym_symtab *st, struct nsym_macho *m)
{
	const struct nsym_macho_layout *lay = &m->layout;
	size_t entry = lay->is64 ? 16 : 12;
	const char *strings = (const char *)m->bytes.data + lay->stroff;

	for (uint32_t i = 0; i < lay->nsyms; i++) {
		struct nsym_buf b = nsym__bytes_at(&m->bytes, lay->symoff + (uint64_t)i * entry,
		                                   entry, lay->big_endian);
		uint32_t strx = (uint32_t)nsym_buf_uint(&b, 4);
		uint8_t type = (uint8_t)nsym_buf_uint(&b, 1);
		uint8_t sect = (uint8_t)nsym_buf_uint(&b, 1);
		uint64_t value;
		const struct nsym_macho_section *sec;
		const char *name;

		nsym_buf_skip(&b, 2); /* n_desc */
		value = nsym_buf_uint(&b, lay->is64 ? 8 : 4);
		if (b.bad || (type & N_STAB) != 0 || (type & N_TYPE) != N_SECT || sect == 0 ||
		    sect > lay->nsects || strx == 0 || strx >= lay->strsize)
			continue;
		sec = &lay->sects[sect - 1];
		if ((sec->flags & (S_ATTR_PURE_INSTRUCTIONS | S_ATTR_SOME_INSTRUCTIONS)) == 0)
			continue;
		name = strings + strx;
		if (memchr(name, '\0', lay->strsize - strx) == NULL)
			continue; /* runs off the end of the string table */
		if (name[0] == '_')
			name++;
		if (name[0] == '\0')
			continue;
		if (nsym__grow((void **)&st->syms, &st->capacity, st->count + 1,
		               sizeof(*st->syms)) != 0)
			return nsym__fail(NSYM_ENOMEM, m->path, NULL);
		st->syms[st->count++] = (struct nsym_sym){
		    .addr = value,
		    .size = 0,
		    .limit = sec->addr + sec->size,
		    .name = name,
		    .seq = (uint32_t)st->count,
		};
	}
	return 0;
}

int nsym__macho_code(struct nsym_code *out, struct nsym_macho *m)
{
	const struct nsym_macho_layout *lay = &m->layout;
	const char *arch = m->image.arch;

	memset(out, 0, sizeof(*out));
	out->image_base = nsym__macho_text_vmaddr(m);
	out->format = NSYM_FORMAT_MACHO;
	out->arm64 = strncmp(arch, "arm64", 5) == 0;
	out->x86_64 = strncmp(arch, "x86_64", 6) == 0;
	/* arm64 macOS maps images at 16 KiB pages */
	out->page = out->arm64 ? 16384 : 4096;
	for (uint32_t i = 0; i < lay->nsects && out->count < NSYM_CODE_RANGES_MAX; i++) {
		const struct nsym_macho_section *s = &lay->sects[i];
		if ((s->flags & (S_ATTR_PURE_INSTRUCTIONS | S_ATTR_SOME_INSTRUCTIONS)) == 0 ||
		    s->size == 0 || s->addr + s->size < s->addr)
			continue;
		out->ranges[out->count++] = (struct nsym_code_range){
		    .lo = s->addr,
		    .hi = s->addr + s->size,
		    .bytes = s->in_file ? m->bytes.data + s->offset : NULL};
	}
	return out->count > 0 ? 0 : nsym__fail(NSYM_ENOENT, m->path, "no code sections");
}
