/*
 * Source context lines for the web page: under a frame whose file the
 * store holds as a source of the frame's build (uploaded with `napi-symbols
 * upload --sources`), the lines around its line, HTML-escaped. The store is
 * asked for each (build, path) once per page; what a page reads of sources
 * is capped, in files and in bytes, so that a crash of many frames over
 * large files costs a bounded amount. A file the store has not, or that is
 * past the caps, simply shows no lines.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "page.h"
#include "source_path.h"
#include "store.h"

/* Files one page reads: a crash's frames name a few dozen at most. */
#define MAX_FILES 64
/* A source larger than this is not shown (generated code, amalgamations). */
#define FILE_MAX (4u << 20)

/* One (build, path) asked for, and what the store had. */
struct file {
	char build_id[96];
	char *path; /* canonical */
	char *text; /* NULL when there is none to show */
	size_t len;
};

struct nsym_page_sources {
	struct nsym_store *store;
	uint64_t budget; /* bytes still to be read */
	size_t n;
	struct file files[MAX_FILES];
	int code; /* the store's first failure, or 0 */
	char message[512];
};

/* ---- the lines ----------------------------------------------------------------- */

int nsym_page_context(struct nsym_buf *b, const char *text, size_t len, uint64_t line,
                      unsigned around)
{
	const char *starts[2 * NSYM_PAGE_CONTEXT_AROUND_MAX + 1];
	const char *p = text, *end = text + len;
	uint64_t first, n = 1;
	size_t count = 0;

	if (around > NSYM_PAGE_CONTEXT_AROUND_MAX)
		around = NSYM_PAGE_CONTEXT_AROUND_MAX;
	if (line == 0)
		return 0;
	first = line > around ? line - around : 1;
	/* a line starts at p while p is before the end */
	while (p < end && count < 2 * (size_t)around + 1) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (n >= first)
			starts[count++] = p;
		p = eol != NULL ? eol + 1 : end;
		n++;
	}
	if (first + count <= line)
		return 0; /* the file has no such line */
	nsym_buf_printf(b,
	                "\n<pre class=\"context\" tabindex=\"0\" role=\"region\" "
	                "aria-label=\"Source, lines %llu to %llu\"><code>",
	                (unsigned long long)first, (unsigned long long)(first + count - 1));
	for (size_t i = 0; i < count; i++) {
		const char *eol = i + 1 < count ? starts[i + 1] : NULL;
		size_t l;
		if (eol == NULL)
			eol = memchr(starts[i], '\n', (size_t)(end - starts[i]));
		else
			eol--; /* the next line's start, after this one's newline */
		l = (size_t)((eol != NULL ? eol : end) - starts[i]);
		if (l > 0 && starts[i][l - 1] == '\r')
			l--;
		if (l > NSYM_PAGE_CONTEXT_LINE_MAX)
			l = NSYM_PAGE_CONTEXT_LINE_MAX;
		n = first + i;
		nsym_buf_printf(b, "%s<span class=\"ln\">%llu</span>", n == line ? "<mark>" : "",
		                (unsigned long long)n);
		nsym_buf_html(b, starts[i], l);
		nsym_buf_printf(b, "%s\n", n == line ? "</mark>" : "");
	}
	nsym_buf_printf(b, "</code></pre>");
	return b->failed && !b->over ? NSYM_ENOMEM : 0;
}

/* ---- the store's sources --------------------------------------------------------- */

struct nsym_page_sources *nsym_page_sources_new(struct nsym_store *store, uint64_t budget)
{
	struct nsym_page_sources *s = calloc(1, sizeof(*s));

	if (s != NULL) {
		s->store = store;
		s->budget = budget;
	}
	return s;
}

void nsym_page_sources_free(struct nsym_page_sources *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->files[i].path);
		free(s->files[i].text);
	}
	free(s);
}

int nsym_page_sources_error(const char **out_message, const struct nsym_page_sources *s)
{
	*out_message = s->message;
	return s->code;
}

static void out_of_memory(struct nsym_page_sources *s)
{
	if (s->code != 0)
		return;
	s->code = NSYM_ENOMEM;
	snprintf(s->message, sizeof(s->message), "out of memory reading a source for the page");
}

static void store_failed(struct nsym_page_sources *s, int code, const char *what)
{
	if (s->code != 0)
		return;
	s->code = code;
	/* the path at most 200 bytes: the store's message says more */
	snprintf(s->message, sizeof(s->message), "reading a source for the page: %.200s: %.250s",
	         what, nsym_store_errmsg(s->store));
}

/* The source's bytes into f->text, when the caps allow. */
static void load(struct nsym_page_sources *s, struct file *f, const struct nsym_source *src)
{
	struct nsym_blob blob;
	size_t got = 0;
	int rc;

	if (src->size == 0 || src->size > FILE_MAX || src->size > s->budget)
		return;
	rc = s->store->ops->blob_open(s->store, &blob, src->sha256);
	if (rc != 0) {
		store_failed(s, rc, src->path);
		return;
	}
	f->text = blob.size == src->size ? malloc(src->size) : NULL;
	while (f->text != NULL && got < src->size) {
		ssize_t n = pread(blob.fd, f->text + got, src->size - got, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(blob.fd);
	if (f->text == NULL && blob.size == src->size)
		out_of_memory(s);
	if (f->text == NULL || got < src->size) {
		free(f->text);
		f->text = NULL;
		return;
	}
	f->len = got;
	s->budget -= got;
}

/* The file asked for, from the page's list or from the store; NULL when it
 * cannot be looked for (the list is full, or no memory). */
static struct file *find(struct nsym_page_sources *s, const char *build_id, const char *canon)
{
	struct nsym_source src;
	struct file *f;
	int rc;

	for (size_t i = 0; i < s->n; i++) {
		if (strcmp(s->files[i].build_id, build_id) == 0 &&
		    strcmp(s->files[i].path, canon) == 0)
			return &s->files[i];
	}
	if (s->n == MAX_FILES)
		return NULL;
	f = &s->files[s->n];
	memset(f, 0, sizeof(*f));
	f->path = strdup(canon);
	if (f->path == NULL) {
		out_of_memory(s);
		return NULL;
	}
	snprintf(f->build_id, sizeof(f->build_id), "%s", build_id);
	s->n++;
	rc = s->store->ops->source_find(s->store, &src, build_id, canon);
	if (rc == 0)
		load(s, f, &src);
	else if (rc != NSYM_ENOENT)
		store_failed(s, rc, canon);
	return f;
}

void nsym_page_sources_lines(void *ctx, struct nsym_buf *b, const char *build_id, const char *file,
                             uint64_t line)
{
	struct nsym_page_sources *s = ctx;
	char id[96], canon[NSYM_SOURCE_PATH_MAX + 1];
	const char *why;
	struct file *f;
	size_t n = strlen(build_id);

	/* the keys of sources: a build's identity in lowercase hex, and a
	 * canonical absolute path */
	if (n < 2 || n >= sizeof(id) || strspn(build_id, "0123456789abcdefABCDEF") != n ||
	    nsym_source_path_check(&why, file) != 0)
		return;
	for (size_t i = 0; i <= n; i++)
		id[i] = (char)tolower((unsigned char)build_id[i]);
	nsym_source_path_canon(canon, file);
	f = find(s, id, canon);
	if (f != NULL && f->text != NULL)
		nsym_page_context(b, f->text, f->len, line, 2);
}
