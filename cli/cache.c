/*
 * The shared download cache; see cache.h. Entries are written the way the
 * elfutils client writes them (a temporary beside the entry, mode 0400,
 * then rename), so a reader never sees half a file, two fetches at once
 * both end with one whole entry, and a killed fetch leaves only a
 * temporary that a later `cache prune` removes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"

#define DEFAULT_MISS_SECONDS 600

static int read_control(const char *root, const char *name, int fallback)
{
	char path[4200], buf[32];
	FILE *f;
	long v;
	char *end;

	snprintf(path, sizeof(path), "%s/%s", root, name);
	f = fopen(path, "re");
	if (f == NULL)
		return fallback;
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = '\0';
	fclose(f);
	v = strtol(buf, &end, 10);
	return end != buf && v >= 0 && v < 1000000000 ? (int)v : fallback;
}

int nsym_cache_init(struct nsym_cache *out)
{
	const char *env = getenv("DEBUGINFOD_CACHE_PATH"), *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");

	if (env != NULL && env[0] != '\0')
		snprintf(out->root, sizeof(out->root), "%s", env);
	else if (xdg != NULL && xdg[0] != '\0')
		snprintf(out->root, sizeof(out->root), "%s/debuginfod_client", xdg);
	else if (home != NULL && home[0] != '\0')
		snprintf(out->root, sizeof(out->root), "%s/.cache/debuginfod_client", home);
	else
		return -1;
	out->miss_seconds = read_control(out->root, "cache_miss_s", DEFAULT_MISS_SECONDS);
	return 0;
}

enum nsym_cache_state nsym_cache_lookup(const struct nsym_cache *c, char *out_path, size_t size,
                                        const char *id, const char *kind)
{
	struct stat st;

	snprintf(out_path, size, "%s/%s/%s", c->root, id, kind);
	if (stat(out_path, &st) != 0 || !S_ISREG(st.st_mode))
		return NSYM_CACHE_ABSENT;
	if (st.st_size > 0)
		return NSYM_CACHE_HIT;
	if (time(NULL) - st.st_mtime <= c->miss_seconds)
		return NSYM_CACHE_MISS;
	unlink(out_path); /* an expired miss: ask again */
	return NSYM_CACHE_ABSENT;
}

static int make_dirs(const struct nsym_cache *c, const char *id)
{
	char path[4200];

	/* 0700 as elfutils makes them: the cache may name private builds */
	if (mkdir(c->root, 0700) != 0 && errno != EEXIST) {
		char parent[4200], *slash;
		snprintf(parent, sizeof(parent), "%s", c->root);
		/* ~/.cache may not exist yet on a fresh account */
		slash = strrchr(parent, '/');
		if (slash == NULL || slash == parent)
			return -1;
		*slash = '\0';
		if (mkdir(parent, 0700) != 0 && errno != EEXIST)
			return -1;
		if (mkdir(c->root, 0700) != 0 && errno != EEXIST)
			return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", c->root, id);
	return mkdir(path, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

void nsym_cache_reserve(int fd, uint64_t length)
{
	if (length > 0 && length <= ((uint64_t)4 << 30) && (fcntl(fd, F_GETFL) & O_APPEND) == 0)
		fallocate(fd, 0, 0, (off_t)length);
}

int nsym_cache_begin(const struct nsym_cache *c, char *out_tmp, size_t size, const char *id,
                     const char *kind)
{
	if (make_dirs(c, id) != 0)
		return -1;
	snprintf(out_tmp, size, "%s/%s/%s.XXXXXX", c->root, id, kind);
	return mkostemp(out_tmp, O_CLOEXEC);
}

int nsym_cache_commit(const char *tmp, const char *final_path)
{
	if (chmod(tmp, 0400) != 0 || rename(tmp, final_path) != 0) {
		int saved = errno;
		unlink(tmp);
		errno = saved;
		return -1;
	}
	return 0;
}

int nsym_cache_remember_miss(const struct nsym_cache *c, const char *id, const char *kind)
{
	char path[4200];
	int fd;

	if (make_dirs(c, id) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/%s/%s", c->root, id, kind);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0400);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static bool is_hex(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	}
	return true;
}

/* "debuginfo.Ab3xYz": what nsym_cache_begin names a download in progress. */
static bool is_temporary(const char *name)
{
	const char *dot = strrchr(name, '.');
	return dot != NULL && strlen(dot + 1) == 6 && strchr(name, '.') == dot;
}

static int each_in(const struct nsym_cache *c, const char *id,
                   int (*fn)(void *arg, const struct nsym_cache_entry *e), void *arg)
{
	char dir[4200];
	DIR *d;
	struct dirent *e;
	int stop = 0;

	snprintf(dir, sizeof(dir), "%s/%s", c->root, id);
	d = opendir(dir);
	if (d == NULL)
		return 0;
	while (stop == 0 && (e = readdir(d)) != NULL) {
		char path[4500];
		struct stat st;
		struct nsym_cache_entry ce;
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		ce = (struct nsym_cache_entry){.path = path,
		                               .id = id,
		                               .kind = e->d_name,
		                               .size = (uint64_t)st.st_size,
		                               .used = st.st_atime > st.st_mtime ? st.st_atime
		                                                                 : st.st_mtime,
		                               .miss = st.st_size == 0,
		                               .temp = is_temporary(e->d_name)};
		stop = fn(arg, &ce);
	}
	closedir(d);
	return stop;
}

int nsym_cache_each(const struct nsym_cache *c,
                    int (*fn)(void *arg, const struct nsym_cache_entry *e), void *arg)
{
	DIR *d = opendir(c->root);
	struct dirent *e;
	int stop = 0;

	if (d == NULL)
		return errno == ENOENT ? 0 : -1;
	while (stop == 0 && (e = readdir(d)) != NULL) {
		if (is_hex(e->d_name))
			stop = each_in(c, e->d_name, fn, arg);
	}
	closedir(d);
	return 0;
}
