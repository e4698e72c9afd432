/*
 * The tree of a Microsoft-decorated name, as demangle_msvc.c parses it
 * and demangle_msvc_print.c prints it; internal to those two files.
 */
#ifndef NSYM_DEMANGLE_MSVC_TREE_H
#define NSYM_DEMANGLE_MSVC_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MS_MAX_OUTPUT 65536 /* a demangled name longer than this is noise */
#define MS_MAX_PRINT  512   /* nesting while printing (back-references add up) */

/* Qualifiers; only const, volatile, __restrict and __unaligned print. */
enum { Q_CONST = 1, Q_VOLATILE = 2, Q_UNALIGNED = 4, Q_RESTRICT = 8, Q_PTR64 = 16 };

/* Function classes (the letter after the name of a function). */
enum {
	FC_PUBLIC = 1 << 0,
	FC_PROTECTED = 1 << 1,
	FC_PRIVATE = 1 << 2,
	FC_GLOBAL = 1 << 3,
	FC_STATIC = 1 << 4,
	FC_VIRTUAL = 1 << 5,
	FC_FAR = 1 << 6,
	FC_EXTERN_C = 1 << 7,
	FC_NO_PARAMS = 1 << 8,  /* extern "C": no signature mangled */
	FC_ADJUST = 1 << 9,     /* thunk with a static this-adjustment */
	FC_VTORDISP = 1 << 10,  /* thunk with a virtual this-adjustment */
	FC_VTORDISPEX = 1 << 11 /* ... with its vbptr offsets too */
};

enum callconv {
	CC_NONE,
	CC_CDECL,
	CC_PASCAL,
	CC_THISCALL,
	CC_STDCALL,
	CC_FASTCALL,
	CC_CLRCALL,
	CC_EABI,
	CC_VECTORCALL,
	CC_SWIFT,
	CC_SWIFT_ASYNC
};

enum affinity { AFF_NONE, AFF_POINTER, AFF_REFERENCE, AFF_RVALUE };

enum kind {
	/* types */
	K_PRIM,    /* text */
	K_TAG,     /* text (class, struct...), name */
	K_POINTER, /* type: pointee, inner: class of a member pointer */
	K_ARRAY,   /* type: element, list: dimensions (K_INT) */
	K_FUNC,    /* type: return (NULL for structors), list: parameters */
	K_CUSTOM,  /* name: an identifier */
	/* template arguments */
	K_INT,   /* num, neg */
	K_TPREF, /* inner: the symbol, off[]: member pointer offsets */
	/* names */
	K_QNAME,      /* list: components, outermost first */
	K_NAMED,      /* text, list: template arguments */
	K_STRUCTOR,   /* name: the class, dtor */
	K_CONVERSION, /* type: the target (the function's return type) */
	K_LITERAL_OP, /* text */
	K_DYNAMIC,    /* dtor, inner: a variable or NULL, name: a function's */
	/* symbols; name is their K_QNAME */
	K_FUNC_SYM,   /* type: its K_FUNC */
	K_VAR_SYM,    /* type (may be NULL), num: storage class */
	K_TABLE_SYM,  /* quals, list: the "for" names */
	K_STRING_SYM, /* text: escaped contents, num: prefix, truncated */
	K_TYPE_SYM,   /* type, text: what it is */
	K_PLAIN_SYM
};

/* Storage classes of variables; 0 is none (an untyped special variable). */
enum { SC_NONE, SC_PRIVATE, SC_PROTECTED, SC_PUBLIC, SC_GLOBAL, SC_LOCAL };

struct node;

struct list {
	struct node **v;
	size_t n;
};

struct node {
	enum kind kind;
	unsigned quals;
	const char *text;
	size_t len;
	struct node *type;  /* see enum kind */
	struct node *name;  /* a symbol's K_QNAME, a tag's, a structor's class */
	struct node *inner; /* see enum kind */
	struct list list;
	bool has_list; /* template arguments present; parameters other than "void" */
	uint64_t num;
	bool neg;
	int64_t off[4];
	int noff;
	unsigned fc;
	enum callconv cc;
	enum affinity aff;
	char refq;      /* '&', 'R' (&&) or 0 */
	bool variadic;  /* K_FUNC */
	bool noexcept;  /* K_FUNC */
	bool thunk;     /* K_FUNC: prints "[thunk]: " and its adjustment */
	bool dtor;      /* K_STRUCTOR, K_DYNAMIC */
	bool truncated; /* K_STRING_SYM */
};

/* The printed text, bounded by MS_MAX_OUTPUT. */
struct ms_out {
	char *buf;
	size_t len, cap;
	int err;
	int depth;
	unsigned flags; /* NSYM_MSVC_NO_* */
};

/* Appends n bytes (s may be NULL when n is 0); past MS_MAX_OUTPUT, or out
 * of memory, o->err is set and nothing more is kept. */
void nsym__ms_put(struct ms_out *o, const char *s, size_t n);
void nsym__ms_puts(struct ms_out *o, const char *s);
/* v in the base fmt says: 'x' hex, 'd' signed decimal, else unsigned. */
void nsym__ms_put_number(struct ms_out *o, uint64_t v, char fmt);
/* Prints any node: a symbol, a name or a type (both halves). */
void nsym__ms_print(struct ms_out *o, const struct node *n);

#endif
