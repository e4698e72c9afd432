/*
 * The symbolicate pipeline (napi_symbols_report.h): a crash's frames to the
 * modules they use, those modules to debug files through the caller's
 * resolver, and every frame looked up and written (report_format.c). Each
 * module that cannot be resolved keeps why, since "??" alone tells a
 * maintainer nothing. Finding files is the resolver's: the CLI's asks its
 * --module files, the cache and the servers, the server's asks its store.
 * A crash is looked up whole before a byte of it is written, so one that
 * runs out of memory is left out entirely and the output stays whole.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "report.h"

#define WARN_RUN "warnings about the modules and frames"

/* The modules that need a file, in module order; the others' reasons go
 * straight into their slots. NULL out of memory. */
static struct nsym_report_module *needs(size_t *count, const struct nsym__report_run *r)
{
	const struct nsym_crash *c = r->c;
	struct nsym_report_module *need = calloc(c->nmodules + 1, sizeof(*need));
	bool *used = calloc(c->nmodules + 1, sizeof(*used));
	size_t n = 0;

	if (need == NULL || used == NULL) {
		free(need);
		need = NULL;
		goto out;
	}
	for (size_t i = 0; i < c->nframes; i++) {
		if (nsym__crash_frame_placed(&c->frames[i]) ||
		    nsym__report_by_symbol(&c->frames[i]))
			used[c->frames[i].module] = true;
	}
	for (size_t i = 0; i < c->nmodules; i++) {
		const struct nsym_crash_module *m = &c->modules[i];
		char *why = r->slots[i].why;
		if (!used[i])
			continue;
		if (m->why != NULL)
			snprintf(why, NSYM_REPORT_WHY_SIZE, "%s", m->why);
		else if (!m->listed)
			snprintf(why, NSYM_REPORT_WHY_SIZE,
			         "module m%zu is not listed in the trace", i);
		else /* without an identity too: the resolver may know it by name */
			need[n++] = (struct nsym_report_module){.module = m, .index = i};
	}
out:
	free(used);
	*count = n;
	return need;
}

/* Every module the frames use: its symbolizer, or why it has none. 0, or
 * NSYM_ENOMEM (ours, or the resolver's). */
static int resolve(const struct nsym__report_run *r)
{
	size_t n;
	struct nsym_report_module *need = needs(&n, r);
	int rc = 0;

	if (need == NULL)
		return NSYM_ENOMEM;
	if (n > 0 && r->o->resolve != NULL && r->o->resolve(r->o->ctx, need, n) != 0)
		rc = NSYM_ENOMEM;
	/* what it opened is closed with the rest, whatever it returned */
	for (size_t k = 0; k < n; k++) {
		struct nsym__report_slot *s = &r->slots[need[k].index];
		s->sym = need[k].sym;
		s->borrowed = need[k].borrowed != 0;
		need[k].why[NSYM_REPORT_WHY_SIZE - 1] = '\0';
		if (s->sym == NULL && need[k].why[0] == '\0')
			snprintf(s->why, sizeof(s->why), "%s",
			         need[k].module->id[0] == '\0' ? "no identity"
			                                       : nsym_strerror(NSYM_ENODEBUG));
		else
			memcpy(s->why, need[k].why, sizeof(s->why));
	}
	free(need);
	return rc;
}

/* Frame i's answer, innermost first with its inlined callers, appended to
 * r->answers with its count in r->found[i] (views() points them there
 * once all are in); none when its module has no symbolizer, or the lookup
 * failed on damaged DWARF (which is warned about). 0 or NSYM_ENOMEM. */
static int look_up(struct nsym__report_run *r, size_t i)
{
	const struct nsym_crash_frame *f = &r->c->frames[i];
	struct nsym_frames *all = &r->answers;
	nsym_symbolizer *sym;
	int rc;

	if (!nsym__crash_frame_placed(f) || (sym = r->slots[f->module].sym) == NULL)
		return 0;
	/* rel counts from the image's start; a Mach-O file's addresses from
	 * where __TEXT is linked */
	rc = nsym_symbolizer_lookup(&r->one, sym, f->rel + nsym_symbolizer_image_base(sym),
	                            f->return_address ? NSYM_LOOKUP_RETURN_ADDRESS : 0);
	if (rc == NSYM_ENOMEM)
		return rc;
	if (rc != 0) {
		nsym__report_warn(r->o->warn, r->o->ctx, WARN_RUN, "frame #%zu: %s", i,
		                  nsym_error_detail());
		return 0;
	}
	if (nsym__grow((void **)&all->frames, &all->capacity, all->count + r->one.count,
	               sizeof(*all->frames)) != 0)
		return NSYM_ENOMEM;
	memcpy(all->frames + all->count, r->one.frames, r->one.count * sizeof(*all->frames));
	all->count += r->one.count;
	r->found[i].count = r->one.count;
	return 0;
}

/* found[i] pointed at their frames in r->answers, which no longer moves. */
static void views(struct nsym__report_run *r)
{
	struct nsym_frame *at = r->answers.frames;

	for (size_t i = 0; i < r->c->nframes; i++) {
		if (r->found[i].count == 0)
			continue; /* and at may be NULL, which takes no offset */
		r->found[i].frames = at;
		r->found[i].capacity = r->found[i].count;
		at += r->found[i].count;
	}
}

/* Resolves and looks up crash c into r: 0 or NSYM_ENOMEM. r is then for
 * done() whatever this returned. */
static int prepare(struct nsym__report_run *r, FILE *out, const struct nsym_crash *c,
                   const struct nsym_report_options *o)
{
	int rc;

	*r = (struct nsym__report_run){.out = out,
	                               .o = o,
	                               .c = &r->copy,
	                               .slots = calloc(c->nmodules + 1, sizeof(*r->slots)),
	                               .found = calloc(c->nframes + 1, sizeof(*r->found)),
	                               .copy = *c,
	                               .frames = calloc(c->nframes + 1, sizeof(*r->frames)),
	                               .whys = calloc(c->nframes + 1, sizeof(*r->whys))};
	rc = r->slots != NULL && r->found != NULL && r->frames != NULL && r->whys != NULL
	         ? 0
	         : NSYM_ENOMEM;
	if (rc == 0 && c->nframes > 0)
		memcpy(r->frames, c->frames, c->nframes * sizeof(*r->frames));
	r->copy.frames = r->frames;
	if (rc == 0)
		rc = resolve(r);
	if (rc == 0)
		rc = nsym__report_place_symbols(r);
	for (size_t i = 0; rc == 0 && i < c->nframes; i++)
		rc = look_up(r, i);
	if (rc == 0)
		views(r);
	return rc;
}

static void write_crash(const struct nsym__report_run *r)
{
	const struct nsym_crash *c = r->c;
	struct nsym__raised_at raised, *found = NULL;

	if (strcmp(c->reason, "panic") == 0 && c->panic_file == NULL &&
	    nsym__report_find_raise(&raised, r))
		found = &raised;
	nsym__report_reason(r, found);
	for (size_t i = 0; i < c->nframes; i++)
		nsym__report_frame(r, i, &r->found[i]);
	nsym__report_end(r);
}

static void done(struct nsym__report_run *r)
{
	nsym_frames_release(&r->answers);
	nsym_frames_release(&r->one);
	for (size_t i = 0; r->slots != NULL && i < r->c->nmodules; i++)
		if (!r->slots[i].borrowed)
			nsym_symbolizer_close(r->slots[i].sym);
	for (size_t i = 0; r->whys != NULL && i < r->c->nframes; i++)
		free(r->whys[i]);
	free(r->whys);
	free(r->frames);
	free(r->found);
	free(r->slots);
}

int nsym_report_symbolicate(FILE *out, const struct nsym_crash *crashes, size_t count,
                            const struct nsym_report_options *options)
{
	static const struct nsym_report_options none = {0};
	const struct nsym_report_options *o = options != NULL ? options : &none;
	size_t written = 0;
	int rc = 0;

	nsym__report_open(out, o->flags, count);
	for (size_t i = 0; i < count; i++) {
		struct nsym__report_run r;
		if (prepare(&r, out, &crashes[i], o) == 0) {
			nsym__report_between(out, o->flags, written++);
			write_crash(&r);
		} else {
			rc = NSYM_ENOMEM;
		}
		done(&r);
	}
	nsym__report_close(out, o->flags, count, written);
	if (rc != 0)
		return nsym__fail(rc, NULL, NULL);
	/* not flushed: the caller flushes or closes out, and sees what that says */
	if (ferror(out))
		return nsym__fail(NSYM_EIO, NULL, "cannot write the output");
	return 0;
}
