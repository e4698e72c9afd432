/* API tokens; see tokens.h. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "tokens.h"

#define SECRET_BYTES 24

static const char *const scope_names[] = {
    [NSYM_SCOPE_NONE] = "none",
    [NSYM_SCOPE_READ] = "read",
    [NSYM_SCOPE_UPLOAD] = "upload",
    [NSYM_SCOPE_ADMIN] = "admin",
};

enum nsym_scope nsym_scope_parse(const char *name)
{
	for (int i = NSYM_SCOPE_READ; i <= NSYM_SCOPE_ADMIN; i++) {
		if (name != NULL && strcmp(name, scope_names[i]) == 0)
			return (enum nsym_scope)i;
	}
	return NSYM_SCOPE_NONE;
}

const char *nsym_scope_name(enum nsym_scope scope)
{
	return scope <= NSYM_SCOPE_ADMIN ? scope_names[scope] : "none";
}

/* The SHA-256 of the secret, in hex: what the store keeps. 0 or NSYM_ENOMEM. */
static int hash_secret(char *out, const char *secret)
{
	nsym_hash *h;
	int rc = nsym_hash_new(&h, NSYM_HASH_SHA256);

	if (rc == 0 && (rc = nsym_hash_update(h, secret, strlen(secret))) == 0)
		rc = nsym_hash_final_hex(out, h);
	nsym_hash_free(h);
	return rc;
}

int nsym_token_create(struct nsym_store *s, char *out, const char *name, enum nsym_scope scope)
{
	unsigned char raw[SECRET_BYTES];
	char secret[2 * SECRET_BYTES + 1];
	struct nsym_token t = {0};
	int64_t id;
	int rc;

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		snprintf(s->errmsg, sizeof(s->errmsg), "no randomness for a token");
		return NSYM_EIO;
	}
	nsym_hex(secret, raw, sizeof(raw), false);
	snprintf(t.name, sizeof(t.name), "%s", name);
	snprintf(t.scope, sizeof(t.scope), "%s", nsym_scope_name(scope));
	if (hash_secret(t.hash, secret) != 0) {
		snprintf(s->errmsg, sizeof(s->errmsg), "out of memory hashing a token");
		return NSYM_ENOMEM;
	}
	rc = s->ops->token_add(s, &t, &id);
	if (rc == 0)
		snprintf(out, NSYM_TOKEN_MAX, "nsym_%" PRId64 "_%s", id, secret);
	return rc;
}

/* A token's id as nsym_token_create writes it: decimal digits, the first
 * not 0, at most 18 of them (an int64), followed by '_'. strtoll would also
 * take a sign, spaces and leading zeros, so that several spellings named
 * one token. The id, with *out_end at the '_', or -1. */
static int64_t parse_id(const char *s, const char **out_end)
{
	size_t digits = strspn(s, "0123456789");
	int64_t id = 0;

	if (digits == 0 || digits > 18 || s[0] == '0' || s[digits] != '_')
		return -1;
	for (size_t i = 0; i < digits; i++)
		id = id * 10 + (s[i] - '0');
	*out_end = s + digits;
	return id;
}

/* Equal strings of equal length, in time that depends on the length only. */
static int same_secret_hash(const char *a, const char *b)
{
	unsigned char diff = 0;
	for (size_t i = 0; i < NSYM_SHA256_HEX - 1; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

int nsym_token_check(struct nsym_store *s, enum nsym_scope *out_scope, char *out_name,
                     size_t name_size, const char *presented)
{
	struct nsym_token t;
	char hash[NSYM_SHA256_HEX];
	const char *secret, *end;
	int64_t id;
	int rc;

	*out_scope = NSYM_SCOPE_NONE;
	if (strncmp(presented, "nsym_", 5) != 0 || (id = parse_id(presented + 5, &end)) < 0)
		goto invalid;
	secret = end + 1;
	if (strlen(secret) != 2 * SECRET_BYTES)
		goto invalid;
	rc = s->ops->token_get(s, &t, id);
	if (rc != 0 && rc != NSYM_ENOENT)
		return rc;
	if (rc != 0 || strlen(t.hash) != NSYM_SHA256_HEX - 1)
		goto invalid;
	if (hash_secret(hash, secret) != 0 || !same_secret_hash(hash, t.hash) || t.revoked)
		goto invalid;
	*out_scope = nsym_scope_parse(t.scope);
	snprintf(out_name, name_size, "%s", t.name);
	return 0;
invalid:
	snprintf(s->errmsg, sizeof(s->errmsg), "invalid or revoked token");
	return NSYM_ENOENT;
}
