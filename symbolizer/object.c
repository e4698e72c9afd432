/* nsym_object: the public handle on one ELF file and its identity. */
#include <stdlib.h>

#include "internal.h"

struct nsym_object {
	struct nsym_elf *ef;
	struct nsym_identity id;
};

int nsym_object_open(nsym_object **out, const char *path)
{
	nsym_object *obj;
	int rc;

	if (out == NULL || path == NULL)
		return nsym__fail(NSYM_EINVAL, NULL, NULL);
	*out = NULL;
	obj = calloc(1, sizeof(*obj));
	if (obj == NULL)
		return nsym__fail(NSYM_ENOMEM, path, NULL);
	rc = nsym__elf_open(&obj->ef, path);
	if (rc == 0)
		rc = nsym__elf_identity(&obj->id, obj->ef);
	if (rc != 0) {
		nsym_object_close(obj);
		return rc;
	}
	*out = obj;
	return 0;
}

void nsym_object_close(nsym_object *obj)
{
	if (obj == NULL)
		return;
	nsym__elf_close(obj->ef);
	free(obj);
}

int nsym_object_identity(struct nsym_identity *out, nsym_object *obj)
{
	if (out == NULL || obj == NULL)
		return nsym__fail(NSYM_EINVAL, NULL, NULL);
	*out = obj->id;
	return 0;
}

const char *nsym_object_path(const nsym_object *obj)
{
	return obj != NULL ? obj->ef->path : NULL;
}
