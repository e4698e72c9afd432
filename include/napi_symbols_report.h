/*
 * napi_symbols_report.h: crashes read back from text, the part of libnsym
 * behind `napi-symbols symbolicate`. The readers turn a crash report file,
 * the compact traces found in any text, or the backtraces Rust prints under
 * RUST_BACKTRACE=full (placed with the process's saved /proc/PID/maps) into
 * one crash model (docs/crash-report.md), so the rest does not care which
 * it was. Strings are sanitised as they are read: no control character of
 * hostile input reaches a terminal.
 *
 * Same conventions as napi_symbols.h. The readers never print: what they
 * pass over is told through a warning callback that the caller supplies.
 */
#ifndef NAPI_SYMBOLS_REPORT_H
#define NAPI_SYMBOLS_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
	char *why; /* maps input: why the file cannot be used (gone, replaced), or NULL */
};

struct nsym_crash_frame {
	int module;          /* index in modules; -1 when no module holds pc */
	uint64_t pc;         /* absolute; 0 when unknown (a trace's module frames) */
	uint64_t rel;        /* pc - the module's base */
	bool return_address; /* false only for a signal's faulting frame */
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
	bool cut;           /* a trace without its "end" line */
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

/* ---- Warnings ------------------------------------------------------------ */

/*
 * A warning about input that the library goes on past: a line it cannot
 * read and skips, frames past a cap, a file that is not the one that was
 * mapped. `message` is one line ("line 4: cannot read the frame 'x';
 * skipped"); `kind` names its family as the noun of a count line would
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
 * NSYM_ENOMEM. out is always released with nsym_crash_release.
 */
NSYM_EXTERN int nsym_crash_from_report(struct nsym_crash *out, const char *text, size_t len);

/*
 * Every compact trace in text (a pasted issue, a log), in order: *out is an
 * array of *count crashes for nsym_crashes_free. Lines that cannot be read
 * are told to warn (may be NULL) and skipped: the rest of a damaged paste is
 * still worth symbolicating. 0 (count may be 0), or NSYM_ENOMEM.
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

/* ---- A saved /proc/PID/maps ---------------------------------------------- */

#define NSYM_MAPS_MAX      (1u << 18) /* far above vm.max_map_count's 65530 */
#define NSYM_MAPS_MAX_LINE 8192       /* a path is at most PATH_MAX (4096) */

/* The mappings of one process; opaque. */
typedef struct nsym_maps nsym_maps;

/*
 * Reads the text of a maps file: every line "START-END PERMS OFFSET DEV
 * INODE [PATH]". A line that is none is told to warn and skipped. 0 with
 * *out to free with nsym_maps_free; NSYM_EINVAL when no line is a mapping;
 * NSYM_ENOMEM.
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
 * A replaced file is warned about once. 0, or NSYM_ENOMEM.
 */
NSYM_EXTERN int nsym_maps_place(struct nsym_crash *crashes, size_t count, nsym_maps *maps,
                                nsym_report_warn_fn *warn, void *ctx);

#ifdef __cplusplus
}
#endif

#endif
