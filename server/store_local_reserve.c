/*
 * Room for deletes on a full disk. sqlite appends a transaction's pages to
 * its write-ahead log before it commits, so when the disk is full a delete
 * fails like any write, and space could not be freed through the API. The
 * store keeps DIR/reserve, a file of RESERVE_BYTES allocated on the disk: a
 * delete that fails for want of space (store_local.c, delete_with) removes
 * it and is tried once more in the room it leaves, then makes it again
 * from the space it freed. An upload is refused (507) while the reserve is
 * spent and cannot be made again, so uploads do not eat the room the next
 * delete needs; only uploads already under way can. Chosen over the other
 * ways: no PRAGMA reserves space (journal_size_limit only trims the log
 * after a commit), and checking the free space before each write races with
 * everything else that writes to the disk. The reserve is one file for all
 * the servers sharing the store; any of them may spend it or make it again.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_local.h"

/* About 500 pages of log (4 KiB and a 24-byte header each): a delete
 * writes each page it changes once, and deleting a build with 300 sources
 * wrote 51. */
#define RESERVE_BYTES (2 << 20)

static void reserve_path(char *out, size_t size, const char *dir)
{
	snprintf(out, size, "%s/reserve", dir);
}

/* Blocks on the disk, not only a size: a crash may leave the name without
 * its allocation, and such a file reserves nothing. */
static bool reserve_held(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	       (uint64_t)st.st_blocks * 512 >= RESERVE_BYTES;
}

int nsym_local_reserve_make(const char *dir)
{
	char path[4096], tmp[4096];
	int fd, err = 0;

	reserve_path(path, sizeof(path), dir);
	if (reserve_held(path))
		return 0;
	fd = nsym_local_tmp_create(tmp, sizeof(tmp), dir, "reserve");
	if (fd < 0)
		return fd;
	/* allocated, not a sparse size (glibc writes each block on file
	 * systems without fallocate) */
	err = posix_fallocate(fd, 0, RESERVE_BYTES);
	if (err == 0 && rename(tmp, path) != 0)
		err = errno;
	if (err != 0)
		unlink(tmp);
	close(fd);
	if (err == 0 || reserve_held(path)) /* made, here or by another thread */
		return 0;
	/* a file-size limit below it is no full disk */
	return err == EFBIG ? NSYM_EIO : nsym_local_errno_code(err);
}

bool nsym_local_reserve_release(const char *dir)
{
	char path[4096];

	reserve_path(path, sizeof(path), dir);
	return unlink(path) == 0;
}
