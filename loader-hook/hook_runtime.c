/*
 * hook_runtime.c: the Node.js and N-API versions for the report. A
 * preloaded library has no napi_env to ask napi_get_node_version() or
 * napi_get_version() with, so they are read from Node's own per-process
 * metadata: node::per_process::metadata is an exported object that starts
 * with the std::string members of Metadata::Versions, one per key of
 * NODE_VERSIONS_KEYS: `node` first ("20.20.2", process.versions.node), and
 * further on `modules` ("115", the ABI version) and, two or so keys later,
 * `napi` ("9"); they are the only keys whose values are plain numbers.
 *
 * A string is read only when it has libstdc++'s short-string layout (a
 * pointer to the buffer inside the string itself, then the length), so
 * nothing outside the object is ever dereferenced; a long string is passed
 * over unread. A value is taken only when it looks right (a version; a
 * number in range); otherwise the report says "" or 0 (not Node, or a
 * Node laid out otherwise).
 */
#include "hook.h"

#include <dlfcn.h>
#include <string.h>

static const char *node_metadata;

void hook_runtime_init(void)
{
	if (!node_metadata)
		node_metadata = dlsym(RTLD_DEFAULT, "_ZN4node11per_process8metadataE");
}

static int version_char(char c)
{
	return (c >= '0' && c <= '9') || c == '.' || c == '-' || (c >= 'a' && c <= 'z');
}

/* The i-th std::string of the metadata: its text in out (NUL-terminated),
 * or 0 when it is not a short string. */
static size_t version_string(char *out, size_t size, size_t i)
{
	struct {
		const char *data;
		size_t len;
		char local[16];
	} s;
	const char *at = node_metadata + i * sizeof(s);
	memcpy(&s, at, sizeof(s));
	if (s.data != at + offsetof(__typeof__(s), local) || s.len == 0 ||
	    s.len >= sizeof(s.local) || s.len >= size)
		return 0;
	for (size_t k = 0; k < s.len; k++) {
		if (!version_char(s.local[k]))
			return 0;
	}
	memcpy(out, s.local, s.len);
	out[s.len] = '\0';
	return s.len;
}

size_t hook_node_version(char *out, size_t size)
{
	size_t len;
	if (!node_metadata || size < 2 || (len = version_string(out + 1, size - 1, 0)) == 0 ||
	    out[1] < '0' || out[1] > '9')
		return 0;
	out[0] = 'v'; /* process.version's form */
	return len + 1;
}

/* The string as a number, or -1 when it is not all digits. */
static long plain_number(const char *s)
{
	long v = 0;
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > 100000)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

#define VERSION_KEYS_READ 24 /* NODE_VERSIONS_KEYS has `napi` well before this */

unsigned hook_node_napi(void)
{
	char text[16];
	size_t modules = 0;
	if (!node_metadata || hook_node_version(text, sizeof(text)) == 0)
		return 0;
	for (size_t i = 1; i < VERSION_KEYS_READ; i++) {
		long v = version_string(text, sizeof(text), i) ? plain_number(text) : -1;
		if (modules == 0 && v >= 64) /* NODE_MODULE_VERSION: 64 was Node 10 */
			modules = i;
		else if (modules != 0 && i <= modules + 3 && v >= 1 && v < 100)
			return (unsigned)v;
	}
	return 0;
}
