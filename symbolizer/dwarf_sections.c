/*
 * The names of the DWARF sections the decoders read, as each container
 * spells them: ".debug_x" in ELF, "__debug_x" in the __DWARF segment of a
 * Mach-O file, where a section name has 16 bytes and longer ones are cut.
 */
#include "dwarf_internal.h"

static const struct {
	const char *elf, *macho;
} names[NSYM_DW_COUNT] = {
    [NSYM_DW_INFO] = {".debug_info", "__debug_info"},
    [NSYM_DW_ABBREV] = {".debug_abbrev", "__debug_abbrev"},
    [NSYM_DW_ADDR] = {".debug_addr", "__debug_addr"},
    [NSYM_DW_RANGES] = {".debug_ranges", "__debug_ranges"},
    [NSYM_DW_RNGLISTS] = {".debug_rnglists", "__debug_rnglists"},
    [NSYM_DW_STR] = {".debug_str", "__debug_str"},
    [NSYM_DW_LINE] = {".debug_line", "__debug_line"},
    [NSYM_DW_LINE_STR] = {".debug_line_str", "__debug_line_str"},
    [NSYM_DW_STR_OFFSETS] = {".debug_str_offsets", "__debug_str_offs"},
};

const char *nsym__dw_elf_name(enum nsym_dw_section s)
{
	return names[s].elf;
}

const char *nsym__dw_macho_name(enum nsym_dw_section s)
{
	return names[s].macho;
}
