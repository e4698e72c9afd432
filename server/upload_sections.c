/*
 * An uploaded ELF file's compressed sections, inflated and counted before
 * the file is kept (see upload_sections.h). Every claim is read first,
 * which is cheap and refuses most lies before a byte is inflated; only
 * then is each stream inflated to its end, a chunk at a time.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "section_inflate.h"
#include "upload_sections.h"

/* Inflated bytes are counted this many at a time, then dropped. */
#define OUT_CHUNK (64 * 1024)

struct check {
	char *why; /* the reply's text when a section fails */
	size_t why_size;
	int *code; /* the NSYM_E* code of a 503 */
	Elf *elf;
	int fd;
	uint64_t file_size, max, max_total;
	size_t shstrndx;
};

/* The file's fault: status (422) with why. */
__attribute__((format(printf, 3, 4))) static int refuse(struct check *k, int status,
                                                        const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(k->why, k->why_size, fmt, ap);
	va_end(ap);
	return status;
}

/* The server's: 503 with why, logged as a failure of code. */
__attribute__((format(printf, 3, 4))) static int fault(struct check *k, int code, const char *fmt,
                                                       ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(k->why, k->why_size, fmt, ap);
	va_end(ap);
	*k->code = code;
	return 503;
}

/* Room for a section's name in a message: its first 64 bytes. */
#define NAME_SHOWN 65

/* The section's name as messages show it: the file's bytes, so its first
 * 64 with control characters as '?' (why is one line for the reply and
 * the log). */
static const char *section_name(char out[NAME_SHOWN], const struct check *k, const GElf_Shdr *sh)
{
	const char *name = elf_strptr(k->elf, k->shstrndx, sh->sh_name);
	size_t n = 0;

	for (; name != NULL && name[n] != '\0' && n + 1 < NAME_SHOWN; n++)
		out[n] = (unsigned char)name[n] < 0x20 || name[n] == 0x7f ? '?' : name[n];
	out[n] = '\0';
	return name != NULL ? out : "(unnamed)";
}

/* Reads the claim of one compressed section; 0 or a status. */
static int read_claim(struct check *k, const GElf_Shdr *sh, struct nsym_compressed *out)
{
	char shown[NAME_SHOWN];
	const char *name = section_name(shown, k, sh), *why;
	int rc = nsym_compressed_read(out, &why, k->fd, k->file_size,
	                              (const unsigned char *)elf_getident(k->elf, NULL),
	                              sh->sh_offset, sh->sh_size);

	if (rc == NSYM_EUNSUPPORTED)
		return refuse(k, 422,
		              "section %s is compressed with type %" PRIu32
		              ", which the server cannot inflate (zlib and zstd it can)",
		              name, out->type);
	if (rc == NSYM_EIO)
		return fault(k, NSYM_EIO, "cannot read the upload back");
	if (rc != 0)
		return refuse(k, 422, "section %s cannot be inflated: %s", name, why);
	if (out->size > k->max)
		return refuse(k, 422,
		              "section %s claims to inflate to %" PRIu64
		              " bytes, over the server's limit of %" PRIu64 " (--max-section-size)",
		              name, out->size, k->max);
	return 0;
}

/* Inflates one section to its end; 0 when it makes exactly what it claims. */
static int inflate_claim(struct check *k, const GElf_Shdr *sh, const struct nsym_compressed *c,
                         char *buf)
{
	char shown[NAME_SHOWN];
	const char *name = section_name(shown, k, sh);
	struct nsym_inflater *z = NULL;
	uint64_t made = 0;
	size_t n = 0;
	int rc = nsym_inflater_open(&z, k->fd, c), status = 0;

	/* one chunk past the claim is enough to know a stream goes on */
	while (rc == 0 && made <= c->size) {
		rc = nsym_inflater_read(z, buf, OUT_CHUNK, &n);
		if (rc != 0 || n == 0)
			break;
		made += n;
	}
	if (rc == NSYM_ETRUNC)
		status = refuse(k, 422, "section %s cannot be inflated: %s", name,
		                nsym_inflater_error(z));
	else if (rc != 0)
		status = fault(k, rc, "cannot inflate section %s: %s", name,
		               z != NULL ? nsym_inflater_error(z) : "out of memory");
	else if (made != c->size)
		status = refuse(k, 422,
		                "section %s claims to inflate to %" PRIu64
		                " bytes, but its stream makes %s%" PRIu64,
		                name, c->size, made > c->size ? "at least " : "", made);
	nsym_inflater_close(z);
	return status;
}

/* Each compressed section: `inflate` false reads the claims, true checks
 * them by inflating. 0 or a status. */
static int each_section(struct check *k, bool inflate, char *buf)
{
	uint64_t total = 0;
	Elf_Scn *scn = NULL;
	int status = 0;

	while (status == 0 && (scn = elf_nextscn(k->elf, scn)) != NULL) {
		struct nsym_compressed c;
		GElf_Shdr sh;
		if (gelf_getshdr(scn, &sh) == NULL || !(sh.sh_flags & SHF_COMPRESSED) ||
		    sh.sh_type == SHT_NOBITS)
			continue;
		status = read_claim(k, &sh, &c);
		if (status == 0 && inflate)
			status = inflate_claim(k, &sh, &c, buf);
		total = c.size > UINT64_MAX - total ? UINT64_MAX : total + c.size;
		if (status == 0 && total > k->max_total)
			status =
			    refuse(k, 422,
			           "the compressed sections claim to inflate to more than %" PRIu64
			           " bytes together, %d times the server's limit for one "
			           "(--max-section-size)",
			           k->max_total, NSYM_UPLOAD_SECTIONS_FACTOR);
	}
	return status;
}

int nsym_upload_check_file(char *why, size_t why_size, int *out_code, const char *path,
                           uint64_t max_section)
{
	struct check k = {.why = why, .why_size = why_size, .code = out_code, .max = max_section};
	struct stat st;
	char *buf = NULL;
	int status = 0;

	k.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (k.fd < 0 || fstat(k.fd, &st) != 0) {
		status = fault(&k, NSYM_EIO, "cannot read the upload back");
		goto out;
	}
	k.file_size = (uint64_t)st.st_size;
	k.max_total = k.max > UINT64_MAX / NSYM_UPLOAD_SECTIONS_FACTOR
	                  ? UINT64_MAX
	                  : k.max * NSYM_UPLOAD_SECTIONS_FACTOR;
	elf_version(EV_CURRENT);
	errno = 0;
	k.elf = elf_begin(k.fd, ELF_C_READ_MMAP_PRIVATE, NULL);
	if (k.elf == NULL && errno == ENOMEM) {
		/* not a file without sections: one left unchecked */
		status = fault(&k, NSYM_ENOMEM, "out of memory reading the upload as ELF");
		goto out;
	}
	if (k.elf == NULL || elf_kind(k.elf) != ELF_K_ELF ||
	    elf_getshdrstrndx(k.elf, &k.shstrndx) != 0)
		goto out; /* not ELF, or no section names: nothing compressed to read */
	status = each_section(&k, false, NULL);
	if (status == 0 && (buf = malloc(OUT_CHUNK)) == NULL)
		status = fault(&k, NSYM_ENOMEM, "out of memory");
	if (status == 0)
		status = each_section(&k, true, buf);
out:
	free(buf);
	elf_end(k.elf);
	if (k.fd >= 0)
		close(k.fd);
	return status;
}

int nsym_upload_check_sections(struct nsym_upload_body *b)
{
	return nsym_upload_check_file(b->why, sizeof(b->why), &b->code, b->w.tmp,
	                              nsym_server_config(b->r->srv)->max_section);
}
