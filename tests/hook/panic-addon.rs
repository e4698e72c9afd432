//! A crate-free N-API addon whose panic is caught, for the hook's panic
//! tests (hook-test.sh, e2e-test.sh): `caught()` panics in `raise_caught`
//! under `catch_unwind` and, as NAPI-RS does, turns the caught panic into a
//! thrown JS `Error` with `code: 'GenericFailure'` and the panic's message;
//! `caughtStatic()` the same with a message without arguments (a &str
//! payload rather than a String). `stopsAtNoUnwind()` panics 100 calls
//! under an `extern "C"` function, which cannot unwind: the unwinding, on
//! its way to a `catch_unwind` above, stops there and the process aborts.
//! `catchThenAbort()` catches a panic, then calls `std::process::abort()`.
//! Built with panic = "unwind" twice by
//! build-panic.sh: plain (preload mode) and, with `--cfg linked`, linked with
//! libnsym_hook.a and loader-hook/rust/napi_symbols_hook.rs (linked mode).

#![allow(non_camel_case_types)]

use std::os::raw::{c_char, c_void};
use std::ptr;

#[cfg(linked)]
#[path = "../../loader-hook/rust/napi_symbols_hook.rs"]
mod napi_symbols_hook;

type napi_env = *mut c_void;
type napi_value = *mut c_void;
type napi_callback = Option<unsafe extern "C" fn(napi_env, *mut c_void) -> napi_value>;

#[inline(never)]
fn raise_caught(n: i32) -> i32 {
    if n >= 0 {
        panic!("caught in the addon: {}", n);
    }
    n
}

/// A message without arguments: its payload is a &'static str, not a String.
#[inline(never)]
fn raise_static(n: i32) -> i32 {
    if n >= 0 {
        panic!("a static message");
    }
    n
}

/// 100 calls deep, then a panic; the frames stay (not a loop).
#[inline(never)]
fn deep(n: i32) -> i32 {
    if n == 0 {
        panic!("deep under a function that cannot unwind");
    }
    let r = deep(n - 1);
    unsafe { ptr::read_volatile(&r) + 1 }
}

/// Cannot unwind (`extern "C"`): a panic that reaches it aborts the process.
#[inline(never)]
extern "C" fn no_unwind(n: i32) -> i32 {
    deep(n)
}

extern "C" {
    fn napi_create_function(
        env: napi_env,
        utf8name: *const c_char,
        length: usize,
        cb: napi_callback,
        data: *mut c_void,
        result: *mut napi_value,
    ) -> i32;
    fn napi_set_named_property(env: napi_env, object: napi_value, utf8name: *const c_char, value: napi_value) -> i32;
    fn napi_create_int32(env: napi_env, value: i32, result: *mut napi_value) -> i32;
    fn napi_throw_error(env: napi_env, code: *const c_char, msg: *const c_char) -> i32;
}

/// The panic's message, as NAPI-RS puts it into the JS error.
fn panic_text(payload: &(dyn std::any::Any + Send)) -> Vec<u8> {
    let text = if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic".to_string()
    };
    let mut bytes: Vec<u8> = text.bytes().filter(|&b| b != 0).collect();
    bytes.push(0);
    bytes
}

unsafe extern "C" fn js_caught(env: napi_env, _info: *mut c_void) -> napi_value {
    let n = ptr::read_volatile(&7); // not a constant raise_caught could fold
    to_js(env, std::panic::catch_unwind(|| raise_caught(n)))
}

unsafe extern "C" fn js_caught_static(env: napi_env, _info: *mut c_void) -> napi_value {
    let n = ptr::read_volatile(&7);
    to_js(env, std::panic::catch_unwind(|| raise_static(n)))
}

/// A panic caught, then an abort in the same call, under the same frames.
unsafe extern "C" fn js_catch_then_abort(_env: napi_env, _info: *mut c_void) -> napi_value {
    let n = ptr::read_volatile(&7);
    let _ = std::panic::catch_unwind(|| raise_caught(n));
    std::process::abort()
}

unsafe extern "C" fn js_stops_at_no_unwind(env: napi_env, _info: *mut c_void) -> napi_value {
    let n = ptr::read_volatile(&100);
    to_js(env, std::panic::catch_unwind(|| no_unwind(n)))
}

/// The value, or the caught panic thrown as a JS Error (GenericFailure).
unsafe fn to_js(env: napi_env, result: std::thread::Result<i32>) -> napi_value {
    match result {
        Ok(v) => {
            let mut out = ptr::null_mut();
            napi_create_int32(env, v, &mut out);
            out
        }
        Err(payload) => {
            let msg = panic_text(payload.as_ref());
            napi_throw_error(env, b"GenericFailure\0".as_ptr() as *const c_char, msg.as_ptr() as *const c_char);
            ptr::null_mut()
        }
    }
}

#[no_mangle]
pub unsafe extern "C" fn napi_register_module_v1(env: napi_env, exports: napi_value) -> napi_value {
    #[cfg(linked)]
    napi_symbols_hook::install_with_env(env);
    let functions: [(&[u8], napi_callback); 4] = [
        (b"catchThenAbort\0", Some(js_catch_then_abort)),
        (b"caught\0", Some(js_caught)),
        (b"caughtStatic\0", Some(js_caught_static)),
        (b"stopsAtNoUnwind\0", Some(js_stops_at_no_unwind)),
    ];
    for (name, cb) in functions {
        let mut f = ptr::null_mut();
        let name = name.as_ptr() as *const c_char;
        if napi_create_function(env, name, usize::MAX, cb, ptr::null_mut(), &mut f) != 0
            || napi_set_named_property(env, exports, name, f) != 0
        {
            return ptr::null_mut();
        }
    }
    exports
}
