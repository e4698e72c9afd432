/*
 * Allocation-failure walks (allocfail.h) of the web pages on the real
 * server in this process, their handlers wrapped with the linker's --wrap
 * so that they count on the worker thread: the artifacts page searching
 * (its query read, the store listed, the rows written), and a crash pasted
 * into the page whose source was uploaded (the source lines read from the
 * store and written under the frames). A page must answer 503 with a log
 * line that says what ran out, or the very page of an unarmed run: never
 * a page with rows or source lines missing.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "allocfail.h"
#include "allocfail_http.h"
#include "http.h"
#include "napi_symbols.h"
#include "store.h"
#include "test_util.h"
#include "page.h"

#define DEBUG_FILE  NSYM_FIXTURES_DIR "/c/addon.node.debug"
#define SOURCE_FILE NSYM_SOURCE_DIR "/tests/fixtures/c-addon/addon.c"

/* The C fixture's debug id (Breakpad's form) and build-id. */
static void ids_of(char *debug_id, char *build_id)
{
	nsym_file *f = NULL;

	ck_assert_int_eq(nsym_file_open(&f, DEBUG_FILE), 0);
	ck_assert_int_eq(
	    nsym_image_id(debug_id, NSYM_IMAGE_ID_SIZE, nsym_file_image(f, 0), NSYM_ID_DEBUG_ID),
	    0);
	ck_assert_int_eq(
	    nsym_image_id(build_id, NSYM_IMAGE_ID_SIZE, nsym_file_image(f, 0), NSYM_ID_NATIVE), 0);
	nsym_file_close(f);
}

static void route_check(void *arg, int status, long failed_at)
{
	struct allocfail_route *c = arg;

	if (failed_at != 0 && status != 200) {
		ck_assert_msg(status == 503,
		              "%s: allocation %ld failing answered %d\n%.3000s\nlog:\n%.2000s",
		              c->request, failed_at, status, c->reply, c->log);
		ck_assert_msg(
		    strstr(c->log, "out of memory") != NULL,
		    "%s: allocation %ld failing: the log does not say what ran out:\n%.2000s",
		    c->request, failed_at, c->log);
		return;
	}
	ck_assert_msg(status == 200, "%s: %d with no allocation failing\n%.3000s\nlog:\n%.2000s",
	              c->request, status, c->reply, c->log);
	if (c->want[0] == '\0') {
		ck_assert_msg(strstr(c->reply, c->must_have) != NULL, "%s: no '%s' in\n%.3000s",
		              c->request, c->must_have, c->reply);
		snprintf(c->want, sizeof(c->want), "%s", c->reply);
	}
	ck_assert_msg(
	    strcmp(c->reply, c->want) == 0,
	    "%s: allocation %ld failing answered\n%.1500s\ninstead of\n%.1500s\nlog:\n%.1000s",
	    c->request, failed_at, c->reply, c->want, c->log);
}

/* The C fixture's debug file in the store, as an upload leaves it. */
static void store_fixture(const char *dir)
{
	struct nsym_store *s = NULL;
	struct nsym_blob_writer w;
	struct nsym_artifact a = {0};
	static struct nsym_source src;
	char debug_id[NSYM_IMAGE_ID_SIZE], err[600];
	unsigned char *bytes;
	size_t size;
	int result = -1;

	ck_assert_msg(nsym_store_open_local(&s, dir, err, sizeof(err)) == 0, "%s", err);
	bytes = test_read(DEBUG_FILE, &size);
	ck_assert_ptr_nonnull(bytes);
	ck_assert_int_eq(s->ops->blob_begin(s, &w), 0);
	ck_assert_int_eq(write(w.fd, bytes, size), (ssize_t)size);
	nsym_hash_update(w.hash, bytes, size);
	w.size = size;
	ck_assert_int_eq(s->ops->blob_commit(s, &w, a.sha256), 0);
	ids_of(debug_id, a.key);
	snprintf(a.id_kind, sizeof(a.id_kind), "build-id");
	snprintf(a.kind, sizeof(a.kind), "debuginfo");
	snprintf(a.format, sizeof(a.format), "elf");
	snprintf(a.arch, sizeof(a.arch), "x86_64");
	snprintf(a.name, sizeof(a.name), "addon.node.debug");
	snprintf(a.uploaded_by, sizeof(a.uploaded_by), "ci");
	ck_assert_int_eq(s->ops->artifact_add(s, &result, &a, 1), 0);
	ck_assert_int_eq(result, 0);
	free(bytes);
	/* and its source, at the path its DWARF names */
	bytes = test_read(SOURCE_FILE, &size);
	ck_assert_ptr_nonnull(bytes);
	ck_assert_int_eq(s->ops->blob_begin(s, &w), 0);
	ck_assert_int_eq(write(w.fd, bytes, size), (ssize_t)size);
	nsym_hash_update(w.hash, bytes, size);
	w.size = size;
	ck_assert_int_eq(s->ops->blob_commit(s, &w, src.sha256), 0);
	snprintf(src.build_id, sizeof(src.build_id), "%s", a.key);
	snprintf(src.path, sizeof(src.path), "%s", SOURCE_FILE);
	snprintf(src.uploaded_by, sizeof(src.uploaded_by), "ci");
	ck_assert_int_eq(s->ops->source_add(s, &src), 0);
	free(bytes);
	s->ops->close(s);
}

/* The page handlers, counted on the worker thread that runs them. */
void __real_nsym_handle_page(struct nsym_request *r);
void __wrap_nsym_handle_page(struct nsym_request *r);
void __real_nsym_handle_page_artifacts(struct nsym_request *r);
void __wrap_nsym_handle_page_artifacts(struct nsym_request *r);

void __wrap_nsym_handle_page(struct nsym_request *r)
{
	allocfail_enter();
	__real_nsym_handle_page(r);
	allocfail_leave();
}

void __wrap_nsym_handle_page_artifacts(struct nsym_request *r)
{
	allocfail_enter();
	__real_nsym_handle_page_artifacts(r);
	allocfail_leave();
}

/* Walks one request to a server on a store with the C fixture's debug file
 * and source. */
static void walk_page(const char *name, struct allocfail_route *c)
{
	struct allocfail_path p = {name,        c,   allocfail_route_setup, allocfail_route_run,
	                           route_check, NULL};
	struct nsym_server *server;
	struct allocfail_walked w;

	c->dir = test_tmpdir();
	store_fixture(c->dir);
	server = allocfail_server_start(&c->port, c->dir, 1 << 20);
	allocfail_walk(&w, &p);
	ck_assert_int_gt(w.failed, 0);
	nsym_server_stop(server);
	test_tmpdir_remove(c->dir);
}

START_TEST(artifacts_page_fails_cleanly_at_every_allocation)
{
	struct allocfail_route *c = calloc(1, sizeof(*c));

	ck_assert_ptr_nonnull(c);
	c->request = "GET /artifacts?q=ADDON&kind=debuginfo&format=elf&page=1";
	c->body = strdup("");
	c->must_have = "<tr><th scope=\"row\">addon.node.debug</th>";
	walk_page("artifacts page", c);
	free(c->body);
	free(c);
}
END_TEST

START_TEST(page_sources_fail_cleanly_at_every_allocation)
{
	struct allocfail_route *c = calloc(1, sizeof(*c));
	char debug_id[NSYM_IMAGE_ID_SIZE], build_id[NSYM_IMAGE_ID_SIZE];

	ck_assert_ptr_nonnull(c);
	ids_of(debug_id, build_id);
	c->body = malloc(1024);
	ck_assert_ptr_nonnull(c->body);
	/* a frame in fib and a return address into it (the v5 walk's offsets) */
	snprintf(c->body, 1024,
	         "trace=napi-symbols%%3A+crash+v1+SIGSEGV%%0Anapi-symbols%%3A+m0+%s+addon.node"
	         "%%0Anapi-symbols%%3A+f+m0%%2B14e0%%21+m0%%2B1518%%0Anapi-symbols%%3A+end%%0A",
	         build_id);
	c->request = "POST /";
	c->type = "application/x-www-form-urlencoded";
	c->must_have = "<mark><span class=\"ln\">";
	walk_page("page with sources", c);
	free(c->body);
	free(c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("allocfail_page");
	TEST_ADD(s, artifacts_page_fails_cleanly_at_every_allocation);
	TEST_ADD(s, page_sources_fail_cleanly_at_every_allocation);
	return test_run(s);
}
