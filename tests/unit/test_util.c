/* Helpers shared by the unit tests. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "test_util.h"

char *test_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *dir = malloc(4096);
	snprintf(dir, 4096, "%s/nsym-test-XXXXXX", base != NULL ? base : "/tmp");
	if (mkdtemp(dir) == NULL) {
		free(dir);
		return NULL;
	}
	return dir;
}

void test_tmpdir_remove(char *dir)
{
	if (dir == NULL)
		return;
	test_sh("rm -rf '%s'", dir);
	free(dir);
}

char *test_write(const char *dir, const char *name, const void *data, size_t size)
{
	char *path = malloc(4096);
	FILE *f;
	snprintf(path, 4096, "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(data, 1, size, f) != size) {
		if (f != NULL)
			fclose(f);
		free(path);
		return NULL;
	}
	fclose(f);
	return path;
}

unsigned char *test_read(const char *path, size_t *out_size)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long size;
	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)size);
		if (buf != NULL && fread(buf, 1, (size_t)size, f) != (size_t)size) {
			free(buf);
			buf = NULL;
		}
		*out_size = (size_t)size;
	}
	fclose(f);
	return buf;
}

int test_sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	int status;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	status = system(cmd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int test_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed, run;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	run = srunner_ntests_run(sr);
	srunner_free(sr);
	/* CK_RUN_CASE naming a case this file lacks runs nothing: a ctest entry
	 * that would pass forever without testing anything */
	if (run == 0) {
		fprintf(stderr, "no test ran: CK_RUN_CASE=%s is not a case of this suite\n",
		        getenv("CK_RUN_CASE") ? getenv("CK_RUN_CASE") : "(unset)");
		return 1;
	}
	return failed == 0 ? 0 : 1;
}

unsigned char *test_self_bytes(size_t *out_size)
{
	char path[64];
	unsigned char *b;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)getpid());
	b = test_read(path, out_size);
	ck_assert_ptr_nonnull(b);
	return b;
}
