/* See module_file.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "module_file.h"
#include "napi_symbols.h"

static const char *kind_of(mode_t mode)
{
	return S_ISDIR(mode)    ? "a folder"
	       : S_ISFIFO(mode) ? "a FIFO"
	       : S_ISSOCK(mode) ? "a socket"
	       : S_ISCHR(mode)  ? "a character device"
	       : S_ISBLK(mode)  ? "a block device"
	                        : "not a regular file";
}

int nsym_cli_module_file(const char *path, char *why, size_t why_size)
{
	struct stat st;
	int fd, rc = 0;

	/* O_NONBLOCK: opening a FIFO for reading otherwise waits for a writer
	 * forever; O_NOCTTY: a terminal named there must not become ours */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(why, why_size, "%s", strerror(errno));
		return errno == ENOENT || errno == ENOTDIR ? NSYM_ENOENT : NSYM_EIO;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(why, why_size, "%s", strerror(errno));
		rc = NSYM_EIO;
	} else if (!S_ISREG(st.st_mode)) {
		snprintf(why, why_size, "is %s, not a file", kind_of(st.st_mode));
		rc = S_ISDIR(st.st_mode) ? NSYM_EISDIR : NSYM_EIO;
	}
	close(fd);
	return rc;
}
