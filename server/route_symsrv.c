/*
 * SymSrv and SSQP downloads: GET and HEAD /symsrv/FILE/ID/FILE, the layout
 * Windows debuggers (symsrv), dotnet-symbol, symstore clients and Sentry's
 * symbolicator read from a symbol server. ID is a PE code id (TimeDateStamp
 * %08X, SizeOfImage %x), a PDB's GUID and age, or an SSQP key for ELF and
 * Mach-O (elf-buildid-[sym-]HEX, mach-uuid-[sym-]HEX). Clients disagree on
 * casing (classic symstore uppercases GUIDs, SSQP lowercases everything),
 * so IDs, key prefixes and file names are all compared without case. FILE
 * must name the artifact as uploaded, since a symbol store holds files by
 * name and id together; `_` (and SSQP's `_.debug`, `_.dwarf`) stand for any
 * name. Compressed forms (foo.pd_) and pointer files are never stored, so
 * they are plain misses. Docs: docs/server-api.md.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "keys.h"
#include "routes.h"
#include "send.h"
#include "upstream.h"

#define MAX_FILE 256

/* One form of ID and what it asks for. */
struct key_form {
	const char *prefix; /* SSQP key prefix; "" for SymSrv's bare PE and PDB ids */
	const char *kind;   /* debuginfo, executable */
	const char *format; /* of the artifact that may answer */
	size_t min_hex, max_hex;
};

/* The -sym- prefixes come first: they start like the others. */
static const struct key_form forms[] = {
    {"elf-buildid-sym-", "debuginfo", "elf", NSYM_KEY_MIN_HEX, NSYM_KEY_MAX_HEX},
    {"elf-buildid-", "executable", "elf", NSYM_KEY_MIN_HEX, NSYM_KEY_MAX_HEX},
    {"mach-uuid-sym-", "debuginfo", "macho", 32, 32},
    {"mach-uuid-", "executable", "macho", 32, 32},
    {"", "executable", "pe", 9, 16},  /* 8 digits of time, 1 to 8 of size */
    {"", "debuginfo", "pdb", 33, 40}, /* 32 of GUID, 1 to 8 of age */
};

struct symsrv_request {
	char file[MAX_FILE], last[MAX_FILE];
	const char *id; /* into the path */
	size_t id_len;
	const struct key_form *form;
	char key[NSYM_KEY_MAX_HEX + 1];
};

/* "FILE/ID/FILE" → parts; -1 when the path has another shape. */
static int split(const char *rest, struct symsrv_request *q)
{
	const char *a = strchr(rest, '/'), *b = a != NULL ? strchr(a + 1, '/') : NULL;

	if (a == NULL || b == NULL || strchr(b + 1, '/') != NULL || a == rest || b == a + 1 ||
	    b[1] == '\0' || (size_t)(a - rest) >= MAX_FILE || strlen(b + 1) >= MAX_FILE)
		return -1;
	snprintf(q->file, sizeof(q->file), "%.*s", (int)(a - rest), rest);
	snprintf(q->last, sizeof(q->last), "%s", b + 1);
	q->id = a + 1;
	q->id_len = (size_t)(b - q->id);
	return 0;
}

/* The form the ID has and its key; NULL when it has none we store. */
static const struct key_form *classify(struct symsrv_request *q)
{
	for (size_t i = 0; i < sizeof(forms) / sizeof(*forms); i++) {
		const struct key_form *f = &forms[i];
		size_t n = strlen(f->prefix), hex;
		if (q->id_len <= n || strncasecmp(q->id, f->prefix, n) != 0 ||
		    nsym_key_parse(q->key, sizeof(q->key), q->id + n, q->id_len - n) != 0)
			continue;
		hex = strlen(q->key);
		if (hex >= f->min_hex && hex <= f->max_hex)
			return f;
	}
	return NULL;
}

/* "_" and SSQP's "_.debug" and "_.dwarf" name no file in particular. */
static bool any_name(const char *file)
{
	return strcmp(file, "_") == 0 || strcasecmp(file, "_.debug") == 0 ||
	       strcasecmp(file, "_.dwarf") == 0;
}

static bool name_matches(const struct symsrv_request *q, const struct nsym_artifact *a)
{
	return a->name[0] == '\0' || any_name(q->file) || strcasecmp(q->file, a->name) == 0;
}

/* The artifact for one key: 0, NSYM_ENOENT for a miss, or another code
 * after replying 503. */
static int find(struct nsym_request *r, struct nsym_artifact *a, const struct symsrv_request *q,
                const char *key)
{
	int rc = r->store->ops->artifact_find(r->store, a, key, q->form->kind);

	if (rc == 0 && (strcmp(a->format, q->form->format) != 0 || !name_matches(q, a)))
		rc = NSYM_ENOENT;
	else if (rc != 0 && rc != NSYM_ENOENT)
		nsym_reply_internal(r, rc, nsym_store_errmsg(r->store));
	return rc;
}

/* SSQP pads an ELF build-id shorter than 20 bytes with zero bytes: when the
 * 40 digits end in zeros, the 16- and 8-byte build-ids (md5/uuid, lld's
 * default) they may stand for are tried too. */
static int find_padded(struct nsym_request *r, struct nsym_artifact *a,
                       const struct symsrv_request *q)
{
	static const size_t shorter[] = {32, 16};
	char key[NSYM_KEY_MAX_HEX + 1];
	int rc = find(r, a, q, q->key);

	for (size_t i = 0; i < 2 && rc == NSYM_ENOENT && strcmp(q->form->format, "elf") == 0 &&
	                   strlen(q->key) == 40;
	     i++) {
		if (strspn(q->key + shorter[i], "0") != 40 - shorter[i])
			break;
		snprintf(key, sizeof(key), "%.*s", (int)shorter[i], q->key);
		rc = find(r, a, q, key);
	}
	return rc;
}

/* The file from the upstream SymSrv stores (upstream.h), as the client
 * asked for it; as nsym_upstream_serve returns. */
static int upstream_symsrv(struct nsym_request *r, const struct symsrv_request *q)
{
	char path[2 * MAX_FILE + NSYM_KEY_MAX_HEX + 8];
	struct nsym_upstream_ask ask = {.symsrv = true,
	                                .path = path,
	                                .key = q->key,
	                                .kind = q->form->kind,
	                                .format = q->form->format,
	                                .padded = strcmp(q->form->format, "elf") == 0,
	                                .file = q->file};

	snprintf(path, sizeof(path), "/%s/%.*s/%s", q->file, (int)q->id_len, q->id, q->last);
	return nsym_upstream_serve(nsym_server_upstream(r->srv), r, &ask);
}

void nsym_handle_symsrv(struct nsym_request *r)
{
	struct symsrv_request q;
	struct nsym_artifact a;
	size_t n;
	int rc;

	if (split(r->rest, &q) != 0) {
		nsym_reply_error(r, 404, "not a file of this store: /symsrv/FILE/ID/FILE");
		return;
	}
	n = strlen(q.file);
	if (strcasecmp(q.file, q.last) != 0) {
		nsym_reply_error(r, 404, "only FILE/ID/FILE is stored (no pointer files)");
		return;
	}
	if (n > 1 && q.file[n - 1] == '_') {
		nsym_reply_error(r, 404,
		                 "compressed files are not stored; ask for the file itself");
		return;
	}
	q.form = classify(&q);
	if (q.form == NULL) {
		nsym_reply_error(r, 404, "'%.*s' is not an id this store keeps", (int)q.id_len,
		                 q.id);
		return;
	}
	rc = find_padded(r, &a, &q);
	if (rc == NSYM_ENOENT && upstream_symsrv(r, &q) != 0)
		nsym_reply_error(r, 404, "no %s %s named %s for %s", q.form->format, q.form->kind,
		                 q.file, q.key);
	else if (rc == 0)
		nsym_send_artifact(r, &a);
}
