/*
 * The local store's temporary files, and the sweep at server start that
 * removes what a crash left: temporary files (an upload's body, a reserve
 * being made), blob files no row names (a crash between an upload's rename
 * and its commit), and blobs a delete had moved aside. Several servers may
 * share one store folder, and one starting sweeps while the others run, so
 * it removes only what no process can still be using:
 * - a temporary file is locked (flock) by its writer for as long as it is
 *   open, and a lock dies with its process: the sweep removes the files it
 *   can lock.
 * - a blob file no row names may be an upload's of another server, renamed
 *   into place (outside the write lock) with its rows still to come. Every
 *   serving process holds DIR/serve.lock shared; a sweep that gets it
 *   exclusively runs alone and removes every such file. Otherwise it
 *   removes only those older than ORPHAN_AGE, far longer than an upload
 *   takes from its last byte to its commit (blob_commit renames even over a
 *   file already there, so an upload of bytes already stored refreshes the
 *   time too). Either way it removes them under the store's write lock, so
 *   that no upload is between its check that the file is there and its
 *   commit: a row never names a removed file, and an upload that loses the
 *   race is told to send its bytes again.
 * - a blob a delete moved aside (tmp/deleted.SHA) is dealt with under the
 *   write lock too, when no delete is between moving it and its commit: put
 *   back when a row names it (its delete did not commit), else removed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store_local.h"

/* How old a blob file no row names must be before a sweep that does not
 * run alone removes it. */
#define ORPHAN_AGE (60 * 60)

/* Leftovers looked at per start: more wait for the next one. */
#define CANDIDATES_MAX 65536

int nsym_local_tmp_create(char *out, size_t size, const char *dir, const char *prefix)
{
	/* A sweep may remove the file between its creation and the lock (it
	 * was not locked yet): then it has no name left, and another is made. */
	for (int tries = 0; tries < 3; tries++) {
		struct stat st;
		int fd;

		snprintf(out, size, "%s/tmp/%s.XXXXXX", dir, prefix);
		fd = mkostemp(out, O_CLOEXEC);
		if (fd < 0)
			return nsym_local_errno_code(errno);
		if (flock(fd, LOCK_EX) != 0 || fstat(fd, &st) != 0 || st.st_nlink > 0)
			return fd; /* a file system without locks: unlocked, as before */
		close(fd);
	}
	errno = EAGAIN;
	return NSYM_EIO;
}

static bool is_sha256(const char *s)
{
	return strlen(s) == NSYM_SHA256_HEX - 1 &&
	       strspn(s, "0123456789abcdef") == NSYM_SHA256_HEX - 1;
}

/* Removes the temporary files no process holds; how many were uploads'. */
static int sweep_tmp(const char *dir)
{
	char folder[4096], path[4096 + 256];
	struct dirent *e;
	int uploads = 0;
	DIR *d;

	snprintf(folder, sizeof(folder), "%s/tmp", dir);
	d = opendir(folder);
	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		bool upload = strncmp(e->d_name, "upload.", 7) == 0;
		int fd;

		if (!upload && strncmp(e->d_name, "reserve.", 8) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", folder, e->d_name);
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		/* unlinked while locked, so its writer cannot lock it meanwhile */
		if (flock(fd, LOCK_EX | LOCK_NB) == 0 && unlink(path) == 0)
			uploads += upload;
		close(fd);
	}
	closedir(d);
	return uploads;
}

/* The shas of the blob files no row names, of at least min_age seconds:
 * looked at without the lock, so looked at again under it. */
struct candidates {
	char (*sha)[NSYM_SHA256_HEX];
	size_t n, cap;
};

static bool old_enough(const char *path, int min_age)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISREG(st.st_mode) && time(NULL) - st.st_mtime >= min_age;
}

/* 1 when a blobs row names sha, 0 when none does, -1 on a failure; st is
 * prepare_has_row's. */
static int has_row(sqlite3_stmt *st, const char *sha)
{
	int rc;

	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, sha, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static sqlite3_stmt *prepare_has_row(struct local_store *ls)
{
	sqlite3_stmt *st = NULL;

	sqlite3_prepare_v2(ls->db, "SELECT 1 FROM blobs WHERE sha256 = ?", -1, &st, NULL);
	return st;
}

static void add_candidate(struct candidates *c, const char *sha)
{
	if (c->n == c->cap) {
		size_t cap = c->cap > 0 ? 2 * c->cap : 64;
		void *grown;

		if (c->n >= CANDIDATES_MAX ||
		    (grown = realloc(c->sha, cap * sizeof(*c->sha))) == NULL)
			return;
		c->sha = grown;
		c->cap = cap;
	}
	snprintf(c->sha[c->n++], NSYM_SHA256_HEX, "%s", sha);
}

static void find_candidates(struct candidates *c, struct local_store *ls, sqlite3_stmt *row,
                            int min_age)
{
	char root[4096], folder[4096 + 256], path[4096 + 512], sha[NSYM_SHA256_HEX];
	struct dirent *e, *f;
	DIR *top, *d;

	snprintf(root, sizeof(root), "%s/blobs/sha256", ls->dir);
	top = opendir(root);
	if (top == NULL)
		return;
	while ((e = readdir(top)) != NULL) {
		if (strlen(e->d_name) != 2 || strspn(e->d_name, "0123456789abcdef") != 2)
			continue;
		snprintf(folder, sizeof(folder), "%s/%s", root, e->d_name);
		if ((d = opendir(folder)) == NULL)
			continue;
		while ((f = readdir(d)) != NULL) {
			snprintf(sha, sizeof(sha), "%.2s%.62s", e->d_name, f->d_name);
			snprintf(path, sizeof(path), "%s/%s", folder, f->d_name);
			if (strlen(f->d_name) == NSYM_SHA256_HEX - 3 && is_sha256(sha) &&
			    old_enough(path, min_age) && has_row(row, sha) == 0)
				add_candidate(c, sha);
		}
		closedir(d);
	}
	closedir(top);
}

/* A blob a delete moved aside before a crash: back when a row names it
 * (the delete did not commit), else gone (it did). */
static void settle_deleted(struct local_store *ls, sqlite3_stmt *row)
{
	char folder[4096], trash[4096], blob[4096];
	struct dirent *e;
	DIR *d;

	snprintf(folder, sizeof(folder), "%s/tmp", ls->dir);
	if ((d = opendir(folder)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		const char *sha = e->d_name + 8;

		if (strncmp(e->d_name, "deleted.", 8) != 0 || !is_sha256(sha))
			continue;
		nsym_local_trash_path(trash, sizeof(trash), ls->dir, sha);
		nsym_local_blob_path(blob, sizeof(blob), ls->dir, sha);
		if (has_row(row, sha) == 1 && access(blob, F_OK) != 0)
			rename(trash, blob);
		else
			unlink(trash);
	}
	closedir(d);
}

/* Rows of blobs nothing names (left by versions that recorded a blob
 * before its artifacts): their files are then leftovers too. Failing (a
 * full disk) only keeps them for another start. */
static void forget_unnamed_rows(struct nsym_store *s)
{
	if (nsym_local_exec(s, "BEGIN IMMEDIATE") != 0)
		return;
	if (nsym_local_exec(
	        s, "DELETE FROM blobs WHERE sha256 NOT IN (SELECT sha256 FROM "
	           "artifacts) AND sha256 NOT IN (SELECT sha256 FROM sources) AND sha256 NOT "
	           "IN (SELECT sha256 FROM symcaches)") != 0 ||
	    nsym_local_exec(s, "COMMIT") != 0)
		sqlite3_exec(local(s)->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Under DIR/serve.lock: exclusive when no other server holds it (true),
 * shared after that for as long as s is open. */
static bool claim_store(struct local_store *ls)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/serve.lock", ls->dir);
	if (ls->serve_lock < 0)
		ls->serve_lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	return ls->serve_lock >= 0 && flock(ls->serve_lock, LOCK_EX | LOCK_NB) == 0;
}

int nsym_store_sweep_local(struct nsym_sweep *out, struct nsym_store *s)
{
	struct local_store *ls = local(s);
	struct candidates c = {0};
	bool alone = claim_store(ls);
	int min_age = alone ? 0 : ORPHAN_AGE, rc;
	sqlite3_stmt *row;
	char path[4096];

	out->uploads = sweep_tmp(ls->dir);
	out->blobs = 0;
	forget_unnamed_rows(s);
	row = prepare_has_row(ls);
	rc = row != NULL ? 0 : nsym_local_db_fail(s, "blob lookup");
	if (rc == 0)
		find_candidates(&c, ls, row, min_age);
	if (rc == 0)
		rc = nsym_local_exec(s, "BEGIN IMMEDIATE");
	if (rc == 0) {
		settle_deleted(ls, row);
		for (size_t i = 0; i < c.n; i++) {
			nsym_local_blob_path(path, sizeof(path), ls->dir, c.sha[i]);
			if (old_enough(path, min_age) && has_row(row, c.sha[i]) == 0 &&
			    unlink(path) == 0)
				out->blobs++;
		}
		sqlite3_reset(row);
		sqlite3_exec(ls->db, "ROLLBACK", NULL, NULL, NULL); /* wrote nothing */
	}
	sqlite3_finalize(row);
	free(c.sha);
	/* Not atomic: a server starting meanwhile may take it exclusively, and
	 * this one then waits here for its sweep to end before it serves. */
	if (ls->serve_lock >= 0)
		flock(ls->serve_lock, LOCK_SH);
	return rc;
}
