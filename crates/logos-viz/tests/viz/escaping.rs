//! Names from untrusted agents cannot break out of a label in any format.
//! Each attack is a node name, the ports and the title carry attacks too, and
//! every test checks both that the syntax around the labels is intact and
//! that each label reads back as the (cleaned) original text.

use logos_core::{Graph, NodeId};
use logos_viz::{Annotations, TimelineEntry, dot_with, mermaid_with, svg_with, timeline};

use crate::fixtures::{add, link, manifest};
use crate::xml;

const ATTACKS: [&str; 14] = [
    "a\"] --> x[\"b",
    "x\"]]; click x call alert(1); y[[\"",
    "%%{init: {\"theme\": \"dark\"}}%%",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "line\nbreak --> z\r\n%% comment",
    "&lt; &amp; #60; #quot; &#x3c;",
    "\\N \\G \\l \\\" \"; node [shape=none",
    "]]></text><text>x</text><!--",
    "`**markdown**` | pipe | ;",
    "style n:#f00; classDef x fill:#f00;",
    "bidi \u{202E}evil\u{202C} zero\u{200B}width",
    "end subgraph graph digraph",
    "{x} (y) [z] <w>",
];
const PORT_OUT: &str = "o\"|>-->x|\"";
const PORT_IN: &str = "i%%{<]]>}\n";
const TITLE: &str = "t\"\n---\nflowchart TB\n%%{init: {}}%%";

/// What a reader must see: hazards replaced, nothing else changed.
fn cleaned(s: &str) -> String {
    s.chars()
        .map(
            |c| {
                if c.is_control() || matches!(c, '\u{200B}' | '\u{202C}' | '\u{202E}') {
                    '\u{FFFD}'
                } else {
                    c
                }
            },
        )
        .collect()
}

/// Every attack as a node, chained through attack-named ports.
fn hostile() -> (Graph, Vec<NodeId>, Annotations) {
    let mut g = Graph::new();
    let mut ids = Vec::new();
    for name in ATTACKS {
        let node = add(&mut g, manifest(name, &[(PORT_IN, "u8")], &[(PORT_OUT, "u8")], &[]));
        if let Some(&prev) = ids.last() {
            link(&mut g, prev, PORT_OUT, node, PORT_IN);
        }
        ids.push(node);
    }
    let notes = Annotations { title: Some(TITLE.into()), ..Annotations::default() };
    (g, ids, notes)
}

fn edge_label() -> String {
    cleaned(&format!("{PORT_OUT} → {PORT_IN}: u8"))
}

// ---- Mermaid ----

/// The text of a quoted Mermaid label: our tags become line breaks, entity
/// codes become characters. Fails on anything an attacker could have used.
fn mermaid_label(raw: &str) -> String {
    let text = raw.replace("<b>", "").replace("</b>", "").replace("<br/>", "\n");
    let mut out = String::new();
    let mut rest = text.as_str();
    while let Some(c) = rest.chars().next() {
        if c == '#' {
            let semi = rest.find(';').unwrap_or_else(|| panic!("bare # in {raw:?}"));
            let code: u32 = rest[1..semi].parse().unwrap_or_else(|_| panic!("bad entity in {raw:?}"));
            out.push(char::from_u32(code).unwrap_or_else(|| panic!("bad code in {raw:?}")));
            rest = &rest[semi + 1..];
            continue;
        }
        let safe =
            !c.is_ascii() || c.is_ascii_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.' | ',' | '\n');
        assert!(safe, "raw {c:?} in Mermaid label {raw:?}");
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

#[test]
fn mermaid_labels_cannot_break_out() {
    let (g, ids, notes) = hostile();
    let out = mermaid_with(&g, &notes);
    let lines: Vec<&str> = out.lines().collect();
    // Front matter (3), header, one line per node and per edge, nothing else.
    assert_eq!(lines.len(), 4 + ATTACKS.len() + ATTACKS.len() - 1, "{out}");
    assert_eq!(lines[1], "title: \"t\\\"\u{FFFD}---\u{FFFD}flowchart TB\u{FFFD}%%{init: {}}%%\"");
    assert_eq!(lines[3], "flowchart LR");
    assert!(!lines[4..].iter().any(|l| l.contains("%%") || l.contains("<script") || l.contains("<img")));
    for (name, node) in ATTACKS.iter().zip(&ids) {
        let prefix = format!("    n{node}[\"");
        let line =
            lines.iter().find(|l| l.starts_with(&prefix)).unwrap_or_else(|| panic!("no line for {name:?}"));
        let label = line.strip_prefix(&prefix).and_then(|l| l.strip_suffix("\"]")).unwrap_or_default();
        assert!(!label.contains('"'), "{line}");
        let shown = mermaid_label(label);
        assert_eq!(shown.lines().next(), Some(cleaned(name).as_str()));
    }
    for line in lines.iter().filter(|l| l.contains(" -->|\"")) {
        let (_, rest) = line.split_once(" -->|\"").unwrap_or_default();
        let (label, target) = rest.split_once("\"| n").unwrap_or_default();
        assert!(!label.contains('"') && target.len() == 64, "{line}");
        assert_eq!(mermaid_label(label), edge_label());
    }
}

// ---- DOT ----

/// Splits DOT text into quoted strings (decoded as Graphviz shows them) and
/// single punctuation or word tokens. Fails on any escape or entity Graphviz
/// would expand (`\N`, `\G`, `&lt;`, …), which only an unescaped name could
/// produce.
fn dot_tokens(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {}
            '"' => {
                let mut s = String::from("\"");
                loop {
                    match chars.next().unwrap_or_else(|| panic!("unterminated string")) {
                        '"' => break,
                        '\\' => match chars.next() {
                            Some('\\') => s.push('\\'),
                            Some('"') => s.push('"'),
                            Some('n') => s.push('\n'),
                            other => panic!("Graphviz would expand \\{other:?}"),
                        },
                        c => s.push(c),
                    }
                }
                let unescaped = s.replace("&amp;", "");
                assert!(!unescaped.contains('&'), "Graphviz would decode an entity in {s:?}");
                tokens.push(s.replace("&amp;", "&"));
            }
            c if c.is_alphanumeric() || c == '.' => {
                let mut word = String::from(c);
                while let Some(&n) = chars.peek().filter(|n| n.is_alphanumeric() || **n == '.') {
                    word.push(n);
                    chars.next();
                }
                tokens.push(word);
            }
            '-' if chars.peek() == Some(&'>') => {
                chars.next();
                tokens.push("->".into());
            }
            c => tokens.push(c.to_string()),
        }
    }
    tokens
}

#[test]
fn dot_labels_cannot_break_out() {
    let (g, ids, notes) = hostile();
    let tokens = dot_tokens(&dot_with(&g, &notes));
    // Statements: graph, node, edge defaults, then nodes and edges.
    let statements = tokens.iter().filter(|t| *t == ";").count();
    assert_eq!(statements, 3 + ATTACKS.len() + ATTACKS.len() - 1);
    assert_eq!(tokens.iter().filter(|t| *t == "[").count(), statements);
    assert_eq!(tokens.iter().filter(|t| *t == "{").count(), 1);
    let labels: Vec<&String> =
        tokens.windows(3).filter(|w| w[0] == "label" && w[1] == "=").map(|w| &w[2]).collect();
    assert_eq!(labels[0], &format!("\"{}", cleaned(TITLE)));
    for (name, node) in ATTACKS.iter().zip(&ids) {
        let expected = format!("\"{}\n{}\nasks: none", cleaned(name), node.short());
        assert!(labels.contains(&&expected), "no label {expected:?}");
    }
    let edge = format!("\"{}", edge_label());
    assert_eq!(labels.iter().filter(|l| ***l == edge).count(), ATTACKS.len() - 1);
}

// ---- SVG ----

#[test]
fn svg_labels_cannot_break_out() {
    let (g, _, notes) = hostile();
    let doc = svg_with(&g, &notes);
    let texts = xml::check(&doc).unwrap_or_else(|e| panic!("malformed SVG: {e}"));
    for name in ATTACKS {
        let name = cleaned(name);
        // Once in the box, once in its tooltip (with the id).
        assert!(texts.contains(&name), "{name:?} not drawn as text");
        assert!(texts.iter().any(|t| t.starts_with(&format!("{name} "))), "{name:?} has no tooltip");
    }
    assert!(texts.contains(&cleaned(TITLE)));
    assert_eq!(texts.iter().filter(|t| **t == edge_label()).count(), 2 * (ATTACKS.len() - 1));
    assert!(!doc.contains("<script") && !doc.contains("<img") && !doc.contains("<!--"));
}

// ---- timeline ----

#[test]
fn timeline_labels_cannot_break_out() {
    let entries: Vec<TimelineEntry> = ATTACKS
        .iter()
        .enumerate()
        .map(|(i, attack)| TimelineEntry {
            seq: i as u64,
            timestamp_ms: 0,
            actor: (*attack).into(),
            kind: (*attack).into(),
            summary: (*attack).into(),
        })
        .collect();
    let out = timeline(&entries, ATTACKS.len());
    let boxes: Vec<&str> = out.lines().filter(|l| l.starts_with("    e") && l.contains("[\"")).collect();
    assert_eq!(boxes.len(), ATTACKS.len());
    // Header, 8 colours, then per entry a box, a link (one fewer) and a class.
    assert_eq!(out.lines().count(), 1 + 8 + 3 * ATTACKS.len() - 1, "{out}");
    for (i, attack) in ATTACKS.iter().enumerate() {
        let prefix = format!("    e{i}[\"");
        let line = boxes.iter().find(|l| l.starts_with(&prefix)).copied().unwrap_or_default();
        let label = line.strip_prefix(&prefix).and_then(|l| l.strip_suffix("\"]")).unwrap_or_default();
        let shown = mermaid_label(label);
        let clean = cleaned(attack);
        let expected = format!("#{i} · {clean}\n1970-01-01 00:00:00 UTC · {clean}\n{clean}");
        assert_eq!(shown, expected);
    }
    assert!(!out.contains("%%"));
}
