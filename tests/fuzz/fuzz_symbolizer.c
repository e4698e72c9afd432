/*
 * Fuzzes the DWARF symbolizer: nsym_symbolizer_open on one file that is its
 * own debug file (so no search leaves the input), then lookups spread over
 * the executable sections the input's section headers name, and at a few
 * addresses read from it, with and without inline chains. Covers the ELF
 * reader, section inflation, the unit index, DIE, range-list and line-table
 * decoders, name chains, demangling and the symbol-table fallback. A
 * Mach-O input (a thin or universal file, or a dSYM's DWARF file) goes
 * through the Mach-O reader to the same decoders, swept from where its
 * __TEXT is linked.
 */
#include <elf.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_util.h"

/* Addresses looked up: the ends of each executable section (up to
 * SECTIONS_MAX) and SPREAD more spread over them by size. Without one, a
 * sweep over .text of the C fixtures, or over the first pages of a Mach-O
 * image (its __text follows the load commands). */
#define SECTIONS_MAX     8
#define SPREAD           48
#define SWEEP_START      0x1000
#define SWEEP_END        0x1800
#define SWEEP_STEP       0x80
#define MACHO_SWEEP_END  0x1000
#define MACHO_SWEEP_STEP 0x10
#define ADDRESSES_MAX    (MACHO_SWEEP_END / MACHO_SWEEP_STEP + 8)

/* An unsigned field of `n` bytes at `off` in the input, in the ELF's byte
 * order; 0 past the end. */
static uint64_t field(const uint8_t *data, size_t size, size_t off, int n, bool big_endian)
{
	uint64_t v = 0;

	if (off > size || size - off < (size_t)n)
		return 0;
	for (int i = 0; i < n; i++)
		v = v << 8 | data[off + (size_t)(big_endian ? i : n - 1 - i)];
	return v;
}

/* Fills `out` with addresses inside the input's executable sections, read
 * from its section headers the simple way (the library's checks are what
 * is under test, so nothing here relies on them). Returns how many. */
static size_t text_addresses(uint64_t *out, const uint8_t *data, size_t size)
{
	uint64_t addr[SECTIONS_MAX], len[SECTIONS_MAX], shoff, shentsize, shnum, total = 0;
	size_t n = 0, found = 0;
	bool is64, be;

	if (size < 0x34 || memcmp(data, ELFMAG, SELFMAG) != 0)
		return 0;
	is64 = data[EI_CLASS] == ELFCLASS64;
	be = data[EI_DATA] == ELFDATA2MSB;
	shoff = field(data, size, is64 ? 0x28 : 0x20, is64 ? 8 : 4, be);
	shentsize = field(data, size, is64 ? 0x3a : 0x2e, 2, be);
	shnum = field(data, size, is64 ? 0x3c : 0x30, 2, be);
	if (shentsize < (is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr)))
		return 0;
	for (uint64_t i = 0; i < shnum && found < SECTIONS_MAX; i++) {
		size_t sh;
		if (shoff > size || i >= (size - shoff) / shentsize)
			break;
		sh = (size_t)(shoff + i * shentsize);
		if (!(field(data, size, sh + 8, is64 ? 8 : 4, be) & SHF_EXECINSTR))
			continue;
		addr[found] = field(data, size, sh + (is64 ? 0x10 : 0x0c), is64 ? 8 : 4, be);
		len[found] = field(data, size, sh + (is64 ? 0x20 : 0x14), is64 ? 8 : 4, be);
		if (len[found] == 0 || len[found] > UINT64_MAX / SPREAD)
			continue;
		total += len[found++];
	}
	for (size_t i = 0; i < found; i++) {
		uint64_t samples = len[i] * SPREAD / total + 1;
		out[n++] = addr[i];
		out[n++] = addr[i] + len[i] - 1;
		for (uint64_t k = 1; k < samples; k++)
			out[n++] = addr[i] + len[i] / samples * k + k % 7;
	}
	return n;
}

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
	struct nsym_open_options options = {.debug_file = path, .debug_dirs = no_dirs};
	nsym_symbolizer *sym = NULL;
	uint64_t addrs[ADDRESSES_MAX];
	size_t count = text_addresses(addrs, data, size);
	uint64_t base;
	int rc;

	fuzz_reset_error();
	rc = nsym_symbolizer_open(&sym, path, &options);
	if (rc != 0 && sym == NULL) {
		/* a universal file asks for a slice: the arm64 one */
		fuzz_reset_error();
		options.arch = "arm64";
		rc = nsym_symbolizer_open(&sym, path, &options);
	}
	if (rc != 0) {
		fuzz_check_error(rc, path);
		if (sym != NULL)
			fuzz_fail("nsym_symbolizer_open failed but returned a symbolizer");
		goto out;
	}
	/* 0 for ELF; a Mach-O file's addresses start at its __TEXT */
	base = nsym_symbolizer_image_base(sym);
	if (count == 0 && (size < SELFMAG || memcmp(data, ELFMAG, SELFMAG) != 0)) {
		for (uint64_t a = 0; a < MACHO_SWEEP_END; a += MACHO_SWEEP_STEP)
			addrs[count++] = base + a;
	} else if (count == 0) {
		for (uint64_t a = SWEEP_START; a < SWEEP_END; a += SWEEP_STEP)
			addrs[count++] = a;
	}
	addrs[count++] = 0;
	addrs[count++] = UINT64_MAX;
	addrs[count++] = fuzz_le64(data, size, 0x18); /* e_entry of ELF64 */
	addrs[count++] = fuzz_le64(data, size, size >= 8 ? size - 8 : 0);
	fuzz_say("opened %zu bytes, debug file %s", size,
	         nsym_symbolizer_debug_path(sym) ? nsym_symbolizer_debug_path(sym) : "none");
	fuzz_touch(nsym_symbolizer_debug_path(sym));
	if (nsym_symbolizer_cached(sym))
		fuzz_fail("a symbolizer opened without cache_dir answers from a symcache");
	for (size_t i = 0; i < count; i++) {
		lookup(sym, addrs[i], 0, path);
		lookup(sym, addrs[i], i % 2 ? NSYM_LOOKUP_NO_INLINES : NSYM_LOOKUP_RETURN_ADDRESS,
		       path);
	}
	nsym_symbolizer_close(sym);
out:
	fuzz_input_close(fd);
	return 0;
}
