/*
 * Allocation-failure walks (allocfail.h) of an upload to the real server
 * in this process: one kept and one refused for a section that lies about
 * its size. The upload handler is wrapped with the linker's --wrap so that
 * it counts on the worker thread. A run that fails must answer 503 with a
 * log line saying what ran out and keep nothing (no row, no blob, no
 * temporary file); one that does not must store the file, or refuse it as
 * it would have been.
 */
#include <check.h>
#include <ftw.h>
#include <gelf.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "allocfail.h"
#include "allocfail_http.h"
#include "http.h"
#include "napi_symbols.h"
#include "store.h"
#include "test_util.h"
#include "tokens.h"

static void identity_of(struct nsym_identity *out, const char *path)
{
	nsym_object *o = NULL;
	ck_assert_msg(nsym_object_open(&o, path) == 0, "%s", nsym_error_detail());
	ck_assert_int_eq(nsym_object_identity(out, o), 0);
	out->debuglink = NULL; /* borrowed from o */
	nsym_object_close(o);
}

/* The route's handler, counted on the worker thread that runs it. */
void __real_nsym_handle_upload(struct nsym_request *r);
void __wrap_nsym_handle_upload(struct nsym_request *r);

void __wrap_nsym_handle_upload(struct nsym_request *r)
{
	allocfail_enter();
	__real_nsym_handle_upload(r);
	allocfail_leave();
}

struct upload {
	char *dir;                  /* the store */
	struct nsym_store *store;   /* the test's own handle on it */
	struct nsym_server *server; /* in this process */
	int port;
	char token[NSYM_TOKEN_MAX];
	unsigned char *body; /* the file uploaded */
	size_t body_size;
	char key[NSYM_IMAGE_ID_SIZE];
	int want;              /* the status without failures: 201, or 422 for a lie */
	char reply[4096];      /* status line to the body */
	char want_reply[4096]; /* a refusal's reply without failures */
	char log[8192];        /* what the server logged during the run */
	int saved_stderr;
};

static int64_t artifact_count(struct upload *c)
{
	int64_t count = -1, bytes = -1;
	ck_assert_int_eq(c->store->ops->stats(c->store, &count, &bytes), 0);
	ck_assert_int_eq(count == 0, bytes == 0);
	return count;
}

static void upload_setup(void *arg)
{
	struct upload *c = arg;
	struct nsym_artifact a;

	/* the last run's rows go, so each run uploads to an empty store */
	for (const char *const *kind = (const char *const[]){"debuginfo", "executable", NULL};
	     *kind != NULL; kind++)
		if (c->store->ops->artifact_find(c->store, &a, c->key, *kind) == 0)
			ck_assert_int_eq(c->store->ops->artifact_delete(c->store, NULL, a.id), 0);
	ck_assert_int_eq(artifact_count(c), 0);
	/* the server's log of this run, to read its detail */
	allocfail_log_begin(&c->saved_stderr, c->dir);
}

/* POSTs the file and reads the reply to the end; returns its status. */
static int upload_run(void *arg)
{
	struct upload *c = arg;
	char head[512];
	size_t sent;
	int status;

	snprintf(head, sizeof(head),
	         "POST /api/v1/upload?name=addon.node&package=%%40napi-rs%%2Faddon%%401.0.0 "
	         "HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	         "Authorization: Bearer %s\r\nContent-Length: %zu\r\n"
	         "Connection: close\r\n\r\n",
	         c->token, c->body_size);
	status = allocfail_http_exchange(c->reply, sizeof(c->reply), &sent, c->port, head, c->body,
	                                 c->body_size);
	/* the connection closes after the access log line: the log is whole */
	allocfail_log_end(c->log, sizeof(c->log), c->saved_stderr, c->dir);
	return status;
}

static size_t files_seen;

static int count_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)path, (void)st, (void)ftw;
	files_seen += type == FTW_F;
	return 0;
}

/* Files under dir, however deep (a shell's find costs a run's time). */
static size_t count_files(const char *dir)
{
	files_seen = 0;
	ck_assert_int_eq(nftw(dir, count_one, 8, FTW_PHYS), 0);
	return files_seen;
}

/* No row, no blob, no temporary file. */
static void nothing_kept(struct upload *c, long failed_at)
{
	char dir[4200];

	ck_assert_msg(artifact_count(c) == 0, "upload: allocation %ld failing left a row or a blob",
	              failed_at);
	snprintf(dir, sizeof(dir), "%s/blobs", c->dir);
	ck_assert_msg(count_files(dir) == 0, "upload: allocation %ld failing left a blob file",
	              failed_at);
	snprintf(dir, sizeof(dir), "%s/tmp", c->dir);
	ck_assert_msg(count_files(dir) == 0, "upload: allocation %ld failing left a temporary file",
	              failed_at);
}

static void upload_check(void *arg, int status, long failed_at)
{
	struct upload *c = arg;
	struct nsym_artifact a;

	if (failed_at != 0 && status != c->want) {
		ck_assert_msg(status == 503,
		              "upload: allocation %ld failing answered %d\n%s\nlog:\n%s", failed_at,
		              status, c->reply, c->log);
		ck_assert_msg(
		    strstr(c->log, "POST /api/v1/upload: ") != NULL &&
		        strstr(c->log, "out of memory") != NULL,
		    "upload: allocation %ld failing: the log does not say what ran out:\n%s",
		    failed_at, c->log);
		nothing_kept(c, failed_at);
		return;
	}
	ck_assert_msg(status == c->want, "upload: %d with no allocation failing\n%s\nlog:\n%s",
	              status, c->reply, c->log);
	if (c->want != 201) {
		/* refused as it would have been, for the same reason */
		if (c->want_reply[0] == '\0')
			snprintf(c->want_reply, sizeof(c->want_reply), "%s", c->reply);
		ck_assert_msg(strcmp(c->reply, c->want_reply) == 0,
		              "upload: allocation %ld failing was refused with\n%s\ninstead of\n%s",
		              failed_at, c->reply, c->want_reply);
		nothing_kept(c, failed_at);
		return;
	}
	ck_assert_int_eq(c->store->ops->artifact_find(c->store, &a, c->key, "debuginfo"), 0);
	ck_assert_uint_eq(a.size, c->body_size);
	/* the package is kept whole, or the upload fails: never half of it */
	ck_assert_str_eq(a.package_name, "@napi-rs/addon");
	ck_assert_str_eq(a.package_version, "1.0.0");
	ck_assert_int_eq(c->store->ops->artifact_find(c->store, &a, c->key, "executable"), 0);
	ck_assert_int_eq(artifact_count(c), 2);
}

/* Makes the first compressed section of the ELF file in body claim one
 * byte more than it inflates to, which the server refuses (422). */
static void lie_about_a_section(unsigned char *body, size_t size)
{
	Elf *elf = elf_memory((char *)body, size);
	Elf_Scn *scn = NULL;
	uint64_t at = 0;

	ck_assert_ptr_nonnull(elf);
	while (at == 0 && (scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr sh;
		if (gelf_getshdr(scn, &sh) != NULL && (sh.sh_flags & SHF_COMPRESSED))
			at = sh.sh_offset + offsetof(Elf64_Chdr, ch_size);
	}
	elf_end(elf);
	ck_assert_msg(at != 0 && at + 8 <= size, "no compressed section to lie about");
	body[at]++; /* the low byte (little-endian): any other size is a lie */
}

/* Walks an upload of the zstd fixture (compressed sections: the server
 * inflates them to check them) to the real server in this process; with
 * `lie`, one of its sections lies about its size. */
static void walk_upload(const char *name, bool lie)
{
	struct upload c = {.want = lie ? 422 : 201};
	struct allocfail_path p = {name, &c, upload_setup, upload_run, upload_check, NULL};
	struct allocfail_walked w;
	struct nsym_identity id;
	char err[600];

	c.dir = test_tmpdir();
	ck_assert_msg(nsym_store_open_local(&c.store, c.dir, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(nsym_token_create(c.store, c.token, "ci", NSYM_SCOPE_UPLOAD), 0);
	c.body = test_read(NSYM_FIXTURES_DIR "/c/addon-zstd.node", &c.body_size);
	ck_assert_ptr_nonnull(c.body);
	identity_of(&id, NSYM_FIXTURES_DIR "/c/addon-zstd.node");
	ck_assert_int_eq(nsym_identity_hex(c.key, sizeof(c.key), &id), 0);
	if (lie)
		lie_about_a_section(c.body, c.body_size);
	c.server = allocfail_server_start(&c.port, c.dir, 1 << 30);
	allocfail_walk(&w, &p);
	ck_assert_int_gt(w.failed, 0);
	nsym_server_stop(c.server);
	c.store->ops->close(c.store);
	free(c.body);
	test_tmpdir_remove(c.dir);
}

START_TEST(upload_fails_cleanly_at_every_allocation)
{
	walk_upload("upload", false);
}
END_TEST

/* The section check, too, is never skipped for want of memory: a file
 * that lies is refused for its lie, or 503, never kept. */
START_TEST(refused_upload_fails_cleanly_at_every_allocation)
{
	walk_upload("refused upload", true);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("allocfail_upload");
	TEST_ADD(s, upload_fails_cleanly_at_every_allocation);
	TEST_ADD(s, refused_upload_fails_cleanly_at_every_allocation);
	return test_run(s);
}
