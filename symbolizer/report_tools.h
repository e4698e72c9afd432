/*
 * What the line patterns of report_tools_lines.c find in one line of a
 * tool's trace, as the reader of report_tools.c assembles it into crashes.
 * Shared by those two files only. Every piece of text found is a slice of
 * the line, which the reader copies (sanitised) into the crash model.
 */
#ifndef NSYM_REPORT_TOOLS_H
#define NSYM_REPORT_TOOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "report.h"

/* The tools whose traces are read; their names are nsym__tool_names[]. */
enum nsym__tool {
	NSYM_TOOL_GLIBC,    /* backtrace_symbols on Linux, segfault-handler */
	NSYM_TOOL_MACOS,    /* backtrace_symbols on macOS */
	NSYM_TOOL_COREDUMP, /* systemd-coredump, coredumpctl */
	NSYM_TOOL_KERNEL,   /* the kernel's segfault and trap lines */
	NSYM_TOOL_GDB,
	NSYM_TOOL_LLDB,
	NSYM_TOOL_ASAN, /* AddressSanitizer and the other sanitizers */
	NSYM_TOOL_VALGRIND,
	NSYM_TOOL_MINIDUMP, /* minidump_stackwalk (Breakpad, Crashpad, rust-minidump) */
	NSYM_TOOL_BUN,
	NSYM_TOOL_NODE,        /* Node's native stack on a fatal error */
	NSYM_TOOL_WINDBG,      /* WinDbg's k and !analyze -v STACK_TEXT */
	NSYM_TOOL_STACKWALKER, /* StackWalker's lines (Windows, dbghelp) */
	NSYM_TOOLS
};

/* How each tool's trace is named in a crash's source ("gdb backtrace"). */
extern const char *const nsym__tool_names[NSYM_TOOLS];

/* A slice of the line; len 0 when absent. */
struct nsym__slice {
	const char *s;
	size_t len;
};

/* One frame as a line gives it. */
struct nsym__tool_frame {
	int tool;                  /* enum nsym__tool */
	const char *start, *end;   /* where it lies in the line */
	long number;               /* the frame number the tool prints; -1 none */
	struct nsym__slice module; /* path or name of its module; len 0: none */
	struct nsym__slice arch;   /* "arm64" (ASan on macOS) */
	struct nsym__slice id;     /* a build-id printed beside it (ASan) */
	struct nsym__slice symbol; /* the function named; may hold a source line */
	bool has_pc, has_rel, has_symbol_offset;
	uint64_t pc;            /* absolute */
	uint64_t rel;           /* offset in the module the text gives */
	uint64_t symbol_offset; /* after symbol */
	bool exact;             /* pc is no return address: the tool's frame 0, or an
	                           address the tool already moved into the call */
	bool weak;              /* only continues a stack of its tool (a bare [0x…]) */
	bool new_stack;         /* starts a stack (valgrind's "at") */
	bool signal_frame;      /* gdb's "<signal handler called>": no frame itself,
	                           the next one is exact */
	bool wants_module;      /* gdb's "from LIB" may be on the next line */
	bool pe;                /* the module is a PE image, named as debuggers name it */
	bool has_ret;           /* WinDbg's RetAddr column: the next frame's address */
	uint64_t ret;
	/* the kernel's mapping: START+SIZE, and the file offset of pc when the
	 * kernel prints it; the line is a whole crash */
	bool has_map, has_map_offset;
	uint64_t map_start, map_size, pc_file_offset;
	const char *signal_name; /* a kernel line's signal, static */
	bool has_address;
	uint64_t address;
	long long pid;
};

/*
 * The first frame of pattern `pattern` (0 .. nsym__tool_patterns - 1) that
 * starts in [s, e) of line: its start, or NULL. Cheap: it finds where a
 * frame may start (the next call passes start + 1 to find the one after).
 */
const char *nsym__tool_anchor(size_t pattern, const char *line, const char *s, const char *e);
/* The frame of pattern `pattern` starting at a (an anchor) and ending by
 * seg_end; false when the text there is none after all. */
bool nsym__tool_parse(struct nsym__tool_frame *out, size_t pattern, const char *line, const char *a,
                      const char *seg_end);
extern const size_t nsym__tool_patterns;

/* A heading a tool prints above a stack, or facts it gives about the crash. */
struct nsym__tool_header {
	int tool;
	struct nsym__slice title;  /* the heading itself, for the crash's source */
	struct nsym__slice signal; /* "SIGSEGV", "EXC_BAD_ACCESS"…; len 0: not given */
	bool has_address;
	uint64_t address;
	long long pid;    /* -1 */
	bool secondary;   /* what follows is no crash: an allocation stack, another thread */
	bool thread;      /* a thread's stack follows (coredump, gdb): the first is the crash */
	bool module_list; /* minidump_stackwalk's "Loaded modules:": module lines follow */
	const char *key;  /* the end of the words that told it: the next heading
	                     is looked for from there */
};

/* The first heading that starts in [s, e) of line (report_tools_heads.c):
 * its start, with it in out; NULL when there is none. Its title runs to e. */
const char *nsym__tool_header(struct nsym__tool_header *out, const char *line, const char *s,
                              const char *e);

/* A module a tool lists apart from the frames: coredumpctl's "Module x with
 * build-id HEX", minidump_stackwalk's "Loaded modules:" lines. */
struct nsym__tool_module {
	struct nsym__slice name;
	struct nsym__slice id; /* an ELF build-id */
	bool has_base;
	uint64_t base, size;
	const char *end; /* where its text ends */
};

/* The first module listed in [s, e) of line: its start, or NULL; in_list:
 * after minidump_stackwalk's "Loaded modules:", whose entries are only
 * modules. */
const char *nsym__tool_module(struct nsym__tool_module *out, const char *line, const char *s,
                              const char *e, bool in_list);

/* ---- scanning, for the two files of patterns --------------------------------- */

static inline bool is_ws(char c)
{
	return c == ' ' || c == '\t';
}

static inline bool is_dec(char c)
{
	return c >= '0' && c <= '9';
}

static inline bool is_hex(char c)
{
	return is_dec(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static inline const char *skip_ws(const char *p, const char *e)
{
	while (p < e && is_ws(*p))
		p++;
	return p;
}

/* p moved back over white space, not below s. */
static inline const char *back_ws(const char *s, const char *p)
{
	while (p > s && is_ws(p[-1]))
		p--;
	return p;
}

static inline bool starts(const char *p, const char *e, const char *word)
{
	size_t n = strlen(word);
	return (size_t)(e - p) >= n && memcmp(p, word, n) == 0;
}

/* memmem over [s, e) */
static inline const char *find(const char *s, const char *e, const char *needle)
{
	return s < e ? memmem(s, (size_t)(e - s), needle, strlen(needle)) : NULL;
}

/* The last needle wholly in [s, e), or NULL. */
static inline const char *rfind(const char *s, const char *e, const char *needle)
{
	const char *last = NULL;
	for (const char *p = find(s, e, needle); p != NULL; p = find(p + 1, e, needle))
		last = p;
	return last;
}

/* Hex digits at p (a "0x" first when need_0x): their value and the end, or
 * NULL when there are none or more than 16. */
static inline const char *hex(uint64_t *out, const char *p, const char *e, bool need_0x)
{
	const char *q;

	if (e - p >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	else if (need_0x)
		return NULL;
	for (q = p; q < e && is_hex(*q); q++)
		;
	if (q == p || nsym__crash_hex(out, p, (size_t)(q - p), false) != 0)
		return NULL;
	return q;
}

/* Decimal digits at p, below 2^63: the end, or NULL. */
static inline const char *dec(uint64_t *out, const char *p, const char *e)
{
	const char *q = p;
	uint64_t v = 0;

	for (; q < e && is_dec(*q); q++) {
		if (q - p >= 18)
			return NULL;
		v = v * 10 + (uint64_t)(*q - '0');
	}
	if (q == p)
		return NULL;
	*out = v;
	return q;
}

/* Whether p is where a word may start: the beginning of the text scanned,
 * or after white space. */
static inline bool word_start(const char *line, const char *p)
{
	return p == line || is_ws(p[-1]);
}

static inline struct nsym__slice slice(const char *s, const char *e)
{
	return (struct nsym__slice){s, e > s ? (size_t)(e - s) : 0};
}

/* s..e with white space trimmed at both ends. */
static inline struct nsym__slice trimmed(const char *s, const char *e)
{
	s = skip_ws(s, e);
	return slice(s, back_ws(s, e));
}

/* The end of the word at p: the next white space, or e. */
static inline const char *word_end(const char *p, const char *e)
{
	while (p < e && !is_ws(*p))
		p++;
	return p;
}

#endif
