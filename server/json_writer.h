/*
 * Writing the server's JSON replies: a growable buffer with a cap; strings
 * go through the library's escaper (napi_symbols_util.h).
 */
#ifndef NSYM_SERVER_JSON_WRITER_H
#define NSYM_SERVER_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A growable text buffer that refuses to grow beyond `max` bytes; once an
 * append fails (cap or memory) `failed` stays set and later appends do
 * nothing, so a writer checks once at the end. */
struct nsym_buf {
	char *data; /* owned; NUL-terminated while not failed */
	size_t len, cap, max;
	bool failed;
	bool over; /* it failed at the cap, not for memory */
};

void nsym_buf_init(struct nsym_buf *b, size_t max);
void nsym_buf_free(struct nsym_buf *b);
/* Room for n more bytes (and the NUL after them); false, and the buffer
 * failed, when that passes the cap or memory runs out. */
bool nsym_buf_reserve(struct nsym_buf *b, size_t n);
void nsym_buf_add(struct nsym_buf *b, const char *p, size_t n);
void nsym_buf_printf(struct nsym_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends v in decimal, or with hex set as "0x" and lowercase hex. */
void nsym_buf_num(struct nsym_buf *b, uint64_t v, bool hex);
/* Appends s as a quoted, escaped JSON string. */
void nsym_buf_json_string(struct nsym_buf *b, const char *s);

#endif
