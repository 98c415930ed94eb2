//! Writing results to stdout: text for people, one JSON document for programs.

use std::io::{self, Write};

use serde::Serialize;

use crate::error::CliError;

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The first 12 hex digits of a hash, for text output (ids use `NodeId::short`).
pub fn short_hex(bytes: &[u8]) -> String {
    let mut s = hex(bytes);
    s.truncate(12);
    s
}

/// `1 entry`, `2 entries`.
pub fn count(n: impl Into<u64>, singular: &str, plural: &str) -> String {
    match n.into() {
        1 => format!("1 {singular}"),
        n => format!("{n} {plural}"),
    }
}

/// Prints `text` as is (callers end it with a newline).
pub fn print_text(text: &str) -> Result<(), CliError> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Prints `value` as one pretty-printed JSON document and a newline.
pub fn print_json<T: Serialize>(value: &T) -> Result<(), CliError> {
    let mut out = io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value).map_err(io::Error::from)?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_lowercase_and_padded() {
        assert_eq!(hex(&[0x00, 0x0f, 0xab]), "000fab");
        assert_eq!(short_hex(&[0xff; 32]), "ffffffffffff");
    }

    #[test]
    fn counts_are_pluralised() {
        assert_eq!(count(0u32, "edge", "edges"), "0 edges");
        assert_eq!(count(1u32, "entry", "entries"), "1 entry");
    }
}
