//! `cargo run -p financial-approval [OUT_DIR]`: the LOGOS demo (see the
//! library docs). Files go to OUT_DIR, by default `financial-approval/` in
//! the cargo target directory; compiled nodes are cached in
//! `logos-nodes/` there, so only the first run compiles.
#![forbid(unsafe_code)]

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use financial_approval::{Dirs, run};

fn main() -> ExitCode {
    let target = target_dir();
    let out = std::env::args_os().nth(1).map_or_else(|| target.join("financial-approval"), PathBuf::from);
    let dirs = Dirs { out, compile: target.join("logos-nodes") };
    let started = Instant::now();
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    match run(&mut lock, &dirs) {
        Ok(_) => {
            let _ = writeln!(lock, "\nThe whole story took {:.1} s.", started.elapsed().as_secs_f64());
            ExitCode::SUCCESS
        }
        Err(e) => {
            let _ = lock.flush();
            eprintln!("\nerror: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The cargo target directory this binary was built into: `CARGO_TARGET_DIR`
/// if set, else the directory above `debug/` or `release/` that holds the
/// executable, else `./target`.
fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let exe = std::env::current_exe().ok();
    let profile_dir = exe.as_deref().and_then(|e| e.parent());
    let built_by_cargo =
        profile_dir.and_then(|d| d.file_name()).is_some_and(|n| n == "debug" || n == "release");
    match profile_dir.and_then(|d| d.parent()) {
        Some(target) if built_by_cargo => target.to_path_buf(),
        _ => PathBuf::from("target"),
    }
}
