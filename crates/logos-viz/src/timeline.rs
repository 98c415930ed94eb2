//! The ledger as a Mermaid `flowchart TB` chain: one box per entry, oldest
//! at the top, coloured by kind.
//!
//! A flowchart rather than Mermaid's `timeline` or `gitGraph`: those parse
//! `:`, `#` and quotes in their own ways and have no quoted-label form, while
//! a flowchart label is a quoted string in which entity codes are reliable.

use std::collections::BTreeSet;
use std::fmt::Write;

use crate::text::{self, MAX_NAME, MAX_SUMMARY, clean};

/// One ledger entry, as the caller summarises it (logos-viz does not depend
/// on the ledger crate).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct TimelineEntry {
    /// The entry's sequence number.
    pub seq: u64,
    /// Host time of the entry, in milliseconds since the Unix epoch.
    pub timestamp_ms: u64,
    /// Who made the change (`host`, `agent:NAME`, `human:KEY`).
    pub actor: String,
    /// The event kind (`node-added`, `edge-added`, `promoted`, …); entries of
    /// one kind share a colour.
    pub kind: String,
    /// One line saying what changed.
    pub summary: String,
}

/// Fills and borders cycled through by kind (kinds sorted by name).
const PALETTE: [&str; 8] = [
    "fill:#dbeafe,stroke:#1d4ed8",
    "fill:#dcfce7,stroke:#15803d",
    "fill:#fef3c7,stroke:#b45309",
    "fill:#fce7f3,stroke:#be185d",
    "fill:#ede9fe,stroke:#6d28d9",
    "fill:#ccfbf1,stroke:#0f766e",
    "fill:#fee2e2,stroke:#b91c1c",
    "fill:#e2e8f0,stroke:#334155",
];

/// The last `last` entries (by seq) as a Mermaid flowchart; older ones are
/// counted in a single "… N earlier entries" box at the top.
pub fn timeline(entries: &[TimelineEntry], last: usize) -> String {
    let mut sorted: Vec<&TimelineEntry> = entries.iter().collect();
    sorted.sort_by_key(|e| e.seq);
    let shown = &sorted[sorted.len().saturating_sub(last)..];
    let earlier = sorted.len() - shown.len();
    let kinds: Vec<String> =
        shown.iter().map(|e| clean(&e.kind, MAX_NAME)).collect::<BTreeSet<_>>().into_iter().collect();

    let mut out = String::from("flowchart TB\n");
    let colours = kinds.len().min(PALETTE.len());
    for (i, css) in PALETTE.iter().enumerate().take(colours) {
        // Writing into a String cannot fail.
        let _ = writeln!(out, "    classDef k{i} {css},color:#0f172a");
    }
    let mut ids = Vec::new();
    if earlier > 0 || shown.is_empty() {
        out.push_str("    classDef earlier fill:#f8fafc,stroke:#94a3b8,stroke-dasharray:4 3,color:#475569\n");
        let _ = writeln!(out, "    earlier[\"{}\"]", text::mermaid(&earlier_text(earlier)));
        ids.push("earlier".to_owned());
    }
    for (i, entry) in shown.iter().enumerate() {
        let _ = writeln!(out, "    e{i}[\"{}\"]", entry_label(entry));
        ids.push(format!("e{i}"));
    }
    for pair in ids.windows(2) {
        let _ = writeln!(out, "    {} --> {}", pair[0], pair[1]);
    }
    if ids.first().is_some_and(|id| id == "earlier") {
        out.push_str("    class earlier earlier\n");
    }
    for (k, kind) in kinds.iter().enumerate() {
        let members: Vec<String> = (0..shown.len())
            .filter(|&i| clean(&shown[i].kind, MAX_NAME) == *kind)
            .map(|i| format!("e{i}"))
            .collect();
        let _ = writeln!(out, "    class {} k{}", members.join(","), k % PALETTE.len());
    }
    out
}

fn earlier_text(earlier: usize) -> String {
    match earlier {
        0 => "no ledger entries".to_owned(),
        1 => "… 1 earlier entry".to_owned(),
        n => format!("… {n} earlier entries"),
    }
}

/// `#seq · kind` in bold, then time and actor, then the summary.
fn entry_label(e: &TimelineEntry) -> String {
    let head = format!("#{} · {}", e.seq, clean(&e.kind, MAX_NAME));
    let when = format!("{} · {}", utc(e.timestamp_ms), clean(&e.actor, MAX_NAME));
    let summary = clean(&e.summary, MAX_SUMMARY);
    format!("<b>{}</b><br/>{}<br/>{}", text::mermaid(&head), text::mermaid(&when), text::mermaid(&summary))
}

/// `YYYY-MM-DD HH:MM:SS UTC`, from milliseconds since the Unix epoch.
fn utc(ms: u64) -> String {
    let secs = ms / 1000;
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (Howard
/// Hinnant's algorithm, unsigned because ledger times are never negative).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_formats_known_instants() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(951_782_400_000), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc(1_700_000_000_123), "2023-11-14 22:13:20 UTC");
    }

    #[test]
    fn utc_never_overflows() {
        assert!(utc(u64::MAX).ends_with(" UTC"));
    }
}
