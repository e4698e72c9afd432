/*
 * Helpers shared by the fuzz harnesses: hand one input to the library as a
 * file (the readers take paths and map files), and check the contracts the
 * public header states for whatever comes back, so that a broken promise
 * stops the run like a crash does.
 */
#ifndef NSYM_FUZZ_UTIL_H
#define NSYM_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "napi_symbols.h"

/* Longest "/proc/self/fd/N" path, with room to spare. */
#define FUZZ_PATH_MAX 64

/*
 * Writes data to a new anonymous file (memfd_create, else an unlinked file
 * under TMPDIR) and names it by "/proc/self/fd/N" in `out`. Returns the fd,
 * to pass to fuzz_input_close(); aborts when no file can be made, since a
 * harness that silently fuzzes nothing is worse than one that stops.
 */
int fuzz_input_open(char *out, size_t size, const uint8_t *data, size_t len);
void fuzz_input_close(int fd);

/* Sets the per-thread error detail to a known value, so that a failure
 * which forgets to set it is seen (see fuzz_check_error). */
void fuzz_reset_error(void);

/* A failure code must be one of NSYM_ERRORS and come with a one-line
 * detail. With FUZZ_STRICT_DETAIL=1 in the environment, the detail must
 * also name `path` (the header's promise), except for NSYM_ENOMEM. */
void fuzz_check_error(int rc, const char *path);

/* The answer of a successful lookup: at least one frame, one only with
 * NSYM_LOOKUP_NO_INLINES, and every string readable. */
void fuzz_check_frames(const struct nsym_frames *frames, unsigned flags);

/* Reads every byte of a string the library returned (so ASan sees a bad
 * pointer) and returns its length; NULL gives 0. */
size_t fuzz_touch(const char *s);

/* FUZZ_VERBOSE=1 in the environment: the harnesses say on stderr what
 * they opened and found (for reading a crash input by hand). */
int fuzz_verbose(void);
void fuzz_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Stops the run with a message: a harness-detected contract violation. */
void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* A string the library promises is one line a terminal can show: no byte
 * below 0x20 (so no newline) and no DEL. `what` names it in the failure. */
void fuzz_check_line(const char *what, const char *s);

/*
 * The library never prints (it tells its caller through return values and
 * callbacks): between fuzz_quiet_begin() and fuzz_quiet_end(), stdout and
 * stderr go to an anonymous file, which must then be empty, else the run
 * stops naming `call`. Sanitizer reports still reach the real stderr.
 * FUZZ_VERBOSE=1 turns the check off, so that what a harness says shows.
 */
void fuzz_quiet_begin(void);
void fuzz_quiet_end(const char *call);

/* Little-endian reads from the input at `off`; 0 past its end. */
uint64_t fuzz_le64(const uint8_t *data, size_t len, size_t off);

#endif
