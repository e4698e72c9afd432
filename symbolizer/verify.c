/*
 * nsym_verify: does a debug file belong to a binary, and does it describe
 * the binary's code? The CI gate after a build: a debug file of another
 * build, a dSYM missing a slice, or a debug file left without DWARF (the
 * dSYM that dsymutil made after the object files were gone, the ELF file
 * built without -g) symbolizes nothing, and is only noticed when the crash
 * it was kept for comes. Identity is what each format pairs by (GNU
 * build-id or our fallback id, LC_UUID per slice, CodeView GUID and age);
 * coverage is the part of the binary's text section (where compilers put
 * functions: .text, __TEXT,__text) inside the address ranges of the
 * DWARF's units, or for a PDB its modules with line numbers.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "image.h"
#include "macho_object.h"
#include "napi_symbols_util.h"

/* Code ranges of one image: its text section. */
#define CODE_RANGES_MAX 1

struct range {
	uint64_t lo, hi;
};

struct verify {
	const char *binary;
	const char *const *debug;
	size_t ndebug;
	double min_coverage;
	nsym_verify_fn fn;
	void *arg;
	nsym_file *bin;
	nsym_file **dbg; /* by index; NULL when it could not be read */
	bool *used;      /* a debug file that belongs to some image */
	struct nsym_verify_result *out;
};

static void problem(struct verify *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void problem(struct verify *v, const char *fmt, ...)
{
	char line[1200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	v->out->problems++;
	if (v->fn != NULL)
		v->fn(v->arg, line);
}

/* "arm64 3f2a..., x86_64 09bc...": the identities a file holds. */
static void list_ids(char *out, size_t size, const nsym_file *f)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < nsym_file_image_count(f) && used < size; i++) {
		const struct nsym_image *im = nsym_file_image(f, i);
		char id[NSYM_IMAGE_ID_SIZE];
		if (nsym_image_id(id, sizeof(id), im, NSYM_ID_NATIVE) != 0)
			snprintf(id, sizeof(id), "no identity");
		used += (size_t)snprintf(out + used, size - used, "%s%s %s", i > 0 ? ", " : "",
		                         im->arch, id);
	}
}

/* ---- pairing ------------------------------------------------------------- */

/* An ELF debug file belongs to the binary by build-id, else by the
 * fallback id split records, else by the CRC its .gnu_debuglink names. */
static bool elf_pairs(const struct nsym_identity *b, const struct nsym_identity *d,
                      const char *debug_path)
{
	uint32_t crc;

	if (b->machine != d->machine || b->elf_class != d->elf_class)
		return false;
	if (b->build_id_len > 0 || d->build_id_len > 0)
		return b->build_id_len == d->build_id_len &&
		       memcmp(b->build_id, d->build_id, b->build_id_len) == 0;
	if (b->has_fallback_id && d->has_fallback_id)
		return memcmp(b->fallback_id, d->fallback_id, NSYM_FALLBACK_ID_SIZE) == 0;
	return b->debuglink != NULL && nsym_file_crc32(&crc, debug_path) == 0 &&
	       crc == b->debuglink_crc;
}

static bool pairs(const struct nsym_image *b, const struct nsym_image *d, const char *debug_path)
{
	switch (b->format) {
	case NSYM_FORMAT_ELF:
		return d->format == NSYM_FORMAT_ELF && elf_pairs(b->elf, d->elf, debug_path);
	case NSYM_FORMAT_MACHO:
		return d->format == NSYM_FORMAT_MACHO && b->has_uuid && d->has_uuid &&
		       memcmp(b->uuid, d->uuid, 16) == 0;
	case NSYM_FORMAT_PE:
		return d->format == NSYM_FORMAT_PDB && b->has_uuid && d->has_uuid &&
		       memcmp(b->uuid, d->uuid, 16) == 0 && b->age == d->age;
	default:
		return false;
	}
}

/* The debug file (and its image) that belongs to binary image i. */
static int find_debug(size_t *out_image, struct verify *v, const struct nsym_image *b)
{
	for (size_t k = 0; k < v->ndebug; k++) {
		if (v->dbg[k] == NULL)
			continue;
		for (size_t j = 0; j < nsym_file_image_count(v->dbg[k]); j++) {
			if (pairs(b, nsym_file_image(v->dbg[k], j), nsym_file_path(v->dbg[k]))) {
				*out_image = j;
				return (int)k;
			}
		}
	}
	return -1;
}

/* What the debug files given hold, for the message of an image without. */
static void list_given(char *out, size_t size, const struct verify *v)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t k = 0; k < v->ndebug && used < size; k++) {
		char ids[400];
		if (v->dbg[k] == NULL)
			continue;
		list_ids(ids, sizeof(ids), v->dbg[k]);
		used += (size_t)snprintf(out + used, size - used, "%s%s: %s", used > 0 ? "; " : "",
		                         v->debug[k], ids);
	}
	if (used == 0)
		snprintf(out, size, "%s", v->ndebug == 0 ? "none given" : "none could be read");
}

/* ---- coverage ------------------------------------------------------------ */

/* Bytes of `code` inside the union of the DWARF's unit ranges. */
static uint64_t covered(const struct nsym_dwarf *dw, const struct range *code, size_t ncode)
{
	uint64_t total = 0;

	for (size_t i = 0; i < dw->nuranges;) {
		/* one run of overlapping unit ranges (they are sorted by lo) */
		uint64_t lo = dw->uranges[i].lo, hi = dw->uranges[i].hi;
		for (i++; i < dw->nuranges && dw->uranges[i].lo <= hi; i++) {
			if (dw->uranges[i].hi > hi)
				hi = dw->uranges[i].hi;
		}
		for (size_t c = 0; c < ncode; c++) {
			uint64_t a = lo > code[c].lo ? lo : code[c].lo;
			uint64_t b = hi < code[c].hi ? hi : code[c].hi;
			if (b > a)
				total += b - a;
		}
	}
	return total;
}

static uint64_t total(const struct range *code, size_t ncode)
{
	uint64_t n = 0;
	for (size_t c = 0; c < ncode; c++)
		n += code[c].hi - code[c].lo;
	return n;
}

/* The code of an ELF file: its .text, where compilers put functions.
 * The PLT and the C runtime's .init and .fini are the linker's and never
 * have DWARF. */
static size_t elf_code(struct range *out, struct nsym_elf *ef)
{
	size_t i = nsym__elf_find_section(ef, ".text");
	GElf_Shdr sh;

	if (i == 0 || nsym__elf_section_name(ef, i, &sh) == NULL || sh.sh_type != SHT_PROGBITS ||
	    sh.sh_size == 0)
		return 0;
	out[0] = (struct range){sh.sh_addr, sh.sh_addr + sh.sh_size};
	return 1;
}

/* The code of one Mach-O image: (__TEXT,__text), as for ELF; stubs and
 * stub helpers are the linker's. */
static int macho_code(size_t *out_n, struct range *out, const char *path,
                      const struct nsym_image *image)
{
	struct nsym_bytes b = {0};
	struct nsym_macho_layout *lay = malloc(sizeof(*lay));
	struct nsym_image im;
	int rc = lay != NULL ? nsym__map_file(&b, path) : nsym__fail(NSYM_ENOMEM, path, NULL);

	*out_n = 0;
	if (rc == 0)
		rc = nsym__macho_layout(lay, &im, &b, image->offset, image->size);
	if (rc == 0 && lay->text_sect != 0 && lay->sects[lay->text_sect - 1].size > 0) {
		const struct nsym_macho_section *s = &lay->sects[lay->text_sect - 1];
		out[(*out_n)++] = (struct range){s->addr, s->addr + s->size};
	}
	if (b.data != NULL)
		munmap((void *)b.data, b.size);
	free(lay);
	return rc;
}

/* The DWARF of debug file k (image j), opened; NSYM_ENODEBUG when it has
 * none. close_fn undoes what it opened. */
static int open_dwarf(struct nsym_dwarf **out, struct nsym_macho **out_macho, struct verify *v,
                      size_t k, size_t j)
{
	const struct nsym_image *d = nsym_file_image(v->dbg[k], j);
	struct nsym_dwarf_sections sections;
	int rc;

	*out_macho = NULL;
	if (d->format == NSYM_FORMAT_ELF) {
		rc = nsym__elf_dwarf_sections(&sections, v->dbg[k]->elf);
	} else {
		struct nsym_macho_want want = {.uuid = d->uuid};
		rc = nsym__macho_open(out_macho, nsym_file_path(v->dbg[k]), &want);
		if (rc == 0)
			rc = nsym__macho_dwarf_sections(&sections, *out_macho);
	}
	if (rc == 0)
		rc = nsym__dwarf_open(out, &sections);
	return rc;
}

/* ELF and Mach-O: the share of the image's code the DWARF describes. */
static int dwarf_coverage(struct verify *v, size_t i, size_t k, size_t j)
{
	struct nsym_verify_image *r = &v->out->images[i];
	const struct nsym_image *b = nsym_file_image(v->bin, i);
	struct range code[CODE_RANGES_MAX];
	struct nsym_dwarf *dw = NULL;
	struct nsym_macho *m = NULL;
	size_t ncode = 0;
	int rc = 0;

	if (b->format == NSYM_FORMAT_ELF)
		ncode = elf_code(code, v->bin->elf);
	else
		rc = macho_code(&ncode, code, nsym_file_path(v->bin), b);
	if (rc != 0)
		return rc;
	r->code_bytes = total(code, ncode);
	if (r->code_bytes == 0) {
		problem(v, "%s: %s %s: has no code (is it a debug file?)", v->binary, r->arch,
		        r->id);
		return 0;
	}
	rc = open_dwarf(&dw, &m, v, k, j);
	if (rc == NSYM_ENOMEM) {
		nsym__macho_close(m);
		return rc;
	}
	if (rc != 0 && rc != NSYM_ENODEBUG) {
		problem(v, "%s", nsym_error_detail());
		nsym__macho_close(m);
		return 0;
	}
	if (rc != 0) {
		problem(v, "%s: holds no DWARF for %s %s: %s", v->debug[k], r->arch, r->id,
		        b->format == NSYM_FORMAT_ELF
		            ? "only symbols, so frames get function names without lines (built "
		              "without debug info?)"
		            : "dsymutil could not read the object files?");
		nsym__macho_close(m);
		return 0;
	}
	r->covered_bytes = covered(dw, code, ncode);
	nsym__dwarf_close(dw);
	nsym__macho_close(m);
	if (r->covered_bytes == 0)
		problem(v, "%s: its DWARF describes none of the code of %s %s (%" PRIu64 " bytes)",
		        v->debug[k], r->arch, r->id, r->code_bytes);
	else if (v->min_coverage > 0 &&
	         (double)r->covered_bytes * 100.0 < v->min_coverage * (double)r->code_bytes)
		problem(v,
		        "%s: its DWARF describes %.1f%% of the code of %s %s, less than the %.1f%% "
		        "asked for",
		        v->debug[k], 100.0 * (double)r->covered_bytes / (double)r->code_bytes,
		        r->arch, r->id, v->min_coverage);
	else
		r->ok = 1;
	return 0;
}

/* PE: the PDB's modules, and the machine it was linked for. */
static int pdb_coverage(struct verify *v, size_t i, size_t k)
{
	struct nsym_verify_image *r = &v->out->images[i];
	const struct nsym_image *d = nsym_file_image(v->dbg[k], 0);
	struct nsym_bytes b = {0};
	struct nsym_pdb_modules mods;
	int rc = nsym__map_file(&b, nsym_file_path(v->dbg[k]));

	if (rc == 0)
		rc = nsym__pdb_modules(&mods, &b);
	if (b.data != NULL)
		munmap((void *)b.data, b.size);
	if (rc == NSYM_ENOMEM)
		return rc;
	if (rc != 0) {
		problem(v, "%s: %s", v->debug[k], nsym_error_detail());
		return 0;
	}
	r->modules = mods.count;
	r->modules_with_lines = mods.with_lines;
	if (strcmp(d->arch, "unknown") != 0 && strcmp(d->arch, r->arch) != 0)
		problem(v, "%s: is for %s, %s is %s", v->debug[k], d->arch, v->binary, r->arch);
	else if (mods.with_lines == 0)
		problem(v, "%s: lists %u modules and none with line numbers: it describes no code",
		        v->debug[k], mods.count);
	else
		r->ok = 1;
	return 0;
}

/* ---- the whole check ----------------------------------------------------- */

static int check_image(struct verify *v, size_t i)
{
	const struct nsym_image *b = nsym_file_image(v->bin, i);
	struct nsym_verify_image *r = &v->out->images[i];
	char given[1600];
	size_t j = 0;
	int k;

	snprintf(r->arch, sizeof(r->arch), "%s", b->arch);
	/* what it is paired by: a PE file by the PDB its CodeView record names */
	if (nsym_image_id(r->id, sizeof(r->id), b,
	                  b->format == NSYM_FORMAT_PE ? NSYM_ID_PDB : NSYM_ID_NATIVE) != 0)
		r->id[0] = '\0';
	r->debug = -1;
	if (r->id[0] == '\0') {
		problem(v, "%s: %s: has no identity to pair a debug file by (%s)", v->binary,
		        r->arch,
		        b->format == NSYM_FORMAT_MACHO ? "no LC_UUID: linked with -no_uuid?"
		        : b->format == NSYM_FORMAT_PE ? "no CodeView record: linked without /DEBUG?"
		                                      : "no build-id or code");
		return 0;
	}
	k = find_debug(&j, v, b);
	if (k < 0) {
		list_given(given, sizeof(given), v);
		problem(v, "%s: %s %s: none of the debug files given belongs to it (%s)", v->binary,
		        r->arch, r->id, given);
		return 0;
	}
	r->debug = k;
	v->used[k] = true;
	if (b->format == NSYM_FORMAT_PE)
		return pdb_coverage(v, i, (size_t)k);
	return dwarf_coverage(v, i, (size_t)k, j);
}

static int run(struct verify *v)
{
	enum nsym_format f = nsym_file_format(v->bin);
	int rc = 0;

	v->out->format = f;
	if (f == NSYM_FORMAT_PDB || strcmp(nsym_file_image(v->bin, 0)->kind, "debug file") == 0 ||
	    (f == NSYM_FORMAT_ELF && !nsym_file_image(v->bin, 0)->elf->has_code))
		return nsym__fail(NSYM_EINVAL, v->binary,
		                  "is a debug file, not a binary: give the binary first");
	for (size_t k = 0; k < v->ndebug; k++) {
		if (nsym_file_open(&v->dbg[k], v->debug[k]) != 0)
			problem(v, "%s", nsym_error_detail());
	}
	v->out->count = nsym_file_image_count(v->bin);
	for (size_t i = 0; i < v->out->count && rc == 0; i++)
		rc = check_image(v, i);
	for (size_t k = 0; k < v->ndebug && rc == 0; k++) {
		char ids[400];
		if (v->dbg[k] == NULL || v->used[k])
			continue;
		list_ids(ids, sizeof(ids), v->dbg[k]);
		problem(v, "%s: belongs to no image of %s (it holds %s)", v->debug[k], v->binary,
		        ids);
	}
	return rc;
}

int nsym_verify(struct nsym_verify_result *out, const char *binary, const char *const *debug,
                size_t ndebug, double min_coverage, nsym_verify_fn fn, void *arg)
{
	struct verify v = {.binary = binary,
	                   .debug = debug,
	                   .ndebug = ndebug,
	                   .min_coverage = min_coverage,
	                   .fn = fn,
	                   .arg = arg,
	                   .out = out};
	int rc;

	if (out == NULL || binary == NULL || (ndebug > 0 && debug == NULL))
		return nsym__fail(NSYM_EINVAL, NULL, NULL);
	memset(out, 0, sizeof(*out));
	v.dbg = calloc(ndebug + 1, sizeof(*v.dbg));
	v.used = calloc(ndebug + 1, sizeof(*v.used));
	rc = v.dbg != NULL && v.used != NULL ? nsym_file_open(&v.bin, binary)
	                                     : nsym__fail(NSYM_ENOMEM, binary, NULL);
	if (rc == 0)
		rc = run(&v);
	if (rc == 0 && out->problems > 0)
		rc = NSYM_EMISMATCH;
	for (size_t k = 0; v.dbg != NULL && k < ndebug; k++)
		nsym_file_close(v.dbg[k]);
	nsym_file_close(v.bin);
	free(v.dbg);
	free(v.used);
	return rc;
}
