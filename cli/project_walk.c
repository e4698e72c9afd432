/*
 * The project walk behind `fetch`: finds the native addons under a Node.js
 * project the way Node would reach them (nested and scoped node_modules,
 * pnpm's .pnpm store through its symlinks, yarn's layouts), each real file
 * once, and names the package that ships each one from the nearest
 * package.json that Node's layout makes its own. What an addon is
 * (addon_detect.c), how package.json is read (package_json.c) and the sets
 * of files seen (inode_set.c) live beside it. Contract in project_walk.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addon_detect.h"
#include "inode_set.h"
#include "package_json.h"
#include "project_walk.h"

#define WALK_PATH 4096

/* ---- the walk ---- */

/* What a folder is to Node's resolution; it decides where package.json counts. */
enum kind {
	K_PLAIN,      /* outside node_modules */
	K_MODULES,    /* a node_modules folder */
	K_SCOPE,      /* node_modules/@scope */
	K_PACKAGE,    /* a package's own folder: node_modules/x, node_modules/@s/x */
	K_IN_PACKAGE, /* below a package's own folder */
};

struct walk {
	int (*fn)(void *arg, const struct nsym_addon_file *f);
	void (*unreadable)(void *arg, const char *path, const char *why);
	void *arg;
	struct nsym_walk_stats *st;
	struct nsym_inode_set dirs, files;
	char path[WALK_PATH]; /* as found; "" stands for "." so paths read node_modules/... */
	size_t len;
	size_t entries;
	int stop;  /* fn's non-zero answer */
	int nomem; /* out of memory: the walk stops and fails */
};

struct entry {
	char *name;
	unsigned char type; /* d_type */
};

struct entries {
	struct entry *v;
	size_t n, cap;
};

static int halted(const struct walk *w)
{
	return w->stop != 0 || w->nomem || w->st->truncated;
}

static const char *here(const struct walk *w)
{
	return w->len == 0 ? "." : w->path;
}

/* A path below the root that is skipped because it cannot be read. */
static void skip(struct walk *w, const char *path, const char *why)
{
	w->st->skipped_unreadable++;
	if (w->unreadable != NULL)
		w->unreadable(w->arg, path, why);
}

/* Appends "/name"; 0 when the path would not fit. */
static int path_push(struct walk *w, const char *name)
{
	size_t k = strlen(name), sep = w->len > 0 && w->path[w->len - 1] != '/';
	if (w->len + sep + k + 1 > sizeof(w->path))
		return 0;
	if (sep)
		w->path[w->len++] = '/';
	memcpy(w->path + w->len, name, k + 1);
	w->len += k;
	return 1;
}

static void path_pop(struct walk *w, size_t len)
{
	w->len = len;
	w->path[len] = '\0';
}

static enum kind child_kind(enum kind parent, const char *name)
{
	if (strcmp(name, "node_modules") == 0)
		return K_MODULES;
	switch (parent) {
	case K_MODULES:
		return name[0] == '@' ? K_SCOPE : K_PACKAGE;
	case K_SCOPE:
		return K_PACKAGE;
	case K_PACKAGE:
	case K_IN_PACKAGE:
		return K_IN_PACKAGE;
	default:
		return K_PLAIN;
	}
}

/* Folders that hold no addons Node would load, only links to scripts, caches, history
 * or pnpm's content store (files named by hash). */
static int skipped_folder(const char *name)
{
	return strcmp(name, ".bin") == 0 || strcmp(name, ".cache") == 0 ||
	       strcmp(name, ".git") == 0 || strcmp(name, ".pnpm-store") == 0;
}

/* Dot-names last, so node_modules/x is reached before node_modules/.pnpm/...; then byte order. */
static int entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int dx = x->name[0] == '.', dy = y->name[0] == '.';
	if (dx != dy)
		return dx - dy;
	return strcmp(x->name, y->name);
}

static void entries_free(struct entries *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
}

static int entries_add(struct entries *l, const struct dirent *e)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		struct entry *v = realloc(l->v, cap * sizeof(*v));
		if (v == NULL)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n].name = strdup(e->d_name);
	if (l->v[l->n].name == NULL)
		return -1;
	l->v[l->n++].type = e->d_type;
	return 0;
}

/* The whole folder, sorted, so the order (and the path each addon is reported
 * under) does not depend on the file system. */
static void read_entries(struct walk *w, DIR *d, struct entries *out)
{
	struct dirent *e;
	while (!halted(w) && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (++w->entries > NSYM_WALK_MAX_ENTRIES)
			w->st->truncated = true;
		else if (entries_add(out, e) != 0)
			w->nomem = 1;
	}
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), entry_cmp);
}

/* dir/package.json with a name, into out. Its faults are not the walk's: a
 * package.json that Node could not parse either (not JSON, over a limit, a
 * name that is not a string) still ships its addons, which are fetched all
 * the same, only without a package name. */
static bool named_package(struct nsym_package *out, const char *dir)
{
	char why[200];
	return nsym_package_read(out, dir, why, sizeof(why)) == 0 && out->name[0] != '\0';
}

/* The package a folder's files belong to: a package's own folder starts afresh
 * from its package.json; a folder below it may hold a nearer named one. */
static const struct nsym_package *folder_package(const struct walk *w, enum kind kind,
                                                 const struct nsym_package *up,
                                                 const struct entries *l, struct nsym_package *own)
{
	static const struct nsym_package none;
	int has_json = 0;

	if (kind == K_PLAIN || kind == K_MODULES || kind == K_SCOPE)
		return &none;
	for (size_t i = 0; i < l->n && !has_json; i++)
		has_json = strcmp(l->v[i].name, "package.json") == 0;
	if (has_json && named_package(own, here(w)))
		return own;
	return kind == K_PACKAGE ? &none : up;
}

static void report(struct walk *w, const struct nsym_package *pkg)
{
	char *real = realpath(here(w), NULL);
	struct nsym_addon_file f = {here(w), real, pkg->name, pkg->version};
	if (real == NULL) {
		skip(w, here(w), strerror(errno));
		return;
	}
	w->st->addons++;
	w->stop = w->fn(w->arg, &f);
	free(real);
}

/* A candidate file at w->path: reported when it is a binary not reported before.
 * O_NONBLOCK so a FIFO named x.node cannot hang the walk. */
static void check_file(struct walk *w, const struct nsym_package *pkg)
{
	unsigned char m[NSYM_ADDON_MAGIC_SIZE] = {0};
	struct stat st;
	ssize_t n = 0;
	bool is_new = false;
	int fd;

	fd = open(here(w), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		skip(w, here(w), strerror(errno));
		return;
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && !nsym_inode_set_has(&w->files, &st))
		n = pread(fd, m, sizeof(m), 0);
	if (n > 0 && nsym_addon_magic(m, (size_t)n) &&
	    nsym_inode_set_add(&is_new, &w->files, &st) != 0)
		w->nomem = 1;
	close(fd);
	if (is_new)
		report(w, pkg);
}

static unsigned char type_of(const struct stat *st)
{
	return S_ISDIR(st->st_mode) ? DT_DIR : S_ISREG(st->st_mode) ? DT_REG : DT_UNKNOWN;
}

static void walk_dir(struct walk *w, enum kind kind, const struct nsym_package *up, int depth,
                     int via_link);

/* One entry of a folder; w->path already names it. Links are followed to learn
 * what they point at; a dangling link is passed over. */
static void visit(struct walk *w, const struct entry *e, enum kind parent,
                  const struct nsym_package *pkg, int depth)
{
	unsigned char type = e->type;
	int link = type == DT_LNK;
	struct stat st;

	if (type == DT_UNKNOWN) { /* some file systems do not fill d_type */
		if (lstat(here(w), &st) != 0) {
			if (errno != ENOENT) /* else gone since the folder was read */
				skip(w, here(w), strerror(errno));
			return;
		}
		link = S_ISLNK(st.st_mode);
		type = type_of(&st);
	}
	if (link) {
		if (stat(here(w), &st) != 0)
			return;
		type = type_of(&st);
	}
	if (type == DT_DIR && !skipped_folder(e->name))
		walk_dir(w, child_kind(parent, e->name), pkg, depth + 1, link);
	else if (type == DT_REG) {
		w->st->files_seen++;
		if (nsym_addon_name(e->name))
			check_file(w, pkg);
	}
}

/* Enters the folder at w->path unless it is too deep or its real folder was
 * entered before (a loop, or one more link to a pnpm package). */
static void walk_dir(struct walk *w, enum kind kind, const struct nsym_package *up, int depth,
                     int via_link)
{
	struct entries l = {NULL, 0, 0};
	struct nsym_package own;
	const struct nsym_package *pkg;
	struct stat st;
	DIR *d;
	bool added;

	if (depth > NSYM_WALK_MAX_DEPTH) {
		w->st->too_deep++;
		return;
	}
	if ((d = opendir(here(w))) == NULL || fstat(dirfd(d), &st) != 0) {
		skip(w, here(w), strerror(errno));
		if (d != NULL)
			closedir(d);
		return;
	}
	if (nsym_inode_set_add(&added, &w->dirs, &st) != 0)
		w->nomem = 1;
	if (!added) {
		w->st->loops_avoided += !w->nomem;
		closedir(d);
		return;
	}
	w->st->folders++;
	w->st->links_followed += via_link != 0;
	read_entries(w, d, &l);
	closedir(d); /* before descending, so deep trees do not run out of descriptors */
	pkg = folder_package(w, kind, up, &l, &own);
	for (size_t i = 0; i < l.n && !halted(w); i++) {
		size_t len = w->len;
		if (!path_push(w, l.v[i].name)) {
			char why[128];
			snprintf(why, sizeof(why), "the path of '%.64s' in it is too long",
			         l.v[i].name);
			skip(w, here(w), why);
		} else {
			visit(w, &l.v[i], kind, pkg, depth);
		}
		path_pop(w, len);
	}
	entries_free(&l);
}

/* ---- the root ---- */

/* Where a real path sits in node_modules: its kind and, inside a package, the
 * length of the package folder's path (the last node_modules decides, so
 * .pnpm/x@1/node_modules/x is the package x). */
static enum kind place_of(const char *real, size_t *pkg_len)
{
	const char *nm = NULL, *p, *q;

	for (p = strstr(real, "/node_modules"); p != NULL; p = strstr(p + 1, "/node_modules"))
		if (p[13] == '/' || p[13] == '\0')
			nm = p;
	if (nm == NULL)
		return K_PLAIN;
	if (nm[13] == '\0')
		return K_MODULES;
	p = nm + 14;
	q = strchr(p, '/');
	if (*p == '@') {
		if (q == NULL)
			return K_SCOPE;
		p = q + 1;
		q = strchr(p, '/');
	}
	*pkg_len = q != NULL ? (size_t)(q - real) : strlen(real);
	return q != NULL ? K_IN_PACKAGE : K_PACKAGE;
}

/* The nearest package.json with a name from real folder `dir` up to the
 * package folder (the first pkg_len bytes of it); "" when none has one. */
static void package_above(struct nsym_package *out, const char *dir, size_t pkg_len)
{
	char d[WALK_PATH];
	char *slash;

	snprintf(d, sizeof(d), "%s", dir);
	while (!named_package(out, d)) {
		if (strlen(d) <= pkg_len || (slash = strrchr(d, '/')) == NULL || slash == d)
			break;
		*slash = '\0';
	}
}

/* The package a file or folder at real path `real` inherits from the folders above it. */
static void inherited_package(struct nsym_package *out, const char *real)
{
	char parent[WALK_PATH];
	char *slash;
	size_t pkg_len = 0;
	enum kind kind;

	out->name[0] = out->version[0] = '\0';
	snprintf(parent, sizeof(parent), "%s", real);
	if ((slash = strrchr(parent, '/')) == NULL || slash == parent)
		return;
	*slash = '\0';
	kind = place_of(parent, &pkg_len);
	if (kind == K_PACKAGE || kind == K_IN_PACKAGE)
		package_above(out, parent, pkg_len);
}

/* A sub-folder of a project (node_modules, .yarn/unplugged), walked when it is there. */
static void walk_sub(struct walk *w, const char *rel, enum kind kind, int depth)
{
	static const struct nsym_package none;
	size_t len = w->len;
	struct stat st;

	if (path_push(w, rel) && stat(here(w), &st) == 0 && S_ISDIR(st.st_mode)) {
		int link = lstat(here(w), &st) == 0 && S_ISLNK(st.st_mode);
		walk_dir(w, kind, &none, depth, link);
	}
	path_pop(w, len);
}

static int is_folder(const char *dir, const char *rel)
{
	char path[WALK_PATH];
	struct stat st;
	return (size_t)snprintf(path, sizeof(path), "%s/%s", dir, rel) < sizeof(path) &&
	       stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int walk_root_dir(struct walk *w, const char *real, const struct stat *st, char *err,
                         size_t err_size)
{
	struct nsym_package up;
	size_t pkg_len = 0;
	enum kind kind = place_of(real, &pkg_len);
	DIR *d = opendir(real);

	if (d == NULL) {
		snprintf(err, err_size, "cannot read '%s': %s", here(w), strerror(errno));
		return -1;
	}
	closedir(d);
	if (kind == K_PLAIN &&
	    (is_folder(real, "node_modules") || is_folder(real, ".yarn/unplugged"))) {
		/* a link from inside back to the project is then a loop, not a second walk */
		bool added;
		if (nsym_inode_set_add(&added, &w->dirs, st) != 0)
			w->nomem = 1;
		walk_sub(w, "node_modules", K_MODULES, 1);
		walk_sub(w, ".yarn/unplugged", K_PLAIN, 2);
		return 0;
	}
	inherited_package(&up, real);
	walk_dir(w, kind, &up, 0, 0);
	return 0;
}

/* A file named on purpose: any name will do, the magic still has to be right. */
static void walk_root_file(struct walk *w, const char *real)
{
	struct nsym_package up;
	inherited_package(&up, real);
	w->st->files_seen++;
	check_file(w, &up);
}

/* The root as given, for display: without trailing slashes, and "." as "". */
static int set_root_path(struct walk *w, const char *root)
{
	size_t len = strlen(root);
	while (len > 1 && root[len - 1] == '/')
		len--;
	if (len >= sizeof(w->path))
		return -1;
	if (len == 1 && root[0] == '.')
		len = 0;
	memcpy(w->path, root, len);
	path_pop(w, len);
	return 0;
}

int nsym_project_walk(const char *root, int (*fn)(void *arg, const struct nsym_addon_file *f),
                      void (*unreadable)(void *arg, const char *path, const char *why), void *arg,
                      struct nsym_walk_stats *stats, char *err, size_t err_size)
{
	struct nsym_walk_stats local;
	struct walk *w = calloc(1, sizeof(*w));
	char *real = NULL;
	struct stat st;
	int rc = -1;

	if (stats == NULL)
		stats = &local;
	memset(stats, 0, sizeof(*stats));
	if (w == NULL) {
		snprintf(err, err_size, "out of memory");
		return -1;
	}
	*w = (struct walk){.fn = fn, .unreadable = unreadable, .arg = arg, .st = stats};
	if (set_root_path(w, root) != 0)
		snprintf(err, err_size, "'%s': the path is too long", root);
	else if ((real = realpath(root, NULL)) == NULL || stat(real, &st) != 0)
		snprintf(err, err_size, "cannot read '%s': %s", root, strerror(errno));
	else if (S_ISDIR(st.st_mode))
		rc = walk_root_dir(w, real, &st, err, err_size);
	else if (S_ISREG(st.st_mode)) {
		walk_root_file(w, real);
		rc = 0;
	} else
		snprintf(err, err_size, "'%s' is neither a file nor a folder", root);
	if (rc == 0 && w->nomem) {
		snprintf(err, err_size, "out of memory");
		rc = -1;
	} else if (rc == 0)
		rc = w->stop;
	free(real);
	nsym_inode_set_free(&w->dirs);
	nsym_inode_set_free(&w->files);
	free(w);
	return rc;
}
