/*
 * The one way the library opens a file named by its caller or by a file it
 * reads (a debuglink, a report's module path): without blocking, and only
 * a regular file. Opening a FIFO for reading would otherwise wait for a
 * writer forever, and a device would feed endless bytes; the check is made
 * on the descriptor itself, so nothing can be swapped in after it.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static const char *kind_of(mode_t mode)
{
	return S_ISDIR(mode)    ? "a directory"
	       : S_ISFIFO(mode) ? "a FIFO"
	       : S_ISSOCK(mode) ? "a socket"
	       : S_ISCHR(mode)  ? "a character device"
	       : S_ISBLK(mode)  ? "a block device"
	                        : "something else";
}

int nsym__open_regular(int *out_fd, struct stat *out_st, const char *path)
{
	/* O_NOCTTY: a terminal named there must not become ours */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

	*out_fd = -1;
	if (fd < 0)
		return nsym__fail(errno == ENOENT || errno == ENOTDIR ? NSYM_ENOENT : NSYM_EIO,
		                  path, "%s", strerror(errno));
	if (fstat(fd, out_st) != 0) {
		int e = errno;
		close(fd);
		return nsym__fail(NSYM_EIO, path, "%s", strerror(e));
	}
	if (!S_ISREG(out_st->st_mode)) {
		close(fd);
		return nsym__fail(S_ISDIR(out_st->st_mode) ? NSYM_EISDIR : NSYM_EIO, path,
		                  "is %s, not a file", kind_of(out_st->st_mode));
	}
	if (out_st->st_size == 0) {
		close(fd);
		return nsym__fail(NSYM_EEMPTY, path, "file is empty");
	}
	*out_fd = fd;
	return 0;
}
