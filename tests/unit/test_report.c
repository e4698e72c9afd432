/*
 * The report library (napi_symbols_report.h) driven as the server will
 * drive it, without cli/: crashes read from a compact trace and a report
 * file of the C fixture addon, its debug file given by a resolver of the
 * test's own (the fixture's build-id opens build/fixtures/c/addon.node.debug,
 * any other is refused with a reason), and the text and JSON written into
 * a memory stream checked for the source lines of addon.c.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "napi_symbols.h"
#include "napi_symbols_report.h"
#include "napi_symbols_util.h"
#include "test_util.h"

#define ADDON   NSYM_FIXTURES_DIR "/c/addon.node"
#define DEBUG   NSYM_FIXTURES_DIR "/c/addon.node.debug"
#define SOURCE  NSYM_SOURCE_DIR "/tests/fixtures/c-addon/addon.c"
#define OTHER   "9bb9da403a6b64a875d1330c0f657bc7364dae8c" /* a build nobody has */
#define REFUSED "refused by the test resolver"

/* What the fixture is, found once per case. */
static char fixture_id[NSYM_CRASH_ID_SIZE];
static uint64_t fault_rel;                        /* the faulting load in crash() */
static unsigned slot_line, pair_line, crash_line; /* of load_slot, load_pair, crash */

/* The line of SOURCE that holds needle. */
static unsigned source_line(const char *needle)
{
	size_t size;
	char *text = (char *)test_read(SOURCE, &size), *hit;
	unsigned line = 1;

	ck_assert_ptr_nonnull(text);
	text = realloc(text, size + 1);
	text[size] = '\0';
	hit = strstr(text, needle);
	ck_assert_msg(hit != NULL, "'%s' is not in %s", needle, SOURCE);
	for (const char *p = text; p < hit; p++)
		line += *p == '\n';
	free(text);
	return line;
}

static void find_fixture(void)
{
	nsym_object *obj = NULL;
	nsym_symbolizer *sym = NULL;
	struct nsym_identity id;
	struct nsym_frames fr = {0};

	ck_assert_msg(nsym_object_open(&obj, DEBUG) == 0, "%s", nsym_error_detail());
	ck_assert_int_eq(nsym_object_identity(&id, obj), 0);
	ck_assert_int_eq(nsym_identity_hex(fixture_id, sizeof(fixture_id), &id), 0);
	nsym_object_close(obj);
	slot_line = source_line("return *(const volatile int *)slot;");
	pair_line = source_line("return load_slot(slot) + 1;");
	crash_line = source_line("napi_create_int32(env, load_pair(crash_target), &out);");
	/* the first address of load_slot's line inlined into crash() */
	ck_assert_int_eq(nsym_symbolizer_open(&sym, ADDON, NULL), 0);
	fault_rel = 0;
	for (uint64_t a = 0x1000; a < 0x40000 && fault_rel == 0; a++) {
		ck_assert_int_eq(nsym_symbolizer_lookup(&fr, sym, a, 0), 0);
		if (fr.count == 3 && strcmp(fr.frames[0].function, "load_slot") == 0 &&
		    fr.frames[0].line == slot_line && strcmp(fr.frames[2].function, "crash") == 0)
			fault_rel = a;
	}
	ck_assert_msg(fault_rel != 0, "no address of load_slot inlined into crash");
	nsym_frames_release(&fr);
	nsym_symbolizer_close(sym);
}

/* The test's resolver: what it was asked, and its answers. */
struct resolver {
	size_t calls, asked;
	char ids[8][NSYM_CRASH_ID_SIZE];
	bool by_name; /* a module without identity at path addon.node is the fixture */
};

static int resolve(void *ctx, struct nsym_report_module *mods, size_t count)
{
	struct resolver *r = ctx;

	r->calls++;
	for (size_t i = 0; i < count; i++) {
		if (r->asked < 8)
			snprintf(r->ids[r->asked], sizeof(r->ids[0]), "%s", mods[i].module->id);
		r->asked++;
		ck_assert_ptr_null(mods[i].sym);
		ck_assert_str_eq(mods[i].why, "");
		if (mods[i].module->id[0] == '\0' &&
		    !(r->by_name && mods[i].module->path != NULL &&
		      strcmp(mods[i].module->path, "addon.node") == 0))
			continue; /* known by no file here: the library says why */
		if (strcmp(mods[i].module->id, fixture_id) == 0 || mods[i].module->id[0] == '\0')
			ck_assert_msg(nsym_symbolizer_open(&mods[i].sym, DEBUG, NULL) == 0, "%s",
			              nsym_error_detail());
		else
			snprintf(mods[i].why, sizeof(mods[i].why), REFUSED);
	}
	return 0;
}

/* Warnings as the test collects them. */
struct warnings {
	size_t n;
	char kind[80], first[200];
};

static void warn(void *ctx, const char *kind, const char *message)
{
	struct warnings *w = ctx;

	if (w->n++ == 0) {
		snprintf(w->kind, sizeof(w->kind), "%s", kind);
		snprintf(w->first, sizeof(w->first), "%s", message);
	}
}

/* Everything the library wrote for the crashes of text, NUL-terminated. */
static char *symbolicate(const char *text, unsigned flags, struct resolver *r)
{
	struct nsym_report_input in = {.text = text, .len = strlen(text), .name = "the test input"};
	struct nsym_report_options opts = {.flags = flags, .resolve = resolve, .ctx = r};
	struct nsym_crash *crashes = NULL;
	size_t n = 0, size = 0;
	char *out = NULL;
	FILE *f = open_memstream(&out, &size);

	ck_assert_ptr_nonnull(f);
	ck_assert_msg(nsym_report_read(&crashes, &n, &in, &opts) == 0, "%s", nsym_error_detail());
	ck_assert_int_eq(nsym_report_symbolicate(f, crashes, n, &opts), 0);
	ck_assert_int_eq(fclose(f), 0);
	nsym_crashes_free(crashes, n);
	return out;
}

static void contains(const char *text, const char *want)
{
	ck_assert_msg(strstr(text, want) != NULL, "no '%s' in:\n%s", want, text);
}

/* A compact trace as an issue quotes it: the fixture, another build, a
 * module without identity, and a pc in no module. */
static char *trace(void)
{
	static char text[1024];

	snprintf(text, sizeof(text),
	         "The addon crashed:\n"
	         "> napi-symbols: crash v1 SIGSEGV at 0x0 (pid 7, tid 8)\n"
	         "> napi-symbols: m0 %s addon.node\n"
	         "> napi-symbols: m1 " OTHER " node\n"
	         "> napi-symbols: m2 - libanon.so\n"
	         "> napi-symbols: f m0+%llx! m1+9a3f10 m2+10 ?+7f3a1d00ffee\n"
	         "> napi-symbols: end\n",
	         fixture_id, (unsigned long long)fault_rel);
	return text;
}

START_TEST(trace_gives_source_lines)
{
	struct resolver r = {0};
	char *out, want[256];

	find_fixture();
	out = symbolicate(trace(), NSYM_REPORT_BASENAMES, &r);
	/* the signal first, then the frames, innermost first */
	ck_assert_msg(
	    strncmp(out, "crash: SIGSEGV at 0x0\npid 7, tid 8\n#0 load_slot at addon.c:", 58) == 0,
	    "%s", out);
	snprintf(want, sizeof(want), "#0 load_slot at addon.c:%u:", slot_line);
	contains(out, want);
	snprintf(want, sizeof(want), " in addon.node+0x%llx [addon]\n",
	         (unsigned long long)fault_rel);
	contains(out, want);
	snprintf(want, sizeof(want), "    (inlined by) load_pair at addon.c:%u:", pair_line);
	contains(out, want);
	snprintf(want, sizeof(want), "    (inlined by) crash at addon.c:%u:", crash_line);
	contains(out, want);
	contains(out, "\n#1 ?? in node+0x9a3f10 (" REFUSED ")\n");
	contains(out, "\n#2 ?? in libanon.so+0x10 (no identity)\n");
	contains(out, "\n#3 ?? at 0x7f3a1d00ffee (not in a module)\n");
	/* one call for the crash, with its three modules: the one without an
	 * identity too, which a resolver may know by its name */
	ck_assert_uint_eq(r.calls, 1);
	ck_assert_uint_eq(r.asked, 3);
	ck_assert_str_eq(r.ids[0], fixture_id);
	ck_assert_str_eq(r.ids[1], OTHER);
	ck_assert_str_eq(r.ids[2], "");
	free(out);
}
END_TEST

/* The same frames from a report file, as JSON, read back with jansson. */
START_TEST(report_gives_json_with_source_lines)
{
	static const struct nsym_json_limits lim = {1 << 20, 16};
	struct resolver r = {0};
	char report[2048], err[200], *out;
	json_t *doc = NULL, *f0, *inner, *f1;
	const char *file;

	find_fixture();
	snprintf(report, sizeof(report),
	         "{\"format\": \"napi-symbols-crash\", \"version\": 1, \"reason\": \"signal\",\n"
	         " \"signal\": {\"number\": 11, \"name\": \"SIGSEGV\", \"address\": \"0x0\"},\n"
	         " \"registers\": {\"rip\": \"0x7f0000%llx\"},\n"
	         " \"modules\": [{\"path\": \"/app/node_modules/a/addon.node\", \"id\": \"%s\"},\n"
	         "  {\"path\": \"/usr/bin/node\", \"id\": \"" OTHER "\"}],\n"
	         " \"frames\": [{\"pc\": \"0x7f0000%llx\", \"module\": 0, \"rel\": \"0x%llx\",\n"
	         "   \"return_address\": false},\n"
	         "  {\"pc\": \"0x55d1e09a3f10\", \"module\": 1, \"rel\": \"0x9a3f10\"}]}\n",
	         (unsigned long long)fault_rel, fixture_id, (unsigned long long)fault_rel,
	         (unsigned long long)fault_rel);
	out = symbolicate(report, NSYM_REPORT_JSON, &r);
	ck_assert_msg(nsym_json_load(&doc, out, strlen(out), &lim, err, sizeof(err)) == 0, "%s: %s",
	              err, out);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "reason")), "signal");
	ck_assert_int_eq(
	    json_integer_value(json_object_get(json_object_get(doc, "signal"), "number")), 11);
	ck_assert_ptr_nonnull(json_object_get(json_object_get(doc, "registers"), "rip"));
	f0 = json_array_get(json_object_get(doc, "frames"), 0);
	ck_assert(json_is_true(json_object_get(f0, "addon")));
	ck_assert_ptr_null(json_object_get(f0, "unresolved"));
	inner = json_array_get(json_object_get(f0, "frames"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(inner, "function")), "load_slot");
	ck_assert_int_eq(json_integer_value(json_object_get(inner, "line")), slot_line);
	file = json_string_value(json_object_get(inner, "file"));
	ck_assert_msg(strlen(file) > 8 && strcmp(file + strlen(file) - 8, "/addon.c") == 0, "%s",
	              file);
	ck_assert_int_eq(json_integer_value(json_object_get(
	                     json_array_get(json_object_get(f0, "frames"), 2), "line")),
	                 crash_line);
	f1 = json_array_get(json_object_get(doc, "frames"), 1);
	ck_assert_str_eq(json_string_value(json_object_get(f1, "unresolved")), REFUSED);
	ck_assert_uint_eq(json_array_size(json_object_get(f1, "frames")), 0);
	ck_assert_uint_eq(r.calls, 1);
	json_decref(doc);
	free(out);
}
END_TEST

/* Two traces: one resolver call each; the JSON is an array of two. */
START_TEST(each_crash_is_resolved_once)
{
	static const struct nsym_json_limits lim = {1 << 20, 16};
	struct resolver r = {0};
	char two[2048], err[200], *out;
	json_t *doc = NULL;

	find_fixture();
	snprintf(two, sizeof(two), "%s%s", trace(), trace());
	out = symbolicate(two, NSYM_REPORT_JSON, &r);
	ck_assert_msg(nsym_json_load(&doc, out, strlen(out), &lim, err, sizeof(err)) == 0, "%s",
	              err);
	ck_assert_uint_eq(json_array_size(doc), 2);
	ck_assert_uint_eq(r.calls, 2);
	ck_assert_uint_eq(r.asked, 6);
	json_decref(doc);
	free(out);
}
END_TEST

/* The readers never print: what they pass over reaches the callback, by
 * kind, every time (capping is the caller's). */
START_TEST(warnings_reach_the_callback)
{
	static const char text[] = "napi-symbols: crash v1 SIGSEGV\n"
	                           "napi-symbols: f bogus m0+zz ?+10\n"
	                           "napi-symbols: end\n";
	struct warnings w = {0};
	struct nsym_crash *crashes = NULL;
	size_t n = 0;

	ck_assert_int_eq(nsym_crash_from_text(&crashes, &n, text, strlen(text), warn, &w), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(crashes[0].nframes, 1);
	ck_assert_uint_eq(w.n, 2);
	ck_assert_str_eq(w.kind, "warnings about the traces");
	ck_assert_str_eq(w.first, "line 2: cannot read the frame 'bogus'; skipped");
	nsym_crashes_free(crashes, n);
	/* a NULL callback drops them */
	ck_assert_int_eq(nsym_crash_from_text(&crashes, &n, text, strlen(text), NULL, NULL), 0);
	nsym_crashes_free(crashes, n);
}
END_TEST

/* A warning quotes what it skips, and the CLI prints it: a terminal escape
 * in a pasted trace reaches it as '?' (found by fuzz_crash_trace). */
START_TEST(warnings_hold_no_control_characters)
{
	static const char text[] = "napi-symbols: crash v1 SIGSEGV\n"
	                           "napi-symbols: f m0+1\033[2J\007 ?+10\n";
	struct warnings w = {0};
	struct nsym_crash *crashes = NULL;
	size_t n = 0;

	ck_assert_int_eq(nsym_crash_from_text(&crashes, &n, text, strlen(text), warn, &w), 0);
	ck_assert_uint_eq(w.n, 1);
	ck_assert_str_eq(w.first, "line 2: cannot read the frame 'm0+1?[2J?'; skipped");
	nsym_crashes_free(crashes, n);
}
END_TEST

/* The entry of function name in the fixture, from its lookups. */
static uint64_t entry_of(const char *name)
{
	nsym_symbolizer *sym = NULL;
	struct nsym_frames fr = {0};
	uint64_t found = 0;

	ck_assert_int_eq(nsym_symbolizer_open(&sym, DEBUG, NULL), 0);
	for (uint64_t a = 0x1000; a < 0x40000 && found == 0; a++) {
		ck_assert_int_eq(nsym_symbolizer_lookup(&fr, sym, a, 0), 0);
		if (fr.count > 0 && strcmp(fr.frames[fr.count - 1].function, name) == 0)
			found = a;
	}
	nsym_frames_release(&fr);
	nsym_symbolizer_close(sym);
	ck_assert_msg(found != 0, "no %s in the fixture", name);
	return found;
}

/* Frames the text gives as "symbol + N" (macOS backtrace_symbols, here of
 * the ELF fixture) are placed at the symbol's address plus N by the file
 * the resolver opens; the load address that follows places the module's
 * frame whose name the file does not have; without the file, the frame
 * says what it needs. */
START_TEST(frames_are_placed_by_their_symbols)
{
	const uint64_t load = 0x7f3a1c200000, fib = entry_of("fib_iter");
	struct resolver r = {.by_name = true};
	char text[512], want[256], *out;

	find_fixture();
	snprintf(text, sizeof(text),
	         "0   addon.node                          0x%016llx fib_iter + 8\n"
	         "1   addon.node                          0x%016llx not_in_the_file + 4\n",
	         (unsigned long long)(load + fib + 8), (unsigned long long)(load + fault_rel + 1));
	out = symbolicate(text, NSYM_REPORT_BASENAMES | NSYM_REPORT_JSON, &r);
	snprintf(want, sizeof(want), "\"module_offset\": \"0x%llx\", \"offset_from\": \"symbol\"",
	         (unsigned long long)(fib + 8));
	contains(out, want);
	snprintf(want, sizeof(want), "\"module_offset\": \"0x%llx\", \"offset_from\": \"inferred\"",
	         (unsigned long long)fault_rel + 1); /* a return address: looked up at fault_rel */
	contains(out, want);
	contains(out, "\"function\": \"load_slot\"");
	free(out);
	/* no file for it */
	r.by_name = false;
	out = symbolicate(text, NSYM_REPORT_BASENAMES | NSYM_REPORT_JSON, &r);
	contains(out, "\"frames\": [], \"symbol\": \"fib_iter\", \"symbol_offset\": 8, "
	              "\"unresolved\": \"a load address is needed");
	free(out);
}
END_TEST

/* No resolver: every module with an identity says no debug file was found. */
START_TEST(without_a_resolver_frames_say_why)
{
	static const char text[] = "napi-symbols: crash v1 SIGABRT\n"
	                           "napi-symbols: m0 " OTHER " a.node\n"
	                           "napi-symbols: f m0+10 m3+20\n";
	struct nsym_report_input in = {.text = text, .len = strlen(text), .name = "'t'"};
	struct nsym_crash *crashes = NULL;
	size_t n = 0, size = 0;
	char *out = NULL;
	FILE *f = open_memstream(&out, &size);

	ck_assert_int_eq(nsym_report_read(&crashes, &n, &in, NULL), 0);
	ck_assert_int_eq(nsym_report_symbolicate(f, crashes, n, NULL), 0);
	fclose(f);
	ck_assert_str_eq(out, "crash: SIGABRT\n"
	                      "(the trace was cut short: it has no 'end' line, later frames are "
	                      "missing)\n"
	                      "#0 ?? in a.node+0x10 [addon] (no debug file found)\n"
	                      "#1 ?? in ??+0x20 (module m3 is not listed in the trace)\n");
	nsym_crashes_free(crashes, n);
	free(out);
}
END_TEST

/* Input with no crash: an error that names the input and says what to do,
 * in the caller's words for how maps are given. */
START_TEST(no_crash_is_explained)
{
	static const char rust[] = "thread 'main' panicked at src/lib.rs:1:1:\nboom\n"
	                           "stack backtrace:\n   0:     0x7f0000002200 - f\n";
	struct nsym_report_input in = {
	    .text = "hello\n", .len = 6, .name = "the body", .maps_how = "the \"maps\" member"};
	struct nsym_crash *crashes = (struct nsym_crash *)&in;
	size_t n = 5;

	ck_assert_int_eq(nsym_report_read(&crashes, &n, &in, NULL), NSYM_EINVAL);
	ck_assert_ptr_null(crashes);
	ck_assert_uint_eq(n, 0);
	ck_assert_msg(strncmp(nsym_error_detail(), "the body holds no crash report", 30) == 0, "%s",
	              nsym_error_detail());
	/* no name: the library's word for it */
	in.name = NULL;
	ck_assert_int_eq(nsym_report_read(&crashes, &n, &in, NULL), NSYM_EINVAL);
	ck_assert_msg(strncmp(nsym_error_detail(), "the input holds no crash report", 31) == 0,
	              "%s", nsym_error_detail());
	in.name = "the body";
	in.text = rust;
	in.len = strlen(rust);
	ck_assert_int_eq(nsym_report_read(&crashes, &n, &in, NULL), NSYM_EINVAL);
	ck_assert_msg(strstr(nsym_error_detail(), "give the process's memory map with the "
	                                          "\"maps\" member") != NULL,
	              "%s", nsym_error_detail());
	in.text = "{\"format\": \"napi-symbols-crash\", \"version\": 2}";
	in.len = strlen(in.text);
	ck_assert_int_eq(nsym_report_read(&crashes, &n, &in, NULL), NSYM_EINVAL);
	ck_assert_msg(
	    strncmp(nsym_error_detail(), "the body: crash report version 2 is not known", 45) == 0,
	    "%s", nsym_error_detail());
}
END_TEST

int main(void)
{
	Suite *s = suite_create("report");
	TEST_ADD(s, trace_gives_source_lines);
	TEST_ADD(s, report_gives_json_with_source_lines);
	TEST_ADD(s, each_crash_is_resolved_once);
	TEST_ADD(s, warnings_reach_the_callback);
	TEST_ADD(s, warnings_hold_no_control_characters);
	TEST_ADD(s, frames_are_placed_by_their_symbols);
	TEST_ADD(s, without_a_resolver_frames_say_why);
	TEST_ADD(s, no_crash_is_explained);
	return test_run(s);
}
