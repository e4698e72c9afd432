/*
 * Source paths: the checks an upload must pass, and elfutils' canonical
 * form, which lookups use. Both work on bytes: a path is whatever the
 * DWARF says, UTF-8 or not.
 */
#include <string.h>

#include "source_path.h"

/* Whether path ends in "/", "/." or "/..": it names a folder. */
static int names_folder(const char *path, size_t n)
{
	const char *last = strrchr(path, '/') + 1;
	return last == path + n || strcmp(last, ".") == 0 || strcmp(last, "..") == 0;
}

int nsym_source_path_check(const char **out_why, const char *path)
{
	size_t n = strlen(path);

	*out_why = NULL;
	if (path[0] != '/')
		*out_why = "a source path must be absolute (start with /)";
	else if (n > NSYM_SOURCE_PATH_MAX)
		*out_why = "a source path must be at most 4096 bytes";
	else if (names_folder(path, n))
		*out_why = "a source path must name a file, not end in /, /. or /..";
	for (size_t i = 0; i < n && *out_why == NULL; i++) {
		unsigned char c = (unsigned char)path[i];
		if (c < 0x20 || c == 0x7f)
			*out_why = "a source path must not contain control characters";
	}
	return *out_why == NULL ? 0 : -1;
}

/* Drops the last segment of out[0, *len) with the slash before it, as
 * elfutils does for "/../": cut at the last slash, or to nothing. */
static void pop_segment(const char *out, size_t *len)
{
	while (*len > 0 && out[*len - 1] != '/')
		(*len)--;
	if (*len > 0)
		(*len)--;
}

/*
 * canon_pathname in elfutils' debuginfod.cxx, step by step. Its rules for
 * relative input ("../", "./", "." and "..") cannot fire here: the input
 * starts with "/", and every step leaves it starting with "/" or empty.
 */
void nsym_source_path_canon(char *out, const char *path)
{
	const char *in = path;
	size_t len = 0;

	while (*in != '\0') {
		if (strncmp(in, "/./", 3) == 0) {
			in += 2;
		} else if (strncmp(in, "/../", 4) == 0) {
			in += 3;
			pop_segment(out, &len);
		} else if (strcmp(in, "/.") == 0 || strcmp(in, "/..") == 0) {
			break; /* dropped, and the segment before stays */
		} else if (strncmp(in, "//", 2) == 0) {
			in++;
		} else { /* the first segment moves to the output, with its slash */
			size_t n = (*in == '/') + strcspn(in + (*in == '/'), "/");
			memmove(out + len, in, n);
			len += n;
			in += n;
		}
	}
	out[len] = '\0';
}
