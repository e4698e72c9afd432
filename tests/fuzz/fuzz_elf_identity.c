/*
 * Fuzzes the ELF reader behind nsym_object_open: header and section table
 * checks, the build-id note, .gnu_debuglink, the fallback identity (a SHA-1
 * over allocated contents), the debug-section census, and file offsets to
 * virtual addresses through the program headers (nsym_object_vaddr). Every failure must
 * be a known code with a detail; every identity must print as hex.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_util.h"

static void check_identity(const struct nsym_identity *id)
{
	char hex[2 * NSYM_BUILD_ID_MAX + 1], small[9];
	int rc;

	if (id->build_id_len > NSYM_BUILD_ID_MAX)
		fuzz_fail("build-id length %zu exceeds NSYM_BUILD_ID_MAX", id->build_id_len);
	fuzz_touch(id->debuglink);
	rc = nsym_identity_hex(hex, sizeof(hex), id);
	fuzz_say("identity %s (%d), debuglink %s, debug info %d (%llu bytes), symtab %d",
	         rc == 0 ? hex : "none", rc, id->debuglink ? id->debuglink : "none",
	         id->has_debug_info, (unsigned long long)id->debug_bytes, id->has_symtab);
	if (rc == 0) {
		size_t n = strlen(hex);
		if (n == 0 || n % 2 != 0)
			fuzz_fail("identity hex \"%s\" has an odd or zero length", hex);
	} else if (rc != NSYM_ENOENT) {
		fuzz_fail("nsym_identity_hex gave %d with a full-size buffer", rc);
	}
	/* a buffer too small must be refused or filled within its size */
	memset(small, 'x', sizeof(small));
	rc = nsym_identity_hex(small, sizeof(small) - 1, id);
	if (small[sizeof(small) - 1] != 'x')
		fuzz_fail("nsym_identity_hex wrote past the size it was given");
	if (rc == 0 && strlen(small) >= sizeof(small) - 1)
		fuzz_fail("nsym_identity_hex filled a short buffer without its NUL");
}

/* File offsets through the program headers: at the ends of the file, in
 * it, and past any 64-bit sum, an address or a known error. */
static void check_vaddr(nsym_object *obj, const char *path, size_t size)
{
	const uint64_t at[] = {0, size / 2, size > 0 ? size - 1 : 0, size, UINT64_MAX};
	uint64_t va;

	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		int rc = nsym_object_vaddr(&va, obj, at[i]);
		if (rc != 0)
			fuzz_check_error(rc, path);
		fuzz_reset_error();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[FUZZ_PATH_MAX];
	int fd = fuzz_input_open(path, sizeof(path), data, size);
	nsym_object *obj = NULL;
	struct nsym_identity id;
	uint32_t crc;
	int rc;

	fuzz_reset_error();
	rc = nsym_object_open(&obj, path);
	if (rc != 0) {
		fuzz_check_error(rc, path);
		if (obj != NULL)
			fuzz_fail("nsym_object_open failed but returned an object");
	} else {
		if (nsym_object_path(obj) == NULL || strcmp(nsym_object_path(obj), path) != 0)
			fuzz_fail("nsym_object_path does not give the path opened");
		rc = nsym_object_identity(&id, obj);
		if (rc != 0)
			fuzz_fail("nsym_object_identity failed (%d) on an open object", rc);
		check_identity(&id);
		check_vaddr(obj, path, size);
		nsym_object_close(obj);
	}
	fuzz_reset_error();
	rc = nsym_file_crc32(&crc, path);
	if (rc != 0)
		fuzz_check_error(rc, path);
	fuzz_input_close(fd);
	return 0;
}
