/*
 * Fuzzes the PDB reader: nsym_symbolizer_open on one PDB given alone (its
 * addresses are then RVAs, so no image is needed and no search leaves the
 * input), then lookups over the RVAs where the fixtures' code lies and at a
 * few read from the input, with and without inline chains. Covers the MSF
 * container (block lists, 512-byte and 4 KiB blocks), the DBI stream
 * (modules, section headers, contributions), /names, the publics, module
 * symbol streams (procedures, inline sites, binary annotations), C13 line
 * subsections (lines, file checksums, inlinee lines) and IPI/TPI names.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_util.h"

/* The fixtures' code starts at RVA 0x1000 and their functions are small:
 * a sweep over the first bytes hits procedures, inline sites and lines. */
#define SWEEP_START 0x1000
#define SWEEP_END   0x1300
#define SWEEP_STEP  5

static void lookup(nsym_symbolizer *sym, uint64_t address, unsigned flags, const char *path)
{
	struct nsym_frames frames = {0};
	int rc;

	fuzz_reset_error();
	rc = nsym_symbolizer_lookup(&frames, sym, address, flags);
	fuzz_say("lookup 0x%llx flags %u: %d", (unsigned long long)address, flags, rc);
	if (rc != 0)
		fuzz_check_error(rc, path);
	else
		fuzz_check_frames(&frames, flags);
	nsym_frames_release(&frames);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const no_dirs[] = {NULL};
	char path[FUZZ_PATH_MAX];
	int fd = fuzz_input_open(path, sizeof(path), data, size);
	struct nsym_open_options options = {.debug_dirs = no_dirs};
	nsym_symbolizer *sym = NULL;
	int rc;

	fuzz_reset_error();
	rc = nsym_symbolizer_open(&sym, path, &options);
	if (rc != 0) {
		fuzz_check_error(rc, path);
		if (sym != NULL)
			fuzz_fail("nsym_symbolizer_open failed but returned a symbolizer");
		goto out;
	}
	fuzz_say("opened %zu bytes", size);
	fuzz_touch(nsym_symbolizer_debug_path(sym));
	for (uint64_t a = SWEEP_START; a < SWEEP_END; a += SWEEP_STEP) {
		lookup(sym, a, 0, path);
		lookup(sym, a,
		       (a / SWEEP_STEP) % 2 ? NSYM_LOOKUP_NO_INLINES : NSYM_LOOKUP_RETURN_ADDRESS,
		       path);
	}
	lookup(sym, 0, 0, path);
	lookup(sym, UINT32_MAX, 0, path);
	lookup(sym, UINT64_MAX, 0, path);
	lookup(sym, fuzz_le64(data, size, size >= 8 ? size - 8 : 0) & 0xfffff, 0, path);
	nsym_symbolizer_close(sym);
out:
	fuzz_input_close(fd);
	return 0;
}
