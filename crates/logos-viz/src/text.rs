//! Text hygiene shared by every format.
//!
//! Names come from untrusted agents, so every piece of text goes through two
//! steps: [`clean`] once (no control, line-break or bidi characters, bounded
//! length), then exactly one escaper for the target syntax. The escapers work
//! on whole label lines, so a renderer never splices raw text into syntax.

/// Longest node name, port name, actor or kind shown; longer ones end in `…`.
pub(crate) const MAX_NAME: usize = 64;
/// Longest type text shown on an edge (record types can be kilobytes).
pub(crate) const MAX_TYPE: usize = 60;
/// Longest ledger summary shown.
pub(crate) const MAX_SUMMARY: usize = 120;

/// `s` with every hazardous character replaced by U+FFFD and at most `max`
/// characters kept (then `…`).
pub(crate) fn clean(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max * 4));
    for (i, c) in s.chars().enumerate() {
        if i == max {
            out.push('…');
            break;
        }
        out.push(if is_hazard(c) { '\u{FFFD}' } else { c });
    }
    out
}

/// Characters that end a line, reorder or hide text, or are not allowed in
/// XML at all.
fn is_hazard(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{2069}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
                | '\u{FFFE}'
                | '\u{FFFF}'
        )
}

/// Text for inside a Mermaid `"…"` label. Everything but letters, digits,
/// space and `-_.,` becomes an entity code (`#60;`), so nothing can end the
/// string, open a tag, start a directive (`%%{`), or trip Mermaid's
/// `style…:#…;` rewriting. Non-ASCII text is left as is.
pub(crate) fn mermaid(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() && !c.is_ascii_alphanumeric() && !matches!(c, ' ' | '-' | '_' | '.' | ',') {
            out.push('#');
            out.push_str(&u32::from(c).to_string());
            out.push(';');
        } else {
            out.push(c);
        }
    }
    out
}

/// Text for inside a DOT `"…"` string: `\` and `"` are escaped, so neither
/// the string nor Graphviz's `\N`/`\G`/`\l` label escapes can be reached,
/// and `&` is `&amp;`, because Graphviz decodes HTML entities in every label
/// (`&lt;` would otherwise be shown as `<`).
pub(crate) fn dot(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '"' => {
                out.push('\\');
                out.push(c);
            }
            '&' => out.push_str("&amp;"),
            c => out.push(c),
        }
    }
    out
}

/// Text for inside a YAML double-quoted scalar (Mermaid front matter).
pub(crate) fn yaml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | '"') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Text for XML character data or a double-quoted attribute value.
pub(crate) fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Monospace cells `s` takes: wide (CJK, emoji) characters count two,
/// combining marks none. Good enough to size boxes without a font.
pub(crate) fn cells(s: &str) -> usize {
    s.chars().map(char_cells).sum()
}

fn char_cells(c: char) -> usize {
    match u32::from(c) {
        0x0300..=0x036F | 0x200B..=0x200F => 0,
        0x1100..=0x115F
        | 0x2E80..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x1F300..=0x1F64F
        | 0x1F900..=0x1F9FF
        | 0x20000..=0x3FFFD => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_replaces_line_breaks_and_bidi_and_bounds_length() {
        assert_eq!(clean("a\nb\u{202E}c", 10), "a\u{FFFD}b\u{FFFD}c");
        assert_eq!(clean("abcdef", 3), "abc…");
        assert_eq!(clean("abc", 3), "abc");
    }

    #[test]
    fn mermaid_escape_leaves_no_syntax() {
        assert_eq!(mermaid("a\"]-->b%%{x}"), "a#34;#93;--#62;b#37;#37;#123;x#125;");
        assert_eq!(mermaid("é → ü"), "é → ü");
    }

    #[test]
    fn dot_escape_covers_quote_backslash_and_ampersand() {
        assert_eq!(dot(r#"a"b\N&lt;"#), r#"a\"b\\N&amp;lt;"#);
    }

    #[test]
    fn wide_characters_take_two_cells() {
        assert_eq!(cells("ab"), 2);
        assert_eq!(cells("日本"), 4);
    }
}
