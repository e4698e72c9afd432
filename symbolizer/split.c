/*
 * nsym_split: the build step. Decides what each section becomes in the two
 * outputs, has split_write.c write them to temporary files beside their
 * final names, reads both back to check that they pair and carry the
 * input's identity, and only then renames them into place: an interrupted
 * or failed split leaves the input and any older outputs as they were.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libdeflate.h>

#include "split.h"

static bool is_debug_name(const char *name)
{
	return strncmp(name, ".debug_", 7) == 0 || strncmp(name, ".zdebug_", 8) == 0;
}

/* What each section becomes; see nsym_split() in napi_symbols.h. */
static void classify(struct split_plan *p, size_t i)
{
	struct split_section *s = &p->sec[i];
	bool symbols = i == p->symtab || (p->symtab != 0 && i == p->sec[p->symtab].sh.sh_link &&
	                                  i != p->ef->shstrndx);

	s->stripped = SPLIT_CONTENT;
	s->debug = SPLIT_NOBITS;
	if (is_debug_name(s->name) && !(s->sh.sh_flags & SHF_ALLOC)) {
		s->stripped = SPLIT_DROP;
		s->debug = SPLIT_CONTENT;
	} else if (symbols || s->sh.sh_type == SHT_SYMTAB_SHNDX) {
		s->stripped = p->opt->keep_symbols ? SPLIT_CONTENT : SPLIT_DROP;
		s->debug = SPLIT_CONTENT;
	} else if (strcmp(s->name, ".gnu_debuglink") == 0) {
		s->stripped = SPLIT_DROP; /* replaced by the new one */
	} else if (s->sh.sh_type == SHT_NOTE || i == p->ef->shstrndx || is_debug_name(s->name)) {
		/* rustc's allocated .debug_gdb_scripts too: eu-elflint wants
		 * .debug_* sections to have contents, even in a debug file */
		s->debug = SPLIT_CONTENT;
	}
}

static int read_sections(struct split_plan *p)
{
	const char *path = p->ef->path;

	p->shnum = p->ef->shnum;
	p->sec = calloc(p->shnum, sizeof(*p->sec));
	if (p->sec == NULL)
		return nsym__fail(NSYM_ENOMEM, path, NULL);
	for (size_t i = 1; i < p->shnum; i++) {
		struct split_section *s = &p->sec[i];
		s->name = nsym__elf_section_name(p->ef, i, &s->sh);
		if (s->name == NULL)
			return nsym__fail(NSYM_ETRUNC, path, "section %zu has no name", i);
		if (s->sh.sh_type != SHT_NOBITS &&
		    (s->raw = elf_rawdata(elf_getscn(p->ef->elf, i), NULL)) == NULL)
			return nsym__fail(NSYM_ETRUNC, path, "cannot read section %s", s->name);
		if (s->sh.sh_type == SHT_SYMTAB)
			p->symtab = i;
	}
	return 0;
}

/*
 * Numbers the stripped file's sections. Dropped sections all follow the
 * allocated ones in what linkers write; if one did not, .dynsym's section
 * indices, which are part of the loaded image, would change.
 */
static int number_sections(struct split_plan *p)
{
	size_t next = 1;

	for (size_t i = 1; i < p->shnum; i++) {
		struct split_section *s = &p->sec[i];
		if (s->stripped == SPLIT_DROP)
			continue;
		if ((s->sh.sh_flags & SHF_ALLOC) && next != i)
			return nsym__fail(NSYM_EUNSUPPORTED, p->ef->path,
			                  "a debug section comes before allocated section %s; "
			                  "this layout is not supported",
			                  s->name);
		s->stripped_index = next++;
	}
	p->stripped_shnum = next + 1;
	return 0;
}

/* Sections split lays out anew are aligned by it; beyond this the input is
 * taken as damaged rather than padded to any size. */
#define MAX_PLACED_ALIGN ((uint64_t)1 << 16)

/* What nsym__elf_open does not check and the writers rely on. */
static int check_layout(struct split_plan *p)
{
	size_t size = 0, phnum = 0;

	elf_rawfile(p->ef->elf, &size);
	if (elf_getphdrnum(p->ef->elf, &phnum) != 0)
		return nsym__fail(NSYM_ETRUNC, p->ef->path, "program headers are damaged");
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(p->ef->elf, (int)i, &ph) == NULL || ph.p_offset > size ||
		    ph.p_filesz > size - ph.p_offset)
			return nsym__fail(NSYM_ETRUNC, p->ef->path,
			                  "segment %zu extends past the end of the file", i);
	}
	for (size_t i = 1; i < p->shnum; i++) {
		const GElf_Shdr *sh = &p->sec[i].sh;
		bool placed = sh->sh_type != SHT_NOBITS &&
		              (!(sh->sh_flags & SHF_ALLOC) || sh->sh_type == SHT_NOTE);
		if ((sh->sh_addralign & (sh->sh_addralign - 1)) != 0 ||
		    (placed && sh->sh_addralign > MAX_PLACED_ALIGN))
			return nsym__fail(NSYM_ETRUNC, p->ef->path,
			                  "section %s has an alignment of %" PRIu64 " (damaged?)",
			                  p->sec[i].name, (uint64_t)sh->sh_addralign);
	}
	return 0;
}

static int plan(struct split_plan *p)
{
	bool anything = false;
	int rc = read_sections(p);

	if (rc != 0)
		return rc;
	if (p->shnum >= SHN_LORESERVE || p->ef->shstrndx == 0)
		return nsym__fail(NSYM_EUNSUPPORTED, p->ef->path,
		                  "%zu sections or no section name table: not supported", p->shnum);
	rc = check_layout(p);
	if (rc != 0)
		return rc;
	for (size_t i = 1; i < p->shnum; i++) {
		classify(p, i);
		anything |= p->sec[i].stripped == SPLIT_DROP && p->sec[i].debug == SPLIT_CONTENT;
	}
	if (!anything)
		return nsym__fail(
		    NSYM_ENODEBUG, p->ef->path,
		    "has no debug info or symbol table to split off (already stripped?)");
	return number_sections(p);
}

/* ---- output files ----------------------------------------------------------- */

int nsym__output_open(struct nsym_output *o, const char *path, mode_t mode)
{
	char *copy = strdup(path);
	const char *dir = copy != NULL ? dirname(copy) : NULL;
	const char *base = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;

	o->path = path;
	o->fd = -1;
	if (copy == NULL || asprintf(&o->tmp, "%s/.%s.XXXXXX", dir, base) < 0) {
		free(copy);
		o->tmp = NULL;
		return nsym__fail(NSYM_ENOMEM, path, NULL);
	}
	o->fd = mkostemp(o->tmp, O_CLOEXEC);
	if (o->fd < 0) {
		int rc = nsym__fail(NSYM_EIO, path, "cannot create a file in %s: %s", dir,
		                    strerror(errno));
		free(copy);
		free(o->tmp);
		o->tmp = NULL;
		return rc;
	}
	free(copy);
	if (fchmod(o->fd, mode) != 0)
		return nsym__fail(NSYM_EIO, o->tmp, "%s", strerror(errno));
	return 0;
}

void nsym__output_discard(struct nsym_output *o)
{
	if (o->fd >= 0)
		close(o->fd);
	if (o->tmp != NULL)
		unlink(o->tmp);
	free(o->tmp);
	o->tmp = NULL;
	o->fd = -1;
}

/* rename(), or with replace false a rename that refuses an existing name;
 * link() does that where the file system has no RENAME_NOREPLACE. */
static int rename_into_place(const char *from, const char *to, bool replace)
{
	int rc;

	if (replace)
		return rename(from, to);
	rc = renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE);
	if (rc != 0 && errno == EINVAL && (rc = link(from, to)) == 0)
		unlink(from);
	return rc;
}

int nsym__output_commit(struct nsym_output *o, bool replace)
{
	int rc = rename_into_place(o->tmp, o->path, replace);

	if (rc != 0) {
		int code = errno == EEXIST ? NSYM_EEXIST : NSYM_EIO;
		return nsym__fail(code, o->path, "%s",
		                  errno == EEXIST ? "exists (--force replaces it)"
		                                  : strerror(errno));
	}
	free(o->tmp);
	o->tmp = NULL;
	return 0;
}

static int file_crc(uint32_t *out_crc, uint64_t *out_size, int fd, const char *path)
{
	struct stat st;
	void *map;

	if (fstat(fd, &st) != 0)
		return nsym__fail(NSYM_EIO, path, "%s", strerror(errno));
	*out_size = (uint64_t)st.st_size;
	if (st.st_size == 0) {
		*out_crc = 0;
		return 0;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return nsym__fail(NSYM_EIO, path, "%s", strerror(errno));
	*out_crc = libdeflate_crc32(0, map, (size_t)st.st_size);
	munmap(map, (size_t)st.st_size);
	return 0;
}

static bool same_identity(const struct nsym_identity *a, const struct nsym_identity *b)
{
	if (a->build_id_len > 0)
		return a->build_id_len == b->build_id_len &&
		       memcmp(a->build_id, b->build_id, a->build_id_len) == 0;
	return a->has_fallback_id && b->has_fallback_id &&
	       memcmp(a->fallback_id, b->fallback_id, NSYM_FALLBACK_ID_SIZE) == 0;
}

/* Reads an output back as the symbolizer will, and checks what it must say. */
static int check_output(const struct split_plan *p, const struct nsym_output *o, bool debug)
{
	struct nsym_elf *ef = NULL;
	struct nsym_identity id;
	int rc = nsym__elf_open(&ef, o->tmp);

	if (rc == 0)
		rc = nsym__elf_identity(&id, ef);
	if (rc == 0 && !same_identity(&p->id, &id))
		rc = nsym__fail(NSYM_EMISMATCH, o->path, "written without the input's identity");
	else if (rc == 0 && debug && p->id.has_debug_info && !id.has_debug_info)
		rc = nsym__fail(NSYM_EIO, o->path, "written without its DWARF");
	else if (rc == 0 && !debug &&
	         (id.has_debug_info || id.debuglink == NULL || id.debuglink_crc != p->debug_crc))
		rc = nsym__fail(NSYM_EIO, o->path, "written without a correct .gnu_debuglink");
	nsym__elf_close(ef);
	return rc;
}

/* ---- the whole step --------------------------------------------------------- */

static void paths_free(struct nsym_split_paths *sp)
{
	free(sp->input);
	free(sp->stripped);
	free(sp->debug);
}

static bool is_symlink(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
}

/* The input and the stripped file; the debug file is the format's own. */
static int resolve_paths(struct nsym_split_paths *sp, const char *path,
                         const struct nsym_split_options *opt)
{
	memset(sp, 0, sizeof(*sp));
	sp->in_place = opt->stripped_path == NULL;
	errno = 0;
	sp->input = sp->in_place && is_symlink(path) ? realpath(path, NULL) : strdup(path);
	if (sp->input == NULL && nsym__out_of_memory())
		return nsym__fail(NSYM_ENOMEM, path, NULL);
	if (sp->input == NULL)
		return nsym__fail(errno == ENOENT ? NSYM_ENOENT : NSYM_EIO, path, "%s",
		                  strerror(errno));
	sp->stripped = strdup(sp->in_place ? sp->input : opt->stripped_path);
	if (sp->stripped == NULL)
		return nsym__fail(NSYM_ENOMEM, path, NULL);
	return 0;
}

/* ELF: the debug file split writes, the stripped path + .debug unless
 * named. */
static int resolve_debug_path(struct nsym_split_paths *sp, const char *path,
                              const struct nsym_split_options *opt)
{
	if (opt->dsym_path != NULL)
		return nsym__fail(NSYM_EINVAL, path,
		                  "a .dSYM (--dsym) goes with a Mach-O file; this is ELF");
	if (opt->debug_path != NULL)
		sp->debug = strdup(opt->debug_path);
	else if (asprintf(&sp->debug, "%s.debug", sp->stripped) < 0)
		sp->debug = NULL;
	if (sp->debug == NULL)
		return nsym__fail(NSYM_ENOMEM, path, NULL);
	if (strcmp(sp->debug, sp->stripped) == 0 || strcmp(sp->debug, sp->input) == 0)
		return nsym__fail(NSYM_EINVAL, sp->debug,
		                  "the debug file cannot replace the input or the stripped file");
	return 0;
}

int nsym__split_check_free(const struct nsym_split_paths *sp, const struct nsym_split_options *opt)
{
	struct stat st;

	if (opt->force)
		return 0;
	if (!sp->in_place && lstat(sp->stripped, &st) == 0)
		return nsym__fail(NSYM_EEXIST, sp->stripped, "exists (--force replaces it)");
	if (sp->debug != NULL && lstat(sp->debug, &st) == 0)
		return nsym__fail(NSYM_EEXIST, sp->debug, "exists (--force replaces it)");
	return 0;
}

static int write_outputs(struct split_plan *p, struct nsym_output *dbg, struct nsym_output *str,
                         struct nsym_split_result *res)
{
	int rc = nsym__split_write_debug(p, dbg->fd, dbg->tmp);

	if (rc == 0)
		rc = file_crc(&p->debug_crc, &res->debug_size, dbg->fd, dbg->tmp);
	if (rc == 0)
		rc = nsym__split_write_stripped(p, str->fd, str->tmp);
	if (rc == 0)
		rc = check_output(p, dbg, true);
	if (rc == 0)
		rc = check_output(p, str, false);
	if (rc == 0) {
		struct stat st;
		res->stripped_size = fstat(str->fd, &st) == 0 ? (uint64_t)st.st_size : 0;
	}
	return rc;
}

static int run(struct split_plan *p, const struct nsym_split_paths *sp,
               struct nsym_split_result *res)
{
	struct nsym_output dbg = {.fd = -1}, str = {.fd = -1};
	struct stat st;
	int rc;

	if (fstat(p->ef->fd, &st) != 0)
		return nsym__fail(NSYM_EIO, sp->input, "%s", strerror(errno));
	res->input_size = (uint64_t)st.st_size;
	rc = nsym__output_open(&dbg, sp->debug, st.st_mode & 0666);
	if (rc == 0)
		rc = nsym__output_open(&str, sp->stripped, st.st_mode & 07777);
	if (rc == 0)
		rc = write_outputs(p, &dbg, &str, res);
	if (rc == 0)
		rc = nsym__output_commit(&dbg, p->opt->force);
	if (rc == 0)
		rc = nsym__output_commit(&str, p->opt->force || sp->in_place);
	nsym__output_discard(&dbg);
	nsym__output_discard(&str);
	return rc;
}

int nsym_split(struct nsym_split_result *out, const char *path,
               const struct nsym_split_options *options)
{
	static const struct nsym_split_options defaults;
	const struct nsym_split_options *opt = options != NULL ? options : &defaults;
	struct split_plan p = {.opt = opt};
	struct nsym_split_paths sp;
	int rc;

	if (out == NULL || path == NULL)
		return nsym__fail(NSYM_EINVAL, NULL, NULL);
	memset(out, 0, sizeof(*out));
	rc = resolve_paths(&sp, path, opt);
	if (rc == 0 && nsym__split_is_macho(sp.input)) {
		rc = nsym__split_macho(out, &sp, path, opt);
		paths_free(&sp);
		return rc;
	}
	out->format = NSYM_FORMAT_ELF;
	if (rc == 0)
		rc = resolve_debug_path(&sp, path, opt);
	if (rc == 0)
		rc = nsym__elf_open(&p.ef, sp.input);
	if (rc == 0)
		rc = nsym__elf_identity(&p.id, p.ef);
	if (rc == 0)
		rc = plan(&p);
	if (rc == 0)
		rc = nsym__split_check_free(&sp, opt);
	if (rc == 0) {
		const char *slash = strrchr(sp.debug, '/');
		p.debuglink = slash != NULL ? slash + 1 : sp.debug;
		rc = run(&p, &sp, out);
	}
	if (rc == 0) {
		out->identity = p.id;
		out->identity.debuglink = NULL;
		out->debug_crc = p.debug_crc;
		out->compressed_sections = p.compressed;
		out->has_dwarf = p.id.has_debug_info;
		snprintf(out->stripped_path, sizeof(out->stripped_path), "%s", sp.stripped);
		snprintf(out->debug_path, sizeof(out->debug_path), "%s", sp.debug);
	}
	free(p.sec);
	nsym__elf_close(p.ef);
	paths_free(&sp);
	return rc;
}
