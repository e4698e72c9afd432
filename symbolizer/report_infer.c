/*
 * Load addresses inferred from the trace itself (napi_symbols_report.h),
 * for texts that print absolute addresses and no base: Rust backtraces on
 * macOS or Windows (or on Linux without the maps), Node's fatal-error
 * stacks, StackWalker's and WinDbg's lines. Given the binary the frames are thought to be in, every
 * load address the first frame allows is tried, and kept only if:
 *
 *  - it is a multiple of the page the loader maps images at (16 KiB on
 *    arm64 macOS, 64 KiB for any Windows image, 4 KiB elsewhere);
 *  - every frame of the module lands in its code;
 *  - every return address follows a call instruction (arm64 BL, BLR and
 *    the BLRA* forms; x86_64 CALL rel32 and CALL r/m);
 *  - where a caller's call is direct, its target is the entry of the
 *    function that holds the frame below (checked only on the few load
 *    addresses the other rules leave, since it costs two lookups).
 *
 * Nothing is guessed: with no load address left, or more than one, the
 * frames stay unplaced and the result says why.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "code.h"
#include "report.h"

/* Above this many survivors of the cheap rules, the call-target rule is
 * not run: the answer is "ambiguous" either way. */
#define MAX_TARGET_CHECKS 64

/* ---- instructions -------------------------------------------------------- */

static const struct nsym_code_range *range_of(const struct nsym_code *code, uint64_t v)
{
	for (size_t i = 0; i < code->count; i++) {
		if (v >= code->ranges[i].lo && v < code->ranges[i].hi)
			return &code->ranges[i];
	}
	return NULL;
}

/* The n bytes before linked address v, when the file has them. */
static const unsigned char *bytes_before(const struct nsym_code *code, uint64_t v, size_t n)
{
	const struct nsym_code_range *r = range_of(code, v - 1);

	if (r == NULL || r->bytes == NULL || v - r->lo < n)
		return NULL;
	return r->bytes + (v - r->lo) - n;
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The length of an x86 "FF /2" (CALL r/m) from its ModRM byte on: 0 when
 * the ModRM's reg field is not 2. */
static size_t ff2_length(const unsigned char *modrm_at, size_t avail)
{
	unsigned modrm = modrm_at[0], mod = modrm >> 6, rm = modrm & 7;
	size_t len = 2; /* FF and ModRM */

	if (((modrm >> 3) & 7) != 2)
		return 0;
	if (mod == 3)
		return len;
	if (rm == 4) { /* a SIB byte follows */
		if (avail < 2)
			return 0;
		len++;
		if (mod == 0 && (modrm_at[1] & 7) == 5)
			len += 4;
	} else if (mod == 0 && rm == 5) {
		len += 4; /* RIP-relative */
	}
	if (mod == 1)
		len += 1;
	else if (mod == 2)
		len += 4;
	return len;
}

/*
 * Whether the instruction before return address v is a call. *direct is
 * set, with its target, for a call whose target the instruction gives.
 * Without the bytes (a debug file given as the binary) it cannot be
 * checked and counts as a call.
 */
static bool call_before(const struct nsym_code *code, uint64_t v, bool *direct, uint64_t *target)
{
	const unsigned char *p;

	*direct = false;
	if (code->arm64) {
		uint32_t insn;
		if ((p = bytes_before(code, v, 4)) == NULL)
			return range_of(code, v - 1) != NULL &&
			       range_of(code, v - 1)->bytes == NULL;
		insn = le32(p);
		if ((insn & 0xfc000000u) == 0x94000000u) { /* BL imm26 */
			int64_t imm = (int64_t)(insn & 0x03ffffffu);
			if (imm & 0x02000000)
				imm -= 0x04000000;
			*direct = true;
			*target = v - 4 + (uint64_t)(imm * 4);
			return true;
		}
		/* BLR Xn; BLRAA, BLRAAZ, BLRAB, BLRABZ */
		return (insn & 0xfffffc1fu) == 0xd63f0000u || (insn & 0xfefff800u) == 0xd63f0800u;
	}
	if (code->x86_64) {
		if ((p = bytes_before(code, v, 5)) != NULL && p[0] == 0xe8) {
			*direct = true;
			*target = v + (uint64_t)(int64_t)(int32_t)le32(p + 1);
			return true;
		}
		/* FF /2 is 2 to 7 bytes, 8 with a REX prefix */
		for (size_t k = 2; k <= 8; k++) {
			if ((p = bytes_before(code, v, k)) == NULL)
				break;
			if (p[0] == 0xff && ff2_length(p + 1, k - 1) == k)
				return true;
			if (k >= 3 && (p[0] & 0xf0) == 0x40 && p[1] == 0xff &&
			    ff2_length(p + 2, k - 2) == k - 1)
				return true;
		}
		return range_of(code, v - 1) != NULL && range_of(code, v - 1)->bytes == NULL;
	}
	return true; /* another instruction set: only the ranges are checked */
}

/* ---- the frames of the module ---------------------------------------------- */

struct inference {
	struct nsym_crash *c;
	nsym_symbolizer *sym;
	const char *name;
	struct nsym_code code;
	size_t *frames; /* indexes of the frames that must be in the module */
	size_t nframes;
	size_t *loose; /* "<unknown>" frames that may be */
	size_t nloose;
};

static bool unnamed(const char *symbol)
{
	return symbol == NULL || strcmp(symbol, "<unknown>") == 0 || strcmp(symbol, "???") == 0 ||
	       strcmp(symbol, "??") == 0;
}

/* Which frames are the module's: those the text puts in a module of its
 * name, and those it names after one of its symbols (a stripped addon's
 * frames carry the nearest export, napi_register_module_v1). */
static int pick_frames(struct inference *in)
{
	struct nsym_crash *c = in->c;

	in->frames = calloc(c->nframes + 1, sizeof(*in->frames));
	in->loose = calloc(c->nframes + 1, sizeof(*in->loose));
	if (in->frames == NULL || in->loose == NULL)
		return nsym__fail(NSYM_ENOMEM, NULL, NULL);
	for (size_t i = 0; i < c->nframes; i++) {
		const struct nsym_crash_frame *f = &c->frames[i];
		if (f->pc == 0 || nsym__crash_frame_placed(f))
			continue;
		if (f->module >= 0
		        ? nsym_crash_module_named(&c->modules[f->module], in->name)
		        : !unnamed(f->symbol) && nsym__symbolizer_has_symbol(in->sym, f->symbol))
			in->frames[in->nframes++] = i;
		else if (f->module < 0 && unnamed(f->symbol))
			in->loose[in->nloose++] = i;
	}
	return 0;
}

/* The linked address of frame f at load address base. */
static uint64_t linked(const struct inference *in, const struct nsym_crash_frame *f, uint64_t base)
{
	return f->pc - base + in->code.image_base;
}

/* The cheap rules: in the code, after a call. */
static bool frame_fits(const struct inference *in, const struct nsym_crash_frame *f, uint64_t base)
{
	uint64_t v = linked(in, f, base), target;
	bool direct;

	if (f->pc < base)
		return false;
	if (!f->return_address)
		return range_of(&in->code, v) != NULL;
	return range_of(&in->code, v - 1) != NULL && call_before(&in->code, v, &direct, &target);
}

static bool fits(const struct inference *in, uint64_t base)
{
	for (size_t k = 0; k < in->nframes; k++) {
		if (!frame_fits(in, &in->c->frames[in->frames[k]], base))
			return false;
	}
	return true;
}

/* The function (outermost frame) that holds linked address v, or NULL. */
static const char *function_at(struct nsym_frames *fr, nsym_symbolizer *sym, uint64_t v)
{
	if (nsym_symbolizer_lookup(fr, sym, v, 0) != 0 || fr->count == 0 ||
	    strcmp(fr->frames[fr->count - 1].function, "??") == 0)
		return NULL;
	return fr->frames[fr->count - 1].function;
}

/* The call-target rule over consecutive frames of the module. */
static bool targets_fit(const struct inference *in, uint64_t base)
{
	struct nsym_frames a = {0}, b = {0};
	bool ok = true;

	for (size_t k = 0; ok && k + 1 < in->nframes; k++) {
		const struct nsym_crash_frame *callee = &in->c->frames[in->frames[k]];
		const struct nsym_crash_frame *caller = &in->c->frames[in->frames[k + 1]];
		uint64_t target, v = linked(in, callee, base);
		const char *want, *got;
		bool direct;

		if (in->frames[k + 1] != in->frames[k] + 1 ||
		    !call_before(&in->code, linked(in, caller, base), &direct, &target) || !direct)
			continue;
		want = function_at(&a, in->sym, callee->return_address ? v - 1 : v);
		got = function_at(&b, in->sym, target);
		/* unknown on either side says nothing */
		ok = want == NULL || got == NULL || strcmp(want, got) == 0;
	}
	nsym_frames_release(&a);
	nsym_frames_release(&b);
	return ok;
}

/* ---- placing the frames ---------------------------------------------------- */

/* The module the frames are given: the one the text names, else a new one. */
static int module_for(int *out, struct inference *in)
{
	struct nsym_crash *c = in->c;
	struct nsym_crash_module *m;
	char id[NSYM_IMAGE_ID_SIZE];
	const char *path = nsym_symbolizer_path(in->sym);

	for (size_t k = 0; k < in->nframes; k++) {
		if (c->frames[in->frames[k]].module >= 0) {
			*out = c->frames[in->frames[k]].module;
			m = &c->modules[*out];
			goto found;
		}
	}
	if (nsym__crash_add_module(&m, c) != 0)
		return nsym__fail(NSYM_ENOMEM, NULL, "too many modules");
	*out = (int)(c->nmodules - 1);
	if ((m->name = nsym__crash_text(in->name, strlen(in->name))) == NULL)
		return nsym__fail(NSYM_ENOMEM, NULL, NULL);
found:
	if (m->path == NULL && path != NULL &&
	    (m->path = nsym__crash_text(path, strlen(path))) == NULL)
		return nsym__fail(NSYM_ENOMEM, NULL, NULL);
	if (m->id[0] == '\0' && nsym_symbolizer_id(id, sizeof(id), in->sym) == 0)
		snprintf(m->id, sizeof(m->id), "%s", id);
	/* the resolver opens a Mach-O module at the slice of its UUID, and a
	 * PE image with the PDB it names */
	if (in->code.format == NSYM_FORMAT_MACHO || in->code.format == NSYM_FORMAT_PE)
		m->format = in->code.format;
	m->listed = true;
	return 0;
}

static void place(struct nsym_crash_frame *f, int module, uint64_t base, bool by_symbol)
{
	f->module = module;
	f->rel = f->pc - base;
	/* a frame that gave the load address is where its symbol says */
	f->how = by_symbol && f->symbol != NULL && f->has_symbol_offset ? NSYM_OFFSET_SYMBOL
	                                                                : NSYM_OFFSET_INFERRED;
	free(f->why);
	f->why = NULL;
}

static int apply(struct nsym_infer_result *out, struct inference *in, uint64_t base)
{
	int module = -1;
	int rc = module_for(&module, in);

	if (rc != 0)
		return rc;
	in->c->modules[module].has_base = true;
	in->c->modules[module].base = base;
	for (size_t k = 0; k < in->nframes; k++)
		place(&in->c->frames[in->frames[k]], module, base, out->by_symbol);
	/* an unnamed frame that fits joins them; one that does not stays out */
	for (size_t k = 0; k < in->nloose; k++) {
		struct nsym_crash_frame *f = &in->c->frames[in->loose[k]];
		if (frame_fits(in, f, base)) {
			place(f, module, base, false);
			out->frames++;
		}
	}
	return 0;
}

/* The load address a frame that names one of the module's functions with
 * its offset gives exactly ("napi_register_module_v1 + 36"), when such
 * frames agree on one that is page-aligned and fits them all. */
static bool base_from_symbols(uint64_t *out, const struct inference *in)
{
	bool has = false;

	for (size_t k = 0; k < in->nframes; k++) {
		const struct nsym_crash_frame *f = &in->c->frames[in->frames[k]];
		uint64_t addr = 0, rel, base;
		if (f->symbol == NULL || !f->has_symbol_offset ||
		    nsym__symbolizer_named(&addr, in->sym, f->symbol) != 1 ||
		    addr < in->code.image_base)
			continue;
		rel = addr - in->code.image_base + f->symbol_offset;
		if (f->pc < rel)
			return false;
		base = f->pc - rel;
		if (has && base != *out)
			return false;
		has = true;
		*out = base;
	}
	return has && *out % in->code.page == 0 && fits(in, *out);
}

/* Whether a frame names one of the module's functions with its offset:
 * the pipeline places it by that (report_place_symbol.c), and its pc then
 * gives the load address that places the module's other frames, so the
 * search's failure is nothing to tell. */
static bool some_named(const struct inference *in)
{
	for (size_t k = 0; k < in->nframes; k++) {
		const struct nsym_crash_frame *f = &in->c->frames[in->frames[k]];
		uint64_t addr = 0;
		if (f->symbol != NULL && f->has_symbol_offset &&
		    nsym__symbolizer_named(&addr, in->sym, f->symbol) == 1)
			return true;
	}
	return false;
}

/* Every frame of the module says why it stays unplaced. */
static int leave(struct inference *in, const char *why)
{
	for (size_t k = 0; k < in->nframes; k++) {
		struct nsym_crash_frame *f = &in->c->frames[in->frames[k]];
		if (f->module < 0)
			continue;
		free(f->why);
		if ((f->why = nsym__crash_text(why, strlen(why))) == NULL)
			return nsym__fail(NSYM_ENOMEM, NULL, NULL);
	}
	return 0;
}

/* The load addresses that fit: the first MAX_TARGET_CHECKS of them, and
 * how many there were. */
struct candidates {
	uint64_t base[MAX_TARGET_CHECKS];
	size_t count, tried;
};

/* Tries every page-aligned load address that puts the first frame in the
 * code, keeping those that fit the cheap rules. */
static void search(struct candidates *out, const struct inference *in)
{
	const struct nsym_crash_frame *f0 = &in->c->frames[in->frames[0]];
	uint64_t page = in->code.page, pc = f0->pc - (f0->return_address ? 1 : 0);

	for (size_t r = 0; r < in->code.count; r++) {
		const struct nsym_code_range *cr = &in->code.ranges[r];
		uint64_t lo_off = cr->lo - in->code.image_base,
		         hi_off = cr->hi - in->code.image_base;
		uint64_t first, last;

		/* f0 at linked address v in [lo, hi): base = pc - (v - image_base) */
		if (cr->lo < in->code.image_base || pc < lo_off)
			continue;
		last = pc - lo_off;
		first = pc >= hi_off - 1 ? pc - (hi_off - 1) : 0;
		first = (first + page - 1) / page * page;
		for (uint64_t base = first; base <= last && base >= first; base += page) {
			out->tried++;
			if (!fits(in, base))
				continue;
			if (out->count < MAX_TARGET_CHECKS)
				out->base[out->count] = base;
			out->count++;
		}
	}
}

/* The costly rule, on the few the cheap ones leave: more than the array
 * holds is "ambiguous" whatever it would say. */
static void check_targets(struct candidates *c, const struct inference *in)
{
	size_t kept = 0;

	if (c->count < 2 || c->count > MAX_TARGET_CHECKS)
		return;
	for (size_t i = 0; i < c->count; i++) {
		if (targets_fit(in, c->base[i]))
			c->base[kept++] = c->base[i];
	}
	c->count = kept;
}

int nsym_crash_infer_load(struct nsym_infer_result *out, struct nsym_crash *c, nsym_symbolizer *sym,
                          const char *name)
{
	struct inference in = {.c = c, .sym = sym, .name = name};
	struct candidates found = {0};
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = nsym__symbolizer_code(&in.code, sym)) != 0)
		goto done;
	/* Windows maps every image at its allocation granularity, 64 KiB,
	 * whatever the alignment of its sections */
	if (in.code.format == NSYM_FORMAT_PE && in.code.page < 65536)
		in.code.page = 65536;
	if ((rc = pick_frames(&in)) != 0)
		goto done;
	out->frames = in.nframes;
	if (in.nframes == 0) {
		snprintf(out->why, sizeof(out->why),
		         "no frame of the trace is in a module named %s or named after one of its "
		         "symbols",
		         name);
		goto done;
	}
	if (base_from_symbols(&found.base[0], &in)) {
		found.count = found.tried = 1;
		out->by_symbol = true;
	} else {
		search(&found, &in);
		check_targets(&found, &in);
	}
	out->candidates = found.count;
	out->tried = found.tried;
	if (found.count == 1) {
		out->decided = 1;
		out->base = found.base[0];
		rc = apply(out, &in, found.base[0]);
		goto done;
	}
	if (some_named(&in))
		goto done; /* why stays empty */
	if (out->tried == 0)
		snprintf(out->why, sizeof(out->why),
		         "load address of %s not inferred: no page-aligned address puts its first "
		         "frame in its code (is it the build that crashed?)",
		         name);
	else if (out->candidates == 0)
		snprintf(out->why, sizeof(out->why),
		         "load address of %s not inferred: none of the %zu page-aligned addresses "
		         "that put its first frame in its code fits %s %zu frame%s (is it the "
		         "build that crashed?)",
		         name, out->tried, in.nframes == 1 ? "its" : "all", in.nframes,
		         in.nframes == 1 ? "" : "s");
	else
		snprintf(out->why, sizeof(out->why),
		         "load address of %s not inferred: %zu addresses fit its %zu frame%s "
		         "(0x%" PRIx64 ", 0x%" PRIx64 "%s)",
		         name, out->candidates, in.nframes, in.nframes == 1 ? "" : "s",
		         found.base[0], found.base[1], out->candidates > 2 ? ", ..." : "");
	rc = leave(&in, out->why);
done:
	free(in.frames);
	free(in.loose);
	return rc;
}
