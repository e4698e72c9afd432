/*
 * What the allocation-failure walks of the report library share
 * (test_allocfail_report.c walks each reader, test_allocfail_pipeline.c
 * the symbolicate pipeline): one walk's state, the crash model written out
 * as text with snprintf (which does not allocate), and the check of every
 * run: a failed one gives NSYM_ENOMEM saying so and leaves nothing behind,
 * any other the answer of the first unarmed run.
 */
#ifndef NSYM_TEST_ALLOCFAIL_READING_H
#define NSYM_TEST_ALLOCFAIL_READING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "napi_symbols_report.h"

#define ANSWER 32768

/* One walk of a reader or of the pipeline. */
struct reading {
	const char *name;
	int (*read)(struct reading *c); /* the code under test, armed inside */
	const char *const *texts;       /* the inputs, NULL-terminated */
	char *maps;                     /* a maps file's text (maps path) */
	struct nsym_crash *crashes;     /* made unarmed by setup, for place */
	size_t ncrashes;
	unsigned flags;               /* NSYM_REPORT_*, for the pipeline */
	FILE *out;                    /* the pipeline's stream, fresh each run */
	char warnings[8192];          /* what the warning callback was told */
	char answer[ANSWER];          /* this run's, as text */
	char want[ANSWER];            /* the first unarmed run's */
	char before[ANSWER];          /* place: the crashes before placing */
	char left[512];               /* what a failed run left behind, or "" */
	char detail[512];             /* nsym_error_detail() at the failure */
	void (*expect)(const char *); /* asserts the first unarmed answer is right */
};

void reading_add(char *out, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Everything the crash model holds, one field after another. */
void reading_dump(char *out, size_t size, const struct nsym_crash *cs, size_t n);

bool reading_all_zero(const void *p, size_t n);

void reading_setup(void *arg);

int reading_run(void *arg);

void reading_check(void *arg, int rc, long failed_at);

void reading_walk(struct reading *c, void (*setup)(void *), void (*teardown)(void *));

/* What a reader of many crashes gave: on a failure its detail, and what
 * it left behind (it must leave none); else the crashes written out. */
int reading_take_crashes(struct reading *c, int rc, struct nsym_crash *cs, size_t n,
                         void (*show)(char *, size_t, const struct nsym_crash *, size_t));

/* A walk of one reader over its texts, each run starting afresh. */
void reading_walk_reader(const char *name, int (*read)(struct reading *), const char *const *texts,
                         void (*expect)(const char *));

void reading_contains(const char *text, const char *want);

/* What the readers from here on pass over, as their answer lists it. */
void reading_warn(void *ctx, const char *kind, const char *message);

/* The C fixture's identity and frames (find_fixture fills them): a
 * faulting load inlined twice into crash(), and return addresses in
 * checksum_bytes' inline chain and in fib_iter. */
extern char fixture_id[NSYM_CRASH_ID_SIZE];
extern uint64_t fault_rel, chain_rel, fib_rel;
void find_fixture(void);

#endif
