/*
 * The upstream cache folder (upstream_cache.h). Entries are made by
 * writing a temporary file and renaming it, so a reader sees a whole file
 * or none, and a file being served stays readable after it is evicted.
 * The bound is enforced after each new entry by listing the folder: new
 * entries cost an upstream download each, so the listing is cheap beside
 * it, and the folder stays the only record (a restart, or another server
 * sharing TMPDIR, needs no index to agree with).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "upstream_cache.h"

/* A temporary file older than this was left by a server that died. */
#define STALE_TEMP_SECONDS 3600
#define TEMP_PREFIX        ".tmp-"

struct nsym_ucache {
	char dir[4096];
	uint64_t bound;
	pthread_mutex_t lock; /* one eviction at a time */
};

struct entry {
	char name[NSYM_SHA256_HEX];
	uint64_t size;
	struct timespec used;
};

static int by_use(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	if (x->used.tv_sec != y->used.tv_sec)
		return x->used.tv_sec < y->used.tv_sec ? -1 : 1;
	return x->used.tv_nsec < y->used.tv_nsec ? -1 : x->used.tv_nsec > y->used.tv_nsec;
}

/* Lists the entries (into *out, malloc'd; *out_n of them, *out_total
 * bytes) and removes stale temporary files. 0, NSYM_EIO, NSYM_ENOMEM. */
static int list(struct entry **out, size_t *out_n, uint64_t *out_total, struct nsym_ucache *c)
{
	DIR *d = opendir(c->dir);
	struct dirent *de;
	struct entry *all = NULL;
	size_t n = 0, cap = 0;
	uint64_t total = 0;
	time_t now = time(NULL);
	int rc = 0;

	if (d == NULL)
		return NSYM_EIO;
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		if (de->d_name[0] == '.' && strncmp(de->d_name, TEMP_PREFIX, 5) != 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (strncmp(de->d_name, TEMP_PREFIX, 5) == 0) {
			if (now - st.st_mtime > STALE_TEMP_SECONDS)
				unlinkat(dirfd(d), de->d_name, 0);
			continue;
		}
		if (strlen(de->d_name) != NSYM_SHA256_HEX - 1)
			continue;
		if (n == cap) {
			size_t grown = cap > 0 ? cap * 2 : 64;
			struct entry *more = realloc(all, grown * sizeof(*all));
			if (more == NULL) {
				rc = NSYM_ENOMEM;
				break;
			}
			all = more;
			cap = grown;
		}
		memcpy(all[n].name, de->d_name, NSYM_SHA256_HEX);
		all[n].size = (uint64_t)st.st_size;
		all[n].used = st.st_atim;
		total += all[n].size;
		n++;
	}
	closedir(d);
	if (rc != 0) {
		free(all);
		return rc;
	}
	*out = all;
	*out_n = n;
	*out_total = total;
	return 0;
}

/* Removes the least recently used entries until the folder fits. */
static int evict(struct nsym_ucache *c)
{
	struct entry *all = NULL;
	size_t n = 0;
	uint64_t total = 0;
	int rc;

	pthread_mutex_lock(&c->lock);
	rc = list(&all, &n, &total, c);
	if (rc == 0 && total > c->bound) {
		qsort(all, n, sizeof(*all), by_use);
		for (size_t i = 0; i < n && total > c->bound; i++) {
			char path[4096 + NSYM_SHA256_HEX + 2];
			snprintf(path, sizeof(path), "%s/%s", c->dir, all[i].name);
			if (unlink(path) == 0 || errno == ENOENT)
				total -= all[i].size;
		}
	}
	pthread_mutex_unlock(&c->lock);
	free(all);
	return rc;
}

int nsym_ucache_open(struct nsym_ucache **out, const char *dir, uint64_t bound, char *err,
                     size_t err_size)
{
	struct nsym_ucache *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (c == NULL) {
		snprintf(err, err_size, "out of memory");
		return NSYM_ENOMEM;
	}
	snprintf(c->dir, sizeof(c->dir), "%s", dir);
	c->bound = bound;
	pthread_mutex_init(&c->lock, NULL);
	if ((mkdir(dir, 0755) != 0 && errno != EEXIST) || evict(c) != 0) {
		snprintf(err, err_size, "cannot use %s as the upstream cache: %s", dir,
		         strerror(errno));
		nsym_ucache_close(c);
		return NSYM_EIO;
	}
	*out = c;
	return 0;
}

void nsym_ucache_close(struct nsym_ucache *c)
{
	if (c == NULL)
		return;
	pthread_mutex_destroy(&c->lock);
	free(c);
}

uint64_t nsym_ucache_bound(const struct nsym_ucache *c)
{
	return c->bound;
}

int nsym_ucache_open_entry(int *out_fd, struct stat *out_st, struct nsym_ucache *c,
                           const char *name)
{
	/* atime now, mtime kept: the last use, and when it was fetched */
	const struct timespec times[2] = {{0, UTIME_NOW}, {0, UTIME_OMIT}};
	char path[4096 + NSYM_SHA256_HEX + 2];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", c->dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? NSYM_ENOENT : NSYM_EIO;
	if (fstat(fd, out_st) != 0) {
		close(fd);
		return NSYM_EIO;
	}
	futimens(fd, times); /* a read-only folder: served, just not marked */
	*out_fd = fd;
	return 0;
}

int nsym_ucache_temp(int *out_fd, char *out_path, size_t size, struct nsym_ucache *c)
{
	int n = snprintf(out_path, size, "%s/" TEMP_PREFIX "XXXXXX", c->dir);

	if (n < 0 || (size_t)n >= size)
		return NSYM_EIO;
	*out_fd = mkostemp(out_path, O_CLOEXEC);
	return *out_fd >= 0 ? 0 : NSYM_EIO;
}

int nsym_ucache_commit(struct nsym_ucache *c, const char *tmp, const char *name)
{
	char path[4096 + NSYM_SHA256_HEX + 2];

	snprintf(path, sizeof(path), "%s/%s", c->dir, name);
	chmod(tmp, 0644);
	if (rename(tmp, path) != 0) {
		unlink(tmp);
		return NSYM_EIO;
	}
	return evict(c);
}
