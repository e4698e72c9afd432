/*
 * Whether an uploaded ELF file's compressed sections tell the truth about
 * their size. The header of an SHF_COMPRESSED section says how many bytes
 * it inflates to, and the section route (route_buildid.c) sizes its
 * replies by that word alone; so an upload is kept only once each such
 * section has been inflated, as a stream in bounded memory, and made
 * exactly the bytes it claims, within the server's limit.
 */
#ifndef NSYM_SERVER_UPLOAD_SECTIONS_H
#define NSYM_SERVER_UPLOAD_SECTIONS_H

#include "upload_body.h"

/* All of one file's compressed sections together may claim this many
 * times the server's limit for one, which bounds the work an upload can
 * ask for whatever its number of sections. */
#define NSYM_UPLOAD_SECTIONS_FACTOR 4

/*
 * Checks every SHF_COMPRESSED section of the received file (b->w.tmp),
 * when it is an ELF file. 0 when each claims at most the server's limit
 * (--max-section-size), all of them together at most
 * NSYM_UPLOAD_SECTIONS_FACTOR times that, and each inflates to exactly
 * what it claims; 0 too for a file that is not ELF. Otherwise an HTTP
 * status, with b->why naming the first section that fails: 422 for the
 * file's fault, 503 when the server cannot read it or runs out of memory.
 */
int nsym_upload_check_sections(struct nsym_upload_body *b);

/* The same for the file at path, with the server's limit max_section: 0,
 * or an HTTP status with one line in why (and, for a 503, the NSYM_E*
 * code in *out_code). The fuzz harness fuzz_upload_identify.c calls it. */
int nsym_upload_check_file(char *why, size_t why_size, int *out_code, const char *path,
                           uint64_t max_section);

#endif
