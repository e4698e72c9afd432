/*
 * POST /api/v1/missing: {"ids": ["ID", ...]} → {"missing": ["ID", ...]},
 * the ids the store holds nothing for (neither debuginfo nor executable),
 * in the order and spelling given, so a client uploads only those
 * (sentry-cli's idea). IDs take the forms keys.c accepts. The body is at
 * most 1 MB and 10000 ids (413 beyond), read by jansson; any other shape
 * of JSON is a 400 that says what was expected.
 */
#include <stdio.h>
#include <string.h>

#include "napi_symbols_util.h"

#include "keys.h"
#include "routes.h"

#define MAX_BODY (1 << 20)
#define MAX_IDS  10000
/* Each id is echoed as given: at most 36 + 2 bytes (UUIDs with dashes are
 * the longest non-hex form) or 128 + 2, and a separator. */
#define MAX_REPLY (MAX_IDS * (NSYM_KEY_MAX_HEX + 4) + 64)

struct answer {
	struct nsym_buf out;
	size_t ids, missing;
};

/* Whether the store holds the key as debuginfo or executable: 1, 0, or a
 * negative code. */
static int known(struct nsym_request *r, const char *key)
{
	static const char *const kinds[] = {"debuginfo", "executable"};
	struct nsym_artifact a;

	for (size_t i = 0; i < 2; i++) {
		int rc = r->store->ops->artifact_find(r->store, &a, key, kinds[i]);
		if (rc != NSYM_ENOENT)
			return rc == 0 ? 1 : rc;
	}
	return 0;
}

/* One id of the list: 0, or an HTTP status after replying. */
static int check_id(struct nsym_request *r, struct answer *ans, const char *id, size_t len)
{
	char key[NSYM_KEY_MAX_HEX + 1], given[NSYM_KEY_MAX_HEX + 1];
	int rc;

	if (++ans->ids > MAX_IDS) {
		nsym_reply_error(r, 413, "more than %d ids; send them in several requests",
		                 MAX_IDS);
		return 413;
	}
	if (nsym_key_parse(key, sizeof(key), id, len) != 0) {
		nsym_reply_error(r, 400, "'%.*s' is not an id (%d to %d hex digits, or a UUID)",
		                 len > 80 ? 80 : (int)len, id, NSYM_KEY_MIN_HEX, NSYM_KEY_MAX_HEX);
		return 400;
	}
	rc = known(r, key);
	if (rc < 0) {
		nsym_reply_internal(r, rc, nsym_store_errmsg(r->store));
		return 503;
	}
	if (rc == 0) {
		snprintf(given, sizeof(given), "%.*s", (int)len, id);
		if (ans->missing++ > 0)
			nsym_buf_add(&ans->out, ", ", 2);
		nsym_buf_json_string(&ans->out, given);
	}
	return 0;
}

/* {"ids": [ID, ...]}: 0, or an HTTP status after replying. */
static int walk(struct nsym_request *r, struct answer *ans, const struct nsym_buf *body)
{
	static const struct nsym_json_limits limits = {MAX_BODY, 4};
	json_t *doc, *ids, *id;
	char err[160];
	size_t i;
	int status = 0;

	if (nsym_json_load(&doc, body->data, body->len, &limits, err, sizeof(err)) != 0) {
		nsym_reply_error(r, 400, "expected {\"ids\": [\"ID\", ...]}: %s", err);
		return 400;
	}
	ids = json_object_get(doc, "ids");
	if (!json_is_object(doc) || json_object_size(doc) != 1 || !json_is_array(ids)) {
		nsym_reply_error(r, 400, "expected {\"ids\": [\"ID\", ...]}");
		status = 400;
	}
	json_array_foreach(status == 0 ? ids : NULL, i, id)
	{
		if (!json_is_string(id)) {
			nsym_reply_error(r, 400, "ids[%zu] is not a string", i);
			status = 400;
		} else {
			status = check_id(r, ans, json_string_value(id), json_string_length(id));
		}
		if (status != 0)
			break;
	}
	json_decref(doc);
	return status;
}

void nsym_handle_missing(struct nsym_request *r)
{
	struct nsym_buf body;
	struct answer ans = {0};

	if (nsym_read_body(r, &body, MAX_BODY) != 0)
		return;
	nsym_buf_init(&ans.out, MAX_REPLY);
	nsym_buf_printf(&ans.out, "{\"missing\": [");
	if (walk(r, &ans, &body) == 0) {
		nsym_buf_printf(&ans.out, "]}\n");
		if (ans.out.failed)
			nsym_reply_internal(r, NSYM_ENOMEM, "out of memory");
		else
			nsym_reply(r, 200, "application/json", "", ans.out.data, ans.out.len);
	}
	nsym_buf_free(&ans.out);
	nsym_buf_free(&body);
}
