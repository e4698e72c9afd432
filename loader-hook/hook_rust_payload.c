/*
 * hook_rust_payload.c: the message of a Rust panic, read from the exception
 * object that _Unwind_RaiseException is given (preload mode; linked mode's
 * panic hook is handed the message). std's panic_unwind lays the object out
 * as a #[repr(C)] struct: the _Unwind_Exception, a canary pointer, and the
 * payload, a Box<dyn Any + Send> (data pointer, then vtable pointer; a Rust
 * vtable starts with drop_in_place, size, align). std's own panics carry
 * one of two payloads: a &'static str (16 bytes: pointer, length) for a
 * message without arguments, and a String (24 bytes: capacity, pointer,
 * length in today's Vec; pointer, capacity, length before 1.67) for one
 * with. Anything else (panic_any with another type) reads as no message.
 *
 * Nothing here is a Rust guarantee, so every step is checked: each read
 * goes through the kernel (a write(2) into a pipe of our own, which fails
 * with EFAULT on memory that cannot be read, guard pages included, where a
 * plain load would crash the thread), the length must fit the capacity,
 * and the text must be UTF-8, or the message stays "". The caller is the
 * raising thread, outside any signal handler.
 */
#include "hook.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <unwind.h>

static int probe[2] = {-1, -1};
static pthread_once_t probe_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t probe_lock = PTHREAD_MUTEX_INITIALIZER;

static void open_probe(void)
{
	if (pipe2(probe, O_CLOEXEC | O_NONBLOCK) != 0)
		probe[0] = probe[1] = -1;
}

/* Copies n bytes from p when all of them can be read; 0, or -1. */
static int read_bytes(void *out, uintptr_t p, size_t n)
{
	ssize_t w;
	if (p < 4096 || n == 0 || n > 4096 || pthread_once(&probe_once, open_probe) != 0 ||
	    probe[1] < 0)
		return -1;
	pthread_mutex_lock(&probe_lock);
	w = write(probe[1], (const void *)p, n);
	if (w > 0 && read(probe[0], out, (size_t)w) != w)
		w = -1; /* cannot happen with the pipe to ourselves; never use a part */
	pthread_mutex_unlock(&probe_lock);
	return w == (ssize_t)n ? 0 : -1;
}

static int read_words(uintptr_t p, uintptr_t *out, size_t n)
{
	return read_bytes(out, p, n * sizeof(*out)) == 0;
}

/* Whether s[0..n) is UTF-8 without NUL bytes. */
static int utf8(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t more = s[i] < 0x80             ? 0
		              : (s[i] & 0xe0) == 0xc0 ? 1
		              : (s[i] & 0xf0) == 0xe0 ? 2
		              : (s[i] & 0xf8) == 0xf0 ? 3
		                                      : 4;
		if (s[i] == 0 || more == 4 || i + more >= n + (more == 0))
			return 0;
		for (size_t k = 1; k <= more; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
		}
		i += more + 1;
	}
	return 1;
}

/* text, len: copied to out (cut to fit, before a character that would not
 * fit whole) if it is UTF-8. */
static size_t take_text(char *out, size_t size, uintptr_t text, uintptr_t len)
{
	size_t n = len < size - 1 ? (size_t)len : size - 1;
	/* one byte more when cut, to see whether the cut splits a character */
	size_t copy = n < len ? n + 1 : n;
	if (len == 0 || len > ((size_t)1 << 30) || read_bytes(out, text, copy) != 0)
		return 0;
	while (n > 0 && n < len && ((unsigned char)out[n] & 0xc0) == 0x80)
		n--;
	if (!utf8((const unsigned char *)out, n))
		return 0;
	out[n] = '\0';
	return n;
}

size_t hook_rust_panic_message(char *out, size_t size, const void *exception)
{
	uintptr_t box[2], vtable[3], w[3];
	uintptr_t at = (uintptr_t)exception + sizeof(struct _Unwind_Exception) + sizeof(void *);
	out[0] = '\0';
	if (size < 2 || !read_words(at, box, 2) || !read_words(box[1], vtable, 3) ||
	    vtable[2] != sizeof(void *))
		return 0;
	if (vtable[1] == 2 * sizeof(uintptr_t) && read_words(box[0], w, 2))
		return take_text(out, size, w[0], w[1]); /* &str */
	if (vtable[1] != 3 * sizeof(uintptr_t) || !read_words(box[0], w, 3))
		return 0;
	if (w[2] <= w[0] && take_text(out, size, w[1], w[2]))
		return strlen(out); /* String as (capacity, pointer, length) */
	if (w[2] <= w[1] && take_text(out, size, w[0], w[2]))
		return strlen(out); /* (pointer, capacity, length) */
	return 0;
}
