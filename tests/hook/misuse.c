/*
 * misuse.c: a Node addon whose misuse() hands N-API a broken napi_env, so
 * the fault is in node's own code, called from the addon: the commonest
 * crash of a C addon, and one outside every library the hook knows.
 * misuseBadFp() does the same with the frame pointer at unmapped memory,
 * so the hook's walk faults while Node's handler has reset SIGSEGV to die.
 * The few N-API declarations are written out so that no node_api.h is
 * needed.
 */
#include <stddef.h>
#include <stdint.h>

#include "bad-fp.h"

typedef struct napi_env__ *napi_env;
typedef struct napi_value__ *napi_value;
typedef struct napi_callback_info__ *napi_callback_info;
typedef napi_value (*napi_callback)(napi_env env, napi_callback_info info);

int napi_create_function(napi_env env, const char *name, size_t length, napi_callback cb,
                         void *data, napi_value *result);
int napi_set_named_property(napi_env env, napi_value object, const char *name, napi_value value);
int napi_create_int32(napi_env env, int32_t value, napi_value *result);

__attribute__((visibility("default"))) napi_value napi_register_module_v1(napi_env env,
                                                                          napi_value exports);

static napi_env volatile broken_env = (napi_env)(uintptr_t)8;

__attribute__((noinline)) static napi_value misuse(napi_env env, napi_callback_info info)
{
	napi_value v = NULL;

	(void)env;
	(void)info;
	napi_create_int32(broken_env, 1, &v);
	return v;
}

__attribute__((noinline)) static napi_value misuse_bad_fp(napi_env env, napi_callback_info info)
{
	napi_value v = NULL;

	(void)env;
	(void)info;
	bad_fp_call((void *)napi_create_int32, (void *)broken_env, 1, &v, bad_fp_address());
	return v;
}

napi_value napi_register_module_v1(napi_env env, napi_value exports)
{
	napi_value fn;

	napi_create_function(env, "misuse", (size_t)-1, misuse, NULL, &fn);
	napi_set_named_property(env, exports, "misuse", fn);
	napi_create_function(env, "misuseBadFp", (size_t)-1, misuse_bad_fp, NULL, &fn);
	napi_set_named_property(env, exports, "misuseBadFp", fn);
	return exports;
}
