/*
 * SigV4 query-string signing (presigned URLs), from AWS's "Authenticating
 * Requests: Using Query Parameters (AWS Signature Version 4)": a canonical
 * request of the method, the encoded path, the sorted query without the
 * signature, the host header and UNSIGNED-PAYLOAD; a string to sign of its
 * hash; a signing key derived from the secret, the date, the region and
 * the service. tests/unit/test_sigv4.c checks it against AWS's worked
 * example.
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

#include "napi_symbols.h"
#include "sigv4.h"

bool nsym_uri_encode(char *out, size_t size, const char *s, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
		            c == '~' || (c == '/' && keep_slash);
		if (n + (keep ? 1 : 3) >= size)
			return false;
		if (keep) {
			out[n++] = (char)c;
		} else {
			out[n++] = '%';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		}
	}
	if (n >= size)
		return false;
	out[n] = '\0';
	return true;
}

static void to_hex(char *out, const unsigned char *bytes, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[bytes[i] >> 4];
		out[2 * i + 1] = hex[bytes[i] & 15];
	}
	out[2 * n] = '\0';
}

static bool hmac(unsigned char out[32], const void *key, size_t key_len, const char *data)
{
	unsigned int len = 0;
	return HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)data, strlen(data), out,
	            &len) != NULL &&
	       len == 32;
}

static bool sha256_hex(char out[65], const char *data)
{
	unsigned char md[32];
	unsigned int len = 0;

	if (EVP_Digest(data, strlen(data), md, &len, EVP_sha256(), NULL) != 1 || len != 32)
		return false;
	to_hex(out, md, 32);
	return true;
}

/* The signature of string_to_sign for the day `date` (YYYYMMDD). */
static bool sign(char out[65], const struct nsym_sigv4 *c, const char *date,
                 const char *string_to_sign)
{
	unsigned char k[32], sig[32];
	char secret[256];
	int n = snprintf(secret, sizeof(secret), "AWS4%s", c->secret);
	bool ok = n > 0 && (size_t)n < sizeof(secret) && hmac(k, secret, (size_t)n, date) &&
	          hmac(k, k, 32, c->region) && hmac(k, k, 32, "s3") &&
	          hmac(k, k, 32, "aws4_request") && hmac(sig, k, 32, string_to_sign);

	memset(secret, 0, sizeof(secret));
	if (ok)
		to_hex(out, sig, 32);
	return ok;
}

int nsym_sigv4_presign(char *out, size_t size, const struct nsym_sigv4 *c, const char *method,
                       const char *path, time_t now, int expires)
{
	const char *host =
	    strstr(c->endpoint, "://") != NULL ? strstr(c->endpoint, "://") + 3 : c->endpoint;
	char stamp[20], date[9], scope[160], credential[400], enc_path[2048], token[2048] = "";
	char query[4096], request[8192], request_hash[65], to_sign[512], sig[65];
	struct tm tm;
	int n;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	strftime(date, sizeof(date), "%Y%m%d", &tm);
	n = snprintf(scope, sizeof(scope), "%s/%s/s3/aws4_request", date, c->region);
	if (n < 0 || (size_t)n >= sizeof(scope))
		return NSYM_EINVAL;
	n = snprintf(request, sizeof(request), "%s/%s", c->key_id, scope);
	if (n < 0 || (size_t)n >= sizeof(request) ||
	    !nsym_uri_encode(credential, sizeof(credential), request, false) ||
	    !nsym_uri_encode(enc_path, sizeof(enc_path), path, true))
		return NSYM_EINVAL;
	if (c->session_token != NULL && c->session_token[0] != '\0') {
		char enc[1900];
		if (!nsym_uri_encode(enc, sizeof(enc), c->session_token, false))
			return NSYM_EINVAL;
		snprintf(token, sizeof(token), "&X-Amz-Security-Token=%s", enc);
	}
	/* the parameters in the order of their names, as the canonical query
	 * wants them; the URL sends them in the same order */
	n = snprintf(query, sizeof(query),
	             "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=%s&X-Amz-Date=%s"
	             "&X-Amz-Expires=%d%s&X-Amz-SignedHeaders=host",
	             credential, stamp, expires, token);
	if (n < 0 || (size_t)n >= sizeof(query))
		return NSYM_EINVAL;
	n = snprintf(request, sizeof(request), "%s\n%s\n%s\nhost:%s\n\nhost\nUNSIGNED-PAYLOAD",
	             method, enc_path, query, host);
	if (n < 0 || (size_t)n >= sizeof(request) || !sha256_hex(request_hash, request))
		return NSYM_EINVAL;
	n = snprintf(to_sign, sizeof(to_sign), "AWS4-HMAC-SHA256\n%s\n%s\n%s", stamp, scope,
	             request_hash);
	if (n < 0 || (size_t)n >= sizeof(to_sign) || !sign(sig, c, date, to_sign))
		return NSYM_EINVAL;
	n = snprintf(out, size, "%s%s?%s&X-Amz-Signature=%s", c->endpoint, enc_path, query, sig);
	return n > 0 && (size_t)n < size ? 0 : NSYM_EINVAL;
}
