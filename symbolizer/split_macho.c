/*
 * `split` for Mach-O. On macOS the DWARF never is in the binary: the
 * linker leaves it in the object files and a debug map (stabs) naming
 * them, and dsymutil gathers it into a .dSYM. So the debug file already
 * exists when split runs, and split's part is to check that the dSYM
 * belongs to the binary, slice by slice (LC_UUID), and to write the binary
 * that ships without the debug map and local symbols (macho_strip.c).
 * Universal files are split slice by slice and put back together with a
 * new header. As for ELF, the output goes to a temporary file that is read
 * back and only then renamed into place.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "napi_symbols_util.h"
#include "split.h"
#include "split_macho.h"

#define FAT_MAGIC    0xcafebabeu
#define FAT_MAGIC_64 0xcafebabfu

/* Slices are aligned to at most 2^this in the universal files lipo
 * writes (2^14 for arm64); beyond it the header is taken as damaged. */
#define FAT_ALIGN_MAX 16

bool nsym__split_is_macho(const char *path)
{
	unsigned char b[4];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	bool yes = false;
	struct stat st;

	if (fd < 0)
		return false; /* the ELF reader says why */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && read(fd, b, 4) == 4)
		yes = nsym__macho_magic((uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
		                        (uint32_t)b[2] << 8 | b[3]);
	close(fd);
	return yes;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static void uuid_hex(char out[33], const unsigned char uuid[16])
{
	nsym_hex(out, uuid, 16, false);
}

/* Everything one Mach-O split holds. */
struct msplit {
	const struct nsym_split_paths *sp;
	const char *given; /* the input as named: its dSYM is beside it */
	const struct nsym_split_options *opt;
	struct nsym_bytes in;
	struct nsym_file file; /* the input's images; its path borrowed */
	struct nsym_macho_strip slices[NSYM_IMAGES_MAX];
	uint32_t fat_align[NSYM_IMAGES_MAX]; /* log2, universal files only */
	uint64_t out_offset[NSYM_IMAGES_MAX];
	uint64_t out_size;
	char *dsym;       /* the dSYM as named */
	bool dsym_beside; /* found by name, not given */
};

/* ---- the dSYM ------------------------------------------------------------ */

/* How to make the dSYM that is missing, said once for both cases. */
static int no_dsym(const struct msplit *m, const char *what)
{
	bool map = false;

	for (size_t i = 0; i < m->file.count; i++)
		map |= m->slices[i].has_debug_map;
	return nsym__fail(NSYM_ENODEBUG, m->given,
	                  "%s. Splitting drops the debug map that a dSYM is made from, so make "
	                  "it first: `dsymutil %s` (writes %s.dSYM), or build with Cargo's "
	                  "split-debuginfo = \"packed\", which leaves it in "
	                  "target/<triple>/release/ to give with --dsym%s",
	                  what, m->given, m->given,
	                  map ? "" : ". This file has no debug map left: rebuild it first");
}

/* "arm64 3f2a..., x86_64 09bc...": what a file holds, for messages. */
static void list_images(char *out, size_t size, const nsym_file *f)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < nsym_file_image_count(f) && used < size; i++) {
		const struct nsym_image *im = nsym_file_image(f, i);
		char hex[33] = "no UUID";
		if (im->has_uuid)
			uuid_hex(hex, im->uuid);
		used += (size_t)snprintf(out + used, size - used, "%s%s %s", i > 0 ? ", " : "",
		                         im->arch, hex);
	}
}

/* Every slice of the input must have its UUID in the dSYM, with DWARF. */
static int check_slices(const struct msplit *m, const nsym_file *d)
{
	char want[33], have[600];

	for (size_t i = 0; i < m->file.count; i++) {
		const struct nsym_image *im = &m->file.images[i];
		const struct nsym_image *found = NULL;

		if (!im->has_uuid)
			return nsym__fail(NSYM_EMISMATCH, m->sp->input,
			                  "the %s slice has no LC_UUID, so no dSYM can be paired "
			                  "with it (linked with -no_uuid?)",
			                  im->arch);
		for (size_t j = 0; j < nsym_file_image_count(d) && found == NULL; j++) {
			const struct nsym_image *dm = nsym_file_image(d, j);
			if (dm->has_uuid && memcmp(dm->uuid, im->uuid, 16) == 0)
				found = dm;
		}
		uuid_hex(want, im->uuid);
		if (found == NULL) {
			list_images(have, sizeof(have), d);
			return nsym__fail(
			    NSYM_EMISMATCH, m->dsym,
			    "is not the dSYM of %s: its %s slice has UUID %s, and the "
			    "dSYM holds %s",
			    m->sp->input, im->arch, want, have);
		}
		if (!found->has_debug_info)
			return nsym__fail(
			    NSYM_ENODEBUG, m->dsym,
			    "holds no DWARF for the %s slice (UUID %s): dsymutil could "
			    "not read the object files? Splitting now would lose the "
			    "debug map for good",
			    im->arch, want);
	}
	return 0;
}

static int check_dsym(struct msplit *m, struct nsym_split_result *out)
{
	nsym_file *d = NULL;
	struct stat st;
	int rc;

	if (m->opt->dsym_path != NULL) {
		m->dsym = strdup(m->opt->dsym_path);
	} else {
		if (asprintf(&m->dsym, "%s.dSYM", m->given) < 0)
			m->dsym = NULL;
		m->dsym_beside = true;
	}
	if (m->dsym == NULL)
		return nsym__fail(NSYM_ENOMEM, m->sp->input, NULL);
	if (m->dsym_beside && stat(m->dsym, &st) != 0 && errno == ENOENT) {
		char what[4200];
		snprintf(what, sizeof(what), "no dSYM: none given and no %s beside it", m->dsym);
		return no_dsym(m, what);
	}
	rc = nsym_file_open(&d, m->dsym);
	if (rc == 0 && nsym_file_format(d) != NSYM_FORMAT_MACHO &&
	    nsym_file_format(d) != NSYM_FORMAT_MACHO_FAT)
		rc = nsym__fail(NSYM_EMISMATCH, m->dsym, "is not a dSYM: not a Mach-O file");
	if (rc == 0)
		rc = check_slices(m, d);
	if (rc == 0 && stat(nsym_file_path(d), &st) == 0)
		out->debug_size = (uint64_t)st.st_size;
	nsym_file_close(d);
	return rc;
}

/* ---- planning ------------------------------------------------------------ */

static int plan_slices(struct msplit *m)
{
	bool anything = false;

	for (size_t i = 0; i < m->file.count; i++) {
		const struct nsym_image *im = &m->file.images[i];
		char where[64] = "";
		int rc;

		if (m->file.format == NSYM_FORMAT_MACHO_FAT)
			snprintf(where, sizeof(where), "%s slice: ", im->arch);
		/* an object file's relocations number its symbols, and a dSYM
		 * is the other half of a split already */
		if (strcmp(im->kind, "bundle") != 0 && strcmp(im->kind, "shared library") != 0 &&
		    strcmp(im->kind, "executable") != 0)
			return nsym__fail(NSYM_EUNSUPPORTED, m->sp->input,
			                  "%sis a %s; split takes a linked addon (a bundle, dylib "
			                  "or executable)",
			                  where,
			                  strcmp(im->kind, "other") == 0 ? "Mach-O object or other "
			                                                   "file type"
			                                                 : im->kind);
		rc = nsym__macho_strip(&m->slices[i], &m->in, im->offset, im->size,
		                       m->opt->keep_symbols != 0, where);
		if (rc != 0)
			return rc;
		anything |= m->slices[i].head != NULL;
	}
	if (!anything)
		return nsym__fail(NSYM_ENODEBUG, m->sp->input,
		                  "has no debug map or local symbols to strip (already stripped?)");
	return 0;
}

/* Where each slice goes in a universal file: in the order they lay in
 * the input, each at its alignment, after the header. */
static int plan_fat(struct msplit *m)
{
	bool is64 = be32(m->in.data) == FAT_MAGIC_64;
	uint64_t entry = is64 ? 32 : 20, cursor = 8 + m->file.count * entry;
	bool placed[NSYM_IMAGES_MAX] = {false};

	for (size_t i = 0; i < m->file.count; i++) {
		const unsigned char *e = m->in.data + 8 + i * entry;
		m->fat_align[i] = be32(e + (is64 ? 24 : 16));
		if (m->fat_align[i] > FAT_ALIGN_MAX)
			return nsym__fail(NSYM_ETRUNC, m->sp->input,
			                  "%s slice: aligned to 2^%u bytes (damaged?)",
			                  m->file.images[i].arch, m->fat_align[i]);
	}
	for (size_t n = 0; n < m->file.count; n++) {
		size_t next = 0;
		bool any = false;
		uint64_t a;

		for (size_t i = 0; i < m->file.count; i++) {
			if (!placed[i] &&
			    (!any || m->slices[i].in_offset < m->slices[next].in_offset)) {
				next = i;
				any = true;
			}
		}
		a = (uint64_t)1 << m->fat_align[next];
		m->out_offset[next] = (cursor + a - 1) / a * a;
		cursor = m->out_offset[next] + m->slices[next].size;
		placed[next] = true;
	}
	if (!is64 && cursor > UINT32_MAX)
		return nsym__fail(NSYM_EUNSUPPORTED, m->sp->input,
		                  "the universal file would pass 4 GiB");
	m->out_size = cursor;
	return 0;
}

/* ---- writing ------------------------------------------------------------- */

static int write_at(int fd, const void *data, uint64_t size, uint64_t at, const char *path)
{
	const unsigned char *p = data;

	while (size > 0) {
		ssize_t n = pwrite(fd, p, size, (off_t)at);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return nsym__fail(errno == ENOSPC ? NSYM_ENOSPC : NSYM_EIO, path,
			                  "write error: %s", strerror(n < 0 ? errno : EIO));
		p += n;
		size -= (uint64_t)n;
		at += (uint64_t)n;
	}
	return 0;
}

static int write_slice(const struct msplit *m, const struct nsym_macho_strip *s, int fd,
                       uint64_t at, const char *path)
{
	const unsigned char *in = m->in.data + s->in_offset;
	int rc;

	if (s->head == NULL)
		return write_at(fd, in, s->in_size, at, path);
	rc = write_at(fd, s->head, s->head_size, at, path);
	if (rc == 0)
		rc = write_at(fd, in + s->head_size, s->linkedit_at - s->head_size,
		              at + s->head_size, path);
	if (rc == 0)
		rc = write_at(fd, s->linkedit, s->linkedit_size, at + s->linkedit_at, path);
	return rc;
}

static int write_output(const struct msplit *m, int fd, const char *path)
{
	unsigned char header[8 + NSYM_IMAGES_MAX * 32];
	bool is64 = be32(m->in.data) == FAT_MAGIC_64;
	size_t entry = is64 ? 32 : 20;
	int rc = 0;

	if (m->file.format == NSYM_FORMAT_MACHO)
		return write_slice(m, &m->slices[0], fd, 0, path);
	/* the input's header with new offsets and sizes: cputypes, alignment
	 * and (fat64) the reserved words stay */
	memcpy(header, m->in.data, 8 + m->file.count * entry);
	for (size_t i = 0; i < m->file.count; i++) {
		unsigned char *e = header + 8 + i * entry;
		if (is64) {
			put_be32(e + 8, (uint32_t)(m->out_offset[i] >> 32));
			put_be32(e + 12, (uint32_t)m->out_offset[i]);
			put_be32(e + 16, (uint32_t)(m->slices[i].size >> 32));
			put_be32(e + 20, (uint32_t)m->slices[i].size);
		} else {
			put_be32(e + 8, (uint32_t)m->out_offset[i]);
			put_be32(e + 12, (uint32_t)m->slices[i].size);
		}
	}
	rc = write_at(fd, header, 8 + m->file.count * entry, 0, path);
	for (size_t i = 0; i < m->file.count && rc == 0; i++)
		rc = write_slice(m, &m->slices[i], fd, m->out_offset[i], path);
	/* the padding between slices is a hole; it reads as zeros */
	if (rc == 0 && ftruncate(fd, (off_t)m->out_size) != 0)
		rc = nsym__fail(NSYM_EIO, path, "%s", strerror(errno));
	return rc;
}

/* Reads the output back: the same slices with the same UUIDs, and the
 * symbol tables as planned. */
static int check_output(const struct msplit *m, const struct nsym_output *o)
{
	struct nsym_bytes b = {0};
	struct nsym_file *f = calloc(1, sizeof(*f));
	struct nsym_macho_layout *lay = malloc(sizeof(*lay));
	int rc = f != NULL && lay != NULL ? nsym__map_file(&b, o->tmp)
	                                  : nsym__fail(NSYM_ENOMEM, o->path, NULL);

	if (rc == 0) {
		f->path = o->tmp;
		rc = nsym__macho_read(f, &b);
	}
	if (rc == 0 && f->count != m->file.count)
		rc = nsym__fail(NSYM_EIO, o->path, "written with %zu slices, not %zu", f->count,
		                m->file.count);
	for (size_t i = 0; i < m->file.count && rc == 0; i++) {
		struct nsym_image im;
		rc = nsym__macho_layout(lay, &im, &b, f->images[i].offset, f->images[i].size);
		if (rc == 0 && (!im.has_uuid || memcmp(im.uuid, m->file.images[i].uuid, 16) != 0 ||
		                strcmp(im.arch, m->file.images[i].arch) != 0))
			rc = nsym__fail(NSYM_EMISMATCH, o->path,
			                "%s slice: written without the input's UUID", im.arch);
		else if (rc == 0 && lay->nsyms != m->slices[i].symbols_after)
			rc = nsym__fail(NSYM_EIO, o->path,
			                "%s slice: written with %u symbols, not %u", im.arch,
			                lay->nsyms, m->slices[i].symbols_after);
	}
	if (b.data != NULL)
		munmap((void *)b.data, b.size);
	free(lay);
	free(f);
	return rc;
}

static int run(struct msplit *m, struct nsym_split_result *out)
{
	struct nsym_output o = {.fd = -1};
	struct stat st;
	int rc;

	if (stat(m->sp->input, &st) != 0)
		return nsym__fail(NSYM_EIO, m->sp->input, "%s", strerror(errno));
	rc = nsym__output_open(&o, m->sp->stripped, st.st_mode & 07777);
	if (rc == 0)
		rc = write_output(m, o.fd, o.tmp);
	if (rc == 0)
		rc = check_output(m, &o);
	if (rc == 0)
		rc = nsym__output_commit(&o, m->opt->force || m->sp->in_place);
	nsym__output_discard(&o);
	if (rc == 0)
		out->stripped_size = m->out_size;
	return rc;
}

static void fill_result(const struct msplit *m, struct nsym_split_result *out)
{
	out->format = m->file.format;
	out->input_size = m->in.size;
	out->slice_count = m->file.count;
	for (size_t i = 0; i < m->file.count; i++) {
		struct nsym_split_slice *r = &out->slices[i];
		snprintf(r->arch, sizeof(r->arch), "%s", m->file.images[i].arch);
		memcpy(r->uuid, m->file.images[i].uuid, 16);
		r->symbols_before = m->slices[i].symbols_before;
		r->symbols_after = m->slices[i].symbols_after;
		r->resigned = m->slices[i].resigned;
	}
	snprintf(out->stripped_path, sizeof(out->stripped_path), "%s", m->sp->stripped);
	snprintf(out->debug_path, sizeof(out->debug_path), "%s", m->dsym);
}

int nsym__split_macho(struct nsym_split_result *out, const struct nsym_split_paths *sp,
                      const char *path, const struct nsym_split_options *opt)
{
	struct msplit *m = calloc(1, sizeof(*m));
	int rc = 0;

	if (m == NULL)
		return nsym__fail(NSYM_ENOMEM, sp->input, NULL);
	m->sp = sp;
	m->given = path;
	m->opt = opt;
	if (opt->debug_path != NULL)
		rc = nsym__fail(NSYM_EINVAL, sp->input,
		                "a Mach-O file's debug file is its .dSYM, which split does not "
		                "write: name it with --dsym");
	else if (opt->compress != NSYM_COMPRESS_NONE)
		rc = nsym__fail(NSYM_EINVAL, sp->input,
		                "compression is for ELF debug files; a .dSYM stays as dsymutil "
		                "wrote it");
	if (rc == 0)
		rc = nsym__map_file(&m->in, sp->input);
	if (rc == 0) {
		m->file.path = (char *)sp->input;
		rc = nsym__macho_read(&m->file, &m->in);
	}
	if (rc == 0)
		rc = plan_slices(m);
	if (rc == 0)
		rc = check_dsym(m, out);
	if (rc == 0)
		rc = nsym__split_check_free(sp, opt);
	if (rc == 0 && m->file.format == NSYM_FORMAT_MACHO_FAT)
		rc = plan_fat(m);
	else if (rc == 0)
		m->out_size = m->slices[0].size;
	if (rc == 0)
		rc = run(m, out);
	if (rc == 0)
		fill_result(m, out);
	for (size_t i = 0; i < NSYM_IMAGES_MAX; i++)
		nsym__macho_strip_free(&m->slices[i]);
	if (m->in.data != NULL)
		munmap((void *)m->in.data, m->in.size);
	free(m->dsym);
	free(m);
	return rc;
}
