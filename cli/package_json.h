/*
 * What `fetch` reads of a package.json: the package's "name" and "version",
 * to say which package ships an addon. The file is parsed as JSON through
 * jansson (nsym_json_load) with a size and a depth limit; anything that is
 * not a usable name is "no name", never an error that stops the caller.
 */
#ifndef NSYM_CLI_PACKAGE_JSON_H
#define NSYM_CLI_PACKAGE_JSON_H

#include <stddef.h>

#include "napi_symbols.h"

/* npm caps names at 214 bytes; a longer name or version is not kept. */
#define NSYM_PACKAGE_FIELD 256
/* A larger package.json is not read (the biggest on npm are a few hundred kB). */
#define NSYM_PACKAGE_JSON_MAX (1024 * 1024)
/* Nesting past this is refused; real ones are a handful deep ("exports"). */
#define NSYM_PACKAGE_JSON_DEPTH 64

/* A package's identity: both "" when it has no name (a version alone names nothing). */
struct nsym_package {
	char name[NSYM_PACKAGE_FIELD];    /* top-level "name", UTF-8, no NUL */
	char version[NSYM_PACKAGE_FIELD]; /* top-level "version", or "" */
};

/*
 * Reads the package of text[0..len), a package.json's bytes (a leading
 * UTF-8 BOM is skipped, as Node's require does). Only top-level string
 * members count; the last of duplicates wins, as in JSON.parse; a name or
 * version that is not a string, or is NSYM_PACKAGE_FIELD bytes or longer,
 * is not kept. 0 with *out set (out->name may be ""), or NSYM_EINVAL with
 * *out all "" and one line in err: the text is not JSON, over a limit, or
 * not an object.
 */
int nsym_package_parse(struct nsym_package *out, const char *text, size_t len, char *err,
                       size_t err_size);

/*
 * nsym_package_parse of dir/package.json. The file is opened without
 * blocking and must be a regular file of at most NSYM_PACKAGE_JSON_MAX
 * bytes. 0 with *out set, or a negative NSYM_E* code with *out all "" and
 * one line in err (NSYM_ENOENT when there is none). Reentrant.
 */
int nsym_package_read(struct nsym_package *out, const char *dir, char *err, size_t err_size);

#endif
