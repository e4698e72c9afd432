/*
 * Allocation-failure tests of the report library (napi_symbols_report.h),
 * walked by allocfail.h as test_allocfail.c walks symbolize and split: each
 * crash-text reader (a report file, compact traces, Rust backtraces, a
 * /proc/PID/maps read and used to place frames, macOS .ips and .crash,
 * the traces common tools print with a kernel mapping placed, Windows'
 * own crash records and a UTF-16 Report.wer; the
 * pipeline's walk is test_allocfail_pipeline.c) on input that uses
 * every field those readers know, including the lines they warn about and
 * skip. A run whose Nth allocation failed must give NSYM_ENOMEM with a
 * detail saying out of memory and leave nothing behind: no crash array, no
 * maps, frames placed as they were before, and from the pipeline no part
 * of a crash in the stream. A run that could do without the allocation
 * must give the very answer of a run where none failed, its warnings
 * included: running out of memory is never taken for damaged input. Each
 * answer is written out as text with snprintf, which does not allocate.
 */
#include <check.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "allocfail.h"
#include "allocfail_reading.h"
#include "napi_symbols.h"
#include "napi_symbols_report.h"
#include "test_util.h"

#define ADDON NSYM_FIXTURES_DIR "/c/addon.node"
#define DEBUG NSYM_FIXTURES_DIR "/c/addon.node.debug"
#define OTHER "9bb9da403a6b64a875d1330c0f657bc7364dae8c" /* a build nobody has */

/* ---- the crash report reader ------------------------------------------------ */

/* Reports as the hook writes them (docs/crash-report.md), with fields this
 * reader passes over (a newer hook's too), registers it skips, a module
 * without identity, an id in capitals and a control character to mend. */
static const char *const reports[] = {
    "{\"format\": \"napi-symbols-crash\", \"version\": 1, \"reason\": \"signal\",\n"
    " \"signal\": {\"number\": 11, \"name\": \"SIGSEGV\", \"code\": 1, \"address\": \"0x0\"},\n"
    " \"pid\": 4242, \"tid\": 4243, \"thread_name\": \"node\", \"time\": "
    "\"2026-11-25T19:30:00Z\",\n"
    " \"arch\": \"x86_64\", \"node\": {\"version\": \"v18.19.0\", \"napi\": 9},\n"
    " \"registers\": {\"rax\": \"0x0\", \"rbx\": \"0x7ffc2a1e0f40\", \"rcx\": \"0x1\",\n"
    "  \"rdx\": \"0x7f3a1c2011ab\", \"rsi\": \"0x0\", \"rdi\": \"0x0\", \"rbp\": "
    "\"0x7ffc2a1e0f90\",\n"
    "  \"rsp\": \"0x7ffc2a1e0f20\", \"r8\": \"0xffffffffffffffff\", \"r9\": \"not hex\",\n"
    "  \"R10\": \"0x1\", \"r11\": 5, \"rip\": \"0x7f3a1c2011ab\", \"eflags\": \"0x10246\"},\n"
    " \"modules\": [\n"
    "  {\"path\": \"/app/node_modules/c-addon/addon.node\",\n"
    "   \"id\": \"32646C00A4A5A6A87A04347A0FDE5CDD55024E7A\", \"id_kind\": \"build-id\",\n"
    "   \"base\": \"0x7f3a1c200000\", \"ranges\": [[\"0x7f3a1c201000\", "
    "\"0x7f3a1c202000\"]]},\n"
    "  {\"path\": \"/usr/bin/node\", \"id\": \"" OTHER "\", \"id_kind\": \"build-id\",\n"
    "   \"base\": \"0x55d1e0000000\", \"ranges\": []},\n"
    "  {\"path\": \"/lib/x86_64-linux-gnu/libc.so.6\\u0007\", \"id\": \"\", \"id_kind\": "
    "\"none\",\n"
    "   \"base\": \"0x7f3a1b000000\", \"ranges\": []}],\n"
    " \"frames\": [\n"
    "  {\"pc\": \"0x7f3a1c2011ab\", \"module\": 0, \"rel\": \"0x11ab\", \"return_address\": "
    "false},\n"
    "  {\"pc\": \"0x7f3a1c201310\", \"module\": 0, \"rel\": \"0x1310\", \"return_address\": "
    "true},\n"
    "  {\"pc\": \"0x55d1e09a3f10\", \"module\": 1, \"rel\": \"0x9a3f10\"},\n"
    "  {\"pc\": \"0x7f3a1b029d90\", \"module\": 2, \"rel\": \"0x29d90\"},\n"
    "  {\"pc\": \"0x7f3a1d00ffee\", \"module\": -1}]}\n",
    "{\"format\": \"napi-symbols-crash\", \"version\": 1, \"reason\": \"panic\",\n"
    " \"panic\": {\"message\": \"index out of bounds: the len is 3 but the index is "
    "\\\"7\\\"\\u00e9\\n\",\n"
    "  \"file\": \"src/lib.rs\", \"line\": 133, \"column\": 5},\n"
    " \"pid\": 7, \"tid\": 9, \"thread_name\": \"\", \"time\": \"2026-11-25T19:30:01Z\",\n"
    " \"future\": {\"weights\": [1.5e3, -0.25, 12345678901234, true, false, null]},\n"
    " \"modules\": [{\"path\": \"/app/node_modules/rust-addon/index.node\",\n"
    "   \"id\": \"0123456789abcdef0123456789abcdef01234567\", \"id_kind\": \"build-id\"}],\n"
    " \"frames\": [{\"pc\": \"0x7f3a1c2012a0\", \"module\": 0, \"rel\": \"0x122a0\", "
    "\"return_address\": true},\n"
    "  {\"pc\": \"0x7f3a1c2012b4\", \"module\": 0, \"rel\": \"0x122b4\"}]}\n",
    "{\"format\": \"napi-symbols-crash\", \"version\": 1, \"reason\": \"manual\", \"pid\": 1,\n"
    " \"modules\": [], \"frames\": [{\"pc\": \"0x1000\", \"module\": -1}]}\n",
    NULL};

static int read_reports(struct reading *c)
{
	for (size_t i = 0; c->texts[i] != NULL; i++) {
		struct nsym_crash cr;
		int rc;

		allocfail_enter();
		rc = nsym_crash_from_report(&cr, c->texts[i], strlen(c->texts[i]));
		allocfail_leave();
		if (rc != 0) {
			snprintf(c->detail, sizeof(c->detail), "%s", nsym_error_detail());
			if (!reading_all_zero(&cr, sizeof(cr)))
				snprintf(c->left, sizeof(c->left), "a partial crash of report %zu",
				         i);
			nsym_crash_release(&cr);
			return rc;
		}
		reading_dump(c->answer, sizeof(c->answer), &cr, 1);
		nsym_crash_release(&cr);
	}
	return 0;
}

static void expect_reports(const char *a)
{
	reading_contains(a, "crash signal signal=SIGSEGV/11 address=0x0 panic=- at -:0:0 pid=4242 "
	                    "tid=4243 report=- cut=0\n");
	reading_contains(a, " m0 path=/app/node_modules/c-addon/addon.node "
	                    "id=32646c00a4a5a6a87a04347a0fde5cdd55024e7a listed=1 why=-\n");
	reading_contains(a, " m2 path=/lib/x86_64-linux-gnu/libc.so.6? id= listed=1");
	reading_contains(a, " f0 m0 pc=0x7f3a1c2011ab rel=0x11ab ret=0\n");
	reading_contains(a, " f4 m-1 pc=0x7f3a1d00ffee rel=0x0 ret=1\n");
	reading_contains(a, " r8=0xffffffffffffffff\n rip=0x7f3a1c2011ab\n eflags=0x10246\n");
	ck_assert_msg(strstr(a, " r9=") == NULL && strstr(a, "R10") == NULL, "%.3000s", a);
	reading_contains(
	    a, "crash panic signal=-/0 address=none,0x0 panic=index out of bounds: the len is "
	       "3 but the index is \"7\"\xc3\xa9? at src/lib.rs:133:5 pid=7 tid=9");
	reading_contains(a, " f1 m0 pc=0x7f3a1c2012b4 rel=0x122b4 ret=1\n");
	reading_contains(a,
	                 "crash manual signal=-/0 address=none,0x0 panic=- at -:0:0 pid=1 tid=-1");
}

START_TEST(report_reader_fails_cleanly_at_every_allocation)
{
	reading_walk_reader("crash report reader", read_reports, reports, expect_reports);
}
END_TEST

/* ---- the compact-trace reader ------------------------------------------------ */

/* Traces as a pasted issue holds them: quoted, prefixed, with a report
 * name, modules without identity or never listed, frames it cannot read,
 * a panic message with escapes, a trace cut by one of an unknown version,
 * a manual one, and a panic the hook knew nothing of. */
static const char *const traces[] = {
    "The addon crashed:\n"
    "> napi-symbols: crash v1 SIGSEGV at 0x0 (pid 4242, tid 4242) report "
    "napi-crash-4242-20261125T193000Z.json\n"
    "> napi-symbols: m0 32646c00a4a5a6a87a04347a0fde5cdd55024e7a addon.node\n"
    "> napi-symbols: m1 9BB9DA403A6B64A875D1330C0F657BC7364DAE8C node\n"
    "> napi-symbols: m2 - libanon.so\n"
    "> napi-symbols: f m0+11ab! m0+1310 m0+1402 m1+9a3f10 m1+9a4011\n"
    "> napi-symbols: f m2+10 m7+20 ?+7f3a1d00ffee bogus m0+zz\n"
    "> napi-symbols: end\n"
    "crash report: /tmp/napi-crash-4242-20261125T193000Z.json\n"
    "[worker] napi-symbols: panic v1 \"index out of bounds: the len is 3 but the index is "
    "\\\"7\\\"\\u00e9\" at src/lib.rs:133:5 (pid 7, tid 9)\r\n"
    "[worker] napi-symbols: m0 0123456789abcdef0123456789abcdef01234567 index.node\r\n"
    "[worker] napi-symbols: f m0+122a0 m0+122b4\r\n"
    "napi-symbols: crash v2 SIGBUS at 0x10\n"
    "napi-symbols: f m0+1\n"
    "napi-symbols: crash v1 manual (pid 1, tid 1)\n"
    "napi-symbols: f ?+1000\n"
    "napi-symbols: end\n"
    "napi-symbols: panic v1 \"\" (pid 3, tid 4)\n"
    "napi-symbols: m0 32646c00a4a5a6a87a04347a0fde5cdd55024e7a addon.node\n"
    "napi-symbols: f m0+1310 m0+1402\n"
    "napi-symbols: end\n",
    NULL};

static int read_traces(struct reading *c)
{
	struct nsym_crash *cs = (struct nsym_crash *)c;
	size_t n = 99;
	int rc;

	allocfail_enter();
	rc = nsym_crash_from_text(&cs, &n, c->texts[0], strlen(c->texts[0]), reading_warn, c);
	allocfail_leave();
	return reading_take_crashes(c, rc, cs, n, reading_dump);
}

static void expect_traces(const char *a)
{
	reading_contains(
	    a, "crash signal signal=SIGSEGV/0 address=0x0 panic=- at -:0:0 pid=4242 tid=4242 "
	       "report=napi-crash-4242-20261125T193000Z.json cut=0\n"
	       " m0 path=addon.node id=32646c00a4a5a6a87a04347a0fde5cdd55024e7a listed=1 "
	       "why=-\n"
	       " m1 path=node id=" OTHER " listed=1 why=-\n"
	       " m2 path=libanon.so id= listed=1 why=-\n");
	reading_contains(a, " m7 path=- id= listed=0 why=-\n");
	reading_contains(a, " f0 m0 pc=0x0 rel=0x11ab ret=0\n");
	reading_contains(a, " f7 m-1 pc=0x7f3a1d00ffee rel=0x0 ret=1\n");
	reading_contains(
	    a, "crash panic signal=-/0 address=none,0x0 panic=index out of bounds: the len is "
	       "3 but the index is \"7\"\xc3\xa9 at src/lib.rs:133:5 pid=7 tid=9 report=- "
	       "cut=1\n");
	reading_contains(a,
	                 "crash manual signal=-/0 address=none,0x0 panic=- at -:0:0 pid=1 tid=1");
	reading_contains(
	    a, "crash panic signal=-/0 address=none,0x0 panic= at -:0:0 pid=3 tid=4 report=- "
	       "cut=0\n");
	reading_contains(
	    a, "warnings about the traces: line 7: cannot read the frame 'bogus'; skipped\n"
	       "warnings about the traces: line 7: cannot read the frame 'm0+zz'; skipped\n"
	       "warnings about the traces: line 13: a trace of a format version this "
	       "napi-symbols does not know: 'v2'; skipped\n");
}

START_TEST(trace_reader_fails_cleanly_at_every_allocation)
{
	reading_walk_reader("compact-trace reader", read_traces, traces, expect_traces);
}
END_TEST

/* ---- the Rust backtrace reader ----------------------------------------------- */

/* What std prints under RUST_BACKTRACE=full: a quoted paste with a message
 * of several lines (long enough to grow), inlined entries at one address,
 * recursion, source lines and a note; Rust before 1.73's header; a
 * backtrace with no header above it; one printed with RUST_BACKTRACE=1;
 * and a panic without a backtrace. */
static const char *const rust[] = {
    "Running the app\n"
    "> thread 'main' (4242) panicked at src/lib.rs:42:9:\n"
    "> checked_root: negative input -1, and this message goes on for long enough\n"
    "> that the reader has to grow it, \x01 with a control character to mend\n"
    "> stack backtrace:\n"
    ">    0:     0x7f3a1c201234 - std::backtrace_rs::backtrace::libunwind::trace\n"
    ">                                at "
    "/rustc/90b35a6/library/std/src/../../backtrace/src/backtrace/libunwind.rs:116:5\n"
    ">    1:     0x7f3a1c201234 - std::backtrace_rs::backtrace::trace_unsynchronized\n"
    ">                                at /rustc/90b35a6/library/std/src/../../backtrace/"
    "src/backtrace/mod.rs:66:5\n"
    ">    2:     0x7f3a1c201300 - napi_symbols_fixture::checked_root\n"
    ">    3:     0x7f3a1c201300 - napi_symbols_fixture::checked_root\n"
    ">    4:     0x55d1e09a3f10 - node::Start(int, char**)\n"
    ">    5:     0x7f3a1d00ffee - <unknown>\n"
    "> note: Some details are omitted, run with `RUST_BACKTRACE=full` for a verbose "
    "backtrace.\n"
    "thread '<unnamed>' panicked at 'it's, bad', src/worker.rs:7:13\n"
    "stack backtrace:\n"
    "   0:     0x7f3a1c2011ab - rust_panic\n"
    "   1:     0x7f3a1c201310 - <unknown>\n"
    "stack backtrace:\n"
    "   0:     0x7f3a1c201400 - f\n"
    "thread 'main' panicked at src/main.rs:2:5:\n"
    "boom\n"
    "stack backtrace:\n"
    "   0: main\n"
    "   1: std::rt::lang_start\n"
    "thread 'x' panicked at src/a.rs:1:1:\n"
    "no backtrace here\n"
    "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n",
    NULL};

static int read_rust(struct reading *c)
{
	struct nsym_crash *cs = (struct nsym_crash *)c;
	struct nsym_rust_scan scan;
	size_t n = 99;
	int rc;

	allocfail_enter();
	rc =
	    nsym_crash_from_rust(&cs, &n, &scan, c->texts[0], strlen(c->texts[0]), reading_warn, c);
	allocfail_leave();
	if ((rc = reading_take_crashes(c, rc, cs, n, reading_dump)) == 0)
		reading_add(c->answer, sizeof(c->answer), "panics=%zu short=%zu\n", scan.panics,
		            scan.short_backtraces);
	return rc;
}

static void expect_rust(const char *a)
{
	reading_contains(
	    a, "crash panic signal=-/0 address=none,0x0 panic=checked_root: negative input "
	       "-1, and this message goes on for long enough that the reader has to grow it, "
	       "? with a control character to mend at src/lib.rs:42:9 pid=-1 tid=-1 report=- "
	       "cut=0\n"
	       " f0 m-1 pc=0x7f3a1c201234 rel=0x0 ret=1\n"
	       " f1 m-1 pc=0x7f3a1c201300 rel=0x0 ret=1\n"
	       " f2 m-1 pc=0x7f3a1c201300 rel=0x0 ret=1\n"
	       " f3 m-1 pc=0x55d1e09a3f10 rel=0x0 ret=1\n"
	       " f4 m-1 pc=0x7f3a1d00ffee rel=0x0 ret=1\n");
	reading_contains(a, "panic=it's, bad at src/worker.rs:7:13");
	reading_contains(a, "panic=(no 'panicked at' line above the backtrace) at -:0:0");
	reading_contains(a, "panics=4 short=1\n");
}

START_TEST(rust_reader_fails_cleanly_at_every_allocation)
{
	reading_walk_reader("Rust backtrace reader", read_rust, rust, expect_rust);
}
END_TEST

/* ---- the maps reader, and placing frames with it ------------------------------ */

/* The file offset and address of path's first executable PT_LOAD. */
static void exec_segment(uint64_t *out_offset, uint64_t *out_vaddr, const char *path)
{
	int fd = open(path, O_RDONLY);
	Elf *elf;
	size_t n = 0;

	ck_assert_int_ge(fd, 0);
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	ck_assert_ptr_nonnull(elf);
	ck_assert_int_eq(elf_getphdrnum(elf, &n), 0);
	*out_vaddr = 0;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(elf, (int)i, &ph) != NULL && ph.p_type == PT_LOAD &&
		    (ph.p_flags & PF_X) != 0) {
			*out_offset = ph.p_offset;
			*out_vaddr = ph.p_vaddr;
			break;
		}
	}
	elf_end(elf);
	close(fd);
	ck_assert_msg(*out_vaddr != 0, "%s has no executable segment", path);
}

static unsigned long inode_of(const char *path)
{
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	return (unsigned long)st.st_ino;
}

/* A maps line for the executable segment of path, at base; its address
 * `at` into that segment is *out_pc. */
static void exec_line(char *out, size_t size, uint64_t *out_pc, const char *path, uint64_t base,
                      unsigned long inode, const char *suffix, uint64_t at)
{
	uint64_t offset, vaddr;

	exec_segment(&offset, &vaddr, path);
	reading_add(out, size, "%" PRIx64 "-%" PRIx64 " r-xp %08" PRIx64 " fe:00 %lu %s%s\n",
	            base + vaddr, base + vaddr + 0x1000, offset, inode, path, suffix);
	*out_pc = base + vaddr + at;
}

/* Setup for place: the crashes of a Rust backtrace, as they were read. */
static void maps_setup(void *arg)
{
	struct reading *c = arg;
	struct nsym_rust_scan scan;

	reading_setup(c);
	ck_assert_int_eq(nsym_crash_from_rust(&c->crashes, &c->ncrashes, &scan, c->texts[0],
	                                      strlen(c->texts[0]), NULL, NULL),
	                 0);
	ck_assert_uint_eq(c->ncrashes, 2);
	c->before[0] = '\0';
	reading_dump(c->before, sizeof(c->before), c->crashes, c->ncrashes);
}

static void maps_teardown(void *arg)
{
	struct reading *c = arg;
	nsym_crashes_free(c->crashes, c->ncrashes);
	c->crashes = NULL;
	c->ncrashes = 0;
}

static int read_maps(struct reading *c)
{
	nsym_maps *maps = (nsym_maps *)c;
	int rc;

	allocfail_enter();
	rc = nsym_maps_parse(&maps, c->maps, strlen(c->maps), reading_warn, c);
	allocfail_leave();
	if (rc != 0) {
		snprintf(c->detail, sizeof(c->detail), "%s", nsym_error_detail());
		if (maps != NULL)
			snprintf(c->left, sizeof(c->left), "maps");
		return rc;
	}
	allocfail_enter();
	rc = nsym_maps_place(c->crashes, c->ncrashes, maps, reading_warn, c);
	nsym_maps_free(maps);
	allocfail_leave();
	if (rc != 0) {
		char now[ANSWER] = "";
		snprintf(c->detail, sizeof(c->detail), "%s", nsym_error_detail());
		reading_dump(now, sizeof(now), c->crashes, c->ncrashes);
		if (strcmp(now, c->before) != 0)
			snprintf(c->left, sizeof(c->left), "the crashes changed:\n%.400s", now);
		return rc;
	}
	reading_dump(c->answer, sizeof(c->answer), c->crashes, c->ncrashes);
	return 0;
}

static void expect_maps(const char *a)
{
	reading_contains(a, "path=" ADDON " id=");
	reading_contains(a, "why=-\n");
	reading_contains(a, "'/nonexistent/lib/libgone.so' is not on this machine");
	reading_contains(a, "was deleted or replaced after it was mapped");
	reading_contains(a, "is past 2^64: there is no loadable segment at that offset)");
	reading_contains(
	    a, "maps lines skipped: maps line 2: not 'START-END PERMS OFFSET DEV INODE PATH'; "
	       "skipped\n");
	reading_contains(a, "files not the ones that were mapped: '" NSYM_FIXTURES_DIR
	                    "/c/addon-clang.node' is not the file that was mapped (inode ");
	reading_contains(
	    a, ", the maps file says 1): if it was rebuilt since, its answers are wrong\n");
	ck_assert_msg(strstr(a, "f0 m-1") == NULL, "%.3000s", a);
}

START_TEST(maps_reader_fails_cleanly_at_every_allocation)
{
	struct reading *c = calloc(1, sizeof(*c));
	char *text = calloc(1, 8192), *maps = calloc(1, 8192);
	const char *texts[] = {text, NULL};
	uint64_t addon, addon2, deleted, clang, nobuildid, wrap = 0x7f0000002200;
	unsigned long inode = inode_of(ADDON);

	/* the addon twice (its frames share a module), a file that is not
	 * here, one deleted, one replaced since (the inode differs), one whose
	 * OFFSET passes 2^64, one with no build-id, and memory with no file */
	exec_line(maps, 8192, &addon, ADDON, 0x7f3a1c200000, inode, "", 0x100);
	reading_add(maps, 8192, "this line is not a mapping\n");
	reading_add(maps, 8192, "7f3a1d000000-7f3a1d100000 rwxp 00000000 00:00 0 \n");
	reading_add(maps, 8192,
	            "7f3a1e000000-7f3a1e010000 r-xp 00001000 fe:00 12345 "
	            "/nonexistent/lib/libgone.so\n");
	exec_line(maps, 8192, &deleted, NSYM_FIXTURES_DIR "/c/addon-zlib.node", 0x7f3a20000000,
	          inode_of(NSYM_FIXTURES_DIR "/c/addon-zlib.node"), " (deleted)", 0x10);
	exec_line(maps, 8192, &clang, NSYM_FIXTURES_DIR "/c/addon-clang.node", 0x7f3a22000000, 1,
	          "", 0x20);
	exec_line(maps, 8192, &nobuildid, NSYM_FIXTURES_DIR "/c/addon-nobuildid.node",
	          0x7f3a24000000, inode_of(NSYM_FIXTURES_DIR "/c/addon-nobuildid.node"), "", 0x30);
	reading_add(maps, 8192, "7f0000000000-7f0000010000 r-xp fffffffffffff000 fe:00 %lu %s\n",
	            inode_of(NSYM_FIXTURES_DIR "/c/addon-dwarf4.node"),
	            NSYM_FIXTURES_DIR "/c/addon-dwarf4.node");
	reading_add(maps, 8192, "7ffc2a000000-7ffc2a100000 rw-p 00000000 00:00 0 [stack]\r\n");
	addon2 = addon + 0x40;
	reading_add(
	    text, 8192,
	    "thread 'main' (4242) panicked at src/lib.rs:42:9:\nchecked_root: negative input -1\n"
	    "stack backtrace:\n"
	    "   0:     0x%" PRIx64 " - a\n   1:     0x%" PRIx64 " - b\n"
	    "   2:     0x%" PRIx64 " - c\n   3:     0x%" PRIx64 " - d\n"
	    "   4:     0x%" PRIx64 " - e\n   5:     0x%" PRIx64 " - f\n"
	    "   6:     0x7f3a1e000100 - g\n   7:     0x7f3a1d00ffee - <unknown>\n"
	    "   8:     0x7ffc2a000010 - h\n   9:     0x100 - i\n"
	    "thread 'worker' panicked at src/worker.rs:7:13:\nagain\nstack backtrace:\n"
	    "   0:     0x%" PRIx64 " - a\n   1:     0x%" PRIx64 " - b\n",
	    addon, addon2, deleted, clang, nobuildid, wrap, clang, addon);
	c->name = "maps reader";
	c->read = read_maps;
	c->texts = texts;
	c->maps = maps;
	c->expect = expect_maps;
	reading_walk(c, maps_setup, maps_teardown);
	free(text);
	free(maps);
	free(c);
}
END_TEST

/* ---- the readers of macOS crash reports ---------------------------------- */

/* What the crash model holds besides dump's: names, arch, format, load
 * address, and each frame's offset source, symbol and why. */
static void dump_apple(char *out, size_t size, const struct nsym_crash *cs, size_t n)
{
	reading_dump(out, size, cs, n);
	for (size_t k = 0; k < n; k++) {
		const struct nsym_crash *c = &cs[k];
		for (size_t i = 0; i < c->nmodules; i++) {
			const struct nsym_crash_module *m = &c->modules[i];
			reading_add(out, size,
			            " m%zu name=%s arch=%s format=%d base=%s0x%" PRIx64
			            " size=0x%" PRIx64 "\n",
			            i, m->name ? m->name : "-", m->arch, m->format,
			            m->has_base ? "" : "none,", m->base, m->size);
		}
		for (size_t i = 0; i < c->nframes; i++) {
			const struct nsym_crash_frame *f = &c->frames[i];
			reading_add(out, size, " f%zu how=%d symbol=%s+%" PRIu64 " why=%s\n", i,
			            (int)f->how, f->symbol ? f->symbol : "-", f->symbol_offset,
			            f->why ? f->why : "-");
		}
	}
}

/* An .ips as macOS writes one: two images and Apple's placeholder, an
 * exception backtrace, an inlined entry, a frame naming no image (warned
 * about), a register past 2^63; and the text .crash of the same crash,
 * with a frame in no image and one without Binary Images at all. */
static const char *const ips_texts[] = {
    "{\"app_name\":\"node\",\"bug_type\":\"309\",\"os_version\":\"macOS 14.3.1 (23D60)\"}\n"
    "{\"pid\":48213,\"exception\":{\"type\":\"EXC_BAD_ACCESS\",\"signal\":\"SIGSEGV\","
    "\"subtype\":\"KERN_INVALID_ADDRESS at 0x0000000000000000\"},"
    "\"termination\":{\"code\":11,\"namespace\":\"SIGNAL\"},"
    "\"lastExceptionBacktrace\":[{\"imageOffset\":10,\"imageIndex\":1,\"symbol\":\"throw\","
    "\"symbolLocation\":4}],\"faultingThread\":0,"
    "\"threads\":[{\"triggered\":true,\"id\":7,\"threadState\":{\"x\":[{\"value\":"
    "18446744073709551569}]},\"frames\":[{\"imageOffset\":728,\"imageIndex\":0},"
    "{\"imageOffset\":99,\"imageIndex\":2},{\"imageOffset\":5012344,\"symbol\":\"Inlined\","
    "\"imageIndex\":1,\"inline\":true},{\"imageOffset\":5012344,\"symbol\":\"Invoke\","
    "\"symbolLocation\":112,\"imageIndex\":1},{\"imageOffset\":1,\"imageIndex\":9}]}],"
    "\"usedImages\":[{\"arch\":\"arm64\",\"base\":4375871488,\"size\":16384,"
    "\"uuid\":\"4C4C44A6-5555-3144-A1CD-073D6BDBB664\",\"path\":\"\\/u\\/addon.node\","
    "\"name\":\"addon.node\"},{\"arch\":\"arm64\",\"base\":4302635008,\"size\":92602368,"
    "\"uuid\":\"5b4c3cd8-3a1e-3b05-9b5e-8c1f0e2d4a17\",\"path\":\"\\/bin\\/node\","
    "\"name\":\"node\"},{\"size\":0,\"base\":0,\"uuid\":\"00000000-0000-0000-0000-000000000000\"}]}"
    "\n",
    NULL};

static const char *const apple_crash_texts[] = {
    "> Process:               node [48213]\n"
    "> Code Type:             ARM-64 (Native)\n"
    "> Exception Type:        EXC_BAD_ACCESS (SIGSEGV)\n"
    "> Exception Codes:       KERN_INVALID_ADDRESS at 0x0000000000000000\n"
    "> Termination Reason:    Namespace SIGNAL, Code 11 Segmentation fault: 11\n"
    "\n"
    "Last Exception Backtrace:\n"
    "0   node          0x0000000100c7400a throw + 4\n"
    "\n"
    "Thread 0 Crashed::  Dispatch queue: com.apple.main-thread\n"
    "0   addon.node    0x0000000104d282d8 0x104d28000 + 728\n"
    "1   ???           0x0000142ad3e843fd 0 + 22174176396285\n"
    "2   node          0x00000001011e7b78 Inlined + 4 [inlined]\n"
    "3   node          0x00000001011e7b78 Invoke + 112 (node_api.cc:12)\n"
    "4   libgone.dylib 0x0000000190000000 gone + 1\n"
    "5   this is not a frame\n"
    "\n"
    "Binary Images:\n"
    "       0x104d28000 -        0x104d2bfff addon.node (*) "
    "<4c4c44a6-5555-3144-a1cd-073d6bdbb664> /u/addon.node\n"
    "       0x100c74000 -        0x106587fff +node (0) <5B4C3CD8-3A1E-3B05-9B5E-8C1F0E2D4A17> "
    "/bin/node\n"
    "               0x0 - 0xffffffffffffffff ??? (*) <00000000-0000-0000-0000-000000000000> ???\n"
    "\n"
    "Process: second [7]\n"
    "Thread 3 Crashed:\n"
    "0   x.node    0x0000000000001000 f + 1\n",
    NULL};

static int read_ips(struct reading *c)
{
	struct nsym_crash cr;
	int rc;

	allocfail_enter();
	rc = nsym_crash_from_ips(&cr, c->texts[0], strlen(c->texts[0]), reading_warn, c);
	allocfail_leave();
	if (rc != 0) {
		snprintf(c->detail, sizeof(c->detail), "%s", nsym_error_detail());
		nsym_crash_release(&cr);
		return rc;
	}
	dump_apple(c->answer, sizeof(c->answer), &cr, 1);
	nsym_crash_release(&cr);
	return 0;
}

static void expect_ips(const char *a)
{
	reading_contains(
	    a, "crash signal signal=SIGSEGV/11 address=0x0 panic=- at -:0:0 pid=48213 tid=7");
	reading_contains(
	    a, " m0 path=/u/addon.node id=4c4c44a655553144a1cd073d6bdbb664 listed=1 why=-\n");
	reading_contains(
	    a, " f0 m1 pc=0x10075000a rel=0xa ret=1\n f1 m0 pc=0x104d282d8 rel=0x2d8 ret=0\n"
	       " f2 m-1 pc=0x63 rel=0x0 ret=1\n f3 m1 pc=0x100c17b78 rel=0x4c7b78 ret=1\n");
	reading_contains(a,
	                 " m0 name=addon.node arch=arm64 format=2 base=0x104d28000 size=0x4000\n");
	reading_contains(a, " f3 how=1 symbol=Invoke+112 why=-\n");
	reading_contains(a, "frame 4 of thread 0 has no \"imageIndex\"");
}

START_TEST(ips_reader_fails_cleanly_at_every_allocation)
{
	reading_walk_reader(".ips reader", read_ips, ips_texts, expect_ips);
}
END_TEST

static int read_apple_crash(struct reading *c)
{
	struct nsym_crash *cs = (struct nsym_crash *)c;
	size_t n = 99;
	int rc;

	allocfail_enter();
	rc =
	    nsym_crash_from_apple_crash(&cs, &n, c->texts[0], strlen(c->texts[0]), reading_warn, c);
	allocfail_leave();
	return reading_take_crashes(c, rc, cs, n, dump_apple);
}

static void expect_apple_crash(const char *a)
{
	reading_contains(
	    a, "crash signal signal=SIGSEGV/11 address=0x0 panic=- at -:0:0 pid=48213 tid=-1");
	reading_contains(
	    a, " f1 m1 pc=0x104d282d8 rel=0x2d8 ret=0\n f2 m-1 pc=0x142ad3e843fd rel=0x0 ret=1\n"
	       " f3 m0 pc=0x1011e7b78 rel=0x573b78 ret=1\n");
	reading_contains(a,
	                 " m1 name=addon.node arch=arm64 format=2 base=0x104d28000 size=0x4000\n");
	reading_contains(a, " f3 how=3 symbol=Invoke+112 why=-\n");
	reading_contains(
	    a, " f4 how=0 symbol=gone+1 why=no image of the report's Binary Images holds");
	reading_contains(a,
	                 "crash signal signal=-/0 address=none,0x0 panic=- at -:0:0 pid=7 tid=-1");
	reading_contains(a, " f0 how=0 symbol=f+1 why=the report has no Binary Images section");
	reading_contains(a, "cannot read the frame '5   this is not a frame'");
}

START_TEST(apple_crash_reader_fails_cleanly_at_every_allocation)
{
	reading_walk_reader(".crash reader", read_apple_crash, apple_crash_texts,
	                    expect_apple_crash);
}
END_TEST

/* ---- the traces common tools print, and a kernel mapping placed ------------- */

static char tools_text[6144];
static const char *const tools_texts[] = {tools_text, NULL};

/* The traces of every tool over the fixture (tools-test.sh makes them with
 * the real tools), a kernel line whose mapping the stripped file places,
 * module lists, a wrapped frame and a joined line. */
static void tools_fixture(void)
{
	uint64_t off, va, load = 0x7f3a1c200000;

	find_fixture();
	exec_segment(&off, &va, ADDON ".stripped");
	snprintf(
	    tools_text, sizeof(tools_text),
	    "node[7]: segfault at 0 ip %016" PRIx64 " sp 00007ffd1780dca8 error 4 in "
	    "addon.node[%" PRIx64 ",%" PRIx64 "+1000] likely on CPU 3 (core 3, socket 0)\n"
	    "[vitest] PID 7 received SIGSEGV for address: 0x0\n"
	    "/app/addon.node(+0x%" PRIx64 ")[0x%" PRIx64 "] /app/addon.node(fib_iter+0x8)"
	    "[0x7f3a1c201228] node[0xc45d95] [0x2a1ad940963b]\n"
	    "Thread 1 \"node\" received signal SIGSEGV, Segmentation fault.\n"
	    "#0  0x00007ffff7e21379 in ?? () from /app/addon.node\n"
	    "#1  0x0000000000c45d95 in f (a=1) at x.c:1\n#2  <signal handler called>\n"
	    "#3  0x00007ffff7e21300 in g ()\n    from /app/addon.node\n"
	    "==1==ERROR: AddressSanitizer: SEGV on unknown address 0x000000000000 (pc 0x1 T0)\n"
	    "    #0 0x1023f82dc in g+0x14 (addon-fat.node:arm64+0x2dc) (BuildId: "
	    "4c4c449955553144a11a2eb59ecf1891)\n"
	    "    #1 0x7f3c2a1b2c3d (C:\\app\\x.node+0x1234)\n"
	    "freed by thread T0 here:\n    #0 0x7f3c2a1b2c3d in free /src/x.c:5\n"
	    "==1== Invalid read of size 4\n==1==    at 0xBC783B9: ??? (in /app/addon.node)\n"
	    "==1==    by 0x4005A7: main (test.c:10)\n"
	    "Crash reason:  SIGSEGV /SEGV_MAPERR\nThread 0 (crashed)\n 0  addon.node + 0x13a4\n"
	    " 1  addon.node!fib_iter + 0x8\n 2  0x7f3a1c201238\nLoaded modules:\n"
	    "0x7f3a1c200000 - 0x7f3a1c204fff  addon.node  ???  (main)\n"
	    "- ??? at `0x13a4` in addon.node\n- `napi_module_register`\n"
	    "FATAL ERROR: boom\n 3: 0x7f713ac61155  [/app/addon.node]\n"
	    "        Signal: 11 (SEGV)\n"
	    "                Module addon.node with build-id %s\n"
	    "                Stack trace of thread 4242:\n"
	    "                #0  0x00007f3a1c2011f0 n/a (addon.node + 0x11f0)\n"
	    "                #1  0x00007f3a1c201238 n/a (addon.n\nde + 0x1238)\n"
	    "2   addon.node   0x0000000104d002d4 napi_register_module_v1 + 36\n"
	    "   ExceptionCode: c0000005 (Access violation)\nSTACK_TEXT:  \n"
	    "00000045`783fc850 00007ff9`a0781009     : 00000000`00000000 00000000`00000000 : "
	    "addon!napi_register_module_v1+0x10\n"
	    "00000045`783fc890 00007ff6`6b7c016f     : 00000000`00000000 00000000`00000000 : "
	    "addon+0x1009\n"
	    "01 00000087`027fb3a0 00007fff`359de40f     0x00000254`2550614b\n"
	    "00007FF9A0781009 (crasher): (filename not available): napi_register_module_v1\n"
	    "00007FF9A0781040 ((module-name not available)): (filename not available): "
	    "(function-name not available)\n"
	    "C:\\Program Files\\app\\main.cpp (42): main\n",
	    load + fault_rel, fault_rel - va + off, load + (va & ~(uint64_t)0xfff), fault_rel,
	    load + fault_rel, fixture_id);
	ck_assert_uint_lt(strlen(tools_text), sizeof(tools_text) - 1);
}

/* What the model holds besides dump_apple's: each crash's source and each
 * module's mapping. */
static void dump_tools(char *out, size_t size, const struct nsym_crash *cs, size_t n)
{
	dump_apple(out, size, cs, n);
	for (size_t k = 0; k < n; k++) {
		reading_add(out, size, " source=%s\n", cs[k].source != NULL ? cs[k].source : "-");
		for (size_t i = 0; i < cs[k].nmodules; i++) {
			const struct nsym_crash_module *m = &cs[k].modules[i];
			reading_add(out, size,
			            " m%zu map=%d/%d 0x%" PRIx64 "+0x%" PRIx64 " at 0x%" PRIx64
			            "\n",
			            i, m->has_map, m->has_map_offset, m->map_start, m->map_size,
			            m->map_offset);
		}
	}
}

/* The reader, then the kernel's mapping placed with the stripped fixture:
 * a placing that runs out of memory leaves the frames as they were. */
static int read_tools(struct reading *c)
{
	struct nsym_crash *cs = (struct nsym_crash *)c;
	size_t n = 99;
	int rc;

	allocfail_enter();
	rc = nsym_crash_from_tools(&cs, &n, c->texts[0], strlen(c->texts[0]), reading_warn, c);
	allocfail_leave();
	if (rc != 0) {
		snprintf(c->detail, sizeof(c->detail), "%s", nsym_error_detail());
		if (cs != NULL || n != 0)
			snprintf(c->left, sizeof(c->left), "%zu crashes", n);
		nsym_crashes_free(cs, n);
		return rc;
	}
	c->before[0] = '\0';
	dump_tools(c->before, sizeof(c->before), cs, n);
	for (size_t k = 0; rc == 0 && k < n; k++) {
		for (size_t i = 0; rc == 0 && i < cs[k].nmodules; i++) {
			if (!cs[k].modules[i].has_map)
				continue;
			allocfail_enter();
			rc = nsym_crash_place_mapping(&cs[k], i, ADDON ".stripped");
			allocfail_leave();
		}
	}
	dump_tools(c->answer, sizeof(c->answer), cs, n);
	if (rc != 0) {
		snprintf(c->detail, sizeof(c->detail), "%s", nsym_error_detail());
		if (strcmp(c->answer, c->before) != 0)
			snprintf(c->left, sizeof(c->left),
			         "frames changed by a placing that failed");
	}
	nsym_crashes_free(cs, n);
	return rc;
}

static void expect_tools(const char *a)
{
	char want[256];

	/* the kernel's line, placed at its load by the fixture's program headers */
	snprintf(want, sizeof(want), " f0 m0 pc=0x%" PRIx64 " rel=0x%" PRIx64 " ret=0\n",
	         0x7f3a1c200000 + fault_rel, fault_rel);
	reading_contains(a, want);
	reading_contains(a, " source=kernel log line\n m0 map=1/1 0x");
	reading_contains(a, " m0 name=- arch= format=0 base=0x7f3a1c200000 size=0x0\n f0 how=3 ");
	/* every tool read */
	reading_contains(
	    a, "source=glibc backtrace_symbols (segfault-handler): PID 7 received SIGSEGV");
	reading_contains(a, " f1 how=3 symbol=fib_iter+8 why=-\n");
	reading_contains(a, "source=gdb backtrace: Thread 1 \"node\" received signal SIGSEGV");
	reading_contains(a,
	                 "source=AddressSanitizer report: SEGV on unknown address 0x000000000000");
	reading_contains(a, " m1 name=x.node arch= format=0");
	reading_contains(a, "source=AddressSanitizer report: freed by thread T0 here:");
	reading_contains(a, "source=valgrind report: Invalid read of size 4");
	reading_contains(a, "source=minidump_stackwalk output: Thread 0 (crashed)");
	reading_contains(a, "source=Bun crash report");
	reading_contains(a, "source=Node.js fatal error stack: FATAL ERROR: boom");
	reading_contains(a, "source=systemd-coredump stack: Stack trace of thread 4242:");
	reading_contains(a, "source=macOS backtrace_symbols");
	reading_contains(a, "crash signal signal=EXCEPTION_ACCESS_VIOLATION/0");
	reading_contains(a, "source=WinDbg stack: STACK_TEXT");
	reading_contains(a, " f1 m0 pc=0x7ff9a0781009 rel=0x1009 ret=1\n");
	reading_contains(a, " m0 name=- arch= format=4 base=0x7ff9a0780000");
	reading_contains(a, "source=StackWalker stack (Windows)");
	reading_contains(a, " f2 how=0 symbol=C:\\Program Files\\app\\main.cpp (42): main+0 why=");
	/* the gdb frame whose "from" is on the next line, the wrapped coredump one */
	reading_contains(a, "path=/app/addon.node id= listed=1 why=-\n");
	reading_contains(a, "rel=0x1238 ret=1\n");
}

START_TEST(tools_reader_fails_cleanly_at_every_allocation)
{
	struct reading *c = calloc(1, sizeof(*c));

	ck_assert_ptr_nonnull(c);
	tools_fixture();
	c->name = "tools reader";
	c->read = read_tools;
	c->texts = tools_texts;
	c->expect = expect_tools;
	reading_walk(c, reading_setup, NULL);
	free(c);
}
END_TEST

/* ---- Windows' own crash records, and UTF-16 text -------------------------------- */

/* Event 1000 in words and XML (one crash), a Report.wer with a
 * LoadedModule line, event 1001 after it with a stack hash for its module
 * (the same crash), a fault in no module, and the Reliability Monitor's
 * problem details. */
static const char *const windows_texts[] = {
    "> Faulting application name: node.exe, version: 18.12.1.0, time stamp:\n"
    "> 0x637e8a3f\n"
    "> Faulting module name: addon.node, version: 0.0.0.0, time stamp: 0x6b1663a3\n"
    "> Exception code: 0xc0000005\n> Fault offset: 0x0000000000001010\n"
    "> Faulting process id: 0x0x2F8C\n"
    "> Faulting module path: C:\\Program\n> Files\\app\\addon.node\n"
    "> Report Id: 4134a62b-474a-4c49-aa97-df525e0d5a01\n"
    "<Event><System><Provider Name=\"Application Error\" /><EventID>1000</EventID></System>"
    "<EventData><Data Name=\"AppName\">node.exe</Data><Data Name=\"ModuleName\">addon.node"
    "</Data><Data Name=\"ModuleTimeStamp\">6b1663a3</Data><Data Name=\"ExceptionCode\">"
    "c0000005</Data><Data Name=\"FaultingOffset\">0000000000001010</Data>"
    "<Data Name=\"ProcessId\">0x2f8c</Data></EventData></Event>\n"
    "Version=1\nEventType=BEX64\nNsAppName=readest.exe\n"
    "Sig[3].Name=Faulty Module Name\nSig[3].Value=ucrtbase.dll\n"
    "Sig[5].Name=Faulty Module Timestamp\nSig[5].Value=10c46e71\n"
    "Sig[6].Name=Abnormal Offset\nSig[6].Value=000000000007f6fe\n"
    "Sig[7].Name=Abnormal Code\nSig[7].Value=c0000409\n"
    "LoadedModule[0]=C:\\WINDOWS\\System32\\ucrtbase.dll\n"
    "Event Name: BEX64\nP1: readest.exe\nP4: StackHash_0a9e\nP6: 10c46e71\n"
    "P7: 000000000007f6fe\nP8: c0000409\n"
    "Faulting application name: node.exe, version: 1.0.0.0, time stamp: 0x1\n"
    "Faulting module name: unknown, version: 0.0.0.0, time stamp: 0x00000000\n"
    "Exception code: 0xc0000005\nFault offset: 0x000002542550614b\n",
    NULL};

/* A Report.wer as Windows writes it: UTF-16LE with a byte-order mark. */
static char windows_utf16[1024];
static size_t windows_utf16_len;

static void windows_fixture(void)
{
	static const char wer[] = "Version=1\r\nEventType=APPCRASH\r\nNsAppName=node.exe\r\n"
	                          "Sig[3].Name=Fault Module Name\r\nSig[3].Value=addon.node\r\n"
	                          "Sig[5].Name=Fault Module Timestamp\r\nSig[5].Value=6b1663a3\r\n"
	                          "Sig[6].Name=Exception Code\r\nSig[6].Value=c0000005\r\n"
	                          "Sig[7].Name=Exception Offset\r\nSig[7].Value=00001010\r\n";
	size_t n = 0;

	windows_utf16[n++] = (char)0xff;
	windows_utf16[n++] = (char)0xfe;
	for (size_t i = 0; wer[i] != '\0'; i++) {
		windows_utf16[n++] = wer[i];
		windows_utf16[n++] = 0;
	}
	ck_assert_uint_le(n, sizeof(windows_utf16));
	windows_utf16_len = n;
}

/* What the model holds besides dump_apple's: sources, paths and stamps. */
static void dump_windows(char *out, size_t size, const struct nsym_crash *cs, size_t n)
{
	dump_apple(out, size, cs, n);
	for (size_t k = 0; k < n; k++) {
		reading_add(out, size, " source=%s\n", cs[k].source != NULL ? cs[k].source : "-");
		for (size_t i = 0; i < cs[k].nmodules; i++)
			reading_add(out, size, " m%zu stamp=%d/%08x\n", i,
			            cs[k].modules[i].has_timestamp,
			            (unsigned)cs[k].modules[i].timestamp);
	}
}

/* The reader on the texts, then nsym_report_read on the UTF-16 report. */
static int read_windows(struct reading *c)
{
	const struct nsym_report_input in = {.text = windows_utf16, .len = windows_utf16_len};
	const struct nsym_report_options o = {.warn = reading_warn, .ctx = c};
	struct nsym_crash *cs = (struct nsym_crash *)c;
	size_t n = 99;
	int rc;

	allocfail_enter();
	rc = nsym_crash_from_windows(&cs, &n, c->texts[0], strlen(c->texts[0]), reading_warn, c);
	allocfail_leave();
	if ((rc = reading_take_crashes(c, rc, cs, n, dump_windows)) != 0)
		return rc;
	cs = (struct nsym_crash *)c;
	n = 99;
	allocfail_enter();
	rc = nsym_report_read(&cs, &n, &in, &o);
	allocfail_leave();
	return reading_take_crashes(c, rc, cs, n, dump_windows);
}

static void expect_windows(const char *a)
{
	reading_contains(a, "crash signal signal=EXCEPTION_ACCESS_VIOLATION (0xc0000005)/0 "
	                    "address=none,0x0 panic=- at -:0:0 pid=12172 tid=-1");
	reading_contains(a, " m0 path=C:\\Program Files\\app\\addon.node id= listed=1 why=-\n"
	                    " f0 m0 pc=0x0 rel=0x1010 ret=0\n");
	reading_contains(a, " m0 name=addon.node arch= format=4");
	reading_contains(a,
	                 " source=Windows Application Error event: node.exe\n m0 stamp=1/6b1663a3");
	reading_contains(a, " m0 path=C:\\WINDOWS\\System32\\ucrtbase.dll id= listed=1");
	reading_contains(a, " source=Windows Error Reporting (BEX64): readest.exe\n");
	reading_contains(a, " f0 m-1 pc=0x2542550614b rel=0x0 ret=0\n");
	reading_contains(
	    a, " source=Windows Error Reporting (APPCRASH): node.exe\n m0 stamp=1/6b1663a3");
	/* event 1001 repeats the BEX64: four crashes, not five */
	ck_assert_msg(strstr(a, "StackHash") == NULL, "%.4000s", a);
}

START_TEST(windows_reader_fails_cleanly_at_every_allocation)
{
	windows_fixture();
	reading_walk_reader("Windows records reader", read_windows, windows_texts, expect_windows);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("allocfail_report");
	TEST_ADD(s, report_reader_fails_cleanly_at_every_allocation);
	TEST_ADD(s, trace_reader_fails_cleanly_at_every_allocation);
	TEST_ADD(s, rust_reader_fails_cleanly_at_every_allocation);
	TEST_ADD(s, maps_reader_fails_cleanly_at_every_allocation);
	TEST_ADD(s, ips_reader_fails_cleanly_at_every_allocation);
	TEST_ADD(s, apple_crash_reader_fails_cleanly_at_every_allocation);
	TEST_ADD(s, tools_reader_fails_cleanly_at_every_allocation);
	TEST_ADD(s, windows_reader_fails_cleanly_at_every_allocation);
	return test_run(s);
}
