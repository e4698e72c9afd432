/*
 * Fuzzes the symcache reader (symbolizer/symcache_read.c) through its
 * internal interface: the input is the cache file, opened with the identity
 * its own header claims so that mutations get past the identity check, then
 * looked up at the range and symbol addresses it lists, their neighbours
 * and the ends of the address space. A damaged cache may answer wrongly but
 * must never read outside its mapping.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_util.h"
#include "symcache.h"

/* An address the input lists: the uint64_t at table `off`, entry `i` of
 * `stride` bytes, or 0 when that lies outside the input. */
static uint64_t listed(const uint8_t *data, size_t size, uint64_t off, uint64_t i, uint64_t stride)
{
	if (off > size || i > (size - off) / stride)
		return 0;
	return fuzz_le64(data, size, (size_t)(off + i * stride));
}

static void lookup(struct nsym_symcache *sc, uint64_t addr)
{
	static const unsigned flags[] = {0, NSYM_LOOKUP_NO_INLINES};
	struct nsym_symbol_hit hit;

	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		struct nsym_frames frames = {0};
		bool found = true;
		int rc = nsym__symcache_lookup(&frames, sc, addr, flags[i], &found);
		fuzz_say("lookup 0x%llx flags %u: %d, found %d", (unsigned long long)addr, flags[i],
		         rc, found);
		if (rc != 0 && rc != NSYM_ENOMEM)
			fuzz_fail("symcache lookup gave %d", rc);
		if (found)
			fuzz_check_frames(&frames, flags[i]);
		else if (frames.count != 0)
			fuzz_fail("symcache lookup found nothing but gave %zu frames",
			          frames.count);
		nsym_frames_release(&frames);
	}
	if (nsym__symcache_symbol(&hit, sc, addr)) {
		if (hit.name == NULL)
			fuzz_fail("symcache symbol hit without a name");
		fuzz_touch(hit.name);
		fuzz_touch(hit.linkage);
		fuzz_touch(hit.file);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[FUZZ_PATH_MAX];
	int fd = fuzz_input_open(path, sizeof(path), data, size);
	struct nsym_sc_header h;
	struct nsym_symcache *sc = NULL;
	unsigned char other[NSYM_BUILD_ID_MAX];
	size_t id_len;
	int rc;

	memset(&h, 0, sizeof(h));
	memcpy(&h, data, size < sizeof(h) ? size : sizeof(h));
	id_len = h.id_len <= NSYM_BUILD_ID_MAX ? h.id_len : NSYM_BUILD_ID_MAX;

	/* another identity must never be accepted */
	memcpy(other, h.id, sizeof(other));
	other[0] ^= 0xff;
	rc = nsym__symcache_open(&sc, path, other, id_len > 0 ? id_len : 1);
	if (rc == 0)
		fuzz_fail("a symcache was accepted for another identity");
	if (sc != NULL)
		fuzz_fail("a refused symcache was returned");

	rc = nsym__symcache_open(&sc, path, h.id, id_len);
	fuzz_say("open with the header's identity (%zu bytes): %d", id_len, rc);
	switch (rc) {
	case 0:
		break;
	case NSYM_ENOENT:
	case NSYM_EMISMATCH:
	case NSYM_ETRUNC:
	case NSYM_EIO:
	case NSYM_ENOMEM:
		if (sc != NULL)
			fuzz_fail("a refused symcache was returned");
		goto out;
	default:
		fuzz_fail("nsym__symcache_open gave %d", rc);
	}
	{
		const uint64_t nr = h.nranges, ns = h.nsyms;
		const uint64_t addrs[] = {
		    listed(data, size, h.range_addr_off, 0, 8),
		    listed(data, size, h.range_addr_off, nr / 2, 8),
		    listed(data, size, h.range_addr_off, nr > 0 ? nr - 1 : 0, 8),
		    listed(data, size, h.syms_off, 0, sizeof(struct nsym_sc_sym)),
		    listed(data, size, h.syms_off, ns / 2, sizeof(struct nsym_sc_sym)),
		    listed(data, size, h.syms_off, ns > 0 ? ns - 1 : 0, sizeof(struct nsym_sc_sym)),
		};
		lookup(sc, 0);
		lookup(sc, UINT64_MAX);
		for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
			lookup(sc, addrs[i]);
			lookup(sc, addrs[i] - 1);
			lookup(sc, addrs[i] + 1);
		}
	}
	nsym__symcache_close(sc);
out:
	fuzz_input_close(fd);
	return 0;
}
