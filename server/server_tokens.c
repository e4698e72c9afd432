/*
 * The token commands of server.h (`napi-symbols token`): each opens the
 * store, does one thing, and closes it. sqlite in WAL mode, or PostgreSQL,
 * lets them run beside live servers on the same store.
 */
#include <stdio.h>

#include "server.h"
#include "store.h"
#include "tokens.h"

/* The store, or why not in err. */
static struct nsym_store *open_store(const char *dir, char *err, size_t err_size)
{
	struct nsym_store *s = NULL;
	return nsym_store_open(&s, dir, NULL, 0, err, err_size) == 0 ? s : NULL;
}

/* rc, with the store's message as why when it failed. */
static int finish(struct nsym_store *s, int rc, char *err, size_t err_size)
{
	if (rc != 0)
		snprintf(err, err_size, "%s", nsym_store_errmsg(s));
	s->ops->close(s);
	return rc;
}

int nsym_server_token_create(char *out, const char *store_dir, const char *name,
                             enum nsym_scope scope, char *err, size_t err_size)
{
	struct nsym_store *s = open_store(store_dir, err, err_size);
	if (s == NULL)
		return NSYM_EIO;
	return finish(s, nsym_token_create(s, out, name, scope), err, err_size);
}

struct listing {
	int (*each)(void *arg, const struct nsym_token_info *t);
	void *arg;
};

static int list_one(void *arg, const struct nsym_token *t)
{
	struct listing *l = arg;
	struct nsym_token_info info = {t->name, t->scope, t->created, t->revoked != 0};
	return l->each(l->arg, &info);
}

int nsym_server_token_list(const char *store_dir,
                           int (*each)(void *arg, const struct nsym_token_info *t), void *arg,
                           char *err, size_t err_size)
{
	struct nsym_store *s = open_store(store_dir, err, err_size);
	struct listing l = {each, arg};

	if (s == NULL)
		return NSYM_EIO;
	return finish(s, s->ops->token_list(s, list_one, &l), err, err_size);
}

int nsym_server_token_revoke(const char *store_dir, const char *name, char *err, size_t err_size)
{
	struct nsym_store *s = open_store(store_dir, err, err_size);
	if (s == NULL)
		return NSYM_EIO;
	return finish(s, s->ops->token_revoke(s, name), err, err_size);
}
