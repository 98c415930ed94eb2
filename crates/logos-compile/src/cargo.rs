//! Running cargo on the generated crate, as a hostile workload.
//!
//! - **Environment**: cleared; only `PATH`, `HOME`, `CARGO_HOME`,
//!   `RUSTUP_HOME`, `RUSTUP_TOOLCHAIN` (those that are set), the target dir
//!   and the flags below are passed. Build scripts of the allowlisted
//!   dependencies see nothing else of the host.
//! - **Network**: builds run `--frozen` (locked and offline). Only when the
//!   dependencies are not yet in cargo's cache does the first build run
//!   `cargo fetch --locked` (network, no code of the payload involved: the
//!   fetch sees only the fixed template manifest and lock) and retry.
//! - **Time**: cargo runs in its own process group; on timeout the whole
//!   group (cargo, rustc, the linker) is killed.
//! - **Memory**: `ulimit -v` (RLIMIT_AS) in a `sh` wrapper bounds every
//!   process of the build (Linux and other Unix; applied per process).
//! - **Output**: only rustc's errors for the payload crate are kept, capped,
//!   with host paths replaced by placeholders.
//! - **Reproducibility**: the node crate's own paths are relative (cargo
//!   passes `src/lib.rs`), and `--remap-path-prefix` maps the cargo home
//!   (registry sources) and the target dir (build-script output) to fixed
//!   names, so the same source and toolchain give the same bytes wherever the
//!   build directory is. The flags are constant for one target dir, so the
//!   shared dependency artifacts stay fresh.

use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::errors::CompileError;
use crate::template::{CRATE_NAME, TARGET};

/// Part of the template digest: bump when the flags or the post-processing
/// below change what a build produces.
pub(crate) const SETTINGS_VERSION: &str =
    "cargo-settings-1: release, frozen, remap cargo-home and target, strip custom sections";

/// Most bytes of diagnostics kept for an error.
const MAX_DIAGNOSTICS: usize = 32 * 1024;
/// Longest single line of cargo output read; longer lines are cut.
const MAX_LINE: usize = 1024 * 1024;

/// Where things are, for one compiler.
#[derive(Debug, Clone)]
pub(crate) struct Sandbox {
    pub target_dir: PathBuf,
    pub timeout: Duration,
    pub memory_limit: Option<u64>,
    pub jobs: Option<u32>,
    pub scrubber: Scrubber,
}

/// Something cargo reported while building.
pub(crate) enum Event {
    /// A crate (or build script) finished compiling.
    Artifact(String),
}

/// How one cargo run ended.
struct Outcome {
    status: ExitStatus,
    diagnostics: String,
    stderr: String,
}

impl Sandbox {
    /// Builds the crate in `crate_dir`; calls `on_event` as crates finish.
    pub(crate) fn build(
        &self,
        crate_dir: &Path,
        on_event: &mut dyn FnMut(Event),
    ) -> Result<(), CompileError> {
        let outcome = self.run(crate_dir, &["build", "--release", "--frozen"], on_event)?;
        if outcome.status.success() {
            return Ok(());
        }
        if needs_fetch(&outcome.stderr) {
            let fetch = self.run(crate_dir, &["fetch", "--locked"], on_event)?;
            if !fetch.status.success() {
                return Err(CompileError::Fetch { message: self.scrubber.tail(&fetch.stderr) });
            }
            let retry = self.run(crate_dir, &["build", "--release", "--frozen"], on_event)?;
            if retry.status.success() {
                return Ok(());
            }
            return Err(self.failure(&retry));
        }
        Err(self.failure(&outcome))
    }

    fn failure(&self, outcome: &Outcome) -> CompileError {
        if outcome.status.code() == Some(125) {
            return CompileError::Toolchain("`sh` could not apply the memory limit (`ulimit -v`)".into());
        }
        let all = format!("{}\n{}", outcome.diagnostics, outcome.stderr);
        if let Some(limit) = self.memory_limit
            && (all.contains("more memory than available to compiler")
                || all.contains("memory allocation of")
                || all.contains("Cannot allocate memory")
                || all.contains("out of memory"))
        {
            return CompileError::MemoryLimit { limit };
        }
        if all.contains("target may not be installed") || all.contains("can't find crate for `core`") {
            return CompileError::MissingTarget;
        }
        if !outcome.diagnostics.is_empty() {
            return CompileError::Rustc { diagnostics: self.scrubber.scrub(&outcome.diagnostics) };
        }
        CompileError::Cargo { message: self.scrubber.tail(&outcome.stderr) }
    }

    /// The cargo command for `args`, wrapped in the memory limit.
    pub(crate) fn command(&self, crate_dir: &Path, args: &[&str]) -> Command {
        let limit_kib = match self.memory_limit {
            Some(bytes) => (bytes / 1024).max(1).to_string(),
            None => "unlimited".to_owned(),
        };
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(r#"ulimit -v "$1" || exit 125; shift; exec "$@""#)
            .arg("logos-compile")
            .arg(limit_kib);
        cmd.arg("cargo").args(args);
        // `fetch` without `--target` fetches for every platform: a build
        // for wasm32 still resolves some host-only packages.
        if args.first() == Some(&"build") {
            cmd.args(["--target", TARGET, "--message-format=json"]);
            if let Some(jobs) = self.jobs {
                cmd.arg("--jobs").arg(jobs.to_string());
            }
        }
        cmd.current_dir(crate_dir)
            .env_clear()
            .envs(child_env(&self.target_dir))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        cmd
    }

    fn run(
        &self,
        crate_dir: &Path,
        args: &[&str],
        on_event: &mut dyn FnMut(Event),
    ) -> Result<Outcome, CompileError> {
        let mut child = self.command(crate_dir, args).spawn().map_err(|e| {
            CompileError::Toolchain(format!(
                "cannot start `sh` to run cargo: {}",
                self.scrubber.scrub(&e.to_string())
            ))
        })?;
        let deadline = Instant::now() + self.timeout;
        let (tx, rx) = mpsc::channel::<Message>();
        let (err_tx, err_rx) = mpsc::channel::<String>();
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        // The readers are never joined: a process that escaped the group
        // could hold a pipe open forever. Everything below is bounded by the
        // deadline instead.
        std::thread::spawn(move || {
            if let Some(out) = stdout {
                read_messages(out, &tx);
            }
        });
        std::thread::spawn(move || {
            let _ = err_tx.send(stderr.map(read_capped).unwrap_or_default());
        });
        let mut diagnostics = String::new();
        // Errors of dependencies: never the payload's fault, but they tell a
        // missing target or an exhausted memory limit apart.
        let mut foreign = String::new();
        let mut handle = |msg: Message| match msg {
            Message::Artifact(name) => on_event(Event::Artifact(name)),
            Message::Diagnostic { text, ours } => {
                let buf = if ours { &mut diagnostics } else { &mut foreign };
                if buf.len() < MAX_DIAGNOSTICS {
                    buf.push_str(&text);
                    if !text.ends_with('\n') {
                        buf.push('\n');
                    }
                }
            }
        };
        let status = loop {
            let now = Instant::now();
            if now >= deadline {
                kill_group(&mut child);
                return Err(CompileError::Timeout { limit: self.timeout });
            }
            match rx.recv_timeout((deadline - now).min(Duration::from_millis(100))) {
                Ok(msg) => handle(msg),
                // Output closed or quiet: has cargo exited?
                Err(e) => match child.try_wait() {
                    Ok(Some(status)) => {
                        // Drain what is still in the pipe, briefly.
                        let grace = Instant::now() + Duration::from_secs(1);
                        while let Ok(msg) = rx.recv_timeout(grace.saturating_duration_since(Instant::now())) {
                            handle(msg);
                        }
                        break status;
                    }
                    Ok(None) if e == mpsc::RecvTimeoutError::Disconnected => {
                        std::thread::sleep(Duration::from_millis(10));
                    }
                    Ok(None) => {}
                    Err(e) => return Err(CompileError::io("waiting for cargo")(e)),
                },
            }
        };
        let grace = deadline.saturating_duration_since(Instant::now()).min(Duration::from_secs(2));
        let mut stderr = err_rx.recv_timeout(grace).unwrap_or_default();
        stderr.push_str(&foreign);
        diagnostics.truncate(floor_char_boundary(&diagnostics, MAX_DIAGNOSTICS));
        Ok(Outcome { status, diagnostics, stderr })
    }
}

/// The only variables a build sees.
pub(crate) fn child_env(target_dir: &Path) -> Vec<(String, String)> {
    let mut env = Vec::new();
    for key in ["PATH", "HOME", "CARGO_HOME", "RUSTUP_HOME", "RUSTUP_TOOLCHAIN"] {
        if let Ok(value) = std::env::var(key) {
            env.push((key.to_owned(), value));
        }
    }
    let target = target_dir.to_string_lossy().into_owned();
    let flags = [
        format!("--remap-path-prefix={}=/cargo", cargo_home().to_string_lossy()),
        format!("--remap-path-prefix={target}=/target"),
    ];
    env.push(("CARGO_TARGET_DIR".into(), target));
    env.push(("CARGO_ENCODED_RUSTFLAGS".into(), flags.join("\u{1f}")));
    env.push(("CARGO_TERM_COLOR".into(), "never".into()));
    env.push(("CARGO_INCREMENTAL".into(), "0".into()));
    env
}

/// The cargo home cargo will use (for path remapping and scrubbing).
pub(crate) fn cargo_home() -> PathBuf {
    match std::env::var_os("CARGO_HOME") {
        Some(home) => PathBuf::from(home),
        None => std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")).unwrap_or_default(),
    }
}

/// Whether a `--frozen` build failed only because dependencies are not
/// downloaded yet.
fn needs_fetch(stderr: &str) -> bool {
    stderr.contains("--offline") || stderr.contains("offline mode") || stderr.contains("--frozen")
}

enum Message {
    Artifact(String),
    Diagnostic { text: String, ours: bool },
}

/// Parses cargo's JSON lines: finished artifacts (progress) and the rendered
/// errors of the payload crate.
fn read_messages(out: impl Read, tx: &mpsc::Sender<Message>) {
    #[derive(serde::Deserialize)]
    struct Line {
        reason: String,
        #[serde(default)]
        package_id: String,
        target: Option<Target>,
        message: Option<Diagnostic>,
    }
    #[derive(serde::Deserialize)]
    struct Target {
        name: String,
    }
    #[derive(serde::Deserialize)]
    struct Diagnostic {
        level: String,
        rendered: Option<String>,
    }
    let mut reader = BufReader::new(out);
    while let Some(line) = read_line(&mut reader) {
        let Ok(msg) = serde_json::from_slice::<Line>(&line) else { continue };
        let sent = match (msg.reason.as_str(), msg.target, msg.message) {
            ("compiler-artifact", Some(t), _) => tx.send(Message::Artifact(t.name)),
            ("compiler-message", _, Some(d)) if d.level == "error" => tx.send(Message::Diagnostic {
                text: d.rendered.unwrap_or_default(),
                ours: is_node_crate(&msg.package_id),
            }),
            _ => Ok(()),
        };
        if sent.is_err() {
            return;
        }
    }
}

/// Cargo's package ids: `path+file:///dir#logos-node@0.1.0`, or
/// `path+file:///dir/logos-node#0.1.0` when the directory has the crate's name.
fn is_node_crate(package_id: &str) -> bool {
    package_id.contains(&format!("#{CRATE_NAME}@")) || package_id.contains(&format!("/{CRATE_NAME}#"))
}

/// One line, at most [`MAX_LINE`] bytes kept; `None` at end of input.
fn read_line(reader: &mut impl BufRead) -> Option<Vec<u8>> {
    let mut line = Vec::new();
    let mut any = false;
    loop {
        let buf = reader.fill_buf().ok()?;
        if buf.is_empty() {
            return any.then_some(line);
        }
        any = true;
        let (chunk, done) = match buf.iter().position(|b| *b == b'\n') {
            Some(i) => (&buf[..i], Some(i + 1)),
            None => (buf, None),
        };
        let room = MAX_LINE.saturating_sub(line.len());
        line.extend_from_slice(&chunk[..chunk.len().min(room)]);
        let used = done.unwrap_or(buf.len());
        reader.consume(used);
        if done.is_some() {
            return Some(line);
        }
    }
}

fn read_capped(mut stream: impl Read) -> String {
    let mut kept = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                // Keep the tail: cargo's error is at the end.
                kept.extend_from_slice(&buf[..n]);
                if kept.len() > 2 * MAX_DIAGNOSTICS {
                    kept.drain(..kept.len() - MAX_DIAGNOSTICS);
                }
            }
        }
    }
    String::from_utf8_lossy(&kept).into_owned()
}

/// Kills cargo's whole process group (rustc and linkers included).
fn kill_group(child: &mut Child) {
    let pgid = child.id().to_string();
    // `kill` as a shell builtin keeps this crate free of unsafe libc calls.
    let _ = Command::new("sh")
        .arg("-c")
        // No `--`: dash's builtin does not accept it before a negative pid.
        .arg(r#"kill -KILL "-$1""#)
        .arg("logos-compile")
        .arg(&pgid)
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let _ = child.kill();
    let _ = child.wait();
}

fn floor_char_boundary(s: &str, max: usize) -> usize {
    if s.len() <= max {
        return s.len();
    }
    (0..=max).rev().find(|i| s.is_char_boundary(*i)).unwrap_or(0)
}

/// Replaces host paths in compiler output with placeholders and drops
/// control characters, so no host data reaches an error.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scrubber {
    replacements: Vec<(String, &'static str)>,
}

impl Scrubber {
    pub(crate) fn new(paths: &[(&Path, &'static str)]) -> Self {
        let mut replacements = Vec::new();
        for (path, label) in paths {
            for p in [path.to_path_buf(), path.canonicalize().unwrap_or_else(|_| path.to_path_buf())] {
                let text = p.to_string_lossy().trim_end_matches('/').to_owned();
                // Never replace "/" or "": that would mangle every message.
                if text.len() > 1 {
                    replacements.push((text, *label));
                }
            }
        }
        // Longest first, so `/home/u/.cargo` wins over `/home/u`.
        replacements.sort_by_key(|r| std::cmp::Reverse(r.0.len()));
        replacements.dedup();
        Self { replacements }
    }

    pub(crate) fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for (path, label) in &self.replacements {
            out = out.replace(path.as_str(), label);
        }
        out.chars().filter(|c| !c.is_control() || *c == '\n' || *c == '\t').collect()
    }

    /// The scrubbed last lines of `text` (where cargo puts its error).
    pub(crate) fn tail(&self, text: &str) -> String {
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        let start = lines.len().saturating_sub(12);
        self.scrub(&lines[start..].join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn child_sees_only_the_listed_variables() {
        let env = child_env(Path::new("/t"));
        let allowed = [
            "PATH",
            "HOME",
            "CARGO_HOME",
            "RUSTUP_HOME",
            "RUSTUP_TOOLCHAIN",
            "CARGO_TARGET_DIR",
            "CARGO_ENCODED_RUSTFLAGS",
            "CARGO_TERM_COLOR",
            "CARGO_INCREMENTAL",
        ];
        for (key, _) in &env {
            assert!(allowed.contains(&key.as_str()), "{key} leaks into the build");
        }
        let cmd = Sandbox {
            target_dir: "/t".into(),
            timeout: Duration::from_secs(1),
            memory_limit: Some(1 << 30),
            jobs: None,
            scrubber: Scrubber::default(),
        }
        .command(Path::new("/c"), &["build", "--release", "--frozen"]);
        let passed: Vec<String> = cmd.get_envs().map(|(k, _)| k.to_string_lossy().into_owned()).collect();
        assert!(passed.iter().all(|k| allowed.contains(&k.as_str())), "{passed:?}");
        let args: Vec<String> = cmd.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
        assert!(args.contains(&"--frozen".to_owned()));
        assert!(args.contains(&"1048576".to_owned()), "memory limit in KiB: {args:?}");
    }

    #[test]
    fn rustflags_remap_target_and_cargo_home() {
        let env = child_env(Path::new("/some/target"));
        let flags = &env.iter().find(|(k, _)| k == "CARGO_ENCODED_RUSTFLAGS").expect("flags").1;
        assert!(flags.contains("--remap-path-prefix=/some/target=/target"));
        assert!(flags.contains("=/cargo"));
    }

    #[test]
    fn scrubber_hides_paths_and_control_characters() {
        let s = Scrubber::new(&[
            (Path::new("/home/alice"), "<home>"),
            (Path::new("/home/alice/.cargo"), "<cargo>"),
        ]);
        let out = s.scrub("error at /home/alice/.cargo/registry/x.rs and /home/alice/w\x1b[31m");
        assert_eq!(out, "error at <cargo>/registry/x.rs and <home>/w[31m");
    }

    #[test]
    fn node_crate_messages_are_told_apart_from_dependencies() {
        assert!(is_node_crate("path+file:///tmp/w/logos-node-x1#logos-node@0.1.0"));
        assert!(is_node_crate("path+file:///tmp/w/logos-node#0.1.0"));
        assert!(!is_node_crate("registry+https://github.com/rust-lang/crates.io-index#serde@1.0.229"));
    }

    #[test]
    fn long_lines_are_cut_not_buffered_whole() {
        let mut input = vec![b'x'; MAX_LINE + 10];
        input.extend_from_slice(b"\nnext\n");
        let mut r = BufReader::new(input.as_slice());
        assert_eq!(read_line(&mut r).expect("line").len(), MAX_LINE);
        assert_eq!(read_line(&mut r).expect("line"), b"next");
        assert!(read_line(&mut r).is_none());
    }
}
