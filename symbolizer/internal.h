/*
 * Declarations shared by the files of libnsym and nowhere else. Everything
 * here is hidden from the library's users (-fvisibility=hidden); the names
 * carry a double underscore to say so.
 */
#ifndef NSYM_INTERNAL_H
#define NSYM_INTERNAL_H

#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "napi_symbols.h"

/* elf.h of glibc 2.36 has it; the npm packages are built against 2.31. */
#ifndef EM_LOONGARCH
#define EM_LOONGARCH 258
#endif

/* Records the failure for nsym_error_detail() and returns `code`. subject
 * (usually a path) prefixes the message; fmt NULL uses nsym_strerror(code). */
int nsym__fail(int code, const char *subject, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Whether a libelf, libdwarf or zlib-style call that has just failed did so
 * for want of memory. libelf keeps its error numbers private and libdwarf
 * has dozens of *_ALLOC ones, but the allocator's ENOMEM is left in errno:
 * set errno to 0 before the call, and ask this only when it failed.
 */
static inline bool nsym__out_of_memory(void)
{
	return errno == ENOMEM;
}

/* file_open.c: path opened read-only without blocking, refused (with why
 * recorded) unless it is a non-empty regular file. 0 with the descriptor
 * and its stat, or NSYM_ENOENT, NSYM_EISDIR, NSYM_EEMPTY, NSYM_EIO. */
int nsym__open_regular(int *out_fd, struct stat *out_st, const char *path);

/* ---- elf_file.c: an ELF file opened read-only over mmap ---------------- */

/* The contents of one section, decompressed if it was SHF_COMPRESSED or
 * .zdebug. `data` points into the mapping or into a buffer the file owns. */
struct nsym_section {
	const unsigned char *data;
	size_t size;
};

struct nsym_elf {
	char *path;
	int fd;
	Elf *elf;
	GElf_Ehdr ehdr;
	size_t shnum;
	size_t shstrndx;
	unsigned char **owned;       /* decompressed buffers, indexed by section */
	struct nsym_section *loaded; /* cache of section contents, by index */
	int *load_state;             /* 0 untried, 1 loaded, or the NSYM_E* code it failed with */
};

int nsym__elf_open(struct nsym_elf **out, const char *path);
void nsym__elf_close(struct nsym_elf *ef);

/* Section header and name of section index i; NULL name when out of range. */
const char *nsym__elf_section_name(struct nsym_elf *ef, size_t i, GElf_Shdr *out_shdr);
/* Index of the first section named `name` (".zdebug_x" matches ".debug_x"),
 * or 0 when there is none. */
size_t nsym__elf_find_section(struct nsym_elf *ef, const char *name);
/* Contents of section i, decompressed once and cached. SHT_NOBITS sections
 * give NSYM_ENOENT. */
int nsym__elf_section_data(struct nsym_section *out, struct nsym_elf *ef, size_t i);

/* ---- elf_id.c ----------------------------------------------------------- */
/* The section in which `split` records a debug file's fallback id: the
 * 20 bytes alone, non-allocated. */
#define NSYM_FALLBACK_SECTION ".napi_symbols.fallback_id"
int nsym__elf_identity(struct nsym_identity *out, struct nsym_elf *ef);

/* Appends a copy of f to out (symbolizer.c). */
int nsym__frames_push(struct nsym_frames *out, const struct nsym_frame *f);

/* ---- sorted arrays -------------------------------------------------------- */
/* How many leading elements of a sorted array have a uint64_t key (at
 * key_offset in each stride-byte element) <= key: the upper bound that every
 * address search here starts from. */
static inline size_t nsym__upper_bound(const void *base, size_t n, size_t stride, size_t key_offset,
                                       uint64_t key)
{
	const unsigned char *p = base;
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint64_t v;
		memcpy(&v, p + mid * stride + key_offset, sizeof(v));
		if (v <= key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}
#define NSYM_UPPER_BOUND(array, n, type, field, key)                                               \
	nsym__upper_bound((array), (n), sizeof(type), offsetof(type, field), (key))

/* stable_sort.c: sorts like qsort, keeping equal elements in their order.
 * 0, or NSYM_ENOMEM (no detail) with the array unchanged. */
int nsym__sort_stable(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));

/* ---- growable arrays ---------------------------------------------------- */
/* Grows *items to hold at least `need` elements of `size` bytes, doubling.
 * Returns 0 or NSYM_ENOMEM, recorded as the error detail; *items is
 * unchanged on failure. */
int nsym__grow(void **items, size_t *capacity, size_t need, size_t size);

/* hex.c: the value of a hex digit (either case), or -1. */
int nsym__hex_value(char c);

/* json_escape.c: 1 for the bytes a JSON string holds as they are. */
extern const unsigned char nsym__json_plain[256];

/* ---- UTF-8 (utf8.c) ---------------------------------------------------- */
/* Code point cp (at most U+10FFFF) as UTF-8 at out; the bytes written. */
size_t nsym__utf8_put(char *out, uint32_t cp);
/* The length of the well-formed UTF-8 sequence at p, whose first byte is
 * 0x80 or over (the Unicode standard's Table 3-7: no overlong forms, no
 * surrogates, nothing past U+10FFFF), of at most avail bytes; else 0. */
size_t nsym__utf8_length(const unsigned char *p, size_t avail);

/* ---- demangling ---------------------------------------------------------- */
/* nsym_demangle that tells running out of memory apart: 0 with *out the
 * demangled name to free(), or NULL when `name` is not mangled or cannot be
 * demangled; NSYM_ENOMEM (known for MSVC names only: libiberty's
 * cplus_demangle answers NULL either way). */
int nsym__demangle(char **out, const char *name);

#endif
