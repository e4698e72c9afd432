/*
 * napi-symbols split: the build step. One command instead of the objcopy
 * recipe, so the file that ships and the debug file that stays always pair.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "napi_symbols.h"
#include "napi_symbols_util.h"

const char cmd_split_usage[] =
    "usage: napi-symbols split [options] FILE\n"
    "\n"
    "Splits a built addon (an ELF shared object or executable, or a Mach-O\n"
    "bundle, dylib or executable as below) into the\n"
    "stripped file that ships and a debug file that stays with you or goes to\n"
    "a symbol server. The stripped file keeps everything needed to load and run\n"
    "(.dynsym included) and gets a .gnu_debuglink naming the debug file with\n"
    "its CRC. The debug file is what 'objcopy --only-keep-debug' makes: every\n"
    "section and program header, the notes, the symbol table and the DWARF.\n"
    "Both carry the file's identity: its GNU build-id, or for a file linked\n"
    "without one, the fallback id that 'napi-symbols inspect' shows.\n"
    "\n"
    "By default FILE is replaced by its stripped form and FILE.debug is written\n"
    "beside it. Outputs are written to temporary files, read back and checked,\n"
    "and only then renamed into place: a failed split changes nothing.\n"
    "\n"
    "A Mach-O addon (thin or universal) is split from the .dSYM that dsymutil,\n"
    "or Cargo with split-debuginfo = \"packed\", made from it: FILE.dSYM beside\n"
    "it, or the one given with --dsym. No debug file is written; every slice's\n"
    "UUID must be in the dSYM. The stripped file loses its local symbols and\n"
    "the debug map (N_SO, N_OSO, N_FUN... stabs) and keeps its exports; an\n"
    "ad-hoc code signature, as linkers put on arm64 code, is made anew. A file\n"
    "signed with a certificate is refused: split first, then sign.\n"
    "\n"
    "Options:\n"
    "  -o, --output PATH        write the stripped file to PATH, leave FILE as it is\n"
    "  -d, --debug-output PATH  write the debug file to PATH (ELF)\n"
    "                           (default: the stripped file's path + .debug)\n"
    "      --dsym PATH          the .dSYM of a Mach-O FILE (default: FILE.dSYM)\n"
    "      --compress zlib|zstd|none\n"
    "                           compress the DWARF in the debug file (ELF)\n"
    "                           (SHF_COMPRESSED; default none: as in FILE)\n"
    "      --keep-symbols       keep .symtab in the stripped file (Mach-O: keep\n"
    "                           the local symbols, drop only the debug map)\n"
    "  -f, --force              replace outputs that exist\n"
    "      --json               print what was written as one JSON object\n"
    "  -q, --quiet              print nothing on success, warnings included\n"
    "  -h, --help               show this help\n"
    "\n"
    "Exit status: 0 split; 1 FILE cannot be split (not ELF or Mach-O, nothing\n"
    "to split off, no dSYM or one of another build, an output exists, a folder\n"
    "is not writable; one line says why and nothing was changed); 129 usage\n"
    "error.\n";

struct split_cli {
	struct nsym_split_options opt;
	bool json, quiet;
};

static const char *const compress_names[] = {
    [NSYM_COMPRESS_NONE] = "none",
    [NSYM_COMPRESS_ZLIB] = "zlib",
    [NSYM_COMPRESS_ZSTD] = "zstd",
};

static int parse_compress(enum nsym_compress *out, const char *arg)
{
	for (size_t i = 0; i < sizeof(compress_names) / sizeof(*compress_names); i++) {
		if (strcmp(arg, compress_names[i]) == 0) {
			*out = (enum nsym_compress)i;
			return 0;
		}
	}
	return -1;
}

/* Without a build-id, gdb, perf and debuginfod cannot find the debug file;
 * the fallback id only helps our own tools. Say how to fix it for good. */
static void warn_no_build_id(const char *path, const char *hex)
{
	nsym_cli_error("warning: %s has no GNU build-id; it is identified by its fallback id %s, "
	               "which only napi-symbols knows. Add a build-id when linking:\n"
	               "  Rust (Cargo):  RUSTFLAGS=\"-C link-arg=-Wl,--build-id\"\n"
	               "  gcc/clang:     -Wl,--build-id",
	               path, hex);
}

static void print_text(const char *path, const char *stripped, const char *debug,
                       const struct nsym_split_result *r, const char *hex)
{
	printf("%s: %s %s\n", path, r->identity.build_id_len > 0 ? "build-id" : "fallback id", hex);
	printf("  stripped: %s (%" PRIu64 " bytes, was %" PRIu64 ")\n", stripped, r->stripped_size,
	       r->input_size);
	printf("  debug:    %s (%" PRIu64 " bytes, crc %08" PRIx32 "%s)\n", debug, r->debug_size,
	       r->debug_crc, r->compressed_sections > 0 ? ", DWARF compressed" : "");
}

static void print_json(const char *path, const char *stripped, const char *debug,
                       const struct nsym_split_result *r, const char *hex)
{
	printf("{\"input\": ");
	nsym_json_string(stdout, path);
	printf(", \"stripped\": ");
	nsym_json_string(stdout, stripped);
	printf(", \"debug\": ");
	nsym_json_string(stdout, debug);
	printf(", \"%s\": \"%s\", \"input_size\": %" PRIu64 ", \"stripped_size\": %" PRIu64
	       ", \"debug_size\": %" PRIu64 ", \"debug_crc\": \"%08" PRIx32 "\", "
	       "\"compressed_sections\": %u, \"has_dwarf\": %s}\n",
	       r->identity.build_id_len > 0 ? "build_id" : "fallback_id", hex, r->input_size,
	       r->stripped_size, r->debug_size, r->debug_crc, r->compressed_sections,
	       r->has_dwarf ? "true" : "false");
}

static void print_macho_text(const char *path, const struct nsym_split_result *r)
{
	printf("%s: Mach-O%s\n", path, r->format == NSYM_FORMAT_MACHO_FAT ? " universal" : "");
	for (size_t i = 0; i < r->slice_count; i++) {
		const struct nsym_split_slice *s = &r->slices[i];
		char hex[33];
		nsym_hex(hex, s->uuid, sizeof(s->uuid), false);
		printf("  %-8s uuid %s, %" PRIu32 " of %" PRIu32 " symbols kept%s\n", s->arch, hex,
		       s->symbols_after, s->symbols_before,
		       s->resigned ? ", signed again (ad hoc)" : "");
	}
	printf("  stripped: %s (%" PRIu64 " bytes, was %" PRIu64 ")\n", r->stripped_path,
	       r->stripped_size, r->input_size);
	printf("  dSYM:     %s (matches)\n", r->debug_path);
}

static void print_macho_json(const char *path, const struct nsym_split_result *r)
{
	printf("{\"input\": ");
	nsym_json_string(stdout, path);
	printf(", \"format\": \"%s\", \"stripped\": ",
	       r->format == NSYM_FORMAT_MACHO_FAT ? "macho-universal" : "macho");
	nsym_json_string(stdout, r->stripped_path);
	printf(", \"dsym\": ");
	nsym_json_string(stdout, r->debug_path);
	printf(", \"input_size\": %" PRIu64 ", \"stripped_size\": %" PRIu64 ", \"slices\": [",
	       r->input_size, r->stripped_size);
	for (size_t i = 0; i < r->slice_count; i++) {
		const struct nsym_split_slice *s = &r->slices[i];
		char hex[33];
		nsym_hex(hex, s->uuid, sizeof(s->uuid), false);
		printf("%s{\"arch\": \"%s\", \"uuid\": \"%s\", \"symbols_before\": %" PRIu32
		       ", \"symbols_after\": %" PRIu32 ", \"resigned\": %s}",
		       i > 0 ? ", " : "", s->arch, hex, s->symbols_before, s->symbols_after,
		       s->resigned ? "true" : "false");
	}
	printf("]}\n");
}

static int split_one(const struct split_cli *cli, const char *path)
{
	struct nsym_split_result r;
	char hex[2 * NSYM_BUILD_ID_MAX + 1] = "";

	if (nsym_split(&r, path, &cli->opt) != 0) {
		nsym_cli_error("%s", nsym_error_detail());
		return NSYM_EXIT_FAIL;
	}
	if (r.format != NSYM_FORMAT_ELF) {
		if (cli->json)
			print_macho_json(path, &r);
		else if (!cli->quiet)
			print_macho_text(path, &r);
		return NSYM_EXIT_OK;
	}
	nsym_identity_hex(hex, sizeof(hex), &r.identity);
	if (!cli->quiet && r.identity.build_id_len == 0)
		warn_no_build_id(path, hex);
	if (!cli->quiet && !r.has_dwarf)
		nsym_cli_error(
		    "warning: %s has no DWARF: the debug file holds the symbol table only, "
		    "so lookups give function names without source lines",
		    path);
	if (cli->json)
		print_json(path, r.stripped_path, r.debug_path, &r, hex);
	else if (!cli->quiet)
		print_text(path, r.stripped_path, r.debug_path, &r, hex);
	return NSYM_EXIT_OK;
}

int cmd_split(int argc, char **argv)
{
	enum { OPT_COMPRESS = 256, OPT_KEEP_SYMBOLS, OPT_JSON, OPT_DSYM };
	static const struct option longopts[] = {
	    {"output", required_argument, NULL, 'o'},
	    {"debug-output", required_argument, NULL, 'd'},
	    {"dsym", required_argument, NULL, OPT_DSYM},
	    {"compress", required_argument, NULL, OPT_COMPRESS},
	    {"keep-symbols", no_argument, NULL, OPT_KEEP_SYMBOLS},
	    {"force", no_argument, NULL, 'f'},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"quiet", no_argument, NULL, 'q'},
	    {NULL, 0, NULL, 0},
	};
	struct split_cli cli = {.opt = {.compress = NSYM_COMPRESS_NONE}};
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":o:d:fq", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			cli.opt.stripped_path = optarg;
			break;
		case 'd':
			cli.opt.debug_path = optarg;
			break;
		case OPT_DSYM:
			cli.opt.dsym_path = optarg;
			break;
		case OPT_COMPRESS:
			if (parse_compress(&cli.opt.compress, optarg) != 0)
				return nsym_cli_usage_error("split",
				                            "--compress takes zlib, zstd or none, "
				                            "not '%s'",
				                            optarg);
			break;
		case OPT_KEEP_SYMBOLS:
			cli.opt.keep_symbols = 1;
			break;
		case 'f':
			cli.opt.force = 1;
			break;
		case OPT_JSON:
			cli.json = true;
			break;
		case 'q':
			cli.quiet = true;
			break;
		case ':':
			return nsym_cli_usage_error("split", "option '%s' needs a value",
			                            argv[optind - 1]);
		default:
			return nsym_cli_usage_error("split", "unknown option '%s'",
			                            argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return nsym_cli_usage_error("split", "no file given");
	if (argc - optind > 1)
		return nsym_cli_usage_error("split", "one file at a time (got %d)", argc - optind);
	return split_one(&cli, argv[optind]);
}
