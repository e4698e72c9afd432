/*
 * Building and opening the symcaches the store keeps (symcache_build.h).
 * The library writes a symcache to a path (through a temporary file and a
 * rename), and a store takes bytes through a blob writer; so a build
 * writes into the server's cache folder, then copies the file into a blob,
 * hashing it on the way, and names the blob in the store. A store whose
 * blobs are remote keeps that file as its local copy, named by the blob's
 * hash (a name whose bytes never change); the embedded store drops it and
 * maps its blob.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "metrics.h"
#include "symcache_build.h"

bool nsym_symcache_buildable(const struct nsym_artifact *a)
{
	return strcmp(a->format, "pe") != 0;
}

/* Whether the store's blobs are files of this machine (blob_open is
 * cheap), as the embedded store's are. */
static bool local_blobs(const struct nsym_store *s)
{
	return s->ops->blob_read == NULL;
}

/* cache_dir/SHA256.symcache: the local copy of a remote symcache blob. */
static void copy_path(char *out, size_t size, const char *cache_dir, const char *sha256)
{
	snprintf(out, size, "%s/%s.symcache", cache_dir, sha256);
}

/* Copies the file open at fd (from its start) into writer w, hashing the
 * bytes as blob writers expect, or into the file at fd_to when w is NULL,
 * through buf. 0 or NSYM_EIO, NSYM_ENOSPC, NSYM_ENOMEM. */
static int copy_with(char *buf, size_t size, struct nsym_blob_writer *w, int fd_to, int fd)
{
	ssize_t n;

	if (lseek(fd, 0, SEEK_SET) != 0)
		return NSYM_EIO;
	while ((n = read(fd, buf, size)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return NSYM_EIO;
		for (ssize_t done = 0; done < n;) {
			ssize_t m =
			    write(w != NULL ? w->fd : fd_to, buf + done, (size_t)(n - done));
			if (m < 0 && errno == EINTR)
				continue;
			if (m < 0)
				return errno == ENOSPC || errno == EDQUOT ? NSYM_ENOSPC : NSYM_EIO;
			done += m;
		}
		if (w != NULL) {
			if (nsym_hash_update(w->hash, buf, (size_t)n) != 0)
				return NSYM_ENOMEM;
			w->size += (uint64_t)n;
		}
	}
	return 0;
}

static int copy_fd(struct nsym_blob_writer *w, int fd_to, int fd)
{
	enum { BUF_SIZE = 1 << 16 };
	char *buf = malloc(BUF_SIZE); /* not on a worker's small stack */
	int rc = buf != NULL ? copy_with(buf, BUF_SIZE, w, fd_to, fd) : NSYM_ENOMEM;

	free(buf);
	return rc;
}

/* Fetches the remote blob sha256 into its local copy at path (through a
 * temporary file and a rename: a reader never maps part of one). */
static int fetch_copy(const struct nsym_stored_modules *src, const char *sha256, const char *path)
{
	static unsigned seq;
	struct nsym_blob blob;
	char tmp[4300];
	int fd, rc;

	if ((rc = src->store->ops->blob_open(src->store, &blob, sha256)) != 0)
		return rc == NSYM_ENOMEM ? rc : NSYM_EIO;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld.%u", path, (long)getpid(),
	         __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED));
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	rc = fd < 0 ? NSYM_EIO : copy_fd(NULL, fd, blob.fd);
	if (fd >= 0 && close(fd) != 0 && rc == 0)
		rc = NSYM_EIO;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = NSYM_EIO;
	if (rc != 0 && fd >= 0)
		unlink(tmp);
	close(blob.fd);
	return rc;
}

int nsym_symcache_open(nsym_symbolizer **out, const struct nsym_stored_modules *src,
                       const struct nsym_artifact *a)
{
	struct nsym_symcache sc;
	char path[4200];
	int rc;

	*out = NULL;
	rc = src->store->ops->symcache_find(src->store, &sc, a->key, a->kind,
	                                    nsym_symcache_version());
	if (rc != 0)
		return rc == NSYM_ENOENT || rc == NSYM_ENOMEM ? rc : NSYM_EIO;
	if (local_blobs(src->store)) {
		struct nsym_blob blob;
		if ((rc = src->store->ops->blob_open(src->store, &blob, sc.sha256)) != 0)
			return rc == NSYM_ENOMEM ? rc : NSYM_EIO;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", blob.fd);
		rc = nsym_symbolizer_open_cache(out, path, a->key);
		close(blob.fd);
		return rc;
	}
	copy_path(path, sizeof(path), src->cache_dir, sc.sha256);
	if (access(path, F_OK) != 0 && (rc = fetch_copy(src, sc.sha256, path)) != 0)
		return rc;
	rc = nsym_symbolizer_open_cache(out, path, a->key);
	if (rc == NSYM_ETRUNC || rc == NSYM_EMISMATCH)
		unlink(path); /* a damaged copy is fetched again next time */
	return rc;
}

/* Copies the symcache written at file into a blob and names it in the
 * store as a's; the store's message in why on failure. */
static int store_file(char *why, size_t why_size, const struct nsym_stored_modules *src,
                      const struct nsym_artifact *a, const char *file, char *out_sha256)
{
	struct nsym_store *s = src->store;
	struct nsym_blob_writer w;
	struct nsym_symcache sc = {.version = nsym_symcache_version()};
	int fd = open(file, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0) {
		snprintf(why, why_size, "cannot read the symcache built: %s", strerror(errno));
		return NSYM_EIO;
	}
	if ((rc = s->ops->blob_begin(s, &w)) != 0) {
		snprintf(why, why_size, "%s", nsym_store_errmsg(s));
		close(fd);
		return rc;
	}
	rc = copy_fd(&w, -1, fd);
	close(fd);
	if (rc != 0) {
		s->ops->blob_abort(s, &w);
		snprintf(why, why_size, "cannot copy the symcache into the store: %s",
		         nsym_strerror(rc));
		return rc;
	}
	if ((rc = s->ops->blob_commit(s, &w, sc.sha256)) != 0) {
		snprintf(why, why_size, "%s", nsym_store_errmsg(s));
		return rc;
	}
	snprintf(out_sha256, NSYM_SHA256_HEX, "%s", sc.sha256);
	snprintf(sc.key, sizeof(sc.key), "%s", a->key);
	snprintf(sc.kind, sizeof(sc.kind), "%s", a->kind);
	rc = s->ops->symcache_add(s, &sc);
	if (rc == NSYM_EEXIST) /* another server built it too: theirs answers */
		return 0;
	if (rc != 0)
		snprintf(why, why_size, "%s", nsym_store_errmsg(s));
	return rc;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Builds a's symcache into the store; *sym gets the debug file's
 * symbolizer when it could be opened. */
static int build(nsym_symbolizer **sym, char *why, size_t why_size,
                 const struct nsym_stored_modules *src, const struct nsym_artifact *a,
                 const char *origin)
{
	char file[4400], sha256[NSYM_SHA256_HEX], kept[4200];
	struct timespec t0;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	fprintf(stderr, "napi-symbols serve: building the symcache of %s (%s, %s) on %s\n", a->key,
	        a->name, a->kind, origin);
	rc = nsym_stored_debug_open(sym, why, why_size, src, a);
	if (rc != 0)
		return rc;
	if (*sym == NULL)
		return NSYM_ENODEBUG;
	/* named for this process and artifact: two servers sharing the folder
	 * (the scaled store's, in TMPDIR) do not write over each other */
	snprintf(file, sizeof(file), "%s/build-%ld-%s-%s.symcache", src->cache_dir, (long)getpid(),
	         a->kind, a->key);
	rc = nsym_symbolizer_write_cache_file(*sym, file);
	if (rc != 0) {
		snprintf(why, why_size, "%s", nsym_error_detail());
		unlink(file);
		return rc == NSYM_ENOMEM ? rc : NSYM_ENODEBUG;
	}
	rc = store_file(why, why_size, src, a, file, sha256);
	copy_path(kept, sizeof(kept), src->cache_dir, sha256);
	if (rc == 0 && !local_blobs(src->store) && rename(file, kept) == 0)
		file[0] = '\0';
	if (file[0] != '\0')
		unlink(file);
	if (rc == 0) {
		struct nsym_symcache sc = {0};
		src->store->ops->symcache_find(src->store, &sc, a->key, a->kind,
		                               nsym_symcache_version());
		fprintf(stderr,
		        "napi-symbols serve: built the symcache of %s (%s, %s) on %s: %llu bytes, "
		        "from %llu, in %.2f s\n",
		        a->key, a->name, a->kind, origin, (unsigned long long)sc.size,
		        (unsigned long long)a->size, seconds_since(&t0));
	}
	return rc == 0 || rc == NSYM_ENOMEM ? rc : NSYM_ENODEBUG;
}

/* Takes the store's lock on building a's symcache, when the store has one
 * (servers sharing it): 0 when held. A wait that ran out, or a store that
 * failed, is logged, and the caller goes on unlocked: it finds the row the
 * other server wrote, or builds too, as it would without the lock. */
static int lock(struct nsym_store *s, const struct nsym_artifact *a, const char *origin)
{
	int rc;

	if (s->ops->symcache_lock == NULL)
		return NSYM_EUNSUPPORTED;
	rc = s->ops->symcache_lock(s, a->key, a->kind, nsym_symcache_version(),
	                           NSYM_SYMCACHE_WAIT_SECONDS);
	if (rc != 0)
		fprintf(
		    stderr,
		    "napi-symbols serve: cannot wait for another server's build of the symcache "
		    "of %s (%s, %s) on %s: %s; this one builds it unless that one has\n",
		    a->key, a->name, a->kind, origin, nsym_store_errmsg(s));
	return rc;
}

int nsym_symcache_ensure(nsym_symbolizer **out_debug, char *why, size_t why_size,
                         const struct nsym_stored_modules *src, const struct nsym_artifact *a,
                         const char *origin)
{
	struct nsym_store *s = src->store;
	struct nsym_symcache sc;
	nsym_symbolizer *sym = NULL;
	char key[132];
	bool locked;
	int rc;

	if (out_debug != NULL)
		*out_debug = NULL;
	why[0] = '\0';
	if (!nsym_symcache_buildable(a)) {
		snprintf(why, why_size, "a PE image has no symcache of its own: its PDB's answers");
		return NSYM_ENODEBUG;
	}
	snprintf(key, sizeof(key), "%s:%s", a->kind, a->key);
	rc = s->ops->symcache_find(s, &sc, a->key, a->kind, nsym_symcache_version());
	if (rc == 0 || rc == NSYM_ENOMEM)
		return rc;
	if (rc != NSYM_ENOENT) {
		snprintf(why, why_size, "%s", nsym_store_errmsg(s));
		return NSYM_EIO;
	}
	switch (nsym_builds_claim(src->builds, key, why, why_size)) {
	case NSYM_BUILD_DONE:
		return 0;
	case NSYM_BUILD_FAILED:
		return NSYM_ENODEBUG;
	case NSYM_BUILD_YOURS:
		break;
	}
	/* builds by other servers sharing the store: one at a time, the
	 * others waiting here for its row */
	locked = lock(s, a, origin) == 0;
	/* a build that ended before this claim, longer ago than build_once
	 * remembers, or another server's, needs no second one */
	rc = s->ops->symcache_find(s, &sc, a->key, a->kind, nsym_symcache_version());
	if (rc == NSYM_ENOENT) {
		rc = build(&sym, why, why_size, src, a, origin);
		nsym_metrics_symcache(rc == 0 ? "built" : "failed");
	} else if (rc != 0) {
		snprintf(why, why_size, "%s", nsym_store_errmsg(s));
	}
	if (locked)
		s->ops->symcache_unlock(s, a->key, a->kind, nsym_symcache_version());
	nsym_builds_done(src->builds, key, rc == 0, why);
	if (rc != 0)
		fprintf(
		    stderr,
		    "napi-symbols serve: cannot build the symcache of %s (%s, %s) on %s: %s; its "
		    "debug file answers instead until a request tries again in %d s\n",
		    a->key, a->name, a->kind, origin, why, NSYM_SYMCACHE_RETRY_SECONDS);
	if (out_debug != NULL)
		*out_debug = sym;
	else
		nsym_symbolizer_close(sym);
	return rc == 0 || rc == NSYM_ENOMEM ? rc : NSYM_ENODEBUG;
}
