/*
 * `symbolicate` through a server (symbolicate_remote.h): when no debug file
 * of the crash is on this machine, the server that holds them reads the
 * text and answers in source lines, so nothing of hundreds of megabytes is
 * downloaded for one stack. The text was read here first: what is printed
 * about reading it comes from here, and only a crash the server can read
 * alone is sent (no --module, --maps or inferred load address: the caller
 * checks those).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "commands.h"
#include "debug_fetch.h"
#include "symbolicate_remote.h"

/* Whether path is here and an image of it is the build id with debug info. */
static bool debug_file_here(const char *path, const char *id)
{
	nsym_file *f = NULL;
	bool found = false;

	if (access(path, R_OK) != 0 || nsym_file_open(&f, path) != 0)
		return false;
	for (size_t i = 0; i < nsym_file_image_count(f) && !found; i++) {
		const struct nsym_image *im = nsym_file_image(f, i);
		char got[NSYM_IMAGE_ID_SIZE];
		if (!im->has_debug_info || nsym_image_id(got, sizeof(got), im, NSYM_ID_NATIVE) != 0)
			continue;
		for (char *p = got; *p != '\0'; p++)
			*p = (char)(*p >= 'A' && *p <= 'F' ? *p + 32 : *p);
		found = strcmp(got, id) == 0;
	}
	nsym_file_close(f);
	return found;
}

/* The identities of the modules the crashes' frames use, into jobs (the
 * caller frees *out); true when the debug file of one of them is here. */
static bool any_here(struct nsym_fetch **out, size_t *count, const struct nsym_crash *crashes,
                     size_t n)
{
	struct nsym_fetch *jobs = NULL, *grown;
	size_t used = 0, cap = 0;

	*out = NULL;
	*count = 0;
	for (size_t k = 0; k < n; k++) {
		const struct nsym_crash *c = &crashes[k];
		for (size_t i = 0; i < c->nframes; i++) {
			const struct nsym_crash_frame *f = &c->frames[i];
			const struct nsym_crash_module *m;
			if (f->module < 0 || f->why != NULL || (size_t)f->module >= c->nmodules)
				continue;
			m = &c->modules[f->module];
			if (m->id[0] == '\0')
				continue;
			if (m->path != NULL && debug_file_here(m->path, m->id)) {
				free(jobs);
				return true;
			}
			if (used == cap) {
				cap = cap == 0 ? 16 : cap * 2;
				if ((grown = realloc(jobs, cap * sizeof(*jobs))) == NULL) {
					free(jobs);
					return true; /* out of memory: the usual way */
				}
				jobs = grown;
			}
			memset(&jobs[used], 0, sizeof(*jobs));
			snprintf(jobs[used].id, sizeof(jobs[used].id), "%s", m->id);
			jobs[used++].kind = "debuginfo";
		}
	}
	*out = jobs;
	*count = used;
	return false;
}

/* Whether the crashes need debug files, and none is here or cached. */
static bool needs_server(const struct nsym_crash *crashes, size_t n, const char *servers)
{
	struct nsym_fetch *jobs;
	size_t count;
	char err[512];
	bool asked, need;

	if (any_here(&jobs, &count, crashes, n))
		return false;
	need = count > 0 && nsym_cli_debug_files_by_id(&asked, jobs, count, servers, false, err,
	                                               sizeof(err)) == 0;
	for (size_t i = 0; need && i < count; i++)
		need = jobs[i].state != NSYM_FETCH_CACHED;
	/* a symcache downloaded before stands for the debug file */
	for (size_t i = 0; i < count; i++)
		jobs[i].kind = "symcache";
	if (need && nsym_cli_debug_files_by_id(&asked, jobs, count, servers, false, err,
	                                       sizeof(err)) == 0) {
		for (size_t i = 0; need && i < count; i++)
			need = jobs[i].state != NSYM_FETCH_CACHED;
	}
	free(jobs);
	return need;
}

/* The first line of a server's answer, printable, for a warning. */
static void first_line(char *out, size_t size, const char *body)
{
	size_t n = 0;

	for (const char *p = body != NULL ? body : ""; *p != '\0' && *p != '\n' && n + 1 < size;
	     p++)
		out[n++] = (unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p;
	out[n] = '\0';
}

/* Says why server gave no answer to print, and what happens next. */
static void warn_unanswered(const char *server, const struct nsym_symbolicate_reply *a, bool last)
{
	const char *next = last ? "fetching the debug files instead" : "asking the next server";
	char line[300];

	first_line(line, sizeof(line), a->body);
	if (a->status == 0)
		nsym_cli_error("warning: cannot symbolicate on %s: %s; %s", server, a->error, next);
	else if (a->status == 404 || a->status == 405 || (a->status == 200 && !a->typed))
		nsym_cli_error("warning: %s has no symbolicate route (an older napi-symbols "
		               "server, or another kind of server); %s",
		               server, next);
	else
		nsym_cli_error("warning: %s did not symbolicate the crash (HTTP %ld: %s); %s",
		               server, a->status, line, next);
}

bool nsym_cli_symbolicate_remote(const char *text, size_t len, const struct nsym_crash *crashes,
                                 size_t n, const char *servers, bool json, bool basenames)
{
	struct nsym_client *c = calloc(1, sizeof(*c));
	bool printed = false;
	char err[512];

	if (c == NULL || nsym_client_init(c, servers, NULL, err, sizeof(err)) != 0 || !c->ours ||
	    c->nservers == 0 || !needs_server(crashes, n, servers))
		goto out;
	for (size_t i = 0; i < c->nservers && !printed; i++) {
		struct nsym_symbolicate_reply a;
		if (nsym_client_symbolicate(&a, c, c->servers[i], text, len, json, basenames) ==
		        0 &&
		    a.status == 200 && a.typed) {
			fwrite(a.body != NULL ? a.body : "", 1, a.len, stdout);
			printed = true;
		} else {
			warn_unanswered(c->servers[i], &a, i + 1 == c->nservers);
		}
		free(a.body);
	}
out:
	free(c);
	return printed;
}
