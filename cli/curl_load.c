/*
 * libcurl, loaded when the program first talks to a server rather than when
 * it starts. Linked in, libcurl and the libraries it needs (TLS, Kerberos,
 * LDAP, SSH, IDN: 25 of the program's 39) took about 12 ms of every start to
 * map and relocate, most of what `napi-symbols symbolize` spends answering
 * one address from a symcache. The functions the program calls are defined
 * here under libcurl's own names, so the rest of cli/ uses <curl/curl.h> as
 * ever; each forwards to the real one, found by dlopen on first use. If
 * libcurl cannot be loaded, each fails as libcurl does when it cannot start
 * (CURLE_FAILED_INIT, NULL), and the reason is printed once.
 */
#define CURL_DISABLE_TYPECHECK /* the definitions below, not the checking macros */
#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include "commands.h"

static struct {
	void *lib;
	bool ok;
	CURLcode (*global_init)(long);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	CURLcode (*easy_perform)(CURL *);
	void (*easy_cleanup)(CURL *);
	void (*easy_reset)(CURL *);
	const char *(*easy_strerror)(CURLcode);
	char *(*easy_escape)(CURL *, const char *, int);
	void (*free)(void *);
	CURLM *(*multi_init)(void);
	CURLMcode (*multi_add_handle)(CURLM *, CURL *);
	CURLMcode (*multi_remove_handle)(CURLM *, CURL *);
	CURLMcode (*multi_perform)(CURLM *, int *);
	CURLMcode (*multi_poll)(CURLM *, struct curl_waitfd[], unsigned int, int, int *);
	CURLMsg *(*multi_info_read)(CURLM *, int *);
	CURLMcode (*multi_cleanup)(CURLM *);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
} real;

static pthread_once_t once = PTHREAD_ONCE_INIT;

/* dlsym's object pointer, as the function pointer it is (POSIX). */
#define RESOLVE(field, name)                                                                       \
	do {                                                                                       \
		void *p = dlsym(real.lib, name);                                                   \
		if (p == NULL)                                                                     \
			goto missing;                                                              \
		memcpy(&real.field, &p, sizeof(p));                                                \
	} while (0)

static void load(void)
{
	real.lib = dlopen(NSYM_LIBCURL_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (real.lib == NULL) {
		nsym_cli_error("cannot load %s (%s): install the Debian package 'libcurl4'",
		               NSYM_LIBCURL_SONAME, dlerror());
		return;
	}
	RESOLVE(global_init, "curl_global_init");
	RESOLVE(easy_init, "curl_easy_init");
	RESOLVE(easy_setopt, "curl_easy_setopt");
	RESOLVE(easy_getinfo, "curl_easy_getinfo");
	RESOLVE(easy_perform, "curl_easy_perform");
	RESOLVE(easy_cleanup, "curl_easy_cleanup");
	RESOLVE(easy_reset, "curl_easy_reset");
	RESOLVE(easy_strerror, "curl_easy_strerror");
	RESOLVE(easy_escape, "curl_easy_escape");
	RESOLVE(free, "curl_free");
	RESOLVE(multi_init, "curl_multi_init");
	RESOLVE(multi_add_handle, "curl_multi_add_handle");
	RESOLVE(multi_remove_handle, "curl_multi_remove_handle");
	RESOLVE(multi_perform, "curl_multi_perform");
	RESOLVE(multi_poll, "curl_multi_poll");
	RESOLVE(multi_info_read, "curl_multi_info_read");
	RESOLVE(multi_cleanup, "curl_multi_cleanup");
	RESOLVE(slist_append, "curl_slist_append");
	RESOLVE(slist_free_all, "curl_slist_free_all");
	real.ok = true;
	return;
missing:
	nsym_cli_error("%s lacks a function this program needs (%s)", NSYM_LIBCURL_SONAME,
	               dlerror());
}

static bool loaded(void)
{
	pthread_once(&once, load);
	return real.ok;
}

CURLcode curl_global_init(long flags)
{
	return loaded() ? real.global_init(flags) : CURLE_FAILED_INIT;
}

CURL *curl_easy_init(void)
{
	return loaded() ? real.easy_init() : NULL;
}

/* A variadic call cannot be passed on as it is; its one argument can, read
 * as the type libcurl's option numbering says it has. */
CURLcode curl_easy_setopt(CURL *curl, CURLoption option, ...)
{
	va_list ap;
	CURLcode rc;

	if (!loaded())
		return CURLE_FAILED_INIT;
	va_start(ap, option);
	if (option < CURLOPTTYPE_OBJECTPOINT) {
		rc = real.easy_setopt(curl, option, va_arg(ap, long));
	} else if (option < CURLOPTTYPE_FUNCTIONPOINT) {
		rc = real.easy_setopt(curl, option, va_arg(ap, void *));
	} else if (option < CURLOPTTYPE_OFF_T) {
		void (*fn)(void) = va_arg(ap, void (*)(void));
		rc = real.easy_setopt(curl, option, fn);
	} else if (option < CURLOPTTYPE_BLOB) {
		rc = real.easy_setopt(curl, option, va_arg(ap, curl_off_t));
	} else {
		rc = real.easy_setopt(curl, option, va_arg(ap, void *));
	}
	va_end(ap);
	return rc;
}

/* Every CURLINFO takes a pointer. */
CURLcode curl_easy_getinfo(CURL *curl, CURLINFO info, ...)
{
	va_list ap;
	void *p;

	if (!loaded())
		return CURLE_FAILED_INIT;
	va_start(ap, info);
	p = va_arg(ap, void *);
	va_end(ap);
	return real.easy_getinfo(curl, info, p);
}

CURLcode curl_easy_perform(CURL *curl)
{
	return loaded() ? real.easy_perform(curl) : CURLE_FAILED_INIT;
}

void curl_easy_cleanup(CURL *curl)
{
	if (loaded())
		real.easy_cleanup(curl);
}

void curl_easy_reset(CURL *curl)
{
	if (loaded())
		real.easy_reset(curl);
}

const char *curl_easy_strerror(CURLcode code)
{
	return loaded() ? real.easy_strerror(code) : "libcurl could not be loaded";
}

char *curl_easy_escape(CURL *curl, const char *s, int length)
{
	return loaded() ? real.easy_escape(curl, s, length) : NULL;
}

void curl_free(void *p)
{
	if (loaded())
		real.free(p);
}

CURLM *curl_multi_init(void)
{
	return loaded() ? real.multi_init() : NULL;
}

CURLMcode curl_multi_add_handle(CURLM *m, CURL *e)
{
	return loaded() ? real.multi_add_handle(m, e) : CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_remove_handle(CURLM *m, CURL *e)
{
	return loaded() ? real.multi_remove_handle(m, e) : CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_perform(CURLM *m, int *running)
{
	return loaded() ? real.multi_perform(m, running) : CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_poll(CURLM *m, struct curl_waitfd extra[], unsigned int n, int timeout_ms,
                          int *ret)
{
	return loaded() ? real.multi_poll(m, extra, n, timeout_ms, ret) : CURLM_INTERNAL_ERROR;
}

CURLMsg *curl_multi_info_read(CURLM *m, int *queued)
{
	return loaded() ? real.multi_info_read(m, queued) : NULL;
}

CURLMcode curl_multi_cleanup(CURLM *m)
{
	return loaded() ? real.multi_cleanup(m) : CURLM_INTERNAL_ERROR;
}

struct curl_slist *curl_slist_append(struct curl_slist *list, const char *s)
{
	return loaded() ? real.slist_append(list, s) : NULL;
}

void curl_slist_free_all(struct curl_slist *list)
{
	if (loaded())
		real.slist_free_all(list);
}
