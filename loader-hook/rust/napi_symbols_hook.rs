//! napi_symbols_hook.rs: the crash hook for a Rust addon that links
//! `libnsym_hook.a` (linked mode), for NAPI-RS or any other cdylib. No crates:
//! copy this file into the addon (or point `#[path]` at it), link the archive,
//! and call `install()` once from the module init. It installs the hook for
//! fatal signals (`nsym_hook_install`) and a panic hook that reports every
//! panic, caught or not, with its message and location and the stack where
//! it was raised (`nsym_hook_panic`), before chaining to the hook that was
//! there (the default one prints the message). Every Rust cdylib has its own
//! copy of std and so its own panic hook: each addon calls `install()`
//! itself. How to link it: loader-hook/README.md.

use std::ffi::CString;
use std::os::raw::{c_char, c_int, c_uint};
use std::sync::Once;

extern "C" {
    fn nsym_hook_install(opts: *const std::ffi::c_void) -> c_int;
    fn nsym_hook_panic(message: *const c_char, file: *const c_char, line: c_uint, column: c_uint);
}

static INSTALL: Once = Once::new();

/// Installs the crash hook and the panic hook, once; later calls refresh the
/// hook's table of loaded modules. Returns 0 or a negative NSYM_HOOK_E* code.
pub fn install() -> i32 {
    let rc = unsafe { nsym_hook_install(std::ptr::null()) };
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
