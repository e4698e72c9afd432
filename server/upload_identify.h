/*
 * What an uploaded file is stored as: every image in it (ELF, thin and fat
 * Mach-O, PE, PDB), read by the same readers `inspect` uses, under its
 * native identity, once as debuginfo and once as executable as far as it
 * serves as each (nsym_image_serves, which `upload` asks too, so both
 * sides agree). POST /api/v1/upload (route_upload.c) runs it on the bytes
 * it received; the fuzz harness tests/fuzz/fuzz_upload_identify.c on any.
 */
#ifndef NSYM_SERVER_UPLOAD_IDENTIFY_H
#define NSYM_SERVER_UPLOAD_IDENTIFY_H

#include <stddef.h>

#include "store.h"

/* The artifacts one file provides: two per image at most. */
struct nsym_upload_found {
	struct nsym_artifact a[2 * NSYM_IMAGES_MAX]; /* key, id_kind, kind, format, arch set */
	size_t n;
};

/*
 * Reads the file at path (the upload's temporary blob) into out. 0 with
 * out->n > 0; or an HTTP status with one line in why: 415 for a file of no
 * format the server knows, 422 for a damaged one or one with no identity
 * to serve it by, 503 when the server ran out of memory (*out_code is then
 * NSYM_ENOMEM, for the log). why never shows path, where the server keeps
 * its files: a detail of the readers that names it names `name` (the file
 * name the client gave, or "the upload" when "") instead.
 */
int nsym_upload_identify_file(struct nsym_upload_found *out, char *why, size_t why_size,
                              int *out_code, const char *path, const char *name);

#endif
