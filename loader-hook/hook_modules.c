/*
 * hook_modules.c: the table of loaded modules (path, build-id, load bias,
 * executable ranges) that reports are keyed by. dl_iterate_phdr takes the
 * loader's lock and cannot run in a signal handler, so the table is built
 * outside it, at install and after each dlopen, into one of two static
 * buffers; the handler reads whichever the atomic index names. A rebuild
 * fills the other buffer and then flips the index, so the handler never sees
 * a table half written (NEEDSWORK: two rebuilds while one crash is being
 * written could reuse the buffer it reads; a generation count would catch it).
 */
#include "hook.h"

#include <elf.h>
#include <link.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

static struct hook_modtab tables[2];
static atomic_int current = -1;
static pthread_mutex_t rebuild_lock = PTHREAD_MUTEX_INITIALIZER;
/* dl_iterate_phdr names the main program ""; /proc/self/exe names it. */
static char exe_path[PATH_MAX];

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

static int add_module(struct dl_phdr_info *info, size_t size, void *data)
{
	struct hook_modtab *t = data;
	struct hook_module *m;
	(void)size;
	if (t->count == HOOK_MAX_MODULES)
		return 1;
	m = &t->mods[t->count];
	memset(m, 0, sizeof(*m));
	m->base = info->dlpi_addr;
	for (size_t i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t start = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) && m->nranges < HOOK_MAX_RANGES) {
			m->ranges[m->nranges][0] = start;
			m->ranges[m->nranges][1] = start + ph->p_memsz;
			m->nranges++;
		} else if (ph->p_type == PT_NOTE && m->id_len == 0) {
			read_build_id(m, (const char *)start, ph->p_memsz,
			              ph->p_align == 8 ? 8 : 4);
		}
	}
	add_path(t, m,
	         info->dlpi_name && info->dlpi_name[0] ? info->dlpi_name
	         : t->count == 0                       ? exe_path
	                                               : "");
	t->count++;
	return 0;
}

int hook_modules_refresh(void)
{
	struct hook_modtab *t;
	int next;
	pthread_mutex_lock(&rebuild_lock);
	if (!exe_path[0]) {
		ssize_t n = readlink("/proc/self/exe", exe_path, sizeof(exe_path) - 1);
		exe_path[n > 0 ? n : 0] = '\0';
	}
	next = atomic_load(&current) == 0 ? 1 : 0;
	t = &tables[next];
	t->count = 0;
	t->paths_used = 0;
	dl_iterate_phdr(add_module, t);
	atomic_store(&current, next);
	pthread_mutex_unlock(&rebuild_lock);
	return 0;
}

const struct hook_modtab *hook_modules_current(void)
{
	int i = atomic_load(&current);
	return i < 0 ? NULL : &tables[i];
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
