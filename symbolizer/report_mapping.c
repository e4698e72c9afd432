/*
 * A module's load address from one mapping of its file (napi_symbols_report.h,
 * nsym_crash_place_mapping), as the kernel's segfault line gives it:
 * "x.node[START+SIZE]", or since 6.x "x.node[OFF,START+SIZE]" with OFF the
 * file offset of ip. The mapping is one PT_LOAD segment as ld.so maps it
 * (from its page down to the page holding its last file byte), so the
 * file's program headers say which segment it is and where the image
 * starts. That needs the binary itself: a debug file keeps the program
 * headers but not their file offsets. The page size is not in the line:
 * 4, 16 and 64 KiB are tried, and the answer is taken only when one
 * segment fits: its file offset when the line gives it, else the size of
 * its pages (among the executable segments when ip is code that ran).
 */
#include <gelf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "report.h"

static const uint64_t pages[] = {4096, 16384, 65536};

/* The load address that maps segment ph at the module's mapping; false
 * when the mapping is not that segment with this page size. */
static bool fits(uint64_t *out, const struct nsym_crash_module *m, const GElf_Phdr *ph,
                 uint64_t page)
{
	uint64_t first = ph->p_vaddr & ~(page - 1), end = ph->p_vaddr + ph->p_filesz;

	if (ph->p_type != PT_LOAD || ph->p_filesz == 0 || end < ph->p_vaddr ||
	    end > UINT64_MAX - page || (m->map_start & (page - 1)) != 0)
		return false;
	end = (end + page - 1) & ~(page - 1);
	if (m->has_map_offset ? (ph->p_offset & ~(page - 1)) != m->map_offset
	                      : end - first != m->map_size)
		return false;
	if (m->map_start < first)
		return false;
	*out = m->map_start - first;
	return true;
}

/* The load address, or a reason in why. With code, the mapping holds an
 * instruction that ran, so only executable segments can be it. */
static bool load_address(uint64_t *out, char *why, size_t size, struct nsym_elf *ef,
                         const struct nsym_crash_module *m, bool code)
{
	size_t n = 0, found = 0;
	GElf_Phdr ph;
	uint64_t load;

	if (elf_getphdrnum(ef->elf, &n) != 0)
		n = 0;
	for (size_t i = 0; i < n; i++) {
		if (gelf_getphdr(ef->elf, (int)i, &ph) == NULL ||
		    (code && (ph.p_flags & PF_X) == 0))
			continue;
		for (size_t k = 0; k < sizeof(pages) / sizeof(pages[0]); k++) {
			if (!fits(&load, m, &ph, pages[k]) || (found > 0 && load == *out))
				continue;
			*out = load;
			found++;
		}
	}
	if (found == 1)
		return true;
	snprintf(why, size,
	         found == 0 ? "no loadable segment of '%s' is the mapping at 0x%" PRIx64
	                      " (another build?)"
	                    : "several loadable segments of '%s' could be the mapping at "
	                      "0x%" PRIx64 ": the kernel line does not tell which",
	         ef->path, m->map_start);
	return false;
}

/*
 * Whether the kernel line's ip is an instruction that was fetched: any
 * fault but one on fetching ip itself ("segfault at X ip X", a jump into
 * memory that is not code). Then its mapping is executable (no-execute is
 * enforced on every platform Node runs on).
 */
static bool ran(const struct nsym_crash *c, size_t module)
{
	for (size_t k = 0; k < c->nframes; k++) {
		if (c->frames[k].module == (int)module && c->has_address &&
		    c->fault_address == c->frames[k].pc)
			return false;
	}
	return true;
}

/* Gives the frames of module i that it leaves unplaced why, all or none:
 * their copies are made before any is given. 0, or NSYM_ENOMEM with the
 * frames as they were. */
static int say_why(struct nsym_crash *c, size_t module, const char *why)
{
	size_t n = 0, k, j = 0;
	char **texts;

	for (k = 0; k < c->nframes; k++)
		n += c->frames[k].module == (int)module &&
		     c->frames[k].how == NSYM_OFFSET_UNKNOWN && c->frames[k].pc != 0;
	if ((texts = calloc(n + 1, sizeof(*texts))) == NULL)
		return nsym__fail(NSYM_ENOMEM, NULL, NULL);
	for (k = 0; k < n; k++) {
		if ((texts[k] = nsym__crash_text(why, strlen(why))) == NULL) {
			while (k > 0)
				free(texts[--k]);
			free(texts);
			return nsym__fail(NSYM_ENOMEM, NULL, NULL);
		}
	}
	for (k = 0; k < c->nframes; k++) {
		struct nsym_crash_frame *f = &c->frames[k];
		if (f->module != (int)module || f->how != NSYM_OFFSET_UNKNOWN || f->pc == 0)
			continue;
		free(f->why);
		f->why = texts[j++];
	}
	free(texts);
	return 0;
}

int nsym_crash_place_mapping(struct nsym_crash *c, size_t module, const char *path)
{
	struct nsym_crash_module *m;
	struct nsym_elf *ef = NULL;
	char why[NSYM_REPORT_WHY_SIZE] = "";
	uint64_t load = 0;
	bool placed = false;
	int rc;

	if (c == NULL || module >= c->nmodules || path == NULL)
		return nsym__fail(NSYM_EINVAL, NULL, NULL);
	m = &c->modules[module];
	if (!m->has_map || m->has_base)
		return 0;
	if ((rc = nsym__elf_open(&ef, path)) != 0) {
		if (rc == NSYM_ENOMEM)
			return rc;
		snprintf(why, sizeof(why), "cannot place its mapping: %s", nsym_error_detail());
	} else if (load_address(&load, why, sizeof(why), ef, m, ran(c, module))) {
		placed = true;
		m->has_base = true;
		m->base = load;
	}
	nsym__elf_close(ef);
	if (!placed)
		return say_why(c, module, why);
	for (size_t k = 0; k < c->nframes; k++) {
		struct nsym_crash_frame *f = &c->frames[k];
		if (f->module != (int)module || f->how != NSYM_OFFSET_UNKNOWN || f->pc < load ||
		    f->pc == 0)
			continue;
		free(f->why);
		f->why = NULL;
		f->rel = f->pc - load;
		f->how = NSYM_OFFSET_BASE;
	}
	return 0;
}
