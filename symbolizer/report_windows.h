/*
 * What the readers of Windows' own crash records share: one fault as
 * Windows records it, whichever record gives it (the Application Error
 * event of report_win_event.c, the WER reports of report_wer.c), and the
 * crashes made of the faults a text holds (report_win_fault.c). Shared by
 * those files only.
 */
#ifndef NSYM_REPORT_WINDOWS_H
#define NSYM_REPORT_WINDOWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report.h"

#define NSYM_WIN_NAME 256
#define NSYM_WIN_PATH 1024

/* One fault: the faulting module and the offset of the faulting
 * instruction in it, with what else the record says. */
struct nsym__win_fault {
	size_t at;                  /* where its record starts in the text: faults keep its order */
	const char *record;         /* what recorded it, for the crash's source (static) */
	char event[32];             /* WER's event type ("APPCRASH", "BEX64"), or "" */
	char app[NSYM_WIN_NAME];    /* the program of the process, or "" */
	char module[NSYM_WIN_NAME]; /* the faulting module as the record names it, or "" */
	char path[NSYM_WIN_PATH];   /* its path, or "" */
	char report_id[64];         /* the record's report id, or "" */
	bool has_timestamp, has_code, has_offset;
	uint32_t timestamp; /* the module's COFF TimeDateStamp */
	uint32_t code;      /* the exception code (NTSTATUS) */
	uint64_t offset;    /* of the faulting instruction in the module */
	long long pid;      /* -1 when not given */
};

/* The faults found so far. */
struct nsym__win_faults {
	struct nsym__win_fault *v;
	size_t n;
	bool capped; /* more than the cap were found, and that was said */
	nsym_report_warn_fn *warn;
	void *ctx;
};

/* A fault of nothing yet, whose record starts at offset `at` of the text. */
void nsym__win_fault_init(struct nsym__win_fault *f, size_t at, const char *record);

/* s[0..len) with white space trimmed at both ends, and control characters
 * made '?', into out of size bytes (cut to fit). */
void nsym__win_copy(char *out, size_t size, const char *s, size_t len);

/* The hex number a record's field holds, white space around it allowed,
 * with "0x" before it or not, or twice as Windows 11 writes a process id
 * ("0x0x21CC"): 0, or -1 when s[0..len) is none. */
int nsym__win_hex(uint64_t *out, const char *s, size_t len);

/* s[0..len) compared with word without regard to case. */
bool nsym__win_same(const char *s, size_t len, const char *word);

/* The first needle in [s, e), compared without regard to case, or NULL. */
const char *nsym__win_find(const char *s, const char *e, const char *needle);

/* Keeps f when it names a faulting module: 0, or NSYM_ENOMEM. Past the cap
 * it is warned about once and dropped. */
int nsym__win_fault_add(struct nsym__win_faults *list, const struct nsym__win_fault *f);

/* The scanners: each adds the faults it finds in text to list. 0 or
 * NSYM_ENOMEM. */
int nsym__win_events(struct nsym__win_faults *list, const char *text, size_t len);
int nsym__win_wer(struct nsym__win_faults *list, const char *text, size_t len);

#endif
