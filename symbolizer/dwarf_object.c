/*
 * libdwarf's view of our ELF file. Sections come from nsym_elf, which maps
 * the file and inflates compressed sections once, so libdwarf never copies
 * an uncompressed section and reads zstd sections it could not read alone.
 */
#include <stdlib.h>
#include <string.h>

#include "dwarf_internal.h"

static const char *canonical_name(const char *name)
{
	static const char *const debug_names[] = {
	    ".debug_info",     ".debug_abbrev",      ".debug_line",     ".debug_str",
	    ".debug_ranges",   ".debug_rnglists",    ".debug_loc",      ".debug_loclists",
	    ".debug_addr",     ".debug_str_offsets", ".debug_line_str", ".debug_aranges",
	    ".debug_frame",    ".debug_types",       ".debug_macro",    ".debug_names",
	    ".debug_pubnames", ".debug_pubtypes",    ".debug_macinfo",
	};

	if (strncmp(name, ".zdebug_", 8) != 0)
		return name;
	for (size_t i = 0; i < sizeof(debug_names) / sizeof(debug_names[0]); i++) {
		if (strcmp(name + 2, debug_names[i] + 1) == 0)
			return debug_names[i];
	}
	return name;
}

static int get_section_info(void *obj, Dwarf_Half index, Dwarf_Obj_Access_Section *out, int *error)
{
	struct nsym_elf *ef = obj;
	GElf_Shdr sh;
	const char *name = nsym__elf_section_name(ef, index, &sh);

	(void)error;
	if (name == NULL)
		return DW_DLV_NO_ENTRY;
	memset(out, 0, sizeof(*out));
	out->addr = sh.sh_addr;
	out->type = sh.sh_type;
	out->size = sh.sh_size;
	out->link = sh.sh_link;
	out->info = sh.sh_info;
	out->entrysize = sh.sh_entsize;
	/* libdwarf knows sections by name; show .zdebug_x as .debug_x, and
	 * the inflated size, since load_section hands it inflated bytes. */
	out->name = canonical_name(name);
	if ((sh.sh_flags & SHF_COMPRESSED) || out->name != name)
		out->size = nsym__elf_inflated_size(ef, index);
	/* libdwarf 20210528 double-frees on some damaged .debug_rnglists headers
	 * (seen under ASan); a section whose unit headers do not chain is shown
	 * under a name libdwarf ignores, so its DIEs lose those ranges, no more. */
	if (!nsym__dwarf5_section_ok(ef, index, out->name))
		out->name = ".nsym.damaged";
	return DW_DLV_OK;
}

static Dwarf_Endianness get_byte_order(void *obj)
{
	struct nsym_elf *ef = obj;
	return ef->ehdr.e_ident[EI_DATA] == ELFDATA2MSB ? DW_OBJECT_MSB : DW_OBJECT_LSB;
}

static Dwarf_Small get_length_size(void *obj)
{
	struct nsym_elf *ef = obj;
	return ef->ehdr.e_ident[EI_CLASS] == ELFCLASS64 ? 8 : 4;
}

static Dwarf_Unsigned get_section_count(void *obj)
{
	struct nsym_elf *ef = obj;
	return ef->shnum;
}

static int load_section(void *obj, Dwarf_Half index, Dwarf_Small **out, int *error)
{
	struct nsym_elf *ef = obj;
	struct nsym_section data;

	(void)error;
	if (nsym__elf_section_data(&data, ef, index) != 0)
		return DW_DLV_NO_ENTRY;
	/* libdwarf takes a non-const pointer but only reads through it. */
	*out = (Dwarf_Small *)(uintptr_t)data.data;
	return DW_DLV_OK;
}

static const Dwarf_Obj_Access_Methods access_methods = {
    .get_section_info = get_section_info,
    .get_byte_order = get_byte_order,
    .get_length_size = get_length_size,
    .get_pointer_size = get_length_size,
    .get_section_count = get_section_count,
    .load_section = load_section,
    .relocate_a_section = NULL,
};

int nsym__dwarf_open(struct nsym_dwarf **out, struct nsym_elf *ef)
{
	struct nsym_dwarf *dw = calloc(1, sizeof(*dw));
	Dwarf_Error err = NULL;
	int rc;

	*out = NULL;
	if (dw == NULL)
		return nsym__fail(NSYM_ENOMEM, ef->path, NULL);
	dw->ef = ef;
	dw->iface.object = ef;
	dw->iface.methods = &access_methods;
	/* We free every libdwarf object we take; its own tracking of them
	 * costs about half of a pass over the line tables. */
	dwarf_set_de_alloc_flag(0);
	rc = dwarf_object_init_b(&dw->iface, NULL, NULL, DW_GROUPNUMBER_ANY, &dw->dbg, &err);
	if (rc != DW_DLV_OK) {
		if (rc == DW_DLV_ERROR) {
			rc = nsym__fail(NSYM_EDWARF, ef->path, "cannot read DWARF: %s",
			                dwarf_errmsg(err));
			dwarf_dealloc_error(NULL, err);
		} else {
			rc = nsym__fail(NSYM_ENODEBUG, ef->path, "no DWARF debug information");
		}
		free(dw);
		return rc;
	}
	dw->big_endian = ef->ehdr.e_ident[EI_DATA] == ELFDATA2MSB;
	dw->info_index = nsym__elf_find_section(ef, ".debug_info");
	dw->abbrev_index = nsym__elf_find_section(ef, ".debug_abbrev");
	dw->addr_index = nsym__elf_find_section(ef, ".debug_addr");
	dw->ranges_index = nsym__elf_find_section(ef, ".debug_ranges");
	dw->rnglists_index = nsym__elf_find_section(ef, ".debug_rnglists");
	dw->str_index = nsym__elf_find_section(ef, ".debug_str");
	dw->line_index = nsym__elf_find_section(ef, ".debug_line");
	dw->line_str_index = nsym__elf_find_section(ef, ".debug_line_str");
	dw->str_offsets_index = nsym__elf_find_section(ef, ".debug_str_offsets");
	rc = nsym__dwarf_index_units(dw);
	if (rc != 0) {
		nsym__dwarf_close(dw);
		return rc;
	}
	*out = dw;
	return 0;
}
