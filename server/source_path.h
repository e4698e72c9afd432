/*
 * Source file paths, as /buildid/ID/source/PATH names them: checked when a
 * source is uploaded, and canonicalised the way elfutils' server does
 * (debuginfod.cxx canon_pathname, PR25548), so a client that sends the
 * DWARF form (comp_dir + "/" + "../x.c") and one that sends the canonical
 * form find the same file. Paths are only ever keys in the database: the
 * server never opens a file by them.
 */
#ifndef NSYM_SERVER_SOURCE_PATH_H
#define NSYM_SERVER_SOURCE_PATH_H

/* The longest source path accepted, in bytes (Linux's PATH_MAX). */
#define NSYM_SOURCE_PATH_MAX 4096

/* 0 when path may name an uploaded source: absolute, at most
 * NSYM_SOURCE_PATH_MAX bytes, no control characters, and a file (not
 * ending in "/", "/." or "/.."; canonicalised, such a path would name the
 * folder, or by elfutils' rules even its parent). Otherwise -1 and
 * *out_why is a static sentence saying which rule failed. */
int nsym_source_path_check(const char **out_why, const char *path);

/* Writes the canonical form of the absolute path `path` to out, which needs
 * strlen(path) + 1 bytes (the result is never longer): RFC 3986 section
 * 5.2.4 dot-segment removal, "//" collapsed to "/", and elfutils' quirk of
 * dropping a final "/." or "/.." without removing the segment before it.
 * The result is a fixed point: canonicalising it again changes nothing.
 * out may be path itself. */
void nsym_source_path_canon(char *out, const char *path);

#endif
