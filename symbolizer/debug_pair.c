/*
 * Pairing a stripped file with its debug file, the way gdb looks: an explicit
 * path, then .gnu_debuglink beside the file, in .debug/ beside it, and under
 * each debug root, then DEBUGROOT/.build-id/xx/rest.debug. A candidate is
 * taken only when its identity matches: the build-id when both have one,
 * else the recorded fallback id, else the debuglink CRC.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "debug_pair.h"

static bool same_bytes(const unsigned char *a, size_t alen, const unsigned char *b, size_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

int nsym__debug_matches(const struct nsym_identity *file, const struct nsym_identity *debug,
                        const char *debug_path)
{
	if (file->machine != debug->machine || file->elf_class != debug->elf_class)
		return nsym__fail(NSYM_EMISMATCH, debug_path,
		                  "debug file is for another architecture (e_machine %u, not %u)",
		                  (unsigned)debug->machine, (unsigned)file->machine);
	if (file->build_id_len > 0 || debug->build_id_len > 0) {
		if (!same_bytes(file->build_id, file->build_id_len, debug->build_id,
		                debug->build_id_len))
			return nsym__fail(NSYM_EMISMATCH, debug_path,
			                  "debug file has a different build-id than the file");
		return 0;
	}
	if (file->has_fallback_id && debug->has_fallback_id) {
		if (memcmp(file->fallback_id, debug->fallback_id, NSYM_FALLBACK_ID_SIZE) != 0)
			return nsym__fail(
			    NSYM_EMISMATCH, debug_path,
			    "debug file belongs to another build (fallback id differs)");
		return 0;
	}
	if (file->debuglink != NULL) {
		uint32_t crc = 0;
		int rc = nsym_file_crc32(&crc, debug_path);
		if (rc != 0)
			return rc;
		if (crc != file->debuglink_crc)
			return nsym__fail(NSYM_EMISMATCH, debug_path,
			                  "debug file CRC %08x differs from .gnu_debuglink's %08x",
			                  crc, file->debuglink_crc);
	}
	return 0;
}

static bool is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Opens `path` as the debug file if it exists and matches. */
static int try_candidate(struct nsym_elf **out, const char *path, const struct nsym_identity *id)
{
	if (!is_file(path))
		return NSYM_ENOENT;
	return nsym__debug_open_explicit(out, path, id);
}

static void dir_of(char *out, size_t size, const char *path)
{
	const char *slash = strrchr(path, '/');
	if (slash == NULL)
		snprintf(out, size, ".");
	else if (slash == path)
		snprintf(out, size, "/");
	else
		snprintf(out, size, "%.*s", (int)(slash - path), path);
}

int nsym__debug_find(struct nsym_elf **out, const char *path, const struct nsym_identity *id,
                     const char *const *debug_dirs)
{
	static const char *const default_dirs[] = {"/usr/lib/debug", NULL};
	char dir[PATH_MAX], abs_dir[PATH_MAX], cand[PATH_MAX * 2];
	int last = NSYM_ENODEBUG;

	*out = NULL;
	if (debug_dirs == NULL)
		debug_dirs = default_dirs;
	dir_of(dir, sizeof(dir), path);
	if (realpath(dir, abs_dir) == NULL)
		snprintf(abs_dir, sizeof(abs_dir), "%s", dir);
	if (id->debuglink != NULL && strchr(id->debuglink, '/') == NULL) {
		const char *forms[] = {"%s/%s", "%s/.debug/%s"};
		for (size_t i = 0; i < 2; i++) {
			snprintf(cand, sizeof(cand), forms[i], dir, id->debuglink);
			int rc = try_candidate(out, cand, id);
			if (rc == 0)
				return 0;
			if (rc != NSYM_ENOENT)
				last = rc;
		}
		for (size_t d = 0; debug_dirs[d] != NULL; d++) {
			snprintf(cand, sizeof(cand), "%s%s/%s", debug_dirs[d], abs_dir,
			         id->debuglink);
			int rc = try_candidate(out, cand, id);
			if (rc == 0)
				return 0;
			if (rc != NSYM_ENOENT)
				last = rc;
		}
	}
	if (id->build_id_len > 1) {
		char hex[2 * NSYM_BUILD_ID_MAX + 1];
		struct nsym_identity only_build_id = *id;
		only_build_id.has_fallback_id = 0;
		nsym_identity_hex(hex, sizeof(hex), &only_build_id);
		for (size_t d = 0; debug_dirs[d] != NULL; d++) {
			snprintf(cand, sizeof(cand), "%s/.build-id/%.2s/%s.debug", debug_dirs[d],
			         hex, hex + 2);
			int rc = try_candidate(out, cand, id);
			if (rc == 0)
				return 0;
			if (rc != NSYM_ENOENT)
				last = rc;
		}
	}
	return last;
}

int nsym__debug_open_explicit(struct nsym_elf **out, const char *debug_path,
                              const struct nsym_identity *id)
{
	struct nsym_identity debug_id;
	struct nsym_elf *ef = NULL;
	int rc = nsym__elf_open(&ef, debug_path);

	*out = NULL;
	if (rc == 0)
		rc = nsym__elf_identity(&debug_id, ef);
	if (rc == 0)
		rc = nsym__debug_matches(id, &debug_id, debug_path);
	if (rc != 0) {
		nsym__elf_close(ef);
		return rc;
	}
	*out = ef;
	return 0;
}
