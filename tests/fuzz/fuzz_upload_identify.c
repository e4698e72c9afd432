/*
 * Fuzzes what the server runs on an uploaded file before keeping it
 * (server/upload_identify.h, server/upload_sections.h): the input is the
 * file, identified as POST /api/v1/upload does (every ELF, Mach-O, PE and
 * PDB image under its native id), then, when that succeeds, its
 * compressed ELF sections inflated and held to their claims, with a limit
 * of 4 MiB per section (the server's --max-section-size), which bounds
 * what one input can make the check inflate to 16 MiB.
 *
 * Checked besides the sanitizers: the answer is 0 or 415/422 (503 is for
 * memory, which no input here runs out of) with one line of why that never
 * shows the path the file was read from (unless the file holds it: a
 * section's name is quoted); every artifact is a row the
 * store and the read routes take: a kind, a format and its id kind, an
 * arch, and a lowercase hex key that the route serving it accepts
 * (/buildid/ 2 to 128 digits, even; /symsrv/ 8 to 128).
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_util.h"
#include "keys.h"
#include "upload_identify.h"
#include "upload_sections.h"

#define MAX_SECTION ((uint64_t)4 << 20)
#define NAME        "fuzz.bin"

/* Whether the input itself holds s: then why may quote it from the file
 * (a section's name), which is not the server showing its path. */
static bool holds(const uint8_t *data, size_t size, const char *s)
{
	return memmem(data, size, s, strlen(s)) != NULL;
}

static void check_why(const char *why, int status, const char *path, const uint8_t *data,
                      size_t size, const char *what)
{
	fuzz_say("%s: %d: %s", what, status, why);
	if (status != 415 && status != 422)
		fuzz_fail("%s answered %d: %s", what, status, why);
	if (why[0] == '\0' || strchr(why, '\n') != NULL)
		fuzz_fail("%s: why is not one line: \"%s\"", what, why);
	if ((strstr(why, path) != NULL && !holds(data, size, path)) ||
	    (strstr(why, "/proc/self/fd") != NULL && !holds(data, size, "/proc/self/fd")))
		fuzz_fail("%s: why shows where the file is: \"%s\"", what, why);
}

static void check_artifact(const struct nsym_artifact *a)
{
	static const char *const kinds[][2] = {{"elf", "build-id"},
	                                       {"elf", "fallback-id"},
	                                       {"macho", "macho-uuid"},
	                                       {"pe", "pe"},
	                                       {"pdb", "pdb"}};
	size_t len = strnlen(a->key, sizeof(a->key));
	char parsed[NSYM_KEY_MAX_HEX + 1];
	bool known = false;

	fuzz_say("artifact %s %s %s %s %s", a->key, a->kind, a->format, a->id_kind, a->arch);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		known |=
		    strcmp(a->format, kinds[i][0]) == 0 && strcmp(a->id_kind, kinds[i][1]) == 0;
	if (!known)
		fuzz_fail("format '%s' with id kind '%s'", a->format, a->id_kind);
	if (strcmp(a->kind, "debuginfo") != 0 && strcmp(a->kind, "executable") != 0)
		fuzz_fail("kind '%s'", a->kind);
	if (a->arch[0] == '\0')
		fuzz_fail("an artifact without an arch");
	fuzz_check_line("an artifact's arch", a->arch);
	if (len == sizeof(a->key) || strspn(a->key, "0123456789abcdef") != len)
		fuzz_fail("key '%.96s' is not lowercase hex", a->key);
	if (strcmp(a->format, "elf") == 0
	        ? len < 2 || len > 128 || len % 2 != 0
	        : nsym_key_parse(parsed, sizeof(parsed), a->key, len) != 0)
		fuzz_fail("no route serves the %s key '%s'", a->format, a->key);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[FUZZ_PATH_MAX], why[256] = "";
	int fd = fuzz_input_open(path, sizeof(path), data, size);
	struct nsym_upload_found found;
	int status, code = 0;

	status = nsym_upload_identify_file(&found, why, sizeof(why), &code, path, NAME);
	if (status != 0) {
		check_why(why, status, path, data, size, "nsym_upload_identify_file");
		goto out;
	}
	if (found.n == 0 || found.n > sizeof(found.a) / sizeof(found.a[0]))
		fuzz_fail("identified with %zu artifacts", found.n);
	for (size_t i = 0; i < found.n; i++)
		check_artifact(&found.a[i]);
	status = nsym_upload_check_file(why, sizeof(why), &code, path, MAX_SECTION);
	if (status != 0)
		check_why(why, status, path, data, size, "nsym_upload_check_file");
out:
	fuzz_input_close(fd);
	return 0;
}
