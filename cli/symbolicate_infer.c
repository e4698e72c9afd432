/*
 * symbolicate's load-address inference (see nsym_crash_infer_load): for
 * crashes whose frames give absolute addresses and no load address, each
 * candidate binary (the --module files, else the addons of the project) is
 * tried, every slice of a universal file on its own, and a load address is
 * taken only where exactly one fits. What was decided is said on stderr:
 * the load address and how many candidates there were, or why none was
 * taken.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "commands.h"
#include "napi_symbols.h"
#include "napi_symbols_report.h"
#include "project_walk.h"
#include "symbolicate_infer.h"

/* Whether the crash has a frame with an absolute address and no offset. */
static bool needs_inference(const struct nsym_crash *c)
{
	for (size_t i = 0; i < c->nframes; i++) {
		const struct nsym_crash_frame *f = &c->frames[i];
		if (f->pc != 0 && (f->module < 0 || f->why != NULL))
			return true;
	}
	return false;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash != NULL ? slash + 1 : path;
}

/* Tries one slice (arch NULL: the only image) of path on crash c; why it
 * did not decide goes to why (when the file has frames in the trace). */
static bool try_slice(struct nsym_crash *c, const char *path, const char *arch,
                      struct nsym_cli_warn_kinds *warnings, char *why, size_t why_size)
{
	struct nsym_open_options opts = {.arch = arch};
	struct nsym_infer_result res;
	nsym_symbolizer *sym = NULL;
	bool decided = false;
	char label[300]; /* "addon.node (arm64)" */

	snprintf(label, sizeof(label), "%s%s%s%s", base_name(path), arch != NULL ? " (" : "",
	         arch != NULL ? arch : "", arch != NULL ? ")" : "");
	if (nsym_symbolizer_open(&sym, path, &opts) != 0) {
		nsym_cli_warn_kindf(warnings, NSYM_CLI_WARN_INFER,
		                    "cannot infer a load address with %s", nsym_error_detail());
		return false;
	}
	if (nsym_crash_infer_load(&res, c, sym, base_name(path)) != 0) {
		nsym_cli_warn_kindf(warnings, NSYM_CLI_WARN_INFER, "%s: %s", path,
		                    nsym_error_detail());
	} else if (res.decided && res.by_symbol) {
		decided = true;
		nsym_cli_error("%s: load address 0x%llx from the functions its frames name with "
		               "offsets, which fits %s %zu frame%s",
		               label, (unsigned long long)res.base, res.frames == 1 ? "its" : "all",
		               res.frames, res.frames == 1 ? "" : "s");
	} else if (res.decided) {
		decided = true;
		nsym_cli_error("%s: load address 0x%llx inferred from %zu frame%s (%zu of %zu "
		               "page-aligned load addresses fit)",
		               label, (unsigned long long)res.base, res.frames,
		               res.frames == 1 ? "" : "s", res.candidates, res.tried);
	} else if (res.frames > 0 && res.why[0] != '\0' &&
	           snprintf(why, why_size, "%s: %s", label, res.why) < 0) {
		why[0] = '\0';
	}
	nsym_symbolizer_close(sym);
	return decided;
}

/* Every slice of path, until one decides; the slices' failures are told
 * only when none decides (the others are architectures that did not run). */
static void try_file(struct nsym_crash *c, const char *path, struct nsym_cli_warn_kinds *warnings)
{
	nsym_file *f = NULL;
	char why[NSYM_IMAGES_MAX][512];
	bool fat, decided = false;
	size_t n;

	if (nsym_file_open(&f, path) != 0)
		return; /* the resolver says why it cannot be used */
	fat = nsym_file_format(f) == NSYM_FORMAT_MACHO_FAT;
	n = fat ? nsym_file_image_count(f) : 1;
	for (size_t i = 0; i < n && !decided; i++) {
		why[i][0] = '\0';
		decided = try_slice(c, path, fat ? nsym_file_image(f, i)->arch : NULL, warnings,
		                    why[i], sizeof(why[i]));
	}
	for (size_t i = 0; i < n && !decided; i++) {
		if (why[i][0] != '\0')
			nsym_cli_warn_kindf(warnings, NSYM_CLI_WARN_INFER, "%s", why[i]);
	}
	nsym_file_close(f);
}

struct addon_list {
	char **paths;
	size_t n, cap;
	bool oom;
};

static int collect(void *arg, const struct nsym_addon_file *file)
{
	struct addon_list *l = arg;
	char **grown;

	if (l->n == l->cap) {
		l->cap = l->cap != 0 ? 2 * l->cap : 16;
		if ((grown = realloc(l->paths, l->cap * sizeof(*grown))) == NULL) {
			l->oom = true;
			return 1;
		}
		l->paths = grown;
	}
	if ((l->paths[l->n] = strdup(file->real_path)) == NULL) {
		l->oom = true;
		return 1;
	}
	l->n++;
	return 0;
}

/* The current folder is a project: it holds node_modules. */
static bool in_project(void)
{
	struct stat st;
	return stat("node_modules", &st) == 0 && S_ISDIR(st.st_mode);
}

bool nsym_cli_infer_candidates(size_t nmodules, const char *project)
{
	return nmodules > 0 || project != NULL || in_project();
}

/* The project's addons; with no --project, the current folder only when it
 * is a project (a walk of any folder could be of a whole home). */
static void project_addons(struct addon_list *l, const char *project,
                           struct nsym_cli_warn_kinds *warnings)
{
	char err[512];

	if (project == NULL) {
		if (!in_project())
			return;
		project = ".";
	}
	if (nsym_project_walk(project, collect, NULL, l, NULL, err, sizeof(err)) != 0 && !l->oom)
		nsym_cli_warn_kindf(warnings, NSYM_CLI_WARN_INFER, "--project %s: %s", project,
		                    err);
	if (l->oom)
		nsym_cli_warn_kindf(warnings, NSYM_CLI_WARN_INFER,
		                    "out of memory listing the addons of %s", project);
}

void nsym_cli_infer_loads(struct nsym_crash *crashes, size_t count, const char *const *modules,
                          size_t nmodules, const char *project,
                          struct nsym_cli_warn_kinds *warnings)
{
	struct addon_list addons = {0};
	bool any = false, listed = false;

	for (size_t i = 0; i < count && !any; i++)
		any = needs_inference(&crashes[i]);
	if (!any)
		return;
	for (size_t i = 0; i < count; i++) {
		if (!needs_inference(&crashes[i]))
			continue;
		for (size_t k = 0; k < nmodules; k++)
			try_file(&crashes[i], modules[k], warnings);
		if (nmodules > 0 && project == NULL)
			continue;
		if (!listed) {
			project_addons(&addons, project, warnings);
			listed = true;
		}
		for (size_t k = 0; k < addons.n && needs_inference(&crashes[i]); k++)
			try_file(&crashes[i], addons.paths[k], warnings);
	}
	for (size_t k = 0; k < addons.n; k++)
		free(addons.paths[k]);
	free(addons.paths);
}
