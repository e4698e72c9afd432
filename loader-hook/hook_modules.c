/*
 * hook_modules.c: the table of loaded modules (path, build-id, load bias,
 * executable ranges) that reports are keyed by. dl_iterate_phdr takes the
 * loader's lock and cannot run in a signal handler, so the table is built
 * outside it, at install and after each dlopen, into one of three static
 * buffers, and an atomic index names the current one. A reader pins the
 * buffer it reads (a count per buffer), and a rebuild writes only into a
 * buffer that is neither current nor pinned, so a crash being written never
 * sees its table change, however many libraries load meanwhile.
 *
 * A library loaded without our dlopen interposer seeing it (linked mode has
 * none) is missing from the table; the handler then walks the loader's link
 * map itself (hook_modules_live), reading only mapped ELF headers.
 */
#include "hook.h"

#include <elf.h>
#include <link.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NTABLES 3
static struct hook_modtab tables[NTABLES];
static atomic_int readers[NTABLES];
static atomic_int current = -1;
static pthread_mutex_t rebuild_lock = PTHREAD_MUTEX_INITIALIZER;
/* The handler's own table, from the link map; only the latched capture uses it. */
static struct hook_modtab live;
/* dl_iterate_phdr names the main program ""; /proc/self/exe names it. */
static char exe_path[PATH_MAX];
/* The main program's program headers, which the link map does not give. */
static const ElfW(Phdr) * exe_phdr;
static size_t exe_phnum;
/* The loader's load and unload counts when the current table was built
 * (under rebuild_lock). */
static unsigned long long built_adds, built_subs;

static size_t note_align(size_t v, size_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* Finds NT_GNU_BUILD_ID in one PT_NOTE segment, already mapped in memory. */
static void read_build_id(struct hook_module *m, const char *p, size_t size, size_t align)
{
	size_t off = 0;
	while (off + sizeof(ElfW(Nhdr)) <= size) {
		const ElfW(Nhdr) *n = (const void *)(p + off);
		size_t name = off + sizeof(*n);
		size_t desc = name + note_align(n->n_namesz, align);
		size_t next = desc + note_align(n->n_descsz, align);
		if (desc > size || next > size || next <= off)
			return;
		if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 &&
		    memcmp(p + name, "GNU", 4) == 0 && n->n_descsz > 0) {
			size_t len = n->n_descsz < HOOK_MAX_ID ? n->n_descsz : HOOK_MAX_ID;
			memcpy(m->id, p + desc, len);
			m->id_len = (uint8_t)len;
			return;
		}
		off = next;
	}
}

static void add_path(struct hook_modtab *t, struct hook_module *m, const char *path)
{
	size_t len = strlen(path) + 1;
	if (t->paths_used + len > sizeof(t->paths)) {
		path = ""; /* the pool is full: the module keeps its identity, not its path */
		len = 1;
	}
	if (t->paths_used + len > sizeof(t->paths)) {
		m->path = (uint32_t)(sizeof(t->paths) - 1);
		return;
	}
	memcpy(t->paths + t->paths_used, path, len);
	m->path = (uint32_t)t->paths_used;
	t->paths_used += len;
}

static void add_object(struct hook_modtab *t, uintptr_t base, const ElfW(Phdr) * phdr, size_t phnum,
                       const char *name)
{
	struct hook_module *m = &t->mods[t->count];
	memset(m, 0, sizeof(*m));
	m->base = base;
	for (size_t i = 0; i < phnum; i++) {
		const ElfW(Phdr) *ph = &phdr[i];
		uintptr_t start = base + ph->p_vaddr;
		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) && m->nranges < HOOK_MAX_RANGES) {
			m->ranges[m->nranges][0] = start;
			m->ranges[m->nranges][1] = start + ph->p_memsz;
			m->nranges++;
		} else if (ph->p_type == PT_NOTE && m->id_len == 0) {
			read_build_id(m, (const char *)start, ph->p_memsz,
			              ph->p_align == 8 ? 8 : 4);
		}
	}
	add_path(t, m, name && name[0] ? name : t->count == 0 ? exe_path : "");
	t->count++;
}

static int add_module(struct dl_phdr_info *info, size_t size, void *data)
{
	struct hook_modtab *t = data;
	if (t->count == 0) {
		exe_phdr = info->dlpi_phdr;
		exe_phnum = info->dlpi_phnum;
		if (size >= offsetof(struct dl_phdr_info, dlpi_subs) + sizeof(info->dlpi_subs)) {
			built_adds = info->dlpi_adds;
			built_subs = info->dlpi_subs;
		}
	}
	if (t->count == HOOK_MAX_MODULES)
		return 1;
	add_object(t, info->dlpi_addr, info->dlpi_phdr, info->dlpi_phnum, info->dlpi_name);
	return 0;
}

/* A buffer that is neither current nor read; readers are brief or dying,
 * so waiting for one is rare. */
static int free_table(void)
{
	struct timespec ms = {0, 1000 * 1000};
	for (;;) {
		for (int i = 0; i < NTABLES; i++) {
			if (i != atomic_load(&current) && atomic_load(&readers[i]) == 0)
				return i;
		}
		nanosleep(&ms, NULL);
	}
}

/* With rebuild_lock held, which also guards built_adds and built_subs. */
static void rebuild(void)
{
	struct hook_modtab *t;
	int next;
	if (!exe_path[0]) {
		ssize_t n = readlink("/proc/self/exe", exe_path, sizeof(exe_path) - 1);
		exe_path[n > 0 ? n : 0] = '\0';
	}
	next = free_table();
	t = &tables[next];
	t->count = 0;
	t->paths_used = 0;
	dl_iterate_phdr(add_module, t);
	atomic_store(&current, next);
}

int hook_modules_refresh(void)
{
	pthread_mutex_lock(&rebuild_lock);
	rebuild();
	pthread_mutex_unlock(&rebuild_lock);
	return 0;
}

static int read_counts(struct dl_phdr_info *info, size_t size, void *data)
{
	unsigned long long *counts = data;
	if (size >= offsetof(struct dl_phdr_info, dlpi_subs) + sizeof(info->dlpi_subs)) {
		counts[0] = info->dlpi_adds;
		counts[1] = info->dlpi_subs;
	}
	return 1; /* the counts are the same in every entry */
}

int hook_modules_refresh_if_changed(void)
{
	unsigned long long counts[2] = {0, 0};
	pthread_mutex_lock(&rebuild_lock);
	dl_iterate_phdr(read_counts, counts);
	if (atomic_load(&current) < 0 || counts[0] != built_adds || counts[1] != built_subs)
		rebuild();
	pthread_mutex_unlock(&rebuild_lock);
	return 0;
}

const struct hook_modtab *hook_modules_pin(void)
{
	for (;;) {
		int i = atomic_load(&current);
		if (i < 0)
			return NULL;
		atomic_fetch_add(&readers[i], 1);
		if (atomic_load(&current) == i)
			return &tables[i];
		atomic_fetch_sub(&readers[i], 1); /* replaced meanwhile: take the new one */
	}
}

void hook_modules_unpin(const struct hook_modtab *t)
{
	if (t >= tables && t < tables + NTABLES)
		atomic_fetch_sub(&readers[t - tables], 1);
}

/* The ELF header of a shared object is at its load bias when its first
 * segment starts the file at address 0, as linkers lay them out; anything
 * else is skipped rather than guessed at. */
static void add_link_map_entry(const struct link_map *lm)
{
	const ElfW(Ehdr) *eh = (const void *)lm->l_addr;
	if (live.count == 0) {
		add_object(&live, lm->l_addr, exe_phdr, exe_phnum, exe_path);
		return;
	}
	if (lm->l_addr == 0 || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh->e_phentsize != sizeof(ElfW(Phdr)))
		return;
	add_object(&live, lm->l_addr, (const void *)(lm->l_addr + eh->e_phoff), eh->e_phnum,
	           lm->l_name);
}

const struct hook_modtab *hook_modules_live(void)
{
	live.count = 0;
	live.paths_used = 0;
	if (!exe_phdr)
		return NULL;
	/* bounded by steps, not entries added: a list a concurrent dlclose is
	 * changing could loop */
	size_t steps = 0;
	for (const struct link_map *lm = _r_debug.r_map;
	     lm && live.count < HOOK_MAX_MODULES && steps < 4 * HOOK_MAX_MODULES;
	     lm = lm->l_next, steps++)
		add_link_map_entry(lm);
	return &live;
}

int hook_modules_find(const struct hook_modtab *t, uintptr_t pc)
{
	for (size_t i = 0; t && i < t->count; i++) {
		const struct hook_module *m = &t->mods[i];
		for (size_t r = 0; r < m->nranges; r++) {
			if (pc >= m->ranges[r][0] && pc < m->ranges[r][1])
				return (int)i;
		}
	}
	return -1;
}

const char *hook_module_path(const struct hook_modtab *t, int i)
{
	return t->paths + t->mods[i].path;
}
