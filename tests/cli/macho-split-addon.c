/*
 * The addon macho-split-test.sh builds for Mach-O split: local functions
 * that stay out of line (local symbols, debug-map stabs), a static (a
 * local data symbol), and calls into Node-API left undefined for dyld to
 * bind (stubs, lazy pointers and the indirect symbol table that numbers
 * them). No headers and no C library, so no macOS SDK is needed.
 */
#define EXPORT __attribute__((visibility("default")))

typedef struct napi_env__ *napi_env;
typedef struct napi_value__ *napi_value;

extern int napi_create_int32(napi_env env, int value, napi_value *result);
extern int napi_set_named_property(napi_env env, napi_value object, const char *name,
                                   napi_value value);

static int counter;

static __attribute__((noinline)) int step(int x)
{
	counter += x;
	return counter * 3 + 1;
}

static __attribute__((noinline)) int twice(int x)
{
	return step(x) + step(x + 1);
}

EXPORT napi_value napi_register_module_v1(napi_env env, napi_value exports)
{
	napi_value v;

	napi_create_int32(env, twice(7), &v);
	napi_set_named_property(env, exports, "answer", v);
	return exports;
}
