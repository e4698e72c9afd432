/*
 * An uploaded file's identities (upload_identify.h): each image of it, by
 * nsym_file_open, under its native id, with the rows it serves as, named
 * the way the store and the read routes name them.
 */
#include <stdio.h>
#include <string.h>

#include "upload_identify.h"

static void add(struct nsym_upload_found *f, const char *key, const char *id_kind, const char *kind,
                const char *format, const char *arch)
{
	struct nsym_artifact *a;

	if (f->n >= sizeof(f->a) / sizeof(*f->a))
		return;
	a = &f->a[f->n++];
	memset(a, 0, sizeof(*a));
	snprintf(a->key, sizeof(a->key), "%s", key);
	for (char *c = a->key; *c != '\0'; c++)
		*c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
	snprintf(a->id_kind, sizeof(a->id_kind), "%s", id_kind);
	snprintf(a->kind, sizeof(a->kind), "%s", kind);
	snprintf(a->format, sizeof(a->format), "%s", format);
	snprintf(a->arch, sizeof(a->arch), "%s", arch);
}

/* Under which id kind and format name an image is stored. */
static void naming(const struct nsym_image *im, const char **id_kind, const char **format)
{
	static const char *const formats[] = {[NSYM_FORMAT_ELF] = "elf",
	                                      [NSYM_FORMAT_MACHO] = "macho",
	                                      [NSYM_FORMAT_PE] = "pe",
	                                      [NSYM_FORMAT_PDB] = "pdb"};
	static const char *const id_kinds[] = {[NSYM_FORMAT_ELF] = "build-id",
	                                       [NSYM_FORMAT_MACHO] = "macho-uuid",
	                                       [NSYM_FORMAT_PE] = "pe",
	                                       [NSYM_FORMAT_PDB] = "pdb"};

	*format = formats[im->format];
	*id_kind = id_kinds[im->format];
	if (im->format == NSYM_FORMAT_ELF && im->elf->build_id_len == 0)
		*id_kind = "fallback-id";
}

/* One row per artifact type the image serves as; nsym_image_serves() is
 * what `upload` asks the server about, so both sides agree. */
static void add_image(struct nsym_upload_found *f, const struct nsym_image *im, const char *key)
{
	unsigned serves = nsym_image_serves(im);
	const char *id_kind, *format;

	if (im->format == NSYM_FORMAT_MACHO_FAT || im->format > NSYM_FORMAT_PDB)
		return;
	naming(im, &id_kind, &format);
	if (serves & NSYM_SERVES_DEBUGINFO)
		add(f, key, id_kind, "debuginfo", format, im->arch);
	if (serves & NSYM_SERVES_EXECUTABLE)
		add(f, key, id_kind, "executable", format, im->arch);
}

/* The library's detail for the received file, which names it by the
 * store's temporary path: the client is told the name it gave instead (a
 * reply never shows where the server keeps its files). */
static void say_why(char *why, size_t why_size, const char *detail, const char *path,
                    const char *name)
{
	size_t n = strlen(path);
	char *out = why, *end = why + why_size - 1;

	if (name[0] == '\0')
		name = "the upload";
	while (*detail != '\0' && out < end) {
		if (n > 0 && strncmp(detail, path, n) == 0) {
			for (const char *c = name; *c != '\0' && out < end; c++)
				*out++ = *c;
			detail += n;
		} else {
			*out++ = *detail++;
		}
	}
	*out = '\0';
}

int nsym_upload_identify_file(struct nsym_upload_found *out, char *why, size_t why_size,
                              int *out_code, const char *path, const char *name)
{
	nsym_file *file = NULL;
	int rc = nsym_file_open(&file, path);

	out->n = 0;
	if (rc == NSYM_ENOMEM) { /* the server's fault, not the file's */
		say_why(why, why_size, nsym_error_detail(), path, name);
		*out_code = rc;
		return 503;
	}
	if (rc != 0) {
		say_why(why, why_size,
		        rc == NSYM_ENOTELF ? "not an ELF, Mach-O, PE or PDB file"
		                           : nsym_error_detail(),
		        path, name);
		return rc == NSYM_ENOTELF ? 415 : 422;
	}
	for (size_t i = 0; i < nsym_file_image_count(file); i++) {
		const struct nsym_image *im = nsym_file_image(file, i);
		char key[96];
		if (nsym_image_id(key, sizeof(key), im, NSYM_ID_NATIVE) == 0)
			add_image(out, im, key);
	}
	nsym_file_close(file);
	if (out->n == 0) {
		snprintf(why, why_size,
		         "the file carries no identity to serve it by (no build-id, no UUID, no "
		         "debug info or code)");
		return 422;
	}
	return 0;
}
