/*
 * napi-symbols verify: the CI gate after a build. Checks that the debug
 * files kept for a binary belong to it and describe its code
 * (nsym_verify), printing one line per image when they do and one line per
 * problem when they do not, so a release never ships with debug files
 * that will not symbolize its crashes.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "napi_symbols.h"

const char cmd_verify_usage[] =
    "usage: napi-symbols verify [options] BINARY DEBUG...\n"
    "\n"
    "Checks that the debug files belong to BINARY and describe its code:\n"
    "  ELF     a debug file with its GNU build-id, else the fallback id that\n"
    "          split records, else the CRC its .gnu_debuglink names; its DWARF\n"
    "          units must cover the binary's code (.text; the PLT and stubs\n"
    "          are the linker's and have no DWARF)\n"
    "  Mach-O  every slice's UUID in one of the dSYMs (bundle folders or the\n"
    "          DWARF files in them), whose DWARF covers the slice's code\n"
    "          (__TEXT,__text)\n"
    "  PE      the PDB with its CodeView GUID and age and its architecture,\n"
    "          whose DBI stream lists modules with line numbers\n"
    "A debug file that belongs to no image of BINARY is a problem too. An\n"
    "unstripped binary can be given as its own debug file.\n"
    "\n"
    "Prints one line per image that passes, and one line per problem on\n"
    "stderr.\n"
    "\n"
    "Options:\n"
    "      --min-coverage PERCENT\n"
    "                   the share of the code the DWARF must describe\n"
    "                   (default 0: any of it)\n"
    "  -q, --quiet      print only the problems\n"
    "  -h, --help       show this help\n"
    "\n"
    "Exit status: 0 every image has its debug file and every debug file\n"
    "belongs; 1 a problem (each on its own line) or BINARY cannot be read;\n"
    "129 usage error.\n";

static void on_problem(void *arg, const char *problem)
{
	(void)arg;
	nsym_cli_error("%s", problem);
}

static void print_image(const char *binary, const char *const *debug,
                        const struct nsym_verify_image *im)
{
	printf("%s: %s %s: %s", binary, im->arch, im->id, debug[im->debug]);
	if (im->code_bytes > 0)
		printf(", DWARF covers %.1f%% of the code (%" PRIu64 " of %" PRIu64 " bytes)\n",
		       100.0 * (double)im->covered_bytes / (double)im->code_bytes,
		       im->covered_bytes, im->code_bytes);
	else
		printf(", %" PRIu32 " modules, %" PRIu32 " with line numbers\n", im->modules,
		       im->modules_with_lines);
}

static int parse_percent(double *out, const char *arg)
{
	char *end = NULL;
	double v = strtod(arg, &end);

	if (end == arg || *end != '\0' || !(v >= 0 && v <= 100))
		return -1;
	*out = v;
	return 0;
}

int cmd_verify(int argc, char **argv)
{
	enum { OPT_MIN_COVERAGE = 256 };
	static const struct option longopts[] = {
	    {"min-coverage", required_argument, NULL, OPT_MIN_COVERAGE},
	    {"quiet", no_argument, NULL, 'q'},
	    {NULL, 0, NULL, 0},
	};
	struct nsym_verify_result *r;
	double min_coverage = 0;
	bool quiet = false;
	const char *binary;
	int c, rc;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":q", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_MIN_COVERAGE:
			if (parse_percent(&min_coverage, optarg) != 0)
				return nsym_cli_usage_error(
				    "verify",
				    "--min-coverage takes a percentage from "
				    "0 to 100, not '%s'",
				    optarg);
			break;
		case 'q':
			quiet = true;
			break;
		case ':':
			return nsym_cli_usage_error("verify", "option '%s' needs a value",
			                            argv[optind - 1]);
		default:
			return nsym_cli_usage_error("verify", "unknown option '%s'",
			                            argv[optind - 1]);
		}
	}
	if (argc - optind < 2)
		return nsym_cli_usage_error("verify",
		                            "give the binary and at least one debug file");
	binary = argv[optind];
	r = malloc(sizeof(*r));
	if (r == NULL) {
		nsym_cli_error("out of memory");
		return NSYM_EXIT_FAIL;
	}
	rc = nsym_verify(r, binary, (const char *const *)argv + optind + 1,
	                 (size_t)(argc - optind - 1), min_coverage, on_problem, NULL);
	if (rc != 0 && rc != NSYM_EMISMATCH)
		nsym_cli_error("%s", nsym_error_detail());
	if (!quiet && (rc == 0 || rc == NSYM_EMISMATCH)) {
		for (size_t i = 0; i < r->count; i++) {
			if (r->images[i].ok)
				print_image(binary, (const char *const *)argv + optind + 1,
				            &r->images[i]);
		}
	}
	free(r);
	return rc == 0 ? NSYM_EXIT_OK : NSYM_EXIT_FAIL;
}
