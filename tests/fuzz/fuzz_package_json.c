/*
 * Fuzzes the package.json reader of the project walk (cli/package_json.c,
 * compiled into this harness: it is in no library): nsym_package_parse on
 * the input, then nsym_package_read of the same bytes written as
 * package.json in a folder of the harness's own. Both must agree; a
 * failure is NSYM_EINVAL with one line in err and no name; a name and a
 * version are strings shorter than NSYM_PACKAGE_FIELD, and a version
 * comes only with a name.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "package_json.h"

/* The folder whose package.json each input becomes, made once. */
static char dir[4096], file[4200];

static void remove_dir(void)
{
	unlink(file);
	rmdir(dir);
}

/* Under /dev/shm when it is there: rewriting a file on ext4 flushes it at
 * close (auto_da_alloc), which cost more than the rest of an input. */
static void make_dir(void)
{
	const char *tmp = getenv("TMPDIR");
	const char *base = access("/dev/shm", W_OK) == 0   ? "/dev/shm"
	                   : tmp != NULL && tmp[0] != '\0' ? tmp
	                                                   : "/tmp";

	if (snprintf(dir, sizeof(dir), "%s/nsym-fuzz-package-XXXXXX", base) >= (int)sizeof(dir) ||
	    mkdtemp(dir) == NULL)
		fuzz_fail("cannot make a folder for package.json");
	snprintf(file, sizeof(file), "%s/package.json", dir);
	atexit(remove_dir);
}

static void write_file(const uint8_t *data, size_t size)
{
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	size_t done = 0;

	if (fd < 0)
		fuzz_fail("cannot write %s", file);
	while (done < size) {
		ssize_t n = write(fd, data + done, size - done);
		if (n <= 0)
			fuzz_fail("cannot write %s", file);
		done += (size_t)n;
	}
	close(fd);
}

static void check(int rc, const struct nsym_package *p, const char *err, const char *call)
{
	size_t name = strnlen(p->name, sizeof(p->name));
	size_t version = strnlen(p->version, sizeof(p->version));

	fuzz_say("%s: %d, name '%s' version '%s'%s%s", call, rc, p->name, p->version,
	         rc != 0 ? ": " : "", rc != 0 ? err : "");
	if (name == sizeof(p->name) || version == sizeof(p->version))
		fuzz_fail("%s: a name or version fills its field", call);
	if (version > 0 && name == 0)
		fuzz_fail("%s: a version without a name", call);
	if (rc == 0)
		return;
	if (rc != NSYM_EINVAL)
		fuzz_fail("%s gave %d (%s)", call, rc, err);
	if (name != 0 || version != 0)
		fuzz_fail("%s failed but kept a name", call);
	if (err[0] == '\0' || strchr(err, '\n') != NULL)
		fuzz_fail("%s: err is not one line: \"%s\"", call, err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nsym_package parsed, read;
	char err[256] = "", err2[256] = "";
	int rc, rc2;

	if (dir[0] == '\0')
		make_dir();
	memset(&parsed, 'x', sizeof(parsed));
	rc = nsym_package_parse(&parsed, (const char *)data, size, err, sizeof(err));
	check(rc, &parsed, err, "nsym_package_parse");

	write_file(data, size);
	memset(&read, 'x', sizeof(read));
	rc2 = nsym_package_read(&read, dir, err2, sizeof(err2));
	check(rc2, &read, err2, "nsym_package_read");
	if (rc2 != rc || strcmp(read.name, parsed.name) != 0 ||
	    strcmp(read.version, parsed.version) != 0 || (rc != 0 && strcmp(err, err2) != 0))
		fuzz_fail("nsym_package_read gave %d '%s' '%s' (%s), parsing the same bytes %d "
		          "'%s' '%s' (%s)",
		          rc2, read.name, read.version, err2, rc, parsed.name, parsed.version, err);
	return 0;
}
