/*
 * nsym-undname: the MSVC demangler of libnsym as a filter, for the tests
 * that hold it against llvm-undname (tests/cli/undname-test.sh). Reads one
 * decorated name a line and writes one line for each: the demangled text,
 * or "<error>" when the name is refused. --symbolizer leaves out what
 * llvm-symbolizer leaves out (llvm-undname's --no-access-specifier
 * --no-calling-convention --no-member-type --no-return-type).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demangle_msvc.h"

int main(int argc, char **argv)
{
	unsigned flags = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (argc == 2 && strcmp(argv[1], "--symbolizer") == 0) {
		flags = NSYM_MSVC_SYMBOLIZER;
	} else if (argc != 1) {
		fputs("usage: nsym-undname [--symbolizer] <names\n", stderr);
		return 129;
	}
	while ((n = getline(&line, &cap, stdin)) >= 0) {
		char *out;

		if (n > 0 && line[n - 1] == '\n')
			line[n - 1] = '\0';
		if (nsym__demangle_msvc(&out, line, flags) == 0) {
			puts(out);
			free(out);
		} else {
			puts("<error>");
		}
	}
	free(line);
	return ferror(stdout) ? 1 : 0;
}
