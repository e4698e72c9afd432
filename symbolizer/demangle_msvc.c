/*
 * A demangler of the Microsoft C++ decoration scheme ("?f@ns@@YAHH@Z"),
 * printing what llvm-undname prints ("int __cdecl ns::f(int)"), which is
 * what llvm-symbolizer shows for such names. libiberty, the demangler of
 * Debian's C libraries, knows only the Itanium and Rust schemes. The
 * grammar and the output text follow LLVM's MicrosoftDemangle (its
 * documentation and its llvm/test/Demangle/ms-*.test cases); the code here
 * is our own: a recursive-descent parser builds a small tree in an arena,
 * then a printer (demangle_msvc_print.c) walks it, because C declarators
 * print in two halves (the parts before and after the name: "int (__cdecl
 * *f)(int)") and because back-references re-use parsed argument types. Every recursion counts
 * against MS_MAX_DEPTH and the printed text against MS_MAX_OUTPUT, so a
 * hostile name costs bounded stack, memory and time; anything outside the
 * scheme fails with NSYM_EINVAL and the caller keeps the decorated name.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "demangle_msvc.h"
#include "demangle_msvc_tree.h"
#include "napi_symbols.h"

#define MS_MAX_INPUT 8192       /* MSVC hashes names longer than 4096 (??@) */
#define MS_MAX_ARENA (4u << 20) /* bytes of tree per name */
#define MS_MAX_DEPTH 96         /* nesting of types, names and symbols */
#define MS_BACKREFS  10         /* names and argument types: "0" to "9" */
#define MS_CHUNK     8192

struct chunk {
	struct chunk *next;
	size_t used, size;
	max_align_t data[];
};

struct backrefs {
	struct node *names[MS_BACKREFS];
	size_t nnames;
	struct node *params[MS_BACKREFS];
	size_t nparams;
};

/* The parser: a cursor over the name, its arena and back-references. */
struct ms {
	const char *p, *end;
	int err;
	int depth;
	struct chunk *chunks;
	size_t arena_bytes;
	struct backrefs refs;
};

/* How a type's own cv-qualifiers are mangled in front of it. */
enum qmode { QM_DROP, QM_MANGLE, QM_RESULT };

static void fail_as(struct ms *d, int code)
{
	if (d->err == 0)
		d->err = code;
}

static void *fail(struct ms *d)
{
	fail_as(d, NSYM_EINVAL);
	return NULL;
}

static void *arena_alloc(struct ms *d, size_t size)
{
	struct chunk *c = d->chunks;
	void *r;

	size = (size + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	if (c == NULL || c->size - c->used < size) {
		size_t want = size > MS_CHUNK ? size : MS_CHUNK;

		if (d->arena_bytes + want > MS_MAX_ARENA) {
			fail_as(d, NSYM_EUNSUPPORTED);
			return NULL;
		}
		c = malloc(sizeof(*c) + want);
		if (c == NULL) {
			fail_as(d, NSYM_ENOMEM);
			return NULL;
		}
		c->next = d->chunks;
		c->used = 0;
		c->size = want;
		d->chunks = c;
		d->arena_bytes += want;
	}
	r = (char *)c->data + c->used;
	c->used += size;
	memset(r, 0, size);
	return r;
}

static struct node *node_new(struct ms *d, enum kind kind)
{
	struct node *n = arena_alloc(d, sizeof(*n));

	if (n != NULL)
		n->kind = kind;
	return n;
}

static const char *arena_strdup(struct ms *d, const char *s, size_t len)
{
	char *r = arena_alloc(d, len + 1);

	if (r != NULL) {
		memcpy(r, s, len);
		r[len] = '\0';
	}
	return r;
}

/* Appends to a list built in the arena; the old array is left behind. */
static bool list_push(struct ms *d, struct list *l, struct node *n)
{
	/* the capacity is 4, then the next power of two */
	if (l->n == 0 || (l->n >= 4 && (l->n & (l->n - 1)) == 0)) {
		size_t cap = l->n == 0 ? 4 : l->n * 2;
		struct node **v = arena_alloc(d, cap * sizeof(*v));

		if (v == NULL)
			return false;
		if (l->n > 0)
			memcpy(v, l->v, l->n * sizeof(*v));
		l->v = v;
	}
	l->v[l->n++] = n;
	return true;
}

/* ---- the cursor ------------------------------------------------------- */

static bool at_end(const struct ms *d)
{
	return d->p >= d->end;
}

static bool peek(const struct ms *d, char c)
{
	return d->p < d->end && *d->p == c;
}

static bool peek_digit(const struct ms *d)
{
	return d->p < d->end && *d->p >= '0' && *d->p <= '9';
}

static bool starts(const struct ms *d, const char *s)
{
	size_t n = strlen(s);

	return (size_t)(d->end - d->p) >= n && memcmp(d->p, s, n) == 0;
}

static bool eat(struct ms *d, char c)
{
	if (!peek(d, c))
		return false;
	d->p++;
	return true;
}

static bool eat_str(struct ms *d, const char *s)
{
	if (!starts(d, s))
		return false;
	d->p += strlen(s);
	return true;
}

static char next(struct ms *d)
{
	return at_end(d) ? '\0' : *d->p++;
}

static bool enter(struct ms *d)
{
	if (d->err != 0)
		return false;
	if (++d->depth > MS_MAX_DEPTH) {
		d->depth--;
		fail_as(d, NSYM_EUNSUPPORTED);
		return false;
	}
	return true;
}

/*
 * <number> ::= [?] <digit>            # 1 to 10
 *          ::= [?] <hex digit A-P>* @ # 0, or more than 10
 */
static uint64_t parse_number(struct ms *d, bool *neg)
{
	uint64_t v = 0;

	*neg = eat(d, '?');
	if (peek_digit(d))
		return (uint64_t)(*d->p++ - '0') + 1;
	while (!at_end(d)) {
		char c = *d->p++;

		if (c == '@')
			return v;
		if (c < 'A' || c > 'P')
			break;
		v = (v << 4) + (uint64_t)(c - 'A');
	}
	fail(d);
	*neg = false;
	return 0;
}

static uint64_t parse_unsigned(struct ms *d)
{
	bool neg;
	uint64_t v = parse_number(d, &neg);

	if (neg)
		fail(d);
	return v;
}

static int64_t parse_signed(struct ms *d)
{
	bool neg;
	uint64_t v = parse_number(d, &neg);

	if (v > INT64_MAX) {
		fail(d);
		return 0;
	}
	return neg ? -(int64_t)v : (int64_t)v;
}

/* Renders a node into the arena: names that back-references recall. */
static const char *render(struct ms *d, const struct node *n, const char *before, const char *after,
                          size_t *len)
{
	struct ms_out o = {0};
	const char *r = NULL;

	nsym__ms_puts(&o, before);
	nsym__ms_print(&o, n);
	nsym__ms_puts(&o, after);
	if (o.err != 0)
		fail_as(d, o.err);
	else
		r = arena_strdup(d, o.buf == NULL ? "" : o.buf, o.len);
	*len = o.len;
	free(o.buf);
	return r;
}

/* ---- names -------------------------------------------------------------- */

static struct node *parse_symbol(struct ms *d);
static struct node *parse_type(struct ms *d, enum qmode m);
static struct node *parse_func_type(struct ms *d, bool this_quals);
static struct node *parse_fq_type_name(struct ms *d);
static struct node *parse_unqualified_symbol_name(struct ms *d, bool memorize, bool in_type);

static struct node *named(struct ms *d, const char *text, size_t len)
{
	struct node *n = node_new(d, K_NAMED);

	if (n != NULL) {
		n->text = text;
		n->len = len;
	}
	return n;
}

/* The first ten distinct names are remembered for "0" to "9". */
static void memorize(struct ms *d, const char *s, size_t len)
{
	struct node *n;

	if (d->refs.nnames >= MS_BACKREFS)
		return;
	for (size_t i = 0; i < d->refs.nnames; i++) {
		n = d->refs.names[i];
		if (n->len == len && memcmp(n->text, s, len) == 0)
			return;
	}
	n = named(d, s, len);
	if (n != NULL)
		d->refs.names[d->refs.nnames++] = n;
}

static struct node *parse_name_backref(struct ms *d)
{
	size_t i = (size_t)(*d->p - '0');

	if (i >= d->refs.nnames)
		return fail(d);
	d->p++;
	return d->refs.names[i];
}

/* <simple name> ::= <text> @ */
static struct node *parse_simple_name(struct ms *d, bool memo)
{
	const char *at = memchr(d->p, '@', (size_t)(d->end - d->p));

	if (at == NULL || at == d->p)
		return fail(d);
	const char *s = d->p;
	d->p = at + 1;
	if (memo)
		memorize(d, s, (size_t)(at - s));
	return named(d, s, (size_t)(at - s));
}

/* The operators and special members after "?", "?_" and "?__". */
static const char *const basic_ops[36] = {
    NULL,         NULL,          "operator new", "operator delete", "operator=",  "operator>>",
    "operator<<", "operator!",   "operator==",   "operator!=",      "operator[]", NULL,
    "operator->", "operator*",   "operator++",   "operator--",      "operator-",  "operator+",
    "operator&",  "operator->*", "operator/",    "operator%",       "operator<",  "operator<=",
    "operator>",  "operator>=",  "operator,",    "operator()",      "operator~",  "operator^",
    "operator|",  "operator&&",  "operator||",   "operator*=",      "operator+=", "operator-=",
};

static const char *const under_ops[36] = {
    "operator/=",
    "operator%=",
    "operator>>=",
    "operator<<=",
    "operator&=",
    "operator|=",
    "operator^=",
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    "`vbase dtor'",
    "`vector deleting dtor'",
    "`default ctor closure'",
    "`scalar deleting dtor'",
    "`vector ctor iterator'",
    "`vector dtor iterator'",
    "`vector vbase ctor iterator'",
    "`virtual displacement map'",
    "`eh vector ctor iterator'",
    "`eh vector dtor iterator'",
    "`eh vector vbase ctor iterator'",
    "`copy ctor closure'",
    NULL,
    NULL,
    NULL,
    NULL,
    "`local vftable ctor closure'",
    "operator new[]",
    "operator delete[]",
    NULL,
    NULL,
    NULL,
    NULL,
};

static const char *const double_under_ops[36] = {
    [10] = "`managed vector ctor iterator'",
    [11] = "`managed vector dtor iterator'",
    [12] = "`EH vector copy ctor iterator'",
    [13] = "`EH vector vbase copy ctor iterator'",
    [16] = "`vector copy ctor iterator'",
    [17] = "`vector vbase copy constructor iterator'",
    [18] = "`managed vector vbase copy constructor iterator'",
    [21] = "operator co_await",
    [22] = "operator<=>",
};

/* <operator name> ::= ? <code> | ?_ <code> | ?__ <code> */
static struct node *parse_operator_name(struct ms *d)
{
	const char *const *table = basic_ops;
	struct node *n;
	char c;
	int i;

	d->p++; /* '?' */
	if (at_end(d))
		return fail(d);
	if (eat_str(d, "__"))
		table = double_under_ops;
	else if (eat(d, '_'))
		table = under_ops;
	c = next(d);
	if (table == basic_ops && (c == '0' || c == '1')) {
		n = node_new(d, K_STRUCTOR);
		if (n != NULL)
			n->dtor = c == '1';
		return n;
	}
	if (table == basic_ops && c == 'B')
		return node_new(d, K_CONVERSION);
	if (table == double_under_ops && c == 'K') {
		struct node *lit = parse_simple_name(d, false);

		if (lit == NULL)
			return NULL;
		lit->kind = K_LITERAL_OP;
		return lit;
	}
	if (c >= '0' && c <= '9')
		i = c - '0';
	else if (c >= 'A' && c <= 'Z')
		i = c - 'A' + 10;
	else
		return fail(d);
	/* Codes without an operator print as nothing, as llvm-undname does. */
	return named(d, table[i] == NULL ? "" : table[i], table[i] == NULL ? 0 : strlen(table[i]));
}

static bool parse_template_args(struct ms *d, struct node *ident);

/* <template name> ::= ?$ <unqualified name> <template args> @ */
static struct node *parse_template_name(struct ms *d, bool in_type)
{
	struct backrefs outer = d->refs;
	struct node *ident;
	const char *text;
	size_t len;

	if (!enter(d))
		return NULL;
	d->p += 2; /* "?$" */
	memset(&d->refs, 0, sizeof(d->refs));
	ident = parse_unqualified_symbol_name(d, true, false);
	if (ident != NULL && !parse_template_args(d, ident))
		ident = NULL;
	d->refs = outer;
	d->depth--;
	if (ident == NULL || !in_type)
		return ident;
	/* Scopes and types: remembered whole ("A<int>") for back-references;
	 * a constructor or conversion cannot be one. */
	if (ident->kind == K_STRUCTOR || ident->kind == K_CONVERSION)
		return fail(d);
	text = render(d, ident, "", "", &len);
	if (text == NULL)
		return NULL;
	memorize(d, text, len);
	return ident;
}

/* The name of a function or variable itself (the innermost component). */
static struct node *parse_unqualified_symbol_name(struct ms *d, bool memo, bool in_type)
{
	if (peek_digit(d))
		return parse_name_backref(d);
	if (starts(d, "?$"))
		return parse_template_name(d, in_type);
	if (peek(d, '?'))
		return parse_operator_name(d);
	return parse_simple_name(d, memo);
}

static struct node *parse_unqualified_type_name(struct ms *d)
{
	if (peek_digit(d))
		return parse_name_backref(d);
	if (starts(d, "?$"))
		return parse_template_name(d, true);
	return parse_simple_name(d, true);
}

/* "?1?" or "?BA@?": a scope inside a function, numbered. */
static bool local_scope_ahead(const struct ms *d)
{
	const char *s = d->p + 1, *q;

	if (!peek(d, '?'))
		return false;
	q = memchr(s, '?', (size_t)(d->end - s));
	if (q == NULL || q == s)
		return false;
	if (q - s == 1)
		return *s == '@' || (*s >= '0' && *s <= '9');
	if (q[-1] != '@' || *s < 'B' || *s > 'P')
		return false;
	for (s++; s < q - 1; s++)
		if (*s < 'A' || *s > 'P')
			return false;
	return true;
}

/* `f'::`2': the enclosing function, then the scope's number. */
static struct node *parse_local_scope(struct ms *d)
{
	struct node *scope, *n;
	char num[24];
	size_t i = sizeof(num), len;
	const char *text;
	bool neg;
	uint64_t v;

	d->p++; /* '?' */
	v = parse_number(d, &neg);
	eat(d, '?');
	scope = parse_symbol(d);
	if (scope == NULL)
		return NULL;
	num[--i] = '\0';
	num[--i] = '\'';
	do {
		num[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	/* "'::`" goes in front of the digits */
	{
		char after[32] = "'::`";

		memcpy(after + 4, num + i, sizeof(num) - i);
		text = render(d, scope, "`", after, &len);
	}
	if (text == NULL)
		return NULL;
	n = named(d, text, len);
	return n;
}

static struct node *parse_scope_piece(struct ms *d)
{
	struct node *n;
	const char *at;

	if (!enter(d))
		return NULL;
	if (peek_digit(d)) {
		n = parse_name_backref(d);
	} else if (starts(d, "?$")) {
		n = parse_template_name(d, true);
	} else if (starts(d, "?A")) {
		d->p += 2;
		at = memchr(d->p, '@', (size_t)(d->end - d->p));
		if (at == NULL) {
			n = fail(d);
		} else {
			memorize(d, d->p, (size_t)(at - d->p));
			d->p = at + 1;
			n = named(d, "`anonymous namespace'", strlen("`anonymous namespace'"));
		}
	} else if (local_scope_ahead(d)) {
		n = parse_local_scope(d);
	} else {
		n = parse_simple_name(d, true);
	}
	d->depth--;
	return n;
}

/* <scope chain> ::= <piece>* @ ; pieces run from the inside out. */
static struct node *parse_scope_chain(struct ms *d, struct node *ident)
{
	struct node *q = node_new(d, K_QNAME);
	struct list rev = {0};

	if (q == NULL || ident == NULL || !list_push(d, &rev, ident))
		return NULL;
	while (!eat(d, '@')) {
		struct node *piece;

		if (at_end(d))
			return fail(d);
		piece = parse_scope_piece(d);
		if (piece == NULL || !list_push(d, &rev, piece))
			return NULL;
	}
	for (size_t i = rev.n; i-- > 0;)
		if (!list_push(d, &q->list, rev.v[i]))
			return NULL;
	return q;
}

static struct node *parse_fq_type_name(struct ms *d)
{
	struct node *ident = parse_unqualified_type_name(d);

	return ident == NULL ? NULL : parse_scope_chain(d, ident);
}

static struct node *parse_fq_symbol_name(struct ms *d)
{
	struct node *ident = parse_unqualified_symbol_name(d, true, false);
	struct node *q;

	if (ident == NULL)
		return NULL;
	q = parse_scope_chain(d, ident);
	if (q == NULL)
		return NULL;
	if (ident->kind == K_STRUCTOR) {
		if (q->list.n < 2)
			return fail(d);
		ident->name = q->list.v[q->list.n - 2];
	}
	return q;
}

/* ---- types -------------------------------------------------------------- */

/* cv-qualifiers: A-D of a value, Q-T of a member. */
static unsigned parse_quals(struct ms *d, bool *member)
{
	static const unsigned cv[4] = {0, Q_CONST, Q_VOLATILE, Q_CONST | Q_VOLATILE};
	char c = next(d);

	if (c >= 'A' && c <= 'D') {
		*member = false;
		return cv[c - 'A'];
	}
	if (c >= 'Q' && c <= 'T') {
		*member = true;
		return cv[c - 'Q'];
	}
	*member = false;
	fail(d);
	return 0;
}

static unsigned parse_ext_quals(struct ms *d)
{
	unsigned q = 0;

	if (eat(d, 'E'))
		q |= Q_PTR64;
	if (eat(d, 'I'))
		q |= Q_RESTRICT;
	if (eat(d, 'F'))
		q |= Q_UNALIGNED;
	return q;
}

static enum callconv parse_callconv(struct ms *d)
{
	if (at_end(d)) {
		fail(d);
		return CC_NONE;
	}
	switch (next(d)) {
	case 'A':
	case 'B':
		return CC_CDECL;
	case 'C':
	case 'D':
		return CC_PASCAL;
	case 'E':
	case 'F':
		return CC_THISCALL;
	case 'G':
	case 'H':
		return CC_STDCALL;
	case 'I':
	case 'J':
		return CC_FASTCALL;
	case 'M':
	case 'N':
		return CC_CLRCALL;
	case 'O':
	case 'P':
		return CC_EABI;
	case 'Q':
		return CC_VECTORCALL;
	case 'S':
		return CC_SWIFT;
	case 'W':
		return CC_SWIFT_ASYNC;
	default:
		return CC_NONE;
	}
}

static struct node *prim(struct ms *d, const char *text)
{
	struct node *n = node_new(d, K_PRIM);

	if (n != NULL) {
		n->text = text;
		n->len = strlen(text);
	}
	return n;
}

static struct node *parse_primitive(struct ms *d)
{
	static const char *const plain[26] = {
	    ['C' - 'A'] = "signed char",    ['D' - 'A'] = "char",
	    ['E' - 'A'] = "unsigned char",  ['F' - 'A'] = "short",
	    ['G' - 'A'] = "unsigned short", ['H' - 'A'] = "int",
	    ['I' - 'A'] = "unsigned int",   ['J' - 'A'] = "long",
	    ['K' - 'A'] = "unsigned long",  ['M' - 'A'] = "float",
	    ['N' - 'A'] = "double",         ['O' - 'A'] = "long double",
	    ['X' - 'A'] = "void",
	};
	static const char *const under[26] = {
	    ['N' - 'A'] = "bool",     ['J' - 'A'] = "__int64", ['K' - 'A'] = "unsigned __int64",
	    ['W' - 'A'] = "wchar_t",  ['Q' - 'A'] = "char8_t", ['S' - 'A'] = "char16_t",
	    ['U' - 'A'] = "char32_t",
	};
	const char *const *table = plain;
	char c;

	if (eat_str(d, "$$T"))
		return prim(d, "std::nullptr_t");
	if (eat(d, '_'))
		table = under;
	c = next(d);
	if (c < 'A' || c > 'Z' || table[c - 'A'] == NULL)
		return fail(d);
	return prim(d, table[c - 'A']);
}

/* <tag type> ::= T|U|V|W4 <fully qualified name> */
static struct node *parse_tag(struct ms *d)
{
	struct node *n = node_new(d, K_TAG);
	char c = next(d);

	if (n == NULL)
		return NULL;
	n->text = c == 'T' ? "union" : c == 'U' ? "struct" : c == 'V' ? "class" : "enum";
	if (c == 'W' && !eat(d, '4'))
		return fail(d);
	n->name = parse_fq_type_name(d);
	return n->name == NULL ? NULL : n;
}

/* Whether the pointer ahead points to a member: its pointee has Q-T
 * qualifiers or is a member function ("8"). */
static bool member_pointer_ahead(struct ms *d, bool *bad)
{
	const char *s = d->p + 1, *e = d->end;

	*bad = false;
	if (*d->p == '$' || *d->p == 'A')
		return false;
	if (s < e && *s >= '0' && *s <= '9') {
		if (*s != '6' && *s != '8')
			*bad = true;
		return *s == '8';
	}
	if (s < e && *s == 'E')
		s++;
	if (s < e && *s == 'I')
		s++;
	if (s < e && *s == 'F')
		s++;
	if (s >= e) {
		*bad = true;
		return false;
	}
	if (*s >= 'A' && *s <= 'D')
		return false;
	if (*s >= 'Q' && *s <= 'T')
		return true;
	*bad = true;
	return false;
}

/* & && * *const *volatile *const volatile */
static void parse_pointer_cv(struct ms *d, struct node *p)
{
	if (eat_str(d, "$$Q")) {
		p->aff = AFF_RVALUE;
		return;
	}
	switch (next(d)) {
	case 'A':
		p->aff = AFF_REFERENCE;
		break;
	case 'P':
		p->aff = AFF_POINTER;
		break;
	case 'Q':
		p->aff = AFF_POINTER;
		p->quals = Q_CONST;
		break;
	case 'R':
		p->aff = AFF_POINTER;
		p->quals = Q_VOLATILE;
		break;
	default: /* 'S' */
		p->aff = AFF_POINTER;
		p->quals = Q_CONST | Q_VOLATILE;
		break;
	}
}

static struct node *parse_pointer(struct ms *d, bool member)
{
	struct node *p = node_new(d, K_POINTER);

	if (p == NULL)
		return NULL;
	parse_pointer_cv(d, p);
	if (!member && eat(d, '6')) {
		p->type = parse_func_type(d, false);
		return p->type == NULL ? NULL : p;
	}
	p->quals |= parse_ext_quals(d);
	if (!member) {
		p->type = parse_type(d, QM_MANGLE);
		return p->type == NULL ? NULL : p;
	}
	if (eat(d, '8')) {
		p->inner = parse_fq_type_name(d);
		if (p->inner == NULL)
			return NULL;
		p->type = parse_func_type(d, true);
		return p->type == NULL ? NULL : p;
	}
	bool is_member;
	unsigned quals = parse_quals(d, &is_member);

	if (d->err != 0)
		return NULL;
	p->inner = parse_fq_type_name(d);
	if (p->inner == NULL)
		return NULL;
	p->type = parse_type(d, QM_DROP);
	if (p->type == NULL)
		return NULL;
	p->type->quals = quals;
	return p;
}

/* <array> ::= Y <rank> <dimension>* [$$C <quals>] <element type> */
static struct node *parse_array(struct ms *d)
{
	struct node *a = node_new(d, K_ARRAY);
	uint64_t rank;
	bool neg;

	if (a == NULL)
		return NULL;
	d->p++; /* 'Y' */
	rank = parse_number(d, &neg);
	if (d->err != 0 || neg || rank == 0)
		return fail(d);
	for (uint64_t i = 0; i < rank; i++) {
		struct node *dim = node_new(d, K_INT);

		if (dim == NULL)
			return NULL;
		dim->num = parse_number(d, &neg);
		if (d->err != 0 || neg)
			return fail(d);
		if (!list_push(d, &a->list, dim))
			return NULL;
	}
	if (eat_str(d, "$$C")) {
		bool member;

		a->quals = parse_quals(d, &member);
		if (member)
			return fail(d);
	}
	a->type = parse_type(d, QM_DROP);
	return a->type == NULL ? NULL : a;
}

static struct node *parse_custom(struct ms *d)
{
	struct node *n = node_new(d, K_CUSTOM);

	if (n == NULL)
		return NULL;
	d->p++; /* '?' */
	n->name = parse_unqualified_type_name(d);
	if (n->name == NULL)
		return NULL;
	if (!eat(d, '@'))
		return fail(d);
	return n;
}

static struct node *parse_type_body(struct ms *d, enum qmode m)
{
	unsigned quals = 0;
	bool member = false, bad;
	struct node *t;
	char c;

	if (m == QM_MANGLE || (m == QM_RESULT && eat(d, '?')))
		quals = parse_quals(d, &member);
	if (d->err != 0 || at_end(d))
		return fail(d);
	c = *d->p;
	if (c == 'T' || c == 'U' || c == 'V' || c == 'W') {
		t = parse_tag(d);
	} else if (starts(d, "$$Q") || c == 'A' || c == 'P' || c == 'Q' || c == 'R' || c == 'S') {
		member = member_pointer_ahead(d, &bad);
		if (bad)
			return fail(d);
		t = parse_pointer(d, member);
	} else if (c == 'Y') {
		t = parse_array(d);
	} else if (eat_str(d, "$$A8@@")) {
		t = parse_func_type(d, true);
	} else if (eat_str(d, "$$A6")) {
		t = parse_func_type(d, false);
	} else if (c == '?') {
		t = parse_custom(d);
	} else {
		t = parse_primitive(d);
	}
	if (t == NULL || d->err != 0)
		return NULL;
	t->quals |= quals;
	return t;
}

static struct node *parse_type(struct ms *d, enum qmode m)
{
	struct node *t;

	if (!enter(d))
		return NULL;
	t = parse_type_body(d, m);
	d->depth--;
	return t;
}

/* <parameters> ::= X | <type or back-reference>+ @ | <type>* Z (variadic) */
static bool parse_params(struct ms *d, struct node *f)
{
	if (eat(d, 'X'))
		return true;
	f->has_list = true;
	while (!peek(d, '@') && !peek(d, 'Z')) {
		struct node *t;

		if (peek_digit(d)) {
			size_t i = (size_t)(*d->p - '0');

			if (i >= d->refs.nparams) {
				fail(d);
				return false;
			}
			d->p++;
			t = d->refs.params[i];
		} else {
			const char *before = d->p;

			t = parse_type(d, QM_DROP);
			if (t == NULL)
				return false;
			/* one-letter types are not worth a back-reference */
			if (d->refs.nparams < MS_BACKREFS && d->p - before > 1)
				d->refs.params[d->refs.nparams++] = t;
		}
		if (!list_push(d, &f->list, t))
			return false;
	}
	if (eat(d, 'Z'))
		f->variadic = true;
	else
		d->p++; /* '@' */
	return true;
}

/* <function type> ::= [<this quals>] <callconv> <return type or @> <params> <throw> */
static struct node *parse_func_type(struct ms *d, bool this_quals)
{
	struct node *f = node_new(d, K_FUNC);
	bool member;

	if (f == NULL)
		return NULL;
	if (this_quals) {
		f->quals = parse_ext_quals(d);
		if (eat(d, 'G'))
			f->refq = '&';
		else if (eat(d, 'H'))
			f->refq = 'R';
		f->quals |= parse_quals(d, &member);
	}
	f->cc = parse_callconv(d);
	if (d->err != 0)
		return NULL;
	if (!eat(d, '@')) { /* constructors and destructors return nothing */
		f->type = parse_type(d, QM_RESULT);
		if (f->type == NULL)
			return NULL;
	}
	if (!parse_params(d, f))
		return NULL;
	if (eat_str(d, "_E"))
		f->noexcept = true;
	else if (!eat(d, 'Z'))
		return fail(d);
	return d->err != 0 ? NULL : f;
}

/* ---- template arguments ------------------------------------------------- */

static bool offsets(struct ms *d, struct node *n, int count)
{
	for (int i = 0; i < count; i++)
		n->off[n->noff++] = parse_signed(d);
	return d->err == 0;
}

static struct node *parse_template_arg(struct ms *d)
{
	struct node *n;

	/* NEEDSWORK: "$M" (auto, C++17) is refused as llvm-undname 16 does. */
	if (eat_str(d, "$$Y"))
		return parse_fq_type_name(d);
	if (eat_str(d, "$$B"))
		return parse_type(d, QM_DROP);
	if (eat_str(d, "$$C"))
		return parse_type(d, QM_MANGLE);
	if (starts(d, "$1") || starts(d, "$H") || starts(d, "$I") || starts(d, "$J")) {
		/* a pointer to a function or member; H, I, J add offsets */
		char how;

		n = node_new(d, K_TPREF);
		if (n == NULL)
			return NULL;
		d->p++;
		how = next(d);
		if (peek(d, '?')) {
			struct node *id;
			const char *text;
			size_t len;

			n->inner = parse_symbol(d);
			if (n->inner == NULL || n->inner->name == NULL)
				return fail(d);
			id = n->inner->name->list.v[n->inner->name->list.n - 1];
			text = render(d, id, "", "", &len);
			if (text == NULL)
				return NULL;
			memorize(d, text, len);
		}
		if (!offsets(d, n, how == 'J' ? 3 : how == 'I' ? 2 : how == 'H' ? 1 : 0))
			return NULL;
		n->aff = AFF_POINTER;
		return n;
	}
	if (starts(d, "$E?")) {
		d->p += 2;
		n = node_new(d, K_TPREF);
		if (n == NULL)
			return NULL;
		n->inner = parse_symbol(d);
		n->aff = AFF_REFERENCE;
		return n->inner == NULL ? NULL : n;
	}
	if (starts(d, "$F") || starts(d, "$G")) {
		/* a pointer to a data member: F and G give its offsets */
		char how;

		n = node_new(d, K_TPREF);
		if (n == NULL)
			return NULL;
		d->p++;
		how = next(d);
		return offsets(d, n, how == 'G' ? 3 : 2) ? n : NULL;
	}
	if (eat_str(d, "$0")) {
		n = node_new(d, K_INT);
		if (n == NULL)
			return NULL;
		n->num = parse_number(d, &n->neg);
		return d->err != 0 ? NULL : n;
	}
	return parse_type(d, QM_DROP);
}

/* <template args> ::= <arg>* @ ; pack separators print nothing */
static bool parse_template_args(struct ms *d, struct node *ident)
{
	ident->has_list = true;
	while (!peek(d, '@')) {
		struct node *arg;

		if (eat_str(d, "$S") || eat_str(d, "$$V") || eat_str(d, "$$$V") ||
		    eat_str(d, "$$Z"))
			continue;
		arg = parse_template_arg(d);
		if (arg == NULL || !list_push(d, &ident->list, arg))
			return false;
	}
	d->p++;
	return true;
}

/* ---- symbols ------------------------------------------------------------ */

static unsigned parse_function_class(struct ms *d)
{
	/* A-X: private, protected, public in groups of eight: plain, far,
	 * static, static far, virtual, virtual far, adjustor, adjustor far */
	static const unsigned group[8] = {
	    0,          FC_FAR,
	    FC_STATIC,  FC_STATIC | FC_FAR,
	    FC_VIRTUAL, FC_VIRTUAL | FC_FAR,
	    FC_ADJUST,  FC_ADJUST | FC_FAR,
	};
	static const unsigned access[3] = {FC_PRIVATE, FC_PROTECTED, FC_PUBLIC};
	char c = next(d);

	if (c >= 'A' && c <= 'X') {
		unsigned fc = access[(c - 'A') / 8] | group[(c - 'A') % 8];

		/* protected and public adjustors are virtual */
		if ((fc & FC_ADJUST) && !(fc & FC_PRIVATE))
			fc |= FC_VIRTUAL;
		return fc;
	}
	if (c == 'Y')
		return FC_GLOBAL;
	if (c == 'Z')
		return FC_GLOBAL | FC_FAR;
	if (c == '9')
		return FC_EXTERN_C | FC_NO_PARAMS;
	if (c == '$') {
		unsigned fc = FC_VTORDISP | FC_VIRTUAL;

		if (eat(d, 'R'))
			fc |= FC_VTORDISPEX;
		c = next(d);
		if (c >= '0' && c <= '5')
			return fc | access[(c - '0') / 2] | ((c - '0') % 2 ? FC_FAR : 0);
	}
	fail(d);
	return FC_PUBLIC;
}

static struct node *parse_function_encoding(struct ms *d)
{
	unsigned fc = eat_str(d, "$$J0") ? FC_EXTERN_C : 0;
	struct node *s = node_new(d, K_FUNC_SYM), *f;
	int64_t off[4];
	int noff = 0;

	if (s == NULL)
		return NULL;
	if (at_end(d))
		return fail(d);
	fc |= parse_function_class(d);
	if (fc & FC_ADJUST) {
		off[noff++] = parse_signed(d);
	} else if (fc & FC_VTORDISP) {
		if (fc & FC_VTORDISPEX) {
			off[noff++] = parse_signed(d);
			off[noff++] = parse_signed(d);
		}
		off[noff++] = parse_signed(d);
		off[noff++] = parse_signed(d);
	}
	if (d->err != 0)
		return NULL;
	if (fc & FC_NO_PARAMS)
		f = node_new(d, K_FUNC);
	else
		f = parse_func_type(d, !(fc & (FC_GLOBAL | FC_STATIC)));
	if (f == NULL)
		return NULL;
	f->fc = fc;
	f->thunk = (fc & (FC_ADJUST | FC_VTORDISP)) != 0;
	memcpy(f->off, off, sizeof(off));
	f->noff = noff;
	s->type = f;
	return s;
}

/* <variable> ::= <storage class 0-4> <type> <cv of it or its pointee> */
static struct node *parse_variable(struct ms *d)
{
	struct node *v = node_new(d, K_VAR_SYM), *t;
	bool member;

	if (v == NULL)
		return NULL;
	v->num = (uint64_t)(next(d) - '0') + SC_PRIVATE;
	t = v->type = parse_type(d, QM_DROP);
	if (t == NULL)
		return NULL;
	if (t->kind == K_POINTER) {
		unsigned extra;

		t->quals |= parse_ext_quals(d);
		extra = parse_quals(d, &member);
		if (d->err != 0)
			return NULL;
		if (t->inner != NULL && parse_fq_type_name(d) == NULL)
			return NULL;
		t->type->quals |= extra;
	} else {
		t->quals = parse_quals(d, &member);
	}
	return d->err != 0 ? NULL : v;
}

/* <declarator> ::= <fully qualified name> (<variable> | <function>) */
static struct node *parse_declarator(struct ms *d)
{
	struct node *q = parse_fq_symbol_name(d), *s, *ident;

	if (q == NULL)
		return NULL;
	if (at_end(d))
		return fail(d);
	if (*d->p >= '0' && *d->p <= '4')
		s = parse_variable(d);
	else
		s = parse_function_encoding(d);
	if (s == NULL)
		return NULL;
	s->name = q;
	ident = q->list.v[q->list.n - 1];
	if (ident->kind == K_CONVERSION) {
		/* "operator int": the target is the return type */
		if (s->kind != K_FUNC_SYM || s->type->type == NULL)
			return fail(d);
		ident->type = s->type->type;
	}
	return s;
}

static struct node *qname_of(struct ms *d, struct node *ident)
{
	struct node *q = node_new(d, K_QNAME);

	if (q == NULL || ident == NULL || !list_push(d, &q->list, ident))
		return NULL;
	return q;
}

static struct node *named_str(struct ms *d, const char *s)
{
	return named(d, s, strlen(s));
}

/* ??_7 vftable, ??_8 vbtable, ??_S local vftable, ??_R4 locator:
 * <name> 6|7 <quals> (@ | <fully qualified name>) */
static struct node *parse_table(struct ms *d, const char *what)
{
	struct node *s = node_new(d, K_TABLE_SYM);
	bool member;
	char c;

	if (s == NULL)
		return NULL;
	s->name = parse_scope_chain(d, named_str(d, what));
	if (s->name == NULL)
		return NULL;
	c = next(d);
	if (c != '6' && c != '7')
		return fail(d);
	s->quals = parse_quals(d, &member);
	/* one base it is for, as llvm-undname 16 reads it (later ones read
	 * every name up to '@') */
	if (d->err == 0 && !eat(d, '@')) {
		struct node *target = parse_fq_type_name(d);

		if (target == NULL || !list_push(d, &s->list, target))
			return NULL;
	}
	s->has_list = s->list.n > 0;
	return d->err != 0 ? NULL : s;
}

/* ---- string literals ---------------------------------------------------- */

static unsigned hexval(char c)
{
	return (unsigned)(c - 'A');
}

/* One byte of a string literal's text. */
static unsigned parse_char(struct ms *d)
{
	static const char digits[] = ",/\\:. \n\t'-";
	char c = next(d);

	if (c != '?')
		return (unsigned char)c;
	c = next(d);
	if (c == '$') {
		if (d->end - d->p < 2 || d->p[0] < 'A' || d->p[0] > 'P' || d->p[1] < 'A' ||
		    d->p[1] > 'P') {
			fail(d);
			return 0;
		}
		d->p += 2;
		return hexval(d->p[-2]) << 4 | hexval(d->p[-1]);
	}
	if (c >= '0' && c <= '9')
		return (unsigned char)digits[c - '0'];
	if (c >= 'a' && c <= 'z')
		return 0xe1u + (unsigned)(c - 'a');
	if (c >= 'A' && c <= 'Z')
		return 0xc1u + (unsigned)(c - 'A');
	fail(d);
	return 0;
}

/* A character as C source writes it inside "...". */
static void put_escaped(struct ms_out *o, unsigned c)
{
	static const struct {
		unsigned c;
		const char *text;
	} esc[] = {{0, "\\0"},    {'\'', "\\'"}, {'"', "\\\""}, {'\\', "\\\\"},
	           {'\a', "\\a"}, {'\b', "\\b"}, {'\f', "\\f"}, {'\n', "\\n"},
	           {'\r', "\\r"}, {'\t', "\\t"}, {'\v', "\\v"}};
	char hex[12];
	size_t i = sizeof(hex);

	for (size_t k = 0; k < sizeof(esc) / sizeof(esc[0]); k++) {
		if (esc[k].c == c) {
			nsym__ms_puts(o, esc[k].text);
			return;
		}
	}
	if (c > 0x1f && c < 0x7f) {
		char ch = (char)c;

		nsym__ms_put(o, &ch, 1);
		return;
	}
	/* \x and pairs of upper-case digits */
	while (c != 0) {
		for (int k = 0; k < 2; k++) {
			hex[--i] = "0123456789ABCDEF"[c % 16];
			c /= 16;
		}
	}
	nsym__ms_put(o, "\\x", 2);
	nsym__ms_put(o, hex + i, sizeof(hex) - i);
}

/* The literal keeps only its first 32 bytes; which type of character they
 * are is guessed from its length and NULs, as llvm-undname guesses. */
static unsigned guess_char_size(const unsigned char *b, size_t n, uint64_t total)
{
	size_t nuls = 0, trailing = 0;

	if (total % 2 == 1)
		return 1;
	if (total < 32) {
		while (trailing < n && b[n - 1 - trailing] == 0)
			trailing++;
		if (trailing >= 4 && total % 4 == 0)
			return 4;
		return trailing >= 2 ? 2 : 1;
	}
	for (size_t i = 0; i < n; i++)
		nuls += b[i] == 0;
	if (nuls >= 2 * n / 3 && total % 4 == 0)
		return 4;
	return nuls >= n / 3 ? 2 : 1;
}

/* ??_C@_ <0|1 wide> <length> <crc> @ <characters> @ */
static struct node *parse_string_literal(struct ms *d)
{
	struct node *s = node_new(d, K_STRING_SYM);
	struct ms_out o = {0};
	unsigned char bytes[128];
	size_t n = 0;
	uint64_t size;
	bool wide, neg;
	const char *at;

	if (s == NULL)
		return NULL;
	if (!eat_str(d, "@_") || at_end(d))
		return fail(d);
	wide = next(d) == '1';
	if (!wide && d->p[-1] != '0')
		return fail(d);
	size = parse_number(d, &neg);
	if (d->err != 0 || neg || size < (wide ? 2u : 1u))
		return fail(d);
	at = memchr(d->p, '@', (size_t)(d->end - d->p));
	if (at == NULL || at + 1 >= d->end)
		return fail(d);
	d->p = at + 1; /* the CRC */
	if (wide) {
		s->num = 1;
		s->truncated = size > 64;
		while (d->err == 0 && !eat(d, '@')) {
			unsigned hi, lo;

			if (size % 2 != 0 || size == 0 || d->end - d->p < 2) {
				fail(d);
				goto out;
			}
			hi = parse_char(d);
			if (at_end(d)) {
				fail(d);
				goto out;
			}
			lo = parse_char(d);
			if (size != 2 || s->truncated)
				put_escaped(&o, hi << 8 | lo);
			size -= 2;
		}
	} else {
		unsigned width;

		while (d->err == 0 && !eat(d, '@')) {
			if (at_end(d) || n >= sizeof(bytes)) {
				fail(d);
				goto out;
			}
			bytes[n++] = (unsigned char)parse_char(d);
		}
		if (d->err != 0)
			goto out;
		s->truncated = size > n;
		width = guess_char_size(bytes, n, size);
		s->num = width == 1 ? 0 : width == 2 ? 2 : 3;
		for (size_t i = 0; i < n / width; i++) {
			unsigned c = 0;

			for (unsigned k = 0; k < width; k++)
				c |= (unsigned)bytes[i * width + k] << (8 * k);
			if (i + 1 < n / width || s->truncated)
				put_escaped(&o, c);
		}
	}
	if (o.err != 0)
		fail_as(d, o.err);
out: /* o.buf holds what was printed so far */
	if (d->err == 0) {
		s->len = o.len;
		s->text = arena_strdup(d, o.buf == NULL ? "" : o.buf, o.len);
	}
	free(o.buf);
	return d->err != 0 ? NULL : s;
}

/* ---- special names ------------------------------------------------------ */

/* A name with numbers in it: before, v[0], ", ", v[1]..., after. fmt
 * says how each prints, as llvm-undname keeps them: 'u' 64 bits, 'U' the
 * low 32 bits, 'I' those signed. */
static struct node *numbered_name(struct ms *d, const char *before, const uint64_t *v,
                                  const char *fmt, const char *after)
{
	struct ms_out o = {0};
	struct node *r = NULL;

	nsym__ms_puts(&o, before);
	for (size_t i = 0; fmt[i] != '\0'; i++) {
		if (i > 0)
			nsym__ms_puts(&o, ", ");
		nsym__ms_put_number(&o, v[i], fmt[i]);
	}
	nsym__ms_puts(&o, after);
	if (o.err != 0)
		fail_as(d, o.err);
	else
		r = named(d, arena_strdup(d, o.buf, o.len), o.len);
	free(o.buf);
	return r;
}

/* ??__E / ??__F: the dynamic initializer or atexit destructor of a
 * variable ("?" first when it is a static data member) or a function. */
static struct node *parse_dynamic(struct ms *d, bool dtor)
{
	struct node *dyn = node_new(d, K_DYNAMIC), *s, *f;
	bool member = eat(d, '?');

	if (dyn == NULL)
		return NULL;
	dyn->dtor = dtor;
	s = parse_declarator(d);
	if (s == NULL)
		return NULL;
	if (s->kind == K_VAR_SYM) {
		dyn->inner = s;
		/* older clang wrote one '@' where two belong */
		for (int i = 0; i < (member ? 2 : 1); i++)
			if (!eat(d, '@'))
				return fail(d);
		f = parse_function_encoding(d);
		if (f == NULL)
			return NULL;
	} else {
		if (member)
			return fail(d);
		f = s;
		dyn->name = s->name;
	}
	f->name = qname_of(d, dyn);
	return f->name == NULL ? NULL : f;
}

static struct node *parse_special(struct ms *d)
{
	struct node *s, *id, *id2;
	const char *text;
	uint64_t v[4];

	if (eat_str(d, "?_7"))
		return parse_table(d, "`vftable'");
	if (eat_str(d, "?_8"))
		return parse_table(d, "`vbtable'");
	if (eat_str(d, "?_S"))
		return parse_table(d, "`local vftable'");
	if (eat_str(d, "?_R4"))
		return parse_table(d, "`RTTI Complete Object Locator'");
	if (eat_str(d, "?_C"))
		return parse_string_literal(d);
	if (eat_str(d, "?_9")) {
		/* a vcall thunk: <name> $B <offset> A <callconv> */
		struct node *f = node_new(d, K_FUNC);

		s = node_new(d, K_FUNC_SYM);
		if (f == NULL || s == NULL)
			return NULL;
		f->fc = FC_NO_PARAMS;
		f->thunk = true;
		s->type = f;
		id = named(d, NULL, 0);
		s->name = parse_scope_chain(d, id);
		if (s->name == NULL || !eat_str(d, "$B"))
			return fail(d);
		v[0] = parse_unsigned(d);
		if (d->err != 0 || !eat(d, 'A'))
			return fail(d);
		f->cc = parse_callconv(d);
		s = d->err != 0 ? NULL : s;
		if (s != NULL) {
			id2 = numbered_name(d, "`vcall'{", v, "u", ", {flat}}");
			if (id2 == NULL)
				return NULL;
			*id = *id2;
		}
		return s;
	}
	if (starts(d, "?_B") || starts(d, "?__J")) {
		/* a local static guard: <name> (4IA | 5) [<scope index>] */
		bool thread = d->p[2] == '_';

		d->p += thread ? 4 : 3;
		id = named(d, NULL, 0);
		s = node_new(d, K_PLAIN_SYM);
		if (s == NULL || (s->name = parse_scope_chain(d, id)) == NULL)
			return NULL;
		if (!eat_str(d, "4IA") && !eat(d, '5'))
			return fail(d);
		v[0] = at_end(d) ? 0 : parse_unsigned(d);
		if (d->err != 0)
			return NULL;
		text = thread ? "`local static thread guard'" : "`local static guard'";
		if ((uint32_t)v[0] > 0) /* a 32-bit index; 0 prints none */
			id2 = numbered_name(
			    d, thread ? "`local static thread guard'{" : "`local static guard'{", v,
			    "U", "}");
		else
			id2 = named_str(d, text);
		if (id2 == NULL)
			return NULL;
		*id = *id2;
		return s;
	}
	if (eat_str(d, "?_R0")) {
		/* RTTI type descriptor: <type> @8, the whole name */
		s = node_new(d, K_TYPE_SYM);
		if (s == NULL || (s->type = parse_type(d, QM_RESULT)) == NULL)
			return NULL;
		if (!eat_str(d, "@8") || !at_end(d))
			return fail(d);
		s->text = "`RTTI Type Descriptor'";
		return s;
	}
	if (starts(d, "?_R2") || starts(d, "?_R3")) {
		const char *what = d->p[3] == '2' ? "`RTTI Base Class Array'"
		                                  : "`RTTI Class Hierarchy Descriptor'";

		d->p += 4;
		s = node_new(d, K_VAR_SYM);
		if (s == NULL || (s->name = parse_scope_chain(d, named_str(d, what))) == NULL)
			return NULL;
		return eat(d, '8') ? s : fail(d);
	}
	if (eat_str(d, "?_R1")) {
		/* <nv offset> <vbptr offset> <vbtable offset> <flags> <name> [8] */
		v[0] = parse_unsigned(d);
		v[1] = (uint64_t)parse_signed(d);
		v[2] = parse_unsigned(d);
		v[3] = parse_unsigned(d);
		if (d->err != 0)
			return NULL;
		id = numbered_name(d, "`RTTI Base Class Descriptor at (", v, "UIUU", ")'");
		s = node_new(d, K_VAR_SYM);
		if (id == NULL || s == NULL || (s->name = parse_scope_chain(d, id)) == NULL)
			return NULL;
		eat(d, '8');
		return s;
	}
	if (eat_str(d, "?__E"))
		return parse_dynamic(d, false);
	if (eat_str(d, "?__F"))
		return parse_dynamic(d, true);
	if (starts(d, "?_A") || starts(d, "?_P"))
		return fail(d); /* typeof, udt returning: llvm-undname refuses them too */
	return NULL;
}

/* <symbol> ::= ? <special> | ? <declarator> | . <type> (type name) | ??@ <md5> @ */
static struct node *parse_symbol_body(struct ms *d)
{
	struct node *s;

	if (eat(d, '.')) {
		s = node_new(d, K_TYPE_SYM);
		if (s == NULL || (s->type = parse_type(d, QM_RESULT)) == NULL)
			return NULL;
		if (!at_end(d))
			return fail(d);
		s->text = "`RTTI Type Descriptor Name'";
		return s;
	}
	if (starts(d, "??@")) {
		const char *start = d->p;
		const char *at = memchr(d->p + 3, '@', (size_t)(d->end - d->p - 3));

		if (at == NULL)
			return fail(d);
		d->p = at + 1;
		eat_str(d, "??_R4@");
		s = node_new(d, K_PLAIN_SYM);
		if (s == NULL ||
		    (s->name = qname_of(d, named(d, start, (size_t)(d->p - start)))) == NULL)
			return NULL;
		return s;
	}
	if (!eat(d, '?'))
		return fail(d);
	s = parse_special(d);
	if (s != NULL || d->err != 0)
		return s;
	return parse_declarator(d);
}

static struct node *parse_symbol(struct ms *d)
{
	struct node *s;

	if (!enter(d))
		return NULL;
	s = parse_symbol_body(d);
	d->depth--;
	return s;
}

static void arena_free(struct ms *d)
{
	while (d->chunks != NULL) {
		struct chunk *c = d->chunks;

		d->chunks = c->next;
		free(c);
	}
}

int nsym__demangle_msvc(char **out, const char *mangled, unsigned flags)
{
	struct ms d = {0};
	struct ms_out o = {.flags = flags};
	struct node *s;
	size_t len;

	*out = NULL;
	if (mangled == NULL)
		return NSYM_EINVAL;
	len = strnlen(mangled, MS_MAX_INPUT + 1);
	if (len > MS_MAX_INPUT)
		return NSYM_EUNSUPPORTED;
	d.p = mangled;
	d.end = mangled + len;
	s = parse_symbol(&d);
	if (s != NULL && d.err == 0) {
		nsym__ms_print(&o, s);
		if (o.err != 0)
			d.err = o.err;
		else if (o.buf == NULL)
			d.err = NSYM_EINVAL;
	}
	arena_free(&d);
	if (s == NULL && d.err == 0)
		d.err = NSYM_EINVAL;
	if (d.err != 0) {
		free(o.buf);
		return d.err;
	}
	*out = o.buf;
	return 0;
}
