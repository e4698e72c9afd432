/*
 * Fuzzes the any-format reader: nsym_file_open on ELF, thin and fat Mach-O,
 * PE/COFF and PDB (MSF 7.0) input, then every image it reports and every
 * identity form of each. Failures must be known codes with a detail;
 * images must stay inside the file and print their ids in 80 bytes.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_util.h"

/* The header promises that 80 bytes always hold an id. */
#define ID_MAX 80

static void check_image(const struct nsym_image *im, uint64_t file_size)
{
	static const enum nsym_id_form forms[] = {NSYM_ID_NATIVE, NSYM_ID_DEBUG_ID, NSYM_ID_PDB};
	char id[ID_MAX], small[9];

	if (im->format != NSYM_FORMAT_ELF && im->format != NSYM_FORMAT_MACHO &&
	    im->format != NSYM_FORMAT_PE && im->format != NSYM_FORMAT_PDB)
		fuzz_fail("image format %d is not ELF, MACHO, PE or PDB", (int)im->format);
	if (im->arch == NULL || im->kind == NULL)
		fuzz_fail("image without arch or kind");
	fuzz_touch(im->arch);
	fuzz_touch(im->kind);
	fuzz_touch(im->pdb_name);
	if ((im->format == NSYM_FORMAT_ELF) != (im->elf != NULL))
		fuzz_fail("elf identity present for a non-ELF image or missing for an ELF one");
	if (im->elf != NULL) {
		if (im->elf->build_id_len > NSYM_BUILD_ID_MAX)
			fuzz_fail("build-id length %zu", im->elf->build_id_len);
		fuzz_touch(im->elf->debuglink);
	}
	if (im->offset > file_size || im->size > file_size - im->offset)
		fuzz_fail("image at %llu size %llu lies outside a file of %llu bytes",
		          (unsigned long long)im->offset, (unsigned long long)im->size,
		          (unsigned long long)file_size);
	for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
		int rc;
		memset(id, 'x', sizeof(id));
		rc = nsym_image_id(id, sizeof(id), im, forms[f]);
		fuzz_say("image %s %s, id form %d: %d %s", im->arch ? im->arch : "?",
		         im->kind ? im->kind : "?", (int)forms[f], rc, rc == 0 ? id : "");
		if (rc == 0) {
			if (memchr(id, '\0', sizeof(id)) == NULL || id[0] == '\0')
				fuzz_fail("id of form %d is empty or unterminated", (int)forms[f]);
		} else if (rc != NSYM_ENOENT) {
			fuzz_fail("nsym_image_id gave %d for form %d with %d bytes", rc,
			          (int)forms[f], ID_MAX);
		}
		memset(small, 'x', sizeof(small));
		rc = nsym_image_id(small, sizeof(small) - 1, im, forms[f]);
		if (small[sizeof(small) - 1] != 'x')
			fuzz_fail("nsym_image_id wrote past the size it was given");
		if (rc == 0 && memchr(small, '\0', sizeof(small) - 1) == NULL)
			fuzz_fail("nsym_image_id filled a short buffer without its NUL");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[FUZZ_PATH_MAX];
	int fd = fuzz_input_open(path, sizeof(path), data, size);
	nsym_file *file = NULL;
	enum nsym_format format;
	size_t count;
	int rc;

	fuzz_reset_error();
	rc = nsym_file_open(&file, path);
	if (rc != 0) {
		fuzz_check_error(rc, path);
		if (file != NULL)
			fuzz_fail("nsym_file_open failed but returned a file");
		goto out;
	}
	format = nsym_file_format(file);
	if (format < NSYM_FORMAT_ELF || format > NSYM_FORMAT_PDB)
		fuzz_fail("file format %d is not one of enum nsym_format", (int)format);
	fuzz_touch(nsym_file_path(file));
	count = nsym_file_image_count(file);
	if (count > NSYM_IMAGES_MAX)
		fuzz_fail("%zu images exceed NSYM_IMAGES_MAX", count);
	for (size_t i = 0; i < count; i++) {
		const struct nsym_image *im = nsym_file_image(file, i);
		if (im == NULL)
			fuzz_fail("image %zu of %zu is NULL", i, count);
		check_image(im, size);
	}
	if (nsym_file_image(file, count) != NULL)
		fuzz_fail("nsym_file_image past the count is not NULL");
	nsym_file_close(file);
out:
	fuzz_input_close(fd);
	return 0;
}
