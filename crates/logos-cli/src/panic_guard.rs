//! Turns a panic into one `error:` line and an exit code, never a backtrace.
//!
//! redb panics on some damaged files (out-of-range slices, `unreachable!`
//! on unknown tags) instead of returning an error, so opening a corrupt store
//! can panic inside the storage engine. Such a panic is reported as an
//! integrity failure; a panic anywhere else is reported as a bug in `logos`.

use std::panic::{self, PanicHookInfo};
use std::sync::Mutex;

use crate::error::CliError;

/// The last panic's message and location, recorded by the hook.
static LAST_PANIC: Mutex<Option<(String, String)>> = Mutex::new(None);

/// Replaces the default hook (which prints a backtrace) with one that only records.
pub fn install() {
    panic::set_hook(Box::new(|info: &PanicHookInfo<'_>| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_owned());
        let location = info.location().map_or_else(String::new, |l| format!("{}:{}", l.file(), l.line()));
        *LAST_PANIC.lock().unwrap_or_else(|p| p.into_inner()) = Some((message, location));
    }));
}

/// The error for the panic that was just caught.
pub fn take() -> CliError {
    let last = LAST_PANIC.lock().unwrap_or_else(|p| p.into_inner()).take();
    let (message, location) = last.unwrap_or_else(|| ("unknown panic".into(), String::new()));
    if location.contains("redb") {
        CliError::StorageEnginePanic(message)
    } else {
        CliError::Bug { message, location }
    }
}
