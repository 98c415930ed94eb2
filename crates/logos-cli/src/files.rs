//! Reading and writing the small files the CLI trades in (keys, tokens,
//! bundles, checkpoints), with the guarantees each needs: secrets are created
//! 0600 and never overwritten; rewritten files are replaced atomically.

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use crate::error::CliError;

/// Largest text file (key, token, checkpoint, policy) read, in bytes: these
/// are all tiny, so anything bigger is the wrong file.
const MAX_SMALL_FILE: u64 = 1 << 20;

/// Reads a small UTF-8 file.
pub fn read_text(path: &Path) -> Result<String, CliError> {
    let bytes = read_small(path)?;
    String::from_utf8(bytes).map_err(|_| CliError::Read {
        path: path.into(),
        source: std::io::Error::new(ErrorKind::InvalidData, "not UTF-8 text"),
    })
}

/// Reads a small file's bytes, refusing anything over 1 MiB.
pub fn read_small(path: &Path) -> Result<Vec<u8>, CliError> {
    let read_err = |source| CliError::Read { path: path.into(), source };
    let len = fs::metadata(path).map_err(read_err)?.len();
    if len > MAX_SMALL_FILE {
        let msg = format!("{len} bytes is too large; expected at most {MAX_SMALL_FILE}");
        return Err(read_err(std::io::Error::new(ErrorKind::InvalidData, msg)));
    }
    fs::read(path).map_err(read_err)
}

/// `path` with `suffix` appended to its file name (`a/b.redb` + `.logkey`).
pub fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = OsString::from(path.as_os_str());
    name.push(suffix);
    name.into()
}

/// Creates `path`, failing if anything is already there. A `secret` file is
/// readable by its owner only, from the moment it exists.
pub fn create_new(path: &Path, secret: bool) -> Result<File, CliError> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = secret;
    options.open(path).map_err(|source| match source.kind() {
        ErrorKind::AlreadyExists => CliError::Exists(path.into()),
        _ => CliError::Create { path: path.into(), source },
    })
}

/// Writes `contents` into a file made by [`create_new`].
pub fn fill(mut file: File, path: &Path, contents: &str) -> Result<(), CliError> {
    file.write_all(contents.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|source| CliError::Write { path: path.into(), source })
}

/// Creates `path` with `contents`, refusing to overwrite anything.
pub fn write_new(path: &Path, contents: &str, secret: bool) -> Result<(), CliError> {
    let file = create_new(path, secret)?;
    fill(file, path, contents).inspect_err(|_| {
        // Half a key or token is worse than none.
        let _ = fs::remove_file(path);
    })
}

/// Replaces `path` with `contents` atomically (a sibling temporary file
/// renamed over it), so a crash leaves the old or the new file, never half of one.
pub fn replace(path: &Path, contents: &str) -> Result<(), CliError> {
    let tmp = with_suffix(path, &format!(".tmp-{}", std::process::id()));
    write_new(&tmp, contents, false)?;
    fs::rename(&tmp, path).map_err(|source| {
        let _ = fs::remove_file(&tmp);
        CliError::Write { path: path.into(), source }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_are_appended_to_the_file_name() {
        assert_eq!(with_suffix(Path::new("./logos.redb"), ".logkey"), PathBuf::from("./logos.redb.logkey"));
        assert_eq!(with_suffix(Path::new("alice"), ".pub"), PathBuf::from("alice.pub"));
    }
}
