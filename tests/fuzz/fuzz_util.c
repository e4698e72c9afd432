/*
 * Helpers shared by the fuzz harnesses (see fuzz_util.h): inputs become
 * anonymous files named through /proc/self/fd, and results are checked
 * against the contracts of napi_symbols.h.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_util.h"

#ifndef __has_feature
#define __has_feature(x) 0
#endif
#if defined(__SANITIZE_ADDRESS__) || __has_feature(address_sanitizer) ||                           \
    __has_feature(undefined_behavior_sanitizer)
#include <sanitizer/common_interface_defs.h>
#define FUZZ_SANITIZED 1
#endif

/* Copies of stdout and stderr as they were, made at the first
 * fuzz_quiet_begin and kept; the file that takes them between begin and
 * end; in_quiet between. */
static int saved_out = -1, saved_err = -1, quiet_fd = -1;
static bool in_quiet;

/* Puts stdout and stderr back; false when they were not set aside. */
static bool unquiet(void)
{
	if (!in_quiet)
		return false;
	in_quiet = false;
	fflush(stdout);
	fflush(stderr);
	if (dup2(saved_out, 1) < 0 || dup2(saved_err, 2) < 0) {
		perror("fuzz: cannot restore stdout and stderr");
		abort();
	}
	return true;
}

void fuzz_fail(const char *fmt, ...)
{
	char message[1024];
	va_list ap;

	unquiet(); /* a check in a callback fails while the library runs */
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	fprintf(stderr, "fuzz: contract violated: %s\n", message);
#ifdef FUZZ_SANITIZED
	/* where sanitizer reports go: libFuzzer's -close_fd_mask=2 drops stderr */
	__sanitizer_report_error_summary(message);
#endif
	abort();
}

int fuzz_verbose(void)
{
	static int verbose = -1;

	if (verbose < 0) {
		const char *v = getenv("FUZZ_VERBOSE");
		verbose = v != NULL && strcmp(v, "1") == 0;
	}
	return verbose;
}

void fuzz_say(const char *fmt, ...)
{
	va_list ap;

	if (!fuzz_verbose())
		return;
	fputs("fuzz: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int anonymous_file(void)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	int fd = memfd_create("nsym-fuzz", MFD_CLOEXEC);

	if (fd >= 0)
		return fd;
	if (snprintf(path, sizeof(path), "%s/nsym-fuzz-XXXXXX",
	             dir != NULL && dir[0] != '\0' ? dir : "/tmp") >= (int)sizeof(path))
		return -1;
	fd = mkstemp(path);
	if (fd >= 0)
		unlink(path);
	return fd;
}

int fuzz_input_open(char *out, size_t size, const uint8_t *data, size_t len)
{
	int fd = anonymous_file();
	size_t done = 0;

	if (fd < 0) {
		perror("fuzz: cannot make an anonymous file");
		abort();
	}
	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);
		if (n <= 0) {
			perror("fuzz: cannot write the input");
			abort();
		}
		done += (size_t)n;
	}
	if (snprintf(out, size, "/proc/self/fd/%d", fd) >= (int)size)
		fuzz_fail("path buffer too small");
	return fd;
}

void fuzz_input_close(int fd)
{
	close(fd);
}

void fuzz_reset_error(void)
{
	/* a NULL out is refused with NSYM_EINVAL and a detail naming nothing */
	if (nsym_object_open(NULL, NULL) != NSYM_EINVAL)
		fuzz_fail("nsym_object_open(NULL, NULL) did not give NSYM_EINVAL");
}

static int known_code(int rc)
{
	switch (rc) {
#define FUZZ_CASE(name, value, text) case value:
		NSYM_ERRORS(FUZZ_CASE)
#undef FUZZ_CASE
		return 1;
	}
	return 0;
}

void fuzz_check_error(int rc, const char *path)
{
	const char *detail;
	const char *strict = getenv("FUZZ_STRICT_DETAIL");

	if (rc >= 0 || !known_code(rc))
		fuzz_fail("failure code %d is not a negative NSYM_E* code", rc);
	detail = nsym_error_detail();
	fuzz_say("error %d (%s): %s", rc, nsym_strerror(rc), detail != NULL ? detail : "(null)");
	if (detail == NULL || detail[0] == '\0')
		fuzz_fail("no error detail for code %d", rc);
	if (strchr(detail, '\n') != NULL)
		fuzz_fail("error detail is not one line: \"%s\"", detail);
	if (strict != NULL && strcmp(strict, "1") == 0 && rc != NSYM_ENOMEM &&
	    strstr(detail, path) == NULL)
		fuzz_fail("error detail for %s (%d) does not name %s: \"%s\"", nsym_strerror(rc),
		          rc, path, detail);
}

size_t fuzz_touch(const char *s)
{
	return s != NULL ? strlen(s) : 0;
}

void fuzz_check_frames(const struct nsym_frames *frames, unsigned flags)
{
	if (frames->count == 0 || frames->frames == NULL)
		fuzz_fail("a successful lookup gave no frame");
	if (frames->count > frames->capacity)
		fuzz_fail("frame count %zu exceeds capacity %zu", frames->count, frames->capacity);
	if ((flags & NSYM_LOOKUP_NO_INLINES) && frames->count != 1)
		fuzz_fail("NSYM_LOOKUP_NO_INLINES gave %zu frames", frames->count);
	for (size_t i = 0; i < frames->count; i++) {
		const struct nsym_frame *f = &frames->frames[i];
		if (f->function == NULL || f->file == NULL)
			fuzz_fail("frame %zu has a NULL function or file", i);
		fuzz_say("  %s%s at %s:%u:%u%s", f->inlined ? "(inlined) " : "", f->function,
		         f->file, f->line, f->column, f->approximate ? " (approximate)" : "");
		fuzz_touch(f->function);
		fuzz_touch(f->linkage_name);
		fuzz_touch(f->dwarf_name);
		fuzz_touch(f->file);
	}
}

void fuzz_check_line(const char *what, const char *s)
{
	if (s == NULL)
		fuzz_fail("%s is NULL", what);
	for (const char *c = s; *c != '\0'; c++) {
		unsigned char b = (unsigned char)*c;
		if (b < 0x20 || b == 0x7f)
			fuzz_fail("%s holds the control character 0x%02x at byte %zu: \"%s\"", what,
			          b, (size_t)(c - s), s);
	}
}

void fuzz_quiet_begin(void)
{
	if (fuzz_verbose())
		return;
	if (quiet_fd < 0) {
		quiet_fd = anonymous_file();
		saved_out = dup(1);
		saved_err = dup(2);
		if (quiet_fd < 0 || saved_out < 0 || saved_err < 0) {
			perror("fuzz: cannot set stdout and stderr aside");
			abort();
		}
#ifdef FUZZ_SANITIZED
		/* a sanitizer's report must not vanish into the file */
		__sanitizer_set_report_fd((void *)(intptr_t)saved_err);
#endif
	}
	fflush(stdout);
	fflush(stderr);
	if (ftruncate(quiet_fd, 0) != 0 || dup2(quiet_fd, 1) < 0 || dup2(quiet_fd, 2) < 0) {
		perror("fuzz: cannot redirect stdout and stderr");
		abort();
	}
	in_quiet = true;
}

void fuzz_quiet_end(const char *call)
{
	struct stat st;

	if (!unquiet())
		return;
	if (fstat(quiet_fd, &st) != 0 || st.st_size != 0) {
		char said[200] = "";
		ssize_t n = pread(quiet_fd, said, sizeof(said) - 1, 0);
		said[n > 0 ? n : 0] = '\0';
		fuzz_fail("%s printed %lld bytes on its own: \"%s\"", call, (long long)st.st_size,
		          said);
	}
}

uint64_t fuzz_le64(const uint8_t *data, size_t len, size_t off)
{
	uint64_t v = 0;

	if (off > len || len - off < 8)
		return 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | data[off + (size_t)i];
	return v;
}
