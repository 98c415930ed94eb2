//! Key files and key arguments.
//!
//! # Formats
//!
//! A human's secret key, `NAME.key` from `logos keygen` (mode 0600): the
//! 32-byte Ed25519 seed, after a version line.
//!
//! ```text
//! logos-ed25519-secret-key/v1
//! <64 lowercase hex digits>
//! ```
//!
//! A human's public key, `NAME.pub`: 64 lowercase hex digits and a newline.
//! `--human` takes such a file or the hex itself.
//!
//! The store's log key, `<store>.logkey` from `logos init` (mode 0600): the
//! key name (the log's origin) and its Ed25519 seed.
//!
//! ```text
//! logos-log-key/v1
//! <key name>
//! <64 lowercase hex digits>
//! ```
//!
//! Its verifier key, `<log key>.pub`: one line, the C2SP vkey
//! `<name>+<8 hex key id>+<base64(0x01 || public key)>`. This is what
//! auditors trust (`--trusted-key` takes it or a file holding it).

use std::path::Path;

use logos_runtime::layers::ledger::ed25519_dalek::SigningKey;
use logos_runtime::{Keyring, NoteSigner, NoteVerifier};

use crate::error::CliError;
use crate::files;
use crate::output::hex;

/// First line of a human secret key file.
pub const SECRET_KEY_VERSION: &str = "logos-ed25519-secret-key/v1";
/// First line of a log key file.
pub const LOG_KEY_VERSION: &str = "logos-log-key/v1";

/// A fresh Ed25519 key from the operating system's random source.
pub fn generate_human_key() -> Result<SigningKey, CliError> {
    // `NoteSigner::generate` is the ledger's `SigningKey::generate(&mut OsRng)`;
    // borrowing it keeps a second randomness dependency out of the CLI.
    let seed = NoteSigner::generate("human")
        .map_err(|e| CliError::Input(format!("cannot generate a key: {e}")))?
        .to_bytes();
    Ok(SigningKey::from_bytes(&seed))
}

/// The text of a human's secret key file.
pub fn secret_key_text(key: &SigningKey) -> String {
    format!("{SECRET_KEY_VERSION}\n{}\n", hex(&key.to_bytes()))
}

/// The text of a human's public key file.
pub fn public_key_text(key: &SigningKey) -> String {
    format!("{}\n", hex(key.verifying_key().as_bytes()))
}

/// Reads a human's secret key file.
pub fn read_secret_key(path: &Path) -> Result<SigningKey, CliError> {
    let bad = |reason: &str| CliError::KeyFile {
        path: path.into(),
        what: "logos secret key",
        reason: reason.into(),
    };
    let text = files::read_text(path)?;
    let mut lines = text.lines();
    if lines.next() != Some(SECRET_KEY_VERSION) {
        return Err(bad(&format!(
            "the first line is not `{SECRET_KEY_VERSION}` (make one with `logos keygen`)"
        )));
    }
    let seed =
        lines.next().and_then(parse_hex32).ok_or_else(|| bad("the second line is not 64 hex digits"))?;
    if lines.next().is_some() {
        return Err(bad("unexpected text after the key"));
    }
    Ok(SigningKey::from_bytes(&seed))
}

/// The text of a log key file.
pub fn log_key_text(signer: &NoteSigner) -> String {
    format!("{LOG_KEY_VERSION}\n{}\n{}\n", signer.name(), hex(&signer.to_bytes()))
}

/// Reads a log key file.
pub fn read_log_key(path: &Path) -> Result<NoteSigner, CliError> {
    let bad = |reason: String| CliError::KeyFile { path: path.into(), what: "logos log key", reason };
    let text = match files::read_text(path) {
        Err(CliError::Read { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            return Err(CliError::NoLogKey(path.into()));
        }
        other => other?,
    };
    let mut lines = text.lines();
    if lines.next() != Some(LOG_KEY_VERSION) {
        return Err(bad(format!("the first line is not `{LOG_KEY_VERSION}` (`logos init` makes one)")));
    }
    let name = lines.next().ok_or_else(|| bad("the key name line is missing".into()))?;
    let seed = lines
        .next()
        .and_then(parse_hex32)
        .ok_or_else(|| bad("the third line is not 64 hex digits".into()))?;
    if lines.next().is_some() {
        return Err(bad("unexpected text after the key".into()));
    }
    NoteSigner::from_bytes(name, &seed).map_err(|e| bad(e.to_string()))
}

/// A `--human` argument: 64 hex digits, or a file holding them (a `.pub`).
pub fn parse_human(arg: &str) -> Result<[u8; 32], CliError> {
    let bad = |reason: String| CliError::PublicKey { arg: arg.into(), reason };
    let key = match parse_hex32(arg) {
        Some(key) => key,
        None => {
            let path = Path::new(arg);
            if !path.is_file() {
                return Err(bad("not 64 hex digits, and no such file".into()));
            }
            let text = files::read_text(path)?;
            parse_hex32(text.trim_end()).ok_or_else(|| bad("the file does not hold 64 hex digits".into()))?
        }
    };
    // The ledger refuses keys no signature can verify under; say so here, by name.
    NoteVerifier::from_public_key("human", &key).map_err(|e| bad(e.to_string()))?;
    Ok(key)
}

/// The keyring `--human ... --quorum N` describes: keys sorted and
/// deduplicated, quorum between 1 and their number. With no keys, only an
/// absent or zero quorum is allowed, and gives the empty keyring.
pub fn keyring(humans: &[String], quorum: Option<u16>) -> Result<Keyring, CliError> {
    let mut keys = humans.iter().map(|h| parse_human(h)).collect::<Result<Vec<_>, _>>()?;
    keys.sort_unstable();
    keys.dedup();
    let quorum = quorum.unwrap_or(0);
    match keys.len() {
        0 if quorum == 0 => Ok(Keyring::empty()),
        0 => Err(CliError::Input(format!("--quorum {quorum} needs that many --human keys to sign tokens"))),
        n if quorum == 0 || usize::from(quorum) > n => Err(CliError::Input(format!(
            "--quorum {quorum} is not between 1 and {n} (the number of distinct --human keys)"
        ))),
        _ => Ok(Keyring { keys, quorum }),
    }
}

/// A `--trusted-key` argument: a C2SP verifier key, or a file holding one.
pub fn parse_trusted(arg: &str) -> Result<NoteVerifier, CliError> {
    let bad = |reason: String| CliError::TrustedKey { arg: arg.into(), reason };
    let as_vkey = match NoteVerifier::from_vkey(arg.trim()) {
        Ok(verifier) => return Ok(verifier),
        Err(e) => e,
    };
    let path = Path::new(arg);
    if !path.is_file() {
        return Err(bad(format!("not a verifier key ({as_vkey}), and no such file")));
    }
    let text = files::read_text(path)?;
    NoteVerifier::from_vkey(text.trim())
        .map_err(|e| bad(format!("the file does not hold a verifier key: {e}")))
}

/// 64 hex digits (either case) as 32 bytes.
pub fn parse_hex32(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 {
        return None;
    }
    // `u8::from_str_radix` would take a leading `+`; digits only here.
    let digit = |c: u8| char::from(c).to_digit(16).and_then(|d| u8::try_from(d).ok());
    let mut out = [0u8; 32];
    for (byte, pair) in out.iter_mut().zip(text.as_bytes().chunks_exact(2)) {
        *byte = (digit(pair[0])? << 4) | digit(pair[1])?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_keys_are_exactly_64_digits() {
        assert_eq!(parse_hex32(&"ab".repeat(32)), Some([0xab; 32]));
        assert_eq!(parse_hex32(&"AB".repeat(32)), Some([0xab; 32]));
        for bad in ["", "ab", &"ab".repeat(33), &format!("+{}", "a".repeat(63)), &"é".repeat(32)] {
            assert_eq!(parse_hex32(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn secret_key_text_round_trips() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let text = secret_key_text(&key);
        assert!(text.starts_with("logos-ed25519-secret-key/v1\n"));
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("k.key");
        std::fs::write(&path, &text).expect("write");
        assert_eq!(read_secret_key(&path).ok().map(|k| k.to_bytes()), Some([7; 32]));
    }

    #[test]
    fn keyrings_are_sorted_deduplicated_and_reachable() {
        let a = hex(SigningKey::from_bytes(&[1; 32]).verifying_key().as_bytes());
        let b = hex(SigningKey::from_bytes(&[2; 32]).verifying_key().as_bytes());
        let ring = keyring(&[b.clone(), a.clone(), b.clone()], Some(2)).expect("keyring");
        assert_eq!(ring.keys.len(), 2);
        assert!(ring.keys[0] < ring.keys[1]);
        assert!(keyring(&[a.clone(), b], Some(3)).is_err());
        assert!(keyring(&[a], Some(0)).is_err());
        assert_eq!(keyring(&[], None).ok(), Some(Keyring::empty()));
        assert!(keyring(&[], Some(1)).is_err());
    }
}
