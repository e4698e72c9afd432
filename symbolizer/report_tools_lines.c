/*
 * The table of line patterns for the frames common tools print
 * (report_tools.h): for each, where a frame may start in a line (its
 * anchor) and how the text from there reads (the headings and module lists
 * around the stacks are report_tools_heads.c's). Each pattern finds frames
 * anywhere in a line, so a test runner's tag, a timestamp or another frame
 * before it does not matter, and reads no further than where the next frame
 * of its kind starts. The shapes, with where they were seen:
 *
 *   glibc backtrace_symbols, segfault-handler (ddopson/node-segfault-handler
 *   issues #48, #74; nodejs/node #34174; glibc debug/backtracesymsfd.c):
 *     /p/x.node(+0x2cc1)[0x7f7c345f1cc1]   node(_ZN2v86Object3GetE+0xa)[0xaf766a]
 *     node[0xa1c7fe]   [0x2a1ad940963b]   libc.so.6(+0x3e8e0) [0x7f9bb7e3e8e0]
 *   macOS backtrace_symbols ("%-4d%-35s 0x%016lx %s + %lu"; nodejs/node
 *   #33205), and the macOS 12 crash text's "0xADDR 0xBASE + DEC":
 *     7   copy_to_webgpu_arraybuffer.node     0x000000010790b835 update(…) + 426
 *   systemd-coredump ("#%-2u 0x%016lx %s (%s + 0x%lx)", src/shared/elf-util.c;
 *   element-hq/element-desktop #932), before systemd 244 without the offset:
 *     #1  0x00007f5faea99004 n/a (index.node + 0x99004)
 *   the kernel (arch/x86/mm/fault.c show_signal_msg, mm/memory.c
 *   print_vma_addr; nodejs/node #24955, sist2app/sist2 #553):
 *     node[25407]: segfault at 3ff0c07598f0 ip 0000000000efb532 sp … error 4 in
 * node[400000+1e8c000] x[554843]: segfault at … ip 00000000004c14a0 … in x[c14a0,401000+2bd4000]
 * likely on CPU 1 (…) traps: node[1] trap invalid opcode ip:7f… sp:7ff… error:0 in
 * x.node[7f…+1b000] gdb bt (nodejs/node #26940; systemd/systemd #27503; run here on node): #0
 * 0x00007ffff7e21379 in ?? () from /tmp/x.node #1  0x000055a80669341d in crash (sig=6, …) at
 * ../src/core/main.c:264 #2  <signal handler called> lldb bt (lldb's frame-format "frame #N: ADDR
 * MODULE`FUNCTION + OFFSET"):
 *     * frame #0: 0x0000000104d2b6f4 x.node`sym + 52
 *   AddressSanitizer (run here on node; compiler-rt's sanitizer stack printer):
 *     #0 0x7fc25b5fb7a7  (/tmp/asan.node+0x27a7)
 *     #3 0xc45d94 in v8impl::…::Invoke(…) (/usr/bin/node+0xc45d94)
 *     #1 0x1023f81a8 in sym+0x5c (x.node:arm64+0x181a8) (BuildId: 3f1c…)
 *     #0 0x7f5ccbd097a7 in load_slot /src/addon.c:165
 *   valgrind (run here on node):
 *     ==28272==    at 0xBC78379: ??? (in /tmp/x.node)
 *     ==28272==    by 0xC45D94: v8impl::…::Invoke(…) (in /usr/bin/node)
 *   minidump_stackwalk (Breakpad's processor/stackwalk_common.cc; nwjs/nw.js #7749):
 *      5  node.dll + 0x39b180      0  x.node!sym + 0x12      1  x.node!f [x.cc : 12 + 0x4]
 *   Bun's crash report (oven-sh/bun #11878, #17875, #19507):
 *     - ??? at `0x1fd78` in node-napi-v3.node
 *   Node's native stack on a fatal error (run here; nodejs/node #42019,
 *   abandonware/noble #108, mmomtchev/pymport #25):
 *      3: 0x7f713ac61155  [/tmp/fe.node]      1: 0xb7f6e0 node::Abort() [node]
 *
 * Every address is read as hex (at most 16 digits); a line is read only up
 * to its end, so no pattern reads past what the reader gives it.
 */
#include <string.h>

#include "report.h"
#include "report_tools.h"

const char *const nsym__tool_names[NSYM_TOOLS] = {
    [NSYM_TOOL_GLIBC] = "glibc backtrace_symbols (segfault-handler)",
    [NSYM_TOOL_MACOS] = "macOS backtrace_symbols",
    [NSYM_TOOL_COREDUMP] = "systemd-coredump stack",
    [NSYM_TOOL_KERNEL] = "kernel log line",
    [NSYM_TOOL_GDB] = "gdb backtrace",
    [NSYM_TOOL_LLDB] = "lldb backtrace",
    [NSYM_TOOL_ASAN] = "AddressSanitizer report",
    [NSYM_TOOL_VALGRIND] = "valgrind report",
    [NSYM_TOOL_MINIDUMP] = "minidump_stackwalk output",
    [NSYM_TOOL_BUN] = "Bun crash report",
    [NSYM_TOOL_NODE] = "Node.js fatal error stack",
    [NSYM_TOOL_WINDBG] = "WinDbg stack",
    [NSYM_TOOL_STACKWALKER] = "StackWalker stack (Windows)",
};

static void frame_init(struct nsym__tool_frame *f, int tool, const char *a)
{
	memset(f, 0, sizeof(*f));
	f->tool = tool;
	f->start = a;
	f->number = -1;
	f->pid = -1;
}

/* The ')' that closes the '(' at open, before e; NULL when none does. */
static const char *close_paren(const char *open, const char *e)
{
	int depth = 0;
	for (const char *p = open; p < e; p++) {
		if (*p == '(')
			depth++;
		else if (*p == ')' && --depth == 0)
			return p;
	}
	return NULL;
}

/* ---- glibc backtrace_symbols: NAME(SYM+0xOFF)[0xPC] ---------------------- */

static const char *glibc_anchor(const char *line, const char *s, const char *e)
{
	for (const char *b = find(s, e, "[0x"); b != NULL; b = find(b + 1, e, "[0x")) {
		uint64_t pc;
		const char *q = hex(&pc, b + 1, e, true), *p = b;
		if (q == NULL || q >= e || *q != ']')
			continue;
		/* back over "(…) " and the name before it */
		if (p > line && is_ws(p[-1]) && p - 1 > line && p[-2] == ')')
			p--;
		if (p > line && p[-1] == ')') {
			const char *o = p - 1;
			while (o > line && o[-1] != '(' && !is_ws(o[-1]))
				o--;
			if (o > line && o[-1] == '(')
				p = o - 1;
		}
		/* the name: back to white space, or to the frame before it */
		while (p > line && !is_ws(p[-1]) && p[-1] != ']')
			p--;
		if (p < s)
			continue; /* the frame before s */
		return p;
	}
	return NULL;
}

static bool glibc_parse(struct nsym__tool_frame *f, const char *line, const char *a, const char *e)
{
	const char *b = find(a, e, "[0x"), *q, *close, *open = NULL;

	(void)line;
	frame_init(f, NSYM_TOOL_GLIBC, a);
	if (b == NULL || (q = hex(&f->pc, b + 1, e, true)) == NULL || q >= e || *q != ']')
		return false;
	f->has_pc = true;
	f->end = q + 1;
	close = back_ws(a, b);
	if (close > a && close[-1] == ')')
		open = memchr(a, '(', (size_t)(close - a));
	if (open != NULL) {
		/* "(" [SYM] ('+'|'-') "0x" HEX ")": the offset from SYM, or from
		 * the load bias when there is no symbol (debug/backtracesymsfd.c) */
		const char *plus = NULL;
		uint64_t off;
		for (const char *p = open + 1; p + 2 < close; p++)
			if ((*p == '+' || *p == '-') && p[1] == '0' && p[2] == 'x')
				plus = p;
		f->module = slice(a, open);
		if (plus != NULL && hex(&off, plus + 1, close - 1, true) == close - 1) {
			if (plus == open + 1 && *plus == '+') {
				f->has_rel = true;
				f->rel = off;
			} else if (plus > open + 1) {
				f->symbol = slice(open + 1, plus);
				f->has_symbol_offset = *plus == '+';
				f->symbol_offset = off;
			}
		}
	} else if (b > a && !is_ws(b[-1])) {
		/* "NAME[0xPC]": no symbol and a load bias of 0, so PC is the offset */
		f->module = slice(a, b);
		f->has_rel = true;
		f->rel = f->pc;
	} else {
		f->weak = true; /* "[0xPC]": in no module (JIT code) */
	}
	return f->module.len > 0 || f->weak;
}

/* ---- macOS backtrace_symbols: N  NAME  0xPC SYM + DEC ----------------------- */

/* Where the frame whose address is at x starts: the frame number before
 * the module name ("7   Electron Framework   0x…"); NULL when none. */
static const char *macos_index(const char *line, const char *s, const char *x)
{
	const char *name_end = back_ws(s, x), *p;

	if (name_end == x || name_end == s)
		return NULL;
	/* the shortest name that has "N   " before it */
	for (p = name_end - 1; p > s; p--) {
		const char *w, *d;
		if (!is_ws(p[-1]) || is_ws(*p))
			continue;
		w = back_ws(s, p);
		for (d = w; d > s && is_dec(d[-1]); d--)
			;
		if (d < w && w - d <= 4 && word_start(line, d) && d >= s)
			return d;
	}
	return NULL;
}

static const char *macos_anchor(const char *line, const char *s, const char *e)
{
	for (const char *x = find(s, e, " 0x"); x != NULL; x = find(x + 1, e, " 0x")) {
		uint64_t pc;
		const char *q = hex(&pc, x + 1, e, true), *d;
		if (q == NULL || q >= e || *q != ' ' || find(q, e, " + ") == NULL)
			continue;
		if ((d = macos_index(line, s, x)) != NULL)
			return d;
	}
	return NULL;
}

static bool macos_parse(struct nsym__tool_frame *f, const char *line, const char *a, const char *e)
{
	const char *x = find(a, e, " 0x"), *q, *sym, *plus;
	uint64_t n = 0, off = 0, base = 0;

	frame_init(f, NSYM_TOOL_MACOS, a);
	if (x == NULL || macos_index(line, a, x) != a || (q = dec(&n, a, e)) == NULL)
		return false;
	f->number = (long)n;
	f->module = trimmed(q, x);
	if ((q = hex(&f->pc, x + 1, e, true)) == NULL || q >= e || *q != ' ')
		return false;
	f->has_pc = true;
	sym = q + 1;
	/* " + DEC" that ends the frame: before white space or the end */
	for (plus = find(sym, e, " + "); plus != NULL; plus = find(plus + 1, e, " + ")) {
		const char *end = dec(&off, plus + 3, e);
		if (end != NULL && (end == e || is_ws(*end)))
			break;
	}
	if (plus == NULL || plus == sym)
		return false;
	f->end = dec(&off, plus + 3, e);
	if (hex(&base, sym, plus, true) == plus) {
		/* the crash text of macOS 12 and later: "0xPC 0xBASE + DEC" */
		if (base > f->pc || f->pc - base != off)
			return false;
		f->has_rel = true;
		f->rel = off;
	} else {
		f->symbol = slice(sym, plus);
		f->has_symbol_offset = true;
		f->symbol_offset = off;
	}
	return f->module.len > 0;
}

/* ---- "#N ..." frames: gdb, AddressSanitizer, systemd-coredump ------------- */

static const char *hash_anchor(const char *line, const char *s, const char *e)
{
	(void)line;
	for (const char *p = memchr(s, '#', (size_t)(e - s)); p != NULL;
	     p = p + 1 < e ? memchr(p + 1, '#', (size_t)(e - p - 1)) : NULL) {
		uint64_t n;
		const char *q = dec(&n, p + 1, e);
		if (q != NULL && q < e && is_ws(*q) && q - p <= 6)
			return p;
	}
	return NULL;
}

/* ASan's module group from p on, "(PATH+0xOFF)" or "(NAME:ARCH+0xOFF)",
 * then "(BuildId: HEX)" when LLVM prints one: its '(' and the end, or NULL. */
static const char *asan_module(struct nsym__tool_frame *f, const char *p, const char *e,
                               const char **open)
{
	static const char *const archs[] = {"arm64", "arm64e", "x86_64", "x86_64h", "i386",
	                                    "armv7", "armv7s", "armv7k", "arm64_32"};
	for (const char *plus = find(p, e, "+0x"); plus != NULL; plus = find(plus + 1, e, "+0x")) {
		const char *o = plus, *q = hex(&f->rel, plus + 1, e, true), *colon, *b;
		if (q == NULL || q >= e || *q != ')')
			continue;
		while (o > p && o[-1] != '(' && !is_ws(o[-1]))
			o--;
		if (o == p || o[-1] != '(' || o == plus)
			continue;
		f->has_rel = true;
		f->module = slice(o, plus);
		colon = memrchr(o, ':', (size_t)(plus - o));
		for (size_t i = 0; colon != NULL && i < sizeof(archs) / sizeof(archs[0]); i++) {
			if ((size_t)(plus - colon - 1) == strlen(archs[i]) &&
			    memcmp(colon + 1, archs[i], strlen(archs[i])) == 0) {
				f->arch = slice(colon + 1, plus);
				f->module = slice(o, colon);
			}
		}
		*open = o - 1;
		q++;
		b = skip_ws(q, e);
		if (starts(b, e, "(BuildId: ")) {
			const char *id = b + strlen("(BuildId: "), *t = id;
			while (t < e && is_hex(*t))
				t++;
			if (t < e && *t == ')') {
				f->id = slice(id, t);
				q = t + 1;
			}
		}
		return q;
	}
	return NULL;
}

/* gdb's "NAME (ARGS) [from LIB | at FILE:LINE]" after " in " (or after the
 * number, when gdb prints no address): the end, or NULL. The arguments are
 * the first group after a space that ends the frame or comes before
 * "from" or "at" (NAME may hold groups: "(anonymous namespace)::f(int)"). */
static const char *gdb_function(struct nsym__tool_frame *f, const char *p, const char *e)
{
	for (const char *o = find(p, e, " ("); o != NULL; o = find(o + 1, e, " (")) {
		const char *c = close_paren(o + 1, e), *q;
		if (c == NULL)
			return NULL;
		q = skip_ws(c + 1, e);
		if (q != e && q == c + 1)
			continue; /* "(…)x": inside the name */
		f->symbol = trimmed(p, o);
		if (starts(q, e, "from ")) {
			q += 5;
			f->module = slice(q, word_end(q, e));
			return f->module.s + f->module.len;
		}
		if (starts(q, e, "at ") &&
		    memchr(q, ':', (size_t)(word_end(q + 3, e) - q)) != NULL) {
			/* the source gdb found: kept with the name */
			f->symbol = slice(p, word_end(q + 3, e));
			return f->symbol.s + f->symbol.len;
		}
		f->wants_module = true;
		return c + 1;
	}
	return NULL;
}

static bool hash_parse(struct nsym__tool_frame *f, const char *line, const char *a, const char *e)
{
	uint64_t n = 0;
	const char *p, *q, *o;

	(void)line;
	frame_init(f, NSYM_TOOL_GDB, a);
	p = dec(&n, a + 1, e);
	f->number = (long)n;
	p = skip_ws(p, e);
	if (starts(p, e, "<signal handler called>")) {
		f->signal_frame = true;
		f->end = p + strlen("<signal handler called>");
		return true;
	}
	if ((q = hex(&f->pc, p, e, true)) == NULL) {
		/* gdb leaves the address out at the start of a line: "#0  f (a=1) at x.c:5" */
		f->end = gdb_function(f, p, e);
		return f->end != NULL && !f->wants_module && f->module.len == 0;
	}
	if (q == e || !is_ws(*q))
		return false;
	f->has_pc = true;
	p = skip_ws(q, e);
	if (starts(p, e, "in ")) {
		const char *gdb, *asan, *w;
		p += 3;
		/* ASan: "in SYM (MODULE+0xOFF)", or "in SYM FILE:LINE[:COL]" */
		w = word_end(p, e);
		if ((asan = asan_module(f, p, e, &o)) != NULL) {
			f->tool = NSYM_TOOL_ASAN;
			f->symbol = trimmed(p, o);
			f->end = asan;
			return true;
		}
		memset(&f->module, 0, sizeof(f->module));
		memset(&f->arch, 0, sizeof(f->arch));
		memset(&f->id, 0, sizeof(f->id));
		f->has_rel = false;
		if ((gdb = gdb_function(f, p, e)) != NULL) {
			f->end = gdb;
			return true;
		}
		/* "in SYM FILE:LINE": the name runs to the word that is a source line */
		for (q = skip_ws(w, e); q < e; q = skip_ws(word_end(q, e), e)) {
			const char *end = word_end(q, e),
			           *colon = memrchr(q, ':', (size_t)(end - q));
			if (colon != NULL && colon + 1 < end && is_dec(colon[1]) && q > w) {
				f->tool = NSYM_TOOL_ASAN;
				f->symbol = slice(p, end);
				f->end = end;
				return true;
			}
		}
		return false;
	}
	if (*p == '(') {
		f->tool = NSYM_TOOL_ASAN;
		f->end = asan_module(f, p, e, &o);
		return f->end != NULL && o == p;
	}
	/* systemd-coredump: "SYM (NAME + 0xOFF)", or "(NAME)" before systemd 244 */
	f->tool = NSYM_TOOL_COREDUMP;
	q = word_end(p, e);
	o = skip_ws(q, e);
	if (q == p || o >= e || *o != '(' || (f->end = memchr(o, ')', (size_t)(e - o))) == NULL)
		return false;
	if (q - p != 3 || memcmp(p, "n/a", 3) != 0)
		f->symbol = slice(p, q);
	q = find(o, f->end, " + 0x");
	if (q != NULL) {
		if (hex(&f->rel, q + 3, f->end, true) != f->end)
			return false;
		f->has_rel = true;
	}
	f->module = trimmed(o + 1, q != NULL ? q : f->end);
	f->end++;
	return f->module.len > 0;
}

/* ---- the kernel's segfault and trap lines --------------------------------- */

static const char *const kernel_words[] = {"segfault at ", " trap ", "general protection"};

static const char *kernel_anchor(const char *line, const char *s, const char *e)
{
	const char *best = NULL;
	(void)line;
	for (size_t i = 0; i < sizeof(kernel_words) / sizeof(kernel_words[0]); i++) {
		const char *p = find(s, e, kernel_words[i]);
		if (p != NULL && (best == NULL || p < best))
			best = p;
	}
	return best;
}

/* "in NAME[OFF,START+SIZE]" or "in NAME[START+SIZE]" from p. */
static void kernel_mapping(struct nsym__tool_frame *f, const char *p, const char *e)
{
	const char *in = find(p, e, " in "), *b, *q, *r;
	uint64_t a, start, size;

	if (in == NULL || (b = memchr(in, '[', (size_t)(e - in))) == NULL || b == in + 4 ||
	    (q = hex(&a, b + 1, e, false)) == NULL || q >= e)
		return;
	if (*q == ',') {
		if ((r = hex(&start, q + 1, e, false)) == NULL || r >= e || *r != '+')
			return;
		f->has_map_offset = true;
		f->pc_file_offset = a;
	} else if (*q == '+') {
		r = q;
		start = a;
	} else {
		return;
	}
	if ((q = hex(&size, r + 1, e, false)) == NULL || q >= e || *q != ']' || size == 0)
		return;
	f->module = slice(in + 4, b);
	f->has_map = true;
	f->map_start = start;
	f->map_size = size;
	f->end = q + 1;
}

static bool kernel_parse(struct nsym__tool_frame *f, const char *line, const char *a, const char *e)
{
	const char *ip = find(a, e, " ip "), *b, *q;
	uint64_t pid;

	frame_init(f, NSYM_TOOL_KERNEL, a);
	if (ip == NULL)
		ip = find(a, e, " ip:");
	if (ip == NULL || hex(&f->pc, ip + 4, e, false) == NULL)
		return false;
	f->has_pc = true;
	f->exact = true;
	f->end = e;
	if (starts(a, e, "segfault at ")) {
		f->signal_name = "SIGSEGV";
		f->has_address = hex(&f->address, a + strlen("segfault at "), e, false) != NULL;
	} else if (starts(a, e, "general protection")) {
		f->signal_name = "SIGSEGV";
	} else if (find(a, ip, "divide error") != NULL) {
		f->signal_name = "SIGFPE";
	} else if (find(a, ip, "invalid opcode") != NULL) {
		f->signal_name = "SIGILL";
	} else if (find(a, ip, "int3") != NULL) {
		f->signal_name = "SIGTRAP";
	}
	/* "COMM[PID]:" or "COMM[PID] " before the words */
	b = line + (a - line);
	while (b > line && b[-1] != ']')
		b--;
	if (b > line) {
		const char *o = b - 1;
		while (o > line && is_dec(o[-1]))
			o--;
		if (o > line && o[-1] == '[' && (q = dec(&pid, o, b - 1)) == b - 1)
			f->pid = (long long)pid;
	}
	kernel_mapping(f, ip, e);
	return true;
}

/* ---- lldb: frame #N: 0xPC MODULE`SYM + DEC [at FILE:LINE] -------------- */

static const char *lldb_anchor(const char *line, const char *s, const char *e)
{
	(void)line;
	for (const char *p = find(s, e, "frame #"); p != NULL; p = find(p + 1, e, "frame #")) {
		uint64_t n;
		const char *q = dec(&n, p + 7, e);
		if (q != NULL && starts(q, e, ": 0x"))
			return p;
	}
	return NULL;
}

/* lldb's default frame format prints a function with its arguments' values
 * ("checksum(p=\"abc\", n=3)"): the name alone is the function's, which is
 * what a file's symbol table holds. A list without '=' is a C++ signature,
 * part of the demangled name, and stays. */
static struct nsym__slice without_values(struct nsym__slice sym)
{
	int depth = 0;
	bool values = false;

	if (sym.len == 0 || sym.s[sym.len - 1] != ')')
		return sym;
	for (size_t i = sym.len; i-- > 0;) {
		depth += sym.s[i] == ')' ? 1 : sym.s[i] == '(' ? -1 : 0;
		values |= depth == 1 && sym.s[i] == '=';
		if (depth == 0)
			return values && i > 0 ? slice(sym.s, sym.s + i) : sym;
	}
	return sym;
}

static bool lldb_parse(struct nsym__tool_frame *f, const char *line, const char *a, const char *e)
{
	uint64_t n = 0;
	const char *p = dec(&n, a + 7, e), *m, *tick, *plus, *at;

	(void)line;
	frame_init(f, NSYM_TOOL_LLDB, a);
	f->number = (long)n;
	if ((p = hex(&f->pc, p + 2, e, true)) == NULL || (p < e && !is_ws(*p)))
		return false;
	f->has_pc = true;
	f->exact = n == 0;
	m = skip_ws(p, e);
	f->end = back_ws(m, e);
	for (p = m; p < e && *p != '`' && !is_ws(*p); p++)
		;
	f->module = slice(m, p);
	if (p >= e || *p != '`')
		return f->module.len > 0;
	tick = p + 1;
	at = rfind(tick, e, " at ");
	plus = rfind(tick, at != NULL ? at : e, " + ");
	if (plus != NULL && (p = dec(&f->symbol_offset, plus + 3, e)) != NULL &&
	    (p == e || p == at || is_ws(*p))) {
		f->has_symbol_offset = true;
		f->symbol = without_values(slice(tick, plus));
	} else {
		f->symbol = trimmed(tick, e);
	}
	return f->module.len > 0;
}

/* ---- valgrind: at|by 0xPC: SYM (in PATH) | (FILE:LINE) --------------------- */

static const char *valgrind_anchor(const char *line, const char *s, const char *e)
{
	for (const char *p = find(s, e, "0x"); p != NULL; p = find(p + 1, e, "0x")) {
		uint64_t pc;
		const char *q = hex(&pc, p, e, true);
		if (p - s >= 3 && (starts(p - 3, e, "at ") || starts(p - 3, e, "by ")) &&
		    word_start(line, p - 3) && q != NULL && q < e && *q == ':')
			return p - 3;
	}
	return NULL;
}

static bool valgrind_parse(struct nsym__tool_frame *f, const char *line, const char *a,
                           const char *e)
{
	const char *q, *in, *c;

	(void)line;
	frame_init(f, NSYM_TOOL_VALGRIND, a);
	/* "at" is where the thread is; "by" addresses are already one byte into
	 * the call (m_stacktrace.c): both are looked up as they are */
	f->new_stack = a[0] == 'a';
	f->exact = true;
	if ((q = hex(&f->pc, a + 3, e, true)) == NULL || *q != ':')
		return false;
	f->has_pc = true;
	q++;
	if ((in = find(q, e, " (in ")) != NULL && (c = memchr(in, ')', (size_t)(e - in))) != NULL) {
		/* "SYM (in PATH)": PATH may end in " (deleted)" */
		while (c + 1 < e && c[1] == ')')
			c++;
		f->module = trimmed(in + 5, c);
		if (f->module.len > 10 &&
		    memcmp(f->module.s + f->module.len - 10, " (deleted)", 10) == 0)
			f->module.len -= 10;
		f->symbol = trimmed(q, in);
		f->end = c + 1;
	} else {
		/* debug info: "SYM (file.c:12)", the group that holds ":LINE)" */
		for (c = memchr(q, ')', (size_t)(e - q)); c != NULL;
		     c = c + 1 < e ? memchr(c + 1, ')', (size_t)(e - c - 1)) : NULL) {
			const char *d = c;
			while (d > q && is_dec(d[-1]))
				d--;
			if (d < c && d > q && d[-1] == ':')
				break;
		}
		if (c == NULL)
			return false;
		f->symbol = trimmed(q, c + 1);
		f->end = c + 1;
	}
	if (f->symbol.len == 3 && memcmp(f->symbol.s, "???", 3) == 0)
		f->symbol.len = 0;
	return true;
}

/* ---- minidump_stackwalk: N  MODULE + 0xOFF | MODULE!SYM + 0xOFF ------------ */

static const char *minidump_anchor(const char *line, const char *s, const char *e)
{
	for (const char *p = s; p < e; p++) {
		uint64_t n;
		const char *q, *m, *stop;
		if (!is_dec(*p) || !word_start(line, p) || (q = dec(&n, p, e)) == NULL ||
		    q - p > 4 || !starts(q, e, "  "))
			continue;
		m = skip_ws(q, e);
		/* the module runs to " + 0x" or "!", with no two spaces in it */
		stop = find(m, e, "  ");
		stop = stop != NULL ? stop : e;
		if (m < e && !is_dec(*m) &&
		    (find(m, stop, " + 0x") != NULL || memchr(m, '!', (size_t)(stop - m)) != NULL))
			return p;
		if (starts(m, e, "0x") && hex(&n, m, e, true) != NULL)
			return p; /* "N  0xPC": weak */
		p = q;
	}
	return NULL;
}

static bool minidump_parse(struct nsym__tool_frame *f, const char *line, const char *a,
                           const char *e)
{
	uint64_t n = 0;
	const char *m, *bang, *plus, *q, *stop;

	(void)line;
	frame_init(f, NSYM_TOOL_MINIDUMP, a);
	m = skip_ws(dec(&n, a, e), e);
	f->number = (long)n;
	f->exact = n == 0;
	if (starts(m, e, "0x")) {
		q = hex(&f->pc, m, e, true);
		f->has_pc = f->weak = true;
		f->end = q;
		return q != NULL && (q == e || is_ws(*q));
	}
	stop = find(m, e, "  ");
	stop = stop != NULL ? stop : e;
	bang = memchr(m, '!', (size_t)(stop - m));
	if (bang == NULL) {
		if ((plus = find(m, stop, " + 0x")) == NULL ||
		    (f->end = hex(&f->rel, plus + 3, e, true)) == NULL)
			return false;
		f->has_rel = true;
		f->module = slice(m, plus);
		return f->module.len > 0;
	}
	f->module = slice(m, bang);
	/* "!SYM [FILE : LINE + 0xOFF]" is the tool's answer; "!SYM + 0xOFF" */
	q = find(bang, e, " [");
	plus = rfind(bang, q != NULL ? q : e, " + 0x");
	if (q != NULL && (f->end = memchr(q, ']', (size_t)(e - q))) != NULL) {
		f->symbol = slice(bang + 1, ++f->end);
	} else if (plus != NULL && (f->end = hex(&f->symbol_offset, plus + 3, e, true)) != NULL) {
		f->symbol = slice(bang + 1, plus);
		f->has_symbol_offset = true;
	} else {
		return false;
	}
	return f->module.len > 0;
}

/* ---- Bun: ??? at 0xOFF in MODULE; its own frames named ---------------------- */

static const char *bun_anchor(const char *line, const char *s, const char *e)
{
	const char *p = find(s, e, "??? at "), *named = find(s, e, "- `"),
	           *linked = find(s, e, "- [`");

	(void)line;
	if (named != NULL && (p == NULL || named < p))
		p = named;
	if (linked != NULL && (p == NULL || linked < p))
		p = linked;
	return p;
}

static bool bun_parse(struct nsym__tool_frame *f, const char *line, const char *a, const char *e)
{
	const char *p, *q, *in;

	(void)line;
	frame_init(f, NSYM_TOOL_BUN, a);
	if (starts(a, e, "??? at ")) {
		p = a + strlen("??? at ");
		p += p < e && *p == '`';
		if ((q = hex(&f->rel, p, e, true)) == NULL)
			return false;
		q += q < e && *q == '`';
		if (!starts(q, e, " in "))
			return false;
		f->has_rel = true;
		in = q + 4;
		for (q = in; q < e && !is_ws(*q) && *q != '`'; q++)
			;
		f->module = slice(in, q);
		f->end = q;
		return f->module.len > 0;
	}
	/* "- `NAME`" or "- [`FILE:LINE`](URL): `NAME`": Bun's own, named by it */
	f->weak = true;
	p = find(a, e, "): `");
	p = starts(a, e, "- [`") && p != NULL ? p + 4 : a + 3;
	if ((q = memchr(p, '`', (size_t)(e - p))) == NULL)
		return false;
	f->symbol = slice(p, q);
	f->end = q + 1;
	return f->symbol.len > 0;
}

/* ---- Node's native stack: N: 0xPC NAME [MODULE] ------------------------------ */

static const char *node_anchor(const char *line, const char *s, const char *e)
{
	for (const char *p = s; p < e; p++) {
		uint64_t n, pc;
		const char *q, *r;
		if (!is_dec(*p) || !word_start(line, p) || (q = dec(&n, p, e)) == NULL ||
		    q - p > 4 || !starts(q, e, ": ")) {
			continue;
		}
		/* one space, then 0xPC (POSIX) or 16 hex digits (Windows) */
		r = hex(&pc, q + 2, e, false);
		if (r != NULL && (r == e || is_ws(*r)) &&
		    (starts(q + 2, e, "0x") || r - (q + 2) == 16))
			return p;
		p = q;
	}
	return NULL;
}

static bool node_parse(struct nsym__tool_frame *f, const char *line, const char *a, const char *e)
{
	uint64_t n = 0;
	const char *p = dec(&n, a, e), *c, *b, *plus;

	(void)line;
	frame_init(f, NSYM_TOOL_NODE, a);
	f->number = (long)n;
	if ((p = hex(&f->pc, p + 2, e, false)) == NULL)
		return false;
	f->has_pc = true;
	/* "NAME [MODULE]": the first ']' that ends a word closes MODULE; on
	 * Windows a source file "[file.cc]:L45" stands there instead */
	for (c = memchr(p, ']', (size_t)(e - p)); c != NULL;
	     c = c + 1 < e ? memchr(c + 1, ']', (size_t)(e - c - 1)) : NULL) {
		if (c + 1 == e || is_ws(c[1]) || c[1] == ':')
			break;
	}
	if (c != NULL && (b = rfind(p, c, " [")) != NULL) {
		f->module = slice(b + 2, c);
		f->symbol = trimmed(p, b);
		f->end = c + 1;
		if (c + 1 < e && c[1] == ':') { /* a source file: the name is the answer */
			f->symbol = slice(skip_ws(p, e), word_end(c, e));
			f->module.len = 0;
			f->end = word_end(c, e);
		}
		return true;
	}
	/* Windows without symbols: "name+DEC" from the nearest export, or nothing */
	f->symbol = slice(skip_ws(p, e), word_end(skip_ws(p, e), e));
	f->end = f->symbol.len > 0 ? f->symbol.s + f->symbol.len : p;
	plus = f->symbol.len > 0 ? memrchr(f->symbol.s, '+', f->symbol.len) : NULL;
	if (plus != NULL && dec(&f->symbol_offset, plus + 1, f->symbol.s + f->symbol.len) ==
	                        f->symbol.s + f->symbol.len) {
		f->has_symbol_offset = true;
		f->symbol.len = (size_t)(plus - f->symbol.s);
	}
	return true;
}

/* ---- WinDbg: [NN] CHILD-SP RETADDR [: ARGS :] MODULE!SYM+0xOFF ------------------- */

/* One of WinDbg's address columns at p: "00000087`027fb370" (64-bit), 8
 * or 16 hex digits: its end, or NULL. */
static const char *windbg_address(uint64_t *out, const char *p, const char *e)
{
	const char *q = p, *r;
	uint64_t lo;

	while (q < e && is_hex(*q))
		q++;
	if (q - p == 8 && q < e && *q == '`') {
		for (r = q + 1; r < e && is_hex(*r);)
			r++;
		if (r - q - 1 != 8 || nsym__crash_hex(out, p, 8, false) != 0 ||
		    nsym__crash_hex(&lo, q + 1, 8, false) != 0)
			return NULL;
		*out = *out << 32 | lo;
		return r;
	}
	if ((q - p != 8 && q - p != 16) || nsym__crash_hex(out, p, (size_t)(q - p), false) != 0)
		return NULL;
	return q;
}

/* The two address columns from p, and the white space after them: where
 * the rest starts, or NULL. */
static const char *windbg_columns(uint64_t *ret, const char *p, const char *e)
{
	uint64_t sp;
	const char *q = windbg_address(&sp, p, e);

	if (q == NULL || q == e || !is_ws(*q) ||
	    (q = windbg_address(ret, skip_ws(q, e), e)) == NULL || q == e || !is_ws(*q))
		return NULL;
	return skip_ws(q, e);
}

/* The call site at p, past the arguments ("ARGS : " in STACK_TEXT, or
 * four 32-bit words in an x86 kb): its start, when it is one
 * ("MODULE!SYM+0xOFF", "MODULE+0xOFF", "0xADDRESS"); else NULL. */
static const char *windbg_site(const char *p, const char *e)
{
	uint64_t v;
	const char *w, *q;

	if (p < e && *p == ':') {
		if ((q = find(p + 1, e, " : ")) == NULL)
			return NULL;
		p = skip_ws(q + 2, e);
	}
	for (int i = 0; i < 4 && (q = windbg_address(&v, p, e)) != NULL && q < e && is_ws(*q); i++)
		p = skip_ws(q, e);
	w = word_end(p, e);
	if (w == p)
		return NULL;
	if (starts(p, e, "0x"))
		return windbg_address(&v, p + 2, e) != NULL || hex(&v, p, w, true) == w ? p : NULL;
	if ((q = memchr(p, '!', (size_t)(w - p))) != NULL && q > p)
		return p;
	q = rfind(p, w, "+0x");
	return q != NULL && q > p && hex(&v, q + 1, w, true) == w ? p : NULL;
}

static const char *windbg_anchor(const char *line, const char *s, const char *e)
{
	for (const char *p = s; p < e; p++) {
		uint64_t n, ret;
		const char *q, *site;
		if (!is_hex(*p) || !word_start(line, p))
			continue;
		/* "0a 00000087`027fb3a0 …": k's frame number first, in hex */
		q = p;
		while (q < e && is_hex(*q) && q - p <= 4)
			q++;
		if (q - p >= 2 && q - p <= 4 && q < e && *q == ' ' && hex(&n, p, q, false) == q &&
		    (site = windbg_columns(&ret, skip_ws(q, e), e)) != NULL &&
		    windbg_site(site, e) != NULL)
			return p;
		/* the columns of a numbered frame belong to its number, before them */
		for (q = p - 1; q > line && is_ws(q[0]) && is_hex(q[-1]);)
			q--;
		while (q > line && is_hex(q[-1]) && p - q <= 6)
			q--;
		if (q < p - 1 && q[0] != ' ' && p - q >= 3 && p - q <= 5 && word_start(line, q))
			continue;
		if ((site = windbg_columns(&ret, p, e)) != NULL && windbg_site(site, e) != NULL)
			return p;
	}
	return NULL;
}

static bool windbg_parse(struct nsym__tool_frame *f, const char *line, const char *a, const char *e)
{
	uint64_t n = 0, v;
	const char *p = a, *site, *end, *src, *bang, *plus;

	(void)line;
	frame_init(f, NSYM_TOOL_WINDBG, a);
	f->pe = true;
	if ((site = windbg_columns(&f->ret, p, e)) == NULL) {
		p = hex(&n, a, e, false);
		f->number = (long)n;
		if (p == NULL || (site = windbg_columns(&f->ret, skip_ws(p, e), e)) == NULL)
			return false;
	}
	f->has_ret = true;
	if ((site = windbg_site(site, e)) == NULL)
		return false;
	/* the source WinDbg found, "[C:\src\addon.c @ 22]", ends the site */
	end = back_ws(site, e);
	src = find(site, end, " [");
	if (src != NULL && end[-1] == ']' && find(src, end, " @ ") != NULL) {
		f->end = end;
		end = src;
	} else {
		src = NULL;
		f->end = end;
	}
	if (starts(site, end, "0x")) { /* an address in no module: JIT code */
		const char *q = windbg_address(&f->pc, site + 2, end);
		if (q == NULL && hex(&f->pc, site, end, true) == NULL)
			return false;
		f->has_pc = true;
		return true;
	}
	if ((bang = memchr(site, '!', (size_t)(end - site))) != NULL) {
		f->module = slice(site, bang);
		plus = rfind(bang, end, "+0x");
		if (src != NULL) { /* WinDbg's answer, kept whole with its source */
			f->symbol = slice(bang + 1, f->end);
		} else if (plus != NULL && hex(&f->symbol_offset, plus + 1, end, true) == end) {
			f->symbol = slice(bang + 1, plus);
			f->has_symbol_offset = true;
		} else {
			/* "module!function": WinDbg leaves out an offset of 0 */
			f->symbol = slice(bang + 1, end);
			f->symbol_offset = 0;
			f->has_symbol_offset = true;
		}
		return f->module.len > 0 && f->symbol.len > 0;
	}
	plus = rfind(site, end, "+0x");
	if (plus == NULL || hex(&v, plus + 1, end, true) != end)
		return false;
	f->module = slice(site, plus);
	f->has_rel = true;
	f->rel = v;
	return f->module.len > 0;
}

/* ---- StackWalker: ADDR (MODULE): (filename not available): NAME ------------------ */

static const char sw_nofile[] = "(filename not available): ";

static const char *stackwalker_anchor(const char *line, const char *s, const char *e)
{
	for (const char *m = find(s, e, sw_nofile); m != NULL; m = find(m + 1, e, sw_nofile)) {
		/* back over "): " and the module, then " (" and the address */
		const char *c = back_ws(s, m), *o, *p;
		int depth = 0;
		if (c - s < 2 || c[-1] != ':' || c[-2] != ')')
			continue;
		/* the '(' that opens the module: "((module-name not available))" */
		for (o = c - 2; o > s; o--) {
			depth += *o == ')';
			depth -= *o == '(';
			if (depth == 0)
				break;
		}
		o++;
		if (depth != 0 || o - s < 2 || o[-2] != ' ')
			continue;
		for (p = o - 2; p > s && is_hex(p[-1]);)
			p--;
		if ((o - 2 - p == 8 || o - 2 - p == 16) && word_start(line, p))
			return p;
	}
	/* StackWalker's line for a frame with a source: "FILE (LINE): NAME" */
	for (const char *o = find(s, e, " ("); o != NULL; o = find(o + 1, e, " (")) {
		uint64_t n;
		const char *d = dec(&n, o + 2, e), *p, *drive;
		if (d == NULL || !starts(d, e, "): ") || o == s || is_ws(o[-1]))
			continue;
		for (p = o; p > line && !is_ws(p[-1]);)
			p--;
		/* a path with spaces: back to its drive ("C:\Program Files\…") */
		for (drive = p; o - drive < 260; drive--) {
			if (drive[0] != ' ' && drive + 2 < o && drive[1] == ':' &&
			    drive[2] == '\\' && word_start(line, drive) &&
			    find(drive, o, "): ") == NULL)
				p = drive;
			if (drive == line)
				break;
		}
		if (p >= s && word_start(line, p)) /* not the frame s is inside */
			return p;
	}
	return NULL;
}

static bool stackwalker_parse(struct nsym__tool_frame *f, const char *line, const char *a,
                              const char *e)
{
	const char *q = a, *m, *c, *name;

	(void)line;
	frame_init(f, NSYM_TOOL_STACKWALKER, a);
	f->pe = true;
	while (q < e && is_hex(*q))
		q++;
	if ((q - a != 8 && q - a != 16) || !starts(q, e, " (")) {
		/* "FILE (LINE): NAME": StackWalker's answer, no address */
		c = find(a, e, "): ");
		if (c == NULL)
			return false;
		f->weak = true;
		f->symbol = trimmed(a, e);
		f->end = f->symbol.s + f->symbol.len;
		return f->symbol.len > 0;
	}
	if (hex(&f->pc, a, q, false) != q)
		return false;
	f->has_pc = true;
	m = q + 2;
	if ((c = find(m, e, sw_nofile)) == NULL || c - m < 3 || !starts(c - 3, e, "): "))
		return false;
	/* dbghelp names the module without its extension; none when it knows none */
	if (!starts(m, e, "(module-name not available)"))
		f->module = slice(m, c - 3);
	name = c + strlen(sw_nofile);
	f->symbol = trimmed(name, e);
	if (f->symbol.len == strlen("(function-name not available)") &&
	    memcmp(f->symbol.s, "(function-name not available)", f->symbol.len) == 0)
		f->symbol.len = 0;
	f->end = e;
	return true;
}

/* ---- the table ------------------------------------------------------------------- */

static const struct {
	const char *(*anchor)(const char *line, const char *s, const char *e);
	bool (*parse)(struct nsym__tool_frame *f, const char *line, const char *a, const char *e);
} patterns[] = {
    {glibc_anchor, glibc_parse},
    {macos_anchor, macos_parse},
    {hash_anchor, hash_parse},
    {kernel_anchor, kernel_parse},
    {lldb_anchor, lldb_parse},
    {valgrind_anchor, valgrind_parse},
    {minidump_anchor, minidump_parse},
    {bun_anchor, bun_parse},
    {node_anchor, node_parse},
    {windbg_anchor, windbg_parse},
    {stackwalker_anchor, stackwalker_parse},
};

const size_t nsym__tool_patterns = sizeof(patterns) / sizeof(patterns[0]);

const char *nsym__tool_anchor(size_t pattern, const char *line, const char *s, const char *e)
{
	const char *a = s < e ? patterns[pattern].anchor(line, s, e) : NULL;

	/* never before s: the reader's search from a frame + 1 must move on */
	return a != NULL && a >= s ? a : NULL;
}

bool nsym__tool_parse(struct nsym__tool_frame *out, size_t pattern, const char *line, const char *a,
                      const char *seg_end)
{
	if (!patterns[pattern].parse(out, line, a, seg_end))
		return false;
	if (out->end == NULL || out->end <= a || out->end > seg_end)
		out->end = seg_end;
	return true;
}
