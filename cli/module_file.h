/*
 * The one check before symbolicate hands the symbolizer a module or debug
 * file whose path came from its input (a maps line, a report's module
 * path, --module): the path is opened without blocking and must be a
 * regular file, so a FIFO, a device or a folder named there cannot hang
 * the run or feed it endless bytes (module_file.c).
 */
#ifndef NSYM_CLI_MODULE_FILE_H
#define NSYM_CLI_MODULE_FILE_H

#include <stddef.h>

/*
 * Whether path names a regular file this process can read. 0; NSYM_ENOENT
 * when nothing is there; NSYM_EISDIR for a folder, NSYM_EIO for anything
 * else (unreadable, a FIFO, a socket, a device), with why in words ("is a
 * FIFO, not a file") in why. Never blocks.
 *
 * NEEDSWORK: the symbolizer opens the path again by name, so a file that
 * is swapped for a FIFO between this check and that open still blocks it;
 * only an O_NONBLOCK open inside the library closes that window.
 */
int nsym_cli_module_file(const char *path, char *why, size_t why_size);

#endif
