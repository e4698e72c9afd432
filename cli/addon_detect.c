/*
 * What the project walk counts as an addon (contract in addon_detect.h):
 * the names Node and the dynamic loaders load, and the magic numbers of the
 * object formats those names hold on Linux, macOS and Windows. The formats
 * themselves are read by libnsym; this only screens files before a fetch.
 */
#include <stdint.h>
#include <string.h>

#include "addon_detect.h"

static bool ends_with(const char *name, const char *suffix)
{
	size_t n = strlen(name), k = strlen(suffix);
	return n > k && strcmp(name + n - k, suffix) == 0;
}

bool nsym_addon_name(const char *name)
{
	if (ends_with(name, ".node") || ends_with(name, ".so") || ends_with(name, ".dylib") ||
	    ends_with(name, ".dll"))
		return true;
	/* a versioned soname: libx.so.1, libx.so.1.2.3 */
	for (const char *so = strstr(name, ".so."); so != NULL; so = strstr(so + 1, ".so.")) {
		const char *t = so + 4;
		while (*t == '.' || (*t >= '0' && *t <= '9'))
			t++;
		if (so > name && *t == '\0' && so[4] >= '0' && so[4] <= '9')
			return true;
	}
	return false;
}

bool nsym_addon_magic(const unsigned char *m, size_t n)
{
	static const uint32_t magics[] = {0x7f454c46, 0xfeedface, 0xfeedfacf,
	                                  0xcefaedfe, 0xcffaedfe, 0xcafebabe,
	                                  0xbebafeca, 0xcafebabf, 0xbfbafeca};
	uint32_t v;

	if (n >= 2 && m[0] == 'M' && m[1] == 'Z')
		return true;
	if (n < NSYM_ADDON_MAGIC_SIZE)
		return false;
	v = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3];
	for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
		if (v == magics[i])
			return true;
	return false;
}
