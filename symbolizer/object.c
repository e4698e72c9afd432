/* nsym_object: the public handle on one ELF file and its identity. */
#include <inttypes.h>
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

/* Whether segment ph's file contents hold offset. */
static bool holds(const GElf_Phdr *ph, uint64_t offset)
{
	return ph->p_type == PT_LOAD && offset >= ph->p_offset &&
	       offset - ph->p_offset < ph->p_filesz;
}

int nsym_object_vaddr(uint64_t *out, nsym_object *obj, uint64_t offset)
{
	GElf_Phdr ph, found = {0};
	size_t n = 0;

	if (out == NULL || obj == NULL)
		return nsym__fail(NSYM_EINVAL, NULL, NULL);
	if (elf_getphdrnum(obj->ef->elf, &n) != 0)
		n = 0;
	for (size_t i = 0; i < n; i++) {
		if (gelf_getphdr(obj->ef->elf, (int)i, &ph) == NULL || !holds(&ph, offset))
			continue;
		/* linkers may let a data segment start inside the page of code */
		if (found.p_type != PT_LOAD || (ph.p_flags & PF_X) != 0)
			found = ph;
		if ((ph.p_flags & PF_X) != 0)
			break;
	}
	if (found.p_type != PT_LOAD)
		return nsym__fail(NSYM_ENOENT, obj->ef->path,
		                  "file offset 0x%" PRIx64 " is in no loadable segment", offset);
	*out = found.p_vaddr + (offset - found.p_offset);
	return 0;
}
