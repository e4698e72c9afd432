/*
 * hook_runtime.c: the Node.js version for the report. A preloaded library
 * has no napi_env to ask napi_get_node_version() with, so the version is
 * read from Node's own per-process metadata: node::per_process::metadata is
 * an exported object whose first member is the std::string
 * `versions.node` ("20.20.2", what process.versions.node shows). The
 * string is read only when it has libstdc++'s short-string layout (a
 * pointer to the buffer inside the object itself, then the length), so
 * nothing outside the object is ever dereferenced, and only when it looks
 * like a version; otherwise the report says "" (not Node, or a Node built
 * otherwise).
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

size_t hook_node_version(char *out, size_t size)
{
	struct {
		const char *data;
		size_t len;
		char local[16];
	} s;
	if (!node_metadata || size < sizeof(s.local) + 1)
		return 0;
	memcpy(&s, node_metadata, sizeof(s));
	if (s.data != node_metadata + offsetof(__typeof__(s), local) || s.len == 0 ||
	    s.len >= sizeof(s.local) || s.local[0] < '0' || s.local[0] > '9')
		return 0;
	for (size_t i = 0; i < s.len; i++) {
		if (!version_char(s.local[i]))
			return 0;
	}
	out[0] = 'v'; /* process.version's form */
	memcpy(out + 1, s.local, s.len);
	out[s.len + 1] = '\0';
	return s.len + 1;
}
