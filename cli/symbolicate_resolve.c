/*
 * symbolicate's resolver: where each module's debug file comes from
 * (symbolicate_resolve.h). A module is looked up by the identity the text
 * gives, or that of the --module file named like it; a PE image by the
 * PDB its CodeView record names. Local files are opened first; the rest
 * are fetched from the cache and the servers together, a symcache where it
 * is all the answer needs.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "commands.h"
#include "debug_fetch.h"
#include "napi_symbols.h"
#include "napi_symbols_report.h"
#include "napi_symbols_util.h"
#include "pe_search.h"
#include "symbolicate_resolve.h"

/* The identity a module is looked up by: the text's, or that of the
 * --module file named like it. */
struct found {
	char id[NSYM_CRASH_ID_SIZE]; /* "" when there is none */
	bool macho;                  /* a Mach-O slice: opened by its UUID */
	/* a PE image: its debug info is the PDB its CodeView record names,
	 * looked up by that PDB's id, beside the image itself (binary) */
	bool pe;
	char pdb[NSYM_CRASH_ID_SIZE]; /* the PDB's GUID and age, lowercase; "" none */
	char pdb_name[256];           /* its file name, as a SymSrv store keys it */
	char name[256];               /* the image's, likewise */
	char binary[4200];            /* the image on this machine, or "" */
};

static bool same_id(const char *path, const char *id)
{
	return nsym_cli_file_has_id(path, id);
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash != NULL ? slash + 1 : path;
}

/* The identities of every image of path ("a, b" for a universal file),
 * lowercase; "none" when it has none. */
static void file_ids(char *out, size_t size, const char *path)
{
	nsym_file *f = NULL;
	char id[NSYM_IMAGE_ID_SIZE];
	size_t used = 0;

	out[0] = '\0';
	if (nsym_file_open(&f, path) == 0) {
		for (size_t i = 0; i < nsym_file_image_count(f) && used < size; i++) {
			if (nsym_image_id(id, sizeof(id), nsym_file_image(f, i), NSYM_ID_NATIVE) !=
			    0)
				continue;
			for (char *p = id; *p != '\0'; p++)
				*p = (char)(*p >= 'A' && *p <= 'F' ? *p + 32 : *p);
			used += (size_t)snprintf(out + used, size - used, "%s%s",
			                         used > 0 ? ", " : "", id);
		}
		nsym_file_close(f);
	}
	if (out[0] == '\0')
		snprintf(out, size, "none");
}

/* A --module file named as m is but of another build is not used for m:
 * said, since the user gave it for this crash and gets no answer from it. */
static void warn_other_build(struct run *run, const struct nsym_crash_module *m)
{
	const struct symbolicate_opts *o = run->o;
	const char *name = m->name != NULL ? m->name : m->path != NULL ? base_name(m->path) : NULL;
	char ids[512];

	for (size_t i = 0; name != NULL && i < o->nmods; i++) {
		if (o->mods[i].id_given || strcmp(base_name(o->mods[i].path), name) != 0)
			continue;
		file_ids(ids, sizeof(ids), o->mods[i].path);
		nsym_cli_warn_kindf(
		    &run->warnings, WARN_RUN,
		    "--module '%s' is not the build of %s the crash names (%s %s; the "
		    "file has %s); not used for it",
		    o->mods[i].path, name, m->format == NSYM_FORMAT_MACHO ? "UUID" : "identity",
		    m->id, ids);
	}
}

/* The last component of path, at '/' or '\' (a Windows path in the text),
 * without the '/' that may end a .dSYM bundle's name. */
static size_t base_of(const char **out, const char *path)
{
	size_t n = strlen(path);

	while (n > 1 && path[n - 1] == '/')
		n--;
	*out = path;
	for (size_t i = 0; i < n; i++)
		if (path[i] == '/' || path[i] == '\\')
			*out = path + i + 1;
	return n - (size_t)(*out - path);
}

/* The module's name as the text gives it. */
static const char *module_name(const struct nsym_crash_module *m)
{
	const char *b;

	if (m->name != NULL)
		return m->name;
	if (m->path == NULL)
		return "";
	base_of(&b, m->path);
	return b;
}

/* How the file at path is named like module m: 2 the binary itself (for a
 * PE image, also in another case or as debuggers name its module), 1 its
 * debug file NAME.debug or its bundle NAME.dSYM, 0 not. */
static int named_like(const char *path, const struct nsym_crash_module *m)
{
	const char *b, *name = module_name(m);
	size_t n = base_of(&b, path), len = strlen(name);
	char file[1024];

	snprintf(file, sizeof(file), "%.*s", (int)n, b);
	if (len > 0 && nsym_crash_module_named(m, file))
		return 2;
	if (len == 0 || n < len || memcmp(b, name, len) != 0)
		return 0;
	return (n == len + 6 && memcmp(b + len, ".debug", 6) == 0) ||
	       (n == len + 5 && memcmp(b + len, ".dSYM", 5) == 0);
}

/* The PDB a PE image names, into out->pdb; the image is out->binary. */
static void pe_image(struct found *out, const struct nsym_image *im, const char *path)
{
	const char *b;

	out->pe = true;
	snprintf(out->binary, sizeof(out->binary), "%s", path);
	if (nsym_image_id(out->pdb, sizeof(out->pdb), im, NSYM_ID_PDB) != 0)
		out->pdb[0] = '\0';
	/* the PDB's name as the linker recorded it, a Windows path */
	base_of(&b, im->pdb_name != NULL ? im->pdb_name : "");
	snprintf(out->pdb_name, sizeof(out->pdb_name), "%s", b);
	for (char *p = out->pdb; *p != '\0'; p++)
		*p = (char)(*p >= 'A' && *p <= 'F' ? *p + 32 : *p);
}

/* When path is a PE image, its PDB's id and itself into out. */
static void pe_file(struct found *out, const char *path)
{
	nsym_file *f = NULL;

	if (nsym_file_open(&f, path) != 0)
		return;
	if (nsym_file_format(f) == NSYM_FORMAT_PE && nsym_file_image_count(f) == 1)
		pe_image(out, nsym_file_image(f, 0), path);
	nsym_file_close(f);
}

/* The identity of the image of path a module of the text is: the only
 * one, or the slice of its architecture; 0, or -1 with why. */
static int file_identity(struct found *out, const char *path, const struct nsym_crash_module *m,
                         char *why, size_t size)
{
	nsym_file *f = NULL;
	const struct nsym_image *im = NULL;
	const char *arch = m->arch;
	int rc = -1;

	if (nsym_file_open(&f, path) != 0) {
		snprintf(why, size, "--module %s", nsym_error_detail());
		return -1;
	}
	for (size_t i = 0; i < nsym_file_image_count(f); i++) {
		const struct nsym_image *it = nsym_file_image(f, i);
		if (nsym_file_image_count(f) == 1 || strcmp(it->arch, arch) == 0)
			im = it;
	}
	if (im == NULL)
		snprintf(why, size,
		         arch[0] != '\0' ? "--module '%s' has no %s slice"
		                         : "--module '%s' is a universal file, and the text does "
		                           "not say which architecture%s",
		         path, arch);
	else if (nsym_image_id(out->id, sizeof(out->id), im, NSYM_ID_NATIVE) != 0)
		snprintf(why, size, "--module '%s' has no identity", path);
	else if (m->has_timestamp && im->format == NSYM_FORMAT_PE && im->timestamp != m->timestamp)
		/* Windows' records give the build by its time stamp */
		snprintf(why, size,
		         "--module '%s' is another build of %s: its time stamp is %08x, the "
		         "crash's %08x",
		         path, module_name(m), (unsigned)im->timestamp, (unsigned)m->timestamp);
	else
		rc = 0;
	if (rc == 0 && im->format == NSYM_FORMAT_PE)
		pe_image(out, im, path);
	for (char *p = out->id; rc == 0 && *p != '\0'; p++)
		*p = (char)(*p >= 'A' && *p <= 'F' ? *p + 32 : *p);
	out->macho = rc == 0 && im->format == NSYM_FORMAT_MACHO;
	nsym_file_close(f);
	return rc;
}

/* The --module file named like m, a module whose text gives no identity,
 * with its identity in out: its debug file when one is given, or with
 * `binary` the file itself. NULL, with why, when there is none, or files
 * of several builds have that name. */
static const char *by_name(struct found *out, char *why, size_t size,
                           const struct symbolicate_opts *o, const struct nsym_crash_module *m,
                           bool binary)
{
	const char *name = module_name(m);
	const struct module_arg *pick = NULL;
	int rank = 0;

	for (size_t i = 0; i < o->nmods; i++) {
		int r = named_like(o->mods[i].path, m);
		if (r == 0)
			continue;
		if (pick != NULL && strcmp(pick->id, o->mods[i].id) != 0) {
			snprintf(why, size,
			         "no identity, and --module files of several builds are named "
			         "like '%s' ('%s', '%s')",
			         name, pick->path, o->mods[i].path);
			return NULL;
		}
		if (binary ? r > rank : (r == 1 || rank == 0)) {
			pick = &o->mods[i];
			rank = r;
		}
	}
	if (pick == NULL || (binary && rank != 2)) {
		snprintf(why, size, "no identity, and no --module named %s'%s'",
		         binary ? "" : "like ", name);
		return NULL;
	}
	if (file_identity(out, pick->path, m, why, size) != 0)
		return NULL;
	if (pick->id_given) /* ID=PATH: the identity the user gave */
		snprintf(out->id, sizeof(out->id), "%s", pick->id);
	return pick->path;
}

/* Whether path holds debug info (DWARF, a PDB's): not a stripped file. */
static bool has_debug_info(const char *path)
{
	nsym_file *f = NULL;
	bool found = false;

	if (nsym_file_open(&f, path) != 0)
		return false;
	for (size_t i = 0; i < nsym_file_image_count(f) && !found; i++)
		found = nsym_file_image(f, i)->has_debug_info != 0;
	nsym_file_close(f);
	return found;
}

/* The build of PE module m, which the text names by its file name and time
 * stamp only, asked of the servers: its code id into out, or why not
 * after the reason no --module answered (why). */
static void pe_by_stamp(struct found *out, char *why, size_t size, struct run *run,
                        const struct nsym_crash_module *m)
{
	struct nsym_client c;
	char local[NSYM_REPORT_WHY_SIZE], err[512];

	snprintf(local, sizeof(local), "%s", why);
	if (run->o->no_fetch ||
	    nsym_client_init(&c, run->o->servers, NULL, err, sizeof(err)) != 0 || c.nservers == 0) {
		snprintf(why, size,
		         "%.300s; no server was asked for the build with time stamp %08x%s", local,
		         (unsigned)m->timestamp, run->o->no_fetch ? " (--no-fetch)" : "");
		return;
	}
	if (nsym_cli_pe_code_id(out->id, sizeof(out->id), &c, module_name(m), m->timestamp, err,
	                        sizeof(err)) != 0) {
		snprintf(why, size, "%.200s; %.400s", local, err);
		return;
	}
	out->pe = true;
	snprintf(out->name, sizeof(out->name), "%s", module_name(m));
	why[0] = '\0';
}

/* A file on this machine for m: by its identity, its --module, else the
 * report's path when that file is the same build; by its name when the
 * text gives no identity. NULL when none (why says why, or is ""). */
static const char *local_file(struct found *out, char *why, size_t size, struct run *run,
                              const struct nsym_crash_module *m)
{
	const struct symbolicate_opts *o = run->o;
	nsym_file *f = NULL;

	if (m->id[0] == '\0') {
		const char *path = by_name(out, why, size, o, m, false);
		/* Windows' records give a module's name and time stamp only */
		if (path == NULL && m->has_timestamp && m->format == NSYM_FORMAT_PE)
			pe_by_stamp(out, why, size, run, m);
		return path;
	}
	snprintf(out->id, sizeof(out->id), "%s", m->id);
	out->macho = m->format == NSYM_FORMAT_MACHO;
	/* of two files of the build given (the addon and its debug file), the
	 * one with the debug info answers with source lines */
	for (size_t i = 0; i < o->nmods; i++) {
		if (strcmp(o->mods[i].id, m->id) == 0 && has_debug_info(o->mods[i].path) &&
		    same_id(o->mods[i].path, m->id))
			return o->mods[i].path;
	}
	for (size_t i = 0; i < o->nmods; i++) {
		/* a universal file given alone stands for all its slices */
		if (strcmp(o->mods[i].id, m->id) != 0 &&
		    (o->mods[i].id_given || !same_id(o->mods[i].path, m->id)))
			continue;
		/* opened first for why it cannot be used (a FIFO, gone…) */
		if (nsym_file_open(&f, o->mods[i].path) != 0) {
			nsym_cli_warn_kindf(&run->warnings, WARN_RUN,
			                    "--module %s; looking further", nsym_error_detail());
			break;
		}
		nsym_file_close(f);
		if (same_id(o->mods[i].path, m->id))
			return o->mods[i].path;
		nsym_cli_warn_kindf(
		    &run->warnings, WARN_RUN,
		    "--module '%s' is not the build with identity %s; looking further",
		    o->mods[i].path, m->id);
		break;
	}
	if (m->path != NULL && access(m->path, R_OK) == 0 && same_id(m->path, m->id))
		return m->path;
	warn_other_build(run, m);
	return NULL;
}

/* A Mach-O module is opened at the slice of its UUID. */
static struct nsym_open_options module_options(const struct found *id)
{
	return (struct nsym_open_options){.uuid = id->macho ? id->id : NULL};
}

/* Opens a local file; without a debug file beside it, it still answers
 * from its symbol table while the cache and servers are asked. 0 or
 * NSYM_ENOMEM. */
static int open_local(struct nsym_report_module *r, const char *path, const struct found *id)
{
	struct nsym_open_options opts = module_options(id);
	int rc = nsym_symbolizer_open(&r->sym, path, &opts);

	if (rc != 0) {
		snprintf(r->why, sizeof(r->why), "cannot use '%s': %s", path, nsym_error_detail());
		r->sym = NULL;
	}
	return rc == NSYM_ENOMEM ? rc : 0;
}

/* No debug file (nor symcache) yet: the cache and servers are asked. */
static bool to_fetch(const struct nsym_report_module *r, const struct found *id)
{
	return id->id[0] != '\0' &&
	       (r->sym == NULL ||
	        (nsym_symbolizer_debug_path(r->sym) == NULL && !nsym_symbolizer_cached(r->sym)));
}

/* Why a fetch left the module unresolved, into r->why. */
static void fetch_why(struct nsym_report_module *r, const struct nsym_fetch *j, bool asked,
                      bool no_fetch)
{
	if (j->state == NSYM_FETCH_NOT_ON_SERVER)
		snprintf(r->why, sizeof(r->why), "no symbols on the server");
	else if (j->state == NSYM_FETCH_FAILED)
		snprintf(r->why, sizeof(r->why), "the fetch failed: %s", j->error);
	else if (r->why[0] == '\0')
		snprintf(r->why, sizeof(r->why), "%s",
		         !asked && no_fetch ? "no server (--no-fetch)" : "no server");
}

/* 0, or NSYM_ENOMEM. */
static int settle(struct nsym_report_module *r, const struct found *id, const struct nsym_fetch *j,
                  bool asked, bool no_fetch)
{
	struct nsym_open_options opts = module_options(id);
	nsym_symbolizer *sym;
	int rc;

	opts.debug_file = j->path;
	if (j->state != NSYM_FETCH_FOUND && j->state != NSYM_FETCH_CACHED) {
		fetch_why(r, j, asked, no_fetch);
		return 0;
	}
	/* a PDB is opened with its image, whose code it describes */
	if ((rc = nsym_symbolizer_open(&sym, id->pe ? id->binary : j->path, &opts)) == 0) {
		nsym_symbolizer_close(r->sym);
		r->sym = sym;
		r->why[0] = '\0';
		return 0;
	}
	if (rc == NSYM_ENOMEM)
		return rc;
	/* one line of at most NSYM_REPORT_WHY_SIZE: a long path is cut */
	snprintf(r->why, sizeof(r->why), "the debug file '%.300s' cannot be used: %s", j->path,
	         nsym_error_detail());
	return 0;
}

/* A job for module i: its debug file, or for a PE image that is not here,
 * the image first (its CodeView record names the PDB). false when there
 * is nothing to ask for. */
static bool job_for(struct nsym_fetch *j, struct nsym_report_module *r, const struct found *id)
{
	if (!to_fetch(r, id))
		return false;
	j->kind = id->pe && id->binary[0] == '\0' ? "executable" : "debuginfo";
	if (id->pe && id->binary[0] != '\0' && id->pdb[0] == '\0') {
		snprintf(r->why, sizeof(r->why),
		         "'%.300s' names no PDB: it was linked without /DEBUG", id->binary);
		return false;
	}
	snprintf(j->id, sizeof(j->id), "%s", id->pe && id->binary[0] != '\0' ? id->pdb : id->id);
	/* a PE image and its PDB by their SymSrv keys */
	if (id->pe)
		j->symsrv_name = id->binary[0] != '\0' ? id->pdb_name : id->name;
	return true;
}

/* Runs the n jobs: 0, with *asked as nsym_cli_debug_files_by_id says. */
static void run_jobs(struct run *run, struct nsym_fetch *jobs, size_t n, bool *asked)
{
	char err[512];

	if (nsym_cli_debug_files_by_id(asked, jobs, n, run->o->servers, !run->o->no_fetch, err,
	                               sizeof(err)) != 0) {
		nsym_cli_warn_kindf(&run->warnings, WARN_RUN, "%s", err);
		*asked = false;
	}
}

/* A symcache answers all that symbolicate prints (functions, lines, inline
 * chains): for the modules that lack a debug file, one is taken from the
 * cache or the servers that offer them (GET /buildid/ID/symcache) before
 * any debug file; the modules left fetch their debug file after. Not for a
 * PE image, whose symcache a server builds from its PDB alone. jobs and
 * which have room for count. 0 or NSYM_ENOMEM. */
static int fetch_symcaches(struct run *run, struct nsym_report_module *mods, struct found *ids,
                           size_t count, struct nsym_fetch *jobs, size_t *which)
{
	size_t n = 0;
	bool asked = false;

	memset(jobs, 0, count * sizeof(*jobs));
	for (size_t i = 0; i < count; i++) {
		if (ids[i].pe || !to_fetch(&mods[i], &ids[i]))
			continue;
		jobs[n].kind = "symcache";
		snprintf(jobs[n].id, sizeof(jobs[n].id), "%s", ids[i].id);
		which[n++] = i;
	}
	if (n > 0)
		run_jobs(run, jobs, n, &asked);
	for (size_t k = 0; k < n; k++) {
		struct nsym_report_module *r = &mods[which[k]];
		nsym_symbolizer *sym;
		int rc;
		if (jobs[k].state != NSYM_FETCH_FOUND && jobs[k].state != NSYM_FETCH_CACHED)
			continue;
		if ((rc = nsym_cli_symcache_use(&sym, jobs[k].path, jobs[k].id)) == NSYM_ENOMEM)
			return rc;
		if (rc != 0)
			continue;
		nsym_symbolizer_close(r->sym);
		r->sym = sym;
		r->why[0] = '\0';
	}
	return 0;
}

/* Fetches, in parallel runs, the debug files of the modules that lack one:
 * the PE images that are not here first, then the symcaches of the others
 * (fetch_symcaches), then the PDBs the images name with the debug files
 * no symcache stood for. 0 or NSYM_ENOMEM. */
static int fetch_missing(struct run *run, struct nsym_report_module *mods, struct found *ids,
                         size_t count)
{
	struct nsym_fetch *jobs = calloc(count, sizeof(*jobs));
	size_t *which = calloc(count, sizeof(*which)), n = 0, images = 0;
	bool asked = false, image_asked = false;
	int rc = 0;

	if (jobs == NULL || which == NULL) {
		rc = NSYM_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < count; i++) {
		if (job_for(&jobs[n], &mods[i], &ids[i]) && strcmp(jobs[n].kind, "executable") == 0)
			which[n++] = i;
	}
	if ((images = n) > 0)
		run_jobs(run, jobs, n, &image_asked);
	for (size_t k = 0; k < images && rc == 0; k++) {
		size_t i = which[k];
		if (jobs[k].state != NSYM_FETCH_FOUND && jobs[k].state != NSYM_FETCH_CACHED) {
			fetch_why(&mods[i], &jobs[k], image_asked, run->o->no_fetch);
			ids[i].id[0] = '\0'; /* nothing more to fetch for it */
			continue;
		}
		pe_file(&ids[i], jobs[k].path);
		rc = open_local(&mods[i], ids[i].binary, &ids[i]);
	}
	if (rc == 0)
		rc = fetch_symcaches(run, mods, ids, count, jobs, which);
	memset(jobs, 0, count * sizeof(*jobs));
	n = 0;
	for (size_t i = 0; i < count && rc == 0; i++) {
		if (job_for(&jobs[n], &mods[i], &ids[i]))
			which[n++] = i;
	}
	if (n > 0 && rc == 0)
		run_jobs(run, jobs, n, &asked);
	for (size_t k = 0; k < n && rc == 0; k++)
		rc = settle(&mods[which[k]], &ids[which[k]], &jobs[k], asked, run->o->no_fetch);
out:
	free(jobs);
	free(which);
	return rc;
}

int nsym_cli_symbolicate_resolve(void *ctx, struct nsym_report_module *mods, size_t count)
{
	struct run *run = ctx;
	struct found *ids = calloc(count, sizeof(*ids));
	int rc = 0;

	if (ids == NULL)
		return NSYM_ENOMEM;
	for (size_t i = 0; i < count && rc == 0; i++) {
		const char *path =
		    local_file(&ids[i], mods[i].why, sizeof(mods[i].why), run, mods[i].module);
		if (path != NULL && !ids[i].pe)
			pe_file(&ids[i], path);
		if (path != NULL)
			rc = open_local(&mods[i], path, &ids[i]);
	}
	if (rc == 0)
		rc = fetch_missing(run, mods, ids, count);
	free(ids);
	return rc;
}

/* Why the frames of module i of c stay where they are. */
static int say_why(struct nsym_crash *c, size_t i, const char *why)
{
	for (size_t k = 0; k < c->nframes; k++) {
		char *copy;
		if (c->frames[k].module != (int)i || c->frames[k].why == NULL)
			continue;
		if ((copy = strdup(why)) == NULL) {
			nsym_cli_error("out of memory");
			return -1;
		}
		free(c->frames[k].why);
		c->frames[k].why = copy;
	}
	return 0;
}

int nsym_cli_place_mappings(struct run *run, struct nsym_crash *crashes, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		for (size_t i = 0; i < crashes[k].nmodules; i++) {
			const struct nsym_crash_module *m = &crashes[k].modules[i];
			char why[NSYM_REPORT_WHY_SIZE];
			struct found id;
			const char *path;
			if (!m->has_map || m->has_base)
				continue;
			why[0] = '\0';
			path = by_name(&id, why, sizeof(why), run->o, m, true);
			if (path != NULL && nsym_crash_place_mapping(&crashes[k], i, path) != 0)
				return -1;
			if (path == NULL && strstr(why, "several builds") != NULL &&
			    say_why(&crashes[k], i, why) != 0)
				return -1;
		}
	}
	return 0;
}
