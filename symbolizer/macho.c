/*
 * Mach-O identity: LC_UUID, the architecture and file type of every image,
 * and how much DWARF each holds. A thin file is one image; a universal
 * ("fat") file lists one slice per architecture in a big-endian table, each
 * slice a thin file of its own. dyld and dsymutil match a binary to its
 * .dSYM by LC_UUID per architecture, so that is the identity kept.
 *
 * Everything is read from the header and load commands; the checks follow
 * LLVM's MachOObjectFile (load commands inside sizeofcmds, segments inside
 * the file, one LC_UUID) so that a truncated or damaged file is refused
 * with a reason rather than half read. The symbolizer reads a slice through
 * the same walk, which then also records where its sections, DWARF and
 * symbol table lie (struct nsym_macho_layout).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "image.h"

#define MH_MAGIC     0xfeedfaceu
#define MH_MAGIC_64  0xfeedfacfu
#define FAT_MAGIC    0xcafebabeu
#define FAT_MAGIC_64 0xcafebabfu

#define LC_SEGMENT    0x1u
#define LC_SYMTAB     0x2u
#define LC_SEGMENT_64 0x19u
#define LC_UUID       0x1bu

#define MH_EXECUTE 0x2u
#define MH_DYLIB   0x6u
#define MH_BUNDLE  0x8u
#define MH_DSYM    0xau

#define CPU_ARCH_ABI64       0x01000000
#define CPU_ARCH_ABI64_32    0x02000000
#define CPU_TYPE_X86         7
#define CPU_TYPE_ARM         12
#define CPU_TYPE_POWERPC     18
#define CPU_SUBTYPE_MASK     0xff000000u
#define CPU_SUBTYPE_X86_64_H 8
#define CPU_SUBTYPE_ARM64E   2

#define SECTION_TYPE            0xffu
#define S_ZEROFILL              0x1u
#define S_GB_ZEROFILL           0xcu
#define S_THREAD_LOCAL_ZEROFILL 0x12u

/* Java class files share 0xcafebabe; their next word (the class file
 * version) is 43 or more, a fat header's (nfat_arch) is small. LLVM's
 * identify_magic draws the same line. */
#define FAT_JAVA_THRESHOLD 43

static const char *arch_name(uint32_t cputype, uint32_t cpusubtype)
{
	uint32_t sub = cpusubtype & ~CPU_SUBTYPE_MASK;

	switch (cputype) {
	case CPU_TYPE_X86:
		return "i386";
	case CPU_TYPE_X86 | CPU_ARCH_ABI64:
		return sub == CPU_SUBTYPE_X86_64_H ? "x86_64h" : "x86_64";
	case CPU_TYPE_ARM:
		switch (sub) {
		case 6:
			return "armv6";
		case 9:
			return "armv7";
		case 11:
			return "armv7s";
		case 12:
			return "armv7k";
		}
		return "arm";
	case CPU_TYPE_ARM | CPU_ARCH_ABI64:
		return sub == CPU_SUBTYPE_ARM64E ? "arm64e" : "arm64";
	case CPU_TYPE_ARM | CPU_ARCH_ABI64_32:
		return "arm64_32";
	case CPU_TYPE_POWERPC:
		return "ppc";
	case CPU_TYPE_POWERPC | CPU_ARCH_ABI64:
		return "ppc64";
	}
	return "unknown";
}

static const char *kind_name(uint32_t filetype)
{
	switch (filetype) {
	case MH_EXECUTE:
		return "executable";
	case MH_DYLIB:
		return "shared library";
	case MH_BUNDLE:
		return "bundle"; /* what node-gyp links a .node as */
	case MH_DSYM:
		return "debug file";
	}
	return "other";
}

static uint32_t swap32(uint32_t v)
{
	return (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) | (v << 24);
}

/* A 16-byte segment or section name, which need not end in NUL. */
static bool name_is(const unsigned char *name, const char *want)
{
	size_t n = strlen(want);
	return memcmp(name, want, n) == 0 && (n == 16 || name[n] == '\0');
}

static bool name_starts(const unsigned char *name, const char *prefix)
{
	return memcmp(name, prefix, strlen(prefix)) == 0;
}

/* Where one thin image lies, and how to name it in messages. */
struct slice {
	const struct nsym_bytes *file;
	uint64_t offset, size;
	const char *where; /* "" for a thin file, "arm64 slice: " in a fat one */
	bool big_endian, is64;
	struct nsym_macho_layout *layout; /* filled when not NULL */
};

/* Records NSYM_ETRUNC for the slice, prefixed by where it is. */
static int fail(const struct slice *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(const struct slice *s, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return nsym__fail(NSYM_ETRUNC, s->file->path, "%s%s", s->where, msg);
}

/* Reads the sections of one segment command, adding up the DWARF ones. */
static int read_segment(struct nsym_image *out, const struct slice *s, struct nsym_buf *cmd,
                        uint32_t index)
{
	unsigned char segname[16];
	uint64_t vmaddr, vmsize, fileoff, filesize;
	uint32_t nsects;
	size_t sect_size = s->is64 ? 80 : 68;
	int w = s->is64 ? 8 : 4;
	struct nsym_macho_layout *lay = s->layout;

	if (!nsym_buf_need(cmd, sizeof(segname)))
		return fail(s, "load command %u: segment command is truncated", index);
	memcpy(segname, cmd->p, sizeof(segname));
	cmd->p += sizeof(segname);
	vmaddr = nsym_buf_uint(cmd, w);
	vmsize = nsym_buf_uint(cmd, w);
	fileoff = nsym_buf_uint(cmd, w);
	filesize = nsym_buf_uint(cmd, w);
	nsym_buf_skip(cmd, 8); /* maxprot, initprot */
	nsects = (uint32_t)nsym_buf_uint(cmd, 4);
	nsym_buf_skip(cmd, 4); /* flags */
	if (cmd->bad)
		return fail(s, "load command %u: segment command is truncated", index);
	if (!nsym__range_fits(fileoff, filesize, s->size))
		return fail(
		    s, "load command %u: segment extends past the end of the file (truncated?)",
		    index);
	if (nsects > (size_t)(cmd->end - cmd->p) / sect_size)
		return fail(s, "load command %u: %u sections do not fit in the command", index,
		            nsects);
	if (lay != NULL && name_is(segname, "__TEXT") && !lay->has_text) {
		lay->text_vmaddr = vmaddr;
		lay->text_vmsize = vmsize;
		lay->has_text = true;
	}
	for (uint32_t i = 0; i < nsects; i++) {
		const unsigned char *sectname = cmd->p, *sect_seg = cmd->p + 16;
		uint64_t addr, size;
		uint32_t offset, flags, type;

		nsym_buf_skip(cmd, 32);
		addr = nsym_buf_uint(cmd, w);
		size = nsym_buf_uint(cmd, w);
		offset = (uint32_t)nsym_buf_uint(cmd, 4);
		nsym_buf_skip(cmd, 12); /* align, reloff, nreloc */
		flags = (uint32_t)nsym_buf_uint(cmd, 4);
		nsym_buf_skip(cmd, s->is64 ? 12 : 8); /* reserved words */
		if (cmd->bad)
			return fail(s, "load command %u: section %u is truncated", index, i);
		type = flags & SECTION_TYPE;
		/* symbols name their section by its 1-based number over all
		 * segments; past 255 they cannot name it */
		if (lay != NULL && lay->nsects < NSYM_MACHO_SECTIONS_MAX) {
			lay->sects[lay->nsects++] = (struct nsym_macho_section){
			    .addr = addr,
			    .size = size,
			    .flags = flags,
			    .offset = s->offset + offset,
			    .in_file = type != S_ZEROFILL && type != S_GB_ZEROFILL &&
			               type != S_THREAD_LOCAL_ZEROFILL && size > 0 &&
			               offset >= fileoff && offset - fileoff <= filesize &&
			               size <= filesize - (offset - fileoff) &&
			               nsym__range_fits(offset, size, s->size)};
			if (lay->text_sect == 0 && name_is(sectname, "__text") &&
			    name_is(sect_seg, "__TEXT"))
				lay->text_sect = lay->nsects;
		}
		/* a dSYM keeps the other segments' section headers without
		 * their bytes, so only the DWARF is checked and counted */
		if (!name_is(segname, "__DWARF") && !name_is(sect_seg, "__DWARF") &&
		    !name_starts(sectname, "__debug_"))
			continue;
		if (type == S_ZEROFILL || type == S_GB_ZEROFILL || type == S_THREAD_LOCAL_ZEROFILL)
			continue;
		if (!nsym__range_fits(offset, size, s->size))
			return fail(s,
			            "load command %u: section %u extends past the end of the file "
			            "(truncated?)",
			            index, i);
		out->debug_bytes += size;
		if (name_is(sectname, "__debug_info") && size > 0)
			out->has_debug_info = 1;
		for (int d = 0; lay != NULL && d < NSYM_DW_COUNT; d++) {
			if (name_is(sectname, nsym__dw_macho_name(d)) && lay->dwarf[d].size == 0) {
				lay->dwarf[d].offset = s->offset + offset;
				lay->dwarf[d].size = size;
			}
		}
	}
	return 0;
}

/* LC_SYMTAB: where the nlist entries and their strings lie. */
static int read_symtab(const struct slice *s, struct nsym_buf *cmd, uint32_t index)
{
	struct nsym_macho_layout *lay = s->layout;
	uint32_t symoff = (uint32_t)nsym_buf_uint(cmd, 4);
	uint32_t nsyms = (uint32_t)nsym_buf_uint(cmd, 4);
	uint32_t stroff = (uint32_t)nsym_buf_uint(cmd, 4);
	uint32_t strsize = (uint32_t)nsym_buf_uint(cmd, 4);
	uint64_t entry = s->is64 ? 16 : 12;

	if (cmd->bad)
		return fail(s, "LC_SYMTAB (load command %u) is truncated", index);
	if (!nsym__range_fits(symoff, (uint64_t)nsyms * entry, s->size) ||
	    !nsym__range_fits(stroff, strsize, s->size))
		return fail(s,
		            "LC_SYMTAB (load command %u): the symbol table lies past the end "
		            "of the file (truncated?)",
		            index);
	if (lay != NULL) {
		lay->symoff = s->offset + symoff;
		lay->nsyms = nsyms;
		lay->stroff = s->offset + stroff;
		lay->strsize = strsize;
	}
	return 0;
}

/* Reads one thin Mach-O image: header, then every load command. */
static int read_thin(struct nsym_image *out, struct slice *s)
{
	struct nsym_buf b = nsym__bytes_at(s->file, s->offset, s->size, false);
	uint32_t magic = (uint32_t)nsym_buf_uint(&b, 4);
	uint32_t cputype, cpusubtype, filetype, ncmds, sizeofcmds, at;
	size_t header_size;

	if (magic == MH_MAGIC || magic == MH_MAGIC_64) {
		s->big_endian = false;
	} else if (swap32(magic) == MH_MAGIC || swap32(magic) == MH_MAGIC_64) {
		s->big_endian = true;
		magic = swap32(magic);
	} else {
		return fail(s, "not a Mach-O image (magic %#x)", magic);
	}
	s->is64 = magic == MH_MAGIC_64;
	if (s->layout != NULL) {
		s->layout->big_endian = s->big_endian;
		s->layout->is64 = s->is64;
	}
	header_size = s->is64 ? 32 : 28;
	b.big_endian = s->big_endian;
	cputype = (uint32_t)nsym_buf_uint(&b, 4);
	cpusubtype = (uint32_t)nsym_buf_uint(&b, 4);
	filetype = (uint32_t)nsym_buf_uint(&b, 4);
	ncmds = (uint32_t)nsym_buf_uint(&b, 4);
	sizeofcmds = (uint32_t)nsym_buf_uint(&b, 4);
	if (b.bad || s->size < header_size)
		return fail(s, "Mach-O header is truncated");
	if (sizeofcmds > s->size - header_size)
		return fail(s, "load commands (%u bytes) run past the end of the file (truncated?)",
		            sizeofcmds);
	/* a load command takes at least 8 bytes, so this bounds the loop */
	if (ncmds > sizeofcmds / 8)
		return fail(s, "%u load commands cannot fit in %u bytes", ncmds, sizeofcmds);

	out->format = NSYM_FORMAT_MACHO;
	out->arch = arch_name(cputype, cpusubtype);
	out->kind = kind_name(filetype);
	out->offset = s->offset;
	out->size = s->size;
	at = 0;
	for (uint32_t i = 0; i < ncmds; i++) {
		struct nsym_buf cmd = nsym__bytes_at(s->file, s->offset + header_size + at,
		                                     sizeofcmds - at, s->big_endian);
		uint32_t type = (uint32_t)nsym_buf_uint(&cmd, 4);
		uint32_t cmdsize = (uint32_t)nsym_buf_uint(&cmd, 4);
		int rc = 0;

		if (cmd.bad)
			return fail(s, "load command %u is past the end of the load commands", i);
		if (cmdsize < 8 || cmdsize > sizeofcmds - at)
			return fail(s, "load command %u has a bad size (%u)", i, cmdsize);
		cmd.end = cmd.p + (cmdsize - 8);
		if (type == LC_UUID) {
			if (out->has_uuid)
				return fail(s, "more than one LC_UUID (load command %u)", i);
			if (!nsym_buf_need(&cmd, 16))
				return fail(s, "LC_UUID (load command %u) is truncated", i);
			memcpy(out->uuid, cmd.p, 16);
			out->has_uuid = 1;
		} else if ((type == LC_SEGMENT && !s->is64) || (type == LC_SEGMENT_64 && s->is64)) {
			rc = read_segment(out, s, &cmd, i);
		} else if (type == LC_SYMTAB) {
			rc = read_symtab(s, &cmd, i);
		}
		if (rc != 0)
			return rc;
		at += cmdsize;
	}
	return 0;
}

static int read_fat(struct nsym_file *f, const struct nsym_bytes *file, uint32_t magic)
{
	bool is64 = magic == FAT_MAGIC_64;
	uint64_t entry = is64 ? 32 : 20;
	struct nsym_buf b = nsym__bytes_at(file, 4, 4, true);
	uint32_t nfat = (uint32_t)nsym_buf_uint(&b, 4);
	uint64_t table_end;
	uint32_t cputypes[NSYM_IMAGES_MAX], subtypes[NSYM_IMAGES_MAX];

	if (b.bad)
		return nsym__fail(NSYM_ETRUNC, file->path, "universal header is truncated");
	if (!is64 && nfat >= FAT_JAVA_THRESHOLD)
		return nsym__fail(NSYM_ENOTELF, file->path,
		                  "not a Mach-O universal binary (a Java class file?)");
	if (nfat == 0)
		return nsym__fail(NSYM_ETRUNC, file->path,
		                  "universal binary lists no architectures");
	if (nfat > NSYM_IMAGES_MAX)
		return nsym__fail(NSYM_ETRUNC, file->path,
		                  "universal binary lists %u architectures, more than the %d "
		                  "napi-symbols reads",
		                  nfat, NSYM_IMAGES_MAX);
	table_end = 8 + nfat * entry;
	b = nsym__bytes_at(file, 8, nfat * entry, true);
	if (b.bad)
		return nsym__fail(NSYM_ETRUNC, file->path,
		                  "universal header is truncated (%u architectures listed)", nfat);
	f->format = NSYM_FORMAT_MACHO_FAT;
	for (uint32_t i = 0; i < nfat; i++) {
		struct slice s = {.file = file};
		char where[64];
		int rc;

		cputypes[i] = (uint32_t)nsym_buf_uint(&b, 4);
		subtypes[i] = (uint32_t)nsym_buf_uint(&b, 4);
		s.offset = nsym_buf_uint(&b, is64 ? 8 : 4);
		s.size = nsym_buf_uint(&b, is64 ? 8 : 4);
		nsym_buf_skip(&b, is64 ? 8 : 4); /* align (and reserved) */
		snprintf(where, sizeof(where), "%s slice: ", arch_name(cputypes[i], subtypes[i]));
		s.where = where;
		if (s.offset < table_end || !nsym__range_fits(s.offset, s.size, file->size))
			return nsym__fail(NSYM_ETRUNC, file->path,
			                  "%sslice %u lies outside the file (truncated?)", where,
			                  i);
		for (uint32_t j = 0; j < i; j++) {
			const struct nsym_image *o = &f->images[j];
			if (s.offset < o->offset + o->size && o->offset < s.offset + s.size)
				return nsym__fail(NSYM_ETRUNC, file->path,
				                  "%sslices %u and %u overlap", where, j, i);
			if (cputypes[j] == cputypes[i] && subtypes[j] == subtypes[i])
				return nsym__fail(NSYM_ETRUNC, file->path,
				                  "%sthe architecture is listed twice", where);
		}
		rc = read_thin(&f->images[i], &s);
		if (rc != 0)
			return rc;
		if (strcmp(f->images[i].arch, arch_name(cputypes[i], subtypes[i])) != 0)
			return nsym__fail(NSYM_ETRUNC, file->path,
			                  "%sthe image inside says it is %s", where,
			                  f->images[i].arch);
		f->count = i + 1;
	}
	return 0;
}

bool nsym__macho_magic(uint32_t magic)
{
	return magic == MH_MAGIC || magic == MH_MAGIC_64 || swap32(magic) == MH_MAGIC ||
	       swap32(magic) == MH_MAGIC_64 || magic == FAT_MAGIC || magic == FAT_MAGIC_64;
}

int nsym__macho_layout(struct nsym_macho_layout *out, struct nsym_image *image,
                       const struct nsym_bytes *file, uint64_t offset, uint64_t size)
{
	struct slice s = {.file = file, .offset = offset, .size = size, .where = "", .layout = out};

	memset(out, 0, sizeof(*out));
	memset(image, 0, sizeof(*image));
	return read_thin(image, &s);
}

int nsym__macho_read(struct nsym_file *f, const struct nsym_bytes *file)
{
	struct nsym_buf b = nsym__bytes_at(file, 0, 4, true);
	uint32_t magic = (uint32_t)nsym_buf_uint(&b, 4);
	struct slice s = {.file = file, .offset = 0, .size = file->size, .where = ""};
	int rc;

	if (magic == FAT_MAGIC || magic == FAT_MAGIC_64)
		return read_fat(f, file, magic);
	f->format = NSYM_FORMAT_MACHO;
	rc = read_thin(&f->images[0], &s);
	if (rc == 0)
		f->count = 1;
	return rc;
}
