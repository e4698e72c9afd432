/*
 * Which npm package an uploaded file came in, when `upload` is not told
 * (--package): the package.json nearest above it. That is how prebuilt
 * addons are shipped, node_modules/@scope/pkg-linux-x64-gnu/package.json
 * beside the .node, and how a project's own build output sits under its
 * package.json; the server records the package so that artifacts can be
 * searched by it (GET /api/v1/artifacts?package=).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "napi_symbols_util.h"
#include "package_json.h"
#include "upload.h"

/* Folders climbed at most: deeper than any real tree, and a bound. */
#define MAX_CLIMB 64

/* dir's package.json as NAME@VERSION into out; false when it has none, or
 * one whose name or version the server would refuse (a private project's
 * package.json often has no version, or a name npm would not take). */
static bool package_in(char *out, size_t size, const char *dir, bool *out_found)
{
	struct nsym_package pkg;
	char err[256], name[NSYM_NPM_NAME_MAX + 1], version[NSYM_NPM_VERSION_MAX + 1];
	int rc = nsym_package_read(&pkg, dir, err, sizeof(err));

	*out_found = rc != NSYM_ENOENT;
	if (rc != 0 || pkg.name[0] == '\0' ||
	    (size_t)snprintf(out, size, "%s@%s", pkg.name, pkg.version) >= size)
		return false;
	return nsym_npm_package_split(name, version, out, true, err, sizeof(err)) == 0;
}

int nsym_upload_package_find(char *out, size_t size, const char *path)
{
	char *dir = realpath(path, NULL), *slash;
	int rc = NSYM_ENOENT;
	bool found = false;

	out[0] = '\0';
	if (dir == NULL)
		return NSYM_ENOENT;
	/* the nearest package.json decides, even one that names no valid
	 * package: a package above it is another project's */
	for (int i = 0; i < MAX_CLIMB && !found && (slash = strrchr(dir, '/')) != NULL; i++) {
		slash[slash == dir ? 1 : 0] = '\0'; /* "/a" climbs to "/", "/" stops */
		if (package_in(out, size, dir, &found))
			rc = 0;
		if (strcmp(dir, "/") == 0)
			break;
	}
	if (rc != 0)
		out[0] = '\0';
	free(dir);
	return rc;
}
