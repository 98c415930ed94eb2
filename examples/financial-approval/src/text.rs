//! The story's typography: wrapped paragraphs, money, short hex.

use std::io::{self, Write};

/// Width of the story's prose, indent included.
const WIDTH: usize = 96;

/// Writes `text` indented by three spaces, wrapped at [`WIDTH`].
pub(crate) fn paragraph(out: &mut dyn Write, text: &str) -> io::Result<()> {
    indented(out, 3, text)
}

/// Writes `text` indented by `indent` spaces, wrapped at [`WIDTH`].
pub(crate) fn indented(out: &mut dyn Write, indent: usize, text: &str) -> io::Result<()> {
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && indent + line.chars().count() + 1 + word.chars().count() > WIDTH {
            writeln!(out, "{:indent$}{line}", "")?;
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        writeln!(out, "{:indent$}{line}", "")?;
    }
    Ok(())
}

/// The first `bytes` bytes of `data` in hex.
pub(crate) fn hex(data: &[u8], bytes: usize) -> String {
    data.iter().take(bytes).map(|b| format!("{b:02x}")).collect()
}

/// 1234567 cents -> "12,345.67".
pub(crate) fn eur(cents: u64) -> String {
    format!("{}.{:02}", thousands(cents / 100), cents % 100)
}

/// 1234567 -> "1,234,567".
pub(crate) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_grouped_by_thousands() {
        assert_eq!(eur(5), "0.05");
        assert_eq!(eur(4_000_00), "4,000.00");
        assert_eq!(eur(1_234_567_89), "1,234,567.89");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
    }
}
