/* See allocfail_reading.h. */
#include <check.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allocfail.h"
#include "allocfail_reading.h"
#include "napi_symbols.h"

/* Appends to a buffer of `size` bytes holding a string. */
void reading_add(char *out, size_t size, const char *fmt, ...)
{
	size_t used = strlen(out);
	va_list ap;

	if (used + 1 >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(out + used, size - used, fmt, ap);
	va_end(ap);
}

/* Everything the crash model holds, one field after another. */
void reading_dump(char *out, size_t size, const struct nsym_crash *cs, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		const struct nsym_crash *c = &cs[k];
		reading_add(out, size,
		            "crash %s signal=%s/%d address=%s0x%" PRIx64
		            " panic=%s at %s:%u:%u pid=%lld "
		            "tid=%lld report=%s cut=%d\n",
		            c->reason, c->signal_name ? c->signal_name : "-", c->signal_number,
		            c->has_address ? "" : "none,", c->fault_address,
		            c->panic_message ? c->panic_message : "-",
		            c->panic_file ? c->panic_file : "-", c->panic_line, c->panic_column,
		            c->pid, c->tid, c->report_name ? c->report_name : "-", c->cut);
		for (size_t i = 0; i < c->nmodules; i++)
			reading_add(out, size, " m%zu path=%s id=%s listed=%d why=%s\n", i,
			            c->modules[i].path ? c->modules[i].path : "-", c->modules[i].id,
			            c->modules[i].listed,
			            c->modules[i].why ? c->modules[i].why : "-");
		for (size_t i = 0; i < c->nframes; i++)
			reading_add(out, size,
			            " f%zu m%d pc=0x%" PRIx64 " rel=0x%" PRIx64 " ret=%d\n", i,
			            c->frames[i].module, c->frames[i].pc, c->frames[i].rel,
			            c->frames[i].return_address);
		for (size_t i = 0; i < c->nregisters; i++)
			reading_add(out, size, " %s=0x%" PRIx64 "\n", c->registers[i].name,
			            c->registers[i].value);
	}
}

bool reading_all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		if (b[i] != 0)
			return false;
	}
	return true;
}

void reading_setup(void *arg)
{
	struct reading *c = arg;

	allocfail_plant_detail();
	c->warnings[0] = c->answer[0] = c->left[0] = c->detail[0] = '\0';
}

int reading_run(void *arg)
{
	struct reading *c = arg;
	int rc = c->read(c);

	if (rc == 0)
		reading_add(c->answer, sizeof(c->answer), "warnings:\n%s", c->warnings);
	return rc;
}

void reading_check(void *arg, int rc, long failed_at)
{
	struct reading *c = arg;

	if (failed_at != 0 && rc != 0) {
		allocfail_check_enomem(c->name, failed_at, rc, c->detail);
		ck_assert_msg(c->left[0] == '\0', "%s: allocation %ld failing left %s", c->name,
		              failed_at, c->left);
		return;
	}
	ck_assert_msg(rc == 0, "%s: %d (%s) with no allocation failing", c->name, rc, c->detail);
	if (c->want[0] == '\0') {
		c->expect(c->answer);
		snprintf(c->want, sizeof(c->want), "%s", c->answer);
	}
	ck_assert_msg(
	    strcmp(c->answer, c->want) == 0,
	    "%s: allocation %ld failing gave another answer\n%.1500s\ninstead of\n%.1500s", c->name,
	    failed_at, c->answer, c->want);
}

void reading_walk(struct reading *c, void (*setup)(void *), void (*teardown)(void *))
{
	struct allocfail_path p = {c->name, c, setup, reading_run, reading_check, teardown};
	struct allocfail_walked w;

	allocfail_walk(&w, &p);
	ck_assert_int_gt(w.failed, 0);
}

/* What a reader of many crashes gave: on a failure its detail, and what
 * it left behind (it must leave none); else the crashes written out. */
int reading_take_crashes(struct reading *c, int rc, struct nsym_crash *cs, size_t n,
                         void (*show)(char *, size_t, const struct nsym_crash *, size_t))
{
	if (rc != 0) {
		snprintf(c->detail, sizeof(c->detail), "%s", nsym_error_detail());
		if (cs != NULL || n != 0)
			snprintf(c->left, sizeof(c->left), "%zu crashes", n);
	} else {
		show(c->answer, sizeof(c->answer), cs, n);
	}
	nsym_crashes_free(cs, n);
	return rc;
}

/* A walk of one reader over its texts, each run starting afresh. */
void reading_walk_reader(const char *name, int (*read)(struct reading *), const char *const *texts,
                         void (*expect)(const char *))
{
	struct reading *c = calloc(1, sizeof(*c));

	ck_assert_ptr_nonnull(c);
	c->name = name;
	c->read = read;
	c->texts = texts;
	c->expect = expect;
	reading_walk(c, reading_setup, NULL);
	free(c);
}

void reading_contains(const char *text, const char *want)
{
	ck_assert_msg(strstr(text, want) != NULL, "no '%s' in:\n%.3000s", want, text);
}

/* What the readers from here on pass over, as their answer lists it. */
void reading_warn(void *ctx, const char *kind, const char *message)
{
	struct reading *c = ctx;
	reading_add(c->warnings, sizeof(c->warnings), "%s: %s\n", kind, message);
}

#define FIXTURE_DEBUG NSYM_FIXTURES_DIR "/c/addon.node.debug"

/* The frames of the fixture: a faulting load inlined twice into crash(),
 * and return addresses in checksum_bytes' inline chain and in fib_iter. */
uint64_t fault_rel, chain_rel, fib_rel;
char fixture_id[NSYM_CRASH_ID_SIZE];

void find_fixture(void)
{
	nsym_object *obj = NULL;
	nsym_symbolizer *sym = NULL;
	struct nsym_identity id;
	struct nsym_frames fr = {0};

	ck_assert_msg(nsym_object_open(&obj, FIXTURE_DEBUG) == 0, "%s", nsym_error_detail());
	ck_assert_int_eq(nsym_object_identity(&id, obj), 0);
	ck_assert_int_eq(nsym_identity_hex(fixture_id, sizeof(fixture_id), &id), 0);
	nsym_object_close(obj);
	ck_assert_int_eq(nsym_symbolizer_open(&sym, FIXTURE_DEBUG, NULL), 0);
	fault_rel = chain_rel = fib_rel = 0;
	for (uint64_t a = 0x1000; a < 0x40000 && (fault_rel == 0 || chain_rel == 0 || fib_rel == 0);
	     a++) {
		ck_assert_int_eq(nsym_symbolizer_lookup(&fr, sym, a, 0), 0);
		if (fault_rel == 0 && fr.count == 3 &&
		    strcmp(fr.frames[0].function, "load_slot") == 0 &&
		    strcmp(fr.frames[2].function, "crash") == 0)
			fault_rel = a;
		if (chain_rel == 0 && fr.count >= 3 && strcmp(fr.frames[0].function, "rotl32") == 0)
			chain_rel = a + 1; /* a return address: looked up at a */
		if (fib_rel == 0 && fr.count >= 1 &&
		    strcmp(fr.frames[fr.count - 1].function, "fib_iter") == 0)
			fib_rel = a + 1;
	}
	ck_assert_msg(fault_rel != 0 && chain_rel != 0 && fib_rel != 0, "the fixture's frames");
	nsym_frames_release(&fr);
	nsym_symbolizer_close(sym);
}
