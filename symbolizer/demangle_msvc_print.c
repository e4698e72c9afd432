/*
 * The printer of demangle_msvc.c's trees: the text llvm-undname prints for
 * a symbol, a name or a type. A C declarator prints in two halves around
 * its name ("int (__cdecl *f)(int)"), so a type prints its "pre" part, the
 * name, then its "post" part; NSYM_MSVC_NO_* flags leave out what
 * llvm-symbolizer leaves out. Output is bounded by MS_MAX_OUTPUT and
 * nesting by MS_MAX_PRINT (back-references may repeat a subtree).
 */
#include <stdlib.h>
#include <string.h>

#include "demangle_msvc.h"
#include "demangle_msvc_tree.h"
#include "napi_symbols.h"

void nsym__ms_put(struct ms_out *o, const char *s, size_t n)
{
	if (o->err != 0 || n == 0)
		return;
	if (o->len + n + 1 > o->cap) {
		size_t cap = o->cap == 0 ? 256 : o->cap;
		char *b;

		while (cap < o->len + n + 1)
			cap *= 2;
		if (cap > MS_MAX_OUTPUT) {
			if (o->len + n + 1 > MS_MAX_OUTPUT) {
				o->err = NSYM_EUNSUPPORTED;
				return;
			}
			cap = MS_MAX_OUTPUT;
		}
		b = realloc(o->buf, cap);
		if (b == NULL) {
			o->err = NSYM_ENOMEM;
			return;
		}
		o->buf = b;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

void nsym__ms_puts(struct ms_out *o, const char *s)
{
	nsym__ms_put(o, s, strlen(s));
}

static void put_u64(struct ms_out *o, uint64_t v)
{
	char b[24];
	size_t i = sizeof(b);

	do {
		b[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	nsym__ms_put(o, b + i, sizeof(b) - i);
}

static void put_i64(struct ms_out *o, int64_t v)
{
	if (v < 0) {
		nsym__ms_put(o, "-", 1);
		put_u64(o, (uint64_t)0 - (uint64_t)v);
	} else {
		put_u64(o, (uint64_t)v);
	}
}

/* 'u' 64 bits, 'U' the low 32 bits, 'I' those signed */
void nsym__ms_put_number(struct ms_out *o, uint64_t v, char fmt)
{
	if (fmt == 'U')
		put_u64(o, (uint32_t)v);
	else if (fmt == 'I')
		put_i64(o, (int32_t)(uint32_t)v);
	else
		put_u64(o, v);
}

static char last(const struct ms_out *o)
{
	return o->len == 0 ? '\0' : o->buf[o->len - 1];
}

/* A space unless the text so far ends in punctuation ("int *" vs "int"). */
static void space_if_needed(struct ms_out *o)
{
	char c = last(o);

	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '>')
		nsym__ms_put(o, " ", 1);
}

static void put_quals(struct ms_out *o, unsigned q, bool before, bool after)
{
	static const struct {
		unsigned bit;
		const char *text;
	} words[] = {{Q_CONST, "const"}, {Q_VOLATILE, "volatile"}, {Q_RESTRICT, "__restrict"}};
	bool any = false;

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (!(q & words[i].bit))
			continue;
		if (before)
			nsym__ms_put(o, " ", 1);
		nsym__ms_puts(o, words[i].text);
		before = any = true;
	}
	if (after && any)
		nsym__ms_put(o, " ", 1);
}

static void put_callconv(struct ms_out *o, enum callconv cc)
{
	static const char *const names[] = {
	    [CC_NONE] = "",
	    [CC_CDECL] = "__cdecl",
	    [CC_PASCAL] = "__pascal",
	    [CC_THISCALL] = "__thiscall",
	    [CC_STDCALL] = "__stdcall",
	    [CC_FASTCALL] = "__fastcall",
	    [CC_CLRCALL] = "__clrcall",
	    [CC_EABI] = "__eabi",
	    [CC_VECTORCALL] = "__vectorcall",
	    [CC_SWIFT] = "__attribute__((__swiftcall__)) ",
	    [CC_SWIFT_ASYNC] = "__attribute__((__swiftasynccall__)) ",
	};

	space_if_needed(o);
	nsym__ms_puts(o, names[cc]);
}

static void print_type_pre(struct ms_out *o, const struct node *n);
static void print_type_post(struct ms_out *o, const struct node *n);

static bool print_enter(struct ms_out *o)
{
	if (o->err != 0)
		return false;
	if (++o->depth > MS_MAX_PRINT) {
		o->err = NSYM_EUNSUPPORTED;
		return false;
	}
	return true;
}

static void print_list(struct ms_out *o, const struct list *l, const char *sep)
{
	for (size_t i = 0; i < l->n && o->err == 0; i++) {
		if (i > 0)
			nsym__ms_puts(o, sep);
		nsym__ms_print(o, l->v[i]);
	}
}

static void print_template_args(struct ms_out *o, const struct node *n)
{
	if (!n->has_list)
		return;
	nsym__ms_put(o, "<", 1);
	print_list(o, &n->list, ", ");
	nsym__ms_put(o, ">", 1);
}

static void print_type(struct ms_out *o, const struct node *n)
{
	print_type_pre(o, n);
	print_type_post(o, n);
}

static void print_func_pre_signature(struct ms_out *o, const struct node *f)
{
	if (!(o->flags & NSYM_MSVC_NO_ACCESS)) {
		if (f->fc & FC_PUBLIC)
			nsym__ms_puts(o, "public: ");
		if (f->fc & FC_PROTECTED)
			nsym__ms_puts(o, "protected: ");
		if (f->fc & FC_PRIVATE)
			nsym__ms_puts(o, "private: ");
	}
	if (!(o->flags & NSYM_MSVC_NO_MEMBER_TYPE)) {
		if (!(f->fc & FC_GLOBAL) && (f->fc & FC_STATIC))
			nsym__ms_puts(o, "static ");
		if (f->fc & FC_VIRTUAL)
			nsym__ms_puts(o, "virtual ");
		if (f->fc & FC_EXTERN_C)
			nsym__ms_puts(o, "extern \"C\" ");
	}
	if (f->type != NULL && !(o->flags & NSYM_MSVC_NO_RETURN_TYPE)) {
		print_type_pre(o, f->type);
		nsym__ms_put(o, " ", 1);
	}
}

static void print_func_pre(struct ms_out *o, const struct node *f)
{
	if (f->thunk)
		nsym__ms_puts(o, "[thunk]: ");
	print_func_pre_signature(o, f);
	if (!(o->flags & NSYM_MSVC_NO_CALLING_CONVENTION))
		put_callconv(o, f->cc);
}

static void print_func_post(struct ms_out *o, const struct node *f)
{
	if (f->thunk && (f->fc & FC_ADJUST)) {
		nsym__ms_puts(o, "`adjustor{");
		nsym__ms_put_number(o, (uint64_t)f->off[0], 'U');
		nsym__ms_puts(o, "}'");
	} else if (f->thunk && (f->fc & FC_VTORDISP)) {
		nsym__ms_puts(o, (f->fc & FC_VTORDISPEX) ? "`vtordispex{" : "`vtordisp{");
		/* the this-adjustment last is unsigned, the others signed */
		for (int i = 0; i < f->noff; i++) {
			if (i > 0)
				nsym__ms_puts(o, ", ");
			nsym__ms_put_number(o, (uint64_t)f->off[i], i + 1 < f->noff ? 'I' : 'U');
		}
		nsym__ms_puts(o, "}'");
	}
	if (!(f->fc & FC_NO_PARAMS)) {
		nsym__ms_put(o, "(", 1);
		if (f->has_list)
			print_list(o, &f->list, ", ");
		else
			nsym__ms_puts(o, "void");
		if (f->variadic) {
			if (last(o) != '(')
				nsym__ms_puts(o, ", ");
			nsym__ms_puts(o, "...");
		}
		nsym__ms_put(o, ")", 1);
	}
	if (f->quals & Q_CONST)
		nsym__ms_puts(o, " const");
	if (f->quals & Q_VOLATILE)
		nsym__ms_puts(o, " volatile");
	if (f->quals & Q_RESTRICT)
		nsym__ms_puts(o, " __restrict");
	if (f->quals & Q_UNALIGNED)
		nsym__ms_puts(o, " __unaligned");
	if (f->noexcept)
		nsym__ms_puts(o, " noexcept");
	if (f->refq == '&')
		nsym__ms_puts(o, " &");
	else if (f->refq == 'R')
		nsym__ms_puts(o, " &&");
	if (f->type != NULL && !(o->flags & NSYM_MSVC_NO_RETURN_TYPE))
		print_type_post(o, f->type);
}

static void print_qname(struct ms_out *o, const struct node *n)
{
	print_list(o, &n->list, "::");
}

static void print_type_pre(struct ms_out *o, const struct node *n)
{
	const struct node *to;

	if (!print_enter(o))
		return;
	switch (n->kind) {
	case K_PRIM:
		nsym__ms_put(o, n->text, n->len);
		put_quals(o, n->quals, true, false);
		break;
	case K_TAG:
		nsym__ms_puts(o, n->text);
		nsym__ms_put(o, " ", 1);
		print_qname(o, n->name);
		put_quals(o, n->quals, true, false);
		break;
	case K_ARRAY:
		print_type_pre(o, n->type);
		put_quals(o, n->quals, true, false);
		break;
	case K_FUNC:
		print_func_pre(o, n);
		break;
	case K_CUSTOM:
		nsym__ms_print(o, n->name);
		break;
	case K_POINTER:
		to = n->type;
		if (to->kind == K_FUNC) {
			/* a function pointer's return type is part of its type */
			unsigned saved = o->flags;

			o->flags &= ~(unsigned)NSYM_MSVC_NO_RETURN_TYPE;
			print_func_pre_signature(o, to);
			o->flags = saved;
		} else {
			print_type_pre(o, to);
		}
		space_if_needed(o);
		if (n->quals & Q_UNALIGNED)
			nsym__ms_puts(o, "__unaligned ");
		if (to->kind == K_ARRAY) {
			nsym__ms_put(o, "(", 1);
		} else if (to->kind == K_FUNC) {
			/* kept whatever the flags, as llvm-undname 16 keeps it */
			nsym__ms_put(o, "(", 1);
			put_callconv(o, to->cc);
			nsym__ms_put(o, " ", 1);
		}
		if (n->inner != NULL) {
			print_qname(o, n->inner);
			nsym__ms_puts(o, "::");
		}
		nsym__ms_puts(o, n->aff == AFF_POINTER     ? "*"
		                 : n->aff == AFF_REFERENCE ? "&"
		                                           : "&&");
		put_quals(o, n->quals, false, false);
		break;
	default:
		o->err = NSYM_EINVAL;
		break;
	}
	o->depth--;
}

static void print_type_post(struct ms_out *o, const struct node *n)
{
	if (!print_enter(o))
		return;
	switch (n->kind) {
	case K_ARRAY:
		nsym__ms_put(o, "[", 1);
		for (size_t i = 0; i < n->list.n; i++) {
			const struct node *dim = n->list.v[i];

			if (i > 0)
				nsym__ms_puts(o, "][");
			if (dim->num != 0)
				put_u64(o, dim->num);
		}
		nsym__ms_put(o, "]", 1);
		print_type_post(o, n->type);
		break;
	case K_FUNC:
		print_func_post(o, n);
		break;
	case K_POINTER:
		if (n->type->kind == K_ARRAY || n->type->kind == K_FUNC)
			nsym__ms_put(o, ")", 1);
		/* NEEDSWORK: without return types, the part of a function
		 * pointer's return type after the name is left out as
		 * llvm-undname 16 leaves it out ("int (__cdecl * (A::*f)(void)"),
		 * though the part before it is printed. */
		print_type_post(o, n->type);
		break;
	default:
		break;
	}
	o->depth--;
}

static void print_symbol(struct ms_out *o, const struct node *n)
{
	static const char *const access[] = {
	    [SC_PRIVATE] = "private: ",
	    [SC_PROTECTED] = "protected: ",
	    [SC_PUBLIC] = "public: ",
	};
	static const char *const prefix[] = {"\"", "L\"", "u\"", "U\""};

	switch (n->kind) {
	case K_FUNC_SYM:
		print_func_pre(o, n->type);
		space_if_needed(o);
		print_qname(o, n->name);
		print_func_post(o, n->type);
		break;
	case K_VAR_SYM:
		if (n->num >= SC_PRIVATE && n->num <= SC_PUBLIC) {
			if (!(o->flags & NSYM_MSVC_NO_ACCESS))
				nsym__ms_puts(o, access[n->num]);
			if (!(o->flags & NSYM_MSVC_NO_MEMBER_TYPE))
				nsym__ms_puts(o, "static ");
		}
		if (n->type != NULL)
			print_type_pre(o, n->type);
		space_if_needed(o);
		print_qname(o, n->name);
		if (n->type != NULL)
			print_type_post(o, n->type);
		break;
	case K_TABLE_SYM:
		put_quals(o, n->quals, false, true);
		print_qname(o, n->name);
		if (n->has_list) {
			nsym__ms_puts(o, "{for `");
			print_list(o, &n->list, "'s `");
			nsym__ms_puts(o, "'}");
		}
		break;
	case K_STRING_SYM:
		nsym__ms_puts(o, prefix[n->num]);
		nsym__ms_put(o, n->text, n->len);
		nsym__ms_put(o, "\"", 1);
		if (n->truncated)
			nsym__ms_puts(o, "...");
		break;
	case K_TYPE_SYM:
		print_type_pre(o, n->type);
		space_if_needed(o);
		nsym__ms_puts(o, n->text);
		print_type_post(o, n->type);
		break;
	default: /* K_PLAIN_SYM */
		print_qname(o, n->name);
		break;
	}
}

void nsym__ms_print(struct ms_out *o, const struct node *n)
{
	if (!print_enter(o))
		return;
	if (n == NULL) {
		o->err = NSYM_EINVAL;
		return;
	}
	switch (n->kind) {
	case K_PRIM:
	case K_TAG:
	case K_POINTER:
	case K_ARRAY:
	case K_FUNC:
	case K_CUSTOM:
		print_type(o, n);
		break;
	case K_INT:
		if (n->neg)
			nsym__ms_put(o, "-", 1);
		put_u64(o, n->num);
		break;
	case K_TPREF:
		if (n->noff > 0)
			nsym__ms_put(o, "{", 1);
		else if (n->aff == AFF_POINTER)
			nsym__ms_put(o, "&", 1);
		if (n->inner != NULL) {
			nsym__ms_print(o, n->inner);
			if (n->noff > 0)
				nsym__ms_puts(o, ", ");
		}
		for (int i = 0; i < n->noff; i++) {
			if (i > 0)
				nsym__ms_puts(o, ", ");
			put_i64(o, n->off[i]);
		}
		if (n->noff > 0)
			nsym__ms_put(o, "}", 1);
		break;
	case K_QNAME:
		print_qname(o, n);
		break;
	case K_NAMED:
		nsym__ms_put(o, n->text, n->len);
		print_template_args(o, n);
		break;
	case K_STRUCTOR:
		if (n->name == NULL) {
			o->err = NSYM_EINVAL;
			break;
		}
		if (n->dtor)
			nsym__ms_put(o, "~", 1);
		nsym__ms_print(o, n->name);
		print_template_args(o, n);
		break;
	case K_CONVERSION:
		if (n->type == NULL) {
			o->err = NSYM_EINVAL;
			break;
		}
		nsym__ms_puts(o, "operator");
		print_template_args(o, n);
		nsym__ms_put(o, " ", 1);
		print_type(o, n->type);
		break;
	case K_LITERAL_OP:
		nsym__ms_puts(o, "operator \"\"");
		nsym__ms_put(o, n->text, n->len);
		print_template_args(o, n);
		break;
	case K_DYNAMIC:
		nsym__ms_puts(o, n->dtor ? "`dynamic atexit destructor for "
		                         : "`dynamic initializer for ");
		if (n->inner != NULL) {
			nsym__ms_put(o, "`", 1);
			nsym__ms_print(o, n->inner);
		} else {
			nsym__ms_put(o, "'", 1);
			print_qname(o, n->name);
		}
		nsym__ms_puts(o, "''");
		break;
	default:
		print_symbol(o, n);
		break;
	}
	o->depth--;
}
