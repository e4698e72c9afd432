/*
 * Finding the native addons a Node.js project has installed, for `fetch`:
 * walks node_modules the way npm, yarn (v1 and berry's node-modules linker,
 * plus berry's .yarn/unplugged) and pnpm (.pnpm store and its symlinks) lay
 * it out, and reports each real addon file once, with the package that
 * ships it. Reports through a callback; never prints.
 */
#ifndef NSYM_CLI_PROJECT_WALK_H
#define NSYM_CLI_PROJECT_WALK_H

#include <stdbool.h>
#include <stddef.h>

/* Folders deeper than this below the root are not entered (counted in too_deep). */
#define NSYM_WALK_MAX_DEPTH 64
/* Directory entries read in one walk; past it the walk stops (truncated).
 * A test build sets a small one. */
#ifndef NSYM_WALK_MAX_ENTRIES
#define NSYM_WALK_MAX_ENTRIES 2000000
#endif

/* One addon found. The strings are borrowed: valid during the callback only. */
struct nsym_addon_file {
	const char *path;      /* path as first found (under the root), for display */
	const char *real_path; /* realpath: what is read */
	const char *package;   /* "name" of the package that ships it (see below), or "" */
	const char *version;   /* that package.json's "version", or "" */
};

struct nsym_walk_stats {
	size_t folders;            /* folders read */
	size_t files_seen;         /* entries that are files (or links to files) */
	size_t addons;             /* reported through the callback */
	size_t skipped_unreadable; /* folders or candidate files that could not be read, or
	                              whose path is too long */
	size_t links_followed;     /* symlinked folders entered */
	size_t loops_avoided;      /* folders not entered again: loops and repeated links */
	size_t too_deep;           /* folders past NSYM_WALK_MAX_DEPTH */
	bool truncated;            /* NSYM_WALK_MAX_ENTRIES reached: the walk stopped early */
};

/*
 * Walks `root` and calls fn(arg, f) once per distinct real file (by st_dev
 * and st_ino) that is an addon: a file named *.node, or a shared library
 * (*.so, *.so.N[.N...], *.dylib, *.dll), whose first bytes are ELF, Mach-O
 * (thin or universal) or MZ magic, so that text files named x.node are
 * skipped. Hard links to one file (pnpm's store) are reported once too.
 *
 * `root`:
 * - a file: reported if its magic is a binary one, whatever its name (it
 *   was named on purpose);
 * - a project (a folder outside node_modules holding node_modules or
 *   .yarn/unplugged): those two are walked, not the rest of the project
 *   (its own build outputs are not what fetch is for);
 * - any other folder (node_modules, a package, a folder of files): walked
 *   whole.
 *
 * The walk follows symlinked folders (pnpm) but enters each real folder
 * once (by st_dev and st_ino), so links back to an ancestor and repeated
 * links end; it skips folders named .bin, .cache, .git and .pnpm-store.
 * Entries are visited depth first in name order with dot-names last, so
 * the path reported is stable and prefers node_modules/x over
 * node_modules/.pnpm/...; a package first reached through another's link
 * (node_modules/p/peer -> ../r) is reported under that path.
 *
 * The package of a file is the nearest package.json with a "name" at or
 * above its folder, searched no higher than the package's own folder
 * (node_modules/x or node_modules/@s/x), and only inside node_modules;
 * outside it the package is "". package.json is read as JSON by
 * package_json.h: only its top-level string "name" and "version" count,
 * and one that is not JSON, is over its size or depth limit, or has no
 * usable name names nothing (the addon is still reported, with "").
 *
 * If fn returns non-zero the walk stops and that value is returned.
 * A folder or candidate file below the root that cannot be read (or whose
 * path is too long) is skipped, counted in skipped_unreadable, and handed
 * to `unreadable` (which may be NULL) with why in words; the walk goes on.
 * `stats` may be NULL. Returns 0, or -1 with a message in err when the root
 * cannot be read or memory runs out. Reentrant: the walker keeps no global
 * state, and the callbacks run on the caller's thread; their strings are
 * borrowed for the call.
 */
int nsym_project_walk(const char *root, int (*fn)(void *arg, const struct nsym_addon_file *f),
                      void (*unreadable)(void *arg, const char *path, const char *why), void *arg,
                      struct nsym_walk_stats *stats, char *err, size_t err_size);

#endif
