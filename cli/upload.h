/* The upload engine behind `napi-symbols upload` (upload.c). */
#ifndef NSYM_CLI_UPLOAD_H
#define NSYM_CLI_UPLOAD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "client.h"
#include "napi_symbols.h"
#include "napi_symbols_util.h"

enum nsym_upload_state {
	NSYM_UPLOAD_PENDING,
	NSYM_UPLOAD_PRESENT, /* the server has everything this file provides */
	NSYM_UPLOAD_WOULD,   /* --dry-run: would be uploaded */
	NSYM_UPLOAD_DONE,    /* uploaded now */
	NSYM_UPLOAD_FAILED,  /* see error */
};

struct nsym_upload_id {
	char id[NSYM_IMAGE_ID_SIZE]; /* lowercase */
	unsigned serves;             /* NSYM_SERVES_* */
};

struct nsym_upload {
	char *path;     /* what is read: for a .dSYM, the DWARF file inside */
	char name[256]; /* sent as ?name= */
	char package[NSYM_NPM_NAME_MAX + NSYM_NPM_VERSION_MAX + 2]; /* ?package=, "" for none */
	char id[NSYM_IMAGE_ID_SIZE]; /* the first identity, for display */
	struct nsym_upload_id *ids;  /* every image's */
	size_t nids;
	bool has_dwarf; /* an ELF file with DWARF: it names source files */
	uint64_t size;
	dev_t dev;
	ino_t ino;
	enum nsym_upload_state state;
	char error[512];
	/* transfer */
	int attempts;
	double retry_at;
	int fd;
	long status;
	char reply[512];
	size_t reply_len;
};

/* Reads path's identities; -1 with a reason when the server could not
 * identify it either. */
int nsym_upload_identify(struct nsym_upload *out, const char *path, char *err, size_t err_size);
void nsym_upload_release(struct nsym_upload *u);
const char *nsym_upload_result_text(const struct nsym_upload *u);

/* What --sources did with the files the DWARF names. */
struct nsym_source_counts {
	size_t uploaded, present, would, absent, failed;
};

/* Asks the server what it lacks, then uploads that (or with dry_run only
 * marks it); with sources (non-NULL), also the source files of every file
 * with DWARF. -1 with err when the server cannot be asked at all. */
int nsym_upload_run(const struct nsym_client *c, struct nsym_upload *u, size_t n, bool dry_run,
                    bool progress, struct nsym_source_counts *sources, char *err, size_t err_size);

/* The npm package path came in (upload_package.c): NAME@VERSION of the
 * package.json nearest above it, into out (size bytes). 0; or NSYM_ENOENT
 * with out "" when there is none, or the nearest names no valid npm
 * package with a version. */
int nsym_upload_package_find(char *out, size_t size, const char *path);

struct curl_slist;
/* The sources of one uploaded file (upload_sources.c). */
int nsym_upload_sources(const struct nsym_client *c, const struct nsym_upload *u, bool dry_run,
                        struct curl_slist *hdr, struct nsym_source_counts *counts);

#endif
