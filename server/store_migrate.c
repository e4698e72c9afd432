/*
 * `napi-symbols store migrate`: copies a store into another (an embedded
 * store into a scaled one) through the store interface alone. Tokens first,
 * with their ids (a token names its id, so every token keeps working), then
 * artifacts with their blobs, then sources (which need their build's
 * artifact). Every step looks at the target first: what is there with the
 * same bytes is counted as present, what is there with other bytes as a
 * conflict and left alone, so a migration cut off anywhere (the storage
 * unreachable, ^C) is resumed by running it again. Every blob copied is
 * hashed on the way and compared with its name before any row names it; a
 * blob the target's storage already holds (an object of that hash and size)
 * is not copied again.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server.h"
#include "store.h"

/* Rows read from the source store per page. */
#define PAGE 256

struct migration {
	struct nsym_store *from, *to;
	struct nsym_migrate_report *report;
	void (*say)(void *arg, const char *line);
	void *arg;
	int rc; /* the first failure that stops the migration */
	char err[600];
};

static void say(struct migration *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(struct migration *m, const char *fmt, ...)
{
	char line[800];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (m->say != NULL)
		m->say(m->arg, line);
}

/* Stops the migration with what failed and the store's message. */
static int stop(struct migration *m, int rc, const char *what, const struct nsym_store *s)
{
	if (m->rc == 0) {
		m->rc = rc;
		snprintf(m->err, sizeof(m->err), "%s: %s", what,
		         s != NULL ? nsym_store_errmsg(s) : nsym_strerror(rc));
	}
	return rc;
}

/* ---- blobs ------------------------------------------------------------------------ */

/* Copies blob sha256 (size bytes) from m->from to m->to, hashing it on the
 * way: 0 when the target holds it now (copied, or there already), 1 when
 * the source's bytes do not hash to their name (nothing stored; counted and
 * said), or a code that stops the migration. */
static int copy_blob(struct migration *m, const char *sha256, uint64_t size)
{
	struct nsym_store *to = m->to;
	struct nsym_blob_writer w;
	struct nsym_blob b = {.fd = -1};
	char got[NSYM_SHA256_HEX], stored[NSYM_SHA256_HEX];
	uint64_t have = 0;
	nsym_hash *copy = NULL;
	char *buf = NULL;
	int rc;

	if (to->ops->blob_stat != NULL && to->ops->blob_stat(to, &have, sha256) == 0 &&
	    have == size) {
		m->report->blobs_present++;
		return 0;
	}
	if ((rc = m->from->ops->blob_open(m->from, &b, sha256)) != 0)
		return stop(m, rc, "reading a blob of the source store", m->from);
	if ((rc = to->ops->blob_begin(to, &w)) != 0) {
		close(b.fd);
		return stop(m, rc, "starting a blob in the target store", to);
	}
	buf = malloc(1 << 16);
	for (uint64_t off = 0; rc == 0 && buf != NULL;) {
		ssize_t n = pread(b.fd, buf, 1 << 16, (off_t)off), done = 0;
		if (n <= 0) {
			if (n < 0)
				rc = stop(m, NSYM_EIO, "reading a blob of the source store", NULL);
			break;
		}
		off += (uint64_t)n;
		w.size += (uint64_t)n;
		if (nsym_hash_update(w.hash, buf, (size_t)n) != 0)
			rc = stop(m, NSYM_ENOMEM, "hashing a blob", NULL);
		while (rc == 0 && done < n) {
			ssize_t k = write(w.fd, buf + done, (size_t)(n - done));
			if (k <= 0)
				rc = stop(m, errno == ENOSPC ? NSYM_ENOSPC : NSYM_EIO,
				          "writing a blob's temporary file", NULL);
			done += k > 0 ? k : 0;
		}
	}
	if (buf == NULL)
		rc = stop(m, NSYM_ENOMEM, "copying a blob", NULL);
	close(b.fd);
	/* the name checked before anything is stored under it */
	if (rc == 0 && (nsym_hash_copy(&copy, w.hash) != 0 || nsym_hash_final_hex(got, copy) != 0))
		rc = stop(m, NSYM_ENOMEM, "hashing a blob", NULL);
	nsym_hash_free(copy);
	free(buf);
	if (rc == 0 && (strcmp(got, sha256) != 0 || w.size != size)) {
		to->ops->blob_abort(to, &w);
		m->report->blobs_damaged++;
		say(m,
		    "blob %s of the source store holds other bytes (they hash to %s, %llu bytes): "
		    "not copied",
		    sha256, got, (unsigned long long)w.size);
		return 1;
	}
	if (rc != 0) {
		to->ops->blob_abort(to, &w);
		return rc;
	}
	if ((rc = to->ops->blob_commit(to, &w, stored)) != 0)
		return stop(m, rc, "storing a blob in the target store", to);
	m->report->blobs_copied++;
	m->report->bytes_copied += size;
	return 0;
}

/* ---- tokens ----------------------------------------------------------------------- */

static int each_token(void *arg, const struct nsym_token *t)
{
	struct migration *m = arg;
	struct nsym_token there;
	int64_t id;
	int rc = m->to->ops->token_get(m->to, &there, t->id);

	if (rc == 0 && strcmp(there.name, t->name) == 0 && strcmp(there.hash, t->hash) == 0) {
		m->report->tokens_present++;
	} else if (rc == 0) {
		m->report->tokens_conflict++;
		say(m,
		    "token %lld '%s': the target has another token under its id ('%s'): left "
		    "alone",
		    (long long)t->id, t->name, there.name);
		return 0;
	} else if (rc != NSYM_ENOENT) {
		return stop(m, rc, "reading the target's tokens", m->to);
	} else if ((rc = m->to->ops->token_add(m->to, t, &id)) == NSYM_EEXIST) {
		m->report->tokens_conflict++;
		say(m, "token %lld '%s': the target has another token of that name: left alone",
		    (long long)t->id, t->name);
		return 0;
	} else if (rc != 0) {
		return stop(m, rc, "adding a token", m->to);
	} else {
		m->report->tokens_copied++;
	}
	/* revoked in the source: revoked in the target too (again is ENOENT) */
	if (t->revoked && (rc = m->to->ops->token_revoke(m->to, t->name)) != 0 && rc != NSYM_ENOENT)
		return stop(m, rc, "revoking a token", m->to);
	return 0;
}

/* ---- artifacts and sources ---------------------------------------------------------- */

/* A page of rows, read before any is copied: the source store's cursor is
 * not held while the target is written. */
struct page {
	struct nsym_artifact *a;
	struct nsym_source *s;
	size_t n;
};

static int keep_artifact(void *arg, const struct nsym_artifact *a)
{
	struct page *p = arg;
	p->a[p->n++] = *a;
	return 0;
}

static int keep_source(void *arg, const struct nsym_source *src)
{
	struct page *p = arg;
	p->s[p->n++] = *src;
	return 0;
}

static int migrate_artifact(struct migration *m, struct nsym_artifact *a)
{
	struct nsym_artifact there, mine = *a;
	int result = 0, rc = m->to->ops->artifact_find(m->to, &there, a->key, a->kind);

	if (rc == 0 && strcmp(there.sha256, a->sha256) == 0) {
		m->report->artifacts_present++;
		return 0;
	}
	if (rc == 0) {
		m->report->artifacts_conflict++;
		say(m, "%s of %s: the target holds other bytes under it: left alone", a->kind,
		    a->key);
		return 0;
	}
	if (rc != NSYM_ENOENT)
		return stop(m, rc, "looking an artifact up in the target", m->to);
	if ((rc = copy_blob(m, a->sha256, a->size)) != 0)
		return rc < 0 ? rc : 0;
	rc = m->to->ops->artifact_add(m->to, &result, &mine, 1);
	if (rc != 0)
		return stop(m, rc, "adding an artifact", m->to);
	if (result == NSYM_EEXIST) /* added meanwhile, by an upload */
		m->report->artifacts_present++;
	else
		m->report->artifacts_copied++;
	return 0;
}

static int migrate_source(struct migration *m, struct nsym_source *src)
{
	struct nsym_source *there = malloc(sizeof(*there));
	int rc;

	if (there == NULL)
		return stop(m, NSYM_ENOMEM, "copying a source", NULL);
	rc = m->to->ops->source_find(m->to, there, src->build_id, src->path);
	if (rc == 0 && strcmp(there->sha256, src->sha256) == 0) {
		m->report->sources_present++;
	} else if (rc == 0) {
		m->report->sources_conflict++;
		say(m, "source %s of %s: the target holds other bytes there: left alone", src->path,
		    src->build_id);
	} else if (rc != NSYM_ENOENT) {
		stop(m, rc, "looking a source up in the target", m->to);
	} else if ((rc = copy_blob(m, src->sha256, src->size)) < 0) {
		; /* stopped */
	} else if (rc == 0) {
		rc = m->to->ops->source_add(m->to, src);
		if (rc == 0)
			m->report->sources_copied++;
		else if (rc == NSYM_EEXIST)
			m->report->sources_present++;
		else if (rc == NSYM_ENOENT) {
			m->report->sources_conflict++;
			say(m,
			    "source %s of %s: no artifact of its build in the target: left alone",
			    src->path, src->build_id);
		} else {
			stop(m, rc, "adding a source", m->to);
		}
	}
	free(there);
	return m->rc;
}

/* Artifacts by pages of the source's list (newest first, by offset: what
 * is copied into the target does not move the source's rows). */
static void migrate_artifacts(struct migration *m)
{
	struct page p = {.a = malloc(PAGE * sizeof(*p.a))};
	int rc;

	if (p.a == NULL) {
		stop(m, NSYM_ENOMEM, "copying artifacts", NULL);
		return;
	}
	for (int64_t offset = 0; m->rc == 0; offset += PAGE) {
		p.n = 0;
		rc = m->from->ops->artifact_list(m->from, NULL, offset, PAGE, keep_artifact, &p);
		if (rc != 0) {
			stop(m, rc, "listing the source's artifacts", m->from);
			break;
		}
		for (size_t i = 0; i < p.n && m->rc == 0; i++)
			migrate_artifact(m, &p.a[i]);
		if (p.n < PAGE)
			break;
	}
	free(p.a);
}

static void migrate_sources(struct migration *m)
{
	struct page p = {.s = malloc(PAGE * sizeof(*p.s))};
	int rc;

	if (p.s == NULL) {
		stop(m, NSYM_ENOMEM, "copying sources", NULL);
		return;
	}
	for (int64_t offset = 0; m->rc == 0; offset += PAGE) {
		p.n = 0;
		rc = m->from->ops->source_list(m->from, offset, PAGE, keep_source, &p);
		if (rc != 0) {
			stop(m, rc, "listing the source's sources", m->from);
			break;
		}
		for (size_t i = 0; i < p.n && m->rc == 0; i++)
			migrate_source(m, &p.s[i]);
		if (p.n < PAGE)
			break;
	}
	free(p.s);
}

int nsym_server_store_migrate(struct nsym_migrate_report *out, const char *from,
                              const char *from_blobs, const char *to, const char *to_blobs,
                              void (*progress)(void *arg, const char *line), void *arg, char *err,
                              size_t err_size)
{
	struct migration m = {.report = out, .say = progress, .arg = arg};
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = nsym_store_open(&m.from, from, from_blobs, 0, err, err_size)) != 0)
		return rc;
	if ((rc = nsym_store_open(&m.to, to, to_blobs, 0, err, err_size)) != 0) {
		m.from->ops->close(m.from);
		return rc;
	}
	if ((rc = m.from->ops->token_list(m.from, each_token, &m)) != 0 && m.rc == 0)
		stop(&m, rc, "listing the source's tokens", m.from);
	if (m.rc == 0)
		migrate_artifacts(&m);
	if (m.rc == 0)
		migrate_sources(&m);
	m.from->ops->close(m.from);
	m.to->ops->close(m.to);
	if (m.rc != 0)
		snprintf(err, err_size, "%s", m.err);
	return m.rc;
}
