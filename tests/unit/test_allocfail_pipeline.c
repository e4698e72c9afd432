/*
 * Allocation-failure tests of the symbolicate pipeline
 * (nsym_report_read, then nsym_report_symbolicate with a resolver, as text
 * and as JSON), walked by allocfail.h on a report and on traces of the C
 * fixture: a run whose Nth allocation failed gives NSYM_ENOMEM and no part
 * of a failed crash in the stream; any other gives the unarmed answer.
 * The walks of the readers themselves are test_allocfail_report.c.
 */
#include <check.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allocfail.h"
#include "allocfail_reading.h"
#include "napi_symbols.h"
#include "napi_symbols_report.h"
#include "test_util.h"

#define DEBUG NSYM_FIXTURES_DIR "/c/addon.node.debug"
#define OTHER "9bb9da403a6b64a875d1330c0f657bc7364dae8c" /* a build nobody has */

/* ---- the pipeline ------------------------------------------------------------- */

static void starts(const char *text, const char *want)
{
	ck_assert_msg(strncmp(text, want, strlen(want)) == 0, "'%s' does not start:\n%.3000s", want,
	              text);
}

/* The test's resolver: the fixture's debug file for its identity, a reason
 * for any other, none for a module without one; running out of memory
 * opening it is said as such. */
static int resolve(void *ctx, struct nsym_report_module *mods, size_t count)
{
	(void)ctx;
	for (size_t i = 0; i < count; i++) {
		int rc;
		if (mods[i].module->id[0] == '\0')
			continue; /* known by no file here: the library says why */
		if (strcmp(mods[i].module->id, fixture_id) != 0) {
			snprintf(mods[i].why, sizeof(mods[i].why), "refused by the test resolver");
			continue;
		}
		rc = nsym_symbolizer_open(&mods[i].sym, DEBUG, NULL);
		if (rc == NSYM_ENOMEM)
			return rc;
		if (rc != 0)
			snprintf(mods[i].why, sizeof(mods[i].why), "cannot open: %s",
			         nsym_error_detail());
	}
	return 0;
}

static void pipeline_setup(void *arg)
{
	struct reading *c = arg;

	reading_setup(c);
	c->out = tmpfile();
	ck_assert_ptr_nonnull(c->out);
}

static void pipeline_teardown(void *arg)
{
	struct reading *c = arg;
	fclose(c->out);
}

/* What the stream holds, in c->answer. */
static void stream_text(struct reading *c)
{
	size_t n;

	ck_assert_int_eq(fflush(c->out), 0);
	rewind(c->out);
	n = fread(c->answer, 1, sizeof(c->answer) - 1, c->out);
	c->answer[n] = '\0';
}

/* After a failure, the stream holds no part of a crash: nothing, or (of
 * several crashes) the others whole, as valid output. */
static void nothing_partial(struct reading *c)
{
	/* the unarmed run's stream, without the warnings after it */
	const char *end = strstr(c->want, "\nwarnings:\n");
	const char *split = strstr(c->want, ",\n{\"reason\"");
	int len = end != NULL ? (int)(end + 1 - c->want) : 0;
	char one[ANSWER];

	if (c->answer[0] == '\0')
		return;
	if (c->want[0] == '[' && split != NULL && end != NULL) {
		/* an array of two: either one alone is an array of one */
		snprintf(one, sizeof(one), "%.*s]\n", (int)(split - c->want), c->want);
		if (strcmp(c->answer, one) == 0)
			return;
		snprintf(one, sizeof(one), "[%.*s", len - (int)(split + 2 - c->want), split + 2);
		if (strcmp(c->answer, one) == 0)
			return;
	}
	snprintf(c->left, sizeof(c->left), "in the stream:\n%.400s", c->answer);
}

static int read_pipeline(struct reading *c)
{
	struct nsym_report_input in = {
	    .text = c->texts[0], .len = strlen(c->texts[0]), .name = "'crash.txt'"};
	struct nsym_report_options opts = {
	    .flags = c->flags, .resolve = resolve, .warn = reading_warn, .ctx = c};
	struct nsym_crash *cs = NULL;
	size_t n = 0;
	int rc;

	allocfail_enter();
	rc = nsym_report_read(&cs, &n, &in, &opts);
	if (rc == 0)
		rc = nsym_report_symbolicate(c->out, cs, n, &opts);
	allocfail_leave();
	if (rc != 0)
		snprintf(c->detail, sizeof(c->detail), "%s", nsym_error_detail());
	allocfail_enter();
	nsym_crashes_free(cs, n);
	allocfail_leave();
	stream_text(c);
	if (rc != 0)
		nothing_partial(c);
	return rc;
}

/* A report of the fixture: the addon, another build, a module without
 * identity, a frame in no module, and the registers. */
static void fixture_report(char *out, size_t size)
{
	snprintf(
	    out, size,
	    "{\"format\": \"napi-symbols-crash\", \"version\": 1, \"reason\": \"signal\",\n"
	    " \"signal\": {\"number\": 11, \"name\": \"SIGSEGV\", \"code\": 1, \"address\": "
	    "\"0x0\"},\n"
	    " \"pid\": 4242, \"tid\": 4243, \"thread_name\": \"node\", \"arch\": \"x86_64\",\n"
	    " \"registers\": {\"rax\": \"0x0\", \"rsp\": \"0x7ffc2a1e0f20\", \"rip\": "
	    "\"0x7f3a1c2%05" PRIx64 "\", \"eflags\": \"0x10246\"},\n"
	    " \"modules\": [{\"path\": \"/app/node_modules/c-addon/addon.node\", \"id\": "
	    "\"%s\"},\n"
	    "  {\"path\": \"/usr/bin/node\", \"id\": \"" OTHER "\"},\n"
	    "  {\"path\": \"/lib/x86_64-linux-gnu/libc.so.6\", \"id\": \"\"}],\n"
	    " \"frames\": [\n"
	    "  {\"pc\": \"0x7f3a1c2%05" PRIx64 "\", \"module\": 0, \"rel\": \"0x%" PRIx64
	    "\", \"return_address\": false},\n"
	    "  {\"pc\": \"0x7f3a1c2%05" PRIx64 "\", \"module\": 0, \"rel\": \"0x%" PRIx64 "\"},\n"
	    "  {\"pc\": \"0x7f3a1c2%05" PRIx64 "\", \"module\": 0, \"rel\": \"0x%" PRIx64 "\"},\n"
	    "  {\"pc\": \"0x55d1e09a3f10\", \"module\": 1, \"rel\": \"0x9a3f10\"},\n"
	    "  {\"pc\": \"0x7f3a1b029d90\", \"module\": 2, \"rel\": \"0x29d90\"},\n"
	    "  {\"pc\": \"0x7f3a1d00ffee\", \"module\": -1}]}\n",
	    fault_rel, fixture_id, fault_rel, fault_rel, chain_rel, chain_rel, fib_rel, fib_rel);
}

static void expect_text(const char *a)
{
	starts(a, "crash: SIGSEGV at 0x0\npid 4242, tid 4243\n#0 load_slot at ");
	reading_contains(a, "    (inlined by) crash at ");
	reading_contains(a, "#1 rotl32 at ");
	reading_contains(a, "    (inlined by) checksum_bytes at ");
	reading_contains(a, "#2 fib_iter at ");
	reading_contains(a, "\n#3 ?? in node+0x9a3f10 (refused by the test resolver)\n"
	                    "#4 ?? in libc.so.6+0x29d90 (no identity)\n"
	                    "#5 ?? at 0x7f3a1d00ffee (not in a module)\n"
	                    "registers:\n");
	ck_assert_msg(strstr(a, "cannot open") == NULL, "%.3000s", a);
}

static void expect_json(const char *a)
{
	starts(a, "{\"reason\": \"signal\", \"signal\": {\"name\": \"SIGSEGV\", \"number\": 11, "
	          "\"address\": \"0x0\"}, \"pid\": 4242");
	reading_contains(a, "\"frames\": [{\"function\": \"load_slot\", \"file\": \"");
	reading_contains(a, "{\"function\": \"fib_iter\", \"file\": \"");
	reading_contains(a, "\"unresolved\": \"refused by the test resolver\"}");
	reading_contains(a, "\"unresolved\": \"not in a module\"}\n]}\nwarnings:\n");
	ck_assert_msg(strstr(a, "cannot open") == NULL, "%.3000s", a);
}

/* Two compact traces of the fixture: a crash, and a panic whose location
 * the hook did not know (the raising frame gives it). */
static void fixture_traces(char *out, size_t size)
{
	snprintf(out, size,
	         "> napi-symbols: crash v1 SIGSEGV at 0x0 (pid 7, tid 8)\n"
	         "> napi-symbols: m0 %s addon.node\n"
	         "> napi-symbols: m1 " OTHER " node\n"
	         "> napi-symbols: m2 - libanon.so\n"
	         "> napi-symbols: f m0+%" PRIx64 "! m0+%" PRIx64 " m1+9a3f10 m2+10 ?+7f3a1d00ffee\n"
	         "> napi-symbols: end\n"
	         "napi-symbols: panic v1 \"\" (pid 7, tid 9)\n"
	         "napi-symbols: m0 %s addon.node\n"
	         "napi-symbols: f m0+%" PRIx64 " m0+%" PRIx64 " m0+%" PRIx64 "\n"
	         "napi-symbols: end\n",
	         fixture_id, fault_rel, fib_rel, fixture_id, chain_rel, chain_rel, fib_rel);
}

static void expect_two(const char *a)
{
	starts(a, "[{\"reason\": \"signal\"");
	reading_contains(a,
	                 "\n]},\n{\"reason\": \"panic\", \"panic\": {\"message\": \"\", \"file\": "
	                 "\"addon.c\", \"line\": ");
	reading_contains(a, "\"from_raising_frame\": true}");
	reading_contains(a, "{\"function\": \"fib_iter\", \"file\": \"addon.c\"");
	reading_contains(a, "\n]}]\nwarnings:\n");
}

static void walk_pipeline(const char *name, unsigned flags, void (*input)(char *, size_t),
                          void (*expect)(const char *))
{
	struct reading *c = calloc(1, sizeof(*c));
	char *text = calloc(1, 8192);
	const char *texts[] = {text, NULL};

	find_fixture();
	input(text, 8192);
	c->name = name;
	c->read = read_pipeline;
	c->texts = texts;
	c->flags = flags;
	c->expect = expect;
	reading_walk(c, pipeline_setup, pipeline_teardown);
	free(text);
	free(c);
}

START_TEST(symbolicate_text_fails_cleanly_at_every_allocation)
{
	walk_pipeline("symbolicate text", 0, fixture_report, expect_text);
}
END_TEST

START_TEST(symbolicate_json_fails_cleanly_at_every_allocation)
{
	walk_pipeline("symbolicate json", NSYM_REPORT_JSON, fixture_report, expect_json);
}
END_TEST

/* Of two crashes, one that runs out of memory leaves the other whole. */
START_TEST(symbolicate_two_crashes_fails_cleanly_at_every_allocation)
{
	walk_pipeline("symbolicate two crashes", NSYM_REPORT_JSON | NSYM_REPORT_BASENAMES,
	              fixture_traces, expect_two);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("allocfail_pipeline");
	TEST_ADD(s, symbolicate_text_fails_cleanly_at_every_allocation);
	TEST_ADD(s, symbolicate_json_fails_cleanly_at_every_allocation);
	TEST_ADD(s, symbolicate_two_crashes_fails_cleanly_at_every_allocation);
	return test_run(s);
}
