//! A small XML well-formedness checker for the SVG output: one root, balanced
//! tags, quoted and unique attributes, only known entities, nothing outside
//! the root but whitespace. It returns the decoded text nodes so tests can
//! check what a reader would see.

/// The decoded text content of every element, in document order.
pub fn check(doc: &str) -> Result<Vec<String>, String> {
    let mut rest =
        doc.strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>").ok_or("no XML declaration")?;
    let mut stack: Vec<String> = Vec::new();
    let mut texts = Vec::new();
    let mut roots = 0;
    while !rest.is_empty() {
        let lt = rest.find('<').unwrap_or(rest.len());
        let (text, after) = rest.split_at(lt);
        let decoded = decode(text)?;
        if stack.is_empty() && !decoded.trim().is_empty() {
            return Err(format!("text outside the root: {decoded:?}"));
        }
        if !decoded.trim().is_empty() {
            texts.push(decoded);
        }
        if after.is_empty() {
            break;
        }
        let gt = after.find('>').ok_or("unterminated tag")?;
        let tag = &after[1..gt];
        rest = &after[gt + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack.pop().ok_or_else(|| format!("closing </{name}> with nothing open"))?;
            if open != name {
                return Err(format!("</{name}> closes <{open}>"));
            }
            continue;
        }
        let (body, empty) = match tag.strip_suffix('/') {
            Some(body) => (body, true),
            None => (tag, false),
        };
        let name = element(body)?;
        if stack.is_empty() {
            roots += 1;
            if roots > 1 {
                return Err("more than one root element".into());
            }
        }
        if !empty {
            stack.push(name);
        }
    }
    match (stack.last(), roots) {
        (Some(open), _) => Err(format!("<{open}> is never closed")),
        (None, 0) => Err("no root element".into()),
        _ => Ok(texts),
    }
}

/// Checks `name attr="value" …` and returns the name.
fn element(body: &str) -> Result<String, String> {
    let name_end = body.find(|c: char| c.is_whitespace()).unwrap_or(body.len());
    let name = &body[..name_end];
    if !is_name(name) {
        return Err(format!("bad element name {name:?}"));
    }
    let mut rest = body[name_end..].trim_start();
    let mut seen = Vec::new();
    while !rest.is_empty() {
        let eq = rest.find('=').ok_or_else(|| format!("attribute without value in <{name}>"))?;
        let attr = &rest[..eq];
        if !is_name(attr) || seen.contains(&attr) {
            return Err(format!("bad or repeated attribute {attr:?} in <{name}>"));
        }
        seen.push(attr);
        let value = rest[eq + 1..].strip_prefix('"').ok_or_else(|| format!("unquoted {attr} in <{name}>"))?;
        let close = value.find('"').ok_or_else(|| format!("unterminated {attr} in <{name}>"))?;
        let raw = &value[..close];
        if raw.contains('<') {
            return Err(format!("'<' in attribute {attr} of <{name}>"));
        }
        decode(raw)?;
        let after = &value[close + 1..];
        if !after.is_empty() && !after.starts_with(char::is_whitespace) {
            return Err(format!("no space after attribute {attr} in <{name}>"));
        }
        rest = after.trim_start();
    }
    Ok(name.to_owned())
}

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
}

/// Resolves the five predefined entities and numeric references; refuses a
/// bare `&` and characters XML does not allow.
fn decode(s: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let semi = rest[amp..].find(';').ok_or_else(|| format!("bare & in {s:?}"))?;
        let entity = &rest[amp + 1..amp + semi];
        out.push(match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => entity
                .strip_prefix('#')
                .and_then(|n| n.parse::<u32>().ok())
                .and_then(char::from_u32)
                .ok_or_else(|| format!("unknown entity &{entity};"))?,
        });
        rest = &rest[amp + semi + 1..];
    }
    out.push_str(rest);
    match out.chars().find(|&c| (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{FFFE}') {
        Some(c) => Err(format!("character {c:?} is not allowed in XML")),
        None => Ok(out),
    }
}

#[test]
fn checker_accepts_a_small_document() {
    let doc = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg a=\"1\"><g><text x=\"&amp;\">a &lt; b</text></g><rect/></svg>\n";
    assert_eq!(check(doc), Ok(vec!["a < b".to_owned()]));
}

#[test]
fn checker_refuses_broken_documents() {
    let head = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
    for bad in [
        "<svg><g></svg>",
        "<svg></g></svg>",
        "<svg a=1></svg>",
        "<svg a=\"1\" a=\"2\"></svg>",
        "<svg a=\"x\"y=\"2\"></svg>",
        "<svg>a & b</svg>",
        "<svg>a<b</svg>",
        "<svg></svg><svg></svg>",
        "<svg></svg>text",
        "<svg>\u{1}</svg>",
    ] {
        assert!(check(&format!("{head}{bad}")).is_err(), "accepted {bad:?}");
    }
}
