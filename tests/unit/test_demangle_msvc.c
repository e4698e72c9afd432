/*
 * The MSVC demangler (symbolizer/demangle_msvc.c) against a table of what
 * llvm-undname-16 prints for each name of msvc-names.txt, in full and as
 * llvm-symbolizer asks for it (msvc_names.inc, made by make-msvc-names.sh,
 * so that this runs where LLVM is not installed; tests/cli/undname-test.sh
 * asks llvm-undname itself). Then names cut short and hostile ones: the
 * demangler refuses them without reading past the end, and its named
 * limits on nesting, input and output hold.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "demangle_msvc.h"
#include "napi_symbols.h"
#include "test_util.h"

static const struct {
	const char *mangled, *full, *symbolizer;
} table[] = {
#include "msvc_names.inc"
};

#define NTABLE (sizeof(table) / sizeof(table[0]))

static void check_one(const char *mangled, unsigned flags, const char *want)
{
	char *out = (char *)"untouched";
	int rc = nsym__demangle_msvc(&out, mangled, flags);

	if (want == NULL) {
		ck_assert_msg(rc == NSYM_EINVAL, "%s (flags %u): %d, '%s', llvm-undname refuses it",
		              mangled, flags, rc, rc == 0 ? out : "");
		ck_assert_ptr_null(out);
		return;
	}
	ck_assert_msg(rc == 0, "%s (flags %u): %d, llvm-undname says '%s'", mangled, flags, rc,
	              want);
	ck_assert_msg(strcmp(out, want) == 0, "%s (flags %u): '%s', llvm-undname says '%s'",
	              mangled, flags, out, want);
	free(out);
}

START_TEST(table_agrees_with_llvm_undname)
{
	ck_assert_uint_gt(NTABLE, 400);
	for (size_t i = 0; i < NTABLE; i++) {
		check_one(table[i].mangled, 0, table[i].full);
		check_one(table[i].mangled, NSYM_MSVC_SYMBOLIZER, table[i].symbolizer);
	}
}
END_TEST

/* nsym_demangle hands '?' names over, in llvm-symbolizer's form. */
START_TEST(nsym_demangle_prints_as_llvm_symbolizer)
{
	char *s = nsym_demangle("?cpp@ns@@YAHH@Z");

	ck_assert_str_eq(s, "ns::cpp(int)");
	free(s);
	s = nsym_demangle("?area@Shape@ns@@QEBAHH@Z");
	ck_assert_str_eq(s, "ns::Shape::area(int) const");
	free(s);
	s = nsym_demangle("_ZN2ns3cppEi");
	ck_assert_str_eq(s, "ns::cpp(int)");
	free(s);
	ck_assert_ptr_null(nsym_demangle("?cpp@ns@@YAHH"));
	ck_assert_ptr_null(nsym_demangle("?"));
	ck_assert_ptr_null(nsym_demangle("cpp"));
}
END_TEST

/* Every prefix of every name, from a copy of just that length (ASan sees
 * any read past it): refused or demangled, never anything else. */
START_TEST(names_cut_short_are_refused)
{
	for (size_t i = 0; i < NTABLE; i++) {
		size_t len = strlen(table[i].mangled);

		for (size_t n = 0; n < len; n++) {
			char *cut = malloc(n + 1), *out = NULL;
			int rc;

			ck_assert_ptr_nonnull(cut);
			memcpy(cut, table[i].mangled, n);
			cut[n] = '\0';
			rc = nsym__demangle_msvc(&out, cut, 0);
			ck_assert_msg(rc == 0 || rc == NSYM_EINVAL, "%s: %d", cut, rc);
			ck_assert(rc == 0 ? out != NULL : out == NULL);
			free(out);
			free(cut);
		}
	}
}
END_TEST

static char *repeat(const char *head, const char *piece, size_t times, const char *tail)
{
	size_t n = strlen(head) + strlen(piece) * times + strlen(tail);
	char *s = malloc(n + 1), *p = s;

	ck_assert_ptr_nonnull(s);
	memcpy(p, head, strlen(head));
	p += strlen(head);
	for (size_t i = 0; i < times; i++) {
		memcpy(p, piece, strlen(piece));
		p += strlen(piece);
	}
	memcpy(p, tail, strlen(tail) + 1);
	return s;
}

static int demangle_rc(const char *mangled)
{
	char *out = NULL;
	int rc = nsym__demangle_msvc(&out, mangled, 0);

	ck_assert(rc == 0 ? out != NULL : out == NULL);
	free(out);
	return rc;
}

/* Nesting, input and output each have a named cap: past it the name is
 * refused with NSYM_EUNSUPPORTED (a pointer to a pointer... 400 deep; a
 * name longer than MSVC writes; a short name whose back-references print
 * megabytes), and a name inside them demangles. */
START_TEST(limits_are_named)
{
	char *s = repeat("?f@@YAX", "PEA", 400, "H@Z");

	ck_assert_int_eq(demangle_rc(s), NSYM_EUNSUPPORTED);
	free(s);
	s = repeat("?f@@YAX", "PEA", 20, "H@Z");
	ck_assert_int_eq(demangle_rc(s), 0);
	free(s);
	s = repeat("?f@@YAX", "V?$A@", 400, "");
	ck_assert_int_eq(demangle_rc(s), NSYM_EUNSUPPORTED);
	free(s);
	s = repeat("?", "a", 9000, "@@3HA");
	ck_assert_int_eq(demangle_rc(s), NSYM_EUNSUPPORTED);
	free(s);
	s = repeat("?", "a", 4000, "@@3HA");
	ck_assert_int_eq(demangle_rc(s), 0);
	free(s);
	/* "class B...B" 1000 times over: 4 MB from 5 kB */
	{
		char *body = repeat("?f@@YAXV", "B", 4000, "@@");

		s = repeat(body, "0", 1000, "@Z");
		free(body);
	}
	ck_assert_int_eq(demangle_rc(s), NSYM_EUNSUPPORTED);
	free(s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("demangle_msvc");
	TEST_ADD(s, table_agrees_with_llvm_undname);
	TEST_ADD(s, nsym_demangle_prints_as_llvm_symbolizer);
	TEST_ADD(s, names_cut_short_are_refused);
	TEST_ADD(s, limits_are_named);
	return test_run(s);
}
