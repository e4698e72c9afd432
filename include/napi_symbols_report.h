/*
 * napi_symbols_report.h: crashes read back from text into source lines,
 * the part of libnsym behind `napi-symbols symbolicate` (and the server's
 * symbolicate route). The readers turn a crash report file, the compact
 * traces found in any text, or the backtraces Rust prints under
 * RUST_BACKTRACE=full (placed with the process's saved /proc/PID/maps) into
 * one crash model (docs/crash-report.md), so the rest does not care which
 * it was. Strings are sanitised as they are read: no control character of
 * hostile input reaches a terminal. The pipeline then takes each crash to
 * its modules and module-relative addresses, to debug files through a
 * resolver the caller supplies, and to frames, written as text or JSON
 * into a stream the caller gives.
 *
 * Same conventions as napi_symbols.h. Nothing here prints on its own: what
 * the readers pass over is told through a warning callback the caller
 * supplies, and the library does no network or store I/O (finding debug
 * files is the resolver's job). Only nsym_maps_place reads local files.
 */
#ifndef NAPI_SYMBOLS_REPORT_H
#define NAPI_SYMBOLS_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "napi_symbols.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- The crash model ---------------------------------------------------- */

/* Caps: a report is written by a hook that keeps far fewer. */
#define NSYM_CRASH_MAX_MODULES   4096
#define NSYM_CRASH_MAX_FRAMES    1024
#define NSYM_CRASH_MAX_TEXT      4096 /* bytes kept of any one string */
#define NSYM_CRASH_ID_SIZE       132  /* an ELF build-id of NSYM_BUILD_ID_MAX bytes in hex */
#define NSYM_CRASH_MAX_REGISTERS 64

struct nsym_crash_module {
	char *path;                  /* report: the mapped path; trace: the file name */
	char id[NSYM_CRASH_ID_SIZE]; /* lowercase hex; "" when it has none */
	bool listed;                 /* a trace's frames may name a module it never listed */
	char *why;  /* maps input: why the file cannot be used (gone, replaced), or NULL */
	char *name; /* the module as the text names it ("addon.node"), or NULL: path's
	               base name */
	/* NSYM_FORMAT_MACHO when id is an LC_UUID (the resolver then opens the
	 * slice with that UUID), NSYM_FORMAT_PE for a PE image; 0: ELF or unknown */
	int format;
	char arch[16]; /* "arm64", "x86_64"... as the text gives it; "" */
	bool has_base; /* base is known */
	uint64_t base; /* the address the image's start was loaded at */
	uint64_t size; /* its size in memory; 0 when unknown */
	/* one mapping of the file, which the text gives instead of the load
	 * address (the kernel's "x.node[START+SIZE]"): where it starts and its
	 * size; the file offset it maps when has_map_offset (kernels since 6.x
	 * print the file offset of ip). Only the file's program headers turn
	 * it into a load address: nsym_crash_place_mapping. */
	bool has_map, has_map_offset;
	uint64_t map_start, map_size, map_offset;
	/* a PE image's COFF TimeDateStamp, which Windows' own crash records
	 * (Event Viewer, WER) give without the SizeOfImage that would make its
	 * code id with it: the resolver finds the file by name and stamp */
	bool has_timestamp;
	uint32_t timestamp;
};

/* How a frame's offset in its module (rel) was found. */
enum nsym_offset_how {
	NSYM_OFFSET_UNKNOWN = 0, /* not found: the frame's why says why */
	NSYM_OFFSET_GIVEN,       /* the text gives it (module + 0x..., imageOffset) */
	NSYM_OFFSET_SYMBOL,      /* a symbol of the module's plus the text's offset */
	NSYM_OFFSET_BASE,        /* pc minus the load address the text gives */
	NSYM_OFFSET_INFERRED,    /* pc minus a load address inferred from the trace */
};

struct nsym_crash_frame {
	int module;  /* index in modules; -1 when no module holds pc */
	uint64_t pc; /* absolute; 0 when unknown (a trace's module frames) */
	/* the offset from the image's start (its load address): for ELF the
	 * virtual address the file gives, for Mach-O the report's imageOffset
	 * (the pipeline adds __TEXT's vmaddr, nsym_symbolizer_image_base) */
	uint64_t rel;
	bool return_address; /* false only for a signal's faulting frame */
	/* how rel was found; a frame with a module left UNKNOWN by a reader
	 * that predates this field counts as GIVEN unless it has a why */
	enum nsym_offset_how how;
	char *symbol;           /* the function the text names for it, or NULL */
	uint64_t symbol_offset; /* the text's "+ N" after symbol */
	bool has_symbol_offset; /* the text gives "+ N": symbol's address plus it is
	                           the frame's, and places it (NSYM_OFFSET_SYMBOL) */
	char *why;              /* why rel is unknown, or NULL */
};

/* A register at the signal, as the report names it ("rip", "x29"…). */
struct nsym_crash_register {
	char name[16];
	uint64_t value;
};

/* One crash. Every pointer is owned by it: nsym_crash_release frees them. */
struct nsym_crash {
	char reason[16];   /* "signal", "panic" or "manual" */
	char *signal_name; /* "SIGSEGV"…, or NULL */
	int signal_number; /* 0 when unknown */
	bool has_address;  /* fault_address is known */
	uint64_t fault_address;
	char *panic_message; /* or NULL */
	char *panic_file;    /* or NULL when the location is unknown */
	uint32_t panic_line, panic_column;
	long long pid, tid; /* -1 when unknown */
	char *report_name;  /* a trace's "report FILE", or NULL */
	/* what the text is, when a tool printed it, and the heading it gives
	 * this stack ("gdb backtrace: Thread 1 "node" received signal
	 * SIGSEGV, Segmentation fault."), or NULL */
	char *source;
	bool cut; /* a trace without its "end" line */
	struct nsym_crash_module *modules;
	size_t nmodules;
	struct nsym_crash_frame *frames;
	size_t nframes;
	struct nsym_crash_register registers[NSYM_CRASH_MAX_REGISTERS]; /* a report's, or none */
	size_t nregisters;
};

/* Frees what c holds and zeroes it; c itself is the caller's. NULL is fine. */
NSYM_EXTERN void nsym_crash_release(struct nsym_crash *c);
/* Releases each of the count crashes, then frees the array. NULL is fine. */
NSYM_EXTERN void nsym_crashes_free(struct nsym_crash *crashes, size_t count);

/* A lowercase hex identity from s[0..len) (either case): 0, or NSYM_EINVAL
 * when it is not hex or does not fit NSYM_CRASH_ID_SIZE (out is then
 * unspecified). Sets no error detail. */
NSYM_EXTERN int nsym_crash_id(char *out, const char *s, size_t len);

/*
 * Whether a file named file_name (a base name) may be module m by the name
 * the text gives it: the same name; for a PE image (NSYM_FORMAT_PE), whose
 * name Windows compares without case, also in another case, or as
 * debuggers (WinDbg, dbghelp) name its module: without the extension, each
 * character that is not a letter, a digit or '_' as '_'
 * ("rspack_win32_x64_msvc" for "rspack.win32-x64-msvc.node").
 */
NSYM_EXTERN bool nsym_crash_module_named(const struct nsym_crash_module *m, const char *file_name);

/* ---- Warnings ------------------------------------------------------------ */

/*
 * A warning about input that the library goes on past: a line it cannot
 * read and skips, frames past a cap, a file that is not the one that was
 * mapped. `message` is one line ("line 4: cannot read the frame 'x';
 * skipped") with no control character: what it quotes of the input has
 * them as '?', as the crash model's strings do; `kind` names its family as the noun of a count line
 * would
 * ("warnings about the traces", "backtraces cut at the frame cap", "maps
 * lines skipped", "files not the ones that were mapped", "warnings about
 * the modules and frames"). Input can repeat a warning without end (every
 * line of a damaged paste), so a caller that shows warnings caps each kind
 * and counts the rest. Both strings are borrowed for the call only.
 */
typedef void nsym_report_warn_fn(void *ctx, const char *kind, const char *message);

/* ---- Readers ------------------------------------------------------------- */

/*
 * Reads the text of a report file (docs/crash-report.md): strict on what
 * symbolication needs, lenient on the rest, so a report from a newer hook
 * with more fields still reads. 0; NSYM_EINVAL when it is not a report
 * (the detail says why: "not valid JSON (line 3, column 9: ...)", "not a
 * crash report: ...", "crash report version 7 is not known ..."); or
 * NSYM_ENOMEM. On 0, out is released with nsym_crash_release; on an error
 * it holds nothing (zeroed: releasing it anyway is harmless).
 */
NSYM_EXTERN int nsym_crash_from_report(struct nsym_crash *out, const char *text, size_t len);

/*
 * Every compact trace in text (a pasted issue, a log), in order: *out is an
 * array of *count crashes for nsym_crashes_free. Lines that cannot be read
 * are told to warn (may be NULL) and skipped: the rest of a damaged paste is
 * still worth symbolicating. 0 (count may be 0), or NSYM_ENOMEM, which is
 * never taken for a line that cannot be read: the reading stops, and *out
 * is NULL and *count 0.
 */
NSYM_EXTERN int nsym_crash_from_text(struct nsym_crash **out, size_t *count, const char *text,
                                     size_t len, nsym_report_warn_fn *warn, void *ctx);

/* What nsym_crash_from_rust saw besides the backtraces it returns. */
struct nsym_rust_scan {
	size_t panics;           /* "thread '…' panicked at" lines */
	size_t short_backtraces; /* backtraces without addresses (RUST_BACKTRACE=1) */
};

/*
 * Every backtrace Rust printed with RUST_BACKTRACE=full in text (a panic's
 * "stack backtrace:" and its numbered frames), with the panic message and
 * location printed above it, in order. Frames hold absolute addresses only
 * (module -1): nsym_maps_place finds their modules. Arrays and warnings as
 * nsym_crash_from_text; 0, or NSYM_ENOMEM.
 */
NSYM_EXTERN int nsym_crash_from_rust(struct nsym_crash **out, size_t *count,
                                     struct nsym_rust_scan *scan, const char *text, size_t len,
                                     nsym_report_warn_fn *warn, void *ctx);

/*
 * The crash in an .ips crash report of macOS 12 and later
 * (docs/crash-report.md): the line holding its metadata object
 * (bug_type "309") and the report object after it, wherever they are in
 * text (Console's translated report above them and a paste's code fences
 * are passed over). One module per entry of "usedImages" (the UUID as id,
 * NSYM_FORMAT_MACHO, arch, load address and size); the frames of
 * "lastExceptionBacktrace" when there is one, then the crashed thread's,
 * each with its image's offset (how NSYM_OFFSET_GIVEN) and the symbol the
 * report names. A frame that names no image is told to warn (may be NULL)
 * and skipped. 0; NSYM_EINVAL when text holds no .ips or a damaged one
 * (the detail says what, in one line: "the .ips crash report is cut short:
 * …", "… is not valid JSON (line 9, column 3: …)"); or NSYM_ENOMEM. out is
 * always released with nsym_crash_release.
 */
NSYM_EXTERN int nsym_crash_from_ips(struct nsym_crash *out, const char *text, size_t len,
                                    nsym_report_warn_fn *warn, void *ctx);

/*
 * Every text crash report of macOS (.crash, and the translated report
 * Console shows) in text, in order: the header lines, the frames of the
 * "Last Exception Backtrace:" and of "Thread N Crashed:", and the images of
 * "Binary Images:" (load range, UUID, path). A frame's module is the image
 * whose range holds its pc (how NSYM_OFFSET_BASE); one in no image (or
 * pasted without the Binary Images) keeps the module the text names, with
 * a why. Lines may be indented or quoted ("> "). Arrays and warnings as
 * nsym_crash_from_text; 0 (count may be 0), or NSYM_ENOMEM with *out NULL
 * and *count 0.
 */
NSYM_EXTERN int nsym_crash_from_apple_crash(struct nsym_crash **out, size_t *count,
                                            const char *text, size_t len, nsym_report_warn_fn *warn,
                                            void *ctx);

/*
 * Every stack in text that a common tool printed, as users paste them into
 * issues on any OS (docs/crash-report.md, "Traces of other tools"): glibc
 * backtrace_symbols and segfault-handler lines (Linux and macOS),
 * systemd-coredump stacks, the kernel's "segfault at" lines, gdb and lldb
 * `bt`, AddressSanitizer and valgrind reports, minidump_stackwalk text,
 * Bun's crash lines and Node's fatal-error native stacks. Each is
 * recognised from its lines, wherever they are: after a test runner's tag
 * or a timestamp, joined into one line, or wrapped. A frame keeps what the
 * text says: its module (name, path when given), its absolute address,
 * the symbol and offset named, and its offset in the module when the text
 * gives one (GIVEN) or gives the module's load address (BASE, also from
 * another frame of the module that gives both). A frame with an absolute
 * address only stays UNKNOWN, with a why saying a load address is needed.
 * One crash per stack (a thread, an allocation stack); its source names
 * the tool. Arrays and warnings as nsym_crash_from_text; 0 (count may be
 * 0), or NSYM_ENOMEM with *out NULL and *count 0.
 */
NSYM_EXTERN int nsym_crash_from_tools(struct nsym_crash **out, size_t *count, const char *text,
                                      size_t len, nsym_report_warn_fn *warn, void *ctx);

/*
 * Every fault Windows itself recorded in text: the "Application Error"
 * event (event 1000) as Event Viewer shows it, in words ("Faulting module
 * name: addon.node, version: …, time stamp: 0x…", "Fault offset: 0x…",
 * "Faulting module path: …") or as its XML (named or positional <Data>),
 * and the problem signature of Windows Error Reporting: a Report.wer
 * ("Sig[3].Name=Fault Module Name", "Sig[3].Value=…", "LoadedModule[N]="),
 * event 1001's "P1:" to "P10:", the Reliability Monitor's "Fault Module
 * Name:". Each fault is one crash with one frame, the faulting
 * instruction (not a return address): its module (name, path when given,
 * format NSYM_FORMAT_PE and the record's time stamp as `timestamp`) and
 * the offset the record gives (GIVEN). A fault Windows puts in no module
 * ("unknown", "StackHash_…") keeps its address, with module -1 and a why.
 * One fault recorded twice (an event's words and its XML, event 1001 after
 * event 1000) is one crash. The fields are read by their English names,
 * and by their names in the XML and their places in a WER signature,
 * which no language changes. The text is UTF-8 (nsym_report_read turns
 * UTF-16 into it). Arrays and warnings as nsym_crash_from_text; 0 (count
 * may be 0), or NSYM_ENOMEM with *out NULL and *count 0.
 */
NSYM_EXTERN int nsym_crash_from_windows(struct nsym_crash **out, size_t *count, const char *text,
                                        size_t len, nsym_report_warn_fn *warn, void *ctx);

/*
 * Places the frames of module `module` of crash c, which the text gives by
 * a mapping of its file (has_map, as the kernel's segfault line does), by
 * reading the program headers of the module's binary at path (the file
 * that was mapped, not a debug file: those keep no file offsets). With the
 * mapping's file offset the load address is exact; without it, it is the
 * one PT_LOAD segment whose pages the mapping's size fits (4, 16 or 64
 * KiB pages; only executable ones unless the fault was on fetching the
 * frame's address itself), and none when several do. Placed frames become BASE and the
 * module gets its base; otherwise their why says what was missing. 0, or
 * NSYM_ENOMEM with the frames as they were. Reads path here, as
 * nsym_maps_place does.
 */
NSYM_EXTERN int nsym_crash_place_mapping(struct nsym_crash *c, size_t module, const char *path);

/* ---- A saved /proc/PID/maps ---------------------------------------------- */

#define NSYM_MAPS_MAX      (1u << 18) /* far above vm.max_map_count's 65530 */
#define NSYM_MAPS_MAX_LINE 8192       /* a path is at most PATH_MAX (4096) */

/* The mappings of one process; opaque. */
typedef struct nsym_maps nsym_maps;

/*
 * Reads the text of a maps file: every line "START-END PERMS OFFSET DEV
 * INODE [PATH]". A line that is none is told to warn and skipped. 0 with
 * *out to free with nsym_maps_free; NSYM_EINVAL when no line is a mapping;
 * NSYM_ENOMEM (*out is NULL on either).
 */
NSYM_EXTERN int nsym_maps_parse(nsym_maps **out, const char *text, size_t len,
                                nsym_report_warn_fn *warn, void *ctx);
NSYM_EXTERN void nsym_maps_free(nsym_maps *maps);

/*
 * Gives each frame of the count crashes (absolute pc, module -1) the module
 * of the file mapped at its pc, and its address in that file as the program
 * headers state it. The files are read HERE, by the paths the maps name:
 * the maps must come from this machine (a server must not place maps sent
 * to it). A file that is not here, or was replaced since, keeps a module
 * whose why says so (its rel is then the file offset, or the offset in the
 * mapping when the line's OFFSET would put it past 2^64). A pc in no
 * mapping, or in one without a file (JIT code, the stack), keeps module -1.
 * A replaced file is warned about once. 0, or NSYM_ENOMEM: the crashes are
 * then as they were (their frames unplaced), though warnings may have been
 * given.
 */
NSYM_EXTERN int nsym_maps_place(struct nsym_crash *crashes, size_t count, nsym_maps *maps,
                                nsym_report_warn_fn *warn, void *ctx);

/* ---- Load addresses inferred from the trace -------------------------------- */

/* What nsym_crash_infer_load decided. */
struct nsym_infer_result {
	int decided;       /* 1: exactly one load address fits; its frames are placed */
	uint64_t base;     /* that load address */
	size_t candidates; /* load addresses that fit every frame of the module */
	size_t tried;      /* page-aligned load addresses tried */
	size_t frames;     /* frames of the module checked (and placed, when decided) */
	bool by_symbol;    /* decided by frames that name one of its functions with an
	                      offset ("napi_register_module_v1 + 36"), which give the load
	                      address exactly (NSYM_OFFSET_SYMBOL); tried is then 1 */
	char why[320];     /* when not decided: why, in one line; empty when a frame
	                      names one of its functions with an offset, which
	                      nsym_report_run places the module's frames by */
};

/*
 * For a crash whose frames give absolute addresses and no load address (a
 * Rust backtrace on macOS, Node's fatal-error stack), finds where the
 * binary `sym` was opened on (the module's file, or a slice of it; opened
 * without a symcache) was loaded. Its frames are those the text puts in a
 * module named `name`, and those it names after one of its symbols (a
 * stripped addon's frames carry the nearest export); "<unknown>" frames
 * join them when they fit. A load address must be a multiple of the page
 * the loader maps images at, put every frame in the code, put a call
 * instruction before every return address, and make each direct call's
 * target the function that holds the frame below. A frame that names one
 * of sym's functions with its offset ("napi_register_module_v1 + 36")
 * gives the load address exactly; the search is for traces without one.
 * With exactly one, the frames get the module (with sym's identity and
 * this load address), rel and NSYM_OFFSET_INFERRED (NSYM_OFFSET_SYMBOL for
 * those that gave it); with none or several, the module's frames keep
 * out->why. 0, or NSYM_ENOMEM, or NSYM_ENOENT when sym has no code.
 */
NSYM_EXTERN int nsym_crash_infer_load(struct nsym_infer_result *out, struct nsym_crash *c,
                                      nsym_symbolizer *sym, const char *name);

/* ---- Any input ------------------------------------------------------------ */

/* Text to read crashes from, and how messages name it. */
struct nsym_report_input {
	const char *text; /* a report file, or any text holding compact traces or Rust
	                     backtraces; need not be NUL-terminated */
	size_t len;
	const char *name; /* the input in messages, quoted as the caller likes:
	                     "'crash.txt'", "the request"; NULL: "the input" */
	const char *maps; /* the process's /proc/PID/maps as saved, or NULL */
	size_t maps_len;
	const char *maps_name; /* the maps in messages: "'maps.txt'"; NULL: "the maps" */
	const char *maps_how;  /* how a user gives maps, for the hint when a Rust
	                          backtrace has none: "--maps FILE"; NULL: "the maps" */
	/* Rust backtraces with no maps are returned with their frames unplaced
	 * (module -1), for nsym_crash_infer_load, rather than refused */
	bool keep_unplaced;
};

struct nsym_report_options;

/*
 * The crashes in an input: the report when the text is a JSON object (or,
 * when that is no report, the compact traces it quotes); else every compact
 * trace in the text, or when there is none the faults Windows recorded in
 * it (nsym_crash_from_windows) and the stacks of common tools
 * (nsym_crash_from_tools), then, when there are maps, every Rust
 * backtrace placed in the files the maps name (nsym_maps_place: read on
 * this machine). Text in UTF-16 (a byte-order mark, or a NUL after every
 * ASCII character) is read as UTF-8.
 * *out is an array of *count >= 1 crashes for nsym_crashes_free.
 * NSYM_EINVAL when the input holds no crash that can be read, or its maps
 * are not maps: the detail is one line that names the input and says what
 * to do ("'x' holds a Rust backtrace (RUST_BACKTRACE=full) but no compact
 * trace: ... give the process's memory map with --maps FILE ..."); or
 * NSYM_ENOMEM. Warnings go to options->warn; options may be NULL.
 */
NSYM_EXTERN int nsym_report_read(struct nsym_crash **out, size_t *count,
                                 const struct nsym_report_input *input,
                                 const struct nsym_report_options *options);

/* ---- The pipeline: crashes into source lines ------------------------------ */

enum nsym_report_flags {
	NSYM_REPORT_JSON = 1 << 0,      /* JSON rather than text */
	NSYM_REPORT_BASENAMES = 1 << 1, /* source files without their folders */
};

#define NSYM_REPORT_WHY_SIZE 640

/* A module of a crash that needs a debug file, as the pipeline hands it to
 * the resolver, which sets sym or why (or both). */
struct nsym_report_module {
	const struct nsym_crash_module *module; /* borrowed: its path or name, and
	                                           its identity, "" when the text
	                                           gives none */
	size_t index;                           /* in the crash's modules */
	/* an open symbolizer for the module (nsym_symbolizer_open), which the
	 * pipeline owns and closes from then on (unless borrowed); or NULL */
	nsym_symbolizer *sym;
	/* one line: why nothing answers for it when sym is NULL ("no symbols on
	 * the server"), or why only sym's symbol table does; else "". Left ""
	 * with sym NULL, it reads "no debug file found", or "no identity" for
	 * a module the text gives none. */
	char why[NSYM_REPORT_WHY_SIZE];
	/* 1: sym stays the resolver's, lent for the call of
	 * nsym_report_symbolicate (a server's shared open module): the
	 * pipeline uses it on the calling thread and does not close it */
	int borrowed;
};

/*
 * Finds the debug files of a crash's modules: called once per crash, with
 * every module that its frames use and that has no reason yet to stay
 * unresolved (zeroed sym and why, in module order), so the caller can look
 * them up together (in parallel, in one query). A module whose text gives
 * no identity (most tools' traces) comes too: the caller may know its
 * file by its name. It may be called from nowhere else and must not keep
 * the pointers. Returns 0, a file not found included (why says so); or
 * NSYM_ENOMEM when it ran out of memory, which is no reason to call a
 * module unresolved: the crash then fails as if the pipeline had run out
 * itself (any other nonzero value is taken as NSYM_ENOMEM). The
 * symbolizers it set are the pipeline's either way, but those it marked
 * borrowed.
 */
typedef int nsym_report_resolve_fn(void *ctx, struct nsym_report_module *modules, size_t count);

struct nsym_report_options {
	unsigned flags;                  /* NSYM_REPORT_* */
	nsym_report_resolve_fn *resolve; /* NULL: no module resolves */
	nsym_report_warn_fn *warn;       /* NULL: warnings are dropped */
	void *ctx;                       /* handed to resolve and warn */
};

/*
 * Symbolicates the count crashes into out, as `napi-symbols symbolicate`
 * prints them: text (the signal or the panic and where it was raised, then
 * each frame innermost first with its inlined callers, "[addon]" on native
 * addons, why a frame is unresolved, the registers; crashes apart by an
 * empty line) or, with NSYM_REPORT_JSON, one JSON object per crash (an
 * array of them when count > 1) and a final newline. For each crash it
 * decides which modules the frames use and which of those are unresolved
 * already (no identity, not listed in the trace, a reason from the maps),
 * calls options->resolve once with the rest, looks every frame up, and
 * closes the symbolizers. A panic without a location is given the first
 * frame up the stack outside Rust's panic machinery. 0; NSYM_ENOMEM when a
 * crash could not be done, for want of memory here or in the resolver:
 * each crash is looked up whole before any of it is written, so one that
 * fails is left out entirely and out holds the others whole (a JSON array
 * of those, when count > 1; nothing at all, when count is 1); or NSYM_EIO
 * when out has its error indicator set after writing. out is not flushed.
 * Uses out and the symbolizers on the calling thread only.
 */
NSYM_EXTERN int nsym_report_symbolicate(FILE *out, const struct nsym_crash *crashes, size_t count,
                                        const struct nsym_report_options *options);

#ifdef __cplusplus
}
#endif

#endif
