//! napi_symbols_hook.rs: the crash hook for a Rust addon that links
//! `libnsym_hook.a` (linked mode), for NAPI-RS or any other cdylib. No crates:
//! copy this file into the addon (or point `#[path]` at it), link the archive,
//! and call `install()` once from the module init. It installs the hook for
//! fatal signals (`nsym_hook_install`) and a panic hook that reports every
//! panic, caught or not, with its message and location and the stack where
//! it was raised (`nsym_hook_panic`), before chaining to the hook that was
//! there (the default one prints the message). Every Rust cdylib has its own
//! copy of std and so its own panic hook: each addon calls `install()`
//! itself, or `install_with_env(env)` from its module init, so reports also
//! carry Node's N-API version. How to link it: loader-hook/README.md.

use std::ffi::CString;
use std::os::raw::{c_char, c_int, c_uint, c_void};
use std::sync::Once;

/// `struct nsym_hook_options` of include/napi_symbols_hook.h.
#[repr(C)]
struct Options {
    report_dir: *const c_char,
    symbolicate: c_int,
    program: *const c_char,
    napi_version: c_uint,
}

extern "C" {
    fn nsym_hook_install(opts: *const Options) -> c_int;
    fn nsym_hook_panic(message: *const c_char, file: *const c_char, line: c_uint, column: c_uint);
    // Node's own, resolved in the process at load time as every napi_* is.
    fn napi_get_version(env: *mut c_void, result: *mut u32) -> c_int;
}

static INSTALL: Once = Once::new();

/// Installs the crash hook and the panic hook, once; later calls refresh the
/// hook's table of loaded modules. Returns 0 or a negative NSYM_HOOK_E* code.
#[allow(dead_code)] // an addon calls this or install_with_env
pub fn install() -> i32 {
    install_options(0)
}

/// `install()` from the module init, given its `napi_env`, so that reports
/// also carry Node's N-API version (`napi_get_version`).
///
/// # Safety
/// `env` must be the `napi_env` Node passed to the module init.
#[allow(dead_code)]
pub unsafe fn install_with_env(env: *mut c_void) -> i32 {
    let mut version = 0u32;
    if napi_get_version(env, &mut version) != 0 {
        version = 0;
    }
    install_options(version)
}

fn install_options(napi_version: u32) -> i32 {
    let opts = Options {
        report_dir: std::ptr::null(),
        symbolicate: -1,
        program: std::ptr::null(),
        napi_version,
    };
    let rc = unsafe { nsym_hook_install(&opts) };
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            previous(info);
            report(info.payload(), info.location());
        }));
    });
    rc
}

/// A C string of `s`, NUL bytes (which C would read as the end) replaced.
fn c_text(s: &str) -> CString {
    CString::new(s.replace('\0', "\u{fffd}")).unwrap_or_default()
}

fn report(payload: &(dyn std::any::Any + Send), location: Option<&std::panic::Location<'_>>) {
    let message = if let Some(s) = payload.downcast_ref::<&str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.as_str()
    } else {
        "Box<dyn Any>"
    };
    let message = c_text(message);
    match location {
        Some(l) => {
            let file = c_text(l.file());
            unsafe { nsym_hook_panic(message.as_ptr(), file.as_ptr(), l.line(), l.column()) }
        }
        None => unsafe { nsym_hook_panic(message.as_ptr(), std::ptr::null(), 0, 0) },
    }
}
