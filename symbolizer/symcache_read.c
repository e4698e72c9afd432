/*
 * Reading a symcache (symcache.h): map it, check its header, its checksum
 * and that every table lies inside the file, then answer lookups in place.
 * Each chunk of the tables is checked against its CRC the first time a
 * lookup reads from it, so opening costs the same for any size of file
 * and damage is found before a damaged byte is used. Every index and
 * varint read is bounded as well, so even tables that pass the checksums
 * (as the fuzz harness makes them) give an error at worst, never a read
 * outside the mapping. Strings are decompressed a block at a time on
 * first use and kept until the symcache is closed.
 *
 * Lookups may run on several threads at once (the server shares one open
 * symcache between its workers): the mapping is read-only, and the state a
 * lookup sets lazily is shared safely. A chunk's "checked" bit and the
 * "damaged" flag are atomic (a chunk two threads check at once is merely
 * checked twice), and a block of strings is decompressed under a lock,
 * with the one zstd context, then published with release order, so the
 * common path (a block already there) takes no lock.
 */
#include <fcntl.h>
#include <libdeflate.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "symcache_codec.h"

/* Frames one lookup walks at most: a damaged chain could loop. */
#define MAX_DEPTH 4096
/* The most bytes a block of strings may inflate to. */
#define MAX_STR_BLOCK (64u << 20)

struct nsym_symcache {
	char *path;
	const uint8_t *map;
	size_t size;
	const struct nsym_sc_header *h;
	const uint8_t *data; /* the tables: map + data_off */
	uint64_t data_size;
	const uint32_t *crc;
	_Atomic uint8_t *checked; /* a bit per chunk: its CRC matched */
	atomic_bool damaged;
	const uint32_t *blocks, *syms; /* (address, offset) pairs; see symcache.h */
	uint64_t nblocks, nsymblocks;
	struct nsym_sc_packed scopes, roots, calls, funcs, files;
	struct nsym_sc_packed str_off, str_size;
	const struct nsym_sc_table *block_data, *sym_data, *str_data, *callers;
	struct nsym_sc_packed joint, pairs[2]; /* checked whole at open */
	_Atomic(char *) *str;                  /* decompressed string blocks, NULL until used */
	pthread_mutex_t str_lock;              /* held to decompress a block: guards zstd */
	bool str_lock_made;
	ZSTD_DCtx *zstd;
};

/* ---- opening ------------------------------------------------------------ */

static bool table_inside(const struct nsym_sc_header *h, const struct nsym_sc_table *t)
{
	return t->off % 8 == 0 && t->off >= h->data_off && t->off <= h->file_size &&
	       t->size <= h->file_size - t->off;
}

/* The header as far as it can be checked without the tables. */
static int check_header(const struct nsym_sc_header *h, size_t size, const unsigned char *id,
                        size_t id_len)
{
	const uint32_t *crc = (const uint32_t *)(h + 1);
	struct nsym_sc_header copy;

	if (memcmp(h->magic, NSYM_SC_MAGIC, 8) != 0 || h->version != NSYM_SC_VERSION ||
	    h->header_size != sizeof(*h))
		return NSYM_EMISMATCH;
	if (id != NULL && (h->id_len != id_len || memcmp(h->id, id, id_len) != 0))
		return NSYM_EMISMATCH;
	if (h->id_len == 0 || h->id_len > NSYM_BUILD_ID_MAX || h->file_size != size ||
	    h->data_off > size || h->data_off % 8 != 0 ||
	    h->nchunks != (size - h->data_off + NSYM_SC_CHUNK - 1) / NSYM_SC_CHUNK ||
	    h->nchunks > (h->data_off - sizeof(*h)) / 4)
		return NSYM_ETRUNC;
	copy = *h;
	copy.crc = 0;
	if (libdeflate_crc32(libdeflate_crc32(0, &copy, sizeof(copy)), crc, h->nchunks * 4) !=
	    h->crc)
		return NSYM_ETRUNC;
	for (size_t i = 0; i < NSYM_SC_NTABLES; i++) {
		if (!table_inside(h, &h->t[i]))
			return NSYM_ETRUNC;
	}
	return 0;
}

/* Whether the chunks holding [p, p + n) match their CRCs; each is checked
 * once. p must lie in the tables. */
static bool check_chunks(struct nsym_symcache *sc, const void *p, uint64_t n)
{
	uint64_t off = (uint64_t)((const uint8_t *)p - sc->data);

	if (atomic_load_explicit(&sc->damaged, memory_order_relaxed) || off > sc->data_size ||
	    n > sc->data_size - off)
		return false;
	for (uint64_t c = off >> NSYM_SC_CHUNK_SHIFT;
	     n > 0 && c <= (off + n - 1) >> NSYM_SC_CHUNK_SHIFT; c++) {
		uint64_t at = c << NSYM_SC_CHUNK_SHIFT;
		uint64_t len =
		    sc->data_size - at < NSYM_SC_CHUNK ? sc->data_size - at : NSYM_SC_CHUNK;
		if (atomic_load_explicit(&sc->checked[c >> 3], memory_order_relaxed) &
		    (1u << (c & 7)))
			continue;
		if (libdeflate_crc32(0, sc->data + at, len) != sc->crc[c]) {
			atomic_store_explicit(&sc->damaged, true, memory_order_relaxed);
			return false;
		}
		/* relaxed: the bit vouches for bytes that never change */
		atomic_fetch_or_explicit(&sc->checked[c >> 3], (uint8_t)(1u << (c & 7)),
		                         memory_order_relaxed);
	}
	return true;
}

/* check_chunks, with the common case (one chunk, checked before) first. */
static inline bool intact(struct nsym_symcache *sc, const void *p, uint64_t n)
{
	uint64_t off = (uint64_t)((const uint8_t *)p - sc->data), c = off >> NSYM_SC_CHUNK_SHIFT;

	if (n > 0 && off < sc->data_size && n <= sc->data_size - off &&
	    (off + n - 1) >> NSYM_SC_CHUNK_SHIFT == c &&
	    (atomic_load_explicit(&sc->checked[c >> 3], memory_order_relaxed) >> (c & 7) & 1))
		return true;
	return check_chunks(sc, p, n);
}

static int damaged(struct nsym_symcache *sc, const char *what)
{
	atomic_store_explicit(&sc->damaged, true, memory_order_relaxed);
	return nsym__fail(NSYM_ETRUNC, sc->path, "damaged symcache (%s): rebuild it", what);
}

/* Sets up the tables' readers and checks what lookups rely on without
 * rereading: counts that agree, and the small address tables' bytes. */
static int map_tables(struct nsym_symcache *sc)
{
	const struct nsym_sc_header *h = sc->h;
	const struct nsym_sc_table *t = h->t;

	/* the dictionaries, read at every entry: checked whole now */
	if (!nsym__sc_packed_init(&sc->joint, &t[NSYM_SC_JOINT], sc->map) ||
	    !intact(sc, sc->joint.p, t[NSYM_SC_JOINT].size) ||
	    !nsym__sc_packed_init(&sc->pairs[0], &t[NSYM_SC_PAIRS0], sc->map) ||
	    !intact(sc, sc->pairs[0].p, t[NSYM_SC_PAIRS0].size) ||
	    !nsym__sc_packed_init(&sc->pairs[1], &t[NSYM_SC_PAIRS1], sc->map) ||
	    !intact(sc, sc->pairs[1].p, t[NSYM_SC_PAIRS1].size) ||
	    t[NSYM_SC_CALLERS].count > t[NSYM_SC_CALLERS].size / 8 ||
	    !nsym__sc_packed_init(&sc->scopes, &t[NSYM_SC_SCOPES], sc->map) ||
	    !nsym__sc_packed_init(&sc->roots, &t[NSYM_SC_ROOTS], sc->map) ||
	    !nsym__sc_packed_init(&sc->calls, &t[NSYM_SC_CALLS], sc->map) ||
	    !nsym__sc_packed_init(&sc->funcs, &t[NSYM_SC_FUNCS], sc->map) ||
	    !nsym__sc_packed_init(&sc->files, &t[NSYM_SC_FILES], sc->map) ||
	    !nsym__sc_packed_init(&sc->str_off, &t[NSYM_SC_STR_OFF], sc->map) ||
	    !nsym__sc_packed_init(&sc->str_size, &t[NSYM_SC_STR_SIZE], sc->map) ||
	    t[NSYM_SC_BLOCKS].count >= t[NSYM_SC_BLOCKS].size / 8 ||
	    t[NSYM_SC_SYMS].count >= t[NSYM_SC_SYMS].size / 8 ||
	    sc->str_off.count != sc->str_size.count + 1)
		return NSYM_ETRUNC;
	sc->blocks = (const uint32_t *)(sc->map + t[NSYM_SC_BLOCKS].off);
	sc->nblocks = t[NSYM_SC_BLOCKS].count;
	sc->syms = (const uint32_t *)(sc->map + t[NSYM_SC_SYMS].off);
	sc->nsymblocks = t[NSYM_SC_SYMS].count;
	sc->block_data = &t[NSYM_SC_BLOCK_DATA];
	sc->sym_data = &t[NSYM_SC_SYM_DATA];
	sc->str_data = &t[NSYM_SC_STR_DATA];
	sc->callers = &t[NSYM_SC_CALLERS];
	/* searched without a check per probe: checked whole, now */
	if (!intact(sc, sc->blocks, (sc->nblocks + 1) * 8) ||
	    !intact(sc, sc->syms, (sc->nsymblocks + 1) * 8))
		return NSYM_ETRUNC;
	sc->str = calloc(sc->str_size.count ? sc->str_size.count : 1, sizeof(*sc->str));
	if (sc->str == NULL)
		return NSYM_ENOMEM;
	if (pthread_mutex_init(&sc->str_lock, NULL) != 0)
		return NSYM_ENOMEM;
	sc->str_lock_made = true;
	return 0;
}

int nsym__symcache_open(struct nsym_symcache **out, const char *path, const unsigned char *id,
                        size_t id_len)
{
	struct nsym_symcache *sc = NULL;
	struct stat st;
	void *map;
	int fd, rc;

	*out = NULL;
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
	return NSYM_EUNSUPPORTED;
#endif
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return NSYM_ENOENT;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return NSYM_ENOENT;
	}
	if (st.st_size < (off_t)sizeof(struct nsym_sc_header)) {
		close(fd);
		return NSYM_ETRUNC;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return NSYM_EIO;
	rc = check_header(map, (size_t)st.st_size, id, id_len);
	if (rc == 0 && ((sc = calloc(1, sizeof(*sc))) == NULL || (sc->path = strdup(path)) == NULL))
		rc = NSYM_ENOMEM;
	if (rc == 0) {
		sc->map = map;
		sc->size = (size_t)st.st_size;
		sc->h = map;
		sc->data = sc->map + sc->h->data_off;
		sc->data_size = sc->size - sc->h->data_off;
		sc->crc = (const uint32_t *)(sc->h + 1);
		sc->checked = calloc(sc->h->nchunks / 8 + 1, sizeof(*sc->checked));
		rc = sc->checked == NULL ? NSYM_ENOMEM : map_tables(sc);
	}
	if (rc != 0) {
		if (sc != NULL) {
			sc->map = NULL; /* unmapped below */
			nsym__symcache_close(sc);
		}
		munmap(map, (size_t)st.st_size);
		if (rc == NSYM_ENOMEM)
			nsym__fail(rc, path, NULL);
		return rc;
	}
	*out = sc;
	return 0;
}

void nsym__symcache_close(struct nsym_symcache *sc)
{
	if (sc == NULL)
		return;
	if (sc->map != NULL)
		munmap((void *)sc->map, sc->size);
	for (size_t i = 0; sc->str != NULL && i < sc->str_size.count; i++)
		free(atomic_load_explicit(&sc->str[i], memory_order_relaxed));
	free((void *)sc->str);
	if (sc->str_lock_made)
		pthread_mutex_destroy(&sc->str_lock);
	ZSTD_freeDCtx(sc->zstd);
	free((void *)sc->checked);
	free(sc->path);
	free(sc);
}

const unsigned char *nsym__symcache_id(const struct nsym_symcache *sc, size_t *out_len)
{
	*out_len = sc->h->id_len;
	return sc->h->id;
}

bool nsym__symcache_damaged(const struct nsym_symcache *sc)
{
	return atomic_load_explicit(&((struct nsym_symcache *)sc)->damaged, memory_order_relaxed);
}

uint64_t nsym__symcache_image_base(const struct nsym_symcache *sc)
{
	return sc->h->image_base;
}

/* ---- fields and strings ------------------------------------------------- */

/* Field f of record i of t, its chunk checked; false when i is out of
 * range or the chunk is damaged. */
static inline bool field(uint32_t *out, struct nsym_symcache *sc, const struct nsym_sc_packed *t,
                         uint64_t i, unsigned f)
{
	if (i >= t->count || !intact(sc, t->p + nsym__sc_field_at(t, i, f), 8))
		return false;
	*out = nsym__sc_field(t, i, f);
	return true;
}

/* The first n fields of record i of t, its bytes checked once. */
static inline bool record(uint32_t *v, struct nsym_symcache *sc, const struct nsym_sc_packed *t,
                          uint64_t i, unsigned n)
{
	uint64_t bit = i * t->bits;

	if (i >= t->count || !intact(sc, t->p + (bit >> 3), ((bit & 7) + t->bits + 7) / 8 + 7))
		return false;
	for (unsigned f = 0; f < n; f++)
		v[f] = nsym__sc_field(t, i, f);
	return true;
}

/* Decompresses string block `block` into a new buffer: NULL with an
 * error in *rc when it cannot. Called with str_lock held (zstd is one). */
static char *inflate_block(struct nsym_symcache *sc, uint64_t block, int *rc)
{
	const uint8_t *src;
	uint32_t from, to, size;
	char *raw;
	size_t got;

	if (!field(&from, sc, &sc->str_off, block, 0) ||
	    !field(&to, sc, &sc->str_off, block + 1, 0) ||
	    !field(&size, sc, &sc->str_size, block, 0) || from > to || to > sc->str_data->size ||
	    size > MAX_STR_BLOCK ||
	    !intact(sc, src = sc->map + sc->str_data->off + from, to - from)) {
		*rc = damaged(sc, "strings");
		return NULL;
	}
	if (sc->zstd == NULL && (sc->zstd = ZSTD_createDCtx()) == NULL) {
		*rc = nsym__fail(NSYM_ENOMEM, sc->path, NULL);
		return NULL;
	}
	if ((raw = malloc((size_t)size + 1)) == NULL) {
		*rc = nsym__fail(NSYM_ENOMEM, sc->path, NULL);
		return NULL;
	}
	got = ZSTD_decompressDCtx(sc->zstd, raw, size, src, to - from);
	if (ZSTD_isError(got) || got != size) {
		free(raw);
		if (ZSTD_isError(got) && ZSTD_getErrorCode(got) == ZSTD_error_memory_allocation)
			*rc = nsym__fail(NSYM_ENOMEM, sc->path, NULL);
		else
			*rc = damaged(sc, "strings");
		return NULL;
	}
	raw[size] = '\0'; /* the last string ends in time, whatever the bytes say */
	return raw;
}

/* The string at ref, its block decompressed on first use. NULL with an
 * error in *rc when it cannot be had. */
static const char *string_at(struct nsym_symcache *sc, uint64_t ref, int *rc)
{
	uint64_t block = ref >> NSYM_SC_STR_SHIFT, off = ref & (NSYM_SC_STR_BLOCK - 1);
	uint32_t size;
	char *str;

	if (block >= sc->str_size.count) {
		*rc = damaged(sc, "string");
		return NULL;
	}
	/* acquire: the bytes another thread wrote before publishing it */
	str = atomic_load_explicit(&sc->str[block], memory_order_acquire);
	if (str == NULL) {
		pthread_mutex_lock(&sc->str_lock);
		str = atomic_load_explicit(&sc->str[block], memory_order_relaxed);
		if (str == NULL && (str = inflate_block(sc, block, rc)) != NULL)
			atomic_store_explicit(&sc->str[block], str, memory_order_release);
		pthread_mutex_unlock(&sc->str_lock);
		if (str == NULL)
			return NULL;
	}
	if (!field(&size, sc, &sc->str_size, block, 0) || off >= size) {
		*rc = damaged(sc, "string");
		return NULL;
	}
	return str + off;
}

/* A "+1" ref: NULL for none. */
static const char *optional_string(struct nsym_symcache *sc, uint32_t ref1, int *rc)
{
	return ref1 == 0 ? NULL : string_at(sc, ref1 - 1, rc);
}

/* ---- ranges ------------------------------------------------------------- */

/* The range entry holding an address, decoded. */
struct entry {
	bool gap;
	uint32_t scope;
	bool file_given;
	uint64_t file, line_rel, column;
};

/* A code (symcache.h): NSYM_SC_NCODES for none. */
static bool read_code(uint32_t *out, const uint8_t **p, const uint8_t *end)
{
	uint8_t b;

	if (*p == end)
		return false;
	b = *(*p)++;
	if (b < NSYM_SC_CODE1) {
		*out = b;
	} else if (b == 255) {
		*out = NSYM_SC_NCODES;
	} else {
		if (*p == end)
			return false;
		*out = NSYM_SC_CODE1 + (uint32_t)(b - NSYM_SC_CODE1) * 256 + *(*p)++;
	}
	return true;
}

/* Decodes block k up to the last entry starting at or before rel. false
 * when the block is damaged. */
static bool find_entry(struct entry *out, struct nsym_symcache *sc, uint64_t k, uint64_t rel)
{
	uint32_t from, to;
	const uint8_t *p, *end;
	uint64_t fresh, at = sc->blocks[2 * k], prev;
	uint32_t recent[NSYM_SC_RECENT];
	uint64_t recent_line[NSYM_SC_RECENT];
	unsigned nrecent = 0;
	bool first = true;

	from = sc->blocks[2 * k + 1];
	to = sc->blocks[2 * k + 3];
	if (from > to || to > sc->block_data->size)
		return false;
	p = sc->map + sc->block_data->off + from;
	end = sc->map + sc->block_data->off + to;
	if (!intact(sc, p, to - from) || !nsym__sc_uvarint(&fresh, &p, end))
		return false;
	prev = fresh;
	while (p < end) {
		uint32_t joint, h, pair = 0, code, j;
		uint64_t delta, v, line_v;
		struct entry e;

		if (!read_code(&joint, &p, end))
			return false;
		if (joint < NSYM_SC_NCODES) {
			if (joint >= sc->joint.count)
				return false;
			h = nsym__sc_field(&sc->joint, joint, 0);
			pair = nsym__sc_field(&sc->joint, joint, 1);
		} else if (p < end) {
			h = *p++;
		} else {
			return false;
		}
		delta = h & 15;
		code = h >> 4 & 7;
		e = (struct entry){.file_given = h >> 7};

		if (delta == 15 && !nsym__sc_uvarint(&delta, &p, end))
			return false;
		if (!first && (delta == 0 || delta > rel - at))
			break; /* starts past rel: the entry before holds it */
		at += delta;
		first = false;
		if (code == 7) {
			if (!nsym__sc_uvarint(&v, &p, end))
				return false;
			if (v == 0) {
				*out = (struct entry){.gap = true};
				continue;
			}
			e.scope = (uint32_t)(prev + (uint64_t)nsym__sc_unzigzag(v - 1));
		} else if (code == 6) {
			e.scope = (uint32_t)fresh++;
		} else if (code < nrecent) {
			e.scope = recent[code];
		} else {
			return false;
		}
		if (e.file_given && !nsym__sc_uvarint(&e.file, &p, end))
			return false;
		if (joint == NSYM_SC_NCODES && !read_code(&pair, &p, end))
			return false;
		if (pair < NSYM_SC_NCODES) {
			const struct nsym_sc_packed *t = &sc->pairs[code >= 6];
			if (pair >= t->count)
				return false;
			line_v = nsym__sc_field(t, pair, 0);
			e.column = nsym__sc_field(t, pair, 1);
		} else if (!nsym__sc_uvarint(&line_v, &p, end) ||
		           !nsym__sc_uvarint(&e.column, &p, end)) {
			return false;
		}
		if (code < 6) {
			e.line_rel = recent_line[code] + (uint64_t)nsym__sc_unzigzag(line_v);
			j = code;
		} else {
			e.line_rel = line_v;
			j = nrecent < NSYM_SC_RECENT ? nrecent++ : NSYM_SC_RECENT - 1;
		}
		memmove(&recent[1], &recent[0], j * sizeof(recent[0]));
		memmove(&recent_line[1], &recent_line[0], j * sizeof(recent_line[0]));
		recent[0] = e.scope;
		recent_line[0] = e.line_rel;
		prev = e.scope;
		*out = e;
	}
	return !first;
}

/* ---- frames ------------------------------------------------------------- */

struct func {
	uint32_t name, linkage, dwarf_name, base_line, file;
};

static bool func_at(struct func *out, struct nsym_symcache *sc, uint32_t i)
{
	uint32_t v[5];

	if (!record(v, sc, &sc->funcs, i, 5))
		return false;
	*out =
	    (struct func){v[NSYM_SC_FUNC_NAME], v[NSYM_SC_FUNC_LINKAGE], v[NSYM_SC_FUNC_DWARF_NAME],
	                  v[NSYM_SC_FUNC_BASE_LINE], v[NSYM_SC_FUNC_FILE]};
	return true;
}

static const char *file_name(struct nsym_symcache *sc, uint64_t file, int *rc)
{
	uint32_t ref;

	if (!field(&ref, sc, &sc->files, file, 0)) {
		*rc = damaged(sc, "file");
		return NULL;
	}
	return string_at(sc, ref, rc);
}

/* The caller of scope s when it is too far for its field: CALLERS lists
 * it, by scope. false when it is not there. */
static bool far_caller(uint32_t *out, struct nsym_symcache *sc, uint32_t s)
{
	const uint8_t *t = sc->map + sc->callers->off;
	size_t lo = 0, hi = sc->callers->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint32_t pair[2];
		if (!intact(sc, t + mid * 8, 8))
			return false;
		memcpy(pair, t + mid * 8, 8);
		if (pair[0] == s) {
			*out = pair[1];
			return true;
		}
		if (pair[0] < s)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* Starts loading record i of t, which a later step reads. */
static inline void prefetch(const struct nsym_sc_packed *t, uint64_t i)
{
	if (i < t->count)
		__builtin_prefetch(t->p + (i * t->bits >> 3));
}

/* Frames resolved a batch at a time: the chain of scopes is a chain of
 * dependent loads, but the records each scope points at are not, so they
 * are all asked for before any is read. */
#define BATCH 16

struct link {
	uint32_t kind;
	uint32_t at[4]; /* its ROOTS or CALLS record */
	struct func fn;
};

/* Up to BATCH scopes of the chain from *s on; *s becomes the next one, or
 * NSYM_SC_NONE after the last. */
static int walk_scopes(struct link *out, unsigned *n, struct nsym_symcache *sc, uint32_t *s,
                       unsigned flags)
{
	uint32_t ids[BATCH];

	for (*n = 0; *n < BATCH && *s != NSYM_SC_NONE; (*n)++) {
		uint32_t rec[3], caller;
		if (!record(rec, sc, &sc->scopes, *s, 3))
			return damaged(sc, "scope");
		out[*n].kind = rec[NSYM_SC_SCOPE_KIND];
		ids[*n] = rec[NSYM_SC_SCOPE_ID];
		prefetch(out[*n].kind == 0 ? &sc->roots : &sc->calls, ids[*n]);
		caller = rec[NSYM_SC_SCOPE_CALLER];
		if ((flags & NSYM_LOOKUP_NO_INLINES) || caller == 0)
			*s = NSYM_SC_NONE;
		else if (caller != sc->scopes.mask[NSYM_SC_SCOPE_CALLER])
			*s += (uint32_t)nsym__sc_unzigzag(caller); /* checked as it is read */
		else if (!far_caller(s, sc, *s))
			return damaged(sc, "caller");
	}
	for (unsigned i = 0; i < *n; i++) {
		const struct nsym_sc_packed *t = out[i].kind == 0 ? &sc->roots : &sc->calls;
		if (!record(out[i].at, sc, t, ids[i], out[i].kind == 0 ? 3 : 4))
			return damaged(sc, "scope");
		prefetch(&sc->funcs, out[i].at[0]); /* ROOT_FUNC and CALL_FUNC come first */
	}
	for (unsigned i = 0; i < *n; i++) {
		if (!func_at(&out[i].fn, sc, out[i].at[0]))
			return damaged(sc, "function");
	}
	return 0;
}

/* The frames of the entry's scope and those it sits in. */
static int frames_of(struct nsym_frames *out, struct nsym_symcache *sc, const struct entry *e,
                     uint64_t addr, unsigned flags)
{
	uint32_t s = e->scope, file = 0, line = 0, column = (uint32_t)e->column;
	bool innermost = true;
	int rc = 0;

	for (int depth = 0; depth < MAX_DEPTH;) {
		struct link chain[BATCH];
		unsigned n;

		if ((rc = walk_scopes(chain, &n, sc, &s, flags)) != 0)
			return rc;
		for (unsigned i = 0; i < n; i++, depth++) {
			const struct link *l = &chain[i];
			struct nsym_frame fr = {0};

			if (innermost) {
				file = e->file_given ? (uint32_t)e->file : l->fn.file;
				line = (uint32_t)(l->fn.base_line + e->line_rel);
				innermost = false;
			}
			fr.function = string_at(sc, l->fn.name, &rc);
			if (rc == 0 && !(flags & NSYM_LOOKUP_NO_EXTRA_NAMES)) {
				fr.linkage_name = optional_string(sc, l->fn.linkage, &rc);
				if (rc == 0)
					fr.dwarf_name = optional_string(sc, l->fn.dwarf_name, &rc);
			}
			if (rc == 0)
				fr.file = file_name(sc, file, &rc);
			if (rc != 0)
				return rc;
			fr.line = line;
			fr.column = column;
			fr.inlined = (flags & NSYM_LOOKUP_NO_INLINES) ? 0 : l->kind != 0;
			if (l->kind == 0 && l->at[NSYM_SC_ROOT_HAS_ENTRY] &&
			    addr - sc->h->base >= l->at[NSYM_SC_ROOT_ENTRY])
				fr.symbol_offset = addr - sc->h->base - l->at[NSYM_SC_ROOT_ENTRY];
			if ((rc = nsym__frames_push(out, &fr)) != 0)
				return rc;
			if (l->kind != 0) {
				file = l->at[NSYM_SC_CALL_FILE];
				line = l->at[NSYM_SC_CALL_LINE];
				column = l->at[NSYM_SC_CALL_COLUMN];
			}
		}
		if (s == NSYM_SC_NONE)
			return 0;
	}
	return damaged(sc, "a chain of scopes that does not end");
}

/* How many of the n (address, offset) pairs have an address <= key. */
static size_t upper_bound_pairs(const uint32_t *v, size_t n, uint64_t key)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[2 * mid] <= key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int nsym__symcache_lookup(struct nsym_frames *out, struct nsym_symcache *sc, uint64_t addr,
                          unsigned flags, bool *found)
{
	uint64_t rel = addr - sc->h->base;
	size_t k;
	struct entry e = {.gap = true};
	size_t before = out->count;
	int rc;

	*found = false;
	if (atomic_load_explicit(&sc->damaged, memory_order_relaxed))
		return damaged(sc, "seen by an earlier lookup");
	if (addr < sc->h->base)
		return 0;
	k = upper_bound_pairs(sc->blocks, sc->nblocks, rel);
	if (k == 0)
		return 0; /* before the first range */
	if (!find_entry(&e, sc, k - 1, rel))
		return damaged(sc, "ranges");
	if (e.gap)
		return 0;
	rc = frames_of(out, sc, &e, addr, flags);
	if (rc != 0) {
		out->count = before;
		return rc;
	}
	*found = out->count > before;
	return 0;
}

/* ---- symbols ------------------------------------------------------------ */

int nsym__symcache_symbol(struct nsym_symbol_hit *out, bool *found, struct nsym_symcache *sc,
                          uint64_t addr)
{
	uint64_t rel = addr - sc->h->base, at, extent = 0, name = 0, linkage = 0, file = 0;
	uint32_t from, to;
	const uint8_t *p, *end;
	uint8_t flags = 0;
	size_t k;
	bool any = false;
	int rc = 0;

	*found = false;
	if (atomic_load_explicit(&sc->damaged, memory_order_relaxed))
		return damaged(sc, "seen by an earlier lookup");
	if (addr < sc->h->base)
		return 0;
	k = upper_bound_pairs(sc->syms, sc->nsymblocks, rel);
	if (k == 0)
		return 0;
	k--;
	from = sc->syms[2 * k + 1];
	to = sc->syms[2 * k + 3];
	if (from > to || to > sc->sym_data->size ||
	    !intact(sc, p = sc->map + sc->sym_data->off + from, to - from))
		return damaged(sc, "symbols");
	end = p + (to - from);
	at = sc->syms[2 * k];
	/* the last symbol starting at or before rel (the block's first does) */
	while (p < end) {
		uint64_t delta, e, n, l = 0, f = 0;
		uint8_t fl = *p++;
		if (!nsym__sc_uvarint(&delta, &p, end) || !nsym__sc_uvarint(&e, &p, end) ||
		    !nsym__sc_uvarint(&n, &p, end) ||
		    ((fl & 1) && !nsym__sc_uvarint(&l, &p, end)) ||
		    ((fl & 2) && !nsym__sc_uvarint(&f, &p, end)))
			return damaged(sc, "symbols");
		if (any && (delta == 0 || delta > rel - at))
			break;
		at += delta;
		any = true;
		flags = fl, extent = e, name = n, linkage = l, file = f;
	}
	if (!any || rel - at >= extent)
		return 0;
	out->name = string_at(sc, name, &rc);
	out->linkage = rc == 0 && (flags & 1) ? string_at(sc, linkage, &rc) : out->name;
	out->file = rc == 0 && (flags & 2) ? string_at(sc, file, &rc) : NULL;
	out->addr = sc->h->base + at;
	*found = rc == 0;
	return rc;
}

/* Whether the string at ref is name, or bare (name without Mach-O's extra
 * leading underscore). */
static bool string_is(struct nsym_symcache *sc, uint64_t ref, const char *name, const char *bare,
                      int *rc)
{
	const char *s = string_at(sc, ref, rc);
	return s != NULL && (strcmp(s, name) == 0 || strcmp(s, bare) == 0);
}

size_t nsym__symcache_named(uint64_t *out, struct nsym_symcache *sc, const char *name)
{
	const char *bare = name[0] == '_' ? name + 1 : name;
	size_t n = 0;
	int rc = 0;

	for (uint64_t k = 0; k < sc->nsymblocks && n < 2 && rc == 0; k++) {
		uint32_t from = sc->syms[2 * k + 1], to = sc->syms[2 * k + 3];
		const uint8_t *p = sc->map + sc->sym_data->off + from, *end;
		uint64_t at = sc->syms[2 * k];

		if (from > to || to > sc->sym_data->size || !intact(sc, p, to - from))
			return n; /* damaged: no more names to be had */
		end = p + (to - from);
		while (p < end && n < 2 && rc == 0) {
			uint64_t delta, extent, nm, linkage = 0, file;
			uint8_t fl = *p++;
			if (!nsym__sc_uvarint(&delta, &p, end) ||
			    !nsym__sc_uvarint(&extent, &p, end) ||
			    !nsym__sc_uvarint(&nm, &p, end) ||
			    ((fl & 1) && !nsym__sc_uvarint(&linkage, &p, end)) ||
			    ((fl & 2) && !nsym__sc_uvarint(&file, &p, end)))
				return n;
			at += delta;
			if (!string_is(sc, nm, name, bare, &rc) &&
			    (!(fl & 1) || !string_is(sc, linkage, name, bare, &rc)))
				continue;
			if (n == 1 && sc->h->base + at == *out)
				continue;
			*out = sc->h->base + at;
			n++;
		}
	}
	return n;
}

/* ---- for tests ---------------------------------------------------------- */

void nsym__symcache_reseal(unsigned char *data, size_t size)
{
	struct nsym_sc_header h;
	uint32_t *crc;

	if (size < sizeof(h))
		return;
	memcpy(&h, data, sizeof(h));
	if (h.data_off > size || h.data_off < sizeof(h) ||
	    h.nchunks != (size - h.data_off + NSYM_SC_CHUNK - 1) / NSYM_SC_CHUNK ||
	    h.nchunks > (h.data_off - sizeof(h)) / 4)
		return;
	crc = (uint32_t *)(data + sizeof(h));
	for (uint64_t c = 0; c < h.nchunks; c++) {
		uint64_t at = h.data_off + (c << NSYM_SC_CHUNK_SHIFT);
		uint64_t len = size - at < NSYM_SC_CHUNK ? size - at : NSYM_SC_CHUNK;
		uint32_t v = libdeflate_crc32(0, data + at, len);
		memcpy(&crc[c], &v, 4);
	}
	h.file_size = size;
	h.crc = 0;
	memcpy(data, &h, sizeof(h));
	h.crc = libdeflate_crc32(libdeflate_crc32(0, data, sizeof(h)), crc, h.nchunks * 4);
	memcpy(data, &h, sizeof(h));
}
