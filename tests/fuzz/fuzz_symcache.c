/*
 * Fuzzes the symcache reader (symbolizer/symcache_read.c): the input is a
 * symcache file. It is read twice: as it is, where the checksums should
 * catch a mutation before a damaged byte is used, and resealed (its
 * checksums recomputed), so that the decoders themselves meet damaged
 * tables. Each time it is opened with the identity its own header claims
 * (never with another), alone through nsym_symbolizer_open_cache, and
 * looked up at the addresses its block tables list, their neighbours and
 * the ends of the address space. A damaged cache may answer NSYM_ETRUNC
 * (and must then keep doing so) or wrongly, but must never read outside
 * its mapping or loop.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "napi_symbols_util.h"
#include "symcache.h"

/* The address block i of the index t (BLOCKS or SYMS) starts at, or 0
 * when that lies outside the input. */
static uint64_t listed(const uint8_t *data, size_t size, const struct nsym_sc_header *h,
                       enum nsym_sc_table_id t, uint64_t i)
{
	uint64_t off = h->t[t].off;
	uint32_t v;

	if (off > size || i > (size - off) / 8 || size - off - i * 8 < 4)
		return 0;
	memcpy(&v, data + off + i * 8, 4);
	return h->base + v;
}

static void lookup(nsym_symbolizer *sym, const char *path, uint64_t addr, bool *damaged)
{
	static const unsigned flags[] = {0, NSYM_LOOKUP_NO_INLINES, NSYM_LOOKUP_NO_EXTRA_NAMES};

	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		struct nsym_frames frames = {0};
		int rc = nsym_symbolizer_lookup(&frames, sym, addr, flags[i]);
		fuzz_say("lookup 0x%llx flags %u: %d", (unsigned long long)addr, flags[i], rc);
		if (rc == 0) {
			if (*damaged)
				fuzz_fail("a symcache found damaged answered again");
			fuzz_check_frames(&frames, flags[i] & NSYM_LOOKUP_NO_INLINES);
		} else if (rc == NSYM_ETRUNC) {
			fuzz_check_error(rc, path);
			*damaged = true;
		} else if (rc != NSYM_ENOMEM) {
			fuzz_fail("symcache lookup gave %d", rc);
		}
		if (rc != 0 && frames.count != 0)
			fuzz_fail("a failed lookup gave %zu frames", frames.count);
		nsym_frames_release(&frames);
	}
}

static void try_input(const uint8_t *data, size_t size)
{
	char path[FUZZ_PATH_MAX], id[2 * NSYM_BUILD_ID_MAX + 1], other[2 * NSYM_BUILD_ID_MAX + 1];
	int fd = fuzz_input_open(path, sizeof(path), data, size);
	struct nsym_sc_header h;
	nsym_symbolizer *sym = NULL;
	size_t id_len;
	bool damaged = false;
	int rc;

	memset(&h, 0, sizeof(h));
	memcpy(&h, data, size < sizeof(h) ? size : sizeof(h));
	id_len = h.id_len >= 1 && h.id_len <= NSYM_BUILD_ID_MAX ? h.id_len : 1;
	nsym_hex(id, h.id, id_len, false);
	memcpy(other, id, sizeof(other));
	other[0] = other[0] == '0' ? '1' : '0';

	/* another identity must never be accepted */
	fuzz_reset_error();
	rc = nsym_symbolizer_open_cache(&sym, path, other);
	if (rc == 0)
		fuzz_fail("a symcache was accepted for another identity");
	if (sym != NULL)
		fuzz_fail("a refused symcache was returned");

	fuzz_reset_error();
	rc = nsym_symbolizer_open_cache(&sym, path, id);
	fuzz_say("open with the header's identity (%zu bytes): %d", id_len, rc);
	switch (rc) {
	case 0:
		break;
	case NSYM_ENOENT:
	case NSYM_EMISMATCH:
	case NSYM_ETRUNC:
	case NSYM_EIO:
	case NSYM_ENOMEM:
		fuzz_check_error(rc, path);
		if (sym != NULL)
			fuzz_fail("a refused symcache was returned");
		goto out;
	default:
		fuzz_fail("nsym_symbolizer_open_cache gave %d", rc);
	}
	{
		const uint64_t nb = h.t[NSYM_SC_BLOCKS].count, ns = h.t[NSYM_SC_SYMS].count;
		const uint64_t addrs[] = {
		    h.base,
		    listed(data, size, &h, NSYM_SC_BLOCKS, 0),
		    listed(data, size, &h, NSYM_SC_BLOCKS, nb / 2),
		    listed(data, size, &h, NSYM_SC_BLOCKS, nb > 0 ? nb - 1 : 0),
		    listed(data, size, &h, NSYM_SC_SYMS, 0),
		    listed(data, size, &h, NSYM_SC_SYMS, ns / 2),
		    listed(data, size, &h, NSYM_SC_SYMS, ns > 0 ? ns - 1 : 0),
		};
		lookup(sym, path, 0, &damaged);
		lookup(sym, path, UINT64_MAX, &damaged);
		for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
			/* inside the block too, where entries are decoded */
			for (uint64_t d = 0; d < 64; d += 5)
				lookup(sym, path, addrs[i] + d, &damaged);
			lookup(sym, path, addrs[i] - 1, &damaged);
		}
	}
	nsym_symbolizer_close(sym);
out:
	fuzz_input_close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *sealed;

	try_input(data, size);
	if (size < sizeof(struct nsym_sc_header) || (sealed = malloc(size)) == NULL)
		return 0;
	memcpy(sealed, data, size);
	nsym__symcache_reseal(sealed, size);
	if (memcmp(sealed, data, size) != 0)
		try_input(sealed, size);
	free(sealed);
	return 0;
}
