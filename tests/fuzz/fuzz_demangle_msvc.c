/*
 * Fuzzes the MSVC demangler (symbolizer/demangle_msvc.c, internal): the
 * input, up to its first NUL, is a decorated name, demangled in full and
 * in llvm-symbolizer's form. A name refused in full is refused in short
 * (which may be refused alone, when it would print nothing), a refusal is NSYM_EINVAL,
 * NSYM_EUNSUPPORTED or NSYM_ENOMEM with nothing returned, an answer is a string within the output
 * cap, the same when asked again, no longer in llvm-symbolizer's form than in full; and
 * nsym_demangle gives the symbolizer's form for a name that starts with '?'. The sanitizers watch
 * the parser's reads, whatever the input's recursion, back-references and literals.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "demangle_msvc.h"
#include "fuzz_util.h"
#include "napi_symbols.h"

#define OUTPUT_CAP 65536 /* MS_MAX_OUTPUT of demangle_msvc.c */

static int demangle(char **out, const char *name, unsigned flags)
{
	int rc = nsym__demangle_msvc(out, name, flags);

	if (rc != 0 && rc != NSYM_EINVAL && rc != NSYM_EUNSUPPORTED && rc != NSYM_ENOMEM)
		fuzz_fail("flags %u: code %d", flags, rc);
	if ((rc == 0) != (*out != NULL))
		fuzz_fail("flags %u: code %d with%s a string", flags, rc, *out ? "" : "out");
	if (rc == 0 && strlen(*out) >= OUTPUT_CAP)
		fuzz_fail("flags %u: %zu bytes of output", flags, strlen(*out));
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *name = malloc(size + 1), *full = NULL, *sym = NULL, *again = NULL, *pub;
	int rc_full, rc_sym;

	if (name == NULL)
		return 0;
	memcpy(name, data, size);
	name[size] = '\0';
	rc_full = demangle(&full, name, 0);
	rc_sym = demangle(&sym, name, NSYM_MSVC_SYMBOLIZER);
	fuzz_say("%d %d: %s | %s", rc_full, rc_sym, full ? full : "-", sym ? sym : "-");
	/* the short form is refused alone only when it prints nothing */
	if (rc_full == NSYM_EINVAL && rc_sym != NSYM_EINVAL)
		fuzz_fail("refused in full only: %d, %d", rc_full, rc_sym);
	if (rc_full == 0 && rc_sym == 0 && strlen(sym) > strlen(full))
		fuzz_fail("'%s' longer than '%s'", sym, full);
	if (rc_sym == 0) {
		if (demangle(&again, name, NSYM_MSVC_SYMBOLIZER) == 0 && strcmp(again, sym) != 0)
			fuzz_fail("'%s' then '%s'", sym, again);
		if (name[0] == '?') {
			pub = nsym_demangle(name);
			if (pub != NULL && strcmp(pub, sym) != 0)
				fuzz_fail("nsym_demangle: '%s', not '%s'", pub, sym);
			free(pub);
		}
	}
	free(again);
	free(full);
	free(sym);
	free(name);
	return 0;
}
