/*
 * The readers of macOS crash reports (nsym_crash_from_ips,
 * nsym_crash_from_apple_crash) on the shapes real reports take in public
 * issues, and nsym_report_read telling them from the text: what each line
 * and member becomes in the crash model, what is passed over, and the one
 * line a damaged report gets. No symbols are needed: the model is checked.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "napi_symbols.h"
#include "napi_symbols_report.h"
#include "test_util.h"

/* An .ips of two images and a placeholder, as macOS 14 writes one: the
 * registers hold integers past 2^63, which jansson refuses unless read as
 * doubles; frame 1 is an inlined call at frame 2's offset; image 2 is the
 * placeholder of JIT code. */
static const char ips[] =
    "{\"app_name\":\"node\",\"bug_type\":\"309\",\"os_version\":\"macOS 14.3.1 (23D60)\","
    "\"name\":\"node\"}\n"
    "{\n"
    "  \"pid\" : 48213,\n"
    "  \"exception\" : {\"codes\":\"0x0000000000000001, 0x0000000000000010\",\"rawCodes\":[1,16],"
    "\"type\":\"EXC_BAD_ACCESS\",\"signal\":\"SIGSEGV\"},\n"
    "  \"termination\" : {\"code\":11,\"namespace\":\"SIGNAL\"},\n"
    "  \"faultingThread\" : 1,\n"
    "  \"threads\" : [{\"id\":7,\"frames\":[{\"imageOffset\":1,\"imageIndex\":1}]},\n"
    "    {\"triggered\":true,\"id\":1503744,\"threadState\":{\"x\":[{\"value\":"
    "18446744073709551569}]},\"frames\":[\n"
    "    {\"imageOffset\":728,\"imageIndex\":0},\n"
    "    {\"imageOffset\":5012344,\"symbol\":\"inlined_one\",\"symbolLocation\":8,"
    "\"imageIndex\":1,\"inline\":true},\n"
    "    {\"imageOffset\":5012344,\"symbol\":\"outer\",\"symbolLocation\":112,"
    "\"imageIndex\":1},\n"
    "    {\"imageOffset\":22174176396285,\"imageIndex\":2},\n"
    "    {\"imageOffset\":4,\"imageIndex\":9},\n"
    "    {\"symbol\":\"no offset\",\"imageIndex\":0}]}],\n"
    "  \"usedImages\" : [\n"
    "  {\"source\":\"P\",\"arch\":\"arm64\",\"base\":4375871488,\"size\":16384,"
    "\"uuid\":\"4C4C44A6-5555-3144-A1CD-073D6BDBB664\","
    "\"path\":\"\\/Users\\/USER\\/*\\/addon.node\",\"name\":\"addon.node\"},\n"
    "  {\"source\":\"P\",\"arch\":\"arm64e\",\"base\":4302635008,\"size\":92602368,"
    "\"uuid\":\"5b4c3cd8-3a1e-3b05-9b5e-8c1f0e2d4a17\",\"path\":\"\\/bin\\/node\","
    "\"name\":\"node\"},\n"
    "  {\"size\":0,\"source\":\"A\",\"base\":0,"
    "\"uuid\":\"00000000-0000-0000-0000-000000000000\"}\n"
    "]\n"
    "}\n"
    "Model: Mac14,2, BootROM 10151.81.1\n";

/* The warnings a reader gave, joined by newlines. */
struct warnings {
	char text[4096];
	size_t count;
};

static void collect(void *ctx, const char *kind, const char *message)
{
	struct warnings *w = ctx;
	size_t used = strlen(w->text);

	(void)kind;
	snprintf(w->text + used, sizeof(w->text) - used, "%s\n", message);
	w->count++;
}

START_TEST(ips_gives_images_and_the_crashed_thread)
{
	struct nsym_crash c;
	struct warnings w = {0};
	const struct nsym_crash_frame *f;

	ck_assert_msg(nsym_crash_from_ips(&c, ips, strlen(ips), collect, &w) == 0, "%s",
	              nsym_error_detail());
	ck_assert_uint_eq(c.nmodules, 3);
	ck_assert_str_eq(c.modules[0].id, "4c4c44a655553144a1cd073d6bdbb664");
	ck_assert_int_eq(c.modules[0].format, NSYM_FORMAT_MACHO);
	ck_assert_str_eq(c.modules[0].arch, "arm64");
	ck_assert_str_eq(c.modules[0].name, "addon.node");
	ck_assert_str_eq(c.modules[0].path, "/Users/USER/*/addon.node");
	ck_assert(c.modules[0].has_base);
	ck_assert_uint_eq(c.modules[0].base, 0x104d28000);
	ck_assert_uint_eq(c.modules[0].size, 16384);
	ck_assert_str_eq(c.modules[1].arch, "arm64e");
	ck_assert_str_eq(c.modules[2].id, "");
	ck_assert(!c.modules[2].has_base);
	/* the triggered thread 1's frames: the inlined entry is one frame with
	 * its outer one; two without image and offset are warned about */
	ck_assert_uint_eq(c.nframes, 3);
	f = &c.frames[0];
	ck_assert_int_eq(f->module, 0);
	ck_assert_uint_eq(f->rel, 728);
	ck_assert_uint_eq(f->pc, 0x104d28000 + 728);
	ck_assert_int_eq(f->how, NSYM_OFFSET_GIVEN);
	ck_assert(!f->return_address);
	ck_assert_ptr_null(f->symbol);
	f = &c.frames[1];
	ck_assert_int_eq(f->module, 1);
	ck_assert_uint_eq(f->rel, 5012344);
	ck_assert(f->return_address);
	ck_assert_str_eq(f->symbol, "outer");
	ck_assert_uint_eq(f->symbol_offset, 112);
	f = &c.frames[2];
	ck_assert_int_eq(f->module, -1);
	ck_assert_uint_eq(f->pc, 22174176396285);
	ck_assert_uint_eq(w.count, 2);
	ck_assert_msg(strstr(w.text, "frame 4 of thread 1 has no \"imageIndex\"") != NULL, "%s",
	              w.text);
	ck_assert_msg(strstr(w.text, "frame 5 of thread 1 has no") != NULL, "%s", w.text);
	ck_assert_str_eq(c.reason, "signal");
	ck_assert_str_eq(c.signal_name, "SIGSEGV");
	ck_assert_int_eq(c.signal_number, 11);
	ck_assert(c.has_address);
	ck_assert_uint_eq(c.fault_address, 0x10);
	ck_assert_int_eq(c.pid, 48213);
	ck_assert_int_eq(c.tid, 1503744);
	nsym_crash_release(&c);
}
END_TEST

/* Shapes of the .ips that must not stop it: no faultingThread (the
 * triggered thread then), bug_type as a number, an exception backtrace. */
START_TEST(ips_variants_are_read)
{
	static const char text[] =
	    "```\n{\"bug_type\":309}\n"
	    "{\"lastExceptionBacktrace\":[{\"imageOffset\":10,\"imageIndex\":0,"
	    "\"symbol\":\"__exceptionPreprocess\",\"symbolLocation\":164}],"
	    "\"exception\":{\"type\":\"EXC_CRASH\",\"signal\":\"SIGABRT\"},"
	    "\"threads\":[{\"frames\":[]},{\"triggered\":true,\"frames\":["
	    "{\"imageOffset\":20,\"imageIndex\":0}]}],"
	    "\"usedImages\":[{\"uuid\":\"not a "
	    "uuid\",\"base\":4096,\"arch\":\"ARM\\u001b[31m\"}]}\n```\n";
	struct nsym_crash c;

	ck_assert_msg(nsym_crash_from_ips(&c, text, strlen(text), NULL, NULL) == 0, "%s",
	              nsym_error_detail());
	ck_assert_uint_eq(c.nframes, 2);
	ck_assert_str_eq(c.frames[0].symbol, "__exceptionPreprocess");
	ck_assert(c.frames[0].return_address);
	ck_assert_uint_eq(c.frames[1].rel, 20);
	ck_assert(!c.frames[1].return_address);
	/* no identity, an arch that is no name: dropped, not printed */
	ck_assert_str_eq(c.modules[0].id, "");
	ck_assert_int_eq(c.modules[0].format, 0);
	ck_assert_str_eq(c.modules[0].arch, "");
	ck_assert_str_eq(c.signal_name, "SIGABRT");
	ck_assert(!c.has_address);
	ck_assert_int_eq(c.tid, -1);
	nsym_crash_release(&c);
}
END_TEST

/* expect(text, detail): nsym_crash_from_ips refuses text with one line
 * that starts with detail. */
static void expect_refused(const char *text, const char *detail)
{
	struct nsym_crash c;

	ck_assert_int_eq(nsym_crash_from_ips(&c, text, strlen(text), NULL, NULL), NSYM_EINVAL);
	ck_assert_msg(strncmp(nsym_error_detail(), detail, strlen(detail)) == 0,
	              "'%s' does not start with '%s'", nsym_error_detail(), detail);
	ck_assert_ptr_null(strchr(nsym_error_detail(), '\n'));
	nsym_crash_release(&c);
}

START_TEST(damaged_ips_is_one_clear_line)
{
	char cut[sizeof(ips)];

	memcpy(cut, ips, 400);
	cut[400] = '\0';
	expect_refused(cut, "the .ips crash report is cut short: its report object (from line 2) "
	                    "does not close");
	expect_refused("{\"bug_type\":\"309\"}\n{\"threads\":[1,]}\n",
	               "the .ips crash report is not valid JSON (line 2, column ");
	expect_refused("{\"bug_type\": \"309\", x}\n{}\n",
	               "the metadata line of the .ips crash report is not valid JSON (line 1");
	expect_refused("{\"bug_type\":\"288\"}\n{}\n",
	               "the .ips file is an Apple report of bug_type \"288\", not a crash report");
	expect_refused("{\"bug_type\":\"309\"}\n{\"threads\":[]}\n",
	               "the .ips crash report has no \"usedImages\" array");
	expect_refused("{\"bug_type\":\"309\"}\n{\"usedImages\":[],\"threads\":[{}]}\n",
	               "the .ips crash report names no crashed thread");
	expect_refused("{\"bug_type\":\"309\"}\n{\"usedImages\":[],\"threads\":[{\"triggered\":"
	               "true}]}\n",
	               "the .ips crash report has a crashed thread without a \"frames\" array");
	expect_refused("{\"bug_type\":\"309\"}\n[]\n", "no .ips crash report");
	expect_refused("hello\n", "no .ips crash report");
}
END_TEST

/* A text .crash with every shape of frame and image line: "+" marks,
 * versions with blanks, an arch, no name, the placeholder image, a module
 * named with blanks, inlined and unsymbolicated frames, a quote. */
static const char crash[] =
    "> Process:               Electron [22085]\n"
    "> Code Type:             X86-64 (Native)\n"
    "> Exception Type:        EXC_BAD_ACCESS (SIGSEGV)\n"
    "> Exception Codes:       KERN_INVALID_ADDRESS at 0x00000000000000a8\n"
    "> Termination Reason:    Namespace SIGNAL, Code 0xb\n"
    ">\n"
    "> Thread 0 Crashed::  CrBrowserMain  Dispatch queue: com.apple.main-thread\n"
    "> 0   addon.node                    \t0x0000000109e1c2d0 napi_register_module_v1 + 32 "
    "(addon.c:20)\n"
    "> 1   Electron Framework            \t0x000000010ceb2000 0x10ceb1000 + 4096\n"
    "> 2   Electron Framework            \t0x000000010ceb3000 inlined_call + 4 [inlined]\n"
    "> 3   Electron Framework            \t0x000000010ceb3000 outer(int) + 8\n"
    "> 4   ???                           \t0x0000142ad3e843fd 0 + 22174176396285\n"
    "> 5   libnowhere.dylib              \t0x0000000100000010 somewhere + 16\n"
    "> 6   this line is not a frame\n"
    ">\n"
    "> Thread 1:\n"
    "> 0   libsystem_pthread.dylib       \t0x00007fff2033f458 start_wqthread + 0\n"
    ">\n"
    "> Binary Images:\n"
    ">        0x109e1c000 -        0x109e1dfff +addon.node (0) "
    "<4C4C4476-5555-3144-A162-B401699B2E06> /Users/USER/*/addon.node\n"
    ">        0x10ceb1000 -        0x113d7ff0f +com.github.Electron.framework (12.2.3 - 1) "
    "<D77094BD-D902-3901-934C-7022BDDD3CB8> /Applications/A.app/Contents/Frameworks/Electron "
    "Framework.framework/Versions/A/Electron Framework\n"
    ">     0x7fff2033d000 -     0x7fff20348fff  libsystem_pthread.dylib arm64e  "
    "<6d1c9c41d5c83b3bb8feb1e8f5e3a5d0> /usr/lib/system/libsystem_pthread.dylib\n"
    ">                0x0 - 0xffffffffffffffff ??? (*) <00000000-0000-0000-0000-000000000000> "
    "???\n";

START_TEST(crash_text_gives_images_and_frames)
{
	struct nsym_crash *crashes = NULL, *c;
	struct warnings w = {0};
	size_t n = 0;

	ck_assert_int_eq(
	    nsym_crash_from_apple_crash(&crashes, &n, crash, strlen(crash), collect, &w), 0);
	ck_assert_uint_eq(n, 1);
	c = &crashes[0];
	ck_assert_str_eq(c->signal_name, "SIGSEGV");
	ck_assert_int_eq(c->signal_number, 11);
	ck_assert(c->has_address);
	ck_assert_uint_eq(c->fault_address, 0xa8);
	ck_assert_int_eq(c->pid, 22085);
	ck_assert_int_eq(c->tid, -1);
	/* the [inlined] line is one frame with the line after it */
	ck_assert_uint_eq(c->nframes, 5);
	ck_assert_int_eq(c->frames[0].module, 0);
	ck_assert(!c->frames[0].return_address);
	ck_assert_uint_eq(c->frames[0].rel, 0x2d0);
	ck_assert_int_eq(c->frames[0].how, NSYM_OFFSET_BASE);
	ck_assert_str_eq(c->frames[0].symbol, "napi_register_module_v1");
	ck_assert_uint_eq(c->frames[0].symbol_offset, 32);
	ck_assert_str_eq(c->modules[0].id, "4c4c447655553144a162b401699b2e06");
	ck_assert_int_eq(c->modules[0].format, NSYM_FORMAT_MACHO);
	ck_assert_str_eq(c->modules[0].name, "addon.node");
	ck_assert_str_eq(c->modules[0].path, "/Users/USER/*/addon.node");
	ck_assert_str_eq(c->modules[0].arch, "x86_64");
	ck_assert_uint_eq(c->modules[0].base, 0x109e1c000);
	ck_assert_uint_eq(c->modules[0].size, 0x2000);
	/* "0xBASE + N" unsymbolicated, in the image named with blanks */
	ck_assert_int_eq(c->frames[1].module, 1);
	ck_assert_uint_eq(c->frames[1].rel, 0x1000);
	ck_assert(c->frames[1].return_address);
	ck_assert_ptr_null(c->frames[1].symbol);
	ck_assert_str_eq(c->modules[1].name, "com.github.Electron.framework");
	ck_assert_str_eq(c->modules[1].path, "/Applications/A.app/Contents/Frameworks/Electron "
	                                     "Framework.framework/Versions/A/Electron "
	                                     "Framework");
	ck_assert_int_eq(c->frames[2].module, 1);
	ck_assert_uint_eq(c->frames[2].rel, 0x2000);
	ck_assert_str_eq(c->frames[2].symbol, "outer(int)");
	/* memory in no image; a module in no image keeps its name and why */
	ck_assert_int_eq(c->frames[3].module, -1);
	ck_assert_uint_eq(c->frames[3].pc, 0x142ad3e843fd);
	ck_assert_int_eq(c->frames[4].module, 2);
	ck_assert_str_eq(c->modules[2].name, "libnowhere.dylib");
	ck_assert_str_eq(c->modules[2].id, "");
	ck_assert_str_eq(c->frames[4].why,
	                 "no image of the report's Binary Images holds this address");
	/* the pthread image is used by no frame of the crashed thread */
	ck_assert_uint_eq(c->nmodules, 3);
	ck_assert_uint_eq(w.count, 1);
	ck_assert_msg(strstr(w.text, "cannot read the frame '6   this line") != NULL, "%s", w.text);
	nsym_crashes_free(crashes, n);
}
END_TEST

/* The image lines of older and iOS reports: an arch and no name, an
 * undashed UUID; two reports in one text are two crashes. */
START_TEST(crash_text_reports_and_image_shapes)
{
	static const char text[] =
	    "Code Type: ARM-64\n"
	    "Thread 0 Crashed:\n"
	    "0   App       0x0000000102d28010 0x102d28000 + 16\n"
	    "1   FMDB      0x00000001034b0020 0x1034b0000 + 32\n"
	    "\n"
	    "Binary Images:\n"
	    "0x102d28000 - 0x1032effff arm64  <48cd5fe1ee1431c4a43a4e4c0379c6e7> "
	    "/private/var/containers/Bundle/Application/X/App.app/App\n"
	    "0x1034b0000 - 0x1034c3fff FMDB arm64  <69cfeab5ccc63f0ba68e8a80f08f573e> "
	    "/private/var/containers/Bundle/Application/X/App.app/Frameworks/FMDB.framework/FMDB\n"
	    "\n"
	    "Process: second [7]\n"
	    "Thread 3 Crashed:\n"
	    "0   x.node    0x0000000000001000 f + 1\n";
	struct nsym_crash *crashes = NULL;
	size_t n = 0;

	ck_assert_int_eq(nsym_crash_from_apple_crash(&crashes, &n, text, strlen(text), NULL, NULL),
	                 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(crashes[0].nframes, 2);
	ck_assert_str_eq(crashes[0].modules[0].name, "App");
	ck_assert_str_eq(crashes[0].modules[0].arch, "arm64");
	ck_assert_str_eq(crashes[0].modules[0].id, "48cd5fe1ee1431c4a43a4e4c0379c6e7");
	ck_assert_str_eq(crashes[0].modules[1].name, "FMDB");
	ck_assert_uint_eq(crashes[0].frames[1].rel, 32);
	ck_assert_int_eq(crashes[0].pid, -1);
	ck_assert_int_eq(crashes[1].pid, 7);
	ck_assert_uint_eq(crashes[1].nframes, 1);
	ck_assert_str_eq(crashes[1].frames[0].why,
	                 "the report has no Binary Images section: give it whole");
	nsym_crashes_free(crashes, n);
}
END_TEST

/* nsym_report_read tells each format from the text: an .ips anywhere, a
 * .crash beside a compact trace (both read), and a damaged .ips under its
 * translated report (that is read, with a warning). */
START_TEST(report_read_tells_the_formats_apart)
{
	static const char trace[] = "napi-symbols: crash v1 SIGSEGV\n"
	                            "napi-symbols: m0 - a.node\n"
	                            "napi-symbols: f m0+10\n"
	                            "napi-symbols: end\n";
	struct warnings w = {0};
	struct nsym_report_options o = {.warn = collect, .ctx = &w};
	struct nsym_report_input in = {.name = "'t'"};
	struct nsym_crash *crashes = NULL;
	size_t n = 0, len;
	char *text;

	in.text = ips;
	in.len = strlen(ips);
	ck_assert_int_eq(nsym_report_read(&crashes, &n, &in, &o), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(crashes[0].modules[0].name, "addon.node");
	nsym_crashes_free(crashes, n);

	len = strlen(trace) + strlen(crash) + 1;
	text = malloc(len);
	snprintf(text, len, "%s%s", trace, crash);
	in.text = text;
	in.len = strlen(text);
	ck_assert_int_eq(nsym_report_read(&crashes, &n, &in, &o), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(crashes[0].modules[0].path, "a.node");
	ck_assert_str_eq(crashes[1].modules[0].name, "addon.node");
	nsym_crashes_free(crashes, n);
	free(text);

	/* the translated report, then an .ips cut short */
	len = strlen(crash) + 200;
	text = malloc(len);
	snprintf(text, len, "%s\nFull Report\n\n%.150s", crash, ips);
	in.text = text;
	in.len = strlen(text);
	w.text[0] = '\0';
	ck_assert_int_eq(nsym_report_read(&crashes, &n, &in, &o), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(crashes[0].frames[0].how, NSYM_OFFSET_BASE);
	ck_assert_msg(strstr(w.text, "'t': the .ips crash report is cut short") != NULL &&
	                  strstr(w.text, "reading the translated report above it instead") != NULL,
	              "%s", w.text);
	nsym_crashes_free(crashes, n);
	free(text);

	/* a crashed thread pasted without the rest: read, its frames say why */
	in.text = "> Thread 0 Crashed:: Dispatch queue: com.apple.main-thread\n"
	          "> 0   index.node  0x0000000119b2409f std::sync::once::Once::call_inner + 703\n";
	in.len = strlen(in.text);
	ck_assert_int_eq(nsym_report_read(&crashes, &n, &in, &o), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(crashes[0].modules[0].name, "index.node");
	ck_assert_str_eq(crashes[0].frames[0].symbol, "std::sync::once::Once::call_inner");
	ck_assert_str_eq(crashes[0].frames[0].why,
	                 "the report has no Binary Images section: give it whole");
	nsym_crashes_free(crashes, n);

	/* a damaged .ips alone: its error, naming the input */
	in.text = "{\"bug_type\":\"309\"}\n{\"threads\"";
	in.len = strlen(in.text);
	ck_assert_int_eq(nsym_report_read(&crashes, &n, &in, &o), NSYM_EINVAL);
	ck_assert_str_eq(nsym_error_detail(), "'t': the .ips crash report is cut short: its report "
	                                      "object (from line 2) does not close");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("report_apple");
	TEST_ADD(s, ips_gives_images_and_the_crashed_thread);
	TEST_ADD(s, ips_variants_are_read);
	TEST_ADD(s, damaged_ips_is_one_clear_line);
	TEST_ADD(s, crash_text_gives_images_and_frames);
	TEST_ADD(s, crash_text_reports_and_image_shapes);
	TEST_ADD(s, report_read_tells_the_formats_apart);
	return test_run(s);
}
