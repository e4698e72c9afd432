/*
 * hook_install.c: nsym_hook_install() and nsym_hook_thread_init(). Install
 * time does everything the signal handler cannot: it reads the settings,
 * resolves the napi-symbols program on PATH, builds the module table, loads
 * and warms up libunwind, maps the alternate signal stack (hook_altstack.c),
 * and installs the handlers.
 */
#include "hook.h"
#include "napi_symbols_hook.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct hook_settings hook_settings;

static void copy_path(char *out, size_t size, const char *s)
{
	if (snprintf(out, size, "%s", s) >= (int)size)
		out[0] = '\0'; /* a cut path would name another file */
}

static int usable_dir(const char *dir)
{
	return dir && dir[0] && access(dir, W_OK | X_OK) == 0;
}

static void settle_dirs(const struct nsym_hook_options *opts)
{
	const char *dir =
	    opts && opts->report_dir ? opts->report_dir : getenv("NAPI_SYMBOLS_REPORT_DIR");
	const char *tmp = getenv("TMPDIR");
	char cwd[PATH_MAX];
	copy_path(hook_settings.tmp_dir, sizeof(hook_settings.tmp_dir),
	          usable_dir(tmp) ? tmp : "/tmp");
	if (!dir || !dir[0])
		dir = getcwd(cwd, sizeof(cwd));
	/* An absolute path now, so a later chdir does not move the reports. */
	if (usable_dir(dir) && realpath(dir, cwd))
		copy_path(hook_settings.report_dir, sizeof(hook_settings.report_dir), cwd);
	else
		copy_path(hook_settings.report_dir, sizeof(hook_settings.report_dir),
		          hook_settings.tmp_dir);
}

/* Finds NAME as execvp would, once, since the handler cannot search PATH. */
static void resolve_program(const char *name)
{
	const char *path = getenv("PATH");
	char found[PATH_MAX];
	hook_settings.program[0] = '\0';
	if (strchr(name, '/')) {
		if (realpath(name, found) && access(found, X_OK) == 0)
			copy_path(hook_settings.program, sizeof(hook_settings.program), found);
		return;
	}
	while (path && *path) {
		size_t len = strcspn(path, ":");
		int n = snprintf(found, sizeof(found), "%.*s/%s", (int)len, len ? path : ".", name);
		if (len == 0)
			n = snprintf(found, sizeof(found), "./%s", name);
		if (n > 0 && (size_t)n < sizeof(found) && access(found, X_OK) == 0) {
			resolve_program(found); /* made absolute */
			return;
		}
		path += len + (path[len] == ':');
	}
}

static void settle(const struct nsym_hook_options *opts)
{
	const char *sym = getenv("NAPI_SYMBOLS_SYMBOLICATE");
	const char *panics = getenv("NAPI_SYMBOLS_PANICS");
	const char *program = opts && opts->program ? opts->program : getenv("NAPI_SYMBOLS_BIN");
	const char *servers = getenv("NAPI_SYMBOLS_SERVER");
	size_t len = servers ? strcspn(servers, " \t\n") : 0;
	settle_dirs(opts);
	/* the first server, as the CLI takes them; a URL too long for the
	 * buffer is left out rather than cut into another address */
	hook_settings.server[0] = '\0';
	while (len > 0 && servers[len - 1] == '/')
		len--;
	if (len > 0 && len < sizeof(hook_settings.server) &&
	    (strncmp(servers, "http://", 7) == 0 || strncmp(servers, "https://", 8) == 0)) {
		memcpy(hook_settings.server, servers, len);
		hook_settings.server[len] = '\0';
	}
	if (opts && opts->symbolicate >= 0)
		hook_settings.symbolicate = opts->symbolicate != 0;
	else
		hook_settings.symbolicate = !(sym && strcmp(sym, "0") == 0);
	resolve_program(program && program[0] ? program : "napi-symbols");
	hook_settings.panics_all = panics && strcmp(panics, "all") == 0;
	if (opts && opts->napi_version)
		hook_settings.napi_version = opts->napi_version;
}

struct hook_other hook_other;

static int same_object(const void *a, const void *b)
{
	Dl_info x, y;
	return dladdr(a, &x) && dladdr(b, &y) && x.dli_fbase == y.dli_fbase;
}

/* An addon that links the archive, run with the library preloaded too:
 * the preloaded copy is found by its exported entry points, and this copy
 * hands everything to it, so each crash and panic is reported once. (A C
 * addon that exports the archive's symbols calls the preloaded copy
 * directly; a Rust cdylib hides them, and so comes here.) */
static void find_other_copy(void)
{
	void *install = dlsym(RTLD_DEFAULT, "nsym_hook_install");
	void *thread_init = dlsym(RTLD_DEFAULT, "nsym_hook_thread_init");
	void *panic = dlsym(RTLD_DEFAULT, "nsym_hook_panic");
	if (!install || !thread_init || !panic || same_object(install, (void *)find_other_copy))
		return;
	hook_other.install = (int (*)(const struct nsym_hook_options *))install;
	hook_other.thread_init = (int (*)(void))thread_init;
	hook_other.panic = (void (*)(const char *, const char *, unsigned, unsigned))panic;
}

NSYM_HOOK_EXTERN int nsym_hook_thread_init(void)
{
	if (hook_other.thread_init)
		return hook_other.thread_init();
	return hook_altstack_init();
}

NSYM_HOOK_EXTERN int nsym_hook_install(const struct nsym_hook_options *opts)
{
	int rc;
	if (opts && opts->symbolicate < -1)
		return NSYM_HOOK_EINVAL;
	if (!hook_other.install)
		find_other_copy();
	if (hook_other.install)
		return hook_other.install(opts);
	settle(opts);
	hook_runtime_init();
	hook_modules_refresh();
	hook_unwind_init();
	rc = hook_altstack_init();
	if (rc != 0)
		return rc;
	return hook_signals_install() == 0 ? 0 : NSYM_HOOK_EIO;
}
