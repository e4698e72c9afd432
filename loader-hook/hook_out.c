/*
 * hook_out.c: output from inside a signal handler. printf and friends may
 * allocate or take locks, so numbers, JSON strings and dates are formatted by
 * hand into a fixed buffer that is flushed with write(2).
 */
#include "hook.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

void hook_out_flush(struct hook_out *o)
{
	size_t done = 0;
	while (o->fd >= 0 && done < o->len) {
		ssize_t n = write(o->fd, o->buf + done, o->len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* a full disk or closed stderr: the caller decides what a
			 * lost tail means (a report file is then removed) */
			o->failed = 1;
			break;
		}
		done += (size_t)n;
	}
	o->len = 0;
}

/* One byte as a URL's query holds it: unreserved bytes as they are, a
 * space as '+', any other as %XX. */
static void out_encoded(struct hook_out *o, unsigned char c)
{
	char tmp[3] = {'%', "0123456789ABCDEF"[c >> 4], "0123456789ABCDEF"[c & 15]};
	int plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	            c == '-' || c == '.' || c == '_' || c == '~';

	o->encode = 0;
	if (plain)
		hook_out_mem(o, (const char *)&c, 1);
	else if (c == ' ')
		hook_out_mem(o, "+", 1);
	else
		hook_out_mem(o, tmp, 3);
	o->encode = 1;
}

void hook_out_mem(struct hook_out *o, const char *p, size_t n)
{
	if (o->encode) {
		for (size_t i = 0; i < n; i++)
			out_encoded(o, (unsigned char)p[i]);
		return;
	}
	while (n > 0) {
		size_t room = sizeof(o->buf) - o->len;
		size_t take = n < room ? n : room;
		memcpy(o->buf + o->len, p, take);
		o->len += take;
		p += take;
		n -= take;
		if (o->len == sizeof(o->buf))
			hook_out_flush(o);
	}
}

void hook_out_str(struct hook_out *o, const char *s)
{
	hook_out_mem(o, s, strlen(s));
}

void hook_out_hex(struct hook_out *o, uintptr_t v, int prefix)
{
	char tmp[2 + 2 * sizeof(v)];
	size_t i = sizeof(tmp);
	do {
		tmp[--i] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	if (prefix) {
		tmp[--i] = 'x';
		tmp[--i] = '0';
	}
	hook_out_mem(o, tmp + i, sizeof(tmp) - i);
}

void hook_out_dec(struct hook_out *o, int64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);
	/* Negate through unsigned so INT64_MIN does not overflow. */
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	do {
		tmp[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		tmp[--i] = '-';
	hook_out_mem(o, tmp + i, sizeof(tmp) - i);
}

void hook_out_json(struct hook_out *o, const char *s)
{
	hook_out_mem(o, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			char esc[2] = {'\\', (char)c};
			hook_out_mem(o, esc, 2);
		} else if (c < 0x20) {
			char esc[6] = {'\\',
			               'u',
			               '0',
			               '0',
			               "0123456789abcdef"[c >> 4],
			               "0123456789abcdef"[c & 15]};
			hook_out_mem(o, esc, sizeof(esc));
		} else {
			/* Bytes >= 0x80 pass through: paths are UTF-8 in practice. */
			hook_out_mem(o, s, 1);
		}
	}
	hook_out_mem(o, "\"", 1);
}

void hook_out_pad2(struct hook_out *o, unsigned v)
{
	char tmp[2] = {(char)('0' + v / 10 % 10), (char)('0' + v % 10)};
	hook_out_mem(o, tmp, 2);
}

/*
 * gmtime_r is not on the async-signal-safe list, so the civil date comes from
 * Howard Hinnant's days_from_civil inverse (proleptic Gregorian, UTC).
 */
void hook_time_parts(int64_t t, unsigned out[6])
{
	int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
	int64_t secs = t - days * 86400;
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;
	out[0] = (unsigned)(yoe + era * 400 + (m <= 2));
	out[1] = (unsigned)m;
	out[2] = (unsigned)d;
	out[3] = (unsigned)(secs / 3600);
	out[4] = (unsigned)(secs / 60 % 60);
	out[5] = (unsigned)(secs % 60);
}
