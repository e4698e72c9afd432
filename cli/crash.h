/*
 * A crash as symbolicate reads it back (docs/crash-report.md): from a report
 * file (crash_report.c) or from compact traces found in any text
 * (crash_trace.c). Both give the same model, so the rest of symbolicate
 * does not care which it was. Strings are sanitised as they are read: no
 * control characters reach a terminal from hostile input.
 */
#ifndef NSYM_CLI_CRASH_H
#define NSYM_CLI_CRASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Caps: a report is written by a hook that keeps far fewer. */
#define NSYM_CRASH_MAX_MODULES 4096
#define NSYM_CRASH_MAX_FRAMES  1024
#define NSYM_CRASH_MAX_TEXT    4096 /* bytes kept of any one string */
#define NSYM_CRASH_ID_SIZE     132  /* as struct nsym_fetch's id */

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

#define NSYM_CRASH_MAX_REGISTERS 64

/* A register at the signal, as the report names it ("rip", "x29"…). */
struct nsym_crash_register {
	char name[16];
	uint64_t value;
};

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

/* Reads a report file's text. 0, or -1 with why in err. out is always
 * released with nsym_crash_release. */
int nsym_crash_from_report(struct nsym_crash *out, const char *text, size_t len, char *err,
                           size_t err_size);

/* Every compact trace in text, in order: *out is an array of *count crashes
 * (release each, then free the array). 0 (count may be 0), or -1 with why
 * in err. Lines that cannot be read are reported on stderr (a few, then a
 * count) and skipped. */
int nsym_crash_from_text(struct nsym_crash **out, size_t *count, const char *text, size_t len,
                         char *err, size_t err_size);

/* What nsym_crash_from_rust saw besides the backtraces it returns. */
struct nsym_rust_scan {
	size_t panics;           /* "thread '…' panicked at" lines */
	size_t short_backtraces; /* backtraces without addresses (RUST_BACKTRACE=1) */
};

/*
 * Every backtrace Rust printed with RUST_BACKTRACE=full in text (a panic's
 * "stack backtrace:" and its numbered frames), with the panic message and
 * location printed above it, in order. Frames hold absolute addresses only
 * (module -1): nsym_maps_place (proc_maps.h) finds their modules. Arrays
 * as nsym_crash_from_text; 0, or -1 with why in err.
 */
int nsym_crash_from_rust(struct nsym_crash **out, size_t *count, struct nsym_rust_scan *scan,
                         const char *text, size_t len, char *err, size_t err_size);

void nsym_crash_release(struct nsym_crash *c);

/* crash.c: helpers for both readers. */
/* A copy of s[0..len) (cut at NSYM_CRASH_MAX_TEXT) with control characters
 * as '?'; NULL when out of memory. */
char *nsym_crash_text(const char *s, size_t len);
/* Lowercase hex id from s[0..len): 0, or -1 when it is not hex or too long. */
int nsym_crash_id(char *out, const char *s, size_t len);
/* "0x…" (or bare hex when need_0x is false) as a 64-bit value: 0 or -1. */
int nsym_crash_hex(uint64_t *out, const char *s, size_t len, bool need_0x);
/* FILE:LINE:COLUMN (FILE may hold ':') into c's panic location; loc is
 * cut at the colons. Nothing is set when it is not one. */
void nsym_crash_panic_location(struct nsym_crash *c, char *loc);
/* Room for one more module or frame; -1 at the cap or out of memory. */
int nsym_crash_add_module(struct nsym_crash *c, struct nsym_crash_module **out);
int nsym_crash_add_frame(struct nsym_crash *c, struct nsym_crash_frame **out);

#endif
