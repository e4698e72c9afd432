/*
 * Sanity checks on DWARF 5 section headers, done before libdwarf sees them:
 * the unit headers of .debug_rnglists, .debug_loclists, .debug_addr and
 * .debug_str_offsets must chain exactly through the section with sizes that
 * fit. libdwarf 20210528 trusts them and has crashed on damaged ones.
 */
#include <string.h>

#include "dwarf_internal.h"

struct header_rule {
	const char *name;
	size_t fixed;    /* bytes after unit_length up to any offset array */
	int has_offsets; /* offset_entry_count follows version, sizes */
	int has_address_size;
};

static const struct header_rule rules[] = {
    {".debug_rnglists", 8, 1, 1},
    {".debug_loclists", 8, 1, 1},
    {".debug_addr", 4, 0, 1},
    {".debug_str_offsets", 4, 0, 0},
};

static uint64_t read_le(const unsigned char *p, int n, bool big_endian)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v |= (uint64_t)p[big_endian ? n - 1 - i : i] << (8 * i);
	return v;
}

static bool unit_ok(const struct header_rule *r, const unsigned char *p, uint64_t length,
                    int offset_size, bool be)
{
	uint64_t version;

	if (length < r->fixed)
		return false;
	version = read_le(p, 2, be);
	if (version != 5)
		return false;
	if (r->has_address_size) {
		unsigned address_size = p[2], segment_size = p[3];
		if ((address_size != 4 && address_size != 8) || segment_size != 0)
			return false;
	}
	if (r->has_offsets) {
		uint64_t count = read_le(p + 4, 4, be);
		if (count > (length - r->fixed) / (uint64_t)offset_size)
			return false;
	}
	return true;
}

bool nsym__dwarf5_section_ok(struct nsym_elf *ef, size_t index, const char *name)
{
	const struct header_rule *rule = NULL;
	struct nsym_section sec;
	bool be = ef->ehdr.e_ident[EI_DATA] == ELFDATA2MSB;
	size_t off = 0;

	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		if (strcmp(name, rules[i].name) == 0)
			rule = &rules[i];
	}
	if (rule == NULL)
		return true;
	if (nsym__elf_section_data(&sec, ef, index) != 0)
		return true; /* nothing libdwarf could read either */
	while (sec.size - off >= 4) {
		uint64_t length = read_le(sec.data + off, 4, be);
		int offset_size = 4, header = 4;
		if (length == 0xffffffff) {
			if (sec.size - off < 12)
				return false;
			length = read_le(sec.data + off + 4, 8, be);
			offset_size = 8;
			header = 12;
		} else if (length >= 0xfffffff0) {
			return false;
		}
		if (length == 0 && off > 0)
			break; /* trailing padding */
		if (length > sec.size - off - (size_t)header)
			return false;
		if (!unit_ok(rule, sec.data + off + header, length, offset_size, be))
			return false;
		off += (size_t)header + (size_t)length;
	}
	return true;
}
