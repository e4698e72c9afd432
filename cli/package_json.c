/*
 * package.json's "name" and "version", for the project walk (project_walk.c)
 * to name the package that ships each addon. The bytes go through jansson by
 * the shared nsym_json_load, with this file's size and depth limits, so a
 * file is read whole as JSON or not at all, as npm and Node's require do:
 * one that is not JSON gives no name rather than a guess from its first
 * members. Contract in package_json.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "napi_symbols_util.h"
#include "package_json.h"

static const struct nsym_json_limits package_limits = {NSYM_PACKAGE_JSON_MAX,
                                                       NSYM_PACKAGE_JSON_DEPTH};

/* Copies the top-level string member `key` into field; a missing, non-string
 * or too long one leaves it "". */
static void keep_string(char field[NSYM_PACKAGE_FIELD], const json_t *doc, const char *key)
{
	const json_t *v = json_object_get(doc, key);

	field[0] = '\0';
	if (json_is_string(v) && json_string_length(v) < NSYM_PACKAGE_FIELD)
		memcpy(field, json_string_value(v), json_string_length(v) + 1);
}

int nsym_package_parse(struct nsym_package *out, const char *text, size_t len, char *err,
                       size_t err_size)
{
	json_t *doc = NULL;
	int rc;

	out->name[0] = out->version[0] = '\0';
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
		text += 3; /* a BOM, which Node's require strips too */
		len -= 3;
	}
	rc = nsym_json_load(&doc, text, len, &package_limits, err, err_size);
	if (rc != 0)
		return rc;
	if (json_is_object(doc)) {
		keep_string(out->name, doc, "name");
		if (out->name[0] != '\0')
			keep_string(out->version, doc, "version");
	} else {
		snprintf(err, err_size, "not a JSON object");
		rc = NSYM_EINVAL;
	}
	json_decref(doc);
	return rc;
}

/* The whole of a regular file of at most NSYM_PACKAGE_JSON_MAX bytes into
 * *out (malloc'd, to free) and its length into *len. */
static int read_small_file(char **out, size_t *len, const char *path, char *err, size_t err_size)
{
	/* O_NONBLOCK and the S_ISREG check: a FIFO named package.json must not hang the walk */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	char *buf = NULL;
	size_t n = 0;
	int rc = NSYM_EIO;

	*out = NULL;
	if (fd < 0) {
		int e = errno;
		snprintf(err, err_size, "%s", strerror(e));
		return e == ENOENT || e == ENOTDIR ? NSYM_ENOENT : NSYM_EIO;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(err, err_size, "%s", strerror(errno));
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, err_size, "not a regular file");
		goto done;
	}
	if (st.st_size > NSYM_PACKAGE_JSON_MAX) {
		/* not read at all: nsym_json_load would refuse it by the same limit */
		snprintf(err, err_size, "the file is %lld bytes, over the limit of %d",
		         (long long)st.st_size, NSYM_PACKAGE_JSON_MAX);
		rc = NSYM_EINVAL;
		goto done;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		snprintf(err, err_size, "out of memory");
		rc = NSYM_ENOMEM;
		goto done;
	}
	while (n < (size_t)st.st_size) { /* a file that shrinks meanwhile gives what is left */
		ssize_t got = read(fd, buf + n, (size_t)st.st_size - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			snprintf(err, err_size, "%s", strerror(errno));
			goto done;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	*out = buf;
	*len = n;
	buf = NULL;
	rc = 0;
done:
	free(buf);
	close(fd);
	return rc;
}

int nsym_package_read(struct nsym_package *out, const char *dir, char *err, size_t err_size)
{
	char path[PATH_MAX];
	char *text = NULL;
	size_t len = 0;
	int rc;

	out->name[0] = out->version[0] = '\0';
	if ((size_t)snprintf(path, sizeof(path), "%s/package.json", dir) >= sizeof(path)) {
		snprintf(err, err_size, "the path is too long");
		return NSYM_EINVAL;
	}
	rc = read_small_file(&text, &len, path, err, err_size);
	if (rc == 0)
		rc = nsym_package_parse(out, text, len, err, err_size);
	free(text);
	return rc;
}
