/*
 * The project walker of `fetch` over trees laid out as npm, pnpm and yarn
 * lay them, built here: the exact set of (path, package, version) it
 * reports, each real file once, loops and dangling links that end, folders
 * it cannot read, files that only look like addons, and its limits.
 */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "package_json.h"
#include "project_walk.h"
#include "test_util.h"

#define MAX_FOUND 64

/* What one walk reported, as "path|package|version" lines, paths relative to the root. */
struct found {
	const char *prefix; /* stripped from paths */
	char *lines[MAX_FOUND];
	char *real[MAX_FOUND];
	size_t n;
	int stop_with;   /* the callback's answer */
	char *unread[4]; /* "path|why" of what the walk could not read, relative too */
	size_t nunread;
};

static int collect(void *arg, const struct nsym_addon_file *f)
{
	struct found *r = arg;
	size_t k = strlen(r->prefix);
	const char *p = f->path;

	ck_assert_uint_lt(r->n, MAX_FOUND);
	if (k > 0 && strncmp(p, r->prefix, k) == 0 && p[k] == '/')
		p += k + 1;
	ck_assert_int_ge(asprintf(&r->lines[r->n], "%s|%s|%s", p, f->package, f->version), 0);
	r->real[r->n] = strdup(f->real_path);
	ck_assert_msg(access(f->real_path, R_OK) == 0, "real path %s", f->real_path);
	for (size_t i = 0; i < r->n; i++)
		ck_assert_msg(strcmp(r->real[i], f->real_path) != 0, "%s reported twice",
		              f->real_path);
	r->n++;
	return r->stop_with;
}

static void collect_unreadable(void *arg, const char *path, const char *why)
{
	struct found *r = arg;
	size_t k = strlen(r->prefix);

	ck_assert_uint_lt(r->nunread, sizeof(r->unread) / sizeof(r->unread[0]));
	if (k > 0 && strncmp(path, r->prefix, k) == 0 && path[k] == '/')
		path += k + 1;
	ck_assert_int_ge(asprintf(&r->unread[r->nunread++], "%s|%s", path, why), 0);
}

static void found_free(struct found *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->lines[i]);
		free(r->real[i]);
	}
	for (size_t i = 0; i < r->nunread; i++)
		free(r->unread[i]);
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The lines sorted and joined, so a mismatch prints both sets whole. */
static char *joined(char *const *lines, size_t n)
{
	char *sorted[MAX_FOUND], *out = strdup(""), *next;
	memcpy(sorted, lines, n * sizeof(*lines));
	qsort(sorted, n, sizeof(*sorted), by_string);
	for (size_t i = 0; i < n; i++) {
		ck_assert_int_ge(asprintf(&next, "%s%s\n", out, sorted[i]), 0);
		free(out);
		out = next;
	}
	return out;
}

static void assert_lines(struct found *r, const char *const *want)
{
	char *w[MAX_FOUND];
	size_t n = 0;
	char *a, *b;

	while (want[n] != NULL) {
		w[n] = (char *)want[n];
		n++;
	}
	a = joined(r->lines, r->n);
	b = joined(w, n);
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
}

/* Walks root; paths are reported relative to `prefix`. */
static void walk(struct found *r, const char *root, const char *prefix, struct nsym_walk_stats *st)
{
	char err[512] = "";
	int rc;
	r->prefix = prefix;
	rc = nsym_project_walk(root, collect, collect_unreadable, r, st, err, sizeof(err));
	ck_assert_msg(rc == 0, "walk of %s: %d %s", root, rc, err);
}

/* ---- building trees ---- */

static void put(const char *dir, const char *rel, const void *data, size_t size)
{
	char *path;
	ck_assert_int_eq(test_sh("mkdir -p \"$(dirname '%s/%s')\"", dir, rel), 0);
	path = test_write(dir, rel, data, size);
	ck_assert_ptr_nonnull(path);
	free(path);
}

/* A 64-byte ELF header: the walker only checks the magic. */
static void elf(const char *dir, const char *rel)
{
	unsigned char h[64] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
	put(dir, rel, h, sizeof(h));
}

static void text(const char *dir, const char *rel, const char *s)
{
	put(dir, rel, s, strlen(s));
}

static void pkg(const char *dir, const char *folder, const char *name, const char *version)
{
	char rel[1024], json[512];
	snprintf(rel, sizeof(rel), "%s/package.json", folder);
	snprintf(json, sizeof(json),
	         "{\n  \"name\": \"%s\",\n  \"version\": \"%s\",\n  \"main\": \"index.js\"\n}\n",
	         name, version);
	text(dir, rel, json);
}

/* dir/rel becomes a symlink to target (relative to rel's folder, as pnpm writes them). */
static void link_to(const char *dir, const char *target, const char *rel)
{
	ck_assert_int_eq(test_sh("mkdir -p \"$(dirname '%s/%s')\" && ln -s '%s' '%s/%s'", dir, rel,
	                         target, dir, rel),
	                 0);
}

/* ---- npm ---- */

START_TEST(npm_nested_and_scoped)
{
	char *d = test_tmpdir();
	struct found r = {0};
	struct nsym_walk_stats st;
	static const char *const want[] = {
	    "node_modules/@scope/pkg/lib/libhelper.so|@scope/pkg|3.1.4",
	    "node_modules/@scope/pkg/prebuilds/linux-x64/pkg.node|@scope/pkg|3.1.4",
	    "node_modules/a/build/Release/a.node|a|1.0.0",
	    "node_modules/a/node_modules/b/b.node|b|1.0.0",
	    "node_modules/a/vendor/v.node|vendored|9.0.0",
	    "node_modules/b/b.node|b|2.0.0",
	    NULL};

	pkg(d, ".", "app", "0.0.1");
	elf(d, "build/Release/own.node"); /* the project's own build: not what fetch is for */
	pkg(d, "node_modules/a", "a", "1.0.0");
	elf(d, "node_modules/a/build/Release/a.node");
	text(d, "node_modules/a/build/package.json", "{\"type\": \"commonjs\"}");
	pkg(d, "node_modules/a/vendor", "vendored", "9.0.0");
	elf(d, "node_modules/a/vendor/v.node");
	pkg(d, "node_modules/a/node_modules/b", "b", "1.0.0");
	elf(d, "node_modules/a/node_modules/b/b.node");
	pkg(d, "node_modules/b", "b", "2.0.0");
	elf(d, "node_modules/b/b.node");
	pkg(d, "node_modules/@scope/pkg", "@scope/pkg", "3.1.4");
	elf(d, "node_modules/@scope/pkg/prebuilds/linux-x64/pkg.node");
	elf(d, "node_modules/@scope/pkg/lib/libhelper.so.1.2");
	link_to(d, "libhelper.so.1.2", "node_modules/@scope/pkg/lib/libhelper.so");
	pkg(d, "node_modules/c", "c", "0.1.0");
	text(d, "node_modules/c/index.js", "module.exports = 1;\n");
	elf(d, "node_modules/.bin/bin.node");
	elf(d, "node_modules/.cache/cached.node");
	elf(d, "node_modules/c/.git/objects/obj.node");

	walk(&r, d, d, &st);
	assert_lines(&r, want);
	ck_assert_uint_eq(st.addons, 6);
	ck_assert_uint_eq(st.loops_avoided, 0);
	ck_assert_uint_eq(st.skipped_unreadable, 0);
	ck_assert(!st.truncated);
	/* the versioned soname and its link are one real file, read through its real name */
	for (size_t i = 0; i < r.n; i++)
		if (strstr(r.lines[i], "libhelper") != NULL)
			ck_assert_ptr_nonnull(strstr(r.real[i], "/lib/libhelper.so.1.2"));
	found_free(&r);
	test_tmpdir_remove(d);
}
END_TEST

/* ---- pnpm ---- */

static void pnpm_tree(const char *d)
{
	pkg(d, "node_modules/.pnpm/x@1.0.0/node_modules/x", "x", "1.0.0");
	elf(d, "node_modules/.pnpm/x@1.0.0/node_modules/x/x.node");
	link_to(d, "../../y@2.0.0/node_modules/y", "node_modules/.pnpm/x@1.0.0/node_modules/y");
	pkg(d, "node_modules/.pnpm/y@2.0.0/node_modules/y", "y", "2.0.0");
	elf(d, "node_modules/.pnpm/y@2.0.0/node_modules/y/build/y.node");
	pkg(d, "node_modules/.pnpm/@s+z@3.0.0/node_modules/@s/z", "@s/z", "3.0.0");
	elf(d, "node_modules/.pnpm/@s+z@3.0.0/node_modules/@s/z/z.node");
	/* pnpm's store hard-links identical files: one real file */
	pkg(d, "node_modules/.pnpm/w@1.0.0/node_modules/w", "w", "1.0.0");
	ck_assert_int_eq(test_sh("ln '%s/node_modules/.pnpm/x@1.0.0/node_modules/x/x.node' "
	                         "'%s/node_modules/.pnpm/w@1.0.0/node_modules/w/w.node'",
	                         d, d),
	                 0);
	/* hoisting links in .pnpm/node_modules */
	link_to(d, "../y@2.0.0/node_modules/y", "node_modules/.pnpm/node_modules/y");
	link_to(d, "../../@s+z@3.0.0/node_modules/@s/z", "node_modules/.pnpm/node_modules/@s/z");
	/* the project's direct dependencies */
	link_to(d, ".pnpm/x@1.0.0/node_modules/x", "node_modules/x");
	link_to(d, "../.pnpm/@s+z@3.0.0/node_modules/@s/z", "node_modules/@s/z");
	text(d, "node_modules/.modules.yaml", "layoutVersion: 5\n");
	text(d, "node_modules/.pnpm/lock.yaml", "lockfileVersion: '9.0'\n");
}

START_TEST(pnpm_store_and_links)
{
	char *d = test_tmpdir();
	struct found r = {0};
	struct nsym_walk_stats st;
	static const char *const want[] = {"node_modules/.pnpm/node_modules/y/build/y.node|y|2.0.0",
	                                   "node_modules/@s/z/z.node|@s/z|3.0.0",
	                                   "node_modules/x/x.node|x|1.0.0", NULL};

	pnpm_tree(d);
	walk(&r, d, d, &st);
	assert_lines(&r, want);
	/* node_modules/x, node_modules/@s/z, .pnpm/node_modules/y */
	ck_assert_uint_eq(st.links_followed, 3);
	/* the real folders of x, y, @s/z, and the links .pnpm/x@1.0.0/node_modules/y and
	 * .pnpm/node_modules/@s/z: each entered once already */
	ck_assert_uint_eq(st.loops_avoided, 5);
	for (size_t i = 0; i < r.n; i++)
		if (strncmp(r.lines[i], "node_modules/x/", 15) == 0)
			ck_assert_ptr_nonnull(
			    strstr(r.real[i], "/node_modules/.pnpm/x@1.0.0/node_modules/x/x.node"));
	found_free(&r);
	test_tmpdir_remove(d);
}
END_TEST

/* ---- yarn ---- */

START_TEST(yarn_flat_and_unplugged)
{
	char *v1 = test_tmpdir(), *pnp = test_tmpdir();
	struct found r = {0}, r2 = {0};
	struct nsym_walk_stats st;
	static const char *const want_v1[] = {
	    "node_modules/native-a/build/Release/a.node|native-a|1.0.0",
	    "node_modules/native-b/prebuilds/linux-x64/node.napi.node|native-b|2.0.0", NULL};
	static const char *const want_pnp[] = {
	    ".yarn/unplugged/native-npm-1.2.3-0123abcd/node_modules/native/build/Release/"
	    "native.node|native|1.2.3",
	    ".yarn/unplugged/@s-n-npm-4.5.6-89ef/node_modules/@s/n/n.node|@s/n|4.5.6", NULL};

	/* yarn v1 (and berry's node-modules linker): flat, like npm */
	text(v1, "node_modules/.yarn-integrity", "{}");
	pkg(v1, "node_modules/native-a", "native-a", "1.0.0");
	elf(v1, "node_modules/native-a/build/Release/a.node");
	pkg(v1, "node_modules/native-b", "native-b", "2.0.0");
	elf(v1, "node_modules/native-b/prebuilds/linux-x64/node.napi.node");
	pkg(v1, "node_modules/plain", "plain", "1.0.0");
	walk(&r, v1, v1, &st);
	assert_lines(&r, want_v1);

	/* yarn berry, Plug'n'Play: addons are unpacked under .yarn/unplugged */
	text(pnp, ".pnp.cjs", "/* pnp */\n");
	text(pnp, ".yarn/cache/native-npm-1.2.3-0123abcd.zip", "PK");
	pkg(pnp, ".yarn/unplugged/native-npm-1.2.3-0123abcd/node_modules/native", "native",
	    "1.2.3");
	elf(pnp, ".yarn/unplugged/native-npm-1.2.3-0123abcd/node_modules/native/build/Release/"
	         "native.node");
	pkg(pnp, ".yarn/unplugged/@s-n-npm-4.5.6-89ef/node_modules/@s/n", "@s/n", "4.5.6");
	elf(pnp, ".yarn/unplugged/@s-n-npm-4.5.6-89ef/node_modules/@s/n/n.node");
	elf(pnp, "src/own.node"); /* the project's own files are not walked */
	walk(&r2, pnp, pnp, &st);
	assert_lines(&r2, want_pnp);

	found_free(&r);
	found_free(&r2);
	test_tmpdir_remove(v1);
	test_tmpdir_remove(pnp);
}
END_TEST

/* ---- loops and dangling links ---- */

START_TEST(loops_and_dangling_links_end)
{
	char *d = test_tmpdir(), *a = NULL;
	struct found r = {0}, r2 = {0};
	struct nsym_walk_stats st;
	/* r is first reached through p's link to it, and reported there, once */
	static const char *const want[] = {"node_modules/a/a.node|a|1.0.0",
	                                   "node_modules/p/p.node|p|1.0.0",
	                                   "node_modules/p/peer/r.node|r|1.0.0", NULL};

	pkg(d, "node_modules/a", "a", "1.0.0");
	elf(d, "node_modules/a/a.node");
	link_to(d, "../../..", "node_modules/a/node_modules/back"); /* the project */
	link_to(d, "..", "node_modules/a/node_modules/self");       /* a itself */
	link_to(d, "loop", "node_modules/a/node_modules/loop");     /* ELOOP */
	link_to(d, "missing.node", "node_modules/a/dangling.node");
	link_to(d, "/nonexistent/folder", "node_modules/a/gone");
	/* two packages linking to each other */
	pkg(d, "node_modules/p", "p", "1.0.0");
	elf(d, "node_modules/p/p.node");
	link_to(d, "../r", "node_modules/p/peer");
	pkg(d, "node_modules/r", "r", "1.0.0");
	elf(d, "node_modules/r/r.node");
	link_to(d, "../p", "node_modules/r/peer");

	walk(&r, d, d, &st);
	assert_lines(&r, want);
	ck_assert_uint_gt(st.loops_avoided, 0);
	/* back (the project), self (a), p/peer/peer (p again), node_modules/r (entered
	 * through p/peer) */
	ck_assert_uint_eq(st.loops_avoided, 4);

	/* from inside: the link back to the project root walks the project once */
	ck_assert_int_ge(asprintf(&a, "%s/node_modules/a", d), 0);
	walk(&r2, a, a, &st);
	ck_assert_uint_eq(r2.n, 3);
	ck_assert_uint_gt(st.loops_avoided, 0);

	free(a);
	found_free(&r);
	found_free(&r2);
	test_tmpdir_remove(d);
}
END_TEST

/* ---- unreadable folders ---- */

START_TEST(unreadable_folders_are_skipped)
{
	char *d = test_tmpdir();
	struct found r = {0};
	struct nsym_walk_stats st;
	static const char *const want[] = {"node_modules/ok/ok.node|ok|1.0.0", NULL};

	pkg(d, "node_modules/ok", "ok", "1.0.0");
	elf(d, "node_modules/ok/ok.node");
	pkg(d, "node_modules/locked", "locked", "1.0.0");
	elf(d, "node_modules/locked/locked.node");
	elf(d, "node_modules/ok/sealed.node");
	ck_assert_int_eq(
	    test_sh("chmod 000 '%s/node_modules/locked' '%s/node_modules/ok/sealed.node'", d, d),
	    0);
	walk(&r, d, d, &st);
	if (geteuid() != 0) {
		static const char *const unread[] = {
		    "node_modules/locked|Permission denied",
		    "node_modules/ok/sealed.node|Permission denied", NULL};
		char *got, *wanted;
		assert_lines(&r, want);
		ck_assert_uint_eq(st.skipped_unreadable, 2);
		/* each one named, with why */
		got = joined(r.unread, r.nunread);
		wanted = joined((char *const *)unread, 2);
		ck_assert_str_eq(got, wanted);
		free(got);
		free(wanted);
	} else {
		/* root reads through chmod 000: only check the readable part was found */
		fprintf(stderr, "note: running as root, chmod 000 does not stop reading; "
		                "the unreadable-folder assertion is skipped\n");
		ck_assert_uint_eq(r.n, 3);
	}
	ck_assert_int_eq(test_sh("chmod 755 '%s/node_modules/locked'", d), 0);
	found_free(&r);
	test_tmpdir_remove(d);
}
END_TEST

/* ---- what counts as an addon ---- */

START_TEST(only_binaries_are_addons)
{
	char *d = test_tmpdir();
	struct found r = {0};
	struct nsym_walk_stats st;
	static const unsigned char macho64[] = {0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1};
	static const unsigned char fat[] = {0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2};
	static const unsigned char mz[] = {'M', 'Z', 0x90, 0};
	size_t size;
	unsigned char *self = test_self_bytes(&size);
	static const char *const want[] = {"node_modules/m/darwin-arm64.node|m|1.0.0",
	                                   "node_modules/m/darwin-universal.node|m|1.0.0",
	                                   "node_modules/m/libm.dylib|m|1.0.0",
	                                   "node_modules/m/libz.so.1|m|1.0.0",
	                                   "node_modules/m/libz.so.1.2.13|m|1.0.0",
	                                   "node_modules/m/real.node|m|1.0.0",
	                                   "node_modules/m/win32-x64.node|m|1.0.0",
	                                   "node_modules/m/m.dll|m|1.0.0",
	                                   "node_modules/m/x.node/inside.node|m|1.0.0",
	                                   NULL};

	pkg(d, "node_modules/m", "m", "1.0.0");
	put(d, "node_modules/m/real.node", self, size);
	put(d, "node_modules/m/darwin-arm64.node", macho64, sizeof(macho64));
	put(d, "node_modules/m/darwin-universal.node", fat, sizeof(fat));
	put(d, "node_modules/m/win32-x64.node", mz, sizeof(mz));
	put(d, "node_modules/m/m.dll", mz, sizeof(mz));
	put(d, "node_modules/m/libm.dylib", macho64, sizeof(macho64));
	elf(d, "node_modules/m/libz.so.1");
	elf(d, "node_modules/m/libz.so.1.2.13");
	elf(d, "node_modules/m/x.node/inside.node"); /* a folder named x.node is a folder */
	/* named like addons, but not binaries */
	text(d, "node_modules/m/text.node", "module.exports = require('./real.node');\n");
	text(d, "node_modules/m/empty.node", "");
	text(d, "node_modules/m/short.node", "\x7f");
	text(d, "node_modules/m/libfake.so", "/* GNU ld script */ INPUT(libz.so.1)\n");
	/* binaries, but not named like addons */
	elf(d, "node_modules/m/addon.bin");
	elf(d, "node_modules/m/libz.so.x");
	elf(d, "node_modules/m/libz.so.1.txt");
	elf(d, "node_modules/m/.node");
	/* a FIFO named like an addon must not block the walk */
	ck_assert_int_eq(test_sh("mkfifo '%s/node_modules/m/fifo.node'", d), 0);

	walk(&r, d, d, &st);
	assert_lines(&r, want);
	ck_assert_uint_eq(st.addons, 9);
	free(self);
	found_free(&r);
	test_tmpdir_remove(d);
}
END_TEST

/* ---- roots other than a project ---- */

START_TEST(roots_inside_node_modules)
{
	char *d = test_tmpdir(), *root = NULL, *prefix = NULL, cwd[PATH_MAX];
	struct found r = {0};
	struct nsym_walk_stats st;
	static const char *const want_build[] = {"Release/pkg.node|@scope/pkg|3.1.4", NULL};
	static const char *const want_dot[] = {
	    "node_modules/@scope/pkg/build/Release/pkg.node|@scope/pkg|3.1.4",
	    "node_modules/@scope/pkg/lib/libhelper.so|@scope/pkg|3.1.4", NULL};
	static const char *const want_file[] = {"helper.bin|@scope/pkg|3.1.4", NULL};
	static const char *const want_modules[] = {
	    "@scope/pkg/build/Release/pkg.node|@scope/pkg|3.1.4", NULL};
	static const char *const want_pnpm[] = {"x.node|x|1.0.0", NULL};

	pkg(d, "node_modules/@scope/pkg", "@scope/pkg", "3.1.4");
	elf(d, "node_modules/@scope/pkg/build/Release/pkg.node");
	elf(d, "node_modules/@scope/pkg/lib/helper.bin");
	link_to(d, "helper.bin", "node_modules/@scope/pkg/lib/libhelper.so");

	/* a folder inside a package: the package is found above it; a trailing
	 * slash is dropped from the paths */
	ck_assert_int_ge(asprintf(&root, "%s/node_modules/@scope/pkg/build/", d), 0);
	walk(&r, root, "", &st);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_ptr_nonnull(strstr(r.lines[0], "/build/Release/pkg.node|@scope/pkg|3.1.4"));
	ck_assert_ptr_null(strstr(r.lines[0], "//"));
	found_free(&r);
	memset(&r, 0, sizeof(r));
	root[strlen(root) - 1] = '\0';
	walk(&r, root, root, &st);
	assert_lines(&r, want_build);
	found_free(&r);
	memset(&r, 0, sizeof(r));
	free(root);

	/* a file named on purpose is read whatever its name */
	ck_assert_int_ge(asprintf(&prefix, "%s/node_modules/@scope/pkg/lib", d), 0);
	ck_assert_int_ge(asprintf(&root, "%s/helper.bin", prefix), 0);
	walk(&r, root, prefix, &st);
	assert_lines(&r, want_file);
	found_free(&r);
	memset(&r, 0, sizeof(r));
	free(root);
	free(prefix);

	/* node_modules itself */
	ck_assert_int_ge(asprintf(&root, "%s/node_modules", d), 0);
	walk(&r, root, root, &st);
	ck_assert_uint_eq(r.n, 2);
	for (size_t i = 0; i < r.n; i++)
		if (strstr(r.lines[i], "pkg.node") != NULL)
			ck_assert_str_eq(r.lines[i], want_modules[0]);
	found_free(&r);
	memset(&r, 0, sizeof(r));
	free(root);

	/* "." names paths from the project: node_modules/... */
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(chdir(d), 0);
	walk(&r, ".", "", &st);
	ck_assert_int_eq(chdir(cwd), 0);
	assert_lines(&r, want_dot);
	found_free(&r);
	memset(&r, 0, sizeof(r));

	/* a pnpm package reached through its link is named from its real place */
	pnpm_tree(d);
	ck_assert_int_ge(asprintf(&root, "%s/node_modules/x", d), 0);
	walk(&r, root, root, &st);
	assert_lines(&r, want_pnpm);
	found_free(&r);
	free(root);
	test_tmpdir_remove(d);
}
END_TEST

/* ---- package.json ---- */

/* {"name": NAME, "version": "1", "x": [[...]]} with `arrays` nested arrays. */
static void nested_json(char *out, size_t size, const char *name, int arrays)
{
	int n = snprintf(out, size, "{\"name\": \"%s\", \"version\": \"1\", \"x\": ", name);
	for (int i = 0; i < arrays; i++)
		n += snprintf(out + n, size - (size_t)n, "[");
	for (int i = 0; i < arrays; i++)
		n += snprintf(out + n, size - (size_t)n, "]");
	ck_assert_int_lt(snprintf(out + n, size - (size_t)n, "}"), (int)(size - (size_t)n));
}

START_TEST(package_json_is_read_tolerantly)
{
	char *d = test_tmpdir();
	struct found r = {0};
	struct nsym_walk_stats st;
	char *big;
	static const struct {
		const char *folder, *json;
	} cases[] = {
	    {"esc",
	     "{\"name\": \"@s/\\u00e9t\\u00E9\\\"q\\\\\", \"version\": \"1.0.0-\\ud83d\\ude00\"}"},
	    {"nested", "{\"author\": {\"name\": \"Bob\", \"version\": \"x\"}, \"name\": \"real\", "
	               "\"version\": \"2.0.0\"}"},
	    {"onlynested",
	     "{\"author\": {\"name\": \"Bob\"}, \"contributors\": [{\"name\": \"A\"}]}"},
	    {"bom", "\xef\xbb\xbf{\"name\":\"bom\",\"version\":\"1\"}"},
	    /* not JSON (to jansson, which also refuses invalid UTF-8 and lone surrogates),
	     * or not an object: no name, as the file is taken whole or not at all */
	    {"broken", "{\"name\": \"broken\", \"version\": \"1.2\" this is not json"},
	    {"trailing", "{\"name\": \"trailing\", \"version\": \"1\"} {\"name\": \"x\"}"},
	    {"badutf8", "{\"name\": \"bad\xff\", \"version\": \"1\"}"},
	    {"lone", "{\"name\": \"lone\\ud800\", \"version\": \"1\"}"},
	    {"array", "[{\"name\": \"array\", \"version\": \"1\"}]"},
	    {"slash", "{\"name\": \"@s\\/c-addon\", \"version\": \"1.0.0\"}"},
	    {"numver", "{\"name\": \"numver\", \"version\": 1}"},
	    {"numeric", "{\"name\": 5, \"version\": \"1\"}"},
	    {"brackets", "{\"description\": \"}{[\\\"]\", \"name\": \"br\", \"version\": \"3\"}"},
	    {"dupes", "{\"name\": \"first\", \"version\": \"1\", \"name\": \"last\"}"},
	    {"noname", "{\"version\": \"7.7.7\"}"},
	    {"nul", "{\"name\": \"a\\u0000b\", \"version\": \"1\"}"},
	    {"empty", ""},
	    {"truncated", "{\"name\": \"tru"},
	};
	static const char *const want[] = {
	    "node_modules/big/big.node||",
	    "node_modules/bom/bom.node|bom|1",
	    "node_modules/brackets/brackets.node|br|3",
	    "node_modules/array/array.node||",
	    "node_modules/badutf8/badutf8.node||",
	    "node_modules/broken/broken.node||",
	    "node_modules/deep/deep.node||",
	    "node_modules/dupes/dupes.node|last|1",
	    "node_modules/empty/empty.node||",
	    "node_modules/edge/edge.node|edge|1",
	    "node_modules/esc/esc.node|@s/\xc3\xa9t\xc3\xa9\"q\\|1.0.0-\xf0\x9f\x98\x80",
	    "node_modules/fifo/fifo.node||",
	    "node_modules/lone/lone.node||",
	    "node_modules/long/long.node||",
	    "node_modules/nested/nested.node|real|2.0.0",
	    "node_modules/noname/noname.node||",
	    "node_modules/nul/nul.node||",
	    "node_modules/numeric/numeric.node||",
	    "node_modules/numver/numver.node|numver|",
	    "node_modules/onlynested/onlynested.node||",
	    "node_modules/shallow/shallow.node|shallow|1",
	    "node_modules/slash/slash.node|@s/c-addon|1.0.0",
	    "node_modules/trailing/trailing.node||",
	    "node_modules/truncated/truncated.node||",
	    NULL};
	char rel[256], name[400], nest[2 * NSYM_PACKAGE_JSON_DEPTH + 64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(rel, sizeof(rel), "node_modules/%s/package.json", cases[i].folder);
		text(d, rel, cases[i].json);
		snprintf(rel, sizeof(rel), "node_modules/%s/%s.node", cases[i].folder,
		         cases[i].folder);
		elf(d, rel);
	}
	/* over 1 MB: not read */
	big = malloc(1024 * 1024 + 64);
	memset(big, ' ', 1024 * 1024 + 64);
	memcpy(big, "{\"name\": \"big\", \"version\": \"1\"}", 31);
	put(d, "node_modules/big/package.json", big, 1024 * 1024 + 64);
	free(big);
	elf(d, "node_modules/big/big.node");
	/* exactly at the size limit: read */
	big = malloc(NSYM_PACKAGE_JSON_MAX);
	memset(big, ' ', NSYM_PACKAGE_JSON_MAX);
	memcpy(big, "{\"name\": \"edge\", \"version\": \"1\"}", 32);
	put(d, "node_modules/edge/package.json", big, NSYM_PACKAGE_JSON_MAX);
	free(big);
	elf(d, "node_modules/edge/edge.node");
	/* nested as deep as the limit allows (the object is one level): read; one more: not */
	nested_json(nest, sizeof(nest), "shallow", NSYM_PACKAGE_JSON_DEPTH - 1);
	text(d, "node_modules/shallow/package.json", nest);
	elf(d, "node_modules/shallow/shallow.node");
	nested_json(nest, sizeof(nest), "deep", NSYM_PACKAGE_JSON_DEPTH);
	text(d, "node_modules/deep/package.json", nest);
	elf(d, "node_modules/deep/deep.node");
	/* a FIFO named package.json is passed over without waiting for a writer */
	ck_assert_int_eq(test_sh("mkdir -p '%s/node_modules/fifo' && mkfifo "
	                         "'%s/node_modules/fifo/package.json'",
	                         d, d),
	                 0);
	elf(d, "node_modules/fifo/fifo.node");
	/* a name longer than any npm allows is not kept */
	memset(name, 'n', 300);
	name[300] = '\0';
	pkg(d, "node_modules/long", name, "1");
	elf(d, "node_modules/long/long.node");

	walk(&r, d, d, &st);
	assert_lines(&r, want);
	found_free(&r);
	test_tmpdir_remove(d);
}
END_TEST

/* Why a package.json gives no name, in one line, for each way it can fail. */
START_TEST(package_json_faults_are_said)
{
	char *d = test_tmpdir();
	struct nsym_package p;
	char err[200], json[2 * NSYM_PACKAGE_JSON_DEPTH + 64], *huge;
	size_t huge_size = 10u << 20;
	static const struct {
		const char *json, *why;
	} cases[] = {
	    {"{\"name\": \"a\" x", "line 1, column 14: "},
	    {"[1]", "not a JSON object"},
	    {"", "line 1, column 0: "},
	    {"{\"name\": \"a\\u0000b\"}", "line 1, column "},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&p, 'x', sizeof(p));
		ck_assert_int_eq(
		    nsym_package_parse(&p, cases[i].json, strlen(cases[i].json), err, sizeof(err)),
		    NSYM_EINVAL);
		ck_assert_msg(strncmp(err, cases[i].why, strlen(cases[i].why)) == 0, "%s: %s",
		              cases[i].json, err);
		ck_assert_str_eq(p.name, "");
		ck_assert_str_eq(p.version, "");
	}
	nested_json(json, sizeof(json), "deep", NSYM_PACKAGE_JSON_DEPTH);
	ck_assert_int_eq(nsym_package_parse(&p, json, strlen(json), err, sizeof(err)), NSYM_EINVAL);
	ck_assert_str_eq(err, "the JSON is nested deeper than 64 levels");
	snprintf(json, sizeof(json), "{\"name\": \"@s\\/c-addon\"}");
	ck_assert_int_eq(nsym_package_parse(&p, json, strlen(json), err, sizeof(err)), 0);
	ck_assert_str_eq(p.name, "@s/c-addon");
	ck_assert_str_eq(p.version, "");

	/* files: none, a folder, and 10 MB (refused by its size, not read) */
	ck_assert_int_eq(nsym_package_read(&p, d, err, sizeof(err)), NSYM_ENOENT);
	ck_assert_int_eq(test_sh("mkdir '%s/package.json'", d), 0);
	ck_assert_int_eq(nsym_package_read(&p, d, err, sizeof(err)), NSYM_EIO);
	ck_assert_str_eq(err, "not a regular file");
	ck_assert_int_eq(test_sh("rmdir '%s/package.json'", d), 0);
	huge = malloc(huge_size);
	memset(huge, ' ', huge_size);
	memcpy(huge, "{\"name\": \"huge\"}", 16);
	put(d, "package.json", huge, huge_size);
	free(huge);
	ck_assert_int_eq(nsym_package_read(&p, d, err, sizeof(err)), NSYM_EINVAL);
	ck_assert_str_eq(err, "the file is 10485760 bytes, over the limit of 1048576");
	ck_assert_str_eq(p.name, "");
	test_tmpdir_remove(d);
}
END_TEST

/* ---- limits ---- */

START_TEST(depth_is_bounded)
{
	char *d = test_tmpdir();
	struct found r = {0};
	struct nsym_walk_stats st;
	char rel[1024] = "node_modules/deep";
	size_t len = strlen(rel);
	static const char *const want[] = {"node_modules/deep/shallow.node|deep|1.0.0", NULL};

	pkg(d, "node_modules/deep", "deep", "1.0.0");
	elf(d, "node_modules/deep/shallow.node");
	for (int i = 0; i < NSYM_WALK_MAX_DEPTH + 4; i++)
		len += (size_t)snprintf(rel + len, sizeof(rel) - len, "/d");
	snprintf(rel + len, sizeof(rel) - len, "/deep.node");
	elf(d, rel);

	walk(&r, d, d, &st);
	assert_lines(&r, want);
	ck_assert_uint_eq(st.too_deep, 1);
	found_free(&r);
	test_tmpdir_remove(d);
}
END_TEST

/* Built twice: with the default cap nothing is cut; unit_project_walk_small
 * sets NSYM_WALK_MAX_ENTRIES to 100 and the walk stops inside "many". */
START_TEST(entries_are_bounded)
{
	char *d = test_tmpdir();
	struct found r = {0};
	struct nsym_walk_stats st;
	char rel[64];
	static const char *const want[] = {"node_modules/a/a.node||", NULL};

	elf(d, "node_modules/a/a.node");
	text(d, "node_modules/many/f000.js", "x");
	for (int i = 1; i < 300; i++) {
		char *path;
		snprintf(rel, sizeof(rel), "node_modules/many/f%03d.js", i);
		path = test_write(d, rel, "x", 1);
		ck_assert_ptr_nonnull(path);
		free(path);
	}
	elf(d, "node_modules/zz/zz.node");
	walk(&r, d, d, &st);
	if (NSYM_WALK_MAX_ENTRIES < 300) {
		ck_assert(st.truncated);
		assert_lines(&r, want);
	} else {
		ck_assert(!st.truncated);
		ck_assert_uint_eq(r.n, 2);
		ck_assert_uint_eq(st.files_seen, 302);
	}
	found_free(&r);
	test_tmpdir_remove(d);
}
END_TEST

START_TEST(callback_stops_the_walk)
{
	char *d = test_tmpdir();
	struct found r = {.stop_with = 7, .prefix = ""};
	struct nsym_walk_stats st;
	char err[256] = "";

	elf(d, "node_modules/a/a.node");
	elf(d, "node_modules/b/b.node");
	elf(d, "node_modules/c/c.node");
	ck_assert_int_eq(nsym_project_walk(d, collect, NULL, &r, &st, err, sizeof(err)), 7);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_uint_eq(st.addons, 1);
	ck_assert_str_eq(err, "");
	/* stats may be NULL */
	r.stop_with = 0;
	found_free(&r);
	r.n = 0;
	ck_assert_int_eq(nsym_project_walk(d, collect, NULL, &r, NULL, err, sizeof(err)), 0);
	ck_assert_uint_eq(r.n, 3);
	found_free(&r);
	test_tmpdir_remove(d);
}
END_TEST

START_TEST(bad_roots_are_errors)
{
	char *d = test_tmpdir(), *p = NULL;
	struct found r = {.prefix = ""};
	struct nsym_walk_stats st;
	char err[256] = "";

	ck_assert_int_ge(asprintf(&p, "%s/missing", d), 0);
	ck_assert_int_eq(nsym_project_walk(p, collect, NULL, &r, &st, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "missing"));
	ck_assert_ptr_nonnull(strstr(err, "No such file"));
	free(p);

	ck_assert_int_eq(test_sh("mkfifo '%s/fifo'", d), 0);
	ck_assert_int_ge(asprintf(&p, "%s/fifo", d), 0);
	ck_assert_int_eq(nsym_project_walk(p, collect, NULL, &r, &st, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "neither a file nor a folder"));
	free(p);

	/* a text file is no error, just no addon */
	text(d, "notes.node", "hello");
	ck_assert_int_ge(asprintf(&p, "%s/notes.node", d), 0);
	ck_assert_int_eq(nsym_project_walk(p, collect, NULL, &r, &st, err, sizeof(err)), 0);
	ck_assert_uint_eq(r.n, 0);
	ck_assert_uint_eq(st.files_seen, 1);
	free(p);

	if (geteuid() != 0) {
		ck_assert_int_eq(test_sh("mkdir '%s/locked' && chmod 000 '%s/locked'", d, d), 0);
		ck_assert_int_ge(asprintf(&p, "%s/locked", d), 0);
		ck_assert_int_eq(nsym_project_walk(p, collect, NULL, &r, &st, err, sizeof(err)),
		                 -1);
		ck_assert_ptr_nonnull(strstr(err, "Permission denied"));
		ck_assert_int_eq(test_sh("chmod 755 '%s/locked'", d), 0);
		free(p);
	} else {
		fprintf(stderr,
		        "note: running as root, the unreadable-root assertion is skipped\n");
	}
	test_tmpdir_remove(d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("project_walk");
	TEST_ADD(s, npm_nested_and_scoped);
	TEST_ADD(s, pnpm_store_and_links);
	TEST_ADD(s, yarn_flat_and_unplugged);
	TEST_ADD(s, loops_and_dangling_links_end);
	TEST_ADD(s, unreadable_folders_are_skipped);
	TEST_ADD(s, only_binaries_are_addons);
	TEST_ADD(s, roots_inside_node_modules);
	TEST_ADD(s, package_json_is_read_tolerantly);
	TEST_ADD(s, package_json_faults_are_said);
	TEST_ADD(s, depth_is_bounded);
	TEST_ADD(s, entries_are_bounded);
	TEST_ADD(s, callback_stops_the_walk);
	TEST_ADD(s, bad_roots_are_errors);
	return test_run(s);
}
