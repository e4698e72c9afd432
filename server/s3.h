/*
 * A small client for S3-compatible object storage (AWS S3, Ceph radosgw,
 * MinIO…), enough for the scaled store's blobs: put a file (in parts when
 * large), read a byte range as it arrives, ask for an object's size,
 * delete, list, and presign a GET. Requests are signed by libcurl
 * (CURLOPT_AWS_SIGV4); presigned URLs, which libcurl cannot make, by
 * sigv4.c. Credentials come from the environment and are never put
 * into a message. Internal to the server.
 *
 * A handle keeps one connection to the endpoint and is used by one thread
 * at a time. Functions return 0 or a negative NSYM_E* code (NSYM_ENOENT
 * when the object is not there, NSYM_EIO for any other failure) and leave
 * one line of why in nsym_s3_error().
 */
#ifndef NSYM_SERVER_S3_H
#define NSYM_SERVER_S3_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct nsym_s3;

/* The longest object key this client makes or accepts. */
#define NSYM_S3_KEY_MAX 512

/*
 * A handle for url, "s3://BUCKET[/PREFIX]?endpoint=URL&region=REGION&
 * part_size=SIZE&presign_endpoint=URL&delete_grace=SECONDS": endpoint
 * defaults to AWS's for the region (us-east-1 when none), part_size (the
 * size of a multipart upload's parts, at least 5M; files up to it go in
 * one PUT) to 16M; presign_endpoint is the endpoint a presigned URL names,
 * when clients reach the storage by another address than the server;
 * delete_grace (nsym_s3_delete_grace) defaults to 60. Credentials:
 * AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or files named by
 * AWS_ACCESS_KEY_ID_FILE and AWS_SECRET_ACCESS_KEY_FILE), and
 * AWS_SESSION_TOKEN when set. NSYM_EINVAL with why in err for a URL or
 * settings it cannot use; nothing is contacted yet.
 */
int nsym_s3_open(struct nsym_s3 **out, const char *url, char *err, size_t err_size);
void nsym_s3_close(struct nsym_s3 *s3);

/* How many seconds an object outlives the last row that named it, so
 * that downloads under way when it was deleted finish (store_pg_blobs.c). */
int nsym_s3_delete_grace(const struct nsym_s3 *s3);

/* Why the last call failed. */
const char *nsym_s3_error(const struct nsym_s3 *s3);

/* The object key of a name (a blob's "sha256/ab/cdef…"): the URL's
 * prefix, then name. */
void nsym_s3_key(char *out, size_t size, const struct nsym_s3 *s3, const char *name);

/* Stores the size bytes of fd (read from offset 0 with pread) as key: one
 * PUT up to part_size, a multipart upload above it, aborted when a part
 * fails. The object appears whole or not at all. */
int nsym_s3_put_file(struct nsym_s3 *s3, const char *key, int fd, uint64_t size);

/* The object's size, or NSYM_ENOENT. */
int nsym_s3_head(struct nsym_s3 *s3, uint64_t *out_size, const char *key);

/* What nsym_s3_get hands the bytes to. begin is called once, before the
 * first byte, with the object's whole size as the storage reports it;
 * begin and data return 0 to go on, or a negative NSYM_E* code, which
 * stops the transfer and is what nsym_s3_get returns. */
struct nsym_s3_sink {
	int (*begin)(void *arg, uint64_t total);
	int (*data)(void *arg, const void *bytes, size_t n);
	void *arg;
};

/* Bytes [from, from + count) of the object (count > 0), handed to sink as
 * they arrive. Fails before begin when the object is missing (NSYM_ENOENT)
 * or the storage cannot be reached or refuses (NSYM_EIO); fails after
 * begin when the transfer breaks or brings other than count bytes. */
int nsym_s3_get(struct nsym_s3 *s3, const char *key, uint64_t from, uint64_t count,
                const struct nsym_s3_sink *sink);

/* Deletes the object; 0 too when it was not there. */
int nsym_s3_delete(struct nsym_s3 *s3, const char *key);

/* Calls fn for each object whose key starts with prefix, with its key and
 * last-modified time, page by page; fn returns nonzero to stop. */
int nsym_s3_list(struct nsym_s3 *s3, const char *prefix,
                 int (*fn)(void *arg, const char *key, time_t modified), void *arg);

/* Aborts the multipart uploads under prefix begun before `before`: the
 * parts of an upload whose server died. How many in *out_aborted. */
int nsym_s3_abort_stale_uploads(struct nsym_s3 *s3, int *out_aborted, const char *prefix,
                                time_t before);

/* A URL that GETs key without credentials for `expires` seconds (SigV4
 * query signing, sigv4.h): into out, NSYM_EINVAL when it does not fit. */
int nsym_s3_presign(char *out, size_t size, struct nsym_s3 *s3, const char *key, int expires);

#endif
