/*
 * Allocation-failure walks (allocfail.h) of Mozilla's symbolication v5 on
 * the server: the request reader (server/v5_request.h) on a request that
 * uses every part of the shape, and on one it refuses; and the whole
 * route, a v5 request POSTed to the real server in this process, whose
 * symbolicate handler is wrapped with the linker's --wrap so that it
 * counts on its worker thread. The reader must give NSYM_ENOMEM saying
 * "out of memory" and hold nothing, or the very answer of a run where no
 * allocation failed (never another refusal: running out of memory is not
 * a bad request). The route must answer 503 with a log line that says
 * what ran out, or the very reply of an unarmed run: a module that could
 * not be opened for want of memory is never answered as not found.
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
#include "v5_request.h"

#define DEBUG_FILE NSYM_FIXTURES_DIR "/c/addon.node.debug"

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

/* A v5 request for the C fixture: two jobs, the same pair twice, a
 * module nobody has, frames in no module and at an unknown offset. */
static char *v5_body(void)
{
	char debug_id[NSYM_IMAGE_ID_SIZE], build_id[NSYM_IMAGE_ID_SIZE], *body = malloc(4096);

	ids_of(debug_id, build_id);
	ck_assert_ptr_nonnull(body);
	snprintf(body, 4096,
	         "{\"jobs\": [{\"memoryMap\": [[\"addon.node\", \"%s\"], [\"libgone.so\", "
	         "\"0123456789ABCDEF0123456789ABCDEF0\"], [\"addon.node\", \"%s\"]], \"stacks\": "
	         "[[[0, 5344], [0, 5400], [2, 5600], [1, 16], [-1, 5], [0, -1]], []]}, "
	         "{\"memoryMap\": [[\"addon.node\", \"%s\"], [\"unused.so\", \"AB\"]], "
	         "\"stacks\": [[[0, 4608]]]}], \"version\": 5}",
	         debug_id, debug_id, debug_id);
	return body;
}

/* ---- the reader --------------------------------------------------------------- */

struct reader {
	const char *body;
	char answer[4096]; /* the request read, or the refusal, as text */
	char want[4096];   /* the first unarmed run's */
	char why[200];
};

static void reader_setup(void *arg)
{
	struct reader *c = arg;
	c->answer[0] = '\0';
}

static int reader_run(void *arg)
{
	struct reader *c = arg;
	struct nsym_v5_request r;
	int status = 0, rc;
	size_t used = 0;

	allocfail_enter();
	rc = nsym_v5_read(&r, &status, c->why, sizeof(c->why), c->body, strlen(c->body));
	allocfail_leave();
	if (rc == NSYM_EINVAL)
		snprintf(c->answer, sizeof(c->answer), "%d %s", status, c->why);
	for (size_t j = 0; rc == 0 && j < r.njobs; j++) {
		const struct nsym_v5_job *job = &r.jobs[j];
		for (size_t m = 0; m < job->nmodules; m++)
			used += (size_t)snprintf(c->answer + used, sizeof(c->answer) - used,
			                         "job %zu: %s/%s\n", j, job->modules[m].name,
			                         job->modules[m].id);
		for (size_t s = 0; s < job->nstacks; s++)
			for (size_t f = 0; f < job->stacks[s].count; f++)
				used +=
				    (size_t)snprintf(c->answer + used, sizeof(c->answer) - used,
				                     "stack %zu: %lld+%lld\n", s,
				                     (long long)job->stacks[s].frames[f].module,
				                     (long long)job->stacks[s].frames[f].offset);
	}
	if (rc != 0 &&
	    (r.tape.nodes != NULL || r.strings != NULL || r.jobs != NULL || r.njobs != 0))
		snprintf(c->answer, sizeof(c->answer),
		         "an error left the request holding something");
	allocfail_enter();
	nsym_v5_release(&r);
	allocfail_leave();
	return rc == NSYM_EINVAL ? 0 : rc;
}

static void reader_check(void *arg, int rc, long failed_at)
{
	struct reader *c = arg;

	if (failed_at != 0 && rc != 0) {
		ck_assert_msg(rc == NSYM_ENOMEM && strcmp(c->why, "out of memory") == 0,
		              "v5 reader: allocation %ld failing gave %d (%s)", failed_at, rc,
		              c->why);
		ck_assert_msg(c->answer[0] == '\0', "v5 reader: allocation %ld failing: %s",
		              failed_at, c->answer);
		return;
	}
	ck_assert_msg(rc == 0, "v5 reader: %d (%s) with no allocation failing", rc, c->why);
	if (c->want[0] == '\0')
		snprintf(c->want, sizeof(c->want), "%s", c->answer);
	ck_assert_msg(strcmp(c->answer, c->want) == 0,
	              "v5 reader: allocation %ld failing gave\n%s\ninstead of\n%s", failed_at,
	              c->answer, c->want);
}

static void walk_reader(const char *name, const char *body, const char *must_have)
{
	struct reader c = {.body = body};
	struct allocfail_path p = {name, &c, reader_setup, reader_run, reader_check, NULL};
	struct allocfail_walked w;

	allocfail_walk(&w, &p);
	ck_assert_int_gt(w.failed, 0);
	ck_assert_msg(strstr(c.want, must_have) != NULL, "%s: %s", name, c.want);
}

START_TEST(v5_reader_fails_cleanly_at_every_allocation)
{
	char *body = v5_body();

	walk_reader("v5 reader", body, "stack 0: -1+5\nstack 0: 0+-1\n");
	free(body);
}
END_TEST

/* A refusal is the same refusal at every allocation, or out of memory. */
START_TEST(v5_refusal_fails_cleanly_at_every_allocation)
{
	walk_reader("v5 refusal",
	            "{\"memoryMap\": [[\"a\", \"AB\"]], \"stacks\": [[[0, 1]], [[0, 1], [1, 0]]]}",
	            "400 job 0 has invalid stacks: stack 1 frame 1 has a module_index that isn't "
	            "in modules");
}
END_TEST

/* ---- the route ------------------------------------------------------------------ */

/* The route's handler, counted on the worker thread that runs it. */
void __real_nsym_handle_symbolicate(struct nsym_request *r);
void __wrap_nsym_handle_symbolicate(struct nsym_request *r);

void __wrap_nsym_handle_symbolicate(struct nsym_request *r)
{
	allocfail_enter();
	__real_nsym_handle_symbolicate(r);
	allocfail_leave();
}

static void route_check(void *arg, int status, long failed_at)
{
	struct allocfail_route *c = arg;

	if (failed_at != 0 && status != 200) {
		ck_assert_msg(status == 503,
		              "v5 route: allocation %ld failing answered %d\n%s\nlog:\n%s",
		              failed_at, status, c->reply, c->log);
		ck_assert_msg(
		    strstr(c->log, "POST /api/v1/symbolicate: ") != NULL &&
		        strstr(c->log, "out of memory") != NULL,
		    "v5 route: allocation %ld failing: the log does not say what ran out:\n%s",
		    failed_at, c->log);
		return;
	}
	ck_assert_msg(status == 200, "v5 route: %d with no allocation failing\n%s\nlog:\n%s",
	              status, c->reply, c->log);
	if (c->want[0] == '\0') {
		ck_assert_msg(strstr(c->reply, "\"function\": \"") != NULL &&
		                  strstr(c->reply, "\"found_modules\": {\"addon.node/") != NULL &&
		                  strstr(c->reply, "\": true, \"libgone.so/") != NULL,
		              "v5 route: not symbolicated:\n%s", c->reply);
		snprintf(c->want, sizeof(c->want), "%s", c->reply);
	}
	ck_assert_msg(strcmp(c->reply, c->want) == 0,
	              "v5 route: allocation %ld failing answered\n%s\ninstead of\n%s\nlog:\n%s",
	              failed_at, c->reply, c->want, c->log);
}

/* The C fixture's debug file in the store, as an upload leaves it. */
static void store_fixture(const char *dir)
{
	struct nsym_store *s = NULL;
	struct nsym_blob_writer w;
	struct nsym_artifact a = {0};
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
	s->ops->close(s);
}

START_TEST(v5_route_fails_cleanly_at_every_allocation)
{
	struct allocfail_route *c = calloc(1, sizeof(*c));
	struct allocfail_path p = {"v5 route",          c,           allocfail_route_setup,
	                           allocfail_route_run, route_check, NULL};
	struct nsym_server *server;
	struct allocfail_walked w;

	ck_assert_ptr_nonnull(c);
	c->dir = test_tmpdir();
	c->request = "POST /api/v1/symbolicate";
	c->body = v5_body();
	store_fixture(c->dir);
	server = allocfail_server_start(&c->port, c->dir, 1 << 20);
	allocfail_walk(&w, &p);
	ck_assert_int_gt(w.failed, 0);
	nsym_server_stop(server);
	free(c->body);
	test_tmpdir_remove(c->dir);
	free(c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("allocfail_v5");
	TEST_ADD(s, v5_reader_fails_cleanly_at_every_allocation);
	TEST_ADD(s, v5_refusal_fails_cleanly_at_every_allocation);
	TEST_ADD(s, v5_route_fails_cleanly_at_every_allocation);
	return test_run(s);
}
