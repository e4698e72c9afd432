/*
 * A saved /proc/PID/maps (napi_symbols_report.h), and the modules it gives
 * the absolute addresses of a Rust backtrace (report_rust.c): which file
 * each address was mapped from, its identity read from that file here, and
 * the address within it. The kernel writes each line as "%08lx-%08lx %c%c%c%c
 * %08llx %02x:%02x %lu" then, after padding, the path: a file, "[heap]"
 * and the like, or nothing for anonymous memory, with " (deleted)" added
 * when the file was unlinked since it was mapped. A maps file is read on
 * the machine that symbolicates, so the file named is the one that was
 * mapped only if nobody rebuilt it since: the inode is compared to say so.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"
#include "report.h"

#define DELETED " (deleted)"

/* The kinds of warning given here (napi_symbols_report.h). */
#define WARN_SKIPPED  "maps lines skipped"
#define WARN_REPLACED "files not the ones that were mapped"

struct mapping {
	uint64_t start, end; /* absolute, end exclusive */
	uint64_t offset;     /* of start in the file */
	uint64_t inode;      /* 0 for memory without a file */
	char *path;          /* NULL for anonymous memory */
	bool warned;         /* its file was found replaced, and that was said */
};

struct nsym_maps {
	struct mapping *v; /* sorted by start */
	size_t n;
};

/* Where warnings go. */
struct warner {
	nsym_report_warn_fn *fn;
	void *ctx;
};

/* ---- reading ----------------------------------------------------------------- */

/* Hex digits at *s: the value, and *s past them. */
static bool hex_field(uint64_t *out, const char **s)
{
	size_t n = strspn(*s, "0123456789abcdefABCDEF");

	if (n == 0 || nsym__crash_hex(out, *s, n, false) != 0)
		return false;
	*s += n;
	return true;
}

static bool decimal_field(uint64_t *out, const char **s)
{
	uint64_t v = 0;
	size_t n = strspn(*s, "0123456789");

	if (n == 0 || n > 19)
		return false;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (uint64_t)((*s)[i] - '0');
	*out = v;
	*s += n;
	return true;
}

/* "START-END PERMS OFFSET MAJOR:MINOR INODE [PATH]" into m (path not copied). */
static bool mapping_line(struct mapping *m, const char **path, const char *s)
{
	uint64_t dev;

	if (!hex_field(&m->start, &s) || *s++ != '-' || !hex_field(&m->end, &s) ||
	    m->start >= m->end || *s++ != ' ')
		return false;
	if (strspn(s, "rwxsp-") != 4 || s[4] != ' ')
		return false;
	s += 5;
	if (!hex_field(&m->offset, &s) || *s++ != ' ' || !hex_field(&dev, &s) || *s++ != ':' ||
	    !hex_field(&dev, &s) || *s++ != ' ' || !decimal_field(&m->inode, &s) ||
	    (*s != '\0' && *s != ' '))
		return false;
	s += strspn(s, " ");
	*path = *s != '\0' ? s : NULL;
	return true;
}

static int add_mapping(struct nsym_maps *maps, const struct mapping *m, const char *path)
{
	struct mapping *v;

	if ((maps->n & (maps->n - 1)) == 0) {
		v = realloc(maps->v, (maps->n == 0 ? 1 : maps->n * 2) * sizeof(*v));
		if (v == NULL)
			return -1;
		maps->v = v;
	}
	v = &maps->v[maps->n];
	*v = *m;
	v->path = path != NULL ? strdup(path) : NULL;
	if (path != NULL && v->path == NULL)
		return -1;
	maps->n++;
	return 0;
}

static void skipped(size_t lineno, const struct warner *w, const char *why)
{
	nsym__report_warn(w->fn, w->ctx, WARN_SKIPPED, "maps line %zu: %s; skipped", lineno, why);
}

/* One line of the text: a mapping added, or a warning. -1 out of memory. */
static int read_line(struct nsym_maps *maps, const char *line, size_t n, size_t lineno,
                     const struct warner *skips)
{
	struct mapping m = {0};
	const char *path = NULL;
	char buf[NSYM_MAPS_MAX_LINE + 1];

	if (n > NSYM_MAPS_MAX_LINE) {
		skipped(lineno, skips, "longer than a maps line can be");
		return 0;
	}
	memcpy(buf, line, n);
	buf[n] = '\0';
	buf[strcspn(buf, "\r")] = '\0';
	if (buf[0] == '\0')
		return 0;
	if (!mapping_line(&m, &path, buf)) {
		skipped(lineno, skips, "not 'START-END PERMS OFFSET DEV INODE PATH'");
		return 0;
	}
	if (maps->n == NSYM_MAPS_MAX) {
		skipped(lineno, skips, "more mappings than a process has");
		return 0;
	}
	return add_mapping(maps, &m, path);
}

static int by_start(const void *a, const void *b)
{
	const struct mapping *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

int nsym_maps_parse(struct nsym_maps **out, const char *text, size_t len, nsym_report_warn_fn *warn,
                    void *ctx)
{
	struct nsym_maps *maps = calloc(1, sizeof(*maps));
	const char *p = text, *end = text + len;
	const struct warner skips = {warn, ctx};
	size_t lineno = 0;

	*out = NULL;
	if (maps == NULL)
		goto oom;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl != NULL ? nl : end) - p);
		if (read_line(maps, p, n, ++lineno, &skips) != 0)
			goto oom;
		p += n + (nl != NULL);
	}
	if (maps->n == 0) {
		nsym_maps_free(maps);
		return nsym__fail(NSYM_EINVAL, NULL,
		                  "no line is a mapping as /proc/PID/maps writes it "
		                  "(START-END PERMS OFFSET DEV INODE PATH)");
	}
	qsort(maps->v, maps->n, sizeof(*maps->v), by_start);
	*out = maps;
	return 0;
oom:
	nsym_maps_free(maps);
	return nsym__fail(NSYM_ENOMEM, NULL, NULL);
}

void nsym_maps_free(struct nsym_maps *maps)
{
	if (maps == NULL)
		return;
	for (size_t i = 0; i < maps->n; i++)
		free(maps->v[i].path);
	free(maps->v);
	free(maps);
}

/* ---- placing frames ------------------------------------------------------------- */

/* The mapping that holds pc, or NULL. */
static const struct mapping *find(const struct nsym_maps *maps, uint64_t pc)
{
	size_t lo = 0, hi = maps->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (maps->v[mid].start <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && pc < maps->v[lo - 1].end ? &maps->v[lo - 1] : NULL;
}

/* The modules made so far, with what placing them needs. */
struct placer {
	struct nsym_crash *c;
	struct nsym_maps *maps;
	const struct mapping **first; /* by module: the mapping it was made for */
	nsym_object **obj;            /* by module: its file, NULL when unusable */
	const struct warner *w;
};

/* 0 or NSYM_ENOMEM. */
static int set_why(struct nsym_crash_module *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int set_why(struct nsym_crash_module *m, const char *fmt, ...)
{
	char why[NSYM_CRASH_MAX_TEXT];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	free(m->why);
	m->why = nsym__crash_text(why, strlen(why));
	return m->why != NULL ? 0 : NSYM_ENOMEM;
}

/* Warns, once for all the backtraces, when the file at the path is not
 * the one that was mapped. */
static void check_inode(struct nsym_maps *maps, const struct mapping *map, const char *path,
                        const struct warner *w)
{
	struct stat st;

	if (map->warned || map->inode == 0 || stat(path, &st) != 0 ||
	    (uint64_t)st.st_ino == map->inode)
		return;
	for (size_t i = 0; i < maps->n; i++)
		maps->v[i].warned |=
		    maps->v[i].path != NULL && strcmp(maps->v[i].path, map->path) == 0;
	nsym__report_warn(w->fn, w->ctx, WARN_REPLACED,
	                  "'%s' is not the file that was mapped (inode %" PRIu64
	                  ", the maps file says %" PRIu64
	                  "): if it was rebuilt since, its answers are wrong",
	                  path, (uint64_t)st.st_ino, map->inode);
}

/* Reads the file of module m: its identity, or why it cannot be used.
 * 0 or NSYM_ENOMEM. */
static int open_file(nsym_object **out, struct nsym_crash_module *m, const struct placer *pl,
                     const struct mapping *map)
{
	struct nsym_identity id;
	size_t len = strlen(map->path), dl = strlen(DELETED);
	char path[NSYM_MAPS_MAX_LINE + 1], why[512];
	int rc;

	*out = NULL;
	snprintf(path, sizeof(path), "%s", map->path);
	if (len > dl && strcmp(path + len - dl, DELETED) == 0) {
		path[len - dl] = '\0';
		if ((m->path = nsym__crash_text(path, strlen(path))) == NULL)
			return NSYM_ENOMEM;
		return set_why(m, "'%s' was deleted or replaced after it was mapped", path);
	}
	if ((m->path = nsym__crash_text(path, len)) == NULL)
		return NSYM_ENOMEM;
	/* out of memory is no reason to call the file unusable */
	if ((rc = nsym_object_open(out, path)) == NSYM_ENOMEM)
		return rc;
	if (rc != 0)
		snprintf(why, sizeof(why), "%s", nsym_error_detail());
	if (rc == NSYM_ENOENT)
		return set_why(m, "'%s' is not on this machine", path);
	if (rc != 0)
		return set_why(m, "cannot read %s", why); /* why names the path */
	check_inode(pl->maps, map, path, pl->w);
	if (nsym_object_identity(&id, *out) != 0 ||
	    nsym_identity_hex(m->id, sizeof(m->id), &id) != 0)
		m->id[0] = '\0';
	return 0;
}

/* The module of map's file, made when first met; -1 out of memory. */
static int module_of(struct placer *pl, const struct mapping *map)
{
	struct nsym_crash *c = pl->c;
	struct nsym_crash_module *m;

	for (size_t i = 0; i < c->nmodules; i++) {
		if (pl->first[i] != NULL && strcmp(pl->first[i]->path, map->path) == 0)
			return (int)i;
	}
	if (nsym__crash_add_module(&m, c) != 0)
		return -1;
	m->listed = true;
	pl->first[c->nmodules - 1] = map;
	if (open_file(&pl->obj[c->nmodules - 1], m, pl, map) != 0)
		return -1;
	return (int)c->nmodules - 1;
}

/* The offset in map's file of pc, which map holds: false when it would
 * pass 2^64, as no file offset can (the line's OFFSET is made up). */
static bool file_offset(uint64_t *out, const struct mapping *map, uint64_t pc)
{
	uint64_t in_map = pc - map->start;

	if (map->offset > UINT64_MAX - in_map)
		return false;
	*out = map->offset + in_map;
	return true;
}

static int place_frame(struct placer *pl, size_t i)
{
	struct nsym_crash_frame *f = &pl->c->frames[i];
	const struct mapping *map = find(pl->maps, f->pc);
	char detail[256];
	uint64_t offset;
	bool fits;
	int k, rc;

	if (map == NULL || map->path == NULL || map->path[0] == '[')
		return 0; /* anonymous memory: JIT code, the stack, the vdso */
	if ((k = module_of(pl, map)) < 0)
		return -1;
	fits = file_offset(&offset, map, f->pc);
	f->rel = fits ? offset : f->pc - map->start;
	f->module = k;
	if (pl->obj[k] == NULL)
		return 0;
	if (!fits)
		snprintf(detail, sizeof(detail),
		         "file offset 0x%" PRIx64 " + 0x%" PRIx64
		         " is past 2^64: there is no loadable segment at that offset",
		         map->offset, f->pc - map->start);
	else if ((rc = nsym_object_vaddr(&f->rel, pl->obj[k], offset)) == NSYM_ENOMEM)
		return -1;
	else if (rc != 0)
		snprintf(detail, sizeof(detail), "%s", nsym_error_detail());
	else
		return 0;
	/* then no answer from this file can be trusted */
	nsym_object_close(pl->obj[k]);
	pl->obj[k] = NULL;
	return set_why(&pl->c->modules[k], "'%s' is not the file that was mapped (%s)",
	               pl->c->modules[k].path, detail) != 0
	           ? -1
	           : 0;
}

/* The frames of one crash. */
static int place_crash(struct nsym_crash *c, struct nsym_maps *maps, const struct warner *w)
{
	/* at most one new module per frame, after those the crash has */
	size_t most = c->nmodules + c->nframes + 1;
	struct placer pl = {c, maps, calloc(most, sizeof(*pl.first)), calloc(most, sizeof(*pl.obj)),
	                    w};
	int rc = pl.first != NULL && pl.obj != NULL ? 0 : -1;

	for (size_t i = 0; rc == 0 && i < c->nframes; i++)
		rc = place_frame(&pl, i);
	for (size_t i = 0; pl.obj != NULL && i < c->nmodules; i++)
		nsym_object_close(pl.obj[i]);
	free(pl.first);
	free(pl.obj);
	return rc;
}

/* What placing changes in a crash: kept, to put it back when placing
 * fails, so that a failure leaves the crashes as they were. */
struct before {
	size_t nmodules;
	struct nsym_crash_frame *frames;
};

static void put_back(struct nsym_crash *c, const struct before *b)
{
	for (size_t i = b->nmodules; i < c->nmodules; i++) {
		free(c->modules[i].path);
		free(c->modules[i].why);
	}
	c->nmodules = b->nmodules;
	if (c->nframes > 0) /* a crash without frames may have no array */
		memcpy(c->frames, b->frames, c->nframes * sizeof(*c->frames));
}

int nsym_maps_place(struct nsym_crash *crashes, size_t count, struct nsym_maps *maps,
                    nsym_report_warn_fn *warn, void *ctx)
{
	const struct warner w = {warn, ctx};
	struct before *before = calloc(count + 1, sizeof(*before));
	size_t kept = 0;
	int rc = before != NULL ? 0 : -1;

	for (; rc == 0 && kept < count; kept++) {
		const struct nsym_crash *c = &crashes[kept];
		before[kept].nmodules = c->nmodules;
		before[kept].frames = malloc((c->nframes + 1) * sizeof(*c->frames));
		if (before[kept].frames == NULL)
			rc = -1;
		else if (c->nframes > 0)
			memcpy(before[kept].frames, c->frames, c->nframes * sizeof(*c->frames));
	}
	for (size_t i = 0; rc == 0 && i < count; i++)
		rc = place_crash(&crashes[i], maps, &w);
	for (size_t i = 0; before != NULL && i < kept; i++) {
		if (rc != 0 && before[i].frames != NULL)
			put_back(&crashes[i], &before[i]);
		free(before[i].frames);
	}
	free(before);
	return rc != 0 ? nsym__fail(NSYM_ENOMEM, NULL, NULL) : 0;
}
