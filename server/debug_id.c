/*
 * Debug ids to stored artifacts (debug_id.h). A debug id does not say which
 * format it is from, so each reading is tried in turn; each is checked
 * against the artifact's id kind, so that one format's id never opens
 * another's file. An age other than 0 is a PDB's (Breakpad writes 0 for
 * ELF and Mach-O: symbolic-debuginfo's elf.rs and macho.rs; PDB ages start
 * at 1), which spares the other lookups.
 *
 * NEEDSWORK: a big-endian ELF file's debug id keeps the build-id's bytes
 * as they are (symbolic swaps only for little-endian files); like
 * nsym_image_id, this reads every ELF id as little-endian, so a module of
 * a big-endian machine (s390x) is not found.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "debug_id.h"

#define GUID_DIGITS 32
#define AGE_DIGITS  8 /* a 32-bit age, as %X writes it */

static const char *const kinds[] = {"debuginfo", "executable"};

/* The artifact with key, of id kind id_kind, as debuginfo else executable. */
static int find_key(struct nsym_artifact *out, struct nsym_store *s, const char *key,
                    const char *id_kind)
{
	int rc = NSYM_ENOENT;

	for (size_t i = 0; i < 2 && rc == NSYM_ENOENT; i++) {
		rc = s->ops->artifact_find(s, out, key, kinds[i]);
		if (rc == 0 && strcmp(out->id_kind, id_kind) != 0)
			rc = NSYM_ENOENT;
	}
	return rc;
}

static int hex_value(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static void to_hex(char *out, const unsigned char *b, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}

/*
 * The ELF file whose build-id starts with the 16 bytes the GUID holds.
 * A build-id shorter than that was padded with zeros: when the GUID ends
 * in zero bytes, each shorter key they may have padded is tried whole.
 */
static int find_elf(struct nsym_artifact *out, struct nsym_store *s, const char *guid)
{
	/* back from the GUID's order to the build-id's: the first three
	 * fields were swapped (compute_debug_id in symbolic's elf.rs) */
	static const unsigned char from[16] = {3, 2, 1,  0,  5,  4,  7,  6,
	                                       8, 9, 10, 11, 12, 13, 14, 15};
	unsigned char guid_bytes[16], build_id[16];
	char key[2 * 16 + 1];
	int rc = NSYM_ENOENT;
	size_t n;

	for (size_t i = 0; i < 16; i++)
		guid_bytes[i] =
		    (unsigned char)(hex_value(guid[2 * i]) << 4 | hex_value(guid[2 * i + 1]));
	for (size_t i = 0; i < 16; i++)
		build_id[i] = guid_bytes[from[i]];
	to_hex(key, build_id, 16);
	for (size_t i = 0; i < 2 && rc == NSYM_ENOENT; i++)
		rc = s->ops->artifact_find_prefix(s, out, key, "build-id", kinds[i]);
	for (n = 15; rc == NSYM_ENOENT && n > 0 && build_id[n] == 0; n--) {
		to_hex(key, build_id, n);
		rc = find_key(out, s, key, "build-id");
	}
	return rc;
}

int nsym_debug_id_find(struct nsym_artifact *out, struct nsym_store *s, const char *id)
{
	size_t len = strlen(id);
	char lower[GUID_DIGITS + AGE_DIGITS + 1];
	bool age_zero = true;
	int rc;

	if (len <= GUID_DIGITS || len > GUID_DIGITS + AGE_DIGITS)
		return NSYM_ENOENT;
	for (size_t i = 0; i < len; i++) {
		lower[i] = (char)(id[i] >= 'A' && id[i] <= 'F' ? id[i] - 'A' + 'a' : id[i]);
		if (hex_value(lower[i]) < 0)
			return NSYM_ENOENT;
		if (i >= GUID_DIGITS && lower[i] != '0')
			age_zero = false;
	}
	lower[len] = '\0';
	if (!age_zero)
		rc = find_key(out, s, lower, "pdb");
	else if ((rc = find_elf(out, s, lower)) == NSYM_ENOENT) {
		lower[GUID_DIGITS] = '\0'; /* a Mach-O UUID is the GUID as it is */
		rc = find_key(out, s, lower, "macho-uuid");
	}
	return rc == 0 || rc == NSYM_ENOENT ? rc : NSYM_EIO;
}
