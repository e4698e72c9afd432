/*
 * napi-symbols inspect: what each binary is and how it is identified, so a
 * maintainer can tell which debug file belongs to which shipped file. ELF,
 * Mach-O (thin, universal, .dSYM bundles), PE and PDB files are read through
 * nsym_file_open; folders are searched for them, a .dSYM folder standing
 * for its DWARF file. Every identity is printed in the form the tools of
 * its platform print it, plus the Breakpad/Sentry debug id.
 */
#include <dirent.h>
#include <elf.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "commands.h"
#include "napi_symbols.h"
#include "napi_symbols_util.h"

#define MAX_DEPTH 32

const char cmd_inspect_usage[] =
    "usage: napi-symbols inspect [--json] FILE|DIR...\n"
    "\n"
    "Prints what each binary is and every identity it carries, in the forms\n"
    "symbol servers key it by:\n"
    "  ELF     the GNU build-id, or the fallback identity napi-symbols computes\n"
    "          for files linked without one; the .gnu_debuglink name and CRC;\n"
    "          whether it has a symbol table\n"
    "  Mach-O  the LC_UUID of every architecture (universal files list each);\n"
    "          whether X.dSYM beside X has the same UUIDs\n"
    "  PE      the code id (TimeDateStamp and SizeOfImage) and the PDB it names\n"
    "          by CodeView GUID and age; whether that PDB sits beside it\n"
    "  PDB     its GUID and age\n"
    "and for each the Breakpad/Sentry debug id, and how much debug info it\n"
    "holds. A .dSYM bundle is read as its DWARF file. Folders are searched;\n"
    "files in them that are not binaries are passed over.\n"
    "\n"
    "Options:\n"
    "      --json   print a JSON array, one object per file, its images in\n"
    "               \"images\"\n"
    "  -h, --help   show this help\n"
    "\n"
    "Exit status: 0 every file was read; 1 a file named on the command line\n"
    "could not be read (one line says why), or a folder could not be read;\n"
    "129 usage error.\n";

struct inspect {
	bool json;
	size_t printed;
	int status;
};

/* How a binary pairs with its debug file beside it (X.dSYM, or the PDB a
 * PE file names): the file, and how many of the images match. */
struct pairing {
	char *path; /* NULL: no such file beside it */
	size_t matched, total;
	const char *error; /* the file is there but cannot be read */
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

static const char *format_name(enum nsym_format f)
{
	switch (f) {
	case NSYM_FORMAT_ELF:
		return "elf";
	case NSYM_FORMAT_MACHO:
		return "macho";
	case NSYM_FORMAT_MACHO_FAT:
		return "macho-fat";
	case NSYM_FORMAT_PE:
		return "pe";
	case NSYM_FORMAT_PDB:
		return "pdb";
	}
	return "unknown";
}

/* A UUID as dwarfdump prints it; a GUID (stored with little-endian fields)
 * as Windows tools and llvm-pdbutil print it. */
static void uuid_text(char out[37], const unsigned char u[16], bool guid)
{
	static const int order[2][16] = {
	    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
	    {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15},
	};
	size_t at = 0;

	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[at++] = '-';
		snprintf(out + at, 3, "%02X", u[order[guid][i]]);
		at += 2;
	}
	out[at] = '\0';
}

static bool has_id(const struct nsym_image *im, enum nsym_id_form form, char *out)
{
	return nsym_image_id(out, NSYM_IMAGE_ID_SIZE, im, form) == 0;
}

static char *beside(const char *path, const char *name)
{
	const char *slash = strrchr(path, '/');
	int dir_len = slash != NULL ? (int)(slash - path) + 1 : 0;
	size_t n = (size_t)dir_len + strlen(name) + 1;
	char *s = malloc(n);

	if (s != NULL)
		snprintf(s, n, "%.*s%s", dir_len, path, name);
	return s;
}

/* The last component of a path written on Windows or elsewhere. */
static const char *base_name(const char *path)
{
	const char *b = path;
	for (const char *p = path; *p != '\0'; p++) {
		if (*p == '/' || *p == '\\')
			b = p + 1;
	}
	return b;
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* Mach-O: X.dSYM beside X, matched image by image on UUID. */
static void pair_dsym(struct pairing *out, const char *path, nsym_file *f)
{
	nsym_file *d = NULL;
	size_t len = strlen(path);

	memset(out, 0, sizeof(*out));
	out->path = malloc(len + 6);
	if (out->path == NULL)
		return;
	snprintf(out->path, len + 6, "%s.dSYM", path);
	if (!exists(out->path)) {
		free(out->path);
		out->path = NULL;
		return;
	}
	if (nsym_file_open(&d, out->path) != 0) {
		out->error = nsym_error_detail();
		return;
	}
	for (size_t i = 0; i < nsym_file_image_count(f); i++) {
		const struct nsym_image *im = nsym_file_image(f, i);
		if (!im->has_uuid)
			continue;
		out->total++;
		for (size_t j = 0; j < nsym_file_image_count(d); j++) {
			const struct nsym_image *dm = nsym_file_image(d, j);
			if (dm->has_uuid && memcmp(dm->uuid, im->uuid, 16) == 0) {
				out->matched++;
				break;
			}
		}
	}
	nsym_file_close(d);
}

/* PE: the PDB it names, looked for beside it under its base name. */
static void pair_pdb(struct pairing *out, const char *path, const struct nsym_image *im)
{
	char want[NSYM_IMAGE_ID_SIZE], have[NSYM_IMAGE_ID_SIZE];
	nsym_file *p = NULL;

	memset(out, 0, sizeof(*out));
	if (im->pdb_name == NULL || !has_id(im, NSYM_ID_PDB, want))
		return;
	out->path = beside(path, base_name(im->pdb_name));
	if (out->path == NULL)
		return;
	if (!exists(out->path)) {
		free(out->path);
		out->path = NULL;
		return;
	}
	if (nsym_file_open(&p, out->path) != 0) {
		out->error = nsym_error_detail();
		return;
	}
	out->total = 1;
	if (nsym_file_format(p) == NSYM_FORMAT_PDB &&
	    has_id(nsym_file_image(p, 0), NSYM_ID_NATIVE, have) && strcmp(have, want) == 0)
		out->matched = 1;
	nsym_file_close(p);
}

static void print_pairing(const char *label, const struct pairing *p)
{
	if (p->path == NULL)
		return;
	printf("  %s: %s ", label, p->path);
	if (p->error != NULL)
		printf("(cannot be read: %s)\n", p->error);
	else if (p->total == 1)
		printf("(%s)\n", p->matched ? "matches" : "does not match: another build");
	else
		printf("(%zu of %zu architectures match)\n", p->matched, p->total);
}

static void print_debug_info(const char *indent, const struct nsym_image *im)
{
	printf("%sdebug info: ", indent);
	if (im->format == NSYM_FORMAT_PDB)
		printf("%" PRIu64 " bytes (the whole PDB)\n", im->debug_bytes);
	else if (im->has_debug_info && im->format == NSYM_FORMAT_MACHO)
		printf("%" PRIu64 " bytes in __DWARF sections\n", im->debug_bytes);
	else if (im->has_debug_info)
		printf("%" PRIu64 " bytes in .debug_* sections\n", im->debug_bytes);
	else if (im->format == NSYM_FORMAT_MACHO)
		printf("none (kept in a .dSYM)\n");
	else if (im->format == NSYM_FORMAT_PE && im->has_uuid)
		printf("none (kept in the PDB)\n");
	else
		printf("none (stripped)\n");
}

static void print_elf_text(const char *path, const struct nsym_image *im)
{
	const struct nsym_identity *id = im->elf;
	char hex[NSYM_IMAGE_ID_SIZE];

	printf("%s: ELF %d-bit %s %s, %s\n", path, id->elf_class == ELFCLASS64 ? 64 : 32,
	       id->elf_data == ELFDATA2MSB ? "MSB" : "LSB", type_name(id->type),
	       machine_name(id->machine));
	if (nsym_identity_hex(hex, sizeof(hex), id) == 0)
		printf("  %s: %s\n", id->build_id_len > 0 ? "build-id" : "fallback id", hex);
	else
		printf("  identity: none (a debug file of a file without build-id)\n");
	if (has_id(im, NSYM_ID_DEBUG_ID, hex))
		printf("  debug id: %s\n", hex);
	if (id->debuglink != NULL)
		printf("  debuglink: %s (crc %08" PRIx32 ")\n", id->debuglink, id->debuglink_crc);
	if (id->has_debug_info)
		printf("  debug info: %" PRIu64 " bytes in .debug_* sections\n", id->debug_bytes);
	else
		printf("  debug info: none (stripped)\n");
	printf("  symbols: %s\n", id->has_symtab ? ".symtab" : ".dynsym only");
}

/* The identity lines of one Mach-O, PE or PDB image. */
static void print_ids_text(const char *indent, const char *path, const struct nsym_image *im)
{
	char id[NSYM_IMAGE_ID_SIZE], uuid[37];
	struct pairing pdb;

	if (im->format == NSYM_FORMAT_MACHO && im->has_uuid) {
		uuid_text(uuid, im->uuid, false);
		printf("%suuid: %s\n", indent, uuid);
	} else if (im->format == NSYM_FORMAT_MACHO) {
		printf("%suuid: none (linked with -no_uuid)\n", indent);
	}
	if (im->format == NSYM_FORMAT_PE) {
		has_id(im, NSYM_ID_NATIVE, id);
		printf("%scode id: %s (timestamp %08" PRIX32 ", size of image %#" PRIx32 ")\n",
		       indent, id, im->timestamp, im->size_of_image);
		if (im->pdb_name != NULL)
			printf("%spdb: %s\n", indent, im->pdb_name);
	}
	if ((im->format == NSYM_FORMAT_PE && has_id(im, NSYM_ID_PDB, id)) ||
	    (im->format == NSYM_FORMAT_PDB && has_id(im, NSYM_ID_NATIVE, id))) {
		uuid_text(uuid, im->uuid, true);
		printf("%spdb id: %s (guid {%s}, age %" PRIu32 ")\n", indent, id, uuid, im->age);
	} else if (im->format == NSYM_FORMAT_PE) {
		printf("%spdb id: none (no CodeView record)\n", indent);
	}
	if (has_id(im, NSYM_ID_DEBUG_ID, id))
		printf("%sdebug id: %s\n", indent, id);
	print_debug_info(indent, im);
	if (im->format == NSYM_FORMAT_PE) {
		pair_pdb(&pdb, path, im);
		print_pairing("pdb beside it", &pdb);
		free(pdb.path);
	}
}

static void print_text(const char *path, nsym_file *f)
{
	const struct nsym_image *im = nsym_file_image(f, 0);
	size_t n = nsym_file_image_count(f);
	struct pairing dsym = {0};

	switch (nsym_file_format(f)) {
	case NSYM_FORMAT_ELF:
		print_elf_text(path, im);
		return;
	case NSYM_FORMAT_MACHO:
		printf("%s: Mach-O %s, %s\n", path, im->kind, im->arch);
		break;
	case NSYM_FORMAT_MACHO_FAT:
		printf("%s: Mach-O universal binary, %zu architecture%s\n", path, n,
		       n == 1 ? "" : "s");
		break;
	case NSYM_FORMAT_PE:
		printf("%s: PE %s, %s\n", path, im->kind, im->arch);
		break;
	case NSYM_FORMAT_PDB:
		printf("%s: PDB %s, %s\n", path, im->kind, im->arch);
		break;
	}
	if (strcmp(nsym_file_path(f), path) != 0)
		printf("  file: %s\n", nsym_file_path(f));
	if (nsym_file_format(f) == NSYM_FORMAT_MACHO_FAT) {
		for (size_t i = 0; i < n; i++) {
			im = nsym_file_image(f, i);
			printf("  %s: %s (offset %" PRIu64 ", %" PRIu64 " bytes)\n", im->arch,
			       im->kind, im->offset, im->size);
			print_ids_text("    ", path, im);
		}
	} else {
		print_ids_text("  ", path, im);
	}
	if (nsym_file_format(f) == NSYM_FORMAT_MACHO ||
	    nsym_file_format(f) == NSYM_FORMAT_MACHO_FAT) {
		pair_dsym(&dsym, path, f);
		print_pairing("dSYM", &dsym);
		free(dsym.path);
	}
}

static void json_key_string(const char *key, const char *value)
{
	printf(", \"%s\": ", key);
	nsym_json_string(stdout, value);
}

static void json_pairing(const char *key, const struct pairing *p)
{
	if (p->path == NULL)
		return;
	printf(", \"%s\": {\"path\": ", key);
	nsym_json_string(stdout, p->path);
	if (p->error != NULL) {
		json_key_string("error", p->error);
	} else {
		printf(", \"matches\": %s, \"images_matched\": %zu, \"images\": %zu",
		       p->matched == p->total ? "true" : "false", p->matched, p->total);
	}
	printf("}");
}

static void print_image_json(const char *path, const struct nsym_image *im)
{
	char id[NSYM_IMAGE_ID_SIZE], uuid[37];
	struct pairing pdb;

	printf("{\"format\": \"%s\", \"arch\": \"%s\", \"kind\": \"%s\"", format_name(im->format),
	       im->arch, im->kind);
	if (has_id(im, NSYM_ID_NATIVE, id))
		json_key_string("id", id);
	if (has_id(im, NSYM_ID_DEBUG_ID, id))
		json_key_string("debug_id", id);
	if (im->format == NSYM_FORMAT_MACHO && im->has_uuid) {
		uuid_text(uuid, im->uuid, false);
		json_key_string("uuid", uuid);
	}
	if (im->format == NSYM_FORMAT_PE)
		printf(", \"timestamp\": \"%08" PRIX32 "\", \"size_of_image\": %" PRIu32,
		       im->timestamp, im->size_of_image);
	if (im->pdb_name != NULL)
		json_key_string("pdb_name", im->pdb_name);
	if (has_id(im, NSYM_ID_PDB, id))
		json_key_string("pdb_id", id);
	if ((im->format == NSYM_FORMAT_PE || im->format == NSYM_FORMAT_PDB) && im->has_uuid) {
		uuid_text(uuid, im->uuid, true);
		json_key_string("guid", uuid);
		printf(", \"age\": %" PRIu32, im->age);
	}
	printf(", \"debug_info_bytes\": %" PRIu64 ", \"offset\": %" PRIu64 ", \"size\": %" PRIu64,
	       im->has_debug_info ? im->debug_bytes : 0, im->offset, im->size);
	if (im->format == NSYM_FORMAT_PE) {
		pair_pdb(&pdb, path, im);
		json_pairing("pdb_beside", &pdb);
		free(pdb.path);
	}
	printf("}");
}

/* The keys `inspect --json` has always printed for an ELF file. */
static void print_elf_json(const struct nsym_identity *id)
{
	char hex[NSYM_IMAGE_ID_SIZE];

	printf(", \"class\": %d, \"endian\": \"%s\", \"type\": \"%s\", \"machine\": \"%s\"",
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
	printf(", \"debug_info_bytes\": %" PRIu64 ", \"has_symtab\": %s",
	       id->has_debug_info ? id->debug_bytes : 0, id->has_symtab ? "true" : "false");
}

static void print_json(struct inspect *in, const char *path, nsym_file *f)
{
	enum nsym_format format = nsym_file_format(f);
	struct pairing dsym = {0};

	fputs(in->printed++ > 0 ? ",\n" : "[\n", stdout);
	printf("{\"path\": ");
	nsym_json_string(stdout, path);
	printf(", \"format\": \"%s\"", format_name(format));
	if (strcmp(nsym_file_path(f), path) != 0)
		json_key_string("file", nsym_file_path(f));
	if (format == NSYM_FORMAT_ELF)
		print_elf_json(nsym_file_image(f, 0)->elf);
	if (format == NSYM_FORMAT_MACHO || format == NSYM_FORMAT_MACHO_FAT) {
		pair_dsym(&dsym, path, f);
		json_pairing("dsym", &dsym);
		free(dsym.path);
	}
	printf(", \"images\": [");
	for (size_t i = 0; i < nsym_file_image_count(f); i++) {
		if (i > 0)
			printf(", ");
		print_image_json(path, nsym_file_image(f, i));
	}
	printf("]}");
}

/* Inspects one file; `named` files report their errors, files found in a
 * folder are passed over quietly when they cannot be read. */
static void inspect_file(struct inspect *in, const char *path, bool named)
{
	nsym_file *f = NULL;

	if (nsym_file_open(&f, path) != 0) {
		if (named) {
			nsym_cli_error("%s", nsym_error_detail());
			in->status = NSYM_EXIT_FAIL;
		}
		return;
	}
	if (in->json)
		print_json(in, path, f);
	else
		print_text(path, f);
	nsym_file_close(f);
}

static bool is_bundle(const char *path)
{
	size_t len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		len--;
	return len >= 5 && strncmp(path + len - 5, ".dSYM", 5) == 0;
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
	/* a .dSYM bundle is one debug file, not a folder to search */
	if (is_bundle(path)) {
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
