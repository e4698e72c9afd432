/*
 * SHA-1 and SHA-256 through libcrypto's EVP interface, which picks the
 * CPU's SHA extensions where it has them. The digests are fetched once per
 * process: EVP_sha256() would look the algorithm up again at every
 * initialisation, a cost that shows on the many small hashes of tokens.
 */
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>

#include "napi_symbols_util.h"

struct nsym_hash {
	EVP_MD_CTX *ctx;
};

static const EVP_MD *digests[2];
static pthread_once_t fetched = PTHREAD_ONCE_INIT;

/* OpenSSL 1.1 (Debian 11, which the npm packages are built against) has no
 * fetching: its EVP_sha256() is a constant table, with no look-up to save. */
static void fetch_digests(void)
{
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
	digests[NSYM_HASH_SHA1] = EVP_MD_fetch(NULL, "SHA1", NULL);
	digests[NSYM_HASH_SHA256] = EVP_MD_fetch(NULL, "SHA256", NULL);
#else
	digests[NSYM_HASH_SHA1] = EVP_sha1();
	digests[NSYM_HASH_SHA256] = EVP_sha256();
#endif
}

int nsym_hash_new(nsym_hash **out, enum nsym_hash_kind kind)
{
	nsym_hash *h = NULL;

	*out = NULL;
	pthread_once(&fetched, fetch_digests);
	if ((unsigned)kind > NSYM_HASH_SHA256 || digests[kind] == NULL ||
	    (h = calloc(1, sizeof(*h))) == NULL || (h->ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(h->ctx, digests[kind], NULL) != 1) {
		nsym_hash_free(h);
		return NSYM_ENOMEM;
	}
	*out = h;
	return 0;
}

int nsym_hash_copy(nsym_hash **out, const nsym_hash *h)
{
	nsym_hash *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (c == NULL || (c->ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_MD_CTX_copy_ex(c->ctx, h->ctx) != 1) {
		nsym_hash_free(c);
		return NSYM_ENOMEM;
	}
	*out = c;
	return 0;
}

int nsym_hash_update(nsym_hash *h, const void *data, size_t size)
{
	return EVP_DigestUpdate(h->ctx, data, size) == 1 ? 0 : NSYM_ENOMEM;
}

int nsym_hash_final(unsigned char *out, nsym_hash *h)
{
	return EVP_DigestFinal_ex(h->ctx, out, NULL) == 1 ? 0 : NSYM_ENOMEM;
}

int nsym_hash_reset(nsym_hash *h)
{
	/* a NULL type keeps the digest the context was set up with */
	return EVP_DigestInit_ex(h->ctx, NULL, NULL) == 1 ? 0 : NSYM_ENOMEM;
}

int nsym_hash_final_hex(char *out, nsym_hash *h)
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int size = 0;

	if (EVP_DigestFinal_ex(h->ctx, digest, &size) != 1)
		return NSYM_ENOMEM;
	nsym_hex(out, digest, size, false);
	return 0;
}

void nsym_hash_free(nsym_hash *h)
{
	if (h == NULL)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}
