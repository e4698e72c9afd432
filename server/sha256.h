/* SHA-256 (FIPS 180-4): names blobs by content and hashes tokens. */
#ifndef NSYM_SERVER_SHA256_H
#define NSYM_SERVER_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NSYM_SHA256_SIZE 32
#define NSYM_SHA256_HEX  (2 * NSYM_SHA256_SIZE + 1)

struct nsym_sha256 {
	uint32_t h[8];
	uint64_t length;
	unsigned char block[64];
	size_t used;
};

void nsym_sha256_init(struct nsym_sha256 *ctx);
void nsym_sha256_update(struct nsym_sha256 *ctx, const void *data, size_t size);
void nsym_sha256_final(unsigned char out[NSYM_SHA256_SIZE], struct nsym_sha256 *ctx);
/* Tests: on, the plain C rounds even where the CPU has SHA extensions. */
void nsym_sha256_force_plain(bool on);
/* Lowercase hex of a digest; out needs NSYM_SHA256_HEX bytes. */
void nsym_sha256_hex(char *out, const unsigned char digest[NSYM_SHA256_SIZE]);

#endif
