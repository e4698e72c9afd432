/*
 * napi-symbols inspect: what each binary is and how it is identified, so a
 * maintainer can tell which debug file belongs to which shipped file. Folders
 * are searched for ELF files. ELF only for now; Mach-O, PE and PDB come with
 * the rest of issue 4.
 */
#include <dirent.h>
#include <elf.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "commands.h"
#include "json.h"
#include "napi_symbols.h"

#define MAX_DEPTH 32

const char cmd_inspect_usage[] =
    "usage: napi-symbols inspect [--json] FILE|DIR...\n"
    "\n"
    "Prints what each ELF file is and every identity it carries: the GNU\n"
    "build-id, or the fallback identity napi-symbols computes for files linked\n"
    "without one; the .gnu_debuglink name and CRC; how much DWARF it holds and\n"
    "whether it has a symbol table. Folders are searched for ELF files, other\n"
    "files in them are passed over.\n"
    "\n"
    "Options:\n"
    "      --json   print a JSON array, one object per file\n"
    "  -h, --help   show this help\n"
    "\n"
    "Exit status: 0 every file was read; 1 a file named on the command line\n"
    "could not be read as ELF (one line says why), or a folder could not be\n"
    "read; 129 usage error.\n";

struct inspect {
	bool json;
	size_t printed;
	int status;
};

static const char *machine_name(unsigned m)
{
	switch (m) {
	case EM_X86_64:
		return "x86-64";
	case EM_AARCH64:
		return "aarch64";
	case EM_386:
		return "i386";
	case EM_ARM:
		return "arm";
	case EM_RISCV:
		return "riscv";
	case EM_PPC64:
		return "ppc64";
	case EM_S390:
		return "s390";
	}
	return "other";
}

static const char *type_name(unsigned t)
{
	return t == ET_DYN ? "shared object" : t == ET_EXEC ? "executable" : "other";
}

static void print_text(const char *path, const struct nsym_identity *id)
{
	char hex[2 * NSYM_BUILD_ID_MAX + 1];

	printf("%s: ELF %d-bit %s %s, %s\n", path, id->elf_class == ELFCLASS64 ? 64 : 32,
	       id->elf_data == ELFDATA2MSB ? "MSB" : "LSB", type_name(id->type),
	       machine_name(id->machine));
	if (nsym_identity_hex(hex, sizeof(hex), id) == 0)
		printf("  %s: %s\n", id->build_id_len > 0 ? "build-id" : "fallback id", hex);
	else
		printf("  identity: none (a debug file of a file without build-id)\n");
	if (id->debuglink != NULL)
		printf("  debuglink: %s (crc %08" PRIx32 ")\n", id->debuglink, id->debuglink_crc);
	if (id->has_debug_info)
		printf("  debug info: %" PRIu64 " bytes in .debug_* sections\n", id->debug_bytes);
	else
		printf("  debug info: none (stripped)\n");
	printf("  symbols: %s\n", id->has_symtab ? ".symtab" : ".dynsym only");
}

static void print_json(struct inspect *in, const char *path, const struct nsym_identity *id)
{
	char hex[2 * NSYM_BUILD_ID_MAX + 1];

	fputs(in->printed++ > 0 ? ",\n" : "[\n", stdout);
	printf("{\"path\": ");
	nsym_json_string(stdout, path);
	printf(", \"format\": \"elf\", \"class\": %d, \"endian\": \"%s\", \"type\": \"%s\", "
	       "\"machine\": \"%s\"",
	       id->elf_class == ELFCLASS64 ? 64 : 32,
	       id->elf_data == ELFDATA2MSB ? "big" : "little", type_name(id->type),
	       machine_name(id->machine));
	if (nsym_identity_hex(hex, sizeof(hex), id) == 0)
		printf(", \"%s\": \"%s\"", id->build_id_len > 0 ? "build_id" : "fallback_id", hex);
	if (id->debuglink != NULL) {
		printf(", \"debuglink\": {\"name\": ");
		nsym_json_string(stdout, id->debuglink);
		printf(", \"crc\": \"%08" PRIx32 "\"}", id->debuglink_crc);
	}
	printf(", \"debug_info_bytes\": %" PRIu64 ", \"has_symtab\": %s}",
	       id->has_debug_info ? id->debug_bytes : 0, id->has_symtab ? "true" : "false");
}

/* Inspects one file; `named` files report their errors, files found in a
 * folder are passed over quietly when they are not ELF. */
static void inspect_file(struct inspect *in, const char *path, bool named)
{
	struct nsym_identity id;
	nsym_object *obj = NULL;

	if (nsym_object_open(&obj, path) != 0) {
		if (named) {
			nsym_cli_error("%s", nsym_error_detail());
			in->status = NSYM_EXIT_FAIL;
		}
		return;
	}
	nsym_object_identity(&id, obj);
	if (in->json)
		print_json(in, path, &id);
	else
		print_text(path, &id);
	nsym_object_close(obj);
}

static void inspect_path(struct inspect *in, const char *path, bool named, int depth)
{
	struct stat st;
	DIR *dir;
	struct dirent *e;

	if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		if (named || (lstat(path, &st) == 0 && S_ISREG(st.st_mode)))
			inspect_file(in, path, named);
		return;
	}
	if (depth >= MAX_DEPTH || (dir = opendir(path)) == NULL) {
		nsym_cli_error("%s: cannot read the folder", path);
		in->status = NSYM_EXIT_FAIL;
		return;
	}
	while ((e = readdir(dir)) != NULL) {
		char child[4096];
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(child, sizeof(child), "%s/%s", path, e->d_name) >=
		    sizeof(child))
			continue;
		inspect_path(in, child, false, depth + 1);
	}
	closedir(dir);
}

int cmd_inspect(int argc, char **argv)
{
	enum { OPT_JSON = 256 };
	static const struct option longopts[] = {
	    {"json", no_argument, NULL, OPT_JSON},
	    {NULL, 0, NULL, 0},
	};
	struct inspect in = {.status = NSYM_EXIT_OK};
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == OPT_JSON)
			in.json = true;
		else
			return nsym_cli_usage_error("inspect", "unknown option '%s'",
			                            argv[optind - 1]);
	}
	if (optind >= argc)
		return nsym_cli_usage_error("inspect", "no file or folder given");
	for (int i = optind; i < argc; i++)
		inspect_path(&in, argv[i], true, 0);
	if (in.json)
		fputs(in.printed > 0 ? "\n]\n" : "[]\n", stdout);
	return in.status;
}
