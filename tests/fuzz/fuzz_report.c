/*
 * The report library's promises, checked for the harnesses that drive it
 * (fuzz_report.h): the crash model its readers build, the warnings they
 * tell, and the detail of a failure.
 */
#include <string.h>

#include "fuzz_report.h"
#include "fuzz_util.h"

void fuzz_warn(void *ctx, const char *kind, const char *message)
{
	struct fuzz_warnings *w = ctx;

	fuzz_check_line("a warning's kind", kind);
	fuzz_check_line("a warning", message);
	if (kind[0] == '\0' || strlen(kind) > 80)
		fuzz_fail("a warning's kind is not a short noun: \"%s\"", kind);
	if (message[0] == '\0')
		fuzz_fail("an empty warning of kind \"%s\"", kind);
	fuzz_say("warning (%s): %s", kind, message);
	w->n++;
}

/* A string of the model: NULL, or printable and within the cap. */
static void check_text(const char *what, const char *s)
{
	if (s == NULL)
		return;
	fuzz_check_line(what, s);
	if (strlen(s) > NSYM_CRASH_MAX_TEXT)
		fuzz_fail("%s is %zu bytes, over NSYM_CRASH_MAX_TEXT", what, strlen(s));
}

static void check_id(const char *id)
{
	size_t len = strnlen(id, NSYM_CRASH_ID_SIZE);

	if (len == NSYM_CRASH_ID_SIZE)
		fuzz_fail("a module's id is not terminated within NSYM_CRASH_ID_SIZE");
	if (strspn(id, "0123456789abcdef") != len)
		fuzz_fail("a module's id is not lowercase hex: \"%s\"", id);
}

void fuzz_check_crash(const struct nsym_crash *c)
{
	if (strcmp(c->reason, "signal") != 0 && strcmp(c->reason, "panic") != 0 &&
	    strcmp(c->reason, "manual") != 0)
		fuzz_fail("reason \"%.16s\" is not signal, panic or manual", c->reason);
	check_text("the signal name", c->signal_name);
	check_text("the panic message", c->panic_message);
	check_text("the panic file", c->panic_file);
	check_text("the report name", c->report_name);
	if (c->pid < -1 || c->tid < -1)
		fuzz_fail("pid %lld or tid %lld below -1", c->pid, c->tid);
	if (c->nmodules > NSYM_CRASH_MAX_MODULES || c->nframes > NSYM_CRASH_MAX_FRAMES ||
	    c->nregisters > NSYM_CRASH_MAX_REGISTERS)
		fuzz_fail("%zu modules, %zu frames, %zu registers: past a cap", c->nmodules,
		          c->nframes, c->nregisters);
	if ((c->nmodules > 0 && c->modules == NULL) || (c->nframes > 0 && c->frames == NULL))
		fuzz_fail("a count without its array");
	for (size_t i = 0; i < c->nmodules; i++) {
		const struct nsym_crash_module *m = &c->modules[i];
		check_text("a module's path", m->path);
		check_text("why a module cannot be used", m->why);
		check_id(m->id);
		fuzz_say("module %zu: %s id '%s'%s %s", i, m->path != NULL ? m->path : "(none)",
		         m->id, m->listed ? "" : " (not listed)", m->why != NULL ? m->why : "");
	}
	for (size_t i = 0; i < c->nframes; i++) {
		const struct nsym_crash_frame *f = &c->frames[i];
		if (f->module < -1 || (f->module >= 0 && (size_t)f->module >= c->nmodules))
			fuzz_fail("frame %zu names module %d of %zu", i, f->module, c->nmodules);
	}
	for (size_t i = 0; i < c->nregisters; i++) {
		const char *name = c->registers[i].name;
		size_t len = strnlen(name, sizeof(c->registers[i].name));
		if (len == 0 || len == sizeof(c->registers[i].name))
			fuzz_fail("register %zu has an empty or unterminated name", i);
		fuzz_check_line("a register's name", name);
	}
}

void fuzz_check_report_error(int rc)
{
	fuzz_check_error(rc, "");
	fuzz_check_line("an error detail", nsym_error_detail());
}
